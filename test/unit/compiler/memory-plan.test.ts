// The real plan: peak within 5 % of the schedule's lower bound, no two tensors live at the same
// op overlap in the arena, in-place and reordering behave as designed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../compiler/analyze.js';
import { compile } from '../../../compiler/compile.js';
import { planMemory } from '../../../compiler/memory/memory-plan.js';
import { liveBytesPerOp, planArena } from '../../../compiler/memory/planner.js';
import { lowerChunkedBackward } from '../../../compiler/schedule/chunk.js';
import { fuseUpdates } from '../../../compiler/schedule/fuse.js';
import type { Buffer } from '../../../compiler/schedule/schedule.js';
import { streamCuts, streamRingBytes, streamRingFloor } from '../../../compiler/schedule/stream.js';
import { allExamples, example } from '../../helpers/examples.js';

function compiled(text: string) {
  const { compilation } = compile(text, { timeline: true });
  assert.ok(compilation);
  return compilation;
}

for (const { name, text } of allExamples()) {
  test(`${name}: lowerBound <= peak <= 1.05 * lowerBound, and live tensors never overlap`, () => {
    const c = compiled(text);
    for (const m of [c.memory, planMemory(c.net, c.update, c.graph, 'deferred-updates')]) {
      assert.ok(m.lowerBoundBytes <= m.peakSramBytes, `${m.mode}: lower bound ${m.lowerBoundBytes} > peak ${m.peakSramBytes}`);
      // The plan the device runs must be within 5 % of the bound. The deferred-updates baseline
      // (shown only for comparison) keeps many gradients alive to the end and fragments more.
      const slack = m.mode === 'reordered' ? 1.05 : 1.2;
      assert.ok(m.peakSramBytes <= slack * m.lowerBoundBytes, `${m.mode}: peak ${m.peakSramBytes} > ${slack} x ${m.lowerBoundBytes}`);
      const { buffers } = m.schedule;
      const off = m.arena.offsets;
      for (let i = 0; i < m.schedule.ops.length; i++) {
        const live = buffers.filter((b) => b.first <= i && i <= b.last).sort((a, b) => off[a.id] - off[b.id]);
        for (let j = 1; j < live.length; j++) {
          assert.ok(off[live[j].id] >= off[live[j - 1].id] + live[j - 1].bytes,
            `${m.mode} op ${i}: ${live[j - 1].name} [${off[live[j - 1].id]}, +${live[j - 1].bytes}) overlaps ${live[j].name} at ${off[live[j].id]}`);
        }
        for (const b of live) assert.ok(off[b.id] >= 0 && off[b.id] + b.bytes <= m.arenaBytes);
      }
      assert.equal(m.peakSramBytes, m.arenaBytes + m.staticBytes);
    }
  });
}

test('every op input is written before it is read, and in-place only when the input dies there', () => {
  const c = compiled(example('99kb'));
  const written = new Set<number>([0]);
  const { ops, inPlace, buffers, bufferOf } = c.memory.schedule;
  ops.forEach((op, i) => {
    for (const t of op.inputs) assert.ok(written.has(t), `${op.name} reads ${c.graph.tensors[t].name} before it exists`);
    for (const t of op.outputs) written.add(t);
    if (inPlace.has(op.id)) {
      assert.equal(bufferOf[op.inputs[0]], bufferOf[op.outputs[0]]);
      const laterReader = ops.slice(i + 1).some((o) => o.inputs.includes(op.inputs[0]));
      assert.ok(!laterReader, `${op.name} runs in place but its input is read later`);
    }
  });
  assert.ok(buffers.length > 0);
  assert.ok(ops.some((o) => o.type === 'dwconv2d' && inPlace.has(o.id)), 'some depthwise conv runs in place');
});

test('sparse pruning: no backward op below the earliest trained conv, no weight gradient for frozen weights', () => {
  const c = compiled(example('99kb'));
  const earliest = c.update.earliest;
  assert.equal(earliest, 20);
  for (const op of c.graph.ops) {
    if (op.phase === 'backward' || op.phase === 'update') {
      if (op.conv !== undefined) assert.ok(op.conv >= earliest, `${op.name} is below conv ${earliest}`);
      if (op.type === 'conv_weight_grad' || op.type === 'dwconv_weight_grad') assert.ok(c.update.convs[op.conv!].k > 0, `${op.name} for a frozen weight`);
      if (op.type === 'bias_grad') assert.ok(c.update.convs[op.conv!].bias);
    }
    if (op.type === 'save_slice') assert.ok(c.update.convs[op.conv!].k > 0);
    if (op.conv === earliest && op.type === 'conv_input_grad') assert.fail('the earliest trained conv needs no input gradient');
  }
  const weightGrads = c.graph.ops.filter((o) => o.type === 'conv_weight_grad' || o.type === 'dwconv_weight_grad').map((o) => o.conv);
  assert.deepEqual(weightGrads.sort((a, b) => a! - b!), [21, 24, 27, 30, 36, 39]);
  // conv 36 trains 12 of 96 channels: its saved input is a 4x4x12 slice, not the whole input.
  const slice = c.graph.tensors.find((t) => t.name === 'L13.pw1.saved_in');
  assert.deepEqual(slice?.shape, [4, 4, 12]);
});

