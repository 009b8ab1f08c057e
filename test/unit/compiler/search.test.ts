// Scheme search: both constraints always hold, the contract holds, evolution beats random search
// at equal samples on MCUNet-5FPS with synthetic contributions, a seed repeats, the front is monotone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../compiler/config/parse.js';
import { buildNetwork, type Network } from '../../../compiler/ir/network.js';
import { buildTrainingGraph } from '../../../compiler/autodiff/training-graph.js';
import { planMemory } from '../../../compiler/memory/memory-plan.js';
import { analyticMemory } from '../../../compiler/sparse/analytic.js';
import { resolveUpdate, trainedChannels } from '../../../compiler/sparse/scheme.js';
import {
  RATIOS, candidatePlan, contributionsFrom, isotonic, evolutionarySearch, exactBound, findBestPlan, genomeBits, genomeOf, priorContributions,
  randomSearch, searchSpace, syntheticContributions, updateYaml, type Candidate,
} from '../../../compiler/search.js';
import { example, rng } from '../../helpers/examples.js';

const spec = parseConfig(example('99kb')).spec!;
const net: Network = buildNetwork(spec.model);
const SRAM = spec.target.sramBytes;
const synth = syntheticContributions(net, 7);

function assertValid(c: Candidate, budgetKB: number, sramBytes?: number): void {
  const n = net.convs.length;
  assert.ok(c.biases >= 0 && c.biases <= n, `biases ${c.biases}`);
  for (const w of c.weights) {
    assert.ok(w.conv >= n - c.biases, `conv ${w.conv} trains weights outside the last ${c.biases} convs`);
    assert.ok(RATIOS.some((r) => Math.abs(r - w.ratio) < 1e-9), `ratio ${w.ratio}`);
    assert.equal(w.k, trainedChannels(net.convs[w.conv], w.ratio));
    assert.ok(w.k > 0, `conv ${w.conv} ratio ${w.text} selects no channel`);
  }
  // Independent checks: the analyzer's own analytic model and memory planner on the same scheme.
  const plan = resolveUpdate(net, { biases: c.biases, classifier: true, weights: c.weights.map((w) => ({ conv: w.conv, ratio: w.ratio })) });
  const kb = analyticMemory(net, plan).extraKB;
  assert.ok(Math.abs(kb - c.extraKB) < 1e-9, `extraKB ${c.extraKB} vs analytic ${kb}`);
  assert.ok(kb <= budgetKB + 1e-9, `${kb} KB over the ${budgetKB} KB budget`);
  if (sramBytes !== undefined) {
    const peak = planMemory(net, plan, buildTrainingGraph(net, plan)).peakSramBytes;
    assert.equal(c.peakSramBytes, peak);
    assert.ok(peak <= sramBytes, `planned peak ${peak} over ${sramBytes}`);
  }
  assert.deepEqual(candidatePlan(net, c), plan);
}

test('search-space memory equals the analytic model for random schemes (MCUNet-5FPS)', () => {
  const s = searchSpace(net, synth);
  const r = rng(3);
  for (let t = 0; t < 200; t++) {
    const biases = Math.floor(r() * 43);
    const weights = net.convs.filter((c) => c.index >= 42 - biases && r() < 0.3).map((c) => ({ conv: c.index, ratio: RATIOS[Math.floor(r() * 4)] }))
      .filter((w) => trainedChannels(net.convs[w.conv], w.ratio) > 0);
    const g = genomeOf(s, biases, weights);
    const kb = analyticMemory(net, resolveUpdate(net, { biases, classifier: true, weights })).extraKB;
    assert.ok(Math.abs(genomeBits(s, g) / 8192 - kb) < 1e-9);
  }
});

