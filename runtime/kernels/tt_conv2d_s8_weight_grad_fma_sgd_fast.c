/* = tt_conv2d_s8_weight_grad_fma_sgd bit for bit, register-blocked: four output channels x four
 * input channels of the slice in sixteen float accumulators per pass over a tap's pixels (each
 * input converted to float once for four channels, each gradient loaded once for four inputs;
 * independent sums, so an M7 issues one VFMA per cycle). Each weight still adds its products
 * in the reference's pixel order, with fmaf. The reference skips a zero gradient, here its
 * product (+-0) is added, which is exact: a sum started at +0 is never -0, and v + (+-0) = v
 * for any other v. The four channels' gradient rows wait in ws (TT_WGRAD_FMA_ROWS rows), then
 * take their SGD steps in storage order, so the random draws are the reference's. Always four
 * rows (constant offsets into the gradient) and four columns: a last block of fewer recomputes
 * rows (columns) of the one before; under four rows or columns in all the reference loop runs. */
#include <math.h>
#include <string.h>
#include "tt_fast.h"
#include "tt_fused.h"
#include "tt_internal.h"

/* One tap's walk over the output pixels whose input lies inside the image, row by row. */
typedef struct wg_walk {
    const int8_t *x;  /* the first pixel's input, channel 0 of the slice */
    const float *dz;  /* its output gradient, the pass's first output channel */
    int xrow, xcol;   /* input steps to the next output row / column */
    int drow, dcol;   /* gradient steps likewise */
    int rows, cols;
} wg_walk;

/* Output positions o in [*lo, *hi) whose tap t reads an input in [0, n_in): 0 <= o*s - pad + t < n_in. */
static void tap_range(int n_out, int n_in, int s, int pad, int t, int *lo, int *hi)
{
    const int a = pad - t, b = n_in - 1 + pad - t;
    *lo = a > 0 ? (a + s - 1) / s : 0;
    *hi = b < 0 ? 0 : b / s + 1;
    if (*hi > n_out) *hi = n_out;
}

#if defined(__thumb2__) && defined(__ARM_FP) && (__ARM_FP & 4) && defined(__ARM_FEATURE_FMA)
/* One row of a walk on an Arm FPU as one asm loop, the sixteen sums acc[4r + c] (row r, column
 * c) in s8-s23 for the row (one VLDM in, one VSTM out): per pixel the four inputs by LDRSB,
 * minus z, moved to the FPU two at a time and converted, the four gradients in one VLDM, then
 * sixteen VFMA (= fmaf), per sum in the C loop's pixel order. cols >= 1; xcol in bytes, dcol in
 * floats. */
#define WG_ASM 1
#define WG_FMA_ROW(g, a0, a1, a2, a3) \
    "vfma.f32 " a0 ", " g ", s4\n\t" "vfma.f32 " a1 ", " g ", s5\n\t" \
    "vfma.f32 " a2 ", " g ", s6\n\t" "vfma.f32 " a3 ", " g ", s7\n\t"
