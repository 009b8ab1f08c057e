// A whole int8 network, generated C against ONNX Runtime (issue 4).
//
// For three small MobileNetV2-like configs: prepareSynthetic quantizes a He-initialised model
// (random int32 biases are then written into p.quant, see randomizeBiases), the generated int8
// program (tt_model.c around runtime/host/tt_train_main.c) runs inference on the int8 test set
// with --logits, and the SAME int8 network is built here as an ONNX graph from p.quant and run by
// onnxruntime-node on the same int8 inputs (one batch, NCHW):
//  - ReLU6 convs (conv, pw1, dw): QDQ form DequantizeLinear (input; weights and int32 bias
//    per output channel, axis 0) -> Conv -> Clip(0, 6) -> QuantizeLinear;
//  - linear projections (pw2): QLinearConv with a 1-D per-channel w_scale;
//  - residual adds: QLinearAdd (com.microsoft);
//  - global average pool: DequantizeLinear -> GlobalAveragePool -> QuantizeLinear (int8 output);
//  - classifier: DequantizeLinear (pool; weights per row; bias) -> Flatten -> Gemm(transB).
// These are the node forms test/integration/runtime/kernels-int8-ort.test.ts checks kernel by
// kernel (its ONNX builder and layout helpers are imported, not copied); graph optimizations are
// disabled so ONNX Runtime executes exactly these nodes.
//
// What is compared, and why the pool output itself rather than logits: the int8 output of the
// global average pool is the last int8 tensor of the network and depends on every conv, add and
// requantization before it, so it is compared element by element and must be within 1 LSB.
// Comparing only logits recomputed from ORT's pooled vector would not do: a 1-LSB difference in
// pool element i moves logit o by s_x*s_w[o]*W[o][i], which cannot be told apart from a larger
// difference elsewhere, so neither the max difference nor the number of 1-LSB differences could be
// reported. tt_model.h exposes only the input tensor, so the program prints the pool's bytes with
// `--tensor <offset> <count>`, the offset taken from the memory plan (pool buffer minus input
// buffer). Two checks make sure those bytes are the real pool output: the plan shows that no op
// tt_infer runs after the pool (only the classifier) writes over it, and the float logits the C
// program printed are recomputed here bit-exactly from the printed pool with the int8 classifier
// (tt_fc_s8's formula). When the plan leaves it intact, the last backbone feature map (the pool's
// input) is compared too, which shows whether 1-LSB differences were hidden by the averaging.
// The predicted classes of C and ONNX Runtime (argmax of ORT's float Gemm logits) must agree on
// every sample.
//
// Measured (3 configs x 64 samples): pool 0 of 3,840 elements differ, feature maps 0 of 31,488,
// predictions agree 192/192, logits within 2e-7 of ORT's Gemm. Changing one conv's weight scales
// by 0.3 % in the ONNX graph alone gives differences of up to 5 LSB, so the test is sensitive.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildHostTrainer } from '../../../training/host-train.js';
import { runJsonLines } from '../../../training/host-programs.js';
import { prepareSynthetic } from '../../../training/synthetic.js';
import type { Prepared } from '../../../training/prepare.js';
import { buildModel, DT, tF32, tI32, tI8, type NodeSpec, type TensorInit } from '../runtime/lib/onnx.js';
import { hwcToNchw, mulberry32, nchwToHwc, ohwiToOihw } from '../runtime/lib/qref.js';

