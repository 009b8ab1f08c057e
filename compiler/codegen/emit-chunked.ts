// C for one chunked backward op (schedule/chunk.ts): a loop over chunks of a block's expanded
// channels that runs each autodiff step on the chunk, with the two gradient chunks the plan gave
// it. Kernels: tt_chunked.h, plus the fused and depthwise kernels with channel-offset pointers.

import type { Op } from '../ir/graph.js';
import type { Network } from '../ir/network.js';
import type { UpdatePlan } from '../sparse/scheme.js';
import type { WeightUpdateNames } from './weight-update.js';

export interface ChunkEmitContext {
  net: Network;
  update: UpdatePlan;
  /** A typed pointer expression to a tensor in the arena. */
  ptr: (t: number) => string;
  /** A float pointer expression to an arena offset. */
  at: (offset: number) => string;
  /** The op's scratch (float). */
  ws: (op: Op) => string;
  /** Scale and zero point of a conv's forward input, as C literals. */
  inputQuant: (conv: number) => { scale: string; zeroPoint: number };
  /** Scale and zero point of a saved tensor, as C literals. */
  savedQuant: (t: number) => { scale: string; zeroPoint: number };
  /** Channels (last dimension) of an HWC tensor. */
  channelsOf: (t: number) => number;
  lr: string;
  qas: number;
  chunkOffsets: { dwOut: number; dwIn: number };
  /** Take the fast kernels of tt_fast.h (same results bit for bit). */
  fast: boolean;
  /** How trained weights reach their update kernels (with a rounding residual or not). */
  updates: WeightUpdateNames;
}

