// The time-series data source: CSV recordings per class, windows, scaling, the split by
// recording, and located problems for bad files. Small fixtures are written to a temp folder;
// one test reads the real accelerometer recordings in ../shared/data/st_har in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { channelStatistics, loadRecordings, parseRecording, RecordingError, recordingSplit, windowStarts, type RecordingProblem, type RecordingsRequest } from '../../../datasets/recordings.js';

const identity = <T>(a: T[]): T[] => a;

function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tt-rec-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A recording of n samples, x = base + t, y = 10 * base, z = -t. */
const rows = (n: number, base: number): string => Array.from({ length: n }, (_, t) => `${base + t}, ${10 * base}, ${-t}`).join('\n') + '\n';

function request(folder: string, over: Partial<RecordingsRequest> = {}): RecordingsRequest {
  return { folder, classes: ['a', 'b'], window: 4, channels: 3, hop: 2, scaling: { kind: 'fixed', scale: 1 }, recordings: [0, 1], holdout: 1 / 3, ...over };
}

function problemsOf(fn: () => unknown): RecordingProblem[] {
  try { fn(); } catch (err) { if (err instanceof RecordingError) return err.problems; throw err; }
  assert.fail('expected a RecordingError');
}

test('windows start every hop samples while a whole window fits', () => {
  assert.deepEqual(windowStarts(10, 4, 2), [0, 2, 4, 6]);
  assert.deepEqual(windowStarts(10, 4, 3), [0, 3, 6]);
  assert.deepEqual(windowStarts(4, 4, 1), [0]);
  assert.deepEqual(windowStarts(3, 4, 1), []);
  assert.deepEqual(windowStarts(1000, 52, 26).length, 37); // (1000 - 52) / 26 + 1 = 37.46 -> 37
});

