// A sparse-update scheme resolved against a network: for every conv, whether its bias trains and
// how many input channels of its weights train.

import type { UpdateSpec, WeightRounding } from '../config/spec.js';
import type { Conv, Network } from '../ir/network.js';

export interface ConvUpdate {
  bias: boolean;
  /** Trained input channels (depthwise: trained channels); 0 = weights frozen. */
  k: number;
  /** The ratio asked for (0 when frozen). */
  ratio: number;
}

export interface UpdatePlan {
  convs: ConvUpdate[];
  classifier: boolean;
  /** The earliest conv with a trained parameter; backward stops there. convs.length if none. */
  earliest: number;
  /** Trained int8 weights keep a one-byte rounding residual (train.weight_rounding: residual).
   *  Absent when they do not, so a plan without it hashes as before the option existed. */
  residual?: true;
}

/** Channels a ratio selects: floor(r * C_in), or floor(r * C) for a depthwise conv. */
export function trainedChannels(conv: Conv, ratio: number): number {
  return Math.floor(ratio * conv.cin + 1e-9);
}

export function resolveUpdate(net: Network, update: Pick<UpdateSpec, 'biases' | 'classifier'> & { weights: { conv: number; ratio: number }[] }): UpdatePlan {
  const n = net.convs.length;
  const firstBias = n - Math.min(update.biases, n);
  const convs: ConvUpdate[] = net.convs.map((c) => ({ bias: c.index >= firstBias, k: 0, ratio: 0 }));
  for (const w of update.weights) {
    const conv = net.convs[w.conv];
    if (!conv) continue;
    convs[w.conv] = { bias: convs[w.conv].bias, k: trainedChannels(conv, w.ratio), ratio: w.ratio };
  }
  const earliest = convs.findIndex((u) => u.bias || u.k > 0);
  return { convs, classifier: update.classifier, earliest: earliest < 0 ? n : earliest };
}

/** The plan with the config's weight rounding: a residual byte per trained weight, or none. */
export function withWeightRounding(plan: UpdatePlan, rounding: WeightRounding): UpdatePlan {
  const { residual: _, ...rest } = plan;
  return rounding === 'residual' ? { ...rest, residual: true } : rest;
}

/** Every weight and bias of every conv, and the classifier: the paper's "full update". */
export function fullUpdate(net: Network): UpdatePlan {
  return {
    convs: net.convs.map((c) => ({ bias: true, k: c.cin, ratio: 1 })),
    classifier: true,
    earliest: 0,
  };
}

export function describeUpdate(u: ConvUpdate, conv: Conv): string {
  if (u.k > 0) return `bias+weights ${u.k}/${conv.cin}`;
  return u.bias ? 'bias' : 'frozen';
}
