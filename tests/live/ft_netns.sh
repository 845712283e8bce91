# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# The three network namespaces of the namespace tests (tests/live/netns_ss.sh,
# tests/live/netns_ss_vxlan.sh and the oracle harness scripts/oracle.sh), and
# what Linux says about an endpoint in them:
#
#   client ns (NS_C)          middle ns (NS_M)           server ns (NS_S)
#   c0 CLIENT_IP/24 ==veth== c1 [ ... ] s1 ==veth== s0 SERVER_IP/24
#
# Sourced, not run, after tests/live/ft_endpoints.sh (wait_pid). The sourcing
# script provides NS_C, NS_M and NS_S (names of namespaces this run owns),
# CLIENT_IP and SERVER_IP, WORK (a directory) and the array PIDS; and NS_MORE,
# the names of more namespaces it owns, if any (netns_add, netns_delete).
#
#   fail_setup TEXT         "FAIL: TEXT", exit 1
#   netns_add NS            a namespace with lo up and no IPv6
#   netns_topology          the namespaces (lo up, no IPv6) and both veth pairs up
#   netns_addresses         CLIENT_IP/24 on c0, SERVER_IP/24 on s0
#   netns_router CLIENT_GW SERVER_GW
#                           the middle routes between two subnets: CLIENT_GW/24 on c1,
#                           SERVER_GW/24 on s1, the ends' default routes through them,
#                           IPv4 forwarding on
#   netns_fin_timeout SECS [NS...]
#                           net.ipv4.tcp_fin_timeout in the client and server namespaces
#                           and in the namespaces NS
#   netns_vxlan NS UNDER DEV VNI PORT LOCAL REMOTE ADDR [INTO]
#                           a VXLAN device DEV (VNI, UDP port PORT, MTU 1450: 50 bytes
#                           of headers inside the 1500 of the veths) whose tunnel runs
#                           from LOCAL to REMOTE over the device UNDER of NS; the device
#                           itself, with ADDR/24, in NS or in the namespace INTO (the
#                           tunnel stays in NS)
#   netns_wait_ping TRIES PAUSE [GUARD]
#                           until the client pings the server: 0 when it does, 1 when
#                           TRIES pings failed, 2 as soon as the command GUARD (run
#                           before every ping) fails
#   netns_stop_pids         SIGTERM every process in PIDS, wait (bounded), SIGKILL the rest
#   netns_delete            delete the namespaces that exist
#   netns_work_done KEEP    remove WORK, or with KEEP = 1 say where it is
#   ss_state NS LOCAL PEER  the state 'ss' shows for the TCP socket LOCAL -> PEER
#                           (IP:PORT) in NS, in fintrack's names

# shellcheck shell=bash
# shellcheck disable=SC2154 # NS_C, NS_M, NS_S, CLIENT_IP, SERVER_IP, WORK, PIDS come from the sourcing script

fail_setup() {
	echo "FAIL: $*"
	exit 1
}

netns_add() {   # NS
	ip netns add "$1" || fail_setup "ip netns add $1"
	ip -n "$1" link set lo up || fail_setup "lo up in $1"
	# no IPv6 chatter (router solicitations, MLD) through the middle
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
}

netns_topology() {
	local ns spec dev

	for ns in "$NS_C" "$NS_S" "$NS_M"; do
		netns_add "$ns"
	done
	ip link add name c0 netns "$NS_C" type veth peer name c1 netns "$NS_M" ||
		fail_setup "veth c0/c1"
	ip link add name s0 netns "$NS_S" type veth peer name s1 netns "$NS_M" ||
		fail_setup "veth s0/s1"
	for spec in "$NS_C c0" "$NS_M c1" "$NS_S s0" "$NS_M s1"; do
		read -r ns dev <<<"$spec"
		# full checksums: without this the checksums of locally made packets are
		# never filled in; and no GRO: one frame (one capture record) per TCP segment
		ip netns exec "$ns" ethtool -K "$dev" tx off >/dev/null ||
			fail_setup "ethtool -K $dev tx off"
		ip netns exec "$ns" ethtool -K "$dev" gro off >/dev/null 2>&1
		ip -n "$ns" link set "$dev" mtu 1500 up || fail_setup "$dev up"
	done
}

