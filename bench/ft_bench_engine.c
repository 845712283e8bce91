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
 * Frames are built between timed calls; only the engine calls are timed
 * (TSC). The floor, in the same run, is rte_hash_lookup_bulk() of the same
 * established-traffic keys on the engine's own table. Results are printed as
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
#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "ft_bench_common.h"
#include "ft_engine.h"
#include "ft_test_pkt.h"

#define BURST 32
#define FRAME FT_TEST_FRAME_MAX
#define CLIENT_BASE 0xc6120000u /* 198.18.0.0 */
#define SERVER_BASE 0xc6130000u /* 198.19.0.0 */
#define PORTS_PER_IP 60000u

struct bench {
	struct ft_engine *e;
	uint32_t nflows;
	uint64_t npackets;
	uint64_t seed;
	uint32_t *cseq;  /* Client's next sequence number, per flow. */
	uint32_t *sseq;  /* Server's next sequence number, per flow. */
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

	frame(b->frames[k], i, from_client, flags, *mine, (flags & FT_TCP_ACK) ? peer : 0);
	b->data[k] = b->frames[k];
	b->len[k] = 54;
	*mine += ((flags & FT_TCP_SYN) ? 1 : 0) + ((flags & FT_TCP_FIN) ? 1 : 0);
}

static uint64_t
run(struct bench *b, unsigned int n)
{
	uint64_t t0 = rte_rdtsc_precise();

	ft_engine_process(b->e, b->data, b->len, n, b->now);
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
	fprintf(stderr, "usage: ft-bench-engine [EAL options] -- --flows N [--packets M] "
			"[--seed S]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "packets", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b;
	struct ft_engine_conf conf;
	char cmdline[1024] = "";
	uint64_t hz, t_new, t_est = 0, t_floor = 0, t_close = 0, t_tw = 0, rng;
	uint64_t c0, c1, tw0, expired, hits = 0;
	double tpp, fpp;
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
		default:
			usage();
			return 2;
		}
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
	conf.max_flows = b.nflows + b.nflows / 4 + 64;
	conf.max_flows_v6 = 0;
	conf.expire_budget = 4096;
	b.e = ft_engine_create(&conf);
	b.cseq = calloc(b.nflows, sizeof(uint32_t));
	b.sseq = calloc(b.nflows, sizeof(uint32_t));
	b.order = calloc(b.nflows, sizeof(uint32_t));
	if (b.e == NULL || b.cseq == NULL || b.sseq == NULL || b.order == NULL) {
		fprintf(stderr, "ft-bench-engine: cannot create an engine for %u flows: %s (give "
				"EAL more memory, e.g. -m 4096, or hugepages)\n", b.nflows,
				rte_strerror(rte_errno));
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
		uint32_t j = (uint32_t)(ft_bench_rng_next(&rng) % (uint64_t)(i + 1)), t = b.order[i];

		b.order[i] = b.order[j];
		b.order[j] = t;
	}
	b.now = UINT64_C(1700000000) * 1000000000;

	fprintf(stderr, "ft-bench-engine: opening %u connections\n", b.nflows);
	t_new = step_all(&b, 1, FT_TCP_SYN);
	t_new += step_all(&b, 0, FT_TCP_SYN | FT_TCP_ACK);
	t_new += step_all(&b, 1, FT_TCP_ACK);
	if (b.e->stats.flows != b.nflows) {
		fprintf(stderr, "ft-bench-engine: %" PRIu64 " flows tracked, expected %u\n",
				b.e->stats.flows, b.nflows);
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
		const void *keys[BURST];
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
						FT_TCP_ACK);
			t_est += run(&b, n);
		}
		/* The floor: the same keys, parsed ahead (untimed), looked up alone. */
		for (sent = 0; sent < b.npackets; sent += n) {
			n = (unsigned int)RTE_MIN((uint64_t)BURST, b.npackets - sent);
			for (k = 0; k < n; k++) {
				add(&b, k, seq[sent + k] % b.nflows, (int)(seq[sent + k] >> 31),
						FT_TCP_ACK);
				ft_pkt_parse(b.data[k], b.len[k], &pk[k]);
				keys[k] = &pk[k].key.v4;
			}
			t0 = rte_rdtsc_precise();
			rte_hash_lookup_bulk(b.e->table->h4, keys, n, pos);
			t_floor += rte_rdtsc_precise() - t0;
			for (k = 0; k < n; k++)
				hits += pos[k] >= 0;
		}
		free(seq);
		rte_free(pk);
	}

	fprintf(stderr, "ft-bench-engine: closing every connection\n");
	c0 = b.e->stats.cnt[FT_CNT_CLOSE_TRANSITIONS];
	t_close = step_all(&b, 1, FT_TCP_FIN | FT_TCP_ACK);
	t_close += step_all(&b, 0, FT_TCP_ACK);
	t_close += step_all(&b, 0, FT_TCP_FIN | FT_TCP_ACK);
	t_close += step_all(&b, 1, FT_TCP_ACK);
	c1 = b.e->stats.cnt[FT_CNT_CLOSE_TRANSITIONS];

	fprintf(stderr, "ft-bench-engine: expiring TIME_WAIT\n");
	tw0 = b.e->stats.cnt[FT_CNT_TW_EXPIRIES];
	b.now += UINT64_C(61) * 1000000000;
	{
		uint64_t t0 = rte_rdtsc_precise();

		do
			ft_engine_tick(b.e, b.now);
		while (ft_engine_timers_pending(b.e, b.now));
		t_tw = rte_rdtsc_precise() - t0;
	}
	expired = b.e->stats.cnt[FT_CNT_TW_EXPIRIES] - tw0;

	tpp = (double)t_est / (double)b.npackets;
	fpp = (double)t_floor / (double)b.npackets;
	printf("ft-bench-engine: %u concurrent flows, one lcore, TSC %.3f GHz\n", b.nflows,
			(double)hz / 1e9);
	printf("  %-44s %12.1f ticks/pkt  %8.2f Mpps\n", "established traffic, whole engine", tpp,
			(double)hz / tpp / 1e6);
	printf("  %-44s %12.1f ticks/pkt  %8.2f Mpps  (hits %" PRIu64 "/%" PRIu64 ")\n",
			"floor: rte_hash_lookup_bulk, same keys", fpp, (double)hz / fpp / 1e6, hits,
			b.npackets);
	printf("  %-44s %12.2f\n", "ratio engine / floor", tpp / fpp);
	printf("  %-44s %12.0f /s  (%.0f ticks per flow, 3 packets)\n", "new connections",
			(double)b.nflows * (double)hz / (double)t_new,
			(double)t_new / (double)b.nflows);
	printf("  %-44s %12.0f /s  (%" PRIu64 " transitions)\n", "close transitions",
			(double)(c1 - c0) * (double)hz / (double)t_close, c1 - c0);
	printf("  %-44s %12.0f /s  (%" PRIu64 " expired, table deletes included)\n",
			"TIME_WAIT expiries", (double)expired * (double)hz / (double)t_tw, expired);
	printf("  %-44s %12.1f bytes  (%" PRIu64 " bytes for %u slots)\n",
			"memory per tracked flow (tables and slots)",
			(double)b.e->table->mem_bytes / b.nflows, b.e->table->mem_bytes,
			conf.max_flows);
	printf("command: %s\n", cmdline);
	printf("{\"flows\":%u,\"ticks_per_pkt\":%.1f,\"floor_ticks_per_pkt\":%.1f,"
	       "\"ratio_to_floor\":%.2f,\"mpps\":%.2f,\"new_flows_per_s\":%.0f,"
	       "\"close_transitions_per_s\":%.0f,\"tw_expiries_per_s\":%.0f,"
	       "\"bytes_per_flow\":%.1f}\n",
			b.nflows, tpp, fpp, tpp / fpp, (double)hz / tpp / 1e6,
			(double)b.nflows * (double)hz / (double)t_new,
			(double)(c1 - c0) * (double)hz / (double)t_close,
			(double)expired * (double)hz / (double)t_tw,
			(double)b.e->table->mem_bytes / b.nflows);
	ret = b.e->stats.flows == 0 && expired == b.nflows ? 0 : 1;
	if (ret != 0)
		fprintf(stderr, "ft-bench-engine: %" PRIu64 " flows left, %" PRIu64
				" TIME_WAIT expiries for %u flows\n", b.e->stats.flows, expired,
				b.nflows);
	ft_engine_free(b.e);
	free(b.cseq);
	free(b.sseq);
	free(b.order);
	rte_eal_cleanup();
	return ret;
}
