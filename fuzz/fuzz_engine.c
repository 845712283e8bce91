/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * libFuzzer target of the engine: arbitrary frames in arbitrary bursts at
 * arbitrary times (fuzz_engine_input.h has the input format), into a small
 * table (64 IPv4 and 16 IPv6 flows) so eviction runs too. Each input gets a
 * fresh engine; the EAL starts once.
 *
 * After every burst and every timer run the engine must be consistent:
 *   - gauges: per role and state, the number of tracked flows in that state;
 *     none negative; each role sums to stats.flows;
 *   - states: a held flow (closed by RST) has both endpoints CLOSED, and a
 *     tracked flow with both endpoints CLOSED is held; an endpoint in
 *     FIN_WAIT1, FIN_WAIT2, CLOSING, TIME_WAIT or LAST_ACK has sent a FIN; the
 *     peer of an endpoint in CLOSING, TIME_WAIT, CLOSE_WAIT or LAST_ACK has
 *     sent one; so SYN_SENT never faces CLOSING, TIME_WAIT, CLOSE_WAIT or
 *     LAST_ACK;
 *   - timers: every tracked flow and nothing else has an armed timer, the
 *     wheel holds exactly those, and each timer is due at the flow's earliest
 *     deadline (the hold deadline while held); after a timer run nothing due
 *     is left;
 *   - counters: flows_created = flows_ended + flows_evicted + tracked flows
 *     not held (a flow closed by RST has ended and is held until freed);
 *     ends by how add up; parse outcomes add up to packets seen;
 *   - events: every state change follows the transition table, every flow
 *     end names a live flow with both endpoints CLOSED, and the ends seen
 *     match the counters;
 *   - eviction: only a flow with a closing endpoint is evicted, and only to
 *     make room for a new flow of its own family (IPv4 and IPv6 have tables
 *     of their own), so a burst without IPv6 segments evicts no IPv6 flow and
 *     the other way round.
 * Before the end of each input, ft_engine_foreach_flow() must report the
 * tracked flows as the slots hold them. Then the clock runs on until no timer
 * is left: no flow may be tracked, every created flow must have ended, and
 * freeing the engine must give back all of its DPDK memory.
 */

#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "ft_common.h"
#include "ft_engine.h"
#include "fuzz_engine_input.h"

#define MAX_V4	  64
#define MAX_V6	  16
#define MAX_BURST 256
#define MAX_FLOWS (MAX_V4 + MAX_V6)
/*
 * 10 ms ticks: reaching a timer N ticks away costs the wheel a scan of N / 64
 * bitmap words, so a 43200 s CLOSE_WAIT at 1 ms ticks would cost milliseconds
 * per input under the sanitizers.
 */
#define TICK_US 10000
#define TICK_NS (TICK_US * FZ_NS_US)
/* Flows expired per ft_engine_tick() call (the default, 256, is more than the table). */
#define EXPIRE_BUDGET 16
/* The clock starts 65 s before the 32-bit tick counter wraps. */
#define START_NS (((UINT64_C(1) << 32) - 65 * FZ_NS_S / TICK_NS) * TICK_NS)
/* Address families, as bits. */
#define FAM_V4 1u
#define FAM_V6 2u
/* A real driver ticks all the time; never leave the wheel alone for this long. */
#define TICK_GAP_MAX (7 * 86400 * FZ_NS_S)
/* Timer runs allowed per call and while draining (a far-off timer needs about 70). */
#define DRAIN_MAX 100000

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ft_engine *eng;
static uint64_t now;		  /* Driver clock (may run back; the engine clamps). */
static uint64_t last_tick;	  /* Driver time of the last timer run. */
static uint64_t ends_seen;	  /* FT_EVENT_END events of this input. */
static unsigned int evicted_fams; /* Families of the flows evicted in this burst (FAM_*). */
static int evicting_closing;	  /* The flow being evicted had a closing endpoint. */
static const char *phase;	  /* What the driver was doing, for failure reports. */

