// `tinytrain compile <config> [--board host] -o <dir>`: the training step as a C project.
// With data: (and pretrain:) in the config the weights are the real ones (pretrained and
// quantized); without, He-initialised and calibrated on random inputs, and the output says so.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeCProject } from '../training/compile-project.js';
import { ConfigError, loadConfig, prepare } from '../training/prepare.js';
import { prepareSynthetic } from '../training/synthetic.js';
import { workDir } from '../training/workspace.js';
import type { CommandContext } from './context.js';
import { formatProblem } from './format.js';

export async function compileCommand(ctx: CommandContext): Promise<number> {
  const file = ctx.positional[0];
  const out = ctx.option('o') ?? ctx.option('out');
  if (!file || !out) return ctx.usage('compile needs a config and an output folder: tinytrain compile <config.tinytrain.yaml> [--board host] -o <dir>');
  try {
    const { spec } = loadConfig(file);
    const board = ctx.option('board') ?? 'host';
    const log = (m: string): void => ctx.err(m);
    let p;
    let note: string;
    if (spec.data) {
      p = await prepare(file, log);
      note = spec.pretrain ? `pretrained in fp32 on ${spec.pretrain.source} classes ${spec.pretrain.classes.join(', ')}, new classifier, quantized on ${spec.data.source}` : `He init, quantized on ${spec.data.source}`;
    } else {
      p = await prepareSynthetic(readFileSync(file, 'utf8'), { dir: workDir(file, spec.model.name, 'synthetic'), train: 16, test: 4 });
      note = 'random He init, calibrated on random inputs (the config has no data: section)';
      ctx.err(`note: ${note}`);
    }
    const project = writeCProject(p, resolve(out), note);
    ctx.out(`wrote ${project.files.length} files to ${project.dir} (board ${board}: the C is portable; see 'tinytrain build' for firmware)`);
    ctx.out(`arena ${project.arenaBytes} B + SRAM copies ${project.sramCopyBytes} B = planned peak ${p.compilation.memory.peakSramBytes} B`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      if (err.analysis) for (const pr of err.analysis.problems.filter((x) => x.severity === 'error')) ctx.err(formatProblem(file, pr));
      else ctx.err(`tinytrain compile: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
