// .tflite bytes -> the model's tables as plain data (tensors, ops with their options, buffers),
// or located problems. Reads through the `flatbuffers` runtime's ByteBuffer with table accessors
// declared by hand from the schema facts (../shared/reference/model-formats.md, section 1-3).
// Every offset is checked against the file before it is followed, and every vector length against
// the bytes left, so a damaged file is a problem naming what broke where, never an exception or a
// loop over a made-up length. What the model means (which ops TinyTrain supports) is lower.ts's job.

import { ByteBuffer } from 'flatbuffers';

export type TfliteType =
  | 'float32' | 'float16' | 'int32' | 'uint8' | 'int64' | 'string' | 'bool' | 'int16' | 'complex64' | 'int8'
  | 'float64' | 'complex128' | 'uint64' | 'resource' | 'variant' | 'uint32' | 'uint16' | 'int4' | 'bfloat16';

const TENSOR_TYPES: TfliteType[] = [
  'float32', 'float16', 'int32', 'uint8', 'int64', 'string', 'bool', 'int16', 'complex64', 'int8',
  'float64', 'complex128', 'uint64', 'resource', 'variant', 'uint32', 'uint16', 'int4', 'bfloat16',
];

/** Builtin operator names by code (the schema's BuiltinOperator enum, 0..117). */
export const BUILTIN_OPS: readonly string[] = [
  'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEPTH_TO_SPACE', 'DEQUANTIZE',
  'EMBEDDING_LOOKUP', 'FLOOR', 'FULLY_CONNECTED', 'HASHTABLE_LOOKUP', 'L2_NORMALIZATION', 'L2_POOL_2D',
  'LOCAL_RESPONSE_NORMALIZATION', 'LOGISTIC', 'LSH_PROJECTION', 'LSTM', 'MAX_POOL_2D', 'MUL', 'RELU',
  'RELU_N1_TO_1', 'RELU6', 'RESHAPE', 'RESIZE_BILINEAR', 'RNN', 'SOFTMAX', 'SPACE_TO_DEPTH', 'SVDF', 'TANH',
  'CONCAT_EMBEDDINGS', 'SKIP_GRAM', 'CALL', 'CUSTOM', 'EMBEDDING_LOOKUP_SPARSE', 'PAD',
  'UNIDIRECTIONAL_SEQUENCE_RNN', 'GATHER', 'BATCH_TO_SPACE_ND', 'SPACE_TO_BATCH_ND', 'TRANSPOSE', 'MEAN', 'SUB',
  'DIV', 'SQUEEZE', 'UNIDIRECTIONAL_SEQUENCE_LSTM', 'STRIDED_SLICE', 'BIDIRECTIONAL_SEQUENCE_RNN', 'EXP',
  'TOPK_V2', 'SPLIT', 'LOG_SOFTMAX', 'DELEGATE', 'BIDIRECTIONAL_SEQUENCE_LSTM', 'CAST', 'PRELU', 'MAXIMUM',
  'ARG_MAX', 'MINIMUM', 'LESS', 'NEG', 'PADV2', 'GREATER', 'GREATER_EQUAL', 'LESS_EQUAL', 'SELECT', 'SLICE',
  'SIN', 'TRANSPOSE_CONV', 'SPARSE_TO_DENSE', 'TILE', 'EXPAND_DIMS', 'EQUAL', 'NOT_EQUAL', 'LOG', 'SUM', 'SQRT',
  'RSQRT', 'SHAPE', 'POW', 'ARG_MIN', 'FAKE_QUANT', 'REDUCE_PROD', 'REDUCE_MAX', 'PACK', 'LOGICAL_OR', 'ONE_HOT',
  'LOGICAL_AND', 'LOGICAL_NOT', 'UNPACK', 'REDUCE_MIN', 'FLOOR_DIV', 'REDUCE_ANY', 'SQUARE', 'ZEROS_LIKE', 'FILL',
  'FLOOR_MOD', 'RANGE', 'RESIZE_NEAREST_NEIGHBOR', 'LEAKY_RELU', 'SQUARED_DIFFERENCE', 'MIRROR_PAD', 'ABS',
  'SPLIT_V', 'UNIQUE', 'CEIL', 'REVERSE_V2', 'ADD_N', 'GATHER_ND', 'COS', 'WHERE', 'RANK', 'ELU',
  'REVERSE_SEQUENCE', 'MATRIX_DIAG', 'QUANTIZE', 'MATRIX_SET_DIAG', 'ROUND', 'HARD_SWISH',
];

