/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <string.h>
#include <netinet/in.h>

#include "ft_pkt.h"
#include "ft_pkt_plain.h"

#define ETH_HDR_LEN    14
#define VLAN_TAG_LEN   4
#define ETH_P_IPV4     0x0800
#define ETH_P_IPV6     0x86dd
#define ETH_P_8021Q    0x8100
#define ETH_P_8021AD   0x88a8
#define ETH_P_QINQ1    0x9100
#define IPV4_HDR_MIN   20
#define IPV6_HDR_LEN   40
#define TCP_HDR_MIN    20
#define IPV6_NH_HOP    0
#define IPV6_NH_ROUTE  43
#define IPV6_NH_FRAG   44
#define IPV6_NH_AH     51
#define IPV6_NH_DEST   60
#define IPV6_NH_MH     135
#define IPPROTO_IPIP4  4
#define IPPROTO_IPV6E  41
#define IPPROTO_GREP   47
#define ETH_P_TEB      0x6558
#define UDP_HDR_LEN    8
#define GENEVE_HDR     8
#define VXLAN_HDR      8
#define GRE_HDR_MIN    4
#define GUE_HDR_MIN    4
#define GWLB_OPT_CLASS 0x0108

static inline uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static const char *const status_desc[] = {
#define FT_PKT_DESC(name, lname, desc) [FT_PKT_##name] = desc,
	FT_PKT_STATUS_LIST(FT_PKT_DESC)
#undef FT_PKT_DESC
};

static const char *const status_name[] = {
#define FT_PKT_NAME(name, lname, desc) [FT_PKT_##name] = #name,
	FT_PKT_STATUS_LIST(FT_PKT_NAME)
#undef FT_PKT_NAME
};

static const char *const tun_kind_name[] = {
#define FT_TUN_KIND_NAME(name, word) [FT_TUN_##name] = word,
	FT_TUN_KIND_LIST(FT_TUN_KIND_NAME)
#undef FT_TUN_KIND_NAME
};

const char *
ft_tun_kind_name(unsigned int kind)
{
	return kind < FT_TUN_KIND_MAX ? tun_kind_name[kind] : "unknown";
}

static const char *const status_counter[] = {
#define FT_PKT_COUNTER(name, lname, desc) [FT_PKT_##name] = "pkt_" #lname,
	FT_PKT_STATUS_LIST(FT_PKT_COUNTER)
#undef FT_PKT_COUNTER
};

const char *
ft_pkt_status_counter(enum ft_pkt_status st)
{
	return st < FT_PKT_STATUS_MAX ? status_counter[st] : "unknown";
}

const char *
ft_pkt_status_desc(enum ft_pkt_status st)
{
	return st < FT_PKT_STATUS_MAX ? status_desc[st] : "unknown";
}

const char *
ft_pkt_status_name(enum ft_pkt_status st)
{
	return st < FT_PKT_STATUS_MAX ? status_name[st] : "unknown";
}

/* Unaligned big-endian loads; the compiler turns them into one load and a byte swap. */
/*
 * Walk the TCP options for the window scale and timestamp. A length that runs
 * past the header is an error; unknown kinds are skipped by their length.
 */
static enum ft_pkt_status
parse_tcp_options(const uint8_t *opt, uint32_t len, int cut, struct ft_pkt *pkt)
{
	uint32_t i = 0;

	while (i < len) {
		uint8_t kind = opt[i];
		uint8_t olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		/* With a capture cut inside the options, running past the cut ends the walk. */
		if (i + 1 >= len)
			return cut ? FT_PKT_TCP : FT_PKT_ERR_TCP_OPT;
		olen = opt[i + 1];
		if (olen < 2)
			return FT_PKT_ERR_TCP_OPT;
		if (i + olen > len)
			return cut ? FT_PKT_TCP : FT_PKT_ERR_TCP_OPT;
		if (kind == 3 && olen == 3)
			pkt->wscale = opt[i + 2] > FT_PKT_WSCALE_MAX ? FT_PKT_WSCALE_MAX :
								       opt[i + 2];
		else if (kind == 8 && olen == 10) {
			pkt->has_ts = 1;
			pkt->tsval = ft_pkt_rd32(opt + i + 2);
		}
		i += olen;
	}
	return FT_PKT_TCP;
}

