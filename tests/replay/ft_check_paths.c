/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * Checks that the established fast path changes nothing: every trace is
 * replayed through two engines configured alike except for conf.fast_path
 * (1 and 0), and their event streams must be the same byte for byte and
 * their statistics the same counter for counter.
 *
 *   ft-check-paths [EAL options] -- [--max-flows N] [--max-flows-v6 N]
 *                  [--skip-missing] PATH...
 *
 * A PATH is a pcap file or a folder, searched recursively for *.pcap files.
 * Traces of a link type other than Ethernet are skipped with a message. Both
 * engines get the frames as the replay does: bursts of up to 32 packets of
 * the same wheel tick, the timers run up to each burst's time before it, and
 * the engines drained at the end. Both are audited after every burst. The
 * tables hold 16384 IPv4 and 4096 IPv6 flows unless --max-flows and
 * --max-flows-v6 say otherwise (a small table makes both engines evict).
 *
 * With --skip-missing, a PATH that does not exist is skipped, and the exit
 * status is 77 (skip) if no trace was checked at all; without it, no trace to
 * check is a failure.
 *
 * Exit status: 0 all the same, 1 a difference or a failed check, 2 usage,
 * 77 skipped. FT_CHECK_PATHS_SELFTEST=1 in the environment alters one event
 * of the general-path engine of every trace with events, to see the check fail.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "ft_common.h"
#include "ft_engine.h"
#include "ft_tcp.h"

#define BURST	  32
#define FRAME_MAX 65535
#define WHY_LEN	  256

#define EXIT_SAME  0
#define EXIT_DIFF  1
#define EXIT_USAGE 2
#define EXIT_SKIP  77

/* The raw bytes of the events one engine delivered, back to back. */
struct evbuf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int nomem;
};

/* One of the two engines under comparison. */
struct side {
	const char *label;
	struct ft_engine *e;
	struct evbuf ev;
};

/* The frames of one burst, copied out of libpcap's buffer. */
struct burst {
	uint8_t *arena;
	size_t room; /* Bytes per frame in the arena. */
	uint32_t n;
	const uint8_t *data[BURST];
	uint32_t cap[BURST];
	uint32_t wire[BURST];
};

/* The trace files to check, in order. */
struct file_list {
	char **path;
	size_t n;
	size_t cap;
};

static uint32_t opt_max_flows = 1u << 14;
static uint32_t opt_max_flows_v6 = 1u << 12;
static int opt_skip_missing;
static int selftest;
static struct file_list *walk_list;

static void
usage(const char *prog)
{
	fprintf(stderr,
			"usage: %s [EAL options] -- [--max-flows N] [--max-flows-v6 N] "
			"[--skip-missing] PATH...\n"
			"  PATH: a pcap file, or a folder searched recursively for *.pcap\n",
			prog);
}

