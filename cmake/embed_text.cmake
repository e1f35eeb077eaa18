# zn_embed_text(SRC OUT NAME): SRC as a NUL-ended unsigned char array NAME in the header
# OUT (ISO C caps a string literal at 4095 bytes), rewritten at configure time
# when SRC changes.
function(zn_embed_text src out name)
  file(READ ${src} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REPLACE "0x0a," "0x0a,\n" bytes "${bytes}") # a line of bytes per line of text
  set(text "/* Generated from ${src} by cmake/embed_text.cmake. */\nstatic const unsigned char ${name}[] = {\n${bytes}0};\n")
  if(EXISTS ${out})
    file(READ ${out} old)
  endif()
  if(NOT "${old}" STREQUAL "${text}")
    file(WRITE ${out} "${text}")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src})
endfunction()
