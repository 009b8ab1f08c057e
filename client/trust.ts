// Workspace trust, the one guard. A config is someone else's text until its workspace is trusted:
// in Restricted Mode the extension only reads it (the language server, diagnostics, hovers,
// inlay hints, code lens, the plan view, the memory timeline, Find Best Update Plan with the
// prior), and every command that spawns a process (Compile, Train on Host / Virtual Board /
// Device, Build Firmware, Flash, Select Serial Port, measuring contributions: gcc,
// arm-none-eabi-gcc, QEMU, the flasher, `tinytrain.device.flashCommand`) calls requireTrust first.
// The manifest declares `capabilities.untrustedWorkspaces: limited`, and the two settings that
// choose what runs or where files go are restricted (VS Code ignores a workspace's value for them
// until it is trusted).

import * as path from 'node:path';
import * as vscode from 'vscode';
import { isInside } from './paths.js';

export const MANAGE_TRUST = 'workbench.trust.manage';
const MANAGE = 'Manage Workspace Trust';

/** The refusal a command shows in Restricted Mode (the e2e test reads it). */
export function restrictedMessage(what: string): string {
  return `TinyTrain: ${what} is disabled in Restricted Mode. It builds and runs programs (gcc, QEMU, the flasher) from this workspace's files, and you have not trusted this workspace. Trust it to enable ${what}.`;
}

/** True when the workspace is trusted; otherwise says why `what` is refused, offers to manage
 * trust, and returns false. Every command that spawns a process starts with this. */
export async function requireTrust(what: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const choice = await vscode.window.showWarningMessage(restrictedMessage(what), MANAGE);
  if (choice === MANAGE) await vscode.commands.executeCommand(MANAGE_TRUST);
  return false;
}

const CONFIRMED_FLASH_COMMAND = 'tinytrain.confirmedFlashCommand';

/** `tinytrain.device.flashCommand` runs in a shell: before its first run in a workspace (and
 * after every change of it) the user sees the exact command and confirms it. */
export async function confirmFlashCommand(state: vscode.Memento, command: string): Promise<boolean> {
  if (state.get<string>(CONFIRMED_FLASH_COMMAND) === command) return true;
  const ok = await vscode.window.showWarningMessage(
    'TinyTrain: run this flash command?',
    { modal: true, detail: `The setting tinytrain.device.flashCommand asks TinyTrain to run, with /bin/sh:\n\n${command}\n\n({bin}, {elf}, {port} and {address} are filled in.) Run it now and for later flashes in this workspace?` },
    'Run',
  );
  if (ok !== 'Run') return false;
  await state.update(CONFIRMED_FLASH_COMMAND, command);
  return true;
}

/** The folder generated files may go in for a config: its workspace folder, else its own folder. */
export function writableRoot(config: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(config)?.uri.fsPath ?? path.dirname(config.fsPath);
}

/** `dir` when it lies inside the config's writable root; otherwise an error that says which
 * setting points where. */
export function confinedOutput(config: vscode.Uri, dir: string, setting: string): string {
  const root = writableRoot(config);
  if (!isInside(root, dir)) throw new Error(`${setting} points to ${dir}, outside the workspace folder ${root}; TinyTrain writes only inside the workspace (use a folder relative to the config, such as build).`);
  return dir;
}
