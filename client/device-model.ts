// Pure logic of the device commands (no vscode import, unit-tested): the serial port picker's
// items, and reading what the CLI prints — `tinytrain board` (the port list), `build --json`,
// flash progress and FlasherError codes, and the located budget problems of a failed link.

import { pathSegment } from '../protocol/notation.js';
import { parseBuildLine, type BuildLine } from '../protocol/run-stream.js';

export interface ListedPort { path: string; detail?: string }
export interface PortList { ports: ListedPort[]; error?: string }

/** `tinytrain board` without --virtual: one port per stdout line (`path  manufacturer  serial`);
 * a listing failure on stderr (exit 0 either way). A CLI that did not run at all is an error too. */
export function parsePortList(stdout: string, stderr: string, code: number | null): PortList {
  const ports: ListedPort[] = [];
  for (const line of stdout.split('\n')) {
    const l = line.trim();
    if (!l) continue;
    const [path, ...rest] = l.split(/\s{2,}/);
    if (!path.startsWith('/') && !/^COM\d+$/i.test(path)) continue;
    ports.push({ path, ...(rest.length ? { detail: rest.join(' · ') } : {}) });
  }
  const err = stderr.trim().split('\n').filter((x) => x.trim()).pop();
  if (code !== 0) return { ports, error: `listing the serial ports failed${err ? `: ${err}` : code === null ? ' (timed out)' : ` (exit ${code})`}` };
  if (err && /cannot list/i.test(err)) return { ports, error: err };
  return { ports };
}

export type PickAction = { kind: 'port'; path: string } | { kind: 'enter' } | { kind: 'virtual' } | { kind: 'stopVirtual' };
export interface PickItem { label: string; description?: string; detail?: string; action?: PickAction; separator?: boolean; picked?: boolean }

/** The picker: first the entries that are always there (a typed path, a virtual board, and
 * stopping the running one), then the ports: the running virtual board, the listed ports (the
 * current one marked) and a line saying the listing is under way, failed, or found none (no port
 * is ever chosen for the user). The fixed entries come first because the ports arrive after the
 * picker opens (listing goes through the CLI): rows above them never move under the pointer. */
export function pickerItems(list: PortList | undefined, current: string | undefined, virtualPort: string | undefined): PickItem[] {
  const items: PickItem[] = [
    { label: '$(edit) Enter a path…', description: 'e.g. /dev/ttyUSB0 or a pty /dev/pts/N', action: { kind: 'enter' } },
    { label: '$(vm) Start a virtual board', description: `emulated STM32F405 (QEMU netduinoplus2) behind a pty${virtualPort ? '; replaces the running one' : ''}`, action: { kind: 'virtual' } },
  ];
  if (virtualPort) items.push({ label: '$(debug-stop) Stop the virtual board', description: virtualPort, action: { kind: 'stopVirtual' } });
  items.push({ label: 'serial ports', separator: true });
  const seen = new Set<string>();
  if (virtualPort) {
    items.push({ label: `$(vm) ${virtualPort}`, description: 'virtual board (running)', action: { kind: 'port', path: virtualPort }, picked: current === virtualPort });
    seen.add(virtualPort);
  }
  for (const p of list?.ports ?? []) {
    if (seen.has(p.path)) continue;
    seen.add(p.path);
    items.push({ label: `$(plug) ${p.path}`, description: [p.detail, p.path === current ? 'selected' : undefined].filter(Boolean).join(' · ') || undefined, action: { kind: 'port', path: p.path }, picked: p.path === current });
  }
  if (current && !seen.has(current)) items.push({ label: `$(plug) ${current}`, description: 'selected (typed path)', action: { kind: 'port', path: current }, picked: true });
  if (!list) items.push({ label: '$(loading~spin) Listing serial ports…' });
  else if (list.error) items.push({ label: '$(warning) Cannot list serial ports', detail: list.error });
  else if (!list.ports.length) items.push({ label: '$(info) No serial ports found', detail: 'Type a path (a pty such as /dev/pts/3 works) or start a virtual board.' });
  return items;
}

