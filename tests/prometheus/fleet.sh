#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# A fleet of two hosts seen through a real Prometheus server. Two live fintrack
# instances (their own --file-prefix, metrics port and trace, on net_pcap
# virtual devices) track different traffic; Debian's prometheus, started here
# as a plain process with a generated config and the shipped recording rules,
# scrapes both. Then:
#   - a PromQL query for endpoints per state and role summed over both equals
#     the sum of what each instance's telemetry (/fintrack/summary) says;
#   - the recording rule fintrack:endpoints:sum gives the same numbers;
#   - the top-endpoint gauges and the per-instance rule are there (they count
#     a state's pile, as the diagnosis does: --diag-min-age 0 makes every
#     endpoint in a closing state count, as a trace replayed in seconds needs).
# Timers are long, so that nothing moves while the numbers are compared.
# FINTRACK, TRACEGEN and RULES come from the environment. Exit 0 pass, 1 fail, 77 skip.

set -u
for tool in prometheus curl jq dpdk-telemetry.py tcpdump; do
	command -v "$tool" >/dev/null || { echo "$tool missing: skipped (scripts/install-deps.sh)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "DPDK live mode needs root: skipped"; exit 77; }
work=$(mktemp -d /tmp/ft-fleet.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	for f in "$work"/*.out "$work"/prometheus.log; do
		[ -f "$f" ] && { echo "--- $f" >&2; tail -15 "$f" >&2; }
	done
	exit 1
}

# A TCP port nothing listens on, outside the kernel's ephemeral range.
used=""
free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 12000))
		case " $used " in *" $p "*) continue ;; esac
		ss -Hltn "sport = :$p" | grep -q . && continue
		used="$used $p"
		echo "$p"
		return
	done
	fail "no free TCP port"
}

telemetry() {
	echo "$2" | timeout 10 dpdk-telemetry.py -f "$1" 2>/dev/null | tail -n +1
}

long=(--timeout SYN_SENT=3600 --timeout SYN_RECV=3600 --timeout FIN_WAIT1=3600
      --timeout FIN_WAIT2=3600 --timeout CLOSING=3600 --timeout TIME_WAIT=3600
      --timeout LAST_ACK=3600 --rst-hold 3600)
names=(a b)
declare -A prefix port total
for i in 0 1; do
	h=${names[$i]}
	prefix[$h]="ft_fleet_${h}_$$"
	port[$h]=$(free_port)
	"$TRACEGEN" -o "$work/$h.pcap" -n $((300 + 200 * i)) -s $((21 + i)) --ipv6 20 2>/dev/null ||
		fail "trace generator"
	tcpdump -n -Z root -r "$work/$h.pcap" -w "$work/none.pcap" 'tcp port 1' 2>/dev/null
	total[$h]=$(tcpdump -n -Z root -r "$work/$h.pcap" 2>/dev/null | wc -l)
	# Host a's worker on CPU 1, host b's on CPU 0: the two share the machine.
	"$FINTRACK" --lcores "0@$i,1@$((1 - i))" --no-huge --no-pci -m 256 \
		--file-prefix "${prefix[$h]}" --log-level=lib.eal:error \
		--vdev "net_pcap0,rx_pcap=$work/$h.pcap,tx_pcap=/dev/null" \
		--vdev "net_pcap1,rx_pcap=$work/none.pcap,tx_pcap=/dev/null" \
		-- --stats-interval 0 --max-flows 8192 --max-flows-v6 1024 "${long[@]}" \
		--metrics-port "${port[$h]}" --metrics-top 5 --diag-min-age 0 >"$work/$h.out" 2>&1 &
	pids+=($!)
done

# Each host has seen its whole trace (bounded: 30 s).
for h in a b; do
	for ((k = 0; k < 150; k++)); do
		seen=$(telemetry "${prefix[$h]}" /fintrack/summary | jq -r '.["/fintrack/summary"].counters.rx_pkts // 0' 2>/dev/null)
		[ "${seen:-0}" -ge "${total[$h]}" ] && break
		sleep 0.2
	done
	[ "${seen:-0}" -eq "${total[$h]}" ] || fail "host $h saw ${seen:-no} of ${total[$h]} packets"
	curl -sf "http://127.0.0.1:${port[$h]}/metrics" >"$work/$h.metrics" || fail "host $h serves no /metrics"
	grep -q '^# TYPE fintrack_endpoints gauge' "$work/$h.metrics" || fail "host $h: no typed endpoint gauge"
done
echo "ok: two hosts have tracked ${total[a]} and ${total[b]} packets"

# Prometheus, a plain process, scraping both every second with the shipped recording rules.
pport=$(free_port)
cat >"$work/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $RULES/fintrack-rules.yml
  - $RULES/fintrack-alerts.yml
scrape_configs:
  - job_name: fintrack
    static_configs:
      - targets: ['127.0.0.1:${port[a]}', '127.0.0.1:${port[b]}']
CONF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
	--web.listen-address="127.0.0.1:$pport" >"$work/prometheus.log" 2>&1 &
pids+=($!)
api="http://127.0.0.1:$pport/api/v1"
query() {
	curl -sf --get --data-urlencode "query=$1" "$api/query"
}
# Both targets up and the recording rule evaluated (bounded: 60 s).
for ((k = 0; k < 120; k++)); do
	up=$(query 'count(up{job="fintrack"} == 1)' | jq -r '.data.result[0].value[1] // 0' 2>/dev/null)
	rec=$(query 'count(fintrack:endpoints:sum)' | jq -r '.data.result[0].value[1] // 0' 2>/dev/null)
	[ "${up:-0}" = 2 ] && [ "${rec:-0}" -gt 0 ] && break
	sleep 0.5
done
[ "${up:-0}" = 2 ] || fail "Prometheus scrapes ${up:-no} of the 2 hosts"
[ "${rec:-0}" -gt 0 ] || fail "the recording rule fintrack:endpoints:sum has no value"
sleep 2 # one more round of scrapes and rules
echo "ok: Prometheus scrapes both hosts"

# role state value, sorted: from telemetry (both hosts added), a PromQL sum, the rule.
for h in a b; do
	telemetry "${prefix[$h]}" /fintrack/summary >"$work/$h.summary"
	jq -r '.["/fintrack/summary"] | (.client | to_entries[] | "client \(.key) \(.value)"),
		(.server | to_entries[] | "server \(.key) \(.value)")' "$work/$h.summary" ||
		fail "host $h: telemetry summary unreadable"
done | awk '{ n[$1 " " $2] += $3 } END { for (k in n) print k, n[k] }' | sort >"$work/telemetry.txt"
query 'sum by (role, state) (fintrack_endpoints)' |
	jq -r '.data.result[] | "\(.metric.role) \(.metric.state) \(.value[1])"' | sort >"$work/promql.txt"
query 'fintrack:endpoints:sum' |
	jq -r '.data.result[] | "\(.metric.role) \(.metric.state) \(.value[1])"' | sort >"$work/rule.txt"
[ "$(wc -l <"$work/telemetry.txt")" -eq 20 ] || fail "telemetry gave $(wc -l <"$work/telemetry.txt") role/state pairs, expected 20"
diff "$work/telemetry.txt" "$work/promql.txt" >"$work/diff" ||
	{ cat "$work/diff"; fail "PromQL sum over both hosts differs from their telemetry"; }
diff "$work/telemetry.txt" "$work/rule.txt" >"$work/diff" ||
	{ cat "$work/diff"; fail "fintrack:endpoints:sum differs from the hosts' telemetry"; }
nonzero=$(awk '$3 > 0' "$work/telemetry.txt" | wc -l)
[ "$nonzero" -ge 5 ] || fail "only $nonzero role/state pairs hold endpoints"
echo "ok: endpoints per state and role, summed over both hosts, agree in telemetry, PromQL and the rule:"
awk '$3 > 0 { printf "  %s %s %s\n", $1, $2, $3 }' "$work/telemetry.txt"

# Each host's own count equals its telemetry too (the per-instance rule).
for h in a b; do
	t=$(jq -r '.["/fintrack/summary"].server.TIME_WAIT + .["/fintrack/summary"].client.TIME_WAIT' "$work/$h.summary")
	p=$(query "sum(instance:fintrack_endpoints:sum{instance=\"127.0.0.1:${port[$h]}\",state=\"TIME_WAIT\"})" |
		jq -r '.data.result[0].value[1]')
	[ "$t" = "$p" ] || fail "host $h: TIME_WAIT $t in telemetry, $p by instance:fintrack_endpoints:sum"
done
n=$(query 'count(fintrack_top_endpoints)' | jq -r '.data.result[0].value[1] // 0')
[ "${n:-0}" -gt 0 ] || fail "no fintrack_top_endpoints series"
top=$(query 'fintrack:top_endpoints_close_wait:top10' | jq -r '.data.result | length')
[ "${top:-0}" -gt 0 ] || fail "no fleet-wide top CLOSE_WAIT endpoints"
echo "ok: per-host rule, $n top-endpoint series, $top fleet-wide top CLOSE_WAIT hosts"
echo "PASS: Prometheus fleet view"
