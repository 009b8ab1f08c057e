// Contribution analysis: how much accuracy each sparse-update choice adds, measured by short
// fine-tuning runs of the generated int8 trainer (the device's code, built with gcc) from the
// prepared int8 model:
//   - Δacc of the biases of the last k convs, for a range of k, over the classifier-only run;
//   - Δacc of each conv's weights at ratio 1/8, 1/4, 1/2, 1, on top of the biases (by default
//     of all convs, one shared base run), over that base run.
// Runs are validated on a held-out slice of the TRAINING samples (default 25 %), never on the
// config's test split, so a scheme chosen from these numbers can be judged on the test split.
//
// Runs go in parallel, up to one per core, each in its own process group (gcc, then the trainer),
// so a cancel kills everything it started and waits for it. The kernels are compiled once to
// objects; each run compiles only its generated model and links (a few hundred ms).
// Results are cached next to the config (<name>.contrib.json), keyed by a hash of the int8 model,
// the data, the generated code and the settings; the file is written to a temporary name and
// renamed, so a cancelled or crashed run never leaves a half-written cache.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { compile, generateProgram } from '../compiler/compile.js';
import type { Network } from '../compiler/ir/network.js';
import { contributionsFrom, mulberry32, networkKey, ratioText, RATIOS, type Contributions } from '../compiler/search.js';
import { resolveUpdate, trainedChannels, type UpdatePlan } from '../compiler/sparse/scheme.js';
import { hostFlags } from '../compiler/toolchain/gcc-flags.js';
import { kernelSources, runtimeDir } from '../compiler/toolchain/host-build.js';
import { requireTool } from '../compiler/toolchain/tools.js';
import { encodeDataset } from '../compiler/weights/files.js';
import type { Prepared } from './prepare.js';
import { hashOf, runtimeHash, writeFileAtomic } from './workspace.js';

export interface ContribSettings {
  /** Training steps (batch 1) per run. */
  steps: number;
  /** Bias counts k measured (the last k convs). */
  biasCounts: number[];
  ratios: number[];
  /** Convs whose weights are measured. */
  convs: number[];
  /** Weights are measured on top of the biases of all convs ('all', one shared base) or of the fewest the contract allows ('own'). */
  weightBase: 'all' | 'own';
  /** Share of the training samples held out for validation (0: train on all, validate on the test split, as `tinytrain train` does). */
  holdout: number;
  /** Runs per plan, each with another order of the training samples and another rounding seed; accuracies are averaged. */
  repeats: number;
}

export interface ContribRunResult { label: string; accuracy: number; seconds: number }

export interface ContribFile {
  version: 1;
  key: string;
  /** networkKey() of the network measured (searches check it before using the file). */
  network: string;
  model: string;
  config: string;
  settings: ContribSettings;
  lr: number;
  qas: boolean;
  baseline: { accuracy: number };
  bias: { k: number; accuracy: number; delta: number }[];
  weights: { conv: number; name: string; ratio: number; text: string; k: number; accuracy: number; base: number; delta: number }[];
  runs: number;
  jobs: number;
  seconds: number;
  measuredAt: string;
}

export interface ContribProgress { done: number; total: number; label: string; seconds: number; etaSeconds?: number }

export interface ContribOptions extends Partial<ContribSettings> {
  /** Parallel runs; default os.cpus().length. */
  jobs?: number;
  /** Cache file; default next to the config. */
  cacheFile?: string;
  /** Measure again even when the cache matches. */
  force?: boolean;
  onProgress?: (p: ContribProgress) => void;
  signal?: AbortSignal;
}

export interface ContribResult { file: ContribFile; path: string; cached: boolean }

export function defaultContribPath(configPath: string): string {
  const base = basename(configPath).replace(/\.tinytrain\.ya?ml$/, '').replace(/\.ya?ml$/, '');
  return join(dirname(resolve(configPath)), `${base}.contrib.json`);
}

/** The bias counts measured by default: every k up to 16 convs, else 16 spread over 1..N (always N). */
export function defaultBiasCounts(n: number): number[] {
  if (n <= 16) return Array.from({ length: n }, (_, i) => i + 1);
  const out = new Set<number>();
  for (let i = 1; i <= 16; i++) out.add(Math.max(1, Math.round((n * i * i) / 256)));
  out.add(n);
  return [...out].sort((a, b) => a - b);
}