netns_addresses() {
	ip -n "$NS_C" addr add "$CLIENT_IP/24" dev c0 || fail_setup "address on c0"
	ip -n "$NS_S" addr add "$SERVER_IP/24" dev s0 || fail_setup "address on s0"
}

netns_router() {   # CLIENT_GW SERVER_GW
	ip -n "$NS_M" addr add "$1/24" dev c1 || fail_setup "address on c1"
	ip -n "$NS_M" addr add "$2/24" dev s1 || fail_setup "address on s1"
	ip -n "$NS_C" route add default via "$1" || fail_setup "route in client"
	ip -n "$NS_S" route add default via "$2" || fail_setup "route in server"
	ip netns exec "$NS_M" sysctl -qw net.ipv4.ip_forward=1 || fail_setup "ip_forward"
}

netns_fin_timeout() {   # SECONDS [NS...]
	local secs=$1 ns

	shift
	for ns in "$NS_C" "$NS_S" "$@"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.tcp_fin_timeout="$secs" ||
			fail_setup "tcp_fin_timeout in $ns"
	done
}

netns_vxlan() {   # NS UNDER DEV VNI PORT LOCAL REMOTE ADDR [INTO]
	local into=${9:-$1}

	ip -n "$1" link add "$3" netns "$into" type vxlan id "$4" local "$6" remote "$7" \
		dstport "$5" dev "$2" || fail_setup "vxlan $3 (VNI $4, port $5) over $2 in $1"
	# checksums filled in before the tunnel, as on the veths (netns_topology)
	ip netns exec "$into" ethtool -K "$3" tx off >/dev/null 2>&1
	ip -n "$into" link set "$3" mtu 1450 up || fail_setup "$3 up in $into"
	ip -n "$into" addr add "$8/24" dev "$3" || fail_setup "address on $3 in $into"
}

netns_wait_ping() {   # TRIES PAUSE [GUARD]
	local tries=$1

	while [ "$tries" -gt 0 ]; do
		[ -z "${3:-}" ] || "$3" || return 2
		if ip netns exec "$NS_C" ping -c 1 -W 1 -q "$SERVER_IP" >/dev/null 2>&1; then
			return 0
		fi
		tries=$((tries - 1))
		sleep "$2"
	done
	return 1
}

netns_stop_pids() {
	local pid

	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait_pid "$pid" 3 || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
}

netns_delete() {
	local ns

	# shellcheck disable=SC2086 # NS_MORE: a list of names
	for ns in "$NS_C" "$NS_S" "$NS_M" ${NS_MORE:-}; do
		if ip netns list | grep -qw "$ns"; then
			ip netns delete "$ns" || echo "cleanup: cannot delete netns $ns"
		fi
	done
}

netns_work_done() {   # KEEP
	if [ "$1" = 1 ]; then
		echo "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}

# A socket that ss does not list is CLOSED, and so is one that it lists in
# TCP_CLOSE (UNCONN, or CLOSE): both the live test and the oracle compare
# these states with fintrack's, which has CLOSED for the endpoint then.
ss_state() {   # NS LOCAL PEER
	local s

	s=$(ip netns exec "$1" ss -tanH | awk -v l="$2" -v p="$3" \
		'$4 == l && $5 == p && $1 != "LISTEN" { print $1; exit }')
	case "$s" in
	""|CLOSE|UNCONN) echo CLOSED ;;
	ESTAB) echo ESTABLISHED ;;
	SYN-SENT) echo SYN_SENT ;;
	SYN-RECV) echo SYN_RECV ;;
	FIN-WAIT-1) echo FIN_WAIT1 ;;
	FIN-WAIT-2) echo FIN_WAIT2 ;;
	CLOSE-WAIT) echo CLOSE_WAIT ;;
	LAST-ACK) echo LAST_ACK ;;
	TIME-WAIT) echo TIME_WAIT ;;
	CLOSING) echo CLOSING ;;
	*) echo "?$s" ;;
	esac
}
