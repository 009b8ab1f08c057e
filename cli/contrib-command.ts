// `tinytrain contrib <config> [--data <source>] [--steps N] [--jobs=N] [--force] [--json]`:
// contribution analysis. Prepares the int8 model as `train` does, then measures Δacc of the last
// k biases and of each conv's weights at 1/8, 1/4, 1/2, 1 with short host training runs, in
// parallel. A progress bar goes to stderr; Ctrl-C cancels (every run it started is killed, no
// cache is written). The result is cached next to the config, where `tinytrain search` finds it.

import { measureContributions, type ContribFile, type ContribProgress } from '../training/contrib.js';
import { ConfigError, prepare } from '../training/prepare.js';
import type { CommandContext } from './context.js';
import { formatProblem } from './format.js';

const USAGE = 'usage: tinytrain contrib <config.tinytrain.yaml> [--data mnist|<folder>] [--steps N] [--jobs=N] [--force] [--json]';

function time(s: number): string {
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}

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

export async function contribCommand(ctx: CommandContext): Promise<number> {
  const file = ctx.positional[0];
  if (!file) return ctx.usage(USAGE);
  const num = (name: string): number | undefined | null => {
    const v = ctx.option(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isInteger(n) && n > 0 ? n : null;
  };
  if (ctx.flag('jobs') && ctx.option('jobs') === undefined) return ctx.usage(`write the number of parallel runs as --jobs=N\n${USAGE}`);
  const steps = num('steps');
  const jobs = num('jobs');
  if (steps === null) return ctx.usage(`--steps must be a positive whole number\n${USAGE}`);
  if (jobs === null) return ctx.usage(`--jobs must be a positive whole number\n${USAGE}`);

  const ac = new AbortController();
  const onSigint = (): void => { ctx.err('\ncancelling: stopping every run...'); ac.abort(); };
  process.on('SIGINT', onSigint);
  const tty = process.stderr.isTTY === true;
  let drawn = false;
  try {
    const p = await prepare(file, (m) => ctx.err(m), ctx.option('data'));
    const r = await measureContributions(p, {
      steps, jobs, force: ctx.flag('force'), signal: ac.signal,
      onProgress: (pr) => {
        if (tty) { process.stderr.write(`\r\x1b[2K${progressLine(pr, 24).slice(0, (process.stderr.columns ?? 100) - 1)}`); drawn = true; }
        else ctx.err(progressLine(pr, 24));
      },
    });
    if (drawn) process.stderr.write('\n');
    if (ctx.flag('json')) ctx.out(JSON.stringify({ ...r.file, path: r.path, cached: r.cached }));
    else {
      ctx.out(r.cached ? `contributions: cached (${r.path})` : `contributions written to ${r.path}`);
      for (const l of contribSummary(r.file)) ctx.out(l);
      ctx.out(`next: tinytrain search ${file} --budget <size>`);
    }
    return 0;
  } catch (err) {
    if (drawn) process.stderr.write('\n');
    if (ac.signal.aborted) { ctx.err('tinytrain contrib: cancelled; every run was stopped and no cache was written'); return 130; }
    if (err instanceof ConfigError) {
      if (err.analysis) for (const pr of err.analysis.problems.filter((x) => x.severity === 'error')) ctx.err(formatProblem(file, pr));
      else ctx.err(`tinytrain contrib: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
