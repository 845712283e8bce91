#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Regression test from the oracle harness's recordings: every case in CASES
# (NAME.json + NAME.pcap, written by scripts/oracle.sh --record) is replayed
# through fintrack, and at each recorded snapshot fintrack's state of each
# endpoint must equal the state 'ss' showed then. Needs neither root nor a network.
#
# Environment: FINTRACK, CASES (directory). Exit 0 pass, 1 fail, 77 skip (no jq).

set -u

command -v jq >/dev/null 2>&1 || { echo "SKIP: jq not found"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
shopt -s nullglob
cases=("$CASES"/*.json)
[ ${#cases[@]} -gt 0 ] || { echo "FAIL: no case in $CASES"; exit 1; }
pass=0
failed=()
for c in "${cases[@]}"; do
	name=$(basename "$c" .json)
	if [ ! -f "${c%.json}.pcap" ]; then
		echo "FAIL: $name has no capture"
		failed+=("$name")
		continue
	fi
	if "$here/oracle_check.sh" "$c" "${c%.json}.pcap"; then
		pass=$((pass + 1))
	else
		failed+=("$name")
	fi
done
echo
echo "oracle cases: $pass agree, ${#failed[@]} disagree ${failed[*]}"
[ ${#failed[@]} -eq 0 ]
