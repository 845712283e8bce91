/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright(c) 2026 The fintrack authors */

/*
 * Flow model and the kind table.
 *
 * Each side keeps SND.NXT, RCV.NXT and the last timestamp it received. A segment is emitted
 * by its sender with the sender's current state; "delivering" the segment later updates the
 * receiver's RCV.NXT and TS.Recent. Most segments are delivered at once; crossing FINs and
 * reordered segments are delivered later, which is how their acknowledgement numbers come out
 * as a real Linux endpoint would produce them.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_tracegen.h"

#define C TG_CLIENT
#define S TG_SERVER

#define FA  (TG_TH_FIN | TG_TH_ACK)
#define PA  (TG_TH_PSH | TG_TH_ACK)
#define RA  (TG_TH_RST | TG_TH_ACK)
#define FPA (TG_TH_FIN | TG_TH_PSH | TG_TH_ACK)

/* Number of distinct client (address, port) pairs: hosts 1..65534, ports 1024..65535. */
#define CLIENT_HOSTS  65534ULL
#define CLIENT_PORTS  64512ULL
#define CLIENT_TUPLES (CLIENT_HOSTS * CLIENT_PORTS)
_Static_assert(CLIENT_TUPLES == TG_MAX_FLOWS, "client tuple space");
/* A prime not dividing CLIENT_TUPLES: multiplying by it permutes the client tuples. */
#define CLIENT_SCRAMBLE 2654435761ULL

#define NSERVERS	   300
#define SERVERS_PER_SUBNET 200

#define MS		    1000U
#define RTO_US		    (200 * MS)
#define TW_REUSE_GAP_US	    (500 * MS)
#define TW_REUSE_ISN_STEP   100000U
#define HALF_CLOSE_SEGMENTS 3

static const uint16_t server_ports[] = { 80, 443, 8080, 8443, 8000, 3128 };

static void *
grow_or_die(void *ptr, size_t nmemb, size_t size)
{
	void *p = reallocarray(ptr, nmemb, size);

	if (p == NULL) {
		fprintf(stderr, "ft-tracegen: out of memory (%zu x %zu bytes)\n", nmemb, size);
		exit(1);
	}
	return p;
}

/* Returns a random ISN; about 1% of them are close to 2^32 so that the sequence space wraps. */
static uint32_t
random_isn(struct tg_flow *f)
{
	if (tg_rng_below(&f->rng, 100) == 0)
		return UINT32_MAX - (uint32_t)tg_rng_below(&f->rng, 3000);
	return (uint32_t)tg_rng_next(&f->rng);
}

static uint16_t
random_len(struct tg_flow *f)
{
	return (uint16_t)tg_rng_range(&f->rng, 1, f->mss);
}

/* Moves the clock of the flow forward by a random delay of at most max_us. */
static void
pause_up_to(struct tg_flow *f, uint32_t max_us)
{
	f->t += tg_rng_below(&f->rng, (uint64_t)max_us + 1);
}

/* Resets the TCP state of both sides for a new incarnation. */
static void
start_incarnation(struct tg_flow *f, const char *how, const char *first_closer, uint32_t client_isn)
{
	struct tg_incarnation *inc = &f->inc[f->ninc++];
	unsigned int i;

	memset(inc, 0, sizeof(*inc));
	inc->how = how;
	inc->first_closer = first_closer;
	f->side[C].isn = client_isn;
	f->side[S].isn = random_isn(f);
	for (i = 0; i < 2; i++) {
		f->side[i].snd_nxt = f->side[i].isn;
		f->side[i].rcv_nxt = 0;
		f->side[i].ts_recent = 0;
		f->side[i].flow_label = (uint32_t)tg_rng_range(&f->rng, 1, 0xfffff);
	}
}

