#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Live test: real Linux TCP endpoints talk through real Linux VXLAN tunnels
# whose underlay crosses fintrack.
#
#   client ns (NS_C)                     middle ns              server ns (NS_S)
#   c0 198.18.30.1/24 ==veth== c1 [fintrack] s1 ==veth== s0 198.18.30.2/24
#    |         UDP between 198.18.30.1 and 198.18.30.2 (the underlay)      |
#   vx0 VNI 1001, port 4789: 198.18.31.1/24 <-tenant A-> 198.18.31.2/24 vx0
#   vx1 VNI 1002, port 8472: 198.18.31.1/24 <-tenant B-> 198.18.31.2/24 vx1
#       (vx1 in NS_C2)                                     (vx1 in NS_S2)
#
# Both tunnels start and end in NS_C and NS_S (same underlay addresses; UDP
# ports 4789 and 8472, both VXLAN ports fintrack opens by default); tenant
# B's VXLAN devices sit in namespaces of their own (NS_C2, NS_S2), so that its
# inner addresses can be tenant A's: the tenants overlap. The VXLAN devices
# have an MTU of 1450, which leaves the 50 bytes of outer headers inside the
# veths' 1500 (full-sized segments cross fintrack).
#
# What it checks:
#  - the underlay and both overlays (tenant A from NS_C, tenant B from NS_C2)
#    ping through fintrack, which forwards the encapsulated frames;
#  - the scenarios of live_netns_ss (tests/live/ft_scenarios.sh) client_first,
#    server_first and close_wait_leak, in tenant A: at every settled moment
#    each endpoint's state in 'ss -tan' (in its namespace) equals fintrack's
#    state for the inner TCP endpoint, and Linux is in the state the scenario
#    is meant to bring it to;
#  - overlapping_tenants: the same connection (198.18.31.1:40009 ->
#    198.18.31.2:8089) open at once in tenant A and tenant B; tenant A's
#    closes client first (TIME_WAIT / CLOSED) while tenant B's stays
#    ESTABLISHED, then tenant B's server closes (CLOSE_WAIT / FIN_WAIT2)
#    while tenant A's stays in TIME_WAIT; each compared as above, in its own
#    context: fintrack must keep two flows with their own states;
#  - fintrack's state of an endpoint is read from its events ("ctx" picks the
#    tenant) and from its flow listing (/fintrack/flows,STATE for every state,
#    rows of that "ctx" with "tunnel":"vxlan"; a flow not listed is CLOSED);
#    both must equal ss, and every listed flow must show "ctx" and
#    "tunnel":"vxlan";
#  - each tenant's context is learnt from the events of its first connection
#    (the one not the other tenant's); /fintrack/contexts and the report's
#    "contexts" must give them as "vxlan" with "vni=1001" and "vni=1002", and
#    nothing else;
#  - fintrack counts TCP inside the tunnels (no malformed, too deep or
#    context-table-full packets), created exactly 5 flows for the 5
#    connections, and every event carries one of the two contexts and
#    "tunnel":"vxlan".
#
# Environment: FINTRACK and SCENARIO (the binaries, required);
# FT_LIVE_FINTRACK_ARGS: more fintrack options (split at blanks; for trying
# the test against, say, --vxlan-context none, which must fail it);
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
VNI_A=1001                      # tenant A's tunnel: VNI and UDP port (IANA's)
PORT_A=4789
VNI_B=1002                      # tenant B's: the port of Linux's first VXLAN (and flannel)
PORT_B=8472
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
[ "$MIDDLE" = bridge ] || FT_COMPARE=1

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
ip -n "$NS_C" link add ftv_probe type vxlan id 1 dstport "$PORT_A" 2>"$WORK/probe.err" ||
	skip "no VXLAN devices in this kernel: $(cat "$WORK/probe.err")"
ip -n "$NS_C" link del ftv_probe
for ns in $NS_MORE; do
	netns_add "$ns"
