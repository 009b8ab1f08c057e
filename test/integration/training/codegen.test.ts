// The generated training program: its arena is exactly the plan's, it writes only inside its
// planned tensors (debug bounds build), runs 500 steps clean under ASan + UBSan, and the fused
// gradient+update kernels give the same training as the conventional unfused order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateModelC } from '../../../compiler/codegen/emit-c.js';
import { compile } from '../../../compiler/compile.js';
import { fnv1a } from '../../../compiler/hash.js';
import { buildTrainer, runJsonLines } from '../../../training/host-programs.js';
import { prepareSynthetic } from '../../../training/synthetic.js';
import { configText } from '../../helpers/examples.js';

const SMALL = configText({
  input: [16, 16, 3], classes: 4, board: 'stm32f405',
  layers: [
    { conv: { out: 8, kernel: 3, stride: 2 } },
    { mbconv: { out: 8, kernel: 3, expand: 1 } },
    { mbconv: { out: 12, kernel: 3, expand: 3, stride: 2 } },
    { mbconv: { out: 12, kernel: 5, expand: 4 } },
    { mbconv: { out: 16, kernel: 3, expand: 2 } },
  ],
  // conv 9 (L4.pw1) trains 1/2 of its inputs (a saved slice), conv 7 (L3.dw) all channels (in place is then illegal)
  update: '    biases: 8\n    weights:\n      9: 1/2\n      7: 1\n      6: 1/4\n      11: 1',
});

test('the generated arena is exactly the planned arena, and ASan + UBSan find nothing in 500 steps', async () => {
  const p = await prepareSynthetic(SMALL, { train: 50, test: 20 });
  const model = generateModelC(p.compilation, p.quant, { lr: 0.05, qas: true, seed: 1, modelHash: 1 });
  assert.equal(model.arenaBytes, p.compilation.memory.arenaBytes);
  assert.match(model.header, new RegExp(`#define TT_ARENA_BYTES ${p.compilation.memory.arenaBytes}u`));
  assert.equal(model.arenaBytes + model.sramCopyBytes, p.compilation.memory.peakSramBytes, 'arena + SRAM copies = planned peak');
  const dir = join(p.dir, 'asan');
  const program = buildTrainer(model, dir, { sanitize: true, debugBounds: true, optimize: '-O1' });
  const r = await runJsonLines(program, [p.files.trainS8, p.files.testS8, '500']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'no sanitizer or bounds findings');
  assert.equal(r.lines.filter((l) => typeof l.step === 'number').length, 500);
  assert.ok(r.lines.every((l) => l.done || Number.isFinite(l.loss)));
  const src = readFileSync(join(dir, 'tt_model.c'), 'utf8');
  assert.match(src, /tt_dwconv_s8_inplace/, 'some depthwise conv runs in place');
  assert.match(src, /tt_slice_channels_s8/, 'the half-trained conv keeps only its input slice');
});

test('fused gradient+update (the device schedule) trains exactly like the unfused order', async () => {
  const p = await prepareSynthetic(SMALL, { train: 40, test: 20, seed: 3 });
  const runs: number[][] = [];
  for (const mode of ['reordered', 'deferred-updates'] as const) {
    const c = compile(p.spec, { mode });
    const model = generateModelC(c, p.quant, { lr: 0.05, qas: true, seed: 7, modelHash: fnv1a(mode) });
    const program = buildTrainer(model, join(p.dir, mode));
    const r = await runJsonLines(program, [p.files.trainS8, p.files.testS8, '60']);
    assert.equal(r.code, 0, r.stderr);
    runs.push(r.lines.filter((l) => typeof l.step === 'number').map((l) => Number(l.loss)));
  }
  assert.deepEqual(runs[0], runs[1], 'losses are bit-identical step for step');
  // and the reordered plan needs less memory
  const fused = compile(p.spec).memory.peakSramBytes;
  const deferred = compile(p.spec, { mode: 'deferred-updates' }).memory.peakSramBytes;
  assert.ok(fused < deferred, `${fused} < ${deferred}`);
});

