#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# ft-tracegen --encap. Usage: tracegen_encap.sh check|tshark
#   check:  every tunnel kind, options and nestings, with tg-check-encap: the outer
#           headers decode, the inner packets are the plain trace's byte for byte (same
#           seed), the expect file names each flow's tunnel and is otherwise the plain one.
#   tshark: tshark decodes each kind on its own, nothing malformed (skipped without it).
# TRACEGEN and CHECKER come from the environment (meson). Exit 0 pass, 1 fail, 77 skip.

set -u
mode=${1:-check}
work=$(mktemp -d /tmp/ft-tracegen-encap.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Every kind of flow, over IPv4 and IPv6, untagged, 802.1Q and QinQ.
common=(-n 190 -s 11 --mix roundrobin --ipv6 30 --vlan 20 --qinq 10 --rate 2000)

# gen NAME ARGS...: the trace NAME.pcap and NAME.exp with the common arguments and ARGS.
gen() {
	local name=$1
	shift
	"$TRACEGEN" -o "$work/$name.pcap" --expect "$work/$name.exp" "${common[@]}" "$@" \
		2>/dev/null || fail "ft-tracegen ${common[*]} $*"
}

# check NAME ARGS...: NAME generated with ARGS and checked against the plain trace.
check() {
	local name=$1
	shift
	gen "$name" "$@"
	"$CHECKER" --plain "$work/plain.pcap" --expect "$work/$name.exp" "$@" "$work/$name.pcap" ||
		fail "tg-check-encap $*"
	# The expect lines are the plain ones with the tunnel fields at their end.
	sed 's/,"tunnel":"[^"]*","tunnel_id":"[^"]*"}$/}/' "$work/$name.exp" |
		cmp -s - "$work/plain.exp" || fail "--encap $*: the expect file differs from the plain one"
}

gen plain
grep -q tunnel "$work/plain.exp" && fail "a plain expect file names a tunnel"

case $mode in
check)
	check geneve --encap geneve
	check geneve_ip --encap geneve --inner-eth off --geneve-port 6082
	check gwlb --encap gwlb
	check vxlan --encap vxlan
	check vxlan_8472 --encap vxlan --vxlan-port 8472 --contexts 4 --tunnel-id 0x10000
	check ipip --encap ipip
	check gre --encap gre
	check gre_nokey --encap gre --gre-key off
	check gre_eth --encap gre --inner-eth on --contexts 3
	check gue --encap gue
	check gue_v1 --encap gue --gue-variant 1 --gue-port 5555
	check gwlb+gre --encap gwlb+gre --contexts 5 --tunnel-id 7
	# Tags on the Ethernet header inside VXLAN, above the GWLB packet.
	check vxlan+gwlb --encap vxlan+gwlb --contexts 2
	check geneve+vxlan --encap geneve+vxlan
	check gre+ipip --encap gre+ipip --inner-eth on
	check gue+geneve --encap gue+geneve --inner-eth off --gue-variant 1
	grep -q '"tunnel":"gwlb+gre","tunnel_id":"endpoint=0x0e0000000000000b,attachment=0x0a0000000000000b/key=11"' \
		"$work/gwlb+gre.exp" || fail "no flow of context 4 in gwlb+gre's expect file"

	# --same-tuple: each tuple once in every context, -n counting the tuples.
	gen same_vxlan --encap vxlan --contexts 3 --same-tuple
	"$CHECKER" --encap vxlan --contexts 3 --same-tuple --expect "$work/same_vxlan.exp" \
		"$work/same_vxlan.pcap" >"$work/out" || fail "--encap vxlan --contexts 3 --same-tuple"
	grep -q "the 570 flows of the trace" "$work/out" || fail "--same-tuple -n 190 --contexts 3: not 570 flows"
	gen same_gwlb+gre --encap gwlb+gre --contexts 4 --same-tuple --tunnel-id 1000
	"$CHECKER" --encap gwlb+gre --contexts 4 --tunnel-id 1000 --same-tuple \
		--expect "$work/same_gwlb+gre.exp" "$work/same_gwlb+gre.pcap" >"$work/out" ||
		fail "--encap gwlb+gre --contexts 4 --same-tuple"
	grep -q "the 760 flows of the trace" "$work/out" || fail "--same-tuple -n 190 --contexts 4: not 760 flows"
	# The copies are flows of their own: not all of a tuple's copies are of one kind.
	[ "$(sed 's/.*"client":"\([^"]*\)".*"kind":"\([^"]*\)".*/\1 \2/' "$work/same_vxlan.exp" |
		sort -u | cut -d' ' -f1 | uniq -c | awk '$1 > 1' | wc -l)" -gt 100 ] ||
		fail "--same-tuple: the copies of a tuple are mostly of one kind"
	# With one context there is nothing to copy: the trace is the plain one.
	gen same_one --encap vxlan --same-tuple
	gen vxlan_one --encap vxlan
	cmp -s "$work/same_one.pcap" "$work/vxlan_one.pcap" || fail "--same-tuple with one context"

	# --snaplen cuts the outer frame.
	gen gwlb+gre_96 --encap gwlb+gre --contexts 5 --tunnel-id 7 --snaplen 96
	"$CHECKER" --prefix-of "$work/gwlb+gre.pcap" "$work/gwlb+gre_96.pcap" || fail "--snaplen 96"

	# Jumbo frames: at most 8,500 bytes of inner IPv4 packet and GWLB's 68 bytes under
	# Ethernet (tg-check-encap checks every length).
	common=(-n 19 -s 12 --mix roundrobin --mss 8448)
	gen plain
	check gwlb_jumbo --encap gwlb
	largest=$("$CHECKER" --encap gwlb "$work/gwlb_jumbo.pcap" | sed -n 's/.*largest frame \([0-9]*\) bytes.*/\1/p')
	{ [ "${largest:-0}" -gt 8000 ] && [ "$largest" -le 8582 ]; } ||
		fail "GWLB jumbo frames of up to ${largest:-?} bytes, expected 8000..8582"
	;;
