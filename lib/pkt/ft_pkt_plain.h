/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_PKT_PLAIN_H_
#define _FT_PKT_PLAIN_H_

/**
 * @file
 * The parse of the frame nearly every packet is, inline for the engine's batch
 * loop: untagged IPv4, a 20-byte IP header, not a fragment, TCP with sensible
 * flags and either no options, exactly NOP, NOP, timestamp, or the options of
 * a Linux SYN (MSS, SACK permitted, timestamp, NOP, window scale). Anything else
 * goes to ft_pkt_parse_conf(), which gives the same fields for these frames
 * and names the error of a malformed one. The helpers are lib/pkt's own.
 */

#include <stdint.h>
#include <string.h>

#include "ft_pkt.h"

#define FT_PKT_ETH_LEN	   14
#define FT_PKT_IPV4_MIN	   20
#define FT_PKT_TCP_MIN	   20
#define FT_PKT_ETH_P_IPV4  0x0800
#define FT_PKT_IPPROTO_TCP 6
/** Data offset of a TCP header carrying NOP, NOP and a timestamp option. */
#define FT_PKT_TCP_TS_DOFF (FT_PKT_TCP_MIN + 12)
/** Data offset of a TCP header carrying a Linux SYN's options. */
#define FT_PKT_TCP_SYN_DOFF (FT_PKT_TCP_MIN + 20)
/** Largest window-scale shift (RFC 7323); a larger one is used as this. */
#define FT_PKT_WSCALE_MAX 14

static inline uint16_t
ft_pkt_rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap16(v);
}

static inline uint32_t
ft_pkt_rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap32(v);
}

static inline uint8_t
ft_pkt_tcp_flags(const uint8_t *l4)
{
	return l4[13] & 0x3f;
}

/* SYN with FIN or RST, and segments with no flag at all, are never sent by a stack. */
static inline int
ft_pkt_tcp_flags_ok(uint8_t flags)
{
	return !((flags & FT_TH_SYN && flags & (FT_TH_FIN | FT_TH_RST)) || flags == 0);
}

/* The fixed TCP header's fields; no option seen yet. */
static inline void
ft_pkt_fill_tcp(const uint8_t *l4, uint32_t l4_len, uint32_t doff, uint8_t flags,
		struct ft_pkt *pkt)
{
	pkt->flags = flags;
	pkt->seq = ft_pkt_rd32(l4 + 4);
	pkt->ack = ft_pkt_rd32(l4 + 8);
	pkt->win = ft_pkt_rd16(l4 + 14);
	pkt->payload_len = l4_len - doff;
	pkt->wscale = FT_PKT_NO_WSCALE;
	pkt->has_ts = 0;
	pkt->tsval = 0;
}

/*
 * Options that are exactly NOP, NOP and a timestamp (what Linux sends on every
 * segment after the handshake): read the timestamp, say so.
 */
static inline int
ft_pkt_ts_only(const uint8_t *th, uint32_t doff, struct ft_pkt *pkt)
{
	if (doff != FT_PKT_TCP_TS_DOFF || ft_pkt_rd16(th + FT_PKT_TCP_MIN) != 0x0101 ||
			th[FT_PKT_TCP_MIN + 2] != 8 || th[FT_PKT_TCP_MIN + 3] != 10)
		return 0;
	pkt->has_ts = 1;
	pkt->tsval = ft_pkt_rd32(th + FT_PKT_TCP_MIN + 4);
	return 1;
}

/*
 * Options laid out as Linux lays out those of its SYN and SYN-ACK segments:
 * MSS (4 bytes), SACK permitted (2), timestamp (10), NOP, window scale (3).
 * Read the timestamp and the window scale (the MSS is not kept), say so.
 */
