// The commands of the palette, the editor title and the code lenses: Show Training Plan and Show
// Memory Timeline (webview panels of the config), Train on Host / Train on Virtual Board (the
// training dashboard streaming the run), and Compile (`tinytrain compile <config> --board host -o <dir>` in a terminal).
// The device commands (Build Firmware, Flash, Train on Device, Stop, Select Serial Port) are in
// device-commands.ts.

import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../protocol/lsp.js';
import { cliPath, savedConfig, targetConfig, type Services } from './services.js';
import { CliRun } from './training.js';
import { WALKTHROUGH_ID } from './walkthrough.js';
import { confinedOutput, requireTrust } from './trust.js';

/** The commands this client adds beside the ones the code lenses invoke. */
export const ClientCommands = {
  showTimeline: 'tinytrain.showTimeline',
  trainHost: 'tinytrain.trainHost',
  trainVirtual: 'tinytrain.trainVirtual',
  exportCsv: 'tinytrain.exportTrainingCsv',
  getStarted: 'tinytrain.getStarted',
} as const;

export function registerCommands(ctx: Services): vscode.Disposable {
  const report = (what: string, err: unknown): void => {
    const message = (err as Error)?.message ?? String(err);
    ctx.output.appendLine(`${what} failed: ${(err as Error)?.stack ?? message}`);
    void vscode.window.showErrorMessage(`TinyTrain: ${what} failed: ${message}`);
  };
  const needConfig = () => void vscode.window.showWarningMessage('TinyTrain: open a *.tinytrain.yaml config first.');
  const train = async (arg: unknown, source: 'host' | 'virtual-board'): Promise<void> => {
    const what = source === 'host' ? 'Train on Host' : 'Train on Virtual Board';
    if (!(await requireTrust(what))) return;
    const config = targetConfig(arg);
    if (!config || config.scheme !== 'file') return void vscode.window.showWarningMessage(`TinyTrain: ${what} needs a config saved on disk.`);
    try {
      if (!(await savedConfig(config))) await vscode.workspace.openTextDocument(config);
      const a = await ctx.analysis(config.toString(), false).catch(() => null);
      const id = ctx.dashboards.newRunId();
      let virtual: { csvPath: string } | undefined;
      if (source === 'virtual-board') {
        const dir = path.join(path.dirname(config.fsPath), '.tinytrain', 'editor-runs');
        mkdirSync(dir, { recursive: true });
        virtual = { csvPath: path.join(dir, `${path.basename(config.fsPath, '.tinytrain.yaml')}-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`) };
      }
      const run = new CliRun({
        node: process.execPath,
        cli: cliPath(ctx),
        configPath: config.fsPath,
        virtual,
        log: (l) => ctx.output.appendLine(l),
        info: {
          id,
          config: config.toString(),
          fileName: path.basename(config.fsPath),
          source,
          steps: a?.train?.steps,
          board: a?.board ? { name: a.board.name, clockHz: a.board.clockHz } : undefined,
          startedAt: Date.now(),
        },
      });
      ctx.dashboards.show(run);
    } catch (err) {
      report(what, err);
    }
  };
  /** A view command: on its config (argument or editor), its errors reported. */
  const viewCommand = (id: string, what: string, show: (config: vscode.Uri) => Promise<unknown>) =>
    vscode.commands.registerCommand(id, async (arg?: unknown) => {
      const config = targetConfig(arg);
      if (!config) return needConfig();
      try {
        await show(config);
      } catch (err) {
        report(what, err);
      }
    });
  return vscode.Disposable.from(
    viewCommand(Commands.showPlan, 'Show Training Plan', (config) => ctx.views.showPlan(config)),
    viewCommand(ClientCommands.showTimeline, 'Show Memory Timeline', (config) => ctx.views.showTimeline(config)),
    vscode.commands.registerCommand(ClientCommands.exportCsv, async () => {
      try {
        if (!(await ctx.dashboards.exportCsv())) void vscode.window.showInformationMessage('TinyTrain: no training run to export yet (Train on Host, Train on Virtual Board or Train on Device first).');
      } catch (err) {
        report('Export Training CSV', err);
      }
    }),
    vscode.commands.registerCommand(ClientCommands.getStarted, () => vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false)),
    vscode.commands.registerCommand(ClientCommands.trainHost, (arg?: unknown) => train(arg, 'host')),
    vscode.commands.registerCommand(ClientCommands.trainVirtual, (arg?: unknown) => train(arg, 'virtual-board')),
    vscode.commands.registerCommand(Commands.compile, async (arg?: unknown) => {
      if (!(await requireTrust('Compile'))) return;
      const config = targetConfig(arg);
      if (!config || config.scheme !== 'file') return void vscode.window.showWarningMessage('TinyTrain: Compile needs a config saved on disk.');
      try {
        await savedConfig(config);
        const file = config.fsPath;
        const setting = vscode.workspace.getConfiguration('tinytrain', config).get<string>('compile.outputDirectory', 'build');
        const outDir = confinedOutput(config, path.resolve(path.dirname(file), setting, path.basename(file).replace(/\.tinytrain\.yaml$/, '')), 'tinytrain.compile.outputDirectory');
        const cli = cliPath(ctx);
        // The extension host's own executable runs the CLI as Node: no `node` on PATH needed, no shell quoting.
        const terminal = vscode.window.createTerminal({
          name: `TinyTrain compile: ${path.basename(file)}`,
          cwd: path.dirname(file),
          shellPath: process.execPath,
          shellArgs: [cli, 'compile', file, '--board', 'host', '-o', outDir],
          env: { ELECTRON_RUN_AS_NODE: '1' },
        });
        terminal.show();
        ctx.output.appendLine(`compile: ${cli} compile ${file} --board host -o ${outDir}`);
      } catch (err) {
        report('Compile', err);
      }
    }),
  );
}
