// From a config to everything a training run needs: the fp32 start (pretrained on the host when
// the config asks, else He-initialised), the calibrated int8 model, and the data split written
// as files the host programs read. Expensive steps are cached under content hashes.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { analyzeConfig } from '../compiler/analyze.js';
import type { Analysis } from '../compiler/analysis.js';
import type { Compilation } from '../compiler/compile.js';
import { importedStartQuant } from '../compiler/import/resolve.js';
import type { ConfigSpec } from '../compiler/config/spec.js';
import { buildNetwork, type Network } from '../compiler/ir/network.js';
import { dequantizeModel, quantizeModel, type Calibration } from '../compiler/quantize/quantize.js';
import { decodeFloatModel, encodeDataset, encodeFloatModel, encodeQuantModel } from '../compiler/weights/files.js';
import { heInit, newClassifier, type FloatModel, type QuantModel } from '../compiler/weights/model-weights.js';
import { loadSplit, type Split } from '../datasets/split.js';
import { fp32Tool, runJsonLines } from './host-programs.js';
import { hashOf, readCacheEntry, runtimeHash, sweepStaleTemps, workDir, writeCacheEntry, writeContentAddressed, writeFileAtomic } from './workspace.js';

export type Log = (message: string) => void;

export class ConfigError extends Error {
  constructor(message: string, readonly analysis?: Analysis) { super(message); }
}

export interface Prepared {
  configPath: string;
  spec: ConfigSpec;
  analysis: Analysis;
  compilation: Compilation;
  net: Network;
  dir: string;
  float: FloatModel;
  quant: QuantModel;
  split: Split;
  files: { floatModel: string; quantModel: string; trainF32: string; testF32: string; trainS8: string; testS8: string };
  pretrainAccuracy?: number;
}

/** The steps a run makes (batch 1): the count asked for, else train.steps, else one pass over
 * the training split. A cosine lr decay spans them, so the program is generated for them. */
export function runSteps(p: Pick<Prepared, 'spec' | 'split'>, steps?: number): number {
  return steps ?? p.spec.train.steps ?? p.split.train.length;
}

/** A config read, compiled once and analyzed; everything after it reuses this compilation. */
export interface LoadedConfig { configPath: string; text: string; spec: ConfigSpec; analysis: Analysis; compilation: Compilation }

export function loadConfig(configPath: string): LoadedConfig {
  let text: string;
  try { text = readFileSync(configPath, 'utf8'); } catch { throw new ConfigError(`cannot read ${configPath}`); }
  const { analysis, compilation } = analyzeConfig(text, { configPath });
  const errors = analysis.problems.filter((p) => p.severity === 'error' && !p.code.startsWith('budget-'));
  if (errors.length || !compilation || analysis.partial) {
    const first = errors.map((p) => `${configPath}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.message}`).join('\n');
    throw new ConfigError(first || `${configPath} is not a complete config`, analysis);
  }
  return { configPath, text, spec: compilation.spec, analysis, compilation };
}

