// A folder of PNGs per class: classes sorted, images converted to the model's input, splits
// deterministic and disjoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { loadSplit } from '../../../datasets/split.js';
import { toInput } from '../../../datasets/image-folder.js';

function png(w: number, h: number, rgb: [number, number, number]): Buffer {
  const img = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) img.data.set([...rgb, 255], 4 * i);
  return PNG.sync.write(img);
}

test('a folder of class subfolders loads as labelled samples of the model input shape', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinytrain-data-'));
  const colors: Record<string, [number, number, number]> = { cat: [255, 0, 0], dog: [0, 0, 255] };
  for (const [cls, rgb] of Object.entries(colors)) {
    mkdirSync(join(dir, 'data', cls), { recursive: true });
    for (let i = 0; i < 6; i++) writeFileSync(join(dir, 'data', cls, `${i}.png`), png(10 + i, 12, rgb));
  }
  writeFileSync(join(dir, 'data', 'notes.txt'), 'not a class');
  const split = loadSplit({ source: 'data', train: 8, test: 4, seed: 1, shape: [8, 8, 3], baseDir: dir });
  assert.deepEqual(split.classes, ['cat', 'dog']);
  assert.equal(split.train.length, 8);
  assert.equal(split.test.length, 4);
  for (const s of [...split.train, ...split.test]) {
    assert.equal(s.pixels.length, 8 * 8 * 3);
    const red = s.pixels[0], blue = s.pixels[2];
    assert.equal(s.label === 0 ? red : blue, 1, 'the class colour survives resizing');
  }
  assert.deepEqual(loadSplit({ source: 'data', train: 8, test: 4, seed: 1, shape: [8, 8, 3], baseDir: dir }).train.map((s) => s.label), split.train.map((s) => s.label), 'deterministic');
  assert.throws(() => loadSplit({ source: 'missing', train: 1, test: 1, seed: 1, shape: [8, 8, 3], baseDir: dir }), /does not exist/);
});

test('gray conversion and bilinear resize', () => {
  const img = { width: 2, height: 1, data: Uint8Array.from([0, 0, 0, 255, 255, 255, 255, 255]) };
  const x = toInput(img, [1, 4, 1]);
  assert.deepEqual(Array.from(x).map((v) => +v.toFixed(2)), [0, 0.25, 0.75, 1]);
});

test('mnist needs 28x28x1', () => {
  assert.throws(() => loadSplit({ source: 'mnist', classes: [1], train: 1, test: 1, seed: 1, shape: [32, 32, 3], baseDir: '.' }), /28x28x1/);
});
