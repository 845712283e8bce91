/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * Checks a trace that ft-tracegen wrote with --encap, decoding every frame on its own:
 *
 *   tg-check-encap --encap KIND[+KIND] [tunnel options as ft-tracegen takes them]
 *                  [--plain PLAIN.pcap] [--expect EXPECT] [--same-tuple] TRACE.pcap
 *   tg-check-encap --prefix-of FULL.pcap TRACE.pcap
 *
 * Every frame must be the outer Ethernet + IPv4 header and the tunnel headers the options
 * describe: lengths, IPv4 checksums, DF, TTL 64, an IPv4 id one more than the previous one
 * of the same tunnel endpoint, protocol numbers and types matching what follows, UDP ports
 * (the source port in 49152..65535, constant per flow and direction, different for the two
 * directions), GENEVE/VXLAN/GRE/GWLB fields. Tunnel endpoints: A to B client to server,
 * B to A server to client, A to B both ways for GWLB. Per flow: one identity (VNI, GRE key,
 * GWLB endpoint and attachment ids) on every level and packet, the k-th flow to appear in
 * context k % contexts, one GWLB cookie both ways.
 *
 * With --plain, the same trace generated without --encap: same number of frames, same
 * times, and each inner packet (the frame when the innermost tunnel carries Ethernet, else
 * the IP packet, the plain frame's VLAN tags then on the Ethernet header above it) equal
 * byte for byte to the plain frame. With --expect: the flows and their "tunnel" and
 * "tunnel_id" are those of the expect file. With --same-tuple: every inner tuple appears in
 * each of the contexts.
 *
 * --prefix-of: TRACE is FULL cut by a snap length: same frames, same wire lengths, the
 * captured bytes a prefix of FULL's, no frame captured short of the pcap's snap length.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <search.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#define MAX_FLOWS  (1 << 18)
#define FIELD_MAX  256
#define LINE_MAX   4096
#define MAX_LEVELS 2

enum kind { GENEVE, GWLB, VXLAN, IPIP, GRE, GUE };
static const char *const kind_names[] = { "geneve", "gwlb", "vxlan", "ipip", "gre", "gue" };

struct cfg {
	unsigned int nlevels;
	enum kind kind[MAX_LEVELS];
	const char *name;
	uint32_t contexts;
	uint32_t base;
	bool gre_key;
	int inner_eth; /* -1: the default of each kind. */
	unsigned int gue_variant;
	uint16_t geneve_port, vxlan_port, gue_port;
	bool same_tuple;
};

/* What one frame decodes to. */
struct decoded {
	unsigned int src_ep[MAX_LEVELS]; /* 0 = A, 1 = B. */
	uint16_t sport[MAX_LEVELS];	 /* 0 for a level without UDP. */
	int64_t id;			 /* Identity the levels carry, -1 none. */
	char id_str[FIELD_MAX];		 /* As the expect file writes it. */
	int64_t cookie;			 /* GWLB flow cookie, -1 none. */
	const uint8_t *tags;		 /* VLAN tags on a tunnel's Ethernet header. */
	unsigned int ntags;
	unsigned int tags_at; /* Which Ethernet header: 0 outer, 1 inside level 0. */
	const uint8_t *inner; /* The inner frame, or its IP packet. */
	size_t inner_len;
	bool inner_eth;
};

struct flow {
	uint64_t order; /* Flows in the order they appear. */
	unsigned int client_ep[MAX_LEVELS];
	uint16_t sport[2][MAX_LEVELS];
	bool seen[2];
	int64_t id;
	int64_t cookie;
	char id_str[FIELD_MAX];
	char tuple[FIELD_MAX];
	bool expected;
};

static unsigned int failures;
static uint64_t frame_no;

#define FAIL(...) \
	do { \
		fprintf(stderr, "FAIL: frame %" PRIu64 ": ", frame_no); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		if (++failures > 50) { \
			fprintf(stderr, "too many failures\n"); \
			exit(1); \
		} \
	} while (0)

static struct flow *flows;
static uint64_t nflows;
static uint64_t flows_cap;
static uint16_t next_ip_id[2 * MAX_LEVELS];
static uint32_t largest;
static bool ip_id_seen[2 * MAX_LEVELS];

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool
carries_eth(const struct cfg *c, unsigned int i)
{
	switch (c->kind[i]) {
	case VXLAN:
		return true;
	case GENEVE:
		return c->inner_eth != 0;
	case GRE:
		return c->inner_eth == 1;
	default:
		return false;
	}
}

static bool
has_identity(const struct cfg *c, unsigned int i)
{
	return c->kind[i] == GENEVE || c->kind[i] == GWLB || c->kind[i] == VXLAN ||
			(c->kind[i] == GRE && c->gre_key);
}

/* Checks an IPv4 header checksum: the sum over the header folds to 0xffff. */
static bool
ipv4_csum_ok(const uint8_t *ip)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < 20; i += 2)
		sum += get16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/*
 * Reads an Ethernet header at *off: its MAC addresses must be those of tunnel endpoint
 * src_ep of level (dst the other one), its EtherType after any tags IPv4. Returns the tags.
 */
