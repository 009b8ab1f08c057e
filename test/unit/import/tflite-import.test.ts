// The .tflite importer on the real int8 models in ../shared/models, on models edited into the
// patterns real converters also write (PAD before a VALID conv, MEAN pooling, QUANTIZE /
// DEQUANTIZE at the edges), and on every unsupported op or pattern: a located problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importTflite } from '../../../compiler/import/lower.js';
import { OP, readTflite, type TfliteModel, type TfliteTensor } from '../../../compiler/import/tflite.js';
import { writeTflite } from '../../../compiler/import/tflite-write.js';
import { SHARED_MODELS, sharedModel } from '../../helpers/shared-models.js';

const read = (file: string): TfliteModel => readTflite(readFileSync(sharedModel(file).path)).model!;
const KWS = 'mlperf_tiny_kws_dscnn_int8.tflite';

/** A deep copy of the tables, to edit. */
const clone = (m: TfliteModel): TfliteModel => ({
  ...m, tensors: m.tensors.map((t) => ({ ...t, shape: [...t.shape], ...(t.quant ? { quant: { ...t.quant } } : {}) })),
  ops: m.ops.map((o) => ({ ...o, inputs: [...o.inputs], outputs: [...o.outputs], options: { ...o.options } })),
  inputs: [...m.inputs], outputs: [...m.outputs],
});
const constTensor = (m: TfliteModel, name: string, values: Int32Array, shape: number[]): number => {
  const t: TfliteTensor = { index: m.tensors.length, name, shape, type: 'int32', data: new Uint8Array(values.buffer) };
  m.tensors.push(t);
  return t.index;
};
const importTables = (m: TfliteModel) => importTflite(writeTflite(m));

for (const sm of SHARED_MODELS) {
  test(`${sm.file} imports: ${sm.convs} convs, ${sm.residualAdds} residual adds, ${sm.classes} classes`, () => {
    const { model, problems } = importTflite(readFileSync(sm.path));
    assert.deepEqual(problems, []);
    assert.ok(model);
    assert.equal(model.net.convs.length, sm.convs);
    assert.equal(model.net.blocks.filter((b) => b.residual).length, sm.residualAdds);
    assert.equal(model.net.classifier.classes, sm.classes);
    assert.deepEqual(model.input.shape, sm.input);
    assert.deepEqual(model.head.softmax?.out, { scale: 1 / 256, zeroPoint: -128 });
    model.net.convs.forEach((c, i) => assert.equal(c.index, i, 'convs are numbered in forward order'));
  });
}

test('the keyword model: a 10x4 even kernel, stride 2, TFLite SAME padding 4/5 rows and 1/1 columns', () => {
  const c = importTflite(readFileSync(sharedModel(KWS).path)).model!.net.convs[0];
  assert.deepEqual([c.kh, c.kw, c.sh, c.sw], [10, 4, 2, 2]);
  assert.deepEqual(c.pad, { top: 4, bottom: 5, left: 1, right: 1 });
  assert.deepEqual(c.outShape, { h: 25, w: 5, c: 64 });
});

test('ResNet-8: residual blocks with their 1x1 stride-2 projection shortcuts, convs numbered in op order', () => {
  const net = importTflite(readFileSync(sharedModel('mlperf_tiny_resnet8_cifar10_int8.tflite').path)).model!.net;
  const res = net.blocks.filter((b) => b.residual);
  assert.deepEqual(res.map((b) => [b.convs.map((c) => c.index), (b.shortcut ?? []).map((c) => c.index)]), [[[1, 2], []], [[3, 4], [5]], [[6, 7], [8]]]);
  assert.deepEqual(res.map((b) => b.addAct), ['relu', 'relu', 'relu']);
});

test('person detection: a depthwise conv of multiplier 8 on one channel is conv 0 (1 -> 8), the 1x1 conv head is the classifier', () => {
  const m = importTflite(readFileSync(sharedModel('tflm_person_detect_96_int8.tflite').path)).model!;
  const c0 = m.net.convs[0];
  assert.equal(c0.depthwise, false);
  assert.deepEqual([c0.cin, c0.cout, c0.act], [1, 8, 'relu6']);
  assert.equal(m.net.classifier.cin, 256);
});

test('write(read(file)) reads back to the same tables', () => {
  for (const sm of SHARED_MODELS) {
    const a = readTflite(readFileSync(sm.path)).model!;
    const b = readTflite(writeTflite(a)).model!;
    assert.deepEqual(b.ops, a.ops, sm.file);
    assert.deepEqual(b.tensors.map((t) => [t.name, t.shape, t.type, t.quant, t.data && Buffer.from(t.data).toString('base64')]),
      a.tensors.map((t) => [t.name, t.shape, t.type, t.quant, t.data && Buffer.from(t.data).toString('base64')]), sm.file);
  }
});

