/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * The per-segment TCP step: what one segment of a tracked flow shows about
 * each endpoint. Sequence tracking per side, the FIN of each side and the
 * ACK of it, RST validation (RFC 5961), SYN handling and tuple reuse (RFC
 * 6191), the receive-window check. The transitions themselves come from the
 * const table in lib/tcp; this file decides which endpoint event a segment
 * is. The established fast path (ft_eng_segment_fast) shares its window,
 * ACK and data helpers with the general path here.
 */

#include "ft_common.h"
#include "ft_engine_private.h"

static inline void
set_first_closer(struct ft_flow *f, unsigned int role)
{
	if (((f->flags >> FT_FLOW_F_CLOSER_SHIFT) & 3) == 0)
		f->flags |= (uint16_t)((role + 1) << FT_FLOW_F_CLOSER_SHIFT);
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
			f->wshift[r] = FT_ENG_WSCALE_UNKNOWN_SHIFT;
		else
			f->wshift[r] = 0;
	}
}

/* Record what a SYN or SYN-ACK announces about its sender's stream. */
void
ft_eng_learn_syn(struct ft_flow *f, struct ft_flow_cold *c, unsigned int snd,
		const struct ft_pkt *p)
{
	f->nxt[snd] = p->seq + 1;
	f->flags |= FLAG(FT_FLOW_F_NXT_VALID, snd);
	c->wscale[snd] = p->wscale == FT_PKT_NO_WSCALE ? FT_FLOW_WS_NONE : p->wscale;
	set_wshift(f, c);
}

/* snd's FIN reaches rcv: snd's stream ends past it, and rcv steps. */
static void
fin_arrives(struct ft_engine *e, uint32_t id, unsigned int snd)
{
	struct ft_flow *f = &e->flows[id];
	unsigned int rcv = snd ^ 1;

	f->flags |= FLAG(FT_FLOW_F_FIN_DLV, snd);
	f->nxt[snd] = f->fin_seq[snd] + 1;
	/* Does the FIN segment also ACK the receiver's own FIN? */
	ft_eng_step(e, id, rcv,
			ft_eng_acks_fin(f, rcv, f->fin_ack[snd]) ? FT_TCP_EV_RCV_FIN_ACK :
								   FT_TCP_EV_RCV_FIN);
}

/* Close both endpoints by snd's RST and hold the flow against late packets. */
static void
rst_close(struct ft_engine *e, uint32_t id, unsigned int snd)
{
	struct ft_flow *f = &e->flows[id];

	set_first_closer(f, snd);
	f->flags |= (uint16_t)((snd + 1) << FT_FLOW_F_RST_SHIFT);
	ft_eng_step(e, id, snd ^ 1, FT_TCP_EV_RST);
	ft_eng_step(e, id, snd, FT_TCP_EV_RST);
	ft_eng_flow_end(e, id, ft_eng_end_how(f, &e->cold[id]));
	f->flags |= FT_FLOW_F_HOLD;
	f->dl[0] = e->now_tick + e->hold_ticks;
	ft_eng_flow_timer_update(e, id);
}

/* An RST from snd: accepted only at the sequence number rcv expects (RFC 5961). */
static void
handle_rst(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, unsigned int snd)
{
	struct ft_flow *f = &e->flows[id];
	unsigned int rcv = snd ^ 1;
	uint32_t rcv_nxt;

	if (f->state[rcv] == FT_TCP_SYN_SENT) {
		/* RFC 9293: in SYN_SENT an RST is acceptable if it ACKs the SYN. */
		if (!(p->flags & FT_TH_ACK) ||
				((f->flags & FLAG(FT_FLOW_F_NXT_VALID, rcv)) &&
						p->ack != f->nxt[rcv])) {
			e->stats.cnt[FT_CNT_RST_OUT_OF_WINDOW]++;
			return;
		}
		e->stats.cnt[FT_CNT_RST_ACCEPTED]++;
		rst_close(e, id, snd);
		return;
	}
	if (!(f->flags & FLAG(FT_FLOW_F_NXT_VALID, snd))) {
		e->stats.cnt[FT_CNT_RST_UNVERIFIED]++;
		rst_close(e, id, snd);
		return;
	}
	rcv_nxt = f->nxt[snd];
	/* RFC 5961: only the exact RCV.NXT resets; Linux also takes RCV.NXT - 1 after a FIN. */
	if (p->seq == rcv_nxt ||
			((f->flags & FLAG(FT_FLOW_F_FIN_DLV, snd)) && p->seq == rcv_nxt - 1)) {
		e->stats.cnt[FT_CNT_RST_ACCEPTED]++;
		rst_close(e, id, snd);
		return;
	}
	if (p->seq - rcv_nxt < ft_eng_recv_window(f, rcv))
		e->stats.cnt[FT_CNT_RST_IN_WINDOW]++;
	else
		e->stats.cnt[FT_CNT_RST_OUT_OF_WINDOW]++;
}

