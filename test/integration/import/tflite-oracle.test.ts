// The imported int8 models, compiled by TinyTrain to C and run on the host, against an
// independent TFLite runtime: Arm NN's TFLite parser on its CpuRef backend (Debian
// python3-pyarmnn), on the same 32 seeded random int8 inputs per model.
// The model's outputs (its int8 softmax) must agree within 1 LSB on >= 99 % of values, with the
// same top-1 class on every input. Exact equality is not expected: Arm NN's reference computes
// in float and rounds half away, TinyTrain requantizes the exact int32 accumulator in float, and
// the rare values near a rounding tie fall apart by one LSB and propagate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../training/prepare.js';
import { importedInferModel, runInference } from '../../../training/infer.js';
import { haveArmnn, runArmnn } from '../../helpers/armnn.js';
import { rng } from '../../helpers/examples.js';
import { SHARED_MODELS } from '../../helpers/shared-models.js';

const N = 32;
const dir = mkdtempSync(join(tmpdir(), 'tt-import-oracle-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const argmax = (v: ArrayLike<number>): number => { let k = 0; for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i; return k; };

for (const sm of SHARED_MODELS) {
  test(`${sm.file}: TinyTrain's C equals Arm NN within 1 LSB on ${N} inputs`, { skip: !haveArmnn() && 'python3-pyarmnn is not installed' }, async () => {
    const name = sm.file.replace(/\.tflite$/, '');
    const config = join(dir, `${name}.tinytrain.yaml`);
    writeFileSync(config, `model:\n  name: ${name}\n  import: ${sm.path}\n  classes: ${sm.classes}\ntarget:\n  board: stm32f746\ntrain:\n  update: { biases: 0, classifier: false }\n`);
    const { spec, compilation } = loadConfig(config);
    const model = importedInferModel(spec, compilation, dir);
    const per = sm.input.reduce((a, b) => a * b, 1);
    const rand = rng(2026 + sm.classes);
    const data = Int8Array.from({ length: N * per }, () => Math.floor(rand() * 256) - 128);
    const samples = Array.from({ length: N }, (_, i) => data.subarray(i * per, (i + 1) * per));
    const ours = await runInference(model, samples);
    assert.equal(ours.length, N);

    const bytes = readFileSync(sm.path);
    const ref = runArmnn(bytes, { dtype: 'int8', shape: [N, ...sm.input.slice(1)], data });
    const classes = sm.classes;
    let off = 0, topSame = 0;
    for (let i = 0; i < N; i++) {
      const r = ref.data.subarray(i * classes, (i + 1) * classes);
      ours[i].outputs.forEach((v, j) => { if (Math.abs(v - r[j]) > 1) off++; });
      if (argmax(ours[i].outputs) === argmax(r)) topSame++;
    }

    const pct = (n: number): string => `${(100 * (1 - n / (N * classes))).toFixed(2)} %`;
    console.log(`# ${sm.file}: outputs within 1 LSB ${pct(off)}, top-1 same ${topSame}/${N}`);
    assert.ok(off <= 0.01 * N * classes, `outputs beyond 1 LSB: ${off} of ${N * classes}`);
    assert.equal(topSame, N, 'the same top-1 class on every input');
  });
}
