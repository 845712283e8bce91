/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * Unit tests of the packet parser. Frames are written byte by byte by the
 * small builder below, so every header field a test depends on is visible
 * here and can be corrupted at a known offset.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ft_pkt.h"

#define FRAME_MAX    512
#define EXT_MAX	     12
#define ETH_TYPE_OFF 12

#define ETYPE_IPV4   0x0800
#define ETYPE_IPV6   0x86dd
#define ETYPE_ARP    0x0806
#define ETYPE_8021Q  0x8100
#define ETYPE_8021AD 0x88a8
#define ETYPE_QINQ1  0x9100

#define PROTO_TCP 6
#define PROTO_UDP 17
#define NH_HOP	  0
#define NH_ROUTE  43
#define NH_FRAG	  44
#define NH_NONE	  59
#define NH_DEST	  60

/* What to put in a frame. Zero fields take the defaults set by spec_init(). */
struct frame_spec {
	uint16_t tpid[3];	   /* VLAN tag protocol identifiers, outermost first. */
	unsigned int nvlan;	   /* Number of VLAN tags. */
	uint16_t ethertype;	   /* EtherType after the tags; 0 follows the IP version. */
	int v6;			   /* IPv6 instead of IPv4. */
	uint8_t ip_version;	   /* Version nibble written; 0 follows v6. */
	unsigned int ip_opt_words; /* IPv4 option words (IHL - 5). */
	uint16_t frag;		   /* IPv4 flags and fragment offset field. */
	uint8_t ext[EXT_MAX];	   /* IPv6 extension header types, in chain order. */
	uint8_t ext_len[EXT_MAX];  /* Hdr Ext Len field of each non-fragment header. */
	unsigned int next;	   /* Number of IPv6 extension headers. */
	uint16_t frag6;		   /* Offset and M field of an IPv6 fragment header. */
	uint8_t proto;		   /* Upper-layer protocol. */
	uint8_t src[16];	   /* Source address (first 4 bytes for IPv4). */
	uint8_t dst[16];	   /* Destination address. */
	uint16_t sport;		   /* Source port, host order. */
	uint16_t dport;		   /* Destination port, host order. */
	uint32_t seq;
	uint32_t ack;
	uint16_t win;
	uint8_t flags;	      /* Whole TCP flags byte, ECE and CWR included. */
	uint8_t opt[40];      /* TCP options. */
	unsigned int opt_len; /* Option bytes, a multiple of 4. */
	unsigned int payload; /* TCP payload bytes. */
	unsigned int trailer; /* Bytes after the IP datagram (Ethernet padding). */
};

/* A built frame and the offsets of its headers. */
struct frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
	uint32_t l3;	       /* IP header. */
	uint32_t l4;	       /* TCP header. */
	uint32_t ext[EXT_MAX]; /* IPv6 extension headers. */
	uint32_t hdr_end;      /* First payload byte. */
};

static const uint8_t addr4_a[4] = { 10, 0, 0, 1 };
static const uint8_t addr4_b[4] = { 10, 0, 0, 2 };
static const uint8_t addr6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t addr6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 1 };

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A plain ACK from a (port 40000) to b (port 80) with no options and no payload. */
static void
spec_init(struct frame_spec *s, int v6)
{
	memset(s, 0, sizeof(*s));
	s->v6 = v6;
	s->proto = PROTO_TCP;
	if (v6) {
		memcpy(s->src, addr6_a, 16);
		memcpy(s->dst, addr6_b, 16);
	} else {
		memcpy(s->src, addr4_a, 4);
		memcpy(s->dst, addr4_b, 4);
	}
	s->sport = 40000;
	s->dport = 80;
	s->seq = 0x11223344;
	s->ack = 0x55667788;
	s->win = 0xfaf0;
	s->flags = FT_TH_ACK;
}

/* The same segment sent the other way. */
static void
spec_reverse(struct frame_spec *s)
{
	uint8_t tmp[16];
	uint16_t port = s->sport;

	memcpy(tmp, s->src, 16);
	memcpy(s->src, s->dst, 16);
	memcpy(s->dst, tmp, 16);
	s->sport = s->dport;
	s->dport = port;
}

static void
spec_add_opt(struct frame_spec *s, const uint8_t *opt, unsigned int len)
{
	assert_true(s->opt_len + len <= sizeof(s->opt));
	memcpy(s->opt + s->opt_len, opt, len);
	s->opt_len += len;
}

/* MSS, SACK permitted, timestamps, NOP and window scale 7: 20 bytes. */
static void
spec_add_syn_opts(struct frame_spec *s, uint32_t tsval)
{
	static const uint8_t mss[] = { 2, 4, 0x05, 0xb4, 4, 2 };
	uint8_t ts[10] = { 8, 10 };
	static const uint8_t ws[] = { 1, 3, 3, 7 };

	put32(ts + 2, tsval);
	put32(ts + 6, 0x01020304);
	spec_add_opt(s, mss, sizeof(mss));
	spec_add_opt(s, ts, sizeof(ts));
	spec_add_opt(s, ws, sizeof(ws));
}

static void
spec_add_ext(struct frame_spec *s, uint8_t type, uint8_t ext_len)
{
	assert_true(s->next < EXT_MAX);
	s->ext[s->next] = type;
	s->ext_len[s->next] = ext_len;
	s->next++;
}

