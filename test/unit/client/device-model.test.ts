// What the device commands read from the CLI and offer in the port picker. The CLI outputs
// here are copied from real runs (a container without udevadm, the virtual board, a link
// overflow of the MNIST example squeezed into 27 KB).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetProblems, buildSummary, deviceCsvPath, explainFlashFailure, flashFailure, flashProgress, parseBuildJson, parsePortList, pickerItems, sameAction, trainPhase, validatePortPath } from '../../../client/device-model.js';

const BUILD_JSON = '{"board":"stm32f405","target":"stm32f405","elf":"/w/.tinytrain/mnist-transfer/fw/firmware.elf","bin":"/w/fw/firmware.bin","size":{"text":42540,"data":104,"bss":29632},"budget":{"ramBytes":196608,"flashBytes":1048576},"plan":{"peakSramBytes":25468,"arenaBytes":19752,"sramCopyBytes":5716},"measured":{"board":"stm32f405","qemuTarget":"stm32f405","qemuMachine":"netduinoplus2","steps":2,"dataBytes":104,"bssBytes":25532,"stackHighWaterBytes":512,"stackSizeBytes":170968,"measuredSramBytes":26148,"plannedPeakSramBytes":25468,"differenceBytes":680,"differencePercent":2.6,"breakdown":{"arena":19752,"sramCopies":5716,"otherBss":64,"data":104,"stack":512},"instructionsPerStep":12431143,"counterHz":168000000}}';

describe('port list and picker', () => {
  test('a listing failure (no udevadm in a container) is an error, not a throw', () => {
    const l = parsePortList('', 'cannot list serial ports (spawn udevadm ENOENT); type the port path instead\n', 0);
    assert.deepEqual(l.ports, []);
    assert.match(l.error!, /udevadm/);
  });

  test('listed ports with their details; an empty list is no error', () => {
    const l = parsePortList('/dev/ttyACM0  STMicroelectronics  0670FF\n/dev/ttyUSB0\n', '', 0);
    assert.deepEqual(l, { ports: [{ path: '/dev/ttyACM0', detail: 'STMicroelectronics · 0670FF' }, { path: '/dev/ttyUSB0' }] });
    assert.deepEqual(parsePortList('', 'no serial ports found; `tinytrain board --virtual` starts an emulated STM32F405\n', 0), { ports: [] });
  });

  test('a CLI that failed or timed out is an error', () => {
    assert.match(parsePortList('', 'Error: Cannot find module bindings\n', 1).error!, /Cannot find module/);
    assert.match(parsePortList('', '', null).error!, /timed out/);
  });

  const actions = (items: ReturnType<typeof pickerItems>) => items.filter((i) => i.action).map((i) => i.action!.kind);

  test('typed path and virtual board are always offered, also while listing, after a failure or with no ports', () => {
    for (const list of [undefined, { ports: [], error: 'cannot list' }, { ports: [] }, { ports: [{ path: '/dev/ttyACM0' }] }]) {
      const items = pickerItems(list, undefined, undefined);
      assert.deepEqual(actions(items).slice(0, 2), ['enter', 'virtual'], JSON.stringify(list));
    }
    assert.ok(pickerItems(undefined, undefined, undefined).some((i) => /Listing/.test(i.label)));
    assert.ok(pickerItems({ ports: [], error: 'cannot list serial ports (spawn udevadm ENOENT)' }, undefined, undefined).some((i) => /Cannot list/.test(i.label) && /udevadm/.test(i.detail ?? '')));
    assert.ok(pickerItems({ ports: [] }, undefined, undefined).some((i) => /No serial ports found/.test(i.label)));
  });

  test('the selected port stays pickable (a typed pty is never listed); the running virtual board is the first port', () => {
    const items = pickerItems({ ports: [{ path: '/dev/ttyACM0' }] }, '/dev/pts/7', '/tmp/tt-vboard-x/ttyTinyTrain');
    const ports = items.filter((i) => i.action?.kind === 'port').map((i) => (i.action as { path: string }).path);
    assert.deepEqual(ports, ['/tmp/tt-vboard-x/ttyTinyTrain', '/dev/ttyACM0', '/dev/pts/7']);
    assert.ok(items.find((i) => (i.action as { path?: string })?.path === '/dev/pts/7')!.picked);
    assert.deepEqual(actions(items).slice(0, 3), ['enter', 'virtual', 'stopVirtual']);
    // No duplicate when the selected port is listed.
    assert.equal(pickerItems({ ports: [{ path: '/dev/ttyACM0' }] }, '/dev/ttyACM0', undefined).filter((i) => i.action?.kind === 'port').length, 1);
  });

  test('the fixed entries keep their rows when the listing arrives (ports come after them)', () => {
    const fixed = (items: ReturnType<typeof pickerItems>) => items.slice(0, items.findIndex((i) => i.separator));
    const loading = fixed(pickerItems(undefined, '/dev/pts/7', '/tmp/v/ttyTinyTrain'));
    for (const list of [{ ports: [] }, { ports: [], error: 'cannot list' }, { ports: [{ path: '/dev/ttyACM0' }, { path: '/dev/ttyS0' }] }]) {
      assert.deepEqual(fixed(pickerItems(list, '/dev/pts/7', '/tmp/v/ttyTinyTrain')), loading, JSON.stringify(list));
    }
    assert.ok(sameAction({ kind: 'port', path: '/dev/ttyS0' }, { kind: 'port', path: '/dev/ttyS0' }));
    assert.ok(!sameAction({ kind: 'port', path: '/dev/ttyS0' }, { kind: 'port', path: '/dev/ttyS1' }));
    assert.ok(sameAction({ kind: 'virtual' }, { kind: 'virtual' }) && !sameAction({ kind: 'virtual' }, { kind: 'enter' }));
  });

  test('typed paths', () => {
    assert.equal(validatePortPath('/dev/pts/3'), undefined);
    assert.equal(validatePortPath(' /dev/ttyUSB0 '), undefined);
    assert.equal(validatePortPath('COM3'), undefined);
    assert.ok(validatePortPath(''));
    assert.ok(validatePortPath('ttyUSB0'));
    assert.ok(validatePortPath('/dev/my port'));
  });
});

