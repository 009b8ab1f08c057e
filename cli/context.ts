// What a command is (its flag table, help and run function) and what it gets to run with
// (typed flags, positionals, output), kept apart from main.ts so commands are testable.
//
// Adding a command: write cli/<name>-command.ts exporting
//   export const fooCommand = defineCommand({ name: 'foo', summary: '...', positionals: [...],
//     flags: { steps: { type: 'int', min: 1, help: '...' } }, run: (ctx) => ... ctx.flags.steps ... });
// and list it in COMMANDS in main.ts. Unknown flags, missing values and out-of-range numbers
// never reach `run`: they are usage errors (exit 2) naming the flag.

import { EXIT, type FlagTable, type FlagValues, type Positional } from './args.js';

export interface CommandContext<F extends FlagTable = FlagTable> {
  /** The command's name, for messages (`tinytrain train: ...`). */
  command: string;
  positional: string[];
  flags: FlagValues<F>;
  out(line: string): void;
  err(line: string): void;
  /** Prints a usage error (with a pointer to --help) and returns exit code 2. */
  usage(message: string): number;
}

export interface Command<F extends FlagTable = FlagTable> {
  name: string;
  /** One line for `tinytrain help`. */
  summary: string;
  /** Paragraphs for `tinytrain <command> --help` (what it does, where files go). */
  details?: string;
  positionals: readonly Positional[];
  flags: F;
  run(ctx: CommandContext<F>): number | Promise<number>;
}

/** Declares a command; the identity function, there so `ctx.flags` is typed from the table. */
export function defineCommand<F extends FlagTable>(c: Command<F>): Command<F> {
  return c;
}

export interface Io { out(s: string): void; err(s: string): void }

export function commandContext<F extends FlagTable>(command: string, flags: FlagValues<F>, positional: string[], io: Io): CommandContext<F> {
  return {
    command, positional, flags, out: io.out, err: io.err,
    usage: (m) => { io.err(`tinytrain ${command}: ${m}\nrun 'tinytrain ${command} --help' for every option`); return EXIT.usage; },
  };
}
