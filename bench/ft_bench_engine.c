/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * Layer 1 benchmark: the whole engine in process, one lcore, no NIC.
 *
 *   ft-bench-engine [EAL options] -- --flows N [--packets M] [--seed S]
 *
 * N connections are opened (SYN, SYN-ACK, ACK), M packets of established
 * traffic go to random connections, every connection is closed (FIN, ACK,
 * FIN, ACK) and the clock is moved on until every TIME_WAIT has expired.
 * Each lifecycle step visits the connections in one random order.
 *
 *   ft-bench-engine [EAL options] -- --pcap FILE
 *
 * replays a trace (for instance one from ft-tracegen, with every close type,
 * RSTs and tuple reuse) held in memory, in bursts of 32 at the trace's clock
 * with the timers run as time passes, and reports the same figures over the
 * whole run; its floor is rte_hash_lookup_bulk() of the same packets' keys on
 * a table holding every key of the trace.
 *
 * Events go to a sink that counts them, so that building them is timed too.
 * Frames are built between timed calls; only the engine calls are timed
 * (TSC). The floor, in the same run, is rte_hash_lookup_bulk() of the same
 * established-traffic keys on the engine's own table; the second floor adds a
 * read-modify-write of one 64-byte line of state per packet, indexed by the
 * id the lookup found. Results are printed as
 * a table, then the command line, then one JSON line.
 */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include <pcap/pcap.h>

#include "ft_bench_common.h"
#include "ft_engine.h"
#include "ft_test_pkt.h"

#define BURST 32
/* Keys of the floor timed as one window (16 bytes each). */
#define WINDOW_KEYS_MAX (1u << 24)
#define FRAME		FT_TEST_FRAME_MAX
#define CLIENT_BASE	0xc6120000u /* 198.18.0.0 */
#define SERVER_BASE	0xc6130000u /* 198.19.0.0 */
#define PORTS_PER_IP	60000u

struct bench {
	struct ft_engine *e;
	uint32_t nflows;
	uint64_t npackets;
	uint64_t seed;
	uint32_t *cseq;	 /* Client's next sequence number, per flow. */
	uint32_t *sseq;	 /* Server's next sequence number, per flow. */
	uint32_t *order; /* Flows in the random order the lifecycle steps visit them. */
	uint8_t frames[BURST][FRAME];
	const uint8_t *data[BURST];
	uint32_t len[BURST];
	uint64_t now;
};

/* Flow i's client: 198.18.x.y, ports 1024..61023; server: 198.19.0.(i % 200), port 80. */
static void
frame(uint8_t *f, uint32_t i, int from_client, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct ft_test_seg s;
	uint32_t cip = CLIENT_BASE + i / PORTS_PER_IP, sip = SERVER_BASE + i % 200;
	uint16_t cport = (uint16_t)(1024 + i % PORTS_PER_IP);

	memset(&s, 0, sizeof(s));
	s.src4 = from_client ? cip : sip;
	s.dst4 = from_client ? sip : cip;
	s.sport = from_client ? cport : 80;
	s.dport = from_client ? 80 : cport;
	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	s.win = 65535;
	s.wscale = -1;
	ft_test_build(&s, f);
}

/* Build one frame of flow i into slot k of the burst. */
static void
add(struct bench *b, unsigned int k, uint32_t i, int from_client, uint8_t flags)
{
	uint32_t *mine = from_client ? &b->cseq[i] : &b->sseq[i];
	uint32_t peer = from_client ? b->sseq[i] : b->cseq[i];

	frame(b->frames[k], i, from_client, flags, *mine, (flags & FT_TH_ACK) ? peer : 0);
	b->data[k] = b->frames[k];
	b->len[k] = 54;
	*mine += ((flags & FT_TH_SYN) ? 1 : 0) + ((flags & FT_TH_FIN) ? 1 : 0);
}

/* The second floor's per-flow state: one cache line, as the engine's hot line. */
struct bench_line {
	uint64_t w[8];
} __rte_cache_aligned;

static uint64_t events;

