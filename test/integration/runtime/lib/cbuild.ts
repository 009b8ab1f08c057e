// Builds the C test drivers in test/integration/runtime/c/ against every kernel file in
// runtime/kernels/ with gcc, into a fresh temporary directory (never into the source tree).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOARDS } from '../../../../compiler/config/boards.js';
import { hostFlags } from '../../../../compiler/toolchain/gcc-flags.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const kernelsDir = join(repoRoot, 'runtime', 'kernels');
export const driversDir = join(repoRoot, 'test', 'integration', 'runtime', 'c');

// The project's host recipe (gcc-flags.ts); the Arm object build adds the virtual board's CPU flags.
export const HOST_FLAGS = hostFlags({ debugInfo: false });
/** The host trainer's recipe: this machine's vector extensions and the vectorizer's full cost model. */
export const TRAINER_FLAGS = hostFlags({ debugInfo: false, vectorize: true });
export const ARM_FLAGS = [...HOST_FLAGS, ...BOARDS.stm32f405.cpuFlags, '-c'];

export function kernelSources(): string[] {
  return readdirSync(kernelsDir).filter((f) => f.endsWith('.c')).sort().map((f) => join(kernelsDir, f));
}

export function haveTool(tool: string): boolean {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

export interface Built {
  exe: string;
  dir: string;
  cleanup(): void;
}

/** Compile one driver (file name in test/integration/runtime/c/) with all kernels. Throws with
 * the compiler output on failure. */
export function buildDriver(driver: string): Built {
  const dir = mkdtempSync(join(tmpdir(), 'tt-kernels-'));
  const exe = join(dir, driver.replace(/\.c$/, ''));
  const args = [...HOST_FLAGS, '-I', kernelsDir, ...kernelSources(), join(driversDir, driver), '-lm', '-o', exe];
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`gcc failed for ${driver}:\n${r.stderr}${r.stdout}`);
  }
  return { exe, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CheckLine {
  check: string;
  metric: string;
  err: number;
  tol: number;
  [k: string]: unknown;
}

/** Run a driver that prints one JSON object per line. */
export function runJsonLines(exe: string): { status: number | null; lines: CheckLine[]; stderr: string } {
  const r = spawnSync(exe, [], { encoding: 'utf8', timeout: 60_000 });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as CheckLine);
  return { status: r.status, lines, stderr: r.stderr };
}
