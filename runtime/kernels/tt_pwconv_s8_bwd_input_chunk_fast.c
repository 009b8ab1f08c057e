/* Fast channel chunk of the pointwise input gradient (= tt_pwconv_s8_bwd_input_chunk, bit for
 * bit): four pixels at a time, their gradients (dz_stride apart, 0 for a pooled gradient; read
 * through the mask: a masked-out element is a zero, each pixel's bits of a tile read at once)
 * scaled once per tile of output channels, then tt_pw_bwd_tile over the chunk's columns in the
 * trained slice and in flash. */
#include <string.h>
#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_pw_bwd_tile.h"

/* Mask bits [e, e + cnt) (cnt <= TT_PW_TILE_O) in the low bits, from the bytes that hold them only. */
static inline uint32_t mask_bits(const uint8_t *mask, int32_t e, int cnt)
{
    const uint8_t *m = mask + (e >> 3);
    const int sh = (int)(e & 7), nb = (sh + cnt + 7) >> 3;
    uint32_t b = m[0];
    if (nb > 1) b |= (uint32_t)m[1] << 8;
    if (nb > 2) b |= (uint32_t)m[2] << 16;
    return b >> sh;
}

/* bit o of bits ? *g : +0.0f, on the bit pattern */
static inline float masked(const float *g, uint32_t bits, int o)
{
    uint32_t v;
    float f;
    memcpy(&v, g, 4);
    v &= 0u - ((bits >> o) & 1u);
    memcpy(&f, &v, 4);
    return f;
}

void tt_pwconv_s8_bwd_input_chunk_fast(const float *dz, int dz_stride, const uint8_t *dz_mask, int npix, int cin, int c0, int n,
                                       const int8_t *wt, const int8_t *wt_sram, int k,
                                       const float *s_w, int cout, float *dx_chunk)
{
    float gs[TT_PW_TILE_O][4];
    int p, o0, ks;
    k = tt_slice_k(wt_sram, k, cin);
    /* chunk channels j < ks lie in the trained slice (input channel c0 + j < k) */
    ks = k > c0 ? (k - c0 < n ? k - c0 : n) : 0;
    for (p = 0; p < npix; p += 4) {
        const int nq = npix - p < 4 ? npix - p : 4;
        float *d = dx_chunk + (size_t)p * (size_t)n;
        for (o0 = 0; o0 < cout; o0 += TT_PW_TILE_O) {
            const int no = cout - o0 < TT_PW_TILE_O ? cout - o0 : TT_PW_TILE_O;
            int o, q;
            if (nq == 4) {
                /* four whole pixels: no per-pixel test; a masked-out element is a zero */
                const float *g0 = dz + (size_t)p * (size_t)dz_stride + o0, *g1 = g0 + dz_stride, *g2 = g1 + dz_stride, *g3 = g2 + dz_stride;
                if (!dz_mask) {
                    for (o = 0; o < no; o++) {
                        const float s = s_w[o0 + o];
                        gs[o][0] = g0[o] * s; gs[o][1] = g1[o] * s; gs[o][2] = g2[o] * s; gs[o][3] = g3[o] * s;
                    }
                } else {
                    /* each pixel's no mask bits at once; an element is its gradient's bit
                     * pattern ANDed with its bit spread to a word: the gradient or +0.0f */
                    const int32_t e0 = (int32_t)p * cout + o0;
                    const uint32_t b0 = mask_bits(dz_mask, e0, no), b1 = mask_bits(dz_mask, e0 + cout, no);
                    const uint32_t b2 = mask_bits(dz_mask, e0 + 2 * cout, no), b3 = mask_bits(dz_mask, e0 + 3 * cout, no);
                    for (o = 0; o < no; o++) {
                        const float s = s_w[o0 + o];
                        gs[o][0] = masked(g0 + o, b0, o) * s;
                        gs[o][1] = masked(g1 + o, b1, o) * s;
                        gs[o][2] = masked(g2 + o, b2, o) * s;
                        gs[o][3] = masked(g3 + o, b3, o) * s;
                    }
                }
            } else {
                for (o = 0; o < no; o++) {
                    const float s = s_w[o0 + o];
                    for (q = 0; q < 4; q++) {
                        const int32_t e = (int32_t)(p + q) * cout + o0 + o;
                        const float g = q < nq && (!dz_mask || tt_mask_get(dz_mask, e)) ? dz[(size_t)(p + q) * (size_t)dz_stride + o0 + o] : 0.0f;
                        gs[o][q] = g * s;
                    }
                }
            }
            if (ks) tt_pw_bwd_tile((const float (*)[4])gs, no, wt_sram + (size_t)o0 * (size_t)k + c0, k, ks, d, n, nq, o0 > 0);
            tt_pw_bwd_tile((const float (*)[4])gs, no, wt + (size_t)o0 * (size_t)cin + c0 + ks, cin, n - ks, d + ks, n, nq, o0 > 0);
        }
    }
}
