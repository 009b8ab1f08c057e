// Strict argument parsing for every command: a command declares its flags in one table (type,
// range, units, help) and gets typed values, or a usage error (exit 2) that names the flag.
// Node's util.parseArgs (strict) does the tokenizing; this module adds types, ranges and help.

import { parseArgs as parseTokens } from 'node:util';
import { parseSize } from '../compiler/config/units.js';

/** What the exit code says (README: "Exit codes"). */
export const EXIT = { ok: 0, problem: 1, usage: 2, SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

interface FlagBase {
  /** One sentence for `tinytrain <command> --help`; say the default and units there. */
  help: string;
  /** A one-letter alias (`-o`). */
  short?: string;
}
/** A switch: present or not, takes no value. */
export interface BooleanFlag extends FlagBase { type: 'boolean' }
/** Free text (a path, a command line), or one of `choices`. */
export interface StringFlag extends FlagBase { type: 'string'; value: string; choices?: readonly string[] }
/** A whole number in [min, max]. */
export interface IntFlag extends FlagBase { type: 'int'; value?: string; min?: number; max?: number }
/** A size with a unit (`64KB`, `1.5MB`, `4096B`); a bare number means `bareUnit`. In bytes. */
export interface BytesFlag extends FlagBase { type: 'bytes'; value?: string; bareUnit: 'B' | 'KB' }
/** A duration (`90`, `90s`, `2m`, `500ms`); a bare number is seconds. In seconds, > 0. */
export interface SecondsFlag extends FlagBase { type: 'seconds'; value?: string; max?: number }
export type FlagSpec = BooleanFlag | StringFlag | IntFlag | BytesFlag | SecondsFlag;
export type FlagTable = Record<string, FlagSpec>;

type ValueOf<F extends FlagSpec> = F extends BooleanFlag ? boolean : F extends StringFlag ? string : number;
/** The parsed flags: booleans are always there (false when absent), the rest when given. */
export type FlagValues<T extends FlagTable> = { [K in keyof T]: T[K] extends BooleanFlag ? boolean : ValueOf<T[K]> | undefined };

export interface Positional { name: string; help: string; optional?: boolean }

export type Parsed<T extends FlagTable> = { flags: FlagValues<T>; positional: string[]; help: boolean } | { error: string };

/** Every command also takes --help / -h. */
const HELP_FLAG: BooleanFlag = { type: 'boolean', short: 'h', help: 'print this help and exit' };

const placeholder = (f: FlagSpec): string =>
  f.type === 'boolean' ? '' : f.type === 'string' ? (f.choices ? f.choices.join('|') : f.value) : f.value ?? (f.type === 'int' ? 'N' : f.type === 'bytes' ? 'SIZE' : 'SECONDS');

/** Parses `argv` (after the command name) against a command's flag table. */
export function parseCommandArgs<T extends FlagTable>(flags: T, positionals: readonly Positional[], argv: string[]): Parsed<T> {
  const table: FlagTable = { ...flags, help: HELP_FLAG };
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = {};
  for (const [name, f] of Object.entries(table)) options[name] = { type: f.type === 'boolean' ? 'boolean' : 'string', ...(f.short ? { short: f.short } : {}) };
  let tokens;
  try {
    tokens = parseTokens({ args: joinNegativeNumbers(table, argv), options, strict: true, allowPositionals: true });
  } catch (e) {
    return { error: explainTokenError(table, e as Error & { code?: string }) };
  }
  const values = tokens.values as Record<string, string | boolean | undefined>;
  if (values.help) return { flags: {} as FlagValues<T>, positional: tokens.positionals, help: true };
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(flags)) {
    const raw = values[name];
    if (f.type === 'boolean') { out[name] = raw === true; continue; }
    if (raw === undefined) continue;
    const v = convert(name, f, String(raw));
    if ('error' in v) return v;
    out[name] = v.value;
  }
  const required = positionals.filter((p) => !p.optional);
  if (tokens.positionals.length < required.length) {
    const missing = required[tokens.positionals.length];
    return { error: `missing ${missing.name}: ${missing.help}` };
  }
  if (tokens.positionals.length > positionals.length) {
    const extra = tokens.positionals[positionals.length];
    return { error: `unexpected argument '${extra}'${positionals.length ? ` (this command takes ${positionals.map((p) => p.name).join(' ')})` : ' (this command takes no arguments)'}` };
  }
  return { flags: out as FlagValues<T>, positional: tokens.positionals, help: false };
}

