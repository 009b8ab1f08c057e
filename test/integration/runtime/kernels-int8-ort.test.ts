// Int8 forward kernels (runtime/kernels) against ONNX Runtime, within 1 LSB.
//
// Each case draws random int8 inputs and weights, per-output-channel weight scales and an int32
// bias, runs the C kernel through test/integration/runtime/c/op_runner.c (built with gcc) and the
// same layer as an ONNX model built here with protobufjs and run by onnxruntime-node:
//  - linear convs (standard, depthwise via group = C, pointwise): QLinearConv with a 1-D
//    per-channel w_scale (the integer operator itself);
//  - ReLU6 convs: QDQ form DequantizeLinear -> Conv -> Clip(0, 6) -> QuantizeLinear. An explicit
//    Clip is used instead of choosing z_y/s_y so that the int8 range coincides with [0, 6]:
//    that choice would make the ReLU6 clamp indistinguishable from plain saturation and leave the
//    lo = max(-128, z_y), hi = min(127, z_y + round(6/s_y)) rule untested. Here z_y > -128 and
//    z_y + round(6/s_y) < 127, so both ReLU6 bounds are strictly inside the int8 range and the
//    pre-activations (calibrated to about +-9 real) hit both of them;
//  - add: QLinearAdd (com.microsoft contrib op of ONNX Runtime);
//  - global average pool: DequantizeLinear -> GlobalAveragePool -> QuantizeLinear.
// Graph optimizations are disabled so ONNX Runtime executes exactly these nodes.
// The clamp masks are checked against an exact integer-accumulator oracle in TypeScript.
// Sparse-update slices: with k > 0 the driver moves the first k input channels into an SRAM
// slice and corrupts them in the flash copy (likewise for the bias), so reading the wrong copy
// fails the comparison.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { buildDriver, type Built } from './lib/cbuild.js';
import { buildModel, DT, tF32, tI32, tI8, type NodeSpec, type TensorInit } from './lib/onnx.js';
import { accConv, centredGeom, f32str, hwcToNchw, mulberry32, nchwToHwc, ohwiToOihw, outSizePadded, randInt, rne, type Geom } from './lib/qref.js';

let drv: Built;
const stats = { compared: 0, offByOne: 0, maxDiff: 0, maskBits: 0, maskAmbiguous: 0, clampedSeen: 0 };
const perOp = new Map<string, { n: number; off: number }>();

before(() => { drv = buildDriver('op_runner.c'); });
after(() => {
  drv?.cleanup();
  console.log(`[int8 vs ORT] ${stats.compared} outputs compared: max |C - ORT| = ${stats.maxDiff} LSB, ` +
    `${stats.offByOne} off by one (${((100 * stats.offByOne) / Math.max(1, stats.compared)).toFixed(2)} %); ` +
    `${stats.maskBits} mask bits checked (${stats.clampedSeen} clamped, ${stats.maskAmbiguous} at a rounding tie ignored); ` +
    `off by one per op: ${[...perOp].map(([k, v]) => `${k} ${v.off}/${v.n}`).join(', ')}`);
});

function runOp(input: string): { y: number[]; mask: number[] } {
  const r = spawnSync(drv.exe, [], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `op_runner failed: ${r.stderr}`);
  const out = { y: [] as number[], mask: [] as number[] };
  for (const line of r.stdout.split('\n')) {
    const [tag, ...vals] = line.trim().split(/\s+/);
    if (tag === 'y') out.y = vals.map(Number);
    if (tag === 'mask') out.mask = vals.map(Number);
  }
  return out;
}

async function runOrt(model: Uint8Array, feeds: Record<string, ort.Tensor>, outName: string): Promise<number[]> {
  const s = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
  const r = await s.run(feeds);
  return Array.from(r[outName].data as Int8Array);
}

