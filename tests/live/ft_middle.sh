# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# What sits in the middle namespace of the namespace tests
# (tests/live/netns_ss.sh, tests/live/netns_ss_vxlan.sh): fintrack, live on
# net_af_packet over c1 and s1 (ports 0 and 1), forwarding every frame
# unchanged; or, for checking a topology without fintrack, a Linux bridge.
#
# Sourced, not run, after tests/live/ft_endpoints.sh (say, wait_pid) and
# tests/live/ft_netns.sh. The sourcing script provides MIDDLE (fintrack or
# bridge), FINTRACK (the binary), NS_M, PREFIX (the EAL file prefix, which
# names the telemetry socket), WORK, EVENTS (the events file), FAILS,
# FT_PID (empty) and skip TEXT.
#
#   middle_has_live        skip unless this fintrack has a live mode
#   middle_start ARGS      fintrack in NS_M with --events EVENTS --report
#                          WORK/report.json ARGS (its PID in FT_PID, its output
#                          in WORK/fintrack.out and .err); or the bridge br0
#   ft_alive               0 while fintrack runs (always, for the bridge)
#   middle_log             the last lines fintrack wrote
#   middle_wait_ping TRIES PAUSE
#                          netns_wait_ping, guarded by ft_alive; "FAIL: ..."
#                          and exit 1 if fintrack dies or the ping never works
#   middle_kill            for a cleanup: SIGINT, a bounded wait, SIGKILL
#   middle_stop            the normal end: SIGINT, fintrack must exit 0 within
#                          15 s and have written a report that is JSON; each
#                          problem counted in FAILS; its summary printed
#   telemetry COMMAND...   the replies of the running fintrack, one JSON line each
#
# What fintrack's events file says of a connection, in the tenant context
# FT_CTX (its "ctx"; empty or unset: any context, as for untunnelled traffic):
#
#   ev_state EP PEER       the state of endpoint EP (IP:PORT) of the connection with
#                          PEER: the 'to' of its last state event; CLOSED before any
#                          or after the flow's end record
#   ev_path EP PEER        the states fintrack took the endpoint through
#   ev_end CLIENT SERVER   the end record of the flow, if any
#   ev_lines EP PEER       every event naming both, in any context
#
# and the same under the names the scenario driver (ft_scenarios.sh) calls:
# ft_state, ft_path, ft_end, ft_events (a sourcing script may define its own).

# shellcheck shell=bash
# shellcheck disable=SC2154 # MIDDLE, FINTRACK, NS_M, PREFIX, WORK, EVENTS, FAILS, FT_PID come from the sourcing script

FT_CTX=${FT_CTX:-}

middle_has_live() {
	[ "$MIDDLE" = fintrack ] || return 0
	if ! "$FINTRACK" --no-huge --no-pci -m 64 --file-prefix "$PREFIX" \
			--log-level=lib.eal:error -- --help 2>&1 | grep -q "Live mode"; then
		skip "fintrack has no live mode (no 'Live mode' in --help)"
	fi
	rm -rf "/var/run/dpdk/$PREFIX"
}

middle_start() {   # ARGS: more fintrack options
	if [ "$MIDDLE" = bridge ]; then
		ip -n "$NS_M" link add name br0 type bridge || fail_setup "bridge"
		ip -n "$NS_M" link set c1 master br0 || fail_setup "c1 in bridge"
		ip -n "$NS_M" link set s1 master br0 || fail_setup "s1 in bridge"
		ip -n "$NS_M" link set br0 up || fail_setup "br0 up"
		return
	fi
	ip netns exec "$NS_M" "$FINTRACK" -l 0-1 --no-huge --no-pci -m 512 --file-prefix "$PREFIX" \
		--vdev net_af_packet0,iface=c1 --vdev net_af_packet1,iface=s1 -- \
		--events "$EVENTS" --report "$WORK/report.json" "$@" \
		>"$WORK/fintrack.out" 2>"$WORK/fintrack.err" &
	FT_PID=$!
}

ft_alive() {
	[ -z "$FT_PID" ] || kill -0 "$FT_PID" 2>/dev/null
}

middle_log() {
	[ "$MIDDLE" = fintrack ] || return 0
	echo "--- fintrack stderr (last 20 lines)"
	tail -n 20 "$WORK/fintrack.err"
	echo "--- fintrack stdout (last 40 lines)"
	tail -n 40 "$WORK/fintrack.out"
}

middle_wait_ping() {   # TRIES PAUSE
	netns_wait_ping "$1" "$2" ft_alive
	case $? in
	0) return 0 ;;
	2)
		wait "$FT_PID"
		echo "FAIL: fintrack exited early with code $?"
		FT_PID=
		middle_log
		exit 1
		;;
	*)
		echo "FAIL: no ping from $NS_C to $SERVER_IP through the middle"
		middle_log
		exit 1
		;;
	esac
}

middle_kill() {
	if [ -n "$FT_PID" ] && kill -0 "$FT_PID" 2>/dev/null; then
		kill -INT "$FT_PID" 2>/dev/null
		wait_pid "$FT_PID" 10 || kill -KILL "$FT_PID" 2>/dev/null
		wait "$FT_PID" 2>/dev/null
	fi
	FT_PID=
}

middle_stop() {
	[ -n "$FT_PID" ] || return 0
	echo
	fintrack_stop
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
		middle_log
	fi
}

telemetry() {   # COMMAND...: one JSON line per command, in one session
	printf '%s\n' "$@" | timeout 10 dpdk-telemetry.py -f "$PREFIX" 2>/dev/null
}

ev_ctx_word() {   # the "ctx":N, of FT_CTX as events write it, or nothing
	[ -z "$FT_CTX" ] || printf '"ctx":%s,' "$FT_CTX"
}

ev_state() {   # EP PEER
	[ -f "$EVENTS" ] || { echo CLOSED; return; }
	awk -v ep="\"$1\"" -v peer="\"$2\"" -v cx="$(ev_ctx_word)" '
		cx != "" && !index($0, cx) { next }
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

ev_path() {    # EP PEER
	[ -f "$EVENTS" ] || return
	awk -v ep="\"$1\"" -v peer="\"$2\"" -v cx="$(ev_ctx_word)" '
		cx != "" && !index($0, cx) { next }
		index($0, "\"type\":\"state\"") && index($0, "\"ep\":" ep) &&
		index($0, "\"peer\":" peer) && match($0, /"to":"[A-Z_0-9]+"/) {
			printf "%s%s", sep, substr($0, RSTART + 6, RLENGTH - 7); sep = " "
		}
		END { print "" }' "$EVENTS"
}

ev_end() {     # CLIENT SERVER
	[ -f "$EVENTS" ] || return
	grep -F "\"type\":\"end\"" "$EVENTS" | grep -F "\"client\":\"$1\"" |
		grep -F "\"server\":\"$2\"" | grep -F "$(ev_ctx_word)" | tail -n 1
}

ev_lines() {   # EP PEER
	[ -f "$EVENTS" ] || return
	grep -F "\"$1\"" "$EVENTS" | grep -F "\"$2\""
}

ft_state() {
	ev_state "$@"
}

ft_path() {
	ev_path "$@"
}

ft_end() {
	ev_end "$@"
}

ft_events() {
	ev_lines "$@"
}
