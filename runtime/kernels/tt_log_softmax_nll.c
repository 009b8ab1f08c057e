/* Log-softmax + negative log likelihood at batch size 1. */
#include <math.h>
#include "tt_internal.h"

float tt_log_softmax_nll(const float *logits, int n, int label, float *dlogits, int *argmax)
{
    int i, best = 0;
    float mx = logits[0], sum = 0.0f, lse;
    for (i = 1; i < n; i++)
        if (logits[i] > mx) { mx = logits[i]; best = i; }
    for (i = 0; i < n; i++) sum += expf(logits[i] - mx);
    lse = logf(sum);
    if (dlogits) {
        float inv = 1.0f / sum;
        for (i = 0; i < n; i++) dlogits[i] = expf(logits[i] - mx) * inv - (i == label ? 1.0f : 0.0f);
    }
    if (argmax) *argmax = best;
    return lse - (logits[label] - mx);
}
