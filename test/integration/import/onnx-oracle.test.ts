// ONNX import against ONNX Runtime: the real int8 .tflite models of ../shared/models, written as
// equivalent .onnx graphs (test/helpers/onnx-writer.ts) in the QDQ and the QLinear form, import
// to the same network and int8 tensors as the .tflite does; TinyTrain's C inference of the .onnx
// config (the path `tinytrain infer` takes) is then compared with onnxruntime-node on 32 seeded
// random inputs: within 1 LSB on >= 99 % of output values and the same top-1 on every input.
// Not exact: ORT requantizes in float and rounds half to even (QuantizeLinear, QLinearConv),
// TinyTrain follows TFLite's fixed-point multipliers; values near a tie differ by one LSB.
// The oracle session runs the graph as ONNX defines it (graph optimizations off: every
// DequantizeLinear / float op / QuantizeLinear as written). ORT's optimized session fuses QDQ
// groups into its own int8 kernels and then differs from its own unfused result (measured on
// kws: 8 % of outputs beyond 1 LSB, while the unfused QDQ and the QLinear form agree); its figure
// is logged beside. An .onnx model's global pool rounds half to even (QuantizeLinear), a .tflite's
// half away from zero: resnet8's 8x8 pool (an even count, so exact halves occur) was 96.3 % within
// 1 LSB while imported with the TFLite rounding, 99.1 % with its own. vww and person detection
// agree exactly with ORT's unfused run. kws also goes in with its classifier
// as ONNX Runtime's quantizer writes a Dense layer (MatMul, then an Add of an int8 bias constant:
// QLinearMatMul + QLinearAdd, or MatMul and Add in QDQ), which the importer folds into one FC:
// one rounding where the graph has two (the MatMul's output, then the Add's), so those two tests
// are visible todos too (measured on kws: 96.9-97.4 % of outputs within 1 LSB, top-1 same on
// 31-32 of 32): matching them needs the MatMul's own output quantization kept in the network.
// A 1-D network (Conv1d over [1, C, T], with a residual block) goes in as QDQ ONNX against the
// .tflite of the same network: exact, 100 % of outputs equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { importTflite } from '../../../compiler/import/lower.js';
import { importOnnx } from '../../../compiler/import/onnx-lower.js';
import type { QParams } from '../../../compiler/weights/model-weights.js';
import { loadConfig } from '../../../training/prepare.js';
import { importedInferModel, runInference } from '../../../training/infer.js';
import { rng } from '../../helpers/examples.js';
import { writeOnnx } from '../../helpers/onnx-writer.js';
import { sharedModel } from '../../helpers/shared-models.js';
import { tinyOneD } from '../../helpers/tiny-network.js';
import { networkToTflite } from '../../../compiler/export/network-tflite.js';

