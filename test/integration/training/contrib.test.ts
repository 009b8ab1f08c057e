// Contribution analysis on a tiny synthetic network: contributions are measured with the same
// program trainOnHost builds, the cache is written whole and reused, and a cancel mid-run leaves
// neither a cache file nor a process behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findBestPlan } from '../../../compiler/search.js';
import { resolveUpdate } from '../../../compiler/sparse/scheme.js';
import { parseProgressLine } from '../../../protocol/run-stream.js';
import { contributionsOf, measureContributions, type ContribFile, type ContribProgress } from '../../../training/contrib.js';
import { trainOnHost } from '../../../training/host-train.js';
import { prepareSynthetic } from '../../../training/synthetic.js';
import type { Prepared } from '../../../training/prepare.js';
import { configText } from '../../helpers/examples.js';

const TEXT = configText({
  input: [8, 8, 1], classes: 3,
  layers: [{ conv: { out: 8, kernel: 3, stride: 2 } }, { mbconv: { out: 8, kernel: 3, expand: 2 } }],
  update: '    biases: 2',
});
const STEPS = 24;

let prepared: Promise<Prepared> | undefined;
const tiny = (): Promise<Prepared> => (prepared ??= prepareSynthetic(TEXT, { train: 48, test: 24, seed: 3 }));

/** Processes that are our children or mention the work folder (gcc, cc1, the trainer). */
function ours(dir: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (fields[0] === 'Z') continue; // already dead, waiting to be reaped
      if (Number(fields[1]) === process.pid || cmd.includes(dir)) out.push(`${pid} ${cmd.slice(0, 120)}`);
    } catch { /* gone meanwhile */ }
  }
  return out;
}

test('contributions are measured for every bias count and weight choice, with progress, and cached whole', async () => {
  const p = await tiny();
  const cacheFile = join(p.dir, 'tiny.contrib.json');
  const events: ContribProgress[] = [];
  const r = await measureContributions(p, { steps: STEPS, jobs: 2, cacheFile, onProgress: (e) => events.push(e) });
  assert.equal(r.cached, false);
  const f: ContribFile = JSON.parse(readFileSync(cacheFile, 'utf8'));
  assert.deepEqual(f, r.file);
  assert.equal(events.length, f.runs);
  assert.deepEqual(events.map((e) => e.done), Array.from({ length: f.runs }, (_, i) => i + 1));
  assert.ok(events.every((e) => e.total === f.runs));
  // `tinytrain contrib --json` prints each as a run-stream progress line, which the editor reads.
  for (const e of events) assert.deepEqual(parseProgressLine(JSON.stringify({ progress: 'contrib', ...e })), { progress: 'contrib', ...e });
  assert.deepEqual(f.bias.map((b) => b.k), [1, 2, 3, 4]);
  assert.equal(f.settings.repeats, 2, 'two orders of the training samples per plan by default');
  assert.equal(f.runs % 2, 0);
  // conv 0 has one input channel (only ratio 1 selects one); the others have 8 or 16.
  assert.deepEqual(f.weights.filter((w) => w.conv === 0).map((w) => w.text), ['1']);
  for (const c of [1, 2, 3]) assert.deepEqual(f.weights.filter((w) => w.conv === c).map((w) => w.text), ['1/8', '1/4', '1/2', '1']);
  for (const x of [...f.bias, ...f.weights]) assert.ok(Number.isFinite(x.delta) && x.accuracy >= 0 && x.accuracy <= 1);
  assert.ok(!readdirSync(p.dir).some((n) => n.endsWith('.tmp')), 'no temporary file left');
  const s = findBestPlan(p.net, contributionsOf(f, p.net), { budgetKB: 2, samples: 200, paretoLevels: [], compareRandom: false });
  assert.ok(s.best && s.best.extraKB <= 2);

  // Reused: same model, data and settings -> the cached file, no run.
  const again: ContribProgress[] = [];
  const t0 = performance.now();
  const r2 = await measureContributions(p, { steps: STEPS, jobs: 2, cacheFile, onProgress: (e) => again.push(e) });
  assert.equal(r2.cached, true);
  assert.equal(again.length, 0);
  assert.deepEqual(r2.file, f);
  assert.ok(performance.now() - t0 < 3000);
  // Other settings -> another key.
  const r3 = await measureContributions(p, { steps: STEPS + 1, jobs: 2, cacheFile: join(p.dir, 'other.json'), biasCounts: [1], convs: [] });
  assert.notEqual(r3.file.key, f.key);
});

test('a run measures exactly what trainOnHost trains (same generated program, same data)', async () => {
  const p = await tiny();
  const r = await measureContributions(p, { steps: STEPS, jobs: 2, holdout: 0, repeats: 1, biasCounts: [2], convs: [3], ratios: [1 / 2], cacheFile: join(p.dir, 'same.json') });
  const net = p.net;
  const viaHost = await trainOnHost(p, { steps: STEPS, update: resolveUpdate(net, { biases: 4, classifier: true, weights: [{ conv: 3, ratio: 1 / 2 }] }) });
  assert.equal(r.file.weights[0].accuracy, viaHost.accuracy);
});

test('cancelling mid-run leaves no cache file, no temporary file and no process', async () => {
  const p = await tiny();
  const cacheFile = join(p.dir, 'cancelled.contrib.json');
  rmSync(cacheFile, { force: true });
  const before = new Set(ours(p.dir)); // e.g. tsx's esbuild service, started before the run
  const ac = new AbortController();
  let seen = 0;
  const run = measureContributions(p, {
    steps: 4000, jobs: 2, cacheFile, force: true, signal: ac.signal,
    onProgress: () => { if (++seen === 1) setTimeout(() => ac.abort(), 150); }, // abort while the next runs are in flight
  });
  await assert.rejects(run, (err: Error) => err.name === 'AbortError');
  assert.ok(seen >= 1 && seen < 10, `${seen} runs finished before the cancel`);
  assert.equal(existsSync(cacheFile), false, 'no cache file');
  assert.ok(!readdirSync(p.dir).some((n) => n.endsWith('.tmp') || n.startsWith('contrib-')), 'no temporary file or work folder');
  const started = (): string[] => ours(p.dir).filter((x) => !before.has(x));
  let left = started();
  for (let i = 0; i < 20 && left.length; i++) { await new Promise((r) => setTimeout(r, 100)); left = started(); }
  assert.deepEqual(left, [], 'no process of ours is left');
});
