// Telemetry in readable lines (the serial monitor's decoded view) and the exact frame bytes (raw).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeMessage, encodeMessage, frameHex, TelemetryParser, type KnownMessage } from '../../../device/telemetry/index.js';

test('every message reads as one line with its figures', () => {
  const cases: [KnownMessage, RegExp][] = [
    [{ type: 'hello', version: 1, window: 1, maxSamplePayload: 786, modelHash: 0x1e9fbf23, arenaBytes: 19763, counterHz: 168_000_000, board: 'stm32f405' },
      /^HELLO v1 stm32f405: arena 19\.3 KB, samples up to 786 B, window 1, model 0x1e9fbf23, counter 168 MHz$/],
    [{ type: 'done', status: 0, steps: 5, stackHighWater: 412, stackSize: 2048, counter: 123 }, /^DONE ok: 5 steps, stack high-water 412 B of 2\.0 KB/],
    [{ type: 'nack', seq: 3, reason: 5 }, /^NACK sample 3: TIMEOUT$/],
    [{ type: 'ack', seq: 3, credits: 1 }, /^ACK sample 3, 1 credit$/],
    [{ type: 'step', step: 7, loss: 1.25, predicted: 2, label: 2, counter: 99 }, /^STEP 7: loss 1\.2500, predicted 2, label 2 \(right\)/],
    [{ type: 'eval', step: 5, correct: 3, total: 4, accuracy: 0.75, loss: 0.5 }, /^EVAL after step 5: 3\/4 right \(75\.0 %\)/],
    [{ type: 'log', level: 2, text: 'no sample' }, /^LOG warn: no sample$/],
  ];
  for (const [m, re] of cases) assert.match(describeMessage(m), re);
});

test('the raw view is the frame exactly as it came over the wire', () => {
  const wire = encodeMessage({ type: 'step', step: 1, loss: 2, predicted: 0, label: 1, counter: 5 }, 9);
  const p = new TelemetryParser({ keepFrames: true });
  const [e] = p.push(wire);
  assert.ok(e.kind === 'message' && e.frame);
  if (e.kind === 'message' && e.frame) assert.equal(frameHex(e.frame), Array.from(wire, (b) => b.toString(16).padStart(2, '0')).join(' '));
  // Without keepFrames the events are as before.
  const [plain] = new TelemetryParser().push(wire);
  assert.equal('frame' in plain, false);
});
