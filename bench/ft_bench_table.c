/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * Layer 0 benchmark: the flow table alone, at several sizes, next to a plain
 * rte_hash in the same run.
 *
 *   ft-bench-table [EAL options] -- [--sizes N,N,...] [--seed S]
 *
 * For each size N, two tables hold the same N IPv4 5-tuples, each sized
 * N + N/4 (load 0.8):
 *   - fintrack's table (ft_flow_table_create, ft_flow_table_add,
 *     ft_flow_table_del_bulk as the engine uses them): 16-byte padded keys,
 *     CRC32-C in 8-byte steps, lock-free readers, extendable buckets, a copy
 *     of each key, deleted positions freed after an RCU grace period per
 *     batch of deletes;
 *   - the baseline: rte_hash with its defaults (13-byte packed 5-tuple key,
 *     rte_jhash, no extra flags), as a DPDK application would start.
 * Both do the same work in the same order: insert all N keys in random
 * order, bulk lookups of present keys in bursts of 32, single lookups, bulk
 * lookups of absent keys, then delete all N in another random order. Results
 * are TSC ticks per key and the ratio baseline / fintrack, then the command
 * line and one JSON line per size.
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
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "ft_bench_common.h"
#include "ft_flow.h"

#define BURST	    32
#define MAX_SIZES   8
#define MIN_LOOKUPS 4000000u /* Bulk lookups per measurement, whatever N is. */

enum op { OP_INSERT, OP_BULK_HIT, OP_SINGLE_HIT, OP_BULK_MISS, OP_DELETE, OP_MAX };

static const char *const op_name[OP_MAX] = {
	"insert",
	"bulk lookup, hits",
	"single lookup, hits",
	"bulk lookup, misses",
	"delete",
};

static const char *const op_json[OP_MAX] = {
	"insert",
	"bulk_hit",
	"single_hit",
	"bulk_miss",
	"delete",
};

/* One size's results, printed as JSON at the end. */
struct result {
	uint32_t keys;
	double ft[OP_MAX], base[OP_MAX];
	double ft_bytes, base_bytes;
};

/* The same 5-tuple, packed as a plain application would (13 bytes). */
struct __rte_packed key13 {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
};

struct side {
	struct rte_hash *h;	  /* The baseline's table. */
	struct ft_flow_table *ft; /* fintrack's side: every operation goes through it. */
	struct ft_pkt *pkts;	  /* fintrack's side: the keys as parsed packets. */
	int32_t *pos;		  /* fintrack's side: each key's flow id. */
	const void **keys;	  /* N present keys, then N absent ones. */
	uint64_t mem;
	uint64_t ticks[OP_MAX];
	uint64_t ops[OP_MAX];
};

static uint64_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats((int)rte_socket_id(), &st) != 0)
		return 0;
	return st.heap_allocsz_bytes;
}

