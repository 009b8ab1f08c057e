// tinytrain export of an imported .onnx: the MLPerf Tiny keyword-spotting DS-CNN from
// ../shared/models written as ONNX (test/helpers/onnx-writer.ts) in the QDQ form (Gemm
// classifier) and the QLinear form (1x1 QLinearConv classifier), fine-tuned on the host (its last
// convs' biases, a quarter of conv 8's weights, the classifier), with a new 3-class classifier and
// with its own 12 classes kept. The exported .onnx (a) runs in ONNX Runtime (the independent
// oracle) with int8 outputs equal to TinyTrain's inference of the trained model within 1 LSB and
// the same top-1 on every input; (b) re-imported, gives exactly the trained program's logits.
// A patched file keeps what TinyTrain does not read: its producer name survives byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { importTflite } from '../../../compiler/import/lower.js';
import { readOnnx } from '../../../compiler/import/onnx.js';
import { quantize } from '../../../compiler/weights/files.js';
import { FASHION_MNIST_DIR } from '../../../datasets/fashion-mnist.js';
import { exportRun } from '../../../training/export.js';
import { trainOnHost } from '../../../training/host-train.js';
import { importedInferModel, runInference } from '../../../training/infer.js';
import { loadConfig, prepare } from '../../../training/prepare.js';
import { ROOT } from '../../helpers/examples.js';
import { writeOnnx } from '../../helpers/onnx-writer.js';
import { sharedModel } from '../../helpers/shared-models.js';

const STEPS = 60;
const N = 32;
const dir = mkdtempSync(join(tmpdir(), 'tt-export-onnx-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const kws = importTflite(readFileSync(sharedModel('mlperf_tiny_kws_dscnn_int8.tflite').path)).model!;
const noData = !existsSync(FASHION_MNIST_DIR) && `skipped: ${FASHION_MNIST_DIR} missing (Debian dataset-fashion-mnist)`;
const argmax = (v: ArrayLike<number>): number => { let k = 0; for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i; return k; };
const yaml = (name: string, file: string, classes: number, data: boolean): string => `model:
  name: ${name}
  import: ${file}
  classes: ${classes}
target:
  board: stm32f746
train:
  lr: 0.05
  update: { biases: 2, weights: { 8: 1/4 }, classifier: true }
${data ? `data:\n  source: fashion-mnist\n  classes: [${classes === 3 ? '1, 7, 8' : '0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1'}]\n  train: ${STEPS}\n  test: ${N}\n` : ''}`;

for (const form of ['qdq', 'qlinear'] as const) {
  for (const classes of [3, 12]) {
    const what = `${form}, ${classes === 3 ? 'a new 3-class classifier' : 'its own 12 classes'}`;
    test(`an imported .onnx (${what}) fine-tuned on the host exports to an .onnx that ONNX Runtime runs as TinyTrain does`, { skip: noData, timeout: 300_000 }, async () => {
      const stem = `kws-${form}-${classes}`;
      const original = join(dir, `${stem}.onnx`);
      writeFileSync(original, writeOnnx(kws, form));
      const config = join(dir, `${stem}.tinytrain.yaml`);
      writeFileSync(config, yaml(stem, `${stem}.onnx`, classes, true));
      const p = await prepare(config, () => {});
      const ttp = join(dir, `${stem}.ttp`);
      await trainOnHost(p, { steps: STEPS, saveTrained: ttp });
      const r = await exportRun(p, ttp);
      const tuned = join(dir, `${stem}-tuned.onnx`);
      const cli = spawnSync(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), 'export', config, '--run', ttp, '-o', tuned], { encoding: 'utf8' });
      assert.equal(cli.status, 0, cli.stderr);
      assert.deepEqual(new Uint8Array(readFileSync(tuned)), r.bytes, 'the command writes what exportRun returns');
      assert.equal(readOnnx(r.bytes).model!.producer, readOnnx(readFileSync(original)).model!.producer, 'fields TinyTrain does not change are kept');
      if (classes === 12) assert.equal(r.logits, undefined, 'a kept classifier keeps its output quantization');

      const samples = p.split.test.slice(0, N).map((s) => Int8Array.from(s.pixels, (x) => quantize(x, p.quant.input)));
      const trained = await runInference(importedInferModel(p.spec, p.compilation, p.dir, r.trained), samples);
      const start = await runInference(importedInferModel(p.spec, p.compilation, p.dir), samples);
      assert.notDeepEqual(trained.map((t) => t.logits), start.map((t) => t.logits), 'training changed the model, so (b) checks that export wrote it');

      // (b) re-imported: the file's classifier now has the config's classes, and the same logits.
      const again = join(dir, `${stem}-again.tinytrain.yaml`);
      writeFileSync(again, yaml(`${stem}-again`, tuned, classes, false));
      const loaded = loadConfig(again);
      const ours = await runInference(importedInferModel(loaded.spec, loaded.compilation, p.dir), samples);
      for (let i = 0; i < N; i++) {
        trained[i].logits.forEach((v, j) => assert.ok(Math.abs(v - ours[i].logits[j]) <= 1e-5 * Math.max(1, Math.abs(v)), `sample ${i} logit ${j}: trained ${v}, exported ${ours[i].logits[j]}`));
      }

      // (a) ONNX Runtime on the exported file against TinyTrain's C on it.
      const session = await ort.InferenceSession.create(r.bytes, { graphOptimizationLevel: 'disabled' });
      const [, h, w, c] = [1, 49, 10, 1];
      let off = 0, topSame = 0;
      for (let i = 0; i < N; i++) {
        const nchw = new Int8Array(h * w * c);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) nchw[(ch * h + y) * w + x] = samples[i][(y * w + x) * c + ch];
        const out = (await session.run({ input: new ort.Tensor('int8', nchw, [1, c, h, w]) })).output;
        assert.deepEqual(out.dims, [1, classes]);
        const o = out.data as Int8Array | Float32Array;
        const lsb = loaded.spec.model.imported!.head.dequantize ? (loaded.spec.model.imported!.head.softmax?.out ?? loaded.spec.model.imported!.head.logits).scale : 1;
        ours[i].outputs.forEach((v, j) => { if (Math.abs(v - o[j]) > lsb * 1.0001) off++; });
        if (argmax(ours[i].outputs) === argmax(o)) topSame++;
      }
      await session.release();
      console.log(`# exported kws ${what}: ONNX Runtime vs TinyTrain within 1 LSB ${(100 * (1 - off / (N * classes))).toFixed(2)} %, top-1 same ${topSame}/${N}`);
      assert.ok(off <= 0.01 * N * classes, `outputs beyond 1 LSB: ${off} of ${N * classes}`);
      assert.equal(topSame, N);
    });
  }
}

test('export of an .onnx import to a .tflite name is a usage error naming the format', { timeout: 120_000 }, () => {
  const config = join(dir, 'usage.tinytrain.yaml');
  writeFileSync(join(dir, 'usage.onnx'), writeOnnx(kws, 'qdq'));
  writeFileSync(config, yaml('usage', 'usage.onnx', 3, false));
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), 'export', config, '-o', join(dir, 'x.tflite')], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /must end in \.onnx/);
});
