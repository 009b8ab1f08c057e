/*
 * tt_fp32_tool - the fp32 path on the host: pretraining (full update), evaluation, activation
 * calibration for post-training quantization, and sparse fine-tuning in fp32 (the reference the
 * int8 trainer is compared with). Reads the fp32 model file (TTF1) and datasets (TTD1) described
 * in docs/file-formats.md; prints one JSON object per line.
 *
 *   tt_fp32_tool pretrain  <model.ttf> <train.ttd> <out.ttf> <epochs> <lr> <seed>
 *   tt_fp32_tool eval      <model.ttf> <test.ttd>
 *   tt_fp32_tool calibrate <model.ttf> <data.ttd> <samples>
 *   tt_fp32_tool finetune  <model.ttf> <train.ttd> <test.ttd> <steps> <lr> <plan.txt> [none|cosine]
 *   tt_fp32_tool gradcheck <model.ttf> <data.ttd> <index> <count> [seed]
 *   tt_fp32_tool loss      <model.ttf> <data.ttd> <index>
 *   tt_fp32_tool grads     <model.ttf> <data.ttd> <index>
 *
 * plan.txt: one line per conv "<bias 0|1> <k>", then "classifier <0|1>". finetune's last argument
 * is train.lr_decay (default none); cosine decays lr as the int8 program does (tt_lr_cosine).
 * Host only (malloc).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tt_files.h"
#include "../kernels/tt_kernels.h"

typedef struct {
    tt_f32_model *m;
    int ntensor;
    int *size;          /* elements of tensor t */
    float **val, **grad;
    int *conv_in, *conv_out;   /* tensor ids per conv */
    int *block_in, *block_out; /* tensor ids per block (block_out = add output when residual) */
    float *pool, *dpool, *logits, *dlogits;
    float **dw, **db; float *dfc_w, *dfc_b;
    int *train_bias, *train_k; int train_fc;
} net_t;

static void *xcalloc(size_t n, size_t s) { void *p = calloc(n ? n : 1, s); if (!p) { fprintf(stderr, "out of memory\n"); exit(3); } return p; }

static void net_init(net_t *n, tt_f32_model *m) {
    int b, i, t = 1;
    memset(n, 0, sizeof *n);
    n->m = m;
    n->ntensor = 1 + m->nconv + m->nblock;
    n->size = xcalloc((size_t)n->ntensor, sizeof(int));
    n->val = xcalloc((size_t)n->ntensor, sizeof(float *));
    n->grad = xcalloc((size_t)n->ntensor, sizeof(float *));
    n->conv_in = xcalloc((size_t)m->nconv, sizeof(int));
    n->conv_out = xcalloc((size_t)m->nconv, sizeof(int));
    n->block_in = xcalloc((size_t)m->nblock, sizeof(int));
    n->block_out = xcalloc((size_t)m->nblock, sizeof(int));
    n->size[0] = m->h * m->w * m->c;
    {
        int cur = 0;
        for (b = 0; b < m->nblock; b++) {
            const tt_f32_block *bl = &m->blocks[b];
            n->block_in[b] = cur;
            for (i = bl->first_conv; i < bl->first_conv + bl->nconv; i++) {
                const tt_f32_conv *cv = &m->convs[i];
                n->conv_in[i] = cur;
                n->conv_out[i] = t;
                n->size[t] = cv->ho * cv->wo * cv->cout;
                cur = t++;
            }
            if (bl->residual) { n->size[t] = n->size[cur]; cur = t++; }
            n->block_out[b] = cur;
        }
        n->ntensor = t;
    }
    for (i = 0; i < n->ntensor; i++) { n->val[i] = xcalloc((size_t)n->size[i], sizeof(float)); n->grad[i] = xcalloc((size_t)n->size[i], sizeof(float)); }
    n->pool = xcalloc((size_t)m->fc_cin, sizeof(float));
    n->dpool = xcalloc((size_t)m->fc_cin, sizeof(float));
    n->logits = xcalloc((size_t)m->classes, sizeof(float));
    n->dlogits = xcalloc((size_t)m->classes, sizeof(float));
    n->dw = xcalloc((size_t)m->nconv, sizeof(float *));
    n->db = xcalloc((size_t)m->nconv, sizeof(float *));
    n->train_bias = xcalloc((size_t)m->nconv, sizeof(int));
    n->train_k = xcalloc((size_t)m->nconv, sizeof(int));
    for (i = 0; i < m->nconv; i++) {
        n->dw[i] = xcalloc((size_t)tt_conv_weight_count(&m->convs[i]), sizeof(float));
        n->db[i] = xcalloc((size_t)m->convs[i].cout, sizeof(float));
        n->train_bias[i] = 1; n->train_k[i] = m->convs[i].cin;
    }
    n->train_fc = 1;
    n->dfc_w = xcalloc((size_t)(m->classes * m->fc_cin), sizeof(float));
    n->dfc_b = xcalloc((size_t)m->classes, sizeof(float));
}

