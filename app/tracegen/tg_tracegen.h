/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright(c) 2026 The fintrack authors */

/*
 * Shared definitions of ft-tracegen, the synthetic TCP lifecycle pcap generator.
 *
 * A flow is modelled as two TCP endpoints (client and server). When a flow starts, its kind
 * builder computes the complete list of packet descriptors of the flow (times, flags,
 * sequence and acknowledgement numbers, timestamps); the frames themselves are only encoded
 * when the packet is written out, wrapped in tunnel headers with --encap (tg_encap.c).
 */

#ifndef TG_TRACEGEN_H
#define TG_TRACEGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Header lengths and EtherTypes. */
#define TG_ETH_HLEN	  14
#define TG_VLAN_HLEN	  4
#define TG_IPV4_HLEN	  20
#define TG_IPV6_HLEN	  40
#define TG_ETHERTYPE_IPV4 0x0800
#define TG_ETHERTYPE_IPV6 0x86dd
#define TG_ETHERTYPE_VLAN 0x8100
#define TG_ETHERTYPE_QINQ 0x88a8

/* Direction of a packet, also used as the index of the sending side. */
#define TG_CLIENT 0
#define TG_SERVER 1

/* TCP flags. */
#define TG_TH_FIN 0x01
#define TG_TH_SYN 0x02
#define TG_TH_RST 0x04
#define TG_TH_PSH 0x08
#define TG_TH_ACK 0x10

/* Option layouts a segment can carry. */
#define TG_OPT_SYN 1 /* MSS, SACK permitted, timestamps, window scale: 20 bytes. */
#define TG_OPT_TS  2 /* NOP, NOP, timestamps: 12 bytes. */

/* Largest payload of a segment: by default, and the most --mss allows (jumbo frames). */
#define TG_DEFAULT_MSS 1400
#define TG_MAX_MSS     9000

/* Ethernet, two VLAN tags, IPv6 and TCP with the largest options: 22 + 40 + 40 bytes. */
#define TG_MAX_HEADERS 102

/*
 * Tunnel levels around a flow's frame, and the most one level adds: IPv4, UDP, GENEVE with
 * the 32 bytes of GWLB options (68 bytes), or GENEVE without options and an Ethernet header
 * with two tags (58 bytes) when another level follows.
 */
#define TG_MAX_TUNNEL_LEVELS 2
#define TG_MAX_TUNNEL_HLEN   68

/*
 * Large enough for the headers, the largest payload and two tunnel levels under an outer
 * Ethernet header: 9,102 + 14 + 2 x 68 bytes. A GWLB frame of 8,500 inner bytes is 8,582.
 */
#define TG_MAX_FRAME 9344
#define TG_MAX_ENCAP (TG_ETH_HLEN + TG_MAX_TUNNEL_LEVELS * TG_MAX_TUNNEL_HLEN)
_Static_assert(TG_MAX_HEADERS + TG_MAX_MSS + TG_MAX_ENCAP <= TG_MAX_FRAME,
		"frame buffer too small");

/* A flow has at most this many incarnations on the same tuple. */
#define TG_MAX_INC 2

/* Number of distinct client (address, port) pairs, hence of flows with a unique tuple. */
#define TG_MAX_FLOWS (65534ULL * 64512ULL)

/* Fixed time of the first packet of every trace. */
#define TG_T0_SEC 1700000000ULL

/* One packet of a flow, in the order it appears in the trace. */
struct tg_pkt {
	uint64_t t_us; /* Microseconds since the start of the trace. */
	uint32_t seq;
	uint32_t ack;
	uint32_t tsval;
	uint32_t tsecr;
	uint16_t len; /* TCP payload length. */
	uint16_t ip_id;
	uint8_t dir;
	uint8_t tcp_flags;
	uint8_t opts;
	uint8_t inc; /* Incarnation the packet belongs to. */
};

