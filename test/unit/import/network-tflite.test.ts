// A config's network written as a .tflite (compiler/export/network-tflite.ts), without a runtime:
// the ops and layouts it writes, the zero-tap kernels that put TFLite's SAME padding where the
// config language's centred padding is, and the importer reading back the same network and the
// same tensors. (Against a TFLite runtime: test/integration/import/network-export.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkTables, networkToTflite, sameExtension } from '../../../compiler/export/network-tflite.js';
import { importTflite } from '../../../compiler/import/lower.js';
import { centredSamePadding, tfliteSamePadding } from '../../../compiler/ir/network.js';
import { tinyOneD } from '../../helpers/tiny-network.js';

const model = tinyOneD;

test('sameExtension: the zero taps after a kernel that move SAME padding onto the centred one', () => {
  for (const [inSize, k, s] of [[52, 5, 2], [26, 5, 2], [13, 3, 2], [28, 3, 2], [14, 3, 1], [7, 4, 1], [52, 1, 1], [10, 4, 2]]) {
    const [before] = centredSamePadding(inSize, k, s);
    const e = sameExtension(inSize, k, s, before, Math.ceil(inSize / s));
    assert.ok(e !== undefined, `${inSize}/${k}/${s}`);
    assert.equal(tfliteSamePadding(inSize, k + e, s)[0], before, `${inSize}/${k}/${s}: before-padding`);
    if (tfliteSamePadding(inSize, k, s)[0] === before) assert.equal(e, 0, 'no taps where SAME already fits');
  }
  assert.equal(sameExtension(52, 5, 2, 2, 27), undefined, 'an output count SAME does not give');
});

test('a 1-D network is written with input [1, T, 1, C], per-channel weights, ADD, MEAN, a 1x1 conv classifier, RESHAPE, SOFTMAX', () => {
  const m = model();
  const t = networkTables(m);
  assert.deepEqual(t.tensors[t.inputs[0]].shape, [1, 52, 1, 3]);
  assert.deepEqual(t.ops.map((o) => o.name), ['CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D', 'ADD', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D', 'MEAN', 'CONV_2D', 'RESHAPE', 'SOFTMAX']);
  const first = t.ops[0];
  // k5 s2 on 52: centred padding 2 before; TFLite's SAME needs a 6-tap kernel to put 2 first.
  assert.deepEqual(t.tensors[first.inputs[1]].shape, [8, 6, 1, 3]);
  assert.equal(first.options.padding, 0);
  assert.equal(t.tensors[first.inputs[1]].quant!.scale.length, 8);
  assert.equal(t.tensors[first.inputs[1]].quant!.axis, 0);
  const dw = t.ops[1];
  assert.deepEqual(t.tensors[dw.inputs[1]].shape, [1, 5, 1, 8], 'stride 1: SAME is the centred padding');
  assert.equal(t.tensors[dw.inputs[1]].quant!.axis, 3);
  assert.equal(t.tensors[dw.inputs[2]].type, 'int32');
  assert.deepEqual(t.tensors[t.outputs[0]].quant, { scale: [1 / 256], zeroPoint: [-128], axis: 0 });
});

/** A scale as the file stores it (float32; the generated C uses float32 scales too). */
const f32 = (q: { scale: number; zeroPoint: number }) => ({ scale: Math.fround(q.scale), zeroPoint: q.zeroPoint });

test('the written file imports back as the same network with the same int8 tensors (the zero taps aside)', () => {
  const m = model();
  const { model: imp, problems } = importTflite(networkToTflite(m));
  assert.deepEqual(problems, []);
  assert.ok(imp);
  assert.deepEqual(imp.input, { shape: [1, 52, 1, 3], type: 'int8', quant: f32(m.quant.input) });
  assert.deepEqual(imp.net.convs.map((c) => c.outShape), m.net.convs.map((c) => c.outShape));
  assert.equal(imp.net.blocks.filter((b) => b.residual).length, 1);
  assert.deepEqual(imp.head.logits, f32(m.logits));
  assert.deepEqual(imp.q.fc, m.quant.fc);
  assert.deepEqual(imp.q.pool, f32(m.quant.pool));
  m.net.convs.forEach((c, i) => {
    const ic = imp.net.convs[i], q = imp.q.convs[i], want = m.quant.convs[i];
    assert.deepEqual([ic.pad.top, ic.kw, ic.sh], [c.pad.top, c.kw, c.sh], `conv ${i}: padding before, width, stride`);
    assert.deepEqual(q.b, want.b);
    assert.deepEqual(q.sw, want.sw);
    assert.deepEqual(q.out, f32(want.out));
    // the file's kernel holds TinyTrain's taps first, then zeros
    const per = c.depthwise ? 1 : c.cin;
    for (let o = 0; o < c.cout; o++) {
      for (let k = 0; k < ic.kh; k++) {
        for (let ch = 0; ch < per; ch++) {
          const got = q.w[(o * ic.kh + k) * per + ch];
          assert.equal(got, k < c.kh ? want.w[(o * c.kh + k) * per + ch] : 0, `conv ${i} out ${o} tap ${k}`);
        }
      }
    }
  });
});
