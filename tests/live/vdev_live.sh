#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Live mode on virtual devices. Usage: vdev_live.sh MODE
#   null       net_null pair: forwards at full speed, stops cleanly on SIGTERM
#   ring       net_ring pair: starts and stops cleanly with no traffic
#   steering   two workers fed by net_pcap, one direction of every connection
#              on each worker's queue: every connection must be tracked by
#              exactly one worker; telemetry answers while it runs
#   table_full a table far too small: log, telemetry and summary say so
#   memif      testpmd feeds fintrack over net_memif (scripts/testpmd-memif.sh)
#   dumpcap    with hugepages: dpdk-dumpcap captures from a running fintrack,
#              and no hugepage file is left after it stops
#   gwlb_jumbo --mode gwlb --max-frame 9216 on net_pcap: GENEVE frames of up to
#              8582 bytes come back turned, byte for byte; what is not GENEVE to
#              gwlb_addr is dropped and counted; a net_af_packet port, which
#              takes 1518 bytes at most, is named when asked for 9216
# FINTRACK and TRACEGEN (GENEVE_PCAP for gwlb_jumbo) come from the environment.
# Exit 0 pass, 1 fail, 77 skip.

set -u
mode=$1
work=$(mktemp -d "/tmp/ft-live-$mode.XXXXXX")
prefix="ft_live_${mode}_$$"
pid=""

cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	[ -f "$work/out" ] && tail -40 "$work/out" >&2
	exit 1
}

# Lcores: the main lcore and N workers, mapped onto the CPUs there are.
lcores() {
	local n=$1 cpus list i
	cpus=$(nproc)
	list="0@0"
	for ((i = 1; i <= n; i++)); do
		list="$list,$i@$((i % cpus))"
	done
	echo "$list"
}

start() {
	local workers=$1
	shift
	"$FINTRACK" --lcores "$(lcores "$workers")" --file-prefix "$prefix" \
		--log-level=lib.eal:error "$@" >"$work/out" 2>&1 &
	pid=$!
}

# Stop fintrack with SIGTERM; it must exit 0 within 10 s.
stop() {
	local i
	kill -TERM "$pid" || fail "fintrack died before SIGTERM"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "fintrack still running 10 s after SIGTERM"
	wait "$pid"
	local rc=$?
	pid=""
	[ $rc -eq 0 ] || fail "fintrack exited $rc after SIGTERM"
	grep -q "^Ports" "$work/out" || fail "no final summary"
}

telemetry() {
	echo "$1" | timeout 10 dpdk-telemetry.py -f "$prefix" 2>/dev/null
}

case $mode in
null)
	start 1 --no-huge --no-pci -m 512 --vdev net_null0 --vdev net_null1 -- --stats-interval 0.5
	sleep 2
	stop
	rx=$(sed -n 's/.*port 0 -> 1: rx \([0-9]*\), sent out of port 1 \([0-9]*\).*/\1/p' "$work/out")
	fw=$(sed -n 's/.*port 0 -> 1: rx \([0-9]*\), sent out of port 1 \([0-9]*\).*/\2/p' "$work/out")
	{ [ -n "$rx" ] && [ "$rx" -gt 100000 ]; } || fail "port 0 received ${rx:-nothing}"
	[ "$rx" -eq "$fw" ] || fail "port 0 received $rx but forwarded $fw"
	grep -q "^port 0: rx [0-9]* pps" "$work/out" || fail "no rate lines"
	grep -E "^port|port 0 ->|port 1 ->" "$work/out" | tail -3
	;;
ring)
	start 2 --no-huge --no-pci -m 512 --vdev net_ring0 --vdev net_ring1 -- --stats-interval 0 \
		--max-flows 65536
	for ((i = 0; i < 50; i++)); do
		grep -q "stop with SIGINT" "$work/out" && break
		sleep 0.2
	done
	# A telemetry command given a bad argument answers with the reason, not null.
	tel_error() { # tel_error COMMAND PATTERN
		local reply
		reply=$(telemetry "$1")
		echo "$reply" | grep -Eq "\"error\": \"[^\"]*$2" ||
			fail "telemetry $1: '$reply', expected an error saying '$2'"
		echo "ok: $1 -> $reply"
	}
	tel_error /fintrack/lcore,99 "lcore 99 is not a worker \\(workers: 1, 2\\)"
	tel_error /fintrack/lcore,one "'one' is not an lcore id"
	tel_error /fintrack/lcore "give a worker's lcore: /fintrack/lcore,<lcore>"
	tel_error /fintrack/flows "give a state: /fintrack/flows,<STATE>"
	tel_error /fintrack/flows,BOGUS "unknown state 'BOGUS': one of SYN_SENT"
	tel_error /fintrack/flows,CLOSED,next "cursor 'next' is not a number"
	tel_error /fintrack/summary,1 "/fintrack/summary takes no parameter"
	telemetry /fintrack/lcore,1 | grep -q '"worker": 0' || fail "/fintrack/lcore,1 does not answer"
	stop
	grep -q "2 workers" "$work/out" || fail "two workers expected"
	;;