static void
frame_build(struct frame *f, const struct frame_spec *s)
{
	uint32_t off, l4_len, ip_len, i;
	uint8_t *ip;
	uint8_t version = s->ip_version != 0 ? s->ip_version : (s->v6 ? 6 : 4);

	assert_true(s->opt_len % 4 == 0);
	memset(f, 0, sizeof(*f));
	/* Locally administered MAC addresses, then the tags and the EtherType. */
	memcpy(f->b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	off = ETH_TYPE_OFF;
	for (i = 0; i < s->nvlan; i++) {
		put16(f->b + off, s->tpid[i]);
		put16(f->b + off + 2, (uint16_t)(100 + i));
		off += 4;
	}
	put16(f->b + off, s->ethertype != 0 ? s->ethertype : (s->v6 ? ETYPE_IPV6 : ETYPE_IPV4));
	off += 2;
	f->l3 = off;
	ip = f->b + off;
	l4_len = 20 + s->opt_len + s->payload;

	if (!s->v6) {
		uint32_t ihl = 20 + 4 * s->ip_opt_words;

		ip_len = ihl + l4_len;
		assert_true(off + ip_len + s->trailer <= FRAME_MAX);
		ip[0] = (uint8_t)(version << 4 | (5 + s->ip_opt_words));
		put16(ip + 2, (uint16_t)ip_len);
		put16(ip + 4, 0x4242);
		put16(ip + 6, s->frag);
		ip[8] = 64;
		ip[9] = s->proto;
		memcpy(ip + 12, s->src, 4);
		memcpy(ip + 16, s->dst, 4);
		/* Options: NOPs, then an end-of-list. */
		memset(ip + 20, 1, ihl - 20);
		if (ihl > 20)
			ip[ihl - 1] = 0;
		off += ihl;
	} else {
		uint32_t ext_bytes = 0;

		for (i = 0; i < s->next; i++)
			ext_bytes += s->ext[i] == NH_FRAG ? 8 : (s->ext_len[i] + 1u) * 8;
		ip_len = 40 + ext_bytes + l4_len;
		assert_true(off + ip_len + s->trailer <= FRAME_MAX);
		ip[0] = (uint8_t)(version << 4);
		ip[1] = 0x0a;
		put16(ip + 4, (uint16_t)(ip_len - 40));
		ip[6] = s->next > 0 ? s->ext[0] : s->proto;
		ip[7] = 64;
		memcpy(ip + 8, s->src, 16);
		memcpy(ip + 24, s->dst, 16);
		off += 40;
		for (i = 0; i < s->next; i++) {
			uint8_t *h = f->b + off;

			f->ext[i] = off;
			h[0] = i + 1 < s->next ? s->ext[i + 1] : s->proto;
			if (s->ext[i] == NH_FRAG) {
				put16(h + 2, s->frag6);
				put32(h + 4, 0xdeadbeef);
				off += 8;
			} else {
				/* The rest is Pad1 options (zero bytes). */
				h[1] = s->ext_len[i];
				off += (s->ext_len[i] + 1u) * 8;
			}
		}
	}

	f->l4 = off;
	put16(f->b + off, s->sport);
	put16(f->b + off + 2, s->dport);
	put32(f->b + off + 4, s->seq);
	put32(f->b + off + 8, s->ack);
	f->b[off + 12] = (uint8_t)(((20 + s->opt_len) / 4) << 4);
	f->b[off + 13] = s->flags;
	put16(f->b + off + 14, s->win);
	memcpy(f->b + off + 20, s->opt, s->opt_len);
	off += 20 + s->opt_len;
	f->hdr_end = off;
	memset(f->b + off, 0xaa, s->payload);
	off += s->payload;
	/* Whatever follows the datagram must not be taken for payload. */
	memset(f->b + off, 0x55, s->trailer);
	off += s->trailer;
	f->len = off;
}

/*
 * Parse the first len bytes of f from a heap buffer of exactly len bytes, so
 * that a sanitizer or valgrind sees any read past the end, into a structure
 * full of junk, so that fields the parser must write are checked.
 */
static enum ft_pkt_status
parse_prefix(const struct frame *f, uint32_t len, int fix_lengths, struct ft_pkt *p)
{
	enum ft_pkt_status st;
	uint8_t *buf = malloc(len);
	int v6 = len > f->l3 && f->b[f->l3] >> 4 == 6;

	assert_true(len == 0 || buf != NULL);
	if (len > 0)
		memcpy(buf, f->b, len);
	/* Make the IP length fields agree with the cut, so the TCP code sees the short segment. */
	if (fix_lengths && !v6 && len >= f->l3 + 4)
		put16(buf + f->l3 + 2, (uint16_t)(len - f->l3));
	if (fix_lengths && v6 && len >= f->l3 + 40)
		put16(buf + f->l3 + 4, (uint16_t)(len - f->l3 - 40));
	memset(p, 0xa5, sizeof(*p));
	st = ft_pkt_parse(buf, len, p);
	free(buf);
	return st;
}

static enum ft_pkt_status
parse(const struct frame *f, struct ft_pkt *p)
{
	return parse_prefix(f, f->len, 0, p);
}

static enum ft_pkt_status
parse_spec(const struct frame_spec *s, struct ft_pkt *p)
{
	struct frame f;

	frame_build(&f, s);
	return parse(&f, p);
}

static void
assert_status(enum ft_pkt_status got, enum ft_pkt_status want)
{
	if (got != want)
		fail_msg("status %s, expected %s", ft_pkt_status_name(got),
				ft_pkt_status_name(want));
}

static const uint8_t zero_pad[11];

static void
test_v4_fields(void **state)
{
	struct frame_spec s;
	struct ft_pkt p;

	(void)state;
	spec_init(&s, 0);
	s.flags = FT_TH_PSH | FT_TH_ACK;
	s.payload = 100;
	spec_add_syn_opts(&s, 0xcafef00d);
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.seq, 0x11223344);
	assert_int_equal(p.ack, 0x55667788);
	assert_int_equal(p.win, 0xfaf0);
	assert_int_equal(p.flags, FT_TH_PSH | FT_TH_ACK);
	assert_int_equal(p.payload_len, 100);
	assert_int_equal(p.wscale, 7);
	assert_int_equal(p.has_ts, 1);
	assert_int_equal(p.tsval, 0xcafef00d);
	assert_int_equal(p.is_v6, 0);
	assert_int_equal(p.vlans, 0);
	assert_int_equal(p.dir, 0);
	/* Endpoint a (10.0.0.1:40000) sent it: a's address and port come first. */
	assert_memory_equal(&p.key.v4.addr[0], addr4_a, 4);
	assert_memory_equal(&p.key.v4.addr[1], addr4_b, 4);
	assert_int_equal(get16((const uint8_t *)&p.key.v4.port[0]), 40000);
	assert_int_equal(get16((const uint8_t *)&p.key.v4.port[1]), 80);
	assert_int_equal(p.key.v4.proto, PROTO_TCP);
	assert_memory_equal(p.key.v4.ctx, zero_pad, sizeof(p.key.v4.ctx));
}

static void
test_v4_key_symmetric(void **state)
{
	struct frame_spec s;
	struct ft_pkt fwd, rev;

	(void)state;
	spec_init(&s, 0);
	assert_status(parse_spec(&s, &fwd), FT_PKT_TCP);
	spec_reverse(&s);
	assert_status(parse_spec(&s, &rev), FT_PKT_TCP);
	assert_int_equal(sizeof(fwd.key.v4), 16);
	assert_memory_equal(&fwd.key.v4, &rev.key.v4, sizeof(fwd.key.v4));
	assert_int_equal(fwd.dir, 0);
	assert_int_equal(rev.dir, 1);
	/* The key does not depend on who sent the segment. */
	assert_memory_equal(&rev.key.v4.addr[0], addr4_a, 4);
	assert_int_equal(get16((const uint8_t *)&rev.key.v4.port[0]), 40000);
	assert_int_equal(get16((const uint8_t *)&rev.key.v4.port[1]), 80);
	assert_memory_equal(rev.key.v4.ctx, zero_pad, sizeof(rev.key.v4.ctx));

	/* Larger address but smaller port: addresses decide. */
	spec_init(&s, 0);
	memcpy(s.src, addr4_b, 4);
	memcpy(s.dst, addr4_a, 4);
	s.sport = 1;
	s.dport = 65535;
	assert_status(parse_spec(&s, &fwd), FT_PKT_TCP);
	assert_int_equal(fwd.dir, 1);
	assert_memory_equal(&fwd.key.v4.addr[0], addr4_a, 4);
	assert_int_equal(get16((const uint8_t *)&fwd.key.v4.port[0]), 65535);
	assert_int_equal(get16((const uint8_t *)&fwd.key.v4.port[1]), 1);

	/* Same address both ways (loopback): ports decide. */
	spec_init(&s, 0);
	memcpy(s.dst, addr4_a, 4);
	s.sport = 5000;
	s.dport = 80;
	assert_status(parse_spec(&s, &fwd), FT_PKT_TCP);
	spec_reverse(&s);
	assert_status(parse_spec(&s, &rev), FT_PKT_TCP);
	assert_memory_equal(&fwd.key.v4, &rev.key.v4, sizeof(fwd.key.v4));
	assert_int_not_equal(fwd.dir, rev.dir);
	assert_int_equal(fwd.dir, 1);
	assert_int_equal(get16((const uint8_t *)&fwd.key.v4.port[0]), 80);
	assert_int_equal(get16((const uint8_t *)&fwd.key.v4.port[1]), 5000);
}

