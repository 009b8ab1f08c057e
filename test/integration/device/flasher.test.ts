// TinyTrain's own AN3155 flasher against the virtual board: flash the test firmware, talk
// telemetry with it over the same port after Go (HELLO, falling STEP loss, text, SAMPLE ->
// ACK flow both ways, EVAL, DONE), flash twice in a row, and check that an injected NACK and
// an injected verify mismatch are errors (and the firmware does not start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, type VirtualBoard } from '../../../device/virtual-board/board.js';
import { buildFirmware, type BuildResult } from '../../../device/firmware/build.js';
import { flash, FlasherError, type FlashProgress } from '../../../device/an3155/flasher.js';
import { type Message, type StepMsg, type HelloMsg, type DoneMsg, type EvalMsg } from '../../../device/telemetry/index.js';
import type { QemuExit } from '../../../device/virtual-board/qemu.js';
import { readFileSync } from 'node:fs';
import { FIXTURE, missingTools, tempDir, Monitor } from './helpers.js';

const skip = missingTools('socat', 'qemu-system-arm', 'arm-none-eabi-gcc');

function waitExit(board: VirtualBoard, timeoutMs: number): Promise<QemuExit> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('firmware did not exit')), timeoutMs);
    board.once('exit', (x) => { clearTimeout(t); resolve(x); });
  });
}

const of = <T extends Message['type']>(ms: Message[], type: T) => ms.filter((m) => m.type === type) as Extract<Message, { type: T }>[];

