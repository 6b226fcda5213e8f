# SPDX-License-Identifier: Apache-2.0
# Fails when a file of the core includes anything but the C++ standard library or the core's own
# headers (docs/architecture.md, "Rules the build enforces"). A compile check cannot say this:
# SQLite, nlohmann-json and the rest sit in /usr/include, where any target finds them.
#
#   cmake -DROOTS=<dir>[;<dir>...] -DCORE_DIRS=<dir>[;<dir>...] -DINCLUDE_DIR=<dir>
#         -P check_core_includes.cmake
#
# ROOTS: the folders whose .h/.cpp files are checked (recursively). A quoted include is the
# core's own when it names an existing file under INCLUDE_DIR/returnscan/core, or an existing
# file next to the including one inside one of CORE_DIRS. An angle include must be a standard
# header (the list below: C++23 and the <cxxx> C headers; the deprecated <xxx.h> forms are not
# allowed, so <stdio.h> cannot hide <unistd.h>'s company). An include through a macro is refused,
# since it cannot be checked.
cmake_minimum_required(VERSION 3.25)

set(standard_headers
    # C++ library headers ([headers] table 24, C++23)
    algorithm any array atomic barrier bit bitset charconv chrono codecvt compare complex
    concepts condition_variable coroutine deque exception execution expected filesystem
    flat_map flat_set format forward_list fstream functional future generator
    initializer_list iomanip ios iosfwd iostream istream iterator latch limits list locale map
    mdspan memory memory_resource mutex new numbers numeric optional ostream print queue random
    ranges ratio regex scoped_allocator semaphore set shared_mutex source_location span
    spanstream sstream stack stacktrace stdexcept stdfloat stop_token streambuf string
    string_view strstream syncstream system_error thread tuple type_traits typeindex typeinfo
    unordered_map unordered_set utility valarray variant vector version
    # C++ headers for C library facilities ([headers] table 25)
    cassert cctype cerrno cfenv cfloat cinttypes climits clocale cmath csetjmp csignal cstdarg
    cstddef cstdint cstdio cstdlib cstring ctime cuchar cwchar cwctype)

foreach(var ROOTS CORE_DIRS INCLUDE_DIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "check_core_includes: -D${var}=... is required")
    endif()
endforeach()

# Relative paths are taken from the working directory, as a shell user means them.
foreach(var ROOTS CORE_DIRS)
    set(absolute "")
    foreach(dir IN LISTS ${var})
        file(REAL_PATH "${dir}" dir BASE_DIRECTORY "$ENV{PWD}")
        list(APPEND absolute "${dir}")
    endforeach()
    set(${var} "${absolute}")
endforeach()

set(files "")
foreach(root IN LISTS ROOTS)
    if(NOT IS_DIRECTORY "${root}")
        message(FATAL_ERROR "check_core_includes: '${root}' is not a directory")
    endif()
    file(GLOB_RECURSE found LIST_DIRECTORIES false "${root}/*.h" "${root}/*.hpp" "${root}/*.cpp")
    list(APPEND files ${found})
endforeach()
list(SORT files)
if(files STREQUAL "")
    message(FATAL_ERROR "check_core_includes: no .h or .cpp file under ${ROOTS}")
endif()

function(inside_core_dirs path out)
    set(${out} FALSE PARENT_SCOPE)
    foreach(dir IN LISTS CORE_DIRS)
        cmake_path(IS_PREFIX dir "${path}" NORMALIZE is_prefix)
        if(is_prefix)
            set(${out} TRUE PARENT_SCOPE)
        endif()
    endforeach()
endfunction()

set(violations 0)
set(checked 0)
foreach(file IN LISTS files)
    math(EXPR checked "${checked} + 1")
    file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include")
    get_filename_component(dir "${file}" DIRECTORY)
    foreach(line IN LISTS lines)
        set(bad "")
        if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*<([^>]+)>")
            set(header "${CMAKE_MATCH_1}")
            if(NOT header IN_LIST standard_headers)
                set(bad "<${header}> is not a C++ standard library header")
            endif()
        elseif(line MATCHES "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\"")
            set(header "${CMAKE_MATCH_1}")
            set(own FALSE)
            if(header MATCHES "^returnscan/core/[^/]+$" AND EXISTS "${INCLUDE_DIR}/${header}")
                set(own TRUE)
            elseif(EXISTS "${dir}/${header}")
                inside_core_dirs("${dir}/${header}" own)
            endif()
            if(NOT own)
                set(bad "\"${header}\" is not one of the core's own headers")
            endif()
        else()
            set(bad "an include that is not <header> or \"header\" cannot be checked")
        endif()
        if(bad)
            string(STRIP "${line}" shown)
            message("${file}: ${shown}: ${bad}")
            math(EXPR violations "${violations} + 1")
        endif()
    endforeach()
endforeach()

if(violations GREATER 0)
    message(FATAL_ERROR "check_core_includes: ${violations} include(s) outside the standard "
        "library in the core (${checked} files checked); the core depends on nothing else "
        "(docs/architecture.md)")
endif()
message(STATUS "check_core_includes: ${checked} files include only the standard library and "
    "the core's own headers")
