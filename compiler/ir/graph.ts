// The training graph: tensors and ops. The forward part is the int8 inference graph; autodiff
// appends the backward and update ops. Ops list their tensor ids; tensors know their bytes.

import { elements, type Network, type Shape } from './network.js';

export type DType = 'int8' | 'int32' | 'float32' | 'bit';

/** What a tensor is for; the memory timeline stacks live bytes by these. */
export type TensorKind =
  | 'input'        // the int8 input image
  | 'activation'   // int8 forward activations
  | 'saved'        // int8 input slice kept for a weight gradient
  | 'mask'         // 1-bit clamp masks kept for backward
  | 'gradient'     // float activation gradients
  | 'param-grad'   // float weight / bias gradients, alive until their update
  | 'workspace';   // kernel scratch, alive for one op

export interface Tensor {
  id: number;
  name: string;
  dtype: DType;
  /** HWC for feature maps; [n] for vectors. */
  shape: number[];
  bytes: number;
  kind: TensorKind;
}

export type Phase = 'forward' | 'loss' | 'backward' | 'update';

export type OpType =
  // forward (int8)
  | 'conv2d' | 'dwconv2d' | 'add' | 'avgpool' | 'fc' | 'save_slice'
  // loss
  | 'log_softmax_nll'
  // backward (float)
  | 'clamp_backward' | 'bias_grad' | 'conv_input_grad' | 'dwconv_input_grad' | 'conv_weight_grad' | 'dwconv_weight_grad'
  | 'avgpool_backward' | 'fc_backward' | 'grad_accumulate'
  // updates (SGD, QAS)
  | 'sgd_bias' | 'sgd_weight' | 'sgd_fc'
  // a gradient fused with its update (the reordered schedule): computed and applied per output
  // channel, so no whole-parameter gradient buffer ever exists
  | 'bias_grad_sgd' | 'conv_weight_grad_sgd' | 'dwconv_weight_grad_sgd' | 'fc_backward_sgd'
  // the backward of an inverted bottleneck (pw2 -> dw -> pw1) run in chunks of its expanded
  // channels (a lowering of the ops above, see schedule/chunk.ts)
  | 'mbconv_backward_chunked'
  // the frozen forward prefix run as a stream of rows (a lowering, see schedule/stream.ts)
  | 'stream_forward';

export interface Op {
  id: number;
  type: OpType;
  phase: Phase;
  name: string;
  inputs: number[];
  outputs: number[];
  /** Conv number this op belongs to, if any. */
  conv?: number;
  /** Config layer index this op belongs to (classifier ops: undefined). */
  layer?: number;
  /** The op may write outputs[0] over inputs[0] when that input dies here. */
  mayRunInPlace?: boolean;
  /** Scratch the op needs when it does run in place (bytes). */
  inPlaceWorkspaceBytes?: number;
  /** Scratch the op always needs (bytes). */
  workspaceBytes?: number;
  /** Trained input channels (weight-gradient, update and save-slice ops). */
  k?: number;
  /** mbconv_backward_chunked only: the ops it runs once per chunk of expanded channels. */
  chunked?: ChunkedBackward;
  /** stream_forward only: the forward ops it runs row by row. */
  stream?: StreamStage;
  /**
   * avgpool_backward only: the same gradient kept once per channel. The global average pool's
   * input gradient is dy[c] / (h * w) at every pixel, so a [c] tensor holds all of it; a
   * lowering whose consumer reads the gradient broadcast over the pixels writes `tensor`
   * instead of outputs[0] (schedule/chunk.ts), and the broadcast tensor never exists.
   */
  pooled?: { tensor: number; pixels: number };
}

/** Forward ops run a few rows at a time, each streamed tensor in a ring of rows. */
export interface StreamStage {
  ops: Op[];
  /** The one tensor the stream writes whole (what the rest of the schedule reads). */
  output: number;
  /** A ring per streamed tensor (tensor 0, the input image, first): rows kept and bytes per row. */
  rings: { tensor: number; rows: number; rowBytes: number }[];
  /** The row computations in order: [index into ops, or -1 to read an input row; row]. */
  events: [number, number][];
}

/** The backward through pw2 -> dw -> pw1 of one block, one chunk of expanded channels at a time. */
export interface ChunkedBackward {
  /** Conv numbers of the block's pw2, dw and pw1. */
  pw2: number;
  dw: number;
  pw1: number;
  /** Expanded channels, and channels per chunk (the last chunk may be smaller). */
  channels: number;
  chunk: number;
  /** The autodiff ops the loop runs for each chunk, in order, each restricted to the chunk. */
  steps: Op[];
  /** Spatial size of the dw output (pw2 input) and of the dw input (pw1 output). */
  dwOut: { h: number; w: number };
  dwIn: { h: number; w: number };
  /**
   * pw2's output gradient masked on the fly: when the block's output gradient `dy` lives on
   * after the block (a residual add reads it), pw2's clamp backward (and its bias gradient) read
   * `dy` through pw2's `mask` instead of a whole masked copy. `steps`: the ops this replaces.
   * `broadcast`: dy is a pooling layer's pooled gradient, one value per channel, the same at
   * every pixel (Op.pooled), read as if it were broadcast over the pixels.
   */
  pw2Masked?: { dy: number; mask: number; steps: Op[]; broadcast?: boolean };
}

export interface TrainingGraph {
  tensors: Tensor[];
  ops: Op[];
  /** Tensor ids of each conv's forward output and the classifier logits, for reference. */
  convOutput: number[];
  logits: number;
}

export function bytesOf(dtype: DType, count: number): number {
  switch (dtype) {
    case 'int8': return count;
    case 'bit': return Math.ceil(count / 8);
    default: return 4 * count;
  }
}

/** Accumulates tensors and ops; ids are their indices. */
export class GraphBuilder {
  readonly tensors: Tensor[] = [];
  readonly ops: Op[] = [];

  tensor(name: string, dtype: DType, shape: number[], kind: TensorKind): number {
    const count = shape.reduce((a, b) => a * b, 1);
    const id = this.tensors.length;
    this.tensors.push({ id, name, dtype, shape, bytes: bytesOf(dtype, count), kind });
    return id;
  }

  feature(name: string, dtype: DType, s: Shape, kind: TensorKind): number {
    return this.tensor(name, dtype, [s.h, s.w, s.c], kind);
  }

  op(o: Omit<Op, 'id'>): Op {
    const op = { ...o, id: this.ops.length };
    this.ops.push(op);
    return op;
  }
}

export { elements };
export type { Network };
