// Every mistake of issue 16, as a table: the intended exit code, a message naming what is
// wrong, no stack trace, no bare library text, and a short stderr. None of them builds anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ROOT } from '../../helpers/examples.js';

const dir = mkdtempSync(join(tmpdir(), 'tinytrain-errors-'));
const MNIST = join(ROOT, 'examples', 'mnist-transfer', 'transfer.tinytrain.yaml');
const MCUNET = join(ROOT, 'examples', 'mcunet-5fps', '99kb.tinytrain.yaml');
const transfer = readFileSync(MNIST, 'utf8');
const write = (name: string, text: string | Buffer): string => { const f = join(dir, name); writeFileSync(f, text); return f; };

// Configs and data folders the cases point at.
const threeClassesMnist = write('three.tinytrain.yaml', transfer.replace('classes: 5    ', 'classes: 3    ').replace(/\n  classes: \[5, 6, 7, 8, 9\]/, ''));
// Below the compact schedule's plan of the transfer example (about 19 KB).
const tooSmall = write('small.tinytrain.yaml', transfer.replace('board: stm32f405 ', 'board: stm32f405\n  sram: 16KB '));
const empty = write('empty.tinytrain.yaml', '');
const binary = write('binary.tinytrain.yaml', Buffer.alloc(11 << 20, 'x\u0001'));
const folder = (name: string, classes: string[]): string => {
  const root = join(dir, name);
  const png = new PNG({ width: 28, height: 28 });
  png.data.fill(128);
  for (const c of classes) {
    mkdirSync(join(root, c), { recursive: true });
    for (let i = 0; i < 4; i++) writeFileSync(join(root, c, `${i}.png`), PNG.sync.write(png));
  }
  return root;
};
const fiveClasses = folder('five', ['a', 'b', 'c', 'd', 'e']);
const oneClass = folder('one', ['only']);
// Folder names are the class names: one that clears the screen and one that reorders the line.
const hostileNames = folder('hostile', ['a\u001b[2Jb', 'c\u202ed', 'e', 'f', 'g']);
const folderConfig = (name: string, data: string) => write(`${name}.tinytrain.yaml`, transfer.replace('classes: 5    ', 'classes: 3    ').replace('source: mnist ', `source: ${data}`).replace(/\n  classes: \[5, 6, 7, 8, 9\]/, '').replace(/\npretrain:[\s\S]*$/, '\n'));
const fiveForThree = folderConfig('five-for-three', fiveClasses);
const oneForThree = folderConfig('one-class', oneClass);
const hostileForThree = folderConfig('hostile', hostileNames);
const badContrib = write('bad.contrib.json', '{"version": 1, "net');

