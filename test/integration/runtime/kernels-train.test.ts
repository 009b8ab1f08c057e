// End-to-end use of the kernel API the way generated code chains it (test/integration/runtime/c/
// train_check.c): a small network (conv s2 ReLU6 -> pw ReLU6 -> pool -> fc) trained at batch 1
// with sparse update (fc, pw bias + first 4 pw input channels, conv bias) on a synthetic 4-class
// task, from the same start and sample order, three ways: fp32 kernels on the dequantized
// model, int8 with QAS, int8 without QAS. The paper's claim, reproduced in miniature: int8 + QAS
// trains like fp32, while the unscaled int8 update is s_w^2 too small and barely moves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildDriver, type Built } from './lib/cbuild.js';

interface Run { run: string; acc: number; loss: number }
let drv: Built;
const runs = new Map<string, Run>();

before(() => {
  drv = buildDriver('train_check.c');
  const r = spawnSync(drv.exe, [], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  for (const l of r.stdout.split('\n')) if (l.startsWith('{')) { const v = JSON.parse(l) as Run; runs.set(v.run, v); }
  console.log('[train] ' + [...runs.values()].map((v) => `${v.run}: acc ${v.acc} loss ${v.loss}`).join('; '));
});
after(() => drv?.cleanup());

test('fp32 training learns the task (held-out accuracy well above chance)', () => {
  const init = runs.get('initial')!, f = runs.get('fp32')!;
  assert.ok(f.acc >= 0.6, `fp32 accuracy ${f.acc}`);
  assert.ok(f.loss < 0.6 * init.loss, `fp32 loss ${f.loss} vs initial ${init.loss}`);
});

test('int8 + QAS trains like fp32 (accuracy within 5 points, loss within 20 %)', () => {
  const f = runs.get('fp32')!, q = runs.get('qas')!;
  assert.ok(Math.abs(q.acc - f.acc) <= 0.05, `QAS accuracy ${q.acc} vs fp32 ${f.acc}`);
  assert.ok(q.loss <= 1.2 * f.loss, `QAS loss ${q.loss} vs fp32 ${f.loss}`);
});

test('int8 without QAS barely moves (loss within 5 % of the initial loss)', () => {
  const init = runs.get('initial')!, n = runs.get('noqas')!;
  assert.ok(n.loss > 0.95 * init.loss, `no-QAS loss ${n.loss} vs initial ${init.loss}`);
  assert.ok(n.acc <= init.acc + 0.05, `no-QAS accuracy ${n.acc} vs initial ${init.acc}`);
});
