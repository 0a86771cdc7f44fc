# Runs modalis_load briefly against the real modalisd and echo server and checks the report:
# every cell answered (QPS above zero) without a single error, and the reload part has figures.
# Usage: cmake -DLOAD=<modalis_load> -DOUT=<report.json> -P load_smoke.cmake
execute_process(
  COMMAND ${LOAD} --streams 1,4 --warmup-ms 100 --measure-ms 250 --repeats 1
          --reload-rules 200 --reloads 2 --reload-load-streams 4 --reload-load-ms 250
          --out ${OUT}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE errors)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "modalis_load failed (${result}):\n${output}\n${errors}")
endif()
file(READ ${OUT} report)

function(expect_positive json what)
  string(JSON value ERROR_VARIABLE missing GET "${json}" ${ARGN})
  if(missing OR value LESS_EQUAL 0)
    message(FATAL_ERROR "${what} is not above zero (${value}${missing}):\n${report}")
  endif()
endfunction()

string(JSON cells LENGTH "${report}" cells)
if(NOT cells EQUAL 6)
  message(FATAL_ERROR "expected 6 cells (3 targets x 2 stream counts), got ${cells}")
endif()
math(EXPR last "${cells} - 1")
foreach(i RANGE ${last})
  string(JSON cell GET "${report}" cells ${i})
  expect_positive("${cell}" "qps of cell ${i}" qps)
  expect_positive("${cell}" "p99 of cell ${i}" p99_us)
  string(JSON errors GET "${cell}" errors)
  if(NOT errors EQUAL 0)
    message(FATAL_ERROR "cell ${i} had ${errors} errors:\n${cell}")
  endif()
endforeach()
string(JSON rows LENGTH "${report}" summary)
math(EXPR last "${rows} - 1")
foreach(i RANGE ${last})
  string(JSON row GET "${report}" summary ${i})
  expect_positive("${row}" "durable/echo ratio of row ${i}" ratio_durable_to_echo_qps)
endforeach()
expect_positive("${report}" "reload time" reload client_ms_median)
expect_positive("${report}" "server reload time" reload server_ms_median)
expect_positive("${report}" "load on the generated set" reload load_on_generated_set qps)
expect_positive("${report}" "VmRSS after the reloads" reload memory_after_reloads vm_rss_kib)
expect_positive("${report}" "VmHWM after the load run" memory modalisd_after_load vm_hwm_kib)
string(JSON generated_errors GET "${report}" reload load_on_generated_set errors)
if(NOT generated_errors EQUAL 0)
  message(FATAL_ERROR "the load on the generated set had ${generated_errors} errors")
endif()
