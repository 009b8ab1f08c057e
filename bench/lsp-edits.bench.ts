// Edit-to-diagnostics latency through the real LSP: the built server (dist/server.js) spawned over
// stdio, the MCUNet 99 KB config opened, then 200 single-character edits (typing a digit into a
// layer's `out:` and deleting it again, layer after layer), each timed from the didChange sent to
// the publishDiagnostics of that version received. Also: how a burst of edits 2 ms apart is
// coalesced, and a short sweep of debounce values that justifies the default.
import { readFileSync } from 'node:fs';
import { DEFAULT_DEBOUNCE_MS } from '../server/documents.js';
import { LspClient, offsetToPosition } from '../test/integration/lsp/lsp-client.js';
import { median, percentile, round } from './stats.js';

const text = readFileSync('examples/mcunet-5fps/99kb.tinytrain.yaml', 'utf8');
const uri = 'file:///bench/99kb.tinytrain.yaml';

/** Offsets just after each layer's `out: NN` number, where a digit is typed and deleted. */
const sites: number[] = [];
for (const m of text.matchAll(/- (?:conv|mbconv): *\{ out: (\d+)/g)) sites.push(m.index! + m[0].length);

async function run(edits: number, options: { debounceMs?: number }): Promise<{ times: number[]; burstPublished: number; burstAnalyses: number; burstLatencyMs: number }> {
  const c = await LspClient.start(options, 'messages');
  try {
    await c.open(uri, text);
    const times: number[] = [];
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
    // A burst: 10 edits 2 ms apart (faster than an analysis): how many analyses run and publish?
    let published = 0;
    const tracesBefore = c.traces.length;
    c.onDiagnostics = (p) => { if (p.uri === uri) published++; };
    const t = performance.now();
    let v = 0;
    for (let i = 0; i < 10; i++) {
      v = c.changeNoWait(uri, [{ text: text.replace('classes: 10', `classes: ${20 + i}`) }]);
      await new Promise((r) => setTimeout(r, 2));
    }
    await c.nextDiagnostics(uri, v);
    const burstLatencyMs = performance.now() - t;
    await new Promise((r) => setTimeout(r, 50));
    const burstAnalyses = c.traces.slice(tracesBefore).filter((m) => m.startsWith('analyzed ')).length;
    return { times, burstPublished: published, burstAnalyses, burstLatencyMs };
  } finally {
    await c.stop();
  }
}

async function bench(): Promise<void> {
const main = await run(200, {});
const sweep: Record<string, unknown>[] = [];
for (const debounceMs of [0, 4, 8, 16, 32]) {
  const r = await run(60, { debounceMs });
  sweep.push({ debounceMs, medianMs: round(median(r.times), 2), p95Ms: round(percentile(r.times, 95), 2), burstOf10Analyses: r.burstAnalyses, burstOf10Published: r.burstPublished });
}
console.error(JSON.stringify(sweep));
console.log(JSON.stringify({
  config: 'examples/mcunet-5fps/99kb.tinytrain.yaml',
  edits: main.times.length,
  debounceMs: DEFAULT_DEBOUNCE_MS,
  medianMs: round(median(main.times), 2),
  p95Ms: round(percentile(main.times, 95), 2),
  maxMs: round(Math.max(...main.times), 2),
  targetMedianMs: 20,
  targetP95Ms: 50,
  burstOf10EditsAnalyses: main.burstAnalyses,
  burstOf10EditsPublished: main.burstPublished,
  burstOf10LatencyMs: round(main.burstLatencyMs, 1),
  debounceSweep: sweep,
}));
}

bench().catch((err) => {
  console.error(err);
  process.exit(1);
});
