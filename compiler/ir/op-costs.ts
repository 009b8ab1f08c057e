// What each op of the training step computes, for the per-op profile: its kind (the kernel
// family that runs it), a short shape, and its multiply-accumulates. A profile divides the
// measured counter by these to give instructions (or cycles, or ns) per MAC.

import type { Op, Tensor } from './graph.js';
import { isPointwise, type Network } from './network.js';

/** The kernel family of an op: a pointwise conv is not a 3x3 conv, nor its gradient. */
export function opKind(op: Op, net: Network): string {
  const cv = op.conv !== undefined ? net.convs[op.conv] : undefined;
  const pw = cv !== undefined && isPointwise(cv);
  switch (op.type) {
    case 'conv2d': return pw ? 'pwconv' : 'conv';
    case 'dwconv2d': return 'dwconv';
    case 'conv_input_grad': return pw ? 'pwconv_input_grad' : 'conv_input_grad';
    case 'conv_weight_grad': case 'conv_weight_grad_sgd': return pw ? 'pwconv_weight_grad' : 'conv_weight_grad';
    case 'dwconv_weight_grad': case 'dwconv_weight_grad_sgd': return 'dwconv_weight_grad';
    case 'bias_grad': case 'bias_grad_sgd': case 'sgd_bias': return 'bias_grad';
    case 'fc_backward': case 'fc_backward_sgd': case 'sgd_fc': return 'fc_backward';
    default: return op.type;
  }
}

/** Multiply-accumulates of one op (0 for element-wise ops, copies and updates alone). */
export function opMacs(op: Op, net: Network, tensors: readonly Tensor[]): number {
  const cv = op.conv !== undefined ? net.convs[op.conv] : undefined;
  const cls = net.classifier;
  switch (op.type) {
    case 'conv2d': case 'dwconv2d': case 'conv_input_grad': case 'dwconv_input_grad':
      return cv!.macs;
    case 'conv_weight_grad': case 'conv_weight_grad_sgd': case 'dwconv_weight_grad': case 'dwconv_weight_grad_sgd':
      // the correlation over the first k input channels (depthwise: the first k channels)
      return Math.round((cv!.macs * (op.k ?? cv!.cin)) / cv!.cin);
    case 'fc':
      return cls.macs;
    case 'fc_backward': case 'fc_backward_sgd': {
      // dx when a gradient flows on into the backbone; dW when the classifier trains
      const dx = op.outputs.some((t) => tensors[t].kind === 'gradient') ? 1 : 0;
      const dw = op.type === 'fc_backward_sgd' || op.outputs.some((t) => tensors[t].kind === 'param-grad') ? 1 : 0;
      return cls.macs * (dx + dw);
    }
    case 'stream_forward':
      // the frozen convs it runs row by row: each output element once, as on whole tensors
      return op.stream!.ops.reduce((a, o) => a + opMacs(o, net, tensors), 0);
    case 'mbconv_backward_chunked': {
      // the autodiff ops it runs restricted to each chunk: over all chunks, each op once
      const cb = op.chunked!;
      return [...cb.steps, ...(cb.pw2Masked?.steps ?? [])].reduce((a, o) => a + opMacs(o, net, tensors), 0);
    }
    default:
      return 0;
  }
}

/** "HxWxC -> HxWxC k3 s2" (non-square: "k5x1 s2x1") for conv ops, "" for the rest. */
export function opShape(op: Op, net: Network): string {
  if (op.conv === undefined) return op.type === 'fc' || op.type.startsWith('fc_') ? `${net.classifier.cin} -> ${net.classifier.classes}` : '';
  const cv = net.convs[op.conv];
  const pair = (a: number, b: number): string => (a === b ? `${a}` : `${a}x${b}`);
  return `${cv.inShape.h}x${cv.inShape.w}x${cv.cin} -> ${cv.outShape.h}x${cv.outShape.w}x${cv.cout} k${pair(cv.kh, cv.kw)} s${pair(cv.sh, cv.sw)}${op.k !== undefined && op.k < cv.cin ? ` k=${op.k}` : ''}`;
}
