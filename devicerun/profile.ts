// The per-op profile of the training step on a board: the firmware built with -DTT_PROFILE
// times every op with the board counter and sends PROFILE frames before DONE.
//   virtual: the QEMU build (stm32f405 -> netduinoplus2, stm32f746 -> mps2-an500) with a few
//            training samples embedded in flash (any input size), run under -icount: the counts
//            are guest instructions, exact and repeatable.
//   port:    a board in its bootloader: flashed and streamed as `tinytrain train --port`; the
//            counter is SysTick on the core clock, i.e. core cycles.
import type { ProfileMsg } from '../device/telemetry/index.js';
import { TelemetryParser } from '../device/telemetry/index.js';
import { runFirmware } from '../device/virtual-board/qemu.js';
import { profileFromCounts, type Profile } from '../training/profile.js';
import type { Prepared } from '../training/prepare.js';
import { buildDeviceFirmware, int8Samples, requireArmToolchain, requireProgram } from './build.js';
import { trainOnDevice } from './train.js';

export interface DeviceProfileOptions {
  board?: string;
  virtual?: boolean;
  port?: string;
  /** Training steps to profile (default 4 virtual, 8 on a port). */
  steps?: number;
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

/** Joins the PROFILE frames of one run into per-op counts (schedule order). */
export function joinProfileFrames(frames: ProfileMsg[]): { counts: number[]; steps: number } {
  if (!frames.length) throw new Error('the firmware sent no PROFILE (is it a profiling build?)');
  const ops = frames[0].ops;
  const counts: (number | undefined)[] = new Array(ops).fill(undefined);
  for (const f of frames) f.counts.forEach((c, i) => { counts[f.first + i] = c; });
  const missing = counts.findIndex((c) => c === undefined);
  if (missing >= 0) throw new Error(`the PROFILE frames miss op ${missing} of ${ops}`);
  return { counts: counts as number[], steps: frames[0].steps };
}

const median = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? 0; };

export async function profileOnDevice(p: Prepared, opts: DeviceProfileOptions): Promise<Profile> {
  const board = opts.board ?? p.spec.target.board.name;
  const progress = opts.onProgress ?? (() => {});
  if (opts.virtual) {
    requireArmToolchain();
    requireProgram('qemu-system-arm');
    if (board !== 'stm32f405' && board !== 'stm32f746') throw new Error(`no virtual board for ${board}: use stm32f405 or stm32f746, or a real board with --port`);
    const steps = opts.steps ?? 4;
    const samples = int8Samples(p, 'train').slice(0, 2);
    if (!samples.length) throw new Error('the config has no training samples to profile with');
    const fw = await buildDeviceFirmware(p, { board, qemu: true, profile: true, embedded: { samples, steps }, onProgress: progress, signal: opts.signal });
    progress(`profiling ${steps} training steps in QEMU ${fw.target.qemuMachine} (-icount: counts are guest instructions)`);
    const run = await runFirmware({ machine: fw.target.qemuMachine!, elf: fw.elf, timeoutMs: 1_800_000 });
    const parser = new TelemetryParser();
    const msgs = [...parser.push(run.uart), ...parser.end()].flatMap((e) => (e.kind === 'message' ? [e.msg] : []));
    const hello = msgs.find((m) => m.type === 'hello');
    const stepCounts = msgs.flatMap((m) => (m.type === 'step' ? [m.counter] : []));
    if (run.code !== 0 || !hello || hello.type !== 'hello' || stepCounts.length !== steps) throw new Error(`the profiling firmware did not finish in QEMU (exit ${run.code}, ${stepCounts.length}/${steps} steps) ${run.stderr.trim()}`);
    const { counts } = joinProfileFrames(msgs.filter((m): m is ProfileMsg => m.type === 'profile'));
    const toInstr = 1e9 / hello.counterHz; // -icount shift=0: 1 ns of virtual time per instruction
    return profileFromCounts(p, board, 'instructions', counts.map((c) => c * toInstr), steps, median(stepCounts) * toInstr);
  }
  if (!opts.port) throw new Error('profiling on a board needs --port <path> (or --virtual)');
  const steps = opts.steps ?? 8;
  const r = await trainOnDevice({ config: p.configPath, prepared: p, board, port: opts.port, steps, evalSamples: 0, profile: true, signal: opts.signal, onProgress: (e) => progress(e.message) });
  if (!r.completed) throw new Error(`the profiling run stopped: ${r.stopReason ?? 'no DONE'}`);
  const { counts } = joinProfileFrames(r.profile);
  // the board counter runs at the core clock: counts are core cycles
  const hz = r.hello?.counterHz ?? r.firmware.target.counterHz;
  const cycles = r.counterNsPerStep.map((ns) => (ns * hz) / 1e9);
  return profileFromCounts(p, board, 'cycles', counts, r.steps, median(cycles));
}
