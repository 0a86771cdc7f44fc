# modalis_add_plugin(<name> SOURCES <src>... [OUTPUT_DIRECTORY <dir>])
#
# Builds a modality plugin as a MODULE library named modalis_<name>.so, linked against the plugin
# SDK with hidden visibility (only the SDK's entry point is exported) and -z defs (a plugin must not
# depend on symbols of the host).
function(modalis_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "modalis_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE Modalis::PluginSDK)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "modalis_${name}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # Sanitizer runtimes are linked into the executable only, so a sanitized plugin rightly refers
  # to symbols the host provides; -z defs stays on for every other build.
  if(NOT MODALIS_SANITIZE AND NOT MODALIS_TSAN)
    target_link_options(${name} PRIVATE "LINKER:-z,defs")
  endif()
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  endif()
endfunction()
