/* xorshift32 (Marsaglia 2003, shifts 13/17/5): tiny deterministic PRNG for stochastic rounding. */
#include "tt_internal.h"

void tt_rng_seed(uint32_t *state, uint32_t seed)
{
    *state = seed ? seed : 0x9E3779B9u;
}

uint32_t tt_xorshift32(uint32_t *state)
{
    *state = tt_xorshift32_next(*state);
    return *state;
}
