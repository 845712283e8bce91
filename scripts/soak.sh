#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Soak test: live fintrack fed a generator trace of millions of connections in
# a loop for a bounded time, sampled every few seconds. Tracked flows and
# memory must stay flat.
#
#   input:  net_pcap0,rx_pcap=FIFO  (a named pipe; a feeder process writes the
#           trace into it again and again until the time is up: the pcap
#           header once, then every packet record of the trace, loop after
#           loop). Unlike infinite_rx, nothing is preloaded into mbufs, so
#           a trace of any size loops.
#   output: net_null0,no-rx=1 (sink)
#   fintrack: one worker lcore (CPU 1), control lcore (CPU 0); the feeder and
#             the sampler are pinned to CPU 0 as well
#
# Every loop re-uses the 5-tuples of the previous one while they are still in
# TIME_WAIT or another closing state: that exercises tuple reuse, the timer
# wheel and the table's deletes as well as inserts.
#
# Every --interval seconds the script records: flows tracked and the
# per-state gauges (/fintrack/summary over telemetry), the process RSS
# (VmRSS), the DPDK heap in use (/eal/heap_info,0), and fintrack's packet
# counter. At the end it prints the series and a verdict: flat when, over the
# second half of the run, neither tracked flows, nor the private memory of the
# process (RssAnon), nor DPDK heap in use grows by more than --tolerance
# percent (least-squares trend over the second half, and the mean of the last
# quarter against the mean of the third). Tracked flows that never exceed the
# generated trace's connections count as bounded. VmRSS and RssShmem are shown
# too: with --no-huge, DPDK memory reserved at start is shared memory whose
# pages count once first touched, so RssShmem may rise up to the heap size.
#
# Usage: scripts/soak.sh [options] [-- fintrack app options]
#   --flows N          connections in the generated trace (default 2000000)
#   --data-segments N  request/response exchanges per connection (default 1)
#   --trace FILE       loop this classic pcap instead of generating one
#   --seconds S        how long to run (default 600)
#   --interval S       seconds between samples (default 5)
#   --tolerance PCT    allowed growth over the second half, percent (default 2)
#   --hugepages        run on 2 MB hugepages (reserved when short, given back at
#                      exit); default: --no-huge
#   --build DIR        build directory holding app/fintrack (default build)
#   --keep             keep the trace and the logs
#   -h, --help         this text
# Needs root. Exit code 0: flat and fintrack exited 0; 1: growth or an error.

set -eu
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

flows=2000000
dsegs=1
trace=
seconds=600
interval=5
tol=2
huge=0
build=$top/build
keep=0
ft_args=()

cmdline=("$0" "$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--flows) flows=${2:?--flows N}; isnum "$flows" --flows; shift 2 ;;
	--data-segments) dsegs=${2:?--data-segments N}; isnum "$dsegs" --data-segments; shift 2 ;;
	--trace) trace=${2:?--trace FILE}; shift 2 ;;
	--seconds) seconds=${2:?--seconds S}; isnum "$seconds" --seconds; shift 2 ;;
	--interval) interval=${2:?--interval S}; isnum "$interval" --interval; shift 2 ;;
	--tolerance) tol=${2:?--tolerance PCT}; isnum "$tol" --tolerance; shift 2 ;;
	--hugepages) huge=1; shift ;;
	--) shift; ft_args=("$@"); break ;;
	*) common_option "$@"; shift "$took" ;;
	esac
done
[ "$interval" -ge 1 ] || die "--interval must be at least 1"
[ "$seconds" -ge $((interval * 6)) ] || die "--seconds must be at least 6 intervals ($((interval * 6)) s)"
[ "$flows" -ge 1 ] || die "--flows must be at least 1"
need_build dpdk-telemetry.py

tag=fintrack-soak-$$
prefix=$tag
tmp=$(mktemp -d "/tmp/$tag.XXXXXX")
pids=()
ok=0

cleanup() {
	set +e
	stop_pids
	purge_prefix "$prefix"
	end_run "logs$([ -n "${gen_trace:-}" ] && echo " and trace")"
}
on_exit cleanup

commands=()