/* Appends a segment with explicit sequence and acknowledgement numbers. */
static void
emit(struct tg_flow *f, unsigned int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len)
{
	struct tg_side *me = &f->side[dir];
	struct tg_incarnation *inc = &f->inc[f->ninc - 1];
	struct tg_pkt *p;

	if (f->npkts == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 32;
		f->pkts = grow_or_die(f->pkts, f->cap, sizeof(*f->pkts));
	}
	p = &f->pkts[f->npkts++];
	p->t_us = f->t;
	p->seq = seq;
	p->ack = (flags & TG_TH_ACK) ? ack : 0;
	p->tsval = me->ts_base + (uint32_t)(f->t / MS);
	p->tsecr = me->ts_recent;
	p->len = len;
	p->ip_id = me->ip_id++;
	p->dir = (uint8_t)dir;
	p->tcp_flags = flags;
	p->opts = (flags & TG_TH_SYN) ? TG_OPT_SYN : TG_OPT_TS;
	p->inc = (uint8_t)(f->ninc - 1);
	me->ts_last = p->tsval;

	inc->pkts[dir]++;
	inc->bytes[dir] += tg_frame_len(f, p);
	f->t += f->half_rtt;
}

/* The peer receives everything dir has sent so far. */
static void
deliver(struct tg_flow *f, unsigned int dir)
{
	f->side[dir ^ 1].rcv_nxt = f->side[dir].snd_nxt;
	f->side[dir ^ 1].ts_recent = f->side[dir].ts_last;
}

/* Sends the next segment of dir from SND.NXT, acknowledging everything received. */
static void
send_seg(struct tg_flow *f, unsigned int dir, uint8_t flags, uint16_t len, bool deliver_now)
{
	struct tg_side *me = &f->side[dir];

	emit(f, dir, flags, me->snd_nxt, me->rcv_nxt, len);
	me->snd_nxt += len + !!(flags & TG_TH_SYN) + !!(flags & TG_TH_FIN);
	if (deliver_now)
		deliver(f, dir);
}

static void
xmit(struct tg_flow *f, unsigned int dir, uint8_t flags, uint16_t len)
{
	send_seg(f, dir, flags, len, true);
}

/* Retransmits an earlier segment of dir: same flags, sequence number and length. */
static void
retransmit(struct tg_flow *f, unsigned int dir, uint8_t flags, uint32_t seq, uint16_t len)
{
	emit(f, dir, flags, seq, f->side[dir].rcv_nxt, len);
}

static void
handshake(struct tg_flow *f)
{
	xmit(f, C, TG_TH_SYN, 0);
	xmit(f, S, TG_TH_SYN | TG_TH_ACK, 0);
	xmit(f, C, TG_TH_ACK, 0);
}

/* Request/response exchanges; the server sometimes acknowledges before it answers. */
static void
data_exchanges(struct tg_flow *f)
{
	unsigned int i;

	for (i = 0; i < f->data_segments; i++) {
		if (i != 0)
			pause_up_to(f, 10 * MS);
		xmit(f, C, PA, random_len(f));
		if (tg_rng_below(&f->rng, 2) == 0)
			xmit(f, S, TG_TH_ACK, 0);
		xmit(f, S, PA, random_len(f));
	}
	pause_up_to(f, 50 * MS);
}

static void
open_connection(struct tg_flow *f)
{
	handshake(f);
	data_exchanges(f);
}

/* Orderly close where closer sends its FIN first and the peer closes after the ACK. */
static void
orderly_close(struct tg_flow *f, unsigned int closer)
{
	xmit(f, closer, FA, 0);
	xmit(f, closer ^ 1, TG_TH_ACK, 0);
	xmit(f, closer ^ 1, FA, 0);
	xmit(f, closer, TG_TH_ACK, 0);
}

/* Both FINs are in flight at the same time; first's FIN is seen first. */
static void
crossing_fins(struct tg_flow *f, unsigned int first)
{
	send_seg(f, first, FA, 0, false);
	send_seg(f, first ^ 1, FA, 0, false);
	deliver(f, first);
	deliver(f, first ^ 1);
}

static void
build_client_close(struct tg_flow *f)
{
	open_connection(f);
	orderly_close(f, C);
}

static void
build_server_close(struct tg_flow *f)
{
	open_connection(f);
	orderly_close(f, S);
}

static void
build_simultaneous(struct tg_flow *f)
{
	open_connection(f);
	crossing_fins(f, C);
	xmit(f, C, TG_TH_ACK, 0);
	xmit(f, S, TG_TH_ACK, 0);
}

static void
build_crossing_server_first(struct tg_flow *f)
{
	open_connection(f);
	crossing_fins(f, S);
	xmit(f, S, TG_TH_ACK, 0);
	xmit(f, C, TG_TH_ACK, 0);
}

