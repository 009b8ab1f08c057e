// The paper's analytic extra memory: the published MCUNet-5FPS schemes, the 99kb per-layer
// bytes, and networks the analyzer has never seen, against an independent formula.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../compiler/analyze.js';
import { configText, example, rng, ROOT, type LayerLine } from '../../helpers/examples.js';

const PUBLISHED: [string, number][] = [['49kb', 49.8], ['74kb', 74.8], ['99kb', 99.8], ['124kb', 125.0], ['148kb', 148.4], ['bias-only', 121.3], ['full-update', 1400.4]];

for (const [scheme, kb] of PUBLISHED) {
  test(`MCUNet-5FPS ${scheme}: analytic extra memory is the paper's ${kb} KB`, () => {
    const a = analyze(example(scheme));
    assert.ok(a.analytic, 'analysis has analytic memory');
    assert.ok(Math.abs(a.analytic.extraKB - kb) <= 0.05, `got ${a.analytic.extraKB.toFixed(3)} KB`);
    assert.equal(a.model!.convs, 42);
  });
}

test('MCUNet-5FPS 99kb: per-layer (mask + saved input) / bias / weight bytes match the paper exactly', () => {
  const a = analyze(example('99kb'));
  const expected: Record<number, [number, number, number]> = {
    21: [3840, 640, 6400], 24: [4224, 576, 6912], 27: [4608, 768, 9216],
    30: [4992, 960, 11520], 36: [960, 1536, 4608], 39: [1536, 2304, 13824],
  };
  for (const [conv, [maskSaved, bias, weight]] of Object.entries(expected)) {
    const row = a.layers[Number(conv)];
    assert.equal(row.savedBytes, maskSaved, `conv ${conv} mask + saved input`);
    assert.equal(row.trainedBytes, bias + weight, `conv ${conv} bias + weight`);
    assert.ok(Math.abs(row.analyticKB * 1024 - (maskSaved + bias + weight)) < 1e-6, `conv ${conv} analytic`);
  }
  assert.equal(a.classifier!.cin, 160, 'classifier input activation is 160 bytes');
});

test('last 12 convs fully trained: 448.0 KB; all 42 biases only: 121.3 KB', () => {
  const text = example('99kb').replace(/    biases: 22[^]*$/, `    biases: 12\n    weights:\n${Array.from({ length: 12 }, (_, i) => `      ${30 + i}: 1`).join('\n')}\n`);
  assert.ok(Math.abs(analyze(text).analytic!.extraKB - 448.0) <= 0.05);
});

// ---- an independent statement of the paper's formula, from the contract's definitions ----
interface RefConv { cin: number; cout: number; k: number; dw: boolean; hin: number; win: number; hout: number; wout: number }
function referenceConvs(input: [number, number, number], layers: LayerLine[]): RefConv[] {
  let [h, w, c] = input;
  const convs: RefConv[] = [];
  const push = (cout: number, k: number, s: number, dw: boolean): void => {
    const ho = Math.ceil(h / s), wo = Math.ceil(w / s);
    convs.push({ cin: c, cout, k, dw, hin: h, win: w, hout: ho, wout: wo });
    h = ho; w = wo; c = cout;
  };
  for (const l of layers) {
    if ('conv' in l) push(l.conv.out, l.conv.kernel, l.conv.stride ?? 1, false);
    else {
      if (l.mbconv.expand !== 1) push(c * l.mbconv.expand, 1, 1, false);
      push(c, l.mbconv.kernel, l.mbconv.stride ?? 1, true);
      push(l.mbconv.out, 1, 1, false);
    }
  }
  return convs;
}
function referenceExtraKB(convs: RefConv[], biases: number, weights: Map<number, number>): number {
  let bits = 8 * convs[convs.length - 1].cout;
  convs.forEach((cv, i) => {
    if (i < convs.length - biases) return;
    bits += cv.cout * cv.hout * cv.wout + 32 * cv.cout;
    const r = weights.get(i);
    if (r === undefined) return;
    const k = Math.floor(r * cv.cin);
    bits += 8 * cv.hin * cv.win * k + (cv.dw ? 8 * k * cv.k * cv.k : 8 * cv.cout * k * cv.k * cv.k);
  });
  return bits / 8 / 1024;
}

