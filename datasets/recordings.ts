// Recorded time series, the way users bring sensor data: <folder>/<class>/*.csv, one recording
// per file, one sample per line (a header line of column names, or plain numbers). Recordings
// are cut into windows of `window` samples every `hop` samples, scaled (a fixed divisor, or each
// channel standardized with the mean and standard deviation of the TRAINING recordings only),
// and split into train / test BY RECORDING: every window of a recording lands on the same side,
// because windows of one recording are strongly correlated.
//
// Bad files are reported as located problems (file and line), all of them, before anything is
// used: ragged rows, non-numbers, an empty file, a recording shorter than one window.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Sample } from '../compiler/weights/files.js';

export interface RecordingProblem { file: string; line: number; message: string }

/** Thrown when recordings cannot be used; `problems` says where (file and 1-based line). */
export class RecordingError extends Error {
  constructor(readonly problems: RecordingProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'));
    this.name = 'RecordingError';
  }
}

/** One recording: rows of channel values, in time order. */
export interface Recording { file: string; className: string; rows: Float32Array[] }

/** A fixed divisor (real = value / scale), or per-channel standardization from the training split. */
export type Scaling = { kind: 'fixed'; scale: number } | { kind: 'standardize' };

export interface RecordingsRequest {
  /** The folder with one subfolder of CSV recordings per class. */
  folder: string;
  /** Class subfolders in label order. */
  classes: string[];
  /** Samples per window (the model's T) and channels per sample (the model's C). */
  window: number;
  channels: number;
  /** Samples between the starts of consecutive windows. */
  hop: number;
  /** Named columns to read, in order (needs a header line); default: every column. */
  columns?: string[];
  scaling: Scaling;
  /** The part of each class's recordings (in name order) to use, as fractions [from, to). */
  recordings: [number, number];
  /** The fraction of the used recordings of each class held out for test (at least one). */
  holdout: number;
  /** What the model input is called in a problem (default "the model input [T, C]"). */
  inputName?: string;
}

export interface RecordingSplit {
  train: Sample[];
  test: Sample[];
  /** Recording files on each side (never one file on both). */
  trainRecordings: string[];
  testRecordings: string[];
  /** What the windows were scaled with: real = (value - offset[c]) / scale[c]. */
  offset: number[];
  scale: number[];
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Parses one CSV recording; adds every problem it finds. Columns: the named ones, or all. */
export function parseRecording(file: string, text: string, className: string, columns: string[] | undefined, problems: RecordingProblem[]): Recording | undefined {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) { problems.push({ file, line: 1, message: 'the file is empty; a recording has one sample per line (e.g. "x, y, z")' }); return undefined; }
  const fields = (l: string): string[] => l.split(',').map((f) => f.trim());
  const first = fields(lines[0]);
  const header = first.some((f) => !NUMBER.test(f));
  let pick: number[] = first.map((_, i) => i);
  if (header) {
    if (columns) {
      const missing = columns.filter((c) => !first.includes(c));
      if (missing.length) { problems.push({ file, line: 1, message: `no column named ${missing.map((m) => `'${m}'`).join(', ')}; the header has ${first.map((f) => `'${f}'`).join(', ')}` }); return undefined; }
      pick = columns.map((c) => first.indexOf(c));
    }
  } else if (columns) {
    problems.push({ file, line: 1, message: `the config names columns (${columns.join(', ')}) but this file has no header line of column names` });
    return undefined;
  }
  const width = first.length;
  const rows: Float32Array[] = [];
  const before = problems.length;
  for (let i = header ? 1 : 0; i < lines.length; i++) {
    const line = i + 1;
    if (lines[i].trim() === '') { problems.push({ file, line, message: 'an empty line inside the recording; every line is one sample' }); continue; }
    const f = fields(lines[i]);
    if (f.length !== width) { problems.push({ file, line, message: `${f.length} value${f.length === 1 ? '' : 's'} where the first line has ${width} (a ragged row)` }); continue; }
    const bad = f.findIndex((v) => !NUMBER.test(v));
    if (bad >= 0) { problems.push({ file, line, message: `'${f[bad]}' in column ${header ? `'${first[bad]}'` : bad + 1} is not a number` }); continue; }
    rows.push(Float32Array.from(pick, (c) => Number(f[c])));
    if (problems.length - before > 20) break; // enough to see what is wrong with this file
  }
  if (problems.length > before) return undefined;
  if (rows.length === 0) { problems.push({ file, line: 1, message: 'the file has a header but no samples' }); return undefined; }
  return { file, className, rows };
}

/** The CSV files of one class folder, in natural name order (rec2 before rec10). */
function recordingFiles(folder: string, className: string): string[] {
  const dir = join(folder, className);
  let entries: string[];
  try { entries = readdirSync(dir); } catch { throw new RecordingError([{ file: dir, line: 1, message: `class folder ${dir} does not exist` }]); }
  return entries.filter((f) => f.toLowerCase().endsWith('.csv') && statSync(join(dir, f)).isFile())
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => join(dir, f));
}

/** Window starts 0, hop, 2*hop, ... while a whole window fits. */
export function windowStarts(length: number, window: number, hop: number): number[] {
  const out: number[] = [];
  for (let s = 0; s + window <= length; s += hop) out.push(s);
  return out;
}

