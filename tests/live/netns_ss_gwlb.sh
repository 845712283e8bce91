#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Live test of gwlb mode: fintrack is the one-arm target of a load balancer
# that sends it the traffic of real Linux TCP endpoints in GENEVE, as an AWS
# Gateway Load Balancer does.
#
#   cli ns                    lb ns                                   ft ns
#   c0 198.18.0.1/24 ==veth== lbc  [ft-gwlb-lb]   lbf 198.18.1.1 ==veth== ftd [fintrack]
#   s0 198.18.0.2/24 ==veth== lbs   198.18.1.3                            ftx0 198.18.1.2
#   srv ns                          (its own)                             (exception path)
#
# ft-gwlb-lb (tests/live/ft_gwlb_lb.c) wraps every TCP packet of the client
# and the server in GENEVE to 198.18.1.2, sends it to fintrack and checks that
# it comes back as AWS says a target returns it (outer addresses swapped, all
# else byte for byte, checksums valid) before it hands the inner packet to the
# other end. fintrack runs in its own namespace on net_af_packet over ftd; its
# exception port's kernel interface (ftx0 by default, ftxPID here) gets
# 198.18.1.2, and a TCP listener on port 80 there answers the health checks
# the lb namespace's kernel makes.
#
# Checks: a client-first close, a server-first close and the CLOSE_WAIT leak
# run as in netns_ss.sh, with Linux in the states each scenario means (ss);
# fintrack's per-endpoint states of the inner connections (telemetry,
# /fintrack/flows, which lists each in its tunnel: gwlb, GENEVE with AWS's
# options) equal ss's at every step; three TCP health checks are answered
# through the exception path (ARP too: the stand-in finds the target's MAC
# address with it); the stand-in saw no packet changed or lost; fintrack
# returned every GENEVE packet and counted the exception path both ways.
#
# Environment: FINTRACK, SCENARIO (ft-tcp-scenario) and LB (ft-gwlb-lb), the
# binaries; FT_LIVE_KEEP=1 keeps the work directory; FT_LIVE_SETTLE=SECONDS
# the pause before each comparison (default 0.5); FT_LIVE_LCORES (EAL's
# --lcores, default 0-1) and FT_LIVE_QPAIRS (queues of ftd, default 1), e.g.
# 0@0,1@1,2@1 and 2 for two workers.
#
# Exit: 0 pass, 1 fail, 77 skip (not root, no 'ip netns', no /dev/net/tun,
# fewer than 2 CPUs). Bounded: every process this test starts dies within
# WATCHDOG seconds whatever happens, and the test itself takes about 30 s.

# functions called only through traps or indirectly
# shellcheck disable=SC2317

set -u

SETTLE=${FT_LIVE_SETTLE:-0.5}
LCORES=${FT_LIVE_LCORES:-0-1}   # e.g. 0@0,1@1,2@1: two workers
QPAIRS=${FT_LIVE_QPAIRS:-1}     # net_af_packet queue pairs (fanout by flow)
FIN_TIMEOUT=5                   # tcp_fin_timeout in both end namespaces = fintrack's FIN_WAIT2
CLIENT_IP=198.18.0.1
SERVER_IP=198.18.0.2
LB_KERNEL_IP=198.18.1.1         # the lb namespace's kernel: it makes the health checks
GWLB_ADDR=198.18.1.2            # fintrack's own address (on its exception interface)
LB_ADDR=198.18.1.3              # the stand-in's outer address: no kernel has it
NS_C=ftg_cli_$$
NS_S=ftg_srv_$$
NS_M=ftg_lb_$$                  # ft_netns.sh's names: the middle is the load balancer
NS_F=ftg_ft_$$
PREFIX=ftg_netns_$$
XIF=ftx$$                       # the exception interface (its own name: no clash in a run)
XIF=${XIF:0:15}
WATCHDOG=80                     # seconds every helper process lives at most

FT_PID=
LB_PID=
PIDS=()
FAILS=0
declare -A IN_FD OUT_FD EP_PID
declare -a SUMMARY

skip() {
	echo "SKIP: $*"
	exit 77
}

