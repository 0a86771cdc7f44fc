# Warnings shared by every first-party target. Generated code (protobuf, gRPC) is included as
# SYSTEM so these flags do not apply to it.
add_library(modalis_warnings INTERFACE)
target_compile_options(modalis_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror
  # GCC 12 reports false -Wrestrict positives inside libstdc++'s std::string at -O3 (GCC bug 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  # Clang checks the ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED annotations at compile time:
  # a guarded member touched without its mutex fails the build (GCC ignores the annotations).
  $<$<CXX_COMPILER_ID:Clang>:-Wthread-safety>)

# The engine, server and tools are C++20; the plugin SDK and plugins stay C++17.
add_library(modalis_options INTERFACE)
target_compile_features(modalis_options INTERFACE cxx_std_20)
target_link_libraries(modalis_options INTERFACE modalis_warnings)
# Without it valijson prints and aborts on a schema it cannot use (a plugin's remote $ref would take
# modalisd down). Set for every target: its error functions are inline, so one translation unit
# built without it could hand its aborting copy to the whole program.
target_compile_definitions(modalis_options INTERFACE VALIJSON_USE_EXCEPTIONS=1)

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM} CACHE STRING "" FORCE)
endif()

# Address and undefined-behaviour sanitizers on everything built here: the engine, modalisd, the
# CLI, the tests and the plugins (integration tests load the real .so files into the real server).
# Debian's gRPC, protobuf and Boost are not instrumented; ASan does not need them to be.
option(MODALIS_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(MODALIS_SANITIZE)
  set(MODALIS_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
                              -fno-omit-frame-pointer)
  add_compile_options(${MODALIS_SANITIZER_FLAGS})
  add_link_options(${MODALIS_SANITIZER_FLAGS})
endif()

# libFuzzer targets under fuzz/: clang only, and only on request (they run the sanitizers too).
option(MODALIS_FUZZ "Build the libFuzzer targets in fuzz/ (clang)" OFF)
if(MODALIS_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "MODALIS_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++-14")
endif()

