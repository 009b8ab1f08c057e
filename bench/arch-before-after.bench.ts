// Editor latency before and after the one-compile-pipeline change (issue 12), in one run: the tree
// at BEFORE (the commit before `compiler/compile.ts` landed) is extracted from git, built, and
// measured against this tree, interleaved in blocks so machine load hits both alike.
// - analyze(): warm, in process, MCUNet-5FPS 99 KB and full update. This tree is measured twice:
//   on the schedule the old tree had (`train.schedule: whole-tensors`), which isolates the
//   pipeline change, and on today's default compact schedule (streamed prefix + chunked backward),
//   whose extra planning is the memory work's cost, not the pipeline's.
// - lsp-edits: the built servers over stdio, single-character edits to diagnostics (the edit loop
//   of lsp-edits.bench.ts), alternating block by block: the old server, this one on the same
//   schedule, this one on the default. The edit-to-diagnostics time is what a user waits; it
//   includes when each server starts an analysis (the old one waits 4 ms after every edit, this
//   one analyzes an edit outside a burst at once), so the analysis round trip each server traces
//   is reported beside it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyze as analyzeNow } from '../compiler/analyze.js';
import { run } from './lsp-edit-latency.js';
import { median, round } from './stats.js';

/** The parent of 2b517bc ("compiler/compile.ts: one compile entry point and one codegen recipe"). */
const BEFORE = '8bee1d77d91e625740c4ad3b21dca2763070ebce';

function sh(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

async function bench(): Promise<void> {
  const root = resolve('.');
  const old = mkdtempSync(join(tmpdir(), 'tinytrain-before-'));
  try {
    // The old tree's files, this tree's node_modules (its lock file is older, not different in
    // what the compiler and server use), and its own bundles.
    sh('sh', ['-c', `git archive ${BEFORE} | tar -x -C '${old}'`], root);
    symlinkSync(join(root, 'node_modules'), join(old, 'node_modules'));
    sh(process.execPath, ['scripts/build.mjs'], old);
    const oldServer = join(old, 'dist', 'server.js');
    if (!existsSync(oldServer)) throw new Error(`${oldServer} was not built`);
    const { analyze: analyzeBefore } = await import(join(old, 'compiler', 'analyze.ts')) as { analyze: typeof analyzeNow };

    const analyzeResult: Record<string, unknown> = {};
    for (const scheme of ['99kb', 'full-update']) {
      const text = readFileSync(`examples/mcunet-5fps/${scheme}.tinytrain.yaml`, 'utf8');
      const whole = text.replace(/^train:\n/m, 'train:\n  schedule: whole-tensors\n');
      if (whole === text) throw new Error(`${scheme}: no train: section to set the schedule in`);
      const variants: [string, () => unknown][] = [['before', () => analyzeBefore(text)], ['afterSameSchedule', () => analyzeNow(whole)], ['afterCompact', () => analyzeNow(text)]];
      for (let i = 0; i < 30; i++) for (const [, f] of variants) f(); // warm the JIT
      const t: Record<string, number[]> = Object.fromEntries(variants.map(([k]) => [k, []]));
      for (let b = 0; b < 60; b++) {
        const order = [...variants.slice(b % 3), ...variants.slice(0, b % 3)];
        for (const [k, f] of order) for (let i = 0; i < 10; i++) { const s = performance.now(); f(); t[k].push(performance.now() - s); }
      }
      const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
      analyzeResult[`mcunet-${scheme}`] = {
        runs: t.before.length, beforeMedianMs: round(m.before), afterSameScheduleMedianMs: round(m.afterSameSchedule), afterCompactMedianMs: round(m.afterCompact),
        sameScheduleRatio: round(m.afterSameSchedule / m.before), compactRatio: round(m.afterCompact / m.before),
      };
    }

    // The edits: the old server on the example, this one on the same schedule and on the default.
    const config = readFileSync('examples/mcunet-5fps/99kb.tinytrain.yaml', 'utf8');
    const sameSchedule = config.replace(/^train:\n/m, 'train:\n  schedule: whole-tensors\n');
    const servers: [string, () => Promise<{ times: number[]; analysisMs: number[] }>][] = [
      ['before', () => run(40, {}, oldServer, config)], ['afterSameSchedule', () => run(40, {}, undefined, sameSchedule)], ['afterCompact', () => run(40, {}, undefined, config)],
    ];
    const edits: Record<string, number[]> = Object.fromEntries(servers.map(([k]) => [k, []]));
    const analyses: Record<string, number[]> = Object.fromEntries(servers.map(([k]) => [k, []]));
    for (let b = 0; b < 6; b++) {
      for (const [k, f] of [...servers.slice(b % 3), ...servers.slice(0, b % 3)]) {
        const r = await f();
        edits[k].push(...r.times);
        analyses[k].push(...r.analysisMs);
      }
    }
    const e = Object.fromEntries(Object.entries(edits).map(([k, v]) => [k, median(v)]));
    // The analysis alone (the server's runner round trip, as each server traces it), without the
    // wait before it: the two servers decide differently when an edit is analyzed.
    const a = Object.fromEntries(Object.entries(analyses).map(([k, v]) => [k, median(v)]));
    console.log(JSON.stringify({
      before: BEFORE,
      analyze: analyzeResult,
      lspEdits: {
        config: 'examples/mcunet-5fps/99kb.tinytrain.yaml', edits: edits.before.length,
        beforeMedianMs: round(e.before, 2), afterSameScheduleMedianMs: round(e.afterSameSchedule, 2), afterCompactMedianMs: round(e.afterCompact, 2),
        sameScheduleRatio: round(e.afterSameSchedule / e.before), compactRatio: round(e.afterCompact / e.before),
        analysis: {
          beforeMedianMs: round(a.before, 2), afterSameScheduleMedianMs: round(a.afterSameSchedule, 2), afterCompactMedianMs: round(a.afterCompact, 2),
          sameScheduleRatio: round(a.afterSameSchedule / a.before), compactRatio: round(a.afterCompact / a.before),
        },
      },
    }));
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
}

bench().catch((err) => {
  console.error(err);
  process.exit(1);
});
