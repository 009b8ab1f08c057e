// Chunked backward: a depthwise conv is per channel, so the backward of an inverted bottleneck
// (pw2's input gradient -> dw mask, bias, weights, input gradient -> pw1 mask, bias, weights,
// input gradient) can run one chunk of expanded channels at a time. Only chunk-sized gradient
// buffers then exist, never the whole expanded-channel gradient pair; pw1's input gradient is
// accumulated over the chunks and each chunk's weight rows are updated at once.
//
// This is a lowering of the fused op list, not a gradient rule: autodiff's ops stay as they are
// and become the per-chunk steps of one `mbconv_backward_chunked` op. Every element is computed
// with the same arithmetic in the same order as the unchunked ops, so results are bit-identical.

import type { Op, OpType, TrainingGraph } from '../ir/graph.js';
import { isPointwise, type Network } from '../ir/network.js';

/** Op types the chunk loop knows how to restrict to a channel range. */
const STEP_TYPES = new Set<OpType>(['conv_input_grad', 'clamp_backward', 'bias_grad_sgd', 'dwconv_weight_grad_sgd', 'dwconv_input_grad', 'conv_weight_grad_sgd']);

/** Smallest chunk worth a loop iteration (below it the per-chunk pass over pw2's gradient dominates). */
export const MIN_CHUNK_CHANNELS = 4;

/** Replaces each block's pw2 -> dw -> pw1 backward in a fused (reordered) op list by one chunked op. */
export function lowerChunkedBackward(ops: Op[], graph: TrainingGraph, net: Network): Op[] {
  const out: Op[] = [];
  let nextId = graph.ops.length + ops.length; // ids beyond the graph's own ops
  for (let i = 0; i < ops.length; i++) {
    const group = matchGroup(ops, i, graph, net);
    if (!group) { out.push(ops[i]); continue; }
    const { steps, deferred, end } = group;
    const pw2Masked = maskedPw2(ops, i, out, graph);
    if (pw2Masked) out.length -= pw2Masked.steps.length; // they were just pushed: the chunked op takes them over
    if (pw2Masked?.pool) {
      // The pooling gradient stays pooled: pool.backward writes one value per channel.
      const at = out.indexOf(pw2Masked.pool);
      const pooled = pw2Masked.pool.pooled!;
      out[at] = { ...pw2Masked.pool, id: nextId++, outputs: [pooled.tensor], mayRunInPlace: true };
    }
    const pw2 = net.convs[ops[i].conv!];
    const dw = net.convs[pw2.index - 1];
    const pw1 = net.convs[pw2.index - 2];
    const produced = new Set(steps.flatMap((s) => s.outputs));
    const dx = steps.find((s) => s.type === 'conv_input_grad' && s.conv === pw1.index)?.outputs[0];
    const broadcastDy = pw2Masked?.pool?.outputs[0]; // read pooled instead
    const inputs = [...new Set([...(pw2Masked?.pool ? [pw2Masked.dy] : []), ...[...(pw2Masked?.steps ?? []), ...steps].flatMap((s) => s.inputs).filter((t) => !produced.has(t) && t !== pw2Masked?.dz && t !== broadcastDy)])];
    out.push({
      id: nextId++, type: 'mbconv_backward_chunked', phase: 'backward', name: `L${pw2.layer}.backward_chunked`,
      inputs, outputs: dx === undefined ? [] : [dx], conv: dw.index, layer: pw2.layer,
      workspaceBytes: Math.max(0, ...steps.map((s) => s.workspaceBytes ?? 0)),
      chunked: {
        pw2: pw2.index, dw: dw.index, pw1: pw1.index, channels: dw.cin, chunk: dw.cin, steps,
        dwOut: { h: dw.outShape.h, w: dw.outShape.w }, dwIn: { h: dw.inShape.h, w: dw.inShape.w },
        ...(pw2Masked ? { pw2Masked: { dy: pw2Masked.dy, mask: pw2Masked.mask, steps: pw2Masked.steps, ...(pw2Masked.pool ? { broadcast: true } : {}) } } : {}),
      },
    });
    out.push(...deferred);
    i = end;
  }
  return out;
}

/** Op types of pw2 that may sit between its clamp backward and its input gradient and read dz. */
const MASKED_PW2_TYPES = new Set<OpType>(['clamp_backward', 'bias_grad_sgd']);

/**
 * When the ops just before ops[i] (pw2's input gradient) are pw2's clamp backward dz = mask(dy)
 * and its bias gradient, and dy lives on afterwards (so the clamp cannot run in place): those
 * ops, so that the chunked op can read dy through the mask and dz never exists. `out` holds the
 * ops already lowered, ending with ops[i - 1].
 * When dy is the global average pool's gradient (the same at every pixel) and nothing else reads
 * it: also that pool.backward op (`pool`), and dy is its pooled tensor, read broadcast, so
 * neither dy nor dz exists whole.
 */
