/* = tt_bias_grad_sgd_s32 bit for bit: four channels' sums at once (each one's additions in the
 * reference's pixel order), so the pixel loop runs a quarter as often. On an Arm FPU the four
 * gradients of a pixel come in one VLDM (the same VADDs, in the same order). */
#include "tt_fast.h"
#include "tt_fused.h"

/* g[0..3] = sums over npix >= 1 pixels of q[0..3], q stepping by c floats. */
static void bias_sum4(const float *q, int npix, int c, float *g)
{
#if defined(__thumb2__) && defined(__ARM_FP) && (__ARM_FP & 4)
    const int step = c * 4;
    __asm__ __volatile__("vldmia %[g], {s8-s11}\n"
                         "1:\n\t"
                         "vldmia %[q], {s4-s7}\n\t"
                         "add %[q], %[q], %[st]\n\t"
                         "vadd.f32 s8, s8, s4\n\t"
                         "vadd.f32 s9, s9, s5\n\t"
                         "vadd.f32 s10, s10, s6\n\t"
                         "vadd.f32 s11, s11, s7\n\t"
                         "subs %[n], %[n], #1\n\t"
                         "bne 1b\n\t"
                         "vstmia %[g], {s8-s11}"
                         : [q] "+r"(q), [n] "+r"(npix)
                         : [g] "r"(g), [st] "r"(step)
                         : "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "cc", "memory");
#else
    int p;
    for (p = 0; p < npix; p++, q += c) { g[0] += q[0]; g[1] += q[1]; g[2] += q[2]; g[3] += q[3]; }
#endif
}

void tt_bias_grad_sgd_s32_fast(const float *dz, int npix, int c, int32_t *b_sram,
                               float s_x, const float *s_w, float lr, int qas)
{
    int o = 0, p;
    for (; o + 4 <= c; o += 4) {
        float g[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
        if (npix > 0) bias_sum4(dz + o, npix, c, g);
        tt_sgd_bias_s32(b_sram + o, g, 4, s_x, s_w + o, lr, qas);
    }
    for (; o < c; o++) {
        float g = 0.0f;
        for (p = 0; p < npix; p++) g += dz[p * c + o];
        tt_sgd_bias_s32(b_sram + o, &g, 1, s_x, s_w + o, lr, qas);
    }
}
