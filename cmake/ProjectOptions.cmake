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

# ThreadSanitizer, in a build of its own (it cannot share one with AddressSanitizer): scripts/test
# builds modalisd, the plugins and the test binaries with it and runs the tests labelled
# `concurrent`. tests/sanitizers/absl_mutex_tsan.cc makes absl::Mutex visible to it.
option(MODALIS_TSAN "Build with ThreadSanitizer (clang; not with MODALIS_SANITIZE)" OFF)
if(MODALIS_TSAN)
  if(MODALIS_SANITIZE)
    message(FATAL_ERROR "MODALIS_TSAN and MODALIS_SANITIZE need separate build directories")
  endif()
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MODALIS_TSAN needs clang: -DCMAKE_CXX_COMPILER=clang++-14")
  endif()
  set(MODALIS_SANITIZER_FLAGS -fsanitize=thread -fno-omit-frame-pointer)
  add_compile_options(${MODALIS_SANITIZER_FLAGS}
    -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/tests/sanitizers/tsan_ignorelist.txt)
  add_link_options(${MODALIS_SANITIZER_FLAGS})
endif()

# libFuzzer targets under fuzz/: clang only, and only on request (they run the sanitizers too).
option(MODALIS_FUZZ "Build the libFuzzer targets in fuzz/ (clang)" OFF)
if(MODALIS_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "MODALIS_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++-14")
endif()

# For MODALIS_TSAN, after find_package(absl): routes our calls of absl::Mutex and absl::CondVar
# through tests/sanitizers/absl_mutex_tsan.cc (Debian's Abseil is not instrumented), which
# modalis_core links, so every program built on it has the wrappers.
function(modalis_tsan_absl_mutex)
  get_target_property(absl_include absl::base INTERFACE_INCLUDE_DIRECTORIES)
  file(STRINGS ${absl_include}/absl/base/options.h absl_ns
       REGEX "^#define ABSL_OPTION_INLINE_NAMESPACE_NAME ")
  string(REGEX REPLACE ".* " "" absl_ns "${absl_ns}")
  if(absl_ns STREQUAL "")
    # The mangled names below assume absl::<inline namespace>::Mutex, as Debian builds it.
    message(FATAL_ERROR "MODALIS_TSAN expects an Abseil built with an inline namespace")
  endif()
  string(LENGTH "${absl_ns}" absl_ns_length)
  set(mangled_ns "4absl${absl_ns_length}${absl_ns}")
  add_library(modalis_tsan_absl_mutex STATIC
              ${PROJECT_SOURCE_DIR}/tests/sanitizers/absl_mutex_tsan.cc)
  target_compile_definitions(modalis_tsan_absl_mutex
                             PRIVATE MODALIS_ABSL_MANGLED_NS="${mangled_ns}")
  target_link_libraries(modalis_tsan_absl_mutex PUBLIC absl::synchronization absl::time)
  # ld resolves the shared libraries' references through --wrap too, so the wrappers must not be
  # hidden; at run time those libraries still call Abseil directly.
  set_target_properties(modalis_tsan_absl_mutex PROPERTIES CXX_VISIBILITY_PRESET default)
  foreach(fn 5Mutex4LockEv 5Mutex6UnlockEv 5Mutex7TryLockEv 5Mutex10ReaderLockEv
             5Mutex12ReaderUnlockEv 5Mutex13ReaderTryLockEv 5MutexD1Ev 5MutexD2Ev
             7CondVar4WaitEPNS0_5MutexE 7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE)
    target_link_options(modalis_tsan_absl_mutex INTERFACE "LINKER:--wrap=_ZN${mangled_ns}${fn}")
  endforeach()
endfunction()

# modalisd's memory allocator. glibc's malloc and free were about a fifth of the instructions of a
# SuggestPlan dry run (gRPC's own buffers included, bench/RESULTS.md); jemalloc's thread caches
# serve the same calls for a fraction of that, and it returns freed pages to the system on a
# timer, so a burst of large messages does not stay resident. The sanitizers bring their own
# allocator, so those builds keep the system's.
set(MODALIS_ALLOCATOR "jemalloc" CACHE STRING "modalisd's allocator: jemalloc or system")
set_property(CACHE MODALIS_ALLOCATOR PROPERTY STRINGS jemalloc system)
add_library(modalis_allocator INTERFACE)
if(MODALIS_ALLOCATOR STREQUAL "jemalloc" AND NOT MODALIS_SANITIZE AND NOT MODALIS_TSAN
   AND NOT MODALIS_FUZZ)
  find_library(JEMALLOC_LIBRARY NAMES jemalloc REQUIRED)
  target_link_libraries(modalis_allocator INTERFACE ${JEMALLOC_LIBRARY})
  target_compile_definitions(modalis_allocator INTERFACE MODALIS_WITH_JEMALLOC=1)
elseif(NOT MODALIS_ALLOCATOR STREQUAL "system" AND NOT MODALIS_ALLOCATOR STREQUAL "jemalloc")
  message(FATAL_ERROR "MODALIS_ALLOCATOR must be jemalloc or system, not ${MODALIS_ALLOCATOR}")
endif()
