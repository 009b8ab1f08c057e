// `tinytrain build <config> [--board <b>] [--steps N] [--no-measure] [--json]`: the training
// firmware for a board, linked in the config's budget. Prints text/data/bss from the ELF and
// the measured SRAM (data + bss + stack high-water after N training steps in QEMU) next to the
// plan's prediction. A link overflow is reported on the config's sram:/target: line.
import { ToolError } from '../compiler/toolchain/tools.js';
import { FirmwareBudgetError, requireArmToolchain } from '../devicerun/build.js';
import { prepareForDevice } from '../devicerun/config.js';
import { buildAndMeasure } from '../devicerun/measure.js';
import { ConfigError } from '../training/prepare.js';
import type { CommandContext } from './context.js';
import { formatProblem } from './format.js';

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

export async function buildCommand(ctx: CommandContext): Promise<number> {
  const file = ctx.positional[0];
  if (!file) return ctx.usage('build needs a config file: tinytrain build <config.tinytrain.yaml> [--board stm32f405|stm32f746|nrf52840] [--steps N] [--no-measure] [--json]');
  const stepsOpt = ctx.option('steps');
  const steps = stepsOpt === undefined ? 4 : Number(stepsOpt);
  if (!(Number.isInteger(steps) && steps > 0)) return ctx.usage(`--steps must be a positive whole number; got ${stepsOpt}`);
  const json = ctx.flag('json');
  try {
    requireArmToolchain(); // before any preparation
    const { prepared: p } = await prepareForDevice(file, (m) => ctx.err(m), ctx.option('data'));
    const board = ctx.option('board') ?? p.spec.target.board.name;
    if (board === 'host') return ctx.usage("build makes microcontroller firmware; for the host use 'tinytrain compile --board host' or 'tinytrain train --board host'");
    const r = await buildAndMeasure(p, { board, steps, measure: !ctx.flag('no-measure'), onProgress: (m) => ctx.err(m) });
    const fw = r.firmware;
    const m = r.measurement;
    if (json) {
      ctx.out(JSON.stringify({
        board, target: fw.target.name, elf: fw.elf, bin: fw.bin, size: fw.size, budget: fw.budget,
        plan: { peakSramBytes: fw.plannedPeakSramBytes, arenaBytes: fw.arenaBytes, sramCopyBytes: fw.sramCopyBytes },
        measured: m ?? null, measurementSkipped: r.measurementSkipped,
      }));
      return 0;
    }
    ctx.out(`firmware for ${board} (${fw.target.name}): ${fw.elf}`);
    ctx.out(`  text ${fw.size.text} B   data ${fw.size.data} B   bss ${fw.size.bss} B (incl. the ${kb(fw.budget.ramBytes)} budget's minimum stack reserve)`);
    ctx.out(`  flash used ${kb(fw.size.text + fw.size.data)} of ${kb(fw.budget.flashBytes)}`);
    if (m) {
      ctx.out(`  measured SRAM ${m.measuredSramBytes} B (${kb(m.measuredSramBytes)}) = data ${m.dataBytes} + bss ${m.bssBytes} + stack high-water ${m.stackHighWaterBytes} (after ${m.steps} training steps in QEMU ${m.qemuMachine})`);
      ctx.out(`  plan's prediction ${m.plannedPeakSramBytes} B (${kb(m.plannedPeakSramBytes)}) = arena ${fw.arenaBytes} + SRAM weight copies ${fw.sramCopyBytes}`);
      ctx.out(`  difference ${m.differenceBytes >= 0 ? '+' : ''}${m.differenceBytes} B (${m.differencePercent} % of measured): other bss ${m.breakdown.otherBss} (telemetry/board state), data ${m.breakdown.data} (newlib), stack ${m.breakdown.stack}`);
      ctx.out(`  ${m.instructionsPerStep} guest instructions per training step (QEMU -icount shift=0)`);
    } else ctx.out(`  measured SRAM: ${r.measurementSkipped}`);
    return 0;
  } catch (err) {
    if (err instanceof FirmwareBudgetError) {
      ctx.err(err.problem ? formatProblem(file, err.problem) : `tinytrain build: ${err.message}`);
      return 1;
    }
    if (err instanceof ConfigError) {
      if (err.analysis) for (const pr of err.analysis.problems.filter((x) => x.severity === 'error')) ctx.err(formatProblem(file, pr));
      else ctx.err(`tinytrain build: ${err.message}`);
      return 1;
    }
    if (err instanceof ToolError) { ctx.err(`tinytrain build: ${err.message}`); return 1; }
    throw err;
  }
}
