/* zenn bench's JSON: the run's results with the machine's fingerprint
 * (what --json writes, the report embeds and the history keeps). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

#include "zn_git_commit.h" /* generated at build time: ZN_GIT_COMMIT */

/* A JSON string; < and > escaped too, so the text can sit inside HTML. */
void bench_json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20 || *s == '<' || *s == '>')
            fprintf(f, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

/* "speed" when the ratio is peer time / zenn time (rates, or seconds shown
 * as they are); "value" when it compares measured values (MSE, MB, %). */
static const char *measure_of(const bench_result *r) {
    return !r->show_value || !strcmp(r->unit, "s") ? "speed" : "value";
}

/* One contender's figures: seconds per call (or the measured value), and
 * "value", the median in the row's unit. */
static void json_stats(FILE *f, const char *key, const bench_result *r, const bench_stats *s) {
    fprintf(f, "\"%s\":", key);
    if (!s->ok) {
        fprintf(f, "null");
        return;
    }
    fprintf(f, "{\"median_s\":%.9g,\"min_s\":%.9g,\"max_s\":%.9g,\"reps\":%d,\"rate_median\":%.6g,\"value\":%.6g}",
            s->median, s->min, s->max, s->reps, bench_rate(r->work, s->median), bench_display_value(r, s));
}

void bench_write_fingerprint(FILE *f) {
    const zn_cpu_features *c = zn_cpu();
    struct utsname u;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (uname(&u) != 0) memset(&u, 0, sizeof u);
    fprintf(f, "{\"cpu\":");
    bench_json_string(f, c->brand);
    fprintf(f,
            ",\"vendor\":\"%s\",\"logical_cpus\":%d,\"memory_bytes\":%lld,\"avx2\":%d,\"fma\":%d,\"avx512f\":%d,"
            "\"avx512_bf16\":%d,\"avx512_fp16\":%d,\"avx512_vnni\":%d,",
            c->vendor, c->logical_cpus, (long long)pages * page, c->avx2, c->fma, c->avx512f, c->avx512_bf16,
            c->avx512_fp16, c->avx512_vnni);
    fprintf(f, "\"kernel\":");
    bench_json_string(f, u.release);
    fprintf(f, ",\"compiler\":");
    bench_json_string(f, __VERSION__);
    fprintf(f, ",\"zenn_version\":\"%s\",\"zenn_commit\":\"%s\",\"isa\":\"%s\",\"threads\":%d}", zn_version(),
            ZN_GIT_COMMIT, zn_isa_name(zn_isa_active()), zn_pool_size(zn_pool_default()));
}

/* The run as one JSON document (what --json writes and the report embeds). */
void bench_write_json(FILE *f, const bench_run *run, int argc, char **argv) {
    char command[2048];
    size_t n = 0;
    command[0] = '\0';
    for (int i = 0; i < argc && n < sizeof command; i++)
        n += (size_t)snprintf(command + n, sizeof command - n, "%s%s", i ? " " : "", argv[i]);
    fprintf(f, "{\"command\":");
    bench_json_string(f, command);
    fprintf(f, ",\n\"fingerprint\":");
    bench_write_fingerprint(f);
    fprintf(f, ",\n\"results\":[\n");
    for (int i = 0; i < run->count; i++) {
        const bench_result *r = &run->results[i];
        fprintf(f, "{\"suite\":\"%s\",\"case\":", r->suite);
        bench_json_string(f, r->name);
        fprintf(f, ",\"shape\":");
        bench_json_string(f, r->shape);
        fprintf(f, ",\"threads\":%d,\"unit\":\"%s\",\"work_per_call\":%.9g,", r->threads, r->unit, r->work);
        fprintf(f, "\"measure\":\"%s\",", measure_of(r));
        json_stats(f, "zenn", r, &r->zenn);
        fprintf(f, ",\"peer\":");
        if (r->peer[0])
            bench_json_string(f, r->peer);
        else
            fprintf(f, "null");
        fprintf(f, ",");
        json_stats(f, "peer_stats", r, &r->other);
        if (r->zenn.ok && r->other.ok && r->peer[0] && r->zenn.median > 0)
            fprintf(f, ",\"ratio\":%.4f", r->other.median / r->zenn.median);
        if (r->target > 0) {
            int v = bench_verdict(r);
            fprintf(f, ",\"target\":%.4g,\"target_kind\":\"%s\",\"met\":%s", r->target,
                    r->target_kind == BENCH_TARGET_MARGIN ? "margin" : "ratio",
                    v == 1   ? "true"
                    : v == 0 ? "false"
                             : "null");
        }
        if (r->peer[0] && !r->other.ok) {
            fprintf(f, ",\"skipped\":");
            bench_json_string(f, r->why[0] ? r->why : "not measured");
        }
        if (r->target_note[0]) {
            fprintf(f, ",\"note\":");
            bench_json_string(f, r->target_note);
        }
        fprintf(f, "}%s\n", i + 1 < run->count ? "," : "");
    }
    fprintf(f, "]}\n");
}

int bench_write_json_file(const char *path, const bench_run *run, int argc, char **argv) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "zenn: error: cannot write %s\n", tmp);
        return 0;
    }
    bench_write_json(f, run, argc, argv);
    int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "zenn: error: cannot write %s\n", path);
        remove(tmp);
        return 0;
    }
    return 1;
}
