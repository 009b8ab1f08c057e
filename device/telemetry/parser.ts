// Streaming telemetry parser: bytes in (any chunking), messages and text lines out.
// Never throws on input. Bad frames (CRC, length, malformed payload) are dropped and counted,
// frames lost entirely (sync hit by noise) are counted from gaps in the sequence numbers,
// and everything that is not a frame is passed through as text lines.
import { SYNC0, SYNC1, HEADER_BYTES, FRAME_OVERHEAD, MAX_PAYLOAD, MsgType, crc16, decodePayload, type Message, type Frame } from './protocol.js';

export type TelemetryEvent =
  | { kind: 'message'; seq: number; msg: Message; /** With `keepFrames`: the verified frame (a monitor's raw view). */ frame?: Frame }
  | { kind: 'text'; line: string };

export interface ParserStats {
  /** Frames received intact. */
  frames: number;
  /** Frames seen but rejected: bad CRC, impossible length, malformed payload. */
  badFrames: number;
  /** Frames missing from the sequence numbers (each rejected frame also shows up here). */
  framesLost: number;
  /** Text lines passed through. */
  textLines: number;
  /** Bytes given to the parser. */
  bytes: number;
}

export interface ParserOptions {
  /** Largest payload accepted (default MAX_PAYLOAD). Smaller = faster resync after a corrupt length. */
  maxPayload?: number;
  /** A text line longer than this is emitted without waiting for its newline. */
  maxLine?: number;
  /** Keep each message's frame in its event (the serial monitor shows it raw on request). */
  keepFrames?: boolean;
}

export class TelemetryParser {
  readonly stats: ParserStats = { frames: 0, badFrames: 0, framesLost: 0, textLines: 0, bytes: 0 };
  private buf = new Uint8Array(0);
  private text: number[] = [];
  private lastSeq: number | undefined;
  private readonly maxPayload: number;
  private readonly maxLine: number;
  private readonly keepFrames: boolean;

  constructor(opts: ParserOptions = {}) {
    this.keepFrames = opts.keepFrames ?? false;
    this.maxPayload = Math.min(opts.maxPayload ?? MAX_PAYLOAD, MAX_PAYLOAD);
    this.maxLine = opts.maxLine ?? 4096;
  }

  /** Feed bytes; returns the events they complete. */
  push(chunk: Uint8Array): TelemetryEvent[] {
    this.stats.bytes += chunk.length;
    const out: TelemetryEvent[] = [];
    const b = new Uint8Array(this.buf.length + chunk.length);
    b.set(this.buf, 0);
    b.set(chunk, this.buf.length);
    let i = 0;
    while (i < b.length) {
      const z = b.indexOf(SYNC0, i);
      if (z < 0) { this.addText(b, i, b.length, out); i = b.length; break; }
      this.addText(b, i, z, out);
      i = z;
      if (i + 1 >= b.length) break; // need the second sync byte
      if (b[i + 1] !== SYNC1) { i += 1; continue; } // a lone 0x00: noise, dropped
      if (i + HEADER_BYTES > b.length) break;
      const len = b[i + 4] | (b[i + 5] << 8);
      if (len > this.maxPayload) { this.stats.badFrames++; i += 2; continue; }
      if (i + FRAME_OVERHEAD + len > b.length) break;
      const end = i + HEADER_BYTES + len;
      const crc = b[end] | (b[end + 1] << 8);
      if (crc !== crc16(b, 0xffff, i + 2, end)) { this.stats.badFrames++; i += 2; continue; }
      const frame: Frame = { code: b[i + 2], seq: b[i + 3], payload: b.slice(i + HEADER_BYTES, end) };
      this.accept(frame, out);
      i = end + 2;
    }
    this.buf = b.slice(i);
    return out;
  }

  /** End of stream (or a long silence): resolve a pending partial frame as bad, flush text. */
  end(): TelemetryEvent[] {
    const out: TelemetryEvent[] = [];
    if (this.buf.length >= 2 && this.buf[0] === SYNC0 && this.buf[1] === SYNC1) {
      this.stats.badFrames++;
      const rest = this.buf.slice(2);
      this.buf = new Uint8Array(0);
      out.push(...this.push(rest));
      this.stats.bytes -= rest.length;
      out.push(...this.end());
      return out;
    }
    this.buf = new Uint8Array(0);
    if (this.text.length) this.emitLine(out);
    return out;
  }

  /** Forget the sequence history (e.g. after a re-flash). */
  resetSequence(): void { this.lastSeq = undefined; }

  private accept(frame: Frame, out: TelemetryEvent[]): void {
    const msg = decodePayload(frame.code, frame.payload);
    if (frame.code === MsgType.HELLO) this.lastSeq = undefined; // a (re)boot restarts numbering
    if (this.lastSeq !== undefined) this.stats.framesLost += (frame.seq - this.lastSeq - 1) & 0xff;
    this.lastSeq = frame.seq;
    if (!msg) { this.stats.badFrames++; this.stats.framesLost++; return; }
    this.stats.frames++;
    out.push(this.keepFrames ? { kind: 'message', seq: frame.seq, msg, frame } : { kind: 'message', seq: frame.seq, msg });
  }

  private addText(b: Uint8Array, start: number, end: number, out: TelemetryEvent[]): void {
    for (let k = start; k < end; k++) {
      const c = b[k];
      if (c === 0x0a) this.emitLine(out);
      else {
        this.text.push(c);
        if (this.text.length >= this.maxLine) this.emitLine(out);
      }
    }
  }

  private emitLine(out: TelemetryEvent[]): void {
    let t = this.text;
    if (t.length && t[t.length - 1] === 0x0d) t = t.slice(0, -1);
    this.text = [];
    this.stats.textLines++;
    out.push({ kind: 'text', line: new TextDecoder().decode(Uint8Array.from(t)) });
  }
}