static inline int
ft_pkt_syn_opts(const uint8_t *th, uint32_t doff, struct ft_pkt *pkt)
{
	const uint8_t *o = th + FT_PKT_TCP_MIN;

	if (doff != FT_PKT_TCP_SYN_DOFF || ft_pkt_rd16(o) != 0x0204 ||
			ft_pkt_rd32(o + 4) != 0x0402080a || ft_pkt_rd32(o + 16) >> 8 != 0x010303)
		return 0;
	pkt->has_ts = 1;
	pkt->tsval = ft_pkt_rd32(o + 8);
	pkt->wscale = o[19] > FT_PKT_WSCALE_MAX ? FT_PKT_WSCALE_MAX : o[19];
	return 1;
}

/*
 * Order the two endpoints so that both directions give the same key: endpoint
 * a is the smaller (address, port) pair, compared as big-endian numbers.
 */
static inline void
ft_pkt_key4_build(struct ft_pkt *pkt, const uint8_t *src, const uint8_t *dst, const uint8_t *ports)
{
	struct ft_key4 *k = &pkt->key.v4;
	uint32_t sa, da, sp_dp, s_hi = ft_pkt_rd32(src), d_hi = ft_pkt_rd32(dst);

	memcpy(&sa, src, 4);
	memcpy(&da, dst, 4);
	memcpy(&sp_dp, ports, 4);
	pkt->dir = s_hi > d_hi || (s_hi == d_hi && ft_pkt_rd16(ports) > ft_pkt_rd16(ports + 2));
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
	/* proto and the zero context as one store. */
	memset(&k->proto, 0, 4);
	k->proto = FT_PKT_IPPROTO_TCP;
}

/**
 * Parse the frame if it is the plain kind (see the file comment).
 *
 * @return
 *   1 with *pkt filled (the result is FT_PKT_TCP), or 0: the frame needs
 *   ft_pkt_parse_conf(), and *pkt may hold partial fields.
 */
static inline int
ft_pkt_parse_plain4(const uint8_t *d, uint32_t cap, uint32_t len, struct ft_pkt *pkt)
{
	const uint8_t *ip = d + FT_PKT_ETH_LEN;
	const uint8_t *th = ip + FT_PKT_IPV4_MIN;
	uint32_t tot, doff;
	uint8_t flags;

	if (cap < FT_PKT_ETH_LEN + FT_PKT_IPV4_MIN + FT_PKT_TCP_MIN)
		return 0;
	if (len < cap)
		len = cap;
	tot = ft_pkt_rd16(ip + 2);
	doff = (uint32_t)(th[12] >> 4) * 4;
	flags = ft_pkt_tcp_flags(th);
	if (ft_pkt_rd16(d + 12) != FT_PKT_ETH_P_IPV4 || ip[0] != 0x45 ||
			ip[9] != FT_PKT_IPPROTO_TCP || (ft_pkt_rd16(ip + 6) & 0x3fff) != 0 ||
			tot > len - FT_PKT_ETH_LEN || doff < FT_PKT_TCP_MIN ||
			tot < FT_PKT_IPV4_MIN + doff ||
			FT_PKT_ETH_LEN + FT_PKT_IPV4_MIN + doff > cap ||
			!ft_pkt_tcp_flags_ok(flags))
		return 0;
	ft_pkt_fill_tcp(th, tot - FT_PKT_IPV4_MIN, doff, flags, pkt);
	if (doff != FT_PKT_TCP_MIN && !ft_pkt_ts_only(th, doff, pkt) &&
			!ft_pkt_syn_opts(th, doff, pkt))
		return 0;
	pkt->vlans = 0;
	pkt->tun_n = 0;
	pkt->is_v6 = 0;
	ft_pkt_key4_build(pkt, ip + 12, ip + 16, th);
	return 1;
}

/**
 * ft_pkt_parse_conf() with its common case inline: the same result for every
 * frame.
 */
static inline enum ft_pkt_status
ft_pkt_parse_fast(const struct ft_pkt_conf *conf, const uint8_t *data, uint32_t cap, uint32_t len,
		struct ft_pkt *pkt)
{
	if (__builtin_expect(ft_pkt_parse_plain4(data, cap, len, pkt), 1))
		return FT_PKT_TCP;
	return ft_pkt_parse_other(conf, data, cap, len, pkt);
}

#endif /* _FT_PKT_PLAIN_H_ */
