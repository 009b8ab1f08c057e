/* Fast residual add (= tt_add_s8, bit for bit): the same float expression per element, rounded
 * and clamped branch-free (the reference's +-1e6 clamp before adding z_y changes no result that
 * the int8 clamp keeps; on Cortex-M the int8 clamp is one SSAT #8 and the clamp bit one compare)
 * and the mask collected a byte per eight elements. y may alias a or b: each element is read
 * before it is written, in order. */
#include "tt_internal.h"
#include "tt_fast.h"
#include "tt_rq4_fast.h"

static inline int32_t tt_add_one(int32_t a, int32_t b, float ma, int32_t z_a, float mb, int32_t z_b,
                                 int32_t z_y, uint32_t *pass)
{
    const float v = ma * (float)(a - z_a) + mb * (float)(b - z_b);
#if TT_RQ4 && TT_SIMD_NATIVE
    /* VCVTR + SSAT #16 as tt_requant_fast_f32, then SSAT #8 is the [-128, 127] clamp */
    const int32_t r = tt_rq4_round16(v) + z_y, c = __builtin_arm_ssat(r, 8);
    *pass = (uint32_t)(c == r);
    return c;
#else
    return tt_requant_fast_f32(v, z_y, -128, 127, pass);
#endif
}

void tt_add_s8_fast(const int8_t *a, float s_a, int32_t z_a,
                    const int8_t *b, float s_b, int32_t z_b,
                    int n, float s_y, int32_t z_y, int8_t *y, uint8_t *mask)
{
    /* the reference's multipliers, computed the same way */
    const float ma = s_a / s_y, mb = s_b / s_y;
    int i = 0;
    uint32_t pass;
    if (!mask) {
        for (; i < n; i++) y[i] = (int8_t)tt_add_one(a[i], b[i], ma, z_a, mb, z_b, z_y, &pass);
        return;
    }
    /* whole mask bytes: eight elements' bits collected in a register */
    for (; i + 8 <= n; i += 8) {
        uint32_t bits = 0;
        int j;
        for (j = 0; j < 8; j++) {
            y[i + j] = (int8_t)tt_add_one(a[i + j], b[i + j], ma, z_a, mb, z_b, z_y, &pass);
            bits |= pass << j;
        }
        mask[i >> 3] = (uint8_t)bits;
    }
    if (i < n) {
        tt_maskw mw = { mask + (i >> 3), 0, 0 };
        for (; i < n; i++) {
            y[i] = (int8_t)tt_add_one(a[i], b[i], ma, z_a, mb, z_b, z_y, &pass);
            tt_maskw_put(&mw, pass);
        }
        tt_maskw_end(&mw);
    }
}
