/* Pointwise (1x1, stride 1) int8 conv, HWC, weights [cout][cin]. */
#include "tt_internal.h"

void tt_pwconv_s8(const int8_t *x, int h, int w, int cin,
                  const int8_t *wt, const int8_t *wt_sram, int k,
                  const int32_t *bias, const int32_t *bias_sram,
                  int cout, const tt_quant *q, int8_t *y, uint8_t *mask)
{
    int npix = h * w, p, o, i;
    int32_t lo, hi, z_x = q->z_x;
    const int32_t *b = bias_sram ? bias_sram : bias;
    k = tt_slice_k(wt_sram, k, cin);
    tt_act_range(q, &lo, &hi);
    for (p = 0; p < npix; p++) {
        const int8_t *xp = x + p * cin;
        int32_t e0 = (int32_t)p * cout;
        for (o = 0; o < cout; o++) {
            int32_t acc = b ? b[o] : 0;
            const int8_t *wf = wt + o * cin, *ws = k ? wt_sram + o * k : wf;
            float m = q->s_x * q->s_w[o] / q->s_y;
            int pass;
            for (i = 0; i < k; i++) acc += (int32_t)ws[i] * ((int32_t)xp[i] - z_x);
            for (i = k; i < cin; i++) acc += (int32_t)wf[i] * ((int32_t)xp[i] - z_x);
            y[e0 + o] = tt_requant(acc, m, q->z_y, lo, hi, &pass);
            if (mask) tt_mask_put(mask, e0 + o, pass);
        }
    }
}
