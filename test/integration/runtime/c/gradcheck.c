/*
 * gradcheck.c - independent-oracle gradient checks for the TinyTrain kernels.
 *
 * The oracle is a separate, naive double-precision implementation of every forward op
 * (written here, not shared with runtime/kernels). Gradients produced by the float32 kernels
 * are compared with central finite differences of a scalar loss evaluated by the double
 * oracle. Every check prints one JSON line:
 *   {"check": "...", "metric": "maxrel"|"normrel", "err": e, "tol": t}
 * maxrel  = max_j |g_j - fd_j| / max_j |fd_j|     (per tensor)
 * normrel = ||g - fd||_2 / ||fd||_2               (per tensor; used for the int8 path)
 * The node test asserts err < tol for every line and that the driver exits with 0.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tt_kernels.h"

static int tt_mask_get_bit(const uint8_t *m, int e) { return (m[e >> 3] >> (e & 7)) & 1; }

/* ---------------- small utilities ---------------- */
static uint64_t rs = 0x1234567887654321ull;
static double urand(void) /* [0,1) splitmix64 */
{
    uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}
static double frand(double lo, double hi) { return (double)(float)(lo + (hi - lo) * urand()); }
static int irand(int lo, int hi) { return lo + (int)(urand() * (double)(hi - lo + 1)); }

static double *dalloc(size_t n) { double *p = calloc(n ? n : 1, sizeof(double)); if (!p) exit(2); return p; }
static float *falloc(size_t n) { float *p = calloc(n ? n : 1, sizeof(float)); if (!p) exit(2); return p; }
static void fill(double *p, size_t n, double lo, double hi) { size_t i; for (i = 0; i < n; i++) p[i] = frand(lo, hi); }
static float *tof(const double *p, size_t n) { float *f = falloc(n); size_t i; for (i = 0; i < n; i++) f[i] = (float)p[i]; return f; }
static int osz(int n, int s) { return (n + s - 1) / s; }

/* Geometry of the layer under test. The oracle reads only kh, kw, sh, sw, pt, pl and the output
 * size ho = (h + pt + pb - kh) / sh + 1 (wo likewise), written out here, not via TT_CONV_OUT_*. */
static int osz_pad(int n, int k, int s, int before, int after) { return (n + before + after - k) / s + 1; }
/* The config language's centred "same" padding for a square k x k kernel and stride s. */
static tt_conv_geom same_geom(int h, int w, int k, int s)
{
    tt_conv_geom g;
    g.kh = g.kw = k; g.sh = g.sw = s; g.pt = g.pl = (k - 1) / 2;
    g.pb = (osz(h, s) - 1) * s + k - h - g.pt; if (g.pb < 0) g.pb = 0;
    g.pr = (osz(w, s) - 1) * s + k - w - g.pl; if (g.pr < 0) g.pr = 0;
    return g;
}
static tt_conv_geom geom(int kh, int kw, int sh, int sw, int pt, int pl, int pb, int pr)
{
    tt_conv_geom g;
    g.kh = kh; g.kw = kw; g.sh = sh; g.sw = sw; g.pt = pt; g.pl = pl; g.pb = pb; g.pr = pr;
    return g;
}

static int failures = 0;
static void report(const char *check, const char *metric, const float *g, const double *fd, size_t n, double tol)
{
    double num = 0, den = 0, mx = 0, mfd = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        double d = (double)g[i] - fd[i];
        num += d * d; den += fd[i] * fd[i];
        if (fabs(d) > mx) mx = fabs(d);
        if (fabs(fd[i]) > mfd) mfd = fabs(fd[i]);
    }
    double err = strcmp(metric, "maxrel") == 0 ? mx / (mfd > 1e-30 ? mfd : 1e-30)
                                               : sqrt(num) / (den > 0 ? sqrt(den) : 1e-30);
    if (!(err < tol)) failures++;
    printf("{\"check\":\"%s\",\"metric\":\"%s\",\"err\":%.3e,\"tol\":%.1e,\"n\":%zu,\"scale\":%.3e}\n",
           check, metric, err, tol, n, mfd);
}
/* forward-value check: max |a-b| / max |b| */
static void report_fwd(const char *check, const float *a, const double *b, size_t n, double tol)
{
    report(check, "maxrel", a, b, n, tol);
}

/* ---------------- the double oracle ---------------- */
/* Grouped conv, HWC, weights [cout][kh][kw][cin/groups], explicit padding, stride per axis. */
static void o_conv(const double *x, int h, int w, int cin, const double *wt, const double *b,
                   int cout, const tt_conv_geom *gm, int groups, double *y)
{
    int kh = gm->kh, kw = gm->kw;
    int ho = osz_pad(h, kh, gm->sh, gm->pt, gm->pb), wo = osz_pad(w, kw, gm->sw, gm->pl, gm->pr);
    int cg = cin / groups, og = cout / groups;
    for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
            for (int o = 0; o < cout; o++) {
                double acc = b ? b[o] : 0.0;
                int g = o / og;
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++) {
                        int iy = oy * gm->sh + ky - gm->pt, ix = ox * gm->sw + kx - gm->pl;
                        if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue;
                        for (int j = 0; j < cg; j++)
                            acc += wt[((o * kh + ky) * kw + kx) * cg + j] * x[(iy * w + ix) * cin + g * cg + j];
                    }
                y[(oy * wo + ox) * cout + o] = acc;
            }
}
static void o_clamp(double *v, size_t n, double lo, double hi) { for (size_t i = 0; i < n; i++) v[i] = v[i] < lo ? lo : (v[i] > hi ? hi : v[i]); }
static void o_pool(const double *x, int npix, int c, double *y)
{
    for (int ch = 0; ch < c; ch++) { double s = 0; for (int p = 0; p < npix; p++) s += x[p * c + ch]; y[ch] = s / npix; }
}
static void o_fc(const double *x, int cin, const double *wt, const double *b, int cout, double *y)
{
    for (int o = 0; o < cout; o++) { double s = b ? b[o] : 0; for (int i = 0; i < cin; i++) s += wt[o * cin + i] * x[i]; y[o] = s; }
}
static double o_nll(const double *l, int n, int label)
{
    double mx = l[0], s = 0;
    for (int i = 1; i < n; i++) if (l[i] > mx) mx = l[i];
    for (int i = 0; i < n; i++) s += exp(l[i] - mx);
    return log(s) + mx - l[label];
}
static double dot(const double *a, const double *b, size_t n) { double s = 0; for (size_t i = 0; i < n; i++) s += a[i] * b[i]; return s; }

/* central finite differences of loss() w.r.t. p[0..n-1] */
typedef double (*loss_fn)(void);
static void fdiff(loss_fn L, double *p, size_t n, double eps, double *out)
{
    for (size_t j = 0; j < n; j++) {
        double save = p[j];
        p[j] = save + eps; double lp = L();
        p[j] = save - eps; double lm = L();
        p[j] = save;
        out[j] = (lp - lm) / (2 * eps);
    }
}
/* like fdiff but only for the first k of every group of `stride` entries (sparse slices).
 * out is compact [n/stride][k]. */
static void fdiff_slice(loss_fn L, double *p, size_t n, int stride, int k, double eps, double *out)
{
    size_t m = 0;
    for (size_t j = 0; j < n; j++) {
        if ((int)(j % (size_t)stride) >= k) continue;
        double save = p[j];
        p[j] = save + eps; double lp = L();
        p[j] = save - eps; double lm = L();
        p[j] = save;
        out[m++] = (lp - lm) / (2 * eps);
    }
}

