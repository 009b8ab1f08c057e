// Recordings (data.series) for an imported model: checked once the import is resolved, with T x C
// taken from the file's input ([1, T, 1, C], [1, T, C] or [1, T, C, 1]); a window, a column list
// or a recordings key that does not fit the file is a problem on that key; a recording whose
// channel count is not the file's C is a problem naming the file and line, and the model file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { analyze, analyzeConfig } from '../../../compiler/analyze.js';
import { networkTables, networkToTflite } from '../../../compiler/export/network-tflite.js';
import { OP } from '../../../compiler/import/tflite.js';
import { writeTflite } from '../../../compiler/import/tflite-write.js';
import { prepare } from '../../../training/prepare.js';
import { sharedModel } from '../../helpers/shared-models.js';
import { tinyOneD } from '../../helpers/tiny-network.js';

const dir = mkdtempSync(join(tmpdir(), 'tt-imported-series-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const configPath = join(dir, 'har.tinytrain.yaml');
writeFileSync(join(dir, 'har.tflite'), networkToTflite(tinyOneD()));
// The same network with a [1, 52, 3] input reshaped to [1, 52, 1, 3] first, as streaming models are.
const rank3 = networkTables(tinyOneD());
const input = rank3.tensors[rank3.inputs[0]];
const flat = { ...input, index: rank3.tensors.length, name: 'window', shape: [1, 52, 3] };
const shape = { index: rank3.tensors.length + 1, name: 'window/shape', shape: [4], type: 'int32' as const, data: new Uint8Array(Int32Array.from([1, 52, 1, 3]).buffer) };
rank3.tensors.push(flat, shape);
rank3.ops = [{ index: 0, code: OP.RESHAPE, name: 'RESHAPE', inputs: [flat.index, shape.index], outputs: [input.index], options: { new_shape: [1, 52, 1, 3] } }, ...rank3.ops.map((o) => ({ ...o, index: o.index + 1 }))];
rank3.inputs = [flat.index];
writeFileSync(join(dir, 'har-rank3.tflite'), writeTflite(rank3));

const config = (file: string, data: string): string =>
  `model:\n  name: har\n  import: ${file}\n  classes: 3\ntarget:\n  board: stm32f405\ntrain:\n  update: { biases: 2 }\ndata:\n  source: recordings\n  classes: [running, stationary, walking]\n${data}`;
const errors = (text: string) => analyze(text, { configPath }).problems.filter((p) => p.severity === 'error');

test('an imported [1, T, 1, C] model reads recordings: T and C from the file, the hop defaulting to T / 2', () => {
  const written = analyzeConfig(config('har.tflite', '  scale: 1000\n  hop: 13\n'), { configPath });
  assert.deepEqual(written.analysis.problems.filter((p) => p.severity === 'error'), []);
  assert.deepEqual(written.compilation!.spec.data!.series, { window: 52, hop: 13, scaling: { kind: 'fixed', scale: 1000 }, recordings: [0, 1], holdout: 0.25 });
  const defaults = analyzeConfig(config('har.tflite', ''), { configPath });
  assert.deepEqual(defaults.compilation!.spec.data!.series, { window: 52, hop: 26, scaling: { kind: 'standardize' }, recordings: [0, 1], holdout: 0.25 });
  const three = analyzeConfig(config('har-rank3.tflite', '  window: 52\n'), { configPath });
  assert.deepEqual(three.analysis.problems.filter((p) => p.severity === 'error'), []);
  assert.deepEqual(three.compilation!.spec.model.input, [52, 1, 3]);
  assert.equal(three.compilation!.spec.data!.series!.window, 52);
});

test("a window or a column list that does not fit the file's input is a problem on it", () => {
  const text = config('har.tflite', '  window: 50\n  columns: [ax, ay]\n');
  const [w, c] = [errors(text).find((p) => p.code === 'window-size')!, errors(text).find((p) => p.code === 'series-columns')!];
  assert.match(w.message, /^window: 50 differs from har\.tflite's input \[1, 52, 1, 3\]: .* use window: 52\.$/);
  assert.equal(text.slice(w.offsets[0], w.offsets[1]), '50');
  assert.match(c.message, /columns names 2 columns, but har\.tflite's input \[1, 52, 1, 3\] takes C = 3 channels per sample/);
  assert.equal(text.slice(c.offsets[0], c.offsets[1]), '[ax, ay]');
});

test('an imported image model: recordings keys are a problem; a [1, T, C, 1] model reads recordings when a key says so', () => {
  const vww = relative(dir, sharedModel('mlperf_tiny_vww_96_int8.tflite').path);
  const text = config(vww, '  hop: 4\n');
  const p = errors(text).find((x) => x.code === 'series-key-2d')!;
  assert.match(p.message, /^'hop' is for recordings, .*'s input \[1, 96, 96, 3\] is an image/);
  assert.equal(text.slice(p.offsets[0], p.offsets[1]), 'hop');
  const kws = relative(dir, sharedModel('mlperf_tiny_kws_dscnn_int8.tflite').path);
  assert.equal(analyzeConfig(config(kws, ''), { configPath }).compilation!.spec.data!.series, undefined, 'images, as before');
  const frames = analyzeConfig(config(kws, '  window: 49\n  hop: 10\n'), { configPath });
  assert.deepEqual(frames.analysis.problems.filter((x) => x.severity === 'error'), []);
  assert.equal(frames.compilation!.spec.data!.series!.window, 49);
});

test("a recording with another channel count than the file's C is a problem naming the recording and the model file", async () => {
  for (const cls of ['running', 'stationary', 'walking']) {
    mkdirSync(join(dir, 'recordings', cls), { recursive: true });
    for (const r of [1, 2]) writeFileSync(join(dir, 'recordings', cls, `${r}.csv`), Array.from({ length: 60 }, (_, i) => `${i}, ${-i}`).join('\n'));
  }
  writeFileSync(configPath, config('har.tflite', '  scale: 1000\n'));
  await assert.rejects(prepare(configPath), (e: Error) => /running\/1\.csv:1: 2 channels per sample; har\.tflite's input \[1, 52, 1, 3\] has C = 3/.test(e.message));
});

test("recordings in milli-g without scale: 1000 saturate the file's input (in g): a note says so", async () => {
  for (const cls of ['running', 'stationary', 'walking']) {
    mkdirSync(join(dir, 'milli-g', cls), { recursive: true });
    for (const r of [1, 2]) writeFileSync(join(dir, 'milli-g', cls, `${r}.csv`), Array.from({ length: 60 }, (_, i) => `${i * 30}, ${-i * 20}, 980`).join('\n'));
  }
  const notes: string[] = [];
  writeFileSync(configPath, config('har.tflite', '  scale: 1\n').replace('source: recordings', 'source: milli-g'));
  await prepare(configPath, (m) => notes.push(m));
  assert.ok(notes.some((n) => /^note: \d+(\.\d+)? % of the training values fall outside \[-2\.000, 3\.000\], the range of har\.tflite's input \[1, 52, 1, 3\] \(int8, scale 0\.01961, zero point -26\), and saturate/.test(n)), notes.join('\n'));
  notes.length = 0;
  writeFileSync(configPath, config('har.tflite', '  scale: 1000\n').replace('source: recordings', 'source: milli-g'));
  await prepare(configPath, (m) => notes.push(m));
  assert.ok(!notes.some((n) => /saturate/.test(n)), notes.join('\n'));
});
