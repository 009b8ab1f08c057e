// A fine-tuned imported model back to .tflite: the original file's graph with the trained
// tensors written into it (every imported conv's weights and bias, the classifier's), and, when
// the config replaced the classifier, the new classifier with its class count carried through
// the ops after it (RESHAPE / SQUEEZE / SOFTMAX / DEQUANTIZE). Layouts go back the way lower.ts
// brought them in: depthwise [C][KH][KW] -> [1, KH, KW, C]; conv OHWI and FC [O, K] as they are.

import type { Network } from '../ir/network.js';
import type { QParams, QuantModel } from '../weights/model-weights.js';
import type { ImportedModel } from './lower.js';
import { OP, readTflite, type TfliteModel, type TfliteTensor } from './tflite.js';
import { writeTflite } from './tflite-write.js';
import { bytesOf } from '../weights/files.js';

export interface ExportRequest {
  /** The .tflite the config imports, as read from disk. */
  original: Uint8Array;
  imported: ImportedModel;
  /** The compiled network (the config's classes). */
  net: Network;
  /** The trained int8 tensors (TinyTrain layouts). */
  quant: QuantModel;
  /** The quantization of the new classifier's int8 output; needed when the classifier is new. */
  logits?: QParams;
}


/** Writes the fine-tuned model; throws an Error saying what does not fit (never a partial file). */
export function exportTflite(r: ExportRequest): Uint8Array {
  const read = readTflite(r.original);
  if (!read.model) throw new Error(`the imported file no longer reads as a .tflite: ${read.problems.map((p) => p.message).join('; ')}`);
  const m = read.model;
  const convOps = new Map<number, number>();
  for (const l of r.imported.layers) if (l.conv !== undefined) convOps.set(l.conv, l.op);
  if (convOps.size !== r.net.convs.length) throw new Error(`the imported file has ${convOps.size} convs; the compiled network has ${r.net.convs.length} (the file changed since the run?)`);
  const tensor = (i: number | undefined, what: string): TfliteTensor => {
    const t = i !== undefined && i >= 0 ? m.tensors[i] : undefined;
    if (!t) throw new Error(`${what} is missing in the imported file`);
    return t;
  };

  for (const cv of r.net.convs) {
    const op = m.ops[convOps.get(cv.index)!];
    const q = r.quant.convs[cv.index];
    const filter = tensor(op.inputs[1], `the filter of conv ${cv.index} (op ${op.index})`);
    if (op.code === OP.DEPTHWISE_CONV_2D) {
      // TinyTrain [c][tap] -> TFLite [tap][c] (also for a multiplier-m conv on one input channel).
      const cout = cv.cout, taps = cv.taps;
      const w = new Int8Array(q.w.length);
      for (let t = 0; t < taps; t++) for (let c = 0; c < cout; c++) w[t * cout + c] = q.w[c * taps + t];
      filter.data = bytesOf(w);
    } else {
      filter.data = bytesOf(q.w);
    }
    writeBias(m, op.inputs[2], q.b, `conv ${cv.index} (op ${op.index})`);
  }
  writeClassifier(m, r, tensor);
  return writeTflite(m);
}

function writeBias(m: TfliteModel, index: number | undefined, b: Int32Array, what: string): void {
  const t = index !== undefined && index >= 0 ? m.tensors[index] : undefined;
  if (!t) {
    if (b.some((v) => v !== 0)) throw new Error(`${what} has no bias tensor in the file, but its trained bias is not zero; export cannot add one yet`);
    return;
  }
  t.data = bytesOf(b);
}

function writeClassifier(m: TfliteModel, r: ExportRequest, tensor: (i: number | undefined, what: string) => TfliteTensor): void {
  const layer = r.imported.layers.find((l) => l.conv === undefined && (l.opName === 'FULLY_CONNECTED' || l.opName === 'CONV_2D'));
  if (!layer) throw new Error('the imported file has no classifier op');
  const op = m.ops[layer.op];
  const { cin, classes } = r.net.classifier;
  const fileClasses = r.imported.head.classes;
  const w = tensor(op.inputs[1], `the classifier's weights (op ${op.index})`);
  w.data = bytesOf(r.quant.fc.w);
  const sw = Array.from(r.quant.fc.sw);
  const perTensor = sw.every((s) => s === sw[0]) && (w.quant?.scale.length ?? 1) === 1;
  w.quant = { scale: perTensor ? [sw[0]] : sw, zeroPoint: perTensor ? [0] : sw.map(() => 0), axis: 0 };
  w.shape = [classes, ...w.shape.slice(1)];
  const poolScale = r.quant.pool.scale;
  const biasIndex = op.inputs[2];
  if (biasIndex === undefined || biasIndex < 0) {
    if (r.quant.fc.b.some((v) => v !== 0)) throw new Error(`the classifier (op ${op.index}) has no bias tensor in the file; export cannot add one yet`);
  } else {
    const bt = m.tensors[biasIndex];
    bt.data = bytesOf(r.quant.fc.b);
    bt.shape = [classes];
    bt.quant = { scale: perTensor ? [poolScale * sw[0]] : sw.map((s) => poolScale * s), zeroPoint: perTensor ? [0] : sw.map(() => 0), axis: 0 };
  }
  void cin;
  if (classes === fileClasses) return;

  // A new classifier: its output gets the run's logit quantization, and every tensor from it to
  // the model output carries the new class count in its last dimension.
  if (!r.logits) throw new Error('a new classifier needs the quantization of its output (the logits of the trained model)');
  const out = m.tensors[op.outputs[0]];
  out.quant = { scale: [r.logits.scale], zeroPoint: [r.logits.zeroPoint], axis: 0 };
  let t = op.outputs[0];
  const withClasses = (shape: number[]): number[] => (shape.length && shape[shape.length - 1] === fileClasses ? [...shape.slice(0, -1), classes] : shape);
  out.shape = withClasses(out.shape);
  for (const next of m.ops.slice(op.index + 1)) {
    if (next.inputs[0] !== t) continue;
    const o = m.tensors[next.outputs[0]];
    o.shape = withClasses(o.shape);
    if (next.code === OP.RESHAPE) {
      if (Array.isArray(next.options.new_shape)) next.options.new_shape = withClasses(next.options.new_shape);
      const st = next.inputs[1] !== undefined && next.inputs[1] >= 0 ? m.tensors[next.inputs[1]] : undefined;
      if (st?.data && st.type === 'int32') {
        const v = new Int32Array(st.data.slice().buffer);
        st.data = bytesOf(Int32Array.from(withClasses(Array.from(v))));
      }
    }
    t = next.outputs[0];
  }
}
