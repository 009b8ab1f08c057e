// Property test: mutated .onnx files (bytes overwritten, varints set to extremes, truncation,
// inserted and deleted bytes), made from the real models written as QDQ and QLinear graphs,
// never make the importer throw; each gives located problems or a model with sane convs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importTflite } from '../../../compiler/import/lower.js';
import { importOnnx } from '../../../compiler/import/onnx-lower.js';
import { rng } from '../../helpers/examples.js';
import { writeOnnx } from '../../helpers/onnx-writer.js';
import { sharedModel } from '../../helpers/shared-models.js';

const N = Number(process.env.TINYTRAIN_FUZZ_CASES ?? 5000);

function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const pick = (n: number): number => Math.floor(rand() * n);
  const b = src.slice();
  const p = pick(b.length);
  switch (pick(5)) {
    case 0: for (let i = 0, n = 1 + pick(4); i < n; i++) b[pick(b.length)] = pick(256); return b;
    case 1: { const v = [0x00, 0x7f, 0xff, 0x80]; for (let i = 0; i < 1 + pick(9) && p + i < b.length; i++) b[p + i] = v[pick(v.length)]; return b; }
    case 2: return b.slice(0, pick(b.length));
    case 3: { const ins = Uint8Array.from({ length: 1 + pick(8) }, () => pick(256)); const out = new Uint8Array(b.length + ins.length); out.set(b.subarray(0, p)); out.set(ins, p); out.set(b.subarray(p), p + ins.length); return out; }
    default: { const out = new Uint8Array(b.length); out.set(b.subarray(0, p)); out.set(b.subarray(p + 1 + pick(16)), p); return out.subarray(0, b.length - 1); }
  }
}

test(`${N} mutated .onnx files: no exception, a problem or a sane model for each`, () => {
  const kws = importTflite(readFileSync(sharedModel('mlperf_tiny_kws_dscnn_int8.tflite').path)).model!;
  const seeds = [writeOnnx(kws, 'qdq'), writeOnnx(kws, 'qlinear')];
  const rand = rng(1314);
  let withProblems = 0;
  for (let n = 0; n < N; n++) {
    const bytes = mutate(seeds[n % seeds.length], rand);
    let r;
    try {
      r = importOnnx(bytes);
    } catch (err) {
      assert.fail(`the importer threw on case ${n}: ${(err as Error).stack}`);
    }
    if (r.problems.length) withProblems++;
    for (const p of r.problems) assert.ok(p.message.length > 0 && p.code.startsWith('import-'), `case ${n}: ${JSON.stringify(p)}`);
    if (!r.model) { assert.ok(r.problems.length > 0, `case ${n}: neither a model nor a problem`); continue; }
    for (const c of r.model.net.convs) assert.ok(c.outShape.h >= 1 && c.outShape.w >= 1 && c.cout >= 1, `case ${n}: conv ${c.index} has an empty output`);
  }
  assert.ok(withProblems > N / 4, `only ${withProblems} of ${N} mutations gave a problem`);
});
