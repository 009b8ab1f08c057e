// `tinytrain flash <config|firmware.bin> --port <path> [--board <b>] [--flash-command "<cmd>"]
//   [--no-verify] [--baud N] [--dtr-rts]`: write the training firmware (built from the config, or
// a ready .bin) through the STM32 ROM bootloader (AN3155) with read-back verify, then start it.
// --flash-command (or TINYTRAIN_FLASH_COMMAND) runs an external tool instead, with {bin}, {elf},
// {port}, {address} substituted. Progress goes to stderr; stdout gets one summary line (--json: the
// run stream's progress lines, then a flashed line, protocol/run-stream.ts).
import { existsSync } from 'node:fs';
import { BOARD_NAMES } from '../compiler/config/boards.js';
import { buildDeviceFirmware, requireArmToolchain } from '../devicerun/build.js';
import { prepareForDevice } from '../devicerun/config.js';
import { flashFirmware } from '../devicerun/flash.js';
import type { FlashedLine, FlashProgressLine } from '../protocol/run-stream.js';
import { EXIT } from './args.js';
import { defineCommand } from './context.js';
import { reportRunError } from './errors.js';
import { runStoppable } from './signals.js';
import { portArgumentError, preflight } from './input.js';

export const flashCommand = defineCommand({
  name: 'flash',
  summary: 'write the firmware through the STM32 ROM bootloader (AN3155), verify it and start it',
  details: 'Give a config (the firmware is built for it first) or a ready firmware .bin. --flash-command (or TINYTRAIN_FLASH_COMMAND) runs an external tool instead.',
  positionals: [{ name: '<config|firmware.bin>', help: 'a *.tinytrain.yaml file, or a .bin built by `tinytrain build`' }],
  flags: {
    port: { type: 'string', value: 'PATH', help: 'the serial port of a board in its ROM bootloader (BOOT0 high + reset), or of `tinytrain board --virtual`' },
    board: { type: 'string', value: 'BOARD', choices: BOARD_NAMES.filter((b) => b !== 'host'), help: "the board to build for (default: the config's target.board)" },
    'flash-command': { type: 'string', value: 'CMD', help: 'flash with this command instead; {bin} {elf} {port} {address} are substituted (or set TINYTRAIN_FLASH_COMMAND)' },
    'no-verify': { type: 'boolean', help: 'skip the read-back verify after writing' },
    baud: { type: 'int', min: 1200, max: 4_000_000, value: 'BAUD', help: 'the bootloader link speed (default 115200)' },
    'dtr-rts': { type: 'boolean', help: 'reset the board into its bootloader with DTR/RTS before flashing (boards wired for it)' },
    json: { type: 'boolean', help: 'progress lines, then a flashed line, as JSON lines on stdout (protocol/run-stream.ts)' },
  },
  async run(ctx) {
    const file = ctx.positional[0];
    const port = ctx.flags.port;
    const external = ctx.flags['flash-command'] ?? process.env.TINYTRAIN_FLASH_COMMAND;
    if (!port && !external) return ctx.usage('--port PATH is required (or --flash-command / TINYTRAIN_FLASH_COMMAND for an external flasher)');
    const badPort = external ? undefined : portArgumentError(ctx, port);
    if (badPort !== undefined) return badPort;
    const isBin = /\.bin$/i.test(file);
    if (isBin && !existsSync(file)) { ctx.err(`tinytrain flash: ${file}: no such file; build one with 'tinytrain build <config>'`); return EXIT.usage; }
    if (!isBin) {
      const bad = preflight(ctx, file, ctx.flags.board);
      if (bad !== undefined) return bad;
    }
    return runStoppable(ctx, async (signal) => {
      try {
        let bin: string;
        let elf: string | undefined;
        if (isBin) bin = file;
        else {
          requireArmToolchain(); // before any preparation
          const { prepared } = await prepareForDevice(file, (m) => ctx.err(m), undefined, signal);
          const fw = await buildDeviceFirmware(prepared, { board: ctx.flags.board, onProgress: (m) => ctx.err(m), signal });
          if (fw.inputBytes + 2 > 4096) ctx.err(`note: this firmware streams samples, but the ${fw.inputBytes}-byte input is larger than a SAMPLE frame; use 'tinytrain build' (embedded samples) for this model`);
          bin = fw.bin;
          elf = fw.elf;
        }
        let lastPct = -1;
        const r = await flashFirmware({
          image: bin, elf, port, externalCommand: external, baudRate: ctx.flags.baud, verify: !ctx.flags['no-verify'], dtrRtsReset: ctx.flags['dtr-rts'], signal,
          onProgress: (p) => {
            const pct = p.total ? Math.floor((p.done / p.total) * 100) : 0;
            if (p.phase === 'write' || p.phase === 'verify') {
              if (pct === lastPct || (pct % 10 !== 0 && pct !== 100)) return;
              lastPct = pct;
            } else lastPct = -1;
            if (ctx.flags.json) ctx.out(JSON.stringify({ progress: 'flash', phase: p.phase, done: p.done, total: p.total } satisfies FlashProgressLine));
            else ctx.err(`flash: ${p.phase} ${p.phase === 'write' || p.phase === 'verify' ? `${pct} % (${p.done}/${p.total} bytes)` : `${p.done}/${p.total}`}`);
          },
          onOutput: (l) => ctx.err(`flash: ${l}`),
        });
        const summary = r.method === 'external'
          ? `flashed ${bin} with: ${r.command} (${r.ms} ms)`
          : `flashed ${r.bytesWritten} bytes to ${port} (chip 0x${r.pid.toString(16)}, sectors ${r.sectorsErased.join(',')}, ${r.verified ? 'verified' : 'NOT verified'}, ${r.started ? 'started' : 'not started'}) in ${r.ms} ms`;
        if (!ctx.flags.json) ctx.out(summary);
        else ctx.out(JSON.stringify({ flashed: true, summary, ms: r.ms, ...(r.method === 'an3155' ? { verified: r.verified, started: r.started } : {}) } satisfies FlashedLine));
        return EXIT.ok;
      } catch (err) {
        if (signal.aborted) throw err;
        return reportRunError(ctx, file, err);
      }
    });
  },
});
