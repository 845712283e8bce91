#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Replays one oracle case through fintrack and compares, at every snapshot the
# case recorded, fintrack's state for each endpoint with the state 'ss' showed
# on that endpoint's host at that moment.
#
#   oracle_check.sh CASE.json PCAP
#
# CASE.json (written by scripts/oracle.sh):
#   {"name": ..., "what": ..., "client": "IP:PORT", "server": "IP:PORT",
#    "fintrack_args": [...],            extra replay options, e.g. --timeout
#    "snapshots": [{"label": ..., "t": SECONDS.NANOS, "compare": true|false,
#                   "client": SS_STATE, "server": SS_STATE, "conntrack": ...}, ...]}
#
# fintrack's state of an endpoint at time t is the 'to' of its last state
# event with ts <= t; CLOSED before any event, and after the flow's end record
# when no state event follows it. A snapshot with "compare": false was taken
# while the sender itself held packets back (they never reached the middle), so
# no middlebox can know that state: it is printed, not compared.
#
# Environment: FINTRACK (required); FT_ORACLE_EVENTS=FILE keeps the events;
# FT_ORACLE_TSV=FILE keeps the table (verdict, label, client ss, client fintrack,
# server ss, server fintrack, conntrack; tab-separated).
# Exit: 0 every compared snapshot agrees, 1 otherwise.

set -u

case_json=$1
pcap=$2
name=$(jq -r .name "$case_json") || { echo "FAIL: cannot read $case_json"; exit 1; }
work=$(mktemp -d "/tmp/ft_oracle_check.XXXXXX") || exit 1
prefix=ft_oracle_$$
# the EAL's runtime directory of this run (root: /var/run/dpdk, others: XDG_RUNTIME_DIR or /tmp)
trap 'rm -rf "$work" "/var/run/dpdk/$prefix" "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$prefix"' EXIT
events=${FT_ORACLE_EVENTS:-$work/events.jsonl}
mapfile -t extra < <(jq -r '.fintrack_args[]?' "$case_json")

if ! "$FINTRACK" --no-huge --no-pci -m 256 --file-prefix "$prefix" \
		--log-level=lib.eal:error --log-level=lib.telemetry:error -- \
		--pcap "$pcap" --events "$events" --drain --quiet "${extra[@]}" \
		>"$work/out" 2>&1; then
	cat "$work/out"
	echo "FAIL [$name]: fintrack exited with an error"
	exit 1
fi

# one line per snapshot: verdict label client-ss client-ft server-ss server-ft conntrack
jq -r --slurpfile ev "$events" '
	def ft($ep; $peer; $t):
		reduce ($ev[] | select(.ts <= $t) |
			select((.type == "state" and .ep == $ep and .peer == $peer) or
			       (.type == "end" and ((.client == $ep and .server == $peer) or
						    (.client == $peer and .server == $ep)))))
			as $e ("CLOSED"; if $e.type == "end" then "CLOSED" else $e.to end);
	.client as $c | .server as $s |
	.snapshots[] | (.t | tonumber) as $t |
	ft($c; $s; $t) as $fc | ft($s; $c; $t) as $fs |
	[(if .compare then (if $fc == .client and $fs == .server then "agree" else "DISAGREE" end)
	  else "held" end),
	 .label, .client, $fc, .server, $fs, (.conntrack // "-")] | @tsv' "$case_json" \
	>"$work/table" || { echo "FAIL [$name]: cannot evaluate the events"; exit 1; }

echo "case $name: client $(jq -r .client "$case_json")  server $(jq -r .server "$case_json")"
bad=0
compared=0
while IFS=$'\t' read -r verdict label ssc ftc sss fts ct; do
	printf '  %-9s %-44s client ss=%-11s ft=%-11s server ss=%-11s ft=%-11s conntrack=%s\n' \
		"$verdict" "$label" "$ssc" "$ftc" "$sss" "$fts" "$ct"
	[ "$verdict" != DISAGREE ] || bad=1
	[ "$verdict" = held ] || compared=$((compared + 1))
done <"$work/table"
if [ "$compared" = 0 ]; then
	echo "  no snapshot to compare"
	bad=1
fi
[ -z "${FT_ORACLE_TSV:-}" ] || cp "$work/table" "$FT_ORACLE_TSV"
if [ "$bad" != 0 ]; then
	echo "  fintrack events:"
	sed 's/^/    /' "$events"
	echo "DISAGREE $name"
	exit 1
fi
echo "AGREE $name"
exit 0
