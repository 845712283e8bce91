#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Live test: real Linux TCP endpoints talk through real Linux VXLAN tunnels
# whose underlay crosses fintrack.
#
#   client ns (NS_C)                  middle ns              server ns (NS_S)
#   c0 198.18.30.1/24 ==veth== c1 [fintrack] s1 ==veth== s0 198.18.30.2/24
#    |  UDP 4789                                                    |
#    +- vx0 VNI 1001  198.18.31.1/24  <- tenant A ->  198.18.31.2/24 vx0 -+
#    +- vx0 VNI 1002, moved into NS_C2:                               |
#         198.18.31.1/24              <- tenant B ->  198.18.31.2/24 --+ (in NS_S2)
#
# Both tunnels start and end in NS_C and NS_S (same underlay addresses, same
# UDP port); tenant B's VXLAN devices live in namespaces of their own (NS_C2,
# NS_S2), so its inner addresses are tenant A's: the tenants overlap. The VXLAN
# devices have an MTU of 1450, which leaves the 50 bytes of outer headers
# inside the veths' 1500.
#
# What it checks:
#  - the underlay (198.18.30.0/24) and both overlays (198.18.31.0/24, tenant A
#    from NS_C, tenant B from NS_C2) ping through fintrack: it forwards the
#    encapsulated frames;
#  - the scenarios of live_netns_ss (tests/live/ft_scenarios.sh) client_first,
#    server_first and close_wait_leak run in tenant A, and Linux ('ss -tan' in
#    each namespace) goes through the states each scenario is meant to bring
#    it to;
#  - overlapping_tenants: the same connection (198.18.31.1:40009 ->
#    198.18.31.2:8089) open at once in tenant A and tenant B; tenant A's
#    closes client first (TIME_WAIT / CLOSED) while tenant B's stays
#    ESTABLISHED, then tenant B's server closes (CLOSE_WAIT / FIN_WAIT2)
#    while tenant A's stays in TIME_WAIT;
#  - fintrack, which does not look inside tunnels yet, counts every packet as
#    not TCP (or not IP: ARP) and tracks no flow.
#
# Environment: FINTRACK and SCENARIO (the binaries, required);
# FT_LIVE_MIDDLE=bridge puts a Linux bridge in the middle instead of fintrack
# (checks the topology and the scenarios against their expected ss states
# only); FT_LIVE_KEEP=1 keeps the work directory; FT_LIVE_SETTLE=SECONDS is
# the pause before each comparison (default 0.5).
#
# The run is bounded: it ends itself (as failed) after DEADLINE seconds, and
# every endpoint process dies after WATCHDOG seconds whatever happens. On
# every way out it stops what it started (by PID) and deletes its namespaces.
#
# Exit: 0 pass, 1 fail, 77 skip (not root, a tool missing, no 'ip netns', no
# VXLAN in the kernel, fewer than 2 CPUs, or a fintrack without live mode).

# functions called only through traps or indirectly
# shellcheck disable=SC2317

set -u

SETTLE=${FT_LIVE_SETTLE:-0.5}
MIDDLE=${FT_LIVE_MIDDLE:-fintrack}
FIN_TIMEOUT=5                   # tcp_fin_timeout in the end namespaces = fintrack's FIN_WAIT2
UNDER_C=198.18.30.1             # the tunnel endpoints, on c0 and s0
UNDER_S=198.18.30.2
OVER_C=198.18.31.1              # the TCP endpoints, on the VXLAN devices of either tenant
OVER_S=198.18.31.2
VNI_A=1001
VNI_B=1002
NS_C=ftv_cli_$$
NS_S=ftv_srv_$$
NS_M=ftv_mid_$$
NS_C2=ftv_cli2_$$               # tenant B's client and server
NS_S2=ftv_srv2_$$
NS_MORE="$NS_C2 $NS_S2"
PREFIX=ftv_netns_$$
WATCHDOG=80                     # seconds; every endpoint process dies by then whatever happens
DEADLINE=75                     # seconds; the run gives up by then

FT_PID=
DEADLINE_PID=
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
# The namespaces, the tunnels and ss: fail_setup, netns_*, ss_state.
# shellcheck source=tests/live/ft_netns.sh
. "$(dirname "$0")/ft_netns.sh"
# fintrack (or a bridge) in the middle: middle_*, ft_alive, telemetry.
# shellcheck source=tests/live/ft_middle.sh
. "$(dirname "$0")/ft_middle.sh"
# The scenarios and the comparison: check, connect_pair, scenario_*.
# shellcheck source=tests/live/ft_scenarios.sh
. "$(dirname "$0")/ft_scenarios.sh"

