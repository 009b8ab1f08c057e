// `tinytrain init --from model.tflite`: a config that imports the real keyword-spotting model
// (path relative to the written config), with a plan searched for the board, that analyzes with
// no error and fits the board; the same model as a QDQ .onnx file likewise; a model file the
// importer cannot take is refused with the importer's problems (op and index named) and nothing
// is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { OP, readTflite } from '../../../compiler/import/tflite.js';
import { writeTflite } from '../../../compiler/import/tflite-write.js';
import { importTflite } from '../../../compiler/import/lower.js';
import { ROOT } from '../../helpers/examples.js';
import { sharedModel } from '../../helpers/shared-models.js';
import { writeOnnx } from '../../helpers/onnx-writer.js';

const cli = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'tinytrain.js'), ...args], { encoding: 'utf8', cwd });
const KWS = sharedModel('mlperf_tiny_kws_dscnn_int8.tflite');

test('init --from the KWS model: the config imports it by a relative path, analyzes with no error and fits the board', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-init-from-'));
  try {
    for (const [board, classes] of [['stm32f405', undefined], ['nrf52840', 3]] as const) {
      const file = join(dir, 'configs', board, 'kws.tinytrain.yaml');
      const r = cli(dir, 'init', '--from', KWS.path, '--board', board, '-o', file, '--samples', '300', '--json', ...(classes ? ['--classes', String(classes)] : []));
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.file, file);
      assert.equal(out.network, KWS.path);
      assert.ok(out.extraKB > 0 && out.extraKB <= out.budgetKB, r.stdout);
      const text = readFileSync(file, 'utf8');
      const imp = /^ {2}import: (\S+)/m.exec(text);
      assert.ok(imp && !imp[1].startsWith('/'), `a relative import path:\n${text}`);
      assert.equal(readFileSync(join(dirname(file), imp[1])).length, readFileSync(KWS.path).length);
      assert.match(text, /^# kws: made by `tinytrain init` \(TinyTrain: New Config…\) from mlperf_tiny_kws_dscnn_int8\.tflite \(9 convs, 49x10x1 input\)/);
      assert.match(text, new RegExp(`^ {2}classes: ${classes ?? KWS.classes} +# ${classes ? 'not the file' : "the file's"}`, 'm'));
      assert.match(text, /^ {2}update: +# searched: [\d.]+ KB analytic extra memory/m);
      const a = cli(dir, 'analyze', file, '--json');
      assert.equal(a.status, 0, a.stderr);
      const analysis = JSON.parse(a.stdout);
      assert.deepEqual(analysis.problems, []);
      assert.equal(analysis.model.convs, KWS.convs);
      assert.equal(analysis.model.classes, classes ?? KWS.classes);
      assert.equal(analysis.board.name, board);
      assert.ok(analysis.plan.peakSramBytes <= analysis.budget.sramBytes, `${analysis.plan.peakSramBytes} B fits ${analysis.budget.sramBytes} B`);
      assert.equal(analysis.plan.peakSramBytes, out.peakSramBytes, 'the analysis plans the peak the search planned');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('init --from the KWS model as a QDQ .onnx file: the config is named after it, imports it and analyzes with no error', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-init-from-onnx-'));
  try {
    const model = join(dir, 'models', 'kws.onnx');
    mkdirSync(dirname(model), { recursive: true });
    writeFileSync(model, writeOnnx(importTflite(readFileSync(KWS.path)).model!, 'qdq'));
    const r = cli(dir, 'init', '--from', model, '--board', 'stm32f746', '--classes', '4', '--samples', '300', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.file, join(dir, 'kws.tinytrain.yaml'), 'named after the model file, in the current folder');
    const text = readFileSync(out.file, 'utf8');
    assert.match(text, /^ {2}import: models\/kws\.onnx +#/m);
    assert.match(text, /from kws\.onnx \(9 convs, 49x10x1 input\)/);
    assert.match(text, /^ {2}classes: 4 +# not the file's 12/m);
    const a = cli(dir, 'analyze', out.file, '--json');
    assert.equal(a.status, 0, a.stderr);
    const analysis = JSON.parse(a.stdout);
    assert.deepEqual(analysis.problems, []);
    assert.equal(analysis.model.convs, KWS.convs);
    assert.equal(analysis.plan.peakSramBytes, out.peakSramBytes, 'the analysis plans the peak the search planned');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('init --from a missing, float or unsupported model: the importer\'s problems, nothing written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-init-from-'));
  try {
    const edited = (name: string, edit: (m: NonNullable<ReturnType<typeof readTflite>['model']>) => void): string => {
      const m = readTflite(readFileSync(KWS.path)).model!;
      edit(m);
      const path = join(dir, name);
      writeFileSync(path, writeTflite(m));
      return path;
    };
    const float = edited('float.tflite', (m) => { m.tensors[m.inputs[0]].type = 'float32'; });
    const maxPool = edited('maxpool.tflite', (m) => { m.ops[1].code = OP.MAX_POOL_2D; m.ops[1].name = 'MAX_POOL_2D'; });
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.tflite'), /^tinytrain init: \S+missing\.tflite does not exist$/m],
      [float, /^tinytrain init: \S+float\.tflite: .*is a float model .*quantize it to int8 first/m],
      [maxPool, /^tinytrain init: \S+maxpool\.tflite: op 1 \(MAX_POOL_2D\): is not supported yet; TinyTrain imports CONV_2D/m],
    ];
    for (const [model, want] of cases) {
      const r = cli(dir, 'init', '--from', model, '-o', 'new.tinytrain.yaml', '--samples', '50');
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, want);
      assert.equal(existsSync(join(dir, 'new.tinytrain.yaml')), false);
    }
    const both = cli(dir, 'init', '--from', KWS.path, '--network', 'mnist-transfer');
    assert.equal(both.status, 2);
    assert.match(both.stderr, /--from and --network are two starting points/);
    const notAModel = cli(dir, 'init', '--from', 'model.pb');
    assert.equal(notAModel.status, 2);
    assert.match(notAModel.stderr, /--from: model\.pb must be an int8 \.tflite or \.onnx file/);
    const modelAsNetwork = cli(dir, 'init', '--network', 'kws.onnx');
    assert.equal(modelAsNetwork.status, 2);
    assert.match(modelAsNetwork.stderr, /--network kws\.onnx: a \.onnx model goes in --from/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
