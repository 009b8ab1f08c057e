// Operator reordering at its finest grain: a parameter gradient and its update become one op
// that computes the gradient one output channel at a time and applies it at once. The only
// gradient memory left is one output channel's worth of scratch.

import type { Op, OpType, TrainingGraph } from '../ir/graph.js';

/** TT_WGRAD_FMA_ROWS of runtime/kernels/tt_fast.h: output channels per pass of
 * tt_conv2d_s8_weight_grad_fma_sgd_fast, whose gradient rows wait in its workspace. */
export const WEIGHT_GRAD_ROWS = 4;

const FUSED: Partial<Record<OpType, OpType>> = {
  bias_grad: 'bias_grad_sgd',
  conv_weight_grad: 'conv_weight_grad_sgd',
  dwconv_weight_grad: 'dwconv_weight_grad_sgd',
  fc_backward: 'fc_backward_sgd',
};

/** Returns the op list with every (gradient, update) pair fused; other ops unchanged. */
export function fuseUpdates(graph: TrainingGraph): Op[] {
  const out: Op[] = [];
  const ops = graph.ops;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const next = ops[i + 1];
    const fusedType = FUSED[op.type];
    const paramGrads = op.outputs.filter((t) => graph.tensors[t].kind === 'param-grad');
    if (!fusedType || !next || next.phase !== 'update' || paramGrads.length === 0 || !next.inputs.every((t) => paramGrads.includes(t))) {
      out.push(op);
      continue;
    }
    out.push({
      ...op,
      type: fusedType,
      name: `${op.name}+sgd`,
      outputs: op.outputs.filter((t) => !paramGrads.includes(t)),
      // One output channel of the gradient: k*kh*kw floats (depthwise kh*kw; classifier one row);
      // the conv kernel holds WEIGHT_GRAD_ROWS channels at once.
      workspaceBytes: perChannelGradientBytes(graph, paramGrads[0]) * (op.type === 'conv_weight_grad' ? Math.min(WEIGHT_GRAD_ROWS, graph.tensors[paramGrads[0]].shape[0]) : 1),
    });
    i++; // the update is now part of the fused op
  }
  return out;
}

function perChannelGradientBytes(graph: TrainingGraph, t: number): number {
  const tensor = graph.tensors[t];
  if (tensor.shape.length <= 1) return 0; // a bias: one float at a time, in a register
  return tensor.bytes / tensor.shape[0];
}
