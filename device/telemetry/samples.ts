// Host -> device SAMPLE stream with the device's flow control (docs/telemetry.md):
// at most `window` (from HELLO; 1 today) samples unacknowledged; ACK frees a slot; NACK
// (CRC, TIMEOUT) makes the expected sample go again; TOO_LONG / BAD_PAYLOAD reject it.
import { encodeMessage, NackReason, type Message } from './protocol.js';

export interface Sample { label: number; input: Int8Array; flags?: number }

export interface SampleSenderStats { sent: number; resent: number; acked: number; rejected: number }

export class SampleRejectedError extends Error {
  constructor(readonly index: number, readonly reason: number) {
    super(`device rejected sample ${index} (NACK reason ${reason})`);
    this.name = 'SampleRejectedError';
  }
}

interface Pending { index: number; seq: number; frame: Uint8Array; tries: number }

export class SampleSender {
  readonly stats: SampleSenderStats = { sent: 0, resent: 0, acked: 0, rejected: 0 };
  private queue: Sample[] = [];
  private queued = 0;
  private inFlight: Pending[] = [];
  private seq = 0;
  private window = 1;
  private ready = false;
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;

  /** `write` puts bytes on the link; `maxTries` bounds retransmissions of one sample. */
  constructor(private readonly write: (bytes: Uint8Array) => void, private readonly maxTries = 20) {}

  /** Queue samples; they go out as the device's window allows. */
  enqueue(...samples: Sample[]): void {
    this.queue.push(...samples);
    this.pump();
  }

  /** Feed every message decoded from the device (HELLO, ACK and NACK are used). */
  onMessage(msg: Message): void {
    switch (msg.type) {
      case 'hello':
        this.window = Math.max(1, msg.window);
        this.ready = true;
        this.pump();
        return;
      case 'ack': {
        const k = this.inFlight.findIndex((p) => p.seq === msg.seq);
        if (k < 0) return; // duplicate ACK
        this.inFlight.splice(k, 1);
        this.stats.acked++;
        this.pump();
        return;
      }
      case 'nack': {
        this.ready = true;
        if (msg.reason === NackReason.TOO_LONG || msg.reason === NackReason.BAD_PAYLOAD) {
          const k = this.inFlight.findIndex((p) => p.seq === msg.seq);
          if (k >= 0) {
            const [p] = this.inFlight.splice(k, 1);
            this.stats.rejected++;
            this.fail(new SampleRejectedError(p.index, msg.reason));
          }
          return;
        }
        // CRC or TIMEOUT: the device wants the oldest unacknowledged sample (again).
        const p = this.inFlight[0];
        if (p) {
          if (++p.tries > this.maxTries) return this.fail(new Error(`sample ${p.index} not acknowledged after ${this.maxTries} tries`));
          this.stats.resent++;
          this.write(p.frame);
        } else this.pump();
        return;
      }
      default:
    }
  }

  /** Resolves when every queued sample is acknowledged; rejects on a rejected sample. */
  drained(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.queue.length && !this.inFlight.length) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  get pending(): number { return this.queue.length + this.inFlight.length; }

  private pump(): void {
    while (this.ready && this.inFlight.length < this.window && this.queue.length) {
      const s = this.queue.shift()!;
      const seq = this.seq;
      this.seq = (this.seq + 1) & 0xff;
      const frame = encodeMessage({ type: 'sample', label: s.label, flags: s.flags ?? 0, input: s.input }, seq);
      this.inFlight.push({ index: this.queued++, seq, frame, tries: 1 });
      this.stats.sent++;
      this.write(frame);
    }
    if (!this.queue.length && !this.inFlight.length) {
      const w = this.waiters; this.waiters = [];
      for (const x of w) x.resolve();
    }
  }

  private fail(e: Error): void {
    this.failure = e;
    const w = this.waiters; this.waiters = [];
    for (const x of w) x.reject(e);
  }
}
