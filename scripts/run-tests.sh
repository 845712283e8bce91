#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Install, build with warnings as errors, run every test suite, and end with
# the line "N passed, N failed" counted from meson's test log.
#
#   scripts/run-tests.sh [--sanitize] [meson test arguments, e.g. --suite unit]
#
# --sanitize builds into build-sanitize with AddressSanitizer and
# UndefinedBehaviorSanitizer (any report fails the test that caused it).

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=build
setup=(-Dwerror=true)
if [ "${1:-}" = "--sanitize" ]; then
	shift
	builddir=build-sanitize
	# shellcheck disable=SC2054 # a comma inside a meson option value
	setup+=(-Db_sanitize=address,undefined -Db_lundef=false)
	export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
	export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
	export FT_SANITIZED=1
fi
"$top/scripts/install-deps.sh" || exit 1
cd "$top" || { echo "0 passed, 1 failed"; exit 1; }
if [ ! -f "$builddir/build.ninja" ]; then
	meson setup "$builddir" "${setup[@]}" || { echo "0 passed, 1 failed"; exit 1; }
fi
ninja -C "$builddir" || { echo "0 passed, 1 failed"; exit 1; }
cd "$builddir" || { echo "0 passed, 1 failed"; exit 1; }
meson test --print-errorlogs "$@"
rc=$?
log=meson-logs/testlog.json
passed=$(grep -c '"result": "OK"' "$log" || true)
skipped=$(grep -c '"result": "SKIP"' "$log" || true)
total=$(grep -c '"result": ' "$log" || true)
failed=$((total - passed - skipped))
[ "$skipped" -eq 0 ] || echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
