/*
 * fast_check.c - every fast kernel (tt_fast.h) against its reference loop (tt_kernels.h) on
 * random shapes and data, built for the host (plain C, AVX2, the portable SIMD definitions) and
 * for Cortex-M4 / M7 under QEMU (ACLE intrinsics). Talks only through the board API, prints
 * one line per kernel ("pw ok 180" = 180 random cases equal) and a last line "fast_check ok"
 * or "fast_check FAIL ...", and exits with 0 or 1.
 * Equality is byte for byte: int8 outputs, every mask bit written (the buffers start filled
 * with the same garbage), and float gradients compared as bit patterns.
 * Geometries: half the conv-like cases take the config language's centred "same" padding with
 * square kernels (the shapes the specialized bodies cover), half any kernel kh x kw (1-D
 * [k, 1] included), a stride per axis and explicit, asymmetric padding (the fallbacks).
 */
#include <string.h>
#include "tt_board.h"
#include "tt_kernels.h"
#include "tt_fast.h"
#include "tt_stream.h"
#include "tt_chunked.h"
#include "tt_fused.h"
#include "tt_simd.h"
#include "tt_avx2.h"

#define NX 6144
#define NW 8192
static int8_t x[NX], xr[NX], xf[NX], wt[NW], sl[NW], yr[NX], yf[NX], tmp[NX];
static float sw[256], m[256], dz[NX], dxr[NX], dxf[NX];
static int32_t bias[256], bsram[256];
static uint8_t mr[NX / 8 + 1], mf[NX / 8 + 1];
static uint32_t rng;
static int failures;

