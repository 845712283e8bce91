/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "ft_common.h"
#include "ft_engine.h"
#include "ft_ipfix.h"
#include "ft_output.h"
#include "ft_replay.h"

#define REPLAY_BURST 32
#define ETH_LEN	     14
/* Packets between two looks at the clock for the progress line. */
#define PROGRESS_CHECK 4096
/* Seconds between progress lines: on a terminal (one line, rewritten), else. */
#define PROGRESS_TTY_S	1
#define PROGRESS_LINE_S 10
/* Frames up to this size fit the arena whatever the file's snap length says. */
#define FRAME_MAX 65535

RTE_LOG_REGISTER(ft_logtype_replay, ft.replay, INFO);
#define LOG(level, ...) rte_log(RTE_LOG_##level, ft_logtype_replay, "fintrack: " __VA_ARGS__)

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* How to turn one captured frame of a link type into an Ethernet frame. */
struct link_fmt {
	int dlt;
	uint32_t skip; /* Link header bytes dropped. */
	int make_eth;  /* Prepend an Ethernet header carrying the EtherType. */
};

/* The EtherType of a frame without an Ethernet header, or 0 if unknown. */
static uint16_t
ether_type_of(const struct link_fmt *lf, const uint8_t *p, uint32_t caplen)
{
	switch (lf->dlt) {
	case DLT_LINUX_SLL:
		return caplen >= 16 ? (uint16_t)(p[14] << 8 | p[15]) : 0;
	case DLT_LINUX_SLL2:
		return caplen >= 20 ? (uint16_t)(p[0] << 8 | p[1]) : 0;
	default:
		/* Raw IP: the version nibble says which. */
		if (caplen <= lf->skip)
			return 0;
		switch (p[lf->skip] >> 4) {
		case 4:
			return 0x0800;
		case 6:
			return 0x86dd;
		default:
			return 0;
		}
	}
}

static int
link_format(pcap_t *pc, const char *path, struct link_fmt *lf)
{
	lf->dlt = pcap_datalink(pc);
	lf->skip = 0;
	lf->make_eth = 1;
	switch (lf->dlt) {
	case DLT_EN10MB:
		lf->make_eth = 0;
		return 0;
	case DLT_LINUX_SLL:
		lf->skip = 16;
		return 0;
	case DLT_LINUX_SLL2:
		lf->skip = 20;
		return 0;
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
	case DLT_IPV6:
#endif
		return 0;
	case DLT_NULL:
	case DLT_LOOP:
		lf->skip = 4;
		return 0;
	default:
		fprintf(stderr,
				"fintrack: %s: link type %s (%d) is not supported (Ethernet, Linux "
				"cooked capture, raw IP and BSD loopback are)\n",
				path,
				pcap_datalink_val_to_name(lf->dlt) ?
						pcap_datalink_val_to_name(lf->dlt) :
						"unknown",
				lf->dlt);
		return -ENOTSUP;
	}
}

/*
 * The frames of one burst, back to back in a flat arena: the engine reads
 * them as byte spans. A frame of another link type gets a made-up Ethernet
 * header carrying its EtherType.
 */
struct burst {
	uint8_t *arena;
	size_t room; /* Bytes per frame in the arena. */
	uint16_t n;
	const uint8_t *data[REPLAY_BURST];
	uint32_t cap[REPLAY_BURST];  /* Bytes captured (with the made-up header). */
	uint32_t wire[REPLAY_BURST]; /* Length on the wire: a small snap length cuts frames. */
};

static int
burst_init(struct burst *b, size_t frame_max)
{
	b->room = frame_max + ETH_LEN;
	b->n = 0;
	b->arena = malloc(b->room * REPLAY_BURST);
	if (b->arena == NULL) {
		fprintf(stderr, "fintrack: cannot allocate %zu bytes for the replay's frames\n",
				b->room * REPLAY_BURST);
		return -ENOMEM;
	}
	return 0;
}

/* Append one captured frame; it must fit the arena's room. */
static void
burst_add(struct burst *b, const struct link_fmt *lf, const uint8_t *p, uint32_t caplen,
		uint32_t wirelen)
{
	uint8_t *f = b->arena + b->room * b->n;
	uint32_t cut = wirelen > caplen ? wirelen - caplen : 0;
	uint32_t len = 0;

	if (lf->make_eth) {
		uint16_t type = ether_type_of(lf, p, caplen);

		memset(f, 0, ETH_LEN);
		f[12] = (uint8_t)(type >> 8);
		f[13] = (uint8_t)type;
		len = ETH_LEN;
		if (caplen < lf->skip)
			caplen = lf->skip;
		p += lf->skip;
		caplen -= lf->skip;
	}
	memcpy(f + len, p, caplen);
	len += caplen;
	b->data[b->n] = f;
	b->cap[b->n] = len;
	b->wire[b->n] = len + cut;
	b->n++;
}

