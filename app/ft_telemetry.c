/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "ft_common.h"
#include "ft_live.h"
#include "ft_output.h"
#include "ft_tally.h"
#include "ft_telemetry.h"

/* Flows per /fintrack/flows reply: well inside the 16 KiB reply limit. */
#define FLOWS_PER_PAGE 32
/* Endpoints listed per state by /fintrack/diagnosis. */
#define DIAG_TOP 5
/* RCU reader id the telemetry threads use on every table (one at a time). */
#define TELEMETRY_READER 0

/*
 * Telemetry runs on its own threads, one per client. They serialise on this
 * mutex, which no worker ever takes, so a slow reader never stalls the data
 * path.
 */
static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ft_live *tel_live;

static void
add_gauges(struct rte_tel_data *d, const char *name, const int64_t *gauge)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	unsigned int s;

	if (c == NULL)
		return;
	rte_tel_data_start_dict(c);
	for (s = 0; s < FT_TCP_STATE_MAX; s++)
		rte_tel_data_add_dict_u64(c, ft_tcp_state_name(s),
				gauge[s] < 0 ? 0 : (uint64_t)gauge[s]);
	rte_tel_data_add_dict_container(d, name, c, 0);
}

static void
add_stats(struct rte_tel_data *d, const struct ft_engine_stats *st)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	struct rte_tel_data *pk = rte_tel_data_alloc();
	unsigned int i;

	rte_tel_data_add_dict_u64(d, "flows", st->flows);
	add_gauges(d, "client", st->gauge[0]);
	add_gauges(d, "server", st->gauge[1]);
	if (c == NULL || pk == NULL) {
		rte_tel_data_free(c);
		rte_tel_data_free(pk);
		return;
	}
	rte_tel_data_start_dict(c);
	for (i = 0; i < FT_CNT_MAX; i++)
		rte_tel_data_add_dict_u64(c, ft_engine_counter_name(i), st->cnt[i]);
	rte_tel_data_add_dict_container(d, "counters", c, 0);
	/* Every packet by what the parser made of it: TCP, not tracked, or malformed by reason. */
	rte_tel_data_start_dict(pk);
	for (i = 0; i < FT_PKT_STATUS_MAX; i++)
		rte_tel_data_add_dict_u64(pk, ft_pkt_status_name(i), st->pkt[i]);
	rte_tel_data_add_dict_container(d, "packets", pk, 0);
}

/* A reply that says what is wrong: {"error": "..."} (a callback returning an error gives null). */
static int reply_error(struct rte_tel_data *d, const char *fmt, ...) __rte_format_printf(2, 3);

