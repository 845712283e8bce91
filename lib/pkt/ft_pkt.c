/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <string.h>
#include <netinet/in.h>

#include "ft_pkt.h"

#define ETH_HDR_LEN   14
#define VLAN_TAG_LEN  4
#define ETH_P_IPV4    0x0800
#define ETH_P_IPV6    0x86dd
#define ETH_P_8021Q   0x8100
#define ETH_P_8021AD  0x88a8
#define ETH_P_QINQ1   0x9100
#define IPV4_HDR_MIN  20
#define IPV6_HDR_LEN  40
#define TCP_HDR_MIN   20
#define IPV6_NH_HOP   0
#define IPV6_NH_ROUTE 43
#define IPV6_NH_FRAG  44
#define IPV6_NH_AH    51
#define IPV6_NH_DEST  60
#define IPV6_NH_MH    135

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
static inline uint16_t
rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap16(v);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap32(v);
}

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
			pkt->wscale = opt[i + 2] > 14 ? 14 : opt[i + 2];
		else if (kind == 8 && olen == 10) {
			pkt->has_ts = 1;
			pkt->tsval = rd32(opt + i + 2);
		}
		i += olen;
	}
	return FT_PKT_TCP;
}

static inline uint8_t
flags_of(const uint8_t *l4)
{
	return l4[13] & 0x3f;
}

/* SYN with FIN or RST, and segments with no flag at all, are never sent by a stack. */
static inline int
flags_ok(uint8_t flags)
{
	return !((flags & FT_TH_SYN && flags & (FT_TH_FIN | FT_TH_RST)) || flags == 0);
}

static inline void
fill_tcp(const uint8_t *l4, uint32_t l4_len, uint32_t doff, uint8_t flags, struct ft_pkt *pkt)
{
	pkt->flags = flags;
	pkt->seq = rd32(l4 + 4);
	pkt->ack = rd32(l4 + 8);
	pkt->win = rd16(l4 + 14);
	pkt->payload_len = l4_len - doff;
	pkt->wscale = FT_PKT_NO_WSCALE;
	pkt->has_ts = 0;
	pkt->tsval = 0;
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
		flags = flags_of(l4);
		if (!flags_ok(flags))
			return FT_PKT_ERR_TCP_FLAGS;
		fill_tcp(l4, l4_len, doff, flags, pkt);
		return parse_tcp_options(l4 + TCP_HDR_MIN, l4_cap - TCP_HDR_MIN, 1, pkt);
	}
	flags = flags_of(l4);
	if (!flags_ok(flags))
		return FT_PKT_ERR_TCP_FLAGS;
	fill_tcp(l4, l4_len, doff, flags, pkt);
	if (doff > TCP_HDR_MIN)
		return parse_tcp_options(l4 + TCP_HDR_MIN, doff - TCP_HDR_MIN, 0, pkt);
	return FT_PKT_TCP;
}

/*
 * Order the two endpoints so that both directions give the same key: endpoint
 * a is the smaller (address, port) pair, compared as big-endian numbers.
 */
static inline void
key4_build(struct ft_pkt *pkt, const uint8_t *src, const uint8_t *dst, const uint8_t *ports)
{
	struct ft_key4 *k = &pkt->key.v4;
	uint32_t sa, da, sp_dp, s_hi = rd32(src), d_hi = rd32(dst);

	memcpy(&sa, src, 4);
	memcpy(&da, dst, 4);
	memcpy(&sp_dp, ports, 4);
	pkt->dir = s_hi > d_hi || (s_hi == d_hi && rd16(ports) > rd16(ports + 2));
	if (pkt->dir) {
		k->addr[0] = da;
		k->addr[1] = sa;
		/* The two 16-bit ports trade places: destination first. */
		sp_dp = sp_dp >> 16 | sp_dp << 16;
	} else {
		k->addr[0] = sa;
		k->addr[1] = da;
	}
	memcpy(k->port, &sp_dp, 4);
	/* proto and the zero pad as one store. */
	memset(&k->proto, 0, 4);
	k->proto = IPPROTO_TCP;
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
	memset(k->pad, 0, sizeof(k->pad));
}

static enum ft_pkt_status
parse_ipv4(const uint8_t *ip, uint32_t cap, uint32_t len, struct ft_pkt *pkt)
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
	tot = rd16(ip + 2);
	/* Ethernet padding may follow the datagram; a datagram longer than the frame may not. */
	if (tot < ihl || tot > len)
		return FT_PKT_ERR_IP_LEN;
	if (rd16(ip + 6) & 0x3fff)
		return FT_PKT_FRAGMENT;
	if (ip[9] != IPPROTO_TCP)
		return FT_PKT_NOT_TCP;
	st = parse_tcp(ip + ihl, min_u32(tot, cap) - ihl, tot - ihl, pkt);
	if (st != FT_PKT_TCP)
		return st;
	pkt->is_v6 = 0;
	key4_build(pkt, ip + 12, ip + 16, ip + ihl);
	return FT_PKT_TCP;
}

