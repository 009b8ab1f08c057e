// The messages between the extension and its views: each side checks what it receives, and a
// malformed message is dropped and logged, never executed. Also the view models built from a
// real analysis pass the views' own checks (what the extension sends is what the views accept).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../compiler/analyze.js';
import {
  checkDashboardFromView, checkDashboardToView, checkPlanFromView, checkPlanToView, checkTimelineFromView, checkTimelineToView, receiver,
  type PlanFromView,
} from '../../../protocol/webview.js';
import { planModel, timelineModel } from '../../../client/view-models.js';
import { timelineBuffers } from '../../../server/plan-search-job.js';
import { countersPerStep, parseTrainLine } from '../../../client/training.js';
import { toCsv } from '../../../client/dashboard-model.js';

const MNIST = readFileSync(join(__dirname, 'fixtures', 'mnist-transfer.tinytrain.yaml'), 'utf8');

describe('messages from the plan view', () => {
  test('well-formed messages pass, typed', () => {
    assert.deepEqual(checkPlanFromView({ type: 'ready' }), { ok: true, message: { type: 'ready' } });
    assert.deepEqual(checkPlanFromView({ type: 'cycle', conv: 3, version: 7, clickId: 1 }), { ok: true, message: { type: 'cycle', conv: 3, version: 7, clickId: 1 } });
    assert.deepEqual(checkPlanFromView({ type: 'reveal', conv: 0 }), { ok: true, message: { type: 'reveal', conv: 0 } });
  });

  const malformed: [string, unknown][] = [
    ['null', null],
    ['a string', 'cycle'],
    ['an array', [{ type: 'cycle' }]],
    ['no type', { conv: 1, version: 1 }],
    ['an unknown type', { type: 'exec', command: 'rm -rf /' }],
    ['a prototype-ish type', { type: '__proto__' }],
    ['a fractional conv', { type: 'cycle', conv: 1.5, version: 1 }],
    ['a negative conv', { type: 'cycle', conv: -1, version: 1 }],
    ['a string conv', { type: 'cycle', conv: '3', version: 1 }],
    ['a huge conv', { type: 'cycle', conv: 1e12, version: 1 }],
    ['no version', { type: 'cycle', conv: 1 }],
    ['an extra field', { type: 'cycle', conv: 1, version: 1, edit: { text: 'x' } }],
    ['extra fields on ready', { type: 'ready', html: '<script>' }],
  ];
  for (const [what, msg] of malformed) {
    test(`refuses ${what}`, () => {
      const r = checkPlanFromView(msg);
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.reason.length > 0);
    });
  }

  test('a malformed message is dropped and logged, the handler never runs', () => {
    const handled: PlanFromView[] = [];
    const logged: string[] = [];
    const take = receiver(checkPlanFromView, (m) => handled.push(m), (l) => logged.push(l));
    assert.equal(take({ type: 'cycle', conv: 'all', version: 1 }), false);
    assert.equal(take({ type: 'delete', path: '/' }), false);
    assert.equal(take(undefined), false);
    assert.equal(handled.length, 0);
    assert.equal(logged.length, 3);
    assert.match(logged[0], /dropped a malformed message: cycle: conv must be a conv index/);
    assert.match(logged[1], /unknown message type/);
    assert.equal(take({ type: 'cycle', conv: 4, version: 2 }), true);
    assert.deepEqual(handled, [{ type: 'cycle', conv: 4, version: 2 }]);
  });

  test('a handler that throws is logged, not propagated', () => {
    const logged: string[] = [];
    const take = receiver(checkPlanFromView, () => { throw new Error('boom'); }, (l) => logged.push(l));
    assert.equal(take({ type: 'ready' }), true);
    assert.match(logged[0], /handling 'ready' failed: boom/);
  });
});

