# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# The scenario driver of the namespace tests (tests/live/netns_ss.sh,
# netns_ss_vxlan.sh and netns_ss_gwlb.sh): real TCP connections between ft-tcp-scenario
# endpoints (tests/live/ft_endpoints.sh), brought through their closes, and at
# every settled moment each endpoint's state in 'ss' (ss_state,
# tests/live/ft_netns.sh) set against fintrack's state for it and against the
# state the scenario is meant to bring Linux to.
#
# Sourced, not run, after ft_endpoints.sh and ft_netns.sh. The sourcing script
# provides NS_C and NS_S (where the endpoints live), SERVER_IP (the address the
# clients connect to), SETTLE (seconds before each comparison), FIN_TIMEOUT
# (tcp_fin_timeout of the ends = fintrack's FIN_WAIT2 timeout), FT_COMPARE
# (1: fintrack's states are compared with ss; 0: ss against the scenario
# only), FAILS and the array SUMMARY, and these functions:
#
#   ft_alive               0 while the middle still runs
#   ft_state EP PEER       fintrack's state of endpoint EP (IP:PORT) of the
#                          connection with PEER, in the current context
#   ft_events EP PEER      what fintrack says about that connection, shown
#                          when a comparison fails
#   ft_path EP PEER        the states fintrack took EP through (crossing_check)
#   ft_end CLIENT SERVER   fintrack's end record of the flow (scenario_rst)
#   ft_observe             optional: called once per check, before ft_state
#
#   fail TEXT              the current scenario fails (SC_BAD=1)
#   check LABEL EXP_C EXP_S [nosettle]
#                          compare ss and fintrack for CEP and SEP, the client
#                          in SC_NS_C and the server in SC_NS_S; EXP '*' =
#                          whatever Linux says
#   connect_pair C S NS_C NS_S SPORT CPORT
#                          endpoints C (client, port CPORT, in NS_C) and S
#                          (server, port SPORT, in NS_S) connected, with data
#                          both ways (CONNECT_SEND_C bytes from the client,
#                          CONNECT_SEND_S from the server, 3000 and 2000 if
#                          unset); CEP and SEP say who they are
#   scenario_begin NAME N  a scenario on endpoints cN (port 4000N, in NS_C) and
#                          sN (port 808N, in NS_S), connected
#   scenario_end           stop cN and sN, count the verdict into SUMMARY/FAILS
#   scenario_client_first, scenario_server_first, scenario_simultaneous,
#   scenario_crossing, scenario_rst, scenario_half_close,
#   scenario_close_wait_leak
#                          the scenarios (each on its own N)

# shellcheck shell=bash
# shellcheck disable=SC2154 # NS_C, NS_S, SERVER_IP, SETTLE, FIN_TIMEOUT, FT_COMPARE come from the sourcing script
# shellcheck disable=SC2034 # SC_* and CEP/SEP are read by the sourcing script too

SC_NAME=
SC_BAD=0
SC_SKIPPED=0
SC_NS_C=
SC_NS_S=
CEP=
SEP=

ok_word() {
	if [ "$FT_COMPARE" = 1 ]; then
		echo "agree    "
	else
		echo "as meant "
	fi
}

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
	ss_c=$(ss_state "$SC_NS_C" "$CEP" "$SEP")
	ss_s=$(ss_state "$SC_NS_S" "$SEP" "$CEP")
	if [ "$FT_COMPARE" = 1 ]; then
		! declare -F ft_observe >/dev/null || ft_observe
		ft_c=$(ft_state "$CEP" "$SEP")
		ft_s=$(ft_state "$SEP" "$CEP")
	else
		ft_c=-
		ft_s=-
	fi
	printf '  %-28s client %-14s fintrack %-11s | server %-14s fintrack %-11s' \
		"$label" "ss=$ss_c" "$ft_c" "ss=$ss_s" "$ft_s"
	if [ "$FT_COMPARE" = 1 ] && [ "$ss_c" != "$ft_c" ]; then
		verdict=MISMATCH
	fi
	if [ "$FT_COMPARE" = 1 ] && [ "$ss_s" != "$ft_s" ]; then
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
		if [ "$FT_COMPARE" = 1 ]; then
			echo "    what fintrack says of this flow:"
			ft_events "$CEP" "$SEP" | sed 's/^/      /'
		fi
	fi
	return 0
}

# connect_pair C S NS_C NS_S SPORT CPORT: C connected to S, some data both ways, CEP and SEP set
connect_pair() {
	local c=$1 s=$2

	SC_NS_C=$3
	SC_NS_S=$4
	ep_start "$s" "$SC_NS_S" server "$SERVER_IP" "$5" || return 1
	ep_start "$c" "$SC_NS_C" client "$SERVER_IP" "$5" "$6" || return 1
	ep_send "$s" accept
	ep_cmd "$c" connect || return 1
	read -r _ CEP _ <<<"$REPLY_LINE"
	ep_reply "$s" || return 1
	read -r _ SEP _ <<<"$REPLY_LINE"
	echo "  connection: client $CEP  server $SEP"
	# some data both ways before any closing (CONNECT_SEND_C and _S bytes, if set)
	ep_cmd "$c" "send ${CONNECT_SEND_C:-3000}" && ep_cmd "$s" "recv ${CONNECT_SEND_C:-3000}" &&
		ep_cmd "$s" "send ${CONNECT_SEND_S:-2000}" &&
		ep_cmd "$c" "recv ${CONNECT_SEND_S:-2000}"
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
	connect_pair "$SC_C" "$SC_S" "$NS_C" "$NS_S" "808$n" "4000$n"
}

scenario_end() {
	ep_stop "$SC_C"
	ep_stop "$SC_S"
	if [ "$SC_SKIPPED" = 1 ]; then
		SUMMARY+=("skipped   $SC_NAME")
	elif [ "$SC_BAD" = 0 ]; then
		SUMMARY+=("$(ok_word) $SC_NAME")
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

	[ "$FT_COMPARE" = 1 ] || return 0
	pc=$(ft_path "$CEP" "$SEP")
	ps=$(ft_path "$SEP" "$CEP")
	echo "  fintrack path: client: $pc"
	echo "                 server: $ps"
	if [ "$(ss_state "$SC_NS_C" "$CEP" "$SEP")" = TIME_WAIT ] &&
	   [ "$(ss_state "$SC_NS_S" "$SEP" "$CEP")" = TIME_WAIT ]; then
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
	if [ "$FT_COMPARE" = 1 ]; then
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
