// Where a training run's points come from. The dashboard sees only `TrainingRun`: a stream of
// events (steps, evaluations, log lines, state changes, the instructions a step takes when the
// run can count them) plus pause / resume / stop. Both runs here are the CLI's
// `tinytrain train <config>` (one JSON line per step on stdout, progress on stderr) in its own
// process group, so stop ends every process it started (trainer, QEMU, socat) and pause
// suspends them (SIGSTOP / SIGCONT): on the host (the generated int8 trainer built with gcc), or
// on the virtual board (`--virtual`: firmware flashed into QEMU, samples streamed over its
// UART), whose step lines carry the board's per-step counter (with QEMU's -icount shift=0 one
// count is one guest instruction); the run also writes them to its CSV (`--csv`).

import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { medianCounter, parseRunLine } from '../protocol/run-stream.js';
import type { RunInfo, RunState } from '../protocol/webview.js';
import { lineSplitter } from './lines.js';

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

/** One stdout line of `tinytrain train` (protocol/run-stream.ts). */
export const parseTrainLine = parseRunLine;

export interface CliRunOptions {
  /** Node executable and the bundled CLI. */
  node: string;
  cli: string;
  configPath: string;
  info: RunInfo;
  steps?: number;
  /** Run on the virtual board instead of the host (or, with `port`, on the board at that serial
   * port: `--port`, flashed first); the CLI also saves the stream as CSV there. */
  virtual?: { csvPath: string; port?: string };
  /** More `tinytrain train` options (a device run's `--eval N`, `--flash-command`). */
  extraArgs?: string[];
  log?: (line: string) => void;
}

/** The held-out confusion table of a run's CSV (an exported run): its `prediction` rows
 * (predicted, label). A live run gets it on its done line. */
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

/** Median of the per-step counters in a device run's CSV (`kind,step,...,counter,...`); a live
 * run gets them on its step lines. */
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
    if (Number.isFinite(v)) values.push(v);
  }
  return medianCounter(values);
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
    const outLines = lineSplitter((l) => this.line(l));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => outLines.add(d));
    const errLines = lineSplitter((l) => {
      this.stderrTail.push(l);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
      this.emit({ kind: 'log', line: l });
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => errLines.add(d));
    this.exited = new Promise((resolve) => {
      child.on('error', (e) => {
        this.finish('failed', `could not start the trainer: ${e.message}`);
        resolve();
      });
      child.on('close', (code, signal) => {
        outLines.end();
        errLines.end();
        this.child = undefined;
        this.emitCounters();
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
      if (l.confusion) this.emit({ kind: 'classes', confusion: l.confusion, classNames: l.classNames ?? l.confusion.map((_, i) => `class ${i}`) });
      return this.finish('done', `held-out accuracy ${(l.accuracy * 100).toFixed(1)} % after ${l.steps} steps`, l.accuracy);
    }
    if ('eval' in l) return this.emit({ kind: 'eval', step: l.step, accuracy: l.accuracy });
    if (this.current === 'preparing') this.setState('running');
    this.lastStep = l.step;
    this.emit({ kind: 'step', step: l.step, loss: l.loss, correct: l.correct, t: Date.now() - this.t0 });
    if (l.counter !== undefined) this.counted(l.counter);
  }

  /** Device step lines carry the board's counter: the median so far, at the first step and every 25. */
  private readonly counters: number[] = [];
  private lastCounter: number | undefined;
  private counted(counter: number): void {
    this.counters.push(counter);
    if (this.counters.length % 25 === 1) this.emitCounters();
  }

  private emitCounters(): void {
    const c = medianCounter(this.counters);
    if (c !== undefined && c !== this.lastCounter) {
      this.lastCounter = c;
      this.emit({ kind: 'instructions', perStep: c });
    }
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
