// The strict flag parser every command goes through: typed values, and usage errors that name
// the flag for unknown flags, missing values, out-of-range numbers and bad units.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandHelp, parseCommandArgs, type FlagTable } from '../../../cli/args.js';
import { COMMANDS } from '../../../cli/commands.js';

const FLAGS = {
  steps: { type: 'int', min: 1, help: 'training steps' },
  eval: { type: 'int', min: 0, help: 'held-out samples' },
  budget: { type: 'bytes', bareUnit: 'KB', help: 'budget' },
  timeout: { type: 'seconds', help: 'timeout' },
  board: { type: 'string', value: 'BOARD', choices: ['host', 'stm32f405'], help: 'board' },
  out: { type: 'string', short: 'o', value: 'DIR', help: 'out' },
  json: { type: 'boolean', help: 'json' },
} satisfies FlagTable;
const POS = [{ name: '<config>', help: 'a config' }];
const parse = (...argv: string[]) => parseCommandArgs(FLAGS, POS, argv);
const error = (...argv: string[]): string => {
  const r = parse(...argv);
  assert.ok('error' in r, `${argv.join(' ')} should be a usage error`);
  return r.error;
};

test('values come typed: whole numbers, bytes, seconds, switches, short aliases', () => {
  const r = parse('c.yaml', '--steps', '5', '--budget', '64', '--timeout', '2m', '-o', 'out', '--json', '--eval=0');
  assert.ok(!('error' in r));
  assert.deepEqual(r.positional, ['c.yaml']);
  assert.deepEqual(r.flags, { steps: 5, budget: 64 * 1024, timeout: 120, out: 'out', json: true, eval: 0 });
  const b = parse('c.yaml', '--budget', '1.5MB');
  assert.ok(!('error' in b) && b.flags.budget === 1.5 * 1024 * 1024 && b.flags.json === false);
});

test('every mistake the issue lists is an error naming the flag', () => {
  assert.match(error('c.yaml', '--stpes', '5'), /unknown option --stpes \(did you mean --steps\?\)/);
  assert.match(error('c.yaml', '--boar', 'host'), /unknown option --boar \(did you mean --board\?\)/);
  assert.match(error('c.yaml', '--jsn'), /unknown option --jsn \(did you mean --json\?\)/);
  assert.match(error('c.yaml', '--steps', '-5'), /--steps must be a whole number of at least 1; got -5/);
  assert.match(error('c.yaml', '--steps'), /--steps needs a value/);
  assert.match(error('c.yaml', '--steps', '2.5'), /--steps must be a whole number/);
  assert.match(error('c.yaml', '--steps', 'ten'), /--steps must be a whole number/);
  assert.match(error('c.yaml', '--budget', '-5KB'), /--budget: /);
  assert.match(error('c.yaml', '--budget', '5kg'), /--budget: '5kg' is not a size/);
  assert.match(error('c.yaml', '--timeout', '0'), /--timeout must be a duration above 0/);
  assert.match(error('c.yaml', '--board', 'esp32'), /--board must be one of host, stm32f405; got 'esp32'/);
  assert.match(error('c.yaml', '--json=yes'), /--json is a switch and takes no value/);
  assert.match(error(), /missing <config>/);
  assert.match(error('a.yaml', 'b.yaml'), /unexpected argument 'b\.yaml'/);
});

test('--help wins over a missing positional', () => {
  const r = parse('--help');
  assert.ok(!('error' in r) && r.help);
});

test('every command documents every flag, and its help lists them all', () => {
  const names = new Set<string>();
  for (const c of COMMANDS) {
    assert.ok(!names.has(c.name), `${c.name} registered twice`);
    names.add(c.name);
    assert.ok(c.summary.length > 10, `${c.name} has a summary`);
    const help = commandHelp(c);
    for (const [flag, spec] of Object.entries(c.flags)) {
      assert.ok(spec.help.length > 5, `${c.name} --${flag} has help`);
      assert.ok(help.includes(`--${flag}`), `${c.name} --help lists --${flag}`);
    }
    assert.ok(help.includes('--help'));
  }
});
