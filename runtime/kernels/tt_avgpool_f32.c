/* fp32 global average pool: y[c] = mean over pixels of x[p][c]. */
#include "tt_internal.h"

void tt_avgpool_f32(const float *x, int h, int w, int c, float *y)
{
    int npix = h * w, p, ch;
    float inv = 1.0f / (float)npix;
    for (ch = 0; ch < c; ch++) {
        float s = 0.0f;
        for (p = 0; p < npix; p++) s += x[p * c + ch];
        y[ch] = s * inv;
    }
}