static const uint8_t *
eth(const uint8_t *b, size_t len, size_t *off, unsigned int level, unsigned int src_ep,
		unsigned int *ntags)
{
	const uint8_t *e = b + *off;
	const uint8_t *tags = e + 12;
	uint8_t mac[6] = { 0x02, 0x00, 198, 19, 255, 0 };
	size_t n = 14;

	*ntags = 0;
	if (*off + 14 > len) {
		FAIL("Ethernet header of level %u cut short", level);
		return NULL;
	}
	mac[5] = (uint8_t)(2 * level + (src_ep ^ 1) + 1);
	if (memcmp(e, mac, 6) != 0)
		FAIL("level %u: destination MAC is not that of endpoint %c", level,
				"AB"[src_ep ^ 1]);
	mac[5] = (uint8_t)(2 * level + src_ep + 1);
	if (memcmp(e + 6, mac, 6) != 0)
		FAIL("level %u: source MAC is not that of endpoint %c", level, "AB"[src_ep]);
	while (*off + n + 2 <= len && (get16(e + n - 2) == 0x8100 || get16(e + n - 2) == 0x88a8) &&
			*ntags < 2) {
		n += 4;
		(*ntags)++;
	}
	if (get16(e + n - 2) != 0x0800)
		FAIL("level %u: EtherType 0x%04x before the tunnel's IPv4 header", level,
				get16(e + n - 2));
	*off += n;
	return tags;
}

