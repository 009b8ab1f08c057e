// tinytrain profile on the host (clock) and on the virtual board (QEMU -icount instructions):
// one row per op of the step's schedule, shares that add up to the step, counters per MAC, the
// per-kind totals, and the last profile kept for the plan view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../helpers/examples.js';
import { missingTools } from '../device/helpers.js';
import { analyze } from '../../../compiler/analyze.js';
import { stepProfile } from '../../../server/profile.js';
import { profilePath, readProfile } from '../../../training/profile-store.js';

const CONFIG = 'examples/mnist-transfer/transfer.tinytrain.yaml';
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), ...args], { encoding: 'utf8', cwd: ROOT, maxBuffer: 64 << 20, timeout: 300_000 });

interface Row { index: number; op: string; kind: string; macs: number; counter: number; share: number; counterPerMac?: number }

function checkProfile(r: { board: string; ops: Row[]; kinds: { kind: string; counter: number }[]; opsTotal: number; macs: number }, board: string): void {
  assert.equal(r.board, board);
  assert.ok(r.ops.length > 10, `${r.ops.length} ops`);
  r.ops.forEach((o, i) => {
    assert.equal(o.index, i);
    for (const k of ['op', 'kind']) assert.equal(typeof o[k as keyof Row], 'string', k);
    assert.ok(o.counter >= 0 && o.share >= 0 && o.share <= 1, o.op);
    if (o.macs > 0) assert.equal(typeof o.counterPerMac, 'number', o.op);
  });
  const share = r.ops.reduce((a, o) => a + o.share, 0);
  assert.ok(Math.abs(share - 1) < 1e-3, `shares add up to ${share}`);
  assert.equal(r.macs, r.ops.reduce((a, o) => a + o.macs, 0));
  assert.ok(r.kinds.some((k) => k.kind === 'pwconv') && r.kinds.some((k) => k.kind === 'dwconv'), 'per-kind totals');
}

test('profile on the host: JSON with msPerStep and one row per op; the table; latest.json kept', () => {
  const r = cli('profile', CONFIG, '--steps', '5', '--json');
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  assert.ok(p.msPerStep > 0, `msPerStep ${p.msPerStep}`);
  checkProfile(p, 'host');
  const stored = JSON.parse(readFileSync(profilePath(join(ROOT, CONFIG), 'mnist-transfer'), 'utf8'));
  assert.equal(stored.model, 'mnist-transfer');
  assert.deepEqual(stored.ops.map((o: Row) => o.op), p.ops.map((o: Row) => o.op));
  // What the plan view shows of it: the shares by layer, for the plan it measured, until the plan changes.
  const text = readFileSync(join(ROOT, CONFIG), 'utf8');
  const shown = stepProfile(readProfile(join(ROOT, CONFIG), 'mnist-transfer'), analyze(text).plan?.scheduleKey);
  assert.ok(shown, 'a step profile');
  assert.equal(shown.current, true);
  assert.deepEqual([shown.board, shown.unit, shown.perStep, shown.steps], ['host', 'ms', p.msPerStep, 5]);
  const layerShare = shown.layers.reduce((a, l) => a + l.share, 0);
  assert.ok(Math.abs(layerShare + shown.otherShare - 1) < 1e-3, `${layerShare} + ${shown.otherShare}`);
  assert.ok(shown.layers.length >= 3 && shown.layers.every((l, i) => i === 0 || l.share <= shown.layers[i - 1].share), 'layers, largest first');
  const edited = text.replace(/biases: (\d+)/, (_, n) => `biases: ${Number(n) + 1}`);
  assert.notEqual(edited, text);
  assert.equal(stepProfile(readProfile(join(ROOT, CONFIG), 'mnist-transfer'), analyze(edited).plan?.scheduleKey)?.current, false, 'another plan: not current');
  const table = cli('profile', CONFIG, '--steps', '3');
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^host: [\d.]+ ms per step \(median of 3\)/);
  assert.match(table.stdout, /^by kind:$/m);
});

test('profile --virtual on stm32f405: exact instruction counts per op that add up to the step', { skip: missingTools('arm-none-eabi-gcc', 'qemu-system-arm'), timeout: 300_000 }, () => {
  const r = cli('profile', CONFIG, '--board', 'stm32f405', '--virtual', '--steps', '2', '--json');
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  checkProfile(p, 'stm32f405');
  assert.ok(Number.isInteger(p.instructionsPerStep) && p.instructionsPerStep > 0);
  // the ops are the step but for the few instructions between them
  assert.ok(p.opsTotal <= p.instructionsPerStep && p.opsTotal > 0.95 * p.instructionsPerStep, `${p.opsTotal} of ${p.instructionsPerStep}`);
});

test('profile: --virtual with --board host, and --virtual with --port, are usage errors', () => {
  const a = cli('profile', CONFIG, '--board', 'host', '--virtual');
  assert.equal(a.status, 2);
  assert.match(a.stderr, /--board host runs on this machine/);
  const b = cli('profile', CONFIG, '--virtual', '--port', '/dev/null');
  assert.equal(b.status, 2);
  assert.match(b.stderr, /exclude each other/);
});