// Three MobileNetV2-like backbones in the config language (docs/config-language.md): a stride-2
// conv, an expand-1 mbconv (residual when in == out), expand 3-4 mbconvs with strides 1 and 2,
// residual blocks, kernels 3 and 5.
const CONFIGS: { name: string; seed: number; text: string }[] = [
  {
    name: 'rgb16-4cls', seed: 11, text: `model:
  name: ort-a
  input: [16, 16, 3]
  classes: 4
  layers:
    - conv:   { out: 8, kernel: 3, stride: 2 }
    - mbconv: { out: 8, kernel: 3, expand: 1 }             # residual
    - mbconv: { out: 16, kernel: 3, expand: 4, stride: 2 }
    - mbconv: { out: 16, kernel: 3, expand: 3 }            # residual
    - mbconv: { out: 24, kernel: 5, expand: 3, stride: 2 }
target:
  board: stm32f746
train:
  schedule: whole-tensors        # the --tensor dumps are offsets from the input tensor in the arena
  update:
    biases: 0
`,
  },
  {
    name: 'gray20-3cls', seed: 22, text: `model:
  name: ort-b
  input: [20, 20, 1]
  classes: 3
  layers:
    - conv:   { out: 8, kernel: 3, stride: 2 }
    - mbconv: { out: 8, kernel: 3, expand: 1 }             # residual
    - mbconv: { out: 12, kernel: 3, expand: 3, stride: 2 }
    - mbconv: { out: 12, kernel: 5, expand: 4 }            # residual
    - mbconv: { out: 12, kernel: 3, expand: 3 }            # residual
target:
  board: stm32f405
train:
  schedule: whole-tensors        # the --tensor dumps are offsets from the input tensor in the arena
  update:
    biases: 0
`,
  },
  {
    name: 'rgb16-5cls', seed: 33, text: `model:
  name: ort-c
  input: [16, 16, 3]
  classes: 5
  layers:
    - conv:   { out: 16, kernel: 3, stride: 2 }
    - mbconv: { out: 8, kernel: 3, expand: 1 }             # no residual: 16 -> 8
    - mbconv: { out: 16, kernel: 5, expand: 4, stride: 2 }
    - mbconv: { out: 16, kernel: 3, expand: 3 }            # residual
    - mbconv: { out: 24, kernel: 3, expand: 4, stride: 2 }
    - mbconv: { out: 24, kernel: 3, expand: 3 }            # residual
target:
  board: nrf52840
train:
  schedule: whole-tensors        # the --tensor dumps are offsets from the input tensor in the arena
  update:
    biases: 0
`,
  },
];

const TRAIN = 48; // calibration samples
const TEST = 64;  // compared samples

let root: string;
const perConfig: string[] = [];

before(() => {
  root = mkdtempSync(join(tmpdir(), 'tinytrain-whole-ort-'));
});
after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  console.log(`[whole int8 network, C vs ORT] global-pool output: ${totals.pool}; last feature map (a check beyond the brief): ${totals.feat}; ` +
    `predicted classes agree on ${totals.agree}/${totals.samples} samples; max |C logit - ORT Gemm logit| (samples with equal pools) = ${totals.ortLogitMaxAbs.toExponential(2)}` +
    `\n  ${perConfig.join('\n  ')}`);
});

/** The TTD1 int8 dataset (compiler/weights/files.ts encodeDataset): labels and HWC pixels. */
function readDatasetS8(path: string): { n: number; h: number; w: number; c: number; labels: number[]; pixels: Int8Array } {
  const buf = readFileSync(path);
  assert.equal(buf.toString('ascii', 0, 4), 'TTD1');
  const [n, h, w, c, dtype] = [0, 1, 2, 3, 4].map((i) => buf.readUInt32LE(4 + 4 * i));
  assert.equal(dtype, 1, 'an int8 dataset');
  const per = h * w * c;
  const labels: number[] = [];
  const pixels = new Int8Array(n * per);
  let pos = 24;
  for (let s = 0; s < n; s++) {
    labels.push(buf.readInt32LE(pos)); pos += 4;
    pixels.set(new Int8Array(buf.buffer, buf.byteOffset + pos, per), s * per); pos += per;
  }
  return { n, h, w, c, labels, pixels };
}

/** The int8 network of p.quant as an ONNX graph: input x [n, C, H, W] int8 -> outputs features
 * (the last backbone tensor, int8 [n, C, H, W]), pool (int8 [n, C, 1, 1]) and logits ([n, classes]). */
