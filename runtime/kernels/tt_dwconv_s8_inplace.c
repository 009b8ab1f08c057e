/* Depthwise int8 conv computed in place, channel by channel.
 * In HWC, output element (oy, ox, ch) is stored at (oy*wo+ox)*c + ch, which is congruent to
 * ch modulo c: channel ch of the output only overwrites bytes that held channel ch of the
 * input. Each input channel is first copied to tmp (h*w bytes), so the overwrite is safe for
 * any stride. */
#include "tt_internal.h"

void tt_dwconv_s8_inplace(int8_t *buf, int h, int w, int c,
                          const int8_t *wt, const int8_t *wt_sram, int k,
                          const int32_t *bias, const int32_t *bias_sram,
                          const tt_conv_geom *geo,
                          const tt_quant *q, int8_t *tmp, uint8_t *mask)
{
    int ch, p, npix = h * w;
    int32_t lo, hi;
    int taps = geo->kh * geo->kw;
    const int32_t *b = bias_sram ? bias_sram : bias;
    k = tt_slice_k(wt_sram, k, c);
    tt_act_range(q, &lo, &hi);
    for (ch = 0; ch < c; ch++) {
        const int8_t *wc = ch < k ? wt_sram + ch * taps : wt + ch * taps;
        float m = q->s_x * q->s_w[ch] / q->s_y;
        for (p = 0; p < npix; p++) tmp[p] = buf[p * c + ch];
        tt_dw_channel_s8(tmp, 1, h, w, wc, b ? b[ch] : 0, geo,
                         q->z_x, m, q->z_y, lo, hi, buf + ch, c, mask, ch);
    }
}
