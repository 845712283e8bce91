#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Failover: a host that takes over flows mid-stream re-infers their close
# states from the packets it sees. A generated trace of every close type is
# replayed whole (the host that saw everything), then cut in the middle of its
# closes with editcap and replayed from the cut (the host that takes over).
# Flows are classed by where the cut falls, as docs/FLEET.md's table does:
#   - started after the cut: the same events as the whole replay;
#   - first FIN after the cut: picked up (ESTABLISHED, or FIN_WAIT1 and
#     CLOSE_WAIT when the first packet is the FIN) and from that FIN on the
#     same state changes, first closer and how as the whole replay;
#   - first FIN before the cut: picked up by its next packet, ESTABLISHED both
#     ways (an ACK or data) or FIN_WAIT1 / CLOSE_WAIT (a FIN), or not at all
#     (an RST): the close already under way is not recovered.
# FINTRACK and TRACEGEN come from the environment. Exit 0 pass, 1 fail, 77 skip.

set -u
for tool in editcap tcpdump jq; do
	command -v "$tool" >/dev/null || { echo "$tool missing: skipped (scripts/install-deps.sh)"; exit 77; }
done
work=$(mktemp -d /tmp/ft-failover.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
eal=(--no-huge --no-pci -m 256 --file-prefix "ft_failover_$$" --log-level=lib.eal:error
     --log-level=lib.telemetry:error)

"$TRACEGEN" -o "$work/t.pcap" -n 380 -s 31 --mix roundrobin --rate 100 --rtt-us 40000 \
	--ipv6 20 2>/dev/null ||
	fail "trace generator"
# The cut: in the middle of the trace, in a gap of 2 ms or more between packets
# (two wheel ticks), so that every event of the whole replay is before or after it.
cut=$(tcpdump -tt -n -r "$work/t.pcap" 2>/dev/null | awk '{ t[NR] = $1 } END {
	for (i = int(NR / 2); i < NR; i++)
		if (t[i + 1] - t[i] >= 0.002) { printf "%.6f\n", (t[i] + t[i + 1]) / 2; exit }
}')
[ -n "$cut" ] || fail "no gap to cut the trace in"
editcap -A "$cut" "$work/t.pcap" "$work/cut.pcap" || fail "editcap"
for run in full cut; do
	pcap=$work/t.pcap
	[ $run = cut ] && pcap=$work/cut.pcap
	"$FINTRACK" "${eal[@]}" -- --pcap "$pcap" --drain --quiet --events "$work/$run.ev" \
		--report "$work/$run.rep" || fail "fintrack ($run) exited $?"
done

# One line per event: flow ts kind fields...; the flow is its two endpoints, sorted.
lines() {
	jq -r 'def flow(a; b): if a < b then "\(a)|\(b)" else "\(b)|\(a)" end;
		if .type == "state" then "\(flow(.ep; .peer)) \(.ts) S \(.ep) \(.to) \(.cause)"
		else (if .first_closer == "client" then .client elif .first_closer == "server"
		      then .server else "none" end) as $closer |
		     "\(flow(.client; .server)) \(.ts) E \($closer) \(.how | sub("_(client|server)$"; ""))"
		end' "$1"
}
lines "$work/full.ev" >"$work/full.txt"
lines "$work/cut.ev" >"$work/cut.txt"

awk -v cut="$cut" '
	FNR == 1 { run++ }
	{
		f = $1
		if (run == 1) {
			if (!(f in start)) { start[f] = $2; order[++n] = f }
			if ($3 == "S" && $6 == "fin" && !(f in fin)) fin[f] = $2
			ev1[f, ++n1[f]] = $0
		} else
			ev2[f, ++n2[f]] = $0
	}
	# What flow f shows in run r from time t on: the path of states of each
	# endpoint (pick-ups to ESTABLISHED left out), then how it ended.
	function tail(r, f, t,    i, a, m, path, eps, ne, end, out) {
		m = r == 1 ? n1[f] : n2[f]
		ne = 0
		end = ""
		for (i = 1; i <= m; i++) {
			split(r == 1 ? ev1[f, i] : ev2[f, i], a, " ")
			if (a[2] + 0 < t + 0)
				continue
			if (a[3] == "E") {
				end = end " END:" a[4] ":" a[5]
				continue
			}
			if (a[6] == "pickup" && a[5] == "ESTABLISHED")
				continue
			if (!(a[4] in path)) { eps[++ne] = a[4]; path[a[4]] = "" }
			path[a[4]] = path[a[4]] ">" a[5]
		}
		if (ne == 2 && eps[2] < eps[1]) { out = eps[1]; eps[1] = eps[2]; eps[2] = out }
		out = ""
		for (i = 1; i <= ne; i++)
			out = out eps[i] path[eps[i]] " "
		return out end
	}
	END {
		for (i = 1; i <= n; i++) {
			f = order[i]
			if (start[f] + 0 >= cut + 0) {
				new++
				if (tail(1, f, 0) != tail(2, f, 0)) {
					print "new flow " f " differs:\n  whole: " tail(1, f, 0) "\n  cut:   " tail(2, f, 0)
					bad++
				}
			} else if ((f in fin) && fin[f] + 0 >= cut + 0) {
				rec++
				if (n2[f] == 0) { print "flow " f " (FIN after the cut) not picked up"; bad++; continue }
				split(ev2[f, 1], a, " ")
				# Cut between SYN and SYN-ACK: the SYN-ACK seen first starts the flow.
				if (a[6] != "pickup" && a[6] != "synack") {
					print "flow " f ": first event not a pick-up: " ev2[f, 1]
					bad++
				}
				if (tail(1, f, fin[f]) != tail(2, f, fin[f])) {
					print "flow " f " (FIN after the cut) differs:\n  whole: " tail(1, f, fin[f]) "\n  cut:   " tail(2, f, fin[f])
					bad++
				}
				# The FIN was the first packet after the cut: FIN_WAIT1 and
				# CLOSE_WAIT straight away, never ESTABLISHED.
				if (a[2] + 0 == fin[f] + 0) {
					atfin++
					split(ev2[f, 2], b, " ")
					if (a[5] != "FIN_WAIT1" || b[5] != "CLOSE_WAIT" || b[6] != "pickup") {
						print "flow " f ": its first packet, a FIN, was picked up as " a[5] " / " b[5]
						bad++
					}
				}
			} else if ((f in fin) && n2[f] > 0) {
				lost++
				split(ev2[f, 1], a, " ")
				split(ev2[f, 2], b, " ")
				# A new incarnation (its SYN or SYN-ACK after the cut) starts as usual.
				if (a[6] == "syn" || a[6] == "synack") { lost--; continue }
				if (!(a[6] == "pickup" && b[6] == "pickup" &&
						((a[5] == "ESTABLISHED" && b[5] == "ESTABLISHED") ||
						 (a[5] == "FIN_WAIT1" && b[5] == "CLOSE_WAIT")))) {
					print "flow " f " (FIN before the cut): not picked up as the table says: " ev2[f, 1] " / " ev2[f, 2]
					bad++
				}
			}
		}
		printf "cut at %s: %d flows started after it, %d with their first FIN after it (%d picked up at the FIN itself), %d with a close under way\n", cut, new, rec, atfin, lost
		if (new == 0 || rec < 5 || atfin == 0 || lost == 0) { print "too few flows of a class to judge"; bad++ }
		exit bad > 0
	}' "$work/full.txt" "$work/cut.txt" || fail "the replay from the cut does not end as the packets show"
closing=$(jq '.counters.pickups_closing' "$work/cut.rep")
[ "$closing" -gt 0 ] || fail "no flow was picked up mid-close"
echo "ok: $closing flows picked up mid-close (pickups_closing)"
echo "PASS: failover pick-up"