test('a window holds T consecutive samples, time-major [T][C], scaled by the fixed divisor', () => {
  const dir = fixture({ 'a/r1.csv': rows(10, 0), 'a/r2.csv': rows(10, 100), 'b/r1.csv': rows(10, 200), 'b/r2.csv': rows(10, 300) });
  try {
    const s = recordingSplit(request(dir, { scaling: { kind: 'fixed', scale: 4 }, holdout: 0.5 }), 100, 100, identity);
    const w = s.train.find((x) => x.label === 0)!;
    // the first window of a/r1: t = 0..3 -> (t, 0, -t) / 4
    assert.deepEqual(Array.from(w.pixels, (v) => v + 0), [0, 0, 0, 0.25, 0, -0.25, 0.5, 0, -0.5, 0.75, 0, -0.75]);
    assert.equal(s.train.filter((x) => x.label === 0).length, 4); // r1 only: starts 0, 2, 4, 6
    assert.deepEqual(s.scale, [4, 4, 4]);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('train and test are split by recording: no recording, and so no window of one, is on both sides', () => {
  const files: Record<string, string> = {};
  for (let i = 1; i <= 9; i++) { files[`a/rec${i}.csv`] = rows(12, i * 100); files[`b/rec${i}.csv`] = rows(12, i * 1000); }
  const dir = fixture(files);
  try {
    const s = recordingSplit(request(dir), 1000, 1000, identity);
    const train = new Set(s.trainRecordings), test = new Set(s.testRecordings);
    assert.equal(train.size + test.size, 18);
    for (const f of test) assert.ok(!train.has(f), `${f} is on both sides`);
    // natural name order: rec7..rec9 are the held-out third of each class (not rec10-style string order)
    assert.deepEqual(s.testRecordings.map((f) => basename(f)), ['rec7.csv', 'rec8.csv', 'rec9.csv', 'rec7.csv', 'rec8.csv', 'rec9.csv']);
    // y = 10 * base identifies the recording a window was cut from
    const baseOf = (p: Float32Array): number => p[1] / 10;
    const trainBases = new Set(s.train.map((x) => baseOf(x.pixels))), testBases = new Set(s.test.map((x) => baseOf(x.pixels)));
    for (const b of testBases) assert.ok(!trainBases.has(b), `recording with base ${b} has windows on both sides`);
    assert.ok(testBases.size === 6 && trainBases.size === 12);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('recordings: [from, to) selects a part of each class by name order (a new-wearer group)', () => {
  const files: Record<string, string> = {};
  for (let i = 1; i <= 8; i++) { files[`a/r${i}.csv`] = rows(8, i); files[`b/r${i}.csv`] = rows(8, 50 + i); }
  const dir = fixture(files);
  try {
    const first = loadRecordings(request(dir, { recordings: [0, 0.5] }));
    const second = loadRecordings(request(dir, { recordings: [0.5, 1] }));
    const names = (x: { byClass: { file: string }[][] }): string[] => x.byClass.flat().map((r) => r.file);
    assert.deepEqual(names(first).map((f) => basename(f)), ['r1.csv', 'r2.csv', 'r3.csv', 'r4.csv', 'r1.csv', 'r2.csv', 'r3.csv', 'r4.csv']);
    for (const f of names(second)) assert.ok(!names(first).includes(f));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('standardize: per-channel mean and deviation come from the training recordings only', () => {
  // class a: train r1 (x around 0), test r2 (x around 1000: if the test recording leaked into the statistics the mean would move)
  const dir = fixture({ 'a/r1.csv': rows(10, 0), 'a/r2.csv': rows(10, 1000), 'b/r1.csv': rows(10, 20), 'b/r2.csv': rows(10, 5000) });
  try {
    const req = request(dir, { scaling: { kind: 'standardize' }, holdout: 0.5 });
    const s = recordingSplit(req, 100, 100, identity);
    const { train } = loadRecordings(req);
    const expect = channelStatistics(train.flat(), 3);
    assert.deepEqual(s.offset, expect.mean);
    assert.deepEqual(s.scale, expect.std);
    // independently: x of the training rows is 0..9 and 20..29 -> mean 14.5
    assert.equal(s.offset[0], 14.5);
    const xs = [...Array(10).keys(), ...Array.from({ length: 10 }, (_, t) => 20 + t)];
    const sd = Math.sqrt(xs.reduce((a, v) => a + (v - 14.5) ** 2, 0) / xs.length);
    assert.ok(Math.abs(s.scale[0] - sd) < 1e-9, `${s.scale[0]} vs ${sd}`);
    // training windows are centred: the mean of their x values is near 0; test windows are far off
    const meanX = (w: { pixels: Float32Array }[]): number => w.reduce((a, x) => a + x.pixels.filter((_, i) => i % 3 === 0).reduce((p, q) => p + q, 0) / 4, 0) / w.length;
    assert.ok(Math.abs(meanX(s.train)) < 0.3, `train mean ${meanX(s.train)}`);
    assert.ok(meanX(s.test) > 10, `test windows keep their own offset: ${meanX(s.test)}`);
    // a constant channel does not divide by zero
    assert.ok(s.scale.every((v) => Number.isFinite(v) && v > 0));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('named columns: a header line names them; the config picks and orders them', () => {
  const problems: RecordingProblem[] = [];
  const r = parseRecording('f.csv', 'time,ax,ay,az\n0,1,2,3\n1,4,5,6\n', 'a', ['az', 'ax'], problems);
  assert.deepEqual(problems, []);
  assert.deepEqual(r!.rows.map((x) => Array.from(x)), [[3, 1], [6, 4]]);
  const all = parseRecording('f.csv', 'ax, ay\n1, 2\n', 'a', undefined, problems);
  assert.deepEqual(Array.from(all!.rows[0]), [1, 2]);
  const plain = parseRecording('f.csv', '  156,  -589, -1294\r\n 1e2, .5, -3.25\r\n\r\n', 'a', undefined, problems);
  assert.deepEqual(plain!.rows.map((x) => Array.from(x)), [[156, -589, -1294], [100, 0.5, -3.25]]);
  assert.deepEqual(problems, []);
  const missing: RecordingProblem[] = [];
  parseRecording('f.csv', 'ax,ay\n1,2\n', 'a', ['az'], missing);
  assert.match(missing[0].message, /no column named 'az'/);
  assert.equal(missing[0].line, 1);
  const noHeader: RecordingProblem[] = [];
  parseRecording('f.csv', '1,2\n', 'a', ['ax'], noHeader);
  assert.match(noHeader[0].message, /no header line/);
});

test('bad files are located problems (file and line), all reported, nothing used', () => {
  const dir = fixture({
    'a/good1.csv': rows(10, 0), 'a/good2.csv': rows(10, 1),
    'a/ragged.csv': '1, 2, 3\n4, 5, 6\n7, 8\n10, 11, 12\n',
    'a/word.csv': '1, 2, 3\n4, five, 6\n',
    'b/empty.csv': '',
    'b/blank.csv': '\n\n  \n',
    'b/short.csv': rows(3, 0),
    'b/hole.csv': '1, 2, 3\n\n4, 5, 6\n7, 8, 9\n10, 11, 12\n',
    'b/good.csv': rows(10, 2), 'b/good2.csv': rows(10, 3),
  });
  try {
    const problems = problemsOf(() => loadRecordings(request(dir)));
    const at = (name: string): RecordingProblem => {
      const p = problems.find((x) => basename(x.file) === name);
      assert.ok(p, `no problem reported for ${name}: ${JSON.stringify(problems)}`);
      return p;
    };
    assert.equal(at('ragged.csv').line, 3);
    assert.match(at('ragged.csv').message, /2 values where the first line has 3 \(a ragged row\)/);
    assert.equal(at('word.csv').line, 2);
    assert.match(at('word.csv').message, /'five' in column 2 is not a number/);
    assert.equal(at('empty.csv').line, 1);
    assert.match(at('empty.csv').message, /empty/);
    assert.match(at('blank.csv').message, /empty/);
    assert.match(at('short.csv').message, /3 samples, shorter than one window of 4/);
    assert.equal(at('hole.csv').line, 2);
    assert.match(at('hole.csv').message, /empty line inside the recording/);
    assert.ok(!problems.some((p) => /good/.test(basename(p.file))));
    // the error message lists every problem as file:line: message
    try { loadRecordings(request(dir)); } catch (err) { assert.match((err as Error).message, /ragged\.csv:3: /); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a wrong channel count, a missing class folder and too few recordings are located problems', () => {
  const dir = fixture({ 'a/r1.csv': '1, 2\n3, 4\n5, 6\n7, 8\n', 'a/r2.csv': rows(6, 0), 'b/only.csv': rows(6, 0) });
  try {
    const p1 = problemsOf(() => loadRecordings(request(dir)));
    assert.match(p1.find((p) => basename(p.file) === 'r1.csv')!.message, /2 channels per sample; the model input \[T, C\] has C = 3/);
    rmSync(join(dir, 'a', 'r1.csv'));
    writeFileSync(join(dir, 'a', 'r1.csv'), rows(6, 5));
    const p2 = problemsOf(() => loadRecordings(request(dir)));
    assert.match(p2[0].message, /1 recording\(s\) in the selected part; at least 2 are needed/);
    assert.equal(p2[0].file, join(dir, 'b'));
    const p3 = problemsOf(() => loadRecordings(request(dir, { classes: ['a', 'missing'] })));
    assert.match(p3[0].message, /does not exist/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

const HAR = join(import.meta.dirname, '../../../../shared/data/st_har');

test('the real ST accelerometer recordings: 3 classes, split by recording, 52-sample windows', { skip: !existsSync(HAR) && 'no ../shared/data/st_har' }, () => {
  const req: RecordingsRequest = { folder: HAR, classes: ['running', 'stationary', 'walking'], window: 52, channels: 3, hop: 26, scaling: { kind: 'fixed', scale: 1000 }, recordings: [0, 1], holdout: 0.25 };
  const { byClass, train, test: held } = loadRecordings(req);
  assert.deepEqual(byClass.map((c) => c.length), [17, 36, 39]);
  assert.deepEqual(held.map((c) => c.length), [4, 9, 10]);
  assert.ok(byClass.flat().every((r) => r.rows.length === 1000));
  const s = recordingSplit(req, 100000, 100000, identity);
  assert.equal(s.train.length, train.flat().length * 37);
  assert.equal(s.test.length, held.flat().length * 37);
  for (const f of s.testRecordings) assert.ok(!s.trainRecordings.includes(f));
  // milli-g / 1000 = g: a wrist at rest reads about 1 g in total
  const still = s.train.find((x) => x.label === 1)!.pixels;
  const g = Math.hypot(still[0], still[1], still[2]);
  assert.ok(g > 0.7 && g < 1.3, `|a| = ${g} g`);
});
