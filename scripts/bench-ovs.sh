#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# fintrack next to Open vSwitch with DPDK doing connection tracking, on one
# trace, through the same virtual devices, one forwarding core each, in one run.
#
# Two ways to feed them (--feed):
#
# memif (the default): a generator process, dpdk-testpmd io on CPU 0, replays
#   the trace from memory (net_pcap infinite_rx=1: every packet preloaded into
#   an mbuf, the trace looped) into net_memif as the server; OVS, fintrack and
#   the testpmd io ceiling in turn are its memif client on CPU 1, p1/port 0 =
#   net_memif0,role=client, p2/port 1 = net_null0,no-rx=1. The same generator
#   process feeds every pass of every side. The input path is memif's RX copy,
#   the same for all three, and no file is read in the forwarding thread. Each
#   pass: link up, --warmup seconds, then a --window of seconds measured from
#   the DUT's RX counter (and the generator's: what it read from the trace and
#   what memif took; the difference is what memif refused because the DUT was
#   behind). The trace loops: after its first pass every 5-tuple comes again,
#   in its closing or TIME_WAIT state from the loop before (SYNs reusing
#   TIME_WAIT tuples, RFC 6191 for fintrack, conntrack's reopen for OVS); the
#   window holds many loops.
#
# pcap: each side reads the trace once from the file through net_pcap in its
#   forwarding thread (below); that read costs about as much as fintrack's
#   whole work.
#
#   trace:    ft-tracegen, N short TCP connections (every 5-tuple distinct)
#   OVS:      ovs-vswitchd-dpdk 3.1 (Debian's openvswitch-switch-dpdk), bridge br0
#             (netdev datapath), p1 = net_pcap0,rx_pcap=TRACE  p2 = net_null0,no-rx=1
#             flows: tcp,ct_state=-trk -> ct(table=1); +trk+new -> ct(commit),output:2;
#                    +trk+est / +trk / rest -> output:2
#             one PMD thread on CPU 1, every other OVS thread on CPU 0
#   fintrack: live mode, port 0 = net_pcap0,rx_pcap=TRACE  port 1 = net_null0,no-rx=1,
#             worker lcore on CPU 1, control lcore on CPU 0
#
# Each side reads the trace once from the file (no infinite_rx: replaying a
# trace re-uses every 5-tuple, which OVS turns into a sawtooth of dead entries
# until its 20 s sweep, and its fixed mempool caps a preloaded trace at about
# 250k packets). The same method gives both rates: the RX counter of the pcap
# port (OVS: ovs-ofctl dump-ports; fintrack: /ethdev/stats over telemetry) is
# sampled every 0.1 s; the rate is the packets counted between the first
# sample that shows traffic and the last sample before the counter stops,
# over the time between them, so the partial first and last intervals are
# left out. Cycles per packet are TSC cycles: TSC Hz / that rate (the
# forwarding core polls all the time); OVS's own "avg processing cycles per
# packet" (pmd-stats-show) is printed next to it. The forwarding thread's CPU
# time in the window (schedstat) gives a rate per CPU-second as well, which
# leaves out the time other processes took from its core. A third row,
# dpdk-testpmd io on the same vdevs, is the cost of the input path alone.
#
# OVS runs as a private instance: its database, sockets, pid and log files
# live in a temporary directory; nothing under /etc/openvswitch or
# /var/run/openvswitch is used, and no service is started. ovs-vswitchd and
# ovsdb-server are stopped by their pids at the end (also on error or
# Ctrl-C). Hugepages are raised when short and given back at exit.
#
# Usage: scripts/bench-ovs.sh [options]
#   --feed memif|pcap  the input path (default memif, above)
#   --flows N          connections in the generated trace (default 2000000 with
#                      --feed pcap; 100000 with memif, whose preloaded trace must fit
#                      in the generator's mbufs)
#   --warmup S         memif: seconds from link up to the window (default 2)
#   --window S         memif: seconds measured per pass (default 8)
#   --data-segments N  request/response exchanges per connection (default 1)
#   --rate N           new connections per second of trace time (default 1000000;
#                      sets how many connections are open at once in the trace)
#   --trace FILE       use this pcap instead of generating one
#   --repeat N         passes per side; medians are reported (default 3)
#   --seconds S        upper bound of one pass (default 300)
#   --build DIR        fintrack build directory (default build; configured with
#                      meson setup and built with ninja when needed)
#   --no-ceiling       skip the third row: dpdk-testpmd io on the same vdevs, the
#                      cost of reading the pcap and dropping into net_null alone
#   --keep             keep the trace, the logs and the OVS files
#   -h, --help         this text
# Needs root. Exit code 0 when every pass gave a rate and fintrack exited 0; a
# pass that did not receive the whole trace is flagged with a warning.

set -eu
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

flows=
feed=memif
warmup=2
window=8
dsegs=1
rate=1000000
trace=
repeat=3
seconds=300
build=$top/build
keep=0
ceiling=1

cmdline=("$0" "$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--flows) flows=${2:?--flows N}; isnum "$flows" --flows; shift 2 ;;
	--feed) feed=${2:?--feed memif|pcap}; shift 2 ;;
	--warmup) warmup=${2:?--warmup S}; isnum "$warmup" --warmup; shift 2 ;;
	--window) window=${2:?--window S}; isnum "$window" --window; shift 2 ;;
	--data-segments) dsegs=${2:?--data-segments N}; isnum "$dsegs" --data-segments; shift 2 ;;
	--rate) rate=${2:?--rate N}; isnum "$rate" --rate; shift 2 ;;
	--trace) trace=${2:?--trace FILE}; shift 2 ;;
	--repeat) repeat=${2:?--repeat N}; isnum "$repeat" --repeat; shift 2 ;;
	--seconds) seconds=${2:?--seconds S}; isnum "$seconds" --seconds; shift 2 ;;
	--no-ceiling) ceiling=0; shift ;;
	*) common_option "$@"; shift "$took" ;;
	esac
