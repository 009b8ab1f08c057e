// A real LSP client for tests and benchmarks: spawns the BUILT server bundle (dist/server.js) over
// stdio and speaks vscode-languageserver-protocol to it, as an editor would. Also the caret helper
// (`model:\n  na|me: x` -> text + position) that keeps each hover or completion test to a few lines.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeLensRequest, CompletionRequest, ConfigurationRequest, DidChangeConfigurationNotification, createProtocolConnection, DidChangeTextDocumentNotification, DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification, ExitNotification, HoverRequest, InitializedNotification, InitializeRequest, InlayHintRequest,
  LogMessageNotification, LogTraceNotification, PublishDiagnosticsNotification, ShutdownRequest, StreamMessageReader, StreamMessageWriter,
  type CodeLens, type CompletionItem, type CompletionList, type Diagnostic, type Hover, type InlayHint, type Position,
  type ProtocolConnection, type PublishDiagnosticsParams, type Range, type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node.js';
import { AnalysisRequest, StatusNotification, type Analysis, type InitializationOptions, type StatusParams } from '../../../protocol/lsp.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SERVER = join(ROOT, 'dist', 'server.js');

/** Builds the bundles once if dist/server.js is missing (`npm run build` normally did it). */
export function ensureBuilt(): void {
  if (existsSync(SERVER)) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(SERVER)) throw new Error('building dist/server.js failed');
}

/** Text with one `|` marking the caret -> the text without it and the caret's position. */
export function caret(marked: string): { text: string; position: Position } {
  const i = marked.indexOf('|');
  if (i < 0) throw new Error('no | caret marker in the text');
  const text = marked.slice(0, i) + marked.slice(i + 1);
  const before = text.slice(0, i).split('\n');
  return { text, position: { line: before.length - 1, character: before[before.length - 1].length } };
}

/** The position of the first occurrence of `needle` in `text` (plus `delta` characters). */
export function positionOf(text: string, needle: string, delta = 0): Position {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`'${needle}' not in the text`);
  const before = text.slice(0, i + delta).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

export function hoverText(h: Hover | null): string {
  if (!h) return '';
  const c = h.contents as unknown;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((x) => (typeof x === 'string' ? x : x.value)).join('\n');
  return (c as { value: string }).value;
}

export function labels(items: CompletionItem[] | CompletionList | null): string[] {
  const list = Array.isArray(items) ? items : items?.items ?? [];
  return list.map((i) => i.label);
}

export function inside(range: Range, lines: string[]): boolean {
  const ok = (p: Position) => p.line >= 0 && p.line < lines.length && p.character >= 0 && p.character <= lines[p.line].length;
  const ordered = range.start.line < range.end.line || (range.start.line === range.end.line && range.start.character <= range.end.character);
  return ok(range.start) && ok(range.end) && ordered;
}

export const fileUri = (name: string): string => pathToFileURL(join(ROOT, name)).toString();

interface Waiter<T> { pred: (v: T) => boolean; resolve: (v: T) => void }

export class LspClient {
  readonly conn: ProtocolConnection;
  readonly proc: ChildProcess;
  readonly logs: { type: number; message: string }[] = [];
  /** $/logTrace messages (the server's analysis timings when started with trace on). */
  readonly traces: string[] = [];
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly status = new Map<string, StatusParams>();
  stderr = '';
  exited: number | null | undefined = undefined;
  private readonly diagWaiters: Waiter<PublishDiagnosticsParams>[] = [];
  private readonly versions = new Map<string, number>();
  private readonly texts = new Map<string, string>();
  /** Called on every publishDiagnostics (benchmarks time with it). */
  onDiagnostics?: (p: PublishDiagnosticsParams) => void;

