// The built language server (dist/server.js) driven over stdio as an editor drives it: open the
// MCUNet configs and broken ones, receive diagnostics, ask hover, inlay hints, code lens,
// completion and tinytrain/analysis, then edit and see every one of them follow.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol/node.js';
import { formatBytes } from '../../../compiler/config/units.js';
import { caret, fileUri, hoverText, LspClient, lspLines, positionOf, ROOT } from './lsp-client.js';

const example = (name: string): string => readFileSync(join(ROOT, 'examples', 'mcunet-5fps', `${name}.tinytrain.yaml`), 'utf8');
const TEXT_99 = example('99kb');
let c: LspClient;
let docs = 0;
const newUri = (): string => fileUri(`test-${++docs}.tinytrain.yaml`);

before(async () => { c = await LspClient.start(); });
after(async () => {
  await c.stop();
  assert.deepEqual(c.logs.filter((l) => /uncaught|unhandled/.test(l.message)), []);
});

describe('diagnostics', () => {
  test('the 99 KB MCUNet config has no problems and the status carries its peak', async () => {
    const uri = newUri();
    assert.deepEqual(await c.open(uri, TEXT_99), []);
    const s = c.status.get(uri)!;
    assert.equal(s.board, 'stm32f746');
    assert.equal(s.sramBudgetBytes, 320 * 1024);
    assert.ok(s.peakSramBytes! > 100 * 1024 && s.peakSramBytes! < 320 * 1024, `peak ${s.peakSramBytes}`);
  });

  test('a problem lands on the exact node, with its code', async () => {
    const uri = newUri();
    const text = TEXT_99.replace('  classes: 10', '  clases: 10');
    const d = await c.open(uri, text);
    const unknown = d.find((x) => x.code === 'unknown-key')!;
    assert.ok(unknown, JSON.stringify(d));
    assert.deepEqual(unknown.range, { start: positionOf(text, 'clases'), end: positionOf(text, 'clases', 6) });
    assert.match(unknown.message, /classes/);
    assert.equal(unknown.severity, DiagnosticSeverity.Error);
  });

  test('full update over budget: an error on target saying by how much, related info at the peak layer', async () => {
    const uri = newUri();
    const text = example('full-update');
    const d = await c.open(uri, text);
    const budget = d.filter((x) => x.code === 'budget-sram');
    assert.equal(budget.length, 1);
    assert.deepEqual(budget[0].range.start, positionOf(text, 'target:'));
    assert.match(budget[0].message, /more than the 320 KB budget/);
    const rel = budget[0].relatedInformation!;
    assert.equal(rel.length, 1);
    assert.equal(rel[0].location.uri, uri);
    assert.match(lspLines(text)[rel[0].location.range.start.line], /^\s+- (conv|mbconv):/);
    assert.match(rel[0].message, /peak SRAM/);
  });

  test('an sram: override gets the budget error too', async () => {
    // Below the compact schedule's peak (about 119 KB).
    const d = await c.open(newUri(), TEXT_99.replace('  board: stm32f746 ', '  board: stm32f746\n  sram: 96KB'));
    assert.equal(d.filter((x) => x.code === 'budget-sram').length, 2);
  });

  test('helpful warnings: weights without QAS, a ratio that rounds to zero, a plan that trains nothing', async () => {
    const qas = await c.open(newUri(), TEXT_99.replace('qas: true', 'qas: false'));
    assert.ok(qas.some((x) => x.code === 'weights-without-qas' && x.severity === DiagnosticSeverity.Warning));
    const zero = await c.open(newUri(), TEXT_99.replace('36: 1/8', '36: 1/200'));
    assert.ok(zero.some((x) => x.code === 'ratio-rounds-to-zero'));
    const nothing = await c.open(newUri(), TEXT_99.replace(/    biases: 22[^\n]*\n    weights:[^\n]*\n(      .*\n)+/, '    biases: 0\n    classifier: false\n'));
    assert.ok(nothing.some((x) => x.code === 'trains-nothing'), JSON.stringify(nothing));
  });

  test("editing a layer's out: updates diagnostics and the lens; closing clears them", async () => {
    const uri = newUri();
    // The streamed prefix keeps even a 16x wider first conv within 320 KB (about 160 KB): a 128 KB
    // budget, which the plan as written meets (about 119 KB), shows the edit going over.
    await c.open(uri, TEXT_99.replace('  board: stm32f746 ', '  board: stm32f746\n  sram: 128KB'));
    const before = (await c.codeLens(uri))![0].command!.title;
    const d = await c.replace(uri, '- conv:   { out: 16,', '- conv:   { out: 256,');
    assert.ok(d.some((x) => x.code === 'budget-sram'), 'a 16x wider first conv no longer fits 128 KB');
    const afterTitle = (await c.codeLens(uri))![0].command!.title;
    assert.notEqual(afterTitle, before);
    assert.match(afterTitle, /over budget/);
    assert.deepEqual(await c.replace(uri, '- conv:   { out: 256,', '- conv:   { out: 16,'), []);
    assert.equal((await c.codeLens(uri))![0].command!.title, before);
    const cleared = c.nextDiagnostics(uri, 0);
    c.close(uri);
    assert.deepEqual((await cleared).diagnostics, []);
  });

  test('editing the plan into a full update puts the budget error on target; undoing it removes it', async () => {
    const uri = newUri();
    await c.open(uri, TEXT_99);
    const full = example('full-update');
    const over = await c.setText(uri, full);
    const budget = over.find((x) => x.code === 'budget-sram')!;
    assert.deepEqual(budget.range.start, positionOf(full, 'target:'));
    assert.match(budget.message, /^Training needs [\d.]+ MB of SRAM at its peak, [\d.]+ MB more than the 320 KB budget of stm32f746/);
    assert.equal(c.status.get(uri)!.peakSramBytes! > 320 * 1024, true);
    assert.deepEqual(await c.setText(uri, TEXT_99), []);
  });

  test('a burst of edits is coalesced and no stale result is published', async () => {
    const uri = newUri();
    await c.open(uri, TEXT_99);
    const published: number[] = [];
    c.onDiagnostics = (p) => { if (p.uri === uri) published.push(p.version!); };
    let v = 0;
    for (let i = 0; i < 30; i++) v = c.changeNoWait(uri, [{ text: TEXT_99.replace('classes: 10', `classes: ${11 + i}`) }]);
    const last = await c.nextDiagnostics(uri, v);
    c.onDiagnostics = undefined;
    assert.equal(last.version, v);
    assert.ok(published.length < 10, `30 rapid edits published ${published.length} times`);
    assert.deepEqual(published, [...published].sort((a, b) => a - b));
    assert.equal((await c.analysis(uri))!.model!.classes, 11 + 29);
  });
});