steering)
	command -v tcpdump >/dev/null || { echo "tcpdump missing: skipped"; exit 77; }
	"$TRACEGEN" -o "$work/t.pcap" -n 2000 --rate 2000 -s 4 --ipv6 20 2>/dev/null ||
		fail "trace generator"
	tcpdump -n -Z root -r "$work/t.pcap" -w "$work/c2s.pcap" 'src net 198.18.0.0/16 or src net 2001:db8:1::/48' 2>/dev/null
	tcpdump -n -Z root -r "$work/t.pcap" -w "$work/s2c.pcap" 'src net 198.19.0.0/16 or src net 2001:db8:2::/48' 2>/dev/null
	tcpdump -n -Z root -r "$work/t.pcap" -w "$work/none.pcap" 'tcp port 1' 2>/dev/null
	total=$(tcpdump -n -Z root -r "$work/t.pcap" 2>/dev/null | wc -l)
	# Worker 0 polls queue 0 of both ports, worker 1 queue 1: port 0's queue 0
	# holds every client-to-server packet, port 1's queue 1 every answer.
	w=$work
	start 2 --no-huge --no-pci -m 512 \
		--vdev "net_pcap0,rx_pcap=$w/c2s.pcap,rx_pcap=$w/none.pcap,tx_pcap=$w/o0a.pcap,tx_pcap=$w/o0b.pcap" \
		--vdev "net_pcap1,rx_pcap=$w/none.pcap,rx_pcap=$w/s2c.pcap,tx_pcap=$w/o1a.pcap,tx_pcap=$w/o1b.pcap" \
		-- --stats-interval 0 --events "$w/ev" --report "$w/rep" --max-flows 65536 --mbufs 65535
	# Wait until every packet of the trace has been seen (bounded: 30 s).
	for ((i = 0; i < 150; i++)); do
		sleep 0.2
		telemetry /fintrack/summary >"$w/summary"
		seen=$(sed -n 's/.*"rx_pkts": \([0-9]*\).*/\1/p' "$w/summary")
		[ "${seen:-0}" -ge "$total" ] && break
	done
	[ "${seen:-0}" -eq "$total" ] || fail "fintrack saw ${seen:-no} of $total packets"
	flows=$(sed -n 's/.*"flows": \([0-9]*\).*/\1/p' "$w/summary")
	[ "${flows:-0}" -eq 2000 ] || fail "telemetry summary: ${flows:-no} flows, expected 2000"
	telemetry /fintrack/config | grep -q '"steering": "software symmetric hash"' ||
		fail "telemetry config does not show software steering"
	telemetry /fintrack/diagnosis >"$w/diag"
	for s in CLOSE_WAIT FIN_WAIT2 FIN_WAIT1 TIME_WAIT LAST_ACK; do
		grep -q "\"$s\": {\"client_endpoints\"" "$w/diag" || fail "diagnosis lacks $s"
	done
	# Page through every flow with an endpoint in CLOSED (flows ended by RST):
	# each reply fits the 16 KiB telemetry limit and the cursor ends.
	cursor="" listed=0
	for ((page = 0; page < 500; page++)); do
		telemetry "/fintrack/flows,CLOSED$cursor" >"$w/page"
		size=$(wc -c <"$w/page")
		[ "$size" -lt 16384 ] || fail "flows page of $size bytes"
		n=$(sed -n 's/.*"count": \([0-9]*\).*/\1/p' "$w/page")
		[ -n "$n" ] || fail "flows page without count: $(head -c 300 "$w/page")"
		listed=$((listed + n))
		grep -q '"more": "yes"' "$w/page" || break
		cursor=",$(sed -n 's/.*"next": \([0-9]*\).*/\1/p' "$w/page")"
	done
	closed=$(telemetry /fintrack/summary | sed -n 's/.*"client": {[^}]*"CLOSED": \([0-9]*\).*/\1/p')
	{ [ "$listed" -ge "${closed:-1}" ] && [ "$listed" -gt 0 ]; } ||
		fail "listed $listed flows with a CLOSED endpoint, summary counts ${closed:-?} clients"
	echo "ok: telemetry: 2000 flows, $listed listed in CLOSED over $((page + 1)) pages"
	stop
	out=0
	for f in o0a o0b o1a o1b; do
		out=$((out + $(tcpdump -n -Z root -r "$w/$f.pcap" 2>/dev/null | wc -l)))
	done
	[ "$out" -eq "$total" ] || fail "forwarded $out of $total packets"
	sed -n 's/.*"ep":"\([^"]*\)","peer":"\([^"]*\)".*"lcore":\([0-9]*\).*/\1 \2 \3/p' "$w/ev" |
		awk '{ k = ($1 < $2) ? $1 "|" $2 : $2 "|" $1; print k, $3 }' | sort -u |
		awk '{ c[$1]++; l[$2]++ } END { n = 0; bad = 0; for (k in c) { n++; if (c[k] > 1) bad++ }
			print n, bad, length(l) }' >"$w/split"
	read -r tuples split nlcores <"$w/split"
	echo "ok: $total packets forwarded; $tuples connections, $split on more than one worker, $nlcores workers used"
	[ "$tuples" -eq 2000 ] || fail "$tuples connections tracked, expected 2000"
	[ "$split" -eq 0 ] || fail "$split connections were tracked on two workers"
	[ "$nlcores" -eq 2 ] || fail "only $nlcores worker tracked connections"
	grep "steering" "$work/out"
	;;