/* ================= fp32 kernels, one layer, loss = sum r .* y ================= */
static struct { int h, w, cin, cout, groups; tt_conv_geom g; double *x, *wt, *b, *r, *y; } G;
static double loss_layer(void)
{
    int ho = osz_pad(G.h, G.g.kh, G.g.sh, G.g.pt, G.g.pb), wo = osz_pad(G.w, G.g.kw, G.g.sw, G.g.pl, G.g.pr);
    o_conv(G.x, G.h, G.w, G.cin, G.wt, G.b, G.cout, &G.g, G.groups, G.y);
    return dot(G.r, G.y, (size_t)ho * wo * G.cout);
}

/* A geometry as text for the check names: "k3x3 s2x2 p1,1,0,0". */
static const char *geom_text(const tt_conv_geom *g)
{
    static char t[64];
    snprintf(t, sizeof t, "k%dx%d s%dx%d p%d,%d,%d,%d", g->kh, g->kw, g->sh, g->sw, g->pt, g->pl, g->pb, g->pr);
    return t;
}

/* kind: 0 conv, 1 dw, 2 pw (pw ignores gm: 1x1, stride 1, no padding) */
static void check_f32_layer_geom(int kind, int h, int w, int cin, int cout, tt_conv_geom gm)
{
    char name[160];
    const char *kn = kind == 0 ? "conv2d_f32" : kind == 1 ? "dwconv_f32" : "pwconv_f32";
    int groups = kind == 1 ? cin : 1;
    if (kind == 1) cout = cin;
    if (kind == 2) gm = geom(1, 1, 1, 1, 0, 0, 0, 0);
    int kh = gm.kh, kw = gm.kw;
    int ho = osz_pad(h, kh, gm.sh, gm.pt, gm.pb), wo = osz_pad(w, kw, gm.sw, gm.pl, gm.pr);
    const char *gt = geom_text(&gm);
    size_t nx = (size_t)h * w * cin, nw = (size_t)cout * kh * kw * (cin / groups), ny = (size_t)ho * wo * cout;
    G.h = h; G.w = w; G.cin = cin; G.cout = cout; G.g = gm; G.groups = groups;
    G.x = dalloc(nx); G.wt = dalloc(nw); G.b = dalloc(cout); G.r = dalloc(ny); G.y = dalloc(ny);
    fill(G.x, nx, -1, 1); fill(G.wt, nw, -1, 1); fill(G.b, cout, -1, 1); fill(G.r, ny, -1, 1);
    float *fx = tof(G.x, nx), *fw = tof(G.wt, nw), *fb = tof(G.b, cout), *fr = tof(G.r, ny), *fy = falloc(ny);
    float *gx = falloc(nx), *gw = falloc(nw), *gb = falloc(cout);
    double *fd = dalloc(nx > nw ? nx : nw);
    /* forward */
    if (kind == 0) tt_conv2d_f32(fx, h, w, cin, fw, fb, cout, &gm, fy);
    else if (kind == 1) tt_dwconv_f32(fx, h, w, cin, fw, fb, &gm, fy);
    else tt_pwconv_f32(fx, h, w, cin, fw, fb, cout, fy);
    loss_layer();
    snprintf(name, sizeof name, "%s forward h%d w%d c%d->%d %s", kn, h, w, cin, cout, gt);
    report_fwd(name, fy, G.y, ny, 1e-5);
    /* backward */
    if (kind == 0) { tt_conv2d_f32_bwd_input(fr, h, w, cin, fw, cout, &gm, gx); tt_conv2d_f32_bwd_weight(fx, h, w, cin, fr, cout, &gm, gw); }
    else if (kind == 1) { tt_dwconv_f32_bwd_input(fr, h, w, cin, fw, &gm, gx); tt_dwconv_f32_bwd_weight(fx, h, w, cin, fr, &gm, gw); }
    else { tt_pwconv_f32_bwd_input(fr, h, w, cin, fw, cout, gx); tt_pwconv_f32_bwd_weight(fx, h, w, cin, fr, cout, gw); }
    tt_bias_grad_f32(fr, ho * wo, cout, gb);
    fdiff(loss_layer, G.x, nx, 1e-3, fd);
    snprintf(name, sizeof name, "%s dx h%d w%d c%d->%d %s", kn, h, w, cin, cout, gt);
    report(name, "maxrel", gx, fd, nx, 1e-3);
    fdiff(loss_layer, G.wt, nw, 1e-3, fd);
    snprintf(name, sizeof name, "%s dW h%d w%d c%d->%d %s", kn, h, w, cin, cout, gt);
    report(name, "maxrel", gw, fd, nw, 1e-3);
    fdiff(loss_layer, G.b, cout, 1e-3, fd);
    snprintf(name, sizeof name, "%s db (tt_bias_grad_f32) h%d w%d c%d->%d", kn, h, w, cin, cout);
    report(name, "maxrel", gb, fd, cout, 1e-3);
    free(G.x); free(G.wt); free(G.b); free(G.r); free(G.y);
    free(fx); free(fw); free(fb); free(fr); free(fy); free(gx); free(gw); free(gb); free(fd);
}

/* A square k x k layer with stride s and the config's centred "same" padding. */
static void check_f32_layer(int kind, int h, int w, int cin, int cout, int k, int s)
{
    check_f32_layer_geom(kind, h, w, cin, cout, same_geom(h, w, k, s));
}

/* fc, add, pool, relu6, loss */
static struct { int n, m; double *x, *x2, *wt, *b, *r, *y; int label; } S;
static double loss_fc(void) { o_fc(S.x, S.n, S.wt, S.b, S.m, S.y); return dot(S.r, S.y, S.m); }
static double loss_add(void) { double s = 0; for (int i = 0; i < S.n; i++) s += S.r[i] * (S.x[i] + S.x2[i]); return s; }
static double loss_pool(void) { o_pool(S.x, S.n, S.m, S.y); return dot(S.r, S.y, S.m); }
static double loss_relu6(void) { double s = 0; for (int i = 0; i < S.n; i++) { double v = S.x[i] < 0 ? 0 : (S.x[i] > 6 ? 6 : S.x[i]); s += S.r[i] * v; } return s; }
static double loss_nll(void) { return o_nll(S.x, S.n, S.label); }

