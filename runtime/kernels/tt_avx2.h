/*
 * tt_avx2.h - the x86 AVX2 helpers of the host fast paths (private, not part of the API).
 *
 * TT_AVX2 is 1 when gcc targets AVX2 (the host trainer's -mavx2, gcc-flags.ts) and the DSP loops
 * are not selected (TT_SIMD 0); then, and only then, <immintrin.h> is included. Device builds
 * (arm-none-eabi-gcc) and host builds without -mavx2 never see this code, so they compile to
 * exactly what they did before. The AVX2 paths compute the same bits as the plain C ones:
 * integer sums (exact in any order) and the requantization's float ops one for one.
 */
#ifndef TT_AVX2_H
#define TT_AVX2_H

#include "tt_simd.h"

#if defined(__AVX2__) && !TT_SIMD
#define TT_AVX2 1
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

/* 16 int8 weights as 16 int16 lanes. */
static inline __m256i tt_avx2_w16(const int8_t *p)
{
    return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)p));
}

/* row[i..n) as int16 lanes, zeros past n, reading no byte at or past row[n] (a weight row may
 * end its array). Eight left (layers of 8 * odd channels) is one 8-byte load. */
static inline __m256i tt_avx2_w16_upto(const int8_t *row, int i, int n)
{
    int8_t t[16] = { 0 };
    if (n - i >= 16) return tt_avx2_w16(row + i);
    if (n - i == 8) return _mm256_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(row + i)));
    memcpy(t, row + i, (size_t)(n - i));
    return tt_avx2_w16(t);
}

/* The lane sums of four int32 vectors: [sum a0, sum a1, sum a2, sum a3]. */
static inline __m128i tt_avx2_hsum4(__m256i a0, __m256i a1, __m256i a2, __m256i a3)
{
    const __m256i t = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
    return _mm_add_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
}

/* tt_requant_fast on eight lanes with the same float operations (multiply, the +-1e6 clamp, the
 * 1.5 * 2^23 rounding add and subtract; separate instructions, no FMA), so every lane equals the
 * scalar result; *pass gets lane j's "not clamped" bit as bit j. */
static inline __m256i tt_avx2_requant8(__m256i acc, __m256 m, __m256i z_y, __m256i lo, __m256i hi, uint32_t *pass)
{
    const __m256 lim = _mm256_set1_ps(1000000.0f), nlim = _mm256_set1_ps(-1000000.0f);
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), m);
    __m256i r, c;
    v = _mm256_max_ps(_mm256_min_ps(v, lim), nlim);
    v = _mm256_sub_ps(_mm256_add_ps(v, magic), magic);
    r = _mm256_add_epi32(_mm256_cvttps_epi32(v), z_y);
    c = _mm256_min_epi32(_mm256_max_epi32(r, lo), hi);
    *pass = (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(c, r)));
    return c;
}

/* Eight int32 lanes in [-128, 127] as eight int8 bytes, lane j at out[j]. */
static inline void tt_avx2_store8(__m256i c, int8_t *out)
{
    const __m128i h = _mm_packs_epi32(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1));
    _mm_storel_epi64((__m128i *)(void *)out, _mm_packs_epi16(h, h));
}
#else
#define TT_AVX2 0
#endif

#endif /* TT_AVX2_H */
