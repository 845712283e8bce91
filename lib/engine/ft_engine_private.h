/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_ENGINE_PRIVATE_H_
#define _FT_ENGINE_PRIVATE_H_

/*
 * What the engine's files share and nobody else sees: the engine itself and
 * the hot helpers every step uses, kept static inline here because the
 * build has no link-time optimisation.
 *
 *   ft_engine.c         the batch loop, new flows, eviction, deletes, the tick
 *   ft_engine_tcp.c     the per-segment TCP step (the close-state machine's input)
 *   ft_engine_report.c  events, end records, flow listing, names, statistics
 *
 * Roles: in a step, snd is the endpoint that sent the segment and rcv the one
 * it is addressed to (rcv == snd ^ 1).
 */

#include <stdint.h>

#include <rte_branch_prediction.h>

#include "ft_engine.h"
#include "ft_flow.h"
#include "ft_tcp.h"
#include "ft_twheel.h"

/* An ACK may move our idea of the peer's stream forward by at most this much. */
#define FT_ENG_ACK_JUMP_MAX (1u << 30)
/* Smallest receive window assumed, whatever the endpoint advertised. */
#define FT_ENG_WIN_MIN 65535u
/* Window scale assumed when the handshake was not seen. */
#define FT_ENG_WSCALE_UNKNOWN_SHIFT 14
/* struct ft_flow_cold.timeout_state before any timeout. */
#define FT_ENG_TIMEOUT_NONE 0xff
/*
 * Flows added earlier in a batch that a packet the bulk lookup missed is
 * compared with; past this many (a burst of new connections), a lookup in
 * the table is cheaper.
 */
#define FT_ENG_BATCH_ADDS 8

#define FLAG(bit, role) FT_FLOW_F_ROLE(bit, role)

/*
 * The engine of one lcore. Everything here is written by the owning lcore
 * only; other threads read stats (possibly a little stale) and, as
 * registered readers of the table, flow slots.
 */
struct ft_engine {
	struct ft_engine_conf conf;
	struct ft_flow_table *table;
	struct ft_flow *flows;	   /* The table's hot slots. */
	struct ft_flow_cold *cold; /* The table's cold slots. */
	struct ft_twheel *wheel;
	uint64_t tick_ns;		/* Nanoseconds per wheel tick. */
	uint32_t tmo[FT_TCP_STATE_MAX]; /* Timeouts in ticks. */
	uint32_t hold_ticks;		/* RST hold in ticks. */
	uint64_t now_ns;		/* Time of the current call. */
	uint32_t now_tick;		/* now_ns in ticks (wrapping). */
	uint32_t est_deadline;		/* now_tick + the ESTABLISHED timeout. */
	uint8_t clock_set;		/* now_ns has been set once. */
	uint8_t dirty;			/* Ids of this batch may be stale. */
	/*
	 * Flows added during this batch; the packets that added the first
	 * FT_ENG_BATCH_ADDS of them (pointers into the batch's parse, valid
	 * during the batch only) and their ids.
	 */
	uint32_t batch_adds;
	const struct ft_pkt *batch_add_pkt[FT_ENG_BATCH_ADDS];
	int32_t batch_add_id[FT_ENG_BATCH_ADDS];
	uint32_t *expired;		     /* Scratch for wheel expiries. */
	uint8_t *scratch;		     /* Linearised multi-segment headers. */
	struct ft_ctx_map *ctx;		     /* Tenant contexts (conf.ctx_map or own_ctx). */
	struct ft_ctx_map *own_ctx;	     /* The engine's own map, if it made one. */
	struct ft_ctx_resolver ctx_resolver; /* The parser's way to the contexts. */
	struct ft_engine_stats stats;
};

/* ft_engine.c: flow lifecycle. */
void ft_eng_flow_init(struct ft_engine *e, uint32_t id, unsigned int client_is_b);
void ft_eng_flow_free(struct ft_engine *e, uint32_t id);
void ft_eng_flow_finish(struct ft_engine *e, uint32_t id);

/* ft_engine_tcp.c: the TCP step. */
void ft_eng_flow_packet(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, uint32_t len);
void ft_eng_start_from_syn(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, uint32_t len);
void ft_eng_learn_syn(struct ft_flow *f, struct ft_flow_cold *c, unsigned int snd,
		const struct ft_pkt *p);

/* ft_engine_report.c: events and end records. */
void ft_eng_emit_state(struct ft_engine *e, uint32_t id, unsigned int role, unsigned int from,
		unsigned int to, unsigned int cause);
unsigned int ft_eng_end_how(const struct ft_flow *f, const struct ft_flow_cold *c);
void ft_eng_flow_end(struct ft_engine *e, uint32_t id, unsigned int how);

static inline void
ft_eng_gauge_move(struct ft_engine_stats *st, unsigned int role, unsigned int from, unsigned int to)
{
	st->gauge[role][from]--;
	if (++st->gauge[role][to] > st->peak[role][to])
		st->peak[role][to] = st->gauge[role][to];
	st->entered[role][to]++;
}

