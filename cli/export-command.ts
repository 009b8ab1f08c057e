// `tinytrain export <config> [--run <run> | --pretrained] -o tuned.tflite`: the fine-tuned model
// in the imported file's format (.tflite or .onnx): its graph with a run's trained tensors (and
// the new classifier, when the config replaced it) written in; a config of YAML layers, its network as a new int8
// .tflite with a run's tensors, or (--pretrained) the int8 model `pretrain` makes (training/export.ts).

import { resolve } from 'node:path';
import { exportRun, findTrainedFile } from '../training/export.js';
import { loadConfig, prepare } from '../training/prepare.js';
import { writeFileAtomic } from '../training/workspace.js';
import { isOnnxPath } from '../compiler/import/resolve.js';
import { EXIT } from './args.js';
import { defineCommand } from './context.js';
import { reportRunError } from './errors.js';
import { configArgumentError } from './input.js';

export const exportCommand = defineCommand({
  name: 'export',
  summary: "write the fine-tuned model: the imported .tflite or .onnx with a run's trained tensors, or a YAML config's network as a .tflite",
  details: "A config that imports a .tflite or an .onnx (model: { import: ... }) gets its file back, in its own format, with the trained tensors written in (a new classifier with its class count through the ops after it); a config of YAML layers gets its network written as an int8 .tflite (CONV_2D, DEPTHWISE_CONV_2D, ADD, MEAN, a 1x1 CONV_2D classifier, RESHAPE, SOFTMAX; a 1-D model's input is [1, T, 1, C]) that TFLite runtimes run and `model: { import: ... }` reads. --run names the run: its CSV, its .ttp (the trained tensors a run saves beside the CSV: a host run, or a device run from the TRAINED frames its firmware sends back), or a runs folder (its newest); default the newest run in .tinytrain/<model>/runs/. --pretrained (YAML configs) writes the int8 model every run starts from, the one `tinytrain pretrain` makes. A written classifier's int8 output is quantized over the model's logits on the training data.",
  positionals: [{ name: '<config>', help: 'a *.tinytrain.yaml file that imports a model' }],
  flags: {
    run: { type: 'string', value: 'RUN', help: 'the run: a run CSV, its .ttp, or a runs folder (default: the newest run)' },
    pretrained: { type: 'boolean', help: "a YAML config's pretrained int8 model (what every run starts from) instead of a run's" },
    out: { type: 'string', short: 'o', value: 'FILE', help: 'where to write the model (required): .tflite, or .onnx for a config that imports an .onnx' },
  },
  async run(ctx) {
    const file = ctx.positional[0];
    const bad = configArgumentError(ctx, file);
    if (bad !== undefined) return bad;
    const out = ctx.flags.out;
    if (!out) return ctx.usage('-o FILE.tflite is required: where to write the model (FILE.onnx for a config that imports an .onnx)');
    if (ctx.flags.pretrained && ctx.flags.run) return ctx.usage('--pretrained and --run name two different models; give one');
    try {
      const loaded = loadConfig(file);
      const format = isOnnxPath(loaded.spec.model.import?.path ?? '') ? 'onnx' : 'tflite';
      if (!new RegExp(`\\.${format}$`, 'i').test(out)) return ctx.usage(`-o: ${out} must end in .${format}${format === 'onnx' ? ` (${file} imports an .onnx; export writes that format back)` : ''}`);
      if (ctx.flags.pretrained && loaded.spec.model.imported) { ctx.err(`tinytrain export: ${file} imports ${loaded.spec.model.import!.path}, which is its pretrained model; --pretrained is for configs of YAML layers`); return EXIT.problem; }
      const p = await prepare(loaded, (m) => ctx.err(m));
      const trained = ctx.flags.pretrained ? undefined : findTrainedFile(p.configPath, p.spec.model.name, ctx.flags.run);
      const r = await exportRun(p, trained);
      writeFileAtomic(resolve(out), r.bytes);
      const head = !r.logits ? '' : p.spec.model.imported ? "; the new classifier's output" : "; the classifier's output";
      ctx.err(`wrote ${out} (${r.bytes.length} bytes) from ${trained ?? "the pretrained int8 model"}${r.logits ? `${head} is int8 with scale ${r.logits.scale.toPrecision(6)}, zero point ${r.logits.zeroPoint}` : ''}`);
      return EXIT.ok;
    } catch (err) {
      return reportRunError(ctx, file, err);
    }
  },
});
