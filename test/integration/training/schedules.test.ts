// The compact schedule (streamed frozen prefix, backward in chunks of expanded channels)
// computes the same training step as the whole-tensor schedule: over 200 steps the losses and
// every trained parameter's SRAM copy are identical, for the chunk size the plan picks and for a
// forced one that divides none of the blocks' channel counts (24, 48, 60). The int8 forward
// outputs (logits on held-out samples, after training) are identical too. The same holds for a
// 1-D network, non-square kernels, and imported .tflite networks where the lowerings apply only
// in part.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, compileTrainingStep } from '../../../compiler/compile.js';
import { importTflite } from '../../../compiler/import/lower.js';
import { resolveUpdate } from '../../../compiler/sparse/scheme.js';
import { encodeDataset, type Sample } from '../../../compiler/weights/files.js';
import { seededRandom } from '../../../compiler/weights/model-weights.js';
import { generateModelC } from '../../../compiler/codegen/emit-c.js';
import { fnv1a } from '../../../compiler/hash.js';
import type { Lowerings } from '../../../compiler/schedule/schedule.js';
import { buildTrainer, runJsonLines } from '../../../training/host-programs.js';
import { prepareSynthetic } from '../../../training/synthetic.js';
import { configText } from '../../helpers/examples.js';
import { sharedModel } from '../../helpers/shared-models.js';

// A frozen prefix with a strided conv, an expand-1 block and a residual block (streamed), then
// blocks with pw1 weights, dw weights and pw2 weights training in one block (L4: dw all channels
// + pw1 1/4; L5: pw1 1/2 + pw2), a strided block (L3) and residual adds (chunked).
const CONFIG = configText({
  input: [32, 32, 3], classes: 4, board: 'stm32f405',
  layers: [
    { conv: { out: 8, kernel: 3, stride: 2 } },
    { mbconv: { out: 8, kernel: 3, expand: 1 } },
    { mbconv: { out: 8, kernel: 5, expand: 3 } },
    { mbconv: { out: 12, kernel: 3, expand: 3, stride: 2 } },
    { mbconv: { out: 12, kernel: 5, expand: 4 } },
    { mbconv: { out: 12, kernel: 3, expand: 5 } },
  ],
  update: '    biases: 9\n    weights:\n      6: 1/2\n      10: 1\n      9: 1/4\n      12: 1/2\n      14: 1',
});

const STEPS = 200;

interface Run { losses: number[]; params: Record<string, string>; logits: unknown[] }

test('chunked backward trains exactly like the whole-tensor schedule (200 steps, every trained parameter)', async () => {
  const p = await prepareSynthetic(CONFIG, { train: 40, test: 8, seed: 11 });
  const variants: [string, Lowerings][] = [
    ['whole-tensors', {}], ['compact', { chunkBackward: true, streamPrefix: true }],
    ['chunk-7', { chunkBackward: true, chunkChannels: 7 }],
    ['stream-input-whole', { streamPrefix: true, inputWhole: true }],
  ];
  const runs = new Map<string, Run>();
  for (const [name, lowerings] of variants) {
    const c = compile(p.spec, { lowerings });
    const chunked = c.memory.schedule.ops.filter((o) => o.chunked);
    const stream = c.memory.schedule.ops.find((o) => o.stream);
    assert.equal(chunked.length, lowerings.chunkBackward ? 3 : 0, `${name}: the three blocks with pw1 run chunked`);
    assert.equal(!!stream, !!lowerings.streamPrefix, `${name}: the frozen prefix streams`);
    if (stream) assert.ok(stream.stream!.ops.length >= 3, `${name}: ${stream.name}`);
    const model = generateModelC(c, p.quant, { lr: 0.05, qas: true, seed: 7, modelHash: fnv1a(name) });
    const program = buildTrainer(model, join(p.dir, name), { defines: ['TT_EXPORT_PARAMS'], extraSources: [join(import.meta.dirname, 'c', 'export_params.c')] });
    const r = await runJsonLines(program, [p.files.trainS8, p.files.testS8, String(STEPS), '--logits']);
    assert.equal(r.code, 0, r.stderr);
    runs.set(name, {
      losses: r.lines.filter((l) => typeof l.step === 'number').map((l) => Number(l.loss)),
      params: Object.fromEntries(r.lines.filter((l) => typeof l.param === 'string').map((l) => [l.param as string, l.hex as string])),
      logits: r.lines.filter((l) => typeof l.sample === 'number').map((l) => l.logits),
    });
  }
  const base = runs.get('whole-tensors')!;
  assert.equal(base.losses.length, STEPS);
  assert.ok(Object.keys(base.params).length >= 10, 'trained copies were exported');
  const initial = compile(p.spec);
  assert.ok(initial.update.convs.filter((u) => u.k > 0).length >= 5);
  for (const [name, run] of runs) {
    if (name === 'whole-tensors') continue;
    assert.deepEqual(run.losses, base.losses, `${name}: losses step for step`);
    assert.deepEqual(run.params, base.params, `${name}: every trained weight and bias`);
    assert.deepEqual(run.logits, base.logits, `${name}: int8 forward logits after training`);
  }
});

