/*
 * tt_train_main - the host "device": runs the generated training program (tt_model.c) on a
 * dataset file and prints one JSON object per line, as a board would stream them:
 *   {"step":N,"loss":L,"correct":true|false}   per training step
 *   {"sample":I,"logits":[...],"predicted":K}  per test sample, with --logits
 *   {"done":true,"accuracy":A,"steps":N}       after evaluating the held-out set
 *
 *   tt_train_main <train.ttd> <test.ttd> <steps> [--eval-only] [--logits [--tensor <offset> <count>]...] [--save <file.ttp>]
 * Datasets are int8 (TTD1 dtype 1) in the model's input quantization.
 *
 * --save writes the trained tensors after training as a TTP1 file (docs/file-formats.md), the
 * input of tinytrain export.
 *
 * --logits prints each test sample's float logits (tt_infer) and its predicted class; for an
 * imported model that keeps its head (TT_HAS_OUTPUT), also "outputs": its own int8 output.
 * --tensor <offset> <count> (with --logits; up to TT_MAX_DUMPS times) adds "tensors":[[...],...]:
 * the <count> int8 values that tt_infer left in the arena at <offset> bytes from the input tensor
 * (tt_input_buffer()), one list per --tensor. tt_model.h exposes only the input tensor, so a test
 * that wants an inner int8 tensor (e.g. the global average pool's output) takes the offset from
 * the memory plan: offset of that tensor minus offset of the input, possibly negative, and checks
 * in the plan that no later op of tt_infer overwrites it. Both lie in the one arena, so the
 * pointer arithmetic stays inside one array object.
 *
 * Built with -DTT_PROFILE (tt_model.h), it times each op of every training step (CLOCK_MONOTONIC
 * ns) and prints, after the steps, {"profile":[ns per op, summed over the steps],"stepNs":[...]}.
 */
#define _POSIX_C_SOURCE 200809L
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

#define TT_MAX_DUMPS 8

#ifdef TT_PROFILE
#include <time.h>
uint64_t tt_profile_clock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
static void print_profile(const uint64_t *step_ns, int steps) {
    int i;
    printf("{\"profile\":[");
    for (i = 0; i < TT_OPS; i++) printf("%s%llu", i ? "," : "", (unsigned long long)tt_profile_counts[i]);
    printf("],\"stepNs\":[");
    for (i = 0; i < steps; i++) printf("%s%llu", i ? "," : "", (unsigned long long)step_ns[i]);
    printf("]}\n");
}
#endif

static void usage(const char *argv0) {
    fprintf(stderr, "usage: %s <train.ttd> <test.ttd> <steps> [--eval-only] [--logits [--tensor <offset> <count>]...] [--save <file.ttp>]\n", argv0);
}

static void put_u32(FILE *f, uint32_t v) {
    unsigned char b[4];
    b[0] = (unsigned char)v; b[1] = (unsigned char)(v >> 8); b[2] = (unsigned char)(v >> 16); b[3] = (unsigned char)(v >> 24);
    fwrite(b, 1, 4, f);
}

/* TTP1: "TTP1", u32 model hash, u32 count, per tensor: i32 conv, u32 kind, u32 bytes, data. */
static int save_trained(const char *path) {
    FILE *f = fopen(path, "wb");
    int i;
    if (!f) { fprintf(stderr, "cannot write %s\n", path); return 1; }
    fwrite("TTP1", 1, 4, f);
    put_u32(f, TT_MODEL_HASH);
    put_u32(f, TT_TRAINED_COUNT);
    for (i = 0; i < TT_TRAINED_COUNT; i++) {
        put_u32(f, (uint32_t)(int32_t)tt_trained[i].conv);
        put_u32(f, tt_trained[i].kind);
        put_u32(f, tt_trained[i].bytes);
        /* int32 biases are written as the host stores them: the host is little-endian (x86, Arm) */
        fwrite(tt_trained[i].data, 1, tt_trained[i].bytes, f);
    }
    if (fclose(f) != 0) { fprintf(stderr, "cannot write %s\n", path); return 1; }
    return 0;
}

/* Held-out confusion counts: [true label][predicted]. */
static long confusion[TT_CLASSES][TT_CLASSES];

