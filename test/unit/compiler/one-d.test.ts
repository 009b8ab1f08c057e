// 1-D and non-square layers in the config language: input [T, C], kernels and strides as one
// number or [kh, kw], shape inference, located problems, and the analytic memory of 1-D layers
// against an independent statement of the paper's formula.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../compiler/analyze.js';
import { parseConfig } from '../../../compiler/config/parse.js';
import { buildNetwork, tfliteSamePadding } from '../../../compiler/ir/network.js';

const HAR = `model:
  name: har
  input: [52, 3]            # 2 s at 26 Hz, x y z
  classes: 3
  layers:
    - conv:   { out: 16, kernel: 5, stride: 2 }
    - mbconv: { out: 16, kernel: 5, expand: 1 }
    - mbconv: { out: 24, kernel: [7, 1], expand: 2, stride: 2 }
    - mbconv: { out: 24, kernel: 5, expand: 2 }
    - mbconv: { out: 32, kernel: 3, expand: 2, stride: [2, 1] }
target:
  board: stm32f405
train:
  update:
    biases: 9
    weights:
      8: 1
      10: 1/2
      11: 1
`;

test('a [T, C] input is a window of T samples of C channels: held as [T, 1, C], kernels k -> [k, 1]', () => {
  const r = parseConfig(HAR);
  assert.deepEqual(r.problems, []);
  const m = r.spec!.model;
  assert.equal(m.timeSeries, true);
  assert.deepEqual(m.input, [52, 1, 3]);
  assert.deepEqual(m.layers.map((l) => [l.kernel, l.stride]), [[[5, 1], [2, 1]], [[5, 1], [1, 1]], [[7, 1], [2, 1]], [[5, 1], [1, 1]], [[3, 1], [2, 1]]]);
});

test('1-D shape inference: T shrinks as ceil(T / s), the width stays 1, padding is centred "same"', () => {
  const net = buildNetwork(parseConfig(HAR).spec!.model);
  assert.deepEqual(net.convs.map((c) => [c.name, c.outShape.h, c.outShape.w, c.outShape.c]), [
    ['L0.conv', 26, 1, 16], ['L1.dw', 26, 1, 16], ['L1.pw2', 26, 1, 16],
    ['L2.pw1', 26, 1, 32], ['L2.dw', 13, 1, 32], ['L2.pw2', 13, 1, 24],
    ['L3.pw1', 13, 1, 48], ['L3.dw', 13, 1, 48], ['L3.pw2', 13, 1, 24],
    ['L4.pw1', 13, 1, 48], ['L4.dw', 7, 1, 48], ['L4.pw2', 7, 1, 32],
  ]);
  const first = net.convs[0];
  assert.deepEqual([first.kh, first.kw, first.sh, first.sw, first.pad], [5, 1, 2, 1, { top: 2, left: 0, bottom: 1, right: 0 }]);
  assert.equal(first.weightCount, 16 * 5 * 3);
  assert.equal(first.macs, 26 * 16 * 5 * 3);
  assert.deepEqual(net.blocks.map((b) => b.residual), [false, true, false, true, false]);
  assert.deepEqual(net.featureShape, { h: 7, w: 1, c: 32 });
});

test('TFLite SAME padding: floor(total / 2) before, the rest after', () => {
  assert.deepEqual(tfliteSamePadding(16, 3, 2), [0, 1]);
  assert.deepEqual(tfliteSamePadding(15, 3, 2), [1, 1]);
  assert.deepEqual(tfliteSamePadding(49, 10, 2), [4, 5]); // total = 24*2 + 10 - 49 = 9
  assert.deepEqual(tfliteSamePadding(10, 4, 1), [1, 2]);
  assert.deepEqual(tfliteSamePadding(8, 1, 4), [0, 0]);
});

test('image models take non-square kernels and per-axis strides; one number still means k x k', () => {
  const text = HAR.replace('input: [52, 3]            # 2 s at 26 Hz, x y z', 'input: [32, 24, 3]')
    .replace('kernel: [7, 1]', 'kernel: [3, 5]').replace('stride: [2, 1]', 'stride: [1, 2]');
  const r = parseConfig(text);
  assert.deepEqual(r.problems, []);
  assert.equal(r.spec!.model.timeSeries, false);
  assert.deepEqual(r.spec!.model.layers[0].kernel, [5, 5]);
  const net = buildNetwork(r.spec!.model);
  const dw = net.convs.find((c) => c.name === 'L2.dw')!;
  assert.deepEqual([dw.kh, dw.kw, dw.taps, dw.pad.top, dw.pad.left], [3, 5, 15, 1, 2]);
  const last = net.convs.find((c) => c.name === 'L4.dw')!;
  assert.deepEqual([last.inShape.h, last.inShape.w, last.outShape.h, last.outShape.w], [8, 6, 8, 3]);
  const a = analyze(text);
  assert.deepEqual(a.layers.find((l) => l.name === 'L2.dw')!.kernel, [3, 5]);
});

