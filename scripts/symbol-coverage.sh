#!/usr/bin/env bash
# Which of each application's libssl imports the tests actually call: the
# other half of scripts/symbol-matrix.sh (which shows what is exported).
# A report: exits 0 even when symbols are not exercised or a test fails,
# unless --strict, which exits 1 if any imported symbol is not exercised
# (never called, called only by the library itself, or not exported) or any
# test failed.
#
#   scripts/symbol-coverage.sh [--strict] [BUILD_DIR]     (default build-cov)
#
# Environment:
#   SSA_WOLFSSL_DIR  the wolfSSL cache to share (default <repo>/build/wolfssl)
#   SSA_WGET         wget for the porting suite (default <repo>/build/wget/bin/wget,
#                    else the wget next to SSA_WOLFSSL_DIR)
#
# Configures BUILD_DIR with -DSSA_COVERAGE=ON (only libssl.so.3 gets gcc
# --coverage), builds it, then runs the tests in phases, each from zeroed
# counters: every ctest test matching 'compat\.|porting\.' except
# porting.suite, then the porting suite one application at a time
# (test-apps/porting/run.sh BUILD APP: what porting.suite runs). After each
# phase `gcov -b -c` saves the function and call counts in
# BUILD_DIR/symbol-coverage/<phase>.gcov (test output in <phase>.log); then
# scripts/symbol-coverage.py reads them and prints, per application list in
# libssl-compat/reference/app-symbols/, how many imports are exported and how
# many were called from outside the library (see its header for how calls
# the library makes to its own exported functions are told apart).
#
# Limitation: a process writes its counts when it exits normally; one killed
# by a signal (a server stopped with SIGKILL, an irssi window closed by
# tmux) writes none, so counts are lower bounds, never inflated.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
strict=()
if [ "${1:-}" = --strict ]; then
  strict=(--strict)
  shift
fi
build=${1:-$repo/build-cov}
wolfssl=${SSA_WOLFSSL_DIR:-$repo/build/wolfssl}
if [ -z "${SSA_WGET:-}" ] && [ ! -x "$repo/build/wget/bin/wget" ] \
   && [ -x "$(dirname "$wolfssl")/wget/bin/wget" ]; then
  export SSA_WGET
  SSA_WGET=$(dirname "$wolfssl")/wget/bin/wget
fi

say() { printf '\n=== %s\n' "$*" >&2; }

say "configure $build (SSA_COVERAGE=ON, wolfSSL from $wolfssl)"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g" -DSSA_COVERAGE=ON \
  -DSSA_WOLFSSL_DIR="$wolfssl" >&2
say "build $build"
cmake --build "$build" -j 2 >&2
build=$(cd "$build" && pwd)

objdir=$build/libssl-compat/CMakeFiles/ssl-compat.dir
out=$build/symbol-coverage
if ! ls "$objdir"/*.gcno >/dev/null 2>&1; then
  echo "symbol-coverage: no .gcno files in $objdir: was libssl.so.3 built with --coverage?" >&2
  exit 2
fi
rm -rf "$out"
mkdir -p "$out"

zero_counts() { find "$objdir" -name '*.gcda' -delete; }
# gcov -t writes the annotated sources, with the function and call counts
# (-b -c), to stdout; nothing is left in the build tree.
save_counts() {
  local phase=$1
  if ls "$objdir"/*.gcda >/dev/null 2>&1; then
    (cd "$objdir" && gcov -b -c -t ./*.gcda 2>>"$out/gcov.err") >"$out/$phase.gcov"
  else
    echo "symbol-coverage: phase $phase wrote no counts (libssl.so.3 never loaded, or every process killed)" >&2
  fi
}

failed=()
run_phase() {
  local phase=$1
  shift
  say "phase $phase: $*"
  zero_counts
  if ! "$@" >"$out/$phase.log" 2>&1; then
    failed+=("$phase")
    echo "symbol-coverage: phase $phase FAILED (see $out/$phase.log)" >&2
  fi
  save_counts "$phase"
}

mapfile -t tests < <(ctest --test-dir "$build" -N -R 'compat\.|porting\.' -E '^porting\.suite$' \
  | sed -n 's/^ *Test *#[0-9]*: *//p')
for t in "${tests[@]}"; do
  run_phase "$t" ctest --test-dir "$build" -R "^${t//./\\.}\$" --output-on-failure
done
for f in "$repo"/test-apps/porting/cases/*.sh; do
  app=$(basename "$f" .sh)
  run_phase "porting.$app" "$repo/test-apps/porting/run.sh" "$build" "$app"
done
zero_counts

say "report"
shopt -s nullglob
gcovs=("$out"/*.gcov)
rc=0
"$repo/scripts/symbol-coverage.py" "${strict[@]}" "$build/lib/libssl.so.3" \
  "$repo/libssl-compat/reference/app-symbols" "${gcovs[@]}" | tee "$out/report.txt" || rc=$?
if [ ${#failed[@]} -gt 0 ]; then
  printf '\nFailed phases (their counts are included): %s\n' "${failed[*]}" | tee -a "$out/report.txt"
  [ ${#strict[@]} -eq 0 ] || rc=1
fi
exit "$rc"
