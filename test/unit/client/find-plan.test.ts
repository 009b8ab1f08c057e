// Find Best Update Plan's pure half: the budget as typed, the one edit writing a scheme into
// `train.update` (everything outside that block byte for byte unchanged), the progress lines of
// `tinytrain contrib`, and the Pareto front as the plan view gets it (validated by the protocol).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../compiler/config/parse.js';
import { buildNetwork } from '../../../compiler/ir/network.js';
import { findBestPlan, priorContributions } from '../../../compiler/search.js';
import { applyEdits } from '../../../client/plan-edit.js';
import { paretoModel, parseBudget, parseContribLine, updateBlockEdit, UpdateEditError, type Scheme } from '../../../client/find-plan-model.js';
import { analyze } from '../../../compiler/analyze.js';
import { planModel } from '../../../client/view-models.js';
import { checkPlanFromView, checkPlanToView, currentPoint } from '../../../protocol/webview.js';

const MNIST = readFileSync(new URL('../../../examples/mnist-transfer/transfer.tinytrain.yaml', import.meta.url), 'utf8');
const SCHEME: Scheme = { biases: 6, weights: [{ conv: 10, text: '1/4' }, { conv: 14, text: '1' }] };

function apply(text: string, s: Scheme = SCHEME): string {
  const e = updateBlockEdit(text, s);
  return e ? applyEdits(text, [e]) : text;
}

/** What the config language reads from the update block. */
function readUpdate(text: string) {
  const spec = parseConfig(text).spec!;
  return { biases: spec.train.update.biases, weights: spec.train.update.weights.map((w) => [w.conv, w.text]), classifier: spec.train.update.classifier };
}

