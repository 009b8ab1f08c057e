/* Global average pool of an imported model, int8 in and out: the mean of the dequantized values
 * taken in float, in window order, then requantized as the model's format defines it: half away
 * from zero for a .tflite (as TFLite runtimes round an AVERAGE_POOL_2D / MEAN; Arm NN:
 * round(mean(s_x (x - z_x)) / s_y)), half to even for an .onnx (DequantizeLinear, the float
 * GlobalAveragePool, QuantizeLinear). */
#include "tt_internal.h"

void tt_avgpool_s8_mean(const int8_t *x, int h, int w, int c,
                        float s_x, int32_t z_x, float s_y, int32_t z_y, int half_even, int8_t *y)
{
    int npix = h * w, p, ch;
    for (ch = 0; ch < c; ch++) {
        int32_t r;
        float v = 0.0f;
        for (p = 0; p < npix; p++) v += s_x * (float)((int32_t)x[p * c + ch] - z_x);
        v = v / (float)npix / s_y;
        if (v > 1000000.0f) v = 1000000.0f;
        if (v < -1000000.0f) v = -1000000.0f;
        r = half_even ? tt_round_even_i32(v) : (int32_t)(v < 0.0f ? v - 0.5f : v + 0.5f);
        r += z_y;
        if (r < -128) r = -128;
        if (r > 127) r = 127;
        y[ch] = (int8_t)r;
    }
}
