/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * A small IPFIX encoder of our own rather than libfixbuf: two fixed templates
 * over UDP need about 300 lines, with no GLib and no LGPL in the binary, and
 * no run-time template machinery between the record and the wire. nfdump
 * (nfcapd) and tshark check what it sends (tests/replay/ipfix.sh).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>

#include "ft_common.h"
#include "ft_ipfix.h"
#include "ft_output.h"

/* Largest message: fits an Ethernet MTU with IPv6 and UDP headers. */
#define MSG_MAX	   1400
#define MSG_HDR	   16
#define SET_HDR	   4
#define SET_TMPL   2
#define IE_ENTERPR 0x8000u
#define VARLEN	   65535

/* One field of a template: element id, length, enterprise number (0: IANA). */
struct field {
	uint16_t id;
	uint16_t len;
	uint32_t pen;
};

enum { ADDR_V4 = 0, ADDR_V6 = 1 };

struct ft_ipfix {
	int fd;
	uint32_t pen;
	uint32_t domain;
	uint64_t template_ns;	   /* Re-send interval. */
	uint64_t last_template_ns; /* Monotonic time templates were last sent (0: never). */
	uint32_t seq;		   /* Data records sent before the message being built. */
	uint8_t msg[MSG_MAX];
	size_t pos;			  /* Bytes of msg in use. */
	size_t set_start;		  /* Offset of the open data set's header, 0 for none. */
	uint16_t set_tid;		  /* Template of the open data set. */
	uint32_t msg_recs;		  /* Records in the message being built. */
	const struct ft_ctx_map *ctx_map; /* Names the tunnel of a context. */
	struct ft_ipfix_stats stats;
};

/* The fields of both templates but the addresses, which come first. */
static void
template_fields(uint32_t pen, unsigned int v6, struct field *f, unsigned int *n)
{
	unsigned int k = 0;

	f[k++] = (struct field){ v6 ? 27 : 8, v6 ? 16 : 4, 0 };	 /* sourceIPvXAddress */
	f[k++] = (struct field){ v6 ? 28 : 12, v6 ? 16 : 4, 0 }; /* destinationIPvXAddress */
	f[k++] = (struct field){ 7, 2, 0 };			 /* sourceTransportPort */
	f[k++] = (struct field){ 11, 2, 0 };			 /* destinationTransportPort */
	f[k++] = (struct field){ 4, 1, 0 };			 /* protocolIdentifier */
	f[k++] = (struct field){ 239, 1, 0 };			 /* biflowDirection */
	f[k++] = (struct field){ 136, 1, 0 };			 /* flowEndReason */
	f[k++] = (struct field){ 6, 2, 0 };			 /* tcpControlBits */
	f[k++] = (struct field){ 6, 2, FT_IPFIX_PEN_REVERSE };	 /* reverse tcpControlBits */
	f[k++] = (struct field){ 2, 8, 0 };			 /* packetDeltaCount */
	f[k++] = (struct field){ 1, 8, 0 };			 /* octetDeltaCount */
	f[k++] = (struct field){ 2, 8, FT_IPFIX_PEN_REVERSE };	 /* reverse packetDeltaCount */
	f[k++] = (struct field){ 1, 8, FT_IPFIX_PEN_REVERSE };	 /* reverse octetDeltaCount */
	f[k++] = (struct field){ 152, 8, 0 };			 /* flowStartMilliseconds */
	f[k++] = (struct field){ 153, 8, 0 };			 /* flowEndMilliseconds */
	f[k++] = (struct field){ FT_IPFIX_IE_FIRST_CLOSER, VARLEN, pen };
	f[k++] = (struct field){ FT_IPFIX_IE_HOW, VARLEN, pen };
	f[k++] = (struct field){ FT_IPFIX_IE_CLIENT_LAST, VARLEN, pen };
	f[k++] = (struct field){ FT_IPFIX_IE_SERVER_LAST, VARLEN, pen };
	f[k++] = (struct field){ FT_IPFIX_IE_CTX, 4, pen };
	f[k++] = (struct field){ FT_IPFIX_IE_TUNNEL, VARLEN, pen };
	f[k++] = (struct field){ FT_IPFIX_IE_ONE_SIDED, VARLEN, pen };
	*n = k;
}

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * FT_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	p = put16(p, (uint16_t)(v >> 16));
	return put16(p, (uint16_t)v);
}

static uint8_t *
put64(uint8_t *p, uint64_t v)
{
	p = put32(p, (uint32_t)(v >> 32));
	return put32(p, (uint32_t)v);
}

/* A variable-length string: one length byte, then the bytes. */
static uint8_t *
put_str(uint8_t *p, const char *s)
{
	size_t n = strlen(s);

	if (n > 254)
		n = 254;
	*p++ = (uint8_t)n;
	memcpy(p, s, n);
	return p + n;
}

