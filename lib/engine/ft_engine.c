/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "ft_common.h"
#include "ft_engine.h"

/* Largest frame linearised from a multi-segment mbuf. */
#define SCRATCH_LEN 16384
/* An ACK may move our idea of the peer's stream forward by at most this much. */
#define ACK_JUMP_MAX (1u << 30)
/* Smallest receive window assumed, whatever the endpoint advertised. */
#define WIN_MIN 65535u
/* Window scale assumed when the handshake was not seen. */
#define WSCALE_UNKNOWN_SHIFT 14
#define TIMEOUT_NONE 0xff

#define FLAG(bit, role) FT_FLOW_F_ROLE(bit, role)

static const char *const counter_desc[FT_CNT_MAX] = {
#define FT_CNT_DESC(name, desc) [FT_CNT_##name] = desc,
	FT_ENGINE_COUNTER_LIST(FT_CNT_DESC)
#undef FT_CNT_DESC
};

static const char *const counter_upper[FT_CNT_MAX] = {
#define FT_CNT_NAME(name, desc) [FT_CNT_##name] = #name,
	FT_ENGINE_COUNTER_LIST(FT_CNT_NAME)
#undef FT_CNT_NAME
};

static char counter_lower[FT_CNT_MAX][32];

static const char *const how_words[FT_END_HOW_MAX] = {
#define FT_END_WORD(name, word) [FT_END_##name] = word,
	FT_END_HOW_LIST(FT_END_WORD)
#undef FT_END_WORD
};

const char *
ft_engine_counter_desc(unsigned int c)
{
	return c < FT_CNT_MAX ? counter_desc[c] : "unknown";
}

const char *
ft_engine_counter_name(unsigned int c)
{
	unsigned int i;

	if (c >= FT_CNT_MAX)
		return "unknown";
	if (counter_lower[c][0] == '\0') {
		for (i = 0; counter_upper[c][i] != '\0' && i < sizeof(counter_lower[c]) - 1; i++)
			counter_lower[c][i] = (char)tolower((unsigned char)counter_upper[c][i]);
		counter_lower[c][i] = '\0';
	}
	return counter_lower[c];
}

const char *
ft_engine_how_word(unsigned int how)
{
	return how < FT_END_HOW_MAX ? how_words[how] : "unknown";
}

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
}

static uint32_t
ms_to_ticks(uint64_t ms, uint64_t tick_ns)
{
	uint64_t t = (ms * FT_NS_PER_MSEC + tick_ns - 1) / tick_ns;

	/* Keep deadlines within the wrap-safe half of the tick space. */
	return t > INT32_MAX ? INT32_MAX : (uint32_t)t;
}

