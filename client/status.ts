// The language status item of a config: planned peak SRAM against the budget, for the config in
// the active editor, in warning or error severity near (>90 %) or over a budget.

import * as vscode from 'vscode';
import { Commands, type StatusParams } from '../protocol/lsp.js';
import { statusView } from './status-model.js';

function severity(level: 'info' | 'warning' | 'error'): vscode.LanguageStatusSeverity {
  return level === 'error' ? vscode.LanguageStatusSeverity.Error : level === 'warning' ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
}

export class MemoryStatus implements vscode.Disposable {
  private readonly item = vscode.languages.createLanguageStatusItem('tinytrain.memory', { language: 'tinytrain' });
  private readonly byUri = new Map<string, StatusParams>();
  private readonly listener: vscode.Disposable;

  constructor() {
    this.item.name = 'TinyTrain memory';
    this.item.text = 'TinyTrain';
    this.item.detail = 'analyzing…';
    this.item.busy = true;
    this.listener = vscode.window.onDidChangeActiveTextEditor(() => this.render());
  }

  update(p: StatusParams): void {
    if (p.cleared) this.byUri.delete(p.uri);
    else this.byUri.set(p.uri, p);
    this.render();
  }

  private render(): void {
    const uri = vscode.window.activeTextEditor?.document.uri.toString();
    const p = uri ? this.byUri.get(uri) : undefined;
    if (!p) {
      this.item.busy = !!uri && vscode.window.activeTextEditor?.document.languageId === 'tinytrain';
      this.item.text = 'TinyTrain';
      this.item.detail = this.item.busy ? 'analyzing…' : '';
      this.item.severity = vscode.LanguageStatusSeverity.Information;
      this.item.command = undefined;
      return;
    }
    const view = statusView(p);
    this.item.busy = false;
    this.item.text = view.text;
    this.item.detail = view.detail;
    this.item.severity = severity(view.level);
    this.item.command = { title: 'Show Training Plan', command: Commands.showPlan, arguments: [p.uri] };
  }

  dispose(): void {
    this.listener.dispose();
    this.item.dispose();
  }
}
