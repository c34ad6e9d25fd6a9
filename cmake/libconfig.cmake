# libconfig, the policy file's parser: built from Debian's source package by
# scripts/build-libconfig.sh as a static PIC archive that our shared
# libraries link hidden (--exclude-libs). A dynamic libconfig would leave
# config_init & co. to the dynamic linker, and a program that defines
# functions of those names (lighttpd does) would get our calls.
set(SSA_LIBCONFIG_DIR "${CMAKE_BINARY_DIR}/libconfig" CACHE PATH "libconfig build output")

execute_process(
  COMMAND "${CMAKE_SOURCE_DIR}/scripts/build-libconfig.sh" "${SSA_LIBCONFIG_DIR}"
  RESULT_VARIABLE libconfig_rc)

add_library(ssa_libconfig INTERFACE)
if(libconfig_rc EQUAL 0)
  target_include_directories(ssa_libconfig SYSTEM INTERFACE "${SSA_LIBCONFIG_DIR}/include")
  target_link_libraries(ssa_libconfig INTERFACE "${SSA_LIBCONFIG_DIR}/lib/libconfig.a")
  message(STATUS "libconfig: Debian source package, static and hidden")
elseif(libconfig_rc EQUAL 3)
  pkg_check_modules(LIBCONFIG REQUIRED IMPORTED_TARGET libconfig)
  message(WARNING
    "\n*** libconfig: no source package; linking Debian's shared libconfig. A program that"
    "\n*** defines config_init (lighttpd) will break the drop-in, and scripts/check-exports.sh"
    "\n*** fails. Run scripts/bootstrap.sh as root to enable the deb-src entry.\n")
  target_link_libraries(ssa_libconfig INTERFACE PkgConfig::LIBCONFIG)
else()
  message(FATAL_ERROR "libconfig: scripts/build-libconfig.sh failed (exit ${libconfig_rc}); see ${SSA_LIBCONFIG_DIR}/*.log")
endif()