done
case "$feed" in memif | pcap) ;; *) die "--feed must be memif or pcap, not '$feed'" ;; esac
[ -n "$flows" ] || flows=$([ "$feed" = memif ] && echo 100000 || echo 2000000)
[ "$window" -ge 1 ] || die "--window must be at least 1"
[ "$repeat" -ge 1 ] || die "--repeat must be at least 1"
[ "$seconds" -ge 5 ] || die "--seconds must be at least 5"
[ "$flows" -ge 1000 ] || die "--flows must be at least 1000"
need_root "DPDK, hugepages, apt-get"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (control on CPU 0, forwarding on CPU 1)"
[ -z "$trace" ] || abs_trace
case "$build" in /*) ;; *) build=$PWD/$build ;; esac

# ---------------------------------------------------------------------------
# Packages. Debian's openvswitch-switch would start its service on install
# where an init system runs: a policy-rc.d that denies every start is put in
# place for the install when none exists, and the service is disabled again
# if this run installed it.
pkgs=(build-essential pkg-config meson ninja-build dpdk dpdk-dev libdpdk-dev libnuma-dev
	libpcap-dev python3 openvswitch-switch-dpdk openvswitch-common)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing ${missing[*]}"
	prc=/usr/sbin/policy-rc.d
	own_prc=0
	if [ ! -e "$prc" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$prc"
		chmod 755 "$prc"
		own_prc=1
	fi
	ovs_was=$(dpkg-query -W -f='${Status}' openvswitch-switch 2>/dev/null || true)
	rc=0
	{ DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${missing[@]}"; } || rc=$?
	[ $own_prc = 0 ] || rm -f "$prc"
	[ $rc = 0 ] || die "apt-get install failed"
	case "$ovs_was" in
	*"install ok installed"*) ;;
	*)
		if command -v systemctl >/dev/null; then
			systemctl disable openvswitch-switch.service >/dev/null 2>&1 || true
		fi
		;;
	esac
fi
ovs_vswitchd=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
[ -x "$ovs_vswitchd" ] || die "$ovs_vswitchd not found (package openvswitch-switch-dpdk)"
schema=/usr/share/openvswitch/vswitch.ovsschema
[ -r "$schema" ] || die "$schema not found (package openvswitch-common)"
py=/usr/bin/python3

# ---------------------------------------------------------------------------
# Build
if [ ! -f "$build/build.ninja" ]; then
	(cd "$top" && meson setup "$build") || die "meson setup $build failed"
fi
ninja -C "$build" > /dev/null || die "ninja -C $build failed"
fintrack=$build/app/fintrack
tracegen=$build/app/tracegen/ft-tracegen
[ -x "$fintrack" ] || die "$fintrack not built"

# ---------------------------------------------------------------------------
# State for the clean-up: only what this run started or created.
tag=ftovs-$$
tmp=$(mktemp -d "/tmp/fintrack-bench-ovs-$$.XXXXXX")
run=$tmp/ovs
gen_pid=
pids=()
ovsdb_pid=
vswitchd_pid=
ok=0

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# A daemon that detached is not our child: ask it to exit over its control
# socket, then signal it by the pid it wrote, and wait (bounded) until it is gone.
stop_daemon() { # name pid ctl-socket
	local name=$1 pid=$2 ctl=$3 i
	alive "$pid" || return 0
	timeout 20 ovs-appctl -t "$ctl" exit > /dev/null 2>&1 || true
	for ((i = 0; i < 150; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
	echo "bench-ovs.sh: $name (pid $pid) did not exit; SIGTERM" >&2
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

ovs_down() {
	stop_daemon ovs-vswitchd "$vswitchd_pid" "$run/ovs-vswitchd.ctl"
	stop_daemon ovsdb-server "$ovsdb_pid" "$run/ovsdb-server.ctl"
	vswitchd_pid=
	ovsdb_pid=
	purge_prefix "$tag-ovs"
}

cleanup() {
	set +e
	stop_pids
	ovs_down
	[ -z "$gen_pid" ] || stop_pid "$gen_pid" 15
	purge_prefix "$tag-gen"
	purge_prefix "$tag-ft"
	end_run "logs$([ -n "$trace" ] || echo ", trace") and OVS files"
}
on_exit cleanup

show_ovs_cmd() { # show_cmd, with the wrappers below spelled out
	case "$1" in
	vsctl) shift; set -- ovs-vsctl --db="unix:$run/db.sock" "$@" ;;
	appctl) shift; set -- ovs-appctl -t "$run/ovs-vswitchd.ctl" "$@" ;;
	ofctl) shift; set -- ovs-ofctl "$@" ;;
	esac
	show_cmd "$@"
}
commands=()
rec() { commands+=("$(show_ovs_cmd "$@")"); "$@"; }

# ---------------------------------------------------------------------------
# The sampler: polls the RX packet counter of the pcap port every 0.1 s until
# it has not moved for 1 s (after it started) or the bound is reached.
cat > "$tmp/sampler.py" <<'EOF'
import json, os, re, socket, subprocess, sys, time

mode, arg, bound, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
pid, comm = sys.argv[5], sys.argv[6]   # process and thread-name prefix of the forwarding thread
PERIOD, IDLE = 0.1, 1.0

def fwd_thread():
    for t in os.listdir('/proc/%s/task' % pid):
        try:
            with open('/proc/%s/task/%s/comm' % (pid, t)) as f:
                if f.read().startswith(tuple(comm.split('|'))):
                    return t
        except OSError:
            pass

def sched(tid):
    """CPU time run and time waited on the run queue (ns) of the forwarding thread."""
    try:
        with open('/proc/%s/task/%s/schedstat' % (pid, tid)) as f:
            r, w, _ = f.read().split()
        return int(r), int(w)
    except (OSError, TypeError, ValueError):
        return None

def cpu_busy():
    with open('/proc/stat') as f:
        res = {}
        for l in f:
            if l.startswith('cpu') and l[3] != ' ':
                v = [int(x) for x in l.split()[1:9]]
                res[l.split()[0]] = (sum(v), v[3] + v[4], v[7])
    return res

if mode == 'ovs':
    def rx():
        o = subprocess.run(['ovs-ofctl', 'dump-ports', 'br0', '1'], capture_output=True,
                           text=True, timeout=5).stdout
        m = re.search(r'rx pkts=(\d+)', o)
        return int(m.group(1)) if m else 0
else:
    sock = None
    def rx():
        global sock
        if sock is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect('/var/run/dpdk/%s/dpdk_telemetry.v2' % arg)
            s.recv(16384)
            sock = s
        sock.send(b'/ethdev/stats,0')
        r = json.loads(sock.recv(65536).decode()).get('/ethdev/stats')
        return int(r['ipackets']) if isinstance(r, dict) else 0

if len(sys.argv) > 7:
    # memif feed: a fixed window after a warm-up, the generator's counters too
    gen, warm, win = sys.argv[7], float(sys.argv[8]), float(sys.argv[9])
    gsock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    gsock.connect('/var/run/dpdk/%s/dpdk_telemetry.v2' % gen)
    gsock.recv(16384)
    def gstat(port, key):
        gsock.send(('/ethdev/stats,%d' % port).encode())
        return int(json.loads(gsock.recv(65536).decode())['/ethdev/stats'][key])
    def snap():
        a = time.time()
        v = rx()
        g0, g1 = gstat(0, 'ipackets'), gstat(1, 'opackets')
        b = time.time()
        return ((a + b) / 2, v, g0, g1, sched(tid))
    t0 = time.time()
    while rx() == 0 and time.time() - t0 < bound:
        time.sleep(0.05)
    tid = fwd_thread()
    time.sleep(warm)
    c0 = cpu_busy()
    A = snap()
    time.sleep(win)
    B = snap()
    c1 = cpu_busy()
    dt = B[0] - A[0]
    res = {'samples': 2, 'total': B[1], 'window_s': round(dt, 3), 'window_pkts': B[1] - A[1],
           'pps': (B[1] - A[1]) / dt, 'offered_pps': (B[2] - A[2]) / dt,
           'taken_pps': (B[3] - A[3]) / dt}
    if A[4] and B[4] and B[4][0] > A[4][0]:
        run = (B[4][0] - A[4][0]) / 1e9
        res.update(fwd_cpu_s=round(run, 3), fwd_wait_s=round((B[4][1] - A[4][1]) / 1e9, 3),
                   pps_cpu=(B[1] - A[1]) / run)
    d = {k: [y - x for x, y in zip(c0[k], c1[k])] for k in c1}
    res['busy'] = {k: round(100 * (v[0] - v[1] - v[2]) / v[0], 1) for k, v in d.items() if v[0]}
    res['steal'] = {k: round(100 * v[2] / v[0], 1) for k, v in d.items() if v[0]}
    with open(out, 'w') as f:
        for x in (A, B):
            f.write('%.4f %d %d %d %s\n' % (x[0], x[1], x[2], x[3], ' '.join(map(str, x[4] or ()))))
    print(json.dumps(res))
    sys.exit(0)

samples = []
t0 = time.time()
c0 = None
tid = None
while time.time() - t0 < bound:
    a = time.time()
    try:
        v = rx()
    except (OSError, ValueError, KeyError, subprocess.TimeoutExpired):
        v = None
    b = time.time()
    if tid is None:
        tid = fwd_thread()
    if v is not None:
        if v > 0 and c0 is None:
            c0 = cpu_busy()
        samples.append(((a + b) / 2, v, sched(tid)))
        if v > 0 and len(samples) > 1:
            last_change = max(i for i in range(1, len(samples)) if samples[i][1] != samples[i - 1][1])
            if b - samples[last_change][0] >= IDLE:
                break
    time.sleep(max(0.0, PERIOD - (time.time() - a)))
c1 = cpu_busy()
res = {'samples': len(samples), 'total': samples[-1][1] if samples else 0}
act = [i for i, s in enumerate(samples) if s[1] > 0]
if act:
    first = act[0]
    final = samples[-1][1]
    last = max(i for i in range(len(samples)) if samples[i][1] < final) if samples[first][1] < final else first
    if last > first:
        dt = samples[last][0] - samples[first][0]
        n = samples[last][1] - samples[first][1]
        res.update(window_s=round(dt, 3), window_pkts=n, pps=n / dt,
                   pass_s=round(samples[-1][0] - samples[first][0] - IDLE, 2))
        s0, s1 = samples[first][2], samples[last][2]
        if s0 and s1 and s1[0] > s0[0]:
            run = (s1[0] - s0[0]) / 1e9
            res.update(fwd_cpu_s=round(run, 3), fwd_wait_s=round((s1[1] - s0[1]) / 1e9, 3),
                       pps_cpu=n / run)
    if c0:
        d = {k: [y - x for x, y in zip(c0[k], c1[k])] for k in c1}
        res['busy'] = {k: round(100 * (v[0] - v[1] - v[2]) / v[0], 1) for k, v in d.items() if v[0]}
        res['steal'] = {k: round(100 * v[2] / v[0], 1) for k, v in d.items() if v[0]}
with open(out, 'w') as f:
    for s in samples:
        f.write('%.4f %d %s\n' % (s[0], s[1], ' '.join(map(str, s[2] or ()))))
print(json.dumps(res))
EOF
jget() { # json key -> value (or empty)
	"$py" -c 'import json, sys
d = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    d = d.get(k, {}) if isinstance(d, dict) else {}
print("" if d == {} else d)' "$1" "$2"
}
# memif: what the generator read from the trace, what memif took, and who set the rate.
limit_of() { # offered taken -> DUT or generator
	awk -v o="$1" -v a="$2" 'BEGIN { if (o <= 0) print "n/a"; else if (a < 0.97 * o) print "DUT"; else print "generator" }'
}
feed_line() { # name sampler-json
	local o a
	o=$(jget "$2" offered_pps) a=$(jget "$2" taken_pps)
	awk -v n="$1" -v o="$o" -v a="$a" -v l="$(limit_of "$o" "$a")" 'BEGIN {
		printf "  feed: generator read %.3f Mpps from the trace, memif took %.3f Mpps (%.1f%% refused: the ring was full); limited by: %s\n",
			o / 1e6, a / 1e6, (o > 0 ? 100 * (o - a) / o : 0), (l == "DUT" ? "the DUT (" n ")" : "the generator") }'
}
median() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
		END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ---------------------------------------------------------------------------
# Trace
banner
if [ -z "$trace" ]; then
	trace=$tmp/trace.pcap
	rec "$tracegen" -o "$trace" -n "$flows" -s 1 --rate "$rate" --data-segments "$dsegs" > "$tmp/tracegen.log" 2>&1 ||
		{ cat "$tmp/tracegen.log" >&2; die "ft-tracegen failed"; }
	cat "$tmp/tracegen.log"
fi
read -r npkts maxlen < <(pcap_info "$trace" classic)
[ -n "$maxlen" ] || die "cannot read $trace (net_pcap needs a classic pcap file)"
tsize=$(stat -c %s "$trace")
echo "trace: $trace, $npkts packets, $((tsize / 1048576)) MB"

# memif feed: the generator preloads every packet into an mbuf of its pool,
# one segment each (largest frame + 128 B headroom, rounded up to 64 B).
gen_mem=0
if [ "$feed" = memif ]; then
	gen_mbufs=$((npkts + 32768))
	gen_mbuf_size=$(((maxlen + 128 + 63) / 64 * 64))
	[ "$gen_mbuf_size" -ge 1024 ] || gen_mbuf_size=1024
	gen_mem=$((gen_mbufs * (gen_mbuf_size + 256) / 1048576 + 256))
	gen_mem=$(((gen_mem + 1) / 2 * 2))
	[ "$gen_mem" -le 8192 ] || die "the trace needs ${gen_mem} MB of generator mbufs for --feed memif: give fewer --flows"
fi

# Flow table and memory: every connection of a one-pass trace is still in the
# table at the end (TIME_WAIT and the other closing states last 30-60 s).
ft_max=$((flows + flows / 4 + 1024))
ft_mem=$((ft_max * 320 / 1048576 + 768))
ovs_mem=1024
need=$(((ft_mem > ovs_mem + 512 ? ft_mem : ovs_mem + 512) / 2 + gen_mem / 2 + 32))
have_free=$(cat "$SYS_HP/free_hugepages")
hp_reserve "$need" "$tmp/hugepages.log" || die "could not reserve $hp_want hugepages"
if [ -n "$hp_want" ]; then
	commands+=("$(show_cmd "$top/scripts/hugepages.sh" "$hp_want")")
	echo "hugepages: $have_free free, need $need; reserved $hp_want in total (given back at exit)"
fi

tsc_hz=2600000000
warm_cache() { # DAMON-style reclaim evicts a cold page cache: read the trace before each pass
	[ "$feed" = pcap ] || return 0
	dd if="$trace" of=/dev/null bs=4M 2> /dev/null || true
}

# ---------------------------------------------------------------------------
# The memif generator: dpdk-testpmd io, the memif client of the DUT, started
# for each pass once the DUT's memif server is up, and stopped after it. (The
# DUT is the server because a memif server refuses a client with more rings
# than it has queues, and OVS gives every port a TX queue per PMD thread plus
# one; a memif client does not reconnect after its server went away.)
gen=$tag-gen
sock=/run/$tag.sock
gen_pid=
# The port the DUTs read: their first vdev (OVS p1, fintrack and testpmd port 0).
if [ "$feed" = memif ]; then
	in_vdev="net_memif0,role=server,socket=$sock"
else
	in_vdev="net_pcap0,rx_pcap=$trace"
fi
gen_link() { # the generator's memif port status: UP or DOWN
	"$py" - "$gen" <<'PYEOF' 2> /dev/null || echo DOWN
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect('/var/run/dpdk/%s/dpdk_telemetry.v2' % sys.argv[1])
s.recv(16384)
s.send(b'/ethdev/link_status,1')
print(json.loads(s.recv(16384).decode())['/ethdev/link_status']['status'])
PYEOF
}
gen_n=0
# shellcheck disable=SC2054 # commas inside EAL arguments
gen_cmd=(dpdk-testpmd --lcores 0@0,1@0 -m "$gen_mem" --no-pci --file-prefix "$gen"
	--log-level=lib.eal:notice
	--vdev "net_pcap0,rx_pcap=$trace,infinite_rx=1" --vdev "net_memif0,role=client,socket=$sock"
	-- --forward-mode=io --auto-start --stats-period 5
	--total-num-mbufs="${gen_mbufs:-0}" --mbuf-size="${gen_mbuf_size:-0}")
gen_start() { # name: start the generator against the DUT's memif server; wait for the link
	local i
	[ "$feed" = memif ] || return 0
	gen_n=$((gen_n + 1))
	[ $gen_n != 1 ] || commands+=("$(show_cmd "${gen_cmd[@]}")" "  (the generator: started for each pass once the DUT is up, stopped after it)")
	"${gen_cmd[@]}" < /dev/null > "$tmp/testpmd-gen-$gen_n.log" 2>&1 &
	gen_pid=$!
	for ((i = 0; i < 1800; i++)); do
		[ -S "/var/run/dpdk/$gen/dpdk_telemetry.v2" ] && [ "$(gen_link)" = UP ] && return 0
		alive "$gen_pid" || break
		sleep 0.1
	done
	tail -20 "$tmp/testpmd-gen-$gen_n.log" >&2
	die "$1: the generator (log $tmp/testpmd-gen-$gen_n.log) exited or its memif link did not come up within 180 s"
}
gen_stop() {
	[ -n "$gen_pid" ] || return 0
	stop_pid "$gen_pid" 15 || true
	gen_pid=
	purge_prefix "$gen"
}
# Sampler arguments for a memif window: the generator and the times.
win_args=()
[ "$feed" = pcap ] || win_args=("$gen" "$warmup" "$window")
[ "$feed" = pcap ] || echo "generator: testpmd on CPU 0, $npkts packets preloaded into $gen_mbufs mbufs of $gen_mbuf_size B ($gen_mem MB)"

# ---------------------------------------------------------------------------
# OVS-DPDK
ovs_flows=$tmp/flows-ct.txt
cat > "$ovs_flows" <<'EOF'
table=0,priority=100,tcp,ct_state=-trk,actions=ct(table=1)
table=0,priority=0,actions=output:2
table=1,priority=100,tcp,ct_state=+trk+new,actions=ct(commit),output:2
table=1,priority=100,tcp,ct_state=+trk+est,actions=output:2
table=1,priority=50,tcp,ct_state=+trk,actions=output:2
table=1,priority=0,actions=output:2
EOF
mkdir -p "$run"
export OVS_RUNDIR=$run OVS_LOGDIR=$run OVS_DBDIR=$run OVS_SYSCONFDIR=$run OVS_PKGDATADIR=/usr/share/openvswitch
vsctl() { timeout 60 ovs-vsctl --db="unix:$run/db.sock" --timeout=50 "$@"; }
appctl() { timeout 60 ovs-appctl -t "$run/ovs-vswitchd.ctl" "$@"; }
ofctl() { timeout 60 ovs-ofctl "$@"; }

echo
echo "== OVS-DPDK $(ovs-vsctl --version | head -1 | awk '{print $NF}') with conntrack: $repeat pass(es)"
rec ovsdb-tool create "$run/conf.db" "$schema"
rec ovsdb-server "$run/conf.db" --remote="punix:$run/db.sock" --pidfile="$run/ovsdb-server.pid" \
	--unixctl="$run/ovsdb-server.ctl" --log-file="$run/ovsdb-server.log" -vconsole:off --detach --no-chdir 2>> "$run/start.log" ||
	die "ovsdb-server did not start"
ovsdb_pid=$(cat "$run/ovsdb-server.pid")
rec vsctl --no-wait init
rec vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
	other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 \
	other_config:dpdk-socket-mem=$ovs_mem other_config:dpdk-socket-limit=$((ovs_mem + 512)) \
	"other_config:dpdk-extra=--no-pci --file-prefix=$tag-ovs"
rec timeout 120 "$ovs_vswitchd" "unix:$run/db.sock" --pidfile="$run/ovs-vswitchd.pid" \
	--unixctl="$run/ovs-vswitchd.ctl" --log-file="$run/ovs-vswitchd.log" -vconsole:off --detach --no-chdir 2>> "$run/start.log" ||
	{ tail -20 "$run/ovs-vswitchd.log" >&2; die "ovs-vswitchd did not start"; }
vswitchd_pid=$(cat "$run/ovs-vswitchd.pid")
for ((i = 0; i < 600; i++)); do
	[ "$(vsctl get Open_vSwitch . dpdk_initialized 2> /dev/null)" = true ] && break
	alive "$vswitchd_pid" || break
	sleep 0.1
done
[ "$(vsctl get Open_vSwitch . dpdk_initialized)" = true ] || die "OVS: DPDK not initialised (see $run/ovs-vswitchd.log)"
hz=$(sed -n 's/.*DPDK provided TSC frequency: \([0-9]*\) KHz.*/\1/p' "$run/ovs-vswitchd.log" | head -1)
[ -z "$hz" ] || tsc_hz=$((hz * 1000))
rec vsctl add-br br0 -- set bridge br0 datapath_type=netdev
rec appctl dpctl/ct-set-maxconns $((ft_max > 3000000 ? ft_max : 3000000)) > /dev/null
rec vsctl add-port br0 p2 -- set Interface p2 type=dpdk options:dpdk-devargs=net_null0,no-rx=1 ofport_request=2
rec ofctl -O OpenFlow13 replace-flows br0 "$ovs_flows"
if [ "$feed" = memif ]; then
	commands+=("  (p1 is added once; then per pass: flush conntrack, pmd-stats-clear, start the generator)")
