/* JSON output of the commands (see cli_json.h). */
#include <math.h>

#include "cli_json.h"

/* The length of the UTF-8 sequence at p, or 0 when it is not one. */
static int utf8_len(const unsigned char *p) {
    unsigned c = *p;
    int n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80) return 0;
    return n;
}

void cli_json_str(FILE *f, const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', f);
    while (*p) {
        int n = utf8_len(p);
        if (n == 0) {
            fputs("\\ufffd", f);
            p++;
        } else if (n > 1) {
            fwrite(p, 1, (size_t)n, f);
            p += n;
        } else {
            if (*p == '"' || *p == '\\')
                fprintf(f, "\\%c", *p);
            else if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
            p++;
        }
    }
    fputc('"', f);
}

void cli_json_num(FILE *f, const char *key, double value) {
    if (isfinite(value))
        fprintf(f, "\"%s\":%.9g", key, value);
    else
        fprintf(f, "\"%s\":null", key);
}
