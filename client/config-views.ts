// The plan and timeline panels of open configs: one panel per (view, config), kept in sync with
// the text. After every change of a config's text (a click in the plan view, typing, undo) the
// server analyzes it and sends `tinytrain/status` (with the diagnostics right after it); that
// notification refreshes the config's panels, so a panel showing a version means its
// diagnostics are out too. The timeline asks the server for `tinytrain/analysis` (with the
// timeline and both comparisons) and `tinytrain/timelineBuffers`. The plan view asks for the
// analysis the server published the status from (`full: false`, already computed), once that
// status arrives. The extension host never runs the compiler. Fetches are coalesced: at most
// one per panel in flight, and one more after it when something changed.

import * as vscode from 'vscode';
import type { AnalysisResult, ProfileResult, TimelineBuffersResult } from '../protocol/lsp.js';
import {
  checkPlanFromView, checkTimelineFromView, type PlanFromView, type PlanModel, type PlanToView, type TimelineFromView, type TimelineModel, type TimelineToView,
} from '../protocol/webview.js';
import { ViewPanel, type PanelHost } from './panel.js';
import { cycleEdits, PlanEditError } from './plan-edit.js';
import { planModel, timelineModel } from './view-models.js';
import { webviewOptions } from './webview-html.js';

export const PLAN_VIEW = 'tinytrain.plan';
export const TIMELINE_VIEW = 'tinytrain.timeline';

export interface ConfigViewsHost extends PanelHost {
  /** The server's analysis of an open config: full (timeline, comparisons) or as published. */
  analysis(uri: string, full?: boolean): Promise<AnalysisResult>;
  /** The server's arena buffers of the config's current plan. */
  timelineBuffers(uri: string): Promise<TimelineBuffersResult>;
  /** The config's last stored step profile, per layer. */
  profile(uri: string): Promise<ProfileResult>;
}

/** What a revived panel finds in its saved webview state. */
interface SavedState { model?: { uri?: unknown } }

abstract class ConfigPanel<ToView, FromView> extends ViewPanel<ToView, FromView> {
  protected readonly fetcher: Fetcher;
  constructor(panel: vscode.WebviewPanel, host: ConfigViewsHost, view: 'plan' | 'timeline', check: (v: unknown) => { ok: true; message: FromView } | { ok: false; reason: string }, readonly config: vscode.Uri, title: string) {
    super(panel, host, view, check);
    this.fetcher = new Fetcher(() => this.refresh());
    this.render(title);
  }
  abstract refresh(): Promise<void>;
  /** Refresh soon (coalesced with a refresh already running). */
  requestRefresh(): void {
    this.fetcher.request();
  }
  protected document(): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === this.config.toString());
  }
}

/** Runs `job` now, or once more after the running one when asked again meanwhile. */
class Fetcher {
  private running: Promise<void> | undefined;
  private again = false;
  constructor(private readonly job: () => Promise<void>) {}
  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.job().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.request();
      }
    });
  }
}

export class PlanPanel extends ConfigPanel<PlanToView, PlanFromView> {
  private model: PlanModel | undefined;
  private readonly clicks = new Map<number, number>();

  constructor(panel: vscode.WebviewPanel, private readonly views: ConfigViews, config: vscode.Uri) {
    super(panel, views.host, 'plan', checkPlanFromView, config, `Plan: ${fileName(config)}`);
  }

  /** Newest version the server has published diagnostics and status for. */
  published = -1;

  /** Re-reads the stored profile and shows it if it changed since the model was built. */
  private async recheckProfile(): Promise<void> {
    const m = this.model;
    if (!m) return;
    const profile = await this.views.host.profile(this.config.toString()).catch(() => null);
    if (this.isDisposed || this.model !== m || JSON.stringify(profile ?? undefined) === JSON.stringify(m.profile)) return;
    const { profile: _old, ...rest } = m;
    this.model = profile ? { ...rest, profile } : rest;
    this.views.host.log(`plan view: ${profile ? `profile of ${profile.measuredAt} shown` : 'no stored profile'}`);
    await this.post({ type: 'plan', model: this.model });
  }

