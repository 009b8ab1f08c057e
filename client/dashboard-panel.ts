// The training dashboard panel: shows one run at a time (a new run replaces the old one). The
// panel keeps the run's whole history, so a view that reloads (hidden and shown again, or
// restored after a window reload through the serializer) gets every point back; points are
// sent in batches every 100 ms while the run streams.

import { writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { checkDashboardFromView, type DashboardFromView, type DashboardToView, type StepPoint } from '../protocol/webview.js';
import { emptyHistory, historyFromState, toCsv, type History } from './dashboard-model.js';
import { ViewPanel, type PanelHost } from './panel.js';
import type { TrainingRun } from './training.js';
import { webviewOptions } from './webview-html.js';

export const DASHBOARD_VIEW = 'tinytrain.dashboard';

export class DashboardPanel extends ViewPanel<DashboardToView, DashboardFromView> {
  private run: TrainingRun | undefined;
  private history: History | undefined;
  private queue: StepPoint[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** Whether the page is loaded and has asked for its data. A hidden view is unloaded (no
   * retained context): what the run sends meanwhile is not posted, the `ready` of the reloaded
   * page gets the whole history instead (a message posted to a page that is still loading could
   * reach it before the replayed `run` and be dropped as another run's). */
  private loaded = false;

  constructor(panel: vscode.WebviewPanel, host: PanelHost, private readonly onGone: (p: DashboardPanel) => void, restored?: History) {
    super(panel, host, 'dashboard', checkDashboardFromView);
    this.history = restored;
    this.disposables.push(panel.onDidChangeViewState(() => { if (!panel.visible) this.loaded = false; }));
    this.render('TinyTrain training');
  }

  /** Posts to the page when it is loaded; otherwise its next `ready` replays the history. */
  private send(m: DashboardToView): void {
    if (this.loaded) void this.post(m);
  }

  get current(): TrainingRun | undefined {
    return this.run;
  }

  /** Shows a run (a live one, or one restored after a reload). */
  get hasRun(): boolean {
    return !!this.history;
  }

  attach(run: TrainingRun): void {
    this.run?.stop();
    this.run = run;
    this.queue = [];
    const h: History = { info: run.info, points: [], evals: [], status: { state: run.state }, logs: [] };
    this.history = h;
    this.send({ type: 'run', run: run.info });
    this.send({ type: 'status', runId: run.info.id, status: h.status });
    run.onEvent((e) => {
      if (this.history !== h) return; // a newer run owns the panel
      switch (e.kind) {
        case 'step': {
          if (run.info.source !== 'host') this.host.progress('trainedOnBoard');
          if (this.panel.visible) this.host.progress('watchedLoss');
          const p: StepPoint = { step: e.step, loss: e.loss, correct: e.correct, t: e.t };
          h.points.push(p);
          this.queue.push(p);
          this.scheduleFlush();
          break;
        }
        case 'eval':
          h.evals.push({ step: e.step, accuracy: e.accuracy });
          this.flush();
          this.send({ type: 'eval', runId: h.info.id, point: { step: e.step, accuracy: e.accuracy } });
          break;
        case 'log':
          h.logs.push(e.line);
          if (h.logs.length > 200) h.logs.shift();
          this.send({ type: 'log', runId: h.info.id, line: e.line });
          break;
        case 'instructions':
          h.status = { ...h.status, instructionsPerStep: e.perStep };
          this.send({ type: 'status', runId: h.info.id, status: h.status });
          break;
        case 'classes':
          h.status = { ...h.status, confusion: e.confusion, classNames: e.classNames };
          void this.post({ type: 'status', runId: h.info.id, status: h.status });
          break;
        case 'state':
          this.flush();
          h.status = { ...h.status, state: e.state, message: e.message, ...(e.accuracy !== undefined ? { accuracy: e.accuracy } : {}) };
          this.send({ type: 'status', runId: h.info.id, status: h.status });
          this.host.log(`training run ${h.info.id}: ${e.state}${e.message ? ` (${e.message})` : ''}`);
      }
    });
    this.panel.reveal(undefined, true);
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), 100);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const h = this.history;
    if (!h || this.queue.length === 0) return;
    const points = this.queue;
    this.queue = [];
    this.send({ type: 'steps', runId: h.info.id, points });
  }

  /** The view (re)loaded: send it everything. */
  private replay(): void {
    const h = this.history;
    if (!h) return;
    this.queue = [];
    void this.post({ type: 'run', run: h.info });
    for (let i = 0; i < h.points.length; i += 5000) void this.post({ type: 'steps', runId: h.info.id, points: h.points.slice(i, i + 5000) });
    for (const e of h.evals) void this.post({ type: 'eval', runId: h.info.id, point: e });
    for (const l of h.logs.slice(-20)) void this.post({ type: 'log', runId: h.info.id, line: l });
    void this.post({ type: 'status', runId: h.info.id, status: h.status });
  }

  protected async handle(m: DashboardFromView): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.loaded = true;
        return this.replay();
      case 'pause':
        return this.run?.pause();
      case 'resume':
        return this.run?.resume();
      case 'stop':
        return this.run?.stop();
      case 'exportCsv':
        return this.exportCsv();
      case 'exportPng':
        return this.export('png', Buffer.from(m.dataUrl.slice(m.dataUrl.indexOf(',') + 1), 'base64'));
    }
  }

  /** Export Training CSV (the command; the view's button sends exportCsv). */
  exportCsv(): Promise<void> {
    return this.export('csv', Buffer.from(toCsv(this.history ?? emptyHistory()), 'utf8'));
  }

  private async export(ext: 'csv' | 'png', data: Buffer): Promise<void> {
    const h = this.history;
    if (!h) return;
    const base = h.info.config.replace(/\.tinytrain\.yaml$/, '');
    const defaultUri = vscode.Uri.parse(`${base}-training.${ext}`);
    const target = await vscode.window.showSaveDialog({ defaultUri, filters: ext === 'csv' ? { CSV: ['csv'] } : { PNG: ['png'] } });
    if (!target) return;
    if (target.scheme === 'file') await writeFile(target.fsPath, data);
    else await vscode.workspace.fs.writeFile(target, data);
    this.host.log(`training: exported ${target.toString()}`);
    if (ext === 'csv') this.host.progress('exportedCsv');
  }

  protected override onDispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.run?.stop(); // closing the dashboard ends its run: no trainer keeps going unseen
    this.onGone(this);
  }
}

