/* Classifier backward fused with its update (see tt_fused.h). dx first, from the weights as the
 * forward pass used them; then row by row: gradient into ws, SGD; then the biases. */
#include "tt_fused.h"

void tt_fc_s8_bwd_sgd(const int8_t *x, int cin, float s_x, int32_t z_x,
                      int8_t *w_sram, const float *s_w, int32_t *b_sram, int cout,
                      const float *dlogits, float *dx, float lr, int qas, uint32_t *rng, float *ws)
{
    tt_fc_s8_bwd_sgd_residual(x, cin, s_x, z_x, w_sram, 0, s_w, b_sram, cout, dlogits, dx, lr, qas, rng, ws);
}

void tt_fc_s8_bwd_sgd_residual(const int8_t *x, int cin, float s_x, int32_t z_x,
                               int8_t *w_sram, int8_t *w_res, const float *s_w, int32_t *b_sram, int cout,
                               const float *dlogits, float *dx, float lr, int qas, uint32_t *rng, float *ws)
{
    int o, i;
    if (dx) tt_fc_s8_bwd(x, cin, s_x, z_x, w_sram, 0, 0, s_w, cout, dlogits, dx, 0, 0);
    for (o = 0; o < cout; o++) {
        for (i = 0; i < cin; i++) ws[i] = dlogits[o] * s_x * (float)((int32_t)x[i] - z_x);
        tt_sgd_s8_residual(w_sram + (size_t)o * (size_t)cin, w_res ? w_res + (size_t)o * (size_t)cin : 0,
                           ws, 1, cin, s_w + o, lr, qas, rng);
    }
    tt_sgd_bias_s32(b_sram, dlogits, cout, s_x, s_w, lr, qas);
}
