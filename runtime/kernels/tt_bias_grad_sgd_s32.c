/* Bias gradient fused with its SGD update, one channel at a time (see tt_fused.h). */
#include "tt_fused.h"

void tt_bias_grad_sgd_s32(const float *dz, int npix, int c, int32_t *b_sram,
                          float s_x, const float *s_w, float lr, int qas)
{
    int o, p;
    for (o = 0; o < c; o++) {
        float g = 0.0f;
        for (p = 0; p < npix; p++) g += dz[p * c + o];
        tt_sgd_bias_s32(b_sram + o, &g, 1, s_x, s_w + o, lr, qas);
    }
}
