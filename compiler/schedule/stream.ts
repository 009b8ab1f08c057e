// Streamed frozen prefix: the forward ops before the first one that keeps anything for backward
// need their outputs only until the next op has read them, so they run as a stream, a few rows
// at a time. Each streamed tensor (the input image included) lives in a ring of rows just deep
// enough for its readers; only the stream's last tensor is whole. No row is computed twice.
//
// The order of row computations is fixed at compile time by a demand-driven walk (an output
// row is computed once every input row its window needs exists); the same walk sizes each ring
// exactly: a row may be overwritten once no reader will still read it.

import type { Op, StreamStage, TrainingGraph } from '../ir/graph.js';
import type { Network } from '../ir/network.js';

const STREAMABLE = new Set<Op['type']>(['conv2d', 'dwconv2d', 'add']);

/** Indices j such that ops[0..j] can run as a stream whose only tensor read later is ops[j]'s output. */
export function streamCuts(ops: Op[], graph: TrainingGraph): number[] {
  const lastRead = new Map<number, number>();
  ops.forEach((o, i) => { for (const t of o.inputs) lastRead.set(t, i); });
  const cuts: number[] = [];
  const produced = new Set<number>([0]); // the input image
  const readLater = new Set<number>(lastRead.has(0) ? [0] : []); // produced tensors read after j
  for (let j = 0; j < ops.length; j++) {
    const op = ops[j];
    if (op.phase !== 'forward' || !STREAMABLE.has(op.type) || op.outputs.length !== 1) break; // a mask: backward starts to need things
    if (!op.inputs.every((t) => produced.has(t))) break;
    if (graph.tensors[op.outputs[0]].shape.length !== 3) break;
    produced.add(op.outputs[0]);
    if ((lastRead.get(op.outputs[0]) ?? -1) > j) readLater.add(op.outputs[0]);
    for (const t of op.inputs) if (lastRead.get(t) === j) readLater.delete(t);
    if (readLater.size === 1 && readLater.has(op.outputs[0])) cuts.push(j);
  }
  return cuts;
}

/**
 * The stream stage of ops[0..end]: its row order and ring depths. With `inputWhole` the input
 * image is a whole tensor in the arena (a transport that delivers it whole, such as SAMPLE
 * frames) and the stream reads its rows there; otherwise it has a ring filled from a row source.
 */
export function streamStage(ops: Op[], end: number, graph: TrainingGraph, net: Network, inputWhole = false): StreamStage {
  return walk(ops, end, graph, net, inputWhole, true);
}

/** Bytes the rings of the stream ending at ops[end] would take: the same walk, no events kept
 * (a schedule weighs every legal end, and only the chosen one needs its row order). */
export function streamRingBytes(ops: Op[], end: number, graph: TrainingGraph, net: Network, inputWhole = false): number {
  return ringBytes(walk(ops, end, graph, net, inputWhole, false));
}

/**
 * A floor under streamRingBytes(ops, end, ...) without the walk: a ring holds at least the largest
 * window (clipped to its tensor) one of its readers reads at once, since the window's rows are all
 * written, and none yet overwritten, when the reader computes that output row.
 */
export function streamRingFloor(ops: Op[], end: number, graph: TrainingGraph, net: Network, inputWhole = false): number {
  const output = ops[end].outputs[0];
  const rows = new Map<number, number>(inputWhole ? [] : [[0, 1]]);
  for (let i = 0; i <= end; i++) if (ops[i].outputs[0] !== output) rows.set(ops[i].outputs[0], 1);
  for (let i = 0; i <= end; i++) {
    const o = ops[i];
    if (o.type === 'add') continue; // one row of each input per output row
    const cv = net.convs[o.conv!];
    const h = graph.tensors[o.inputs[0]].shape[0], outRows = graph.tensors[o.outputs[0]].shape[0];
    let window = 1;
    for (let y = 0; y < outRows; y++) {
      const top = y * cv.sh - cv.pad.top;
      window = Math.max(window, Math.min(h - 1, top + cv.kh - 1) - Math.max(0, top) + 1);
    }
    for (const t of o.inputs) if (rows.has(t)) rows.set(t, Math.max(rows.get(t)!, window));
  }
  let bytes = 0;
  for (const [t, r] of rows) {
    const [h, w, c] = graph.tensors[t].shape;
    bytes += Math.min(h, r) * w * c;
  }
  return bytes;
}