test('TinyTrain flasher + telemetry through the virtual board, twice, and injected faults fail', { skip, timeout: 100_000 }, async (t) => {
  const tmp = tempDir('tt-flasher-');
  let board: VirtualBoard | undefined;
  const monitors: Monitor[] = [];
  t.after(async () => {
    for (const m of monitors) await m.close();
    await board?.stop();
    tmp.remove();
  });
  const [fwA, fwB]: BuildResult[] = await Promise.all([
    buildFirmware({ target: 'stm32f405', sources: [FIXTURE], outDir: tmp.dir, name: 'a', defines: { TT_FIXTURE_SAMPLES: 3, TT_FIXTURE_EXIT: 0 } }),
    buildFirmware({ target: 'stm32f405', sources: [FIXTURE], outDir: tmp.dir, name: 'b', defines: { TT_FIXTURE_STEPS: 4, TT_FIXTURE_EXIT: 5 } }),
  ]);
  board = await start({ firmwareTimeoutMs: 30_000 });
  const errors: Error[] = [];
  board.on('error', (e) => errors.push(e));

  // --- flash A, then train on 3 samples sent with flow control ---
  const phases: FlashProgress[] = [];
  const imageA = readFileSync(fwA.bin!);
  let exited = waitExit(board, 40_000);
  const r = await flash({ path: board.portPath, image: imageA, onProgress: (p) => phases.push(p) });
  assert.equal(r.pid, 0x413);
  assert.deepEqual(r.sectorsErased, [0]);
  assert.ok(r.verified && r.started);
  assert.deepEqual([...new Set(phases.map((p) => p.phase))], ['connect', 'erase', 'write', 'verify', 'go']);
  console.log(`tinytrain flasher: ${r.bytesWritten} bytes erase+write+verify in ${r.ms} ms = ${r.bytesPerSecond} B/s (pty, no baud limit)`);

  const mon = await Monitor.open(board.portPath, r.afterGo);
  monitors.push(mon);
  const sender = mon.samples;
  const samples = [
    { label: 6, input: Int8Array.of(1, 2, 3) },       // sum 6 -> predicted 6 (correct)
    { label: 1, input: Int8Array.of(-5, 100, 7, 9) },  // sum 111 -> 1 (correct)
    { label: 4, input: Int8Array.of(127, -128) },      // sum -1 -> 9 (wrong)
  ];
  sender.enqueue(...samples);
  await mon.waitFor(() => mon.messages.some((m) => m.type === 'done') && mon.lines.includes('bye'), 30_000, 'DONE and "bye"');
  await sender.drained();
  const exitA = await exited;
  assert.equal(exitA.code, 0);
  const ms = mon.messages;
  const hello = of(ms, 'hello')[0] as HelloMsg;
  assert.deepEqual({ ...hello }, { type: 'hello', version: 1, window: 1, maxSamplePayload: 1024, modelHash: 0xc0ffee01, arenaBytes: 16384, counterHz: 168_000_000, board: 'stm32f405' });
  const steps = of(ms, 'step') as StepMsg[];
  assert.equal(steps.length, 6 + 3);
  const fit = steps.slice(0, 6);
  for (let i = 1; i < fit.length; i++) assert.ok(fit[i].loss < fit[i - 1].loss, `loss falls: ${fit.map((s) => s.loss)}`);
  assert.equal(fit[0].loss, 9); // (0*1 - 3)^2
  assert.ok(fit.every((s) => s.counter > 0), 'each step reports counter units');
  const trained = steps.slice(6);
  assert.deepEqual(trained.map((s) => [s.label, s.predicted, s.loss]), [[6, 6, 3], [1, 1, 4], [4, 9, 2]]);
  const ev = of(ms, 'eval')[0] as EvalMsg;
  assert.equal(ev.correct, 2);
  assert.equal(ev.total, 3);
  const done = of(ms, 'done')[0] as DoneMsg;
  assert.equal(done.status, 0);
  assert.equal(done.steps, 9);
  assert.ok(done.stackHighWater > 64 * 20 && done.stackHighWater < done.stackSize, `stack high water ${done.stackHighWater}`);
  assert.ok(of(ms, 'log').some((l) => l.text === 'fit done'));
  assert.ok(mon.lines.includes('tinytrain fixture: hello from stm32f405'));
  assert.ok(mon.lines.includes('plain text between frames'));
  assert.equal(mon.parser.stats.badFrames, 0);
  assert.equal(mon.parser.stats.framesLost, 0);
  assert.equal(sender.stats.acked, 3);
  console.log(`telemetry: ${mon.parser.stats.frames} frames, ${mon.lines.length} text lines, samples sent ${sender.stats.sent} resent ${sender.stats.resent}; stack high water ${done.stackHighWater} B of ${done.stackSize}`);
  await mon.close();

  // --- flash B over A (second flash in a row) ---
  exited = waitExit(board, 40_000);
  const r2 = await flash({ path: board.portPath, image: readFileSync(fwB.bin!) });
  assert.ok(r2.started);
  const mon2 = await Monitor.open(board.portPath, r2.afterGo);
  monitors.push(mon2);
  await mon2.waitFor(() => mon2.messages.some((m) => m.type === 'done'), 20_000, 'DONE from the second image');
  assert.equal((await exited).code, 5);
  assert.equal(of(mon2.messages, 'step').length, 4);
  await mon2.close();

  // --- injected faults: errors, never success, and no boot ---
  const bootsBefore = board.boots;
  board.setFaults({ nackWriteBlock: 2 });
  await assert.rejects(flash({ path: board.portPath, image: imageA, go: true }), (e: unknown) => e instanceof FlasherError && e.code === 'NACK' && e.details.address === 0x08000100);
  board.setFaults({ corruptAddress: 0x08000104 });
  await assert.rejects(flash({ path: board.portPath, image: imageA }), (e: unknown) => e instanceof FlasherError && e.code === 'VERIFY_MISMATCH' && e.details.address === 0x08000104);
  board.setFaults({ silent: true });
  await assert.rejects(flash({ path: board.portPath, image: imageA, timeoutMs: 200 }), (e: unknown) => e instanceof FlasherError && e.code === 'NO_ANSWER');
  assert.equal(board.boots, bootsBefore, 'a failed flash never starts the firmware');
  board.setFaults({});
  // Another program holding the port (serialport locks it) -> PORT_BUSY.
  const holder = await Monitor.open(board.portPath);
  monitors.push(holder);
  await assert.rejects(flash({ path: board.portPath, image: imageA }), (e: unknown) => e instanceof FlasherError && e.code === 'PORT_BUSY' && /in use/.test(e.message));
  await holder.close();
  const r3 = await flash({ path: board.portPath, image: imageA, go: false });
  assert.ok(r3.verified && !r3.started);

  // reset() while the firmware runs (it waits for samples nobody sends) -> bootloader again.
  const stoppedRun = waitExit(board, 20_000);
  await flash({ path: board.portPath, image: imageA });
  await board.reset();
  const x = await stoppedRun;
  assert.ok(x.stopped && x.code === null);
  assert.equal(board.currentMode, 'bootloader');
  assert.equal((await flash({ path: board.portPath, image: imageA, go: false })).verified, true);
  assert.deepEqual(errors, []);
});

test('flasher: missing port is a typed error', async () => {
  await assert.rejects(flash({ path: '/dev/tinytrain-no-such-port', image: Uint8Array.of(1, 2, 3, 4) }), (e: unknown) => e instanceof FlasherError && e.code === 'PORT_NOT_FOUND');
});
