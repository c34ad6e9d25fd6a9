# shellcheck shell=bash
# Sourced by porting cases: how to start an unmodified application over the
# drop-in in LIBDIR.
#
#   app_env LIBDIR   fills the array APP_ENV with the environment to pass
#                    (env "${APP_ENV[@]}" prog ...)
#
# A sanitizer build of libssl.so.3 needs its runtime loaded first: the
# application itself is not instrumented, so the runtime is preloaded (and
# leak checking, which would report the application's own exit-time
# allocations, is off; ASan still stops at the first memory error of ours).
app_env() {
  local libdir=$1 asan
  APP_ENV=("LD_LIBRARY_PATH=$libdir")
  asan=$(ldd "$libdir/libssl.so.3" 2>/dev/null | awk '/libasan\.so/ {print $3; exit}')
  if [ -n "$asan" ]; then
    APP_ENV+=("LD_PRELOAD=$asan" "ASAN_OPTIONS=detect_leaks=0:halt_on_error=1")
  fi
}
