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
