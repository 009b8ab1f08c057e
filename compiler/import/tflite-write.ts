// The model's tables -> .tflite bytes with the flatbuffers Builder, for `tinytrain export` and
// for tests that need a model with a given op. Writes what tflite.ts reads (schema version 3,
// one subgraph, buffer 0 the empty sentinel, constant data 16-byte aligned).

import { Builder } from 'flatbuffers';
import { OPTIONS, TENSOR_TYPE_CODES, type TfliteModel } from './tflite.js';

/** Op versions the TFLite converter writes for int8 models (model-formats.md section 5). */
const OP_VERSION: Partial<Record<number, number>> = { 3: 3, 4: 3, 9: 4, 114: 1, 43: 1 };

export function writeTflite(m: TfliteModel): Uint8Array {
  const b = new Builder(1 << 16);
  b.forceDefaults(true);
  const ints = (v: number[]): number => { b.startVector(4, v.length, 4); for (let i = v.length - 1; i >= 0; i--) b.addInt32(v[i]); return b.endVector(); };
  const floats = (v: number[]): number => { b.startVector(4, v.length, 4); for (let i = v.length - 1; i >= 0; i--) b.addFloat32(v[i]); return b.endVector(); };
  const longs = (v: number[]): number => { b.startVector(8, v.length, 8); for (let i = v.length - 1; i >= 0; i--) b.addInt64(BigInt(v[i])); return b.endVector(); };
  const tables = (v: number[]): number => { b.startVector(4, v.length, 4); for (let i = v.length - 1; i >= 0; i--) b.addOffset(v[i]); return b.endVector(); };

  // Buffers: 0 = the empty sentinel, then one per constant tensor.
  const bufferOf = new Map<number, number>();
  const bufferTables: number[] = [];
  b.startObject(3);
  bufferTables.push(b.endObject());
  for (const t of m.tensors) {
    if (!t.data) continue;
    b.startVector(1, t.data.length, 16);
    for (let i = t.data.length - 1; i >= 0; i--) b.addInt8(t.data[i]);
    const data = b.endVector();
    b.startObject(3);
    b.addFieldOffset(0, data, 0);
    bufferOf.set(t.index, bufferTables.length);
    bufferTables.push(b.endObject());
  }

  const tensors = m.tensors.map((t) => {
    const name = b.createString(t.name);
    const shape = ints(t.shape);
    let quant = 0;
    if (t.quant) {
      const scale = floats(t.quant.scale);
      const zp = longs(t.quant.zeroPoint.length ? t.quant.zeroPoint : t.quant.scale.map(() => 0));
      b.startObject(7);
      b.addFieldOffset(2, scale, 0);
      b.addFieldOffset(3, zp, 0);
      b.addFieldInt32(6, t.quant.axis, 0);
      quant = b.endObject();
    }
    b.startObject(8);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, TENSOR_TYPE_CODES.indexOf(t.type), 0);
    b.addFieldInt32(2, bufferOf.get(t.index) ?? 0, 0);
    b.addFieldOffset(3, name, 0);
    if (quant) b.addFieldOffset(4, quant, 0);
    return b.endObject();
  });

  const codes: { code: number; custom?: string }[] = [];
  const codeIndex = (code: number, custom?: string): number => {
    let i = codes.findIndex((c) => c.code === code && c.custom === custom);
    if (i < 0) { i = codes.length; codes.push({ code, custom }); }
    return i;
  };
  const ops = m.ops.map((op) => {
    const table = OPTIONS[op.code];
    let options = 0;
    if (table) {
      const vectors = table.fields.map(([name, kind]) => (kind === 'ints' ? ints((op.options[name] as number[] | undefined) ?? []) : 0));
      b.startObject(table.fields.length);
      table.fields.forEach(([name, kind, dflt], slot) => {
        const v = op.options[name];
        if (kind === 'ints') { b.addFieldOffset(slot, vectors[slot], 0); return; }
        const n = typeof v === 'number' ? v : dflt;
        if (kind === 'float') b.addFieldFloat32(slot, n, 0);
        else if (kind === 'int') b.addFieldInt32(slot, n, 0);
        else b.addFieldInt8(slot, n, 0);
      });
      options = b.endObject();
    }
    const inputs = ints(op.inputs);
    const outputs = ints(op.outputs);
    b.startObject(5);
    b.addFieldInt32(0, codeIndex(op.code, op.customCode), 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    if (table) { b.addFieldInt8(3, table.union, 0); b.addFieldOffset(4, options, 0); }
    return b.endObject();
  });

  const sgName = b.createString('main');
  const sgTensors = tables(tensors), sgInputs = ints(m.inputs), sgOutputs = ints(m.outputs), sgOps = tables(ops);
  b.startObject(5);
  b.addFieldOffset(0, sgTensors, 0);
  b.addFieldOffset(1, sgInputs, 0);
  b.addFieldOffset(2, sgOutputs, 0);
  b.addFieldOffset(3, sgOps, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();

  const opcodeTables = codes.map((c) => {
    const custom = c.custom ? b.createString(c.custom) : 0;
    b.startObject(4);
    b.addFieldInt8(0, Math.min(c.code, 127), 0);
    if (custom) b.addFieldOffset(1, custom, 0);
    b.addFieldInt32(2, OP_VERSION[c.code] ?? 2, 1);
    b.addFieldInt32(3, c.code, 0);
    return b.endObject();
  });
  const description = b.createString(m.description);
  const opcodes = tables(opcodeTables), subgraphs = tables([subgraph]), buffers = tables(bufferTables);
  b.startObject(5);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, opcodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffers, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array();
}