static void check_small_ops(void)
{
    /* fc f32 */
    int n = 12, m = 5;
    S.n = n; S.m = m; S.x = dalloc(n); S.wt = dalloc(n * m); S.b = dalloc(m); S.r = dalloc(m); S.y = dalloc(m);
    fill(S.x, n, -1, 1); fill(S.wt, n * m, -1, 1); fill(S.b, m, -1, 1); fill(S.r, m, -1, 1);
    float *fx = tof(S.x, n), *fw = tof(S.wt, n * m), *fb = tof(S.b, m), *fr = tof(S.r, m), *fy = falloc(m);
    float *gx = falloc(n), *gw = falloc(n * m), *gb = falloc(m);
    double *fd = dalloc(n * m);
    tt_fc_f32(fx, n, fw, fb, m, fy); loss_fc();
    report_fwd("fc_f32 forward 12->5", fy, S.y, m, 1e-5);
    tt_fc_f32_bwd(fx, n, fw, m, fr, gx, gw, gb);
    fdiff(loss_fc, S.x, n, 1e-3, fd); report("fc_f32_bwd dx 12->5", "maxrel", gx, fd, n, 1e-3);
    fdiff(loss_fc, S.wt, n * m, 1e-3, fd); report("fc_f32_bwd dW 12->5", "maxrel", gw, fd, n * m, 1e-3);
    fdiff(loss_fc, S.b, m, 1e-3, fd); report("fc_f32_bwd db 12->5", "maxrel", gb, fd, m, 1e-3);
    free(S.x); free(S.wt); free(S.b); free(S.r); free(S.y); free(fx); free(fw); free(fb); free(fr); free(fy); free(gx); free(gw); free(gb); free(fd);

    /* add f32 + add_bwd */
    n = 40; S.n = n; S.x = dalloc(n); S.x2 = dalloc(n); S.r = dalloc(n);
    fill(S.x, n, -1, 1); fill(S.x2, n, -1, 1); fill(S.r, n, -1, 1);
    {
        float *a = tof(S.x, n), *b = tof(S.x2, n), *r = tof(S.r, n), *y = falloc(n), *da = falloc(n), *db = falloc(n);
        double *ref = dalloc(n), *fd2 = dalloc(n);
        for (int i = 0; i < n; i++) ref[i] = S.x[i] + S.x2[i];
        tt_add_f32(a, b, n, y); report_fwd("add_f32 forward", y, ref, n, 1e-6);
        tt_add_bwd_f32(r, n, da, db);
        fdiff(loss_add, S.x, n, 1e-3, fd2); report("add_bwd_f32 da", "maxrel", da, fd2, n, 1e-3);
        fdiff(loss_add, S.x2, n, 1e-3, fd2); report("add_bwd_f32 db", "maxrel", db, fd2, n, 1e-3);
        /* accumulate: da + db must equal 2 r */
        tt_accumulate_f32(da, db, n);
        for (int i = 0; i < n; i++) ref[i] = 2 * S.r[i];
        report_fwd("accumulate_f32", da, ref, n, 1e-6);
        free(a); free(b); free(r); free(y); free(da); free(db); free(ref); free(fd2);
    }
    free(S.x); free(S.x2); free(S.r);

    /* pool f32 + bwd: npix = 5*3, c = 6 */
    {
        int h = 5, w = 3, c = 6, np = h * w;
        S.n = np; S.m = c; S.x = dalloc(np * c); S.r = dalloc(c); S.y = dalloc(c);
        fill(S.x, np * c, -1, 1); fill(S.r, c, -1, 1);
        float *x = tof(S.x, np * c), *r = tof(S.r, c), *y = falloc(c), *dx = falloc(np * c);
        double *fd2 = dalloc(np * c);
        tt_avgpool_f32(x, h, w, c, y); loss_pool(); report_fwd("avgpool_f32 forward", y, S.y, c, 1e-5);
        tt_avgpool_bwd_f32(r, h, w, c, dx);
        fdiff(loss_pool, S.x, np * c, 1e-3, fd2); report("avgpool_bwd_f32 dx", "maxrel", dx, fd2, np * c, 1e-3);
        free(S.x); free(S.r); free(S.y); free(x); free(r); free(y); free(dx); free(fd2);
    }

    /* relu6 + bwd, inputs kept >= 0.01 away from the kinks at 0 and 6 */
    {
        n = 64; S.n = n; S.x = dalloc(n); S.r = dalloc(n);
        for (int i = 0; i < n; i++) { double v; do v = frand(-2, 8); while (fabs(v) < 0.01 || fabs(v - 6) < 0.01); S.x[i] = v; }
        fill(S.r, n, -1, 1);
        float *x = tof(S.x, n), *r = tof(S.r, n), *y = falloc(n), *dx = falloc(n);
        double *ref = dalloc(n), *fd2 = dalloc(n);
        for (int i = 0; i < n; i++) ref[i] = S.x[i] < 0 ? 0 : (S.x[i] > 6 ? 6 : S.x[i]);
        tt_relu6_f32(x, n, y); report_fwd("relu6_f32 forward", y, ref, n, 1e-7);
        tt_relu6_bwd_f32(y, r, n, dx);
        fdiff(loss_relu6, S.x, n, 1e-3, fd2); report("relu6_bwd_f32 dx", "maxrel", dx, fd2, n, 1e-3);
        free(S.x); free(S.r); free(x); free(r); free(y); free(dx); free(ref); free(fd2);
    }

    /* log-softmax + NLL */
    {
        n = 10; S.n = n; S.label = 3; S.x = dalloc(n);
        fill(S.x, n, -3, 3);
        float *l = tof(S.x, n), *dl = falloc(n);
        double *fd2 = dalloc(n), lref = o_nll(S.x, n, S.label);
        int am = -1, amref = 0;
        for (int i = 1; i < n; i++) if (S.x[i] > S.x[amref]) amref = i;
        float loss = tt_log_softmax_nll(l, n, S.label, dl, &am);
        report_fwd("log_softmax_nll loss value", &loss, &lref, 1, 1e-5);
        printf("{\"check\":\"log_softmax_nll argmax\",\"metric\":\"exact\",\"err\":%d,\"tol\":1}\n", am == amref ? 0 : 1);
        if (am != amref) failures++;
        fdiff(loss_nll, S.x, n, 1e-4, fd2); report("log_softmax_nll dlogits", "maxrel", dl, fd2, n, 1e-3);
        free(S.x); free(l); free(dl); free(fd2);
    }
}

/* ================= int8-weight float-backward kernels vs the dequantized model ================ */
/* Q: one quantized layer. The effective REAL weight seen by the kernels is s_w[o]*q where q comes
 * from the SRAM slice for input channel i < k (dw: channel < k) and from flash otherwise. */
