/* Depthwise int8 conv, HWC, weights [c][kh][kw], explicit padding, stride per axis. */
#include "tt_internal.h"

void tt_dwconv_s8(const int8_t *x, int h, int w, int c,
                  const int8_t *wt, const int8_t *wt_sram, int k,
                  const int32_t *bias, const int32_t *bias_sram,
                  const tt_conv_geom *geo,
                  const tt_quant *q, int8_t *y, uint8_t *mask)
{
    int ch;
    int32_t lo, hi;
    int taps = geo->kh * geo->kw;
    const int32_t *b = bias_sram ? bias_sram : bias;
    k = tt_slice_k(wt_sram, k, c);
    tt_act_range(q, &lo, &hi);
    for (ch = 0; ch < c; ch++) {
        const int8_t *wc = ch < k ? wt_sram + ch * taps : wt + ch * taps;
        float m = q->s_x * q->s_w[ch] / q->s_y;
        tt_dw_channel_s8(x + ch, c, h, w, wc, b ? b[ch] : 0, geo,
                         q->z_x, m, q->z_y, lo, hi, y + ch, c, mask, ch);
    }
}
