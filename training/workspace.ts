// Where a config's derived files live: <config folder>/.tinytrain/<model name>/ (git-ignored).
// Two runs may share that folder at once, so nothing in it is ever half-written or overwritten
// with other content: files are written atomically (unique temp file, fsync, rename), run
// products are named by their content hash, and cache entries carry their content hash in
// their name so a reader can verify them (and rebuild a corrupt one).

import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathSegment } from '../compiler/codegen/text.js';
import { kernelSources, runtimeDir } from '../compiler/toolchain/host-build.js';

/** `<config folder>/.tinytrain/<model name>/<sub...>`; the model name is one path segment
 * (pathSegment), so no config value puts it anywhere else. Not created (readers use it). */
export function workPath(configPath: string, modelName: string, ...sub: string[]): string {
  return join(dirname(resolve(configPath)), '.tinytrain', pathSegment(modelName), ...sub);
}

/** workPath's folder, created. */
export function workDir(configPath: string, modelName: string, ...sub: string[]): string {
  const dir = workPath(configPath, modelName, ...sub);
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

/** A temp name next to `path`, unique to this process and call; `.tmp` so sweeps find it. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
}

/** Writes a file whole or not at all (temp file, fsync, rename): a concurrent reader sees the
 *  old file or the new one, never a part; a crash leaves at most a `.tmp` that sweeps remove. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally { closeSync(fd); }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Moves a finished file (a program gcc just wrote, say) into place atomically. */
export function adoptFile(tmp: string, path: string): void {
  const fd = openSync(tmp, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, path);
}

/** A run product named by its content: `<dir>/<stem>-<hash>.<ext>`, written atomically when
 *  missing. Two runs with other data get other files; two with the same data share one. */
export function writeContentAddressed(dir: string, stem: string, ext: string, data: Uint8Array): string {
  const path = join(dir, `${stem}-${hashOf(data)}.${ext}`);
  writeFileAtomic(path, data);
  return path;
}

/** A cache entry is `<dir>/<stem>-<key>-<content hash>.<ext>`: `key` says what it was made
 *  from, the content hash lets a reader check it. Returns the entry's bytes, or undefined when
 *  there is none; a corrupt entry is deleted and reported with one `note:` line. */
export function readCacheEntry(dir: string, stem: string, key: string, ext: string, log: (m: string) => void): { path: string; data: Buffer } | undefined {
  const prefix = `${stem}-${key}-`;
  for (const name of safeList(dir).filter((n) => n.startsWith(prefix) && n.endsWith(`.${ext}`))) {
    const path = join(dir, name);
    let data: Buffer;
    try { data = readFileSync(path); } catch { continue; } // removed by another run meanwhile
    if (`${prefix}${hashOf(data)}.${ext}` === name) return { path, data };
    log(`note: the cached ${stem} file ${path} is corrupt (its content does not match its hash); rebuilding it`);
    rmSync(path, { force: true });
  }
  return undefined;
}

/** Stores a cache entry atomically; returns its path. */
export function writeCacheEntry(dir: string, stem: string, key: string, ext: string, data: Uint8Array): string {
  const path = join(dir, `${stem}-${key}-${hashOf(data)}.${ext}`);
  writeFileAtomic(path, data);
  return path;
}

/** Removes `.tmp` files and folders that a process which no longer runs left in `dir` (killed
 *  by SIGKILL, a crash): their names carry the writer's pid. */
export function sweepStaleTemps(dir: string): void {
  for (const name of safeList(dir)) {
    const m = /\.(\d+)(?:\.[a-z0-9]+)?\.tmp$|\.tmp-(\d+)(?:-|$)/.exec(name);
    const pid = m ? Number(m[1] ?? m[2]) : 0;
    if (pid && pid !== process.pid && !alive(pid)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

function safeList(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}