static void check_s8_layer_geom(int kind, int h, int w, int cin, int cout, tt_conv_geom gm, int kslice)
{
    char name[200];
    const char *kn = kind == 0 ? "conv2d_s8" : kind == 1 ? "dwconv_s8" : "pwconv_s8";
    int groups = kind == 1 ? cin : 1;
    if (kind == 1) cout = cin;
    if (kind == 2) gm = geom(1, 1, 1, 1, 0, 0, 0, 0);
    int kk = gm.kh * gm.kw; /* taps per channel */
    int ho = osz_pad(h, gm.kh, gm.sh, gm.pt, gm.pb), wo = osz_pad(w, gm.kw, gm.sw, gm.pl, gm.pr), cg = cin / groups;
    const char *gt = geom_text(&gm);
    size_t nx = (size_t)h * w * cin, nw = (size_t)cout * kk * cg, ny = (size_t)ho * wo * cout;
    float s_x = 0.05f; int32_t z_x = irand(-20, 20);
    int8_t *xq = malloc(nx), *wf = malloc(nw), *wsl = malloc(nw);
    float *sw = falloc(cout);
    for (size_t i = 0; i < nx; i++) xq[i] = (int8_t)irand(-128, 127);
    for (size_t i = 0; i < nw; i++) wf[i] = (int8_t)irand(-127, 127);
    for (int o = 0; o < cout; o++) sw[o] = (float)frand(0.002, 0.02);
    /* SRAM slice: different values than flash, so reading the wrong one is caught */
    size_t nsl = 0;
    if (kind == 1) { for (size_t i = 0; i < (size_t)kslice * kk; i++) wsl[nsl++] = (int8_t)irand(-127, 127); }
    else { for (size_t i = 0; i < (size_t)cout * kk * kslice; i++) wsl[nsl++] = (int8_t)irand(-127, 127); }
    /* effective real weights */
    G.wt = dalloc(nw);
    for (int o = 0; o < cout; o++)
        for (int t = 0; t < kk; t++)
            for (int i = 0; i < cg; i++) {
                size_t idx = ((size_t)o * kk + t) * cg + i;
                int q;
                if (kind == 1) q = o < kslice ? wsl[(size_t)o * kk + t] : wf[idx];
                else q = i < kslice ? wsl[((size_t)o * kk + t) * kslice + i] : wf[idx];
                G.wt[idx] = (double)sw[o] * q;
            }
    G.h = h; G.w = w; G.cin = cin; G.cout = cout; G.g = gm; G.groups = groups;
    G.x = dalloc(nx); G.b = dalloc(cout); G.r = dalloc(ny); G.y = dalloc(ny);
    for (size_t i = 0; i < nx; i++) G.x[i] = (double)s_x * (xq[i] - z_x);
    fill(G.b, cout, -1, 1); fill(G.r, ny, -1, 1);
    float *fr = tof(G.r, ny), *gx = falloc(nx), *gw = falloc(nw);
    double *fd = dalloc(nx > nw ? nx : nw);
    /* saved input as a compact [h][w][kslice] slice (conv/pw) or [h][w][kslice] (dw) */
    int8_t *xs = malloc((size_t)h * w * kslice + 1);
    for (int p = 0; p < h * w; p++) for (int i = 0; i < kslice; i++) xs[p * kslice + i] = xq[p * cin + i];
    if (kind == 0) {
        tt_conv2d_s8_bwd_input(fr, h, w, cin, wf, wsl, kslice, sw, cout, &gm, gx);
        tt_conv2d_s8_bwd_weight(xs, kslice, h, w, s_x, z_x, fr, cout, &gm, kslice, gw);
    } else if (kind == 1) {
        tt_dwconv_s8_bwd_input(fr, h, w, cin, wf, wsl, kslice, sw, &gm, gx);
        tt_dwconv_s8_bwd_weight(xs, kslice, h, w, s_x, z_x, fr, cin, &gm, kslice, gw);
    } else {
        tt_pwconv_s8_bwd_input(fr, h, w, cin, wf, wsl, kslice, sw, cout, gx);
        tt_pwconv_s8_bwd_weight(xs, kslice, h, w, s_x, z_x, fr, cout, kslice, gw);
    }
    fdiff(loss_layer, G.x, nx, 1e-3, fd);
    snprintf(name, sizeof name, "%s_bwd_input h%d w%d c%d->%d %s slice%d", kn, h, w, cin, cout, gt, kslice);
    report(name, "maxrel", gx, fd, nx, 1e-3);
    if (kind == 1) { fdiff(loss_layer, G.wt, (size_t)kslice * kk, 1e-3, fd); nsl = (size_t)kslice * kk; }
    else { fdiff_slice(loss_layer, G.wt, nw, cg, kslice, 1e-3, fd); nsl = (size_t)cout * kk * kslice; }
    snprintf(name, sizeof name, "%s_bwd_weight (compact saved slice) h%d w%d c%d->%d %s slice%d", kn, h, w, cin, cout, gt, kslice);
    report(name, "maxrel", gw, fd, nsl, 1e-3);
    /* also the full-tensor saved input (x_cstride = cin) must give the same gradient */
    {
        float *gw2 = falloc(nw);
        if (kind == 0) tt_conv2d_s8_bwd_weight(xq, cin, h, w, s_x, z_x, fr, cout, &gm, kslice, gw2);
        else if (kind == 1) tt_dwconv_s8_bwd_weight(xq, cin, h, w, s_x, z_x, fr, cin, &gm, kslice, gw2);
        else tt_pwconv_s8_bwd_weight(xq, cin, h, w, s_x, z_x, fr, cout, kslice, gw2);
        snprintf(name, sizeof name, "%s_bwd_weight (full saved input) slice%d", kn, kslice);
        report(name, "maxrel", gw2, fd, nsl, 1e-3);
        free(gw2);
    }
    free(xq); free(wf); free(wsl); free(sw); free(xs);
    free(G.wt); free(G.x); free(G.b); free(G.r); free(G.y); free(fr); free(gx); free(gw); free(fd);
}

/* A square k x k layer with stride s and the config's centred "same" padding. */
static void check_s8_layer(int kind, int h, int w, int cin, int cout, int k, int s, int kslice)
{
    check_s8_layer_geom(kind, h, w, cin, cout, same_geom(h, w, k, s), kslice);
}

static struct { int cin, cout; double *x, *wt, *b, *r; } F;
static double loss_fcq(void) { double y[64]; o_fc(F.x, F.cin, F.wt, F.b, F.cout, y); return dot(F.r, y, F.cout); }
static void check_fc_s8(void)
{
    int cin = 12, cout = 5, k = 6;
    float s_x = 0.04f; int32_t z_x = 7;
    int8_t xq[12], wf[60], wsl[30]; float sw[5];
    for (int i = 0; i < cin; i++) xq[i] = (int8_t)irand(-128, 127);
    for (int i = 0; i < cout * cin; i++) wf[i] = (int8_t)irand(-127, 127);
    for (int i = 0; i < cout * k; i++) wsl[i] = (int8_t)irand(-127, 127);
    for (int o = 0; o < cout; o++) sw[o] = (float)frand(0.005, 0.02);
    F.cin = cin; F.cout = cout; F.x = dalloc(cin); F.wt = dalloc(cin * cout); F.b = dalloc(cout); F.r = dalloc(cout);
    for (int i = 0; i < cin; i++) F.x[i] = (double)s_x * (xq[i] - z_x);
    for (int o = 0; o < cout; o++) for (int i = 0; i < cin; i++) F.wt[o * cin + i] = (double)sw[o] * (i < k ? wsl[o * k + i] : wf[o * cin + i]);
    fill(F.b, cout, -1, 1); fill(F.r, cout, -1, 1);
    float *fr = tof(F.r, cout), dx[12], dw[30], db[5];
    double fd[64];
    /* forward check of tt_fc_s8 vs the oracle with an int32 bias */
    {
        int32_t bq[5]; double yr[5], bb[5]; float lg[5];
        for (int o = 0; o < cout; o++) { bq[o] = irand(-3000, 3000); bb[o] = (double)s_x * sw[o] * bq[o]; }
        o_fc(F.x, cin, F.wt, bb, cout, yr);
        tt_fc_s8(xq, cin, s_x, z_x, wf, wsl, k, sw, NULL, bq, cout, lg);
        report_fwd("fc_s8 forward (sram slice + sram bias)", lg, yr, cout, 1e-5);
    }
    tt_fc_s8_bwd(xq, cin, s_x, z_x, wf, wsl, k, sw, cout, fr, dx, dw, db);
    fdiff(loss_fcq, F.x, cin, 1e-3, fd); report("fc_s8_bwd dx", "maxrel", dx, fd, cin, 1e-3);
    fdiff_slice(loss_fcq, F.wt, cin * cout, cin, k, 1e-3, fd); report("fc_s8_bwd dW slice6", "maxrel", dw, fd, cout * k, 1e-3);
    fdiff(loss_fcq, F.b, cout, 1e-3, fd); report("fc_s8_bwd db", "maxrel", db, fd, cout, 1e-3);
    free(F.x); free(F.wt); free(F.b); free(F.r); free(fr);
}

