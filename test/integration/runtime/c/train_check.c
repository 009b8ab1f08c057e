/*
 * train_check.c - end-to-end use of the kernel API as generated code would use it: a small
 * network trained on device-style (batch 1, SGD, sparse update) on a synthetic 4-class task, in
 * three ways from the same starting point and the same sample order:
 *   fp32   - float kernels on the dequantized model (reference);
 *   qas    - int8 forward, float backward, int8/int32 updates with QAS;
 *   noqas  - the same without QAS (the paper's unscaled baseline).
 * Network: x[8x8x3] -conv3x3 s2, ReLU6 (3->8)-> pw (8->8, ReLU6) -> global avg pool -> fc (8->4).
 * Trained: fc weights and bias (full), pw bias and pw weights of the first 4 input channels
 * (sparse), conv bias. Prints JSON lines with the held-out accuracy and mean loss of each run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tt_kernels.h"

#define H 8
#define W 8
#define C0 3
#define C1 8
#define P 16 /* 4x4 */
#define NCLS 4
#define KPW 4
#define NTRAIN 600
/* the first conv: 3x3 stride 2 on 8x8, centred "same" padding */
static const tt_conv_geom G1 = { 3, 3, 2, 2, 1, 1, 0, 0 };
#define NTEST 400
#ifndef NOISE
#define NOISE 1.4
#endif

static uint64_t rs = 42;
static double urand(void)
{
    uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}
static double gauss(void) { double u = urand() + 1e-12, v = urand(); return sqrt(-2 * log(u)) * cos(6.283185307179586 * v); }

/* data: class-specific colour and vertical gradient plus noise, quantized with s 0.02, z 0 */
static const float SX0 = 0.02f;
static int8_t data_x[NTRAIN + NTEST][H * W * C0];
static int data_y[NTRAIN + NTEST];
static void make_data(void)
{
    static const double mean[NCLS][C0] = {{0.8, -0.5, 0.1}, {-0.6, 0.7, 0.0}, {0.1, 0.2, -0.9}, {-0.3, -0.4, 0.6}};
    for (int n = 0; n < NTRAIN + NTEST; n++) {
        int c = n % NCLS;
        data_y[n] = c;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int ch = 0; ch < C0; ch++) {
                    double v = mean[c][ch] * (0.6 + 0.1 * y) + NOISE * gauss();
                    long q = lround(v / SX0);
                    data_x[n][(y * W + x) * C0 + ch] = (int8_t)(q > 127 ? 127 : (q < -128 ? -128 : q));
                }
    }
    /* shuffle the training part (same order for every run) */
    for (int i = NTRAIN - 1; i > 0; i--) {
        int j = (int)(urand() * (i + 1));
        int8_t t[H * W * C0]; int ty = data_y[i];
        memcpy(t, data_x[i], sizeof t); memcpy(data_x[i], data_x[j], sizeof t); memcpy(data_x[j], t, sizeof t);
        data_y[i] = data_y[j]; data_y[j] = ty;
    }
}

/* int8 model (flash tensors + SRAM copies of the trained parts) */
static int8_t w1[C1 * 9 * C0], w2[C1 * C1], w3[NCLS * C1];
static int32_t b1[C1], b2[C1], b3[NCLS];
static float sw1[C1], sw2[C1], sw3[NCLS];
static const float S1 = 0.03f, S2 = 0.03f; static const int32_t Z1 = -100, Z2 = -100; /* ReLU6 outputs */
static float SP; static int32_t ZP;  /* pooled */

static void init_model(void)
{
    for (int i = 0; i < C1 * 9 * C0; i++) w1[i] = (int8_t)(lround(gauss() * 40) % 127);
    for (int i = 0; i < C1 * C1; i++) w2[i] = (int8_t)(lround(gauss() * 40) % 127);
    for (int i = 0; i < NCLS * C1; i++) w3[i] = (int8_t)(lround(gauss() * 20) % 127);
    for (int o = 0; o < C1; o++) { sw1[o] = 0.004f; sw2[o] = 0.008f; b1[o] = 2000; b2[o] = 1500; }
    for (int o = 0; o < NCLS; o++) { sw3[o] = 0.01f; b3[o] = 0; }
    SP = 0.03f; ZP = -100;
}

