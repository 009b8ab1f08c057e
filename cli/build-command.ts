// `tinytrain build <config> [--board <b>] [--steps N] [--no-measure] [--json]`: the training
// firmware for a board, linked in the config's budget. Prints text/data/bss from the ELF and
// the measured SRAM (data + bss + stack high-water after N training steps in QEMU) next to the
// plan's prediction. A link overflow is reported on the config's sram:/target: line.
import { BOARD_NAMES } from '../compiler/config/boards.js';
import { requireArmToolchain } from '../devicerun/build.js';
import { prepareForDevice } from '../devicerun/config.js';
import { buildAndMeasure } from '../devicerun/measure.js';
import type { BuildLine } from '../protocol/run-stream.js';
import { EXIT } from './args.js';
import { defineCommand } from './context.js';
import { reportRunError } from './errors.js';
import { runStoppable } from './signals.js';
import { DATA_FLAG, dataSource, preflight } from './input.js';

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const FIRMWARE_BOARDS = BOARD_NAMES.filter((b) => b !== 'host');

export const buildCommand = defineCommand({
  name: 'build',
  summary: 'the training firmware for a board: sizes, and the SRAM measured in QEMU next to the plan',
  details: "A link overflow is reported on the config's sram:/target: line. Measuring runs --steps training steps in QEMU and reads the stack high-water mark.",
  positionals: [{ name: '<config>', help: 'a *.tinytrain.yaml file' }],
  flags: {
    board: { type: 'string', value: 'BOARD', choices: FIRMWARE_BOARDS, help: "the board to build for (default: the config's target.board)" },
    steps: { type: 'int', min: 1, max: 1000, help: 'training steps to run in QEMU for the measurement (default 4)' },
    'no-measure': { type: 'boolean', help: 'build only; skip the QEMU measurement' },
    data: DATA_FLAG,
    json: { type: 'boolean', help: 'print one JSON object (sizes, budget, plan, measurement) on stdout' },
  },
  async run(ctx) {
    const file = ctx.positional[0];
    const steps = ctx.flags.steps ?? 4;
    const bad = preflight(ctx, file, ctx.flags.board);
    if (bad !== undefined) return bad;
    return runStoppable(ctx, async (signal) => {
      try {
        requireArmToolchain(); // before any preparation
        const { prepared: p } = await prepareForDevice(file, (m) => ctx.err(m), dataSource(ctx.flags.data), signal);
        const board = ctx.flags.board ?? p.spec.target.board.name;
        if (board === 'host') return ctx.usage("build makes microcontroller firmware and the config's target.board is host; give --board, or use 'tinytrain compile' / 'tinytrain train --board host'");
        const r = await buildAndMeasure(p, { board, steps, measure: !ctx.flags['no-measure'], onProgress: (m) => ctx.err(m), signal });
        const fw = r.firmware;
        const m = r.measurement;
        if (ctx.flags.json) {
          ctx.out(JSON.stringify({
            board, target: fw.target.name, elf: fw.elf, bin: fw.bin, size: fw.size, budget: fw.budget,
            plan: { peakSramBytes: fw.plannedPeakSramBytes, arenaBytes: fw.arenaBytes, sramCopyBytes: fw.sramCopyBytes },
            measured: m ?? null, measurementSkipped: r.measurementSkipped,
          } satisfies BuildLine));
          return EXIT.ok;
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
        return EXIT.ok;
      } catch (err) {
        if (signal.aborted) throw err;
        return reportRunError(ctx, file, err);
      }
    });
  },
});
