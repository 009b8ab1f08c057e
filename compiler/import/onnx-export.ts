// A fine-tuned imported model back to .onnx: the original file with the trained tensors written
// into its initializers (every imported conv's int8 weights and int32 bias, the classifier's),
// and, when the config replaced the classifier, the new classifier's weights, bias and scales,
// its output quantization (the run's logits) wherever the graph reads that tensor, and the class
// count in every shape after it. Layouts go back the way onnx-lower.ts brought them in: conv
// OHWI -> [M, C, KH, KW] (1-D [M, C, K]); depthwise [C][KH*KW] is already [C, 1, KH, KW]; the
// classifier [N][K] -> MatMul's B [K, N] (Gemm transB: [N, K]; a 1x1 conv: [N, K, 1, 1]).
// The file is patched at the protobuf wire level (onnx-wire.ts), so every field TinyTrain does
// not read (doc strings, metadata, attributes of other ops) is kept byte for byte.

import type { Network } from '../ir/network.js';
import type { QParams, QuantModel } from '../weights/model-weights.js';
import type { ImportedModel } from './lower.js';
import { DT, readOnnx, type OnnxModel, type OnnxNode, type OnnxTensor } from './onnx.js';
import { patchOnnx, type InitializerPatch } from './onnx-wire.js';
import { bytesOf } from '../weights/files.js';

export interface OnnxExportRequest {
  /** The .onnx the config imports, as read from disk. */
  original: Uint8Array;
  imported: ImportedModel;
  /** The compiled network (the config's classes). */
  net: Network;
  /** The trained int8 tensors (TinyTrain layouts). */
  quant: QuantModel;
  /** The quantization of the new classifier's int8 output; needed when the classifier is new. */
  logits?: QParams;
}

/** Nodes that pass an int8 tensor on with its quantization unchanged. */
const PASS_THROUGH = new Set(['Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Identity']);


/** Writes the fine-tuned model; throws an Error saying what does not fit (never a partial file). */
export function exportOnnx(r: OnnxExportRequest): Uint8Array {
  const read = readOnnx(r.original);
  if (!read.model) throw new Error(`the imported file no longer reads as an .onnx model: ${read.problems.map((p) => p.message).join('; ')}`);
  const g = new Graph(read.model);
  const patches = new Map<string, InitializerPatch>();
  const put = (name: string, p: InitializerPatch): void => { patches.set(name, p); };

  const convNodes = new Map<number, number>();
  for (const l of r.imported.layers) if (l.conv !== undefined) convNodes.set(l.conv, l.op);
  if (convNodes.size !== r.net.convs.length) throw new Error(`the imported file has ${convNodes.size} convs; the compiled network has ${r.net.convs.length} (the file changed since the run?)`);
  for (const cv of r.net.convs) {
    const node = g.node(convNodes.get(cv.index)!, `conv ${cv.index}`);
    const q = r.quant.convs[cv.index];
    const { weight, bias } = g.convParams(node);
    const wt = g.initializer(weight, `the weights of conv ${cv.index}`);
    const depthwise = (node.attrs.get('group')?.i ?? 1) > 1;
    put(weight, { data: bytesOf(depthwise ? q.w : fromOhwi(q.w, wt.dims)) });
    if (bias) put(bias, { data: bytesOf(q.b) });
    else if (q.b.some((v) => v !== 0)) throw new Error(`conv ${cv.index} (node ${node.index}) has no bias in the file, but its trained bias is not zero; export cannot add one yet`);
  }
  writeClassifier(g, r, put);
  return patchOnnx(r.original, patches, g.shapePatches);
}

/** TinyTrain's OHWI conv weights [M][taps][C] back to ONNX's [M][C][taps]. */
function fromOhwi(w: Int8Array, dims: number[]): Int8Array {
  const [m, c] = dims;
  const taps = dims.slice(2).reduce((a, b) => a * b, 1);
  const out = new Int8Array(w.length);
  for (let o = 0; o < m; o++) for (let ch = 0; ch < c; ch++) for (let t = 0; t < taps; t++) out[(o * c + ch) * taps + t] = w[(o * taps + t) * c + ch];
  return out;
}

/** The graph's nodes by what they read and write, for finding a node's constants. */
class Graph {
  private readonly producer = new Map<string, OnnxNode>();
  private readonly readers = new Map<string, OnnxNode[]>();
  /** Value name -> its new last dimension (the class count after a new classifier). */
  readonly shapePatches = new Map<string, { from: number; to: number }>();

  constructor(readonly m: OnnxModel) {
    for (const n of m.nodes) {
      for (const o of n.outputs) this.producer.set(o, n);
      for (const i of n.inputs) if (i) this.readers.set(i, [...(this.readers.get(i) ?? []), n]);
    }
  }

  node(index: number, what: string): OnnxNode {
    const n = this.m.nodes[index];
    if (!n) throw new Error(`${what} is node ${index}, which the file does not have (the file changed since the run?)`);
    return n;
  }

  readersOf(name: string): OnnxNode[] { return this.readers.get(name) ?? []; }

