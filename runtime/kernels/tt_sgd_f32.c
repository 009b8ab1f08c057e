/* fp32 SGD without momentum: w -= lr * g. */
#include "tt_internal.h"

void tt_sgd_f32(float *w, const float *g, int n, float lr)
{
    int i;
    for (i = 0; i < n; i++) w[i] -= lr * g[i];
}
