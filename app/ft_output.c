/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "ft_output.h"

/* The states in the order operators read them (as ss and the source document list them). */
static const unsigned int state_order[] = {
	FT_TCP_SYN_SENT,
	FT_TCP_SYN_RECV,
	FT_TCP_ESTABLISHED,
	FT_TCP_FIN_WAIT1,
	FT_TCP_FIN_WAIT2,
	FT_TCP_CLOSING,
	FT_TCP_TIME_WAIT,
	FT_TCP_CLOSE_WAIT,
	FT_TCP_LAST_ACK,
	FT_TCP_CLOSED,
};

FILE *
ft_output_open(const char *what, const char *path)
{
	FILE *f;

	if (path == NULL)
		return NULL;
	if (strcmp(path, "-") == 0)
		return stdout;
	f = fopen(path, "w");
	if (f == NULL)
		fprintf(stderr, "fintrack: %s %s: %s\n", what, path, strerror(errno));
	return f;
}

int
ft_output_table_full(const struct ft_engine_stats *st, const struct ft_engine_conf *ec, int live,
		char *buf, size_t len)
{
	uint64_t ev6 = st->cnt[FT_CNT_FLOWS_EVICTED_V6], full6 = st->cnt[FT_CNT_TABLE_FULL_V6];
	uint64_t ev4 = st->cnt[FT_CNT_FLOWS_EVICTED] - ev6,
		 full4 = st->cnt[FT_CNT_TABLE_FULL] - full6;
	uint64_t busy = st->cnt[FT_CNT_TABLE_BUSY], no6 = st->cnt[FT_CNT_NO_V6_TABLE];
	const char *per = live ? " per worker" : "";
	size_t off = 0;
	int n = 0;

	buf[0] = '\0';
	if (ev4 != 0 || full4 != 0) {
		off += (size_t)snprintf(buf + off, len - off,
				"the IPv4 table (max_flows %u%s) is full: %" PRIu64
				" flows evicted, %" PRIu64
				" new flows refused; raise max_flows ([engine] max_flows, "
				"--max-flows)",
				ec->max_flows, per, ev4, full4);
		n++;
	}
	if ((ev6 != 0 || full6 != 0) && off < len) {
		off += (size_t)snprintf(buf + off, len - off,
				"%sthe IPv6 table (max_flows_v6 %u%s) is full: %" PRIu64
				" flows evicted, %" PRIu64
				" new flows refused; raise max_flows_v6 ([engine] max_flows_v6, "
				"--max-flows-v6)",
				n ? "; " : "", ec->max_flows_v6, per, ev6, full6);
		n++;
	}
	if (busy != 0 && off < len) {
		off += (size_t)snprintf(buf + off, len - off,
				"%s%" PRIu64
				" new flows refused while freed slots waited for a telemetry "
				"reader; more room (max_flows, max_flows_v6) avoids it",
				n ? "; " : "", busy);
		n++;
	}
	if (no6 != 0 && off < len) {
		snprintf(buf + off, len - off,
				"%s%" PRIu64
				" IPv6 flows not tracked: IPv6 tracking is off (max_flows_v6 0); give "
				"max_flows_v6 a size to track them",
				n ? "; " : "", no6);
		n++;
	}
	return n;
}

int
ft_output_check_writable(const char *what, const char *path)
{
	int fd, created = 0;

	if (path == NULL || strcmp(path, "-") == 0)
		return 0;
	/* Open it as the real write will, without truncating what is there. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd >= 0)
		created = 1;
	else if (errno == EEXIST)
		fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "fintrack: %s %s: cannot write it: %s\n", what, path,
				strerror(errno));
		return -EIO;
	}
	close(fd);
	/* Leave no empty file behind a run that fails before writing it. */
	if (created)
		unlink(path);
	return 0;
}

