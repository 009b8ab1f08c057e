// Gradients against finite differences, for whole networks:
//  - the fp32 path (host pretraining, reference): every parameter of random networks;
//  - the generated int8 program (int8 forward, float backward): its parameter gradients
//    against finite differences of the dequantized fp32 model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../../../compiler/compile.js';
import { generateModelC } from '../../../compiler/codegen/emit-c.js';
import { dequantizeModel } from '../../../compiler/quantize/quantize.js';
import { encodeDataset, encodeFloatModel } from '../../../compiler/weights/files.js';
import type { FloatModel } from '../../../compiler/weights/model-weights.js';
import { buildTrainer, fp32Tool, runJsonLines } from '../../../training/host-programs.js';
import { prepareSynthetic } from '../../../training/synthetic.js';
import { configText, rng, type LayerLine } from '../../helpers/examples.js';
import { referenceLoss } from '../../helpers/reference-net.js';

function randomConfig(seed: number, update: string): string {
  const r = rng(seed);
  const pick = <T,>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const layers: LayerLine[] = [{ conv: { out: pick([4, 6, 8]), kernel: 3, stride: 2 } }, { mbconv: { out: pick([4, 8]), kernel: 3, expand: 1 } }];
  for (let i = 0; i < 3; i++) layers.push({ mbconv: { out: pick([6, 8, 10]), kernel: pick([3, 5]), expand: pick([2, 3]), stride: pick([1, 2]) } });
  return configText({ input: [pick([12, 16]), pick([12, 16]), pick([1, 3])], classes: pick([3, 4, 5]), layers, board: 'host', update });
}

// A 1-D network (input [T, C]: 48 samples of 3 channels): [k, 1] kernels, strides along time only.
const ONE_D = `model:
  name: one-d
  input: [48, 3]
  classes: 3
  layers:
    - conv:   { out: 6, kernel: 5, stride: 2 }
    - mbconv: { out: 6, kernel: 7, expand: 1 }
    - mbconv: { out: 8, kernel: 3, expand: 2, stride: 2 }
    - mbconv: { out: 8, kernel: 5, expand: 2 }
target:
  board: host
train:
  update:
    biases: all
`;
// An image network with non-square kernels and per-axis strides.
const NON_SQUARE = configText({ input: [14, 10, 2], classes: 3, board: 'host', layers: [{ conv: { out: 6, kernel: 3, stride: 2 } }, { mbconv: { out: 6, kernel: 3, expand: 1 } }, { mbconv: { out: 8, kernel: 3, expand: 2, stride: 2 } }], update: '    biases: all' })
  .replace('- mbconv: { out: 6, kernel: 3, expand: 1 }', '- mbconv: { out: 6, kernel: [5, 3], expand: 1 }')
  .replace('- mbconv: { out: 8, kernel: 3, expand: 2, stride: 2 }', '- mbconv: { out: 8, kernel: [3, 5], expand: 2, stride: [1, 2] }');