async function pretrained(configPath: string, spec: ConfigSpec, dir: string, log: Log, signal?: AbortSignal): Promise<{ model: FloatModel; accuracy?: number }> {
  const p = spec.pretrain!;
  const net = buildNetwork({ ...spec.model, classes: p.classes.length });
  const key = hashOf(JSON.stringify(net.blocks.map((b) => b.convs.map((c) => [c.cout, c.kh, c.kw, c.sh, c.sw, c.pad, c.depthwise]))), JSON.stringify(spec.model.input),
    JSON.stringify({ source: p.source, classes: p.classes, samples: p.samples, epochs: p.epochs, lr: p.lr, seed: p.seed, ...(p.series ? { series: p.series } : {}) }), runtimeHash());
  const cached = readCacheEntry(dir, 'pretrained', key, 'ttf', log);
  if (cached) {
    try {
      const model = decodeFloatModel(net, cached.data, cached.path);
      log(`pretrained fp32 weights: cached (${cached.path})`);
      return { model, accuracy: readAccuracy(`${cached.path}.json`) };
    } catch (e) {
      log(`note: the cached pretrained weights ${cached.path} do not fit this network (${(e as Error).message}); pretraining again`);
      rmSync(cached.path, { force: true });
    }
  }
  const split = loadData(configPath, { source: p.source, classes: p.classes, train: p.samples, test: 500, seed: p.seed, shape: spec.model.input, baseDir: dirname(resolve(configPath)), series: p.series });
  noteShortfall(log, 'pretrain.samples', p.samples, split.train.length, p.source);
  // This run's inputs and outputs live in a folder of its own; only the finished weights
  // become the (verified) cache entry.
  const work = mkdtempSync(join(dir, `pretrain.tmp-${process.pid}-`));
  try {
    const init = join(work, 'init.ttf');
    const out = join(work, 'pretrained.ttf');
    writeFileSync(init, encodeFloatModel(net, heInit(net, p.seed)));
    writeFileSync(join(work, 'train.ttd'), encodeDataset(spec.model.input, split.train));
    writeFileSync(join(work, 'test.ttd'), encodeDataset(spec.model.input, split.test));
    log(`pretraining in fp32 on ${split.train.length} samples of classes ${p.classes.join(', ')} for ${p.epochs} epochs...`);
    const tool = fp32Tool(dir);
    const r = await runJsonLines(tool, ['pretrain', init, join(work, 'train.ttd'), out, String(p.epochs), String(p.lr), String(p.seed)],
      (l) => log(`  epoch ${l.epoch}: loss ${Number(l.loss).toFixed(4)}, train accuracy ${(Number(l.accuracy) * 100).toFixed(1)} %`), signal);
    if (r.code !== 0) throw new Error(`pretraining failed (the fp32 tool exited with ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0]}` : ''})`);
    const ev = await runJsonLines(tool, ['eval', out, join(work, 'test.ttd')], undefined, signal);
    const accuracy = Number(ev.lines[0]?.accuracy);
    log(`  held-out accuracy on the pretraining classes: ${(accuracy * 100).toFixed(1)} %`);
    const data = readFileSync(out);
    const model = decodeFloatModel(net, data, out);
    const entry = join(dir, `pretrained-${key}-${hashOf(data)}.ttf`);
    writeFileAtomic(`${entry}.json`, JSON.stringify({ accuracy })); // before the entry exists
    writeCacheEntry(dir, 'pretrained', key, 'ttf', data);
    return { model, accuracy };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The split, with a data problem (no such folder, an unreadable PNG, too few images) said as
 *  a problem of this config. */
function loadData(configPath: string, req: Parameters<typeof loadSplit>[0]): Split {
  try {
    return loadSplit(req);
  } catch (e) {
    throw new ConfigError(`${configPath}: the data ${req.source} cannot be used: ${(e as Error).message}`);
  }
}

/** The model's classifier and the data must agree on the number of classes. */
function checkClasses(configPath: string, modelClasses: number, split: Split, listed: boolean): void {
  const n = split.classes.length;
  const names = split.classes.length > 12 ? `${split.classes.slice(0, 12).join(', ')}, ...` : split.classes.join(', ');
  if (n < 2) throw new ConfigError(`${configPath}: the data has ${n} class (${names}); training a classifier needs at least 2 (a folder of PNG images per class)`);
  if (n !== modelClasses) {
    throw new ConfigError(`${configPath}: model.classes is ${modelClasses} but the data has ${n} classes (${names}); ${listed ? `make data.classes list ${modelClasses}` : `set model.classes: ${n}, or list the ${modelClasses} to train in data.classes`}`);
  }
}

/** The data (real values, after data.scale) are quantized with the model file's input scale and
 * zero point; values outside the range that int8 covers saturate. A few do wherever the file's
 * range was calibrated on a sample of the data; more than 1 % is what a wrong data.scale gives. */
function noteSaturation(log: Log, split: Split, q: QuantModel['input'], fileInput: string): void {
  const lo = q.scale * (-128 - q.zeroPoint), hi = q.scale * (127 - q.zeroPoint);
  let n = 0, out = 0;
  for (const s of split.train) for (const v of s.pixels) { n++; if (v < lo - q.scale / 2 || v > hi + q.scale / 2) out++; }
  if (out > 0.01 * n) log(`note: ${((100 * out) / n).toPrecision(2)} % of the training values fall outside [${lo.toPrecision(4)}, ${hi.toPrecision(4)}], the range of ${fileInput} (int8, scale ${q.scale.toPrecision(4)}, zero point ${q.zeroPoint}), and saturate; check that the data's scale gives the units the model was trained on`);
}