  private constructor(options: InitializationOptions, server: string) {
    if (server === SERVER) ensureBuilt();
    this.proc = spawn(process.execPath, [server, '--stdio'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d) => { this.stderr += String(d); });
    this.proc.on('exit', (code) => { this.exited = code; });
    this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.diagnostics.set(p.uri, p);
      this.onDiagnostics?.(p);
      for (const w of this.diagWaiters.slice()) {
        if (w.pred(p)) {
          this.diagWaiters.splice(this.diagWaiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
    this.conn.onNotification(StatusNotification.type, (p) => { this.status.set(p.uri, p); });
    this.conn.onNotification(LogMessageNotification.type, (p) => { this.logs.push(p); });
    this.conn.onNotification(LogTraceNotification.type, (p) => { this.traces.push(p.message); });
    this.conn.listen();
    void options;
  }

  /** The `tinytrain` settings section this client answers workspace/configuration with (when
   * started with `settings`). */
  settings: Record<string, unknown> | undefined;

  /** `server`: another built server bundle (a benchmark comparing an older tree's). */
  static async start(options: InitializationOptions = {}, trace: 'off' | 'messages' | 'verbose' = 'off', settings?: Record<string, unknown>, server = SERVER): Promise<LspClient> {
    const c = new LspClient(options, server);
    c.settings = settings;
    if (settings) c.conn.onRequest(ConfigurationRequest.type, (p) => p.items.map((i) => (i.section === 'tinytrain' ? c.settings : null)));
    await c.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid, rootUri: pathToFileURL(ROOT).toString(), workspaceFolders: null,
      capabilities: {
        textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true }, hover: { contentFormat: ['markdown'] } },
        ...(settings ? { workspace: { configuration: true } } : {}),
      },
      initializationOptions: options, trace,
    });
    await c.conn.sendNotification(InitializedNotification.type, {});
    return c;
  }

  /** Changes the settings and tells the server, as an editor does. */
  async changeSettings(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    await this.conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { tinytrain: settings } });
  }

  text(uri: string): string {
    return this.texts.get(uri) ?? '';
  }

  version(uri: string): number {
    return this.versions.get(uri) ?? 0;
  }

  /** Resolves with the next diagnostics for `uri` whose version is at least `version`. */
  nextDiagnostics(uri: string, version = this.version(uri), timeoutMs = 20_000): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} v${version} within ${timeoutMs} ms; stderr: ${this.stderr.slice(-500)}`)), timeoutMs);
      this.diagWaiters.push({ pred: (p) => p.uri === uri && (p.version ?? 0) >= version, resolve: (p) => { clearTimeout(timer); resolve(p); } });
    });
  }

  async open(uri: string, text: string): Promise<Diagnostic[]> {
    const wait = this.openNoWait(uri, text);
    return (await wait).diagnostics;
  }

  openNoWait(uri: string, text: string): Promise<PublishDiagnosticsParams> {
    this.versions.set(uri, 1);
    this.texts.set(uri, text);
    const wait = this.nextDiagnostics(uri, 1);
    void this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'tinytrain', version: 1, text } });
    return wait;
  }

  /** Sends edits (incremental, or the whole text) without waiting; returns the new version. */
  changeNoWait(uri: string, changes: TextDocumentContentChangeEvent[]): number {
    const version = this.version(uri) + 1;
    this.versions.set(uri, version);
    let text = this.text(uri);
    for (const ch of changes) text = 'range' in ch ? applyEdit(text, ch.range, ch.text) : ch.text;
    this.texts.set(uri, text);
    void this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  /** Replaces the whole text and waits for the diagnostics of the new version. */
  async setText(uri: string, text: string): Promise<Diagnostic[]> {
    const v = this.changeNoWait(uri, [{ text }]);
    return (await this.nextDiagnostics(uri, v)).diagnostics;
  }

  /** Replaces the first occurrence of `from` by `to` (an incremental edit) and waits for diagnostics. */
  async replace(uri: string, from: string, to: string): Promise<Diagnostic[]> {
    const text = this.text(uri);
    const i = text.indexOf(from);
    if (i < 0) throw new Error(`'${from}' not in the document`);
    const range = { start: offsetToPosition(text, i), end: offsetToPosition(text, i + from.length) };
    const v = this.changeNoWait(uri, [{ range, text: to }]);
    return (await this.nextDiagnostics(uri, v)).diagnostics;
  }

  close(uri: string): void {
    void this.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    this.texts.delete(uri);
    this.versions.delete(uri);
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
  }

  inlayHints(uri: string, range?: Range): Promise<InlayHint[] | null> {
    const lines = lspLines(this.text(uri));
    return this.conn.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: range ?? { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } } });
  }

  codeLens(uri: string): Promise<CodeLens[] | null> {
    return this.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
  }

  completion(uri: string, position: Position): Promise<CompletionItem[] | CompletionList | null> {
    return this.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
  }

  analysis(uri: string): Promise<Analysis | null> {
    return this.conn.sendRequest(AnalysisRequest.type, { uri });
  }

  /** Hover at the caret of a marked text, opening it as a fresh document first. */
  async hoverAtCaret(marked: string, uri = `file:///caret-${++caretDocs}.tinytrain.yaml`): Promise<string> {
    const { text, position } = caret(marked);
    await this.open(uri, text);
    return hoverText(await this.hover(uri, position));
  }

  async completeAtCaret(marked: string, uri = `file:///caret-${++caretDocs}.tinytrain.yaml`): Promise<string[]> {
    const { text, position } = caret(marked);
    await this.open(uri, text);
    return labels(await this.completion(uri, position));
  }

  async stop(): Promise<void> {
    if (this.exited !== undefined) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    try {
      await Promise.race([this.conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification(ExitNotification.type);
    } catch { /* already gone */ }
    const t = setTimeout(() => this.proc.kill(), 3000);
    await exited;
    clearTimeout(t);
    this.conn.dispose();
  }
}

let caretDocs = 0;

/** Line start offsets as LSP counts lines (\r\n, \r and \n all end a line). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
    if (c === 13 || c === 10) starts.push(i + 1);
  }
  return starts;
}

/** The document's lines, split the way LSP splits them. */
export function lspLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

export function offsetToPosition(text: string, offset: number): Position {
  const starts = lineStarts(text);
  let line = 0;
  while (line + 1 < starts.length && starts[line + 1] <= offset) line++;
  return { line, character: offset - starts[line] };
}

export function positionToOffset(text: string, p: Position): number {
  const starts = lineStarts(text);
  if (p.line >= starts.length) return text.length;
  const lineEnd = p.line + 1 < starts.length ? starts[p.line + 1] : text.length;
  return Math.min(starts[p.line] + p.character, lineEnd);
}

/** The smallest single edit turning `from` into `to` (common prefix and suffix kept). */
export function diffEdit(from: string, to: string): { range: Range; text: string } {
  let a = 0;
  while (a < from.length && a < to.length && from[a] === to[a]) a++;
  let b = 0;
  while (b < from.length - a && b < to.length - a && from[from.length - 1 - b] === to[to.length - 1 - b]) b++;
  // Never split a \r\n pair: LSP positions cannot point between them.
  while (a > 0 && from[a - 1] === '\r' && from[a] === '\n') a--;
  while (b > 0 && from[from.length - b - 1] === '\r' && from[from.length - b] === '\n') b--;
  return { range: { start: offsetToPosition(from, a), end: offsetToPosition(from, from.length - b) }, text: to.slice(a, to.length - b) };
}

export function applyEdit(text: string, range: Range, insert: string): string {
  return text.slice(0, positionToOffset(text, range.start)) + insert + text.slice(positionToOffset(text, range.end));
}
