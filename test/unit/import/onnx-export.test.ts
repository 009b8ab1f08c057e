// The .onnx export's logic without a run: the wire-level patch (onnx-wire.ts) rewrites only the
// initializers and value shapes it is given and keeps every other byte, including fields outside
// TinyTrain's reading schema; exportOnnx with the start tensors gives the file's own data back;
// a classifier form it cannot write is an error that names the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { importTflite } from '../../../compiler/import/lower.js';
import { exportOnnx } from '../../../compiler/import/onnx-export.js';
import { importOnnx } from '../../../compiler/import/onnx-lower.js';
import { readOnnx } from '../../../compiler/import/onnx.js';
import { patchOnnx } from '../../../compiler/import/onnx-wire.js';
import { writeOnnx } from '../../helpers/onnx-writer.js';
import { sharedModel } from '../../helpers/shared-models.js';

const kws = importTflite(readFileSync(sharedModel('mlperf_tiny_kws_dscnn_int8.tflite').path)).model!;

/** ModelProto field 6 (doc_string) and GraphProto field 10 (doc_string): read by nobody here. */
function withDocStrings(bytes: Uint8Array): Uint8Array {
  const doc = (no: number, s: string): Uint8Array => protobuf.Writer.create().uint32((no << 3) | 2).string(s).finish();
  const r = protobuf.Reader.create(bytes);
  const parts: Uint8Array[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    if (tag >>> 3 === 7) {
      const graph = r.bytes();
      parts.push(protobuf.Writer.create().uint32(tag).bytes(Buffer.concat([graph, doc(10, 'graph notes')])).finish());
    } else {
      r.skipType(tag & 7);
      parts.push(bytes.subarray(start, r.pos));
    }
  }
  return Buffer.concat([...parts, doc(6, 'model notes')]);
}

test('the wire patch rewrites the named initializer and shape, and keeps every other byte', () => {
  const file = withDocStrings(writeOnnx(kws, 'qdq'));
  const m = readOnnx(file).model!;
  const name = [...m.initializers.values()].find((t) => t.dataType === 3 && t.dims.length === 4)!.name;
  const before = m.initializers.get(name)!;
  const data = new Int8Array(before.values!.length).fill(7);
  const out = patchOnnx(file, new Map([[name, { data: new Uint8Array(data.buffer) }]]), new Map([['output', { from: 12, to: 3 }]]));
  const after = readOnnx(out).model!;
  assert.deepEqual(Array.from(after.initializers.get(name)!.values!), Array.from(data));
  assert.deepEqual(after.initializers.get(name)!.dims, before.dims);
  assert.deepEqual(after.outputs[0].shape, [1, 3]);
  for (const [k, t] of m.initializers) if (k !== name) assert.deepEqual(after.initializers.get(k)!.values, t.values, k);
  assert.ok(Buffer.from(out).includes('model notes') && Buffer.from(out).includes('graph notes'), 'fields outside the reading schema survive');
  // Nothing to patch: the same bytes.
  assert.ok(Buffer.from(patchOnnx(file, new Map(), new Map())).equals(Buffer.from(file)));
  assert.throws(() => patchOnnx(file, new Map([['no such tensor', { data: new Uint8Array(1) }]]), new Map()), /no initializer "no such tensor"/);
});

test('exportOnnx of the start tensors writes the file\'s own data back (QDQ and QLinear)', () => {
  for (const form of ['qdq', 'qlinear'] as const) {
    const file = writeOnnx(kws, form);
    const imported = importOnnx(file).model!;
    const out = exportOnnx({ original: file, imported, net: imported.net, quant: imported.q });
    const a = readOnnx(file).model!, b = readOnnx(out).model!;
    for (const [k, t] of a.initializers) assert.deepEqual(Array.from(b.initializers.get(k)!.values ?? []), Array.from(t.values ?? []), `${form}: ${k}`);
  }
});

test('a classifier whose bias is a separate Add is an export error naming the node', () => {
  const file = writeOnnx(kws, 'qdq', { matmulClassifier: true });
  const imported = importOnnx(file).model!;
  assert.throws(() => exportOnnx({ original: file, imported, net: imported.net, quant: imported.q }), /the classifier \(node \d+, MatMul\) adds its bias in a separate Add/);
});
