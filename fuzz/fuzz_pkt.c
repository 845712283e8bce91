/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * libFuzzer target of the packet parser. The frame is parsed from an exactly
 * sized heap copy, so AddressSanitizer reports any read past its end, and
 * every promise of ft_pkt.h is checked on the result:
 *   - the status is a known one, with a name and a description;
 *   - a TCP result has a canonical key: proto 6, zero pad, endpoint a not
 *     after endpoint b, the sender at key endpoint dir;
 *   - the TCP fields are in range (flags, window scale, VLAN depth, payload);
 *   - parsing is deterministic;
 *   - the same frame with source and destination swapped parses to the same
 *     key with the other direction and the same TCP fields;
 *   - the frame as a capture cut by a snap length (ft_pkt_parse_cut) reads
 *     nothing past what was captured and agrees with ft_pkt_parse when
 *     nothing was cut;
 *   - a frame the inline parse of plain IPv4 takes (ft_pkt_parse_plain4)
 *     parses to the same fields through the general parse (ft_pkt_parse_other).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ft_pkt.h"
#include "ft_pkt_plain.h"

#define ETH_HDR_LEN  14
#define VLAN_TAG_LEN 4
#define IPV6_HDR_LEN 40
#define IPPROTO_TCP_ 6
#define FILL	     0xa5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what, const uint8_t *frame, size_t size)
{
	size_t i;

	fprintf(stderr, "fuzz_pkt: invariant violated: %s\nframe (%zu bytes):", what, size);
	for (i = 0; i < size && i < 256; i++)
		fprintf(stderr, "%s%02x", i % 16 == 0 ? "\n  " : " ", frame[i]);
	fprintf(stderr, "\n");
	abort();
}

