// The config language: typed spec, sizes and ratios, and every problem located on its node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../compiler/config/parse.js';
import { parseRatio, parseSize } from '../../../compiler/config/units.js';
import type { Problem } from '../../../compiler/config/spec.js';
import { analyze } from '../../../compiler/analyze.js';
import { example } from '../../helpers/examples.js';
import { weightHover } from '../../../server/hover.js';

const BASE = `model:
  name: tiny
  input: [32, 32, 3]
  classes: 4
  layers:
    - conv:   { out: 8, kernel: 3, stride: 2 }
    - mbconv: { out: 8, kernel: 3, expand: 1 }
    - mbconv: { out: 16, kernel: 3, expand: 4, stride: 2 }
target:
  board: stm32f405
train:
  lr: 0.1
  update:
    biases: 3
    weights:
      5: 1/2
`;

/** The text a problem's range covers. */
function covered(text: string, p: Problem): string {
  return text.slice(p.offsets[0], p.offsets[1]);
}
function only(text: string, code: string): Problem {
  const ps = analyze(text).problems.filter((p) => p.code === code);
  assert.equal(ps.length, 1, `expected one ${code}, got: ${JSON.stringify(analyze(text).problems.map((p) => [p.code, p.message]))}`);
  return ps[0];
}

test('a valid config becomes a typed spec with conv numbering per the contract', () => {
  const r = parseConfig(BASE);
  assert.deepEqual(r.problems, []);
  assert.ok(r.spec);
  assert.deepEqual(r.spec.model.input, [32, 32, 3]);
  assert.equal(r.spec.target.board.name, 'stm32f405');
  assert.equal(r.spec.target.sramBytes, 192 * 1024);
  assert.equal(r.spec.train.update.biases, 3);
  assert.deepEqual(r.spec.train.update.weights.map((w) => [w.conv, w.ratio, w.text]), [[5, 0.5, '1/2']]);
  const a = analyze(BASE);
  // conv 0; layer 1 (expand 1): dw 1, pw2 2; layer 2: pw1 3, dw 4, pw2 5.
  assert.deepEqual(a.layers.map((l) => l.name), ['L0.conv', 'L1.dw', 'L1.pw2', 'L2.pw1', 'L2.dw', 'L2.pw2']);
  assert.deepEqual(a.layers[5].outShape, [8, 8, 16]);
});

test('the usual first layers give block b >= 1: pw1 = 3b, dw = 3b + 1, pw2 = 3b + 2', () => {
  // Block b of the contract is model.layers[b + 1] (layer 0 is the conv, layer 1 the expand-1 block).
  const a = analyze(example('99kb'));
  for (let b = 1; b < 14; b++) {
    assert.equal(a.layers[3 * b].name, `L${b + 1}.pw1`);
    assert.equal(a.layers[3 * b + 1].name, `L${b + 1}.dw`);
    assert.equal(a.layers[3 * b + 2].name, `L${b + 1}.pw2`);
  }
});

test('sizes and ratios', () => {
  assert.deepEqual(parseSize('256KB'), { bytes: 262144 });
  assert.deepEqual(parseSize('1MB'), { bytes: 1048576 });
  assert.deepEqual(parseSize('4096B'), { bytes: 4096 });
  assert.deepEqual(parseSize('1.5 KB'), { bytes: 1536 });
  assert.ok('error' in parseSize('lots'));
  assert.deepEqual(parseRatio('1/8'), { ratio: 0.125 });
  assert.deepEqual(parseRatio(0.25), { ratio: 0.25 });
  assert.ok('error' in parseRatio('1/0'));
  assert.ok('error' in parseRatio('half'));
});

test('unknown key: located on the key, with the keys that would be right', () => {
  const text = BASE.replace('  classes: 4', '  classes: 4\n  clases: 5');
  const p = only(text, 'unknown-key');
  assert.equal(covered(text, p), 'clases');
  assert.match(p.message, /expected one of: name, input, classes, layers/);
  assert.match(p.message, /Did you mean 'classes'/);
});

test('wrong type: located on the value', () => {
  const text = BASE.replace('out: 16,', 'out: sixteen,');
  const p = only(text, 'wrong-type');
  assert.equal(covered(text, p), 'sixteen');
  assert.match(p.message, /'out' must be an integer/);
});

test('unknown board lists the known ones', () => {
  const text = BASE.replace('board: stm32f405', 'board: stm32f4o5');
  const p = only(text, 'not-allowed');
  assert.equal(covered(text, p), 'stm32f4o5');
  assert.match(p.message, /stm32f746, stm32f405, nrf52840, host/);
  assert.match(p.message, /Did you mean 'stm32f405'/);
});

test('ratio out of range, as a number and as a fraction', () => {
  let text = BASE.replace('5: 1/2', '5: 1.5');
  let p = only(text, 'out-of-range');
  assert.equal(covered(text, p), '1.5');
  text = BASE.replace('5: 1/2', '5: 3/2');
  p = only(text, 'ratio-range');
  assert.equal(covered(text, p), '3/2');
  assert.match(p.message, /outside \(0, 1\]/);
});

test('weight index that does not exist, and one outside the bias-trained range', () => {
  let text = BASE.replace('5: 1/2', '9: 1/2');
  let p = only(text, 'conv-index');
  assert.equal(covered(text, p), '9');
  assert.match(p.message, /numbered 0 to 5/);
  text = BASE.replace('5: 1/2', '2: 1/2');
  p = only(text, 'weights-outside-biases');
  assert.equal(covered(text, p), '2');
  assert.match(p.message, /raise biases to 4/);
});

