/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * The engine's batch loop, in l3fwd's shape: parse the burst, one bulk lookup
 * (which starts loading each flow's hot line), then the step of each packet;
 * new flows, eviction and the batched deletes of ended flows; the tick that
 * expires timers. The TCP step itself is ft_engine_tcp.c.
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "ft_common.h"
#include "ft_engine_private.h"
#include "ft_pkt_plain.h"

/* Largest frame linearised from a multi-segment mbuf. */
#define SCRATCH_LEN 16384

void
ft_engine_conf_init(struct ft_engine_conf *conf)
{
	unsigned int s;

	memset(conf, 0, sizeof(*conf));
	conf->name = "ft";
	conf->socket_id = SOCKET_ID_ANY;
	conf->max_flows = 1u << 20;
	conf->max_flows_v6 = 1u << 16;
	conf->max_readers = 4;
	for (s = 0; s < FT_TCP_STATE_MAX; s++)
		conf->timeout_ms[s] = ft_tcp_default_timeout_s[s] * 1000;
	conf->rst_hold_ms = 10000;
	conf->tick_us = 1000;
	conf->wheel_slots = 1u << 16;
	conf->expire_budget = 256;
	conf->evict_scan = 1024;
	conf->evict = 1;
	conf->pickup = 1;
	conf->fast_path = 1;
	conf->state_events = 1;
	ft_pkt_conf_init(&conf->pkt);
	conf->max_contexts = 1u << 16;
}

static uint32_t
ms_to_ticks(uint64_t ms, uint64_t tick_ns)
{
	uint64_t t = (ms * FT_NS_PER_MSEC + tick_ns - 1) / tick_ns;

	/* Keep deadlines within the wrap-safe half of the tick space. */
	return t > INT32_MAX ? INT32_MAX : (uint32_t)t;
}

/*
 * Heap bytes per flow slot, rounded up from what ft_engine_mem_bytes() and
 * the wheel measure (about 210 bytes for IPv4 and 226 for IPv6 at any size,
 * the hash tables' power-of-two rounding included), with a quarter more.
 */
#define MEM_PER_FLOW_V4 264
#define MEM_PER_FLOW_V6 288
/* The engine's fixed part: its structure, the expiry scratch and the linearising buffer. */
#define MEM_FIXED (1u << 20)

uint64_t
ft_engine_mem_estimate(const struct ft_engine_conf *conf)
{
	return (uint64_t)conf->max_flows * MEM_PER_FLOW_V4 +
			(uint64_t)conf->max_flows_v6 * MEM_PER_FLOW_V6 +
			(uint64_t)conf->wheel_slots * (sizeof(uint32_t) + 1) +
			(uint64_t)conf->expire_budget * sizeof(uint32_t) + SCRATCH_LEN + MEM_FIXED +
			(conf->ctx_map == NULL ? ft_ctx_mem_estimate(conf->max_contexts) : 0);
}

int
ft_engine_set_timeouts(struct ft_engine *e, const uint32_t timeout_ms[FT_TCP_STATE_MAX])
{
	unsigned int s;

	if (e == NULL || timeout_ms == NULL)
		return -EINVAL;
	for (s = 0; s < FT_TCP_STATE_MAX; s++) {
		e->conf.timeout_ms[s] = timeout_ms[s];
		e->tmo[s] = ms_to_ticks(timeout_ms[s], e->tick_ns);
	}
	return 0;
}

struct ft_engine *
ft_engine_create(const struct ft_engine_conf *conf)
{
	struct ft_engine *e;
	uint32_t nflows, s;
	int err;

	if (conf == NULL || conf->tick_us == 0 || conf->expire_budget == 0 ||
			conf->evict_scan == 0 || conf->pkt.tun_depth > FT_PKT_TUN_MAX ||
			(conf->ctx_map == NULL &&
					(conf->max_contexts == 0 ||
							conf->max_contexts > FT_CTX_MAX))) {
		rte_errno = EINVAL;
		return NULL;
	}
	e = rte_zmalloc_socket("ft_engine", sizeof(*e), RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (e == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	e->conf = *conf;
	e->tick_ns = (uint64_t)conf->tick_us * 1000;
	for (s = 0; s < FT_TCP_STATE_MAX; s++)
		e->tmo[s] = ms_to_ticks(conf->timeout_ms[s], e->tick_ns);
	e->hold_ticks = ms_to_ticks(conf->rst_hold_ms, e->tick_ns);

	e->table = ft_flow_table_create(conf->name, conf->max_flows, conf->max_flows_v6,
			conf->max_readers, conf->socket_id);
	if (e->table == NULL)
		goto fail;
	nflows = conf->max_flows + conf->max_flows_v6;
	e->flows = ft_flow_table_hot(e->table);
	e->cold = ft_flow_table_cold(e->table);
	e->wheel = ft_twheel_create(e->flows, sizeof(struct ft_flow), offsetof(struct ft_flow, tw),
			nflows, conf->wheel_slots, 0, conf->socket_id);
	if (e->wheel == NULL)
		goto fail;
	ft_twheel_init_links(e->wheel);
	e->expired = rte_malloc_socket("ft_expired", sizeof(uint32_t) * conf->expire_budget, 0,
			conf->socket_id);
	e->scratch = rte_malloc_socket("ft_scratch", SCRATCH_LEN, 0, conf->socket_id);
	if (e->expired == NULL || e->scratch == NULL) {
		rte_errno = ENOMEM;
		goto fail;
	}
	e->ctx = conf->ctx_map;
	if (e->ctx == NULL) {
		char name[32]; /* RTE_HASH_NAMESIZE */

		snprintf(name, sizeof(name), "%s_ctx", conf->name);
		e->own_ctx = ft_ctx_map_create(name, conf->max_contexts, conf->socket_id);
		if (e->own_ctx == NULL)
			goto fail;
		e->ctx = e->own_ctx;
	}
	e->ctx_resolver.map = e->ctx;
	e->conf.pkt.resolve = ft_ctx_resolve_hook;
	e->conf.pkt.resolve_arg = &e->ctx_resolver;
	return e;
fail:
	err = rte_errno;
	ft_engine_free(e);
	rte_errno = err;
	return NULL;
}

void
ft_engine_free(struct ft_engine *e)
{
	if (e == NULL)
		return;
	ft_twheel_free(e->wheel);
	ft_flow_table_free(e->table);
	rte_free(e->expired);
	rte_free(e->scratch);
	ft_ctx_map_free(e->own_ctx);
	rte_free(e);
}

/* Set the engine clock; time never runs backwards for the engine. */
static void
set_clock(struct ft_engine *e, uint64_t now_ns)
{
	if (unlikely(!e->clock_set)) {
		e->clock_set = 1;
		e->now_ns = now_ns;
		e->now_tick = (uint32_t)(now_ns / e->tick_ns);
		ft_twheel_set_time(e->wheel, e->now_tick);
		return;
	}
	if (unlikely(now_ns < e->now_ns)) {
		e->stats.cnt[FT_CNT_CLOCK_BACKWARDS]++;
		return;
	}
	e->now_ns = now_ns;
	e->now_tick = (uint32_t)(now_ns / e->tick_ns);
}

/* ---------------------------------------------------------------------------
 * Flow lifecycle
 */

/* Start a fresh incarnation in slot id: both endpoints CLOSED, counters zero. */
void
ft_eng_flow_init(struct ft_engine *e, uint32_t id, unsigned int client_is_b)
{
	struct ft_flow *f = &e->flows[id];
	struct ft_flow_cold *c = &e->cold[id];
	/* A held slot taken over keeps its armed timer; the wheel owns that part. */
	struct ft_tw_link tw = f->tw;

	memset(f, 0, sizeof(*f));
	f->tw = tw;
	f->state[0] = FT_TCP_CLOSED;
	f->state[1] = FT_TCP_CLOSED;
	f->flags = FT_FLOW_F_LIVE | (client_is_b ? FT_FLOW_F_CLIENT_B : 0);
	memset(c, 0, sizeof(*c));
	c->start_ns = e->now_ns;
	c->wscale[0] = FT_FLOW_WS_UNKNOWN;
	c->wscale[1] = FT_FLOW_WS_UNKNOWN;
	f->wshift[0] = FT_ENG_WSCALE_UNKNOWN_SHIFT;
	f->wshift[1] = FT_ENG_WSCALE_UNKNOWN_SHIFT;
	c->timeout_state = FT_ENG_TIMEOUT_NONE;
	c->last_state[0] = FT_TCP_CLOSED;
	c->last_state[1] = FT_TCP_CLOSED;
	c->entered[0] = e->now_tick;
	c->entered[1] = e->now_tick;
	e->stats.cnt[FT_CNT_FLOWS_CREATED]++;
}

/* A slot enters use: count it as a tracked flow with both endpoints CLOSED. */
static void
flow_track(struct ft_engine *e)
{
	struct ft_engine_stats *st = &e->stats;

	st->gauge[0][FT_TCP_CLOSED]++;
	st->gauge[1][FT_TCP_CLOSED]++;
	if (++st->flows > st->flows_peak)
		st->flows_peak = st->flows;
}

/* Release a flow's slot: stop its timer and take it off the gauges. */
static void
flow_untrack(struct ft_engine *e, uint32_t id)
{
	struct ft_flow *f = &e->flows[id];

	ft_twheel_stop(e->wheel, id);
	e->stats.gauge[0][f->state[0]]--;
	e->stats.gauge[1][f->state[1]]--;
	e->stats.flows--;
	e->stats.cnt[FT_CNT_FLOWS_FREED]++;
	f->flags = 0;
}

/* Release a flow's slot; its key goes with the next batched delete. */
void
ft_eng_flow_free(struct ft_engine *e, uint32_t id)
{
	flow_untrack(e, id);
	ft_flow_table_release(e->table, id);
}

/* Both endpoints CLOSED and no hold: end the flow and free it. */
void
ft_eng_flow_finish(struct ft_engine *e, uint32_t id)
{
	ft_eng_flow_end(e, id, ft_eng_end_how(&e->flows[id], &e->cold[id]));
	ft_eng_flow_free(e, id);
}

/* ---------------------------------------------------------------------------
 * New flows and eviction
 */

struct evict_search {
	const struct ft_engine *e;
	uint32_t best;
	unsigned int rank;
	int v6; /* Family that needs room: only its table can give it. */
};

/* Rank of a flow as an eviction victim: 0 held, 1 TIME_WAIT, 2 other closing, 3 never. */
static unsigned int
evict_rank(const struct ft_flow *f)
{
	if (f->flags & FT_FLOW_F_HOLD)
		return 0;
	if (f->state[0] == FT_TCP_TIME_WAIT || f->state[1] == FT_TCP_TIME_WAIT)
		return 1;
	if (ft_tcp_state_is_closing(f->state[0]) || ft_tcp_state_is_closing(f->state[1]))
		return 2;
	return 3;
}

static int
evict_visit(void *arg, uint32_t id)
{
	struct evict_search *s = arg;
	unsigned int rank;

	if (ft_flow_table_is_v6(s->e->table, id) != s->v6)
		return 0;
	rank = evict_rank(&s->e->flows[id]);
	if (rank < s->rank) {
		s->rank = rank;
		s->best = id;
	}
	return s->rank <= 1;
}

/* Free one closing flow of the given family now to make room in its table. */
static int
evict_one(struct ft_engine *e, int v6)
{
	struct evict_search s = { .e = e, .best = 0, .rank = 3, .v6 = v6 };
	uint32_t id;

	ft_twheel_walk(e->wheel, evict_visit, &s, e->conf.evict_scan);
	if (s.rank == 3)
		return -ENOSPC;
	id = s.best;
	/* A held flow had already ended (by RST): only a flow still open counts as evicted. */
	if (!(e->flows[id].flags & FT_FLOW_F_HOLD)) {
		if (v6)
			e->stats.cnt[FT_CNT_FLOWS_EVICTED_V6]++;
		ft_eng_step(e, id, FT_ROLE_CLIENT, FT_TCP_EV_EVICT);
		ft_eng_step(e, id, FT_ROLE_SERVER, FT_TCP_EV_EVICT);
		ft_eng_flow_end(e, id, FT_END_EVICTED);
	}
	flow_untrack(e, id);
	/* Delete now, not with the batch: the add that follows needs the room. */
	ft_flow_table_del(e->table, id);
	e->dirty = 1;
	return 0;
}

/* A packet that matched no live flow; id is its stale slot, or negative. */
static void
flow_miss(struct ft_engine *e, int32_t id, const struct ft_pkt *p, uint32_t len)
{
	uint8_t fl = p->flags;
	int32_t ret;

	/*
	 * An RST of no tracked flow is not picked up: a genuine one leaves both
	 * endpoints CLOSED, which needs no tracking, and with no sequence space
	 * known nothing tells a genuine one from a blind one. It is counted.
	 */
	if (fl & FT_TH_RST) {
		e->stats.cnt[FT_CNT_RST_NO_FLOW]++;
		return;
	}
	if (!(fl & FT_TH_SYN) && (!e->conf.pickup || !(fl & FT_TH_ACK))) {
		e->stats.cnt[FT_CNT_TCP_UNTRACKED]++;
		return;
	}
	if (id < 0) {
		ret = ft_flow_table_add(e->table, p);
		while (ret == -ENOSPC && e->conf.evict && evict_one(e, p->is_v6) == 0)
			ret = ft_flow_table_add(e->table, p);
		if (ret < 0) {
			e->stats.cnt[ret == -EINVAL		      ? FT_CNT_NO_V6_TABLE :
							ret == -EBUSY ? FT_CNT_TABLE_BUSY :
									FT_CNT_TABLE_FULL]++;
			if (ret == -ENOSPC && p->is_v6)
				e->stats.cnt[FT_CNT_TABLE_FULL_V6]++;
			return;
		}
		id = ret;
		/* Packets later in the batch with this key find the flow here. */
		if (e->batch_adds < FT_ENG_BATCH_ADDS) {
			e->batch_add_pkt[e->batch_adds] = p;
			e->batch_add_id[e->batch_adds] = id;
		}
		e->batch_adds++;
	}
	flow_track(e);
	if (fl & FT_TH_SYN) {
		struct ft_flow *f = &e->flows[id];
		struct ft_flow_cold *c = &e->cold[id];

		if (!(fl & FT_TH_ACK)) {
			ft_eng_start_from_syn(e, id, p, len);
			return;
		}
		/* A SYN-ACK first: its receiver is the client. */
		ft_eng_flow_init(e, id, !p->dir);
		ft_eng_note_flags(f, c, FT_ROLE_SERVER, p);
		ft_eng_note_sender(f, c, FT_ROLE_SERVER, p, len);
		ft_eng_learn_syn(f, c, FT_ROLE_SERVER, p);
		f->nxt[FT_ROLE_CLIENT] = p->ack;
		f->flags |= FLAG(FT_FLOW_F_NXT_VALID, FT_ROLE_CLIENT);
		ft_eng_step(e, id, FT_ROLE_SERVER, FT_TCP_EV_SND_SYNACK);
		ft_eng_step(e, id, FT_ROLE_CLIENT, FT_TCP_EV_RCV_SYNACK);
		ft_eng_flow_timer_update(e, id);
		return;
	}
	/*
	 * Mid-stream pick-up: the sender of the first packet seen is the client.
	 * A FIN shows where the close is: its sender FIN_WAIT1, its receiver
	 * CLOSE_WAIT (the TCP step that follows records the FIN itself and
	 * moves neither again). Anything else shows both ESTABLISHED. The
	 * server's first segments may take the fast path, which records no flags.
	 */
	ft_eng_flow_init(e, id, p->dir);
	e->flows[id].flags |= FLAG(FT_FLOW_F_FLAGS_UNSEEN, FT_ROLE_SERVER);
	e->stats.cnt[FT_CNT_PICKUPS]++;
	if (fl & FT_TH_FIN) {
		e->stats.cnt[FT_CNT_PICKUPS_CLOSING]++;
		ft_eng_step(e, id, FT_ROLE_CLIENT, FT_TCP_EV_PICKUP_SND_FIN);
		ft_eng_step(e, id, FT_ROLE_SERVER, FT_TCP_EV_PICKUP_RCV_FIN);
	} else {
		ft_eng_step(e, id, FT_ROLE_CLIENT, FT_TCP_EV_PICKUP);
		ft_eng_step(e, id, FT_ROLE_SERVER, FT_TCP_EV_PICKUP);
	}
	ft_eng_flow_packet(e, id, p, len);
}

/*
 * The flow of a packet whose bulk lookup answer may be stale: after an
 * eviction (the table lost a key), or, for a key the lookup did not find,
 * after flows were added earlier in the batch. The adds are compared with
 * while they are few (no key leaves the table before the batch's flush but
 * by eviction); past that, or after an eviction, the table is asked.
 */
static __rte_noinline int32_t
batch_rematch(const struct ft_engine *e, const struct ft_pkt *p)
{
	uint32_t j;

	if (e->dirty || e->batch_adds > FT_ENG_BATCH_ADDS)
		return ft_flow_table_lookup(e->table, p);
	for (j = 0; j < e->batch_adds; j++) {
		const struct ft_pkt *q = e->batch_add_pkt[j];

		if (q->is_v6 != p->is_v6)
			continue;
		if (p->is_v6 ? memcmp(&q->key.v6, &p->key.v6, sizeof(p->key.v6)) == 0 :
			       memcmp(&q->key.v4, &p->key.v4, sizeof(p->key.v4)) == 0)
			return e->batch_add_id[j];
	}
	return -ENOENT;
}

/* ---------------------------------------------------------------------------
 * The batch loop
 */

/*
 * One batch of at most FT_ENGINE_BATCH packets: parsed here (pre NULL) or by
 * the caller (pre[i] with its result in status[i]).
 */
static void
process_batch(struct ft_engine *e, const uint8_t *const *data, const uint32_t *cap,
		const uint32_t *wire, uint32_t n, const struct ft_pkt *pre, uint8_t *status)
{
	const uint32_t *len = wire != NULL ? wire : cap;
	struct ft_pkt parsed[FT_ENGINE_BATCH];
	const struct ft_pkt *pkts = parsed;
	uint8_t st[FT_ENGINE_BATCH];
	int32_t ids[FT_ENGINE_BATCH];
	const unsigned int fast_want = e->conf.fast_path ? FT_ENG_FAST_WANT : FT_ENG_FAST_NEVER;
	const struct ft_key4 *k4[FT_ENGINE_BATCH];
	uint32_t sig4[FT_ENGINE_BATCH];
	/* Every packet IPv4 TCP, parsed here: the lookup takes k4 and sig4. */
	int plain = pre == NULL;
	uint32_t i;

	if (pre == NULL) {
		uint64_t bytes = 0;
		uint32_t tcp = 0;

		for (i = 0; i < n; i++) {
			st[i] = (uint8_t)ft_pkt_parse_fast(&e->conf.pkt, data[i], cap[i], len[i],
					&parsed[i]);
			bytes += len[i];
			if (likely(st[i] == FT_PKT_TCP && !parsed[i].is_v6)) {
				/* Hashed while the key is at hand, for the bulk lookup. */
				k4[tcp] = &parsed[i].key.v4;
				sig4[tcp++] = ft_flow_key4_hash(&parsed[i].key.v4);
			} else {
				plain = 0;
				e->stats.pkt[st[i]]++;
			}
		}
		e->stats.pkt[FT_PKT_TCP] += tcp;
		e->stats.cnt[FT_CNT_RX_BYTES] += bytes;
		if (status != NULL)
			memcpy(status, st, n);
	} else {
		pkts = pre;
		for (i = 0; i < n; i++) {
			st[i] = status[i];
			e->stats.pkt[st[i]]++;
			e->stats.cnt[FT_CNT_RX_BYTES] += len[i];
		}
	}
	e->stats.cnt[FT_CNT_RX_PKTS] += n;
	/*
	 * A packet that is not TCP has no parse; the lookup reads only those
	 * that are (GCC cannot see that).
	 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
	if (plain)
		ft_flow_table_lookup_bulk4(e->table, k4, sig4, n, ids);
	else
		ft_flow_table_lookup_bulk(e->table, pkts, st, n, ids);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

	e->dirty = 0;
	e->batch_adds = 0;
	e->est_deadline = e->now_tick + e->tmo[FT_TCP_ESTABLISHED];
	for (i = 0; i < n; i++) {
		int32_t id = ids[i];

		if (st[i] != FT_PKT_TCP)
			continue;
		/* An eviction or an add earlier in this batch may have changed the answer. */
		if (e->dirty || (id < 0 && e->batch_adds != 0))
			id = batch_rematch(e, &pkts[i]);
		if (id >= 0 && (e->flows[id].flags & FT_FLOW_F_LIVE)) {
			struct ft_flow *f = &e->flows[id];

			if (!ft_eng_segment_fast(e, (uint32_t)id, f, &pkts[i], len[i],
					    ft_eng_sender(f, &pkts[i]), fast_want))
				ft_eng_flow_packet(e, (uint32_t)id, &pkts[i], len[i]);
		} else {
			flow_miss(e, id, &pkts[i], len[i]);
		}
	}
	ft_flow_table_flush(e->table);
}

void
ft_engine_process_spans(struct ft_engine *e, const uint8_t *const *data, const uint32_t *cap,
		const uint32_t *wire, uint32_t n, uint64_t now_ns)
{
	uint32_t done;

	set_clock(e, now_ns);
	for (done = 0; done < n; done += FT_ENGINE_BATCH)
		process_batch(e, data + done, cap + done, wire != NULL ? wire + done : NULL,
				RTE_MIN(n - done, (uint32_t)FT_ENGINE_BATCH), NULL, NULL);
}

void
ft_engine_process_mbufs(struct ft_engine *e, struct rte_mbuf *const *pkts, uint16_t n,
		const struct ft_pkt *parsed, uint8_t *status, uint64_t now_ns)
{
	const uint8_t *data[FT_ENGINE_BATCH];
	uint32_t len[FT_ENGINE_BATCH], wire[FT_ENGINE_BATCH];
	uint16_t done, i, m;

	set_clock(e, now_ns);
	for (done = 0; done < n; done += m) {
		m = (uint16_t)RTE_MIN(n - done, FT_ENGINE_BATCH);
		if (parsed != NULL) {
			/* The caller parsed them: only the lengths are needed. */
			for (i = 0; i < m; i++)
				wire[i] = pkts[done + i]->pkt_len;
			process_batch(e, NULL, wire, NULL, m, parsed + done, status + done);
			continue;
		}
		for (i = 0; i < m; i++) {
			const struct rte_mbuf *mb = pkts[done + i];

			wire[i] = mb->pkt_len;
			if (likely(mb->nb_segs == 1)) {
				data[i] = rte_pktmbuf_mtod(mb, const uint8_t *);
				len[i] = mb->data_len;
				continue;
			}
			/* Rare: headers may span segments. Linearise this one packet alone. */
			if (i != 0) {
				m = i;
				break;
			}
			len[0] = RTE_MIN(mb->pkt_len, (uint32_t)SCRATCH_LEN);
			data[0] = rte_pktmbuf_read(mb, 0, len[0], e->scratch);
			m = 1;
			break;
		}
		process_batch(e, data, len, wire, m, NULL, status != NULL ? status + done : NULL);
	}
}

/* ---------------------------------------------------------------------------
 * Timers
 */

static void
flow_expired(struct ft_engine *e, uint32_t id)
{
	struct ft_flow *f = &e->flows[id];
	struct ft_flow_cold *c = &e->cold[id];
	unsigned int r;

	if (f->flags & FT_FLOW_F_HOLD) {
		ft_eng_flow_free(e, id);
		return;
	}
	for (r = 0; r < 2; r++) {
		unsigned int s = f->state[r];

		if (s == FT_TCP_CLOSED || ft_tick_after(f->dl[r], e->now_tick))
			continue;
		e->stats.cnt[FT_CNT_TIMEOUTS]++;
		/*
		 * A one-sided flow waits on a side whose packets take another path:
		 * its silence is no leak, so the timeout is not one of the state's.
		 */
		if (s != FT_TCP_TIME_WAIT && ft_eng_one_sided(f, c) != FT_ONE_SIDED_NO) {
			e->stats.cnt[FT_CNT_ONE_SIDED_TIMEOUTS]++;
			e->stats.one_sided_expired[r][s]++;
		} else {
			e->stats.expired[r][s]++;
		}
		if (s == FT_TCP_TIME_WAIT)
			e->stats.cnt[FT_CNT_TW_EXPIRIES]++;
		else if (c->timeout_state == FT_ENG_TIMEOUT_NONE)
			c->timeout_state = (uint8_t)s;
		ft_eng_step(e, id, r, FT_TCP_EV_TIMEOUT);
	}
	if (f->state[0] == FT_TCP_CLOSED && f->state[1] == FT_TCP_CLOSED)
		ft_eng_flow_finish(e, id);
	else
		ft_eng_flow_timer_update(e, id);
}

uint32_t
ft_engine_tick(struct ft_engine *e, uint64_t now_ns)
{
	uint32_t n, i;

	set_clock(e, now_ns);
	n = ft_twheel_expire(e->wheel, e->now_tick, e->expired, e->conf.expire_budget);
	for (i = 0; i < n; i++)
		rte_prefetch0(&e->flows[e->expired[i]]);
	for (i = 0; i < n; i++)
		flow_expired(e, e->expired[i]);
	ft_flow_table_flush(e->table);
	return n;
}

int
ft_engine_timers_pending(const struct ft_engine *e, uint64_t now_ns)
{
	return ft_twheel_pending(e->wheel, (uint32_t)(now_ns / e->tick_ns));
}

int
ft_engine_next_timer(const struct ft_engine *e, uint64_t *when_ns)
{
	uint32_t tick;
	int32_t ahead;
	int ret = ft_twheel_next(e->wheel, &tick);

	if (ret < 0)
		return ret;
	/* Ticks wrap; rebuild the full time from the engine's current tick. */
	ahead = (int32_t)(tick - e->now_tick);
	if (ahead <= 0)
		*when_ns = e->now_ns;
	else
		*when_ns = (e->now_ns / e->tick_ns + (uint64_t)ahead) * e->tick_ns;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Accessors
 */

const struct ft_engine_stats *
ft_engine_stats(const struct ft_engine *e)
{
	return &e->stats;
}

uint64_t
ft_engine_now(const struct ft_engine *e)
{
	return e->now_ns;
}

uint64_t
ft_engine_tick_ns(const struct ft_engine *e)
{
	return e->tick_ns;
}

const struct ft_engine_conf *
ft_engine_conf(const struct ft_engine *e)
{
	return &e->conf;
}

uint64_t
ft_engine_mem_bytes(const struct ft_engine *e)
{
	return ft_flow_table_mem_bytes(e->table) + ft_twheel_mem_bytes(e->wheel);
}

struct ft_ctx_map *
ft_engine_ctx_map(const struct ft_engine *e)
{
	return e->ctx;
}

uint32_t
ft_engine_table_count(const struct ft_engine *e)
{
	return ft_flow_table_count(e->table);
}

int
ft_engine_lookup(const struct ft_engine *e, const struct ft_pkt *pkt)
{
	int32_t id = ft_flow_table_lookup(e->table, pkt);

	if (id < 0 || !(e->flows[id].flags & FT_FLOW_F_LIVE))
		return -ENOENT;
	return id;
}

struct ft_flow_table *
ft_engine_table(const struct ft_engine *e)
{
	return e->table;
}
