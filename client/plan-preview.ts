// `Show Training Plan` for now: a read-only Markdown document (virtual, scheme `tinytrain-plan`)
// rendered from the server's tinytrain/analysis and shown in the Markdown preview. It refreshes
// when the server publishes a new analysis of its config. The plan webview replaces it later.

import * as vscode from 'vscode';
import type { AnalysisResult } from '../protocol/lsp.js';
import { planMarkdown } from './plan-markdown.js';

export const PLAN_SCHEME = 'tinytrain-plan';

export class PlanPreview implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private readonly registration: vscode.Disposable;
  private readonly open = new Map<string, vscode.Uri>();

  constructor(private readonly fetch: (uri: string) => Promise<AnalysisResult>) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, this);
  }

  /** The virtual document's URI for a config URI. */
  planUri(config: vscode.Uri): vscode.Uri {
    const name = config.path.split('/').pop() ?? 'config';
    return vscode.Uri.from({ scheme: PLAN_SCHEME, path: `/${name}.plan.md`, query: config.toString() });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const config = uri.query;
    this.open.set(config, uri);
    const a = await this.fetch(config);
    if (!a) return `# Training plan\n\nOpen ${config} in an editor to see its plan.\n`;
    return planMarkdown(a, vscode.Uri.parse(config).path.split('/').pop() ?? config);
  }

  /** The server analyzed `config` again: refresh its open preview, if any. */
  changed(config: string): void {
    const uri = this.open.get(config);
    if (uri) this.emitter.fire(uri);
  }

  async show(config: vscode.Uri): Promise<void> {
    const uri = this.planUri(config);
    try {
      await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
    } catch {
      // Without the built-in Markdown extension, the Markdown source itself (read-only).
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }
  }

  dispose(): void {
    this.registration.dispose();
    this.emitter.dispose();
  }
}
