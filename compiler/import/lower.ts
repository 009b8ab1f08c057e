// A .tflite model's tables -> TinyTrain's network IR (numbered convs in blocks, a global pool, a
// classifier) plus its int8 tensors exactly as stored, or located problems. The imported graph
// must be a backbone of convs (with residual adds) ending in global pooling and a classifier;
// every op or pattern outside that is a problem naming the op, its index and what is supported.
//
// Layout conversions: TFLite CONV filters are OHWI as TinyTrain's kernels; DEPTHWISE filters
// [1, KH, KW, C] become [C][KH][KW]; a depthwise conv on a one-channel input (any multiplier)
// is a standard conv with cin 1. PAD before a VALID conv folds into the conv's padding.

import type { Activation, Block, Conv, ConvGeometry, Network, PoolRounding, Shape } from '../ir/network.js';
import { convOutShape, elements, tfliteSamePadding } from '../ir/network.js';
import type { QParams, QuantConv, QuantModel } from '../weights/model-weights.js';
import { oneLine } from '../codegen/text.js';
import { type ImportProblem, OP, opName, readTflite, tensorValues, type TfliteModel, type TfliteOp, type TfliteTensor } from './tflite.js';

/** What the model file says about one imported op, for hovers and the plan view. */
export interface ImportedLayer {
  op: number;
  opName: string;
  /** The op's output tensor name in the file (untrusted text: escape before emitting). */
  tensorName: string;
  /** Conv number, for convs. */
  conv?: number;
  outShape: number[];
}

export interface ImportedModel {
  net: Network;
  q: QuantModel;
  /** The model's input as stored: int8, or float32 quantized inside by a QUANTIZE op. */
  input: { shape: number[]; type: 'int8' | 'float32'; quant: QParams };
  /** The classifier's int8 output (logits) and what follows it in the file. */
  head: { logits: QParams; softmax?: { beta: number; out: QParams }; dequantize: boolean; classes: number };
  layers: ImportedLayer[];
  description: string;
}

export const SUPPORTED_OPS = 'CONV_2D, DEPTHWISE_CONV_2D, ADD (residual), PAD (before a VALID conv), AVERAGE_POOL_2D or MEAN (global), RESHAPE, SQUEEZE, FULLY_CONNECTED or a 1x1 CONV_2D classifier, SOFTMAX, QUANTIZE (at the input), DEQUANTIZE (at the output)';

class Unsupported extends Error {
  constructor(readonly problem: ImportProblem) { super(problem.message); }
}

/** A name from the model file inside a problem message: quoted, on one line, clipped (a file's
 * strings are arbitrary, and a message must stay one short, located line). */
const quoted = (name: string | undefined): string => JSON.stringify(oneLine(name ?? '', 60));

const ACTIVATIONS: Record<number, Activation | undefined> = { 0: 'none', 1: 'relu', 3: 'relu6' };
const ACT_NAMES = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];

/** Reads and lowers a .tflite file. Never throws. */
export function importTflite(bytes: Uint8Array): { model?: ImportedModel; problems: ImportProblem[] } {
  const read = readTflite(bytes);
  if (!read.model) return { problems: read.problems };
  const lowered = lowerTflite(read.model);
  return { model: lowered.model, problems: [...read.problems, ...lowered.problems] };
}

/** `poolRounding`: how the source format rounds the global pool's mean (a .tflite's runtimes half
 * away from zero; ONNX's QuantizeLinear half to even). */
export function lowerTflite(m: TfliteModel, poolRounding: PoolRounding = 'half-away'): { model?: ImportedModel; problems: ImportProblem[] } {
  try {
    return { model: new Lowering(m, poolRounding).run(), problems: [] };
  } catch (err) {
    if (err instanceof Unsupported) return { problems: [err.problem] };
    throw err;
  }
}

/** A feature map flowing through the backbone: which conv made it, from which tensor. */
interface Feature { shape: Shape; quant: QParams; producer?: Conv; from?: number }