static void
on_event(void *arg, const struct ft_event *ev)
{
	struct evbuf *b = arg;

	if (b->nomem)
		return;
	if (b->len + sizeof(*ev) > b->cap) {
		size_t cap = b->cap != 0 ? b->cap * 2 : sizeof(*ev) * 1024;
		uint8_t *d = realloc(b->data, cap);

		if (d == NULL) {
			b->nomem = 1;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ev, sizeof(*ev));
	b->len += sizeof(*ev);
}

static int
list_add(struct file_list *l, const char *path)
{
	if (l->n == l->cap) {
		size_t cap = l->cap != 0 ? l->cap * 2 : 64;
		char **p = realloc(l->path, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		l->path = p;
		l->cap = cap;
	}
	l->path[l->n] = strdup(path);
	if (l->path[l->n] == NULL)
		return -ENOMEM;
	l->n++;
	return 0;
}

static int
walk_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t len = strlen(path);

	RTE_SET_USED(st);
	RTE_SET_USED(ftw);
	if (type != FTW_F || len < 5 || strcmp(path + len - 5, ".pcap") != 0)
		return 0;
	return list_add(walk_list, path);
}

static int
path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Add the traces of one PATH argument: the file itself, or the *.pcap files
 * under a folder in name order.
 *
 * @return
 *   0, 1 if the path does not exist, or a negative errno.
 */
static int
collect(struct file_list *l, const char *path)
{
	struct stat st;
	size_t first = l->n;
	int ret;

	if (stat(path, &st) != 0)
		return errno == ENOENT ? 1 : -errno;
	if (!S_ISDIR(st.st_mode))
		return list_add(l, path);
	walk_list = l;
	ret = nftw(path, walk_visit, 16, FTW_PHYS);
	if (ret != 0)
		return ret < 0 ? -errno : ret;
	qsort(l->path + first, l->n - first, sizeof(*l->path), path_cmp);
	return 0;
}

static const char *
state_name(unsigned int s)
{
	return s < FT_TCP_STATE_MAX ? ft_tcp_state_name(s) : "?";
}

static void
endpoint_str(const struct ft_endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(ep->is_v6 ? AF_INET6 : AF_INET, ep->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, ep->is_v6 ? "[%s]:%u" : "%s:%u", a, ep->port);
}

/* Print one event of a stream, or that the stream has none at that index. */
static void
event_print(const char *label, const struct evbuf *b, size_t idx)
{
	struct ft_event ev;
	char c[64], s[64];

	if ((idx + 1) * sizeof(ev) > b->len) {
		printf("    %-8s (no event %zu: the stream has %zu)\n", label, idx,
				b->len / sizeof(ev));
		return;
	}
	memcpy(&ev, b->data + idx * sizeof(ev), sizeof(ev));
	endpoint_str(&ev.client, c, sizeof(c));
	endpoint_str(&ev.server, s, sizeof(s));
	if (ev.type == FT_EVENT_STATE)
		printf("    %-8s state ts %" PRIu64 ".%09" PRIu64 " flow %u %s -> %s role %s "
		       "from %s to %s cause %s\n",
				label, ev.ts_ns / FT_NS_PER_SEC, ev.ts_ns % FT_NS_PER_SEC,
				ev.flow_id, c, s,
				ev.role <= FT_ROLE_SERVER ? ft_engine_role_name(ev.role) : "?",
				state_name(ev.from), state_name(ev.to),
				ev.cause < FT_TCP_EV_MAX ? ft_tcp_event_cause(ev.cause) : "?");
	else
		printf("    %-8s end ts %" PRIu64 ".%09" PRIu64 " flow %u %s -> %s how %s (%s) "
		       "first_closer %s pkts %" PRIu64 "/%" PRIu64 " bytes %" PRIu64 "/%" PRIu64
		       " start %" PRIu64 " (role %u from %u to %u cause %u)\n",
				label, ev.ts_ns / FT_NS_PER_SEC, ev.ts_ns % FT_NS_PER_SEC,
				ev.flow_id, c, s,
				ev.how < FT_END_HOW_MAX ? ft_engine_how_word(ev.how) : "?",
				ev.how == FT_END_TIMEOUT ? state_name(ev.how_state) : "-",
				ev.first_closer <= FT_CLOSER_SERVER ?
						ft_engine_closer_word(ev.first_closer) :
						"?",
				ev.pkts[0], ev.pkts[1], ev.bytes[0], ev.bytes[1], ev.start_ns,
				ev.role, ev.from, ev.to, ev.cause);
	if (ev.type != FT_EVENT_STATE && ev.type != FT_EVENT_END)
		printf("    %-8s (unknown event type %d)\n", label, (int)ev.type);
}

/* Compare the event streams; print the first difference. Returns 0 if the same. */
static int
compare_events(const struct side *a, const struct side *b)
{
	size_t sz = sizeof(struct ft_event);
	size_t na = a->ev.len / sz, nb = b->ev.len / sz, i, n = RTE_MIN(na, nb);

	if (a->ev.len == b->ev.len &&
			(a->ev.len == 0 || memcmp(a->ev.data, b->ev.data, a->ev.len) == 0))
		return 0;
	for (i = 0; i < n; i++)
		if (memcmp(a->ev.data + i * sz, b->ev.data + i * sz, sz) != 0)
			break;
	printf("  events differ: %zu %s, %zu %s; first difference at event %zu:\n", na, a->label,
			nb, b->label, i);
	event_print(a->label, &a->ev, i);
	event_print(b->label, &b->ev, i);
	return -1;
}

static void
stat_diff(int *bad, const char *name, uint64_t a, uint64_t b)
{
	if (a == b)
		return;
	if (*bad == 0)
		printf("  statistics differ (fast path / general path):\n");
	*bad = 1;
	printf("    %s: %" PRIu64 " / %" PRIu64 "\n", name, a, b);
}

/* Compare every statistic of the two engines; print those that differ. */
static int
compare_stats(const struct side *a, const struct side *b)
{
	const struct ft_engine_stats *x = ft_engine_stats(a->e), *y = ft_engine_stats(b->e);
	char name[96];
	unsigned int i, r, s;
	int bad = 0;

	for (i = 0; i < FT_CNT_MAX; i++)
		stat_diff(&bad, ft_engine_counter_name(i), x->cnt[i], y->cnt[i]);
	for (i = 0; i < FT_PKT_STATUS_MAX; i++)
		stat_diff(&bad, ft_pkt_status_counter(i), x->pkt[i], y->pkt[i]);
	for (r = 0; r < 2; r++)
		for (s = 0; s < FT_TCP_STATE_MAX; s++) {
			const char *role = ft_engine_role_name(r), *st = ft_tcp_state_name(s);

			snprintf(name, sizeof(name), "gauge %s %s", role, st);
			stat_diff(&bad, name, (uint64_t)x->gauge[r][s], (uint64_t)y->gauge[r][s]);
			snprintf(name, sizeof(name), "peak %s %s", role, st);
			stat_diff(&bad, name, (uint64_t)x->peak[r][s], (uint64_t)y->peak[r][s]);
			snprintf(name, sizeof(name), "entered %s %s", role, st);
			stat_diff(&bad, name, x->entered[r][s], y->entered[r][s]);
			snprintf(name, sizeof(name), "expired %s %s", role, st);
			stat_diff(&bad, name, x->expired[r][s], y->expired[r][s]);
		}
	for (i = 0; i < FT_END_HOW_MAX; i++) {
		snprintf(name, sizeof(name), "ends %s", ft_engine_how_word(i));
		stat_diff(&bad, name, x->ends[i], y->ends[i]);
	}
	for (s = 0; s < FT_TCP_STATE_MAX; s++) {
		snprintf(name, sizeof(name), "ends_timeout %s", ft_tcp_state_name(s));
		stat_diff(&bad, name, x->ends_timeout[s], y->ends_timeout[s]);
	}
	stat_diff(&bad, "flows", x->flows, y->flows);
	stat_diff(&bad, "flows_peak", x->flows_peak, y->flows_peak);
	stat_diff(&bad, "table keys", ft_engine_table_count(a->e), ft_engine_table_count(b->e));
	stat_diff(&bad, "engine time", ft_engine_now(a->e), ft_engine_now(b->e));
	return bad ? -1 : 0;
}

static int
audit(const struct side *sd, uint64_t timers_ran_ns, const char *when, uint64_t pkts)
{
	char why[WHY_LEN];

	if (ft_engine_audit(sd->e, timers_ran_ns, why, sizeof(why)) == 0)
		return 0;
	printf("  %s engine: audit failed %s (after %" PRIu64 " packets, time %" PRIu64
	       " ns): %s\n",
			sd->label, when, pkts, ft_engine_now(sd->e), why);
	return -1;
}

static void
run_timers(struct ft_engine *e, uint64_t now)
{
	do
		ft_engine_tick(e, now);
	while (ft_engine_timers_pending(e, now));
}

/* Feed one burst to both engines at time now, timers first; audit both after. */
static int
flush_burst(struct side *sides, struct burst *b, uint64_t now, uint64_t pkts)
{
	unsigned int k;
	int ret = 0;

	if (b->n == 0)
		return 0;
	for (k = 0; k < 2; k++) {
		run_timers(sides[k].e, now);
		ft_engine_process_spans(sides[k].e, b->data, b->cap, b->wire, b->n, now);
		if (audit(&sides[k], 0, "after a burst", pkts) != 0)
			ret = -1;
	}
	b->n = 0;
	return ret;
}

/* Run every engine's timers to their end, slot by slot, as the replay's --drain does. */
static int
drain(struct side *sd, uint64_t last_ns, uint64_t pkts)
{
	uint64_t when = last_ns;

	run_timers(sd->e, last_ns);
	if (audit(sd, last_ns, "at the end of the trace", pkts) != 0)
		return -1;
	while (ft_engine_next_timer(sd->e, &when) == 0) {
		if (when < ft_engine_now(sd->e))
			when = ft_engine_now(sd->e);
		run_timers(sd->e, when);
	}
	if (audit(sd, ft_engine_now(sd->e), "after the drain", pkts) != 0)
		return -1;
	if (ft_engine_stats(sd->e)->flows != 0) {
		printf("  %s engine: %" PRIu64 " flows left after the drain\n", sd->label,
				ft_engine_stats(sd->e)->flows);
		return -1;
	}
	return 0;
}

static struct ft_engine *
engine_new(const char *name, uint8_t fast_path, struct evbuf *ev)
{
	struct ft_engine_conf conf;
	struct ft_engine *e;

	ft_engine_conf_init(&conf);
	conf.name = name;
	conf.socket_id = (int)rte_socket_id();
	conf.max_flows = opt_max_flows;
	conf.max_flows_v6 = opt_max_flows_v6;
	conf.fast_path = fast_path;
	conf.on_event = on_event;
	conf.event_arg = ev;
	e = ft_engine_create(&conf);
	if (e == NULL)
		printf("  cannot create the engine %s: %s\n", name, rte_strerror(rte_errno));
	return e;
}

/* Replay the trace through both engines. Returns 0, or -1 after saying why. */
static int
replay(pcap_t *pc, struct side *sides, uint64_t *packets)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct burst b;
	uint64_t tick_ns = ft_engine_tick_ns(sides[0].e);
	uint64_t burst_tick = 0, ts, last_ns = 0, n = 0;
	int ret, bad = 0;
	unsigned int k;

	b.room = FRAME_MAX;
	if (pcap_snapshot(pc) > FRAME_MAX)
		b.room = (size_t)pcap_snapshot(pc);
	b.n = 0;
	b.arena = malloc(b.room * BURST);
	if (b.arena == NULL) {
		printf("  out of memory\n");
		return -1;
	}
	while (!bad && (ret = pcap_next_ex(pc, &h, &data)) == 1) {
		ts = (uint64_t)h->ts.tv_sec * FT_NS_PER_SEC + (uint64_t)h->ts.tv_usec;
		/* A burst holds packets of one wheel tick: timers fire between bursts, in order. */
		if (b.n != 0 && (b.n == BURST || ts / tick_ns != burst_tick))
			bad |= flush_burst(sides, &b, last_ns, n);
		if (b.n == 0)
			burst_tick = ts / tick_ns;
		if (h->caplen > b.room) {
			uint8_t *arena;

			bad |= flush_burst(sides, &b, last_ns, n);
			arena = realloc(b.arena, (size_t)h->caplen * BURST);
			if (arena == NULL) {
				printf("  out of memory for a %u-byte frame\n", h->caplen);
				bad = 1;
				break;
			}
			b.arena = arena;
			b.room = h->caplen;
			burst_tick = ts / tick_ns;
		}
		memcpy(b.arena + b.room * b.n, data, h->caplen);
		b.data[b.n] = b.arena + b.room * b.n;
		b.cap[b.n] = h->caplen;
		b.wire[b.n] = RTE_MAX(h->len, h->caplen);
		b.n++;
		n++;
		last_ns = RTE_MAX(ts, last_ns);
	}
	if (!bad && ret == PCAP_ERROR) {
		printf("  read error after %" PRIu64 " packets: %s\n", n, pcap_geterr(pc));
		bad = 1;
	}
	if (!bad)
		bad |= flush_burst(sides, &b, last_ns, n);
	free(b.arena);
	*packets = n;
	for (k = 0; k < 2 && !bad; k++)
		bad |= drain(&sides[k], last_ns, n) != 0;
	for (k = 0; k < 2; k++)
		if (sides[k].ev.nomem) {
			printf("  out of memory for the events of the %s engine\n", sides[k].label);
			bad = 1;
		}
	return bad ? -1 : 0;
}

