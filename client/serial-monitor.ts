// TinyTrain: Open Serial Monitor: a terminal (a VS Code Pseudoterminal) on the selected port,
// at the baud rate of the active config's board. Text lines show as text, telemetry frames as
// one decoded line each; `r` in the terminal (or TinyTrain: Toggle Raw Serial Frames) shows the
// frames' bytes instead. The monitor is one of the port owner's monitors: a flash or a training
// run on its port pauses it, and it resumes when they end. The process is monitor-process.ts.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { cliPath, targetConfig, type Services } from './services.js';
import type { DeviceControl } from './device-commands.js';
import { MonitorProcess, renderMonitorLine, type MonitorLine } from './monitor-process.js';
import { describeJob, type Job, type PortMonitor } from './port-owner.js';
import { requireTrust } from './trust.js';

const HISTORY = 2000;

export const MonitorCommands = {
  open: 'tinytrain.openSerialMonitor',
  toggleRaw: 'tinytrain.toggleSerialMonitorRaw',
} as const;

class MonitorTerminal implements vscode.Pseudoterminal, PortMonitor {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.writeEmitter.event;
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidClose = this.closeEmitter.event;
  private proc: MonitorProcess | undefined;
  private registration: { busyWith: Job | undefined; dispose(): void } | undefined;
  private pausedFor: Job | undefined;
  /** What the port sent (and the monitor's states), for redrawing when frames toggle raw. */
  private history: MonitorLine[] = [];
  raw = false;

  constructor(private readonly ctx: Services, private readonly device: DeviceControl, readonly port: string, private readonly board: string | undefined, private readonly onGone: (m: MonitorTerminal) => void) {}

  private write(s: string): void {
    this.writeEmitter.fire(s);
  }

  private note(s: string): void {
    this.write(`\x1b[2m── ${s} ──\x1b[0m\r\n`);
  }

  open(): void {
    this.write(`\x1b[1mTinyTrain serial monitor\x1b[0m on ${this.port}${this.board ? ` (${this.board})` : ''}\r\n`);
    this.write('\x1b[2mr: raw frames on/off · c: clear · close the terminal to stop\x1b[0m\r\n');
    this.registration = this.device.owner.addMonitor(this);
    if (this.registration.busyWith) {
      this.pausedFor = this.registration.busyWith;
      this.note(`${describeJob(this.registration.busyWith)} holds the port; the monitor starts when it ends`);
      return;
    }
    this.start();
  }

  /** The process starts with the port open; a pause closes the port (the process stays). */
  private start(): void {
    if (this.proc?.running) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    this.proc = new MonitorProcess({ node: process.execPath, cli: cliPath(this.ctx) }, {
      port: this.port,
      board: this.board,
      cwd: folder?.scheme === 'file' ? folder.fsPath : undefined,
      onLine: (l) => {
        if (l.kind === 'state' && l.state === 'paused') return; // pause() said so already
        this.history.push(l);
        if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
        this.write(renderMonitorLine(l, this.raw));
      },
      onExit: (code, tail) => {
        this.proc = undefined;
        if (code !== 0) {
          this.note(`the monitor stopped (exit ${code ?? 'signal'})${tail ? `: ${tail.split('\n').slice(-2).join(' ')}` : ''}`);
          this.ctx.output.appendLine(`serial monitor on ${this.port} exited ${code}: ${tail}`);
        }
      },
    });
    this.ctx.output.appendLine(`serial monitor: tinytrain monitor --port ${this.port}${this.board ? ` --board ${this.board}` : ''} --json`);
  }

  async pause(holder: Job): Promise<void> {
    this.pausedFor = holder;
    this.note(`paused: ${describeJob(holder)} uses the port`);
    await this.proc?.pause();
  }

  resume(): void {
    if (!this.pausedFor) return;
    this.pausedFor = undefined;
    this.note('resumed');
    if (this.proc?.running) this.proc.resume();
    else this.start();
  }

  /** Redraws what came so far with frames the other way. */
  toggleRaw(): void {
    this.raw = !this.raw;
    this.write('\x1b[2J\x1b[3J\x1b[H');
    for (const l of this.history) this.write(renderMonitorLine(l, this.raw));
    this.note(this.raw ? 'frames as raw bytes (r: decoded)' : 'frames decoded (r: raw bytes)');
  }

  handleInput(data: string): void {
    if (data === 'r' || data === 'R') this.toggleRaw();
    else if (data === 'c' || data === 'C') {
      this.history = [];
      this.write('\x1b[2J\x1b[3J\x1b[H');
    }
  }

  close(): void {
    this.proc?.stop();
    this.proc = undefined;
    this.registration?.dispose();
    this.onGone(this);
  }
}

export class SerialMonitors implements vscode.Disposable {
  private readonly open = new Map<vscode.Terminal, MonitorTerminal>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: Services, private readonly device: DeviceControl) {
    this.disposables.push(
      vscode.commands.registerCommand(MonitorCommands.open, () => this.openMonitor().catch((err: Error) => {
        this.ctx.output.appendLine(`Open Serial Monitor failed: ${err?.stack ?? err}`);
        void vscode.window.showErrorMessage(`TinyTrain: Open Serial Monitor failed: ${err?.message ?? err}`);
      })),
      vscode.commands.registerCommand(MonitorCommands.toggleRaw, () => {
        const t = vscode.window.activeTerminal;
        const m = (t && this.open.get(t)) ?? [...this.open.values()].pop();
        if (!m) return void vscode.window.showInformationMessage('TinyTrain: no serial monitor is open (TinyTrain: Open Serial Monitor).');
        m.toggleRaw();
      }),
    );
  }

  /** The board of the active config (its UART speed), as the server analyzed it; none when no
   * config is at hand (or the server has none for it). */
  private async board(): Promise<string | undefined> {
    const uri = targetConfig(undefined);
    const b = uri ? (await this.ctx.analysis(uri.toString(), false).catch(() => null))?.board?.name : undefined;
    return b && b !== 'host' ? b : undefined;
  }

  async openMonitor(): Promise<void> {
    if (!(await requireTrust('Open Serial Monitor'))) return; // it runs `tinytrain monitor`
    const port = await this.device.needPort();
    if (!port) return;
    for (const [t, m] of this.open) if (m.port === port.path) return t.show();
    const board = await this.board();
    let terminal: vscode.Terminal | undefined;
    const pty = new MonitorTerminal(this.ctx, this.device, port.path, board, () => { if (terminal) this.open.delete(terminal); });
    terminal = vscode.window.createTerminal({ name: `TinyTrain Monitor: ${path.basename(port.path)}`, pty, iconPath: new vscode.ThemeIcon('pulse') });
    this.open.set(terminal, pty);
    terminal.show();
  }

  dispose(): void {
    for (const t of this.open.keys()) t.dispose();
    this.open.clear();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