static void say(const char *s) { tt_uart_write(s, strlen(s)); }
static void say_int(int v) {
    char b[12]; int n = 0; unsigned u = v < 0 ? (unsigned)-v : (unsigned)v;
    if (v < 0) say("-");
    do { b[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    while (n) tt_uart_write(&b[--n], 1);
}
static int rnd(int lo, int hi) { return lo + (int)(tt_xorshift32(&rng) % (uint32_t)(hi - lo + 1)); }
static float rndf(float lo, float hi) { return lo + (hi - lo) * (float)(tt_xorshift32(&rng) >> 8) * (1.0f / 16777216.0f); }
static void fill_s8(int8_t *p, int n, int lo, int hi) { int i; for (i = 0; i < n; i++) p[i] = (int8_t)rnd(lo, hi); }

/* Random quantization; m[] as the reference computes it, lo/hi as tt_act_range. */
static void rand_quant(tt_quant *q, tt_rq *rq, int cout) {
    int o;
    q->s_x = rndf(0.005f, 0.1f); q->z_x = rnd(-128, 127);
    q->s_y = rndf(0.005f, 0.2f); q->z_y = rnd(-128, 127);
    q->act = rnd(0, 2); q->s_w = sw;
    for (o = 0; o < cout; o++) { sw[o] = rndf(0.0005f, 0.02f); m[o] = q->s_x * q->s_w[o] / q->s_y; }
    rq->m = m; rq->z_x = q->z_x; rq->z_y = q->z_y;
    if (q->act == TT_ACT_RELU6) {
        float t = 6.0f / q->s_y;
        int32_t top = q->z_y + (int32_t)((t + 12582912.0f) - 12582912.0f);
        rq->lo = q->z_y > -128 ? q->z_y : -128; rq->hi = top < 127 ? top : 127;
    } else if (q->act == TT_ACT_RELU) {
        rq->lo = q->z_y > -128 ? q->z_y : -128; rq->hi = 127;
    } else { rq->lo = -128; rq->hi = 127; }
}
/* A geometry on an h x w input: centred "same" padding (a square odd kernel up to kmax,
 * one stride) when same, else kh x kw in [1, kmax] (kw = 1 a third of the time: 1-D), strides
 * 1..2 per axis and padding 0..k-1 before and after, each side drawn alone. 0 when the output
 * would be empty. */
static int rand_geom(tt_conv_geom *g, int h, int w, int kmax, int same) {
    if (same) {
        int s = rnd(1, 2);
        g->kh = g->kw = 2 * rnd(0, (kmax - 1) / 2) + 1; g->sh = g->sw = s;
        g->pt = (g->kh - 1) / 2; g->pb = (TT_OUT_SIZE(h, s) - 1) * s + g->kh - h - g->pt;
        g->pl = (g->kw - 1) / 2; g->pr = (TT_OUT_SIZE(w, s) - 1) * s + g->kw - w - g->pl;
    } else {
        g->kh = rnd(1, kmax); g->kw = rnd(0, 2) == 0 ? 1 : rnd(1, kmax);
        g->sh = rnd(1, 2); g->sw = rnd(1, 2);
        g->pt = rnd(0, g->kh - 1); g->pb = rnd(0, g->kh - 1);
        g->pl = rnd(0, g->kw - 1); g->pr = rnd(0, g->kw - 1);
    }
    return TT_CONV_OUT_H(g, h) >= 1 && TT_CONV_OUT_W(g, w) >= 1;
}
static void rand_bias(int cout, int *use_sram) {
    int o;
    for (o = 0; o < cout; o++) { bias[o] = rnd(-20000, 20000); bsram[o] = rnd(-20000, 20000); }
    *use_sram = rnd(0, 1);
}
static void garbage(void) { memset(yr, 0x5A, sizeof yr); memset(yf, 0x5A, sizeof yf); memset(mr, 0xA5, sizeof mr); memset(mf, 0xA5, sizeof mf); }
static void report(const char *name, int bad, int cases, const char *shape) {
    say(name); say(bad ? " FAIL " : " ok "); say_int(cases);
    if (bad) { say(" first bad: "); say(shape); failures++; }
    say("\r\n");
}
static void shape_str(char *out, const int *v, int n) {
    int i, p = 0;
    for (i = 0; i < n && p < 100; i++) {
        unsigned u = (unsigned)v[i]; char b[12]; int k = 0;
        do { b[k++] = (char)('0' + u % 10); u /= 10; } while (u);
        while (k) out[p++] = b[--k];
        out[p++] = i + 1 < n ? 'x' : 0;
    }
}

static void check_pw(int cases) {
    int c, bad = 0; char shape[128] = "";
    for (c = 0; c < cases; c++) {
        /* a third of the cases with cin % 4 == 0 (the pre-extended input path, then k % 4 == 0
         * half the time) and a third with cout % 8 == 0 (the mask stored a byte at a time) */
        int npix = rnd(1, 40), cin = rnd(0, 2) == 0 ? 4 * rnd(1, 28) : rnd(1, 48), cout = rnd(0, 2) == 0 ? 8 * rnd(1, 5) : rnd(1, 40), us;
        int k = rnd(0, 1) ? ((cin & 3) == 0 && rnd(0, 1) ? 4 * rnd(1, cin / 4) : rnd(1, cin)) : 0;
        tt_quant q; tt_rq rq;
        if (c % 6 == 5) {
            /* a wide input (cin % 4 == 0 above TT_PW_XEXT_MAX = 72, an even cout, odd pixel
             * counts too): the paired requantization without pre-extension */
            npix = rnd(1, 9); cin = 4 * rnd(21, 40); cout = rnd(0, 1) ? 8 * rnd(1, 6) : 2 * rnd(1, 24);
            k = rnd(0, 2); k = k == 0 ? 0 : k == 1 ? cin : 4 * rnd(1, cin / 4 - 1); /* a slice of whole words too */
        }
        if (npix * cin > NX || npix * cout > NX || cout * cin > NW) continue;
        rand_quant(&q, &rq, cout); rand_bias(cout, &us);
        fill_s8(x, npix * cin, -128, 127); fill_s8(wt, cout * cin, -127, 127); fill_s8(sl, cout * (k ? k : 1), -127, 127);
        garbage();
        /* a third without a mask (the SIMD path's paired requantization, tt_rq4_fast.h) */
        if (rnd(0, 2) == 0) {
            tt_pwconv_s8(x, npix, 1, cin, wt, k ? sl : 0, k, bias, us ? bsram : 0, cout, &q, yr, 0);
            tt_pwconv_s8_fast(x, npix, cin, wt, k ? sl : 0, k, bias, us ? bsram : 0, cout, &rq, yf, 0);
        } else {
            tt_pwconv_s8(x, npix, 1, cin, wt, k ? sl : 0, k, bias, us ? bsram : 0, cout, &q, yr, mr);
            tt_pwconv_s8_fast(x, npix, cin, wt, k ? sl : 0, k, bias, us ? bsram : 0, cout, &rq, yf, mf);
        }
        if (memcmp(yr, yf, (size_t)npix * cout) || memcmp(mr, mf, sizeof mr)) {
            int v[4] = { npix, cin, cout, k };
            if (!bad) shape_str(shape, v, 4);
            bad++;
        }
    }
    report("pw", bad, cases, shape);
}

static void check_conv(int cases) {
    int c, bad = 0; char shape[128] = "";
    for (c = 0; c < cases; c++) {
        int cin = rnd(1, 7), h = rnd(1, 14), w = rnd(1, 14), cout = rnd(1, 20), ho, wo, taps, us;
        int k = rnd(0, 3) == 0 ? rnd(1, cin) : 0;
        tt_quant q; tt_rq rq; tt_conv_geom g;
        if (!rand_geom(&g, h, w, 5, rnd(0, 1))) continue;
        ho = TT_CONV_OUT_H(&g, h); wo = TT_CONV_OUT_W(&g, w); taps = g.kh * g.kw;
        if (h * w * cin > NX || ho * wo * cout > NX || cout * taps * cin > NW) continue;
        rand_quant(&q, &rq, cout); rand_bias(cout, &us);
        fill_s8(x, h * w * cin, -128, 127); fill_s8(wt, cout * taps * cin, -127, 127); fill_s8(sl, cout * taps * (k ? k : 1), -127, 127);
        garbage();
        tt_conv2d_s8(x, h, w, cin, wt, k ? sl : 0, k, bias, us ? bsram : 0, cout, &g, &q, yr, mr);
        tt_conv2d_s8_fast(x, h, w, cin, wt, k ? sl : 0, k, bias, us ? bsram : 0, cout, &g, &rq, yf, mf);
        if (memcmp(yr, yf, (size_t)ho * wo * cout) || memcmp(mr, mf, sizeof mr)) {
            int v[13] = { h, w, cin, cout, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.pb, g.pr, k };
            if (!bad) shape_str(shape, v, 13);
            bad++;
        }
    }
    report("conv", bad, cases, shape);
}

static void check_dw(int cases, int inplace) {
    int c, bad = 0; char shape[128] = "";
    for (c = 0; c < cases; c++) {
        /* a third of the cases with c % 8 == 0 (the mask's one-byte-per-bit path); a quarter on
         * images past TT_DW_PAD_MAX, where the specialized bodies clip the window per output
         * instead of padding a copy of the channel; a third of the kernels at most 3 x 3, the
         * padded bodies' (four channels per pass on the SIMD path, c % 4 left one by one) */
        const int big = rnd(0, 3) == 0, kmax = rnd(0, 2) == 0 ? 3 : 7;
        int ch = big ? rnd(1, 5) : rnd(0, 2) == 0 ? 8 * rnd(1, 3) : rnd(1, 24), h = big ? rnd(20, 34) : rnd(1, 16), w = big ? rnd(20, 34) : rnd(1, 16), ho, wo, taps, us, nomask, k = rnd(0, 1) ? rnd(1, ch) : 0;
        tt_quant q; tt_rq rq; tt_conv_geom g;
        if (!rand_geom(&g, h, w, kmax, rnd(0, 1))) continue;
        ho = TT_CONV_OUT_H(&g, h); wo = TT_CONV_OUT_W(&g, w); taps = g.kh * g.kw;
        /* in place needs the output to fit where the input was */
        if (h * w * ch > NX || ho * wo * ch > NX || ch * taps > NW || (inplace && ho * wo > h * w)) continue;
        rand_quant(&q, &rq, ch); rand_bias(ch, &us);
        fill_s8(x, h * w * ch, -128, 127); fill_s8(wt, ch * taps, -127, 127); fill_s8(sl, (k ? k : 1) * taps, -127, 127);
        garbage();
        /* a third without a mask (the SIMD path's paired requantization, tt_rq4_fast.h) */
        nomask = rnd(0, 2) == 0;
        if (inplace) {
            memcpy(xr, x, (size_t)h * w * ch); memcpy(xf, x, (size_t)h * w * ch);
            tt_dwconv_s8_inplace(xr, h, w, ch, wt, k ? sl : 0, k, bias, us ? bsram : 0, &g, &q, tmp, nomask ? 0 : mr);
            tt_dwconv_s8_inplace_fast(xf, h, w, ch, wt, k ? sl : 0, k, bias, us ? bsram : 0, &g, &rq, tmp, nomask ? 0 : mf);
            if (memcmp(xr, xf, (size_t)h * w * ch) || memcmp(mr, mf, sizeof mr)) bad++;
            else continue;
        } else {
            tt_dwconv_s8(x, h, w, ch, wt, k ? sl : 0, k, bias, us ? bsram : 0, &g, &q, yr, nomask ? 0 : mr);
            tt_dwconv_s8_fast(x, h, w, ch, wt, k ? sl : 0, k, bias, us ? bsram : 0, &g, &rq, yf, nomask ? 0 : mf);
            if (!memcmp(yr, yf, (size_t)ho * wo * ch) && !memcmp(mr, mf, sizeof mr)) continue;
            bad++;
        }
        if (bad == 1) { int v[12] = { h, w, ch, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.pb, g.pr, k }; shape_str(shape, v, 12); }
    }
    report(inplace ? "dw_inplace" : "dw", bad, cases, shape);
}

static void check_dw_bwd_input(int cases) {
    int c, bad = 0, i; char shape[128] = "";
    for (c = 0; c < cases; c++) {
        int ch = rnd(1, 24), h = rnd(1, 16), w = rnd(1, 16), ho, wo, taps, k = rnd(0, 1) ? rnd(1, ch) : 0;
        tt_conv_geom g;
        /* kernels up to 9x9: 81 taps also exercise the reference fallback past 64 */
        if (!rand_geom(&g, h, w, rnd(0, 9) ? 7 : 9, rnd(0, 1))) continue;
        ho = TT_CONV_OUT_H(&g, h); wo = TT_CONV_OUT_W(&g, w); taps = g.kh * g.kw;
        if (h * w * ch > NX || ho * wo * ch > NX || ch * taps > NW) continue;
        for (i = 0; i < ch; i++) sw[i] = rndf(0.0005f, 0.02f);
        for (i = 0; i < ho * wo * ch; i++) dz[i] = rnd(0, 3) == 0 ? 0.0f : rndf(-1.0f, 1.0f); /* masked zeros */
        fill_s8(wt, ch * taps, -127, 127); fill_s8(sl, (k ? k : 1) * taps, -127, 127);
        memset(dxr, 0x7F, sizeof dxr); memset(dxf, 0x7F, sizeof dxf);
        tt_dwconv_s8_bwd_input(dz, h, w, ch, wt, k ? sl : 0, k, sw, &g, dxr);
        tt_dwconv_s8_bwd_input_fast(dz, h, w, ch, wt, k ? sl : 0, k, sw, &g, dxf);
        if (memcmp(dxr, dxf, sizeof dxr)) {
            int v[12] = { h, w, ch, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.pb, g.pr, k };
            if (!bad) shape_str(shape, v, 12);
            bad++;
        }
    }
    report("dw_bwd_input", bad, cases, shape);
}

static void check_pw_bwd_input(int cases) {
    int c, bad = 0, i; char shape[128] = "";
    for (c = 0; c < cases; c++) {
        int npix = rnd(1, 30), cin = rnd(1, 40), cout = rnd(1, 40), k = rnd(0, 1) ? rnd(1, cin) : 0;
        if (npix * cin > NX || npix * cout > NX) continue;
        for (i = 0; i < cout; i++) sw[i] = rndf(0.0005f, 0.02f);
        for (i = 0; i < npix * cout; i++) dz[i] = rnd(0, 3) == 0 ? 0.0f : rndf(-1.0f, 1.0f); /* masked zeros */
        fill_s8(wt, cout * cin, -127, 127); fill_s8(sl, cout * (k ? k : 1), -127, 127);
        memset(dxr, 0x7F, sizeof dxr); memset(dxf, 0x7F, sizeof dxf);
        tt_pwconv_s8_bwd_input(dz, npix, 1, cin, wt, k ? sl : 0, k, sw, cout, dxr);
        tt_pwconv_s8_bwd_input_fast(dz, npix, 1, cin, wt, k ? sl : 0, k, sw, cout, dxf);
        if (memcmp(dxr, dxf, sizeof(float) * (size_t)npix * cin)) {
            int v[4] = { npix, cin, cout, k };
            if (!bad) shape_str(shape, v, 4);
            bad++;
        }
    }
    report("pw_bwd_input", bad, cases, shape);
}

/* The fused conv / pointwise weight gradient + SGD summed with fmaf: the blocked fast kernel
 * against its reference loop byte for byte (SRAM weights, rounding residuals, PRNG state), half
 * the cases pointwise, the rest any geometry; pixel counts, slices k and cout of any size (not
 * multiples of the 4 x 4 block). And the reference against tt_conv2d_s8_weight_grad_sgd, whose
 * gradients differ by float reassociation only: the same draws, so a weight differs by at most
 * one step of the stochastic rounding, and only where a draw falls between the two gradients
 * (rare: at most 1 % of the weights). */
static void check_wgrad(int cases) {
    int c, bad = 0, i, near = 0, total = 0; char shape[128] = "";
    /* the other checks' buffers (the M4 board's RAM is full) */
    int8_t *wr = wt, *wf = sl, *wo = tmp, *rr = xr, *rf = xf, *ro = yr;
    float *wsr = dxr, *wsf = dxf;
    for (c = 0; c < cases; c++) {
        int h = rnd(1, 9), w = rnd(1, 9), cin = rnd(1, 24), cout = rnd(1, 21), k = rnd(1, cin);
        int cstride = rnd(0, 1) ? k : cin, residual = rnd(0, 1), qas = rnd(0, 1), per, ho, wo_, n;
        uint32_t rng_r, rng_f, rng_o;
        const float s_x = rndf(0.01f, 0.1f), lr = rndf(0.0001f, 0.01f);
        const int32_t z = rnd(-128, 127);
        tt_conv_geom g = { 1, 1, 1, 1, 0, 0, 0, 0 };
        if (rnd(0, 1) && !rand_geom(&g, h, w, 3, rnd(0, 1))) continue;
        ho = TT_CONV_OUT_H(&g, h); wo_ = TT_CONV_OUT_W(&g, w); per = g.kh * g.kw * k; n = cout * per;
        if (h * w * cstride > NX || ho * wo_ * cout > NX || n > NX || TT_WGRAD_FMA_ROWS * per > NX) continue;
        fill_s8(x, h * w * cstride, -128, 127);
        for (i = 0; i < ho * wo_ * cout; i++) dz[i] = rnd(0, 3) == 0 ? 0.0f : rndf(-1.0f, 1.0f); /* masked zeros */
        for (i = 0; i < cout; i++) sw[i] = rndf(0.0005f, 0.02f);
        fill_s8(wr, n, -127, 127); memcpy(wf, wr, (size_t)n); memcpy(wo, wr, (size_t)n);
        fill_s8(rr, n, -127, 127); memcpy(rf, rr, (size_t)n); memcpy(ro, rr, (size_t)n);
        /* now and then a zero PRNG state (tt_xorshift32_next restarts it; the fast SGD hoists that test) */
        rng_r = rng_f = rng_o = rnd(0, 7) == 0 ? 0u : tt_xorshift32(&rng) | 1u;
        tt_conv2d_s8_weight_grad_fma_sgd_residual(x, cstride, h, w, s_x, z, dz, cout, &g, k, wr, residual ? rr : 0, sw, lr, qas, &rng_r, wsr);
        if (residual) tt_conv2d_s8_weight_grad_fma_sgd_residual_fast(x, cstride, h, w, s_x, z, dz, cout, &g, k, wf, rf, sw, lr, qas, &rng_f, wsf);
        else tt_conv2d_s8_weight_grad_fma_sgd_fast(x, cstride, h, w, s_x, z, dz, cout, &g, k, wf, sw, lr, qas, &rng_f, wsf);
        tt_conv2d_s8_weight_grad_sgd_residual(x, cstride, h, w, s_x, z, dz, cout, &g, k, wo, residual ? ro : 0, sw, lr, qas, &rng_o, wsr);
        for (i = 0; i < n; i++) {
            int d = wr[i] - wo[i];
            if (d < -1 || d > 1) near = -1000000;
            else near += d != 0;
        }
        total += n;
        if (!memcmp(wr, wf, (size_t)n) && !memcmp(rr, rf, (size_t)n) && rng_r == rng_f && rng_r == rng_o) continue;
        {
            int v[13] = { h, w, cin, cout, k, cstride, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, residual };
            if (!bad) shape_str(shape, v, 13);
            bad++;
        }
    }
    report("wgrad_fma", bad, cases, shape);
    report("wgrad_fma_vs_unfused_order", near < 0 || near * 100 > total, cases, "");
}

/* The streamed prefix's row kernels: every output row of a random ring (ring_rows of any
 * count; the kernels read input row iy at slot iy % ring_rows). */
static void check_rows(int cases, int dw) {
    int c, bad = 0; char shape[128] = "";
    for (c = 0; c < cases; c++) {
        int ch = dw ? (rnd(0, 2) == 0 ? 4 * rnd(1, 6) : rnd(1, 24)) : rnd(1, 7);
        int h = rnd(1, 16), w = rnd(1, 16), cout = dw ? ch : rnd(1, 20), ring_rows = rnd(1, h + 1), ho, wo, taps, us, oy;
        tt_quant q; tt_rq rq; tt_conv_geom g;
        if (!rand_geom(&g, h, w, dw ? 7 : 5, rnd(0, 1))) continue;
        ho = TT_CONV_OUT_H(&g, h); wo = TT_CONV_OUT_W(&g, w); taps = g.kh * g.kw;
        if (ring_rows * w * ch > NX || wo * cout > NX || (dw ? ch * taps : cout * taps * ch) > NW) continue;
        rand_quant(&q, &rq, cout); rand_bias(cout, &us);
        fill_s8(x, ring_rows * w * ch, -128, 127); fill_s8(wt, dw ? ch * taps : cout * taps * ch, -127, 127);
        for (oy = 0; oy < ho; oy++) {
            garbage();
            if (dw) {
                tt_dwconv_s8_row(x, ring_rows, h, w, ch, wt, us ? bias : 0, &g, &q, oy, yr);
                tt_dwconv_s8_row_fast(x, ring_rows, h, w, ch, wt, us ? bias : 0, &g, &rq, oy, yf);
            } else {
                tt_conv2d_s8_row(x, ring_rows, h, w, ch, wt, us ? bias : 0, cout, &g, &q, oy, yr);
                tt_conv2d_s8_row_fast(x, ring_rows, h, w, ch, wt, us ? bias : 0, cout, &g, &rq, oy, yf);
            }
            if (memcmp(yr, yf, (size_t)wo * cout)) break;
        }
        if (oy < ho) {
            int v[14] = { h, w, ch, cout, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.pb, g.pr, ring_rows, oy };
            if (!bad) shape_str(shape, v, 14);
            bad++;
        }
    }
    report(dw ? "dw_row" : "conv_row", bad, cases, shape);
}

/* The chunked backward's pointwise input gradients: a chunk of input channels (with and without
 * reading dz through a mask), and a chunk of output channels added into dx. */
static void check_pw_chunks(int cases, int acc) {
    int c, bad = 0, i; char shape[128] = "";
    for (c = 0; c < cases; c++) {
        int npix = rnd(1, 30), cin = rnd(1, 48), cout = rnd(1, acc ? 40 : 90), k = rnd(0, 1) ? rnd(1, cin) : 0;
        int c0 = rnd(0, cin - 1), n = rnd(1, cin - c0), masked = rnd(0, 1);
        if (acc) { n = cout; cout = 0; }
        if (npix * cin > NX || npix * (acc ? n : cout) > NX || (acc ? n : cout) * cin > NW) continue;
        for (i = 0; i < (acc ? n : cout); i++) sw[i] = rndf(0.0005f, 0.02f);
        for (i = 0; i < npix * (acc ? n : cout); i++) dz[i] = rnd(0, 3) == 0 ? 0.0f : rndf(-1.0f, 1.0f);
        fill_s8(wt, (acc ? n : cout) * cin, -127, 127); fill_s8(sl, (acc ? n : cout) * (k ? k : 1), -127, 127);
        for (i = 0; i < (int)sizeof mr; i++) mr[i] = (uint8_t)rnd(0, 255);
        if (acc) {
            for (i = 0; i < npix * cin; i++) dxr[i] = dxf[i] = rnd(0, 4) == 0 ? 0.0f : rndf(-2.0f, 2.0f);
            tt_pwconv_s8_bwd_input_acc(dz, npix, cin, wt, k ? sl : 0, k, sw, n, dxr);
            tt_pwconv_s8_bwd_input_acc_fast(dz, npix, cin, wt, k ? sl : 0, k, sw, n, dxf);
            if (!memcmp(dxr, dxf, sizeof(float) * (size_t)npix * cin)) continue;
        } else {
            memset(dxr, 0x7F, sizeof dxr); memset(dxf, 0x7F, sizeof dxf);
            /* a third of the cases a pooled gradient: one value per channel, broadcast (stride 0) */
            const int stride = rnd(0, 2) == 0 ? 0 : cout;
            tt_pwconv_s8_bwd_input_chunk(dz, stride, masked ? mr : 0, npix, cin, c0, n, wt, k ? sl : 0, k, sw, cout, dxr);
            tt_pwconv_s8_bwd_input_chunk_fast(dz, stride, masked ? mr : 0, npix, cin, c0, n, wt, k ? sl : 0, k, sw, cout, dxf);
            if (!memcmp(dxr, dxf, sizeof dxr)) continue;
        }
        {
            int v[7] = { npix, cin, acc ? n : cout, k, c0, n, masked };
            if (!bad) shape_str(shape, v, 7);
            bad++;
        }
    }
    report(acc ? "pw_bwd_input_acc" : "pw_bwd_input_chunk", bad, cases, shape);
}

/* the chunked backward's elementwise kernels: a clamp mask's channel chunk, a chunk's bias update */
static void check_chunk_elementwise(int cases) {
    int c, bad = 0, i; char shape[128] = "";
    static float gr[NX], gf[NX];
    for (c = 0; c < cases; c++) {
        int npix = rnd(1, 64), cc = rnd(1, 96), c0 = rnd(0, cc - 1), n = rnd(1, cc - c0);
        if (npix * cc > NX) continue;
        for (i = 0; i < npix * n; i++) gr[i] = gf[i] = rnd(0, 3) == 0 ? 0.0f : rndf(-1.0f, 1.0f);
        for (i = 0; i < (int)sizeof mr; i++) mr[i] = (uint8_t)rnd(0, 255);
        /* in place, as the generated code calls it */
        tt_mask_apply_chunk_f32(gr, mr, npix, cc, c0, n, gr);
        tt_mask_apply_chunk_f32_fast(gf, mr, npix, cc, c0, n, gf);
        for (i = 0; i < n; i++) { sw[i] = rndf(0.0005f, 0.02f); bias[i] = bsram[i] = rnd(-100000, 100000); }
        {
            const float sx = rndf(0.01f, 0.1f), lr = rndf(0.001f, 0.1f); const int qas = rnd(0, 1);
            tt_bias_grad_sgd_s32(gr, npix, n, bias, sx, sw, lr, qas);
            tt_bias_grad_sgd_s32_fast(gf, npix, n, bsram, sx, sw, lr, qas);
        }
        if (memcmp(gr, gf, sizeof(float) * (size_t)npix * n) || memcmp(bias, bsram, sizeof(int32_t) * (size_t)n)) goto fail;
        /* a whole tensor's mask (the fast code generator's tt_mask_apply_f32): the chunk kernel
         * over one 'pixel' of all the elements */
        npix = rnd(1, NX);
        for (i = 0; i < npix; i++) gr[i] = gf[i] = rnd(0, 3) == 0 ? 0.0f : rndf(-1.0f, 1.0f);
        tt_mask_apply_f32(gr, mr, npix, gr);
        tt_mask_apply_chunk_f32_fast(gf, mr, 1, npix, 0, npix, gf);
        if (!memcmp(gr, gf, sizeof(float) * (size_t)npix)) continue;
        cc = c0 = n = npix;
    fail:
        {
            int v[4] = { npix, cc, c0, n };
            if (!bad) shape_str(shape, v, 4);
            bad++;
        }
    }
    report("chunk_mask_bias", bad, cases, shape);
}

/* The residual add: outputs and every mask bit, scales drawn so that both the clamp at
 * [-128, 127] and exact halves of the rounding occur. */
static void check_add(int cases) {
    int c, bad = 0; char shape[128] = "";
    for (c = 0; c < cases; c++) {
        int n = rnd(1, 600), masked = rnd(0, 1), halves = rnd(0, 3) == 0;
        float s_a = rndf(0.005f, 0.1f), s_b = rndf(0.005f, 0.1f), s_y = rndf(0.005f, 0.2f);
        /* multipliers 1 and 0.5 exactly: every odd b - z_b gives a tie to round to even */
        if (halves) { s_y = s_a; s_b = s_a * 0.5f; }
        int32_t z_a = rnd(-128, 127), z_b = rnd(-128, 127), z_y = rnd(-128, 127);
        fill_s8(x, n, -128, 127); fill_s8(xr, n, -128, 127);
        garbage();
        if (rnd(0, 3) == 0) {
            /* in place, y = a (the generated code's residual add into its input) */
            memcpy(yr, x, (size_t)n); memcpy(yf, x, (size_t)n);
            tt_add_s8(yr, s_a, z_a, xr, s_b, z_b, n, s_y, z_y, yr, masked ? mr : 0);
            tt_add_s8_fast(yf, s_a, z_a, xr, s_b, z_b, n, s_y, z_y, yf, masked ? mf : 0);
        } else {
            tt_add_s8(x, s_a, z_a, xr, s_b, z_b, n, s_y, z_y, yr, masked ? mr : 0);
            tt_add_s8_fast(x, s_a, z_a, xr, s_b, z_b, n, s_y, z_y, yf, masked ? mf : 0);
        }
        if (memcmp(yr, yf, (size_t)n) || memcmp(mr, mf, sizeof mr)) {
            int v[5] = { n, z_a, z_b, z_y, masked };
            if (!bad) shape_str(shape, v, 5);
            bad++;
        }
    }
    report("add", bad, cases, shape);
}

int main(void) {
    tt_board_init();
    tt_rng_seed(&rng, 12345u);
    say(TT_SIMD_NATIVE ? "simd native\r\n" : TT_SIMD ? "simd portable\r\n" : TT_AVX2 ? "simd avx2\r\n" : "simd off\r\n");
    check_pw(400);
    check_conv(150);
    check_dw(300, 0);
    check_dw(300, 1);
    check_pw_bwd_input(150);
    check_dw_bwd_input(200);
    check_rows(150, 0);
    check_rows(200, 1);
    check_pw_chunks(150, 0);
    check_pw_chunks(150, 1);
    check_chunk_elementwise(200);
    check_add(200);
    check_wgrad(200);
    say(failures ? "fast_check FAIL\r\n" : "fast_check ok\r\n");
    tt_exit(failures ? 1 : 0);
}
