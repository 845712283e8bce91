#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# The oracle harness: real Linux TCP endpoints in network namespaces, a Linux
# router in the middle with tcpdump on it, and 'ss' on each endpoint at settled
# moments. Each scenario's capture is then replayed through fintrack and, at
# every snapshot, fintrack's state of each endpoint must equal what 'ss' showed.
#
#   client ns                 middle ns (router, tcpdump, conntrack)          server ns
#   c0 198.18.1.1/24 ==veth== c1 198.18.1.254   s1 198.18.2.254 ==veth== s0 198.18.2.1/24
#
# Impairments are made at the sender's own egress (nftables output rules in the
# sending namespace; a tbf qdisc to queue packets), so that every packet the
# middle sees really reaches its receiver. conntrack in the middle namespace is
# read at every snapshot too (docs/CONNTRACK.md).
#
# Usage (as root): scripts/oracle.sh [--record DIR] [--only NAME[,NAME...]] [--keep]
#                                    [--list] [--conntrack-md FILE] [--no-build]
#   --record DIR        write each scenario's capture and case JSON into DIR
#                       (tests/oracle/cases/ holds the committed ones)
#   --only NAMES        run these scenarios only
#   --keep              keep the work directory
#   --conntrack-md FILE write the ss / fintrack / conntrack table of every snapshot
#   --no-build          use the binaries already in the build directory as they are
# Environment: FT_ORACLE_BUILD (build directory, default build-oracle),
# FT_ORACLE_SETTLE (seconds before each snapshot, default 0.4).
#
# Exit: 0 every scenario agrees and ran as designed, 1 otherwise, 77 not root.

# functions called only through traps or indirectly
# shellcheck disable=SC2317

set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The scripts' prologue: usage.
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
# Endpoint drivers shared with the live test: say, wait_pid, ep_*.
# shellcheck source=tests/live/ft_endpoints.sh
. "$ROOT/tests/live/ft_endpoints.sh"
# The namespaces and ss, shared with the live test too: fail_setup, netns_*, ss_state.
# shellcheck source=tests/live/ft_netns.sh
. "$ROOT/tests/live/ft_netns.sh"
BUILD=${FT_ORACLE_BUILD:-$ROOT/build-oracle}
SETTLE=${FT_ORACLE_SETTLE:-0.4}
CLIENT_IP=198.18.1.1
SERVER_IP=198.18.2.1
NS_C=fto_cli_$$
NS_M=fto_mid_$$
NS_S=fto_srv_$$
WATCHDOG=120
SNAPLEN=1600

RECORD=
ONLY=
KEEP=0
CT_MD=
LIST=0
NO_BUILD=0
ALL_SCENARIOS=(client_first server_first crossing_fins fin_wait1_held last_ack_held
	rst_established rst_into_fin_wait1 rst_into_fin_wait2 orphan_data_rst
	rst_into_last_ack rst_into_closing rst_into_time_wait half_close_data fin_with_data reuse_client_time_wait
	reuse_server_time_wait fin_wait2_timeout)

while [ $# -gt 0 ]; do
	case $1 in
	--record) RECORD=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--conntrack-md) CT_MD=$2; shift 2 ;;
	--list) LIST=1; shift ;;
	--no-build) NO_BUILD=1; shift ;;
	-h|--help) usage 0 ;;
	*) echo "unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
if [ "$LIST" = 1 ]; then
	printf '%s\n' "${ALL_SCENARIOS[@]}"
	exit 0
fi
for name in ${ONLY//,/ }; do
	if [[ " ${ALL_SCENARIOS[*]} " != *" $name "* ]]; then
		echo "unknown scenario '$name' (see --list)" >&2
		exit 2
	fi
done

[ "$(id -u)" = 0 ] || { echo "SKIP: the oracle harness needs root"; exit 77; }

# --- what it needs -------------------------------------------------------------

"$ROOT/scripts/install-deps.sh" >/dev/null || { echo "FAIL: install-deps.sh"; exit 1; }
need=()
for p in nftables conntrack tcpdump jq iproute2 ethtool; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]}"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${need[@]}" >/dev/null || { echo "FAIL: apt-get install ${need[*]}"; exit 1; }
fi
FINTRACK=$BUILD/app/fintrack
SCENARIO=$BUILD/tests/live/ft-tcp-scenario
if [ "$NO_BUILD" = 0 ]; then
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" "$ROOT" >/dev/null || { echo "FAIL: meson setup $BUILD"; exit 1; }
	fi
	ninja -C "$BUILD" app/fintrack tests/live/ft-tcp-scenario >/dev/null ||
		{ echo "FAIL: build in $BUILD"; exit 1; }
