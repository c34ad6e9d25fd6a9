# wolfSSL: built from Debian's source package by scripts/build-wolfssl.sh into
# the build tree (cached by a stamp), or, when that cannot be had, Debian's
# libwolfssl-dev with a loud warning about what it costs.
set(SSA_WOLFSSL_DIR "${CMAKE_BINARY_DIR}/wolfssl" CACHE PATH "wolfSSL build output")

execute_process(
  COMMAND "${CMAKE_SOURCE_DIR}/scripts/build-wolfssl.sh" "${SSA_WOLFSSL_DIR}"
  RESULT_VARIABLE wolfssl_rc)

add_library(ssa_wolfssl INTERFACE)
if(NOT wolfssl_rc EQUAL 0 AND NOT wolfssl_rc EQUAL 3)
  # 3 means "no source package"; anything else (a patch that no longer
  # applies, a failed build) must stop us, not fall back to an unpatched
  # library.
  message(FATAL_ERROR "wolfSSL: scripts/build-wolfssl.sh failed (exit ${wolfssl_rc}); see ${SSA_WOLFSSL_DIR}/*.log")
endif()
if(wolfssl_rc EQUAL 0)
  target_include_directories(ssa_wolfssl SYSTEM INTERFACE "${SSA_WOLFSSL_DIR}/include")
  target_link_libraries(ssa_wolfssl INTERFACE "${SSA_WOLFSSL_DIR}/lib/libwolfssl.a" m)
  # The options wolfSSL was configured with must be seen by every includer.
  target_compile_definitions(ssa_wolfssl INTERFACE WOLFSSL_USE_OPTIONS_H)
  set(SSA_WOLFSSL_ORIGIN "Debian source package, assembly enabled")
else()
  find_path(WOLFSSL_SYSTEM_INCLUDE wolfssl/ssl.h)
  find_library(WOLFSSL_SYSTEM_LIB wolfssl)
  if(NOT WOLFSSL_SYSTEM_INCLUDE OR NOT WOLFSSL_SYSTEM_LIB)
    message(FATAL_ERROR "wolfSSL: neither the source package nor libwolfssl-dev is available; run scripts/bootstrap.sh as root")
  endif()
  message(WARNING
    "\n*** wolfSSL: building against Debian's libwolfssl-dev. It has no AES-NI or assembly:"
    "\n*** AES-GCM runs about 25x slower than the source build (about 89 MB/s instead of 2.9 GB/s)."
    "\n*** Run scripts/bootstrap.sh as root to enable the deb-src entry and rebuild.\n")
  target_include_directories(ssa_wolfssl SYSTEM INTERFACE "${WOLFSSL_SYSTEM_INCLUDE}")
  target_link_libraries(ssa_wolfssl INTERFACE "${WOLFSSL_SYSTEM_LIB}")
  target_compile_definitions(ssa_wolfssl INTERFACE WOLFSSL_USE_OPTIONS_H)
  set(SSA_WOLFSSL_ORIGIN "Debian libwolfssl (no assembly: slow)")
endif()
message(STATUS "wolfSSL: ${SSA_WOLFSSL_ORIGIN}")
