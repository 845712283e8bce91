#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# IPFIX export checked against real collectors: Debian's nfcapd receives the
# records of a replay, and nfdump must show exactly one record per flow end in
# --events, with the same addresses, ports, packets and bytes each way, and
# the end reason the flow's "how" maps to. A capture of the export, decoded
# by tshark's IPFIX dissector, must carry both templates with fintrack's own
# elements under the enterprise number given, and in the records the first
# closer, how and last states of every flow end. Then a replay without
# --drain: the flows still tracked at its end come as forced ends (0x04).
# FINTRACK and TRACEGEN come from the environment. Exit 0 pass, 1 fail, 77 skip.

set -u
for tool in nfcapd nfdump tshark tcpdump jq; do
	command -v "$tool" >/dev/null || { echo "$tool missing: skipped (scripts/install-deps.sh)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "capturing on lo needs root: skipped"; exit 77; }
work=$(mktemp -d /tmp/ft-ipfix.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
eal=(--no-huge --no-pci -m 256 --file-prefix "ft_ipfix_$$" --log-level=lib.eal:error
     --log-level=lib.telemetry:error)
pen=4242

# A UDP port nothing listens on, from a range the kernel does not hand out.
free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 12000))
		ss -Hlun "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
	fail "no free UDP port"
}

