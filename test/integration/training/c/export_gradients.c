/* Test hook for builds with -DTT_EXPORT_GRADIENTS: prints every parameter gradient the
 * generated program computes, before it is applied, as one JSON line. */
#include <stdio.h>

void tt_export_gradient(const char *name, const float *values, int n);

void tt_export_gradient(const char *name, const float *values, int n) {
    int i;
    printf("{\"grad\":\"%s\",\"values\":[", name);
    for (i = 0; i < n; i++) printf("%s%.9g", i ? "," : "", values[i]);
    printf("]}\n");
}
