// Where a config's derived files live: <config folder>/.tinytrain/<model name>/ (git-ignored).
// Expensive products (the fp32 tool, pretrained weights) are cached there under content hashes.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathSegment } from '../compiler/codegen/text.js';
import { kernelSources, runtimeDir } from '../compiler/toolchain/host-build.js';

/** `<config folder>/.tinytrain/<model name>/<sub...>`, created; the model name is one path segment
 * (pathSegment), so no config value puts it anywhere else. */
export function workDir(configPath: string, modelName: string, ...sub: string[]): string {
  const dir = join(dirname(resolve(configPath)), '.tinytrain', pathSegment(modelName), ...sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function hashOf(...parts: (string | Buffer | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) { h.update(p); h.update('\0'); }
  return h.digest('hex').slice(0, 16);
}

/** A hash of the runtime's C sources, so cached host programs rebuild when the runtime changes. */
export function runtimeHash(): string {
  const files = [...kernelSources(), ...['tt_files.c', 'tt_files.h', 'tt_fp32_tool.c', 'tt_train_main.c'].map((f) => join(runtimeDir(), 'host', f))];
  return hashOf(...files.map((f) => readFileSync(f)));
}
