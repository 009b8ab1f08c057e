// An imported .onnx model trains and infers like an imported .tflite: the MLPerf Tiny KWS DS-CNN
// written as a QLinear ONNX graph (test/helpers/onnx-writer.ts), a new 3-class classifier and
// its last convs' biases trained on the host on Fashion-MNIST (resized to 49x10x1): the loss
// falls; and `tinytrain infer --input x.npy --json` of the config that keeps its 12 classes
// prints one line per sample equal to the in-process inference of the same C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importTflite } from '../../../compiler/import/lower.js';
import { trainOnHost } from '../../../training/host-train.js';
import { loadConfig, prepare } from '../../../training/prepare.js';
import { importedInferModel, runInference } from '../../../training/infer.js';
import { writeNpy } from '../../../datasets/npy.js';
import { FASHION_MNIST_DIR } from '../../../datasets/fashion-mnist.js';
import { ROOT, rng } from '../../helpers/examples.js';
import { writeOnnx } from '../../helpers/onnx-writer.js';
import { sharedModel } from '../../helpers/shared-models.js';
import { quarters } from '../devicerun/helpers.js';

const STEPS = 60;
const dir = mkdtempSync(join(tmpdir(), 'tt-train-onnx-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const kws = importTflite(readFileSync(sharedModel('mlperf_tiny_kws_dscnn_int8.tflite').path)).model!;
writeFileSync(join(dir, 'kws.onnx'), writeOnnx(kws, 'qlinear'));
const noData = !existsSync(FASHION_MNIST_DIR) && `skipped: ${FASHION_MNIST_DIR} missing (Debian dataset-fashion-mnist)`;

test('an imported .onnx model fine-tunes on the host: the loss falls', { skip: noData, timeout: 300_000 }, async () => {
  const config = join(dir, 'train.tinytrain.yaml');
  writeFileSync(config, `model:\n  name: kws-onnx\n  import: kws.onnx\n  classes: 3\ntarget:\n  board: stm32f746\ntrain:\n  lr: 0.05\n  update: { biases: 2, weights: { 8: 1/4 }, classifier: true }\ndata:\n  source: fashion-mnist\n  classes: [1, 7, 8]\n  train: ${STEPS}\n  test: 30\n`);
  const p = await prepare(config, () => {});
  assert.equal(p.compilation.net.convs.length, 9);
  const host = await trainOnHost(p, { steps: STEPS });
  const q = quarters(host.losses);
  console.log(`# kws.onnx on the host: mean loss first quarter ${q.first.toFixed(3)}, last quarter ${q.last.toFixed(3)}, held-out accuracy ${host.accuracy}`);
  assert.ok(q.last < q.first, `loss falls on the host: ${q.first} -> ${q.last}`);
});

test('tinytrain infer --input x.npy --json runs an imported .onnx model', { timeout: 300_000 }, async () => {
  const config = join(dir, 'infer.tinytrain.yaml');
  writeFileSync(config, `model:\n  name: kws-onnx-infer\n  import: kws.onnx\n  classes: 12\ntarget:\n  board: stm32f746\ntrain:\n  update: { biases: 0, classifier: false }\n`);
  const n = 4, per = 49 * 10;
  const rand = rng(77);
  const data = Int8Array.from({ length: n * per }, () => Math.floor(rand() * 256) - 128);
  writeFileSync(join(dir, 'x.npy'), writeNpy({ dtype: 'int8', shape: [n, 49, 10, 1], data }));
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), 'infer', config, '--input', join(dir, 'x.npy'), '--json'], { encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { outputs: number[]; predicted: number });
  assert.equal(lines.length, n);
  const { spec, compilation } = loadConfig(config);
  const ours = await runInference(importedInferModel(spec, compilation, dir), Array.from({ length: n }, (_, i) => data.subarray(i * per, (i + 1) * per)));
  lines.forEach((l, i) => { assert.equal(l.outputs.length, 12); assert.deepEqual(l.outputs, Array.from(ours[i].outputs)); assert.equal(l.predicted, ours[i].predicted); });
});
