// Fine-tuning an imported model: the MLPerf Tiny keyword-spotting DS-CNN from ../shared/models
// with a new 3-class classifier, its last convs' biases, a quarter of conv 8's weights and the
// classifier training on real labelled images (Fashion-MNIST, resized to its 49x10x1 input, as a
// stand-in task), on the host and on the virtual stm32f746 (QEMU): the loss falls on the host,
// and the board's losses equal the host build's within 1e-4 (the same generated C). The board
// sends its trained tensors back at the end (TRAINED frames): the .ttp written beside the device
// run's CSV holds the host run's trained tensors, and `tinytrain export --run <device csv>`
// writes a .tflite that Arm NN runs as TinyTrain does. One firmware build, one device run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainOnHost } from '../../../training/host-train.js';
import { loadConfig, prepare, type Prepared } from '../../../training/prepare.js';
import { trainOnDevice, type TrainOnDeviceResult } from '../../../devicerun/train.js';
import { trainedFileOf } from '../../../training/export.js';
import { importedInferModel, runInference } from '../../../training/infer.js';
import { applyTrainedTensors, quantize } from '../../../compiler/weights/files.js';
import { haveArmnn, runArmnn } from '../../helpers/armnn.js';
import { ROOT } from '../../helpers/examples.js';
import { FASHION_MNIST_DIR } from '../../../datasets/fashion-mnist.js';
import { missingTools, quarters } from '../devicerun/helpers.js';
import { sharedModel } from '../../helpers/shared-models.js';

