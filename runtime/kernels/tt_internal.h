/*
 * tt_internal.h - private helpers shared by the kernel files (not part of the public API).
 * All helpers are static inline so that each kernel .c file stays self-contained.
 */
#ifndef TT_INTERNAL_H
#define TT_INTERNAL_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "tt_kernels.h"

/* Round a float to the nearest int32, ties to even, saturating to the int32 range.
 * Exact for every float (floats >= 2^23 in magnitude are already integers). */
static inline int32_t tt_round_even_i32(float v)
{
    int32_t i;
    float f;
    if (!(v == v)) return 0; /* NaN */
    if (v >= 2147483520.0f) return INT32_MAX; /* largest float below 2^31 */
    if (v <= -2147483648.0f) return INT32_MIN;
    i = (int32_t)v;       /* truncates toward zero */
    f = v - (float)i;     /* exact: |v| < 2^31 and i has the same leading bits */
    if (f > 0.5f || (f == 0.5f && (i & 1))) i++;
    else if (f < -0.5f || (f == -0.5f && (i & 1))) i--;
    return i;
}

/* Clamp range of an int8 output for the given activation. */
static inline void tt_act_range(const tt_quant *q, int32_t *lo, int32_t *hi)
{
    if (q->act == TT_ACT_RELU6) {
        int32_t top = q->z_y + tt_round_even_i32(6.0f / q->s_y);
        *lo = q->z_y > -128 ? q->z_y : -128;
        *hi = top < 127 ? top : 127;
    } else if (q->act == TT_ACT_RELU) {
        *lo = q->z_y > -128 ? q->z_y : -128;
        *hi = 127;
    } else {
        *lo = -128;
        *hi = 127;
    }
}

/* Requantize one accumulator: clamp(round_half_even(acc * m) + z_y, lo, hi).
 * *pass = 1 when the value was inside [lo, hi] (not clamped). */
static inline int8_t tt_requant(int32_t acc, float m, int32_t z_y, int32_t lo, int32_t hi,
                                int *pass)
{
    int32_t v = tt_round_even_i32((float)acc * m);
    if (v > 1000000) v = 1000000;
    if (v < -1000000) v = -1000000;
    v += z_y;
    if (v < lo) { *pass = 0; return (int8_t)lo; }
    if (v > hi) { *pass = 0; return (int8_t)hi; }
    *pass = 1;
    return (int8_t)v;
}

/* Set bit e of a mask to bit (LSB-first). */
static inline void tt_mask_put(uint8_t *mask, int32_t e, int bit)
{
    uint8_t m = (uint8_t)(1u << (e & 7));
    if (bit) mask[e >> 3] = (uint8_t)(mask[e >> 3] | m);
    else mask[e >> 3] = (uint8_t)(mask[e >> 3] & (uint8_t)~m);
}

static inline int tt_mask_get(const uint8_t *mask, int32_t e)
{
    return (mask[e >> 3] >> (e & 7)) & 1;
}

/* Normalise the sparse-slice arguments: k in [0, n], and k = 0 when there is no slice. */
static inline int tt_slice_k(const void *sram, int k, int n)
{
    if (sram == NULL || k <= 0) return 0;
    return k > n ? n : k;
}

/* One depthwise output channel. xin: input channel, element (y,x) at (y*w+x)*xs.
 * out: output channel, element (oy,ox) at (oy*wo+ox)*os; mask element index
 * (oy*wo+ox)*os + mofs. wc: [kh][kw] int8 weights of this channel; geo: kernel, strides, padding. */
static inline void tt_dw_channel_s8(const int8_t *xin, int xs, int h, int w,
                                    const int8_t *wc, int32_t b, const tt_conv_geom *geo,
                                    int32_t z_x, float m, int32_t z_y, int32_t lo, int32_t hi,
                                    int8_t *out, int os, uint8_t *mask, int mofs)
{
    int kh = geo->kh, kw = geo->kw, sty = geo->sh, stx = geo->sw, ph = geo->pt, pw = geo->pl;
    int ho = TT_CONV_OUT_H(geo, h), wo = TT_CONV_OUT_W(geo, w);
    int oy, ox, ky, kx;
    for (oy = 0; oy < ho; oy++) {
        for (ox = 0; ox < wo; ox++) {
            int32_t acc = b;
            int pass;
            int8_t r;
            for (ky = 0; ky < kh; ky++) {
                int iy = oy * sty - ph + ky;
                if (iy < 0 || iy >= h) continue;
                for (kx = 0; kx < kw; kx++) {
                    int ix = ox * stx - pw + kx;
                    if (ix < 0 || ix >= w) continue;
                    acc += (int32_t)wc[ky * kw + kx] * ((int32_t)xin[(iy * w + ix) * xs] - z_x);
                }
            }
            r = tt_requant(acc, m, z_y, lo, hi, &pass);
            out[(oy * wo + ox) * os] = r;
            if (mask) tt_mask_put(mask, (int32_t)(oy * wo + ox) * os + mofs, pass);
        }
    }
}

/* One xorshift32 (13, 17, 5) step, tt_xorshift32's (a zero state restarts at 0x9E3779B9);
 * inline, so the update loops keep the state in a register instead of calling out per draw. */