void
ft_output_engine_error(const char *who, const struct ft_engine_conf *ec, int err)
{
	struct rte_malloc_socket_stats ms;
	uint64_t need = (ft_engine_mem_estimate(ec) + (1u << 20) - 1) >> 20;
	int socket = ec->socket_id < 0 ? 0 : ec->socket_id;
	uint64_t free_mb = 0;

	if (rte_malloc_get_socket_stats(socket, &ms) == 0)
		free_mb = ms.greatest_free_size >> 20;
	if (err == EINVAL || err == EEXIST) {
		fprintf(stderr, "fintrack: %scannot create the engine for %u IPv4 + %u IPv6 flows: %s\n",
				who, ec->max_flows, ec->max_flows_v6, rte_strerror(err));
		return;
	}
	/* Anything else is memory, whatever the hash library set rte_errno to. */
	fprintf(stderr,
			"fintrack: %sno memory for %u IPv4 + %u IPv6 flows: they need about %" PRIu64
			" MB, EAL has %" PRIu64
			" MB free in one piece on socket %d. Give EAL more (-m MB before \"--\" "
			"with --no-huge, or more hugepages: scripts/hugepages.sh PAGES), or lower "
			"max_flows / max_flows_v6 (--max-flows, --max-flows-v6)\n",
			who, ec->max_flows, ec->max_flows_v6, need, free_mb, socket);
}

int
ft_output_close(const char *what, const char *path, FILE *f)
{
	int bad;

	if (f == NULL)
		return 0;
	bad = ferror(f) || fflush(f) != 0;
	if (f != stdout)
		bad |= fclose(f) != 0;
	if (bad) {
		fprintf(stderr, "fintrack: %s %s: write failed\n", what, path);
		return -EIO;
	}
	return 0;
}

void
ft_endpoint_str(const struct ft_endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(ep->is_v6 ? AF_INET6 : AF_INET, ep->addr, a, sizeof(a));
	if (ep->is_v6)
		snprintf(buf, len, "[%s]:%u", a, ep->port);
	else
		snprintf(buf, len, "%s:%u", a, ep->port);
}

/* The rest of a "one_sided" field: the side seen and the closing quote. */
static const char *
one_sided_tail(unsigned int one_sided)
{
	return one_sided == FT_ONE_SIDED_CLIENT ? "client\"" : "server\"";
}

const char *
ft_output_tunnel(const struct ft_ctx_map *m, uint32_t ctx, char *buf, size_t len)
{
	struct ft_ctx_key k;

	if (len != 0)
		buf[0] = '\0';
	if (ctx != 0 && m != NULL && ft_ctx_get(m, ctx, &k) == 0)
		ft_ctx_tunnel_str(&k, buf, len);
	return buf;
}

void
ft_output_ctx_json(const struct ft_ctx_map *m, uint32_t ctx, char *buf, size_t len)
{
	char t[64];

	if (ctx == 0)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, ",\"ctx\":%" PRIu32 ",\"tunnel\":\"%s\"", ctx,
				ft_output_tunnel(m, ctx, t, sizeof(t)));
}

void
ft_output_event_line(FILE *f, const struct ft_event *ev, int lcore, const struct ft_ctx_map *m)
{
	char c[64], s[64], lc[24] = "", cx[96];
	double ts = (double)ev->ts_ns / 1e9;

	if (lcore >= 0)
		snprintf(lc, sizeof(lc), ",\"lcore\":%d", lcore);
	ft_output_ctx_json(m, ev->ctx, cx, sizeof(cx));
	ft_endpoint_str(&ev->client, c, sizeof(c));
	ft_endpoint_str(&ev->server, s, sizeof(s));
	if (ev->type == FT_EVENT_STATE) {
		fprintf(f,
				"{\"type\":\"state\",\"ts\":%.6f,\"ep\":\"%s\",\"peer\":\"%s\","
				"\"from\":\"%s\",\"to\":\"%s\",\"cause\":\"%s\"%s%s}\n",
				ts, ev->role == FT_ROLE_CLIENT ? c : s,
				ev->role == FT_ROLE_CLIENT ? s : c, ft_tcp_state_name(ev->from),
				ft_tcp_state_name(ev->to), ft_tcp_event_cause(ev->cause), cx, lc);
		return;
	}
	fprintf(f,
			"{\"type\":\"end\",\"ts\":%.6f,\"client\":\"%s\",\"server\":\"%s\","
			"\"first_closer\":\"%s\",\"how\":\"%s%s%s\",\"pkts_c2s\":%" PRIu64
			",\"pkts_s2c\":%" PRIu64 ",\"bytes_c2s\":%" PRIu64 ",\"bytes_s2c\":%" PRIu64
			",\"duration\":%.6f%s%s%s%s}\n",
			ts, c, s, ft_engine_closer_word(ev->first_closer),
			ft_engine_how_word(ev->how), ev->how == FT_END_TIMEOUT ? "_" : "",
			ev->how == FT_END_TIMEOUT ? ft_tcp_state_name(ev->how_state) : "",
			ev->pkts[0], ev->pkts[1], ev->bytes[0], ev->bytes[1],
			(double)(ev->ts_ns - ev->start_ns) / 1e9,
			ev->one_sided != FT_ONE_SIDED_NO ? ",\"one_sided\":\"" : "",
			ev->one_sided != FT_ONE_SIDED_NO ? one_sided_tail(ev->one_sided) : "", cx,
			lc);
}