typedef struct { int8_t w2s[C1 * KPW], w3s[NCLS * C1]; int32_t b1s[C1], b2s[C1], b3s[NCLS]; uint32_t rng; } Int8State;
typedef struct { float w1[C1 * 9 * C0], b1[C1], w2[C1 * C1], b2[C1], w3[NCLS * C1], b3[NCLS]; } F32State;

static float int8_step(Int8State *s, const int8_t *x, int label, int train, int qas, float lr, int *pred)
{
    tt_quant q1 = {SX0, 0, S1, Z1, sw1, TT_ACT_RELU6}, q2 = {S1, Z1, S2, Z2, sw2, TT_ACT_RELU6};
    int8_t y1[P * C1], y2[P * C1], pq[C1], x2s[P * KPW];
    uint8_t m1[TT_MASK_BYTES(P * C1)], m2[TT_MASK_BYTES(P * C1)];
    float logits[NCLS], dl[NCLS];
    tt_conv2d_s8(x, H, W, C0, w1, NULL, 0, b1, s->b1s, C1, &G1, &q1, y1, m1);
    tt_pwconv_s8(y1, 4, 4, C1, w2, s->w2s, KPW, b2, s->b2s, C1, &q2, y2, m2);
    tt_avgpool_s8(y2, 4, 4, C1, S2, Z2, SP, ZP, pq);
    tt_fc_s8(pq, C1, SP, ZP, w3, s->w3s, C1, sw3, b3, s->b3s, NCLS, logits);
    float loss = tt_log_softmax_nll(logits, NCLS, label, dl, pred);
    if (!train) return loss;
    float dp[C1], gw3[NCLS * C1], gb3[NCLS], dy2[P * C1], gb2[C1], gw2[C1 * KPW], dy1[P * C1], gb1[C1];
    for (int p = 0; p < P; p++) for (int i = 0; i < KPW; i++) x2s[p * KPW + i] = y1[p * C1 + i];
    tt_fc_s8_bwd(pq, C1, SP, ZP, w3, s->w3s, C1, sw3, NCLS, dl, dp, gw3, gb3);
    tt_sgd_s8(s->w3s, gw3, NCLS, C1, sw3, lr, qas, &s->rng);
    tt_sgd_bias_s32(s->b3s, gb3, NCLS, SP, sw3, lr, qas);
    tt_avgpool_bwd_f32(dp, 4, 4, C1, dy2);
    tt_mask_apply_f32(dy2, m2, P * C1, dy2);
    tt_bias_grad_f32(dy2, P, C1, gb2);
    tt_pwconv_s8_bwd_input(dy2, 4, 4, C1, w2, s->w2s, KPW, sw2, C1, dy1); /* before the update */
    tt_sgd_bias_s32(s->b2s, gb2, C1, S1, sw2, lr, qas);
    tt_pwconv_s8_bwd_weight(x2s, KPW, 4, 4, S1, Z1, dy2, C1, KPW, gw2);
    tt_sgd_s8(s->w2s, gw2, C1, KPW, sw2, lr, qas, &s->rng);
    tt_mask_apply_f32(dy1, m1, P * C1, dy1);
    tt_bias_grad_f32(dy1, P, C1, gb1);
    tt_sgd_bias_s32(s->b1s, gb1, C1, SX0, sw1, lr, qas);
    return loss;
}

