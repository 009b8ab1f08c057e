// TinyTrain: New Config…: pick a board and a starting network (an example's, or an int8 .tflite
// or .onnx file the config imports), choose where the file goes, and
// `tinytrain init` writes it (in its own process, like every long job: the plan search takes
// seconds); the new config opens in an editor, where the language server's code lens shows its
// peak SRAM and flash against the board.

import { requireTrust } from './trust.js';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BOARDS, EXAMPLE_STARTERS, MODEL_FILE_EXTENSIONS, modelFileStem, type StarterSource } from '../protocol/catalog.js';
import { formatBytes } from '../protocol/notation.js';
import { cliPath, type Services } from './services.js';
import { runCli } from './device-cli.js';

export const NEW_CONFIG_COMMAND = 'tinytrain.newConfig';

type BoardItem = vscode.QuickPickItem & { board: string };
/** A starting network to pick: an example's, or the item that asks for a model file. */
type StarterItem = vscode.QuickPickItem & { source: StarterSource | { kind: 'pick-model-file' } };

export const FROM_MODEL_FILE_LABEL = 'From a .tflite or .onnx file…';

function starterItems(): StarterItem[] {
  return [
    ...EXAMPLE_STARTERS.map((s): StarterItem => ({ label: s.label, detail: s.detail, source: { kind: 'example', id: s.id } })),
    { label: FROM_MODEL_FILE_LABEL, detail: 'an int8 model (MLPerf Tiny, TFLM, Edge Impulse, STM32 model zoo; ONNX in QDQ or QLinear form…) the config imports and fine-tunes', source: { kind: 'pick-model-file' } },
  ];
}

/** The picked starting network; a model file one asks for the file. */
async function starterSource(item: StarterItem): Promise<StarterSource | undefined> {
  if (item.source.kind !== 'pick-model-file') return item.source;
  const picked = await vscode.window.showOpenDialog({
    title: 'TinyTrain: New Config (2/3): the int8 .tflite or .onnx model to import',
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    canSelectMany: false,
    filters: { 'int8 model (TFLite, ONNX)': [...MODEL_FILE_EXTENSIONS] },
    openLabel: 'Import Model',
  });
  const uri = picked?.[0];
  if (!uri) return undefined;
  if (uri.scheme !== 'file') throw new Error(`${uri.toString()} is not on this machine's disk; pick a local file`);
  return { kind: 'model-file', path: uri.fsPath };
}

/** The `tinytrain init` arguments that start from a source. */
const sourceArgs = (s: StarterSource): string[] => (s.kind === 'example' ? ['--network', s.id] : ['--from', s.path]);
const sourceBase = (s: StarterSource): string => (s.kind === 'example' ? s.id : modelFileStem(s.path));

function boardItems(): BoardItem[] {
  // The boards with firmware first (stm32f405 is the one the virtual board emulates), the host last.
  const order = ['stm32f405', 'stm32f746', 'nrf52840', 'host'];
  return Object.values(BOARDS).sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name)).map((b) => ({
    label: b.name,
    description: b.name === 'host' ? 'no SRAM limit to speak of' : `${b.cpu}, ${formatBytes(b.sramBytes)} SRAM, ${formatBytes(b.flashBytes)} flash`,
    detail: b.description,
    board: b.name,
  }));
}

/** A file name in `dir` that does not exist yet: `<base>.tinytrain.yaml`, then `<base>-2…`. */
async function freeName(dir: vscode.Uri, base: string): Promise<vscode.Uri> {
  for (let i = 1; ; i++) {
    const uri = vscode.Uri.joinPath(dir, `${base}${i > 1 ? `-${i}` : ''}.tinytrain.yaml`);
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      return uri;
    }
  }
}

export function registerNewConfig(ctx: Services): vscode.Disposable {
  return vscode.commands.registerCommand(NEW_CONFIG_COMMAND, async () => {
    try {
      if (!(await requireTrust('New Config'))) return; // it runs `tinytrain init`
      await newConfig(ctx);
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      ctx.output.appendLine(`New Config failed: ${(err as Error)?.stack ?? message}`);
      void vscode.window.showErrorMessage(`TinyTrain: New Config failed: ${message}`);
    }
  });
}

async function newConfig(ctx: Services): Promise<void> {
  const board = await vscode.window.showQuickPick(boardItems(), { title: 'TinyTrain: New Config (1/3): the board', placeHolder: 'The board the network trains on', matchOnDescription: true, ignoreFocusOut: true });
  if (!board) return;
  const item = await vscode.window.showQuickPick(starterItems(), { title: 'TinyTrain: New Config (2/3): the starting network', placeHolder: 'The network to start from', matchOnDetail: true, ignoreFocusOut: true });
  if (!item) return;
  const source = await starterSource(item);
  if (!source) return;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const suggested = folder ? await freeName(folder, sourceBase(source)) : undefined;
  const target = await vscode.window.showSaveDialog({
    title: 'TinyTrain: New Config (3/3): where to write it',
    defaultUri: suggested,
    // `yaml`, not `tinytrain.yaml`: a dialog takes only the last dot as the extension and would
    // append another `.tinytrain.yaml` to `x.tinytrain.yaml`.
    filters: { 'TinyTrain config': ['yaml'] },
    saveLabel: 'Create Config',
  });
  if (!target) return;
  if (target.scheme !== 'file') throw new Error(`${target.toString()} is not on this machine's disk; pick a local folder`);
  const file = /\.tinytrain\.yaml$/.test(target.fsPath) ? target.fsPath : `${target.fsPath.replace(/\.ya?ml$/, '')}.tinytrain.yaml`;
  // The save dialog asked about overwriting; a file already open with unsaved edits is not replaced.
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  if (open?.isDirty) throw new Error(`${path.basename(file)} is open with unsaved changes; save or close it first`);
  const args = ['init', '--board', board.board, ...sourceArgs(source), '-o', file, '--force', '--json'];
  ctx.output.appendLine(`new config: tinytrain ${args.join(' ')}`);
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `TinyTrain: searching an update plan for ${board.board}…`, cancellable: true }, (_progress, token) => {
    const ac = new AbortController();
    token.onCancellationRequested(() => ac.abort());
    return runCli({ node: process.execPath, cli: cliPath(ctx) }, args, { cwd: path.dirname(file), signal: ac.signal, onStderr: (l) => ctx.output.appendLine(`new config: ${l}`) });
  });
  if (r.aborted) return;
  if (r.code !== 0) throw new Error(r.stderr.trim().split('\n').filter(Boolean).slice(-2).map((l) => l.replace(/^tinytrain init: /, '')).join(' ') || `tinytrain init exited with ${r.code ?? r.signal}`);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  await vscode.window.showTextDocument(doc, { preview: false });
  ctx.output.appendLine(`new config: wrote ${file}`);
}
