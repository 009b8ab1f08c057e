// A real VS Code for the end-to-end tests: code-server 4.100.3 (VS Code 1.100.3, the newest that
// runs on Node 20) installed from npm into a cache folder outside the repository, started
// detached in its own process group on a free port, and driven with playwright-core and Debian's
// Chromium. Everything it starts is stopped by process group; the recipe is the one in
// shared/reference/device-path.md.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
export const CACHE = process.env.TINYTRAIN_E2E_CACHE ?? join(homedir(), '.cache', 'tinytrain');
export const CHROMIUM = process.env.TINYTRAIN_CHROMIUM ?? '/usr/bin/chromium';

function codeServerDir(): string {
  return join(CACHE, `code-server-${CODE_SERVER_VERSION}`);
}

export function codeServerBin(): string {
  return join(codeServerDir(), 'node_modules', '.bin', 'code-server');
}

/** Installs code-server into the cache when it is not there yet (about a minute, once). */
export function ensureCodeServer(log: (s: string) => void): string {
  const dir = codeServerDir();
  const bin = codeServerBin();
  const marker = join(dir, 'node_modules', 'code-server', 'package.json');
  if (existsSync(bin) && existsSync(marker) && JSON.parse(readFileSync(marker, 'utf8')).version === CODE_SERVER_VERSION) return bin;
  mkdirSync(dir, { recursive: true });
  // No node_modules above the cache folder may be picked up, so the folder gets its own package.json.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, name: 'tinytrain-e2e-code-server' }));
  // code-server's ripgrep dependency downloads a binary: pre-fill its cache with Debian's rg.
  const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
  if (!rg) throw new Error('ripgrep (Debian package ripgrep) is needed to install code-server; run scripts/ensure-system-deps.sh all');
  const tmp = process.env.TMPDIR ?? tmpdir();
  const rgCache = join(tmp, 'vscode-ripgrep-cache-1.15.11');
  mkdirSync(rgCache, { recursive: true });
  const tarball = join(rgCache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (!existsSync(tarball)) spawnSync('tar', ['czf', tarball, '-C', rg.replace(/\/rg$/, ''), 'rg'], { stdio: 'inherit' });
  log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (about a minute, once)`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: dir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, npm_config_unsafe_perm: 'true', npm_config_yes: 'true', npm_config_nodedir: '/usr' },
    timeout: 10 * 60_000,
  });
  if (r.status !== 0 || !existsSync(bin)) throw new Error(`installing code-server failed (exit ${r.status ?? r.signal})`);
  return bin;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  url: string;
  userDataDir: string;
  child: ChildProcess;
  stop(): Promise<void>;
  output(): string;
}

export function installExtension(bin: string, vsix: string, userDataDir: string, extensionsDir: string): void {
  const r = spawnSync(bin, ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix], {
    encoding: 'utf8', timeout: 120_000, env: { ...process.env, XDG_CONFIG_HOME: join(userDataDir, 'xdg') },
  });
  if (r.status !== 0 || !/was successfully installed/.test(r.stdout + r.stderr)) {
    throw new Error(`installing ${vsix} failed (exit ${r.status}): ${r.stdout}\n${r.stderr}`);
  }
}

/** `npm run package` (-> tinytrain.vsix) and the install into `extensionsDir`, under a lock
 * shared by the e2e files that run at once: one packaging never overwrites the .vsix another
 * file is installing. */
export async function packageAndInstall(bin: string, repo: string, userDataDir: string, extensionsDir: string, log: (s: string) => void): Promise<void> {
  const lock = join(CACHE, 'package.lock');
  mkdirSync(CACHE, { recursive: true });
  const until = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run (older than 10 minutes) is stale.
      try { if (Date.now() - statSync(lock).mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true }); } catch { /* gone */ }
      if (Date.now() > until) throw new Error(`the packaging lock ${lock} was held for 10 minutes`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    // scripts/test.mjs packages once for all e2e files (TINYTRAIN_E2E_PACKAGED=1).
    if (process.env.TINYTRAIN_E2E_PACKAGED !== '1' || !existsSync(join(repo, 'tinytrain.vsix'))) {
      const pkg = spawnSync('npm', ['run', '--silent', 'package'], { cwd: repo, encoding: 'utf8', timeout: 180_000 });
      if (pkg.status !== 0) throw new Error(`npm run package failed: ${pkg.stdout}\n${pkg.stderr}`);
      log(`packaged ${join(repo, 'tinytrain.vsix')}`);
    }
    installExtension(bin, join(repo, 'tinytrain.vsix'), userDataDir, extensionsDir);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Kills a whole process group: TERM, then KILL after a grace period; resolves when it is gone. */
export async function killGroup(pid: number | undefined, graceMs = 3000): Promise<void> {
  if (!pid) return;
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (alive() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  if (alive()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    const hard = Date.now() + 2000;
    while (alive() && Date.now() < hard) await new Promise((r) => setTimeout(r, 50));
  }
}

/** `workspaceTrust: true` launches with VS Code's workspace trust on (the default is off, as
 * every test but the trust test wants: `--disable-workspace-trust`). */
export async function startCodeServer(bin: string, opts: { userDataDir: string; extensionsDir: string; folder: string; settings: Record<string, unknown>; workspaceTrust?: boolean }): Promise<CodeServer> {
  const port = await freePort();
  const userDir = join(opts.userDataDir, 'User');
  mkdirSync(userDir, { recursive: true });
  writeFileSync(join(userDir, 'settings.json'), JSON.stringify(opts.settings, null, 2));
  let out = '';
  const child = spawn(bin, [
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--user-data-dir', opts.userDataDir, '--extensions-dir', opts.extensionsDir, opts.folder,
  ], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: join(opts.userDataDir, 'xdg') } });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const server: CodeServer = {
    url, userDataDir: opts.userDataDir, child,
    stop: () => killGroup(child.pid),
    output: () => out,
  };
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}): ${out}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) {
      await server.stop();
      throw new Error(`code-server did not become healthy in 60 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return server;
}

/** Every file under `dir` whose name matches `re`. */
export function findFiles(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: string[] = [];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (re.test(e)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Processes whose command line mentions `needle` (to find strays a test started indirectly). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (cmd.includes(needle)) pids.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/** Kills every process whose command line mentions one of `needles` (what a suite's workspace
 * or scratch folder started and left behind), saying each one. */
export function killStrays(needles: (string | undefined)[], log: (s: string) => void): void {
  for (const needle of needles) {
    if (!needle) continue;
    for (const pid of processesMentioning(needle)) {
      log(`stray process ${pid} mentions ${needle}: killing it`);
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
}

/** The extension host log lines that are TinyTrain errors, and how many logs were read. */
export function tinytrainLogErrors(userDataDir: string): { logs: number; errors: string[] } {
  const logs = findFiles(join(userDataDir, 'logs'), /exthost|remoteexthost/i);
  return { logs: logs.length, errors: logs.flatMap((f) => readFileSync(f, 'utf8').split('\n')).filter((l) => /\[error\]/i.test(l) && /tinytrain/i.test(l)) };
}

/** A test file that fails in before() must not leave code-server behind. */
export function killOnExit(current: () => CodeServer | undefined): void {
  process.on('exit', () => {
    const pid = current()?.child.pid;
    if (!pid) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
}
