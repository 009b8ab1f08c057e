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

  constructor(panel: vscode.WebviewPanel, host: PanelHost, private readonly onGone: (p: DashboardPanel) => void, restored?: History) {
    super(panel, host, 'dashboard', checkDashboardFromView);
    this.history = restored;
    this.render('TinyTrain training');
  }

  get current(): TrainingRun | undefined {
    return this.run;
  }

  attach(run: TrainingRun): void {
    this.run?.stop();
    this.run = run;
    this.queue = [];
    const h: History = { info: run.info, points: [], evals: [], status: { state: run.state }, logs: [] };
    this.history = h;
    void this.post({ type: 'run', run: run.info });
    void this.post({ type: 'status', runId: run.info.id, status: h.status });
    run.onEvent((e) => {
      if (this.history !== h) return; // a newer run owns the panel
      switch (e.kind) {
        case 'step': {
          const p: StepPoint = { step: e.step, loss: e.loss, correct: e.correct, t: e.t };
          h.points.push(p);
          this.queue.push(p);
          this.scheduleFlush();
          break;
        }
        case 'eval':
          h.evals.push({ step: e.step, accuracy: e.accuracy });
          this.flush();
          void this.post({ type: 'eval', runId: h.info.id, point: { step: e.step, accuracy: e.accuracy } });
          break;
        case 'log':
          h.logs.push(e.line);
          if (h.logs.length > 200) h.logs.shift();
          void this.post({ type: 'log', runId: h.info.id, line: e.line });
          break;
        case 'instructions':
          h.status = { ...h.status, instructionsPerStep: e.perStep };
          void this.post({ type: 'status', runId: h.info.id, status: h.status });
          break;
        case 'state':
          this.flush();
          h.status = { ...h.status, state: e.state, message: e.message, ...(e.accuracy !== undefined ? { accuracy: e.accuracy } : {}) };
          void this.post({ type: 'status', runId: h.info.id, status: h.status });
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
    void this.post({ type: 'steps', runId: h.info.id, points });
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
        return this.replay();
      case 'pause':
        return this.run?.pause();
      case 'resume':
        return this.run?.resume();
      case 'stop':
        return this.run?.stop();
      case 'exportCsv':
        return this.export('csv', Buffer.from(toCsv(this.history ?? emptyHistory()), 'utf8'));
      case 'exportPng':
        return this.export('png', Buffer.from(m.dataUrl.slice(m.dataUrl.indexOf(',') + 1), 'base64'));
    }
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
  }

  protected override onDispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.run?.stop(); // closing the dashboard ends its run: no trainer keeps going unseen
    this.onGone(this);
  }
}

export class Dashboards implements vscode.Disposable {
  private panel: DashboardPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private nextId = 1;
  private readonly runs = new Set<TrainingRun>();

  constructor(private readonly host: PanelHost) {
    this.disposables.push(vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW, {
      deserializeWebviewPanel: async (panel, state) => {
        const restored = historyFromState(state);
        // The replayed history is re-checked by the view's own validator like any message.
        this.panel?.dispose();
        this.panel = new DashboardPanel(panel, this.host, (p) => this.gone(p), restored);
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
    }
    this.panel.attach(run);
  }

  private gone(p: DashboardPanel): void {
    if (this.panel === p) this.panel = undefined;
  }

  dispose(): void {
    for (const r of this.runs) r.stop();
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
