#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Reserve, show or release 2 MB hugepages for fintrack (and testpmd,
# dpdk-dumpcap, ...) and make sure hugetlbfs is mounted at /dev/hugepages.
#
#   scripts/hugepages.sh [N]          reserve N 2 MB pages in total (default 1024 = 2 GB)
#   scripts/hugepages.sh --node K N   reserve N pages on NUMA node K only
#   scripts/hugepages.sh --status     show pages, mounts and files in use
#   scripts/hugepages.sh --release    give the free pages back to the kernel
#
# Reserving sets the total: "hugepages.sh 512" after "hugepages.sh 1024"
# shrinks the pool to 512 pages. Pages that a running DPDK process holds are
# never taken away (the kernel frees them once the process ends). Needs root.
# For a reservation that survives reboots use the Debian dpdk package:
# NR_2M_PAGES=N in /etc/dpdk/dpdk.conf and "systemctl enable dpdk".

set -eu
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

SIZE_KB=2048
SYS=/sys/kernel/mm/hugepages/hugepages-${SIZE_KB}kB
MNT=/dev/hugepages

# Mount point(s) of hugetlbfs with 2 MB pages (a mount without pagesize= uses
# the default size, which is 2 MB on x86).
huge_mounts() {
	awk '$3 == "hugetlbfs" && ($4 ~ /pagesize=2M/ || $4 !~ /pagesize=/) { print $2 }' /proc/mounts
}

ensure_mount() {
	if [ -n "$(huge_mounts)" ]; then
		echo "hugetlbfs (2 MB) mounted at: $(huge_mounts | tr '\n' ' ')"
		return
	fi
	mkdir -p "$MNT"
	if mount -t hugetlbfs -o pagesize=2M nodev "$MNT"; then
		echo "mounted hugetlbfs (pagesize=2M) at $MNT"
	else
		die "could not mount hugetlbfs at $MNT (in a container: run it privileged, or mount it on the host)"
	fi
}

# Files that DPDK processes left in hugetlbfs, with the processes that map them.
show_files() {
	local m f any=0
	for m in $(huge_mounts); do
		for f in "$m"/*; do
			[ -e "$f" ] || continue
			any=1
		done
	done
	if [ $any = 0 ]; then
		echo "files in hugetlbfs: none"
		return
	fi
	echo "files in hugetlbfs (file prefix = the part before 'map_'):"
	for m in $(huge_mounts); do
		# group rtemap files by their --file-prefix
		for f in "$m"/*; do
			[ -e "$f" ] || continue
			basename "$f"
		done | sed 's/map_[0-9_]*$//' | sort | uniq -c | while read -r n p; do
			users=$(grep -l "$m/${p}map_" /proc/[0-9]*/maps 2>/dev/null |
				sed 's|/proc/\([0-9]*\)/maps|\1|' | sort -u | tr '\n' ' ')
			if [ -n "$users" ]; then
				printf '  %s/%smap_*: %s files, used by pid %s\n' "$m" "$p" "$n" "$users"
			else
				printf '  %s/%smap_*: %s files, no process maps them (stale; --release deletes them)\n' "$m" "$p" "$n"
			fi
		done
	done
}

status() {
	local total free rsvd surp node
	total=$(cat "$SYS/nr_hugepages")
	free=$(cat "$SYS/free_hugepages")
	rsvd=$(cat "$SYS/resv_hugepages")
	surp=$(cat "$SYS/surplus_hugepages")
	echo "2 MB hugepages: total $total, free $free, reserved-not-yet-faulted $rsvd, surplus $surp" \
		"($((total * 2)) MB reserved, $(((total - free) * 2)) MB in use)"
	for node in /sys/devices/system/node/node[0-9]*; do
		[ -d "$node/hugepages/hugepages-${SIZE_KB}kB" ] || continue
		echo "  $(basename "$node"): total $(cat "$node/hugepages/hugepages-${SIZE_KB}kB/nr_hugepages")," \
			"free $(cat "$node/hugepages/hugepages-${SIZE_KB}kB/free_hugepages")"
	done
	if [ -r /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages ]; then
		echo "1 GB hugepages: total $(cat /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages)," \
			"free $(cat /sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages)"
	fi
	if [ -n "$(huge_mounts)" ]; then
		echo "hugetlbfs (2 MB) mounted at: $(huge_mounts | tr '\n' ' ')"
	else
		echo "hugetlbfs (2 MB): not mounted (scripts/hugepages.sh mounts it at $MNT)"
	fi
	show_files
}

reserve() {
	local want=$1 node=${2:-} path got
	need_root "writes $SYS/nr_hugepages"
	if [ -n "$node" ]; then
		path=/sys/devices/system/node/node$node/hugepages/hugepages-${SIZE_KB}kB
		[ -d "$path" ] || die "NUMA node $node has no 2 MB hugepage pool ($path missing)"
	else
		path=$SYS
	fi
	[ -d "$path" ] || die "this kernel has no 2 MB hugepages ($path missing)"
	# Compacting memory first makes large reservations succeed more often.
	sync
	echo 1 > /proc/sys/vm/compact_memory 2>/dev/null || true
	if ! echo "$want" > "$path/nr_hugepages" 2>/dev/null; then
		die "cannot write $path/nr_hugepages (read-only /sys? in a container, reserve on the host)"
	fi
	got=$(cat "$path/nr_hugepages")
	if [ "$got" -lt "$want" ]; then
		echo "hugepages.sh: asked for $want pages${node:+ on node $node} but the kernel gave $got" \
			"(not enough contiguous free memory; try fewer pages or reserve at boot" \
			"with hugepages=N on the kernel command line)" >&2
		ensure_mount
		status
		exit 1
	fi
	echo "reserved $got x 2 MB hugepages${node:+ on node $node} ($((got * 2)) MB)"
	ensure_mount
	status
}

release() {
	local m f total
	need_root "writes $SYS/nr_hugepages"
	# Delete the hugepage files of DPDK processes that are gone; a file in
	# hugetlbfs keeps its pages even when no process maps it.
	for m in $(huge_mounts); do
		for f in "$m"/*map_*; do
			[ -e "$f" ] || continue
			if grep -q -s -F "$f" /proc/[0-9]*/maps; then
				continue
			fi
			rm -f -- "$f"
		done
	done
	echo 0 > "$SYS/nr_hugepages" || die "cannot write $SYS/nr_hugepages"
	total=$(cat "$SYS/nr_hugepages")
	if [ "$total" -gt 0 ]; then
		echo "released the free pages; $total pages are still held by running processes" \
			"(they return to the kernel when those processes exit):"
		show_files
	else
		echo "released all 2 MB hugepages"
	fi
	echo "(hugetlbfs stays mounted; it costs nothing without pages)"
}

node=
case "${1:-}" in
-h | --help) usage 0 ;;
-s | --status) status ;;
-r | --release) release ;;
--node)
	[ $# -ge 2 ] || usage 2
	node=$2
	shift 2
	n=${1:-1024}
	case "$n$node" in *[!0-9]*) die "--node K N: K and N must be numbers" ;; esac
	reserve "$n" "$node"
	;;
"" | [0-9]*)
	n=${1:-1024}
	case "$n" in *[!0-9]*) die "bad page count '$n' (a number of 2 MB pages)" ;; esac
	[ $# -le 1 ] || usage 2
	reserve "$n"
	;;
*)
	unknown_option "$1"
	;;
esac
