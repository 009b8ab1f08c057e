// `model: { import: file.onnx }` in a config: the language server's analysis and hover are the
// .tflite import's (one import entry point, cached per content hash); a node TinyTrain cannot
// take is an error on the import value naming the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../../compiler/analyze.js';
import { importTflite } from '../../../compiler/import/lower.js';
import { onnxRoot } from '../../../compiler/import/onnx.js';
import { hoverAt } from '../../../server/hover.js';
import { writeOnnx } from '../../helpers/onnx-writer.js';
import { sharedModel } from '../../helpers/shared-models.js';

const dir = mkdtempSync(join(tmpdir(), 'tt-onnx-config-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const configPath = join(dir, 'kws.tinytrain.yaml');
const kws = importTflite(readFileSync(sharedModel('mlperf_tiny_kws_dscnn_int8.tflite').path)).model!;
writeFileSync(join(dir, 'kws.onnx'), writeOnnx(kws, 'qdq'));
const config = (file: string): string => `model:\n  name: kws\n  import: ${file}\n  classes: 4\ntarget:\n  board: stm32f746\ntrain:\n  update: { biases: 3, weights: { 8: 1/4 }, classifier: true }\n`;

test('a config importing an .onnx analyzes like the .tflite one, with the hover listing the imported nodes', () => {
  const text = config('kws.onnx');
  const a = analyze(text, { configPath });
  assert.deepEqual(a.problems.filter((p) => p.severity === 'error'), []);
  assert.equal(a.layers.length, 9);
  assert.deepEqual(a.layers[0].inShape, [49, 10, 1]);
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('import:'));
  const value = (hoverAt(a, lines, { line, character: lines[line].indexOf('.onnx') })?.contents as { value: string }).value;
  assert.match(value, /^\*\*imported\*\* .* 9 convs · 49x10x1 in · a new classifier for 4 classes \(the file has 12\)/);
  assert.match(value, /\| \d+ \| Conv "Conv_\d+" \| 8 \| 25x5x64 \| bias \+ weights 16\/64 \|/);
});

test('an unsupported node in the .onnx is an error on the import value naming the node', () => {
  const M = onnxRoot().lookupType('onnx.ModelProto');
  const m = M.toObject(M.decode(writeOnnx(kws, 'qdq')), { longs: Number }) as { graph: { node: { op_type: string }[] } };
  const at = m.graph.node.findIndex((n) => n.op_type === 'Softmax');
  m.graph.node[at].op_type = 'LogSoftmax';
  writeFileSync(join(dir, 'bad.onnx'), M.encode(M.fromObject(m)).finish());
  const text = config('bad.onnx');
  const p = analyze(text, { configPath }).problems.find((x) => x.code === 'import-unsupported');
  assert.ok(p);
  assert.equal(text.slice(p.offsets[0], p.offsets[1]), 'bad.onnx');
  assert.match(p.message, new RegExp(`^bad\\.onnx: node ${at} "Softmax_\\d+" \\(LogSoftmax\\): is not supported`));
});
