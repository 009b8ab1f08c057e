/*
 * tt_pw_bwd_tile.h - the inner block of the fast pointwise input gradients (private; used by
 * the chunked backward's tt_pwconv_s8_bwd_input_chunk_fast.c and _acc_fast.c): up to four
 * pixels x four input channels in sixteen float registers (independent accumulators, so an FPU
 * can issue a multiply-add per cycle) while a tile of output channels streams past, each
 * weight converted to float once for four pixels, each gradient scaled by s_w once per tile.
 * Every element adds its products in ascending output channel order, as the reference loops
 * do; the reference skips a zero gradient, here its product (+-0) is added, which is exact: a
 * sum started at +0 (or at a value the reference produced, never -0) is never -0, and
 * v + (+-0) = v for any other v. With AVX2, eight columns at a time (tt_pw_bwd_tile_avx2.h);
 * on an Arm FPU each product is one VMLA and, in Thumb-2, the 4x4 block one asm loop.
 */
#ifndef TT_PW_BWD_TILE_H
#define TT_PW_BWD_TILE_H

#include "tt_internal.h"
#include "tt_avx2.h"
#if TT_AVX2
#include "tt_pw_bwd_tile_avx2.h"
#endif

/* acc + a * b with the product rounded before the add: on an Arm FPU one VMLA (not the fused
 * VFMA), the same bits as the C `acc + a * b` that C99 mode compiles to a VMUL and a VADD. */
#if defined(__arm__) && defined(__ARM_FP) && (__ARM_FP & 4)
static inline float tt_pw_mla(float acc, float a, float b)
{
    __asm__("vmla.f32 %0, %1, %2" : "+t"(acc) : "t"(a), "t"(b));
    return acc;
}
#define TT_PW_MLA(acc, a, b) ((acc) = tt_pw_mla((acc), (a), (b)))
#if defined(__thumb2__)
/* The 4x4 block on an Arm FPU as one asm block with its sixteen sums in s6-s21 (row q, column
 * c in s(6 + 4q + c)): each row loaded (or zeroed) and stored with one VLDM / VSTM; per output
 * channel the four gradients in one VLDM, the four weights sign-extended by LDRSB, moved to the
 * FPU two at a time and converted, then sixteen VMLA: per sum the same products in the same
 * order as the C loop. */
#define TT_PW_ASM4 1
#define TT_PW_ASM4_COL(w, s0, s1, s2, s3) \
    "vmla.f32 " s0 ", s0, " w "\n\t" "vmla.f32 " s1 ", s1, " w "\n\t" \
    "vmla.f32 " s2 ", s2, " w "\n\t" "vmla.f32 " s3 ", s3, " w "\n\t"
#endif
#else
#define TT_PW_MLA(acc, a, b) ((acc) += (a) * (b))
#endif

/* Output channels per tile: the scaled gradients of four pixels stay on the stack (256 B: the
 * stack is SRAM the plan does not count, so it stays small). */
#define TT_PW_TILE_O 16

/*
 * d[q][j] (q < nq <= 4, j < nj) = (load ? d[q][j] : +0) + sum_{o < no} gs[o][q] * w[o*ws + j];
 * row q of d at d + q*ds. Rows q >= nq are computed (their gs are zeros) but neither read nor
 * written.
 */
