// Firmware build: board sources + telemetry + the program's C files -> ELF (+ raw .bin for
// flashing). Outputs go to the caller's outDir (tests use a temp dir, never the repo).
import { execFile } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, isAbsolute } from 'node:path';
import { promisify } from 'node:util';
import { runtimeDir } from '../../compiler/toolchain/host-build.js';
import { BOARD_TARGETS, includeDirs, type BoardTarget, type TargetName } from './boards.js';
import { renderLinkerScript, type LinkerBudget } from './linker.js';

const run = promisify(execFile);

export class FirmwareBuildError extends Error {
  constructor(message: string, readonly output: string) {
    super(message);
    this.name = 'FirmwareBuildError';
  }
}

export interface BuildOptions {
  target: TargetName | BoardTarget;
  /** The program's C sources (absolute paths), e.g. the generated training program. */
  sources: string[];
  outDir: string;
  /** Output base name (default "firmware"). */
  name?: string;
  budget?: LinkerBudget;
  defines?: Record<string, string | number>;
  includeDirs?: string[];
  extraCflags?: string[];
}

export interface BuildResult {
  target: BoardTarget;
  elf: string;
  /** Raw image from flashOrigin (Cortex-M targets). */
  bin?: string;
  linkerScript?: string;
  /** Section totals as `size` reports them (Berkeley format). */
  size: { text: number; data: number; bss: number };
  /** Compiler warnings, if any. */
  log: string;
}

/** True when `tool` runs (e.g. `arm-none-eabi-gcc`, `qemu-system-arm`). */
export async function hasTool(tool: string, args: string[] = ['--version']): Promise<boolean> {
  try {
    await run(tool, args, { timeout: 10_000 });
    return true;
  } catch (e) {
    // Some tools print usage and exit non-zero; only "not found" means missing.
    return (e as NodeJS.ErrnoException).code !== 'ENOENT' && typeof (e as { code?: unknown }).code === 'number';
  }
}

export async function buildFirmware(opts: BuildOptions): Promise<BuildResult> {
  const target = typeof opts.target === 'string' ? BOARD_TARGETS[opts.target] : opts.target;
  if (!target) throw new FirmwareBuildError(`unknown target ${String(opts.target)}`, '');
  mkdirSync(opts.outDir, { recursive: true });
  const name = opts.name ?? 'firmware';
  const elf = join(opts.outDir, name + '.elf');
  const defs = Object.entries(opts.defines ?? {}).map(([k, v]) => `-D${k}=${v}`);
  const incs = [...includeDirs(), ...(opts.includeDirs ?? [])].map((d) => '-I' + d);
  const boardSources = target.sources.map((s) => join(runtimeDir(), s));
  for (const s of opts.sources) if (!isAbsolute(s)) throw new FirmwareBuildError(`source path must be absolute: ${s}`, '');
  const args = [...target.cflags, ...(opts.extraCflags ?? []), ...defs, ...incs, ...boardSources, ...opts.sources];
  let linkerScript: string | undefined;
  if (target.linkerTemplate) {
    linkerScript = join(opts.outDir, name + '.ld');
    writeFileSync(linkerScript, renderLinkerScript(target, opts.budget));
    args.push('-T', linkerScript, `-Wl,-Map=${join(opts.outDir, name + '.map')}`);
  }
  args.push(...target.ldflags, '-o', elf);
  if (target.linkerTemplate) args.push('-lm');
  let log = '';
  try {
    const r = await run(target.cc, args, { timeout: 120_000, maxBuffer: 16 << 20 });
    log = r.stderr + r.stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    if (err.code === 'ENOENT') throw new FirmwareBuildError(`${target.cc} not found (install gcc-arm-none-eabi + libnewlib-arm-none-eabi)`, '');
    const out = (err.stderr ?? '') + (err.stdout ?? '');
    const overflow = /region [`'](RAM|FLASH)' overflowed by (\d+) bytes/.exec(out);
    throw new FirmwareBuildError(overflow ? `${overflow[1]} budget exceeded by ${overflow[2]} bytes` : `${target.cc} failed`, out);
  }
  let bin: string | undefined;
  if (target.objcopy) {
    bin = join(opts.outDir, name + '.bin');
    await run(target.objcopy, ['-O', 'binary', elf, bin], { timeout: 60_000 });
  }
  const size = await elfSize(target.size ?? 'size', elf);
  return { target, elf, bin, linkerScript, size, log };
}

/** text/data/bss of an ELF via `size` (Berkeley format). */
export async function elfSize(sizeTool: string, elf: string): Promise<{ text: number; data: number; bss: number }> {
  const { stdout } = await run(sizeTool, ['-B', elf], { timeout: 30_000 });
  const line = stdout.trim().split('\n')[1]?.trim().split(/\s+/) ?? [];
  const [text, data, bss] = line.map(Number);
  if (![text, data, bss].every(Number.isFinite)) throw new Error(`cannot read size output: ${stdout}`);
  return { text, data, bss };
}
