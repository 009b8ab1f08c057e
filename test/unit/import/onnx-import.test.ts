// ONNX import problems: an unsupported op or attribute names the node (index, name, op_type)
// and what is supported; bytes that are not ONNX are a problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importTflite } from '../../../compiler/import/lower.js';
import { importOnnx } from '../../../compiler/import/onnx-lower.js';
import { onnxRoot } from '../../../compiler/import/onnx.js';
import { writeOnnx } from '../../helpers/onnx-writer.js';
import { sharedModel } from '../../helpers/shared-models.js';
import { tinyOneD } from '../../helpers/tiny-network.js';
import { networkToTflite } from '../../../compiler/export/network-tflite.js';

const ModelProto = onnxRoot().lookupType('onnx.ModelProto');
const kws = importTflite(readFileSync(sharedModel('mlperf_tiny_kws_dscnn_int8.tflite').path)).model!;

/** The QDQ kws graph with `edit` applied to its decoded message. */
function edited(edit: (m: { graph: { node: { op_type: string; name: string; attribute: object[] }[] } }) => void): Uint8Array {
  const m = ModelProto.toObject(ModelProto.decode(writeOnnx(kws, 'qdq')), { longs: Number }) as Parameters<typeof edit>[0];
  edit(m);
  return ModelProto.encode(ModelProto.fromObject(m)).finish();
}

test('an unsupported op is a problem naming the node index, name and op_type, and what is supported', () => {
  let at = -1;
  const r = importOnnx(edited((m) => { at = m.graph.node.findIndex((n) => n.op_type === 'GlobalAveragePool'); m.graph.node[at].op_type = 'GlobalMaxPool'; }));
  assert.equal(r.model, undefined);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].op, at);
  assert.match(r.problems[0].message, new RegExp(`^node ${at} "GlobalAveragePool_\\d+" \\(GlobalMaxPool\\): is not supported; TinyTrain imports QLinearConv`));
});

test('an unsupported attribute names the node and the attributes read', () => {
  const r = importOnnx(edited((m) => { m.graph.node.find((n) => n.op_type === 'Conv')!.attribute.push({ name: 'dilations', type: 7, ints: [2, 2] }); }));
  assert.match(r.problems[0]?.message ?? '', /^node \d+ "Conv_\d+" \(Conv\): dilations \[2, 2\] are not supported; TinyTrain supports dilation 1/);
});

test('bytes that are not an ONNX model are a problem, not an exception', () => {
  for (const bytes of [new Uint8Array(0), Uint8Array.from([0xff, 0xff, 0xff]), new TextEncoder().encode('model: not onnx')]) {
    const r = importOnnx(bytes);
    assert.equal(r.model, undefined);
    assert.ok(r.problems[0].code === 'import-format', JSON.stringify(r.problems));
  }
});

test('the QDQ and QLinear forms import to the same network as the .tflite', () => {
  for (const form of ['qdq', 'qlinear'] as const) {
    const r = importOnnx(writeOnnx(kws, form));
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.model!.net.convs.map((c) => [c.index, c.depthwise, c.cout, c.kh, c.kw, c.pad, c.act]), kws.net.convs.map((c) => [c.index, c.depthwise, c.cout, c.kh, c.kw, c.pad, c.act]));
    assert.deepEqual(r.model!.head.logits, kws.head.logits);
  }
});

test('a Dense classifier written as MatMul + Add of an int8 bias (both forms) imports as one FC with that bias', () => {
  for (const form of ['qdq', 'qlinear'] as const) {
    const r = importOnnx(writeOnnx(kws, form, { matmulClassifier: true }));
    assert.deepEqual(r.problems, []);
    assert.deepEqual(Array.from(r.model!.q.fc.w), Array.from(kws.q.fc.w));
    assert.deepEqual(r.model!.head.logits, kws.head.logits);
    const real = (b: ArrayLike<number>, o: number): number => b[o] * kws.q.pool.scale * kws.q.fc.sw[o];
    const step = Math.max(...Array.from(kws.q.fc.b, (_, o) => Math.abs(real(kws.q.fc.b, o)))) / 127;
    kws.q.fc.b.forEach((_, o) => assert.ok(Math.abs(real(r.model!.q.fc.b, o) - real(kws.q.fc.b, o)) <= step / 2 + kws.q.pool.scale * kws.q.fc.sw[o], `${form} bias ${o}`));
  }
});

test('an Add of a constant anywhere but after a bias-less MatMul is a problem naming the node', () => {
  const m = ModelProto.toObject(ModelProto.decode(writeOnnx(kws, 'qlinear', { matmulClassifier: true })), { longs: Number }) as { graph: { node: { op_type: string; input: string[]; output: string[] }[] } };
  const addAt = m.graph.node.findIndex((n) => n.op_type === 'QLinearAdd');
  const conv = m.graph.node.find((n) => n.op_type === 'QLinearConv')!;
  m.graph.node[addAt].input[0] = conv.output[0]; // the bias constant now lands on a conv's output
  const r = importOnnx(ModelProto.encode(ModelProto.fromObject(m)).finish());
  assert.equal(r.model, undefined);
  assert.equal(r.problems[0]?.op, addAt);
  assert.match(r.problems[0]?.message ?? '', new RegExp(`^node ${addAt} "QLinearAdd_\\d+" \\(com.microsoft.QLinearAdd\\): adds a constant to ".*"; TinyTrain imports a constant Add only as the bias of a MatMul without one`));
});

test('a 1-D ONNX model ([1, C, T], Conv1d) imports as the [1, T, 1, C] network of its .tflite; a 2-D attribute on it is a problem', () => {
  const t = importTflite(networkToTflite(tinyOneD())).model!;
  const r = importOnnx(writeOnnx(t, 'qdq', { oneD: true }));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.model!.input.shape, [1, 52, 1, 3]);
  assert.deepEqual(r.model!.net.convs.map((c) => [c.kh, c.kw, c.sh, c.sw, c.pad, c.depthwise]), t.net.convs.map((c) => [c.kh, c.kw, c.sh, c.sw, c.pad, c.depthwise]));
  const m = ModelProto.toObject(ModelProto.decode(writeOnnx(t, 'qdq', { oneD: true })), { longs: Number }) as { graph: { node: { op_type: string; attribute: { name: string; ints?: number[] }[] }[] } };
  const at = m.graph.node.findIndex((n) => n.op_type === 'Conv');
  m.graph.node[at].attribute.find((a) => a.name === 'strides')!.ints = [2, 1];
  const bad = importOnnx(ModelProto.encode(ModelProto.fromObject(m)).finish());
  assert.equal(bad.model, undefined);
  assert.match(bad.problems[0]?.message ?? '', new RegExp(`^node ${at} "Conv_\\d+" \\(Conv\\): strides \\[2, 1\\] has 2 values; a 1-D conv \\(input \\[1, C, T\\]\\) has 1`));
});
