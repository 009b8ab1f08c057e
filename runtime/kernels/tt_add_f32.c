/* fp32 elementwise add. */
#include "tt_internal.h"

void tt_add_f32(const float *a, const float *b, int n, float *y)
{
    int i;
    for (i = 0; i < n; i++) y[i] = a[i] + b[i];
}