static inline void wg_row_asm(float *acc, const int8_t *xp, const float *gp, int cols, int xcol, int dcol, int32_t z)
{
    int32_t t0, t1, t2, t3;
    const int dbytes = dcol * 4;
    __asm__ __volatile__("vldmia %[acc], {s8-s23}\n"
                         "1:\n\t"
                         "ldrsb %[t0], [%[xp]]\n\t"
                         "ldrsb %[t1], [%[xp], #1]\n\t"
                         "ldrsb %[t2], [%[xp], #2]\n\t"
                         "ldrsb %[t3], [%[xp], #3]\n\t"
                         "add %[xp], %[xp], %[xcol]\n\t"
                         "sub %[t0], %[t0], %[z]\n\t"
                         "sub %[t1], %[t1], %[z]\n\t"
                         "sub %[t2], %[t2], %[z]\n\t"
                         "sub %[t3], %[t3], %[z]\n\t"
                         "vmov s4, s5, %[t0], %[t1]\n\t"
                         "vmov s6, s7, %[t2], %[t3]\n\t"
                         "vcvt.f32.s32 s4, s4\n\t"
                         "vcvt.f32.s32 s5, s5\n\t"
                         "vcvt.f32.s32 s6, s6\n\t"
                         "vcvt.f32.s32 s7, s7\n\t"
                         "vldmia %[gp], {s0-s3}\n\t"
                         "add %[gp], %[gp], %[db]\n\t"
                         WG_FMA_ROW("s0", "s8", "s9", "s10", "s11")
                         WG_FMA_ROW("s1", "s12", "s13", "s14", "s15")
                         WG_FMA_ROW("s2", "s16", "s17", "s18", "s19")
                         WG_FMA_ROW("s3", "s20", "s21", "s22", "s23")
                         "subs %[n], %[n], #1\n\t"
                         "bne 1b\n\t"
                         "vstmia %[acc], {s8-s23}"
                         : [xp] "+r"(xp), [gp] "+r"(gp), [n] "+r"(cols),
                           [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
                         : [acc] "r"(acc), [xcol] "r"(xcol), [db] "r"(dbytes), [z] "r"(z)
                         : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
                           "s12", "s13", "s14", "s15", "s16", "s17", "s18", "s19", "s20", "s21",
                           "s22", "s23", "cc", "memory");
}
#endif

/* d[r][j] = s_x * sum over the walk of dz[r] * (x[j] - z), r < 4, j < k (k >= 4); row r at
 * d + r*ds. Four columns per pass; a last pass of fewer ends at k and recomputes columns of the
 * one before (the same values). */
static void wg_tap(const wg_walk *wk, int32_t z, int k, float s_x, float *d, int ds)
{
    float *d0 = d, *d1 = d + ds, *d2 = d + 2 * ds, *d3 = d + 3 * ds;
    int j0, r, c;
#ifdef WG_ASM
    for (j0 = 0; j0 < k; j0 += 4) {
        const int j = k - j0 < 4 ? k - 4 : j0;
        float acc[16] = { 0.0f };
        const int8_t *xr = wk->x + j;
        const float *gr = wk->dz;
        for (r = 0; r < wk->rows; r++, xr += wk->xrow, gr += wk->drow) wg_row_asm(acc, xr, gr, wk->cols, wk->xcol, wk->dcol, z);
        for (c = 0; c < 4; c++) {
            d0[j + c] = acc[c] * s_x; d1[j + c] = acc[4 + c] * s_x;
            d2[j + c] = acc[8 + c] * s_x; d3[j + c] = acc[12 + c] * s_x;
        }
    }
#else
    for (j0 = 0; j0 < k; j0 += 4) {
        const int j = k - j0 < 4 ? k - 4 : j0;
        float a00 = 0.0f, a01 = 0.0f, a02 = 0.0f, a03 = 0.0f, a10 = 0.0f, a11 = 0.0f, a12 = 0.0f, a13 = 0.0f;
        float a20 = 0.0f, a21 = 0.0f, a22 = 0.0f, a23 = 0.0f, a30 = 0.0f, a31 = 0.0f, a32 = 0.0f, a33 = 0.0f;
        const int8_t *xr = wk->x + j;
        const float *gr = wk->dz;
        for (r = 0; r < wk->rows; r++, xr += wk->xrow, gr += wk->drow) {
            const int8_t *xp = xr;
            const float *gp = gr;
            for (c = 0; c < wk->cols; c++, xp += wk->xcol, gp += wk->dcol) {
                const float x0 = (float)((int32_t)xp[0] - z), x1 = (float)((int32_t)xp[1] - z);
                const float x2 = (float)((int32_t)xp[2] - z), x3 = (float)((int32_t)xp[3] - z);
                const float g0 = gp[0], g1 = gp[1], g2 = gp[2], g3 = gp[3];
                a00 = fmaf(g0, x0, a00); a01 = fmaf(g0, x1, a01); a02 = fmaf(g0, x2, a02); a03 = fmaf(g0, x3, a03);
                a10 = fmaf(g1, x0, a10); a11 = fmaf(g1, x1, a11); a12 = fmaf(g1, x2, a12); a13 = fmaf(g1, x3, a13);
                a20 = fmaf(g2, x0, a20); a21 = fmaf(g2, x1, a21); a22 = fmaf(g2, x2, a22); a23 = fmaf(g2, x3, a23);
                a30 = fmaf(g3, x0, a30); a31 = fmaf(g3, x1, a31); a32 = fmaf(g3, x2, a32); a33 = fmaf(g3, x3, a33);
            }
        }
        d3[j] = a30 * s_x; d3[j + 1] = a31 * s_x; d3[j + 2] = a32 * s_x; d3[j + 3] = a33 * s_x;
        d2[j] = a20 * s_x; d2[j + 1] = a21 * s_x; d2[j + 2] = a22 * s_x; d2[j + 3] = a23 * s_x;
        d1[j] = a10 * s_x; d1[j + 1] = a11 * s_x; d1[j + 2] = a12 * s_x; d1[j + 3] = a13 * s_x;
        d0[j] = a00 * s_x; d0[j + 1] = a01 * s_x; d0[j + 2] = a02 * s_x; d0[j + 3] = a03 * s_x;
    }
#endif
}

/* = tt_sgd_s8 (tt_sgd_s8_residual without a residual) bit for bit, PRNG state included: the
 * stochastic rounding of tt_internal.h with its NaN test and clamp folded into one integer test
 * of the step's bits (|v| < 2^22, where neither applies; any other value, NaN included, takes
 * tt_stochastic_round itself), and the floor's decrement applied to the float as well (exact
 * below 2^22) instead of converting the integer back. The xorshift's zero test is hoisted: a
 * zero state becomes 0x9E3779B9 before the loop (tt_xorshift32_next(0) draws from there), and
 * nonzero states stay nonzero; the state is stored back as 0 if nothing was drawn (the walk
 * returns to 0x9E3779B9 only after 2^32 - 1 draws, the xorshift32 period). The clamp to
 * [-127, 127] is a saturation to int8 then a floor at -127 (the same). */
static void sgd_s8_fast(int8_t *w, const float *g_real, int cout, int per_out,
                        const float *s_w, float lr, int qas, uint32_t *rng)
{
    int o, j;
    const uint32_t s0 = *rng;
    uint32_t state = s0 ? s0 : 0x9E3779B9u;
    for (o = 0; o < cout; o++) {
        const float f = qas ? -lr / s_w[o] : -lr * s_w[o];
        int8_t *wo = w + o * per_out;
        const float *go = g_real + o * per_out;
        for (j = 0; j < per_out; j++) {
            const float v = f * go[j];
            uint32_t bits;
            int32_t step, q;
            memcpy(&bits, &v, 4);
            if ((bits << 1) < (0x4A800000u << 1)) { /* |v| < 4194304 = 2^22 */
                int32_t i = (int32_t)v;
                float fi = (float)i, u;
                if (fi > v) { i--; fi -= 1.0f; } /* floor */
                state ^= state << 13; /* tt_xorshift32_next of a nonzero state */
                state ^= state >> 17;
                state ^= state << 5;
                u = (float)(state >> 8) * (1.0f / 16777216.0f);
                step = i;
                if (u < v - fi) step++;
            } else {
                step = tt_stochastic_round(v, &state);
            }
            q = (int32_t)wo[j] + step;
#if defined(__ARM_FEATURE_SAT)
            q = __builtin_arm_ssat(q, 8);
#else
            if (q > 127) q = 127;
#endif
            if (q < -127) q = -127;
            wo[j] = (int8_t)q;
        }
    }
    *rng = (s0 == 0 && state == 0x9E3779B9u) ? 0 : state;
}

void tt_conv2d_s8_weight_grad_fma_sgd_fast(const int8_t *x, int x_cstride, int h, int w,
                                           float s_x, int32_t z_x, const float *dz,
                                           int cout, const tt_conv_geom *geo, int k,
                                           int8_t *w_sram, const float *s_w, float lr, int qas,
                                           uint32_t *rng, float *ws)
{
    tt_conv2d_s8_weight_grad_fma_sgd_residual_fast(x, x_cstride, h, w, s_x, z_x, dz, cout, geo, k,
                                                   w_sram, 0, s_w, lr, qas, rng, ws);
}

void tt_conv2d_s8_weight_grad_fma_sgd_residual_fast(const int8_t *x, int x_cstride, int h, int w,
                                                    float s_x, int32_t z_x, const float *dz,
                                                    int cout, const tt_conv_geom *geo, int k,
                                                    int8_t *w_sram, int8_t *w_res, const float *s_w,
                                                    float lr, int qas, uint32_t *rng, float *ws)
{
    const int kh = geo->kh, kw = geo->kw, ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    const int per = kh * kw * k;
    int o, ky, kx, r, j;
    if (cout < TT_WGRAD_FMA_ROWS || k < 4) { /* too few rows or columns for one block */
        tt_conv2d_s8_weight_grad_fma_sgd_residual(x, x_cstride, h, w, s_x, z_x, dz, cout, geo, k,
                                                  w_sram, w_res, s_w, lr, qas, rng, ws);
        return;
    }
    for (o = 0; o < cout; o += TT_WGRAD_FMA_ROWS) {
        /* the last block ends at cout: it recomputes rows of the one before (the same values)
         * and updates only the new ones, from row o - ob of ws */
        const int ob = cout - o < TT_WGRAD_FMA_ROWS ? cout - TT_WGRAD_FMA_ROWS : o;
        const int nr = cout - o < TT_WGRAD_FMA_ROWS ? cout - o : TT_WGRAD_FMA_ROWS;
        for (ky = 0; ky < kh; ky++) {
            int y0, y1;
            tap_range(ho, h, geo->sh, geo->pt, ky, &y0, &y1);
            for (kx = 0; kx < kw; kx++) {
                float *d = ws + (ky * kw + kx) * k;
                int x0, x1;
                wg_walk wk;
                tap_range(wo, w, geo->sw, geo->pl, kx, &x0, &x1);
                if (y0 >= y1 || x0 >= x1) { /* no pixel reaches this tap: a zero gradient */
                    for (r = 0; r < TT_WGRAD_FMA_ROWS; r++) for (j = 0; j < k; j++) d[r * per + j] = 0.0f;
                    continue;
                }
                wk.x = x + ((y0 * geo->sh - geo->pt + ky) * w + x0 * geo->sw - geo->pl + kx) * x_cstride;
                wk.dz = dz + (y0 * wo + x0) * cout + ob;
                wk.xrow = geo->sh * w * x_cstride; wk.xcol = geo->sw * x_cstride;
                wk.drow = wo * cout; wk.dcol = cout;
                wk.rows = y1 - y0; wk.cols = x1 - x0;
                /* whole rows, one after the other in memory on both sides (pointwise): one run */
                if (wk.cols == wo && wk.xrow == wo * wk.xcol) { wk.cols *= wk.rows; wk.rows = 1; }
                wg_tap(&wk, z_x, k, s_x, d, per);
            }
        }
        if (w_res)
            tt_sgd_s8_residual(w_sram + (size_t)o * (size_t)per, w_res + (size_t)o * (size_t)per,
                               ws + (size_t)(o - ob) * (size_t)per, nr, per, s_w + o, lr, qas, rng);
        else
            sgd_s8_fast(w_sram + (size_t)o * (size_t)per, ws + (size_t)(o - ob) * (size_t)per, nr, per, s_w + o, lr, qas, rng);
    }
}
