#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The fintrack authors
#
# Feed live fintrack from dpdk-testpmd in another process over net_memif and
# print the rates both report.
#
#   generator: dpdk-testpmd, io forwarding
#     port 0  net_pcap  rx_pcap=<trace from ft-tracegen>,infinite_rx=1 (TX dropped)
#     port 1  net_memif role=server, socket /run/fintrack-memif-<pid>-a.sock
#             (memif's default abstract socket: no file appears)
#   DUT: fintrack live mode, pair 0:1
#     port 0  net_memif role=client on the same socket
#     port 1  net_null  no-rx=1 (sink: everything fintrack forwards is dropped)
#
# With --baseline a second dpdk-testpmd in io mode takes fintrack's place on
# the same memif socket first (same generator, same lcores, net_null sink),
# then fintrack runs; both rates are printed side by side with their ratio.
#
# Rates come from the ethdev counters read over each process's telemetry
# socket at the start and the end of the window (/ethdev/stats,<port>); the
# processes' own per-second lines from the window are printed too.
#
# Who limited each run: the generator counts what it read from the pcap and
# what memif took; what memif refused was dropped because the ring was full
# (the DUT was behind). fintrack's busy share and TSC cycles per packet while
# busy over the window (/fintrack/lcore,<id>) say whether it had idle polls;
# the baseline testpmd runs with --record-core-cycles and prints its own
# cycles per packet at exit. The cycles per packet of the two DUTs compare
# their cost even when the generator set the rate.
#
# Usage: scripts/testpmd-memif.sh [options] [-- fintrack app options]
#   --flows N          flows in the generated trace (default 2000 with --baseline: a
#                      small trace the generator replays from cache, fast enough to
#                      fill the memif ring; 100000 without)
#   --seconds S        measuring window per run (default 10)
#   --warmup S         seconds between the memif link coming up and the window (default 2)
#   --trace FILE       replay this pcap/pcapng instead of generating one
#   --baseline         also run testpmd io in fintrack's place and print the ratio
#   --repeat N         N rounds (baseline, then fintrack, against the same generator);
#                      prints every round and the medians (default 1)
#   --hugepages        run on 2 MB hugepages (reserved with scripts/hugepages.sh when
#                      short, given back at exit); the default with --baseline
#   --no-hugepages     run on --no-huge memory (the default without --baseline)
#   --compare-build D  in each round also run D/app/fintrack (another build) in
#                      fintrack's place: an A/B of two builds against the same generator
#   --gen-lcores L     EAL --lcores of the generator testpmd (default 0@0,1@0)
#   --dut-lcores L     EAL --lcores of fintrack (default 0@1,1@1): first = control lcore,
#                      the others are workers
#   --base-lcores L    EAL --lcores of the baseline testpmd (default: --dut-lcores)
#   --dut-mem MB       memory of fintrack (default 1024 + 512 per worker)
#   --build DIR        build directory holding app/fintrack (default: build)
#   --keep             keep the trace and the logs (they are kept anyway on failure)
#   -h, --help         this text
# Needs root. Exit code 0 when every process started, the memif link came up
# and fintrack exited 0.

set -eu
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

flows=
seconds=10
warmup=2
trace=
baseline=0
repeat=1
huge=
cmp_build=
gen_lcores=0@0,1@0
dut_lcores=0@1,1@1
base_lcores=
dut_mem=
build=$top/build
keep=0
ft_args=()

while [ $# -gt 0 ]; do
	case "$1" in
	--flows) flows=${2:?--flows N}; isnum "$flows" --flows; shift 2 ;;
	--seconds) seconds=${2:?--seconds S}; isnum "$seconds" --seconds; shift 2 ;;
	--warmup) warmup=${2:?--warmup S}; isnum "$warmup" --warmup; shift 2 ;;
	--trace) trace=${2:?--trace FILE}; shift 2 ;;
	--baseline) baseline=1; shift ;;
	--repeat) repeat=${2:?--repeat N}; isnum "$repeat" --repeat; shift 2 ;;
	--hugepages) huge=1; shift ;;
	--no-hugepages) huge=0; shift ;;
	--compare-build) cmp_build=${2:?--compare-build DIR}; shift 2 ;;
	--gen-lcores) gen_lcores=${2:?--gen-lcores L}; shift 2 ;;
	--dut-lcores) dut_lcores=${2:?--dut-lcores L}; shift 2 ;;
	--base-lcores) base_lcores=${2:?--base-lcores L}; shift 2 ;;
	--dut-mem) dut_mem=${2:?--dut-mem MB}; isnum "$dut_mem" --dut-mem; shift 2 ;;
	--) shift; ft_args=("$@"); break ;;
	*) common_option "$@"; shift "$took" ;;
	esac
done
[ -n "$base_lcores" ] || base_lcores=$dut_lcores
[ -n "$flows" ] || flows=$([ $baseline = 1 ] && echo 2000 || echo 100000)
[ -n "$huge" ] || huge=$baseline
cmp_fintrack=
if [ -n "$cmp_build" ]; then
	cmp_fintrack=$cmp_build/app/fintrack
	[ -x "$cmp_fintrack" ] || die "--compare-build $cmp_build: no $cmp_fintrack (build it with ninja -C $cmp_build)"