static void
test_v6_key_symmetric(void **state)
{
	struct frame_spec s;
	struct ft_pkt fwd, rev;

	(void)state;
	spec_init(&s, 1);
	s.payload = 7;
	assert_status(parse_spec(&s, &fwd), FT_PKT_TCP);
	spec_reverse(&s);
	assert_status(parse_spec(&s, &rev), FT_PKT_TCP);
	assert_int_equal(fwd.is_v6, 1);
	assert_int_equal(rev.is_v6, 1);
	assert_int_equal(fwd.payload_len, 7);
	assert_int_equal(sizeof(fwd.key.v6), 48);
	assert_memory_equal(&fwd.key.v6, &rev.key.v6, sizeof(fwd.key.v6));
	/*
	 * 2001:db8::1 sorts before 2001:db8::100 although its last byte is larger:
	 * addresses compare as big-endian byte strings.
	 */
	assert_int_equal(fwd.dir, 0);
	assert_int_equal(rev.dir, 1);
	assert_memory_equal(fwd.key.v6.addr[0], addr6_a, 16);
	assert_memory_equal(fwd.key.v6.addr[1], addr6_b, 16);
	assert_int_equal(get16((const uint8_t *)&fwd.key.v6.port[0]), 40000);
	assert_int_equal(get16((const uint8_t *)&fwd.key.v6.port[1]), 80);
	assert_int_equal(fwd.key.v6.proto, PROTO_TCP);
	assert_memory_equal(fwd.key.v6.pad, zero_pad, sizeof(fwd.key.v6.pad));
	assert_memory_equal(rev.key.v6.pad, zero_pad, sizeof(rev.key.v6.pad));
}

static void
test_vlan_tags(void **state)
{
	struct frame_spec s;
	struct ft_pkt p;

	(void)state;
	spec_init(&s, 0);
	s.nvlan = 1;
	s.tpid[0] = ETYPE_8021Q;
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.vlans, 1);
	assert_int_equal(p.seq, 0x11223344);

	/* QinQ: 802.1ad outer, 802.1Q inner. */
	s.nvlan = 2;
	s.tpid[0] = ETYPE_8021AD;
	s.tpid[1] = ETYPE_8021Q;
	s.payload = 3;
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.vlans, 2);
	assert_int_equal(p.payload_len, 3);
	assert_memory_equal(&p.key.v4.addr[0], addr4_a, 4);

	/* The pre-standard 0x9100 outer tag. */
	s.tpid[0] = ETYPE_QINQ1;
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.vlans, 2);

	/* IPv6 behind QinQ. */
	spec_init(&s, 1);
	s.nvlan = 2;
	s.tpid[0] = ETYPE_8021AD;
	s.tpid[1] = ETYPE_8021Q;
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.vlans, 2);
	assert_int_equal(p.is_v6, 1);
	assert_int_equal(p.ack, 0x55667788);
}

static void
test_ipv4_options(void **state)
{
	struct frame_spec s;
	struct ft_pkt p, plain;
	unsigned int words;

	(void)state;
	spec_init(&s, 0);
	s.payload = 9;
	assert_status(parse_spec(&s, &plain), FT_PKT_TCP);
	for (words = 1; words <= 2; words++) {
		s.ip_opt_words = words;
		assert_status(parse_spec(&s, &p), FT_PKT_TCP);
		assert_int_equal(p.seq, 0x11223344);
		assert_int_equal(p.ack, 0x55667788);
		assert_int_equal(p.win, 0xfaf0);
		assert_int_equal(p.payload_len, 9);
		assert_memory_equal(&p.key.v4, &plain.key.v4, sizeof(p.key.v4));
	}
	/* The largest header: IHL 15. */
	s.ip_opt_words = 10;
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.payload_len, 9);
}

static void
test_ipv6_ext_headers(void **state)
{
	struct frame_spec s;
	struct ft_pkt p, plain;
	unsigned int i;

	(void)state;
	spec_init(&s, 1);
	s.payload = 33;
	spec_add_syn_opts(&s, 77);
	assert_status(parse_spec(&s, &plain), FT_PKT_TCP);

	/* Hop-by-hop, routing (24 bytes), destination options (16 bytes), atomic fragment. */
	spec_add_ext(&s, NH_HOP, 0);
	spec_add_ext(&s, NH_ROUTE, 2);
	spec_add_ext(&s, NH_DEST, 1);
	spec_add_ext(&s, NH_FRAG, 0);
	s.frag6 = 0;
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.is_v6, 1);
	assert_int_equal(p.seq, 0x11223344);
	assert_int_equal(p.ack, 0x55667788);
	assert_int_equal(p.win, 0xfaf0);
	assert_int_equal(p.payload_len, 33);
	assert_int_equal(p.wscale, 7);
	assert_int_equal(p.has_ts, 1);
	assert_int_equal(p.tsval, 77);
	assert_memory_equal(&p.key.v6, &plain.key.v6, sizeof(p.key.v6));
	assert_int_equal(p.dir, plain.dir);

	/* The longest chain walked: FT_PKT_IPV6_EXT_MAX headers. */
	spec_init(&s, 1);
	s.payload = 5;
	for (i = 0; i < FT_PKT_IPV6_EXT_MAX; i++)
		spec_add_ext(&s, i % 2 ? NH_DEST : NH_HOP, 0);
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.payload_len, 5);
	assert_int_equal(p.seq, 0x11223344);
}

static void
test_tcp_options(void **state)
{
	struct frame_spec s;
	struct ft_pkt p;
	static const uint8_t ws15[] = { 3, 3, 15, 1 };
	static const uint8_t eol_junk[] = { 1, 0, 3, 0 };
	static const uint8_t unknown[] = { 30, 6, 1, 2, 3, 4, 3, 3, 2, 0, 0, 0 };
	unsigned int i;

	(void)state;
	/* No options: no window scale, no timestamp. */
	spec_init(&s, 0);
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.wscale, FT_PKT_NO_WSCALE);
	assert_int_equal(p.has_ts, 0);
	assert_int_equal(p.tsval, 0);

	/* RFC 7323: a shift above 14 is used as 14. */
	spec_init(&s, 0);
	spec_add_opt(&s, ws15, sizeof(ws15));
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.wscale, 14);

	/* Nothing after an end-of-list is read, not even a bad length. */
	spec_init(&s, 0);
	spec_add_opt(&s, eol_junk, sizeof(eol_junk));
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.wscale, FT_PKT_NO_WSCALE);

	/* An unknown kind is skipped by its length. */
	spec_init(&s, 0);
	spec_add_opt(&s, unknown, sizeof(unknown));
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.wscale, 2);
	assert_int_equal(p.has_ts, 0);

	/*
	 * A Linux SYN's options (read without the walk) with a shift above 14; then
	 * the same 20 bytes with NOP, NOP for SACK permitted: the walk gives the
	 * same fields.
	 */
	spec_init(&s, 0);
	s.flags = FT_TH_SYN;
	spec_add_syn_opts(&s, 0x0badcafe);
	for (i = 0; i < 2; i++) {
		s.opt[4] = i == 0 ? 4 : 1;
		s.opt[5] = i == 0 ? 2 : 1;
		s.opt[19] = i == 0 ? 15 : 9;
		assert_status(parse_spec(&s, &p), FT_PKT_TCP);
		assert_int_equal(p.wscale, i == 0 ? 14 : 9);
		assert_int_equal(p.has_ts, 1);
		assert_int_equal(p.tsval, 0x0badcafe);
	}

	/* Window scale last but with a length of 2: not a window scale at all. */
	spec_init(&s, 0);
	s.flags = FT_TH_SYN;
	spec_add_syn_opts(&s, 1);
	s.opt[17] = 3;
	s.opt[18] = 2;
	s.opt[19] = 0;
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.wscale, FT_PKT_NO_WSCALE);

	/* All 40 option bytes (doff 15). */
	spec_init(&s, 0);
	spec_add_syn_opts(&s, 0x12345678);
	spec_add_syn_opts(&s, 0x9abcdef0);
	s.payload = 1;
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.payload_len, 1);
	assert_int_equal(p.has_ts, 1);
	assert_int_equal(p.tsval, 0x9abcdef0);
}