class Lowering {
  private readonly convs: Conv[] = [];
  private readonly qconvs: QuantConv[] = [];
  private readonly blocks: Block[] = [];
  private readonly adds: (QParams | undefined)[] = [];
  private readonly layers: ImportedLayer[] = [];
  private readonly features = new Map<number, Feature>();
  /** PAD outputs waiting for their VALID conv: tensor -> (source tensor, padding). */
  private readonly pads = new Map<number, { from: number; pad: ConvGeometry['pad'] }>();
  /** Convs since the last block boundary, in forward order. */
  private pending: Conv[] = [];
  private blockStart = -1;
  private consumers = new Map<number, number>();

  constructor(private readonly m: TfliteModel, private readonly poolRounding: PoolRounding) {}

  private fail(op: TfliteOp | undefined, message: string, code = 'import-unsupported'): never {
    const at = op ? `op ${op.index} (${op.name}${op.customCode ? ` ${quoted(op.customCode)}` : ''})` : 'the model';
    throw new Unsupported({ code, message: `${at}: ${message}`, ...(op ? { op: op.index } : {}) });
  }

  private tensor(op: TfliteOp, slot: number, what: string): TfliteTensor {
    const i = op.inputs[slot];
    const t = i === undefined || i < 0 ? undefined : this.m.tensors[i];
    if (!t) this.fail(op, `has no ${what} (input ${slot})`, 'import-format');
    return t;
  }

  private perTensor(op: TfliteOp, t: TfliteTensor, what: string): QParams {
    const q = t.quant;
    if (t.type !== 'int8') this.fail(op, `${what} ${quoted(t.name)} is ${t.type}; TinyTrain imports int8 activations`, t.type === 'float32' ? 'import-float' : 'import-unsupported');
    if (!q || q.scale.length !== 1) this.fail(op, `${what} ${quoted(t.name)} needs one per-tensor scale (has ${q?.scale.length ?? 0})`, 'import-format');
    const scale = q.scale[0], zeroPoint = q.zeroPoint[0] ?? 0;
    if (!(scale > 0) || !Number.isFinite(scale) || !Number.isInteger(zeroPoint) || zeroPoint < -128 || zeroPoint > 127) this.fail(op, `${what} ${quoted(t.name)} has scale ${scale} and zero point ${zeroPoint}; expected scale > 0 and zero point in [-128, 127]`, 'import-format');
    return { scale, zeroPoint };
  }

  private feature(op: TfliteOp, slot = 0): [number, Feature] {
    const i = op.inputs[slot];
    const f = i === undefined ? undefined : this.features.get(i);
    if (!f) {
      if (i !== undefined && this.pads.has(i)) this.fail(op, 'reads the output of a PAD; TinyTrain folds PAD only into a VALID CONV_2D or DEPTHWISE_CONV_2D');
      const t = i !== undefined && i >= 0 ? this.m.tensors[i] : undefined;
      this.fail(op, `input ${slot}${t ? ` ${quoted(t.name)}` : ''} is not a feature map of the backbone (TinyTrain imports one chain of convs with residual adds)`);
    }
    return [i, f];
  }

  private outShape4(op: TfliteOp): number[] {
    const t = this.m.tensors[op.outputs[0]];
    return t ? t.shape : [];
  }

  private checkShape(op: TfliteOp, got: Shape): void {
    const s = this.outShape4(op);
    const want = s.length === 4 ? { h: s[1], w: s[2], c: s[3] } : undefined;
    if (!want || s[0] !== 1 || want.h !== got.h || want.w !== got.w || want.c !== got.c) {
      this.fail(op, `its output ${quoted(this.m.tensors[op.outputs[0]]?.name)} has shape [${s.join(', ')}], but its geometry gives [1, ${got.h}, ${got.w}, ${got.c}]`, 'import-format');
    }
  }