/*
 * The progress of a replay on stderr: packets per second, the share of the
 * file read and the time left; then the drain. On a terminal one line is
 * rewritten every second; elsewhere (--progress on) a line every 10 s.
 */
struct progress {
	int on;
	int tty;
	FILE *file;	    /* The trace's stream (pcap_file()), for its position. */
	uint64_t size;	    /* Bytes in the trace file, 0 if unknown (a pipe). */
	uint64_t t0_ns;	    /* Wall clock at the start. */
	uint64_t last_ns;   /* Wall clock of the last line. */
	uint64_t last_pkts; /* Packets at the last line. */
	int shown;	    /* A line is on the terminal. */
	int warned_full;    /* The table-full warning was logged. */
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * FT_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void
progress_init(struct progress *p, const struct ft_app_cfg *cfg, pcap_t *pc)
{
	struct stat st;

	memset(p, 0, sizeof(*p));
	p->tty = isatty(STDERR_FILENO);
	p->on = cfg->progress == FT_CFG_PROGRESS_ON ||
			(cfg->progress == FT_CFG_PROGRESS_AUTO && p->tty);
	p->file = pcap_file(pc);
	if (stat(cfg->pcap, &st) == 0 && S_ISREG(st.st_mode))
		p->size = (uint64_t)st.st_size;
	p->t0_ns = mono_ns();
	p->last_ns = p->t0_ns;
}

/* Whether a line is due now; if so, the seconds since the last one in *secs. */
static int
progress_due(struct progress *p, double *secs)
{
	uint64_t now = mono_ns();

	if (now - p->last_ns <
			(uint64_t)(p->tty ? PROGRESS_TTY_S : PROGRESS_LINE_S) * FT_NS_PER_SEC)
		return 0;
	*secs = (double)(now - p->last_ns) / 1e9;
	p->last_ns = now;
	return 1;
}

static void
progress_print(struct progress *p, const char *text)
{
	if (p->tty) {
		fprintf(stderr, "\r%s\033[K", text);
		p->shown = 1;
	} else {
		fprintf(stderr, "%s\n", text);
	}
	fflush(stderr);
}

/* Clear the terminal's progress line before other output. */
static void
progress_clear(struct progress *p)
{
	if (p->shown) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
		p->shown = 0;
	}
}

/* "1:02:03", "2:03" or "5 s". */
static void
format_duration(double s, char *buf, size_t len)
{
	uint64_t t = (uint64_t)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%" PRIu64 ":%02u:%02u", t / 3600, (unsigned int)(t / 60 % 60),
				(unsigned int)(t % 60));
	else if (t >= 60)
		snprintf(buf, len, "%" PRIu64 ":%02u", t / 60, (unsigned int)(t % 60));
	else
		snprintf(buf, len, "%" PRIu64 " s", t);
}

static void
progress_trace(struct progress *p, const struct ft_app_cfg *cfg, const struct ft_engine *e,
		uint64_t pkts)
{
	char line[256], left[32] = "";
	double secs, share = 0;
	off_t pos;

	if (!p->on || !progress_due(p, &secs))
		return;
	pos = p->file != NULL ? ftello(p->file) : -1;
	if (p->size != 0 && pos > 0) {
		double elapsed = (double)(mono_ns() - p->t0_ns) / 1e9;

		share = (double)pos / (double)p->size;
		if (share > 0.0 && share < 1.0)
			format_duration(elapsed * (1.0 - share) / share, left, sizeof(left));
	}
	if (p->size != 0)
		snprintf(line, sizeof(line),
				"fintrack: %s: %" PRIu64
				" packets, %.2f Mpps, %.0f%% of the file read%s%s%s, %" PRIu64
				" flows tracked",
				cfg->pcap, pkts, (double)(pkts - p->last_pkts) / secs / 1e6,
				share * 100.0, left[0] ? ", " : "", left, left[0] ? " left" : "",
				ft_engine_stats(e)->flows);
	else
		snprintf(line, sizeof(line),
				"fintrack: %s: %" PRIu64 " packets, %.2f Mpps, %" PRIu64
				" flows tracked",
				strcmp(cfg->pcap, "-") == 0 ? "standard input" : cfg->pcap, pkts,
				(double)(pkts - p->last_pkts) / secs / 1e6,
				ft_engine_stats(e)->flows);
	p->last_pkts = pkts;
	progress_print(p, line);
}