/* ================= hand-chained fp32 network ================= */
/* x[8x8x3] -conv3x3 s2 (3->8)-> relu6 -> dw3x3 s1 -> relu6 -> pw (8->8) -> + (skip from the
 * first relu6) -> global avg pool -> fc (8->5) -> log-softmax NLL */
#define NH 8
#define NW 8
#define NC0 3
#define NC 8
#define NO 5
#define NP 16 /* 4x4 */
/* The network's geometries: 3x3 stride 2 on 8x8 (centred "same"), 3x3 stride 1 on 4x4, 1x1. */
static const tt_conv_geom g_first = { 3, 3, 2, 2, 1, 1, 0, 0 };
static const tt_conv_geom g_dw = { 3, 3, 1, 1, 1, 1, 1, 1 };
static const tt_conv_geom g_pw = { 1, 1, 1, 1, 0, 0, 0, 0 };
static struct { double x[NH * NW * NC0], w1[NC * 9 * NC0], b1[NC], w2[NC * 9], b2[NC], w3[NC * NC], b3[NC], w5[NO * NC], b5[NC]; int label; } N;
static double net_loss(void)
{
    double a1[NP * NC], a2[NP * NC], a3[NP * NC], p[NC], l[NO];
    o_conv(N.x, NH, NW, NC0, N.w1, N.b1, NC, &g_first, 1, a1); o_clamp(a1, NP * NC, 0, 6);
    o_conv(a1, 4, 4, NC, N.w2, N.b2, NC, &g_dw, NC, a2); o_clamp(a2, NP * NC, 0, 6);
    o_conv(a2, 4, 4, NC, N.w3, N.b3, NC, &g_pw, 1, a3);
    for (int i = 0; i < NP * NC; i++) a3[i] += a1[i];
    o_pool(a3, NP, NC, p);
    o_fc(p, NC, N.w5, N.b5, NO, l);
    return o_nll(l, NO, N.label);
}
static void check_f32_network(void)
{
    fill(N.x, sizeof N.x / 8, -1, 1); fill(N.w1, sizeof N.w1 / 8, -1.5, 1.5); fill(N.b1, NC, 0.5, 3.0);
    fill(N.w2, sizeof N.w2 / 8, -0.6, 0.6); fill(N.b2, NC, 0.5, 2.0); fill(N.w3, sizeof N.w3 / 8, -0.6, 0.6);
    fill(N.b3, NC, -0.5, 0.5); fill(N.w5, sizeof N.w5 / 8, -1, 1); fill(N.b5, NO, -0.3, 0.3); N.label = 2;
    float *x = tof(N.x, sizeof N.x / 8), *w1 = tof(N.w1, sizeof N.w1 / 8), *b1 = tof(N.b1, NC), *w2 = tof(N.w2, sizeof N.w2 / 8),
          *b2 = tof(N.b2, NC), *w3 = tof(N.w3, sizeof N.w3 / 8), *b3 = tof(N.b3, NC), *w5 = tof(N.w5, sizeof N.w5 / 8), *b5 = tof(N.b5, NO);
    float y1[NP * NC], y2[NP * NC], y3[NP * NC], y4[NP * NC], p[NC], l[NO];
    tt_conv2d_f32(x, NH, NW, NC0, w1, b1, NC, &g_first, y1); tt_relu6_f32(y1, NP * NC, y1);
    tt_dwconv_f32(y1, 4, 4, NC, w2, b2, &g_dw, y2); tt_relu6_f32(y2, NP * NC, y2);
    tt_pwconv_f32(y2, 4, 4, NC, w3, b3, NC, y3);
    tt_add_f32(y3, y1, NP * NC, y4);
    tt_avgpool_f32(y4, 4, 4, NC, p);
    tt_fc_f32(p, NC, w5, b5, NO, l);
    float dl[NO], dp[NC], dw5[NO * NC], db5[NO], dy4[NP * NC], dy3[NP * NC], dskip[NP * NC], dw3[NC * NC], db3[NC],
          dy2[NP * NC], dw2[NC * 9], db2[NC], dy1[NP * NC], dw1[NC * 9 * NC0], db1[NC], dx[NH * NW * NC0];
    int am;
    float loss = tt_log_softmax_nll(l, NO, N.label, dl, &am);
    double lref = net_loss();
    report_fwd("net_f32 forward loss", &loss, &lref, 1, 1e-5);
    {
        int c0 = 0, c6 = 0;
        for (int i = 0; i < NP * NC; i++) { c0 += (y1[i] == 0.0f) + (y2[i] == 0.0f); c6 += (y1[i] == 6.0f) + (y2[i] == 6.0f); }
        printf("{\"check\":\"net_f32 relu6 outputs clamped at 0 / at 6 (info)\",\"metric\":\"info\",\"err\":0,\"tol\":1,\"at0\":%d,\"at6\":%d,\"of\":%d}\n", c0, c6, 2 * NP * NC);
    }
    tt_fc_f32_bwd(p, NC, w5, NO, dl, dp, dw5, db5);
    tt_avgpool_bwd_f32(dp, 4, 4, NC, dy4);
    tt_add_bwd_f32(dy4, NP * NC, dy3, dskip);
    tt_pwconv_f32_bwd_weight(y2, 4, 4, NC, dy3, NC, dw3);
    tt_bias_grad_f32(dy3, NP, NC, db3);
    tt_pwconv_f32_bwd_input(dy3, 4, 4, NC, w3, NC, dy2);
    tt_relu6_bwd_f32(y2, dy2, NP * NC, dy2);
    tt_dwconv_f32_bwd_weight(y1, 4, 4, NC, dy2, &g_dw, dw2);
    tt_bias_grad_f32(dy2, NP, NC, db2);
    tt_dwconv_f32_bwd_input(dy2, 4, 4, NC, w2, &g_dw, dy1);
    tt_accumulate_f32(dy1, dskip, NP * NC);
    tt_relu6_bwd_f32(y1, dy1, NP * NC, dy1);
    tt_conv2d_f32_bwd_weight(x, NH, NW, NC0, dy1, NC, &g_first, dw1);
    tt_bias_grad_f32(dy1, NP, NC, db1);
    tt_conv2d_f32_bwd_input(dy1, NH, NW, NC0, w1, NC, &g_first, dx);
    double fd[NC * 9 * NC0 > NH * NW * NC0 ? NC * 9 * NC0 : NH * NW * NC0];
    const double e = 1e-5;
    fdiff(net_loss, N.x, NH * NW * NC0, e, fd); report("net_f32 dx (input)", "maxrel", dx, fd, NH * NW * NC0, 1e-3);
    fdiff(net_loss, N.w1, NC * 9 * NC0, e, fd); report("net_f32 dW conv", "maxrel", dw1, fd, NC * 9 * NC0, 1e-3);
    fdiff(net_loss, N.b1, NC, e, fd); report("net_f32 db conv", "maxrel", db1, fd, NC, 1e-3);
    fdiff(net_loss, N.w2, NC * 9, e, fd); report("net_f32 dW dw", "maxrel", dw2, fd, NC * 9, 1e-3);
    fdiff(net_loss, N.b2, NC, e, fd); report("net_f32 db dw", "maxrel", db2, fd, NC, 1e-3);
    fdiff(net_loss, N.w3, NC * NC, e, fd); report("net_f32 dW pw", "maxrel", dw3, fd, NC * NC, 1e-3);
    fdiff(net_loss, N.b3, NC, e, fd); report("net_f32 db pw", "maxrel", db3, fd, NC, 1e-3);
    fdiff(net_loss, N.w5, NO * NC, e, fd); report("net_f32 dW fc", "maxrel", dw5, fd, NO * NC, 1e-3);
    fdiff(net_loss, N.b5, NO, e, fd); report("net_f32 db fc", "maxrel", db5, fd, NO, 1e-3);
    free(x); free(w1); free(b1); free(w2); free(b2); free(w3); free(b3); free(w5); free(b5);
}