static void
shuffle(uint32_t *a, uint32_t n, uint64_t *rng)
{
	uint32_t i;

	for (i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(ft_bench_rng_next(rng) % (i + 1));
		uint32_t t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

/* A bulk lookup on either side: fintrack's through its table's own entry. */
static inline void
lookup_bulk(const struct side *s, const void **keys, uint32_t n, int32_t *pos)
{
	if (s->ft != NULL)
		ft_flow_table_lookup_keys4(s->ft, (const struct ft_key4 *const *)keys, n, pos);
	else
		rte_hash_lookup_bulk(s->h, keys, n, pos);
}

/* Run every operation on one table. Returns -1 if the table misbehaved. */
static int
run_side(struct side *s, uint32_t n, const uint32_t *ins, const uint32_t *probe,
		const uint32_t *del)
{
	const void *burst[BURST];
	int32_t pos[BURST];
	uint64_t t0, done, hits = 0, misses = 0;
	uint32_t i, k, rounds = (MIN_LOOKUPS + n - 1) / n, r;

	t0 = rte_rdtsc_precise();
	if (s->ft != NULL) {
		/* As the engine adds: the table also keeps a copy of each key. */
		for (i = 0; i < n; i++)
			if ((s->pos[ins[i]] = ft_flow_table_add(s->ft, &s->pkts[ins[i]])) < 0)
				return -1;
	} else {
		for (i = 0; i < n; i++)
			if (rte_hash_add_key(s->h, s->keys[ins[i]]) < 0)
				return -1;
	}
	s->ticks[OP_INSERT] = rte_rdtsc_precise() - t0;
	s->ops[OP_INSERT] = n;

	t0 = rte_rdtsc_precise();
	for (r = 0; r < rounds; r++)
		for (done = 0; done < n; done += k) {
			k = (uint32_t)RTE_MIN((uint64_t)BURST, n - done);
			for (i = 0; i < k; i++)
				burst[i] = s->keys[probe[done + i]];
			lookup_bulk(s, burst, k, pos);
			for (i = 0; i < k; i++)
				hits += pos[i] >= 0;
		}
	s->ticks[OP_BULK_HIT] = rte_rdtsc_precise() - t0;
	s->ops[OP_BULK_HIT] = (uint64_t)rounds * n;

	t0 = rte_rdtsc_precise();
	if (s->ft != NULL)
		for (i = 0; i < n; i++)
			hits += ft_flow_table_lookup(s->ft, &s->pkts[probe[i]]) >= 0;
	else
		for (i = 0; i < n; i++)
			hits += rte_hash_lookup(s->h, s->keys[probe[i]]) >= 0;
	s->ticks[OP_SINGLE_HIT] = rte_rdtsc_precise() - t0;
	s->ops[OP_SINGLE_HIT] = n;

	t0 = rte_rdtsc_precise();
	for (done = 0; done < n; done += k) {
		k = (uint32_t)RTE_MIN((uint64_t)BURST, n - done);
		for (i = 0; i < k; i++)
			burst[i] = s->keys[n + probe[done + i]];
		lookup_bulk(s, burst, k, pos);
		for (i = 0; i < k; i++)
			misses += pos[i] < 0;
	}
	s->ticks[OP_BULK_MISS] = rte_rdtsc_precise() - t0;
	s->ops[OP_BULK_MISS] = n;

	t0 = rte_rdtsc_precise();
	if (s->ft != NULL) {
		/*
		 * As the engine deletes: ids in batches of 64, each batch's positions
		 * freed for reuse (no reader is registered, so at once).
		 */
		uint32_t ids[64];

		for (done = 0; done < n; done += k) {
			k = (uint32_t)RTE_MIN((uint64_t)64, n - done);
			for (i = 0; i < k; i++)
				ids[i] = (uint32_t)s->pos[del[done + i]];
			ft_flow_table_del_bulk(s->ft, ids, k);
		}
		if (ft_flow_table_count(s->ft) != 0)
			return -1;
	} else {
		for (i = 0; i < n; i++)
			if (rte_hash_del_key(s->h, s->keys[del[i]]) < 0)
				return -1;
	}
	s->ticks[OP_DELETE] = rte_rdtsc_precise() - t0;
	s->ops[OP_DELETE] = n;

	if (hits != (uint64_t)rounds * n + n || misses != n)
		return -1;
	return 0;
}

static int
parse_sizes(const char *arg, uint32_t *sizes, unsigned int *nsizes)
{
	char *end;

	*nsizes = 0;
	while (*arg != '\0' && *nsizes < MAX_SIZES) {
		unsigned long v = strtoul(arg, &end, 0);

		if (end == arg || v < 1024 || v > 50000000)
			return -1;
		sizes[(*nsizes)++] = (uint32_t)v;
		arg = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			return -1;
	}
	return *nsizes == 0 ? -1 : 0;
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: ft-bench-table [EAL options] -- [--sizes N,N,...] [--seed S]\n"
			"  default sizes 65536,1000000,4000000,10000000; 10M needs about 3 GB\n"
			"  of EAL memory (hugepages, or --no-huge -m 4096)\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sizes", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t sizes[MAX_SIZES] = { 65536, 1000000, 4000000, 10000000 };
	unsigned int nsizes = 4, z;
	struct result res[MAX_SIZES];
	char cmdline[1024];
	uint64_t seed = 1, hz;
	int opt, ret;

	ft_bench_cmdline(argc, argv, cmdline, sizeof(cmdline));
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "ft-bench-table: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (parse_sizes(optarg, sizes, &nsizes) < 0) {
				fprintf(stderr, "ft-bench-table: --sizes: a list of 1024..50000000\n");
				return 2;
			}
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			usage();
			return 2;
		}
	}
	hz = rte_get_tsc_hz();
	printf("ft-bench-table: TSC %.3f GHz, one lcore; ticks per key, tables at load 0.8\n",
			(double)hz / 1e9);
	printf("  %-10s %-22s %12s %12s %8s\n", "keys", "operation", "fintrack", "baseline",
			"ratio");

	for (z = 0; z < nsizes; z++) {
		uint32_t n = sizes[z], cap = n + n / 4, i, *ins, *probe, *del;
		struct ft_key4 *k16;
		struct key13 *k13;
		struct side ft, base;
		struct ft_flow_table *tbl;
		struct rte_hash_parameters bp = {
			.name = "bench_base",
			.entries = cap,
			.key_len = sizeof(struct key13),
			.hash_func = rte_jhash,
			.socket_id = (int)rte_socket_id(),
		};
		uint64_t rng = seed, before;
		unsigned int o;

		memset(&ft, 0, sizeof(ft));
		memset(&base, 0, sizeof(base));
		k16 = malloc(sizeof(*k16) * 2 * (size_t)n);
		k13 = malloc(sizeof(*k13) * 2 * (size_t)n);
		ft.keys = malloc(sizeof(void *) * 2 * (size_t)n);
		ft.pkts = calloc(n, sizeof(struct ft_pkt));
		ft.pos = malloc(sizeof(int32_t) * n);
		base.keys = malloc(sizeof(void *) * 2 * (size_t)n);
		ins = malloc(sizeof(uint32_t) * n);
		probe = malloc(sizeof(uint32_t) * n);
		del = malloc(sizeof(uint32_t) * n);
		if (k16 == NULL || k13 == NULL || ft.keys == NULL || base.keys == NULL ||
				ft.pkts == NULL || ft.pos == NULL || ins == NULL || probe == NULL ||
				del == NULL) {
			fprintf(stderr, "ft-bench-table: no memory for %u keys\n", n);
			return 1;
		}
		/* Distinct 5-tuples: client 198.18.0.0/15 + port, servers 198.19.x.y:80..; absent keys use port 0. */
		for (i = 0; i < 2 * n; i++) {
			uint32_t c = i < n ? i : i - n;
			uint32_t cip = 0xc6120000u + c / 60000, sip = 0xc6130000u + (c % 251);
			uint16_t cport = (uint16_t)(1024 + c % 60000), sport = i < n ? 80 : 0;

			memset(&k16[i], 0, sizeof(k16[i]));
			k16[i].addr[0] = rte_cpu_to_be_32(cip);
			k16[i].addr[1] = rte_cpu_to_be_32(sip);
			k16[i].port[0] = rte_cpu_to_be_16(cport);
			k16[i].port[1] = rte_cpu_to_be_16(sport);
			k16[i].proto = 6;
			k13[i].src = k16[i].addr[0];
			k13[i].dst = k16[i].addr[1];
			k13[i].sport = k16[i].port[0];
			k13[i].dport = k16[i].port[1];
			k13[i].proto = 6;
			ft.keys[i] = &k16[i];
			base.keys[i] = &k13[i];
			if (i < n)
				ft.pkts[i].key.v4 = k16[i];
		}
		for (i = 0; i < n; i++)
			ins[i] = probe[i] = del[i] = i;
		shuffle(ins, n, &rng);
		shuffle(probe, n, &rng);
		shuffle(del, n, &rng);

		fprintf(stderr, "ft-bench-table: %u keys, fintrack's table\n", n);
		before = heap_used();
		tbl = ft_flow_table_create("bench_tbl", cap, 0, 1, (int)rte_socket_id());
		if (tbl == NULL) {
			fprintf(stderr,
					"ft-bench-table: cannot create a table of %u: %s (give EAL "
					"more memory)\n",
					cap, rte_strerror(rte_errno));
			return 1;
		}
		/* The flow slots are not part of this layer: their bytes are left out. */
		ft.ft = tbl;
		ft.mem = heap_used() - before -
				(uint64_t)cap *
						(sizeof(struct ft_flow) +
								sizeof(struct ft_flow_cold));
		if (run_side(&ft, n, ins, probe, del) < 0) {
			fprintf(stderr, "ft-bench-table: fintrack's table lost keys at %u\n", n);
			return 1;
		}
		ft_flow_table_free(tbl);

		fprintf(stderr, "ft-bench-table: %u keys, baseline rte_hash\n", n);
		before = heap_used();
		base.h = rte_hash_create(&bp);
		if (base.h == NULL) {
			fprintf(stderr, "ft-bench-table: cannot create the baseline of %u: %s\n",
					cap, rte_strerror(rte_errno));
			return 1;
		}
		base.mem = heap_used() - before;
		if (run_side(&base, n, ins, probe, del) < 0) {
			fprintf(stderr,
					"ft-bench-table: the baseline refused keys at %u (no "
					"extendable buckets)\n",
					n);
			return 1;
		}
		rte_hash_free(base.h);

		for (o = 0; o < OP_MAX; o++) {
			double a = (double)ft.ticks[o] / (double)ft.ops[o];
			double b = (double)base.ticks[o] / (double)base.ops[o];

			printf("  %-10u %-22s %12.1f %12.1f %8.2f\n", n, op_name[o], a, b, b / a);
		}
		printf("  %-10u %-22s %12.1f %12.1f\n", n, "hash bytes per key", (double)ft.mem / n,
				(double)base.mem / n);
		res[z].keys = n;
		for (o = 0; o < OP_MAX; o++) {
			res[z].ft[o] = (double)ft.ticks[o] / (double)ft.ops[o];
			res[z].base[o] = (double)base.ticks[o] / (double)base.ops[o];
		}
		res[z].ft_bytes = (double)ft.mem / n;
		res[z].base_bytes = (double)base.mem / n;
		fflush(stdout);
		free(k16);
		free(k13);
		free(ft.keys);
		free(ft.pkts);
		free(ft.pos);
		free(base.keys);
		free(ins);
		free(probe);
		free(del);
	}
	printf("command: %s\n", cmdline);
	printf("{\"bench\":\"table\",\"sizes\":[");
	for (z = 0; z < nsizes; z++) {
		unsigned int o;

		printf("%s{\"keys\":%u", z ? "," : "", res[z].keys);
		for (o = 0; o < OP_MAX; o++)
			printf(",\"%s\":%.1f,\"%s_baseline\":%.1f", op_json[o], res[z].ft[o],
					op_json[o], res[z].base[o]);
		printf(",\"bytes_per_key\":%.1f,\"bytes_per_key_baseline\":%.1f}", res[z].ft_bytes,
				res[z].base_bytes);
	}
	printf("]}\n");
	rte_eal_cleanup();
	return 0;
}
