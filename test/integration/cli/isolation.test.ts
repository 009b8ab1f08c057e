// Runs of one config at once are isolated: two host trainings with different data, started
// together, print exactly what each prints alone; a corrupt cache entry is noticed, reported
// in one line and rebuilt; no temporary file is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { mnistDigit } from '../../../datasets/mnist.js';
import { ROOT } from '../../helpers/examples.js';

const CLI = join(ROOT, 'bin', 'tinytrain.js');
const dir = mkdtempSync(join(tmpdir(), 'tinytrain-isolation-'));
const config = join(dir, 'tiny.tinytrain.yaml');
const work = join(dir, '.tinytrain', 'tiny');
// The transfer example, smaller: its own folder, so its caches start empty.
writeFileSync(config, readFileSync(join(ROOT, 'examples', 'mnist-transfer', 'transfer.tinytrain.yaml'), 'utf8')
  .replace('name: mnist-transfer', 'name: tiny').replace('train: 1000', 'train: 150').replace('test: 500', 'test: 50')
  .replace('samples: 2500', 'samples: 300').replace('epochs: 3', 'epochs: 1'));
// Other data for the same classes: digits 0-4 filed as classes 5-9.
const other = join(dir, 'other-digits');
for (const cls of [5, 6, 7, 8, 9]) {
  mkdirSync(join(other, String(cls)), { recursive: true });
  mnistDigit(cls - 5).slice(0, 50).forEach((px, i) => {
    const png = new PNG({ width: 28, height: 28 });
    for (let j = 0; j < 784; j++) { const v = Math.round(px[j] * 255); png.data.set([v, v, v, 255], j * 4); }
    writeFileSync(join(other, String(cls), `${i}.png`), PNG.sync.write(png));
  });
}

const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => new Promise((resolve) => {
  const c = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  c.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  c.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  c.on('close', (code) => resolve({ code, stdout, stderr }));
});
const A = ['train', config, '--steps', '40'];
const B = ['train', config, '--steps', '40', '--data', other];
const temps = (): string[] => readdirSync(work, { recursive: true }).map(String).filter((n) => /\.tmp(\b|-|$)/.test(n));

test('two trainings of one config with different data at once give exactly their results alone', { timeout: 300_000 }, async (t) => {
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const aloneA = await run(A);
  assert.equal(aloneA.code, 0, aloneA.stderr);
  const aloneB = await run(B);
  assert.equal(aloneB.code, 0, aloneB.stderr);
  assert.notEqual(aloneA.stdout, aloneB.stdout, 'the two data sets train differently');
  const [a, b] = await Promise.all([run(A), run(B)]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(a.stdout, aloneA.stdout, 'run A alongside B = run A alone');
  assert.equal(b.stdout, aloneB.stdout, 'run B alongside A = run B alone');
  assert.deepEqual(temps(), [], 'no temporary file left');

  // A truncated pretrained cache entry: noticed, said in one line, rebuilt, same weights.
  const entry = readdirSync(work).find((n) => /^pretrained-.*\.ttf$/.test(n))!;
  assert.ok(entry, 'a pretrained cache entry exists');
  const good = readFileSync(join(work, entry));
  truncateSync(join(work, entry), 100);
  const again = spawnSync(process.execPath, [CLI, 'pretrain', config], { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stderr.split('\n').filter((l) => /corrupt/.test(l)).length, 1, again.stderr);
  assert.match(again.stderr, /note: the cached pretrained file .* is corrupt .*; rebuilding it/);
  assert.match(again.stderr, /pretraining in fp32/);
  assert.deepEqual(readFileSync(join(work, entry)), good, 'rebuilt under the same name, byte for byte');
  assert.deepEqual(temps(), [], 'no temporary file left');
});
