/* tt_files.c - see tt_files.h. Every read is checked; a short or malformed file is an error
 * message, never undefined behaviour. */
#include "tt_files.h"
#include <stdlib.h>
#include <string.h>

static int rd_u32(FILE *f, uint32_t *v) { return fread(v, 4, 1, f) == 1; }
static int wr_u32(FILE *f, uint32_t v) { return fwrite(&v, 4, 1, f) == 1; }

long tt_conv_weight_count(const tt_f32_conv *c) {
    long kk = (long)c->geo.kh * c->geo.kw;
    return c->depthwise ? kk * c->cout : kk * c->cin * c->cout;
}

static int fail(char *err, size_t len, const char *msg, const char *path) {
    snprintf(err, len, "%s: %s", path, msg);
    return -1;
}

int tt_read_f32_model(const char *path, tt_f32_model *m, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    char magic[4];
    uint32_t v[6];
    int i;
    if (!f) return fail(err, errlen, "cannot open", path);
    memset(m, 0, sizeof *m);
    if (fread(magic, 1, 4, f) != 4 || memcmp(magic, "TTF1", 4) != 0) { fclose(f); return fail(err, errlen, "not a TTF1 fp32 model file", path); }
    for (i = 0; i < 6; i++) if (!rd_u32(f, &v[i])) { fclose(f); return fail(err, errlen, "truncated header", path); }
    /* v: version, h, w, c, classes, nblock */
    if ((v[0] != 1 && v[0] != 2) || v[1] == 0 || v[1] > 4096 || v[2] == 0 || v[2] > 4096 || v[3] == 0 || v[3] > 4096 || v[4] == 0 || v[4] > 100000 || v[5] > 4096) {
        fclose(f); return fail(err, errlen, "bad header values", path);
    }
    m->h = (int)v[1]; m->w = (int)v[2]; m->c = (int)v[3]; m->classes = (int)v[4]; m->nblock = (int)v[5];
    m->blocks = calloc((size_t)m->nblock + 1, sizeof *m->blocks);
    m->convs = calloc((size_t)m->nblock * 3 + 1, sizeof *m->convs);
    {
        int h = m->h, w = m->w, c = m->c, b;
        for (b = 0; b < m->nblock; b++) {
            uint32_t nc, res, j;
            if (!rd_u32(f, &nc) || !rd_u32(f, &res) || nc == 0 || nc > 3) { fclose(f); return fail(err, errlen, "bad block record", path); }
            m->blocks[b].first_conv = m->nconv; m->blocks[b].nconv = (int)nc; m->blocks[b].residual = (int)res;
            for (j = 0; j < nc; j++) {
                /* v1: cout, kernel, stride, depthwise, relu6 (square, centred "same" padding);
                 * v2: cout, kh, kw, sh, sw, pt, pl, pb, pr (i32), depthwise, relu6 */
                uint32_t r[11];
                tt_f32_conv *cv = &m->convs[m->nconv++];
                tt_conv_geom *g = &cv->geo;
                int k, n = v[0] == 1 ? 5 : 11;
                for (k = 0; k < n; k++) if (!rd_u32(f, &r[k])) { fclose(f); return fail(err, errlen, "truncated conv record", path); }
                cv->cout = (int)r[0];
                if (v[0] == 1) {
                    g->kh = g->kw = (int)r[1]; g->sh = g->sw = (int)r[2];
                    cv->depthwise = (int)r[3]; cv->relu6 = (int)r[4];
                    if (g->kh <= 0 || g->kh > 15 || g->sh <= 0 || g->sh > 4) { fclose(f); return fail(err, errlen, "bad conv record", path); }
                    g->pt = g->pl = (g->kh - 1) / 2;
                    g->pb = (TT_OUT_SIZE(h, g->sh) - 1) * g->sh + g->kh - h - g->pt; if (g->pb < 0) g->pb = 0;
                    g->pr = (TT_OUT_SIZE(w, g->sw) - 1) * g->sw + g->kw - w - g->pl; if (g->pr < 0) g->pr = 0;
                } else {
                    g->kh = (int)r[1]; g->kw = (int)r[2]; g->sh = (int)r[3]; g->sw = (int)r[4];
                    g->pt = (int32_t)r[5]; g->pl = (int32_t)r[6]; g->pb = (int32_t)r[7]; g->pr = (int32_t)r[8];
                    cv->depthwise = (int)r[9]; cv->relu6 = (int)r[10];
                }
                if (cv->cout <= 0 || cv->cout > 65536 || g->kh <= 0 || g->kh > 64 || g->kw <= 0 || g->kw > 64 || g->sh <= 0 || g->sh > 8 || g->sw <= 0 || g->sw > 8 ||
                    g->pt < 0 || g->pl < 0 || g->pt >= g->kh || g->pl >= g->kw || g->pb > 64 || g->pr > 64 || g->pb < -64 || g->pr < -64) {
                    fclose(f); return fail(err, errlen, "bad conv record", path);
                }
                cv->cin = c; cv->h = h; cv->w = w;
                cv->ho = TT_CONV_OUT_H(g, h); cv->wo = TT_CONV_OUT_W(g, w);
                if (cv->ho <= 0 || cv->wo <= 0) { fclose(f); return fail(err, errlen, "conv output would be empty", path); }
                if (cv->depthwise && cv->cout != c) { fclose(f); return fail(err, errlen, "depthwise conv must keep channels", path); }
                h = cv->ho; w = cv->wo; c = cv->cout;
            }
        }
        m->fc_cin = c;
    }
    for (i = 0; i < m->nconv; i++) {
        tt_f32_conv *cv = &m->convs[i];
        long n = tt_conv_weight_count(cv);
        cv->wt = malloc(sizeof(float) * (size_t)n);
        cv->bias = malloc(sizeof(float) * (size_t)cv->cout);
        if (fread(cv->wt, sizeof(float), (size_t)n, f) != (size_t)n || fread(cv->bias, sizeof(float), (size_t)cv->cout, f) != (size_t)cv->cout) {
            fclose(f); return fail(err, errlen, "truncated weights", path);
        }
    }
    m->fc_w = malloc(sizeof(float) * (size_t)m->classes * (size_t)m->fc_cin);
    m->fc_b = malloc(sizeof(float) * (size_t)m->classes);
    if (fread(m->fc_w, sizeof(float), (size_t)(m->classes * m->fc_cin), f) != (size_t)(m->classes * m->fc_cin) ||
        fread(m->fc_b, sizeof(float), (size_t)m->classes, f) != (size_t)m->classes) {
        fclose(f); return fail(err, errlen, "truncated classifier", path);
    }
    fclose(f);
    return 0;
}