  private activation(op: TfliteOp): Activation {
    const code = Number(op.options.fused_activation_function ?? 0);
    const act = ACTIVATIONS[code];
    if (!act) this.fail(op, `fused activation ${ACT_NAMES[code] ?? code} is not supported; TinyTrain supports NONE, RELU, RELU6`);
    return act;
  }

  run(): ImportedModel {
    const { m } = this;
    if (m.inputs.length !== 1) this.fail(undefined, `has ${m.inputs.length} inputs; TinyTrain imports models with one input`);
    if (m.outputs.length !== 1) this.fail(undefined, `has ${m.outputs.length} outputs; TinyTrain imports models with one output`);
    for (const op of m.ops) for (const t of op.inputs) if (t >= 0) this.consumers.set(t, (this.consumers.get(t) ?? 0) + 1);
    const inT = m.tensors[m.inputs[0]];
    const series = inT.shape.length === 3; // [1, T, C]: a window of T samples, reshaped to 4-D first
    if ((inT.shape.length !== 4 && !series) || inT.shape[0] !== 1 || inT.shape.some((d) => !(d >= 1))) {
      this.fail(undefined, `its input ${quoted(inT.name)} has shape [${inT.shape.join(', ')}]; TinyTrain imports an input [1, H, W, C], or [1, T, C] reshaped to [1, T, 1, C] or [1, T, C, 1]`);
    }
    let inputType: 'int8' | 'float32' = 'int8';
    let ops = m.ops;
    let inputQ: QParams;
    let inputTensor = m.inputs[0];
    if (inT.type === 'float32') {
      const first = ops[0];
      if (!first || first.code !== OP.QUANTIZE || first.inputs[0] !== inputTensor) {
        this.fail(undefined, 'is a float model (its input is float32 and no QUANTIZE follows it); quantize it to int8 first (TFLite converter, full-integer post-training quantization with a representative dataset)', 'import-float');
      }
      inputTensor = first.outputs[0];
      inputQ = this.perTensor(first, m.tensors[inputTensor], 'output');
      inputType = 'float32';
      ops = ops.slice(1);
    } else {
      inputQ = this.perTensor(ops[0] ?? m.ops[0], inT, 'input');
    }
    let shape4 = inT.shape;
    if (series) {
      // The same bytes as [1, T, 1, C] or [1, T, C, 1]: the RESHAPE that says which is the input.
      const first = ops[0];
      const out = first ? m.tensors[first.outputs[0]] : undefined;
      const [, t, ch] = inT.shape;
      const fits = out && out.shape.length === 4 && out.shape[0] === 1 && out.shape[1] === t && ((out.shape[2] === 1 && out.shape[3] === ch) || (out.shape[2] === ch && out.shape[3] === 1));
      if (!first || !out || first.code !== OP.RESHAPE || first.inputs[0] !== inputTensor || !fits) {
        this.fail(first, `reads the input [${inT.shape.join(', ')}]; TinyTrain imports a [1, T, C] input when the first op is a RESHAPE of it to [1, T, 1, C] or [1, T, C, 1]`);
      }
      const q = this.perTensor(first, out, 'output');
      if (q.scale !== inputQ.scale || q.zeroPoint !== inputQ.zeroPoint) this.fail(first, 'changes the quantization of the input; RESHAPE must keep scale and zero point', 'import-format');
      inputTensor = first.outputs[0];
      shape4 = out.shape;
      ops = ops.slice(1);
    }
    const [, h, w, c] = shape4;
    const input: Shape = { h, w, c };
    this.features.set(inputTensor, { shape: input, quant: inputQ });

    let pooled: { tensor: number; c: number; quant: QParams } | undefined;
    let classifier: { w: Int8Array; sw: Float32Array; b: Int32Array; cin: number; classes: number; out: QParams; tensor: number } | undefined;
    let softmax: ImportedModel['head']['softmax'];
    let dequantize = false;
    let headTensor = -1;
    let featureShape: Shape = input;

    for (const op of ops) {
      const outName = m.tensors[op.outputs[0]]?.name ?? '';
      if (classifier) {
        // After the classifier: only shape changes, the softmax and a final DEQUANTIZE.
        if (op.inputs[0] !== headTensor) this.fail(op, 'follows the classifier but does not read its output');
        if (op.code === OP.RESHAPE || op.code === OP.SQUEEZE) { headTensor = op.outputs[0]; continue; }
        if (op.code === OP.SOFTMAX && !softmax) {
          softmax = { beta: Number(op.options.beta) || 1, out: this.perTensor(op, m.tensors[op.outputs[0]], 'output') };
          headTensor = op.outputs[0];
          this.layers.push({ op: op.index, opName: op.name, tensorName: outName, outShape: this.outShape4(op) });
          continue;
        }
        if (op.code === OP.DEQUANTIZE && !dequantize) { dequantize = true; headTensor = op.outputs[0]; continue; }
        this.fail(op, `is not supported after the classifier; TinyTrain supports RESHAPE, SQUEEZE, SOFTMAX and DEQUANTIZE there`);
      }
      if (pooled) {
        if (op.code === OP.RESHAPE || op.code === OP.SQUEEZE) {
          if (op.inputs[0] !== pooled.tensor) this.fail(op, 'does not read the pooled features');
          pooled = { ...pooled, tensor: op.outputs[0] };
          continue;
        }
        if (op.code === OP.FULLY_CONNECTED || (op.code === OP.CONV_2D && this.isOneByOne(op))) {
          if (op.inputs[0] !== pooled.tensor) this.fail(op, 'does not read the pooled features');
          classifier = this.classifier(op, pooled.c, pooled.quant);
          headTensor = op.outputs[0];
          this.layers.push({ op: op.index, opName: op.name, tensorName: outName, outShape: this.outShape4(op) });
          continue;
        }
        this.fail(op, `is not supported after the global pool; TinyTrain expects RESHAPE / SQUEEZE, then a FULLY_CONNECTED or 1x1 CONV_2D classifier`);
      }
      switch (op.code) {
        case OP.CONV_2D:
        case OP.DEPTHWISE_CONV_2D: {
          const conv = this.conv(op);
          this.layers.push({ op: op.index, opName: op.name, tensorName: outName, conv: conv.index, outShape: this.outShape4(op) });
          break;
        }
        case OP.PAD:
        case OP.PADV2:
          this.pad(op);
          break;
        case OP.ADD:
          this.add(op);
          this.layers.push({ op: op.index, opName: op.name, tensorName: outName, outShape: this.outShape4(op) });
          break;
        case OP.AVERAGE_POOL_2D:
        case OP.MEAN: {
          const [x, f] = this.feature(op);
          this.globalPool(op, f.shape);
          this.closeChain(x);
          featureShape = f.shape;
          pooled = { tensor: op.outputs[0], c: f.shape.c, quant: this.perTensor(op, m.tensors[op.outputs[0]], 'output') };
          this.layers.push({ op: op.index, opName: op.name, tensorName: outName, outShape: this.outShape4(op) });
          break;
        }
        case OP.QUANTIZE:
          this.fail(op, 'QUANTIZE is supported only as the first op, on a float input');
          break;
        case OP.DEQUANTIZE:
          this.fail(op, 'DEQUANTIZE is supported only as the last op, on the model output');
          break;
        default:
          if (op.code === OP.CONV_2D) break;
          this.fail(op, `is not supported yet; TinyTrain imports ${SUPPORTED_OPS}`);
      }
    }
    if (!classifier) this.fail(undefined, pooled ? 'ends without a classifier after its global pool' : 'has no global average pool (AVERAGE_POOL_2D over the whole feature map or MEAN over H, W) followed by a classifier');
    if (headTensor !== m.outputs[0]) this.fail(undefined, `its output ${quoted(m.tensors[m.outputs[0]].name)} is not the classifier's (or softmax's) output`);

    const params = this.convs.reduce((n, cv) => n + cv.weightCount + cv.biasCount, 0) + classifier.w.length + classifier.b.length;
    const macs = this.convs.reduce((n, cv) => n + cv.macs, 0) + classifier.w.length;
    const net: Network = {
      name: 'imported', poolRounding: this.poolRounding, input, blocks: this.blocks, convs: this.convs, featureShape,
      classifier: { cin: classifier.cin, classes: classifier.classes, weightCount: classifier.w.length, biasCount: classifier.b.length, macs: classifier.w.length },
      params, macs,
    };
    const q: QuantModel = { input: inputQ, convs: this.qconvs, adds: this.adds, pool: pooled!.quant, fc: { w: classifier.w, sw: classifier.sw, b: classifier.b } };
    return {
      net, q,
      input: { shape: inT.shape, type: inputType, quant: inputQ },
      head: { logits: classifier.out, ...(softmax ? { softmax } : {}), dequantize, classes: classifier.classes },
      layers: this.layers, description: m.description,
    };
  }

