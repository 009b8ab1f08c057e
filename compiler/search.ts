// Searching the sparse-update scheme for a memory budget (the paper's contribution analysis +
// evolutionary search, whose code was never published). Pure: no I/O, deterministic by seed.
//
// Scheme space: n = 0..N biases (the last n convs), and for every bias-trained conv a weight ratio
// in {0, 1/8, 1/4, 1/2, 1} (ratios whose floor(r * C_in) is 0 are left out, ratios selecting the
// same channel count are one choice). The contract holds by construction: weights only train
// among the bias-trained convs.
//
// Predicted gain (the contribution model): Δacc of the bias count + Σ Δacc of each weight choice.
// Constraints: the paper's analytic extra memory <= budget, and the planned peak SRAM of the real
// memory plan <= the board's SRAM. The planned peak costs a few ms, so it is computed lazily (only
// for analytically feasible candidates that would survive selection) and cached by scheme key.
//
// For the CLI and the editor: findBestPlan(net, contributions, {budgetKB, sramBytes, ...}) returns
// the best Candidate, random search's best at equal samples and the Pareto front (Candidate[],
// memory and gain strictly ascending); defaultBudgetKB() is the editor's default budget;
// updateYaml() the `update:` block to apply; candidatePlan() the UpdatePlan to compile or train;
// priorContributions() when nothing is measured (training/contrib.ts readContributions() else).

import { compileTrainingStep } from './compile.js';
import { fnv1a } from './hash.js';
import type { Conv, Network } from './ir/network.js';
import { mulberry32 } from './random.js';
import { analyticLayer, classifierInputBits } from './sparse/analytic.js';
import { RATIOS, RATIO_TEXT, ratioText, updateYaml } from './config/update-notation.js';
import { trainedChannels, type UpdatePlan } from './sparse/scheme.js';

export { RATIOS, RATIO_TEXT, ratioText, updateYaml };

// ---------------------------------------------------------------------------------------------
// Contributions

/** Δacc (accuracy as a fraction, e.g. 0.03 = +3 points) of each choice. */
export interface Contributions {
  source: 'prior' | 'measured' | 'synthetic';
  /** bias[k]: Δacc of training the biases of the last k convs, k = 0..N (bias[0] = 0). */
  bias: number[];
  /** weight[i][j]: Δacc of training conv i's weights at RATIOS[j] on top of the biases; NaN = not measured (not offered). */
  weight: number[][];
}

/**
 * The PRIOR, used when nothing is measured. It encodes what the paper observed and nothing more:
 *  - biases: later convs help more, with diminishing returns as more are added (a saturating
 *    curve over k counted from the output);
 *  - weights: later blocks help more (depth^2), and within a block the expansion conv (pw1) helps
 *    most, then plain convs and projections (pw2), depthwise convs least;
 *  - a larger ratio helps more, with diminishing returns (sqrt of the ratio).
 * Units are nominal accuracy points / 100, comparable within one network only.
 */
export function priorContributions(net: Network): Contributions {
  const n = net.convs.length;
  const layers = net.blocks.length;
  const depth = (c: Conv): number => (c.layer + 1) / layers; // (0, 1], 1 = the last block
  const ROLE: Record<Conv['role'], number> = { pw1: 1, conv: 0.7, pw2: 0.6, dw: 0.25 };
  const bias = [0];
  for (let k = 1; k <= n; k++) bias.push(bias[k - 1] + 0.01 * depth(net.convs[n - k]) ** 2);
  const weight = net.convs.map((c) => RATIOS.map((r) => 0.02 * depth(c) ** 2 * ROLE[c.role] * Math.sqrt(r)));
  return { source: 'prior', bias, weight };
}

export interface MeasuredBias { k: number; delta: number }
export interface MeasuredWeight { conv: number; ratio: number; delta: number }

/** Pool-adjacent-violators: the closest non-decreasing sequence (least squares). */
export function isotonic(values: number[]): number[] {
  const blocks: { sum: number; count: number }[] = [];
  for (const v of values) {
    blocks.push({ sum: v, count: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2].sum / blocks[blocks.length - 2].count > blocks[blocks.length - 1].sum / blocks[blocks.length - 1].count) {
      const b = blocks.pop()!;
      blocks[blocks.length - 1].sum += b.sum;
      blocks[blocks.length - 1].count += b.count;
    }
  }
  return blocks.flatMap((b) => new Array<number>(b.count).fill(b.sum / b.count));
}

