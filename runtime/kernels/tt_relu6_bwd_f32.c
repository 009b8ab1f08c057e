/* fp32 ReLU6 backward from the activation OUTPUT y: the gradient passes where 0 < y < 6. */
#include "tt_internal.h"

void tt_relu6_bwd_f32(const float *y, const float *dy, int n, float *dx)
{
    int i;
    for (i = 0; i < n; i++) dx[i] = (y[i] > 0.0f && y[i] < 6.0f) ? dy[i] : 0.0f;
}
