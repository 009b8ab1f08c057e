// Measured SRAM (.data + .bss + stack high-water after training steps in QEMU, stack painted
// by the reset handler) next to the memory plan's prediction (arena + SRAM weight copies), for
// both boards; and a firmware that does not fit the config's budget: a located diagnostic on
// the config's `sram:` line, not a raw linker message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../../compiler/analyze.js';
import { FirmwareBudgetError } from '../../../devicerun/build.js';
import { prepareForDevice } from '../../../devicerun/config.js';
import { buildAndMeasure } from '../../../devicerun/measure.js';
import { missingTools, mnist } from './helpers.js';

const skip = missingTools('arm-none-eabi-gcc', 'qemu-system-arm');

for (const board of ['stm32f405', 'stm32f746']) {
  test(`measured SRAM vs the plan's prediction on ${board}`, { skip, timeout: 90_000 }, async () => {
    const p = await mnist();
    const r = await buildAndMeasure(p, { board, steps: 6 });
    const m = r.measurement!;
    assert.ok(m, r.measurementSkipped);
    assert.equal(r.firmware.target.name, board, 'sizes are reported for the board build');
    if (board === 'stm32f746') assert.equal(r.qemuFirmware!.target.name, 'stm32f746-qemu');
    assert.equal(m.steps, 6);
    assert.equal(m.plannedPeakSramBytes, p.analysis.plan!.peakSramBytes);
    assert.equal(m.measuredSramBytes, m.dataBytes + m.bssBytes + m.stackHighWaterBytes);
    // The plan's arena and weight copies are all in .bss; what else is there is small and named.
    assert.equal(m.breakdown.arena + m.breakdown.sramCopies, m.plannedPeakSramBytes);
    assert.ok(m.breakdown.otherBss >= 0 && m.breakdown.otherBss < 256, `other bss ${m.breakdown.otherBss}`);
    assert.ok(m.stackHighWaterBytes > 64 && m.stackHighWaterBytes < 4096, `stack ${m.stackHighWaterBytes}`);
    console.log(`${board}: measured ${m.measuredSramBytes} B = data ${m.dataBytes} + bss ${m.bssBytes} + stack ${m.stackHighWaterBytes}; plan ${m.plannedPeakSramBytes} B (arena ${m.breakdown.arena} + copies ${m.breakdown.sramCopies}); difference ${m.differenceBytes} B = ${m.differencePercent} % of measured (other bss ${m.breakdown.otherBss}, data ${m.breakdown.data}, stack ${m.breakdown.stack}); text ${r.firmware.size.text} B; ${m.instructionsPerStep} instructions/step`);
    assert.ok(m.differenceBytes >= 0, 'the firmware never needs less than the plan');
    assert.ok(m.differencePercent <= 5, `prediction within 5 % of the measurement: ${m.differencePercent} %`);
  });
}

test('a link that overflows the config budget is a diagnostic on the sram: line', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-budget-'));
  try {
    const base = [
      'model:', '  name: budget-probe', '  input: [28, 28, 1]', '  classes: 5', '  layers:',
      '    - conv:   { out: 16, kernel: 3, stride: 2 }', '    - mbconv: { out: 24, kernel: 3, expand: 3, stride: 2 }',
      'target:', '  board: stm32f405', '  sram: SRAM_KB', 'train:', '  lr: 0.05', '  update:', '    biases: 2', '',
    ].join('\n');
    // A budget the plan fits in, but not with the firmware's 4 KB minimum stack on top.
    const plan = analyze(base.replace('SRAM_KB', '192KB')).plan!.peakSramBytes;
    const kb = Math.ceil((plan + 1024) / 1024);
    const text = base.replace('SRAM_KB', `${kb}KB`);
    assert.ok(analyze(text).problems.every((x) => x.severity !== 'error'), 'the plan itself fits');
    const file = join(dir, 'probe.tinytrain.yaml');
    writeFileSync(file, text);
    const { prepared } = await prepareForDevice(file);
    const err = await buildAndMeasure(prepared, { measure: false }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof FirmwareBudgetError, String(err));
    assert.equal(err.region, 'RAM');
    assert.ok(err.overflowBytes > 0 && err.overflowBytes <= 4096, `overflow ${err.overflowBytes}`);
    assert.match(err.message, new RegExp(`^RAM budget of stm32f405 \\(${kb * 1024} bytes\\) exceeded by ${err.overflowBytes} bytes`));
    assert.equal(err.problem?.range.start.line, 9, 'on the sram: line');
    assert.equal(text.slice(err.problem!.offsets[0], err.problem!.offsets[1]), `${kb}KB`);
    assert.equal(err.problem?.severity, 'error');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without the cross toolchain, build and train name the Debian packages (before any preparation)', { timeout: 30_000 }, async () => {
  const { spawnSync } = await import('node:child_process');
  const { ROOT, MNIST } = await import('./helpers.js');
  for (const args of [['build', MNIST], ['train', MNIST, '--virtual']]) {
    const r = spawnSync(process.execPath, [`${ROOT}/bin/tinytrain.js`, ...args], { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' }, timeout: 20_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /arm-none-eabi-gcc is not installed\. On Debian or Ubuntu: sudo apt-get install --no-install-recommends gcc-arm-none-eabi libnewlib-arm-none-eabi/);
    assert.doesNotMatch(r.stderr, /pretrain|calibrat/i, 'nothing was prepared first');
  }
});
