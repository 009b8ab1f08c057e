/* = tt_mask_apply_chunk_f32 bit for bit, without a branch per element: a pixel's chunk bits are
 * consecutive, so eight at a time come from the one or two mask bytes that hold them (never a
 * byte past the last one the chunk needs), and each element is its gradient's bit pattern ANDed
 * with its bit spread to a word: the gradient itself, or +0.0f (all bits clear), exactly what
 * the reference's `bit ? dy : 0.0f` stores. */
#include <string.h>
#include "tt_fast.h"
#include "tt_internal.h"

/* d[k] = bit k of bits ? s[k] : +0.0f, as bit patterns */
#define TT_MASK_PUT(k)                                          \
    do {                                                        \
        uint32_t v_;                                            \
        memcpy(&v_, s + j + (k), 4);                            \
        v_ &= 0u - ((bits >> (k)) & 1u);                        \
        memcpy(d + j + (k), &v_, 4);                            \
    } while (0)

void tt_mask_apply_chunk_f32_fast(const float *dy, const uint8_t *mask, int npix, int c, int c0, int n, float *dz)
{
    int p, j, k;
    for (p = 0; p < npix; p++) {
        const float *s = dy + (size_t)p * (size_t)n;
        float *d = dz + (size_t)p * (size_t)n;
        const int32_t e = (int32_t)p * c + c0;
        const uint8_t *m = mask + (e >> 3);
        const int sh = (int)(e & 7);
        for (j = 0; j < n; j += 8, m++) {
            const int cnt = n - j < 8 ? n - j : 8;
            /* bits [sh, sh + cnt) of m[0..1]: the second byte only when they reach it */
            uint32_t bits = (uint32_t)m[0] | (sh + cnt > 8 ? (uint32_t)m[1] << 8 : 0u);
            bits >>= sh;
            if (cnt == 8) {
                TT_MASK_PUT(0); TT_MASK_PUT(1); TT_MASK_PUT(2); TT_MASK_PUT(3);
                TT_MASK_PUT(4); TT_MASK_PUT(5); TT_MASK_PUT(6); TT_MASK_PUT(7);
            } else {
                k = 0;
                if (cnt >= 4) { TT_MASK_PUT(0); TT_MASK_PUT(1); TT_MASK_PUT(2); TT_MASK_PUT(3); k = 4; }
                for (; k < cnt; k++) TT_MASK_PUT(k);
            }
        }
    }
}