for (const [seed, text, what] of [[11, '', 'random network 11'], [12, '', 'random network 12'], [13, '', 'random network 13'], [14, ONE_D, '1-D network ([k, 1] kernels, strides on time)'], [15, NON_SQUARE, 'non-square kernels [5, 3] / [3, 5], stride [1, 2]']] as const) {
  test(`fp32 path, ${what}: backward matches central finite differences (rel < 1e-3)`, async () => {
    // The C fp32 backward (float) against finite differences of an independent fp64 forward pass
    // (test/helpers/reference-net.ts) at the same weights, on every parameter group.
    const p = await prepareSynthetic(text || randomConfig(seed, '    biases: all'), { train: 2, test: 1, seed });
    if (text) assert.ok(p.net.convs.some((c) => c.kh !== c.kw), 'the network has non-square kernels');
    // He init starts biases at exactly 0, so a unit whose inputs are all zero (padding, a dead
    // channel) sits exactly on its ReLU6 kink, where float and fp64 may fall on either side.
    // Small random biases move every unit off its kink.
    const br = rng(seed + 100);
    for (const cv of p.float.convs) cv.b.forEach((_, i) => { cv.b[i] = 0.05 * (br() - 0.5); });
    writeFileSync(p.files.floatModel, encodeFloatModel(p.net, p.float));
    const r = await runJsonLines(fp32Tool(p.dir), ['grads', p.files.floatModel, p.files.trainF32, '0']);
    assert.equal(r.code, 0, r.stderr);
    const sample = p.split.train[0];
    const m = p.float;
    const loss = (): number => referenceLoss(p.net, m, sample.pixels, sample.label);
    const base = loss();
    assert.ok(Math.abs(base - Number(r.lines[0].loss)) < 1e-4 * Math.max(1, base), `C loss ${r.lines[0].loss} vs fp64 ${base}`);
    const rand = rng(seed);
    // Per parameter group, the norm-relative error ||analytic - fd|| / ||fd|| over the sampled
    // entries (a single entry whose unit sits within float rounding of a ReLU6 bound can differ
    // between the float backward and the fp64 forward; no step size can see such a kink).
    let worst = 0, checked = 0, kinks = 0;
    const check = (values: Float32Array, analytic: number[]): void => {
      const scale = Math.max(...analytic.map(Math.abs), 1e-12);
      const a: number[] = [], n: number[] = [];
      for (let s = 0; s < 12; s++) {
        const e = Math.floor(rand() * values.length);
        const saved = values[e];
        const eps = 1e-4;
        values[e] = saved + eps; const up = loss();
        values[e] = saved - eps; const down = loss();
        values[e] = saved;
        const fwd = (up - base) / eps, bwd = (base - down) / eps;
        if (Math.abs(fwd - bwd) > 1e-2 * Math.max(Math.abs(fwd), Math.abs(bwd), 1e-3 * scale)) { kinks++; continue; }
        a.push(analytic[e]);
        n.push((up - down) / (2 * eps));
        checked++;
      }
      const norm = Math.hypot(...n);
      if (a.length === 0 || norm < 1e-9) return;
      const rel = Math.hypot(...a.map((v, i) => v - n[i])) / norm;
      if (process.env.GRAD_DEBUG) console.log(rel.toExponential(2), a.map((v) => v.toExponential(3)).join(' '), '|', n.map((v) => v.toExponential(3)).join(' '));
      worst = Math.max(worst, rel);
    };
    for (const line of r.lines.slice(1)) {
      if (typeof line.conv === 'number') {
        check(m.convs[line.conv].w, line.dw as number[]);
        check(m.convs[line.conv].b, line.db as number[]);
      } else {
        check(m.fc.w, line.dw as number[]);
        check(m.fc.b, line.db as number[]);
      }
    }
    assert.ok(checked >= 150, `${checked} compared, ${kinks} at kinks`);
    assert.ok(worst < 1e-3, `worst group relative error ${worst} over ${checked} parameters (${kinks} at kinks left out)`);
  });
}

