/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright(c) 2026 The fintrack authors */

/*
 * Tunnel encapsulation of every frame (--encap): one or two levels of GENEVE, GENEVE as the
 * AWS Gateway Load Balancer sends it, VXLAN, IPIP, GRE or GUE, under an outer Ethernet and
 * IPv4 header, as a middlebox on a load balancer's path receives them.
 *
 * The flow's frame is encoded as it is without encapsulation, at the place its payload takes
 * in the tunnel packet (the whole frame when the innermost level carries Ethernet, its IP
 * packet otherwise); the tunnel headers are then written in front of it, outermost first,
 * every length being known from the start. So the inner packets are byte for byte those of
 * the same trace without --encap.
 *
 * Tunnel endpoints: level i (0 the outermost) runs between A = 198.19.255.(2i + 1) and
 * B = 198.19.255.(2i + 2), whose MAC addresses end in the same four bytes (02:00:c6:13:ff:..).
 * Client to server packets go A to B and server to client packets B to A, except in GWLB,
 * which sends both directions of a flow to the appliance (A to B).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tg_tracegen.h"

#define UDP_HLEN    8
#define VXLAN_HLEN  8
#define GENEVE_HLEN 8
#define GRE_HLEN    4
#define GRE_KEYLEN  4
#define GUE_HLEN    4

#define IPPROTO_IPIP_NUM 4
#define IPPROTO_UDP_NUM	 17
#define IPPROTO_IPV6_NUM 41
#define IPPROTO_GRE_NUM	 47

/* Transparent Ethernet bridging: an Ethernet frame follows (GENEVE and GRE protocol type). */
#define ETHERTYPE_TEB 0x6558

#define VXLAN_FLAG_VNI 0x08
#define GRE_FLAG_KEY   0x2000

/*
 * GWLB's options, all in Amazon's class 0x0108: the GWLB endpoint id (type 1, 8 bytes), the
 * attachment id (type 2, 8 bytes) and the flow cookie (type 3, 4 bytes). Each option is a
 * 4-byte header (class, type, length of its data in 4-byte words) and its data: 32 bytes.
 */
#define GWLB_OPT_CLASS	     0x0108
#define GWLB_OPT_ENDPOINT    1
#define GWLB_OPT_ATTACHMENT  2
#define GWLB_OPT_COOKIE	     3
#define GWLB_OPTLEN	     32
#define GWLB_ENDPOINT_BASE   0x0e00000000000000ULL
#define GWLB_ATTACHMENT_BASE 0x0a00000000000000ULL

/* A VTEP takes its UDP source port from a hash of the inner packet, in 49152..65535. */
#define UDP_SPORT_MIN  49152
#define UDP_SPORT_BITS 14

/* Seeds the flow cookies apart from the flows' own generators. */
#define COOKIE_SALT 0x636f6f6b69657321ULL

#define VNI_MAX 0xffffff

static const struct {
	const char *name;
	enum tg_tunnel kind;
} tunnel_names[] = {
	{ "geneve", TG_TUN_GENEVE },
	{ "gwlb", TG_TUN_GWLB },
	{ "vxlan", TG_TUN_VXLAN },
	{ "ipip", TG_TUN_IPIP },
	{ "gre", TG_TUN_GRE },
	{ "gue", TG_TUN_GUE },
};

int
tg_encap_parse(struct tg_encap *e, const char *spec)
{
	const char *item = spec;

	e->nlevels = 0;
	e->name[0] = '\0';
	if (strcmp(spec, "none") == 0)
		return 0;
	for (;;) {
		const char *plus = strchr(item, '+');
		size_t len = plus ? (size_t)(plus - item) : strlen(item);
		size_t i;

		if (e->nlevels == TG_MAX_TUNNEL_LEVELS)
			return -E2BIG;
		for (i = 0; i < sizeof(tunnel_names) / sizeof(tunnel_names[0]); i++)
			if (strlen(tunnel_names[i].name) == len &&
					memcmp(tunnel_names[i].name, item, len) == 0)
				break;
		if (i == sizeof(tunnel_names) / sizeof(tunnel_names[0]))
			return -EINVAL;
		e->kind[e->nlevels++] = tunnel_names[i].kind;
		if (plus == NULL)
			break;
		item = plus + 1;
	}
	snprintf(e->name, sizeof(e->name), "%s", spec); /* Two names fit. */
	return 0;
}

