// The same test firmware on every board: stm32f746 (QEMU variant) on mps2-an500 and
// stm32f405 on netduinoplus2 run directly (runFirmware); stm32f746 and nrf52840 for the real
// chips build and link only; the linker script enforces the budget; the host build runs the
// C SAMPLE decoder and flow control against frames (including bad ones) on stdin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildFirmware, FirmwareBuildError } from '../../../device/firmware/build.js';
import { BOARD_TARGETS } from '../../../device/firmware/boards.js';
import { runFirmware } from '../../../device/virtual-board/qemu.js';
import { TelemetryParser, encodeMessage, encodeFrame, MsgType, NackReason, type Message, type StepMsg, type HelloMsg, type DoneMsg } from '../../../device/telemetry/index.js';
import { FIXTURE, missingTools, tempDir, messagesOf, linesOf } from './helpers.js';

const skipArm = missingTools('arm-none-eabi-gcc');
const skipQemu = missingTools('arm-none-eabi-gcc', 'qemu-system-arm');
const skipHost = missingTools('gcc');

function parse(bytes: Uint8Array) {
  const p = new TelemetryParser();
  const ev = [...p.push(bytes), ...p.end()];
  return { p, ms: messagesOf(ev), lines: linesOf(ev) };
}
const of = <T extends Message['type']>(ms: Message[], type: T) => ms.filter((m) => m.type === type) as Extract<Message, { type: T }>[];

for (const [target, machine, board, hz] of [['stm32f746-qemu', 'mps2-an500', 'stm32f746', 25_000_000], ['stm32f405', 'netduinoplus2', 'stm32f405', 168_000_000]] as const) {
  test(`${target} firmware on QEMU ${machine}: frames, exit code, stack high-water, deterministic counter`, { skip: skipQemu, timeout: 60_000 }, async (t) => {
    const tmp = tempDir('tt-boards-');
    t.after(() => tmp.remove());
    const fw = await buildFirmware({ target, sources: [FIXTURE], outDir: tmp.dir, defines: { TT_FIXTURE_EXIT: 9 } });
    const runs = await Promise.all([0, 1].map(() => runFirmware({ machine, elf: fw.elf, timeoutMs: 20_000 })));
    for (const r of runs) {
      assert.equal(r.timedOut, false);
      assert.equal(r.code, 9);
    }
    const { p, ms, lines } = parse(runs[0].uart);
    assert.equal(p.stats.badFrames, 0);
    const hello = of(ms, 'hello')[0] as HelloMsg;
    assert.equal(hello.board, board);
    assert.equal(hello.counterHz, hz);
    const steps = of(ms, 'step') as StepMsg[];
    assert.equal(steps.length, 6);
    for (let i = 1; i < steps.length; i++) assert.ok(steps[i].loss < steps[i - 1].loss);
    const done = of(ms, 'done')[0] as DoneMsg;
    assert.ok(done.stackHighWater > 1280 && done.stackHighWater < 8192, `stack high water ${done.stackHighWater}`);
    const expectStack = BOARD_TARGETS[target].ramBytes - (fw.size.data + fw.size.bss) + 4096; // bss includes the 4 KB minimum
    assert.ok(Math.abs(done.stackSize - expectStack) <= 8, `stack region ${done.stackSize} = RAM budget above .data/.bss (${expectStack})`);
    assert.deepEqual(lines, [`tinytrain fixture: hello from ${board}`, 'plain text between frames', 'bye']);
    // -icount shift=0: two runs give identical step counter readings. On netduinoplus2 the
    // whole output is identical; on mps2-an500 the CMSDK UART makes the guest spin while the
    // host socket drains, so counts spanning UART writes (DONE's total) may differ.
    const again = of(parse(runs[1].uart).ms, 'step') as StepMsg[];
    assert.deepEqual(again.map((x) => x.counter), steps.map((x) => x.counter));
    if (machine === 'netduinoplus2') assert.deepEqual(runs[1].uart, runs[0].uart, 'byte-identical output run to run');
    console.log(`${target} on ${machine}: ${runs[0].uart.length} UART bytes, exit ${runs[0].code}, stack high water ${done.stackHighWater} B, run ${done.counter} counts = ${Math.round(done.counter * 1e9 / hz)} instructions, ${runs[0].ms} ms`);
  });
}

