// Where a training run's points come from. The dashboard sees only `TrainingRun`: a stream of
// events (steps, evaluations, log lines, state changes, the instructions a step takes when the
// run can count them) plus pause / resume / stop. Both runs here are the CLI's
// `tinytrain train <config>` (one JSON line per step on stdout, progress on stderr) in its own
// process group, so stop ends every process it started (trainer, QEMU, socat) and pause
// suspends them (SIGSTOP / SIGCONT): on the host (the generated int8 trainer built with gcc), or
// on the virtual board (`--virtual`: firmware flashed into QEMU, samples streamed over its
// UART), whose per-step instruction counts come from the run's CSV (`--csv`, the STEP counters;
// with QEMU's -icount shift=0 one count is one guest instruction).

import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseConfig } from '../compiler/config/parse.js';
import type { RunInfo, RunState } from '../protocol/webview.js';

export type RunEvent =
  | { kind: 'step'; step: number; loss: number; correct: boolean; t: number }
  | { kind: 'eval'; step: number; accuracy: number }
  | { kind: 'log'; line: string }
  | { kind: 'state'; state: RunState; message?: string; accuracy?: number }
  | { kind: 'instructions'; perStep: number }
  /** The held-out per-class table: confusion[label][predicted], class names in label order. */
  | { kind: 'classes'; confusion: number[][]; classNames: string[] };

export interface TrainingRun {
  readonly info: RunInfo;
  readonly state: RunState;
  onEvent(listener: (e: RunEvent) => void): void;
  pause(): void;
  resume(): void;
  stop(): void;
}

/** Parses one stdout line of `tinytrain train` (a JSON object per line). */
export function parseTrainLine(line: string): { step: number; loss: number; correct: boolean } | { done: true; accuracy: number; steps: number; confusion?: number[][] } | { eval: true; step: number; accuracy: number } | undefined {
  const s = line.trim();
  if (!s.startsWith('{')) return undefined;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(s) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (o.done === true && typeof o.accuracy === 'number') return { done: true, accuracy: o.accuracy, steps: Number(o.steps), ...(isTable(o.confusion) ? { confusion: o.confusion } : {}) };
  if (typeof o.step === 'number' && typeof o.loss === 'number' && Number.isFinite(o.loss)) return { step: o.step, loss: o.loss, correct: o.correct === true };
  if (typeof o.step === 'number' && typeof o.accuracy === 'number') return { eval: true, step: o.step, accuracy: o.accuracy };
  return undefined;
}

export interface CliRunOptions {
  /** Node executable and the bundled CLI. */
  node: string;
  cli: string;
  configPath: string;
  info: RunInfo;
  steps?: number;
  /** Run on the virtual board instead of the host (or, with `port`, on the board at that serial
   * port: `--port`, flashed first); the CSV the CLI writes gives the counters. */
  virtual?: { csvPath: string; port?: string };
  /** More `tinytrain train` options (a device run's `--eval N`, `--flash-command`). */
  extraArgs?: string[];
  log?: (line: string) => void;
}

/** A square table of counts (the trainer's confusion[label][predicted]). */
function isTable(v: unknown): v is number[][] {
  return Array.isArray(v) && v.every((r) => Array.isArray(r) && r.length === v.length && r.every((x) => Number.isInteger(x) && x >= 0));
}

/** The held-out confusion table of a device run's CSV: its `prediction` rows (predicted, label). */
export function confusionFromCsv(csv: string, classes: number): number[][] | undefined {
  const rows = csv.split('\n');
  const head = rows[0]?.split(',') ?? [];
  const [kind, predicted, label] = ['kind', 'predicted', 'label'].map((k) => head.indexOf(k));
  if (kind < 0 || predicted < 0 || label < 0 || classes < 1) return undefined;
  const table = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let n = 0;
  for (const r of rows.slice(1)) {
    const c = r.split(',');
    if (c[kind] !== 'prediction') continue;
    const p = Number(c[predicted]), l = Number(c[label]);
    if (Number.isInteger(p) && Number.isInteger(l) && p >= 0 && l >= 0 && p < classes && l < classes) { table[l][p]++; n++; }
  }
  return n ? table : undefined;
}

/** Class names in label order: the config's data.classes, else class 0, 1, ... */
async function classNamesOf(configPath: string, classes: number): Promise<string[]> {
  const named = await readFile(configPath, 'utf8').then((t) => parseConfig(t).spec?.data?.classes, () => undefined);
  return Array.from({ length: classes }, (_, i) => (named && named.length === classes ? String(named[i]) : `class ${i}`));
}

/** Median of the per-step counters in a device run's CSV (`kind,step,...,counter,...`). */
export function countersPerStep(csv: string): number | undefined {
  const rows = csv.split('\n');
  const head = rows[0]?.split(',') ?? [];
  const kind = head.indexOf('kind');
  const counter = head.indexOf('counter');
  if (kind < 0 || counter < 0) return undefined;
  const values: number[] = [];
  for (const r of rows.slice(1)) {
    const c = r.split(',');
    if (c[kind] !== 'step') continue;
    const v = Number(c[counter]);
    if (Number.isFinite(v) && v > 0) values.push(v);
  }
  if (!values.length) return undefined;
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
}

export class CliRun implements TrainingRun {
  readonly info: RunInfo;
  private listeners: ((e: RunEvent) => void)[] = [];
  private child: ChildProcess | undefined;
  private current: RunState = 'preparing';
  private stopping = false;
  private readonly t0 = Date.now();
  private stderrTail: string[] = [];
  private lastStep = 0;
  /** Resolves when the process group has exited. */
  readonly exited: Promise<void>;