export const TENSOR_TYPE_CODES: readonly TfliteType[] = TENSOR_TYPES;

export const opName = (code: number): string => BUILTIN_OPS[code] ?? `builtin op ${code}`;

export const OP = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6,
  FULLY_CONNECTED: 9, LOGISTIC: 14, MAX_POOL_2D: 17, MUL: 18, RELU: 19, RELU6: 21, RESHAPE: 22, SOFTMAX: 25,
  CUSTOM: 32, PAD: 34, TRANSPOSE: 39, MEAN: 40, SQUEEZE: 43, STRIDED_SLICE: 45, PADV2: 60, QUANTIZE: 114, HARD_SWISH: 117,
} as const;

export interface TfliteQuant {
  scale: number[];
  zeroPoint: number[];
  /** quantized_dimension: the axis the per-channel scales run along. */
  axis: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: TfliteType;
  quant?: TfliteQuant;
  /** The constant's bytes (little-endian, row-major), when the tensor has a non-empty buffer. */
  data?: Uint8Array;
}

/** Builtin options by field name, as the schema names them (padding, stride_w, ...). */
export type TfliteOptions = Record<string, number | number[]>;

export interface TfliteOp {
  /** Position in the subgraph's operator list (execution order). */
  index: number;
  code: number;
  name: string;
  /** Custom op name when code is CUSTOM. */
  customCode?: string;
  /** Tensor indices; -1 = an omitted optional input. */
  inputs: number[];
  outputs: number[];
  options: TfliteOptions;
}

export interface TfliteModel {
  version: number;
  description: string;
  tensors: TfliteTensor[];
  ops: TfliteOp[];
  inputs: number[];
  outputs: number[];
  subgraphCount: number;
}

/** A problem in a model file: what, and where (op index, tensor index, byte offset) when known. */
export interface ImportProblem {
  message: string;
  code: string;
  op?: number;
  tensor?: number;
}

class Malformed extends Error {}

// Field kinds of an options table, by slot.
export type FieldKind = 'byte' | 'ubyte' | 'bool' | 'int' | 'float' | 'ints';
export interface OptionsTable { union: number; fields: [name: string, kind: FieldKind, dflt: number][] }

const CONV: OptionsTable = { union: 1, fields: [['padding', 'byte', 0], ['stride_w', 'int', 0], ['stride_h', 'int', 0], ['fused_activation_function', 'byte', 0], ['dilation_w_factor', 'int', 1], ['dilation_h_factor', 'int', 1]] };
const DEPTHWISE: OptionsTable = { union: 2, fields: [['padding', 'byte', 0], ['stride_w', 'int', 0], ['stride_h', 'int', 0], ['depth_multiplier', 'int', 0], ['fused_activation_function', 'byte', 0], ['dilation_w_factor', 'int', 1], ['dilation_h_factor', 'int', 1]] };
const POOL: OptionsTable = { union: 5, fields: [['padding', 'byte', 0], ['stride_w', 'int', 0], ['stride_h', 'int', 0], ['filter_width', 'int', 0], ['filter_height', 'int', 0], ['fused_activation_function', 'byte', 0]] };

/** The options table each op reads (ops not listed have none TinyTrain needs). */
export const OPTIONS: Partial<Record<number, OptionsTable>> = {
  [OP.CONV_2D]: CONV,
  [OP.DEPTHWISE_CONV_2D]: DEPTHWISE,
  [OP.AVERAGE_POOL_2D]: POOL,
  [OP.MAX_POOL_2D]: POOL,
  [OP.FULLY_CONNECTED]: { union: 8, fields: [['fused_activation_function', 'byte', 0], ['weights_format', 'byte', 0], ['keep_num_dims', 'bool', 0]] },
  [OP.SOFTMAX]: { union: 9, fields: [['beta', 'float', 0]] },
  [OP.CONCATENATION]: { union: 10, fields: [['axis', 'int', 0], ['fused_activation_function', 'byte', 0]] },
  [OP.ADD]: { union: 11, fields: [['fused_activation_function', 'byte', 0]] },
  [OP.MUL]: { union: 21, fields: [['fused_activation_function', 'byte', 0]] },
  [OP.RESHAPE]: { union: 17, fields: [['new_shape', 'ints', 0]] },
  [OP.MEAN]: { union: 27, fields: [['keep_dims', 'bool', 0]] },
  [OP.SQUEEZE]: { union: 30, fields: [['squeeze_dims', 'ints', 0]] },
};