describe('budget', () => {
  test('sizes with units and plain numbers of KB', () => {
    assert.deepEqual(parseBudget('64KB'), { kb: 64 });
    assert.deepEqual(parseBudget(' 64 kb '), { kb: 64 });
    assert.deepEqual(parseBudget('48'), { kb: 48 });
    assert.deepEqual(parseBudget('12.5'), { kb: 12.5 });
    assert.deepEqual(parseBudget('.5'), { kb: 0.5 });
    assert.deepEqual(parseBudget('1MB'), { kb: 1024 });
    assert.equal((parseBudget('0.1MB') as { kb: number }).kb.toFixed(2), '102.40');
    assert.deepEqual(parseBudget('2048B'), { kb: 2 });
    assert.deepEqual(parseBudget('64KiB'), { kb: 64 });
  });

  test('clear messages for what is not a budget', () => {
    const err = (s: string) => (parseBudget(s) as { error: string }).error;
    assert.match(err(''), /Type a budget/);
    assert.match(err('0'), /more than 0/);
    assert.match(err('0KB'), /more than 0/);
    assert.match(err('-5KB'), /more than 0/);
    assert.match(err('64GB'), /unknown unit.*KB or MB/);
    assert.match(err('lots'), /not a size.*64KB/);
    assert.match(err('2048MB'), /larger than any microcontroller/);
  });

  test('over the board SRAM is allowed with a warning', () => {
    const r = parseBudget('300KB', 192 * 1024);
    assert.equal((r as { kb: number }).kb, 300);
    assert.match((r as { warning: string }).warning, /more than the board's 192 KB/);
    assert.equal((parseBudget('100KB', 192 * 1024) as { warning?: string }).warning, undefined);
  });
});

describe('update block edit', () => {
  test('the MNIST example: only the update block changes, its key line and every other comment stay', () => {
    const e = updateBlockEdit(MNIST, SCHEME)!;
    const after = applyEdits(MNIST, [e]);
    assert.deepEqual(readUpdate(after), { biases: 6, weights: [[10, '1/4'], [14, '1']], classifier: true });
    const lines = MNIST.split('\n');
    const start = lines.findIndex((l) => /^\s+update:/.test(l));
    const end = lines.findIndex((l, i) => i > start && /^\S/.test(l));
    const out = after.split('\n');
    assert.deepEqual(out.slice(0, start + 1), lines.slice(0, start + 1));
    assert.deepEqual(out.slice(-(lines.length - end)), lines.slice(end));
    assert.deepEqual(out.slice(start + 1, out.length - (lines.length - end)), ['    biases: 6', '    weights:', '      10: 1/4', '      14: 1']);
    assert.equal(e.start, MNIST.indexOf('\n', MNIST.indexOf('  update:')) + 1);
    assert.ok(after.includes('# two passes over the 1000 training samples'));
    assert.ok(after.includes('data:\n  source: mnist'));
  });

  test('applying the same scheme again changes nothing', () => {
    const once = apply(MNIST);
    assert.equal(updateBlockEdit(once, SCHEME), undefined);
  });

  test('no weights: the weights key goes; other keys of update (classifier) are kept', () => {
    const text = 'model: {}\ntrain:\n  lr: 0.1\n  update:   # keep me\n    classifier: false   # no fc\n    biases: 3\n    weights:\n      2: 1/2\n  steps: 10\n';
    const after = apply(text, { biases: 2, weights: [] });
    assert.equal(after, 'model: {}\ntrain:\n  lr: 0.1\n  update:   # keep me\n    biases: 2\n    classifier: false\n  steps: 10\n');
  });

  test('update: written as a flow map becomes a block', () => {
    const after = apply('train:\n  update: { biases: 2, classifier: false }\n  lr: 0.1\n');
    assert.equal(after, 'train:\n  update:\n    biases: 6\n    weights:\n      10: 1/4\n      14: 1\n    classifier: false\n  lr: 0.1\n');
  });

  test('a missing update: is added at the end of train:, a missing train: at the end of the file', () => {
    assert.equal(apply('model:\n    name: x\ntrain:\n    lr: 0.1   # c\n\n# tail\ndata: {}\n', { biases: 1, weights: [] }),
      'model:\n    name: x\ntrain:\n    lr: 0.1   # c\n    update:\n        biases: 1\n\n# tail\ndata: {}\n');
    assert.equal(apply('model:\n  name: x\n', { biases: 1, weights: [{ conv: 0, text: '1/8' }] }),
      'model:\n  name: x\ntrain:\n  update:\n    biases: 1\n    weights:\n      0: 1/8\n');
    assert.equal(apply('model:\n  name: x', { biases: 1, weights: [] }), 'model:\n  name: x\ntrain:\n  update:\n    biases: 1\n');
    assert.equal(apply('train:\nmodel:\n  name: x\n', { biases: 1, weights: [] }), 'train:\n  update:\n    biases: 1\nmodel:\n  name: x\n');
    assert.equal(apply('train:\n  update:\nmodel: {}\n', { biases: 1, weights: [] }), 'train:\n  update:\n    biases: 1\nmodel: {}\n');
  });

  test('update at the end of a file without a final newline, and CRLF files', () => {
    assert.equal(apply('train:\n  update:\n    biases: 3', { biases: 1, weights: [] }), 'train:\n  update:\n    biases: 1\n');
    const crlf = 'train:\r\n  update:\r\n    biases: 3\r\n    weights:\r\n      2: 1\r\ndata: {}\r\n';
    assert.equal(apply(crlf, { biases: 2, weights: [{ conv: 1, text: '1/2' }] }), 'train:\r\n  update:\r\n    biases: 2\r\n    weights:\r\n      1: 1/2\r\ndata: {}\r\n');
  });

  test('comment lines inside the old block go, comments after it stay', () => {
    const text = 'train:\n  update:\n    # old plan\n    biases: 3\n    weights:\n      # none yet\n\n  # about steps\n  steps: 5\n';
    assert.equal(apply(text, { biases: 1, weights: [] }), 'train:\n  update:\n    biases: 1\n\n  # about steps\n  steps: 5\n');
  });

  test('YAML it cannot edit safely is refused', () => {
    assert.throws(() => updateBlockEdit('train: [1, 2\n', SCHEME), UpdateEditError);
    assert.throws(() => updateBlockEdit('train: { update: { biases: 1 } }\n', SCHEME), /not a block map/);
    assert.throws(() => updateBlockEdit('- a\n- b\n', SCHEME), /not a block YAML map/);
  });

  test('every Pareto point of the MNIST search applies to the example and reads back as itself', () => {
    const spec = parseConfig(MNIST).spec!;
    const net = buildNetwork(spec.model);
    const r = findBestPlan(net, priorContributions(net), { budgetKB: 20, sramBytes: spec.target.sramBytes, samples: 300, paretoLevels: [0.5], compareRandom: true });
    const m = paretoModel({ uri: 'file:///x.tinytrain.yaml', fileName: 'x.tinytrain.yaml', version: 3, budgetKB: 20, sramBytes: spec.target.sramBytes, source: r.source, samples: r.samples, seconds: r.seconds, best: r.best, random: r.random, pareto: r.pareto });
    assert.ok(m.points.length >= 2);
    assert.ok(m.chosen >= 0 && m.points[m.chosen].gain === r.best!.gain);
    for (const p of m.points) {
      const back = readUpdate(apply(MNIST, p));
      assert.deepEqual(back, { biases: p.biases, weights: p.weights.map((w) => [w.conv, w.text]), classifier: true });
      assert.ok(p.extraKB <= 20 + 1e-9);
    }
    // The view rings the point the config says: each applied point is found from the analysis.
    for (const i of [0, m.chosen, m.points.length - 1]) {
      const text = apply(MNIST, m.points[i]);
      assert.equal(m.points[currentPoint(m, planModel(analyze(text), 'file:///x', 1))], m.points[i]);
    }
    assert.equal(currentPoint(m, planModel(analyze(MNIST), 'file:///x', 1)), -1);
    // What the plan view is sent passes its validator; a broken one does not.
    assert.ok(checkPlanToView({ type: 'pareto', pareto: m }).ok);
    assert.ok(checkPlanToView({ type: 'pareto', pareto: null }).ok);
    assert.ok(!checkPlanToView({ type: 'pareto', pareto: { ...m, chosen: m.points.length } }).ok);
    assert.ok(!checkPlanToView({ type: 'pareto', pareto: { ...m, points: [{ extraKB: 'x' }] } }).ok);
    assert.ok(!checkPlanToView({ type: 'pareto', pareto: m, extra: 1 }).ok);
  });
});

describe('messages from the plan view', () => {
  test('applyPareto and dismissPareto are checked', () => {
    assert.deepEqual(checkPlanFromView({ type: 'applyPareto', index: 3 }), { ok: true, message: { type: 'applyPareto', index: 3 } });
    assert.deepEqual(checkPlanFromView({ type: 'dismissPareto' }), { ok: true, message: { type: 'dismissPareto' } });
    assert.ok(!checkPlanFromView({ type: 'applyPareto', index: -1 }).ok);
    assert.ok(!checkPlanFromView({ type: 'applyPareto', index: 1.5 }).ok);
    assert.ok(!checkPlanFromView({ type: 'applyPareto' }).ok);
    assert.ok(!checkPlanFromView({ type: 'dismissPareto', index: 1 }).ok);
  });
});

describe('tinytrain contrib progress', () => {
  test('progress lines and messages', () => {
    assert.deepEqual(parseContribLine('[######..................] 15/62 41s, 2m08s left  L4.pw1 weights 1/2 (24/72) #2'),
      { done: 15, total: 62, elapsed: '41s', eta: '2m08s', label: 'L4.pw1 weights 1/2 (24/72) #2' });
    assert.deepEqual(parseContribLine('[########################] 62/62 3m02s  biases 15 #2'), { done: 62, total: 62, elapsed: '3m02s', label: 'biases 15 #2' });
    assert.deepEqual(parseContribLine('pretrained fp32 weights: cached (/w/.tinytrain/x.ttf)'), { message: 'pretrained fp32 weights: cached (/w/.tinytrain/x.ttf)' });
  });
});