describe('hover', () => {
  test('on an mbconv line: every conv with shapes, MACs, params, update, saved, trained, analytic, peak', async () => {
    const h = await c.hoverAtCaret(TEXT_99.replace('- mbconv: { out: 96,  kernel: 7', '- mb|conv: { out: 96,  kernel: 7'));
    assert.match(h, /\*\*mbconv\*\* · layer 11 · convs 30–32 · 8x8x48 → 4x4x96/);
    assert.match(h, /\| 30 `[^`]+` \(pw1\) \| 8x8x48 → 8x8x240 \| 0\.7M \| 12K \| bias \+ weights 48\/48 input channels \(1\) \| [\d.]+ K?B \| 12\.2 KB \| [\d.]+ KB \| \*\*yes\*\* \|/);
    assert.match(h, /\| 31 `[^`]+` \(dw 7x7 \/2\) \| 8x8x240 → 4x4x240/);
    assert.match(h, /Training this layer adds/);
  });

  test('on a layer on the peak, the live tensors at the peak', async () => {
    // The peak is in the backward (the compact schedule streams the first blocks), where layer 11's tensors are live.
    const h = await c.hoverAtCaret(TEXT_99.replace('- mbconv: { out: 96,  kernel: 7, expand: 5', '- mbconv: { out: 96,  ke|rnel: 7, expand: 5'));
    assert.match(h, /\*\*On the SRAM peak\*\* \([\d.]+ KB at `[^`]+`/);
    assert.match(h, /`kernel` — Depthwise kernel size/);
  });

  test('on biases: which convs and what they cost', async () => {
    const h = await c.hoverAtCaret(TEXT_99.replace('biases: 22', 'biases: 2|2'));
    assert.match(h, /the last 22 convs train their bias: convs 20–41/);
    assert.match(h, /bias copies in SRAM \(int32 per output channel\): /);
    const onKey = await c.hoverAtCaret(TEXT_99.replace('biases: 22', 'bia|ses: 22'));
    assert.match(onKey, /the last 22 convs train their bias/);
    assert.match(onKey, /`train\.update\.biases` — The last n convs/);
  });

  test('on weights: every entry and its cost', async () => {
    const h = await c.hoverAtCaret(TEXT_99.replace('    weights:', '    weig|hts:'));
    assert.match(h, /^6 convs train weights:/);
    assert.match(h, /- conv 36 `[^`]+` \(pw1, layer 13\): 1\/8 → 12\/96 input channels, \+[\d.]+ KB/);
  });

  test('on a weights entry: the conv it selects and its cost', async () => {
    const h = await c.hoverAtCaret(TEXT_99.replace('36: 1/8', '3|6: 1/8'));
    assert.match(h, /conv 36 — `[^`]+` \(pw1, layer 13\), 4x4x96 → 4x4x384: trains the weights of its first 12 of 96 input channels \(1\/8\)/);
    assert.match(h, /weight copy in SRAM: 4\.5 KB, bias copy: 1\.5 KB/);
  });

  test('on keys: the schema description; on a board: the board', async () => {
    assert.match(await c.hoverAtCaret(TEXT_99.replace('  lr: 0.05', '  l|r: 0.05')), /`train\.lr` — Learning rate/);
    assert.match(await c.hoverAtCaret(TEXT_99.replace('  input: [128', '  inp|ut: [128')), /`model\.input` — \[H, W, C\]/);
    assert.match(await c.hoverAtCaret(TEXT_99.replace('board: stm32f746', 'board: stm32|f746')), /Cortex-M7 216 MHz/);
  });
});

describe('inlay hints and code lens', () => {
  test('one short hint at the end of each layer line', async () => {
    const uri = newUri();
    await c.open(uri, TEXT_99);
    const hints = (await c.inlayHints(uri))!;
    assert.equal(hints.length, 15);
    const lines = lspLines(TEXT_99);
    const byLine = new Map(hints.map((h) => [h.position.line, String(h.label)]));
    const first = positionOf(TEXT_99, '- conv:').line;
    assert.equal(byLine.get(first), '64x64x16 · 1.8M MAC · frozen');
    assert.equal(hints[0].position.character, lines[first].trimEnd().length);
    // The peak is in L10's backward (the last block's pooled gradient keeps its own backward
    // below it): L10's and L11's tensors are live there, the last block's are not.
    assert.match(byLine.get(positionOf(TEXT_99, 'out: 48,  kernel: 3, expand: 4').line)!, /^8x8x48 · bias\+w · \+\d+(\.\d)? KB · peak$/);
    assert.match(byLine.get(positionOf(TEXT_99, 'out: 96,  kernel: 7').line)!, /^4x4x96 · bias\+w · \+\d+(\.\d)? KB · peak$/);
    assert.match(byLine.get(positionOf(TEXT_99, 'out: 160').line)!, /^4x4x160 · bias\+w 1\/4 · \+\d+(\.\d)? KB$/);
    const ranged = (await c.inlayHints(uri, { start: { line: first, character: 0 }, end: { line: first + 1, character: 0 } }))!;
    assert.equal(ranged.length, 2);
  });

  test('lenses above model: with peak and flash against the budgets, plan and compile commands', async () => {
    const uri = newUri();
    await c.open(uri, TEXT_99);
    const lenses = (await c.codeLens(uri))!;
    const model = positionOf(TEXT_99, 'model:').line;
    assert.ok(lenses.every((l) => l.range.start.line === model));
    // The figures are the compiler's (they move as the planner improves); the format is the lens's.
    const a = (await c.analysis(uri))!;
    const title = `Peak SRAM ${formatBytes(a.plan!.peakSramBytes)} / 320 KB · Flash ${formatBytes(a.flash!.totalBytes)} / 1 MB`;
    assert.deepEqual(lenses.map((l) => l.command!.title), [title, 'Show Training Plan', 'Compile']);
    assert.deepEqual(lenses.map((l) => l.command!.command), ['tinytrain.showPlan', 'tinytrain.showPlan', 'tinytrain.compile']);
    assert.deepEqual(lenses[2].command!.arguments, [uri]);
  });
});

describe('a syntax error mid-file', () => {
  for (const [what, broken] of [
    ['an unclosed flow map', '    - mbconv: { out: 40,  kernel: 7, expand: '],
    ['a line indented too far', '      - mbconv: { out: 40,  kernel: 7, expand: 4 }'],
    ['a stray bracket', '    - mbconv: { out: 40,  kernel: 7, expand: 4 }}}'],
  ] as const) {
    test(`keeps hovers and hints for the layers above it (${what})`, async () => {
      const uri = newUri();
      const text = TEXT_99.replace('    - mbconv: { out: 40,  kernel: 7, expand: 4 }', broken);
      const d = await c.open(uri, text);
      assert.ok(d.some((x) => x.code === 'syntax'), JSON.stringify(d.map((x) => x.code)));
      const brokenLine = positionOf(text, broken).line;
      const firstLayer = positionOf(text, '- conv:').line;
      const hints = (await c.inlayHints(uri))!.filter((h) => h.position.line < brokenLine);
      assert.equal(hints.length, brokenLine - firstLayer, JSON.stringify(hints));
      const above = { line: brokenLine - 1, character: 8 };
      assert.match(hoverText(await c.hover(uri, above)), /\*\*mbconv\*\* · layer 6 · convs 15–17/);
    });
  }
});

describe('completion', () => {
  test('top-level and model keys from the schema, without the ones already there', async () => {
    // The schema grows (other issues add keys), so these check what must be there and what must not.
    const top = await c.completeAtCaret('|');
    assert.ok(['model', 'target', 'train'].every((k) => top.includes(k)), top.join());
    const model = await c.completeAtCaret('model:\n  name: x\n  |\n');
    assert.ok(['input', 'classes', 'layers'].every((k) => model.includes(k)) && !model.includes('name') && !model.includes('board'), model.join());
  });

  test('layer kinds in a list item, and a whole layer under layers:', async () => {
    const kinds = await c.completeAtCaret('model:\n  layers:\n    - conv: { out: 8, kernel: 3 }\n    - |');
    assert.ok(kinds.includes('conv') && kinds.includes('mbconv') && !kinds.includes('out'), kinds.join());
    const items = await c.completeAtCaret('model:\n  layers:\n    |');
    assert.ok(items.includes('- conv') && items.includes('- mbconv'), items.join());
  });

  test('layer body keys inside the flow map', async () => {
    const keys = await c.completeAtCaret('model:\n  layers:\n    - mbconv: { out: 8, | }');
    assert.ok(['kernel', 'expand', 'stride'].every((k) => keys.includes(k)) && !keys.includes('out'), keys.join());
  });

  test('known boards and enum values', async () => {
    assert.deepEqual(await c.completeAtCaret('target:\n  board: |'), ['stm32f746', 'stm32f405', 'nrf52840', 'host']);
    assert.deepEqual(await c.completeAtCaret('train:\n  optimizer: |'), ['sgd']);
    assert.deepEqual(await c.completeAtCaret('train:\n  qas: |'), ['true', 'false']);
  });

  test('model.name: the file name as a plain name (the documented pattern)', async () => {
    assert.deepEqual(await c.completeAtCaret('model:\n  name: |', 'file:///work/My%20Model%20(v2).tinytrain.yaml'), ['My-Model-v2']);
    assert.deepEqual(await c.completeAtCaret('model:\n  name: |', 'file:///work/mnist-transfer.tinytrain.yaml'), ['mnist-transfer']);
  });

  test('an update-plan snippet under train:, and conv indices under weights:', async () => {
    const { text, position } = caret('train:\n  lr: 0.1\n  |');
    const uri = newUri();
    await c.open(uri, text);
    const items = (await c.completion(uri, position)) as { label: string; insertText?: string; insertTextFormat?: number }[];
    const plan = items.find((i) => i.label === 'update plan')!;
    assert.match(plan.insertText!, /^update:\n {2}biases: \$\{1:22\}\n {2}weights:\n/);
    assert.equal(plan.insertTextFormat, 2);
    const idx = await c.completeAtCaret(TEXT_99.replace('      21: 1\n', '      21: 1\n      |\n'));
    assert.ok(idx.includes('20') && idx.includes('41') && !idx.includes('21') && !idx.includes('19'), idx.join(','));
  });
});

test('tinytrain/analysis returns the whole analysis with timeline and comparison', async () => {
  const uri = newUri();
  await c.open(uri, TEXT_99);
  const a = (await c.analysis(uri))!;
  assert.equal(a.layers.length, 42);
  assert.ok(a.plan!.timeline!.length > 42);
  assert.ok(a.compare!.fullUpdate.peakSramBytes > a.plan!.peakSramBytes);
  assert.equal(await c.analysis('file:///not-open.tinytrain.yaml'), null);
});

test('settings: tinytrain.inlayHints.enabled and tinytrain.codeLens.enabled are read per resource', async () => {
  const s = await LspClient.start({}, 'off', { inlayHints: { enabled: false }, codeLens: { enabled: true } });
  try {
    const uri = fileUri('settings.tinytrain.yaml');
    await s.open(uri, TEXT_99);
    assert.deepEqual(await s.inlayHints(uri), []);
    assert.equal((await s.codeLens(uri))!.length, 3);
    await s.changeSettings({ inlayHints: { enabled: true }, codeLens: { enabled: false } });
    assert.equal((await s.inlayHints(uri))!.length, 15);
    assert.deepEqual(await s.codeLens(uri), []);
  } finally {
    await s.stop();
  }
});

test('over Node IPC, as the extension starts it: initialize, open, diagnostics', async () => {
  const { fork } = await import('node:child_process');
  const { createProtocolConnection, IPCMessageReader, IPCMessageWriter, InitializeRequest, DidOpenTextDocumentNotification, PublishDiagnosticsNotification, ShutdownRequest, ExitNotification } = await import('vscode-languageserver-protocol/node.js');
  const { SERVER } = await import('./lsp-client.js');
  const child = fork(SERVER, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  conn.listen();
  try {
    const init = await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
    assert.equal(init.serverInfo?.name, 'tinytrain');
    const diags = new Promise<number>((resolve) => conn.onNotification(PublishDiagnosticsNotification.type, (p) => resolve(p.diagnostics.length)));
    await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: 'file:///ipc.tinytrain.yaml', languageId: 'tinytrain', version: 1, text: example('full-update') } });
    assert.ok((await diags) >= 1);
    await conn.sendRequest(ShutdownRequest.type);
    await conn.sendNotification(ExitNotification.type);
  } finally {
    await new Promise((r) => { if (child.exitCode !== null) r(null); else { child.once('exit', r); setTimeout(() => child.kill(), 2000).unref(); } });
    conn.dispose();
  }
});
