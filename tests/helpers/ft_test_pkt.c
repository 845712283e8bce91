/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <string.h>

#include "ft_test_pkt.h"

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

size_t
ft_test_build(const struct ft_test_seg *s, uint8_t *buf)
{
	uint8_t *p = buf, *ip, *tcp;
	uint32_t optlen = 0, tcplen;

	memset(buf, 0, FT_TEST_FRAME_MAX);
	memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	p += 12;
	if (s->vlan != 0) {
		p = put16(p, 0x8100);
		p = put16(p, s->vlan);
	}
	p = put16(p, s->v6 ? 0x86dd : 0x0800);
	if (s->wscale >= 0)
		optlen += 4;
	if (s->tsval != 0)
		optlen += 12;
	tcplen = 20 + optlen + s->payload;
	ip = p;
	if (s->v6) {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)tcplen);
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, s->src6, 16);
		memcpy(ip + 24, s->dst6, 16);
		tcp = ip + 40;
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + tcplen));
		ip[8] = 64;
		ip[9] = 6;
		put32(ip + 12, s->src4);
		put32(ip + 16, s->dst4);
		tcp = ip + 20;
	}
	p = put16(tcp, s->sport);
	p = put16(p, s->dport);
	p = put32(p, s->seq);
	p = put32(p, s->ack);
	*p++ = (uint8_t)(((20 + optlen) / 4) << 4);
	*p++ = s->flags;
	p = put16(p, s->win);
	p += 4; /* Checksum and urgent pointer: not checked by the engine. */
	if (s->wscale >= 0) {
		*p++ = 1;
		*p++ = 3;
		*p++ = 3;
		*p++ = (uint8_t)s->wscale;
	}
	if (s->tsval != 0) {
		*p++ = 1;
		*p++ = 1;
		*p++ = 8;
		*p++ = 10;
		p = put32(p, s->tsval);
		p = put32(p, 0);
	}
	return (size_t)(p - buf) + s->payload;
}
