# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Helpers the scripts that start DPDK processes share (sourced, not run):
#   stop_pid PID [SECONDS]   SIGINT, then SIGTERM, then SIGKILL; returns the exit code
#   purge_prefix PREFIX      remove a finished DPDK process's runtime directory and
#                            hugepage files (they would keep their pages reserved)
#   pcap_count FILE          packets in a classic pcap file (fails on anything else)
#   hp_reserve PAGES LOG     make sure PAGES 2 MB hugepages are free and hugetlbfs is
#                            mounted, reserving more with scripts/hugepages.sh (its
#                            output in LOG); sets hp_want to the total it asked for
#                            (empty when nothing was needed) and hp_before to the
#                            total to give back; returns 1 if the reservation failed
#   hp_restore               give the pool its size from before hp_reserve back
# The sourcing script sets PROG (its name, for messages), py (Debian's python3)
# and top (the project's top directory).

# shellcheck shell=bash

stop_pid() {
	local pid=$1 t=${2:-15} i rc=0
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || rc=$?; return $rc; }
	kill -INT "$pid" 2>/dev/null || true
	for ((i = 0; i < t * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "${PROG:-fintrack}: pid $pid ignored SIGINT for ${t}s, sending SIGTERM" >&2
		kill -TERM "$pid" 2>/dev/null || true
		sleep 3
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null || rc=$?
	return $rc
}

purge_prefix() {
	local m
	rm -rf "/var/run/dpdk/$1"
	awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts | while read -r m; do
		rm -f "$m/${1}map_"*
	done
}

pcap_count() {
	"${py:-/usr/bin/python3}" - "$1" <<'PYEOF'
import struct, sys
n = 0
with open(sys.argv[1], 'rb', buffering=1 << 22) as f:
    m = f.read(24)[:4]
    if m not in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        sys.exit('not a classic pcap file')
    e = '<' if m in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    while True:
        h = f.read(16)
        if len(h) < 16:
            break
        f.seek(struct.unpack(e + 'IIII', h)[2], 1)
        n += 1
print(n)
PYEOF
}

SYS_HP=/sys/kernel/mm/hugepages/hugepages-2048kB
hp_before=
hp_want=

hp_reserve() {
	local need=$1 log=$2 total free
	total=$(cat "$SYS_HP/nr_hugepages")
	free=$(cat "$SYS_HP/free_hugepages")
	hp_want=
	if [ "$free" -ge "$need" ] && awk '$3 == "hugetlbfs" { m = 1 } END { exit !m }' /proc/mounts
	then
		return 0
	fi
	hp_want=$((total + (need > free ? need - free : 0)))
	hp_before=$total
	# shellcheck disable=SC2154 # set by the sourcing script
	"$top/scripts/hugepages.sh" "$hp_want" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
}

hp_restore() {
	[ -n "$hp_before" ] || return 0
	echo "$hp_before" >"$SYS_HP/nr_hugepages" 2>/dev/null &&
		echo "hugepages: back to $hp_before x 2 MB (as before this run)"
}
