/* Fast input gradient of an int8 depthwise conv (= tt_dwconv_s8_bwd_input, bit for bit): the
 * same scatter in the same order, so every dx element adds the same products in the same
 * sequence from +0. What goes is the work around each product: the channel's taps are converted
 * to float once (not once per product), the rows and columns of taps that land inside the input
 * are found once per output (not tested per tap), and the scattered-to element is reached by
 * stepping a pointer; up to 16 taps, four channels share that work per pass (and, on an Arm FPU,
 * each product is added with one VMLA). Kernels of more than TT_DW_BWD_MAX_TAPS taps take the
 * reference loop. */
#include <string.h>
#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_avx2.h"
#if TT_AVX2
#include "tt_dw_bwd_avx2.h" /* eight channels per vector first */
#endif

#define TT_DW_BWD_MAX_TAPS 64
/* Kernels of up to 16 taps (3x3, 4x4) also take four channels per pass: their taps as float for
 * four channels fill the same 64 floats of stack (the stack is SRAM the plan does not count). */
#define TT_DW_BWD4_MAX_TAPS (TT_DW_BWD_MAX_TAPS / 4)

/* acc + a * b with the product rounded before the add: on an Arm FPU one VMLA (not the fused
 * VFMA), the same bits as the C `acc + a * b` that C99 mode compiles to a VMUL and a VADD. */
#if defined(__arm__) && defined(__ARM_FP) && (__ARM_FP & 4)
static inline float tt_dw_mla(float acc, float a, float b)
{
    __asm__("vmla.f32 %0, %1, %2" : "+t"(acc) : "t"(a), "t"(b));
    return acc;
}
#else
static inline float tt_dw_mla(float acc, float a, float b) { return acc + a * b; }
#endif

#if defined(__thumb2__) && defined(__ARM_FP) && (__ARM_FP & 4)
/* d[0..3] += g[0..3] * w4[t][0..3] for the n >= 1 taps t of one row (d steps cbytes bytes a tap)
 * on an Arm FPU as one asm loop: the four elements in one VLDM, the four taps in one VLDM, four
 * VMLA (the same bits as tt_dw_mla), one VSTM. */
#define TT_DW_TAP4_ASM 1
static inline void tt_dw_tap4(float *d, const float *w4, int n, int cbytes, float g0, float g1, float g2, float g3)
{
    __asm__ __volatile__("1:\n\t"
                         "vldmia %[d], {s0-s3}\n\t"
                         "vldmia %[w]!, {s4-s7}\n\t"
                         "vmla.f32 s0, %[g0], s4\n\t"
                         "vmla.f32 s1, %[g1], s5\n\t"
                         "vmla.f32 s2, %[g2], s6\n\t"
                         "vmla.f32 s3, %[g3], s7\n\t"
                         "vstmia %[d], {s0-s3}\n\t"
                         "add %[d], %[d], %[cb]\n\t"
                         "subs %[n], %[n], #1\n\t"
                         "bne 1b"
                         : [d] "+r"(d), [w] "+r"(w4), [n] "+r"(n)
                         : [cb] "r"(cbytes), [g0] "t"(g0), [g1] "t"(g1), [g2] "t"(g2), [g3] "t"(g3)
                         : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "cc", "memory");
}
#endif

void tt_dwconv_s8_bwd_input_fast(const float *dz, int h, int w, int c,
                                 const int8_t *wt, const int8_t *wt_sram, int k,
                                 const float *s_w, const tt_conv_geom *geo, float *dx)
{
    const int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    const int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w), taps = kh * kw;
    const size_t cs = (size_t)c;
    float wf[TT_DW_BWD_MAX_TAPS];
    int oy, ox, ch, ky, kx, t;
    if (taps > TT_DW_BWD_MAX_TAPS) {
        tt_dwconv_s8_bwd_input(dz, h, w, c, wt, wt_sram, k, s_w, geo, dx);
        return;
    }
    k = tt_slice_k(wt_sram, k, c);
    memset(dx, 0, sizeof(float) * (size_t)h * (size_t)w * cs);
    ch = 0;
#if TT_AVX2
    ch = tt_dw_bwd_input_avx2(dz, h, w, c, wt, wt_sram, k, s_w, geo, dx);
