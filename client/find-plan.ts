// TinyTrain: Find Best Update Plan… (`tinytrain.findBestPlan`) for the active config:
//  1. asks for the analytic extra-memory budget (default: the board's SRAM minus what inference
//     already needs, defaultBudgetKB);
//  2. takes the contributions cached next to the config (<name>.contrib.json) when they were
//     measured on this network; otherwise offers the prior (instant) or measuring them (minutes,
//     only with a data: section). Measuring is `tinytrain contrib <config> --json` (which runs
//     measureContributions) in a child process group, as every long job of this extension is
//     (device-cli.ts says why: preparing pretrains and calibrates, none of it belongs on the
//     extension host); the notification's Cancel aborts its AbortSignal, which stops the group
//     and every run, and leaves no cache;
//  3. asks the language server to run the search (`tinytrain/planSearch`, about 2 s for 3000
//     samples on the examples, in the server's search worker, never on the extension host), with
//     a progress notification whose Cancel cancels the request (the server ends that worker);
//     and shows the Pareto front in the config's plan view;
//  4. on "Apply" (or a point picked with "Apply another point…", or a row of the view's table)
//     writes the scheme into `train.update` as one undoable edit (find-plan-model.ts).

import * as vscode from 'vscode';
import { PlanSearchProgressNotification, PlanSearchRequest, PlanSearchSetupRequest, type PlanSearchSetup } from '../protocol/lsp.js';
import { durationText, parseProgressLine } from '../protocol/run-stream.js';
import { checkPlanFromView, type ParetoModel, type ParetoPoint, type PlanToView } from '../protocol/webview.js';
import { runCli } from './device-cli.js';
import { cliPath, savedConfig, targetConfig, type Services } from './services.js';
import { requireTrust } from './trust.js';
import { formatKB, gainText, paretoModel, parseBudget, schemeText, updateBlockEdit, UpdateEditError } from './find-plan-model.js';

export const FIND_BEST_PLAN = 'tinytrain.findBestPlan';

/** Candidates both searches evaluate (the CLI's default). */
const SAMPLES = 3000;

type Setup = Extract<PlanSearchSetup, { ok: true }>;

interface Searched { model: ParetoModel; network: string }

function fileName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? uri.toString();
}

