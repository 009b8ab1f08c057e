// The `tinytrain` command line: the compiler's second face (CI and scripts drive it).
import { runCli } from './commands.js';
import { terminalText } from './format.js';

runCli(process.argv.slice(2), { out: (s) => process.stdout.write(terminalText(s) + '\n'), err: (s) => process.stderr.write(terminalText(s) + '\n') })
  .then((code) => { process.exitCode = code; });
