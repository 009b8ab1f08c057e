// `tinytrain export <config> [--run <run>] -o tuned.tflite`: the fine-tuned model as a .tflite:
// the imported file's graph with a run's trained tensors (and the new classifier, when the
// config replaced it) written in (training/export.ts).

import { resolve } from 'node:path';
import { exportRun, findTrainedFile } from '../training/export.js';
import { loadConfig, prepare } from '../training/prepare.js';
import { writeFileAtomic } from '../training/workspace.js';
import { EXIT } from './args.js';
import { defineCommand } from './context.js';
import { reportRunError } from './errors.js';
import { configArgumentError } from './input.js';

export const exportCommand = defineCommand({
  name: 'export',
  summary: "write the fine-tuned model as a .tflite: the imported file with a run's trained tensors",
  details: "For a config that imports a .tflite (model: { import: ... }). --run names the run: its CSV, its .ttp (the trained tensors a run saves beside the CSV: a host run, or a device run from the TRAINED frames its firmware sends back), or a runs folder (its newest); default the newest run in .tinytrain/<model>/runs/. A new classifier's int8 output is quantized over the trained model's logits on the training data.",
  positionals: [{ name: '<config>', help: 'a *.tinytrain.yaml file that imports a model' }],
  flags: {
    run: { type: 'string', value: 'RUN', help: 'the run: a run CSV, its .ttp, or a runs folder (default: the newest run)' },
    out: { type: 'string', short: 'o', value: 'FILE.tflite', help: 'where to write the model (required)' },
  },
  async run(ctx) {
    const file = ctx.positional[0];
    const bad = configArgumentError(ctx, file);
    if (bad !== undefined) return bad;
    const out = ctx.flags.out;
    if (!out) return ctx.usage('-o FILE.tflite is required: where to write the model');
    if (!/\.tflite$/i.test(out)) return ctx.usage(`-o: ${out} must end in .tflite`);
    try {
      const loaded = loadConfig(file);
      if (!loaded.spec.model.imported) { ctx.err(`tinytrain export: ${file} describes its layers in YAML; export writes back imported models (model: { import: model.tflite }) for now`); return EXIT.problem; }
      const p = await prepare(loaded, (m) => ctx.err(m));
      const trained = findTrainedFile(p.configPath, p.spec.model.name, ctx.flags.run);
      const r = await exportRun(p, trained);
      writeFileAtomic(resolve(out), r.bytes);
      ctx.err(`wrote ${out} (${r.bytes.length} bytes) from ${trained}${r.logits ? `; the new classifier's output is int8 with scale ${r.logits.scale.toPrecision(6)}, zero point ${r.logits.zeroPoint}` : ''}`);
      return EXIT.ok;
    } catch (err) {
      return reportRunError(ctx, file, err);
    }
  },
});
