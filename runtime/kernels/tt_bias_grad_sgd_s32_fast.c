/* = tt_bias_grad_sgd_s32 bit for bit: four channels' sums at once (each one's additions in the
 * reference's pixel order), so the pixel loop runs a quarter as often. */
#include "tt_fast.h"
#include "tt_fused.h"

void tt_bias_grad_sgd_s32_fast(const float *dz, int npix, int c, int32_t *b_sram,
                               float s_x, const float *s_w, float lr, int qas)
{
    int o = 0, p;
    for (; o + 4 <= c; o += 4) {
        float g[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
        const float *q = dz + o;
        for (p = 0; p < npix; p++, q += c) { g[0] += q[0]; g[1] += q[1]; g[2] += q[2]; g[3] += q[3]; }
        tt_sgd_bias_s32(b_sram + o, g, 4, s_x, s_w + o, lr, qas);
    }
    for (; o < c; o++) {
        float g = 0.0f;
        for (p = 0; p < npix; p++) g += dz[p * c + o];
        tt_sgd_bias_s32(b_sram + o, &g, 1, s_x, s_w + o, lr, qas);
    }
}