banner
# ---------------------------------------------------------------------------
# Trace
gen_trace=
if [ -z "$trace" ]; then
	trace=$tmp/trace.pcap
	gen_trace=1
	cmd=("$tracegen" -o "$trace" -n "$flows" -s 1 --rate 1000000 --data-segments "$dsegs")
	commands+=("$(show_cmd "${cmd[@]}")")
	"${cmd[@]}" > "$tmp/tracegen.log" 2>&1 || { cat "$tmp/tracegen.log" >&2; die "ft-tracegen failed"; }
	tail -1 "$tmp/tracegen.log"
fi
npkts=$(pcap_count "$trace") || die "cannot read $trace (net_pcap needs a classic pcap file)"
echo "trace: $trace, $npkts packets, $(($(stat -c %s "$trace") / 1048576)) MB"

# ---------------------------------------------------------------------------
# Feeder: writes the trace into a named pipe in a loop until the deadline.
cat > "$tmp/feed.py" <<'EOF'
import fcntl, os, signal, sys, time
trace, fifo, seconds, status = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
out = os.open(fifo, os.O_WRONLY)          # blocks until fintrack opens the pipe
try:
    fcntl.fcntl(out, 1031, 1 << 20)        # F_SETPIPE_SZ: 1 MB pipe
except OSError:
    pass
end = time.time() + seconds
size = os.path.getsize(trace)
loops = 0
with open(trace, 'rb') as f:
    fd = f.fileno()
    os.write(out, f.read(24))
    while time.time() < end:
        off = 24
        while off < size and time.time() < end:
            n = os.sendfile(out, fd, off, min(size - off, 1 << 22))
            if n <= 0:
                break
            off += n
        if off >= size:
            loops += 1
        with open(status, 'w') as s:
            s.write('%d\n' % loops)
# Stop at a record boundary is not needed: fintrack is stopped before the
# pipe is closed, so a partial record is never parsed.
time.sleep(3600)
EOF
fifo=$tmp/trace.fifo
mkfifo "$fifo"

# ---------------------------------------------------------------------------
# fintrack
max_flows=$((flows + flows / 4 + 1024))
mem=$((max_flows * 320 / 1048576 + 768))
if [ $huge = 1 ]; then
	memopt=(-m "$mem")
	hp_reserve $((mem / 2 + 32)) "$tmp/hugepages.log" ||
		die "could not reserve $hp_want hugepages"
	[ -z "$hp_want" ] || commands+=("  $top/scripts/hugepages.sh $hp_want")
else
	memopt=(--no-huge -m "$mem")
fi
# shellcheck disable=SC2054 # commas inside EAL arguments
ft_cmd=("$fintrack" --lcores "0@0,1@1" "${memopt[@]}" --no-pci --file-prefix "$prefix"
	--log-level=lib.eal:notice --vdev "net_pcap0,rx_pcap=$fifo" --vdev net_null0,no-rx=1
	-- --max-flows "$max_flows" --max-flows-v6 1024 --stats-interval "$interval" "${ft_args[@]}")
commands+=("$(show_cmd "${ft_cmd[@]}")")
"${ft_cmd[@]}" < /dev/null > "$tmp/fintrack.log" 2>&1 &
pids+=($!)
ft_pid=$!
# The feeder and the sampler stay on CPU 0, off the worker's CPU.
pin=()
command -v taskset > /dev/null && pin=(taskset -c 0)
feed_cmd=("${pin[@]}" "$py" "$tmp/feed.py" "$trace" "$fifo" $((seconds + 60)) "$tmp/loops")
commands+=("$(show_cmd "${feed_cmd[@]}")  (feeder: the trace into the pipe, loop after loop)")
"${feed_cmd[@]}" < /dev/null > "$tmp/feed.log" 2>&1 &
pids+=($!)
feed_pid=$!
for ((i = 0; i < 600; i++)); do
	[ -S "/var/run/dpdk/$prefix/dpdk_telemetry.v2" ] && grep -q '^port 0:' "$tmp/fintrack.log" && break
	kill -0 "$ft_pid" 2> /dev/null || break
	sleep 0.1
done
grep -q '^port 0:' "$tmp/fintrack.log" ||
	{ tail -20 "$tmp/fintrack.log" >&2; die "fintrack did not start forwarding within 60 s"; }
echo "fintrack pid $ft_pid, feeder pid $feed_pid; sampling every ${interval}s for ${seconds}s"

