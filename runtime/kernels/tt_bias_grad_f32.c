/* Bias gradient: spatial sum of the (masked) output gradient. */
#include "tt_internal.h"

void tt_bias_grad_f32(const float *dz, int npix, int c, float *db)
{
    int p, o;
    for (o = 0; o < c; o++) db[o] = 0.0f;
    for (p = 0; p < npix; p++)
        for (o = 0; o < c; o++) db[o] += dz[p * c + o];
}
