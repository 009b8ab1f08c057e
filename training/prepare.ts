// From a config to everything a training run needs: the fp32 start (pretrained on the host when
// the config asks, else He-initialised), the calibrated int8 model, and the data split written
// as files the host programs read. Expensive steps are cached under content hashes.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { analyze, compileSpec, type Compilation } from '../compiler/analyze.js';
import type { Analysis } from '../compiler/analysis.js';
import { parseConfig } from '../compiler/config/parse.js';
import type { ConfigSpec } from '../compiler/config/spec.js';
import { buildNetwork, type Network } from '../compiler/ir/network.js';
import { quantizeModel, type Calibration } from '../compiler/quantize/quantize.js';
import { decodeFloatModel, encodeDataset, encodeFloatModel, encodeQuantModel } from '../compiler/weights/files.js';
import { heInit, newClassifier, type FloatModel, type QuantModel } from '../compiler/weights/model-weights.js';
import { loadSplit, type Split } from '../datasets/split.js';
import { fp32Tool, runJsonLines } from './host-programs.js';
import { hashOf, runtimeHash, workDir } from './workspace.js';

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

export function loadConfig(configPath: string): { spec: ConfigSpec; analysis: Analysis } {
  let text: string;
  try { text = readFileSync(configPath, 'utf8'); } catch { throw new ConfigError(`cannot read ${configPath}`); }
  const analysis = analyze(text);
  const errors = analysis.problems.filter((p) => p.severity === 'error' && !p.code.startsWith('budget-'));
  const spec = parseConfig(text).spec;
  if (errors.length || !spec || analysis.partial) {
    const first = errors.map((p) => `${configPath}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.message}`).join('\n');
    throw new ConfigError(first || `${configPath} is not a complete config`, analysis);
  }
  return { spec, analysis };
}

