/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright(c) 2026 The fintrack authors */

/*
 * Encoding of packet descriptors into Ethernet frames: optional 802.1Q / 802.1ad tags,
 * IPv4 or IPv6, TCP with options, deterministic payload filler and correct checksums.
 */

#include <string.h>

#include "tg_tracegen.h"

#define TCP_HLEN       20
#define TCP_SYN_OPTLEN 20
#define TCP_TS_OPTLEN  12

#define IPPROTO_TCP_NUM 6
#define TCP_MSS		1460
#define TCP_WSCALE	7
#define TCP_SYN_WINDOW	64240
#define TCP_WINDOW	502

/* The payload filler is the alphabet repeated; a segment starts at offset seq % 26. */
#define FILLER_PERIOD 26
static uint8_t filler[TG_MAX_MSS + FILLER_PERIOD];

static const uint8_t client_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t server_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

void
tg_frame_init(void)
{
	size_t i;

	for (i = 0; i < sizeof(filler); i++)
		filler[i] = (uint8_t)('a' + i % FILLER_PERIOD);
}

/* Adds a buffer to a one's complement sum of big-endian 16-bit words. */
static uint64_t
csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	while (len >= 8) {
		sum += ((uint32_t)p[0] << 8 | p[1]) + ((uint32_t)p[2] << 8 | p[3]) +
				((uint32_t)p[4] << 8 | p[5]) + ((uint32_t)p[6] << 8 | p[7]);
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len != 0)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t
tcp_optlen(const struct tg_pkt *p)
{
	switch (p->opts) {
	case TG_OPT_SYN:
		return TCP_SYN_OPTLEN;
	case TG_OPT_TS:
		return TCP_TS_OPTLEN;
	default:
		return 0;
	}
}

size_t
tg_frame_len(const struct tg_flow *f, const struct tg_pkt *p)
{
	return TG_ETH_HLEN + (size_t)TG_VLAN_HLEN * f->nvlan +
			(f->ipv6 ? TG_IPV6_HLEN : TG_IPV4_HLEN) + TCP_HLEN + tcp_optlen(p) + p->len;
}

/*
 * Writes the TCP options of a segment and returns the position after them. A SYN advertises
 * an MSS of 1460 (a 1500-byte MTU), or mss when the segments are larger than that.
 */
static uint8_t *
put_tcp_options(uint8_t *o, const struct tg_pkt *p, uint16_t mss)
{
	switch (p->opts) {
	case TG_OPT_SYN:
		/* Same layout as Linux: MSS, SACK permitted, timestamps, NOP, window scale. */
		*o++ = 2;
		*o++ = 4;
		o = tg_put16(o, mss > TCP_MSS ? mss : TCP_MSS);
		*o++ = 4;
		*o++ = 2;
		*o++ = 8;
		*o++ = 10;
		o = tg_put32(o, p->tsval);
		o = tg_put32(o, p->tsecr);
		*o++ = 1;
		*o++ = 3;
		*o++ = 3;
		*o++ = TCP_WSCALE;
		break;
	case TG_OPT_TS:
		*o++ = 1;
		*o++ = 1;
		*o++ = 8;
		*o++ = 10;
		o = tg_put32(o, p->tsval);
		o = tg_put32(o, p->tsecr);
		break;
	default:
		break;
	}
	return o;
}

uint8_t *
tg_put_eth(uint8_t *b, const uint8_t dst[6], const uint8_t src[6], unsigned int nvlan,
		const uint16_t vid[2], uint16_t ethertype)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	b += 12;
	if (nvlan == 2) {
		b = tg_put16(b, TG_ETHERTYPE_QINQ);
		b = tg_put16(b, vid[0]);
		b = tg_put16(b, TG_ETHERTYPE_VLAN);
		b = tg_put16(b, vid[1]);
	} else if (nvlan == 1) {
		b = tg_put16(b, TG_ETHERTYPE_VLAN);
		b = tg_put16(b, vid[0]);
	}
	return tg_put16(b, ethertype);
}

uint8_t *
tg_put_ipv4(uint8_t *b, uint16_t total_len, uint16_t id, uint8_t proto, const uint8_t src[4],
		const uint8_t dst[4])
{
	uint8_t *ip = b;

	*b++ = 0x45;
	*b++ = 0;
	b = tg_put16(b, total_len);
	b = tg_put16(b, id);
	b = tg_put16(b, 0x4000); /* DF. */
	*b++ = 64;
	*b++ = proto;
	b = tg_put16(b, 0);
	memcpy(b, src, 4);
	memcpy(b + 4, dst, 4);
	b += 8;
	tg_put16(ip + 10, csum_fold(csum_add(0, ip, TG_IPV4_HLEN)));
	return b;
}

size_t
tg_frame_build(const struct tg_flow *f, const struct tg_pkt *p, uint8_t *buf)
{
	const struct tg_endpoint *src = &f->ep[p->dir];
	const struct tg_endpoint *dst = &f->ep[p->dir ^ 1];
	const struct tg_side *me = &f->side[p->dir];
	size_t tcp_len = TCP_HLEN + tcp_optlen(p) + p->len;
	uint8_t *b = buf;
	uint8_t *ip;
	uint8_t *tcp;
	uint64_t sum;
	uint16_t csum;

	b = tg_put_eth(b, p->dir == TG_CLIENT ? server_mac : client_mac,
			p->dir == TG_CLIENT ? client_mac : server_mac, f->nvlan, f->vid,
			f->ipv6 ? TG_ETHERTYPE_IPV6 : TG_ETHERTYPE_IPV4);

	/* IP header and the TCP pseudo-header sum. */
	ip = b;
	if (f->ipv6) {
		b = tg_put32(b, 6U << 28 | (me->flow_label & 0xfffff));
		b = tg_put16(b, (uint16_t)tcp_len);
		*b++ = IPPROTO_TCP_NUM;
		*b++ = 64;
		memcpy(b, src->addr, 16);
		memcpy(b + 16, dst->addr, 16);
		b += 32;
		sum = csum_add(0, ip + 8, 32);
		sum += (uint32_t)tcp_len + IPPROTO_TCP_NUM;
	} else {
		b = tg_put_ipv4(b, (uint16_t)(TG_IPV4_HLEN + tcp_len), p->ip_id, IPPROTO_TCP_NUM,
				src->addr, dst->addr);
		sum = csum_add(0, ip + 12, 8);
		sum += (uint32_t)tcp_len + IPPROTO_TCP_NUM;
	}

	/* TCP header, options and payload. */
	tcp = b;
	b = tg_put16(b, src->port);
	b = tg_put16(b, dst->port);
	b = tg_put32(b, p->seq);
	b = tg_put32(b, p->ack);
	*b++ = (uint8_t)(((TCP_HLEN + tcp_optlen(p)) / 4) << 4);
	*b++ = p->tcp_flags;
	b = tg_put16(b, (p->tcp_flags & TG_TH_SYN) ? TCP_SYN_WINDOW : TCP_WINDOW);
	b = tg_put16(b, 0);
	b = tg_put16(b, 0);
	b = put_tcp_options(b, p, f->mss);
	memcpy(b, filler + p->seq % FILLER_PERIOD, p->len);
	b += p->len;

	csum = csum_fold(csum_add(sum, tcp, tcp_len));
	tg_put16(tcp + 16, csum);

	return (size_t)(b - buf);
}