export function chunkedBackwardLines(op: Op, c: ChunkEmitContext): string[] {
  const cb = op.chunked!;
  const { net, update } = c;
  const pw2 = net.convs[cb.pw2], dw = net.convs[cb.dw], pw1 = net.convs[cb.pw1];
  const M = cb.channels;
  const ga = c.at(c.chunkOffsets.dwOut); // gradient chunk at the dw output ([H2][W2][n])
  const gb = c.at(c.chunkOffsets.dwIn);  // gradient chunk at the dw input ([H1][W1][n])
  const npix2 = cb.dwOut.h * cb.dwOut.w, npix1 = cb.dwIn.h * cb.dwIn.w;
  const kk = dw.taps;
  const fast = c.fast ? '_fast' : '';
  const n = (i: number): string => `c${i}`;
  const sram = (i: number, offset: string): string => (update.convs[i].k > 0 ? `${n(i)}_w_sram + ${offset}` : '0');
  const before: string[] = [];
  const body: string[] = [];
  // pw2's output gradient read through its mask: the clamp has no code, its bias gradient reads dy.
  const masked = cb.pw2Masked;
  // Floats between two pixels of pw2's output gradient: none when it is pooled (the same at every pixel).
  const dyStride = masked?.broadcast ? 0 : pw2.cout;
  for (const s of masked?.steps ?? []) {
    if (s.type !== 'bias_grad_sgd') continue;
    const q = c.inputQuant(s.conv!);
    before.push(`tt_bias_grad_sgd_s32_masked(${c.ptr(masked!.dy)}, ${dyStride}, ${c.ptr(masked!.mask)}, ${npix2}, ${pw2.cout}, ${n(s.conv!)}_b_sram, ${q.scale}, ${n(s.conv!)}_sw, ${c.lr}, ${c.qas});`);
  }
  for (const s of cb.steps) {
    const dz = s.conv === pw1.index ? gb : ga;
    switch (s.type) {
      case 'conv_input_grad':
        if (s.conv === pw2.index) {
          const k = update.convs[pw2.index].k;
          const dz = masked ? `${c.ptr(masked.dy)}, ${dyStride}, ${c.ptr(masked.mask)}` : `${c.ptr(s.inputs[0])}, ${pw2.cout}, 0`;
          body.push(`tt_pwconv_s8_bwd_input_chunk${fast}(${dz}, ${npix2}, ${M}, c0, n, ${n(pw2.index)}_w, ${k > 0 ? `${n(pw2.index)}_w_sram` : '0'}, ${k}, ${n(pw2.index)}_sw, ${pw2.cout}, ${ga});`);
        } else {
          const k = update.convs[pw1.index].k;
          before.push(`memset(${c.ptr(s.outputs[0])}, 0, ${4 * npix1 * pw1.cin});`);
          body.push(`tt_pwconv_s8_bwd_input_acc${fast}(${gb}, ${npix1}, ${pw1.cin}, ${n(pw1.index)}_w + c0 * ${pw1.cin}, ${sram(pw1.index, `c0 * ${k}`)}, ${k}, ${n(pw1.index)}_sw + c0, n, ${c.ptr(s.outputs[0])});`);
        }
        break;
      case 'clamp_backward':
        body.push(`tt_mask_apply_chunk_f32${fast}(${dz}, ${c.ptr(s.inputs[1])}, ${s.conv === pw1.index ? npix1 : npix2}, ${M}, c0, n, ${dz});`);
        break;
      case 'bias_grad_sgd': {
        const q = c.inputQuant(s.conv!);
        body.push(`tt_bias_grad_sgd_s32${fast}(${dz}, ${s.conv === pw1.index ? npix1 : npix2}, n, ${n(s.conv!)}_b_sram + c0, ${q.scale}, ${n(s.conv!)}_sw + c0, ${c.lr}, ${c.qas});`);
        break;
      }
      case 'dwconv_weight_grad_sgd': {
        const [saved] = s.inputs;
        const q = c.savedQuant(saved);
        const k = s.k!;
        const stride = savedStride(c, saved);
        body.push(`if (c0 < ${k}) ${c.updates.kernel('tt_dwconv_s8_weight_grad_sgd')}(${c.ptr(saved)} + c0, ${stride}, ${dw.inShape.h}, ${dw.inShape.w}, ${q.scale}, ${q.zeroPoint}, ${ga}, n, &${n(dw.index)}_g, ${k} - c0 < n ? ${k} - c0 : n, ${c.updates.target(n(dw.index), ` + c0 * ${kk}`)}, ${n(dw.index)}_sw + c0, ${c.lr}, ${c.qas}, &${n(dw.index)}_rng, ${c.ws(op)});`);
        break;
      }
      case 'dwconv_input_grad': {
        const k = update.convs[dw.index].k;
        const slice = k > 0 ? `c0 < ${k} ? ${n(dw.index)}_w_sram + c0 * ${kk} : 0, c0 < ${k} ? ${k} - c0 : 0` : '0, 0';
        body.push(`tt_dwconv_s8_bwd_input${fast}(${ga}, ${dw.inShape.h}, ${dw.inShape.w}, n, ${n(dw.index)}_w + c0 * ${kk}, ${slice}, ${n(dw.index)}_sw + c0, &${n(dw.index)}_g, ${gb});`);
        break;
      }
      case 'conv_weight_grad_sgd': {
        const [saved] = s.inputs;
        const q = c.savedQuant(saved);
        const k = s.k!;
        body.push(`${c.updates.convWeightGrad(c.fast)}(${c.ptr(saved)}, ${savedStride(c, saved)}, ${pw1.inShape.h}, ${pw1.inShape.w}, ${q.scale}, ${q.zeroPoint}, ${gb}, n, &${n(pw1.index)}_g, ${k}, ${c.updates.target(n(pw1.index), ` + c0 * ${k}`)}, ${n(pw1.index)}_sw + c0, ${c.lr}, ${c.qas}, &${n(pw1.index)}_rng, ${c.ws(op)});`);
        break;
      }
      default:
        throw new Error(`codegen: ${s.type} (${s.name}) cannot run in channel chunks`);
    }
  }
  return [
    `/* L${pw2.layer} backward through pw2 -> dw -> pw1 in chunks of ${cb.chunk} of ${M} expanded channels */`,
    ...before,
    `{ int c0; for (c0 = 0; c0 < ${M}; c0 += ${cb.chunk}) { const int n = ${M} - c0 < ${cb.chunk} ? ${M} - c0 : ${cb.chunk};`,
    ...body.map((l) => `    ${l}`),
    '} }',
  ];
}

/** Channel stride of a saved input: its own channel count (a compact slice or the whole tensor). */
function savedStride(c: ChunkEmitContext, saved: number): number {
  return c.channelsOf(saved);
}
