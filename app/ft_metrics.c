/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "ft_common.h"
#include "ft_ipfix.h"
#include "ft_live.h"
#include "ft_metrics.h"
#include "ft_output.h"
#include "ft_tally.h"

#define CT_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define CT_OM	"application/openmetrics-text; version=1.0.0; charset=utf-8"

static struct MHD_Daemon *daemon_;
static struct ft_live *m_live;

/* The text being written: grows as needed; err once out of memory. */
struct text {
	char *p;
	size_t len, cap;
	int err;
	int om; /* OpenMetrics 1.0, else the Prometheus text format 0.0.4. */
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->err)
		return;
	for (;;) {
		size_t room = t->cap - t->len;

		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->err = 1;
			return;
		}
		if ((size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		char *q = realloc(t->p, t->cap * 2 + (size_t)n);

		if (q == NULL) {
			t->err = 1;
			return;
		}
		t->p = q;
		t->cap = t->cap * 2 + (size_t)n;
	}
}

/*
 * "# HELP" and "# TYPE" of a family. name is the family's name; a counter's
 * samples are name_total, which the text format 0.0.4 also calls the family.
 */
static void
family(struct text *t, const char *name, const char *type, const char *help)
{
	const char *sfx = !t->om && strcmp(type, "counter") == 0 ? "_total" : "";
	const char *c;

	put(t, "# HELP %s%s ", name, sfx);
	for (c = help; *c != '\0'; c++) {
		if (*c == '\\')
			put(t, "\\\\");
		else if (*c == '\n')
			put(t, "\\n");
		else if (*c == '"' && t->om)
			put(t, "\\\"");
		else
			put(t, "%c", *c);
	}
	put(t, "\n# TYPE %s%s %s\n", name, sfx, type);
}

static double
tsc_seconds(const struct ft_live *live, uint64_t tsc)
{
	return (double)tsc / (double)live->tsc_hz;
}

