/* Fuzz target: CSV with a header. The first byte picks options (delimiter,
 * target kind, NaN policy, class indexes only, a small memory limit) so they
 * are fuzzed too. */
#include <stdint.h>
#include <string.h>

#include "zenn/zenn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zn_csv_opts o = zn_csv_opts_default();
    if (size > 0) {
        static const char delims[4] = {0, ',', ';', '\t'};
        o.delimiter = delims[data[0] & 3];
        o.kind = (zn_target_kind)((data[0] >> 2) % 3);
        o.load.allow_nan = (data[0] >> 4) & 1;
        o.labels_only = (data[0] >> 5) & 1;
        o.load.max_memory = (data[0] >> 6) & 1 ? 4096 : 0;
        data++;
        size--;
    }
    zn_dataset *d = NULL;
    zn_status s = zn_dataset_parse_csv((const char *)data, size, "fuzz.csv", &o, &d);
    if (s == ZN_OK) {
        volatile float sink = 0;
        for (int64_t i = 0; i < d->rows * d->n_in; i++) sink += d->x[i];
        for (int64_t i = 0; d->y && i < d->rows * d->n_out; i++) sink += d->y[i];
        /* Classes come with in-range indexes; y is missing only when asked. */
        if ((d->n_classes > 0) != (d->labels != NULL) || (!d->y && !(o.labels_only && d->n_classes > 0)))
            __builtin_trap();
        for (int64_t r = 0; d->labels && r < d->rows; r++)
            if (d->labels[r] < 0 || d->labels[r] >= d->n_classes || (d->y && d->y[r * d->n_out + d->labels[r]] != 1.0f))
                __builtin_trap();
        sink += (float)strlen(d->target_reason);
        for (int64_t i = 0; i < d->n_in; i++) sink += (float)strlen(d->in_names[i]);
        for (int64_t i = 0; i < d->n_classes; i++) sink += (float)strlen(d->class_names[i]);
        (void)sink;
        zn_dataset_free(d);
    } else if (d != NULL || zn_last_error()[0] == '\0') {
        __builtin_trap();
    }
    return 0;
}
