#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Replay tests of the fintrack binary. Usage: run_replay.sh NAME MODE [ARGS...]
# FINTRACK, TRACEGEN, CHECKER and CAPTURES come from the environment (meson).
# Exit 0 pass, 1 fail, 77 skip.

set -u
name=$1
mode=$2
shift 2
work=$(mktemp -d "/tmp/ft-$name.XXXXXX")
# A file prefix of this run's own, and no shared files under it: runs of the
# same test (from another build tree) never meet, and nothing is left behind.
prefix="ft_${name}_$$"
trap 'rm -rf "$work" "/var/run/dpdk/$prefix" "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$prefix"' EXIT
eal=(--no-huge --no-pci --no-shconf -m 512 --file-prefix "$prefix" --log-level=lib.eal:error
     --log-level=lib.telemetry:error)

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

fintrack() {
	"$FINTRACK" "${eal[@]}" -- "$@"
}

# expect_error EXIT_CODE PATTERN ARGS...: fintrack must fail that way and say why.
expect_error() {
	local code=$1 pattern=$2
	shift 2
	fintrack "$@" >"$work/out" 2>&1
	local got=$?
	[ "$got" -eq "$code" ] || { cat "$work/out"; fail "fintrack $* exited $got, expected $code"; }
	grep -q -- "$pattern" "$work/out" || { cat "$work/out"; fail "fintrack $*: no '$pattern' in its output"; }
	echo "ok: fintrack $* -> exit $code, '$pattern'"
}

# Seconds between the first matching events of two patterns in an events file.
gap() {
	local ev=$1 a=$2 b=$3
	local ta tb
	ta=$(grep -m1 -- "$a" "$ev" | sed 's/.*"ts":\([0-9.]*\).*/\1/')
	tb=$(grep -m1 -- "$b" "$ev" | sed 's/.*"ts":\([0-9.]*\).*/\1/')
	{ [ -n "$ta" ] && [ -n "$tb" ]; } || fail "events '$a' / '$b' not found"
	awk -v a="$ta" -v b="$tb" 'BEGIN { printf "%.3f\n", b - a }'
}

case $mode in
kinds)
	"$TRACEGEN" -o "$work/t.pcap" --expect "$work/t.exp" "$@" || fail "trace generator"
	fintrack --pcap "$work/t.pcap" --events "$work/ev" --report "$work/rep" --drain \
		>"$work/summary" || fail "fintrack exited $?"
	cat "$work/summary"
	"$CHECKER" --report "$work/rep" --expect "$work/t.exp" --events "$work/ev" ||
		fail "replay does not match the expectations"
	;;
small_table)
	# Far more concurrent flows than the table holds: closing flows are evicted,
	# the rest refused and counted, and everything still drains.
	"$TRACEGEN" -o "$work/t.pcap" -n 3000 -s 3 --rate 200000 || fail "trace generator"
	fintrack --pcap "$work/t.pcap" --report "$work/rep" --drain --max-flows 64 \
		--max-flows-v6 0 >"$work/summary" 2>"$work/err" || fail "fintrack exited $?"
	"$CHECKER" --report "$work/rep" || fail "report"
	# Loud: a log warning as it happens, and the summary, say which setting to raise.
	grep -q "flows are evicted or refused from packet [0-9]* on: the IPv4 table (max_flows 64) is full" \
		"$work/err" || { cat "$work/err"; fail "no warning of a full table"; }
	grep -q "^Flow table full: the IPv4 table (max_flows 64) is full: [0-9]* flows evicted, [0-9]* new flows refused; raise max_flows (\[engine\] max_flows, --max-flows)" \
		"$work/summary" || fail "the summary does not say the table was full"
	grep "^Flow table full" "$work/summary"
	# The IPv6 table apart.
	"$TRACEGEN" -o "$work/t6.pcap" -n 1000 -s 3 --rate 200000 --ipv6 100 || fail "trace generator"
	fintrack --pcap "$work/t6.pcap" --drain --max-flows-v6 16 >"$work/summary6" 2>/dev/null ||
		fail "fintrack exited $?"
	grep -q "^Flow table full: the IPv6 table (max_flows_v6 16) is full: .*raise max_flows_v6" \
		"$work/summary6" || fail "the summary does not say the IPv6 table was full"
	grep -Eq '"flows_evicted": [1-9]' "$work/rep" || fail "no flow was evicted"
	grep -Eq '"table_full": [1-9]' "$work/rep" || fail "no new flow was refused"
	grep -E '"(flows_evicted|table_full)"' "$work/rep"
	# With eviction off, nothing is evicted and more is refused.
	fintrack --pcap "$work/t.pcap" --report "$work/rep2" --drain --max-flows 64 \
		--max-flows-v6 0 --evict none >/dev/null || fail "fintrack --evict none exited $?"
	"$CHECKER" --report "$work/rep2" || fail "report with --evict none"
	grep -Eq '"flows_evicted": 0,' "$work/rep2" || fail "flows evicted with --evict none"
	full1=$(sed -n 's/.*"table_full": \([0-9]*\).*/\1/p' "$work/rep")
	full2=$(sed -n 's/.*"table_full": \([0-9]*\).*/\1/p' "$work/rep2")
	[ "$full2" -gt "$full1" ] || fail "--evict none refused $full2, closing-first $full1"
	;;
