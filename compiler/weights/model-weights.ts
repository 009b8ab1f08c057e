// Model parameters in memory: the fp32 model (host pretraining, reference) and the int8 model
// the device trains. Layouts are the kernels' (runtime/kernels/tt_kernels.h): conv OHWI,
// depthwise [c][kh][kw], classifier [classes][cin].

import type { Network } from '../ir/network.js';
import { mulberry32, normal } from '../random.js';

export interface FloatConv { w: Float32Array; b: Float32Array }
export interface FloatModel { convs: FloatConv[]; fc: { w: Float32Array; b: Float32Array } }

/** Per-tensor affine int8 quantization: real = scale * (q - zeroPoint). */
export interface QParams { scale: number; zeroPoint: number }

export interface QuantConv {
  w: Int8Array;
  /** Per-output-channel weight scales (symmetric, zero point 0). */
  sw: Float32Array;
  /** int32 bias with scale s_x * s_w[o]. */
  b: Int32Array;
  /** Output activation (after ReLU6 for relu6 convs). */
  out: QParams;
}

export interface QuantModel {
  input: QParams;
  convs: QuantConv[];
  /** Output of each residual add, by block index (undefined for blocks without one). */
  adds: (QParams | undefined)[];
  pool: QParams;
  fc: { w: Int8Array; sw: Float32Array; b: Int32Array };
}

/** Deterministic uniform and normal samplers, so initialisation repeats by seed. */
export function seededRandom(seed: number): { uniform(): number; normal(): number } {
  const uniform = mulberry32(seed);
  return { uniform, normal: () => normal(uniform) };
}

/** He (Kaiming) normal initialisation with zero biases: the start of a from-scratch model. */
export function heInit(net: Network, seed: number): FloatModel {
  const r = seededRandom(seed);
  const convs = net.convs.map((c) => {
    const fanIn = c.depthwise ? c.taps : c.taps * c.cin;
    const std = Math.sqrt(2 / fanIn) * (c.act !== 'none' ? 1 : 0.5); // linear projections start smaller so residual sums stay tame
    const w = new Float32Array(c.weightCount);
    for (let i = 0; i < w.length; i++) w[i] = r.normal() * std;
    return { w, b: new Float32Array(c.cout) };
  });
  return { convs, fc: newClassifier(net, seed + 1) };
}

/** A fresh classifier head (He init, zero bias), e.g. for new classes in transfer learning. */
export function newClassifier(net: Network, seed: number): { w: Float32Array; b: Float32Array } {
  const r = seededRandom(seed);
  const { cin, classes } = net.classifier;
  const w = new Float32Array(cin * classes);
  const std = Math.sqrt(1 / cin);
  for (let i = 0; i < w.length; i++) w[i] = r.normal() * std;
  return { w, b: new Float32Array(classes) };
}
