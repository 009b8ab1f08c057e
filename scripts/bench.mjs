// Runs every bench/*.bench.ts (each prints one JSON object as its last stdout line), side by
// side in one run, and writes them together to bench/results/bench.json.
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const only = process.argv.slice(2);
const files = readdirSync('bench').filter((f) => f.endsWith('.bench.ts') && (only.length === 0 || only.includes(f.replace('.bench.ts', '')))).sort();
const results = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version, date: new Date().toISOString() }, benches: {} };
// The LSP benches spawn dist/server.js: build this tree's bundles first, or they would measure
// whatever an earlier build left there.
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) { process.stderr.write('bench: building the bundles failed\n'); process.exit(1); }
let failed = 0;
for (const f of files) {
  process.stderr.write(`bench ${f} ...\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${f}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  const lines = (r.stdout ?? '').trim().split('\n');
  try {
    results.benches[f.replace('.bench.ts', '')] = JSON.parse(lines[lines.length - 1]);
  } catch {
    failed++;
    results.benches[f.replace('.bench.ts', '')] = { error: `exit ${r.status}; no JSON result`, output: lines.slice(-5) };
  }
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/bench.json', JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
process.exit(failed ? 1 : 0);