# --- preconditions ---------------------------------------------------------

[ "$(id -u)" = 0 ] || skip "needs root"
for tool in ip ss ethtool ping awk mkfifo timeout; do
	command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not found"
done
ip netns list >/dev/null 2>&1 || skip "'ip netns' unavailable"
if [ -z "${SCENARIO:-}" ] || [ ! -x "$SCENARIO" ]; then
	echo "FAIL: SCENARIO (ft-tcp-scenario) not set or not executable"
	exit 1
fi
if [ "$MIDDLE" = fintrack ]; then
	if [ -z "${FINTRACK:-}" ] || [ ! -x "$FINTRACK" ]; then
		echo "FAIL: FINTRACK not set or not executable"
		exit 1
	fi
	[ "$(nproc)" -ge 2 ] || skip "fintrack -l 0-1 needs 2 CPUs"
	for tool in jq dpdk-telemetry.py; do
		command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not found"
	done
elif [ "$MIDDLE" != bridge ]; then
	echo "FAIL: FT_LIVE_MIDDLE must be 'fintrack' or 'bridge'"
	exit 1
fi
FT_COMPARE=0

WORK=$(mktemp -d "/tmp/ftv_netns_$$.XXXXXX") || exit 1
EVENTS=$WORK/events.jsonl

# --- cleanup: only what this run made ----------------------------------------

