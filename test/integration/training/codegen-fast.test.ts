// The generated program with the fast kernels (the default) trains exactly like the one with
// only the reference kernels: same losses step for step, same held-out accuracy, bit for bit.
// The network covers every fast kernel: the 3-channel stem, pointwise (trained slices, SRAM
// biases), depthwise 3/5/7 at stride 1 and 2, in place and not (a trained depthwise), and the
// pointwise input gradient; a 1-channel stem as in the MNIST example; and a 1-D time-series
// network ([T, C] input, kernels [k, 1]: the patch stem and pointwise fast, depthwise [5, 1] on
// the reference loop). The compact schedule adds the streamed prefix's row kernels and the
// chunked backward's pointwise input gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { generateModelC } from '../../../compiler/codegen/emit-c.js';
import { buildTrainer, runJsonLines } from '../../../training/host-programs.js';
import { prepareSynthetic } from '../../../training/synthetic.js';
import { configText } from '../../helpers/examples.js';

const NETS = [
  configText({
    input: [20, 20, 3], classes: 4, board: 'stm32f405',
    layers: [
      { conv: { out: 8, kernel: 3, stride: 2 } },
      { mbconv: { out: 8, kernel: 3, expand: 1 } },
      { mbconv: { out: 12, kernel: 7, expand: 3, stride: 2 } },
      { mbconv: { out: 12, kernel: 5, expand: 4 } },
      { mbconv: { out: 16, kernel: 5, expand: 2, stride: 2 } },
      { mbconv: { out: 16, kernel: 7, expand: 3 } },
    ],
    update: '    biases: 12\n    weights:\n      12: 1/2\n      10: 1\n      9: 1/4\n      15: 1\n      16: 1',
  }),
  configText({
    input: [12, 12, 1], classes: 3, board: 'stm32f405',
    layers: [{ conv: { out: 8, kernel: 3, stride: 2 } }, { mbconv: { out: 8, kernel: 3, expand: 3 } }],
    update: '    biases: 3\n    weights:\n      3: 1',
  }),
  [
    'model:', '  name: test', '  input: [40, 3]', '  classes: 3', '  layers:',
    '    - conv: { out: 8, kernel: 5, stride: 2 }',
    '    - mbconv: { out: 8, kernel: 5, expand: 2 }',
    '    - mbconv: { out: 12, kernel: 3, expand: 2, stride: 2 }',
    'target:', '  board: stm32f405', 'train:', '  update:', '    biases: 6', '    weights:', '      6: 1', '      5: 1/2', '',
  ].join('\n'),
];

// The whole-tensor schedule runs every op on whole tensors (the compact one streams the frozen
// prefix, stem included, through the row kernels): both are checked.
NETS.flatMap((text, i) => ['whole-tensors', 'compact'].map((schedule) => ({ text: `${text.trimEnd()}\n  schedule: ${schedule}\n`, i, schedule }))).forEach(({ text, i, schedule }) => test(`network ${i + 1}, ${schedule} schedule: fast kernels train bit-identically to the reference kernels`, async () => {
  const p = await prepareSynthetic(text, { train: 30, test: 16, seed: 11 + i });
  const runs: { losses: number[]; accuracy: unknown; source: string }[] = [];
  for (const kernels of ['fast', 'reference'] as const) {
    const model = generateModelC(p.compilation, p.quant, { lr: 0.05, qas: true, seed: 3, modelHash: 1, kernels });
    const program = buildTrainer(model, join(p.dir, kernels));
    const r = await runJsonLines(program, [p.files.trainS8, p.files.testS8, '40']);
    assert.equal(r.code, 0, r.stderr);
    runs.push({ losses: r.lines.filter((l) => typeof l.step === 'number').map((l) => Number(l.loss)), accuracy: r.lines.find((l) => l.done)?.accuracy, source: model.source });
  }
  const [fast, ref] = runs;
  assert.match(fast.source, /tt_pwconv_s8_fast\(/);
  if (schedule === 'whole-tensors') {
    assert.match(fast.source, /tt_conv2d_s8_fast\(/);
    assert.match(fast.source, /tt_dwconv_s8_inplace_fast\(/);
  }
  // the compact schedule's row and chunk kernels: each one the reference program calls, the fast one replaces
  for (const kernel of ['tt_conv2d_s8_row', 'tt_dwconv_s8_row', 'tt_pwconv_s8_bwd_input_chunk', 'tt_pwconv_s8_bwd_input_acc']) {
    if (!ref.source.includes(`${kernel}(`)) continue;
    assert.ok(fast.source.includes(`${kernel}_fast(`), `${kernel}_fast replaces ${kernel}`);
    assert.ok(!fast.source.includes(`${kernel}(`), `no ${kernel} left in the fast program`);
  }
  if (schedule === 'compact') {
    assert.match(ref.source, /tt_conv2d_s8_row\(/, 'the compact schedule streams the stem');
    assert.match(ref.source, /tt_pwconv_s8_bwd_input_chunk\(/, 'the compact schedule chunks a backward');
    if (i === 0) assert.match(ref.source, /tt_dwconv_s8_row\(/, 'network 1 streams a depthwise conv');
  }
  if (i === 2) assert.match(fast.source, /tt_conv_geom c\d+_g = \{ 5, 1, /, 'the 1-D network has [5, 1] kernels');
  if (i === 0) assert.match(fast.source, /tt_dwconv_s8_fast\(/, 'a trained depthwise conv runs out of place');
  assert.doesNotMatch(ref.source, /_fast\(/);
  assert.equal(fast.losses.length, 40);
  assert.deepEqual(fast.losses, ref.losses, 'losses step for step');
  assert.equal(fast.accuracy, ref.accuracy);
}));