static inline __attribute__((always_inline)) enum ft_pkt_status
parse_tcp(const uint8_t *l4, uint32_t l4_cap, uint32_t l4_len, struct ft_pkt *pkt)
{
	uint32_t doff;
	uint8_t flags;

	if (l4_cap < TCP_HDR_MIN)
		return FT_PKT_ERR_TRUNC_TCP;
	doff = (uint32_t)(l4[12] >> 4) * 4;
	if (doff < TCP_HDR_MIN || doff > l4_len)
		return FT_PKT_ERR_TCP_DOFF;
	/*
	 * The capture cut the segment inside its options: take what was captured of
	 * them (an option running past the cut ends the walk; it may be whole on the
	 * wire).
	 */
	if (doff > l4_cap) {
		flags = ft_pkt_tcp_flags(l4);
		if (!ft_pkt_tcp_flags_ok(flags))
			return FT_PKT_ERR_TCP_FLAGS;
		ft_pkt_fill_tcp(l4, l4_len, doff, flags, pkt);
		return parse_tcp_options(l4 + TCP_HDR_MIN, l4_cap - TCP_HDR_MIN, 1, pkt);
	}
	flags = ft_pkt_tcp_flags(l4);
	if (!ft_pkt_tcp_flags_ok(flags))
		return FT_PKT_ERR_TCP_FLAGS;
	ft_pkt_fill_tcp(l4, l4_len, doff, flags, pkt);
	if (doff == TCP_HDR_MIN)
		return FT_PKT_TCP;
	/*
	 * The usual 12 bytes of timestamp option (NOP, NOP, TS), and the options of
	 * a Linux SYN, as the one-pass parse reads them.
	 */
	if (ft_pkt_ts_only(l4, doff, pkt) || ft_pkt_syn_opts(l4, doff, pkt))
		return FT_PKT_TCP;
	return parse_tcp_options(l4 + TCP_HDR_MIN, doff - TCP_HDR_MIN, 0, pkt);
}

static void
key6_build(struct ft_pkt *pkt, const uint8_t *src, const uint8_t *dst, const uint8_t *ports)
{
	struct ft_key6 *k = &pkt->key.v6;
	int cmp = memcmp(src, dst, 16);

	if (cmp == 0)
		cmp = memcmp(ports, ports + 2, 2);
	pkt->dir = cmp > 0;
	memcpy(k->addr[pkt->dir], src, 16);
	memcpy(k->addr[!pkt->dir], dst, 16);
	memcpy(&k->port[pkt->dir], ports, 2);
	memcpy(&k->port[!pkt->dir], ports + 2, 2);
	k->proto = IPPROTO_TCP;
	memset(k->ctx, 0, sizeof(k->ctx));
	memset(k->pad, 0, sizeof(k->pad));
}

static enum ft_pkt_status parse_ip_next(const struct ft_pkt_conf *c, uint8_t proto,
		const uint8_t *l4, uint32_t cap, uint32_t len, struct ft_pkt *pkt);

static enum ft_pkt_status
parse_ipv4(const struct ft_pkt_conf *c, const uint8_t *ip, uint32_t cap, uint32_t len,
		struct ft_pkt *pkt)
{
	uint32_t ihl, tot;
	enum ft_pkt_status st;

	if (cap < IPV4_HDR_MIN)
		return FT_PKT_ERR_TRUNC_IP;
	if (ip[0] >> 4 != 4)
		return FT_PKT_ERR_IP_VERSION;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	if (ihl < IPV4_HDR_MIN || ihl > len)
		return FT_PKT_ERR_IP_IHL;
	if (ihl > cap)
		return FT_PKT_ERR_TRUNC_IP;
	tot = ft_pkt_rd16(ip + 2);
	/* Ethernet padding may follow the datagram; a datagram longer than the frame may not. */
	if (tot < ihl || tot > len)
		return FT_PKT_ERR_IP_LEN;
	if (ft_pkt_rd16(ip + 6) & 0x3fff)
		return FT_PKT_FRAGMENT;
	if (ip[9] != IPPROTO_TCP)
		return parse_ip_next(c, ip[9], ip + ihl, min_u32(tot, cap) - ihl, tot - ihl, pkt);
	st = parse_tcp(ip + ihl, min_u32(tot, cap) - ihl, tot - ihl, pkt);
	if (st != FT_PKT_TCP)
		return st;
	pkt->is_v6 = 0;
	ft_pkt_key4_build(pkt, ip + 12, ip + 16, ip + ihl);
	return FT_PKT_TCP;
}

