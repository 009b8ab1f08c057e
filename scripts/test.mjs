// Runs the whole suite with node's own test runner (its summary is what CI reads).
// Usage: node scripts/test.mjs [unit|integration|e2e ...]  (default: unit and integration;
// e2e joins when TINYTRAIN_E2E=1 or it is named).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const named = process.argv.slice(2);
const suites = named.length ? named : ['unit', 'integration', ...(process.env.TINYTRAIN_E2E === '1' ? ['e2e'] : [])];

function findTests(dir) {
  let out = [];
  let entries = [];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(findTests(p));
    else if (/\.test\.(ts|mjs)$/.test(e)) out.push(p);
  }
  return out;
}

const deps = spawnSync('bash', ['scripts/ensure-system-deps.sh', 'all'], { stdio: 'inherit' });
if (deps.status !== 0) process.exit(deps.status ?? 1);
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const files = suites.filter((s) => s !== 'e2e').flatMap((s) => findTests(join('test', s)));
const e2e = suites.includes('e2e') ? findTests(join('test', 'e2e')) : [];
if (files.length + e2e.length === 0) {
  console.error('no test files found for suites: ' + suites.join(', '));
  process.exit(1);
}
let status = 0;
if (files.length) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
  status = r.status ?? 1;
}
if (e2e.length) {
  // The e2e files share one packaged .vsix and each drives its own code-server: one at a time.
  const pkg = spawnSync('npm', ['run', '--silent', 'package'], { stdio: 'inherit' });
  if (pkg.status !== 0) process.exit(pkg.status ?? 1);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...e2e], { stdio: 'inherit', env: { ...process.env, TINYTRAIN_E2E_PACKAGED: '1' } });
  status = status || (r.status ?? 1);
}
process.exit(status);