interface Case { name: string; args: string[]; code: number; message: RegExp; stdout?: RegExp }
const CASES: Case[] = [
  { name: 'misspelled --board', args: ['train', MNIST, '--boar', 'stm32f405'], code: 2, message: /unknown option --boar \(did you mean --board\?\)/ },
  { name: 'misspelled --steps', args: ['train', MNIST, '--stpes', '5'], code: 2, message: /unknown option --stpes \(did you mean --steps\?\)/ },
  { name: 'misspelled --json', args: ['analyze', MNIST, '--jsn'], code: 2, message: /unknown option --jsn \(did you mean --json\?\)/ },
  { name: 'negative --steps', args: ['train', MNIST, '--steps', '-5'], code: 2, message: /--steps must be a whole number from 1 to \d+; got -5/ },
  { name: '--steps without a value', args: ['train', MNIST, '--steps'], code: 2, message: /--steps needs a value/ },
  { name: 'negative --budget', args: ['search', MCUNET, '--budget', '-5KB'], code: 2, message: /--budget: '-5KB' is not a size/ },
  { name: '--budget in a bad unit', args: ['search', MCUNET, '--budget', '64kg'], code: 2, message: /--budget: '64kg' is not a size/ },
  { name: '--version', args: ['--version'], code: 0, message: /^$/, stdout: /^\d+\.\d+\.\d+\n$/ },
  { name: '-v', args: ['-v'], code: 0, message: /^$/, stdout: /^\d+\.\d+\.\d+\n$/ },
  { name: 'train -h documents every flag', args: ['train', '-h'], code: 0, message: /^$/, stdout: /^(?=[\s\S]*--csv FILE)(?=[\s\S]*--baud BAUD)(?=[\s\S]*--no-flash)(?=[\s\S]*--eval N)(?=[\s\S]*relative to the current folder)/ },
  { name: 'board --help documents --timeout', args: ['board', '--help'], code: 0, message: /^$/, stdout: /--timeout SECONDS/ },
  { name: 'search --help documents --samples and --seed', args: ['search', '--help'], code: 0, message: /^$/, stdout: /--samples N[\s\S]*--seed N/ },
  { name: 'a folder as the config (analyze)', args: ['analyze', join(ROOT, 'examples')], code: 2, message: /examples is a folder; give the path of a \*\.tinytrain\.yaml config/ },
  { name: 'a folder as the config (train)', args: ['train', join(ROOT, 'examples')], code: 2, message: /examples is a folder; give the path of a \*\.tinytrain\.yaml config/ },
  { name: 'a missing config', args: ['build', join(dir, 'nope.tinytrain.yaml')], code: 2, message: /nope\.tinytrain\.yaml: no such file/ },
  { name: 'an unknown board', args: ['train', MNIST, '--board', 'esp32'], code: 2, message: /--board must be one of .*; got 'esp32'/ },
  { name: 'a virtual board other than the F405', args: ['board', '--virtual', '--board', 'stm32f746'], code: 2, message: /the virtual board emulates an STM32F405 only/ },
  { name: 'flash to a port that does not exist', args: ['flash', MNIST, '--port', '/dev/ttyNOPE'], code: 2, message: /--port \/dev\/ttyNOPE: no such serial port/ },
  { name: 'train on a port that does not exist', args: ['train', MNIST, '--board', 'stm32f405', '--port', '/dev/ttyNOPE'], code: 2, message: /--port \/dev\/ttyNOPE: no such serial port/ },
  { name: 'a board without a device', args: ['train', MNIST, '--board', 'stm32f405'], code: 2, message: /--board stm32f405 needs a device: --port <path> .* or --virtual/ },
  { name: 'an 11 MB binary file as the config', args: ['analyze', binary], code: 1, message: /binary\.tinytrain\.yaml:\d+:\d+: error: / },
  { name: 'an empty config', args: ['analyze', empty], code: 1, message: /docs\/config-language\.md/ },
  { name: 'build a config over its budget', args: ['build', tooSmall], code: 1, message: /small\.tinytrain\.yaml:\d+:\d+: error: Training needs .* more than the 16 KB budget[\s\S]*nothing was built or trained/ },
  { name: 'train a config over its budget', args: ['train', tooSmall, '--board', 'host'], code: 1, message: /small\.tinytrain\.yaml:\d+:\d+: error: Training needs .* more than the 16 KB budget/ },
  { name: 'pretrain a config over its budget', args: ['pretrain', tooSmall], code: 1, message: /small\.tinytrain\.yaml:\d+:\d+: error: Training needs/ },
  { name: 'MNIST (10 classes) for a 3-class model', args: ['train', threeClassesMnist], code: 1, message: /model\.classes is 3 but the data has 10 classes/ },
  { name: 'a 5-class folder for a 3-class model', args: ['train', fiveForThree], code: 1, message: /model\.classes is 3 but the data has 5 classes \(a, b, c, d, e\)/ },
  { name: 'class folder names with an escape sequence and a bidi override', args: ['train', hostileForThree], code: 1, message: /the data has 5 classes \(a\?\[2Jb, c\?d, e, f, g\)/ },
  { name: 'a 1-class folder', args: ['train', oneForThree], code: 1, message: /the data has 1 class \(only\); training a classifier needs at least 2/ },
  { name: 'a data folder that does not exist', args: ['train', MNIST, '--data', join(dir, 'no-such-data')], code: 1, message: /the data .*no-such-data cannot be used: .*does not exist/ },
  { name: 'compile into /proc', args: ['compile', MNIST, '-o', '/proc/tinytrain-x'], code: 1, message: /--out \/proc\/tinytrain-x: cannot create \/proc\/tinytrain-x/ },
  { name: 'an unreadable contributions file', args: ['search', MCUNET, '--contrib', badContrib], code: 1, message: /bad\.contrib\.json is not a readable contributions file .*; measure again with 'tinytrain contrib <config> --force'/ },
  { name: 'no command', args: [], code: 2, message: /usage: tinytrain <command>/ },
  { name: 'an unknown command', args: ['frobnicate'], code: 2, message: /unknown command 'frobnicate'/ },
  { name: 'an extra argument', args: ['analyze', MNIST, 'extra'], code: 2, message: /unexpected argument 'extra'/ },
];

// Library text that must never reach the user alone.
const BARE = [/^Error: /m, /ENOENT|EISDIR|EACCES/, /Unexpected end of JSON input(?! *\))/, /waitng on finished stream/, /Inappropriate ioctl/];

test('every mistake of the issue gives its exit code and a message naming it', { timeout: 600_000 }, async (t) => {
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const c of CASES) {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), ...c.args], { encoding: 'utf8', cwd: dir, timeout: 120_000, maxBuffer: 256 << 20 });
    const where = `${c.name}: tinytrain ${c.args.map((a) => a.replace(dir, '<tmp>')).join(' ')}\n${r.stderr.slice(0, 2000)}`;
    assert.equal(r.status, c.code, where);
    assert.match(r.stderr, c.message, where);
    if (c.stdout) assert.match(r.stdout, c.stdout, where);
    assert.doesNotMatch(r.stderr, /\n\s+at \S+ \(/, `${where}\nno stack trace`);
    for (const b of BARE) assert.doesNotMatch(r.stderr, b, `${where}\nno bare library text (${b})`);
    // Whatever a name or a device holds, the terminal gets no control character but newline and tab.
    assert.doesNotMatch(r.stderr + r.stdout, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/u, `${where}\nno terminal control characters`);
    assert.ok(r.stderr.length < 8000, `${c.name}: stderr is ${r.stderr.length} characters`);
  }
});
