/* fp32 fully connected layer. */
#include "tt_internal.h"

void tt_fc_f32(const float *x, int cin, const float *wt, const float *bias, int cout, float *y)
{
    int o, i;
    for (o = 0; o < cout; o++) {
        const float *wp = wt + o * cin;
        float acc = bias ? bias[o] : 0.0f;
        for (i = 0; i < cin; i++) acc += wp[i] * x[i];
        y[o] = acc;
    }
}
