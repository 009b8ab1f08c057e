// The run stream's validator: the lines the trainer and the device runs print, and what it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBuildLine, checkFlashedLine, checkProgressLine, checkRunLine, durationText, medianCounter, parseBuildLine, parseFlashedLine, parseProgressLine, parseRunLine } from '../../../protocol/run-stream.js';

test('step, device step (with counter), eval and done lines parse to their typed shapes', () => {
  assert.deepEqual(parseRunLine('{"step":1,"loss":2.302585,"correct":false}'), { step: 1, loss: 2.302585, correct: false });
  assert.deepEqual(parseRunLine('{"step":7,"loss":0.5,"correct":true,"counter":12873321}'), { step: 7, loss: 0.5, correct: true, counter: 12873321 });
  assert.deepEqual(parseRunLine('{"step":100,"accuracy":0.8}'), { eval: true, step: 100, accuracy: 0.8 });
  assert.deepEqual(parseRunLine('{"done":true,"accuracy":0.7133,"steps":300}'), { done: true, accuracy: 0.7133, steps: 300 });
});

test('anything else is refused with a reason', () => {
  for (const [o, why] of [
    [[1], /not a JSON object/], [{ step: -1, loss: 1, correct: true }, /step number/], [{ step: 2, loss: 'x', correct: true }, /loss/],
    [{ step: 2, loss: 1 }, /correct/], [{ step: 2, loss: 1, correct: true, counter: 1.5 }, /counter/], [{ done: true, steps: 3 }, /accuracy/], [{ step: 3 }, /neither/],
  ] as const) {
    const c = checkRunLine(o);
    assert.ok(!c.ok && why.test(c.reason), JSON.stringify(o));
  }
  assert.equal(parseRunLine('pretraining in fp32...'), undefined);
  assert.equal(parseRunLine('{broken'), undefined);
});

test('the counters per step are the median of the positive ones seen', () => {
  assert.equal(medianCounter([5, 1, 3]), 3);
  assert.equal(medianCounter([0, 0, 10, 20]), 20);
  assert.equal(medianCounter([]), undefined);
});

test('a contrib progress line and a build line parse; malformed ones do not', () => {
  const p = { progress: 'contrib', done: 3, total: 62, label: 'L4.pw1 weights 1/2 (24/72) #2', seconds: 12.5, etaSeconds: 65 };
  assert.deepEqual(parseProgressLine(JSON.stringify(p)), p);
  for (const bad of [{ ...p, done: 63 }, { ...p, progress: 'train' }, { ...p, label: 3 }, { ...p, etaSeconds: 'soon' }]) assert.equal(checkProgressLine(bad).ok, false, JSON.stringify(bad));
  assert.equal(parseProgressLine('[###.....] 3/62 12s  biases 1'), undefined, 'the terminal bar is not a line');
  const b = { board: 'stm32f405', target: 'stm32f405', elf: 'e', bin: 'b', size: { text: 1, data: 2, bss: 3 }, budget: { ramBytes: 10, flashBytes: 20 }, plan: { peakSramBytes: 4, arenaBytes: 3, sramCopyBytes: 1 }, measured: null, measurementSkipped: 'x' };
  assert.deepEqual(parseBuildLine(`building...\n${JSON.stringify(b)}\n`), b);
  assert.equal(parseBuildLine(JSON.stringify({ ...b, size: { text: 1 } })), undefined);
  assert.equal(checkBuildLine({ ...b, measured: { steps: 2 } }).ok, false);
  assert.deepEqual([durationText(41.2), durationText(128), durationText(3600)], ['41s', '2m08s', '60m00s']);
});

test('flash progress and flashed lines parse; a wrong phase or a missing summary does not', () => {
  const p = { progress: 'flash', phase: 'write', done: 4096, total: 42644 };
  assert.deepEqual(parseProgressLine(JSON.stringify(p)), p);
  assert.equal(checkProgressLine({ ...p, phase: 'burn' }).ok, false);
  const f = { flashed: true, summary: 'flashed 42644 bytes to /dev/ttyUSB0 (chip 0x413, sectors 0,1,2, verified, started) in 5123 ms', ms: 5123, verified: true, started: true };
  assert.deepEqual(parseFlashedLine(`${JSON.stringify(p)}\n${JSON.stringify(f)}\n`), f);
  assert.equal(checkFlashedLine({ flashed: true, ms: 3 }).ok, false);
  assert.equal(checkFlashedLine({ ...f, verified: 'yes' }).ok, false);
});
