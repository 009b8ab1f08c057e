// An independent fp64 implementation of the network's forward pass and loss, written from the
// contract (HWC, explicit padding, ReLU6, linear pw2, residual add, global average pool,
// classifier, log-softmax + NLL): the oracle that finite differences are taken on.
import type { Network } from '../../compiler/ir/network.js';
import type { FloatModel } from '../../compiler/weights/model-weights.js';

export function referenceLoss(net: Network, m: FloatModel, input: ArrayLike<number>, label: number): number {
  let x = Float64Array.from(input);
  let [h, w, c] = [net.input.h, net.input.w, net.input.c];
  for (const block of net.blocks) {
    const blockIn = x;
    for (const cv of block.convs) {
      const { w: wt, b } = m.convs[cv.index];
      const { kh, kw, sh, sw, pad } = cv;
      // Output size from the explicit padding: floor((in + before + after - k) / s) + 1.
      const ho = Math.floor((h + pad.top + pad.bottom - kh) / sh) + 1, wo = Math.floor((w + pad.left + pad.right - kw) / sw) + 1, co = cv.cout;
      const y = new Float64Array(ho * wo * co);
      for (let oy = 0; oy < ho; oy++) for (let ox = 0; ox < wo; ox++) for (let o = 0; o < co; o++) {
        let acc = b[o];
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - pad.top + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - pad.left + kx;
            if (ix < 0 || ix >= w) continue;
            if (cv.depthwise) acc += wt[(o * kh + ky) * kw + kx] * x[(iy * w + ix) * c + o];
            else for (let i = 0; i < c; i++) acc += wt[((o * kh + ky) * kw + kx) * c + i] * x[(iy * w + ix) * c + i];
          }
        }
        y[(oy * wo + ox) * co + o] = cv.act === 'relu6' ? Math.min(6, Math.max(0, acc)) : cv.act === 'relu' ? Math.max(0, acc) : acc;
      }
      x = y; h = ho; w = wo; c = co;
    }
    if (block.residual) x = x.map((v, i) => v + blockIn[i]);
  }
  const pooled = new Float64Array(c);
  for (let i = 0; i < h * w; i++) for (let ch = 0; ch < c; ch++) pooled[ch] += x[i * c + ch] / (h * w);
  const logits = Array.from({ length: net.classifier.classes }, (_, o) => {
    let acc = m.fc.b[o];
    for (let i = 0; i < c; i++) acc += m.fc.w[o * c + i] * pooled[i];
    return acc;
  });
  const max = Math.max(...logits);
  const lse = max + Math.log(logits.reduce((s, v) => s + Math.exp(v - max), 0));
  return lse - logits[label];
}
