// An imported 1-D model fine-tuned on recordings: the HAR example's pretrained network exported
// to a .tflite (input [1, 52, 1, 3]; `tinytrain export --pretrained`), then imported by a config
// with `model: { import: har.tflite, classes: 3 }` whose data are the held-out group of
// ../shared/data/st_har (T and C from the file, the recordings' scale mapped to the file's input
// quantization). Before training it classifies the held-out windows exactly as the YAML model
// does; it fine-tunes on the host and on the virtual stm32f405 (QEMU) with the same losses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainOnDevice } from '../../../devicerun/train.js';
import { exportRun } from '../../../training/export.js';
import { trainOnHost } from '../../../training/host-train.js';
import { prepare } from '../../../training/prepare.js';
import { missingTools, ROOT } from '../devicerun/helpers.js';

const STEPS = 40;
const HAR_DATA = join(ROOT, '..', 'shared', 'data', 'st_har');
const dir = mkdtempSync(join(tmpdir(), 'tt-train-imported-series-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const example = readFileSync(join(ROOT, 'examples', 'har-adapt', 'har.tinytrain.yaml'), 'utf8')
  .replace(/source: \S+/, `source: ${HAR_DATA}`).replace(/samples: \d+/, 'samples: 900').replace(/epochs: \d+/, 'epochs: 2')
  .replace(/train: 600/, `train: ${STEPS}`).replace(/test: 600/, 'test: 60');
// The example's train and data sections with the model imported (no window: the file says T).
const imported = `model:\n  name: har-imported\n  import: har.tflite\n  classes: 3\n${example.slice(example.indexOf('target:'), example.indexOf('pretrain:'))}`.replace(/\n {2}window: \d+[^\n]*/, '');

test('an imported [1, 52, 1, 3] model fine-tunes on recordings on the host and the virtual stm32f405 with the same losses', { skip: (!existsSync(HAR_DATA) && `no ${HAR_DATA}`) || missingTools('arm-none-eabi-gcc', 'qemu-system-arm'), timeout: 600_000 }, async () => {
  const yamlConfig = join(dir, 'har.tinytrain.yaml');
  writeFileSync(yamlConfig, example);
  const yaml = await prepare(yamlConfig);
  writeFileSync(join(dir, 'har.tflite'), (await exportRun(yaml, undefined)).bytes);
  const config = join(dir, 'har-imported.tinytrain.yaml');
  writeFileSync(config, imported);
  const notes: string[] = [];
  const p = await prepare(config, (m) => notes.push(m));
  assert.deepEqual(p.spec.model.input, [52, 1, 3]);
  assert.deepEqual(p.spec.data!.series, yaml.spec.data!.series, 'the same windows as the example');
  assert.ok(notes.some((n) => /^recordings: \d+ train, \d+ test \(split by recording\)/.test(n)), notes.join('\n'));
  assert.ok(!notes.some((n) => /saturate/.test(n)), `the windows (in g) fit the file's input range: ${notes.join('\n')}`);
  assert.deepEqual(p.split.recordings!.test, yaml.split.recordings!.test);

  const before = await trainOnHost(p, { steps: 0 });
  const yamlBefore = await trainOnHost(yaml, { steps: 0 });
  console.log(`# held-out accuracy before training: imported ${before.accuracy}, the YAML model ${yamlBefore.accuracy}`);
  assert.equal(before.accuracy, yamlBefore.accuracy, 'the imported file is the pretrained model');

  const host = await trainOnHost(p, { steps: STEPS });
  const r = await trainOnDevice({ config, prepared: p, board: 'stm32f405', virtual: true, steps: STEPS, evalSamples: 10 });
  assert.ok(r.completed, `device run completed: ${r.stopReason}`);
  console.log(`# host after ${STEPS} steps: ${host.accuracy}; stm32f405 (QEMU): ${Math.round(r.counterNsPerStep[1])} instructions/step`);
  assert.equal(r.losses.length, STEPS);
  for (let i = 0; i < STEPS; i++) assert.ok(Math.abs(r.losses[i] - host.losses[i]) <= 1e-4 * Math.max(1, Math.abs(host.losses[i])), `step ${i + 1}: device ${r.losses[i]} vs host ${host.losses[i]}`);
});