// MobileNetV2-w0.35 at 128x128 (channels rounded to multiples of 8, as in the paper's code).
const MOBILENETV2_035: LayerLine[] = [
  { conv: { out: 16, kernel: 3, stride: 2 } },
  { mbconv: { out: 8, kernel: 3, expand: 1 } },
  { mbconv: { out: 8, kernel: 3, expand: 6, stride: 2 } }, { mbconv: { out: 8, kernel: 3, expand: 6 } },
  { mbconv: { out: 16, kernel: 3, expand: 6, stride: 2 } }, { mbconv: { out: 16, kernel: 3, expand: 6 } }, { mbconv: { out: 16, kernel: 3, expand: 6 } },
  { mbconv: { out: 24, kernel: 3, expand: 6, stride: 2 } }, { mbconv: { out: 24, kernel: 3, expand: 6 } }, { mbconv: { out: 24, kernel: 3, expand: 6 } }, { mbconv: { out: 24, kernel: 3, expand: 6 } },
  { mbconv: { out: 32, kernel: 3, expand: 6 } }, { mbconv: { out: 32, kernel: 3, expand: 6 } }, { mbconv: { out: 32, kernel: 3, expand: 6 } },
  { mbconv: { out: 56, kernel: 3, expand: 6, stride: 2 } }, { mbconv: { out: 56, kernel: 3, expand: 6 } }, { mbconv: { out: 56, kernel: 3, expand: 6 } },
  { mbconv: { out: 112, kernel: 3, expand: 6 } },
];
// A ProxylessNAS-like backbone with mixed kernels and expansions.
const PROXYLESS_LIKE: LayerLine[] = [
  { conv: { out: 16, kernel: 3, stride: 2 } },
  { mbconv: { out: 8, kernel: 3, expand: 1 } },
  { mbconv: { out: 16, kernel: 5, expand: 3, stride: 2 } }, { mbconv: { out: 16, kernel: 3, expand: 3 } },
  { mbconv: { out: 24, kernel: 7, expand: 6, stride: 2 } }, { mbconv: { out: 24, kernel: 3, expand: 3 } },
  { mbconv: { out: 40, kernel: 5, expand: 6, stride: 2 } }, { mbconv: { out: 40, kernel: 5, expand: 3 } },
  { mbconv: { out: 48, kernel: 5, expand: 3 } }, { mbconv: { out: 96, kernel: 7, expand: 6, stride: 2 } },
];

for (const [name, input, layers] of [['MobileNetV2-w0.35', [128, 128, 3], MOBILENETV2_035], ['ProxylessNAS-like', [144, 144, 3], PROXYLESS_LIKE]] as const) {
  test(`${name}: analytic memory equals the paper's formula for several schemes`, () => {
    const convs = referenceConvs(input as [number, number, number], layers as LayerLine[]);
    const n = convs.length;
    const schemes: [number, Map<number, number>][] = [
      [0, new Map()], [n, new Map()], [10, new Map([[n - 1, 1], [n - 4, 0.5], [n - 7, 0.25]])],
      [n, new Map(convs.map((_, i) => [i, 1]))], [6, new Map([[n - 3, 0.125], [n - 6, 1]])],
    ];
    for (const [biases, weights] of schemes) {
      const update = `    biases: ${biases}\n` + (weights.size ? `    weights:\n${[...weights].map(([i, r]) => `      ${i}: ${r}`).join('\n')}` : '');
      const a = analyze(configText({ input: input as [number, number, number], classes: 7, layers: layers as LayerLine[], update, board: 'host' }));
      assert.deepEqual(a.problems.filter((p) => p.severity === 'error'), []);
      assert.equal(a.model!.convs, n);
      const want = referenceExtraKB(convs, biases, weights);
      assert.ok(Math.abs(a.analytic!.extraKB - want) < 1e-9, `${name} biases ${biases}: ${a.analytic!.extraKB} vs ${want}`);
    }
  });
}

test('random MobileNetV2-like backbones: analytic memory equals the formula', () => {
  const rand = rng(7);
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  for (let trial = 0; trial < 200; trial++) {
    const layers: LayerLine[] = [{ conv: { out: pick([8, 16, 24]), kernel: pick([3, 5]), stride: pick([1, 2]) } }];
    const depth = 2 + Math.floor(rand() * 10);
    for (let i = 0; i < depth; i++) layers.push({ mbconv: { out: pick([8, 16, 24, 32, 48]), kernel: pick([3, 5, 7]), expand: pick([1, 2, 3, 4, 6]), stride: pick([1, 1, 2]) } });
    const input: [number, number, number] = [pick([32, 48, 64, 96]), pick([32, 48, 64]), pick([1, 3])];
    const convs = referenceConvs(input, layers);
    const n = convs.length;
    const biases = Math.floor(rand() * (n + 1));
    const weights = new Map<number, number>();
    for (let i = n - biases; i < n; i++) if (rand() < 0.3) weights.set(i, pick([1, 0.5, 0.25, 0.125]));
    const update = `    biases: ${biases}\n` + (weights.size ? `    weights:\n${[...weights].map(([i, r]) => `      ${i}: ${r}`).join('\n')}` : '');
    const a = analyze(configText({ input, classes: 1 + Math.floor(rand() * 20), layers, update, board: 'host' }));
    assert.ok(a.analytic, a.problems.map((p) => p.message).join('; '));
    assert.ok(Math.abs(a.analytic.extraKB - referenceExtraKB(convs, biases, weights)) < 1e-9);
  }
});

// The paper's two other networks with their published ~100 KB schemes (examples/ folders).
const OTHER_NETWORKS: [string, number, number][] = [
  ['examples/mobilenetv2-w0.35/99kb.tinytrain.yaml', 51, 99.4],
  ['examples/proxylessnas-w0.3/98kb.tinytrain.yaml', 60, 98.5],
];
for (const [path, convs, kb] of OTHER_NETWORKS) {
  test(`${path}: ${convs} convs, analytic extra memory is the paper's ${kb} KB`, () => {
    const a = analyze(readFileSync(join(ROOT, path), 'utf8'));
    assert.equal(a.model!.convs, convs);
    assert.ok(Math.abs(a.analytic!.extraKB - kb) <= 0.05, `got ${a.analytic!.extraKB.toFixed(3)} KB`);
    assert.deepEqual(a.problems.filter((p) => p.severity === 'error'), []);
  });
}