/* "client": {"SYN_SENT": n, ...}, "server": {...} */
static void
json_state_rows(FILE *f, const int64_t v[2][FT_TCP_STATE_MAX])
{
	unsigned int i, r;

	for (r = 0; r < 2; r++) {
		fprintf(f, "%s\n    \"%s\": {", r == 0 ? "" : ",", ft_engine_role_name(r));
		for (i = 0; i < RTE_DIM(state_order); i++)
			fprintf(f, "%s\"%s\": %" PRId64, i == 0 ? "" : ", ",
					ft_tcp_state_name(state_order[i]), v[r][state_order[i]]);
		fprintf(f, "}");
	}
}

struct flow_list {
	FILE *f;
	uint64_t n;
	const struct ft_ctx_map *ctx;
};

static void
report_flow(void *arg, const struct ft_flow_info *fl)
{
	struct flow_list *l = arg;
	char c[64], s[64], cx[96];

	ft_endpoint_str(&fl->client, c, sizeof(c));
	ft_endpoint_str(&fl->server, s, sizeof(s));
	ft_output_ctx_json(l->ctx, fl->ctx, cx, sizeof(cx));
	fprintf(l->f,
			"%s\n    {\"client\":\"%s\",\"server\":\"%s\",\"client_state\":\"%s\","
			"\"server_state\":\"%s\",\"held\":%s,\"client_expires_s\":%.3f,"
			"\"server_expires_s\":%.3f%s%s%s}",
			l->n == 0 ? "" : ",", c, s, ft_tcp_state_name(fl->state[0]),
			ft_tcp_state_name(fl->state[1]), fl->held ? "true" : "false",
			(double)fl->expires_ns[0] / 1e9, (double)fl->expires_ns[1] / 1e9,
			fl->one_sided != FT_ONE_SIDED_NO ? ",\"one_sided\":\"" : "",
			fl->one_sided != FT_ONE_SIDED_NO ? one_sided_tail(fl->one_sided) : "", cx);
	l->n++;
}