/* Address and port of one endpoint. */
struct tg_endpoint {
	uint8_t addr[16]; /* IPv4 uses the first 4 bytes. */
	uint16_t port;
};

/* TCP sender/receiver state of one endpoint of the current incarnation. */
struct tg_side {
	uint32_t isn;
	uint32_t snd_nxt;
	uint32_t rcv_nxt;    /* Next sequence number expected from the peer. */
	uint32_t ts_base;    /* Random offset of the timestamp clock. */
	uint32_t ts_last;    /* Last TSval sent. */
	uint32_t ts_recent;  /* Last TSval received from the peer (echoed in TSecr). */
	uint32_t flow_label; /* IPv6 flow label. */
	uint16_t ip_id;
};

/* Expected outcome and counters of one incarnation, as written to the expect file. */
struct tg_incarnation {
	const char *how;
	const char *first_closer;
	uint64_t pkts[2];
	uint64_t bytes[2];
};

/* Deterministic pseudo-random generator (splitmix64). */
struct tg_rng {
	uint64_t s;
};

/* Generation parameters shared by all flows. */
struct tg_cfg {
	double ipv6_pct;
	double vlan_pct;
	double qinq_pct;
	uint32_t rtt_us;
	unsigned int data_segments;
	uint16_t mss; /* Largest TCP payload of a segment. */
};

/* Tunnel encapsulations (--encap). */
enum tg_tunnel {
	TG_TUN_NONE,
	TG_TUN_GENEVE, /* GENEVE, VNI = identity, no options. */
	TG_TUN_GWLB,   /* GENEVE as AWS GWLB sends it: VNI 0, raw IP, three options. */
	TG_TUN_VXLAN,
	TG_TUN_IPIP,
	TG_TUN_GRE,
	TG_TUN_GUE,
};

/*
 * How every flow is encapsulated: the settings, fixed once the command line is read, and
 * the IPv4 ids of the tunnel endpoints, which the writer advances packet by packet.
 */
struct tg_encap {
	unsigned int nlevels;			   /* 0: no encapsulation. */
	enum tg_tunnel kind[TG_MAX_TUNNEL_LEVELS]; /* Outermost first. */
	char name[32];				   /* As --encap gave it, "gwlb+gre". */
	uint32_t contexts;			   /* Flow i is in context i % contexts. */
	uint32_t tunnel_id;			   /* Identity of context 0. */
	bool gre_key;
	bool geneve_eth; /* GENEVE carries Ethernet (0x6558), not raw IP. */
	bool gre_eth;	 /* GRE carries Ethernet (0x6558), not raw IP. */
	uint8_t gue_variant;
	uint16_t geneve_port; /* Also GWLB's. */
	uint16_t vxlan_port;
	uint16_t gue_port;
	uint16_t ip_id[2 * TG_MAX_TUNNEL_LEVELS]; /* Next id of each tunnel endpoint. */
};

struct tg_flow {
	uint64_t idx; /* Index of the flow, 0 .. n - 1. */
	unsigned int kind;
	struct tg_rng rng;
	bool ipv6;
	uint8_t nvlan;
	uint16_t vid[2]; /* Outer tag first. */
	struct tg_endpoint ep[2];
	struct tg_side side[2];
	uint64_t t; /* Time of the next packet the builder emits. */
	uint32_t half_rtt;
	unsigned int data_segments;
	uint16_t mss;
	struct tg_incarnation inc[TG_MAX_INC];
	unsigned int ninc;
	struct tg_pkt *pkts;
	size_t npkts;
	size_t cap;
	size_t next;	    /* Next packet to write out. */
	uint32_t tunnel_id; /* Identity of the flow's tunnel context. */
	uint32_t cookie;    /* GWLB flow cookie, the same both ways. */
};

/* One entry of the kind table. */
struct tg_kind {
	const char *name;
	const char *desc;
	const char *how; /* Expected outcome of the (first) incarnation. */
	const char *first_closer;
	void (*build)(struct tg_flow *f);
};

