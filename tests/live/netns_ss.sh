#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Live test: real Linux TCP endpoints talk through fintrack, and at every
# settled moment each endpoint's state in 'ss' must equal fintrack's state for
# it (the 'to' of its last state event; CLOSED before any or after the flow's
# end record).
#
#   client ns              middle ns                  server ns
#   c0 198.18.0.1/24 ==veth== c1 [fintrack] s1 ==veth== s0 198.18.0.2/24
#
# The scenarios (each on its own port pair 4000N -> 808N): client closes
# first, server closes first, both close at the same instant, both close with
# the FINs surely crossing (tbf-delayed egress), client RST (SO_LINGER 0),
# half-close with data after the FIN, and the classic Tomcat CLOSE_WAIT leak (the
# server's orphaned FIN_WAIT2 times out after tcp_fin_timeout = fintrack's
# FIN_WAIT2 timeout). A comparison also fails when Linux is not in the state
# the scenario is meant to bring it to, so that a scenario that did not run as
# designed (say, nothing connected: CLOSED everywhere) cannot pass.
#
# fintrack runs in the middle namespace on net_af_packet over c1 and s1 and
# forwards Ethernet frames unchanged, so both ends share one subnet. The TCP
# endpoints are ft-tcp-scenario processes driven line by line through FIFOs
# (tests/live/ft_endpoints.sh); the scenarios and the comparison are
# tests/live/ft_scenarios.sh, shared with tests/live/netns_ss_vxlan.sh.
#
# Environment: FINTRACK and SCENARIO (the binaries, required);
# FT_LIVE_MIDDLE=bridge puts a Linux bridge in the middle instead of fintrack
# (checks the topology and the scenarios against their expected ss states
# only); FT_LIVE_KEEP=1 keeps the work directory; FT_LIVE_SETTLE=SECONDS is
# the pause before each comparison (default 0.5).
#
# Exit: 0 pass, 1 fail, 77 skip (not root, no 'ip netns', fewer than 2 CPUs,
# or a fintrack without live mode).

# functions called only through traps or indirectly
# shellcheck disable=SC2317

set -u

SETTLE=${FT_LIVE_SETTLE:-0.5}
MIDDLE=${FT_LIVE_MIDDLE:-fintrack}
FIN_TIMEOUT=5                   # tcp_fin_timeout in both end namespaces = fintrack's FIN_WAIT2
CLIENT_IP=198.18.0.1
SERVER_IP=198.18.0.2
NS_C=ft_cli_$$
NS_S=ft_srv_$$
NS_M=ft_mid_$$
PREFIX=ft_netns_$$
WATCHDOG=150                    # seconds; every helper process dies by then whatever happens

FT_PID=
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
# The namespaces and ss: fail_setup, netns_*, ss_state.
# shellcheck source=tests/live/ft_netns.sh
. "$(dirname "$0")/ft_netns.sh"
# fintrack (or a bridge) in the middle and its events: middle_*, ft_alive, ft_state, ...
# shellcheck source=tests/live/ft_middle.sh
. "$(dirname "$0")/ft_middle.sh"
# The scenarios and the comparison: check, scenario_*.
# shellcheck source=tests/live/ft_scenarios.sh
. "$(dirname "$0")/ft_scenarios.sh"

# --- preconditions ---------------------------------------------------------

[ "$(id -u)" = 0 ] || skip "needs root"
for tool in ip ss ethtool ping awk mkfifo; do
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
elif [ "$MIDDLE" != bridge ]; then
	echo "FAIL: FT_LIVE_MIDDLE must be 'fintrack' or 'bridge'"
	exit 1
fi
FT_COMPARE=0
[ "$MIDDLE" = bridge ] || FT_COMPARE=1

WORK=$(mktemp -d "/tmp/ft_netns_$$.XXXXXX") || exit 1
EVENTS=$WORK/events.jsonl

# --- cleanup: only what this run made ----------------------------------------

cleanup() {
	local rc=$?

	trap - EXIT INT TERM HUP
	netns_stop_pids
	middle_kill
	netns_delete
	rm -rf "/var/run/dpdk/$PREFIX"
	netns_work_done "${FT_LIVE_KEEP:-0}"
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 1' INT TERM HUP

# --- does this fintrack have a live mode? -----------------------------------

middle_has_live

# --- topology ----------------------------------------------------------------

say "topology: namespaces $NS_C $NS_M $NS_S, middle: $MIDDLE"
netns_topology
netns_addresses            # one subnet: the middle forwards Ethernet frames unchanged
netns_fin_timeout "$FIN_TIMEOUT"

[ "$MIDDLE" = bridge ] || say "starting fintrack (timeouts FIN_WAIT2=$FIN_TIMEOUT)"
middle_start --timeout FIN_WAIT2=$FIN_TIMEOUT
middle_wait_ping 40 0.25
say "ping client -> server works through the $MIDDLE"

# fintrack's view of a state: ft_state, from its events (ft_middle.sh)

for sc in scenario_client_first scenario_server_first scenario_simultaneous \
		scenario_crossing scenario_rst scenario_half_close scenario_close_wait_leak; do
	$sc
	scenario_end
	if ! ft_alive; then
		echo "FAIL: fintrack died"
		FAILS=$((FAILS + 1))
		break
	fi
done

# --- stop fintrack -----------------------------------------------------------

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