static enum ft_pkt_status
parse_ipv6(const uint8_t *ip, uint32_t cap, uint32_t len, struct ft_pkt *pkt)
{
	uint32_t off = IPV6_HDR_LEN, end, wire_end;
	uint8_t nh;
	unsigned int hops;
	enum ft_pkt_status st;

	if (cap < IPV6_HDR_LEN)
		return FT_PKT_ERR_TRUNC_IP;
	if (ip[0] >> 4 != 6)
		return FT_PKT_ERR_IP_VERSION;
	wire_end = IPV6_HDR_LEN + rd16(ip + 4);
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
			if (rd16(ip + off + 2) & 0xfff9)
				return FT_PKT_FRAGMENT;
			hlen = 8;
			break;
		default:
			return FT_PKT_NOT_TCP;
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
 * The frame nearly every packet is: untagged IPv4, a 20-byte IP header, not a
 * fragment, TCP with a valid offset, sensible flags and well-formed options. One
 * pass of checks, then the fields; anything else (or anything wrong) goes
 * the general way, which also names the error.
 */
static inline int
parse_plain_v4(const uint8_t *d, uint32_t cap, uint32_t len, struct ft_pkt *pkt)
{
	const uint8_t *ip = d + ETH_HDR_LEN;
	const uint8_t *th = ip + IPV4_HDR_MIN;
	uint32_t tot, doff;
	uint8_t flags;

	if (cap < ETH_HDR_LEN + IPV4_HDR_MIN + TCP_HDR_MIN)
		return 0;
	tot = rd16(ip + 2);
	doff = (uint32_t)(th[12] >> 4) * 4;
	flags = flags_of(th);
	if (rd16(d + 12) != ETH_P_IPV4 || ip[0] != 0x45 || ip[9] != IPPROTO_TCP ||
			(rd16(ip + 6) & 0x3fff) != 0 || tot > len - ETH_HDR_LEN ||
			doff < TCP_HDR_MIN || tot < IPV4_HDR_MIN + doff ||
			ETH_HDR_LEN + IPV4_HDR_MIN + doff > cap || !flags_ok(flags))
		return 0;
	fill_tcp(th, tot - IPV4_HDR_MIN, doff, flags, pkt);
	/* The usual 12 bytes of timestamp option (NOP, NOP, TS) first, then anything else. */
	if (doff == TCP_HDR_MIN + 12 && rd16(th + TCP_HDR_MIN) == 0x0101 &&
			th[TCP_HDR_MIN + 2] == 8 && th[TCP_HDR_MIN + 3] == 10) {
		pkt->has_ts = 1;
		pkt->tsval = rd32(th + TCP_HDR_MIN + 4);
	} else if (doff > TCP_HDR_MIN &&
			parse_tcp_options(th + TCP_HDR_MIN, doff - TCP_HDR_MIN, 0, pkt) !=
					FT_PKT_TCP) {
		return 0;
	}
	pkt->vlans = 0;
	pkt->is_v6 = 0;
	key4_build(pkt, ip + 12, ip + 16, th);
	return 1;
}

enum ft_pkt_status
ft_pkt_parse_cut(const uint8_t *data, uint32_t cap, uint32_t len, struct ft_pkt *pkt)
{
	uint32_t off = ETH_HDR_LEN;
	uint16_t type;

	if (len < cap)
		len = cap;
	if (__builtin_expect(parse_plain_v4(data, cap, len, pkt), 1))
		return FT_PKT_TCP;
	if (cap < ETH_HDR_LEN)
		return FT_PKT_ERR_TRUNC_ETH;
	type = rd16(data + 12);
	pkt->vlans = 0;
	/* Untagged IPv4 first: most frames are. */
	if (type == ETH_P_IPV4)
		return parse_ipv4(data + ETH_HDR_LEN, cap - ETH_HDR_LEN, len - ETH_HDR_LEN, pkt);
	while (type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ1) {
		if (pkt->vlans == 2)
			return FT_PKT_ERR_VLAN_DEPTH;
		if (off + VLAN_TAG_LEN > cap)
			return FT_PKT_ERR_TRUNC_ETH;
		type = rd16(data + off + 2);
		off += VLAN_TAG_LEN;
		pkt->vlans++;
	}
	if (type == ETH_P_IPV4)
		return parse_ipv4(data + off, cap - off, len - off, pkt);
	if (type == ETH_P_IPV6)
		return parse_ipv6(data + off, cap - off, len - off, pkt);
	return FT_PKT_NOT_IP;
}

enum ft_pkt_status
ft_pkt_parse(const uint8_t *data, uint32_t len, struct ft_pkt *pkt)
{
	return ft_pkt_parse_cut(data, len, len, pkt);
}
