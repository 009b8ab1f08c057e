// Wires the language features to a connection: documents and their analyses (documents.ts),
// diagnostics, hover, inlay hints, code lens, completion, and the custom `tinytrain/analysis`
// request and `tinytrain/status` notification (protocol/lsp.ts). Each feature is a pure function
// of (analysis, text, position) in its own module; this file only routes.

import {
  CodeLensRefreshRequest, TextDocuments, TextDocumentSyncKind, type CancellationToken, type Connection, type InitializeParams, type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  AnalysisRequest, DEFAULT_SETTINGS, ProfileRequest, PlanSearchProgressNotification, PlanSearchRequest, PlanSearchSetupRequest, StatusNotification, TimelineBuffersRequest,
  type InitializationOptions, type ServerSettings,
} from '../protocol/lsp.js';
import { configPathOf } from './analysis-job.js';
import { AnalysisRunner } from './analysis-runner.js';
import { codeLenses } from './code-lens.js';
import { completionsAt } from './completion.js';
import { toDiagnostics } from './diagnostics.js';
import { AnalysisCache, DEFAULT_DEBOUNCE_MS } from './documents.js';
import { hoverAt } from './hover.js';
import { inlayHints } from './inlay-hints.js';
import { configProfile } from './profile.js';
import { splitLines } from './locate.js';

export interface ServerOptions {
  /** Script to run as the analysis worker, or undefined to analyze in-process. */
  workerScript?: string;
}