bool
tg_encap_has(const struct tg_encap *e, enum tg_tunnel kind)
{
	unsigned int i;

	for (i = 0; i < e->nlevels; i++)
		if (e->kind[i] == kind)
			return true;
	return false;
}

/* True when level i carries the flow's identity. */
static bool
level_has_id(const struct tg_encap *e, unsigned int i)
{
	switch (e->kind[i]) {
	case TG_TUN_GENEVE:
	case TG_TUN_GWLB:
	case TG_TUN_VXLAN:
		return true;
	case TG_TUN_GRE:
		return e->gre_key;
	default:
		return false;
	}
}

bool
tg_encap_has_id(const struct tg_encap *e)
{
	unsigned int i;

	for (i = 0; i < e->nlevels; i++)
		if (level_has_id(e, i))
			return true;
	return false;
}

uint32_t
tg_encap_max_id(const struct tg_encap *e)
{
	return tg_encap_has(e, TG_TUN_VXLAN) || tg_encap_has(e, TG_TUN_GENEVE) ? VNI_MAX :
										 UINT32_MAX;
}

void
tg_encap_assign(const struct tg_encap *e, struct tg_flow *f, uint64_t seed)
{
	struct tg_rng r;

	f->tunnel_id = e->tunnel_id + (uint32_t)(f->idx % e->contexts);
	tg_rng_seed(&r, seed ^ COOKIE_SALT, f->idx);
	f->cookie = (uint32_t)tg_rng_next(&r);
}

void
tg_encap_id_str(const struct tg_encap *e, const struct tg_flow *f, char *buf, size_t size)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < e->nlevels && n < size; i++) {
		const char *sep = i == 0 ? "" : "/";
		int w;

		if (!level_has_id(e, i))
			w = snprintf(buf + n, size - n, "%s", sep);
		else if (e->kind[i] == TG_TUN_GWLB)
			w = snprintf(buf + n, size - n,
					"%sendpoint=0x%016" PRIx64 ",attachment=0x%016" PRIx64, sep,
					(uint64_t)(GWLB_ENDPOINT_BASE | f->tunnel_id),
					(uint64_t)(GWLB_ATTACHMENT_BASE | f->tunnel_id));
		else
			w = snprintf(buf + n, size - n, "%s%s=%" PRIu32, sep,
					e->kind[i] == TG_TUN_GRE ? "key" : "vni", f->tunnel_id);
		n += (size_t)w;
	}
}

/* True when level i carries an Ethernet frame, false when it carries an IP packet. */
static bool
carries_eth(const struct tg_encap *e, unsigned int i)
{
	switch (e->kind[i]) {
	case TG_TUN_VXLAN:
		return true;
	case TG_TUN_GENEVE:
		return e->geneve_eth;
	case TG_TUN_GRE:
		return e->gre_eth;
	default:
		return false;
	}
}

/* Bytes level i writes in front of what it carries, an Ethernet header it carries left out. */
static size_t
level_hlen(const struct tg_encap *e, unsigned int i)
{
	switch (e->kind[i]) {
	case TG_TUN_GENEVE:
		return TG_IPV4_HLEN + UDP_HLEN + GENEVE_HLEN;
	case TG_TUN_GWLB:
		return TG_IPV4_HLEN + UDP_HLEN + GENEVE_HLEN + GWLB_OPTLEN;
	case TG_TUN_VXLAN:
		return TG_IPV4_HLEN + UDP_HLEN + VXLAN_HLEN;
	case TG_TUN_GRE:
		return TG_IPV4_HLEN + GRE_HLEN + (e->gre_key ? GRE_KEYLEN : 0);
	case TG_TUN_GUE:
		return TG_IPV4_HLEN + UDP_HLEN + (e->gue_variant == 0 ? GUE_HLEN : 0);
	default:
		return TG_IPV4_HLEN;
	}
}

static void
endpoint_addr(unsigned int level, unsigned int ep, uint8_t addr[4])
{
	addr[0] = 198;
	addr[1] = 19;
	addr[2] = 255;
	addr[3] = (uint8_t)(2 * level + ep + 1);
}

static void
endpoint_mac(unsigned int level, unsigned int ep, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	endpoint_addr(level, ep, mac + 2);
}