function maskedPw2(ops: Op[], i: number, out: Op[], graph: TrainingGraph): { dy: number; mask: number; dz: number; steps: Op[]; pool?: Op } | undefined {
  const start = ops[i];
  const dz = start.inputs[0];
  let j = i - 1;
  while (j >= 0 && ops[j].conv === start.conv && ops[j].type === 'bias_grad_sgd' && ops[j].inputs.length === 1 && ops[j].inputs[0] === dz) j--;
  const clamp = ops[j];
  if (!clamp || clamp.type !== 'clamp_backward' || clamp.conv !== start.conv || clamp.outputs[0] !== dz) return undefined;
  const steps = ops.slice(j, i);
  if (steps.some((s) => !MASKED_PW2_TYPES.has(s.type)) || out.length < steps.length || out.slice(out.length - steps.length).some((o, n) => o !== steps[n])) return undefined;
  const [dy, mask] = clamp.inputs;
  // dz is read by these ops and pw2's input gradient only (a trained pw2 weight reads it too: keep it).
  const readers = ops.filter((o) => o.inputs.includes(dz));
  if (readers.some((o) => o !== start && !steps.includes(o))) return undefined;
  if (graph.tensors[dy].shape.length !== 3) return undefined;
  const pool = out.find((o) => o.type === 'avgpool_backward' && o.outputs[0] === dy && o.pooled);
  if (pool && ops.every((o) => o === clamp || !o.inputs.includes(dy))) return { dy: pool.pooled!.tensor, mask, dz, steps, pool };
  // Otherwise only worth it when dz would be a second whole tensor next to dy.
  if (!ops.slice(i + 1).some((o) => o.inputs.includes(dy))) return undefined;
  return { dy, mask, dz, steps };
}

/** Bytes of the two float gradient chunks (dw output side, dw input side) for `chunk` channels. */
export function chunkBufferBytes(op: Op, chunk: number): { dwOut: number; dwIn: number } {
  const c = op.chunked!;
  return { dwOut: 4 * c.dwOut.h * c.dwOut.w * chunk, dwIn: 4 * c.dwIn.h * c.dwIn.w * chunk };
}

/**
 * At ops[i] = pw2's input gradient of a block with pw1, the ops of its dw and pw1 that follow
 * (the steps) and the other ops interleaved with them (run after the chunked op, in order).
 */
function matchGroup(ops: Op[], i: number, graph: TrainingGraph, net: Network): { steps: Op[]; deferred: Op[]; end: number } | undefined {
  const start = ops[i];
  if (start.type !== 'conv_input_grad' || start.conv === undefined) return undefined;
  const pw2 = net.convs[start.conv];
  const dw = net.convs[pw2.index - 1];
  const pw1 = net.convs[pw2.index - 2];
  if (pw2.role !== 'pw2' || dw?.role !== 'dw' || pw1?.role !== 'pw1' || pw1.layer !== pw2.layer) return undefined;
  if (!isPointwise(pw1)) return undefined;
  const members = new Set([dw.index, pw1.index]);
  let end = i;
  for (let j = i + 1; j < ops.length; j++) if (ops[j].conv !== undefined && members.has(ops[j].conv!)) end = j;
  const steps = [start];
  const deferred: Op[] = [];
  for (let j = i + 1; j <= end; j++) {
    const op = ops[j];
    if (op.conv !== undefined && members.has(op.conv)) {
      if (!STEP_TYPES.has(op.type)) return undefined; // an unfused gradient: leave the block whole
      steps.push(op);
    } else {
      deferred.push(op);
    }
  }
  const deferredOut = new Set(deferred.flatMap((d) => d.outputs));
  if (steps.some((s) => s.inputs.some((t) => deferredOut.has(t)))) return undefined;
  // The expanded gradients must be private to the steps: nothing deferred may read them.
  const internal = new Set(steps.flatMap((s) => s.outputs));
  const dx = steps.find((s) => s.type === 'conv_input_grad' && s.conv === pw1.index)?.outputs[0];
  if (dx !== undefined) internal.delete(dx);
  for (const op of [...deferred, ...ops.slice(end + 1)]) if (op.inputs.some((t) => internal.has(t))) return undefined;
  // Every internal gradient is a chunk of an expanded-channel tensor.
  if ([...internal].some((t) => graph.tensors[t].shape[2] !== dw.cin)) return undefined;
  return { steps, deferred, end };
}
