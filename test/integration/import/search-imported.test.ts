// `tinytrain search` on a config that imports a .tflite searches the imported network (it once
// built the network from the config's own layers, of which an import has none, and printed an
// empty plan with rc 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../helpers/examples.js';
import { sharedModel } from '../../helpers/shared-models.js';

test('tinytrain search on an imported model: a plan over its convs, within the budget', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-search-imported-'));
  try {
    const config = join(dir, 'kws.tinytrain.yaml');
    writeFileSync(config, `model:
  name: kws-search
  import: ${sharedModel('mlperf_tiny_kws_dscnn_int8.tflite').path}
  classes: 3
target:
  board: stm32f746
train:
  update: { biases: 2, classifier: true }
data:
  source: fashion-mnist
  classes: [1, 7, 8]
`);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), 'search', config, '--budget', '40KB', '--samples', '500'], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const front = r.stdout.split('Pareto front')[1] ?? '';
    const rows = front.split('\n').filter((l) => /^\s+\d+\.\d+\s+\+/.test(l));
    assert.ok(rows.length > 1, `a front of several plans:\n${r.stdout}`);
    const best = /^update:\n\s+biases: (\d+)/m.exec(r.stdout);
    assert.ok(best && Number(best[1]) > 0, `the best plan trains some biases of the imported convs:\n${r.stdout}`);
    const mem = /memory:\s+([\d.]+) KB analytic extra memory/.exec(r.stdout);
    assert.ok(mem && Number(mem[1]) > 0 && Number(mem[1]) <= 40, r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