  private isOneByOne(op: TfliteOp): boolean {
    const f = this.m.tensors[op.inputs[1]];
    return !!f && f.shape.length === 4 && f.shape[1] === 1 && f.shape[2] === 1;
  }

  private weights(op: TfliteOp, cout: number, perOut: number, axisWanted: number): { w: Int8Array; sw: Float32Array; b: Int32Array } {
    const ft = this.tensor(op, 1, 'filter');
    if (ft.type === 'float32') this.fail(op, `filter ${quoted(ft.name)} is float32: a float model; quantize it to int8 first (full-integer post-training quantization)`, 'import-float');
    if (ft.type !== 'int8') this.fail(op, `filter ${quoted(ft.name)} is ${ft.type}; TinyTrain imports int8 weights`);
    const w = tensorValues(ft) as Int8Array | undefined;
    if (!w) this.fail(op, `filter ${quoted(ft.name)} is not a constant`);
    if (w.length !== cout * perOut) this.fail(op, `filter ${quoted(ft.name)} holds ${w.length} values, its shape [${ft.shape.join(', ')}] needs ${cout * perOut}`, 'import-format');
    const q = ft.quant;
    if (!q || (q.scale.length !== 1 && q.scale.length !== cout)) this.fail(op, `filter ${quoted(ft.name)} needs 1 or ${cout} scales (has ${q?.scale.length ?? 0})`, 'import-format');
    if (q.scale.length === cout && cout > 1 && q.axis !== axisWanted) this.fail(op, `filter ${quoted(ft.name)} is quantized along axis ${q.axis}; expected axis ${axisWanted}`, 'import-format');
    if (q.zeroPoint.some((z) => z !== 0)) this.fail(op, `filter ${quoted(ft.name)} has a non-zero zero point; int8 weights are symmetric`, 'import-format');
    const sw = Float32Array.from({ length: cout }, (_, o) => q.scale[q.scale.length === 1 ? 0 : o]);
    if (sw.some((s) => !(s > 0) || !Number.isFinite(s))) this.fail(op, `filter ${quoted(ft.name)} has a scale that is not a positive number`, 'import-format');
    const bi = op.inputs[2];
    let b: Int32Array = new Int32Array(cout);
    if (bi !== undefined && bi >= 0) {
      const bt = this.m.tensors[bi];
      const v = tensorValues(bt);
      if (bt.type !== 'int32' || !(v instanceof Int32Array)) this.fail(op, `bias ${quoted(bt.name)} is ${bt.type}${v ? '' : ' and not a constant'}; TinyTrain imports int32 biases`);
      if (v.length !== cout) this.fail(op, `bias ${quoted(bt.name)} holds ${v.length} values, expected ${cout}`, 'import-format');
      b = v;
    }
    return { w, sw, b };
  }

