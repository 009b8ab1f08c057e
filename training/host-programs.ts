// The host programs: the fp32 tool (pretrain / eval / calibrate / finetune) and the generated
// int8 training program, built with gcc and run with one JSON object per output line.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildHost, kernelSources, runtimeDir } from '../compiler/toolchain/host-build.js';
import type { GeneratedModel } from '../compiler/codegen/emit-c.js';
import { runtimeHash, writeFileAtomic } from './workspace.js';

/** Builds (once per runtime version) and returns the fp32 tool. */
export function fp32Tool(cacheDir: string): string {
  const out = join(cacheDir, `tt_fp32_tool-${runtimeHash()}`);
  if (!existsSync(out)) {
    const host = join(runtimeDir(), 'host');
    buildHost({ sources: [join(host, 'tt_fp32_tool.c'), join(host, 'tt_files.c'), ...kernelSources()], includeDirs: [host, join(runtimeDir(), 'kernels')], output: out });
  }
  return out;
}

export interface TrainerBuildOptions {
  sanitize?: boolean; debugBounds?: boolean; optimize?: string; defines?: string[]; extraSources?: string[];
  /** Time each op of the step (-DTT_PROFILE): the program prints a profile line after the steps. */
  profile?: boolean;
}

/** Writes the generated model into dir and builds the host trainer around it. */
export function buildTrainer(model: GeneratedModel, dir: string, opts: TrainerBuildOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  // Atomically: a run building the same model at the same time may be compiling these.
  writeFileAtomic(join(dir, 'tt_model.h'), model.header);
  writeFileAtomic(join(dir, 'tt_model.c'), model.source);
  const host = join(runtimeDir(), 'host');
  const out = join(dir, opts.sanitize ? 'tt_train_asan' : opts.debugBounds ? 'tt_train_checked' : opts.profile ? 'tt_train_profile' : 'tt_train');
  buildHost({
    sources: [join(dir, 'tt_model.c'), join(host, 'tt_train_main.c'), join(host, 'tt_files.c'), ...kernelSources(), ...(opts.extraSources ?? [])],
    includeDirs: [dir, host, join(runtimeDir(), 'kernels')],
    output: out,
    sanitize: opts.sanitize,
    defines: [...(opts.debugBounds ? ['TT_DEBUG_BOUNDS'] : []), ...(opts.profile ? ['TT_PROFILE'] : []), ...(opts.defines ?? [])],
    optimize: opts.optimize,
  });
  return out;
}

export interface RunResult { code: number; stderr: string; lines: Record<string, unknown>[] }

/** Runs a host program, handing each JSON line to onLine as it arrives. */
export function runJsonLines(program: string, args: string[], onLine?: (line: Record<string, unknown>) => void, signal?: AbortSignal): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    const lines: Record<string, unknown>[] = [];
    let buf = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const text = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!text) continue;
        try {
          const obj = JSON.parse(text) as Record<string, unknown>;
          lines.push(obj);
          onLine?.(obj);
        } catch {
          stderr += `unexpected output: ${text}\n`;
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => { stderr += c; });
    child.on('error', reject);
    child.on('close', (code, sig) => resolve({ code: code ?? (sig ? 128 : 1), stderr, lines }));
  });
}
