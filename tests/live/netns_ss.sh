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
# endpoints are ft-tcp-scenario processes driven line by line through FIFOs.
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

WORK=$(mktemp -d "/tmp/ft_netns_$$.XXXXXX") || exit 1
EVENTS=$WORK/events.jsonl

# --- cleanup: only what this run made ----------------------------------------

cleanup() {
	local rc=$?

	trap - EXIT INT TERM HUP
	netns_stop_pids
	if [ -n "$FT_PID" ] && kill -0 "$FT_PID" 2>/dev/null; then
		kill -INT "$FT_PID" 2>/dev/null
		wait_pid "$FT_PID" 10 || kill -KILL "$FT_PID" 2>/dev/null
		wait "$FT_PID" 2>/dev/null
	fi
	netns_delete
	rm -rf "/var/run/dpdk/$PREFIX"
	netns_work_done "${FT_LIVE_KEEP:-0}"
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 1' INT TERM HUP

# --- does this fintrack have a live mode? -----------------------------------

if [ "$MIDDLE" = fintrack ]; then
	if ! "$FINTRACK" --no-huge --no-pci -m 64 --file-prefix "$PREFIX" \
			--log-level=lib.eal:error -- --help 2>&1 | grep -q "Live mode"; then
		skip "fintrack has no live mode (no 'Live mode' in --help)"
	fi
	rm -rf "/var/run/dpdk/$PREFIX"
fi

# --- topology ----------------------------------------------------------------

say "topology: namespaces $NS_C $NS_M $NS_S, middle: $MIDDLE"
netns_topology
netns_addresses            # one subnet: the middle forwards Ethernet frames unchanged
netns_fin_timeout "$FIN_TIMEOUT"

if [ "$MIDDLE" = bridge ]; then
	ip -n "$NS_M" link add name br0 type bridge || fail_setup "bridge"
	ip -n "$NS_M" link set c1 master br0 || fail_setup "c1 in bridge"
	ip -n "$NS_M" link set s1 master br0 || fail_setup "s1 in bridge"
	ip -n "$NS_M" link set br0 up || fail_setup "br0 up"
else
	say "starting fintrack (timeouts FIN_WAIT2=$FIN_TIMEOUT)"
	ip netns exec "$NS_M" "$FINTRACK" -l 0-1 --no-huge --no-pci -m 512 --file-prefix "$PREFIX" \
		--vdev net_af_packet0,iface=c1 --vdev net_af_packet1,iface=s1 -- \
		--events "$EVENTS" --report "$WORK/report.json" \
		--timeout FIN_WAIT2=$FIN_TIMEOUT \
		>"$WORK/fintrack.out" 2>"$WORK/fintrack.err" &
	FT_PID=$!
fi

ft_alive() {
	[ -z "$FT_PID" ] || kill -0 "$FT_PID" 2>/dev/null
}

show_fintrack_log() {
	[ "$MIDDLE" = fintrack ] || return 0
	echo "--- fintrack stderr (last 20 lines)"
	tail -n 20 "$WORK/fintrack.err"
	echo "--- fintrack stdout (last 40 lines)"
	tail -n 40 "$WORK/fintrack.out"
}

netns_wait_ping 40 0.25 ft_alive
case $? in
0) ;;
2)
	wait "$FT_PID"
	echo "FAIL: fintrack exited early with code $?"
	FT_PID=
	show_fintrack_log
	exit 1
	;;
*)
	echo "FAIL: no ping from client to server through the middle"
	show_fintrack_log
	exit 1
	;;
esac
say "ping client -> server works through the $MIDDLE"

# --- the two views of a state: ss_state (ft_netns.sh) and fintrack's ---------

ft_state() {   # EP PEER
	[ -f "$EVENTS" ] || { echo CLOSED; return; }
	awk -v ep="\"$1\"" -v peer="\"$2\"" '
		index($0, "\"type\":\"state\"") && index($0, "\"ep\":" ep) &&
		index($0, "\"peer\":" peer) {
			if (match($0, /"to":"[A-Z_0-9]+"/))
				st = substr($0, RSTART + 6, RLENGTH - 7)
		}
		index($0, "\"type\":\"end\"") &&
		((index($0, "\"client\":" ep) && index($0, "\"server\":" peer)) ||
		 (index($0, "\"client\":" peer) && index($0, "\"server\":" ep))) {
			st = "CLOSED"
		}
		END { print (st == "" ? "CLOSED" : st) }' "$EVENTS"
}

