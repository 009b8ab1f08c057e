// Scheme search on MCUNet-5FPS (examples/mcunet-5fps/99kb.tinytrain.yaml's network) with synthetic
// contributions: evolutionary vs random search at equal sample counts (gains, samples, seconds),
// the exact analytic optimum (knapsack bound) for scale, and the time of a full 100 KB search
// (evolution + Pareto-front runs, as `tinytrain search` does it), target < 10 s.
import { readFileSync } from 'node:fs';
import { compile } from '../compiler/compile.js';
import { evolutionarySearch, exactBound, findBestPlan, randomSearch, searchSpace, syntheticContributions } from '../compiler/search.js';
import { round } from './stats.js';

const { spec, net } = compile(readFileSync('examples/mcunet-5fps/99kb.tinytrain.yaml', 'utf8')).compilation!;
const sramBytes = spec.target.sramBytes;
const contributions = syntheticContributions(net, 7);
const space = searchSpace(net, contributions);
const SAMPLES = 3000;

const comparisons: Record<string, unknown>[] = [];
for (const budgetKB of [50, 100, 150]) {
  const bound = exactBound(space, budgetKB).gain;
  for (const seed of [1, 2, 3]) {
    const opts = { budgetKB, sramBytes, samples: SAMPLES, seed };
    const evo = evolutionarySearch(space, opts);
    const rnd = randomSearch(space, opts);
    comparisons.push({
      budgetKB, seed,
      evolution: { gain: round(evo.best!.gain, 5), extraKB: round(evo.best!.extraKB, 2), samples: evo.samples, seconds: round(evo.seconds, 3), plannedChecks: evo.plannedChecks },
      random: { gain: round(rnd.best!.gain, 5), extraKB: round(rnd.best!.extraKB, 2), samples: rnd.samples, seconds: round(rnd.seconds, 3), plannedChecks: rnd.plannedChecks },
      exactAnalyticOptimum: round(bound, 5),
    });
    process.stderr.write(`${budgetKB} KB seed ${seed}: evolution ${evo.best!.gain.toFixed(4)} (${evo.seconds.toFixed(2)} s), random ${rnd.best!.gain.toFixed(4)} (${rnd.seconds.toFixed(2)} s), optimum ${bound.toFixed(4)}\n`);
  }
}
const wins = comparisons.filter((c) => (c.evolution as { gain: number }).gain >= (c.random as { gain: number }).gain).length;

// The full search as the CLI runs it (3000 samples + three Pareto-front runs), three times.
const times: number[] = [];
let full: ReturnType<typeof findBestPlan> | undefined;
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  full = findBestPlan(net, contributions, { budgetKB: 100, sramBytes, samples: SAMPLES, seed: 1, compareRandom: false });
  times.push((performance.now() - t) / 1000);
}
const worst = Math.max(...times);
process.stderr.write(`100 KB search: ${times.map((t) => t.toFixed(2)).join(', ')} s; best gain ${full!.best!.gain.toFixed(4)} at ${full!.best!.extraKB.toFixed(1)} KB; ${full!.pareto.length} Pareto points\n`);

console.log(JSON.stringify({
  network: 'mcunet-5fps (42 convs)', contributions: 'synthetic (seed 7)', samplesEach: SAMPLES,
  evolutionBeatsOrTiesRandom: `${wins}/${comparisons.length}`,
  comparisons,
  search100KB: { seconds: times.map((t) => round(t, 3)), worstSeconds: round(worst, 3), targetSeconds: 10, samples: full!.samples, gain: round(full!.best!.gain, 5), extraKB: round(full!.best!.extraKB, 2), paretoPoints: full!.pareto.length },
}));