export function contribSettings(p: Prepared, opts: Partial<ContribSettings> = {}): ContribSettings {
  const n = p.net.convs.length;
  const trainSteps = p.spec.train.steps ?? p.split.train.length;
  const holdout = opts.holdout ?? 0.25;
  return {
    // Short runs: at most one pass over the training samples the analysis trains on.
    steps: opts.steps ?? Math.max(1, Math.min(trainSteps, Math.round(p.split.train.length * (1 - holdout)))),
    biasCounts: [...new Set(opts.biasCounts ?? defaultBiasCounts(n))].filter((k) => k >= 1 && k <= n).sort((a, b) => a - b),
    ratios: opts.ratios ?? [...RATIOS],
    convs: opts.convs ?? p.net.convs.map((c) => c.index),
    weightBase: opts.weightBase ?? 'all',
    holdout,
    repeats: Math.max(1, opts.repeats ?? 2),
  };
}

/** Turns a contributions file into the search's contribution model (checks it belongs to the network). */
export function contributionsOf(file: ContribFile, net: Network): Contributions {
  if (file.network !== networkKey(net)) throw new Error(`the contributions in this file were measured on another network (${file.model})`);
  return contributionsFrom(net, file.bias, file.weights);
}

/** Reads a contributions file; undefined when it does not exist or is not for this network. */
export function readContributions(path: string, net: Network): { file: ContribFile; contributions: Contributions } | undefined {
  if (!existsSync(path)) return undefined;
  let file: ContribFile;
  try { file = JSON.parse(readFileSync(path, 'utf8')) as ContribFile; } catch (e) {
    throw new Error(`${path} is not a readable contributions file (${(e as Error).message}); measure again with 'tinytrain contrib <config> --force', or delete it`);
  }
  if (file.version !== 1 || file.network !== networkKey(net)) return undefined;
  return { file, contributions: contributionsOf(file, net) };
}

// ---------------------------------------------------------------------------------------------
// Processes: each in its own group; a cancel kills the group and waits for it to be gone.

const live = new Set<ChildProcess>();
let exitHook = false;

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try { process.kill(-child.pid, 'SIGKILL'); } catch { try { child.kill('SIGKILL'); } catch { /* gone */ } }
}

export class AbortedError extends Error {
  override readonly name = 'AbortError';
  constructor() { super('contribution analysis cancelled'); }
}

