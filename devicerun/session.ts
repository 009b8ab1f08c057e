// One training run over a byte link to the firmware (runtime/firmware/tt_train_firmware.c):
// parse its telemetry, stream SAMPLEs with its flow control (train samples, then held-out
// samples flagged EVAL, the last one flagged LAST), collect STEP / EVAL / DONE. The link is a
// serial port (a real board or the virtual board's pty) or QEMU's UART socket directly.
// A link that closes mid-run, silence, or an abort end the run cleanly with what arrived.
import { SerialPort } from 'serialport';
import { portError } from '../device/an3155/flasher.js';
import { startQemu, type QemuExit, type QemuInstance, type QemuMachine } from '../device/virtual-board/qemu.js';
import {
  NackReason, SampleFlags, SampleSender, TelemetryParser,
  type DoneMsg, type TelemetryEvent, type EvalMsg, type HelloMsg, type LogMsg, type Message, type ParserStats, type PredictionMsg, type Sample, type SampleSenderStats, type StepMsg, type TrainedMsg,
} from '../device/telemetry/index.js';

/** Largest device->host payload the training firmware sends (TRAINED: 16 + 224 bytes; LOG: 1 + 200). */
export const MAX_DEVICE_PAYLOAD = 256;
/** Bytes in, no event out for this long: the parser's pending candidate is resolved as bad. */
const STALL_MS = 1500;
/** No byte for this long while a sample is unacknowledged: send it again. */
const RESEND_MS = 3000;

/** A byte link to a running firmware. */
export interface Transport {
  readonly description: string;
  write(bytes: Uint8Array): void;
  onData(cb: (d: Uint8Array) => void): void;
  /** The link is gone (port closed, firmware exited); `why` says how. */
  onClose(cb: (why: string) => void): void;
  close(): Promise<void>;
}