function noteShortfall(log: Log, what: string, asked: number, got: number, source: string): void {
  if (got < asked) log(`note: ${what} asks for ${asked} samples; ${source} has ${got} for these classes, so ${got} are used`);
}

function readAccuracy(path: string): number | undefined {
  try { return (JSON.parse(readFileSync(path, 'utf8')) as { accuracy?: number }).accuracy; } catch { return undefined; }
}

function parseCalibration(net: Network, line: Record<string, unknown>): Calibration {
  const tensors = line.tensors as [number, number][];
  const convOut = (line.convOut as number[]).map((t) => tensors[t]);
  const blockOut = line.blockOut as number[];
  return {
    input: tensors[0],
    convOut,
    addOut: net.blocks.map((b, i) => (b.residual ? tensors[blockOut[i]] : undefined)),
    pool: line.pool as [number, number],
  };
}

/** `signal` stops the host programs it runs (pretraining, calibration); it then throws.
 * A config path, or a config loadConfig already read (so nothing parses or compiles twice). */
export async function prepare(config: string | LoadedConfig, log: Log = () => {}, dataSource?: string, signal?: AbortSignal): Promise<Prepared> {
  const { configPath, spec, analysis, compilation } = typeof config === 'string' ? loadConfig(config) : config;
  if (dataSource) spec.data = { ...(spec.data ?? { train: 1000, test: 500, range: analysis.source.model!.range, offsets: analysis.source.model!.offsets }), source: dataSource };
  if (!spec.data) throw new ConfigError(`${configPath} has no data: section; training needs one (e.g. data: { source: mnist, classes: [5, 6, 7, 8, 9] })`, analysis);
  if (spec.model.imported) return prepareImported(configPath, spec, analysis, compilation, log);
  const net = compilation.net;
  const dir = workDir(configPath, spec.model.name);

  // The data first: a mismatch with the model is an error before any pretraining.
  const d = spec.data;
  const split = loadData(configPath, { source: d.source, classes: d.classes, train: d.train, test: d.test, seed: spec.train.seed, shape: spec.model.input, baseDir: dirname(resolve(configPath)), series: d.series });
  if (split.recordings) log(`recordings: ${split.recordings.train.length} train, ${split.recordings.test.length} test (split by recording); ${split.train.length} train and ${split.test.length} test windows`);
  checkClasses(configPath, spec.model.classes, split, d.classes !== undefined);
  noteShortfall(log, 'data.train', d.train, split.train.length, d.source);
  noteShortfall(log, 'data.test', d.test, split.test.length, d.source);

  let float: FloatModel;
  let pretrainAccuracy: number | undefined;
  if (spec.pretrain) {
    const pre = await pretrained(configPath, spec, dir, log, signal);
    pretrainAccuracy = pre.accuracy;
    // Transfer: keep the backbone, start a new classifier for the device's classes (or keep the
    // pretrained one when the classes are the same: adapting to a new wearer, say).
    float = { convs: pre.model.convs, fc: spec.pretrain.keepClassifier ? pre.model.fc : newClassifier(net, spec.pretrain.seed + 7) };
    if (spec.pretrain.keepClassifier) log('keeping the pretrained classifier (pretrain.classifier: keep)');
  } else {
    log('no pretrain: section; starting from random (He) weights');
    float = heInit(net, spec.train.seed);
  }

  signal?.throwIfAborted();
  return finishPreparation({ configPath, spec, analysis, compilation, net, dir, float, split, pretrainAccuracy }, signal);
}