static void
test_tcp_flags_extracted(void **state)
{
	struct frame_spec s;
	struct ft_pkt p;
	static const uint8_t ok[] = {
		FT_TH_SYN,
		FT_TH_SYN | FT_TH_ACK,
		FT_TH_FIN | FT_TH_ACK,
		FT_TH_RST,
		FT_TH_RST | FT_TH_ACK,
		FT_TH_FIN | FT_TH_PSH | FT_TH_ACK | FT_TH_URG,
		FT_TH_FIN,
	};
	unsigned int i;

	(void)state;
	spec_init(&s, 0);
	for (i = 0; i < sizeof(ok); i++) {
		s.flags = ok[i];
		assert_status(parse_spec(&s, &p), FT_PKT_TCP);
		assert_int_equal(p.flags, ok[i]);
	}
	/* ECE and CWR (an ECN-setup SYN) are not part of the flags kept. */
	s.flags = 0xc0 | FT_TH_SYN;
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.flags, FT_TH_SYN);
}

static void
test_eth_padding(void **state)
{
	struct frame_spec s;
	struct frame f;
	struct ft_pkt p;

	(void)state;
	/* A 40-byte datagram padded to the 60-byte Ethernet minimum. */
	spec_init(&s, 0);
	s.trailer = 6;
	frame_build(&f, &s);
	assert_int_equal(f.len, 60);
	assert_status(parse(&f, &p), FT_PKT_TCP);
	assert_int_equal(p.payload_len, 0);

	spec_init(&s, 0);
	s.payload = 2;
	s.trailer = 4;
	frame_build(&f, &s);
	assert_int_equal(f.len, 60);
	assert_status(parse(&f, &p), FT_PKT_TCP);
	assert_int_equal(p.payload_len, 2);

	/* Trailing bytes after an IPv6 datagram (an FCS, say). */
	spec_init(&s, 1);
	s.payload = 10;
	s.trailer = 4;
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.payload_len, 10);
}

static void
test_fragments(void **state)
{
	struct frame_spec s;
	struct ft_pkt p;

	(void)state;
	spec_init(&s, 0);
	s.payload = 8;
	s.frag = 0x2000; /* MF, offset 0: the first fragment. */
	assert_status(parse_spec(&s, &p), FT_PKT_FRAGMENT);
	s.frag = 0x0001; /* Offset 8 bytes, last fragment. */
	assert_status(parse_spec(&s, &p), FT_PKT_FRAGMENT);
	s.frag = 0x1fff; /* Largest offset. */
	assert_status(parse_spec(&s, &p), FT_PKT_FRAGMENT);
	s.frag = 0x4000; /* DF only: a whole datagram. */
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.payload_len, 8);

	spec_init(&s, 1);
	s.payload = 8;
	spec_add_ext(&s, NH_FRAG, 0);
	s.frag6 = 1; /* Offset 0, M: the first fragment. */
	assert_status(parse_spec(&s, &p), FT_PKT_FRAGMENT);
	s.frag6 = 8 << 3; /* Offset 64 bytes, last fragment. */
	assert_status(parse_spec(&s, &p), FT_PKT_FRAGMENT);
	s.frag6 = 0xfff8 | 1;
	assert_status(parse_spec(&s, &p), FT_PKT_FRAGMENT);
	/* An atomic fragment (offset 0, M 0, RFC 6946) is a whole packet. */
	s.frag6 = 0;
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);
	assert_int_equal(p.payload_len, 8);
	assert_int_equal(p.seq, 0x11223344);
	/* The reserved bits beside M do not make it a fragment either. */
	s.frag6 = 0x0006;
	assert_status(parse_spec(&s, &p), FT_PKT_TCP);

	/* A fragment header after a hop-by-hop header. */
	spec_init(&s, 1);
	spec_add_ext(&s, NH_HOP, 0);
	spec_add_ext(&s, NH_FRAG, 0);
	s.frag6 = 1;
	assert_status(parse_spec(&s, &p), FT_PKT_FRAGMENT);
}

static void
test_not_tcp_not_ip(void **state)
{
	struct frame_spec s;
	struct ft_pkt p;

	(void)state;
	spec_init(&s, 0);
	s.proto = PROTO_UDP;
	assert_status(parse_spec(&s, &p), FT_PKT_NOT_TCP);

	spec_init(&s, 1);
	s.proto = PROTO_UDP;
	assert_status(parse_spec(&s, &p), FT_PKT_NOT_TCP);

	/* UDP behind extension headers. */
	spec_add_ext(&s, NH_HOP, 0);
	spec_add_ext(&s, NH_DEST, 0);
	assert_status(parse_spec(&s, &p), FT_PKT_NOT_TCP);

	/* No next header. */
	spec_init(&s, 1);
	s.proto = NH_NONE;
	spec_add_ext(&s, NH_HOP, 0);
	assert_status(parse_spec(&s, &p), FT_PKT_NOT_TCP);

	spec_init(&s, 0);
	s.ethertype = ETYPE_ARP;
	assert_status(parse_spec(&s, &p), FT_PKT_NOT_IP);
	s.nvlan = 1;
	s.tpid[0] = ETYPE_8021Q;
	assert_status(parse_spec(&s, &p), FT_PKT_NOT_IP);
}

static void
test_err_eth(void **state)
{
	struct frame_spec s;
	struct frame f;
	struct ft_pkt p;
	uint32_t len;

	(void)state;
	spec_init(&s, 0);
	frame_build(&f, &s);
	for (len = 0; len < 14; len++) {
		memset(&p, 0, sizeof(p));
		assert_status(parse_prefix(&f, len, 0, &p), FT_PKT_ERR_TRUNC_ETH);
	}

	/* A tag announced but cut short. */
	s.nvlan = 1;
	s.tpid[0] = ETYPE_8021Q;
	frame_build(&f, &s);
	assert_status(parse_prefix(&f, 14, 0, &p), FT_PKT_ERR_TRUNC_ETH);
	assert_status(parse_prefix(&f, 17, 0, &p), FT_PKT_ERR_TRUNC_ETH);
	s.nvlan = 2;
	s.tpid[0] = ETYPE_8021AD;
	s.tpid[1] = ETYPE_8021Q;
	frame_build(&f, &s);
	assert_status(parse_prefix(&f, 21, 0, &p), FT_PKT_ERR_TRUNC_ETH);

	/* Three tags. */
	s.nvlan = 3;
	s.tpid[0] = ETYPE_8021AD;
	s.tpid[1] = ETYPE_8021Q;
	s.tpid[2] = ETYPE_8021Q;
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_VLAN_DEPTH);
	s.tpid[0] = ETYPE_8021Q;
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_VLAN_DEPTH);
}