/* The states operators read, as ft_output lists them. */
static const unsigned int states[] = {
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

static void
endpoint_metrics(struct text *t, struct ft_live *live, const struct ft_engine_stats *sum)
{
	unsigned int w, r, i;

	family(t, "fintrack_endpoints", "gauge",
			"TCP endpoints per close state and role, per worker, as ss would show them "
			"on each endpoint");
	for (w = 0; w < live->nworkers; w++) {
		const struct ft_engine_stats *st = ft_engine_stats(live->engines[w]);

		for (r = 0; r < 2; r++)
			for (i = 0; i < RTE_DIM(states); i++)
				put(t,
						"fintrack_endpoints{worker=\"%u\",role=\"%s\",state="
						"\"%s\"} %" PRId64 "\n",
						w, ft_engine_role_name(r),
						ft_tcp_state_name(states[i]),
						RTE_MAX(st->gauge[r][states[i]], (int64_t)0));
	}
	family(t, "fintrack_state_entries", "counter", "endpoints that entered each state");
	for (r = 0; r < 2; r++)
		for (i = 0; i < RTE_DIM(states); i++)
			put(t, "fintrack_state_entries_total{role=\"%s\",state=\"%s\"} %" PRIu64 "\n",
					ft_engine_role_name(r), ft_tcp_state_name(states[i]),
					sum->entered[r][states[i]]);
	family(t, "fintrack_state_timeouts", "counter",
			"endpoints whose timer expired in each state (then CLOSED)");
	for (r = 0; r < 2; r++)
		for (i = 0; i < RTE_DIM(states); i++)
			if (states[i] != FT_TCP_CLOSED)
				put(t,
						"fintrack_state_timeouts_total{role=\"%s\",state=\"%s\"} "
						"%" PRIu64 "\n",
						ft_engine_role_name(r),
						ft_tcp_state_name(states[i]),
						sum->expired[r][states[i]]);
	family(t, "fintrack_flow_ends", "counter",
			"flows ended, by how: fin, simultaneous, rst_client, rst_server, evicted, "
			"timeout_<STATE> (the state whose timer ended it)");
	for (i = 0; i < FT_END_HOW_MAX; i++)
		if (i != FT_END_TIMEOUT)
			put(t, "fintrack_flow_ends_total{how=\"%s\"} %" PRIu64 "\n",
					ft_engine_how_word(i), sum->ends[i]);
	for (i = 0; i < RTE_DIM(states); i++)
		if (states[i] != FT_TCP_CLOSED)
			put(t, "fintrack_flow_ends_total{how=\"timeout_%s\"} %" PRIu64 "\n",
					ft_tcp_state_name(states[i]), sum->ends_timeout[states[i]]);
}

static void
table_metrics(struct text *t, struct ft_live *live, const struct ft_engine_stats *sum)
{
	unsigned int w, i;

	family(t, "fintrack_flows", "gauge", "flows tracked, per worker");
	for (w = 0; w < live->nworkers; w++)
		put(t, "fintrack_flows{worker=\"%u\"} %" PRIu64 "\n", w,
				ft_engine_stats(live->engines[w])->flows);
	family(t, "fintrack_flows_capacity", "gauge",
			"flow table capacity per worker and address family");
	for (w = 0; w < live->nworkers; w++) {
		const struct ft_engine_conf *c = ft_engine_conf(live->engines[w]);

		put(t, "fintrack_flows_capacity{worker=\"%u\",family=\"ipv4\"} %u\n", w,
				c->max_flows);
		put(t, "fintrack_flows_capacity{worker=\"%u\",family=\"ipv6\"} %u\n", w,
				c->max_flows_v6);
	}
	/* Every engine counter, evictions and refusals among them. */
	for (i = 0; i < FT_CNT_MAX; i++) {
		char name[96];

		snprintf(name, sizeof(name), "fintrack_%s", ft_engine_counter_name(i));
		family(t, name, "counter", ft_engine_counter_desc(i));
		put(t, "%s_total %" PRIu64 "\n", name, sum->cnt[i]);
	}
	family(t, "fintrack_packets", "counter",
			"packets by what the parser made of them: tcp, not_ip, not_tcp, fragment, "
			"or malformed by reason (err_*)");
	for (i = 0; i < FT_PKT_STATUS_MAX; i++)
		put(t, "fintrack_packets_total{result=\"%s\"} %" PRIu64 "\n",
				ft_pkt_status_counter(i) + 4, sum->pkt[i]);
}

static void
port_metrics(struct text *t, struct ft_live *live)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
		{ "fintrack_port_rx_packets", "packets received on the port by the workers" },
		{ "fintrack_port_tx_packets", "packets sent out of the port" },
		{ "fintrack_port_tx_dropped", "packets the port refused to send (freed)" },
		{ "fintrack_port_rx_missed", "packets the NIC dropped for lack of room (imissed)" },
		{ "fintrack_port_rx_errors", "erroneous packets the NIC received (ierrors)" },
		{ "fintrack_port_rx_nombuf", "RX mbuf allocation failures (rx_nombuf)" },
	};
	uint64_t v[RTE_DIM(fam)][RTE_MAX_ETHPORTS];
	unsigned int i, w, k;

	memset(v, 0, sizeof(v));
	for (i = 0; i < live->nports; i++) {
		uint16_t p = live->ports[i];
		struct rte_eth_stats es;

		for (w = 0; w < live->nworkers; w++) {
			const struct ft_worker_port *wp = &live->workers[w]->port[p];

			v[0][p] += wp->rx;
			v[1][p] += wp->tx - wp->tx_dropped;
			v[2][p] += wp->tx_dropped;
		}
		memset(&es, 0, sizeof(es));
		rte_eth_stats_get(p, &es);
		v[3][p] = es.imissed;
		v[4][p] = es.ierrors;
		v[5][p] = es.rx_nombuf;
	}
	for (k = 0; k < RTE_DIM(fam); k++) {
		family(t, fam[k].name, "counter", fam[k].help);
		for (i = 0; i < live->nports; i++)
			put(t, "%s_total{port=\"%u\"} %" PRIu64 "\n", fam[k].name, live->ports[i],
					v[k][live->ports[i]]);
	}
}

