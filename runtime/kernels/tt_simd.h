/*
 * tt_simd.h - the Arm DSP (SIMD32) instructions the fast kernels use, with portable C
 * definitions of the same operations (private, not part of the API).
 *
 * On a core with the DSP extension (Cortex-M4, M7: __ARM_FEATURE_DSP) they are the ACLE
 * intrinsics of arm-none-eabi-gcc's arm_acle.h (SXTB16, SXTAB16, SMLAD, SMLABB, SMLATT, through the builtins
 * that header wraps) and inline asm for the rotated forms that fold a byte rotation into the
 * extension. Elsewhere (the host, Cortex-M0/M3) or with
 * -DTT_SIMD_PORTABLE=1 the portable definitions below compute the same bits, so the fast
 * kernels' SIMD loops can be tested against the reference loops on any machine.
 * TT_SIMD is 1 when the fast kernels should take their SIMD32 loops (DSP cores, or the
 * portable definitions forced with -DTT_SIMD_PORTABLE=1 for tests); 0 selects the plain C
 * loops, which is what the host build runs (gcc vectorizes those itself; with -mavx2 the
 * kernels' AVX2 paths of tt_avx2.h replace the hottest ones).
 */
#ifndef TT_SIMD_H
#define TT_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && !(defined(TT_SIMD_PORTABLE) && TT_SIMD_PORTABLE)
#define TT_SIMD 1
#define TT_SIMD_NATIVE 1
/* The ACLE intrinsics as arm_acle.h defines them (__sxtb16 is __builtin_arm_sxtb16, ...),
 * called through the builtins so the kernels include no header beyond the C library's four. */
/* bytes 0 and 2 of x, sign-extended into the two halfwords */
static inline uint32_t tt_sxtb16(uint32_t x) { return (uint32_t)__builtin_arm_sxtb16((int32_t)x); }
/* bytes 1 and 3 of x, sign-extended (SXTB16 with ROR #8) */
static inline uint32_t tt_sxtb16_ror8(uint32_t x) { uint32_t r; __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x)); return r; }
/* a + bytes 0 and 2 of b, per halfword (mod 2^16) */
static inline uint32_t tt_sxtab16(uint32_t a, uint32_t b) { return (uint32_t)__builtin_arm_sxtab16((int32_t)a, (int32_t)b); }
/* a + bytes 1 and 3 of b, per halfword */
static inline uint32_t tt_sxtab16_ror8(uint32_t a, uint32_t b) { uint32_t r; __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(b)); return r; }
/* acc + lo(a)*lo(b) + hi(a)*hi(b), 16x16-bit signed products */
static inline int32_t tt_smlad(uint32_t a, uint32_t b, int32_t acc) { return __builtin_arm_smlad((int32_t)a, (int32_t)b, acc); }
/* acc + lo(a)*lo(b), and acc + hi(a)*hi(b): one 16x16-bit signed product each */
static inline int32_t tt_smlabb(uint32_t a, uint32_t b, int32_t acc) { return __builtin_arm_smlabb((int32_t)a, (int32_t)b, acc); }
static inline int32_t tt_smlatt(uint32_t a, uint32_t b, int32_t acc) { return __builtin_arm_smlatt((int32_t)a, (int32_t)b, acc); }
#else
#define TT_SIMD_NATIVE 0
#if defined(TT_SIMD_PORTABLE) && TT_SIMD_PORTABLE
#define TT_SIMD 1
#else
#define TT_SIMD 0
#endif
static inline uint32_t tt_pack16(int32_t lo, int32_t hi) { return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16); }
static inline uint32_t tt_sxtb16(uint32_t x) { return tt_pack16((int8_t)(x & 0xFFu), (int8_t)((x >> 16) & 0xFFu)); }
static inline uint32_t tt_sxtb16_ror8(uint32_t x) { return tt_sxtb16((x >> 8) | (x << 24)); }
static inline uint32_t tt_sxtab16(uint32_t a, uint32_t b)
{
    return tt_pack16((int16_t)(a & 0xFFFFu) + (int8_t)(b & 0xFFu), (int16_t)(a >> 16) + (int8_t)((b >> 16) & 0xFFu));
}
static inline uint32_t tt_sxtab16_ror8(uint32_t a, uint32_t b) { return tt_sxtab16(a, (b >> 8) | (b << 24)); }
static inline int32_t tt_smlad(uint32_t a, uint32_t b, int32_t acc)
{
    /* the sum in uint32 arithmetic: it wraps as the instruction does, without C overflow */
    return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a & 0xFFFFu) * (int16_t)(b & 0xFFFFu))
                     + (uint32_t)((int32_t)(int16_t)(a >> 16) * (int16_t)(b >> 16)));
}
static inline int32_t tt_smlabb(uint32_t a, uint32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a & 0xFFFFu) * (int16_t)(b & 0xFFFFu)));
}
static inline int32_t tt_smlatt(uint32_t a, uint32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a >> 16) * (int16_t)(b >> 16)));
}
#endif

/* Four bytes from any address (armv7e-m LDR allows unaligned addresses; memcpy compiles to it). */
static inline uint32_t tt_read_u32(const int8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

#endif /* TT_SIMD_H */