int main(int argc, char **argv) {
    tt_dataset train, test;
    char err[256];
    int steps, s, i, a, d, correct = 0, eval_only = 0, logits_mode = 0, ndump = 0;
    const char *save = 0;
    long dump_offset[TT_MAX_DUMPS], dump_count[TT_MAX_DUMPS];
    const size_t per = (size_t)TT_INPUT_H * TT_INPUT_W * TT_INPUT_C;
    if (argc < 4) { usage(argv[0]); return 2; }
    for (a = 4; a < argc; a++) {
        if (strcmp(argv[a], "--eval-only") == 0) eval_only = 1;
        else if (strcmp(argv[a], "--logits") == 0) logits_mode = 1;
        else if (strcmp(argv[a], "--save") == 0 && a + 1 < argc) save = argv[++a];
        else if (strcmp(argv[a], "--tensor") == 0 && a + 2 < argc && ndump < TT_MAX_DUMPS) {
            char *end1, *end2;
            long off = strtol(argv[a + 1], &end1, 10), n = strtol(argv[a + 2], &end2, 10);
            /* the range must at least fit in an arena that also holds the input */
            if (*end1 || *end2 || n <= 0 || off <= -(long)TT_ARENA_BYTES || off + n > (long)TT_ARENA_BYTES) {
                fprintf(stderr, "--tensor %s %s: not a range inside the %u-byte arena\n", argv[a + 1], argv[a + 2], TT_ARENA_BYTES);
                return 2;
            }
            dump_offset[ndump] = off;
            dump_count[ndump++] = n;
            a += 2;
        } else if (strcmp(argv[a], "--tensor") == 0) { usage(argv[0]); return 2; }
        /* anything else is ignored, as before these options existed */
    }
    if (ndump && !logits_mode) { fprintf(stderr, "--tensor needs --logits\n"); return 2; }
    if (ndump && TT_INPUT_STREAMED) { fprintf(stderr, "--tensor needs a whole input tensor in the arena: compile with train.schedule: whole-tensors\n"); return 2; }
    if (tt_read_dataset(argv[1], &train, err, sizeof err) || tt_read_dataset(argv[2], &test, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    if (!check(&train, argv[1]) || !check(&test, argv[2])) return 1;
    steps = atoi(argv[3]);
    tt_init();
#ifdef TT_PROFILE
    uint64_t *step_ns = steps > 0 ? calloc((size_t)steps, sizeof(uint64_t)) : 0;
#endif
    if (!eval_only) {
        for (s = 0; s < steps && train.n > 0; s++) {
            tt_step_stats st;
            int idx = s % train.n;
            /* the sample straight from host memory: the step copies it into its input tensor, or
             * streams its rows when the schedule streams */
#ifdef TT_PROFILE
            {
                uint64_t t0 = tt_profile_clock();
                tt_train_step((const int8_t *)train.pixels + per * (size_t)idx, train.labels[idx], &st);
                if (step_ns) step_ns[s] = tt_profile_clock() - t0;
            }
#else
            tt_train_step((const int8_t *)train.pixels + per * (size_t)idx, train.labels[idx], &st);
#endif
            printf("{\"step\":%d,\"loss\":%.6f,\"correct\":%s}\n", s + 1, st.loss, st.correct ? "true" : "false");
        }
#ifdef TT_PROFILE
        print_profile(step_ns, s);
        free(step_ns);
#endif
    }
    if (save && save_trained(save)) return 1;
    for (i = 0; i < test.n; i++) {
        float logits[TT_CLASSES];
        int k = tt_infer((const int8_t *)test.pixels + per * (size_t)i, logits_mode ? logits : 0);
        correct += k == test.labels[i];
        if (k >= 0 && k < TT_CLASSES && test.labels[i] >= 0 && test.labels[i] < TT_CLASSES) confusion[test.labels[i]][k]++;
        if (logits_mode) {
            int o;
            printf("{\"sample\":%d,\"logits\":[", i);
            /* %.9g: every float prints so that it parses back to the same float */
            for (o = 0; o < TT_CLASSES; o++) printf("%s%.9g", o ? "," : "", (double)logits[o]);
            printf("],\"predicted\":%d", k);
#ifdef TT_HAS_OUTPUT
            {
                /* the imported model's own int8 output (its classifier's, or its softmax's) */
                int8_t out[TT_CLASSES];
                tt_output(logits, out);
                printf(",\"outputs\":[");
                for (o = 0; o < TT_CLASSES; o++) printf("%s%d", o ? "," : "", (int)out[o]);
                printf("]");
            }
#endif
            if (ndump) {
                printf(",\"tensors\":[");
                for (d = 0; d < ndump; d++) {
                    const int8_t *t = tt_input_buffer() + dump_offset[d];
                    long e;
                    printf("%s[", d ? "," : "");
                    for (e = 0; e < dump_count[d]; e++) printf("%s%d", e ? "," : "", (int)t[e]);
                    printf("]");
                }
                printf("]");
            }
            printf("}\n");
        }
    }
#ifdef TT_EXPORT_PARAMS
    { void tt_export_params(void); tt_export_params(); }
#endif
    /* confusion[label][predicted] over the held-out samples: the per-class accuracy a user checks first */
    printf("{\"done\":true,\"accuracy\":%.4f,\"steps\":%d,\"confusion\":[", test.n ? (double)correct / test.n : 0.0, steps);
    for (i = 0; i < TT_CLASSES; i++) {
        int o;
        printf("%s[", i ? "," : "");
        for (o = 0; o < TT_CLASSES; o++) printf("%s%ld", o ? "," : "", confusion[i][o]);
        printf("]");
    }
    printf("]}\n");
    free(train.labels); free(train.pixels); free(test.labels); free(test.pixels);
    return 0;
}