// The last block changes the channel count (no residual add) and trains pw1's weights and pw2's
// bias only: the compact schedule keeps the pooling layer's gradient pooled and reads it
// broadcast through pw2's mask in the chunked backward.
const POOLED = CONFIG.replace('- mbconv: { out: 12, kernel: 3, expand: 5 }', '- mbconv: { out: 16, kernel: 3, expand: 5 }')
  .replace('      14: 1\n', '');

test('the pooled pooling gradient trains exactly like its broadcast (200 steps, every trained parameter)', async () => {
  assert.ok(POOLED.includes('out: 16') && !POOLED.includes('14: 1'), 'the last block is no residual and its pw2 weights are frozen');
  const p = await prepareSynthetic(POOLED, { train: 40, test: 8, seed: 13 });
  const variants: [string, Lowerings][] = [['whole-tensors', {}], ['compact', { chunkBackward: true, streamPrefix: true }], ['chunk-7', { chunkBackward: true, chunkChannels: 7 }]];
  const runs: Run[] = [];
  for (const [name, lowerings] of variants) {
    const c = compile(p.spec, { lowerings });
    const pool = c.memory.schedule.ops.find((o) => o.type === 'avgpool_backward')!;
    assert.equal(c.graph.tensors[pool.outputs[0]].shape.length, lowerings.chunkBackward ? 1 : 3, `${name}: ${c.graph.tensors[pool.outputs[0]].name}`);
    runs.push(await trainRun(generateModelC(c, p.quant, { lr: 0.05, qas: true, seed: 7, modelHash: fnv1a(name) }), join(p.dir, name), p.files.trainS8, p.files.testS8, STEPS));
  }
  assert.equal(runs[0].losses.length, STEPS);
  assert.ok(Object.keys(runs[0].params).length >= 10, 'trained copies were exported');
  for (const r of runs.slice(1)) assert.deepEqual(r, runs[0]);
});

/** Trains one compilation's C for `steps` steps and returns its losses, trained copies and logits. */
async function trainRun(model: ReturnType<typeof generateModelC>, dir: string, train: string, testFile: string, steps: number): Promise<Run> {
  const program = buildTrainer(model, dir, { defines: ['TT_EXPORT_PARAMS'], extraSources: [join(import.meta.dirname, 'c', 'export_params.c')] });
  const r = await runJsonLines(program, [train, testFile, String(steps), '--logits']);
  assert.equal(r.code, 0, r.stderr);
  return {
    losses: r.lines.filter((l) => typeof l.step === 'number').map((l) => Number(l.loss)),
    params: Object.fromEntries(r.lines.filter((l) => typeof l.param === 'string').map((l) => [l.param as string, l.hex as string])),
    logits: r.lines.filter((l) => typeof l.sample === 'number').map((l) => l.logits),
  };
}