static enum ft_pkt_status
parse_ipv6(const struct ft_pkt_conf *c, const uint8_t *ip, uint32_t cap, uint32_t len,
		struct ft_pkt *pkt)
{
	uint32_t off = IPV6_HDR_LEN, end, wire_end;
	uint8_t nh;
	unsigned int hops;
	enum ft_pkt_status st;

	if (cap < IPV6_HDR_LEN)
		return FT_PKT_ERR_TRUNC_IP;
	if (ip[0] >> 4 != 6)
		return FT_PKT_ERR_IP_VERSION;
	wire_end = IPV6_HDR_LEN + ft_pkt_rd16(ip + 4);
	if (wire_end > len)
		return FT_PKT_ERR_IP_LEN;
	/* Extension headers must be in the capture: walk them within what was captured. */
	end = min_u32(wire_end, cap);
	nh = ip[6];
	for (hops = 0; nh != IPPROTO_TCP; hops++) {
		uint32_t hlen;

		if (hops == FT_PKT_IPV6_EXT_MAX)
			return FT_PKT_ERR_IPV6_EXT;
		switch (nh) {
		case IPV6_NH_HOP:
		case IPV6_NH_ROUTE:
		case IPV6_NH_DEST:
		case IPV6_NH_MH:
			if (off + 8 > end)
				return FT_PKT_ERR_IPV6_EXT;
			hlen = ((uint32_t)ip[off + 1] + 1) * 8;
			break;
		case IPV6_NH_AH:
			if (off + 8 > end)
				return FT_PKT_ERR_IPV6_EXT;
			hlen = ((uint32_t)ip[off + 1] + 2) * 4;
			break;
		case IPV6_NH_FRAG:
			if (off + 8 > end)
				return FT_PKT_ERR_IPV6_EXT;
			/* An atomic fragment (offset 0, no more fragments) is whole. */
			if (ft_pkt_rd16(ip + off + 2) & 0xfff9)
				return FT_PKT_FRAGMENT;
			hlen = 8;
			break;
		default:
			return parse_ip_next(c, nh, ip + off, end - off, wire_end - off, pkt);
		}
		if (off + hlen > end)
			return FT_PKT_ERR_IPV6_EXT;
		nh = ip[off];
		off += hlen;
	}
	st = parse_tcp(ip + off, end - off, wire_end - off, pkt);
	if (st != FT_PKT_TCP)
		return st;
	pkt->is_v6 = 1;
	key6_build(pkt, ip + 8, ip + 24, ip + off);
	return FT_PKT_TCP;
}

/*
 * An Ethernet header, its VLAN tags and what it carries: the outer frame, or
 * the inner frame of a VXLAN, GENEVE or GRE tunnel.
 */
static enum ft_pkt_status
parse_eth(const struct ft_pkt_conf *c, const uint8_t *data, uint32_t cap, uint32_t len,
		struct ft_pkt *pkt)
{
	uint32_t off = ETH_HDR_LEN;
	uint16_t type;

	if (cap < ETH_HDR_LEN)
		return FT_PKT_ERR_TRUNC_ETH;
	type = ft_pkt_rd16(data + 12);
	pkt->vlans = 0;
	/* Untagged IPv4 first: most frames are. */
	if (type == ETH_P_IPV4)
		return parse_ipv4(c, data + ETH_HDR_LEN, cap - ETH_HDR_LEN, len - ETH_HDR_LEN, pkt);
	while (type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ1) {
		if (pkt->vlans == 2)
			return FT_PKT_ERR_VLAN_DEPTH;
		if (off + VLAN_TAG_LEN > cap)
			return FT_PKT_ERR_TRUNC_ETH;
		type = ft_pkt_rd16(data + off + 2);
		off += VLAN_TAG_LEN;
		pkt->vlans++;
	}
	if (type == ETH_P_IPV4)
		return parse_ipv4(c, data + off, cap - off, len - off, pkt);
	if (type == ETH_P_IPV6)
		return parse_ipv6(c, data + off, cap - off, len - off, pkt);
	return FT_PKT_NOT_IP;
}

/* ---------------------------------------------------------------------------
 * Tunnels
 */

/*
 * Open one more tunnel level of the given kind, or say that the packet is
 * nested deeper than configured.
 */
