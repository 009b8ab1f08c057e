// The real memory plan of a training step: arena (planned), static SRAM copies of trained
// parameters, the peak and where it happens, the schedule's lower bound, and the timeline.

import type { TensorKind, TrainingGraph } from '../ir/graph.js';
import type { Network } from '../ir/network.js';
import { chunkBufferBytes, MIN_CHUNK_CHANNELS } from '../schedule/chunk.js';
import { chunkName, scheduleGraph, type Schedule, type ScheduleMode, type Lowerings } from '../schedule/schedule.js';
import { trainedBiasBytes, trainedWeightSramBytes, weightCopyBytes } from '../sparse/costs.js';
import type { UpdatePlan } from '../sparse/scheme.js';
import { liveBytesPerOp, planArena, type ArenaPlan } from './planner.js';

export const TENSOR_KINDS: TensorKind[] = ['input', 'activation', 'saved', 'mask', 'gradient', 'param-grad', 'workspace'];

export interface StaticSram {
  /** int8 SRAM copies of trained weight slices (conv) and the classifier weights, each with its
   *  rounding residual byte when the plan keeps one. */
  weightBytes: number;
  /** int32 SRAM copies of trained biases (conv and classifier). */
  biasBytes: number;
  perConv: { conv: number; weightBytes: number; biasBytes: number }[];
  classifierBytes: number;
}

export interface TimelinePoint {
  op: string;
  phase: string;
  layer?: number;
  conv?: number;
  /** Arena bytes live at this op, by kind. */
  byKind: Record<TensorKind, number>;
  liveBytes: number;
}

export interface LiveTensor { name: string; bytes: number; kind: TensorKind; offset: number; layer?: number; conv?: number }

export interface MemoryPlan {
  mode: ScheduleMode;
  arenaBytes: number;
  staticBytes: number;
  static: StaticSram;
  peakSramBytes: number;
  lowerBoundBytes: number;
  /** Schedule position, op name and layer where the arena reaches its high-water mark. */
  peakAt: { index: number; op: string; phase: string; layer?: number; conv?: number };
  liveAtPeak: LiveTensor[];
  /** Empty unless planMemory was asked for it. */
  timeline: TimelinePoint[];
  schedule: Schedule;
  arena: ArenaPlan;
}

export function staticSram(net: Network, plan: UpdatePlan): StaticSram {
  const perConv = net.convs.map((c) => {
    const u = plan.convs[c.index];
    return { conv: c.index, weightBytes: trainedWeightSramBytes(c, u.k, plan.residual === true), biasBytes: u.bias ? trainedBiasBytes(c) : 0 };
  });
  const cls = net.classifier;
  const classifierWeightBytes = plan.classifier ? weightCopyBytes(cls.weightCount, plan.residual === true) : 0;
  const classifierBytes = plan.classifier ? classifierWeightBytes + 4 * cls.biasCount : 0;
  return {
    weightBytes: perConv.reduce((n, p) => n + p.weightBytes, 0) + classifierWeightBytes,
    biasBytes: perConv.reduce((n, p) => n + p.biasBytes, 0) + (plan.classifier ? 4 * cls.biasCount : 0),
    perConv,
    classifierBytes,
  };
}

export interface PlanOptions {
  timeline?: boolean;
  /** The lowerings of the schedule (chunked backward); default: all on, as devices run. */
  lowerings?: Lowerings;
}

/** Every memory-saving lowering on: the schedule a device runs. */
export const ALL_LOWERINGS: Lowerings = { chunkBackward: true, streamPrefix: true };

/**
 * Grows each chunked backward op's gradient chunks into the arena space its op leaves free, so
 * the chunk size is the largest the placed plan allows without growing the arena (fewer, larger
 * chunks: less loop overhead). Chunks above MIN_CHUNK_CHANNELS stay multiples of it.
 */
