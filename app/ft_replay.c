/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>

#include "ft_common.h"
#include "ft_replay.h"

#define REPLAY_BURST    32
#define PROGRESS_EVERY  1000000
#define ETH_LEN         14

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* How to turn one captured frame of a link type into an Ethernet frame. */
struct link_fmt {
	int dlt;
	uint32_t skip;   /* Link header bytes dropped. */
	int make_eth;    /* Prepend an Ethernet header carrying the EtherType. */
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
		fprintf(stderr, "fintrack: %s: link type %s (%d) is not supported (Ethernet, Linux "
				"cooked capture, raw IP and BSD loopback are)\n", path,
				pcap_datalink_val_to_name(lf->dlt) ? pcap_datalink_val_to_name(lf->dlt) :
				"unknown", lf->dlt);
		return -ENOTSUP;
	}
}

/* Copy one captured frame into an mbuf chain as an Ethernet frame. */
static struct rte_mbuf *
frame_to_mbuf(struct rte_mempool *mp, const struct link_fmt *lf, const uint8_t *p,
		uint32_t caplen)
{
	uint8_t eth[ETH_LEN] = { 0 };
	struct rte_mbuf *head, *m;
	uint32_t left, take;
	uint16_t type;

	head = rte_pktmbuf_alloc(mp);
	if (head == NULL)
		return NULL;
	if (lf->make_eth) {
		type = ether_type_of(lf, p, caplen);
		eth[12] = (uint8_t)(type >> 8);
		eth[13] = (uint8_t)type;
		memcpy(rte_pktmbuf_append(head, ETH_LEN), eth, ETH_LEN);
		if (caplen < lf->skip)
			caplen = lf->skip;
		p += lf->skip;
		caplen -= lf->skip;
	}
	m = head;
	left = caplen;
	while (left != 0) {
		take = RTE_MIN(left, (uint32_t)rte_pktmbuf_tailroom(m));
		if (take == 0) {
			struct rte_mbuf *seg = rte_pktmbuf_alloc(mp);

			if (seg == NULL || rte_pktmbuf_chain(head, seg) != 0) {
				rte_pktmbuf_free(seg);
				rte_pktmbuf_free(head);
				return NULL;
			}
			m = seg;
			continue;
		}
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len), p, take);
		m->data_len = (uint16_t)(m->data_len + take);
		head->pkt_len += take;
		p += take;
		left -= take;
	}
	return head;
}

static void
snapshot(const struct ft_engine *e, struct ft_snapshot *s)
{
	memcpy(s->gauge, e->stats.gauge, sizeof(s->gauge));
	s->flows = e->stats.flows;
	s->ts_ns = e->now_ns;
}

static void
run_timers(struct ft_engine *e, uint64_t now)
{
	do
		ft_engine_tick(e, now);
	while (ft_engine_timers_pending(e, now));
}

static void
flush_burst(struct ft_engine *e, struct rte_mbuf **burst, const uint32_t *wire, uint16_t *n,
		uint64_t now)
{
	if (*n == 0)
		return;
	run_timers(e, now);
	ft_engine_process_burst_cut(e, burst, wire, *n, now);
	rte_pktmbuf_free_bulk(burst, *n);
	*n = 0;
}

int
ft_replay_run(const struct ft_app_cfg *cfg, struct ft_engine *e, struct rte_mempool *mp,
		struct ft_replay_info *ri)
{
	char err[PCAP_ERRBUF_SIZE];
	struct rte_mbuf *burst[REPLAY_BURST];
	/* Each frame's length on the wire: a trace with a small snap length has only its start. */
	uint32_t wire[REPLAY_BURST];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct link_fmt lf;
	uint16_t n = 0;
	uint64_t burst_tick = 0, ts = 0;
	pcap_t *pc;
	int ret;

	memset(ri, 0, sizeof(*ri));
	ri->trace = cfg->pcap;
	pc = pcap_open_offline_with_tstamp_precision(cfg->pcap, PCAP_TSTAMP_PRECISION_NANO, err);
	if (pc == NULL) {
		fprintf(stderr, "fintrack: --pcap %s: %s\n", cfg->pcap, err);
		return -ENOENT;
	}
	ret = link_format(pc, cfg->pcap, &lf);
	if (ret != 0) {
		pcap_close(pc);
		return ret;
	}
	while ((ret = pcap_next_ex(pc, &h, &data)) == 1) {
		struct rte_mbuf *m;

		ts = (uint64_t)h->ts.tv_sec * FT_NS_PER_SEC + (uint64_t)h->ts.tv_usec;
		if (ri->packets == 0)
			ri->first_ns = ts;
		/* A burst holds packets of one wheel tick, so timers fire between bursts in order. */
		if (n != 0 && (n == REPLAY_BURST || ts / e->tick_ns != burst_tick))
			flush_burst(e, burst, wire, &n, ri->last_ns);
		if (n == 0)
			burst_tick = ts / e->tick_ns;
		m = frame_to_mbuf(mp, &lf, data, h->caplen);
		if (m == NULL) {
			fprintf(stderr, "fintrack: out of mbufs at packet %" PRIu64 "\n",
					ri->packets + 1);
			rte_pktmbuf_free_bulk(burst, n);
			pcap_close(pc);
			return -ENOMEM;
		}
		/* The mbuf holds the captured bytes (with a made-up Ethernet header for other links). */
		wire[n] = m->pkt_len + (h->len > h->caplen ? h->len - h->caplen : 0);
		burst[n++] = m;
		ri->packets++;
		ri->last_ns = ts > ri->last_ns ? ts : ri->last_ns;
		if (ri->packets % PROGRESS_EVERY == 0)
			fprintf(stderr, "fintrack: %" PRIu64 " packets, %" PRIu64
					" flows tracked, trace time +%.1f s\n", ri->packets,
					e->stats.flows, (double)(ts - ri->first_ns) / 1e9);
	}
	if (ret == PCAP_ERROR) {
		fprintf(stderr, "fintrack: --pcap %s: %s (after %" PRIu64 " packets)\n", cfg->pcap,
				pcap_geterr(pc), ri->packets);
		rte_pktmbuf_free_bulk(burst, n);
		pcap_close(pc);
		return -EIO;
	}
	flush_burst(e, burst, wire, &n, ri->last_ns);
	pcap_close(pc);
	if (ri->packets != 0)
		run_timers(e, ri->last_ns);
	snapshot(e, &ri->at_end);

	if (cfg->drain) {
		uint64_t when = ri->last_ns;

		/* Jump from one armed slot to the next until no timer is left. */
		while (ft_engine_next_timer(e, &when) == 0) {
			if (when < e->now_ns)
				when = e->now_ns;
			run_timers(e, when);
		}
		ri->drained_to_ns = e->now_ns > ri->last_ns ? e->now_ns : ri->last_ns + 1;
	}
	return 0;
}