timeouts)
	# The classic Tomcat case: the server closes, the client never does. FIN_WAIT2 and
	# CLOSE_WAIT time out after exactly what the config and command line say.
	"$TRACEGEN" -o "$work/t.pcap" -n 1 --mix fin_wait2_timeout || fail "trace generator"
	printf '[timeouts]\nFIN_WAIT2 = 5\nCLOSE_WAIT = 20\n' >"$work/cfg.ini"
	fintrack --pcap "$work/t.pcap" --events "$work/ev1" --drain --quiet \
		--config "$work/cfg.ini" || fail "fintrack with --config"
	g=$(gap "$work/ev1" '"to":"FIN_WAIT2"' '"from":"FIN_WAIT2","to":"CLOSED"')
	awk -v g="$g" 'BEGIN { exit !(g >= 4.998 && g <= 5.002) }' || fail "FIN_WAIT2 lasted $g s, not 5"
	g=$(gap "$work/ev1" '"to":"CLOSE_WAIT"' '"from":"CLOSE_WAIT","to":"CLOSED"')
	awk -v g="$g" 'BEGIN { exit !(g >= 19.99 && g <= 20.01) }' || fail "CLOSE_WAIT lasted $g s, not 20"
	grep -q '"how":"timeout_FIN_WAIT2"' "$work/ev1" || fail "no timeout_FIN_WAIT2 end"
	# The command line wins over the file.
	fintrack --pcap "$work/t.pcap" --events "$work/ev2" --drain --quiet \
		--config "$work/cfg.ini" --timeout FIN_WAIT2=3 --timeout close_wait=0.5 ||
		fail "fintrack with --timeout"
	g=$(gap "$work/ev2" '"to":"FIN_WAIT2"' '"from":"FIN_WAIT2","to":"CLOSED"')
	awk -v g="$g" 'BEGIN { exit !(g >= 2.998 && g <= 3.002) }' || fail "FIN_WAIT2 lasted $g s, not 3"
	g=$(gap "$work/ev2" '"to":"CLOSE_WAIT"' '"from":"CLOSE_WAIT","to":"CLOSED"')
	awk -v g="$g" 'BEGIN { exit !(g >= 0.498 && g <= 0.502) }' || fail "CLOSE_WAIT lasted $g s, not 0.5"
	echo "ok: timeouts from the config file and the command line"
	;;
timer_deadlines)
	# Two connections 10 s apart. In the first, the server times out of FIN_WAIT2
	# 3 s after the client's last ACK and the client out of CLOSE_WAIT 4 s after
	# the server's FIN, long before the second connection's first packet: each
	# timeout and the end record carry their own deadline (to the 1 ms tick), not
	# the time of the next packet.
	"$TRACEGEN" -o "$work/t.pcap" -n 2 --rate 0.1 --mix fin_wait2_timeout || fail "trace generator"
	fintrack --pcap "$work/t.pcap" --events "$work/ev" --quiet --timeout FIN_WAIT2=3 \
		--timeout CLOSE_WAIT=4 || fail "fintrack exited $?"
	ts_of() {
		grep -m1 -- "$1" "$work/ev" | sed 's/.*"ts":\([0-9.]*\).*/\1/'
	}
	ack=$(ts_of '"to":"FIN_WAIT2"')
	fin=$(ts_of '"to":"CLOSE_WAIT"')
	fw2=$(ts_of '"from":"FIN_WAIT2","to":"CLOSED"')
	cw=$(ts_of '"from":"CLOSE_WAIT","to":"CLOSED"')
	end=$(ts_of '"type":"end"')
	next=$(grep '"to":"SYN_SENT"' "$work/ev" | sed -n '2s/.*"ts":\([0-9.]*\).*/\1/p')
	for v in ack fin fw2 cw end next; do
		[ -n "${!v}" ] || { cat "$work/ev"; fail "no $v event"; }
	done
	within_tick() { # within_tick WHAT EVENT_TS START SECONDS
		awk -v t="$2" -v s="$3" -v d="$4" 'BEGIN { x = t - (s + d); exit !(x > -0.001 && x <= 0.000001) }' ||
			fail "$1 at $2, expected $3 + $4 s (to the tick)"
		echo "ok: $1 at $2 = $3 + $4 s"
	}
	within_tick "FIN_WAIT2 timeout" "$fw2" "$ack" 3
	within_tick "CLOSE_WAIT timeout" "$cw" "$fin" 4
	within_tick "end record" "$end" "$fin" 4
	awk -v a="$end" -v b="$next" 'BEGIN { exit !(a < b - 5) }' ||
		fail "the first flow ended at $end, not before the second started at $next"
	grep -q '"how":"timeout_FIN_WAIT2"' "$work/ev" || fail "no timeout_FIN_WAIT2 end"
	;;
