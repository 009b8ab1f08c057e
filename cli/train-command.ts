// `tinytrain train <config> [--board host] [--steps N] [--data <source>]`: prepares the model
// (pretraining and quantization as the config says), builds the generated training program and
// runs it, printing one JSON object per line: {"step","loss","correct"} per step, then
// {"done":true,"accuracy","steps"}. Progress goes to stderr so stdout stays machine-readable.

import { ConfigError, prepare } from '../training/prepare.js';
import { trainOnHost } from '../training/host-train.js';
import type { CommandContext } from './context.js';
import { formatProblem } from './format.js';

export async function trainCommand(ctx: CommandContext): Promise<number> {
  const file = ctx.positional[0];
  if (!file) return ctx.usage('train needs a config file: tinytrain train <config.tinytrain.yaml> [--board host] [--steps N] [--data mnist|<folder>]');
  const board = ctx.option('board') ?? 'host';
  if (board !== 'host') {
    ctx.err(`tinytrain train: --board ${board} needs a device (--port <path> or --virtual); see 'tinytrain help'.`);
    return 2;
  }
  const stepsOpt = ctx.option('steps');
  const steps = stepsOpt === undefined ? undefined : Number(stepsOpt);
  if (steps !== undefined && !(Number.isInteger(steps) && steps > 0)) return ctx.usage(`--steps must be a positive whole number; got ${stepsOpt}`);
  try {
    const p = await prepare(file, (m) => ctx.err(m), ctx.option('data'));
    ctx.err(`training ${p.spec.model.name} on the host: ${steps ?? p.spec.train.steps ?? p.split.train.length} steps, int8 with ${p.spec.train.qas ? 'QAS' : 'no QAS'}, lr ${p.spec.train.lr}; planned peak SRAM ${(p.analysis.plan!.peakSramBytes / 1024).toFixed(1)} KB`);
    await trainOnHost(p, { steps, onLine: (l) => ctx.out(JSON.stringify(l)) });
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      if (err.analysis) for (const pr of err.analysis.problems.filter((x) => x.severity === 'error')) ctx.err(formatProblem(file, pr));
      else ctx.err(`tinytrain train: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
