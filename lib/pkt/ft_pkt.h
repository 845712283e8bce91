/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_PKT_H_
#define _FT_PKT_H_

/**
 * @file
 * Packet parsing: Ethernet, 802.1Q/QinQ, IPv4 (with options), IPv6 (with a
 * bounded walk of the extension-header chain) and TCP, into a canonical flow
 * key that is the same for both directions plus a direction bit and the TCP
 * fields the close-state machine needs.
 *
 * Tunnels are opened on the way: GENEVE (with the AWS Gateway Load Balancer
 * options), VXLAN, GUE (variants 0 and 1), IP-in-IP (IP protocols 4 and 41)
 * and GRE, up to a configured depth (struct ft_pkt_conf). The key is then the
 * innermost TCP segment's; each tunnel level's kind and identity (VNI, GRE
 * key, GWLB endpoint and attachment ids) is kept in the parse, for the
 * context that keeps tenants apart (lib/ctx).
 *
 * The parser is pure: it reads at most the bytes it is given, never a clock,
 * and needs no EAL, so unit tests and fuzzers call it directly.
 */

#include <stdint.h>

/**
 * Parse outcomes. Each also names a counter; the first ones are not errors.
 * X(NAME, name, counter description): the name in reports is "pkt_" name.
 */
/* clang-format off */
#define FT_PKT_STATUS_LIST(X) \
	X(TCP, tcp, "TCP segments parsed") \
	X(NOT_IP, not_ip, "non-IP frames (forwarded, not tracked)") \
	X(NOT_TCP, not_tcp, "IP packets that are not TCP (forwarded, not tracked)") \
	X(FRAGMENT, fragment, "IP fragments (forwarded, not tracked)") \
	X(TUN_DEPTH, tun_depth, \
		"tunnels nested deeper than the configured limit (forwarded, not tracked)") \
	X(CTX_FULL, ctx_full, \
		"tunnelled segments of a new tenant context: context table full (forwarded, " \
		"not tracked)") \
	X(ERR_TRUNC_ETH, err_trunc_eth, "malformed: truncated Ethernet or VLAN header") \
	X(ERR_VLAN_DEPTH, err_vlan_depth, "malformed: more than two VLAN tags") \
	X(ERR_TRUNC_IP, err_trunc_ip, "malformed: truncated IP header") \
	X(ERR_IP_VERSION, err_ip_version, "malformed: IP version does not match the EtherType") \
	X(ERR_IP_IHL, err_ip_ihl, "malformed: IPv4 header length below 20 bytes or past the packet") \
	X(ERR_IP_LEN, err_ip_len, "malformed: IP length field inconsistent with the frame") \
	X(ERR_IPV6_EXT, err_ipv6_ext, "malformed: IPv6 extension header truncated or chain too long") \
	X(ERR_TRUNC_TCP, err_trunc_tcp, "malformed: truncated TCP header") \
	X(ERR_TCP_DOFF, err_tcp_doff, "malformed: TCP data offset below 5 or past the segment") \
	X(ERR_TCP_OPT, err_tcp_opt, "malformed: TCP option length runs past the header") \
	X(ERR_TCP_FLAGS, err_tcp_flags, "malformed: impossible TCP flag combination") \
	X(ERR_TUN_TRUNC, err_tun_trunc, \
		"malformed: tunnel header (UDP, GENEVE, VXLAN, GRE, GUE) truncated") \
	X(ERR_TUN_LEN, err_tun_len, "malformed: UDP length of a tunnel inconsistent with the packet") \
	X(ERR_GENEVE_VER, err_geneve_ver, "malformed: GENEVE version not 0") \
	X(ERR_GENEVE_OPT, err_geneve_opt, "malformed: GENEVE option runs past the option area") \
	X(ERR_VXLAN_FLAGS, err_vxlan_flags, "malformed: VXLAN header without its VNI flag") \
	X(ERR_GRE_FLAGS, err_gre_flags, "malformed: GRE header with routing present (RFC 1701)") \
	X(ERR_GUE_VER, err_gue_ver, "malformed: GUE variant 2 or 3, or variant 1 not IP")
/* clang-format on */

/* clang-format off */
enum ft_pkt_status {
#define FT_PKT_ENUM(name, lname, desc) FT_PKT_##name,
	FT_PKT_STATUS_LIST(FT_PKT_ENUM)
#undef FT_PKT_ENUM
	FT_PKT_STATUS_MAX
};
/* clang-format on */

/** First status that is a malformed-packet error. */
#define FT_PKT_FIRST_ERROR FT_PKT_ERR_TRUNC_ETH

/** TCP header flag bits, as on the wire. */
#define FT_TH_FIN 0x01
#define FT_TH_SYN 0x02
#define FT_TH_RST 0x04
#define FT_TH_PSH 0x08
#define FT_TH_ACK 0x10
#define FT_TH_URG 0x20

