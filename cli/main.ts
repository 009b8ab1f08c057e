// The `tinytrain` command line: the compiler's second face (CI and scripts drive it).

import { analyzeCommand } from './analyze-command.js';
import { contribCommand } from './contrib-command.js';
import { parseArgs, type CommandContext } from './context.js';
import { searchCommand } from './search-command.js';
import { trainCommand } from './train-command.js';
import { buildCommand } from './build-command.js';
import { flashCommand } from './flash-command.js';
import { boardCommand } from './board-command.js';
import { compileCommand } from './compile-command.js';
import { pretrainCommand } from './pretrain-command.js';

const COMMANDS: Record<string, { run: (ctx: CommandContext) => number | Promise<number>; help: string }> = {
  analyze: { run: analyzeCommand, help: 'analyze <config> [--json] [--compare] [--timeline]   peak SRAM, flash and the training plan' },
  contrib: { run: contribCommand, help: 'contrib <config> [--data mnist|<folder>] [--steps N] [--jobs=N] [--force]   measure what each bias count and weight slice adds (cached next to the config)' },
  search: { run: searchCommand, help: 'search <config> --budget 64KB [--contrib <file>] [--json]   the sparse-update plan with the best predicted gain in a budget' },
  compile: { run: compileCommand, help: 'compile <config> [--board host] -o <dir>   the training step as C sources + Makefile/CMake' },
  pretrain: { run: pretrainCommand, help: 'pretrain <config>   fp32 pretraining on the host, then int8 quantization' },
  train: { run: trainCommand, help: 'train <config> [--board host|stm32f405|stm32f746] [--port <path> | --virtual] [--steps N] [--eval N] [--data mnist|<folder>]   train on the host or a board, one JSON line per step' },
  build: { run: buildCommand, help: 'build <config> [--board stm32f405|stm32f746|nrf52840] [--steps N] [--no-measure] [--json]   firmware sizes and measured SRAM (QEMU) vs the plan' },
  flash: { run: flashCommand, help: 'flash <config|firmware.bin> --port <path> [--flash-command "<cmd>"] [--no-verify]   write the firmware through the STM32 ROM bootloader (AN3155), verify, start' },
  board: { run: boardCommand, help: 'board --virtual   a virtual STM32F405 (bootloader + QEMU); prints its port path, serves until killed' },
};

function help(): string {
  return ['usage: tinytrain <command> [options]', '', 'commands:', ...Object.values(COMMANDS).map((c) => `  ${c.help}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const io = { out: (s: string) => process.stdout.write(s + '\n'), err: (s: string) => process.stderr.write(s + '\n') };
  const { command, ctx } = parseArgs(argv, io);
  if (!command || command === 'help' || ctx.flag('help')) { io.out(help()); return command ? 0 : 2; }
  const cmd = COMMANDS[command];
  if (!cmd) { io.err(`tinytrain: unknown command '${command}'\n\n${help()}`); return 2; }
  try {
    return await cmd.run(ctx);
  } catch (err) {
    io.err(`tinytrain ${command}: ${(err as Error)?.message ?? err}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
