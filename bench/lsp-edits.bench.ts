// Edit-to-diagnostics latency through the real LSP: the built server (dist/server.js) spawned over
// stdio, the MCUNet 99 KB config opened, then 200 single-character edits (typing a digit into a
// layer's `out:` and deleting it again, layer after layer), each timed from the didChange sent to
// the publishDiagnostics of that version received. Also: how a burst of edits 2 ms apart is
// coalesced, and a short sweep of debounce values (the quiet-time unit of a burst; an edit outside
// a burst is analyzed at once) that justifies the default.
import { DEFAULT_DEBOUNCE_MS } from '../server/documents.js';
import { run } from './lsp-edit-latency.js';
import { median, percentile, round } from './stats.js';

async function bench(): Promise<void> {
const main = await run(200, {});
const sweep: Record<string, unknown>[] = [];
for (const debounceMs of [0, 4, 8, 16, 32]) {
  const r = await run(60, { debounceMs });
  sweep.push({ debounceMs, medianMs: round(median(r.times), 2), analysisMedianMs: round(median(r.analysisMs), 2), p95Ms: round(percentile(r.times, 95), 2), burstOf10Analyses: r.burstAnalyses, burstOf10Published: r.burstPublished });
}
console.error(JSON.stringify(sweep));
console.log(JSON.stringify({
  config: 'examples/mcunet-5fps/99kb.tinytrain.yaml',
  edits: main.times.length,
  debounceMs: DEFAULT_DEBOUNCE_MS,
  medianMs: round(median(main.times), 2),
  p95Ms: round(percentile(main.times, 95), 2),
  analysisMedianMs: round(median(main.analysisMs), 2),
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
