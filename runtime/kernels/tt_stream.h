/*
 * tt_stream.h - kernels for the streamed frozen prefix: forward convs that compute one output
 * row at a time, reading their input rows from a ring (input row r at ring + (r % ring_rows) *
 * w * c). Frozen layers only: weights and bias from flash, no mask. Each output value is
 * computed with the same integer accumulation and requantization as tt_conv2d_s8 /
 * tt_dwconv_s8, so a streamed forward is bit-identical to the whole-tensor one. Pointwise convs
 * and adds stream with tt_pwconv_s8 / tt_add_s8 on one row.
 */
#ifndef TT_STREAM_H
#define TT_STREAM_H

#include <stdint.h>
#include "tt_kernels.h"

/* Output row oy ([wo][cout]) of a standard conv over an h x w x cin input held in a ring. */
void tt_conv2d_s8_row(const int8_t *ring, int ring_rows, int h, int w, int cin,
                      const int8_t *wt, const int32_t *bias, int cout, const tt_conv_geom *geo,
                      const tt_quant *q, int oy, int8_t *y);

/* Output row oy ([wo][c]) of a depthwise conv over an h x w x c input held in a ring. */
void tt_dwconv_s8_row(const int8_t *ring, int ring_rows, int h, int w, int c,
                      const int8_t *wt, const int32_t *bias, const tt_conv_geom *geo,
                      const tt_quant *q, int oy, int8_t *y);

#endif
