// A YAML config's pretrained int8 network written as a .tflite (`tinytrain export --pretrained`):
// the HAR example's 1-D network (input [1, 52, 1, 3], residual mbconv blocks, stride-2 convs on
// even lengths) and the MNIST transfer example's 2-D one. The independent oracle (Arm NN's TFLite
// parser, CpuRef) runs the written file on real held-out samples: its int8 logits equal TinyTrain's
// int8 inference of the config (the generated C, logits quantized as the file says) within 1 LSB
// on >= 99 % of values with the same top-1 on every sample, and its softmax equals TinyTrain's
// inference of the file re-imported. Re-imported, the file is the config's network again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { networkTables } from '../../../compiler/export/network-tflite.js';
import { writeTflite } from '../../../compiler/import/tflite-write.js';
import { importTflite } from '../../../compiler/import/lower.js';
import { OP } from '../../../compiler/import/tflite.js';
import { quantize } from '../../../compiler/weights/files.js';
import { exportRun } from '../../../training/export.js';
import { importedInferModel, quantizeInput, runInference } from '../../../training/infer.js';
import { loadConfig, prepare, type Prepared } from '../../../training/prepare.js';
import { haveArmnn, runArmnn } from '../../helpers/armnn.js';
import { mnist, ROOT } from '../devicerun/helpers.js';
import { stratified } from '../../../datasets/split.js';