fi
if [ ! -x "$FINTRACK" ] || [ ! -x "$SCENARIO" ]; then
	echo "FAIL: no $FINTRACK or $SCENARIO"
	exit 1
fi
CHECK=$ROOT/tests/oracle/oracle_check.sh

WORK=$(mktemp -d "/tmp/ft_oracle_$$.XXXXXX") || exit 1
PIDS=()
TCPDUMP_PID=
declare -A IN_FD OUT_FD EP_PID
declare -a SUMMARY
FAILS=0

# --- cleanup: only what this run made --------------------------------------------

cleanup() {
	local rc=$?

	trap - EXIT INT TERM HUP
	if [ -n "$TCPDUMP_PID" ]; then
		kill -INT "$TCPDUMP_PID" 2>/dev/null
		wait_pid "$TCPDUMP_PID" 3 || kill -KILL "$TCPDUMP_PID" 2>/dev/null
	fi
	netns_stop_pids
	netns_delete
	netns_work_done "$KEEP"
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 1' INT TERM HUP

# --- topology --------------------------------------------------------------------

say "topology: $NS_C -- $NS_M (router, tcpdump, conntrack) -- $NS_S; kernel $(uname -r)"
netns_topology
netns_addresses
netns_router 198.18.1.254 198.18.2.254
# a ruleset using ct makes the middle track connections; it drops nothing
ip netns exec "$NS_M" nft -f - <<'NFT' || fail_setup "nft in the middle"
table ip fto_mid {
	chain track {
		type filter hook forward priority 0; policy accept;
		ct state invalid counter
		ct state new,established,related counter
	}
}
NFT
for ns in "$NS_C" "$NS_S"; do
	ip netns exec "$ns" nft -f - <<'NFT' || fail_setup "nft in $ns"
table inet fto_hold {
	chain hold_out {
		type filter hook output priority 0; policy accept;
	}
}
NFT
done
netns_fin_timeout 60
netns_wait_ping 20 0.2 || fail_setup "no ping from client to server through the middle"

# --- the three views of a state: ss_state (ft_netns.sh), conntrack's, fintrack's ------

ct_state() {   # the middle's conntrack entry of this scenario's tuple: STATE [ASSURED]
	local out

	out=$(ip netns exec "$NS_M" conntrack -L -p tcp -s "$CLIENT_IP" -d "$SERVER_IP" \
		--sport "$CPORT" --dport "$SPORT" 2>/dev/null | head -n 1)
	[ -n "$out" ] || { echo "none"; return; }
	awk '{ s = $4
	       for (i = 5; i <= NF; i++) {
		       if ($i == "[ASSURED]") s = s " ASSURED"
		       if ($i == "[UNREPLIED]") s = s " UNREPLIED"
	       }
	       print s }' <<<"$out"
}

# --- endpoints: ft-tcp-scenario processes driven through FIFOs ------------------------

SC_NAME=
SC_BAD=0

fail() {
	echo "  FAIL [$SC_NAME] $*"
	SC_BAD=1
}

# --- impairments at the sender's own egress -------------------------------------------

hold() {       # client|server NFT-MATCH: drop what matches in that host's output
	local ns=$NS_C

	[ "$1" = server ] && ns=$NS_S
	ip netns exec "$ns" nft add rule inet fto_hold hold_out "$2" drop ||
		fail "nft rule '$2' in the $1"
}

release() {    # client|server|both
	[ "$1" = server ] || ip netns exec "$NS_C" nft flush chain inet fto_hold hold_out
	[ "$1" = client ] || ip netns exec "$NS_S" nft flush chain inet fto_hold hold_out
}

