# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Real TCP endpoints for the namespace tests (tests/live/netns_ss.sh, and the
# oracle harness scripts/oracle.sh): each endpoint is an ft-tcp-scenario
# process in a network namespace, driven line by line through two FIFOs.
# Sourced, not run. The sourcing script provides WORK (a directory), SCENARIO
# (the ft-tcp-scenario binary), WATCHDOG (seconds every endpoint lives at
# most), the arrays PIDS, and declare -A EP_PID IN_FD OUT_FD, and fail MESSAGE.
#
#   say TEXT               a line with the time
#   wait_pid PID SECONDS   wait (bounded) for a child to end; 0 if it did
#   ep_start NAME NS ARGS  start an endpoint and wait for its "ready"
#   ep_send NAME COMMAND   send a command without waiting
#   ep_reply NAME [SECS]   the answer to the last command, in REPLY_LINE
#   ep_cmd NAME COMMAND [SECS]   send and wait for "ok"
#   ep_stop NAME           let it quit, then close our FIFO ends
#   ep_stream_close SERVER CLIENT
#                          after "stream" on SERVER: wait for the stream to end,
#                          close SERVER, and let CLIENT read to the end; the bytes
#                          in EP_SENT and EP_RECEIVED, CLIENT's answer in REPLY_LINE

# shellcheck shell=bash
# shellcheck disable=SC2154 # WORK, SCENARIO, WATCHDOG come from the sourcing script

say() {
	echo "$(date +%T.%3N) $*"
}

wait_pid() {   # PID SECONDS: wait for a child to end; 0 if it did
	local pid=$1 tries=$(( $2 * 10 ))

	while kill -0 "$pid" 2>/dev/null; do
		[ "$tries" -gt 0 ] || return 1
		tries=$((tries - 1))
		sleep 0.1
	done
	return 0
}

# fintrack_stop: stop the fintrack of FT_PID with SIGINT, as an operator does; one that
# takes over 15 s to stop or exits other than 0 is a failure (FAILS). Clears FT_PID.
fintrack_stop() {
	local rc

	if kill -0 "$FT_PID" 2>/dev/null; then
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
}

ep_start() {   # NAME NS ARGS...
	local name=$1 ns=$2 fd line
	shift 2

	mkfifo "$WORK/$name.in" "$WORK/$name.out" || return 1
	ip netns exec "$ns" "$SCENARIO" -w "$WATCHDOG" "$@" \
		<"$WORK/$name.in" >"$WORK/$name.out" 2>>"$WORK/$name.err" &
	EP_PID["$name"]=$!
	PIDS+=($!)
	# read-write opens never block, whatever the order the two sides open in
	exec {fd}<>"$WORK/$name.in" || return 1
	IN_FD["$name"]=$fd
	exec {fd}<>"$WORK/$name.out" || return 1
	OUT_FD["$name"]=$fd
	if ! read -r -t 5 line <&"${OUT_FD[$name]}" || [ "$line" != ready ]; then
		fail "$name did not start: '${line:-}' $(cat "$WORK/$name.err" 2>/dev/null)"
		return 1
	fi
}

ep_send() {    # NAME COMMAND: send without waiting for the answer
	echo "$2" >&"${IN_FD[$1]}"
}

ep_reply() {   # NAME [SECONDS]: the answer to the last command, in REPLY_LINE
	REPLY_LINE=
	if ! read -r -t "${2:-10}" REPLY_LINE <&"${OUT_FD[$1]}"; then
		fail "$1: no answer"
		return 1
	fi
	case "$REPLY_LINE" in
	ok*) return 0 ;;
	esac
	fail "$1: $REPLY_LINE"
	return 1
}

ep_cmd() {     # NAME COMMAND: run and wait for "ok"
	ep_send "$1" "$2" && ep_reply "$1" "${3:-10}"
}

ep_stream_close() {   # SERVER CLIENT: the stream ends, SERVER closes, CLIENT reads to the end
	ep_cmd "$1" join 5 || return 1
	EP_SENT=${REPLY_LINE#*sent=}
	EP_SENT=${EP_SENT%% *}
	ep_cmd "$1" close || return 1
	ep_cmd "$2" join 15 || return 1
	EP_RECEIVED=${REPLY_LINE#*received=}
	EP_RECEIVED=${EP_RECEIVED%% *}
}

ep_stop() {    # NAME: let it quit, then close our FIFO ends
	local name=$1 pid=${EP_PID[$1]:-} ifd ofd

	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		ep_send "$name" quit 2>/dev/null
		read -r -t 2 _ <&"${OUT_FD[$name]}"
		wait_pid "$pid" 3 || kill -TERM "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	ifd=${IN_FD[$name]}
	ofd=${OUT_FD[$name]}
	exec {ifd}>&- {ofd}>&-
	unset "EP_PID[$name]"
	rm -f "$WORK/$name.in" "$WORK/$name.out"
}