function onnxNetwork(p: Prepared, n: number): Uint8Array {
  const { net, quant: q } = p;
  const nodes: NodeSpec[] = [];
  const inits: TensorInit[] = [];
  const f = Math.fround;
  // int8 tensor name -> its scale / zero point initializer names
  const qNames = new Map<string, { s: string; z: string }>();
  const addQ = (tensor: string, scale: number, zp: number): void => {
    inits.push(tF32(`${tensor}_s`, [], [scale]), tI8(`${tensor}_z`, [], [zp]));
    qNames.set(tensor, { s: `${tensor}_s`, z: `${tensor}_z` });
  };
  const qn = (tensor: string): { s: string; z: string } => qNames.get(tensor)!;
  const scaleOf = new Map<string, number>();
  addQ('x', q.input.scale, q.input.zeroPoint);
  scaleOf.set('x', q.input.scale);
  let cur = 'x';
  net.blocks.forEach((block, bi) => {
    const blockIn = cur;
    for (const conv of block.convs) {
      const qc = q.convs[conv.index];
      const t = `c${conv.index}`;
      const { kh, kw, pad } = conv;
      const attrs = { kernel_shape: [kh, kw], pads: [pad.top, pad.left, pad.bottom, pad.right], strides: [conv.sh, conv.sw], group: conv.depthwise ? conv.cin : 1 };
      // weights OIHW; depthwise [c][kh][kw] is already [C, 1, kh, kw]
      const wDims = conv.depthwise ? [conv.cout, 1, kh, kw] : [conv.cout, conv.cin, kh, kw];
      const w = conv.depthwise ? Array.from(qc.w) : ohwiToOihw(qc.w, conv.cout, kh, kw, conv.cin);
      const sx = scaleOf.get(cur)!;
      inits.push(tI8(`${t}_w`, wDims, w), tF32(`${t}_ws`, [conv.cout], qc.sw), tI8(`${t}_wz`, [conv.cout], new Array(conv.cout).fill(0)), tI32(`${t}_b`, [conv.cout], qc.b));
      addQ(t, qc.out.scale, qc.out.zeroPoint);
      scaleOf.set(t, qc.out.scale);
      if (conv.act === 'relu6') {
        inits.push(tF32(`${t}_bs`, [conv.cout], Array.from(qc.sw, (v) => f(f(sx) * v))), tI32(`${t}_bz`, [conv.cout], new Array(conv.cout).fill(0)));
        nodes.push(
          { op: 'DequantizeLinear', inputs: [cur, qn(cur).s, qn(cur).z], outputs: [`${t}_xf`] },
          { op: 'DequantizeLinear', inputs: [`${t}_w`, `${t}_ws`, `${t}_wz`], outputs: [`${t}_wf`], attrs: { axis: 0 } },
          { op: 'DequantizeLinear', inputs: [`${t}_b`, `${t}_bs`, `${t}_bz`], outputs: [`${t}_bf`], attrs: { axis: 0 } },
          { op: 'Conv', inputs: [`${t}_xf`, `${t}_wf`, `${t}_bf`], outputs: [`${t}_cf`], attrs },
          { op: 'Clip', inputs: [`${t}_cf`, 'zero_f', 'six_f'], outputs: [`${t}_rf`] },
          { op: 'QuantizeLinear', inputs: [`${t}_rf`, qn(t).s, qn(t).z], outputs: [t] },
        );
      } else {
        nodes.push({ op: 'QLinearConv', inputs: [cur, qn(cur).s, qn(cur).z, `${t}_w`, `${t}_ws`, `${t}_wz`, qn(t).s, qn(t).z, `${t}_b`], outputs: [t], attrs });
      }
      cur = t;
    }
    if (block.residual) {
      const qa = q.adds[bi]!;
      const t = `add${bi}`;
      addQ(t, qa.scale, qa.zeroPoint);
      scaleOf.set(t, qa.scale);
      nodes.push({ op: 'QLinearAdd', domain: 'com.microsoft', inputs: [blockIn, qn(blockIn).s, qn(blockIn).z, cur, qn(cur).s, qn(cur).z, qn(t).s, qn(t).z], outputs: [t] });
      cur = t;
    }
  });
  const { cin, classes } = net.classifier;
  addQ('pool', q.pool.scale, q.pool.zeroPoint);
  inits.push(tF32('zero_f', [], [0]), tF32('six_f', [], [6]),
    tI8('fc_w', [classes, cin], q.fc.w), tF32('fc_ws', [classes], q.fc.sw), tI8('fc_wz', [classes], new Array(classes).fill(0)),
    tI32('fc_b', [classes], q.fc.b), tF32('fc_bs', [classes], Array.from(q.fc.sw, (v) => f(f(q.pool.scale) * v))), tI32('fc_bz', [classes], new Array(classes).fill(0)));
  nodes.push(
    { op: 'DequantizeLinear', inputs: [cur, qn(cur).s, qn(cur).z], outputs: ['feat_f'] },
    { op: 'GlobalAveragePool', inputs: ['feat_f'], outputs: ['pool_avg'] },
    { op: 'QuantizeLinear', inputs: ['pool_avg', qn('pool').s, qn('pool').z], outputs: ['pool'] },
    { op: 'DequantizeLinear', inputs: ['pool', qn('pool').s, qn('pool').z], outputs: ['pool_f4'] },
    { op: 'Flatten', inputs: ['pool_f4'], outputs: ['pool_f'], attrs: { axis: 1 } },
    { op: 'DequantizeLinear', inputs: ['fc_w', 'fc_ws', 'fc_wz'], outputs: ['fc_wf'], attrs: { axis: 0 } },
    { op: 'DequantizeLinear', inputs: ['fc_b', 'fc_bs', 'fc_bz'], outputs: ['fc_bf'], attrs: { axis: 0 } },
    { op: 'Gemm', inputs: ['pool_f', 'fc_wf', 'fc_bf'], outputs: ['logits'], attrs: { transB: 1 } },
    { op: 'Identity', inputs: [cur], outputs: ['features'] },
  );
  const fs = net.featureShape;
  return buildModel({
    msOpset: true, nodes, initializers: inits,
    inputs: [{ name: 'x', type: DT.INT8, dims: [n, net.input.c, net.input.h, net.input.w] }],
    outputs: [
      { name: 'features', type: DT.INT8, dims: [n, fs.c, fs.h, fs.w] },
      { name: 'pool', type: DT.INT8, dims: [n, cin, 1, 1] },
      { name: 'logits', type: DT.FLOAT, dims: [n, classes] },
    ],
  });
}

