# cmake -P script run by ctest (see CMakeLists.txt). Fails with a message saying which stage broke.
cmake_minimum_required(VERSION 3.25)

function(run stage)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${stage} failed (${rc}):\n${out}\n${err}")
  endif()
  set(RUN_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
set(plugins ${WORK_DIR}/plugins)
set(rules ${WORK_DIR}/rules)
file(REMOVE_RECURSE ${prefix} ${build} ${plugins} ${rules})
file(MAKE_DIRECTORY ${prefix} ${plugins} ${rules})

# 1. Install only the SDK, as a packager would ship it.
run("installing the SDK" ${CMAKE_COMMAND} --install ${MODALIS_BINARY_DIR}
    --component plugin_sdk --prefix ${prefix})
if(NOT EXISTS ${prefix}/include/modalis/plugin_sdk.hpp)
  message(FATAL_ERROR "the SDK install has no modalis/plugin_sdk.hpp")
endif()
if(EXISTS ${prefix}/bin)
  message(FATAL_ERROR "the plugin_sdk component installed more than the SDK: ${prefix}/bin")
endif()

# 2. Build the example as a separate project, with the same compiler, finding only that prefix.
set(launcher)
if(CXX_LAUNCHER)
  set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_LAUNCHER})
endif()
run("configuring heat_therapy" ${CMAKE_COMMAND} -S ${MODALIS_SOURCE_DIR}/tests/sdk/heat_therapy
    -B ${build} -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    ${launcher} -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
file(STRINGS ${build}/CMakeCache.txt sdk_dir REGEX "^ModalisPluginSDK_DIR:")
if(NOT sdk_dir MATCHES "${prefix}/")
  message(FATAL_ERROR "heat_therapy found the SDK outside the test prefix: ${sdk_dir}")
endif()
run("building heat_therapy" ${CMAKE_COMMAND} --build ${build})

# 3. A plugin directory with the four in-tree modalities, the new one and a broken file.
file(GLOB in_tree ${MODALIS_PLUGIN_DIR}/modalis_*.so)
file(COPY ${in_tree} ${build}/modalis_heat_therapy.so DESTINATION ${plugins}
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
                      WORLD_EXECUTE)
file(WRITE ${plugins}/broken.so "not a library\n")
file(CHMOD ${plugins}/broken.so PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(CHMOD ${plugins} DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
           GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

run("modalis plugins list" ${MODALIS} plugins list --plugins ${plugins})
foreach(expected "${plugins} (plugin ABI 1.1): 5 loaded, 1 refused"
                 "loaded   heat_therapy 1.0.0" "loaded   dry_needling"
                 "refused  ${plugins}/broken.so: is not a shared library")
  string(FIND "${RUN_OUTPUT}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "plugins list lacks '${expected}':\n${RUN_OUTPUT}")
  endif()
endforeach()

# 4. A rule set that suggests the new modality, and a plan that has it as a step.
file(COPY ${MODALIS_SOURCE_DIR}/rules/vocabulary.json DESTINATION ${rules})
file(WRITE ${rules}/modalis.json
     [=[{"vocabulary": "vocabulary.json", "rules": "heat.rules.json"}]=])
file(WRITE ${rules}/heat.rules.json [=[{
  "id": "heat-example", "version": "1.0.0",
  "rules": [{
    "id": "suggest.heat.chronic", "description": "Chronic pain: heat before hands-on work",
    "source": "example",
    "when": {"finding": "pain_duration_weeks", "at_least": 12},
    "then": [{"suggest": {"modality": "heat_therapy", "targets": ["erector_spinae", "hamstrings"],
                          "params": {"method": "wrap"}}}]
  }]
}]=])
file(WRITE ${WORK_DIR}/findings.json [=[{"pain_duration_weeks": 20, "dvt_suspected": false,
  "acute_soft_tissue_injury": false, "diabetes": "controlled"}]=])

run("modalis suggest" ${MODALIS} suggest --rules ${rules} --plugins ${plugins}
    ${WORK_DIR}/findings.json --json)
set(plan "${RUN_OUTPUT}")
string(JSON steps LENGTH "${plan}" steps)
if(NOT steps EQUAL 1)
  message(FATAL_ERROR "expected one step, got ${steps}:\n${plan}")
endif()
string(JSON modality GET "${plan}" steps 0 modality)
string(JSON target_count LENGTH "${plan}" steps 0 targets)
string(JSON target GET "${plan}" steps 0 targets 0)
string(JSON minutes GET "${plan}" steps 0 minutes)
string(JSON method_key GET "${plan}" steps 0 params 0 key)
string(JSON method GET "${plan}" steps 0 params 0 value)
string(JSON cautions GET "${plan}" steps 0 cautions)
if(NOT modality STREQUAL "heat_therapy" OR NOT target_count EQUAL 1
   OR NOT target STREQUAL "erector_spinae" OR NOT minutes EQUAL 10
   OR NOT method_key STREQUAL "method" OR NOT method STREQUAL "wrap")
  message(FATAL_ERROR "unexpected heat_therapy step:\n${plan}")
endif()
foreach(expected "diabetes: sensation may be reduced" "hamstrings not treated")
  string(FIND "${cautions}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the step's cautions lack '${expected}':\n${plan}")
  endif()
endforeach()

# 5. The new plugin's own floor holds too.
file(WRITE ${WORK_DIR}/dvt.json [=[{"pain_duration_weeks": 20, "dvt_suspected": true,
  "acute_soft_tissue_injury": false}]=])
run("modalis suggest (dvt)" ${MODALIS} suggest --rules ${rules} --plugins ${plugins}
    ${WORK_DIR}/dvt.json --json)
string(JSON steps LENGTH "${RUN_OUTPUT}" steps)
string(JSON excluded GET "${RUN_OUTPUT}" exclusions 0 modality)
string(JSON severity GET "${RUN_OUTPUT}" exclusions 0 severity)
if(NOT steps EQUAL 0 OR NOT excluded STREQUAL "heat_therapy" OR NOT severity MATCHES "ABSOLUTE")
  message(FATAL_ERROR "suspected DVT should exclude heat_therapy:\n${RUN_OUTPUT}")
endif()
message(STATUS "out-of-tree heat_therapy plugin built, loaded and planned")