diagnosis)
	# One connection cut off by the end of a capture is no pile: reported as still
	# open, not diagnosed, even with thresholds of 1 (and --drain's timeouts, past
	# the end of the capture, do not count either).
	"$TRACEGEN" -o "$work/one.pcap" -n 1 --mix fin_wait2_timeout || fail "trace generator"
	for drain in "" --drain; do
		fintrack --pcap "$work/one.pcap" --diag CLOSE_WAIT=1 --diag FIN_WAIT2=1 $drain \
			>"$work/summary" || fail "fintrack exited $?"
		grep -q "^Still open at the end of the trace: 1 flow" "$work/summary" ||
			{ cat "$work/summary"; fail "no still-open section ($drain)"; }
		grep -Eq "^  CLOSE_WAIT +FIN_WAIT2 +1$" "$work/summary" || fail "no CLOSE_WAIT/FIN_WAIT2 pair"
		grep -q "^  nothing piles up" "$work/summary" ||
			{ cat "$work/summary"; fail "one cut-off connection diagnosed ($drain)"; }
	done
	echo "ok: one connection cut off by the end of the capture: still open, not diagnosed"
	# 100 of them over 20 s: the servers' FIN_WAIT2 (3 s) times out within the
	# trace for 85, and 75 clients have sat in CLOSE_WAIT for 5 s or more at its end.
	"$TRACEGEN" -o "$work/pile.pcap" -n 100 --rate 5 --mix fin_wait2_timeout || fail "trace generator"
	fintrack --pcap "$work/pile.pcap" --timeout FIN_WAIT2=3 --diag-min-age 5 --drain \
		>"$work/summary" || fail "fintrack exited $?"
	sed -n '/^Diagnosis/,/^$/p' "$work/summary"
	grep -q "^  FIN_WAIT2  85 server endpoints timed out in FIN_WAIT2 or sat in it 5 s or more (threshold 50): the peer never closed its side" \
		"$work/summary" || fail "no FIN_WAIT2 pile"
	grep -q "^  CLOSE_WAIT 75 client endpoints timed out in CLOSE_WAIT or sat in it 5 s or more (threshold 50): the application on this side does not call close() .*the classic Tomcat case" \
		"$work/summary" || fail "no CLOSE_WAIT pile"
	# Below the threshold, nothing.
	fintrack --pcap "$work/pile.pcap" --timeout FIN_WAIT2=3 --diag-min-age 5 --diag FIN_WAIT2=86 \
		--diag CLOSE_WAIT=76 >"$work/summary" || fail "fintrack exited $?"
	grep -q "^  nothing piles up" "$work/summary" || fail "diagnosed below the thresholds"
	grep -qi "seed" "$work/summary" && fail "the summary speaks of a seed"
	;;
