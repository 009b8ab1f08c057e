// The runtime folder (its C sources, for every build) and the host builds with gcc: the
// generated training program with the runtime kernels, and the fp32 tool, with the host recipe
// of gcc-flags.ts (warnings are errors, as on the device builds).

import { spawnSync } from 'node:child_process';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostFlags } from './gcc-flags.js';
import { requireTool, ToolError } from './tools.js';

/** The runtime/ folder: next to compiler/ in a checkout, inside the package when installed. */
export function runtimeDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', '..', 'runtime'), join(here, '..', 'runtime'), join(here, 'runtime')]) {
    try { readdirSync(join(candidate, 'kernels')); return candidate; } catch { /* try the next */ }
  }
  throw new ToolError('the TinyTrain runtime C sources were not found next to the compiler');
}

export function kernelSources(): string[] {
  const dir = join(runtimeDir(), 'kernels');
  return readdirSync(dir).filter((f) => f.endsWith('.c')).sort().map((f) => join(dir, f));
}

export interface HostBuild {
  sources: string[];
  includeDirs: string[];
  output: string;
  /** Address + undefined-behaviour sanitizers. */
  sanitize?: boolean;
  defines?: string[];
  /** Default -O2 with hostVectorFlags(). */
  optimize?: string;
}

export function buildHost(b: HostBuild): void {
  requireTool('gcc');
  const args = [
    // this machine's vector extensions unless the caller chose (the program runs here); -O2,
    // which vectorizes cheap loops since gcc 12: -O3 compiled the unrolled depthwise bodies
    // five times slower (40 s for one file on a loaded machine)
    ...hostFlags({ optimize: b.optimize ?? '-O2', vectorize: b.optimize === undefined, sanitize: b.sanitize, defines: b.defines, includeDirs: b.includeDirs }),
    '-o', `${b.output}.${process.pid}.tmp`, ...b.sources, '-lm',
  ];
  // Linked under a private name and renamed into place: another process may be running the
  // previous binary (writing it in place fails with ETXTBSY) or building the same one.
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(`${b.output}.${process.pid}.tmp`, { force: true });
    throw new ToolError(`gcc failed building ${b.output}:\n${(r.stderr || r.stdout || '').trim()}`);
  }
  renameSync(`${b.output}.${process.pid}.tmp`, b.output);
}
