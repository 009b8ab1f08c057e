// Training on a device: prepare the config, build the firmware, flash it, stream the samples,
// and hand back the same lines as the host run ({"step","loss","correct"}, then
// {"done":true,"accuracy","steps"}), writing the stream as CSV next to the config
// (.tinytrain/<model>/runs/<timestamp>.csv), row by row so a run that stops keeps its data, and
// the trained tensors the firmware sends back at the end beside it (<run>.ttp, as a host run).
//   port     : a board in its ROM bootloader (or the virtual board of `tinytrain board --virtual`)
//   virtual  : stm32f405 -> a virtual board (AN3155 emulator + QEMU netduinoplus2) started for
//              the run, flashed with TinyTrain's flasher, stopped after;
//              stm32f746 -> the firmware's QEMU build on mps2-an500, samples streamed over QEMU's
//              UART directly (the virtual board emulates the F405 bootloader only).
import { join } from 'node:path';
import { start, type VirtualBoard, type VirtualBoardOptions } from '../device/virtual-board/board.js';
import type { FlashProgress } from '../device/an3155/flasher.js';
import { logLevelName, type DoneMsg, type EvalMsg, type HelloMsg, type LogMsg, type ParserStats, type ProfileMsg, type SampleSenderStats, type StepMsg } from '../device/telemetry/index.js';
import { prepare, runSteps, type Prepared } from '../training/prepare.js';
import type { StepLine } from '../protocol/run-stream.js';
import type { TrainLine } from '../training/host-train.js';
import { stratified } from '../datasets/split.js';
import { RunCsv, runTimestamp, stopNote } from '../training/run-csv.js';
import { trainedFileOf } from '../training/export.js';
import { workDir, writeFileAtomic } from '../training/workspace.js';
import { requireArmToolchain, requireProgram, buildDeviceFirmware, int8Samples, type DeviceFirmware } from './build.js';
import { flashFirmware, type FlashOutcome } from './flash.js';
import { openSerialTransport, startQemuTransport, streamTraining, type StreamResult, type Transport } from './session.js';
import { joinTrainedFrames } from './trained.js';

export type DevicePhase = 'prepare' | 'build' | 'board' | 'flash' | 'train' | 'done';
export interface DeviceProgress { phase: DevicePhase; message: string; flash?: FlashProgress; /** QEMU's process id when a run starts QEMU directly (stm32f746 virtual). */ qemuPid?: number }

export interface TrainOnDeviceOptions {
  /** Path of the *.tinytrain.yaml config. */
  config: string;
  /** Already prepared config (skips prepare()). */
  prepared?: Prepared;
  /** Board (default: the config's target.board). */
  board?: string;
  /** Serial port of the board (bootloader mode unless noFlash). */
  port?: string;
  /** Run on an emulated board started (and stopped) for this run. */
  virtual?: boolean;
  /** Training steps (default: train.steps of the config, else one pass over data.train). */
  steps?: number;
  /** Held-out samples streamed for the final EVAL (default: all of data.test). */
  evalSamples?: number;
  /** Data source override (as `tinytrain train --data`). */
  data?: string;
  /** External flash command (see flashFirmware). */
  flashCommand?: string;
  /** The firmware is already on the board and running: do not flash. */
  noFlash?: boolean;
  baudRate?: number;
  dtrRtsReset?: boolean;
  /** Options for the virtual board (tests inject faults here). */
  virtualBoard?: VirtualBoardOptions;
  /** CSV path (default .tinytrain/<model>/runs/<timestamp>.csv next to the config). */
  csvPath?: string;
  /** Silence from the firmware that ends the run (default 60 s). */
  idleTimeoutMs?: number;
  /** Limit for a QEMU run (default 30 minutes). */
  qemuTimeoutMs?: number;
  onProgress?: (p: DeviceProgress) => void;
  /** The host run's JSON lines. */
  onLine?: (l: TrainLine) => void;
  onStep?: (s: StepMsg) => void;
  onText?: (line: string) => void;
  /** Build the profiling firmware (-DTT_PROFILE): the result carries its PROFILE frames. */
  profile?: boolean;
  /** The virtual board once it exists (tests use it to inject faults or pull the port). */
  onVirtualBoard?: (b: VirtualBoard) => void;
  signal?: AbortSignal;
}

