/* Residual add backward: both inputs receive the output gradient unchanged. */
#include "tt_internal.h"

void tt_add_bwd_f32(const float *dy, int n, float *da, float *db)
{
    int i;
    if (da && da != dy) for (i = 0; i < n; i++) da[i] = dy[i];
    if (db && db != dy) for (i = 0; i < n; i++) db[i] = dy[i];
}