/**
 * Contributions from measurements: bias deltas at some k (linearly interpolated between them,
 * held after the last, 0 at k = 0), weight deltas per (conv, ratio); the rest is not offered.
 * With `monotone` (the default), short fine-tuning noise is damped with what the paper observed:
 * each conv's deltas are made non-decreasing in the ratio, and the bias deltas in k (isotonic
 * regression, which pools a noisy dip with its neighbours instead of trusting either).
 */
export function contributionsFrom(net: Network, bias: MeasuredBias[], weights: MeasuredWeight[], source: Contributions['source'] = 'measured', monotone = true): Contributions {
  const n = net.convs.length;
  let pts = [{ k: 0, delta: 0 }, ...bias.filter((b) => b.k > 0 && b.k <= n)].sort((a, b) => a.k - b.k);
  if (monotone) { const m = isotonic(pts.map((p) => p.delta)); pts = pts.map((p, i) => ({ k: p.k, delta: m[i] })); }
  const curve: number[] = [];
  for (let k = 0; k <= n; k++) {
    let j = 0;
    while (j + 1 < pts.length && pts[j + 1].k <= k) j++;
    const a = pts[j];
    const b = pts[j + 1];
    curve.push(!b ? a.delta : a.delta + ((b.delta - a.delta) * (k - a.k)) / (b.k - a.k));
  }
  const weight = net.convs.map(() => RATIOS.map(() => NaN));
  for (const w of weights) {
    const j = RATIOS.findIndex((r) => Math.abs(r - w.ratio) < 1e-9);
    if (weight[w.conv] && j >= 0) weight[w.conv][j] = w.delta;
  }
  if (monotone) {
    for (const row of weight) {
      const idx = row.map((v, j) => j).filter((j) => !Number.isNaN(row[j]));
      const m = isotonic(idx.map((j) => row[j]));
      idx.forEach((j, x) => { row[j] = m[x]; });
    }
  }
  return { source, bias: curve, weight };
}

/** A stable key of the network's structure, so stored contributions are only used for the network they were measured on. */
export function networkKey(net: Network): string {
  const text = JSON.stringify([net.input, net.convs.map((c) => [c.role, c.cin, c.cout, c.kh, c.kw, c.sh, c.sw, c.pad]), net.classifier.classes]);
  return fnv1a(text).toString(16).padStart(8, '0');
}

// ---------------------------------------------------------------------------------------------
// The scheme space and its costs

interface Choice { ratio: number; k: number; bits: number; gain: number }

/** Everything about a network and a set of contributions the search needs, precomputed. */
export interface SearchSpace {
  net: Network;
  contributions: Contributions;
  classifier: boolean;
  n: number;
  /** choices[i][0] is "frozen"; then one per distinct trained channel count. */
  choices: Choice[][];
  /** biasBits[k]: mask + bias bits of the last k convs. */
  biasBits: number[];
  baseBits: number;
  /** Trained weights keep a rounding residual byte (train.weight_rounding: residual). */
  residual: boolean;
}

export function searchSpace(net: Network, contributions: Contributions, classifier = true, residual = false): SearchSpace {
  const n = net.convs.length;
  const choices = net.convs.map((c) => {
    const list: Choice[] = [{ ratio: 0, k: 0, bits: 0, gain: 0 }];
    RATIOS.forEach((r, j) => {
      const k = trainedChannels(c, r);
      const gain = contributions.weight[c.index]?.[j];
      if (k === 0 || gain === undefined || Number.isNaN(gain) || list.some((x) => x.k === k)) return;
      const cost = analyticLayer(c, { bias: false, k }, residual);
      list.push({ ratio: r, k, gain, bits: cost.savedInputBits + cost.weightBits });
    });
    return list;
  });
  const biasBits = [0];
  for (let k = 1; k <= n; k++) {
    const cost = analyticLayer(net.convs[n - k], { bias: true, k: 0 });
    biasBits.push(biasBits[k - 1] + cost.maskBits + cost.biasBits);
  }
  return { net, contributions, classifier, n, choices, biasBits, baseBits: classifierInputBits(net), residual };
}

/** A scheme: n biases and a choice index per conv (0 = frozen). */
export interface Genome { biases: number; choice: number[] }

