// The plan view's YAML edits: a click cycles a conv frozen -> bias -> weights 1/8 -> 1/4 -> 1/2
// -> 1 -> frozen, and the edits touch only the `biases:` value and single `weights` entry lines,
// so every comment and every other character of the user's text stays as it was.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../compiler/analyze.js';
import { applyEdits, convState, cycleEdits, minimalEdit, nextState, PlanEditError } from '../../../client/plan-edit.js';

const MNIST = readFileSync(join(__dirname, 'fixtures', 'mnist-transfer.tinytrain.yaml'), 'utf8');
const MCUNET = readFileSync(join(__dirname, 'fixtures', 'mcunet-99kb.tinytrain.yaml'), 'utf8');

function convs(text: string): number {
  return analyze(text).model!.convs;
}

/** The analysis' view of one conv: what the plan view shows. */
function shown(text: string, conv: number): string {
  const a = analyze(text);
  const errors = a.problems.filter((p) => p.severity === 'error' && !p.code.startsWith('budget-'));
  assert.equal(errors.length, 0, errors.map((p) => p.message).join('\n'));
  const r = a.layers.find((l) => l.index === conv)!;
  return r.update === 'weights' ? `weights ${r.ratio}` : r.update;
}

/** Lines of `after` not in `before` and vice versa (a multiset diff). */
function lineDiff(before: string, after: string): { added: string[]; removed: string[] } {
  const count = (t: string) => t.split('\n').reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
  const b = count(before);
  const a = count(after);
  const added: string[] = [];
  const removed: string[] = [];
  for (const [l, n] of a) for (let i = n - (b.get(l) ?? 0); i > 0; i--) added.push(l);
  for (const [l, n] of b) for (let i = n - (a.get(l) ?? 0); i > 0; i--) removed.push(l);
  return { added, removed };
}

describe('cycle order', () => {
  test('frozen, bias, weights 1/8, 1/4, 1/2, 1, frozen', () => {
    const seen: string[] = [];
    let s = nextState({ mode: 'frozen' });
    for (let i = 0; i < 6; i++) {
      seen.push(s.mode === 'weights' ? `weights ${s.ratioText}` : s.mode);
      s = nextState(s);
    }
    assert.deepEqual(seen, ['bias', 'weights 1/8', 'weights 1/4', 'weights 1/2', 'weights 1', 'frozen']);
  });
  test('an unusual ratio moves to the next larger step', () => {
    assert.deepEqual(nextState({ mode: 'weights', ratio: 0.3 }), { mode: 'weights', ratio: 0.5, ratioText: '1/2' });
    assert.deepEqual(nextState({ mode: 'weights', ratio: 1 }), { mode: 'frozen' });
  });

  test('six clicks on a frozen conv walk the whole cycle in the analysis and return the text exactly', () => {
    const n = convs(MNIST);
    const conv = 8; // frozen: biases 6 covers convs 9..14
    let text = MNIST;
    const walk: string[] = [shown(text, conv)];
    for (let i = 0; i < 6; i++) {
      text = applyEdits(text, cycleEdits(text, conv, n).edits);
      walk.push(shown(text, conv));
    }
    assert.deepEqual(walk, ['frozen', 'bias', 'weights 0.125', 'weights 0.25', 'weights 0.5', 'weights 1', 'frozen']);
    assert.equal(text, MNIST);
  });

  test('every conv of MCUNet can be cycled; the analysis agrees with each step', () => {
    const n = convs(MCUNET);
    for (const conv of [5, 19, 20, 21, 36, 41]) {
      let text = MCUNET;
      for (let i = 0; i < 6; i++) {
        const r = cycleEdits(text, conv, n);
        assert.equal(r.from.mode, convState(text, conv, n).mode);
        text = applyEdits(text, r.edits);
        const s = shown(text, conv);
        assert.equal(s, r.to.mode === 'weights' ? `weights ${r.to.ratio}` : r.to.mode, `conv ${conv} step ${i}`);
      }
    }
  });
});

