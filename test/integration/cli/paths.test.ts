// Where the command line writes: only where the user said (-o) and in .tinytrain/<model name>/
// beside the config, never above it through `..` (or anything else) in a config value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInside } from '../../../client/paths.js';
import { workDir } from '../../../training/workspace.js';
import { ROOT } from '../../helpers/examples.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), ...args], { encoding: 'utf8', cwd: ROOT, maxBuffer: 64 << 20 });

const config = (name: string) => `model:
  name: ${name}
  input: [8, 8, 1]
  classes: 2
  layers:
    - conv: { out: 4, kernel: 3, stride: 2 }
target:
  board: host
train:
  update:
    biases: 1
`;

test('a model name that climbs out (../..) is a located error and nothing is written', () => {
  const base = mkdtempSync(join(tmpdir(), 'tinytrain-paths-'));
  try {
    const work = join(base, 'a', 'b');
    mkdirSync(work, { recursive: true });
    const file = join(work, 'climb.tinytrain.yaml');
    for (const name of ['../../escape', '"../../../tmp/x"', '/etc/x', '".."']) {
      writeFileSync(file, config(name));
      const r = cli('compile', file, '-o', join(work, 'out'));
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /climb\.tinytrain\.yaml:2:9: error: 'name' .*a model name has letters, digits/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.deepEqual(readdirSync(base), ['a']);
    assert.deepEqual(readdirSync(join(base, 'a')), ['b']);
    assert.deepEqual(readdirSync(work), ['climb.tinytrain.yaml']);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('compile writes only into -o and .tinytrain/<name>/ beside the config', () => {
  const base = mkdtempSync(join(tmpdir(), 'tinytrain-paths-'));
  try {
    const work = join(base, 'w');
    mkdirSync(work);
    const file = join(work, 'ok.tinytrain.yaml');
    writeFileSync(file, config('plain-name'));
    const r = cli('compile', file, '-o', join(base, 'out'));
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(base).sort(), ['out', 'w']);
    assert.deepEqual(readdirSync(work).sort(), ['.tinytrain', 'ok.tinytrain.yaml']);
    assert.deepEqual(readdirSync(join(work, '.tinytrain')), ['plain-name']);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('workDir: whatever the name, the folder is one segment under .tinytrain/', () => {
  const base = mkdtempSync(join(tmpdir(), 'tinytrain-paths-'));
  try {
    const cfg = join(base, 'c.tinytrain.yaml');
    for (const name of ['..', '../..', '../../x', '/abs', 'a/../../b', '.hidden', '', 'x\n/..']) {
      const d = workDir(cfg, name);
      assert.equal(join(d, '..'), join(base, '.tinytrain'), `${JSON.stringify(name)} -> ${d}`);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('isInside: the check that keeps the extension\'s output folder inside the workspace', () => {
  assert.ok(isInside('/w', '/w'));
  assert.ok(isInside('/w', '/w/build/x'));
  assert.ok(isInside('/w', '/w/..foo'));
  assert.ok(!isInside('/w', '/w/../x'));
  assert.ok(!isInside('/w', '/'));
  assert.ok(!isInside('/w', '/wx'));
  assert.ok(!isInside('/w/a', '/w/a/b/../../c'));
});
