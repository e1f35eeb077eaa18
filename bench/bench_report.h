/* The self-contained HTML report of a run (zenn bench --report FILE). */
#ifndef ZN_BENCH_REPORT_H
#define ZN_BENCH_REPORT_H

#include "bench.h"

/* Writes the page atomically; history may be NULL. Returns 1, or 0 after
 * printing one "zenn: error:" line. */
int bench_write_report(const char *path, const bench_run *run, int argc, char **argv, const char *history,
                       const char *machine);

#endif
