// The per-op profile of a training step: what each op of the schedule costs in the counter the
// run had (host: ns; QEMU: guest instructions; a real board: core cycles), its share of the
// step, and counter per MAC, per op and per kernel kind. Host runs live here; device runs in
// devicerun/profile.ts hand their counters to the same profileFromCounts.

import { opKind, opMacs, opShape } from '../compiler/ir/op-costs.js';
import { buildHostTrainer } from './host-train.js';
import { runJsonLines } from './host-programs.js';
import type { Prepared } from './prepare.js';

export type CounterUnit = 'instructions' | 'cycles' | 'ns';

export interface ProfileOp {
  /** Index in the step's schedule (the generated code's op comment). */
  index: number;
  op: string;
  kind: string;
  /** Layer of the config (model.layers index), or undefined for the classifier and loss. */
  layer?: number;
  shape: string;
  macs: number;
  /** Counter units per step (mean over the profiled steps). */
  counter: number;
  /** counter / step total. */
  share: number;
  /** counter / macs (undefined for ops without MACs). */
  counterPerMac?: number;
}

export interface ProfileKind { kind: string; ops: number; macs: number; counter: number; share: number; counterPerMac?: number }

export interface Profile {
  board: string;
  counterUnit: CounterUnit;
  /** QEMU (-icount: one instruction per ns of virtual time) */
  instructionsPerStep?: number;
  /** a real board (core clock counter) */
  cyclesPerStep?: number;
  /** the host: median wall time of the profiled steps */
  msPerStep?: number;
  steps: number;
  /** Sum of the ops' counters per step (the step less the few instructions between ops). */
  opsTotal: number;
  macs: number;
  ops: ProfileOp[];
  kinds: ProfileKind[];
}

const round = (v: number, d: number): number => Math.round(v * 10 ** d) / 10 ** d;

/** counts[i]: counter units of schedule op i summed over `steps` steps. */
export function profileFromCounts(p: Prepared, board: string, unit: CounterUnit, counts: number[], steps: number, perStep: number): Profile {
  const c = p.compilation;
  const ops = c.memory.schedule.ops;
  if (counts.length !== ops.length) throw new Error(`the profile has ${counts.length} ops; this config's schedule has ${ops.length} (was the program built from another config?)`);
  const perOp = counts.map((n) => n / Math.max(1, steps));
  const total = perOp.reduce((a, b) => a + b, 0);
  const rows: ProfileOp[] = ops.map((op, i) => {
    const macs = opMacs(op, c.net, c.graph.tensors);
    return {
      index: i, op: op.name, kind: opKind(op, c.net), layer: op.layer, shape: opShape(op, c.net), macs,
      counter: round(perOp[i], unit === 'ns' ? 0 : 0), share: total ? round(perOp[i] / total, 5) : 0,
      counterPerMac: macs ? round(perOp[i] / macs, 3) : undefined,
    };
  });
  const byKind = new Map<string, ProfileKind>();
  for (const r of rows) {
    const k = byKind.get(r.kind) ?? { kind: r.kind, ops: 0, macs: 0, counter: 0, share: 0 };
    k.ops++; k.macs += r.macs; k.counter += perOp[r.index];
    byKind.set(r.kind, k);
  }
  const kinds = [...byKind.values()].map((k) => ({ ...k, counter: Math.round(k.counter), share: total ? round(k.counter / total, 4) : 0, counterPerMac: k.macs ? round(k.counter / k.macs, 3) : undefined }))
    .sort((a, b) => b.counter - a.counter);
  const head: Partial<Profile> = unit === 'instructions' ? { instructionsPerStep: Math.round(perStep) }
    : unit === 'cycles' ? { cyclesPerStep: Math.round(perStep) } : { msPerStep: round(perStep / 1e6, 3) };
  return { board, counterUnit: unit, ...head, steps, opsTotal: Math.round(total), macs: rows.reduce((a, r) => a + r.macs, 0), ops: rows, kinds };
}

const median = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? 0; };

/** Profiles `steps` training steps of the host build (train --board host's program, built with -DTT_PROFILE). */
export async function profileOnHost(p: Prepared, opts: { steps?: number; signal?: AbortSignal } = {}): Promise<Profile> {
  const steps = opts.steps ?? 20;
  const program = buildHostTrainer(p, { build: { profile: true } });
  const r = await runJsonLines(program, [p.files.trainS8, p.files.testS8, String(steps)], undefined, opts.signal);
  if (r.code !== 0) throw new Error(`the host profile run failed (exit ${r.code}): ${r.stderr.trim().slice(0, 2000)}`);
  const line = r.lines.find((l) => Array.isArray(l.profile));
  if (!line) throw new Error('the host profile run printed no profile');
  const stepNs = (line.stepNs as number[]) ?? [];
  return profileFromCounts(p, 'host', 'ns', line.profile as number[], stepNs.length, median(stepNs));
}
