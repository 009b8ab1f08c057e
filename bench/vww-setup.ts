// The VWW transfer task both VWW benches train on: the MLPerf Tiny visual wake words MobileNetV1
// (96x96x3, ../shared/models) with a new classifier for four Fashion-MNIST classes (Debian
// dataset-fashion-mnist, 28x28 gray resized bilinear to 96x96 and copied to RGB), and its four
// update schemes: classifier only, biases only (all convs), a sparse scheme searched at 1/5 of
// the full update's analytic memory (from the prior contributions: nothing measured), full update.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyticMemory } from '../compiler/sparse/analytic.js';
import { fullUpdate, resolveUpdate, type UpdatePlan } from '../compiler/sparse/scheme.js';
import { findBestPlan, priorContributions, ratioText } from '../compiler/search.js';
import { encodeDataset } from '../compiler/weights/files.js';
import { prepare, type Prepared } from '../training/prepare.js';
import { writeContentAddressed } from '../training/workspace.js';

export const MODEL_FILE = 'mlperf_tiny_vww_96_int8.tflite';
const MODEL = join(import.meta.dirname, '..', '..', 'shared', 'models', MODEL_FILE);
export const CLASSES = [0, 1, 7, 8]; // T-shirt/top, trouser, sneaker, bag
export const TRAIN = 400;
/** Held-out samples (with 200, one point was two images). */
export const TEST = 1000;

export interface Scheme { name: string; plan: UpdatePlan; weights?: Record<string, string>; biases?: number }

export interface VwwTask { p: Prepared; schemes: Scheme[]; fullKB: number; budgetKB: number }

/** The prepared task in `dir` and its four schemes. */
export async function vwwTask(dir: string, log: (m: string) => void): Promise<VwwTask> {
  const config = join(dir, 'vww.tinytrain.yaml');
  writeFileSync(config, `model:\n  name: vww-fashion\n  import: ${MODEL}\n  classes: ${CLASSES.length}\ntarget:\n  board: stm32f746\ntrain:\n  update: { biases: all, classifier: true }\ndata:\n  source: fashion-mnist\n  classes: [${CLASSES.join(', ')}]\n  train: ${TRAIN}\n  test: ${TEST}\n`);
  const p = await prepare(config, log);
  const net = p.net;
  const n = net.convs.length;
  const full = fullUpdate(net);
  const fullKB = analyticMemory(net, full).extraKB;
  const budgetKB = fullKB / 5;
  const found = findBestPlan(net, priorContributions(net), { budgetKB, sramBytes: p.spec.target.sramBytes, seed: 1, classifier: true, compareRandom: false });
  if (!found.best) throw new Error('no sparse scheme fits 1/5 of the full update');
  const schemes: Scheme[] = [
    { name: 'classifier only', plan: resolveUpdate(net, { biases: 0, classifier: true, weights: [] }), biases: 0 },
    { name: `biases only (${n})`, plan: resolveUpdate(net, { biases: n, classifier: true, weights: [] }), biases: n },
    { name: 'sparse (searched, <= 1/5)', plan: resolveUpdate(net, { biases: found.best.biases, classifier: true, weights: found.best.weights }), biases: found.best.biases, weights: Object.fromEntries(found.best.weights.map((w) => [String(w.conv), ratioText(w.ratio)])) },
    { name: 'full update', plan: full, biases: n },
  ];
  return { p, schemes, fullKB, budgetKB };
}

/** The prepared run with other training and held-out samples (their files written beside). */
export function withSamples(p: Prepared, stem: string, train: Prepared['split']['train'], test: Prepared['split']['test']): Prepared {
  const shape = p.spec.model.input;
  const file = (name: string, samples: typeof train, q?: Prepared['quant']['input']): string => writeContentAddressed(p.dir, `${stem}-${name}`, 'ttd', encodeDataset(shape, samples, q));
  return {
    ...p, split: { ...p.split, train, test },
    files: { ...p.files, trainF32: file('train-fp32', train), testF32: file('test-fp32', test), trainS8: file('train-int8', train, p.quant.input), testS8: file('test-int8', test, p.quant.input) },
  };
}