/* The null sink: events are built by the engine, counted here and dropped. */
static void
count_event(void *arg, const struct ft_event *ev)
{
	RTE_SET_USED(arg);
	RTE_SET_USED(ev);
	events++;
}

/* A trace in memory: frames back to back, with offsets, lengths and times. */
struct trace {
	uint8_t *buf;
	uint64_t *off;
	uint32_t *len;
	uint64_t *ts;
	uint64_t n;
};

static int
trace_load(const char *path, struct trace *t)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t cap = 1 << 20, bytes = 0, bcap = 64 << 20;
	pcap_t *pc = pcap_open_offline(path, err);
	int ret;

	if (pc == NULL) {
		fprintf(stderr, "ft-bench-engine: %s\n", err);
		return -1;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "ft-bench-engine: %s: only Ethernet traces\n", path);
		pcap_close(pc);
		return -1;
	}
	memset(t, 0, sizeof(*t));
	t->buf = malloc(bcap);
	t->off = malloc(cap * sizeof(*t->off));
	t->len = malloc(cap * sizeof(*t->len));
	t->ts = malloc(cap * sizeof(*t->ts));
	while (t->buf != NULL && t->off != NULL && t->len != NULL && t->ts != NULL &&
			(ret = pcap_next_ex(pc, &h, &d)) == 1) {
		if (t->n == cap) {
			uint64_t *o = realloc(t->off, 2 * cap * sizeof(*t->off));
			uint32_t *l = o == NULL ? NULL : realloc(t->len, 2 * cap * sizeof(*t->len));
			uint64_t *s = l == NULL ? NULL : realloc(t->ts, 2 * cap * sizeof(*t->ts));

			if (o != NULL)
				t->off = o;
			if (l != NULL)
				t->len = l;
			if (s == NULL)
				goto nomem;
			t->ts = s;
			cap *= 2;
		}
		if (bytes + h->caplen > bcap) {
			uint8_t *b = realloc(t->buf, 2 * bcap);

			if (b == NULL)
				goto nomem;
			t->buf = b;
			bcap *= 2;
		}
		memcpy(t->buf + bytes, d, h->caplen);
		t->off[t->n] = bytes;
		t->len[t->n] = h->caplen;
		t->ts[t->n] = (uint64_t)h->ts.tv_sec * 1000000000 + (uint64_t)h->ts.tv_usec * 1000;
		bytes += h->caplen;
		t->n++;
	}
	pcap_close(pc);
	if (t->buf == NULL || t->off == NULL || t->len == NULL || t->ts == NULL) {
		fprintf(stderr, "ft-bench-engine: no memory for the trace\n");
		return -1;
	}
	return t->n == 0 ? -1 : 0;
nomem:
	pcap_close(pc);
	fprintf(stderr, "ft-bench-engine: no memory for the trace after %" PRIu64 " packets\n",
			t->n);
	return -1;
}

