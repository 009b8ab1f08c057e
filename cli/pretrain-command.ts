// `tinytrain pretrain <config>`: fp32 pretraining on the host (full update) as the config's
// pretrain: section says, then post-training quantization; prints where the weights are.

import { prepare } from '../training/prepare.js';
import { EXIT } from './args.js';
import { defineCommand } from './context.js';
import { reportRunError } from './errors.js';
import { preflight } from './input.js';
import { runStoppable } from './signals.js';

export const pretrainCommand = defineCommand({
  name: 'pretrain',
  summary: 'fp32 pretraining on the host as pretrain: says, then int8 quantization; prints where the weights are',
  details: "The weights are cached in .tinytrain/<model>/ next to the config under a hash of what they depend on, so 'train' and 'build' reuse them.",
  positionals: [{ name: '<config>', help: 'a *.tinytrain.yaml file' }],
  flags: {},
  async run(ctx) {
    const file = ctx.positional[0];
    const bad = preflight(ctx, file);
    if (bad !== undefined) return bad;
    return runStoppable(ctx, async (signal) => {
      try {
        const p = await prepare(file, (m) => ctx.err(m), undefined, signal);
        if (!p.spec.pretrain) ctx.err('note: the config has no pretrain: section, so the fp32 model is He-initialised');
        ctx.out(JSON.stringify({ fp32: p.files.floatModel, int8: p.files.quantModel, pretrainAccuracy: p.pretrainAccuracy ?? null, input: p.quant.input }));
        return EXIT.ok;
      } catch (err) {
        if (signal.aborted) throw err;
        return reportRunError(ctx, file, err);
      }
    });
  },
});
