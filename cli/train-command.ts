// `tinytrain train <config> [--board host] [--steps N] [--data <source>]`: prepares the model
// (pretraining and quantization as the config says), builds the generated training program and
// runs it, printing one JSON object per line: {"step","loss","correct"} per step, then
// {"done":true,"accuracy","steps"}. Progress goes to stderr so stdout stays machine-readable.
// On a device: `--board <b> --port <path>` builds the firmware, flashes it (AN3155, or
// --flash-command / TINYTRAIN_FLASH_COMMAND), streams the samples and prints the same lines;
// `--virtual` instead of --port runs on an emulated board started for the run (stm32f405: the
// virtual board, flashed over its pty; stm32f746: QEMU mps2-an500 with samples over its UART).
// `--eval N` limits the held-out samples streamed for the final accuracy (default: all).
// The stream is saved as CSV in .tinytrain/<model>/runs/ next to the config, the run's trained
// tensors beside it (<run>.ttp, the input of tinytrain export; a device sends them back in
// TRAINED frames at the end of the run).

import { join } from 'node:path';
import { BOARD_NAMES } from '../compiler/config/boards.js';
import { stepLineOf, trainOnDevice } from '../devicerun/train.js';
import { withClassNames, type DoneLine } from '../protocol/run-stream.js';
import { prepare } from '../training/prepare.js';
import { trainedFileOf } from '../training/export.js';
import { trainOnHost } from '../training/host-train.js';
import { RunCsv, runTimestamp, stopNote } from '../training/run-csv.js';
import { workDir } from '../training/workspace.js';
import { EXIT, type FlagTable } from './args.js';
import { defineCommand, type CommandContext } from './context.js';
import { reportRunError } from './errors.js';
import { DATA_FLAG, dataSource, portArgumentError, preflight } from './input.js';
import { runStoppable } from './signals.js';

const TRAIN_FLAGS = {
  board: { type: 'string', value: 'BOARD', choices: BOARD_NAMES, help: "where to train (default host, or the config's target.board with --port/--virtual)" },
  port: { type: 'string', value: 'PATH', help: 'the serial port of a board in its ROM bootloader, or the port `tinytrain board --virtual` printed' },
  virtual: { type: 'boolean', help: 'train on an emulated board (QEMU) started for this run and stopped after it' },
  steps: { type: 'int', min: 1, max: 10_000_000, help: "training steps (default: the config's train.steps, else one pass over the training samples)" },
  eval: { type: 'int', min: 0, value: 'N', help: 'held-out samples for the final accuracy, a stratified subset (default: all; 0 skips it)' },
  data: DATA_FLAG,
  csv: { type: 'string', value: 'FILE', help: 'where to save the stream as CSV (default .tinytrain/<model>/runs/<time>.csv next to the config)' },
  'flash-command': { type: 'string', value: 'CMD', help: 'flash with this command instead of the AN3155 flasher; {bin} {elf} {port} {address} are substituted (or set TINYTRAIN_FLASH_COMMAND)' },
  'no-flash': { type: 'boolean', help: 'do not flash: the board already runs this firmware' },
  baud: { type: 'int', min: 1200, max: 4_000_000, value: 'BAUD', help: 'the serial speed of --port (default 115200)' },
} satisfies FlagTable;

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train on the host or on a board (real or virtual); one JSON line per step on stdout',
  details: [
    'stdout gets {"step","loss","correct"} per step (on a board also "counter"), then {"done":true,"accuracy","steps"}',
    '(the run stream, protocol/run-stream.ts); progress goes to stderr.',
    'On a board: --port builds the firmware, flashes it (AN3155 or --flash-command) and streams the samples;',
    '--virtual runs on an emulated board started for the run. The stream is saved as CSV in',
    '.tinytrain/<model>/runs/ next to the config.',
  ].join('\n'),
  positionals: [{ name: '<config>', help: 'a *.tinytrain.yaml file' }],
  flags: TRAIN_FLAGS,
  async run(ctx) {
    const file = ctx.positional[0];
    const f = ctx.flags;
    const board = f.board ?? (f.port || f.virtual ? undefined : 'host');
    if (board === 'host' && (f.port || f.virtual)) return ctx.usage('--board host trains on this machine; --port and --virtual are for a board');
    if (f.port && f.virtual) return ctx.usage('--port and --virtual both name where to train; give one');
    if (board !== 'host' && !f.port && !f.virtual) return ctx.usage(`--board ${board} needs a device: --port <path> (a board in its ROM bootloader) or --virtual`);
    const bad = preflight(ctx, file, board === 'host' ? undefined : board) ?? portArgumentError(ctx, f.port);
    if (bad !== undefined) return bad;
    return runStoppable(ctx, async (signal) => {
      try {
        return board === 'host' ? await trainHost(ctx, file, signal) : await trainDevice(ctx, file, board, signal);
      } catch (err) {
        if (signal.aborted) throw err; // runStoppable says how it stopped
        return reportRunError(ctx, file, err);
      }
    });
  },
});

