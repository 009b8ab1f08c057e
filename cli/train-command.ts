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

import { ToolError } from '../compiler/toolchain/tools.js';
import { FlasherError } from '../device/an3155/flasher.js';
import { FirmwareBudgetError } from '../devicerun/build.js';
import { trainOnDevice } from '../devicerun/train.js';
import { ConfigError, prepare } from '../training/prepare.js';
import { trainOnHost } from '../training/host-train.js';
import type { CommandContext } from './context.js';
import { formatProblem } from './format.js';

export async function trainCommand(ctx: CommandContext): Promise<number> {
  const file = ctx.positional[0];
  if (!file) return ctx.usage('train needs a config file: tinytrain train <config.tinytrain.yaml> [--board host|stm32f405|stm32f746] [--port <path> | --virtual] [--steps N] [--eval N] [--data mnist|<folder>]');
  const port = ctx.option('port');
  const virtual = ctx.flag('virtual');
  const board = ctx.option('board') ?? (port || virtual ? undefined : 'host');
  if (board === 'host' && (port || virtual)) return ctx.usage('--board host trains on this machine; --port and --virtual are for a board');
  const stepsOpt = ctx.option('steps');
  const steps = stepsOpt === undefined ? undefined : Number(stepsOpt);
  if (steps !== undefined && !(Number.isInteger(steps) && steps > 0)) return ctx.usage(`--steps must be a positive whole number; got ${stepsOpt}`);
  const evalOpt = ctx.option('eval');
  const evalSamples = evalOpt === undefined ? undefined : Number(evalOpt);
  if (evalSamples !== undefined && !(Number.isInteger(evalSamples) && evalSamples >= 0)) return ctx.usage(`--eval must be a whole number; got ${evalOpt}`);
  try {
    if (board !== 'host') {
      if (!port && !virtual) {
        ctx.err(`tinytrain train: --board ${board} needs a device: --port <path> (a board in its ROM bootloader) or --virtual`);
        return 2;
      }
      const ac = new AbortController();
      const onSig = () => { ctx.err('tinytrain train: stopping...'); ac.abort(); };
      process.once('SIGINT', onSig);
      let lastFlash = '';
      try {
        const r = await trainOnDevice({
          config: file, board, port, virtual, steps, evalSamples, data: ctx.option('data'), csvPath: ctx.option('csv'),
          flashCommand: ctx.option('flash-command') ?? process.env.TINYTRAIN_FLASH_COMMAND, noFlash: ctx.flag('no-flash'),
          baudRate: ctx.option('baud') ? Number(ctx.option('baud')) : undefined, signal: ac.signal,
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
        if (!r.completed) { ctx.err(`tinytrain train: stopped after ${r.steps} steps: ${r.stopReason}`); return 1; }
        if (r.done) ctx.err(`stack high-water ${r.done.stackHighWater} B of ${r.done.stackSize} B`);
        return 0;
      } finally {
        process.removeListener('SIGINT', onSig);
      }
    }
    const p = await prepare(file, (m) => ctx.err(m), ctx.option('data'));
    ctx.err(`training ${p.spec.model.name} on the host: ${steps ?? p.spec.train.steps ?? p.split.train.length} steps, int8 with ${p.spec.train.qas ? 'QAS' : 'no QAS'}, lr ${p.spec.train.lr}; planned peak SRAM ${(p.analysis.plan!.peakSramBytes / 1024).toFixed(1)} KB`);
    await trainOnHost(p, { steps, onLine: (l) => ctx.out(JSON.stringify(l)) });
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      if (err.analysis) for (const pr of err.analysis.problems.filter((x) => x.severity === 'error')) ctx.err(formatProblem(file, pr));
      else ctx.err(`tinytrain train: ${err.message}`);
      return 1;
    }
    if (err instanceof FirmwareBudgetError) { ctx.err(err.problem ? formatProblem(file, err.problem) : `tinytrain train: ${err.message}`); return 1; }
    if (err instanceof FlasherError) { ctx.err(`tinytrain train: flashing failed: ${err.code}: ${err.message}`); return 1; }
    if (err instanceof ToolError) { ctx.err(`tinytrain train: ${err.message}`); return 1; }
    throw err;
  }
}