static void
worker_metrics(struct text *t, struct ft_live *live)
{
	uint64_t ev = 0, steer = 0, mal = 0;
	unsigned int w;

	family(t, "fintrack_worker_busy_seconds", "counter",
			"seconds of polling loops that found work (rate over busy plus idle: the "
			"busy share)");
	for (w = 0; w < live->nworkers; w++)
		put(t, "fintrack_worker_busy_seconds_total{worker=\"%u\",lcore=\"%u\"} %.6f\n", w,
				live->workers[w]->lcore,
				tsc_seconds(live, live->workers[w]->busy_tsc));
	family(t, "fintrack_worker_idle_seconds", "counter",
			"seconds of polling loops that found nothing");
	for (w = 0; w < live->nworkers; w++)
		put(t, "fintrack_worker_idle_seconds_total{worker=\"%u\",lcore=\"%u\"} %.6f\n", w,
				live->workers[w]->lcore,
				tsc_seconds(live, live->workers[w]->idle_tsc));
	family(t, "fintrack_worker_busy_ratio", "gauge",
			"share of a worker's cycles spent on work since it started");
	for (w = 0; w < live->nworkers; w++) {
		const struct ft_worker *wk = live->workers[w];
		uint64_t all = wk->busy_tsc + wk->idle_tsc;

		put(t, "fintrack_worker_busy_ratio{worker=\"%u\",lcore=\"%u\"} %.6f\n", w,
				wk->lcore, all ? (double)wk->busy_tsc / (double)all : 0.0);
	}
	family(t, "fintrack_worker_packets", "counter", "packets a worker handled");
	for (w = 0; w < live->nworkers; w++)
		put(t, "fintrack_worker_packets_total{worker=\"%u\"} %" PRIu64 "\n", w,
				live->workers[w]->pkts);
	for (w = 0; w < live->nworkers; w++) {
		ev += live->workers[w]->events_dropped;
		steer += live->workers[w]->steer_dropped;
		mal += live->workers[w]->malformed_dropped;
	}
	family(t, "fintrack_events_dropped", "counter",
			"events and flow-end records lost because a worker's event ring was full");
	put(t, "fintrack_events_dropped_total %" PRIu64 "\n", ev);
	family(t, "fintrack_steer_dropped", "counter",
			"packets lost because a steering ring between workers was full");
	put(t, "fintrack_steer_dropped_total %" PRIu64 "\n", steer);
	family(t, "fintrack_malformed_dropped", "counter",
			"malformed packets dropped (--malformed drop)");
	put(t, "fintrack_malformed_dropped_total %" PRIu64 "\n", mal);
	if (live->gwlb) {
		unsigned int c;

		family(t, "fintrack_gwlb_packets", "counter",
				"gwlb mode: packets by what became of them: path returned (to the "
				"load balancer), to_kernel, from_kernel or dropped");
		/* The path is the counter's name without its "gwlb_". */
		for (c = 0; c < FT_GWLB_CNT_MAX; c++)
			put(t, "fintrack_gwlb_packets_total{path=\"%s\"} %" PRIu64 "\n",
					ft_live_gwlb_cnt_name(c) + strlen("gwlb_"),
					ft_live_gwlb_count(live, c));
	}
	if (live->ipfix != NULL) {
		const struct ft_ipfix_stats *xs = ft_ipfix_stats(live->ipfix);

		family(t, "fintrack_ipfix_records", "counter", "IPFIX flow-end records sent");
		put(t, "fintrack_ipfix_records_total %" PRIu64 "\n", xs->records);
		family(t, "fintrack_ipfix_send_errors", "counter",
				"IPFIX messages the socket refused (their records are lost)");
		put(t, "fintrack_ipfix_send_errors_total %" PRIu64 "\n", xs->send_errors);
	}
}

/* The diagnosis: thresholds, and the hosts holding most endpoints per diagnosed state. */
static void
diagnosis_metrics(struct text *t, struct ft_live *live)
{
	struct ft_diag_tally dt;
	unsigned int i, k;
	uint64_t t0;

	family(t, "fintrack_diagnosis_threshold", "gauge",
			"endpoints of a state's pile at which the diagnosis warns (0: not diagnosed)");
	for (i = 0; i < ft_diag_nstates; i++)
		put(t, "fintrack_diagnosis_threshold{state=\"%s\"} %" PRIu64 "\n",
				ft_tcp_state_name(ft_diag_states[i]),
				live->cfg->diag[ft_diag_states[i]]);
	if (live->cfg->metrics_top == 0 || ft_diag_tally_init(&dt) != 0)
		return;
	t0 = rte_rdtsc();
	/* Counted as the diagnosis counts a pile: in a closing state for min_age or more. */
	ft_diag_tally_walk(&dt, live->engines, live->nworkers, FT_METRICS_READER,
			(uint64_t)live->cfg->diag_min_age_ms * FT_NS_PER_MSEC, 0);
	family(t, "fintrack_top_endpoints", "gauge",
			"the hosts holding the most endpoints of each diagnosed state's pile "
			"(clients by address, servers by address:port), at most [metrics] top per "
			"state");
	for (i = 0; i < ft_diag_nstates; i++)
		for (k = 0; k < live->cfg->metrics_top; k++) {
			const struct ft_tally_ent *ent;
			char host[80];
			uint64_t n;

			ent = ft_tally_pop_top(&dt.t[i], &n);
			if (ent == NULL)
				break;
			ft_tally_host_str(ent, host, sizeof(host));
			put(t,
					"fintrack_top_endpoints{state=\"%s\",role=\"%s\",endpoint=\"%s\"} "
					"%" PRIu64 "\n",
					ft_tcp_state_name(ft_diag_states[i]),
					ft_engine_role_name(ent->role), host, n);
		}
	ft_diag_tally_free(&dt);
	family(t, "fintrack_top_endpoints_walk_seconds", "gauge",
			"time the last walk of the flow slots for fintrack_top_endpoints took");
	put(t, "fintrack_top_endpoints_walk_seconds %.6f\n", tsc_seconds(live, rte_rdtsc() - t0));
}

