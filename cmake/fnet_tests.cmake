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
# Incremental epochs of small nets take a fused kernel where a vector form
# exists (AVX-512, AVX2), else the per-layer path: one run per ISA checks
# each against libfann (the default run takes the machine's best ISA).
if(ZN_BUILD_TESTS AND TARGET test_fnet_libfann)
  foreach(isa avx2 ref)
    add_test(NAME test_fnet_libfann_isa_${isa} COMMAND test_fnet_libfann)
    set_tests_properties(test_fnet_libfann_isa_${isa} PROPERTIES ENVIRONMENT "ZN_ISA=${isa}" TIMEOUT 600)
  endforeach()
endif()