test('too many biases, missing keys, layer with two kinds, even kernel', () => {
  assert.match(only(BASE.replace('biases: 3', 'biases: 30'), 'biases-too-many').message, /at most 6/);
  const missing = only(BASE.replace('  classes: 4\n', ''), 'missing-key');
  assert.match(missing.message, /missing 'classes'/);
  const two = BASE.replace('- conv:   { out: 8, kernel: 3, stride: 2 }', '- conv:   { out: 8, kernel: 3, stride: 2 }\n      mbconv: { out: 8, kernel: 3, expand: 1 }');
  assert.match(only(two, 'too-many').message, /exactly one kind/);
  const even = BASE.replace('{ out: 8, kernel: 3, expand: 1 }', '{ out: 8, kernel: 4, expand: 1 }');
  const p = only(even, 'even-kernel');
  assert.equal(covered(even, p), '4');
});

test('sizes with units override the board budget; a bad size is located', () => {
  const r = parseConfig(BASE.replace('board: stm32f405', 'board: stm32f405\n  sram: 96KB\n  flash: 512KB'));
  assert.equal(r.spec!.target.sramBytes, 96 * 1024);
  assert.equal(r.spec!.target.flashBytes, 512 * 1024);
  const text = BASE.replace('board: stm32f405', 'board: stm32f405\n  sram: 96 kilobytes');
  const p = only(text, 'bad-format');
  assert.equal(covered(text, p), '96 kilobytes');
});

test('a YAML syntax error mid-file keeps the valid layers above it', () => {
  const text = BASE.replace('    - mbconv: { out: 16, kernel: 3, expand: 4, stride: 2 }', '    - mbconv: { out: 16, kernel: 3, expand: 4, stride: 2\n    - conv: [');
  const a = analyze(text);
  assert.ok(a.problems.some((p) => p.code === 'syntax'));
  assert.ok(a.layers.length >= 3, `kept ${a.layers.length} convs`);
  assert.equal(a.layers[0].name, 'L0.conv');
});

test('qas: false with trained weights warns; a ratio that rounds to no channel warns', () => {
  const text = BASE.replace('  lr: 0.1', '  lr: 0.1\n  qas: false');
  assert.equal(only(text, 'weights-without-qas').severity, 'warning');
  const zero = BASE.replace('5: 1/2', '5: 1/64');
  const p = only(zero, 'ratio-rounds-to-zero');
  assert.equal(p.severity, 'warning');
  assert.match(covered(zero, p), /^5: 1\/64/);
});

test('not a map, empty text, and junk never throw and give located problems', () => {
  for (const text of ['', '- a\n- b', 'hello', '{{{{', '\u0000\u0001', 'model: [', 'model:\n  layers: 3']) {
    const a = analyze(text);
    for (const p of a.problems) assert.ok(p.offsets[0] >= 0 && p.offsets[1] <= text.length);
  }
  assert.ok(analyze('- a\n- b').problems.some((p) => p.code === 'not-a-config'));
});

test('layer line ends point after the layer text, before any comment', () => {
  const text = BASE.replace('- conv:   { out: 8, kernel: 3, stride: 2 }', '- conv:   { out: 8, kernel: 3, stride: 2 }   # first');
  const r = parseConfig(text);
  const lines = text.split('\n');
  const ends = r.source.layerLineEnds.map((p) => lines[p.line].slice(0, p.character));
  assert.deepEqual(ends, ['    - conv:   { out: 8, kernel: 3, stride: 2 }', '    - mbconv: { out: 8, kernel: 3, expand: 1 }', '    - mbconv: { out: 16, kernel: 3, expand: 4, stride: 2 }']);
});

test('train.weight_rounding: stochastic by default, residual when asked (its bytes in the peak), another word is an error on its value', () => {
  assert.equal(parseConfig(BASE).spec!.train.weightRounding, 'stochastic');
  const residual = BASE.replace('  lr: 0.1\n', '  lr: 0.1\n  weight_rounding: residual\n');
  const a = analyze(residual), b = analyze(BASE);
  assert.deepEqual(a.problems, []);
  assert.equal(parseConfig(residual).spec!.train.weightRounding, 'residual');
  assert.ok(a.plan!.peakSramBytes > b.plan!.peakSramBytes, `${a.plan!.peakSramBytes} > ${b.plan!.peakSramBytes}`);
  // The hover on the trained conv counts the residual bytes with the weight copy, and says so.
  const row = (x: typeof a): number => x.layers.find((l) => l.index === 5)!.trainedWeightBytes;
  assert.equal(row(a), 2 * row(b));
  assert.match(weightHover(a, 5), /weight copy in SRAM: .*\(int8 weights and their rounding residual bytes\)/);
  assert.doesNotMatch(weightHover(b, 5), /residual/);
  const bad = BASE.replace('  lr: 0.1\n', '  lr: 0.1\n  weight_rounding: nearest\n');
  const problems = analyze(bad).problems.filter((p) => p.severity === 'error');
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.equal(covered(bad, problems[0]), 'nearest');
  assert.match(problems[0].message, /stochastic|residual/);
});

test('train.lr_decay: none by default, cosine when asked, another word is an error on its value', () => {
  assert.equal(parseConfig(BASE).spec!.train.lrDecay, 'none');
  const cosine = BASE.replace('  lr: 0.1\n', '  lr: 0.1\n  lr_decay: cosine\n');
  assert.deepEqual(analyze(cosine).problems, []);
  assert.equal(parseConfig(cosine).spec!.train.lrDecay, 'cosine');
  const bad = BASE.replace('  lr: 0.1\n', '  lr: 0.1\n  lr_decay: linear\n');
  const problems = analyze(bad).problems.filter((p) => p.severity === 'error');
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.equal(covered(bad, problems[0]), 'linear');
  assert.match(problems[0].message, /none|cosine/);
});
