// `tinytrain search <config> --budget 64KB [--contrib <file>] [--json] [--samples N] [--seed N]`:
// the sparse-update scheme with the largest predicted gain whose analytic extra memory fits the
// budget and whose planned peak SRAM fits the board. Contributions come from --contrib, else from
// the cache `tinytrain contrib` wrote next to the config, else from the documented prior.
// --json prints {"biases","weights":{index:ratio},"extraKB","predictedGain","samples","seconds",
// "pareto":[...],"random":{...},...}; otherwise the `update:` block to paste, its memory, the
// predicted gain and the Pareto front as a table.

import { existsSync } from 'node:fs';
import { defaultBudgetKB, findBestPlan, priorContributions, thinFront, updateYaml, type Candidate, type Contributions } from '../compiler/search.js';
import { defaultContribPath, readContributions } from '../training/contrib.js';
import { loadConfig } from '../training/prepare.js';
import { EXIT, type FlagTable } from './args.js';
import { defineCommand, type CommandContext } from './context.js';
import { reportRunError } from './errors.js';
import { configArgumentError } from './input.js';

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

const SEARCH_FLAGS = {
  budget: { type: 'bytes', bareUnit: 'KB', value: 'SIZE', help: "the analytic extra memory allowed, like 64KB or 1.5MB; a bare number is KB (default: the board's SRAM minus what inference needs)" },
  contrib: { type: 'string', value: 'FILE', help: "a contributions file from 'tinytrain contrib' (default: the one cached next to the config)" },
  samples: { type: 'int', min: 1, max: 10_000_000, help: 'candidates the evolutionary search evaluates (default 3000)' },
  seed: { type: 'int', min: 0, max: 2 ** 31 - 1, help: 'the search\'s random seed (default 1)' },
  json: { type: 'boolean', help: 'print the best plan, the Pareto front and the random-search baseline as one JSON object' },
} satisfies FlagTable;

export const searchCommand = defineCommand({
  name: 'search',
  summary: 'the sparse-update plan with the best predicted gain whose extra memory fits a budget',
  details: "Contributions come from --contrib, else from the cache 'tinytrain contrib' wrote next to the config, else from the documented prior. Prints the update: block to paste, its memory, the predicted gain and the Pareto front.",
  positionals: [{ name: '<config>', help: 'a *.tinytrain.yaml file' }],
  flags: SEARCH_FLAGS,
  run: search,
});

function search(ctx: CommandContext<typeof SEARCH_FLAGS>): number {
  const file = ctx.positional[0];
  const bad = configArgumentError(ctx, file);
  if (bad !== undefined) return bad;
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(file);
  } catch (err) {
    return reportRunError(ctx, file, err);
  }
  const { spec } = loaded;
  const net = loaded.compilation.net; // the config's layers, or the model it imports
  const sramBytes = spec.target.sramBytes;

  let budgetKB: number;
  if (ctx.flags.budget === undefined) {
    budgetKB = defaultBudgetKB(net, sramBytes);
    ctx.err(`no --budget: using the board's SRAM minus what inference needs, ${budgetKB.toFixed(1)} KB`);
  } else budgetKB = ctx.flags.budget / 1024;
  const samples = ctx.flags.samples ?? 3000;
  const seed = ctx.flags.seed ?? 1;

  let contributions: Contributions;
  let from: string;
  const contribOpt = ctx.flags.contrib;
  const contribPath = contribOpt ?? defaultContribPath(file);
  if (contribOpt !== undefined && !existsSync(contribOpt)) { ctx.err(`tinytrain search: --contrib ${contribOpt}: no such file; 'tinytrain contrib <config>' writes one`); return EXIT.usage; }
  const read = existsSync(contribPath) ? readContributions(contribPath, net) : undefined;
  if (read) {
    contributions = read.contributions;
    from = `measured contributions (${contribPath}, ${read.file.runs} runs of ${read.file.settings.steps} steps)`;
  } else {
    if (contribOpt !== undefined) { ctx.err(`tinytrain search: --contrib ${contribOpt} was measured on another network than ${file}'s (or is not a contributions file); run 'tinytrain contrib ${file}'`); return EXIT.problem; }
    contributions = priorContributions(net);
    from = 'the prior (nothing measured yet; `tinytrain contrib <config>` measures contributions)';
  }

  const r = findBestPlan(net, contributions, { budgetKB, sramBytes, samples, seed, classifier: spec.train.update.classifier, residual: spec.train.weightRounding === 'residual' });
  if (ctx.flags.json) {
    ctx.out(JSON.stringify({
      ...(r.best ? candidateJson(r.best) : { biases: null, weights: {}, extraKB: null, predictedGain: null }),
      samples: r.samples, seconds: round(r.seconds, 3), budgetKB: round(budgetKB, 3), sramBytes, source: r.source,
      pareto: r.pareto.map(candidateJson),
      random: r.random ? { ...candidateJson(r.random), samples: r.randomRun!.samples, seconds: round(r.randomRun!.seconds, 3) } : null,
    }));
    return r.best ? EXIT.ok : EXIT.problem;
  }
  if (!r.best) {
    ctx.err(`tinytrain search: no scheme fits ${budgetKB.toFixed(1)} KB (the classifier's input alone takes ${(net.featureShape.c / 1024).toFixed(2)} KB) within ${(sramBytes / 1024).toFixed(0)} KB of SRAM`);
    return EXIT.problem;
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
  return EXIT.ok;
}
