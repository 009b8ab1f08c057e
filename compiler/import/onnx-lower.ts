// An .onnx graph (QDQ or QLinear form) -> the same int8 tables a .tflite file gives (NHWC
// tensors, CONV_2D / DEPTHWISE_CONV_2D / PAD / ADD / AVERAGE_POOL_2D / RESHAPE /
// FULLY_CONNECTED / SOFTMAX / QUANTIZE / DEQUANTIZE ops), which lower.ts turns into the network
// IR: one IR builder for both formats, so conv numbering and checks are the same.
//
// QDQ: DequantizeLinear(int8) -> float op (-> Relu / Clip) -> QuantizeLinear is one int8 op.
// QLinearConv / QLinearMatMul / QLinearAdd (com.microsoft) are int8 ops as they stand; their
// output clamps by saturation only, which is a fused RELU exactly when the output zero point is
// -128 (so RELU is what the table says then: the same forward, and the right gradient mask).
// NCHW becomes NHWC: Conv weights [M, C, KH, KW] -> OHWI, depthwise [C, 1, KH, KW] -> [1, KH, KW, C];
// explicit pads become a PAD before a VALID conv. uint8 activations map exactly to int8 with the
// zero point shifted by -128. Each op a table op comes from keeps its ONNX node's index, and its
// name says the node's op_type and name, so lower.ts's problems name the node.

import { oneLine } from '../codegen/text.js';
import { lowerTflite, type ImportedModel } from './lower.js';
import { DT, dtName, type OnnxModel, type OnnxNode, type OnnxTensor, readOnnx } from './onnx.js';
import { type ImportProblem, OP, type TfliteModel, type TfliteOp, type TfliteQuant, type TfliteTensor } from './tflite.js';

export const ONNX_SUPPORTED = 'QLinearConv, QLinearMatMul, QLinearAdd (com.microsoft; with a constant: the bias of a MatMul), QuantizeLinear / DequantizeLinear around Conv, Gemm, MatMul, Add (of a constant: the bias of a MatMul), Relu, Clip (0..6), GlobalAveragePool, AveragePool (global), ReduceMean (H, W), Reshape, Flatten, Squeeze, Softmax; Constant, Identity';

class Unsupported extends Error {
  constructor(readonly problem: ImportProblem) { super(problem.message); }
}

const quoted = (s: string): string => JSON.stringify(oneLine(s, 60));

/** Reads and lowers an .onnx file. Never throws. */
export function importOnnx(bytes: Uint8Array): { model?: ImportedModel; problems: ImportProblem[] } {
  const read = readOnnx(bytes);
  if (!read.model) return { problems: read.problems };
  let tables: TfliteModel;
  try {
    tables = new Tables(read.model).run();
  } catch (err) {
    if (err instanceof Unsupported) return { problems: [err.problem] };
    throw err;
  }
  return lowerTflite(tables, 'half-even');
}

/** An int8 activation in the tables, with its ONNX layout. */
interface QValue { tensor: number; nchw: boolean }
/** A float value in a QDQ graph: a dequantized activation, or a float op waiting for its QuantizeLinear. */
type FValue =
  | { kind: 'dq'; q: QValue }
  | { kind: 'op'; node: OnnxNode; code: number; inputs: (QValue | number)[]; options: Record<string, number | number[]>; shape: number[]; nchw: boolean; act: number; foldBias?: { x: QValue; name: string; bias: DQConst } };
/** A dequantized constant: the int8 / int32 data with its scales. */
interface DQConst { t: OnnxTensor; quant: TfliteQuant }

class Tables {
  private readonly tensors: TfliteTensor[] = [];
  private readonly ops: TfliteOp[] = [];
  private readonly q = new Map<string, QValue>();
  private readonly f = new Map<string, FValue>();
  private readonly dq = new Map<string, DQConst>();
  private readonly consts = new Map<string, OnnxTensor>();
  private node?: OnnxNode;
  private inputs: number[] = [];
  private outputs: number[] = [];

  constructor(private readonly m: OnnxModel) {
    for (const [k, v] of m.initializers) this.consts.set(k, v);
  }

  private fail(message: string, code = 'import-unsupported'): never {
    const n = this.node;
    const at = n ? `node ${n.index} ${quoted(n.name)} (${n.domain ? `${n.domain}.` : ''}${n.opType})` : 'the model';
    throw new Unsupported({ code, message: `${at}: ${message}`, ...(n ? { op: n.index } : {}) });
  }

  private add(t: Omit<TfliteTensor, 'index'>): number {
    this.tensors.push({ ...t, index: this.tensors.length });
    return this.tensors.length - 1;
  }