/** Maximum number of IPv6 extension headers walked before giving up. */
#define FT_PKT_IPV6_EXT_MAX 8

/** Most tunnel levels the parser opens (the configured depth is 0..this). */
#define FT_PKT_TUN_MAX 3

/** Most UDP ports configured per tunnel kind. */
#define FT_PKT_PORTS_MAX 8

/**
 * Tunnel kinds. X(NAME, name): the name events, reports and the settings use.
 * GWLB is GENEVE carrying the AWS Gateway Load Balancer options.
 */
/* clang-format off */
#define FT_TUN_KIND_LIST(X) \
	X(NONE, "none") \
	X(GENEVE, "geneve") \
	X(GWLB, "gwlb") \
	X(VXLAN, "vxlan") \
	X(IPIP, "ipip") \
	X(GRE, "gre") \
	X(GUE, "gue")
/* clang-format on */

/* clang-format off */
enum ft_tun_kind {
#define FT_TUN_KIND_ENUM(name, word) FT_TUN_##name,
	FT_TUN_KIND_LIST(FT_TUN_KIND_ENUM)
#undef FT_TUN_KIND_ENUM
	FT_TUN_KIND_MAX
};
/* clang-format on */

/** Which identity of a GENEVE tunnel forms the context. */
enum ft_pkt_geneve_ctx {
	FT_GENEVE_CTX_NONE = 0, /**< None: every GENEVE flow in one context. */
	FT_GENEVE_CTX_VNI = 1,	/**< The VNI. */
	/** The GWLB endpoint and attachment ids when present, else the VNI. */
	FT_GENEVE_CTX_AUTO = 2,
};

struct ft_pkt;

/** UDP ports a tunnel kind is recognised on (host order). */
struct ft_pkt_ports {
	uint8_t n;			 /**< Ports in use (0: the kind is off). */
	uint16_t port[FT_PKT_PORTS_MAX]; /**< The ports. */
};

/**
 * What the parser opens. Fill with ft_pkt_conf_init() (every kind on its
 * standard ports, two levels), then change what differs.
 */
struct ft_pkt_conf {
	uint8_t tun_depth;	    /**< Tunnel levels opened, 0..FT_PKT_TUN_MAX. */
	uint8_t ipip;		    /**< Open IP protocols 4 and 41. */
	uint8_t gre;		    /**< Open IP protocol 47. */
	uint8_t ctx_geneve;	    /**< enum ft_pkt_geneve_ctx. */
	uint8_t ctx_vxlan;	    /**< The VNI forms the context. */
	uint8_t ctx_gre;	    /**< The GRE key forms the context. */
	struct ft_pkt_ports geneve; /**< GENEVE's UDP ports. */
	struct ft_pkt_ports vxlan;  /**< VXLAN's UDP ports. */
	struct ft_pkt_ports gue;    /**< GUE's UDP ports (none by default). */
	/**
	 * Called for each tunnelled TCP segment before the parse returns, to set
	 * its context (lib/ctx); its result is the parse's. NULL: context 0.
	 */
	enum ft_pkt_status (*resolve)(void *arg, struct ft_pkt *pkt);
	void *resolve_arg; /**< Argument of resolve. */
};

/** One tunnel level of a parsed packet, outermost first. */
struct ft_pkt_tun {
	uint8_t kind;	 /**< enum ft_tun_kind. */
	uint8_t id_len;	 /**< Bytes of id that form the context (0: none). */
	uint16_t pad;	 /**< Zero. */
	uint32_t cookie; /**< GWLB flow cookie (GWLB only), host order. */
	uint8_t id[16];	 /**< VNI (3 bytes), GRE key (4) or GWLB endpoint + attachment ids. */
};

/** Window scale value meaning "no window-scale option". */
#define FT_PKT_NO_WSCALE 0xff

/**
 * IPv4 flow key: 16 bytes so that rte_hash compares it with one vector
 * compare. Endpoint a is the smaller (address, port) pair; the context is 0
 * for untunnelled traffic and is set by lib/ctx for tunnelled traffic.
 */
struct ft_key4 {
	uint32_t addr[2]; /**< Endpoint a and b addresses, network order. */
	uint16_t port[2]; /**< Endpoint a and b ports, network order. */
	uint8_t proto;	  /**< IPPROTO_TCP. */
	uint8_t ctx[3];	  /**< Tenant context (big endian; 0: plain traffic). */
};
_Static_assert(sizeof(struct ft_key4) == 16, "IPv4 key must be 16 bytes");

/** IPv6 flow key: 48 bytes (a multiple of 16), same layout rules. */
struct ft_key6 {
	uint8_t addr[2][16]; /**< Endpoint a and b addresses. */
	uint16_t port[2];    /**< Endpoint a and b ports, network order. */
	uint8_t proto;	     /**< IPPROTO_TCP. */
	uint8_t ctx[3];	     /**< Tenant context, as in struct ft_key4. */
	uint8_t pad[8];	     /**< Zero. */
};
_Static_assert(sizeof(struct ft_key6) == 48, "IPv6 key must be 48 bytes");