/* ================= int8-forward / float-backward network vs the dequantized model ========= */
/* Same topology as the fp32 network, run with the int8 kernels (ReLU6 folded into the clamp of
 * the conv and dw layers), backward with the float kernels reading int8 weights, masks and the
 * saved int8 slices. Oracle: the DEQUANTIZED model (real weights s_w*q, real biases
 * s_x*s_w*b_q, activations NOT quantized, each layer clamped to the real value range its int8
 * output can represent), differentiated by central finite differences in double.
 *
 * Tolerance: the two differ only by activation rounding (each int8 activation is off by up to
 * 0.5 LSB from the dequantized model, which compounds over the 4 quantized layers) and by the
 * few mask bits that flip for pre-activations within about 1 LSB of a clamp boundary. Gradients
 * are linear in the activations between mask flips, so their relative deviation is of the order
 * of the relative activation error, measured here per layer as qerr = ||y_int8_real - y_model|| /
 * ||y_model|| (printed; about 0.2-0.5 % here). Mask flips near the clamp boundaries and the
 * accumulation over layers amplify this: the measured gradient deviations are 0.2-3.2 %, i.e. up
 * to about 7 x qerr. We require normrel < max(15 * max qerr, 0.02) (about 7 %) for every trained
 * tensor. A wrong scale, layout, slice or mask bit pattern gives errors of order 1; a negative
 * control (the same backward with the conv mask ignored) is printed and must exceed the
 * tolerance, showing the bound discriminates. */