static void
test_err_ip(void **state)
{
	struct frame_spec s;
	struct frame f;
	struct ft_pkt p;

	(void)state;
	/* Less than a base header. */
	spec_init(&s, 0);
	frame_build(&f, &s);
	assert_status(parse_prefix(&f, 14 + 19, 0, &p), FT_PKT_ERR_TRUNC_IP);
	assert_status(parse_prefix(&f, 14, 0, &p), FT_PKT_ERR_TRUNC_IP);
	spec_init(&s, 1);
	frame_build(&f, &s);
	assert_status(parse_prefix(&f, 14 + 39, 0, &p), FT_PKT_ERR_TRUNC_IP);

	/* The version must match the EtherType. */
	spec_init(&s, 0);
	s.ip_version = 6;
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_IP_VERSION);
	spec_init(&s, 1);
	s.ip_version = 4;
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_IP_VERSION);

	/* IHL below 5 words, and IHL past the end of the frame. */
	spec_init(&s, 0);
	frame_build(&f, &s);
	f.b[f.l3] = 0x44;
	assert_status(parse(&f, &p), FT_PKT_ERR_IP_IHL);
	f.b[f.l3] = 0x40;
	assert_status(parse(&f, &p), FT_PKT_ERR_IP_IHL);
	f.b[f.l3] = 0x4f; /* 60 bytes in a 40-byte datagram. */
	assert_status(parse(&f, &p), FT_PKT_ERR_IP_IHL);

	/* Total length past the frame, and below the header length. */
	frame_build(&f, &s);
	put16(f.b + f.l3 + 2, (uint16_t)(f.len - f.l3 + 1));
	assert_status(parse(&f, &p), FT_PKT_ERR_IP_LEN);
	put16(f.b + f.l3 + 2, 19);
	assert_status(parse(&f, &p), FT_PKT_ERR_IP_LEN);
	put16(f.b + f.l3 + 2, 0);
	assert_status(parse(&f, &p), FT_PKT_ERR_IP_LEN);
	s.ip_opt_words = 2;
	frame_build(&f, &s);
	put16(f.b + f.l3 + 2, 24);
	assert_status(parse(&f, &p), FT_PKT_ERR_IP_LEN);

	/* IPv6 payload length past the frame. */
	spec_init(&s, 1);
	frame_build(&f, &s);
	put16(f.b + f.l3 + 4, (uint16_t)(f.len - f.l3 - 40 + 1));
	assert_status(parse(&f, &p), FT_PKT_ERR_IP_LEN);
}

static void
test_err_ipv6_ext(void **state)
{
	struct frame_spec s;
	struct frame f;
	struct ft_pkt p;
	unsigned int i;

	(void)state;
	/* One header more than the walk allows. */
	spec_init(&s, 1);
	for (i = 0; i < FT_PKT_IPV6_EXT_MAX + 1; i++)
		spec_add_ext(&s, i % 2 ? NH_DEST : NH_HOP, 0);
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_IPV6_EXT);

	/* A header whose length runs past the payload length. */
	spec_init(&s, 1);
	spec_add_ext(&s, NH_HOP, 0);
	spec_add_ext(&s, NH_DEST, 0);
	frame_build(&f, &s);
	f.b[f.ext[1] + 1] = 4; /* 40 bytes claimed, 8 + 20 present. */
	assert_status(parse(&f, &p), FT_PKT_ERR_IPV6_EXT);

	/* Payload length ending inside the fixed part of an extension header. */
	spec_init(&s, 1);
	spec_add_ext(&s, NH_HOP, 0);
	frame_build(&f, &s);
	put16(f.b + f.l3 + 4, 4);
	assert_status(parse(&f, &p), FT_PKT_ERR_IPV6_EXT);
	put16(f.b + f.l3 + 4, 0);
	assert_status(parse(&f, &p), FT_PKT_ERR_IPV6_EXT);

	/* A routing header one byte longer than what the payload length leaves. */
	spec_init(&s, 1);
	spec_add_ext(&s, NH_ROUTE, 2);
	frame_build(&f, &s);
	put16(f.b + f.l3 + 4, 23);
	assert_status(parse(&f, &p), FT_PKT_ERR_IPV6_EXT);
	assert_status(parse_prefix(&f, f.l3 + 63, 0, &p), FT_PKT_ERR_IPV6_EXT);

	/* The last header running 4 bytes into where TCP would start. */
	spec_init(&s, 1);
	spec_add_ext(&s, NH_HOP, 0);
	spec_add_ext(&s, NH_DEST, 0);
	frame_build(&f, &s);
	f.b[f.ext[1] + 1] = 3;
	assert_status(parse(&f, &p), FT_PKT_ERR_IPV6_EXT);

	/* The same for a fragment header, and with the frame itself cut. */
	spec_init(&s, 1);
	spec_add_ext(&s, NH_FRAG, 0);
	frame_build(&f, &s);
	put16(f.b + f.l3 + 4, 7);
	assert_status(parse_prefix(&f, f.l3 + 47, 0, &p), FT_PKT_ERR_IPV6_EXT);
}

static void
test_err_tcp(void **state)
{
	struct frame_spec s;
	struct frame f;
	struct ft_pkt p;
	static const uint8_t len0[] = { 2, 0, 1, 1 };
	static const uint8_t len1[] = { 1, 8, 1, 1 };
	static const uint8_t past[] = { 1, 1, 8, 10 };
	static const uint8_t no_len[] = { 1, 1, 1, 3 };
	static const uint8_t past_last[] = { 2, 4, 5, 0xb4, 1, 1, 3, 3 };
	int v6;

	(void)state;
	for (v6 = 0; v6 <= 1; v6++) {
		/* Fewer than 20 TCP bytes inside the datagram. */
		spec_init(&s, v6);
		frame_build(&f, &s);
		if (v6)
			put16(f.b + f.l3 + 4, 19);
		else
			put16(f.b + f.l3 + 2, 20 + 19);
		assert_status(parse(&f, &p), FT_PKT_ERR_TRUNC_TCP);
		if (v6)
			put16(f.b + f.l3 + 4, 0);
		else
			put16(f.b + f.l3 + 2, 20);
		assert_status(parse(&f, &p), FT_PKT_ERR_TRUNC_TCP);

		/* Data offset below 5, and past the segment. */
		frame_build(&f, &s);
		f.b[f.l4 + 12] = 4 << 4;
		assert_status(parse(&f, &p), FT_PKT_ERR_TCP_DOFF);
		f.b[f.l4 + 12] = 0;
		assert_status(parse(&f, &p), FT_PKT_ERR_TCP_DOFF);
		f.b[f.l4 + 12] = 6 << 4; /* 24 bytes in a 20-byte segment. */
		assert_status(parse(&f, &p), FT_PKT_ERR_TCP_DOFF);
		/* 36 option bytes (NOPs) and 3 payload bytes: a 59-byte segment. */
		memset(s.opt, 1, 36);
		s.opt_len = 36;
		s.payload = 3;
		frame_build(&f, &s);
		assert_status(parse(&f, &p), FT_PKT_TCP);
		assert_int_equal(p.payload_len, 3);
		f.b[f.l4 + 12] = 15 << 4; /* 60 bytes. */
		assert_status(parse(&f, &p), FT_PKT_ERR_TCP_DOFF);
	}

	/* Option lengths 0 and 1, an option running past the header, a kind without length. */
	spec_init(&s, 0);
	spec_add_opt(&s, len0, sizeof(len0));
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_TCP_OPT);
	spec_init(&s, 0);
	spec_add_opt(&s, len1, sizeof(len1));
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_TCP_OPT);
	spec_init(&s, 0);
	s.payload = 20; /* The option would fit the segment, not the header. */
	spec_add_opt(&s, past, sizeof(past));
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_TCP_OPT);
	spec_init(&s, 0);
	spec_add_opt(&s, no_len, sizeof(no_len));
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_TCP_OPT);
	spec_init(&s, 0);
	spec_add_opt(&s, past_last, sizeof(past_last));
	s.payload = 4;
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_TCP_OPT);
	spec_init(&s, 1);
	spec_add_opt(&s, len0, sizeof(len0));
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_TCP_OPT);

	/* Flag combinations no stack sends. */
	spec_init(&s, 0);
	s.flags = FT_TH_SYN | FT_TH_FIN;
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_TCP_FLAGS);
	s.flags = FT_TH_SYN | FT_TH_FIN | FT_TH_ACK;
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_TCP_FLAGS);
	s.flags = FT_TH_SYN | FT_TH_RST;
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_TCP_FLAGS);
	s.flags = FT_TH_SYN | FT_TH_RST | FT_TH_ACK;
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_TCP_FLAGS);
	s.flags = 0;
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_TCP_FLAGS);
	spec_init(&s, 1);
	s.flags = FT_TH_SYN | FT_TH_FIN;
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_TCP_FLAGS);
	s.flags = 0;
	assert_status(parse_spec(&s, &p), FT_PKT_ERR_TCP_FLAGS);
}

