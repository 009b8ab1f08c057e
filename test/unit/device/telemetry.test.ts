// Telemetry framing: CRC, round trips, arbitrary chunking, and fuzz (random bytes, flips,
// dropped bytes): the parser never throws, drops and counts bad frames, passes text through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  crc16, encodeFrame, encodeMessage, decodePayload, MsgType, TelemetryParser, SampleSender, NackReason,
  type KnownMessage, type TelemetryEvent, type Message,
} from '../../../device/telemetry/index.js';

import { mulberry32 as rng } from '../../../compiler/random.js';

const enc = (s: string) => new TextEncoder().encode(s);
const cat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const messages = (ev: TelemetryEvent[]) => ev.flatMap((e) => (e.kind === 'message' ? [e.msg] : []));
const lines = (ev: TelemetryEvent[]) => ev.flatMap((e) => (e.kind === 'text' ? [e.line] : []));

const SAMPLES: KnownMessage[] = [
  { type: 'hello', version: 1, window: 1, maxSamplePayload: 1024, modelHash: 0xc0ffee01, arenaBytes: 16384, counterHz: 168_000_000, board: 'stm32f405' },
  { type: 'step', step: 7, loss: 0.5625, predicted: 3, label: 4, counter: 2 ** 40 + 5 },
  { type: 'eval', step: 9, correct: 3, total: 4, accuracy: 0.75, loss: 0.25 },
  { type: 'log', level: 2, text: 'héllo' },
  { type: 'done', status: 0, steps: 12, stackHighWater: 1480, stackSize: 180000, counter: 123456789 },
  { type: 'ack', seq: 5, credits: 1 },
  { type: 'nack', seq: 6, reason: NackReason.TIMEOUT },
  { type: 'sample', label: 7, flags: 1, input: Int8Array.from([-128, -1, 0, 1, 127]) },
];

test('CRC-16/CCITT-FALSE check value', () => {
  assert.equal(crc16(enc('123456789')), 0x29b1);
});

test('every message round-trips through frame and parser', () => {
  const p = new TelemetryParser();
  const ev = p.push(cat(SAMPLES.map((m, i) => encodeMessage(m, i))));
  assert.deepEqual(messages(ev), SAMPLES);
  assert.deepEqual(p.stats, { frames: SAMPLES.length, badFrames: 0, framesLost: 0, textLines: 0, bytes: p.stats.bytes });
});

test('byte-at-a-time and random chunking give the same events; text around frames is kept', () => {
  const stream = cat([enc('boot banner\r\nhalf a '), encodeMessage(SAMPLES[1], 0), enc('line\n'), encodeMessage(SAMPLES[2], 1), enc('tail\n')]);
  const whole = new TelemetryParser().push(stream);
  assert.deepEqual(lines(whole), ['boot banner', 'half a line', 'tail']);
  assert.deepEqual(messages(whole), [SAMPLES[1], SAMPLES[2]]);
  const r = rng(1);
  for (let trial = 0; trial < 50; trial++) {
    const p = new TelemetryParser();
    const ev: TelemetryEvent[] = [];
    for (let i = 0; i < stream.length;) {
      const n = 1 + Math.floor(r() * 9);
      ev.push(...p.push(stream.subarray(i, i + n)));
      i += n;
    }
    assert.deepEqual(ev, whole);
  }
});

test('a frame with a wrong CRC is dropped, counted, and the next one still arrives', () => {
  const a = encodeMessage(SAMPLES[1], 1);
  a[8] ^= 0x40;
  const p = new TelemetryParser();
  const ev = p.push(cat([encodeMessage(SAMPLES[5], 0), a, encodeMessage(SAMPLES[2], 2)]));
  assert.deepEqual(messages(ev), [SAMPLES[5], SAMPLES[2]]);
  assert.equal(p.stats.badFrames, 1);
  assert.equal(p.stats.framesLost, 1);
});

test('a corrupt length does not swallow the frames behind it', () => {
  const a = encodeMessage(SAMPLES[1], 0);
  a[5] = 0x0f; // len = 0x0f14: within MAX_PAYLOAD, so the parser must wait, then rescan
  const p = new TelemetryParser();
  const tail = [encodeMessage(SAMPLES[2], 1), encodeMessage(SAMPLES[5], 2)];
  const ev = [...p.push(cat([a, ...tail])), ...p.end()];
  assert.deepEqual(messages(ev), [SAMPLES[2], SAMPLES[5]]);
  assert.equal(p.stats.badFrames, 1);
});

test('malformed payload (short STEP with a good CRC) is dropped and counted', () => {
  const p = new TelemetryParser();
  const ev = p.push(cat([encodeFrame(MsgType.STEP, 0, new Uint8Array(3)), encodeMessage(SAMPLES[5], 1)]));
  assert.deepEqual(messages(ev), [SAMPLES[5]]);
  assert.equal(p.stats.badFrames, 1);
  assert.equal(p.stats.framesLost, 1);
  assert.equal(decodePayload(MsgType.STEP, new Uint8Array(3)), null);
});

