/* In-place SGD on an SRAM int8 weight slice with stochastic rounding (optionally QAS). */
#include "tt_internal.h"

void tt_sgd_s8(int8_t *w, const float *g_real, int cout, int per_out,
               const float *s_w, float lr, int qas, uint32_t *rng)
{
    int o, j;
    for (o = 0; o < cout; o++) {
        /* QAS: dq = -lr * G_q / s_w^2 with G_q = s_w * g_real  ->  -lr * g_real / s_w.
         * no QAS: dq = -lr * G_q = -lr * s_w * g_real. */
        float f = qas ? -lr / s_w[o] : -lr * s_w[o];
        int8_t *wo = w + o * per_out;
        const float *go = g_real + o * per_out;
        for (j = 0; j < per_out; j++) {
            int32_t v = (int32_t)wo[j] + tt_stochastic_round(f * go[j], rng);
            if (v > 127) v = 127;
            if (v < -127) v = -127;
            wo[j] = (int8_t)v;
        }
    }
}
