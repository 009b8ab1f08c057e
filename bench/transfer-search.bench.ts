// Issue 7's "done when" on the MNIST transfer example: measure contributions (or reuse the cache
// next to the config, reporting how long the measurement took), search at a budget of 1/5 of the
// full update's analytic memory, then REALLY train (the generated int8 trainer, config's steps)
// the searched scheme and the best hand-written schemes at the same budget: biases only (as many
// as fit), classifier only, the example's own scheme (if it fits), and the last layers trained
// fully (as many as fit). Each scheme is trained on three orders of the training samples (the
// same three for every scheme) and judged on the held-out test split, which the contribution
// analysis never sees. For reference, the scheme searched from the prior alone (nothing measured)
// is trained too. Prints the table on stderr and ONE JSON object as the last stdout line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyticMemory } from '../compiler/sparse/analytic.js';
import { fullUpdate, resolveUpdate, type UpdatePlan } from '../compiler/sparse/scheme.js';
import { findBestPlan, mulberry32, predictGain, priorContributions, ratioText, updateYaml } from '../compiler/search.js';
import { encodeDataset } from '../compiler/weights/files.js';
import { contributionsOf, measureContributions } from '../training/contrib.js';
import { trainOnHost } from '../training/host-train.js';
import { prepare, type Prepared } from '../training/prepare.js';
import { round } from './stats.js';

const CONFIG = 'examples/mnist-transfer/transfer.tinytrain.yaml';
const ORDERS = 3;

interface Scheme { name: string; biases: number; weights: { conv: number; ratio: number }[] }

