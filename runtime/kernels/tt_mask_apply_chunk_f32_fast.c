/* = tt_mask_apply_chunk_f32, reading each mask byte once instead of once per element: a
 * pixel's chunk bits are consecutive, so the bits up to a byte boundary go one at a time and
 * then each whole byte serves eight elements. */
#include "tt_fast.h"
#include "tt_internal.h"

void tt_mask_apply_chunk_f32_fast(const float *dy, const uint8_t *mask, int npix, int c, int c0, int n, float *dz)
{
    int p, j;
    for (p = 0; p < npix; p++) {
        const float *s = dy + p * n;
        float *d = dz + p * n;
        const int32_t e = (int32_t)p * c + c0;
        const uint8_t *m = mask + (e >> 3);
        j = 0;
        if (e & 7) {
            unsigned bits = (unsigned)*m++ >> (e & 7);
            const int lead = 8 - (e & 7) < n ? 8 - (e & 7) : n;
            for (; j < lead; j++, bits >>= 1) d[j] = (bits & 1u) ? s[j] : 0.0f;
        }
        for (; j + 8 <= n; j += 8) {
            const unsigned b = *m++;
            d[j + 0] = (b & 0x01u) ? s[j + 0] : 0.0f;
            d[j + 1] = (b & 0x02u) ? s[j + 1] : 0.0f;
            d[j + 2] = (b & 0x04u) ? s[j + 2] : 0.0f;
            d[j + 3] = (b & 0x08u) ? s[j + 3] : 0.0f;
            d[j + 4] = (b & 0x10u) ? s[j + 4] : 0.0f;
            d[j + 5] = (b & 0x20u) ? s[j + 5] : 0.0f;
            d[j + 6] = (b & 0x40u) ? s[j + 6] : 0.0f;
            d[j + 7] = (b & 0x80u) ? s[j + 7] : 0.0f;
        }
        if (j < n) {
            unsigned bits = *m;
            for (; j < n; j++, bits >>= 1) d[j] = (bits & 1u) ? s[j] : 0.0f;
        }
    }
}
