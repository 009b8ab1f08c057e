/*
 * op_runner.c - runs one int8 forward kernel on data given as whitespace-separated numbers on
 * stdin and prints the int8 output ("y ...") and, for the conv-like kernels and add, the clamp
 * mask bytes ("mask ..."). Used by the ONNX Runtime comparison test.
 *
 *   conv  h w cin cout G act s_x z_x s_y z_y k sram_bias | s_w[cout] x w(OHWI) b[cout]
 *   pw    h w cin cout act s_x z_x s_y z_y k sram_bias   | s_w x w([cout][cin]) b
 *   dw    h w c G act s_x z_x s_y z_y k sram_bias inplace | s_w[c] x w([c][kh][kw]) b
 * where G is the geometry "kh kw sh sw pt pl pb pr" (tt_conv_geom).
 *   add   n s_a z_a s_b z_b s_y z_y                                   | a[n] b[n]
 *   pool  h w c s_x z_x s_y z_y                                       | x[h*w*c]
 *
 * k > 0 exercises the sparse-update path: the values of the first k input channels (dw: the
 * first k channels) are moved into an SRAM slice and OVERWRITTEN with garbage in the flash
 * copy, so any read of the wrong copy changes the result. sram_bias = 1 likewise moves the bias
 * to the SRAM copy and corrupts the flash bias.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tt_kernels.h"

static int rd_i(void) { int v; if (scanf("%d", &v) != 1) { fprintf(stderr, "bad int\n"); exit(2); } return v; }
static float rd_f(void) { float v; if (scanf("%f", &v) != 1) { fprintf(stderr, "bad float\n"); exit(2); } return v; }
static void *xm(size_t n) { void *p = calloc(n ? n : 1, 1); if (!p) exit(2); return p; }
static void rd_s8(int8_t *p, size_t n) { for (size_t i = 0; i < n; i++) p[i] = (int8_t)rd_i(); }
static void out_s8(const int8_t *p, size_t n) { printf("y"); for (size_t i = 0; i < n; i++) printf(" %d", p[i]); printf("\n"); }
static void out_mask(const uint8_t *m, size_t n) { printf("mask"); for (size_t i = 0; i < TT_MASK_BYTES(n); i++) printf(" %u", m[i]); printf("\n"); }
static tt_conv_geom rd_geom(void)
{
    tt_conv_geom g;
    g.kh = rd_i(); g.kw = rd_i(); g.sh = rd_i(); g.sw = rd_i();
    g.pt = rd_i(); g.pl = rd_i(); g.pb = rd_i(); g.pr = rd_i();
    return g;
}
static int8_t garbage(size_t i) { return (int8_t)(((i * 2654435761u) >> 7) % 255 - 127); }

int main(void)
{
    char op[16];
    if (scanf("%15s", op) != 1) return 2;
    if (!strcmp(op, "conv") || !strcmp(op, "pw")) {
        int isconv = !strcmp(op, "conv");
        int h = rd_i(), w = rd_i(), cin = rd_i(), cout = rd_i();
        tt_conv_geom g = { 1, 1, 1, 1, 0, 0, 0, 0 };
        if (isconv) g = rd_geom();
        int kh = g.kh, kw = g.kw;
        int act = rd_i();
        float s_x = rd_f(); int z_x = rd_i(); float s_y = rd_f(); int z_y = rd_i();
        int k = rd_i(), sram_bias = rd_i();
        int ho = TT_CONV_OUT_H(&g, h), wo = TT_CONV_OUT_W(&g, w);
        size_t nx = (size_t)h * w * cin, nw = (size_t)cout * kh * kw * cin, ny = (size_t)ho * wo * cout;
        float *sw = xm(sizeof(float) * cout);
        int8_t *x = xm(nx), *wt = xm(nw), *sl = xm((size_t)cout * kh * kw * (k > 0 ? k : 1)), *y = xm(ny);
        int32_t *b = xm(sizeof(int32_t) * cout), *bs = xm(sizeof(int32_t) * cout);
        uint8_t *mask = xm(TT_MASK_BYTES(ny));
        for (int o = 0; o < cout; o++) sw[o] = rd_f();
        rd_s8(x, nx); rd_s8(wt, nw);
        for (int o = 0; o < cout; o++) b[o] = rd_i();
        for (size_t t = 0; t < (size_t)cout * kh * kw; t++)
            for (int i = 0; i < k; i++) { sl[t * k + i] = wt[t * cin + i]; wt[t * cin + i] = garbage(t * cin + i); }
        if (sram_bias) for (int o = 0; o < cout; o++) { bs[o] = b[o]; b[o] = 123456789; }
        tt_quant q = {s_x, z_x, s_y, z_y, sw, act};
        memset(mask, 0xA5, TT_MASK_BYTES(ny)); /* the kernel must write every bit */
        if (isconv) tt_conv2d_s8(x, h, w, cin, wt, k ? sl : NULL, k, b, sram_bias ? bs : NULL, cout, &g, &q, y, mask);
        else tt_pwconv_s8(x, h, w, cin, wt, k ? sl : NULL, k, b, sram_bias ? bs : NULL, cout, &q, y, mask);
        out_s8(y, ny); out_mask(mask, ny);
    } else if (!strcmp(op, "dw")) {
        int h = rd_i(), w = rd_i(), c = rd_i();
        tt_conv_geom g = rd_geom();
        int kh = g.kh, kw = g.kw, act = rd_i();
        float s_x = rd_f(); int z_x = rd_i(); float s_y = rd_f(); int z_y = rd_i();
        int k = rd_i(), sram_bias = rd_i(), inplace = rd_i();
        int ho = TT_CONV_OUT_H(&g, h), wo = TT_CONV_OUT_W(&g, w);
        size_t nx = (size_t)h * w * c, nw = (size_t)c * kh * kw, ny = (size_t)ho * wo * c;
        float *sw = xm(sizeof(float) * c);
        int8_t *x = xm(nx), *wt = xm(nw), *sl = xm((size_t)(k > 0 ? k : 1) * kh * kw), *y = xm(ny), *tmp = xm((size_t)h * w);
        int32_t *b = xm(sizeof(int32_t) * c), *bs = xm(sizeof(int32_t) * c);
        uint8_t *mask = xm(TT_MASK_BYTES(ny));
        for (int o = 0; o < c; o++) sw[o] = rd_f();
        rd_s8(x, nx); rd_s8(wt, nw);
        for (int o = 0; o < c; o++) b[o] = rd_i();
        for (size_t i = 0; i < (size_t)k * kh * kw; i++) { sl[i] = wt[i]; wt[i] = garbage(i); }
        if (sram_bias) for (int o = 0; o < c; o++) { bs[o] = b[o]; b[o] = -123456789; }
        tt_quant q = {s_x, z_x, s_y, z_y, sw, act};
        memset(mask, 0x5A, TT_MASK_BYTES(ny));
        if (inplace) {
            tt_dwconv_s8_inplace(x, h, w, c, wt, k ? sl : NULL, k, b, sram_bias ? bs : NULL, &g, &q, tmp, mask);
            out_s8(x, ny);
        } else {
            tt_dwconv_s8(x, h, w, c, wt, k ? sl : NULL, k, b, sram_bias ? bs : NULL, &g, &q, y, mask);
            out_s8(y, ny);
        }
        out_mask(mask, ny);
    } else if (!strcmp(op, "add")) {
        int n = rd_i();
        float s_a = rd_f(); int z_a = rd_i(); float s_b = rd_f(); int z_b = rd_i(); float s_y = rd_f(); int z_y = rd_i();
        int8_t *a = xm((size_t)n), *b = xm((size_t)n), *y = xm((size_t)n);
        uint8_t *mask = xm(TT_MASK_BYTES(n));
        rd_s8(a, (size_t)n); rd_s8(b, (size_t)n);
        tt_add_s8(a, s_a, z_a, b, s_b, z_b, n, s_y, z_y, y, mask);
        out_s8(y, (size_t)n); out_mask(mask, (size_t)n);
    } else if (!strcmp(op, "pool")) {
        int h = rd_i(), w = rd_i(), c = rd_i();
        float s_x = rd_f(); int z_x = rd_i(); float s_y = rd_f(); int z_y = rd_i();
        int8_t *x = xm((size_t)h * w * c), *y = xm((size_t)c);
        rd_s8(x, (size_t)h * w * c);
        tt_avgpool_s8(x, h, w, c, s_x, z_x, s_y, z_y, y);
        out_s8(y, (size_t)c);
    } else {
        fprintf(stderr, "unknown op %s\n", op);
        return 2;
    }
    return 0;
}
