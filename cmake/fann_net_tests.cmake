# The .net interop tests run libfann 2.2 next to zenn when it is installed
# (ZN_FANN_LIB / ZN_FANN_INCLUDE are found by the main CMakeLists.txt);
# without it they skip and only zenn's own reading and writing is tested.
if(ZN_BUILD_TESTS AND TARGET test_fann_net AND ZN_FANN_LIB AND ZN_FANN_INCLUDE)
  target_compile_definitions(test_fann_net PRIVATE ZN_HAVE_FANN)
  target_include_directories(test_fann_net PRIVATE ${ZN_FANN_INCLUDE})
  target_link_libraries(test_fann_net PRIVATE ${ZN_FANN_LIB} m)
  # libfann 2.2's cascade training leaks a candidate buffer (fann_train_candidates);
  # the sanitizer build must not fail on FANN's leak.
  file(WRITE ${PROJECT_BINARY_DIR}/fann_net_lsan.supp "leak:libfloatfann.so\nleak:fann_train_candidates\n")
  set_tests_properties(test_fann_net PROPERTIES ENVIRONMENT
    "LSAN_OPTIONS=suppressions=${PROJECT_BINARY_DIR}/fann_net_lsan.supp")
endif()
