// One analysis job: text -> the analysis the diagnostics are published from, plus, when the YAML
// has syntax errors, a "view" analysis of the same text with the offending lines blanked out (same
// length, so every offset and position stays valid). The view keeps hovers, inlay hints and the
// lens working for the readable part of a config while someone is typing in the middle of it.
// Pure and synchronous: it runs in the analysis worker or, as a fallback, in the server thread.

import { fileURLToPath } from 'node:url';
import { analyze } from '../compiler/analyze.js';
import type { Analysis } from '../compiler/analysis.js';
import type { PlanSearchParams, PlanSearchResult, PlanSearchSetup, TimelineBuffersResult } from '../protocol/lsp.js';
import { planSearch, planSearchSetup, timelineBuffers } from './plan-search-job.js';

export interface AnalysisJob {
  text: string;
  /** Include the memory timeline and the no-reorder / full-update comparison. */
  full: boolean;
  /** The config's file path (file: URIs): an `import:` is relative to its folder. */
  configPath?: string;
}

export interface JobResult {
  analysis: Analysis;
  /** Present only when it reads more layers than `analysis` (see above). */
  view?: Analysis;
}

/** Every job the worker runs, and what each answers. */
export type WorkerJob =
  | { kind: 'analysis'; job: AnalysisJob }
  | { kind: 'buffers'; text: string; version: number }
  | { kind: 'planSearchSetup'; text: string; uri: string; version: number }
  | { kind: 'planSearch'; text: string; params: PlanSearchParams; version: number };
export interface WorkerResults {
  analysis: JobResult;
  buffers: TimelineBuffersResult;
  planSearchSetup: PlanSearchSetup;
  planSearch: PlanSearchResult;
}
export type Progress = (done: number, total: number) => void;

export function runWorkerJob(w: WorkerJob, onProgress?: Progress): WorkerResults[WorkerJob['kind']] {
  switch (w.kind) {
    case 'analysis': return runJob(w.job);
    case 'buffers': return timelineBuffers(w.text, w.version);
    case 'planSearchSetup': return planSearchSetup(w.text, w.uri, w.version);
    case 'planSearch': return planSearch(w.text, w.params, w.version, onProgress);
  }
}

export function runJob(job: AnalysisJob): JobResult {
  const options = { ...(job.full ? { timeline: true, compare: true } : {}), configPath: job.configPath };
  const analysis = analyze(job.text, options);
  const syntaxLines = [...new Set(analysis.problems.filter((p) => p.code === 'syntax').map((p) => p.range.start.line))];
  if (syntaxLines.length === 0) return { analysis };
  const view = analyze(blankLines(job.text, syntaxLines), options);
  const better = view.source.layers.length > analysis.source.layers.length || (!analysis.plan && !!view.plan);
  return better ? { analysis, view } : { analysis };
}

/** The file path of a file: URI (an import is relative to it); undefined for unsaved documents. */
export function configPathOf(uri: string): string | undefined {
  try { return uri.startsWith('file:') ? fileURLToPath(uri) : undefined; } catch { return undefined; }
}

/** Replaces the given lines by spaces of the same length (line breaks kept). */
export function blankLines(text: string, lines: number[]): string {
  const wanted = new Set(lines);
  const parts = text.split(/(\r?\n)/);
  // parts alternates line, separator, line, ...
  for (let i = 0, line = 0; i < parts.length; i += 2, line++) {
    if (wanted.has(line)) parts[i] = ' '.repeat(parts[i].length);
  }
  return parts.join('');
}