static void
build_rst_client(struct tg_flow *f)
{
	open_connection(f);
	xmit(f, C, RA, 0);
}

static void
build_rst_server(struct tg_flow *f)
{
	open_connection(f);
	xmit(f, S, RA, 0);
}

static void
build_rst_fin_wait1(struct tg_flow *f)
{
	open_connection(f);
	/* The server aborts before it has seen (and acknowledged) the client's FIN. */
	send_seg(f, C, FA, 0, false);
	xmit(f, S, RA, 0);
}

static void
build_rst_fin_wait2(struct tg_flow *f)
{
	open_connection(f);
	xmit(f, C, FA, 0);
	xmit(f, S, TG_TH_ACK, 0);
	f->t += 50 * MS;
	pause_up_to(f, 250 * MS);
	xmit(f, S, RA, 0);
}

static void
build_rst_close_wait(struct tg_flow *f)
{
	open_connection(f);
	xmit(f, S, FA, 0);
	xmit(f, C, TG_TH_ACK, 0);
	pause_up_to(f, 100 * MS);
	xmit(f, C, RA, 0);
}

static void
build_rst_last_ack(struct tg_flow *f)
{
	open_connection(f);
	xmit(f, C, FA, 0);
	xmit(f, S, TG_TH_ACK, 0);
	xmit(f, S, FA, 0);
	/* A bare RST from SND.NXT (after the FIN) instead of the final ACK. */
	xmit(f, C, TG_TH_RST, 0);
}

static void
build_rst_closing(struct tg_flow *f)
{
	open_connection(f);
	crossing_fins(f, C);
	xmit(f, S, RA, 0);
}

static void
build_half_close(struct tg_flow *f)
{
	unsigned int i;

	open_connection(f);
	xmit(f, C, FA, 0);
	xmit(f, S, TG_TH_ACK, 0);
	for (i = 0; i < HALF_CLOSE_SEGMENTS; i++) {
		pause_up_to(f, 5 * MS);
		xmit(f, S, PA, random_len(f));
		xmit(f, C, TG_TH_ACK, 0);
	}
	xmit(f, S, FA, 0);
	xmit(f, C, TG_TH_ACK, 0);
}

static void
build_fin_data(struct tg_flow *f)
{
	open_connection(f);
	xmit(f, C, FPA, random_len(f));
	xmit(f, S, TG_TH_ACK, 0);
	xmit(f, S, FPA, random_len(f));
	xmit(f, C, TG_TH_ACK, 0);
}

static void
build_fin_retrans(struct tg_flow *f)
{
	uint64_t t_fin;
	uint32_t seq;

	open_connection(f);
	t_fin = f->t;
	seq = f->side[C].snd_nxt;
	send_seg(f, C, FA, 0, false);
	f->t = t_fin + RTO_US;
	retransmit(f, C, FA, seq, 0);
	deliver(f, C);
	xmit(f, S, TG_TH_ACK, 0);
	xmit(f, S, FA, 0);
	xmit(f, C, TG_TH_ACK, 0);
}

static void
build_lost_last_ack(struct tg_flow *f)
{
	uint64_t t_fin;
	uint32_t seq;

	open_connection(f);
	xmit(f, C, FA, 0);
	xmit(f, S, TG_TH_ACK, 0);
	t_fin = f->t;
	seq = f->side[S].snd_nxt;
	xmit(f, S, FA, 0);
	/* The client's ACKs never show up; the server retransmits with exponential backoff. */
	f->t = t_fin + RTO_US;
	retransmit(f, S, FA, seq, 0);
	f->t = t_fin + 3 * RTO_US;
	retransmit(f, S, FA, seq, 0);
}

static void
build_fin_wait2_timeout(struct tg_flow *f)
{
	open_connection(f);
	xmit(f, S, FA, 0);
	xmit(f, C, TG_TH_ACK, 0);
}

static void
build_tw_reuse(struct tg_flow *f)
{
	uint32_t isn;

	open_connection(f);
	orderly_close(f, S);

	/*
	 * The server sits in TIME_WAIT; the client opens the same tuple again with an ISN well
	 * above the server's RCV.NXT, which Linux accepts.
	 */
	isn = f->side[C].snd_nxt + TW_REUSE_ISN_STEP;
	f->t += TW_REUSE_GAP_US - f->half_rtt;
	start_incarnation(f, "fin", "client", isn);
	open_connection(f);
	orderly_close(f, C);
}

