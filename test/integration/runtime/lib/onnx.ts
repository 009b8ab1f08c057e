// Minimal ONNX model builder on protobufjs (the subset of onnx.proto that the tests need;
// field numbers from onnx/onnx.proto, IR version 8).
import protobuf from 'protobufjs';

const ONNX_PROTO = `
syntax = "proto3";
package onnx;
message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5;
                       FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10; }
  string name = 1;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  AttributeType type = 20;
}
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  repeated AttributeProto attribute = 5;
  string domain = 7;
}
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message ModelProto {
  int64 ir_version = 1;
  string producer_name = 2;
  GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
}
message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  string name = 8;
  bytes raw_data = 9;
}
message TensorShapeProto {
  message Dimension { int64 dim_value = 1; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  Tensor tensor_type = 1;
}
`;

const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
const ModelProto = root.lookupType('onnx.ModelProto');

export const DT = { FLOAT: 1, INT8: 3, INT32: 6 } as const;
export type DataType = (typeof DT)[keyof typeof DT];

export interface TensorInit {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

function bytesOf(a: Float32Array | Int8Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

export function tF32(name: string, dims: number[], v: ArrayLike<number>): TensorInit {
  return { name, dims, data_type: DT.FLOAT, raw_data: bytesOf(Float32Array.from(v)) };
}
export function tI8(name: string, dims: number[], v: ArrayLike<number>): TensorInit {
  return { name, dims, data_type: DT.INT8, raw_data: bytesOf(Int8Array.from(v)) };
}
export function tI32(name: string, dims: number[], v: ArrayLike<number>): TensorInit {
  return { name, dims, data_type: DT.INT32, raw_data: bytesOf(Int32Array.from(v)) };
}

export type Attr = number | number[] | { f: number };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, Attr>;
  domain?: string;
}

function attrOf(name: string, v: Attr): Record<string, unknown> {
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  if (typeof v === 'number') return { name, type: 2, i: v };
  return { name, type: 1, f: v.f };
}

function valueInfo(name: string, elemType: number, dims: number[]): Record<string, unknown> {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => ({ dim_value: d })) } } },
  };
}

export interface GraphSpec {
  nodes: NodeSpec[];
  initializers: TensorInit[];
  inputs: { name: string; type: number; dims: number[] }[];
  outputs: { name: string; type: number; dims: number[] }[];
  opset?: number;
  msOpset?: boolean; // also import com.microsoft (contrib ops such as QLinearAdd)
}

export function buildModel(g: GraphSpec): Uint8Array {
  const opsets: Record<string, unknown>[] = [{ domain: '', version: g.opset ?? 13 }];
  if (g.msOpset) opsets.push({ domain: 'com.microsoft', version: 1 });
  const obj = {
    ir_version: 8,
    producer_name: 'tinytrain-kernel-tests',
    opset_import: opsets,
    graph: {
      name: 'g',
      node: g.nodes.map((n, i) => ({
        name: `n${i}`,
        op_type: n.op,
        input: n.inputs,
        output: n.outputs,
        domain: n.domain ?? '',
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attrOf(k, v)),
      })),
      initializer: g.initializers,
      input: g.inputs.map((v) => valueInfo(v.name, v.type, v.dims)),
      output: g.outputs.map((v) => valueInfo(v.name, v.type, v.dims)),
    },
  };
  const err = ModelProto.verify(obj);
  if (err) throw new Error('ONNX model: ' + err);
  return ModelProto.encode(ModelProto.fromObject(obj)).finish();
}
