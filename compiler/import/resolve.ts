// A config's `model: { import: file.tflite | file.onnx }` -> the imported network on the spec, or located
// problems on the `import:` value. The file is read and imported once per content: results are
// cached by content hash, and a file is re-read only when its size or modification time changes,
// so analysis on every keystroke costs one stat.

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ALL_CONVS, type ConfigSpec, type Located, type Problem } from '../config/spec.js';
import type { CodegenOptions } from '../codegen/emit-c.js';
import type { Network } from '../ir/network.js';
import { newClassifier, type QuantModel } from '../weights/model-weights.js';
import { importTflite, type ImportedModel } from './lower.js';
import { importOnnx } from './onnx-lower.js';
import { isModelFilePath, modelFileExtension } from '../config/starters.js';
import type { ImportProblem } from './tflite.js';

interface Loaded { model?: ImportedModel; problems: ImportProblem[]; hash?: string }

/** An ONNX model file (by its extension; config/starters.ts lists the formats `import:` reads). */
export const isOnnxPath = (path: string): boolean => modelFileExtension(path) === 'onnx';

const byContent = new Map<string, Loaded>();
const byFile = new Map<string, { size: number; mtimeMs: number; loaded: Loaded }>();

/** Reads and imports a model file, from the cache when its content was seen before. */
export function loadModelFile(file: string): Loaded {
  let st;
  try { st = statSync(file); } catch { return { problems: [{ code: 'import-missing', message: `${file} does not exist` }] }; }
  if (!st.isFile()) return { problems: [{ code: 'import-missing', message: `${file} is not a file` }] };
  const seen = byFile.get(file);
  if (seen && seen.size === st.size && seen.mtimeMs === st.mtimeMs) return seen.loaded;
  let bytes: Buffer;
  try { bytes = readFileSync(file); } catch (err) { return { problems: [{ code: 'import-missing', message: `cannot read ${file}: ${(err as Error).message}` }] }; }
  const hash = createHash('sha256').update(bytes).digest('hex');
  let loaded = byContent.get(hash);
  if (!loaded) {
    loaded = { ...(isOnnxPath(file) ? importOnnx(bytes) : importTflite(bytes)), hash };
    byContent.set(hash, loaded);
    if (byContent.size > 16) byContent.delete(byContent.keys().next().value!);
  }
  byFile.set(file, { size: st.size, mtimeMs: st.mtimeMs, loaded });
  return loaded;
}

/** The path a config's import names, resolved against the config's folder. */
export const importPath = (configPath: string, rel: string): string => resolve(dirname(resolve(configPath)), rel);

/**
 * Resolves spec.model.import in place: sets model.imported and model.input, checks train.update
 * against the imported conv count. Returns the problems, located on the config.
 */
export function resolveImport(spec: ConfigSpec, configPath: string | undefined): Problem[] {
  const imp = spec.model.import;
  if (!imp) return [];
  const at = (l: Located, severity: Problem['severity'], code: string, message: string): Problem => ({ message, severity, code, range: l.range, offsets: l.offsets });
  if (!configPath) return [at(imp, 'error', 'import-missing', `import: ${imp.path} is relative to the config's folder, which is not known for an unsaved config; save it first.`)];
  if (!isModelFilePath(imp.path)) return [at(imp, 'error', 'import-unsupported', `import: ${imp.path}: TinyTrain imports int8 .tflite and .onnx models.`)];
  const file = importPath(configPath, imp.path);
  const loaded = loadModelFile(file);
  const errors = loaded.problems.map((p) => at(imp, 'error', p.code, `${imp.path}: ${p.message}`));
  if (!loaded.model) return errors;
  const m = loaded.model;
  spec.model.imported = m;
  spec.model.input = [m.net.input.h, m.net.input.w, m.net.input.c];
  spec.model.layersComplete = true;

  // train.update against the imported convs (the parser could not count them).
  const n = m.net.convs.length;
  const u = spec.train.update;
  const problems = [...errors];
  if (u.biases === ALL_CONVS) u.biases = n;
  else if (u.biases > n) {
    problems.push(at(imp, 'error', 'biases-too-many', `biases: ${u.biases} asks for more convs than ${imp.path} has (${n}); use at most ${n}, or all.`));
    u.biases = n;
  }
  const firstBias = n - u.biases;
  u.weights = u.weights.filter((w) => {
    if (w.conv >= n) { problems.push(at(w, 'error', 'conv-index', `conv ${w.conv} does not exist: ${imp.path} has ${n} convs, numbered 0 to ${n - 1}.`)); return false; }
    if (w.conv < firstBias) { problems.push(at(w, 'error', 'weights-outside-biases', `conv ${w.conv} trains weights but not its bias (biases: ${u.biases} covers convs ${firstBias} to ${n - 1}); raise biases to ${n - w.conv} or remove this entry.`)); return false; }
    return true;
  });
  return problems;
}

/** The imported network with the config's classes: the file's classifier, or a new one (transfer). */
export function importedNetwork(m: ImportedModel, classes: number, name: string): Network {
  const c = m.net.classifier;
  if (classes === c.classes) return { ...m.net, name };
  const classifier = { cin: c.cin, classes, weightCount: c.cin * classes, biasCount: classes, macs: c.cin * classes };
  return { ...m.net, name, classifier, params: m.net.params - c.weightCount - c.biasCount + classifier.weightCount + classifier.biasCount, macs: m.net.macs - c.macs + classifier.macs };
}

/** True when the config keeps the file's classifier (its classes match). */
export const keepsHead = (m: ImportedModel, classes: number): boolean => m.net.classifier.classes === classes;

/** The model file's own int8 output (its classifier's quantization, then its softmax) when the
 * config keeps the file's classifier; undefined for config models and a replaced classifier. */
export function keptHead(spec: ConfigSpec): CodegenOptions['head'] {
  const m = spec.model.imported;
  if (!m || !keepsHead(m, spec.model.classes)) return undefined;
  return { logits: m.head.logits, ...(m.head.softmax ? { softmax: m.head.softmax } : {}) };
}

/** The int8 tensors a config's imported model starts training from (one seed rule for every
 * caller: training, infer, export). */
export function importedStartQuant(spec: ConfigSpec, net: Network): QuantModel {
  return importedQuant(spec.model.imported!, net, spec.train.seed + 7);
}

/** The int8 tensors of the imported network. A new classifier is He-initialised and quantized
 * with one scale for all outputs: TFLite's FULLY_CONNECTED is per-tensor (Arm NN rejects
 * per-channel FC weights), so the trained classifier exports as it trained. */
export function importedQuant(m: ImportedModel, net: Network, seed: number): QuantModel {
  if (keepsHead(m, net.classifier.classes)) return m.q;
  const f = newClassifier(net, seed);
  const { classes } = net.classifier;
  let max = 0;
  for (const v of f.w) max = Math.max(max, Math.abs(v));
  const scale = max > 0 ? max / 127 : 1;
  const sw = new Float32Array(classes).fill(scale);
  const w = Int8Array.from(f.w, (v) => Math.max(-127, Math.min(127, Math.round(v / scale))));
  return { ...m.q, fc: { w, sw, b: new Int32Array(classes) } };
}