/* Tunnel endpoint (0 = A, 1 = B) that sends a packet of direction dir on level i. */
static unsigned int
level_src(const struct tg_encap *e, unsigned int i, unsigned int dir)
{
	return e->kind[i] == TG_TUN_GWLB ? 0 : dir;
}

/*
 * UDP source port of level i for direction dir: a hash of the inner 5-tuple, the direction
 * and the level. The two directions of a flow never share a port, as they do not on real
 * VTEPs, which hash the inner headers in the order they are sent.
 */
static uint16_t
udp_sport(const struct tg_flow *f, unsigned int level, unsigned int dir)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a over the tuple. */
	uint16_t port[2];
	unsigned int d, s, k;

	for (s = 0; s < 2; s++) {
		for (k = 0; k < sizeof(f->ep[s].addr); k++)
			h = (h ^ f->ep[s].addr[k]) * 0x100000001b3ULL;
		h = (h ^ f->ep[s].port) * 0x100000001b3ULL;
	}
	h = (h ^ (6U << 8 | level)) * 0x100000001b3ULL;
	for (d = 0; d < 2; d++) {
		struct tg_rng r = { .s = h ^ d };

		port[d] = (uint16_t)(UDP_SPORT_MIN + (tg_rng_next(&r) >> (64 - UDP_SPORT_BITS)));
	}
	if (port[1] == port[0])
		port[1] ^= 1;
	return port[dir];
}

static uint8_t *
put_udp(uint8_t *b, const uint8_t *end, uint16_t sport, uint16_t dport)
{
	uint8_t *udp = b;

	b = tg_put16(b, sport);
	b = tg_put16(b, dport);
	b = tg_put16(b, (uint16_t)(end - udp));
	return tg_put16(b, 0); /* No checksum, as tunnels over IPv4 send them. */
}

static uint8_t *
put_geneve(uint8_t *b, uint8_t opt_words, uint16_t ptype, uint32_t vni)
{
	*b++ = opt_words; /* Version 0. */
	*b++ = 0;	  /* O and C clear. */
	b = tg_put16(b, ptype);
	return tg_put32(b, vni << 8);
}

static uint8_t *
put_gwlb_option(uint8_t *b, uint8_t type, uint64_t data, unsigned int len)
{
	b = tg_put16(b, GWLB_OPT_CLASS);
	*b++ = type;
	*b++ = (uint8_t)(len / 4);
	if (len == 8)
		b = tg_put32(b, (uint32_t)(data >> 32));
	return tg_put32(b, (uint32_t)data);
}

/*
 * Writes level i of a packet of f in direction dir, up to what it carries: IPv4, UDP, the
 * tunnel header and, when another level follows inside an Ethernet frame, that frame's
 * Ethernet header with ntags of the flow's VLAN tags. end is the end of the packet.
 */