/** Bounds-checked reads over the flatbuffers ByteBuffer: every position is inside the file. */
class Reader {
  readonly bb: ByteBuffer;
  readonly size: number;
  constructor(bytes: Uint8Array) {
    this.bb = new ByteBuffer(bytes);
    this.size = bytes.length;
  }

  need(pos: number, len: number, what: string): void {
    if (!Number.isInteger(pos) || pos < 0 || len < 0 || pos + len > this.size) {
      throw new Malformed(`${what} at byte ${pos} runs past the end of the file (${this.size} bytes)`);
    }
  }

  /** Checks a table at `pos` and its vtable; returns pos. */
  table(pos: number, what: string): number {
    this.need(pos, 4, what);
    const vt = pos - this.bb.readInt32(pos);
    this.need(vt, 4, `${what}'s vtable`);
    const vtLen = this.bb.readUint16(vt);
    if (vtLen < 4 || vtLen % 2 !== 0) throw new Malformed(`${what}'s vtable at byte ${vt} has a bad length ${vtLen}`);
    this.need(vt, vtLen, `${what}'s vtable`);
    this.need(pos, this.bb.readUint16(vt + 2), what);
    return pos;
  }

  /** Byte position of field `slot` of the table at `t`, or 0 when absent. */
  field(t: number, slot: number, width: number, what: string): number {
    const o = this.bb.__offset(t, 4 + 2 * slot);
    if (o === 0) return 0;
    this.need(t + o, width, what);
    return t + o;
  }

  scalar(t: number, slot: number, kind: 'byte' | 'ubyte' | 'bool' | 'int' | 'uint' | 'float', dflt: number, what: string): number {
    const width = kind === 'int' || kind === 'uint' || kind === 'float' ? 4 : 1;
    const p = this.field(t, slot, width, what);
    if (p === 0) return dflt;
    switch (kind) {
      case 'byte': return this.bb.readInt8(p);
      case 'ubyte': return this.bb.readUint8(p);
      case 'bool': return this.bb.readUint8(p) ? 1 : 0;
      case 'int': return this.bb.readInt32(p);
      case 'uint': return this.bb.readUint32(p);
      case 'float': return this.bb.readFloat32(p);
    }
  }

  /** Position of the table a field refers to, or 0 when absent. */
  child(t: number, slot: number, what: string): number {
    const p = this.field(t, slot, 4, what);
    if (p === 0) return 0;
    return this.table(this.bb.__indirect(p), what);
  }

  /** [first element position, length] of a vector field, checked against the file; null when absent. */
  vector(t: number, slot: number, elemBytes: number, what: string): [number, number] | null {
    const p = this.field(t, slot, 4, what);
    if (p === 0) return null;
    const v = this.bb.__indirect(p);
    this.need(v, 4, what);
    const len = this.bb.__vector_len(p);
    if (len < 0 || len * elemBytes > this.size - v - 4) throw new Malformed(`${what}: a vector of ${len} elements at byte ${v} is longer than the file`);
    return [this.bb.__vector(p), len];
  }

  ints(t: number, slot: number, what: string): number[] {
    const v = this.vector(t, slot, 4, what);
    if (!v) return [];
    return Array.from({ length: v[1] }, (_, i) => this.bb.readInt32(v[0] + 4 * i));
  }

  floats(t: number, slot: number, what: string): number[] {
    const v = this.vector(t, slot, 4, what);
    if (!v) return [];
    return Array.from({ length: v[1] }, (_, i) => this.bb.readFloat32(v[0] + 4 * i));
  }

  longs(t: number, slot: number, what: string): number[] {
    const v = this.vector(t, slot, 8, what);
    if (!v) return [];
    return Array.from({ length: v[1] }, (_, i) => Number(this.bb.readInt64(v[0] + 8 * i)));
  }

