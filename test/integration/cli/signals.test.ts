// SIGINT, SIGTERM and SIGHUP stop a virtual-board training the same way: the exit code is
// 128 + the signal, no process the run started survives (socat, timeout, qemu-system-arm, ...),
// its temporary folders are gone, and the CSV's last row says how the run ended.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MNIST, ROOT, missingTools } from '../devicerun/helpers.js';

const CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** pid -> command line of every live (not zombie) process. */
function processes(): Map<number, { ppid: number; args: string }> {
  const out = new Map<number, { ppid: number; args: string }>();
  for (const l of spawnSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' }).stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l);
    if (m && !m[3].startsWith('Z')) out.set(Number(m[1]), { ppid: Number(m[2]), args: m[4] });
  }
  return out;
}

function descendants(root: number): Map<number, string> {
  const all = processes();
  const found = new Map<number, string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of all) if (!found.has(pid) && (p.ppid === root || found.has(p.ppid))) { found.set(pid, p.args); grew = true; }
  }
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopWith(sig: keyof typeof CODES, dir: string): Promise<void> {
  const csv = join(dir, `${sig}.csv`);
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), 'train', MNIST, '--board', 'stm32f405', '--virtual', '--steps', '500', '--csv', csv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  // Wait for training to stream (two steps), then look at what the run started.
  for (let i = 0; i < 600 && (stdout.match(/"step"/g) ?? []).length < 2; i++) await sleep(250);
  assert.ok((stdout.match(/"step"/g) ?? []).length >= 2, `${sig}: the run streams steps: ${stderr.slice(-800)}`);
  const started = descendants(child.pid!);
  const args = [...started.values()].join('\n');
  assert.match(args, /qemu-system-arm/, `${sig}: QEMU runs`);
  assert.match(args, /socat/, `${sig}: socat runs`);
  const temps = [...new Set(args.match(/\/tmp\/tt-[a-z]+-[A-Za-z0-9]+/g) ?? [])];
  assert.ok(temps.length >= 2, `${sig}: the run's temp folders: ${temps.join(', ')}`);

  process.kill(child.pid!, sig);
  const code = await exited;
  assert.equal(code, CODES[sig], `${sig}: exit ${code}; ${stderr.slice(-800)}`);
  assert.match(stderr, new RegExp(`stopped by ${sig}`));
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  // Everything the run started is gone (allow a moment for the kernel to reap).
  let left: string[] = [];
  for (let i = 0; i < 20; i++) {
    const now = processes();
    left = [...started].filter(([pid, a]) => now.get(pid)?.args === a).map(([pid, a]) => `${pid} ${a}`);
    if (!left.length) break;
    await sleep(250);
  }
  assert.deepEqual(left, [], `${sig}: processes of the run survive`);
  for (const t of temps) assert.ok(!existsSync(t), `${sig}: ${t} removed`);
  const rows = readFileSync(csv, 'utf8').trim().split('\n');
  assert.ok(rows.filter((r) => r.startsWith('step,')).length >= 2, `${sig}: the CSV keeps the steps`);
  assert.match(rows[rows.length - 1], new RegExp(`^end,\\d+,.*stopped by ${sig}$`), `${sig}: the CSV's last row records the stop`);
}

test('SIGINT, SIGTERM and SIGHUP stop a virtual-board run cleanly, each with its exit code', { skip: missingTools('arm-none-eabi-gcc', 'qemu-system-arm', 'socat'), timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tinytrain-signals-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // One at a time: three QEMUs at once on two cores would make the test about the machine.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) await stopWith(sig, dir);
});
