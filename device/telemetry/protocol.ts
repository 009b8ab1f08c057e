// TinyTrain telemetry wire format (docs/telemetry.md); the C side is runtime/telemetry/.
//   frame = 0x00 0xA5 | type u8 | seq u8 | len u16 LE | payload | crc u16 LE
//   crc   = CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over type, seq, len and payload.

export const SYNC0 = 0x00;
export const SYNC1 = 0xa5;
export const PROTOCOL_VERSION = 1;
export const HEADER_BYTES = 6;
export const FRAME_OVERHEAD = 8;
export const MAX_PAYLOAD = 4096;

export const MsgType = {
  HELLO: 0x01,
  DONE: 0x02,
  SAMPLE: 0x10,
  ACK: 0x11,
  NACK: 0x12,
  STEP: 0x20,
  EVAL: 0x21,
  PROFILE: 0x22,
  PREDICTION: 0x23,
  TRAINED: 0x24,
  LOG: 0x30,
} as const;

export const NackReason = { CRC: 1, TOO_LONG: 2, BAD_PAYLOAD: 3, UNEXPECTED: 4, TIMEOUT: 5 } as const;
export const SampleFlags = { EVAL: 0x01, LAST: 0x02 } as const;

export interface HelloMsg { type: 'hello'; version: number; window: number; maxSamplePayload: number; modelHash: number; arenaBytes: number; counterHz: number; board: string }
export interface DoneMsg { type: 'done'; status: number; steps: number; stackHighWater: number; stackSize: number; counter: number }
export interface SampleMsg { type: 'sample'; label: number; flags: number; input: Int8Array }
export interface AckMsg { type: 'ack'; seq: number; credits: number }
export interface NackMsg { type: 'nack'; seq: number; reason: number }
export interface StepMsg { type: 'step'; step: number; loss: number; predicted: number; label: number; counter: number }
export interface EvalMsg { type: 'eval'; step: number; correct: number; total: number; accuracy: number; loss: number }
/** The class predicted for one held-out sample, and its label. */
export interface PredictionMsg { type: 'prediction'; predicted: number; label: number }
/** Counter units per op of the training step summed over `steps` steps: counts[i] is op
 * first + i of `ops` (schedule order); a profile arrives as several of these. */
export interface ProfileMsg { type: 'profile'; steps: number; ops: number; first: number; counts: number[] }
/** One chunk of a trained tensor (tt_trained[index] of count): `data` holds its bytes from
 * `offset`; the tensor has `bytes` in all. kind 0: int8 weight slice, 1: int32 bias (LE). */
export interface TrainedMsg { type: 'trained'; index: number; count: number; conv: number; kind: number; bytes: number; offset: number; data: Uint8Array }
export interface LogMsg { type: 'log'; level: number; text: string }
export interface UnknownMsg { type: 'unknown'; code: number; payload: Uint8Array }
export type Message = HelloMsg | DoneMsg | SampleMsg | AckMsg | NackMsg | StepMsg | EvalMsg | ProfileMsg | PredictionMsg | TrainedMsg | LogMsg | UnknownMsg;
export type KnownMessage = Exclude<Message, UnknownMsg>;

/** One verified frame. */
export interface Frame { code: number; seq: number; payload: Uint8Array }

const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** CRC-16/CCITT-FALSE ("123456789" -> 0x29B1). */
export function crc16(data: Uint8Array, crc = 0xffff, start = 0, end = data.length): number {
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >> 8) ^ data[i]) & 0xff];
  return crc;
}

export function encodeFrame(code: number, seq: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`payload ${payload.length} > ${MAX_PAYLOAD} bytes`);
  const f = new Uint8Array(FRAME_OVERHEAD + payload.length);
  f[0] = SYNC0; f[1] = SYNC1; f[2] = code & 0xff; f[3] = seq & 0xff;
  f[4] = payload.length & 0xff; f[5] = payload.length >> 8;
  f.set(payload, HEADER_BYTES);
  const c = crc16(f, 0xffff, 2, HEADER_BYTES + payload.length);
  f[HEADER_BYTES + payload.length] = c & 0xff;
  f[HEADER_BYTES + payload.length + 1] = c >> 8;
  return f;
}

const u64 = (v: DataView, o: number) => Number(v.getBigUint64(o, true));