static inline uint32_t tt_xorshift32_next(uint32_t s)
{
    if (s == 0) s = 0x9E3779B9u;
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
}

/* Stochastic rounding of v to an integer: floor(v) + (u < frac(v)), u uniform in [0,1)
 * drawn from the xorshift32 state (callers keep it in a local: the draws are tt_xorshift32's).
 * Unbiased: E[result] = v (for |v| < 2^22). */
static inline int32_t tt_stochastic_round(float v, uint32_t *rng)
{
    int32_t i;
    float frac, u;
    if (!(v == v)) return 0;
    if (v > 4194304.0f) v = 4194304.0f;
    if (v < -4194304.0f) v = -4194304.0f;
    i = (int32_t)v;
    if ((float)i > v) i--; /* floor */
    frac = v - (float)i;
    *rng = tt_xorshift32_next(*rng);
    u = (float)(*rng >> 8) * (1.0f / 16777216.0f);
    return i + (u < frac ? 1 : 0);
}

/* Requantize with a multiplier precomputed at compile time (m = s_x * s_w[o] / s_y, the float
 * tt_requant computes): the same result and clamp bit as tt_requant, without branches.
 * On a Cortex-M FPU, VCVTR rounds with the FPSCR mode (reset default: to nearest, ties to
 * even), saturates to int32 and maps NaN to 0, exactly tt_round_even_i32; SSAT then bounds it
 * to 16 bits, which changes no clamped result. Elsewhere the product is clamped to +-1e6 first
 * (equal to rounding then clamping) and adding and subtracting 1.5 * 2^23 rounds it to an
 * integer, ties to even (float arithmetic as C99 evaluates it: no fast-math, no contraction;
 * there m must be finite, as the code generator checks).
 * tt_requant_fast_f32 is the rounding and clamp on a float already scaled (v finite):
 * clamp(round_half_even(v) + z_y, lo, hi), pass = not clamped. */
static inline int32_t tt_requant_fast_f32(float v, int32_t z_y, int32_t lo, int32_t hi, uint32_t *pass)
{
    int32_t r;
#if defined(__arm__) && defined(__ARM_FP) && (__ARM_FP & 4) && defined(__ARM_FEATURE_SAT)
    float t;
    __asm__("vcvtr.s32.f32 %0, %1" : "=t"(t) : "t"(v));
    memcpy(&r, &t, 4);
    r = __builtin_arm_ssat(r, 16) + z_y;
#else
    v = v > 1000000.0f ? 1000000.0f : v;
    v = v < -1000000.0f ? -1000000.0f : v;
    r = (int32_t)((v + 12582912.0f) - 12582912.0f) + z_y;
#endif
    {
        /* clamped, then compared: pass = (lo <= r <= hi) in one compare */
        int32_t c = r < lo ? lo : r;
        c = c > hi ? hi : c;
        *pass = (uint32_t)(c == r);
        return c;
    }
}

static inline int32_t tt_requant_fast(int32_t acc, float m, int32_t z_y, int32_t lo, int32_t hi,
                                      uint32_t *pass)
{
    return tt_requant_fast_f32((float)acc * m, z_y, lo, hi, pass);
}

/* Mask writer for kernels that produce their outputs in element order: collects bits and
 * stores whole bytes; tt_maskw_end stores the last partial byte, keeping its unused high bits. */
typedef struct tt_maskw { uint8_t *p; uint32_t bits; uint32_t n; } tt_maskw;

static inline void tt_maskw_put(tt_maskw *w, uint32_t bit)
{
    w->bits |= bit << w->n;
    if (++w->n == 8u) { *w->p++ = (uint8_t)w->bits; w->bits = 0; w->n = 0; }
}

static inline void tt_maskw_end(tt_maskw *w)
{
    if (w->n) *w->p = (uint8_t)((*w->p & (uint8_t)(0xFFu << w->n)) | w->bits);
}

/* Mask bits at a fixed stride of a multiple of 8 elements (a depthwise channel in HWC with
 * c % 8 == 0): the bit's position in its byte never changes, so each write is one byte update
 * and the byte pointer steps by stride / 8. */
typedef struct tt_maskcol { uint8_t *p; uint32_t keep; uint32_t s; int step; } tt_maskcol;

static inline tt_maskcol tt_maskcol_at(uint8_t *mask, int32_t e, int stride)
{
    tt_maskcol c;
    c.p = mask + (e >> 3); c.s = (uint32_t)e & 7u; c.keep = ~(1u << c.s); c.step = stride >> 3;
    return c;
}

static inline void tt_maskcol_put(tt_maskcol *c, uint32_t bit)
{
    *c->p = (uint8_t)((*c->p & c->keep) | (bit << c->s));
    c->p += c->step;
}

/* Branchless write of mask bit e (random order). */
static inline void tt_mask_set(uint8_t *mask, int32_t e, uint32_t bit)
{
    uint8_t *b = mask + (e >> 3);
    uint32_t s = (uint32_t)e & 7u;
    *b = (uint8_t)((*b & ~(1u << s)) | (bit << s));
}

#endif /* TT_INTERNAL_H */
