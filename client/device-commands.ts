// The device commands for the active *.tinytrain.yaml: Select Serial Port, Build Firmware,
// Flash, Train on Device and Stop, with the port in one PortOwner (port-owner.ts) and the
// selected port in a status bar item, remembered per workspace (workspaceState).
// Every long job is the CLI in its own process group (device-cli.ts says why); Train on Device
// is the dashboard's CliRun with `--port <path> --csv <file>`, as Train on Virtual Board runs
// `--virtual --csv <file>`, so the dashboard, pause and stop are the same.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseFlashedLine, parseProgressLine } from '../protocol/run-stream.js';
import { cliPath, savedConfig, targetConfig, type Services } from './services.js';
import { runCli, VirtualBoardProcess, type CliSpec } from './device-cli.js';
import { budgetProblems, buildSummary, deviceCsvPath, explainFlashFailure, flashFailure, parseBuildJson, parsePortList, pickerItems, sameAction, trainPhase, validatePortPath, type PickAction, type PortList } from './device-model.js';
import { describeJob, PortBusyError, PortOwner, portStatusText, type Job, type SelectedPort } from './port-owner.js';
import { CliRun } from './training.js';
import { confirmFlashCommand, requireTrust } from './trust.js';

export const DeviceCommands = {
  selectPort: 'tinytrain.selectPort',
  buildFirmware: 'tinytrain.buildFirmware',
  flash: 'tinytrain.flash',
  trainDevice: 'tinytrain.trainDevice',
  stop: 'tinytrain.stop',
} as const;

const PORT_KEY = 'tinytrain.serialPort';

interface DeviceSettings { steps: number; evalSamples: number; flashCommand: string; measureSteps: number }

function settings(config: vscode.Uri): DeviceSettings {
  const c = vscode.workspace.getConfiguration('tinytrain', config);
  return {
    steps: c.get<number>('device.steps', 0),
    evalSamples: c.get<number>('device.evalSamples', -1),
    flashCommand: c.get<string>('device.flashCommand', '').trim(),
    measureSteps: c.get<number>('device.measureSteps', 4),
  };
}

type PickEntry = vscode.QuickPickItem & { action?: PickAction };

