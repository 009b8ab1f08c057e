/* = tt_mask_apply_chunk_f32, reading each mask byte once instead of once per element: the
 * chunk's bits of a pixel are consecutive, so a byte is loaded, shifted and used up bit by bit. */
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
        unsigned bits = (unsigned)*m++ >> (e & 7);
        int left = 8 - (e & 7);
        for (j = 0; j < n; j++) {
            if (left == 0) { bits = *m++; left = 8; }
            d[j] = (bits & 1u) ? s[j] : 0.0f;
            bits >>= 1;
            left--;
        }
    }
}
