// The arena planner: an offset for every buffer so that buffers alive at the same time never
// overlap. Greedy, as TFLite Micro's planner: place buffers largest first at the lowest offset
// that fits between those already placed and alive at the same time. Two orders are tried (by
// size, and by size within first use) and the smaller arena kept.

import type { Buffer } from '../schedule/schedule.js';

export interface ArenaPlan {
  /** Offset of each buffer, by buffer id. */
  offsets: number[];
  arenaBytes: number;
}

const overlapsInTime = (a: Buffer, b: Buffer): boolean => a.first <= b.last && b.first <= a.last;

function placeInOrder(buffers: Buffer[], order: Buffer[]): ArenaPlan {
  const offsets = new Array<number>(buffers.length).fill(-1);
  const placed: Buffer[] = [];
  let arenaBytes = 0;
  for (const buf of order) {
    const conflicts = placed.filter((p) => overlapsInTime(p, buf)).sort((a, b) => offsets[a.id] - offsets[b.id]);
    let offset = 0;
    for (const c of conflicts) {
      if (offsets[c.id] >= offset + buf.bytes) break; // the gap before c is big enough
      offset = Math.max(offset, offsets[c.id] + c.bytes);
    }
    offsets[buf.id] = offset;
    placed.push(buf);
    arenaBytes = Math.max(arenaBytes, offset + buf.bytes);
  }
  return { offsets, arenaBytes };
}

export function planArena(buffers: Buffer[]): ArenaPlan {
  const bySize = buffers.slice().sort((a, b) => b.bytes - a.bytes || a.first - b.first);
  const byLifetime = buffers.slice().sort((a, b) => (b.last - b.first) * b.bytes - (a.last - a.first) * a.bytes || a.first - b.first);
  const candidates = [placeInOrder(buffers, bySize), placeInOrder(buffers, byLifetime)];
  return candidates.reduce((best, c) => (c.arenaBytes < best.arenaBytes ? c : best));
}

/** Sum of live buffer bytes at each schedule position: the lower bound of any arena is its max. */
export function liveBytesPerOp(buffers: Buffer[], opCount: number): number[] {
  const live = new Array<number>(opCount).fill(0);
  for (const b of buffers) for (let i = b.first; i <= b.last && i < opCount; i++) live[i] += b.bytes;
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
