// `tinytrain search <config> --budget 64KB [--contrib <file>] [--json] [--samples N] [--seed N]`:
// the sparse-update scheme with the largest predicted gain whose analytic extra memory fits the
// budget and whose planned peak SRAM fits the board. Contributions come from --contrib, else from
// the cache `tinytrain contrib` wrote next to the config, else from the documented prior.
// --json prints {"biases","weights":{index:ratio},"extraKB","predictedGain","samples","seconds",
// "pareto":[...],"random":{...},...}; otherwise the `update:` block to paste, its memory, the
// predicted gain and the Pareto front as a table.

import { existsSync } from 'node:fs';
import { buildNetwork } from '../compiler/ir/network.js';
import { parseSize } from '../compiler/config/units.js';
import { defaultBudgetKB, findBestPlan, priorContributions, thinFront, updateYaml, type Candidate, type Contributions } from '../compiler/sparse/search.js';
import { defaultContribPath, readContributions } from '../training/contrib.js';
import { ConfigError, loadConfig } from '../training/prepare.js';
import type { CommandContext } from './context.js';
import { formatProblem } from './format.js';

const USAGE = 'usage: tinytrain search <config.tinytrain.yaml> --budget 64KB [--contrib <file>] [--json] [--samples N] [--seed N]';

export function candidateJson(c: Candidate): Record<string, unknown> {
  return {
    biases: c.biases,
    weights: Object.fromEntries([...c.weights].sort((a, b) => a.conv - b.conv).map((w) => [String(w.conv), w.ratio])),
    extraKB: round(c.extraKB, 3),
    predictedGain: round(c.gain, 5),
    ...(c.peakSramBytes !== undefined ? { peakSramBytes: c.peakSramBytes } : {}),
  };
}

const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

export function searchCommand(ctx: CommandContext): number {
  const file = ctx.positional[0];
  if (!file) return ctx.usage(USAGE);
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      if (err.analysis) for (const p of err.analysis.problems.filter((x) => x.severity === 'error')) ctx.err(formatProblem(file, p));
      else ctx.err(`tinytrain search: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const { spec } = loaded;
  const net = buildNetwork(spec.model);
  const sramBytes = spec.target.sramBytes;

  const budgetText = ctx.option('budget');
  let budgetKB: number;
  if (budgetText === undefined) {
    budgetKB = defaultBudgetKB(net, sramBytes);
    ctx.err(`no --budget: using the board's SRAM minus what inference needs, ${budgetKB.toFixed(1)} KB`);
  } else {
    const size = parseSize(/^\d+(\.\d+)?$/.test(budgetText) ? `${budgetText}KB` : budgetText);
    if ('error' in size) return ctx.usage(`--budget: ${size.error}\n${USAGE}`);
    budgetKB = size.bytes / 1024;
  }
  const samples = ctx.option('samples') === undefined ? 3000 : Number(ctx.option('samples'));
  const seed = ctx.option('seed') === undefined ? 1 : Number(ctx.option('seed'));
  if (!(Number.isInteger(samples) && samples > 0)) return ctx.usage(`--samples must be a positive whole number\n${USAGE}`);
  if (!Number.isInteger(seed)) return ctx.usage(`--seed must be a whole number\n${USAGE}`);

  let contributions: Contributions;
  let from: string;
  const contribOpt = ctx.option('contrib');
  const contribPath = contribOpt ?? defaultContribPath(file);
  if (contribOpt !== undefined && !existsSync(contribOpt)) { ctx.err(`tinytrain search: ${contribOpt} does not exist`); return 1; }
  const read = existsSync(contribPath) ? readContributions(contribPath, net) : undefined;
  if (read) {
    contributions = read.contributions;
    from = `measured contributions (${contribPath}, ${read.file.runs} runs of ${read.file.settings.steps} steps)`;
  } else {
    if (contribOpt !== undefined) { ctx.err(`tinytrain search: ${contribOpt} was measured on another network than ${file}'s`); return 1; }
    contributions = priorContributions(net);
    from = 'the prior (nothing measured yet; `tinytrain contrib <config>` measures contributions)';
  }

  const r = findBestPlan(net, contributions, { budgetKB, sramBytes, samples, seed, classifier: spec.train.update.classifier });
  if (ctx.flag('json')) {
    ctx.out(JSON.stringify({
      ...(r.best ? candidateJson(r.best) : { biases: null, weights: {}, extraKB: null, predictedGain: null }),
      samples: r.samples, seconds: round(r.seconds, 3), budgetKB: round(budgetKB, 3), sramBytes, source: r.source,
      pareto: r.pareto.map(candidateJson),
      random: r.random ? { ...candidateJson(r.random), samples: r.randomRun!.samples, seconds: round(r.randomRun!.seconds, 3) } : null,
    }));
    return r.best ? 0 : 1;
  }
  if (!r.best) {
    ctx.err(`tinytrain search: no scheme fits ${budgetKB.toFixed(1)} KB (the classifier's input alone takes ${(net.featureShape.c / 1024).toFixed(2)} KB) within ${(sramBytes / 1024).toFixed(0)} KB of SRAM`);
    return 1;
  }
  const pts = (g: number): string => `${g >= 0 ? '+' : ''}${(g * 100).toFixed(1)}`;
  const unit = r.source === 'prior' ? 'nominal points (prior)' : 'accuracy points';
  const b = r.best;
  ctx.out(`# ${spec.model.name}: best update plan within ${budgetKB.toFixed(1)} KB of analytic extra memory, from ${from}`);
  ctx.out('# paste under train:');
  ctx.out(updateYaml(b));
  ctx.out('');
  ctx.out(`memory:         ${b.extraKB.toFixed(1)} KB analytic extra memory (budget ${budgetKB.toFixed(1)} KB); planned peak SRAM ${((b.peakSramBytes ?? 0) / 1024).toFixed(1)} KB of ${(sramBytes / 1024).toFixed(0)} KB`);
  ctx.out(`predicted gain: ${pts(b.gain)} ${unit} over training the classifier alone`);
  ctx.out(`search:         evolutionary, ${r.samples} samples, seed ${seed}, ${r.seconds.toFixed(2)} s; random search at the same samples: ${r.random ? pts(r.random.gain) : 'nothing fits'}`);
  ctx.out('');
  ctx.out('Pareto front (analytic memory vs predicted gain):');
  ctx.out('  extra KB    gain  biases  weights');
  for (const p of thinFront(r.pareto, 12)) {
    const w = p.weights.length ? p.weights.map((x) => `${x.conv}:${x.text}`).join(' ') : '-';
    ctx.out(`  ${p.extraKB.toFixed(1).padStart(8)}  ${pts(p.gain).padStart(6)}  ${String(p.biases).padStart(6)}  ${w}`);
  }
  return 0;
}
