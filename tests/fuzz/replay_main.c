/* Runs a fuzz target over files named on the command line (a corpus), so
 * the seeds and every crash ever found stay regression tests in any build. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
    int ran = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "cannot open %s\n", argv[i]);
            return 1;
        }
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
            if (len == cap) {
                cap = cap ? cap * 2 : 4096;
                uint8_t *grown = realloc(buf, cap);
                if (!grown) {
                    free(buf);
                    fclose(f);
                    return 1;
                }
                buf = grown;
            }
            size_t got = fread(buf + len, 1, cap - len, f);
            if (got == 0) break;
            len += got;
        }
        fclose(f);
        /* An exact-size copy, so ASan sees reads past the end. */
        uint8_t *exact = malloc(len ? len : 1);
        if (!exact) {
            free(buf);
            return 1;
        }
        for (size_t k = 0; k < len; k++) exact[k] = buf[k];
        free(buf);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
        ran++;
    }
    printf("%d inputs replayed\n", ran);
    return ran > 0 ? 0 : 1;
}
