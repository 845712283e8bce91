/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * GENEVE as an AWS Gateway Load Balancer sends it, for the tests of gwlb mode
 * (tests/live/ft_gwlb_lb.c, ft_geneve_pcap.c, tests/unit/test_gwlb.c): outer Ethernet, IPv4 (DF, TTL
 * 64, header checksum), UDP to port 6081 with its checksum, GENEVE version 0
 * with VNI 0, the inner protocol (0x0800 or 0x86DD, raw IP inside) and AWS's
 * three options of class 0x0108: type 1 endpoint id (8 bytes), type 2
 * attachment id (8 bytes), type 3 flow cookie (4 bytes). 68 bytes past the
 * Ethernet header, as AWS documents.
 */

#ifndef _FT_GENEVE_H_
#define _FT_GENEVE_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FT_GENEVE_UDP_PORT  6081
#define FT_GENEVE_OPT_CLASS 0x0108 /* Amazon's */
#define FT_GENEVE_HLEN	    (8 + 32)
#define FT_GENEVE_OUTER	    (14 + 20 + 8 + FT_GENEVE_HLEN) /* 68 bytes past Ethernet */

static inline uint16_t
ft_geneve_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
ft_geneve_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ones' complement sum of len bytes, folded, added to sum. */
static inline uint32_t
ft_geneve_sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The UDP checksum sum (pseudo-header and datagram) of an IPv4 packet without options. */
static inline uint32_t
ft_geneve_udp_sum(const uint8_t *ip)
{
	const uint8_t *udp = ip + 20;
	uint16_t ulen = ft_geneve_get16(udp + 4);
	uint8_t pseudo[12];

	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 17;
	ft_geneve_put16(pseudo + 10, ulen);
	return ft_geneve_sum16(udp, ulen, ft_geneve_sum16(pseudo, sizeof(pseudo), 0));
}

/* Both checksums of a GENEVE frame verify. */
static inline int
ft_geneve_csums_ok(const uint8_t *frame)
{
	const uint8_t *ip = frame + 14;

	return ft_geneve_sum16(ip, 20, 0) == 0xffff &&
			(ft_geneve_get16(ip + 20 + 6) == 0 || ft_geneve_udp_sum(ip) == 0xffff);
}

/* What a GWLB puts around one inner packet. */
struct ft_geneve_outer {
	uint8_t dst_mac[6], src_mac[6];
	uint8_t src_ip[4], dst_ip[4];
	uint16_t ip_id;
	uint16_t sport;	     /* a hash of the inner flow */
	uint8_t endpoint[8]; /* option type 1 */
	uint8_t attachment[8];
	uint32_t cookie; /* option type 3 */
};

/*
 * Write into g the GENEVE frame carrying the inner packet (proto 0x0800 or
 * 0x86DD, inner_len bytes); g must hold FT_GENEVE_OUTER + inner_len bytes.
 * Returns the frame's length.
 */
static inline size_t
ft_geneve_wrap(uint8_t *g, const struct ft_geneve_outer *o, uint16_t proto, const uint8_t *inner,
		size_t inner_len)
{
	uint8_t *ip = g + 14, *udp = ip + 20, *gh = udp + 8;
	size_t len = FT_GENEVE_OUTER + inner_len;
	uint32_t s;

	memcpy(g, o->dst_mac, 6);
	memcpy(g + 6, o->src_mac, 6);
	ft_geneve_put16(g + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ft_geneve_put16(ip + 2, (uint16_t)(len - 14));
	ft_geneve_put16(ip + 4, o->ip_id);
	ft_geneve_put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, o->src_ip, 4);
	memcpy(ip + 16, o->dst_ip, 4);
	ft_geneve_put16(ip + 10, (uint16_t)~ft_geneve_sum16(ip, 20, 0));
	ft_geneve_put16(udp, o->sport);
	ft_geneve_put16(udp + 2, FT_GENEVE_UDP_PORT);
	ft_geneve_put16(udp + 4, (uint16_t)(len - 14 - 20));
	ft_geneve_put16(udp + 6, 0);
	gh[0] = 32 / 4; /* version 0, options of 8 words */
	gh[1] = 0;
	ft_geneve_put16(gh + 2, proto);
	memset(gh + 4, 0, 4); /* VNI 0 */
	ft_geneve_put16(gh + 8, FT_GENEVE_OPT_CLASS);
	gh[10] = 1;
	gh[11] = 2;
	memcpy(gh + 12, o->endpoint, 8);
	ft_geneve_put16(gh + 20, FT_GENEVE_OPT_CLASS);
	gh[22] = 2;
	gh[23] = 2;
	memcpy(gh + 24, o->attachment, 8);
	ft_geneve_put16(gh + 32, FT_GENEVE_OPT_CLASS);
	gh[34] = 3;
	gh[35] = 1;
	gh[36] = (uint8_t)(o->cookie >> 24);
	gh[37] = (uint8_t)(o->cookie >> 16);
	gh[38] = (uint8_t)(o->cookie >> 8);
	gh[39] = (uint8_t)o->cookie;
	memcpy(gh + FT_GENEVE_HLEN, inner, inner_len);
	s = ft_geneve_udp_sum(ip);
	ft_geneve_put16(udp + 6, (uint16_t)(~s & 0xffff) == 0 ? 0xffff : (uint16_t)~s);
	return len;
}

/* The frame as a GWLB target returns it: Ethernet and outer IPv4 addresses swapped. */
static inline void
ft_geneve_turn(uint8_t *out, const uint8_t *g, size_t len)
{
	uint8_t t[6];

	memcpy(out, g, len);
	memcpy(t, out, 6);
	memcpy(out, out + 6, 6);
	memcpy(out + 6, t, 6);
	memcpy(t, out + 14 + 12, 4);
	memcpy(out + 14 + 12, out + 14 + 16, 4);
	memcpy(out + 14 + 16, t, 4);
}

#endif /* _FT_GENEVE_H_ */
