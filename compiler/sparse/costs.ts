// What training one conv costs, per part: one function per fact, used by the memory planner,
// the paper's analytic model, the plan search, codegen and (through the analysis) the hover.

import type { TrainingGraph } from '../ir/graph.js';
import type { Conv } from '../ir/network.js';

/** Bytes of the int8 SRAM copy of a conv's trained weight slice: k input channels of every
 * filter (depthwise: k channels of one filter each); 0 when k = 0. */
export function trainedSliceBytes(conv: Conv, k: number): number {
  const kk = conv.taps;
  return k > 0 ? (conv.depthwise ? k * kk : conv.cout * kk * k) : 0;
}

/** Bytes of SRAM a trained weight slice holds: its int8 copy, and with a rounding residual
 * (train.weight_rounding: residual) one more byte per weight. */
export function trainedWeightSramBytes(conv: Conv, k: number, residual: boolean): number {
  return weightCopyBytes(trainedSliceBytes(conv, k), residual);
}

/** SRAM of an int8 weight copy of `int8Bytes` (a conv slice, the classifier's weights): one
 * more byte per weight with a rounding residual. */
export function weightCopyBytes(int8Bytes: number, residual: boolean): number {
  return int8Bytes * (residual ? 2 : 1);
}

/** Bytes of the int32 SRAM copy of a conv's bias. */
export function trainedBiasBytes(conv: Conv): number {
  return 4 * conv.cout;
}

/** Bits of the clamp mask of a conv's output (one per output element) that backward reads. */
export function maskBits(conv: Conv): number {
  return conv.cout * conv.outShape.h * conv.outShape.w;
}

/** Bytes of the int8 input slice a weight gradient over k channels reads (the paper's count:
 * the slice, even when k = C_in and the planner keeps the input itself alive instead). */
export function savedInputBytes(conv: Conv, k: number): number {
  return conv.inShape.h * conv.inShape.w * k;
}

/** Bytes each conv keeps for backward in a real training graph: its clamp mask and its saved
 * input slice, as the tensors autodiff made (a fully trained conv keeps no slice of its own). */
export function savedBytesPerConv(graph: TrainingGraph): Map<number, number> {
  const out = new Map<number, number>();
  for (const op of graph.ops) {
    if (op.conv === undefined || op.phase !== 'forward') continue;
    for (const t of op.outputs) {
      const tensor = graph.tensors[t];
      if (tensor.kind === 'mask' || tensor.kind === 'saved') out.set(op.conv, (out.get(op.conv) ?? 0) + tensor.bytes);
    }
  }
  return out;
}