queue_on() {   # a slow token bucket on both hosts' egress, then 12 UDP datagrams in it
	if ! tc -n "$NS_C" qdisc add dev c0 root tbf rate 100kbit burst 3000 limit 200000 ||
	   ! tc -n "$NS_S" qdisc add dev s0 root tbf rate 100kbit burst 3000 limit 200000; then
		fail "tbf qdisc"
		return 1
	fi
	ep_send "$SC_C" "udp 12"
	ep_send "$SC_S" "udp 12"
	ep_reply "$SC_C" && ep_reply "$SC_S"
}

queue_off() {
	tc -n "$NS_C" qdisc del dev c0 root 2>/dev/null
	tc -n "$NS_S" qdisc del dev s0 root 2>/dev/null
	return 0
}

wait_ss() {    # client|server STATE SECONDS: until ss shows it (bounded)
	local tries=$(( $3 * 10 ))

	while [ "$tries" -gt 0 ]; do
		if [ "$1" = client ]; then
			[ "$(ss_state "$NS_C" "$CEP" "$SEP")" != "$2" ] || return 0
		else
			[ "$(ss_state "$NS_S" "$SEP" "$CEP")" != "$2" ] || return 0
		fi
		tries=$((tries - 1))
		sleep 0.1
	done
	fail "$1 never reached $2 in $3 s"
	return 1
}

# --- snapshots ---------------------------------------------------------------------

# snap LABEL EXPECT_CLIENT EXPECT_SERVER [held] [nosettle]
#   'held': the sender is holding packets back right now, so the middle cannot know
#   this state; it is recorded and printed, not compared.
snap() {
	local label=$1 exp_c=$2 exp_s=$3 compare=true t ssc sss ct

	shift 3
	case " $* " in *" held "*) compare=false ;; esac
	case " $* " in *" nosettle "*) ;; *) sleep "$SETTLE" ;; esac
	t=$(date +%s.%N)
	ssc=$(ss_state "$NS_C" "$CEP" "$SEP")
	sss=$(ss_state "$NS_S" "$SEP" "$CEP")
	ct=$(ct_state)
	printf '  snapshot %-44s client %-11s server %-11s conntrack %s%s\n' "$label" "$ssc" \
		"$sss" "$ct" "$([ "$compare" = true ] || echo '  (held)')"
	if [ "$ssc" != "$exp_c" ] || [ "$sss" != "$exp_s" ]; then
		fail "'$label': Linux is not where the scenario should have brought it" \
			"(expected client $exp_c server $exp_s)"
	fi
	jq -cn --arg lbl "$label" --arg t "$t" --argjson compare "$compare" --arg c "$ssc" \
		--arg s "$sss" --arg ct "$ct" \
		'{"label": $lbl, "t": $t, "compare": $compare, "client": $c, "server": $s,
		  "conntrack": $ct}' >>"$WORK/$SC_NAME.snaps" || fail "cannot record the snapshot"
	return 0
}

# --- scenario frame ----------------------------------------------------------------

# begin NAME N WHAT [FINTRACK_ARGS...]: capture, connect (client port 4110N, server 810N),
# exchange some data
begin() {
	local n=$2 line tries=50

	SC_NAME=$1
	SC_WHAT=$3
	shift 3
	SC_ARGS=("$@")
	SC_BAD=0
		SC_C=c$n
	SC_S=s$n
	CPORT=$((41100 + n))
	SPORT=$((8100 + n))
	CEP=$CLIENT_IP:$CPORT
	SEP=$SERVER_IP:$SPORT
	: >"$WORK/$SC_NAME.snaps"
	echo
	say "scenario $SC_NAME: $SC_WHAT"
	ip netns exec "$NS_M" tcpdump -i c1 -n -Z root -U --immediate-mode -s "$SNAPLEN" -w "$WORK/$SC_NAME.pcap" \
		"tcp and host $CLIENT_IP and host $SERVER_IP and port $CPORT and port $SPORT" \
		2>"$WORK/$SC_NAME.tcpdump" &
	TCPDUMP_PID=$!
	while ! grep -q "listening on" "$WORK/$SC_NAME.tcpdump" 2>/dev/null; do
		tries=$((tries - 1))
		if [ "$tries" -le 0 ] || ! kill -0 "$TCPDUMP_PID" 2>/dev/null; then
			fail "tcpdump did not start: $(cat "$WORK/$SC_NAME.tcpdump")"
			return 1
		fi
		sleep 0.1
	done
	ep_start "$SC_S" "$NS_S" server "$SERVER_IP" "$SPORT" || return 1
	ep_start "$SC_C" "$NS_C" client "$SERVER_IP" "$SPORT" "$CPORT" || return 1
	ep_send "$SC_S" accept
	ep_cmd "$SC_C" connect || return 1
	ep_reply "$SC_S" || return 1
	ep_cmd "$SC_C" "send 300" && ep_cmd "$SC_S" "recv 300" &&
		ep_cmd "$SC_S" "send 200" && ep_cmd "$SC_C" "recv 200" || return 1
	line=$(ip netns exec "$NS_C" ss -tanH "sport = :$CPORT" | head -n 1)
	[ -n "$line" ] || { fail "no connection in ss"; return 1; }
	snap "established" ESTABLISHED ESTABLISHED
}

