#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Live test of SIGHUP, as logrotate and "systemctl reload" use it. fintrack
# runs on net_af_packet over one end of a veth pair in a network namespace of
# this test's own (a net_null sink as the other port); ft-pcap-send plays
# generated connections into the other end. Each of them leaves its server in
# FIN_WAIT2 and its client in CLOSE_WAIT (the client never closes).
#
#   1. 20 connections with FIN_WAIT2 = 30 s in the config file.
#      Their clients pile up in CLOSE_WAIT ([diagnosis] CLOSE_WAIT = 20, min_age = 1).
#   2. The events file is moved away, FIN_WAIT2 = 1 and CLOSE_WAIT = 30 written in
#      the file, SIGHUP.
#   3. 20 more connections.
#
# Then: the new events land in a new file at the same path, the old file holds
# only what came before the signal; the new timeout is in force
# (/fintrack/config) and applies to timers set from then on (the second 20
# servers leave FIN_WAIT2 after 1 s, the first 20 are still in it); no flow
# was lost (40 tracked, in telemetry, the summary and the report). A config
# file with an error is refused on SIGHUP and the running configuration kept;
# a changed setting that is read at start only is named, not applied.
#
# Environment: FINTRACK, TRACEGEN, SENDER (ft-pcap-send). Exit 0 pass, 1 fail,
# 77 skip (not root, no 'ip netns', no dpdk-telemetry.py).

# The conditions given to wait_for are single-quoted on purpose: evaluated each time round.
# shellcheck disable=SC2016

set -u
ns=ft_hup_$$
prefix=ft_hup_$$
work=$(mktemp -d /tmp/ft-hup.XXXXXX)
pid=""

skip() {
	echo "SKIP: $*"
	exit 77
}

cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	ip netns delete "$ns" 2>/dev/null
	[ -n "${FT_KEEP:-}" ] || rm -rf "$work"; rm -rf "/var/run/dpdk/$prefix"
}

