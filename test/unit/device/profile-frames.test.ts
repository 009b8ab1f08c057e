// PROFILE telemetry: a frame decodes to what was encoded (u64 counts past 2^32); a payload cut
// inside a count is malformed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePayload, encodePayload, MsgType, type ProfileMsg } from '../../../device/telemetry/index.js';

test('PROFILE round-trips through its payload (u64 counts beyond 2^32)', () => {
  const m: ProfileMsg = { type: 'profile', steps: 3, ops: 70, first: 64, counts: [0, 1, 2 ** 40 + 7, 123456789] };
  const { code, payload } = encodePayload(m);
  assert.equal(code, MsgType.PROFILE);
  assert.equal(payload.length, 8 + 8 * 4);
  assert.deepEqual(decodePayload(code, payload), m);
  assert.equal(decodePayload(code, payload.subarray(0, 12)), null, 'a payload cut inside a count is malformed');
});
