// `tinytrain pretrain <config>`: fp32 pretraining on the host (full update) as the config's
// pretrain: section says, then post-training quantization; prints where the weights are.

import { ConfigError, prepare } from '../training/prepare.js';
import type { CommandContext } from './context.js';
import { formatProblem } from './format.js';

export async function pretrainCommand(ctx: CommandContext): Promise<number> {
  const file = ctx.positional[0];
  if (!file) return ctx.usage('pretrain needs a config: tinytrain pretrain <config.tinytrain.yaml>');
  try {
    const p = await prepare(file, (m) => ctx.err(m));
    if (!p.spec.pretrain) ctx.err('note: the config has no pretrain: section, so the fp32 model is He-initialised');
    ctx.out(JSON.stringify({ fp32: p.files.floatModel, int8: p.files.quantModel, pretrainAccuracy: p.pretrainAccuracy ?? null, input: p.quant.input }));
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      if (err.analysis) for (const pr of err.analysis.problems.filter((x) => x.severity === 'error')) ctx.err(formatProblem(file, pr));
      else ctx.err(`tinytrain pretrain: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