static uint8_t *
put_level(struct tg_encap *e, const struct tg_flow *f, unsigned int dir, unsigned int i, uint8_t *b,
		const uint8_t *end, unsigned int ntags)
{
	unsigned int src = level_src(e, i, dir);
	bool last = i + 1 == e->nlevels;
	bool inner_v6 = last && f->ipv6;
	uint16_t ip_type = inner_v6 ? TG_ETHERTYPE_IPV6 : TG_ETHERTYPE_IPV4;
	uint16_t ptype = carries_eth(e, i) ? ETHERTYPE_TEB : ip_type;
	uint8_t saddr[4], daddr[4];
	uint8_t proto;

	switch (e->kind[i]) {
	case TG_TUN_IPIP:
		proto = inner_v6 ? IPPROTO_IPV6_NUM : IPPROTO_IPIP_NUM;
		break;
	case TG_TUN_GRE:
		proto = IPPROTO_GRE_NUM;
		break;
	default:
		proto = IPPROTO_UDP_NUM;
		break;
	}
	endpoint_addr(i, src, saddr);
	endpoint_addr(i, src ^ 1, daddr);
	b = tg_put_ipv4(b, (uint16_t)(end - b), e->ip_id[2 * i + src]++, proto, saddr, daddr);

	switch (e->kind[i]) {
	case TG_TUN_GENEVE:
		b = put_udp(b, end, udp_sport(f, i, dir), e->geneve_port);
		b = put_geneve(b, 0, ptype, f->tunnel_id);
		break;
	case TG_TUN_GWLB:
		b = put_udp(b, end, udp_sport(f, i, dir), e->geneve_port);
		b = put_geneve(b, GWLB_OPTLEN / 4, ptype, 0);
		b = put_gwlb_option(b, GWLB_OPT_ENDPOINT, GWLB_ENDPOINT_BASE | f->tunnel_id, 8);
		b = put_gwlb_option(b, GWLB_OPT_ATTACHMENT, GWLB_ATTACHMENT_BASE | f->tunnel_id, 8);
		b = put_gwlb_option(b, GWLB_OPT_COOKIE, f->cookie, 4);
		break;
	case TG_TUN_VXLAN:
		b = put_udp(b, end, udp_sport(f, i, dir), e->vxlan_port);
		b = tg_put32(b, (uint32_t)VXLAN_FLAG_VNI << 24);
		b = tg_put32(b, f->tunnel_id << 8);
		break;
	case TG_TUN_GRE:
		b = tg_put16(b, e->gre_key ? GRE_FLAG_KEY : 0);
		b = tg_put16(b, ptype);
		if (e->gre_key)
			b = tg_put32(b, f->tunnel_id);
		break;
	case TG_TUN_GUE:
		b = put_udp(b, end, udp_sport(f, i, dir), e->gue_port);
		if (e->gue_variant == 0) {
			*b++ = 0; /* Version 0, C clear, no extension fields. */
			*b++ = inner_v6 ? IPPROTO_IPV6_NUM : IPPROTO_IPIP_NUM;
			b = tg_put16(b, 0);
		}
		break;
	default:
		break;
	}

	if (!last && carries_eth(e, i)) {
		uint8_t smac[6], dmac[6];
		unsigned int isrc = level_src(e, i + 1, dir);

		endpoint_mac(i + 1, isrc, smac);
		endpoint_mac(i + 1, isrc ^ 1, dmac);
		b = tg_put_eth(b, dmac, smac, ntags, f->vid, TG_ETHERTYPE_IPV4);
	}
	return b;
}

/*
 * The flow's VLAN tags stay on its own Ethernet header when the innermost level carries it;
 * otherwise they go on the Ethernet header closest to the inner IP packet: the one inside
 * the outer level when it carries Ethernet and another level follows, else the outer one.
 */
size_t
tg_encap_build(struct tg_encap *e, const struct tg_flow *f, const struct tg_pkt *p, uint8_t *buf)
{
	size_t l2 = TG_ETH_HLEN + (size_t)TG_VLAN_HLEN * f->nvlan;
	bool keep_l2, mid_eth;
	unsigned int outer_tags, mid_tags, i, src;
	uint8_t smac[6], dmac[6];
	size_t hlen, total;
	uint8_t *b;

	if (e->nlevels == 0)
		return tg_frame_build(f, p, buf);

	keep_l2 = carries_eth(e, e->nlevels - 1);
	mid_eth = e->nlevels == 2 && carries_eth(e, 0);
	mid_tags = !keep_l2 && mid_eth ? f->nvlan : 0;
	outer_tags = !keep_l2 && !mid_eth ? f->nvlan : 0;
	hlen = TG_ETH_HLEN + (size_t)TG_VLAN_HLEN * outer_tags;
	for (i = 0; i < e->nlevels; i++)
		hlen += level_hlen(e, i);
	if (mid_eth)
		hlen += TG_ETH_HLEN + (size_t)TG_VLAN_HLEN * mid_tags;

	/* The flow's frame, or its IP packet, in place; its Ethernet header is overwritten. */
	if (keep_l2)
		total = hlen + tg_frame_build(f, p, buf + hlen);
	else
		total = hlen - l2 + tg_frame_build(f, p, buf + hlen - l2);

	src = level_src(e, 0, p->dir);
	endpoint_mac(0, src, smac);
	endpoint_mac(0, src ^ 1, dmac);
	b = tg_put_eth(buf, dmac, smac, outer_tags, f->vid, TG_ETHERTYPE_IPV4);
	for (i = 0; i < e->nlevels; i++)
		b = put_level(e, f, p->dir, i, b, buf + total, mid_tags);
	return total;
}