test('1-D mistakes are located: a second kernel axis, an even kernel, a window unlike T', () => {
  const wide = HAR.replace('kernel: [7, 1]', 'kernel: [7, 3]');
  const p = analyze(wide).problems.find((x) => x.code === '1d-kernel')!;
  assert.ok(p, JSON.stringify(analyze(wide).problems));
  assert.equal(wide.slice(p.offsets[0], p.offsets[1]), '[7, 3]');
  assert.match(p.message, /write kernel: 7 or \[7, 1\]/);
  const even = analyze(HAR.replace('kernel: [7, 1]', 'kernel: [6, 1]')).problems.find((x) => x.code === 'even-kernel');
  assert.match(even!.message, /kernel 6 is even/);
  const three = analyze(HAR.replace('kernel: [7, 1]', 'kernel: [7, 1, 1]')).problems;
  assert.ok(three.some((x) => x.code === 'too-many'), JSON.stringify(three));
  const big = analyze(HAR.replace('kernel: [7, 1]', 'kernel: 33')).problems;
  assert.ok(big.some((x) => x.code === 'out-of-range'));
  const data = `${HAR}data:\n  source: recordings\n  window: 50\n  hop: 13\n  scale: 1000\n  recordings: [0, 1/2]\n  holdout: 1/3\n`;
  const w = analyze(data).problems.find((x) => x.code === 'window-size')!;
  assert.match(w.message, /use window: 52/);
  assert.equal(data.slice(w.offsets[0], w.offsets[1]), '50');
  const ok = parseConfig(data.replace('window: 50', 'window: 52'));
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.spec!.data!.series, { window: 52, hop: 13, scaling: { kind: 'fixed', scale: 1000 }, recordings: [0, 0.5], holdout: 1 / 3 });
  const defaults = parseConfig(`${HAR}data:\n  source: recordings\n`).spec!.data!.series;
  assert.deepEqual(defaults, { window: 52, hop: 26, scaling: { kind: 'standardize' }, recordings: [0, 1], holdout: 0.25 });
  const backwards = analyze(`${HAR}data:\n  source: recordings\n  recordings: [1/2, 1/4]\n`).problems.find((x) => x.code === 'recordings-range');
  assert.match(backwards!.message, /0 <= from < to <= 1/);
  const image = analyze(HAR.replace('input: [52, 3]            # 2 s at 26 Hz, x y z', 'input: [32, 32, 3]') + 'data:\n  source: folder\n  hop: 4\n').problems.find((x) => x.code === 'series-key-2d');
  assert.match(image!.message, /'hop' is for a 1-D model/);
});

// ---- the paper's analytic memory for 1-D layers, stated independently ----
// A 1-D conv over T samples with C_in channels and kernel k: its output has ceil(T / s) samples.
// Extra bits = 8 * C_last (classifier input) + per bias-trained conv C_out * T_out (mask) + 32 * C_out
// + per weight-trained conv with k_ch channels 8 * T_in * k_ch (saved input) + 8 * C_out * k_ch * k
// (depthwise: 8 * k_ch * k).
test('analytic extra memory of a 1-D network equals the formula written out by hand', () => {
  const a = analyze(HAR);
  // Convs (T_in, T_out, C_in, C_out, k, depthwise), from the shapes above:
  const convs: [number, number, number, number, number, boolean][] = [
    [52, 26, 3, 16, 5, false], [26, 26, 16, 16, 5, true], [26, 26, 16, 16, 1, false],
    [26, 26, 16, 32, 1, false], [26, 13, 32, 32, 7, true], [13, 13, 32, 24, 1, false],
    [13, 13, 24, 48, 1, false], [13, 13, 48, 48, 5, true], [13, 13, 48, 24, 1, false],
    [13, 13, 24, 48, 1, false], [13, 7, 48, 48, 3, true], [7, 7, 48, 32, 1, false],
  ];
  const weights = new Map([[8, 1], [10, 0.5], [11, 1]]);
  let bits = 8 * 32;
  convs.forEach(([tin, tout, cin, cout, k, dw], i) => {
    if (i < convs.length - 9) return;
    bits += cout * tout + 32 * cout;
    const r = weights.get(i);
    if (r === undefined) return;
    const kch = Math.floor(r * cin);
    bits += 8 * tin * kch + (dw ? 8 * kch * k : 8 * cout * kch * k);
  });
  assert.deepEqual(a.problems.filter((p) => p.severity === 'error'), []);
  assert.ok(Math.abs(a.analytic!.extraKB - bits / 8 / 1024) < 1e-9, `${a.analytic!.extraKB} vs ${bits / 8 / 1024}`);
  // conv 8 (L3.pw2, all 48 input channels): 13 samples x 48 saved + 24 x 48 weights; mask 24 x 13 bits
  const row = a.layers[8];
  assert.equal(row.name, 'L3.pw2');
  assert.equal(row.savedBytes, 13 * 48 + Math.ceil((24 * 13) / 8));
  assert.equal(row.trainedBytes, 24 * 48 + 4 * 24);
});
