# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Helpers the scripts share (sourced, not run). Sourcing sets PROG, the
# script's name for messages (the name of $0 unless the script set PROG
# first), and top, the project's top directory. The helpers that run Python
# (pcap_info, pcap_count) use py (Debian's python3), which the script sets.
#
# The prologue:
#   die TEXT                 "PROG: TEXT" on stderr, exit 1
#   isnum VALUE OPTION       die unless VALUE is a whole number
#   usage [CODE]             the script's header comment (from its line 5 to the
#                            end of that comment block), exit CODE (default 0)
#   unknown_option OPTION    say so on stderr, then usage 2
#   common_option ARGS...    the options the benchmark scripts share: --build DIR,
#                            --keep, -h/--help; anything else is unknown_option.
#                            Sets took to the number of arguments it used
#   need_root WHY            die unless root: "must run as root (WHY)"
#   abs_trace                the --trace file ($trace): readable, its path made absolute
#   need_build TOOL          what a run of fintrack next to a DPDK TOOL needs: root,
#                            the build directory $build (made absolute) with fintrack
#                            in it (sets fintrack and tracegen), TOOL, python3 (sets
#                            py), and --trace (abs_trace) or else ft-tracegen
#   on_exit FUNCTION         run FUNCTION at exit; SIGINT and SIGTERM say
#                            "PROG: interrupted" and exit 130 (through FUNCTION)
#   stop_pids                stop_pid every pid in the array pids (5 s, quietly)
#   end_run WHAT             hp_restore, then remove $tmp when the run went well
#                            (ok=1) and keep=0; otherwise say "WHAT kept in $tmp"
#   nap SECONDS              sleep in the background, so that SIGINT/SIGTERM run
#                            the trap at once
#   show_cmd ARGS...         a command line, indented, quoted where the shell needs it
#   banner                   "== date, fintrack revision, CPUs, kernel"
#
# The scripts that start DPDK processes:
#   stop_pid PID [SECONDS]   SIGINT, then SIGTERM, then SIGKILL; returns the exit code
#   purge_prefix PREFIX      remove a finished DPDK process's runtime directory and
#                            hugepage files (they would keep their pages reserved)
#   pcap_info FILE [classic] "PACKETS LARGEST": packet count and largest captured
#                            frame of a pcap or pcapng file (classic: a classic pcap
#                            file only; fails on anything else)
#   pcap_count FILE          packets in a classic pcap file (fails on anything else)
#   hp_reserve PAGES LOG     make sure PAGES 2 MB hugepages are free and hugetlbfs is
#                            mounted, reserving more with scripts/hugepages.sh (its
#                            output in LOG); sets hp_want to the total it asked for
#                            (empty when nothing was needed) and hp_before to the
#                            total to give back; returns 1 if the reservation failed
#   hp_restore               give the pool its size from before hp_reserve back

# shellcheck shell=bash

PROG=${PROG:-${0##*/}}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() {
	echo "$PROG: $*" >&2
	exit 1
}

isnum() {
	case "$1" in '' | *[!0-9]*) die "$2: '$1' is not a whole number" ;; esac
}

usage() {
	awk 'NR < 5 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "$0"
	exit "${1:-0}"
}

unknown_option() {
	echo "$PROG: unknown option '$1'" >&2
	usage 2
}

# shellcheck disable=SC2034 # took: for the caller's shift
common_option() {
	case "$1" in
	--build) build=${2:?--build DIR}; took=2 ;;
	--keep) keep=1; took=1 ;;
	-h | --help) usage 0 ;;
	*) unknown_option "$1" ;;
	esac
}

need_root() {
	[ "$(id -u)" = 0 ] || die "must run as root ($1)"
}

abs_trace() {
	[ -r "$trace" ] || die "cannot read --trace $trace"
	trace=$(cd "$(dirname "$trace")" && pwd)/$(basename "$trace")
}

need_build() {
	need_root "DPDK needs /var/run/dpdk and locked memory"
	build=$(cd "$build" 2>/dev/null && pwd) || die "no build directory '$build' (run scripts/build.sh)"
	fintrack=$build/app/fintrack
	tracegen=$build/app/tracegen/ft-tracegen
	[ -x "$fintrack" ] || die "$fintrack not found (run scripts/build.sh)"
	command -v "$1" >/dev/null || die "$1 not found (apt-get install dpdk)"
	py=/usr/bin/python3
	[ -x "$py" ] || die "$py not found"
	if [ -n "$trace" ]; then
		abs_trace
	else
		[ -x "$tracegen" ] || die "$tracegen not found (run scripts/build.sh)"
	fi
}

on_exit() {
	# shellcheck disable=SC2064 # the function's name, given now
	trap "$1" EXIT
	trap 'echo "$PROG: interrupted" >&2; exit 130' INT TERM
}

stop_pids() {
	local p
	# shellcheck disable=SC2154 # the sourcing script's array
	for p in "${pids[@]}"; do
		stop_pid "$p" 5 >/dev/null 2>&1
	done
}

end_run() {
	hp_restore
	# shellcheck disable=SC2154 # set by the sourcing script
	if [ "$ok" = 1 ] && [ "$keep" = 0 ]; then
		rm -rf "$tmp"
	else
		echo "$1 kept in $tmp"
	fi
}

nap() {
	sleep "$1" &
	wait $! || true
}

show_cmd() {
	local a s=
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9@%+=:,./_-]+$ ]]; then
			s+="$a "
		else
			s+="$(printf '%q' "$a") "
		fi
	done
	echo "  ${s% }"
}

banner() {
	local rev
	rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
	echo "== $(date -u '+%F %T') UTC, fintrack $rev, $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), kernel $(uname -r)"
}

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

pcap_info() {
	"${py:-/usr/bin/python3}" - "$@" <<'PYEOF'
import struct, sys
path = sys.argv[1]
classic_only = len(sys.argv) > 2 and sys.argv[2] == 'classic'
n = mx = 0
with open(path, 'rb', buffering=1 << 22) as f:
    head = f.read(24)
    m = head[:4]
    if m in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '<' if m in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            incl = struct.unpack(e + 'IIII', h)[2]
            f.seek(incl, 1)
            n += 1
            mx = max(mx, incl)
    elif m == b'\x0a\x0d\x0d\x0a' and not classic_only:
        f.seek(0)
        e = '<' if head[8:12] == b'\x4d\x3c\x2b\x1a' else '>'
        while True:
            h = f.read(8)
            if len(h) < 8:
                break
            btype, blen = struct.unpack(e + 'II', h)
            if blen < 12:
                sys.exit('%s: a pcapng block of %d bytes' % (path, blen))
            body = f.read(blen - 8)
            if btype == 6 and len(body) >= 16:    # enhanced packet block
                incl = struct.unpack(e + 'I', body[12:16])[0]
            elif btype == 3 and len(body) >= 4:   # simple packet block
                incl = struct.unpack(e + 'I', body[0:4])[0]
            else:
                continue
            n += 1
            mx = max(mx, incl)
    else:
        sys.exit('%s: not a %s file' % (path, 'classic pcap' if classic_only else 'pcap or pcapng'))
print(n, mx)
PYEOF
}

pcap_count() {
	local n mx
	read -r n mx < <(pcap_info "$1" classic) && [ -n "$n" ] || return 1
	echo "$n"
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
	"$top/scripts/hugepages.sh" "$hp_want" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
}

hp_restore() {
	[ -n "$hp_before" ] || return 0
	echo "$hp_before" >"$SYS_HP/nr_hugepages" 2>/dev/null &&
		echo "hugepages: back to $hp_before x 2 MB (as before this run)"
}
