#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# The command line as a newcomer meets it: the replay form without EAL
# options, --help, --version, and every bad command with the message that
# says what to do and the exit status the README gives (0 done, 1 could not
# run, 2 wrong command line or config file).
#
# Environment: FINTRACK, TRACEGEN, TRACE (the bundled default trace), VERSION (meson's
# project version). Exit 0 pass, 1 fail. Cases that need root or hugetlbfs
# say so and are left out without them.

set -u
work=$(mktemp -d /tmp/ft-cli.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$work"
	# The runtime directories of the prefixes this test named (EAL leaves them).
	rm -rf /var/run/dpdk/ft_cli_*"$$"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect CODE PATTERN ARGS...: fintrack ARGS exits CODE and prints PATTERN (grep -E).
expect() {
	local code=$1 pattern=$2
	shift 2
	timeout 60 "$FINTRACK" "$@" >"$work/out" 2>&1
	local got=$?
	[ "$got" -eq "$code" ] || { cat "$work/out"; fail "fintrack $* exited $got, expected $code"; }
	grep -Eq -- "$pattern" "$work/out" || { cat "$work/out"; fail "fintrack $*: no '$pattern' in its output"; }
	echo "ok: fintrack $* -> exit $code: $(grep -E -m1 -- "$pattern" "$work/out" | cut -c1-150)"
}

runtime_dirs() {
	find /var/run/dpdk /tmp/dpdk "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk" -maxdepth 1 \
		-name 'fintrack-replay-*' 2>/dev/null | wc -l
}

# --- A replay given no EAL options -------------------------------------------------------
before=$(runtime_dirs)
"$FINTRACK" --pcap "$TRACE" --report "$work/rep.json" >"$work/out" 2>"$work/err"
rc=$?
[ $rc -eq 0 ] || { cat "$work/err"; fail "fintrack --pcap TRACE exited $rc"; }
grep -q "^fintrack replay of $TRACE" "$work/out" || fail "no summary"
grep -q '"flows_created": [1-9]' "$work/rep.json" || fail "no flow in the report"
grep -q "EAL" "$work/err" && { cat "$work/err"; fail "EAL's start-up messages shown"; }
[ "$(runtime_dirs)" -eq "$before" ] || fail "a fintrack-replay-* runtime directory was left behind"
echo "ok: fintrack --pcap TRACE: replayed, quiet, nothing left in the runtime directory"

# The DPDK form keeps working, and gives the same report.
expect 0 "^fintrack replay of" --no-huge --no-pci -m 512 --file-prefix "ft_cli_$$" \
	--log-level=lib.eal:error -- --pcap "$TRACE" --report "$work/rep2.json"
cmp -s <(grep -v table_bytes "$work/rep.json") <(grep -v table_bytes "$work/rep2.json") ||
	fail "the two forms give different reports"

# --no-huge without -m: fintrack sizes the memory to its tables (EAL alone would take 64 MB).
expect 0 "^fintrack replay of" --no-huge --no-pci --file-prefix "ft_cli_nom_$$" \
	--log-level=lib.eal:error -- --pcap "$TRACE"

# EAL's messages on request, and every log line with its time.
expect 0 "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} EAL: " \
	--pcap "$TRACE" --quiet --eal-verbose

# Progress on a terminal: a trace read from a pipe that stalls for 1.5 s.
if command -v script >/dev/null; then
	"$TRACEGEN" -o "$work/p.pcap" -n 100000 --rate 50000 -s 3 --data-segments 0 --snaplen 64 \
		2>/dev/null || fail "trace generator"
	script -qec "{ head -c 20000000 $work/p.pcap; sleep 1.5; tail -c +20000001 $work/p.pcap; } |
		$FINTRACK --pcap - --drain --quiet" "$work/tty" >/dev/null
	tr '\r' '\n' <"$work/tty" | grep -E "^fintrack: standard input: [0-9]+ packets, [0-9.]+ Mpps, [0-9]+ flows tracked" ||
		{ cat -v "$work/tty"; fail "no progress line on a terminal"; }
	rm -f "$work/p.pcap"
else
	echo "script missing: progress case left out"
fi
# Not on a pipe unless asked (auto): stderr of the first replay above was empty.
[ -s "$work/err" ] && { cat "$work/err"; fail "the replay wrote on stderr"; }

# --- Help and version ----------------------------------------------------------------------
expect 0 "^  --max-flows N " --help
expect 0 "EAL's own options: fintrack -h --" --help
expect 0 "^  --pcap FILE " -h
expect 0 "^  --timeout STATE=SECONDS" --no-huge -- --help
expect 0 "EAL common options" -h --
expect 0 "^fintrack $VERSION\$" --version
expect 0 "^DPDK 22\." -V

# --- Options on the wrong side of "--" ---------------------------------------------------
expect 2 'no-huge is an EAL option: EAL options go before "--".*fintrack --pcap FILE' \
	--no-huge --pcap "$TRACE"
expect 2 '-l is an EAL option' -l 0 --pcap "$TRACE"
expect 2 'no-huge is an EAL option: put it before "--"' -- --no-huge --pcap "$TRACE"
expect 2 'max-flows is one of fintrack.s options, not EAL.s: put it after "--"' \
	--max-flows 10 --
expect 2 'pcap is one of fintrack.s options' --no-huge --pcap "$TRACE" -- --quiet
# A value of fintrack's own is not taken for an EAL option.
expect 1 "cannot write it" --pcap "$TRACE" --report -m/x
expect 2 "unrecognized option '--bogus'" --pcap "$TRACE" --bogus
expect 2 "see fintrack --help" --pcap "$TRACE" --bogus

# --- Files ---------------------------------------------------------------------------------
# An unwritable report is found before the replay, not after it.
start=$(date +%s%N)
expect 1 "--report $work: cannot write it: Is a directory" --pcap "$TRACE" --report "$work"
expect 1 "cannot write it: No such file or directory" --pcap "$TRACE" --report "$work/no/r.json"
grep -q "^fintrack replay" "$work/out" && fail "the replay ran before the report was checked"
expect 1 "cannot write it" --pcap "$TRACE" --events "$work/no/ev.jsonl"
[ -e "$work/no" ] && fail "a file was created"
expect 1 "--pcap $work/missing.pcap: No such file or directory" --pcap "$work/missing.pcap"
head -c 100 "$TRACE" >"$work/cut.pcap"
expect 1 "truncated" --pcap "$work/cut.pcap"
echo "  (checks before a replay took $(( ($(date +%s%N) - start) / 1000000 )) ms in all)"

# --- The config file, strictly -----------------------------------------------------------
printf '[engine]\nmax_flows = 4096\nmax_flows\n' >"$work/a.ini"
expect 2 "$work/a.ini:3: 'max_flows' is not a \[section\], a key = value or a comment" \
	--pcap "$TRACE" --config "$work/a.ini"
printf '[timeouts]\nFIN_WAIT2 =\n' >"$work/b.ini"
expect 2 "$work/b.ini:2: \[timeouts\] FIN_WAIT2: no value" --pcap "$TRACE" --config "$work/b.ini"
printf '[timeouts]\nFIN_WAIT2 = 3\n\n; later\nFIN_WAIT2 = 4\n' >"$work/c.ini"
expect 2 "$work/c.ini:5: \[timeouts\] FIN_WAIT2: given twice \(first at line 2\)" \
	--pcap "$TRACE" --config "$work/c.ini"
expect 2 "cannot read it: No such file" --pcap "$TRACE" --config "$work/none.ini"

# --- EAL that cannot start ---------------------------------------------------------------
# Memory: the flow tables do not fit what -m gives.
expect 1 "they need about [0-9]+ MB, EAL has [0-9]+ MB free.*lower max_flows" --no-huge --no-pci \
	-m 40 --file-prefix "ft_cli_mem_$$" --log-level=lib.eal:error -- --pcap "$TRACE" --quiet
if [ "$(id -u)" -ne 0 ]; then
	echo "not root: hugepage, file prefix and device cases left out"
	echo "PASS: cli"
	exit 0
fi
# No hugepages: hugetlbfs unmounted in a mount namespace of this test's own.
if command -v unshare >/dev/null; then
	# The inner script is single-quoted on purpose: its shell expands it.
	# shellcheck disable=SC2016
	unshare -m sh -c 'for m in $(awk '\''$3 == "hugetlbfs" { print $2 }'\'' /proc/mounts); do
		umount "$m"; done; exec "$0" "$@"' "$FINTRACK" --no-pci --file-prefix "ft_cli_nohuge_$$" \
		--log-level=lib.eal:error -- --pcap "$TRACE" --quiet >"$work/out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || { cat "$work/out"; fail "no hugepages: exit $rc, expected 1"; }
	grep -q "EAL found no hugepages to use" "$work/out" || { cat "$work/out"; fail "no hugepages: no advice"; }
	grep -q "scripts/hugepages.sh" "$work/out" || fail "no hugepages: no way to reserve them"
	grep -q "fintrack --pcap FILE" "$work/out" || fail "no hugepages: no word of replaying without"
	echo "ok: no hugepages -> exit 1: $(grep -m1 'no hugepages' "$work/out")"