  initializer(name: string, what: string): OnnxTensor {
    const t = this.m.initializers.get(name);
    if (!t) throw new Error(`${what} (${JSON.stringify(name)}) is not an initializer of the file`);
    return t;
  }

  /** The initializer a value comes from: itself, or what the DequantizeLinear that writes it reads. */
  constantOf(value: string, what: string): { name: string; dq?: OnnxNode } {
    if (this.m.initializers.has(value)) return { name: value };
    const dq = this.producer.get(value);
    if (dq?.opType !== 'DequantizeLinear' || !this.m.initializers.has(dq.inputs[0])) throw new Error(`${what} (${JSON.stringify(value)}) is not an initializer or a DequantizeLinear of one`);
    return { name: dq.inputs[0], dq };
  }

  /** A conv's int8 weight and int32 bias initializers (QLinearConv, or Conv in QDQ form). */
  convParams(n: OnnxNode): { weight: string; bias?: string; wq: [string, string | undefined]; bq?: [string, string | undefined] } {
    if (n.opType === 'QLinearConv') return { weight: n.inputs[3], ...(n.inputs[8] ? { bias: n.inputs[8] } : {}), wq: [n.inputs[4], n.inputs[5] || undefined] };
    if (n.opType !== 'Conv') throw new Error(`node ${n.index} is ${n.opType}, not the conv the import found there (the file changed since the run?)`);
    const w = this.constantOf(n.inputs[1], `the weights of node ${n.index}`);
    const b = n.inputs[2] ? this.constantOf(n.inputs[2], `the bias of node ${n.index}`) : undefined;
    return {
      weight: w.name, wq: [w.dq!.inputs[1], w.dq!.inputs[2] || undefined],
      ...(b ? { bias: b.name, ...(b.dq ? { bq: [b.dq.inputs[1], b.dq.inputs[2] || undefined] as [string, string | undefined] } : {}) } : {}),
    };
  }

  /** The int8 value a float node's output becomes: the QuantizeLinear reading it (QDQ), or the output itself (QLinear). */
  quantizedOutput(n: OnnxNode): { value: string; quantize?: OnnxNode } {
    if (n.opType.startsWith('QLinear')) return { value: n.outputs[0] };
    const q = this.readersOf(n.outputs[0]);
    if (q.length !== 1 || q[0].opType !== 'QuantizeLinear') throw new Error(`the classifier (node ${n.index}) is not followed by one QuantizeLinear; export cannot requantize its output`);
    return { value: q[0].outputs[0], quantize: q[0] };
  }
}

