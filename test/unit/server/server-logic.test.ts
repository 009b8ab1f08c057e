// The language server's pure parts, without a connection: where a position is in the YAML
// structure (completion and key hovers depend on it on half-typed text), the syntax-error
// recovery of an analysis job, and the inlay-hint labels.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { blankLines, runJob } from '../../../server/analysis-job.js';
import { layerHintLabel } from '../../../server/inlay-hints.js';
import { rowsOfLayer } from '../../../server/format.js';
import { contextAt, keyPathAt } from '../../../server/yaml-path.js';
import { example } from '../../helpers/examples.js';

/** contextAt at the `|` of a marked text. */
function ctx(marked: string) {
  const i = marked.indexOf('|');
  const text = marked.slice(0, i) + marked.slice(i + 1);
  const before = text.slice(0, i).split('\n');
  return contextAt(text.split('\n'), before.length - 1, before[before.length - 1].length);
}

describe('contextAt', () => {
  test('block keys, list items and flow maps', () => {
    assert.deepEqual(ctx('|').path, []);
    assert.deepEqual(ctx('model:\n  na|').path, ['model']);
    assert.equal(ctx('model:\n  na|').prefix, 'na');
    assert.deepEqual(ctx('model:\n  layers:\n    - conv: {}\n    - |').path, ['model', 'layers', 1]);
    assert.deepEqual(ctx('model:\n  layers:\n    - conv: { out: 3, k| }').path, ['model', 'layers', 0, 'conv']);
    assert.deepEqual(ctx('model:\n  layers:\n    - mbconv:\n        out: 3\n        |').path, ['model', 'layers', 0, 'mbconv']);
    assert.deepEqual(ctx('train:  # c\n  update:\n    weights:\n      21: 1\n      |').path, ['train', 'update', 'weights']);
  });

  test('values, siblings and comments', () => {
    const v = ctx('target:\n  board: st|');
    assert.equal(v.atKey, false);
    assert.equal(v.valueKey, 'board');
    assert.deepEqual(ctx('model:\n  name: x\n  |\n  classes: 3').siblings.sort(), ['classes', 'name']);
    assert.deepEqual(ctx('model:\n  layers:\n    - conv: { out: 3, | , stride: 2 }').siblings.sort(), ['out', 'stride']);
    assert.deepEqual(ctx('model: # a: b\n  |').path, ['model']);
  });

  test('keyPathAt finds block and flow keys, not values', () => {
    const lines = ['model:', '  layers:', '    - conv: { out: 16, kernel: 3 }'];
    assert.deepEqual(keyPathAt(lines, 2, 7)?.path, ['model', 'layers', 0, 'conv']);
    assert.deepEqual(keyPathAt(lines, 2, 24)?.path, ['model', 'layers', 0, 'conv', 'kernel']);
    assert.equal(keyPathAt(lines, 2, 19), undefined);
    assert.deepEqual(keyPathAt(lines, 1, 3)?.path, ['model', 'layers']);
  });
});

describe('analysis job', () => {
  test('blankLines keeps every offset', () => {
    const t = 'a: 1\r\nbb: {\nc: 3';
    const b = blankLines(t, [1]);
    assert.equal(b.length, t.length);
    assert.equal(b, 'a: 1\r\n     \nc: 3');
  });

  test('a layer broken by indentation: the recovery view reads the layers above it', () => {
    const text = example('99kb').replace('    - mbconv: { out: 40,  kernel: 7', '      - mbconv: { out: 40,  kernel: 7');
    const r = runJob({ text, full: false });
    assert.ok(r.analysis.problems.some((p) => p.code === 'syntax'));
    assert.ok(r.view, 'a view is produced');
    assert.ok(r.view!.source.layers.length > r.analysis.source.layers.length);
    assert.ok(r.view!.layers.some((l) => l.layer === 6));
  });

  test('no view for a config without syntax errors', () => {
    assert.equal(runJob({ text: example('99kb'), full: false }).view, undefined);
  });
});

describe('inlay hint labels', () => {
  const a = runJob({ text: example('99kb'), full: false }).analysis;
  const whole = runJob({ text: example('99kb').replace('  qas: true', '  schedule: whole-tensors\n  qas: true'), full: false }).analysis;
  test('frozen, bias only and weights with a ratio', () => {
    assert.equal(layerHintLabel(a, rowsOfLayer(a, 0)), '64x64x16 · 1.8M MAC · frozen');
    // The compact schedule's peak is L10's backward (the last block's pooling gradient stays
    // pooled, so its own backward is smaller): layers 10 and 11 keep tensors live there, 12 and 13 not.
    assert.match(layerHintLabel(a, rowsOfLayer(a, 10)), /^8x8x48 · bias\+w · \+\d+(\.\d)? KB · peak$/);
    assert.match(layerHintLabel(a, rowsOfLayer(a, 11)), /^4x4x96 · bias\+w · \+\d+(\.\d)? KB · peak$/);
    assert.match(layerHintLabel(a, rowsOfLayer(a, 12)), /^4x4x96 · bias · \+\d+(\.\d)? KB$/);
    assert.match(layerHintLabel(a, rowsOfLayer(a, 13)), /^4x4x96 · bias\+w 1\/8 · \+\d+(\.\d)? KB$/);
    // The layer the peak is at gets the mark: with whole tensors it is the forward's L1, with
    // the compact schedule (streamed prefix, chunked backward) the backward of a later block.
    assert.match(layerHintLabel(whole, rowsOfLayer(whole, 1)), / · peak$/);
    assert.match(layerHintLabel(a, rowsOfLayer(a, a.plan!.peakAt.layer!)), / · peak$/);
  });
});