  private emit(code: number, inputs: number[], outputs: number[], options: Record<string, number | number[]> = {}): void {
    const n = this.node!;
    this.ops.push({ index: n.index, code, name: `${n.opType}${n.name ? ` ${quoted(n.name)}` : ''}`, inputs, outputs, options });
  }

  private constant(name: string, what: string): OnnxTensor {
    const t = this.consts.get(name);
    if (!t) this.fail(`its ${what} ${quoted(name)} is not a constant (an initializer or a Constant node)`);
    if (!t.values) this.fail(`its ${what} ${quoted(name)} is ${dtName(t.dataType)} or has no data; expected float32, int8, uint8, int32 or int64`, 'import-format');
    return t;
  }

  /** Scale and zero point (inputs `si`, `zi` of the node): per-tensor or along `axis`; uint8 shifted to int8. */
  private quantOf(si: number, zi: number, axis: number): { quant: TfliteQuant; type: number } {
    const n = this.node!;
    const s = this.constant(n.inputs[si] ?? '', 'scale');
    if (s.dataType !== DT.FLOAT) this.fail(`its scale is ${dtName(s.dataType)}; expected float32`, 'import-format');
    const zname = n.inputs[zi] ?? '';
    const z = zname ? this.constant(zname, 'zero point') : undefined;
    const type = z?.dataType ?? DT.UINT8; // ONNX: no zero point means uint8, zero point 0
    if (type !== DT.INT8 && type !== DT.UINT8 && !(type === DT.INT32 && this.consts.get(n.inputs[0])?.dataType === DT.INT32)) this.fail(`its zero point is ${dtName(type)}; TinyTrain imports int8 (or uint8 activations)`);
    const shift = type === DT.UINT8 ? -128 : 0;
    const scale = Array.from(s.values!, Number);
    const zp = z ? Array.from(z.values!, (v) => Number(v) + shift) : scale.map(() => shift);
    if (zp.length !== scale.length) this.fail(`has ${scale.length} scales and ${zp.length} zero points`, 'import-format');
    return { quant: { scale, zeroPoint: zp, axis }, type };
  }

  private qin(name: string): QValue {
    const v = this.q.get(name);
    if (!v) {
      if (this.f.has(name)) this.fail(`reads the float value ${quoted(name)}; TinyTrain imports int8 graphs, where a QuantizeLinear follows every float op`);
      this.fail(`input ${quoted(name)} is not an int8 activation of the graph`);
    }
    return v;
  }

  private nhwc(dims: number[]): number[] { return dims.length === 4 ? [dims[0], dims[2], dims[3], dims[1]] : dims; }
  private shapeOf(v: QValue): number[] { return this.tensors[v.tensor].shape; }

  private attrInts(name: string, dflt: number[]): number[] { return this.node!.attrs.get(name)?.ints ?? dflt; }
  private attrInt(name: string, dflt: number): number { return this.node!.attrs.get(name)?.i ?? dflt; }

  private checkAttrs(known: string[]): void {
    for (const a of this.node!.attrs.keys()) if (!known.includes(a)) this.fail(`attribute ${quoted(a)} is not supported; TinyTrain reads ${known.length ? known.join(', ') : 'no attributes'} on ${this.node!.opType}`);
  }

  run(): TfliteModel {
    const { m } = this;
    const realInputs = m.inputs.filter((v) => !this.consts.has(v.name));
    if (realInputs.length !== 1) this.fail(`has ${realInputs.length} inputs; TinyTrain imports models with one input`);
    if (m.outputs.length !== 1) this.fail(`has ${m.outputs.length} outputs; TinyTrain imports models with one output`);
    const inp = realInputs[0];
    let dims = inp.shape.map((d, i) => (typeof d === 'number' && d > 0 ? d : i === 0 ? 1 : NaN));
    // A 1-D model ([1, C, T], Conv1d): the 2-D tables' [1, T, 1, C], every conv 1 wide.
    this.oneD = dims.length === 3;
    if (this.oneD) dims = [...dims, 1];
    if (dims.length !== 4 || dims.some((d) => !(d >= 1))) this.fail(`its input ${quoted(inp.name)} has shape [${inp.shape.join(', ')}]; TinyTrain imports an NCHW input [1, C, H, W], or [1, C, T] for a 1-D model`);
    if (inp.elemType === DT.FLOAT) {
      this.inputs = [this.add({ name: inp.name, shape: this.nhwc(dims), type: 'float32' })];
      this.f.set(inp.name, { kind: 'dq', q: { tensor: this.inputs[0], nchw: true } });
      this.floatInput = inp.name;
    } else if (inp.elemType === DT.INT8 || inp.elemType === DT.UINT8) {
      this.pendingInput = { name: inp.name, dims };
    } else this.fail(`its input ${quoted(inp.name)} is ${dtName(inp.elemType)}; TinyTrain imports float32 (quantized inside), int8 or uint8 inputs`);

    for (const node of m.nodes) {
      this.node = node;
      if (node.domain && node.domain !== 'ai.onnx' && node.domain !== 'com.microsoft') this.fail(`domain ${quoted(node.domain)} is not supported; TinyTrain imports ${ONNX_SUPPORTED}`);
      this.visit(node);
    }
    this.node = undefined;
    const out = m.outputs[0].name;
    const o = this.q.get(out) ?? this.finalDq.get(out);
    if (o === undefined) this.fail(`its output ${quoted(out)} is not an int8 tensor (or a DequantizeLinear of one) that the graph computes`);
    this.outputs = [typeof o === 'number' ? o : o.tensor];
    if (this.inputs.length === 0) this.fail(`its input ${quoted(inp.name)} is not read by a QLinear op or DequantizeLinear`);
    return { version: 3, description: m.producer, tensors: this.tensors, ops: this.ops, inputs: this.inputs, outputs: this.outputs, subgraphCount: 1 };
  }

