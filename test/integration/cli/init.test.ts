// `tinytrain init`: its help, the file it writes (analyzed by `tinytrain analyze` with no error),
// and the inputs it refuses without touching anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../helpers/examples.js';

const cli = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), ...args], { encoding: 'utf8', cwd });

test('init --help documents the options and the starting networks', () => {
  const r = cli(ROOT, 'init', '--help');
  assert.equal(r.status, 0, r.stderr);
  for (const w of ['--board', '--network', '-o, --out', '--force', 'mnist-transfer', 'mcunet-5fps', 'stm32f405', '--from FILE.tflite', '--classes']) assert.ok(r.stdout.includes(w), w);
  assert.match(cli(ROOT, 'help').stdout, /^ {2}init +a new commented config/m);
});

test('init writes a config that analyzes with no error; an existing file is kept without --force', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinytrain-init-'));
  const r = cli(dir, 'init', '--board', 'stm32f405', '-o', 'sub/first.tinytrain.yaml', '--samples', '200', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.file, join(dir, 'sub', 'first.tinytrain.yaml'));
  assert.equal(out.board, 'stm32f405');
  assert.ok(out.extraKB <= out.budgetKB);
  const a = cli(dir, 'analyze', out.file, '--json');
  assert.equal(a.status, 0, a.stderr);
  assert.deepEqual(JSON.parse(a.stdout).problems, []);
  assert.match(readFileSync(out.file, 'utf8'), /name: first /);
  writeFileSync(out.file, 'mine\n');
  const again = cli(dir, 'init', '-o', 'sub/first.tinytrain.yaml', '--samples', '50');
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists; pass --force to overwrite it/);
  assert.equal(readFileSync(out.file, 'utf8'), 'mine\n');
  assert.equal(cli(dir, 'init', '-o', 'sub/first.tinytrain.yaml', '--samples', '50', '--force').status, 0);
  assert.notEqual(readFileSync(out.file, 'utf8'), 'mine\n');
});

test('init refuses an unknown board or network, a .tflite as --network (it goes in --from) and a name without .tinytrain.yaml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinytrain-init-'));
  const board = cli(dir, 'init', '--board', 'esp32');
  assert.equal(board.status, 2);
  assert.match(board.stderr, /--board must be one of .*stm32f405.*; got 'esp32'/);
  const net = cli(dir, 'init', '--network', 'resnet');
  assert.equal(net.status, 2);
  assert.match(net.stderr, /unknown network 'resnet'/);
  const tflite = cli(dir, 'init', '--network', 'model.tflite');
  assert.equal(tflite.status, 2);
  assert.match(tflite.stderr, /a \.tflite model goes in --from/);
  const name = cli(dir, 'init', '-o', 'x.yaml');
  assert.equal(name.status, 2);
  assert.match(name.stderr, /must end in \.tinytrain\.yaml/);
});
