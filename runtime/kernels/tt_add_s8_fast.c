/* Fast residual add (= tt_add_s8, bit for bit): the same float expression per element, rounded
 * and clamped by tt_requant_fast (branch-free; the reference's +-1e6 clamp before adding z_y
 * changes no result that the int8 clamp keeps) and the mask collected a byte at a time. */
#include "tt_internal.h"
#include "tt_fast.h"

void tt_add_s8_fast(const int8_t *a, float s_a, int32_t z_a,
                    const int8_t *b, float s_b, int32_t z_b,
                    int n, float s_y, int32_t z_y, int8_t *y, uint8_t *mask)
{
    /* the reference's multipliers, computed the same way */
    const float ma = s_a / s_y, mb = s_b / s_y;
    tt_maskw mw = { mask, 0, 0 };
    int i;
    for (i = 0; i < n; i++) {
        const float v = ma * (float)((int32_t)a[i] - z_a) + mb * (float)((int32_t)b[i] - z_b);
        uint32_t pass;
        y[i] = (int8_t)tt_requant_fast_f32(v, z_y, -128, 127, &pass);
        if (mask) tt_maskw_put(&mw, pass);
    }
    if (mask) tt_maskw_end(&mw);
}