/* Set up a new incarnation in slot id from a SYN: its sender is the client. */
void
ft_eng_start_from_syn(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, uint32_t len)
{
	struct ft_flow *f = &e->flows[id];
	struct ft_flow_cold *c = &e->cold[id];

	ft_eng_flow_init(e, id, p->dir);
	ft_eng_note_flags(f, c, FT_ROLE_CLIENT, p);
	ft_eng_note_sender(f, c, FT_ROLE_CLIENT, p, len);
	ft_eng_learn_syn(f, c, FT_ROLE_CLIENT, p);
	ft_eng_step(e, id, FT_ROLE_CLIENT, FT_TCP_EV_SND_SYN);
	ft_eng_step(e, id, FT_ROLE_SERVER, FT_TCP_EV_RCV_SYN);
	ft_eng_flow_timer_update(e, id);
}

/* End the current incarnation of id because snd's SYN starts a new one. */
static void
reuse_tuple(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, uint32_t len,
		unsigned int snd)
{
	struct ft_flow *f = &e->flows[id];

	if (!(f->flags & FT_FLOW_F_HOLD)) {
		ft_eng_step(e, id, snd ^ 1, FT_TCP_EV_REUSE);
		ft_eng_step(e, id, snd, FT_TCP_EV_REUSE);
		ft_eng_flow_end(e, id, ft_eng_end_how(f, &e->cold[id]));
	}
	ft_eng_start_from_syn(e, id, p, len);
}