/* Send msg[0, len) with its header filled in. */
static void
send_msg(struct ft_ipfix *x, uint8_t *msg, size_t len, uint32_t recs)
{
	uint8_t *p = msg;

	p = put16(p, 10);
	p = put16(p, (uint16_t)len);
	p = put32(p, (uint32_t)(clock_ns(CLOCK_REALTIME) / FT_NS_PER_SEC));
	p = put32(p, x->seq);
	put32(p, x->domain);
	if (send(x->fd, msg, len, MSG_DONTWAIT) != (ssize_t)len) {
		x->stats.send_errors++;
		return;
	}
	x->stats.messages++;
	x->stats.records += recs;
}

/* Both templates, in a message of their own. */
static void
send_templates(struct ft_ipfix *x)
{
	uint8_t msg[MSG_MAX];
	uint8_t *p = msg + MSG_HDR, *set = p;
	struct field f[32];
	unsigned int v6, n, i;

	p += SET_HDR;
	for (v6 = 0; v6 < 2; v6++) {
		template_fields(x->pen, v6, f, &n);
		p = put16(p, v6 ? FT_IPFIX_TEMPLATE_V6 : FT_IPFIX_TEMPLATE_V4);
		p = put16(p, (uint16_t)n);
		for (i = 0; i < n; i++) {
			p = put16(p, (uint16_t)(f[i].id | (f[i].pen ? IE_ENTERPR : 0)));
			p = put16(p, f[i].len);
			if (f[i].pen)
				p = put32(p, f[i].pen);
		}
	}
	put16(set, SET_TMPL);
	put16(set + 2, (uint16_t)(p - set));
	send_msg(x, msg, (size_t)(p - msg), 0);
	x->stats.templates++;
	x->last_template_ns = clock_ns(CLOCK_MONOTONIC);
}

static void
close_set(struct ft_ipfix *x)
{
	if (x->set_start == 0)
		return;
	put16(x->msg + x->set_start + 2, (uint16_t)(x->pos - x->set_start));
	x->set_start = 0;
}

void
ft_ipfix_flush(struct ft_ipfix *x)
{
	if (x == NULL)
		return;
	if (x->last_template_ns == 0 ||
			clock_ns(CLOCK_MONOTONIC) - x->last_template_ns >= x->template_ns)
		send_templates(x);
	if (x->msg_recs == 0)
		return;
	close_set(x);
	send_msg(x, x->msg, x->pos, x->msg_recs);
	x->seq += x->msg_recs;
	x->msg_recs = 0;
	x->pos = MSG_HDR;
}

/* Append one encoded record of template tid. */
static void
add_record(struct ft_ipfix *x, uint16_t tid, const uint8_t *rec, size_t len)
{
	size_t need = len + (x->set_start != 0 && x->set_tid == tid ? 0 : SET_HDR);

	if (x->pos + need > MSG_MAX)
		ft_ipfix_flush(x);
	if (x->set_start == 0 || x->set_tid != tid) {
		close_set(x);
		x->set_start = x->pos;
		x->set_tid = tid;
		put16(x->msg + x->pos, tid);
		x->pos += SET_HDR;
	}
	memcpy(x->msg + x->pos, rec, len);
	x->pos += len;
	x->msg_recs++;
}

uint8_t
ft_ipfix_end_reason(unsigned int how)
{
	switch (how) {
	case FT_END_TIMEOUT:
	case FT_END_ONE_SIDED:
		return FT_IPFIX_END_IDLE;
	case FT_END_EVICTED:
		return FT_IPFIX_END_RESOURCES;
	default:
		return FT_IPFIX_END_DETECTED;
	}
}

/* What one record says, from an end event or a flow still tracked. */
struct rec {
	const struct ft_endpoint *c, *s;
	uint8_t reason;
	uint8_t flags[2];
	uint64_t pkts[2], bytes[2];
	uint64_t start_ns, end_ns;
	const char *closer, *how, *last[2];
	uint32_t ctx;
	const char *tunnel, *one_sided;
};

static void
encode(struct ft_ipfix *x, const struct rec *r)
{
	uint8_t rec[256];
	uint8_t *p = rec;
	unsigned int v6 = r->c->is_v6;
	size_t alen = v6 ? 16 : 4;

	memcpy(p, r->c->addr, alen);
	p += alen;
	memcpy(p, r->s->addr, alen);
	p += alen;
	p = put16(p, r->c->port);
	p = put16(p, r->s->port);
	*p++ = 6;    /* TCP */
	*p++ = 0x01; /* biflowDirection: the source (the client) initiated the flow. */
	*p++ = r->reason;
	p = put16(p, r->flags[0]);
	p = put16(p, r->flags[1]);
	p = put64(p, r->pkts[0]);
	p = put64(p, r->bytes[0]);
	p = put64(p, r->pkts[1]);
	p = put64(p, r->bytes[1]);
	p = put64(p, r->start_ns / FT_NS_PER_MSEC);
	p = put64(p, r->end_ns / FT_NS_PER_MSEC);
	p = put_str(p, r->closer);
	p = put_str(p, r->how);
	p = put_str(p, r->last[0]);
	p = put_str(p, r->last[1]);
	p = put32(p, r->ctx);
	p = put_str(p, r->tunnel);
	p = put_str(p, r->one_sided);
	add_record(x, v6 ? FT_IPFIX_TEMPLATE_V6 : FT_IPFIX_TEMPLATE_V4, rec, (size_t)(p - rec));
}