/** Whether two picker actions are the same choice (the active row is kept across a refresh). */
export function sameAction(a: PickAction | undefined, b: PickAction | undefined): boolean {
  if (!a || !b || a.kind !== b.kind) return false;
  return a.kind !== 'port' || a.path === (b as { path: string }).path;
}

/** A typed port path: undefined when fine, else why not (shown by the input box). */
export function validatePortPath(s: string): string | undefined {
  const v = s.trim();
  if (!v) return 'Type the path of a serial port';
  if (!v.startsWith('/') && !/^COM\d+$/i.test(v)) return 'A serial port path starts with / (e.g. /dev/ttyACM0, /dev/pts/3)';
  if (/\s/.test(v)) return 'A port path has no spaces';
  return undefined;
}

/** A located problem printed by the CLI (`file:line:col: error: message`, 1-based). */
export interface CliProblem { line: number; character: number; severity: 'error' | 'warning'; message: string }

/** The link overflow problems (FirmwareBudgetError: `RAM budget of <board> (...) exceeded by N
 * bytes when linking the firmware`, on the config's sram:/flash:/target: line) in CLI stderr,
 * 0-based. Other config errors are the language server's to show, so they are left out. */
export function budgetProblems(stderr: string): CliProblem[] {
  const out: CliProblem[] = [];
  for (const l of stderr.split('\n')) {
    const m = /^(.*):(\d+):(\d+): (error|warning): (.*budget of .* exceeded by \d+ bytes when linking.*)$/.exec(l.trim());
    if (m) out.push({ line: Number(m[2]) - 1, character: Number(m[3]) - 1, severity: m[4] as 'error' | 'warning', message: m[5] });
  }
  return out;
}

export type FlasherCode = 'NO_ANSWER' | 'NACK' | 'VERIFY_MISMATCH' | 'PORT_BUSY' | 'PERMISSION_DENIED' | 'PORT_NOT_FOUND' | 'PORT_ERROR' | 'UNSUPPORTED' | 'IMAGE' | 'PROTOCOL';
const CODES: FlasherCode[] = ['NO_ANSWER', 'NACK', 'VERIFY_MISMATCH', 'PORT_BUSY', 'PERMISSION_DENIED', 'PORT_NOT_FOUND', 'PORT_ERROR', 'UNSUPPORTED', 'IMAGE', 'PROTOCOL'];

export interface FlashFailure { code?: FlasherCode; message: string }

/** A FlasherError the CLI printed (`tinytrain flash: CODE: message`, or in a training run
 * `tinytrain train: flashing failed: CODE: message`), else the CLI's last error line. */
export function flashFailure(stderr: string): FlashFailure | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^tinytrain (?:flash|train): (?:flashing failed: )?([A-Z_]+): (.*)$/.exec(lines[i]);
    if (m && (CODES as string[]).includes(m[1])) return { code: m[1] as FlasherCode, message: m[2] };
  }
  const last = [...lines].reverse().find((l) => /^tinytrain (flash|train):/.test(l));
  return last ? { message: last.replace(/^tinytrain (flash|train): /, '') } : undefined;
}

/** What a user reads for a flash failure: the code in words plus what to do. */
export function explainFlashFailure(f: FlashFailure): string {
  const what: Partial<Record<FlasherCode, string>> = {
    NO_ANSWER: 'the board did not answer the bootloader sync. Put it in its ROM bootloader (BOOT0 high, then reset) and check the port and wiring',
    NACK: 'the bootloader refused a command (NACK); the flash may be read- or write-protected',
    VERIFY_MISMATCH: 'the read-back did not match the image (verify mismatch); the firmware was not started',
    PORT_BUSY: 'the port is in use by another program; close serial monitors (screen, minicom) first',
    PERMISSION_DENIED: 'permission denied on the port; add yourself to the dialout group (sudo usermod -aG dialout $USER) and log in again',
    PORT_NOT_FOUND: 'there is no serial port at that path; pick the port again (TinyTrain: Select Serial Port)',
  };
  const head = f.code && what[f.code] ? `${f.code}: ${what[f.code]}` : f.code ? `${f.code}` : 'flashing failed';
  return `${head}. ${f.message}`.trim();
}

