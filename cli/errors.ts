// One place that turns what a run throws into what the user reads: a located problem for a
// config error, a sentence for a tool, flasher or budget failure, and the exit code. Anything
// else is rethrown (main prints it as `tinytrain <command>: message`, exit 1, no stack).

import { ToolError } from '../compiler/toolchain/tools.js';
import { FlasherError } from '../device/an3155/flasher.js';
import { FirmwareBudgetError } from '../devicerun/build.js';
import { ConfigError } from '../training/prepare.js';
import { EXIT } from './args.js';
import type { CommandContext } from './context.js';
import { formatProblem } from './format.js';

/** Prints a known failure of a run on `file` and returns its exit code; rethrows the rest. */
export function reportRunError(ctx: CommandContext, file: string, err: unknown): number {
  const say = (m: string): number => { ctx.err(`tinytrain ${ctx.command}: ${m}`); return EXIT.problem; };
  if (err instanceof ConfigError) {
    const errors = err.analysis?.problems.filter((p) => p.severity === 'error') ?? [];
    if (errors.length) { for (const p of errors) ctx.err(formatProblem(file, p)); return EXIT.problem; }
    return say(err.message);
  }
  if (err instanceof FirmwareBudgetError) {
    if (err.problem) { ctx.err(formatProblem(file, err.problem)); return EXIT.problem; }
    return say(err.message);
  }
  if (err instanceof FlasherError) return say(`flashing failed: ${err.code}: ${err.message}`); // client/device-model.ts flashFailure reads this shape
  if (err instanceof ToolError) return say(err.message);
  throw err;
}
