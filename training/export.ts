// `tinytrain export`: a run's trained tensors (the TTP1 file a run saves beside its CSV) written
// into the .tflite the config imports. The run must come from this config's model and plan: the
// file carries the hash the program reports in HELLO, and export recomputes it.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { modelHash } from '../compiler/compile.js';
import { exportTflite } from '../compiler/import/export.js';
import { importPath, keepsHead } from '../compiler/import/resolve.js';
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
 * The fine-tuned .tflite of a prepared imported config from a TTP1 file. A new classifier's
 * int8 output is quantized over the trained model's logits on the training samples (the range
 * widened to include 0, 255 steps, as calibration does).
 */
export async function exportRun(p: Prepared, trainedFile: string): Promise<ExportResult> {
  const { spec, compilation } = p;
  const imported = spec.model.imported;
  if (!imported) throw new ConfigError(`${p.configPath} describes its layers in YAML; export writes back imported models (model: { import: model.tflite }) for now`);
  const start = p.quant;
  const { quant: trained, modelHash: hash } = asConfigError(() => applyTrainedTensors(compilation.net, compilation.update, start, readFileSync(trainedFile), trainedFile));
  const want = modelHash(encodeQuantModel(compilation.net, start), compilation.update);
  if (hash !== want) throw new ConfigError(`${trainedFile} comes from another model or plan (hash ${hash.toString(16).padStart(8, '0')}, this config compiles to ${want.toString(16).padStart(8, '0')})`);
  let logits: QParams | undefined;
  if (!keepsHead(imported, spec.model.classes)) {
    const samples = p.split.train.slice(0, 256).map((s) => Int8Array.from(s.pixels, (x) => quantize(x, start.input)));
    const outs = await runInference(importedInferModel(spec, compilation, p.dir, trained), samples);
    let lo = 0, hi = 0;
    for (const o of outs) for (const v of o.outputs) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    logits = activationQParams([lo, hi]);
  }
  const original = readFileSync(importPath(p.configPath, spec.model.import!.path));
  const bytes = asConfigError(() => exportTflite({ original, imported, net: compilation.net, quant: trained, ...(logits ? { logits } : {}) }));
  return { bytes, trained, hash, ...(logits ? { logits } : {}) };
}

/** A file that does not fit (truncated, another plan, a changed model) is the user's problem to fix, said as such. */
function asConfigError<T>(f: () => T): T {
  try { return f(); } catch (e) { throw e instanceof ConfigError ? e : new ConfigError((e as Error).message); }
}