/*
 * Every strict prefix of a valid frame: with the frame's own length fields the
 * datagram is longer than the frame; with length fields that match the cut,
 * anything shorter than the headers is an error and anything longer is
 * parsed with exactly the payload that is there.
 */
static void
truncation_sweep(const struct frame *f, uint32_t l2_end)
{
	struct ft_pkt p;
	enum ft_pkt_status st, want;
	uint32_t len, ip_min = f->b[f->l3] >> 4 == 6 ? 40 : 20;
	uint32_t ihl = ip_min == 20 ? (f->b[f->l3] & 0xfu) * 4 : 40;

	assert_status(parse_prefix(f, f->len, 0, &p), FT_PKT_TCP);
	assert_int_equal(p.payload_len, f->len - f->hdr_end);
	for (len = 0; len < f->len; len++) {
		st = parse_prefix(f, len, 0, &p);
		if (len < l2_end)
			want = FT_PKT_ERR_TRUNC_ETH;
		else if (len < f->l3 + ip_min)
			want = FT_PKT_ERR_TRUNC_IP;
		else if (len < f->l3 + ihl)
			want = FT_PKT_ERR_IP_IHL;
		else
			want = FT_PKT_ERR_IP_LEN;
		if (st != want)
			fail_msg("prefix %u/%u: status %s, expected %s", len, f->len,
					ft_pkt_status_name(st), ft_pkt_status_name(want));

		st = parse_prefix(f, len, 1, &p);
		if (len < l2_end)
			want = FT_PKT_ERR_TRUNC_ETH;
		else if (len < f->l3 + ip_min)
			want = FT_PKT_ERR_TRUNC_IP;
		else if (len < f->l3 + ihl)
			want = FT_PKT_ERR_IP_IHL;
		else if (len < f->l4)
			want = FT_PKT_ERR_IPV6_EXT;
		else if (len < f->l4 + 20)
			want = FT_PKT_ERR_TRUNC_TCP;
		else if (len < f->hdr_end)
			want = FT_PKT_ERR_TCP_DOFF;
		else
			want = FT_PKT_TCP;
		if (st != want)
			fail_msg("prefix %u/%u with lengths fixed: status %s, expected %s", len,
					f->len, ft_pkt_status_name(st), ft_pkt_status_name(want));
		if (st == FT_PKT_TCP && p.payload_len != len - f->hdr_end)
			fail_msg("prefix %u/%u: payload_len %u, %u bytes present", len, f->len,
					p.payload_len, len - f->hdr_end);
	}
}

static void
test_truncation_sweep_v4(void **state)
{
	struct frame_spec s;
	struct frame f;

	(void)state;
	spec_init(&s, 0);
	s.nvlan = 1;
	s.tpid[0] = ETYPE_8021Q;
	s.ip_opt_words = 2;
	s.payload = 10;
	spec_add_syn_opts(&s, 1);
	frame_build(&f, &s);
	assert_int_equal(f.l3, 18);
	assert_int_equal(f.l4, 18 + 28);
	truncation_sweep(&f, 18);
}

static void
test_truncation_sweep_v6(void **state)
{
	struct frame_spec s;
	struct frame f;

	(void)state;
	spec_init(&s, 1);
	s.nvlan = 2;
	s.tpid[0] = ETYPE_8021AD;
	s.tpid[1] = ETYPE_8021Q;
	s.payload = 10;
	spec_add_ext(&s, NH_HOP, 0);
	spec_add_ext(&s, NH_ROUTE, 2);
	spec_add_ext(&s, NH_DEST, 1);
	spec_add_ext(&s, NH_FRAG, 0);
	spec_add_syn_opts(&s, 1);
	frame_build(&f, &s);
	assert_int_equal(f.l3, 22);
	assert_int_equal(f.l4, 22 + 40 + 8 + 24 + 16 + 8);
	truncation_sweep(&f, 22);
}

static void
test_status_names(void **state)
{
	unsigned int st, other;
	const char *name, *desc;

	(void)state;
	for (st = 0; st < FT_PKT_STATUS_MAX; st++) {
		name = ft_pkt_status_name(st);
		desc = ft_pkt_status_desc(st);
		assert_non_null(name);
		assert_non_null(desc);
		assert_true(strlen(name) > 0);
		assert_true(strlen(desc) > 0);
		/* Errors, and only errors, are named ERR_*. */
		assert_int_equal(strncmp(name, "ERR_", 4) == 0, st >= FT_PKT_FIRST_ERROR);
		for (other = 0; other < st; other++)
			assert_string_not_equal(name, ft_pkt_status_name(other));
	}
	assert_string_equal(ft_pkt_status_name(FT_PKT_TCP), "TCP");
	assert_string_equal(ft_pkt_status_name(FT_PKT_ERR_TRUNC_TCP), "ERR_TRUNC_TCP");
	assert_string_equal(ft_pkt_status_desc(FT_PKT_TCP), "TCP segments parsed");
	assert_non_null(ft_pkt_status_name(FT_PKT_STATUS_MAX));
	assert_non_null(ft_pkt_status_desc(FT_PKT_STATUS_MAX));
}

/* ---------------------------------------------------------------------------
 * Tunnels
 */

/* How the inner packet is wrapped. */
enum wrap_kind {
	W_GENEVE_ETH, /* GENEVE, protocol 0x6558, VNI 0x123456. */
	W_GENEVE_IP,  /* GENEVE, raw IP, VNI 0x123456. */
	W_GWLB,	      /* GENEVE, raw IP, VNI 0, the three AWS options. */
	W_VXLAN,      /* VXLAN 4789, VNI 0x00abcd. */
	W_IPIP,	      /* IP protocol 4 or 41. */
	W_GRE,	      /* GRE without key, raw IP. */
	W_GRE_KEY,    /* GRE with checksum and key 0xdeadbeef, raw IP. */
	W_GRE_ETH,    /* GRE with key, protocol 0x6558. */
	W_GUE0,	      /* GUE variant 0 on 6080. */
	W_GUE1,	      /* GUE variant 1 on 6080. */
	W_MAX
};

#define GWLB_EP	 0x0e00000000000007ULL
#define GWLB_ATT 0x0a00000000000009ULL

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/*
 * Wrap inner (its IP packet, or its whole Ethernet frame for the kinds that
 * carry Ethernet) in Ethernet + IPv4 + the tunnel; the tunnel header starts
 * at *hdr. Returns the frame length.
 */
