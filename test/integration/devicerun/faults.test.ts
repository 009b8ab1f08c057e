// Faults at the level of a training run, on one virtual board (a real pty, the AN3155 emulator,
// QEMU netduinoplus2), no mocks:
//  - random bytes injected into the stream in both directions while the board trains: bad
//    frames are dropped and counted, injected text comes through as text, the firmware and the
//    host keep going, and the losses are still exactly the host build's;
//  - two flashes (two runs) in a row on the same board;
//  - an injected NACK and an injected verify mismatch during flashing: the run rejects with the
//    flasher's error, the firmware never starts, no step is reported, no CSV is left;
//  - the port vanishing mid-training: the run ends cleanly (completed: false, the reason), and
//    the CSV holds the steps received so far.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlasherError } from '../../../device/an3155/flasher.js';
import type { VirtualBoard } from '../../../device/virtual-board/board.js';
import { startVirtualBoard, trainOnDevice } from '../../../devicerun/train.js';
import { MNIST, hostLosses, missingTools, mnist } from './helpers.js';

const skip = missingTools('arm-none-eabi-gcc', 'qemu-system-arm', 'socat');

function bootloaderMode(b: VirtualBoard, timeoutMs = 15_000): Promise<void> {
  if (b.currentMode === 'bootloader') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('firmware did not exit')), timeoutMs);
    b.once('exit', () => { clearTimeout(t); resolve(); });
  });
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s & 0xff; };
}

