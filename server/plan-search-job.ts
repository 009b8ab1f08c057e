// The jobs behind Find Best Update Plan and the timeline's buffer list, run in the analysis
// worker (analysis-runner.ts) so the 2-3 s search never runs on the extension host or blocks the
// server thread. Pure functions of the document text (and the contributions file beside it).

import { compile, type Compilation } from '../compiler/compile.js';
import { defaultBudgetKB, findBestPlan, networkKey, priorContributions, type Contributions } from '../compiler/search.js';
import type { MeasuredContributions, PlanSearchParams, PlanSearchResult, PlanSearchSetup, TimelineBuffersResult } from '../protocol/lsp.js';
import { defaultContribPath, readContributions } from '../training/contrib.js';

/** Candidates both searches evaluate (the CLI's default). */
export const SEARCH_SAMPLES = 3000;

function configFile(uri: string): string | undefined {
  return uri.startsWith('file:') ? decodeURIComponent(new URL(uri).pathname) : undefined;
}

function compiled(text: string): Compilation | { error: string } {
  const { parsed, compilation } = compile(text);
  if (!compilation || !parsed.spec?.model.layersComplete || parsed.spec.model.layers.length === 0) return { error: 'the config cannot be analyzed yet; fix the errors in its model: section first' };
  return compilation;
}

/** Every arena buffer of the config's plan with its lifetime (the timeline's hover lists them). */
export function timelineBuffers(text: string, version: number): TimelineBuffersResult {
  const c = compile(text).compilation;
  if (!c) return null;
  const buffers = c.memory.schedule.buffers.filter((b) => b.bytes > 0 && b.last >= b.first).map((b) => ({ name: b.name, bytes: b.bytes, kind: b.kind, first: b.first, last: b.last }));
  return { version, buffers };
}

/** What the search dialog needs before it asks anything: the default budget and the contributions on disk. */
export function planSearchSetup(text: string, uri: string, version: number): PlanSearchSetup {
  const c = compiled(text);
  if ('error' in c) return { ok: false, error: c.error };
  const { spec, net } = c;
  const sramBytes = Number.isFinite(spec.target.sramBytes) ? spec.target.sramBytes : undefined;
  const file = configFile(uri);
  const path = file ? defaultContribPath(file) : undefined;
  let measured: MeasuredContributions | undefined;
  if (path) {
    try {
      const read = readContributions(path, net);
      measured = read ? { path, runs: read.file.runs, steps: read.file.settings.steps } : undefined;
    } catch (err) {
      measured = { path, error: (err as Error).message };
    }
  }
  return {
    ok: true, version, board: spec.target.board.name, sramBytes, network: networkKey(net),
    defaultBudgetKB: sramBytes !== undefined ? defaultBudgetKB(net, sramBytes) : undefined,
    hasData: !!spec.data, contribPath: path, measured,
  };
}

export function planSearch(text: string, p: PlanSearchParams, version: number, onProgress?: (done: number, total: number) => void): PlanSearchResult {
  const c = compiled(text);
  if ('error' in c) return { ok: false, error: c.error };
  const { spec, net } = c;
  let contributions: Contributions;
  if (p.contributions === 'measured') {
    const file = configFile(p.uri);
    const read = file ? readContributions(defaultContribPath(file), net) : undefined;
    if (!read) return { ok: false, error: 'no measured contributions for this network next to the config' };
    contributions = read.contributions;
  } else {
    contributions = priorContributions(net);
  }
  const sramBytes = Number.isFinite(spec.target.sramBytes) ? spec.target.sramBytes : undefined;
  const result = findBestPlan(net, contributions, {
    budgetKB: p.budgetKB, sramBytes, samples: p.samples ?? SEARCH_SAMPLES, seed: 1, classifier: spec.train.update.classifier, residual: spec.train.weightRounding === 'residual', onProgress,
  });
  return { ok: true, version, network: networkKey(net), result };
}
