/* OpenBLAS as a peer, loaded with dlopen after its environment is set:
 * OpenBLAS reads OPENBLAS_CORETYPE when it loads, and 0.3.21 misdetects
 * this generation of CPUs, so the bench chooses the kernel explicitly. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int bench_openblas_load(bench_openblas *ob) {
    memset(ob, 0, sizeof *ob);
    const char *core = getenv("ZN_BENCH_OPENBLAS_CORETYPE");
    setenv("OPENBLAS_CORETYPE", core && *core ? core : "SkylakeX", 1);
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0"};
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !ob->handle; i++)
        ob->handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!ob->handle) {
        snprintf(ob->why, sizeof ob->why, "libopenblas not found (apt-get install libopenblas-dev)");
        return 0;
    }
    /* POSIX allows converting dlsym's object pointer to a function pointer. */
#define LOAD(field, sym) *(void **)(&ob->field) = dlsym(ob->handle, sym)
    LOAD(sgemm, "cblas_sgemm");
    LOAD(sgemv, "cblas_sgemv");
    LOAD(set_threads, "openblas_set_num_threads");
    LOAD(get_corename, "openblas_get_corename");
    LOAD(get_config, "openblas_get_config");
#undef LOAD
    if (!ob->sgemm || !ob->sgemv || !ob->set_threads) {
        snprintf(ob->why, sizeof ob->why, "libopenblas lacks cblas_sgemm/cblas_sgemv/openblas_set_num_threads");
        dlclose(ob->handle);
        ob->handle = NULL;
        return 0;
    }
    return 1;
}