# Endpoint drivers (ft_tcp_scenario processes through FIFOs): say, wait_pid, ep_*.
# shellcheck source=tests/live/ft_endpoints.sh
. "$(dirname "$0")/ft_endpoints.sh"
# fail_setup, netns_stop_pids, netns_delete (NS_C NS_S NS_M), ss_state.
# shellcheck source=tests/live/ft_netns.sh
. "$(dirname "$0")/ft_netns.sh"
# The scenarios and the comparison: fail, check, connect_pair, scenario_*; fintrack's
# side of the comparison (ft_alive, ft_observe, ft_state, ft_events) is defined below.
# shellcheck source=tests/live/ft_scenarios.sh
. "$(dirname "$0")/ft_scenarios.sh"
# Full-size segments both ways before any closing: 1568 bytes of GENEVE each.
CONNECT_SEND_C=30000
CONNECT_SEND_S=20000
FT_COMPARE=1

# --- preconditions ---------------------------------------------------------

[ "$(id -u)" = 0 ] || skip "needs root"
for tool in ip ss ethtool awk mkfifo jq timeout dpdk-telemetry.py; do
	command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not found"
done
ip netns list >/dev/null 2>&1 || skip "'ip netns' unavailable"
[ -c /dev/net/tun ] || skip "no /dev/net/tun for the exception port (net_tap)"
[ "$(nproc)" -ge 2 ] || skip "fintrack -l 0-1 needs 2 CPUs"
for bin in FINTRACK SCENARIO LB; do
	if [ -z "${!bin:-}" ] || [ ! -x "${!bin}" ]; then
		echo "FAIL: $bin not set or not executable"
		exit 1
	fi
done

WORK=$(mktemp -d "/tmp/ftg_netns_$$.XXXXXX") || exit 1

# --- cleanup: only what this run made ----------------------------------------

stop_pid() {   # PID SIGNAL SECONDS
	[ -n "$1" ] || return 0
	if kill -0 "$1" 2>/dev/null; then
		kill "-$2" "$1" 2>/dev/null
		wait_pid "$1" "$3" || kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
}