done
netns_vxlan "$NS_C" c0 vx0 "$VNI_A" "$PORT_A" "$UNDER_C" "$UNDER_S" "$OVER_C"
netns_vxlan "$NS_S" s0 vx0 "$VNI_A" "$PORT_A" "$UNDER_S" "$UNDER_C" "$OVER_S"
netns_vxlan "$NS_C" c0 vx1 "$VNI_B" "$PORT_B" "$UNDER_C" "$UNDER_S" "$OVER_C" "$NS_C2"
netns_vxlan "$NS_S" s0 vx1 "$VNI_B" "$PORT_B" "$UNDER_S" "$UNDER_C" "$OVER_S" "$NS_S2"
# shellcheck disable=SC2086 # NS_MORE: a list of names
netns_fin_timeout "$FIN_TIMEOUT" $NS_MORE

[ "$MIDDLE" = bridge ] || say "starting fintrack (timeouts FIN_WAIT2=$FIN_TIMEOUT)"
# a small table: /fintrack/flows walks all of it, ten times per comparison
# shellcheck disable=SC2086 # FT_LIVE_FINTRACK_ARGS: options split at blanks
# --diag-min-age 0: the CLOSE_WAIT leak's endpoint counts in its pile at once (checked at the end)
middle_start --timeout FIN_WAIT2=$FIN_TIMEOUT --max-flows 4096 --diag-min-age 0 \
	${FT_LIVE_FINTRACK_ARGS:-}
middle_wait_ping 40 0.25
say "underlay: ping $UNDER_C -> $UNDER_S works through the $MIDDLE"
# from here on, the TCP endpoints: the overlay
CLIENT_IP=$OVER_C
SERVER_IP=$OVER_S
middle_wait_ping 20 0.25
say "tenant A (VNI $VNI_A, port $PORT_A): ping $OVER_C -> $OVER_S works through the tunnel"
ok=0
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	if ip netns exec "$NS_C2" ping -c 1 -W 1 -q "$OVER_S" >/dev/null 2>&1; then
		ok=1
		break
	fi
	sleep 0.25
done
[ "$ok" = 1 ] || fail_setup "no ping from $NS_C2 to $OVER_S (tenant B, VNI $VNI_B)"
say "tenant B (VNI $VNI_B, port $PORT_B): ping $OVER_C -> $OVER_S works through the tunnel"

# --- the tenants and fintrack's contexts ----------------------------------------

declare -A CTX                  # tenant (A, B) -> fintrack's context id, learnt from its events
TENANT=A

tenant() {     # A|B: the namespaces check looks in, the context fintrack's states are read in
	TENANT=$1
	if [ "$1" = A ]; then
		SC_NS_C=$NS_C
		SC_NS_S=$NS_S
	else
		SC_NS_C=$NS_C2
		SC_NS_S=$NS_S2
	fi
	# a context not (yet) known matches no event: fintrack then says CLOSED, and check fails
	FT_CTX=${CTX[$1]:-none}
}

vni_of() {     # A|B
	if [ "$1" = A ]; then echo "$VNI_A"; else echo "$VNI_B"; fi
}

# The context of the current tenant, from the events of its connection CEP <-> SEP: the one
# context there that is not the other tenant's. fintrack numbers contexts 1, 2, ... as it
# first sees them; which is which is checked against its VNIs at the end (/fintrack/contexts,
# the report).
learn_ctx() {
	local other cands

	[ -z "${CTX[$TENANT]:-}" ] || return 0
	if [ "$TENANT" = A ]; then other=${CTX[B]:-}; else other=${CTX[A]:-}; fi
	cands=$(ev_lines "$CEP" "$SEP" | sed -n 's/.*"ctx":\([0-9]*\),.*/\1/p' | sort -u |
		grep -vx "${other:-none}")
	if [ -n "$cands" ] && [ "$(wc -l <<<"$cands")" = 1 ]; then
		CTX[$TENANT]=$cands
		FT_CTX=$cands
		echo "  tenant $TENANT (VNI $(vni_of "$TENANT")) is context $cands in fintrack"
	fi
}

# --- fintrack's view of a state: its events and its flow listing -------------------

FT_STATES="SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSING TIME_WAIT CLOSE_WAIT
	LAST_ACK CLOSED"
LISTING=$WORK/listing.tsv       # ctx tunnel client server client_state server_state
LISTED=0                        # flows listed, over all comparisons

