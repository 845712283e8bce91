/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * What the engine tells the world: state and flow-end events, the flow
 * listing for reports and telemetry, counter and end names, statistics
 * summed over engines, and the self-check of its invariants.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>

#include "ft_common.h"
#include "ft_engine_private.h"

static const char *const counter_desc[FT_CNT_MAX] = {
#define FT_CNT_DESC(name, lname, desc) [FT_CNT_##name] = desc,
	FT_ENGINE_COUNTER_LIST(FT_CNT_DESC)
#undef FT_CNT_DESC
};

static const char *const counter_name[FT_CNT_MAX] = {
#define FT_CNT_NAME(name, lname, desc) [FT_CNT_##name] = #lname,
	FT_ENGINE_COUNTER_LIST(FT_CNT_NAME)
#undef FT_CNT_NAME
};

static const char *const how_words[FT_END_HOW_MAX] = {
#define FT_END_WORD(name, word) [FT_END_##name] = word,
	FT_END_HOW_LIST(FT_END_WORD)
#undef FT_END_WORD
};

static const char *const role_names[2] = {
	[FT_ROLE_CLIENT] = "client",
	[FT_ROLE_SERVER] = "server",
};

static const char *const closer_words[] = {
	[FT_CLOSER_NONE] = "none",
	[FT_CLOSER_CLIENT] = "client",
	[FT_CLOSER_SERVER] = "server",
};

const char *
ft_engine_counter_desc(unsigned int c)
{
	return c < FT_CNT_MAX ? counter_desc[c] : "unknown";
}

const char *
ft_engine_counter_name(unsigned int c)
{
	return c < FT_CNT_MAX ? counter_name[c] : "unknown";
}

const char *
ft_engine_how_word(unsigned int how)
{
	return how < FT_END_HOW_MAX ? how_words[how] : "unknown";
}

const char *
ft_engine_one_sided_word(unsigned int one_sided)
{
	static const char *const word[] = { "", "client", "server" };

	return one_sided < RTE_DIM(word) ? word[one_sided] : "";
}

const char *
ft_engine_role_name(unsigned int role)
{
	return role < RTE_DIM(role_names) ? role_names[role] : "unknown";
}