test('int8 program: parameter gradients match finite differences of the dequantized model', async () => {
  // Tolerance: the int8 forward rounds every activation to its int8 grid (half an LSB, about
  // 0.2 % of each tensor's range) and the dequantized fp32 model does not. Two effects follow:
  // a few percent of noise everywhere, and, at units within half an LSB of a ReLU6 or clamp
  // bound, a mask that passes the gradient where the float model blocks it (rounding lands the
  // value on the bound, which is not clamping). The second can move a single entry a lot on a
  // 4x4 map. So: over all sampled entries together, norm-relative error under 15 % and cosine
  // above 0.98; each parameter group's cosine above 0.9. A wrong gradient (a dropped mask, a
  // wrong scale, a transposed index) lands far outside these.
  const text = configText({
    input: [32, 32, 3], classes: 4, board: 'host',
    layers: [{ conv: { out: 8, kernel: 3, stride: 2 } }, { mbconv: { out: 8, kernel: 3, expand: 1 } }, { mbconv: { out: 12, kernel: 3, expand: 3, stride: 2 } }, { mbconv: { out: 12, kernel: 3, expand: 3 } }],
    update: '    biases: 7\n    weights:\n      6: 1\n      7: 1/2\n      3: 1/4',
  });
  const p = await prepareSynthetic(text, { train: 4, test: 2, seed: 21 });
  const c = compile(p.spec, { mode: 'deferred-updates' });
  const model = generateModelC(c, p.quant, { lr: 0.05, qas: true, seed: 1, modelHash: 1 });
  const program = buildTrainer(model, join(p.dir, 'grads'), { defines: ['TT_EXPORT_GRADIENTS'], extraSources: [join(import.meta.dirname, 'c', 'export_gradients.c')] });
  const run = await runJsonLines(program, [p.files.trainS8, p.files.testS8, '1', '']);
  assert.equal(run.code, 0, run.stderr);
  const grads = new Map(run.lines.filter((l) => l.grad).map((l) => [String(l.grad), l.values as number[]]));

  // The fp32 model the int8 one stands for, and the int8 input dequantized back to floats.
  const deq = dequantizeModel(p.net, p.quant);
  const q = p.quant.input;
  const x = Float32Array.from(p.split.train[0].pixels, (v) => q.scale * (Math.max(-128, Math.min(127, Math.round(v / q.scale) + q.zeroPoint)) - q.zeroPoint));
  const data = join(p.dir, 'fd.ttd');
  writeFileSync(data, encodeDataset(p.spec.model.input, [{ label: p.split.train[0].label, pixels: x }]));
  const tool = fp32Tool(p.dir);
  const lossWith = async (mutate: (m: FloatModel) => void): Promise<number> => {
    const m: FloatModel = { convs: deq.convs.map((cv) => ({ w: cv.w.slice(), b: cv.b.slice() })), fc: { w: deq.fc.w.slice(), b: deq.fc.b.slice() } };
    mutate(m);
    const file = join(p.dir, 'fd.ttf');
    writeFileSync(file, encodeFloatModel(p.net, m));
    const r = await runJsonLines(tool, ['loss', file, data, '0']);
    return Number(r.lines[0].loss);
  };
  // One-sided differences on both sides: where they disagree, the dequantized model's loss has
  // a kink within the step (a ReLU6 or a clamp crossed, e.g. a dead channel whose output is its
  // bias at 0), so finite differences say nothing there; such entries are left out (NaN) and
  // counted. Elsewhere the central difference is the reference.
  let kinks = 0;
  const base = await lossWith(() => {});
  const fd = async (mutate: (m: FloatModel, d: number) => void, eps: number): Promise<number> => {
    const up = (await lossWith((m) => mutate(m, eps)) - base) / eps;
    const down = (base - await lossWith((m) => mutate(m, -eps))) / eps;
    if (Math.abs(up - down) > 0.05 * Math.max(Math.abs(up), Math.abs(down), 1e-3)) { kinks++; return NaN; }
    return (up + down) / 2;
  };

  const groups: { name: string; analytic: number[]; numeric: number[] }[] = [];
  const r = rng(5);
  for (const conv of p.net.convs) {
    const u = c.update.convs[conv.index];
    if (u.bias) {
      const g = grads.get(`d${conv.name}.bias`);
      assert.ok(g, `gradient of ${conv.name}.bias exported`);
      const group = { name: `${conv.name}.bias`, analytic: [] as number[], numeric: [] as number[] };
      for (let o = 0; o < Math.min(conv.cout, 6); o++) {
        group.analytic.push(g[o]);
        group.numeric.push(await fd((m, d) => { m.convs[conv.index].b[o] += d; }, 1e-2));
      }
      groups.push(group);
    }
    if (u.k > 0) {
      const g = grads.get(`d${conv.name}.weight`)!;
      const group = { name: `${conv.name}.weight[:${u.k}]`, analytic: [] as number[], numeric: [] as number[] };
      const kk = conv.kh * conv.kw;
      for (let s = 0; s < 6; s++) {
        if (conv.depthwise) {
          const ch = Math.floor(r() * u.k), pos = Math.floor(r() * kk);
          group.analytic.push(g[ch * kk + pos]);
          group.numeric.push(await fd((m, d) => { m.convs[conv.index].w[ch * kk + pos] += d; }, 1e-2));
        } else {
          const o = Math.floor(r() * conv.cout), pos = Math.floor(r() * kk), i = Math.floor(r() * u.k);
          group.analytic.push(g[(o * kk + pos) * u.k + i]);
          group.numeric.push(await fd((m, d) => { m.convs[conv.index].w[(o * kk + pos) * conv.cin + i] += d; }, 1e-2));
        }
      }
      groups.push(group);
    }
  }
  const gw = grads.get('dclassifier.weight')!;
  const fcGroup = { name: 'classifier.weight', analytic: [] as number[], numeric: [] as number[] };
  for (let s = 0; s < 8; s++) {
    const e = Math.floor(r() * gw.length);
    fcGroup.analytic.push(gw[e]);
    fcGroup.numeric.push(await fd((m, d) => { m.fc.w[e] += d; }, 1e-2));
  }
  groups.push(fcGroup);

  const report: string[] = [];
  const all = { analytic: [] as number[], numeric: [] as number[] };
  for (const g0 of groups) {
    const keep = g0.numeric.map((v) => !Number.isNaN(v));
    const g = { name: g0.name, analytic: g0.analytic.filter((_, i) => keep[i]), numeric: g0.numeric.filter((_, i) => keep[i]) };
    if (g.analytic.length === 0) continue;
    const dot = g.analytic.reduce((s, a, i) => s + a * g.numeric[i], 0);
    const na = Math.hypot(...g.analytic), nn = Math.hypot(...g.numeric);
    const diff = Math.hypot(...g.analytic.map((a, i) => a - g.numeric[i]));
    if (nn < 1e-6 && na < 1e-6) continue; // a group the sample does not reach
    const rel = diff / Math.max(nn, 1e-9);
    const cos = dot / Math.max(na * nn, 1e-12);
    report.push(`${g.name}: rel ${rel.toFixed(4)} cos ${cos.toFixed(4)}`);
    if (process.env.GRAD_DEBUG) console.log(g.name, g.analytic.map((v) => v.toFixed(5)).join(' '), '|', g.numeric.map((v) => v.toFixed(5)).join(' '));
    assert.ok(cos > 0.9, `${g.name}: cosine ${cos.toFixed(3)}\n${report.join('\n')}`);
    // Groups enter the overall measure normalised, so small-gradient groups count as much.
    const scale = 1 / Math.max(nn, 1e-9);
    all.analytic.push(...g.analytic.map((v) => v * scale));
    all.numeric.push(...g.numeric.map((v) => v * scale));
  }
  console.log(report.join('\n'));
  const relAll = Math.hypot(...all.analytic.map((a, i) => a - all.numeric[i])) / Math.hypot(...all.numeric);
  const cosAll = all.analytic.reduce((t, a, i) => t + a * all.numeric[i], 0) / (Math.hypot(...all.analytic) * Math.hypot(...all.numeric));
  report.push(`all sampled entries: rel ${relAll.toFixed(4)} cos ${cosAll.toFixed(4)}`);
  assert.ok(relAll < 0.15 && cosAll > 0.98, report.join('\n'));
  assert.ok(report.length >= 6, report.join('\n'));
  const sampled = groups.reduce((n, g) => n + g.numeric.length, 0);
  report.push(`entries at kinks (left out): ${kinks} of ${sampled}`);
  assert.ok(kinks <= sampled / 4, report.join('\n'));
});
