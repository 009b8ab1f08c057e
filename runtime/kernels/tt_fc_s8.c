/* Fully connected classifier: int8 input and weights, float logits. */
#include "tt_internal.h"

void tt_fc_s8(const int8_t *x, int cin, float s_x, int32_t z_x,
              const int8_t *wt, const int8_t *wt_sram, int k, const float *s_w,
              const int32_t *bias, const int32_t *bias_sram,
              int cout, float *logits)
{
    int o, i;
    const int32_t *b = bias_sram ? bias_sram : bias;
    k = tt_slice_k(wt_sram, k, cin);
    for (o = 0; o < cout; o++) {
        int32_t acc = b ? b[o] : 0;
        const int8_t *wf = wt + o * cin, *ws = k ? wt_sram + o * k : wf;
        for (i = 0; i < k; i++) acc += (int32_t)ws[i] * ((int32_t)x[i] - z_x);
        for (i = k; i < cin; i++) acc += (int32_t)wf[i] * ((int32_t)x[i] - z_x);
        logits[o] = s_x * s_w[o] * (float)acc;
    }
}
