/* fp32 ReLU6: y = min(max(x, 0), 6). */
#include "tt_internal.h"

void tt_relu6_f32(const float *x, int n, float *y)
{
    int i;
    for (i = 0; i < n; i++) {
        float v = x[i];
        y[i] = v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);
    }
}
