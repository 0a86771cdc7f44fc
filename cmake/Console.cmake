# The therapist's console (console/, TypeScript built by Vite) into console/dist, which modalisd
# serves at /console/ by default (--console). Built with the Release build only: the sanitizer
# builds test the C++ and serve no console. Needs the npm packages scripts/deps installs (npm ci).
option(MODALIS_CONSOLE "Build the therapist's console (needs Node.js and npm)" ON)
find_program(MODALIS_NPM npm)
set(MODALIS_CONSOLE_SOURCE ${PROJECT_SOURCE_DIR}/console)
if(MODALIS_CONSOLE AND MODALIS_NPM AND EXISTS ${MODALIS_CONSOLE_SOURCE}/package.json
   AND NOT MODALIS_SANITIZE AND NOT MODALIS_TSAN)
  file(GLOB_RECURSE MODALIS_CONSOLE_INPUTS CONFIGURE_DEPENDS
    ${MODALIS_CONSOLE_SOURCE}/src/*.ts ${MODALIS_CONSOLE_SOURCE}/src/*.tsx
    ${MODALIS_CONSOLE_SOURCE}/src/*.css ${MODALIS_CONSOLE_SOURCE}/public/*
    ${MODALIS_CONSOLE_SOURCE}/src/*.json
    ${MODALIS_CONSOLE_SOURCE}/scripts/*.mjs ${PROJECT_SOURCE_DIR}/rules/schema/*.json
    ${PROJECT_SOURCE_DIR}/proto/modalis/*.proto)
  list(FILTER MODALIS_CONSOLE_INPUTS EXCLUDE REGEX "/src/gen/")
  set(MODALIS_CONSOLE_INDEX ${MODALIS_CONSOLE_SOURCE}/dist/index.html)
  add_custom_command(OUTPUT ${MODALIS_CONSOLE_INDEX}
    COMMAND sh -c "test -d node_modules || { echo 'console: its npm packages are missing: run scripts/deps' >&2; exit 1; }"
    COMMAND ${MODALIS_NPM} run --silent build
    WORKING_DIRECTORY ${MODALIS_CONSOLE_SOURCE}
    DEPENDS ${MODALIS_CONSOLE_INPUTS} ${MODALIS_CONSOLE_SOURCE}/index.html
            ${MODALIS_CONSOLE_SOURCE}/package-lock.json ${MODALIS_CONSOLE_SOURCE}/vite.config.ts
            ${MODALIS_CONSOLE_SOURCE}/tsconfig.json ${MODALIS_CONSOLE_SOURCE}/buf.gen.yaml
    COMMENT "Building the console (Vite) into console/dist"
    VERBATIM)
  add_custom_target(modalis_console ALL DEPENDS ${MODALIS_CONSOLE_INDEX})
endif()