function writeClassifier(g: Graph, r: OnnxExportRequest, put: (name: string, p: InitializerPatch) => void): void {
  const layer = r.imported.layers.find((l) => l.conv === undefined && /^(QLinearMatMul|MatMul|Gemm|Conv|QLinearConv)\b/.test(l.opName));
  if (!layer) throw new Error('the imported file has no classifier node');
  const n = g.node(layer.op, 'the classifier');
  const { cin, classes } = r.net.classifier;
  const fileClasses = r.imported.head.classes;
  const fc = r.quant.fc;
  const fresh = classes !== fileClasses;
  if (fresh && !r.logits) throw new Error('a new classifier needs the quantization of its output (the logits of the trained model)');
  const out = g.quantizedOutput(n);
  const isAdd = (x: OnnxNode): boolean => x.opType === 'Add' || x.opType === 'QLinearAdd';
  if (g.readersOf(out.value).some((x) => isAdd(x) || (x.opType === 'DequantizeLinear' && g.readersOf(x.outputs[0]).some(isAdd)))) {
    throw new Error(`the classifier (node ${n.index}, ${n.opType}) adds its bias in a separate Add; export writes a bias that is the classifier's own input, not yet an Add's int8 constant`);
  }

  // Weights, their scales, the bias and its scales, by form.
  let weight: string, wq: [string, string | undefined], bias: string | undefined, bq: [string, string | undefined] | undefined;
  let layout: 'NK' | 'KN';
  let yq: [string, string | undefined] | undefined;
  if (n.opType === 'QLinearMatMul') {
    weight = n.inputs[3]; wq = [n.inputs[4], n.inputs[5] || undefined]; layout = 'KN'; yq = [n.inputs[6], n.inputs[7] || undefined];
  } else if (n.opType === 'MatMul' || n.opType === 'Gemm') {
    const w = g.constantOf(n.inputs[1], `the classifier's weights (node ${n.index})`);
    weight = w.name; wq = [w.dq!.inputs[1], w.dq!.inputs[2] || undefined];
    layout = n.opType === 'Gemm' && (n.attrs.get('transB')?.i ?? 0) === 1 ? 'NK' : 'KN';
    if (n.inputs[2]) {
      const b = g.constantOf(n.inputs[2], `the classifier's bias (node ${n.index})`);
      bias = b.name; bq = b.dq ? [b.dq.inputs[1], b.dq.inputs[2] || undefined] : undefined;
    }
  } else {
    const p = g.convParams(n);
    weight = p.weight; wq = p.wq; bias = p.bias; bq = p.bq; layout = 'NK';
    if (n.opType === 'QLinearConv') yq = [n.inputs[6], n.inputs[7] || undefined];
  }
  const wt = g.initializer(weight, "the classifier's weights");
  const w = layout === 'NK' ? fc.w : transpose(fc.w, classes, cin);
  const wDims = layout === 'KN' ? [cin, classes] : [classes, cin, ...wt.dims.slice(2)];
  put(weight, fresh ? { data: bytesOf(w), dims: wDims } : { data: bytesOf(w) });
  if (bias) put(bias, fresh ? { data: bytesOf(fc.b), dims: [classes] } : { data: bytesOf(fc.b) });
  else if (fc.b.some((v) => v !== 0)) throw new Error(`the classifier (node ${n.index}) has no bias in the file, but its trained bias is not zero; export cannot add one yet`);
  if (!fresh) return;

  // A new classifier: one weight scale (TFLite and TinyTrain train it per tensor), the bias at
  // input scale x weight scale, the run's logit quantization on its output, the class count after it.
  const allowed = new Set<OnnxNode>([n]);
  const dqOf = (v: string): void => { for (const x of g.readersOf(v)) if (x.opType === 'DequantizeLinear') allowed.add(x); };
  dqOf(weight); if (bias) dqOf(bias);
  const scalar = (name: string, value: number, what: string): void => {
    const t = g.initializer(name, what);
    for (const x of g.readersOf(name)) if (!allowed.has(x)) throw new Error(`${what} (${JSON.stringify(name)}) is shared with node ${x.index} (${x.opType}); export cannot change it for the classifier alone`);
    put(name, { data: t.dataType === DT.FLOAT ? bytesOf(Float32Array.of(value)) : t.dataType === DT.INT32 ? bytesOf(Int32Array.of(value)) : t.dataType === DT.UINT8 ? Uint8Array.of(value + 128) : bytesOf(Int8Array.of(value)), dims: [] });
  };
  scalar(wq[0], fc.sw[0], "the classifier's weight scale");
  if (wq[1]) scalar(wq[1], 0, "the classifier's weight zero point");
  if (bq) { scalar(bq[0], r.quant.pool.scale * fc.sw[0], "the classifier's bias scale"); if (bq[1]) scalar(bq[1], 0, "the classifier's bias zero point"); }

  // The logits' quantization wherever it is written or read (through Flatten / Reshape / ...).
  const logits = r.logits!;
  const quantInputs: [string, string | undefined][] = [];
  if (yq) quantInputs.push(yq);
  if (out.quantize) quantInputs.push([out.quantize.inputs[1], out.quantize.inputs[2] || undefined]);
  if (out.quantize) allowed.add(out.quantize);
  const values = [out.value];
  for (let i = 0; i < values.length; i++) {
    for (const x of g.readersOf(values[i])) {
      if (PASS_THROUGH.has(x.opType)) { values.push(x.outputs[0]); continue; }
      // The nodes that read the logits with their quantization (inputs 1 and 2) may share it.
      if (x.opType === 'DequantizeLinear' || x.opType.startsWith('QLinear')) { quantInputs.push([x.inputs[1], x.inputs[2] || undefined]); allowed.add(x); }
    }
  }
  const seen = new Set<string>();
  for (const [s, z] of quantInputs) {
    if (!seen.has(s)) { seen.add(s); scalar(s, logits.scale, 'the scale of the classifier output'); }
    if (z && !seen.has(z)) { seen.add(z); scalar(z, logits.zeroPoint, 'the zero point of the classifier output'); }
  }

  // The class count in every value after the classifier (its output to the model's) and in a
  // Reshape's constant shape on the way.
  const after = [n.outputs[0]];
  const visited = new Set(after);
  for (let i = 0; i < after.length; i++) {
    g.shapePatches.set(after[i], { from: fileClasses, to: classes });
    for (const x of g.readersOf(after[i])) {
      if (x.opType === 'Reshape' && x.inputs[1] && g.m.initializers.has(x.inputs[1])) {
        const t = g.m.initializers.get(x.inputs[1])!;
        const v = Array.from(t.values ?? [], Number);
        if (v.length && v[v.length - 1] === fileClasses) put(x.inputs[1], { data: int64Bytes(v.map((d, k) => (k === v.length - 1 ? classes : d))) });
      }
      for (const o of x.outputs) if (!visited.has(o)) { visited.add(o); after.push(o); }
    }
  }
}

const int64Bytes = (v: number[]): Uint8Array => { const b = new BigInt64Array(v.map((d) => BigInt(d))); return new Uint8Array(b.buffer); };

/** [N][K] -> [K][N]. */
function transpose(w: Int8Array, n: number, k: number): Int8Array {
  const out = new Int8Array(w.length);
  for (let o = 0; o < n; o++) for (let i = 0; i < k; i++) out[i * n + o] = w[o * k + i];
  return out;
}
