// What the extension's parts get from the one context object (context.ts owns and creates it
// all): commands, device commands and the plan search take a `Services` and import nothing of
// context.ts, so no module of client/ imports its way back to its owner. Plus the helpers every
// command uses to find its config and the CLI.

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { AnalysisResult } from '../protocol/lsp.js';
import type { ConfigViews } from './config-views.js';
import type { Dashboards } from './dashboard-panel.js';

export interface Services {
  readonly extension: vscode.ExtensionContext;
  readonly output: vscode.OutputChannel;
  /** The plan and memory timeline panels of configs. */
  readonly views: ConfigViews;
  /** The training dashboard. */
  readonly dashboards: Dashboards;
  /** Firmware link overflows on the config's budget line; cleared by the next successful build. */
  readonly deviceDiagnostics: vscode.DiagnosticCollection;
  /** The server's analysis of an open config (full: with timeline and comparisons). */
  analysis(uri: string, full?: boolean): Promise<AnalysisResult>;
  /** The running language client, for the typed requests of protocol/lsp.ts. */
  languageClient(): LanguageClient;
}

/** The CLI the runs start: the bundled one, or in a source checkout bin/tinytrain.js (which runs
 * the TypeScript sources, so a development host never runs a stale bundle). */
export function cliPath(s: Pick<Services, 'extension'>): string {
  const source = s.extension.asAbsolutePath(path.join('cli', 'main.ts'));
  return existsSync(source) ? s.extension.asAbsolutePath(path.join('bin', 'tinytrain.js')) : s.extension.asAbsolutePath(path.join('dist', 'cli.js'));
}

/** The config a command acts on: its argument (a URI string or Uri), else the active editor's. */
export function targetConfig(arg: unknown): vscode.Uri | undefined {
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  if (arg instanceof vscode.Uri) return arg;
  const doc = vscode.window.activeTextEditor?.document;
  if (doc?.languageId === 'tinytrain') return doc.uri;
  // From a webview (no text editor active): the config of the last visible tinytrain editor.
  return vscode.window.visibleTextEditors.find((e) => e.document.languageId === 'tinytrain')?.document.uri;
}

export async function savedConfig(config: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === config.toString());
  if (doc?.isDirty) await doc.save();
  return doc;
}
