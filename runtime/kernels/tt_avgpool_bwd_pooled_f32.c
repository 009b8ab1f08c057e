/* Global average pool backward, kept pooled: dy[c] / (h*w) once per channel (what every pixel
 * of tt_avgpool_bwd_f32's output holds), for consumers that read it broadcast over the pixels. */
#include "tt_internal.h"

void tt_avgpool_bwd_pooled_f32(const float *dy, int npix, int c, float *dx)
{
    int ch;
    float inv = 1.0f / (float)npix;
    for (ch = 0; ch < c; ch++) dx[ch] = dy[ch] * inv;
}
