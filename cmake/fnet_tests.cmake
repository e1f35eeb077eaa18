# test_fnet_libfann compares zenn's FANN-structured networks with libfann in
# one process when libfann (float) is installed; without it the test builds
# without ZN_HAVE_LIBFANN and reports the comparison as skipped.
find_library(FANN_LIB NAMES fann)
find_path(FANN_INC floatfann.h)
if(ZN_BUILD_TESTS AND TARGET test_fnet_libfann AND FANN_LIB AND FANN_INC)
  target_compile_definitions(test_fnet_libfann PRIVATE ZN_HAVE_LIBFANN=1)
  target_include_directories(test_fnet_libfann PRIVATE ${FANN_INC})
  target_link_libraries(test_fnet_libfann PRIVATE ${FANN_LIB} m)
endif()
# Incremental epochs of small nets take a fused AVX-512 kernel; with AVX2
# kernels they take the per-layer path, which this run checks against libfann.
if(ZN_BUILD_TESTS AND TARGET test_fnet_libfann)
  add_test(NAME test_fnet_libfann_isa_avx2 COMMAND test_fnet_libfann)
  set_tests_properties(test_fnet_libfann_isa_avx2 PROPERTIES ENVIRONMENT "ZN_ISA=avx2" TIMEOUT 600)
endif()