/* Decodes one encapsulated frame; false when it cannot be followed to its inner packet. */
static bool
decode(const struct cfg *c, const uint8_t *b, size_t len, struct decoded *d)
{
	size_t off = 0;
	unsigned int i, ntags;
	const uint8_t *tags;

	memset(d, 0, sizeof(*d));
	d->id = -1;
	d->cookie = -1;
	if (len < 14 + 20) {
		FAIL("frame of %zu bytes", len);
		return false;
	}
	/* The outer source MAC tells the sending endpoint; eth() checks both addresses. */
	d->src_ep[0] = b[11] == 2 ? 1 : 0;
	tags = eth(b, len, &off, 0, d->src_ep[0], &ntags);
	if (ntags != 0) {
		d->tags = tags;
		d->ntags = ntags;
		d->tags_at = 0;
	}

	for (i = 0; i < c->nlevels; i++) {
		const uint8_t *ip = b + off;
		bool last = i + 1 == c->nlevels;
		unsigned int next_version; /* IP version of what the level carries, 0 Ethernet. */
		unsigned int src, slot;
		uint8_t proto;
		uint16_t ptype = 0;
		int64_t id = -1;
		size_t udp_len = 0;
		char part[FIELD_MAX] = "";

		if (off + 20 > len) {
			FAIL("level %u: IPv4 header cut short", i);
			return false;
		}
		src = ip[15] == 2 * i + 2 ? 1 : 0;
		if (i > 0)
			d->src_ep[i] = src;
		else if (src != d->src_ep[0])
			FAIL("outer MAC and IPv4 source of different endpoints");
		if (ip[0] != 0x45 || ip[1] != 0)
			FAIL("level %u: IPv4 version/IHL 0x%02x, TOS %u", i, ip[0], ip[1]);
		if (get16(ip + 2) != len - off)
			FAIL("level %u: IPv4 total length %u, %zu bytes follow", i, get16(ip + 2),
					len - off);
		if (get16(ip + 6) != 0x4000)
			FAIL("level %u: IPv4 flags/fragment 0x%04x, not DF", i, get16(ip + 6));
		if (ip[8] != 64)
			FAIL("level %u: TTL %u", i, ip[8]);
		if (!ipv4_csum_ok(ip))
			FAIL("level %u: bad IPv4 header checksum", i);
		if (memcmp(ip + 12, (const uint8_t[]){ 198, 19, 255 }, 3) != 0 ||
				ip[15] != 2 * i + src + 1 ||
				memcmp(ip + 16, (const uint8_t[]){ 198, 19, 255 }, 3) != 0 ||
				ip[19] != 2 * i + (src ^ 1) + 1)
			FAIL("level %u: addresses %u.%u.%u.%u -> %u.%u.%u.%u are not the tunnel "
			     "endpoints",
					i, ip[12], ip[13], ip[14], ip[15], ip[16], ip[17], ip[18],
					ip[19]);
		slot = 2 * i + src;
		if (ip_id_seen[slot] && get16(ip + 4) != next_ip_id[slot])
			FAIL("level %u: IPv4 id %u from endpoint %c, expected %u", i, get16(ip + 4),
					"AB"[src], next_ip_id[slot]);
		ip_id_seen[slot] = true;
		next_ip_id[slot] = (uint16_t)(get16(ip + 4) + 1);
		proto = ip[9];
		off += 20;

		if (c->kind[i] != IPIP && c->kind[i] != GRE) {
			const uint8_t *u = b + off;
			uint16_t port = c->kind[i] == VXLAN ? c->vxlan_port :
					c->kind[i] == GUE   ? c->gue_port :
							      c->geneve_port;

			if (proto != 17)
				FAIL("level %u: IPv4 protocol %u, not UDP", i, proto);
			if (off + 8 > len) {
				FAIL("level %u: UDP header cut short", i);
				return false;
			}
			d->sport[i] = get16(u);
			if (d->sport[i] < 49152)
				FAIL("level %u: UDP source port %u below 49152", i, d->sport[i]);
			if (get16(u + 2) != port)
				FAIL("level %u: UDP destination port %u, expected %u", i,
						get16(u + 2), port);
			udp_len = get16(u + 4);
			if (udp_len != len - off)
				FAIL("level %u: UDP length %zu, %zu bytes follow", i, udp_len,
						len - off);
			if (get16(u + 6) != 0)
				FAIL("level %u: UDP checksum 0x%04x, expected 0", i, get16(u + 6));
			off += 8;
		}

		switch (c->kind[i]) {
		case GENEVE:
		case GWLB: {
			const uint8_t *g = b + off;
			unsigned int optlen;

			if (off + 8 > len) {
				FAIL("level %u: GENEVE header cut short", i);
				return false;
			}
			optlen = (g[0] & 0x3f) * 4u;
			if ((g[0] >> 6) != 0 || g[1] != 0 || g[7] != 0)
				FAIL("level %u: GENEVE version, O, C or reserved bits set", i);
			ptype = get16(g + 2);
			id = get32(g + 4) >> 8;
			off += 8;
			if (c->kind[i] == GENEVE) {
				if (optlen != 0)
					FAIL("level %u: %u bytes of GENEVE options", i, optlen);
				snprintf(part, sizeof(part), "vni=%" PRId64, id);
				break;
			}
			if (id != 0)
				FAIL("level %u: GWLB VNI %" PRId64 ", expected 0", i, id);
			if (optlen != 32 || off + 32 > len) {
				FAIL("level %u: GWLB options of %u bytes", i, optlen);
				return false;
			}
			{
				static const uint8_t hdr[3][4] = {
					{ 0x01, 0x08, 1, 2 },
					{ 0x01, 0x08, 2, 2 },
					{ 0x01, 0x08, 3, 1 },
				};
				const uint8_t *o = b + off;
				uint64_t endpoint = (uint64_t)get32(o + 4) << 32 | get32(o + 8);
				uint64_t attachment = (uint64_t)get32(o + 16) << 32 | get32(o + 20);

				if (memcmp(o, hdr[0], 4) != 0 || memcmp(o + 12, hdr[1], 4) != 0 ||
						memcmp(o + 24, hdr[2], 4) != 0)
					FAIL("level %u: GWLB options are not class 0x0108 types "
					     "1, 2, 3 of 8, 8 and 4 bytes",
							i);
				id = (int64_t)(endpoint & 0xffffffff);
				if (endpoint != (0x0e00000000000000ULL | (uint64_t)id) ||
						attachment !=
								(0x0a00000000000000ULL |
										(uint64_t)id))
					FAIL("level %u: GWLB endpoint 0x%016" PRIx64
					     " and attachment 0x%016" PRIx64
					     " of different identities",
							i, endpoint, attachment);
				d->cookie = get32(o + 28);
				snprintf(part, sizeof(part),
						"endpoint=0x%016" PRIx64
						",attachment=0x%016" PRIx64,
						endpoint, attachment);
			}
			off += 32;
			break;
		}
		case VXLAN: {
			const uint8_t *v = b + off;

			if (off + 8 > len) {
				FAIL("level %u: VXLAN header cut short", i);
				return false;
			}
			if (get32(v) != 0x08000000 || v[7] != 0)
				FAIL("level %u: VXLAN flags or reserved bytes 0x%08x", i, get32(v));
			id = get32(v + 4) >> 8;
			snprintf(part, sizeof(part), "vni=%" PRId64, id);
			off += 8;
			break;
		}
		case GRE: {
			const uint8_t *g = b + off;

			if (proto != 47)
				FAIL("level %u: IPv4 protocol %u, not GRE", i, proto);
			if (off + 4 + 4 * c->gre_key > len) {
				FAIL("level %u: GRE header cut short", i);
				return false;
			}
			if (get16(g) != (c->gre_key ? 0x2000 : 0))
				FAIL("level %u: GRE flags 0x%04x", i, get16(g));
			ptype = get16(g + 2);
			off += 4;
			if (c->gre_key) {
				id = get32(g + 4);
				snprintf(part, sizeof(part), "key=%" PRId64, id);
				off += 4;
			}
			break;
		}
		case GUE:
			if (c->gue_variant == 0) {
				const uint8_t *g = b + off;

				if (off + 4 > len) {
					FAIL("level %u: GUE header cut short", i);
					return false;
				}
				if (g[0] != 0 || get16(g + 2) != 0)
					FAIL("level %u: GUE version, C, hlen or flags not 0", i);
				proto = g[1];
				off += 4;
			}
			break;
		case IPIP:
			break;
		}

		/* What the level carries, from its protocol numbers and types. */
		if (c->kind[i] == GENEVE || c->kind[i] == GRE || c->kind[i] == GWLB)
			next_version = ptype == 0x6558	? 0 :
					ptype == 0x0800 ? 4 :
					ptype == 0x86dd ? 6 :
							  99;
		else if (c->kind[i] == VXLAN)
			next_version = 0;
		else if (c->kind[i] == GUE && c->gue_variant == 1)
			next_version = off < len ? b[off] >> 4 : 99;
		else
			next_version = proto == 4 ? 4 : proto == 41 ? 6 : 99;
		if ((next_version == 0) != carries_eth(c, i))
			FAIL("level %u: carries %s, expected %s", i,
					next_version == 0 ? "Ethernet" : "IP",
					carries_eth(c, i) ? "Ethernet" : "IP");
		if (next_version == 99)
			FAIL("level %u: protocol type 0x%04x / number %u is neither IP nor Ethernet",
					i, ptype, proto);
		if (next_version != 0 && off < len && (b[off] >> 4) != next_version)
			FAIL("level %u: announces IPv%u, IPv%u follows", i, next_version,
					b[off] >> 4);
		if (!last && next_version != 0 && next_version != 4)
			FAIL("level %u: the next level is announced as IPv%u", i, next_version);

		if (id >= 0) {
			if (d->id >= 0 && d->id != id)
				FAIL("level %u: identity %" PRId64 ", level 0 has %" PRId64, i, id,
						d->id);
			d->id = id;
		}
		{
			size_t n = strlen(d->id_str);

			snprintf(d->id_str + n, sizeof(d->id_str) - n, "%s%s", i ? "/" : "", part);
		}

		if (!last && carries_eth(c, i)) {
			unsigned int src1 = b[off + 11] == 2 * (i + 1) + 2 ? 1 : 0;

			tags = eth(b, len, &off, i + 1, src1, &ntags);
			if (ntags != 0) {
				d->tags = tags;
				d->ntags = ntags;
				d->tags_at = i + 1;
			}
		}
	}
	if (off >= len) {
		FAIL("no inner packet");
		return false;
	}
	d->inner = b + off;
	d->inner_len = len - off;
	d->inner_eth = carries_eth(c, c->nlevels - 1);
	return true;
}