else
	commands+=("  (then per pass: flush conntrack, read the trace once to warm the page cache, pmd-stats-clear, and)")
fi
commands+=("$(show_ovs_cmd vsctl add-port br0 p1 -- set Interface p1 type=dpdk "options:dpdk-devargs=$in_vdev" ofport_request=1)")

O_pps=() O_cyc=() O_own=() O_cpu0=() O_pcpu=() O_off=() O_take=()
for ((r = 1; r <= repeat; r++)); do
	# pcap: a fresh port reads the trace from its start. memif: p1, the server,
	# stays for every pass (a memif server detached and attached again in one
	# process never accepts again: its listener is left on a closed socket).
	[ "$feed" = memif ] || vsctl --if-exists del-port br0 p1
	appctl dpctl/flush-conntrack > /dev/null
	ofctl -O OpenFlow13 replace-flows br0 "$ovs_flows"
	warm_cache
	nap 1
	appctl dpif-netdev/pmd-stats-clear > /dev/null
	tx0=$(ofctl dump-ports br0 2 | sed -n '/tx pkts/s/.*tx pkts=\([0-9]*\).*/\1/p' | head -1)
	new0=$(ofctl -O OpenFlow13 dump-flows br0 | sed -n 's/.*n_packets=\([0-9]*\).*ct_state=+new+trk.*/\1/p' | head -1)
	if [ "$feed" = pcap ] || [ "$r" = 1 ]; then
		vsctl add-port br0 p1 -- set Interface p1 type=dpdk \
			"options:dpdk-devargs=$in_vdev" ofport_request=1 ||
			die "OVS: cannot add p1 ($in_vdev); see $run/ovs-vswitchd.log"
	fi
	gen_start OVS
	res=$("$py" "$tmp/sampler.py" ovs - "$seconds" "$tmp/ovs-samples-$r.txt" "$vswitchd_pid" pmd "${win_args[@]}") || die "sampler failed"
	gen_stop
	{
		echo "==== pass $r: $res"
		appctl dpif-netdev/pmd-stats-show
		appctl dpctl/ct-stats-show
		ofctl -O OpenFlow13 dump-flows br0
		ofctl dump-ports br0
	} >> "$tmp/ovs-passes.log" 2>&1
	pst=$(appctl dpif-netdev/pmd-stats-show)
	own=$(sed -n 's/.*avg processing cycles per packet: \([0-9.]*\).*/\1/p' <<< "$pst" | head -1)
	conns=$(appctl dpctl/ct-stats-show | sed -n 's/.*Total: \([0-9]*\).*/\1/p' | head -1)
	newc=$(ofctl -O OpenFlow13 dump-flows br0 | sed -n 's/.*n_packets=\([0-9]*\).*ct_state=+new+trk.*/\1/p' | head -1)
	txp=$(ofctl dump-ports br0 2 | sed -n '/tx pkts/s/.*tx pkts=\([0-9]*\).*/\1/p' | head -1)
	txp=$((${txp:-0} - ${tx0:-0}))
	newc=$((${newc:-0} - ${new0:-0}))
	total=$(jget "$res" total)
	pps=$(jget "$res" pps)
	[ -n "$pps" ] || die "OVS pass $r: no rate (samples: $tmp/ovs-samples-$r.txt)"
	[ "$feed" = memif ] || [ "$total" = "$npkts" ] || echo "warning: OVS pass $r received $total of $npkts packets (bound --seconds $seconds?)"
	cyc=$(awk -v h="$tsc_hz" -v p="$pps" 'BEGIN { printf "%.0f", h / p }')
	O_pps+=("$pps") O_cyc+=("$cyc") O_own+=("${own:-0}") O_cpu0+=("$(jget "$res" busy.cpu0)")
	O_pcpu+=("$(jget "$res" pps_cpu)") O_off+=("$(jget "$res" offered_pps)") O_take+=("$(jget "$res" taken_pps)")
	[ "$feed" = pcap ] || feed_line OVS "$res"
	printf 'OVS pass %d: %.3f Mpps over %ss (%s of %s packets in the window), %s TSC cycles/pkt (OVS: %s processing cycles/pkt); rx %s, p2 tx %s, conntrack entries %s, ct(commit) hits %s; CPU0 busy %s%%, CPU1 %s%%; PMD thread ran %ss, waited %ss\n' \
		"$r" "$(awk -v p="$pps" 'BEGIN { print p / 1e6 }')" "$(jget "$res" window_s)" "$(jget "$res" window_pkts)" \
		"$npkts" "$cyc" "${own:-n/a}" "$total" "${txp:-?}" "${conns:-?}" "${newc:-?}" \
		"$(jget "$res" busy.cpu0)" "$(jget "$res" busy.cpu1)" "$(jget "$res" fwd_cpu_s)" "$(jget "$res" fwd_wait_s)"
