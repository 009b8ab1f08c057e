// The weights files (docs/file-formats.md): TTF1 (fp32 model), TTQ1 (int8 model) and TTP1 (a
// run's trained tensors), and the TTD1 dataset file the host programs read. Little-endian throughout. Readers check sizes and
// say what is wrong; they never read past the end.

import { configGeometry, type Activation, type Block, type Conv, type Network } from '../ir/network.js';
import type { UpdatePlan } from '../sparse/scheme.js';
import type { FloatModel, QParams, QuantModel } from './model-weights.js';

class Writer {
  private chunks: Buffer[] = [];
  magic(m: string): void { this.chunks.push(Buffer.from(m, 'ascii')); }
  u32(...vs: number[]): void { const b = Buffer.alloc(4 * vs.length); vs.forEach((v, i) => b.writeUInt32LE(v >>> 0, 4 * i)); this.chunks.push(b); }
  i32(v: number): void { const b = Buffer.alloc(4); b.writeInt32LE(v | 0); this.chunks.push(b); }
  f32(v: number): void { const b = Buffer.alloc(4); b.writeFloatLE(v); this.chunks.push(b); }
  array(a: Float32Array | Int32Array | Int8Array): void { this.chunks.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength)); }
  done(): Buffer { return Buffer.concat(this.chunks); }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer, private readonly what: string) {}
  private need(n: number): void { if (this.pos + n > this.buf.length) throw new Error(`${this.what} is truncated at byte ${this.pos}`); }
  magic(m: string): void { this.need(4); const got = this.buf.toString('ascii', this.pos, this.pos + 4); if (got !== m) throw new Error(`${this.what} is not a ${m} file (starts with ${JSON.stringify(got)})`); this.pos += 4; }
  u32(): number { this.need(4); const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  i32(): number { this.need(4); const v = this.buf.readInt32LE(this.pos); this.pos += 4; return v; }
  f32(): number { this.need(4); const v = this.buf.readFloatLE(this.pos); this.pos += 4; return v; }
  f32s(n: number): Float32Array { this.need(4 * n); const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = this.buf.readFloatLE(this.pos + 4 * i); this.pos += 4 * n; return a; }
  i32s(n: number): Int32Array { this.need(4 * n); const a = new Int32Array(n); for (let i = 0; i < n; i++) a[i] = this.buf.readInt32LE(this.pos + 4 * i); this.pos += 4 * n; return a; }
  i8s(n: number): Int8Array { this.need(n); const a = new Int8Array(n); for (let i = 0; i < n; i++) a[i] = this.buf.readInt8(this.pos + i); this.pos += n; return a; }
  end(): void { if (this.pos !== this.buf.length) throw new Error(`${this.what} has ${this.buf.length - this.pos} unexpected bytes at the end`); }
}

// Version 2 records each conv's whole geometry (kernel kh x kw, strides, explicit padding);
// version 1 (square kernel, one stride, centred "same" padding) is still read.
const STRUCTURE_VERSION = 2;

/** A conv's activation in a record: 0 none and 1 ReLU6 (as version 1 wrote them), 2 ReLU. */
const ACT_CODE: Record<Activation, number> = { none: 0, relu6: 1, relu: 2 };

/** A block's residual field: 0 none, 1 identity shortcut, 2 + the shortcut's conv count (imported). */
const residualCode = (b: Block): number => (!b.residual ? 0 : b.shortcut?.length ? 2 + b.shortcut.length : 1);
/** The block's convs in record order: the main path, then the shortcut path. */
const blockConvs = (b: Block): Conv[] => [...b.convs, ...(b.shortcut ?? [])];

function writeStructure(w: Writer, net: Network): void {
  w.u32(STRUCTURE_VERSION, net.input.h, net.input.w, net.input.c, net.classifier.classes, net.blocks.length);
  for (const b of net.blocks) {
    w.u32(b.convs.length, residualCode(b));
    for (const c of blockConvs(b)) {
      w.u32(c.cout, c.kh, c.kw, c.sh, c.sw);
      for (const p of [c.pad.top, c.pad.left, c.pad.bottom, c.pad.right]) w.i32(p);
      w.u32(c.depthwise ? 1 : 0, ACT_CODE[c.act]);
    }
  }
}

/** A conv's record as the file holds it, in the version-2 field order. */
function readConvRecord(r: Reader, version: number, cv: Conv): number[] {
  if (version === 1) {
    const [cout, k, s, dw, relu6] = [r.u32(), r.u32(), r.u32(), r.u32(), r.u32()];
    const g = configGeometry(cv.inShape, [k, k], [s, s]);
    return [cout, k, k, s, s, g.pad.top, g.pad.left, g.pad.bottom, g.pad.right, dw, relu6];
  }
  return [r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.i32(), r.i32(), r.i32(), r.i32(), r.u32(), r.u32()];
}