/* "client|server" of the inner packet as the expect file writes endpoints, and its direction. */
static bool
inner_tuple(const struct decoded *d, char *src, char *dst, size_t size)
{
	const uint8_t *p = d->inner;
	size_t len = d->inner_len;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	size_t l4;

	if (d->inner_eth) {
		size_t l2 = 14;

		while (l2 + 2 <= len &&
				(get16(p + l2 - 2) == 0x8100 || get16(p + l2 - 2) == 0x88a8))
			l2 += 4;
		p += l2;
		len -= l2 < len ? l2 : len;
	}
	if (len >= 20 && p[0] >> 4 == 4) {
		l4 = (p[0] & 0xf) * 4u;
		inet_ntop(AF_INET, p + 12, a, sizeof(a));
		inet_ntop(AF_INET, p + 16, b, sizeof(b));
		if (len < l4 + 4)
			return false;
		snprintf(src, size, "%s:%u", a, get16(p + l4));
		snprintf(dst, size, "%s:%u", b, get16(p + l4 + 2));
		return true;
	}
	if (len >= 44 && p[0] >> 4 == 6) {
		inet_ntop(AF_INET6, p + 8, a, sizeof(a));
		inet_ntop(AF_INET6, p + 24, b, sizeof(b));
		snprintf(src, size, "[%s]:%u", a, get16(p + 40));
		snprintf(dst, size, "[%s]:%u", b, get16(p + 42));
		return true;
	}
	return false;
}