static float f32_step(F32State *s, const int8_t *xq, int label, int train, float lr, int *pred)
{
    float x[H * W * C0], y1[P * C1], y2[P * C1], p[C1], logits[NCLS], dl[NCLS];
    for (int i = 0; i < H * W * C0; i++) x[i] = SX0 * (float)xq[i];
    tt_conv2d_f32(x, H, W, C0, s->w1, s->b1, C1, &G1, y1); tt_relu6_f32(y1, P * C1, y1);
    tt_pwconv_f32(y1, 4, 4, C1, s->w2, s->b2, C1, y2); tt_relu6_f32(y2, P * C1, y2);
    tt_avgpool_f32(y2, 4, 4, C1, p);
    tt_fc_f32(p, C1, s->w3, s->b3, NCLS, logits);
    float loss = tt_log_softmax_nll(logits, NCLS, label, dl, pred);
    if (!train) return loss;
    float dp[C1], gw3[NCLS * C1], gb3[NCLS], dy2[P * C1], gb2[C1], gw2[C1 * C1], dy1[P * C1], gb1[C1];
    tt_fc_f32_bwd(p, C1, s->w3, NCLS, dl, dp, gw3, gb3);
    tt_sgd_f32(s->w3, gw3, NCLS * C1, lr); tt_sgd_f32(s->b3, gb3, NCLS, lr);
    tt_avgpool_bwd_f32(dp, 4, 4, C1, dy2);
    tt_relu6_bwd_f32(y2, dy2, P * C1, dy2);
    tt_bias_grad_f32(dy2, P, C1, gb2);
    tt_pwconv_f32_bwd_input(dy2, 4, 4, C1, s->w2, C1, dy1);
    tt_sgd_f32(s->b2, gb2, C1, lr);
    tt_pwconv_f32_bwd_weight(y1, 4, 4, C1, dy2, C1, gw2);
    for (int o = 0; o < C1; o++) tt_sgd_f32(s->w2 + o * C1, gw2 + o * C1, KPW, lr); /* first KPW inputs only */
    tt_relu6_bwd_f32(y1, dy1, P * C1, dy1);
    tt_bias_grad_f32(dy1, P, C1, gb1);
    tt_sgd_f32(s->b1, gb1, C1, lr);
    return loss;
}

static void evaluate(int mode, void *st, double *acc, double *loss)
{
    int right = 0; double l = 0;
    for (int n = NTRAIN; n < NTRAIN + NTEST; n++) {
        int pred;
        l += mode == 0 ? f32_step(st, data_x[n], data_y[n], 0, 0, &pred) : int8_step(st, data_x[n], data_y[n], 0, 0, 0, &pred);
        right += pred == data_y[n];
    }
    *acc = (double)right / NTEST; *loss = l / NTEST;
}

int main(void)
{
    make_data();
    init_model();
    const float lr = 0.05f;
    const int epochs = 2;
    Int8State st[2];
    F32State f;
    for (int r = 0; r < 2; r++) {
        Int8State *s = &st[r];
        memset(s, 0, sizeof *s);
        memcpy(s->b1s, b1, sizeof b1); memcpy(s->b2s, b2, sizeof b2); memcpy(s->b3s, b3, sizeof b3);
        for (int o = 0; o < C1; o++) for (int i = 0; i < KPW; i++) s->w2s[o * KPW + i] = w2[o * C1 + i];
        memcpy(s->w3s, w3, sizeof w3);
        tt_rng_seed(&s->rng, 2024);
    }
    for (int o = 0; o < C1; o++) {
        for (int i = 0; i < 9 * C0; i++) f.w1[o * 9 * C0 + i] = sw1[o] * w1[o * 9 * C0 + i];
        for (int i = 0; i < C1; i++) f.w2[o * C1 + i] = sw2[o] * w2[o * C1 + i];
        f.b1[o] = SX0 * sw1[o] * (float)b1[o];
        f.b2[o] = S1 * sw2[o] * (float)b2[o];
    }
    for (int o = 0; o < NCLS; o++) { for (int i = 0; i < C1; i++) f.w3[o * C1 + i] = sw3[o] * w3[o * C1 + i]; f.b3[o] = SP * sw3[o] * (float)b3[o]; }

    double acc0, loss0;
    evaluate(1, &st[0], &acc0, &loss0);
    printf("{\"run\":\"initial\",\"acc\":%.4f,\"loss\":%.4f}\n", acc0, loss0);
    for (int e = 0; e < epochs; e++)
        for (int n = 0; n < NTRAIN; n++) {
            int pred;
            f32_step(&f, data_x[n], data_y[n], 1, lr, &pred);
            int8_step(&st[0], data_x[n], data_y[n], 1, 1, lr, &pred);
            int8_step(&st[1], data_x[n], data_y[n], 1, 0, lr, &pred);
        }
    double a, l;
    evaluate(0, &f, &a, &l); printf("{\"run\":\"fp32\",\"acc\":%.4f,\"loss\":%.4f}\n", a, l);
    evaluate(1, &st[0], &a, &l); printf("{\"run\":\"qas\",\"acc\":%.4f,\"loss\":%.4f}\n", a, l);
    evaluate(1, &st[1], &a, &l); printf("{\"run\":\"noqas\",\"acc\":%.4f,\"loss\":%.4f}\n", a, l);
    return 0;
}
