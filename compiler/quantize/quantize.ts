// Post-training quantization: fp32 model + calibrated activation ranges -> int8 model.
// Weights: symmetric per output channel (s_w = max|w| / 127). Activations: per-tensor affine
// over the calibrated [min, max] (widened to include 0). Biases: int32 at scale s_x * s_w.

import type { Network } from '../ir/network.js';
import type { FloatModel, QParams, QuantModel } from '../weights/model-weights.js';

export interface Calibration {
  input: [number, number];
  convOut: [number, number][];
  /** By block index; undefined for blocks without a residual add. */
  addOut: ([number, number] | undefined)[];
  pool: [number, number];
}

export function activationQParams([lo, hi]: [number, number]): QParams {
  const min = Math.min(0, lo);
  const max = Math.max(0, hi, min + 1e-6);
  const scale = (max - min) / 255;
  const zeroPoint = Math.max(-128, Math.min(127, Math.round(-128 - min / scale)));
  return { scale, zeroPoint };
}

export function quantizeWeights(w: Float32Array, cout: number): { q: Int8Array; scales: Float32Array } {
  const per = w.length / cout;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(w[o * per + i]));
    const s = m > 0 ? m / 127 : 1e-8;
    scales[o] = s;
    for (let i = 0; i < per; i++) q[o * per + i] = Math.max(-127, Math.min(127, Math.round(w[o * per + i] / s)));
  }
  return { q, scales };
}

function quantizeBias(b: Float32Array, sx: number, sw: Float32Array): Int32Array {
  const out = new Int32Array(b.length);
  for (let o = 0; o < b.length; o++) out[o] = Math.max(-2147483647, Math.min(2147483647, Math.round(b[o] / (sx * sw[o]))));
  return out;
}

export function quantizeModel(net: Network, model: FloatModel, cal: Calibration): QuantModel {
  const input = activationQParams(cal.input);
  let x = input;
  const convs: QuantModel['convs'] = [];
  const adds: QuantModel['adds'] = [];
  for (const block of net.blocks) {
    for (const c of block.convs) {
      const { q, scales } = quantizeWeights(model.convs[c.index].w, c.cout);
      const out = activationQParams(cal.convOut[c.index]);
      convs.push({ w: q, sw: scales, b: quantizeBias(model.convs[c.index].b, x.scale, scales), out });
      x = out;
    }
    if (block.residual) {
      const out = activationQParams(cal.addOut[net.blocks.indexOf(block)]!);
      adds.push(out);
      x = out;
    } else adds.push(undefined);
  }
  const pool = activationQParams(cal.pool);
  const { q, scales } = quantizeWeights(model.fc.w, net.classifier.classes);
  return { input, convs, adds, pool, fc: { w: q, sw: scales, b: quantizeBias(model.fc.b, pool.scale, scales) } };
}

/** The fp32 values an int8 model stands for (for the fp32 reference of a quantized model). */
export function dequantizeModel(net: Network, q: QuantModel): FloatModel {
  const scalesIn: number[] = [];
  let x = q.input.scale;
  for (const block of net.blocks) {
    for (const c of block.convs) { scalesIn[c.index] = x; x = q.convs[c.index].out.scale; }
    if (block.residual) x = q.adds[net.blocks.indexOf(block)]!.scale;
  }
  const deq = (w: Int8Array, sw: Float32Array): Float32Array => {
    const per = w.length / sw.length;
    return Float32Array.from(w, (v, i) => v * sw[Math.floor(i / per)]);
  };
  return {
    convs: net.convs.map((c) => {
      const qc = q.convs[c.index];
      return { w: deq(qc.w, qc.sw), b: Float32Array.from(qc.b, (v, o) => v * scalesIn[c.index] * qc.sw[o]) };
    }),
    fc: { w: deq(q.fc.w, q.fc.sw), b: Float32Array.from(q.fc.b, (v, o) => v * q.pool.scale * q.fc.sw[o]) },
  };
}
