/* In-place SGD on an int32 bias copy, round to nearest (ties to even), saturating. */
#include "tt_internal.h"

void tt_sgd_bias_s32(int32_t *b, const float *g_real, int cout,
                     float s_x, const float *s_w, float lr, int qas)
{
    int o;
    for (o = 0; o < cout; o++) {
        float s = s_x * s_w[o];
        float f = qas ? -lr / s : -lr * s;
        int64_t v = (int64_t)b[o] + (int64_t)tt_round_even_i32(f * g_real[o]);
        if (v > INT32_MAX) v = INT32_MAX;
        if (v < INT32_MIN) v = INT32_MIN;
        b[o] = (int32_t)v;
    }
}