# end: stop the capture, then the endpoints; replay and compare
finish() {
	local name=$SC_NAME verdict case_json=$WORK/$SC_NAME.json

	if [ -n "$TCPDUMP_PID" ]; then
		sleep 0.1
		kill -INT "$TCPDUMP_PID" 2>/dev/null
		wait_pid "$TCPDUMP_PID" 5 || kill -KILL "$TCPDUMP_PID" 2>/dev/null
		wait "$TCPDUMP_PID" 2>/dev/null
		TCPDUMP_PID=
	fi
	for ep in "${!EP_PID[@]}"; do
		ep_stop "$ep"
	done
	release both
	queue_off
	jq -s --arg name "$name" --arg what "$SC_WHAT" --arg c "$CEP" --arg s "$SEP" \
		--arg kernel "$(uname -r)" --arg fa "${SC_ARGS[*]}" \
		'{name: $name, what: $what, kernel: $kernel, client: $c, server: $s,
		  fintrack_args: ($fa | split(" ") | map(select(. != ""))), snapshots: .}' \
		<"$WORK/$name.snaps" >"$case_json" || fail "cannot write $case_json"
	if [ -s "$WORK/$name.pcap" ] && [ -s "$case_json" ]; then
		if FINTRACK=$FINTRACK FT_ORACLE_EVENTS=$WORK/$name.events FT_ORACLE_TSV=$WORK/$name.tsv \
				"$CHECK" "$case_json" "$WORK/$name.pcap" >"$WORK/$name.check"; then
			verdict=agree
		else
			verdict=DISAGREE
		fi
		sed 's/^/  /' "$WORK/$name.check"
	else
		verdict=DISAGREE
		fail "no capture or no case file"
	fi
	if [ "$verdict" = agree ] && [ "$SC_BAD" != 0 ]; then
		verdict="NOT-AS-DESIGNED"
	fi
	[ "$verdict" = agree ] || FAILS=$((FAILS + 1))
	SUMMARY+=("$(printf '%-16s %-24s %s' "$verdict" "$name" "$SC_WHAT")")
	if [ -n "$RECORD" ] && [ "$verdict" = agree ]; then
		if ! mkdir -p "$RECORD" || ! cp "$WORK/$name.pcap" "$case_json" "$RECORD/"; then
			fail "cannot record into $RECORD"
		fi
	fi
	if [ -n "$CT_MD" ]; then
		{
			echo
			echo "### $name"
			echo
			echo "$SC_WHAT"
			echo
			echo "| snapshot | client ss | client fintrack | server ss | server fintrack | conntrack (middle) | compared |"
			echo "|---|---|---|---|---|---|---|"
			awk -F '\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7,
				($1 == "held" ? "no (held at the sender)" : $1) }' "$WORK/$name.tsv"
		} >>"$WORK/conntrack.md"
	fi
}

# --- the scenarios -------------------------------------------------------------------

sc_client_first() {
	begin client_first 1 "the client closes first, then the server" || return
	ep_cmd "$SC_C" close || return
	snap "client closed" FIN_WAIT2 CLOSE_WAIT
	ep_cmd "$SC_S" eof && ep_cmd "$SC_S" close || return
	snap "server closed" TIME_WAIT CLOSED
}

