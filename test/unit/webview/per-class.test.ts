// The per-class held-out table (a small confusion table): the host trainer's done line, the
// device's PREDICTION frames and the run CSV rows they become, the dashboard status that carries
// it, and the dashboard's CSV export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confusionFromCsv, parseTrainLine } from '../../../client/training.js';
import { toCsv } from '../../../client/dashboard-model.js';
import { decodePayload, encodePayload, MsgType } from '../../../device/telemetry/index.js';
import { checkDashboardToView } from '../../../protocol/webview.js';

test('the host trainer\'s done line carries confusion[label][predicted]; a line without one still parses', () => {
  assert.deepEqual(parseTrainLine('{"done":true,"accuracy":0.75,"steps":10,"confusion":[[2,0],[1,1]]}'), { done: true, accuracy: 0.75, steps: 10, confusion: [[2, 0], [1, 1]] });
  assert.deepEqual(parseTrainLine('{"done":true,"accuracy":0.75,"steps":10,"confusion":[[2,0],[1]]}'), { done: true, accuracy: 0.75, steps: 10 }, 'a ragged table is dropped');
});

test('PREDICTION frames (0x22): predicted class and label of one held-out sample, both ways', () => {
  const { code, payload } = encodePayload({ type: 'prediction', predicted: 2, label: 1 });
  assert.equal(code, MsgType.PREDICTION);
  assert.deepEqual(Array.from(payload), [2, 1]);
  assert.deepEqual(decodePayload(code, payload), { type: 'prediction', predicted: 2, label: 1 });
  assert.equal(decodePayload(code, Uint8Array.of(2)), null, 'a short payload is not a message');
});

test('a device run CSV\'s prediction rows give the confusion table; other rows do not count', () => {
  const csv = [
    'kind,step,loss,predicted,label,correct,counter,counter_ns,eval_correct,eval_total',
    'step,1,0.9,1,0,0,100,100,,',
    'prediction,,,0,0,1,,,,', 'prediction,,,2,0,0,,,,', 'prediction,,,1,1,1,,,,', 'prediction,,,1,2,0,,,,', 'prediction,,,2,2,1,,,,',
    'prediction,,,7,2,0,,,,', // a class the model does not have: ignored
    'eval,1,0.5,,,,,,3,5', 'done,1,,,,,100,,,',
  ].join('\n');
  assert.deepEqual(confusionFromCsv(csv, 3), [[1, 0, 1], [0, 1, 0], [0, 1, 1]]);
  assert.equal(confusionFromCsv(csv.split('\n').filter((l) => !l.startsWith('prediction')).join('\n'), 3), undefined);
  assert.equal(confusionFromCsv('kind,step\n', 3), undefined);
});

test('the dashboard status accepts a square table of counts and class names; anything else is refused', () => {
  const ok = checkDashboardToView({ type: 'status', runId: 1, status: { state: 'done', accuracy: 0.5, confusion: [[1, 1], [0, 2]], classNames: ['walk', 'run'] } });
  assert.ok(ok.ok);
  for (const confusion of [[[1, 1], [0]], [[1, -1], [0, 2]], [[0.5, 1], [0, 2]], 'x']) {
    const r = checkDashboardToView({ type: 'status', runId: 1, status: { state: 'done', confusion } });
    assert.equal(r.ok, false, JSON.stringify(confusion));
  }
  assert.equal(checkDashboardToView({ type: 'status', runId: 1, status: { state: 'done', classNames: [1] } }).ok, false);
});

test('the dashboard CSV export ends with the per-class table', () => {
  const csv = toCsv({
    info: { id: 1, config: 'har.tinytrain.yaml', fileName: 'har.tinytrain.yaml', source: 'host', startedAt: 0 },
    points: [{ step: 1, loss: 1, correct: true, t: 5 }], evals: [], logs: [],
    status: { state: 'done', accuracy: 0.75, confusion: [[3, 1], [1, 3]], classNames: ['walking', 'running'] },
  });
  const lines = csv.trim().split('\n');
  assert.equal(lines[0], 'step,loss,correct,t_ms,heldout_accuracy');
  assert.deepEqual(lines.slice(-3), [
    '# held-out per class: true class,accuracy,predicted walking,predicted running',
    '# walking,0.75,3,1',
    '# running,0.75,1,3',
  ]);
});
