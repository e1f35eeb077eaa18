# The .net interop tests run libfann 2.2 next to zenn when it is installed
# (ZN_FANN_LIB / ZN_FANN_INCLUDE are found by the main CMakeLists.txt);
# without it they skip and only zenn's own reading and writing is tested.
if(ZN_BUILD_TESTS AND TARGET test_fann_net AND ZN_FANN_LIB AND ZN_FANN_INCLUDE)
  target_compile_definitions(test_fann_net PRIVATE ZN_HAVE_FANN)
  target_include_directories(test_fann_net PRIVATE ${ZN_FANN_INCLUDE})
  target_link_libraries(test_fann_net PRIVATE ${ZN_FANN_LIB} m)
endif()