test('classifier-only training has a loss and an fc backward, nothing else', () => {
  const text = example('99kb').replace(/    biases: 22[^]*$/, '    biases: 0\n');
  const c = compiled(text);
  const backward = c.graph.ops.filter((o) => o.phase !== 'forward');
  assert.deepEqual(backward.map((o) => o.type), ['log_softmax_nll', 'fc_backward', 'sgd_fc']);
});

test('training nothing: no backward at all and a warning', () => {
  const text = example('99kb').replace(/    biases: 22[^]*$/, '    biases: 0\n    classifier: false\n');
  const c = compiled(text);
  assert.ok(c.graph.ops.every((o) => o.phase === 'forward'));
  assert.ok(analyze(text).problems.some((p) => p.code === 'trains-nothing'));
});

test('operator reordering (fused gradient + update) never needs more memory than deferred updates', () => {
  for (const { text } of allExamples()) {
    const c = compiled(text);
    const deferred = planMemory(c.net, c.update, c.graph, 'deferred-updates');
    assert.ok(c.memory.peakSramBytes <= deferred.peakSramBytes);
  }
  const c = compiled(example('99kb'));
  assert.ok(!c.memory.schedule.buffers.some((b) => b.kind === 'param-grad'), 'no whole-parameter gradient buffer when reordered');
});

test('published schemes fit the STM32F746 and full update does not', () => {
  for (const s of ['49kb', '74kb', '99kb', '124kb', '148kb']) {
    const a = analyze(example(s));
    assert.ok(a.plan!.peakSramBytes <= 320 * 1024, `${s}: ${a.plan!.peakSramBytes}`);
    assert.deepEqual(a.problems, []);
  }
  const full = analyze(example('full-update'));
  const budget = full.problems.filter((p) => p.code === 'budget-sram');
  assert.equal(budget.length, 1);
  assert.match(budget[0].message, /more than the 320 KB budget/);
  assert.equal(budget[0].range.start.line, full.source.target!.range.start.line);
  assert.ok(budget[0].related?.length, 'points at the peak layer');
});

test('sram override is the budget and gets the diagnostic too', () => {
  // A budget below the 99 KB scheme's planned peak (about 128 KB with the compact schedule).
  const text = example('99kb').replace('  board: stm32f746              # Cortex-M7, 320 KB SRAM, 1 MB flash', '  board: stm32f746\n  sram: 96KB');
  const a = analyze(text);
  assert.equal(a.budget!.sramBytes, 96 * 1024);
  const lines = a.problems.filter((p) => p.code === 'budget-sram').map((p) => p.range.start.line);
  assert.equal(lines.length, 2);
  assert.ok(lines.includes(a.source.sram!.range.start.line));
});

test('train.schedule: compact streams the frozen prefix and chunks the backward; whole-tensors does neither', () => {
  const compact = compiled(example('99kb'));
  const ops = compact.memory.schedule.ops;
  const stream = ops.find((o) => o.stream)!;
  assert.ok(stream, 'a streamed stage');
  assert.equal(stream.stream!.ops[0].name, 'L0.conv');
  assert.ok(stream.stream!.ops.every((o) => o.outputs.length === 1), 'nothing in the stream keeps a mask');
  assert.equal(compact.memory.schedule.bufferOf[0], -1, 'the input image is never a whole arena tensor');
  const chunked = ops.filter((o) => o.chunked);
  assert.ok(chunked.length >= 5);
  // No arena buffer holds a whole expanded-channel gradient of a chunked block.
  const names = new Set(compact.memory.schedule.buffers.map((b) => b.name));
  for (const o of chunked) {
    for (const t of o.chunked!.steps.flatMap((s) => s.outputs)) {
      const tensor = compact.graph.tensors[t];
      if (tensor.shape[2] === o.chunked!.channels) assert.ok(!names.has(tensor.name), `${tensor.name} is not whole in the arena`);
    }
    assert.ok(o.chunked!.chunk >= 1 && o.chunked!.chunk <= o.chunked!.channels);
  }
  const whole = compiled(example('99kb').replace('  qas: true', '  schedule: whole-tensors\n  qas: true'));
  assert.ok(!whole.memory.schedule.ops.some((o) => o.stream || o.chunked));
  assert.ok(compact.memory.peakSramBytes < whole.memory.peakSramBytes);
  const bad = analyze(example('99kb').replace('  qas: true', '  schedule: streamed-ish\n  qas: true'));
  const problem = bad.problems.find((p) => p.severity === 'error');
  assert.ok(problem, 'an unknown schedule is an error');
  assert.equal(problem!.range.start.line, example('99kb').split('\n').findIndex((l) => l.startsWith('  qas:')));
});