malformed)
	# Every third frame of a trace gets a broken IP version: counted as malformed
	# either way, forwarded by default, dropped with --malformed drop.
	command -v tcpdump >/dev/null || { echo "tcpdump missing: skipped"; exit 77; }
	"$TRACEGEN" -o "$work/t.pcap" -n 300 -s 5 2>/dev/null || fail "trace generator"
	perl -e '
		local $/;
		my $d = <STDIN>;
		my ($pos, $i, $bad) = (24, 0, 0);
		while ($pos + 16 <= length($d)) {
			my $incl = unpack("V", substr($d, $pos + 8, 4));
			if ($i++ % 3 == 0 && $incl > 14) {
				substr($d, $pos + 16 + 14, 1) = chr(0x15);
				$bad++;
			}
			$pos += 16 + $incl;
		}
		print STDERR "$bad\n";
		print $d;' <"$work/t.pcap" >"$work/bad.pcap" 2>"$work/nbad" || fail "mangling"
	total=$(tcpdump -n -Z root -r "$work/t.pcap" 2>/dev/null | wc -l)
	nbad=$(cat "$work/nbad")
	[ "$nbad" -gt 0 ] || fail "no frame was broken"
	tcpdump -n -Z root -r "$work/t.pcap" -w "$work/none.pcap" 'tcp port 1' 2>/dev/null
	for how in forward drop; do
		w=$work
		start 1 --no-huge --no-pci -m 512 \
			--vdev "net_pcap0,rx_pcap=$w/bad.pcap,tx_pcap=$w/o0-$how.pcap" \
			--vdev "net_pcap1,rx_pcap=$w/none.pcap,tx_pcap=$w/o1-$how.pcap" \
			-- --stats-interval 0 --max-flows 4096 --malformed "$how"
		for ((i = 0; i < 100; i++)); do
			sleep 0.2
			seen=$(telemetry /fintrack/summary | sed -n 's/.*"rx_pkts": \([0-9]*\).*/\1/p')
			[ "${seen:-0}" -ge "$total" ] && break
		done
		[ "${seen:-0}" -eq "$total" ] || fail "$how: fintrack saw ${seen:-no} of $total packets"
		errs=$(telemetry /fintrack/summary | sed -n 's/.*"ERR_IP_VERSION": \([0-9]*\).*/\1/p')
		stop
		[ "${errs:-0}" -eq "$nbad" ] || fail "$how: ${errs:-no} counted as ERR_IP_VERSION, $nbad broken"
		out=$(tcpdump -n -Z root -r "$w/o1-$how.pcap" 2>/dev/null | wc -l)
		dropped=$(sed -n 's/.*malformed packets (--malformed [a-z]*): \([0-9]*\) dropped.*/\1/p' "$w/out")
		if [ "$how" = forward ]; then
			[ "$out" -eq "$total" ] || fail "forward: $out of $total packets sent on"
			[ "${dropped:-x}" -eq 0 ] || fail "forward: ${dropped:-?} dropped"
		else
			[ "$out" -eq $((total - nbad)) ] || fail "drop: $out sent on, expected $((total - nbad))"
			[ "${dropped:-x}" -eq "$nbad" ] || fail "drop: ${dropped:-?} dropped, expected $nbad"
		fi
		echo "ok: --malformed $how: $total packets, $nbad malformed (all counted), $out sent on"
	done
	;;