test('constraints and contract hold for the best scheme and every Pareto point, at several budgets', () => {
  for (const budgetKB of [20, 120]) {
    const r = findBestPlan(net, synth, { budgetKB, sramBytes: SRAM, samples: 400, seed: 2, paretoLevels: [0.5], compareRandom: true });
    assert.ok(r.best, `a scheme within ${budgetKB} KB`);
    assertValid(r.best, budgetKB, SRAM);
    assertValid(r.random!, budgetKB, SRAM);
    // Every point within the budget; the planned peak re-derived independently for every 4th point.
    r.pareto.forEach((p, i) => assertValid(p, budgetKB, i % 4 === 0 || i === r.pareto.length - 1 ? SRAM : undefined));
    assert.ok(r.pareto.every((p) => p.peakSramBytes! <= SRAM));
  }
});

test('the planned-peak constraint binds when the board is small', () => {
  const free = findBestPlan(net, synth, { budgetKB: 150, samples: 600, seed: 4, paretoLevels: [], compareRandom: false });
  const freePlan = candidatePlan(net, free.best!);
  const freePeak = planMemory(net, freePlan, buildTrainingGraph(net, freePlan)).peakSramBytes;
  const tight = freePeak - 4096;
  const r = findBestPlan(net, synth, { budgetKB: 150, sramBytes: tight, samples: 600, seed: 4, paretoLevels: [], compareRandom: false });
  assert.ok(r.best);
  assertValid(r.best, 150, tight);
});

test('evolutionary search >= random search at equal samples (MCUNet-5FPS, synthetic contributions)', () => {
  const s = searchSpace(net, synth);
  for (const seed of [1, 2]) {
    const opts = { budgetKB: 100, sramBytes: SRAM, samples: 1200, seed };
    const evo = evolutionarySearch(s, opts);
    const rnd = randomSearch(s, opts);
    assert.equal(evo.samples, rnd.samples);
    assert.ok(evo.best!.gain >= rnd.best!.gain, `seed ${seed}: evolution ${evo.best!.gain} < random ${rnd.best!.gain}`);
    const bound = exactBound(s, 100).gain;
    assert.ok(evo.best!.gain <= bound + 1e-12, 'no search beats the exact analytic optimum');
    assert.ok(evo.best!.gain >= 0.95 * bound, `evolution reaches ${(evo.best!.gain / bound * 100).toFixed(1)} % of the optimum`);
  }
});

test('a seed repeats exactly; another seed searches differently', () => {
  const opts = { budgetKB: 80, sramBytes: SRAM, samples: 300, seed: 11, paretoLevels: [0.5] };
  const a = findBestPlan(net, synth, opts);
  const b = findBestPlan(net, synth, opts);
  assert.deepEqual(a.best, b.best);
  assert.deepEqual(a.pareto, b.pareto);
  assert.deepEqual(a.random, b.random);
  assert.deepEqual(a.evolution.history, b.evolution.history);
  const c = findBestPlan(net, synth, { ...opts, seed: 12 });
  assert.notDeepEqual(c.evolution.history, a.evolution.history);
});

test('the Pareto front is monotone: memory and gain strictly increase, all within budget', () => {
  const r = findBestPlan(net, synth, { budgetKB: 100, sramBytes: SRAM, samples: 500, seed: 5, compareRandom: false });
  assert.ok(r.pareto.length >= 5, `front of ${r.pareto.length} points`);
  for (let i = 1; i < r.pareto.length; i++) {
    assert.ok(r.pareto[i].extraKB > r.pareto[i - 1].extraKB, 'memory increases');
    assert.ok(r.pareto[i].gain > r.pareto[i - 1].gain, 'gain increases');
  }
  assert.ok(r.pareto.every((p) => p.extraKB <= 100));
  assert.ok(Math.abs(r.pareto[r.pareto.length - 1].gain - r.best!.gain) < 1e-12, 'the front ends at the best scheme');
});