void
ft_ipfix_set_ctx_map(struct ft_ipfix *x, const struct ft_ctx_map *m)
{
	if (x != NULL)
		x->ctx_map = m;
}

void
ft_ipfix_event(struct ft_ipfix *x, const struct ft_event *ev)
{
	char how[48], tunnel[64];
	struct rec r;

	if (x == NULL || ev->type != FT_EVENT_END)
		return;
	snprintf(how, sizeof(how), "%s%s%s", ft_engine_how_word(ev->how),
			ev->how == FT_END_TIMEOUT ? "_" : "",
			ev->how == FT_END_TIMEOUT ? ft_tcp_state_name(ev->how_state) : "");
	r.c = &ev->client;
	r.s = &ev->server;
	r.reason = ft_ipfix_end_reason(ev->how);
	memcpy(r.flags, ev->tcp_flags, sizeof(r.flags));
	memcpy(r.pkts, ev->pkts, sizeof(r.pkts));
	memcpy(r.bytes, ev->bytes, sizeof(r.bytes));
	r.start_ns = ev->start_ns;
	r.end_ns = ev->ts_ns;
	r.closer = ft_engine_closer_word(ev->first_closer);
	r.how = how;
	r.last[0] = ft_tcp_state_name(ev->last_state[0]);
	r.last[1] = ft_tcp_state_name(ev->last_state[1]);
	r.ctx = ev->ctx;
	r.tunnel = ft_output_tunnel(x->ctx_map, ev->ctx, tunnel, sizeof(tunnel));
	r.one_sided = ft_engine_one_sided_word(ev->one_sided);
	encode(x, &r);
}

void
ft_ipfix_flow(struct ft_ipfix *x, const struct ft_flow_info *fi, uint64_t now_ns)
{
	char tunnel[64];
	struct rec r;

	/* A flow held after its RST has had its record. */
	if (x == NULL || fi->held)
		return;
	r.c = &fi->client;
	r.s = &fi->server;
	r.reason = FT_IPFIX_END_FORCED;
	memcpy(r.flags, fi->tcp_flags, sizeof(r.flags));
	memcpy(r.pkts, fi->pkts, sizeof(r.pkts));
	memcpy(r.bytes, fi->bytes, sizeof(r.bytes));
	r.start_ns = fi->start_ns;
	r.end_ns = now_ns;
	r.closer = ft_engine_closer_word(fi->first_closer);
	r.how = "none";
	r.last[0] = ft_tcp_state_name(fi->state[0]);
	r.last[1] = ft_tcp_state_name(fi->state[1]);
	r.ctx = fi->ctx;
	r.tunnel = ft_output_tunnel(x->ctx_map, fi->ctx, tunnel, sizeof(tunnel));
	r.one_sided = ft_engine_one_sided_word(fi->one_sided);
	encode(x, &r);
}

int
ft_ipfix_open(const struct ft_app_cfg *cfg, struct ft_ipfix **out)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sa4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)&ss;
	struct ft_ipfix *x;
	socklen_t slen;

	*out = NULL;
	if (cfg->ipfix_port == 0)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, cfg->ipfix_addr, &sa4->sin_addr) == 1) {
		sa4->sin_family = AF_INET;
		sa4->sin_port = htons(cfg->ipfix_port);
		slen = sizeof(*sa4);
	} else {
		inet_pton(AF_INET6, cfg->ipfix_addr, &sa6->sin6_addr);
		sa6->sin6_family = AF_INET6;
		sa6->sin6_port = htons(cfg->ipfix_port);
		slen = sizeof(*sa6);
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return -ENOMEM;
	x->fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (x->fd < 0 || connect(x->fd, (struct sockaddr *)&ss, slen) != 0) {
		fprintf(stderr, "fintrack: --ipfix-collector %s --ipfix-port %u: %s\n",
				cfg->ipfix_addr, cfg->ipfix_port, strerror(errno));
		if (x->fd >= 0)
			close(x->fd);
		free(x);
		return -EIO;
	}
	x->pen = cfg->ipfix_pen;
	x->domain = cfg->ipfix_domain;
	x->template_ns = (uint64_t)cfg->ipfix_template_ms * FT_NS_PER_MSEC;
	x->pos = MSG_HDR;
	send_templates(x);
	*out = x;
	return 0;
}

void
ft_ipfix_close(struct ft_ipfix *x)
{
	if (x == NULL)
		return;
	ft_ipfix_flush(x);
	close(x->fd);
	free(x);
}

const struct ft_ipfix_stats *
ft_ipfix_stats(const struct ft_ipfix *x)
{
	return &x->stats;
}
