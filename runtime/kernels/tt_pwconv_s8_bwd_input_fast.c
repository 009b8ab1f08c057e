/* Fast input gradient of an int8 pointwise conv (= tt_pwconv_s8_bwd_input, bit for bit): a
 * block of four pixels x four input channels stays in sixteen registers (independent
 * accumulators, so an FPU can issue a multiply-add per cycle) while the output channels stream
 * past, each weight converted to float once for four pixels. Each dx element still adds its
 * products in the reference's order (o ascending) from +0. The reference skips dz == 0; here the
 * product is added, and that is exact: a sum started at +0 is never -0, and x + (+-0) = x. */
#include "tt_internal.h"
#include "tt_fast.h"

/* dxp[j] = sum_o (dzp[o] * s_w[o]) * w[o*ws + j] for j < n, dz == 0 skipped */
static inline void tt_pw_bwd_columns(const float *dzp, const float *s_w, const int8_t *w, int ws,
                                     int cout, int n, float *dxp)
{
    int j = 0, o;
    for (; j + 8 <= n; j += 8) {
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f, a4 = 0.0f, a5 = 0.0f, a6 = 0.0f, a7 = 0.0f;
        const int8_t *wj = w + j;
        for (o = 0; o < cout; o++, wj += ws) {
            float g = dzp[o];
            if (g == 0.0f) continue;
            g *= s_w[o];
            a0 += g * (float)wj[0]; a1 += g * (float)wj[1]; a2 += g * (float)wj[2]; a3 += g * (float)wj[3];
            a4 += g * (float)wj[4]; a5 += g * (float)wj[5]; a6 += g * (float)wj[6]; a7 += g * (float)wj[7];
        }
        dxp[j] = a0; dxp[j + 1] = a1; dxp[j + 2] = a2; dxp[j + 3] = a3;
        dxp[j + 4] = a4; dxp[j + 5] = a5; dxp[j + 6] = a6; dxp[j + 7] = a7;
    }
    for (; j < n; j++) {
        float a = 0.0f;
        const int8_t *wj = w + j;
        for (o = 0; o < cout; o++, wj += ws) {
            float g = dzp[o];
            if (g == 0.0f) continue;
            g *= s_w[o];
            a += g * (float)wj[0];
        }
        dxp[j] = a;
    }
}

/* Four pixels (dz rows p..p+3, dx rows likewise): dx[q][j] = sum_o (dz[q][o] * s_w[o]) * w[o*ws + j] */
static inline void tt_pw_bwd_4px(const float *dz, int cout, const float *s_w, const int8_t *w, int ws,
                                 int n, float *dx, int cin)
{
    const float *d0 = dz, *d1 = dz + cout, *d2 = dz + 2 * cout, *d3 = dz + 3 * cout;
    int j = 0, o;
    for (; j + 4 <= n; j += 4) {
        float a00 = 0.0f, a01 = 0.0f, a02 = 0.0f, a03 = 0.0f, a10 = 0.0f, a11 = 0.0f, a12 = 0.0f, a13 = 0.0f;
        float a20 = 0.0f, a21 = 0.0f, a22 = 0.0f, a23 = 0.0f, a30 = 0.0f, a31 = 0.0f, a32 = 0.0f, a33 = 0.0f;
        const int8_t *wj = w + j;
        for (o = 0; o < cout; o++, wj += ws) {
            const float s = s_w[o], g0 = d0[o] * s, g1 = d1[o] * s, g2 = d2[o] * s, g3 = d3[o] * s;
            const float w0 = (float)wj[0], w1 = (float)wj[1], w2 = (float)wj[2], w3 = (float)wj[3];
            a00 += g0 * w0; a01 += g0 * w1; a02 += g0 * w2; a03 += g0 * w3;
            a10 += g1 * w0; a11 += g1 * w1; a12 += g1 * w2; a13 += g1 * w3;
            a20 += g2 * w0; a21 += g2 * w1; a22 += g2 * w2; a23 += g2 * w3;
            a30 += g3 * w0; a31 += g3 * w1; a32 += g3 * w2; a33 += g3 * w3;
        }
        dx[j] = a00; dx[j + 1] = a01; dx[j + 2] = a02; dx[j + 3] = a03;
        dx[cin + j] = a10; dx[cin + j + 1] = a11; dx[cin + j + 2] = a12; dx[cin + j + 3] = a13;
        dx[2 * cin + j] = a20; dx[2 * cin + j + 1] = a21; dx[2 * cin + j + 2] = a22; dx[2 * cin + j + 3] = a23;
        dx[3 * cin + j] = a30; dx[3 * cin + j + 1] = a31; dx[3 * cin + j + 2] = a32; dx[3 * cin + j + 3] = a33;
    }
    for (; j < n; j++) {
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
        const int8_t *wj = w + j;
        for (o = 0; o < cout; o++, wj += ws) {
            const float s = s_w[o], wv = (float)wj[0];
            a0 += (d0[o] * s) * wv; a1 += (d1[o] * s) * wv; a2 += (d2[o] * s) * wv; a3 += (d3[o] * s) * wv;
        }
        dx[j] = a0; dx[cin + j] = a1; dx[2 * cin + j] = a2; dx[3 * cin + j] = a3;
    }
}

void tt_pwconv_s8_bwd_input_fast(const float *dz, int h, int w, int cin,
                                 const int8_t *wt, const int8_t *wt_sram, int k,
                                 const float *s_w, int cout, float *dx)
{
    int npix = h * w, p;
    k = tt_slice_k(wt_sram, k, cin);
    for (p = 0; p + 4 <= npix; p += 4) {
        const float *dzp = dz + (size_t)p * (size_t)cout;
        float *dxp = dx + (size_t)p * (size_t)cin;
        if (k) tt_pw_bwd_4px(dzp, cout, s_w, wt_sram, k, k, dxp, cin);
        tt_pw_bwd_4px(dzp, cout, s_w, wt + k, cin, cin - k, dxp + k, cin);
    }
    for (; p < npix; p++) {
        const float *dzp = dz + (size_t)p * (size_t)cout;
        float *dxp = dx + (size_t)p * (size_t)cin;
        if (k) tt_pw_bwd_columns(dzp, s_w, wt_sram, k, cout, k, dxp);
        tt_pw_bwd_columns(dzp, s_w, wt + k, cin, cout, cin - k, dxp + k);
    }
}