else
	echo "unshare missing: no-hugepages case left out"
fi
# Too much memory asked of the hugepages there are.
if awk '$3 == "hugetlbfs"' /proc/mounts | grep -q . &&
	[ "$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)" -gt 0 ]; then
	expect 1 "EAL could not reserve the memory -m or --socket-mem asks for: [0-9]+ MB of hugepages are free" \
		--no-pci -m 1000000 --file-prefix "ft_cli_big_$$" --log-level=lib.eal:error -- \
		--pcap "$TRACE" --quiet
else
	echo "no free hugepages: too-much-memory case left out"
fi
# A file prefix in use by another fintrack.
"$FINTRACK" -l 0-1 --no-huge --no-pci -m 256 --file-prefix "ft_cli_busy_$$" --vdev net_null0 \
	--vdev net_null1 --log-level=lib.eal:error -- --max-flows 1024 --mbufs 4095 \
	--max-flows-v6 0 --stats-interval 0 >"$work/first" 2>&1 &
pids+=($!)
for ((i = 0; i < 100; i++)); do
	grep -q "stop with SIGINT" "$work/first" && break
	sleep 0.1
done
kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/first"; fail "the first fintrack did not start"; }
expect 1 "the EAL file prefix 'ft_cli_busy_$$' is in use by process ${pids[0]}.*--file-prefix NAME" \
	--no-huge --no-pci -m 128 --file-prefix "ft_cli_busy_$$" -- --pcap "$TRACE" --quiet
kill -TERM "${pids[0]}" 2>/dev/null
wait "${pids[0]}"
rc=$?
pids=()
[ $rc -eq 0 ] || { cat "$work/first"; fail "the first fintrack exited $rc"; }
# A virtual device on an interface that does not exist.
expect 1 "--vdev net_af_packet0,iface=ftcli_none: there is no network interface 'ftcli_none'" \
	-l 0-1 --no-huge --no-pci -m 128 --file-prefix "ft_cli_dev_$$" \
	--vdev net_af_packet0,iface=ftcli_none --vdev net_null1 -- --stats-interval 0
expect 1 "cannot read rx_pcap $work/none.pcap" -l 0-1 --no-huge --no-pci -m 128 \
	--file-prefix "ft_cli_dev_$$" --vdev "net_pcap0,rx_pcap=$work/none.pcap" --vdev net_null1 --
# EAL refusing its options is a wrong command line.
expect 2 "EAL did not accept its options" --no-huge --no-pci --in-memory -m 128 \
	--file-prefix "ft_cli_bad_$$" -- --pcap "$TRACE" --quiet
echo "PASS: cli"