/** Payload -> message; null when the payload is too short for its type (malformed). */
export function decodePayload(code: number, p: Uint8Array): Message | null {
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const need = (n: number) => p.length >= n;
  switch (code) {
    case MsgType.HELLO:
      if (!need(16)) return null;
      return {
        type: 'hello', version: p[0], window: p[1], maxSamplePayload: v.getUint16(2, true), modelHash: v.getUint32(4, true),
        arenaBytes: v.getUint32(8, true), counterHz: v.getUint32(12, true), board: new TextDecoder().decode(p.subarray(16)),
      };
    case MsgType.DONE:
      if (!need(24)) return null;
      return { type: 'done', status: p[0], steps: v.getUint32(4, true), stackHighWater: v.getUint32(8, true), stackSize: v.getUint32(12, true), counter: u64(v, 16) };
    case MsgType.SAMPLE:
      if (!need(2)) return null;
      return { type: 'sample', label: p[0], flags: p[1], input: new Int8Array(p.slice(2).buffer) };
    case MsgType.ACK:
      if (!need(2)) return null;
      return { type: 'ack', seq: p[0], credits: p[1] };
    case MsgType.NACK:
      if (!need(2)) return null;
      return { type: 'nack', seq: p[0], reason: p[1] };
    case MsgType.STEP:
      if (!need(20)) return null;
      return { type: 'step', step: v.getUint32(0, true), loss: v.getFloat32(4, true), predicted: p[8], label: p[9], counter: u64(v, 12) };
    case MsgType.EVAL: {
      if (!need(16)) return null;
      const correct = v.getUint32(4, true), total = v.getUint32(8, true);
      return { type: 'eval', step: v.getUint32(0, true), correct, total, accuracy: total ? correct / total : 0, loss: v.getFloat32(12, true) };
    }
    case MsgType.PROFILE: {
      if (!need(8) || (p.length - 8) % 8 !== 0) return null;
      const counts = Array.from({ length: (p.length - 8) / 8 }, (_, i) => u64(v, 8 + 8 * i));
      return { type: 'profile', steps: v.getUint32(0, true), ops: v.getUint16(4, true), first: v.getUint16(6, true), counts };
    }
    case MsgType.PREDICTION:
      if (!need(2)) return null;
      return { type: 'prediction', predicted: p[0], label: p[1] };
    case MsgType.TRAINED: {
      if (!need(16)) return null;
      const bytes = v.getUint32(8, true), offset = v.getUint32(12, true);
      if (offset + p.length - 16 > bytes) return null; // a chunk past its tensor's end
      return { type: 'trained', index: v.getUint16(0, true), count: v.getUint16(2, true), conv: v.getInt16(4, true), kind: p[6], bytes, offset, data: p.slice(16) };
    }
    case MsgType.LOG:
      if (!need(1)) return null;
      return { type: 'log', level: p[0], text: new TextDecoder().decode(p.subarray(1)) };
    default:
      return { type: 'unknown', code, payload: p.slice() };
  }
}

/** Message -> (type code, payload). */
export function encodePayload(m: KnownMessage): { code: number; payload: Uint8Array } {
  const buf = (n: number) => { const p = new Uint8Array(n); return { p, v: new DataView(p.buffer) }; };
  switch (m.type) {
    case 'hello': {
      const name = new TextEncoder().encode(m.board);
      const { p, v } = buf(16 + name.length);
      p[0] = m.version; p[1] = m.window; v.setUint16(2, m.maxSamplePayload, true); v.setUint32(4, m.modelHash >>> 0, true);
      v.setUint32(8, m.arenaBytes, true); v.setUint32(12, m.counterHz, true); p.set(name, 16);
      return { code: MsgType.HELLO, payload: p };
    }
    case 'done': {
      const { p, v } = buf(24);
      p[0] = m.status; v.setUint32(4, m.steps, true); v.setUint32(8, m.stackHighWater, true); v.setUint32(12, m.stackSize, true);
      v.setBigUint64(16, BigInt(m.counter), true);
      return { code: MsgType.DONE, payload: p };
    }
    case 'sample': {
      const { p } = buf(2 + m.input.length);
      p[0] = m.label; p[1] = m.flags; p.set(new Uint8Array(m.input.buffer, m.input.byteOffset, m.input.length), 2);
      return { code: MsgType.SAMPLE, payload: p };
    }
    case 'ack': return { code: MsgType.ACK, payload: Uint8Array.of(m.seq, m.credits) };
    case 'nack': return { code: MsgType.NACK, payload: Uint8Array.of(m.seq, m.reason) };
    case 'step': {
      const { p, v } = buf(20);
      v.setUint32(0, m.step, true); v.setFloat32(4, m.loss, true); p[8] = m.predicted; p[9] = m.label; v.setBigUint64(12, BigInt(m.counter), true);
      return { code: MsgType.STEP, payload: p };
    }
    case 'eval': {
      const { p, v } = buf(16);
      v.setUint32(0, m.step, true); v.setUint32(4, m.correct, true); v.setUint32(8, m.total, true); v.setFloat32(12, m.loss, true);
      return { code: MsgType.EVAL, payload: p };
    }
    case 'profile': {
      const { p, v } = buf(8 + 8 * m.counts.length);
      v.setUint32(0, m.steps, true); v.setUint16(4, m.ops, true); v.setUint16(6, m.first, true);
      m.counts.forEach((c, i) => v.setBigUint64(8 + 8 * i, BigInt(c), true));
      return { code: MsgType.PROFILE, payload: p };
    }
    case 'prediction': return { code: MsgType.PREDICTION, payload: Uint8Array.of(m.predicted, m.label) };
    case 'trained': {
      const { p, v } = buf(16 + m.data.length);
      v.setUint16(0, m.index, true); v.setUint16(2, m.count, true); v.setInt16(4, m.conv, true); p[6] = m.kind;
      v.setUint32(8, m.bytes, true); v.setUint32(12, m.offset, true); p.set(m.data, 16);
      return { code: MsgType.TRAINED, payload: p };
    }
    case 'log': {
      const t = new TextEncoder().encode(m.text);
      const p = new Uint8Array(1 + t.length); p[0] = m.level; p.set(t, 1);
      return { code: MsgType.LOG, payload: p };
    }
  }
}

export function encodeMessage(m: KnownMessage, seq: number): Uint8Array {
  const { code, payload } = encodePayload(m);
  return encodeFrame(code, seq, payload);
}
