// Independent check of the bootloader emulation: Debian's stm32flash (0.7) probes, erases,
// writes, verifies, reads back and jumps through the virtual board. On a pty it must run with
// `-m 8n1` (a pty cannot hold even parity) and without `-i` (no DTR/RTS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { start, type VirtualBoard } from '../../../device/virtual-board/board.js';
import { buildFirmware } from '../../../device/firmware/build.js';
import type { QemuExit } from '../../../device/virtual-board/qemu.js';
import { FIXTURE, missingTools, tempDir, Monitor } from './helpers.js';

const run = promisify(execFile);
const skip = missingTools('stm32flash', 'socat', 'qemu-system-arm', 'arm-none-eabi-gcc');

test('stm32flash probes, writes, verifies, reads back and jumps through the virtual board', { skip, timeout: 90_000 }, async (t) => {
  const tmp = tempDir('tt-stm32flash-');
  let board: VirtualBoard | undefined;
  t.after(async () => { await board?.stop(); tmp.remove(); });
  const fw = await buildFirmware({ target: 'stm32f405', sources: [FIXTURE], outDir: tmp.dir, defines: { TT_FIXTURE_EXIT: 3 } });
  board = await start();
  const port = board.portPath;
  const exits: QemuExit[] = [];
  board.on('exit', (x) => exits.push(x));

  const probe = await run('stm32flash', ['-m', '8n1', port], { timeout: 20_000 });
  assert.match(probe.stdout, /Version\s+: 0x31/);
  assert.match(probe.stdout, /Device ID\s+: 0x0413/);

  const t0 = Date.now();
  const w = await run('stm32flash', ['-m', '8n1', '-w', fw.bin!, '-v', '-g', '0x08000000', port], { timeout: 30_000 });
  const ms = Date.now() - t0;
  assert.match(w.stdout, /Wrote and verified address 0x[0-9a-f]+ \(100\.00%\) Done\./);
  assert.match(w.stdout, /Starting execution at address 0x08000000\.\.\. done\./);
  const size = readFileSync(fw.bin!).length;
  console.log(`stm32flash: ${size} bytes written+verified+go in ${ms} ms (${Math.round(size / ms * 1000)} B/s incl. process start)`);

  // The firmware runs: its frames come out of the same port.
  const mon = await Monitor.open(port);
  await mon.waitFor(() => mon.messages.some((m) => m.type === 'done'), 20_000, 'DONE from the firmware');
  await mon.close();
  const deadline = Date.now() + 10_000;
  while (exits.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(exits[0]?.code, 3, 'firmware exit code through semihosting');
  assert.equal(board.currentMode, 'bootloader');

  // Back in bootloader mode: read the flash back with stm32flash and compare.
  const back = join(tmp.dir, 'readback.bin');
  await run('stm32flash', ['-m', '8n1', '-r', back, '-S', `0x08000000:${size}`, port], { timeout: 30_000 });
  assert.deepEqual(readFileSync(back), readFileSync(fw.bin!));

  // And a second write + go works the same.
  const w2 = await run('stm32flash', ['-m', '8n1', '-w', fw.bin!, '-v', '-g', '0x08000000', port], { timeout: 30_000 });
  assert.match(w2.stdout, /Starting execution at address 0x08000000\.\.\. done\./);
  while (exits.length < 2 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 20));
  assert.equal(exits[1]?.code, 3);
  assert.equal(board.boots, 2);
});
