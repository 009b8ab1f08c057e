// `tinytrain train <config> [--board host] [--steps N] [--data <source>]`: prepares the model
// (pretraining and quantization as the config says), builds the generated training program and
// runs it, printing one JSON object per line: {"step","loss","correct"} per step, then
// {"done":true,"accuracy","steps"}. Progress goes to stderr so stdout stays machine-readable.
// On a device: `--board <b> --port <path>` builds the firmware, flashes it (AN3155, or
// --flash-command / TINYTRAIN_FLASH_COMMAND), streams the samples and prints the same lines;
// `--virtual` instead of --port runs on an emulated board started for the run (stm32f405: the
// virtual board, flashed over its pty; stm32f746: QEMU mps2-an500 with samples over its UART).
// `--eval N` limits the held-out samples streamed for the final accuracy (default: all).
// The stream is saved as CSV in .tinytrain/<model>/runs/ next to the config.

import { BOARD_NAMES } from '../compiler/config/boards.js';
import { trainOnDevice } from '../devicerun/train.js';
import { prepare } from '../training/prepare.js';
import { trainOnHost } from '../training/host-train.js';
import { EXIT } from './args.js';
import { defineCommand } from './context.js';
import { reportRunError } from './errors.js';
import { DATA_FLAG, configArgumentError, dataSource } from './input.js';

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train on the host or on a board (real or virtual); one JSON line per step on stdout',
  details: [
    'stdout gets {"step","loss","correct"} per step, then {"done":true,"accuracy","steps"}; progress goes to stderr.',
    'On a board: --port builds the firmware, flashes it (AN3155 or --flash-command) and streams the samples;',
    '--virtual runs on an emulated board started for the run. The stream is saved as CSV in',
    '.tinytrain/<model>/runs/ next to the config.',
  ].join('\n'),
  positionals: [{ name: '<config>', help: 'a *.tinytrain.yaml file' }],
  flags: {
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
  },
  async run(ctx) {
    const file = ctx.positional[0];
    const f = ctx.flags;
    const board = f.board ?? (f.port || f.virtual ? undefined : 'host');
    if (board === 'host' && (f.port || f.virtual)) return ctx.usage('--board host trains on this machine; --port and --virtual are for a board');
    if (f.port && f.virtual) return ctx.usage('--port and --virtual both name where to train; give one');
    if (board !== 'host' && !f.port && !f.virtual) return ctx.usage(`--board ${board} needs a device: --port <path> (a board in its ROM bootloader) or --virtual`);
    const bad = configArgumentError(ctx, file);
    if (bad !== undefined) return bad;
    try {
      if (board !== 'host') {
        const ac = new AbortController();
        const onSig = () => { ctx.err('tinytrain train: stopping...'); ac.abort(); };
        process.once('SIGINT', onSig);
        let lastFlash = '';
        try {
          const r = await trainOnDevice({
            config: file, board, port: f.port, virtual: f.virtual, steps: f.steps, evalSamples: f.eval, data: dataSource(f.data), csvPath: f.csv,
            flashCommand: f['flash-command'] ?? process.env.TINYTRAIN_FLASH_COMMAND, noFlash: f['no-flash'],
            baudRate: f.baud, signal: ac.signal,
            onProgress: (p) => {
              if (p.flash) {
                const pct = p.flash.total ? Math.floor((p.flash.done / p.flash.total) * 10) * 10 : 0;
                const key = `${p.flash.phase} ${pct}`;
                if (key !== lastFlash) { lastFlash = key; ctx.err(`flash: ${p.flash.phase} ${pct} %`); }
              } else ctx.err(p.message);
            },
            onText: (l) => ctx.err(`[device] ${l}`),
            onLine: (l) => ctx.out(JSON.stringify(l)),
          });
          ctx.err(`stream saved to ${r.csvPath}`);
          if (r.parser.badFrames || r.parser.framesLost) ctx.err(`telemetry: ${r.parser.badFrames} bad frames dropped, ${r.parser.framesLost} frames lost`);
          if (!r.completed) { ctx.err(`tinytrain train: stopped after ${r.steps} steps: ${r.stopReason}`); return EXIT.problem; }
          if (r.done) ctx.err(`stack high-water ${r.done.stackHighWater} B of ${r.done.stackSize} B`);
          return EXIT.ok;
        } finally {
          process.removeListener('SIGINT', onSig);
        }
      }
      const p = await prepare(file, (m) => ctx.err(m), dataSource(f.data));
      ctx.err(`training ${p.spec.model.name} on the host: ${f.steps ?? p.spec.train.steps ?? p.split.train.length} steps, int8 with ${p.spec.train.qas ? 'QAS' : 'no QAS'}, lr ${p.spec.train.lr}; planned peak SRAM ${(p.analysis.plan!.peakSramBytes / 1024).toFixed(1)} KB`);
      await trainOnHost(p, { steps: f.steps, onLine: (l) => ctx.out(JSON.stringify(l)) });
      return EXIT.ok;
    } catch (err) {
      return reportRunError(ctx, file, err);
    }
  },
});