function runProcess(cmd: string, args: string[], signal: AbortSignal, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => { for (const c of live) killGroup(c); });
  }
  return new Promise((resolvePromise, reject) => {
    if (signal.aborted) { reject(new AbortedError()); return; }
    const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    const onAbort = (): void => killGroup(child);
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => { live.delete(child); signal.removeEventListener('abort', onAbort); reject(err); });
    child.on('close', (code, sig) => {
      // The leader is gone; make sure nothing of its group outlives it (gcc's cc1, as, ld).
      if (child.pid !== undefined) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* group empty */ } }
      live.delete(child);
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) reject(new AbortedError());
      else resolvePromise({ code: code ?? (sig ? 128 : 1), stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Building: kernel objects once per runtime version, then per run one compile + link.

async function kernelObjects(cacheDir: string, jobs: number, signal: AbortSignal): Promise<string[]> {
  const dir = join(cacheDir, `kobj-${runtimeHash()}`);
  const list = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.o')).sort().map((f) => join(dir, f));
  if (existsSync(dir)) return list();
  requireTool('gcc');
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const host = join(runtimeDir(), 'host');
  const sources = [join(host, 'tt_files.c'), ...kernelSources()];
  const chunks: string[][] = Array.from({ length: Math.max(1, Math.min(jobs, sources.length)) }, () => []);
  sources.forEach((s, i) => chunks[i % chunks.length].push(s));
  try {
    await Promise.all(chunks.map(async (chunk) => {
      const r = await runProcess('gcc', [...hostFlags({ debugInfo: false, includeDirs: [host, join(runtimeDir(), 'kernels')] }), '-c', ...chunk], signal, tmp);
      if (r.code !== 0) throw new Error(`gcc failed compiling the runtime kernels:\n${r.stderr.trim()}`);
    }));
    try { renameSync(tmp, dir); } catch { /* another process got there first */ }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return list();
}

interface Job { label: string; plan: UpdatePlan; repeat: number }

async function runJob(p: Prepared, job: Job, objects: string[], data: { train: string[]; test: string }, s: ContribSettings, workRoot: string, signal: AbortSignal): Promise<ContribRunResult> {
  const t0 = performance.now();
  // The same program trainOnHost builds for this plan (same code generation and options).
  const model = generateProgram(compile(p.spec, { update: job.plan }), p.quant, { seed: p.spec.train.seed + job.repeat, steps: s.steps });
  const dir = join(workRoot, hashOf(model.source));
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(join(dir, 'tt_model.h'), model.header);
    writeFileSync(join(dir, 'tt_model.c'), model.source);
    const host = join(runtimeDir(), 'host');
    const exe = join(dir, 'tt_train');
    const b = await runProcess('gcc', [...hostFlags({ debugInfo: false, includeDirs: [dir, host, join(runtimeDir(), 'kernels')] }), '-o', exe, join(dir, 'tt_model.c'), join(host, 'tt_train_main.c'), ...objects, '-lm'], signal);
    if (b.code !== 0) throw new Error(`gcc failed building the trainer for ${job.label}:\n${b.stderr.trim().slice(0, 2000)}`);
    const r = await runProcess(exe, [data.train[job.repeat], data.test, String(s.steps)], signal);
    if (r.code !== 0) throw new Error(`the trainer failed for ${job.label} (exit ${r.code}): ${r.stderr.trim().slice(0, 2000)}`);
    const done = r.stdout.trim().split('\n').reverse().map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return {}; } }).find((l) => l.done === true);
    if (!done) throw new Error(`the trainer for ${job.label} ended without a result`);
    return { label: job.label, accuracy: Number(done.accuracy), seconds: (performance.now() - t0) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

export async function measureContributions(p: Prepared, opts: ContribOptions = {}): Promise<ContribResult> {
  const s = contribSettings(p, opts);
  const net = p.net;
  const n = net.convs.length;
  const path = opts.cacheFile ?? defaultContribPath(p.configPath);
  const classifier = p.spec.train.update.classifier;
  const jobs = Math.max(1, opts.jobs ?? cpus().length);

  // Data: train on the first (1 - holdout) of the training samples, validate on the rest.
  const train = p.split.train;
  const cut = s.holdout > 0 ? Math.max(1, Math.min(train.length - 1, Math.round(train.length * (1 - s.holdout)))) : train.length;
  const trainSamples = train.slice(0, cut);
  const trainBytes = s.holdout > 0 ? encodeDataset(p.spec.model.input, trainSamples, p.quant.input) : readFileSync(p.files.trainS8);
  const testBytes = s.holdout > 0 ? encodeDataset(p.spec.model.input, train.slice(cut), p.quant.input) : readFileSync(p.files.testS8);

  const plan = (biases: number, weights: { conv: number; ratio: number }[] = []): UpdatePlan => resolveUpdate(net, { biases, classifier, weights });
  const baseSample = generateProgram(compile(p.spec, { update: plan(0) }), p.quant, { steps: s.steps });
  const key = hashOf(baseSample.weights, trainBytes, testBytes, baseSample.source, runtimeHash(),
    JSON.stringify({ s, lr: p.spec.train.lr, qas: p.spec.train.qas, seed: p.spec.train.seed, classifier, network: networkKey(net) }));

  if (!opts.force && existsSync(path)) {
    try {
      const cached = JSON.parse(readFileSync(path, 'utf8')) as ContribFile;
      if (cached.version === 1 && cached.key === key) return { file: cached, path, cached: true };
    } catch { /* unreadable: measure again */ }
  }

  // The plans, deduplicated; each runs `repeats` times.
  const plans: { label: string; plan: UpdatePlan }[] = [];
  const byPlan = new Map<string, number>();
  const add = (label: string, pl: UpdatePlan): number => {
    const k = JSON.stringify(pl);
    let i = byPlan.get(k);
    if (i === undefined) { i = plans.length; plans.push({ label, plan: pl }); byPlan.set(k, i); }
    return i;
  };
  const baseline = add('classifier only', plan(0));
  const biasRuns = s.biasCounts.map((k) => ({ k, run: add(`biases ${k}`, plan(k)) }));
  const weightRuns: { conv: number; ratio: number; k: number; run: number; base: number }[] = [];
  for (const i of s.convs) {
    const conv = net.convs[i];
    if (!conv) continue;
    const biases = s.weightBase === 'all' ? n : n - i;
    const base = add(`biases ${biases}`, plan(biases));
    for (const r of s.ratios) {
      const k = trainedChannels(conv, r);
      if (k === 0) continue;
      weightRuns.push({ conv: i, ratio: r, k, base, run: add(`${conv.name} weights ${ratioText(r)} (${k}/${conv.cin})`, plan(biases, [{ conv: i, ratio: r }])) });
    }
  }

  const jobList: Job[] = [];
  for (let r = 0; r < s.repeats; r++) for (const pl of plans) jobList.push({ ...pl, label: s.repeats > 1 ? `${pl.label} #${r + 1}` : pl.label, repeat: r });

  // Run them, up to `jobs` at a time.
  const inner = new AbortController();
  const onOuter = (): void => inner.abort();
  if (opts.signal?.aborted) throw new AbortedError();
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  const t0 = performance.now();
  const workRoot = join(p.dir, `contrib-${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(workRoot, { recursive: true });
  const results: ContribRunResult[] = new Array(jobList.length);
  try {
    const objects = await kernelObjects(p.dir, jobs, inner.signal);
    const trainPaths = Array.from({ length: s.repeats }, (_, r) => join(workRoot, `train-int8-${r}.ttd`));
    const testPath = join(workRoot, 'validate-int8.ttd');
    trainPaths.forEach((f, r) => writeFileSync(f, r === 0 ? trainBytes : encodeDataset(p.spec.model.input, shuffled(trainSamples, p.spec.train.seed * 1000 + r), p.quant.input)));
    writeFileSync(testPath, testBytes);
    let next = 0;
    let done = 0;
    let failure: unknown;
    const worker = async (): Promise<void> => {
      while (next < jobList.length && !inner.signal.aborted) {
        const j = next++;
        try {
          results[j] = await runJob(p, jobList[j], objects, { train: trainPaths, test: testPath }, s, workRoot, inner.signal);
        } catch (err) {
          if (!failure) failure = err;
          inner.abort(); // one failure stops the rest (and kills them)
          return;
        }
        done++;
        const seconds = (performance.now() - t0) / 1000;
        opts.onProgress?.({ done, total: jobList.length, label: jobList[j].label, seconds, etaSeconds: (seconds / done) * (jobList.length - done) });
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, jobList.length) }, worker));
    if (opts.signal?.aborted) throw new AbortedError();
    if (failure) throw failure;
  } finally {
    opts.signal?.removeEventListener('abort', onOuter);
    rmSync(workRoot, { recursive: true, force: true });
  }

  // Mean over the repeats of a plan.
  const acc = (i: number): number => {
    const rs = jobList.map((j, x) => (j.plan === plans[i].plan ? results[x].accuracy : NaN)).filter((a) => !Number.isNaN(a));
    return rs.reduce((a, b) => a + b, 0) / rs.length;
  };
  const file: ContribFile = {
    version: 1, key, network: networkKey(net), model: p.spec.model.name, config: basename(p.configPath), settings: s,
    lr: p.spec.train.lr, qas: p.spec.train.qas,
    baseline: { accuracy: acc(baseline) },
    bias: biasRuns.map((b) => ({ k: b.k, accuracy: acc(b.run), delta: acc(b.run) - acc(baseline) })),
    weights: weightRuns.map((w) => ({
      conv: w.conv, name: net.convs[w.conv].name, ratio: w.ratio, text: ratioText(w.ratio), k: w.k,
      accuracy: acc(w.run), base: acc(w.base), delta: acc(w.run) - acc(w.base),
    })),
    runs: jobList.length, jobs, seconds: (performance.now() - t0) / 1000, measuredAt: new Date().toISOString(),
  };
  writeFileAtomic(path, JSON.stringify(file, null, 2) + '\n');
  return { file, path, cached: false };
}

/** A seeded Fisher-Yates shuffle (another training order per repeat). */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  const rand = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [out[i], out[j]] = [out[j], out[i]]; }
  return out;
}