/** `flash: write 40 % (…)` / `flash: erase 1/2` progress text (the CLI's stderr without --json, as in
 * a device training run's log) -> a phase and a percentage. Flash itself reads typed lines. */
export function flashProgress(line: string): { phase: string; percent?: number } | undefined {
  const m = /^flash: (connect|erase|write|verify|go)\b(?: (\d+) %)?/.exec(line.trim());
  if (!m) return undefined;
  return { phase: m[1], ...(m[2] !== undefined ? { percent: Number(m[2]) } : {}) };
}

/** Which phase of a device training run a CLI stderr line announces, if any. */
export function trainPhase(line: string): 'flash' | 'monitor' | undefined {
  const l = line.trim();
  if (/^flashing .* (over|with the external command)/.test(l) || /^flash: /.test(l)) return 'flash';
  if (/^streaming \d+ training samples/.test(l)) return 'monitor';
  return undefined;
}

/** `tinytrain build --json`'s line, typed and checked in protocol/run-stream.ts. */
export type BuildJson = BuildLine;
export const parseBuildJson = parseBuildLine;

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** The build's figures: a one-line summary (the notification) and the output channel lines. */
export function buildSummary(b: BuildJson): { message: string; lines: string[] } {
  const m = b.measured;
  const sizes = `text ${b.size.text} B, data ${b.size.data} B, bss ${b.size.bss} B`;
  const lines = [
    `firmware for ${b.board} (${b.target}): ${b.elf}`,
    `  ${sizes}; flash used ${kb(b.size.text + b.size.data)} of ${kb(b.budget.flashBytes)}`,
    `  plan's predicted peak SRAM ${b.plan.peakSramBytes} B (${kb(b.plan.peakSramBytes)}) = arena ${b.plan.arenaBytes} + SRAM weight copies ${b.plan.sramCopyBytes}`,
  ];
  let message: string;
  if (m) {
    const sign = m.differenceBytes >= 0 ? '+' : '';
    lines.push(`  measured SRAM ${m.measuredSramBytes} B (${kb(m.measuredSramBytes)}) = data ${m.dataBytes} + bss ${m.bssBytes} + stack high-water ${m.stackHighWaterBytes} (after ${m.steps} steps in QEMU ${m.qemuMachine}), of ${kb(b.budget.ramBytes)}`);
    lines.push(`  measured - predicted = ${sign}${m.differenceBytes} B (${m.differencePercent} % of measured); ${m.instructionsPerStep} instructions per training step`);
    message = `Firmware for ${b.board}: ${sizes}. Measured SRAM ${kb(m.measuredSramBytes)} (data + bss + stack high-water) vs predicted peak ${kb(b.plan.peakSramBytes)} (${sign}${m.differencePercent} %).`;
  } else {
    lines.push(`  measured SRAM: ${b.measurementSkipped ?? 'not measured'}`);
    message = `Firmware for ${b.board}: ${sizes}. Predicted peak SRAM ${kb(b.plan.peakSramBytes)}; not measured (${b.measurementSkipped ?? 'no emulator'}).`;
  }
  return { message, lines };
}

/** Where a device run's CSV goes: <config dir>/.tinytrain/<model>/runs/ (where the CLI writes its
 * own), named after the run so the editor's runs are told apart. */
export function deviceCsvPath(configPath: string, modelName: string, when: Date): string {
  const dir = configPath.replace(/[^/\\]*$/, '');
  return `${dir}.tinytrain/${pathSegment(modelName)}/runs/device-${when.toISOString().replace(/[:]/g, '-').replace(/\..*$/, 'Z')}.csv`;
}