char *
ft_metrics_text(struct ft_live *live, int openmetrics, size_t *len)
{
	struct text t = { .cap = 65536, .om = openmetrics };
	struct ft_engine_stats sum;

	t.p = malloc(t.cap);
	if (t.p == NULL)
		return NULL;
	ft_engine_stats_sum(&sum, live->engines, live->nworkers);
	family(&t, "fintrack_info", "gauge", "fintrack's mode and steering (value 1)");
	put(&t, "fintrack_info{mode=\"live\",steering=\"%s\"} 1\n", ft_live_steering_name(live));
	family(&t, "fintrack_start_time_seconds", "gauge", "when fintrack started (Unix time)");
	put(&t, "fintrack_start_time_seconds %.3f\n", (double)live->epoch_ns / 1e9);
	family(&t, "fintrack_workers", "gauge", "worker lcores");
	put(&t, "fintrack_workers %u\n", live->nworkers);
	endpoint_metrics(&t, live, &sum);
	table_metrics(&t, live, &sum);
	port_metrics(&t, live);
	worker_metrics(&t, live);
	diagnosis_metrics(&t, live);
	if (t.om)
		put(&t, "# EOF\n");
	if (t.err) {
		free(t.p);
		return NULL;
	}
	*len = t.len;
	return t.p;
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned int status, const char *type, char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
		const char *version, const char *upload, size_t *upload_len, void **state)
{
	const char *accept;
	char *body;
	size_t len;
	int om;

	RTE_SET_USED(cls);
	RTE_SET_USED(version);
	RTE_SET_USED(upload);
	RTE_SET_USED(upload_len);
	RTE_SET_USED(state);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", strdup("GET only\n"), 9);
	if (strcmp(url, "/metrics") != 0) {
		body = strdup("fintrack: metrics are at /metrics\n");
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", body, body ? strlen(body) : 0);
	}
	accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	om = accept != NULL && strstr(accept, "application/openmetrics-text") != NULL;
	body = ft_metrics_text(m_live, om, &len);
	if (body == NULL)
		return MHD_NO;
	return reply(c, MHD_HTTP_OK, om ? CT_OM : CT_TEXT, body, len);
}

int
ft_metrics_start(struct ft_live *live)
{
	const struct ft_app_cfg *cfg = live->cfg;
	struct sockaddr_in6 sa6;
	struct sockaddr_in sa4;
	struct sockaddr *sa;
	unsigned int flags = MHD_USE_ERROR_LOG, w;

	if (cfg->metrics_port == 0)
		return 0;
	memset(&sa4, 0, sizeof(sa4));
	memset(&sa6, 0, sizeof(sa6));
	if (inet_pton(AF_INET, cfg->metrics_addr, &sa4.sin_addr) == 1) {
		sa4.sin_family = AF_INET;
		sa4.sin_port = htons(cfg->metrics_port);
		sa = (struct sockaddr *)&sa4;
	} else {
		inet_pton(AF_INET6, cfg->metrics_addr, &sa6.sin6_addr);
		sa6.sin6_family = AF_INET6;
		sa6.sin6_port = htons(cfg->metrics_port);
		sa = (struct sockaddr *)&sa6;
		flags |= MHD_USE_IPv6;
	}
	m_live = live;
	for (w = 0; w < live->nworkers; w++)
		ft_flow_table_reader_register(ft_engine_table(live->engines[w]), FT_METRICS_READER);
	/* No threading flag: the daemon runs only when the control lcore calls MHD_run(). */
	daemon_ = MHD_start_daemon(flags, cfg->metrics_port, NULL, NULL, on_request, NULL,
			MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
			MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_END);
	if (daemon_ == NULL) {
		fprintf(stderr,
				"fintrack: --metrics-address %s --metrics-port %u: cannot listen "
				"there (address not local, or port in use)\n",
				cfg->metrics_addr, cfg->metrics_port);
		ft_metrics_stop();
		return -EADDRINUSE;
	}
	printf("fintrack: metrics at http://%s%s%s:%u/metrics\n", sa == (void *)&sa6 ? "[" : "",
			cfg->metrics_addr, sa == (void *)&sa6 ? "]" : "", cfg->metrics_port);
	fflush(stdout);
	return 0;
}

void
ft_metrics_poll(void)
{
	if (daemon_ != NULL)
		MHD_run(daemon_);
}

void
ft_metrics_stop(void)
{
	unsigned int w;

	if (daemon_ != NULL)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
	if (m_live != NULL)
		for (w = 0; w < m_live->nworkers; w++)
			ft_flow_table_reader_unregister(ft_engine_table(m_live->engines[w]),
					FT_METRICS_READER);
	m_live = NULL;
}