// A 1-D network ([k, 1] kernels, strides on time) and one with non-square kernels and per-axis
// strides: the stream's windows and the chunk loops follow each conv's own geometry.
const ONE_D = `model:
  name: one-d
  input: [48, 3]
  classes: 3
  layers:
    - conv:   { out: 6, kernel: 5, stride: 2 }
    - mbconv: { out: 6, kernel: 7, expand: 1 }
    - mbconv: { out: 8, kernel: 3, expand: 3, stride: 2 }
    - mbconv: { out: 8, kernel: 5, expand: 4 }
target:
  board: host
train:
  update:
    biases: 4
    weights:
      6: 1
      7: 1/2
`;
const NON_SQUARE = configText({
  input: [14, 10, 2], classes: 3, board: 'host', update: '    biases: 5\n    weights:\n      5: 1\n      6: 1/2',
  layers: [{ conv: { out: 6, kernel: 3, stride: 2 } }, { mbconv: { out: 6, kernel: 3, expand: 1 } }, { mbconv: { out: 8, kernel: 3, expand: 3, stride: 2 } }, { mbconv: { out: 8, kernel: 3, expand: 3 } }],
}).replace('- mbconv: { out: 8, kernel: 3, expand: 3, stride: 2 }', '- mbconv: { out: 8, kernel: [3, 5], expand: 3, stride: [1, 2] }')
  .replace('- mbconv: { out: 8, kernel: 3, expand: 3 }', '- mbconv: { out: 8, kernel: [5, 3], expand: 3 }');

for (const [name, text] of [['1-D', ONE_D], ['non-square kernels and strides', NON_SQUARE]] as const) {
  test(`${name}: the compact schedule streams, chunks and trains exactly like whole tensors (60 steps)`, async () => {
    const p = await prepareSynthetic(text, { train: 20, test: 6, seed: 5 });
    const whole = compile(p.spec, { lowerings: {} });
    const compact = compile(p.spec);
    assert.ok(compact.schedule.ops.some((o) => o.stream), 'the frozen prefix streams');
    assert.ok(compact.schedule.ops.some((o) => o.chunked), 'a block runs its backward in chunks');
    const runs = await Promise.all([whole, compact].map((c, i) =>
      trainRun(generateModelC(c, p.quant, { lr: 0.05, qas: true, seed: 3, modelHash: i }), join(p.dir, `s${i}`), p.files.trainS8, p.files.testS8, 60)));
    assert.equal(runs[0].losses.length, 60);
    assert.deepEqual(runs[1], runs[0]);
  });
}

// Imported networks (real .tflite files): residual blocks with projection shortcuts and a fused
// ReLU on the add (ResNet-8), a 10x4 kernel with TFLite SAME padding (keyword spotting). Their
// convs are no inverted bottlenecks, so nothing chunks; the stream takes what it can and the
// step is the same as with whole tensors.
for (const file of ['mlperf_tiny_resnet8_cifar10_int8.tflite', 'mlperf_tiny_kws_dscnn_int8.tflite']) {
  test(`imported ${file}: the compact schedule falls back where it cannot apply and trains like whole tensors (20 steps)`, async () => {
    const m = importTflite(readFileSync(sharedModel(file).path)).model!;
    const n = m.net.convs.length;
    const update = resolveUpdate(m.net, { biases: 4, classifier: true, weights: [{ conv: n - 2, ratio: 1 }, { conv: n - 3, ratio: 1 / 2 }] });
    const whole = compileTrainingStep(m.net, update, { lowerings: {} });
    const compact = compileTrainingStep(m.net, update);
    assert.equal(compact.schedule.ops.filter((o) => o.chunked).length, 0);
    assert.ok(compact.schedule.ops.some((o) => o.stream), 'the frozen prefix streams');
    assert.ok(compact.memory.peakSramBytes <= whole.memory.peakSramBytes);
    const { h, w, c } = m.net.input;
    const rnd = seededRandom(9);
    const samples = (count: number): Sample[] => Array.from({ length: count }, () => ({
      label: Math.floor(rnd.uniform() * m.net.classifier.classes), pixels: Float32Array.from({ length: h * w * c }, () => rnd.normal()),
    }));
    const dir = mkdtempSync(join(tmpdir(), 'tinytrain-schedules-'));
    try {
      const trainFile = join(dir, 'train.ttd'), testFile = join(dir, 'test.ttd');
      writeFileSync(trainFile, encodeDataset([h, w, c], samples(10), m.input.quant));
      writeFileSync(testFile, encodeDataset([h, w, c], samples(4), m.input.quant));
      const runs = await Promise.all([whole, compact].map((s, i) =>
        trainRun(generateModelC({ net: m.net, update, ...s }, m.q, { lr: 0.01, qas: true, seed: 3, modelHash: i, head: m.head }), join(dir, `s${i}`), trainFile, testFile, 20)));
      assert.equal(runs[0].losses.length, 20);
      assert.deepEqual(runs[1], runs[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