/**
 * An imported model: its int8 tensors as the file stores them (a new classifier when the classes
 * differ), the data resized to its input and quantized with its input quantization. Its fp32
 * start (for fp32 comparison runs) is the int8 model dequantized.
 */
async function prepareImported(configPath: string, spec: ConfigSpec, analysis: Analysis, compilation: Compilation, log: Log): Promise<Prepared> {
  const net = compilation.net;
  const dir = workDir(configPath, spec.model.name);
  const quant = importedStartQuant(spec, net);
  const d = spec.data!;
  const fileInput = `${spec.model.import!.path}'s input [${spec.model.imported!.input.shape.join(', ')}]`;
  const split = loadData(configPath, { source: d.source, classes: d.classes, train: d.train, test: d.test, seed: spec.train.seed, shape: spec.model.input, baseDir: dirname(resolve(configPath)), series: d.series, inputName: fileInput, note: log });
  if (split.recordings) log(`recordings: ${split.recordings.train.length} train, ${split.recordings.test.length} test (split by recording); ${split.train.length} train and ${split.test.length} test windows`);
  noteSaturation(log, split, quant.input, fileInput);
  checkClasses(configPath, spec.model.classes, split, d.classes !== undefined);
  noteShortfall(log, 'data.train', d.train, split.train.length, d.source);
  noteShortfall(log, 'data.test', d.test, split.test.length, d.source);
  sweepStaleTemps(dir);
  const float = dequantizeModel(net, quant);
  const files = {
    floatModel: writeContentAddressed(dir, 'start-fp32', 'ttf', encodeFloatModel(net, float)),
    trainF32: writeContentAddressed(dir, 'train-fp32', 'ttd', encodeDataset(spec.model.input, split.train)),
    testF32: writeContentAddressed(dir, 'test-fp32', 'ttd', encodeDataset(spec.model.input, split.test)),
    quantModel: writeContentAddressed(dir, 'start-int8', 'ttq', encodeQuantModel(net, quant)),
    trainS8: writeContentAddressed(dir, 'train-int8', 'ttd', encodeDataset(spec.model.input, split.train, quant.input)),
    testS8: writeContentAddressed(dir, 'test-int8', 'ttd', encodeDataset(spec.model.input, split.test, quant.input)),
  };
  return { configPath, spec, analysis, compilation, net, dir, float, quant, split, files };
}

/** Writes the data files, calibrates on the training samples and quantizes the fp32 start. */
export async function finishPreparation(p: Omit<Prepared, 'quant' | 'files'>, signal?: AbortSignal): Promise<Prepared> {
  const { spec, net, dir, float, split } = p;
  // Named by content: runs of one config with other data (at the same time, too) never read
  // each other's files.
  sweepStaleTemps(dir);
  const floatModel = writeContentAddressed(dir, 'start-fp32', 'ttf', encodeFloatModel(net, float));
  const trainF32 = writeContentAddressed(dir, 'train-fp32', 'ttd', encodeDataset(spec.model.input, split.train));
  const testF32 = writeContentAddressed(dir, 'test-fp32', 'ttd', encodeDataset(spec.model.input, split.test));

  // Post-training quantization, calibrated on the device's training samples.
  const cal = await runJsonLines(fp32Tool(dir), ['calibrate', floatModel, trainF32, '200'], undefined, signal);
  if (cal.code !== 0 || !cal.lines[0]) throw new Error(`calibration failed (the fp32 tool exited with ${cal.code}${cal.stderr.trim() ? `: ${cal.stderr.trim().split('\n')[0]}` : ''})`);
  const quant = quantizeModel(net, float, parseCalibration(net, cal.lines[0]));
  const files = {
    floatModel, trainF32, testF32,
    quantModel: writeContentAddressed(dir, 'start-int8', 'ttq', encodeQuantModel(net, quant)),
    trainS8: writeContentAddressed(dir, 'train-int8', 'ttd', encodeDataset(spec.model.input, split.train, quant.input)),
    testS8: writeContentAddressed(dir, 'test-int8', 'ttd', encodeDataset(spec.model.input, split.test, quant.input)),
  };
  return { ...p, quant, files };
}
