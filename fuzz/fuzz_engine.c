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

#define MAX_V4      64
#define MAX_V6      16
#define MAX_BURST   256
#define MAX_FLOWS   (MAX_V4 + MAX_V6)
/*
 * 10 ms ticks: reaching a timer N ticks away costs the wheel a scan of N / 64
 * bitmap words, so a 43200 s CLOSE_WAIT at 1 ms ticks would cost milliseconds
 * per input under the sanitizers.
 */
#define TICK_US     10000
#define TICK_NS     (TICK_US * FZ_NS_US)
/* Flows expired per ft_engine_tick() call (the default, 256, is more than the table). */
#define EXPIRE_BUDGET 16
/* The clock starts 65 s before the 32-bit tick counter wraps. */
#define START_NS    (((UINT64_C(1) << 32) - 65 * FZ_NS_S / TICK_NS) * TICK_NS)
/* Address families, as bits. */
#define FAM_V4      1u
#define FAM_V6      2u
/* A real driver ticks all the time; never leave the wheel alone for this long. */
#define TICK_GAP_MAX (7 * 86400 * FZ_NS_S)
/* Timer runs allowed per call and while draining (a far-off timer needs about 70). */
#define DRAIN_MAX   100000

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ft_engine *eng;
static uint64_t now;          /* Driver clock (may run back; the engine clamps). */
static uint64_t last_tick;    /* Driver time of the last timer run. */
static uint64_t ends_seen;    /* FT_EVENT_END events of this input. */
static unsigned int evicted_fams; /* Families of the flows evicted in this burst (FAM_*). */
static int evicting_closing;  /* The flow being evicted had a closing endpoint. */
static const char *phase;     /* What the driver was doing, for failure reports. */

static void
fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_engine: invariant violated (line %d, %s): %s\n"
			"  now %" PRIu64 " ns, engine now %" PRIu64 " ns, tick %u, flows %" PRIu64
			"\n", line, phase, what, now, eng != NULL ? eng->now_ns : 0,
			eng != NULL ? eng->now_tick : 0, eng != NULL ? eng->stats.flows : 0);
	abort();
}

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			fail(#cond, __LINE__); \
	} while (0)

#define FLAG(bit, role) FT_FLOW_F_ROLE(bit, role)

/* The tick the flow's timer must be due at: the hold deadline, else the earliest live one. */
static uint32_t
expected_deadline(const struct ft_flow *f)
{
	if (f->flags & FT_FLOW_F_HOLD)
		return f->dl[0];
	if (f->state[0] == FT_TCP_CLOSED)
		return f->dl[1];
	if (f->state[1] == FT_TCP_CLOSED)
		return f->dl[0];
	return ft_tick_before(f->dl[0], f->dl[1]) ? f->dl[0] : f->dl[1];
}

static int
own_fin_state(unsigned int s)
{
	return s == FT_TCP_FIN_WAIT1 || s == FT_TCP_FIN_WAIT2 || s == FT_TCP_CLOSING ||
		s == FT_TCP_TIME_WAIT || s == FT_TCP_LAST_ACK;
}

static int
peer_fin_state(unsigned int s)
{
	return s == FT_TCP_CLOSING || s == FT_TCP_TIME_WAIT || s == FT_TCP_CLOSE_WAIT ||
		s == FT_TCP_LAST_ACK;
}

static int
wheel_visit(void *arg, uint32_t id)
{
	uint32_t *n = arg;

	CHECK(id < MAX_FLOWS);
	CHECK(eng->table->flows[id].flags & FT_FLOW_F_LIVE);
	(*n)++;
	return 0;
}

/* The timer of live flow id sits in the list of its slot, which the wheel will reach. */
static void
check_timer_link(uint32_t id)
{
	const struct ft_twheel *w = eng->wheel;
	const struct ft_tw_link *l = ft_twheel_link(w, id);
	const struct ft_tw_chain *c = ft_twheel_chain(w, id);
	uint32_t slot = l->filed & w->mask;

	CHECK(c->next != FT_TW_OFF);
	/* Filed in [cur, cur + slots): the slot has not been passed and is not ambiguous. */
	CHECK(l->filed - w->cur <= w->mask);
	CHECK(w->bitmap[slot >> 6] & (UINT64_C(1) << (slot & 63)));
	if (c->prev == FT_TW_NIL) {
		CHECK(w->heads[slot] == id);
	} else {
		CHECK(c->prev < MAX_FLOWS);
		CHECK(ft_twheel_chain(w, c->prev)->next == id);
		CHECK(ft_twheel_link(w, c->prev)->filed == l->filed);
	}
	if (c->next != FT_TW_NIL) {
		CHECK(c->next < MAX_FLOWS);
		CHECK(ft_twheel_chain(w, c->next)->prev == id);
	}
}

/* The wheel's own walk sees exactly the live flows. */
static void
check_wheel_walk(void)
{
	uint32_t n = 0;

	ft_twheel_walk(eng->wheel, wheel_visit, &n, MAX_FLOWS + 1);
	CHECK(n == eng->stats.flows);
}