#define QK1 2 /* trained input channels of the first conv (of 3) */
#define QK2 4 /* trained channels of the dw conv (of 8) */
#define QK3 4 /* trained input channels of the pw conv (of 8) */
static struct {
    double x[NH * NW * NC0], w1[NC * 9 * NC0], b1[NC], w2[NC * 9], b2[NC], w3[NC * NC], b3[NC], w5[NO * NC], b5[NO];
    double lo1, hi1, lo2, hi2, lo3, hi3, lo4, hi4; int label;
    double y1[NP * NC], y2[NP * NC], y3[NP * NC], y4[NP * NC]; /* last forward activations */
} Q;
static double qnet_loss(void)
{
    double p[NC], l[NO];
    o_conv(Q.x, NH, NW, NC0, Q.w1, Q.b1, NC, &g_first, 1, Q.y1); o_clamp(Q.y1, NP * NC, Q.lo1, Q.hi1);
    o_conv(Q.y1, 4, 4, NC, Q.w2, Q.b2, NC, &g_dw, NC, Q.y2); o_clamp(Q.y2, NP * NC, Q.lo2, Q.hi2);
    o_conv(Q.y2, 4, 4, NC, Q.w3, Q.b3, NC, &g_pw, 1, Q.y3); o_clamp(Q.y3, NP * NC, Q.lo3, Q.hi3);
    for (int i = 0; i < NP * NC; i++) Q.y4[i] = Q.y3[i] + Q.y1[i];
    o_clamp(Q.y4, NP * NC, Q.lo4, Q.hi4);
    o_pool(Q.y4, NP, NC, p);
    o_fc(p, NC, Q.w5, Q.b5, NO, l);
    return o_nll(l, NO, Q.label);
}
/* per-channel weight scale so that the largest |pre-activation| of channel o is `target` */
static void calib(const int8_t *xq, int h, int w, int cin, int32_t z, float s_in, const int8_t *wq, const int32_t *bq,
                  int cout, int k, int s, int groups, double target, float *sw)
{
    int ho = osz(h, s), wo = osz(w, s);
    tt_conv_geom gm = same_geom(h, w, k, s);
    size_t nx = (size_t)h * w * cin, nw = (size_t)cout * k * k * (cin / groups), ny = (size_t)ho * wo * cout;
    double *xd = dalloc(nx), *wd = dalloc(nw), *bd = dalloc(cout), *yd = dalloc(ny);
    for (size_t i = 0; i < nx; i++) xd[i] = xq[i] - z;
    for (size_t i = 0; i < nw; i++) wd[i] = wq[i];
    for (int o = 0; o < cout; o++) bd[o] = bq[o];
    o_conv(xd, h, w, cin, wd, bd, cout, &gm, groups, yd);
    for (int o = 0; o < cout; o++) {
        double m = 1;
        for (size_t p = 0; p < ny / cout; p++) if (fabs(yd[p * cout + o]) > m) m = fabs(yd[p * cout + o]);
        sw[o] = (float)(target / (s_in * m));
    }
    free(xd); free(wd); free(bd); free(yd);
}
static double qerr(const int8_t *q, float s, int32_t z, const double *ref, int n)
{
    double num = 0, den = 0;
    for (int i = 0; i < n; i++) { double d = s * (q[i] - z) - ref[i]; num += d * d; den += ref[i] * ref[i]; }
    return sqrt(num / den);
}
static void check_s8_network(void)
{
    const float s0 = 0.04f; const int32_t z0 = 3;
    int8_t xq[NH * NW * NC0], q1[NC * 9 * NC0], q2[NC * 9], q3[NC * NC], q5[NO * NC];
    int32_t bq1[NC], bq2[NC], bq3[NC], bq5[NO];
    float sw1[NC], sw2[NC], sw3[NC], sw5[NO];
    for (int i = 0; i < NH * NW * NC0; i++) xq[i] = (int8_t)irand(-128, 127);
    for (int i = 0; i < NC * 9 * NC0; i++) q1[i] = (int8_t)irand(-127, 127);
    for (int i = 0; i < NC * 9; i++) q2[i] = (int8_t)irand(-127, 127);
    for (int i = 0; i < NC * NC; i++) q3[i] = (int8_t)irand(-127, 127);
    for (int i = 0; i < NO * NC; i++) q5[i] = (int8_t)irand(-127, 127);
    for (int o = 0; o < NC; o++) { bq1[o] = irand(-3000, 6000); bq2[o] = irand(-2000, 6000); bq3[o] = irand(-2000, 2000); }
    for (int o = 0; o < NO; o++) bq5[o] = irand(-1500, 1500);
    /* layer 1: conv 3->8, k3, s2, ReLU6. output scale 0.03, zp -100: ReLU6 range [-100, 100] */
    tt_quant qp1 = {s0, z0, 0.03f, -100, sw1, TT_ACT_RELU6};
    calib(xq, NH, NW, NC0, z0, s0, q1, bq1, NC, 3, 2, 1, 8.0, sw1);
    int8_t y1[NP * NC], y2[NP * NC], y3[NP * NC], y4[NP * NC], pq[NC];
    uint8_t m1[TT_MASK_BYTES(NP * NC)], m2[TT_MASK_BYTES(NP * NC)], m3[TT_MASK_BYTES(NP * NC)], m4[TT_MASK_BYTES(NP * NC)];
    /* SRAM slices (copies of the first k channels, as the generated code keeps them) */
    int8_t s1[NC * 9 * QK1], s2[QK2 * 9], s3[NC * QK3], s5[NO * NC];
    int32_t sb1[NC], sb2[NC], sb3[NC], sb5[NO];
    for (int o = 0; o < NC; o++) for (int t = 0; t < 9; t++) for (int i = 0; i < QK1; i++) s1[(o * 9 + t) * QK1 + i] = q1[(o * 9 + t) * NC0 + i];
    memcpy(s2, q2, sizeof s2);
    for (int o = 0; o < NC; o++) for (int i = 0; i < QK3; i++) s3[o * QK3 + i] = q3[o * NC + i];
    memcpy(s5, q5, sizeof s5);
    memcpy(sb1, bq1, sizeof sb1); memcpy(sb2, bq2, sizeof sb2); memcpy(sb3, bq3, sizeof sb3); memcpy(sb5, bq5, sizeof sb5);

    tt_conv2d_s8(xq, NH, NW, NC0, q1, s1, QK1, bq1, sb1, NC, &g_first, &qp1, y1, m1);
    /* layer 2: dw 3x3 s1 ReLU6, in place on a copy of y1 (y1 itself is needed for the skip) */
    calib(y1, 4, 4, NC, -100, 0.03f, q2, bq2, NC, 3, 1, NC, 8.0, sw2);
    tt_quant qp2 = {0.03f, -100, 0.03f, -100, sw2, TT_ACT_RELU6};
    int8_t tmp[NP];
    memcpy(y2, y1, sizeof y2);
    tt_dwconv_s8_inplace(y2, 4, 4, NC, q2, s2, QK2, bq2, sb2, &g_dw, &qp2, tmp, m2);
    /* layer 3: pw 8->8 linear; scale chosen so that the top few values saturate */
    calib(y2, 4, 4, NC, -100, 0.03f, q3, bq3, NC, 1, 1, 1, 4.0, sw3);
    tt_quant qp3 = {0.03f, -100, 3.6f / 127.0f, 0, sw3, TT_ACT_NONE};
    tt_pwconv_s8(y2, 4, 4, NC, q3, s3, QK3, bq3, sb3, NC, &qp3, y3, m3);
    /* add: y3 + y1 */
    float sy4 = 11.0f / 250.0f; int32_t zy4 = -80;
    tt_add_s8(y3, qp3.s_y, 0, y1, 0.03f, -100, NP * NC, sy4, zy4, y4, m4);
    tt_avgpool_s8(y4, 4, 4, NC, sy4, zy4, sy4, zy4, pq);
    /* classifier */
    {
        double m = 1; for (int o = 0; o < NO; o++) { double a = fabs((double)bq5[o]); for (int i = 0; i < NC; i++) a += fabs((double)q5[o * NC + i] * (pq[i] - zy4)); if (a > m) m = a; }
        for (int o = 0; o < NO; o++) sw5[o] = (float)(frand(1.5, 3.0) / (sy4 * m));
    }
    float logits[NO], dl[NO];
    tt_fc_s8(pq, NC, sy4, zy4, q5, s5, NC, sw5, bq5, sb5, NO, logits);
    Q.label = 1;
    int am;
    float loss = tt_log_softmax_nll(logits, NO, Q.label, dl, &am);
    /* backward (float, reading int8 weights / saved int8 slices / masks) */
    float dp[NC], dw5[NO * NC], db5[NO], dy4[NP * NC], dy3[NP * NC], dskip[NP * NC], dw3[NC * QK3], db3[NC];
    float dy2[NP * NC], dw2[QK2 * 9], db2[NC], dy1[NP * NC], dw1[NC * 9 * QK1], db1[NC];
    int8_t x1s[NH * NW * QK1], y1s[NP * QK2], y2s[NP * QK3]; /* compact saved input slices */
    for (int p = 0; p < NH * NW; p++) for (int i = 0; i < QK1; i++) x1s[p * QK1 + i] = xq[p * NC0 + i];
    for (int p = 0; p < NP; p++) for (int i = 0; i < QK2; i++) y1s[p * QK2 + i] = y1[p * NC + i];
    for (int p = 0; p < NP; p++) for (int i = 0; i < QK3; i++) y2s[p * QK3 + i] = y2[p * NC + i];
    tt_fc_s8_bwd(pq, NC, sy4, zy4, q5, s5, NC, sw5, NO, dl, dp, dw5, db5);
    tt_avgpool_bwd_f32(dp, 4, 4, NC, dy4);
    tt_mask_apply_f32(dy4, m4, NP * NC, dy4);
    tt_add_bwd_f32(dy4, NP * NC, dy3, dskip);
    tt_mask_apply_f32(dy3, m3, NP * NC, dy3);
    tt_bias_grad_f32(dy3, NP, NC, db3);
    tt_pwconv_s8_bwd_weight(y2s, QK3, 4, 4, 0.03f, -100, dy3, NC, QK3, dw3);
    tt_pwconv_s8_bwd_input(dy3, 4, 4, NC, q3, s3, QK3, sw3, NC, dy2);
    tt_mask_apply_f32(dy2, m2, NP * NC, dy2);
    tt_bias_grad_f32(dy2, NP, NC, db2);
    tt_dwconv_s8_bwd_weight(y1s, QK2, 4, 4, 0.03f, -100, dy2, NC, &g_dw, QK2, dw2);
    tt_dwconv_s8_bwd_input(dy2, 4, 4, NC, q2, s2, QK2, sw2, &g_dw, dy1);
    tt_accumulate_f32(dy1, dskip, NP * NC);
    float db1_nomask[NC];
    tt_bias_grad_f32(dy1, NP, NC, db1_nomask); /* negative control: conv mask ignored */
    tt_mask_apply_f32(dy1, m1, NP * NC, dy1);
    tt_bias_grad_f32(dy1, NP, NC, db1);
    tt_conv2d_s8_bwd_weight(x1s, QK1, NH, NW, s0, z0, dy1, NC, &g_first, QK1, dw1);

    /* the dequantized model */
    for (int i = 0; i < NH * NW * NC0; i++) Q.x[i] = (double)s0 * (xq[i] - z0);
    for (int o = 0; o < NC; o++) {
        for (int i = 0; i < 9 * NC0; i++) Q.w1[o * 9 * NC0 + i] = (double)sw1[o] * q1[o * 9 * NC0 + i];
        for (int i = 0; i < 9; i++) Q.w2[o * 9 + i] = (double)sw2[o] * q2[o * 9 + i];
        for (int i = 0; i < NC; i++) Q.w3[o * NC + i] = (double)sw3[o] * q3[o * NC + i];
        Q.b1[o] = (double)s0 * sw1[o] * bq1[o]; Q.b2[o] = 0.03 * sw2[o] * bq2[o]; Q.b3[o] = 0.03 * sw3[o] * bq3[o];
    }
    for (int o = 0; o < NO; o++) { for (int i = 0; i < NC; i++) Q.w5[o * NC + i] = (double)sw5[o] * q5[o * NC + i]; Q.b5[o] = (double)sy4 * sw5[o] * bq5[o]; }
    Q.lo1 = Q.lo2 = 0.0; Q.hi1 = Q.hi2 = 0.03 * 200; /* the int8 ReLU6 range [-100, 100] at s 0.03 */
    Q.lo3 = qp3.s_y * -128.0; Q.hi3 = qp3.s_y * 127.0;
    Q.lo4 = sy4 * (-128.0 - zy4); Q.hi4 = sy4 * (127.0 - zy4);
    double lref = qnet_loss();
    double e1 = qerr(y1, 0.03f, -100, Q.y1, NP * NC), e2 = qerr(y2, 0.03f, -100, Q.y2, NP * NC);
    double e3 = qerr(y3, qp3.s_y, 0, Q.y3, NP * NC), e4 = qerr(y4, sy4, zy4, Q.y4, NP * NC);
    double emax = fmax(fmax(e1, e2), fmax(e3, e4)), tol = fmax(15 * emax, 0.02);
    int clamped[4] = {0, 0, 0, 0};
    for (int i = 0; i < NP * NC; i++) { clamped[0] += !tt_mask_get_bit(m1, i); clamped[1] += !tt_mask_get_bit(m2, i); clamped[2] += !tt_mask_get_bit(m3, i); clamped[3] += !tt_mask_get_bit(m4, i); }
    printf("{\"check\":\"net_s8 activation quantization error (info)\",\"metric\":\"info\",\"err\":%.3e,\"tol\":1,\"qerr\":[%.3e,%.3e,%.3e,%.3e],\"clamped\":[%d,%d,%d,%d],\"of\":%d}\n",
           emax, e1, e2, e3, e4, clamped[0], clamped[1], clamped[2], clamped[3], NP * NC);
    {
        double rel = fabs(loss - lref) / fabs(lref);
        printf("{\"check\":\"net_s8 loss vs dequantized model\",\"metric\":\"rel\",\"err\":%.3e,\"tol\":%.1e}\n", rel, tol);
        if (!(rel < tol)) failures++;
    }
    double fd[NC * 9 * NC0];
    const double e = 1e-6;
    fdiff_slice(qnet_loss, Q.w1, NC * 9 * NC0, NC0, QK1, e, fd); report("net_s8 dW conv (first 2 of 3 input channels)", "normrel", dw1, fd, NC * 9 * QK1, tol);
    fdiff(qnet_loss, Q.b1, NC, e, fd); report("net_s8 db conv", "normrel", db1, fd, NC, tol);
    {
        double num = 0, den = 0;
        for (int o = 0; o < NC; o++) { num += (db1_nomask[o] - fd[o]) * (db1_nomask[o] - fd[o]); den += fd[o] * fd[o]; }
        double err = sqrt(num / den);
        printf("{\"check\":\"net_s8 negative control: db conv with the mask ignored must exceed tol\",\"metric\":\"control\",\"err\":%.3e,\"tol\":%.1e}\n", err, tol);
        if (!(err > tol)) failures++;
    }
    fdiff(qnet_loss, Q.w2, QK2 * 9, e, fd); report("net_s8 dW dw (first 4 of 8 channels)", "normrel", dw2, fd, QK2 * 9, tol);
    fdiff(qnet_loss, Q.b2, NC, e, fd); report("net_s8 db dw", "normrel", db2, fd, NC, tol);
    fdiff_slice(qnet_loss, Q.w3, NC * NC, NC, QK3, e, fd); report("net_s8 dW pw (first 4 of 8 input channels)", "normrel", dw3, fd, NC * QK3, tol);
    fdiff(qnet_loss, Q.b3, NC, e, fd); report("net_s8 db pw", "normrel", db3, fd, NC, tol);
    fdiff(qnet_loss, Q.w5, NO * NC, e, fd); report("net_s8 dW fc", "normrel", dw5, fd, NO * NC, tol);
    fdiff(qnet_loss, Q.b5, NO, e, fd); report("net_s8 db fc", "normrel", db5, fd, NO, tol);
}