static void
build_fin_reorder(struct tg_flow *f)
{
	uint16_t len_b;
	uint32_t seq_b;

	handshake(f);
	send_seg(f, C, PA, random_len(f), false);
	/* Segment B is sent before the FIN but appears after it in the trace. */
	len_b = random_len(f);
	seq_b = f->side[C].snd_nxt;
	f->side[C].snd_nxt += len_b;
	send_seg(f, C, FA, 0, false);
	emit(f, C, PA, seq_b, f->side[C].rcv_nxt, len_b);
	deliver(f, C);
	xmit(f, S, TG_TH_ACK, 0);
	xmit(f, S, FA, 0);
	xmit(f, C, TG_TH_ACK, 0);
}

static void
build_syn_refused(struct tg_flow *f)
{
	xmit(f, C, TG_TH_SYN, 0);
	emit(f, S, RA, 0, f->side[S].rcv_nxt, 0);
}

const struct tg_kind tg_kinds[] = {
	{ "client_close", "client FIN, server ACK, server FIN, client ACK", "fin", "client",
			build_client_close },
	{ "server_close", "server FIN, client ACK, client FIN, server ACK", "fin", "server",
			build_server_close },
	{ "simultaneous", "FINs cross in flight, client FIN first; then both ACK", "simultaneous",
			"client", build_simultaneous },
	{ "rst_client", "established, client sends RST+ACK at SND.NXT", "rst_client", "client",
			build_rst_client },
	{ "rst_server", "established, server sends RST+ACK at SND.NXT", "rst_server", "server",
			build_rst_server },
	{ "rst_fin_wait1", "client FIN, server aborts with RST+ACK before acking the FIN",
			"rst_server", "client", build_rst_fin_wait1 },
	{ "rst_fin_wait2", "client FIN, server ACK, later server RST+ACK", "rst_server", "client",
			build_rst_fin_wait2 },
	{ "rst_close_wait", "server FIN, client ACK, then the client (CLOSE_WAIT) sends RST+ACK",
			"rst_client", "server", build_rst_close_wait },
	{ "rst_last_ack", "client FIN, server ACK, server FIN, client RST instead of the last ACK",
			"rst_client", "client", build_rst_last_ack },
	{ "rst_closing", "FINs cross in flight, then server RST+ACK instead of the ACKs",
			"rst_server", "client", build_rst_closing },
	{ "half_close", "client FIN, server keeps sending 3 data segments, then server FIN", "fin",
			"client", build_half_close },
	{ "fin_data", "FIN+PSH+ACK carrying payload from both sides", "fin", "client",
			build_fin_data },
	{ "fin_retrans", "client FIN retransmitted after 200 ms, then normal close", "fin",
			"client", build_fin_retrans },
	{ "lost_last_ack", "server FIN retransmitted twice, the final client ACK never appears",
			"timeout_LAST_ACK", "client", build_lost_last_ack },
	{ "fin_wait2_timeout", "server FIN, client ACK, then the client never closes",
			"timeout_FIN_WAIT2", "server", build_fin_wait2_timeout },
	{ "tw_reuse", "server close (TIME_WAIT), then a new SYN on the same tuple 500 ms later",
			"fin", "server", build_tw_reuse },
	{ "fin_reorder", "client data A, FIN, data B: FIN seen before the data in front of it",
			"fin", "client", build_fin_reorder },
	{ "syn_refused", "client SYN answered by RST+ACK (connection refused)", "rst_server",
			"server", build_syn_refused },
	{ "crossing_server_first", "FINs cross in flight, server FIN first; then both ACK",
			"simultaneous", "server", build_crossing_server_first },
};

const unsigned int tg_nkinds = sizeof(tg_kinds) / sizeof(tg_kinds[0]);

