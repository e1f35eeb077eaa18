/* zenn cpu: what this machine runs. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "zenn/zenn.h"

int zn_cmd_cpu(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--help") != 0) {
        fprintf(stderr, "zenn: error: cpu takes no arguments (got '%s')\n", argv[1]);
        return 2;
    }
    const zn_cpu_features *f = zn_cpu();
    printf("cpu: %s (%s)\n", f->brand[0] ? f->brand : "unknown", f->vendor);
    printf("logical cpus: %d\n", f->logical_cpus);
    printf("avx2: %d  fma: %d  f16c: %d\n", f->avx2, f->fma, f->f16c);
    printf("avx512f: %d  bw: %d  vl: %d  dq: %d\n", f->avx512f, f->avx512bw, f->avx512vl, f->avx512dq);
    printf("avx512_bf16: %d  avx512_fp16: %d  avx512_vnni: %d  avx_vnni: %d\n", f->avx512_bf16, f->avx512_fp16,
           f->avx512_vnni, f->avx_vnni);
    printf("kernels: %s\n", zn_isa_name(zn_isa_active()));
    return 0;
}