static inline void tt_pw_bwd_tile(const float (*gs)[4], int no, const int8_t *w, int ws, int nj,
                                  float *d, int ds, int nq, int load)
{
    int j = 0, o;
    float *d0 = d, *d1 = nq > 1 ? d + ds : d, *d2 = nq > 2 ? d + 2 * ds : d, *d3 = nq > 3 ? d + 3 * ds : d;
    /* an absent row reads row 0 and is stored first, so row 0's store (last) wins */
#if TT_AVX2
    j = tt_pw_bwd_tile_avx2(gs, no, w, ws, nj, d0, d1, d2, d3, load);
#endif
#ifdef TT_PW_ASM4
    for (; j + 4 <= nj; j += 4) {
        const float *gp = gs[0], *const ge = gs[no];
        const int8_t *wj = w + j;
        int32_t t0, t1, t2, t3;
        __asm__ __volatile__("cmp %[ld], #0\n\t"
                             "beq 2f\n\t"
                             "vldmia %[d0], {s6-s9}\n\t"
                             "vldmia %[d1], {s10-s13}\n\t"
                             "vldmia %[d2], {s14-s17}\n\t"
                             "vldmia %[d3], {s18-s21}\n\t"
                             "b 3f\n"
                             "2:\n\t"
                             "movs %[t0], #0\n\t"
                             "vmov s6, s7, %[t0], %[t0]\n\t"
                             "vmov s8, s9, %[t0], %[t0]\n\t"
                             "vmov s10, s11, %[t0], %[t0]\n\t"
                             "vmov s12, s13, %[t0], %[t0]\n\t"
                             "vmov s14, s15, %[t0], %[t0]\n\t"
                             "vmov s16, s17, %[t0], %[t0]\n\t"
                             "vmov s18, s19, %[t0], %[t0]\n\t"
                             "vmov s20, s21, %[t0], %[t0]\n"
                             "3:\n\t"
                             "cmp %[gp], %[ge]\n\t"
                             "beq 4f\n"
                             "1:\n\t"
                             "vldmia %[gp]!, {s0-s3}\n\t"
                             "ldrsb %[t0], [%[wj]]\n\t"
                             "ldrsb %[t1], [%[wj], #1]\n\t"
                             "ldrsb %[t2], [%[wj], #2]\n\t"
                             "ldrsb %[t3], [%[wj], #3]\n\t"
                             "add %[wj], %[wj], %[ws]\n\t"
                             "vmov s4, s5, %[t0], %[t1]\n\t"
                             "vcvt.f32.s32 s4, s4\n\t"
                             "vcvt.f32.s32 s5, s5\n\t"
                             TT_PW_ASM4_COL("s4", "s6", "s10", "s14", "s18")
                             TT_PW_ASM4_COL("s5", "s7", "s11", "s15", "s19")
                             "vmov s4, s5, %[t2], %[t3]\n\t"
                             "vcvt.f32.s32 s4, s4\n\t"
                             "vcvt.f32.s32 s5, s5\n\t"
                             TT_PW_ASM4_COL("s4", "s8", "s12", "s16", "s20")
                             TT_PW_ASM4_COL("s5", "s9", "s13", "s17", "s21")
                             "cmp %[gp], %[ge]\n\t"
                             "bne 1b\n"
                             "4:\n\t"
                             /* absent rows alias row 0 and are stored first, so row 0's store wins */
                             "vstmia %[d3], {s18-s21}\n\t"
                             "vstmia %[d2], {s14-s17}\n\t"
                             "vstmia %[d1], {s10-s13}\n\t"
                             "vstmia %[d0], {s6-s9}"
                             : [gp] "+r"(gp), [wj] "+r"(wj), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
                             : [ge] "r"(ge), [ws] "r"(ws), [ld] "r"(load), [d0] "r"(d0 + j), [d1] "r"(d1 + j), [d2] "r"(d2 + j), [d3] "r"(d3 + j)
                             : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13",
                               "s14", "s15", "s16", "s17", "s18", "s19", "s20", "s21", "cc", "memory");
    }
#endif
    for (; j + 4 <= nj; j += 4) {
        float a00 = 0.0f, a01 = 0.0f, a02 = 0.0f, a03 = 0.0f, a10 = 0.0f, a11 = 0.0f, a12 = 0.0f, a13 = 0.0f;
        float a20 = 0.0f, a21 = 0.0f, a22 = 0.0f, a23 = 0.0f, a30 = 0.0f, a31 = 0.0f, a32 = 0.0f, a33 = 0.0f;
        const int8_t *wj = w + j;
        if (load) {
            a00 = d0[j]; a01 = d0[j + 1]; a02 = d0[j + 2]; a03 = d0[j + 3];
            a10 = d1[j]; a11 = d1[j + 1]; a12 = d1[j + 2]; a13 = d1[j + 3];
            a20 = d2[j]; a21 = d2[j + 1]; a22 = d2[j + 2]; a23 = d2[j + 3];
            a30 = d3[j]; a31 = d3[j + 1]; a32 = d3[j + 2]; a33 = d3[j + 3];
        }
        for (o = 0; o < no; o++, wj += ws) {
            const float g0 = gs[o][0], g1 = gs[o][1], g2 = gs[o][2], g3 = gs[o][3];
            const float w0 = (float)wj[0], w1 = (float)wj[1], w2 = (float)wj[2], w3 = (float)wj[3];
            TT_PW_MLA(a00, g0, w0); TT_PW_MLA(a01, g0, w1); TT_PW_MLA(a02, g0, w2); TT_PW_MLA(a03, g0, w3);
            TT_PW_MLA(a10, g1, w0); TT_PW_MLA(a11, g1, w1); TT_PW_MLA(a12, g1, w2); TT_PW_MLA(a13, g1, w3);
            TT_PW_MLA(a20, g2, w0); TT_PW_MLA(a21, g2, w1); TT_PW_MLA(a22, g2, w2); TT_PW_MLA(a23, g2, w3);
            TT_PW_MLA(a30, g3, w0); TT_PW_MLA(a31, g3, w1); TT_PW_MLA(a32, g3, w2); TT_PW_MLA(a33, g3, w3);
        }
        d3[j] = a30; d3[j + 1] = a31; d3[j + 2] = a32; d3[j + 3] = a33;
        d2[j] = a20; d2[j + 1] = a21; d2[j + 2] = a22; d2[j + 3] = a23;
        d1[j] = a10; d1[j + 1] = a11; d1[j + 2] = a12; d1[j + 3] = a13;
        d0[j] = a00; d0[j + 1] = a01; d0[j + 2] = a02; d0[j + 3] = a03;
    }
    for (; j < nj; j++) {
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
        const int8_t *wj = w + j;
        if (load) { a0 = d0[j]; a1 = d1[j]; a2 = d2[j]; a3 = d3[j]; }
        for (o = 0; o < no; o++, wj += ws) {
            const float wv = (float)wj[0];
            TT_PW_MLA(a0, gs[o][0], wv); TT_PW_MLA(a1, gs[o][1], wv); TT_PW_MLA(a2, gs[o][2], wv); TT_PW_MLA(a3, gs[o][3], wv);
        }
        d3[j] = a3; d2[j] = a2; d1[j] = a1; d0[j] = a0;
    }
}

#endif /* TT_PW_BWD_TILE_H */