/* Replay a trace through the engine; returns the process exit code. */
static int
run_trace(const char *path, const char *cmdline, uint32_t max_flows)
{
	struct ft_engine_conf conf;
	struct ft_engine *e;
	struct ft_flow_table *ft;
	struct ft_pkt *pk;
	struct trace t;
	const uint8_t *data[BURST];
	const struct ft_key4 *keys[BURST];
	int32_t pos[BURST];
	uint64_t hz = rte_get_tsc_hz(), t_eng = 0, t_floor = 0, t0, i, nkeys = 0, ntcp = 0;
	uint64_t created, closes, tw, peak;
	unsigned int k, n;
	double tpp, fpp, secs;

	fprintf(stderr, "ft-bench-engine: loading %s\n", path);
	if (trace_load(path, &t) < 0)
		return 1;
	ft_engine_conf_init(&conf);
	conf.name = "bench";
	conf.socket_id = (int)rte_socket_id();
	conf.max_flows = max_flows;
	conf.max_flows_v6 = max_flows / 4 + 64;
	conf.expire_budget = 4096;
	conf.on_event = count_event;
	e = ft_engine_create(&conf);
	pk = malloc(sizeof(*pk) * t.n);
	if (e == NULL || pk == NULL) {
		fprintf(stderr, "ft-bench-engine: cannot create an engine for %u flows: %s\n",
				max_flows, rte_strerror(rte_errno));
		return 1;
	}
	fprintf(stderr, "ft-bench-engine: %" PRIu64 " packets through the engine\n", t.n);
	for (i = 0; i < t.n; i += n) {
		uint64_t now;

		n = (unsigned int)RTE_MIN((uint64_t)BURST, t.n - i);
		for (k = 0; k < n; k++)
			data[k] = t.buf + t.off[i + k];
		now = t.ts[i + n - 1];
		t0 = rte_rdtsc_precise();
		while (ft_engine_timers_pending(e, now))
			ft_engine_tick(e, now);
		ft_engine_process_spans(e, data, t.len + i, NULL, n, now);
		t_eng += rte_rdtsc_precise() - t0;
	}
	created = ft_engine_stats(e)->cnt[FT_CNT_FLOWS_CREATED];
	closes = ft_engine_stats(e)->cnt[FT_CNT_CLOSE_TRANSITIONS];
	tw = ft_engine_stats(e)->cnt[FT_CNT_TW_EXPIRIES];
	peak = ft_engine_stats(e)->flows_peak;
	secs = (double)t_eng / (double)hz;

	/* The floor: every TCP packet's key, looked up in bursts on a table holding them all. */
	fprintf(stderr, "ft-bench-engine: the floor on the same keys\n");
	ft = ft_flow_table_create("bench_floor", max_flows, 0, 1, (int)rte_socket_id());
	if (ft == NULL) {
		fprintf(stderr, "ft-bench-engine: no memory for the floor's table\n");
		return 1;
	}
	for (i = 0; i < t.n; i++)
		if (ft_pkt_parse(t.buf + t.off[i], t.len[i], &pk[i]) == FT_PKT_TCP &&
				!pk[i].is_v6) {
			pk[ntcp++] = pk[i];
			ft_flow_table_add(ft, &pk[ntcp - 1]);
		}
	nkeys = ft_flow_table_count(ft);
	for (i = 0; i < ntcp; i += n) {
		n = (unsigned int)RTE_MIN((uint64_t)BURST, ntcp - i);
		for (k = 0; k < n; k++)
			keys[k] = &pk[i + k].key.v4;
		t0 = rte_rdtsc_precise();
		ft_flow_table_lookup_keys4(ft, keys, n, pos);
		t_floor += rte_rdtsc_precise() - t0;
	}
	tpp = (double)t_eng / (double)t.n;
	fpp = ntcp ? (double)t_floor / (double)ntcp : 0;
	printf("ft-bench-engine: trace %s, %" PRIu64 " packets, one lcore, TSC %.3f GHz\n", path,
			t.n, (double)hz / 1e9);
	printf("  %-44s %12.1f ticks/pkt  %8.2f Mpps\n", "whole trace, whole engine, timers too",
			tpp, (double)hz / tpp / 1e6);
	printf("  %-44s %12.1f ticks/pkt  %8.2f Mpps  (%" PRIu64 " distinct IPv4 keys)\n",
			"floor: rte_hash_lookup_bulk, same keys", fpp,
			fpp ? (double)hz / fpp / 1e6 : 0, nkeys);
	printf("  %-44s %12.2f\n", "ratio engine / floor", fpp ? tpp / fpp : 0);
	printf("  %-44s %12" PRIu64 "\n", "most flows tracked at once", peak);
	printf("  %-44s %12.0f /s  (%" PRIu64 " flows)\n", "new flows", created / secs, created);
	printf("  %-44s %12.0f /s  (%" PRIu64 ")\n", "close transitions", closes / secs, closes);
	printf("  %-44s %12.0f /s  (%" PRIu64 ")\n", "TIME_WAIT expiries", tw / secs, tw);
	printf("  %-44s %12" PRIu64 "\n", "events built", events);
	printf("  %-44s %12.1f bytes\n", "memory per flow slot (tables and slots)",
			(double)ft_engine_mem_bytes(e) / (conf.max_flows + conf.max_flows_v6));
	printf("command: %s\n", cmdline);
	printf("{\"flows\":%" PRIu64 ",\"ticks_per_pkt\":%.1f,\"floor_ticks_per_pkt\":%.1f,"
	       "\"ratio_to_floor\":%.2f,\"mpps\":%.2f,\"new_flows_per_s\":%.0f,"
	       "\"close_transitions_per_s\":%.0f,\"tw_expiries_per_s\":%.0f,"
	       "\"bytes_per_flow\":%.1f}\n",
			peak, tpp, fpp, fpp ? tpp / fpp : 0, (double)hz / tpp / 1e6, created / secs,
			closes / secs, tw / secs,
			(double)ft_engine_mem_bytes(e) / (conf.max_flows + conf.max_flows_v6));
	ft_flow_table_free(ft);
	ft_engine_free(e);
	free(pk);
	free(t.buf);
	free(t.off);
	free(t.len);
	free(t.ts);
	return 0;
}

