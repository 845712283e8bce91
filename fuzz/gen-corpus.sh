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
# Tunnels: t5: a customer's GRE in AWS GWLB's GENEVE; t6: one tuple in two VXLAN VNIs;
# t7: GUE variant 1 (the fuzz targets open GUE on 6080) and IP-in-IP in GENEVE.
"$tracegen" -o "$out/traces/t5.pcap" -n 19 --mix roundrobin -s 6 --ipv6 30 --encap gwlb+gre
"$tracegen" -o "$out/traces/t6.pcap" -n 10 --mix roundrobin -s 7 --vlan 30 --encap vxlan \
	--contexts 2 --same-tuple
"$tracegen" -o "$out/traces/t7.pcap" -n 19 --mix roundrobin -s 8 --encap gue \
	--gue-variant 1 --gue-port 6080
"$tracegen" -o "$out/traces/t8.pcap" -n 19 --mix roundrobin -s 9 --ipv6 50 --encap geneve+ipip

"$corpus" -p "$out/seed-pkt" -e "$out/seed-engine" --max-frames 400 --max-flows 64 \
	--mix-frames 96 "$out/traces/t0.pcap" "$out/traces/t1.pcap" "$out/traces/t2.pcap" \
	"$out/traces/t3.pcap" "$out/traces/t4.pcap" "$out/traces/t5.pcap" "$out/traces/t6.pcap" \
	"$out/traces/t7.pcap" "$out/traces/t8.pcap"
# the entries of a directory, hidden ones left out (as ls lists them)
nfiles() {
	find "$1" -mindepth 1 -maxdepth 1 -name '[!.]*' | wc -l
}
echo "seed corpus: $(nfiles "$out/seed-pkt") fuzz_pkt files," \
	"$(nfiles "$out/seed-engine") fuzz_engine files in $out"