/* The flow of a frame: created when first seen, the sender of that frame its client. */
static struct flow *
flow_of(const struct decoded *d, unsigned int *dir)
{
	char src[FIELD_MAX / 2 - 8], dst[FIELD_MAX / 2 - 8];
	char key[3 * FIELD_MAX];
	ENTRY e, *found;
	struct flow *f;

	if (!inner_tuple(d, src, dst, sizeof(src))) {
		FAIL("inner packet is neither TCP/IPv4 nor TCP/IPv6");
		return NULL;
	}
	snprintf(key, sizeof(key), "%s|%s|%s", dst, src, d->id_str);
	e.key = key;
	found = hsearch(e, FIND);
	if (found != NULL) {
		*dir = 1;
		return &flows[(uintptr_t)found->data];
	}
	snprintf(key, sizeof(key), "%s|%s|%s", src, dst, d->id_str);
	found = hsearch(e, FIND);
	*dir = 0;
	if (found != NULL)
		return &flows[(uintptr_t)found->data];
	if (nflows == MAX_FLOWS) {
		fprintf(stderr, "more than %d flows\n", MAX_FLOWS);
		exit(2);
	}
	if (nflows == flows_cap) {
		flows_cap = flows_cap ? 2 * flows_cap : 1024;
		flows = realloc(flows, flows_cap * sizeof(*flows));
		if (flows == NULL) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
	}
	f = &flows[nflows];
	memset(f, 0, sizeof(*f));
	f->order = nflows;
	snprintf(f->tuple, sizeof(f->tuple), "%s|%s", src, dst);
	e.key = strdup(key);
	e.data = (void *)(uintptr_t)nflows; /* An index: flows moves as it grows. */
	if (e.key == NULL || hsearch(e, ENTER) == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	nflows++;
	f->id = d->id;
	f->cookie = d->cookie;
	snprintf(f->id_str, sizeof(f->id_str), "%s", d->id_str);
	return f;
}

/* The per-flow rules: directions, ports, identity, cookie. */
static void
check_flow(const struct cfg *c, struct flow *f, unsigned int dir, const struct decoded *d)
{
	unsigned int i;

	for (i = 0; i < c->nlevels; i++) {
		unsigned int want = c->kind[i] == GWLB ? 0 : dir;

		if (d->src_ep[i] != want)
			FAIL("level %u: a %s packet sent by endpoint %c", i,
					dir ? "server to client" : "client to server",
					"AB"[d->src_ep[i]]);
		if (!f->seen[dir])
			f->sport[dir][i] = d->sport[i];
		else if (f->sport[dir][i] != d->sport[i])
			FAIL("level %u: UDP source port %u, earlier %u in the same direction", i,
					d->sport[i], f->sport[dir][i]);
		if (d->sport[i] != 0 && f->seen[dir ^ 1] && f->sport[dir ^ 1][i] == d->sport[i])
			FAIL("level %u: both directions use UDP source port %u", i, d->sport[i]);
	}
	f->seen[dir] = true;
	if (d->cookie != f->cookie)
		FAIL("GWLB cookie 0x%08" PRIx64 ", earlier 0x%08" PRIx64 " in the same flow",
				d->cookie, f->cookie);
	for (i = 0; i < c->nlevels; i++)
		if (has_identity(c, i)) {
			int64_t want = (int64_t)c->base + (int64_t)(f->order % c->contexts);

			if (d->id != want)
				FAIL("flow %" PRIu64 " (%s) has identity %" PRId64
				     ", expected %" PRId64,
						f->order, f->tuple, d->id, want);
			break;
		}
}

/* The inner packet against the plain frame of the same trace without --encap. */
static void
check_inner(const struct cfg *c, const struct decoded *d, const uint8_t *plain, size_t plen)
{
	size_t l2 = 14;
	unsigned int ptags = 0;
	unsigned int want_at = c->nlevels == 2 && carries_eth(c, 0) ? 1 : 0;

	while (l2 + 2 <= plen &&
			(get16(plain + l2 - 2) == 0x8100 || get16(plain + l2 - 2) == 0x88a8)) {
		l2 += 4;
		ptags++;
	}
	if (d->inner_eth) {
		if (d->inner_len != plen || memcmp(d->inner, plain, plen) != 0)
			FAIL("inner frame differs from the plain frame");
		if (d->ntags != 0)
			FAIL("VLAN tags on a tunnel's Ethernet header, the inner frame carries them");
		return;
	}
	if (d->inner_len != plen - l2 || memcmp(d->inner, plain + l2, plen - l2) != 0)
		FAIL("inner IP packet differs from the plain frame's");
	if (d->ntags != ptags || (ptags != 0 && memcmp(d->tags, plain + 12, 4 * ptags) != 0))
		FAIL("%u VLAN tags above the inner packet, the plain frame has %u", d->ntags,
				ptags);
	else if (ptags != 0 && d->tags_at != want_at)
		FAIL("VLAN tags on Ethernet header %u, expected %u", d->tags_at, want_at);
}

static pcap_t *
open_pcap(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);

	if (p == NULL) {
		fprintf(stderr, "%s: %s\n", path, err);
		exit(2);
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "%s: link type %d, not Ethernet\n", path, pcap_datalink(p));
		exit(2);
	}
	return p;
}