function checkStructure(r: Reader, net: Network, what: string): void {
  const [version, h, w, c, classes, nblock] = [r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32()];
  const expect = `${net.input.h}x${net.input.w}x${net.input.c} -> ${net.classifier.classes} classes, ${net.blocks.length} blocks`;
  if (version !== 1 && version !== STRUCTURE_VERSION) throw new Error(`${what}: unsupported version ${version}`);
  if (h !== net.input.h || w !== net.input.w || c !== net.input.c || classes !== net.classifier.classes || nblock !== net.blocks.length) {
    throw new Error(`${what} is for a different network (${h}x${w}x${c} -> ${classes} classes, ${nblock} blocks; the config says ${expect})`);
  }
  for (const b of net.blocks) {
    const [n, residual] = [r.u32(), r.u32()];
    if (n !== b.convs.length || residual !== residualCode(b)) throw new Error(`${what}: layer ${b.layer} differs from the config`);
    for (const cv of blockConvs(b)) {
      const rec = readConvRecord(r, version, cv);
      const want = [cv.cout, cv.kh, cv.kw, cv.sh, cv.sw, cv.pad.top, cv.pad.left, cv.pad.bottom, cv.pad.right, cv.depthwise ? 1 : 0, ACT_CODE[cv.act]];
      if (rec.some((v, i) => v !== want[i])) {
        throw new Error(`${what}: conv ${cv.index} (${cv.name}) differs from the config`);
      }
    }
  }
}

/** A typed array's own bytes (a copy, little-endian as this machine and the model files are). */
export const bytesOf = (a: Int8Array | Int32Array | Float32Array | Uint8Array): Uint8Array => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

export function encodeFloatModel(net: Network, m: FloatModel): Buffer {
  const w = new Writer();
  w.magic('TTF1');
  writeStructure(w, net);
  m.convs.forEach((c) => { w.array(c.w); w.array(c.b); });
  w.array(m.fc.w);
  w.array(m.fc.b);
  return w.done();
}

export function decodeFloatModel(net: Network, buf: Buffer, what = 'fp32 model file'): FloatModel {
  const r = new Reader(buf, what);
  r.magic('TTF1');
  checkStructure(r, net, what);
  const convs = net.convs.map((c) => ({ w: r.f32s(c.weightCount), b: r.f32s(c.cout) }));
  const fc = { w: r.f32s(net.classifier.weightCount), b: r.f32s(net.classifier.classes) };
  r.end();
  return { convs, fc };
}

function writeQ(w: Writer, q: QParams): void { w.f32(q.scale); w.i32(q.zeroPoint); }
function readQ(r: Reader): QParams { return { scale: r.f32(), zeroPoint: r.i32() }; }

export function encodeQuantModel(net: Network, m: QuantModel): Buffer {
  const w = new Writer();
  w.magic('TTQ1');
  writeStructure(w, net);
  writeQ(w, m.input);
  m.convs.forEach((c) => { w.array(c.w); w.array(c.sw); w.array(c.b); writeQ(w, c.out); });
  net.blocks.forEach((b, i) => { if (b.residual) writeQ(w, m.adds[i]!); });
  writeQ(w, m.pool);
  w.array(m.fc.w); w.array(m.fc.sw); w.array(m.fc.b);
  return w.done();
}

export function decodeQuantModel(net: Network, buf: Buffer, what = 'int8 model file'): QuantModel {
  const r = new Reader(buf, what);
  r.magic('TTQ1');
  checkStructure(r, net, what);
  const input = readQ(r);
  const convs = net.convs.map((c) => ({ w: r.i8s(c.weightCount), sw: r.f32s(c.cout), b: r.i32s(c.cout), out: readQ(r) }));
  const adds = net.blocks.map((b) => (b.residual ? readQ(r) : undefined));
  const pool = readQ(r);
  const fc = { w: r.i8s(net.classifier.weightCount), sw: r.f32s(net.classifier.classes), b: r.i32s(net.classifier.classes) };
  r.end();
  return { input, convs, adds, pool, fc };
}

/** The trained tensors a program holds (its SRAM copies), in TTP1 order: per conv its weight
 * slice (int8, `k` input channels; depthwise: `k` channels) then its bias, then the classifier. */
function trainedLayout(net: Network, update: UpdatePlan): { conv: number; kind: 0 | 1; bytes: number }[] {
  const out: { conv: number; kind: 0 | 1; bytes: number }[] = [];
  for (const cv of net.convs) {
    const u = update.convs[cv.index];
    if (u.k > 0) out.push({ conv: cv.index, kind: 0, bytes: cv.depthwise ? u.k * cv.taps : cv.cout * cv.taps * u.k });
    if (u.bias) out.push({ conv: cv.index, kind: 1, bytes: 4 * cv.cout });
  }
  if (update.classifier) out.push({ conv: -1, kind: 0, bytes: net.classifier.weightCount }, { conv: -1, kind: 1, bytes: 4 * net.classifier.classes });
  return out;
}

