/* The cosine learning-rate decay (train.lr_decay: cosine): lr * (1 + cos(pi * step / steps)) / 2,
 * lr at step 0, 0 from step `steps` on. cos comes from a fixed polynomial in plain float
 * operations, not libm, so the host and every board compute the same float for every step
 * (C99 mode contracts no multiply-add): the device's losses equal the host's. */
#include "tt_internal.h"

/* cos(x) for x in [0, pi/2]: Taylor to x^14, error below 1e-8, well under float's half ulp of 1. */
static float tt_cos_quarter(float x)
{
    float x2 = x * x, sum = 1.0f, term = 1.0f;
    int i;
    for (i = 1; i <= 7; i++) {
        term = -term * x2 / (float)((2 * i - 1) * (2 * i));
        sum += term;
    }
    return sum;
}

float tt_lr_cosine(float lr, uint32_t step, uint32_t steps)
{
    float t, c;
    if (steps == 0 || step >= steps) return 0.0f;
    t = (float)step / (float)steps;
    /* cos(pi t) = -cos(pi (1 - t)): keep the polynomial on [0, pi/2] */
    c = t <= 0.5f ? tt_cos_quarter(3.14159265f * t) : -tt_cos_quarter(3.14159265f * (1.0f - t));
    return lr * 0.5f * (1.0f + c);
}