test('counter calibration: under -icount shift=0, tt_counter_to_ns() counts guest instructions', { skip: skipQemu, timeout: 60_000 }, async (t) => {
  const tmp = tempDir('tt-cal-');
  t.after(() => tmp.remove());
  const cal = FIXTURE.replace('telemetry_demo.c', 'counter_calibration.c');
  for (const [target, machine, hz] of [['stm32f405', 'netduinoplus2', 168e6], ['stm32f746-qemu', 'mps2-an500', 25e6]] as const) {
    const fw = await buildFirmware({ target, sources: [cal], outDir: tmp.dir, name: target });
    const r = await runFirmware({ machine, elf: fw.elf, timeoutMs: 20_000 });
    assert.equal(r.code, 0);
    const step = of(parse(r.uart).ms, 'step')[0] as StepMsg;
    const instructions = step.counter * 1e9 / hz;
    // 2 instructions per iteration, plus a handful around the loop; resolution 1e9/hz.
    assert.ok(Math.abs(instructions - 2 * step.step) <= 40 + 1e9 / hz, `${target}: ${step.counter} counts = ${instructions} instructions for ${2 * step.step}`);
    console.log(`${machine}: ${2 * step.step} instructions -> ${step.counter} counts (${hz / 1e6} MHz) = ${instructions.toFixed(0)} instructions`);
  }
});

test('stm32f746 (real chip) and nrf52840 build and link; the linker script enforces the RAM budget', { skip: skipArm, timeout: 60_000 }, async (t) => {
  const tmp = tempDir('tt-link-');
  t.after(() => tmp.remove());
  const [f7, nrf] = await Promise.all([
    buildFirmware({ target: 'stm32f746', sources: [FIXTURE], outDir: tmp.dir, name: 'f7' }),
    buildFirmware({ target: 'nrf52840', sources: [FIXTURE], outDir: tmp.dir, name: 'nrf' }),
  ]);
  for (const r of [f7, nrf]) {
    assert.ok(r.size.text > 1000 && r.size.bss >= 16 * 1024 + 1024, JSON.stringify(r.size));
    assert.equal(r.log, '', 'no compiler warnings');
  }
  const nm = spawnSync('arm-none-eabi-nm', [f7.elf], { encoding: 'utf8' });
  assert.match(nm.stdout, /^08000000 R tt_vector_table$/m);
  assert.match(spawnSync('arm-none-eabi-nm', [nrf.elf], { encoding: 'utf8' }).stdout, /^00000000 R tt_vector_table$/m);
  // 16 KB arena + 1 KB rx buffer + 4 KB minimum stack cannot fit in 16 KB of RAM.
  await assert.rejects(
    buildFirmware({ target: 'stm32f746', sources: [FIXTURE], outDir: tmp.dir, name: 'tiny', budget: { ramBytes: 16 * 1024 } }),
    (e: unknown) => e instanceof FirmwareBuildError && /RAM budget exceeded by \d+ bytes/.test(e.message),
  );
});

test('host build: C SAMPLE decoder, ACK/NACK flow control and duplicate handling', { skip: skipHost, timeout: 60_000 }, async (t) => {
  const tmp = tempDir('tt-host-');
  t.after(() => tmp.remove());
  const fw = await buildFirmware({ target: 'host', sources: [FIXTURE], outDir: tmp.dir, defines: { TT_FIXTURE_SAMPLES: 3, TT_FIXTURE_EXIT: 4 } });
  const s = (label: number, seq: number, input: number[]) => encodeMessage({ type: 'sample', label, flags: 0, input: Int8Array.from(input) }, seq);
  const bad = s(5, 1, [1, 2, 2]);
  bad[bad.length - 1] ^= 0xff;
  const stdin = Buffer.concat([
    s(3, 0, [1, 2]),                                   // sample 0
    bad,                                               // CRC error -> NACK(1, CRC)
    Buffer.from('line noise\n'),
    s(5, 1, [1, 2, 2]),                                // sample 1
    s(5, 1, [1, 2, 2]),                                // duplicate (as if our ACK was lost) -> ACK(1) again
    encodeFrame(MsgType.SAMPLE, 2, new Uint8Array(1100)), // longer than the 1 KB buffer -> NACK(2, TOO_LONG)
    s(9, 2, [-1]),                                     // sample 2 (sum -1 -> predicted 9)
  ]);
  const r = spawnSync(fw.elf, { input: stdin, timeout: 20_000 });
  assert.equal(r.status, 4);
  const { p, ms } = parse(r.stdout);
  assert.equal(p.stats.badFrames, 0);
  const flow = ms.filter((m) => m.type === 'ack' || m.type === 'nack').map((m) => (m.type === 'ack' ? `ACK${m.seq}` : m.type === 'nack' ? `NACK${m.seq}:${m.reason}` : ''));
  assert.deepEqual(flow, ['ACK0', `NACK1:${NackReason.CRC}`, 'ACK1', 'ACK1', `NACK2:${NackReason.TOO_LONG}`, 'ACK2']);
  const trained = (of(ms, 'step') as StepMsg[]).slice(6).map((x) => [x.label, x.predicted]);
  assert.deepEqual(trained, [[3, 3], [5, 5], [9, 9]]);
  assert.deepEqual(of(ms, 'eval').map((e) => [e.correct, e.total]), [[3, 3]]);
});