/* A SYN or SYN-ACK from snd on a tracked flow. */
static void
handle_syn(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, uint32_t len, unsigned int snd)
{
	struct ft_flow *f = &e->flows[id];
	struct ft_flow_cold *c = &e->cold[id];
	unsigned int rcv = snd ^ 1;
	int newer;

	if (p->flags & FT_TH_ACK) {
		/* A SYN-ACK. */
		ft_eng_note_sender(f, c, snd, p, len);
		if (f->state[rcv] == FT_TCP_SYN_SENT &&
				(!(f->flags & FLAG(FT_FLOW_F_NXT_VALID, rcv)) ||
						p->ack == f->nxt[rcv])) {
			ft_eng_learn_syn(f, c, snd, p);
			ft_eng_step(e, id, snd, FT_TCP_EV_SND_SYNACK);
			ft_eng_step(e, id, rcv, FT_TCP_EV_RCV_SYNACK);
			ft_eng_flow_timer_update(e, id);
		} else if ((f->flags & FLAG(FT_FLOW_F_NXT_VALID, snd)) &&
				p->seq + 1 == f->nxt[snd]) {
			e->stats.cnt[FT_CNT_SYN_RETRANS]++;
		} else {
			e->stats.cnt[FT_CNT_SYN_UNEXPECTED]++;
		}
		return;
	}
	if (f->state[snd] == FT_TCP_CLOSED && f->state[rcv] == FT_TCP_CLOSED) {
		e->stats.cnt[FT_CNT_SYN_AFTER_CLOSE]++;
		reuse_tuple(e, id, p, len, snd);
		return;
	}
	if (f->state[rcv] == FT_TCP_TIME_WAIT &&
			(f->state[snd] == FT_TCP_CLOSED || f->state[snd] == FT_TCP_TIME_WAIT)) {
		/* RFC 6191: the SYN must be newer than the old incarnation. */
		newer = ft_seq_gt(p->seq, f->nxt[snd]) ||
				(p->has_ts && (c->ts_valid & (1u << snd)) &&
						ft_seq_gt(p->tsval, c->tsval[snd]));
		if (!newer) {
			e->stats.cnt[FT_CNT_SYN_REUSE_REJECTED]++;
			return;
		}
		e->stats.cnt[FT_CNT_SYN_REUSE]++;
		reuse_tuple(e, id, p, len, snd);
		return;
	}
	if (f->state[snd] == FT_TCP_TIME_WAIT) {
		/* The sender's own stack chose to reuse its TIME_WAIT port. */
		e->stats.cnt[FT_CNT_SYN_REUSE]++;
		reuse_tuple(e, id, p, len, snd);
		return;
	}
	ft_eng_note_sender(f, c, snd, p, len);
	if ((f->flags & FLAG(FT_FLOW_F_NXT_VALID, snd)) && p->seq + 1 == f->nxt[snd])
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

/* snd sends a FIN: its first one, a retransmission, or one that moved. */
static void
snd_fin(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, unsigned int snd, uint32_t end)
{
	struct ft_flow *f = &e->flows[id];
	unsigned int rcv = snd ^ 1;

	if (!(f->flags & FLAG(FT_FLOW_F_FIN_SENT, snd))) {
		int acks_peer_fin = ft_eng_acks_fin(f, rcv, p->ack);

		f->fin_seq[snd] = end;
		f->fin_ack[snd] = p->ack;
		f->flags |= FLAG(FT_FLOW_F_FIN_SENT, snd);
		set_first_closer(f, snd);
		ft_eng_step(e, id, snd, acks_peer_fin ? FT_TCP_EV_SND_FIN_ACK : FT_TCP_EV_SND_FIN);
		if (ft_seq_gt(end, f->nxt[snd]))
			e->stats.cnt[FT_CNT_FIN_AHEAD_OF_DATA]++;
	} else if (end == f->fin_seq[snd]) {
		/* A retransmitted FIN re-arms its sender's timer and restarts TIME_WAIT. */
		unsigned int s = f->state[snd];

		e->stats.cnt[FT_CNT_FIN_RETRANS]++;
		if (s == FT_TCP_FIN_WAIT1 || s == FT_TCP_CLOSING || s == FT_TCP_LAST_ACK)
			f->dl[snd] = e->now_tick + e->tmo[s];
		if (f->state[rcv] == FT_TCP_TIME_WAIT)
			f->dl[rcv] = e->now_tick + e->tmo[FT_TCP_TIME_WAIT];
	} else {
		e->stats.cnt[FT_CNT_FIN_SEQ_CHANGED]++;
	}
}

/* A segment of a tracked flow (not SYN, not RST) from endpoint snd. */
static void
handle_segment(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, unsigned int snd)
{
	struct ft_flow *f = &e->flows[id];
	unsigned int rcv = snd ^ 1;
	uint32_t end = p->seq + p->payload_len;
	int rcv_fin_acked = 0;

	if (!(p->flags & FT_TH_ACK)) {
		/* Endpoints drop non-SYN, non-RST segments without ACK unprocessed. */
		e->stats.cnt[FT_CNT_NO_ACK_SEGMENTS]++;
		return;
	}
	/* Segments outside the receiver's window are dropped by it, so they change nothing. */
	if (f->flags & FLAG(FT_FLOW_F_NXT_VALID, snd)) {
		uint32_t fin_end = end + ((p->flags & FT_TH_FIN) ? 1 : 0);

		if (!ft_eng_in_window(f, snd, p->seq, fin_end)) {
			e->stats.cnt[(p->flags & FT_TH_FIN) ? FT_CNT_FIN_OUT_OF_WINDOW :
							      FT_CNT_SEG_OUT_OF_WINDOW]++;
			return;
		}
	} else {
		f->nxt[snd] = p->seq;
		f->flags |= FLAG(FT_FLOW_F_NXT_VALID, snd);
	}

	/* Handshake completion, judged against rcv's SYN before nxt[rcv] moves. */
	if (f->state[snd] == FT_TCP_SYN_SENT || f->state[snd] == FT_TCP_SYN_RECV ||
			f->state[rcv] == FT_TCP_SYN_RECV) {
		int acks_syn = !(f->flags & FLAG(FT_FLOW_F_NXT_VALID, rcv)) ||
				ft_seq_ge(p->ack, f->nxt[rcv]);

		if (acks_syn) {
			ft_eng_step(e, id, snd, FT_TCP_EV_SND_ACK_SYN);
			ft_eng_step(e, id, rcv, FT_TCP_EV_RCV_ACK_SYN);
		}
	}

	/* What snd acknowledges: it has received rcv's stream up to p->ack. */
	if (!(f->flags & FLAG(FT_FLOW_F_NXT_VALID, rcv))) {
		f->nxt[rcv] = p->ack;
		f->flags |= FLAG(FT_FLOW_F_NXT_VALID, rcv);
	} else {
		ft_eng_ack_advance(f, rcv, p->ack);
	}
	/* snd ACKs a FIN of rcv's that we saw ahead of missing data: snd has it now. */
	if (!(f->flags & FLAG(FT_FLOW_F_FIN_DLV, rcv)) && ft_eng_acks_fin(f, rcv, p->ack))
		fin_arrives(e, id, rcv);

	ft_eng_data_advance(f, snd, p->seq, end);

	if (p->flags & FT_TH_FIN)
		snd_fin(e, id, p, snd, end);
	/* snd's FIN reaches rcv once the data ahead of it has. */
	if ((f->flags & (FLAG(FT_FLOW_F_FIN_SENT, snd) | FLAG(FT_FLOW_F_FIN_DLV, snd))) ==
					FLAG(FT_FLOW_F_FIN_SENT, snd) &&
			f->nxt[snd] == f->fin_seq[snd]) {
		/* That step covers the ACK of rcv's FIN this segment may carry too. */
		rcv_fin_acked = ft_eng_acks_fin(f, rcv, p->ack);
		fin_arrives(e, id, snd);
	}
	/* The ACK of rcv's FIN. */
	if (!rcv_fin_acked && ft_eng_acks_fin(f, rcv, p->ack))
		ft_eng_step(e, id, rcv, FT_TCP_EV_RCV_ACK_FIN);
}

/* A packet of tracked flow id (the general path). */
void
ft_eng_flow_packet(struct ft_engine *e, uint32_t id, const struct ft_pkt *p, uint32_t len)
{
	struct ft_flow *f = &e->flows[id];
	unsigned int snd = ft_eng_sender(f, p);

	if (f->flags & FT_FLOW_F_HOLD) {
		if ((p->flags & (FT_TH_SYN | FT_TH_ACK)) == FT_TH_SYN) {
			e->stats.cnt[FT_CNT_SYN_AFTER_CLOSE]++;
			reuse_tuple(e, id, p, len, snd);
		} else {
			e->stats.cnt[FT_CNT_LATE_AFTER_RST]++;
		}
		return;
	}
	/* A SYN that starts a new incarnation records itself in the new one. */
	ft_eng_note_flags(f, &e->cold[id], snd, p);
	if (p->flags & FT_TH_SYN) {
		handle_syn(e, id, p, len, snd);
		return;
	}
	ft_eng_note_sender(f, &e->cold[id], snd, p, len);
	if (p->flags & FT_TH_RST) {
		handle_rst(e, id, p, snd);
		return;
	}
	handle_segment(e, id, p, snd);
	refresh_timers(e, f);
	if (f->state[0] == FT_TCP_CLOSED && f->state[1] == FT_TCP_CLOSED)
		ft_eng_flow_finish(e, id);
	else
		ft_eng_flow_timer_update(e, id);
}
