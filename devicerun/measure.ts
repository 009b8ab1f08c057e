// What the firmware really takes: text/data/bss from the ELF and the stack high-water mark read
// back (DONE frame) after N training steps and a few held-out samples in QEMU, the stack
// painted by the reset handler. Measured SRAM = .data + .bss + stack high-water, next to the
// memory plan's prediction (arena + SRAM copies of trained weights).
import type { Sample } from '../device/telemetry/index.js';
import type { Prepared } from '../training/prepare.js';
import { requireProgram, buildDeviceFirmware, inputBytesOf, int8Samples, ramSections, type DeviceBuildOptions, type DeviceFirmware } from './build.js';
import { startQemuTransport, streamTraining } from './session.js';

export interface SramMeasurement {
  board: string;
  /** The ELF that ran in QEMU (the QEMU variant for stm32f746). */
  qemuTarget: string;
  qemuMachine: string;
  steps: number;
  dataBytes: number;
  bssBytes: number;
  stackHighWaterBytes: number;
  stackSizeBytes: number;
  measuredSramBytes: number;
  plannedPeakSramBytes: number;
  /** measured - planned. */
  differenceBytes: number;
  /** (measured - planned) / measured * 100. */
  differencePercent: number;
  /** Where the difference comes from. */
  breakdown: { arena: number; sramCopies: number; otherBss: number; data: number; stack: number };
  /** Guest instructions per training step (QEMU -icount shift=0: exact), median over the steps. */
  instructionsPerStep: number;
  counterHz: number;
}

export interface MeasureOptions extends Omit<DeviceBuildOptions, 'qemu'> {
  /** Training steps to run (default 4). */
  steps?: number;
  /** Samples to stream (default: the prepared training split). */
  samples?: Sample[];
  /** QEMU time limit (default 120 s). */
  timeoutMs?: number;
}

const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : 0; };

/** Run `fw` (a QEMU-runnable build) for N steps and measure its SRAM. */
export async function measureFirmware(p: Prepared, fw: DeviceFirmware, opts: MeasureOptions = {}): Promise<SramMeasurement> {
  requireProgram('qemu-system-arm');
  if (!fw.target.qemuMachine) throw new Error(`${fw.target.name} does not run in QEMU`);
  const steps = opts.steps ?? 4;
  const pool = opts.samples ?? int8Samples(p, 'train');
  if (!pool.length) throw new Error('no samples to run the firmware with');
  // An embedded-samples firmware trains on its own samples and reads nothing.
  const train = fw.embedded ? [] : Array.from({ length: steps }, (_, i) => pool[i % pool.length]);
  const evalSamples = fw.embedded ? [] : (opts.samples ? pool : int8Samples(p, 'test')).slice(0, 2);
  const t = await startQemuTransport(fw.target.qemuMachine, fw.elf, opts.timeoutMs ?? 120_000);
  let r;
  try {
    r = await streamTraining(t, { train, eval: evalSamples, modelHash: fw.modelHash, signal: opts.signal, idleTimeoutMs: opts.timeoutMs ?? 120_000 });
  } finally {
    await t.close();
  }
  if (!r.completed || !r.done) throw new Error(`the firmware did not finish its measurement run in QEMU: ${r.stopReason ?? 'no DONE'}; text: ${r.text.slice(-5).join(' | ')}`);
  const sec = await ramSections(fw.elf, fw.target.size);
  const measured = sec.data + sec.bss + r.done.stackHighWater;
  const hz = r.hello?.counterHz ?? fw.target.counterHz;
  return {
    board: fw.target.board, qemuTarget: fw.target.name, qemuMachine: fw.target.qemuMachine, steps: r.steps.length,
    dataBytes: sec.data, bssBytes: sec.bss, stackHighWaterBytes: r.done.stackHighWater, stackSizeBytes: r.done.stackSize,
    measuredSramBytes: measured, plannedPeakSramBytes: fw.plannedPeakSramBytes,
    differenceBytes: measured - fw.plannedPeakSramBytes,
    differencePercent: Math.round(((measured - fw.plannedPeakSramBytes) / measured) * 10000) / 100,
    breakdown: { arena: fw.arenaBytes, sramCopies: fw.sramCopyBytes, otherBss: sec.bss - fw.arenaBytes - fw.sramCopyBytes, data: sec.data, stack: r.done.stackHighWater },
    instructionsPerStep: Math.round(median(r.steps.map((s) => (s.counter * 1e9) / hz))),
    counterHz: hz,
  };
}

export interface BuildReport {
  firmware: DeviceFirmware;
  /** The QEMU build the measurement ran (the same object as firmware for stm32f405). */
  qemuFirmware?: DeviceFirmware;
  measurement?: SramMeasurement;
  /** Why no measurement was made (no QEMU, no emulator for the board). */
  measurementSkipped?: string;
}

/** Build for the board and, where QEMU can run it, measure data + bss + stack high-water. */
export async function buildAndMeasure(p: Prepared, opts: MeasureOptions & { measure?: boolean } = {}): Promise<BuildReport> {
  // Inputs larger than a SAMPLE frame (MCUNet's 128x128x3): samples embedded in flash.
  const embedded = inputBytesOf(p) + 2 > 4096 ? { samples: int8Samples(p, 'train').slice(0, 2), steps: opts.steps ?? 4 } : undefined;
  if (embedded) opts.onProgress?.(`the ${p.spec.model.input.join('x')} input is larger than a SAMPLE frame: ${embedded.samples.length} training samples are embedded in flash`);
  opts = { ...opts, embedded } as typeof opts;
  const firmware = await buildDeviceFirmware(p, opts);
  if (opts.measure === false) return { firmware, measurementSkipped: 'not asked' };
  let qemuFirmware: DeviceFirmware;
  if (firmware.target.qemuMachine) qemuFirmware = firmware;
  else if (firmware.target.board === 'stm32f746') qemuFirmware = await buildDeviceFirmware(p, { ...opts, qemu: true, outDir: opts.outDir ? `${opts.outDir}-qemu` : undefined });
  else return { firmware, measurementSkipped: `no emulator for ${firmware.target.board}: the stack high-water mark is measured on a board only` };
  opts.onProgress?.(`measuring the stack high-water mark: ${opts.steps ?? 4} training steps in QEMU ${qemuFirmware.target.qemuMachine}`);
  const measurement = await measureFirmware(p, qemuFirmware, opts);
  return { firmware, qemuFirmware, measurement };
}
