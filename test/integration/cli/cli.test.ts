// The command line as a user meets it: exit codes, JSON shapes, errors without stack traces,
// a compiled C project that builds with make, and a host training run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRunLine } from '../../../protocol/run-stream.js';
import { ROOT } from '../../helpers/examples.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), ...args], { encoding: 'utf8', cwd: ROOT, maxBuffer: 64 << 20 });

test('analyze --json has the documented fields', () => {
  const r = cli('analyze', 'examples/mcunet-5fps/99kb.tinytrain.yaml', '--json');
  assert.equal(r.status, 0, r.stderr);
  const a = JSON.parse(r.stdout);
  for (const k of ['extraKB', 'activationKB', 'paramKB']) assert.equal(typeof a.analytic[k], 'number');
  for (const k of ['peakSramBytes', 'lowerBoundBytes']) assert.equal(typeof a.plan[k], 'number');
  assert.equal(typeof a.plan.peakAt.op, 'string');
  assert.equal(typeof a.flash.weightBytes, 'number');
  assert.equal(a.layers.length, 42);
  for (const k of ['index', 'kind', 'outShape', 'macs', 'params', 'update', 'savedBytes', 'trainedBytes']) assert.ok(k in a.layers[0], k);
  assert.deepEqual(a.problems, []);
});

test('a config with errors prints located problems, exits 1, never a stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinytrain-cli-'));
  const file = join(dir, 'bad.tinytrain.yaml');
  writeFileSync(file, 'model:\n  input: [32, 32, 3, 1]\n  classes: x\n  layers: []\ntarget:\n  board: nope\n');
  for (const json of [false, true]) {
    const r = cli('analyze', file, ...(json ? ['--json'] : []));
    assert.equal(r.status, 1);
    assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at /, 'no stack trace');
    if (!json) assert.match(r.stderr, /bad\.tinytrain\.yaml:2:\d+: error: .*input/);
    else assert.ok(JSON.parse(r.stdout).problems.length >= 3);
  }
  const missing = cli('analyze', join(dir, 'nope.tinytrain.yaml'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no such file/);
  const unknown = cli('frobnicate');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
});

test('compile writes a C project that builds with make and trains', () => {
  const out = mkdtempSync(join(tmpdir(), 'tinytrain-compile-'));
  const r = cli('compile', 'examples/mnist-transfer/transfer.tinytrain.yaml', '--board', 'host', '-o', out);
  assert.equal(r.status, 0, r.stderr);
  for (const f of ['tt_model.c', 'tt_model.h', 'Makefile', 'CMakeLists.txt', 'model.ttq', 'kernels/tt_kernels.h', 'host/tt_train_main.c']) assert.ok(existsSync(join(out, f)), f);
  const make = spawnSync('make', ['-j2', '-C', out], { encoding: 'utf8' });
  assert.equal(make.status, 0, make.stderr);
  assert.ok(existsSync(join(out, 'tt_train')));
});

test('train on the host prints one JSON object per step, then the held-out accuracy', () => {
  const r = cli('train', 'examples/mnist-transfer/transfer.tinytrain.yaml', '--steps', '300');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  for (const l of lines) { const c = checkRunLine(l); assert.ok(c.ok, c.ok ? '' : c.reason); }
  const steps = lines.filter((l) => typeof l.step === 'number');
  assert.equal(steps.length, 300);
  for (const s of steps) assert.deepEqual(Object.keys(s).sort(), ['correct', 'loss', 'step']);
  const done = lines[lines.length - 1];
  assert.equal(done.done, true);
  assert.equal(done.steps, 300);
  assert.ok(done.accuracy > 0.5, `held-out accuracy ${done.accuracy} after 300 steps (chance is 0.2)`);
  const mean = (xs: { loss: number }[]) => xs.reduce((s, x) => s + x.loss, 0) / xs.length;
  assert.ok(mean(steps.slice(-75)) < mean(steps.slice(0, 75)), 'the loss falls');
});
