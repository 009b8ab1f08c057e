// `tinytrain export`: a run's trained tensors (the TTP1 file a run saves beside its CSV) written
// into the .tflite or .onnx the config imports (the same format back); for a config of YAML layers, its network written as a new
// int8 .tflite (compiler/export/network-tflite.ts) with a run's tensors or the pretrained ones.
// The run must come from this config's model and plan: the file carries the hash the program
// reports in HELLO, and export recomputes it.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { modelHash } from '../compiler/compile.js';
import { networkToTflite } from '../compiler/export/network-tflite.js';
import { exportTflite } from '../compiler/import/export.js';
import { exportOnnx } from '../compiler/import/onnx-export.js';
import { importPath, isOnnxPath, keepsHead } from '../compiler/import/resolve.js';
import { activationQParams } from '../compiler/quantize/quantize.js';
import { applyTrainedTensors, encodeQuantModel, quantize } from '../compiler/weights/files.js';
import type { QParams, QuantModel } from '../compiler/weights/model-weights.js';
import { importedInferModel, runInference } from './infer.js';
import { ConfigError, type Prepared } from './prepare.js';
import { workDir } from './workspace.js';

/** The trained tensors file of a run: beside its CSV, with the extension .ttp. */
export const trainedFileOf = (csvPath: string): string => csvPath.replace(/\.csv$/i, '') + '.ttp';

/** The TTP1 file `--run` names (a .ttp, a run CSV, or a runs folder: its newest), or the config's newest run. */
export function findTrainedFile(configPath: string, modelName: string, run?: string): string {
  const newest = (dir: string): string => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.ttp')).map((f) => join(dir, f));
    if (!files.length) throw new ConfigError(`${dir} holds no trained tensors (.ttp): train with tinytrain train first (on the host or a board)`);
    return files.reduce((a, b) => (statSync(b).mtimeMs > statSync(a).mtimeMs ? b : a));
  };
  if (!run) return newest(workDir(configPath, modelName, 'runs'));
  if (!existsSync(run)) throw new ConfigError(`--run ${run} does not exist`);
  if (statSync(run).isDirectory()) return newest(run);
  const file = run.endsWith('.ttp') ? run : trainedFileOf(run);
  if (!existsSync(file)) throw new ConfigError(`${run} has no trained tensors beside it (${file}); that run did not save them`);
  return file;
}

export interface ExportResult { bytes: Uint8Array; trained: QuantModel; logits?: QParams; hash: number }

/**
 * The model file of a prepared config from a TTP1 file: an imported config's file (.tflite or
 * .onnx) with the trained tensors written in; a YAML config's network written whole. No file (YAML configs only): the
 * int8 model every run starts from (the one `tinytrain pretrain` makes).
 */
export async function exportRun(p: Prepared, trainedFile: string | undefined): Promise<ExportResult> {
  const { spec, compilation } = p;
  const imported = spec.model.imported;
  const start = p.quant;
  const startHash = modelHash(encodeQuantModel(compilation.net, start), compilation.update);
  let trained = start, hash = startHash;
  if (trainedFile) {
    ({ quant: trained, modelHash: hash } = asConfigError(() => applyTrainedTensors(compilation.net, compilation.update, start, readFileSync(trainedFile), trainedFile)));
    if (hash !== startHash) throw new ConfigError(`${trainedFile} comes from another model or plan (hash ${hash.toString(16).padStart(8, '0')}, this config compiles to ${startHash.toString(16).padStart(8, '0')})`);
  }
  if (!imported) {
    const logits = await logitQuantization(p, trained);
    const bytes = asConfigError(() => networkToTflite({ net: compilation.net, quant: trained, logits, description: `TinyTrain ${spec.model.name}` }));
    return { bytes, trained, hash, logits };
  }
  if (!trainedFile) throw new ConfigError(`${p.configPath} imports ${spec.model.import!.path}, which is its pretrained model; export writes a run's trained tensors into it (--run)`);
  const logits = keepsHead(imported, spec.model.classes) ? undefined : await logitQuantization(p, trained);
  const original = readFileSync(importPath(p.configPath, spec.model.import!.path));
  const request = { original, imported, net: compilation.net, quant: trained, ...(logits ? { logits } : {}) };
  const bytes = asConfigError(() => (isOnnxPath(spec.model.import!.path) ? exportOnnx(request) : exportTflite(request)));
  return { bytes, trained, hash, ...(logits ? { logits } : {}) };
}

/** The int8 quantization of a classifier's output (the logits), calibrated over the model's
 * logits on the training samples: the range widened to include 0, 255 steps, as calibration does. */
async function logitQuantization(p: Prepared, quant: QuantModel): Promise<QParams> {
  const samples = p.split.train.slice(0, 256).map((s) => Int8Array.from(s.pixels, (x) => quantize(x, p.quant.input)));
  const outs = await runInference(importedInferModel(p.spec, p.compilation, p.dir, quant), samples);
  let lo = 0, hi = 0;
  for (const o of outs) for (const v of o.logits) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return activationQParams([lo, hi]);
}

/** A file that does not fit (truncated, another plan, a changed model) is the user's problem to fix, said as such. */
function asConfigError<T>(f: () => T): T {
  try { return f(); } catch (e) { throw e instanceof ConfigError ? e : new ConfigError((e as Error).message); }
}
