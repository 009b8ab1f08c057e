// TTP1 (a run's trained tensors, docs/file-formats.md) read back into the int8 model: the weight
// slice lands in the first k input channels of every row, the rest stays as it started, and a
// file from another plan or a truncated one is an error that says what differs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compile } from '../../../compiler/compile.js';
import { resolveUpdate } from '../../../compiler/sparse/scheme.js';
import { applyTrainedTensors } from '../../../compiler/weights/files.js';
import { heInit } from '../../../compiler/weights/model-weights.js';
import { quantizeModel } from '../../../compiler/quantize/quantize.js';

const c = compile(readFileSync('examples/mnist-transfer/transfer.tinytrain.yaml', 'utf8')).compilation!;
const net = c.net;
const conv = net.convs.find((cv) => !cv.depthwise && cv.cin >= 4 && cv.index > 0)!;
const plan = resolveUpdate(net, { biases: net.convs.length - conv.index, classifier: true, weights: [{ conv: conv.index, ratio: 0.5 }] });
const start = quantizeModel(net, heInit(net, 1), {
  input: [0, 1], convOut: net.convs.map(() => [0, 6]), addOut: net.blocks.map((b) => (b.residual ? [-6, 6] : undefined)), pool: [0, 6],
});

function ttp(entries: { conv: number; kind: number; data: Buffer }[], hash = 0x1234abcd): Buffer {
  const head = Buffer.alloc(12);
  head.write('TTP1', 0, 'ascii'); head.writeUInt32LE(hash, 4); head.writeUInt32LE(entries.length, 8);
  return Buffer.concat([head, ...entries.flatMap((e) => { const h = Buffer.alloc(12); h.writeInt32LE(e.conv, 0); h.writeUInt32LE(e.kind, 4); h.writeUInt32LE(e.data.length, 8); return [h, e.data]; })]);
}

function entriesOf(fill: number): { conv: number; kind: number; data: Buffer }[] {
  const out: { conv: number; kind: number; data: Buffer }[] = [];
  for (const cv of net.convs) {
    const u = plan.convs[cv.index];
    if (u.k > 0) out.push({ conv: cv.index, kind: 0, data: Buffer.alloc(cv.depthwise ? u.k * cv.taps : cv.cout * cv.taps * u.k, fill) });
    if (u.bias) { const b = Buffer.alloc(4 * cv.cout); for (let i = 0; i < cv.cout; i++) b.writeInt32LE(1000 + i, 4 * i); out.push({ conv: cv.index, kind: 1, data: b }); }
  }
  out.push({ conv: -1, kind: 0, data: Buffer.alloc(net.classifier.weightCount, fill) }, { conv: -1, kind: 1, data: Buffer.alloc(4 * net.classifier.classes) });
  return out;
}

test('a TTP1 file writes its slices and biases into the start model, and nothing else', () => {
  const { quant, modelHash } = applyTrainedTensors(net, plan, start, ttp(entriesOf(7)));
  assert.equal(modelHash, 0x1234abcd);
  const k = plan.convs[conv.index].k;
  assert.ok(k > 0 && k < conv.cin);
  const w = quant.convs[conv.index].w, w0 = start.convs[conv.index].w;
  for (let row = 0; row < conv.cout * conv.taps; row++) {
    for (let i = 0; i < conv.cin; i++) assert.equal(w[row * conv.cin + i], i < k ? 7 : w0[row * conv.cin + i]);
  }
  assert.equal(quant.convs[conv.index].b[3], 1003);
  assert.deepEqual(quant.convs[0].w, start.convs[0].w, 'a frozen conv is unchanged');
  assert.ok(quant.fc.w.every((v) => v === 7));
  assert.ok(!start.fc.w.every((v) => v === 7), 'the start model is not modified');
});

test('a TTP1 file from another plan, or cut short, is an error saying what differs', () => {
  const e = entriesOf(1);
  assert.throws(() => applyTrainedTensors(net, plan, start, ttp(e.slice(1))), /holds \d+ trained tensors; this config's update plan trains \d+/);
  const swapped = [...e]; [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
  assert.throws(() => applyTrainedTensors(net, plan, start, ttp(swapped)), /found bias of conv \d+ .* where this plan has weights of conv \d+/);
  const whole = ttp(e);
  assert.throws(() => applyTrainedTensors(net, plan, start, whole.subarray(0, whole.length - 3)), /truncated/);
  assert.throws(() => applyTrainedTensors(net, plan, start, Buffer.from('TTQ1xxxx')), /not a TTP1 file/);
});
