// Op order and tensor liveness.
//
// `reordered` is the paper's operator reordering: each update runs right after its gradient
// exists, so no gradient buffer outlives its update. `deferred-updates` is the conventional
// order (all of backward, then all updates) kept for comparison.
// Liveness also decides which ops run in place: an op that may write its output over its first
// input does so exactly when that input has no later reader.

import { fnv1a } from '../hash.js';
import type { Op, TensorKind, TrainingGraph } from '../ir/graph.js';
import type { Network } from '../ir/network.js';
import { chunkBufferBytes, lowerChunkedBackward, MIN_CHUNK_CHANNELS } from './chunk.js';
import { fuseUpdates } from './fuse.js';
import { streamCuts, streamRingBytes, streamRingFloor, streamStage } from './stream.js';

export type ScheduleMode = 'reordered' | 'deferred-updates';

/** Lowerings on top of the op order; each can be turned off to see what it saves. */
export interface ScheduleOptions {
  /** Run each block's pw2 -> dw -> pw1 backward in chunks of expanded channels (reordered only). */
  chunkBackward?: boolean;
  /** A fixed chunk size instead of the planned one (to compare or to test; clamped to the block). */
  chunkChannels?: number;
  /** Run the frozen forward prefix as a stream of rows, ending where the plan is smallest. */
  streamPrefix?: boolean;
  /** The input arrives whole in the arena (SAMPLE frames): the stream reads its rows there. */
  inputWhole?: boolean;
  /** Needed by the lowerings that look at the block structure. */
  net?: Network;
}

/** The lowerings a caller chooses (the network comes from the compilation). */
export type Lowerings = Omit<ScheduleOptions, 'net'>;

/** A region of the arena: one tensor, or several sharing memory through in-place ops. */
export interface Buffer {
  id: number;
  name: string;
  bytes: number;
  /** Schedule positions (indices into Schedule.ops) of the first write and the last read. */
  first: number;
  last: number;
  kind: TensorKind;
  tensors: number[];
  /** Who a buffer without tensors (scratch, a gradient chunk) belongs to, for the views. */
  owner?: { layer?: number; conv?: number };
}

export interface Schedule {
  mode: ScheduleMode;
  ops: Op[];
  /** Ops (by id) that run in place. */
  inPlace: Set<number>;
  buffers: Buffer[];
  /** Buffer index of every tensor id. */
  bufferOf: number[];
  /** Buffer index of each op's scratch, by op id. */
  workspaceOf: Map<number, number>;
  /** Buffer indices of a chunked backward op's two gradient chunks, by op id. */
  chunkBuffersOf: Map<number, { dwOut: number; dwIn: number }>;
  /** Buffer indices of a stream op's rings (in the order of its stage's rings), by op id. */
  ringsOf: Map<number, number[]>;
  /** The chunk sizes were fixed by the caller (the plan does not grow them). */
  fixedChunks: boolean;
}

export const ALIGN = 4;
const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

