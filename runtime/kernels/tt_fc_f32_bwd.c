/* fp32 fully connected backward: dx = W^T dy, dw = dy x^T, db = dy. */
#include "tt_internal.h"

void tt_fc_f32_bwd(const float *x, int cin, const float *wt, int cout, const float *dy,
                   float *dx, float *dw, float *db)
{
    int o, i;
    if (dx) {
        for (i = 0; i < cin; i++) dx[i] = 0.0f;
        for (o = 0; o < cout; o++)
            for (i = 0; i < cin; i++) dx[i] += dy[o] * wt[o * cin + i];
    }
    if (dw)
        for (o = 0; o < cout; o++)
            for (i = 0; i < cin; i++) dw[o * cin + i] = dy[o] * x[i];
    if (db) for (o = 0; o < cout; o++) db[o] = dy[o];
}