/* A conv's activation, as its record's act field says: 1 ReLU6, 2 ReLU (imported models), 0 none. */
static void activate(const tt_f32_conv *cv, float *y, int n) {
    int i;
    if (cv->relu6 == 1) tt_relu6_f32(y, n, y);
    else if (cv->relu6 == 2) for (i = 0; i < n; i++) y[i] = y[i] < 0.0f ? 0.0f : y[i];
}

static void activate_bwd(const tt_f32_conv *cv, const float *y, float *dz, int n) {
    int i;
    if (cv->relu6 == 1) tt_relu6_bwd_f32(y, dz, n, dz);
    else if (cv->relu6 == 2) for (i = 0; i < n; i++) dz[i] = y[i] > 0.0f ? dz[i] : 0.0f;
}

static int is_pointwise(const tt_f32_conv *cv) { const tt_conv_geom *g = &cv->geo; return !cv->depthwise && g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pt == 0 && g->pl == 0 && g->pb == 0 && g->pr == 0; }

static void forward(net_t *n, const float *input) {
    tt_f32_model *m = n->m;
    int b, i;
    memcpy(n->val[0], input, sizeof(float) * (size_t)n->size[0]);
    for (b = 0; b < m->nblock; b++) {
        const tt_f32_block *bl = &m->blocks[b];
        for (i = bl->first_conv; i < bl->first_conv + bl->nconv; i++) {
            const tt_f32_conv *cv = &m->convs[i];
            const float *x = n->val[n->conv_in[i]];
            float *y = n->val[n->conv_out[i]];
            if (cv->depthwise) tt_dwconv_f32(x, cv->h, cv->w, cv->cin, cv->wt, cv->bias, &cv->geo, y);
            else if (is_pointwise(cv)) tt_pwconv_f32(x, cv->h, cv->w, cv->cin, cv->wt, cv->bias, cv->cout, y);
            else tt_conv2d_f32(x, cv->h, cv->w, cv->cin, cv->wt, cv->bias, cv->cout, &cv->geo, y);
            activate(cv, y, n->size[n->conv_out[i]]);
        }
        if (bl->residual) {
            int last = n->conv_out[bl->first_conv + bl->nconv - 1];
            tt_add_f32(n->val[n->block_in[b]], n->val[last], n->size[last], n->val[n->block_out[b]]);
        }
    }
    {
        const tt_f32_conv *lastc = &m->convs[m->nconv - 1];
        int top = m->nblock ? n->block_out[m->nblock - 1] : 0;
        int h = m->nconv ? lastc->ho : m->h, w = m->nconv ? lastc->wo : m->w;
        tt_avgpool_f32(n->val[top], h, w, m->fc_cin, n->pool);
    }
    tt_fc_f32(n->pool, m->fc_cin, m->fc_w, m->fc_b, m->classes, n->logits);
}