table_full)
	# A table far too small: the log, telemetry and the summary say flows were
	# evicted or refused and which setting to raise.
	"$TRACEGEN" -o "$work/t.pcap" -n 2000 -s 8 --rate 100000 --ipv6 20 2>/dev/null ||
		fail "trace generator"
	start 1 --no-huge --no-pci -m 512 --vdev "net_pcap0,rx_pcap=$work/t.pcap" --vdev net_null1 \
		-- --stats-interval 0 --max-flows 64 --max-flows-v6 0 --mbufs 4095
	for ((i = 0; i < 100; i++)); do
		sleep 0.2
		grep -q "flows evicted or not tracked since the last warning" "$work/out" && break
	done
	grep -q "WARNING\|flows evicted or not tracked since the last warning: the IPv4 table (max_flows 64 per worker) is full: [0-9]* flows evicted, [0-9]* new flows refused; raise max_flows" "$work/out" ||
		fail "no log warning of a full IPv4 table"
	grep -q "IPv6 flows not tracked: IPv6 tracking is off (max_flows_v6 0)" "$work/out" ||
		fail "no log warning of IPv6 not tracked"
	telemetry /fintrack/summary >"$work/summary"
	grep -q '"warning": "IPv4 table full: raise \[engine\] max_flows; IPv6 not tracked' "$work/summary" ||
		fail "telemetry: no table warning: $(cat "$work/summary")"
	grep -Eq '"refused": [1-9]' "$work/summary" || fail "telemetry: no refusal counted"
	stop
	grep -q "^Flow table full: the IPv4 table (max_flows 64 per worker) is full" "$work/out" ||
		fail "the summary does not say the table was full"
	grep -E "flows evicted or not tracked|^Flow table full" "$work/out" | cut -c1-160
	;;
memif)
	# testpmd in another process replays a generated trace into fintrack over memif.
	command -v dpdk-testpmd >/dev/null || { echo "dpdk-testpmd missing: skipped"; exit 77; }
	build=$(dirname "$(dirname "$FINTRACK")")
	timeout 120 "$(dirname "$0")/../../scripts/testpmd-memif.sh" --build "$build" --flows 500 \
		--seconds 2 >"$work/out" 2>&1 || fail "testpmd-memif.sh exited $?"
	rate=$(sed -n 's/.*fintrack RX from memif (port 0): *\([0-9.]*\) Mpps.*/\1/p' "$work/out")
	grep -E "fintrack (RX|TX)|generator TX" "$work/out"
	awk -v r="${rate:-0}" 'BEGIN { exit !(r > 0.01) }' || fail "fintrack received ${rate:-nothing} Mpps"
	grep -q "fintrack exit 0" "$work/out" || fail "fintrack did not exit 0"
	;;
