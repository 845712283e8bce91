/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "ft_common.h"
#include "ft_engine.h"
#include "ft_output.h"
#include "ft_replay.h"

#define REPLAY_BURST   32
#define PROGRESS_EVERY 1000000
#define ETH_LEN	       14
/* Frames up to this size fit the arena whatever the file's snap length says. */
#define FRAME_MAX 65535

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

static void
snapshot(const struct ft_engine *e, struct ft_snapshot *s)
{
	const struct ft_engine_stats *st = ft_engine_stats(e);

	memcpy(s->gauge, st->gauge, sizeof(s->gauge));
	s->flows = st->flows;
	s->ts_ns = ft_engine_now(e);
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
		if (ri->packets % PROGRESS_EVERY == 0)
			fprintf(stderr,
					"fintrack: %" PRIu64 " packets, %" PRIu64
					" flows tracked, trace time +%.1f s\n",
					ri->packets, ft_engine_stats(e)->flows,
					(double)(ts - ri->first_ns) / 1e9);
	}
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
	snapshot(e, &ri->at_end);

	if (cfg->drain) {
		uint64_t when = ri->last_ns;

		/* Jump from one armed slot to the next until no timer is left. */
		while (ft_engine_next_timer(e, &when) == 0) {
			if (when < ft_engine_now(e))
				when = ft_engine_now(e);
			run_timers(e, when);
		}
		ri->drained_to_ns =
				ft_engine_now(e) > ri->last_ns ? ft_engine_now(e) : ri->last_ns + 1;
	}
	return 0;
}

int
ft_replay_run(const struct ft_app_cfg *cfg)
{
	struct ft_engine_conf ec = cfg->engine;
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
		ec.on_event = ft_output_event_json;
		ec.event_arg = events;
	}
	e = ft_engine_create(&ec);
	if (e == NULL) {
		ft_output_engine_error("", &ec, rte_errno);
		ret = -rte_errno;
		goto out;
	}
	ret = replay(cfg, e, &run);
	if (ret != 0)
		goto out;
	ret = ft_output_close("--events", cfg->events, events);
	events = NULL;
	if (ret == 0)
		ret = ft_output_finish(cfg, &e, 1, &run);
out:
	if (events != NULL && events != stdout)
		fclose(events);
	ft_engine_free(e);
	return ret;
}