test('the prior: later convs, expansion convs and larger ratios help more; biases saturate', () => {
  const p = priorContributions(net);
  const n = net.convs.length;
  for (const a of net.convs) for (const b of net.convs) {
    if (a.role === b.role && a.layer < b.layer) assert.ok(p.weight[a.index][3] < p.weight[b.index][3], `${a.name} below ${b.name}`);
  }
  for (const c of net.convs.filter((x) => x.role === 'pw1')) {
    assert.ok(p.weight[c.index][3] > p.weight[c.index + 1][3], `${c.name} above its dw`);
    assert.ok(p.weight[c.index][3] > p.weight[c.index + 2][3], `${c.name} above its pw2`);
  }
  for (const row of p.weight) for (let j = 1; j < 4; j++) assert.ok(row[j] > row[j - 1]);
  for (let k = 1; k <= n; k++) assert.ok(p.bias[k] > p.bias[k - 1]);
  assert.ok(p.bias[n] - p.bias[n - 10] < p.bias[10], 'the first 10 biases from the output give more than the last 10');
  // A sensible plan before measuring anything: within 100 KB, it trains biases and some late weights.
  const r = findBestPlan(net, p, { budgetKB: 100, sramBytes: SRAM, samples: 500, seed: 1, paretoLevels: [], compareRandom: false });
  assert.ok(r.best!.biases > 10 && r.best!.weights.length > 0 && r.best!.weights.every((w) => w.conv >= 12));
  assert.ok(r.best!.weights.filter((w) => net.convs[w.conv].role === 'pw1').length * 2 > r.best!.weights.length, 'mostly expansion convs, as in the paper\'s schemes');
});

test('measured contributions: interpolated bias curve, unmeasured choices are not offered; YAML block', () => {
  const c = contributionsFrom(net, [{ k: 2, delta: 0.1 }, { k: 6, delta: 0.2 }], [{ conv: 41, ratio: 1 / 4, delta: 0.05 }]);
  assert.deepEqual(c.bias.slice(0, 8).map((x) => +x.toFixed(4)), [0, 0.05, 0.1, 0.125, 0.15, 0.175, 0.2, 0.2]);
  const r = findBestPlan(net, c, { budgetKB: 200, samples: 400, seed: 1, paretoLevels: [], compareRandom: false });
  assert.ok(r.best!.weights.every((w) => w.conv === 41 && w.text === '1/4'));
  assert.match(updateYaml({ biases: 3, weights: [{ conv: 41, ratio: 0.25, text: '1/4', k: 144 }] }), /^update:\n {2}biases: 3\n {2}weights:\n {4}41: 1\/4$/);
});

test('noisy measurements are made monotone (ratio, bias count) by isotonic regression', () => {
  assert.deepEqual(isotonic([0.4, 2.4, -7.2, 7.2]).map((x) => +x.toFixed(4)), [-1.4667, -1.4667, -1.4667, 7.2]);
  assert.deepEqual(isotonic([1, 2, 3]), [1, 2, 3]);
  const c = contributionsFrom(net, [{ k: 1, delta: 0.02 }, { k: 2, delta: 0 }, { k: 3, delta: 0.04 }],
    [{ conv: 40, ratio: 1 / 8, delta: 0.05 }, { conv: 40, ratio: 1 / 4, delta: 0.01 }, { conv: 40, ratio: 1, delta: 0.06 }]);
  assert.deepEqual(c.bias.slice(0, 4).map((x) => +x.toFixed(4)), [0, 0.01, 0.01, 0.04]);
  assert.deepEqual(c.weight[40].map((x) => (Number.isNaN(x) ? 'n/a' : +x.toFixed(4))), [0.03, 0.03, 'n/a', 0.06]);
  const raw = contributionsFrom(net, [{ k: 2, delta: -0.01 }], [{ conv: 40, ratio: 1 / 8, delta: 0.05 }, { conv: 40, ratio: 1, delta: 0.01 }], 'measured', false);
  assert.deepEqual([raw.bias[2], raw.weight[40][0], raw.weight[40][3]], [-0.01, 0.05, 0.01]);
});