  private floatInput?: string;
  /** The input is [1, C, T]: convs are 1-D (weights [M, C, K]; kernel_shape, strides, dilations one value; pads two). */
  private oneD = false;
  private pendingInput?: { name: string; dims: number[] };
  private readonly finalDq = new Map<string, number>();

  /** The int8 graph input gets its quantization from the first node that reads it. */
  private inputQ(name: string, si: number, zi: number): void {
    if (this.pendingInput?.name !== name) return;
    const { quant } = this.quantOf(si, zi, 0);
    this.inputs = [this.add({ name, shape: this.nhwc(this.pendingInput.dims), type: 'int8', quant })];
    this.q.set(name, { tensor: this.inputs[0], nchw: true });
    this.pendingInput = undefined;
  }

  private visit(n: OnnxNode): void {
    const op = n.opType;
    if (op.startsWith('QLinear')) this.inputQ(n.inputs[0], 1, 2);
    switch (op) {
      case 'Constant': {
        const t = n.attrs.get('value')?.t;
        if (!t) this.fail('has no tensor attribute "value"; TinyTrain reads Constant nodes holding a tensor');
        this.consts.set(n.outputs[0], { ...t, name: n.outputs[0] });
        return;
      }
      case 'DequantizeLinear': return this.dequantize(n);
      case 'QuantizeLinear': return this.quantize(n);
      case 'QLinearConv': return this.qlinearConv(n);
      case 'QLinearMatMul': return this.qlinearMatMul(n);
      case 'Identity': this.checkAttrs([]); this.q.set(n.outputs[0], this.qin(n.inputs[0])); return;
      case 'QLinearAdd': {
        if (n.domain !== 'com.microsoft') break;
        this.checkAttrs([]);
        // A constant operand is a Dense layer's bias after its QLinearMatMul (ONNX Runtime's quantizer
        // writes MatMul + Add so): folded into the classifier.
        const c = [0, 3].find((i) => this.consts.has(n.inputs[i]));
        if (c !== undefined) {
          const x = this.qin(n.inputs[3 - c]);
          const bias = { t: this.constant(n.inputs[c], 'bias'), quant: this.quantOf(c + 1, c + 2, 0).quant };
          this.q.set(n.outputs[0], this.foldFcBias(x, n.inputs[3 - c], bias, this.quantOf(6, 7, 0).quant, this.saturatingRelu(7)));
          return;
        }
        const a = this.qin(n.inputs[0]), b = this.qin(n.inputs[3]);
        this.qout(OP.ADD, [a.tensor, b.tensor], this.shapeOf(a), a.nchw, 6, 7, { fused_activation_function: this.saturatingRelu(7) });
        return;
      }
      case 'Reshape': case 'Flatten': case 'Squeeze': {
        const src = this.q.get(n.inputs[0]);
        if (src) { this.reshape(src, n.outputs[0]); return; }
        break; // a float reshape in QDQ form: below
      }
      default: break;
    }
    const FLOAT_OPS = ['Conv', 'Gemm', 'MatMul', 'Add', 'Relu', 'Clip', 'GlobalAveragePool', 'AveragePool', 'ReduceMean', 'Reshape', 'Flatten', 'Squeeze', 'Softmax'];
    if (!FLOAT_OPS.includes(op) || (n.domain && n.domain !== 'ai.onnx')) this.fail(`is not supported; TinyTrain imports ${ONNX_SUPPORTED}`);
    this.floatOp(n);
  }

