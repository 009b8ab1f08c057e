// Reading the files a command is pointed at, with the same message and exit code in every
// command: a path that names no readable config file is a usage error (exit 2).

import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT } from './args.js';
import type { CommandContext } from './context.js';

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
