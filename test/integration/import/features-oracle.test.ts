// The frozen backbone's features on real data, against Arm NN: the int8 output of the MLPerf Tiny
// VWW model's AVERAGE_POOL_2D (256 values, what a new classifier trains on) on Fashion-MNIST
// images resized to 96x96x3 and quantized with the file's input quantization, as TinyTrain's
// generated C computes it and as Arm NN's TFLite parser (CpuRef) does on a copy of the file whose
// subgraph output is that pool tensor. tflite-oracle.test.ts compares the 2-class softmax on random
// inputs; this compares the features themselves, on the inputs the transfer bench trains on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteBuffer } from 'flatbuffers';
import { readTflite } from '../../../compiler/import/tflite.js';
import { quantize } from '../../../compiler/weights/files.js';
import { FASHION_MNIST_DIR } from '../../../datasets/fashion-mnist.js';
import { buildHostTrainer } from '../../../training/host-train.js';
import { runJsonLines } from '../../../training/host-programs.js';
import { prepare } from '../../../training/prepare.js';
import { haveArmnn, runArmnn } from '../../helpers/armnn.js';
import { sharedModel } from '../../helpers/shared-models.js';

const N = 32;
const dir = mkdtempSync(join(tmpdir(), 'tt-features-oracle-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = (!haveArmnn() && 'python3-pyarmnn is not installed') || (!existsSync(FASHION_MNIST_DIR) && `${FASHION_MNIST_DIR} missing (Debian dataset-fashion-mnist)`);

/** The .tflite with its (single) subgraph output replaced by tensor t: one int32 written in place. */
function withOutput(bytes: Uint8Array, t: number): Uint8Array {
  const out = bytes.slice();
  const bb = new ByteBuffer(out);
  const field = (table: number, slot: number): number => { const o = bb.__offset(table, 4 + 2 * slot); return o ? table + o : 0; };
  const sg = bb.__indirect(bb.__vector(field(bb.readUint32(0), 2)));
  const outputs = field(sg, 2);
  assert.equal(bb.__vector_len(outputs), 1);
  bb.writeInt32(bb.__vector(outputs), t);
  return out;
}

test(`mlperf_tiny_vww_96_int8.tflite: the pooled features on ${N} Fashion-MNIST images equal Arm NN's within 1 LSB`, { skip, timeout: 600_000 }, async () => {
  const model = sharedModel('mlperf_tiny_vww_96_int8.tflite');
  const config = join(dir, 'vww.tinytrain.yaml');
  // whole-tensors: the pool output stays in the arena after tt_infer (checked below)
  writeFileSync(config, `model:\n  name: vww-features\n  import: ${model.path}\n  classes: 4\ntarget:\n  board: stm32f746\ntrain:\n  schedule: whole-tensors\n  update: { biases: 0, classifier: true }\ndata:\n  source: fashion-mnist\n  classes: [0, 1, 7, 8]\n  train: ${N}\n  test: 4\n`);
  const p = await prepare(config);
  const { graph, memory } = p.compilation;
  const { schedule, arena } = memory;
  const pool = graph.ops.find((o) => o.type === 'avgpool')!;
  const t = pool.outputs[0];
  const bytes = graph.tensors[t].shape.reduce((a, b) => a * b, 1);
  assert.equal(bytes, p.net.classifier.cin);
  // Only the classifier runs after the pool in tt_infer; it must not write over the pool's bytes.
  const infer = schedule.ops.filter((o) => o.phase === 'forward' && o.type !== 'save_slice');
  const start = arena.offsets[schedule.bufferOf[t]], end = start + schedule.buffers[schedule.bufferOf[t]].bytes;
  for (const op of infer.slice(infer.findIndex((o) => o.outputs.includes(t)) + 1)) {
    for (const o of op.outputs) assert.ok(arena.offsets[schedule.bufferOf[o]] >= end || arena.offsets[schedule.bufferOf[o]] + schedule.buffers[schedule.bufferOf[o]].bytes <= start, `${op.name} writes over the pool output`);
  }
  const offset = start - arena.offsets[schedule.bufferOf[0]];
  const run = await runJsonLines(buildHostTrainer(p), [p.files.trainS8, p.files.trainS8, '0', '--eval-only', '--logits', '--tensor', String(offset), String(bytes)]);
  assert.equal(run.code, 0, run.stderr);
  const ours = run.lines.filter((l) => typeof l.sample === 'number').map((l) => (l.tensors as number[][])[0]);
  assert.equal(ours.length, N);

  // Arm NN on the same int8 inputs (the training samples quantized as the TTD1 file holds them),
  // the pool tensor found by its op.
  const file = new Uint8Array(readFileSync(model.path));
  const poolOp = readTflite(file).model!.ops.find((o) => o.name === 'AVERAGE_POOL_2D')!;
  const ttd = readFileSync(p.files.trainS8);
  const per = 96 * 96 * 3;
  assert.equal(ttd.readUInt32LE(4), N);
  const data = new Int8Array(N * per);
  p.split.train.forEach((s, i) => s.pixels.forEach((v, j) => { data[i * per + j] = quantize(v, p.quant.input); }));
  const ref = runArmnn(withOutput(file, poolOp.outputs[0]), { dtype: 'int8', shape: [N, 96, 96, 3], data });
  assert.equal(ref.data.length, N * bytes);

  let off = 0, max = 0;
  const alive = new Set<number>();
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < bytes; j++) {
      const d = Math.abs(ours[i][j] - ref.data[i * bytes + j]);
      max = Math.max(max, d);
      if (d > 1) off++;
      if (ref.data[i * bytes + j] > p.quant.pool.zeroPoint) alive.add(j);
    }
  }
  console.log(`# VWW pool features on Fashion-MNIST: ${(100 * (1 - off / (N * bytes))).toFixed(2)} % within 1 LSB of Arm NN (max ${max}); ${alive.size} of ${bytes} channels ever above zero on these ${N} images`);
  assert.ok(off <= 0.01 * N * bytes, `${off} of ${N * bytes} pool values beyond 1 LSB`);
});
