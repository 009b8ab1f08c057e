/* dst += src: sums the gradients of the two paths at a residual fork. */
#include "tt_internal.h"

void tt_accumulate_f32(float *dst, const float *src, int n)
{
    int i;
    for (i = 0; i < n; i++) dst[i] += src[i];
}