int main(void)
{
    check_f32_layer(0, 7, 6, 3, 4, 3, 2);  /* first conv: 3 input channels, stride 2 */
    check_f32_layer(0, 6, 6, 5, 3, 5, 1);
    check_f32_layer(1, 7, 7, 4, 0, 3, 1);
    check_f32_layer(1, 8, 7, 3, 0, 5, 2);
    check_f32_layer(2, 5, 4, 6, 3, 1, 1);
    check_small_ops();
    check_s8_layer(0, 7, 7, 3, 4, 3, 2, 2);
    check_s8_layer(0, 6, 5, 6, 5, 5, 1, 3);
    check_s8_layer(1, 7, 7, 6, 0, 3, 2, 4);
    check_s8_layer(1, 6, 6, 4, 0, 3, 1, 4);
    check_s8_layer(2, 5, 5, 6, 4, 1, 1, 3);
    check_fc_s8();
    check_f32_network();
    check_s8_network();
    /* 1-D (time on h, w = 1) and non-square geometries, incl. TFLite SAME's asymmetric padding
     * (stride 2 on an even length: nothing before, one after) and an even kernel */
    check_f32_layer_geom(0, 20, 1, 3, 4, geom(5, 1, 2, 1, 2, 0, 2, 0));   /* 1-D conv k5 s2 */
    check_f32_layer_geom(0, 16, 1, 3, 5, geom(3, 1, 2, 1, 0, 0, 1, 0));   /* 1-D, TFLite SAME s2 */
    check_f32_layer_geom(0, 9, 7, 2, 3, geom(3, 5, 1, 2, 1, 2, 1, 2));    /* 3x5, strides 1x2 */
    check_f32_layer_geom(0, 10, 6, 2, 3, geom(4, 2, 2, 1, 1, 0, 1, 1));   /* even 4x2 kernel */
    check_f32_layer_geom(1, 18, 1, 5, 0, geom(7, 1, 1, 1, 3, 0, 3, 0));   /* 1-D depthwise k7 */
    check_f32_layer_geom(1, 15, 1, 4, 0, geom(5, 1, 3, 1, 1, 0, 2, 0));   /* 1-D depthwise s3 */
    check_f32_layer_geom(1, 8, 9, 3, 0, geom(1, 3, 2, 2, 0, 1, 0, 1));    /* 1x3 depthwise */
    /* the int8-weight backward kernels on the same kinds of geometry (after the fixed-seed
     * checks above, so their random data is unchanged) */
    check_s8_layer_geom(0, 20, 1, 4, 3, geom(5, 1, 2, 1, 2, 0, 2, 0), 2);
    check_s8_layer_geom(0, 9, 7, 3, 4, geom(3, 5, 1, 2, 1, 2, 1, 2), 1);
    check_s8_layer_geom(0, 16, 1, 3, 4, geom(3, 1, 2, 1, 0, 0, 1, 0), 3);
    check_s8_layer_geom(1, 18, 1, 6, 0, geom(7, 1, 1, 1, 3, 0, 3, 0), 3);
    check_s8_layer_geom(1, 15, 1, 4, 0, geom(5, 1, 3, 1, 1, 0, 2, 0), 4);
    fprintf(stderr, "%d failures\n", failures);
    return failures ? 1 : 0;
}