  /** A new `tinytrain profile` result was stored: show it without waiting for an edit (the
   * analysis is unchanged, so only the profile is read again). */
  profileChanged(): void {
    void this.recheckProfile();
  }

  async refresh(): Promise<void> {
    const doc = this.document();
    if (!doc) {
      this.model = planModel(null, this.config.toString(), 0);
      return void (await this.post({ type: 'plan', model: this.model }));
    }
    if (this.published < doc.version && this.model) return; // the server has not caught up yet
    if (this.model?.version === doc.version) return void (await this.post({ type: 'plan', model: this.model }));
    const version = doc.version;
    const a = await this.views.host.analysis(this.config.toString(), false);
    const profile = a ? await this.views.host.profile(this.config.toString()).catch(() => null) : null;
    // Disposed, or the text moved on meanwhile (its status will ask again).
    if (this.isDisposed || this.document()?.version !== version) return;
    this.model = planModel(a, this.config.toString(), version, profile);
    await this.post({ type: 'plan', model: this.model });
  }

  protected async handle(m: PlanFromView): Promise<void> {
    switch (m.type) {
      case 'ready':
        if (!this.model) return this.fetcher.request();
        await this.post({ type: 'plan', model: this.model });
        // Shown again (a hidden view is rebuilt): a `tinytrain profile` may have run meanwhile,
        // and a file watcher's event is not guaranteed to arrive.
        return this.recheckProfile();
      case 'cycle':
        return this.cycle(m.conv, m.clickId);
      case 'reveal':
        return this.reveal(m.conv);
      case 'rendered': {
        const t0 = m.clickId !== undefined ? this.clicks.get(m.clickId) : undefined;
        if (t0 !== undefined) {
          this.clicks.delete(m.clickId!);
          this.views.host.log(`plan view: click round trip ${(performance.now() - t0).toFixed(0)} ms (v${m.version})`);
        }
      }
    }
  }

  private async cycle(conv: number, clickId?: number): Promise<void> {
    if (clickId !== undefined) this.clicks.set(clickId, performance.now());
    const doc = this.document() ?? (await vscode.workspace.openTextDocument(this.config));
    const convs = this.model?.model?.convs;
    if (!convs) return void this.post({ type: 'notice', level: 'error', message: 'The plan cannot be edited until the config can be analyzed.' });
    let result;
    try {
      result = cycleEdits(doc.getText(), conv, convs);
    } catch (err) {
      if (err instanceof PlanEditError) return void this.post({ type: 'notice', level: 'error', message: `Cannot change conv ${conv}: ${err.message}.` });
      throw err;
    }
    const edit = new vscode.WorkspaceEdit();
    for (const e of result.edits) edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text);
    const ok = await vscode.workspace.applyEdit(edit);
    this.views.host.log(`plan view: ${result.summary}${ok ? '' : ' (the edit was refused)'}`);
    if (ok) this.views.host.progress('editedPlan');
    if (!ok) await this.post({ type: 'notice', level: 'error', message: 'VS Code refused the edit (is the file read-only?).' });
  }

  private async reveal(conv: number): Promise<void> {
    const row = this.model?.layers.find((l) => l.index === conv);
    const doc = await vscode.workspace.openTextDocument(this.config);
    const a = row ? await this.views.host.analysis(this.config.toString()) : null;
    const range = row && a?.source.layers[row.layer]?.range;
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
    if (range) {
      const r = new vscode.Range(range.start.line, range.start.character, range.start.line, range.start.character);
      editor.selection = new vscode.Selection(r.start, r.start);
      editor.revealRange(r, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
  }

  protected override onDispose(): void {
    this.views.forget(this);
  }
}

export class TimelinePanel extends ConfigPanel<TimelineToView, TimelineFromView> {
  private version = -1;
  constructor(panel: vscode.WebviewPanel, private readonly views: ConfigViews, config: vscode.Uri) {
    super(panel, views.host, 'timeline', checkTimelineFromView, config, `Memory: ${fileName(config)}`);
  }

  async refresh(): Promise<void> {
    const doc = this.document();
    const version = doc?.version ?? 0;
    if (doc && version === this.version) return;
    const [a, b] = doc ? await Promise.all([this.views.host.analysis(this.config.toString()), this.views.host.timelineBuffers(this.config.toString())]) : [null, null];
    if (this.isDisposed) return;
    const buffers = a?.plan && b?.version === version ? b.buffers : undefined;
    const model: TimelineModel = timelineModel(a, this.config.toString(), version, buffers);
    if (await this.post({ type: 'timeline', model })) this.version = version;
  }

  protected handle(m: TimelineFromView): void {
    if (m.type === 'ready') {
      this.version = -1;
      this.fetcher.request();
    }
  }

  protected override onDispose(): void {
    this.views.forget(this);
  }
}

function fileName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? uri.toString();
}

