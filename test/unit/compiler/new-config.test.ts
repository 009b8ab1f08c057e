// New configs (`tinytrain init`, TinyTrain: New Config…): every starting network on every board it
// fits analyzes with no error, keeps its example's comments, and trains the plan the search picks
// for that board's budget; a network that cannot fit says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../compiler/analyze.js';
import { parseConfig } from '../../../compiler/config/parse.js';
import { EXAMPLE_STARTERS, examplesDir, modelNameFrom, NewConfigError, newConfigText, starterById, topLevelSections } from '../../../compiler/new-config.js';
import { buildNetwork } from '../../../compiler/ir/network.js';
import { defaultBudgetKB } from '../../../compiler/search.js';

const exampleText = (id: string) => readFileSync(join(examplesDir(), starterById(id).example), 'utf8');

for (const starter of EXAMPLE_STARTERS) {
  for (const board of ['stm32f405', 'stm32f746', 'nrf52840']) {
    test(`${starter.id} on ${board}: analyzes with no error, the searched plan within the budget`, () => {
      const r = newConfigText({ board, starter, exampleText: exampleText(starter.id), name: 'my-net', samples: 300 });
      const a = analyze(r.text);
      assert.deepEqual(a.problems.filter((p) => p.severity === 'error').map((p) => p.message), []);
      const spec = parseConfig(r.text).spec!;
      assert.equal(spec.model.name, 'my-net');
      assert.equal(spec.target.board.name, board);
      assert.equal(spec.train.update.biases, r.plan.biases);
      assert.ok(r.plan.extraKB <= r.budgetKB + 1e-9, `${r.plan.extraKB} KB in ${r.budgetKB} KB`);
      assert.ok(a.plan!.peakSramBytes <= spec.target.sramBytes, 'the planned peak fits the board');
      assert.ok(Math.abs(r.budgetKB - defaultBudgetKB(buildNetwork(spec.model), spec.target.sramBytes)) < 1e-9);
      // The example's own comments come along with its network.
      const firstLayer = exampleText(starter.id).split('\n').find((l) => /^\s+- conv:/.test(l))!;
      assert.ok(r.text.includes(firstLayer), firstLayer);
      assert.match(r.text, /^# my-net: made by `tinytrain init`/);
    });
  }
}

test('the MNIST network brings its data: and pretrain: sections; MCUNet says it has no data yet', () => {
  const m = newConfigText({ board: 'stm32f405', starter: starterById('mnist-transfer'), exampleText: exampleText('mnist-transfer'), samples: 200 });
  const spec = parseConfig(m.text).spec!;
  assert.equal(spec.data?.source, 'mnist');
  assert.deepEqual(spec.pretrain?.classes, [0, 1, 2, 3, 4]);
  const c = newConfigText({ board: 'stm32f746', starter: starterById('mcunet-5fps'), exampleText: exampleText('mcunet-5fps'), samples: 200 });
  assert.equal(parseConfig(c.text).spec!.data, undefined);
  assert.match(c.text, /# No data: section yet/);
});

test('a network that leaves nothing to train on the board is refused with the figures', () => {
  const tiny = exampleText('mcunet-5fps').replace('input: [128, 128, 3]', 'input: [512, 512, 3]');
  assert.throws(() => newConfigText({ board: 'stm32f405', starter: starterById('mcunet-5fps'), exampleText: tiny, samples: 100 }),
    (e: unknown) => e instanceof NewConfigError && /does not fit stm32f405: inference alone needs [\d.]+ KB of its 192 KB/.test(e.message));
  assert.throws(() => newConfigText({ board: 'esp32', starter: starterById('mnist-transfer'), exampleText: exampleText('mnist-transfer') }), /unknown board 'esp32'/);
  assert.throws(() => starterById('resnet'), /unknown starting network 'resnet' \(known: mnist-transfer, mcunet-5fps\)/);
});

test('top-level sections keep their comments; model names come from file names', () => {
  const s = topLevelSections('# head\nmodel:\n  name: a # c\n# about target\ntarget:\n  board: x\n\ntrain: {}\n');
  assert.deepEqual(s.get('model'), ['model:', '  name: a # c']);
  assert.deepEqual(s.get('target'), ['target:', '  board: x']);
  assert.equal(modelNameFrom('/w/My Net_2.tinytrain.yaml'), 'my-net-2');
  assert.equal(modelNameFrom('42.tinytrain.yaml'), 'model-42');
});
