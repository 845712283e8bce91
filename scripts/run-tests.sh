#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Install, build with warnings as errors, run every test suite, and end with
# the line "N passed, N failed" counted from meson's test log. Extra
# arguments go to meson test (e.g. --suite unit).

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" || exit 1
"$top/scripts/build.sh" -Dwerror=true || { echo "0 passed, 1 failed"; exit 1; }
cd "$top/build"
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