# ---------------------------------------------------------------------------
# Sampler: one line per interval, as JSON.
cat > "$tmp/sample.py" <<'EOF'
import json, socket, sys, time
prefix, pid, seconds, interval, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
loops_file = sys.argv[6]

def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect('/var/run/dpdk/%s/dpdk_telemetry.v2' % prefix)
    s.recv(16384)
    return s

def q(s, cmd):
    s.send(cmd.encode())
    return json.loads(s.recv(1 << 20).decode())[cmd.split(',')[0]]

def rss_kb():
    """VmRSS, RssAnon (private memory: malloc) and RssShmem (DPDK memory with --no-huge), kB."""
    v = {}
    with open('/proc/%s/status' % pid) as f:
        for l in f:
            k = l.split(':')[0]
            if k in ('VmRSS', 'RssAnon', 'RssShmem'):
                v[k] = int(l.split()[1])
    return v

s = conn()
t0 = time.time()
k = 0
with open(out, 'w') as f:
    while True:
        k += 1
        target = t0 + k * interval
        if target - t0 > seconds + 0.01:
            break
        time.sleep(max(0.0, target - time.time()))
        try:
            summ = q(s, '/fintrack/summary')
            heap = q(s, '/eal/heap_info,0')
            st = q(s, '/ethdev/stats,0')
            rss = rss_kb()
        except (OSError, ValueError, KeyError, TypeError) as e:
            print('sample failed: %s' % e, file=sys.stderr)
            break
        try:
            loops = int(open(loops_file).read())
        except (OSError, ValueError):
            loops = 0
        row = {'t': round(time.time() - t0, 1), 'flows': summ.get('flows'),
               'client': summ.get('client'), 'server': summ.get('server'),
               'counters': summ.get('counters'), 'rss_kb': rss.get('VmRSS'),
               'rss_anon_kb': rss.get('RssAnon'), 'rss_shmem_kb': rss.get('RssShmem'),
               'heap_alloc': heap.get('Alloc_size'), 'heap_size': heap.get('Heap_size'),
               'rx': st.get('ipackets'), 'loops': loops}
        f.write(json.dumps(row) + '\n')
        f.flush()
EOF
sample_cmd=("${pin[@]}" "$py" "$tmp/sample.py" "$prefix" "$ft_pid" "$seconds" "$interval" "$tmp/series.jsonl" "$tmp/loops")
"${sample_cmd[@]}" || true
kill -0 "$ft_pid" 2> /dev/null || die "fintrack died during the soak (log $tmp/fintrack.log)"

rc=0
stop_pid "$ft_pid" 30 || rc=$?
stop_pid "$feed_pid" 5 > /dev/null 2>&1 || true
pids=()
purge_prefix "$prefix"

# ---------------------------------------------------------------------------
# Report
echo
echo "================ fintrack per-state summary at the end (printed at SIGINT) ================"
sed -n '/per-state summary/,$p' "$tmp/fintrack.log"
echo
verdict=0
"$py" - "$tmp/series.jsonl" "$tol" "$npkts" "$([ -n "$gen_trace" ] && echo "$flows" || echo 0)" <<'EOF' || verdict=$?
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
tol, npkts, conns = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
if len(rows) < 6:
    print('too few samples (%d)' % len(rows)); sys.exit(1)
states = ['SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSING',
          'TIME_WAIT', 'CLOSE_WAIT', 'LAST_ACK']
ab = {'SYN_SENT': 'SS', 'SYN_RECV': 'SR', 'ESTABLISHED': 'EST', 'FIN_WAIT1': 'FW1',
      'FIN_WAIT2': 'FW2', 'CLOSING': 'CLG', 'TIME_WAIT': 'TW', 'CLOSE_WAIT': 'CW', 'LAST_ACK': 'LA'}
