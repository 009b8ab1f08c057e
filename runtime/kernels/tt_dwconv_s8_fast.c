/* Fast depthwise int8 conv (= tt_dwconv_s8): on the SIMD32 path square 3/5/7 kernels four
 * channels at a time (tt_dw_pad4_fast.h), then per channel a body specialized for its kernel
 * size and stride (tt_dw_channel_fast.h); shapes without one take the reference channel loop. With
 * AVX2 (the host trainer) the row bodies instead (tt_dw_row_fast.h over the whole tensor: eight
 * channels per vector), for the geometries they hold. */
#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_dw_pad4_fast.h"
#include "tt_avx2.h"
#if TT_AVX2
#define TT_DW_ROWS_ONLY 1
#include "tt_dw_row_fast.h"

/* Every output row of the whole tensor (a ring of h rows), one function per specialization. */
#define TT_DW_TENSOR_FN(NAME, KH, KW, SH, SW)                                                                        \
    static __attribute__((noinline)) void NAME(const int8_t *x, int h, int w, int c, const int8_t *wt,                \
                                               const int8_t *wt_sram, int k, const int32_t *b, const tt_conv_geom *geo, \
                                               const tt_rq *rq, int8_t *y, uint8_t *mask)                              \
    {                                                                                                                 \
        tt_dw_rows_fast(x, h, h, w, c, wt, wt_sram, k, b, geo, rq, 0, TT_CONV_OUT_H(geo, h), y, mask, 0, KH, KW, SH, SW); \
    }
TT_DW_SPECIALIZATIONS(TT_DW_TENSOR_FN, tt_dw_tensor)
#undef TT_DW_TENSOR_FN
#endif

void tt_dwconv_s8_fast(const int8_t *x, int h, int w, int c,
                       const int8_t *wt, const int8_t *wt_sram, int k,
                       const int32_t *bias, const int32_t *bias_sram,
                       const tt_conv_geom *geo,
                       const tt_rq *rq, int8_t *y, uint8_t *mask)
{
    const int32_t *b = bias_sram ? bias_sram : bias;
    int ch, taps = geo->kh * geo->kw;
    k = tt_slice_k(wt_sram, k, c);
#if TT_AVX2
    if (tt_dw_rows_cover(geo)) {
        TT_DW_SPECIALIZE_FN(geo, tt_dw_tensor, (x, h, w, c, wt, wt_sram, k, b, geo, rq, y, mask));
        return;
    }
#endif
    /* on the SIMD32 path four channels per pass where it can, the rest one by one */
    for (ch = tt_dw4_padded_groups(x, h, w, c, wt, wt_sram, k, b, geo, rq, y, mask, 0); ch < c; ch++) {
        const int8_t *wc = ch < k ? wt_sram + ch * taps : wt + ch * taps;
        int32_t bc = b ? b[ch] : 0;
        if (!tt_dw_channel_dispatch(x + ch, c, h, w, wc, bc, geo, rq->z_x, rq->m[ch], rq->z_y, rq->lo, rq->hi, y + ch, c, mask, ch))
            tt_dw_channel_s8(x + ch, c, h, w, wc, bc, geo, rq->z_x, rq->m[ch], rq->z_y, rq->lo, rq->hi, y + ch, c, mask, ch);
    }
}