export interface TrainOnDeviceResult {
  /** The firmware sent DONE after the last sample. */
  completed: boolean;
  stopReason?: string;
  steps: number;
  /** EVAL accuracy on the held-out samples (undefined when the run stopped before). */
  accuracy?: number;
  losses: number[];
  csvPath: string;
  /** The trained tensors the firmware sent back, written beside the CSV (TTP1, the input of
   * tinytrain export); undefined when the run did not complete or frames were lost. */
  trainedPath?: string;
  /** Why a completed run has no trainedPath. */
  trainedMissing?: string;
  firmware: DeviceFirmware;
  flash?: FlashOutcome;
  hello?: HelloMsg;
  eval?: EvalMsg;
  /** confusion[label][predicted] over the held-out samples (from the PREDICTION frames). */
  confusion?: number[][];
  done?: DoneMsg;
  /** PROFILE frames (a profiling build, `profile`). */
  profile: ProfileMsg[];
  /** Guest instructions (QEMU) or nanoseconds (real board) per step, from the STEP counters. */
  counterNsPerStep: number[];
  parser: ParserStats;
  samples: SampleSenderStats;
  /** Samples the host sent again because the link went quiet (see streamTraining). */
  silentResends: number;
  text: string[];
  /** What the firmware logged (LOG frames), each distinct line once with how often it came. */
  deviceLog: DeviceLogLine[];
  /** The model's classes (the chance level of `accuracy` is 1 / classes). */
  classes: number;
  /** The config's class names in label order (data.classes), when it names them. */
  classNames?: readonly (string | number)[];
  where: string;
}

export interface DeviceLogLine { level: string; text: string; count: number }

/** Folds the firmware's LOG frames into distinct lines with counts; `onFirst` hears each line the first time. */
function deviceLogBook(onFirst: (l: DeviceLogLine) => void): { add: (m: LogMsg) => void; lines: DeviceLogLine[] } {
  const lines: DeviceLogLine[] = [];
  const byKey = new Map<string, DeviceLogLine>();
  return {
    lines,
    add(m) {
      const level = logLevelName(m.level);
      const key = `${level}\0${m.text}`;
      const seen = byKey.get(key);
      if (seen) { seen.count++; return; }
      const l = { level, text: m.text, count: 1 };
      byKey.set(key, l);
      lines.push(l);
      onFirst(l);
    },
  };
}

