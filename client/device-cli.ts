// The device commands run the CLI (`tinytrain build|flash|board`) in a child process of its
// own process group, as Train on Host / Virtual Board do (client/training.ts):
// - building prepares the config (possibly pretraining for minutes), runs gcc and QEMU: none of
//   that belongs on the extension host's event loop;
// - flashing and listing ports need serialport's native binding (external in scripts/build.mjs).
//   Loading it into the extension host would tie the host to a native module's ABI and let a
//   broken binding take the host down; in a child it is one failed command with a message.
//   So even the port picker lists via `tinytrain board` instead of device/serial's
//   listSerialPorts (which the CLI calls, and which never rejects).
// Cancelling (the AbortSignal of the job that owns the port) sends SIGINT to the group, then
// SIGTERM and SIGKILL if it lingers: the CLI stops QEMU and closes the port on SIGINT.
// No vscode import (unit-tested with a fake CLI).

import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { lineSplitter } from './lines.js';

export interface CliSpec { node: string; cli: string }

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; aborted: boolean }

export interface RunCliOptions {
  cwd?: string;
  signal?: AbortSignal;
  /** Each stderr line as it comes (progress). */
  onStderr?: (line: string) => void;
  /** Each stdout line as it comes (a `--json` command's typed lines, protocol/run-stream.ts). */
  onStdout?: (line: string) => void;
  /** Ends the run (as a cancel) after this long. */
  timeoutMs?: number;
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    /* gone */
  }
}

/** Stop a process group: SIGINT (the CLI's clean stop), then SIGTERM, then SIGKILL. */
export function stopGroup(child: ChildProcess, graceMs = 3000): void {
  killGroup(child, 'SIGINT');
  killGroup(child, 'SIGCONT');
  const t = setTimeout(() => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child, 'SIGTERM');
    setTimeout(() => { if (child.exitCode === null && child.signalCode === null) killGroup(child, 'SIGKILL'); }, 2000).unref();
  }, graceMs);
  t.unref();
}

/** Run `tinytrain <args>`; resolves (never rejects) with the exit and the output. */
export function runCli(spec: CliSpec, args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    let aborted = false;
    if (opts.signal?.aborted) return resolve({ code: null, signal: null, stdout: '', stderr: '', aborted: true });
    const child = spawn(spec.node, [spec.cli, ...args], {
      cwd: opts.cwd ?? (args[1] ? dirname(args[1]) : undefined),
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const outLines = lineSplitter(opts.onStdout);
    const errLines = lineSplitter(opts.onStderr);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      outLines.add(d);
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
      errLines.add(d);
    });
    const cancel = () => { aborted = true; stopGroup(child); };
    opts.signal?.addEventListener('abort', cancel, { once: true });
    const timer = opts.timeoutMs ? setTimeout(cancel, opts.timeoutMs) : undefined;
    let settled = false;
    const done = (r: CliResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', cancel);
      resolve(r);
    };
    child.on('error', (e) => done({ code: null, signal: null, stdout, stderr: `${stderr}\ncannot start the TinyTrain CLI: ${e.message}`, aborted }));
    child.on('close', (code, signal) => {
      outLines.end();
      errLines.end();
      done({ code, signal, stdout, stderr, aborted });
    });
  });
}

/** `tinytrain board --virtual` in its own process group: the port path is its first stdout line;
 * it serves until stop(). reset() puts it back in its bootloader (SIGUSR1: BOOT0 high + reset),
 * which a flash needs after a firmware was started. */
export class VirtualBoardProcess {
  private child: ChildProcess | undefined;
  private stderrListeners: ((l: string) => void)[] = [];
  private exitListeners: (() => void)[] = [];
  portPath: string | undefined;
  readonly ready: Promise<string>;

  constructor(spec: CliSpec, opts: { cwd?: string; log?: (line: string) => void; startTimeoutMs?: number } = {}) {
    const child = spawn(spec.node, [spec.cli, 'board', '--virtual'], {
      cwd: opts.cwd,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let errTail = '';
    const errLines = lineSplitter((l) => {
      opts.log?.(l);
      for (const s of this.stderrListeners) s(l);
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      errTail = (errTail + d).slice(-2000);
      errLines.add(d);
    });
    this.ready = new Promise<string>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => { reject(new Error(`the virtual board did not print its port within ${(opts.startTimeoutMs ?? 30_000) / 1000} s`)); this.stop(); }, opts.startTimeoutMs ?? 30_000);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl >= 0 && !this.portPath) {
          this.portPath = out.slice(0, nl).trim();
          clearTimeout(t);
          resolve(this.portPath);
        }
      });
      child.on('error', (e) => { clearTimeout(t); reject(new Error(`cannot start the virtual board: ${e.message}`)); });
      child.on('close', (code) => {
        clearTimeout(t);
        this.child = undefined;
        reject(new Error(`the virtual board exited (${code}) before printing its port: ${errTail.trim().split('\n').slice(-3).join(' ')}`));
        for (const l of this.exitListeners) l();
      });
    });
    this.ready.catch(() => undefined);
  }

  get running(): boolean {
    return !!this.child;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  onExit(l: () => void): void {
    this.exitListeners.push(l);
  }

  /** Back into the bootloader; resolves once the board says so (or after timeoutMs anyway). */
  async reset(timeoutMs = 5000): Promise<boolean> {
    const child = this.child;
    if (!child?.pid) return false;
    return new Promise<boolean>((resolve) => {
      const l = (line: string) => {
        if (/reset: in bootloader mode|reset failed/.test(line)) finish(/in bootloader mode/.test(line));
      };
      const t = setTimeout(() => finish(false), timeoutMs);
      const finish = (ok: boolean) => {
        clearTimeout(t);
        this.stderrListeners = this.stderrListeners.filter((x) => x !== l);
        resolve(ok);
      };
      this.stderrListeners.push(l);
      try {
        process.kill(child.pid!, 'SIGUSR1'); // the CLI process itself, not its QEMU
      } catch {
        finish(false);
      }
    });
  }

  stop(): void {
    if (this.child) stopGroup(this.child);
  }
}