/* Client address and port of tuple idx: a permutation, so no two tuples share them. */
static void
client_endpoint(struct tg_flow *f, uint64_t idx)
{
	uint64_t k = (idx % CLIENT_TUPLES) * CLIENT_SCRAMBLE % CLIENT_TUPLES;
	uint32_t host = (uint32_t)(k % CLIENT_HOSTS) + 1;
	struct tg_endpoint *ep = &f->ep[C];

	memset(ep->addr, 0, sizeof(ep->addr));
	if (f->ipv6) {
		static const uint8_t prefix[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01 };

		memcpy(ep->addr, prefix, sizeof(prefix));
		ep->addr[14] = (uint8_t)(host >> 8);
		ep->addr[15] = (uint8_t)host;
	} else {
		ep->addr[0] = 198;
		ep->addr[1] = 18;
		ep->addr[2] = (uint8_t)(host >> 8);
		ep->addr[3] = (uint8_t)host;
	}
	ep->port = (uint16_t)(1024 + k / CLIENT_HOSTS);
}

static void
server_endpoint(struct tg_flow *f, struct tg_rng *rng)
{
	uint32_t srv = (uint32_t)tg_rng_below(rng, NSERVERS);
	struct tg_endpoint *ep = &f->ep[S];

	memset(ep->addr, 0, sizeof(ep->addr));
	if (f->ipv6) {
		static const uint8_t prefix[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02 };

		memcpy(ep->addr, prefix, sizeof(prefix));
		ep->addr[14] = (uint8_t)((srv + 1) >> 8);
		ep->addr[15] = (uint8_t)(srv + 1);
	} else {
		ep->addr[0] = 198;
		ep->addr[1] = 19;
		ep->addr[2] = (uint8_t)(srv / SERVERS_PER_SUBNET);
		ep->addr[3] = (uint8_t)(srv % SERVERS_PER_SUBNET + 1);
	}
	ep->port = server_ports[srv % (sizeof(server_ports) / sizeof(server_ports[0]))];
}

/* The flow's tuple: address family, VLAN tags, client and server, drawn from rng. */
static void
flow_tuple(struct tg_flow *f, const struct tg_cfg *cfg, uint64_t idx, struct tg_rng *rng)
{
	f->ipv6 = tg_rng_pct(rng, cfg->ipv6_pct);
	if (tg_rng_pct(rng, cfg->qinq_pct))
		f->nvlan = 2;
	else if (tg_rng_pct(rng,
				 cfg->qinq_pct < 100 ? cfg->vlan_pct * 100 / (100 - cfg->qinq_pct) :
						       0))
		f->nvlan = 1;
	else
		f->nvlan = 0;
	f->vid[0] = (uint16_t)tg_rng_range(rng, 1, 4094);
	f->vid[1] = (uint16_t)tg_rng_range(rng, 1, 4094);

	client_endpoint(f, idx);
	server_endpoint(f, rng);
}

void
tg_flow_setup(struct tg_flow *f, const struct tg_cfg *cfg, uint64_t idx, unsigned int kind,
		const struct tg_rng *rng, uint64_t start_us, const struct tg_tuple *tuple)
{
	unsigned int i;

	f->idx = idx;
	f->kind = kind;
	f->rng = *rng;
	f->t = start_us;
	f->half_rtt = cfg->rtt_us / 2;
	f->data_segments = cfg->data_segments;
	f->mss = cfg->mss;
	f->npkts = 0;
	f->next = 0;
	f->ninc = 0;

	if (tuple != NULL) {
		struct tg_rng tuple_rng = tuple->rng;

		flow_tuple(f, cfg, tuple->idx, &tuple_rng);
	} else {
		flow_tuple(f, cfg, idx, &f->rng);
	}
	for (i = 0; i < 2; i++) {
		f->side[i].ts_base = (uint32_t)tg_rng_next(&f->rng);
		f->side[i].ip_id = (uint16_t)tg_rng_next(&f->rng);
	}
	start_incarnation(f, tg_kinds[kind].how, tg_kinds[kind].first_closer, random_isn(f));
	tg_kinds[kind].build(f);
}

void
tg_endpoint_str(const struct tg_flow *f, unsigned int side, char *buf, size_t size)
{
	const struct tg_endpoint *ep = &f->ep[side];
	char addr[INET6_ADDRSTRLEN];

	if (inet_ntop(f->ipv6 ? AF_INET6 : AF_INET, ep->addr, addr, sizeof(addr)) == NULL)
		snprintf(addr, sizeof(addr), "?");
	if (f->ipv6)
		snprintf(buf, size, "[%s]:%u", addr, ep->port);
	else
		snprintf(buf, size, "%s:%u", addr, ep->port);
}