/* Backward through the network down to the earliest trained conv: gradients w.r.t. every
 * parameter there (n->dw, n->db, n->dfc_w, n->dfc_b). */
static void backward(net_t *n) {
    tt_f32_model *m = n->m;
    int b, i, t;
    int top = m->nblock ? n->block_out[m->nblock - 1] : 0;
    int first_trained = m->nconv;
    for (i = 0; i < m->nconv; i++) if (n->train_bias[i] || n->train_k[i] > 0) { first_trained = i; break; }
    for (t = 0; t < n->ntensor; t++) memset(n->grad[t], 0, sizeof(float) * (size_t)n->size[t]);
    tt_fc_f32_bwd(n->pool, m->fc_cin, m->fc_w, m->classes, n->dlogits, n->dpool, n->dfc_w, n->dfc_b);
    if (m->nconv) {
        const tt_f32_conv *lastc = &m->convs[m->nconv - 1];
        tt_avgpool_bwd_f32(n->dpool, lastc->ho, lastc->wo, m->fc_cin, n->grad[top]);
    }
    for (b = m->nblock - 1; b >= 0; b--) {
        const tt_f32_block *bl = &m->blocks[b];
        if (bl->first_conv + bl->nconv - 1 < first_trained) break;
        if (bl->residual) {
            int last = n->conv_out[bl->first_conv + bl->nconv - 1];
            int out = n->block_out[b];
            tt_accumulate_f32(n->grad[last], n->grad[out], n->size[out]);
            tt_accumulate_f32(n->grad[n->block_in[b]], n->grad[out], n->size[out]);
        }
        for (i = bl->first_conv + bl->nconv - 1; i >= bl->first_conv && i >= first_trained; i--) {
            tt_f32_conv *cv = &m->convs[i];
            float *dz = n->grad[n->conv_out[i]];
            const float *x = n->val[n->conv_in[i]];
            int sz = n->size[n->conv_out[i]];
            activate_bwd(cv, n->val[n->conv_out[i]], dz, sz);
            tt_bias_grad_f32(dz, cv->ho * cv->wo, cv->cout, n->db[i]);
            if (cv->depthwise) tt_dwconv_f32_bwd_weight(x, cv->h, cv->w, cv->cin, dz, &cv->geo, n->dw[i]);
            else if (is_pointwise(cv)) tt_pwconv_f32_bwd_weight(x, cv->h, cv->w, cv->cin, dz, cv->cout, n->dw[i]);
            else tt_conv2d_f32_bwd_weight(x, cv->h, cv->w, cv->cin, dz, cv->cout, &cv->geo, n->dw[i]);
            if (i > first_trained) {
                /* dx accumulates: a residual fork may already hold the skip gradient */
                float *tmp = n->grad[n->conv_in[i]];
                int insz = n->size[n->conv_in[i]];
                float *dx = xcalloc((size_t)insz, sizeof(float));
                if (cv->depthwise) tt_dwconv_f32_bwd_input(dz, cv->h, cv->w, cv->cin, cv->wt, &cv->geo, dx);
                else if (is_pointwise(cv)) tt_pwconv_f32_bwd_input(dz, cv->h, cv->w, cv->cin, cv->wt, cv->cout, dx);
                else tt_conv2d_f32_bwd_input(dz, cv->h, cv->w, cv->cin, cv->wt, cv->cout, &cv->geo, dx);
                tt_accumulate_f32(tmp, dx, insz);
                free(dx);
            }
        }
    }
}

/* SGD on what the plan trains: the bias when train_bias, weight input channels < train_k, the
 * classifier; after all gradients (the fp32 reference has memory to spare). */