extern const struct tg_kind tg_kinds[];
extern const unsigned int tg_nkinds;

static inline uint64_t
tg_rng_next(struct tg_rng *r)
{
	uint64_t z;

	r->s += 0x9e3779b97f4a7c15ULL;
	z = r->s;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform integer in [0, n), n > 0, without modulo bias worth mentioning. */
static inline uint64_t
tg_rng_below(struct tg_rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)tg_rng_next(r) * n) >> 64);
}

/* Uniform integer in [lo, hi]. */
static inline uint32_t
tg_rng_range(struct tg_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)tg_rng_below(r, (uint64_t)hi - lo + 1);
}

/* True with a probability of pct percent. */
static inline bool
tg_rng_pct(struct tg_rng *r, double pct)
{
	return (double)(tg_rng_next(r) >> 11) * (100.0 / 9007199254740992.0) < pct;
}

/* Seeds the generator of flow idx; flows are independent of each other. */
static inline void
tg_rng_seed(struct tg_rng *r, uint64_t seed, uint64_t idx)
{
	struct tg_rng m = { .s = seed };

	r->s = tg_rng_next(&m) ^ (idx * 0xd1342543de82ef95ULL);
	(void)tg_rng_next(r);
}

/* Writes a big-endian 16-bit value and returns the position after it. */
static inline uint8_t *
tg_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

/* Writes a big-endian 32-bit value and returns the position after it. */
static inline uint8_t *
tg_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

/*
 * Where a flow's tuple (address family, VLAN tags, client and server) comes from when it is
 * not the flow's own: tuple idx, drawn from its own generator, so that flows given the same
 * tuple share it.
 */
struct tg_tuple {
	uint64_t idx;
	struct tg_rng rng;
};

/* tg_flow.c */
/* Sets flow idx up and builds its packets; its tuple is tuple's, or its own if NULL. */
void tg_flow_setup(struct tg_flow *f, const struct tg_cfg *cfg, uint64_t idx, unsigned int kind,
		const struct tg_rng *rng, uint64_t start_us, const struct tg_tuple *tuple);
void tg_endpoint_str(const struct tg_flow *f, unsigned int side, char *buf, size_t size);

/* tg_encap.c */
/* Reads --encap: 0, -EINVAL for a name that is not a tunnel, -E2BIG for too many levels. */
int tg_encap_parse(struct tg_encap *e, const char *spec);
bool tg_encap_has(const struct tg_encap *e, enum tg_tunnel kind);
/* True when a level carries the flow's identity (not IPIP, GUE or GRE without a key). */
bool tg_encap_has_id(const struct tg_encap *e);
/* The largest identity every level carries: 24 bits with a VNI, else 32. */
uint32_t tg_encap_max_id(const struct tg_encap *e);
void tg_encap_assign(const struct tg_encap *e, struct tg_flow *f, uint64_t seed);
void tg_encap_id_str(const struct tg_encap *e, const struct tg_flow *f, char *buf, size_t size);
size_t tg_encap_build(struct tg_encap *e, const struct tg_flow *f, const struct tg_pkt *p,
		uint8_t *buf);

/* tg_frame.c */
void tg_frame_init(void);
size_t tg_frame_len(const struct tg_flow *f, const struct tg_pkt *p);
size_t tg_frame_build(const struct tg_flow *f, const struct tg_pkt *p, uint8_t *buf);
/* Ethernet header with nvlan tags (802.1ad then 802.1Q for two, outer vid[0] first). */
uint8_t *tg_put_eth(uint8_t *b, const uint8_t dst[6], const uint8_t src[6], unsigned int nvlan,
		const uint16_t vid[2], uint16_t ethertype);
/* IPv4 header without options: TTL 64, DF, its checksum. */
uint8_t *tg_put_ipv4(uint8_t *b, uint16_t total_len, uint16_t id, uint8_t proto,
		const uint8_t src[4], const uint8_t dst[4]);

#endif /* TG_TRACEGEN_H */
