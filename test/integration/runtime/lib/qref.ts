// Small helpers for the int8 kernel tests: a seeded PRNG, HWC <-> NCHW transposes and an exact
// integer accumulator reference (used to calibrate scales and as the oracle for clamp masks).

export { mulberry32 } from '../../../../compiler/random.js';

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function outSize(n: number, s: number): number {
  return Math.ceil(n / s);
}

/** HWC [h][w][c] -> NCHW [1][c][h][w] */
export function hwcToNchw(x: ArrayLike<number>, h: number, w: number, c: number): number[] {
  const out = new Array<number>(h * w * c);
  for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) out[(ch * h + y) * w + xx] = x[(y * w + xx) * c + ch];
  return out;
}

/** NCHW [1][c][h][w] -> HWC */
export function nchwToHwc(x: ArrayLike<number>, h: number, w: number, c: number): number[] {
  const out = new Array<number>(h * w * c);
  for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) out[(y * w + xx) * c + ch] = x[(ch * h + y) * w + xx];
  return out;
}

/** OHWI [o][kh][kw][i] -> OIHW [o][i][kh][kw] */
export function ohwiToOihw(wt: ArrayLike<number>, o: number, kh: number, kw: number, i: number): number[] {
  const out = new Array<number>(o * kh * kw * i);
  for (let a = 0; a < o; a++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let b = 0; b < i; b++)
    out[((a * i + b) * kh + y) * kw + x] = wt[((a * kh + y) * kw + x) * i + b];
  return out;
}

/** Exact int32 accumulators b[o] + sum w*(x - z_x) of a grouped "same"-padded conv, HWC output.
 * Weights [cout][k][k][cin/groups] (depthwise: groups = cin, which is the [c][k][k] layout). */
/** A conv window: kernel kh x kw, stride per axis, explicit padding (as tt_conv_geom). */
export interface Geom { kh: number; kw: number; sh: number; sw: number; pt: number; pl: number; pb: number; pr: number }

/** The config's centred "same" padding for a square k x k kernel, stride s: out = ceil(n / s). */
export function centredGeom(h: number, w: number, k: number, s: number): Geom {
  const p = (k - 1) / 2;
  return { kh: k, kw: k, sh: s, sw: s, pt: p, pl: p, pb: Math.max(0, (outSize(h, s) - 1) * s + k - h - p), pr: Math.max(0, (outSize(w, s) - 1) * s + k - w - p) };
}

/** Output size along one axis with explicit padding. */
export const outSizePadded = (n: number, k: number, s: number, before: number, after: number): number => Math.floor((n + before + after - k) / s) + 1;

/** Exact int32 accumulators of a grouped conv (HWC, weights [cout][kh][kw][cin/groups]). */
export function accConv(
  x: ArrayLike<number>, h: number, w: number, cin: number, zx: number,
  wt: ArrayLike<number>, b: ArrayLike<number>, cout: number, g: Geom, groups: number,
): number[] {
  const ho = outSizePadded(h, g.kh, g.sh, g.pt, g.pb), wo = outSizePadded(w, g.kw, g.sw, g.pl, g.pr), cg = cin / groups, og = cout / groups;
  const out = new Array<number>(ho * wo * cout).fill(0);
  for (let oy = 0; oy < ho; oy++) for (let ox = 0; ox < wo; ox++) for (let o = 0; o < cout; o++) {
    let acc = b[o];
    const gi = Math.floor(o / og);
    for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
      const iy = oy * g.sh + ky - g.pt, ix = ox * g.sw + kx - g.pl;
      if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue;
      for (let j = 0; j < cg; j++) acc += wt[((o * g.kh + ky) * g.kw + kx) * cg + j] * (x[(iy * w + ix) * cin + gi * cg + j] - zx);
    }
    out[(oy * wo + ox) * cout + o] = acc;
  }
  return out;
}

/** Round half to even. */
export function rne(v: number): number {
  const f = Math.floor(v), d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Float32 rendering that parses back (scanf %f) to exactly the same float. */
export function f32str(v: number): string {
  return Math.fround(v).toPrecision(9);
}