fi
[ "$seconds" -ge 1 ] || die "--seconds must be at least 1"
[ "$repeat" -ge 1 ] || die "--repeat must be at least 1"

need_build dpdk-testpmd

# ---------------------------------------------------------------------------
# State for the clean-up: only what this run started or created.
tag=fintrack-memif-$$
sock=/run/$tag-a.sock
tmp=$(mktemp -d "/tmp/$tag.XXXXXX")
prefixes=()
pids=()
ok=0

cleanup() {
	local p
	set +e
	stop_pids
	rm -f "$sock"
	for p in "${prefixes[@]}"; do
		purge_prefix "$p"
	done
	end_run "logs and trace"
}
on_exit cleanup

# Small helpers in Python: telemetry snapshots, lcore -> CPU sets.
cat > "$tmp/helper.py" <<'EOF'
import json, socket, struct, sys, time

def snap(specs):
    """epoch, then per PREFIX:PORT the ipackets and opackets from /ethdev/stats,
    then per PREFIX:PORT the imissed."""
    out = []
    missed = []
    t = []
    for spec in specs:
        prefix, port = spec.rsplit(':', 1)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect('/var/run/dpdk/%s/dpdk_telemetry.v2' % prefix)
        s.recv(16384)
        t.append(time.time())
        s.send(('/ethdev/stats,%s' % port).encode())
        st = json.loads(s.recv(65536).decode())['/ethdev/stats']
        t.append(time.time())
        s.close()
        out += [str(st['ipackets']), str(st['opackets'])]
        missed.append(str(st.get('imissed', 0)))
    print('%.6f' % (sum(t) / len(t)), ' '.join(out + missed))