bad_input)
	"$TRACEGEN" -o "$work/t.pcap" -n 20 || fail "trace generator"
	expect_error 2 "unknown state 'BOGUS'" --pcap "$work/t.pcap" --timeout BOGUS=3
	expect_error 2 "not a number of seconds" --pcap "$work/t.pcap" --timeout FIN_WAIT2=-1
	expect_error 2 "expected STATE=VALUE" --pcap "$work/t.pcap" --timeout FIN_WAIT2
	expect_error 2 "max-flows" --pcap "$work/t.pcap" --max-flows 3
	expect_error 2 "not on or off" --pcap "$work/t.pcap" --pickup maybe
	expect_error 2 "not closing or none" --pcap "$work/t.pcap" --evict maybe
	expect_error 2 "not a power of two" --pcap "$work/t.pcap" --wheel-slots 1000
	expect_error 2 "give --pcap FILE" --drain
	expect_error 2 "not a list of up to" --pairs 0:0
	expect_error 2 "rx-desc" --rx-desc 5
	expect_error 2 "unexpected argument" --pcap "$work/t.pcap" extra
	printf '[engine]\nmax_flows = lots\n' >"$work/bad1.ini"
	expect_error 2 "max_flows: 'lots'" --pcap "$work/t.pcap" --config "$work/bad1.ini"
	printf '[tiemouts]\nFIN_WAIT2 = 3\n' >"$work/bad2.ini"
	expect_error 2 "unknown section \[tiemouts\]" --pcap "$work/t.pcap" --config "$work/bad2.ini"
	expect_error 2 "cannot read" --pcap "$work/t.pcap" --config "$work/missing.ini"
	expect_error 1 "No such file" --pcap "$work/missing.pcap"
	head -c 1000 "$work/t.pcap" >"$work/cut.pcap"
	expect_error 1 "truncated" --pcap "$work/cut.pcap"
	head -c 5000 /dev/urandom >"$work/noise.pcap"
	expect_error 1 "noise.pcap" --pcap "$work/noise.pcap"
	# One byte of the IP or TCP header of every packet replaced at random (the
	# pcap framing kept intact): never a crash, every flow still drains.
	"$TRACEGEN" -o "$work/v.pcap" -n 2000 -s 9 --ipv6 50 --vlan 30 || fail "trace generator"
	perl -e '
		srand(11);
		local $/;
		my $d = <STDIN>;
		my $pos = 24;
		while ($pos + 16 <= length($d)) {
			my $incl = unpack("V", substr($d, $pos + 8, 4));
			my $at = $pos + 16 + 14 + int(rand(($incl > 74 ? 60 : $incl - 14)));
			substr($d, $at, 1) = chr(int(rand(256))) if $incl > 14;
			$pos += 16 + $incl;
		}
		print $d;' <"$work/v.pcap" >"$work/mangled.pcap" || fail "mangling"
	cmp -s "$work/v.pcap" "$work/mangled.pcap" && fail "nothing was mangled"
	fintrack --pcap "$work/mangled.pcap" --report "$work/rep" --drain >"$work/out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { cat "$work/out"; fail "mangled trace: exit $rc"; }
	"$CHECKER" --report "$work/rep" || fail "mangled trace report"
	grep -A12 "^Malformed" "$work/out"
	grep -Eq '"pkt_err_[a-z_0-9]+": [1-9]' "$work/rep" || fail "no malformed packet counted"
	echo "ok: mangled trace replayed and drained"
	;;
