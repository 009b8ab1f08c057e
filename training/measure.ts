// Measuring the generated trainer on the host: wall time per training step (from runs of
// different lengths, so start-up and evaluation cancel) and instructions per step under
// valgrind's callgrind (deterministic: the same binary and inputs give the same count).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasTool } from '../compiler/toolchain/tools.js';

function wallSeconds(program: string, args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${program} failed: ${r.stderr?.toString().trim()}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** Median over repeats of (time of `steps` steps - time of 0 steps) / steps, in milliseconds. */
export function msPerStep(program: string, train: string, test: string, steps: number, repeats = 5): { medianMs: number; samples: number[] } {
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const base = wallSeconds(program, [train, test, '0']);
    const full = wallSeconds(program, [train, test, String(steps)]);
    samples.push(((full - base) / steps) * 1000);
  }
  const sorted = samples.slice().sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)], samples };
}

function callgrindTotal(program: string, args: string[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'tinytrain-callgrind-'));
  try {
    const out = join(dir, 'callgrind.out');
    const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, program, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`valgrind failed: ${r.stderr?.toString().trim().slice(-500)}`);
    const m = /^(?:summary|totals):\s*(\d+)/m.exec(readFileSync(out, 'utf8'));
    if (!m) throw new Error('no instruction total in the callgrind output');
    return Number(m[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Instructions of one training step: (count at 1 + n steps - count at 1 step) / n. */
export function instructionsPerStep(program: string, train: string, test: string, n = 2): number | undefined {
  if (!hasTool('valgrind')) return undefined;
  const one = callgrindTotal(program, [train, test, '1']);
  const more = callgrindTotal(program, [train, test, String(1 + n)]);
  return Math.round((more - one) / n);
}