/*
 * Move one endpoint to state `to` for endpoint event ev: the one place where
 * a state changes, with its gauge, its deadline and its event.
 */
static inline void
ft_eng_set_state(struct ft_engine *e, uint32_t id, unsigned int role, unsigned int to,
		unsigned int ev)
{
	struct ft_flow *f = &e->flows[id];
	unsigned int from = f->state[role];

	if (to == from)
		return;
	f->state[role] = (uint8_t)to;
	e->cold[id].entered[role] = e->now_tick;
	ft_eng_gauge_move(&e->stats, role, from, to);
	e->stats.cnt[FT_CNT_TRANSITIONS]++;
	if (to == FT_TCP_CLOSED || ft_tcp_state_is_closing(to))
		e->stats.cnt[FT_CNT_CLOSE_TRANSITIONS]++;
	if (to == FT_TCP_CLOSING)
		f->flags |= FT_FLOW_F_CLOSING;
	else if (to == FT_TCP_CLOSED)
		e->cold[id].last_state[role] = (uint8_t)from;
	f->dl[role] = e->now_tick + e->tmo[to];
	if (e->conf.on_event != NULL && e->conf.state_events)
		ft_eng_emit_state(e, id, role, from, to, ev);
}

/* Apply an endpoint event through the transition table. */
static inline void
ft_eng_step(struct ft_engine *e, uint32_t id, unsigned int role, unsigned int ev)
{
	ft_eng_set_state(e, id, role, ft_tcp_next[ev][e->flows[id].state[role]], ev);
}

