// .onnx bytes -> the model's graph as plain data (nodes, initializers, inputs, outputs), or a
// problem. Decoded with protobufjs from a reflection schema of the onnx.proto subset TinyTrain
// reads, declared by hand from the field numbers in ../shared/reference/model-formats.md section 6.
// Unknown fields are skipped by the decoder; a damaged file is a problem, never an exception.
// What the graph means (which ops TinyTrain supports) is onnx-lower.ts's job.

import protobuf from 'protobufjs';
import type { ImportProblem } from './tflite.js';

const T = (fields: Record<string, [id: number, type: string, rule?: 'repeated']>): protobuf.INamespace & { fields: Record<string, protobuf.IField> } =>
  ({ fields: Object.fromEntries(Object.entries(fields).map(([name, [id, type, rule]]) => [name, { id, type, ...(rule ? { rule } : {}) }])) });

/** The onnx.proto subset, as a protobufjs JSON descriptor (shared with the tests' writer). */
export const ONNX_SCHEMA: protobuf.INamespace = {
  nested: {
    onnx: {
      nested: {
        ModelProto: T({ ir_version: [1, 'int64'], producer_name: [2, 'string'], graph: [7, 'GraphProto'], opset_import: [8, 'OperatorSetIdProto', 'repeated'] }),
        OperatorSetIdProto: T({ domain: [1, 'string'], version: [2, 'int64'] }),
        GraphProto: T({ node: [1, 'NodeProto', 'repeated'], name: [2, 'string'], initializer: [5, 'TensorProto', 'repeated'], input: [11, 'ValueInfoProto', 'repeated'], output: [12, 'ValueInfoProto', 'repeated'], value_info: [13, 'ValueInfoProto', 'repeated'] }),
        NodeProto: T({ input: [1, 'string', 'repeated'], output: [2, 'string', 'repeated'], name: [3, 'string'], op_type: [4, 'string'], attribute: [5, 'AttributeProto', 'repeated'], domain: [7, 'string'] }),
        AttributeProto: T({ name: [1, 'string'], f: [2, 'float'], i: [3, 'int64'], s: [4, 'bytes'], t: [5, 'TensorProto'], floats: [7, 'float', 'repeated'], ints: [8, 'int64', 'repeated'], type: [20, 'int32'] }),
        ValueInfoProto: T({ name: [1, 'string'], type: [2, 'TypeProto'] }),
        TypeProto: { ...T({ tensor_type: [1, 'Tensor'] }), nested: { Tensor: T({ elem_type: [1, 'int32'], shape: [2, 'TensorShapeProto'] }) } },
        TensorShapeProto: { ...T({ dim: [1, 'Dimension', 'repeated'] }), nested: { Dimension: T({ dim_value: [1, 'int64'], dim_param: [2, 'string'] }) } },
        TensorProto: T({ dims: [1, 'int64', 'repeated'], data_type: [2, 'int32'], float_data: [4, 'float', 'repeated'], int32_data: [5, 'int32', 'repeated'], int64_data: [7, 'int64', 'repeated'], name: [8, 'string'], raw_data: [9, 'bytes'], double_data: [10, 'double', 'repeated'], uint64_data: [11, 'uint64', 'repeated'], data_location: [14, 'int32'] }),
      },
    },
  },
};

export const onnxRoot = (): protobuf.Root => protobuf.Root.fromJSON(ONNX_SCHEMA);
const ModelProto = onnxRoot().lookupType('onnx.ModelProto');

/** TensorProto.DataType codes TinyTrain reads. */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
const DT_NAMES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64' };
export const dtName = (t: number): string => DT_NAMES[t] ?? `data type ${t}`;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** The values, row-major; undefined when the type is not one TinyTrain reads or the data is missing. */
  values?: Float32Array | Int32Array | Int8Array | Uint8Array | Float64Array;
}

export type OnnxAttr = { name: string; f?: number; i?: number; s?: string; t?: OnnxTensor; floats?: number[]; ints?: number[] };

export interface OnnxNode {
  index: number;
  name: string;
  opType: string;
  domain: string;
  /** Value names; '' = an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Map<string, OnnxAttr>;
}

export interface OnnxValue { name: string; elemType: number; shape: (number | string)[] }

export interface OnnxModel {
  irVersion: number;
  producer: string;
  /** Opset version by domain ('' = ai.onnx). */
  opsets: Map<string, number>;
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  inputs: OnnxValue[];
  outputs: OnnxValue[];
}

/** Elements a tensor may hold: bounds what a damaged dims list can make us allocate. */
const MAX_ELEMENTS = 1 << 26;

class Malformed extends Error {}