sc_server_first() {
	begin server_first 2 "the server closes first, then the client" || return
	ep_cmd "$SC_S" close || return
	snap "server closed" CLOSE_WAIT FIN_WAIT2
	ep_cmd "$SC_C" eof && ep_cmd "$SC_C" close || return
	snap "client closed" CLOSED TIME_WAIT
}

# Both FINs are dropped at their senders until both ends are in FIN_WAIT1; then both
# hosts' egress gets a slow queue already holding 1.4 s of UDP, and the drops go. Each
# retransmitted FIN leaves its host long before the other arrives: they cross.
# Both ends shut down at the same instant while each holds its own FIN back,
# then a queue fills both egresses so that the FINs, once released, cross.
fins_held_both_shut() {
	local t

	hold client "tcp sport $CPORT tcp dport $SPORT tcp flags & fin == fin"
	hold server "tcp sport $SPORT tcp dport $CPORT tcp flags & fin == fin"
	t=$(( $(date +%s%N) + 200000000 ))
	ep_send "$SC_C" "at $t shutdown"
	ep_send "$SC_S" "at $t shutdown"
	ep_reply "$SC_C" && ep_reply "$SC_S" || return
	snap "both shut down, both FINs held" FIN_WAIT1 FIN_WAIT1 held
	queue_on
}

sc_crossing_fins() {
	begin crossing_fins 3 "crossing FINs: both FINs held at their senders, then released together" || return
	fins_held_both_shut || return
	release both
	wait_ss client TIME_WAIT 10 && wait_ss server TIME_WAIT 10
	queue_off
	snap "FINs released: they crossed" TIME_WAIT TIME_WAIT
}

sc_fin_wait1_held() {
	begin fin_wait1_held 4 "FIN retransmitted while the server's ACKs are dropped" || return
	hold server "tcp sport $SPORT tcp dport $CPORT"
	ep_cmd "$SC_C" close || return
	sleep 1.2
	snap "client FIN resent, server ACKs dropped" FIN_WAIT1 CLOSE_WAIT
	release server
	wait_ss client FIN_WAIT2 10
	snap "ACK let through" FIN_WAIT2 CLOSE_WAIT
	ep_cmd "$SC_S" close || return
	snap "server closed" TIME_WAIT CLOSED
}

sc_last_ack_held() {
	begin last_ack_held 5 "the final ACK dropped: the server stays in LAST_ACK" || return
	ep_cmd "$SC_C" close || return
	snap "client closed" FIN_WAIT2 CLOSE_WAIT
	hold client "tcp sport $CPORT tcp dport $SPORT"
	ep_cmd "$SC_S" close || return
	sleep 1.2
	snap "server FIN resent, final ACKs dropped" TIME_WAIT LAST_ACK
	release client
	wait_ss server CLOSED 10
	snap "final ACK let through" TIME_WAIT CLOSED
}

sc_rst_established() {
	begin rst_established 6 "the client resets (SO_LINGER 0) in ESTABLISHED" || return
	ep_cmd "$SC_C" linger0 && ep_cmd "$SC_C" close || return
	snap "client reset" CLOSED CLOSED
}

sc_rst_into_fin_wait1() {
	begin rst_into_fin_wait1 7 "RST into FIN_WAIT1 (the server's ACKs dropped, then it resets)" || return
	hold server "tcp sport $SPORT tcp dport $CPORT tcp flags & rst == 0"
	ep_cmd "$SC_C" close || return
	sleep 0.8
	snap "client FIN resent, server ACKs dropped" FIN_WAIT1 CLOSE_WAIT
	ep_cmd "$SC_S" linger0 && ep_cmd "$SC_S" close || return
	snap "server reset from CLOSE_WAIT" CLOSED CLOSED
	release server
}

sc_rst_into_fin_wait2() {
	begin rst_into_fin_wait2 8 "RST into FIN_WAIT2 (the server resets from CLOSE_WAIT)" || return
	ep_cmd "$SC_C" close || return
	snap "client closed" FIN_WAIT2 CLOSE_WAIT
	ep_cmd "$SC_S" linger0 && ep_cmd "$SC_S" close || return
	snap "server reset" CLOSED CLOSED
}