function growChunks(schedule: Schedule, arena: ArenaPlan): void {
  schedule.ops.forEach((op, i) => {
    const ids = schedule.chunkBuffersOf.get(op.id);
    if (!ids || !op.chunked) return;
    const c = op.chunked;
    const mine = new Set([ids.dwOut, ids.dwIn]);
    const taken = schedule.buffers
      .filter((b) => !mine.has(b.id) && b.first <= i && i <= b.last && b.bytes > 0)
      .map((b) => [arena.offsets[b.id], arena.offsets[b.id] + b.bytes] as [number, number])
      .sort((a, b) => a[0] - b[0]);
    const gaps: [number, number][] = [];
    let at = 0;
    for (const [s, e] of taken) { if (s > at) gaps.push([at, s - at]); at = Math.max(at, e); }
    if (arena.arenaBytes > at) gaps.push([at, arena.arenaBytes - at]);
    gaps.sort((a, b) => b[1] - a[1]);
    const per = chunkBufferBytes(op, 1);
    const big = Math.max(per.dwOut, per.dwIn), small = Math.min(per.dwOut, per.dwIn);
    const g0 = gaps[0]?.[1] ?? 0, g1 = gaps[1]?.[1] ?? 0;
    // Both chunks in the largest gap, or the larger chunk there and the other in the next gap.
    let chunk = Math.max(Math.floor(g0 / (big + small)), Math.min(Math.floor(g0 / big), Math.floor(g1 / small)));
    chunk = Math.min(c.channels, chunk);
    if (chunk < c.channels && chunk > MIN_CHUNK_CHANNELS) chunk -= chunk % MIN_CHUNK_CHANNELS;
    if (chunk <= c.chunk) return;
    c.chunk = chunk;
    const bytes = chunkBufferBytes(op, chunk);
    const bigId = per.dwOut >= per.dwIn ? ids.dwOut : ids.dwIn, smallId = bigId === ids.dwOut ? ids.dwIn : ids.dwOut;
    const bigBytes = bigId === ids.dwOut ? bytes.dwOut : bytes.dwIn, smallBytes = bigId === ids.dwOut ? bytes.dwIn : bytes.dwOut;
    arena.offsets[bigId] = gaps[0][0];
    arena.offsets[smallId] = bigBytes + smallBytes <= gaps[0][1] ? gaps[0][0] + bigBytes : gaps[1][0];
    schedule.buffers[bigId].bytes = bigBytes;
    schedule.buffers[smallId].bytes = smallBytes;
    schedule.buffers[ids.dwOut].name = chunkName(`dL${op.layer}.pw2.in`, chunk, c.channels);
    schedule.buffers[ids.dwIn].name = chunkName(`dL${op.layer}.dw.in`, chunk, c.channels);
  });
}

export function planMemory(net: Network, plan: UpdatePlan, graph: TrainingGraph, mode: ScheduleMode = 'reordered', options: PlanOptions = { timeline: true }): MemoryPlan {
  const schedule = scheduleGraph(graph, mode, { ...(options.lowerings ?? ALL_LOWERINGS), net });
  const arena = planArena(schedule.buffers, schedule.ops.length);
  if (!schedule.fixedChunks) growChunks(schedule, arena);
  const st = staticSram(net, plan);
  const staticBytes = st.weightBytes + st.biasBytes;
  const opCount = schedule.ops.length;
  const live = liveBytesPerOp(schedule.buffers, opCount);

  // Per-op sums by difference arrays (linear in ops + buffers, so large configs stay fast).
  const kindIndex = new Map(TENSOR_KINDS.map((k, i) => [k, i]));
  const byKindDiff = TENSOR_KINDS.map(() => new Float64Array(opCount + 1));
  const topDiff = new Int32Array(opCount + 1);
  for (const b of schedule.buffers) {
    const d = byKindDiff[kindIndex.get(b.kind)!];
    d[b.first] += b.bytes;
    d[Math.min(b.last + 1, opCount)] -= b.bytes;
    if (arena.offsets[b.id] + b.bytes === arena.arenaBytes) { topDiff[b.first]++; topDiff[Math.min(b.last + 1, opCount)]--; }
  }
  const running = TENSOR_KINDS.map(() => 0);
  let top = 0;
  // The high-water op: where a live buffer reaches the arena's end (the fullest such op).
  let peakIndex = 0;
  let peakLive = -1;
  const timeline: TimelinePoint[] = [];
  schedule.ops.forEach((op, i) => {
    top += topDiff[i];
    if (top > 0 && live[i] > peakLive) { peakLive = live[i]; peakIndex = i; }
    if (!options.timeline) return; // a per-op record for each op is only built when asked
    TENSOR_KINDS.forEach((_, k) => { running[k] += byKindDiff[k][i]; });
    const byKind = Object.fromEntries(TENSOR_KINDS.map((k, j) => [k, running[j]])) as Record<TensorKind, number>;
    timeline.push({ op: op.name, phase: op.phase, layer: op.layer, conv: op.conv, byKind, liveBytes: live[i] });
  });
  const producer = new Map<number, { layer?: number; conv?: number }>();
  for (const o of graph.ops) for (const t of o.outputs) if (!producer.has(t)) producer.set(t, { layer: o.layer, conv: o.conv });
  const ownerOf = (tensorIds: number[]): { layer?: number; conv?: number } => {
    for (const t of tensorIds) { const p = producer.get(t); if (p) return p; }
    return {};
  };
  const liveAtPeak: LiveTensor[] = schedule.buffers
    .filter((b) => b.first <= peakIndex && peakIndex <= b.last)
    .map((b) => ({ name: b.name, bytes: b.bytes, kind: b.kind, offset: arena.offsets[b.id], ...(b.owner ?? ownerOf(b.tensors)) }))
    .sort((a, b) => b.bytes - a.bytes);

  const peakOp = schedule.ops[peakIndex];
  return {
    mode,
    arenaBytes: arena.arenaBytes,
    staticBytes,
    static: st,
    peakSramBytes: arena.arenaBytes + staticBytes,
    lowerBoundBytes: Math.max(0, ...live) + staticBytes,
    peakAt: { index: peakIndex, op: peakOp?.name ?? 'none', phase: peakOp?.phase ?? 'forward', layer: peakOp?.layer, conv: peakOp?.conv },
    liveAtPeak,
    timeline,
    schedule,
    arena,
  };
}
