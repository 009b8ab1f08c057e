// A 2,000-line config made of repeated layers, through the real LSP (built server over stdio):
// open-to-diagnostics time, hover latency once analyzed, and how responsive the server stays
// while such a file is being re-analyzed (completion and hover asked right after an edit; the
// analysis runs in a worker thread, so they do not wait behind it).
import { LspClient } from '../test/integration/lsp/lsp-client.js';
import { median, percentile, round } from './stats.js';

export function largeConfig(lines: number): string {
  const head = ['model:', '  name: large', '  input: [64, 64, 3]', '  classes: 10', '  layers:', '    - conv: { out: 16, kernel: 3, stride: 2 }'];
  const body: string[] = [];
  let convs = 1;
  while (head.length + body.length + 8 < lines) {
    const expand = body.length % 2 ? 1 : 3;
    body.push(`    - mbconv: { out: 16, kernel: ${expand === 1 ? 3 : 5}, expand: ${expand} }`);
    convs += expand === 1 ? 2 : 3;
  }
  // A sparse plan over the last convs, valid for this backbone (no problems but the budget ones).
  const tail = ['target:', '  board: host', 'train:', '  update:', '    biases: 30', '    weights:', `      ${convs - 3}: 1/4`, ''];
  return [...head, ...body, ...tail].join('\n');
}

async function bench(): Promise<void> {
  const text = largeConfig(2000);
  const lineCount = text.split('\n').length;
  const uri = 'file:///bench/large.tinytrain.yaml';
  const c = await LspClient.start();
  try {
    // Warm the server and its worker on a small document first, so open-to-diagnostics is the
    // large file's own cost.
    await c.open('file:///bench/warm.tinytrain.yaml', largeConfig(40));
    const opens: number[] = [];
    let diagnostics = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      diagnostics = (await c.open(`${uri}?${i}`, text)).length;
      opens.push(performance.now() - t);
      c.close(`${uri}?${i}`);
    }
    await c.open(uri, text);
    const hovers: number[] = [];
    for (let i = 0; i < 50; i++) {
      const line = 6 + Math.floor((i / 50) * 1980);
      const t = performance.now();
      const h = await c.hover(uri, { line, character: 8 });
      hovers.push(performance.now() - t);
      if (!h) throw new Error(`no hover on line ${line}`);
    }
    const hints = await c.inlayHints(uri);
    const problems = (c.diagnostics.get(uri)?.diagnostics ?? []).map((d) => String(d.code));
    // Responsiveness while re-analyzing: edit, then at once ask completion (never waits for an
    // analysis) and time the edit's own diagnostics.
    const during: number[] = [];
    const edits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      // Type a space at the end of a layer line, then delete it: the config stays whole.
      const end = c.text(uri).split('\n')[7].length;
      const edit = i % 2
        ? { range: { start: { line: 7, character: end - 1 }, end: { line: 7, character: end } }, text: '' }
        : { range: { start: { line: 7, character: end }, end: { line: 7, character: end } }, text: ' ' };
      const v = c.changeNoWait(uri, [edit]);
      const t1 = performance.now();
      await c.completion(uri, { line: 2, character: 2 });
      during.push(performance.now() - t1);
      await c.nextDiagnostics(uri, v, 60_000);
      edits.push(performance.now() - t);
    }
    console.log(JSON.stringify({
      lines: lineCount,
      layers: lineCount - 13,
      diagnostics,
      problems: [...new Set(problems)],
      openToDiagnosticsMs: { runs: opens.length, medianMs: round(median(opens), 1), maxMs: round(Math.max(...opens), 1) },
      hoverAfterAnalysisMs: { runs: hovers.length, medianMs: round(median(hovers), 2), p95Ms: round(percentile(hovers, 95), 2) },
      inlayHints: hints?.length ?? 0,
      completionDuringAnalysisMs: { runs: during.length, medianMs: round(median(during), 2), maxMs: round(Math.max(...during), 2) },
      editToDiagnosticsMs: { runs: edits.length, medianMs: round(median(edits), 1), maxMs: round(Math.max(...edits), 1) },
    }));
  } finally {
    await c.stop();
  }
}

// Run only as a script (the test of the large config imports largeConfig).
if (process.argv[1]?.endsWith('lsp-large.bench.ts')) {
  bench().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