# wait_for FILE PATTERN: bounded wait (5 s) for a line in a log.
wait_for() {
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# stop PID: SIGTERM, then wait (bounded) so that it writes what it holds.
stop() {
	local i
	kill -TERM "$1" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	wait "$1" 2>/dev/null
}

# The records nfdump shows: "client server cpkts cbytes spkts sbytes reason", sorted.
nfdump_records() {
	nfdump -R "$1" -q -o raw | awk '
		/^Flow Record/ { if (sa != "") print sa " " sp " " da " " dp " " ip " " ib " " op " " ob " " er; sa = "" }
		$1 == "src" && $2 == "addr" { sa = $4 }
		$1 == "dst" && $2 == "addr" { da = $4 }
		$1 == "src" && $2 == "port" { sp = $4 }
		$1 == "dst" && $2 == "port" { dp = $4 }
		$1 == "in" && $2 == "packets" { ip = $4 }
		$1 == "in" && $2 == "bytes" { ib = $4 }
		$1 == "out" && $2 == "packets" { op = $4 }
		$1 == "out" && $2 == "bytes" { ob = $4 }
		$1 == "end" && $2 == "reason" { er = $4 }
		END { if (sa != "") print sa " " sp " " da " " dp " " ip " " ib " " op " " ob " " er }' |
		sort
}

# The end records of an events file in the same shape; how gives the reason.
event_records() {
	jq -r 'select(.type == "end") |
		(.client | capture("^\\[?(?<a>[^\\]]*)\\]?:(?<p>[0-9]+)$")) as $c |
		(.server | capture("^\\[?(?<a>[^\\]]*)\\]?:(?<p>[0-9]+)$")) as $s |
		(if (.how | startswith("timeout")) then "0x01" elif .how == "evicted" then "0x05"
		 else "0x03" end) as $r |
		"\($c.a) \($c.p) \($s.a) \($s.p) \(.pkts_c2s) \(.bytes_c2s) \(.pkts_s2c) \(.bytes_s2c) \($r)"' \
		"$1" | sort
}

# Start nfcapd on a free port and tcpdump on lo for that port; sets port.
collect() {
	port=$(free_port)
	mkdir -p "$work/$1"
	nfcapd -b 127.0.0.1 -p "$port" -w "$work/$1" -t 3600 >"$work/$1.nfcapd.log" 2>&1 &
	pids+=($!)
	nfpid=$!
	tcpdump -i lo -n -U -w "$work/$1.pcap" "udp port $port" 2>"$work/$1.tcpdump.log" &
	pids+=($!)
	tdpid=$!
	wait_for "$work/$1.tcpdump.log" "listening on" || fail "tcpdump did not start"
	wait_for "$work/$1.nfcapd.log" "Startup" || sleep 1
	kill -0 "$nfpid" 2>/dev/null || { cat "$work/$1.nfcapd.log"; fail "nfcapd did not start"; }
}

# Every close type, IPv4 and IPv6, short timeouts so that --drain ends them all.
"$TRACEGEN" -o "$work/t.pcap" -n 190 -s 11 --mix roundrobin --ipv6 30 --vlan 10 2>/dev/null ||
	fail "trace generator"
collect drained
"$FINTRACK" "${eal[@]}" -- --pcap "$work/t.pcap" --drain --quiet --events "$work/ev" \
	--ipfix-port "$port" --ipfix-enterprise "$pen" || fail "fintrack exited $?"
sleep 0.5
stop "$tdpid"
stop "$nfpid"
nfdump_records "$work/drained" >"$work/nf.txt"
event_records "$work/ev" >"$work/ev.txt"
ends=$(wc -l <"$work/ev.txt")
recs=$(wc -l <"$work/nf.txt")
[ "$ends" -gt 100 ] || fail "only $ends flow ends in --events"
diff "$work/ev.txt" "$work/nf.txt" >"$work/diff" ||
	{ head -20 "$work/diff"; fail "nfdump's $recs records differ from the $ends end records"; }
for r in 0x01 0x03; do
	grep -q " $r\$" "$work/nf.txt" || fail "no record with end reason $r"
done
echo "ok: nfdump shows $recs records, one per end record: same addresses, ports, packets, bytes, end reason"

# tshark: both templates with fintrack's elements, then the elements in every record.
tshark -r "$work/drained.pcap" -d "udp.port==$port,cflow" -V >"$work/tshark.txt" 2>/dev/null ||
	fail "tshark cannot read the capture"
for t in 256 257; do
	grep -q "Template (Id = $t, Count = 22)" "$work/tshark.txt" || fail "tshark shows no template $t"
done
n=$(grep -c "PEN: ($pen)\|PEN: $pen\b\|($pen)$" "$work/tshark.txt")
[ "$n" -ge 14 ] || fail "templates carry $n elements of enterprise $pen, expected 7 per template"
grep -q "Flow End Reason: End of Flow detected (3)" "$work/tshark.txt" || fail "tshark: no end reason 3"
grep -q "Reverse Type 2 PKTS" "$work/tshark.txt" || fail "tshark: no reverse packet count"
# fintrack's own elements, decoded from tshark's hex: how (type 2) must match --events.
decode() {
	sed -n "s/.*Enterprise Private entry: ([^)]*) Type $1: Value (hex bytes): \([0-9a-f ]*\)\$/\1/p" \
		"$work/tshark.txt" | while read -r hex; do echo "$hex" | xxd -r -p; echo; done | sort
}
decode 2 >"$work/how.tshark"
jq -r 'select(.type == "end") | .how' "$work/ev" | sort >"$work/how.ev"
diff "$work/how.ev" "$work/how.tshark" >/dev/null ||
	fail "tshark decodes $(wc -l <"$work/how.tshark") 'how' elements that differ from --events"
decode 1 >"$work/closer.tshark"
jq -r 'select(.type == "end") | .first_closer' "$work/ev" | sort >"$work/closer.ev"
diff "$work/closer.ev" "$work/closer.tshark" >/dev/null || fail "first closers differ"
decode 3 | grep -qx "TIME_WAIT" || fail "no client left TIME_WAIT for CLOSED"
decode 4 | grep -qx "LAST_ACK" || fail "no server left LAST_ACK for CLOSED"
echo "ok: tshark decodes templates 256 and 257 and fintrack's elements (enterprise $pen): how, first closer, last states"

# Without --drain the flows still tracked at the last packet are forced ends.
collect forced
"$FINTRACK" "${eal[@]}" -- --pcap "$work/t.pcap" --quiet --events "$work/ev2" \
	--report "$work/rep2" --ipfix-port "$port" || fail "fintrack exited $?"
sleep 0.5
stop "$tdpid"
stop "$nfpid"
nfdump_records "$work/forced" >"$work/nf2.txt"
tracked=$(jq '[.flows[] | select(.held == false)] | length' "$work/rep2")
ends2=$(jq -r 'select(.type == "end") | .how' "$work/ev2" | wc -l)
forced=$(grep -c " 0x04\$" "$work/nf2.txt")
[ "$tracked" -gt 0 ] || fail "no flow was tracked at the end of the trace"
[ "$forced" -eq "$tracked" ] || fail "$forced forced-end records, $tracked flows tracked at the end"
[ "$(wc -l <"$work/nf2.txt")" -eq $((ends2 + tracked)) ] ||
	fail "$(wc -l <"$work/nf2.txt") records, expected $ends2 ends + $tracked forced"
echo "ok: without --drain, $ends2 ended flows and $tracked forced ends (0x04)"

# Without --events the engine builds no state events: the records must not change.
collect bare
"$FINTRACK" "${eal[@]}" -- --pcap "$work/t.pcap" --drain --quiet \
	--ipfix-port "$port" --ipfix-enterprise "$pen" || fail "fintrack exited $?"
sleep 0.5
stop "$tdpid"
stop "$nfpid"
nfdump_records "$work/bare" >"$work/nf3.txt"
diff "$work/nf.txt" "$work/nf3.txt" >"$work/diff3" ||
	{ head -20 "$work/diff3"; fail "without --events the records differ from those with it"; }
echo "ok: without --events, the same $(wc -l <"$work/nf3.txt") records"
echo "PASS: IPFIX export"