static uint64_t
run(struct bench *b, unsigned int n)
{
	uint64_t t0 = rte_rdtsc_precise();

	ft_engine_process_spans(b->e, b->data, b->len, NULL, n, b->now);
	return rte_rdtsc_precise() - t0;
}

/* Send one step of a lifecycle to every flow, a burst at a time. */
static uint64_t
step_all(struct bench *b, int from_client, uint8_t flags)
{
	uint64_t ticks = 0;
	uint32_t i;
	unsigned int k = 0;

	for (i = 0; i < b->nflows; i++) {
		add(b, k++, b->order[i], from_client, flags);
		if (k == BURST) {
			ticks += run(b, k);
			k = 0;
		}
	}
	if (k != 0)
		ticks += run(b, k);
	b->now += 1000000; /* 1 ms per step */
	return ticks;
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: ft-bench-engine [EAL options] -- --flows N [--packets M] "
			"[--seed S] [--max-flows N]\n"
			"       ft-bench-engine [EAL options] -- --pcap FILE [--max-flows N]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "packets", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "pcap", required_argument, NULL, 'r' },
		{ "max-flows", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b;
	struct ft_engine_conf conf;
	char cmdline[1024] = "";
	uint64_t hz, t_new, t_est = 0, t_floor = 0, t_floor2 = 0, t_close = 0, t_tw = 0, rng;
	uint64_t t_window = 0, nwin = 0, whits = 0;
	uint64_t c0, c1, tw0, expired, hits = 0;
	double tpp, fpp, f2pp;
	const char *pcap_path = NULL;
	uint32_t max_flows = 0;
	int i, opt, ret;

	ft_bench_cmdline(argc, argv, cmdline, sizeof(cmdline));
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "ft-bench-engine: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	memset(&b, 0, sizeof(b));
	b.nflows = 1000000;
	b.seed = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			b.nflows = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'p':
			b.npackets = strtoull(optarg, NULL, 0);
			break;
		case 's':
			b.seed = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			pcap_path = optarg;
			break;
		case 'm':
			max_flows = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (pcap_path != NULL) {
		ret = run_trace(pcap_path, cmdline, max_flows ? max_flows : 2000000);
		rte_eal_cleanup();
		return ret;
	}
	if (b.nflows < 1000 || b.nflows > 100000000) {
		usage();
		return 2;
	}
	if (b.npackets == 0)
		b.npackets = 10 * (uint64_t)b.nflows;
	hz = rte_get_tsc_hz();

	ft_engine_conf_init(&conf);
	conf.name = "bench";
	conf.socket_id = (int)rte_socket_id();
	/* Bucket load near 0.6 at N flows, as the table would be sized in production. */
	conf.max_flows = max_flows ? max_flows : b.nflows + b.nflows / 4 + 64;
	conf.max_flows_v6 = 0;
	conf.expire_budget = 4096;
	conf.on_event = count_event;
	b.e = ft_engine_create(&conf);
	b.cseq = calloc(b.nflows, sizeof(uint32_t));
	b.sseq = calloc(b.nflows, sizeof(uint32_t));
	b.order = calloc(b.nflows, sizeof(uint32_t));
	if (b.e == NULL || b.cseq == NULL || b.sseq == NULL || b.order == NULL) {
		fprintf(stderr,
				"ft-bench-engine: cannot create an engine for %u flows: %s (give "
				"EAL more memory, e.g. -m 4096, or hugepages)\n",
				b.nflows, rte_strerror(rte_errno));
		return 1;
	}
	rng = b.seed;
	for (i = 0; i < (int)b.nflows; i++) {
		b.cseq[i] = (uint32_t)ft_bench_rng_next(&rng);
		b.sseq[i] = (uint32_t)ft_bench_rng_next(&rng);
		b.order[i] = (uint32_t)i;
	}
	/*
	 * Connections open and close in a random order, as they do on a real link:
	 * consecutive packets touch unrelated flow slots, and the TIME_WAIT timers
	 * that expire together are scattered over the table.
	 */
	for (i = (int)b.nflows - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(ft_bench_rng_next(&rng) % (uint64_t)(i + 1)),
			 t = b.order[i];

		b.order[i] = b.order[j];
		b.order[j] = t;
	}
	b.now = UINT64_C(1700000000) * 1000000000;

	fprintf(stderr, "ft-bench-engine: opening %u connections\n", b.nflows);
	t_new = step_all(&b, 1, FT_TH_SYN);
	t_new += step_all(&b, 0, FT_TH_SYN | FT_TH_ACK);
	t_new += step_all(&b, 1, FT_TH_ACK);
	if (ft_engine_stats(b.e)->flows != b.nflows) {
		fprintf(stderr, "ft-bench-engine: %" PRIu64 " flows tracked, expected %u\n",
				ft_engine_stats(b.e)->flows, b.nflows);
		return 1;
	}

	fprintf(stderr, "ft-bench-engine: %" PRIu64 " established packets, then the floor\n",
			b.npackets);
	{
		/*
		 * The packet sequence is drawn once: the engine pass and the floor pass
		 * see the same keys in the same order, each starting with cold caches
		 * for most of them (the set is far larger than the caches).
		 */
		uint32_t *seq = malloc(sizeof(uint32_t) * b.npackets);
		const struct ft_key4 *keys[BURST];
		struct bench_line *lines;
		struct ft_key4 *wk;
		struct ft_pkt *pk;
		int32_t pos[BURST];
		uint64_t sent, t0;
		unsigned int k, n;

		pk = rte_malloc("bench_keys", sizeof(*pk) * BURST * 1024, 0);
		if (seq == NULL || pk == NULL) {
			fprintf(stderr, "ft-bench-engine: no memory for %" PRIu64 " packets\n",
					b.npackets);
			return 1;
		}
		for (sent = 0; sent < b.npackets; sent++)
			seq[sent] = (uint32_t)ft_bench_rng_next(&rng);
		for (sent = 0; sent < b.npackets; sent += n) {
			n = (unsigned int)RTE_MIN((uint64_t)BURST, b.npackets - sent);
			for (k = 0; k < n; k++)
				add(&b, k, seq[sent + k] % b.nflows, (int)(seq[sent + k] >> 31),
						FT_TH_ACK);
			t_est += run(&b, n);
		}
		/* The floor: the same keys, parsed ahead (untimed), looked up alone. */
		nwin = RTE_MIN(b.npackets, (uint64_t)WINDOW_KEYS_MAX);
		wk = rte_malloc("bench_window_keys", sizeof(*wk) * nwin, RTE_CACHE_LINE_SIZE);
		for (sent = 0; sent < b.npackets; sent += n) {
			n = (unsigned int)RTE_MIN((uint64_t)BURST, b.npackets - sent);
			for (k = 0; k < n; k++) {
				add(&b, k, seq[sent + k] % b.nflows, (int)(seq[sent + k] >> 31),
						FT_TH_ACK);
				ft_pkt_parse(b.data[k], b.len[k], &pk[k]);
				keys[k] = &pk[k].key.v4;
				if (wk != NULL && sent + k < nwin)
					wk[sent + k] = pk[k].key.v4;
			}
			t0 = rte_rdtsc_precise();
			ft_flow_table_lookup_keys4(ft_engine_table(b.e), keys, n, pos);
			t_floor += rte_rdtsc_precise() - t0;
			for (k = 0; k < n; k++)
				hits += pos[k] >= 0;
		}
		/*
		 * The second floor: the same lookups, then a read-modify-write of a
		 * 64-byte state line per packet, indexed by the id found (prefetched
		 * as the lookup returns, as the engine does) — the least any tracker
		 * that keeps a line of state per flow does. The lines are an array of
		 * the engine's slot count, so the engine's own state is left alone.
		 */
		lines = rte_zmalloc("bench_floor2", sizeof(*lines) * ft_engine_capacity(b.e),
				RTE_CACHE_LINE_SIZE);
		if (lines == NULL) {
			fprintf(stderr, "ft-bench-engine: no memory for the second floor's lines\n");
			return 1;
		}
		for (sent = 0; sent < b.npackets; sent += n) {
			n = (unsigned int)RTE_MIN((uint64_t)BURST, b.npackets - sent);
			for (k = 0; k < n; k++) {
				add(&b, k, seq[sent + k] % b.nflows, (int)(seq[sent + k] >> 31),
						FT_TH_ACK);
				ft_pkt_parse(b.data[k], b.len[k], &pk[k]);
				keys[k] = &pk[k].key.v4;
			}
			t0 = rte_rdtsc_precise();
			ft_flow_table_lookup_keys4(ft_engine_table(b.e), keys, n, pos);
			for (k = 0; k < n; k++)
				if (pos[k] >= 0)
					rte_prefetch0(&lines[pos[k]]);
			for (k = 0; k < n; k++)
				if (pos[k] >= 0) {
					lines[pos[k]].w[0]++;
					lines[pos[k]].w[1] += b.len[k];
				}
			t_floor2 += rte_rdtsc_precise() - t0;
		}
		/*
		 * The floor once more over the first keys, timed as one window instead
		 * of burst by burst: no fence between bursts, so the misses of one burst
		 * overlap the next one's, as in a plain rte_hash benchmark's loop.
		 */
		if (wk != NULL) {
			t0 = rte_rdtsc_precise();
			for (sent = 0; sent < nwin; sent += n) {
				n = (unsigned int)RTE_MIN((uint64_t)BURST, nwin - sent);
				for (k = 0; k < n; k++)
					keys[k] = &wk[sent + k];
				ft_flow_table_lookup_keys4(ft_engine_table(b.e), keys, n, pos);
				for (k = 0; k < n; k++)
					whits += pos[k] >= 0;
			}
			t_window = rte_rdtsc_precise() - t0;
		}
		rte_free(wk);
		rte_free(lines);
		free(seq);
		rte_free(pk);
	}

	fprintf(stderr, "ft-bench-engine: closing every connection\n");
	c0 = ft_engine_stats(b.e)->cnt[FT_CNT_CLOSE_TRANSITIONS];
	t_close = step_all(&b, 1, FT_TH_FIN | FT_TH_ACK);
	t_close += step_all(&b, 0, FT_TH_ACK);
	t_close += step_all(&b, 0, FT_TH_FIN | FT_TH_ACK);
	t_close += step_all(&b, 1, FT_TH_ACK);
	c1 = ft_engine_stats(b.e)->cnt[FT_CNT_CLOSE_TRANSITIONS];

	fprintf(stderr, "ft-bench-engine: expiring TIME_WAIT\n");
	tw0 = ft_engine_stats(b.e)->cnt[FT_CNT_TW_EXPIRIES];
	b.now += UINT64_C(61) * 1000000000;
	{
		uint64_t t0 = rte_rdtsc_precise();

		do
			ft_engine_tick(b.e, b.now);
		while (ft_engine_timers_pending(b.e, b.now));
		t_tw = rte_rdtsc_precise() - t0;
	}
	expired = ft_engine_stats(b.e)->cnt[FT_CNT_TW_EXPIRIES] - tw0;

	tpp = (double)t_est / (double)b.npackets;
	fpp = (double)t_floor / (double)b.npackets;
	f2pp = (double)t_floor2 / (double)b.npackets;
	printf("ft-bench-engine: %u concurrent flows, one lcore, TSC %.3f GHz, %s\n", b.nflows,
			(double)hz / 1e9,
			rte_eal_has_hugepages() ? "hugepages" : "4 KB pages (--no-huge)");
	printf("  %-44s %12.1f ticks/pkt  %8.2f Mpps\n", "established traffic, whole engine", tpp,
			(double)hz / tpp / 1e6);
	printf("  %-44s %12.1f ticks/pkt  %8.2f Mpps  (hits %" PRIu64 "/%" PRIu64 ")\n",
			"floor: rte_hash_lookup_bulk, same keys", fpp, (double)hz / fpp / 1e6, hits,
			b.npackets);
	printf("  %-44s %12.1f ticks/pkt  %8.2f Mpps\n",
			"floor 2: the same plus a 64-byte line RMW", f2pp, (double)hz / f2pp / 1e6);
	if (nwin != 0 && t_window != 0)
		printf("  %-44s %12.1f ticks/pkt  %8.2f Mpps  (first %" PRIu64
		       " keys, hits %" PRIu64 ")\n",
				"floor timed as one window, no fences", (double)t_window / nwin,
				(double)hz * nwin / t_window / 1e6, nwin, whits);
	printf("  %-44s %12.2f\n", "ratio engine / floor", tpp / fpp);
	printf("  %-44s %12.2f\n", "ratio engine / floor 2", tpp / f2pp);
	printf("  %-44s %12.0f /s  (%.0f ticks per flow, 3 packets)\n", "new connections",
			(double)b.nflows * (double)hz / (double)t_new,
			(double)t_new / (double)b.nflows);
	printf("  %-44s %12.0f /s  (%" PRIu64 " transitions)\n", "close transitions",
			(double)(c1 - c0) * (double)hz / (double)t_close, c1 - c0);
	printf("  %-44s %12.0f /s  (%" PRIu64 " expired, table deletes included)\n",
			"TIME_WAIT expiries", (double)expired * (double)hz / (double)t_tw, expired);
	printf("  %-44s %12.1f bytes  (%" PRIu64 " bytes for %u slots)\n",
			"memory per tracked flow (tables and slots)",
			(double)ft_engine_mem_bytes(b.e) / b.nflows, ft_engine_mem_bytes(b.e),
			conf.max_flows);
	printf("command: %s\n", cmdline);
	printf("{\"flows\":%u,\"ticks_per_pkt\":%.1f,\"floor_ticks_per_pkt\":%.1f,"
	       "\"ratio_to_floor\":%.2f,\"mpps\":%.2f,\"new_flows_per_s\":%.0f,"
	       "\"close_transitions_per_s\":%.0f,\"tw_expiries_per_s\":%.0f,"
	       "\"bytes_per_flow\":%.1f,\"floor2_ticks_per_pkt\":%.1f,\"ratio_to_floor2\":%.2f,"
	       "\"floor_window_ticks_per_pkt\":%.1f,\"hugepages\":%d}\n",
			b.nflows, tpp, fpp, tpp / fpp, (double)hz / tpp / 1e6,
			(double)b.nflows * (double)hz / (double)t_new,
			(double)(c1 - c0) * (double)hz / (double)t_close,
			(double)expired * (double)hz / (double)t_tw,
			(double)ft_engine_mem_bytes(b.e) / b.nflows, f2pp, tpp / f2pp,
			nwin != 0 ? (double)t_window / nwin : 0.0, rte_eal_has_hugepages());
	ret = ft_engine_stats(b.e)->flows == 0 && expired == b.nflows ? 0 : 1;
	if (ret != 0)
		fprintf(stderr,
				"ft-bench-engine: %" PRIu64 " flows left, %" PRIu64
				" TIME_WAIT expiries for %u flows\n",
				ft_engine_stats(b.e)->flows, expired, b.nflows);
	ft_engine_free(b.e);
	free(b.cseq);
	free(b.sseq);
	free(b.order);
	rte_eal_cleanup();
	return ret;
}
