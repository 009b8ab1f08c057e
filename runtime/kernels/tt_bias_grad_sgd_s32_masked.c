/* A bias gradient of a masked output gradient, fused with its SGD update (see tt_chunked.h). */
#include "tt_chunked.h"
#include "tt_fused.h"
#include "tt_internal.h"

void tt_bias_grad_sgd_s32_masked(const float *dy, int dy_stride, const uint8_t *mask, int npix, int c, int32_t *b_sram,
                                 float s_x, const float *s_w, float lr, int qas)
{
    int o, p;
    for (o = 0; o < c; o++) {
        float g = 0.0f;
        for (p = 0; p < npix; p++) g += tt_mask_get(mask, p * c + o) ? dy[p * dy_stride + o] : 0.0f;
        tt_sgd_bias_s32(b_sram + o, &g, 1, s_x, s_w + o, lr, qas);
    }
}