  private conv(op: TfliteOp): Conv {
    const pending = this.pads.get(op.inputs[0]);
    const [x, f] = pending ? [pending.from, this.features.get(pending.from)!] : this.feature(op, 0);
    const ft = this.tensor(op, 1, 'filter');
    if (ft.shape.length !== 4) this.fail(op, `filter ${quoted(ft.name)} has shape [${ft.shape.join(', ')}]; expected 4 dimensions`, 'import-format');
    const o = op.options;
    if (Number(o.dilation_w_factor) !== 1 || Number(o.dilation_h_factor) !== 1) this.fail(op, `dilation ${o.dilation_h_factor}x${o.dilation_w_factor} is not supported; TinyTrain supports dilation 1`);
    const sh = Number(o.stride_h), sw = Number(o.stride_w);
    if (!(sh >= 1 && sw >= 1)) this.fail(op, `stride ${sh}x${sw} is not valid`, 'import-format');
    let pad = { top: 0, left: 0, bottom: 0, right: 0 };
    const depthwiseOp = op.code === OP.DEPTHWISE_CONV_2D;
    const kh = ft.shape[1], kw = ft.shape[2];
    if (pending) {
      if (Number(o.padding) !== 1) this.fail(op, 'reads a PAD but is SAME-padded; TinyTrain folds PAD only into a VALID conv');
      pad = pending.pad;
    } else if (Number(o.padding) === 0) {
      const [top, bottom] = tfliteSamePadding(f.shape.h, kh, sh);
      const [left, right] = tfliteSamePadding(f.shape.w, kw, sw);
      pad = { top, left, bottom, right };
    } else if (Number(o.padding) !== 1) {
      this.fail(op, `padding ${o.padding} is neither SAME nor VALID`, 'import-format');
    }
    const inShape = f.shape;
    const cin = inShape.c;
    let depthwise = depthwiseOp;
    let cout: number;
    let wq: { w: Int8Array; sw: Float32Array; b: Int32Array };
    if (depthwiseOp) {
      cout = ft.shape[3];
      if (ft.shape[0] !== 1) this.fail(op, `depthwise filter ${quoted(ft.name)} has shape [${ft.shape.join(', ')}]; expected [1, KH, KW, C]`, 'import-format');
      const dm = cout / cin;
      if (!Number.isInteger(dm) || dm < 1) this.fail(op, `depthwise filter has ${cout} channels for ${cin} input channels`, 'import-format');
      // Said before the tensors are read: what is unsupported comes first, whatever else is wrong.
      if (dm > 1 && cin > 1) this.fail(op, `depth multiplier ${dm} on ${cin} input channels is not supported yet; TinyTrain imports multiplier 1, or any multiplier on a one-channel input`);
      const raw = this.weights(op, cout, kh * kw, 3);
      if (dm === 1) {
        // [1][KH][KW][C] -> [C][KH][KW]
        const w = new Int8Array(raw.w.length);
        for (let t = 0; t < kh * kw; t++) for (let ch = 0; ch < cout; ch++) w[ch * kh * kw + t] = raw.w[t * cout + ch];
        wq = { ...raw, w };
      } else if (cin === 1) {
        // one input channel: output m reads it with its own kernel, i.e. a standard conv 1 -> cout (OHWI with I = 1)
        depthwise = false;
        const w = new Int8Array(raw.w.length);
        for (let t = 0; t < kh * kw; t++) for (let ch = 0; ch < cout; ch++) w[ch * kh * kw + t] = raw.w[t * cout + ch];
        wq = { ...raw, w };
      } else {
        this.fail(op, `depth multiplier ${dm} on ${cin} input channels is not supported yet; TinyTrain imports multiplier 1, or any multiplier on a one-channel input`);
      }
    } else {
      cout = ft.shape[0];
      if (ft.shape[3] !== cin) this.fail(op, `filter ${quoted(ft.name)} has ${ft.shape[3]} input channels for a ${cin}-channel input (grouped conv); TinyTrain imports ungrouped CONV_2D`);
      wq = this.weights(op, cout, kh * kw * cin, 0);
    }
    const act = this.activation(op);
    const out = this.perTensor(op, this.m.tensors[op.outputs[0]], 'output');
    const g: ConvGeometry = { kh, kw, sh, sw, pad };
    const outShape = convOutShape(inShape, g, cout);
    if (!(outShape.h >= 1 && outShape.w >= 1)) this.fail(op, `a ${kh}x${kw} kernel does not fit the ${inShape.h}x${inShape.w} input`, 'import-format');
    this.checkShape(op, outShape);
    const taps = kh * kw;
    const perOut = depthwise ? taps : taps * cin;
    const index = this.convs.length;
    const role = depthwise ? 'dw' : 'conv';
    const conv: Conv = {
      index, layer: this.blocks.length, role, name: `op${op.index}.${role}`, depthwise, cin, cout, ...g, taps, inShape, outShape, act,
      weightCount: perOut * cout, biasCount: cout, macs: perOut * elements(outShape),
    };
    this.convs.push(conv);
    this.qconvs.push({ w: wq.w, sw: wq.sw, b: wq.b, out });
    if (this.pending.length === 0) this.blockStart = x;
    this.pending.push(conv);
    this.features.set(op.outputs[0], { shape: outShape, quant: out, producer: conv, from: x });
    return conv;
  }

