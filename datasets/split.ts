// Train / held-out splits of a data source for the classes a config names. Deterministic: the
// held-out samples of a class are always its last ones; training samples are drawn (seeded)
// from the rest, balanced across classes, in a seeded shuffled order.

import { isAbsolute, join } from 'node:path';
import { seriesLayout } from '../compiler/config/series.js';
import type { SeriesSpec } from '../compiler/config/spec.js';
import type { Sample } from '../compiler/weights/files.js';
import { seededRandom } from '../compiler/weights/model-weights.js';
import { folderClasses, folderImages } from './image-folder.js';
import { fashionMnistClass } from './fashion-mnist.js';
import { mnistDigit } from './mnist.js';
import { recordingSplit } from './recordings.js';
import { resizeImage, resizeNote } from './resize.js';

export type ClassName = number | string;

export interface SplitRequest {
  source: string;
  classes?: ClassName[];
  train: number;
  test: number;
  seed: number;
  /** Model input [H, W, C]. */
  shape: [number, number, number];
  /** Folder sources are relative to this (the config's folder). */
  baseDir: string;
  /** A 1-D model: the folder holds CSV recordings, cut into windows and split by recording. */
  series?: SeriesSpec;
  /** What the model input is called in a problem (default "the model input [T, C]"). */
  inputName?: string;
  /** Told once when the source's images are resized or converted to the model input. */
  note?: (line: string) => void;
}

export interface Split {
  classes: ClassName[];
  train: Sample[];
  test: Sample[];
  /** Recordings only: the files on each side, and the scaling used (real = (v - offset) / scale). */
  recordings?: { train: string[]; test: string[]; offset: number[]; scale: number[] };
}

function imagesOf(req: SplitRequest, cls: ClassName): Float32Array[] {
  if (req.source === 'fashion-mnist') return fashionMnistClass(Number(cls)).map((x) => resizeImage(x, [28, 28, 1], req.shape));
  if (req.source === 'mnist') {
    const [h, w, c] = req.shape;
    if ((h !== 28 || w !== 28 || c !== 1) && !req.note) throw new Error(`mnist digits are 28x28x1; the model input is ${h}x${w}x${c}`);
    return mnistDigit(Number(cls)).map((x) => resizeImage(x, [28, 28, 1], req.shape));
  }
  const folder = isAbsolute(req.source) ? req.source : join(req.baseDir, req.source);
  return folderImages(folder, String(cls), req.shape);
}

function recordingsOf(req: SplitRequest, series: SeriesSpec, classes: ClassName[], shuffle: <T>(a: T[]) => T[]): Split {
  if (req.source === 'mnist') throw new Error('mnist holds images; a 1-D model (input [T, C]) reads a folder of CSV recordings, one subfolder per class');
  // T x C as the model input holds a window: [T, 1, C], or [T, C, 1] for an imported one.
  const layout = seriesLayout(req.shape);
  if (!layout) throw new Error(`a model input ${req.shape.join(' x ')} does not hold a window of T samples of C channels`);
  const s = recordingSplit({
    folder: isAbsolute(req.source) ? req.source : join(req.baseDir, req.source), classes: classes.map(String),
    window: layout.window, channels: layout.channels, hop: series.hop, columns: series.columns, scaling: series.scaling,
    recordings: series.recordings, holdout: series.holdout, ...(req.inputName ? { inputName: req.inputName } : {}),
  }, req.train, req.test, shuffle);
  return { classes, train: s.train, test: s.test, recordings: { train: s.trainRecordings, test: s.testRecordings, offset: s.offset, scale: s.scale } };
}

export function loadSplit(req: SplitRequest): Split {
  if (req.note && (req.source === 'mnist' || req.source === 'fashion-mnist')) {
    const line = resizeNote(req.source, [28, 28, 1], req.shape);
    if (line) req.note(line);
  }
  const classes = req.classes ?? (req.source === 'mnist' || req.source === 'fashion-mnist' ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] : folderClasses(isAbsolute(req.source) ? req.source : join(req.baseDir, req.source)));
  const r = seededRandom(req.seed);
  if (req.series) {
    const shuffle = <T>(a: T[]): T[] => { const out = [...a]; for (let i = out.length - 1; i > 0; i--) { const j = Math.floor(r.uniform() * (i + 1)); [out[i], out[j]] = [out[j], out[i]]; } return out; };
    return recordingsOf(req, req.series, classes, shuffle);
  }
  const perClassTest = Math.ceil(req.test / classes.length);
  const perClassTrain = Math.ceil(req.train / classes.length);
  const trainBy: Sample[][] = [];
  const test: Sample[] = [];
  classes.forEach((cls, label) => {
    const images = imagesOf(req, cls);
    if (images.length < 2) throw new Error(`class ${cls} of ${req.source} has ${images.length} image(s); at least 2 are needed (one to train, one to test)`);
    const nTest = Math.min(perClassTest, Math.floor(images.length / 2));
    const held = images.slice(images.length - nTest);
    const pool = images.slice(0, images.length - nTest);
    for (let i = pool.length - 1; i > 0; i--) { const j = Math.floor(r.uniform() * (i + 1)); [pool[i], pool[j]] = [pool[j], pool[i]]; }
    trainBy.push(pool.slice(0, Math.min(perClassTrain, pool.length)).map((pixels) => ({ label, pixels })));
    test.push(...held.map((pixels) => ({ label, pixels })));
  });
  const train: Sample[] = [];
  for (let i = 0; train.length < req.train && trainBy.some((t) => i < t.length); i++) {
    for (const t of trainBy) if (i < t.length && train.length < req.train) train.push(t[i]);
  }
  for (let i = train.length - 1; i > 0; i--) { const j = Math.floor(r.uniform() * (i + 1)); [train[i], train[j]] = [train[j], train[i]]; }
  return { classes, train, test: test.slice(0, req.test) };
}

/** `n` samples taking the classes in turn: a held-out split is ordered by class, so its first
 *  `n` would all be one class. All of them when `n` is at least their number. */
export function stratified<T extends { label: number }>(samples: T[], n: number): T[] {
  if (n >= samples.length) return samples;
  const byClass = new Map<number, T[]>();
  for (const s of samples) byClass.set(s.label, [...(byClass.get(s.label) ?? []), s]);
  const queues = [...byClass.entries()].sort((a, b) => a[0] - b[0]).map(([, q]) => q);
  const out: T[] = [];
  for (let i = 0; out.length < n; i++) for (const q of queues) if (i < q.length && out.length < n) out.push(q[i]);
  return out;
}
