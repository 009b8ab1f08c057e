// The commands the code lenses (and the palette) run. `tinytrain.showPlan` opens the read-only
// plan preview; `tinytrain.compile` runs `tinytrain compile <config> --board host -o <dir>` in a
// terminal (the compile subcommand itself lands with the code-generation issue).

import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../protocol/lsp.js';
import type { TinyTrainContext } from './context.js';

/** The config a command acts on: its argument (a URI string or Uri), else the active editor's. */
function targetConfig(arg: unknown): vscode.Uri | undefined {
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  if (arg instanceof vscode.Uri) return arg;
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === 'tinytrain' ? doc.uri : undefined;
}

export function registerCommands(ctx: TinyTrainContext): vscode.Disposable {
  const report = (what: string, err: unknown): void => {
    const message = (err as Error)?.message ?? String(err);
    ctx.output.appendLine(`${what} failed: ${(err as Error)?.stack ?? message}`);
    void vscode.window.showErrorMessage(`TinyTrain: ${what} failed: ${message}`);
  };
  return vscode.Disposable.from(
    vscode.commands.registerCommand(Commands.showPlan, async (arg?: unknown) => {
      const config = targetConfig(arg);
      if (!config) return void vscode.window.showWarningMessage('TinyTrain: open a *.tinytrain.yaml config first.');
      try {
        await ctx.plans.show(config);
      } catch (err) {
        report('Show Training Plan', err);
      }
    }),
    vscode.commands.registerCommand(Commands.compile, async (arg?: unknown) => {
      const config = targetConfig(arg);
      if (!config || config.scheme !== 'file') return void vscode.window.showWarningMessage('TinyTrain: Compile needs a config saved on disk.');
      try {
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === config.toString());
        if (doc?.isDirty) await doc.save();
        const file = config.fsPath;
        const setting = vscode.workspace.getConfiguration('tinytrain', config).get<string>('compile.outputDirectory', 'build');
        const outDir = path.resolve(path.dirname(file), setting, path.basename(file).replace(/\.tinytrain\.yaml$/, ''));
        const cli = ctx.extension.asAbsolutePath(path.join('bin', 'tinytrain.js'));
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