test('training-run faults: noise both ways, two runs in a row, NACK and verify mismatch, port pulled', { skip, timeout: 150_000 }, async (t) => {
  const p = await mnist();
  const hostL = await hostLosses(p, 30);
  const board = await startVirtualBoard({ firmwareTimeoutMs: 120_000 });
  const errors: Error[] = [];
  board.on('error', (e) => errors.push(e));
  t.after(() => board.stop());
  const csvs: string[] = [];
  const csvOf = (name: string) => { const f = join(tmpdir(), `tt-faults-${process.pid}-${name}.csv`); csvs.push(f); return f; };
  t.after(() => { for (const f of csvs) rmSync(f, { force: true }); });

  // --- 1. noise: device->host bytes written into the device side of the pty, host->device
  // bytes written into the user side, while the firmware trains ---
  const toHost = openSync(board.portPath + '.device', constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  const toDevice = openSync(board.portPath, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  const rand = rng(7);
  let bursts = 0;
  const noisy = await trainOnDevice({
    config: MNIST, prepared: p, port: board.portPath, steps: 30, evalSamples: 4, csvPath: csvOf('noise'),
    onStep: (s) => {
      if (s.step % 4 !== 0 || s.step > 24) return;
      bursts++;
      // to the host: random bytes (no text separator), a text line, a frame with a bad CRC
      const junk = Buffer.from(Array.from({ length: 40 }, rand));
      const badFrame = Buffer.from([0x00, 0xa5, 0x20, 0x07, 0x04, 0x00, 1, 2, 3, 4, 0xde, 0xad]);
      writeSync(toHost, Buffer.concat([Buffer.from('\nnoise-line-from-the-wire\n'), junk, Buffer.from('\n'), badFrame]));
      // to the firmware: random bytes and a truncated SAMPLE header
      writeSync(toDevice, Buffer.concat([Buffer.from(Array.from({ length: 24 }, rand)), Buffer.from([0x00, 0xa5, 0x10, 0x55, 0x10, 0x00, 9, 9])]));
    },
  });
  closeSync(toHost);
  closeSync(toDevice);
  console.log(`noise: ${bursts} bursts; parser ${JSON.stringify(noisy.parser)}; samples ${JSON.stringify(noisy.samples)}, ${noisy.silentResends} resent after silence; ${noisy.text.filter((l) => l.includes('noise-line')).length} injected text lines passed through`);
  assert.ok(noisy.completed, `the run survives the noise: ${noisy.stopReason}`);
  assert.ok(noisy.parser.badFrames >= 1, 'bad frames are dropped and counted');
  assert.ok(noisy.text.some((l) => l.includes('noise-line-from-the-wire')), 'injected text comes through as text');
  // Frames lost to the noise are counted; every STEP that arrived carries the true loss.
  assert.ok(noisy.steps + noisy.parser.framesLost >= 30 || noisy.steps === 30, `steps ${noisy.steps}, lost ${noisy.parser.framesLost}`);
  const rows = readFileSync(noisy.csvPath, 'utf8').trim().split('\n').filter((l) => l.startsWith('step,')).map((l) => l.split(','));
  for (const r of rows) {
    const step = Number(r[1]);
    assert.ok(Math.abs(Number(r[2]) - hostL[step - 1]) < 1e-4 * Math.max(1, hostL[step - 1]), `step ${step} loss ${r[2]} vs host ${hostL[step - 1]}`);
  }
  await bootloaderMode(board);

  // --- 2. a second run (second flash) in a row on the same board ---
  const again = await trainOnDevice({ config: MNIST, prepared: p, port: board.portPath, steps: 5, evalSamples: 2, csvPath: csvOf('again') });
  assert.ok(again.completed, again.stopReason);
  assert.equal(again.steps, 5);
  again.losses.forEach((l, i) => assert.ok(Math.abs(l - hostL[i]) < 1e-4, `step ${i + 1}: ${l} vs host ${hostL[i]}`));
  assert.equal(board.boots, 2);
  await bootloaderMode(board);

  // --- 3. NACK and verify mismatch while flashing: errors, never success, nothing runs ---
  for (const [faults, code] of [[{ nackWriteBlock: 3 }, 'NACK'], [{ corruptAddress: 0x08000204 }, 'VERIFY_MISMATCH']] as const) {
    board.setFaults(faults);
    const lines: unknown[] = [];
    const csv = csvOf(code);
    await assert.rejects(
      trainOnDevice({ config: MNIST, prepared: p, port: board.portPath, steps: 5, csvPath: csv, onLine: (l) => lines.push(l) }),
      (e: unknown) => e instanceof FlasherError && e.code === code,
    );
    assert.deepEqual(lines, [], `${code}: no step claimed`);
    assert.equal(existsSync(csv), false, `${code}: no run recorded`);
    assert.equal(board.boots, 2, `${code}: the firmware never started`);
  }
  board.setFaults({});

  // --- 4. the port vanishes mid-training: clean stop, the steps so far kept ---
  let pulled = false;
  const cut = await trainOnDevice({
    config: MNIST, prepared: p, port: board.portPath, steps: 60, csvPath: csvOf('cut'), idleTimeoutMs: 20_000,
    onStep: (s) => { if (s.step === 6 && !pulled) { pulled = true; void board.stop(); } },
  });
  console.log(`port pulled after step 6: completed ${cut.completed}, ${cut.steps} steps kept, reason: ${cut.stopReason}`);
  assert.equal(cut.completed, false);
  assert.ok(cut.steps >= 6 && cut.steps < 60, `steps kept: ${cut.steps}`);
  assert.doesNotMatch(cut.stopReason ?? '', /no data from the firmware/, 'the vanished port is noticed, not waited out');
  const kept = readFileSync(cut.csvPath, 'utf8').trim().split('\n').filter((l) => l.startsWith('step,'));
  assert.equal(kept.length, cut.steps, 'the CSV holds every step received');
  assert.deepEqual(errors, []);
});

test('cancelling a run (AbortSignal) stops QEMU and keeps the steps so far', { skip: missingTools('arm-none-eabi-gcc', 'qemu-system-arm'), timeout: 60_000 }, async (t) => {
  const p = await mnist();
  const ac = new AbortController();
  const csvPath = join(tmpdir(), `tt-cancel-${process.pid}.csv`);
  let qemuPid: number | undefined;
  t.after(() => rmSync(csvPath, { force: true }));
  const r = await trainOnDevice({
    config: MNIST, prepared: p, board: 'stm32f746', virtual: true, steps: 200, signal: ac.signal, csvPath,
    onStep: (s) => { if (s.step === 3) ac.abort(); },
    onProgress: (x) => { qemuPid ??= x.qemuPid; },
  });
  assert.equal(r.completed, false);
  assert.equal(r.stopReason, 'cancelled');
  assert.ok(r.steps >= 3 && r.steps < 200, `steps ${r.steps}`);
  assert.equal(readFileSync(r.csvPath, 'utf8').trim().split('\n').filter((l) => l.startsWith('step,')).length, r.steps);
  // The run's QEMU (its process group: `timeout` and qemu-system-arm) is gone.
  assert.ok(qemuPid, 'the run reported its QEMU');
  // (a killed, not yet reaped process shows as a zombie: dead, so it does not count)
  const left = spawnSync('ps', ['-o', 'pid=,stat=,comm=', '-g', String(qemuPid)], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.trim() && !/^\s*\d+\s+Z/.test(l));
  assert.deepEqual(left, [], `processes left in QEMU's group: ${left.join('; ')}`);
});
