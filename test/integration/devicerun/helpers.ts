// Shared helpers for the device-run integration tests: tool checks (skip with a message when a
// tool is missing), the MNIST transfer example prepared once per test process, loss summaries.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepare, type Prepared } from '../../../training/prepare.js';
import { trainOnHost } from '../../../training/host-train.js';

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

/**
 * Losses of the host build of the same generated program. The host trainer is cached in one
 * shared file that buildTrainer writes in place, so a test process that starts it while another
 * is still writing it gets ETXTBSY: wait and retry (a race in the host cache, not in the device path).
 */
export async function hostLosses(p: Prepared, steps: number): Promise<number[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await trainOnHost(p, { steps })).losses;
    } catch (e) {
      if (attempt >= 10 || !/ETXTBSY|ENOEXEC|Text file busy|Exec format/.test(String((e as Error)?.message ?? e) + String((e as NodeJS.ErrnoException)?.code))) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