static void update(net_t *n, float lr) {
    tt_f32_model *m = n->m;
    int i;
    for (i = 0; i < m->nconv; i++) {
        tt_f32_conv *cv = &m->convs[i];
        int k = n->train_k[i];
        if (n->train_bias[i]) tt_sgd_f32(cv->bias, n->db[i], cv->cout, lr);
        if (k >= cv->cin) tt_sgd_f32(cv->wt, n->dw[i], (int)tt_conv_weight_count(cv), lr);
        else if (k > 0) {
            long kk = (long)cv->geo.kh * cv->geo.kw, e;
            long total = tt_conv_weight_count(cv);
            for (e = 0; e < total; e++) {
                long ch = cv->depthwise ? e / kk : e % cv->cin;
                if (ch < k) cv->wt[e] -= lr * n->dw[i][e];
            }
        }
    }
    if (n->train_fc) {
        tt_sgd_f32(m->fc_w, n->dfc_w, m->classes * m->fc_cin, lr);
        tt_sgd_f32(m->fc_b, n->dfc_b, m->classes, lr);
    }
}

static void backward_and_update(net_t *n, float lr) { backward(n); update(n, lr); }

static const float *sample(const tt_dataset *d, int i) {
    return (const float *)d->pixels + (size_t)i * (size_t)(d->h * d->w * d->c);
}

static int check_shapes(const tt_f32_model *m, const tt_dataset *d) {
    if (d->dtype != 0 || d->h != m->h || d->w != m->w || d->c != m->c) {
        fprintf(stderr, "dataset is %dx%dx%d (%s), model input is %dx%dx%d float\n", d->h, d->w, d->c, d->dtype ? "int8" : "float", m->h, m->w, m->c);
        return 0;
    }
    return 1;
}

static double evaluate(net_t *n, const tt_dataset *d) {
    int i, correct = 0;
    for (i = 0; i < d->n; i++) {
        int am = 0;
        forward(n, sample(d, i));
        tt_log_softmax_nll(n->logits, n->m->classes, d->labels[i], NULL, &am);
        correct += am == d->labels[i];
    }
    return d->n ? (double)correct / d->n : 0.0;
}

static uint32_t rng_state = 1;
static uint32_t next_rand(void) { return tt_xorshift32(&rng_state); }