int
ft_output_report(FILE *f, struct ft_engine *const *e, unsigned int n)
{
	struct ft_engine_stats sum;
	const struct ft_engine_stats *st = &sum;
	struct flow_list l = { .f = f, .n = 0 };
	uint64_t table_bytes = 0;
	unsigned int i;

	l.ctx = n != 0 ? ft_engine_ctx_map(e[0]) : NULL;
	ft_engine_stats_sum(&sum, e, n);
	for (i = 0; i < n; i++)
		table_bytes += ft_engine_mem_bytes(e[i]);
	fprintf(f, "{\n  \"counters\": {");
	for (i = 0; i < FT_CNT_MAX; i++)
		fprintf(f, "%s\n    \"%s\": %" PRIu64, i == 0 ? "" : ",", ft_engine_counter_name(i),
				st->cnt[i]);
	for (i = 0; i < FT_PKT_STATUS_MAX; i++)
		fprintf(f, ",\n    \"%s\": %" PRIu64, ft_pkt_status_counter(i), st->pkt[i]);
	fprintf(f,
			",\n    \"flows_tracked\": %" PRIu64 ",\n    \"flows_peak\": %" PRIu64
			",\n    \"table_bytes\": %" PRIu64 "\n  },\n  \"gauges\": {",
			st->flows, st->flows_peak, table_bytes);
	json_state_rows(f, st->gauge);
	fprintf(f, "\n  },\n  \"peaks\": {");
	json_state_rows(f, st->peak);
	fprintf(f, "\n  },\n  \"ends\": {");
	for (i = 0; i < FT_END_HOW_MAX; i++) {
		if (i == FT_END_TIMEOUT)
			continue;
		fprintf(f, "%s\"%s\": %" PRIu64, i == 0 ? "" : ", ", ft_engine_how_word(i),
				st->ends[i]);
	}
	for (i = 0; i < FT_TCP_STATE_MAX; i++)
		if (st->ends_timeout[i] != 0)
			fprintf(f, ", \"timeout_%s\": %" PRIu64, ft_tcp_state_name(i),
					st->ends_timeout[i]);
	fprintf(f, "},\n  \"flows\": [");
	for (i = 0; i < n; i++)
		ft_engine_foreach_flow(e[i], report_flow, &l);
	/* Tenant contexts, only when there are any: plain traffic's report is unchanged. */
	if (l.ctx != NULL && ft_ctx_count(l.ctx) != 0) {
		uint32_t ctx;

		fprintf(f, "%s],\n  \"contexts\": [", l.n == 0 ? "" : "\n  ");
		for (ctx = 1; ctx <= ft_ctx_count(l.ctx); ctx++) {
			struct ft_ctx_key k;
			char t[64], id[256];

			if (ft_ctx_get(l.ctx, ctx, &k) != 0)
				continue;
			fprintf(f, "%s\n    {\"ctx\":%" PRIu32 ",\"tunnel\":\"%s\",\"id\":\"%s\"}",
					ctx == 1 ? "" : ",", ctx,
					ft_ctx_tunnel_str(&k, t, sizeof(t)),
					ft_ctx_id_str(&k, id, sizeof(id)));
		}
		fprintf(f, "\n  ]\n}\n");
		return ferror(f) ? -EIO : 0;
	}
	fprintf(f, "%s]\n}\n", l.n == 0 ? "" : "\n  ");
	return ferror(f) ? -EIO : 0;
}

/*
 * The diagnosis of each state. A state is reported when the endpoints counted
 * by its measure reach the configured threshold ([diagnosis] STATE): a pile,
 * not one connection cut off by the end of a capture.
 */
struct diag_rule {
	unsigned int state;
	unsigned int measure;
	const char *meaning;
	const char *brief;
};

static const struct diag_rule diag_rules[] = {
#define FT_DIAG_RULE(state, measure, meaning, brief) \
	{ FT_TCP_##state, FT_DIAG_##measure, meaning, brief },
	FT_DIAG_LIST(FT_DIAG_RULE)
#undef FT_DIAG_RULE
};

const unsigned int ft_diag_states[] = {
#define FT_DIAG_STATE(state, measure, meaning, brief) FT_TCP_##state,
	FT_DIAG_LIST(FT_DIAG_STATE)
#undef FT_DIAG_STATE
};

const unsigned int ft_diag_nstates = RTE_DIM(ft_diag_states);

static const struct diag_rule *
diag_rule(unsigned int state)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(diag_rules); i++)
		if (diag_rules[i].state == state)
			return &diag_rules[i];
	return NULL;
}

const char *
ft_output_advice(unsigned int state, int brief)
{
	const struct diag_rule *d = diag_rule(state);

	if (d == NULL)
		return "";
	return brief ? d->brief : d->meaning;
}

unsigned int
ft_output_diag_measure(unsigned int state)
{
	const struct diag_rule *d = diag_rule(state);

	return d != NULL ? d->measure : FT_DIAG_PILE;
}

struct snapshot_walk {
	struct ft_snapshot *s;
	uint64_t min_age_ns;
};

