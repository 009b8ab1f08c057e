// `tinytrain flash <config|firmware.bin> --port <path> [--board <b>] [--flash-command "<cmd>"]
//   [--no-verify] [--baud N] [--dtr-rts]`: write the training firmware (built from the config, or
// a ready .bin) through the STM32 ROM bootloader (AN3155) with read-back verify, then start it.
// --flash-command (or TINYTRAIN_FLASH_COMMAND) runs an external tool instead, with {bin}, {elf},
// {port}, {address} substituted. Progress goes to stderr; stdout gets one summary line.
import { existsSync } from 'node:fs';
import { ToolError } from '../compiler/toolchain/tools.js';
import { FlasherError } from '../device/an3155/flasher.js';
import { FirmwareBudgetError, buildDeviceFirmware, requireArmToolchain } from '../devicerun/build.js';
import { prepareForDevice } from '../devicerun/config.js';
import { flashFirmware } from '../devicerun/flash.js';
import { ConfigError } from '../training/prepare.js';
import type { CommandContext } from './context.js';
import { formatProblem } from './format.js';

export async function flashCommand(ctx: CommandContext): Promise<number> {
  const file = ctx.positional[0];
  const port = ctx.option('port');
  const external = ctx.option('flash-command') ?? process.env.TINYTRAIN_FLASH_COMMAND;
  if (!file || (!port && !external)) return ctx.usage('flash needs a config or a .bin and a port: tinytrain flash <config.tinytrain.yaml|firmware.bin> --port <path> [--board <b>] [--flash-command "<cmd with {bin} {elf} {port} {address}>"] [--no-verify]');
  try {
    let bin: string;
    let elf: string | undefined;
    if (/\.bin$/i.test(file)) {
      if (!existsSync(file)) { ctx.err(`tinytrain flash: no such file ${file}`); return 1; }
      bin = file;
    } else {
      requireArmToolchain(); // before any preparation
      const { prepared } = await prepareForDevice(file, (m) => ctx.err(m));
      const fw = await buildDeviceFirmware(prepared, { board: ctx.option('board'), onProgress: (m) => ctx.err(m) });
      if (fw.inputBytes + 2 > 4096) ctx.err(`note: this firmware streams samples, but the ${fw.inputBytes}-byte input is larger than a SAMPLE frame; use 'tinytrain build' (embedded samples) for this model`);
      bin = fw.bin;
      elf = fw.elf;
    }
    const baud = ctx.option('baud');
    let lastPct = -1;
    const r = await flashFirmware({
      image: bin, elf, port, externalCommand: external, baudRate: baud ? Number(baud) : undefined, verify: !ctx.flag('no-verify'), dtrRtsReset: ctx.flag('dtr-rts'),
      onProgress: (p) => {
        const pct = p.total ? Math.floor((p.done / p.total) * 100) : 0;
        if (p.phase === 'write' || p.phase === 'verify') {
          if (pct === lastPct || (pct % 10 !== 0 && pct !== 100)) return;
          lastPct = pct;
        } else lastPct = -1;
        ctx.err(`flash: ${p.phase} ${p.phase === 'write' || p.phase === 'verify' ? `${pct} % (${p.done}/${p.total} bytes)` : `${p.done}/${p.total}`}`);
      },
      onOutput: (l) => ctx.err(`flash: ${l}`),
    });
    if (r.method === 'external') ctx.out(`flashed ${bin} with: ${r.command} (${r.ms} ms)`);
    else ctx.out(`flashed ${r.bytesWritten} bytes to ${port} (chip 0x${r.pid.toString(16)}, sectors ${r.sectorsErased.join(',')}, ${r.verified ? 'verified' : 'NOT verified'}, ${r.started ? 'started' : 'not started'}) in ${r.ms} ms`);
    return 0;
  } catch (err) {
    if (err instanceof FlasherError) { ctx.err(`tinytrain flash: ${err.code}: ${err.message}`); return 1; }
    if (err instanceof FirmwareBudgetError) { ctx.err(err.problem ? formatProblem(file, err.problem) : `tinytrain flash: ${err.message}`); return 1; }
    if (err instanceof ConfigError) { ctx.err(`tinytrain flash: ${err.message}`); return 1; }
    if (err instanceof ToolError) { ctx.err(`tinytrain flash: ${err.message}`); return 1; }
    throw err;
  }
}
