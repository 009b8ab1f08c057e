// PROFILE telemetry: a frame decodes to what was encoded (u64 counts past 2^32); a payload cut
// inside a count is malformed; a profile split over frames joins back in schedule order (a
// missing chunk is an error, not a silent zero).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePayload, encodePayload, MsgType, type ProfileMsg } from '../../../device/telemetry/index.js';
import { joinProfileFrames } from '../../../devicerun/profile.js';

test('PROFILE round-trips through its payload (u64 counts beyond 2^32)', () => {
  const m: ProfileMsg = { type: 'profile', steps: 3, ops: 70, first: 64, counts: [0, 1, 2 ** 40 + 7, 123456789] };
  const { code, payload } = encodePayload(m);
  assert.equal(code, MsgType.PROFILE);
  assert.equal(payload.length, 8 + 8 * 4);
  assert.deepEqual(decodePayload(code, payload), m);
  assert.equal(decodePayload(code, payload.subarray(0, 12)), null, 'a payload cut inside a count is malformed');
});

test('frames join in op order; a missing op is reported', () => {
  const counts = Array.from({ length: 70 }, (_, i) => i * 10);
  const frames: ProfileMsg[] = [64, 0, 32].map((first) => ({ type: 'profile', steps: 2, ops: 70, first, counts: counts.slice(first, first + 32) }));
  assert.deepEqual(joinProfileFrames(frames), { counts, steps: 2 });
  assert.throws(() => joinProfileFrames(frames.slice(0, 2)), /miss op 32 of 70/);
  assert.throws(() => joinProfileFrames([]), /no PROFILE/);
});