test('PAD before a VALID conv folds into the conv padding: same network as SAME', () => {
  const m = clone(read(KWS));
  const x = m.inputs[0];
  const padded: TfliteTensor = { ...m.tensors[x], index: m.tensors.length, name: 'padded', shape: [1, 58, 12, 1] };
  m.tensors.push(padded);
  const paddings = constTensor(m, 'paddings', Int32Array.from([0, 0, 4, 5, 1, 1, 0, 0]), [4, 2]);
  m.ops[0].inputs[0] = padded.index;
  m.ops[0].options.padding = 1;
  m.ops.unshift({ index: 0, code: OP.PAD, name: 'PAD', inputs: [x, paddings], outputs: [padded.index], options: {} });
  m.ops.forEach((o, i) => (o.index = i));
  const { model, problems } = importTables(m);
  assert.deepEqual(problems, []);
  assert.deepEqual(model!.net.convs[0].pad, { top: 4, bottom: 5, left: 1, right: 1 });
});

test('MEAN over H, W is the global pool; QUANTIZE at the input and DEQUANTIZE at the output are the edges', () => {
  const m = clone(read(KWS));
  const pool = m.ops.find((o) => o.code === OP.AVERAGE_POOL_2D)!;
  pool.code = OP.MEAN; pool.name = 'MEAN';
  pool.inputs.push(constTensor(m, 'axes', Int32Array.from([1, 2]), [2]));
  pool.options = { keep_dims: 1 };
  const x = m.inputs[0];
  const fin: TfliteTensor = { index: m.tensors.length, name: 'float_in', shape: [1, 49, 10, 1], type: 'float32' };
  m.tensors.push(fin);
  m.ops.unshift({ index: 0, code: OP.QUANTIZE, name: 'QUANTIZE', inputs: [fin.index], outputs: [x], options: {} });
  const fout: TfliteTensor = { index: m.tensors.length, name: 'float_out', shape: [1, 12], type: 'float32' };
  m.tensors.push(fout);
  m.ops.push({ index: 0, code: OP.DEQUANTIZE, name: 'DEQUANTIZE', inputs: [m.outputs[0]], outputs: [fout.index], options: {} });
  m.inputs = [fin.index]; m.outputs = [fout.index];
  m.ops.forEach((o, i) => (o.index = i));
  const { model, problems } = importTables(m);
  assert.deepEqual(problems, []);
  assert.equal(model!.input.type, 'float32');
  assert.equal(model!.head.dequantize, true);
});

test('each unsupported op or pattern is a problem naming the op, its index and what is supported', () => {
  const cases: [string, (m: TfliteModel) => void, RegExp][] = [
    ['an unsupported op', (m) => { m.ops[1].code = OP.MAX_POOL_2D; m.ops[1].name = 'MAX_POOL_2D'; }, /^op 1 \(MAX_POOL_2D\): is not supported yet; TinyTrain imports CONV_2D, DEPTHWISE_CONV_2D/],
    ['dilation', (m) => { m.ops[2].options.dilation_h_factor = 2; }, /^op 2 \(CONV_2D\): dilation 2x1 is not supported; TinyTrain supports dilation 1/],
    ['a TANH activation', (m) => { m.ops[3].options.fused_activation_function = 4; }, /^op 3 \(DEPTHWISE_CONV_2D\): fused activation TANH is not supported; TinyTrain supports NONE, RELU, RELU6/],
    ['a non-global pool', (m) => { m.ops[9].options.filter_height = 5; }, /^op 9 \(AVERAGE_POOL_2D\): a 5x5 pool on a 25x5 feature map is not global/],
    ['a float model', (m) => { m.tensors[m.inputs[0]].type = 'float32'; }, /is a float model .*quantize it to int8 first/],
    ['an op after the softmax', (m) => { m.ops.push({ ...m.ops[12], index: 13, code: OP.LOGISTIC, name: 'LOGISTIC', inputs: [m.outputs[0]] }); }, /^op 13 \(LOGISTIC\): is not supported after the classifier/],
    ['a TRANSPOSE', (m) => { m.ops[1].code = OP.TRANSPOSE; m.ops[1].name = 'TRANSPOSE'; }, /^op 1 \(TRANSPOSE\): is not supported yet; TinyTrain imports CONV_2D/],
    ['depth multiplier 2 on many channels', (m) => {
      const f = m.tensors[m.ops[1].inputs[1]];
      f.shape = [1, f.shape[1], f.shape[2], 2 * f.shape[3]];
      f.data = new Uint8Array(2 * f.data!.length);
      f.quant = { ...f.quant!, scale: [f.quant!.scale[0]], zeroPoint: [0] };
    }, /^op 1 \(DEPTHWISE_CONV_2D\): depth multiplier 2 on 64 input channels is not supported yet/],
    ['a custom op', (m) => { m.ops[5].code = OP.CUSTOM; m.ops[5].name = 'CUSTOM'; m.ops[5].customCode = 'MyOp'; }, /^op 5 \(CUSTOM "MyOp"\): is not supported yet/],
  ];
  for (const [what, edit, want] of cases) {
    const m = clone(read(KWS));
    edit(m);
    const { model, problems } = importTables(m);
    assert.equal(model, undefined, what);
    assert.equal(problems.length, 1, what);
    assert.match(problems[0].message, want, what);
  }
});

test('a file that is not a .tflite, or cut short, is a problem, not an exception', () => {
  assert.match(importTflite(new TextEncoder().encode('model: {}\n')).problems[0].message, /^not a \.tflite file/);
  const bytes = readFileSync(sharedModel(KWS).path);
  assert.match(importTflite(bytes.subarray(0, 2000)).problems[0].message, /^damaged \.tflite file: .* runs past the end of the file/);
});