static int
reply_error(struct rte_tel_data *d, const char *fmt, ...)
{
	char msg[RTE_TEL_MAX_STRING_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", msg);
	return 0;
}

/*
 * "table": room in the flow tables, and whether flows were evicted or
 * refused for want of it, with the setting to raise ("warning", "" if none).
 */
static void
add_table(struct rte_tel_data *d, const struct ft_engine_stats *st, const struct ft_engine_conf *ec)
{
	struct rte_tel_data *t = rte_tel_data_alloc();
	char full[RTE_TEL_MAX_STRING_LEN];

	if (t == NULL)
		return;
	rte_tel_data_start_dict(t);
	rte_tel_data_add_dict_u64(t, "max_flows_per_worker", ec->max_flows);
	rte_tel_data_add_dict_u64(t, "max_flows_v6_per_worker", ec->max_flows_v6);
	rte_tel_data_add_dict_u64(t, "evicted", st->cnt[FT_CNT_FLOWS_EVICTED]);
	rte_tel_data_add_dict_u64(t, "evicted_v6", st->cnt[FT_CNT_FLOWS_EVICTED_V6]);
	rte_tel_data_add_dict_u64(t, "refused", st->cnt[FT_CNT_TABLE_FULL]);
	rte_tel_data_add_dict_u64(t, "refused_v6", st->cnt[FT_CNT_TABLE_FULL_V6]);
	rte_tel_data_add_dict_u64(t, "refused_busy", st->cnt[FT_CNT_TABLE_BUSY]);
	rte_tel_data_add_dict_u64(t, "ipv6_not_tracked", st->cnt[FT_CNT_NO_V6_TABLE]);
	/* A telemetry string holds 128 bytes: the short form (the summary has the counts). */
	full[0] = '\0';
	if (st->cnt[FT_CNT_FLOWS_EVICTED] != st->cnt[FT_CNT_FLOWS_EVICTED_V6] ||
			st->cnt[FT_CNT_TABLE_FULL] != st->cnt[FT_CNT_TABLE_FULL_V6])
		strcat(full, "IPv4 table full: raise [engine] max_flows");
	if (st->cnt[FT_CNT_FLOWS_EVICTED_V6] != 0 || st->cnt[FT_CNT_TABLE_FULL_V6] != 0)
		strcat(strcat(full, full[0] ? "; " : ""),
				"IPv6 table full: raise [engine] max_flows_v6");
	if (st->cnt[FT_CNT_NO_V6_TABLE] != 0 && strlen(full) < 60)
		strcat(strcat(full, full[0] ? "; " : ""),
				"IPv6 not tracked: give max_flows_v6 a size");
	rte_tel_data_add_dict_string(t, "warning", full);
	rte_tel_data_add_dict_container(d, "table", t, 0);
}

/* gwlb mode: "gwlb": what became of the packets of the data ports (one worker's or all). */
static void
add_gwlb(struct rte_tel_data *d, const struct ft_live *live, const struct ft_worker *w)
{
	struct rte_tel_data *g;
	unsigned int c;

	if (!live->gwlb || (g = rte_tel_data_alloc()) == NULL)
		return;
	rte_tel_data_start_dict(g);
	for (c = 0; c < FT_GWLB_CNT_MAX; c++)
		rte_tel_data_add_dict_u64(g, ft_live_gwlb_cnt_name(c),
				w != NULL ? w->gwlb[c] : ft_live_gwlb_count(live, c));
	rte_tel_data_add_dict_container(d, "gwlb", g, 0);
}

static int
not_running(struct rte_tel_data *d)
{
	return reply_error(d, "fintrack is not forwarding");
}

/* A command that takes no parameter was given one. */
static int
no_params(const char *cmd, const char *params, struct rte_tel_data *d)
{
	if (params == NULL || *params == '\0')
		return 0;
	reply_error(d, "%s takes no parameter (got '%.32s')", cmd, params);
	return -1;
}

/* The worker lcores, "1, 2, 3", for error replies. */
static void
worker_lcores(const struct ft_live *live, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < live->nworkers && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%u", i ? ", " : "",
				live->workers[i]->lcore);
}

/* Take the telemetry lock; false (and a "not forwarding" reply) when fintrack stopped. */
static bool
live_lock(struct rte_tel_data *d)
{
	pthread_mutex_lock(&tel_lock);
	if (tel_live != NULL)
		return true;
	pthread_mutex_unlock(&tel_lock);
	not_running(d);
	return false;
}

