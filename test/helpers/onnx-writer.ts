// Writes an imported network (its int8 tensors exactly) as an .onnx graph in the QDQ form
// (DequantizeLinear -> float op -> QuantizeLinear) or the QLinear form (QLinearConv /
// QLinearAdd of com.microsoft, pooling and softmax in QDQ as ORT's quantizer writes them), NCHW,
// through the importer's own protobufjs schema. Tests convert the real .tflite models with it and
// run the result in ONNX Runtime as the oracle.
import { onnxRoot } from '../../compiler/import/onnx.js';
import type { ImportedModel } from '../../compiler/import/lower.js';
import type { QParams } from '../../compiler/weights/model-weights.js';

const ModelProto = onnxRoot().lookupType('onnx.ModelProto');
const FLOAT = 1, INT8 = 3, INT32 = 6, INT64 = 7;

type Attr = { name: string; type: number; i?: number; f?: number; ints?: number[]; s?: Uint8Array };
const ints = (name: string, v: number[]): Attr => ({ name, type: 7, ints: v });
const int = (name: string, v: number): Attr => ({ name, type: 2, i: v });

export interface OnnxWriteOptions {
  /** The classifier as ONNX Runtime's quantizer writes a Dense layer: MatMul, then an Add of the
   * bias as an int8 constant with its own scale (QLinearMatMul + QLinearAdd, or their QDQ form),
   * the MatMul's output quantized first at the logits' scale. Default: Gemm (QDQ) or a 1x1 QLinearConv. */
  matmulClassifier?: boolean;
  /** A 1-D network (W = 1 throughout) as 1-D ONNX: input [1, C, T], Conv weights [M, C, K],
   * kernel_shape / strides one value, pads two. */
  oneD?: boolean;
}