/** What the parser extracts from one TCP segment. */
struct ft_pkt {
	/** Canonical key, same for both directions (8-aligned: hashed 8 bytes at a time). */
	union {
		struct ft_key4 v4;
		struct ft_key6 v6;
	} __attribute__((aligned(8))) key;
	uint32_t seq;	      /**< Sequence number, host order. */
	uint32_t ack;	      /**< Acknowledgment number, host order. */
	uint32_t tsval;	      /**< TCP timestamp value if has_ts. */
	uint32_t payload_len; /**< TCP payload bytes. */
	uint16_t win;	      /**< Raw (unscaled) window, host order. */
	uint8_t flags;	      /**< TCP header flags (FT_TH_*). */
	uint8_t dir;	      /**< 0: sent by key endpoint a; 1: by b. */
	uint8_t is_v6;	      /**< Key is key.v6. */
	uint8_t wscale;	      /**< Window-scale option or FT_PKT_NO_WSCALE. */
	uint8_t has_ts;	      /**< A timestamp option was present. */
	uint8_t vlans;	      /**< VLAN tags walked in the innermost Ethernet header (0..2). */
	uint8_t tun_n;	      /**< Tunnel levels opened (0: plain); tun[] holds them. */
	struct ft_pkt_tun tun[FT_PKT_TUN_MAX];
};

/**
 * Parse one frame.
 *
 * @param data
 *   First byte of the Ethernet header.
 * @param len
 *   Number of bytes readable at data; nothing past it is read.
 * @param pkt
 *   Filled in when the result is FT_PKT_TCP; undefined otherwise.
 * @return
 *   FT_PKT_TCP for a trackable TCP segment, another status otherwise.
 */
enum ft_pkt_status ft_pkt_parse(const uint8_t *data, uint32_t len, struct ft_pkt *pkt);

/**
 * Parse a frame of which only the first cap bytes were captured (a trace
 * taken with a small snap length). The headers must lie within cap; the IP
 * lengths are checked against len, the frame's length on the wire, and the
 * payload length comes from them. ft_pkt_parse(d, n, p) is
 * ft_pkt_parse_cut(d, n, n, p).
 */
enum ft_pkt_status ft_pkt_parse_cut(const uint8_t *data, uint32_t cap, uint32_t len,
		struct ft_pkt *pkt);

/**
 * Parse one frame, opening the tunnels conf names (NULL: the defaults of
 * ft_pkt_conf_init()). Otherwise as ft_pkt_parse_cut(). A tunnelled segment
 * has tun_n > 0, and the context conf->resolve gives it in its key (0 without).
 */
enum ft_pkt_status ft_pkt_parse_conf(const struct ft_pkt_conf *conf, const uint8_t *data,
		uint32_t cap, uint32_t len, struct ft_pkt *pkt);

/**
 * ft_pkt_parse_conf() of a frame that ft_pkt_parse_plain4() (ft_pkt_plain.h)
 * did not take: the general parse, for callers that tried the plain kind
 * inline first.
 */
enum ft_pkt_status ft_pkt_parse_other(const struct ft_pkt_conf *conf, const uint8_t *data,
		uint32_t cap, uint32_t len, struct ft_pkt *pkt);

/** Fill conf with the defaults: every tunnel kind on its standard ports, two levels. */
void ft_pkt_conf_init(struct ft_pkt_conf *conf);

/** Name of a tunnel kind ("vxlan", ...; "unknown" past the list). */
const char *ft_tun_kind_name(unsigned int kind);

/** The tenant context in a parsed packet's key. */
static inline uint32_t
ft_pkt_ctx(const struct ft_pkt *pkt)
{
	const uint8_t *c = pkt->is_v6 ? pkt->key.v6.ctx : pkt->key.v4.ctx;

	return (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
}

/** Set the tenant context (24 bits) in a parsed packet's key. */
static inline void
ft_pkt_set_ctx(struct ft_pkt *pkt, uint32_t ctx)
{
	uint8_t *c = pkt->is_v6 ? pkt->key.v6.ctx : pkt->key.v4.ctx;

	c[0] = (uint8_t)(ctx >> 16);
	c[1] = (uint8_t)(ctx >> 8);
	c[2] = (uint8_t)ctx;
}

/** Counter description of a status ("TCP segments parsed", ...). */
const char *ft_pkt_status_desc(enum ft_pkt_status st);

/** Short name of a status ("ERR_TRUNC_TCP", ...). */
const char *ft_pkt_status_name(enum ft_pkt_status st);

/** Counter name of a status in reports ("pkt_err_trunc_tcp", ...). */
const char *ft_pkt_status_counter(enum ft_pkt_status st);

#endif /* _FT_PKT_H_ */
