/*
 * tt_chunked.h - kernels for the chunked backward of an inverted bottleneck: the backward
 * through pw2 -> dw -> pw1 runs one chunk of the expanded channels at a time, so only
 * chunk-sized float gradients exist. Each computes every element with the same arithmetic in
 * the same order as its whole-tensor counterpart in tt_kernels.h, so the results are
 * bit-identical to the unchunked backward.
 */
#ifndef TT_CHUNKED_H
#define TT_CHUNKED_H

#include <stdint.h>
#include "tt_kernels.h"

/* Input channels [c0, c0 + n) of tt_pwconv_s8_bwd_input: dx_chunk[p][j] =
 * sum_o dz[p][o] * s_w[o] * W[o][c0 + j]. dz: [npix][cout]; dx_chunk: [npix][n] (overwritten).
 * dz_stride: floats from one pixel of dz to the next, cout; 0 when dz is one value per channel
 * that every pixel shares (a global average pool's gradient kept pooled: dz[p][o] = dz[o]).
 * wt: [cout][cin] (flash), wt_sram: [cout][k] (nullable) for input channels i < k.
 * dz_mask (nullable): dz is read as tt_mask_apply_f32(dz, dz_mask) would leave it, so the
 * masked gradient never has to exist. */
void tt_pwconv_s8_bwd_input_chunk(const float *dz, int dz_stride, const uint8_t *dz_mask, int npix, int cin, int c0, int n,
                                  const int8_t *wt, const int8_t *wt_sram, int k,
                                  const float *s_w, int cout, float *dx_chunk);

/* Output channels [o0, o0 + n) of a pointwise input gradient, ADDED into dx: dx[p][i] +=
 * sum_{j<n} dz_chunk[p][j] * s_w[j] * W[j][i]. Pass wt, wt_sram and s_w already offset to row
 * o0 (wt + o0*cin, wt_sram + o0*k, s_w + o0). Over the chunks in ascending order this adds the
 * same terms in the same order as tt_pwconv_s8_bwd_input into a zeroed dx. */
void tt_pwconv_s8_bwd_input_acc(const float *dz_chunk, int npix, int cin,
                                const int8_t *wt, const int8_t *wt_sram, int k,
                                const float *s_w, int n, float *dx);

/* Channels [c0, c0 + n) of tt_mask_apply_f32 over a [npix][c] tensor's mask:
 * dz[p][j] = bit(mask, p*c + c0 + j) ? dy[p][j] : 0, dy and dz [npix][n]; dz may alias dy. */
void tt_mask_apply_chunk_f32(const float *dy, const uint8_t *mask, int npix, int c, int c0, int n, float *dz);

/* tt_bias_grad_sgd_s32 on tt_mask_apply_f32(dy, mask) without the masked copy: the same sums
 * (a masked-out element adds 0.0f), the same update. dy_stride: floats from one pixel of dy to
 * the next, c; 0 when dy is one value per channel that every pixel shares (pooled). */
void tt_bias_grad_sgd_s32_masked(const float *dy, int dy_stride, const uint8_t *mask, int npix, int c, int32_t *b_sram,
                                 float s_x, const float *s_w, float lr, int qas);

#endif
