#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# The shipped Prometheus rules: promtool check rules accepts them and
# promtool test rules runs their unit tests (config/prometheus/tests).
# Usage: promtool_rules.sh CONFIG_DIR. Exit 0 pass, 1 fail, 77 skip.

set -u
dir=$1
command -v promtool >/dev/null || { echo "promtool missing: skipped (scripts/install-deps.sh)"; exit 77; }
promtool check rules "$dir"/fintrack-rules.yml "$dir"/fintrack-alerts.yml || exit 1
cd "$dir/tests" || exit 1
promtool test rules ./*.yml || exit 1
echo "PASS: promtool check rules and test rules"