/* The JSON string value of "name" in line, or NULL. */
static const char *
str_field(const char *line, const char *name, char *out, size_t size)
{
	char pat[64];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "\"%s\":\"", name);
	p = strstr(line, pat);
	if (p == NULL)
		return NULL;
	p += strlen(pat);
	q = strchr(p, '"');
	if (q == NULL || (size_t)(q - p) >= size)
		return NULL;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	return out;
}

/* Every flow of the expect file was seen with its tunnel identity, and no other flow. */
static void
check_expect(const struct cfg *c, const char *path)
{
	char line[LINE_MAX], cl[FIELD_MAX / 2], sv[FIELD_MAX / 2], tun[FIELD_MAX], id[FIELD_MAX];
	char key[3 * FIELD_MAX];
	FILE *fp = fopen(path, "r");
	uint64_t lines = 0, i;

	if (fp == NULL) {
		perror(path);
		exit(2);
	}
	frame_no = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		ENTRY e, *found;

		lines++;
		if (!str_field(line, "client", cl, sizeof(cl)) ||
				!str_field(line, "server", sv, sizeof(sv)) ||
				!str_field(line, "tunnel", tun, sizeof(tun)) ||
				!str_field(line, "tunnel_id", id, sizeof(id))) {
			FAIL("%s:%" PRIu64 ": no client, server, tunnel or tunnel_id", path, lines);
			continue;
		}
		if (strcmp(tun, c->name) != 0)
			FAIL("%s:%" PRIu64 ": tunnel \"%s\", expected \"%s\"", path, lines, tun,
					c->name);
		snprintf(key, sizeof(key), "%s|%s|%s", cl, sv, id);
		e.key = key;
		found = hsearch(e, FIND);
		if (found == NULL)
			FAIL("%s:%" PRIu64 ": flow %s -> %s (%s) is not in the trace", path, lines,
					cl, sv, id);
		else
			flows[(uintptr_t)found->data].expected = true;
	}
	fclose(fp);
	for (i = 0; i < nflows; i++)
		if (!flows[i].expected)
			FAIL("flow %s (%s) of the trace is not in %s", flows[i].tuple,
					flows[i].id_str, path);
	printf("%s: %" PRIu64 " lines, the %" PRIu64 " flows of the trace\n", path, lines, nflows);
}

