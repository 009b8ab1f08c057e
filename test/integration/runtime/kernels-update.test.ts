// The on-device update (tt_sgd_s8, tt_sgd_bias_s32, tt_sgd_f32, xorshift32), checked
// statistically by test/integration/runtime/c/update_check.c:
//  - QAS: the mean int8 step, in real terms (s_w * dq), equals the fp32 SGD step -lr*g (z < 5
//    over 64 weights x 40000 trials; stochastic rounding is unbiased);
//  - without QAS the real step is s_w^2 times the fp32 step;
//  - 0.003-LSB steps accumulate over 20000 updates (no systematic loss of small updates);
//  - with a rounding residual (tt_sgd_s8_residual): NULL residual is tt_sgd_s8 draw for draw; the
//    weight in 1/256 steps follows the exact sum of the steps; one step is within 1/256 LSB, unbiased;
//  - saturation to [-127, 127] and int32 saturation; bias steps round to nearest;
//  - the PRNG reproduces the reference xorshift32 sequence;
//  - the cosine lr decay (tt_lr_cosine) follows libm's cos within 1e-6 of lr, lr at step 0, 0 at the end.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDriver, runJsonLines, type Built, type CheckLine } from './lib/cbuild.js';

let drv: Built;
let lines: CheckLine[] = [];
let status: number | null = null;
let stderr = '';

before(() => {
  drv = buildDriver('update_check.c');
  ({ lines, status, stderr } = runJsonLines(drv.exe));
});
after(() => drv?.cleanup());

test('update_check runs without failures', () => {
  assert.equal(status, 0, `update_check exited with ${status}: ${stderr}\n${JSON.stringify(lines, null, 1)}`);
  assert.ok(lines.length >= 12);
});

const expected = [
  'xorshift32 known sequence',
  'tt_rng_seed(0)',
  'QAS int8 step equals the fp32 step',
  'no-QAS int8 step equals s_w^2',
  'no-QAS / fp32 real step ratio',
  'stochastic rounding spread',
  'tiny steps',
  'int8 update saturates',
  'residual NULL is tt_sgd_s8',
  'residual: 0.003 LSB x 20000',
  'residual: mean movement',
  'residual: one QAS step',
  'residual: the rounding of the step is unbiased',
  'residual: w + r/256 saturates',
  'QAS bias step',
  'no-QAS bias step',
  'int32 bias update saturates',
  'fp32 sgd',
  'cosine lr decay follows',
  'cosine lr decay starts at lr',
];
for (const name of expected) {
  test(name, () => {
    const l = lines.find((x) => x.check.startsWith(name));
    assert.ok(l, `check "${name}" not reported`);
    assert.ok(l.err < l.tol, `${l.check}: ${l.metric} ${l.err} >= ${l.tol}`);
    console.log(`[update] ${l.check}: ${l.metric} = ${l.err} (tol ${l.tol})`);
  });
}
