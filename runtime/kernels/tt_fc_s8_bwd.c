/* Backward of the int8 fully connected classifier. */
#include "tt_internal.h"

void tt_fc_s8_bwd(const int8_t *x, int cin, float s_x, int32_t z_x,
                  const int8_t *wt, const int8_t *wt_sram, int k, const float *s_w,
                  int cout, const float *dlogits, float *dx, float *dw, float *db)
{
    int o, i;
    int kd = k < 0 ? 0 : (k > cin ? cin : k); /* channels whose weight gradient is wanted */
    int ks = tt_slice_k(wt_sram, k, cin);      /* channels read from the SRAM slice */
    if (dx) {
        for (i = 0; i < cin; i++) dx[i] = 0.0f;
        for (o = 0; o < cout; o++) {
            float g = dlogits[o] * s_w[o];
            const int8_t *wf = wt + o * cin, *ws = ks ? wt_sram + o * ks : wf;
            for (i = 0; i < ks; i++) dx[i] += g * (float)ws[i];
            for (i = ks; i < cin; i++) dx[i] += g * (float)wf[i];
        }
    }
    if (dw) {
        for (o = 0; o < cout; o++) {
            float g = dlogits[o] * s_x;
            for (i = 0; i < kd; i++) dw[o * kd + i] = g * (float)((int32_t)x[i] - z_x);
        }
    }
    if (db) for (o = 0; o < cout; o++) db[o] = dlogits[o];
}
