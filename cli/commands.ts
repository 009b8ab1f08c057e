// The command registry and dispatch: global help, --version, `help <command>`, strict flag
// parsing per command, and the exit code. Each command is one file exporting a
// `defineCommand({...})`; list it in COMMANDS to register it.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT, commandHelp, parseCommandArgs } from './args.js';
import { commandContext, type Command, type Io } from './context.js';
import { oneLine } from './format.js';
import { analyzeCommand } from './analyze-command.js';
import { boardCommand } from './board-command.js';
import { buildCommand } from './build-command.js';
import { compileCommand } from './compile-command.js';
import { contribCommand } from './contrib-command.js';
import { flashCommand } from './flash-command.js';
import { exportCommand } from './export-command.js';
import { inferCommand } from './infer-command.js';
import { initCommand } from './init-command.js';
import { monitorCommand } from './monitor-command.js';
import { pretrainCommand } from './pretrain-command.js';
import { profileCommand } from './profile-command.js';
import { searchCommand } from './search-command.js';
import { trainCommand } from './train-command.js';

export const COMMANDS: readonly Command[] = [
  initCommand, analyzeCommand, compileCommand, pretrainCommand, trainCommand, inferCommand, exportCommand, contribCommand, searchCommand,
  buildCommand, flashCommand, boardCommand, monitorCommand, profileCommand,
];

/** package.json sits one folder up both from cli/ (source checkout) and from dist/ (the bundle). */
export function version(): string {
  try {
    return (JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: tinytrain <command> [options]      (tinytrain <command> --help for its options)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'exit codes: 0 ok, 1 a problem in the input or the run, 2 a usage error,',
    '            130 / 143 / 129 stopped by SIGINT (Ctrl-C) / SIGTERM / SIGHUP',
    'tinytrain --version prints the version.',
  ].join('\n');
}

export async function runCli(argv: string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) { io.err(globalHelp()); return EXIT.usage; }
  if (first === '--help' || first === '-h') { io.out(globalHelp()); return EXIT.ok; }
  if (first === '--version' || first === '-v') { io.out(version()); return EXIT.ok; }
  if (first === 'help') {
    if (rest.length === 0) { io.out(globalHelp()); return EXIT.ok; }
    const c = COMMANDS.find((x) => x.name === rest[0]);
    if (!c) { io.err(`tinytrain help: unknown command '${rest[0]}'\n\n${globalHelp()}`); return EXIT.usage; }
    io.out(commandHelp(c));
    return EXIT.ok;
  }
  if (first.startsWith('-')) { io.err(`tinytrain: unknown option ${first} before the command\n\n${globalHelp()}`); return EXIT.usage; }
  const cmd = COMMANDS.find((c) => c.name === first);
  if (!cmd) { io.err(`tinytrain: unknown command '${first}'\n\n${globalHelp()}`); return EXIT.usage; }
  const parsed = parseCommandArgs(cmd.flags, cmd.positionals, rest);
  if ('error' in parsed) {
    io.err(`tinytrain ${cmd.name}: ${parsed.error}\nrun 'tinytrain ${cmd.name} --help' for every option`);
    return EXIT.usage;
  }
  if (parsed.help) { io.out(commandHelp(cmd)); return EXIT.ok; }
  try {
    return await cmd.run(commandContext(cmd.name, parsed.flags, parsed.positional, io));
  } catch (err) {
    // Not one of the failures errors.ts words: say it in one line, with what to try, and keep
    // the stack for TINYTRAIN_DEBUG=1.
    io.err(`tinytrain ${cmd.name}: ${oneLine(String((err as Error)?.message ?? err))}`);
    io.err(`  check the paths and the config named above; if it persists, rerun with TINYTRAIN_DEBUG=1 for the details`);
    if (process.env.TINYTRAIN_DEBUG === '1') io.err(String((err as Error)?.stack ?? err));
    return EXIT.problem;
  }
}
