/* Tensors: creation, views, reshapes and their argument checks. */
#include "zn_test.h"

static void test_create_and_views(void) {
    zn_tensor *t = NULL, *v = NULL;
    int64_t shape[3] = {2, 3, 4};
    ZT_OK(zn_tensor_create(ZN_F32, 3, shape, &t));
    ZT_CHECK(zn_tensor_numel(t) == 24);
    ZT_CHECK(zn_tensor_bytes(t) == 96);
    ZT_CHECK(((uintptr_t)t->data & 63) == 0);
    float *d = t->data;
    for (int i = 0; i < 24; i++) ZT_CHECK(d[i] == 0.0f);
    for (int i = 0; i < 24; i++) d[i] = (float)i;
    int64_t vs[2] = {3, 4};
    ZT_OK(zn_tensor_view(t, 12, 2, vs, &v));
    ZT_CHECK(((float *)v->data)[0] == 12.0f);
    ZT_CHECK(!v->owns_data);
    zn_tensor_free(v);
    int64_t too_big[2] = {4, 4};
    ZT_ERR(zn_tensor_view(t, 12, 2, too_big, &v), ZN_ERR_SHAPE);
    ZT_ERR(zn_tensor_view(t, -1, 2, vs, &v), ZN_ERR_SHAPE);
    int64_t flat[1] = {24}, wrong[1] = {23};
    ZT_OK(zn_tensor_reshape(t, 1, flat));
    ZT_CHECK(t->ndim == 1 && t->shape[0] == 24 && t->shape[1] == 1);
    ZT_ERR(zn_tensor_reshape(t, 1, wrong), ZN_ERR_SHAPE);
    zn_tensor_free(t);
    zn_tensor_free(NULL);
}

static void test_dtypes(void) {
    ZT_CHECK(zn_dtype_size(ZN_F32) == 4 && zn_dtype_size(ZN_BF16) == 2 && zn_dtype_size(ZN_I8) == 1);
    ZT_CHECK(zn_dtype_size((zn_dtype)99) == 0);
    ZT_CHECK(strcmp(zn_dtype_name(ZN_F16), "F16") == 0);
}

static void test_bad_shapes(void) {
    zn_tensor *t = NULL;
    int64_t neg[2] = {2, -1}, huge[4] = {INT64_MAX / 2, 4, 1, 1}, ok[1] = {1};
    ZT_ERR(zn_tensor_create(ZN_F32, 2, neg, &t), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_tensor_create(ZN_F32, 4, huge, &t), ZN_ERR_OVERFLOW);
    ZT_ERR(zn_tensor_create(ZN_F32, 5, ok, &t), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_tensor_create((zn_dtype)42, 1, ok, &t), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_tensor_create(ZN_F32, 1, NULL, &t), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_tensor_create(ZN_F32, 1, ok, NULL), ZN_ERR_INVALID_ARG);
    ZT_CHECK(t == NULL);
    ZT_CHECK(zn_shape_numel(2, neg) == -1);
    ZT_OK(zn_tensor_create(ZN_F32, 0, NULL, &t)); /* a scalar */
    ZT_CHECK(zn_tensor_numel(t) == 1);
    zn_tensor_free(t);
}

int main(void) {
    ZT_RUN(test_create_and_views);
    ZT_RUN(test_dtypes);
    ZT_RUN(test_bad_shapes);
    return zt_finish();
}