  tables(t: number, slot: number, what: string): number[] {
    const v = this.vector(t, slot, 4, what);
    if (!v) return [];
    return Array.from({ length: v[1] }, (_, i) => this.table(this.bb.__indirect(v[0] + 4 * i), `${what}[${i}]`));
  }

  string(t: number, slot: number, what: string): string {
    const v = this.vector(t, slot, 1, what);
    if (!v) return '';
    return new TextDecoder('utf-8', { fatal: false }).decode(this.bb.bytes().subarray(v[0], v[0] + v[1]));
  }

  bytes(t: number, slot: number, what: string): Uint8Array | undefined {
    const v = this.vector(t, slot, 1, what);
    return v ? this.bb.bytes().subarray(v[0], v[0] + v[1]) : undefined;
  }
}

const MAX_RANK = 8;

/** Reads a .tflite file. Never throws: a damaged or unexpected file gives problems instead. */
export function readTflite(bytes: Uint8Array): { model?: TfliteModel; problems: ImportProblem[] } {
  if (bytes.length < 8) return { problems: [{ code: 'import-format', message: `not a .tflite file: ${bytes.length} bytes is too short for a FlatBuffer header` }] };
  const ident = String.fromCharCode(bytes[4], bytes[5], bytes[6], bytes[7]);
  if (ident !== 'TFL3') return { problems: [{ code: 'import-format', message: `not a .tflite file: the FlatBuffer identifier is "${ident.replace(/[^\x20-\x7e]/g, '?')}", expected "TFL3"` }] };
  try {
    return readModel(new Reader(bytes));
  } catch (err) {
    if (err instanceof Malformed) return { problems: [{ code: 'import-format', message: `damaged .tflite file: ${err.message}` }] };
    throw err;
  }
}