test('pure random bytes: never throws, no frame invented', () => {
  const r = rng(7);
  const p = new TelemetryParser();
  let frames = 0;
  for (let k = 0; k < 200; k++) {
    const chunk = Uint8Array.from({ length: 1 + Math.floor(r() * 300) }, () => Math.floor(r() * 256));
    frames += messages(p.push(chunk)).length;
  }
  frames += messages(p.end()).length;
  assert.equal(frames, 0);
  assert.ok(p.stats.textLines > 0);
});

for (const seed of [11, 22, 33, 44, 55]) {
  test(`fuzz seed ${seed}: flipped, dropped and inserted bytes -> frames delivered + counted lost == sent`, () => {
    const r = rng(seed);
    const N = 2000;
    const sent: Message[] = [];
    const parts: Uint8Array[] = [];
    const intactText: string[] = [];
    let corruptedFrames = 0;
    for (let i = 0; i < N; i++) {
      const m: KnownMessage = { type: 'step', step: i, loss: Math.fround(1 / (i + 1)), predicted: i % 10, label: (i * 7) % 10, counter: i * 1000 };
      sent.push(m);
      let f = encodeMessage(m, i & 0xff);
      const last = i === N - 1; // a clean sentinel so the final gap is visible
      if (!last && r() < 0.15) {
        corruptedFrames++;
        const kind = r();
        f = f.slice();
        if (kind < 0.4) f[Math.floor(r() * f.length)] ^= 1 << Math.floor(r() * 8);
        else if (kind < 0.7) f = cat([f.subarray(0, Math.floor(r() * f.length)), f.subarray(Math.floor(r() * f.length) + 1)]).slice(0, f.length - 1);
        else { const at = Math.floor(r() * f.length); f = cat([f.subarray(0, at), Uint8Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256)), f.subarray(at)]); }
      }
      parts.push(f);
      if (!last && r() < 0.2) {
        const line = `text line ${i}`;
        if (r() < 0.1) parts.push(Uint8Array.from({ length: 1 + Math.floor(r() * 20) }, () => Math.floor(r() * 256)));
        else { intactText.push(line); parts.push(enc(`\n${line}\r\n`)); }
      }
    }
    const stream = cat(parts);
    const p = new TelemetryParser({ maxPayload: 256 });
    const ev: TelemetryEvent[] = [];
    for (let i = 0; i < stream.length;) {
      const n = 1 + Math.floor(r() * 64);
      ev.push(...p.push(stream.subarray(i, i + n)));
      i += n;
    }
    ev.push(...p.end());
    const got = messages(ev);
    // Every delivered frame is one that was sent, in order.
    let j = 0;
    for (const m of got) {
      while (j < sent.length && (sent[j] as { step: number }).step !== (m as { step: number }).step) j++;
      assert.ok(j < sent.length, 'delivered a frame that was never sent');
      assert.deepEqual(m, sent[j]);
      j++;
    }
    assert.equal(got.length + p.stats.framesLost, N, 'delivered + counted lost must equal sent');
    assert.ok(p.stats.framesLost >= 1 && p.stats.framesLost <= corruptedFrames);
    const out = new Set(lines(ev));
    for (const l of intactText) assert.ok(out.has(l), `text line lost: ${l}`);
    // eslint-disable-next-line no-console
    console.log(`seed ${seed}: sent ${N}, corrupted ${corruptedFrames}, delivered ${got.length}, lost ${p.stats.framesLost}, bad ${p.stats.badFrames}, text ${intactText.length}/${p.stats.textLines}`);
  });
}

test('SampleSender: window 1, ACK frees, NACK(TIMEOUT) resends, duplicate ACK ignored, TOO_LONG rejects', async () => {
  const wrote: Uint8Array[] = [];
  const s = new SampleSender((b) => wrote.push(b));
  s.enqueue({ label: 1, input: Int8Array.of(1) }, { label: 2, input: Int8Array.of(2) });
  assert.equal(wrote.length, 0, 'nothing before HELLO');
  s.onMessage(SAMPLES[0]);
  assert.equal(wrote.length, 1);
  s.onMessage({ type: 'nack', seq: 0, reason: NackReason.TIMEOUT });
  assert.equal(wrote.length, 2);
  assert.deepEqual(wrote[1], wrote[0]);
  s.onMessage({ type: 'ack', seq: 0, credits: 1 });
  s.onMessage({ type: 'ack', seq: 0, credits: 1 });
  assert.equal(wrote.length, 3);
  const ev = messages(new TelemetryParser().push(wrote[2]));
  assert.deepEqual(ev, [{ type: 'sample', label: 2, flags: 0, input: Int8Array.of(2) }]);
  s.onMessage({ type: 'ack', seq: 1, credits: 1 });
  await s.drained();
  assert.deepEqual(s.stats, { sent: 2, resent: 1, acked: 2, rejected: 0 });
  s.enqueue({ label: 3, input: new Int8Array(10) });
  const done = s.drained();
  s.onMessage({ type: 'nack', seq: 2, reason: NackReason.TOO_LONG });
  await assert.rejects(done, /rejected sample 2/);
});
