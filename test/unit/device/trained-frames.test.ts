// TRAINED telemetry (the trained tensors a device sends back at the end of a run): a frame
// decodes to what was encoded; a chunk claiming bytes past its tensor's end is malformed; a
// run's frames join into the TTP1 file a host run saves (read back by applyTrainedTensors'
// reader); a lost frame is a gap that is named, never a file with zeros in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePayload, describeMessage, encodePayload, MsgType, type TrainedMsg } from '../../../device/telemetry/index.js';
import { encodeTrainedTensors } from '../../../compiler/weights/files.js';
import { joinTrainedFrames } from '../../../devicerun/trained.js';

const CHUNK = 224; // TT_TM_TRAINED_CHUNK

/** The frames the firmware sends for these tensors (tt_tm_trained). */
function frames(tensors: { conv: number; kind: number; data: Uint8Array }[]): TrainedMsg[] {
  return tensors.flatMap((t, index) => {
    const out: TrainedMsg[] = [];
    let offset = 0;
    do {
      const data = t.data.slice(offset, offset + CHUNK);
      out.push({ type: 'trained', index, count: tensors.length, conv: t.conv, kind: t.kind, bytes: t.data.length, offset, data });
      offset += data.length;
    } while (offset < t.data.length);
    return out;
  });
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const TENSORS = [
  { conv: 7, kind: 0, data: bytes(500, 1) },
  { conv: 7, kind: 1, data: bytes(256, 2) },
  { conv: -1, kind: 0, data: bytes(192, 3) },
  { conv: -1, kind: 1, data: bytes(12, 4) },
];

test('TRAINED round-trips through its payload; a chunk past its tensor is malformed', () => {
  const m: TrainedMsg = { type: 'trained', index: 2, count: 4, conv: -1, kind: 0, bytes: 500, offset: 448, data: bytes(52, 9) };
  const { code, payload } = encodePayload(m);
  assert.equal(code, MsgType.TRAINED);
  assert.equal(payload.length, 16 + 52);
  assert.deepEqual(decodePayload(code, payload), m);
  assert.equal(decodePayload(code, payload.subarray(0, 15)), null);
  const past = encodePayload({ ...m, offset: 449 }).payload;
  assert.equal(decodePayload(code, past), null);
  assert.match(describeMessage(m), /^TRAINED tensor 3 of 4 \(classifier weights\): bytes 448-500 of 500$/);
});

test('a run\'s frames, in any order, join into the TTP1 file of its tensors; a lost frame is named', () => {
  const want = encodeTrainedTensors(0xfeed1234, TENSORS);
  const all = frames(TENSORS);
  assert.equal(all.length, 3 + 2 + 1 + 1);
  const r = joinTrainedFrames(0xfeed1234, [...all].reverse());
  assert.ok('bytes' in r);
  assert.deepEqual(r.bytes, want);
  assert.equal(want.toString('ascii', 0, 4), 'TTP1');
  assert.equal(want.readUInt32LE(8), 4);
  const lostMiddle = joinTrainedFrames(1, all.filter((_, i) => i !== 1));
  assert.deepEqual(lostMiddle, { missing: 'trained tensor 1 of 4 (conv 7) misses bytes from 224 of 500 (frames lost on the link)' });
  const lostTensor = joinTrainedFrames(1, all.filter((f) => f.index !== 3));
  assert.deepEqual(lostTensor, { missing: 'trained tensor 4 of 4 never arrived (frames lost on the link)' });
  assert.match(String((joinTrainedFrames(1, []) as { missing: string }).missing), /sent no trained tensors/);
});
