#!/usr/bin/env bash
# curl (Debian's curl + libcurl4) over the drop-in: the cases live in
# libssl-compat/tests/curl_test.sh; this adapts its ok/FAIL lines.
#
#   curl.sh LIBDIR REPO
set -uo pipefail
libdir=${1:?usage: curl.sh LIBDIR REPO}
repo=${2:?usage: curl.sh LIBDIR REPO}
"$repo/libssl-compat/tests/curl_test.sh" "$libdir" "$repo/ssa-core/tests/pki/make-pki.sh" \
  | while read -r status rest; do
      case "$status" in
        ok) echo "RESULT curl ${rest%% *} ok ${rest#* }" ;;
        FAIL) echo "RESULT curl ${rest%% *} FAIL ${rest#* }" ;;
        *) echo "$status $rest" ;;
      esac
    done
