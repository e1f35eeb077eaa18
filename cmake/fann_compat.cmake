# libzenn-fann: FANN 2.2's C API (compat/fann) over zenn's FANN-structured
# networks, as libzenn-fann.so (exporting only fann_*) and libzenn-fann.a,
# each holding zenn's objects too so programs link -lzenn-fann alone.

file(GLOB ZN_FANN_COMPAT_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/compat/fann/src/*.c)
set(ZN_FANN_COMPAT_INCLUDE ${PROJECT_SOURCE_DIR}/compat/fann/include/zenn-fann)

add_library(zenn_fann_obj OBJECT ${ZN_FANN_COMPAT_SOURCES})
target_include_directories(zenn_fann_obj PRIVATE ${ZN_FANN_COMPAT_INCLUDE} ${PROJECT_SOURCE_DIR}/include
                           ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(zenn_fann_obj PRIVATE ZN_BUILDING_LIBRARY)

add_library(zenn_fann_static STATIC $<TARGET_OBJECTS:zenn_obj> $<TARGET_OBJECTS:zenn_fann_obj>)
set_target_properties(zenn_fann_static PROPERTIES OUTPUT_NAME zenn-fann)
target_include_directories(zenn_fann_static PUBLIC $<BUILD_INTERFACE:${ZN_FANN_COMPAT_INCLUDE}>
                           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/zenn-fann>)
target_link_libraries(zenn_fann_static PUBLIC Threads::Threads m)

add_library(zenn_fann_shared SHARED $<TARGET_OBJECTS:zenn_obj> $<TARGET_OBJECTS:zenn_fann_obj>)
set_target_properties(zenn_fann_shared PROPERTIES OUTPUT_NAME zenn-fann
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/compat/fann/zenn-fann.map)
target_link_options(zenn_fann_shared PRIVATE -Wl,--version-script=${PROJECT_SOURCE_DIR}/compat/fann/zenn-fann.map)
# Every symbol resolved at link time (not with sanitizers: clang leaves their
# runtime to the program).
if(NOT ZN_SANITIZE AND NOT ZN_FUZZ)
  target_link_options(zenn_fann_shared PRIVATE -Wl,--no-undefined)
endif()
target_include_directories(zenn_fann_shared PUBLIC $<BUILD_INTERFACE:${ZN_FANN_COMPAT_INCLUDE}>
                           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/zenn-fann>)
target_link_libraries(zenn_fann_shared PRIVATE Threads::Threads m)

install(TARGETS zenn_fann_static zenn_fann_shared
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${ZN_FANN_COMPAT_INCLUDE} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
configure_file(${PROJECT_SOURCE_DIR}/compat/fann/zenn-fann.pc.in ${PROJECT_BINARY_DIR}/zenn-fann.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/zenn-fann.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The proof: programs written against FANN's API, built against libfann and
# against libzenn-fann, run and compared (tests/fann_compat/run.sh), and the
# installed library used through pkg-config (tests/fann_compat/install.sh).
if(ZN_BUILD_TESTS)
  add_test(NAME fann_compat COMMAND bash ${PROJECT_SOURCE_DIR}/tests/fann_compat/run.sh
           $<TARGET_FILE:zenn_fann_shared> ${PROJECT_SOURCE_DIR})
  set_tests_properties(fann_compat PROPERTIES TIMEOUT 900 SKIP_RETURN_CODE 77)
  # zenn-fann's own behaviour where it differs from libfann on purpose
  add_executable(fann_compat_zenn ${PROJECT_SOURCE_DIR}/tests/fann_compat/zenn_only.c)
  target_link_libraries(fann_compat_zenn PRIVATE zenn_fann_static)
  add_test(NAME fann_compat_zenn COMMAND fann_compat_zenn)
  add_test(NAME fann_compat_install COMMAND bash ${PROJECT_SOURCE_DIR}/tests/fann_compat/install.sh
           ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
  set_tests_properties(fann_compat_install PROPERTIES TIMEOUT 600)
endif()
