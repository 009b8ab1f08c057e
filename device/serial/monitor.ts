// Telemetry over a serial port: open (8N1), parse frames and text, stream SAMPLEs with the
// device's flow control, close. One object owns the port (PlatformIO habit: the monitor is
// closed while flashing and reopened only after a successful flash).
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { TelemetryParser, type ParserOptions, type TelemetryEvent } from '../telemetry/parser.js';
import { SampleSender, type Sample } from '../telemetry/samples.js';
import type { Message } from '../telemetry/protocol.js';
import { portError } from '../an3155/flasher.js';

export interface MonitorOptions {
  path: string;
  baudRate?: number;
  /** Bytes already received elsewhere (FlashResult.afterGo): parsed before the port's own. */
  earlier?: Uint8Array;
  parser?: ParserOptions;
}

export interface MonitorEvents {
  message: [Message, number];
  text: [string];
  error: [Error];
  close: [];
}

export class TelemetryMonitor extends EventEmitter<MonitorEvents> {
  readonly parser: TelemetryParser;
  /** SAMPLE stream to the device; fed every decoded message automatically. */
  readonly samples: SampleSender;
  /** Everything received so far, in order. */
  readonly events: TelemetryEvent[] = [];
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];

  private constructor(private readonly port: SerialPort, opts: MonitorOptions) {
    super();
    this.parser = new TelemetryParser(opts.parser);
    this.samples = new SampleSender((b) => this.write(b));
    port.on('data', (d: Buffer) => this.take(this.parser.push(d)));
    port.on('error', (e: Error) => this.emit('error', e));
    port.on('close', () => this.emit('close'));
  }

  static async open(opts: MonitorOptions): Promise<TelemetryMonitor> {
    const port = new SerialPort({ path: opts.path, baudRate: opts.baudRate ?? 115200, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(portError(opts.path, e)) : resolve())));
    const m = new TelemetryMonitor(port, opts);
    if (opts.earlier?.length) queueMicrotask(() => m.take(m.parser.push(opts.earlier!)));
    return m;
  }

  get messages(): Message[] { return this.events.flatMap((e) => (e.kind === 'message' ? [e.msg] : [])); }
  get lines(): string[] { return this.events.flatMap((e) => (e.kind === 'text' ? [e.line] : [])); }

  /** Queue samples for the device (sent as its window allows, after its HELLO). */
  sendSamples(...s: Sample[]): void { this.samples.enqueue(...s); }

  write(bytes: Uint8Array): void {
    if (this.port.isOpen) this.port.write(Buffer.from(bytes));
  }

  /** Resolve once `pred()` holds (checked after each chunk), reject after timeoutMs. */
  waitFor(pred: () => boolean, timeoutMs: number, what = 'telemetry'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const w = { pred, resolve: () => { clearTimeout(t); resolve(); } };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got text ${JSON.stringify(this.lines.slice(-5))} and messages ${this.messages.map((m) => m.type).join(',')}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  async close(): Promise<void> {
    const rest = this.parser.end();
    if (rest.length) this.take(rest);
    await new Promise<void>((resolve) => (this.port.isOpen ? this.port.close(() => resolve()) : resolve()));
  }

  private take(ev: TelemetryEvent[]): void {
    for (const e of ev) {
      this.events.push(e);
      if (e.kind === 'message') {
        this.samples.onMessage(e.msg);
        this.emit('message', e.msg, e.seq);
      } else this.emit('text', e.line);
    }
    if (ev.length) this.waiters = this.waiters.filter((w) => (w.pred() ? (w.resolve(), false) : true));
  }
}
