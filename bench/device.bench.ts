// Instructions per training step on the emulated boards: QEMU with -icount shift=0 makes one
// guest instruction one nanosecond of virtual time, so the SysTick counts the firmware reports
// per step (STEP frames, tt_train_step alone, no I/O) convert to exact instruction counts.
//   MCUNet-5FPS with the paper's 99 KB scheme on stm32f746 (QEMU mps2-an500, Cortex-M7):
//     synthetic weights (prepareSynthetic; speed does not depend on their values), 2 random
//     128x128x3 samples embedded in flash (an input that size does not fit a SAMPLE frame).
//   The MNIST transfer example on stm32f405 (QEMU netduinoplus2, Cortex-M4F): real weights,
//     samples embedded as well, so both numbers come from the same firmware loop.
// Milliseconds at the board clock are an ESTIMATE: instructions / clock, i.e. one instruction
// per cycle; a real Cortex-M4 / M7 has flash wait states, multi-cycle loads and (M7) dual issue.
// Per kernel kind, instructions per MAC come from a second build with the per-op profile
// (-DTT_PROFILE, devicerun/profile.ts); its timing calls add a little, so the headline figure is
// the plain build's. MCUNet on stm32f405 (192 KB) is tried too: it is reported as not fitting
// until the plan's peak does.
// Prints one JSON object as its last stdout line.
import { readFileSync } from 'node:fs';
import { TelemetryParser, type DoneMsg, type HelloMsg, type StepMsg } from '../device/telemetry/index.js';
import { runFirmware } from '../device/virtual-board/qemu.js';
import { buildDeviceFirmware, FirmwareBudgetError, int8Samples, ramSections } from '../devicerun/build.js';
import { profileOnDevice } from '../devicerun/profile.js';
import { prepare, type Prepared } from '../training/prepare.js';
import { prepareSynthetic } from '../training/synthetic.js';

const CLOCK_HZ: Record<string, number> = { stm32f746: 216_000_000, stm32f405: 168_000_000 };

async function measure(name: string, p: Prepared, board: 'stm32f746' | 'stm32f405', samples: number, steps: number): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  const fw = await buildDeviceFirmware(p, { board, qemu: true, embedded: { samples: int8Samples(p, 'train').slice(0, samples), steps } });
  const run = await runFirmware({ machine: fw.target.qemuMachine!, elf: fw.elf, timeoutMs: 600_000 });
  const parser = new TelemetryParser();
  const ev = [...parser.push(run.uart), ...parser.end()];
  const msgs = ev.flatMap((e) => (e.kind === 'message' ? [e.msg] : []));
  const hello = msgs.find((m) => m.type === 'hello') as HelloMsg | undefined;
  const done = msgs.find((m) => m.type === 'done') as DoneMsg | undefined;
  const stepMsgs = msgs.filter((m) => m.type === 'step') as StepMsg[];
  if (run.code !== 0 || !hello || !done || stepMsgs.length !== steps) {
    throw new Error(`${name}: the firmware did not finish (exit ${run.code}, ${stepMsgs.length}/${steps} steps): ${ev.flatMap((e) => (e.kind === 'text' ? [e.line] : [])).join(' | ')} ${run.stderr}`);
  }
  const instr = stepMsgs.map((s) => Math.round((s.counter * 1e9) / hello.counterHz));
  const sorted = [...instr].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const clock = CLOCK_HZ[board];
  const sec = await ramSections(fw.elf);
  const resolution = Math.round(1e9 / hello.counterHz);
  process.stderr.write(`${name}: ${median} instructions/step on ${fw.target.qemuMachine} (${(median / clock * 1000).toFixed(1)} ms at ${clock / 1e6} MHz, estimate) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return {
    board, qemuMachine: fw.target.qemuMachine, steps, instructionsPerStep: median, instructionsPerStepAll: instr,
    counterResolutionInstructions: resolution,
    estimatedMsPerStepAtBoardClock: Math.round((median / clock) * 1000 * 100) / 100,
    boardClockHz: clock,
    estimateNote: 'instructions / clock (one instruction per cycle); an estimate from QEMU instruction counts, not a cycle measurement',
    firmware: { text: fw.size.text, data: sec.data, bss: sec.bss, stackHighWater: done.stackHighWater },
    plannedPeakSramBytes: fw.plannedPeakSramBytes,
    measuredSramBytes: sec.data + sec.bss + done.stackHighWater,
    instructionsPerMacByKind: await perKind(p, board),
  };
}

async function perKind(p: Prepared, board: 'stm32f746' | 'stm32f405'): Promise<Record<string, unknown>> {
  const prof = await profileOnDevice(p, { board, virtual: true, steps: 2 });
  return Object.fromEntries(prof.kinds.map((k) => [k.kind, { instructionsPerMac: k.counterPerMac ?? null, instructions: k.counter, macs: k.macs, share: k.share }]));
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = {};
  const mcunet = await prepareSynthetic(readFileSync('examples/mcunet-5fps/99kb.tinytrain.yaml', 'utf8'), { train: 2, test: 1 });
  result['mcunet-5fps-99kb'] = await measure('mcunet-5fps-99kb', mcunet, 'stm32f746', 2, 3);
  try {
    result['mcunet-5fps-99kb-stm32f405'] = await measure('mcunet-5fps-99kb-stm32f405', mcunet, 'stm32f405', 2, 3);
  } catch (e) {
    if (!(e instanceof FirmwareBudgetError)) throw e;
    result['mcunet-5fps-99kb-stm32f405'] = { skipped: `does not fit the 192 KB of stm32f405: ${e.message}`, plannedPeakSramBytes: mcunet.compilation.memory.peakSramBytes };
  }
  const mnist = await prepare('examples/mnist-transfer/transfer.tinytrain.yaml', (m) => process.stderr.write(m + '\n'));
  result['mnist-transfer'] = await measure('mnist-transfer', mnist, 'stm32f405', 4, 8);
  console.log(JSON.stringify(result));
}

main().catch((err) => { console.error(err); process.exit(1); });
