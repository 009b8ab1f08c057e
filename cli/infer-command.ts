// `tinytrain infer <config> --input samples.npy [--json]`: runs the config's int8 model as
// compiled (the generated C, built for the host) on the samples of a NumPy array and prints each
// sample's outputs (in the model's own output type) and predicted class.

import { readFileSync } from 'node:fs';
import { readNpy } from '../datasets/npy.js';
import { loadConfig } from '../training/prepare.js';
import { importedInferModel, runInference, samplesOf } from '../training/infer.js';
import { workDir } from '../training/workspace.js';
import { EXIT } from './args.js';
import { defineCommand } from './context.js';
import { reportRunError } from './errors.js';
import { configArgumentError } from './input.js';

export const inferCommand = defineCommand({
  name: 'infer',
  summary: 'run the int8 model as compiled (the generated C) on N samples: outputs and predicted class',
  details: 'For a config that imports a .tflite (model: { import: ... }). --input is a NumPy .npy array of N samples in the model\'s input shape: int8 in its input quantization, or float32 when the model quantizes a float input itself. Outputs are the model\'s own (its int8 softmax, floats after a DEQUANTIZE); with a new classifier (classes differ from the file), the float logits.',
  positionals: [{ name: '<config>', help: 'a *.tinytrain.yaml file that imports a model' }],
  flags: {
    input: { type: 'string', value: 'FILE.npy', help: 'the samples, N x H x W x C (required)' },
    json: { type: 'boolean', help: 'one JSON line per sample: {"outputs": [...], "predicted": k}' },
  },
  async run(ctx) {
    const file = ctx.positional[0];
    const bad = configArgumentError(ctx, file);
    if (bad !== undefined) return bad;
    const input = ctx.flags.input;
    if (!input) return ctx.usage('--input FILE.npy is required: the samples to run');
    try {
      const { spec, compilation } = loadConfig(file);
      const imported = spec.model.imported;
      if (!imported) { ctx.err(`tinytrain infer: ${file} describes its layers in YAML; infer runs imported models (model: { import: model.tflite }) for now`); return EXIT.problem; }
      let bytes: Buffer;
      try { bytes = readFileSync(input); } catch { ctx.err(`tinytrain infer: cannot read ${input}`); return EXIT.problem; }
      const { array, error } = readNpy(bytes);
      if (!array) { ctx.err(`tinytrain infer: ${input}: ${error}`); return EXIT.problem; }
      const got = samplesOf(array, spec.model.input, imported.input.quant, imported.input.type === 'float32');
      if (!got.samples) { ctx.err(`tinytrain infer: ${input}: ${got.error}`); return EXIT.problem; }
      const results = await runInference(importedInferModel(spec, compilation, workDir(file, spec.model.name)), got.samples);
      results.forEach((r, i) => ctx.out(ctx.flags.json
        ? JSON.stringify({ outputs: r.outputs, predicted: r.predicted })
        : `sample ${i}: predicted ${r.predicted}, outputs [${r.outputs.map((v) => (Number.isInteger(v) ? String(v) : v.toPrecision(6))).join(', ')}]`));
      return EXIT.ok;
    } catch (err) {
      return reportRunError(ctx, file, err);
    }
  },
});
