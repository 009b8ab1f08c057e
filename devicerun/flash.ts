// Flashing a built firmware: TinyTrain's AN3155 flasher over the serial port (progress, verify,
// Go), or an external command for boards that need one (openocd, st-flash, bossac, nrfjprog...).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { flash, type FlashProgress, type FlashResult } from '../device/an3155/flasher.js';

export interface FlashFirmwareOptions {
  /** Raw image (.bin) to write at `address` (AN3155), or its bytes. */
  image: string | Uint8Array;
  /** The ELF, for external commands that take one ({elf}). */
  elf?: string;
  /** Serial port of a board held in its ROM bootloader (BOOT0 high), for AN3155. */
  port?: string;
  /** Flash base (default 0x08000000). */
  address?: number;
  baudRate?: number;
  /** Pulse DTR/RTS to enter the bootloader (adapters wired DTR->RESET, RTS->BOOT0). */
  dtrRtsReset?: boolean;
  /** Read back and compare (default true). */
  verify?: boolean;
  /** Start the firmware after flashing (default true). */
  go?: boolean;
  /**
   * External flash command instead of AN3155, run by /bin/sh with {bin}, {elf}, {port} and
   * {address} substituted, e.g. `st-flash --reset write {bin} {address}` or
   * `openocd -f board/stm32f7discovery.cfg -c "program {elf} verify reset exit"`.
   */
  externalCommand?: string;
  onProgress?: (p: FlashProgress) => void;
  /** Output of an external command, line by line. */
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
}

export type FlashOutcome = (FlashResult & { method: 'an3155' }) | { method: 'external'; command: string; ms: number; afterGo?: undefined; verified?: undefined };

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Expand an external command template (exported for the editor's settings preview). */
export function expandFlashCommand(template: string, v: { bin?: string; elf?: string; port?: string; address: number }): string {
  return template.replace(/\{(bin|elf|port|address)\}/g, (_, k: string) => {
    if (k === 'address') return '0x' + v.address.toString(16).padStart(8, '0');
    const val = v[k as 'bin' | 'elf' | 'port'];
    if (!val) throw new Error(`the flash command uses {${k}} but no ${k} is known`);
    return shellQuote(val);
  });
}

export async function flashFirmware(opts: FlashFirmwareOptions): Promise<FlashOutcome> {
  opts.signal?.throwIfAborted();
  const address = opts.address ?? 0x08000000;
  if (opts.externalCommand) {
    const bin = typeof opts.image === 'string' ? opts.image : undefined;
    const command = expandFlashCommand(opts.externalCommand, { bin, elf: opts.elf, port: opts.port, address });
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let tail = '';
      const onAbort = () => { try { if (child.pid) process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const take = (d: Buffer) => {
        const s = d.toString();
        tail = (tail + s).slice(-4000);
        for (const l of s.split(/\r?\n/)) if (l.trim()) opts.onOutput?.(l);
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      child.on('error', (e) => { opts.signal?.removeEventListener('abort', onAbort); reject(new Error(`cannot run the flash command: ${e.message}`)); });
      child.on('close', (code, sig) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (opts.signal?.aborted) reject(new Error('flashing cancelled'));
        else if (code === 0) resolve();
        else reject(new Error(`the flash command failed (${code !== null ? `exit ${code}` : sig}): ${command}\n${tail.trim()}`));
      });
    });
    return { method: 'external', command, ms: Date.now() - t0 };
  }
  if (!opts.port) throw new Error('flashing over AN3155 needs a serial port (--port <path>), or set an external flash command');
  const image = typeof opts.image === 'string' ? readFileSync(opts.image) : opts.image;
  const r = await flash({ path: opts.port, image, address, baudRate: opts.baudRate, dtrRtsReset: opts.dtrRtsReset, verify: opts.verify ?? true, go: opts.go ?? true, onProgress: opts.onProgress });
  if (!r.verified && (opts.verify ?? true)) throw new Error('flashing finished without verification');
  return { ...r, method: 'an3155' };
}
