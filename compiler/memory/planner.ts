// The arena planner: an offset for every buffer so that buffers alive at the same time never
// overlap. Greedy, as TFLite Micro's planner: place buffers one by one at the lowest offset that
// fits between those already placed and alive at the same time. No single placement order wins
// on every graph, so a few are tried (largest first, longest-lived first, fullest op first, ...)
// and, while the arena is still more than 1 % over the schedule's lower bound, seeded shuffles
// of the best one; the smallest arena is kept. The search stops as soon as it meets the bound.

import type { Buffer } from '../schedule/schedule.js';

export interface ArenaPlan {
  /** Offset of each buffer, by buffer id. */
  offsets: number[];
  arenaBytes: number;
}

/** Places the buffers in this order; gives up (undefined) once the arena reaches `toBeat`, since
 *  the arena only grows as buffers are placed and a plan no smaller than the best is discarded. */
function placeInOrder(buffers: Buffer[], order: Buffer[], toBeat = Infinity, reuse?: { plan: ArenaPlan; prefix: number }): ArenaPlan | undefined {
  const n = buffers.length;
  const offsets = new Array<number>(n).fill(-1);
  // The buffers placed so far, by offset: a new buffer walks them from the bottom, skipping those
  // not alive with it, and takes the first gap it fits. (Collecting the conflicts op by op and
  // sorting them cost the span times the buffers alive at each op, per buffer, which made the
  // shuffle search below the bulk of an analysis on a chunked backward.) Flat arrays, since
  // buffers of different kinds carry different fields.
  const first = new Int32Array(n), last = new Int32Array(n), bytes = new Float64Array(n), at = new Float64Array(n);
  for (const b of buffers) { first[b.id] = b.first; last[b.id] = b.last; bytes[b.id] = b.bytes; }
  const placed = new Int32Array(n);
  let count = 0;
  let arenaBytes = 0;
  // The first `prefix` buffers are placed as in an earlier plan of an order that starts the same:
  // take their offsets rather than walking them again (the local search below swaps two buffers,
  // so everything before the first of them lands where it did).
  const prefix = reuse?.prefix ?? 0;
  for (let k = 0; k < prefix; k++) {
    const id = order[k].id;
    at[id] = offsets[id] = reuse!.plan.offsets[id];
    placed[count++] = id;
    arenaBytes = Math.max(arenaBytes, at[id] + bytes[id]);
  }
  if (arenaBytes >= toBeat) return undefined;
  // By offset, and among equal offsets in placement order, as the insertion below keeps them.
  const rank = new Int32Array(n);
  for (let k = 0; k < prefix; k++) rank[order[k].id] = k;
  placed.subarray(0, count).sort((a, b) => at[a] - at[b] || rank[a] - rank[b]);
  for (let o = prefix; o < order.length; o++) {
    const id = order[o].id, f = first[id], l = last[id], size = bytes[id];
    let offset = 0;
    for (let k = 0; k < count; k++) {
      const c = placed[k];
      if (last[c] < f || first[c] > l) continue;
      if (at[c] >= offset + size) break; // the gap before c is big enough
      offset = Math.max(offset, at[c] + bytes[c]);
    }
    at[id] = offset;
    offsets[id] = offset;
    let k = count++; // insert after the buffers at or below this offset
    while (k > 0 && at[placed[k - 1]] > offset) { placed[k] = placed[k - 1]; k--; }
    placed[k] = id;
    arenaBytes = Math.max(arenaBytes, offset + size);
    if (arenaBytes >= toBeat) return undefined;
  }
  return { offsets, arenaBytes };
}

export function planArena(buffers: Buffer[], opCount = Math.max(0, ...buffers.map((b) => b.last + 1))): ArenaPlan {
  const live = liveBytesPerOp(buffers, opCount);
  const bound = Math.max(0, ...live);
  // The fullest op each buffer is alive at (computed once: the sort below compares it n log n times).
  const fullestOf = new Float64Array(buffers.length);
  for (const b of buffers) { let m = 0; for (let i = b.first; i <= b.last; i++) m = Math.max(m, live[i] ?? 0); fullestOf[b.id] = m; }
  const fullest = (b: Buffer): number => fullestOf[b.id];
  const orders: ((a: Buffer, b: Buffer) => number)[] = [
    (a, b) => b.bytes - a.bytes || a.first - b.first,                                   // largest first
    (a, b) => b.last - b.first - (a.last - a.first) || b.bytes - a.bytes,               // longest-lived first
    (a, b) => fullest(b) - fullest(a) || b.bytes - a.bytes,                             // fullest op first
    (a, b) => (b.last - b.first) * b.bytes - (a.last - a.first) * a.bytes || a.first - b.first, // most byte-ops first
  ];
  let best: ArenaPlan | undefined;
  let bestOrder: Buffer[] = [];
  for (const cmp of orders) {
    const order = buffers.slice().sort(cmp);
    const plan = placeInOrder(buffers, order)!;
    if (!best || plan.arenaBytes < best.arenaBytes) { best = plan; bestOrder = order; }
    if (best.arenaBytes <= bound) return best;
  }
  // Seeded local search: swap two buffers of the best order; keep the swap when it helps.
  let seed = 0x9e3779b9;
  const rand = (n: number): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % n; };
  for (let tries = 0; tries < 200 && best!.arenaBytes > bound * 1.01 && buffers.length > 1; tries++) {
    const order = bestOrder.slice();
    const i = rand(order.length), j = rand(order.length);
    [order[i], order[j]] = [order[j], order[i]];
    const plan = placeInOrder(buffers, order, best!.arenaBytes, { plan: best!, prefix: Math.min(i, j) });
    if (plan) { best = plan; bestOrder = order; }
  }
  return best!;
}

/** Sum of live buffer bytes at each schedule position: the lower bound of any arena is its max. */
export function liveBytesPerOp(buffers: Buffer[], opCount: number): number[] {
  const diff = new Float64Array(opCount + 1);
  for (const b of buffers) {
    if (b.first >= opCount) continue;
    diff[b.first] += b.bytes;
    diff[Math.min(b.last + 1, opCount)] -= b.bytes;
  }
  const live = new Array<number>(opCount);
  let sum = 0;
  for (let i = 0; i < opCount; i++) { sum += diff[i]; live[i] = sum; }
  return live;
}

/** The arena as a picture, one row per op: which buffers occupy which part (for debugging). */
export function drawArena(buffers: Buffer[], plan: ArenaPlan, opCount: number, width = 64): string {
  const scale = plan.arenaBytes / width || 1;
  const rows: string[] = [];
  const glyph = (id: number): string => String.fromCharCode(65 + (id % 58));
  for (let i = 0; i < opCount; i++) {
    const row = new Array<string>(width).fill('.');
    for (const b of buffers) {
      if (b.first > i || b.last < i) continue;
      const s = Math.floor(plan.offsets[b.id] / scale);
      const e = Math.max(s + 1, Math.floor((plan.offsets[b.id] + b.bytes) / scale));
      for (let x = s; x < e && x < width; x++) row[x] = glyph(b.id);
    }
    rows.push(`${String(i).padStart(4)} ${row.join('')}`);
  }
  return rows.join('\n');
}