ft_path() {    # EP PEER: the states fintrack took the endpoint through
	[ -f "$EVENTS" ] || return
	awk -v ep="\"$1\"" -v peer="\"$2\"" '
		index($0, "\"type\":\"state\"") && index($0, "\"ep\":" ep) &&
		index($0, "\"peer\":" peer) && match($0, /"to":"[A-Z_0-9]+"/) {
			printf "%s%s", sep, substr($0, RSTART + 6, RLENGTH - 7); sep = " "
		}
		END { print "" }' "$EVENTS"
}

ft_end() {     # CLIENT SERVER: the end record of the flow, if any
	[ -f "$EVENTS" ] || return
	grep -F "\"type\":\"end\"" "$EVENTS" | grep -F "\"client\":\"$1\"" |
		grep -F "\"server\":\"$2\"" | tail -n 1
}

ft_events() {  # EP1 EP2: every event naming both
	[ -f "$EVENTS" ] || return
	grep -F "\"$1\"" "$EVENTS" | grep -F "\"$2\""
}

# --- scenario bookkeeping ----------------------------------------------------

SC_NAME=
SC_BAD=0
SC_SKIPPED=0
if [ "$MIDDLE" = fintrack ]; then
	OK_WORD="agree    "
else
	OK_WORD="as meant "
fi
CEP=
SEP=

fail() {
	echo "  FAIL [$SC_NAME] $*"
	SC_BAD=1
}

# check LABEL EXPECT_CLIENT EXPECT_SERVER [nosettle]: EXPECT '*' = whatever Linux says
check() {
	local label=$1 exp_c=$2 exp_s=$3 ss_c ss_s ft_c ft_s verdict=OK

	[ "${4:-}" = nosettle ] || sleep "$SETTLE"
	if ! ft_alive; then
		fail "$label: fintrack is no longer running"
		return 1
	fi
	ss_c=$(ss_state "$NS_C" "$CEP" "$SEP")
	ss_s=$(ss_state "$NS_S" "$SEP" "$CEP")
	if [ "$MIDDLE" = fintrack ]; then
		ft_c=$(ft_state "$CEP" "$SEP")
		ft_s=$(ft_state "$SEP" "$CEP")
	else
		ft_c=-
		ft_s=-
	fi
	printf '  %-28s client %-14s fintrack %-11s | server %-14s fintrack %-11s' \
		"$label" "ss=$ss_c" "$ft_c" "ss=$ss_s" "$ft_s"
	if [ "$MIDDLE" = fintrack ] && [ "$ss_c" != "$ft_c" ]; then
		verdict=MISMATCH
	fi
	if [ "$MIDDLE" = fintrack ] && [ "$ss_s" != "$ft_s" ]; then
		verdict=MISMATCH
	fi
	if { [ "$exp_c" != '*' ] && [ "$ss_c" != "$exp_c" ]; } ||
	   { [ "$exp_s" != '*' ] && [ "$ss_s" != "$exp_s" ]; }; then
		# Linux itself is not where the scenario should have brought it
		[ "$verdict" = OK ] && verdict=UNEXPECTED || verdict="$verdict+UNEXPECTED"
	fi
	echo " $verdict"
	if [ "$verdict" != OK ]; then
		case "$verdict" in
		*MISMATCH*)
			fail "$label: ss and fintrack disagree:" \
				"client $CEP ss=$ss_c fintrack=$ft_c," \
				"server $SEP ss=$ss_s fintrack=$ft_s"
			;;
		esac
		case "$verdict" in
		*UNEXPECTED*)
			fail "$label: Linux is not in the scenario's expected state" \
				"(expected client=$exp_c server=$exp_s)"
			;;
		esac
		if [ "$MIDDLE" = fintrack ]; then
			echo "    fintrack events of this flow:"
			ft_events "$CEP" "$SEP" | sed 's/^/      /'
		fi
	fi
	return 0
}

# scenario_begin NAME N: endpoints cN (client port 4000N) and sN (server port 808N), connected
scenario_begin() {
	local n=$2

	SC_NAME=$1
	SC_BAD=0
	SC_SKIPPED=0
	SC_C=c$n
	SC_S=s$n
	echo
	say "scenario $SC_NAME"
	ep_start "$SC_S" "$NS_S" server "$SERVER_IP" "808$n" || return 1
	ep_start "$SC_C" "$NS_C" client "$SERVER_IP" "808$n" "4000$n" || return 1
	ep_send "$SC_S" accept
	ep_cmd "$SC_C" connect || return 1
	read -r _ CEP _ <<<"$REPLY_LINE"
	ep_reply "$SC_S" || return 1
	read -r _ SEP _ <<<"$REPLY_LINE"
	echo "  connection: client $CEP  server $SEP"
	# some data both ways before any closing
	ep_cmd "$SC_C" "send 3000" && ep_cmd "$SC_S" "recv 3000" &&
		ep_cmd "$SC_S" "send 2000" && ep_cmd "$SC_C" "recv 2000"
}