cleanup() {
	local rc=$?

	trap - EXIT INT TERM HUP
	[ -z "$DEADLINE_PID" ] || kill -TERM "$DEADLINE_PID" 2>/dev/null
	netns_stop_pids
	middle_kill
	netns_delete
	rm -rf "/var/run/dpdk/$PREFIX"
	netns_work_done "${FT_LIVE_KEEP:-0}"
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 1' INT TERM HUP

# The deadline: a subshell that sends this script SIGTERM unless the cleanup ends it first
# (and with it its sleep).
(
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM
	sleep "$DEADLINE" &
	sp=$!
	wait "$sp" && echo "FAIL: still running after $DEADLINE s" && kill -TERM $$
) &
DEADLINE_PID=$!

middle_has_live

# --- topology ----------------------------------------------------------------

say "topology: namespaces $NS_C $NS_M $NS_S, tenant B in $NS_C2 $NS_S2, middle: $MIDDLE"
netns_topology
# the underlay: one subnet, the middle forwards Ethernet frames unchanged
CLIENT_IP=$UNDER_C
SERVER_IP=$UNDER_S
netns_addresses
ip -n "$NS_C" link add ftv_probe type vxlan id 1 dstport 4789 2>"$WORK/probe.err" ||
	skip "no VXLAN devices in this kernel: $(cat "$WORK/probe.err")"
ip -n "$NS_C" link del ftv_probe
for ns in $NS_MORE; do
	netns_add "$ns"
done
netns_vxlan "$NS_C" c0 vx0 "$VNI_A" "$UNDER_C" "$UNDER_S" "$OVER_C"
netns_vxlan "$NS_S" s0 vx0 "$VNI_A" "$UNDER_S" "$UNDER_C" "$OVER_S"
netns_vxlan "$NS_C" c0 vx1 "$VNI_B" "$UNDER_C" "$UNDER_S" "$OVER_C" "$NS_C2"
netns_vxlan "$NS_S" s0 vx1 "$VNI_B" "$UNDER_S" "$UNDER_C" "$OVER_S" "$NS_S2"
# shellcheck disable=SC2086 # NS_MORE: a list of names
netns_fin_timeout "$FIN_TIMEOUT" $NS_MORE

[ "$MIDDLE" = bridge ] || say "starting fintrack (timeouts FIN_WAIT2=$FIN_TIMEOUT)"
middle_start --timeout FIN_WAIT2=$FIN_TIMEOUT
middle_wait_ping 40 0.25
say "underlay: ping $UNDER_C -> $UNDER_S works through the $MIDDLE"
# from here on, the TCP endpoints: the overlay
CLIENT_IP=$OVER_C
SERVER_IP=$OVER_S
middle_wait_ping 20 0.25
say "tenant A (VNI $VNI_A): ping $OVER_C -> $OVER_S works through the tunnel"
ok=0
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	if ip netns exec "$NS_C2" ping -c 1 -W 1 -q "$OVER_S" >/dev/null 2>&1; then
		ok=1
		break
	fi
	sleep 0.25
done
[ "$ok" = 1 ] || fail_setup "no ping from $NS_C2 to $OVER_S (tenant B, VNI $VNI_B)"
say "tenant B (VNI $VNI_B): ping $OVER_C -> $OVER_S works through the tunnel"

# --- fintrack's view of a state -------------------------------------------------

ft_state() {   # EP PEER
	echo -
}

ft_events() {  # EP PEER
	:
}

# --- the tenants ---------------------------------------------------------------

tenant() {     # A|B: the namespaces check looks in
	if [ "$1" = A ]; then
		SC_NS_C=$NS_C
		SC_NS_S=$NS_S
	else
		SC_NS_C=$NS_C2
		SC_NS_S=$NS_S2
	fi
}

# The same connection, addresses and ports, in both tenants at once: closing one must not
# touch the other.
scenario_overlap() {
	local cep_a sep_a

	SC_NAME=overlapping_tenants
	SC_BAD=0
	SC_SKIPPED=0
	SC_C=c9
	SC_S=s9
	echo
	say "scenario $SC_NAME: $OVER_C:40009 -> $OVER_S:8089 in VNI $VNI_A and in VNI $VNI_B"
	connect_pair c9 s9 "$NS_C" "$NS_S" 8089 40009 || return
	cep_a=$CEP
	sep_a=$SEP
	connect_pair c9b s9b "$NS_C2" "$NS_S2" 8089 40009 || return
	if [ "$CEP" != "$cep_a" ] || [ "$SEP" != "$sep_a" ]; then
		fail "tenant B's connection $CEP -> $SEP is not tenant A's $cep_a -> $sep_a"
		return
	fi
	tenant A
	check "A (VNI $VNI_A): established" ESTABLISHED ESTABLISHED
	tenant B
	check "B (VNI $VNI_B): established" ESTABLISHED ESTABLISHED
	# tenant A closes, client first
	ep_cmd c9 close && ep_cmd s9 eof && ep_cmd s9 close || return
	tenant A
	check "A: after both close" TIME_WAIT CLOSED
	tenant B
	check "B: untouched" ESTABLISHED ESTABLISHED
	# then tenant B's server closes, its client does not
	ep_cmd s9b close || return
	check "B: after server close" CLOSE_WAIT FIN_WAIT2
	tenant A
	check "A: untouched" TIME_WAIT CLOSED
}

scenario_overlap_end() {
	ep_stop c9b
	ep_stop s9b
	tenant A
	scenario_end
}

for sc in scenario_client_first scenario_server_first scenario_overlap \
		scenario_close_wait_leak; do
	tenant A
	$sc
	if [ "$sc" = scenario_overlap ]; then
		scenario_overlap_end
	else
		scenario_end
	fi
	if ! ft_alive; then
		echo "FAIL: fintrack died"
		FAILS=$((FAILS + 1))
		break
	fi
done

# --- what fintrack made of the packets ------------------------------------------

if [ "$MIDDLE" = fintrack ] && ft_alive; then
	echo
	say "fintrack's count of the packets it saw"
	reply=$(telemetry /fintrack/summary)
	pkts=$(jq -c '.["/fintrack/summary"].packets' <<<"$reply" 2>/dev/null)
	flows=$(jq -r '.["/fintrack/summary"].flows' <<<"$reply" 2>/dev/null)
	echo "  packets: ${pkts:-none}; flows: ${flows:-none}"
	not_tcp=$(jq -r '.["/fintrack/summary"].packets.NOT_TCP // 0' <<<"$reply" 2>/dev/null)
	tcp=$(jq -r '.["/fintrack/summary"].packets.TCP // 0' <<<"$reply" 2>/dev/null)
	# five connections of at least ten segments each, and the pings
	if [ "${not_tcp:-0}" -lt 50 ]; then
		echo "FAIL: fintrack counted ${not_tcp:-no} packets as not TCP; the tunnels carried more"
		FAILS=$((FAILS + 1))
	fi
	if [ "${tcp:-x}" != 0 ] || [ "${flows:-x}" != 0 ]; then
		echo "FAIL: fintrack found TCP (${tcp:-?} segments, ${flows:-?} flows) in an underlay of UDP"
		FAILS=$((FAILS + 1))
	fi
fi

middle_stop

echo
echo "=== summary (middle: $MIDDLE)"
for line in "${SUMMARY[@]}"; do
	echo "  $line"
done
if [ "$FAILS" != 0 ]; then
	echo "FAIL: $FAILS problem(s)"
	exit 1
fi
echo "PASS"
exit 0