/* Check one trace. Returns 0 (same or skipped), 1 (not the same), -1 (failed). */
static int
check_trace(const char *path, unsigned int seq, int *checked)
{
	char err[PCAP_ERRBUF_SIZE], name[2][32];
	struct side sides[2] = {
		{ .label = "fast", .e = NULL },
		{ .label = "general", .e = NULL },
	};
	const struct ft_engine_stats *st;
	uint64_t packets = 0;
	pcap_t *pc;
	unsigned int k;
	int ret = -1;

	printf("%s:\n", path);
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (pc == NULL) {
		printf("  cannot read: %s\n", err);
		return -1;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		const char *lt = pcap_datalink_val_to_name(pcap_datalink(pc));

		printf("  skipped: link type %s (%d) is not Ethernet\n",
				lt != NULL ? lt : "unknown", pcap_datalink(pc));
		pcap_close(pc);
		return 0;
	}
	for (k = 0; k < 2; k++) {
		snprintf(name[k], sizeof(name[k]), "cp%c%u", k == 0 ? 'f' : 'g', seq);
		sides[k].e = engine_new(name[k], k == 0, &sides[k].ev);
		if (sides[k].e == NULL)
			goto out;
	}
	if (replay(pc, sides, &packets) != 0)
		goto out;
	*checked = 1;
	if (selftest && sides[1].ev.len != 0) {
		/* Alter one event of one engine: the check must catch it. */
		size_t idx = sides[1].ev.len / sizeof(struct ft_event) / 2;
		struct ft_event *ev = (struct ft_event *)(void *)(sides[1].ev.data +
				idx * sizeof(struct ft_event));

		ev->ts_ns += ft_engine_tick_ns(sides[1].e);
		printf("  self-test: moved general-path event %zu one tick later\n", idx);
	}
	st = ft_engine_stats(sides[0].e);
	printf("  %" PRIu64 " packets, %zu events, %" PRIu64 " flows (at most %" PRIu64
	       " at once), %" PRIu64 " evicted, %" PRIu64 " refused\n",
			packets, sides[0].ev.len / sizeof(struct ft_event),
			st->cnt[FT_CNT_FLOWS_CREATED], st->flows_peak,
			st->cnt[FT_CNT_FLOWS_EVICTED],
			st->cnt[FT_CNT_TABLE_FULL] + st->cnt[FT_CNT_TABLE_BUSY] +
					st->cnt[FT_CNT_NO_V6_TABLE]);
	ret = compare_events(&sides[0], &sides[1]) != 0;
	ret |= compare_stats(&sides[0], &sides[1]) != 0;
	printf("  %s\n", ret == 0 ? "same" : "DIFFERENT");
out:
	pcap_close(pc);
	for (k = 0; k < 2; k++) {
		ft_engine_free(sides[k].e);
		free(sides[k].ev.data);
	}
	return ret;
}

