// Float backward kernels (runtime/kernels) against central finite differences of an independent
// double-precision oracle (test/integration/runtime/c/gradcheck.c):
//  - every fp32 forward kernel vs the oracle (relative error < 1e-5);
//  - every float backward kernel (fp32 path and the int8-weight / int8-saved-input variants,
//    incl. sparse slices) vs finite differences, max relative error < 1e-3;
//  - a hand-chained network conv -> relu6 -> dw -> relu6 -> pw -> add -> pool -> fc -> NLL, all
//    parameter and input gradients < 1e-3;
//  - the same network run by the int8 forward kernels with float backward vs finite differences
//    of the dequantized model, within a tolerance derived from the measured activation
//    quantization error (justified in gradcheck.c), plus a negative control that must fail it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDriver, runJsonLines, type Built, type CheckLine } from './lib/cbuild.js';

let drv: Built;
let lines: CheckLine[] = [];
let status: number | null = null;
let stderr = '';

before(() => {
  drv = buildDriver('gradcheck.c');
  ({ lines, status, stderr } = runJsonLines(drv.exe));
});
after(() => drv?.cleanup());

function pick(prefix: string): CheckLine[] {
  return lines.filter((l) => l.check.startsWith(prefix));
}

function assertAll(group: CheckLine[], what: string): void {
  assert.ok(group.length > 0, `no ${what} checks were reported`);
  let worst = 0;
  for (const l of group) {
    if (l.metric === 'info') continue;
    if (l.metric === 'control') {
      assert.ok(l.err > l.tol, `${l.check}: negative control ${l.err} should exceed ${l.tol}`);
      continue;
    }
    assert.ok(l.err < l.tol, `${l.check}: ${l.metric} ${l.err} >= ${l.tol}`);
    worst = Math.max(worst, l.err / l.tol);
  }
  const rows = group.map((l) => `  ${l.metric.padEnd(7)} ${String(l.err).padEnd(10)} tol ${String(l.tol).padEnd(8)} ${l.check}`);
  console.log(`[${what}] worst err/tol = ${worst.toExponential(2)}\n${rows.join('\n')}`);
}

test('the gradcheck driver runs and reports no failure', () => {
  assert.equal(status, 0, `gradcheck exited with ${status}: ${stderr}`);
  assert.ok(lines.length >= 60, `expected at least 60 checks, got ${lines.length}`);
});

test('fp32 layers: forward vs double oracle, dx/dW/db vs finite differences (conv incl. 3-channel stride 2, dw s1/s2, pw)', () => {
  assertAll([...pick('conv2d_f32'), ...pick('dwconv_f32'), ...pick('pwconv_f32')], 'fp32 conv layers');
});

test('1-D ([k, 1] kernels, stride on the time axis), non-square, even and asymmetrically padded convs: forward, dx, dW (fp32 and int8-weight) vs finite differences', () => {
  const geometric = lines.filter((l) => /k\d+x\d+ s\d+x\d+ p/.test(l.check) && !/k(\d+)x\1 s(\d+)x\2 p/.test(l.check));
  const oneD = geometric.filter((l) => /h\d+ w1 /.test(l.check));
  assert.ok(oneD.length >= 20, `expected the 1-D checks (conv and depthwise, fp32 and int8), got ${oneD.length}`);
  assert.ok(geometric.some((l) => /k3x5 s1x2/.test(l.check)) && geometric.some((l) => /k4x2/.test(l.check)), 'non-square and even kernels are checked');
  assertAll(geometric, '1-D and non-square geometry');
});

test('fc, add, accumulate, pool, relu6, log-softmax NLL: forward and backward', () => {
  assertAll([...pick('fc_f32'), ...pick('add_'), ...pick('accumulate'), ...pick('avgpool'), ...pick('relu6'), ...pick('log_softmax')], 'small ops');
});

test('float backward reading int8 weights and saved int8 slices (conv, dw, pw, fc) vs finite differences', () => {
  assertAll([...pick('conv2d_s8'), ...pick('dwconv_s8'), ...pick('pwconv_s8'), ...pick('fc_s8')], 'int8-weight backward');
});

test('hand-chained fp32 network conv -> dw -> pw -> add -> pool -> fc -> loss vs finite differences', () => {
  const g = pick('net_f32');
  assertAll(g, 'fp32 network');
  const info = g.find((l) => l.metric === 'info') as CheckLine & { at0: number; at6: number };
  assert.ok(info.at0 > 0 && info.at6 > 0, 'both ReLU6 bounds must be active in the network');
  for (const l of g) if (l.metric !== 'info') assert.ok(l.err < 1e-3);
});

test('int8 forward / float backward network vs finite differences of the dequantized model', () => {
  const g = pick('net_s8');
  assertAll(g, 'int8 network');
  const info = g.find((l) => l.metric === 'info') as CheckLine & { clamped: number[] };
  assert.ok(info.clamped.every((n) => n > 0), 'every mask (conv, dw, pw, add) must have clamped elements');
  assert.ok(g.some((l) => l.metric === 'control'), 'the negative control must be reported');
});