test('train.lr_decay: cosine trains the first step at lr, then smaller steps, and not at all after its steps', async () => {
  const p = await prepareSynthetic(SMALL, { train: 40, test: 20, seed: 5 });
  const losses = async (cosineDecaySteps?: number): Promise<number[]> => {
    const model = generateModelC(p.compilation, p.quant, { lr: 0.05, qas: true, seed: 7, modelHash: 1, ...(cosineDecaySteps ? { cosineDecaySteps } : {}) });
    const r = await runJsonLines(buildTrainer(model, join(p.dir, `decay-${cosineDecaySteps ?? 'none'}`)), [p.files.trainS8, p.files.testS8, '110']);
    assert.equal(r.code, 0, r.stderr);
    return r.lines.filter((l) => typeof l.step === 'number').map((l) => Number(l.loss));
  };
  const constant = await losses();
  const cosine = await losses(60);
  // Step 1 runs at lr itself, so the model that step 2 sees is the same; from step 3 on the runs part.
  assert.deepEqual(cosine.slice(0, 2), constant.slice(0, 2));
  assert.notDeepEqual(cosine.slice(2, 10), constant.slice(2, 10));
  // After 60 steps the lr is 0: the model is frozen, so a sample seen again (40 samples, in turn)
  // has the same loss: steps 101-110 repeat the samples of steps 61-70.
  assert.deepEqual(cosine.slice(100, 110), cosine.slice(60, 70));
  assert.notDeepEqual(constant.slice(100, 110), constant.slice(60, 70));
});

test('train.weight_rounding: residual keeps a byte per trained weight, planned and clean under ASan, and trains the same in the fused and unfused orders', async () => {
  const p = await prepareSynthetic(SMALL, { train: 40, test: 20, seed: 3 });
  const residualSpec = { ...p.spec, train: { ...p.spec.train, weightRounding: 'residual' as const } };
  const plain = compile(p.spec), residual = compile(residualSpec);
  assert.equal(residual.update.residual, true);
  assert.equal(plain.update.residual, undefined, 'a stochastic plan hashes as before the option');
  // The residual arrays are static SRAM: one byte per trained weight (conv slices and classifier).
  assert.equal(residual.memory.static.weightBytes, 2 * plain.memory.static.weightBytes);
  assert.equal(residual.memory.peakSramBytes - plain.memory.peakSramBytes, plain.memory.static.weightBytes);
  const runs: number[][] = [];
  for (const mode of ['reordered', 'deferred-updates'] as const) {
    const c = compile(residualSpec, { mode });
    const model = generateModelC(c, p.quant, { lr: 0.05, qas: true, seed: 7, modelHash: fnv1a(mode) });
    assert.equal(model.arenaBytes + model.sramCopyBytes, c.memory.peakSramBytes, 'arena + SRAM copies = planned peak');
    assert.match(model.source, /_w_res\[/);
    const program = buildTrainer(model, join(p.dir, `residual-${mode}`), mode === 'reordered' ? { sanitize: true, debugBounds: true, optimize: '-O1' } : {});
    const r = await runJsonLines(program, [p.files.trainS8, p.files.testS8, '60']);
    assert.equal(r.code, 0, r.stderr);
    if (mode === 'reordered') assert.equal(r.stderr.trim(), '', 'no sanitizer or bounds findings');
    runs.push(r.lines.filter((l) => typeof l.step === 'number').map((l) => Number(l.loss)));
  }
  assert.deepEqual(runs[0], runs[1], 'losses are bit-identical step for step');
  // The same program without the residual: the first step's loss is the same (nothing has
  // trained yet), and the runs part once small updates start to add up.
  const model = generateModelC(plain, p.quant, { lr: 0.05, qas: true, seed: 7, modelHash: 1 });
  assert.doesNotMatch(model.source, /_residual|_w_res/, 'without the option the C is what it was');
  const r = await runJsonLines(buildTrainer(model, join(p.dir, 'stochastic')), [p.files.trainS8, p.files.testS8, '60']);
  const stochastic = r.lines.filter((l) => typeof l.step === 'number').map((l) => Number(l.loss));
  assert.equal(stochastic[0], runs[0][0]);
  assert.notDeepEqual(stochastic, runs[0]);
});

test('a debug bounds build catches a kernel writing outside its tensor', async () => {
  // Shrink one tensor's planned size in the generated source: the checker must abort on it.
  const p = await prepareSynthetic(SMALL, { train: 10, test: 5, seed: 5 });
  const model = generateModelC(p.compilation, p.quant, { lr: 0.05, qas: true, seed: 1, modelHash: 1 });
  // (The first op's write ranges follow its body, one line or, for a stream op, its row table.)
  const broken = { ...model, source: model.source.replace(/(\/\* 0: [^\n]*\n[\s\S]*?\{ static const uint32_t w\[\]\[2\] = \{ \{ \d+u, )(\d+)u/, (_m, pre: string, n: string) => `${pre}${Math.max(4, Math.floor(Number(n) / 2))}u`) };
  assert.notEqual(broken.source, model.source, 'the test found the first op\'s write range');
  const program = buildTrainer(broken, join(dirname(p.files.trainS8), 'broken'), { debugBounds: true });
  const r = await runJsonLines(program, [p.files.trainS8, p.files.testS8, '1']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /wrote arena byte \d+ outside its planned tensors/);
});