# Called by check, once, before ft_state: the context of the connection, and every flow
# fintrack lists (/fintrack/flows,STATE for each state, in one telemetry session).
ft_observe() {
	local st cmds=() n

	learn_ctx
	for st in $FT_STATES; do
		cmds+=("/fintrack/flows,$st")
	done
	telemetry "${cmds[@]}" >"$WORK/listing.json"
	if ! jq -e -s 'length == 10 and all(.[]; .["/fintrack/flows"].count != null)' \
			"$WORK/listing.json" >/dev/null 2>&1; then
		fail "/fintrack/flows did not answer for every state: $(head -c 300 "$WORK/listing.json")"
		: >"$LISTING"
		return
	fi
	if jq -e -s 'any(.[]; .["/fintrack/flows"].more == "yes")' "$WORK/listing.json" >/dev/null; then
		fail "/fintrack/flows lists more than a page of flows in a state; this test makes 5"
	fi
	jq -r '.["/fintrack/flows"] | to_entries[] | select(.key | test("^[0-9]+$")) | .value |
		[(.ctx // "-" | tostring), (.tunnel // "-"), .client, .server, .client_state,
		 .server_state] | @tsv' "$WORK/listing.json" | sort -u >"$LISTING"
	LISTED=$((LISTED + $(wc -l <"$LISTING")))
	n=$(awk -F '\t' '$1 == "-" || $2 != "vxlan"' "$LISTING")
	[ -z "$n" ] || fail "/fintrack/flows lists flows without a ctx or not in \"vxlan\": $n"
}

# What the listing says of EP's state in context FT_CTX: CLOSED when the flow is not listed,
# DUPLICATE when it is listed twice in one context.
listing_state() {   # EP PEER
	awk -F '\t' -v ep="$1" -v peer="$2" -v cx="$FT_CTX" '
		$1 == cx && $2 == "vxlan" && $3 == ep && $4 == peer { st = $5; n++ }
		$1 == cx && $2 == "vxlan" && $3 == peer && $4 == ep { st = $6; n++ }
		END {
			if (n > 1) print "DUPLICATE"
			else if (n == 1) print st
			else print "CLOSED"
		}' "$LISTING"
}

# fintrack's state of EP: its events and its flow listing must say the same; when they do not,
# both are shown (and differ from ss).
ft_state() {   # EP PEER
	local ev li

	ev=$(ev_state "$1" "$2")
	li=$(listing_state "$1" "$2")
	if [ "$li" = "$ev" ]; then
		echo "$ev"
	else
		echo "events:$ev,listing:$li"
	fi
}

ft_events() {  # EP PEER
	echo "(context of tenant $TENANT: ${CTX[$TENANT]:-unknown})"
	ev_lines "$@"
	echo "listed:"
	grep -F "$1" "$LISTING" | grep -F "$2"
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

# The CLOSE_WAIT leak (tenant A's client, still in CLOSE_WAIT) in the diagnosis: its host
# inside its tunnel, and with by_context its context.
diagnosis_check() {
	local want reply top

	[ "$MIDDLE" = fintrack ] || return 0
	want="(vxlan vni=$(vni_of A)): 1 connections"
	reply=$(telemetry /fintrack/diagnosis "/fintrack/diagnosis,by_context")
	top=$(jq -r -s '.[0]["/fintrack/diagnosis"].CLOSE_WAIT.top1 // "none"' <<<"$reply")
	echo "  /fintrack/diagnosis, CLOSE_WAIT: $top"
	[ "$top" = "client $OVER_C ctx=${CTX[A]:-?} $want" ] ||
		fail "/fintrack/diagnosis names the CLOSE_WAIT host as '$top'"
	top=$(jq -r -s '.[1]["/fintrack/diagnosis"].CLOSE_WAIT.top1 // "none"' <<<"$reply")
	echo "  /fintrack/diagnosis,by_context, CLOSE_WAIT: $top"
	[ "$top" = "client ctx=${CTX[A]:-?} $want" ] ||
		fail "/fintrack/diagnosis,by_context names the CLOSE_WAIT context as '$top'"
}

for sc in scenario_client_first scenario_server_first scenario_overlap \
		scenario_close_wait_leak; do
	tenant A
	$sc
	if [ "$sc" = scenario_overlap ]; then
		scenario_overlap_end
	elif [ "$sc" = scenario_close_wait_leak ]; then
		diagnosis_check
		scenario_end
	else
		scenario_end
	fi
	if ! ft_alive; then
		echo "FAIL: fintrack died"
		FAILS=$((FAILS + 1))
		break
	fi
done

# --- what fintrack made of the packets, and its contexts ----------------------------

problem() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

# Contexts as /fintrack/contexts or the report list them, one "CTX TUNNEL ID" line each.
check_contexts() {  # WHERE LINES
	local t vni line

	echo "  $1: $(tr '\n' ';' <<<"$2")"
	for t in A B; do
		vni=$(vni_of "$t")
		if [ -z "${CTX[$t]:-}" ]; then
			problem "tenant $t (VNI $vni): fintrack's events never named its context"
			continue
		fi
		line=$(awk -v c="${CTX[$t]}" '$1 == c' <<<"$2")
		[ "$line" = "${CTX[$t]} vxlan vni=$vni" ] ||
			problem "$1: context ${CTX[$t]} (tenant $t) is '${line:-missing}'," \
				"not '${CTX[$t]} vxlan vni=$vni'"
	done
	[ "$(grep -c . <<<"$2")" = 2 ] || problem "$1: not exactly the two contexts of the two VNIs"
}

if [ "$MIDDLE" = fintrack ] && ft_alive; then
	echo
	say "fintrack's count of the packets and flows, and its contexts"
	reply=$(telemetry /fintrack/summary)
	echo "  packets: $(jq -c '.["/fintrack/summary"].packets | with_entries(select(.value != 0))' \
		<<<"$reply" 2>/dev/null)"
	tcp=$(jq -r '.["/fintrack/summary"].packets.TCP // 0' <<<"$reply" 2>/dev/null)
	bad=$(jq -r '[.["/fintrack/summary"].packets | to_entries[] |
		select(.key | test("^ERR_|^TUN_DEPTH$|^CTX_FULL$")) | .value] | add // 0' <<<"$reply" 2>/dev/null)
	created=$(jq -r '.["/fintrack/summary"].counters.flows_created // "none"' <<<"$reply" 2>/dev/null)
	echo "  flows created: $created"
	# five connections of at least ten segments each
	[ "${tcp:-0}" -ge 50 ] || problem "fintrack found ${tcp:-no} TCP segments inside the tunnels"
	[ "${bad:-x}" = 0 ] ||
		problem "fintrack counted ${bad:-?} packets as malformed, too deep or of a full context table"
	# five connections, two of them the same 5-tuple in two tenants: five flows, not four
	[ "$created" = 5 ] || problem "fintrack created $created flows for the 5 connections"
	reply=$(telemetry /fintrack/contexts)
	if jq -e '.["/fintrack/contexts"].contexts == 2' <<<"$reply" >/dev/null 2>&1; then
		check_contexts /fintrack/contexts "$(jq -r '.["/fintrack/contexts"] | to_entries[] |
			select(.key | test("^[0-9]+$")) | "\(.key) \(.value.tunnel) \(.value.id)"' <<<"$reply")"
	else
		problem "/fintrack/contexts does not give 2 contexts: ${reply:-no answer}"
	fi
	echo "  /fintrack/flows: $LISTED flows listed over all comparisons," \
		"each with ctx and \"tunnel\":\"vxlan\""
	[ "$LISTED" -gt 0 ] || problem "/fintrack/flows never listed a flow"
fi

middle_stop

if [ "$MIDDLE" = fintrack ]; then
	if [ -s "$WORK/report.json" ]; then
		check_contexts "the report" "$(jq -r '.contexts[]? | "\(.ctx) \(.tunnel) \(.id)"' \
			"$WORK/report.json" 2>/dev/null)"
	fi
	# every event is of a flow inside a tunnel, in one of the two contexts
	n=$(grep -c . "$EVENTS" 2>/dev/null)
	odd=$(grep -v -e "\"ctx\":${CTX[A]:-none},\"tunnel\":\"vxlan\"" \
		-e "\"ctx\":${CTX[B]:-none},\"tunnel\":\"vxlan\"" "$EVENTS" 2>/dev/null | head -n 3)
	echo "  events: ${n:-0}, each with the ctx of tenant A or B and \"tunnel\":\"vxlan\""
	[ "${n:-0}" -gt 0 ] || problem "no events written"
	[ -z "$odd" ] || problem "events outside the two tenants' contexts, such as: $odd"
fi

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