static int
parse_u32(const char *opt, const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || x > UINT32_MAX) {
		fprintf(stderr, "ft-check-paths: %s: '%s' is not a number\n", opt, s);
		return -1;
	}
	*v = (uint32_t)x;
	return 0;
}

int
main(int argc, char **argv)
{
	struct file_list files = { .path = NULL, .n = 0, .cap = 0 };
	const char *prog = argv[0], *env;
	int ret, i, n, checked = 0, failed = 0, different = 0;
	size_t f;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "ft-check-paths: cannot start the EAL (%s), skipping\n",
				rte_strerror(rte_errno));
		return EXIT_SKIP;
	}
	argc -= ret;
	argv += ret;
	env = getenv("FT_CHECK_PATHS_SELFTEST");
	selftest = env != NULL && strcmp(env, "1") == 0;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--skip-missing") == 0) {
			opt_skip_missing = 1;
		} else if (strcmp(argv[i], "--max-flows") == 0 && i + 1 < argc) {
			if (parse_u32(argv[i], argv[i + 1], &opt_max_flows) != 0)
				goto usage;
			i++;
		} else if (strcmp(argv[i], "--max-flows-v6") == 0 && i + 1 < argc) {
			if (parse_u32(argv[i], argv[i + 1], &opt_max_flows_v6) != 0)
				goto usage;
			i++;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			fprintf(stderr, "ft-check-paths: unknown option %s\n", argv[i]);
			goto usage;
		}
	}
	if (i == argc) {
		fprintf(stderr, "ft-check-paths: give at least one PATH\n");
		goto usage;
	}
	for (; i < argc; i++) {
		n = collect(&files, argv[i]);
		if (n == 1 && opt_skip_missing) {
			printf("%s: does not exist, skipped\n", argv[i]);
		} else if (n == 1) {
			fprintf(stderr, "ft-check-paths: %s: no such file or folder\n", argv[i]);
			goto usage;
		} else if (n != 0) {
			fprintf(stderr, "ft-check-paths: %s: %s\n", argv[i], strerror(-n));
			failed = 1;
		}
	}

	for (f = 0; f < files.n; f++) {
		ret = check_trace(files.path[f], (unsigned int)f, &checked);
		if (ret < 0)
			failed = 1;
		else if (ret > 0)
			different = 1;
	}
	printf("%zu traces: %s\n", files.n,
			different		? "the paths DIFFER" :
					failed	? "some could not be checked" :
					checked ? "the paths agree" :
						  "nothing was checked");
	for (f = 0; f < files.n; f++)
		free(files.path[f]);
	free(files.path);
	rte_eal_cleanup();
	if (different || failed)
		return EXIT_DIFF;
	/* Nothing to compare is a skip when asked for, and a failure otherwise. */
	if (!checked)
		return opt_skip_missing ? EXIT_SKIP : EXIT_DIFF;
	return EXIT_SAME;
usage:
	usage(prog);
	rte_eal_cleanup();
	return EXIT_USAGE;
}
