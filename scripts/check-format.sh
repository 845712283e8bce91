#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Check that every C source and header is formatted as .clang-format says
# (clang-format 14, Debian 12's). Lists what differs; exit 1 if anything does,
# 77 (skip) if clang-format is missing.
#
#   scripts/check-format.sh [--fix]

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
command -v clang-format >/dev/null || { echo "clang-format not installed: skipped"; exit 77; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files '*.c' '*.h')
else
	mapfile -t files < <(find app bench fuzz lib tests -name '*.[ch]' | sort)
fi
if [ "${1:-}" = "--fix" ]; then
	clang-format -i "${files[@]}"
	exit 0
fi
bad=0
for f in "${files[@]}"; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "$f: not formatted as .clang-format says (scripts/check-format.sh --fix)"
		clang-format "$f" | diff -u "$f" - | head -20
		bad=1
	fi
done
[ "$bad" -eq 0 ] && echo "${#files[@]} files formatted as .clang-format says"
exit "$bad"