/** `--steps -5` reads as a flag followed by an option to parseArgs; join it into `--steps=-5`
 *  so the range check can say what is wrong with the number. */
function joinNegativeNumbers(table: FlagTable, argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    const f = name !== undefined ? table[name] : undefined;
    if (f && f.type !== 'boolean' && f.type !== 'string' && /^-\d/.test(argv[i + 1] ?? '')) { out.push(`${a}=${argv[++i]}`); continue; }
    out.push(a);
  }
  return out;
}

function explainTokenError(table: FlagTable, e: Error & { code?: string }): string {
  const flag = /'(--?[^' =]+)/.exec(e.message)?.[1] ?? '';
  const name = flag.replace(/^-+/, '');
  const spec = table[name] ?? Object.entries(table).find(([, f]) => f.short === name)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const near = closest(name, Object.keys(table));
    return `unknown option ${flag}${near ? ` (did you mean --${near}?)` : ''}`;
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && spec) {
    if (spec.type === 'boolean') return `${flag} is a switch and takes no value`;
    return `${flag} needs a value (${placeholder(spec)}): ${spec.help}`;
  }
  return e.message.split('\n')[0];
}

function convert(name: string, f: Exclude<FlagSpec, BooleanFlag>, raw: string): { value: string | number } | { error: string } {
  const flag = `--${name}`;
  switch (f.type) {
    case 'string':
      if (raw === '') return { error: `${flag} needs a value (${placeholder(f)})` };
      if (f.choices && !f.choices.includes(raw)) {
        const near = closest(raw, f.choices);
        return { error: `${flag} must be one of ${f.choices.join(', ')}; got '${raw}'${near ? ` (did you mean ${near}?)` : ''}` };
      }
      return { value: raw };
    case 'int': {
      const n = /^[-+]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      const min = f.min ?? -Infinity;
      const max = f.max ?? Infinity;
      const range = f.max !== undefined ? `from ${min} to ${max}` : f.min !== undefined ? `of at least ${min}` : '';
      if (!Number.isSafeInteger(n)) return { error: `${flag} must be a whole number${range ? ` ${range}` : ''}; got '${raw}'` };
      if (n < min || n > max) return { error: `${flag} must be a whole number ${range}; got ${n}` };
      return { value: n };
    }
    case 'bytes': {
      const text = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? `${raw}${f.bareUnit}` : raw;
      const s = parseSize(text);
      if ('error' in s) return { error: `${flag}: ${s.error}` };
      return { value: s.bytes };
    }
    case 'seconds': {
      const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/.exec(raw);
      const scale: Record<string, number> = { ms: 0.001, s: 1, m: 60, min: 60, h: 3600 };
      const seconds = m ? parseFloat(m[1]) * scale[m[2] ?? 's'] : NaN;
      if (!(seconds > 0)) return { error: `${flag} must be a duration above 0 like 90, 90s, 2m or 500ms; got '${raw}'` };
      if (f.max !== undefined && seconds > f.max) return { error: `${flag} must be at most ${f.max} s; got '${raw}'` };
      return { value: seconds };
    }
  }
}

/** The nearest name within two edits, for "did you mean". */
function closest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const d = editDistance(word, n);
    if (d < bestD) { best = n; bestD = d; }
  }
  return best;
}

/** Edit distance counting a swap of two neighbours as one edit ("stpes" -> "steps"). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** `tinytrain <command> --help`: usage, arguments and every flag with its help. */
export function commandHelp(c: { name: string; summary: string; positionals: readonly Positional[]; flags: FlagTable; details?: string }): string {
  const lines = [`usage: tinytrain ${c.name}${c.positionals.map((p) => (p.optional ? ` [${p.name}]` : ` ${p.name}`)).join('')} [options]`, '', c.summary];
  if (c.details) lines.push('', c.details);
  if (c.positionals.length) {
    lines.push('', 'arguments:');
    for (const p of c.positionals) lines.push(`  ${p.name.padEnd(22)} ${p.help}`);
  }
  lines.push('', 'options:');
  for (const [name, f] of Object.entries({ ...c.flags, help: HELP_FLAG })) {
    const head = `${f.short ? `-${f.short}, ` : ''}--${name}${f.type === 'boolean' ? '' : ` ${placeholder(f)}`}`;
    lines.push(head.length > 22 ? `  ${head}\n  ${''.padEnd(22)} ${f.help}` : `  ${head.padEnd(22)} ${f.help}`);
  }
  return lines.join('\n');
}
