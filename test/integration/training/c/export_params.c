/* Test hook for host trainers built with -DTT_EXPORT_PARAMS: after training, prints every
 * trained parameter's SRAM copy (tt_trained[], in its fixed order) as one JSON line of hex bytes,
 * named c<conv>_w / c<conv>_b (fc_w / fc_b for the classifier). */
#include <stdio.h>
#include "tt_model.h"

void tt_export_params(void);

void tt_export_params(void) {
    int t;
    for (t = 0; t < TT_TRAINED_COUNT; t++) {
        const tt_trained_tensor *p = &tt_trained[t];
        const unsigned char *b = (const unsigned char *)p->data;
        unsigned i;
        if (p->conv < 0) printf("{\"param\":\"fc_%c\",\"hex\":\"", p->kind ? 'b' : 'w');
        else printf("{\"param\":\"c%d_%c\",\"hex\":\"", p->conv, p->kind ? 'b' : 'w');
        for (i = 0; i < p->bytes; i++) printf("%02x", b[i]);
        printf("\"}\n");
    }
}
