# SPDX-License-Identifier: Apache-2.0
# The build's version: the project VERSION plus the git revision it was built from.
#
# returnscan_describe(<prefix> SOURCE_DIR <dir> VERSION <x.y.z>) sets in the caller's scope:
#   <prefix>_REVISION          the commit id (12 hex digits); "unknown" outside a git checkout
#                              (a source tarball), or RETURNSCAN_REVISION when set (-D)
#   <prefix>_PACKAGE_VERSION   x.y.z when HEAD is the tag vx.y.z (a release), else
#                              x.y.z+git<N>.g<commit> (N: commits up to HEAD), which dpkg sorts
#                              after the release x.y.z and before the next one
# and makes a new commit or checkout re-run the configure step (CMAKE_CONFIGURE_DEPENDS on git's
# HEAD and the branch's ref), so the program, the package's version and its changelog always
# name the commit they were built from. Uncommitted changes are not marked.
function(returnscan_describe prefix)
    cmake_parse_arguments(A "" "SOURCE_DIR;VERSION" "" ${ARGN})
    set(revision unknown)
    set(package_version ${A_VERSION})
    find_program(RETURNSCAN_GIT git)
    mark_as_advanced(RETURNSCAN_GIT)
    if(DEFINED RETURNSCAN_REVISION AND NOT RETURNSCAN_REVISION STREQUAL "")
        set(revision ${RETURNSCAN_REVISION})
    elseif(RETURNSCAN_GIT)
        set(git ${RETURNSCAN_GIT} -C ${A_SOURCE_DIR})
        execute_process(COMMAND ${git} rev-parse --short=12 HEAD
            OUTPUT_VARIABLE sha RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
        if(rc EQUAL 0 AND NOT sha STREQUAL "")
            set(revision ${sha})
            execute_process(COMMAND ${git} rev-list --count HEAD
                OUTPUT_VARIABLE count OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
            execute_process(COMMAND ${git} tag --points-at HEAD
                OUTPUT_VARIABLE tags OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
            string(REPLACE "\n" ";" tags "${tags}")
            if(NOT "v${A_VERSION}" IN_LIST tags)
                set(package_version "${A_VERSION}+git${count}.g${sha}")
            endif()
            # HEAD (per worktree), the branch it points at, and packed refs.
            execute_process(COMMAND ${git} symbolic-ref -q HEAD
                OUTPUT_VARIABLE ref OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
            foreach(name IN ITEMS HEAD ${ref} packed-refs)
                execute_process(COMMAND ${git} rev-parse --path-format=absolute --git-path ${name}
                    OUTPUT_VARIABLE path OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
                if(EXISTS "${path}")
                    set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY
                        CMAKE_CONFIGURE_DEPENDS ${path})
                endif()
            endforeach()
        endif()
    endif()
    set(${prefix}_REVISION ${revision} PARENT_SCOPE)
    set(${prefix}_PACKAGE_VERSION ${package_version} PARENT_SCOPE)
endfunction()