static void
snapshot_flow(void *arg, const struct ft_flow_info *fi)
{
	struct snapshot_walk *w = arg;
	unsigned int r;

	if (fi->held) {
		w->s->held++;
		return;
	}
	w->s->open[fi->state[0]][fi->state[1]]++;
	for (r = 0; r < 2; r++)
		if (fi->state[r] != FT_TCP_CLOSED && fi->in_state_ns[r] >= w->min_age_ns)
			w->s->aged[r][fi->state[r]]++;
}

void
ft_output_snapshot(struct ft_snapshot *s, struct ft_engine *const *e, unsigned int n,
		uint64_t min_age_ns)
{
	struct snapshot_walk w = { .s = s, .min_age_ns = min_age_ns };
	struct ft_engine_stats sum;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	ft_engine_stats_sum(&sum, e, n);
	memcpy(s->gauge, sum.gauge, sizeof(s->gauge));
	memcpy(s->expired, sum.expired, sizeof(s->expired));
	s->flows = sum.flows;
	for (i = 0; i < n; i++) {
		if (ft_engine_now(e[i]) > s->ts_ns)
			s->ts_ns = ft_engine_now(e[i]);
		ft_engine_foreach_flow(e[i], snapshot_flow, &w);
	}
}

uint64_t
ft_output_diag_count(unsigned int s, unsigned int r, const struct ft_engine_stats *st,
		const struct ft_snapshot *at_end)
{
	switch (ft_output_diag_measure(s)) {
	case FT_DIAG_AT_ONCE:
		return (uint64_t)st->peak[r][s];
	case FT_DIAG_ENTERED:
		return st->entered[r][s];
	default:
		/* Timeouts after the end (--drain) are extrapolated, not seen: left out. */
		return at_end->expired[r][s] + at_end->aged[r][s];
	}
}

/* What the diagnosis counted, in words ("timed out in CLOSE_WAIT or sat in it 30 s or more"). */
static void
measure_text(unsigned int s, const struct ft_app_cfg *cfg, char *buf, size_t len)
{
	char age[32];

	switch (ft_output_diag_measure(s)) {
	case FT_DIAG_AT_ONCE:
		snprintf(buf, len, "in %s at the same time", ft_tcp_state_name(s));
		break;
	case FT_DIAG_ENTERED:
		snprintf(buf, len, "went through %s", ft_tcp_state_name(s));
		break;
	default:
		snprintf(age, sizeof(age), "%.3f", cfg->diag_min_age_ms / 1000.0);
		while (strchr(age, '.') != NULL &&
				(age[strlen(age) - 1] == '0' || age[strlen(age) - 1] == '.'))
			age[strlen(age) - 1] = '\0';
		snprintf(buf, len, "timed out in %s or sat in it %s s or more",
				ft_tcp_state_name(s), age);
		break;
	}
}

struct open_pair {
	unsigned int c, s;
	uint64_t n;
};

static int
open_pair_cmp(const void *a, const void *b)
{
	const struct open_pair *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return x->c != y->c ? (int)x->c - (int)y->c : (int)x->s - (int)y->s;
}

/* The flows still open at the end of a trace (or at a live stop), by state pair. */
static void
summary_open(FILE *f, const struct ft_run *ri)
{
	struct open_pair pairs[FT_TCP_STATE_MAX * FT_TCP_STATE_MAX];
	unsigned int c, s, n = 0, i;
	uint64_t total = 0;

	for (c = 0; c < FT_TCP_STATE_MAX; c++)
		for (s = 0; s < FT_TCP_STATE_MAX; s++)
			if (ri->at_end.open[c][s] != 0) {
				pairs[n].c = c;
				pairs[n].s = s;
				pairs[n++].n = ri->at_end.open[c][s];
				total += ri->at_end.open[c][s];
			}
	if (ri->trace != NULL)
		fprintf(f, "\nStill open at the end of the trace: %" PRIu64 " flow%s%s\n", total,
				total == 1 ? "" : "s",
				total == 0 ? "" :
						ri->drained_to_ns != 0 ?
					     " (--drain then ran their timers out)" :
					     " (the capture ended before they closed)");
	else
		fprintf(f, "\nStill open at stop: %" PRIu64 " flow%s\n", total,
				total == 1 ? "" : "s");
	if (n != 0) {
		qsort(pairs, n, sizeof(pairs[0]), open_pair_cmp);
		fprintf(f, "  %-12s %-12s %10s\n", "client", "server", "flows");
		for (i = 0; i < n; i++)
			fprintf(f, "  %-12s %-12s %10" PRIu64 "\n", ft_tcp_state_name(pairs[i].c),
					ft_tcp_state_name(pairs[i].s), pairs[i].n);
	}
	if (ri->at_end.held != 0)
		fprintf(f, "  and %" PRIu64 " flow%s closed by RST, held against late packets\n",
				ri->at_end.held, ri->at_end.held == 1 ? "" : "s");
}

