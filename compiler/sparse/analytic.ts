// The paper's analytic "extra memory" of a sparse-update scheme (paper-facts.md), in bits:
//  - the classifier's input activation: 8 * C;
//  - per bias-trained conv: a clamp mask of C_out*H_out*W_out bits and a 32-bit bias per channel;
//  - per weight-trained conv with k channels: the saved input 8*H_in*W_in*k and the trained
//    weights 8*C_out*k*kh*kw (depthwise: 8*k*kh*kw).
// Classifier weights and biases are not counted. KB = bits / 8 / 1024.

import type { Conv, Network } from '../ir/network.js';
import { maskBits, savedInputBytes, trainedBiasBytes, trainedWeightSramBytes } from './costs.js';
import type { ConvUpdate, UpdatePlan } from './scheme.js';

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

/** The classifier's int8 input activation, kept for its weight gradient. */
export function classifierInputBits(net: Network): number {
  return 8 * net.featureShape.c;
}

/** One conv's part of the analytic extra memory under its update (the search prices choices with
 * it). A rounding residual doubles the weight bits: the paper's int8 weight plus its residual byte. */
export function analyticLayer(conv: Conv, u: Pick<ConvUpdate, 'bias' | 'k'>, residual = false): AnalyticLayer {
  return {
    conv: conv.index,
    maskBits: u.bias ? maskBits(conv) : 0,
    biasBits: u.bias ? 8 * trainedBiasBytes(conv) : 0,
    savedInputBits: 8 * savedInputBytes(conv, u.k),
    weightBits: 8 * trainedWeightSramBytes(conv, u.k, residual),
  };
}

export function analyticMemory(net: Network, plan: UpdatePlan): AnalyticMemory {
  const layers: AnalyticLayer[] = [];
  let activationBits = classifierInputBits(net);
  let paramBits = 0;
  for (const conv of net.convs) {
    const u = plan.convs[conv.index];
    if (!u.bias && u.k === 0) continue;
    const row = analyticLayer(conv, u, plan.residual === true);
    activationBits += row.maskBits + row.savedInputBits;
    paramBits += row.biasBits + row.weightBits;
    layers.push(row);
  }
  return {
    extraKB: KB(activationBits + paramBits),
    activationKB: KB(activationBits),
    paramKB: KB(paramBits),
    classifierInputBits: classifierInputBits(net),
    layers,
  };
}
