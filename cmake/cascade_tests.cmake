# test_cascade also runs libfann's cascade on the same data when libfann is
# installed (ZN_FANN_LIB / ZN_FANN_INCLUDE are found by CMakeLists.txt), and
# skips that comparison otherwise.
if(ZN_BUILD_TESTS AND TARGET test_cascade AND ZN_FANN_LIB AND ZN_FANN_INCLUDE)
  target_compile_definitions(test_cascade PRIVATE ZN_HAVE_LIBFANN=1)
  target_include_directories(test_cascade PRIVATE ${ZN_FANN_INCLUDE})
  target_link_libraries(test_cascade PRIVATE ${ZN_FANN_LIB} m)
endif()
