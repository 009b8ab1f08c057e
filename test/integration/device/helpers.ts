// Shared helpers for the device integration tests: tool checks (tests skip with a clear
// message when a tool is missing), fixture builds into temp dirs, a telemetry monitor on a
// serial port.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { TelemetryParser, type TelemetryEvent, type Message } from '../../../device/telemetry/index.js';

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

/** Open a port and parse telemetry until `until` says so (or timeout). */
export class Monitor {
  readonly parser = new TelemetryParser();
  readonly events: TelemetryEvent[] = [];
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];
  private constructor(readonly port: SerialPort) {
    port.on('data', (d: Buffer) => {
      this.events.push(...this.parser.push(d));
      this.waiters = this.waiters.filter((w) => (w.pred() ? (w.resolve(), false) : true));
    });
    port.on('error', () => {});
  }
  /** `earlier`: bytes already received elsewhere (FlashResult.afterGo), parsed first. */
  static async open(path: string, earlier?: Uint8Array): Promise<Monitor> {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    const m = new Monitor(port);
    if (earlier?.length) m.events.push(...m.parser.push(earlier));
    return m;
  }
  get messages(): Message[] { return messagesOf(this.events); }
  get lines(): string[] { return linesOf(this.events); }
  write(b: Uint8Array): void { this.port.write(Buffer.from(b)); }
  async waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (pred()) return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.lines)} and ${this.messages.map((m) => m.type).join(',')}`)), timeoutMs);
      this.waiters.push({ pred, resolve: () => { clearTimeout(t); resolve(); } });
    });
  }
  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.port.isOpen ? this.port.close(() => resolve()) : resolve()));
  }
}