describe('CLI output', () => {
  test('a link overflow becomes a located problem (0-based); other config errors are the server\'s', () => {
    const err = [
      'building the training firmware for stm32f405 (arm-none-eabi-gcc) in /w/.tinytrain/x',
      'over.tinytrain.yaml:18:9: error: RAM budget of stm32f405 (27648 bytes) exceeded by 2088 bytes when linking the firmware (plan 25468 bytes + firmware data/bss + 4096 bytes minimum stack)',
      'over.tinytrain.yaml:3:5: error: unknown layer kind',
    ].join('\n');
    const p = budgetProblems(err);
    assert.equal(p.length, 1);
    assert.deepEqual({ line: p[0].line, character: p[0].character, severity: p[0].severity }, { line: 17, character: 8, severity: 'error' });
    assert.match(p[0].message, /^RAM budget of stm32f405 \(27648 bytes\) exceeded by 2088 bytes/);
    assert.equal(budgetProblems('/a b/c.tinytrain.yaml:16:1: error: flash budget of nrf52840 (1048576 bytes) exceeded by 12 bytes when linking the firmware')[0].line, 15);
  });

  test('flasher error codes, from flash and from a training run', () => {
    const noAnswer = flashFailure('firmware: text 42540 B\nflash: connect 0/1\ntinytrain flash: NO_ANSWER: no answer to the 0x7F sync after 3 tries (put the board in its ROM bootloader: BOOT0 high, then reset; check TX/RX wiring and 8E1)\n');
    assert.equal(noAnswer?.code, 'NO_ANSWER');
    assert.match(explainFlashFailure(noAnswer!), /^NO_ANSWER: .*BOOT0 high/);
    const perm = flashFailure('tinytrain train: flashing failed: PERMISSION_DENIED: permission denied opening /dev/ttyACM0 (add yourself to the dialout group (sudo usermod -aG dialout $USER) and log in again)');
    assert.equal(perm?.code, 'PERMISSION_DENIED');
    assert.match(explainFlashFailure(perm!), /dialout/);
    for (const code of ['NACK', 'VERIFY_MISMATCH', 'PORT_BUSY', 'PORT_NOT_FOUND'] as const) {
      const f = flashFailure(`tinytrain flash: ${code}: something`);
      assert.equal(f?.code, code);
      assert.match(explainFlashFailure(f!), new RegExp(`^${code}: `));
    }
    assert.equal(flashFailure('tinytrain flash: the flash command failed (exit 1): st-flash')?.code, undefined);
    assert.match(flashFailure('tinytrain flash: the flash command failed (exit 1): st-flash')!.message, /flash command failed/);
    assert.equal(flashFailure('nothing here'), undefined);
  });

  test('flash progress and the phases of a device training run', () => {
    assert.deepEqual(flashProgress('flash: write 40 % (17152/42644 bytes)'), { phase: 'write', percent: 40 });
    assert.deepEqual(flashProgress('flash: connect 0/1'), { phase: 'connect' });
    assert.deepEqual(flashProgress('flash: go 100 %'), { phase: 'go', percent: 100 });
    assert.equal(flashProgress('firmware: text 1 B'), undefined);
    assert.equal(trainPhase('flashing /w/fw/firmware.bin (42644 bytes) over /tmp/tt-vboard-x/ttyTinyTrain'), 'flash');
    assert.equal(trainPhase('flash: erase 100 %'), 'flash');
    assert.equal(trainPhase('streaming 5 training samples and 2 held-out samples to /tmp/tt-vboard-x/ttyTinyTrain'), 'monitor');
    assert.equal(trainPhase('firmware: text 42540 B, data 104 B, bss 29632 B'), undefined);
  });

  test('build --json: sizes, measured SRAM beside the prediction', () => {
    const b = parseBuildJson(`${BUILD_JSON}\n`)!;
    assert.equal(b.board, 'stm32f405');
    const s = buildSummary(b);
    assert.match(s.message, /text 42540 B, data 104 B, bss 29632 B/);
    assert.match(s.message, /Measured SRAM 25\.5 KB \(data \+ bss \+ stack high-water\) vs predicted peak 24\.9 KB \(\+2\.6 %\)/);
    assert.ok(s.lines.some((l) => /measured SRAM 26148 B .* = data 104 \+ bss 25532 \+ stack high-water 512/.test(l)));
    assert.ok(s.lines.some((l) => /predicted peak SRAM 25468 B/.test(l)));
    const unmeasured = buildSummary({ ...b, measured: null, measurementSkipped: 'no emulator for nrf52840' });
    assert.match(unmeasured.message, /not measured \(no emulator for nrf52840\)/);
    assert.equal(parseBuildJson('not json\n{"x":1}\n'), undefined);
  });

  test('the CSV goes next to the config, where the CLI keeps its runs', () => {
    assert.equal(deviceCsvPath('/w/ex/transfer.tinytrain.yaml', 'mnist transfer', new Date('2026-11-28T01:02:03.456Z')), '/w/ex/.tinytrain/mnist_transfer/runs/device-2026-11-28T01-02-03Z.csv');
  });
});