export interface Candidate {
  biases: number;
  /** Trained weights: conv index -> ratio (and the channels it selects). */
  weights: { conv: number; ratio: number; text: string; k: number }[];
  extraKB: number;
  gain: number;
  /** Planned peak SRAM in bytes (present once it was checked). */
  peakSramBytes?: number;
  key: string;
}

const bitsToKB = (bits: number): number => bits / 8 / 1024;

export function genomeKey(g: Genome): string {
  return `${g.biases}:${g.choice.join('')}`;
}

export function genomeBits(s: SearchSpace, g: Genome): number {
  let bits = s.baseBits + s.biasBits[g.biases];
  for (let i = s.n - g.biases; i < s.n; i++) bits += s.choices[i][g.choice[i]].bits;
  return bits;
}

export function genomeGain(s: SearchSpace, g: Genome): number {
  let gain = s.contributions.bias[g.biases] ?? 0;
  for (let i = s.n - g.biases; i < s.n; i++) gain += s.choices[i][g.choice[i]].gain;
  return gain;
}

export function genomePlan(s: SearchSpace, g: Genome): UpdatePlan {
  const first = s.n - g.biases;
  const convs = s.net.convs.map((c) => {
    const ch = c.index >= first ? s.choices[c.index][g.choice[c.index]] : s.choices[c.index][0];
    return { bias: c.index >= first, k: ch.k, ratio: ch.ratio };
  });
  const earliest = convs.findIndex((u) => u.bias || u.k > 0);
  return { convs, classifier: s.classifier, earliest: earliest < 0 ? s.n : earliest, ...(s.residual ? { residual: true as const } : {}) };
}

/** Turns a scheme written as in a config (biases + weights map) into a genome (ratios rounded to an offered choice). */
export function genomeOf(s: SearchSpace, biases: number, weights: { conv: number; ratio: number }[]): Genome {
  const choice = new Array<number>(s.n).fill(0);
  for (const w of weights) {
    const conv = s.net.convs[w.conv];
    if (!conv) continue;
    const k = trainedChannels(conv, w.ratio);
    const j = s.choices[w.conv].findIndex((c) => c.k === k);
    if (j > 0) choice[w.conv] = j;
  }
  return repairContract({ biases: Math.min(Math.max(0, biases), s.n), choice }, s.n);
}

function candidateOf(s: SearchSpace, g: Genome): Candidate {
  const weights: Candidate['weights'] = [];
  for (let i = s.n - g.biases; i < s.n; i++) {
    const ch = s.choices[i][g.choice[i]];
    if (ch.k > 0) weights.push({ conv: i, ratio: ch.ratio, text: ratioText(ch.ratio), k: ch.k });
  }
  return { biases: g.biases, weights, extraKB: bitsToKB(genomeBits(s, g)), gain: genomeGain(s, g), key: genomeKey(g) };
}

