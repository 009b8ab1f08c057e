/*
 * tt_files.h - readers for the host tools' files (docs/file-formats.md): the fp32 model file
 * (TTF1) and the dataset file (TTD1). Host only: uses stdio and malloc.
 */
#ifndef TT_FILES_H
#define TT_FILES_H

#include <stdint.h>
#include <stdio.h>
#include "tt_kernels.h"

typedef struct {
    int cin, cout, depthwise, relu6; /* relu6: the record's activation code, 0 none, 1 ReLU6, 2 ReLU */
    tt_conv_geom geo; /* kernel, strides, explicit padding */
    int h, w;        /* input spatial size */
    int ho, wo;      /* output spatial size */
    float *wt;       /* OHWI, or [c][kh][kw] for depthwise */
    float *bias;     /* [cout] */
} tt_f32_conv;

typedef struct {
    int first_conv, nconv, residual;
} tt_f32_block;

typedef struct {
    int h, w, c, classes;
    int nconv, nblock;
    tt_f32_conv *convs;
    tt_f32_block *blocks;
    float *fc_w;     /* [classes][cin] */
    float *fc_b;     /* [classes] */
    int fc_cin;
} tt_f32_model;

typedef struct {
    int n, h, w, c, dtype; /* dtype 0: float32 pixels, 1: int8 pixels */
    int32_t *labels;
    void *pixels;          /* n * h * w * c elements */
} tt_dataset;

int tt_read_f32_model(const char *path, tt_f32_model *m, char *err, size_t errlen);
int tt_write_f32_model(const char *path, const tt_f32_model *m);
int tt_read_dataset(const char *path, tt_dataset *d, char *err, size_t errlen);
long tt_conv_weight_count(const tt_f32_conv *c);

#endif