export function scheduleGraph(graph: TrainingGraph, mode: ScheduleMode = 'reordered', options: ScheduleOptions = {}): Schedule {
  let ops = mode === 'reordered'
    ? fuseUpdates(graph)
    : [...graph.ops.filter((o) => o.phase !== 'update'), ...graph.ops.filter((o) => o.phase === 'update')];
  if (mode === 'reordered' && options.chunkBackward && options.net) ops = lowerChunkedBackward(ops, graph, options.net);
  if (!options.streamPrefix || !options.net) return layout(graph, mode, ops, options.chunkChannels);
  // Where the stream ends is the plan's choice: each legal end, and no stream at all, is
  // weighed, and the one with the smallest peak wins (the deepest on a tie). After a legal end
  // the op list, and so every buffer, is the unstreamed one's; only the stream op differs (its
  // rings and its whole output), so one layout gives every candidate's peak. The ends are weighed
  // deepest first: the deepest is most often the best, and a shallower end must then beat it
  // outright (a tie goes to the deeper), which its floor alone often rules out without a walk.
  const whole = layout(graph, mode, ops, options.chunkChannels);
  const live = liveBytes(whole.buffers, whole.ops.length);
  const after = new Array<number>(live.length + 1).fill(0);
  for (let i = live.length - 1; i >= 0; i--) after[i] = Math.max(live[i], after[i + 1]);
  let bestPeak = after[0];
  let bestEnd: number | undefined;
  const inputBytes = options.inputWhole ? align(graph.tensors[0].bytes) : 0;
  for (const end of streamCuts(ops, graph).reverse()) {
    // A shallower end than the best so far wins only by a smaller peak; against no stream at all,
    // a tie is enough.
    const wins = (peak: number): boolean => (bestEnd === undefined ? peak <= bestPeak : peak < bestPeak);
    if (!wins(after[end + 1])) continue;
    const outputBytes = align(graph.tensors[ops[end].outputs[0]].bytes) + inputBytes;
    // An end that already loses with its whole output and the least its rings can take needs no walk.
    if (!wins(streamRingFloor(ops, end, graph, options.net, options.inputWhole) + outputBytes)) continue;
    const peak = Math.max(streamRingBytes(ops, end, graph, options.net, options.inputWhole) + outputBytes, after[end + 1]);
    if (wins(peak)) { bestEnd = end; bestPeak = peak; }
  }
  if (bestEnd === undefined) return whole;
  const end = bestEnd;
  const stage = streamStage(ops, end, graph, options.net, options.inputWhole);
  const first = stage.ops[0], lastOp = stage.ops[stage.ops.length - 1];
  const streamOp: Op = {
    id: graph.ops.length + ops.length + 1, type: 'stream_forward', phase: 'forward', name: `stream ${first.name}..${lastOp.name}`,
    inputs: options.inputWhole ? [0] : [], outputs: [stage.output], layer: lastOp.layer, stream: stage,
  };
  return layout(graph, mode, [streamOp, ...ops.slice(end + 1)], options.chunkChannels);
}

function liveBytes(buffers: Buffer[], opCount: number): number[] {
  const diff = new Float64Array(opCount + 1);
  for (const b of buffers) { diff[b.first] += b.bytes; diff[Math.min(b.last + 1, opCount)] -= b.bytes; }
  const live: number[] = [];
  let sum = 0;
  for (let i = 0; i < opCount; i++) { sum += diff[i]; live.push(sum); }
  return live;
}

/** Buffers, liveness and in-place decisions of one op order, then its chunks and rings. */
function layout(graph: TrainingGraph, mode: ScheduleMode, ops: Op[], chunkChannels?: number): Schedule {
  const n = graph.tensors.length;
  const first = new Array<number>(n).fill(-1);
  const last = new Array<number>(n).fill(-1);
  const used = new Array<boolean>(n).fill(false);
  ops.forEach((op, i) => {
    for (const t of op.outputs) { if (first[t] < 0) first[t] = i; used[t] = true; }
    for (const t of op.inputs) { last[t] = Math.max(last[t], i); used[t] = true; }
  });
  for (let t = 0; t < n; t++) {
    if (first[t] < 0) first[t] = 0; // the input image exists before the first op
    if (last[t] < first[t]) last[t] = first[t];
  }

  // Union tensors that share memory (in-place ops), deciding in schedule order.
  const root = Array.from({ length: n }, (_, i) => i);
  const find = (t: number): number => (root[t] === t ? t : (root[t] = find(root[t])));
  const groupLast = last.slice();
  const groupBytes = graph.tensors.map((t) => t.bytes);
  const inPlace = new Set<number>();
  ops.forEach((op, i) => {
    if (!op.mayRunInPlace) return;
    const input = find(op.inputs[0]);
    const out = op.outputs[0];
    if (groupLast[input] !== i) return;                         // someone reads the input later
    if (graph.tensors[out].bytes > groupBytes[input]) return;   // output must fit in place
    root[out] = input;
    groupLast[input] = Math.max(groupLast[input], last[out]);
    inPlace.add(op.id);
  });

  const buffers: Buffer[] = [];
  const bufferOf = new Array<number>(n).fill(-1);
  for (let t = 0; t < n; t++) {
    if (!used[t]) continue; // a gradient that a fused op never materialises
    const r = find(t);
    if (bufferOf[r] < 0) {
      bufferOf[r] = buffers.length;
      const rt = graph.tensors[r];
      buffers.push({ id: buffers.length, name: rt.name, bytes: 0, first: Infinity, last: -1, kind: rt.kind, tensors: [] });
    }
    const b = buffers[bufferOf[r]];
    bufferOf[t] = b.id;
    b.tensors.push(t);
    b.bytes = Math.max(b.bytes, align(graph.tensors[t].bytes));
    b.first = Math.min(b.first, first[t]);
    b.last = Math.max(b.last, last[t]);
  }
  // Scratch alive for one op: one input channel for an in-place depthwise conv, one output
  // channel's gradient for a fused gradient+update.
  const workspaceOf = new Map<number, number>();
  ops.forEach((op, i) => {
    const bytes = (op.workspaceBytes ?? 0) + (inPlace.has(op.id) ? op.inPlaceWorkspaceBytes ?? 0 : 0);
    if (bytes === 0) return;
    workspaceOf.set(op.id, buffers.length);
    buffers.push({ id: buffers.length, name: `${op.name}.workspace`, bytes: align(bytes), first: i, last: i, kind: 'workspace', tensors: [], owner: { layer: op.layer, conv: op.conv } });
  });
  const ringsOf = placeRings(ops, buffers, graph);
  const chunkBuffersOf = placeChunks(ops, buffers, chunkChannels);
  const fixedChunks = chunkChannels !== undefined;
  return { mode, ops, inPlace, buffers, bufferOf, workspaceOf, chunkBuffersOf, ringsOf, fixedChunks };
}

