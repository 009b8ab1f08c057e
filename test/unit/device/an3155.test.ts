// AN3155 flasher (host side) against the bootloader emulator (device side), in process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { An3155Bootloader, type GoEvent, type BootloaderOptions } from '../../../device/an3155/bootloader.js';
import { StreamLink, flashImage, FlasherError, portError, An3155Client, padImage } from '../../../device/an3155/flasher.js';
import { sectorsFor, STM32F4_SECTORS, STM32F7_SECTORS } from '../../../device/an3155/protocol.js';

function pair(opts: BootloaderOptions = {}) {
  let boot!: An3155Bootloader;
  const link = new StreamLink((b) => { const c = b.slice(); setImmediate(() => boot.feed(c)); });
  boot = new An3155Bootloader((b) => { const c = b.slice(); setImmediate(() => link.push(c)); }, opts);
  return { boot, link };
}

const image = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff);

test('sector maps: only the sectors an image touches', () => {
  assert.deepEqual(sectorsFor(0x08000000, 1, STM32F4_SECTORS), [0]);
  assert.deepEqual(sectorsFor(0x08000000, 16 * 1024 + 1, STM32F4_SECTORS), [0, 1]);
  assert.deepEqual(sectorsFor(0x08000000, 200 * 1024, STM32F4_SECTORS), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(sectorsFor(0x08000000, 200 * 1024, STM32F7_SECTORS), [0, 1, 2, 3, 4]);
  assert.deepEqual(sectorsFor(0x08020000, 4, STM32F4_SECTORS), [5]);
  assert.throws(() => sectorsFor(0x08000000, 2 * 1024 * 1024, STM32F4_SECTORS), RangeError);
  assert.deepEqual(padImage(Uint8Array.of(1, 2, 3, 4, 5)), Uint8Array.of(1, 2, 3, 4, 5, 0xff, 0xff, 0xff));
});

test('flash, verify and Go; a second image re-erases and replaces the first', async () => {
  const { boot, link } = pair();
  const gos: GoEvent[] = [];
  boot.on('go', (g) => gos.push(g));
  const phases = new Set<string>();
  const img = image(3001);
  const r = await flashImage(link, { image: img, onProgress: (p) => phases.add(p.phase) });
  assert.equal(r.pid, 0x413);
  assert.deepEqual(r.sectorsErased, [0]);
  assert.equal(r.bytesWritten, 3004);
  assert.deepEqual([...phases], ['connect', 'erase', 'write', 'verify', 'go']);
  assert.equal(gos.length, 1);
  assert.equal(gos[0].address, 0x08000000);
  assert.deepEqual(gos[0].image, padImage(img));
  boot.reset();
  const img2 = image(40_000, 2);
  const r2 = await flashImage(link, { image: img2 });
  assert.deepEqual(r2.sectorsErased, [0, 1, 2]);
  assert.equal(gos.length, 2);
  assert.deepEqual(gos[1].image, img2);
});

test('F7 bootloader: PID 0x449 and its sector map', async () => {
  const { link } = pair({ pid: 0x449 });
  const r = await flashImage(link, { image: image(40_000), go: false });
  assert.equal(r.pid, 0x449);
  assert.deepEqual(r.sectorsErased, [0, 1]);
});

test('a NACKed write is an error, never success', async () => {
  const { link } = pair({ faults: { nackWriteBlock: 3 } });
  await assert.rejects(flashImage(link, { image: image(2000) }), (e: unknown) => e instanceof FlasherError && e.code === 'NACK' && e.details.address === 0x08000200);
});

test('a corrupted byte is a verify mismatch at its address', async () => {
  const { boot, link } = pair({ faults: { corruptAddress: 0x08000123 } });
  let went = false;
  boot.on('go', () => { went = true; });
  await assert.rejects(flashImage(link, { image: image(1000) }), (e: unknown) => e instanceof FlasherError && e.code === 'VERIFY_MISMATCH' && e.details.address === 0x08000123);
  assert.equal(went, false, 'no Go after a failed verify');
});

test('a silent board gives NO_ANSWER with the bootloader-mode hint', async () => {
  const { link } = pair({ faults: { silent: true } });
  await assert.rejects(flashImage(link, { image: image(8), timeoutMs: 50 }), (e: unknown) => e instanceof FlasherError && e.code === 'NO_ANSWER' && /BOOT0/.test(e.message));
});

test('programming flash that was not erased is refused by the emulator (as by the chip)', async () => {
  const { link } = pair();
  const c = new An3155Client(link);
  await c.sync();
  await c.writeMemory(0x08000000, Uint8Array.of(1, 2, 3, 4));
  await assert.rejects(c.writeMemory(0x08000000, Uint8Array.of(5, 6, 7, 8)), (e: unknown) => e instanceof FlasherError && e.code === 'NACK');
  await c.extendedErase([0]);
  await c.writeMemory(0x08000000, Uint8Array.of(5, 6, 7, 8));
  assert.deepEqual(await c.readMemory(0x08000000, 4), Uint8Array.of(5, 6, 7, 8));
  await assert.rejects(c.readMemory(0x30000000, 4), (e: unknown) => e instanceof FlasherError && e.code === 'NACK');
});

test('serial open errors map to typed errors with hints', () => {
  const p = portError('/dev/ttyUSB0', new Error('Error: Permission denied, cannot open /dev/ttyUSB0'));
  assert.equal(p.code, 'PERMISSION_DENIED');
  assert.match(p.message, /dialout/);
  assert.equal(portError('/dev/ttyUSB0', new Error('Error Resource temporarily unavailable Cannot lock port')).code, 'PORT_BUSY');
  assert.equal(portError('/dev/nope', new Error('Error: No such file or directory, cannot open /dev/nope')).code, 'PORT_NOT_FOUND');
});
