// Shared helpers for the device integration tests: tool checks (tests skip with a clear
// message when a tool is missing), fixture builds into temp dirs, a telemetry monitor on a
// serial port.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TelemetryMonitor } from '../../../device/serial/monitor.js';
import type { TelemetryEvent, Message } from '../../../device/telemetry/index.js';

export const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'telemetry_demo.c');

/** A skip reason naming the missing tools, or false when all are on PATH. */
export function missingTools(...tools: string[]): string | false {
  const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
  return missing.length ? `skipped: ${missing.join(', ')} not installed (see scripts/ensure-system-deps.sh)` : false;
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const messagesOf = (ev: TelemetryEvent[]): Message[] => ev.flatMap((e) => (e.kind === 'message' ? [e.msg] : []));
export const linesOf = (ev: TelemetryEvent[]): string[] => ev.flatMap((e) => (e.kind === 'text' ? [e.line] : []));

/** The product's telemetry monitor, as the tests use it. */
export const Monitor = {
  open: (path: string, earlier?: Uint8Array) => TelemetryMonitor.open({ path, earlier }),
};
export type Monitor = TelemetryMonitor;
