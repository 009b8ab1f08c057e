// The edit loop of the LSP latency benchmarks: a built server spawned over stdio, the MCUNet
// 99 KB config opened, then single-character edits (a digit typed into a layer's `out:` and
// deleted again, layer after layer), each timed from the didChange sent to the publishDiagnostics
// of that version; then a burst of 10 edits 2 ms apart, to see how they are coalesced.
import { readFileSync } from 'node:fs';
import { LspClient, offsetToPosition, SERVER } from '../test/integration/lsp/lsp-client.js';

export const text = readFileSync('examples/mcunet-5fps/99kb.tinytrain.yaml', 'utf8');
const uri = 'file:///bench/99kb.tinytrain.yaml';

/** Offsets just after each layer's `out: NN` number, where a digit is typed and deleted. */
function editSites(config: string): number[] {
  return [...config.matchAll(/- (?:conv|mbconv): *\{ out: (\d+)/g)].map((m) => m.index! + m[0].length);
}

export interface EditRun {
  times: number[];
  /** The server's own time per published analysis (its `analyzed ... in N ms` trace: the runner's
   *  round trip, without the wait before it or the LSP messages), for the timed edits. */
  analysisMs: number[];
  burstPublished: number; burstAnalyses: number; burstLatencyMs: number;
}

/** The `analyzed <uri> v<n> in <ms> ms` traces of published analyses, in order. */
export function analysisTimes(traces: string[]): number[] {
  return traces.map((m) => /^analyzed \S+ v\d+ in ([\d.]+) ms$/.exec(m)?.[1]).filter((x): x is string => x !== undefined).map(Number);
}

/** `edits` timed edits (after 10 that warm the JIT) of `config` (default: the MCUNet 99 KB
 * example) against `server` (default: this tree's built server). */
export async function run(edits: number, options: { debounceMs?: number }, server = SERVER, config = text): Promise<EditRun> {
  const sites = editSites(config);
  const c = await LspClient.start(options, 'messages', undefined, server);
  try {
    await c.open(uri, config);
    const times: number[] = [];
    const tracesAtStart = c.traces.length;
    for (let i = 0; i < edits + 10; i++) {
      const site = sites[Math.floor(i / 2) % sites.length];
      const current = c.text(uri);
      const pos = offsetToPosition(current, site);
      const edit = i % 2 === 0
        ? { range: { start: pos, end: pos }, text: '0' }
        : { range: { start: pos, end: { line: pos.line, character: pos.character + 1 } }, text: '' };
      const t = performance.now();
      const v = c.changeNoWait(uri, [edit]);
      await c.nextDiagnostics(uri, v);
      if (i >= 10) times.push(performance.now() - t); // the first 10 warm the JIT
    }
    const analysisMs = analysisTimes(c.traces.slice(tracesAtStart)).slice(10);
    // A burst: 10 edits 2 ms apart (faster than an analysis): how many analyses run and publish?
    let published = 0;
    const tracesBefore = c.traces.length;
    c.onDiagnostics = (p) => { if (p.uri === uri) published++; };
    const t = performance.now();
    let v = 0;
    for (let i = 0; i < 10; i++) {
      v = c.changeNoWait(uri, [{ text: config.replace('classes: 10', `classes: ${20 + i}`) }]);
      await new Promise((r) => setTimeout(r, 2));
    }
    await c.nextDiagnostics(uri, v);
    const burstLatencyMs = performance.now() - t;
    await new Promise((r) => setTimeout(r, 50));
    const burstAnalyses = c.traces.slice(tracesBefore).filter((m) => m.startsWith('analyzed ')).length;
    return { times, analysisMs, burstPublished: published, burstAnalyses, burstLatencyMs };
  } finally {
    await c.stop();
  }
}

