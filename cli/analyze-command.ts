// `tinytrain analyze <config> [--json] [--compare] [--timeline]`

import { resolve } from 'node:path';
import { analyze } from '../compiler/analyze.js';
import { EXIT } from './args.js';
import { defineCommand } from './context.js';
import { formatAnalysis, formatProblem } from './format.js';
import { readConfigText } from './input.js';

export const analyzeCommand = defineCommand({
  name: 'analyze',
  summary: 'peak SRAM, flash and the training plan of a config, per layer (about a second; no build)',
  positionals: [{ name: '<config>', help: 'a *.tinytrain.yaml file' }],
  flags: {
    json: { type: 'boolean', help: 'print the whole analysis as one JSON object on stdout (problems included)' },
    compare: { type: 'boolean', help: 'also plan the same network without operator reordering and with a full update' },
    timeline: { type: 'boolean', help: 'include the memory timeline (live bytes per op of the schedule)' },
  },
  run(ctx) {
    const file = ctx.positional[0];
    const text = readConfigText(ctx, file);
    if (typeof text === 'number') return text;
    const analysis = analyze(text, { compare: ctx.flags.compare, timeline: ctx.flags.timeline, configPath: resolve(file) }); // an import: is relative to the config's folder
    const errors = analysis.problems.filter((p) => p.severity === 'error');
    if (ctx.flags.json) {
      ctx.out(JSON.stringify(analysis, null, 2));
    } else {
      for (const p of analysis.problems) ctx.err(formatProblem(file, p));
      if (analysis.model) ctx.out(formatAnalysis(analysis));
    }
    return errors.length > 0 || !analysis.model ? EXIT.problem : EXIT.ok;
  },
});
