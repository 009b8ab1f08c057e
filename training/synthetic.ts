// A model and data made up on the spot, for tests and benchmarks of networks that have no data
// (MCUNet-5FPS at 128x128, random backbones): He-initialised weights, seeded random images and
// labels, calibrated and quantized like a real run.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeConfig } from '../compiler/analyze.js';
import { heInit, seededRandom } from '../compiler/weights/model-weights.js';
import type { Sample } from '../compiler/weights/files.js';
import { finishPreparation, type LoadedConfig, type Prepared } from './prepare.js';

/** Config text, or a config loadConfig already read and compiled. */
export async function prepareSynthetic(config: string | LoadedConfig, opts: { train?: number; test?: number; seed?: number; dir?: string } = {}): Promise<Prepared> {
  const { analysis, compilation } = typeof config === 'string' ? analyzeConfig(config) : config;
  if (!compilation) throw new Error(`not a config: ${analysis.problems.map((p) => p.message).join('; ')}`);
  const { spec, net } = compilation;
  const r = seededRandom(opts.seed ?? 1);
  const n = elementsOf(spec.model.input);
  // Smooth random images (a few random blobs) so activations look less like white noise.
  const make = (count: number): Sample[] => Array.from({ length: count }, () => {
    const label = Math.floor(r.uniform() * spec.model.classes);
    const pixels = new Float32Array(n);
    for (let i = 0; i < n; i++) pixels[i] = Math.min(1, Math.max(0, 0.5 + 0.25 * r.normal() + 0.1 * label));
    return { label, pixels };
  });
  const split = { classes: Array.from({ length: spec.model.classes }, (_, i) => i), train: make(opts.train ?? 64), test: make(opts.test ?? 32) };
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'tinytrain-synthetic-'));
  return finishPreparation({ configPath: join(dir, 'synthetic.tinytrain.yaml'), spec, analysis, compilation, net, dir, float: heInit(net, opts.seed ?? 1), split });
}

function elementsOf(s: [number, number, number]): number { return s[0] * s[1] * s[2]; }