async function main(): Promise<void> {
  const log = (m: string): void => { process.stderr.write(m + '\n'); };
  const p = await prepare(CONFIG, log);
  const net = p.net;
  const n = net.convs.length;
  const classifier = p.spec.train.update.classifier;
  const planOf = (s: Scheme): UpdatePlan => resolveUpdate(net, { biases: s.biases, classifier, weights: s.weights });
  const kbOf = (s: Scheme): number => analyticMemory(net, planOf(s)).extraKB;

  // 1. Contributions.
  const t0 = performance.now();
  let lastPct = -1;
  const contrib = await measureContributions(p, {
    onProgress: (e) => { const pct = Math.floor((e.done / e.total) * 10); if (pct !== lastPct) { lastPct = pct; log(`contributions: ${e.done}/${e.total} runs, ${e.seconds.toFixed(0)} s`); } },
  });
  const contribWall = (performance.now() - t0) / 1000;
  log(`contributions: ${contrib.cached ? `cached (${contrib.path}), measured in ${contrib.file.seconds.toFixed(0)} s` : `measured in ${contrib.file.seconds.toFixed(0)} s`}: ${contrib.file.runs} runs of ${contrib.file.settings.steps} steps, ${contrib.file.jobs} in parallel`);
  const contributions = contributionsOf(contrib.file, net);

  // 2. Budget and search.
  const fullKB = analyticMemory(net, fullUpdate(net)).extraKB;
  const budgetKB = fullKB / 5;
  const found = findBestPlan(net, contributions, { budgetKB, sramBytes: p.spec.target.sramBytes, seed: 1, classifier });
  if (!found.best) throw new Error('no scheme fits the budget');
  log(`search: ${found.samples} samples in ${found.seconds.toFixed(2)} s; budget ${budgetKB.toFixed(2)} KB (1/5 of the full update's ${fullKB.toFixed(2)} KB)`);
  log(updateYaml(found.best));

  // 3. The hand-written schemes at the same budget.
  const fits = (s: Scheme): boolean => kbOf(s) <= budgetKB + 1e-9;
  let biasesOnly: Scheme = { name: 'biases only', biases: 0, weights: [] };
  for (let k = 1; k <= n; k++) { const s = { name: `biases only (${k})`, biases: k, weights: [] }; if (fits(s)) biasesOnly = s; }
  let lastLayers: Scheme | undefined;
  for (let k = 1; k <= n; k++) {
    const s = { name: `last ${k} convs fully`, biases: k, weights: Array.from({ length: k }, (_, i) => ({ conv: n - 1 - i, ratio: 1 })) };
    if (fits(s)) lastLayers = s;
  }
  const own: Scheme = { name: 'the example\'s own scheme', biases: p.spec.train.update.biases, weights: p.spec.train.update.weights.map((w) => ({ conv: w.conv, ratio: w.ratio })) };
  const hand: Scheme[] = [{ name: 'classifier only', biases: 0, weights: [] }, biasesOnly, ...(fits(own) ? [own] : []), ...(lastLayers ? [lastLayers] : [])];
  const searched: Scheme = { name: 'searched', biases: found.best.biases, weights: found.best.weights.map((w) => ({ conv: w.conv, ratio: w.ratio })) };
  // For reference (not a hand-written scheme): what the search picks from the prior alone.
  const fromPrior = findBestPlan(net, priorContributions(net), { budgetKB, sramBytes: p.spec.target.sramBytes, seed: 1, classifier, compareRandom: false }).best!;
  const priorScheme: Scheme = { name: 'searched, prior only (reference)', biases: fromPrior.biases, weights: fromPrior.weights.map((w) => ({ conv: w.conv, ratio: w.ratio })) };

  // 4. Really train them: the same three orders of the training samples for every scheme. The
  // data files and builds go to a private folder: prepare() rewrites the shared ones in place,
  // and other runs of the same example may be doing so right now.
  const priv = mkdtempSync(join(tmpdir(), 'tinytrain-transfer-bench-'));
  const testFile = join(priv, 'test-int8.ttd');
  writeFileSync(testFile, encodeDataset(p.spec.model.input, p.split.test, p.quant.input));
  const trainFiles = Array.from({ length: ORDERS }, (_, r) => {
    const items = [...p.split.train];
    const rand = mulberry32(9000 + r);
    if (r > 0) for (let i = items.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [items[i], items[j]] = [items[j], items[i]]; }
    const f = join(priv, `train-int8-order-${r}.ttd`);
    writeFileSync(f, encodeDataset(p.spec.model.input, items, p.quant.input));
    return f;
  });
  const steps = p.spec.train.steps ?? p.split.train.length;
  const rows: Record<string, unknown>[] = [];
  for (const s of [searched, ...hand, priorScheme]) {
    const accs: number[] = [];
    for (let r = 0; r < ORDERS; r++) {
      const q: Prepared = { ...p, dir: priv, files: { ...p.files, trainS8: trainFiles[r], testS8: testFile }, spec: { ...p.spec, train: { ...p.spec.train, seed: p.spec.train.seed + r } } };
      accs.push((await trainOnHost(q, { steps, update: planOf(s) })).accuracy);
    }
    const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
    const row = {
      scheme: s.name, biases: s.biases, weights: Object.fromEntries(s.weights.map((w) => [String(w.conv), ratioText(w.ratio)])),
      extraKB: round(kbOf(s), 2), predictedGain: round(predictGain(net, contributions, s.biases, s.weights), 4),
      accuracy: round(mean, 4), accuracies: accs,
    };
    rows.push(row);
    log(`${s.name.padEnd(28)} ${row.extraKB.toFixed(2).padStart(6)} KB  predicted ${(row.predictedGain * 100).toFixed(1).padStart(5)}  accuracy ${(mean * 100).toFixed(1)} % (${accs.map((a) => (a * 100).toFixed(1)).join(', ')})`);
  }
  rmSync(priv, { recursive: true, force: true });
  const searchedAcc = rows[0].accuracy as number;
  const bestHand = rows.slice(1, 1 + hand.length).reduce((a, b) => ((b.accuracy as number) > (a.accuracy as number) ? b : a));
  log(`\n| scheme | extra KB | predicted gain | test accuracy (mean of ${ORDERS} orders) |\n|---|---|---|---|`);
  for (const r of rows) log(`| ${r.scheme} | ${(r.extraKB as number).toFixed(2)} | ${((r.predictedGain as number) * 100).toFixed(1)} | ${((r.accuracy as number) * 100).toFixed(1)} % |`);
  log(`\nsearched ${(searchedAcc * 100).toFixed(1)} % vs best hand-written (${bestHand.scheme}) ${((bestHand.accuracy as number) * 100).toFixed(1)} %`);

  console.log(JSON.stringify({
    config: CONFIG, steps, orders: ORDERS,
    contributions: { cached: contrib.cached, measuredSeconds: round(contrib.file.seconds, 1), wallSecondsThisRun: round(contribWall, 1), runs: contrib.file.runs, stepsPerRun: contrib.file.settings.steps, repeats: contrib.file.settings.repeats, jobs: contrib.file.jobs, targetSeconds: 600 },
    fullUpdateKB: round(fullKB, 3), budgetKB: round(budgetKB, 3),
    search: { samples: found.samples, seconds: round(found.seconds, 3), random: found.random ? { predictedGain: round(found.random.gain, 4), extraKB: round(found.random.extraKB, 2) } : null },
    table: rows,
    searchedAccuracy: searchedAcc, bestHandWritten: { scheme: bestHand.scheme, accuracy: bestHand.accuracy },
    searchedReachesBestHandWritten: searchedAcc >= (bestHand.accuracy as number),
  }));
}

main().catch((err) => { console.error(err); process.exit(1); });