static inline struct ft_pkt_tun *
tun_push(const struct ft_pkt_conf *c, struct ft_pkt *pkt, uint8_t kind)
{
	struct ft_pkt_tun *t;

	if (pkt->tun_n >= c->tun_depth)
		return NULL;
	t = &pkt->tun[pkt->tun_n++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	return t;
}

static inline enum ft_pkt_status
depth_status(const struct ft_pkt_conf *c)
{
	/* With tunnels off, a tunnel is just a packet that is not TCP. */
	return c->tun_depth == 0 ? FT_PKT_NOT_TCP : FT_PKT_TUN_DEPTH;
}

/* What a tunnel carries, by EtherType: Ethernet, IPv4 or IPv6. */
static enum ft_pkt_status
parse_inner(const struct ft_pkt_conf *c, uint16_t type, const uint8_t *p, uint32_t cap,
		uint32_t len, struct ft_pkt *pkt)
{
	switch (type) {
	case ETH_P_TEB:
		return parse_eth(c, p, cap, len, pkt);
	case ETH_P_IPV4:
		return parse_ipv4(c, p, cap, len, pkt);
	case ETH_P_IPV6:
		return parse_ipv6(c, p, cap, len, pkt);
	default:
		return FT_PKT_NOT_IP;
	}
}

/*
 * GENEVE (RFC 8926): options walked by their lengths; the AWS Gateway Load
 * Balancer's (class 0x0108: endpoint id, attachment id, flow cookie) read.
 */
static enum ft_pkt_status
parse_geneve(const struct ft_pkt_conf *c, const uint8_t *p, uint32_t cap, uint32_t len,
		struct ft_pkt *pkt)
{
	uint32_t hlen, i;
	uint8_t ep[8], att[8], have = 0;
	uint32_t cookie = 0;
	struct ft_pkt_tun *t;

	if (cap < GENEVE_HDR)
		return FT_PKT_ERR_TUN_TRUNC;
	if (p[0] >> 6 != 0)
		return FT_PKT_ERR_GENEVE_VER;
	hlen = GENEVE_HDR + (uint32_t)(p[0] & 0x3f) * 4;
	if (hlen > len)
		return FT_PKT_ERR_GENEVE_OPT;
	if (hlen > cap)
		return FT_PKT_ERR_TUN_TRUNC;
	for (i = GENEVE_HDR; i < hlen;) {
		uint32_t olen;

		if (i + 4 > hlen)
			return FT_PKT_ERR_GENEVE_OPT;
		olen = (uint32_t)(p[i + 3] & 0x1f) * 4;
		if (i + 4 + olen > hlen)
			return FT_PKT_ERR_GENEVE_OPT;
		if (ft_pkt_rd16(p + i) == GWLB_OPT_CLASS) {
			if (p[i + 2] == 1 && olen == 8) {
				memcpy(ep, p + i + 4, 8);
				have |= 1;
			} else if (p[i + 2] == 2 && olen == 8) {
				memcpy(att, p + i + 4, 8);
				have |= 2;
			} else if (p[i + 2] == 3 && olen == 4) {
				cookie = ft_pkt_rd32(p + i + 4);
				have |= 4;
			}
		}
		i += 4 + olen;
	}
	t = tun_push(c, pkt, (have & 3) == 3 ? FT_TUN_GWLB : FT_TUN_GENEVE);
	if (t == NULL)
		return depth_status(c);
	t->cookie = cookie;
	if (t->kind == FT_TUN_GWLB && c->ctx_geneve == FT_GENEVE_CTX_AUTO) {
		memcpy(t->id, ep, 8);
		memcpy(t->id + 8, att, 8);
		t->id_len = 16;
	} else if (c->ctx_geneve != FT_GENEVE_CTX_NONE) {
		memcpy(t->id, p + 4, 3);
		t->id_len = 3;
	}
	return parse_inner(c, ft_pkt_rd16(p + 2), p + hlen, cap - hlen, len - hlen, pkt);
}

/* VXLAN (RFC 7348): the I flag must be set; reserved bits are ignored. */
static enum ft_pkt_status
parse_vxlan(const struct ft_pkt_conf *c, const uint8_t *p, uint32_t cap, uint32_t len,
		struct ft_pkt *pkt)
{
	struct ft_pkt_tun *t;

	if (cap < VXLAN_HDR)
		return FT_PKT_ERR_TUN_TRUNC;
	if (!(p[0] & 0x08))
		return FT_PKT_ERR_VXLAN_FLAGS;
	t = tun_push(c, pkt, FT_TUN_VXLAN);
	if (t == NULL)
		return depth_status(c);
	if (c->ctx_vxlan) {
		memcpy(t->id, p + 4, 3);
		t->id_len = 3;
	}
	return parse_eth(c, p + VXLAN_HDR, cap - VXLAN_HDR, len - VXLAN_HDR, pkt);
}

/*
 * GUE (draft-ietf-intarea-gue): variant 0 has a header naming the IP protocol
 * inside (its extension fields skipped by their length); variant 1 is the
 * inner IP packet itself. Control messages are not tracked.
 */
static enum ft_pkt_status
parse_gue(const struct ft_pkt_conf *c, const uint8_t *p, uint32_t cap, uint32_t len,
		struct ft_pkt *pkt)
{
	uint32_t hlen;
	uint8_t proto;

	if (cap < 1)
		return FT_PKT_ERR_TUN_TRUNC;
	switch (p[0] >> 6) {
	case 0:
		if (cap < GUE_HDR_MIN)
			return FT_PKT_ERR_TUN_TRUNC;
		if (p[0] & 0x20)
			return FT_PKT_NOT_TCP;
		hlen = GUE_HDR_MIN + (uint32_t)(p[0] & 0x1f) * 4;
		if (hlen > len)
			return FT_PKT_ERR_TUN_LEN;
		if (hlen > cap)
			return FT_PKT_ERR_TUN_TRUNC;
		proto = p[1];
		break;
	case 1:
		hlen = 0;
		proto = (p[0] >> 4) == 4 ? IPPROTO_IPIP4 : (p[0] >> 4) == 6 ? IPPROTO_IPV6E : 0;
		if (proto == 0)
			return FT_PKT_ERR_GUE_VER;
		break;
	default:
		return FT_PKT_ERR_GUE_VER;
	}
	if (proto != IPPROTO_IPIP4 && proto != IPPROTO_IPV6E)
		return FT_PKT_NOT_TCP;
	if (tun_push(c, pkt, FT_TUN_GUE) == NULL)
		return depth_status(c);
	return proto == IPPROTO_IPIP4 ? parse_ipv4(c, p + hlen, cap - hlen, len - hlen, pkt) :
					parse_ipv6(c, p + hlen, cap - hlen, len - hlen, pkt);
}

static inline int
port_in(const struct ft_pkt_ports *ports, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < ports->n && i < FT_PKT_PORTS_MAX; i++)
		if (ports->port[i] == port)
			return 1;
	return 0;
}