captures)
	shopt -s nullglob
	files=("$CAPTURES"/*/*.pcap)
	[ ${#files[@]} -gt 0 ] || { echo "no captures in $CAPTURES: skipped"; exit 77; }
	for f in "${files[@]}"; do
		fintrack --pcap "$f" --events "$work/ev" --report "$work/rep" --drain \
			>"$work/summary" 2>"$work/err"
		rc=$?
		[ $rc -eq 0 ] || { cat "$work/err"; fail "$f: exit $rc"; }
		"$CHECKER" --report "$work/rep" >/dev/null || fail "$f: flows left or counts off"
		ends=$(grep -c '"type":"end"' "$work/ev")
		created=$(sed -n 's/.*"flows_created": \([0-9]*\).*/\1/p' "$work/rep")
		[ "$ends" -eq "$created" ] || fail "$f: $created flows, $ends end records"
		echo "ok: $(basename "$f"): $created flows, $ends end records"
	done
	;;
encap)
	# Every close type inside every tunnel kind: the same states, end records and
	# counts as the plain trace of the same seed (the frames' bytes aside: they carry
	# the tunnel), each event in the tunnel's context. Then one inner 5-tuple in two
	# VNIs at once: two flows, each with its own states.
	gen=(-n 380 -s 11 --mix roundrobin --ipv6 20 --vlan 10)
	"$TRACEGEN" -o "$work/plain.pcap" "${gen[@]}" || fail "trace generator"
	fintrack --pcap "$work/plain.pcap" --events "$work/plain.ev" --report "$work/rep" \
		--drain >/dev/null || fail "plain replay"
	strip='s/,"ctx":[0-9]+,"tunnel":"[a-z+]+"//; s/,"bytes_c2s":[0-9]+,"bytes_s2c":[0-9]+//'
	sed -E "$strip" "$work/plain.ev" >"$work/plain.cmp"
	for kind in geneve gwlb vxlan ipip gre gue gwlb+gre vxlan+ipip; do
		opts=()
		[ "$kind" = gue ] && opts=(--gue-ports 6080)
		"$TRACEGEN" -o "$work/t.pcap" --expect "$work/t.exp" "${gen[@]}" --encap "$kind" ||
			fail "trace generator --encap $kind"
		fintrack --pcap "$work/t.pcap" --events "$work/ev" --report "$work/rep" --drain \
			"${opts[@]}" >"$work/summary" || fail "$kind: fintrack exited $?"
		"$CHECKER" --ignore-bytes --report "$work/rep" --expect "$work/t.exp" \
			--events "$work/ev" >/dev/null || fail "$kind: replay does not match the expectations"
		sed -E "$strip" "$work/ev" | cmp -s - "$work/plain.cmp" ||
			fail "$kind: events differ from the plain trace's"
		n=$(wc -l <"$work/ev")
		[ "$(grep -c "\"ctx\":1,\"tunnel\":\"$kind\"" "$work/ev")" -eq "$n" ] ||
			fail "$kind: not every event is in context 1 of tunnel $kind"
		grep -q '"pkt_tcp": 0,' "$work/rep" && fail "$kind: no TCP seen"
		echo "ok: $kind: $n events, the plain trace's, in context 1"
	done
	# The collision case: 150 tuples, each in VNI 100 and VNI 101 with a kind of its own.
	"$TRACEGEN" -o "$work/t.pcap" --expect "$work/t.exp" -n 150 -s 12 --mix roundrobin \
		--encap vxlan --contexts 2 --same-tuple || fail "trace generator --same-tuple"
	fintrack --pcap "$work/t.pcap" --events "$work/ev" --report "$work/rep" --drain \
		>/dev/null || fail "collision replay"
	created=$(sed -n 's/.*"flows_created": \([0-9]*\).*/\1/p' "$work/rep")
	want=$(wc -l <"$work/t.exp")
	# 300 connections, and a second incarnation for each tuple reused from TIME_WAIT.
	[ "$want" -gt 300 ] && [ "$created" -eq "$want" ] ||
		fail "collision: $created flows, want $want incarnations of 300 connections"
	for vni in 100 101; do
		ctx=$(sed -n "s/.*{\"ctx\":\([0-9]*\),\"tunnel\":\"vxlan\",\"id\":\"vni=$vni\"}.*/\1/p" \
			"$work/rep")
		[ -n "$ctx" ] || fail "collision: no context for VNI $vni"
		grep "\"ctx\":$ctx," "$work/ev" | sed -E "$strip" >"$work/ev.$vni"
		grep "\"tunnel_id\":\"vni=$vni\"" "$work/t.exp" >"$work/exp.$vni"
		"$CHECKER" --ignore-bytes --report "$work/rep" --expect "$work/exp.$vni" \
			--events "$work/ev.$vni" || fail "collision: VNI $vni (ctx $ctx) off its own states"
		echo "ok: VNI $vni is context $ctx: $(grep -c '"type":"end"' "$work/ev.$vni") flows, each its own states"
	done
	;;
