/* int8 softmax (a model file's head): dequantize, softmax in float (max subtracted), requantize. */
#include <math.h>
#include "tt_internal.h"

void tt_softmax_s8(const int8_t *x, int n, float s_x, int32_t z_x, float beta, float s_y, int32_t z_y, int8_t *y)
{
    int i;
    int32_t top = x[0];
    float sum = 0.0f;
    for (i = 1; i < n; i++) if (x[i] > top) top = x[i];
    for (i = 0; i < n; i++) sum += expf(beta * s_x * (float)(x[i] - top));
    for (i = 0; i < n; i++) {
        float p = expf(beta * s_x * (float)(x[i] - top)) / sum;
        int32_t v = tt_round_even_i32(p / s_y) + z_y;
        y[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
    }
    (void)z_x; /* the zero point cancels in softmax */
}
