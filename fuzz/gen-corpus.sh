#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Seed corpora of the fuzz targets, from our own trace generator.
#
# Usage: gen-corpus.sh FT_TRACEGEN FT_CORPUS OUT_DIR
#
# Writes OUT_DIR/seed-pkt (one frame per file, a few hundred) and
# OUT_DIR/seed-engine (one flow per file in the fuzz_engine record format,
# plus one multi-flow burst file per trace). The traces are kept in
# OUT_DIR/traces. Everything is deterministic.

set -eu

if [ $# -ne 3 ]; then
	echo "usage: $0 FT_TRACEGEN FT_CORPUS OUT_DIR" >&2
	exit 2
fi
tracegen=$1
corpus=$2
out=$3

rm -rf "$out/seed-pkt" "$out/seed-engine" "$out/traces"
mkdir -p "$out/seed-pkt" "$out/seed-engine" "$out/traces"

# One flow of every close kind (19 kinds) per trace, or two.
# t0: IPv4; t1: IPv6; t2: IPv4 and IPv6 with VLAN and QinQ tags, flows
# overlapping; t3: no data exchange, 50 us round trips; t4: half IPv6, all 40
# flows open at once (more than fuzz_engine's 16 IPv6 slots).
"$tracegen" -o "$out/traces/t0.pcap" -n 19 --mix roundrobin -s 1
"$tracegen" -o "$out/traces/t1.pcap" -n 19 --mix roundrobin -s 2 --ipv6 100
"$tracegen" -o "$out/traces/t2.pcap" -n 38 --mix roundrobin -s 3 --ipv6 30 --vlan 30 \
	--qinq 20 --rate 5000
"$tracegen" -o "$out/traces/t3.pcap" -n 19 --mix roundrobin -s 4 --vlan 100 \
	--data-segments 0 --rtt-us 50
"$tracegen" -o "$out/traces/t4.pcap" -n 40 --mix roundrobin -s 5 --ipv6 50 --rate 20000

"$corpus" -p "$out/seed-pkt" -e "$out/seed-engine" --max-frames 400 --max-flows 64 \
	--mix-frames 96 "$out/traces/t0.pcap" "$out/traces/t1.pcap" "$out/traces/t2.pcap" \
	"$out/traces/t3.pcap" "$out/traces/t4.pcap"
# the entries of a directory, hidden ones left out (as ls lists them)
nfiles() {
	find "$1" -mindepth 1 -maxdepth 1 -name '[!.]*' | wc -l
}
echo "seed corpus: $(nfiles "$out/seed-pkt") fuzz_pkt files," \
	"$(nfiles "$out/seed-engine") fuzz_engine files in $out"