type TrainContext = CommandContext<typeof TRAIN_FLAGS>;

async function trainHost(ctx: TrainContext, file: string, signal: AbortSignal): Promise<number> {
  const f = ctx.flags;
  const p = await prepare(file, (m) => ctx.err(m), dataSource(f.data), signal);
  const steps = f.steps ?? p.spec.train.steps ?? p.split.train.length;
  const evalCount = Math.min(f.eval ?? Infinity, p.split.test.length);
  ctx.err(`training ${p.spec.model.name} on the host: ${steps} steps, int8 with ${p.spec.train.qas ? 'QAS' : 'no QAS'}, lr ${p.spec.train.lr}; planned peak SRAM ${(p.analysis.plan!.peakSramBytes / 1024).toFixed(1)} KB`);
  const csv = new RunCsv(f.csv ?? join(workDir(p.configPath, p.spec.model.name, 'runs'), `host-${runTimestamp()}.csv`));
  try {
    const r = await trainOnHost(p, {
      steps, evalSamples: evalCount, signal, saveTrained: trainedFileOf(csv.path),
      onLine: (l) => {
        if ('done' in l) {
          csv.eval({ step: l.steps, correct: Math.round(l.accuracy * evalCount), total: evalCount });
          csv.done({ steps: l.steps });
        } else csv.step(l);
        // The trainer's done line has the per-class table; the stream adds the config's names.
        ctx.out(JSON.stringify('done' in l ? withClassNames(l, p.spec.data?.classes) : l));
      },
    });
    csv.end('completed');
    noteChance(ctx, r.accuracy, evalCount, p.spec.model.classes);
    ctx.err(`stream saved to ${csv.path}, the trained tensors to ${trainedFileOf(csv.path)}; ${evalCount ? `held-out accuracy ${(r.accuracy * 100).toFixed(1)} % on ${evalCount} samples` : 'no held-out evaluation (--eval 0)'}`);
    return EXIT.ok;
  } catch (e) {
    csv.end(stopNote(signal, (e as Error).message));
    ctx.err(`stream so far saved to ${csv.path}`);
    throw e;
  }
}

async function trainDevice(ctx: TrainContext, file: string, board: string | undefined, signal: AbortSignal): Promise<number> {
  const f = ctx.flags;
  let lastFlash = '';
  let done: DoneLine | undefined;
  const r = await trainOnDevice({
    config: file, board, port: f.port, virtual: f.virtual, steps: f.steps, evalSamples: f.eval, data: dataSource(f.data), csvPath: f.csv,
    flashCommand: f['flash-command'] ?? process.env.TINYTRAIN_FLASH_COMMAND, noFlash: f['no-flash'], baudRate: f.baud, signal,
    onProgress: (p) => {
      if (p.flash) {
        const pct = p.flash.total ? Math.floor((p.flash.done / p.flash.total) * 10) * 10 : 0;
        const key = `${p.flash.phase} ${pct}`;
        if (key !== lastFlash) { lastFlash = key; ctx.err(`flash: ${p.flash.phase} ${pct} %`); }
      } else ctx.err(p.message);
    },
    onText: (l) => ctx.err(`[device] ${l}`),
    // Step lines with the board's counter (the run stream carries it); then the done line,
    // once the held-out predictions give it the per-class table, as the host trainer's has.
    onStep: (s) => ctx.out(JSON.stringify(stepLineOf(s))),
    onLine: (l) => { if ('done' in l) done = l; },
  });
  if (done) ctx.out(JSON.stringify(withClassNames({ ...done, ...(r.confusion ? { confusion: r.confusion } : {}) }, r.classNames)));
  ctx.err(`stream saved to ${r.csvPath}${r.trainedPath ? `, the trained tensors to ${r.trainedPath}` : ''}`);
  if (r.parser.badFrames || r.parser.framesLost) ctx.err(`telemetry: ${r.parser.badFrames} bad frames dropped, ${r.parser.framesLost} frames lost`);
  if (signal.aborted) return EXIT.problem; // runStoppable turns this into the signal's code
  if (!r.completed) { ctx.err(`tinytrain train: stopped after ${r.steps} steps: ${r.stopReason}`); return EXIT.problem; }
  if (r.done) ctx.err(`stack high-water ${r.done.stackHighWater} B of ${r.done.stackSize} B`);
  if (r.eval) noteChance(ctx, r.eval.accuracy, r.eval.total, r.classes);
  return EXIT.ok;
}

/** Held-out accuracy at or under chance means the network learned nothing: say so. */
function noteChance(ctx: TrainContext, accuracy: number, evaluated: number, classes: number): void {
  if (classes < 2 || evaluated < classes || accuracy > 1 / classes + 1e-6) return;
  ctx.err(`note: held-out accuracy ${(accuracy * 100).toFixed(1)} % is chance level for ${classes} classes: the network did not learn; try another train.seed, a smaller train.lr, more --steps, or a pretrain: section`);
}