export class DeviceControl implements vscode.Disposable {
  readonly owner: PortOwner;
  private readonly status: vscode.StatusBarItem;
  private vboard: VirtualBoardProcess | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: Services) {
    // A virtual board's pty dies with the window that started it: not restored.
    const saved = ctx.extension.workspaceState.get<SelectedPort>(PORT_KEY);
    this.owner = new PortOwner(saved && !saved.virtual && typeof saved.path === 'string' ? saved : undefined);
    this.status = vscode.window.createStatusBarItem('tinytrain.serialPort', vscode.StatusBarAlignment.Right, 90);
    this.status.name = 'TinyTrain serial port';
    this.status.command = DeviceCommands.selectPort;
    this.owner.onChange(() => this.refresh());
    this.refresh();
    this.status.show();
    this.disposables.push(
      this.status,
      vscode.commands.registerCommand(DeviceCommands.selectPort, () => this.guard('Select Serial Port', () => this.selectPort())),
      vscode.commands.registerCommand(DeviceCommands.buildFirmware, (arg?: unknown) => this.guard('Build Firmware', () => this.build(arg))),
      vscode.commands.registerCommand(DeviceCommands.flash, (arg?: unknown) => this.guard('Flash', () => this.flash(arg))),
      vscode.commands.registerCommand(DeviceCommands.trainDevice, (arg?: unknown) => this.guard('Train on Device', () => this.train(arg))),
      vscode.commands.registerCommand(DeviceCommands.stop, () => this.stop()),
    );
  }

  private get cli(): CliSpec {
    return { node: process.execPath, cli: cliPath(this.ctx) };
  }

  private log(line: string): void {
    this.ctx.output.appendLine(line);
  }

  private refresh(): void {
    const p = this.owner.port;
    const j = this.owner.current;
    this.status.text = portStatusText(p, j);
    this.status.tooltip = `${p ? `TinyTrain serial port: ${p.path}${p.virtual ? ' (the virtual board this window started)' : ''}` : 'TinyTrain: no serial port selected'}${j ? `\nNow: ${describeJob(j)} (TinyTrain: Stop cancels it)` : ''}\nClick to pick a port.`;
  }

  /** Every command: refused in Restricted Mode (each one spawns the CLI, gcc, QEMU or the
   * flasher), its errors reported, never an unhandled rejection. */
  private async guard(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      if (!(await requireTrust(what))) return;
      await fn();
    } catch (err) {
      if (err instanceof PortBusyError) return void this.busy(err.holder);
      const message = (err as Error)?.message ?? String(err);
      this.log(`${what} failed: ${(err as Error)?.stack ?? message}`);
      void vscode.window.showErrorMessage(`TinyTrain: ${what} failed: ${message}`);
    }
  }

  private busy(holder: Job): void {
    void vscode.window.showWarningMessage(`TinyTrain: ${describeJob(holder)} is running.`, 'Stop It').then((c) => {
      if (c === 'Stop It') this.owner.stop();
    });
  }

  private async choose(port: SelectedPort): Promise<void> {
    this.owner.select(port);
    await this.ctx.extension.workspaceState.update(PORT_KEY, port);
    this.log(`serial port: ${port.path}${port.virtual ? ' (virtual board)' : ''}`);
  }

  /** The picker; resolves with the chosen port (undefined when dismissed). */
  async selectPort(): Promise<SelectedPort | undefined> {
    if (this.owner.current?.port) throw new PortBusyError(this.owner.current);
    const current = this.owner.port?.path;
    const virtualPort = this.vboard?.running ? this.vboard.portPath : undefined;
    const qp = vscode.window.createQuickPick<PickEntry>();
    qp.title = 'TinyTrain: Select Serial Port';
    qp.placeholder = 'A board in its ROM bootloader (BOOT0 high + reset), a typed path, or a virtual board';
    qp.matchOnDescription = true;
    // The active row stays active when the listed ports arrive (new items would make the first
    // row active under the user's keyboard); at first it is the selected port.
    const show = (list: PortList | undefined) => {
      const active = qp.activeItems[0]?.action;
      const items = pickerItems(list, current, virtualPort);
      const entries = items.map((i): PickEntry => i.separator
        ? { label: i.label, kind: vscode.QuickPickItemKind.Separator }
        : { label: i.label, description: i.description, detail: i.detail, action: i.action });
      qp.items = entries;
      const keep = active ? entries.find((e) => sameAction(e.action, active)) : entries[items.findIndex((i) => i.picked)];
      if (keep) qp.activeItems = [keep];
    };
    show(undefined);
    qp.busy = true;
    const picked = new Promise<PickAction | undefined>((resolve) => {
      qp.onDidAccept(() => {
        const a = qp.selectedItems[0]?.action;
        if (a) { resolve(a); qp.hide(); }
      });
      qp.onDidHide(() => resolve(undefined));
    });
    qp.show();
    // Listing goes through the CLI (device-cli.ts); it may fail or find nothing in a container.
    void this.listPorts().then((list) => {
      qp.busy = false;
      show(list);
      if (list.error) this.log(`serial ports: ${list.error}`);
    });
    const action = await picked;
    qp.dispose();
    if (!action) return undefined;
    switch (action.kind) {
      case 'port': {
        const port = { path: action.path, ...(action.path === virtualPort ? { virtual: true } : {}) };
        await this.choose(port);
        return port;
      }
      case 'enter': {
        const typed = await vscode.window.showInputBox({
          title: 'TinyTrain: serial port path',
          prompt: 'The path of the serial port (a pty such as /dev/pts/3 from `tinytrain board --virtual` works)',
          value: current ?? '/dev/',
          validateInput: validatePortPath,
          ignoreFocusOut: true,
        });
        if (!typed) return undefined;
        const port = { path: typed.trim(), ...(typed.trim() === virtualPort ? { virtual: true } : {}) };
        await this.choose(port);
        return port;
      }
      case 'virtual':
        return this.startVirtualBoard();
      case 'stopVirtual':
        this.stopVirtualBoard();
        return undefined;
    }
  }

  private async listPorts(): Promise<PortList> {
    try {
      const r = await runCli(this.cli, ['board'], { timeoutMs: 20_000 });
      return parsePortList(r.stdout, r.stderr, r.aborted ? null : r.code);
    } catch (err) {
      return { ports: [], error: `listing the serial ports failed: ${(err as Error)?.message ?? err}` };
    }
  }

  private async startVirtualBoard(): Promise<SelectedPort | undefined> {
    this.stopVirtualBoard();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const board = new VirtualBoardProcess(this.cli, { cwd: folder?.scheme === 'file' ? folder.fsPath : undefined, log: (l) => this.log(`[virtual board] ${l}`) });
    this.vboard = board;
    board.onExit(() => {
      if (this.vboard !== board) return;
      this.vboard = undefined;
      this.log('virtual board stopped');
      if (this.owner.port?.virtual && !this.owner.current?.port) this.owner.select(undefined);
      this.refresh();
    });
    const port = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'TinyTrain: starting a virtual board…' }, () => board.ready);
    const sel = { path: port, virtual: true };
    await this.choose(sel);
    void vscode.window.showInformationMessage(`TinyTrain: virtual STM32F405 in its ROM bootloader at ${port} (selected). It stops when the window closes or from the port picker.`);
    return sel;
  }

  private stopVirtualBoard(): void {
    const b = this.vboard;
    if (!b) return;
    if (this.owner.current?.port && this.owner.current.port === b.portPath) throw new PortBusyError(this.owner.current);
    this.vboard = undefined;
    b.stop();
    if (this.owner.port?.virtual) {
      this.owner.select(undefined);
      void this.ctx.extension.workspaceState.update(PORT_KEY, undefined);
    }
  }

  /** The selected port, else the picker; undefined when the user gave none. */
  async needPort(): Promise<SelectedPort | undefined> {
    return this.owner.port ?? (await this.selectPort());
  }

  /** A firmware on the virtual board this window runs has to be reset into its bootloader
   * before the next flash (a real board: BOOT0 high + reset by hand). */
  private async resetVirtualIfSelected(): Promise<void> {
    const b = this.vboard;
    if (b?.running && this.owner.port?.path === b.portPath) {
      const ok = await b.reset();
      this.log(ok ? 'virtual board reset into its bootloader' : 'virtual board: no answer to the reset (flashing anyway)');
    }
  }

  private async config(arg: unknown, what: string): Promise<{ uri: vscode.Uri; doc: vscode.TextDocument; board: string; model: string; steps?: number } | undefined> {
    const uri = targetConfig(arg);
    if (!uri || uri.scheme !== 'file') return void vscode.window.showWarningMessage(`TinyTrain: ${what} needs a *.tinytrain.yaml config saved on disk (open one first).`);
    const doc = (await savedConfig(uri)) ?? (await vscode.workspace.openTextDocument(uri));
    const a = await this.ctx.analysis(uri.toString(), false).catch(() => null);
    if (!a?.model || !a.board) return void vscode.window.showErrorMessage(`TinyTrain: ${what}: the config has errors (see Problems).`);
    const board = a.board.name;
    if (board === 'host') return void vscode.window.showWarningMessage(`TinyTrain: ${what} needs a microcontroller target (target: board: stm32f405, stm32f746 or nrf52840); this config targets the host (use Train on Host).`);
    return { uri, doc, board, model: a.model.name, steps: a.train?.steps };
  }

  /** A link overflow on the config's sram:/flash:/target: line; true when there was one. */
  private async showBudgetProblems(uri: vscode.Uri, stderr: string): Promise<boolean> {
    const problems = budgetProblems(stderr);
    if (!problems.length) return false;
    const doc = await vscode.workspace.openTextDocument(uri).then((d) => d, () => undefined);
    this.ctx.deviceDiagnostics.set(uri, problems.map((p) => {
      const end = doc && p.line < doc.lineCount ? doc.lineAt(p.line).range.end.character : p.character + 1;
      const d = new vscode.Diagnostic(new vscode.Range(p.line, p.character, p.line, Math.max(end, p.character + 1)), p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = 'tinytrain firmware';
      d.code = /^RAM/.test(p.message) ? 'link-ram' : 'link-flash';
      return d;
    }));
    void vscode.window.showErrorMessage(`TinyTrain: the firmware does not fit: ${problems[0].message}`, 'Show Config').then((c) => {
      if (c === 'Show Config') void vscode.window.showTextDocument(uri, { selection: new vscode.Range(problems[0].line, problems[0].character, problems[0].line, problems[0].character) });
    });
    return true;
  }

  private lastLines(stderr: string, n = 3): string {
    return stderr.trim().split('\n').filter((l) => l.trim()).slice(-n).join(' | ');
  }

  /** Run one job under a cancellable progress notification; the job is released however it ends. */
  private async withJob<T>(job: Job, title: string, fn: (progress: vscode.Progress<{ message?: string; increment?: number }>) => Promise<T>): Promise<T> {
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
        token.onCancellationRequested(() => job.controller.abort(new Error('cancelled')));
        return fn(progress);
      });
    } finally {
      this.owner.release(job);
    }
  }

  async build(arg: unknown): Promise<void> {
    const c = await this.config(arg, 'Build Firmware');
    if (!c) return;
    const job = this.owner.begin('build');
    const s = settings(c.uri);
    const file = c.uri.fsPath;
    this.log(`build: tinytrain build ${file} --json --steps ${s.measureSteps}`);
    const r = await this.withJob(job, `TinyTrain: building the firmware for ${c.board}`, (progress) =>
      runCli(this.cli, ['build', file, '--json', '--steps', String(Math.max(1, s.measureSteps))], {
        cwd: path.dirname(file),
        signal: job.controller.signal,
        onStderr: (l) => { this.log(`build: ${l}`); progress.report({ message: l.length > 100 ? `${l.slice(0, 100)}…` : l }); },
      }));
    if (r.aborted) return void vscode.window.showInformationMessage('TinyTrain: firmware build cancelled.');
    const b = r.code === 0 ? parseBuildJson(r.stdout) : undefined;
    if (b) {
      this.ctx.deviceDiagnostics.delete(c.uri);
      const sum = buildSummary(b);
      for (const l of sum.lines) this.log(l);
      void vscode.window.showInformationMessage(`TinyTrain: ${sum.message}`, 'Show Output').then((x) => { if (x === 'Show Output') this.ctx.output.show(true); });
      return;
    }
    if (await this.showBudgetProblems(c.uri, r.stderr)) return;
    throw new Error(this.lastLines(r.stderr) || `the build exited with ${r.code ?? r.signal}`);
  }

  async flash(arg: unknown): Promise<void> {
    const c = await this.config(arg, 'Flash');
    if (!c) return;
    const s = settings(c.uri);
    const port = s.flashCommand ? this.owner.port : await this.needPort();
    if (!port && !s.flashCommand) return;
    const needs = this.owner.flashNeeds();
    if (needs === 'busy') return this.busy(this.owner.current!);
    if (needs === 'close-monitor') {
      // The training stream holds the port: it is closed before flashing, never shared.
      const ok = await vscode.window.showWarningMessage(`TinyTrain: ${describeJob(this.owner.current!)} holds the port. Stop it and flash?`, { modal: true }, 'Stop and Flash');
      if (ok !== 'Stop and Flash') return;
      this.owner.stop();
      if (!(await this.owner.whenIdle(10_000))) throw new Error('the training run did not release the port within 10 s');
    }
    if (s.flashCommand && !(await confirmFlashCommand(this.ctx.extension.workspaceState, s.flashCommand))) return;
    const job = await this.owner.take('flash');
    const file = c.uri.fsPath;
    const args = ['flash', file, ...(port ? ['--port', port.path] : []), ...(s.flashCommand ? ['--flash-command', s.flashCommand] : []), '--json'];
    this.log(`flash: tinytrain ${args.join(' ')}`);
    const r = await this.withJob(job, `TinyTrain: flashing ${c.board}${port ? ` at ${port.path}` : ''}`, async (progress) => {
      await this.resetVirtualIfSelected();
      let last = 0;
      return runCli(this.cli, args, {
        cwd: path.dirname(file),
        signal: job.controller.signal,
        onStderr: (l) => {
          this.log(`flash: ${l.replace(/^flash: /, '')}`);
          progress.report({ message: l.length > 100 ? `${l.slice(0, 100)}…` : l });
        },
        // The run stream's flash progress (protocol/run-stream.ts): bytes for write and verify.
        onStdout: (l) => {
          const f = parseProgressLine(l);
          if (f?.progress !== 'flash') return;
          this.owner.advance(job, 'flash');
          const percent = f.phase === 'write' || f.phase === 'verify' ? Math.floor((100 * f.done) / Math.max(1, f.total)) : undefined;
          this.log(`flash: ${f.phase} ${percent !== undefined ? `${percent} % (${f.done}/${f.total} bytes)` : `${f.done}/${f.total}`}`);
          const pct = f.phase === 'write' ? percent : undefined;
          progress.report({ message: `${f.phase}${percent !== undefined ? ` ${percent} %` : ''}`, ...(pct !== undefined && pct > last ? { increment: pct - last } : {}) });
          if (pct !== undefined) last = Math.max(last, pct);
        },
      });
    });
    if (r.aborted) return void vscode.window.showWarningMessage('TinyTrain: flashing cancelled; the board may hold a partial image (flash again before training).');
    // Success only from the CLI's own flashed line and a zero exit.
    const flashed = parseFlashedLine(r.stdout);
    if (r.code === 0 && flashed) {
      this.ctx.deviceDiagnostics.delete(c.uri);
      this.log(flashed.summary);
      return void vscode.window.showInformationMessage(`TinyTrain: ${flashed.summary}`);
    }
    if (await this.showBudgetProblems(c.uri, r.stderr)) return;
    const f = flashFailure(r.stderr);
    const msg = f ? explainFlashFailure(f) : this.lastLines(r.stderr) || `exit ${r.code ?? r.signal}`;
    this.log(`flash failed: ${msg}`);
    void vscode.window.showErrorMessage(`TinyTrain: Flash failed — ${msg}`, 'Show Output').then((x) => { if (x === 'Show Output') this.ctx.output.show(true); });
  }

  async train(arg: unknown): Promise<void> {
    const c = await this.config(arg, 'Train on Device');
    if (!c) return;
    const s = settings(c.uri);
    if (this.owner.current) return this.busy(this.owner.current);
    if (s.flashCommand && !(await confirmFlashCommand(this.ctx.extension.workspaceState, s.flashCommand))) return;
    // The stream needs the port even when an external command flashes.
    const port = await this.needPort();
    if (!port) return;
    if (this.owner.current) return this.busy(this.owner.current);
    const job = await this.owner.take('train');
    try {
      await this.resetVirtualIfSelected();
      const csvPath = deviceCsvPath(c.uri.fsPath, c.model, new Date());
      const a = await this.ctx.analysis(c.uri.toString()).catch(() => null);
      const steps = s.steps > 0 ? s.steps : undefined;
      const extraArgs = [...(s.evalSamples >= 0 ? ['--eval', String(s.evalSamples)] : []), ...(s.flashCommand ? ['--flash-command', s.flashCommand] : [])];
      const run = new CliRun({
        node: process.execPath,
        cli: cliPath(this.ctx),
        configPath: c.uri.fsPath,
        steps,
        virtual: { csvPath, port: port.path },
        extraArgs,
        log: (l) => this.log(l),
        info: {
          id: this.ctx.dashboards.newRunId(),
          config: c.uri.toString(),
          fileName: path.basename(c.uri.fsPath),
          source: port.virtual ? 'virtual-board' : 'board',
          steps: steps ?? c.steps,
          board: a?.board ? { name: a.board.name, clockHz: a.board.clockHz } : undefined,
          startedAt: Date.now(),
        },
      });
      const stderr: string[] = [];
      let sawStream = false;
      run.onEvent((e) => {
        if (e.kind !== 'log') return;
        stderr.push(e.line);
        if (stderr.length > 400) stderr.shift();
        const phase = trainPhase(e.line);
        if (phase === 'monitor') sawStream = true;
        if (phase) this.owner.advance(job, phase);
      });
      job.controller.signal.addEventListener('abort', () => run.stop(), { once: true });
      this.ctx.dashboards.show(run);
      this.progressOf(run, `TinyTrain: training on ${port.path}`, steps ?? c.steps);
      this.log(`train on device: the stream is saved to ${csvPath}`);
      void run.exited.then(async () => {
        this.owner.release(job);
        const err = stderr.join('\n');
        const open = (msg: string, kind: 'info' | 'error') => {
          const items = sawStream ? ['Open CSV'] : [];
          void (kind === 'info' ? vscode.window.showInformationMessage(msg, ...items) : vscode.window.showErrorMessage(msg, ...items)).then((x) => {
            if (x === 'Open CSV') void vscode.window.showTextDocument(vscode.Uri.file(csvPath));
          });
        };
        if (run.state === 'done') {
          this.ctx.deviceDiagnostics.delete(c.uri);
          return open(`TinyTrain: trained on ${port.path}; the stream is saved to ${path.relative(path.dirname(c.uri.fsPath), csvPath)}.`, 'info');
        }
        if (run.state === 'stopped') return open(`TinyTrain: training on ${port.path} stopped${sawStream ? `; the data so far is in ${path.relative(path.dirname(c.uri.fsPath), csvPath)}` : ''}.`, 'info');
        if (await this.showBudgetProblems(c.uri, err)) return;
        const f = /flashing failed/.test(err) ? flashFailure(err) : undefined;
        const msg = f ? `Flash failed — ${explainFlashFailure(f)}` : this.lastLines(err) || 'the run failed';
        this.log(`train on device failed: ${msg}`);
        open(`TinyTrain: Train on Device failed: ${msg}`, 'error');
      }, () => this.owner.release(job));
    } catch (err) {
      this.owner.release(job);
      throw err;
    }
  }

  /** One cancellable progress notification for the whole run (its phase, then its step); it
   * closes when the run ends, and the run's result message takes its place. */
  private progressOf(run: CliRun, title: string, total: number | undefined): void {
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => run.stop());
      let last = 0;
      run.onEvent((e) => {
        if (e.kind === 'log') {
          const phase = trainPhase(e.line);
          if (phase === 'flash' && last === 0) progress.report({ message: 'flashing…' });
        } else if (e.kind === 'step') {
          const inc = total ? ((e.step - last) / total) * 100 : undefined;
          last = e.step;
          progress.report({ message: `step ${e.step}${total ? ` of ${total}` : ''}`, ...(inc && inc > 0 ? { increment: inc } : {}) });
        }
      });
      progress.report({ message: 'building the firmware…' });
      return run.exited;
    });
  }

  stop(): void {
    const j = this.owner.current;
    if (!this.owner.stop()) return void vscode.window.showInformationMessage('TinyTrain: nothing is using the board.');
    this.log(`stop: ${describeJob(j!)}`);
  }

  dispose(): void {
    this.owner.dispose();
    this.vboard?.stop();
    this.vboard = undefined;
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
