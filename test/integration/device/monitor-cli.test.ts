// `tinytrain monitor --json` on a real pty pair (socat): the far end writes firmware text and
// telemetry frames; the monitor prints the text, each frame decoded with its exact bytes, gives
// the port up on `pause` and takes it back on `resume`, and says so when the port vanishes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../helpers/examples.js';
import { encodeMessage } from '../../../device/telemetry/index.js';
import { missingTools, tempDir } from './helpers.js';

const skip = missingTools('socat');

function pty(dir: string): Promise<{ user: string; far: string; socat: ChildProcess }> {
  const user = join(dir, 'ttyUser');
  const far = join(dir, 'ttyFar');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${user}`, `pty,raw,echo=0,link=${far}`], { detached: true, stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const poll = setInterval(() => {
      if (existsSync(user) && existsSync(far)) { clearInterval(poll); resolve({ user, far, socat }); }
      else if (Date.now() - t0 > 5000) { clearInterval(poll); reject(new Error('socat made no pty pair')); }
    }, 20);
  });
}

test('monitor --json: text, decoded frames with their bytes, pause / resume, the port vanishing', { skip, timeout: 60_000 }, async () => {
  const tmp = tempDir('tinytrain-monitor-');
  const { user, far, socat } = await pty(tmp.dir);
  const mon = spawn(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), 'monitor', '--port', user, '--board', 'stm32f405', '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Record<string, unknown>[] = [];
  let buf = '';
  mon.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) { out.push(JSON.parse(buf.slice(0, nl))); buf = buf.slice(nl + 1); }
  });
  const until = async (what: string, pred: () => boolean, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(out)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const fd = openSync(far, 'r+');
  try {
    await until('the port open', () => out.some((o) => o.state === 'open' && o.baud === 115200));
    const hello = encodeMessage({ type: 'hello', version: 1, window: 1, maxSamplePayload: 786, modelHash: 0xdeadbeef, arenaBytes: 19763, counterHz: 168_000_000, board: 'stm32f405' }, 0);
    writeSync(fd, Buffer.concat([Buffer.from('tinytrain firmware (x) on stm32f405\r\n'), Buffer.from(hello)]));
    await until('the HELLO', () => out.some((o) => o.type === 'hello'));
    assert.ok(out.some((o) => o.text === 'tinytrain firmware (x) on stm32f405'));
    const h = out.find((o) => o.type === 'hello')!;
    assert.match(String(h.message), /^HELLO v1 stm32f405: arena 19\.3 KB, samples up to 786 B, window 1, model 0xdeadbeef, counter 168 MHz$/);
    assert.equal(h.hex, Array.from(hello, (b) => b.toString(16).padStart(2, '0')).join(' '));
    // Paused, the monitor has closed the port; resumed, it reads again.
    mon.stdin!.write('pause\n');
    await until('paused', () => out.some((o) => o.state === 'paused'));
    mon.stdin!.write('resume\n');
    await until('open again', () => out.filter((o) => o.state === 'open').length === 2);
    writeSync(fd, Buffer.from(encodeMessage({ type: 'nack', seq: 0, reason: 5 }, 1)));
    await until('the NACK', () => out.some((o) => o.type === 'nack' && o.message === 'NACK sample 0: TIMEOUT'));
    // The port vanishes (socat ends): said clearly, and the monitor waits for it.
    closeSync(fd);
    process.kill(-socat.pid!, 'SIGTERM');
    await until('the port went away', () => out.some((o) => o.state === 'gone' && /went away|no serial port/.test(String(o.message))));
    assert.equal(mon.exitCode, null, 'still waiting for the port');
    mon.stdin!.end(); // the editor closing the terminal
    await new Promise((r) => mon.once('close', r));
    assert.equal(mon.exitCode, 0);
    assert.equal(out[out.length - 1].state, 'closed');
  } finally {
    try { process.kill(-socat.pid!, 'SIGKILL'); } catch { /* gone */ }
    mon.kill('SIGKILL');
    tmp.remove();
  }
});