cleanup() {
	local rc=$?

	trap - EXIT INT TERM HUP
	netns_stop_pids
	stop_pid "$LB_PID" TERM 3
	stop_pid "$FT_PID" INT 10
	netns_delete
	if ip netns list | grep -qw "$NS_F"; then
		ip netns delete "$NS_F" || echo "cleanup: cannot delete netns $NS_F"
	fi
	rm -rf "/var/run/dpdk/$PREFIX"
	netns_work_done "${FT_LIVE_KEEP:-0}"
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 1' INT TERM HUP

# --- topology ----------------------------------------------------------------

veth() {   # NS_A DEV_A NS_B DEV_B MTU
	local spec ns dev

	ip link add name "$2" netns "$1" type veth peer name "$4" netns "$3" ||
		fail_setup "veth $2/$4"
	for spec in "$1 $2" "$3 $4"; do
		read -r ns dev <<<"$spec"
		# full checksums (net_af_packet and the stand-in send what they are given),
		# and one frame per TCP segment
		ip netns exec "$ns" ethtool -K "$dev" tx off >/dev/null ||
			fail_setup "ethtool -K $dev tx off"
		ip netns exec "$ns" ethtool -K "$dev" gro off >/dev/null 2>&1
		ip -n "$ns" link set "$dev" mtu "$5" up || fail_setup "$dev up"
	done
}

mac_of() {   # NS DEV
	ip -n "$1" -br link show dev "$2" | awk '{ print $3 }'
}

say "topology: namespaces $NS_C $NS_S $NS_M (load balancer) $NS_F (fintrack)"
for ns in "$NS_C" "$NS_S" "$NS_M" "$NS_F"; do
	ip netns add "$ns" || fail_setup "ip netns add $ns"
	ip -n "$ns" link set lo up || fail_setup "lo up in $ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
done
veth "$NS_C" c0 "$NS_M" lbc 1500
veth "$NS_S" s0 "$NS_M" lbs 1500
# GENEVE adds 68 bytes to a 1500-byte packet: the link to fintrack takes jumbo frames
veth "$NS_M" lbf "$NS_F" ftd 9000
ip -n "$NS_C" addr add "$CLIENT_IP/24" dev c0 || fail_setup "address on c0"
ip -n "$NS_S" addr add "$SERVER_IP/24" dev s0 || fail_setup "address on s0"
ip -n "$NS_M" addr add "$LB_KERNEL_IP/24" dev lbf || fail_setup "address on lbf"
# The ends reach each other through the stand-in, which delivers Ethernet frames as they
# were sent: static neighbours, no ARP between them.
ip -n "$NS_C" neigh replace "$SERVER_IP" lladdr "$(mac_of "$NS_S" s0)" dev c0 nud permanent ||
	fail_setup "neighbour in $NS_C"
ip -n "$NS_S" neigh replace "$CLIENT_IP" lladdr "$(mac_of "$NS_C" c0)" dev s0 nud permanent ||
	fail_setup "neighbour in $NS_S"
netns_fin_timeout "$FIN_TIMEOUT"
# ftd belongs to fintrack (net_af_packet): the kernel of its namespace must not answer on it
# for the address of the exception interface (a real NIC bound to DPDK is not the kernel's).
ip netns exec "$NS_F" sysctl -qw net.ipv4.conf.ftd.arp_ignore=8 \
	net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.ftd.rp_filter=1 ||
	fail_setup "arp_ignore and rp_filter on ftd"

# --- fintrack, and its exception interface -----------------------------------

say "starting fintrack --mode gwlb --gwlb-addr $GWLB_ADDR (exception interface $XIF)"
ip netns exec "$NS_F" "$FINTRACK" --lcores "$LCORES" --no-huge --no-pci -m 512 \
	--file-prefix "$PREFIX" --vdev "net_af_packet0,iface=ftd,qpairs=$QPAIRS" -- --mode gwlb --gwlb-addr "$GWLB_ADDR" \
	--exception-iface "$XIF" --timeout FIN_WAIT2=$FIN_TIMEOUT --max-flows 4096 \
	--max-flows-v6 64 --mbufs 4095 --stats-interval 0 --report "$WORK/report.json" \
	--metrics-port 9464 \
	>"$WORK/fintrack.out" 2>"$WORK/fintrack.err" &
FT_PID=$!

ft_alive() {
	kill -0 "$FT_PID" 2>/dev/null
}

show_fintrack_log() {
	echo "--- fintrack stderr (last 20 lines)"
	tail -n 20 "$WORK/fintrack.err"
	echo "--- fintrack stdout (last 40 lines)"
	tail -n 40 "$WORK/fintrack.out"
}

for ((i = 0; i < 100; i++)); do
	ft_alive || break
	grep -q "stop with SIGINT" "$WORK/fintrack.err" && break
	sleep 0.1
done
if ! ft_alive || ! ip -n "$NS_F" link show "$XIF" >/dev/null 2>&1; then
	echo "FAIL: fintrack did not start, or made no exception interface $XIF"
	show_fintrack_log
	exit 1
fi
ip -n "$NS_F" addr add "$GWLB_ADDR/24" dev "$XIF" || fail_setup "address on $XIF"
ip -n "$NS_F" link set "$XIF" up || fail_setup "$XIF up"
[ "$(mac_of "$NS_F" "$XIF")" = "$(mac_of "$NS_F" ftd)" ] ||
	{ echo "FAIL: $XIF does not carry ftd's MAC address"; exit 1; }

tel() {   # COMMAND...: one telemetry session, one JSON line per command
	printf '%s\n' "$@" | timeout 10 dpdk-telemetry.py -f "$PREFIX" 2>/dev/null
}

gwlb_count() {   # NAME: a gwlb counter from /fintrack/summary
	tel /fintrack/summary | jq -r ".[\"/fintrack/summary\"].gwlb.gwlb_$1 // \"none\""
}

# --- the load balancer stand-in --------------------------------------------------

mkfifo "$WORK/lb.out" || exit 1
ip netns exec "$NS_M" "$LB" --client-if lbc --server-if lbs --target-if lbf \
	--lb-addr "$LB_ADDR" --target-addr "$GWLB_ADDR" --seconds "$WATCHDOG" \
	>"$WORK/lb.out" 2>"$WORK/lb.err" &
LB_PID=$!
exec {LB_FD}<>"$WORK/lb.out"
if ! read -r -t 15 line <&"$LB_FD" || [ "${line%% *}" != ready ]; then
	echo "FAIL: the load balancer stand-in found no target: '${line:-}' $(cat "$WORK/lb.err")"
	show_fintrack_log
	exit 1
fi
say "stand-in ready: ARP for $GWLB_ADDR answered through the exception path (MAC ${line#ready })"


# --- health checks: TCP to gwlb_addr:80, answered by the kernel behind fintrack ---

health_check() {   # N
	local hs=hs$1 hc=hc$1

	ep_start "$hs" "$NS_F" server "$GWLB_ADDR" 80 || return 1
	ep_send "$hs" accept
	ep_start "$hc" "$NS_M" client "$GWLB_ADDR" 80 || return 1
	ep_cmd "$hc" connect || return 1
	ep_reply "$hs" || return 1
	ep_stop "$hc"
	ep_stop "$hs"
}

SC_NAME=health_check
SC_BAD=0
for n in 1 2 3; do
	health_check "$n" || break
done
to_kernel=$(gwlb_count to_kernel)
from_kernel=$(gwlb_count from_kernel)
echo "  health checks: 3 TCP handshakes with $GWLB_ADDR:80 from $LB_KERNEL_IP;" \
	"fintrack gwlb_to_kernel $to_kernel, gwlb_from_kernel $from_kernel"
if [ "$SC_BAD" != 0 ]; then
	SUMMARY+=("FAILED    health checks through the exception path")
	FAILS=$((FAILS + 1))
elif ! [ "$to_kernel" -ge 9 ] 2>/dev/null || ! [ "$from_kernel" -ge 9 ] 2>/dev/null; then
	echo "  FAIL [health_check] fewer packets through the exception path than 3 handshakes make"
	SUMMARY+=("FAILED    health checks through the exception path")
	FAILS=$((FAILS + 1))
else
	SUMMARY+=("answered  health checks through the exception path")
fi

# --- fintrack's view of an inner connection: telemetry ----------------------------

STATES="SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSING TIME_WAIT CLOSE_WAIT LAST_ACK CLOSED"

# ft_flow EP PEER: "STATE_OF_EP STATE_OF_PEER TUNNEL" of the flow in fintrack's table, or
# nothing when it is not there (an endpoint of a flow that ended is CLOSED)
ft_flow() {
	local cmds=() s

	for s in $STATES; do
		cmds+=("/fintrack/flows,$s")
	done
	tel "${cmds[@]}" | jq -r --arg ep "$1" --arg peer "$2" '
		.["/fintrack/flows"] | to_entries[] | .value | objects |
		select((.client == $ep and .server == $peer) or
		       (.client == $peer and .server == $ep)) |
		if .client == $ep then "\(.client_state) \(.server_state) \(.tunnel // "-")"
		else "\(.server_state) \(.client_state) \(.tunnel // "-")" end' | head -n 1
}

# The scenario driver's view of fintrack (tests/live/ft_scenarios.sh): one listing per
# comparison, read by ft_observe; an endpoint of a flow no longer listed is CLOSED.
FT_FLOW=
ft_observe() {
	local tunnel

	FT_FLOW=$(ft_flow "$CEP" "$SEP")
	read -r _ _ tunnel <<<"$FT_FLOW"
	# The flow is the inner connection, tracked inside its tunnel: GENEVE with AWS's
	# options, which fintrack names gwlb.
	[ -z "$FT_FLOW" ] || [ "$tunnel" = gwlb ] ||
		fail "fintrack does not list $CEP-$SEP inside GWLB's GENEVE (tunnel '$tunnel')"
}

ft_state() {   # EP PEER
	local a b

	read -r a b _ <<<"$FT_FLOW"
	if [ "$1" = "$CEP" ]; then
		echo "${a:-CLOSED}"
	else
		echo "${b:-CLOSED}"
	fi
}

ft_events() {   # EP PEER
	echo "listed as: ${FT_FLOW:-not listed}"
}

for sc in scenario_client_first scenario_server_first scenario_close_wait_leak; do
	$sc
	scenario_end
	if ! ft_alive; then
		echo "FAIL: fintrack died"
		FAILS=$((FAILS + 1))
		break
	fi
done

# --- what fintrack counted, then the stand-in's verdict --------------------------

echo
returned=$(gwlb_count returned)
dropped=$(gwlb_count dropped)
to_kernel=$(gwlb_count to_kernel)
from_kernel=$(gwlb_count from_kernel)
echo "  fintrack: gwlb_returned $returned gwlb_to_kernel $to_kernel" \
	"gwlb_from_kernel $from_kernel gwlb_dropped $dropped"
if command -v curl >/dev/null 2>&1; then
	metric=$(ip netns exec "$NS_F" curl -s --max-time 5 http://127.0.0.1:9464/metrics |
		grep '^fintrack_gwlb_packets_total{path="returned"}')
	echo "  metrics: ${metric:-none}"
	[ "${metric##* }" = "$returned" ] ||
		{ echo "FAIL: the metrics do not count the GENEVE returned"; FAILS=$((FAILS + 1)); }
fi
say "stopping the stand-in (SIGTERM)"
kill -TERM "$LB_PID"
wait_pid "$LB_PID" 10 || kill -KILL "$LB_PID" 2>/dev/null
wait "$LB_PID"
lb_rc=$?
LB_PID=
lb_line=
read -r -t 2 lb_line <&"$LB_FD"
exec {LB_FD}<&-
sed 's/^/  /' "$WORK/lb.err"
echo "  ${lb_line:-the stand-in printed no counts}"
read -r _ _ wrapped _ ok _ mism _ lost _ <<<"$lb_line"
if [ "$lb_rc" != 0 ] || [ "${mism:-x}" != 0 ]; then
	echo "FAIL: the stand-in saw GENEVE come back changed (exit $lb_rc, mismatched ${mism:-?})"
	FAILS=$((FAILS + 1))
fi
if [ "${lost:-x}" != 0 ] || [ "${wrapped:-0}" -lt 20 ] || [ "${ok:-0}" != "$wrapped" ]; then
	echo "FAIL: the stand-in wrapped ${wrapped:-?} packets, ${ok:-?} came back whole," \
		"${lost:-?} lost"
	FAILS=$((FAILS + 1))
fi
if [ "$returned" != "${wrapped:-x}" ]; then
	echo "FAIL: fintrack returned $returned GENEVE packets, the stand-in sent ${wrapped:-?}"
	FAILS=$((FAILS + 1))
fi
SUMMARY+=("returned  ${ok:-?} of ${wrapped:-?} GENEVE packets whole (mismatched ${mism:-?}, lost ${lost:-?})")

# --- stop fintrack -----------------------------------------------------------

fintrack_stop
if ! grep -q "gwlb_returned $returned, gwlb_to_kernel [1-9]" "$WORK/fintrack.out"; then
	echo "FAIL: the summary at stop does not count the gwlb paths"
	FAILS=$((FAILS + 1))
fi
if ip -n "$NS_F" link show "$XIF" >/dev/null 2>&1; then
	echo "FAIL: the exception interface $XIF outlived fintrack"
	FAILS=$((FAILS + 1))
fi
if [ "$QPAIRS" -gt 1 ] && ! grep -q "steering: software symmetric hash; 2 workers" \
		"$WORK/fintrack.out"; then
	echo "FAIL: two workers expected, steering in software"
	FAILS=$((FAILS + 1))
fi
echo "--- fintrack summary: ports"
sed -n '/^Ports/,$p' "$WORK/fintrack.out"
[ "$FAILS" = 0 ] || show_fintrack_log

echo
echo "=== summary (gwlb mode)"
for line in "${SUMMARY[@]}"; do
	echo "  $line"
done
if [ "$FAILS" != 0 ]; then
	echo "FAIL: $FAILS problem(s)"
	exit 1
fi
echo "PASS"
exit 0