  private dequantize(n: OnnxNode): void {
    this.checkAttrs(['axis']);
    const x = n.inputs[0];
    this.inputQ(x, 1, 2);
    const c = this.consts.get(x);
    if (c) {
      const { quant } = this.quantOf(1, 2, this.attrInt('axis', 1));
      if (c.dataType !== DT.INT8 && c.dataType !== DT.INT32) this.fail(`dequantizes a ${dtName(c.dataType)} constant; TinyTrain imports int8 weights and int32 biases`, c.dataType === DT.FLOAT ? 'import-float' : 'import-unsupported');
      this.dq.set(n.outputs[0], { t: this.constant(x, 'data'), quant });
      return;
    }
    const q = this.qin(x);
    const { quant } = this.quantOf(1, 2, 0);
    const t = this.tensors[q.tensor].quant!;
    if (quant.scale.length !== 1 || quant.scale[0] !== t.scale[0] || quant.zeroPoint[0] !== t.zeroPoint[0]) this.fail(`dequantizes ${quoted(x)} with a scale or zero point other than its own`, 'import-format');
    this.f.set(n.outputs[0], { kind: 'dq', q });
    // A DequantizeLinear that is the graph's output is the model's DEQUANTIZE.
    if (this.m.outputs[0]?.name === n.outputs[0]) {
      const out = this.add({ name: n.outputs[0], shape: this.shapeOf(q), type: 'float32' });
      this.emit(OP.DEQUANTIZE, [q.tensor], [out]);
      this.finalDq.set(n.outputs[0], out);
    }
  }

  /** An int8 output of the current node: quantization from inputs si, zi; returns the tables tensor. */
  private qout(code: number, inputs: number[], shape: number[], nchw: boolean, si: number, zi: number, options: Record<string, number | number[]>): number {
    const { quant } = this.quantOf(si, zi, 0);
    if (quant.scale.length !== 1) this.fail('has a per-axis output scale; activations are quantized per tensor', 'import-format');
    const name = this.node!.outputs[0];
    const t = this.add({ name, shape, type: 'int8', quant });
    this.emit(code, inputs, [t], options);
    this.q.set(name, { tensor: t, nchw });
    return t;
  }

  private quantize(n: OnnxNode): void {
    this.checkAttrs(['axis', 'saturate']);
    const x = n.inputs[0];
    if (x === this.floatInput) {
      this.qout(OP.QUANTIZE, [this.inputs[0]], this.tensors[this.inputs[0]].shape, true, 1, 2, {});
      return;
    }
    const fv = this.f.get(x);
    if (!fv) this.fail(`quantizes ${quoted(x)}, which is not a float value the graph computes`);
    if (fv.kind === 'dq') this.fail(`requantizes ${quoted(x)} (DequantizeLinear then QuantizeLinear); TinyTrain imports a float op between them`);
    if (fv.foldBias) {
      const { quant } = this.quantOf(1, 2, 0);
      const saved = this.node;
      this.node = fv.node;
      this.q.set(n.outputs[0], this.foldFcBias(fv.foldBias.x, fv.foldBias.name, fv.foldBias.bias, quant, fv.act));
      this.node = saved;
      return;
    }
    const saved = this.node;
    this.node = fv.node; // the problem and the table op belong to the float op
    const inputs = fv.inputs.map((v) => (typeof v === 'number' ? v : v.tensor));
    this.node = saved;
    const { quant } = this.quantOf(1, 2, 0);
    if (quant.scale.length !== 1) this.fail('has a per-axis scale; activations are quantized per tensor', 'import-format');
    const t = this.add({ name: n.outputs[0], shape: fv.shape, type: 'int8', quant });
    this.node = fv.node;
    this.emit(fv.code, inputs, [t], { ...fv.options, fused_activation_function: fv.act });
    this.node = saved;
    this.q.set(n.outputs[0], { tensor: t, nchw: fv.nchw });
  }