tshark)
	if ! command -v tshark >/dev/null || ! command -v mergecap >/dev/null ||
		! command -v capinfos >/dev/null; then
		echo "tshark not installed: skipped"
		exit 77
	fi
	# NAME CHAIN ARGS: every frame's protocols after the outer Ethernet header and tags are
	# CHAIN, any tags, IPv4 or IPv6 and TCP. GUE variant 1 is read as IP after UDP 6080;
	# Wireshark has no dissector of variant 0.
	list=(
		"geneve ip:udp:geneve:eth:ethertype: --encap geneve"
		"gwlb ip:udp:geneve: --encap gwlb"
		"vxlan ip:udp:vxlan:eth:ethertype: --encap vxlan"
		"ipip ip: --encap ipip"
		"gre ip:gre: --encap gre"
		"gue ip:udp:(ip:)? --encap gue --gue-variant 1"
		"gwlb+gre ip:udp:geneve:ip:gre: --encap gwlb+gre"
	)
	files=()
	for entry in "${list[@]}"; do
		read -r name chain args <<<"$entry"
		# shellcheck disable=SC2086 # args are words
		gen "$name" $args
		files+=("$work/$name.pcap")
	done
	# One tshark run over all the traces, one after the other: each has the plain one's frames.
	mergecap -a -w "$work/all.pcap" "${files[@]}" || fail "mergecap"
	tshark -r "$work/all.pcap" -d udp.port==6080,ip -T fields -e frame.protocols 2>/dev/null |
		sed -E 's/^eth:ethertype:((ieee8021ad|vlan):ethertype:)*//' >"$work/all.proto"
	n=$(capinfos -T -r -c "$work/plain.pcap" | cut -f2)
	[ "$(wc -l <"$work/all.proto")" -eq $((n * ${#list[@]})) ] ||
		fail "tshark reads $(wc -l <"$work/all.proto") frames, not ${#list[@]} x $n"
	k=0
	for entry in "${list[@]}"; do
		read -r name chain _ <<<"$entry"
		# Past TCP, tshark may guess at the payload from the port (data, kismet, ...); a
		# malformed frame would end in _ws.malformed right after a header.
		bad=$(sed -n "$((k * n + 1)),$(((k + 1) * n))p" "$work/all.proto" |
			grep -Ecv "^${chain}((ieee8021ad|vlan):ethertype:)*ipv?6?:tcp(:[a-z]+)*$")
		[ "$bad" -eq 0 ] || fail "$name: $bad frames are not ${chain}...tcp"
		echo "ok: $name: tshark reads every frame as ${chain}...tcp"
		k=$((k + 1))
	done
	# Field by field, the first frame of gwlb+gre.
	fields=$(tshark -r "$work/gwlb+gre.pcap" -c 1 -T fields -E separator=' ' -e ip.src -e ip.ttl \
		-e udp.dstport -e geneve.vni -e geneve.option.class -e geneve.option.type -e gre.key \
		-o ip.check_checksum:TRUE -e ip.checksum.status 2>/dev/null)
	echo "gwlb+gre frame 1: $fields"
	# Outer and GRE IPv4 headers (the inner packet is IPv6), both checksums good.
	[ "$fields" = "198.19.255.1,198.19.255.3 64,64 6081 0x000000 0x0108,0x0108,0x0108 0x01,0x02,0x03 0x00000064 1,1" ] ||
		fail "tshark reads gwlb+gre's first frame otherwise"
	;;
*)
	fail "unknown mode $mode"
	;;
esac
echo "ok: ft-tracegen --encap ($mode)"