dumpcap)
	command -v dpdk-dumpcap >/dev/null || { echo "dpdk-dumpcap missing: skipped"; exit 77; }
	# Reserve 256 more 2 MB hugepages (and mount hugetlbfs) for this test if
	# need be, and give them back afterwards.
	nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	free=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
	if [ "${free:-0}" -lt 256 ] && [ -w "$nr" ]; then
		before=$(cat "$nr")
		echo $((before + 256 - free)) >"$nr"
		trap 'cleanup; echo "$before" >"$nr"' EXIT
	fi
	if ! mountpoint -q /dev/hugepages && [ "$(id -u)" -eq 0 ]; then
		mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages
	fi
	free=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
	if [ "${free:-0}" -lt 256 ] || ! mountpoint -q /dev/hugepages; then
		echo "fewer than 256 free 2 MB hugepages or no hugetlbfs: skipped"
		exit 77
	fi
	"$TRACEGEN" -o "$work/t.pcap" -n 200 -s 6 2>/dev/null || fail "trace generator"
	start 1 --no-pci -m 256 --vdev "net_pcap0,rx_pcap=$work/t.pcap,infinite_rx=1" \
		--vdev net_null1 -- --stats-interval 0
	sleep 2
	timeout 20 dpdk-dumpcap --file-prefix "$prefix" -i 0 -c 500 -P -w "$work/cap.pcap" \
		>"$work/dumpcap.out" 2>&1 || { cat "$work/dumpcap.out"; fail "dpdk-dumpcap failed"; }
	stop
	n=$(tcpdump -n -Z root -r "$work/cap.pcap" 2>/dev/null | wc -l)
	[ "$n" -ge 500 ] || fail "dpdk-dumpcap captured $n packets, expected 500 or more"
	tcpdump -n -Z root -r "$work/cap.pcap" 2>/dev/null | grep -q "Flags \[S\]" || fail "no TCP SYN in the capture"
	left=$(find /dev/hugepages -name "${prefix}*" 2>/dev/null | wc -l)
	[ "$left" -eq 0 ] || fail "$left hugepage files left behind"
	echo "ok: dpdk-dumpcap captured $n packets; no hugepage file left"
	;;
gwlb_jumbo)
	addr=198.18.1.2
	"$GENEVE_PCAP" write "$work/in.pcap" "$addr" || fail "writing the GENEVE trace"
	total=12
	start 1 --no-huge --no-pci -m 512 \
		--vdev "net_pcap0,rx_pcap=$work/in.pcap,tx_pcap=$work/out.pcap" -- --mode gwlb \
		--gwlb-addr "$addr" --exception off --max-frame 9216 --stats-interval 0 \
		--max-flows 4096 --mbufs 4095
	for ((i = 0; i < 100; i++)); do
		sleep 0.2
		seen=$(telemetry /fintrack/summary | sed -n 's/.*"rx_pkts": \([0-9]*\).*/\1/p')
		[ "${seen:-0}" -ge "$total" ] && break
	done
	[ "${seen:-0}" -eq "$total" ] || fail "fintrack saw ${seen:-no} of $total frames"
	flows=$(telemetry "/fintrack/flows,ESTABLISHED" | grep -o '"tunnel": "gwlb"' | wc -l)
	stop
	grep -q "frames up to 9216 bytes" "$work/out" || fail "no word of the frame size at start"
	grep "frames up to 9216 bytes" "$work/out" | cut -c 25-
	"$GENEVE_PCAP" check "$work/in.pcap" "$work/out.pcap" "$addr" ||
		fail "the GENEVE frames did not come back as a GWLB target returns them"
	grep -q "gwlb_returned 10, gwlb_to_kernel 0, gwlb_from_kernel 0, gwlb_dropped 2" \
		"$work/out" || fail "the summary does not count 10 returned and 2 dropped"
	[ "$flows" -ge 1 ] || fail "no flow tracked inside the jumbo GENEVE frames"
	echo "ok: $flows flows tracked inside them"
	# net_af_packet takes 1518 bytes at most (DPDK 22.11): 9216 is refused, the port named.
	if command -v ip >/dev/null && ip netns add "ftj_$$" 2>/dev/null; then
		ip -n "ftj_$$" link add ja type veth peer name jb
		ip -n "ftj_$$" link set ja up
		ip -n "ftj_$$" link set jb up
		ip netns exec "ftj_$$" "$FINTRACK" -l 0-1 --no-huge --no-pci -m 512 \
			--file-prefix "$prefix" --log-level=lib.eal:error \
			--vdev net_af_packet0,iface=ja -- --mode gwlb --gwlb-addr "$addr" \
			--exception off --max-frame 9216 >"$work/af.out" 2>&1
		rc=$?
		ip netns delete "ftj_$$"
		grep -q "max-frame 9216: port 0 (net_af_packet) takes frames of at most 1518 bytes" \
			"$work/af.out" || fail "net_af_packet's limit not named: $(cat "$work/af.out")"
		[ "$rc" -eq 1 ] || fail "fintrack exited $rc with a frame its port cannot take"
		grep "max-frame" "$work/af.out"
	fi
	;;
*)
	fail "unknown mode $mode"
	;;
esac
echo "PASS: live $mode"
