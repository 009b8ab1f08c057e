// `model: { import: file.tflite, classes: N }` in a config: analyzed like any config, with the
// model file read once per content; a missing or unsupported file is a problem on the import line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { analyze } from '../../../compiler/analyze.js';
import { hoverAt } from '../../../server/hover.js';
import { sharedModel } from '../../helpers/shared-models.js';

const dir = mkdtempSync(join(tmpdir(), 'tt-config-import-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const configPath = join(dir, 'kws.tinytrain.yaml');
const kws = relative(dir, sharedModel('mlperf_tiny_kws_dscnn_int8.tflite').path);
const config = (model: string, update = '{ biases: 3, weights: { 8: 1/4 }, classifier: true }'): string =>
  `model:\n  name: kws\n${model}target:\n  board: stm32f746\ntrain:\n  update: ${update}\n`;

test('a config importing the keyword model analyzes: 9 imported convs, a plan, no problems', () => {
  const a = analyze(config(`  import: ${kws}\n  classes: 4\n`), { configPath });
  assert.deepEqual(a.problems.filter((p) => p.severity === 'error'), []);
  assert.equal(a.layers.length, 9);
  assert.deepEqual(a.layers[0].inShape, [49, 10, 1]);
  assert.ok(a.plan && a.plan.peakSramBytes > 0);
});

test('a missing model file, or one that is not a .tflite, is an error on the import value', () => {
  const text = config('  import: nowhere.tflite\n  classes: 4\n');
  const missing = analyze(text, { configPath }).problems.find((p) => p.code === 'import-missing');
  assert.ok(missing);
  assert.equal(text.slice(missing.offsets[0], missing.offsets[1]), 'nowhere.tflite');
  writeFileSync(join(dir, 'text.tflite'), 'not a model\n');
  const bad = analyze(config('  import: text.tflite\n  classes: 4\n'), { configPath }).problems.find((p) => p.code === 'import-format');
  assert.match(bad!.message, /^text\.tflite: not a \.tflite file/);
});

test('train.update is checked against the imported convs; import excludes input and layers', () => {
  const a = analyze(config(`  import: ${kws}\n  classes: 4\n`, '{ biases: 2, weights: { 9: 1/2, 5: 1 } }'), { configPath });
  assert.ok(a.problems.some((p) => p.code === 'conv-index' && /conv 9 does not exist: .* has 9 convs/.test(p.message)));
  assert.ok(a.problems.some((p) => p.code === 'weights-outside-biases' && /conv 5 trains weights but not its bias/.test(p.message)));
  const both = analyze(config(`  import: ${kws}\n  input: [49, 10, 1]\n  classes: 4\n`), { configPath });
  assert.ok(both.problems.some((p) => p.code === 'import-with-layers'));
  const all = analyze(config(`  import: ${kws}\n  classes: 12\n`, '{ biases: all }'), { configPath });
  assert.deepEqual(all.problems.filter((p) => p.severity === 'error'), []);
  assert.ok(all.layers.every((l) => l.update === 'bias'));
});

test('hover on the import line lists the imported layers, with the conv numbers train.update uses', () => {
  const text = config(`  import: ${kws}\n  classes: 4\n`);
  const a = analyze(text, { configPath });
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('import:'));
  const h = hoverAt(a, lines, { line, character: lines[line].indexOf('.tflite') });
  const value = (h?.contents as { value: string }).value;
  assert.match(value, /^\*\*imported\*\* .* 9 convs · 49x10x1 in · a new classifier for 4 classes \(the file has 12\)/);
  assert.match(value, /\| 0 \| CONV_2D \| 0 \| 25x5x64 \| frozen \|/);
  assert.match(value, /\| 8 \| CONV_2D \| 8 \| 25x5x64 \| bias \+ weights 16\/64 \|/);
  assert.match(value, /\| 11 \| FULLY_CONNECTED \|  \| 12 \| trains \|/);
});