/** Weights outside the bias-trained convs are dropped (the contract). */
function repairContract(g: Genome, n: number): Genome {
  for (let i = 0; i < n - g.biases; i++) g.choice[i] = 0;
  return g;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

export { mulberry32 };

const int = (rand: () => number, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

// ---------------------------------------------------------------------------------------------
// The evaluator: analytic check first, the planned peak lazily, both cached

export interface SearchOptions {
  /** Analytic extra-memory budget in KB. */
  budgetKB: number;
  /** Planned peak SRAM limit in bytes (the board's SRAM); omit to skip the second constraint. */
  sramBytes?: number;
  /** Candidates evaluated (the sample count both searches get). Default 3000. */
  samples?: number;
  seed?: number;
  population?: number;
  /** Per-gene mutation probability; default 2 / (bias-trained convs). */
  mutation?: number;
  /** Share of children made by crossover (the rest by mutation only). Default 0.5. */
  crossover?: number;
  /** Survivors that parent the next generation, as a share of the population. Default 0.25. */
  elite?: number;
}

export class Evaluator {
  readonly peak = new Map<string, number>();
  plannedChecks = 0;
  constructor(readonly space: SearchSpace, readonly budgetBits: number, readonly sramBytes?: number) {}

  fitsAnalytic(g: Genome): boolean {
    return genomeBits(this.space, g) <= this.budgetBits + 1e-6;
  }

  /** Planned peak SRAM of the real memory plan, cached by scheme key. */
  peakOf(g: Genome, key = genomeKey(g)): number {
    let p = this.peak.get(key);
    if (p === undefined) {
      const plan = genomePlan(this.space, g);
      p = compileTrainingStep(this.space.net, plan).memory.peakSramBytes;
      this.peak.set(key, p);
      this.plannedChecks++;
    }
    return p;
  }

  fitsSram(g: Genome, key?: string): boolean {
    return this.sramBytes === undefined || this.peakOf(g, key) <= this.sramBytes;
  }
}

/**
 * A random scheme: n uniform, each bias-trained conv trains weights with a per-sample probability
 * (so sparse and dense schemes both occur), then repaired to the budget.
 */
function randomGenome(s: SearchSpace, rand: () => number, ev: Evaluator): Genome {
  const biases = int(rand, 0, s.n);
  const p = rand() * rand();
  const choice = new Array<number>(s.n).fill(0);
  for (let i = s.n - biases; i < s.n; i++) if (rand() < p && s.choices[i].length > 1) choice[i] = int(rand, 1, s.choices[i].length - 1);
  return repairBudget(s, { biases, choice }, rand, ev);
}

/** Random steps down until the analytic budget holds: a random weight one ratio smaller, or (none left) one bias fewer. */
function repairBudget(s: SearchSpace, g: Genome, rand: () => number, ev: Evaluator): Genome {
  repairContract(g, s.n);
  let bits = genomeBits(s, g);
  while (bits > ev.budgetBits + 1e-6) {
    const trained: number[] = [];
    for (let i = s.n - g.biases; i < s.n; i++) if (g.choice[i] > 0) trained.push(i);
    if (trained.length > 0) {
      const i = trained[Math.floor(rand() * trained.length)];
      const before = s.choices[i][g.choice[i]].bits;
      g.choice[i] = rand() < 0.5 ? 0 : g.choice[i] - 1;
      bits += s.choices[i][g.choice[i]].bits - before;
    } else if (g.biases > 0) {
      bits -= s.biasBits[g.biases] - s.biasBits[g.biases - 1];
      g.biases--;
    } else break;
  }
  return g;
}

export interface Scored { g: Genome; key: string; gain: number; bits: number }

function score(s: SearchSpace, g: Genome): Scored {
  return { g, key: genomeKey(g), gain: genomeGain(s, g), bits: genomeBits(s, g) };
}

/**
 * The best `count` distinct candidates within the analytic budget, best first. The first `verify`
 * of them also pass the planned-peak check (those that parent the next generation); the rest are
 * checked only if they ever rise that far, which saves most planned-peak computations.
 */
function selectFeasible(pool: Scored[], count: number, ev: Evaluator, verify = count): Scored[] {
  const sorted = [...pool].sort((a, b) => b.gain - a.gain || a.bits - b.bits || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const out: Scored[] = [];
  const seen = new Set<string>();
  for (const c of sorted) {
    if (out.length >= count) break;
    if (seen.has(c.key)) continue;
    seen.add(c.key);
    if (!ev.fitsAnalytic(c.g)) continue;
    if (out.length < verify && !ev.fitsSram(c.g, c.key)) continue;
    out.push(c);
  }
  return out;
}

export interface SearchRun {
  method: 'evolution' | 'random';
  best: Candidate | undefined;
  samples: number;
  seconds: number;
  /** Planned-peak computations this run caused (others were cache hits or skipped). */
  plannedChecks: number;
  /** Best gain after each generation (evolution) or each population-sized batch (random). */
  history: number[];
  /** Every distinct analytically feasible candidate seen, for the Pareto front. */
  seen: Scored[];
}

function finish(s: SearchSpace, ev: Evaluator, run: Omit<SearchRun, 'best' | 'seen' | 'plannedChecks'>, bestScored: Scored | undefined, seen: Map<string, Scored>, checks0: number): SearchRun {
  const best = bestScored ? { ...candidateOf(s, bestScored.g), peakSramBytes: ev.sramBytes === undefined ? undefined : ev.peakOf(bestScored.g, bestScored.key) } : undefined;
  return { ...run, best, seen: [...seen.values()], plannedChecks: ev.plannedChecks - checks0 };
}

/** Evolutionary search: population, elite parents, uniform crossover, per-gene mutation, repair. */
export function evolutionarySearch(s: SearchSpace, opts: SearchOptions, ev = new Evaluator(s, opts.budgetKB * 8 * 1024, opts.sramBytes)): SearchRun {
  const t0 = performance.now();
  const checks0 = ev.plannedChecks;
  const rand = mulberry32(opts.seed ?? 1);
  const total = Math.max(1, opts.samples ?? 3000);
  const popSize = Math.max(4, Math.min(opts.population ?? 50, total));
  const parentsCount = Math.max(2, Math.round(popSize * (opts.elite ?? 0.25)));
  const crossover = opts.crossover ?? 0.5;
  const seen = new Map<string, Scored>();
  let samples = 0;
  const evaluate = (g: Genome): Scored => {
    samples++;
    const sc = score(s, g);
    if (!seen.has(sc.key)) seen.set(sc.key, sc);
    return sc;
  };

  let population: Scored[] = [];
  const init: Scored[] = [];
  while (init.length < popSize && samples < total) init.push(evaluate(randomGenome(s, rand, ev)));
  population = selectFeasible(init, popSize, ev, parentsCount);
  const history: number[] = [population[0]?.gain ?? -Infinity];

  while (samples < total) {
    const parents = population.slice(0, parentsCount);
    const children: Scored[] = [];
    while (children.length < popSize && samples < total) {
      if (parents.length === 0) { children.push(evaluate(randomGenome(s, rand, ev))); continue; }
      const a = parents[Math.floor(rand() * parents.length)].g;
      let child: Genome;
      if (rand() < crossover && parents.length > 1) {
        const b = parents[Math.floor(rand() * parents.length)].g;
        child = { biases: rand() < 0.5 ? a.biases : b.biases, choice: a.choice.map((x, i) => (rand() < 0.5 ? x : b.choice[i])) };
        // Crossover can leave weights before the bias range: keep them by widening it, or drop them.
        const firstWeight = child.choice.findIndex((x) => x > 0);
        if (firstWeight >= 0 && firstWeight < s.n - child.biases && rand() < 0.5) child.biases = s.n - firstWeight;
      } else child = { biases: a.biases, choice: [...a.choice] };
      mutate(s, child, rand, opts.mutation);
      children.push(evaluate(repairBudget(s, child, rand, ev)));
    }
    population = selectFeasible([...population, ...children], popSize, ev, parentsCount);
    history.push(population[0]?.gain ?? -Infinity);
  }
  return finish(s, ev, { method: 'evolution', samples, seconds: (performance.now() - t0) / 1000, history }, population[0], seen, checks0);
}

function mutate(s: SearchSpace, g: Genome, rand: () => number, rate?: number): void {
  if (rand() < 0.3) g.biases = Math.min(s.n, Math.max(0, g.biases + int(rand, -3, 3)));
  const first = s.n - g.biases;
  const p = rate ?? 2 / Math.max(1, g.biases);
  let changed = false;
  for (let i = first; i < s.n; i++) {
    if (rand() < p) { g.choice[i] = rand() < 0.3 ? 0 : int(rand, 0, s.choices[i].length - 1); changed = true; }
  }
  if (!changed && g.biases > 0) {
    const i = int(rand, first, s.n - 1);
    g.choice[i] = int(rand, 0, s.choices[i].length - 1);
  }
}

/** Random search with the same sampler and repair as the evolution's first generation. */
export function randomSearch(s: SearchSpace, opts: SearchOptions, ev = new Evaluator(s, opts.budgetKB * 8 * 1024, opts.sramBytes)): SearchRun {
  const t0 = performance.now();
  const checks0 = ev.plannedChecks;
  const rand = mulberry32((opts.seed ?? 1) ^ 0x5eed);
  const total = Math.max(1, opts.samples ?? 3000);
  const batch = Math.max(4, Math.min(opts.population ?? 50, total));
  const seen = new Map<string, Scored>();
  const history: number[] = [];
  let best: Scored | undefined;
  let samples = 0;
  while (samples < total) {
    const pool: Scored[] = best ? [best] : [];
    for (let j = 0; j < batch && samples < total; j++, samples++) {
      const sc = score(s, randomGenome(s, rand, ev));
      if (!seen.has(sc.key)) seen.set(sc.key, sc);
      pool.push(sc);
    }
    best = selectFeasible(pool, 1, ev)[0] ?? best;
    history.push(best?.gain ?? -Infinity);
  }
  return finish(s, ev, { method: 'random', samples, seconds: (performance.now() - t0) / 1000, history }, best, seen, checks0);
}

/**
 * The Pareto front of analytic memory against predicted gain among candidates that pass both
 * constraints: memory ascending, gain strictly ascending.
 */
export function paretoFront(s: SearchSpace, candidates: Scored[], ev: Evaluator): Candidate[] {
  const sorted = [...candidates].sort((a, b) => a.bits - b.bits || b.gain - a.gain);
  const out: Candidate[] = [];
  let bestGain = -Infinity;
  for (const c of sorted) {
    if (c.gain <= bestGain + 1e-12) continue;
    if (!ev.fitsAnalytic(c.g) || !ev.fitsSram(c.g, c.key)) continue;
    bestGain = c.gain;
    out.push({ ...candidateOf(s, c.g), peakSramBytes: ev.sramBytes === undefined ? undefined : ev.peakOf(c.g, c.key) });
  }
  return out;
}

/** At most `max` points of a front, evenly spread over memory, always keeping both ends. */
export function thinFront(front: Candidate[], max: number): Candidate[] {
  if (front.length <= max) return front;
  const out: Candidate[] = [];
  const lo = front[0].extraKB;
  const hi = front[front.length - 1].extraKB;
  let next = 0;
  for (let i = 0; i < max; i++) {
    const target = lo + ((hi - lo) * i) / (max - 1);
    while (next < front.length - 1 && front[next].extraKB < target) next++;
    if (!out.includes(front[next])) out.push(front[next]);
  }
  if (out[out.length - 1] !== front[front.length - 1]) out.push(front[front.length - 1]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The one call the CLI and the editor make

export interface FindPlanOptions extends SearchOptions {
  classifier?: boolean;
  /** The config's train.weight_rounding is residual: trained weights cost a second byte. */
  residual?: boolean;
  /** Extra evolutionary runs at these shares of the budget, to fill the Pareto front's low end. Default [1/4, 1/2, 3/4]. */
  paretoLevels?: number[];
  /** Also run random search with the same sample count (default true). */
  compareRandom?: boolean;
  /** Called after each run of the search with the samples done and the total (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

export interface FindPlanResult {
  best: Candidate | undefined;
  /** Random search's best at the same sample count. */
  random?: Candidate;
  pareto: Candidate[];
  samples: number;
  seconds: number;
  budgetKB: number;
  sramBytes?: number;
  source: Contributions['source'];
  evolution: Omit<SearchRun, 'seen'>;
  randomRun?: Omit<SearchRun, 'seen'>;
}

export function findBestPlan(net: Network, contributions: Contributions, opts: FindPlanOptions): FindPlanResult {
  const t0 = performance.now();
  const s = searchSpace(net, contributions, opts.classifier ?? true, opts.residual ?? false);
  const ev = new Evaluator(s, opts.budgetKB * 8 * 1024, opts.sramBytes);
  const samples = opts.samples ?? 3000;
  const levels = opts.paretoLevels ?? [1 / 4, 1 / 2, 3 / 4];
  const levelSamples = Math.max(200, Math.round(samples / 4));
  const total = samples + levels.length * levelSamples + (opts.compareRandom !== false ? samples : 0);
  let done = 0;
  const ran = (n: number): void => { done += n; opts.onProgress?.(done, total); };
  const evo = evolutionarySearch(s, opts, ev);
  ran(samples);
  const pool = new Map(evo.seen.map((c) => [c.key, c]));
  for (const level of levels) {
    const sub = new Evaluator(s, opts.budgetKB * level * 8 * 1024, opts.sramBytes);
    for (const [k, v] of ev.peak) sub.peak.set(k, v);
    const run = evolutionarySearch(s, { ...opts, budgetKB: opts.budgetKB * level, samples: levelSamples }, sub);
    for (const [k, v] of sub.peak) ev.peak.set(k, v);
    for (const c of run.seen) pool.set(c.key, c);
    ran(levelSamples);
  }
  const pareto = paretoFront(s, [...pool.values()], ev);
  const seconds = (performance.now() - t0) / 1000;
  let randomRun: SearchRun | undefined;
  if (opts.compareRandom !== false) {
    randomRun = randomSearch(s, opts, new Evaluator(s, opts.budgetKB * 8 * 1024, opts.sramBytes));
    ran(samples);
  }
  const strip = (r: SearchRun): Omit<SearchRun, 'seen'> => { const { seen: _seen, ...rest } = r; return rest; };
  return {
    best: evo.best, random: randomRun?.best, pareto, samples: evo.samples, seconds, budgetKB: opts.budgetKB, sramBytes: opts.sramBytes,
    source: contributions.source, evolution: strip(evo), randomRun: randomRun && strip(randomRun),
  };
}

/** The `update:` block of a config for a candidate (what the user pastes). */
/** The UpdatePlan of a candidate (for compiling or training it). */
export function candidatePlan(net: Network, c: Pick<Candidate, 'biases' | 'weights'>, classifier = true): UpdatePlan {
  const n = net.convs.length;
  const first = n - Math.min(c.biases, n);
  const convs = net.convs.map((cv) => ({ bias: cv.index >= first, k: 0, ratio: 0 }));
  for (const w of c.weights) if (convs[w.conv]) convs[w.conv] = { bias: convs[w.conv].bias, k: trainedChannels(net.convs[w.conv], w.ratio), ratio: w.ratio };
  const earliest = convs.findIndex((u) => u.bias || u.k > 0);
  return { convs, classifier, earliest: earliest < 0 ? n : earliest };
}

/** Predicted gain of a scheme given as biases + weights (e.g. a hand-written one). */
export function predictGain(net: Network, contributions: Contributions, biases: number, weights: { conv: number; ratio: number }[]): number {
  const s = searchSpace(net, contributions);
  return genomeGain(s, genomeOf(s, biases, weights));
}

/** Synthetic contributions for tests and benchmarks: the prior's shape with seeded noise. */
export function syntheticContributions(net: Network, seed = 7): Contributions {
  const rand = mulberry32(seed);
  const p = priorContributions(net);
  const weight = p.weight.map((row) => {
    const f = 0.3 + 1.4 * rand();
    return row.map((x) => x * f * (0.8 + 0.4 * rand()));
  });
  const bias = p.bias.map((x) => x * (0.9 + 0.2 * rand()));
  bias[0] = 0;
  return { source: 'synthetic', bias, weight };
}

/**
 * The exact optimum of the contribution model under the analytic budget alone (a multiple-choice
 * knapsack solved by dynamic programming over memory, sweeping convs from the output). It ignores
 * the planned-peak constraint, so it is an upper bound on what any search can reach; benchmarks and
 * tests use it to say how close the evolutionary search comes.
 */
export function exactBound(s: SearchSpace, budgetKB: number): { gain: number; biases: number } {
  const budgetBits = Math.floor(budgetKB * 8 * 1024 + 1e-6) - s.baseBits;
  if (budgetBits < 0) return { gain: -Infinity, biases: 0 };
  let unit = 0;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  for (const row of s.choices) for (const c of row) unit = gcd(unit, c.bits);
  for (let k = 1; k <= s.n; k++) unit = gcd(unit, s.biasBits[k] - s.biasBits[k - 1]);
  unit = Math.max(1, unit);
  const cap = Math.floor(budgetBits / unit);
  let dp = new Float64Array(cap + 1); // best weight gain of the convs processed so far within m units
  let best = { gain: s.contributions.bias[0] ?? 0, biases: 0 };
  for (let k = 1; k <= s.n; k++) {
    const i = s.n - k;
    const next = new Float64Array(dp);
    for (const c of s.choices[i]) {
      if (c.k === 0) continue;
      const w = c.bits / unit;
      for (let m = cap; m >= w; m--) { const v = dp[m - w] + c.gain; if (v > next[m]) next[m] = v; }
    }
    dp = next;
    const left = Math.floor((budgetBits - s.biasBits[k]) / unit);
    if (left < 0) break;
    const g = (s.contributions.bias[k] ?? 0) + dp[left];
    if (g > best.gain) best = { gain: g, biases: k };
  }
  return best;
}

/**
 * The default budget the editor offers: the board's SRAM minus what inference alone already needs
 * (the planned peak of a plan that trains nothing), in KB.
 */
export function defaultBudgetKB(net: Network, sramBytes: number): number {
  const nothing: UpdatePlan = { convs: net.convs.map(() => ({ bias: false, k: 0, ratio: 0 })), classifier: false, earliest: net.convs.length };
  const inference = compileTrainingStep(net, nothing).memory.peakSramBytes;
  return Math.max(0, (sramBytes - inference) / 1024);
}