/** A serial port at 8N1 (a board's USART after flashing, or the virtual board's port). */
export async function openSerialTransport(path: string, baudRate = 115200): Promise<Transport> {
  const port = new SerialPort({ path, baudRate, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(portError(path, e)) : resolve())));
  const closeCbs: ((why: string) => void)[] = [];
  let closed = false;
  const fire = (why: string) => { if (closed) return; closed = true; for (const cb of closeCbs) cb(why); };
  port.on('close', (err: Error | null) => fire(err ? `${path} went away (${err.message})` : `${path} closed`));
  port.on('error', (e: Error) => fire(`${path}: ${e.message}`));
  return {
    description: path,
    write: (b) => { if (port.isOpen) port.write(Buffer.from(b), () => {}); },
    onData: (cb) => { port.on('data', (d: Buffer) => cb(d)); },
    onClose: (cb) => { closeCbs.push(cb); },
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

/** QEMU running an ELF, its UART as the link (stm32f746 on mps2-an500; any QEMU target). */
export async function startQemuTransport(machine: QemuMachine, elf: string, timeoutMs: number): Promise<Transport & { qemu: QemuInstance; exit: Promise<QemuExit> }> {
  const qemu = await startQemu({ machine, elf, timeoutMs });
  const closeCbs: ((why: string) => void)[] = [];
  const exit = qemu.exited.then((x) => {
    const why = x.timedOut ? `QEMU timed out after ${timeoutMs} ms` : x.stopped ? 'QEMU stopped' : `firmware exited with code ${x.code}${x.code === 0xfa ? ' (HardFault)' : ''}`;
    for (const cb of closeCbs) cb(why);
    return x;
  });
  return {
    description: `QEMU ${machine}`,
    qemu, exit,
    write: (b) => qemu.write(b),
    onData: (cb) => { qemu.on('data', (d) => cb(d)); },
    onClose: (cb) => { closeCbs.push(cb); },
    close: async () => { await qemu.stop(); },
  };
}

export interface StreamOptions {
  /** Training samples, in order (one step each). */
  train: Sample[];
  /** Held-out samples (sent flagged EVAL after training). */
  eval?: Sample[];
  /** Bytes received before the link was opened (FlashResult.afterGo). */
  earlier?: Uint8Array;
  /** Expected model hash: a HELLO with another one is a mismatch (reported, run stops). */
  modelHash?: number;
  onHello?: (h: HelloMsg) => void;
  onStep?: (s: StepMsg) => void;
  onEval?: (e: EvalMsg) => void;
  /** One held-out sample's predicted class and label (before the EVAL). */
  onPrediction?: (p: PredictionMsg) => void;
  onText?: (line: string) => void;
  /** A LOG frame of the firmware (a skipped sample, say). */
  onLog?: (m: LogMsg) => void;
  onMessage?: (m: Message) => void;
  /** No byte from the firmware for this long ends the run (default 60 s). */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface StreamResult {
  /** DONE arrived (the firmware finished the stream). */
  completed: boolean;
  /** Why the run ended without DONE. */
  stopReason?: string;
  hello?: HelloMsg;
  steps: StepMsg[];
  eval?: EvalMsg;
  /** The held-out samples' predictions, in order (firmware with PREDICTION frames). */
  predictions: PredictionMsg[];
  done?: DoneMsg;
  text: string[];
  /** The firmware's LOG frames, in order. */
  logs: LogMsg[];
  /** The trained tensors it sent back at the end (TRAINED frames, in order). */
  trained: TrainedMsg[];
  parser: ParserStats;
  samples: SampleSenderStats;
  /** Samples sent again because the link went quiet (no ACK, no NACK) for a while. */
  silentResends?: number;
}

/** Flag the stream: train samples plain, held-out samples EVAL, the very last one LAST. */
export function flagSamples(train: Sample[], evalSamples: Sample[] = []): Sample[] {
  const all = [...train.map((s) => ({ label: s.label, input: s.input, flags: 0 })), ...evalSamples.map((s) => ({ label: s.label, input: s.input, flags: SampleFlags.EVAL }))];
  if (all.length) all[all.length - 1].flags |= SampleFlags.LAST;
  return all;
}

/** Run one training stream over `t`. Never rejects for link trouble: the result says why it stopped. */
export function streamTraining(t: Transport, opts: StreamOptions): Promise<StreamResult> {
  // Device->host payloads of this firmware are small (TRAINED <= 240 bytes): a corrupt length field
  // then holds the parser back for at most 256 bytes.
  const parser = new TelemetryParser({ maxPayload: MAX_DEVICE_PAYLOAD });
  const sender = new SampleSender((b) => t.write(b));
  const res: StreamResult = { completed: false, steps: [], predictions: [], text: [], logs: [], trained: [], parser: parser.stats, samples: sender.stats };
  const idleMs = opts.idleTimeoutMs ?? 60_000;
  return new Promise<StreamResult>((resolve) => {
    let finished = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = (reason?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(idle);
      clearTimeout(quiet);
      clearInterval(stall);
      res.silentResends = silentResends;
      opts.signal?.removeEventListener('abort', onAbort);
      for (const e of parser.end()) handle(e);
      if (!res.completed) res.stopReason = reason ?? 'stopped';
      resolve(res);
    };
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => finish(`no data from the firmware for ${idleMs / 1000} s`), idleMs);
      clearTimeout(quiet);
      quiet = setTimeout(nudge, quietMs());
    };
    // Silence while a sample is unacknowledged: its ACK was lost, or the device sits inside a
    // noise-made frame. The device's own NACK TIMEOUT (0.5 s of board time) recovers that on a
    // board, but under QEMU a polling wait runs far slower than real time (minutes), so the host
    // treats silence as a NACK TIMEOUT too: the sample goes again (the device re-ACKs a repeat;
    // counted in samples.resent, bounded by the sender's retry limit). The silence allowed grows
    // with the slowest step seen, so a board that computes for a long time is not hurried.
    let quiet: NodeJS.Timeout | undefined;
    let lastStepAt = 0;
    let slowestStepMs = 0;
    let nudgedSinceStep = false;
    const quietMs = () => (lastStepAt ? Math.max(RESEND_MS, 2 * slowestStepMs) : 4 * RESEND_MS);
    const nudge = () => {
      if (finished) return;
      if (sender.pending > 0 && res.hello) { silentResends++; nudgedSinceStep = true; sender.onMessage({ type: 'nack', seq: 0, reason: NackReason.TIMEOUT }); }
      quiet = setTimeout(nudge, quietMs());
    };
    let silentResends = 0;
    const onAbort = () => finish('cancelled');
    const handle = (e: TelemetryEvent) => {
      if (e.kind === 'text') { res.text.push(e.line); opts.onText?.(e.line); return; }
      const m = e.msg;
      sender.onMessage(m);
      opts.onMessage?.(m);
      switch (m.type) {
        case 'hello':
          res.hello = m;
          opts.onHello?.(m);
          if (opts.modelHash !== undefined && m.modelHash !== opts.modelHash) {
            finish(`the board runs another model (HELLO model hash 0x${m.modelHash.toString(16)}, expected 0x${opts.modelHash.toString(16)}): flash this config's firmware first`);
          }
          break;
        case 'step': {
          const now = Date.now();
          if (lastStepAt && !nudgedSinceStep) slowestStepMs = Math.max(slowestStepMs, now - lastStepAt); // gaps with a recovery in them do not count
          lastStepAt = now;
          nudgedSinceStep = false;
          res.steps.push(m);
          opts.onStep?.(m);
          break;
        }
        case 'eval': res.eval = m; opts.onEval?.(m); break;
        case 'prediction': res.predictions.push(m); opts.onPrediction?.(m); break;
        case 'log': res.logs.push(m); opts.onLog?.(m); break;
        case 'trained': res.trained.push(m); break;
        case 'done': res.done = m; res.completed = m.status === 0; if (m.status !== 0) res.stopReason = `the firmware stopped early (status ${m.status})`; finish(); break;
        default:
      }
    };
    // A noise-made frame header can still hold good frames behind it until its claimed length
    // has arrived, which on a quiet link (one NACK a second) takes long: when bytes came in but
    // nothing came out for STALL_MS, resolve the pending candidate as bad and rescan (end()).
    let lastOut = Date.now();
    let bytesAtLastOut = 0;
    const stall = setInterval(() => {
      if (finished || parser.stats.bytes === bytesAtLastOut || Date.now() - lastOut < STALL_MS) return;
      const ev = parser.end();
      lastOut = Date.now();
      bytesAtLastOut = parser.stats.bytes;
      for (const e of ev) { handle(e); if (finished) return; }
    }, STALL_MS / 3);
    const push = (d: Uint8Array) => {
      if (finished) return;
      arm();
      const ev = parser.push(d);
      if (ev.length) { lastOut = Date.now(); bytesAtLastOut = parser.stats.bytes; }
      for (const e of ev) { handle(e); if (finished) return; }
    };
    if (opts.signal?.aborted) return finish('cancelled');
    opts.signal?.addEventListener('abort', onAbort);
    sender.enqueue(...flagSamples(opts.train, opts.eval));
    sender.drained().catch((e: Error) => finish(e.message));
    arm();
    if (opts.earlier?.length) push(opts.earlier);
    t.onData(push);
    t.onClose((why) => setTimeout(() => finish(why), 50)); // let bytes already read be parsed
  });
}
