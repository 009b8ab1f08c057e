// Argument parsing and output for CLI commands, kept apart so commands are testable.

export interface CommandContext {
  positional: string[];
  flag(name: string): boolean;
  option(name: string): string | undefined;
  out(line: string): void;
  err(line: string): void;
  usage(message: string): number;
}

export function parseArgs(argv: string[], io: { out(s: string): void; err(s: string): void }): { command?: string; ctx: CommandContext } {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const dashes = a.startsWith('--') ? 2 : /^-[a-zA-Z]$/.test(a) ? 1 : 0; // --long or -o
    if (dashes) {
      const name = a.slice(dashes);
      const eq = name.indexOf('=');
      if (eq > 0) options.set(name.slice(0, eq), name.slice(eq + 1));
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('-') && VALUED.has(name)) options.set(name, argv[++i]);
      else options.set(name, true);
    } else positional.push(a);
  }
  const command = positional.shift();
  return {
    command,
    ctx: {
      positional,
      flag: (n) => options.has(n),
      option: (n) => { const v = options.get(n); return typeof v === 'string' ? v : undefined; },
      out: io.out,
      err: io.err,
      usage: (m) => { io.err(m); return 2; },
    },
  };
}

/** Options that take a value (`--board host`); the rest are flags. */
const VALUED = new Set(['board', 'port', 'data', 'steps', 'budget', 'contrib', 'out', 'o', 'seed', 'samples', 'lr', 'epochs', 'baud', 'eval', 'flash-command', 'csv', 'timeout', 'jobs']);
