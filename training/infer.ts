// Inference of a config's int8 model as compiled: the generated C (built with gcc for the host)
// runs each sample and reports its outputs in the model's own output type, and the predicted class.
// For an imported model that keeps its classifier, the outputs are what the model file's graph
// ends in (int8 softmax, or dequantized floats after a DEQUANTIZE); otherwise the float logits.

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateProgram, type Compilation } from '../compiler/compile.js';
import { importedStartQuant, keptHead } from '../compiler/import/resolve.js';
import type { ConfigSpec } from '../compiler/config/spec.js';
import { encodeDataset } from '../compiler/weights/files.js';
import type { QParams, QuantModel } from '../compiler/weights/model-weights.js';
import type { NpyArray } from '../datasets/npy.js';
import { buildTrainer, runJsonLines } from './host-programs.js';
import { hashOf } from './workspace.js';

/** outputs: the model's own (see above); logits: the float logits tt_infer computed, always. */
export interface InferResult { outputs: number[]; logits: number[]; predicted: number }

/** The int8 model a config compiles to, and its head, ready for inference. */
export interface InferModel { spec: ConfigSpec; compilation: Compilation; quant: QuantModel; dir: string }

/** Quantizes a float input as TFLite's QUANTIZE does: round half away from zero, saturate. */
export function quantizeInput(x: number, q: QParams): number {
  const r = x / q.scale;
  const rounded = r < 0 ? -Math.round(-r) : Math.round(r);
  return Math.max(-128, Math.min(127, rounded + q.zeroPoint));
}

/**
 * The samples of a .npy array for a model input [H, W, C]: N x H x W x C (or one H x W x C),
 * int8 as they are, float32 quantized with the model's input quantization.
 * Returns the int8 samples, or a message saying why the array does not fit.
 */
export function samplesOf(a: NpyArray, input: [number, number, number], q: QParams, floatInput: boolean): { samples?: Int8Array[]; error?: string } {
  const per = input[0] * input[1] * input[2];
  const shape = a.shape;
  const inner = shape.slice(-3).join('x') === input.join('x') ? 3 : shape.length >= 4 && shape.slice(-4).join('x') === `1x${input.join('x')}` ? 4 : 0;
  if (!inner) return { error: `the array's shape (${shape.join(', ')}) does not end in the model input ${input.join(' x ')} (write N x ${input.join(' x ')})` };
  const n = shape.slice(0, shape.length - inner).reduce((x, y) => x * y, 1);
  if (a.dtype === 'float32' && !floatInput) return { error: 'the array is float32 but the model input is int8: pass int8 samples in the input quantization' };
  if (a.dtype !== 'float32' && a.dtype !== 'int8') return { error: `the array is ${a.dtype}; the model takes ${floatInput ? 'float32' : 'int8'}` };
  if (a.dtype === 'int8' && floatInput) return { error: 'the array is int8 but the model input is float32 (it quantizes inside): pass float32 samples' };
  const samples: Int8Array[] = [];
  for (let s = 0; s < n; s++) {
    const x = new Int8Array(per);
    for (let i = 0; i < per; i++) x[i] = a.dtype === 'int8' ? a.data[s * per + i] : quantizeInput(a.data[s * per + i], q);
    samples.push(x);
  }
  return { samples };
}

/** Builds the host inference program for the model and runs it on int8 samples. */
export async function runInference(m: InferModel, samples: Int8Array[]): Promise<InferResult[]> {
  const { spec, compilation, quant } = m;
  const imported = spec.model.imported;
  const head = keptHead(spec);
  const model = generateProgram(compilation, quant);
  const program = buildTrainer(model, join(m.dir, `infer-${hashOf(model.source)}`));
  const data = join(m.dir, `infer-input-${process.pid}.ttd`);
  const [h, w, c] = spec.model.input;
  writeFileSync(data, encodeDataset([h, w, c], samples.map((x) => ({ label: 0, pixels: Float32Array.from(x) })), { scale: 1, zeroPoint: 0 }));
  let r;
  try { r = await runJsonLines(program, [data, data, '0', '--eval-only', '--logits']); } finally { rmSync(data, { force: true }); }
  if (r.code !== 0) throw new Error(`inference program failed (${r.code}): ${r.stderr.trim()}`);
  const out = head?.softmax?.out ?? head?.logits;
  return r.lines.filter((l) => 'sample' in l).map((l) => {
    const predicted = Number(l.predicted);
    const logits = (l.logits as number[]).map(Number);
    if (!imported || !head || !out) return { outputs: logits, logits, predicted };
    const q = (l.outputs as number[]).map(Number);
    return { outputs: imported.head.dequantize ? q.map((v) => out.scale * (v - out.zeroPoint)) : q, logits, predicted };
  });
}

/** The int8 tensors of a config's model: the imported file's (with a new head when classes
 * differ), or `quant` (a trained model) in their place. */
export function importedInferModel(spec: ConfigSpec, compilation: Compilation, dir: string, quant?: QuantModel): InferModel {
  return { spec, compilation, quant: quant ?? importedStartQuant(spec, compilation.net), dir };
}