export class FindBestPlan implements vscode.Disposable {
  /** The last search per config (URI string), re-sent to its plan view after every `ready`. */
  private readonly results = new Map<string, Searched>();
  private readonly hooked = new WeakSet<vscode.WebviewPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: Services) {
    this.disposables.push(vscode.commands.registerCommand(FIND_BEST_PLAN, (arg?: unknown) => this.run(arg).catch((err: unknown) => this.fail(err))));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private log(line: string): void {
    this.ctx.output.appendLine(`find best plan: ${line}`);
  }

  private fail(err: unknown): void {
    const message = (err as Error)?.message ?? String(err);
    this.ctx.output.appendLine(`Find Best Update Plan failed: ${(err as Error)?.stack ?? message}`);
    void vscode.window.showErrorMessage(`TinyTrain: Find Best Update Plan failed: ${message}`);
  }

  async run(arg?: unknown): Promise<void> {
    // From the plan view's toolbar: that view's config (a text editor beside it may show another).
    const config = (typeof arg === 'string' || arg instanceof vscode.Uri ? targetConfig(arg) : undefined) ?? this.activePlanConfig() ?? targetConfig(undefined);
    if (!config) return void vscode.window.showWarningMessage('TinyTrain: open a *.tinytrain.yaml config first.');
    await vscode.workspace.openTextDocument(config); // the server answers for open documents
    const setup = await this.setup(config);
    if (!setup.ok) return void vscode.window.showErrorMessage(`TinyTrain: ${fileName(config)}: ${setup.error}.`);
    const sramBytes = setup.sramBytes;

    // 1. The budget.
    const defaultKB = setup.defaultBudgetKB;
    const budgetText = await vscode.window.showInputBox({
      title: `Find Best Update Plan: ${fileName(config)}`,
      prompt: defaultKB !== undefined
        ? `Analytic extra memory the training may use (64KB, 0.1MB or a number of KB). Default: ${setup.board}'s ${formatKB(sramBytes! / 1024)} of SRAM minus the ${formatKB(sramBytes! / 1024 - defaultKB)} inference needs.`
        : 'Analytic extra memory the training may use (64KB, 0.1MB or a number of KB). The board is unknown, so there is no default.',
      value: defaultKB !== undefined ? `${+defaultKB.toFixed(1)}KB` : '',
      ignoreFocusOut: true,
      validateInput: (v) => {
        const r = parseBudget(v, sramBytes);
        if ('error' in r) return r.error;
        return r.warning ? { message: r.warning, severity: vscode.InputBoxValidationSeverity.Warning } : undefined;
      },
    });
    if (budgetText === undefined) return;
    const budget = parseBudget(budgetText, sramBytes);
    if ('error' in budget) return void vscode.window.showErrorMessage(`TinyTrain: ${budget.error}`);

    // 2. The contributions.
    const contributions = await this.contributions(config, setup);
    if (!contributions) return;

    // 3. The search, in the server.
    const progressId = `${config.toString()}#${Date.now()}`;
    const answer = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'TinyTrain: searching update plans', cancellable: true },
      async (progress, token) => {
        const client = this.ctx.languageClient();
        progress.report({ message: `${SAMPLES} samples within ${formatKB(budget.kb)} (evolutionary, then random search for comparison)…` });
        let shown = 0;
        const sub = client.onNotification(PlanSearchProgressNotification.type, (p) => {
          if (p.progressId !== progressId) return;
          const pct = (100 * p.done) / Math.max(1, p.total);
          progress.report({ increment: pct - shown, message: `${p.done}/${p.total} samples within ${formatKB(budget.kb)}` });
          shown = pct;
        });
        try {
          return await client.sendRequest(PlanSearchRequest.type, { uri: config.toString(), budgetKB: budget.kb, contributions, samples: SAMPLES, progressId }, token);
        } catch (err) {
          if (token.isCancellationRequested) return { ok: false as const, error: 'cancelled', cancelled: true };
          throw err;
        } finally {
          sub.dispose();
        }
      },
    );
    if (!answer.ok) {
      if (answer.cancelled) {
        this.log(`${fileName(config)}: search cancelled`);
        return void vscode.window.showInformationMessage('TinyTrain: the update plan search was cancelled.');
      }
      return void vscode.window.showErrorMessage(`TinyTrain: Find Best Update Plan: ${answer.error}.`);
    }
    const { result: r, version } = answer;
    this.log(`${fileName(config)}: budget ${formatKB(budget.kb)}, ${r.source} contributions, ${r.samples} samples in ${r.seconds.toFixed(2)} s; best ${r.best ? `${gainText(r.best.gain, r.source)} at ${formatKB(r.best.extraKB)} (${schemeText(r.best)})` : 'none'}; random ${r.random ? gainText(r.random.gain, r.source) : 'none'}; ${r.pareto.length} Pareto points`);
    const model = paretoModel({
      uri: config.toString(), fileName: fileName(config), version, budgetKB: budget.kb, sramBytes, source: r.source,
      samples: r.samples, seconds: r.seconds, best: r.best, random: r.random, pareto: r.pareto,
    });
    const searched: Searched = { model, network: answer.network };
    await this.show(config, searched);

    // 4. Apply.
    const best = model.points[model.chosen];
    if (!best) {
      return void vscode.window.showWarningMessage(`TinyTrain: no update scheme fits ${formatKB(budget.kb)}${sramBytes !== undefined ? ` within ${formatKB(sramBytes / 1024)} of SRAM` : ''}.`);
    }
    const random = model.random ? `; random search at the same samples: ${gainText(model.random.gain, model.source)}` : '';
    const choice = await vscode.window.showInformationMessage(
      `Best update plan within ${formatKB(budget.kb)}: ${gainText(best.gain, model.source)} at ${formatKB(best.extraKB)} (${schemeText(best)})${random}. Apply it to ${fileName(config)}?`,
      'Apply', 'Apply another point…',
    );
    if (choice === 'Apply') await this.apply(config, searched, model.chosen);
    else if (choice === 'Apply another point…') {
      const picked = await pickPoint(model);
      if (picked !== undefined) await this.apply(config, searched, picked);
    }
  }

  private async setup(config: vscode.Uri): Promise<PlanSearchSetup> {
    return this.ctx.languageClient().sendRequest(PlanSearchSetupRequest.type, { uri: config.toString() });
  }

  /** Which contributions the server's search uses: measured ones cached beside the config, the
   * prior, or ones measured now; undefined when the user cancelled. */
  private async contributions(config: vscode.Uri, setup: Setup): Promise<'prior' | 'measured' | undefined> {
    const m = setup.measured;
    if (m && 'runs' in m) {
      this.log(`measured contributions from ${m.path} (${m.runs} runs of ${m.steps} steps)`);
      return 'measured';
    }
    if (m) this.log(`${m.path} cannot be read (${m.error}); not using it`);
    const path = setup.contribPath;
    if (!path || !setup.hasData) {
      const why = !path ? 'the config is not saved on disk' : 'the config has no data: section to measure them with';
      void vscode.window.showInformationMessage(`TinyTrain: no measured contributions for this network and ${why}: the search uses the prior (nominal gains).`);
      return 'prior';
    }
    const pick = await vscode.window.showQuickPick(
      [
        { label: '$(zap) Use the prior (instant)', detail: 'What the paper observed: later layers and larger ratios help more. Gains are nominal.', id: 'prior' as const },
        { label: '$(beaker) Measure contributions (minutes)', detail: `Short fine-tuning runs of the int8 trainer per choice (tinytrain contrib), cached in ${fileName(vscode.Uri.file(path))}.`, id: 'measure' as const },
      ],
      { title: 'No measured contributions for this network yet', placeHolder: 'What should the search predict gains from?', ignoreFocusOut: true },
    );
    if (!pick) return undefined;
    if (pick.id === 'prior') return 'prior';
    return (await this.measure(config)) ? 'measured' : undefined;
  }

  /** Runs `tinytrain contrib`, which caches the contributions beside the config; true when done. */
  private async measure(config: vscode.Uri): Promise<boolean> {
    // Measuring runs the int8 trainer (gcc, then the program); the prior needs no trust.
    if (!(await requireTrust('Measuring contributions'))) return false;
    await savedConfig(config);
    const file = config.fsPath;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'TinyTrain: measuring contributions', cancellable: true },
      async (progress, token) => {
        const ac = new AbortController();
        const sub = token.onCancellationRequested(() => ac.abort());
        let shown = 0;
        try {
          progress.report({ message: 'preparing the int8 model…' });
          return await runCli({ node: process.execPath, cli: cliPath(this.ctx) }, ['contrib', file, '--json'], {
            signal: ac.signal,
            onStderr: (line) => {
              this.log(line);
              progress.report({ message: line.slice(0, 120) });
            },
            // The run stream's progress lines (protocol/run-stream.ts); the result is the last line.
            onStdout: (line) => {
              const p = parseProgressLine(line);
              if (p?.progress !== 'contrib') return;
              const pct = (100 * p.done) / Math.max(1, p.total);
              const eta = p.etaSeconds !== undefined && p.done < p.total ? `, ${durationText(p.etaSeconds)} left` : '';
              progress.report({ increment: pct - shown, message: `${p.done}/${p.total} runs${eta} · ${p.label}` });
              shown = pct;
            },
          });
        } finally {
          sub.dispose();
        }
      },
    );
    if (result.aborted) {
      this.log('measuring cancelled: every run was stopped, no cache was written');
      void vscode.window.showInformationMessage('TinyTrain: measuring contributions cancelled (every run was stopped, nothing was cached).');
      return false;
    }
    if (result.code !== 0) {
      const tail = result.stderr.trim().split('\n').slice(-3).join(' ');
      throw new Error(`tinytrain contrib exited with ${result.code ?? result.signal}: ${tail}`);
    }
    const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as { path: string; cached: boolean; runs: number; seconds: number };
    this.log(`contributions ${out.cached ? 'cached' : 'measured'} in ${out.path} (${out.runs} runs, ${out.seconds.toFixed(0)} s)`);
    return true;
  }

  /** Shows a search in the config's plan view (opening it) and keeps it for the view's reloads. */
  private async show(config: vscode.Uri, s: Searched): Promise<void> {
    const key = config.toString();
    this.results.set(key, s);
    await this.ctx.views.showPlan(config);
    const panel = this.planPanel(key);
    if (!panel) return;
    if (!this.hooked.has(panel)) {
      this.hooked.add(panel);
      const subs = [
        panel.webview.onDidReceiveMessage((raw: unknown) => this.fromView(config, raw)),
        panel.onDidDispose(() => { for (const d of subs) d.dispose(); }),
      ];
    }
    await this.post(key);
  }

  /** The plan view's panel of a config. ConfigViews keeps its panels to itself; the search result is
   * a second kind of message to the same page, so it reads its map (TypeScript's index access). */
  private planPanel(key: string): vscode.WebviewPanel | undefined {
    const panel = this.ctx.views['plans'].get(key);
    return panel && !panel.isDisposed ? panel.panel : undefined;
  }

  private activePlanConfig(): vscode.Uri | undefined {
    for (const p of this.ctx.views['plans'].values()) if (!p.isDisposed && p.panel.active) return p.config;
    return undefined;
  }

  private async post(key: string): Promise<void> {
    const panel = this.planPanel(key);
    const message: PlanToView = { type: 'pareto', pareto: this.results.get(key)?.model ?? null };
    if (panel) await panel.webview.postMessage(message);
  }

  private fromView(config: vscode.Uri, raw: unknown): void {
    const c = checkPlanFromView(raw);
    if (!c.ok) return; // the plan panel logs it
    const key = config.toString();
    const s = this.results.get(key);
    const m = c.message;
    if (m.type === 'ready' && s) void this.post(key);
    else if (m.type === 'dismissPareto') this.results.delete(key);
    else if (m.type === 'applyPareto' && s) {
      if (m.index >= s.model.points.length) return this.log(`the view asked for point ${m.index} of ${s.model.points.length}`);
      this.apply(config, s, m.index).catch((err: unknown) => this.fail(err));
    }
  }

  /** Writes point `index` of a search into the config's `train.update` (one undoable edit). */
  private async apply(config: vscode.Uri, s: Searched, index: number): Promise<void> {
    const point = s.model.points[index];
    const doc = await vscode.workspace.openTextDocument(config);
    const text = doc.getText();
    if (doc.version !== s.model.version) {
      const now = await this.setup(config);
      const same = now.ok && now.network === s.network;
      if (!same) return void vscode.window.showErrorMessage('TinyTrain: the model changed since the search ran; run Find Best Update Plan again.');
    }
    let edit;
    try {
      edit = updateBlockEdit(text, point);
    } catch (err) {
      if (err instanceof UpdateEditError) return void vscode.window.showErrorMessage(`TinyTrain: cannot write the plan into ${fileName(config)}: ${err.message}.`);
      throw err;
    }
    if (edit) {
      const we = new vscode.WorkspaceEdit();
      we.replace(doc.uri, new vscode.Range(doc.positionAt(edit.start), doc.positionAt(edit.end)), edit.text, { label: 'Apply update plan', needsConfirmation: false });
      const ok = await vscode.workspace.applyEdit(we);
      if (!ok) return void vscode.window.showErrorMessage('TinyTrain: VS Code refused the edit (is the file read-only?).');
    }
    this.log(`applied ${formatKB(point.extraKB)} ${gainText(point.gain, s.model.source)}: ${schemeText(point)}${edit ? '' : ' (the config already said so)'}`);
  }
}

async function pickPoint(m: ParetoModel): Promise<number | undefined> {
  type Item = vscode.QuickPickItem & { index: number };
  const label = (p: ParetoPoint, i: number): string => `${i === m.chosen ? '$(star-full) ' : ''}${formatKB(p.extraKB)} · ${gainText(p.gain, m.source)}`;
  const items: Item[] = m.points.map((p, i) => ({ label: label(p, i), description: schemeText(p), detail: p.peakSramBytes !== undefined ? `planned peak SRAM ${formatKB(p.peakSramBytes / 1024)}` : undefined, index: i }));
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = 'Apply a point of the Pareto front';
  qp.placeholder = 'Analytic extra memory · predicted gain (the star is the best within the budget)';
  qp.items = items;
  qp.matchOnDescription = true;
  if (items[m.chosen]) qp.activeItems = [items[m.chosen]];
  return new Promise((resolve) => {
    let picked: number | undefined;
    qp.onDidAccept(() => { picked = qp.selectedItems[0]?.index ?? qp.activeItems[0]?.index; qp.hide(); });
    qp.onDidHide(() => { qp.dispose(); resolve(picked); });
    qp.show();
  });
}