/** A buffer for every ring of a stream op, alive while the stream runs. */
function placeRings(ops: Op[], buffers: Buffer[], graph: TrainingGraph): Map<number, number[]> {
  const ringsOf = new Map<number, number[]>();
  ops.forEach((op, i) => {
    if (!op.stream) return;
    const producer = new Map(op.stream.ops.map((o) => [o.outputs[0], o]));
    ringsOf.set(op.id, op.stream.rings.map((r) => {
      const t = graph.tensors[r.tensor];
      const p = producer.get(r.tensor);
      const id = buffers.length;
      buffers.push({
        id, name: `${t.name}[ring ${r.rows} of ${t.shape[0]} rows]`, bytes: align(r.rows * r.rowBytes), first: i, last: i,
        kind: r.tensor === 0 ? 'input' : 'activation', tensors: [], owner: { layer: p?.layer, conv: p?.conv },
      });
      return id;
    }));
  });
  return ringsOf;
}

/**
 * Adds each chunked op's two gradient chunks at the smallest chunk size (MIN_CHUNK_CHANNELS, or
 * the fixed size asked for). The memory plan then grows each chunk into the space its op leaves
 * free in the placed arena (memory/memory-plan.ts), so chunking never raises the peak and the
 * chunks are as large (as few loop iterations) as the plan allows.
 */
function placeChunks(ops: Op[], buffers: Buffer[], fixed?: number): Map<number, { dwOut: number; dwIn: number }> {
  const chunkBuffersOf = new Map<number, { dwOut: number; dwIn: number }>();
  ops.forEach((op, i) => {
    if (!op.chunked) return;
    const c = op.chunked;
    c.chunk = Math.max(1, Math.min(c.channels, fixed ?? MIN_CHUNK_CHANNELS));
    const bytes = chunkBufferBytes(op, c.chunk);
    const owner = { layer: op.layer, conv: op.conv };
    const dwOut = buffers.length;
    buffers.push({ id: dwOut, name: chunkName(`dL${op.layer}.pw2.in`, c.chunk, c.channels), bytes: align(bytes.dwOut), first: i, last: i, kind: 'gradient', tensors: [], owner });
    const dwIn = buffers.length;
    buffers.push({ id: dwIn, name: chunkName(`dL${op.layer}.dw.in`, c.chunk, c.channels), bytes: align(bytes.dwIn), first: i, last: i, kind: 'gradient', tensors: [], owner });
    chunkBuffersOf.set(op.id, { dwOut, dwIn });
  });
  return chunkBuffersOf;
}

export function chunkName(gradient: string, chunk: number, channels: number): string {
  return `${gradient}[${chunk} of ${channels} ch]`;
}

/** A key of a schedule's op order (its op names, in order). A per-op measurement of a step (a
 * profile) carries the key of the schedule it measured, so a reader can tell it still applies. */
export function scheduleKey(s: Pick<Schedule, 'ops'>): string {
  return fnv1a(s.ops.map((o) => o.name).join('\n')).toString(16).padStart(8, '0');
}