function compare(label: string, c: number[], ref: number[]): void {
  assert.equal(c.length, ref.length, `${label}: length`);
  let worst = 0, at = -1;
  for (let i = 0; i < c.length; i++) {
    const d = Math.abs(c[i] - ref[i]);
    if (d > worst) { worst = d; at = i; }
    if (d === 1) stats.offByOne++;
  }
  stats.compared += c.length;
  const key = label.split(' ')[0];
  const po = perOp.get(key) ?? { n: 0, off: 0 };
  po.n += c.length;
  for (let i = 0; i < c.length; i++) if (Math.abs(c[i] - ref[i]) === 1) po.off++;
  perOp.set(key, po);
  stats.maxDiff = Math.max(stats.maxDiff, worst);
  assert.ok(worst <= 1, `${label}: |C - ORT| = ${worst} LSB at ${at} (C ${c[at]}, ORT ${ref[at]})`);
}

/** mask oracle: bit = 1 iff lo <= rne(acc*m) + z_y <= hi, skipping exact rounding ties near a bound. */
function checkMask(label: string, mask: number[], acc: number[], m: (e: number) => number, zy: number, lo: number, hi: number): void {
  for (let e = 0; e < acc.length; e++) {
    const v = acc[e] * m(e) + zy;
    const bit = (mask[e >> 3] >> (e & 7)) & 1;
    if (Math.abs(v - (hi + 0.5)) < 1e-4 || Math.abs(v - (lo - 0.5)) < 1e-4) { stats.maskAmbiguous++; continue; }
    const r = rne(acc[e] * m(e)) + zy;
    const want = r >= lo && r <= hi ? 1 : 0;
    stats.maskBits++;
    if (!want) stats.clampedSeen++;
    assert.equal(bit, want, `${label}: mask bit ${e} (value ${v.toFixed(3)}, range [${lo}, ${hi}])`);
  }
}

type Kind = 'conv' | 'dw' | 'pw';
const dwResults = new Map<number, { y: number[]; mask: number[] }>();
/** k, s: a square kernel with centred "same" padding; g (when given) the whole geometry instead. */
interface ConvCase { kind: Kind; h: number; w: number; cin: number; cout: number; k: number; s: number; g?: Geom; relu6: boolean; slice: number; sramBias: boolean; inplace?: boolean; seed: number; }