int tt_write_f32_model(const char *path, const tt_f32_model *m) {
    FILE *f = fopen(path, "wb");
    int b, i, ok = 1;
    if (!f) return -1;
    ok &= fwrite("TTF1", 1, 4, f) == 4;
    ok &= wr_u32(f, 2) && wr_u32(f, (uint32_t)m->h) && wr_u32(f, (uint32_t)m->w) && wr_u32(f, (uint32_t)m->c) && wr_u32(f, (uint32_t)m->classes) && wr_u32(f, (uint32_t)m->nblock);
    for (b = 0; b < m->nblock; b++) {
        const tt_f32_block *bl = &m->blocks[b];
        ok &= wr_u32(f, (uint32_t)bl->nconv) && wr_u32(f, (uint32_t)bl->residual);
        for (i = bl->first_conv; i < bl->first_conv + bl->nconv; i++) {
            const tt_f32_conv *cv = &m->convs[i];
            const tt_conv_geom *g = &cv->geo;
            ok &= wr_u32(f, (uint32_t)cv->cout) && wr_u32(f, (uint32_t)g->kh) && wr_u32(f, (uint32_t)g->kw) && wr_u32(f, (uint32_t)g->sh) && wr_u32(f, (uint32_t)g->sw);
            ok &= wr_u32(f, (uint32_t)g->pt) && wr_u32(f, (uint32_t)g->pl) && wr_u32(f, (uint32_t)g->pb) && wr_u32(f, (uint32_t)g->pr);
            ok &= wr_u32(f, (uint32_t)cv->depthwise) && wr_u32(f, (uint32_t)cv->relu6);
        }
    }
    for (i = 0; i < m->nconv; i++) {
        const tt_f32_conv *cv = &m->convs[i];
        long n = tt_conv_weight_count(cv);
        ok &= fwrite(cv->wt, sizeof(float), (size_t)n, f) == (size_t)n;
        ok &= fwrite(cv->bias, sizeof(float), (size_t)cv->cout, f) == (size_t)cv->cout;
    }
    ok &= fwrite(m->fc_w, sizeof(float), (size_t)(m->classes * m->fc_cin), f) == (size_t)(m->classes * m->fc_cin);
    ok &= fwrite(m->fc_b, sizeof(float), (size_t)m->classes, f) == (size_t)m->classes;
    if (fclose(f) != 0) ok = 0;
    return ok ? 0 : -1;
}

int tt_read_dataset(const char *path, tt_dataset *d, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    char magic[4];
    uint32_t v[5];
    size_t per, elem;
    int i;
    if (!f) return fail(err, errlen, "cannot open", path);
    if (fread(magic, 1, 4, f) != 4 || memcmp(magic, "TTD1", 4) != 0) { fclose(f); return fail(err, errlen, "not a TTD1 dataset file", path); }
    for (i = 0; i < 5; i++) if (!rd_u32(f, &v[i])) { fclose(f); return fail(err, errlen, "truncated header", path); }
    d->n = (int)v[0]; d->h = (int)v[1]; d->w = (int)v[2]; d->c = (int)v[3]; d->dtype = (int)v[4];
    if (d->n < 0 || d->n > 10000000 || d->h <= 0 || d->w <= 0 || d->c <= 0 || d->dtype < 0 || d->dtype > 1) { fclose(f); return fail(err, errlen, "bad header values", path); }
    elem = d->dtype == 0 ? 4 : 1;
    per = (size_t)d->h * (size_t)d->w * (size_t)d->c;
    d->labels = malloc(sizeof(int32_t) * (size_t)(d->n + 1));
    d->pixels = malloc(elem * per * (size_t)(d->n + 1));
    for (i = 0; i < d->n; i++) {
        if (fread(&d->labels[i], 4, 1, f) != 1 || fread((char *)d->pixels + elem * per * (size_t)i, elem, per, f) != per) {
            fclose(f); return fail(err, errlen, "truncated samples", path);
        }
    }
    fclose(f);
    return 0;
}
