// One object owns everything the extension creates: the language client, the status item, the
// output channel, the commands and their disposables (rust-analyzer's habit). Disposing it stops
// the server and removes every registration. The parts it creates get it as `Services`
// (services.ts) and import nothing from here.

import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  AnalysisRequest, ProfileRequest, StatusNotification, TimelineBuffersRequest, type AnalysisResult, type InitializationOptions, type TimelineBuffersResult,
} from '../protocol/lsp.js';
import { registerCommands } from './commands.js';
import { ConfigViews } from './config-views.js';
import { Dashboards } from './dashboard-panel.js';
import { DeviceControl } from './device-commands.js';
import { FindBestPlan } from './find-plan.js';
import { registerNewConfig } from './new-config.js';
import { SerialMonitors } from './serial-monitor.js';
import type { Services } from './services.js';
import { MemoryStatus } from './status.js';
import { WalkthroughProgress, type WalkthroughStep } from './walkthrough.js';

export class TinyTrainContext implements Services {
  client: LanguageClient | undefined;
  readonly status: MemoryStatus;
  /** The plan and memory timeline panels of configs. */
  readonly views: ConfigViews;
  /** The training dashboard. */
  readonly dashboards: Dashboards;
  /** Firmware link overflows (Build Firmware, Flash, Train on Device) on the config's budget
   * line; cleared by the next successful build. */
  readonly deviceDiagnostics: vscode.DiagnosticCollection;
  /** The walkthrough steps the user has done in this window. */
  readonly walkthrough = new WalkthroughProgress();
  /** The device commands and the one owner of the serial port. */
  device: DeviceControl | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext, readonly output: vscode.OutputChannel) {
    this.status = new MemoryStatus();
    const log = (line: string) => this.output.appendLine(line);
    const progress = (step: WalkthroughStep) => this.walkthrough.mark(step);
    this.views = new ConfigViews({
      extensionUri: extension.extensionUri, log, progress,
      analysis: (uri, full) => this.analysis(uri, full),
      timelineBuffers: (uri) => this.timelineBuffers(uri),
      profile: (uri) => this.languageClient().sendRequest(ProfileRequest.type, { uri }),
    });
    this.dashboards = new Dashboards({ extensionUri: extension.extensionUri, log, progress });
    this.deviceDiagnostics = vscode.languages.createDiagnosticCollection('tinytrain-firmware');
    this.disposables.push(this.status, this.views, this.dashboards, this.deviceDiagnostics);
  }

  async start(): Promise<void> {
    const module = this.extension.asAbsolutePath('dist/server.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
    };
    const initializationOptions: InitializationOptions = {};
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: 'tinytrain' }],
      outputChannel: this.output,
      initializationOptions,
      synchronize: { configurationSection: 'tinytrain' },
    };
    // The id `tinytrain` makes the client honour the `tinytrain.trace.server` setting.
    const client = new LanguageClient('tinytrain', 'TinyTrain', serverOptions, clientOptions);
    this.client = client;
    this.disposables.push(registerCommands(this), new FindBestPlan(this), registerNewConfig(this));
    this.device = new DeviceControl(this);
    this.disposables.push(this.device, new SerialMonitors(this, this.device));
    this.disposables.push(
      client.onNotification(StatusNotification.type, (p) => {
        this.status.update(p);
        if (p.peakSramBytes !== undefined) this.walkthrough.mark('sawPeak');
        this.views.changed(p.uri, p.version);
      }),
    );
    const configInEditor = (e: vscode.TextEditor | undefined) => { if (e?.document.languageId === 'tinytrain') this.walkthrough.mark('configOpen'); };
    configInEditor(vscode.window.activeTextEditor);
    this.disposables.push(vscode.window.onDidChangeActiveTextEditor(configInEditor));
    await client.start();
    this.output.appendLine(`TinyTrain language server started (${module})`);
  }

  languageClient(): LanguageClient {
    if (!this.client?.isRunning()) throw new Error('the TinyTrain language server is not running');
    return this.client;
  }

  /** The analysis of an open config from the server: whole (with timeline and comparison), or
   * the one its diagnostics were published from (`full: false`). */
  async analysis(uri: string, full = true): Promise<AnalysisResult> {
    return this.languageClient().sendRequest(AnalysisRequest.type, { uri, full });
  }

  async timelineBuffers(uri: string): Promise<TimelineBuffersResult> {
    return this.languageClient().sendRequest(TimelineBuffersRequest.type, { uri });
  }

  async dispose(): Promise<void> {
    for (const d of this.disposables.splice(0).reverse()) {
      try {
        d.dispose();
      } catch (err) {
        this.output.appendLine(`dispose failed: ${(err as Error)?.message ?? err}`);
      }
    }
    const client = this.client;
    this.client = undefined;
    if (client) await client.stop().catch((err: Error) => this.output.appendLine(`stopping the server failed: ${err.message}`));
  }
}
