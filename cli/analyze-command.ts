// `tinytrain analyze <config> [--json] [--compare] [--timeline]`

import { readFileSync } from 'node:fs';
import { analyze } from '../compiler/analyze.js';
import { formatAnalysis, formatProblem } from './format.js';
import type { CommandContext } from './context.js';

export function analyzeCommand(ctx: CommandContext): number {
  const file = ctx.positional[0];
  if (!file) return ctx.usage('analyze needs a config file: tinytrain analyze <config.tinytrain.yaml> [--json]');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    ctx.err(`tinytrain: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    return 2;
  }
  const analysis = analyze(text, { compare: ctx.flag('compare'), timeline: ctx.flag('timeline') });
  const errors = analysis.problems.filter((p) => p.severity === 'error');
  if (ctx.flag('json')) {
    ctx.out(JSON.stringify(analysis, null, 2));
  } else {
    for (const p of analysis.problems) ctx.err(formatProblem(file, p));
    if (analysis.model) ctx.out(formatAnalysis(analysis));
  }
  return errors.length > 0 || !analysis.model ? 1 : 0;
}
