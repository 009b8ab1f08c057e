// The compact schedule (backward in chunks of expanded channels) computes the same training step
// as the whole-tensor schedule: over 200 steps the losses and every trained parameter's SRAM copy
// are identical, for the chunk size the plan picks and for a forced one that divides none of the
// blocks' channel counts (24, 48, 60); and with the frozen prefix streamed row by row, from a
// row source or from a whole input tensor. The int8 forward outputs (logits on held-out samples,
// after training) are identical too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compile } from '../../../compiler/compile.js';
import { generateModelC } from '../../../compiler/codegen/emit-c.js';
import { fnv1a } from '../../../compiler/hash.js';
import type { Lowerings } from '../../../compiler/schedule/schedule.js';
import { buildTrainer, runJsonLines } from '../../../training/host-programs.js';
import { prepareSynthetic } from '../../../training/synthetic.js';
import { configText } from '../../helpers/examples.js';

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