sc_orphan_data_rst() {
	begin orphan_data_rst 9 "data to an orphaned FIN_WAIT2 socket is answered by RST (RST into CLOSE_WAIT)" || return
	ep_cmd "$SC_C" close || return
	snap "client closed" FIN_WAIT2 CLOSE_WAIT
	ep_cmd "$SC_S" "send 100" || return
	snap "server sent data, client reset" CLOSED CLOSED
}

sc_rst_into_last_ack() {
	begin rst_into_last_ack 10 "RST into LAST_ACK: data and FIN in one segment to an orphaned socket" || return
	ep_cmd "$SC_C" close || return
	snap "client closed" FIN_WAIT2 CLOSE_WAIT
	ep_cmd "$SC_S" cork && ep_cmd "$SC_S" "send 100" && ep_cmd "$SC_S" close || return
	snap "server data+FIN, client reset" CLOSED CLOSED
}

# As crossing_fins, but every segment without FIN or RST is dropped at both senders, so
# that after the crossing both ends stay in CLOSING until the next FIN retransmission;
# in that window the client closes with unread data, which Linux answers with an RST.
sc_rst_into_closing() {
	begin rst_into_closing 16 "RST into CLOSING: crossed FINs, ACKs dropped, then the client aborts" || return
	ep_cmd "$SC_S" "send 50" || return
	hold client "tcp sport $CPORT tcp dport $SPORT tcp flags & (fin | rst) == 0"
	hold server "tcp sport $SPORT tcp dport $CPORT tcp flags & (fin | rst) == 0"
	fins_held_both_shut || return
	# let FINs through again; segments without FIN or RST stay dropped
	ip netns exec "$NS_C" nft flush chain inet fto_hold hold_out
	ip netns exec "$NS_S" nft flush chain inet fto_hold hold_out
	hold client "tcp sport $CPORT tcp dport $SPORT tcp flags & (fin | rst) == 0"
	hold server "tcp sport $SPORT tcp dport $CPORT tcp flags & (fin | rst) == 0"
	wait_ss client CLOSING 5 && wait_ss server CLOSING 5 || return
	queue_off
	sleep 0.1
	snap "FINs crossed, their ACKs dropped" CLOSING CLOSING nosettle
	ep_cmd "$SC_C" close || return
	snap "client closed with unread data: RST" CLOSED CLOSED nosettle
	release both
}

# The server half-closes (shutdown) in CLOSE_WAIT with the client's last data unread, and
# the client's final ACKs are dropped: client TIME_WAIT, server LAST_ACK. Then the server
# closes its socket: unread data makes Linux send an RST, which ends the client's TIME_WAIT.
sc_rst_into_time_wait() {
	begin rst_into_time_wait 17 "RST into TIME_WAIT: the LAST_ACK end aborts with data unread" || return
	ep_cmd "$SC_C" "send 50" || return
	ep_cmd "$SC_C" close || return
	snap "client closed" FIN_WAIT2 CLOSE_WAIT
	hold client "tcp sport $CPORT tcp dport $SPORT tcp flags & rst == 0"
	ep_cmd "$SC_S" shutdown || return
	snap "server FIN, final ACKs dropped" TIME_WAIT LAST_ACK
	ep_cmd "$SC_S" close || return
	snap "server closed with unread data: RST" CLOSED CLOSED
	release client
}

sc_half_close_data() {
	begin half_close_data 11 "half-close: the server sends data after the client's FIN" || return
	ep_cmd "$SC_C" shutdown && ep_cmd "$SC_C" drain || return
	ep_cmd "$SC_S" "stream 1000 100 100" || return
	snap "data after the client's FIN" FIN_WAIT2 CLOSE_WAIT
	ep_stream_close "$SC_S" "$SC_C" || return
	[ "$EP_SENT" = "$EP_RECEIVED" ] || fail "client read $EP_RECEIVED bytes of $EP_SENT"
	snap "server closed" TIME_WAIT CLOSED
	ep_cmd "$SC_C" close || return
	snap "client closed its socket too" TIME_WAIT CLOSED
}

