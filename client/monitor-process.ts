// The serial monitor's process: `tinytrain monitor --port <p> --json` in its own process group
// (serialport's native binding stays out of the extension host, device-cli.ts says why). Its
// stdout is one JSON object per line, turned here into terminal lines; `pause` / `resume` on its
// stdin give the port to a job of the port owner and take it back. No vscode import (unit-tested).

import { spawn, type ChildProcess } from 'node:child_process';
import { stopGroup, type CliSpec } from './device-cli.js';
import { lineSplitter } from './lines.js';

export type MonitorLine =
  | { kind: 'text'; text: string }
  | { kind: 'frame'; type: string; text: string; hex: string; seq: number }
  | { kind: 'state'; state: 'open' | 'paused' | 'gone' | 'error' | 'closed'; text: string };

/** One stdout line of `tinytrain monitor --json`; undefined for anything else. */
export function parseMonitorLine(line: string): MonitorLine | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof o.text === 'string') return { kind: 'text', text: o.text };
  if (typeof o.message === 'string' && typeof o.type === 'string') return { kind: 'frame', type: o.type, text: o.message, hex: typeof o.hex === 'string' ? o.hex : '', seq: Number(o.seq) };
  if (typeof o.state === 'string' && ['open', 'paused', 'gone', 'error', 'closed'].includes(o.state)) {
    const state = o.state as 'open' | 'paused' | 'gone' | 'error' | 'closed';
    const text = state === 'open' ? `connected to ${String(o.port)} at ${String(o.baud)} baud (8N1)` : typeof o.message === 'string' ? o.message : state;
    return { kind: 'state', state, text };
  }
  return undefined;
}

const ESC = '\x1b[';
const dim = (s: string) => `${ESC}2m${s}${ESC}0m`;
const cyan = (s: string) => `${ESC}36m${s}${ESC}0m`;
const yellow = (s: string) => `${ESC}33m${s}${ESC}0m`;
const red = (s: string) => `${ESC}31m${s}${ESC}0m`;

/** How a line shows in the terminal (CRLF-terminated; frames decoded, or their bytes when raw). */
export function renderMonitorLine(l: MonitorLine, raw: boolean): string {
  switch (l.kind) {
    case 'text': return `${l.text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '')}\r\n`; // no control sequences from the wire
    case 'frame': return raw ? `${dim(`[frame ${l.seq} ${l.type}]`)} ${l.hex}\r\n` : `${cyan('▸')} ${cyan(l.text)}\r\n`;
    case 'state': {
      const t = `── ${l.text} ──`;
      return `${l.state === 'gone' ? yellow(t) : l.state === 'error' ? red(t) : dim(t)}\r\n`;
    }
  }
}

export interface MonitorProcessOptions {
  port: string;
  board?: string;
  cwd?: string;
  onLine: (l: MonitorLine) => void;
  onExit: (code: number | null, stderrTail: string) => void;
}

export class MonitorProcess {
  private child: ChildProcess | undefined;
  private pauseWaiters: (() => void)[] = [];
  private errTail = '';

  constructor(spec: CliSpec, private readonly opts: MonitorProcessOptions) {
    const child = spawn(spec.node, [spec.cli, 'monitor', '--port', opts.port, ...(opts.board ? ['--board', opts.board] : []), '--json'], {
      cwd: opts.cwd,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    const outLines = lineSplitter((text) => {
      const l = parseMonitorLine(text);
      if (!l) return;
      if (l.kind === 'state' && l.state === 'paused') for (const w of this.pauseWaiters.splice(0)) w();
      opts.onLine(l);
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => outLines.add(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.errTail = (this.errTail + d).slice(-2000); });
    child.stdin!.on('error', () => undefined); // the process may be gone when we write
    child.on('error', (e) => { this.errTail += `\ncannot start the TinyTrain CLI: ${e.message}`; });
    child.on('close', (code) => {
      this.child = undefined;
      for (const w of this.pauseWaiters.splice(0)) w();
      opts.onExit(code, this.errTail.trim());
    });
  }

  get running(): boolean {
    return !!this.child;
  }

  /** Close the port; resolves when the monitor says it has (or it exited, or after timeoutMs). */
  pause(timeoutMs = 5000): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, timeoutMs);
      function done() { clearTimeout(t); resolve(); }
      this.pauseWaiters.push(done);
      child.stdin!.write('pause\n');
    });
  }

  resume(): void {
    this.child?.stdin!.write('resume\n');
  }

  /** Closing stdin ends the monitor cleanly; the group is stopped if it lingers. */
  stop(): void {
    const child = this.child;
    if (!child) return;
    child.stdin!.end();
    setTimeout(() => { if (this.child === child) stopGroup(child); }, 2000).unref();
  }
}