static int
cmd_summary(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ft_engine_stats sum;

	if (no_params(cmd, params, d) != 0 || !live_lock(d))
		return 0;
	ft_engine_stats_sum(&sum, tel_live->engines, tel_live->nworkers);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", tel_live->nworkers);
	add_stats(d, &sum);
	add_table(d, &sum, &tel_live->cfg->engine);
	add_gwlb(d, tel_live, NULL);
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

static int
cmd_lcore(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ft_worker *w = NULL;
	char lcores[RTE_TEL_MAX_STRING_LEN / 2];
	unsigned long lcore = 0;
	unsigned int i;
	char *end = NULL;

	if (!live_lock(d))
		return 0;
	worker_lcores(tel_live, lcores, sizeof(lcores));
	if (params == NULL || *params == '\0') {
		pthread_mutex_unlock(&tel_lock);
		return reply_error(d, "give a worker's lcore: %s,<lcore> (workers: %s)", cmd,
				lcores);
	}
	if (params[0] >= '0' && params[0] <= '9')
		lcore = strtoul(params, &end, 10);
	if (end == NULL || *end != '\0') {
		pthread_mutex_unlock(&tel_lock);
		return reply_error(d, "'%s' is not an lcore id (workers: %s)", params, lcores);
	}
	for (i = 0; i < tel_live->nworkers; i++)
		if (tel_live->workers[i]->lcore == lcore)
			w = tel_live->workers[i];
	if (w == NULL) {
		pthread_mutex_unlock(&tel_lock);
		return reply_error(d, "lcore %lu is not a worker (workers: %s)", lcore, lcores);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", w->lcore);
	rte_tel_data_add_dict_u64(d, "worker", w->index);
	rte_tel_data_add_dict_u64(d, "loops", w->loops);
	rte_tel_data_add_dict_u64(d, "steered_out", w->steered_out);
	rte_tel_data_add_dict_u64(d, "steer_dropped", w->steer_dropped);
	rte_tel_data_add_dict_u64(d, "malformed_dropped", w->malformed_dropped);
	rte_tel_data_add_dict_u64(d, "pkts", w->pkts);
	rte_tel_data_add_dict_u64(d, "busy_tsc_cycles", w->busy_tsc);
	rte_tel_data_add_dict_u64(d, "idle_tsc_cycles", w->idle_tsc);
	rte_tel_data_add_dict_u64(d, "busy_tsc_cycles_per_pkt",
			w->pkts ? w->busy_tsc / w->pkts : 0);
	rte_tel_data_add_dict_u64(d, "events_dropped", w->events_dropped);
	rte_tel_data_add_dict_u64(d, "timeouts_generation", w->timeouts_gen);
	add_gwlb(d, tel_live, w);
	add_stats(d, ft_engine_stats(w->engine));
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

/* gwlb mode: "0 (exception port 1, ftx0)": the data ports and their exception ports. */
static void
gwlb_ports_string(const struct ft_live *live, char *buf, size_t len)
{
	unsigned int i;
	size_t off = 0;

	buf[0] = '\0';
	for (i = 0; i < live->ndata && off < len; i++) {
		uint16_t p = live->ports[i], x = live->exception[p];

		if (x == UINT16_MAX)
			off += (size_t)snprintf(buf + off, len - off, "%s%u", off ? ", " : "", p);
		else
			off += (size_t)snprintf(buf + off, len - off,
					"%s%u (exception port %u, %s)", off ? ", " : "", p, x,
					live->exception_iface[x]);
	}
}

static void
pairs_string(const struct ft_live *live, char *buf, size_t len)
{
	unsigned int i;
	size_t off = 0;

	buf[0] = '\0';
	if (live->gwlb)
		return;
	for (i = 0; i < live->nports && off < len; i++) {
		uint16_t p = live->ports[i];

		if (live->peer[p] < p && live->peer[live->peer[p]] == p)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%u:%u", off ? "," : "", p,
				live->peer[p]);
	}
}

/* The /fintrack/config reply being built: a dictionary per INI section. */
struct config_reply {
	struct rte_tel_data *d;
	struct rte_tel_data *section; /* Dictionary of the section called name, or NULL. */
	const char *name;
};

static void
config_section_end(struct config_reply *r)
{
	if (r->section != NULL)
		rte_tel_data_add_dict_container(r->d, r->name, r->section, 0);
	r->section = NULL;
}

/* ft_cfg_foreach() callback: command-line settings at the top, the others by section. */
static void
config_value(void *arg, const char *section, const char *name, const char *value,
		const uint64_t *num)
{
	struct config_reply *r = arg;
	struct rte_tel_data *to = r->d;

	if (section != NULL) {
		if (r->name == NULL || strcmp(r->name, section) != 0) {
			config_section_end(r);
			r->name = section;
			r->section = rte_tel_data_alloc();
			if (r->section != NULL)
				rte_tel_data_start_dict(r->section);
		}
		to = r->section;
	}
	if (to == NULL)
		return;
	if (num != NULL)
		rte_tel_data_add_dict_u64(to, name, *num);
	else
		rte_tel_data_add_dict_string(to, name, value);
}

static int
cmd_config(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct config_reply r = { .d = d };
	char pairs[RTE_TEL_MAX_STRING_LEN];

	if (no_params(cmd, params, d) != 0 || !live_lock(d))
		return 0;
	rte_tel_data_start_dict(d);
	pairs_string(tel_live, pairs, sizeof(pairs));
	rte_tel_data_add_dict_string(d, "pairs", pairs);
	if (tel_live->gwlb) {
		gwlb_ports_string(tel_live, pairs, sizeof(pairs));
		rte_tel_data_add_dict_string(d, "gwlb_ports", pairs);
	}
	rte_tel_data_add_dict_u64(d, "workers", tel_live->nworkers);
	rte_tel_data_add_dict_string(d, "steering", ft_live_steering_name(tel_live));
	/* Every setting as the config file writes it. */
	ft_cfg_foreach(tel_live->cfg, config_value, &r);
	config_section_end(&r);
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

static void
add_flow(struct rte_tel_data *d, unsigned int n, const struct ft_flow_info *fi, unsigned int lcore)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	char name[16], ep[64];

	if (c == NULL)
		return;
	rte_tel_data_start_dict(c);
	ft_endpoint_str(&fi->client, ep, sizeof(ep));
	rte_tel_data_add_dict_string(c, "client", ep);
	ft_endpoint_str(&fi->server, ep, sizeof(ep));
	rte_tel_data_add_dict_string(c, "server", ep);
	rte_tel_data_add_dict_string(c, "client_state", ft_tcp_state_name(fi->state[0]));
	rte_tel_data_add_dict_string(c, "server_state", ft_tcp_state_name(fi->state[1]));
	rte_tel_data_add_dict_u64(c, "client_expires_ms", fi->expires_ns[0] / 1000000);
	rte_tel_data_add_dict_u64(c, "server_expires_ms", fi->expires_ns[1] / 1000000);
	rte_tel_data_add_dict_u64(c, "lcore", lcore);
	if (fi->one_sided != FT_ONE_SIDED_NO)
		rte_tel_data_add_dict_string(c, "one_sided",
				ft_engine_one_sided_word(fi->one_sided));
	if (fi->ctx != 0) {
		rte_tel_data_add_dict_u64(c, "ctx", fi->ctx);
		rte_tel_data_add_dict_string(c, "tunnel",
				ft_output_tunnel(tel_live->ctx_map, fi->ctx, ep, sizeof(ep)));
	}
	snprintf(name, sizeof(name), "%u", n);
	rte_tel_data_add_dict_container(d, name, c, 0);
}

/*
 * /fintrack/flows,<STATE>[,<cursor>]: flows with either side in STATE, a page
 * at a time. The cursor is (worker << 32 | slot) of where to go on.
 */
static int
cmd_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char state_name[32];
	const char *comma;
	uint64_t cursor = 0;
	unsigned int n = 0, w;
	int state;
	int more = 0;

	if (params == NULL || *params == '\0')
		return reply_error(d, "give a state: %s,<STATE>[,<cursor>], e.g. %s,CLOSE_WAIT",
				cmd, cmd);
	comma = strchr(params, ',');
	snprintf(state_name, sizeof(state_name), "%.*s",
			(int)(comma ? (size_t)(comma - params) : strlen(params)), params);
	state = ft_tcp_state_from_name(state_name);
	if (state < 0)
		return reply_error(d,
				"unknown state '%.16s': one of SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT1 "
				"FIN_WAIT2 CLOSING TIME_WAIT CLOSE_WAIT LAST_ACK CLOSED",
				state_name);
	if (comma != NULL) {
		char *end;

		cursor = strtoull(comma + 1, &end, 0);
		if (comma[1] < '0' || comma[1] > '9' || *end != '\0')
			return reply_error(d,
					"cursor '%.16s' is not a number: pass the 'next' of the page "
					"before",
					comma + 1);
	}
	if (!live_lock(d))
		return 0;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "state", ft_tcp_state_name((unsigned int)state));
	ft_tally_readers(tel_live->engines, tel_live->nworkers, TELEMETRY_READER, 1);
	for (w = (unsigned int)(cursor >> 32); w < tel_live->nworkers && !more; w++) {
		const struct ft_engine *e = tel_live->engines[w];
		uint32_t id = w == (cursor >> 32) ? (uint32_t)cursor : 0;
		uint32_t cap = ft_engine_capacity(e);
		struct ft_flow_info fi;

		for (; id < cap; id++) {
			if (ft_engine_flow_info(e, id, &fi) != 0 ||
					(fi.state[0] != state && fi.state[1] != state))
				continue;
			if (n == FLOWS_PER_PAGE) {
				rte_tel_data_add_dict_u64(d, "next", (uint64_t)w << 32 | id);
				more = 1;
				break;
			}
			add_flow(d, n++, &fi, tel_live->workers[w]->lcore);
		}
	}
	ft_tally_readers(tel_live->engines, tel_live->nworkers, TELEMETRY_READER, 0);
	rte_tel_data_add_dict_u64(d, "count", n);
	rte_tel_data_add_dict_string(d, "more", more ? "yes" : "no");
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

static void
add_diag_state(struct rte_tel_data *d, unsigned int s, struct ft_tally *t,
		const struct ft_engine_stats *sum, const uint64_t *pile,
		const struct ft_app_cfg *cfg)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	uint64_t threshold = cfg->diag[s];
	unsigned int k;

	if (c == NULL)
		return;
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_u64(c, "client_endpoints", RTE_MAX(sum->gauge[0][s], 0));
	rte_tel_data_add_dict_u64(c, "server_endpoints", RTE_MAX(sum->gauge[1][s], 0));
	/* The pile: endpoints that have sat in the state for min_age or more (or all of them). */
	rte_tel_data_add_dict_u64(c, "client_pile", pile[0]);
	rte_tel_data_add_dict_u64(c, "server_pile", pile[1]);
	if (ft_output_diag_measure(s) == FT_DIAG_PILE)
		rte_tel_data_add_dict_u64(c, "min_age_ms", cfg->diag_min_age_ms);
	rte_tel_data_add_dict_u64(c, "client_timed_out", sum->expired[0][s]);
	rte_tel_data_add_dict_u64(c, "server_timed_out", sum->expired[1][s]);
	rte_tel_data_add_dict_u64(c, "threshold", threshold);
	rte_tel_data_add_dict_string(c, "alert",
			threshold != 0 && RTE_MAX(pile[0], pile[1]) >= threshold ? "yes" : "no");
	rte_tel_data_add_dict_string(c, "advice", ft_output_advice(s, 1));
	/* The endpoints holding the most connections of the pile, most first. */
	for (k = 0; k < DIAG_TOP; k++) {
		const struct ft_tally_ent *best;
		char name[16], ep[80], val[RTE_TEL_MAX_STRING_LEN], tun[32], id[72];
		struct ft_ctx_key key;
		uint64_t n;

		best = ft_tally_pop_top(t, &n);
		if (best == NULL)
			break;
		ft_tally_host_str(best, ep, sizeof(ep));
		snprintf(name, sizeof(name), "top%u", k + 1);
		/* A tenant's host or context names its tunnel too: "... ctx=3 (vxlan vni=4711)". */
		if (best->ctx != 0 && ft_ctx_get(tel_live->ctx_map, best->ctx, &key) == 0)
			snprintf(val, sizeof(val), "%s %s (%s %s): %" PRIu64 " connections",
					ft_engine_role_name(best->role), ep,
					ft_ctx_tunnel_str(&key, tun, sizeof(tun)),
					ft_ctx_id_str(&key, id, sizeof(id)), n);
		else
			snprintf(val, sizeof(val), "%s %s: %" PRIu64 " connections",
					ft_engine_role_name(best->role), ep, n);
		rte_tel_data_add_dict_string(c, name, val);
	}
	rte_tel_data_add_dict_container(d, ft_tcp_state_name(s), c, 0);
}

