/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_GWLB_H_
#define _FT_GWLB_H_

/**
 * @file
 * The one-arm AWS Gateway Load Balancer target (--mode gwlb): what becomes of
 * a frame received on a data port, and the turn that sends GENEVE back.
 *
 * A GWLB sends its targets GENEVE over IPv4 (UDP port 6081) and takes back,
 * from each target, the same GENEVE header bytes and inner packet with the
 * outer IPv4 source and destination swapped and the UDP ports kept. fintrack
 * also swaps the Ethernet addresses, and changes nothing else: the IPv4 header
 * checksum and the UDP checksum stay valid, since each is a ones' complement
 * sum of 16-bit words in which a swap only changes the order of the words.
 *
 * Pure functions on the bytes of a frame: no EAL, so unit tests call them.
 */

#include <stdint.h>
#include <string.h>

/** The GENEVE port (RFC 8926), the only one a GWLB uses. */
#define FT_GENEVE_PORT 6081

/**
 * What gwlb mode counts, per worker. X(NAME, name, description): the name in
 * telemetry and metrics is "gwlb_" name.
 */
/* clang-format off */
#define FT_GWLB_CNT_LIST(X) \
	X(RETURNED, returned, "GENEVE packets to gwlb_addr sent back to the load balancer") \
	X(TO_KERNEL, to_kernel, \
		"packets for gwlb_addr that are not GENEVE (ARP, health checks, ICMP) given to " \
		"the kernel through the exception port") \
	X(FROM_KERNEL, from_kernel, \
		"packets the kernel sent through an exception port, sent out of its data port") \
	X(DROPPED, dropped, \
		"packets received on a data port that are neither GENEVE to gwlb_addr nor for " \
		"the kernel (or for it with --exception off), dropped")
/* clang-format on */

/* clang-format off */
enum ft_gwlb_cnt {
#define FT_GWLB_CNT_ENUM(name, lname, desc) FT_GWLB_##name,
	FT_GWLB_CNT_LIST(FT_GWLB_CNT_ENUM)
#undef FT_GWLB_CNT_ENUM
	FT_GWLB_CNT_MAX
};
/* clang-format on */

/** What becomes of a frame received on a data port. */
enum ft_gwlb_verdict {
	FT_GWLB_DROP,	/**< Neither GENEVE to gwlb_addr nor for the kernel. */
	FT_GWLB_RETURN, /**< GENEVE to gwlb_addr: swap and send back (ft_gwlb_swap()). */
	FT_GWLB_KERNEL, /**< For gwlb_addr but not GENEVE, or ARP for it: the kernel answers. */
};

/* Offsets in an untagged Ethernet frame. */
#define FT_GWLB_ETH_LEN	    14
#define FT_GWLB_ETH_TYPE    12
#define FT_GWLB_IP	    FT_GWLB_ETH_LEN
#define FT_GWLB_IP_MIN	    20
#define FT_GWLB_ARP_LEN	    28
#define FT_GWLB_UDP_LEN	    8
#define FT_GWLB_ARP_TPA	    (FT_GWLB_ETH_LEN + 24)
#define FT_GWLB_IP_SRC	    (FT_GWLB_IP + 12)
#define FT_GWLB_IP_DST	    (FT_GWLB_IP + 16)
#define FT_GWLB_ETHER_IPV4  0x0800
#define FT_GWLB_ETHER_ARP   0x0806
#define FT_GWLB_IPPROTO_UDP 17

static inline uint16_t
ft_gwlb_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/**
 * Classify a frame received on a data port.
 *
 * @param frame
 *   The frame, from its Ethernet header.
 * @param len
 *   Bytes readable at frame (the first segment of an mbuf): the headers
 *   looked at must be there, or the frame is dropped.
 * @param addr
 *   gwlb_addr, the 4 bytes in network order.
 * @return
 *   FT_GWLB_RETURN for an IPv4 UDP packet to addr and port 6081 that is not a
 *   fragment; FT_GWLB_KERNEL for another IPv4 packet to addr (the TCP health
 *   checks, ICMP, a fragment) and for an Ethernet/IPv4 ARP packet whose target
 *   is addr; FT_GWLB_DROP for everything else (other addresses, IPv6, VLAN
 *   tags: a GWLB sends none).
 */
static inline enum ft_gwlb_verdict
ft_gwlb_classify(const uint8_t *frame, uint32_t len, const uint8_t addr[4])
{
	const uint8_t *ip = frame + FT_GWLB_IP;
	uint32_t ihl;

	if (len < FT_GWLB_ETH_LEN)
		return FT_GWLB_DROP;
	switch (ft_gwlb_be16(frame + FT_GWLB_ETH_TYPE)) {
	case FT_GWLB_ETHER_IPV4:
		if (len < FT_GWLB_IP + FT_GWLB_IP_MIN || (ip[0] >> 4) != 4 ||
				memcmp(frame + FT_GWLB_IP_DST, addr, 4) != 0)
			return FT_GWLB_DROP;
		ihl = (uint32_t)(ip[0] & 0x0f) * 4;
		if (ihl < FT_GWLB_IP_MIN)
			return FT_GWLB_DROP;
		/* Not a fragment: no MF flag, no offset; the UDP header is there. */
		if (ip[9] == FT_GWLB_IPPROTO_UDP && (ft_gwlb_be16(ip + 6) & 0x3fff) == 0 &&
				len >= FT_GWLB_IP + ihl + FT_GWLB_UDP_LEN &&
				ft_gwlb_be16(ip + ihl + 2) == FT_GENEVE_PORT)
			return FT_GWLB_RETURN;
		return FT_GWLB_KERNEL;
	case FT_GWLB_ETHER_ARP:
		/* Ethernet (1) and IPv4, 6- and 4-byte addresses; target gwlb_addr. */
		if (len >= FT_GWLB_ETH_LEN + FT_GWLB_ARP_LEN && ft_gwlb_be16(ip) == 1 &&
				ft_gwlb_be16(ip + 2) == FT_GWLB_ETHER_IPV4 && ip[4] == 6 &&
				ip[5] == 4 && memcmp(frame + FT_GWLB_ARP_TPA, addr, 4) == 0)
			return FT_GWLB_KERNEL;
		return FT_GWLB_DROP;
	default:
		return FT_GWLB_DROP;
	}
}

/**
 * Turn a frame ft_gwlb_classify() found FT_GWLB_RETURN back to its sender:
 * swap the Ethernet destination and source, and the IPv4 source and
 * destination. Every other byte stays as it is.
 */
static inline void
ft_gwlb_swap(uint8_t *frame)
{
	uint8_t t[6];

	memcpy(t, frame, 6);
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, t, 6);
	memcpy(t, frame + FT_GWLB_IP_SRC, 4);
	memcpy(frame + FT_GWLB_IP_SRC, frame + FT_GWLB_IP_DST, 4);
	memcpy(frame + FT_GWLB_IP_DST, t, 4);
}

#endif /* _FT_GWLB_H_ */
