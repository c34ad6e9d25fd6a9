#!/usr/bin/env bash
# Build and run every test twice: an optimised build (build/) and an
# AddressSanitizer + UBSan build (build-asan/); build the Release
# configuration (build-release/) in between, without running its tests. All
# three share the wolfSSL and libconfig caches in build/wolfssl and
# build/libconfig. A build failure
# stops at once; failing tests do not stop the sanitizer pass, but the script
# exits non-zero if any test failed.
#
#   scripts/test.sh
#
# ctest honours CTEST_PARALLEL_LEVEL for parallel runs.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
jobs=$(nproc 2>/dev/null || echo 2)

step() { printf '\n=== %s\n' "$*"; }
failed=()

# -O2 with assertions kept (RelWithDebInfo would add -DNDEBUG).
step "configure build/ (-O2)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g"
step "build build/"
cmake --build build -j "$jobs"
step "test build/"
ctest --test-dir build --output-on-failure || failed+=("build/")

# What packagers and most users type: -O3 and NDEBUG must build too (gcc
# warns differently there, and -Werror makes every warning a failure).
step "configure build-release/ (Release)"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release \
  -DSSA_WOLFSSL_DIR="$repo/build/wolfssl" -DSSA_LIBCONFIG_DIR="$repo/build/libconfig"
step "build build-release/"
cmake --build build-release -j "$jobs"

step "configure build-asan/ (AddressSanitizer, UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSSA_SANITIZE=ON \
  -DSSA_WOLFSSL_DIR="$repo/build/wolfssl" -DSSA_LIBCONFIG_DIR="$repo/build/libconfig"
step "build build-asan/"
cmake --build build-asan -j "$jobs"
step "test build-asan/"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure || failed+=("build-asan/")

if [ ${#failed[@]} -gt 0 ]; then
  step "FAILED: tests in ${failed[*]}"
  exit 1
fi
step "all tests passed"