static int
cmd_diagnosis(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ft_diag_tally dt;
	struct ft_engine_stats sum;
	unsigned int i;
	int by_ctx = 0;

	if (params != NULL && *params != '\0') {
		if (strcmp(params, "by_context") != 0)
			return reply_error(d, "'%.16s': %s takes no parameter or by_context",
					params, cmd);
		by_ctx = 1;
	}
	if (ft_diag_tally_init(&dt) != 0)
		return reply_error(d, "out of memory");
	if (!live_lock(d)) {
		ft_diag_tally_free(&dt);
		return 0;
	}
	ft_diag_tally_walk(&dt, tel_live->engines, tel_live->nworkers, TELEMETRY_READER,
			(uint64_t)tel_live->cfg->diag_min_age_ms * FT_NS_PER_MSEC, by_ctx);
	ft_engine_stats_sum(&sum, tel_live->engines, tel_live->nworkers);
	rte_tel_data_start_dict(d);
	for (i = 0; i < ft_diag_nstates; i++)
		add_diag_state(d, ft_diag_states[i], &dt.t[i], &sum, dt.pile[i], tel_live->cfg);
	pthread_mutex_unlock(&tel_lock);
	ft_diag_tally_free(&dt);
	return 0;
}

struct pile_walk {
	uint64_t (*pile)[FT_TCP_STATE_MAX];
	uint64_t min_age_ns;
};

