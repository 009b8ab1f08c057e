// The extension's entry: activates on the `tinytrain` language, builds the one context object
// (context.ts) and reports any failure to start to the user instead of swallowing it.

import * as vscode from 'vscode';
import { TinyTrainContext } from './context.js';

let ctx: TinyTrainContext | undefined;

export async function activate(extension: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('TinyTrain');
  extension.subscriptions.push(output);
  try {
    ctx = new TinyTrainContext(extension, output);
    await ctx.start();
  } catch (err) {
    const message = (err as Error)?.message ?? String(err);
    output.appendLine(`activation failed: ${(err as Error)?.stack ?? message}`);
    const choice = await vscode.window.showErrorMessage(`TinyTrain could not start its language server: ${message}`, 'Show Output');
    if (choice === 'Show Output') output.show();
  }
}

export async function deactivate(): Promise<void> {
  await ctx?.dispose();
  ctx = undefined;
}