/* A UDP datagram: a tunnel if its destination port is one configured for one. */
static enum ft_pkt_status
parse_udp(const struct ft_pkt_conf *c, const uint8_t *p, uint32_t cap, uint32_t len,
		struct ft_pkt *pkt)
{
	enum ft_pkt_status (*next)(const struct ft_pkt_conf *, const uint8_t *, uint32_t, uint32_t,
			struct ft_pkt *);
	uint32_t ulen;
	uint16_t dport;

	if (cap < 4)
		return FT_PKT_NOT_TCP;
	dport = ft_pkt_rd16(p + 2);
	if (port_in(&c->geneve, dport))
		next = parse_geneve;
	else if (port_in(&c->vxlan, dport))
		next = parse_vxlan;
	else if (port_in(&c->gue, dport))
		next = parse_gue;
	else
		return FT_PKT_NOT_TCP;
	if (cap < UDP_HDR_LEN)
		return FT_PKT_ERR_TUN_TRUNC;
	ulen = ft_pkt_rd16(p + 4);
	if (ulen < UDP_HDR_LEN || ulen > len)
		return FT_PKT_ERR_TUN_LEN;
	return next(c, p + UDP_HDR_LEN, min_u32(ulen, cap) - UDP_HDR_LEN, ulen - UDP_HDR_LEN, pkt);
}

/*
 * GRE (RFC 2784, 2890): checksum, key and sequence number skipped or read by
 * their flags. Version 1 (PPTP) carries PPP and is not tracked.
 */
static enum ft_pkt_status
parse_gre(const struct ft_pkt_conf *c, const uint8_t *p, uint32_t cap, uint32_t len,
		struct ft_pkt *pkt)
{
	uint16_t flags, type;
	uint32_t hlen = GRE_HDR_MIN, key_off = 0;
	struct ft_pkt_tun *t;

