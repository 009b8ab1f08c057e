/* Fast depthwise int8 conv in place (= tt_dwconv_s8_inplace): each input channel copied to tmp
 * (h*w bytes, unit stride) before its output overwrites it, as in the reference, then a body
 * specialized for the kernel size and stride (tt_dw_channel_fast.h); small images go straight to
 * the padded body, whose own copy of the channel serves as tmp. With AVX2 (the host trainer) a
 * tensor of up to TT_DW_INPLACE_COPY_MAX bytes is copied whole onto the stack and convolved out
 * of place by tt_dwconv_s8_fast (eight channels per vector): the same outputs, as the in-place
 * kernel equals the out-of-place one. */
#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_dw_pad4_fast.h"
#include "tt_avx2.h"

#if TT_AVX2
#define TT_DW_INPLACE_COPY_MAX (256 * 1024)
#endif

void tt_dwconv_s8_inplace_fast(int8_t *buf, int h, int w, int c,
                               const int8_t *wt, const int8_t *wt_sram, int k,
                               const int32_t *bias, const int32_t *bias_sram,
                               const tt_conv_geom *geo,
                               const tt_rq *rq, int8_t *tmp, uint8_t *mask)
{
    const int32_t *b = bias_sram ? bias_sram : bias;
    int ch, p, npix = h * w, taps = geo->kh * geo->kw;
    /* the padded body copies each channel before writing it: no tmp copy needed */
    const int pads = tt_dw_pads(geo, h, w);
    k = tt_slice_k(wt_sram, k, c);
#if TT_AVX2
    if ((size_t)npix * (size_t)c <= TT_DW_INPLACE_COPY_MAX) {
        int8_t copy[TT_DW_INPLACE_COPY_MAX];
        memcpy(copy, buf, (size_t)npix * (size_t)c);
        tt_dwconv_s8_fast(copy, h, w, c, wt, wt_sram, k, b, 0, geo, rq, buf, mask);
        return;
    }
#endif
    /* on the SIMD32 path four channels per pass where it can (each row of a group copied before
     * outputs overwrite it), the rest one by one */
    for (ch = tt_dw4_padded_groups(buf, h, w, c, wt, wt_sram, k, b, geo, rq, buf, mask, 1); ch < c; ch++) {
        const int8_t *wc = ch < k ? wt_sram + ch * taps : wt + ch * taps;
        int32_t bc = b ? b[ch] : 0;
        if (pads) {
            tt_dw_channel_dispatch(buf + ch, c, h, w, wc, bc, geo, rq->z_x, rq->m[ch], rq->z_y, rq->lo, rq->hi, buf + ch, c, mask, ch);
            continue;
        }
        for (p = 0; p < npix; p++) tmp[p] = buf[p * c + ch];
        if (!tt_dw_channel_dispatch(tmp, 1, h, w, wc, bc, geo, rq->z_x, rq->m[ch], rq->z_y, rq->lo, rq->hi, buf + ch, c, mask, ch))
            tt_dw_channel_s8(tmp, 1, h, w, wc, bc, geo, rq->z_x, rq->m[ch], rq->z_y, rq->lo, rq->hi, buf + ch, c, mask, ch);
    }
}
