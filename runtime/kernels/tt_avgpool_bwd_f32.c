/* Global average pool backward: spread dy[c] / (h*w) over every pixel. */
#include "tt_internal.h"

void tt_avgpool_bwd_f32(const float *dy, int h, int w, int c, float *dx)
{
    int npix = h * w, p, ch;
    float inv = 1.0f / (float)npix;
    for (p = 0; p < npix; p++)
        for (ch = 0; ch < c; ch++) dx[p * c + ch] = dy[ch] * inv;
}