static uint32_t
wrap(enum wrap_kind k, const struct frame *in, int inner_v6, uint8_t *out, uint32_t *hdr)
{
	int eth_inner = k == W_GENEVE_ETH || k == W_VXLAN || k == W_GRE_ETH;
	const uint8_t *ip_in = eth_inner ? in->b : in->b + in->l3;
	uint32_t in_len = eth_inner ? in->len : in->len - in->l3;
	uint16_t ipproto_type = inner_v6 ? ETYPE_IPV6 : ETYPE_IPV4;
	uint8_t *ip = out + 14, *p;
	uint32_t off = 14 + 20, ulen, tot;
	uint8_t proto = PROTO_UDP;

	memset(out, 0, 14 + 20 + 8 + 48);
	memcpy(out, "\x02\x00\x00\x00\x00\x0b\x02\x00\x00\x00\x00\x0a", 12);
	put16(out + 12, ETYPE_IPV4);
	ip[0] = 0x45;
	ip[8] = 64;
	memcpy(ip + 12, "\xc6\x13\xff\x01", 4); /* 198.19.255.1 */
	memcpy(ip + 16, "\xc6\x13\xff\x02", 4);
	p = out + off;
	switch (k) {
	case W_GENEVE_ETH:
	case W_GENEVE_IP:
	case W_GWLB:
		put16(p + 2, k == W_GWLB ? 6081 : 6081);
		p += 8;
		*hdr = (uint32_t)(p - out);
		put16(p + 2, k == W_GENEVE_ETH ? 0x6558 : ipproto_type);
		if (k == W_GWLB) {
			p[0] = 8; /* 32 bytes of options */
			put16(p + 8, 0x0108);
			p[10] = 1;
			p[11] = 2;
			put64(p + 12, GWLB_EP);
			put16(p + 20, 0x0108);
			p[22] = 2;
			p[23] = 2;
			put64(p + 24, GWLB_ATT);
			put16(p + 32, 0x0108);
			p[34] = 3;
			p[35] = 1;
			put32(p + 36, 0xc00c1e);
			p += 40;
		} else {
			memcpy(p + 4, "\x12\x34\x56", 3);
			p += 8;
		}
		break;
	case W_VXLAN:
		put16(p + 2, 4789);
		p += 8;
		*hdr = (uint32_t)(p - out);
		p[0] = 0x08;
		memcpy(p + 4, "\x00\xab\xcd", 3);
		p += 8;
		break;
	case W_IPIP:
		proto = inner_v6 ? 41 : 4;
		*hdr = off;
		break;
	case W_GRE:
	case W_GRE_KEY:
	case W_GRE_ETH:
		proto = 47;
		*hdr = off;
		put16(p + 2, k == W_GRE_ETH ? 0x6558 : ipproto_type);
		if (k == W_GRE) {
			p += 4;
		} else if (k == W_GRE_KEY) {
			put16(p, 0xa000); /* checksum and key present */
			put32(p + 8, 0xdeadbeef);
			p += 12;
		} else {
			put16(p, 0x2000);
			put32(p + 4, 0x00000777);
			p += 8;
		}
		break;
	case W_GUE0:
	case W_GUE1:
		put16(p + 2, 6080);
		p += 8;
		*hdr = (uint32_t)(p - out);
		if (k == W_GUE0) {
			p[1] = inner_v6 ? 41 : 4;
			p += 4;
		}
		break;
	default:
		fail();
	}
	memcpy(p, ip_in, in_len);
	tot = (uint32_t)(p - out) + in_len;
	ip[9] = proto;
	put16(ip + 2, (uint16_t)(tot - 14));
	if (proto == PROTO_UDP) {
		ulen = tot - off;
		put16(out + off, 50000);
		put16(out + off + 4, (uint16_t)ulen);
	}
	return tot;
}

static void
tun_conf(struct ft_pkt_conf *c)
{
	ft_pkt_conf_init(c);
	c->gue.n = 1;
	c->gue.port[0] = 6080;
}

static const uint8_t want_kind[W_MAX] = {
	[W_GENEVE_ETH] = FT_TUN_GENEVE,
	[W_GENEVE_IP] = FT_TUN_GENEVE,
	[W_GWLB] = FT_TUN_GWLB,
	[W_VXLAN] = FT_TUN_VXLAN,
	[W_IPIP] = FT_TUN_IPIP,
	[W_GRE] = FT_TUN_GRE,
	[W_GRE_KEY] = FT_TUN_GRE,
	[W_GRE_ETH] = FT_TUN_GRE,
	[W_GUE0] = FT_TUN_GUE,
	[W_GUE1] = FT_TUN_GUE,
};

/* Every kind, IPv4 and IPv6 inside: the inner segment's parse, and the tunnel's identity. */
static void
test_tun_each_kind(void **state)
{
	static uint8_t buf[1024];
	struct ft_pkt_conf c;
	int v6, k;

	(void)state;
	tun_conf(&c);
	for (v6 = 0; v6 < 2; v6++)
		for (k = 0; k < W_MAX; k++) {
			struct frame_spec s;
			struct frame in;
			struct ft_pkt plain, tun;
			uint32_t len, hdr;

			spec_init(&s, v6);
			s.payload = 17;
			s.flags = FT_TH_ACK | FT_TH_FIN;
			frame_build(&in, &s);
			assert_int_equal(parse(&in, &plain), FT_PKT_TCP);
			len = wrap((enum wrap_kind)k, &in, v6, buf, &hdr);
			memset(&tun, 0xa5, sizeof(tun));
			assert_status(ft_pkt_parse_conf(&c, buf, len, len, &tun), FT_PKT_TCP);
			assert_int_equal(tun.tun_n, 1);
			assert_int_equal(tun.tun[0].kind, want_kind[k]);
			assert_int_equal(tun.is_v6, v6);
			assert_memory_equal(&tun.key, &plain.key,
					v6 ? sizeof(plain.key.v6) : sizeof(plain.key.v4));
			assert_int_equal(ft_pkt_ctx(&tun), 0);
			assert_int_equal(tun.dir, plain.dir);
			assert_int_equal(tun.seq, plain.seq);
			assert_int_equal(tun.ack, plain.ack);
			assert_int_equal(tun.flags, plain.flags);
			assert_int_equal(tun.payload_len, 17);
			switch (k) {
			case W_GENEVE_ETH:
			case W_GENEVE_IP:
				assert_int_equal(tun.tun[0].id_len, 3);
				assert_memory_equal(tun.tun[0].id, "\x12\x34\x56", 3);
				break;
			case W_GWLB:
				assert_int_equal(tun.tun[0].id_len, 16);
				assert_memory_equal(tun.tun[0].id, "\x0e\0\0\0\0\0\0\x07", 8);
				assert_memory_equal(tun.tun[0].id + 8, "\x0a\0\0\0\0\0\0\x09", 8);
				assert_int_equal(tun.tun[0].cookie, 0xc00c1e);
				break;
			case W_VXLAN:
				assert_int_equal(tun.tun[0].id_len, 3);
				assert_memory_equal(tun.tun[0].id, "\x00\xab\xcd", 3);
				break;
			case W_GRE_KEY:
				assert_int_equal(tun.tun[0].id_len, 4);
				assert_memory_equal(tun.tun[0].id, "\xde\xad\xbe\xef", 4);
				break;
			case W_GRE_ETH:
				assert_int_equal(tun.tun[0].id_len, 4);
				break;
			default:
				assert_int_equal(tun.tun[0].id_len, 0);
			}
			/* The default configuration has no GUE port: GUE is then plain UDP. */
			if (k == W_GUE0 || k == W_GUE1)
				assert_status(ft_pkt_parse(buf, len, &tun), FT_PKT_NOT_TCP);
			else
				assert_status(ft_pkt_parse(buf, len, &tun), FT_PKT_TCP);
		}
}

