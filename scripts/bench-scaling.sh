#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Layer 1 against table size: ft-bench-engine at several numbers of concurrent
# flows (each run prints the engine and its floor, rte_hash_lookup_bulk on the
# same keys, side by side), the JSON lines gathered into one table, and a plot
# of Mpps and TSC ticks per packet against concurrent flows (gnuplot, PNG).
#
#   scripts/bench-scaling.sh [--flows N,N,...] [--repeat R] [--build DIR]
#                            [--out DIR] [--no-huge] [--no-plot]
#
#   --flows   concurrent flows per run (default 65536,262144,1000000,4000000,10000000)
#   --repeat  runs per size; the table and the plot use the median of each
#             field (default 1)
#   --build   build directory holding bench/ft-bench-engine (default build)
#   --out     where results go (default DIR/bench-scaling): scaling.jsonl (every
#             run), scaling.dat (medians), scaling.png
#   --no-huge run on 4 KB pages (slower: TLB misses; for machines without
#             hugepages). By default the script reserves enough 2 MB hugepages
#             for the largest size with scripts/hugepages.sh and gives back what
#             it added when it ends.
#   --no-plot skip the plot (no gnuplot needed)
#
# Needs root for hugepages. About 330 bytes of hugepage memory per flow are
# reserved (the table is sized at 1.25 x the flows); 10M flows take ~3.3 GB.

set -u

PROG='bench-scaling'
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
flows=65536,262144,1000000,4000000,10000000
repeat=1
build=build
out=
huge=1
plot=1

while [ $# -gt 0 ]; do
	case "$1" in
	--flows) flows=$2; shift 2 ;;
	--repeat) repeat=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--no-huge) huge=0; shift ;;
	--no-plot) plot=0; shift ;;
	-h | --help) sed -n '5,25s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
done
[[ "$flows" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--flows: a comma-separated list of numbers"
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || die "--repeat: a positive number"
cd "$top" || exit 1
bench=$build/bench/ft-bench-engine
[ -x "$bench" ] || die "$bench not found: build first (scripts/build.sh, or meson setup $build && ninja -C $build)"
out=${out:-$build/bench-scaling}
mkdir -p "$out" || exit 1
command -v jq >/dev/null 2>&1 || die "jq not found (apt-get install jq)"
if [ "$plot" = 1 ] && ! command -v gnuplot >/dev/null 2>&1; then
	echo "bench-scaling: installing gnuplot-nox for the plot"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnuplot-nox >/dev/null ||
		die "cannot install gnuplot-nox (or use --no-plot)"
fi

IFS=, read -r -a sizes <<<"$flows"
max=0
for n in "${sizes[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
mem_mb=$(( (max / 1000000 + 1) * 330 + 512 ))
added=0
if [ "$huge" = 1 ]; then
	[ "$(id -u)" = 0 ] || die "hugepages need root (or use --no-huge)"
	sys=/sys/kernel/mm/hugepages/hugepages-2048kB
	have=$(cat "$sys/free_hugepages")
	need=$(( mem_mb / 2 + 64 ))
	if [ "$have" -lt "$need" ]; then
		total=$(cat "$sys/nr_hugepages")
		added=$(( need - have ))
		"$top/scripts/hugepages.sh" $(( total + added )) >/dev/null || die "cannot reserve hugepages"
		trap '"$top/scripts/hugepages.sh" $(( $(cat $sys/nr_hugepages) - added )) >/dev/null' EXIT
	fi
	eal=(--no-pci -m "$mem_mb")
else
	eal=(--no-huge --no-pci -m "$mem_mb")
fi

jsonl=$out/scaling.jsonl
: >"$jsonl"
echo "bench-scaling: ${sizes[*]} flows, $repeat run(s) each, ${mem_mb} MB for EAL"
for n in "${sizes[@]}"; do
	for r in $(seq 1 "$repeat"); do
		echo "bench-scaling: $n flows, run $r of $repeat"
		line=$("$bench" "${eal[@]}" --file-prefix "ft_scaling_$$" -- --flows "$n" 2>/dev/null |
			tee "$out/run-$n-$r.txt" | grep '^{') || die "ft-bench-engine failed at $n flows (see $out/run-$n-$r.txt)"
		grep -E 'whole engine|floor|ratio' "$out/run-$n-$r.txt" | sed 's/^/    /'
		echo "$line" >>"$jsonl"
	done
done

# Medians per size, one line each: flows ticks floor ratio mpps floor_mpps new close tw bytes
dat=$out/scaling.dat
echo "# flows ticks_per_pkt floor_ticks_per_pkt ratio_to_floor mpps floor_mpps new_flows_per_s close_transitions_per_s tw_expiries_per_s bytes_per_flow" >"$dat"
jq -s -r '
	def median: sort | if length % 2 == 1 then .[length / 2 | floor]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	group_by(.flows)[] |
	[.[0].flows,
	 (map(.ticks_per_pkt) | median), (map(.floor_ticks_per_pkt) | median),
	 (map(.ratio_to_floor) | median), (map(.mpps) | median),
	 (map(2600 / .floor_ticks_per_pkt) | median),
	 (map(.new_flows_per_s) | median), (map(.close_transitions_per_s) | median),
	 (map(.tw_expiries_per_s) | median), (map(.bytes_per_flow) | median)] | @tsv' \
	"$jsonl" >>"$dat" || die "cannot summarise $jsonl"
# The floor's Mpps column above assumes a 2.6 GHz TSC; rewrite it from the real one.
hz=$(sed -n 's/.*TSC \([0-9.]*\) GHz.*/\1/p' "$out"/run-*-1.txt | head -1)
[ -n "$hz" ] && awk -v hz="$hz" 'BEGIN { OFS = "\t" } /^#/ { print; next }
	{ $6 = sprintf("%.2f", hz * 1000 / $3); print }' "$dat" >"$dat.tmp" && mv "$dat.tmp" "$dat"

echo
printf '%-10s %10s %10s %7s %8s %8s %12s %12s %12s %8s\n' flows ticks/pkt floor ratio Mpps "floor" \
	"new/s" "close/s" "TW exp/s" "B/flow"
awk '!/^#/ { printf "%-10d %10.1f %10.1f %7.2f %8.2f %8.2f %12.0f %12.0f %12.0f %8.1f\n",
	$1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }' "$dat"
echo "command: $0 --flows $flows --repeat $repeat --build $build$([ "$huge" = 0 ] && echo ' --no-huge')"
echo "results: $jsonl, $dat"

if [ "$plot" = 1 ]; then
	png=$out/scaling.png
	gnuplot <<EOF || die "gnuplot failed"
set terminal pngcairo size 900,560 font "sans,10"
set output "$png"
set title "fintrack engine, one lcore: throughput and cost per packet against concurrent flows\n(established traffic to random flows; floor = rte\\\\_hash\\\\_lookup\\\\_bulk of the same keys)"
set logscale x
set xlabel "concurrent flows"
set ylabel "Mpps"
set y2label "TSC ticks per packet"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key below horizontal
set grid
set format x "%.0s%c"
plot "$dat" using 1:5 with linespoints lw 2 pt 7 title "engine Mpps", \
     "$dat" using 1:6 with linespoints lw 1 pt 6 dt 2 title "floor Mpps", \
     "$dat" using 1:2 axes x1y2 with linespoints lw 2 pt 5 title "engine ticks/pkt", \
     "$dat" using 1:3 axes x1y2 with linespoints lw 1 pt 4 dt 2 title "floor ticks/pkt"
EOF
	echo "plot: $png"
fi