/* With --same-tuple, each tuple is in every context: the k-th flow is copy k % contexts. */
static void
check_same_tuple(const struct cfg *c)
{
	uint64_t i;

	if (nflows % c->contexts != 0)
		FAIL("%" PRIu64 " flows, not a multiple of %" PRIu32 " contexts", nflows,
				c->contexts);
	for (i = 0; i < nflows; i++) {
		const struct flow *first = &flows[i - i % c->contexts];

		if (strcmp(flows[i].tuple, first->tuple) != 0)
			FAIL("flow %" PRIu64 " (%s) is not a copy of flow %" PRIu64 " (%s)", i,
					flows[i].tuple, first->order, first->tuple);
	}
}

/* TRACE is FULL cut by the snap length in TRACE's header. */
static int
check_prefix(const char *full_path, const char *path)
{
	pcap_t *full = open_pcap(full_path);
	pcap_t *cut = open_pcap(path);
	unsigned int snap = (unsigned int)pcap_snapshot(cut);
	struct pcap_pkthdr *hf, *hc;
	const u_char *bf, *bc;
	uint64_t shorter = 0;

	for (;;) {
		int rf = pcap_next_ex(full, &hf, &bf);
		int rc = pcap_next_ex(cut, &hc, &bc);

		frame_no++;
		if (rf != 1 || rc != 1) {
			if (rf != rc)
				FAIL("%s and %s have different numbers of frames", full_path, path);
			break;
		}
		if (hc->len != hf->len || hc->caplen != (hf->len < snap ? hf->len : snap) ||
				memcmp(bc, bf, hc->caplen) != 0)
			FAIL("frame of %u bytes captured as %u of %u, not the first %u bytes of "
			     "the full frame",
					hf->len, hc->caplen, hc->len, snap);
		shorter += hc->caplen < hc->len;
	}
	printf("%s: %" PRIu64 " frames, %" PRIu64 " cut at %u bytes\n", path, frame_no - 1, shorter,
			snap);
	pcap_close(full);
	pcap_close(cut);
	return failures ? 1 : 0;
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: tg-check-encap --encap KIND[+KIND] [--contexts N] [--tunnel-id B] "
			"[--gre-key on|off] [--inner-eth on|off] [--gue-variant 0|1] "
			"[--geneve-port P] [--vxlan-port P] [--gue-port P] [--plain FILE] "
			"[--expect FILE] [--same-tuple] TRACE\n"
			"       tg-check-encap --prefix-of FULL TRACE\n");
	exit(2);
}

static unsigned long
number(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || *s == '\0')
		usage();
	return v;
}

