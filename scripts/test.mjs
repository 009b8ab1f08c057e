// Runs the whole suite with node's own test runner (its summary is what CI reads).
// Usage: node scripts/test.mjs [unit|integration|e2e ...]  (default: unit and integration;
// e2e joins when TINYTRAIN_E2E=1 or it is named).
import { readFileSync, readdirSync, statSync } from 'node:fs';
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
// Every process the suite starts inherits this mark; whatever still carries it once the suite
// is over was leaked by a test (a socat, a QEMU, a code-server): named, killed, and a failure.
const mark = `${process.pid}-${Date.now()}`;
let status = 0;
if (files.length) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env: { ...process.env, TINYTRAIN_TEST_RUN: mark } });
  status = r.status ?? 1;
}
if (e2e.length) {
  // The e2e files share one packaged .vsix and each drives its own code-server: one at a time.
  const pkg = spawnSync('npm', ['run', '--silent', 'package'], { stdio: 'inherit' });
  if (pkg.status !== 0) process.exit(pkg.status ?? 1);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...e2e], { stdio: 'inherit', env: { ...process.env, TINYTRAIN_E2E_PACKAGED: '1', TINYTRAIN_TEST_RUN: mark } });
  status = status || (r.status ?? 1);
}
const survivors = await leftovers(mark);
if (survivors.length) {
  console.error(`\n${survivors.length} process(es) started by the tests survived them:\n${survivors.map((p) => `  ${p.pid} ${p.args}`).join('\n')}`);
  for (const p of survivors) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone meanwhile */ } }
}
process.exit(survivors.length ? 1 : status);

/** Live processes whose environment carries the mark, after a grace period for exits in flight. */
async function leftovers(m) {
  const scan = () => {
    const found = [];
    let pids = [];
    try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)); } catch { return found; } // not Linux: no check
    for (const pid of pids) {
      try {
        if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`TINYTRAIN_TEST_RUN=${m}`)) continue;
        if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1'))) continue; // a zombie is dead
        found.push({ pid: Number(pid), args: readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim() });
      } catch { /* gone, or not ours to read */ }
    }
    return found;
  };
  for (let i = 0; i < 10; i++) {
    const found = scan();
    if (!found.length) return found;
    await new Promise((res) => setTimeout(res, 500));
  }
  return scan();
}