static void
pile_flow(void *arg, const struct ft_flow_info *fi)
{
	struct pile_walk *pw = arg;
	unsigned int r;

	for (r = 0; r < 2; r++)
		if (fi->state[r] != FT_TCP_CLOSED && ft_tally_in_pile(fi, r, pw->min_age_ns))
			pw->pile[r][fi->state[r]]++;
}

int
ft_telemetry_piles(uint64_t pile[2][FT_TCP_STATE_MAX])
{
	struct pile_walk pw = { .pile = pile };

	memset(pile, 0, sizeof(uint64_t) * 2 * FT_TCP_STATE_MAX);
	pthread_mutex_lock(&tel_lock);
	if (tel_live == NULL) {
		pthread_mutex_unlock(&tel_lock);
		return -ENOENT;
	}
	pw.min_age_ns = (uint64_t)tel_live->cfg->diag_min_age_ms * FT_NS_PER_MSEC;
	ft_tally_walk(tel_live->engines, tel_live->nworkers, TELEMETRY_READER, pile_flow, &pw);
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

/* Contexts listed per reply: each takes up to ~150 bytes, replies stop at 16 KiB. */
#define CONTEXTS_PER_PAGE 64

/*
 * /fintrack/contexts[,<first>]: the tenant contexts, their tunnel kind and
 * identity, a page at a time from context first (default 1).
 */
static int
cmd_contexts(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint32_t first = 1, ctx, count;
	unsigned int n = 0;
	char *end;

	if (params != NULL && *params != '\0') {
		unsigned long v = strtoul(params, &end, 10);

		if (params[0] < '0' || params[0] > '9' || *end != '\0' || v == 0 || v > FT_CTX_MAX)
			return reply_error(d, "'%.16s' is not a context id: %s[,<first ctx>]",
					params, cmd);
		first = (uint32_t)v;
	}
	if (!live_lock(d))
		return 0;
	count = ft_ctx_count(tel_live->ctx_map);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "contexts", count);
	rte_tel_data_add_dict_u64(d, "capacity", ft_ctx_capacity(tel_live->ctx_map));
	for (ctx = first; ctx <= count && n < CONTEXTS_PER_PAGE; ctx++, n++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct ft_ctx_key k;
		char name[16], buf[128];

		if (c == NULL || ft_ctx_get(tel_live->ctx_map, ctx, &k) != 0) {
			rte_tel_data_free(c);
			continue;
		}
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "tunnel", ft_ctx_tunnel_str(&k, buf, sizeof(buf)));
		rte_tel_data_add_dict_string(c, "id", ft_ctx_id_str(&k, buf, sizeof(buf)));
		snprintf(name, sizeof(name), "%" PRIu32, ctx);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	if (ctx <= count)
		rte_tel_data_add_dict_u64(d, "next", ctx);
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

static const struct {
	const char *name;
	telemetry_cb fn;
	const char *help;
} commands[] = {
	{ "/fintrack/summary", cmd_summary,
			"Endpoints per state (client, server), flows, counters" },
	{ "/fintrack/lcore", cmd_lcore, "One worker's gauges and counters. Parameter: lcore id" },
	{ "/fintrack/flows", cmd_flows,
			"Flows with an endpoint in a state. Parameters: STATE[,cursor] (cursor: 'next')" },
	{ "/fintrack/config", cmd_config, "The running configuration" },
	{ "/fintrack/diagnosis", cmd_diagnosis,
			"Per closing state: endpoints, who holds most, what it means. Param: by_context" },
	{ "/fintrack/contexts", cmd_contexts,
			"Tenant contexts: tunnel kind and identity. Parameter: first ctx id" },
};

void
ft_telemetry_register(struct ft_live *live)
{
	static int registered;
	unsigned int w;

	pthread_mutex_lock(&tel_lock);
	for (w = 0; w < live->nworkers; w++)
		ft_flow_table_reader_register(ft_engine_table(live->engines[w]), TELEMETRY_READER);
	tel_live = live;
	pthread_mutex_unlock(&tel_lock);
	if (registered)
		return;
	registered = 1;
	/* Help texts must stay under RTE_TEL_MAX_STRING_LEN or registration fails. */
	for (w = 0; w < RTE_DIM(commands); w++)
		if (rte_telemetry_register_cmd(commands[w].name, commands[w].fn,
				    commands[w].help) != 0)
			fprintf(stderr, "fintrack: telemetry command %s not registered\n",
					commands[w].name);
}

void
ft_telemetry_unregister(void)
{
	pthread_mutex_lock(&tel_lock);
	if (tel_live != NULL) {
		unsigned int w;

		for (w = 0; w < tel_live->nworkers; w++)
			ft_flow_table_reader_unregister(ft_engine_table(tel_live->engines[w]),
					TELEMETRY_READER);
	}
	tel_live = NULL;
	pthread_mutex_unlock(&tel_lock);
}

void
ft_telemetry_lock(void)
{
	pthread_mutex_lock(&tel_lock);
}

void
ft_telemetry_unlock(void)
{
	pthread_mutex_unlock(&tel_lock);
}
