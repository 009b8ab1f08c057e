// The open documents and their analyses. Every change restarts a short quiet timer (debounce);
// when it fires, the document's text at that moment goes to the analysis runner. A result is
// published only if the document still has the version it was computed for (latest edit wins;
// a stale analysis is never shown). Feature handlers ask `current()` for the analysis of the
// version they see, and wait for it when it is still being computed.

import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../compiler/analysis.js';
import { AnalysisRunner } from './analysis-runner.js';
import { configPathOf, type JobResult } from './analysis-job.js';

export interface Analyzed {
  uri: string;
  version: number;
  /** What diagnostics are published from. */
  analysis: Analysis;
  /** What hovers, hints and lenses read: the analysis, or its syntax-error recovery. */
  view: Analysis;
}

interface State {
  timer?: NodeJS.Timeout;
  lastChange?: number;
  /** Analyses of this document queued or running in the runner. */
  analyzing: number;
  latest?: Analyzed;
  waiters: { version: number; resolve: (a: Analyzed | undefined) => void }[];
  full?: { version: number; promise: Promise<Analysis | null> };
}

/** The quiet-time unit of a burst (measured: bench/lsp-edits.bench.ts). */
export const DEFAULT_DEBOUNCE_MS = 4;
/** An edit this soon after the previous one is part of a burst (a scripted edit, a replay)... */
export const BURST_GAP_MS = 6;
/** ...and waits this many debounce periods, so the rest of the burst is analyzed once. */
export const BURST_FACTOR = 3;

export class AnalysisCache {
  private readonly states = new Map<string, State>();
  private readonly listeners: ((a: Analyzed) => void)[] = [];
  private readonly closeListeners: ((uri: string) => void)[] = [];

  constructor(
    private readonly documents: TextDocuments<TextDocument>,
    private readonly runner: AnalysisRunner,
    private readonly connection: Connection,
    public debounceMs = DEFAULT_DEBOUNCE_MS,
  ) {
    // TextDocuments reports an open as a content change too. An edit is analyzed at once unless
    // it is part of a burst: it came within BURST_GAP_MS of the previous edit while that one was
    // still unanswered (waiting or being analyzed). Waiting could only merge a keystroke with an
    // edit that comes within a few ms, which typing never does; a burst waits for its end and
    // is analyzed once (the analysis started by its first edit turns stale and is not published).
    documents.onDidChangeContent((e) => {
      const state = this.states.get(e.document.uri);
      if (!state) return this.schedule(e.document, 0);
      const now = performance.now();
      const unanswered = state.timer !== undefined || state.analyzing > 0;
      const burst = unanswered && state.lastChange !== undefined && now - state.lastChange < BURST_GAP_MS;
      state.lastChange = now;
      this.schedule(e.document, burst ? this.debounceMs * BURST_FACTOR : 0);
    });
    documents.onDidClose((e) => this.close(e.document.uri));
  }

  /** Called after each analysis that is published (diagnostics, status). */
  onAnalyzed(listener: (a: Analyzed) => void): void {
    this.listeners.push(listener);
  }

  onClosed(listener: (uri: string) => void): void {
    this.closeListeners.push(listener);
  }

  /** The analysis of the document's current version; waits for it (up to `timeoutMs`, then the
   * newest one available). Undefined when the document is not open. */
  current(uri: string, timeoutMs = 10_000): Promise<Analyzed | undefined> {
    const doc = this.documents.get(uri);
    const state = this.states.get(uri);
    if (!doc || !state) return Promise.resolve(undefined);
    if (state.latest && state.latest.version === doc.version) return Promise.resolve(state.latest);
    return new Promise((resolve) => {
      const waiter = { version: doc.version, resolve };
      state.waiters.push(waiter);
      setTimeout(() => {
        const i = state.waiters.indexOf(waiter);
        if (i < 0) return;
        state.waiters.splice(i, 1);
        resolve(state.latest);
      }, timeoutMs).unref();
    });
  }

  /** The newest published analysis, whatever its version (for cheap, non-blocking answers). */
  latest(uri: string): Analyzed | undefined {
    return this.states.get(uri)?.latest;
  }

  /** The analysis with memory timeline and comparison (the `tinytrain/analysis` request). */
  full(uri: string): Promise<Analysis | null> {
    const doc = this.documents.get(uri);
    const state = this.states.get(uri);
    if (!doc || !state) return Promise.resolve(null);
    if (state.full && state.full.version === doc.version) return state.full.promise;
    const version = doc.version;
    const promise = this.runner.run(`${uri}#full`, { text: doc.getText(), full: true, configPath: configPathOf(uri) })
      .then((r) => (r ? r.analysis : this.full(uri)))
      .catch((err: Error) => {
        this.connection.console.error(`tinytrain/analysis failed: ${err.message}`);
        if (state.full?.version === version) state.full = undefined;
        return null;
      });
    state.full = { version, promise };
    return promise;
  }

  private schedule(doc: TextDocument, delay: number): void {
    let state = this.states.get(doc.uri);
    if (!state) {
      state = { waiters: [], analyzing: 0 };
      this.states.set(doc.uri, state);
    }
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state!.timer = undefined;
      void this.analyzeNow(doc.uri);
    }, delay);
  }

  private async analyzeNow(uri: string): Promise<void> {
    const doc = this.documents.get(uri);
    if (!doc) return;
    const version = doc.version;
    const started = performance.now();
    const mine = this.states.get(uri);
    if (mine) mine.analyzing++;
    let result: JobResult | undefined;
    try {
      result = await this.runner.run(uri, { text: doc.getText(), full: false, configPath: configPathOf(uri) });
    } catch (err) {
      result = { analysis: failedAnalysis(err as Error) };
    } finally {
      if (mine) mine.analyzing--;
    }
    if (!result) {
      this.connection.tracer.log(`analysis of ${uri} v${version} superseded before it started`);
      return;
    }
    const state = this.states.get(uri);
    const now = this.documents.get(uri);
    const ms = (performance.now() - started).toFixed(1);
    // Stale: the document changed (or closed) while this version was analyzed.
    if (!state || !now || now.version !== version) {
      this.connection.tracer.log(`analyzed ${uri} v${version} in ${ms} ms: stale, not published`);
      return;
    }
    this.connection.tracer.log(`analyzed ${uri} v${version} in ${ms} ms`);
    const analyzed: Analyzed = { uri, version, analysis: result.analysis, view: result.view ?? result.analysis };
    state.latest = analyzed;
    for (const l of this.listeners) {
      try {
        l(analyzed);
      } catch (err) {
        this.connection.console.error(`publishing the analysis failed: ${(err as Error)?.stack ?? err}`);
      }
    }
    const ready = state.waiters.filter((w) => w.version <= version);
    state.waiters = state.waiters.filter((w) => w.version > version);
    for (const w of ready) w.resolve(analyzed);
  }

  private close(uri: string): void {
    const state = this.states.get(uri);
    if (!state) return;
    if (state.timer) clearTimeout(state.timer);
    this.states.delete(uri);
    for (const w of state.waiters) w.resolve(undefined);
    for (const l of this.closeListeners) l(uri);
  }
}

function failedAnalysis(err: Error): Analysis {
  return {
    ok: false, partial: false, layers: [], source: { layers: [], layerLineEnds: [] },
    problems: [{
      message: `TinyTrain could not analyze this config (${err.message}). Please report it.`,
      severity: 'error', code: 'internal', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, offsets: [0, 0],
    }],
  };
}