print('================ time series (client-side / server-side endpoints per state) ================')
hdr = '%6s %9s %6s %6s %9s %9s %9s %9s %9s  %s' % ('t s', 'flows', 'loops', 'Mpps', 'RSS MB', 'anon MB', 'shmem MB', 'heap MB', 'heap tot', 'client: ' + ' '.join(ab[s] for s in states) + ' | server: same')
print(hdr)
prev = None
for r in rows:
    mpps = ''
    if prev:
        mpps = '%.2f' % ((r['rx'] - prev['rx']) / (r['t'] - prev['t']) / 1e6)
    c = ' '.join(str(r['client'].get(s, 0)) for s in states)
    sv = ' '.join(str(r['server'].get(s, 0)) for s in states)
    print('%6.0f %9d %6d %6s %9.1f %9.1f %9.1f %9.1f %9.1f  %s | %s' % (r['t'], r['flows'], r['loops'], mpps,
          r['rss_kb'] / 1024, r['rss_anon_kb'] / 1024, r['rss_shmem_kb'] / 1024,
          r['heap_alloc'] / 1048576, r['heap_size'] / 1048576, c, sv))
    prev = r
cnt = rows[-1].get('counters') or {}
if cnt:
    print('counters at the last sample: ' + ', '.join('%s %s' % kv for kv in cnt.items()))
pk = rows[-1]['rx']
print('packets received: %d (%.1f passes over the %d-packet trace) in %.0f s, %.2f Mpps mean'
      % (pk, pk / npkts, npkts, rows[-1]['t'], pk / rows[-1]['t'] / 1e6))

half = [r for r in rows if r['t'] >= rows[-1]['t'] / 2]
def trend(key):
    xs = [r['t'] for r in half]
    ys = [float(r[key]) for r in half]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    fit = 100.0 * slope * (xs[-1] - xs[0]) / my if my else 0.0
    h = n // 2
    q3, q4 = sum(ys[:h]) / h, sum(ys[h:]) / (n - h)
    end = 100.0 * (q4 - q3) / q3 if q3 else 0.0
    spread = 100.0 * (max(ys) - min(ys)) / max(ys) if max(ys) else 0.0
    return fit, end, spread, q3, q4
print()
print('================ verdict (second half: t >= %.0f s, %d samples; tolerance %g%%) ================'
      % (half[0]['t'], len(half), tol))
bad = []
notes = []
peak = max(r['flows'] for r in rows)
heap_max = max(r['heap_size'] for r in rows) / 1024
for key, name, judged in (('flows', 'tracked flows', True), ('rss_anon_kb', 'RSS anonymous', True),
                          ('heap_alloc', 'DPDK heap in use', True), ('rss_kb', 'RSS (VmRSS)', False),
                          ('rss_shmem_kb', 'RSS shared', False)):
    fit, end, spread, a, b = trend(key)
    flat = fit <= tol and end <= tol
    how = 'flat' if flat else 'grows'
    if not flat and key == 'flows' and conns and peak <= conns:
        # the count moves with the loop's phase, but never above the trace's connections
        flat, how = True, 'bounded'
        notes.append('tracked flows move with the position in the loop but never exceed the %d '
                     'connections of the trace (peak %d): no flow is left behind' % (conns, peak))
    if not judged and not flat:
        how = 'info'
        if max(r['rss_shmem_kb'] for r in rows) <= heap_max:
            flat = True
            notes.append('RSS shared (DPDK memory with --no-huge) grows as pages of memory reserved at '
                         'start are first touched; it stays within the DPDK heap (%.0f MB): not a leak'
                         % (heap_max / 1024))
        else:
            flat = False
            how = 'GROWS'
    print('  %-17s 3rd quarter %14.0f  4th quarter %14.0f (means)  change %+7.2f%%  trend over the half %+7.2f%%  spread %6.2f%%  %s'
          % (name, a, b, end, fit, spread, how if how != 'grows' else 'GROWS'))
    if not flat:
        bad.append(name)
for n in dict.fromkeys(notes):
    print('  note: ' + n)
if bad:
    print('NOT FLAT: ' + ', '.join(bad) + ' grew by more than %g%% over the second half' % tol)
    sys.exit(1)
print('FLAT: tracked flows, private memory (RSS anonymous) and DPDK heap in use did not grow over the second half')
EOF
echo
echo "================ commands ================"
show_cmd "${cmdline[@]}"
echo "  which ran:"
printf '%s\n' "${commands[@]}"
echo "  samples: /fintrack/summary, /eal/heap_info,0 and /ethdev/stats,0 over telemetry, VmRSS from /proc/$ft_pid/status"
echo "  fintrack stopped with SIGINT: exit $rc"
[ "$rc" = 0 ] || { echo "fintrack exited with $rc" >&2; exit 1; }
[ "$verdict" = 0 ] || exit 1
ok=1