struct ft_engine *
ft_engine_create(const struct ft_engine_conf *conf)
{
	struct ft_engine *e;
	uint32_t nflows, cap, s;

	if (conf == NULL || conf->tick_us == 0 || conf->expire_budget == 0 ||
			conf->evict_scan == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	for (s = 0; s < FT_CNT_MAX; s++)
		ft_engine_counter_name(s);
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
	e->wheel = ft_twheel_create(e->table->flows, sizeof(struct ft_flow),
			offsetof(struct ft_flow, tw), nflows, conf->wheel_slots, 0, conf->socket_id);
	if (e->wheel == NULL)
		goto fail;
	ft_twheel_init_links(e->wheel);
	cap = RTE_MAX(conf->expire_budget, (uint32_t)FT_ENGINE_BATCH);
	e->pending = rte_malloc_socket("ft_pending", sizeof(uint32_t) * cap, 0, conf->socket_id);
	e->expired = rte_malloc_socket("ft_expired", sizeof(uint32_t) * conf->expire_budget, 0,
			conf->socket_id);
	e->scratch = rte_malloc_socket("ft_scratch", SCRATCH_LEN, 0, conf->socket_id);
	if (e->pending == NULL || e->expired == NULL || e->scratch == NULL) {
		rte_errno = ENOMEM;
		goto fail;
	}
	return e;
fail:
	s = (uint32_t)rte_errno;
	ft_engine_free(e);
	rte_errno = (int)s;
	return NULL;
}

void
ft_engine_free(struct ft_engine *e)
{
	if (e == NULL)
		return;
	ft_twheel_free(e->wheel);
	ft_flow_table_free(e->table);
	rte_free(e->pending);
	rte_free(e->expired);
	rte_free(e->scratch);
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
 * Events
 */

static void
endpoint_fill(struct ft_endpoint *ep, int v6, const uint8_t *addr, uint16_t port_be)
{
	ep->is_v6 = (uint8_t)v6;
	memset(ep->addr, 0, sizeof(ep->addr));
	memcpy(ep->addr, addr, v6 ? 16 : 4);
	ep->port = rte_be_to_cpu_16(port_be);
}

/*
 * Fill the client and server endpoints of flow id from its key; -ENOENT if it
 * has none. The owning lcore (owner) reads its IPv4 key copy; another thread
 * asks the table, which checks that the key still maps to id.
 */
static int
event_endpoints(const struct ft_engine *e, uint32_t id, struct ft_event *ev, int owner)
{
	const struct ft_flow *f = &e->table->flows[id];
	unsigned int c = (f->flags & FT_FLOW_F_CLIENT_B) ? 1 : 0;
	struct ft_key4 k4;
	struct ft_key6 k6;
	int fam;

	if (owner && !ft_flow_is_v6(e->table, id)) {
		k4 = e->table->keys4[id];
		fam = 4;
	} else {
		fam = ft_flow_table_key(e->table, id, &k4, &k6);
	}
	switch (fam) {
	case 4:
		endpoint_fill(&ev->client, 0, (const uint8_t *)&k4.addr[c], k4.port[c]);
		endpoint_fill(&ev->server, 0, (const uint8_t *)&k4.addr[!c], k4.port[!c]);
		break;
	case 6:
		endpoint_fill(&ev->client, 1, k6.addr[c], k6.port[c]);
		endpoint_fill(&ev->server, 1, k6.addr[!c], k6.port[!c]);
		break;
	default:
		memset(&ev->client, 0, sizeof(ev->client));
		memset(&ev->server, 0, sizeof(ev->server));
		return -ENOENT;
	}
	return 0;
}

static void
emit_state(struct ft_engine *e, uint32_t id, unsigned int role, unsigned int from,
		unsigned int to, unsigned int cause)
{
	struct ft_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = FT_EVENT_STATE;
	ev.ts_ns = e->now_ns;
	ev.flow_id = id;
	ev.role = (uint8_t)role;
	ev.from = (uint8_t)from;
	ev.to = (uint8_t)to;
	ev.cause = (uint8_t)cause;
	event_endpoints(e, id, &ev, 1);
	e->conf.on_event(e->conf.event_arg, &ev);
}

/* ---------------------------------------------------------------------------
 * State changes, gauges and timers
 */

static inline void
gauge_move(struct ft_engine_stats *st, unsigned int role, unsigned int from, unsigned int to)
{
	st->gauge[role][from]--;
	if (++st->gauge[role][to] > st->peak[role][to])
		st->peak[role][to] = st->gauge[role][to];
	st->entered[role][to]++;
}

/* Move one endpoint to state `to` for the given event, arming its timer. */
static void
set_state(struct ft_engine *e, uint32_t id, unsigned int role, unsigned int to, unsigned int ev)
{
	struct ft_flow *f = &e->table->flows[id];
	unsigned int from = f->state[role];

	if (to == from)
		return;
	f->state[role] = (uint8_t)to;
	gauge_move(&e->stats, role, from, to);
	e->stats.cnt[FT_CNT_TRANSITIONS]++;
	if (to == FT_TCP_CLOSED || ft_tcp_state_is_closing(to))
		e->stats.cnt[FT_CNT_CLOSE_TRANSITIONS]++;
	if (to == FT_TCP_CLOSING)
		f->flags |= FT_FLOW_F_CLOSING;
	f->dl[role] = e->now_tick + e->tmo[to];
	if (e->conf.on_event != NULL)
		emit_state(e, id, role, from, to, ev);
}

/* Apply an endpoint event through the transition table. */
static inline void
step(struct ft_engine *e, uint32_t id, unsigned int role, unsigned int ev)
{
	set_state(e, id, role, ft_tcp_next[ev][e->table->flows[id].state[role]], ev);
}

/* The flow's timer: its earliest endpoint deadline (the hold deadline in hold). */
static void
flow_timer_update(struct ft_engine *e, uint32_t id)
{
	struct ft_flow *f = &e->table->flows[id];
	uint32_t when;

	if (f->flags & FT_FLOW_F_HOLD)
		when = f->dl[0];
	else if (f->state[0] == FT_TCP_CLOSED)
		when = f->dl[1];
	else if (f->state[1] == FT_TCP_CLOSED || ft_tick_before(f->dl[0], f->dl[1]))
		when = f->dl[0];
	else
		when = f->dl[1];
	ft_twheel_update(e->wheel, id, when);
}

/* Queue a flow's key for deletion at the end of the batch and release its slot. */
static void
flow_free(struct ft_engine *e, uint32_t id)
{
	struct ft_flow *f = &e->table->flows[id];

	ft_twheel_stop(e->wheel, id);
	e->stats.gauge[0][f->state[0]]--;
	e->stats.gauge[1][f->state[1]]--;
	e->stats.flows--;
	e->stats.cnt[FT_CNT_FLOWS_FREED]++;
	f->flags = 0;
	/* The key copy is what the batched delete reads first. */
	if (!ft_flow_is_v6(e->table, id))
		rte_prefetch0(&e->table->keys4[id]);
	e->pending[e->npending++] = id;
}

static unsigned int
end_how(const struct ft_flow *f, const struct ft_flow_cold *c)
{
	unsigned int rst = (f->flags >> FT_FLOW_F_RST_SHIFT) & 3;

	if (c->timeout_state != TIMEOUT_NONE)
		return FT_END_TIMEOUT;
	if (rst != 0)
		return rst == FT_CLOSER_CLIENT ? FT_END_RST_CLIENT : FT_END_RST_SERVER;
	if (f->flags & FT_FLOW_F_CLOSING)
		return FT_END_SIMULTANEOUS;
	return FT_END_FIN;
}

/* Count and report the end of a flow whose endpoints are both CLOSED. */
static void
flow_end(struct ft_engine *e, uint32_t id, unsigned int how)
{
	const struct ft_flow *f = &e->table->flows[id];
	const struct ft_flow_cold *c = &e->table->cold[id];
	struct ft_event ev;

	if (how == FT_END_EVICTED)
		e->stats.cnt[FT_CNT_FLOWS_EVICTED]++;
	else
		e->stats.cnt[FT_CNT_FLOWS_ENDED]++;
	e->stats.ends[how]++;
	if (how == FT_END_TIMEOUT)
		e->stats.ends_timeout[c->timeout_state]++;
	if (e->conf.on_event == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = FT_EVENT_END;
	ev.ts_ns = e->now_ns;
	ev.flow_id = id;
	ev.how = (uint8_t)how;
	ev.how_state = c->timeout_state;
	ev.first_closer = (f->flags >> FT_FLOW_F_CLOSER_SHIFT) & 3;
	ev.pkts[0] = ft_flow_pkts(f, c, 0);
	ev.pkts[1] = ft_flow_pkts(f, c, 1);
	ev.bytes[0] = ft_flow_bytes(f, c, 0);
	ev.bytes[1] = ft_flow_bytes(f, c, 1);
	ev.start_ns = c->start_ns;
	event_endpoints(e, id, &ev, 1);
	e->conf.on_event(e->conf.event_arg, &ev);
}

/* Both endpoints CLOSED and no hold: end the flow and free it. */
static void
flow_finish(struct ft_engine *e, uint32_t id)
{
	const struct ft_flow *f = &e->table->flows[id];

	flow_end(e, id, end_how(f, &e->table->cold[id]));
	flow_free(e, id);
}

static inline void
set_first_closer(struct ft_flow *f, unsigned int role)
{
	if (((f->flags >> FT_FLOW_F_CLOSER_SHIFT) & 3) == 0)
		f->flags |= (uint16_t)((role + 1) << FT_FLOW_F_CLOSER_SHIFT);
}

/* Start a fresh incarnation in slot id: both endpoints CLOSED, counters zero. */
static void
flow_init(struct ft_engine *e, uint32_t id, unsigned int client_is_b)
{
	struct ft_flow *f = &e->table->flows[id];
	struct ft_flow_cold *c = &e->table->cold[id];
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
	f->wshift[0] = WSCALE_UNKNOWN_SHIFT;
	f->wshift[1] = WSCALE_UNKNOWN_SHIFT;
	c->timeout_state = TIMEOUT_NONE;
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

/* ---------------------------------------------------------------------------
 * Segment processing
 */

static inline void
note_sender(struct ft_flow *f, struct ft_flow_cold *c, unsigned int x, const struct ft_pkt *p,
		uint32_t len)
{
	uint32_t b = f->bytes_lo[x] + len;

	/* The high parts live in the cold line, touched only on a carry. */
	if (unlikely(++f->pkts_lo[x] == 0))
		c->pkts_hi[x]++;
	if (unlikely(b < f->bytes_lo[x]))
		c->bytes_hi[x]++;
	f->bytes_lo[x] = b;
	f->win[x] = p->win;
	/* RFC 6191 compares a new SYN with the last timestamp of a closing flow. */
	if (p->has_ts && (f->flags & (FLAG(FT_FLOW_F_FIN_SENT, 0) | FLAG(FT_FLOW_F_FIN_SENT, 1)))) {
		c->tsval[x] = p->tsval;
		c->ts_valid |= (uint8_t)(1u << x);
	}
}

/* The receive window of endpoint r, in bytes, as far as the middlebox knows it. */
static inline uint32_t
recv_window(const struct ft_flow *f, unsigned int r)
{
	uint64_t w = (uint64_t)f->win[r] << f->wshift[r];

	if (w < WIN_MIN)
		w = WIN_MIN;
	return w > ACK_JUMP_MAX ? ACK_JUMP_MAX : (uint32_t)w;
}

/* Window scaling applies when both SYNs offered it; unknown handshakes assume the most. */
static void
set_wshift(struct ft_flow *f, const struct ft_flow_cold *c)
{
	unsigned int r;

	for (r = 0; r < 2; r++) {
		if (c->wscale[0] <= 14 && c->wscale[1] <= 14)
			f->wshift[r] = c->wscale[r];
		else if (c->wscale[0] == FT_FLOW_WS_UNKNOWN || c->wscale[1] == FT_FLOW_WS_UNKNOWN)
			f->wshift[r] = WSCALE_UNKNOWN_SHIFT;
		else
			f->wshift[r] = 0;
	}
}

/* The sender's FIN reaches the receiver: nxt moves past it, receiver steps. */
static void
fin_arrives(struct ft_engine *e, uint32_t id, unsigned int s)
{
	struct ft_flow *f = &e->table->flows[id];
	unsigned int r = s ^ 1;
	int acks_own;

	f->flags |= FLAG(FT_FLOW_F_FIN_DLV, s);
	f->nxt[s] = f->fin_seq[s] + 1;
	/* Does the sender's FIN segment also ACK the receiver's own FIN? */
	acks_own = (f->flags & FLAG(FT_FLOW_F_FIN_SENT, r)) &&
		ft_seq_ge(f->fin_ack[s], f->fin_seq[r] + 1);
	step(e, id, r, acks_own ? FT_TCP_EV_RCV_FIN_ACK : FT_TCP_EV_RCV_FIN);
}

/* Close both endpoints by RST and hold the flow against late packets. */
static void
rst_close(struct ft_engine *e, uint32_t id, unsigned int x)
{
	struct ft_flow *f = &e->table->flows[id];

	set_first_closer(f, x);
	f->flags |= (uint16_t)((x + 1) << FT_FLOW_F_RST_SHIFT);
	step(e, id, x ^ 1, FT_TCP_EV_RST);
	step(e, id, x, FT_TCP_EV_RST);
	flow_end(e, id, end_how(f, &e->table->cold[id]));
	f->flags |= FT_FLOW_F_HOLD;
	f->dl[0] = e->now_tick + e->hold_ticks;
	flow_timer_update(e, id);
}

static void
handle_rst(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, unsigned int x)
{
	struct ft_flow *f = &e->table->flows[id];
	unsigned int y = x ^ 1;
	uint32_t rcv_nxt, win;

	if (f->state[y] == FT_TCP_SYN_SENT) {
		/* RFC 9293: in SYN_SENT an RST is acceptable if it ACKs the SYN. */
		if (!(p->flags & FT_TCP_ACK) ||
				((f->flags & FLAG(FT_FLOW_F_NXT_VALID, y)) && p->ack != f->nxt[y])) {
			e->stats.cnt[FT_CNT_RST_OUT_OF_WINDOW]++;
			return;
		}
		e->stats.cnt[FT_CNT_RST_ACCEPTED]++;
		rst_close(e, id, x);
		return;
	}
	if (!(f->flags & FLAG(FT_FLOW_F_NXT_VALID, x))) {
		e->stats.cnt[FT_CNT_RST_UNVERIFIED]++;
		rst_close(e, id, x);
		return;
	}
	rcv_nxt = f->nxt[x];
	/* RFC 5961: only the exact RCV.NXT resets; Linux also takes RCV.NXT - 1 after a FIN. */
	if (p->seq == rcv_nxt ||
			((f->flags & FLAG(FT_FLOW_F_FIN_DLV, x)) && p->seq == rcv_nxt - 1)) {
		e->stats.cnt[FT_CNT_RST_ACCEPTED]++;
		rst_close(e, id, x);
		return;
	}
	win = recv_window(f, y);
	if (p->seq - rcv_nxt < win)
		e->stats.cnt[FT_CNT_RST_IN_WINDOW]++;
	else
		e->stats.cnt[FT_CNT_RST_OUT_OF_WINDOW]++;
}

/* Record what a SYN or SYN-ACK announces about its sender's stream. */
static void
learn_syn(struct ft_flow *f, struct ft_flow_cold *c, unsigned int x, const struct ft_pkt *p)
{
	f->nxt[x] = p->seq + 1;
	f->flags |= FLAG(FT_FLOW_F_NXT_VALID, x);
	c->wscale[x] = p->wscale == FT_PKT_NO_WSCALE ? FT_FLOW_WS_NONE : p->wscale;
	set_wshift(f, c);
}

/* Set up a new incarnation from a SYN sent by x (the client). */
static void
start_from_syn(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, uint32_t len)
{
	struct ft_flow *f = &e->table->flows[id];
	struct ft_flow_cold *c = &e->table->cold[id];

	flow_init(e, id, p->dir);
	note_sender(f, c, FT_ROLE_CLIENT, p, len);
	learn_syn(f, c, FT_ROLE_CLIENT, p);
	step(e, id, FT_ROLE_CLIENT, FT_TCP_EV_SND_SYN);
	step(e, id, FT_ROLE_SERVER, FT_TCP_EV_RCV_SYN);
	flow_timer_update(e, id);
}

/* End the current incarnation of id because x's SYN starts a new one. */
static void
reuse_tuple(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, uint32_t len,
		unsigned int x)
{
	struct ft_flow *f = &e->table->flows[id];

	if (!(f->flags & FT_FLOW_F_HOLD)) {
		step(e, id, x ^ 1, FT_TCP_EV_REUSE);
		step(e, id, x, FT_TCP_EV_REUSE);
		flow_end(e, id, end_how(f, &e->table->cold[id]));
	}
	start_from_syn(e, id, p, len);
}

static void
handle_syn(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, uint32_t len, unsigned int x)
{
	struct ft_flow *f = &e->table->flows[id];
	struct ft_flow_cold *c = &e->table->cold[id];
	unsigned int y = x ^ 1;
	int newer;

	if (p->flags & FT_TCP_ACK) {
		/* SYN-ACK from x. */
		note_sender(f, c, x, p, len);
		if (f->state[y] == FT_TCP_SYN_SENT &&
				(!(f->flags & FLAG(FT_FLOW_F_NXT_VALID, y)) || p->ack == f->nxt[y])) {
			learn_syn(f, c, x, p);
			step(e, id, x, FT_TCP_EV_SND_SYNACK);
			step(e, id, y, FT_TCP_EV_RCV_SYNACK);
			flow_timer_update(e, id);
		} else if ((f->flags & FLAG(FT_FLOW_F_NXT_VALID, x)) && p->seq + 1 == f->nxt[x]) {
			e->stats.cnt[FT_CNT_SYN_RETRANS]++;
		} else {
			e->stats.cnt[FT_CNT_SYN_UNEXPECTED]++;
		}
		return;
	}
	if (f->state[x] == FT_TCP_CLOSED && f->state[y] == FT_TCP_CLOSED) {
		e->stats.cnt[FT_CNT_SYN_AFTER_CLOSE]++;
		reuse_tuple(e, id, p, len, x);
		return;
	}
	if (f->state[y] == FT_TCP_TIME_WAIT &&
			(f->state[x] == FT_TCP_CLOSED || f->state[x] == FT_TCP_TIME_WAIT)) {
		/* RFC 6191: the SYN must be newer than the old incarnation. */
		newer = ft_seq_gt(p->seq, f->nxt[x]) ||
			(p->has_ts && (c->ts_valid & (1u << x)) && ft_seq_gt(p->tsval, c->tsval[x]));
		if (!newer) {
			e->stats.cnt[FT_CNT_SYN_REUSE_REJECTED]++;
			return;
		}
		e->stats.cnt[FT_CNT_SYN_REUSE]++;
		reuse_tuple(e, id, p, len, x);
		return;
	}
	if (f->state[x] == FT_TCP_TIME_WAIT) {
		/* The sender's own stack chose to reuse its TIME_WAIT port. */
		e->stats.cnt[FT_CNT_SYN_REUSE]++;
		reuse_tuple(e, id, p, len, x);
		return;
	}
	note_sender(f, c, x, p, len);
	if ((f->flags & FLAG(FT_FLOW_F_NXT_VALID, x)) && p->seq + 1 == f->nxt[x])
		e->stats.cnt[FT_CNT_SYN_RETRANS]++;
	else
		e->stats.cnt[FT_CNT_SYN_UNEXPECTED]++;
}

/* Refresh the timers that any packet of the flow keeps alive. */
static inline void
refresh_timers(struct ft_engine *e, struct ft_flow *f)
{
	unsigned int r;

	for (r = 0; r < 2; r++) {
		unsigned int s = f->state[r];

		if (s == FT_TCP_ESTABLISHED || s == FT_TCP_FIN_WAIT2 || s == FT_TCP_CLOSE_WAIT)
			f->dl[r] = e->now_tick + e->tmo[s];
	}
}

/* A segment of a tracked flow (not SYN, not RST) from endpoint x. */
static void
handle_segment(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, unsigned int x)
{
	struct ft_flow *f = &e->table->flows[id];
	unsigned int y = x ^ 1;
	uint32_t end = p->seq + p->payload_len;
	int has_ack = p->flags & FT_TCP_ACK;
	int ack_done = 0;

	if (!has_ack) {
		/* Endpoints drop non-SYN, non-RST segments without ACK unprocessed. */
		e->stats.cnt[FT_CNT_NO_ACK_SEGMENTS]++;
		return;
	}
	/* Segments outside the receiver's window are dropped by it, so they change nothing. */
	if (f->flags & FLAG(FT_FLOW_F_NXT_VALID, x)) {
		uint32_t win = recv_window(f, y);
		uint32_t fend = end + ((p->flags & FT_TCP_FIN) ? 1 : 0);

		if (!ft_seq_ge(fend, f->nxt[x] - win) || !ft_seq_le(p->seq, f->nxt[x] + win)) {
			e->stats.cnt[(p->flags & FT_TCP_FIN) ? FT_CNT_FIN_OUT_OF_WINDOW :
					FT_CNT_SEG_OUT_OF_WINDOW]++;
			return;
		}
	} else {
		f->nxt[x] = p->seq;
		f->flags |= FLAG(FT_FLOW_F_NXT_VALID, x);
	}

	/* Handshake completion, judged against y's SYN before nxt[y] moves. */
	if (f->state[x] == FT_TCP_SYN_SENT || f->state[x] == FT_TCP_SYN_RECV ||
			f->state[y] == FT_TCP_SYN_RECV) {
		int acks_syn = !(f->flags & FLAG(FT_FLOW_F_NXT_VALID, y)) ||
			ft_seq_ge(p->ack, f->nxt[y]);

		if (acks_syn) {
			step(e, id, x, FT_TCP_EV_SND_ACK_SYN);
			step(e, id, y, FT_TCP_EV_RCV_ACK_SYN);
		}
	}

	/* What x acknowledges: it has received y's stream up to p->ack. */
	if (!(f->flags & FLAG(FT_FLOW_F_NXT_VALID, y))) {
		f->nxt[y] = p->ack;
		f->flags |= FLAG(FT_FLOW_F_NXT_VALID, y);
	} else if (ft_seq_gt(p->ack, f->nxt[y]) && p->ack - f->nxt[y] < ACK_JUMP_MAX) {
		f->nxt[y] = p->ack;
	}
	/* x ACKs a FIN of y that we saw ahead of missing data: x has it now. */
	if ((f->flags & (FLAG(FT_FLOW_F_FIN_SENT, y) | FLAG(FT_FLOW_F_FIN_DLV, y))) ==
				FLAG(FT_FLOW_F_FIN_SENT, y) &&
			ft_seq_ge(p->ack, f->fin_seq[y] + 1))
		fin_arrives(e, id, y);

	/* x's data moves its stream on when it is in order. */
	if (ft_seq_le(p->seq, f->nxt[x]) && ft_seq_gt(end, f->nxt[x]))
		f->nxt[x] = end;

	if (p->flags & FT_TCP_FIN) {
		if (!(f->flags & FLAG(FT_FLOW_F_FIN_SENT, x))) {
			int acks_peer_fin = (f->flags & FLAG(FT_FLOW_F_FIN_SENT, y)) &&
				ft_seq_ge(p->ack, f->fin_seq[y] + 1);

			f->fin_seq[x] = end;
			f->fin_ack[x] = p->ack;
			f->flags |= FLAG(FT_FLOW_F_FIN_SENT, x);
			set_first_closer(f, x);
			step(e, id, x, acks_peer_fin ? FT_TCP_EV_SND_FIN_ACK : FT_TCP_EV_SND_FIN);
			if (ft_seq_gt(end, f->nxt[x]))
				e->stats.cnt[FT_CNT_FIN_AHEAD_OF_DATA]++;
		} else if (end == f->fin_seq[x]) {
			/* A retransmitted FIN re-arms its sender's timer and restarts TIME_WAIT. */
			unsigned int sx = f->state[x];

			e->stats.cnt[FT_CNT_FIN_RETRANS]++;
			if (sx == FT_TCP_FIN_WAIT1 || sx == FT_TCP_CLOSING || sx == FT_TCP_LAST_ACK)
				f->dl[x] = e->now_tick + e->tmo[sx];
			if (f->state[y] == FT_TCP_TIME_WAIT)
				f->dl[y] = e->now_tick + e->tmo[FT_TCP_TIME_WAIT];
		} else {
			e->stats.cnt[FT_CNT_FIN_SEQ_CHANGED]++;
		}
	}
	/* x's FIN reaches y once the data ahead of it has. */
	if ((f->flags & (FLAG(FT_FLOW_F_FIN_SENT, x) | FLAG(FT_FLOW_F_FIN_DLV, x))) ==
				FLAG(FT_FLOW_F_FIN_SENT, x) &&
			f->nxt[x] == f->fin_seq[x]) {
		ack_done = (f->flags & FLAG(FT_FLOW_F_FIN_SENT, y)) &&
			ft_seq_ge(p->ack, f->fin_seq[y] + 1);
		fin_arrives(e, id, x);
	}
	/* The ACK of y's FIN. */
	if (!ack_done && (f->flags & FLAG(FT_FLOW_F_FIN_SENT, y)) &&
			ft_seq_ge(p->ack, f->fin_seq[y] + 1))
		step(e, id, y, FT_TCP_EV_RCV_ACK_FIN);
}

/* Flags of a flow that the established fast path handles: both streams known, no FIN, no hold. */
#define FAST_FLAGS_MASK (FT_FLOW_F_HOLD | FLAG(FT_FLOW_F_FIN_SENT, 0) | \
		FLAG(FT_FLOW_F_FIN_SENT, 1) | FLAG(FT_FLOW_F_NXT_VALID, 0) | FLAG(FT_FLOW_F_NXT_VALID, 1))
#define FAST_FLAGS_WANT (FLAG(FT_FLOW_F_NXT_VALID, 0) | FLAG(FT_FLOW_F_NXT_VALID, 1))

/*
 * The common case, a plain ACK (with or without data and PSH) while both
 * endpoints are ESTABLISHED: the same result as the general path
 * (note_sender, handle_segment, refresh_timers, flow_timer_update) with only
 * the steps that can apply to it.
 */
static inline int
segment_fast(struct ft_engine *e, uint32_t id, struct ft_flow *f, const struct ft_pkt *p,
		uint32_t len, unsigned int x)
{
	unsigned int y = x ^ 1;
	uint32_t end, win;

	if ((p->flags & ~FT_TCP_PSH) != FT_TCP_ACK ||
			(f->flags & FAST_FLAGS_MASK) != FAST_FLAGS_WANT ||
			f->state[0] != FT_TCP_ESTABLISHED || f->state[1] != FT_TCP_ESTABLISHED)
		return 0;
	note_sender(f, &e->table->cold[id], x, p, len);
	end = p->seq + p->payload_len;
	win = recv_window(f, y);
	if (likely(ft_seq_ge(end, f->nxt[x] - win) && ft_seq_le(p->seq, f->nxt[x] + win))) {
		if (ft_seq_gt(p->ack, f->nxt[y]) && p->ack - f->nxt[y] < ACK_JUMP_MAX)
			f->nxt[y] = p->ack;
		if (ft_seq_le(p->seq, f->nxt[x]) && ft_seq_gt(end, f->nxt[x]))
			f->nxt[x] = end;
	} else {
		e->stats.cnt[FT_CNT_SEG_OUT_OF_WINDOW]++;
	}
	f->dl[0] = e->now_tick + e->tmo[FT_TCP_ESTABLISHED];
	f->dl[1] = f->dl[0];
	/* Every tracked flow has its timer armed. */
	ft_twheel_rearm(e->wheel, id, f->dl[0]);
	return 1;
}

/* A packet of tracked flow id (the general path). */
static void
flow_packet(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, uint32_t len)
{
	struct ft_flow *f = &e->table->flows[id];
	unsigned int x = p->dir ^ ((f->flags & FT_FLOW_F_CLIENT_B) ? 1 : 0);
	if (f->flags & FT_FLOW_F_HOLD) {
		if ((p->flags & (FT_TCP_SYN | FT_TCP_ACK)) == FT_TCP_SYN) {
			e->stats.cnt[FT_CNT_SYN_AFTER_CLOSE]++;
			reuse_tuple(e, id, p, len, x);
		} else {
			e->stats.cnt[FT_CNT_LATE_AFTER_RST]++;
		}
		return;
	}
	if (p->flags & FT_TCP_SYN) {
		handle_syn(e, id, p, len, x);
		return;
	}
	note_sender(f, &e->table->cold[id], x, p, len);
	if (p->flags & FT_TCP_RST) {
		handle_rst(e, id, p, x);
		return;
	}
	handle_segment(e, id, p, x);
	refresh_timers(e, f);
	if (f->state[0] == FT_TCP_CLOSED && f->state[1] == FT_TCP_CLOSED)
		flow_finish(e, id);
	else
		flow_timer_update(e, id);
}

/* ---------------------------------------------------------------------------
 * New flows and eviction
 */

struct evict_search {
	const struct ft_engine *e;
	uint32_t best;
	unsigned int rank;
	int v6;           /* Family that needs room: only its table can give it. */
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

	if (ft_flow_is_v6(s->e->table, id) != s->v6)
		return 0;
	rank = evict_rank(&s->e->table->flows[id]);

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
	struct ft_flow *f;
	uint32_t id;

	ft_twheel_walk(e->wheel, evict_visit, &s, e->conf.evict_scan);
	if (s.rank == 3)
		return -ENOSPC;
	id = s.best;
	f = &e->table->flows[id];
	if (!(f->flags & FT_FLOW_F_HOLD)) {
		step(e, id, 0, FT_TCP_EV_EVICT);
		step(e, id, 1, FT_TCP_EV_EVICT);
		flow_end(e, id, FT_END_EVICTED);
	}
	flow_free(e, id);
	/* Delete now: the add that follows needs the room. */
	e->npending--;
	ft_flow_table_del(e->table, id);
	e->dirty = 1;
	return 0;
}

/* A packet that matched no live flow; id is its stale slot, or -1. */
static void
flow_miss(struct ft_engine *e, int32_t id, const struct ft_pkt *p, uint32_t len)
{
	uint8_t fl = p->flags;
	int32_t ret;

	if (fl & FT_TCP_RST) {
		e->stats.cnt[FT_CNT_RST_NO_FLOW]++;
		return;
	}
	if (!(fl & FT_TCP_SYN) && (!e->conf.pickup || !(fl & FT_TCP_ACK))) {
		e->stats.cnt[FT_CNT_TCP_UNTRACKED]++;
		return;
	}
	if (id < 0) {
		ret = ft_flow_table_add(e->table, p);
		while (ret == -ENOSPC && e->conf.evict && evict_one(e, p->is_v6) == 0)
			ret = ft_flow_table_add(e->table, p);
		if (ret < 0) {
			e->stats.cnt[ret == -EINVAL ? FT_CNT_NO_V6_TABLE : ret == -EBUSY ?
					FT_CNT_TABLE_BUSY : FT_CNT_TABLE_FULL]++;
			return;
		}
		id = ret;
		e->batch_inserts++;
	}
	flow_track(e);
	if (fl & FT_TCP_SYN) {
		struct ft_flow *f = &e->table->flows[id];
		struct ft_flow_cold *c = &e->table->cold[id];

		if (!(fl & FT_TCP_ACK)) {
			start_from_syn(e, id, p, len);
			return;
		}
		/* A SYN-ACK first: its receiver is the client. */
		flow_init(e, id, !p->dir);
		note_sender(f, c, FT_ROLE_SERVER, p, len);
		learn_syn(f, c, FT_ROLE_SERVER, p);
		f->nxt[FT_ROLE_CLIENT] = p->ack;
		f->flags |= FLAG(FT_FLOW_F_NXT_VALID, FT_ROLE_CLIENT);
		step(e, id, FT_ROLE_SERVER, FT_TCP_EV_SND_SYNACK);
		step(e, id, FT_ROLE_CLIENT, FT_TCP_EV_RCV_SYNACK);
		flow_timer_update(e, id);
		return;
	}
	/* Mid-stream pick-up: the sender of the first packet seen is the client. */
	flow_init(e, id, p->dir);
	e->stats.cnt[FT_CNT_PICKUPS]++;
	step(e, id, FT_ROLE_CLIENT, FT_TCP_EV_PICKUP);
	step(e, id, FT_ROLE_SERVER, FT_TCP_EV_PICKUP);
	flow_packet(e, id, p, len);
}

/* Delete the keys of flows that ended during the batch (unless revived since). */
static void
flush_pending(struct ft_engine *e)
{
	uint32_t i, n = 0;

	for (i = 0; i < e->npending; i++) {
		uint32_t id = e->pending[i];

		if (!(e->table->flows[id].flags & FT_FLOW_F_LIVE))
			e->pending[n++] = id;
	}
	if (n != 0)
		ft_flow_table_del_bulk(e->table, e->pending, n);
	e->npending = 0;
}

/* One batch of at most FT_ENGINE_BATCH packets. */
static void
process_batch(struct ft_engine *e, const uint8_t *const *data, const uint32_t *cap,
		const uint32_t *wire, uint32_t n, uint8_t *status)
{
	const uint32_t *len = wire != NULL ? wire : cap;
	struct ft_pkt pkts[FT_ENGINE_BATCH];
	uint8_t st[FT_ENGINE_BATCH];
	const void *k4[FT_ENGINE_BATCH], *k6[FT_ENGINE_BATCH];
	uint8_t i4[FT_ENGINE_BATCH], i6[FT_ENGINE_BATCH];
	int32_t pos4[FT_ENGINE_BATCH], pos6[FT_ENGINE_BATCH];
	int32_t ids[FT_ENGINE_BATCH];
	uint32_t i, n4 = 0, n6 = 0;
	struct ft_flow_table *t = e->table;

	for (i = 0; i < n; i++) {
		st[i] = (uint8_t)ft_pkt_parse_cut(data[i], cap[i], len[i], &pkts[i]);
		e->stats.pkt[st[i]]++;
		e->stats.cnt[FT_CNT_RX_BYTES] += len[i];
		ids[i] = -1;
		if (st[i] != FT_PKT_TCP)
			continue;
		if (pkts[i].is_v6) {
			if (t->h6 != NULL) {
				k6[n6] = &pkts[i].key.v6;
				i6[n6++] = (uint8_t)i;
			}
		} else {
			k4[n4] = &pkts[i].key.v4;
			i4[n4++] = (uint8_t)i;
		}
	}
	e->stats.cnt[FT_CNT_RX_PKTS] += n;
	if (status != NULL)
		memcpy(status, st, n);
	if (n4 != 0 && rte_hash_lookup_bulk(t->h4, k4, n4, pos4) == 0)
		for (i = 0; i < n4; i++)
			ids[i4[i]] = pos4[i];
	if (n6 != 0 && rte_hash_lookup_bulk(t->h6, k6, n6, pos6) == 0)
		for (i = 0; i < n6; i++)
			ids[i6[i]] = pos6[i] < 0 ? pos6[i] : pos6[i] + (int32_t)t->max_v4;

	/*
	 * Start every flow's cache miss now, so that they overlap (the lookups did
	 * theirs). A packet needs only the hot line; the cold one is rare.
	 */
	for (i = 0; i < n; i++)
		if (ids[i] >= 0)
			rte_prefetch0(&t->flows[ids[i]]);

	e->dirty = 0;
	e->batch_inserts = 0;
	for (i = 0; i < n; i++) {
		int32_t id = ids[i];

		if (st[i] != FT_PKT_TCP)
			continue;
		/* An eviction or an insert earlier in this batch may have changed the answer. */
		if (e->dirty || (id < 0 && e->batch_inserts != 0))
			id = ft_flow_table_lookup(t, &pkts[i]);
		if (id >= 0 && (t->flows[id].flags & FT_FLOW_F_LIVE)) {
			struct ft_flow *f = &t->flows[id];
			unsigned int x = pkts[i].dir ^ ((f->flags & FT_FLOW_F_CLIENT_B) ? 1 : 0);

			if (!segment_fast(e, (uint32_t)id, f, &pkts[i], len[i], x))
				flow_packet(e, (uint32_t)id, &pkts[i], len[i]);
		} else
			flow_miss(e, id, &pkts[i], len[i]);
	}
	flush_pending(e);
}

static void
process_all(struct ft_engine *e, const uint8_t *const *data, const uint32_t *cap,
		const uint32_t *wire, uint32_t n, uint64_t now_ns, uint8_t *status)
{
	uint32_t done;

	set_clock(e, now_ns);
	for (done = 0; done < n; done += FT_ENGINE_BATCH)
		process_batch(e, data + done, cap + done, wire != NULL ? wire + done : NULL,
				RTE_MIN(n - done, (uint32_t)FT_ENGINE_BATCH),
				status != NULL ? status + done : NULL);
}

void
ft_engine_process_cut(struct ft_engine *e, const uint8_t *const *data, const uint32_t *cap,
		const uint32_t *wire, uint32_t n, uint64_t now_ns)
{
	process_all(e, data, cap, wire, n, now_ns, NULL);
}

void
ft_engine_process(struct ft_engine *e, const uint8_t *const *data, const uint32_t *len,
		uint32_t n, uint64_t now_ns)
{
	ft_engine_process_cut(e, data, len, NULL, n, now_ns);
}

static void
process_mbufs(struct ft_engine *e, struct rte_mbuf *const *pkts, const uint32_t *wire,
		uint16_t n, uint64_t now_ns, uint8_t *status);

void
ft_engine_process_burst(struct ft_engine *e, struct rte_mbuf *const *pkts, uint16_t n,
		uint64_t now_ns)
{
	process_mbufs(e, pkts, NULL, n, now_ns, NULL);
}

void
ft_engine_process_burst_status(struct ft_engine *e, struct rte_mbuf *const *pkts, uint16_t n,
		uint64_t now_ns, uint8_t *status)
{
	process_mbufs(e, pkts, NULL, n, now_ns, status);
}

void
ft_engine_process_burst_cut(struct ft_engine *e, struct rte_mbuf *const *pkts,
		const uint32_t *wire, uint16_t n, uint64_t now_ns)
{
	process_mbufs(e, pkts, wire, n, now_ns, NULL);
}

static void
process_mbufs(struct ft_engine *e, struct rte_mbuf *const *pkts, const uint32_t *wire,
		uint16_t n, uint64_t now_ns, uint8_t *status)
{
	const uint8_t *data[FT_ENGINE_BATCH];
	uint32_t len[FT_ENGINE_BATCH], wl[FT_ENGINE_BATCH];
	uint16_t done, i, m;

	for (done = 0; done < n; done += m) {
		m = (uint16_t)RTE_MIN(n - done, FT_ENGINE_BATCH);
		for (i = 0; i < m; i++) {
			const struct rte_mbuf *mb = pkts[done + i];

			wl[i] = wire != NULL ? wire[done + i] : mb->pkt_len;
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
		process_all(e, data, len, wl, m, now_ns, status != NULL ? status + done : NULL);
	}
}

/* ---------------------------------------------------------------------------
 * Timers
 */

static void
flow_expired(struct ft_engine *e, uint32_t id)
{
	struct ft_flow *f = &e->table->flows[id];
	struct ft_flow_cold *c = &e->table->cold[id];
	unsigned int r;

	if (f->flags & FT_FLOW_F_HOLD) {
		flow_free(e, id);
		return;
	}
	for (r = 0; r < 2; r++) {
		unsigned int s = f->state[r];

		if (s == FT_TCP_CLOSED || ft_tick_after(f->dl[r], e->now_tick))
			continue;
		e->stats.cnt[FT_CNT_TIMEOUTS]++;
		e->stats.expired[r][s]++;
		if (s == FT_TCP_TIME_WAIT)
			e->stats.cnt[FT_CNT_TW_EXPIRIES]++;
		else if (c->timeout_state == TIMEOUT_NONE)
			c->timeout_state = (uint8_t)s;
		step(e, id, r, FT_TCP_EV_TIMEOUT);
	}
	if (f->state[0] == FT_TCP_CLOSED && f->state[1] == FT_TCP_CLOSED)
		flow_finish(e, id);
	else
		flow_timer_update(e, id);
}

uint32_t
ft_engine_tick(struct ft_engine *e, uint64_t now_ns)
{
	uint32_t n, i;

	set_clock(e, now_ns);
	n = ft_twheel_expire(e->wheel, e->now_tick, e->expired, e->conf.expire_budget);
	for (i = 0; i < n; i++)
		rte_prefetch0(&e->table->flows[e->expired[i]]);
	for (i = 0; i < n; i++)
		flow_expired(e, e->expired[i]);
	flush_pending(e);
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

int
ft_engine_flow_info(const struct ft_engine *e, uint32_t id, struct ft_flow_info *info)
{
	const struct ft_flow_table *t = e->table;
	const struct ft_flow *f;
	const struct ft_flow_cold *c;
	struct ft_event ev;
	uint32_t now_tick = e->now_tick;
	unsigned int r;

	if (id >= t->max_v4 + t->max_v6)
		return -EINVAL;
	f = &t->flows[id];
	c = &t->cold[id];
	if (!(f->flags & FT_FLOW_F_LIVE))
		return -ENOENT;
	/* A reader on another lcore may race a delete: report only a flow still there. */
	if (event_endpoints(e, id, &ev, 0) != 0)
		return -ENOENT;
	info->flow_id = id;
	info->client = ev.client;
	info->server = ev.server;
	info->held = (f->flags & FT_FLOW_F_HOLD) != 0;
	info->start_ns = c->start_ns;
	for (r = 0; r < 2; r++) {
		int32_t left = (int32_t)(f->dl[r] - now_tick);

		info->state[r] = f->state[r];
		info->pkts[r] = ft_flow_pkts(f, c, r);
		info->bytes[r] = ft_flow_bytes(f, c, r);
		info->expires_ns[r] = f->state[r] == FT_TCP_CLOSED || left <= 0 ? 0 :
			(uint64_t)left * e->tick_ns;
	}
	return 0;
}

uint32_t
ft_engine_capacity(const struct ft_engine *e)
{
	return e->table->max_v4 + e->table->max_v6;
}

void
ft_engine_foreach_flow(const struct ft_engine *e, ft_engine_flow_fn *fn, void *arg)
{
	struct ft_flow_info info;
	uint32_t id, n = ft_engine_capacity(e);

	for (id = 0; id < n; id++)
		if (ft_engine_flow_info(e, id, &info) == 0)
			fn(arg, &info);
}