static void
progress_drain(struct progress *p, const struct ft_engine *e, uint64_t start_flows,
		uint64_t last_ns)
{
	char line[256];
	double secs;

	if (!p->on || !progress_due(p, &secs))
		return;
	snprintf(line, sizeof(line),
			"fintrack: draining: %" PRIu64 " of %" PRIu64
			" flows left, clock %.0f s past the last packet",
			ft_engine_stats(e)->flows, start_flows,
			(double)(ft_engine_now(e) - last_ns) / 1e9);
	progress_print(p, line);
}

/* Say once, as it happens, that the table is full and what to raise. */
static void
warn_table_full(struct progress *p, const struct ft_app_cfg *cfg, const struct ft_engine *e,
		uint64_t pkts)
{
	char full[1024];

	if (p->warned_full ||
			ft_output_table_full(ft_engine_stats(e), &cfg->engine, 0, full,
					sizeof(full)) == 0)
		return;
	p->warned_full = 1;
	progress_clear(p);
	LOG(WARNING, "flows are evicted or refused from packet %" PRIu64 " on: %s\n", pkts, full);
}

static void
run_timers(struct ft_engine *e, uint64_t now)
{
	do
		ft_engine_tick(e, now);
	while (ft_engine_timers_pending(e, now));
}

/*
 * Fire every timer due before time until at its own deadline: walk the armed
 * slots one after the other (as --drain does), so that a timeout between two
 * packets carries the time it fell due, not the time of the next packet.
 */
static void
advance_timers(struct ft_engine *e, uint64_t until)
{
	uint64_t when;

	while (until > ft_engine_now(e) && ft_engine_timers_pending(e, until - 1) &&
			ft_engine_next_timer(e, &when) == 0 && when < until) {
		if (when < ft_engine_now(e))
			when = ft_engine_now(e);
		run_timers(e, when);
	}
	run_timers(e, until);
}

static void
flush_burst(struct ft_engine *e, struct burst *b, uint64_t now)
{
	if (b->n == 0)
		return;
	advance_timers(e, now);
	ft_engine_process_spans(e, b->data, b->cap, b->wire, b->n, now);
	b->n = 0;
}

/* Feed the trace to the engine, then drain it if asked. */
static int
replay(const struct ft_app_cfg *cfg, struct ft_engine *e, struct ft_run *ri)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct link_fmt lf;
	struct progress prog;
	struct burst b;
	uint64_t tick_ns = ft_engine_tick_ns(e);
	uint64_t burst_tick = 0, ts = 0;
	pcap_t *pc;
	int ret;

	pc = pcap_open_offline_with_tstamp_precision(cfg->pcap, PCAP_TSTAMP_PRECISION_NANO, err);
	if (pc == NULL) {
		fprintf(stderr, "fintrack: --pcap %s: %s\n", cfg->pcap, err);
		return -ENOENT;
	}
	ret = link_format(pc, cfg->pcap, &lf);
	if (ret == 0)
		ret = burst_init(&b, RTE_MAX((uint32_t)pcap_snapshot(pc), (uint32_t)FRAME_MAX));
	if (ret != 0) {
		pcap_close(pc);
		return ret;
	}
	progress_init(&prog, cfg, pc);
	while ((ret = pcap_next_ex(pc, &h, &data)) == 1) {
		ts = (uint64_t)h->ts.tv_sec * FT_NS_PER_SEC + (uint64_t)h->ts.tv_usec;
		if (ri->packets == 0)
			ri->first_ns = ts;
		/* A burst holds packets of one wheel tick, so timers fire between bursts in order. */
		if (b.n != 0 && (b.n == REPLAY_BURST || ts / tick_ns != burst_tick))
			flush_burst(e, &b, ri->last_ns);
		if (b.n == 0)
			burst_tick = ts / tick_ns;
		if (h->caplen + ETH_LEN > b.room) {
			/* Larger than the file's snap length said: make room, for this burst on. */
			uint8_t *arena;

			flush_burst(e, &b, ri->last_ns);
			arena = realloc(b.arena, ((size_t)h->caplen + ETH_LEN) * REPLAY_BURST);
			if (arena == NULL) {
				fprintf(stderr,
						"fintrack: out of memory for a %u-byte frame at packet "
						"%" PRIu64 "\n",
						h->caplen, ri->packets + 1);
				ret = -ENOMEM;
				break;
			}
			b.arena = arena;
			b.room = (size_t)h->caplen + ETH_LEN;
			burst_tick = ts / tick_ns;
		}
		burst_add(&b, &lf, data, h->caplen, h->len);
		ri->packets++;
		ri->last_ns = ts > ri->last_ns ? ts : ri->last_ns;
		if (ri->packets % PROGRESS_CHECK == 0) {
			warn_table_full(&prog, cfg, e, ri->packets);
			progress_trace(&prog, cfg, e, ri->packets);
		}
	}
	progress_clear(&prog);
	if (ret == PCAP_ERROR) {
		fprintf(stderr, "fintrack: --pcap %s: %s (after %" PRIu64 " packets)\n", cfg->pcap,
				pcap_geterr(pc), ri->packets);
		ret = -EIO;
	}
	pcap_close(pc);
	if (ret == -ENOMEM || ret == -EIO) {
		free(b.arena);
		return ret;
	}
	flush_burst(e, &b, ri->last_ns);
	free(b.arena);
	if (ri->packets != 0)
		run_timers(e, ri->last_ns);
	warn_table_full(&prog, cfg, e, ri->packets);
	ft_output_snapshot(&ri->at_end, &e, 1, (uint64_t)cfg->diag_min_age_ms * FT_NS_PER_MSEC);

	if (cfg->drain) {
		uint64_t when = ri->last_ns, start_flows = ft_engine_stats(e)->flows;
		unsigned int steps = 0;

		/* Jump from one armed slot to the next until no timer is left. */
		while (ft_engine_next_timer(e, &when) == 0) {
			if (when < ft_engine_now(e))
				when = ft_engine_now(e);
			run_timers(e, when);
			if (++steps % 256 == 0)
				progress_drain(&prog, e, start_flows, ri->last_ns);
		}
		progress_clear(&prog);
		ri->drained_to_ns =
				ft_engine_now(e) > ri->last_ns ? ft_engine_now(e) : ri->last_ns + 1;
	}
	return 0;
}

