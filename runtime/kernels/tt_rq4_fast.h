/*
 * tt_rq4_fast.h - four accumulators requantized at once, the clamp done on halfword pairs
 * (private; used by the SIMD32 paths of the forward fast kernels; tt_rq4m also gives the four
 * clamp bits for a mask).
 * Each value is what tt_requant_fast gives: c = clamp(r + z_y, lo, hi) with r the product
 * rounded to nearest, ties to even (VCVTR) and saturated to 16 bits (SSAT). Here two r's share
 * a word, QADD16 adds z_y with 16-bit saturation and SSUB16 + SEL take the halfword
 * max with lo and min with hi: whenever r + z_y leaves the 16-bit range the value is outside
 * [lo, hi] (both in [-128, 127]) and clamps to the same bound either way, so the four bytes
 * equal tt_requant_fast's bit for bit, in fewer instructions than four scalar clamps
 * (a clamp there is two compares and two conditional moves per value).
 * The portable definitions (the host with -DTT_SIMD_PORTABLE=1, as the tests build it) compute the
 * same; without the SIMD32 loops (TT_SIMD 0) TT_RQ4 is 0 and the kernels keep tt_requant_fast.
 */
#ifndef TT_RQ4_FAST_H
#define TT_RQ4_FAST_H

#include <stdint.h>
#include <string.h>
#include "tt_internal.h"
#include "tt_simd.h"

#ifndef TT_ALWAYS_INLINE
#define TT_ALWAYS_INLINE inline __attribute__((always_inline))
#endif

#if TT_SIMD_NATIVE && defined(__ARM_FP) && (__ARM_FP & 4) && defined(__ARM_FEATURE_SAT)
#define TT_RQ4 1
/* round(v) to nearest, ties to even, saturated to int32 then to int16 (VCVTR, SSAT) */
static TT_ALWAYS_INLINE int32_t tt_rq4_round16(float v)
{
    float t;
    int32_t r;
    __asm__("vcvtr.s32.f32 %0, %1" : "=t"(t) : "t"(v));
    memcpy(&r, &t, 4);
    return __builtin_arm_ssat(r, 16);
}
static TT_ALWAYS_INLINE uint32_t tt_qadd16(uint32_t a, uint32_t b) { return (uint32_t)__builtin_arm_qadd16((int32_t)a, (int32_t)b); }
/* per signed halfword: max(a, b) and min(a, b) (SSUB16 sets the GE bits that SEL reads; one
 * asm block, so nothing else can touch GE in between) */
static TT_ALWAYS_INLINE uint32_t tt_max16(uint32_t a, uint32_t b)
{
    uint32_t d, t;
    __asm__("ssub16 %1, %2, %3\n\tsel %0, %2, %3" : "=r"(d), "=&r"(t) : "r"(a), "r"(b));
    return d;
}
static TT_ALWAYS_INLINE uint32_t tt_min16(uint32_t a, uint32_t b)
{
    uint32_t d, t;
    __asm__("ssub16 %1, %2, %3\n\tsel %0, %3, %2" : "=r"(d), "=&r"(t) : "r"(a), "r"(b));
    return d;
}
/* per halfword: one when it is zero, else zero, times one2 (USUB16 0 - a sets GE only where a
 * is 0, SEL picks one2 there; one asm block, so nothing else can touch GE in between) */
static TT_ALWAYS_INLINE uint32_t tt_eq0_16(uint32_t a, uint32_t one2)
{
    uint32_t d, t;
    __asm__("usub16 %1, %3, %2\n\tsel %0, %4, %3" : "=r"(d), "=&r"(t) : "r"(a), "r"(0u), "r"(one2));
    return d;
}
#elif TT_SIMD && !TT_SIMD_NATIVE
#define TT_RQ4 1
static inline uint32_t tt_eq0_16(uint32_t a, uint32_t one2)
{
    return ((a & 0xFFFFu) == 0 ? one2 & 0xFFFFu : 0) | ((a >> 16) == 0 ? one2 & 0xFFFF0000u : 0);
}
static inline int32_t tt_rq4_round16(float v)
{
    int32_t r;
    v = v > 1000000.0f ? 1000000.0f : v;
    v = v < -1000000.0f ? -1000000.0f : v;
    r = (int32_t)((v + 12582912.0f) - 12582912.0f);
    return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}
static inline int32_t tt_h16(uint32_t a, int hi) { return (int16_t)(hi ? a >> 16 : a & 0xFFFFu); }
static inline uint32_t tt_qadd16(uint32_t a, uint32_t b)
{
    int32_t l = tt_h16(a, 0) + tt_h16(b, 0), h = tt_h16(a, 1) + tt_h16(b, 1);
    l = l > 32767 ? 32767 : l < -32768 ? -32768 : l;
    h = h > 32767 ? 32767 : h < -32768 ? -32768 : h;
    return tt_pack16(l, h);
}
static inline uint32_t tt_max16(uint32_t a, uint32_t b)
{
    return tt_pack16(tt_h16(a, 0) >= tt_h16(b, 0) ? tt_h16(a, 0) : tt_h16(b, 0), tt_h16(a, 1) >= tt_h16(b, 1) ? tt_h16(a, 1) : tt_h16(b, 1));
}
static inline uint32_t tt_min16(uint32_t a, uint32_t b)
{
    return tt_pack16(tt_h16(a, 0) >= tt_h16(b, 0) ? tt_h16(b, 0) : tt_h16(a, 0), tt_h16(a, 1) >= tt_h16(b, 1) ? tt_h16(b, 1) : tt_h16(a, 1));
}
#else
#define TT_RQ4 0
#endif