#endif
    /* Four channels per pass: each output's four scaled gradients scattered over its taps,
     * tap by tap, with the tap rows and columns inside the input found once for the four.
     * Channels are independent, so every dx element still adds its products in the order of
     * the outputs, as one channel at a time does. An output whose four gradients are all zero
     * is skipped; otherwise a zero gradient's product (+-0) is added, which is exact (dx starts
     * at +0, and a float sum that starts at +0 is never -0: v + (+-0) = v). */
    if (taps <= TT_DW_BWD4_MAX_TAPS) {
        float (*const w4)[4] = (float (*)[4])wf;
        for (; ch + 4 <= c; ch += 4) {
            const float sw0 = s_w[ch], sw1 = s_w[ch + 1], sw2 = s_w[ch + 2], sw3 = s_w[ch + 3];
            const float *g_at = dz + ch;
            int q;
            for (q = 0; q < 4; q++) {
                const int8_t *wc = ch + q < k ? wt_sram + (ch + q) * taps : wt + (ch + q) * taps;
                for (t = 0; t < taps; t++) w4[t][q] = (float)wc[t];
            }
            for (oy = 0; oy < ho; oy++) {
                const int iy0 = oy * sty - ph;
                const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = h - iy0 < kh ? h - iy0 : kh;
                for (ox = 0; ox < wo; ox++, g_at += cs) {
                    uint32_t u[4];
                    memcpy(u, g_at, sizeof u);
                    if (!((u[0] | u[1] | u[2] | u[3]) << 1)) continue; /* four zeros (+-0): no term changes a sum */
                    {
                        const float g0 = g_at[0] * sw0, g1 = g_at[1] * sw1, g2 = g_at[2] * sw2, g3 = g_at[3] * sw3;
                        const int ix0 = ox * stx - pw;
                        const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = w - ix0 < kw ? w - ix0 : kw;
                        for (ky = ky0; ky < ky1; ky++) {
                            const float (*wr)[4] = w4 + ky * kw;
                            float *d = dx + ((size_t)(iy0 + ky) * (size_t)w + (size_t)(ix0 + kx0)) * cs + (size_t)ch;
#ifdef TT_DW_TAP4_ASM
                            if (kx1 > kx0) tt_dw_tap4(d, wr[kx0], kx1 - kx0, (int)(cs * sizeof(float)), g0, g1, g2, g3);
#else
                            for (kx = kx0; kx < kx1; kx++, d += cs) {
                                d[0] = tt_dw_mla(d[0], g0, wr[kx][0]);
                                d[1] = tt_dw_mla(d[1], g1, wr[kx][1]);
                                d[2] = tt_dw_mla(d[2], g2, wr[kx][2]);
                                d[3] = tt_dw_mla(d[3], g3, wr[kx][3]);
                            }
#endif
                        }
                    }
                }
            }
        }
    }
    for (; ch < c; ch++) {
        const int8_t *wc = ch < k ? wt_sram + ch * taps : wt + ch * taps;
        const float sw = s_w[ch];
        const float *g_at = dz + ch;
        for (t = 0; t < taps; t++) wf[t] = (float)wc[t]; /* exact: an int8 is a float */
        for (oy = 0; oy < ho; oy++) {
            /* the rows of taps inside the input: [ky0, ky1) */
            const int iy0 = oy * sty - ph;
            const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = h - iy0 < kh ? h - iy0 : kh;
            for (ox = 0; ox < wo; ox++, g_at += cs) {
                float g = *g_at;
                int ix0, kx0, kx1;
                if (g == 0.0f) continue;
                g *= sw;
                ix0 = ox * stx - pw;
                kx0 = ix0 < 0 ? -ix0 : 0;
                kx1 = w - ix0 < kw ? w - ix0 : kw;
                for (ky = ky0; ky < ky1; ky++) {
                    const float *wr = wf + ky * kw;
                    float *d = dx + ((size_t)(iy0 + ky) * (size_t)w + (size_t)(ix0 + kx0)) * cs + (size_t)ch;
                    for (kx = kx0; kx < kx1; kx++, d += cs) *d = tt_dw_mla(*d, g, wr[kx]);
                }
            }
        }
    }
}