test('compact schedule: the pooling layer gradient stays pooled (one float per channel), whole tensors broadcast it', () => {
  const text = example('99kb');
  const whole = compiled(text.replace('  qas: true', '  schedule: whole-tensors\n  qas: true'));
  const compact = compiled(text);
  const poolOp = (c: ReturnType<typeof compiled>) => c.memory.schedule.ops.find((o) => o.type === 'avgpool_backward')!;
  const last = compact.net.convs[compact.net.convs.length - 1];
  const wholeOut = whole.graph.tensors[poolOp(whole).outputs[0]];
  assert.deepEqual(wholeOut.shape, [last.outShape.h, last.outShape.w, last.cout], 'whole tensors: the broadcast H x W x C gradient');
  const pooled = compact.graph.tensors[poolOp(compact).outputs[0]];
  assert.deepEqual(pooled.shape, [last.cout]);
  assert.equal(compact.memory.schedule.bufferOf[poolOp(whole).outputs[0]], -1, 'the broadcast gradient is never in the arena');
  const chunked = compact.memory.schedule.ops.find((o) => o.chunked?.pw2 === last.index)!;
  assert.ok(chunked.chunked!.pw2Masked?.broadcast, 'the last block reads it broadcast through its mask');
  assert.ok(chunked.inputs.includes(pooled.id));
});

test('arena planner on random buffer sets: live buffers never overlap, and the arena covers the fullest op', () => {
  // Random sets drive the local search (shuffles that reuse the best plan's prefix and give up
  // once they cannot win), which the examples' plans reach only on a few paths.
  let seed = 12345;
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
  for (let trial = 0; trial < 200; trial++) {
    const ops = 2 + rand(40);
    const buffers: Buffer[] = Array.from({ length: 1 + rand(60) }, (_, id) => {
      const first = rand(ops), last = first + rand(ops - first);
      return { id, name: `b${id}`, bytes: 1 + rand(5000), first, last, kind: 'activation' as const, tensors: [] };
    });
    const plan = planArena(buffers, ops);
    const bound = Math.max(...liveBytesPerOp(buffers, ops));
    assert.ok(plan.arenaBytes >= bound, `trial ${trial}: arena ${plan.arenaBytes} < bound ${bound}`);
    for (const a of buffers) {
      assert.ok(plan.offsets[a.id] >= 0 && plan.offsets[a.id] + a.bytes <= plan.arenaBytes, `trial ${trial}: b${a.id} outside the arena`);
      for (const b of buffers) {
        if (a.id >= b.id || a.last < b.first || b.last < a.first) continue;
        const apart = plan.offsets[a.id] + a.bytes <= plan.offsets[b.id] || plan.offsets[b.id] + b.bytes <= plan.offsets[a.id];
        assert.ok(apart, `trial ${trial}: b${a.id} and b${b.id} are alive together and overlap`);
      }
    }
  }
});

test('stream ends: the ring floor a schedule skips candidates by never exceeds the rings the walk sizes', () => {
  // scheduleGraph skips an end whose floor already loses, so a floor above the real rings would
  // drop an end that wins.
  for (const { name, text } of allExamples()) {
    const c = compiled(text);
    for (const chunk of [false, true]) {
      const fused = fuseUpdates(c.graph);
      const ops = chunk ? lowerChunkedBackward(fused, c.graph, c.net) : fused;
      for (const inputWhole of [false, true]) {
        for (const end of streamCuts(ops, c.graph)) {
          const floor = streamRingFloor(ops, end, c.graph, c.net, inputWhole), rings = streamRingBytes(ops, end, c.graph, c.net, inputWhole);
          assert.ok(floor <= rings, `${name} end ${end}: floor ${floor} > rings ${rings}`);
        }
      }
    }
  }
});