/** tt_fc_s8: logits[o] = s_x * s_w[o] * (float)(b[o] + sum_i W[o][i] * (x[i] - z_x)), in float32. */
function fcLogits(p: Prepared, x: ArrayLike<number>): number[] {
  const { cin, classes } = p.net.classifier;
  const f = Math.fround;
  const out: number[] = [];
  for (let o = 0; o < classes; o++) {
    let acc = p.quant.fc.b[o];
    for (let i = 0; i < cin; i++) acc += p.quant.fc.w[o * cin + i] * (x[i] - p.quant.pool.zeroPoint);
    out.push(f(f(f(p.quant.pool.scale) * p.quant.fc.sw[o]) * f(acc)));
  }
  return out;
}

/** He initialisation leaves every bias at zero, which would leave the int32 bias path out of the
 * comparison: give every conv and the classifier a random bias (real value within +-8 % of the
 * conv's calibrated output range, +-0.05 for a logit), written into p.quant, so that the generated
 * C and the ONNX graph, both built from p.quant afterwards, use it. */
function randomizeBiases(p: Prepared, seed: number): void {
  const r = mulberry32(seed);
  const { net, quant: q } = p;
  let sx = q.input.scale;
  for (const block of net.blocks) {
    for (const conv of block.convs) {
      const qc = q.convs[conv.index];
      const range = 255 * qc.out.scale;
      for (let o = 0; o < conv.cout; o++) qc.b[o] = Math.round(((2 * r() - 1) * 0.08 * range) / (sx * qc.sw[o]));
      sx = qc.out.scale;
    }
    if (block.residual) sx = q.adds[net.blocks.indexOf(block)]!.scale;
  }
  for (let o = 0; o < net.classifier.classes; o++) q.fc.b[o] = Math.round(((2 * r() - 1) * 0.05) / (q.pool.scale * q.fc.sw[o]));
}

/** First index of the largest value (tt_log_softmax_nll's argmax). */
function argmax(v: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i;
  return k;
}

