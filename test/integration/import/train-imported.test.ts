// Fine-tuning an imported model: the MLPerf Tiny keyword-spotting DS-CNN from ../shared/models
// with a new 3-class classifier, its last convs' biases, a quarter of conv 8's weights and the
// classifier training on real labelled images (Fashion-MNIST, resized to its 49x10x1 input, as a
// stand-in task), on the host and on the virtual stm32f746 (QEMU): the loss falls on the host,
// and the board's losses equal the host build's within 1e-4 (the same generated C).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainOnHost } from '../../../training/host-train.js';
import { prepare } from '../../../training/prepare.js';
import { trainOnDevice } from '../../../devicerun/train.js';
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

test('an imported model fine-tunes on the host and on the virtual stm32f746 with the same losses', { skip: noData || missingTools('arm-none-eabi-gcc', 'qemu-system-arm'), timeout: 300_000 }, async () => {
  const notes: string[] = [];
  const p = await prepare(config, (m) => notes.push(m));
  assert.ok(notes.some((n) => /^note: fashion-mnist images are 28x28x1; resized \(bilinear\) to the model input 49x10x1$/.test(n)), notes.join('\n'));
  const host = await trainOnHost(p, { steps: STEPS });
  const q = quarters(host.losses);
  console.log(`# host: mean loss first quarter ${q.first.toFixed(3)}, last quarter ${q.last.toFixed(3)}, held-out accuracy ${host.accuracy}`);
  assert.ok(q.last < q.first, `loss falls on the host: ${q.first} -> ${q.last}`);
  const r = await trainOnDevice({ config, prepared: p, board: 'stm32f746', virtual: true, steps: STEPS, evalSamples: 10 });
  assert.ok(r.completed, `device run completed: ${r.stopReason}`);
  console.log(`# stm32f746 (QEMU): ${Math.round(r.counterNsPerStep[1])} instructions/step`);
  for (let i = 0; i < STEPS; i++) assert.ok(Math.abs(r.losses[i] - host.losses[i]) <= 1e-4 * Math.max(1, Math.abs(host.losses[i])), `step ${i + 1}: device ${r.losses[i]} vs host ${host.losses[i]}`);
});