const N = 64;
const HAR_DATA = join(ROOT, '..', 'shared', 'data', 'st_har');
const dir = mkdtempSync(join(tmpdir(), 'tt-network-export-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const argmax = (v: ArrayLike<number>): number => { let k = 0; for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i; return k; };

/** The HAR example with its data read in place (a smaller pretraining keeps the test short). */
function harConfig(): string {
  const text = readFileSync(join(ROOT, 'examples', 'har-adapt', 'har.tinytrain.yaml'), 'utf8')
    .replace(/source: \S+/, `source: ${HAR_DATA}`).replace(/samples: \d+/, 'samples: 900').replace(/epochs: \d+/, 'epochs: 2');
  const file = join(dir, 'har.tinytrain.yaml');
  writeFileSync(file, text);
  return file;
}

async function checkAgainstOracle(p: Prepared, bytes: Uint8Array, name: string): Promise<void> {
  const { net } = p.compilation;
  const classes = net.classifier.classes;
  const samples = stratified(p.split.test, N).map((s) => Int8Array.from(s.pixels, (x) => quantize(x, p.quant.input)));
  assert.equal(samples.length, N);
  const data = new Int8Array(N * samples[0].length);
  samples.forEach((s, i) => data.set(s, i * s.length));
  const shape = [N, net.input.h, net.input.w, net.input.c];
  const yamlRun = await runInference(importedInferModel(p.spec, p.compilation, p.dir, p.quant), samples);

  // The file re-imported: TinyTrain's network again, with the same tensors.
  const imp = importTflite(bytes);
  assert.deepEqual(imp.problems, []);
  const m = imp.model!;
  assert.deepEqual(m.input.shape, [1, net.input.h, net.input.w, net.input.c]);
  assert.equal(m.net.convs.length, net.convs.length);
  assert.equal(m.net.blocks.filter((b) => b.residual).length, net.blocks.filter((b) => b.residual).length);
  assert.deepEqual(m.net.convs.map((c) => [c.cin, c.cout, c.depthwise, c.sh, c.sw, c.outShape]), net.convs.map((c) => [c.cin, c.cout, c.depthwise, c.sh, c.sw, c.outShape]));
  const config = join(dir, `${name}-imported.tinytrain.yaml`);
  writeFileSync(join(dir, `${name}.tflite`), bytes);
  writeFileSync(config, `model:\n  name: ${name}-imported\n  import: ${name}.tflite\n  classes: ${classes}\ntarget:\n  board: stm32f746\ntrain:\n  update: { biases: 0, classifier: false }\n`);
  const loaded = loadConfig(config);
  const reimported = await runInference(importedInferModel(loaded.spec, loaded.compilation, dir), samples);
  let logitsOff = 0;
  for (let i = 0; i < N; i++) {
    yamlRun[i].logits.forEach((v, j) => { if (Math.abs(v - reimported[i].logits[j]) > 1e-5 * Math.max(1, Math.abs(v))) logitsOff++; });
    assert.equal(argmax(reimported[i].logits), argmax(yamlRun[i].logits), `sample ${i}: the re-imported file's class`);
  }

  // Arm NN on the file's logits (the same tables with the softmax left off) and on the file.
  const tables = networkTables({ net, quant: p.quant, logits: m.head.logits });
  const softmax = tables.ops.pop()!;
  assert.equal(softmax.code, OP.SOFTMAX);
  tables.outputs = [softmax.inputs[0]];
  const refLogits = runArmnn(writeTflite(tables), { dtype: 'int8', shape, data });
  const refOut = runArmnn(bytes, { dtype: 'int8', shape, data });
  let off = 0, topSame = 0, outOff = 0, outTop = 0;
  for (let i = 0; i < N; i++) {
    const r = refLogits.data.subarray(i * classes, (i + 1) * classes);
    const ours = yamlRun[i].logits.map((v) => quantizeInput(v, m.head.logits));
    ours.forEach((v, j) => { if (Math.abs(v - r[j]) > 1) off++; });
    if (argmax(yamlRun[i].logits) === argmax(r)) topSame++;
    const o = refOut.data.subarray(i * classes, (i + 1) * classes);
    reimported[i].outputs.forEach((v, j) => { if (Math.abs(v - o[j]) > 1) outOff++; });
    if (argmax(reimported[i].outputs) === argmax(o)) outTop++;
  }
  const pct = (n: number): string => `${(100 * (1 - n / (N * classes))).toFixed(2)} %`;
  console.log(`# ${name}: Arm NN logits vs TinyTrain's int8 inference within 1 LSB ${pct(off)}, top-1 same ${topSame}/${N}; softmax vs the re-imported file within 1 LSB ${pct(outOff)}, top-1 same ${outTop}/${N}; re-imported logits equal ${pct(logitsOff)}`);
  assert.ok(off <= 0.01 * N * classes, `logits beyond 1 LSB: ${off} of ${N * classes}`);
  assert.equal(topSame, N, 'the same top-1 class on every sample');
  assert.ok(outOff <= 0.01 * N * classes, `softmax outputs beyond 1 LSB: ${outOff} of ${N * classes}`);
  assert.equal(outTop, N);
  // The global pool rounds half away from zero in an imported model, half to even in a config's:
  // only an exact tie can tell them apart.
  assert.ok(logitsOff <= 0.01 * N * classes, `re-imported logits that differ: ${logitsOff}`);
}

const noOracle = !haveArmnn() && 'python3-pyarmnn is not installed';

test('the HAR example (1-D) exports as an int8 .tflite with input [1, 52, 1, 3] that Arm NN runs as TinyTrain does', { skip: noOracle || (!existsSync(HAR_DATA) && `no ${HAR_DATA}`), timeout: 600_000 }, async () => {
  const config = harConfig();
  const p = await prepare(config);
  // The command writes the file (after the pretraining above, from the cache).
  const out = join(dir, 'har-cli.tflite');
  const cli = spawnSync(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), 'export', config, '--pretrained', '-o', out], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stderr, /wrote .*har-cli\.tflite \(\d+ bytes\) from the pretrained int8 model; the classifier's output is int8 with scale/);
  await checkAgainstOracle(p, new Uint8Array(readFileSync(out)), 'har');
});

test('the MNIST transfer example (2-D) exports as an int8 .tflite that Arm NN runs as TinyTrain does', { skip: noOracle, timeout: 600_000 }, async () => {
  const p = await mnist();
  const r = await exportRun(p, undefined);
  await checkAgainstOracle(p, r.bytes, 'mnist');
});

test('tinytrain export: --pretrained and --run together are a usage error', () => {
  const tiny = join(ROOT, 'bin', 'tinytrain.js');
  const both = spawnSync(process.execPath, [tiny, 'export', harConfig(), '--pretrained', '--run', 'x.ttp', '-o', join(dir, 'x.tflite')], { encoding: 'utf8' });
  assert.equal(both.status, 2, both.stderr);
  assert.match(both.stderr, /--pretrained and --run name two different models/);
});