  /** A constant int8 tensor (with its scales) in the tables. */
  private constTensor(name: string, values: Int8Array | Int32Array, shape: number[], type: 'int8' | 'int32', quant?: TfliteQuant): number {
    return this.add({ name, shape, type, ...(quant ? { quant } : {}), data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
  }

  /** Conv geometry shared by Conv and QLinearConv: [input tensor (maybe PAD-ed), filter, bias, out shape, options]. */
  private convTables(x: QValue, w: { t: OnnxTensor; quant: TfliteQuant }, b: Int32Array | undefined): { inputs: number[]; shape: number[]; code: number } {
    this.checkAttrs(['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
    if (!x.nchw) this.fail('reads a flattened tensor; TinyTrain imports convs on NCHW feature maps');
    const [, h, wd, c] = this.shapeOf(x);
    const wt = w.t;
    const rank = this.oneD ? 3 : 4;
    if (wt.dims.length !== rank) this.fail(`weight ${quoted(wt.name)} has dims [${wt.dims.join(', ')}]; TinyTrain imports ${this.oneD ? '1-D convs (weights [M, C, K]) in a model with a [1, C, T] input' : '2-D convs (weights [M, C, KH, KW])'}`);
    if (wt.dataType !== DT.INT8) this.fail(`weight ${quoted(wt.name)} is ${dtName(wt.dataType)}; TinyTrain imports int8 weights`);
    const [mOut, cg, kh, kw] = this.oneD ? [...wt.dims, 1] : wt.dims;
    const ks = this.spatial('kernel_shape', [kh, kw]);
    if (ks[0] !== kh || ks[1] !== kw) this.fail(`kernel_shape [${ks.join(', ')}] differs from the weight's [${kh}, ${kw}]`, 'import-format');
    const dil = this.spatial('dilations', [1, 1]);
    if (dil.some((d) => d !== 1)) this.fail(`dilations [${dil.join(', ')}] are not supported; TinyTrain supports dilation 1`);
    const [sh, sw] = this.spatial('strides', [1, 1]);
    if (!(sh >= 1 && sw >= 1)) this.fail(`strides [${sh}, ${sw}] are not valid`, 'import-format');
    const group = this.attrInt('group', 1);
    const depthwise = group > 1 && group === c && cg === 1;
    if (!depthwise && (group !== 1 || cg !== c)) this.fail(`group ${group} with weights [${wt.dims.join(', ')}] on ${c} channels is a grouped conv; TinyTrain imports group 1 or depthwise (group = channels)`);
    const autoPad = this.node!.attrs.get('auto_pad')?.s ?? 'NOTSET';
    let pads = this.spatial('pads', [0, 0, 0, 0]); // [top, left, bottom, right]
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const total = (n: number, k: number, s: number): number => Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
      const th = total(h, kh, sh), tw = total(wd, kw, sw);
      const lo = (t: number): number => (autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2));
      pads = [lo(th), lo(tw), th - lo(th), tw - lo(tw)];
    } else if (autoPad === 'VALID') pads = [0, 0, 0, 0];
    else if (autoPad !== 'NOTSET') this.fail(`auto_pad ${quoted(autoPad)} is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`, 'import-format');
    if (pads.length !== 4 || pads.some((p) => !(p >= 0))) this.fail(`pads [${pads.join(', ')}] are not 4 non-negative values`, 'import-format');
    let xin = x.tensor;
    if (pads.some((p) => p > 0)) {
      const pv = Int32Array.from([0, 0, pads[0], pads[2], pads[1], pads[3], 0, 0]);
      const pt = this.constTensor(`${this.node!.outputs[0]}/pads`, pv, [4, 2], 'int32');
      const xt = this.tensors[x.tensor];
      const padded = this.add({ name: `${this.node!.outputs[0]}/padded`, shape: [1, h + pads[0] + pads[2], wd + pads[1] + pads[3], c], type: 'int8', quant: xt.quant });
      this.emit(OP.PAD, [x.tensor, pt], [padded]);
      xin = padded;
    }
    const oh = Math.floor((h + pads[0] + pads[2] - kh) / sh) + 1, ow = Math.floor((wd + pads[1] + pads[3] - kw) / sw) + 1;
    const taps = kh * kw;
    const src = wt.values as Int8Array;
    const ohwi = new Int8Array(src.length);
    let filter: number;
    if (depthwise) {
      // [C, 1, KH, KW] -> [1, KH, KW, C]
      for (let o = 0; o < mOut; o++) for (let t = 0; t < taps; t++) ohwi[t * mOut + o] = src[o * taps + t];
      filter = this.constTensor(wt.name, ohwi, [1, kh, kw, mOut], 'int8', { ...w.quant, axis: 3 });
    } else {
      // [M, C, KH, KW] -> [M, KH, KW, C]
      for (let o = 0; o < mOut; o++) for (let ch = 0; ch < cg; ch++) for (let t = 0; t < taps; t++) ohwi[(o * taps + t) * cg + ch] = src[(o * cg + ch) * taps + t];
      filter = this.constTensor(wt.name, ohwi, [mOut, kh, kw, cg], 'int8', { ...w.quant, axis: 0 });
    }
    const inputs = [xin, filter];
    if (b) inputs.push(this.constTensor(`${wt.name}/bias`, b, [mOut], 'int32'));
    return { inputs, shape: [1, oh, ow, mOut], code: depthwise ? OP.DEPTHWISE_CONV_2D : OP.CONV_2D };
  }

  /** A conv attribute in 2-D form ([H, W], pads [top, left, bottom, right]); a 1-D model's
   * (one value, pads [begin, end]) covers T, with W 1 wide and never strided or padded. */
  private spatial(name: string, def: number[]): number[] {
    if (!this.oneD) return this.attrInts(name, def);
    const pads = name === 'pads';
    const v = this.attrInts(name, pads ? [0, 0] : [def[0]]);
    if (v.length !== (pads ? 2 : 1)) this.fail(`${name} [${v.join(', ')}] has ${v.length} values; a 1-D conv (input [1, C, T]) has ${pads ? 2 : 1}`, 'import-format');
    return pads ? [v[0], 0, v[1], 0] : [v[0], 1];
  }

  private convOptions(pads: boolean): Record<string, number> {
    void pads;
    const [sh, sw] = this.spatial('strides', [1, 1]);
    return { padding: 1, stride_h: sh, stride_w: sw, dilation_h_factor: 1, dilation_w_factor: 1, depth_multiplier: 1 };
  }

  private bias(name: string | undefined): Int32Array | undefined {
    if (!name) return undefined;
    const b = this.constant(name, 'bias');
    if (b.dataType !== DT.INT32) this.fail(`bias ${quoted(name)} is ${dtName(b.dataType)}; TinyTrain imports int32 biases`);
    return b.values as Int32Array;
  }

  private qlinearConv(n: OnnxNode): void {
    const x = this.qin(n.inputs[0]);
    const wq = this.quantOf(4, 5, 0);
    const g = this.convTables(x, { t: this.constant(n.inputs[3], 'weight'), quant: wq.quant }, this.bias(n.inputs[8]));
    this.qout(g.code, g.inputs, g.shape, true, 6, 7, { ...this.convOptions(true), fused_activation_function: this.saturatingRelu(7) });
  }

  /** RELU (1) when the output zero point (input zi) is -128: saturation then clamps exactly at 0; else NONE (0). */
  private saturatingRelu(zi: number): number {
    const name = this.node!.inputs[zi];
    if (!name) return 0;
    const zp = this.constant(name, 'output zero point');
    return Number(zp.values![0]) + (zp.dataType === DT.UINT8 ? -128 : 0) === -128 ? 1 : 0;
  }

  private qlinearMatMul(n: OnnxNode): void {
    this.checkAttrs([]);
    const a = this.qin(n.inputs[0]);
    const bt = this.constant(n.inputs[3], 'b');
    const bq = this.quantOf(4, 5, 1);
    this.fcTables(a, bt, bq.quant, false, undefined, (inputs, shape) => this.qout(OP.FULLY_CONNECTED, inputs, shape, false, 6, 7, { fused_activation_function: 0 }));
  }

  /** The bias-less FC that wrote `x` (read by the current node only, through `name`) gets `bias`
   * (int8 or int32 with its own scales) as its int32 bias at input scale x weight scale, and writes
   * the current node's output quantization `out` directly: one rounding where the graph has two
   * (the MatMul's output, then the Add's), so outputs may differ from the graph's by one LSB. */
  private foldFcBias(x: QValue, name: string, bias: DQConst, out: TfliteQuant, act: number): QValue {
    const fc = this.ops.find((o) => o.outputs[0] === x.tensor);
    if (!fc || fc.code !== OP.FULLY_CONNECTED || fc.inputs.length !== 2) this.fail(`adds a constant to ${quoted(name)}; TinyTrain imports a constant Add only as the bias of a MatMul without one`);
    const readers = this.m.nodes.filter((n) => n.inputs.includes(name)).length;
    if (readers !== 1) this.fail(`adds a bias to ${quoted(name)}, which ${readers} nodes read; TinyTrain folds a bias only into a MatMul whose output nothing else reads`);
    if (out.scale.length !== 1) this.fail('has a per-axis output scale; activations are quantized per tensor', 'import-format');
    const w = this.tensors[fc.inputs[1]], sIn = this.tensors[fc.inputs[0]].quant!.scale[0];
    const nOut = w.shape[0];
    const v = bias.t.values!;
    if (v.length !== nOut || !(bias.t.dataType === DT.INT8 || bias.t.dataType === DT.UINT8 || bias.t.dataType === DT.INT32)) this.fail(`its bias ${quoted(bias.t.name)} is ${dtName(bias.t.dataType)} with ${v.length} values; the MatMul has ${nOut} outputs`);
    const per = (a: number[], o: number): number => a[a.length === 1 ? 0 : o];
    const shift = bias.t.dataType === DT.UINT8 ? -128 : 0; // quantOf shifted the zero point the same way
    const b = Int32Array.from({ length: nOut }, (_, o) => {
      const real = per(bias.quant.scale, o) * (Number(v[o]) + shift - per(bias.quant.zeroPoint, o));
      return Math.max(-2147483648, Math.min(2147483647, Math.round(real / (sIn * per(w.quant!.scale, o)))));
    });
    fc.inputs.push(this.constTensor(`${bias.t.name}/bias`, b, [nOut], 'int32'));
    fc.options = { ...fc.options, fused_activation_function: act };
    this.tensors[x.tensor].quant = out;
    return x;
  }

  /** A classifier: B [K, N] (or [N, K] when transB) as FC weights [N, K]. */
  private fcTables(a: QValue, bt: OnnxTensor, quant: TfliteQuant, transB: boolean, bias: Int32Array | undefined, out: (inputs: number[], shape: number[]) => void): void {
    if (bt.dims.length !== 2 || bt.dataType !== DT.INT8) this.fail(`its weight ${quoted(bt.name)} is ${dtName(bt.dataType)} [${bt.dims.join(', ')}]; TinyTrain imports an int8 2-D weight`);
    const [r, c] = bt.dims;
    const [nOut, k] = transB ? [r, c] : [c, r];
    const src = bt.values as Int8Array;
    const w = transB ? src.slice() : Int8Array.from({ length: src.length }, (_, i) => src[(i % k) * nOut + Math.floor(i / k)]);
    const perAxis = quant.scale.length > 1;
    if (perAxis && quant.axis !== (transB ? 0 : 1)) this.fail(`its weight is quantized along axis ${quant.axis}; TinyTrain imports per-output-channel scales`, 'import-format');
    const inputs = [a.tensor, this.constTensor(bt.name, w, [nOut, k], 'int8', { ...quant, axis: 0 })];
    if (bias) inputs.push(this.constTensor(`${bt.name}/bias`, bias, [nOut], 'int32'));
    out(inputs, [1, nOut]);
  }

  private reshape(src: QValue, outName: string): void {
    const s = this.shapeOf(src);
    const count = s.reduce((p, d) => p * d, 1);
    // TinyTrain reshapes only where the data order cannot change: [1, 1, 1, C] / [1, C] forms.
    if (s.length === 4 && (s[1] !== 1 || s[2] !== 1)) this.fail(`flattens a [${s.join(', ')}] NHWC map (NCHW order differs); TinyTrain imports Reshape / Flatten after the global pool`);
    const t = this.add({ name: outName, shape: [1, count], type: 'int8', quant: this.tensors[src.tensor].quant });
    this.emit(OP.RESHAPE, [src.tensor], [t], { new_shape: [1, count] });
    this.q.set(outName, { tensor: t, nchw: false });
  }

  private fop(name: string): QValue {
    const v = this.f.get(name);
    if (!v) this.fail(`input ${quoted(name)} is not a dequantized int8 activation; TinyTrain imports QDQ graphs (DequantizeLinear before each float op)`);
    if (v.kind !== 'dq') this.fail(`reads ${quoted(name)}, the float output of node ${v.node.index} (${v.node.opType}), which is not quantized first; TinyTrain supports only Relu / Clip there`);
    return v.q;
  }

  private dqConst(name: string | undefined, what: string): DQConst | undefined {
    if (!name) return undefined;
    const c = this.dq.get(name);
    if (!c) this.fail(`its ${what} ${quoted(name)} is not a DequantizeLinear of a constant`);
    return c;
  }

  private floatOp(n: OnnxNode): void {
    const out = n.outputs[0];
    const set = (v: Omit<Extract<FValue, { kind: 'op' }>, 'kind' | 'node' | 'act'>): void => { this.f.set(out, { kind: 'op', node: n, act: 0, ...v }); };
    switch (n.opType) {
      case 'Conv': {
        const x = this.fop(n.inputs[0]);
        const w = this.dqConst(n.inputs[1], 'weight')!;
        const b = this.dqConst(n.inputs[2], 'bias');
        if (b && b.t.dataType !== DT.INT32) this.fail('its bias is not int32; TinyTrain imports int32 biases (scale = input scale x weight scale)');
        const g = this.convTables(x, w, b?.t.values as Int32Array | undefined);
        set({ code: g.code, inputs: g.inputs, options: this.convOptions(true), shape: g.shape, nchw: true });
        return;
      }
      case 'Gemm': case 'MatMul': {
        if (n.opType === 'Gemm') {
          this.checkAttrs(['alpha', 'beta', 'transA', 'transB']);
          if ((n.attrs.get('alpha')?.f ?? 1) !== 1 || (n.attrs.get('beta')?.f ?? 1) !== 1 || this.attrInt('transA', 0) !== 0) this.fail('TinyTrain imports Gemm with alpha 1, beta 1, transA 0');
        } else this.checkAttrs([]);
        const a = this.fop(n.inputs[0]);
        const w = this.dqConst(n.inputs[1], 'weight')!;
        const b = n.opType === 'Gemm' ? this.dqConst(n.inputs[2], 'bias') : undefined;
        if (b && b.t.dataType !== DT.INT32) this.fail('its bias is not int32; TinyTrain imports int32 biases');
        this.fcTables(a, w.t, w.quant, n.opType === 'Gemm' && this.attrInt('transB', 0) === 1, b?.t.values as Int32Array | undefined, (inputs, shape) =>
          set({ code: OP.FULLY_CONNECTED, inputs, options: {}, shape, nchw: false }));
        return;
      }
      case 'Add': {
        this.checkAttrs([]);
        // A dequantized constant operand is a Dense layer's bias after its MatMul: folded at the QuantizeLinear.
        const c = [0, 1].find((i) => this.dq.has(n.inputs[i]));
        if (c !== undefined) {
          const x = this.fop(n.inputs[1 - c]);
          set({ code: OP.ADD, inputs: [], options: {}, shape: this.shapeOf(x), nchw: x.nchw, foldBias: { x, name: n.inputs[1 - c], bias: this.dq.get(n.inputs[c])! } });
          return;
        }
        const a = this.fop(n.inputs[0]), b = this.fop(n.inputs[1]);
        set({ code: OP.ADD, inputs: [a, b], options: {}, shape: this.shapeOf(a), nchw: a.nchw });
        return;
      }
      case 'Relu': case 'Clip': {
        const v = this.f.get(n.inputs[0]);
        if (!v || v.kind !== 'op' || v.act !== 0 || !([OP.CONV_2D, OP.DEPTHWISE_CONV_2D, OP.ADD] as number[]).includes(v.code)) this.fail('is supported only right after a Conv or Add, before its QuantizeLinear (a fused activation)');
        let act = 1;
        if (n.opType === 'Clip') {
          const bound = (i: number, attr: string): number | undefined => (n.inputs[i] ? Number(this.constant(n.inputs[i], attr).values![0]) : n.attrs.get(attr)?.f);
          const lo = bound(1, 'min'), hi = bound(2, 'max');
          if (lo !== 0 || (hi !== 6 && hi !== undefined)) this.fail(`clips to [${lo}, ${hi}]; TinyTrain supports Clip(0, 6) (RELU6) and Clip(0) (RELU)`);
          act = hi === 6 ? 3 : 1;
        }
        this.f.set(out, { ...v, act });
        return;
      }
      case 'GlobalAveragePool': case 'AveragePool': case 'ReduceMean': {
        const x = this.fop(n.inputs[0]);
        const [, h, w, c] = this.shapeOf(x);
        if (n.opType === 'AveragePool') {
          this.checkAttrs(['kernel_shape', 'strides', 'pads', 'auto_pad', 'count_include_pad', 'ceil_mode']);
          const k = this.attrInts('kernel_shape', []);
          if (k[0] !== h || (this.oneD ? k.length !== 1 : k[1] !== w) || this.attrInts('pads', [0, 0, 0, 0]).some((p) => p !== 0)) this.fail(`a [${k.join(', ')}] pool on a ${h}x${w} map is not global; TinyTrain imports global average pooling`);
        } else if (n.opType === 'ReduceMean') {
          this.checkAttrs(['axes', 'keepdims']);
          const axes = (n.inputs[1] ? Array.from(this.constant(n.inputs[1], 'axes').values!, Number) : this.attrInts('axes', [])).sort();
          const spatialAxes = this.oneD ? '2' : '2,3';
          if (axes.join() !== spatialAxes || this.attrInt('keepdims', 1) !== 1) this.fail(`reduces axes [${axes.join(', ')}]; TinyTrain imports ReduceMean over ${this.oneD ? 'T (axes [2]' : 'H, W (axes [2, 3]'}, keepdims 1)`);
        } else this.checkAttrs([]);
        set({ code: OP.AVERAGE_POOL_2D, inputs: [x], options: { padding: 1, stride_h: 1, stride_w: 1, filter_height: h, filter_width: w }, shape: [1, 1, 1, c], nchw: true });
        return;
      }
      case 'Reshape': case 'Flatten': case 'Squeeze': {
        const x = this.fop(n.inputs[0]);
        const s = this.shapeOf(x);
        if (s.length === 4 && (s[1] !== 1 || s[2] !== 1)) this.fail(`flattens a [${s.join(', ')}] map; TinyTrain imports Reshape / Flatten after the global pool`);
        const count = s.reduce((p, d) => p * d, 1);
        set({ code: OP.RESHAPE, inputs: [x], options: { new_shape: [1, count] }, shape: [1, count], nchw: false });
        return;
      }
      case 'Softmax': {
        this.checkAttrs(['axis']);
        const x = this.fop(n.inputs[0]);
        const s = this.shapeOf(x);
        const axis = this.attrInt('axis', -1);
        if (s.length !== 2 || (axis !== -1 && axis !== 1)) this.fail(`softmax over axis ${axis} of [${s.join(', ')}]; TinyTrain imports Softmax over the classes of [1, N]`);
        set({ code: OP.SOFTMAX, inputs: [x], options: { beta: 1 }, shape: s, nchw: false });
        return;
      }
    }
  }
}