/* Where the engine's events go: JSON lines, IPFIX records, or both. */
struct replay_out {
	FILE *events;
	struct ft_ipfix *ipfix;
	const struct ft_ctx_map *ctx;
};

static void
replay_event(void *arg, const struct ft_event *ev)
{
	struct replay_out *o = arg;

	if (o->events != NULL)
		ft_output_event_line(o->events, ev, -1, o->ctx);
	ft_ipfix_event(o->ipfix, ev);
}

/* The flows still tracked at the end of the replay get forced-end records. */
static void
export_tracked(struct ft_ipfix *x, const struct ft_engine *e)
{
	struct ft_flow_info fi;
	uint32_t id;

	for (id = 0; x != NULL && id < ft_engine_capacity(e); id++)
		if (ft_engine_flow_info(e, id, &fi) == 0)
			ft_ipfix_flow(x, &fi, ft_engine_now(e));
}

int
ft_replay_run(const struct ft_app_cfg *cfg)
{
	struct ft_engine_conf ec = cfg->engine;
	struct replay_out out = { NULL, NULL, NULL };
	struct ft_engine *e = NULL;
	struct ft_run run;
	FILE *events = NULL;
	int ret;

	memset(&run, 0, sizeof(run));
	run.trace = cfg->pcap;
	ec.socket_id = (int)rte_socket_id();
	if (cfg->events != NULL) {
		events = ft_output_open("--events", cfg->events);
		if (events == NULL)
			return -EIO;
	}
	ret = ft_ipfix_open(cfg, &out.ipfix);
	if (ret != 0)
		goto out;
	if (events != NULL || out.ipfix != NULL) {
		out.events = events;
		ec.on_event = replay_event;
		ec.event_arg = &out;
		/* Without --events the IPFIX export takes the flow ends only. */
		ec.state_events = events != NULL;
	}
	e = ft_engine_create(&ec);
	if (e == NULL) {
		ft_output_engine_error("", &ec, rte_errno);
		ret = -rte_errno;
		goto out;
	}
	out.ctx = ft_engine_ctx_map(e);
	ft_ipfix_set_ctx_map(out.ipfix, out.ctx);
	ret = replay(cfg, e, &run);
	if (ret != 0)
		goto out;
	export_tracked(out.ipfix, e);
	ft_ipfix_close(out.ipfix);
	out.ipfix = NULL;
	ret = ft_output_close("--events", cfg->events, events);
	events = NULL;
	if (ret == 0)
		ret = ft_output_finish(cfg, &e, 1, &run);
out:
	ft_ipfix_close(out.ipfix);
	if (events != NULL && events != stdout)
		fclose(events);
	ft_engine_free(e);
	return ret;
}
