# SPDX-License-Identifier: Apache-2.0
# The tsan preset writes every ThreadSanitizer report to files (TSAN_OPTIONS log_path, in
# CMakePresets.json), so that a race in a child process (the kiosk a test started and killed)
# is not lost with the child's stderr. MODE=clear empties the folder before the run;
# MODE=check fails, printing them, when any report was written.
#   cmake -DMODE=clear|check -DDIR=<folder> -P tsan_reports.cmake
cmake_minimum_required(VERSION 3.25)
if(MODE STREQUAL "clear")
    file(REMOVE_RECURSE "${DIR}")
    file(MAKE_DIRECTORY "${DIR}")
    return()
endif()
file(GLOB reports LIST_DIRECTORIES false "${DIR}/*")
if(reports STREQUAL "")
    message(STATUS "no ThreadSanitizer report in ${DIR}")
    return()
endif()
foreach(report IN LISTS reports)
    file(READ "${report}" text)
    message("==== ${report}\n${text}")
endforeach()
list(LENGTH reports n)
message(FATAL_ERROR "${n} ThreadSanitizer report file(s) in ${DIR} (listed above)")
