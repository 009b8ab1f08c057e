// The int8 forward network: layers of the config expanded into numbered convs with shapes,
// parameter counts and MACs. Layout is HWC throughout (as on the device).

import type { ModelSpec } from '../config/spec.js';

export interface Shape { h: number; w: number; c: number }

export type ConvRole = 'conv' | 'pw1' | 'dw' | 'pw2';

export interface Conv {
  /** The conv number of the contract (forward order over the backbone, from 0). */
  index: number;
  /** Index of the config layer (model.layers[i]) this conv belongs to. */
  layer: number;
  role: ConvRole;
  /** `L<layer>.<role>`, e.g. `L0.conv`, `L3.pw1` (the expansion conv of model.layers[3]). */
  name: string;
  depthwise: boolean;
  cin: number;
  cout: number;
  kernel: number;
  stride: number;
  inShape: Shape;
  outShape: Shape;
  /** ReLU6 after the conv; pw2 is a linear projection. */
  relu6: boolean;
  weightCount: number;
  biasCount: number;
  macs: number;
}

export interface Block {
  layer: number;
  kind: 'conv' | 'mbconv';
  convs: Conv[];
  residual: boolean;
  inShape: Shape;
  outShape: Shape;
}

export interface Classifier { cin: number; classes: number; weightCount: number; biasCount: number; macs: number }

export interface Network {
  name: string;
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

  const addConv = (layer: number, role: ConvRole, name: string, cout: number, kernel: number, stride: number, depthwise: boolean, relu6: boolean): Conv => {
    const inShape = shape;
    const outShape: Shape = { h: Math.ceil(inShape.h / stride), w: Math.ceil(inShape.w / stride), c: cout };
    const perOut = depthwise ? kernel * kernel : kernel * kernel * inShape.c;
    const conv: Conv = {
      index: convs.length, layer, role, name, depthwise, cin: inShape.c, cout, kernel, stride, inShape, outShape, relu6,
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
      addConv(li, 'conv', `L${li}.conv`, layer.out, layer.kernel, layer.stride, false, true);
    } else {
      const b = `L${li}`;
      if (layer.expand !== 1) addConv(li, 'pw1', `${b}.pw1`, inShape.c * layer.expand, 1, 1, false, true);
      addConv(li, 'dw', `${b}.dw`, shape.c, layer.kernel, layer.stride, true, true);
      addConv(li, 'pw2', `${b}.pw2`, layer.out, 1, 1, false, false);
    }
    const residual = layer.kind === 'mbconv' && layer.stride === 1 && inShape.c === layer.out;
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