function walk(ops: Op[], end: number, graph: TrainingGraph, net: Network, inputWhole: boolean, record: boolean): StreamStage {
  const stageOps = ops.slice(0, end + 1);
  const output = stageOps[end].outputs[0];
  // Tensors by slot: 0 is the input image, i + 1 the output of stageOps[i]. The walk below runs
  // once per candidate end on every analysis, so it works on arrays indexed by slot.
  const tensorOf = [0, ...stageOps.map((o) => o.outputs[0])];
  const slotOf = new Map(tensorOf.map((t, slot) => [t, slot]));
  const height = tensorOf.map((t) => graph.tensors[t].shape[0]);
  const inputSlots = stageOps.map((o) => o.inputs.map((t) => slotOf.get(t)!));
  // Output row y of op i reads input rows [top(i, y), top(i, y) + kh - 1], clipped to the input.
  const stride = stageOps.map((o) => (o.type === 'add' ? 1 : net.convs[o.conv!].sh));
  const padTop = stageOps.map((o) => (o.type === 'add' ? 0 : net.convs[o.conv!].pad.top));
  const kh = stageOps.map((o) => (o.type === 'add' ? 1 : net.convs[o.conv!].kh));
  const top = (i: number, y: number): number => y * stride[i] - padTop[i];
  const streamed = tensorOf.map((t, slot) => (slot === 0 ? !inputWhole : t !== output));
  const readers = tensorOf.map(() => [] as number[]);
  inputSlots.forEach((slots, i) => { for (const s of new Set(slots)) readers[s].push(i); });
  const done = new Int32Array(tensorOf.length).fill(-1);
  const depth = new Int32Array(tensorOf.length).fill(1);
  const events: [number, number][] = [];
  // The lowest row of a tensor some reader will still read: from the reader's next output row.
  const lowestNeeded = (slot: number): number => {
    let low = Infinity;
    for (const r of readers[slot]) {
      const next = done[r + 1] + 1;
      if (next < height[r + 1]) low = Math.min(low, Math.max(0, top(r, next)));
    }
    return low;
  };
  const write = (slot: number, row: number, step: number): void => {
    if (streamed[slot]) depth[slot] = Math.max(depth[slot], row - Math.min(lowestNeeded(slot), row) + 1);
    done[slot] = row;
    if (record) events.push([step, row]);
  };
  const produce = (slot: number, row: number): void => {
    while (done[slot] < row) {
      const y = done[slot] + 1;
      if (slot === 0) {
        if (inputWhole) done[0] = y; else write(0, y, -1);
        continue;
      }
      const i = slot - 1;
      for (const x of inputSlots[i]) {
        const need = Math.min(height[x] - 1, top(i, y) + kh[i] - 1);
        if (done[x] < need) produce(x, need);
      }
      write(slot, y, i);
    }
  };
  produce(end + 1, height[end + 1] - 1);
  const rings = tensorOf.flatMap((t, slot) => {
    if (!streamed[slot]) return [];
    const [h, w, c] = graph.tensors[t].shape;
    return [{ tensor: t, rows: Math.min(h, depth[slot]), rowBytes: w * c }];
  });
  return { ops: stageOps, output, rings, events };
}

/** Bytes the stream's rings take. */
export function ringBytes(stage: StreamStage): number {
  return stage.rings.reduce((n, r) => n + r.rows * r.rowBytes, 0);
}
