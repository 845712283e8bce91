#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Configure (once) and build fintrack in ./build. Extra arguments go to
# meson setup, e.g. scripts/build.sh -Dwerror=true.

set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ ! -f build/build.ninja ]; then
	meson setup build "$@"
elif [ $# -gt 0 ]; then
	meson configure build "$@"
fi
ninja -C build