void
ft_output_summary(FILE *f, const struct ft_app_cfg *cfg, const struct ft_engine_stats *st,
		const struct ft_run *ri)
{
	int replay = ri->trace != NULL;
	uint64_t malformed = 0, findings = 0;
	unsigned int i, r;

	for (i = FT_PKT_FIRST_ERROR; i < FT_PKT_STATUS_MAX; i++)
		malformed += st->pkt[i];
	if (replay)
		fprintf(f, "fintrack replay of %s\n", ri->trace);
	else
		fprintf(f, "fintrack live: per-state summary at stop\n");
	fprintf(f,
			"  packets %" PRIu64 " (TCP %" PRIu64 ", not tracked %" PRIu64
			", malformed %" PRIu64 ")",
			ri->packets, st->pkt[FT_PKT_TCP],
			st->pkt[FT_PKT_NOT_IP] + st->pkt[FT_PKT_NOT_TCP] + st->pkt[FT_PKT_FRAGMENT],
			malformed);
	if (replay)
		fprintf(f, ", trace time %.3f s",
				ri->packets ? (double)(ri->last_ns - ri->first_ns) / 1e9 : 0.0);
	if (ri->drained_to_ns != 0)
		fprintf(f, ", drained %.3f s past the last packet",
				(double)(ri->drained_to_ns - ri->last_ns) / 1e9);
	fprintf(f,
			"\n  flows: created %" PRIu64 ", ended %" PRIu64 ", evicted %" PRIu64
			", refused %" PRIu64 ", picked up %" PRIu64
			", tracked at last packet %" PRIu64 ", now %" PRIu64 ", peak %" PRIu64
			"\n\n",
			st->cnt[FT_CNT_FLOWS_CREATED], st->cnt[FT_CNT_FLOWS_ENDED],
			st->cnt[FT_CNT_FLOWS_EVICTED], st->cnt[FT_CNT_TABLE_FULL],
			st->cnt[FT_CNT_PICKUPS], ri->at_end.flows, st->flows, st->flows_peak);
	{
		char full[1024];

		if (ft_output_table_full(st, &cfg->engine, !replay, full, sizeof(full)) != 0)
			fprintf(f, "Flow table full: %s.\n\n", full);
	}

	fprintf(f, "%-12s %21s %21s %21s %21s\n", "State", "at last packet", "now", "peak",
			"timed out");
	fprintf(f, "%-12s %10s %10s %10s %10s %10s %10s %10s %10s\n", "", "client", "server",
			"client", "server", "client", "server", "client", "server");
	for (i = 0; i < RTE_DIM(state_order); i++) {
		unsigned int s = state_order[i];

		fprintf(f,
				"%-12s %10" PRId64 " %10" PRId64 " %10" PRId64 " %10" PRId64
				" %10" PRId64 " %10" PRId64 " %10" PRIu64 " %10" PRIu64 "\n",
				ft_tcp_state_name(s), ri->at_end.gauge[0][s],
				ri->at_end.gauge[1][s], st->gauge[0][s], st->gauge[1][s],
				st->peak[0][s], st->peak[1][s], st->expired[0][s],
				st->expired[1][s]);
	}

	fprintf(f, "\nFlow ends\n");
	for (i = 0; i < FT_END_HOW_MAX; i++)
		if (i != FT_END_TIMEOUT)
			fprintf(f, "  %-22s %10" PRIu64 "\n", ft_engine_how_word(i), st->ends[i]);
	for (i = 0; i < FT_TCP_STATE_MAX; i++)
		if (st->ends_timeout[i] != 0) {
			char w[32];

			snprintf(w, sizeof(w), "timeout_%s", ft_tcp_state_name(i));
			fprintf(f, "  %-22s %10" PRIu64 "\n", w, st->ends_timeout[i]);
		}

	summary_open(f, ri);

	if (st->cnt[FT_CNT_ONE_SIDED_TIMEOUTS] != 0)
		fprintf(f,
				"\nOne-sided flows (one direction seen, as behind a direct-server-return "
				"load balancer)\n  %" PRIu64
				" ended on a timeout: their unseen side's states are inferred, and its "
				"silence is not diagnosed as a leak.\n",
				st->ends[FT_END_ONE_SIDED]);

	fprintf(f, "\nDiagnosis\n");
	for (i = 0; i < RTE_DIM(diag_rules); i++) {
		const struct diag_rule *d = &diag_rules[i];

		for (r = 0; r < 2; r++) {
			uint64_t n = ft_output_diag_count(d->state, r, st, &ri->at_end);
			char measure[96];

			if (cfg->diag[d->state] == 0 || n < cfg->diag[d->state])
				continue;
			measure_text(d->state, cfg, measure, sizeof(measure));
			fprintf(f,
					"  %-10s %" PRIu64 " %s endpoints %s (threshold %" PRIu64
					"): %s.\n",
					ft_tcp_state_name(d->state), n, ft_engine_role_name(r),
					measure, cfg->diag[d->state], d->meaning);
			findings++;
		}
	}
	if (findings == 0)
		fprintf(f,
				"  nothing piles up: no state reached its threshold ([diagnosis], "
				"--diag).\n");
	if (malformed != 0) {
		fprintf(f, "\nMalformed packets (forwarded, not tracked)\n");
		for (i = FT_PKT_FIRST_ERROR; i < FT_PKT_STATUS_MAX; i++)
			if (st->pkt[i] != 0)
				fprintf(f, "  %-60s %10" PRIu64 "\n", ft_pkt_status_desc(i),
						st->pkt[i]);
	}
	fprintf(f, "\nCounters\n");
	for (i = 0; i < FT_CNT_MAX; i++)
		if (st->cnt[i] != 0 && i != FT_CNT_RX_BYTES)
			fprintf(f, "  %-70s %12" PRIu64 "\n", ft_engine_counter_desc(i),
					st->cnt[i]);
}