const N = 32;
const dir = mkdtempSync(join(tmpdir(), 'tt-onnx-oracle-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const argmax = (v: ArrayLike<number>): number => { let k = 0; for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i; return k; };

const MATMUL_TODO = 'the Dense bias folded into the FC: one rounding where the graph has two (MatMul output, then Add), 97 % within 1 LSB';
const TODO: Record<string, string> = {};

const FORMS = ['qdq', 'qlinear', 'qdq-matmul', 'qlinear-matmul'] as const;
interface Case { file: string; model: () => { bytes: Uint8Array; convs: number; classes: number; input: number[] }; oneD?: boolean }
const ONE_D = 'a 1-D network (input [1, 52, 1, 3], a residual block)';
const cases: Case[] = [
  ...['mlperf_tiny_resnet8_cifar10_int8.tflite', 'mlperf_tiny_kws_dscnn_int8.tflite', 'mlperf_tiny_vww_96_int8.tflite', 'tflm_person_detect_96_int8.tflite']
    .map((file) => ({ file, model: () => { const sm = sharedModel(file); return { bytes: readFileSync(sm.path), convs: sm.convs, classes: sm.classes, input: sm.input }; } })),
  // 1-D ONNX (Conv1d over [1, C, T]) against its .tflite: TinyTrain's own 1-D network written as a .tflite first.
  { file: ONE_D, oneD: true, model: () => { const t = tinyOneD(); return { bytes: networkToTflite(t), convs: t.net.convs.length, classes: t.net.classifier.classes, input: [1, t.net.input.h, t.net.input.w, t.net.input.c] }; } },
];
for (const { file, model, oneD } of cases) {
  // The 1-D network's RELU6 outputs start above the int8 floor, which a QLinear op cannot clamp: QDQ only.
  for (const form of FORMS.filter((f) => (!f.endsWith('-matmul') || file === 'mlperf_tiny_kws_dscnn_int8.tflite') && (!oneD || f === 'qdq'))) {
    test(`${file} as ${oneD ? '1-D ' : ''}ONNX ${form}: imports like the .tflite; TinyTrain's C equals ONNX Runtime within 1 LSB on ${N} inputs`, { timeout: 600_000, ...(TODO[file] ? { todo: TODO[file] } : form.endsWith('-matmul') ? { todo: MATMUL_TODO } : {}) }, async () => {
      const sm = model();
      const tfl = importTflite(sm.bytes).model!;
      const matmul = form.endsWith('-matmul');
      const base = matmul ? (form === 'qdq-matmul' ? 'qdq' : 'qlinear') : form as 'qdq' | 'qlinear';
      const bytes = writeOnnx(tfl, base, { matmulClassifier: matmul, oneD });
      const got = importOnnx(bytes);
      assert.deepEqual(got.problems, []);
      const m = got.model!;
      assert.equal(m.net.convs.length, sm.convs);
      // The activation as the int8 output clamps: a QLinear op clamps by saturation only, so a
      // RELU6 whose output range ends at 6 reads back as the RELU it equals in int8.
      const clamp = (act: string, q: QParams): [number, number] => act === 'none' ? [-128, 127]
        : [Math.max(-128, q.zeroPoint), act === 'relu6' ? Math.min(127, q.zeroPoint + Math.round(6 / q.scale)) : 127];
      const shapeOf = (mm: typeof m) => mm.net.convs.map((c) => [c.index, c.depthwise, c.cin, c.cout, c.kh, c.kw, c.sh, c.sw, c.pad, clamp(c.act, mm.q.convs[c.index].out)]);
      assert.deepEqual(shapeOf(m), shapeOf(tfl));
      assert.deepEqual(m.q.convs.map((q) => [Array.from(q.w), Array.from(q.sw), Array.from(q.b), q.out]), tfl.q.convs.map((q) => [Array.from(q.w), Array.from(q.sw), Array.from(q.b), q.out]));
      assert.deepEqual(Array.from(m.q.fc.w), Array.from(tfl.q.fc.w));
      if (!matmul) assert.deepEqual(Array.from(m.q.fc.b), Array.from(tfl.q.fc.b));
      else {
        // The folded bias went through an int8 constant (step: the largest |bias| / 127, real units).
        const real = (b: ArrayLike<number>, o: number): number => b[o] * tfl.q.pool.scale * tfl.q.fc.sw[o];
        const step = Math.max(...Array.from(tfl.q.fc.b, (_, o) => Math.abs(real(tfl.q.fc.b, o)))) / 127;
        tfl.q.fc.b.forEach((_, o) => assert.ok(Math.abs(real(m.q.fc.b, o) - real(tfl.q.fc.b, o)) <= step / 2 + tfl.q.pool.scale * tfl.q.fc.sw[o], `bias ${o}: ${m.q.fc.b[o]} vs ${tfl.q.fc.b[o]}`));
      }

      const name = `${oneD ? 'one_d' : file.replace(/\.tflite$/, '')}_${form}`;
      writeFileSync(join(dir, `${name}.onnx`), bytes);
      const config = join(dir, `${name}.tinytrain.yaml`);
      writeFileSync(config, `model:\n  name: ${name}\n  import: ${name}.onnx\n  classes: ${sm.classes}\ntarget:\n  board: stm32f746\ntrain:\n  update: { biases: 0, classifier: false }\n`);
      const { spec, compilation } = loadConfig(config);
      const [, h, w, c] = sm.input;
      const per = h * w * c;
      const rand = rng(2026 + sm.classes);
      const data = Int8Array.from({ length: N * per }, () => Math.floor(rand() * 256) - 128);
      const samples = Array.from({ length: N }, (_, i) => data.subarray(i * per, (i + 1) * per));
      const ours = await runInference(importedInferModel(spec, compilation, dir), samples);
      assert.equal(ours.length, N);

      const classes = sm.classes;
      const pct = (n: number): string => `${(100 * n / (N * classes)).toFixed(2)} %`;
      const compare = async (level: 'disabled' | 'all'): Promise<{ off: number; exact: number; topSame: number }> => {
        const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level });
        let off = 0, exact = 0, topSame = 0;
        for (let i = 0; i < N; i++) {
          const nchw = new Int8Array(per);
          for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) nchw[(ch * h + y) * w + x] = samples[i][(y * w + x) * c + ch];
          const out = await session.run({ input: new ort.Tensor('int8', nchw, oneD ? [1, c, h] : [1, c, h, w]) });
          const r = out.output.data as Int8Array;
          ours[i].outputs.forEach((v, j) => { const d = Math.abs(v - r[j]); if (d > 1) off++; if (d === 0) exact++; });
          if (argmax(ours[i].outputs) === argmax(r)) topSame++;
        }
        await session.release();
        console.log(`# ${name} vs ORT (optimizations ${level}): outputs equal ${pct(exact)}, within 1 LSB ${pct(N * classes - off)}, top-1 same ${topSame}/${N}`);
        return { off, exact, topSame };
      };
      await compare('all');
      const { off, topSame } = await compare('disabled');
      assert.ok(off <= 0.01 * N * classes, `outputs beyond 1 LSB: ${off} of ${N * classes}`);
      assert.equal(topSame, N, 'the same top-1 class on every input');
    });
  }
}