#if TT_RQ4
/* The clamp constants of tt_rq4 in both halfwords. */
typedef struct tt_rq4c { uint32_t zy2, lo2, hi2; } tt_rq4c;

static TT_ALWAYS_INLINE tt_rq4c tt_rq4_consts(int32_t z_y, int32_t lo, int32_t hi)
{
    tt_rq4c k;
    k.zy2 = ((uint32_t)z_y & 0xFFFFu) * 0x10001u;
    k.lo2 = ((uint32_t)lo & 0xFFFFu) * 0x10001u;
    k.hi2 = ((uint32_t)hi & 0xFFFFu) * 0x10001u;
    return k;
}

/* Bytes 0..3 of the result: tt_requant_fast(a_j, m_j, z_y, lo, hi) for j = 0..3. */
static TT_ALWAYS_INLINE uint32_t tt_rq4(int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                                        float m0, float m1, float m2, float m3, tt_rq4c k)
{
    const int32_t r0 = tt_rq4_round16((float)a0 * m0), r1 = tt_rq4_round16((float)a1 * m1);
    const int32_t r2 = tt_rq4_round16((float)a2 * m2), r3 = tt_rq4_round16((float)a3 * m3);
    uint32_t p02 = ((uint32_t)r0 & 0xFFFFu) | ((uint32_t)r2 << 16);
    uint32_t p13 = ((uint32_t)r1 & 0xFFFFu) | ((uint32_t)r3 << 16);
    p02 = tt_min16(tt_max16(tt_qadd16(p02, k.zy2), k.lo2), k.hi2);
    p13 = tt_min16(tt_max16(tt_qadd16(p13, k.zy2), k.lo2), k.hi2);
    return (p02 & 0x00FF00FFu) | ((p13 & 0x00FF00FFu) << 8);
}

/* tt_rq4 and the four clamp bits: bit j of *pass4 = 1 when value j was not clamped
 * (lo <= r + z_y <= hi, tt_requant_fast's pass). */
static TT_ALWAYS_INLINE uint32_t tt_rq4m(int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                                         float m0, float m1, float m2, float m3, tt_rq4c k, uint32_t *pass4)
{
    const int32_t r0 = tt_rq4_round16((float)a0 * m0), r1 = tt_rq4_round16((float)a1 * m1);
    const int32_t r2 = tt_rq4_round16((float)a2 * m2), r3 = tt_rq4_round16((float)a3 * m3);
    const uint32_t u02 = tt_qadd16(((uint32_t)r0 & 0xFFFFu) | ((uint32_t)r2 << 16), k.zy2);
    const uint32_t u13 = tt_qadd16(((uint32_t)r1 & 0xFFFFu) | ((uint32_t)r3 << 16), k.zy2);
    const uint32_t c02 = tt_min16(tt_max16(u02, k.lo2), k.hi2), c13 = tt_min16(tt_max16(u13, k.lo2), k.hi2);
    /* a halfword that the clamp changed differs from its unclamped value (a saturated sum is
     * outside [lo, hi] too) */
    const uint32_t x02 = u02 ^ c02, x13 = u13 ^ c13;
    *pass4 = (uint32_t)((x02 & 0xFFFFu) == 0) | (uint32_t)((x13 & 0xFFFFu) == 0) << 1
           | (uint32_t)((x02 >> 16) == 0) << 2 | (uint32_t)((x13 >> 16) == 0) << 3;
    return (c02 & 0x00FF00FFu) | ((c13 & 0x00FF00FFu) << 8);
}

/* tt_rq4 with the clamp bits of a pixel pair in one word: bits 0 and 1 = values 0 and 1 not
 * clamped (the first pixel's two channels), bits 16 and 17 = values 2 and 3 (the second
 * pixel's), the same pass bits as tt_rq4m; a running word of them shifted by the channel
 * (bits << (o & 7)) holds both pixels' mask bytes, in its bytes 0 and 2. */
static TT_ALWAYS_INLINE uint32_t tt_rq4mp(int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                                          float m0, float m1, float m2, float m3, tt_rq4c k, uint32_t *pass)
{
    const int32_t r0 = tt_rq4_round16((float)a0 * m0), r1 = tt_rq4_round16((float)a1 * m1);
    const int32_t r2 = tt_rq4_round16((float)a2 * m2), r3 = tt_rq4_round16((float)a3 * m3);
    const uint32_t u02 = tt_qadd16(((uint32_t)r0 & 0xFFFFu) | ((uint32_t)r2 << 16), k.zy2);
    const uint32_t u13 = tt_qadd16(((uint32_t)r1 & 0xFFFFu) | ((uint32_t)r3 << 16), k.zy2);
    const uint32_t c02 = tt_min16(tt_max16(u02, k.lo2), k.hi2), c13 = tt_min16(tt_max16(u13, k.lo2), k.hi2);
    *pass = tt_eq0_16(u02 ^ c02, 0x00010001u) | tt_eq0_16(u13 ^ c13, 0x00020002u);
    return (c02 & 0x00FF00FFu) | ((c13 & 0x00FF00FFu) << 8);
}
#endif

#endif /* TT_RQ4_FAST_H */