/** Build, flash, stream, collect. Resolves with completed:false (and the data so far) when the link goes away. */
export async function trainOnDevice(opts: TrainOnDeviceOptions): Promise<TrainOnDeviceResult> {
  const progress = (phase: DevicePhase, message: string, flash?: FlashProgress, qemuPid?: number) => opts.onProgress?.({ phase, message, flash, qemuPid });
  const signal = opts.signal;
  if (!opts.port && !opts.virtual) throw new Error('training on a device needs a serial port (port) or a virtual board (virtual)');
  // Tools first: a missing toolchain is reported before minutes of preparation.
  requireArmToolchain();
  if (opts.virtual) requireProgram('qemu-system-arm');
  progress('prepare', `preparing ${opts.config}`);
  const p = opts.prepared ?? await prepare(opts.config, (m) => progress('prepare', m), opts.data, signal);
  signal?.throwIfAborted();
  const board = opts.board ?? p.spec.target.board.name;
  const viaQemuDirect = !!opts.virtual && board !== 'stm32f405';
  if (opts.virtual && board !== 'stm32f405' && board !== 'stm32f746') throw new Error(`no virtual board for ${board}: use stm32f405 or stm32f746, or a real board with --port`);
  if (opts.virtual && !viaQemuDirect) requireProgram('socat');

  const steps = runSteps(p, opts.steps);
  const fw = await buildDeviceFirmware(p, { board, qemu: viaQemuDirect, profile: opts.profile, steps, onProgress: (m) => progress('build', m), signal });
  if (fw.inputBytes + 2 > 4096) throw new Error(`the ${p.spec.model.input.join('x')} input does not fit one SAMPLE frame (4096 bytes): stream training needs inputs up to 4094 bytes; embed the samples instead (buildDeviceFirmware embedded)`);
  const pool = int8Samples(p, 'train');
  const train = Array.from({ length: steps }, (_, i) => pool[i % pool.length]);
  const test = stratified(int8Samples(p, 'test'), opts.evalSamples ?? Infinity); // the split is ordered by class

  // The CSV exists once the firmware is on the board (a failed flash leaves no run behind).
  const csvPath = opts.csvPath ?? join(workDir(p.configPath, p.spec.model.name, 'runs'), `${runTimestamp()}.csv`);
  let csv: RunCsv | undefined;

  let vboard: VirtualBoard | undefined;
  let transport: Transport | undefined;
  let flashed: FlashOutcome | undefined;
  let where: string;
  const losses: number[] = [];
  const counterNs: number[] = [];
  const profile: ProfileMsg[] = [];
  let counterHz = fw.target.counterHz;
  try {
    let earlier: Uint8Array | undefined;
    if (viaQemuDirect) {
      where = `QEMU ${fw.target.qemuMachine} (${fw.target.name}; samples over its UART)`;
      const qt = await startQemuTransport(fw.target.qemuMachine!, fw.elf, opts.qemuTimeoutMs ?? 1_800_000);
      transport = qt;
      progress('board', `started ${where}`, undefined, qt.qemu.pid);
    } else {
      let port = opts.port;
      if (opts.virtual) {
        vboard = await start({ firmwareTimeoutMs: opts.qemuTimeoutMs ?? 1_800_000, ...opts.virtualBoard });
        opts.onVirtualBoard?.(vboard);
        port = vboard.portPath;
        progress('board', `virtual board (QEMU netduinoplus2) at ${port}`);
      }
      where = opts.virtual ? `virtual board ${port}` : port!;
      if (!opts.noFlash) {
        progress('flash', `flashing ${fw.bin} (${fw.size.text + fw.size.data} bytes) ${opts.flashCommand ? 'with the external command' : `over ${port}`}`);
        flashed = await flashFirmware({
          image: fw.bin, elf: fw.elf, port, externalCommand: opts.flashCommand, baudRate: opts.baudRate, dtrRtsReset: opts.dtrRtsReset, signal,
          onProgress: (f) => progress('flash', `${f.phase} ${f.done}/${f.total}`, f),
          onOutput: (l) => progress('flash', l),
        });
        earlier = flashed.afterGo;
      }
      signal?.throwIfAborted();
      const serial = await openSerialTransport(port!, opts.baudRate);
      transport = serial;
      if (vboard) {
        const b = vboard;
        const cbs: ((why: string) => void)[] = [];
        serial.onClose((why) => cbs.forEach((cb) => cb(why)));
        b.on('exit', (x) => setTimeout(() => cbs.forEach((cb) => cb(x.timedOut ? 'the virtual board timed out' : `firmware exited with code ${x.code}${x.code === 0xfa ? ' (HardFault)' : ''}`)), 300));
        transport = { ...serial, onClose: (cb) => { cbs.push(cb); } };
      }
    }
    csv = new RunCsv(csvPath);
    progress('train', `streaming ${train.length} training samples and ${test.length} held-out samples to ${where}`);
    const log = deviceLogBook((l) => progress('train', `the device says (${l.level}): ${l.text}`));
    // Held-out evaluation can take a while after the last step (35 s on the virtual board): say
    // where it is every tenth of the way, from the PREDICTION frames.
    let evaluated = 0;
    let evalTenth = -1;
    const evalProgress = () => {
      const tenth = test.length ? Math.floor((evaluated * 10) / test.length) : 10;
      if (tenth === evalTenth) return;
      evalTenth = tenth;
      progress('train', `held-out evaluation on the device: ${evaluated}/${test.length} samples`);
    };
    if (!train.length && test.length) evalProgress(); // an evaluation-only run starts with it
    const r: StreamResult = await streamTraining(transport, {
      train, eval: test, earlier, modelHash: opts.noFlash ? undefined : fw.modelHash, signal, idleTimeoutMs: opts.idleTimeoutMs,
      onHello: (h) => { counterHz = h.counterHz; progress('train', `HELLO from ${h.board}: model 0x${h.modelHash.toString(16)}, arena ${h.arenaBytes} B`); },
      onText: opts.onText,
      onStep: (s) => {
        const ns = (s.counter * 1e9) / counterHz;
        losses.push(s.loss);
        counterNs.push(ns);
        const { counter: _counter, ...line } = stepLineOf(s);
        csv!.step({ step: s.step, loss: s.loss, predicted: s.predicted, label: s.label, correct: line.correct, counter: s.counter, counterNs: ns });
        opts.onStep?.(s);
        opts.onLine?.(line);
        if (s.step === train.length && test.length) evalProgress();
      },
      onLog: (m) => log.add(m),
      // one row per held-out sample: the per-class table (confusion) can be read back from the CSV
      onPrediction: (x) => {
        csv!.prediction(x);
        evaluated++;
        evalProgress();
      },
      onEval: (e) => csv!.eval(e),
      onMessage: (m) => { if (m.type === 'profile') profile.push(m); },
    });
    let trainedPath: string | undefined;
    let trainedMissing: string | undefined;
    if (r.completed) {
      const joined = joinTrainedFrames(r.hello?.modelHash ?? fw.modelHash, r.trained);
      if ('bytes' in joined) {
        trainedPath = trainedFileOf(csvPath);
        writeFileAtomic(trainedPath, joined.bytes);
        progress('done', `trained tensors saved to ${trainedPath}`);
      } else {
        trainedMissing = joined.missing;
        progress('done', `no trained tensors for tinytrain export: ${trainedMissing}`);
      }
      csv.done({ steps: r.done!.steps, counter: r.done!.counter });
      opts.onLine?.({ done: true, accuracy: r.eval ? Math.round(r.eval.accuracy * 1e4) / 1e4 : 0, steps: r.steps.length });
    }
    csv.end(r.completed ? 'completed' : stopNote(signal, r.stopReason));
    for (const l of log.lines) if (l.count > 1) progress('done', `the device said (${l.level}) ${l.count} times: ${l.text}`);
    progress('done', r.completed ? `done: ${r.steps.length} steps` : `stopped after ${r.steps.length} steps: ${r.stopReason}`);
    const classes = p.net.classifier.classes;
    const confusion = r.predictions.length ? Array.from({ length: classes }, () => new Array<number>(classes).fill(0)) : undefined;
    for (const x of r.predictions) if (confusion && x.label < classes && x.predicted < classes) confusion[x.label][x.predicted]++;
    return {
      completed: r.completed, stopReason: r.stopReason, steps: r.steps.length, accuracy: r.eval?.accuracy, losses, csvPath, ...(trainedPath ? { trainedPath } : {}), ...(trainedMissing ? { trainedMissing } : {}), firmware: fw, flash: flashed,
      hello: r.hello, eval: r.eval, ...(confusion ? { confusion } : {}), done: r.done, profile, counterNsPerStep: counterNs, parser: r.parser, samples: r.samples, silentResends: r.silentResends ?? 0, text: r.text, deviceLog: log.lines, classes, ...(p.spec.data?.classes ? { classNames: p.spec.data.classes } : {}), where,
    };
  } catch (e) {
    csv?.end(stopNote(signal, (e as Error).message));
    throw e;
  } finally {
    await transport?.close().catch(() => {});
    await vboard?.stop().catch(() => {});
  }
}

/** The run-stream line of a device STEP (protocol/run-stream.ts), with the board's counter. */
export function stepLineOf(s: StepMsg): StepLine {
  return { step: s.step, loss: Math.round(s.loss * 1e6) / 1e6, correct: s.predicted === s.label, counter: s.counter };
}

/** A virtual STM32F405 board (AN3155 bootloader + QEMU) until stop(); `portPath` is its serial port. */
export async function startVirtualBoard(opts: VirtualBoardOptions & { signal?: AbortSignal } = {}): Promise<VirtualBoard> {
  requireProgram('socat');
  requireProgram('qemu-system-arm');
  opts.signal?.throwIfAborted();
  const b = await start(opts);
  if (opts.signal) {
    if (opts.signal.aborted) await b.stop();
    else opts.signal.addEventListener('abort', () => void b.stop(), { once: true });
  }
  return b;
}