async function convCase(cc: ConvCase): Promise<void> {
  const r = mulberry32(cc.seed);
  const { kind, h, w, cin, relu6 } = cc;
  const g = cc.g ?? centredGeom(h, w, cc.k, cc.s);
  const { kh, kw } = g;
  const cout = kind === 'dw' ? cin : cc.cout;
  const groups = kind === 'dw' ? cin : 1;
  const cg = cin / groups;
  const ho = outSizePadded(h, kh, g.sh, g.pt, g.pb), wo = outSizePadded(w, kw, g.sw, g.pl, g.pr);
  const sx = Math.fround(0.02 + 0.05 * r()), zx = randInt(r, -30, 30);
  const x = Array.from({ length: h * w * cin }, () => randInt(r, -128, 127));
  const wq = Array.from({ length: cout * kh * kw * cg }, () => randInt(r, -127, 127));
  const b = Array.from({ length: cout }, () => randInt(r, -4000, 4000));
  const acc = accConv(x, h, w, cin, zx, wq, b, cout, g, groups);
  // per-channel weight scale: channel o's largest |pre-activation| is about `target` (real)
  const target = relu6 ? 9 : 4;
  const sw: number[] = [];
  for (let o = 0; o < cout; o++) {
    let mx = 1;
    for (let p = 0; p < ho * wo; p++) mx = Math.max(mx, Math.abs(acc[p * cout + o]));
    sw.push(Math.fround((target * (0.7 + 0.3 * r())) / (sx * mx)));
  }
  let sy: number, zy: number;
  if (relu6) {
    sy = Math.fround(0.0275); zy = -110; // ReLU6 range [-110, -110 + 218 = 108], inside [-128, 127]
  } else {
    // linear: s_y from the 3rd..97th percentile of the real outputs, so about 3 % saturate per side
    const real = acc.map((a, e) => a * sx * sw[e % cout]).sort((p, q) => p - q);
    const p3 = real[Math.floor(0.03 * real.length)], p97 = real[Math.floor(0.97 * real.length)];
    sy = Math.fround((p97 - p3) / 255);
    zy = Math.max(-128, Math.min(127, Math.round(-128 - p3 / sy)));
  }
  const lo = relu6 ? Math.max(-128, zy) : -128;
  const hi = relu6 ? Math.min(127, zy + rne(Math.fround(6 / sy))) : 127;
  assert.ok(!relu6 || (lo > -128 && hi < 127), 'ReLU6 bounds must be strictly inside the int8 range');

  // C kernel
  const sliceK = Math.min(cc.slice, cin);
  const geo = `${kh} ${kw} ${g.sh} ${g.sw} ${g.pt} ${g.pl} ${g.pb} ${g.pr}`;
  const head = kind === 'conv'
    ? `conv ${h} ${w} ${cin} ${cout} ${geo} ${relu6 ? 1 : 0} ${f32str(sx)} ${zx} ${f32str(sy)} ${zy} ${sliceK} ${cc.sramBias ? 1 : 0}`
    : kind === 'pw'
      ? `pw ${h} ${w} ${cin} ${cout} ${relu6 ? 1 : 0} ${f32str(sx)} ${zx} ${f32str(sy)} ${zy} ${sliceK} ${cc.sramBias ? 1 : 0}`
      : `dw ${h} ${w} ${cin} ${geo} ${relu6 ? 1 : 0} ${f32str(sx)} ${zx} ${f32str(sy)} ${zy} ${sliceK} ${cc.sramBias ? 1 : 0} ${cc.inplace ? 1 : 0}`;
  const input = [head, sw.map(f32str).join(' '), x.join(' '), wq.join(' '), b.join(' ')].join('\n') + '\n';
  const c = runOp(input);
  if (kind === 'dw') {
    // the in-place variant must be bit-identical to the out-of-place kernel (same seed => same data)
    const other = dwResults.get(cc.seed);
    if (other) {
      assert.deepEqual(c.y, other.y, 'in-place and out-of-place depthwise outputs differ');
      const n = ho * wo * cout;
      for (let e = 0; e < n; e++) assert.equal((c.mask[e >> 3] >> (e & 7)) & 1, (other.mask[e >> 3] >> (e & 7)) & 1, `mask bit ${e} differs`);
    } else dwResults.set(cc.seed, c);
  }

  // ONNX model (NCHW; weights OIHW, depthwise [C,1,k,k])
  const wDims = [cout, cg, kh, kw];
  const wOihw = kind === 'dw' ? wq : ohwiToOihw(wq, cout, kh, kw, cin);
  // ONNX pads: [top, left, bottom, right]; ONNX takes the output size from them as the kernel does
  const convAttrs = { kernel_shape: [kh, kw], pads: [g.pt, g.pl, g.pb, g.pr], strides: [g.sh, g.sw], group: groups };
  const inits: TensorInit[] = [
    tF32('xs', [], [sx]), tI8('xz', [], [zx]), tI8('w', wDims, wOihw), tF32('ws', [cout], sw), tI8('wz', [cout], new Array(cout).fill(0)),
    tF32('ys', [], [sy]), tI8('yz', [], [zy]), tI32('b', [cout], b),
  ];
  let nodes: NodeSpec[];
  if (!relu6) {
    nodes = [{ op: 'QLinearConv', inputs: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'], outputs: ['y'], attrs: convAttrs }];
  } else {
    inits.push(tF32('bs', [cout], sw.map((v) => Math.fround(sx * v))), tI32('bz', [cout], new Array(cout).fill(0)),
      tF32('c0', [], [0]), tF32('c6', [], [6]));
    nodes = [
      { op: 'DequantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xf'] },
      { op: 'DequantizeLinear', inputs: ['w', 'ws', 'wz'], outputs: ['wf'], attrs: { axis: 0 } },
      { op: 'DequantizeLinear', inputs: ['b', 'bs', 'bz'], outputs: ['bf'], attrs: { axis: 0 } },
      { op: 'Conv', inputs: ['xf', 'wf', 'bf'], outputs: ['cf'], attrs: convAttrs },
      { op: 'Clip', inputs: ['cf', 'c0', 'c6'], outputs: ['rf'] },
      { op: 'QuantizeLinear', inputs: ['rf', 'ys', 'yz'], outputs: ['y'] },
    ];
  }
  const model = buildModel({
    nodes, initializers: inits,
    inputs: [{ name: 'x', type: DT.INT8, dims: [1, cin, h, w] }],
    outputs: [{ name: 'y', type: DT.INT8, dims: [1, cout, ho, wo] }],
  });
  const yOrt = nchwToHwc(await runOrt(model, { x: new ort.Tensor('int8', Int8Array.from(hwcToNchw(x, h, w, cin)), [1, cin, h, w]) }, 'y'), ho, wo, cout);
  const label = `${kind} ${h}x${w}x${cin}->${cout} k${kh}x${kw} s${g.sh}x${g.sw} p${g.pt},${g.pl},${g.pb},${g.pr}${relu6 ? ' relu6' : ''} slice${sliceK}${cc.sramBias ? ' sram-bias' : ''}${cc.inplace ? ' in-place' : ''}`;
  compare(label, c.y, yOrt);
  for (const v of c.y) assert.ok(v >= lo && v <= hi, `${label}: output ${v} outside [${lo}, ${hi}]`);
  checkMask(label, c.mask, acc, (e) => (sx * sw[e % cout]) / sy, zy, lo, hi);
}

describe('int8 conv kernels vs ONNX Runtime (within 1 LSB)', () => {
  const cases: ConvCase[] = [
    { kind: 'conv', h: 16, w: 16, cin: 3, cout: 8, k: 3, s: 2, relu6: false, slice: 0, sramBias: false, seed: 1 },
    { kind: 'conv', h: 15, w: 13, cin: 3, cout: 8, k: 3, s: 2, relu6: true, slice: 2, sramBias: true, seed: 2 },
    { kind: 'conv', h: 9, w: 7, cin: 8, cout: 6, k: 5, s: 1, relu6: true, slice: 4, sramBias: true, seed: 3 },
    { kind: 'conv', h: 9, w: 9, cin: 5, cout: 7, k: 3, s: 2, relu6: false, slice: 2, sramBias: false, seed: 4 },
    { kind: 'conv', h: 6, w: 6, cin: 4, cout: 4, k: 7, s: 1, relu6: false, slice: 4, sramBias: false, seed: 5 },
    { kind: 'pw', h: 8, w: 8, cin: 16, cout: 24, k: 1, s: 1, relu6: false, slice: 8, sramBias: false, seed: 6 },
    { kind: 'pw', h: 5, w: 7, cin: 24, cout: 16, k: 1, s: 1, relu6: true, slice: 0, sramBias: true, seed: 7 },
  ];
  for (const inplace of [false, true]) {
    cases.push(
      { kind: 'dw', h: 12, w: 12, cin: 16, cout: 16, k: 3, s: 1, relu6: false, slice: 0, sramBias: false, inplace, seed: 10 },
      { kind: 'dw', h: 12, w: 12, cin: 16, cout: 16, k: 3, s: 2, relu6: true, slice: 8, sramBias: true, inplace, seed: 11 },
      { kind: 'dw', h: 11, w: 9, cin: 8, cout: 8, k: 7, s: 2, relu6: true, slice: 3, sramBias: false, inplace, seed: 12 },
      { kind: 'dw', h: 8, w: 8, cin: 12, cout: 12, k: 5, s: 1, relu6: false, slice: 12, sramBias: true, inplace, seed: 13 },
      { kind: 'dw', h: 7, w: 7, cin: 6, cout: 6, k: 3, s: 1, relu6: true, slice: 0, sramBias: false, inplace, seed: 14 },
      // 1-D (time on h, w = 1) depthwise, k7 stride 2; and TFLite SAME's asymmetric padding
      { kind: 'dw', h: 26, w: 1, cin: 8, cout: 8, k: 7, s: 2, g: { kh: 7, kw: 1, sh: 2, sw: 1, pt: 3, pl: 0, pb: 2, pr: 0 }, relu6: true, slice: 3, sramBias: true, inplace, seed: 15 },
      { kind: 'dw', h: 10, w: 9, cin: 4, cout: 4, k: 3, s: 2, g: { kh: 3, kw: 3, sh: 2, sw: 2, pt: 0, pl: 1, pb: 1, pr: 1 }, relu6: false, slice: 0, sramBias: false, inplace, seed: 16 },
    );
  }
  cases.push(
    // 1-D convs: [k, 1] kernels with a stride on the time axis only; non-square and even kernels
    { kind: 'conv', h: 32, w: 1, cin: 3, cout: 8, k: 5, s: 2, g: { kh: 5, kw: 1, sh: 2, sw: 1, pt: 2, pl: 0, pb: 1, pr: 0 }, relu6: true, slice: 2, sramBias: true, seed: 30 },
    { kind: 'conv', h: 20, w: 1, cin: 6, cout: 5, k: 9, s: 1, g: { kh: 9, kw: 1, sh: 1, sw: 1, pt: 4, pl: 0, pb: 4, pr: 0 }, relu6: false, slice: 0, sramBias: false, seed: 31 },
    { kind: 'conv', h: 11, w: 8, cin: 3, cout: 4, k: 3, s: 1, g: { kh: 3, kw: 5, sh: 1, sw: 2, pt: 1, pl: 2, pb: 1, pr: 1 }, relu6: true, slice: 1, sramBias: false, seed: 32 },
    { kind: 'conv', h: 12, w: 10, cin: 2, cout: 4, k: 4, s: 2, g: { kh: 4, kw: 2, sh: 2, sw: 1, pt: 1, pl: 0, pb: 1, pr: 1 }, relu6: false, slice: 0, sramBias: true, seed: 33 },
  );
  for (const cc of cases) {
    const win = cc.g ? `k${cc.g.kh}x${cc.g.kw} s${cc.g.sh}x${cc.g.sw} pad ${cc.g.pt},${cc.g.pl},${cc.g.pb},${cc.g.pr}` : `k${cc.k} s${cc.s}`;
    const name = `${cc.kind}${cc.inplace ? ' (in place)' : ''} ${cc.h}x${cc.w}x${cc.cin}->${cc.kind === 'dw' ? cc.cin : cc.cout} ${win}` +
      `${cc.relu6 ? ' relu6' : ' linear'}${cc.slice ? ` sram slice k=${cc.slice}` : ''}${cc.sramBias ? ' sram bias' : ''}`;
    test(name, async () => { await convCase(cc); });
  }
});

describe('int8 add and pool vs ONNX Runtime (within 1 LSB)', () => {
  const addCases = [
    { n: 600, sa: 0.05, za: -10, sb: 0.03, zb: 20, sy: 0.06, zy: 5, seed: 21 },
    { n: 333, sa: 0.1, za: 0, sb: 0.02, zb: -100, sy: 0.045, zy: -30, seed: 22 }, // saturates often
    { n: 257, sa: 0.0275, za: -110, sb: 0.0275, zb: -110, sy: 0.05, zy: -128, seed: 23 },
  ];
  for (const ac of addCases) {
    test(`add n=${ac.n} s_a=${ac.sa} z_a=${ac.za} s_b=${ac.sb} z_b=${ac.zb} -> s_y=${ac.sy} z_y=${ac.zy}`, async () => {
      const r = mulberry32(ac.seed);
      const a = Array.from({ length: ac.n }, () => randInt(r, -128, 127));
      const b = Array.from({ length: ac.n }, () => randInt(r, -128, 127));
      const [sa, sb, sy] = [ac.sa, ac.sb, ac.sy].map(Math.fround);
      const c = runOp(`add ${ac.n} ${f32str(sa)} ${ac.za} ${f32str(sb)} ${ac.zb} ${f32str(sy)} ${ac.zy}\n${a.join(' ')}\n${b.join(' ')}\n`);
      const model = buildModel({
        msOpset: true,
        nodes: [{ op: 'QLinearAdd', domain: 'com.microsoft', inputs: ['a', 'as', 'az', 'b', 'bs', 'bz', 'ys', 'yz'], outputs: ['y'] }],
        initializers: [tF32('as', [], [sa]), tI8('az', [], [ac.za]), tF32('bs', [], [sb]), tI8('bz', [], [ac.zb]), tF32('ys', [], [sy]), tI8('yz', [], [ac.zy])],
        inputs: [{ name: 'a', type: DT.INT8, dims: [ac.n] }, { name: 'b', type: DT.INT8, dims: [ac.n] }],
        outputs: [{ name: 'y', type: DT.INT8, dims: [ac.n] }],
      });
      const yOrt = await runOrt(model, {
        a: new ort.Tensor('int8', Int8Array.from(a), [ac.n]), b: new ort.Tensor('int8', Int8Array.from(b), [ac.n]),
      }, 'y');
      compare('add', c.y, yOrt);
      // Away from exact .5 ties (frequent here: e.g. s_a/s_y = 5/6 and s_b/s_y = 1/2) the C kernel
      // must equal the exactly rounded result computed in double.
      for (let i = 0; i < ac.n; i++) {
        const v = (sa * (a[i] - ac.za) + sb * (b[i] - ac.zb)) / sy;
        if (Math.abs(v - Math.floor(v) - 0.5) < 1e-4) continue;
        const q = Math.max(-128, Math.min(127, rne(v) + ac.zy));
        assert.equal(c.y[i], q, `add: element ${i} (exact value ${v.toFixed(5)} + ${ac.zy})`);
      }
      // mask: 1 where the sum was representable
      const acc = a.map((v, i) => (sa * (v - ac.za) + sb * (b[i] - ac.zb)) / sy);
      checkMask('add', c.mask, acc, () => 1, ac.zy, -128, 127);
    });
  }
  const poolCases = [
    { h: 4, w: 4, c: 32, sx: 0.05, zx: -20, sy: 0.02, zy: 3, seed: 31 },
    { h: 7, w: 7, c: 16, sx: 0.03, zx: 10, sy: 0.01, zy: -5, seed: 32 },
    { h: 2, w: 2, c: 64, sx: 0.04, zx: 0, sy: 0.04, zy: 0, seed: 33 }, // many exact .5 ties
  ];
  for (const pc of poolCases) {
    test(`global average pool ${pc.h}x${pc.w}x${pc.c}`, async () => {
      const r = mulberry32(pc.seed);
      const { h, w, c: ch } = pc;
      const x = Array.from({ length: h * w * ch }, () => randInt(r, -128, 127));
      const [sx, sy] = [pc.sx, pc.sy].map(Math.fround);
      const c = runOp(`pool ${h} ${w} ${ch} ${f32str(sx)} ${pc.zx} ${f32str(sy)} ${pc.zy}\n${x.join(' ')}\n`);
      const model = buildModel({
        nodes: [
          { op: 'DequantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xf'] },
          { op: 'GlobalAveragePool', inputs: ['xf'], outputs: ['pf'] },
          { op: 'QuantizeLinear', inputs: ['pf', 'ys', 'yz'], outputs: ['y'] },
        ],
        initializers: [tF32('xs', [], [sx]), tI8('xz', [], [pc.zx]), tF32('ys', [], [sy]), tI8('yz', [], [pc.zy])],
        inputs: [{ name: 'x', type: DT.INT8, dims: [1, ch, h, w] }],
        outputs: [{ name: 'y', type: DT.INT8, dims: [1, ch, 1, 1] }],
      });
      const yOrt = await runOrt(model, { x: new ort.Tensor('int8', Int8Array.from(hwcToNchw(x, h, w, ch)), [1, ch, h, w]) }, 'y');
      compare('pool', c.y, yOrt);
    });
  }
});
