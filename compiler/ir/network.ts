// The int8 forward network: layers of the config expanded into numbered convs with shapes,
// parameter counts and MACs. Layout is HWC throughout (as on the device).

import type { ModelSpec } from '../config/spec.js';

export interface Shape { h: number; w: number; c: number }

export type ConvRole = 'conv' | 'pw1' | 'dw' | 'pw2';

/** The clamp after a conv or add: none (int8 range), ReLU, or ReLU6 (what TFLite fuses). */
export type Activation = 'none' | 'relu' | 'relu6';

/** Zero padding before (top, left) and after (bottom, right) the input, in pixels. After-padding
 * only sets the output size and may be negative (trailing input rows no output reads). */
export interface Padding { top: number; left: number; bottom: number; right: number }

/** How a conv window moves over its input: kernel kh x kw, a stride per axis, explicit padding.
 * The C kernels take exactly this (tt_conv_geom). For a 1-D layer the time axis is h (w = 1). */
export interface ConvGeometry { kh: number; kw: number; sh: number; sw: number; pad: Padding }

/** Output size along one axis: floor((in + before + after - k) / s) + 1. */
export const convOutSize = (inSize: number, k: number, s: number, before: number, after: number): number =>
  Math.floor((inSize + before + after - k) / s) + 1;

/** TFLite's SAME padding along one axis: out = ceil(in / s), total = max(0, (out-1)*s + k - in),
 * floor(total / 2) before and the rest after. */
