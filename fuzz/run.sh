#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Build the seed corpus and run every fuzz target for SECONDS.
#
# Usage: fuzz/run.sh SECONDS [BUILD_DIR]
#
# BUILD_DIR (default build-fuzz) must be configured with
#   CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
#       -Db_lundef=false
# Each target runs with -max_total_time=SECONDS and is stopped 10 s later
# at the latest. New inputs go to BUILD_DIR/fuzz/corpus/<target>, crashes to
# BUILD_DIR/fuzz/artifacts, logs to BUILD_DIR/fuzz/logs. Prints the exec count,
# exec/s and coverage of every target; exits 1 if any target crashed, hung or
# broke an invariant.

set -u

usage() {
	echo "usage: $0 SECONDS [BUILD_DIR]" >&2
	exit 2
}

{ [ $# -ge 1 ] && [ $# -le 2 ]; } || usage
secs=$1
case $secs in
'' | *[!0-9]*) usage ;;
esac
[ "$secs" -ge 1 ] || usage
build=${2:-build-fuzz}
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -f "$build/build.ninja" ]; then
	echo "$0: $build is not a meson build directory; configure it with" >&2
	echo "  CC=clang meson setup $build -Dfuzz=true -Db_sanitize=address,undefined" \
		"-Db_lundef=false" >&2
	exit 2
fi
if [ ! -f "$build/fuzz/build.ninja" ] && ! grep -q 'fuzz_engine' "$build/build.ninja"; then
	echo "$0: $build was configured without -Dfuzz=true" >&2
	exit 2
fi
ninja -C "$build" fuzz/fuzz_pkt fuzz/fuzz_engine fuzz/ft-corpus app/tracegen/ft-tracegen ||
	exit 1

fz=$build/fuzz
"$here/gen-corpus.sh" "$build/app/tracegen/ft-tracegen" "$fz/ft-corpus" "$fz/corpus" || exit 1
mkdir -p "$fz/artifacts" "$fz/logs"

# UBSan reports stop the run like ASan ones (b_sanitize builds UBSan recoverable).
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

# DPDK's runtime directory. fuzz_engine (EAL file prefix fuzz_engine_<pid>) removes its
# own at exit, but not after a crash.
if [ "$(id -u)" -eq 0 ]; then
	rundir=/var/run/dpdk
else
	rundir=${XDG_RUNTIME_DIR:-/tmp}/dpdk
fi

# the entries of a directory, hidden ones left out (as ls lists them)
nfiles() {
	find "$1" -mindepth 1 -maxdepth 1 -name '[!.]*' | wc -l
}

failed=0
for t in fuzz_pkt fuzz_engine; do
	seed=$fz/corpus/seed-${t#fuzz_}
	work=$fz/corpus/$t
	log=$fz/logs/$t.log
	mkdir -p "$work"
	echo "== $t: $secs s (seeds: $(nfiles "$seed"), corpus: $(nfiles "$work"))"
	"$fz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
		-artifact_prefix="$fz/artifacts/$t-" "$work" "$seed" >"$log" 2>&1 &
	pid=$!
	# The bound: libFuzzer stops itself at SECONDS; this stops a stuck run soon after.
	(
		sleep $((secs + 10))
		kill -INT "$pid" 2>/dev/null && sleep 5 && kill -KILL "$pid" 2>/dev/null
	) &
	guard=$!
	wait "$pid"
	rc=$?
	kill "$guard" 2>/dev/null
	wait "$guard" 2>/dev/null
	rm -rf "$rundir/fuzz_engine_$pid"

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 |
		sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+).*corp: ([0-9]+).*/cov \1, ft \2, corpus \3/')
	echo "$t: ${execs:-?} execs, ${rate:-?} exec/s, ${cov:-no coverage line}, exit $rc"
	if [ "$rc" -ne 0 ]; then
		failed=1
		echo "$t: FAILED (log $log)"
		grep -E 'ERROR: |invariant violated|runtime error|Test unit written|SUMMARY' \
			"$log" | head -n 10
	fi
done
exit $failed