scenario_end() {
	ep_stop "$SC_C"
	ep_stop "$SC_S"
	if [ "$SC_SKIPPED" = 1 ]; then
		SUMMARY+=("skipped   $SC_NAME")
	elif [ "$SC_BAD" = 0 ]; then
		SUMMARY+=("$OK_WORD $SC_NAME")
	else
		SUMMARY+=("DISAGREE  $SC_NAME")
		FAILS=$((FAILS + 1))
	fi
}

now_ns() {
	date +%s%N
}

sleep_until_since() {  # T0_NS SECONDS
	local left=$(( $1 + $2 * 1000000000 - $(now_ns) ))

	[ "$left" -le 0 ] || sleep "$(awk -v n="$left" 'BEGIN { printf "%.3f", n / 1e9 }')"
}

# --- the scenarios ------------------------------------------------------------

scenario_client_first() {
	scenario_begin client_first 1 || return
	check "established" ESTABLISHED ESTABLISHED
	ep_cmd "$SC_C" close || return
	check "after client close" FIN_WAIT2 CLOSE_WAIT
	ep_cmd "$SC_S" eof && ep_cmd "$SC_S" close || return
	check "after server close" TIME_WAIT CLOSED
}

scenario_server_first() {
	scenario_begin server_first 2 || return
	check "established" ESTABLISHED ESTABLISHED
	ep_cmd "$SC_S" close || return
	check "after server close" CLOSE_WAIT FIN_WAIT2
	ep_cmd "$SC_C" eof && ep_cmd "$SC_C" close || return
	check "after client close" CLOSED TIME_WAIT
}

# both_time_wait_means_closing: when Linux ends in TIME_WAIT on both sides, the FINs crossed and
# both endpoints went through CLOSING (without crossing, the second closer goes CLOSE_WAIT ->
# LAST_ACK -> CLOSED): fintrack must have taken both through CLOSING too.
crossing_check() {
	local pc ps

	[ "$MIDDLE" = fintrack ] || return 0
	pc=$(ft_path "$CEP" "$SEP")
	ps=$(ft_path "$SEP" "$CEP")
	echo "  fintrack path: client: $pc"
	echo "                 server: $ps"
	if [ "$(ss_state "$NS_C" "$CEP" "$SEP")" = TIME_WAIT ] &&
	   [ "$(ss_state "$NS_S" "$SEP" "$CEP")" = TIME_WAIT ]; then
		echo "  Linux: TIME_WAIT on both ends: the FINs crossed (both went through CLOSING)"
		case " $pc " in
		*" CLOSING "*) ;;
		*) fail "client never CLOSING in fintrack although the FINs crossed" ;;
		esac
		case " $ps " in
		*" CLOSING "*) ;;
		*) fail "server never CLOSING in fintrack although the FINs crossed" ;;
		esac
	else
		echo "  Linux: the FINs did not cross (one end closed first)"
	fi
}

scenario_simultaneous() {
	local t

	scenario_begin simultaneous 3 || return
	check "established" ESTABLISHED ESTABLISHED
	# both close(2) at the same instant of the shared clock
	t=$(( $(now_ns) + 300000000 ))
	ep_send "$SC_C" "at $t close"
	ep_send "$SC_S" "at $t close"
	ep_reply "$SC_C" && ep_reply "$SC_S" || return
	check "after both close" '*' '*'
	crossing_check
}

shape() {      # on|off: a slow token bucket on c0 and s0 (egress of both end hosts)
	local spec ns dev

	for spec in "$NS_C c0" "$NS_S s0"; do
		read -r ns dev <<<"$spec"
		if [ "$1" = on ]; then
			tc -n "$ns" qdisc add dev "$dev" root tbf rate 1mbit burst 3000 \
				limit 200000 2>/dev/null || return 1
		else
			tc -n "$ns" qdisc del dev "$dev" root 2>/dev/null
		fi
	done
	return 0
}