/* The key of a tracked flow, IPv4 or IPv6, as bytes. */
static void
flow_key(uint32_t id, struct ft_key6 *key)
{
	memset(key, 0, sizeof(*key));
	CHECK(ft_flow_table_key(eng->table, id, (struct ft_key4 *)key, key) ==
			(id < MAX_V4 ? 4 : 6));
}

/* Everything that holds between calls. after_tick: timers ran at driver time t. */
static void
check_engine(int after_tick, uint64_t t)
{
	const struct ft_engine_stats *st = &eng->stats;
	const struct ft_flow_table *tab = eng->table;
	int64_t gauge[2][FT_TCP_STATE_MAX];
	uint64_t live = 0, live_not_held = 0, ended, sum;
	uint32_t t_tick = (uint32_t)(t / eng->tick_ns);
	unsigned int r, s, i;
	uint32_t id;

	memset(gauge, 0, sizeof(gauge));
	for (id = 0; id < MAX_FLOWS; id++) {
		const struct ft_flow *f = &tab->flows[id];
		const struct ft_tw_link *l = &f->tw;

		if (!(f->flags & FT_FLOW_F_LIVE)) {
			CHECK(!ft_twheel_armed(eng->wheel, id));
			continue;
		}
		live++;
		CHECK(f->state[0] < FT_TCP_STATE_MAX && f->state[1] < FT_TCP_STATE_MAX);
		gauge[0][f->state[0]]++;
		gauge[1][f->state[1]]++;
		if (f->flags & FT_FLOW_F_HOLD) {
			CHECK(f->state[0] == FT_TCP_CLOSED && f->state[1] == FT_TCP_CLOSED);
		} else {
			live_not_held++;
			CHECK(f->state[0] != FT_TCP_CLOSED || f->state[1] != FT_TCP_CLOSED);
		}
		for (r = 0; r < 2; r++) {
			if (own_fin_state(f->state[r]))
				CHECK(f->flags & FLAG(FT_FLOW_F_FIN_SENT, r));
			if (peer_fin_state(f->state[r]))
				CHECK(f->flags & FLAG(FT_FLOW_F_FIN_SENT, r ^ 1));
			if (f->state[r] == FT_TCP_SYN_SENT)
				CHECK(f->state[r ^ 1] != FT_TCP_SYN_SENT &&
						!peer_fin_state(f->state[r ^ 1]));
		}
		/* The key is in its family's table at the flow's slot. */
		{
			struct ft_key6 key;

			flow_key(id, &key);
		}
		CHECK(ft_twheel_armed(eng->wheel, id));
		check_timer_link(id);
		CHECK(l->deadline == expected_deadline(f));
		if (after_tick)
			CHECK(ft_tick_after(l->deadline, t_tick));
	}
	CHECK(live == st->flows);
	CHECK(st->flows <= st->flows_peak);
	CHECK(eng->wheel->armed == live);
	for (r = 0; r < 2; r++)
		for (s = 0; s < FT_TCP_STATE_MAX; s++) {
			CHECK(st->gauge[r][s] >= 0);
			CHECK(st->gauge[r][s] == gauge[r][s]);
			CHECK(st->peak[r][s] >= st->gauge[r][s]);
		}
	ended = st->cnt[FT_CNT_FLOWS_ENDED] + st->cnt[FT_CNT_FLOWS_EVICTED];
	CHECK(st->cnt[FT_CNT_FLOWS_CREATED] == ended + live_not_held);
	CHECK(ends_seen == ended);
	for (sum = 0, i = 0; i < FT_END_HOW_MAX; i++)
		sum += st->ends[i];
	CHECK(sum == ended);
	CHECK(st->ends[FT_END_EVICTED] == st->cnt[FT_CNT_FLOWS_EVICTED]);
	for (sum = 0, s = 0; s < FT_TCP_STATE_MAX; s++)
		sum += st->ends_timeout[s];
	CHECK(sum == st->ends[FT_END_TIMEOUT]);
	for (sum = 0, i = 0; i < FT_PKT_STATUS_MAX; i++)
		sum += st->pkt[i];
	CHECK(sum == st->cnt[FT_CNT_RX_PKTS]);
	CHECK(eng->npending == 0);
}