export function tfliteSamePadding(inSize: number, k: number, s: number): [number, number] {
  const out = Math.ceil(inSize / s);
  const total = Math.max(0, (out - 1) * s + k - inSize);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** The config language's "same" padding (contract v1) along one axis: floor((k-1)/2) before, and
 * after whatever makes out = ceil(in / s) (never below 0). Equals TFLite's SAME at stride 1 with
 * an odd kernel; at stride 2 on an even input TFLite puts its one pad row after, this before. */
export function centredSamePadding(inSize: number, k: number, s: number): [number, number] {
  const out = Math.ceil(inSize / s);
  const before = Math.floor((k - 1) / 2);
  return [before, Math.max(0, (out - 1) * s + k - inSize - before)];
}

/** The geometry of a config layer: kernel [kh, kw] and stride [sh, sw] with centred "same" padding. */
export function configGeometry(input: Shape, kernel: [number, number], stride: [number, number]): ConvGeometry {
  const [top, bottom] = centredSamePadding(input.h, kernel[0], stride[0]);
  const [left, right] = centredSamePadding(input.w, kernel[1], stride[1]);
  return { kh: kernel[0], kw: kernel[1], sh: stride[0], sw: stride[1], pad: { top, left, bottom, right } };
}

/** Output shape of a conv with geometry g on `input`, with `cout` channels. */
export const convOutShape = (input: Shape, g: ConvGeometry, cout: number): Shape => ({
  h: convOutSize(input.h, g.kh, g.sh, g.pad.top, g.pad.bottom),
  w: convOutSize(input.w, g.kw, g.sw, g.pad.left, g.pad.right),
  c: cout,
});

/** A 1x1 stride-1 unpadded standard conv: the pointwise kernels apply. */
export const isPointwise = (c: Conv): boolean =>
  !c.depthwise && c.kh === 1 && c.kw === 1 && c.sh === 1 && c.sw === 1 &&
  c.pad.top === 0 && c.pad.left === 0 && c.pad.bottom === 0 && c.pad.right === 0;

export interface Conv extends ConvGeometry {
  /** The conv number of the contract (forward order over the backbone, from 0). */
  index: number;
  /** Index of the config layer (model.layers[i]) this conv belongs to; for an imported model,
   * of its block. */
  layer: number;
  role: ConvRole;
  /** `L<layer>.<role>`, e.g. `L0.conv`, `L3.pw1` (the expansion conv of model.layers[3]). */
  name: string;
  depthwise: boolean;
  cin: number;
  cout: number;
  /** kh * kw: weights per output channel and input channel. */
  taps: number;
  inShape: Shape;
  outShape: Shape;
  /** The clamp after the conv: config convs use ReLU6, a pw2 projection none. */
  act: Activation;
  weightCount: number;
  biasCount: number;
  macs: number;
}

export interface Block {
  layer: number;
  /** 'residual': an imported add around `convs`, with an optional `shortcut` path. */
  kind: 'conv' | 'mbconv' | 'residual';
  convs: Conv[];
  /** The block's output is add(shortcut(input), convs(input)); shortcut empty = identity. */
  residual: boolean;
  /** Convs on the add's other path (an imported projection, e.g. a 1x1 stride-2 conv). */
  shortcut?: Conv[];
  /** The clamp fused into the add (imported models; config blocks: none). */
  addAct?: Activation;
  inShape: Shape;
  outShape: Shape;
}

export interface Classifier { cin: number; classes: number; weightCount: number; biasCount: number; macs: number }

/** How an imported model's format rounds its global pool's float mean (see Network.poolRounding). */
export type PoolRounding = 'half-away' | 'half-even';

export interface Network {
  name: string;
  /** How an imported model's global pool rounds its float mean: half away from zero as TFLite
   * runtimes do, or half to even as ONNX's QuantizeLinear does; absent (config models): the
   * integer sum scaled, half to even. */
  poolRounding?: PoolRounding;
  input: Shape;
  blocks: Block[];
  convs: Conv[];
  featureShape: Shape;
  classifier: Classifier;
  params: number;
  macs: number;
}

export const elements = (s: Shape): number => s.h * s.w * s.c;

export function buildNetwork(model: ModelSpec): Network {
  const [h, w, c] = model.input;
  const input: Shape = { h, w, c };
  const convs: Conv[] = [];
  const blocks: Block[] = [];
  let shape = input;

  const addConv = (layer: number, role: ConvRole, name: string, cout: number, kernel: [number, number], stride: [number, number], depthwise: boolean, act: Activation): Conv => {
    const inShape = shape;
    const g = configGeometry(inShape, kernel, stride);
    const outShape = convOutShape(inShape, g, cout);
    const taps = g.kh * g.kw;
    const perOut = depthwise ? taps : taps * inShape.c;
    const conv: Conv = {
      index: convs.length, layer, role, name, depthwise, cin: inShape.c, cout, ...g, taps, inShape, outShape, act,
      weightCount: perOut * cout, biasCount: cout, macs: perOut * elements(outShape),
    };
    convs.push(conv);
    shape = outShape;
    return conv;
  };

  model.layers.forEach((layer, li) => {
    const inShape = shape;
    const first = convs.length;
    if (layer.kind === 'conv') {
      addConv(li, 'conv', `L${li}.conv`, layer.out, layer.kernel, layer.stride, false, 'relu6');
    } else {
      const b = `L${li}`;
      if (layer.expand !== 1) addConv(li, 'pw1', `${b}.pw1`, inShape.c * layer.expand, [1, 1], [1, 1], false, 'relu6');
      addConv(li, 'dw', `${b}.dw`, shape.c, layer.kernel, layer.stride, true, 'relu6');
      addConv(li, 'pw2', `${b}.pw2`, layer.out, [1, 1], [1, 1], false, 'none');
    }
    const residual = layer.kind === 'mbconv' && layer.stride[0] === 1 && layer.stride[1] === 1 && inShape.c === layer.out;
    blocks.push({ layer: li, kind: layer.kind, convs: convs.slice(first), residual, inShape, outShape: shape });
  });

  const classifier: Classifier = {
    cin: shape.c, classes: model.classes,
    weightCount: shape.c * model.classes, biasCount: model.classes, macs: shape.c * model.classes,
  };
  const params = convs.reduce((n, cv) => n + cv.weightCount + cv.biasCount, 0) + classifier.weightCount + classifier.biasCount;
  const macs = convs.reduce((n, cv) => n + cv.macs, 0) + classifier.macs;
  return { name: model.name, input, blocks, convs, featureShape: shape, classifier, params, macs };
}
