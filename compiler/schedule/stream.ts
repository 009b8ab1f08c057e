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
  const stageOps = ops.slice(0, end + 1);
  const output = stageOps[end].outputs[0];
  const heightOf = (t: number): number => graph.tensors[t].shape[0];
  const producerOf = new Map<number, number>(stageOps.map((o, i) => [o.outputs[0], i]));
  // Rows of input tensor t that output row y of op needs: [lo, hi], clipped to the tensor.
  const window = (op: Op, t: number, y: number): [number, number] => {
    const h = heightOf(t);
    if (op.type === 'add') return [y, y];
    const cv = net.convs[op.conv!];
    const top = y * cv.sh - cv.pad.top;
    return [Math.max(0, top), Math.min(h - 1, top + cv.kh - 1)];
  };
  const streamed = [...(inputWhole ? [] : [0]), ...stageOps.map((o) => o.outputs[0]).filter((t) => t !== output)];
  const readers = new Map<number, Op[]>(streamed.map((t) => [t, stageOps.filter((o) => o.inputs.includes(t))]));
  const done = new Map<number, number>([[0, -1], ...stageOps.map((o) => [o.outputs[0], -1] as [number, number])]);
  const depth = new Map<number, number>(streamed.map((t) => [t, 1]));
  const events: [number, number][] = [];
  // The lowest row of t some reader will still read: from the reader's next output row.
  const lowestNeeded = (t: number): number => Math.min(...readers.get(t)!.map((r) => {
    const next = done.get(r.outputs[0])! + 1;
    return next >= heightOf(r.outputs[0]) ? Infinity : window(r, t, next)[0];
  }));
  const write = (t: number, row: number, step: number): void => {
    if (depth.has(t)) {
      const low = lowestNeeded(t);
      depth.set(t, Math.max(depth.get(t)!, row - Math.min(low, row) + 1));
    }
    done.set(t, row);
    events.push([step, row]);
  };
  const produce = (t: number, row: number): void => {
    while (done.get(t)! < row) {
      const y = done.get(t)! + 1;
      if (t === 0) {
        if (inputWhole) done.set(0, y); else write(0, y, -1);
        continue;
      }
      const i = producerOf.get(t)!;
      const op = stageOps[i];
      for (const x of op.inputs) produce(x, window(op, x, y)[1]);
      write(t, y, i);
    }
  };
  produce(output, heightOf(output) - 1);
  const rings = streamed.map((t) => {
    const [h, w, c] = graph.tensors[t].shape;
    return { tensor: t, rows: Math.min(h, depth.get(t)!), rowBytes: w * c };
  });
  return { ops: stageOps, output, rings, events };
}

/** Bytes the stream's rings take. */
export function ringBytes(stage: StreamStage): number {
  return stage.rings.reduce((n, r) => n + r.rows * r.rowBytes, 0);
}