# The FINs cross for sure: both ends first queue 20 UDP datagrams (about 230 ms at 1 Mbit/s)
# in their egress qdisc, then close within a few ms of each other, so each FIN leaves its
# host (as far as TCP knows) long before the other arrives.
scenario_crossing() {
	local t

	scenario_begin simultaneous_crossing 7 || return
	check "established" ESTABLISHED ESTABLISHED
	if ! command -v tc >/dev/null 2>&1 || ! shape on; then
		shape off
		echo "  skipped: no 'tc' or no tbf qdisc"
		SC_SKIPPED=1
		return
	fi
	t=$(( $(now_ns) + 200000000 ))
	ep_send "$SC_C" "at $t udp 20"
	ep_send "$SC_S" "at $t udp 20"
	if ep_reply "$SC_C" && ep_reply "$SC_S"; then
		ep_send "$SC_C" close
		ep_send "$SC_S" close
		ep_reply "$SC_C" && ep_reply "$SC_S" && sleep 0.3
	fi
	shape off
	[ "$SC_BAD" = 0 ] || return
	check "after both close (crossed)" TIME_WAIT TIME_WAIT
	crossing_check
}

scenario_rst() {
	local end

	scenario_begin rst_client 4 || return
	check "established" ESTABLISHED ESTABLISHED
	ep_cmd "$SC_C" linger0 && ep_cmd "$SC_C" close || return
	check "after client RST" CLOSED CLOSED
	# Linux saw the reset too: the server's next read fails
	ep_send "$SC_S" "recv 1"
	if read -r -t 10 REPLY_LINE <&"${OUT_FD[$SC_S]}"; then
		echo "  server read after the RST: $REPLY_LINE"
	fi
	if [ "$MIDDLE" = fintrack ]; then
		end=$(ft_end "$CEP" "$SEP")
		echo "  fintrack end: ${end:-none}"
		case "$end" in
		*'"how":"rst_client"'*) ;;
		*) fail "flow end is not how=rst_client: '${end:-none}'" ;;
		esac
	fi
}

scenario_half_close() {
	scenario_begin half_close 5 || return
	check "established" ESTABLISHED ESTABLISHED
	ep_cmd "$SC_C" shutdown && ep_cmd "$SC_C" drain || return
	# the server keeps sending for 1.2 s: 1000 bytes every 50 ms
	ep_cmd "$SC_S" "stream 1200 1000 50" || return
	check "mid half-close, data flows" FIN_WAIT2 CLOSE_WAIT
	ep_stream_close "$SC_S" "$SC_C" || return
	echo "  server streamed $EP_SENT bytes after the client's FIN; client read $EP_RECEIVED"
	[ "$EP_SENT" = "$EP_RECEIVED" ] || fail "client read $EP_RECEIVED bytes of $EP_SENT"
	case "$REPLY_LINE" in
	*eof=1*) ;;
	*) fail "client did not see the server's FIN" ;;
	esac
	check "after server close" TIME_WAIT CLOSED
	ep_cmd "$SC_C" close || return
	check "after client close" TIME_WAIT CLOSED
}

scenario_close_wait_leak() {
	local t0

	scenario_begin close_wait_leak 6 || return
	check "established" ESTABLISHED ESTABLISHED
	# the server closes; the client application never does
	t0=$(now_ns)
	ep_cmd "$SC_S" close || return
	sleep_until_since "$t0" 1
	check "1 s after server close" CLOSE_WAIT FIN_WAIT2 nosettle
	sleep_until_since "$t0" $((FIN_TIMEOUT + 2))
	check "$((FIN_TIMEOUT + 2)) s after server close" CLOSE_WAIT CLOSED nosettle
}

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

if [ -n "$FT_PID" ]; then
	echo
	if ft_alive; then
		say "stopping fintrack (SIGINT)"
		kill -INT "$FT_PID"
		if ! wait_pid "$FT_PID" 15; then
			echo "FAIL: fintrack did not stop within 15 s of SIGINT"
			FAILS=$((FAILS + 1))
			kill -KILL "$FT_PID" 2>/dev/null
		fi
	fi
	wait "$FT_PID"
	rc=$?
	FT_PID=
	if [ "$rc" != 0 ]; then
		echo "FAIL: fintrack exited with code $rc"
		FAILS=$((FAILS + 1))
	fi
	if [ ! -s "$WORK/report.json" ]; then
		echo "FAIL: no report written"
		FAILS=$((FAILS + 1))
	elif command -v jq >/dev/null 2>&1 && ! jq -e . "$WORK/report.json" >/dev/null; then
		echo "FAIL: the report is not valid JSON"
		FAILS=$((FAILS + 1))
	fi
	echo "--- fintrack summary (without the periodic rate lines)"
	grep -v ' pps, tx ' "$WORK/fintrack.out"
	if [ "$FAILS" != 0 ]; then
		show_fintrack_log
	fi
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