/* The flow's timer: its earliest endpoint deadline (the hold deadline in hold). */
static inline void
ft_eng_flow_timer_update(struct ft_engine *e, uint32_t id)
{
	struct ft_flow *f = &e->flows[id];
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

/* The role that sent packet p of flow f. */
static inline unsigned int
ft_eng_sender(const struct ft_flow *f, const struct ft_pkt *p)
{
	RTE_BUILD_BUG_ON(FT_FLOW_F_CLIENT_B != 1u << 1);
	return p->dir ^ ((f->flags >> 1) & 1u);
}

/* Count a segment against its sender (the packet and byte counters, its window). */
static inline void
ft_eng_count_sender(struct ft_flow *f, struct ft_flow_cold *c, unsigned int snd,
		const struct ft_pkt *p, uint32_t len)
{
	uint32_t b = f->bytes_lo[snd] + len;

	/* The high parts live in the cold line, touched only on a carry. */
	if (unlikely(++f->pkts_lo[snd] == 0))
		c->pkts_hi[snd]++;
	if (unlikely(b < f->bytes_lo[snd]))
		c->bytes_hi[snd]++;
	f->bytes_lo[snd] = b;
	f->win[snd] = p->win;
}

/* Count a segment against its sender; keep what RFC 6191 needs once closing. */
static inline void
ft_eng_note_sender(struct ft_flow *f, struct ft_flow_cold *c, unsigned int snd,
		const struct ft_pkt *p, uint32_t len)
{
	ft_eng_count_sender(f, c, snd, p, len);
	/* RFC 6191 compares a new SYN with the last timestamp of a closing flow. */
	if (p->has_ts && (f->flags & (FLAG(FT_FLOW_F_FIN_SENT, 0) | FLAG(FT_FLOW_F_FIN_SENT, 1)))) {
		c->tsval[snd] = p->tsval;
		c->ts_valid |= (uint8_t)(1u << snd);
	}
}

/*
 * Record the TCP flags of a segment from snd that the general path handles
 * (PSH left out: the established fast path, which records nothing, takes
 * segments with and without it alike).
 */
static inline void
ft_eng_note_flags(struct ft_flow *f, const struct ft_flow_cold *c, unsigned int snd,
		const struct ft_pkt *p)
{
	uint8_t fl = (uint8_t)(p->flags & ~FT_TH_PSH);

	if (unlikely(f->flags & FLAG(FT_FLOW_F_FLAGS_UNSEEN, snd))) {
		/* Segments of snd counted before this one took the fast path: they carried ACK. */
		f->flags &= (uint16_t)~FLAG(FT_FLOW_F_FLAGS_UNSEEN, snd);
		if (ft_flow_pkts(f, c, snd) != 0)
			fl |= FT_TH_ACK;
	}
	f->tcp_flags[snd] |= fl;
}

/* The union of the TCP flags endpoint r sent (PSH left out), as flow ends report it. */
static inline uint8_t
ft_eng_flags_of(const struct ft_flow *f, const struct ft_flow_cold *c, unsigned int r)
{
	uint8_t fl = f->tcp_flags[r];

	if ((f->flags & FLAG(FT_FLOW_F_FLAGS_UNSEEN, r)) && ft_flow_pkts(f, c, r) != 0)
		fl |= FT_TH_ACK;
	return fl;
}

/* Which direction of the flow was seen (enum ft_one_sided). */
static inline unsigned int
ft_eng_one_sided(const struct ft_flow *f, const struct ft_flow_cold *c)
{
	int client = ft_flow_pkts(f, c, FT_ROLE_CLIENT) != 0;
	int server = ft_flow_pkts(f, c, FT_ROLE_SERVER) != 0;

	if (client == server)
		return FT_ONE_SIDED_NO;
	return client ? FT_ONE_SIDED_CLIENT : FT_ONE_SIDED_SERVER;
}

/* The receive window of endpoint rcv, in bytes, as far as the middlebox knows it. */
static inline uint32_t
ft_eng_recv_window(const struct ft_flow *f, unsigned int rcv)
{
	uint64_t w = (uint64_t)f->win[rcv] << f->wshift[rcv];

	if (w < FT_ENG_WIN_MIN)
		w = FT_ENG_WIN_MIN;
	return w > FT_ENG_ACK_JUMP_MAX ? FT_ENG_ACK_JUMP_MAX : (uint32_t)w;
}

/*
 * Whether snd's segment [seq, end) lies in rcv's receive window around the
 * next byte expected from snd (segments outside it are dropped by rcv).
 */
static inline int
ft_eng_in_window(const struct ft_flow *f, unsigned int snd, uint32_t seq, uint32_t end)
{
	uint32_t win = ft_eng_recv_window(f, snd ^ 1);

	return ft_seq_ge(end, f->nxt[snd] - win) && ft_seq_le(seq, f->nxt[snd] + win);
}

/* An ACK from the peer of `role` moves role's stream on (by a sane amount). */
static inline void
ft_eng_ack_advance(struct ft_flow *f, unsigned int role, uint32_t ack)
{
	if (ft_seq_gt(ack, f->nxt[role]) && ack - f->nxt[role] < FT_ENG_ACK_JUMP_MAX)
		f->nxt[role] = ack;
}

/* snd's in-order data [seq, end) moves its stream on. */
static inline void
ft_eng_data_advance(struct ft_flow *f, unsigned int snd, uint32_t seq, uint32_t end)
{
	if (ft_seq_le(seq, f->nxt[snd]) && ft_seq_gt(end, f->nxt[snd]))
		f->nxt[snd] = end;
}

/* Whether acknowledgment number ack covers the FIN that `role` sent (if it sent one). */
static inline int
ft_eng_acks_fin(const struct ft_flow *f, unsigned int role, uint32_t ack)
{
	return (f->flags & FLAG(FT_FLOW_F_FIN_SENT, role)) && ft_seq_ge(ack, f->fin_seq[role] + 1);
}

/* Flags of a flow that the established fast path handles: both streams known, no FIN, no hold. */
#define FT_ENG_FAST_MASK \
	(FT_FLOW_F_HOLD | FLAG(FT_FLOW_F_FIN_SENT, 0) | FLAG(FT_FLOW_F_FIN_SENT, 1) | \
			FLAG(FT_FLOW_F_NXT_VALID, 0) | FLAG(FT_FLOW_F_NXT_VALID, 1))
#define FT_ENG_FAST_WANT (FLAG(FT_FLOW_F_NXT_VALID, 0) | FLAG(FT_FLOW_F_NXT_VALID, 1))
/* A want no flow's masked flags equal: with it, every segment takes the general path. */
#define FT_ENG_FAST_NEVER 0xffffu

/*
 * The common case, a plain ACK (with or without data and PSH) while both
 * endpoints are ESTABLISHED: the same result as the general path
 * (ft_eng_flow_packet) with only the steps that can apply to it. want is
 * FT_ENG_FAST_WANT, or FT_ENG_FAST_NEVER to turn the fast path off.
 *
 * @return
 *   1 if the segment was handled, 0 if it needs the general path.
 */
static inline int
ft_eng_segment_fast(struct ft_engine *e, uint32_t id, struct ft_flow *f, const struct ft_pkt *p,
		uint32_t len, unsigned int snd, unsigned int want)
{
	unsigned int rcv = snd ^ 1;
	uint32_t end;

	if ((p->flags & ~FT_TH_PSH) != FT_TH_ACK || (f->flags & FT_ENG_FAST_MASK) != want ||
			f->state[0] != FT_TCP_ESTABLISHED || f->state[1] != FT_TCP_ESTABLISHED)
		return 0;
	/* No FIN yet (the mask says so): no timestamp to keep for RFC 6191. */
	ft_eng_count_sender(f, &e->cold[id], snd, p, len);
	end = p->seq + p->payload_len;
	if (likely(ft_eng_in_window(f, snd, p->seq, end))) {
		ft_eng_ack_advance(f, rcv, p->ack);
		ft_eng_data_advance(f, snd, p->seq, end);
	} else {
		e->stats.cnt[FT_CNT_SEG_OUT_OF_WINDOW]++;
	}
	f->dl[0] = e->est_deadline;
	f->dl[1] = e->est_deadline;
	/* Every tracked flow has its timer armed; its link is the line's first field. */
	ft_twheel_rearm_link(e->wheel, id, &f->tw, e->est_deadline);
	return 1;
}

#endif /* _FT_ENGINE_PRIVATE_H_ */