#define CHECK(cond, frame, size) \
	do { \
		if (!(cond)) \
			fail(#cond, frame, size); \
	} while (0)

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* Every tunnel kind open, GUE on Katran's port, nesting to the most the parser allows. */
static struct ft_pkt_conf fuzz_conf;

static const struct ft_pkt_conf *
conf_get(void)
{
	if (fuzz_conf.tun_depth == 0) {
		ft_pkt_conf_init(&fuzz_conf);
		fuzz_conf.tun_depth = FT_PKT_TUN_MAX;
		fuzz_conf.gue.n = 1;
		fuzz_conf.gue.port[0] = 6080;
	}
	return &fuzz_conf;
}

/* Parse from a heap buffer of exactly size bytes (ASan reports any over-read). */
static enum ft_pkt_status
parse_exact(const uint8_t *data, size_t size, struct ft_pkt *pkt)
{
	uint8_t *buf = malloc(size != 0 ? size : 1);
	enum ft_pkt_status st;

	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	/* Whatever the parser leaves unwritten shows up as FILL, not as zero. */
	memset(pkt, FILL, sizeof(*pkt));
	st = ft_pkt_parse_conf(conf_get(), buf, (uint32_t)size, (uint32_t)size, pkt);
	free(buf);
	return st;
}

/* Offset of the TCP header of a frame that parsed as TCP, from its IP header. */
static size_t
tcp_offset(const uint8_t *frame, const struct ft_pkt *pkt, size_t l3)
{
	const uint8_t *ip = frame + l3;
	size_t off;
	uint8_t nh;

	if (!pkt->is_v6)
		return l3 + (size_t)(ip[0] & 0xf) * 4;
	/* The parser accepted this chain: walk it the same way. */
	off = IPV6_HDR_LEN;
	nh = ip[6];
	while (nh != IPPROTO_TCP_) {
		size_t hlen;

		switch (nh) {
		case 51: /* AH */
			hlen = ((size_t)ip[off + 1] + 2) * 4;
			break;
		case 44: /* fragment */
			hlen = 8;
			break;
		default: /* hop-by-hop, routing, destination options, mobility */
			hlen = ((size_t)ip[off + 1] + 1) * 8;
			break;
		}
		nh = ip[off];
		off += hlen;
	}
	return l3 + off;
}

/* Compare (address, port) pairs as big-endian numbers, as the key order does. */
static int
ep_cmp(const uint8_t *a_addr, const uint8_t *a_port, const uint8_t *b_addr, const uint8_t *b_port,
		size_t alen)
{
	int c = memcmp(a_addr, b_addr, alen);

	return c != 0 ? c : memcmp(a_port, b_port, 2);
}

static void
check_tcp(const uint8_t *frame, size_t size, const struct ft_pkt *pkt)
{
	size_t l3 = ETH_HDR_LEN + (size_t)pkt->vlans * VLAN_TAG_LEN;
	size_t l4, alen;
	const uint8_t *src, *dst, *ka, *kb, *kpa, *kpb;
	struct ft_pkt again, sw;
	uint8_t *swapped;
	uint8_t tmp[16];

	CHECK(pkt->is_v6 == 0 || pkt->is_v6 == 1, frame, size);
	CHECK(pkt->dir == 0 || pkt->dir == 1, frame, size);
	CHECK(pkt->vlans <= 2, frame, size);
	CHECK(pkt->has_ts == 0 || pkt->has_ts == 1, frame, size);
	CHECK(pkt->has_ts || pkt->tsval == 0, frame, size);
	CHECK(pkt->wscale == FT_PKT_NO_WSCALE || pkt->wscale <= 14, frame, size);
	CHECK(pkt->flags != 0 && (pkt->flags & ~0x3f) == 0, frame, size);
	CHECK(!((pkt->flags & FT_TH_SYN) && (pkt->flags & (FT_TH_FIN | FT_TH_RST))), frame, size);
	CHECK(pkt->payload_len < size, frame, size);
	if (pkt->is_v6) {
		CHECK(pkt->key.v6.proto == IPPROTO_TCP_, frame, size);
		CHECK(all_zero(pkt->key.v6.pad, sizeof(pkt->key.v6.pad)), frame, size);
		CHECK(all_zero(pkt->key.v6.ctx, sizeof(pkt->key.v6.ctx)), frame, size);
	} else {
		CHECK(pkt->key.v4.proto == IPPROTO_TCP_, frame, size);
		CHECK(all_zero(pkt->key.v4.ctx, sizeof(pkt->key.v4.ctx)), frame, size);
	}
	/*
	 * A tunnelled segment: within the depth, each level a known kind
	 * with an identity that fits, and the parse deterministic. The offsets
	 * below are those of a plain frame.
	 */
	CHECK(pkt->tun_n <= FT_PKT_TUN_MAX, frame, size);
	if (pkt->tun_n != 0) {
		unsigned int i;

		for (i = 0; i < pkt->tun_n; i++) {
			CHECK(pkt->tun[i].kind > FT_TUN_NONE && pkt->tun[i].kind < FT_TUN_KIND_MAX,
					frame, size);
			CHECK(pkt->tun[i].id_len <= sizeof(pkt->tun[i].id), frame, size);
		}
		CHECK(parse_exact(frame, size, &again) == FT_PKT_TCP, frame, size);
		CHECK(memcmp(&again, pkt, sizeof(again)) == 0, frame, size);
		return;
	}

	/* The header offsets the parser must have used. */
	l4 = tcp_offset(frame, pkt, l3);
	CHECK(l4 + 20 <= size, frame, size);
	CHECK(l4 + 20 + pkt->payload_len <= size, frame, size);
	CHECK(pkt->seq ==
					((uint32_t)frame[l4 + 4] << 24 |
							(uint32_t)frame[l4 + 5] << 16 |
							(uint32_t)frame[l4 + 6] << 8 |
							frame[l4 + 7]),
			frame, size);
	CHECK(pkt->flags == (frame[l4 + 13] & 0x3f), frame, size);
	if (pkt->is_v6) {
		alen = 16;
		src = frame + l3 + 8;
		dst = frame + l3 + 24;
		ka = pkt->key.v6.addr[0];
		kb = pkt->key.v6.addr[1];
		kpa = (const uint8_t *)&pkt->key.v6.port[0];
		kpb = (const uint8_t *)&pkt->key.v6.port[1];
	} else {
		alen = 4;
		src = frame + l3 + 12;
		dst = frame + l3 + 16;
		ka = (const uint8_t *)&pkt->key.v4.addr[0];
		kb = (const uint8_t *)&pkt->key.v4.addr[1];
		kpa = (const uint8_t *)&pkt->key.v4.port[0];
		kpb = (const uint8_t *)&pkt->key.v4.port[1];
	}
	/* Canonical order, and the sender is endpoint dir. */
	CHECK(ep_cmp(ka, kpa, kb, kpb, alen) <= 0, frame, size);
	CHECK(memcmp(pkt->dir ? kb : ka, src, alen) == 0, frame, size);
	CHECK(memcmp(pkt->dir ? kpb : kpa, frame + l4, 2) == 0, frame, size);
	CHECK(memcmp(pkt->dir ? ka : kb, dst, alen) == 0, frame, size);
	CHECK(memcmp(pkt->dir ? kpa : kpb, frame + l4 + 2, 2) == 0, frame, size);

	/* Deterministic. */
	CHECK(parse_exact(frame, size, &again) == FT_PKT_TCP, frame, size);
	CHECK(memcmp(&again, pkt, sizeof(again)) == 0, frame, size);

	/* The other direction: swap addresses and ports. */
	swapped = malloc(size);
	if (swapped == NULL)
		abort();
	memcpy(swapped, frame, size);
	memcpy(tmp, src, alen);
	memcpy(swapped + (src - frame), dst, alen);
	memcpy(swapped + (dst - frame), tmp, alen);
	memcpy(tmp, frame + l4, 2);
	memcpy(swapped + l4, frame + l4 + 2, 2);
	memcpy(swapped + l4 + 2, tmp, 2);
	CHECK(parse_exact(swapped, size, &sw) == FT_PKT_TCP, frame, size);
	free(swapped);
	CHECK(sw.is_v6 == pkt->is_v6, frame, size);
	CHECK(memcmp(&sw.key, &pkt->key, pkt->is_v6 ? sizeof(pkt->key.v6) : sizeof(pkt->key.v4)) ==
					0,
			frame, size);
	if (ep_cmp(src, frame + l4, dst, frame + l4 + 2, alen) == 0)
		CHECK(sw.dir == pkt->dir, frame, size);
	else
		CHECK(sw.dir == !pkt->dir, frame, size);
	CHECK(sw.seq == pkt->seq && sw.ack == pkt->ack && sw.win == pkt->win, frame, size);
	CHECK(sw.flags == pkt->flags && sw.payload_len == pkt->payload_len, frame, size);
	CHECK(sw.wscale == pkt->wscale && sw.has_ts == pkt->has_ts && sw.tsval == pkt->tsval, frame,
			size);
	CHECK(sw.vlans == pkt->vlans, frame, size);
}

/*
 * The same bytes as a capture cut by a snap length: only cap bytes exist (the
 * heap copy is exactly that long) and the frame was longer on the wire. The
 * parser must stay within cap; a cut that leaves the frame whole agrees with
 * the plain parse; a TCP result's payload fits the wire length.
 */
static void
check_cut(const uint8_t *data, size_t size)
{
	struct ft_pkt cut;
	enum ft_pkt_status cst;
	uint32_t extra, cap;
	uint8_t *buf;

	if (size < 2)
		return;
	/* The last two bytes say how much of the frame the capture dropped. */
	extra = (uint32_t)data[size - 1] << 8 | data[size - 2];
	cap = (uint32_t)size - 2;
	buf = malloc(cap != 0 ? cap : 1);
	if (buf == NULL)
		abort();
	memcpy(buf, data, cap);
	memset(&cut, FILL, sizeof(cut));
	cst = ft_pkt_parse_cut(buf, cap, cap + extra, &cut);
	free(buf);
	CHECK(cst < FT_PKT_STATUS_MAX, data, size);
	if (cst == FT_PKT_TCP) {
		CHECK(cut.payload_len <= cap + extra, data, size);
		CHECK(cut.key.v4.proto == IPPROTO_TCP_ || cut.is_v6, data, size);
	}
	/* Nothing cut: exactly the plain parse of the same cap bytes. */
	if (extra == 0) {
		struct ft_pkt plain;
		uint8_t *b2 = malloc(cap != 0 ? cap : 1);

		if (b2 == NULL)
			abort();
		memcpy(b2, data, cap);
		memset(&plain, FILL, sizeof(plain));
		CHECK(ft_pkt_parse(b2, cap, &plain) == cst, data, size);
		free(b2);
		if (cst == FT_PKT_TCP)
			CHECK(memcmp(&plain, &cut, sizeof(plain)) == 0, data, size);
	}
}

/* The inline parse of plain IPv4 and the general parse agree on every frame the first takes. */
static void
check_plain(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size != 0 ? size : 1);
	struct ft_pkt a, b;

	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	memset(&a, FILL, sizeof(a));
	memset(&b, FILL, sizeof(b));
	if (ft_pkt_parse_plain4(buf, (uint32_t)size, (uint32_t)size, &a)) {
		CHECK(ft_pkt_parse_other(conf_get(), buf, (uint32_t)size, (uint32_t)size, &b) ==
						FT_PKT_TCP,
				data, size);
		CHECK(memcmp(&a.key.v4, &b.key.v4, sizeof(a.key.v4)) == 0, data, size);
		CHECK(a.seq == b.seq && a.ack == b.ack && a.win == b.win && a.flags == b.flags,
				data, size);
		CHECK(a.payload_len == b.payload_len && a.dir == b.dir, data, size);
		CHECK(a.wscale == b.wscale && a.has_ts == b.has_ts && a.tsval == b.tsval, data,
				size);
		CHECK(a.is_v6 == b.is_v6 && a.vlans == b.vlans && a.tun_n == b.tun_n, data, size);
	}
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_pkt pkt;
	enum ft_pkt_status st;

	if (size > UINT32_MAX)
		return 0;
	st = parse_exact(data, size, &pkt);
	CHECK(st < FT_PKT_STATUS_MAX, data, size);
	CHECK(strcmp(ft_pkt_status_name(st), "unknown") != 0, data, size);
	CHECK(strcmp(ft_pkt_status_desc(st), "unknown") != 0, data, size);
	/* Anything shorter than an Ethernet header is truncated, nothing else. */
	if (size < ETH_HDR_LEN)
		CHECK(st == FT_PKT_ERR_TRUNC_ETH, data, size);
	if (st == FT_PKT_TCP)
		check_tcp(data, size, &pkt);
	check_cut(data, size);
	check_plain(data, size);
	return 0;
}
