// End to end, no mocks: the MNIST transfer example compiled for stm32f405, flashed with
// TinyTrain's own AN3155 flasher through the virtual board (pty + bootloader emulator + QEMU
// netduinoplus2), trained N steps on the emulated Cortex-M4F with samples streamed over the
// pty, STEP frames received back, loss falling; then the same model for stm32f746 on QEMU
// mps2-an500 (Cortex-M7) with samples over QEMU's UART. The device's losses are compared with
// the host build of the same generated program. And the CLI: `tinytrain board --virtual`,
// `tinytrain flash`, `tinytrain train --port`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { compile } from '../../../compiler/compile.js';
import { trainOnDevice, type TrainOnDeviceResult } from '../../../devicerun/train.js';
import { checkRunLine } from '../../../protocol/run-stream.js';
import { MNIST, ROOT, hostLosses, missingTools, mnist, quarters } from './helpers.js';

const skip = missingTools('arm-none-eabi-gcc', 'qemu-system-arm', 'socat');
const STEPS = 100; // ~0.2 s a step in QEMU (sample transfer dominates); the loss falls clearly by then
const EVAL = 20;

let hostLossesCache: number[] | undefined;
async function host(): Promise<number[]> {
  if (!hostLossesCache) {
    const p = await mnist();
    hostLossesCache = await hostLosses(p, STEPS);
  }
  return hostLossesCache;
}

function checkRun(r: TrainOnDeviceResult, board: string, hostL: number[]): void {
  assert.ok(r.completed, `run completed: ${r.stopReason}`);
  assert.equal(r.steps, STEPS);
  assert.equal(r.hello?.board, board);
  assert.equal(r.hello?.modelHash, r.firmware.modelHash);
  assert.equal(r.done?.steps, STEPS);
  assert.equal(r.eval?.total, EVAL);
  assert.equal(r.parser.badFrames, 0);
  assert.equal(r.parser.framesLost, 0);
  const q = quarters(r.losses);
  console.log(`${board}: ${r.steps} steps on ${r.where}; mean loss first quarter ${q.first.toFixed(3)}, last quarter ${q.last.toFixed(3)}; held-out accuracy ${r.eval!.correct}/${r.eval!.total}; ${Math.round(r.counterNsPerStep[1])} instructions/step; stack high-water ${r.done!.stackHighWater} B`);
  assert.ok(q.last < q.first * 0.8, `loss falls: first quarter ${q.first}, last quarter ${q.last}`);
  // The same generated C on the host (x86 gcc) and on the Cortex-M: the same losses.
  for (let i = 0; i < STEPS; i++) assert.ok(Math.abs(r.losses[i] - hostL[i]) <= 1e-4 * Math.max(1, Math.abs(hostL[i])), `step ${i + 1}: device ${r.losses[i]} vs host ${hostL[i]}`);
  // The CSV next to the config holds every step and the EVAL.
  assert.ok(existsSync(r.csvPath) && r.csvPath.startsWith(`${ROOT}/examples/mnist-transfer/.tinytrain/mnist-transfer/runs/`), r.csvPath);
  const rows = readFileSync(r.csvPath, 'utf8').trim().split('\n');
  assert.equal(rows.filter((l) => l.startsWith('step,')).length, STEPS);
  assert.ok(rows.some((l) => l.startsWith(`eval,${STEPS},`)));
}

test('MNIST transfer on stm32f405: built, flashed through the virtual board, trained in QEMU, loss falls', { skip, timeout: 120_000 }, async () => {
  const p = await mnist();
  const hostL = await host();
  const lines: unknown[] = [];
  const phases = new Set<string>();
  const r = await trainOnDevice({ config: MNIST, prepared: p, board: 'stm32f405', virtual: true, steps: STEPS, evalSamples: EVAL, onLine: (l) => lines.push(l), onProgress: (x) => phases.add(x.phase) });
  assert.equal(r.flash?.method, 'an3155');
  assert.ok(r.flash?.method === 'an3155' && r.flash.verified && r.flash.started && r.flash.pid === 0x413);
  assert.deepEqual([...phases], ['prepare', 'build', 'board', 'flash', 'train', 'done']);
  checkRun(r, 'stm32f405', hostL);
  assert.equal(lines.length, STEPS + 1);
  assert.deepEqual(Object.keys(lines[0] as object), ['step', 'loss', 'correct']);
  assert.deepEqual(lines[STEPS], { done: true, accuracy: Math.round(r.eval!.accuracy * 1e4) / 1e4, steps: STEPS });
});