/* A customer's GRE inside GWLB's GENEVE: two levels; nesting past the depth is counted. */
static void
test_tun_nested_and_depth(void **state)
{
	static uint8_t gre[1024], gwlb[1024];
	struct ft_pkt_conf c;
	struct frame_spec s;
	struct frame in, mid;
	struct ft_pkt p;
	uint32_t len, hdr;

	(void)state;
	tun_conf(&c);
	spec_init(&s, 0);
	frame_build(&in, &s);
	len = wrap(W_GRE_KEY, &in, 0, gre, &hdr);
	/* The GRE frame as the inner packet of GWLB's GENEVE. */
	memset(&mid, 0, sizeof(mid));
	memcpy(mid.b, gre, len);
	mid.len = len;
	mid.l3 = 14;
	len = wrap(W_GWLB, &mid, 0, gwlb, &hdr);
	assert_status(ft_pkt_parse_conf(&c, gwlb, len, len, &p), FT_PKT_TCP);
	assert_int_equal(p.tun_n, 2);
	assert_int_equal(p.tun[0].kind, FT_TUN_GWLB);
	assert_int_equal(p.tun[1].kind, FT_TUN_GRE);
	assert_memory_equal(p.tun[1].id, "\xde\xad\xbe\xef", 4);
	c.tun_depth = 1;
	assert_status(ft_pkt_parse_conf(&c, gwlb, len, len, &p), FT_PKT_TUN_DEPTH);
	c.tun_depth = 0;
	assert_status(ft_pkt_parse_conf(&c, gwlb, len, len, &p), FT_PKT_NOT_TCP);
	/* Kinds switched off, ports moved. */
	tun_conf(&c);
	c.gre = 0;
	len = wrap(W_GRE, &in, 0, gre, &hdr);
	assert_status(ft_pkt_parse_conf(&c, gre, len, len, &p), FT_PKT_NOT_TCP);
	len = wrap(W_VXLAN, &in, 0, gre, &hdr);
	c.vxlan.n = 1;
	c.vxlan.port[0] = 10800;
	assert_status(ft_pkt_parse_conf(&c, gre, len, len, &p), FT_PKT_NOT_TCP);
	put16(gre + 14 + 20 + 2, 10800);
	assert_status(ft_pkt_parse_conf(&c, gre, len, len, &p), FT_PKT_TCP);
	assert_int_equal(p.tun[0].kind, FT_TUN_VXLAN);
	/* Context rules: no identity, or the VNI even with the GWLB options. */
	c.ctx_vxlan = 0;
	assert_status(ft_pkt_parse_conf(&c, gre, len, len, &p), FT_PKT_TCP);
	assert_int_equal(p.tun[0].id_len, 0);
	len = wrap(W_GWLB, &in, 0, gwlb, &hdr);
	c.ctx_geneve = FT_GENEVE_CTX_VNI;
	assert_status(ft_pkt_parse_conf(&c, gwlb, len, len, &p), FT_PKT_TCP);
	assert_int_equal(p.tun[0].kind, FT_TUN_GWLB);
	assert_int_equal(p.tun[0].id_len, 3);
	c.ctx_geneve = FT_GENEVE_CTX_NONE;
	assert_status(ft_pkt_parse_conf(&c, gwlb, len, len, &p), FT_PKT_TCP);
	assert_int_equal(p.tun[0].id_len, 0);
}

/* Each malformed tunnel header is named; cutting any tunnel header short is an error. */
static void
test_tun_malformed(void **state)
{
	static uint8_t buf[1024], bad[1024];
	struct ft_pkt_conf c;
	struct frame_spec s;
	struct frame in;
	struct ft_pkt p;
	uint32_t len, hdr, cap;
	int k;

	(void)state;
	tun_conf(&c);
	spec_init(&s, 0);
	frame_build(&in, &s);

	len = wrap(W_GWLB, &in, 0, buf, &hdr);
	memcpy(bad, buf, len);
	bad[hdr] = 0x40 | 8; /* version 1 */
	assert_status(ft_pkt_parse_conf(&c, bad, len, len, &p), FT_PKT_ERR_GENEVE_VER);
	memcpy(bad, buf, len);
	bad[hdr + 11] = 3; /* the first option claims 12 bytes: the walk no longer ends on the area */
	assert_status(ft_pkt_parse_conf(&c, bad, len, len, &p), FT_PKT_ERR_GENEVE_OPT);
	memcpy(bad, buf, len);
	bad[hdr + 11] = 31; /* 124 bytes: past the option area */
	assert_status(ft_pkt_parse_conf(&c, bad, len, len, &p), FT_PKT_ERR_GENEVE_OPT);
	memcpy(bad, buf, len);
	bad[hdr] = 63; /* 252 bytes of options: past the packet */
	assert_status(ft_pkt_parse_conf(&c, bad, len, len, &p), FT_PKT_ERR_GENEVE_OPT);
	memcpy(bad, buf, len);
	put16(bad + 14 + 20 + 4, (uint16_t)(len - 14 - 20 + 1)); /* UDP longer than IP */
	assert_status(ft_pkt_parse_conf(&c, bad, len, len, &p), FT_PKT_ERR_TUN_LEN);
	put16(bad + 14 + 20 + 4, 7);
	assert_status(ft_pkt_parse_conf(&c, bad, len, len, &p), FT_PKT_ERR_TUN_LEN);

	len = wrap(W_VXLAN, &in, 0, buf, &hdr);
	buf[hdr] = 0x00;
	assert_status(ft_pkt_parse_conf(&c, buf, len, len, &p), FT_PKT_ERR_VXLAN_FLAGS);
	buf[hdr] = 0xff; /* reserved bits set: ignored (RFC 7348) */
	assert_status(ft_pkt_parse_conf(&c, buf, len, len, &p), FT_PKT_TCP);

	len = wrap(W_GRE, &in, 0, buf, &hdr);
	put16(buf + hdr, 0x4000); /* routing present */
	assert_status(ft_pkt_parse_conf(&c, buf, len, len, &p), FT_PKT_ERR_GRE_FLAGS);
	put16(buf + hdr, 0x0001); /* version 1: PPTP, not tracked */
	assert_status(ft_pkt_parse_conf(&c, buf, len, len, &p), FT_PKT_NOT_TCP);

	len = wrap(W_GUE0, &in, 0, buf, &hdr);
	buf[hdr] = 0x80; /* variant 2 */
	assert_status(ft_pkt_parse_conf(&c, buf, len, len, &p), FT_PKT_ERR_GUE_VER);
	buf[hdr] = 0x1f; /* variant 0 with 124 bytes of extensions: past the packet */
	assert_status(ft_pkt_parse_conf(&c, buf, len, len, &p), FT_PKT_ERR_TUN_LEN);
	buf[hdr] = 0x20; /* a control message */
	assert_status(ft_pkt_parse_conf(&c, buf, len, len, &p), FT_PKT_NOT_TCP);

	/*
	 * Every kind cut by a capture anywhere up to the inner TCP header's end: never
	 * TCP, and a cut inside the tunnel header says so.
	 */
	for (k = 0; k < W_MAX; k++) {
		uint32_t inner_tcp_end;

		len = wrap((enum wrap_kind)k, &in, 0, buf, &hdr);
		inner_tcp_end = len - (in.len - in.l4) + 20;
		for (cap = 0; cap < inner_tcp_end; cap++) {
			enum ft_pkt_status st = ft_pkt_parse_conf(&c, buf, cap, len, &p);

			assert_true(st != FT_PKT_TCP);
			if (cap > hdr && cap < hdr + 4 && k != W_IPIP && k != W_GUE1)
				assert_status(st, FT_PKT_ERR_TUN_TRUNC);
		}
		assert_status(ft_pkt_parse_conf(&c, buf, len, len, &p), FT_PKT_TCP);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_fields),
		cmocka_unit_test(test_v4_key_symmetric),
		cmocka_unit_test(test_v6_key_symmetric),
		cmocka_unit_test(test_vlan_tags),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv6_ext_headers),
		cmocka_unit_test(test_tcp_options),
		cmocka_unit_test(test_tcp_flags_extracted),
		cmocka_unit_test(test_eth_padding),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_not_tcp_not_ip),
		cmocka_unit_test(test_err_eth),
		cmocka_unit_test(test_err_ip),
		cmocka_unit_test(test_err_ipv6_ext),
		cmocka_unit_test(test_err_tcp),
		cmocka_unit_test(test_truncation_sweep_v4),
		cmocka_unit_test(test_truncation_sweep_v6),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_tun_each_kind),
		cmocka_unit_test(test_tun_nested_and_depth),
		cmocka_unit_test(test_tun_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