  private pad(op: TfliteOp): void {
    const [x, f] = this.feature(op);
    const pt = this.tensor(op, 1, 'paddings');
    const v = tensorValues(pt);
    if (!(v instanceof Int32Array) || v.length !== 8) this.fail(op, 'its paddings are not a constant int32 [4, 2] tensor');
    if (v[0] || v[1] || v[6] || v[7]) this.fail(op, 'pads the batch or channel axis; TinyTrain folds only spatial PAD into the next conv');
    if ([v[2], v[3], v[4], v[5]].some((p) => p < 0)) this.fail(op, 'has negative padding', 'import-format');
    if (op.code === OP.PADV2 && op.inputs[2] !== undefined && op.inputs[2] >= 0) {
      const cv = tensorValues(this.m.tensors[op.inputs[2]]);
      if (!(cv instanceof Int8Array) || cv[0] !== f.quant.zeroPoint) this.fail(op, 'pads with a value other than the zero point; TinyTrain folds only zero padding into the next conv');
    }
    const out = this.m.tensors[op.outputs[0]];
    const oq = this.perTensor(op, out, 'output');
    if (oq.scale !== f.quant.scale || oq.zeroPoint !== f.quant.zeroPoint) this.fail(op, 'changes the quantization of its input; PAD must keep scale and zero point');
    if ((this.consumers.get(op.outputs[0]) ?? 0) !== 1) this.fail(op, 'its output feeds more than one op; TinyTrain folds PAD into exactly one following conv');
    this.pads.set(op.outputs[0], { from: x, pad: { top: v[2], bottom: v[3], left: v[4], right: v[5] } });
  }

