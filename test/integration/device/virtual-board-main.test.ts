// The virtual board entry point: prints the port path on its first line, serves until
// killed, and leaves nothing behind (socat, QEMU, the temp folder) after SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flash } from '../../../device/an3155/flasher.js';
import { missingTools } from './helpers.js';

const skip = missingTools('socat');
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'device', 'virtual-board', 'main.ts');

test('device/virtual-board/main.ts: port path on line 1, flashable, clean SIGTERM', { skip, timeout: 30_000 }, async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--timeout', '10'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const portPath = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port path printed; stderr: ${err}`)), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) { clearTimeout(timer); resolve(out.slice(0, nl)); }
    });
  });
  assert.ok(existsSync(portPath), portPath);
  const r = await flash({ path: portPath, image: Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff), go: false, timeoutMs: 3000 })
    .catch((e: unknown) => { throw new Error(`flash failed: ${String(e)}; board stderr: ${err}`); });
  assert.equal(r.pid, 0x413);
  assert.ok(r.verified);
  const code = await new Promise<number | null>((resolve) => { child.once('exit', (c) => resolve(c)); process.kill(child.pid!, 'SIGTERM'); });
  assert.equal(code, 0, `exit code; board stderr: ${err}`);
  assert.equal(existsSync(dirname(portPath)), false, 'temp folder removed');
  // tsx's esbuild service shares the group and exits on its own once node is gone: poll.
  const alive = () => { try { process.kill(-child.pid!, 0); return true; } catch { return false; } };
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(), false, 'no process left in the group');
});