tunnel_captures)
	# The real tunnel captures: the inner TCP flows each holds, tracked in the tenant
	# contexts its tunnels name; "none" context rules merge what they split.
	dir="$CAPTURES/tunnels"
	[ -d "$dir" ] || { echo "no $dir: skipped"; exit 77; }
	check_capture() { # FILE FLOWS CONTEXTS [fintrack options]
		local f=$1 flows=$2 ctxs=$3 got gotc
		shift 3
		fintrack --pcap "$dir/$f" --events "$work/ev" --report "$work/rep" --drain "$@" \
			>"$work/summary" 2>"$work/err" || { cat "$work/err"; fail "$f: exit"; }
		got=$(sed -n 's/.*"flows_created": \([0-9]*\).*/\1/p' "$work/rep")
		gotc=$(grep -c '^    {"ctx":' "$work/rep")
		[ "$got" -eq "$flows" ] || fail "$f $*: $got flows, want $flows"
		[ "$gotc" -eq "$ctxs" ] || fail "$f $*: $gotc contexts, want $ctxs"
		"$CHECKER" --report "$work/rep" >/dev/null || fail "$f: flows left or counts off"
		echo "ok: $f $*: $got flows in $gotc contexts"
	}
	has() { grep -q -- "$1" "$work/${2:-rep}" || fail "no '$1' in ${2:-rep}"; }
	check_capture ndpi_4in6tunnel.pcap 1 1
	has '"tunnel":"ipip","id":""'
	check_capture ndpi_6in4tunnel.pcap 5 1
	check_capture ndpi_vxlan.pcap 2 1
	has '"id":"vni=1111"'
	check_capture suricata-verify_bug-2576-02.pcap 1 1
	has '"tunnel":"gre"'
	# A customer's GRE inside AWS GWLB's GENEVE: two levels, the GWLB ids as the context.
	check_capture suricata-verify_bug-6402-01.pcap 1 1
	has '"tunnel":"gwlb+gre","id":"endpoint=0x31e129cdc0cd8633,attachment=0x0000000000000000/"'
	check_capture suricata-verify_vxlan-decoder-03.pcap 4 1
	# Reserved VXLAN bits set: ignored. Suricata's expectation: 5 packets each way.
	check_capture suricata-verify_vxlan-non-zero-reserved-fields.pcap 1 1
	has '"how":"fin","pkts_c2s":5,"pkts_s2c":5' ev
	check_capture tcpdump_gso-ipv4-vxlan-ipv6.pcap 1 1
	check_capture tcpdump_gso-ipv6-geneve-ipv6.pcap 1 1
	check_capture zeek_geneve-47101.pcap 1 1
	has '"id":"vni=4242"'
	check_capture zeek_geneve-many-options.pcap 1 1
	check_capture zeek_gre-sample.pcap 1 1
	check_capture zeek_vxlan-encapsulated-http.pcap 1 1
	# The same inner connection in VNIs 4242 and 4711: kept apart.
	check_capture zeek_vxlan-overlapping-http-get.pcap 3 2
	has '"id":"vni=4711"'
	# Each direction in its own VNI (GENEVE) or GRE key (a mirror): split by default, one
	# flow each with the context rule none.
	check_capture tcpdump_geneve.pcap 2 2
	has '"one_sided":"client"' ev
	check_capture tcpdump_geneve.pcap 1 1 --geneve-context none
	check_capture zeek_erspan.pcap 10 2
	check_capture zeek_erspan.pcap 5 1 --gre-context none
	# Tunnels switched off: the inner TCP is not looked at.
	check_capture zeek_vxlan-encapsulated-http.pcap 0 0 --vxlan-ports off
	check_capture zeek_gre-sample.pcap 0 0 --gre off
	check_capture ndpi_6in4tunnel.pcap 0 0 --tunnel-depth 0
	# Not opened: ERSPAN and VXLAN-GPE, GRE in UDP (RFC 8086), PPPoE; a segment without flags.
	check_capture arkime_gre-erspan-vxlan.pcap 0 0
	check_capture zeek_gre-over-udp-4754.pcap 0 0
	check_capture xdp2_6in4.pcap 0 0
	check_capture tcpdump_geneve-gcp.pcap 0 0
	has '"pkt_err_tcp_flags": 1'
	;;
valgrind)
	command -v valgrind >/dev/null || { echo "valgrind not installed: skipped"; exit 77; }
	[ -z "${FT_SANITIZED:-}" ] || { echo "sanitizer build: valgrind does not apply; skipped"; exit 77; }
	"$TRACEGEN" -o "$work/t.pcap" -n 60 -s 5 --mix roundrobin --ipv6 30 --vlan 30 ||
		fail "trace generator"
	valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--suppressions="$(dirname "$0")/dpdk.supp" \
		--log-file="$work/vg" "$FINTRACK" "${eal[@]}" -- --pcap "$work/t.pcap" \
		--events "$work/ev" --report "$work/rep" --drain >/dev/null 2>&1
	rc=$?
	grep -E "ERROR SUMMARY|definitely lost|Invalid" "$work/vg"
	[ $rc -eq 0 ] || { tail -50 "$work/vg"; fail "valgrind exit $rc"; }
	grep -q "ERROR SUMMARY: 0 errors" "$work/vg" || fail "valgrind reported errors"
	"$CHECKER" --report "$work/rep" || fail "report under valgrind"
	;;
*)
	fail "unknown mode $mode"
	;;
esac
echo "PASS: $name"