  /** Walks back from tensor t along the convs of the open chain; returns [fork tensor, convs]. */
  private pathBack(t: number): number[] {
    const path: number[] = [t];
    let f = this.features.get(t);
    while (f?.producer && this.pending.includes(f.producer)) {
      path.push(f.from!);
      f = this.features.get(f.from!);
    }
    return path;
  }

  private add(op: TfliteOp): void {
    const [a, fa] = this.feature(op, 0);
    const [b, fb] = this.feature(op, 1);
    if (fa.shape.h !== fb.shape.h || fa.shape.w !== fb.shape.w || fa.shape.c !== fb.shape.c) this.fail(op, `adds [${fa.shape.h}, ${fa.shape.w}, ${fa.shape.c}] to [${fb.shape.h}, ${fb.shape.w}, ${fb.shape.c}]; TinyTrain imports ADD of equal shapes (no broadcast)`);
    const pa = this.pathBack(a), pb = this.pathBack(b);
    const fork = pa.find((t) => pb.includes(t));
    if (fork === undefined) this.fail(op, 'joins two branches that do not start at one tensor; TinyTrain imports residual adds (a shortcut around a chain of convs)');
    const convsOf = (path: number[]): Conv[] => path.slice(0, path.indexOf(fork)).map((t) => this.features.get(t)!.producer!).reverse();
    let main = convsOf(pa), shortcut = convsOf(pb);
    if (shortcut.length > main.length) [main, shortcut] = [shortcut, main];
    if (main.length === 0) this.fail(op, 'adds a tensor to itself');
    const before = this.pending.filter((c) => !main.includes(c) && !shortcut.includes(c));
    if (before.some((c) => c.index > main[0].index)) this.fail(op, 'has a conv between the fork and the add that neither branch uses');
    // Convs before the fork close as blocks of their own.
    this.pending = before;
    this.closeChain(fork);
    const act = this.activation(op);
    const out = this.perTensor(op, this.m.tensors[op.outputs[0]], 'output');
    const inShape = this.features.get(fork)!.shape;
    const layer = this.blocks.length;
    for (const c of [...main, ...shortcut]) c.layer = layer;
    this.blocks.push({ layer, kind: 'residual', convs: main, shortcut, residual: true, addAct: act, inShape, outShape: fa.shape });
    this.adds[layer] = out;
    this.features.set(op.outputs[0], { shape: fa.shape, quant: out });
  }

