// tinytrain export round trip: the MLPerf Tiny keyword-spotting DS-CNN from ../shared/models with
// a new 3-class classifier fine-tuned on the host (its last convs' biases, a quarter of conv 8's
// weights, the classifier), exported to .tflite. The exported file (a) loads in the independent
// oracle (Arm NN's TFLite parser, CpuRef) and its int8 outputs equal TinyTrain's inference of
// the exported file within 1 LSB, with the same top-1; (b) re-imported, gives exactly the trained
// program's logits (the trained tensors went into the file unchanged).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { FASHION_MNIST_DIR } from '../../../datasets/fashion-mnist.js';
import { quantize } from '../../../compiler/weights/files.js';
import { exportRun } from '../../../training/export.js';
import { trainOnHost } from '../../../training/host-train.js';
import { importedInferModel, runInference } from '../../../training/infer.js';
import { loadConfig, prepare } from '../../../training/prepare.js';
import { haveArmnn, runArmnn } from '../../helpers/armnn.js';
import { sharedModel } from '../../helpers/shared-models.js';

const STEPS = 60;
const N = 32;
const dir = mkdtempSync(join(tmpdir(), 'tt-export-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const yaml = (name: string, file: string, data: boolean): string => `model:
  name: ${name}
  import: ${file}
  classes: 3
target:
  board: stm32f746
train:
  lr: 0.05
  update: { biases: 2, weights: { 8: 1/4 }, classifier: true }
${data ? 'data:\n  source: fashion-mnist\n  classes: [1, 7, 8]\n  train: 60\n  test: 32\n' : ''}`;
const noData = !existsSync(FASHION_MNIST_DIR) && `skipped: ${FASHION_MNIST_DIR} missing (Debian dataset-fashion-mnist)`;
const argmax = (v: ArrayLike<number>): number => { let k = 0; for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i; return k; };

test('an imported model fine-tuned on the host exports to a .tflite that Arm NN runs as TinyTrain does', { skip: noData || (!haveArmnn() && 'python3-pyarmnn is not installed'), timeout: 300_000 }, async () => {
  const config = join(dir, 'kws.tinytrain.yaml');
  writeFileSync(config, yaml('kws-export', sharedModel('mlperf_tiny_kws_dscnn_int8.tflite').path, true));
  const p = await prepare(config);
  const ttp = join(dir, 'run.ttp');
  await trainOnHost(p, { steps: STEPS, saveTrained: ttp });
  const r = await exportRun(p, ttp);
  const tuned = join(dir, 'tuned.tflite');
  // The command writes what exportRun returns.
  const cli = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', '..', 'bin', 'tinytrain.js'), 'export', config, '--run', ttp, '-o', tuned], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stderr, /wrote .*tuned\.tflite \(\d+ bytes\) from .*run\.ttp; the new classifier's output is int8 with scale/);
  assert.deepEqual(new Uint8Array(readFileSync(tuned)), r.bytes);

  // The held-out samples as int8 in the model's input quantization.
  const samples = p.split.test.slice(0, N).map((s) => Int8Array.from(s.pixels, (x) => quantize(x, p.quant.input)));
  assert.equal(samples.length, N);
  const trainedLogits = await runInference(importedInferModel(p.spec, p.compilation, p.dir, r.trained), samples);

  // (b) the exported file re-imported: its classifier is now the file's (3 classes), the same logits.
  const again = join(dir, 'tuned.tinytrain.yaml');
  writeFileSync(again, yaml('kws-tuned', tuned, false));
  const loaded = loadConfig(again);
  const exported = importedInferModel(loaded.spec, loaded.compilation, p.dir);
  const ours = await runInference(exported, samples);
  for (let i = 0; i < N; i++) {
    trainedLogits[i].logits.forEach((v, j) => assert.ok(Math.abs(v - ours[i].logits[j]) <= 1e-5 * Math.max(1, Math.abs(v)), `sample ${i} logit ${j}: trained ${v}, exported ${ours[i].logits[j]}`));
  }

  // (a) Arm NN on the exported file against TinyTrain's C on it.
  const data = new Int8Array(N * samples[0].length);
  samples.forEach((s, i) => data.set(s, i * s.length));
  const ref = runArmnn(readFileSync(tuned), { dtype: 'int8', shape: [N, 49, 10, 1], data });
  let off = 0, topSame = 0, topTrained = 0;
  for (let i = 0; i < N; i++) {
    const o = ref.data.subarray(i * 3, (i + 1) * 3);
    ours[i].outputs.forEach((v, j) => { if (Math.abs(v - o[j]) > 1) off++; });
    if (argmax(ours[i].outputs) === argmax(o)) topSame++;
    if (argmax(trainedLogits[i].logits) === argmax(o)) topTrained++;
  }
  console.log(`# exported kws (3 classes): Arm NN vs TinyTrain within 1 LSB ${(100 * (1 - off / (N * 3))).toFixed(2)} %, top-1 same ${topSame}/${N}; Arm NN top-1 = the trained program's on ${topTrained}/${N}`);
  assert.ok(off <= 0.01 * N * 3, `outputs beyond 1 LSB: ${off} of ${N * 3}`);
  assert.equal(topSame, N);
});
