/*
 * update_check.c - statistical checks of the int8 SGD update (QAS and the unscaled baseline),
 * the int32 bias update and the xorshift32 PRNG. Prints one JSON line per check:
 *   {"check": "...", "metric": ..., "err": e, "tol": t}  (pass when err < tol)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tt_kernels.h"

static int failures = 0;
static void line(const char *check, const char *metric, double err, double tol)
{
    int ok = err < tol;
    if (!ok) failures++;
    printf("{\"check\":\"%s\",\"metric\":\"%s\",\"err\":%.6g,\"tol\":%.6g}\n", check, metric, err, tol);
}

#define COUT 4
#define PER 16
#define N (COUT * PER)

int main(void)
{
    uint32_t rng, st;
    /* --- PRNG: xorshift32 (13, 17, 5) from seed 1 gives 270369, 67634689, 2647435461 --- */
    tt_rng_seed(&st, 1);
    {
        uint32_t a = tt_xorshift32(&st), b = tt_xorshift32(&st), c = tt_xorshift32(&st);
        line("xorshift32 known sequence from seed 1", "mismatch", (a != 270369u) + (b != 67634689u) + (c != 2647435461u), 0.5);
        tt_rng_seed(&st, 0);
        line("tt_rng_seed(0) gives a non-zero state", "zero", st == 0, 0.5);
    }

    /* --- QAS: E[s_w * q'] equals the fp32 update W - lr * g (real terms) --- */
    const float sw[COUT] = {0.05f, 0.1f, 0.15f, 0.2f};
    int8_t w0[N], w[N];
    float g[N];
    const float lr = 0.37f;
    srand(7);
    for (int i = 0; i < N; i++) {
        w0[i] = (int8_t)(rand() % 61 - 30);
        /* gradient chosen so that the QAS step lr*g/s_w lies in (-20, 20) LSB, with fractions */
        g[i] = sw[i / PER] * ((float)(rand() % 40001 - 20000) / 1000.0f) / lr;
    }
    const int T = 40000;
    double sum_q[N], sum_n[N], sumsq_q[N], sumsq_n[N];
    memset(sum_q, 0, sizeof sum_q); memset(sum_n, 0, sizeof sum_n);
    memset(sumsq_q, 0, sizeof sumsq_q); memset(sumsq_n, 0, sizeof sumsq_n);
    tt_rng_seed(&rng, 12345);
    for (int t = 0; t < T; t++) {
        memcpy(w, w0, sizeof w);
        tt_sgd_s8(w, g, COUT, PER, sw, lr, 1, &rng);
        for (int i = 0; i < N; i++) { double d = w[i] - w0[i]; sum_q[i] += d; sumsq_q[i] += d * d; }
        memcpy(w, w0, sizeof w);
        tt_sgd_s8(w, g, COUT, PER, sw, lr, 0, &rng);
        for (int i = 0; i < N; i++) { double d = w[i] - w0[i]; sum_n[i] += d; sumsq_n[i] += d * d; }
    }
    double zmax_q = 0, zmax_n = 0, ratio_err = 0, max_spread = 0;
    for (int i = 0; i < N; i++) {
        double s = sw[i / PER];
        double fp32_delta = -(double)lr * g[i];              /* real-domain fp32 SGD step */
        double mean_q = sum_q[i] / T, mean_n = sum_n[i] / T;  /* mean int8 step, LSB */
        /* stochastic rounding to floor/ceil: one trial has standard deviation <= 0.5 LSB */
        double se = 0.5 / sqrt((double)T);
        double zq = fabs(s * mean_q - fp32_delta) / (s * se);
        double zn = fabs(s * mean_n - s * s * fp32_delta) / (s * se);
        if (zq > zmax_q) zmax_q = zq;
        if (zn > zmax_n) zmax_n = zn;
        /* the baseline step in real terms is s_w^2 times the fp32 step */
        if (fabs(fp32_delta) > 1e-3) {
            double r = fabs((s * mean_n) / fp32_delta / (s * s) - 1.0);
            double rtol = 6 * se / fabs(s * fp32_delta); /* 6 sigma, relative */
            if (r / rtol > ratio_err) ratio_err = r / rtol;
        }
        /* each trial lands on floor or ceil of the exact step */
        double var = sumsq_q[i] / T - mean_q * mean_q;
        if (var > max_spread) max_spread = var;
    }
    line("QAS int8 step equals the fp32 step in real terms (max z-score over 64 weights, 40000 trials)", "z", zmax_q, 5.0);
    line("no-QAS int8 step equals s_w^2 x the fp32 step in real terms (max z-score)", "z", zmax_n, 5.0);
    line("no-QAS / fp32 real step ratio = s_w^2 (max deviation in units of 6 sigma)", "ratio", ratio_err, 1.0);
    line("stochastic rounding spread: variance per trial <= 0.25 LSB^2", "var", max_spread, 0.2501);

    /* --- small updates are not lost: 0.003 LSB per step for 20000 steps => about 60 LSB --- */
    {
        int8_t wv[COUT * PER];
        float gs[COUT * PER];
        for (int i = 0; i < N; i++) { wv[i] = -40; gs[i] = -0.003f * sw[i / PER] / 0.1f; } /* QAS step +0.003 LSB with lr 0.1 */
        tt_rng_seed(&rng, 99);
        for (int t = 0; t < 20000; t++) tt_sgd_s8(wv, gs, COUT, PER, sw, 0.1f, 1, &rng);
        double mean = 0;
        for (int i = 0; i < N; i++) mean += wv[i] + 40;
        mean /= N;
        /* expected 60 LSB; the count is Binomial(20000, 0.003): sd per weight ~7.7, of the mean ~1 */
        line("tiny steps (0.003 LSB x 20000) accumulate: |mean movement - 60| LSB", "lsb", fabs(mean - 60.0), 5.0);
    }
    /* --- saturation to [-127, 127] --- */
    {
        int8_t ws[2] = {120, -120};
        float gg[2] = {-1000.0f, 1000.0f}, s1[1] = {0.01f};
        tt_rng_seed(&rng, 5);
        tt_sgd_s8(ws, gg, 1, 2, s1, 1.0f, 1, &rng);
        line("int8 update saturates to +127 / -127 (never -128)", "mismatch", (ws[0] != 127) + (ws[1] != -127), 0.5);
    }
    /* --- rounding residual (tt_sgd_s8_residual) --- */
    {
        /* without a residual array it is tt_sgd_s8, draw for draw */
        int8_t wa[N], wb[N];
        uint32_t ra, rb;
        int diff = 0;
        memcpy(wa, w0, sizeof wa); memcpy(wb, w0, sizeof wb);
        tt_rng_seed(&ra, 77); tt_rng_seed(&rb, 77);
        for (int t = 0; t < 200; t++) {
            tt_sgd_s8(wa, g, COUT, PER, sw, lr * 0.01f, 1, &ra);
            tt_sgd_s8_residual(wb, 0, g, COUT, PER, sw, lr * 0.01f, 1, &rb);
        }
        for (int i = 0; i < N; i++) diff += wa[i] != wb[i];
        line("residual NULL is tt_sgd_s8 bit for bit (200 steps)", "mismatch", diff + (ra != rb), 0.5);
    }
    {
        /* the weight in 1/256 steps (w * 256 + r) follows the exact sum of the steps: 20000 steps
         * of +0.003 LSB give 60 LSB, each step rounded at 1/256 (sd of the sum ~0.28 LSB) */
        int8_t wv[N], rv[N];
        float gs[N];
        double worst = 0, mean = 0;
        for (int i = 0; i < N; i++) { wv[i] = -40; rv[i] = 0; gs[i] = -0.003f * sw[i / PER] / 0.1f; }
        tt_rng_seed(&rng, 99);
        for (int t = 0; t < 20000; t++) tt_sgd_s8_residual(wv, rv, gs, COUT, PER, sw, 0.1f, 1, &rng);
        for (int i = 0; i < N; i++) {
            double moved = (double)wv[i] + 40.0 + (double)rv[i] / 256.0;
            if (fabs(moved - 60.0) > worst) worst = fabs(moved - 60.0);
            mean += moved;
        }
        mean /= N;
        line("residual: 0.003 LSB x 20000 steps move every weight by 60 LSB (worst |error| LSB)", "lsb", worst, 1.5);
        line("residual: mean movement over 64 weights is 60 LSB", "lsb", fabs(mean - 60.0), 0.25);
    }
    {
        /* one step lands within 1/256 of the exact step; the mean step is the exact one */
        int8_t wr[N], rr[N];
        double sum[N], worst = 0, zmax = 0;
        memset(sum, 0, sizeof sum);
        tt_rng_seed(&rng, 4242);
        for (int t = 0; t < 4000; t++) {
            memcpy(wr, w0, sizeof wr); memset(rr, 0, sizeof rr);
            tt_sgd_s8_residual(wr, rr, g, COUT, PER, sw, lr, 1, &rng);
            for (int i = 0; i < N; i++) {
                double step = ((double)wr[i] - w0[i]) * 256.0 + rr[i];
                double exact = -(double)lr * g[i] / sw[i / PER] * 256.0;
                if (fabs(step - exact) > worst) worst = fabs(step - exact);
                sum[i] += step - exact;
            }
        }
        for (int i = 0; i < N; i++) {
            double z = fabs(sum[i] / 4000.0) / (0.5 / sqrt(4000.0));
            if (z > zmax) zmax = z;
        }
        line("residual: one QAS step is within 1/256 LSB of the exact step", "units256", worst, 1.0 + 1e-3);
        line("residual: the rounding of the step is unbiased (max z-score)", "z", zmax, 5.0);
    }
    {
        int8_t ws[2] = {120, -120}, rs[2] = {100, -100};
        float gg[2] = {-1000.0f, 1000.0f}, s1[1] = {0.01f};
        tt_rng_seed(&rng, 5);
        tt_sgd_s8_residual(ws, rs, gg, 1, 2, s1, 1.0f, 1, &rng);
        line("residual: w + r/256 saturates to +127 / -127 exactly", "mismatch", (ws[0] != 127) + (ws[1] != -127) + (rs[0] != 0) + (rs[1] != 0), 0.5);
    }
    /* --- int32 bias update: round to nearest; QAS vs baseline --- */
    {
        const float sx = 0.05f;
        int32_t b[COUT], bn[COUT], b0[COUT] = {100, -2000, 0, 123456};
        float gb[COUT] = {0.8f, -1.7f, 0.013f, 3.0f};
        memcpy(b, b0, sizeof b); memcpy(bn, b0, sizeof bn);
        tt_sgd_bias_s32(b, gb, COUT, sx, sw, 0.01f, 1);
        tt_sgd_bias_s32(bn, gb, COUT, sx, sw, 0.01f, 0);
        double worst_q = 0; int bad_n = 0;
        for (int o = 0; o < COUT; o++) {
            double s = (double)sx * sw[o];
            double fp32_delta = -0.01 * gb[o];
            /* real-domain error of the QAS step is at most half a bias LSB (s/2) */
            double e = fabs(s * (b[o] - b0[o]) - fp32_delta) / (0.5 * s);
            if (e > worst_q) worst_q = e;
            /* baseline: integer step = round(-lr * s * g) (s^2 smaller in real terms) */
            double exact = -0.01 * s * gb[o];
            if (fabs((double)(bn[o] - b0[o]) - exact) > 0.5 + 1e-6) bad_n++;
        }
        line("QAS bias step equals the fp32 step in real terms within half a bias LSB", "halfLsb", worst_q, 1.0 + 1e-6);
        line("no-QAS bias step = round(-lr * s_x*s_w * g) (s^2 smaller)", "mismatch", bad_n, 0.5);
        int32_t bs[2] = {2147483000, -2147483000};
        float gsat[2] = {-1e6f, 1e6f}, s1[2] = {0.001f, 0.001f};
        tt_sgd_bias_s32(bs, gsat, 2, 0.001f, s1, 1.0f, 1);
        line("int32 bias update saturates", "mismatch", (bs[0] != INT32_MAX) + (bs[1] != INT32_MIN), 0.5);
    }
    /* --- fp32 SGD --- */
    {
        float wf[3] = {1.0f, -2.0f, 0.5f}, gf[3] = {0.5f, -1.0f, 2.0f};
        tt_sgd_f32(wf, gf, 3, 0.1f);
        double e = fabs(wf[0] - 0.95) + fabs(wf[1] + 1.9) + fabs(wf[2] - 0.3);
        line("fp32 sgd", "abs", e, 1e-6);
    }
    /* --- cosine lr decay: libm's cos as the reference for the polynomial --- */
    {
        const uint32_t steps_list[3] = {1u, 300u, 100000u};
        double worst = 0;
        int ends = 0;
        for (int k = 0; k < 3; k++) {
            uint32_t n = steps_list[k];
            for (uint32_t s = 0; s < n; s += n > 1000u ? 37u : 1u) {
                double ref = 0.03 * 0.5 * (1.0 + cos(3.14159265358979 * (double)s / (double)n));
                double e = fabs((double)tt_lr_cosine(0.03f, s, n) - ref) / 0.03;
                if (e > worst) worst = e;
            }
            ends += tt_lr_cosine(0.03f, 0u, n) != 0.03f; /* the first step trains at train.lr */
            ends += tt_lr_cosine(0.03f, n, n) != 0.0f || tt_lr_cosine(0.03f, n + 5u, n) != 0.0f;
        }
        ends += tt_lr_cosine(0.03f, 0u, 0u) != 0.0f;
        line("cosine lr decay follows lr * (1 + cos(pi s / n)) / 2", "relToLr", worst, 1e-6);
        line("cosine lr decay starts at lr and is 0 from step n on", "mismatch", ends, 0.5);
    }
    fprintf(stderr, "%d failures\n", failures);
    return failures ? 1 : 0;
}