describe('edits keep comments and formatting', () => {
  test('bias: only the biases value changes', () => {
    const r = cycleEdits(MNIST, 8, convs(MNIST));
    assert.deepEqual(r.edits.length, 1);
    const after = applyEdits(MNIST, r.edits);
    assert.deepEqual(lineDiff(MNIST, after), {
      added: ['    biases: 7                   # the last two blocks train their biases'],
      removed: ['    biases: 6                   # the last two blocks train their biases'],
    });
  });

  test('weights 1/8: one new entry line, placed in the map order, indented like its neighbours', () => {
    // MCUNet's weights map is ascending: a new entry goes between 30 and 36.
    const n = convs(MCUNET);
    const r = cycleEdits(MCUNET, 33, n);
    const after = applyEdits(MCUNET, r.edits);
    assert.deepEqual(lineDiff(MCUNET, after), { added: ['      33: 1/8'], removed: [] });
    assert.match(after, /      30: 1\n      33: 1\/8\n      36: 1\/8\n/);
    // MNIST's map is written 12 then 9 (descending): 13 goes first, 10 between them.
    const m = convs(MNIST);
    assert.match(applyEdits(MNIST, cycleEdits(MNIST, 13, m).edits), /weights:\n      13: 1\/8\n      12: 1 /);
    assert.match(applyEdits(MNIST, cycleEdits(MNIST, 10, m).edits), /      12: 1 .*\n      10: 1\/8\n      9: 1\/2 /);
  });

  test('ratio steps replace only the value, the trailing comment stays', () => {
    const r = cycleEdits(MNIST, 9, convs(MNIST)); // 1/2 -> 1
    assert.deepEqual(lineDiff(MNIST, applyEdits(MNIST, r.edits)), {
      added: ['      9: 1                    # L4.pw1, half of its input channels'],
      removed: ['      9: 1/2                    # L4.pw1, half of its input channels'],
    });
  });

  test('freezing a conv inside the bias range lowers biases and removes the entries it no longer allows', () => {
    const n = convs(MNIST);
    // conv 12 is at weights 1: the next click freezes it, so biases becomes 14 - 12 = 2 and the
    // entries of convs 12 and 9 go (weights train only where biases do).
    const r = cycleEdits(MNIST, 12, n);
    const after = applyEdits(MNIST, r.edits);
    const d = lineDiff(MNIST, after);
    assert.deepEqual(d.added.sort(), ['    biases: 2                   # the last two blocks train their biases', '    weights: {}'].sort());
    assert.equal(d.removed.length, 4);
    assert.equal(analyze(after).problems.filter((p) => p.severity === 'error').length, 0);
    // Every comment line of the original is still there.
    for (const line of MNIST.split('\n').filter((l) => /^\s*#/.test(l))) assert.ok(after.includes(line), line);
  });

  test('an empty weights map gets a block entry; a flow map stays a flow map', () => {
    const n = convs(MNIST);
    const empty = MNIST.replace(/    weights:\n.*\n.*\n/, '    weights: {}   # none yet\n');
    const a = applyEdits(empty, cycleEdits(empty, 14, n).edits);
    assert.match(a, /    weights:   # none yet\n      14: 1\/8\ndata:/);
    assert.equal(shown(a, 14), 'weights 0.125');
    const flow = MNIST.replace(/    weights:\n.*\n.*\n/, '    weights: { 12: 1 }   # flow\n');
    const f = applyEdits(flow, cycleEdits(flow, 14, n).edits);
    assert.match(f, /    weights: \{ 12: 1, 14: 1\/8 \}   # flow\n/);
    const f2 = applyEdits(f, cycleEdits(f, 12, n).edits); // 12 at 1 -> frozen: biases 2, entry 12 gone
    assert.match(f2, /    weights: \{ 14: 1\/8 \}   # flow\n/);
    const none = MNIST.replace(/    weights:\n.*\n.*\n/, '');
    const b = applyEdits(none, cycleEdits(none, 14, n).edits);
    assert.match(b, /    biases: 6 .*\n    weights:\n      14: 1\/8\ndata:/);
    assert.equal(shown(b, 14), 'weights 0.125');
  });

  test('CRLF text keeps its line breaks; undo is the reverse text edit', () => {
    const crlf = MNIST.replace(/\n/g, '\r\n');
    const n = convs(MNIST);
    const after = applyEdits(crlf, cycleEdits(crlf, 13, n).edits);
    assert.ok(!/[^\r]\n/.test(after));
    const e = minimalEdit(after, crlf);
    assert.equal(applyEdits(after, [e]), crlf);
  });

  test('refuses text with syntax errors and indices out of range', () => {
    const n = convs(MNIST);
    assert.throws(() => cycleEdits(MNIST.replace('lr: 0.05', 'lr: [0.05'), 3, n), PlanEditError);
    assert.throws(() => cycleEdits(MNIST, n, n), PlanEditError);
    assert.throws(() => cycleEdits(MNIST, -1, n), PlanEditError);
  });
});