  /** Closes the open chain of convs (up to tensor `upTo`) as one block per conv. */
  private closeChain(upTo: number): void {
    void upTo;
    for (const c of this.pending) {
      const layer = this.blocks.length;
      c.layer = layer;
      this.blocks.push({ layer, kind: 'conv', convs: [c], residual: false, inShape: c.inShape, outShape: c.outShape });
      this.adds[layer] = undefined;
    }
    this.pending = [];
  }

  private globalPool(op: TfliteOp, s: Shape): void {
    if (op.code === OP.MEAN) {
      const axes = tensorValues(this.tensor(op, 1, 'axes'));
      const list = axes ? Array.from(axes).sort() : [];
      if (list.length !== 2 || list[0] !== 1 || list[1] !== 2) this.fail(op, `reduces axes [${list.join(', ')}]; TinyTrain imports MEAN over H, W (axes [1, 2])`);
      return;
    }
    const o = op.options;
    const fh = Number(o.filter_height), fw = Number(o.filter_width);
    const out = this.outShape4(op);
    const global = Number(o.padding) === 1 ? fh === s.h && fw === s.w : fh >= s.h && fw >= s.w && out[1] === 1 && out[2] === 1;
    if (!global || this.activation(op) !== 'none') this.fail(op, `a ${fh}x${fw} pool on a ${s.h}x${s.w} feature map is not global; TinyTrain imports global average pooling (the pool covers the whole map, no activation)`);
  }

  private classifier(op: TfliteOp, cin: number, inQ: QParams): { w: Int8Array; sw: Float32Array; b: Int32Array; cin: number; classes: number; out: QParams; tensor: number } {
    const ft = this.tensor(op, 1, 'weights');
    const classes = ft.shape[0];
    const k = ft.shape.slice(1).reduce((p, d) => p * d, 1);
    if (k !== cin || !(classes >= 1)) this.fail(op, `classifier weights [${ft.shape.join(', ')}] do not match ${cin} pooled features`, 'import-format');
    if (this.activation(op) !== 'none') this.fail(op, 'the classifier has a fused activation; TinyTrain trains a linear classifier (logits)');
    void inQ;
    const { w, sw, b } = this.weights(op, classes, cin, 0);
    const out = this.perTensor(op, this.m.tensors[op.outputs[0]], 'output');
    return { w, sw, b, cin, classes, out, tensor: op.outputs[0] };
  }
}

export { opName };
