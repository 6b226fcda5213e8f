# SPDX-License-Identifier: Apache-2.0
# The Debian package: what it installs besides the program and how CPack's DEB generator builds
# it (`scripts/bootstrap.sh package`; the choice of CPack over debhelper: docs/packaging.md).
# The package installs below /usr (CPACK_PACKAGING_INSTALL_PREFIX) whatever the build tree's
# CMAKE_INSTALL_PREFIX; the release preset sets /usr for `cmake --install` too.

set(pkg ${PROJECT_SOURCE_DIR}/packaging)
set(gen ${PROJECT_BINARY_DIR}/packaging)

# systemd reads packages' units, sysusers.d and tmpfiles.d files below /usr/lib.
install(FILES
    ${pkg}/systemd/returnscan-kiosk.service
    ${pkg}/systemd/returnscan-sync.service
    ${pkg}/systemd/returnscan-sync.timer
    ${pkg}/systemd/returnscan-display.service
    DESTINATION lib/systemd/system)
install(FILES ${pkg}/returnscan.sysusers DESTINATION lib/sysusers.d RENAME returnscan.conf)
install(FILES ${pkg}/returnscan.tmpfiles DESTINATION lib/tmpfiles.d RENAME returnscan.conf)

# /etc/returnscan/kiosk.toml: the complete example with every key commented out, so the shipped
# file can never disagree with the example (docs/configuration.md). 0640: it will hold the
# supervisors' PIN hashes; postinst gives it to the group returnscan, which exists only then.
file(READ ${pkg}/kiosk.toml.head head)
file(READ ${pkg}/kiosk.example.toml example)
# The example's own header comment (up to the first empty line) is replaced by head.
string(FIND "${example}" "\n\n" body_at)
string(SUBSTRING "${example}" ${body_at} -1 body)
string(REGEX REPLACE "\n([^#\n])" "\n#\\1" body "${body}")
file(CONFIGURE OUTPUT ${gen}/kiosk.toml CONTENT "${head}${body}" @ONLY)
# Always /etc (also from a build tree configured for /usr/local, as the install test packages).
set(etc /etc/returnscan)
install(FILES ${gen}/kiosk.toml ${pkg}/sync.env DESTINATION ${etc}
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)

# Debian's documentation files: the machine-readable copyright and the changelog, with an entry
# for a build between releases (its version names the git revision).
set(changelog "")
if(NOT RETURNSCAN_BUILD_PACKAGE_VERSION STREQUAL PROJECT_VERSION)
    execute_process(COMMAND git -C ${PROJECT_SOURCE_DIR} log -1 --format=%aD
        OUTPUT_VARIABLE commit_date OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(commit_date STREQUAL "")
        string(TIMESTAMP commit_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
    endif()
    string(CONCAT changelog
        "returnscan (${RETURNSCAN_BUILD_PACKAGE_VERSION}-1) unstable; urgency=medium\n\n"
        "  * Build between releases, from git revision ${RETURNSCAN_BUILD_REVISION}.\n\n"
        " -- returnscan developers <dev@returnscan.invalid>  ${commit_date}\n\n")
endif()
file(READ ${pkg}/debian/changelog released)
file(CONFIGURE OUTPUT ${gen}/changelog.Debian CONTENT "${changelog}${released}" @ONLY)
find_program(GZIP_EXE gzip REQUIRED)
add_custom_command(OUTPUT ${gen}/changelog.Debian.gz
    COMMAND ${GZIP_EXE} -9nc ${gen}/changelog.Debian > ${gen}/changelog.Debian.gz
    DEPENDS ${gen}/changelog.Debian VERBATIM)
set(package_files ${gen}/changelog.Debian.gz)
install(FILES ${pkg}/debian/copyright ${gen}/changelog.Debian.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${pkg}/debian/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
    RENAME returnscan)

# returnscan(1) from `returnscan --help` (help2man; the package build installs it).
find_program(HELP2MAN_EXE help2man)
if(HELP2MAN_EXE)
    add_custom_command(OUTPUT ${gen}/returnscan.1.gz
        COMMAND ${HELP2MAN_EXE} --no-info --section=1 --include=${pkg}/returnscan.h2m
            "--name=returns bench station: decide, record and sync returned parcels"
            --output=${gen}/returnscan.1 $<TARGET_FILE:returnscan>
        COMMAND ${GZIP_EXE} -9nf ${gen}/returnscan.1
        DEPENDS returnscan ${pkg}/returnscan.h2m VERBATIM)
    list(APPEND package_files ${gen}/returnscan.1.gz)
    install(FILES ${gen}/returnscan.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
    message(STATUS "help2man not found: no man page (scripts/bootstrap.sh package installs it)")
endif()
add_custom_target(returnscan_package_files ALL DEPENDS ${package_files})

# Maintainer scripts and conffiles.
file(CONFIGURE OUTPUT ${gen}/conffiles CONTENT "${etc}/kiosk.toml\n${etc}/sync.env\n" @ONLY)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME returnscan)
set(CPACK_PACKAGE_VENDOR "returnscan developers")
set(CPACK_PACKAGE_CONTACT "returnscan developers <dev@returnscan.invalid>")
set(CPACK_PACKAGE_VERSION ${RETURNSCAN_BUILD_PACKAGE_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "returns bench station: decide, record and sync returned parcels")
set(CPACK_PACKAGE_DESCRIPTION
    "returnscan runs the returns bench of a warehouse: it reads return-code and
order labels from barcode scanners and cameras, decides each parcel against
the after-sales policy, records every decision durably in SQLite with
evidence photos, and syncs receipts and photos with the central after-sales
system every night.

The package installs the program, the kiosk service with the operator's web
page on loopback, the nightly sync timer, an opt-in display service (cage and
Chromium showing the operator page full screen), udev rules that hand the
station's scanners and cameras to the group returnscan, and the system users.")
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Libraries: dpkg-shlibdeps on the binary. The rest: systemd-sysusers, systemd-tmpfiles, the
# units and udevadm; deb-systemd-helper in the maintainer scripts.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd, udev, init-system-helpers (>= 1.52)")
# The display service (returnscan-display.service) only.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "cage, chromium")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "sqlite3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${gen}/conffiles ${pkg}/debian/postinst ${pkg}/debian/prerm ${pkg}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
