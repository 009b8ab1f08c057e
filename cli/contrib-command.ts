// `tinytrain contrib <config> [--data <source>] [--steps N] [--jobs=N] [--force] [--json]`:
// contribution analysis. Prepares the int8 model as `train` does, then measures Δacc of the last
// k biases and of each conv's weights at 1/8, 1/4, 1/2, 1 with short host training runs, in
// parallel. A progress bar goes to stderr (with --json: progress lines on stdout); Ctrl-C cancels (every run it started is killed, no
// cache is written). The result is cached next to the config, where `tinytrain search` finds it.

import { durationText as time, type ProgressLine } from '../protocol/run-stream.js';
import { measureContributions, type ContribFile, type ContribProgress } from '../training/contrib.js';
import { prepare } from '../training/prepare.js';
import { EXIT } from './args.js';
import { defineCommand } from './context.js';
import { reportRunError } from './errors.js';
import { DATA_FLAG, dataSource, preflight } from './input.js';
import { runStoppable } from './signals.js';

export function progressLine(p: ContribProgress, width = 24): string {
  const filled = Math.round((p.done / Math.max(1, p.total)) * width);
  const eta = p.etaSeconds !== undefined && p.done < p.total ? `, ${time(p.etaSeconds)} left` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ${time(p.seconds)}${eta}  ${p.label}`;
}

export function contribSummary(f: ContribFile): string[] {
  const pts = (d: number): string => `${d >= 0 ? '+' : ''}${(d * 100).toFixed(1)}`;
  const lines = [
    `${f.model}: ${f.runs} runs of ${f.settings.steps} steps (validated on ${Math.round(f.settings.holdout * 100)} % of the training samples held out), ${f.jobs} in parallel, ${time(f.seconds)}`,
    `classifier only: ${(f.baseline.accuracy * 100).toFixed(1)} %`,
    `biases of the last k convs (Δ points): ${f.bias.map((b) => `${b.k}:${pts(b.delta)}`).join(' ')}`,
    `weights on top of ${f.settings.weightBase === 'all' ? 'all biases' : 'their own biases'} (Δ points at ${[...new Set([...f.weights].sort((a, b) => a.ratio - b.ratio).map((w) => w.text))].join(', ')}):`,
  ];
  const byConv = new Map<number, ContribFile['weights']>();
  for (const w of f.weights) byConv.set(w.conv, [...(byConv.get(w.conv) ?? []), w]);
  for (const [conv, ws] of byConv) lines.push(`  ${String(conv).padStart(3)} ${ws[0].name.padEnd(8)} ${ws.map((w) => `${w.text}:${pts(w.delta)}`).join('  ')}`);
  return lines;
}

export const contribCommand = defineCommand({
  name: 'contrib',
  summary: 'measure what each bias count and weight slice adds to accuracy (cached next to the config for search)',
  details: 'Prepares the int8 model as train does, then runs short host trainings in parallel: the last k biases, and each conv\'s weights at 1/8, 1/4, 1/2, 1. Ctrl-C stops every run and writes no cache.',
  positionals: [{ name: '<config>', help: 'a *.tinytrain.yaml file' }],
  flags: {
    data: DATA_FLAG,
    steps: { type: 'int', min: 1, max: 1_000_000, help: "training steps of each run (default: the config's train.steps, at most the training samples not held out)" },
    jobs: { type: 'int', min: 1, max: 256, help: 'runs in parallel (default: the number of cores)' },
    force: { type: 'boolean', help: 'measure again even when a cached result exists' },
    json: { type: 'boolean', help: 'print progress lines, then the result, as JSON lines on stdout (protocol/run-stream.ts)' },
  },
  async run(ctx) {
    const file = ctx.positional[0];
    const bad = preflight(ctx, file);
    if (bad !== undefined) return bad;
    const tty = process.stderr.isTTY === true;
    let drawn = false;
    return runStoppable(ctx, async (signal) => {
      try {
        const p = await prepare(file, (m) => ctx.err(m), dataSource(ctx.flags.data), signal);
        const r = await measureContributions(p, {
          steps: ctx.flags.steps, jobs: ctx.flags.jobs, force: ctx.flags.force, signal,
          onProgress: (pr) => {
            // --json: typed progress lines on stdout (the editor's notification), then the result.
            if (ctx.flags.json) ctx.out(JSON.stringify({ progress: 'contrib', ...pr } satisfies ProgressLine));
            else if (tty) { process.stderr.write(`\r\x1b[2K${progressLine(pr, 24).slice(0, (process.stderr.columns ?? 100) - 1)}`); drawn = true; }
            else ctx.err(progressLine(pr, 24));
          },
        });
        if (drawn) process.stderr.write('\n');
        if (ctx.flags.json) ctx.out(JSON.stringify({ ...r.file, path: r.path, cached: r.cached }));
        else {
          ctx.out(r.cached ? `contributions: cached (${r.path})` : `contributions written to ${r.path}`);
          for (const l of contribSummary(r.file)) ctx.out(l);
          ctx.out(`next: tinytrain search ${file} --budget <size>`);
        }
        return EXIT.ok;
      } catch (err) {
        if (drawn) process.stderr.write('\n');
        if (signal.aborted) { ctx.err('tinytrain contrib: every run was stopped and no cache was written'); throw err; }
        return reportRunError(ctx, file, err);
      }
    });
  },
});