async function pretrained(configPath: string, spec: ConfigSpec, dir: string, log: Log): Promise<{ model: FloatModel; accuracy?: number }> {
  const p = spec.pretrain!;
  const net = buildNetwork({ ...spec.model, classes: p.classes.length });
  const key = hashOf(JSON.stringify(net.blocks.map((b) => b.convs.map((c) => [c.cout, c.kernel, c.stride, c.depthwise]))), JSON.stringify(spec.model.input),
    JSON.stringify({ source: p.source, classes: p.classes, samples: p.samples, epochs: p.epochs, lr: p.lr, seed: p.seed }), runtimeHash());
  const out = `${dir}/pretrained-${key}.ttf`;
  const accFile = `${out}.json`;
  if (existsSync(out)) {
    log(`pretrained fp32 weights: cached (${out})`);
    const acc = existsSync(accFile) ? (JSON.parse(readFileSync(accFile, 'utf8')) as { accuracy?: number }).accuracy : undefined;
    return { model: decodeFloatModel(net, readFileSync(out), out), accuracy: acc };
  }
  const split = loadSplit({ source: p.source, classes: p.classes, train: p.samples, test: 500, seed: p.seed, shape: spec.model.input, baseDir: dirname(resolve(configPath)) });
  const init = `${dir}/pretrain-init.ttf`;
  writeFileSync(init, encodeFloatModel(net, heInit(net, p.seed)));
  writeFileSync(`${dir}/pretrain-train.ttd`, encodeDataset(spec.model.input, split.train));
  writeFileSync(`${dir}/pretrain-test.ttd`, encodeDataset(spec.model.input, split.test));
  log(`pretraining in fp32 on ${split.train.length} samples of classes ${p.classes.join(', ')} for ${p.epochs} epochs...`);
  const tool = fp32Tool(dir);
  const r = await runJsonLines(tool, ['pretrain', init, `${dir}/pretrain-train.ttd`, `${out}.tmp`, String(p.epochs), String(p.lr), String(p.seed)],
    (l) => log(`  epoch ${l.epoch}: loss ${Number(l.loss).toFixed(4)}, train accuracy ${(Number(l.accuracy) * 100).toFixed(1)} %`));
  if (r.code !== 0) throw new Error(`pretraining failed: ${r.stderr.trim()}`);
  const ev = await runJsonLines(tool, ['eval', `${out}.tmp`, `${dir}/pretrain-test.ttd`]);
  const accuracy = Number(ev.lines[0]?.accuracy);
  log(`  held-out accuracy on the pretraining classes: ${(accuracy * 100).toFixed(1)} %`);
  writeFileSync(out, readFileSync(`${out}.tmp`)); // only a finished run becomes the cache entry
  writeFileSync(accFile, JSON.stringify({ accuracy }));
  return { model: decodeFloatModel(net, readFileSync(out), out), accuracy };
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

export async function prepare(configPath: string, log: Log = () => {}, dataSource?: string): Promise<Prepared> {
  const { spec, analysis } = loadConfig(configPath);
  if (dataSource) spec.data = { ...(spec.data ?? { train: 1000, test: 500, range: analysis.source.model!.range, offsets: analysis.source.model!.offsets }), source: dataSource };
  if (!spec.data) throw new ConfigError(`${configPath} has no data: section; training needs one (e.g. data: { source: mnist, classes: [5, 6, 7, 8, 9] })`, analysis);
  const compilation = compileSpec(spec);
  const net = compilation.net;
  const dir = workDir(configPath, spec.model.name);

  let float: FloatModel;
  let pretrainAccuracy: number | undefined;
  if (spec.pretrain) {
    const pre = await pretrained(configPath, spec, dir, log);
    pretrainAccuracy = pre.accuracy;
    // Transfer: keep the backbone, start a new classifier for the device's classes.
    float = { convs: pre.model.convs, fc: newClassifier(net, spec.pretrain.seed + 7) };
  } else {
    log('no pretrain: section; starting from random (He) weights');
    float = heInit(net, spec.train.seed);
  }

  const d = spec.data;
  const split = loadSplit({ source: d.source, classes: d.classes, train: d.train, test: d.test, seed: spec.train.seed, shape: spec.model.input, baseDir: dirname(resolve(configPath)) });
  return finishPreparation({ configPath, spec, analysis, compilation, net, dir, float, split, pretrainAccuracy });
}

/** Writes a file whole or not at all: another process may be reading the previous version. */
function writeAtomic(path: string, data: Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Writes the data files, calibrates on the training samples and quantizes the fp32 start. */
export async function finishPreparation(p: Omit<Prepared, 'quant' | 'files'>): Promise<Prepared> {
  const { spec, net, dir, float, split } = p;
  const files = {
    floatModel: `${dir}/start-fp32.ttf`, quantModel: `${dir}/start-int8.ttq`,
    trainF32: `${dir}/train-fp32.ttd`, testF32: `${dir}/test-fp32.ttd`, trainS8: `${dir}/train-int8.ttd`, testS8: `${dir}/test-int8.ttd`,
  };
  writeAtomic(files.floatModel, encodeFloatModel(net, float));
  writeAtomic(files.trainF32, encodeDataset(spec.model.input, split.train));
  writeAtomic(files.testF32, encodeDataset(spec.model.input, split.test));

  // Post-training quantization, calibrated on the device's training samples.
  const cal = await runJsonLines(fp32Tool(dir), ['calibrate', files.floatModel, files.trainF32, '200']);
  if (cal.code !== 0 || !cal.lines[0]) throw new Error(`calibration failed: ${cal.stderr.trim()}`);
  const quant = quantizeModel(net, float, parseCalibration(net, cal.lines[0]));
  writeAtomic(files.quantModel, encodeQuantModel(net, quant));
  writeAtomic(files.trainS8, encodeDataset(spec.model.input, split.train, quant.input));
  writeAtomic(files.testS8, encodeDataset(spec.model.input, split.test, quant.input));
  return { ...p, quant, files };
}
