// One board registry (compiler/config/boards.ts): the schema's board list, the firmware build
// table and the docs must say the same as it does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOARD_NAMES, BOARDS } from '../../../compiler/config/boards.js';
import { BOARD_TARGETS } from '../../../device/firmware/boards.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'tinytrain.schema.json'), 'utf8'));
const boardSchema = schema.properties.target.properties.board as { enum: string[]; description: string };

test("the schema's board enum is the registry's board list", () => {
  assert.deepEqual(boardSchema.enum, BOARD_NAMES);
});

test("the schema's board description gives each microcontroller's CPU and SRAM as the registry does", () => {
  for (const b of Object.values(BOARDS).filter((x) => x.name !== 'host')) {
    const part = new RegExp(`${b.name} \\(${b.cpu}, ${b.sramBytes / 1024} KB`).exec(boardSchema.description);
    assert.ok(part, `${b.name}: ${boardSchema.description}`);
  }
});

test('the firmware build table uses the registry sizes and QEMU machines', () => {
  for (const t of Object.values(BOARD_TARGETS)) {
    const b = BOARDS[t.board];
    assert.ok(b, `${t.name} builds a known board`);
    assert.equal(t.ramBytes, b.sramBytes, `${t.name} RAM`);
    assert.equal(t.flashBytes, b.flashBytes, `${t.name} flash`);
    if (t.name !== 'stm32f746') assert.equal(t.qemuMachine, b.qemuMachine, `${t.name} QEMU machine`); // the F746 itself runs in QEMU only as stm32f746-qemu
  }
});

test('docs/config-language.md names every board', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'config-language.md'), 'utf8');
  for (const name of BOARD_NAMES) assert.match(doc, new RegExp(`\`${name}\``), name);
});

test("the firmware build table compiles and links with the board's registry CPU flags (the one board recipe)", () => {
  for (const t of Object.values(BOARD_TARGETS)) {
    const cpu = BOARDS[t.board].cpuFlags;
    assert.deepEqual(t.cflags.slice(0, cpu.length), [...cpu], `${t.name} compile flags`);
    if (t.linkerTemplate) assert.deepEqual(t.ldflags.slice(0, cpu.length), [...cpu], `${t.name} link flags`);
  }
  assert.ok(BOARDS.stm32f405.cpuFlags.includes('-mcpu=cortex-m4') && BOARDS.stm32f746.cpuFlags.includes('-mcpu=cortex-m7'));
  assert.deepEqual(BOARDS.host.cpuFlags, []);
});
