/* Test hook for builds with -DTT_EXPORT_PARAMS: prints every trained parameter's SRAM copy,
 * after training, as one JSON line of hex bytes. */
#include <stdio.h>

void tt_export_param(const char *name, const void *bytes, unsigned n);

void tt_export_param(const char *name, const void *bytes, unsigned n) {
    const unsigned char *b = (const unsigned char *)bytes;
    unsigned i;
    printf("{\"param\":\"%s\",\"hex\":\"", name);
    for (i = 0; i < n; i++) printf("%02x", b[i]);
    printf("\"}\n");
}
