// The paper's analytic "extra memory" of a sparse-update scheme (paper-facts.md), in bits:
//  - the classifier's input activation: 8 * C;
//  - per bias-trained conv: a clamp mask of C_out*H_out*W_out bits and a 32-bit bias per channel;
//  - per weight-trained conv with k channels: the saved input 8*H_in*W_in*k and the trained
//    weights 8*C_out*k*kh*kw (depthwise: 8*k*kh*kw).
// Classifier weights and biases are not counted. KB = bits / 8 / 1024.

import type { Network } from '../ir/network.js';
import type { UpdatePlan } from './scheme.js';

export interface AnalyticLayer {
  conv: number;
  maskBits: number;
  savedInputBits: number;
  biasBits: number;
  weightBits: number;
}

export interface AnalyticMemory {
  /** Total extra memory in KB (activation + parameter parts). */
  extraKB: number;
  activationKB: number;
  paramKB: number;
  classifierInputBits: number;
  layers: AnalyticLayer[];
}

const KB = (bits: number): number => bits / 8 / 1024;

export function analyticMemory(net: Network, plan: UpdatePlan): AnalyticMemory {
  const layers: AnalyticLayer[] = [];
  let activationBits = 8 * net.featureShape.c;
  let paramBits = 0;
  for (const conv of net.convs) {
    const u = plan.convs[conv.index];
    if (!u.bias && u.k === 0) continue;
    const o = conv.outShape;
    const i = conv.inShape;
    const kk = conv.taps;
    const row: AnalyticLayer = {
      conv: conv.index,
      maskBits: u.bias ? conv.cout * o.h * o.w : 0,
      biasBits: u.bias ? 32 * conv.cout : 0,
      savedInputBits: u.k > 0 ? 8 * i.h * i.w * u.k : 0,
      weightBits: u.k > 0 ? (conv.depthwise ? 8 * u.k * kk : 8 * conv.cout * u.k * kk) : 0,
    };
    activationBits += row.maskBits + row.savedInputBits;
    paramBits += row.biasBits + row.weightBits;
    layers.push(row);
  }
  return {
    extraKB: KB(activationBits + paramBits),
    activationKB: KB(activationBits),
    paramKB: KB(paramBits),
    classifierInputBits: 8 * net.featureShape.c,
    layers,
  };
}