/* The tenant contexts seen, if any: the first few with their tunnel and identity. */
static void
summary_contexts(FILE *f, const struct ft_ctx_map *m)
{
	uint32_t count = m != NULL ? ft_ctx_count(m) : 0, ctx;

	if (count == 0)
		return;
	fprintf(f,
			"\nTunnels: %" PRIu32
			" tenant context%s (the report's \"contexts\" lists them)\n",
			count, count == 1 ? "" : "s");
	for (ctx = 1; ctx <= count && ctx <= 8; ctx++) {
		struct ft_ctx_key k;
		char t[64], id[256];

		if (ft_ctx_get(m, ctx, &k) == 0)
			fprintf(f, "  ctx %-6" PRIu32 " %-14s %s\n", ctx,
					ft_ctx_tunnel_str(&k, t, sizeof(t)),
					ft_ctx_id_str(&k, id, sizeof(id)));
	}
	if (count > 8)
		fprintf(f, "  and %" PRIu32 " more\n", count - 8);
}

int
ft_output_finish(const struct ft_app_cfg *cfg, struct ft_engine *const *e, unsigned int n,
		const struct ft_run *run)
{
	FILE *report;

	if (!cfg->quiet) {
		struct ft_engine_stats sum;

		ft_engine_stats_sum(&sum, e, n);
		ft_output_summary(stdout, cfg, &sum, run);
		if (n != 0)
			summary_contexts(stdout, ft_engine_ctx_map(e[0]));
	}
	if (cfg->report == NULL)
		return 0;
	report = ft_output_open("--report", cfg->report);
	if (report == NULL)
		return -EIO;
	if (ft_output_report(report, e, n) != 0) {
		ft_output_close("--report", cfg->report, report);
		return -EIO;
	}
	return ft_output_close("--report", cfg->report, report);
}