/** Where int8 tensor t lies relative to the input tensor in the arena (the --tensor offset), or
 * a reason why its bytes cannot be read after tt_infer: an op that tt_infer runs after t was
 * written (forward ops in schedule order, as the generator emits them) writes over it. */
function arenaRange(p: Prepared, t: number): { offset: number; bytes: number } | { overwritten: string } {
  const { graph, memory } = p.compilation;
  const { schedule, arena } = memory;
  assert.equal(graph.tensors[t].dtype, 'int8');
  const infer = schedule.ops.filter((o) => o.phase === 'forward' && o.type !== 'save_slice');
  const producer = infer.findIndex((o) => o.outputs.includes(t));
  assert.ok(producer >= 0, `tensor ${graph.tensors[t].name} is written in tt_infer`);
  const b = schedule.bufferOf[t], start = arena.offsets[b], end = start + schedule.buffers[b].bytes;
  const overlaps = (buf: number): boolean => arena.offsets[buf] < end && arena.offsets[buf] + schedule.buffers[buf].bytes > start;
  for (const op of infer.slice(producer + 1)) {
    const ws = schedule.workspaceOf.get(op.id);
    if (op.outputs.some((o) => overlaps(schedule.bufferOf[o])) || (ws !== undefined && overlaps(ws))) return { overwritten: `${op.name} writes over it` };
  }
  return { offset: start - arena.offsets[schedule.bufferOf[0]], bytes: graph.tensors[t].shape.reduce((x, y) => x * y, 1) };
}

/** |C - ORT| statistics of one int8 tensor kind. */
class Diff {
  compared = 0; offByOne = 0; max = 0;
  readonly histogram = new Map<number, number>();
  add(c: ArrayLike<number>, ref: ArrayLike<number>): void {
    assert.equal(c.length, ref.length);
    for (let i = 0; i < c.length; i++) {
      const d = Math.abs(c[i] - ref[i]);
      this.histogram.set(d, (this.histogram.get(d) ?? 0) + 1);
      if (d === 1) this.offByOne++;
      this.max = Math.max(this.max, d);
    }
    this.compared += c.length;
  }
  merge(o: Diff): void {
    this.compared += o.compared; this.offByOne += o.offByOne; this.max = Math.max(this.max, o.max);
    for (const [d, k] of o.histogram) this.histogram.set(d, (this.histogram.get(d) ?? 0) + k);
  }
  toString(): string {
    return `max |C - ORT| = ${this.max} LSB, ${this.offByOne}/${this.compared} off by one ` +
      `(${((100 * this.offByOne) / Math.max(1, this.compared)).toFixed(2)} %), |diff| histogram ${[...this.histogram].sort((a, b) => a[0] - b[0]).map(([d, k]) => `${d}:${k}`).join(' ')}`;
  }
}

const totals = { pool: new Diff(), feat: new Diff(), samples: 0, agree: 0, ortLogitMaxAbs: 0 };

