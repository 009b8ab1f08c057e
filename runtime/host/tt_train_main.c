/*
 * tt_train_main - the host "device": runs the generated training program (tt_model.c) on a
 * dataset file and prints one JSON object per line, as a board would stream them:
 *   {"step":N,"loss":L,"correct":true|false}   per training step
 *   {"done":true,"accuracy":A,"steps":N}       after evaluating the held-out set
 *
 *   tt_train_main <train.ttd> <test.ttd> <steps> [--eval-only]
 * Datasets are int8 (TTD1 dtype 1) in the model's input quantization.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tt_files.h"
#include "tt_model.h"

static int check(const tt_dataset *d, const char *path) {
    if (d->dtype != 1 || d->h != TT_INPUT_H || d->w != TT_INPUT_W || d->c != TT_INPUT_C) {
        fprintf(stderr, "%s: %dx%dx%d %s samples; the model takes %dx%dx%d int8\n", path, d->h, d->w, d->c,
                d->dtype ? "int8" : "float", TT_INPUT_H, TT_INPUT_W, TT_INPUT_C);
        return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    tt_dataset train, test;
    char err[256];
    int steps, s, i, correct = 0;
    const size_t per = (size_t)TT_INPUT_H * TT_INPUT_W * TT_INPUT_C;
    if (argc < 4) { fprintf(stderr, "usage: %s <train.ttd> <test.ttd> <steps> [--eval-only]\n", argv[0]); return 2; }
    if (tt_read_dataset(argv[1], &train, err, sizeof err) || tt_read_dataset(argv[2], &test, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    if (!check(&train, argv[1]) || !check(&test, argv[2])) return 1;
    steps = atoi(argv[3]);
    tt_init();
    if (argc < 5 || strcmp(argv[4], "--eval-only") != 0) {
        for (s = 0; s < steps && train.n > 0; s++) {
            tt_step_stats st;
            int idx = s % train.n;
            memcpy(tt_input_buffer(), (const int8_t *)train.pixels + per * (size_t)idx, per);
            tt_train_step(tt_input_buffer(), train.labels[idx], &st);
            printf("{\"step\":%d,\"loss\":%.6f,\"correct\":%s}\n", s + 1, st.loss, st.correct ? "true" : "false");
        }
    }
    for (i = 0; i < test.n; i++) correct += tt_infer((const int8_t *)test.pixels + per * (size_t)i, 0) == test.labels[i];
    printf("{\"done\":true,\"accuracy\":%.4f,\"steps\":%d}\n", test.n ? (double)correct / test.n : 0.0, steps);
    free(train.labels); free(train.pixels); free(test.labels); free(test.pixels);
    return 0;
}