/* eslint-disable @typescript-eslint/no-explicit-any -- the decoder's plain objects */
function tensorOf(t: any, what: string): OnnxTensor {
  const name = String(t.name ?? '');
  const dims = (t.dims ?? []).map(Number) as number[];
  if (dims.length > 8 || dims.some((d) => !Number.isInteger(d) || d < 0)) throw new Malformed(`${what} ${JSON.stringify(name.slice(0, 60))} has dims [${dims.join(', ')}]`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_ELEMENTS) throw new Malformed(`${what} ${JSON.stringify(name.slice(0, 60))} has ${count} elements`);
  const dataType = Number(t.data_type ?? 0);
  if (Number(t.data_location ?? 0) === 1) throw new Malformed(`${what} ${JSON.stringify(name.slice(0, 60))} keeps its data in an external file; TinyTrain reads self-contained .onnx files`);
  const raw: Uint8Array | undefined = t.raw_data && t.raw_data.length ? new Uint8Array(t.raw_data) : undefined; // a copy: aligned
  const width: Record<number, number> = { [DT.FLOAT]: 4, [DT.UINT8]: 1, [DT.INT8]: 1, [DT.INT32]: 4, [DT.INT64]: 8 };
  const w = width[dataType];
  if (w === undefined) return { name, dims, dataType };
  let values: OnnxTensor['values'];
  if (raw) {
    if (raw.length !== count * w) throw new Malformed(`${what} ${JSON.stringify(name.slice(0, 60))} holds ${raw.length} bytes, its dims need ${count * w}`);
    const b = raw.buffer;
    values = dataType === DT.FLOAT ? new Float32Array(b) : dataType === DT.INT32 ? new Int32Array(b) : dataType === DT.INT8 ? new Int8Array(b) : dataType === DT.UINT8 ? raw
      : Float64Array.from(new BigInt64Array(b), Number);
  } else {
    const list: number[] = (dataType === DT.FLOAT ? t.float_data : dataType === DT.INT64 ? t.int64_data : t.int32_data) ?? [];
    if (list.length === 0 && count > 0) return { name, dims, dataType };
    if (list.length !== count) throw new Malformed(`${what} ${JSON.stringify(name.slice(0, 60))} holds ${list.length} values, its dims need ${count}`);
    const nums = list.map(Number);
    values = dataType === DT.FLOAT ? Float32Array.from(nums) : dataType === DT.INT32 ? Int32Array.from(nums) : dataType === DT.INT8 ? Int8Array.from(nums) : dataType === DT.UINT8 ? Uint8Array.from(nums) : Float64Array.from(nums);
  }
  return { name, dims, dataType, values };
}

function valueOf(v: any): OnnxValue {
  const tt = v.type?.tensor_type;
  return { name: String(v.name ?? ''), elemType: Number(tt?.elem_type ?? 0), shape: (tt?.shape?.dim ?? []).map((d: any) => (d.dim_param ? String(d.dim_param) : Number(d.dim_value ?? 0))) };
}

/** Reads an .onnx file. Never throws: a damaged or unexpected file gives a problem instead. */
export function readOnnx(bytes: Uint8Array): { model?: OnnxModel; problems: ImportProblem[] } {
  const bad = (message: string): { problems: ImportProblem[] } => ({ problems: [{ code: 'import-format', message }] });
  let m: any;
  try {
    m = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, defaults: false, arrays: true });
  } catch (err) {
    return bad(`damaged .onnx file: ${(err as Error).message}`);
  }
  try {
    if (!m.graph) return bad('not an .onnx model: it has no graph (field 7 of ModelProto)');
    const g = m.graph;
    const nodes: OnnxNode[] = (g.node ?? []).map((n: any, index: number) => ({
      index, name: String(n.name ?? ''), opType: String(n.op_type ?? ''), domain: String(n.domain ?? ''),
      inputs: (n.input ?? []).map(String), outputs: (n.output ?? []).map(String),
      attrs: new Map((n.attribute ?? []).map((a: any) => [String(a.name ?? ''), {
        name: String(a.name ?? ''),
        ...(a.f !== undefined ? { f: Number(a.f) } : {}), ...(a.i !== undefined ? { i: Number(a.i) } : {}),
        ...(a.s !== undefined ? { s: new TextDecoder().decode(a.s) } : {}),
        ...(a.t !== undefined ? { t: tensorOf(a.t, `node ${index} attribute ${a.name}`) } : {}),
        ...(a.floats?.length ? { floats: a.floats.map(Number) } : {}), ...(a.ints?.length ? { ints: a.ints.map(Number) } : {}),
      } satisfies OnnxAttr])),
    }));
    const initializers = new Map<string, OnnxTensor>();
    for (const t of g.initializer ?? []) { const x = tensorOf(t, 'initializer'); initializers.set(x.name, x); }
    const opsets = new Map<string, number>((m.opset_import ?? []).map((o: any) => [String(o.domain ?? ''), Number(o.version ?? 0)]));
    return {
      model: { irVersion: Number(m.ir_version ?? 0), producer: String(m.producer_name ?? ''), opsets, nodes, initializers, inputs: (g.input ?? []).map(valueOf), outputs: (g.output ?? []).map(valueOf) },
      problems: [],
    };
  } catch (err) {
    if (err instanceof Malformed) return bad(`damaged .onnx file: ${err.message}`);
    throw err;
  }
}