def busy(prefix, lcores):
    """Sum over fintrack's worker lcores of busy and idle TSC cycles and packets."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect('/var/run/dpdk/%s/dpdk_telemetry.v2' % prefix)
    s.recv(16384)
    b = i = n = 0
    for lc in lcores.split(','):
        s.send(('/fintrack/lcore,%s' % lc).encode())
        st = json.loads(s.recv(1 << 20).decode())['/fintrack/lcore']
        b += st['busy_tsc_cycles']
        i += st['idle_tsc_cycles']
        n += st['pkts']
    s.close()
    print(b, i, n)

def cpu(pids):
    """CPU jiffies used by each pid (all threads), then busy and stolen jiffies of the machine."""
    out = []
    for pid in pids:
        with open('/proc/%s/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        out.append(str(int(fields[11]) + int(fields[12])))  # utime + stime
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user (includes guest) + nice + system + irq + softirq; then steal
    out.append(str(v[0] + v[1] + v[2] + v[5] + v[6]))
    out.append(str(v[7] if len(v) > 7 else 0))
    print(' '.join(out))

def link(prefix, port):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect('/var/run/dpdk/%s/dpdk_telemetry.v2' % prefix)
    s.recv(16384)
    s.send(('/ethdev/link_status,%s' % port).encode())
    print(json.loads(s.recv(16384).decode())['/ethdev/link_status']['status'])

def cpus(lcores, side=1):
    """CPUs (side 1) or lcore ids (side 0) named by an EAL --lcores string
    (lcore@cpu, (a,b)@(c-d), plain lcores and ranges)."""
    res = set()
    def expand(x):
        x = x.strip('()')
        for part in x.split(','):
            if '-' in part:
                a, b = part.split('-')
                res.update(range(int(a), int(b) + 1))
            elif part:
                res.add(int(part))
    depth, tok, toks = 0, '', []
    for c in lcores:
        depth += c == '('
        depth -= c == ')'
        if c == ',' and depth == 0:
            toks.append(tok); tok = ''
        else:
            tok += c
    toks.append(tok)
    for t in toks:
        if '@' in t:
            expand(t.split('@', 1)[side])
        else:
            expand(t)
    return sorted(res)

cmd = sys.argv[1]
if cmd == 'cpus':
    print(','.join(str(c) for c in cpus(sys.argv[2])))
elif cmd == 'nlcores':
    print(len(cpus(sys.argv[2], 0)))
elif cmd == 'workers':
    print(','.join(str(c) for c in cpus(sys.argv[2], 0)[1:]))
else:
    # telemetry and /proc reads: retry a few times before giving up
    for attempt in range(5):
        try:
            if cmd == 'snap':
                snap(sys.argv[2:])
            elif cmd == 'cpu':
                cpu(sys.argv[2:])
            elif cmd == 'link':
                link(sys.argv[2], sys.argv[3])
            elif cmd == 'busy':
                busy(sys.argv[2], sys.argv[3])
            break
        except (OSError, ValueError, KeyError) as e:
            if attempt == 4:
                sys.exit('helper %s %s: %s: %s' % (cmd, ' '.join(sys.argv[2:]),
                                                   type(e).__name__, e))
            time.sleep(0.2)
EOF
helper() { "$py" "$tmp/helper.py" "$@"; }

commands=()
record_cmds=1
run_bg() { # log-file command...: start in the background, record the pid
	local log=$1
	shift
	[ $record_cmds = 0 ] || commands+=("$(show_cmd "$@")")
	"$@" < /dev/null > "$log" 2>&1 &
	pids+=($!)
}

# ---------------------------------------------------------------------------
# Trace(s). memif has no RSS: its client must not have more queues than its
# server, so the generator gets one memif queue per fintrack worker, each fed
# by a pcap queue of its own (net_pcap: one rx_pcap= per queue). With W
# workers, W traces of flows/W flows each are made with seeds 1..W; a --trace
# file is replayed on every queue.
nworkers() { # lcores string -> number of lcores minus the main one
	echo $(($(helper nlcores "$1") - 1))
}
dut_workers=$(nworkers "$dut_lcores")
dut_workers_list=$(helper workers "$dut_lcores")
[ "$dut_workers" -ge 1 ] || die "--dut-lcores '$dut_lcores' names no worker lcore (needs main + at least one)"
nq=$dut_workers
traces=()
if [ -z "$trace" ]; then
	for ((q = 1; q <= nq; q++)); do
		t=$tmp/trace$([ "$nq" = 1 ] || echo "-$q").pcap
		n=$((flows / nq + (q <= flows % nq ? 1 : 0)))
		# No request/response payloads (--data-segments 0): smaller frames and
		# fewer packets per flow, so the preloaded trace fits in less memory.
		cmd=("$tracegen" -o "$t" -n "$n" -s "$q" --data-segments 0)
		commands+=("$(show_cmd "${cmd[@]}")")
		"${cmd[@]}" || die "ft-tracegen failed"
		traces+=("$t")
	done
else
	for ((q = 1; q <= nq; q++)); do traces+=("$trace"); done
	[ "$nq" = 1 ] || echo "note: --trace with $nq workers: each of the $nq memif queues replays the whole trace"
fi
npkts=0 maxlen=0
for t in "${traces[@]}"; do
	read -r n m < <(pcap_info "$t")
	[ -n "$m" ] || die "cannot read $t"
	[ "$n" -gt 0 ] || die "$t holds no packets"
	npkts=$((npkts + n))
	[ "$m" -le "$maxlen" ] || maxlen=$m
done
pcap_vdev=net_pcap0
for t in "${traces[@]}"; do pcap_vdev+=",rx_pcap=$t"; done
pcap_vdev+=",infinite_rx=1"
qopts=()
[ "$nq" = 1 ] || qopts=(--rxq="$nq" --txq="$nq")

# net_pcap with infinite_rx preloads every packet of the trace into an mbuf of
# the generator's pool, one segment each: size the pool and its buffers from
# the trace (largest frame + 128 B headroom, rounded up to 64 B).
gen_mbufs=$((npkts + 32768 * nq))
gen_mbuf_size=$(((maxlen + 128 + 63) / 64 * 64))
[ "$gen_mbuf_size" -ge 1024 ] || gen_mbuf_size=1024
gen_mem=$((gen_mbufs * (gen_mbuf_size + 256) / 1048576 + 256))
gen_mem=$(((gen_mem + 1) / 2 * 2))

[ -n "$dut_mem" ] || dut_mem=$((1024 + 512 * dut_workers))
base_mem=512

mem_opts() { # MB -> EAL memory options
	if [ $huge = 1 ]; then
		echo "-m $1"
	else
		echo "--no-huge -m $1"
	fi
}

# ---------------------------------------------------------------------------
# Hugepages
if [ $huge = 1 ]; then
	need=$(((gen_mem + dut_mem + (baseline ? base_mem : 0)) / 2 + 64))
	have_free=$(cat "$SYS_HP/free_hugepages")
	hp_reserve "$need" "$tmp/hugepages.log" || die "could not reserve $hp_want hugepages"
	if [ -n "$hp_want" ]; then
		echo "hugepages: $have_free free, this run needs about $need; reserved $hp_want in total"
		commands+=("  $top/scripts/hugepages.sh $hp_want")
	fi
fi

if [ $huge = 0 ]; then
	echo "note: --no-huge: the generator's ${gen_mem} MB of 4 KB pages cost it TLB misses on every" \
		"packet and it may become the bottleneck; --hugepages gives higher ceilings"
fi

# ---------------------------------------------------------------------------
# CPU placement
gen_cpus=$(helper cpus "$gen_lcores")
dut_cpus=$(helper cpus "$dut_lcores")
base_cpus=$(helper cpus "$base_lcores")
ncpu=$(nproc)
overlap=$(comm -12 <(tr , '\n' <<< "$gen_cpus" | sort) <(tr , '\n' <<< "$dut_cpus" | sort) | tr '\n' ' ')
echo "CPUs: $ncpu online; generator on CPU $gen_cpus, fintrack on CPU $dut_cpus$([ $baseline = 1 ] && echo ", baseline testpmd on CPU $base_cpus")"
if [ -n "$overlap" ]; then
	echo "note: generator and fintrack share CPU $overlap: they compete for it, so the rates are lower bounds"
fi
for l in "$gen_lcores" "$dut_lcores"; do
	if [ "$(helper cpus "$l" | tr , '\n' | wc -l)" -le "$(nworkers "$l")" ]; then
		echo "note: '$l' puts more lcores than CPUs (oversubscribed; the main lcores mostly sleep, so this costs little)"
	fi
done

# ---------------------------------------------------------------------------
# Generator
gen=$tag-gen
prefixes+=("$gen")
rm -f "$sock"
# shellcheck disable=SC2046
run_bg "$tmp/testpmd-gen.log" stdbuf -oL dpdk-testpmd --lcores "$gen_lcores" $(mem_opts "$gen_mem") --no-pci \
	--file-prefix "$gen" --log-level=lib.eal:notice \
	--vdev "$pcap_vdev" \
	--vdev "net_memif0,role=server,socket=$sock" \
	-- --forward-mode=io --auto-start --stats-period 1 \
	--total-num-mbufs="$gen_mbufs" --mbuf-size="$gen_mbuf_size" "${qopts[@]}"
gen_pid=${pids[-1]}
echo "generator: testpmd pid $gen_pid, $npkts packets (largest frame $maxlen B) preloaded into $gen_mbufs mbufs of $gen_mbuf_size B, $gen_mem MB"
for ((i = 0; i < 1200; i++)); do
	grep -q 'packet forwarding - ports=' "$tmp/testpmd-gen.log" && break
	kill -0 "$gen_pid" 2>/dev/null || { tail -20 "$tmp/testpmd-gen.log" >&2; die "generator testpmd exited during start-up"; }
	sleep 0.1
done
grep -q 'packet forwarding - ports=' "$tmp/testpmd-gen.log" || die "generator testpmd did not start in 120 s"
for ((i = 0; i < 100; i++)); do
	[ -S "/var/run/dpdk/$gen/dpdk_telemetry.v2" ] && break
	sleep 0.1
done

# ---------------------------------------------------------------------------
# One measured run: DUT = fintrack or baseline testpmd. Sets r_gen_tx, r_rx,
# r_tx (pps over the window), r_rc and the line numbers of the window in the log.
# Start a DUT with the command in $start_fn and wait until the memif link is
# up. A memif client that finds no server at the moment it starts its port
# gives up ("Failed to connect socket"); that is retried twice.
start_dut() { # name prefix log start_fn; sets dut_pid
	local name=$1 prefix=$2 log=$3 start_fn=$4 attempt i rec=$record_cmds
	for attempt in 1 2 3; do
		"$start_fn"
		record_cmds=0
		dut_pid=${pids[-1]}
		for ((i = 0; i < 300; i++)); do
			if [ -S "/var/run/dpdk/$prefix/dpdk_telemetry.v2" ] &&
				[ "$(helper link "$gen" 1 2>/dev/null)" = UP ]; then
				record_cmds=$rec
				return 0
			fi
			kill -0 "$dut_pid" 2>/dev/null || break
			sleep 0.1
		done
		stop_pid "$dut_pid" 5 || true
		if [ $attempt -lt 3 ] && grep -q 'Failed to connect socket' "$log"; then
			echo "$name: could not connect to the generator's memif socket; retrying"
			mv "$log" "$log.attempt$attempt"
			purge_prefix "$prefix"
			nap 1
			continue
		fi
		tail -30 "$log" >&2
		die "$name did not come up (exited or no memif link within 30 s); log: $log"
	done
}

measure() { # name prefix log pid [fintrack]: the last argument asks for fintrack's busy cycles
	local name=$1 prefix=$2 log=$3 pid=$4 is_ft=${5:-} s0 s1 b0='' b1=''
	echo "$name: memif link up; warm-up ${warmup}s, then measuring ${seconds}s"
	nap "$warmup"
	g0=$(wc -l < "$tmp/testpmd-gen.log")
	d0=$(wc -l < "$log")
	s0=$(helper snap "$gen:0" "$gen:1" "$prefix:0" "$prefix:1") || die "telemetry snapshot failed"
	[ -z "$is_ft" ] || b0=$(helper busy "$prefix" "$dut_workers_list") || die "telemetry /fintrack/lcore failed"
	c0=$(helper cpu "$gen_pid" "$pid")
	nap "$seconds"
	s1=$(helper snap "$gen:0" "$gen:1" "$prefix:0" "$prefix:1") || die "telemetry snapshot failed"
	[ -z "$is_ft" ] || b1=$(helper busy "$prefix" "$dut_workers_list") || die "telemetry /fintrack/lcore failed"
	c1=$(helper cpu "$gen_pid" "$pid")
	g1=$(wc -l < "$tmp/testpmd-gen.log")
	d1=$(wc -l < "$log")
	kill -0 "$pid" 2>/dev/null || die "$name died during the window"
	read -r r_offer r_gen_tx r_rx r_tx <<< "$(awk -v a="$s0" -v b="$s1" 'BEGIN {
		split(a, x, " "); split(b, y, " "); dt = y[1] - x[1];
		# fields: t, then ipackets opackets of gen port 0, gen port 1, DUT port 0, DUT port 1
		printf "%.0f %.0f %.0f %.0f\n", (y[2] - x[2]) / dt, (y[5] - x[5]) / dt,
			(y[6] - x[6]) / dt, (y[9] - x[9]) / dt }')"
	# CPU use over the window, in CPUs: generator, DUT, everything else
	read -r r_gen_cpu r_dut_cpu r_other_cpu r_steal <<< "$(awk -v a="$s0" -v b="$s1" -v c="$c0" -v d="$c1" \
		-v hz="$(getconf CLK_TCK)" 'BEGIN {
		split(a, x, " "); split(b, y, " "); dt = y[1] - x[1];
		split(c, p, " "); split(d, q, " ");
		g = (q[1] - p[1]) / hz / dt; u = (q[2] - p[2]) / hz / dt; t = (q[3] - p[3]) / hz / dt;
		o = t - g - u; if (o < 0) o = 0; st = (q[4] - p[4]) / hz / dt;
		printf "%.2f %.2f %.2f %.2f\n", g, u, o, st }')"
	# DUT RX misses (imissed of its memif port; memif itself does not count them)
	r_missed=$(awk -v a="$s0" -v b="$s1" 'BEGIN { split(a, x, " "); split(b, y, " "); print y[12] - x[12] }')
	# fintrack: busy share of its workers and TSC cycles per packet while busy, over the window
	r_busy='' r_cyc=''
	if [ -n "$is_ft" ]; then
		read -r r_busy r_cyc <<< "$(awk -v a="$b0" -v b="$b1" 'BEGIN {
			split(a, x, " "); split(b, y, " ");
			db = y[1] - x[1]; di = y[2] - x[2]; dn = y[3] - x[3];
			printf "%.3f %.0f\n", (db + di) ? db / (db + di) : 0, dn ? db / dn : 0 }')"
	fi
	r_rc=0
	stop_pid "$pid" 15 || r_rc=$?
}

# Who set the rate of a run: offered (read from the pcap), taken by memif,
# generator CPU share, DUT busy share (empty: unknown) -> "DUT", "generator"
# or "generator (CPU)": the generator dropped because it ran in bursts, having
# its CPU only part of the time, while the DUT still had idle polls.
limit_of() {
	awk -v o="$1" -v a="$2" -v g="$3" -v b="$4" 'BEGIN {
		if (o <= 0) { print "n/a"; exit }
		if (a >= 0.97 * o) { print (g < 0.9) ? "generator (CPU)" : "generator"; exit }
		if (b != "" && b < 0.9) { print "generator (CPU)"; exit }
		if (b == "" && g < 0.9) { print "unclear (generator CPU-starved)"; exit }
		print "DUT" }'
}

# testpmd --record-core-cycles: "CPU cycles/packet=N" of the last forwarding stats it printed.
testpmd_cyc() { # log
	sed -n 's/.*CPU cycles\/packet=\([0-9.]*\).*/\1/p' "$1" | tail -1 | awk '{ printf "%.0f", $1 }'
}

# Mean of testpmd's "Tx-pps" of one port over the lines [from, to] of its log.
testpmd_pps() { # log port from to field(Rx-pps|Tx-pps)
	sed -n "$3,$4p" "$1" | awk -v port="$2" -v f="$5:" '
		/NIC statistics for port/ { cur = $(NF - 1) }
		$1 == f && cur == port { s += $2; n++ }
		END { if (n) printf "%.0f (mean of %d one-second lines)", s / n, n; else print "n/a" }'
}

fmt() { # pps -> "12.34 Mpps"
	awk -v v="$1" 'BEGIN { printf "%.3f Mpps", v / 1e6 }'
}

bound() { # offered accepted -> who limited the rate
	awk -v o="$1" -v a="$2" 'BEGIN {
		if (o <= 0) { print "n/a"; exit }
		if (a < 0.97 * o)
			printf "the DUT side (its memif RX copy + its processing): the memif ring was full and the generator dropped %.1f%% of what it read", 100 * (o - a) / o;
		else
			printf "the generator (the DUT took all it was offered: its rate is a lower bound of what it can do)" }'
}

median() { # numbers... -> their median
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
		END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.4f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

per_cpu() { # pps cpus -> "12.34 Mpps per CPU-second"
	awk -v v="$1" -v c="$2" 'BEGIN { if (c > 0) printf "%.3f Mpps", v / c / 1e6; else print "n/a" }'
}

# Wait until the generator's memif server has seen the client go, so that the
# next client does not race the old connection.
wait_link_down() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(helper link "$gen" 1 2>/dev/null)" = UP ] || break
		sleep 0.1
	done
}

start_base() {
	# shellcheck disable=SC2046
	run_bg "$base_log" stdbuf -oL dpdk-testpmd --lcores "$base_lcores" $(mem_opts "$base_mem") --no-pci \
		--file-prefix "$base" --log-level=lib.eal:notice \
		--vdev "net_memif0,role=client,socket=$sock" --vdev net_null0,no-rx=1 \
		-- --forward-mode=io --auto-start --stats-period 1 --total-num-mbufs=32768 \
		--record-core-cycles "${qopts[@]}"
}

ft_bin=$fintrack
start_fintrack() {
	# shellcheck disable=SC2046
	run_bg "$ft_log" "$ft_bin" --lcores "$dut_lcores" $(mem_opts "$dut_mem") --no-pci \
		--file-prefix "$dut" --log-level=lib.eal:notice \
		--vdev "net_memif0,role=client,socket=$sock" --vdev net_null0,no-rx=1 \
		-- --stats-interval 1 "${ft_args[@]}"
}

# One measured fintrack run: label binary round-tag; sets the r_* of measure().
run_ft() {
	local label=$1 rt=$3
	ft_bin=$2
	dut=$tag-dut$rt
	ft_log=$tmp/fintrack$rt.log
	prefixes+=("$dut")
	start_dut "$label" "$dut" "$ft_log" start_fintrack
	measure "$label" "$dut" "$ft_log" "$dut_pid" fintrack
	r_gen_own=$(testpmd_pps "$tmp/testpmd-gen.log" 1 "$g0" "$g1" Tx-pps)
	r_lines=$(sed -n "${d0},${d1}p" "$ft_log" | grep -E '^port [0-9]+:' || true)
	echo "$label: $(fmt "$r_rx"), busy $(awk -v b="$r_busy" 'BEGIN { printf "%.1f%%", 100 * b }'), $r_cyc TSC cycles/packet while busy; stopped (exit $r_rc)"
	purge_prefix "$dut"
	[ "$r_rc" = 0 ] || ft_fail=1
	record_cmds=0
	wait_link_down
	kill -0 "$gen_pid" 2>/dev/null || die "the generator testpmd (pid $gen_pid) exited; its log: $tmp/testpmd-gen.log"
}

R_b_rx=() R_f_rx=() R_b_cpu=() R_f_cpu=() R_b_lim=() R_f_lim=()
R_b_cyc=() R_f_busy=() R_f_cyc=() R_c_rx=() R_c_busy=() R_c_cyc=() R_c_lim=()
ft_fail=0
for ((round = 1; round <= repeat; round++)); do
	rtag=
	[ "$repeat" = 1 ] || { rtag=$round; echo "---- round $round of $repeat"; }

	# Baseline: testpmd io in fintrack's place.
	if [ $baseline = 1 ]; then
		base=$tag-base$rtag
		base_log=$tmp/testpmd-base$rtag.log
		prefixes+=("$base")
		start_dut "baseline testpmd" "$base" "$base_log" start_base
		measure "baseline testpmd" "$base" "$base_log" "$dut_pid"
		b_offer=$r_offer b_gen_tx=$r_gen_tx b_rx=$r_rx b_tx=$r_tx b_rc=$r_rc
		b_gen_cpu=$r_gen_cpu b_dut_cpu=$r_dut_cpu b_other_cpu=$r_other_cpu b_steal=$r_steal
		b_gen_own=$(testpmd_pps "$tmp/testpmd-gen.log" 1 "$g0" "$g1" Tx-pps)
		b_own=$(testpmd_pps "$base_log" 0 "$d0" "$d1" Rx-pps)
		b_cyc=$(testpmd_cyc "$base_log")
		b_missed=$r_missed
		R_b_rx+=("$b_rx") R_b_cpu+=("$b_dut_cpu") R_b_cyc+=("$b_cyc")
		R_b_lim+=("$(limit_of "$b_offer" "$b_gen_tx" "$b_gen_cpu" "")")
		echo "baseline testpmd: $(fmt "$b_rx"), ${b_cyc:-n/a} TSC cycles/packet while busy (its whole run); stopped (exit $b_rc)"
		purge_prefix "$base"
		wait_link_down
		kill -0 "$gen_pid" 2>/dev/null || die "the generator testpmd (pid $gen_pid) exited; its log: $tmp/testpmd-gen.log"
	fi

	# fintrack (and the build to compare with)
	run_ft fintrack "$fintrack" "$rtag"
	f_offer=$r_offer f_gen_tx=$r_gen_tx f_rx=$r_rx f_tx=$r_tx f_rc=$r_rc f_missed=$r_missed
	f_gen_cpu=$r_gen_cpu f_dut_cpu=$r_dut_cpu f_other_cpu=$r_other_cpu f_steal=$r_steal
	f_busy=$r_busy f_cyc=$r_cyc f_gen_own=$r_gen_own f_lines=$r_lines
	R_f_rx+=("$f_rx") R_f_cpu+=("$f_dut_cpu") R_f_busy+=("$f_busy") R_f_cyc+=("$f_cyc")
	R_f_lim+=("$(limit_of "$f_offer" "$f_gen_tx" "$f_gen_cpu" "$f_busy")")
	f_log=$ft_log
	if [ -n "$cmp_fintrack" ]; then
		run_ft "fintrack ($cmp_build)" "$cmp_fintrack" "c$rtag"
		R_c_rx+=("$r_rx") R_c_busy+=("$r_busy") R_c_cyc+=("$r_cyc")
		R_c_lim+=("$(limit_of "$r_offer" "$r_gen_tx" "$r_gen_cpu" "$r_busy")")
	fi
	record_cmds=0
	wait_link_down
done

gen_rc=0
stop_pid "$gen_pid" 15 || gen_rc=$?

# ---------------------------------------------------------------------------
# Report
echo
echo "================ fintrack per-state summary (printed at SIGINT) ================"
sed -n '/^fintrack live: per-state summary/,$p' "$f_log"
echo
echo "================ rates over the ${seconds}s window$([ "$repeat" = 1 ] || echo " of the last round") (ethdev counters via telemetry) ================"
printf '  %-46s %s\n' "testpmd generator read from the pcap (port 0):" "$(fmt "$f_offer")"
printf '  %-46s %s\n' "testpmd generator TX into memif (port 1):" "$(fmt "$f_gen_tx")"
printf '  %-46s %s\n' "fintrack RX from memif (port 0):" "$(fmt "$f_rx")"
printf '  %-46s %s\n' "fintrack TX to net_null (port 1):" "$(fmt "$f_tx")"
printf '  %-46s %s\n' "fintrack RX per CPU-second it got:" "$(per_cpu "$f_rx" "$f_dut_cpu")"
echo "  CPUs busy in the window: generator $f_gen_cpu, fintrack $f_dut_cpu, everything else $f_other_cpu," \
	"stolen by the hypervisor $f_steal" \
	"(of $ncpu; a poll-mode process uses 1.00 per forwarding lcore when it has its CPU to itself;" \
	"less means it waited for the CPU)"
echo "  limited by: $(bound "$f_offer" "$f_gen_tx")"
echo "  fintrack's workers over the window: busy $(awk -v b="$f_busy" 'BEGIN { printf "%.1f%%", 100 * b }') of their cycles," \
	"$f_cyc TSC cycles per packet while busy; DUT RX misses (imissed): $f_missed"
echo "  verdict: $(limit_of "$f_offer" "$f_gen_tx" "$f_gen_cpu" "$f_busy")" \
	"(DUT: memif refused packets while fintrack was busy >= 90%; generator (CPU): it dropped, but fintrack" \
	"still had idle polls, because the generator had its CPU only part of the time)"
echo "  testpmd's own Tx-pps of port 1: $f_gen_own"
echo "  fintrack's own per-second lines in the window:"
if [ -n "$f_lines" ]; then
	while IFS= read -r l; do echo "    $l"; done <<< "$f_lines"
else
	echo "    (none)"
fi
if [ $baseline = 1 ]; then
	echo
	echo "================ fintrack vs testpmd io on the same memif path ================"
	printf '  %-34s %22s %22s\n' "" "testpmd io" "fintrack"
	printf '  %-34s %22s %22s\n' "generator read from the pcap" "$(fmt "$b_offer")" "$(fmt "$f_offer")"
	printf '  %-34s %22s %22s\n' "generator TX into memif" "$(fmt "$b_gen_tx")" "$(fmt "$f_gen_tx")"
	printf '  %-34s %22s %22s\n' "DUT RX from memif" "$(fmt "$b_rx")" "$(fmt "$f_rx")"
	printf '  %-34s %22s %22s\n' "DUT TX to net_null" "$(fmt "$b_tx")" "$(fmt "$f_tx")"
	printf '  %-34s %22s %22s\n' "DUT RX per CPU-second" "$(per_cpu "$b_rx" "$b_dut_cpu")" "$(per_cpu "$f_rx" "$f_dut_cpu")"
	printf '  %-34s %22s %22s\n' "DUT TSC cycles/packet while busy" "${b_cyc:-n/a} (whole run)" "$f_cyc (window)"
	printf '  %-34s %22s %22s\n' "DUT RX misses (imissed)" "$b_missed" "$f_missed"
	printf '  %-34s %22s %22s\n' "CPUs: generator / DUT / others" "$b_gen_cpu / $b_dut_cpu / $b_other_cpu" "$f_gen_cpu / $f_dut_cpu / $f_other_cpu"
	awk -v f="$f_rx" -v b="$b_rx" -v fc="$f_dut_cpu" -v bc="$b_dut_cpu" 'BEGIN {
		if (b > 0) printf "  ratio fintrack / testpmd io (RX): %.3f", f / b;
		if (b > 0 && fc > 0 && bc > 0) printf "   (per CPU-second: %.3f)", (f / fc) / (b / bc);
		printf "\n" }'
	printf '  %-34s %22s %22s\n' "CPUs stolen by the hypervisor" "$b_steal" "$f_steal"
	if awk -v a="$b_other_cpu" -v b="$f_other_cpu" 'BEGIN { exit !(a > 0.2 || b > 0.2) }'; then
		echo "  note: other processes used CPU during the windows; compare the per-CPU-second rates, or rerun on an idle machine"
	fi
	echo "  baseline limited by: $(bound "$b_offer" "$b_gen_tx")"
	echo "  fintrack limited by: $(bound "$f_offer" "$f_gen_tx")"
	echo "  verdicts: baseline $(limit_of "$b_offer" "$b_gen_tx" "$b_gen_cpu" ""), fintrack $(limit_of "$f_offer" "$f_gen_tx" "$f_gen_cpu" "$f_busy")"
	awk -v b="$b_cyc" -v f="$f_cyc" 'BEGIN { if (b > 0 && f > 0) printf "  cost ratio testpmd io / fintrack (TSC cycles per packet while busy): %.3f\n", b / f }'
	echo "  baseline testpmd's own Rx-pps of port 0: $b_own; generator's Tx-pps: $b_gen_own"
fi
# Every round: Mpps (limit), TSC cycles per packet while busy; the ratios
# of the rates and of the costs (testpmd io's cycles / fintrack's).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.3f", a / b; else print "n/a" }'; }
echo
echo "================ all $repeat round(s) (DUT RX from memif, who limited, TSC cycles/packet while busy) ================"
hdr=$(printf '  %-6s' round)
[ $baseline = 0 ] || hdr+=$(printf ' %-38s' "testpmd io")
hdr+=$(printf ' %-42s' "fintrack (busy)")
[ -z "$cmp_fintrack" ] || hdr+=$(printf ' %-42s' "fintrack $cmp_build (busy)")
[ $baseline = 0 ] || hdr+=$(printf ' %-9s %-9s' "ratio" "cost")
[ -z "$cmp_fintrack" ] || hdr+=$(printf ' %-9s %-9s' "A/B" "cost B/A")
echo "$hdr"
ratios=() costs=() abr=() abc=()
for ((i = 0; i < repeat; i++)); do
	line=$(printf '  %-6s' $((i + 1)))
	[ $baseline = 0 ] || line+=$(printf ' %-38s' "$(fmt "${R_b_rx[i]}") (${R_b_lim[i]}; ${R_b_cyc[i]:-n/a} cyc)")
	line+=$(printf ' %-42s' "$(fmt "${R_f_rx[i]}") (${R_f_lim[i]}; ${R_f_busy[i]}; ${R_f_cyc[i]} cyc)")
	[ -z "$cmp_fintrack" ] || line+=$(printf ' %-42s' "$(fmt "${R_c_rx[i]}") (${R_c_lim[i]}; ${R_c_busy[i]}; ${R_c_cyc[i]} cyc)")
	if [ $baseline = 1 ]; then
		ratios+=("$(ratio "${R_f_rx[i]}" "${R_b_rx[i]}")") costs+=("$(ratio "${R_b_cyc[i]:-0}" "${R_f_cyc[i]}")")
		line+=$(printf ' %-9s %-9s' "${ratios[-1]}" "${costs[-1]}")
	fi
	if [ -n "$cmp_fintrack" ]; then
		abr+=("$(ratio "${R_f_rx[i]}" "${R_c_rx[i]}")") abc+=("$(ratio "${R_f_cyc[i]}" "${R_c_cyc[i]}")")
		line+=$(printf ' %-9s %-9s' "${abr[-1]}" "${abc[-1]}")
	fi
	echo "$line"
done
if [ "$repeat" -gt 1 ]; then
	line=$(printf '  %-6s' median)
	[ $baseline = 0 ] || line+=$(printf ' %-38s' "$(fmt "$(median "${R_b_rx[@]}")") ($(median "${R_b_cyc[@]}") cyc)")
	line+=$(printf ' %-42s' "$(fmt "$(median "${R_f_rx[@]}")") ($(median "${R_f_cyc[@]}") cyc)")
	[ -z "$cmp_fintrack" ] || line+=$(printf ' %-42s' "$(fmt "$(median "${R_c_rx[@]}")") ($(median "${R_c_cyc[@]}") cyc)")
	[ $baseline = 0 ] || line+=$(printf ' %-9s %-9s' "$(median "${ratios[@]}")" "$(median "${costs[@]}")")
	[ -z "$cmp_fintrack" ] || line+=$(printf ' %-9s %-9s' "$(median "${abr[@]}")" "$(median "${abc[@]}")")
	echo "$line"
fi
echo "  ratio: fintrack / testpmd io Mpps; cost: testpmd io's cycles per packet / fintrack's (both while busy)"
[ -z "$cmp_fintrack" ] || echo "  A/B: this build's Mpps / $cmp_build's; cost B/A: this build's cycles per packet / $cmp_build's (below 1: this build is cheaper)"
echo
echo "================ commands ================"
printf '%s\n' "${commands[@]}"
[ "$repeat" = 1 ] || echo "  (the same again in every round, with the round number appended to the --file-prefix values)"
echo "  (stopped with SIGINT by pid: fintrack exit $f_rc, generator exit $gen_rc$([ $baseline = 1 ] && echo ", baseline exit $b_rc"))"
echo "  rates: ethdev counters read over each process's telemetry socket (/ethdev/stats,PORT) at the start and the end of the window"

pids=()
if [ $ft_fail = 0 ]; then
	ok=1
else
	echo "fintrack exited with an error in at least one round (see the logs)" >&2
	exit 1
fi