done
vsctl --if-exists del-port br0 p1
ovs_down
echo "OVS stopped (ovs-vswitchd and ovsdb-server exited)"

# ---------------------------------------------------------------------------
# fintrack
echo
echo "== fintrack live: $repeat pass(es)"
F_pps=() F_cyc=() F_cpu0=() F_pcpu=() F_off=() F_take=()
ft_fail=0
for ((r = 1; r <= repeat; r++)); do
	warm_cache
	nap 1
	prefix=$tag-ft
	# shellcheck disable=SC2054 # commas inside EAL arguments
	ft_cmd=("$fintrack" --lcores "0@0,1@1" -m "$ft_mem" --no-pci --file-prefix "$prefix"
		--log-level=lib.eal:notice
		--vdev "$in_vdev" --vdev net_null0,no-rx=1
		-- --max-flows "$ft_max" --max-flows-v6 1024 --stats-interval 1 --report "$tmp/ft-report-$r.json")
	[ "$r" != 1 ] || commands+=("$(show_cmd "${ft_cmd[@]}")")
	"${ft_cmd[@]}" < /dev/null > "$tmp/fintrack-$r.log" 2>&1 &
	pids+=($!)
	ft_pid=$!
	for ((i = 0; i < 600; i++)); do
		[ -S "/var/run/dpdk/$prefix/dpdk_telemetry.v2" ] && break
		alive "$ft_pid" || break
		sleep 0.05
	done
	[ -S "/var/run/dpdk/$prefix/dpdk_telemetry.v2" ] ||
		{ tail -20 "$tmp/fintrack-$r.log" >&2; die "fintrack did not start (log $tmp/fintrack-$r.log)"; }
	gen_start fintrack
	res=$("$py" "$tmp/sampler.py" tel "$prefix" "$seconds" "$tmp/ft-samples-$r.txt" "$ft_pid" 'rte-worker|lcore-worker' "${win_args[@]}") || die "sampler failed"
	tracked=$(echo /fintrack/summary | timeout 10 dpdk-telemetry.py -f "$prefix" 2> /dev/null |
		"$py" -c 'import json, sys
t = sys.stdin.read(); t = t[t.index("{"):]
print(json.loads(t)["/fintrack/summary"].get("flows", "?"))' 2> /dev/null || echo "?")
	gen_stop
	rc=0
	stop_pid "$ft_pid" 20 || rc=$?
	pids=()
	purge_prefix "$prefix"
	[ "$rc" = 0 ] || { ft_fail=1; echo "warning: fintrack pass $r exited with $rc"; }
	echo "==== pass $r: $res" >> "$tmp/ft-passes.log"
	sed -n '/^Ports/,$p' "$tmp/fintrack-$r.log" >> "$tmp/ft-passes.log"
	total=$(jget "$res" total)
	pps=$(jget "$res" pps)
	[ -n "$pps" ] || die "fintrack pass $r: no rate (samples: $tmp/ft-samples-$r.txt)"
	[ "$feed" = memif ] || [ "$total" = "$npkts" ] || echo "warning: fintrack pass $r received $total of $npkts packets (bound --seconds $seconds?)"
	fwd=$(sed -n 's/^  port 0 -> 1: rx [0-9]*, sent out of port 1 \([0-9]*\),.*/\1/p' "$tmp/fintrack-$r.log" | head -1)
	cyc=$(awk -v h="$tsc_hz" -v p="$pps" 'BEGIN { printf "%.0f", h / p }')
	F_pps+=("$pps") F_cyc+=("$cyc") F_cpu0+=("$(jget "$res" busy.cpu0)")
	F_pcpu+=("$(jget "$res" pps_cpu)") F_off+=("$(jget "$res" offered_pps)") F_take+=("$(jget "$res" taken_pps)")
	printf 'fintrack pass %d: %.3f Mpps over %ss (%s of %s packets in the window), %s TSC cycles/pkt; rx %s, sent out of port 1 %s, flows tracked %s; CPU0 busy %s%%, CPU1 %s%%; worker thread ran %ss, waited %ss; exit %s\n' \
		"$r" "$(awk -v p="$pps" 'BEGIN { print p / 1e6 }')" "$(jget "$res" window_s)" "$(jget "$res" window_pkts)" \
		"$npkts" "$cyc" "$total" "${fwd:-?}" "$tracked" "$(jget "$res" busy.cpu0)" "$(jget "$res" busy.cpu1)" \
		"$(jget "$res" fwd_cpu_s)" "$(jget "$res" fwd_wait_s)" "$rc"
	[ "$feed" = pcap ] || feed_line fintrack "$res"
done

# ---------------------------------------------------------------------------
# dpdk-testpmd io on the same vdevs: what reading the trace and dropping it
# costs without any per-packet work (the input ceiling of both rows above).
T_pps=() T_pcpu=() T_off=() T_take=()
if [ $ceiling = 1 ]; then
	echo
	echo "== dpdk-testpmd io (input ceiling): $repeat pass(es)"
	for ((r = 1; r <= repeat; r++)); do
		warm_cache
		nap 1
		prefix=$tag-tpm
		# shellcheck disable=SC2054 # commas inside EAL arguments
		tp_cmd=(dpdk-testpmd --lcores "0@0,1@1" -m 512 --no-pci --file-prefix "$prefix"
			--log-level=lib.eal:notice
			--vdev "$in_vdev" --vdev net_null0,no-rx=1
			-- --forward-mode=io --auto-start --nb-cores=1 --stats-period 1 --total-num-mbufs=32768)
		[ "$r" != 1 ] || commands+=("$(show_cmd "${tp_cmd[@]}")")
		"${tp_cmd[@]}" < /dev/null > "$tmp/testpmd-$r.log" 2>&1 &
		pids+=($!)
		tp_pid=$!
		for ((i = 0; i < 600; i++)); do
			[ -S "/var/run/dpdk/$prefix/dpdk_telemetry.v2" ] && break
			alive "$tp_pid" || break
			sleep 0.05
		done
		[ -S "/var/run/dpdk/$prefix/dpdk_telemetry.v2" ] ||
			{ tail -20 "$tmp/testpmd-$r.log" >&2; die "dpdk-testpmd did not start (log $tmp/testpmd-$r.log)"; }
		gen_start "testpmd io"
		res=$("$py" "$tmp/sampler.py" tel "$prefix" "$seconds" "$tmp/tpm-samples-$r.txt" "$tp_pid" 'rte-worker|lcore-worker' "${win_args[@]}") || die "sampler failed"
		gen_stop
		stop_pid "$tp_pid" 20 || true
		pids=()
		purge_prefix "$prefix"
		pps=$(jget "$res" pps)
		[ -n "$pps" ] || die "testpmd pass $r: no rate (samples: $tmp/tpm-samples-$r.txt)"
		T_pps+=("$pps") T_pcpu+=("$(jget "$res" pps_cpu)") T_off+=("$(jget "$res" offered_pps)") T_take+=("$(jget "$res" taken_pps)")
		printf 'testpmd pass %d: %.3f Mpps over %ss, %.0f TSC cycles/pkt; rx %s; worker thread ran %ss, waited %ss\n' "$r" \
			"$(awk -v p="$pps" 'BEGIN { print p / 1e6 }')" "$(jget "$res" window_s)" \
			"$(awk -v h="$tsc_hz" -v p="$pps" 'BEGIN { print h / p }')" "$(jget "$res" total)" \
			"$(jget "$res" fwd_cpu_s)" "$(jget "$res" fwd_wait_s)"
		[ "$feed" = pcap ] || feed_line "testpmd io" "$res"
	done
fi

# ---------------------------------------------------------------------------
# Report
om=$(median "${O_pps[@]}")
fm=$(median "${F_pps[@]}")
oc=$(median "${O_cyc[@]}" | awk '{ printf "%.0f", $1 }')
fc=$(median "${F_cyc[@]}" | awk '{ printf "%.0f", $1 }')
oo=$(median "${O_own[@]}" | awk '{ printf "%.0f", $1 }')
ratio=$(awk -v f="$fm" -v o="$om" 'BEGIN { printf "%.2f", f / o }')
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%.3f-%.3f", a / 1e6, b / 1e6 }'; }
echo
if [ "$feed" = memif ]; then
	echo "================ memif feed: a ${window}-s window of the looped trace ($npkts packets, $flows connections), one forwarding core each (CPU 1) ================"
else
	echo "================ one pass of $npkts packets ($flows connections), one forwarding core each (CPU 1) ================"
fi
mcpu() { median "$@" | awk '{ if ($1 > 0) printf "%.3f", $1 / 1e6; else print "n/a" }'; }
printf '  %-34s %12s %16s %14s %8s %14s\n' "" "Mpps median" "range ($repeat)" "TSC cyc/pkt" "ns/pkt" "Mpps/CPU-s"
printf '  %-34s %12.3f %16s %14s %8.0f %14s\n' "OVS-DPDK 3.1, ct(commit) pipeline" "$(awk -v p="$om" 'BEGIN { print p / 1e6 }')" \
	"$(range "${O_pps[@]}")" "$oc" "$(awk -v p="$om" 'BEGIN { print 1e9 / p }')" "$(mcpu "${O_pcpu[@]}")"
printf '  %-34s %12.3f %16s %14s %8.0f %14s\n' "fintrack live, 1 worker" "$(awk -v p="$fm" 'BEGIN { print p / 1e6 }')" \
	"$(range "${F_pps[@]}")" "$fc" "$(awk -v p="$fm" 'BEGIN { print 1e9 / p }')" "$(mcpu "${F_pcpu[@]}")"
if [ ${#T_pps[@]} -gt 0 ]; then
	tm=$(median "${T_pps[@]}")
	tc=$(awk -v h="$tsc_hz" -v p="$tm" 'BEGIN { printf "%.0f", h / p }')
	printf '  %-34s %12.3f %16s %14s %8.0f %14s\n' "dpdk-testpmd io (input ceiling)" "$(awk -v p="$tm" 'BEGIN { print p / 1e6 }')" \
		"$(range "${T_pps[@]}")" "$tc" "$(awk -v p="$tm" 'BEGIN { print 1e9 / p }')" "$(mcpu "${T_pcpu[@]}")"
fi
echo "  ratio fintrack / OVS (medians): $ratio"
awk -v f="$(mcpu "${F_pcpu[@]}")" -v o="$(mcpu "${O_pcpu[@]}")" 'BEGIN { if (f + 0 > 0 && o + 0 > 0)
	printf "  ratio per CPU-second of the forwarding thread (time it was preempted left out): %.2f\n", f / o }'
t_gen_limited=0
for ((i = 0; i < ${#T_off[@]}; i++)); do
	[ "$(limit_of "${T_off[i]}" "${T_take[i]}")" != generator ] || t_gen_limited=1
done
if [ $t_gen_limited = 1 ]; then
	echo "  testpmd io took all the generator gave in a pass: its cycles/pkt are not the input path's cost, so no ratio without it"
elif [ ${#T_pps[@]} -gt 0 ]; then
	awk -v o="$oc" -v f="$fc" -v t="$tc" 'BEGIN { if (f > t && o > t)
		printf "  without the input path (cycles/pkt minus testpmd io'"'"'s %d): OVS %d, fintrack %d, ratio %.2f\n", t, o - t, f - t, (o - t) / (f - t) }'
fi
echo "  OVS's own avg processing cycles per packet (pmd-stats-show, median): $oo"
if [ "$feed" = memif ]; then
	lim() { # name offered[] taken[] (as one string each) -> per pass
		local o a k out=''
		read -ra o <<< "$2"
		read -ra a <<< "$3"
		for k in "${!o[@]}"; do out+=" $(limit_of "${o[k]}" "${a[k]}")"; done
		echo "  limited by, per pass ($1):$out"
	}
	lim OVS "${O_off[*]}" "${O_take[*]}"
	lim fintrack "${F_off[*]}" "${F_take[*]}"
	[ ${#T_off[@]} -eq 0 ] || lim "testpmd io" "${T_off[*]}" "${T_take[*]}"
	echo "  (DUT: memif refused more than 3% of what the generator read, the DUT was behind; generator: the DUT took it all)"
	echo "  the window: ${window} s after ${warmup} s from link up; the trace loops, so every 5-tuple comes back in the"
	echo "  state its last loop left it (closing states, TIME_WAIT): reuse, not only new connections"
fi
echo "  CPU 0 busy during the passes (control threads and anything else on the machine): OVS ${O_cpu0[*]}%, fintrack ${F_cpu0[*]}%"
if [ "$feed" = memif ]; then
	echo "  rate = RX packets of the DUT's memif port over the window (two samples); cycles = TSC Hz ($tsc_hz) / rate;"
else
	echo "  rate = RX packets of the pcap port between the first sample with traffic and the last sample"
	echo "  before the counter stops (0.1 s polling), over that time; cycles = TSC Hz ($tsc_hz) / rate;"
fi
echo "  Mpps/CPU-s = the same packets over the CPU time the forwarding thread got in that window"
echo "  (schedstat), which leaves out the time other processes on the machine took from its CPU"
extra=$(awk -v f="$(mcpu "${F_pcpu[@]}")" -v o="$(mcpu "${O_pcpu[@]}")" 'BEGIN { if (f + 0 > 0 && o + 0 > 0)
	printf ",\"ovs_mpps_per_cpu_s\":%.3f,\"fintrack_mpps_per_cpu_s\":%.3f,\"ratio_per_cpu_s\":%.2f", o, f, f / o }')
[ ${#T_pps[@]} -eq 0 ] || extra+=$(awk -v p="$tm" -v c="$tc" 'BEGIN { printf ",\"testpmd_io_mpps\":%.3f,\"testpmd_io_tsc_cycles_per_pkt\":%d", p / 1e6, c }')
printf '{"bench":"ovs-peer","feed":"%s","flows":%s,"packets":%s,"repeat":%s,"ovs_mpps":%.3f,"fintrack_mpps":%.3f,"ratio":%s,"ovs_tsc_cycles_per_pkt":%s,"fintrack_tsc_cycles_per_pkt":%s%s}\n' \
	"$feed" "$flows" "$npkts" "$repeat" "$(awk -v p="$om" 'BEGIN { print p / 1e6 }')" \
	"$(awk -v p="$fm" 'BEGIN { print p / 1e6 }')" "$ratio" "$oc" "$fc" "$extra"
echo
echo "================ commands ================"
show_cmd "${cmdline[@]}"
echo "  which ran:"
printf '%s\n' "${commands[@]}"
[ $ft_fail = 0 ] || { echo "fintrack exited with an error in at least one pass" >&2; exit 1; }
ok=1
