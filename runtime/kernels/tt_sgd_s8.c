/* In-place SGD on an SRAM int8 weight slice (optionally QAS): each step rounded stochastically
 * to whole int8 steps, or, with a residual, to 1/256 of a step kept in a second byte. */
#include "tt_internal.h"

/* Residual units per int8 step: the residual byte holds the weight's fraction in [-1/2, 1/2). */
#define TT_RES_ONE 256
/* Added before the division so that it works on non-negative numbers (C99 rounds toward 0). */
#define TT_RES_BIAS (128 * TT_RES_ONE)

void tt_sgd_s8(int8_t *w, const float *g_real, int cout, int per_out,
               const float *s_w, float lr, int qas, uint32_t *rng)
{
    tt_sgd_s8_residual(w, 0, g_real, cout, per_out, s_w, lr, qas, rng);
}

void tt_sgd_s8_residual(int8_t *w, int8_t *res, const float *g_real, int cout, int per_out,
                        const float *s_w, float lr, int qas, uint32_t *rng)
{
    int o, j;
    uint32_t state = *rng; /* a local: the int8 stores below may not alias it */
    for (o = 0; o < cout; o++) {
        /* QAS: dq = -lr * G_q / s_w^2 with G_q = s_w * g_real  ->  -lr * g_real / s_w.
         * no QAS: dq = -lr * G_q = -lr * s_w * g_real. */
        float f = qas ? -lr / s_w[o] : -lr * s_w[o];
        int8_t *wo = w + o * per_out;
        const float *go = g_real + o * per_out;
        if (!res) {
            for (j = 0; j < per_out; j++) {
                int32_t v = (int32_t)wo[j] + tt_stochastic_round(f * go[j], &state);
                if (v > 127) v = 127;
                if (v < -127) v = -127;
                wo[j] = (int8_t)v;
            }
        } else {
            /* The weight in 1/256 steps is w * 256 + r; the step is rounded (stochastically) at
             * that grain, and w becomes the nearest int8 value, r what is left over. */
            int8_t *ro = res + o * per_out;
            float f256 = f * (float)TT_RES_ONE;
            for (j = 0; j < per_out; j++) {
                int32_t v = (int32_t)wo[j] * TT_RES_ONE + (int32_t)ro[j] + tt_stochastic_round(f256 * go[j], &state);
                int32_t q;
                if (v > 127 * TT_RES_ONE) v = 127 * TT_RES_ONE;
                if (v < -127 * TT_RES_ONE) v = -127 * TT_RES_ONE;
                q = (v + TT_RES_ONE / 2 + TT_RES_BIAS) / TT_RES_ONE - 128;
                wo[j] = (int8_t)q;
                ro[j] = (int8_t)(v - q * TT_RES_ONE);
            }
        }
    }
    *rng = state;
}