describe('whole int8 network: generated C vs ONNX Runtime', () => {
  for (const cfg of CONFIGS) {
    test(`${cfg.name}: global-pool int8 output within 1 LSB, same predicted class on every sample`, async () => {
      // One folder for the three configs (they run one after another), so that the fp32 tool that
      // calibrates is built once; each config's trainer gets its own folder under it.
      const t0 = performance.now();
      const p = await prepareSynthetic(cfg.text, { train: TRAIN, test: TEST, seed: cfg.seed, dir: root });
      const tPrepared = performance.now();
      randomizeBiases(p, cfg.seed + 1);
      const { cin, classes } = p.net.classifier;
      const fs = p.net.featureShape;
      assert.ok(p.net.blocks.some((b) => b.residual), 'at least one residual block');

      // where the pool output (and, when tt_infer leaves it intact, the last feature map) lie in the arena
      const poolOp = p.compilation.graph.ops.find((o) => o.type === 'avgpool')!;
      const poolRange = arenaRange(p, poolOp.outputs[0]);
      assert.ok('offset' in poolRange, `the pool output cannot be read after tt_infer: ${'overwritten' in poolRange ? poolRange.overwritten : ''}`);
      assert.equal(poolRange.bytes, cin);
      const featRange = arenaRange(p, poolOp.inputs[0]);
      const dumps = [poolRange, ...('offset' in featRange ? [featRange] : [])];

      // generated C
      const program = buildHostTrainer(p);
      const tBuilt = performance.now();
      const run = await runJsonLines(program, [p.files.trainS8, p.files.testS8, '0', '--logits', ...dumps.flatMap((r) => ['--tensor', String(r.offset), String(r.bytes)])]);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.lines.filter((l) => typeof l.sample === 'number') as unknown as { sample: number; logits: number[]; predicted: number; tensors: number[][] }[];
      const data = readDatasetS8(p.files.testS8);
      assert.equal(data.n, TEST);
      assert.equal(lines.length, data.n, 'one line per test sample');

      // ONNX Runtime, all samples in one batch
      const { h, w, c } = data;
      const per = h * w * c;
      const nchw = new Int8Array(data.n * per);
      for (let s = 0; s < data.n; s++) nchw.set(hwcToNchw(data.pixels.subarray(s * per, (s + 1) * per), h, w, c), s * per);
      const session = await ort.InferenceSession.create(onnxNetwork(p, data.n), { graphOptimizationLevel: 'disabled' });
      const out = await session.run({ x: new ort.Tensor('int8', nchw, [data.n, c, h, w]) });
      const tOrt = performance.now();
      const poolOrt = out.pool.data as Int8Array;
      const featOrt = out.features.data as Int8Array;
      const logitsOrt = out.logits.data as Float32Array;

      const pool = new Diff(), feat = new Diff();
      const fe = fs.h * fs.w * fs.c;
      let agree = 0, ortLogit = 0;
      for (const l of lines) {
        const s = l.sample;
        const [cPool, cFeat] = l.tensors;
        assert.equal(l.logits.length, classes);
        assert.equal(cPool.length, cin);
        // the printed bytes are what the classifier consumed: its logits follow from them exactly
        assert.deepEqual(l.logits.map(Math.fround), fcLogits(p, cPool), `sample ${s}: C logits are tt_fc_s8 of the printed pool`);
        assert.equal(l.predicted, argmax(l.logits));
        const ref = poolOrt.subarray(s * cin, (s + 1) * cin);
        pool.add(cPool, ref);
        if (cFeat) feat.add(cFeat, nchwToHwc(featOrt.subarray(s * fe, (s + 1) * fe), fs.h, fs.w, fs.c));
        const lo = logitsOrt.subarray(s * classes, (s + 1) * classes);
        if (argmax(lo) === l.predicted) agree++;
        if (cPool.every((v, i) => v === ref[i])) for (let o = 0; o < classes; o++) ortLogit = Math.max(ortLogit, Math.abs(lo[o] - l.logits[o]));
      }
      totals.pool.merge(pool);
      totals.feat.merge(feat);
      totals.samples += data.n;
      totals.agree += agree;
      totals.ortLogitMaxAbs = Math.max(totals.ortLogitMaxAbs, ortLogit);
      const preds = [...new Set(lines.map((l) => l.predicted))].sort();
      perConfig.push(`${cfg.name} (${p.net.convs.length} convs, ${p.net.blocks.filter((b) => b.residual).length} residual adds, ` +
        `features ${fs.h}x${fs.w}x${fs.c}, ${classes} classes): pool ${pool}; ` +
        `features ${'offset' in featRange ? feat.toString() : `not compared (${featRange.overwritten})`}; ` +
        `predicted classes agree ${agree}/${data.n} (classes predicted: ${preds.join(',')}); ` +
        `seconds: prepare ${((tPrepared - t0) / 1000).toFixed(1)}, gcc ${((tBuilt - tPrepared) / 1000).toFixed(1)}, run C + ORT ${((tOrt - tBuilt) / 1000).toFixed(1)}`);
      assert.ok(pool.max <= 1, `${cfg.name}: pool |C - ORT| = ${pool.max} LSB`);
      assert.equal(agree, data.n, `${cfg.name}: predicted classes agree on ${agree}/${data.n} samples`);
    });
  }
});