function readModel(r: Reader): { model?: TfliteModel; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const m = r.table(r.bb.readUint32(0), 'the Model table');
  const version = r.scalar(m, 0, 'uint', 0, 'Model.version');
  const opcodes = r.tables(m, 1, 'Model.operator_codes').map((oc, i) => {
    const deprecated = r.scalar(oc, 0, 'byte', 0, `operator_codes[${i}]`);
    const builtin = r.scalar(oc, 3, 'int', 0, `operator_codes[${i}]`);
    const custom = r.string(oc, 1, `operator_codes[${i}].custom_code`);
    return { code: Math.max(deprecated, builtin), custom };
  });
  const subgraphs = r.tables(m, 2, 'Model.subgraphs');
  const description = r.string(m, 3, 'Model.description');
  const buffers = r.tables(m, 4, 'Model.buffers');
  if (subgraphs.length === 0) return { problems: [{ code: 'import-format', message: 'the .tflite file has no subgraph' }] };
  const sg = subgraphs[0];

  const bufferData = (index: number, tensor: number): Uint8Array | undefined => {
    if (index === 0) return undefined;
    if (index >= buffers.length) throw new Malformed(`tensor ${tensor} names buffer ${index}, but the file has ${buffers.length}`);
    const b = buffers[index];
    const inline = r.bytes(b, 0, `buffers[${index}].data`);
    if (inline && inline.length > 0) return inline;
    const offP = r.field(b, 1, 8, `buffers[${index}].offset`);
    const sizeP = r.field(b, 2, 8, `buffers[${index}].size`);
    if (offP === 0 || sizeP === 0) return undefined;
    const offset = Number(r.bb.readUint64(offP));
    const size = Number(r.bb.readUint64(sizeP));
    if (offset <= 1) return undefined;
    r.need(offset, size, `buffers[${index}] (external data)`);
    return r.bb.bytes().subarray(offset, offset + size);
  };

  const tensors: TfliteTensor[] = r.tables(sg, 0, 'SubGraph.tensors').map((t, index) => {
    const what = `tensor ${index}`;
    const shape = r.ints(t, 0, `${what}.shape`);
    if (shape.length > MAX_RANK) throw new Malformed(`${what} has rank ${shape.length} (more than ${MAX_RANK})`);
    const typeCode = r.scalar(t, 1, 'byte', 0, `${what}.type`);
    const type = TENSOR_TYPES[typeCode];
    if (type === undefined) throw new Malformed(`${what} has an unknown type code ${typeCode}`);
    const name = r.string(t, 3, `${what}.name`);
    const q = r.child(t, 4, `${what}.quantization`);
    let quant: TfliteQuant | undefined;
    if (q !== 0) {
      const scale = r.floats(q, 2, `${what}.quantization.scale`);
      const zeroPoint = r.longs(q, 3, `${what}.quantization.zero_point`);
      const axis = r.scalar(q, 6, 'int', 0, `${what}.quantization.quantized_dimension`);
      if (scale.length > 0) quant = { scale, zeroPoint, axis };
    }
    const data = bufferData(r.scalar(t, 2, 'uint', 0, `${what}.buffer`), index);
    return { index, name, shape, type, ...(quant ? { quant } : {}), ...(data ? { data } : {}) };
  });

  const checkTensorRefs = (list: number[], where: string, allowOmitted: boolean): void => {
    for (const t of list) {
      if ((t === -1 && allowOmitted) || (t >= 0 && t < tensors.length)) continue;
      throw new Malformed(`${where} refers to tensor ${t}, but the subgraph has ${tensors.length}`);
    }
  };
  const inputs = r.ints(sg, 1, 'SubGraph.inputs');
  const outputs = r.ints(sg, 2, 'SubGraph.outputs');
  checkTensorRefs(inputs, 'SubGraph.inputs', false);
  checkTensorRefs(outputs, 'SubGraph.outputs', false);

  const ops: TfliteOp[] = r.tables(sg, 3, 'SubGraph.operators').map((o, index) => {
    const what = `op ${index}`;
    const opcodeIndex = r.scalar(o, 0, 'uint', 0, `${what}.opcode_index`);
    const oc = opcodes[opcodeIndex];
    if (oc === undefined) throw new Malformed(`${what} uses operator code ${opcodeIndex}, but the file lists ${opcodes.length}`);
    const opInputs = r.ints(o, 1, `${what}.inputs`);
    const opOutputs = r.ints(o, 2, `${what}.outputs`);
    checkTensorRefs(opInputs, `${what} (${opName(oc.code)}) inputs`, true);
    checkTensorRefs(opOutputs, `${what} (${opName(oc.code)}) outputs`, false);
    const options: TfliteOptions = {};
    const table = OPTIONS[oc.code];
    if (table) {
      const unionType = r.scalar(o, 3, 'ubyte', 0, `${what}.builtin_options_type`);
      const opt = unionType === 0 ? 0 : r.child(o, 4, `${what}.builtin_options`);
      if (unionType !== 0 && unionType !== table.union) {
        problems.push({ code: 'import-format', op: index, message: `op ${index} (${opName(oc.code)}) carries options of union type ${unionType}, expected ${table.union}; its options are read as defaults` });
      }
      table.fields.forEach(([fieldName, kind, dflt], slot) => {
        if (opt === 0 || unionType !== table.union) { options[fieldName] = kind === 'ints' ? [] : dflt; return; }
        options[fieldName] = kind === 'ints' ? r.ints(opt, slot, `${what}.${fieldName}`) : r.scalar(opt, slot, kind, dflt, `${what}.${fieldName}`);
      });
    }
    return { index, code: oc.code, name: opName(oc.code), ...(oc.custom ? { customCode: oc.custom } : {}), inputs: opInputs, outputs: opOutputs, options };
  });

  return { model: { version, description, tensors, ops, inputs, outputs, subgraphCount: subgraphs.length }, problems };
}

/** A tensor's constant data as typed values (copied, so alignment never matters). */
export function tensorValues(t: TfliteTensor): Int8Array | Int32Array | Float32Array | Uint8Array | undefined {
  if (!t.data) return undefined;
  const copy = new Uint8Array(t.data); // a copy (a Buffer's slice would share memory)
  switch (t.type) {
    case 'int8': return new Int8Array(copy.buffer, 0, copy.length);
    case 'uint8': return copy;
    case 'int32': return copy.length % 4 === 0 ? new Int32Array(copy.buffer, 0, copy.length / 4) : undefined;
    case 'float32': return copy.length % 4 === 0 ? new Float32Array(copy.buffer, 0, copy.length / 4) : undefined;
    default: return undefined;
  }
}
