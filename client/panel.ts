// The base of the three view panels (webview-sample's habit): one class per view owning its
// WebviewPanel and a disposables list, a fresh HTML page with a nonce CSP on every render, and
// messages checked against the view's validator before anything is done with them. A message
// that fails the check is dropped and logged to the TinyTrain output channel.

import * as vscode from 'vscode';
import { receiver, type Checked } from '../protocol/webview.js';
import type { WalkthroughStep } from './walkthrough.js';
import { viewHtml, webviewOptions, type ViewName } from './webview-html.js';

export interface PanelHost {
  extensionUri: vscode.Uri;
  log(line: string): void;
  /** The user did a walkthrough step (walkthrough.ts). */
  progress(step: WalkthroughStep): void;
}

export abstract class ViewPanel<ToView, FromView> implements vscode.Disposable {
  protected readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  /** Dropped messages so far (tests and the output channel read it). */
  dropped = 0;

  protected constructor(
    readonly panel: vscode.WebviewPanel,
    protected readonly host: PanelHost,
    private readonly view: ViewName,
    private readonly check: (v: unknown) => Checked<FromView>,
  ) {
    panel.webview.options = webviewOptions(host.extensionUri);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
    );
  }

  /** Loads (or reloads) the page; the view asks for its data with a `ready` message. */
  protected render(title: string): void {
    this.panel.title = title;
    this.panel.webview.html = viewHtml(this.panel.webview, this.host.extensionUri, this.view, title);
  }

  private readonly take = receiver<FromView>(
    (v) => this.check(v),
    (m) => {
      Promise.resolve()
        .then(() => this.handle(m))
        .catch((err: Error) => this.host.log(`${this.view} view: handling '${(m as { type: string }).type}' failed: ${err?.stack ?? err}`));
    },
    (line) => {
      this.dropped++;
      this.host.log(`${this.view} view: ${line}`);
    },
  );

  receive(raw: unknown): void {
    this.take(raw);
  }

  protected abstract handle(m: FromView): void | Promise<void>;

  protected post(m: ToView): Thenable<boolean> {
    if (this.disposed) return Promise.resolve(false);
    return this.panel.webview.postMessage(m);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDispose();
    for (const d of this.disposables.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        /* already gone */
      }
    }
    this.panel.dispose();
  }

  protected onDispose(): void {}
}