export function writeOnnx(m: ImportedModel, form: 'qdq' | 'qlinear', opts: OnnxWriteOptions = {}): Uint8Array {
  const nodes: object[] = [];
  const inits: object[] = [];
  let k = 0;
  const fresh = (p: string): string => `${p}_${k++}`;
  const tensor = (name: string, dims: number[], type: number, values: ArrayLike<number>): string => {
    const arr = type === FLOAT ? Float32Array.from(values) : type === INT8 ? Int8Array.from(values) : type === INT64 ? BigInt64Array.from(Array.from(values, BigInt)) : Int32Array.from(values);
    inits.push({ name, dims, data_type: type, raw_data: new Uint8Array(arr.buffer) });
    return name;
  };
  const node = (op_type: string, input: string[], output: string[], attribute: Attr[] = [], domain = ''): void => { nodes.push({ op_type, input, output, attribute, name: fresh(op_type), domain }); };
  const qp = (q: QParams): [string, string] => [tensor(fresh('s'), [], FLOAT, [q.scale]), tensor(fresh('zp'), [], INT8, [q.zeroPoint])];
  const dq = (x: string, q: QParams): string => { const y = fresh('f'); node('DequantizeLinear', [x, ...qp(q)], [y]); return y; };
  const qz = (x: string, q: QParams): string => { const y = fresh('q'); node('QuantizeLinear', [x, ...qp(q)], [y]); return y; };

  const [, h, w, c] = m.input.shape;
  let x = 'input';
  if (m.input.type === 'float32') x = qz('input', m.input.quant);
  let xq = m.input.quant;
  const act = (y: string, a: string, q: QParams): string => {
    if (form === 'qlinear') {
      // QLinear ops clamp only by saturation: exact for RELU / RELU6 when the range starts at 0 and ends at 6 or past it.
      const exact = a === 'none' || (q.zeroPoint === -128 && (a === 'relu' || Math.round(6 / q.scale) - 128 >= 127));
      if (!exact) throw new Error(`activation ${a} with zero point ${q.zeroPoint} has no exact QLinear form`);
      return y;
    }
    if (a === 'none') return y;
    const z = fresh('a');
    if (a === 'relu') node('Relu', [y], [z]);
    else node('Clip', [y, tensor(fresh('lo'), [], FLOAT, [0]), tensor(fresh('hi'), [], FLOAT, [6])], [z]);
    return z;
  };

  const conv = (i: number, src: string, srcQ: QParams): string => {
    const cv = m.net.convs[i], q = m.q.convs[i];
    const taps = cv.kh * cv.kw, cg = cv.depthwise ? 1 : cv.cin;
    const wv = new Int8Array(q.w.length);
    if (cv.depthwise) wv.set(q.w);
    else for (let o = 0; o < cv.cout; o++) for (let ch = 0; ch < cg; ch++) for (let t = 0; t < taps; t++) wv[(o * cg + ch) * taps + t] = q.w[(o * taps + t) * cg + ch];
    if (opts.oneD && (cv.kw !== 1 || cv.sw !== 1 || cv.pad.left || cv.pad.right)) throw new Error(`conv ${i} is not 1-D`);
    const wn = tensor(fresh('w'), opts.oneD ? [cv.cout, cg, cv.kh] : [cv.cout, cg, cv.kh, cv.kw], INT8, wv);
    const ws = tensor(fresh('ws'), [cv.cout], FLOAT, q.sw);
    const wz = tensor(fresh('wz'), [cv.cout], INT8, new Int8Array(cv.cout));
    const bn = tensor(fresh('b'), [cv.cout], INT32, q.b);
    const attrs = opts.oneD
      ? [ints('kernel_shape', [cv.kh]), ints('strides', [cv.sh]), ints('pads', [cv.pad.top, cv.pad.bottom]), int('group', cv.depthwise ? cv.cin : 1)]
      : [ints('kernel_shape', [cv.kh, cv.kw]), ints('strides', [cv.sh, cv.sw]), ints('pads', [cv.pad.top, cv.pad.left, cv.pad.bottom, cv.pad.right]), int('group', cv.depthwise ? cv.cin : 1)];
    if (form === 'qlinear') {
      const y = fresh('q');
      node('QLinearConv', [src, ...qp(srcQ), wn, ws, wz, ...qp(q.out), bn], [y], attrs);
      return act(y, cv.act, q.out);
    }
    const wf = fresh('wf'); node('DequantizeLinear', [wn, ws, wz], [wf], [int('axis', 0)]);
    const bs = tensor(fresh('bs'), [cv.cout], FLOAT, Array.from(q.sw, (s) => s * srcQ.scale));
    const bf = fresh('bf'); node('DequantizeLinear', [bn, bs, tensor(fresh('bz'), [cv.cout], INT32, new Int32Array(cv.cout))], [bf], [int('axis', 0)]);
    const y = fresh('y'); node('Conv', [dq(src, srcQ), wf, bf], [y], attrs);
    return qz(act(y, cv.act, q.out), q.out);
  };

  for (const b of m.net.blocks) {
    const chain = (list: typeof b.convs, src: string, srcQ: QParams): [string, QParams] => {
      for (const cv of list) { src = conv(cv.index, src, srcQ); srcQ = m.q.convs[cv.index].out; }
      return [src, srcQ];
    };
    const [a, aq] = chain(b.convs, x, xq);
    if (!b.residual) { [x, xq] = [a, aq]; continue; }
    const [s, sq] = chain(b.shortcut ?? [], x, xq);
    const out = m.q.adds[b.layer]!;
    if (form === 'qlinear') {
      const y = fresh('q');
      node('QLinearAdd', [a, ...qp(aq), s, ...qp(sq), ...qp(out)], [y], [], 'com.microsoft');
      x = act(y, b.addAct ?? 'none', out);
    } else {
      const y = fresh('y'); node('Add', [dq(a, aq), dq(s, sq)], [y]);
      x = qz(act(y, b.addAct ?? 'none', out), out);
    }
    xq = out;
  }
  const g = fresh('y'); node('GlobalAveragePool', [dq(x, xq)], [g]);
  const pooled = qz(g, m.q.pool);
  const fc = m.q.fc, cls = m.net.classifier;
  let logits: string;
  if (opts.matmulClassifier) {
    const flat = fresh('q'); node('Flatten', [pooled], [flat]);
    const wt = new Int8Array(cls.cin * cls.classes); // B [K, N]
    for (let o = 0; o < cls.classes; o++) for (let k2 = 0; k2 < cls.cin; k2++) wt[k2 * cls.classes + o] = fc.w[o * cls.cin + k2];
    const w = tensor(fresh('w'), [cls.cin, cls.classes], INT8, wt), ws = tensor(fresh('ws'), [cls.classes], FLOAT, fc.sw), wz = tensor(fresh('wz'), [cls.classes], INT8, new Int8Array(cls.classes));
    const real = Array.from(fc.b, (b, o) => b * m.q.pool.scale * fc.sw[o]);
    const biasQ = { scale: Math.max(1e-9, ...real.map(Math.abs)) / 127, zeroPoint: 0 };
    const bias = tensor(fresh('bias'), [cls.classes], INT8, real.map((r) => Math.round(r / biasQ.scale)));
    if (form === 'qlinear') {
      const mm = fresh('q'); node('QLinearMatMul', [flat, ...qp(m.q.pool), w, ws, wz, ...qp(m.head.logits)], [mm]);
      logits = fresh('q'); node('QLinearAdd', [mm, ...qp(m.head.logits), bias, ...qp(biasQ), ...qp(m.head.logits)], [logits], [], 'com.microsoft');
    } else {
      const wf = fresh('wf'); node('DequantizeLinear', [w, ws, wz], [wf], [int('axis', 1)]);
      const y = fresh('y'); node('MatMul', [dq(flat, m.q.pool), wf], [y]);
      const mm = qz(y, m.head.logits);
      const z = fresh('y'); node('Add', [dq(mm, m.head.logits), dq(bias, biasQ)], [z]);
      logits = qz(z, m.head.logits);
    }
  } else if (form === 'qlinear') {
    // The classifier as a 1x1 QLinearConv on the [1, C, 1, 1] pool output, then Flatten.
    const y = fresh('q');
    node('QLinearConv', [pooled, ...qp(m.q.pool), tensor(fresh('w'), opts.oneD ? [cls.classes, cls.cin, 1] : [cls.classes, cls.cin, 1, 1], INT8, fc.w), tensor(fresh('ws'), [cls.classes], FLOAT, fc.sw), tensor(fresh('wz'), [cls.classes], INT8, new Int8Array(cls.classes)), ...qp(m.head.logits), tensor(fresh('b'), [cls.classes], INT32, fc.b)], [y]);
    logits = fresh('q'); node('Flatten', [y], [logits]);
  } else {
    const ff = fresh('y'); node('Flatten', [dq(pooled, m.q.pool)], [ff]);
    const flat = qz(ff, m.q.pool);
    const wf = fresh('wf'); node('DequantizeLinear', [tensor(fresh('w'), [cls.classes, cls.cin], INT8, fc.w), tensor(fresh('ws'), [cls.classes], FLOAT, fc.sw), tensor(fresh('wz'), [cls.classes], INT8, new Int8Array(cls.classes))], [wf], [int('axis', 0)]);
    const bf = fresh('bf'); node('DequantizeLinear', [tensor(fresh('b'), [cls.classes], INT32, fc.b), tensor(fresh('bs'), [cls.classes], FLOAT, Array.from(fc.sw, (s) => s * m.q.pool.scale)), tensor(fresh('bz'), [cls.classes], INT32, new Int32Array(cls.classes))], [bf], [int('axis', 0)]);
    const y = fresh('y'); node('Gemm', [dq(flat, m.q.pool), wf, bf], [y], [int('transB', 1)]);
    logits = qz(y, m.head.logits);
  }
  let out = logits, outQ = m.head.logits;
  if (m.head.softmax) { const y = fresh('y'); node('Softmax', [dq(out, outQ)], [y], [int('axis', -1)]); out = qz(y, m.head.softmax.out); outQ = m.head.softmax.out; }
  let outType = INT8;
  if (m.head.dequantize) { node('DequantizeLinear', [out, ...qp(outQ)], ['output']); outType = FLOAT; } else { node('Identity', [out], ['output']); }
  const vi = (name: string, type: number, dims: number[]): object => ({ name, type: { tensor_type: { elem_type: type, shape: { dim: dims.map((d) => ({ dim_value: d })) } } } });
  const model = {
    ir_version: 7, producer_name: 'tinytrain-test', opset_import: [{ domain: '', version: 13 }, { domain: 'com.microsoft', version: 1 }],
    graph: { name: 'g', node: nodes, initializer: inits, input: [vi('input', m.input.type === 'float32' ? FLOAT : INT8, opts.oneD ? [1, c, h] : [1, c, h, w])], output: [vi('output', outType, [1, cls.classes])] },
  };
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
