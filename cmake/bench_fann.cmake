# The suite `fann` times one FANN-API program (bench/peers/fann_peer.c) built
# against libfann (fann_peer, in CMakeLists.txt) and against libzenn-fann
# (zenn_fann_peer, here), so both sides pay the same protocol and process costs.
add_executable(zenn_fann_peer ${PROJECT_SOURCE_DIR}/bench/peers/fann_peer.c)
target_link_libraries(zenn_fann_peer PRIVATE zenn_fann_static)
target_compile_definitions(zenn_fann_peer PRIVATE FANN_PEER_NAME="zenn-fann" FANN_PEER_VERSION="${PROJECT_VERSION}")
add_dependencies(zenn zenn_fann_peer)
install(TARGETS zenn_fann_peer RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/zenn)