fail() {
	echo "FAIL: $*" >&2
	[ -f "$work/out" ] && tail -30 "$work/out" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || skip "needs root"
{ command -v ip >/dev/null && ip netns list >/dev/null 2>&1; } || skip "'ip netns' unavailable"
command -v dpdk-telemetry.py >/dev/null || skip "dpdk-telemetry.py missing"
trap cleanup EXIT

telemetry() {
	echo "$1" | timeout 10 dpdk-telemetry.py -f "$prefix" 2>/dev/null
}

# The number after "key": in a telemetry reply (the first one, or the one in "section").
num() {
	sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" | head -1
}

server_fw2() {
	telemetry /fintrack/summary | sed -n 's/.*"server": {[^}]*"FIN_WAIT2": \([0-9]*\).*/\1/p'
}

# wait_for SECONDS 'CONDITION': until the shell condition holds (evaluated anew each time), bounded.
wait_for() {
	local t=$1 i
	for ((i = 0; i < t * 10; i++)); do
		eval "$2" && return 0
		sleep 0.1
	done
	return 1
}

ip netns add "$ns" || fail "ip netns add"
ip -n "$ns" link add v0 type veth peer name v1 || fail "veth"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
{ ip -n "$ns" link set v0 up && ip -n "$ns" link set v1 up; } || fail "link up"

"$TRACEGEN" -o "$work/t1.pcap" -n 20 -s 1 --mix fin_wait2_timeout 2>/dev/null || fail "trace generator"
"$TRACEGEN" -o "$work/t2.pcap" -n 20 -s 2 --mix fin_wait2_timeout 2>/dev/null || fail "trace generator"
diag='[diagnosis]\nmin_age = 1\nCLOSE_WAIT = 20\n'
printf '[timeouts]\nFIN_WAIT2 = 30\n%b' "$diag" >"$work/fintrack.ini"

ip netns exec "$ns" "$FINTRACK" -l 0-1 --no-huge --no-pci -m 512 --file-prefix "$prefix" \
	--vdev net_af_packet0,iface=v1 --vdev net_null1,no-rx=1 --log-level=lib.eal:error -- \
	--config "$work/fintrack.ini" --events "$work/ev.jsonl" --report "$work/rep.json" \
	--stats-interval 0 --max-flows 4096 --max-flows-v6 0 --mbufs 4095 >"$work/out" 2>&1 &
pid=$!
wait_for 20 'grep -q "stop with SIGINT" "$work/out"' || fail "fintrack did not start"

# 1. Twenty connections; their servers sit in FIN_WAIT2 (30 s).
ip netns exec "$ns" "$SENDER" v0 "$work/t1.pcap" || fail "sending the first trace"
wait_for 10 '[ "$(server_fw2)" = 20 ]' || fail "first 20 servers not in FIN_WAIT2: $(server_fw2)"
wait_for 5 '[ "$(grep -c "\"to\":\"FIN_WAIT2\"" "$work/ev.jsonl")" -eq 20 ]' ||
	fail "the events file lacks the first FIN_WAIT2 events"
echo "ok: 20 connections, 20 servers in FIN_WAIT2"
# Their 20 clients pile up in CLOSE_WAIT: once they have sat there 1 s, a warning, and the
# diagnosis says so.
wait_for 15 'grep -q "20 client endpoints have sat in CLOSE_WAIT for 1 s or more (threshold 20): the application on this side does not call close()" "$work/out"' ||
	fail "no diagnosis warning for the CLOSE_WAIT pile"
telemetry /fintrack/diagnosis | grep -q '"CLOSE_WAIT": {"client_endpoints": 20, "server_endpoints": 0, "client_pile": 20, "server_pile": 0, "min_age_ms": 1000, "client_timed_out": 0, "server_timed_out": 0, "threshold": 20, "alert": "yes"' ||
	fail "/fintrack/diagnosis: $(telemetry /fintrack/diagnosis)"
echo "ok: the CLOSE_WAIT pile is diagnosed"

# 2. logrotate moves the file away; the timeout changes; SIGHUP.
mv "$work/ev.jsonl" "$work/ev.1"
diag='[diagnosis]\nmin_age = 1\nCLOSE_WAIT = 30\n'
printf '[timeouts]\nFIN_WAIT2 = 1\n%b' "$diag" >"$work/fintrack.ini"
hup_at=$(date +%s.%N)
kill -HUP "$pid" || fail "fintrack is gone"
wait_for 5 '[ -e "$work/ev.jsonl" ]' || fail "the events file was not opened again"
wait_for 5 'grep -q "SIGHUP: .* read again; now in force: \[timeouts\] FIN_WAIT2" "$work/out"' ||
	fail "no reload message"
telemetry /fintrack/config | grep -q '"FIN_WAIT2": "1"' || fail "/fintrack/config does not show FIN_WAIT2 = 1"
grep -q "now in force: \[timeouts\] FIN_WAIT2, \[diagnosis\] CLOSE_WAIT" "$work/out" ||
	fail "the new diagnosis threshold is not in force"
telemetry /fintrack/diagnosis | grep -q '"threshold": 30, "alert": "no"' ||
	fail "/fintrack/diagnosis does not use the new threshold"
wait_for 5 '[ "$(telemetry /fintrack/lcore,1 | num timeouts_generation)" = 1 ]' ||
	fail "the worker did not take up the new timeouts"
kill -0 "$pid" || fail "fintrack died on SIGHUP"
[ "$(telemetry /fintrack/summary | num flows)" = 20 ] || fail "flows lost on SIGHUP"
echo "ok: SIGHUP: events file reopened, FIN_WAIT2 = 1 in force, 20 flows kept"

# 3. Twenty more: their servers leave FIN_WAIT2 after 1 s, the first twenty stay.
ip netns exec "$ns" "$SENDER" v0 "$work/t2.pcap" || fail "sending the second trace"
wait_for 10 '[ "$(grep -c "\"from\":\"FIN_WAIT2\",\"to\":\"CLOSED\",\"cause\":\"timeout\"" \
	"$work/ev.jsonl")" -eq 20 ]' || fail "the second 20 servers did not time out of FIN_WAIT2"
[ "$(server_fw2)" = 20 ] || fail "$(server_fw2) servers in FIN_WAIT2, expected the first 20"
[ "$(telemetry /fintrack/summary | num flows)" = 40 ] || fail "not 40 flows tracked"
first=$(grep -m1 '"to":"FIN_WAIT2"' "$work/ev.jsonl" | sed 's/.*"ts":\([0-9.]*\).*/\1/')
tmo=$(grep -m1 '"from":"FIN_WAIT2","to":"CLOSED"' "$work/ev.jsonl" | sed 's/.*"ts":\([0-9.]*\).*/\1/')
awk -v a="$first" -v b="$tmo" 'BEGIN { d = b - a; exit !(d >= 0.95 && d < 1.5) }' ||
	fail "FIN_WAIT2 lasted $(awk -v a="$first" -v b="$tmo" 'BEGIN { print b - a }') s, not 1"
echo "ok: the new servers timed out of FIN_WAIT2 after 1 s; the first 20 are still in it"
# The old file has what came before the signal only, the new one what came after.
awk -v h="$hup_at" -F'"ts":' '{ split($2, a, ","); if (a[1] + 0 > h) bad++ } END { exit bad > 0 }' \
	"$work/ev.1" || fail "events after SIGHUP in the file moved away"
awk -v h="$hup_at" -F'"ts":' '{ split($2, a, ","); if (a[1] + 0 < h) bad++ } END { exit bad > 0 }' \
	"$work/ev.jsonl" || fail "events before SIGHUP in the new file"
[ "$(grep -c '"to":"SYN_SENT"' "$work/ev.1")" -eq 20 ] || fail "the old file lacks the first connections"
[ "$(grep -c '"to":"SYN_SENT"' "$work/ev.jsonl")" -eq 20 ] || fail "the new file lacks the second ones"
echo "ok: 20 connections in the file moved away, 20 in the new one"

# A config file with an error: refused, the running configuration kept.
printf '[timeouts]\nFIN_WAIT2 = 2\nFIN_WAIT2\n%b' "$diag" >"$work/fintrack.ini"
kill -HUP "$pid"
wait_for 5 'grep -q "fintrack.ini:3: .FIN_WAIT2. is not a \[section\]" "$work/out"' ||
	fail "the error in the file was not reported"
wait_for 5 'grep -q "SIGHUP: the configuration has errors (above): the running one is kept" "$work/out"' ||
	fail "no word that the running configuration is kept"
telemetry /fintrack/config | grep -q '"FIN_WAIT2": "1"' || fail "a bad file changed the configuration"
# A setting read at start only is named, not applied.
printf '[timeouts]\nFIN_WAIT2 = 1\n[live]\nburst = 16\n%b' "$diag" >"$work/fintrack.ini"
kill -HUP "$pid"
wait_for 5 'grep -q "SIGHUP: \[live\] burst changed, but it is read at start only" "$work/out"' ||
	fail "no warning for a setting read at start only"
telemetry /fintrack/config | grep -q '"burst": 32' || fail "burst changed without a restart"
echo "ok: a bad file is refused; a setting read at start only is named"

kill -TERM "$pid"
wait_for 10 '! kill -0 "$pid" 2>/dev/null' || fail "fintrack still running 10 s after SIGTERM"
wait "$pid"
rc=$?
pid=""
[ $rc -eq 0 ] || fail "fintrack exited $rc"
grep -q "flows: created 40, ended 0" "$work/out" || fail "the summary does not count 40 flows"
[ "$(grep -c '"client_state":"CLOSE_WAIT"' "$work/rep.json")" -eq 40 ] ||
	fail "the report does not list the 40 flows"
echo "PASS: live sighup"
