// The gcc recipes, in one place: the C dialect and warnings every TinyTrain C file is compiled
// with; the host programs' flags (the trainer, the fp32 tool, the ASan build, the contribution
// runs' objects and links); a microcontroller board's (its CPU flags from the board registry,
// a section per function so the link drops what is unused). buildHost (host-build.ts), the
// contribution runs (training/contrib.ts), the firmware build table (device/firmware/boards.ts)
// and the exported project's Makefile read them; no other file writes a gcc flag.

import { readFileSync } from 'node:fs';
import type { Board } from '../config/boards.js';

/** C99 and the warnings. */
export const C_DIALECT = ['-std=c99', '-Wall', '-Wextra'] as const;
/** Programs TinyTrain generates are built with warnings as errors (an unused const is a bug). */
export const WARNINGS_AS_ERRORS = '-Werror';
/** Address + undefined-behaviour sanitizers, stopping at the first report. */
export const SANITIZE = ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=all'] as const;

export interface HostFlags {
  /** Default -O2. */
  optimize?: string;
  /** -g (default on; the contribution runs' many short builds leave it off). */
  debugInfo?: boolean;
  sanitize?: boolean;
  /** This machine's vector extensions (hostVectorFlags): for programs built and run here. */
  vectorize?: boolean;
  defines?: readonly string[];
  includeDirs?: readonly string[];
}

/** Vector extensions of this machine's CPU the host programs may use (they are built and run
 * here): AVX2 + FMA when /proc/cpuinfo lists them. Results do not change: C99 mode contracts no
 * multiply-add and nothing is reassociated, so only integer loops and independent float lanes
 * are vectorized. */
let vectorFlags: string[] | undefined;
export function hostVectorFlags(): string[] {
  if (vectorFlags) return vectorFlags;
  let cpu = '';
  try { cpu = readFileSync('/proc/cpuinfo', 'utf8'); } catch { /* not Linux: the compiler's default target */ }
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpu)?.[1] ?? '').trim().split(/\s+/));
  vectorFlags = flags.has('avx2') && flags.has('fma') && process.arch === 'x64' ? ['-mavx2', '-mfma'] : [];
  return vectorFlags;
}

/** With the vector extensions, the vectorizer's full cost model: -O2's default ('very cheap')
 * leaves any loop with an unknown trip count scalar, the kernels' channel loops among them; -O3
 * gains nothing more on the trainer and doubles its build time (the unrolled depthwise bodies). */
export const HOST_VECTORIZE = '-fvect-cost-model=dynamic';

/** What gcc compiles a host program (or one object of it) with. */
export function hostFlags(f: HostFlags = {}): string[] {
  return [
    ...C_DIALECT, WARNINGS_AS_ERRORS, f.optimize ?? '-O2', ...(f.vectorize ? [...hostVectorFlags(), HOST_VECTORIZE] : []), ...(f.debugInfo === false ? [] : ['-g']),
    ...(f.sanitize ? SANITIZE : []),
    ...(f.defines ?? []).map((d) => `-D${d}`),
    ...(f.includeDirs ?? []).map((d) => `-I${d}`),
  ];
}

/** What gcc compiles a board's firmware with: its CPU, FPU and float ABI, then -O2 -g. */
export function boardCompileFlags(board: Board): string[] {
  return [...board.cpuFlags, ...C_DIALECT, '-O2', '-g', ...(board.cpuFlags.length ? ['-ffunction-sections', '-fdata-sections'] : [])];
}

/** What gcc links a microcontroller board's firmware with (besides the linker script). */
export function boardLinkFlags(board: Board): string[] {
  return [...board.cpuFlags, '-nostartfiles', '-Wl,--gc-sections', '--specs=nano.specs', '--specs=nosys.specs'];
}