export class ConfigViews implements vscode.Disposable {
  private readonly plans = new Map<string, PlanPanel>();
  private readonly timelines = new Map<string, TimelinePanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly host: ConfigViewsHost) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(PLAN_VIEW, { deserializeWebviewPanel: (p, s) => this.revive(p, s, 'plan') }),
      vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW, { deserializeWebviewPanel: (p, s) => this.revive(p, s, 'timeline') }),
    );
    // `tinytrain profile` (in a terminal or from a task) stores its result beside the config.
    const profiles = vscode.workspace.createFileSystemWatcher('**/.tinytrain/*/profile/latest.json');
    const stored = (): void => { for (const p of this.plans.values()) p.profileChanged(); };
    this.disposables.push(profiles, profiles.onDidCreate(stored), profiles.onDidChange(stored));
  }

  async showPlan(config: vscode.Uri): Promise<void> {
    await vscode.workspace.openTextDocument(config); // the server analyzes open documents only
    const key = config.toString();
    const existing = this.plans.get(key);
    if (existing) return existing.panel.reveal(undefined, true);
    const panel = vscode.window.createWebviewPanel(PLAN_VIEW, `Plan: ${fileName(config)}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(this.host.extensionUri));
    this.plans.set(key, new PlanPanel(panel, this, config));
  }

  async showTimeline(config: vscode.Uri): Promise<void> {
    await vscode.workspace.openTextDocument(config);
    const key = config.toString();
    const existing = this.timelines.get(key);
    if (existing) return existing.panel.reveal(undefined, true);
    const panel = vscode.window.createWebviewPanel(TIMELINE_VIEW, `Memory: ${fileName(config)}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(this.host.extensionUri));
    this.timelines.set(key, new TimelinePanel(panel, this, config));
  }

  /** The server published the analysis (status, diagnostics) of a version of a config. */
  changed(uri: string, version?: number): void {
    const plan = this.plans.get(uri);
    if (plan && version !== undefined) plan.published = version;
    plan?.requestRefresh();
    this.timelines.get(uri)?.requestRefresh();
  }

  forget(p: PlanPanel | TimelinePanel): void {
    const map: Map<string, PlanPanel | TimelinePanel> = p instanceof PlanPanel ? this.plans : this.timelines;
    if (map.get(p.config.toString()) === p) map.delete(p.config.toString());
  }

  private async revive(panel: vscode.WebviewPanel, state: unknown, view: 'plan' | 'timeline'): Promise<void> {
    const uri = (state as SavedState | undefined)?.model?.uri;
    if (typeof uri !== 'string') {
      this.host.log(`${view} view: nothing to restore (no config in its saved state)`);
      panel.dispose();
      return;
    }
    const config = vscode.Uri.parse(uri);
    try {
      await vscode.workspace.openTextDocument(config);
    } catch (err) {
      this.host.log(`${view} view: ${uri} cannot be reopened (${(err as Error).message})`);
      panel.dispose();
      return;
    }
    if (view === 'plan') this.plans.get(uri)?.dispose();
    else this.timelines.get(uri)?.dispose();
    if (view === 'plan') this.plans.set(uri, new PlanPanel(panel, this, config));
    else this.timelines.set(uri, new TimelinePanel(panel, this, config));
  }

  dispose(): void {
    for (const p of [...this.plans.values(), ...this.timelines.values()]) p.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