static void
fail(const char *what, int line)
{
	fprintf(stderr,
			"fuzz_engine: invariant violated (line %d, %s): %s\n"
			"  now %" PRIu64 " ns, engine now %" PRIu64 " ns, flows %" PRIu64 "\n",
			line, phase, what, now, eng != NULL ? ft_engine_now(eng) : 0,
			eng != NULL ? ft_engine_stats(eng)->flows : 0);
	abort();
}

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			fail(#cond, __LINE__); \
	} while (0)

/* Everything that holds between calls. timers_ran: timers ran at driver time t. */
static void
check_engine(int timers_ran, uint64_t t)
{
	const struct ft_engine_stats *st = ft_engine_stats(eng);
	char why[256];

	if (ft_engine_audit(eng, timers_ran ? t : 0, why, sizeof(why)) != 0)
		fail(why, __LINE__);
	CHECK(ends_seen == st->cnt[FT_CNT_FLOWS_ENDED] + st->cnt[FT_CNT_FLOWS_EVICTED]);
}

/* Two endpoints are the same address and port (their structs may differ in padding). */
static int
same_endpoint(const struct ft_endpoint *a, const struct ft_endpoint *b)
{
	return a->is_v6 == b->is_v6 && a->port == b->port &&
			memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static void
on_event(void *arg, const struct ft_event *ev)
{
	struct ft_flow_info fi;

	(void)arg;
	CHECK(ev->flow_id < MAX_FLOWS);
	CHECK(ev->ts_ns == ft_engine_now(eng));
	CHECK(ev->client.is_v6 == (ev->flow_id >= MAX_V4));
	CHECK(ev->server.is_v6 == ev->client.is_v6);
	/* The flow is tracked, with its key, while its events are delivered. */
	CHECK(ft_engine_flow_info(eng, ev->flow_id, &fi) == 0);
	CHECK(same_endpoint(&fi.client, &ev->client));
	CHECK(same_endpoint(&fi.server, &ev->server));
	if (ev->type == FT_EVENT_STATE) {
		CHECK(ev->role <= FT_ROLE_SERVER);
		CHECK(ev->from < FT_TCP_STATE_MAX && ev->to < FT_TCP_STATE_MAX);
		CHECK(ev->from != ev->to);
		CHECK(ev->cause < FT_TCP_EV_MAX);
		CHECK(ft_tcp_next[ev->cause][ev->from] == ev->to);
		CHECK(fi.state[ev->role] == ev->to);
		if (ev->cause == FT_TCP_EV_EVICT &&
				(ev->from == FT_TCP_TIME_WAIT || ft_tcp_state_is_closing(ev->from)))
			evicting_closing = 1;
		return;
	}
	CHECK(ev->type == FT_EVENT_END);
	CHECK(ev->how < FT_END_HOW_MAX);
	CHECK(ev->first_closer <= FT_CLOSER_SERVER);
	CHECK(fi.state[0] == FT_TCP_CLOSED && fi.state[1] == FT_TCP_CLOSED);
	CHECK(!fi.held);
	if (ev->how == FT_END_TIMEOUT)
		CHECK(ev->how_state < FT_TCP_CLOSED && ev->how_state != FT_TCP_TIME_WAIT);
	CHECK(ev->pkts[0] + ev->pkts[1] >= 1);
	CHECK(ev->start_ns <= ev->ts_ns);
	if (ev->how == FT_END_EVICTED) {
		/* Only a flow with an endpoint closing is evicted. */
		CHECK(evicting_closing);
		evicted_fams |= ev->flow_id >= MAX_V4 ? FAM_V6 : FAM_V4;
	}
	evicting_closing = 0;
	ends_seen++;
}

/* Run the timers at driver time t until none is due. */
static void
tick_until_done(uint64_t t)
{
	unsigned int rounds = 0;

	do {
		ft_engine_tick(eng, t);
		CHECK(++rounds < DRAIN_MAX);
	} while (ft_engine_timers_pending(eng, t));
	last_tick = t > last_tick ? t : last_tick;
}

static void
run_timers(uint64_t t)
{
	phase = "tick";
	tick_until_done(t);
	check_engine(1, t);
}

/* The two endpoints of a flow, in either order. */
static int
same_connection(const struct ft_flow_info *a, const struct ft_flow_info *b)
{
	return (same_endpoint(&a->client, &b->client) && same_endpoint(&a->server, &b->server)) ||
			(same_endpoint(&a->client, &b->server) &&
					same_endpoint(&a->server, &b->client));
}

/*
 * Held flows (ended by RST) leave without a flow-end event when evicted. A
 * burst runs no timer, so a held flow whose slot is free or holds another
 * connection after the burst was evicted by it.
 */
static unsigned int
held_evicted(const uint8_t *held, const struct ft_flow_info *before)
{
	struct ft_flow_info fi;
	unsigned int fams = 0;
	uint32_t id;

	for (id = 0; id < MAX_FLOWS; id++) {
		if (!held[id])
			continue;
		if (ft_engine_flow_info(eng, id, &fi) == 0 && same_connection(&fi, &before[id]))
			continue;
		fams |= id >= MAX_V4 ? FAM_V6 : FAM_V4;
	}
	return fams;
}

/* Process a burst of n frames at driver time t, then free the frames. */
static void
process(uint8_t **d, const uint32_t *len, uint32_t n, uint64_t t)
{
	static struct ft_flow_info before[MAX_FLOWS];
	uint8_t held[MAX_FLOWS];
	unsigned int fams = 0;
	struct ft_pkt pkt;
	uint32_t i;

	/* Keep within the wheel's 2^31-tick horizon, as any real driver does. */
	if (t > last_tick + TICK_GAP_MAX)
		run_timers(t);
	/* The families that may need room in this burst. */
	for (i = 0; i < n; i++)
		if (ft_pkt_parse(d[i], len[i], &pkt) == FT_PKT_TCP)
			fams |= pkt.is_v6 ? FAM_V6 : FAM_V4;
	for (i = 0; i < MAX_FLOWS; i++)
		held[i] = ft_engine_flow_info(eng, i, &before[i]) == 0 && before[i].held;
	phase = "process";
	evicted_fams = 0;
	ft_engine_process_spans(eng, (const uint8_t *const *)d, len, NULL, n, t);
	check_engine(0, t);
	evicted_fams |= held_evicted(held, before);
	/* Evicting a flow of the other family makes no room for the new one. */
	CHECK((evicted_fams & ~fams) == 0);
	for (i = 0; i < n; i++)
		free(d[i]);
}

struct foreach_count {
	uint32_t n;
};

static void
flow_visit(void *arg, const struct ft_flow_info *info)
{
	struct foreach_count *fc = arg;
	unsigned int r;

	CHECK(info->flow_id < MAX_FLOWS);
	CHECK(info->client.is_v6 == (info->flow_id >= MAX_V4));
	for (r = 0; r < 2; r++) {
		CHECK(info->state[r] < FT_TCP_STATE_MAX);
		if (info->state[r] == FT_TCP_CLOSED)
			CHECK(info->expires_ns[r] == 0);
	}
	if (info->held)
		CHECK(info->state[0] == FT_TCP_CLOSED && info->state[1] == FT_TCP_CLOSED);
	CHECK(info->pkts[0] + info->pkts[1] >= 1);
	fc->n++;
}

/* ft_engine_foreach_flow() reports every tracked flow. */
static void
check_foreach(void)
{
	struct foreach_count fc = { 0 };

	phase = "foreach";
	/* Every tracked flow has a key, so the walk reports every one of them. */
	ft_engine_foreach_flow(eng, flow_visit, &fc);
	CHECK(fc.n == ft_engine_stats(eng)->flows);
}

/* Run the clock on until no timer is left; then every flow has ended. */
static void
drain(void)
{
	const struct ft_engine_stats *st = ft_engine_stats(eng);
	struct foreach_count fc = { 0 };
	uint64_t when;
	unsigned int rounds = 0;

	check_foreach();
	run_timers(now);
	/* Jump from one armed slot to the next, as the replay's --drain does. */
	phase = "drain";
	while (ft_engine_next_timer(eng, &when) == 0) {
		if (when < ft_engine_now(eng))
			when = ft_engine_now(eng);
		tick_until_done(when);
		CHECK(++rounds < DRAIN_MAX);
	}
	check_engine(1, ft_engine_now(eng));
	phase = "drained";
	CHECK(st->flows == 0);
	CHECK(st->cnt[FT_CNT_FLOWS_CREATED] ==
			st->cnt[FT_CNT_FLOWS_ENDED] + st->cnt[FT_CNT_FLOWS_EVICTED]);
	CHECK(st->cnt[FT_CNT_FLOWS_FREED] <= st->cnt[FT_CNT_FLOWS_CREATED]);
	ft_engine_foreach_flow(eng, flow_visit, &fc);
	CHECK(fc.n == 0);
}

/* Bytes allocated from DPDK's heaps, all sockets. */
static uint64_t
dpdk_heap_used(void)
{
	struct rte_malloc_socket_stats ms;
	uint64_t total = 0;
	int sock;

	for (sock = 0; sock < RTE_MAX_NUMA_NODES; sock++)
		if (rte_malloc_get_socket_stats(sock, &ms) == 0)
			total += ms.heap_allocsz_bytes;
	return total;
}

/* At exit: stop the EAL and remove its runtime directory (fuzz_engine_<pid>). */
static void
eal_cleanup(void)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char prefix[64];
	char *eal_argv[] = {
		(char *)(uintptr_t) "fuzz_engine",
		(char *)(uintptr_t) "--no-huge",
		(char *)(uintptr_t) "--no-pci",
		(char *)(uintptr_t) "-m",
		(char *)(uintptr_t) "256",
		(char *)(uintptr_t) "--file-prefix",
		prefix,
		(char *)(uintptr_t) "--log-level=lib.eal:error",
		(char *)(uintptr_t) "--no-telemetry",
		NULL,
	};

	(void)argc;
	(void)argv;
	snprintf(prefix, sizeof(prefix), "fuzz_engine_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "fuzz_engine: rte_eal_init: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	atexit(eal_cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_engine_conf conf;
	uint8_t *bd[MAX_BURST];
	uint32_t bl[MAX_BURST], bn = 0;
	uint64_t bt = 0;
	size_t off = 0;
	uint64_t heap = dpdk_heap_used();

	ft_engine_conf_init(&conf);
	conf.name = "fuzz_engine";
	conf.max_flows = MAX_V4;
	conf.max_flows_v6 = MAX_V6;
	conf.max_readers = 1;
	conf.tick_us = TICK_US;
	/* Small expiry batches, so timer runs take several calls. */
	conf.expire_budget = EXPIRE_BUDGET;
	/* Every tunnel kind open (GUE on Katran's port); a context map small enough to fill. */
	conf.pkt.gue.n = 1;
	conf.pkt.gue.port[0] = 6080;
	conf.max_contexts = 8;
	conf.on_event = on_event;
	eng = ft_engine_create(&conf);
	if (eng == NULL) {
		fprintf(stderr, "fuzz_engine: ft_engine_create: %s\n", rte_strerror(rte_errno));
		abort();
	}
	now = START_NS;
	last_tick = now;
	ends_seen = 0;
	evicting_closing = 0;

	while (off + FZ_REC_HDR <= size) {
		uint8_t code = data[off];
		uint32_t len = (uint32_t)data[off + 1] << 8 | data[off + 2];
		int64_t step = fz_code_step(code);

		off += FZ_REC_HDR;
		if (len > size - off)
			len = (uint32_t)(size - off);
		now = step >= 0 ? now + (uint64_t)step : now - (uint64_t)-step;
		if (len == 0) {
			if (bn != 0)
				process(bd, bl, bn, bt);
			bn = 0;
			run_timers(now);
			continue;
		}
		if (bn == MAX_BURST || (bn != 0 && !(code & FZ_CODE_JOIN))) {
			process(bd, bl, bn, bt);
			bn = 0;
		}
		if (bn == 0)
			bt = now;
		/* An exactly sized copy: ASan reports any read past the frame. */
		bd[bn] = malloc(len);
		if (bd[bn] == NULL)
			abort();
		memcpy(bd[bn], data + off, len);
		bl[bn++] = len;
		off += len;
	}
	if (bn != 0)
		process(bd, bl, bn, bt);
	drain();
	ft_engine_free(eng);
	eng = NULL;
	/* The engine gives back every byte it took. */
	phase = "freed";
	CHECK(dpdk_heap_used() == heap);
	return 0;
}