static int cmd_pretrain(int argc, char **argv) {
    tt_f32_model m; tt_dataset d; net_t n; char err[256];
    int epochs, e, i, *order;
    float lr;
    if (argc < 8) { fprintf(stderr, "usage: pretrain <model.ttf> <train.ttd> <out.ttf> <epochs> <lr> <seed>\n"); return 2; }
    if (tt_read_f32_model(argv[2], &m, err, sizeof err) || tt_read_dataset(argv[3], &d, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    if (!check_shapes(&m, &d)) return 1;
    epochs = atoi(argv[5]); lr = (float)atof(argv[6]);
    tt_rng_seed(&rng_state, (uint32_t)strtoul(argv[7], NULL, 10));
    net_init(&n, &m);
    order = xcalloc((size_t)d.n, sizeof(int));
    for (i = 0; i < d.n; i++) order[i] = i;
    for (e = 0; e < epochs; e++) {
        double loss = 0; int correct = 0;
        for (i = d.n - 1; i > 0; i--) { int j = (int)(next_rand() % (uint32_t)(i + 1)); int t = order[i]; order[i] = order[j]; order[j] = t; }
        for (i = 0; i < d.n; i++) {
            int s = order[i], am = 0;
            forward(&n, sample(&d, s));
            loss += tt_log_softmax_nll(n.logits, m.classes, d.labels[s], n.dlogits, &am);
            correct += am == d.labels[s];
            backward_and_update(&n, lr);
        }
        printf("{\"epoch\":%d,\"loss\":%.6f,\"accuracy\":%.4f}\n", e + 1, loss / (d.n ? d.n : 1), d.n ? (double)correct / d.n : 0.0);
        fflush(stdout);
    }
    if (tt_write_f32_model(argv[4], &m)) { fprintf(stderr, "cannot write %s\n", argv[4]); return 1; }
    return 0;
}

static int cmd_eval(int argc, char **argv) {
    tt_f32_model m; tt_dataset d; net_t n; char err[256];
    if (argc < 4) { fprintf(stderr, "usage: eval <model.ttf> <test.ttd>\n"); return 2; }
    if (tt_read_f32_model(argv[2], &m, err, sizeof err) || tt_read_dataset(argv[3], &d, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    if (!check_shapes(&m, &d)) return 1;
    net_init(&n, &m);
    printf("{\"accuracy\":%.4f,\"samples\":%d}\n", evaluate(&n, &d), d.n);
    return 0;
}

/* Per activation tensor (input, each conv output, each residual output, pool): min and max. */
static int cmd_calibrate(int argc, char **argv) {
    tt_f32_model m; tt_dataset d; net_t n; char err[256];
    int count, s, t, c;
    float *lo, *hi, plo = 1e30f, phi = -1e30f;
    if (argc < 5) { fprintf(stderr, "usage: calibrate <model.ttf> <data.ttd> <samples>\n"); return 2; }
    if (tt_read_f32_model(argv[2], &m, err, sizeof err) || tt_read_dataset(argv[3], &d, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    if (!check_shapes(&m, &d)) return 1;
    net_init(&n, &m);
    count = atoi(argv[4]);
    if (count > d.n || count <= 0) count = d.n;
    lo = xcalloc((size_t)n.ntensor, sizeof(float)); hi = xcalloc((size_t)n.ntensor, sizeof(float));
    for (t = 0; t < n.ntensor; t++) { lo[t] = 1e30f; hi[t] = -1e30f; }
    for (s = 0; s < count; s++) {
        forward(&n, sample(&d, s));
        for (t = 0; t < n.ntensor; t++) for (c = 0; c < n.size[t]; c++) {
            float v = n.val[t][c];
            if (v < lo[t]) lo[t] = v;
            if (v > hi[t]) hi[t] = v;
        }
        for (c = 0; c < m.fc_cin; c++) { if (n.pool[c] < plo) plo = n.pool[c]; if (n.pool[c] > phi) phi = n.pool[c]; }
    }
    printf("{\"tensors\":[");
    for (t = 0; t < n.ntensor; t++) printf("%s[%.8g,%.8g]", t ? "," : "", lo[t], hi[t]);
    printf("],\"convOut\":[");
    for (t = 0; t < m.nconv; t++) printf("%s%d", t ? "," : "", n.conv_out[t]);
    printf("],\"blockOut\":[");
    for (t = 0; t < m.nblock; t++) printf("%s%d", t ? "," : "", n.block_out[t]);
    printf("],\"pool\":[%.8g,%.8g],\"samples\":%d}\n", plo, phi, count);
    return 0;
}

static int cmd_finetune(int argc, char **argv) {
    tt_f32_model m; tt_dataset tr, te; net_t n; char err[256];
    int steps, s, i, cosine;
    float lr;
    FILE *pf;
    if (argc < 8) { fprintf(stderr, "usage: finetune <model.ttf> <train.ttd> <test.ttd> <steps> <lr> <plan.txt> [none|cosine]\n"); return 2; }
    cosine = argc > 8 && strcmp(argv[8], "cosine") == 0;
    if (argc > 8 && !cosine && strcmp(argv[8], "none") != 0) { fprintf(stderr, "finetune: lr decay '%s' is neither none nor cosine\n", argv[8]); return 2; }
    if (tt_read_f32_model(argv[2], &m, err, sizeof err) || tt_read_dataset(argv[3], &tr, err, sizeof err) || tt_read_dataset(argv[4], &te, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    if (!check_shapes(&m, &tr) || !check_shapes(&m, &te)) return 1;
    steps = atoi(argv[5]); lr = (float)atof(argv[6]);
    net_init(&n, &m);
    pf = fopen(argv[7], "r");
    if (!pf) { fprintf(stderr, "cannot open plan %s\n", argv[7]); return 1; }
    for (i = 0; i < m.nconv; i++) if (fscanf(pf, "%d %d", &n.train_bias[i], &n.train_k[i]) != 2) { fprintf(stderr, "plan: bad line for conv %d\n", i); fclose(pf); return 1; }
    if (fscanf(pf, " classifier %d", &n.train_fc) != 1) { fprintf(stderr, "plan: missing classifier line\n"); fclose(pf); return 1; }
    fclose(pf);
    for (s = 0; s < steps && tr.n > 0; s++) {
        int idx = s % tr.n, am = 0;
        float loss;
        forward(&n, sample(&tr, idx));
        loss = tt_log_softmax_nll(n.logits, m.classes, tr.labels[idx], n.dlogits, &am);
        backward_and_update(&n, cosine ? tt_lr_cosine(lr, (uint32_t)s, (uint32_t)steps) : lr);
        printf("{\"step\":%d,\"loss\":%.6f,\"correct\":%s}\n", s + 1, loss, am == tr.labels[idx] ? "true" : "false");
    }
    printf("{\"done\":true,\"accuracy\":%.4f,\"steps\":%d}\n", evaluate(&n, &te), steps);
    return 0;
}

static float loss_at(net_t *n, const float *x, int label) {
    forward(n, x);
    return tt_log_softmax_nll(n->logits, n->m->classes, label, n->dlogits, NULL);
}

/* Central finite differences against backward() on random parameters. Each parameter is probed
 * with two step sizes; where they disagree the loss is not smooth there (a ReLU6 kink or a
 * clamp crossed), so that parameter is counted as skipped rather than compared. */
static int cmd_gradcheck(int argc, char **argv) {
    tt_f32_model m; tt_dataset d; net_t n; char err[256];
    int idx, count, c, checked = 0, skipped = 0;
    double max_rel = 0, sum_rel = 0;
    if (argc < 6) { fprintf(stderr, "usage: gradcheck <model.ttf> <data.ttd> <index> <count> <seed>\n"); return 2; }
    if (tt_read_f32_model(argv[2], &m, err, sizeof err) || tt_read_dataset(argv[3], &d, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    if (!check_shapes(&m, &d)) return 1;
    idx = atoi(argv[4]); count = atoi(argv[5]);
    tt_rng_seed(&rng_state, argc > 6 ? (uint32_t)strtoul(argv[6], NULL, 10) : 1u);
    if (idx < 0 || idx >= d.n) { fprintf(stderr, "sample %d out of range\n", idx); return 1; }
    net_init(&n, &m);
    loss_at(&n, sample(&d, idx), d.labels[idx]);
    backward(&n);
    for (c = 0; c < count; c++) {
        float *param, analytic, saved;
        double fd1, fd2, rel;
        int which = (int)(next_rand() % (uint32_t)(m.nconv * 2 + 2));
        if (which < 2 * m.nconv) {
            tt_f32_conv *cv = &m.convs[which / 2];
            if (which % 2 == 0) { long e = (long)(next_rand() % (uint32_t)tt_conv_weight_count(cv)); param = &cv->wt[e]; analytic = n.dw[which / 2][e]; }
            else { int o = (int)(next_rand() % (uint32_t)cv->cout); param = &cv->bias[o]; analytic = n.db[which / 2][o]; }
        } else if (which == 2 * m.nconv) { int e = (int)(next_rand() % (uint32_t)(m.classes * m.fc_cin)); param = &m.fc_w[e]; analytic = n.dfc_w[e]; }
        else { int o = (int)(next_rand() % (uint32_t)m.classes); param = &m.fc_b[o]; analytic = n.dfc_b[o]; }
        saved = *param;
        *param = saved + 1e-2f; fd1 = loss_at(&n, sample(&d, idx), d.labels[idx]);
        *param = saved - 1e-2f; fd1 = (fd1 - loss_at(&n, sample(&d, idx), d.labels[idx])) / 2e-2;
        *param = saved + 5e-3f; fd2 = loss_at(&n, sample(&d, idx), d.labels[idx]);
        *param = saved - 5e-3f; fd2 = (fd2 - loss_at(&n, sample(&d, idx), d.labels[idx])) / 1e-2;
        *param = saved;
        if (fabs(fd1 - fd2) > 5e-3 * fmax(fabs(fd1), 1e-2)) { skipped++; continue; }
        rel = fabs(analytic - fd2) / fmax(fmax(fabs(analytic), fabs(fd2)), 1e-2);
        if (rel > max_rel) max_rel = rel;
        sum_rel += rel;
        checked++;
    }
    printf("{\"checked\":%d,\"skipped\":%d,\"maxRel\":%.3g,\"meanRel\":%.3g}\n", checked, skipped, max_rel, checked ? sum_rel / checked : 0.0);
    return 0;
}

static void print_floats(const char *key, const float *v, long n) {
    long i;
    printf("\"%s\":[", key);
    for (i = 0; i < n; i++) printf("%s%.9g", i ? "," : "", v[i]);
    printf("]");
}

/* The model, the dataset and the sample index of `grads` and `loss`: the index, or -1 after
 * saying why, with the exit code in *rc (2: usage, 1: unreadable or mismatched input). */
static int sample_args(int argc, char **argv, const char *usage, tt_f32_model *m, tt_dataset *d, int *rc) {
    char err[256];
    int idx;
    *rc = 2;
    if (argc < 5) { fprintf(stderr, "usage: %s\n", usage); return -1; }
    *rc = 1;
    if (tt_read_f32_model(argv[2], m, err, sizeof err) || tt_read_dataset(argv[3], d, err, sizeof err)) { fprintf(stderr, "%s\n", err); return -1; }
    if (!check_shapes(m, d)) return -1;
    idx = atoi(argv[4]);
    if (idx < 0 || idx >= d->n) { fprintf(stderr, "sample %d out of range\n", idx); return -1; }
    return idx;
}

/* Every parameter gradient of one sample (no update), one JSON line per conv, then the
 * classifier: for comparison with an independent reference. */
static int cmd_grads(int argc, char **argv) {
    tt_f32_model m; tt_dataset d; net_t n;
    int idx, i, rc;
    if ((idx = sample_args(argc, argv, "grads <model.ttf> <data.ttd> <index>", &m, &d, &rc)) < 0) return rc;
    net_init(&n, &m);
    printf("{\"loss\":%.9g}\n", loss_at(&n, sample(&d, idx), d.labels[idx]));
    backward(&n);
    for (i = 0; i < m.nconv; i++) {
        printf("{\"conv\":%d,", i);
        print_floats("dw", n.dw[i], tt_conv_weight_count(&m.convs[i]));
        printf(",");
        print_floats("db", n.db[i], m.convs[i].cout);
        printf("}\n");
    }
    printf("{\"classifier\":true,");
    print_floats("dw", n.dfc_w, (long)m.classes * m.fc_cin);
    printf(",");
    print_floats("db", n.dfc_b, m.classes);
    printf("}\n");
    return 0;
}

/* The loss of one sample (for finite differences driven from outside). */
static int cmd_loss(int argc, char **argv) {
    tt_f32_model m; tt_dataset d; net_t n;
    int idx, rc;
    if ((idx = sample_args(argc, argv, "loss <model.ttf> <data.ttd> <index>", &m, &d, &rc)) < 0) return rc;
    net_init(&n, &m);
    printf("{\"loss\":%.9g}\n", loss_at(&n, sample(&d, idx), d.labels[idx]));
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "gradcheck")) return cmd_gradcheck(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "loss")) return cmd_loss(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "grads")) return cmd_grads(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "pretrain")) return cmd_pretrain(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "eval")) return cmd_eval(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "calibrate")) return cmd_calibrate(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "finetune")) return cmd_finetune(argc, argv);
    fprintf(stderr, "usage: tt_fp32_tool pretrain|eval|calibrate|finetune ...\n");
    return 2;
}
