// Property test: 5,000 mutated .tflite files (bytes overwritten in the FlatBuffer structure,
// offsets and lengths set to extremes, truncation, inserted and deleted bytes) never make the
// importer throw or loop; each gives either located problems or a model whose tensors are sane.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importTflite } from '../../../compiler/import/lower.js';
import { readTflite } from '../../../compiler/import/tflite.js';
import { rng } from '../../helpers/examples.js';
import { SHARED_MODELS } from '../../helpers/shared-models.js';

const N = Number(process.env.TINYTRAIN_FUZZ_CASES ?? 5000);

/** Byte ranges of constant tensor data: mutations mostly avoid them, to hit the structure. */
function dataRanges(bytes: Uint8Array): [number, number][] {
  const { model } = readTflite(bytes);
  return (model?.tensors ?? []).filter((t) => t.data).map((t) => [t.data!.byteOffset - bytes.byteOffset, t.data!.byteOffset - bytes.byteOffset + t.data!.length]);
}

function mutate(src: Uint8Array, ranges: [number, number][], rand: () => number): Uint8Array {
  const pick = (n: number): number => Math.floor(rand() * n);
  const structural = (): number => {
    for (;;) {
      const p = pick(src.length);
      if (!ranges.some(([a, b]) => p >= a && p < b) || rand() < 0.05) return p;
    }
  };
  const b = src.slice();
  const dv = new DataView(b.buffer);
  switch (pick(7)) {
    case 0: for (let i = 0, n = 1 + pick(4); i < n; i++) b[structural()] = pick(256); return b;
    case 1: { const p = structural() & ~3; if (p + 4 <= b.length) dv.setInt32(p, [0, 1, -1, 0x7fffffff, -0x80000000, 0xffff, b.length, b.length - 4][pick(8)], true); return b; }
    case 2: return b.slice(0, pick(b.length));
    case 3: { const p = structural() & ~1; if (p + 2 <= b.length) dv.setUint16(p, [0, 1, 3, 0xffff, 0x8000][pick(5)], true); return b; }
    case 4: { const p = structural(); const ins = Uint8Array.from({ length: 1 + pick(8) }, () => pick(256)); const out = new Uint8Array(b.length + ins.length); out.set(b.subarray(0, p)); out.set(ins, p); out.set(b.subarray(p), p + ins.length); return out; }
    case 5: { const p = structural(); const out = new Uint8Array(b.length); out.set(b.subarray(0, p)); out.set(b.subarray(p + 1 + pick(16)), p); return out.subarray(0, b.length - 1); }
    default: { const p = structural() & ~3; if (p + 4 <= b.length) dv.setInt32(p, dv.getInt32(p, true) + (pick(2) ? 1 : -1) * (1 + pick(64)), true); return b; }
  }
}

test(`${N} mutated .tflite files: no exception, a problem or a sane model for each`, () => {
  const seeds = SHARED_MODELS.map((m) => readFileSync(m.path));
  const ranges = seeds.map(dataRanges);
  const rand = rng(1313);
  let withProblems = 0;
  for (let n = 0; n < N; n++) {
    const s = n % seeds.length;
    const bytes = mutate(seeds[s], ranges[s], rand);
    let r;
    try {
      r = importTflite(bytes);
    } catch (err) {
      assert.fail(`the importer threw on case ${n}: ${(err as Error).stack}`);
    }
    if (r.problems.length) withProblems++;
    for (const p of r.problems) assert.ok(p.message.length > 0 && p.code.startsWith('import-'), `case ${n}: ${JSON.stringify(p)}`);
    if (!r.model) { assert.ok(r.problems.length > 0, `case ${n}: neither a model nor a problem`); continue; }
    const { net, q } = r.model;
    for (const c of net.convs) {
      assert.ok(c.outShape.h >= 1 && c.outShape.w >= 1 && c.cout >= 1, `case ${n}: conv ${c.index} has an empty output`);
      assert.equal(q.convs[c.index].w.length, c.weightCount, `case ${n}: conv ${c.index} weights`);
      assert.equal(q.convs[c.index].b.length, c.cout, `case ${n}: conv ${c.index} bias`);
    }
  }
  console.log(`# ${withProblems} of ${N} mutated files gave problems; the rest still import as sane models`);
  assert.ok(withProblems > N / 2, `structural mutations should mostly give problems (${withProblems})`);
});
