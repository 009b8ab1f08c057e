// Shared helpers for the device-run integration tests: tool checks (skip with a message when a
// tool is missing), the MNIST transfer example prepared once per test process, loss summaries.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepare, type Prepared } from '../../../training/prepare.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const MNIST = join(ROOT, 'examples', 'mnist-transfer', 'transfer.tinytrain.yaml');

/** A skip reason naming the missing tools, or false when all are on PATH. */
export function missingTools(...tools: string[]): string | false {
  const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
  return missing.length ? `skipped: ${missing.join(', ')} not installed (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm socat)` : false;
}

let prepared: Promise<Prepared> | undefined;
/** The MNIST transfer example, prepared once (pretrained weights come from the cache after the first run). */
export function mnist(): Promise<Prepared> {
  prepared ??= prepare(MNIST, () => {});
  return prepared;
}

export const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** Mean loss of the first and the last quarter of a run. */
export function quarters(losses: number[]): { first: number; last: number } {
  const q = Math.max(1, Math.floor(losses.length / 4));
  return { first: mean(losses.slice(0, q)), last: mean(losses.slice(losses.length - q)) };
}