export function startServer(connection: Connection, options: ServerOptions): void {
  const documents = new TextDocuments(TextDocument);
  let runner: AnalysisRunner | undefined;
  /** A second worker for plan searches (seconds each), so analyses never wait behind one. */
  let searchRunner: AnalysisRunner | undefined;
  let cache: AnalysisCache | undefined;
  let relatedInfo = true;
  let configSupport = false;
  let refreshHints = false;
  let refreshLenses = false;
  const settings = new Map<string, Promise<ServerSettings>>();

  const getSettings = (uri: string): Promise<ServerSettings> => {
    if (!configSupport) return Promise.resolve(DEFAULT_SETTINGS);
    let s = settings.get(uri);
    if (!s) {
      s = connection.workspace.getConfiguration({ scopeUri: uri, section: 'tinytrain' })
        .then((c: Partial<ServerSettings> | null) => ({
          inlayHints: { enabled: c?.inlayHints?.enabled ?? true },
          codeLens: { enabled: c?.codeLens?.enabled ?? true },
        }))
        .catch(() => DEFAULT_SETTINGS);
      settings.set(uri, s);
    }
    return s;
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const init = (params.initializationOptions ?? {}) as InitializationOptions;
    relatedInfo = params.capabilities.textDocument?.publishDiagnostics?.relatedInformation !== false;
    configSupport = !!params.capabilities.workspace?.configuration;
    refreshHints = !!params.capabilities.workspace?.inlayHint?.refreshSupport;
    refreshLenses = !!params.capabilities.workspace?.codeLens?.refreshSupport;
    const useWorker = init.worker ?? true;
    runner = new AnalysisRunner(useWorker ? options.workerScript : undefined, (m) => connection.console.warn(m));
    searchRunner = new AnalysisRunner(useWorker ? options.workerScript : undefined, (m) => connection.console.warn(m));
    const debounce = typeof init.debounceMs === 'number' && init.debounceMs >= 0 ? init.debounceMs : DEFAULT_DEBOUNCE_MS;
    cache = new AnalysisCache(documents, runner, connection, debounce);
    cache.onAnalyzed((a) => {
      const doc = documents.get(a.uri);
      if (!doc) return;
      const an = a.analysis.plan ? a.analysis : a.view;
      void connection.sendNotification(StatusNotification.type, {
        uri: a.uri, version: a.version,
        peakSramBytes: an.plan?.peakSramBytes, sramBudgetBytes: finite(an.budget?.sramBytes),
        flashBytes: an.flash?.totalBytes, flashBudgetBytes: finite(an.budget?.flashBytes), board: an.board?.name,
        partial: an.partial || an !== a.analysis,
        errors: a.analysis.problems.filter((p) => p.severity === 'error').length,
        warnings: a.analysis.problems.filter((p) => p.severity === 'warning').length,
      });
      // After the status, so a client that waits for diagnostics has both.
      void connection.sendDiagnostics({ uri: a.uri, version: a.version, diagnostics: toDiagnostics(doc, a.analysis.problems, relatedInfo) });
    });
    cache.onClosed((uri) => {
      settings.delete(uri);
      void connection.sendDiagnostics({ uri, diagnostics: [] });
      void connection.sendNotification(StatusNotification.type, { uri, version: 0, cleared: true, partial: false, errors: 0, warnings: 0 });
    });
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        inlayHintProvider: { resolveProvider: false },
        codeLensProvider: { resolveProvider: false },
        completionProvider: { triggerCharacters: [':', ' ', '-', '{', ','], resolveProvider: false },
      },
      serverInfo: { name: 'tinytrain', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => runner?.warm());

  connection.onDidChangeConfiguration(() => {
    settings.clear();
    // Settings switch hints and lenses on or off: ask the client to fetch them again.
    if (refreshHints) void connection.languages.inlayHint.refresh().catch(() => undefined);
    if (refreshLenses) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  });

  /** The current analysis and the document's lines, unless the request was cancelled meanwhile. */
  const current = async (uri: string, token?: CancellationToken) => {
    const a = await cache?.current(uri);
    const doc = documents.get(uri);
    if (!a || !doc || token?.isCancellationRequested) return undefined;
    return { a, doc, lines: splitLines(doc.getText()) };
  };

  connection.onHover(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    return c ? hoverAt(c.a.view, c.lines, p.position) : null;
  });

  connection.languages.inlayHint.on(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    if (!c || !(await getSettings(p.textDocument.uri)).inlayHints.enabled) return [];
    return inlayHints(c.a.view, c.lines, p.range);
  });

  connection.onCodeLens(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    if (!c || !(await getSettings(p.textDocument.uri)).codeLens.enabled) return [];
    const useView = !c.a.analysis.plan && !!c.a.view.plan;
    return codeLenses(useView ? c.a.view : c.a.analysis, p.textDocument.uri, useView);
  });

  connection.onCompletion((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return [];
    // Completion never waits for an analysis: the newest one is good enough for conv indices.
    return completionsAt(splitLines(doc.getText()), p.position, cache?.latest(p.textDocument.uri)?.view, p.textDocument.uri);
  });

  connection.onRequest(AnalysisRequest.type, async (p) => {
    if (p.full !== false) return cache?.full(p.uri) ?? null;
    return (await cache?.current(p.uri))?.analysis ?? null;
  });

  connection.onRequest(ProfileRequest.type, async (p) => {
    const a = (await cache?.current(p.uri))?.analysis;
    const configPath = configPathOf(p.uri);
    if (!a?.model || !configPath) return null;
    return configProfile(configPath, a.model.name, a.plan?.scheduleKey);
  });

  connection.onRequest(TimelineBuffersRequest.type, async (p) => {
    const doc = documents.get(p.uri);
    if (!doc || !runner) return null;
    return (await runner.runJob(`${p.uri}#buffers`, { kind: 'buffers', text: doc.getText(), version: doc.version })) ?? null;
  });

  connection.onRequest(PlanSearchSetupRequest.type, async (p) => {
    const doc = documents.get(p.uri);
    if (!doc || !searchRunner) return { ok: false, error: 'the config is not open in the language server' };
    return (await searchRunner.runJob(`${p.uri}#setup`, { kind: 'planSearchSetup', text: doc.getText(), uri: p.uri, version: doc.version }))
      ?? { ok: false, error: 'superseded' };
  });

  connection.onRequest(PlanSearchRequest.type, async (p, token) => {
    const doc = documents.get(p.uri);
    if (!doc || !searchRunner) return { ok: false, error: 'the config is not open in the language server' };
    const key = `${p.uri}#search`;
    const r = searchRunner;
    const sub = token.onCancellationRequested(() => r.cancel(key));
    try {
      const progress = (done: number, total: number): void => void connection.sendNotification(PlanSearchProgressNotification.type, { progressId: p.progressId, done, total });
      const result = await r.runJob(key, { kind: 'planSearch', text: doc.getText(), params: p, version: doc.version }, progress);
      return result ?? { ok: false, error: 'the search was cancelled', cancelled: true };
    } finally {
      sub.dispose();
    }
  });

  connection.onShutdown(() => { runner?.dispose(); searchRunner?.dispose(); });
  documents.listen(connection);
  connection.listen();
}

function finite(n: number | undefined): number | undefined {
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}