const STEPS = 60;
const dir = mkdtempSync(join(tmpdir(), 'tt-train-imported-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, 'kws.tinytrain.yaml');
writeFileSync(config, `model:
  name: kws-fashion
  import: ${sharedModel('mlperf_tiny_kws_dscnn_int8.tflite').path}
  classes: 3
target:
  board: stm32f746
train:
  lr: 0.05
  update: { biases: 2, weights: { 8: 1/4 }, classifier: true }
data:
  source: fashion-mnist
  classes: [1, 7, 8]
  train: ${STEPS}
  test: 30
`);
const noData = !existsSync(FASHION_MNIST_DIR) && `skipped: ${FASHION_MNIST_DIR} missing (Debian dataset-fashion-mnist)`;
const hostTtp = join(dir, 'host-run.ttp');
let prepared: Prepared | undefined;
let device: TrainOnDeviceResult | undefined;

test('an imported model fine-tunes on the host and on the virtual stm32f746 with the same losses', { skip: noData || missingTools('arm-none-eabi-gcc', 'qemu-system-arm'), timeout: 300_000 }, async () => {
  const notes: string[] = [];
  const p = await prepare(config, (m) => notes.push(m));
  assert.ok(notes.some((n) => /^note: fashion-mnist images are 28x28x1; resized \(bilinear\) to the model input 49x10x1$/.test(n)), notes.join('\n'));
  prepared = p;
  const host = await trainOnHost(p, { steps: STEPS, saveTrained: hostTtp });
  const q = quarters(host.losses);
  console.log(`# host: mean loss first quarter ${q.first.toFixed(3)}, last quarter ${q.last.toFixed(3)}, held-out accuracy ${host.accuracy}`);
  assert.ok(q.last < q.first, `loss falls on the host: ${q.first} -> ${q.last}`);
  const r = device = await trainOnDevice({ config, prepared: p, board: 'stm32f746', virtual: true, steps: STEPS, evalSamples: 10 });
  assert.ok(r.completed, `device run completed: ${r.stopReason}`);
  console.log(`# stm32f746 (QEMU): ${Math.round(r.counterNsPerStep[1])} instructions/step`);
  for (let i = 0; i < STEPS; i++) assert.ok(Math.abs(r.losses[i] - host.losses[i]) <= 1e-4 * Math.max(1, Math.abs(host.losses[i])), `step ${i + 1}: device ${r.losses[i]} vs host ${host.losses[i]}`);
});

const argmax = (v: ArrayLike<number>): number => { let k = 0; for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i; return k; };

test('the board sends its trained tensors back: the device run\'s .ttp equals the host run\'s, and export --run <device csv> runs in Arm NN', { skip: noData || missingTools('arm-none-eabi-gcc', 'qemu-system-arm') || (!haveArmnn() && 'python3-pyarmnn is not installed'), timeout: 180_000 }, async () => {
  assert.ok(prepared && device?.completed, 'the device run of the test above completed');
  const p = prepared, r = device;
  assert.equal(r.trainedMissing, undefined);
  assert.equal(r.trainedPath, trainedFileOf(r.csvPath), 'beside the run\'s CSV');
  // Integer state from the same generated C: the int8 slices and int32 biases are compared
  // exactly (a float difference between the two compilers that flipped one rounding would show
  // here as a 1-LSB difference, and fail).
  const onHost = readFileSync(hostTtp), onDevice = readFileSync(r.trainedPath!);
  const h = applyTrainedTensors(p.compilation.net, p.compilation.update, p.quant, onHost, 'host .ttp');
  const d = applyTrainedTensors(p.compilation.net, p.compilation.update, p.quant, onDevice, 'device .ttp');
  assert.equal(d.modelHash, h.modelHash, 'the same program (HELLO\'s model hash)');
  let differ = 0;
  for (let c = 0; c < h.quant.convs.length; c++) {
    h.quant.convs[c].w.forEach((v, i) => { if (d.quant.convs[c].w[i] !== v) differ++; });
    h.quant.convs[c].b.forEach((v, i) => { if (d.quant.convs[c].b[i] !== v) differ++; });
  }
  h.quant.fc.w.forEach((v, i) => { if (d.quant.fc.w[i] !== v) differ++; });
  h.quant.fc.b.forEach((v, i) => { if (d.quant.fc.b[i] !== v) differ++; });
  console.log(`# device .ttp ${onDevice.length} bytes, host .ttp ${onHost.length} bytes; ${differ} trained values differ`);
  assert.equal(differ, 0);
  assert.deepEqual(onDevice, onHost);

  // tinytrain export on the device run, as a user names it: its CSV.
  const tuned = join(dir, 'device-tuned.tflite');
  const cli = spawnSync(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), 'export', config, '--run', r.csvPath, '-o', tuned], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.ok(cli.stderr.includes(`from ${r.trainedPath}`), cli.stderr);

  // The exported file in Arm NN against TinyTrain's C on the same file, on the 30 held-out samples.
  const again = join(dir, 'device-tuned.tinytrain.yaml');
  writeFileSync(again, `model:\n  name: kws-device-tuned\n  import: ${tuned}\n  classes: 3\ntarget:\n  board: stm32f746\n`);
  const loaded = loadConfig(again);
  const samples = p.split.test.map((s) => Int8Array.from(s.pixels, (x) => quantize(x, p.quant.input)));
  assert.equal(samples.length, 30, 'data.test: 30');
  const ours = await runInference(importedInferModel(loaded.spec, loaded.compilation, p.dir), samples);
  const data = new Int8Array(samples.length * samples[0].length);
  samples.forEach((s, i) => data.set(s, i * s.length));
  const ref = runArmnn(readFileSync(tuned), { dtype: 'int8', shape: [samples.length, 49, 10, 1], data });
  let off = 0, topSame = 0;
  for (let i = 0; i < samples.length; i++) {
    const o = ref.data.subarray(i * 3, (i + 1) * 3);
    ours[i].outputs.forEach((v, j) => { if (Math.abs(v - o[j]) > 1) off++; });
    if (argmax(ours[i].outputs) === argmax(o)) topSame++;
  }
  console.log(`# device-trained kws exported: Arm NN vs TinyTrain within 1 LSB on ${samples.length * 3 - off}/${samples.length * 3} outputs, top-1 same ${topSame}/${samples.length}`);
  assert.ok(off <= 0.01 * samples.length * 3, `outputs beyond 1 LSB: ${off}`);
  assert.equal(topSame, samples.length);
});