sc_fin_with_data() {
	begin fin_with_data 12 "the server's FIN carries data (corked send, then close)" || return
	ep_cmd "$SC_S" cork && ep_cmd "$SC_S" "send 500" && ep_cmd "$SC_S" close || return
	snap "server data+FIN" CLOSE_WAIT FIN_WAIT2
	ep_cmd "$SC_C" eof && ep_cmd "$SC_C" close || return
	snap "client closed" CLOSED TIME_WAIT
}

# a second connection on the same tuple: a new server process listens on the same port,
# the client connects again from the same port
reconnect() {
	ep_stop "$SC_S"
	ep_start "$SC_S" "$NS_S" server "$SERVER_IP" "$SPORT" || return 1
	ep_send "$SC_S" accept
	ep_cmd "$SC_C" connect || return 1
	ep_reply "$SC_S" || return 1
	ep_cmd "$SC_C" "send 100" && ep_cmd "$SC_S" "recv 100"
}

sc_reuse_client_time_wait() {
	begin reuse_client_time_wait 13 "port reuse: the client connects again from its TIME_WAIT port" || return
	ep_cmd "$SC_C" close || return
	ep_cmd "$SC_S" eof && ep_cmd "$SC_S" close || return
	snap "first connection closed" TIME_WAIT CLOSED
	sleep 1
	reconnect || return
	snap "second connection on the same tuple" ESTABLISHED ESTABLISHED
	ep_cmd "$SC_C" close || return
	ep_cmd "$SC_S" eof && ep_cmd "$SC_S" close || return
	snap "second connection closed" TIME_WAIT CLOSED
}

sc_reuse_server_time_wait() {
	begin reuse_server_time_wait 14 "port reuse: a SYN on the tuple the server holds in TIME_WAIT" || return
	ep_cmd "$SC_S" close || return
	ep_cmd "$SC_C" eof && ep_cmd "$SC_C" close || return
	snap "first connection closed" CLOSED TIME_WAIT
	sleep 1
	reconnect || return
	snap "second connection on the same tuple" ESTABLISHED ESTABLISHED
	ep_cmd "$SC_S" close || return
	ep_cmd "$SC_C" eof && ep_cmd "$SC_C" close || return
	snap "second connection closed" CLOSED TIME_WAIT
}

FIN_TIMEOUT=5
sc_fin_wait2_timeout() {
	local t0

	ip netns exec "$NS_C" sysctl -qw net.ipv4.tcp_fin_timeout="$FIN_TIMEOUT"
	begin fin_wait2_timeout 15 "the client's orphaned FIN_WAIT2 times out (tcp_fin_timeout $FIN_TIMEOUT)" \
		--timeout FIN_WAIT2="$FIN_TIMEOUT" || return
	t0=$(date +%s%N)
	ep_cmd "$SC_C" close || return
	snap "client closed" FIN_WAIT2 CLOSE_WAIT
	sleep "$(awk -v t0="$t0" -v now="$(date +%s%N)" -v w=$((FIN_TIMEOUT + 2)) \
		'BEGIN { d = w - (now - t0) / 1e9; printf "%.3f", (d > 0 ? d : 0) }')"
	snap "$((FIN_TIMEOUT + 2)) s after the client's close" CLOSED CLOSE_WAIT nosettle
}

for sc in "${ALL_SCENARIOS[@]}"; do
	if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$sc,"* ]]; then
		continue
	fi
	"sc_$sc"
	finish
	[ "$sc" != fin_wait2_timeout ] ||
		ip netns exec "$NS_C" sysctl -qw net.ipv4.tcp_fin_timeout=60
done

if [ -n "$CT_MD" ]; then
	cp "$WORK/conntrack.md" "$CT_MD" || echo "cannot write $CT_MD"
fi
echo
echo "=== oracle: fintrack vs ss per scenario (kernel $(uname -r))"
for line in "${SUMMARY[@]}"; do
	echo "  $line"
done
if [ "$FAILS" != 0 ]; then
	echo "FAIL: $FAILS scenario(s) disagree or did not run as designed"
	exit 1
fi
echo "PASS: fintrack agrees with ss on all ${#SUMMARY[@]} scenarios"
exit 0