  constructor(private readonly opts: CliRunOptions) {
    this.info = opts.info;
    const args = [opts.cli, 'train', opts.configPath, ...(opts.steps ? ['--steps', String(opts.steps)] : []),
      ...(opts.virtual ? [...(opts.virtual.port ? ['--port', opts.virtual.port] : ['--virtual']), '--csv', opts.virtual.csvPath] : []),
      ...(opts.extraArgs ?? [])];
    const child = spawn(opts.node, args, {
      cwd: dirname(opts.configPath),
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      detached: true, // its own process group: stop and pause reach the trainer it starts too
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    opts.log?.(`train on ${opts.virtual ? (opts.virtual.port ? `the board at ${opts.virtual.port}` : 'the virtual board') : 'host'}: ${opts.node} ${args.join(' ')} (pid ${child.pid})`);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        this.line(out.slice(0, nl));
        out = out.slice(nl + 1);
      }
    });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      let nl: number;
      while ((nl = err.indexOf('\n')) >= 0) {
        const l = err.slice(0, nl).trimEnd();
        err = err.slice(nl + 1);
        if (!l) continue;
        this.stderrTail.push(l);
        if (this.stderrTail.length > 20) this.stderrTail.shift();
        this.emit({ kind: 'log', line: l });
      }
    });
    this.exited = new Promise((resolve) => {
      child.on('error', (e) => {
        this.finish('failed', `could not start the trainer: ${e.message}`);
        resolve();
      });
      child.on('close', (code, signal) => {
        if (out.trim()) this.line(out);
        this.child = undefined;
        if (this.opts.virtual) { this.readCounters(); this.readConfusion(); }
        if (this.current === 'done' || this.current === 'failed' || this.current === 'stopped') return resolve();
        if (this.stopping) this.finish('stopped', `stopped at step ${this.lastStep}`);
        else if (code === 0) this.finish('done');
        else this.finish('failed', this.stderrTail.slice(-3).join(' ') || `exit ${code ?? signal}`);
        resolve();
      });
    });
  }

  get state(): RunState {
    return this.current;
  }

  onEvent(listener: (e: RunEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(e: RunEvent): void {
    for (const l of this.listeners) l(e);
  }

  private setState(state: RunState, message?: string, accuracy?: number): void {
    this.current = state;
    this.emit({ kind: 'state', state, ...(message ? { message } : {}), ...(accuracy !== undefined ? { accuracy } : {}) });
  }

  private finish(state: RunState, message?: string, accuracy?: number): void {
    if (this.current === 'done' || this.current === 'failed' || this.current === 'stopped') return;
    this.setState(state, message, accuracy);
  }

  private line(text: string): void {
    const l = parseTrainLine(text);
    if (!l) return;
    if ('done' in l) {
      if (l.confusion) this.emitClasses(l.confusion);
      return this.finish('done', `held-out accuracy ${(l.accuracy * 100).toFixed(1)} % after ${l.steps} steps`, l.accuracy);
    }
    if ('eval' in l) return this.emit({ kind: 'eval', step: l.step, accuracy: l.accuracy });
    if (this.current === 'preparing') this.setState('running');
    this.lastStep = l.step;
    if (this.opts.virtual && l.step % 25 === 1) this.readCounters();
    this.emit({ kind: 'step', step: l.step, loss: l.loss, correct: l.correct, t: Date.now() - this.t0 });
  }

  private emitClasses(confusion: number[][]): void {
    void classNamesOf(this.opts.configPath, confusion.length).then((classNames) => this.emit({ kind: 'classes', confusion, classNames }));
  }

  /** A device run's per-class table, from the prediction rows of its CSV. */
  private readConfusion(): void {
    readFile(this.opts.virtual!.csvPath, 'utf8').then(async (csv) => {
      const text = await readFile(this.opts.configPath, 'utf8').catch(() => '');
      const classes = parseConfig(text).spec?.model.classes ?? 0;
      const c = confusionFromCsv(csv, classes);
      if (c) this.emitClasses(c);
    }, () => undefined);
  }

  private lastCounter: number | undefined;
  private readCounters(): void {
    readFile(this.opts.virtual!.csvPath, 'utf8').then((csv) => {
      const c = countersPerStep(csv);
      if (c !== undefined && c !== this.lastCounter) {
        this.lastCounter = c;
        this.emit({ kind: 'instructions', perStep: c });
      }
    }, () => undefined);
  }

  private signal(sig: NodeJS.Signals): boolean {
    const pid = this.child?.pid;
    if (!pid) return false;
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false;
    }
  }

  pause(): void {
    if (this.current !== 'running') return;
    if (this.signal('SIGSTOP')) this.setState('paused', `at step ${this.lastStep}`);
  }

  resume(): void {
    if (this.current !== 'paused') return;
    if (this.signal('SIGCONT')) this.setState('running');
  }

  /** SIGINT first (the CLI aborts cleanly: it stops QEMU and closes the port), then SIGTERM and
   * SIGKILL to the whole group if it is still there. */
  stop(): void {
    if (!this.child || this.stopping) return;
    this.stopping = true;
    const child = this.child;
    this.signal('SIGINT');
    this.signal('SIGCONT'); // a paused group must run to handle the signal
    setTimeout(() => {
      if (this.child !== child) return;
      this.signal('SIGTERM');
      setTimeout(() => {
        if (this.child === child) this.signal('SIGKILL');
      }, 2000).unref();
    }, 3000).unref();
  }
}
