// The run stream's validator: the lines the trainer and the device runs print, and what it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRunLine, medianCounter, parseRunLine } from '../../../protocol/run-stream.js';

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
