// Reading the files a command is pointed at, with the same message and exit code in every
// command: a path that names no readable config file is a usage error (exit 2).

import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { analyze } from '../compiler/analyze.js';
import { EXIT } from './args.js';
import type { CommandContext } from './context.js';
import { formatProblem } from './format.js';

/** Why `path` cannot be read as a config, in words, or undefined when it can. */
export function configPathProblem(path: string): string | undefined {
  let st;
  try { st = statSync(path); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `${path}: no such file; give the path of a *.tinytrain.yaml config`;
    if (code === 'EACCES') return `${path}: permission denied; make it readable or copy it somewhere you can read`;
    return `${path}: cannot read it (${code ?? (e as Error).message})`;
  }
  if (st.isDirectory()) return `${path} is a folder; give the path of a *.tinytrain.yaml config inside it`;
  if (!st.isFile()) return `${path} is not a regular file; give the path of a *.tinytrain.yaml config`;
  return undefined;
}

/** Prints why `path` is no config and returns exit 2, or returns undefined when it is readable.
 *  Every command that takes a config calls this first, before any work. */
export function configArgumentError(ctx: CommandContext, path: string): number | undefined {
  const problem = configPathProblem(path);
  if (!problem) return undefined;
  ctx.err(`tinytrain ${ctx.command}: ${problem}`);
  return EXIT.usage;
}

/** The config's text, or the exit code after printing why it cannot be read. */
export function readConfigText(ctx: CommandContext, path: string): string | number {
  const bad = configArgumentError(ctx, path);
  if (bad !== undefined) return bad;
  try { return readFileSync(path, 'utf8'); } catch (e) {
    ctx.err(`tinytrain ${ctx.command}: ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return EXIT.usage;
  }
}

/** `--data` as typed: `mnist`, or a folder relative to the current folder (a config's own
 *  data.source is relative to the config's folder; a path typed in a shell is not). */
export function dataSource(flag: string | undefined): string | undefined {
  return flag === undefined || flag === 'mnist' ? flag : resolve(flag);
}

/** The --data flag, shared by every command that prepares a model. */
export const DATA_FLAG = {
  type: 'string', value: 'mnist|FOLDER',
  help: "the training data instead of the config's data.source: mnist, or a folder with one subfolder of PNG images per class (relative to the current folder)",
} as const;

/** Everything `analyze` can tell, before any expensive step: prints the config's errors
 *  (syntax, schema, memory budget) as located problems and returns exit 1, or undefined when
 *  the config is fine. `board` is a --board that overrides the config's target: the budget
 *  then belongs to that board and the build checks it. */
export function preflight(ctx: CommandContext, path: string, board?: string): number | undefined {
  const text = readConfigText(ctx, path);
  if (typeof text === 'number') return text;
  const a = analyze(text);
  const overridden = board !== undefined && board !== a.board?.name;
  const errors = a.problems.filter((p) => p.severity === 'error' && !(overridden && p.code.startsWith('budget-')));
  if (!errors.length && a.model) return undefined;
  for (const p of errors) ctx.err(formatProblem(path, p));
  if (!errors.length) ctx.err(`tinytrain ${ctx.command}: ${path} is not a complete config ('tinytrain analyze ${path}' shows what it has)`);
  else if (errors.some((p) => p.code.startsWith('budget-'))) ctx.err(`tinytrain ${ctx.command}: nothing was built or trained; 'tinytrain analyze ${path}' shows where the memory goes and 'tinytrain search ${path}' finds a plan that fits`);
  return EXIT.problem;
}

/** A --port that names nothing is a usage error, said before any build. */
export function portArgumentError(ctx: CommandContext, port: string | undefined): number | undefined {
  if (port === undefined || existsSync(port)) return undefined;
  ctx.err(`tinytrain ${ctx.command}: --port ${port}: no such serial port; 'tinytrain board' lists the ports, 'tinytrain board --virtual' starts a virtual board`);
  return EXIT.usage;
}

/** Why the system refused a mkdir, in words (its errno code alone means nothing to a user). */
function mkdirRefusal(code: string | undefined): string {
  switch (code) {
    case 'ENOENT': case 'ENOTDIR': return 'that place cannot hold new folders';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'a read-only file system';
    case 'ENOSPC': return 'the disk is full';
    default: return 'the system refused';
  }
}

/** Creates an output folder level by level (Node's recursive mkdir loops forever under /proc),
 *  or prints why it cannot and returns exit 1. */
export function outputDirError(ctx: CommandContext, flag: string, dir: string): number | undefined {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at)) { missing.unshift(at); const up = dirname(at); if (up === at) break; at = up; }
  if (existsSync(at) && !statSync(at).isDirectory()) {
    ctx.err(`tinytrain ${ctx.command}: ${flag} ${dir}: ${at} is a file, not a folder; give a folder to write into`);
    return EXIT.problem;
  }
  for (const d of missing) {
    try { mkdirSync(d); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      ctx.err(`tinytrain ${ctx.command}: ${flag} ${dir}: cannot create ${d} (${mkdirRefusal((e as NodeJS.ErrnoException).code)}); give a folder you can write to`);
      return EXIT.problem;
    }
  }
  return undefined;
}