export class Dashboards implements vscode.Disposable {
  /** The panel new runs go to; others are dashboards restored after a reload that a newer one replaced. */
  private panel: DashboardPanel | undefined;
  private readonly panels = new Set<DashboardPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private nextId = 1;
  private readonly runs = new Set<TrainingRun>();

  constructor(private readonly host: PanelHost) {
    this.disposables.push(vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW, {
      deserializeWebviewPanel: async (panel, state) => {
        const restored = historyFromState(state);
        // The replayed history is re-checked by the view's own validator like any message.
        // Run ids restart at 1 with the extension host; a new run must not reuse the restored
        // run's id, or the view takes the new run's messages for the old run's.
        if (restored) this.nextId = Math.max(this.nextId, restored.info.id + 1);
        const p = new DashboardPanel(panel, this.host, (x) => this.gone(x), restored);
        this.panels.add(p);
        // A run started before VS Code handed back the old panel keeps its own panel.
        if (this.panel?.current) return;
        this.panel?.dispose();
        this.panel = p;
      },
    }));
  }

  newRunId(): number {
    return this.nextId++;
  }

  show(run: TrainingRun): void {
    this.runs.add(run);
    run.onEvent((e) => {
      if (e.kind === 'state' && ['done', 'failed', 'stopped'].includes(e.state)) this.runs.delete(run);
    });
    if (!this.panel) {
      const p = vscode.window.createWebviewPanel(DASHBOARD_VIEW, 'TinyTrain training', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(this.host.extensionUri));
      this.panel = new DashboardPanel(p, this.host, (x) => this.gone(x));
      this.panels.add(this.panel);
    }
    this.panel.attach(run);
  }

  /** The CSV of the dashboard new runs go to; false when there is none or it shows no run. */
  async exportCsv(): Promise<boolean> {
    if (!this.panel?.hasRun) return false;
    await this.panel.exportCsv();
    return true;
  }

  private gone(p: DashboardPanel): void {
    this.panels.delete(p);
    if (this.panel === p) this.panel = undefined;
  }

  dispose(): void {
    for (const r of this.runs) r.stop();
    for (const p of [...this.panels]) p.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
