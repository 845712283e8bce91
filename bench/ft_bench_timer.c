/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * Layer 0 benchmark: fintrack's timer wheel next to DPDK's rte_timer doing
 * the same work in the same run.
 *
 *   ft-bench-timer [EAL options] -- --timers N
 *
 * N timers embedded in 64-byte flow-like records are started at random
 * deadlines within 60 s, re-armed once each in random order to a random
 * later deadline (the per-packet refresh), re-armed to an earlier one; half
 * of them are stopped, and the other half expire all together; rte_timer does
 * the same with rte_timer_reset(), rte_timer_stop() and rte_timer_manage().
 * Ticks are TSC ticks per timer; ratios are rte_timer / wheel. Prints a
 * table, the command line and one JSON line.
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
#include <rte_timer.h>

#include "ft_bench_common.h"
#include "ft_twheel.h"

/* A record the size of a flow's hot line, with the wheel's links inside. */
struct rec {
	struct ft_tw_link tw;
	uint8_t state[64 - sizeof(struct ft_tw_link)];
};

static uint64_t fired;

static void
on_timer(struct rte_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	fired++;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timers", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t n = 1000000, i, *order, *dl, *out, nstop, nleft;
	uint64_t rng = 1, t0, w_start, w_later, w_earlier, w_expire, r_start, r_later, r_earlier,
		 r_expire, w_stop, r_stop, expired = 0, hz;
	struct rec *recs;
	struct rte_timer *tims;
	struct ft_twheel *tw;
	char cmdline[1024] = "";
	int ret, opt;

	ft_bench_cmdline(argc, argv, cmdline, sizeof(cmdline));
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "ft-bench-timer: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 't') {
			fprintf(stderr, "usage: ft-bench-timer [EAL options] -- --timers N\n");
			return 2;
		}
		n = (uint32_t)strtoul(optarg, NULL, 0);
	}
	if (n < 1000 || n > 50000000) {
		fprintf(stderr, "ft-bench-timer: --timers 1000..50000000\n");
		return 2;
	}
	hz = rte_get_tsc_hz();
	recs = rte_zmalloc("bench_recs", sizeof(*recs) * n, RTE_CACHE_LINE_SIZE);
	tims = rte_zmalloc("bench_timers", sizeof(*tims) * n, RTE_CACHE_LINE_SIZE);
	order = malloc(sizeof(*order) * n);
	dl = malloc(sizeof(*dl) * n);
	out = malloc(sizeof(*out) * 4096);
	tw = recs == NULL ? NULL :
			    ft_twheel_create(recs, sizeof(*recs), 0, n, 1u << 16, 0, SOCKET_ID_ANY);
	if (recs == NULL || tims == NULL || order == NULL || dl == NULL || out == NULL ||
			tw == NULL || rte_timer_subsystem_init() < 0) {
		fprintf(stderr, "ft-bench-timer: no memory for %u timers (give EAL more, -m)\n", n);
		return 1;
	}
	ft_twheel_init_links(tw);
	/* Random visiting order and deadlines within 60 s, in 1 ms ticks. */
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(ft_bench_rng_next(&rng) % (i + 1)), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++)
		dl[i] = 1 + (uint32_t)(ft_bench_rng_next(&rng) % 60000);
	/* Half the timers are stopped (flows freed early); the other half expire. */
	nstop = n / 2;
	nleft = n - nstop;

	/* The wheel. */
	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++)
		ft_twheel_start(tw, order[i], dl[order[i]]);
	w_start = rte_rdtsc_precise() - t0;
	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++)
		ft_twheel_update(tw, order[i], dl[order[i]] + 1000);
	w_later = rte_rdtsc_precise() - t0;
	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++)
		ft_twheel_update(tw, order[i], dl[order[i]] / 2);
	w_earlier = rte_rdtsc_precise() - t0;
	t0 = rte_rdtsc_precise();
	for (i = 0; i < nstop; i++)
		ft_twheel_stop(tw, order[i]);
	w_stop = rte_rdtsc_precise() - t0;
	t0 = rte_rdtsc_precise();
	while (ft_twheel_pending(tw, 62000))
		expired += ft_twheel_expire(tw, 62000, out, 4096);
	w_expire = rte_rdtsc_precise() - t0;

	/* rte_timer: the same work, with deadlines in TSC ticks of 1 ms. */
	for (i = 0; i < n; i++)
		rte_timer_init(&tims[i]);
	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++)
		rte_timer_reset(&tims[order[i]], (uint64_t)dl[order[i]] * (hz / 1000), SINGLE,
				rte_lcore_id(), on_timer, NULL);
	r_start = rte_rdtsc_precise() - t0;
	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++)
		rte_timer_reset(&tims[order[i]], (uint64_t)(dl[order[i]] + 1000) * (hz / 1000),
				SINGLE, rte_lcore_id(), on_timer, NULL);
	r_later = rte_rdtsc_precise() - t0;
	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++)
		rte_timer_reset(&tims[order[i]], (uint64_t)(dl[order[i]] / 2) * (hz / 1000), SINGLE,
				rte_lcore_id(), on_timer, NULL);
	r_earlier = rte_rdtsc_precise() - t0;
	t0 = rte_rdtsc_precise();
	for (i = 0; i < nstop; i++)
		rte_timer_stop(&tims[order[i]]);
	r_stop = rte_rdtsc_precise() - t0;
	/* Expire: wait until every deadline (at most 30 s away) has passed, then manage. */
	fprintf(stderr, "ft-bench-timer: waiting 30 s for rte_timer deadlines to pass\n");
	rte_delay_us_sleep(30500000);
	t0 = rte_rdtsc_precise();
	rte_timer_manage();
	r_expire = rte_rdtsc_precise() - t0;

	printf("ft-bench-timer: %u timers in 64-byte records, random order, TSC %.3f GHz\n", n,
			(double)hz / 1e9);
	printf("  %-34s %14s %14s %10s\n", "ticks per timer", "fintrack wheel", "rte_timer",
			"ratio");
#define ROW(name, w, r, k) \
	printf("  %-34s %14.1f %14.1f %9.1fx\n", name, (double)(w) / (k), (double)(r) / (k), \
			(double)(r) / (double)(w))
	ROW("start", w_start, r_start, n);
	ROW("re-arm later (refresh)", w_later, r_later, n);
	ROW("re-arm earlier", w_earlier, r_earlier, n);
	ROW("stop (half of them)", w_stop, r_stop, nstop);
	ROW("expire (the other half)", w_expire, r_expire, nleft);
	printf("  expired: wheel %" PRIu64 ", rte_timer %" PRIu64 " of %u left running\n", expired,
			fired, nleft);
	printf("command: %s\n", cmdline);
	printf("{\"timers\":%u,\"wheel_start\":%.1f,\"timer_start\":%.1f,\"wheel_rearm\":%.1f,"
	       "\"timer_rearm\":%.1f,\"rearm_ratio\":%.1f,\"wheel_stop\":%.1f,"
	       "\"timer_stop\":%.1f,\"wheel_expire\":%.1f,\"timer_expire\":%.1f}\n",
			n, (double)w_start / n, (double)r_start / n, (double)w_later / n,
			(double)r_later / n, (double)r_later / (double)w_later,
			(double)w_stop / nstop, (double)r_stop / nstop, (double)w_expire / nleft,
			(double)r_expire / nleft);
	ret = expired == nleft && fired == nleft ? 0 : 1;
	ft_twheel_free(tw);
	rte_free(recs);
	rte_free(tims);
	free(order);
	free(dl);
	free(out);
	rte_eal_cleanup();
	return ret;
}