/** Per-channel mean and standard deviation over every sample (row) of the given recordings. */
export function channelStatistics(recordings: Recording[], channels: number): { mean: number[]; std: number[] } {
  const sum = new Array<number>(channels).fill(0), sq = new Array<number>(channels).fill(0);
  let n = 0;
  for (const r of recordings) for (const row of r.rows) { n++; for (let c = 0; c < channels; c++) { sum[c] += row[c]; sq[c] += row[c] * row[c]; } }
  const mean = sum.map((s) => s / Math.max(1, n));
  const std = sq.map((s, c) => Math.sqrt(Math.max(0, s / Math.max(1, n) - mean[c] * mean[c])));
  return { mean, std: std.map((s) => (s > 1e-12 ? s : 1)) };
}

function windowsOf(r: Recording, label: number, req: RecordingsRequest, offset: number[], scale: number[]): Sample[] {
  return windowStarts(r.rows.length, req.window, req.hop).map((start) => {
    const pixels = new Float32Array(req.window * req.channels);
    for (let t = 0; t < req.window; t++) {
      const row = r.rows[start + t];
      for (let c = 0; c < req.channels; c++) pixels[t * req.channels + c] = (row[c] - offset[c]) / scale[c];
    }
    return { label, pixels };
  });
}

/** Reads, checks and splits the recordings of every class. */
export function loadRecordings(req: RecordingsRequest): { byClass: Recording[][]; train: Recording[][]; test: Recording[][] } {
  const problems: RecordingProblem[] = [];
  const byClass = req.classes.map((cls) => {
    const files = recordingFiles(req.folder, cls);
    if (files.length === 0) problems.push({ file: join(req.folder, cls), line: 1, message: `class folder has no .csv recordings (expected ${join(req.folder, cls)}/<recording>.csv)` });
    const [from, to] = req.recordings;
    const used = files.slice(Math.round(from * files.length), Math.round(to * files.length));
    return used.map((file) => {
      let text: string;
      try { text = readFileSync(file, 'utf8'); } catch (err) { problems.push({ file, line: 1, message: `cannot read (${(err as Error).message})` }); return undefined; }
      const r = parseRecording(file, text, cls, req.columns, problems);
      if (r && r.rows[0].length !== req.channels) { problems.push({ file, line: 1, message: `${r.rows[0].length} channels per sample; ${req.inputName ?? 'the model input [T, C]'} has C = ${req.channels}` }); return undefined; }
      if (r && r.rows.length < req.window) { problems.push({ file, line: r.rows.length, message: `${r.rows.length} samples, shorter than one window of ${req.window}` }); return undefined; }
      return r;
    }).filter((r): r is Recording => r !== undefined);
  });
  if (problems.length) throw new RecordingError(problems);
  const train: Recording[][] = [], test: Recording[][] = [];
  byClass.forEach((recs, label) => {
    if (recs.length < 2) {
      problems.push({ file: join(req.folder, req.classes[label]), line: 1, message: `${recs.length} recording(s) in the selected part; at least 2 are needed (one to train, one to test)` });
      return;
    }
    const nTest = Math.min(recs.length - 1, Math.max(1, Math.round(req.holdout * recs.length)));
    train.push(recs.slice(0, recs.length - nTest));
    test.push(recs.slice(recs.length - nTest));
  });
  if (problems.length) throw new RecordingError(problems);
  return { byClass, train, test };
}

/** At most n items of a, evenly spaced (all of them when n >= a.length). */
function spread<T>(a: T[], n: number): T[] {
  if (n >= a.length) return a;
  return Array.from({ length: n }, (_, i) => a[Math.floor((i * a.length) / n)]);
}

/** Windows of the split: at most `trainCount` / `testCount`, balanced over classes. */
export function recordingSplit(req: RecordingsRequest, trainCount: number, testCount: number, shuffle: <T>(a: T[]) => T[]): RecordingSplit {
  const { train, test } = loadRecordings(req);
  let offset = new Array<number>(req.channels).fill(0), scale = new Array<number>(req.channels).fill(1);
  if (req.scaling.kind === 'fixed') scale = scale.map(() => (req.scaling as { scale: number }).scale);
  else { const st = channelStatistics(train.flat(), req.channels); offset = st.mean; scale = st.std; }
  const take = (groups: Recording[][], count: number, mix: boolean): Sample[] => {
    const per = groups.map((recs, label) => recs.flatMap((r) => windowsOf(r, label, req, offset, scale)));
    const quota = Math.ceil(count / groups.length);
    // training windows: a seeded shuffle; test windows: evenly spaced, so a cap still covers every test recording
    const chosen = per.map((w) => (mix ? shuffle(w).slice(0, quota) : spread(w, quota)));
    const out: Sample[] = [];
    for (let i = 0; out.length < count && chosen.some((c) => i < c.length); i++) for (const c of chosen) if (i < c.length && out.length < count) out.push(c[i]);
    return mix ? shuffle(out) : out;
  };
  return {
    train: take(train, trainCount, true),
    test: take(test, testCount, false),
    trainRecordings: train.flat().map((r) => r.file),
    testRecordings: test.flat().map((r) => r.file),
    offset, scale,
  };
}
