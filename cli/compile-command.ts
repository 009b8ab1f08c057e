// `tinytrain compile <config> [--board host] -o <dir>`: the training step as a C project.
// With data: (and pretrain:) in the config the weights are the real ones (pretrained and
// quantized); without, He-initialised and calibrated on random inputs, and the output says so.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BOARD_NAMES } from '../compiler/config/boards.js';
import { writeCProject } from '../training/compile-project.js';
import { loadConfig, prepare } from '../training/prepare.js';
import { prepareSynthetic } from '../training/synthetic.js';
import { workDir } from '../training/workspace.js';
import { EXIT } from './args.js';
import { defineCommand } from './context.js';
import { reportRunError } from './errors.js';
import { runStoppable } from './signals.js';
import { outputDirError, preflight } from './input.js';

export const compileCommand = defineCommand({
  name: 'compile',
  summary: 'the training step as portable C99 sources with a Makefile and CMakeLists.txt',
  details: 'With a data: section the weights are the real ones (pretrained as pretrain: says, then quantized on the data); without, He-initialised and calibrated on random inputs.',
  positionals: [{ name: '<config>', help: 'a *.tinytrain.yaml file' }],
  flags: {
    out: { type: 'string', short: 'o', value: 'DIR', help: 'the folder to write the C project into (created when missing; required)' },
    board: { type: 'string', value: 'BOARD', choices: BOARD_NAMES, help: 'the board the project is for (default host; the C is the same, see `tinytrain build` for firmware)' },
  },
  async run(ctx) {
    const file = ctx.positional[0];
    const out = ctx.flags.out;
    if (!out) return ctx.usage('--out DIR (or -o DIR) is required: the folder to write the C project into');
    const bad = preflight(ctx, file) ?? outputDirError(ctx, '--out', out);
    if (bad !== undefined) return bad;
    return runStoppable(ctx, async (signal) => {
      try {
        const { spec } = loadConfig(file);
        const board = ctx.flags.board ?? 'host';
        const log = (m: string): void => ctx.err(m);
        let p;
        let note: string;
        if (spec.data) {
          p = await prepare(file, log, undefined, signal);
          note = spec.pretrain ? `pretrained in fp32 on ${spec.pretrain.source} classes ${spec.pretrain.classes.join(', ')}, new classifier, quantized on ${spec.data.source}` : `He init, quantized on ${spec.data.source}`;
        } else {
          p = await prepareSynthetic(readFileSync(file, 'utf8'), { dir: workDir(file, spec.model.name, 'synthetic'), train: 16, test: 4 });
          note = 'random He init, calibrated on random inputs (the config has no data: section)';
          ctx.err(`note: ${note}`);
        }
        const project = writeCProject(p, resolve(out), note);
        ctx.out(`wrote ${project.files.length} files to ${project.dir} (board ${board}: the C is portable; see 'tinytrain build' for firmware)`);
        ctx.out(`arena ${project.arenaBytes} B + SRAM copies ${project.sramCopyBytes} B = planned peak ${p.compilation.memory.peakSramBytes} B`);
        return EXIT.ok;
      } catch (err) {
        if (signal.aborted) throw err;
        return reportRunError(ctx, file, err);
      }
    });
  },
});
