// An image of one size as another model input: bilinear resampling (pixel centres aligned) and
// gray <-> RGB conversion (gray = 0.299 R + 0.587 G + 0.114 B; RGB = gray in every channel).

/** HWC floats [h, w, c] -> HWC floats of shape `to`. */
export function resizeImage(src: Float32Array, from: [number, number, number], to: [number, number, number]): Float32Array {
  const [sh, sw, sc] = from;
  const [h, w, c] = to;
  if (sh === h && sw === w && sc === c) return src;
  const at = (y: number, x: number, ch: number): number => {
    const p = (Math.min(sh - 1, Math.max(0, y)) * sw + Math.min(sw - 1, Math.max(0, x))) * sc;
    if (sc === c) return src[p + ch];
    if (c === 1) return sc >= 3 ? 0.299 * src[p] + 0.587 * src[p + 1] + 0.114 * src[p + 2] : src[p];
    return src[p + (sc === 1 ? 0 : ch % sc)];
  };
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) {
    const fy = ((y + 0.5) * sh) / h - 0.5;
    const y0 = Math.floor(fy), ty = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = ((x + 0.5) * sw) / w - 0.5;
      const x0 = Math.floor(fx), tx = fx - x0;
      for (let ch = 0; ch < c; ch++) {
        const top = at(y0, x0, ch) * (1 - tx) + at(y0, x0 + 1, ch) * tx;
        const bottom = at(y0 + 1, x0, ch) * (1 - tx) + at(y0 + 1, x0 + 1, ch) * tx;
        out[(y * w + x) * c + ch] = top * (1 - ty) + bottom * ty;
      }
    }
  }
  return out;
}

/** The one-line note a run prints when its data is resized or converted. */
export function resizeNote(source: string, from: [number, number, number], to: [number, number, number]): string | undefined {
  if (from.join('x') === to.join('x')) return undefined;
  const color = from[2] === to[2] ? '' : from[2] === 1 ? ', gray copied to RGB' : to[2] === 1 ? ', RGB to gray' : `, ${from[2]} to ${to[2]} channels`;
  return `note: ${source} images are ${from.join('x')}; resized (bilinear) to the model input ${to.join('x')}${color}`;
}