const char *
ft_engine_closer_word(unsigned int closer)
{
	return closer < RTE_DIM(closer_words) ? closer_words[closer] : "unknown";
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
 * has none. The owning lcore (owner) reads the table's key copy; another
 * thread asks the table, which checks that the key still maps to id.
 */
static int
event_endpoints(const struct ft_engine *e, uint32_t id, struct ft_event *ev, int owner)
{
	const struct ft_flow *f = &e->flows[id];
	unsigned int c = (f->flags & FT_FLOW_F_CLIENT_B) ? 1 : 0;
	struct ft_key4 k4;
	struct ft_key6 k6;
	int fam;

	if (owner)
		fam = ft_flow_table_key(e->table, id, &k4, &k6);
	else
		fam = ft_flow_table_read_key(e->table, id, &k4, &k6);
	switch (fam) {
	case 4:
		ev->ctx = (uint32_t)k4.ctx[0] << 16 | (uint32_t)k4.ctx[1] << 8 | k4.ctx[2];
		endpoint_fill(&ev->client, 0, (const uint8_t *)&k4.addr[c], k4.port[c]);
		endpoint_fill(&ev->server, 0, (const uint8_t *)&k4.addr[!c], k4.port[!c]);
		break;
	case 6:
		ev->ctx = (uint32_t)k6.ctx[0] << 16 | (uint32_t)k6.ctx[1] << 8 | k6.ctx[2];
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

void
ft_eng_emit_state(struct ft_engine *e, uint32_t id, unsigned int role, unsigned int from,
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

/* How a flow whose endpoints are both CLOSED ended. */
unsigned int
ft_eng_end_how(const struct ft_flow *f, const struct ft_flow_cold *c)
{
	unsigned int rst = (f->flags >> FT_FLOW_F_RST_SHIFT) & 3;

	if (c->timeout_state != FT_ENG_TIMEOUT_NONE)
		return ft_eng_one_sided(f, c) != FT_ONE_SIDED_NO ? FT_END_ONE_SIDED :
								   FT_END_TIMEOUT;
	if (rst != 0)
		return rst == FT_CLOSER_CLIENT ? FT_END_RST_CLIENT : FT_END_RST_SERVER;
	if (f->flags & FT_FLOW_F_CLOSING)
		return FT_END_SIMULTANEOUS;
	return FT_END_FIN;
}

/* Count and report the end of a flow whose endpoints are both CLOSED. */
void
ft_eng_flow_end(struct ft_engine *e, uint32_t id, unsigned int how)
{
	const struct ft_flow *f = &e->flows[id];
	const struct ft_flow_cold *c = &e->cold[id];
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
	ev.tcp_flags[0] = ft_eng_flags_of(f, c, 0);
	ev.tcp_flags[1] = ft_eng_flags_of(f, c, 1);
	ev.last_state[0] = c->last_state[0];
	ev.last_state[1] = c->last_state[1];
	ev.one_sided = (uint8_t)ft_eng_one_sided(f, c);
	event_endpoints(e, id, &ev, 1);
	e->conf.on_event(e->conf.event_arg, &ev);
}

/* ---------------------------------------------------------------------------
 * Flow listing and statistics
 */

int
ft_engine_flow_info(const struct ft_engine *e, uint32_t id, struct ft_flow_info *info)
{
	const struct ft_flow *f;
	const struct ft_flow_cold *c;
	struct ft_event ev;
	uint32_t now_tick = e->now_tick;
	unsigned int r;

	if (id >= ft_flow_table_capacity(e->table))
		return -EINVAL;
	memset(&ev, 0, sizeof(ev));
	f = &e->flows[id];
	c = &e->cold[id];
	if (!(f->flags & FT_FLOW_F_LIVE))
		return -ENOENT;
	/* A reader on another lcore may race a delete: report only a flow still there. */
	if (event_endpoints(e, id, &ev, 0) != 0)
		return -ENOENT;
	info->flow_id = id;
	info->ctx = ev.ctx;
	info->client = ev.client;
	info->server = ev.server;
	info->held = (f->flags & FT_FLOW_F_HOLD) != 0;
	info->start_ns = c->start_ns;
	info->first_closer = (f->flags >> FT_FLOW_F_CLOSER_SHIFT) & 3;
	info->one_sided = (uint8_t)ft_eng_one_sided(f, c);
	for (r = 0; r < 2; r++) {
		info->tcp_flags[r] = ft_eng_flags_of(f, c, r);
		int32_t left = (int32_t)(f->dl[r] - now_tick);

		info->state[r] = f->state[r];
		info->pkts[r] = ft_flow_pkts(f, c, r);
		info->bytes[r] = ft_flow_bytes(f, c, r);
		info->expires_ns[r] = f->state[r] == FT_TCP_CLOSED || left <= 0 ?
				0 :
				(uint64_t)left * e->tick_ns;
		info->in_state_ns[r] = (uint64_t)(uint32_t)(now_tick - c->entered[r]) * e->tick_ns;
	}
	return 0;
}

uint32_t
ft_engine_capacity(const struct ft_engine *e)
{
	return ft_flow_table_capacity(e->table);
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

void
ft_engine_stats_sum(struct ft_engine_stats *sum, struct ft_engine *const *e, unsigned int n)
{
	unsigned int k, i, r;

	memset(sum, 0, sizeof(*sum));
	for (k = 0; k < n; k++) {
		const struct ft_engine_stats *st = &e[k]->stats;

		for (i = 0; i < FT_CNT_MAX; i++)
			sum->cnt[i] += st->cnt[i];
		for (i = 0; i < FT_PKT_STATUS_MAX; i++)
			sum->pkt[i] += st->pkt[i];
		for (r = 0; r < 2; r++)
			for (i = 0; i < FT_TCP_STATE_MAX; i++) {
				sum->gauge[r][i] += st->gauge[r][i];
				sum->peak[r][i] += st->peak[r][i];
				sum->entered[r][i] += st->entered[r][i];
				sum->expired[r][i] += st->expired[r][i];
				sum->one_sided_expired[r][i] += st->one_sided_expired[r][i];
			}
		for (i = 0; i < FT_END_HOW_MAX; i++)
			sum->ends[i] += st->ends[i];
		for (i = 0; i < FT_TCP_STATE_MAX; i++)
			sum->ends_timeout[i] += st->ends_timeout[i];
		sum->flows += st->flows;
		sum->flows_peak += st->flows_peak;
	}
}

/* ---------------------------------------------------------------------------
 * Self-check
 */

#define AUDIT(cond) \
	do { \
		if (!(cond)) { \
			snprintf(why, len, "flow %u: %s", id, #cond); \
			return -EFAULT; \
		} \
	} while (0)

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

/* States an endpoint only reaches after sending its own FIN. */
static int
own_fin_state(unsigned int s)
{
	return s == FT_TCP_FIN_WAIT1 || s == FT_TCP_FIN_WAIT2 || s == FT_TCP_CLOSING ||
			s == FT_TCP_TIME_WAIT || s == FT_TCP_LAST_ACK;
}

/* States an endpoint only reaches after its peer sent a FIN. */
static int
peer_fin_state(unsigned int s)
{
	return s == FT_TCP_CLOSING || s == FT_TCP_TIME_WAIT || s == FT_TCP_CLOSE_WAIT ||
			s == FT_TCP_LAST_ACK;
}

static int
audit_flow(const struct ft_engine *e, uint32_t id, uint64_t timers_ran_ns, char *why, size_t len)
{
	const struct ft_flow *f = &e->flows[id];
	struct ft_key4 k4;
	struct ft_key6 k6;
	unsigned int r;
	int ret;

	AUDIT(f->state[0] < FT_TCP_STATE_MAX && f->state[1] < FT_TCP_STATE_MAX);
	if (f->flags & FT_FLOW_F_HOLD)
		AUDIT(f->state[0] == FT_TCP_CLOSED && f->state[1] == FT_TCP_CLOSED);
	else
		AUDIT(f->state[0] != FT_TCP_CLOSED || f->state[1] != FT_TCP_CLOSED);
	for (r = 0; r < 2; r++) {
		if (own_fin_state(f->state[r]))
			AUDIT(f->flags & FLAG(FT_FLOW_F_FIN_SENT, r));
		if (peer_fin_state(f->state[r]))
			AUDIT(f->flags & FLAG(FT_FLOW_F_FIN_SENT, r ^ 1));
		if (f->state[r] == FT_TCP_SYN_SENT)
			AUDIT(f->state[r ^ 1] != FT_TCP_SYN_SENT &&
					!peer_fin_state(f->state[r ^ 1]));
	}
	/* The key is in its family's table at the flow's slot. */
	AUDIT(ft_flow_table_read_key(e->table, id, &k4, &k6) ==
			(ft_flow_table_is_v6(e->table, id) ? 6 : 4));
	AUDIT(ft_twheel_armed(e->wheel, id));
	ret = ft_twheel_check(e->wheel, id);
	if (ret != 0) {
		snprintf(why, len, "flow %u: timer not filed where the wheel will find it (%d)", id,
				ret);
		return -EFAULT;
	}
	AUDIT(f->tw.deadline == expected_deadline(f));
	if (timers_ran_ns != 0)
		AUDIT(ft_tick_after(f->tw.deadline, (uint32_t)(timers_ran_ns / e->tick_ns)));
	return 0;
}

#undef AUDIT
#define AUDIT(cond) \
	do { \
		if (!(cond)) { \
			snprintf(why, len, "%s", #cond); \
			return -EFAULT; \
		} \
	} while (0)

struct audit_walk {
	const struct ft_engine *e;
	uint64_t n;
	int bad;
};

static int
audit_walk_visit(void *arg, uint32_t id)
{
	struct audit_walk *w = arg;

	if (id >= ft_flow_table_capacity(w->e->table) || !(w->e->flows[id].flags & FT_FLOW_F_LIVE))
		w->bad = 1;
	w->n++;
	return w->bad;
}

int
ft_engine_audit(const struct ft_engine *e, uint64_t timers_ran_ns, char *why, size_t len)
{
	struct audit_walk walk = { .e = e, .n = 0, .bad = 0 };
	const struct ft_engine_stats *st = &e->stats;
	int64_t gauge[2][FT_TCP_STATE_MAX];
	uint64_t live = 0, live_not_held = 0, ended, sum;
	uint32_t id, cap = ft_flow_table_capacity(e->table);
	unsigned int r, s, i;
	int ret;

	memset(gauge, 0, sizeof(gauge));
	for (id = 0; id < cap; id++) {
		const struct ft_flow *f = &e->flows[id];

		if (!(f->flags & FT_FLOW_F_LIVE)) {
			if (ft_twheel_armed(e->wheel, id)) {
				snprintf(why, len, "flow %u: free slot with an armed timer", id);
				return -EFAULT;
			}
			continue;
		}
		live++;
		if (!(f->flags & FT_FLOW_F_HOLD))
			live_not_held++;
		ret = audit_flow(e, id, timers_ran_ns, why, len);
		if (ret != 0)
			return ret;
		gauge[0][f->state[0]]++;
		gauge[1][f->state[1]]++;
	}
	AUDIT(live == st->flows);
	AUDIT(st->flows <= st->flows_peak);
	AUDIT(e->wheel->armed == live);
	/* The wheel's own walk sees exactly the live flows. */
	ft_twheel_walk(e->wheel, audit_walk_visit, &walk, cap + 1);
	AUDIT(!walk.bad && walk.n == live);
	for (r = 0; r < 2; r++)
		for (s = 0; s < FT_TCP_STATE_MAX; s++) {
			AUDIT(st->gauge[r][s] >= 0);
			AUDIT(st->gauge[r][s] == gauge[r][s]);
			AUDIT(st->peak[r][s] >= st->gauge[r][s]);
		}
	ended = st->cnt[FT_CNT_FLOWS_ENDED] + st->cnt[FT_CNT_FLOWS_EVICTED];
	AUDIT(st->cnt[FT_CNT_FLOWS_CREATED] == ended + live_not_held);
	for (sum = 0, i = 0; i < FT_END_HOW_MAX; i++)
		sum += st->ends[i];
	AUDIT(sum == ended);
	AUDIT(st->ends[FT_END_EVICTED] == st->cnt[FT_CNT_FLOWS_EVICTED]);
	AUDIT(st->cnt[FT_CNT_FLOWS_EVICTED_V6] <= st->cnt[FT_CNT_FLOWS_EVICTED]);
	AUDIT(st->cnt[FT_CNT_TABLE_FULL_V6] <= st->cnt[FT_CNT_TABLE_FULL]);
	for (sum = 0, s = 0; s < FT_TCP_STATE_MAX; s++)
		sum += st->ends_timeout[s];
	AUDIT(sum == st->ends[FT_END_TIMEOUT]);
	for (sum = 0, i = 0; i < FT_PKT_STATUS_MAX; i++)
		sum += st->pkt[i];
	AUDIT(sum == st->cnt[FT_CNT_RX_PKTS]);
	AUDIT(ft_flow_table_released(e->table) == 0);
	return 0;
}