/** One entry of a TTP1 file: a tensor's bytes as the program holds them (int32 biases LE). */
export interface TrainedTensor { conv: number; kind: number; data: Uint8Array }

/** A TTP1 file from a program's trained tensors in tt_trained[] order (what a host run's
 * `--save` writes; a device run sends the same tensors in TRAINED frames). */
export function encodeTrainedTensors(modelHash: number, tensors: readonly TrainedTensor[]): Buffer {
  const w = new Writer();
  w.magic('TTP1');
  w.u32(modelHash, tensors.length);
  for (const t of tensors) {
    w.i32(t.conv);
    w.u32(t.kind, t.data.length);
    w.array(new Int8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return w.done();
}

/**
 * A TTP1 file (the trained tensors a run saved) written into the int8 model the run started
 * from: returns the trained model and the hash of the program that saved it (HELLO's hash).
 * Every entry is checked against the network and plan: a file from another plan is an error.
 */
export function applyTrainedTensors(net: Network, update: UpdatePlan, start: QuantModel, buf: Buffer, what = 'trained tensors file'): { quant: QuantModel; modelHash: number } {
  const r = new Reader(buf, what);
  r.magic('TTP1');
  const modelHash = r.u32();
  const layout = trainedLayout(net, update);
  const n = r.u32();
  if (n !== layout.length) throw new Error(`${what} holds ${n} trained tensors; this config's update plan trains ${layout.length}`);
  const convs = start.convs.map((c) => ({ ...c, w: c.w.slice(), b: c.b.slice() }));
  const fc = { ...start.fc, w: start.fc.w.slice(), b: start.fc.b.slice() };
  for (const want of layout) {
    const [conv, kind, bytes] = [r.i32(), r.u32(), r.u32()];
    if (conv !== want.conv || kind !== want.kind || bytes !== want.bytes) {
      throw new Error(`${what}: found ${kind ? 'bias' : 'weights'} of ${conv < 0 ? 'the classifier' : `conv ${conv}`} (${bytes} bytes) where this plan has ${want.kind ? 'bias' : 'weights'} of ${want.conv < 0 ? 'the classifier' : `conv ${want.conv}`} (${want.bytes} bytes)`);
    }
    if (kind === 1) {
      const b = r.i32s(bytes / 4);
      (conv < 0 ? fc.b : convs[conv].b).set(b);
      continue;
    }
    const slice = r.i8s(bytes);
    if (conv < 0) { fc.w.set(slice); continue; }
    const cv = net.convs[conv];
    const k = update.convs[conv].k;
    // The slice holds the first k input channels of each (output, tap) row ([c][taps] for depthwise).
    if (cv.depthwise || k === cv.cin) convs[conv].w.set(slice);
    else for (let row = 0; row < cv.cout * cv.taps; row++) convs[conv].w.set(slice.subarray(row * k, (row + 1) * k), row * cv.cin);
  }
  r.end();
  return { quant: { ...start, convs, fc }, modelHash };
}

export interface Sample { label: number; pixels: Float32Array }

/** TTD1: float pixels (dtype 0) for the fp32 tools, int8 pixels (dtype 1) for the int8 trainer. */
export function encodeDataset(shape: [number, number, number], samples: Sample[], input?: QParams): Buffer {
  const per = shape[0] * shape[1] * shape[2];
  const elem = input ? 1 : 4;
  const buf = Buffer.alloc(24 + samples.length * (4 + per * elem));
  buf.write('TTD1', 0, 'ascii');
  [samples.length, shape[0], shape[1], shape[2], input ? 1 : 0].forEach((v, i) => buf.writeUInt32LE(v, 4 + 4 * i));
  let pos = 24;
  for (const s of samples) {
    if (s.pixels.length !== per) throw new Error(`a sample has ${s.pixels.length} values; the model input needs ${per}`);
    buf.writeInt32LE(s.label, pos); pos += 4;
    if (input) { for (let i = 0; i < per; i++) buf.writeInt8(quantize(s.pixels[i], input), pos + i); pos += per; }
    else { for (let i = 0; i < per; i++) buf.writeFloatLE(s.pixels[i], pos + 4 * i); pos += 4 * per; }
  }
  return buf;
}

export function quantize(x: number, q: QParams): number {
  return Math.max(-128, Math.min(127, Math.round(x / q.scale) + q.zeroPoint));
}