test('MNIST transfer on stm32f746 (QEMU mps2-an500, Cortex-M7): samples over the UART, loss falls', { skip, timeout: 120_000 }, async () => {
  const p = await mnist();
  const hostL = await host();
  const r = await trainOnDevice({ config: MNIST, prepared: p, board: 'stm32f746', virtual: true, steps: STEPS, evalSamples: EVAL });
  assert.equal(r.flash, undefined, 'the F746 run loads the ELF into QEMU directly (no F7 bootloader emulation)');
  assert.equal(r.firmware.target.name, 'stm32f746-qemu');
  checkRun(r, 'stm32f746', hostL);
});

test('train.lr_decay: cosine on stm32f746 (QEMU): the firmware decays the lr step for step as the host build does', { skip, timeout: 120_000 }, async () => {
  const base = await mnist();
  const train = { ...base.spec.train, lrDecay: 'cosine' as const };
  const spec = { ...base.spec, train };
  const p = { ...base, spec, compilation: { ...base.compilation, spec } };
  const steps = 40; // the decay spans the run's steps: 40 here, on both sides
  const hostL = await hostLosses(p, steps);
  const constantL = (await host()).slice(0, steps);
  assert.notDeepEqual(hostL.slice(2), constantL.slice(2), 'the decayed run differs from the constant-lr one from step 3 on');
  const r = await trainOnDevice({ config: MNIST, prepared: p, board: 'stm32f746', virtual: true, steps, evalSamples: 4 });
  assert.ok(r.completed, `run completed: ${r.stopReason}`);
  assert.equal(r.losses.length, steps);
  for (let i = 0; i < steps; i++) assert.ok(Math.abs(r.losses[i] - hostL[i]) <= 1e-4 * Math.max(1, Math.abs(hostL[i])), `step ${i + 1}: device ${r.losses[i]} vs host ${hostL[i]}`);
});

test('train.weight_rounding: residual on stm32f405 (QEMU): the firmware keeps the residual bytes as the host build does', { skip, timeout: 300_000 }, async () => {
  const base = await mnist();
  const spec = { ...base.spec, train: { ...base.spec.train, weightRounding: 'residual' as const } };
  const p = { ...base, spec, compilation: compile(spec) };
  assert.equal(p.compilation.update.residual, true);
  const steps = 40;
  const hostL = await hostLosses(p, steps);
  const stochasticL = (await host()).slice(0, steps);
  assert.notDeepEqual(hostL, stochasticL, 'the residual run differs from the stochastic one');
  const r = await trainOnDevice({ config: MNIST, prepared: p, board: 'stm32f405', virtual: true, steps, evalSamples: 4 });
  assert.ok(r.completed, `run completed: ${r.stopReason}`);
  assert.equal(r.losses.length, steps);
  for (let i = 0; i < steps; i++) assert.ok(Math.abs(r.losses[i] - hostL[i]) <= 1e-4 * Math.max(1, Math.abs(hostL[i])), `step ${i + 1}: device ${r.losses[i]} vs host ${hostL[i]}`);
});