static void
parse_encap(struct cfg *c, const char *spec)
{
	char buf[64];
	char *tok, *save = NULL;
	unsigned int k;

	snprintf(buf, sizeof(buf), "%s", spec);
	c->name = spec;
	for (tok = strtok_r(buf, "+", &save); tok != NULL; tok = strtok_r(NULL, "+", &save)) {
		for (k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
			if (strcmp(tok, kind_names[k]) == 0)
				break;
		if (k == sizeof(kind_names) / sizeof(kind_names[0]) || c->nlevels == MAX_LEVELS)
			usage();
		c->kind[c->nlevels++] = (enum kind)k;
	}
}

int
main(int argc, char **argv)
{
	struct cfg c = {
		.contexts = 1,
		.base = 100,
		.gre_key = true,
		.inner_eth = -1,
		.geneve_port = 6081,
		.vxlan_port = 4789,
		.gue_port = 6080,
	};
	const char *plain_path = NULL, *expect_path = NULL, *prefix_of = NULL;
	pcap_t *trace, *plain = NULL;
	struct pcap_pkthdr *h, *hp;
	const u_char *b, *bp;
	int i;

	for (i = 1; i < argc - 1; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--same-tuple") == 0) {
			c.same_tuple = true;
			continue;
		}
		if (i + 1 >= argc - 1)
			usage();
		if (strcmp(o, "--encap") == 0)
			parse_encap(&c, argv[++i]);
		else if (strcmp(o, "--contexts") == 0)
			c.contexts = (uint32_t)number(argv[++i]);
		else if (strcmp(o, "--tunnel-id") == 0)
			c.base = (uint32_t)number(argv[++i]);
		else if (strcmp(o, "--gre-key") == 0)
			c.gre_key = strcmp(argv[++i], "on") == 0;
		else if (strcmp(o, "--inner-eth") == 0)
			c.inner_eth = strcmp(argv[++i], "on") == 0;
		else if (strcmp(o, "--gue-variant") == 0)
			c.gue_variant = (unsigned int)number(argv[++i]);
		else if (strcmp(o, "--geneve-port") == 0)
			c.geneve_port = (uint16_t)number(argv[++i]);
		else if (strcmp(o, "--vxlan-port") == 0)
			c.vxlan_port = (uint16_t)number(argv[++i]);
		else if (strcmp(o, "--gue-port") == 0)
			c.gue_port = (uint16_t)number(argv[++i]);
		else if (strcmp(o, "--plain") == 0)
			plain_path = argv[++i];
		else if (strcmp(o, "--expect") == 0)
			expect_path = argv[++i];
		else if (strcmp(o, "--prefix-of") == 0)
			prefix_of = argv[++i];
		else
			usage();
	}
	if (argc < 2)
		usage();
	if (prefix_of != NULL)
		return check_prefix(prefix_of, argv[argc - 1]);
	if (c.nlevels == 0 || c.contexts == 0)
		usage();

	if (hcreate(2 * MAX_FLOWS) == 0) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	trace = open_pcap(argv[argc - 1]);
	if (plain_path != NULL)
		plain = open_pcap(plain_path);
	for (;;) {
		struct decoded d;
		struct flow *f;
		unsigned int dir;
		int r = pcap_next_ex(trace, &h, &b);

		frame_no++;
		if (plain != NULL) {
			int rp = pcap_next_ex(plain, &hp, &bp);

			if ((rp == 1) != (r == 1)) {
				FAIL("the plain trace has %s frames", rp == 1 ? "more" : "fewer");
				break;
			}
		}
		if (r != 1)
			break;
		if (h->caplen != h->len)
			FAIL("frame captured short (%u of %u bytes)", h->caplen, h->len);
		if (h->len > largest)
			largest = h->len;
		if (!decode(&c, b, h->caplen, &d))
			continue;
		f = flow_of(&d, &dir);
		if (f != NULL)
			check_flow(&c, f, dir, &d);
		if (plain != NULL) {
			if (h->ts.tv_sec != hp->ts.tv_sec || h->ts.tv_usec != hp->ts.tv_usec)
				FAIL("time differs from the plain trace's");
			check_inner(&c, &d, bp, hp->caplen);
		}
	}
	frame_no--;
	printf("%s: %" PRIu64 " frames in %s, %" PRIu64 " flows, largest frame %" PRIu32
	       " bytes%s\n",
			argv[argc - 1], frame_no, c.name, nflows, largest,
			plain != NULL ? ", inner packets equal to the plain trace's" : "");
	if (expect_path != NULL)
		check_expect(&c, expect_path);
	if (c.same_tuple)
		check_same_tuple(&c);
	pcap_close(trace);
	if (plain != NULL)
		pcap_close(plain);
	if (failures != 0)
		fprintf(stderr, "%u failures\n", failures);
	return failures ? 1 : 0;
}