	if (cap < GRE_HDR_MIN)
		return FT_PKT_ERR_TUN_TRUNC;
	flags = ft_pkt_rd16(p);
	if ((flags & 0x7) != 0)
		return FT_PKT_NOT_TCP;
	if (flags & 0x4000)
		return FT_PKT_ERR_GRE_FLAGS;
	if (flags & 0x8000)
		hlen += 4;
	if (flags & 0x2000) {
		key_off = hlen;
		hlen += 4;
	}
	if (flags & 0x1000)
		hlen += 4;
	if (hlen > cap)
		return FT_PKT_ERR_TUN_TRUNC;
	type = ft_pkt_rd16(p + 2);
	if (type != ETH_P_IPV4 && type != ETH_P_IPV6 && type != ETH_P_TEB)
		return FT_PKT_NOT_TCP;
	t = tun_push(c, pkt, FT_TUN_GRE);
	if (t == NULL)
		return depth_status(c);
	if (key_off != 0 && c->ctx_gre) {
		memcpy(t->id, p + key_off, 4);
		t->id_len = 4;
	}
	return parse_inner(c, type, p + hlen, cap - hlen, len - hlen, pkt);
}

/* What follows an IP header that is not TCP: a tunnel, or nothing we track. */
static enum ft_pkt_status
parse_ip_next(const struct ft_pkt_conf *c, uint8_t proto, const uint8_t *l4, uint32_t cap,
		uint32_t len, struct ft_pkt *pkt)
{
	switch (proto) {
	case IPPROTO_UDP:
		return parse_udp(c, l4, cap, len, pkt);
	case IPPROTO_IPIP4:
	case IPPROTO_IPV6E:
		if (!c->ipip)
			return FT_PKT_NOT_TCP;
		if (tun_push(c, pkt, FT_TUN_IPIP) == NULL)
			return depth_status(c);
		return proto == IPPROTO_IPIP4 ? parse_ipv4(c, l4, cap, len, pkt) :
						parse_ipv6(c, l4, cap, len, pkt);
	case IPPROTO_GREP:
		if (!c->gre)
			return FT_PKT_NOT_TCP;
		return parse_gre(c, l4, cap, len, pkt);
	default:
		return FT_PKT_NOT_TCP;
	}
}

void
ft_pkt_conf_init(struct ft_pkt_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->tun_depth = 2;
	conf->ipip = 1;
	conf->gre = 1;
	conf->geneve.n = 1;
	conf->geneve.port[0] = 6081;
	conf->vxlan.n = 2;
	conf->vxlan.port[0] = 4789;
	conf->vxlan.port[1] = 8472;
	conf->gue.n = 0;
	conf->ctx_geneve = FT_GENEVE_CTX_AUTO;
	conf->ctx_vxlan = 1;
	conf->ctx_gre = 1;
}

static const struct ft_pkt_conf default_conf = {
	.tun_depth = 2,
	.ipip = 1,
	.gre = 1,
	.geneve = { 1, { 6081 } },
	.vxlan = { 2, { 4789, 8472 } },
	.ctx_geneve = FT_GENEVE_CTX_AUTO,
	.ctx_vxlan = 1,
	.ctx_gre = 1,
};

enum ft_pkt_status
ft_pkt_parse_other(const struct ft_pkt_conf *conf, const uint8_t *data, uint32_t cap, uint32_t len,
		struct ft_pkt *pkt)
{
	enum ft_pkt_status st;

	if (len < cap)
		len = cap;
	if (conf == NULL)
		conf = &default_conf;
	pkt->tun_n = 0;
	st = parse_eth(conf, data, cap, len, pkt);
	if (st == FT_PKT_TCP && pkt->tun_n != 0 && conf->resolve != NULL)
		st = conf->resolve(conf->resolve_arg, pkt);
	return st;
}

enum ft_pkt_status
ft_pkt_parse_conf(const struct ft_pkt_conf *conf, const uint8_t *data, uint32_t cap, uint32_t len,
		struct ft_pkt *pkt)
{
	return ft_pkt_parse_fast(conf, data, cap, len, pkt);
}

enum ft_pkt_status
ft_pkt_parse_cut(const uint8_t *data, uint32_t cap, uint32_t len, struct ft_pkt *pkt)
{
	return ft_pkt_parse_conf(NULL, data, cap, len, pkt);
}

enum ft_pkt_status
ft_pkt_parse(const uint8_t *data, uint32_t len, struct ft_pkt *pkt)
{
	return ft_pkt_parse_conf(NULL, data, len, len, pkt);
}