static void
on_event(void *arg, const struct ft_event *ev)
{
	const struct ft_flow *f;

	(void)arg;
	CHECK(ev->flow_id < MAX_FLOWS);
	CHECK(ev->ts_ns == eng->now_ns);
	CHECK(ev->client.is_v6 == (ev->flow_id >= MAX_V4));
	CHECK(ev->server.is_v6 == ev->client.is_v6);
	f = &eng->table->flows[ev->flow_id];
	CHECK(f->flags & FT_FLOW_F_LIVE);
	if (ev->type == FT_EVENT_STATE) {
		CHECK(ev->role <= FT_ROLE_SERVER);
		CHECK(ev->from < FT_TCP_STATE_MAX && ev->to < FT_TCP_STATE_MAX);
		CHECK(ev->from != ev->to);
		CHECK(ev->cause < FT_TCP_EV_MAX);
		CHECK(ft_tcp_next[ev->cause][ev->from] == ev->to);
		CHECK(f->state[ev->role] == ev->to);
		if (ev->cause == FT_TCP_EV_EVICT && (ev->from == FT_TCP_TIME_WAIT ||
				ft_tcp_state_is_closing(ev->from)))
			evicting_closing = 1;
		return;
	}
	CHECK(ev->type == FT_EVENT_END);
	CHECK(ev->how < FT_END_HOW_MAX);
	CHECK(ev->first_closer <= FT_CLOSER_SERVER);
	CHECK(f->state[0] == FT_TCP_CLOSED && f->state[1] == FT_TCP_CLOSED);
	CHECK(!(f->flags & FT_FLOW_F_HOLD));
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

/*
 * Held flows (ended by RST) leave without a flow-end event when evicted. A
 * burst runs no timer, so a held flow whose slot is free or holds another key
 * after the burst was evicted by it.
 */
static unsigned int
held_evicted(const uint8_t *held, const struct ft_key6 *keys)
{
	unsigned int fams = 0;
	struct ft_key6 key;
	uint32_t id;

	for (id = 0; id < MAX_FLOWS; id++) {
		if (!held[id])
			continue;
		if (eng->table->flows[id].flags & FT_FLOW_F_LIVE) {
			flow_key(id, &key);
			if (memcmp(&key, &keys[id], sizeof(key)) == 0)
				continue;
		}
		fams |= id >= MAX_V4 ? FAM_V6 : FAM_V4;
	}
	return fams;
}

/* Process a burst of n frames at driver time t, then free the frames. */
static void
process(uint8_t **d, const uint32_t *len, uint32_t n, uint64_t t)
{
	static struct ft_key6 held_keys[MAX_FLOWS];
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
	for (i = 0; i < MAX_FLOWS; i++) {
		held[i] = (eng->table->flows[i].flags & (FT_FLOW_F_LIVE | FT_FLOW_F_HOLD)) ==
			(FT_FLOW_F_LIVE | FT_FLOW_F_HOLD);
		if (held[i])
			flow_key(i, &held_keys[i]);
	}
	phase = "process";
	evicted_fams = 0;
	ft_engine_process(eng, (const uint8_t *const *)d, len, n, t);
	check_engine(0, t);
	evicted_fams |= held_evicted(held, held_keys);
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
	const struct ft_flow *f;
	unsigned int r;

	CHECK(info->flow_id < MAX_FLOWS);
	f = &eng->table->flows[info->flow_id];
	CHECK(f->flags & FT_FLOW_F_LIVE);
	CHECK(info->held == ((f->flags & FT_FLOW_F_HOLD) != 0));
	CHECK(info->client.is_v6 == (info->flow_id >= MAX_V4));
	for (r = 0; r < 2; r++) {
		CHECK(info->state[r] == f->state[r]);
		if (f->state[r] == FT_TCP_CLOSED)
			CHECK(info->expires_ns[r] == 0);
	}
	CHECK(info->pkts[0] + info->pkts[1] >= 1);
	fc->n++;
}

/* ft_engine_foreach_flow() reports what the slots hold. */
static void
check_foreach(void)
{
	struct foreach_count fc = { 0 };

	phase = "foreach";
	/* Every tracked flow has a key, so the walk reports every one of them. */
	ft_engine_foreach_flow(eng, flow_visit, &fc);
	CHECK(fc.n == eng->stats.flows);
}

/* Run the clock on until no timer is left; then every flow has ended. */
static void
drain(void)
{
	uint64_t when;
	unsigned int rounds = 0;
	uint32_t id;

	check_wheel_walk();
	check_foreach();
	run_timers(now);
	/* Jump from one armed slot to the next, as the replay's --drain does. */
	phase = "drain";
	while (ft_engine_next_timer(eng, &when) == 0) {
		if (when < eng->now_ns)
			when = eng->now_ns;
		tick_until_done(when);
		CHECK(++rounds < DRAIN_MAX);
	}
	check_engine(1, eng->now_ns);
	phase = "drained";
	CHECK(eng->stats.flows == 0);
	CHECK(eng->wheel->armed == 0);
	CHECK(eng->stats.cnt[FT_CNT_FLOWS_CREATED] ==
			eng->stats.cnt[FT_CNT_FLOWS_ENDED] + eng->stats.cnt[FT_CNT_FLOWS_EVICTED]);
	CHECK(eng->stats.cnt[FT_CNT_FLOWS_FREED] <= eng->stats.cnt[FT_CNT_FLOWS_CREATED]);
	for (id = 0; id < MAX_FLOWS; id++)
		CHECK(!(eng->table->flows[id].flags & FT_FLOW_F_LIVE));
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
		(char *)(uintptr_t)"fuzz_engine", (char *)(uintptr_t)"--no-huge",
		(char *)(uintptr_t)"--no-pci", (char *)(uintptr_t)"-m", (char *)(uintptr_t)"256",
		(char *)(uintptr_t)"--file-prefix", prefix,
		(char *)(uintptr_t)"--log-level=lib.eal:error",
		(char *)(uintptr_t)"--no-telemetry", NULL,
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