describe('messages from the timeline and the dashboard', () => {
  test('timeline: only ready', () => {
    assert.equal(checkTimelineFromView({ type: 'ready' }).ok, true);
    assert.equal(checkTimelineFromView({ type: 'cycle', conv: 1, version: 1 }).ok, false);
  });
  test('dashboard: controls and exports', () => {
    for (const type of ['ready', 'pause', 'resume', 'stop', 'exportCsv']) assert.equal(checkDashboardFromView({ type }).ok, true, type);
    assert.equal(checkDashboardFromView({ type: 'exportPng', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' }).ok, true);
    assert.equal(checkDashboardFromView({ type: 'exportPng', dataUrl: 'data:text/html;base64,PHNjcmlwdD4=' }).ok, false);
    assert.equal(checkDashboardFromView({ type: 'exportPng', dataUrl: 'data:image/png;base64,<script>' }).ok, false);
    assert.equal(checkDashboardFromView({ type: 'exportPng', dataUrl: `data:image/png;base64,${'A'.repeat(9 * 1024 * 1024)}` }).ok, false);
    assert.equal(checkDashboardFromView({ type: 'stop', now: true }).ok, false);
  });
});

describe('messages to the views', () => {
  test('the models built from a real analysis pass the views\' checks', () => {
    const a = analyze(MNIST, { timeline: true, compare: true });
    const plan = planModel(a, 'file:///w/transfer.tinytrain.yaml', 3);
    assert.equal(checkPlanToView({ type: 'plan', model: plan }).ok, true);
    assert.equal(plan.layers.length, 15);
    assert.equal(plan.biases, 6);
    const profile = { board: 'stm32f405', unit: 'instructions' as const, perStep: 7.6e6, steps: 2, measuredAt: '2026-12-02T03:00:00.000Z', current: true, layers: [{ layer: 4, share: 0.5 }, { layer: 3, share: 0.3 }], otherShare: 0.2 };
    assert.equal(checkPlanToView({ type: 'plan', model: planModel(a, 'file:///w/transfer.tinytrain.yaml', 3, profile) }).ok, true, 'with a step profile');
    assert.equal(checkPlanToView({ type: 'plan', model: { ...plan, profile: { ...profile, layers: [{ layer: 4, share: 7 }] } } }).ok, false, 'a share above 1');
    assert.equal(checkPlanToView({ type: 'plan', model: { ...plan, profile: { ...profile, unit: 'parsecs' } } }).ok, false, 'an unknown unit');
    const buffers = timelineBuffers(MNIST, 3)?.buffers;
    assert.ok(buffers && buffers.length > 0);
    const tl = timelineModel(a, 'file:///w/transfer.tinytrain.yaml', 3, buffers);
    assert.equal(checkTimelineToView({ type: 'timeline', model: tl }).ok, true);
    assert.ok(tl.plan && tl.fullUpdate && tl.noReorder);
    assert.equal(tl.plan.buffers?.length, buffers.length, 'buffers of the same text are kept');
    // The live buffers at the peak add up to the arena bytes live there (by kind, as the analysis says).
    const i = tl.plan.peakAt.index;
    const live = buffers.filter((b) => b.first <= i && i <= b.last).reduce((s, b) => s + b.bytes, 0);
    assert.equal(live, tl.plan.points[i].liveBytes);
  });

  test('malformed models are refused', () => {
    assert.equal(checkPlanToView({ type: 'plan', model: { uri: 'x' } }).ok, false);
    assert.equal(checkPlanToView({ type: 'plan', model: { uri: 'x', fileName: 'x', version: 1, partial: false, errors: [], biases: 0, layers: [{ index: 0 }] } }).ok, false);
    assert.equal(checkTimelineToView({ type: 'timeline', model: { uri: 'x', fileName: 'x', version: 1, partial: false, errors: [], plan: { points: 'many' } } }).ok, false);
    assert.equal(checkDashboardToView({ type: 'steps', runId: 1, points: [{ step: 1, loss: 'NaN', correct: true, t: 0 }] }).ok, false);
    assert.equal(checkDashboardToView({ type: 'status', runId: 1, status: { state: 'exploded' } }).ok, false);
    assert.equal(checkDashboardToView({ type: 'steps', runId: 1, points: [{ step: 1, loss: 0.5, correct: true, t: 3 }] }).ok, true);
  });
});

describe('training lines and export', () => {
  test('the CLI lines parse; anything else is ignored', () => {
    assert.deepEqual(parseTrainLine('{"step":3,"loss":0.25,"correct":true}'), { step: 3, loss: 0.25, correct: true });
    assert.deepEqual(parseTrainLine('{"done":true,"accuracy":0.71,"steps":300}'), { done: true, accuracy: 0.71, steps: 300 });
    assert.equal(parseTrainLine('pretraining in fp32...'), undefined);
    assert.equal(parseTrainLine('{"step":3,"loss":null}'), undefined);
    assert.equal(parseTrainLine('{broken'), undefined);
  });
  test('instructions per step: the median STEP counter of a device run CSV', () => {
    const csv = 'kind,step,loss,predicted,label,correct,counter,counter_ns,eval_correct,eval_total\n'
      + 'step,1,2.16,3,1,0,2085027,12410875,,\nstep,2,2.73,1,2,0,2088431,12431137,,\nstep,3,2.1,1,1,1,2090000,12440000,,\n'
      + 'eval,3,0.89,,,,,,318,500\ndone,3,,,,,209020761,,,\n';
    assert.equal(countersPerStep(csv), 2088431);
    assert.equal(countersPerStep('kind,step\n'), undefined);
    assert.equal(countersPerStep(''), undefined);
  });
  test('CSV has one row per step', () => {
    const csv = toCsv({ info: { id: 1, config: 'x', fileName: 'x', source: 'host', startedAt: 0 }, points: [{ step: 1, loss: 2, correct: false, t: 5 }, { step: 2, loss: 1.5, correct: true, t: 9 }], evals: [], status: { state: 'done', accuracy: 0.5 }, logs: [] });
    assert.equal(csv, 'step,loss,correct,t_ms,heldout_accuracy\n1,2,0,5,\n2,1.5,1,9,\n# held-out accuracy at the end: 0.5\n');
  });
});
