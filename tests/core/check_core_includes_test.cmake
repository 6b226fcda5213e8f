# SPDX-License-Identifier: Apache-2.0
# The include check checks: it passes on a clean fixture and names every bad include of a bad
# one (tests/core/include_fixtures/README.md).
#   cmake -DCHECKER=... -DFIXTURES=... -DINCLUDE_DIR=... -P check_core_includes_test.cmake
cmake_minimum_required(VERSION 3.25)

execute_process(
    COMMAND ${CMAKE_COMMAND} -DROOTS=${FIXTURES}/good -DCORE_DIRS=${FIXTURES}/good
        -DINCLUDE_DIR=${INCLUDE_DIR} -P ${CHECKER}
    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "the checker refused the clean fixture:\n${out}")
endif()

execute_process(
    COMMAND ${CMAKE_COMMAND} -DROOTS=${FIXTURES}/bad -DCORE_DIRS=${FIXTURES}/bad
        -DINCLUDE_DIR=${INCLUDE_DIR} -P ${CHECKER}
    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(result EQUAL 0)
    message(FATAL_ERROR "the checker passed a fixture that includes <sqlite3.h>:\n${out}")
endif()
foreach(expected "<sqlite3.h>" "<nlohmann/json.hpp>" "\"returnscan/store/store.h\"" "<unistd.h>"
        "<stdio.h>" "\"../good/own.h\"" "RETURNSCAN_FIXTURE_HEADER" "7 include(s)")
    string(FIND "${out}" "${expected}" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "the checker did not name ${expected}:\n${out}")
    endif()
endforeach()
# The good include of the bad file is not reported.
string(FIND "${out}" "returnscan/core/result.h" at)
if(NOT at EQUAL -1)
    message(FATAL_ERROR "the checker refused a core header:\n${out}")
endif()
message(STATUS "the include check refused all 7 bad includes:\n${out}")