test('a sample the firmware skips reaches the user: its LOG line once, with a count; held-out evaluation says where it is', { skip, timeout: 120_000 }, async () => {
  const p = await mnist();
  // Labels are checked when the data loads, so only a board running other firmware (or a host
  // bug) sends one out of range: make one here. Label 200 is past any of its classes.
  const test4 = p.split.test.slice(0, 4).map((s, i) => (i === 1 ? { ...s, label: 200 } : s));
  const bad = { ...p, split: { ...p.split, test: test4 } };
  const messages: string[] = [];
  const r = await trainOnDevice({ config: MNIST, prepared: bad, board: 'stm32f746', virtual: true, steps: 5, onProgress: (x) => messages.push(x.message) });
  assert.ok(r.completed, `run completed: ${r.stopReason}`);
  assert.deepEqual(r.deviceLog, [{ level: 'error', text: 'SAMPLE label out of range; skipped', count: 1 }]);
  assert.equal(r.eval?.total, 3, 'the skipped sample is not in the accuracy');
  assert.equal(r.classes, p.spec.model.classes);
  assert.ok(messages.includes('the device says (error): SAMPLE label out of range; skipped'), messages.join('\n'));
  const evalLines = messages.filter((m) => m.startsWith('held-out evaluation on the device: '));
  assert.deepEqual(evalLines, ['held-out evaluation on the device: 0/4 samples', 'held-out evaluation on the device: 1/4 samples', 'held-out evaluation on the device: 2/4 samples', 'held-out evaluation on the device: 3/4 samples']);
});

test('CLI: board --virtual prints its port, flash and train --port use it, SIGTERM stops it', { skip, timeout: 120_000 }, async () => {
  await mnist(); // pretrained weights cached
  const tt = (args: string[]) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const c = spawn(process.execPath, [`${ROOT}/bin/tinytrain.js`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    c.stdout.on('data', (d: Buffer) => { out += d; });
    c.stderr.on('data', (d: Buffer) => { err += d; });
    c.on('close', (code) => resolve({ code, out, err }));
  });
  const board = spawn(process.execPath, [`${ROOT}/bin/tinytrain.js`, 'board', '--virtual', '--timeout', '60'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let boardErr = '';
  board.stderr.on('data', (d: Buffer) => { boardErr += d; });
  const boardExit = new Promise<number | null>((r) => board.on('close', (code) => r(code)));
  try {
    const port = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no port line: ${boardErr}`)), 20_000);
      createInterface({ input: board.stdout }).once('line', (l) => { clearTimeout(t); resolve(l.trim()); });
    });
    assert.ok(existsSync(port), `port ${port} exists`);
    const tr = await tt(['train', MNIST, '--board', 'stm32f405', '--port', port, '--steps', '6', '--eval', '3']);
    assert.equal(tr.code, 0, tr.err);
    const lines = tr.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 7);
    assert.deepEqual(lines.slice(0, 6).map((l) => l.step), [1, 2, 3, 4, 5, 6]);
    assert.ok(lines.slice(0, 6).every((l) => typeof l.loss === 'number' && typeof l.correct === 'boolean'));
    for (const l of lines) { const c = checkRunLine(l); assert.ok(c.ok, c.ok ? '' : c.reason); }
    assert.ok(lines.slice(0, 6).every((l) => typeof l.counter === 'number' && l.counter > 0), 'device step lines carry the board counter');
    assert.equal(lines[6].done, true);
    assert.equal(lines[6].steps, 6);
    assert.match(tr.err, /stream saved to .*\.tinytrain\/mnist-transfer\/runs\/.*\.csv/);
    // The firmware has exited (DONE then tt_exit): the board is in its bootloader again.
    const deadline = Date.now() + 10_000;
    while (!/back in bootloader mode/.test(boardErr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const bin = /in (\S+\/fw-stm32f405-[0-9a-f]+)/.exec(tr.err)?.[1] + '/firmware.bin';
    const fl = await tt(['flash', bin, '--port', port]);
    assert.equal(fl.code, 0, fl.err);
    assert.match(fl.out, /flashed \d+ bytes .*verified, started/);
    assert.match(fl.err, /flash: verify 100 %/);
  } finally {
    try { process.kill(-board.pid!, 'SIGTERM'); } catch { /* gone */ }
  }
  assert.equal(await boardExit, 0);
});
