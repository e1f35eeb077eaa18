/* What zenn-fann does differently from libfann, on purpose (docs/FANN.md):
 * the default error log is per thread, fann_get_errstr returns text that
 * stays valid, fann_default_error_log can be assigned, and networks come
 * from a fixed per-thread seed stream (no srand) so runs repeat. Built
 * against libzenn-fann only. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "floatfann.h"

static int failures;
#define CHECK(c)                                                                                                       \
    do {                                                                                                               \
        if (!(c)) {                                                                                                    \
            failures++;                                                                                                \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                                               \
        }                                                                                                              \
    } while (0)

static char logged[2][256];

/* Each thread points its default log at its own file and causes an error
 * without an object; each message lands in its own thread's file only. */
static void *thread_main(void *arg) {
    int k = (int)(size_t)arg;
    FILE *f = tmpfile();
    fann_set_error_log(NULL, f);
    struct fann_train_data *d = fann_read_train_from_file(k ? "/nonexistent/one.data" : "/nonexistent/zero.data");
    CHECK(d == NULL);
    rewind(f);
    size_t n = fread(logged[k], 1, sizeof logged[k] - 1, f);
    logged[k][n] = '\0';
    fclose(f);
    fann_set_error_log(NULL, NULL);
    return NULL;
}

/* The first weights of the first net a thread creates. */
static void *first_weights(void *arg) {
    float *w = arg;
    struct fann *ann = fann_create_standard(3, 2, 3, 1);
    struct fann_connection c[13];
    fann_get_connection_array(ann, c);
    for (int i = 0; i < 4; i++) w[i] = c[i].weight;
    fann_destroy(ann);
    return NULL;
}

int main(void) {
    pthread_t t[2];
    for (int k = 0; k < 2; k++) pthread_create(&t[k], NULL, thread_main, (void *)(size_t)k);
    for (int k = 0; k < 2; k++) pthread_join(t[k], NULL);
    CHECK(strstr(logged[0], "zero.data") && !strstr(logged[0], "one.data"));
    CHECK(strstr(logged[1], "one.data") && !strstr(logged[1], "zero.data"));
    CHECK(strncmp(logged[0], "FANN Error 1: ", 14) == 0);

    /* this thread's default is still stderr ((FILE *)-1); silence it through the macro */
    CHECK(fann_default_error_log == (FILE *)-1);
    fann_default_error_log = NULL;
    struct fann *ann = fann_create_standard(3, 2, 3, 1);
    CHECK(ann && ann->error_log == NULL); /* new objects take the thread's default */
    fann_set_activation_function(ann, FANN_SIGMOID, 9, 0);
    CHECK(fann_get_errno((struct fann_error *)ann) == FANN_E_INDEX_OUT_OF_BOUND);
    char *s = fann_get_errstr((struct fann_error *)ann);
    CHECK(s && strcmp(s, "Index 9 is out of bound.\n") == 0); /* still readable after the reset */
    CHECK(fann_get_errno((struct fann_error *)ann) == FANN_E_NO_ERROR && ann->errstr == NULL);
    CHECK(fann_get_errstr((struct fann_error *)ann) == NULL);

    /* invalid shapes are refused, not crashed on */
    unsigned one[1] = {3};
    CHECK(fann_create_standard_array(1, one) == NULL);
    CHECK(fann_create_standard(2, 2, 2000000) == NULL);

    /* the same seed stream on every thread: two threads' first nets are
     * equal, and the second net of a thread differs from its first */
    float w[2][4];
    for (int k = 0; k < 2; k++) {
        pthread_create(&t[k], NULL, first_weights, w[k]);
        pthread_join(t[k], NULL);
    }
    CHECK(memcmp(w[0], w[1], sizeof w[0]) == 0);
    struct fann_connection a[13], b[13];
    struct fann *second = fann_create_standard(3, 2, 3, 1);
    fann_get_connection_array(ann, a);
    fann_get_connection_array(second, b);
    CHECK(a[0].weight != b[0].weight || a[1].weight != b[1].weight);
    for (int i = 0; i < 13; i++) CHECK(a[i].weight >= -0.1f && a[i].weight <= 0.1f);
    fann_destroy(second);
    fann_destroy(ann);
    if (failures)
        fprintf(stderr, "%d checks failed\n", failures);
    else
        printf("zenn-only behaviour: all checks passed\n");
    return failures != 0;
}
