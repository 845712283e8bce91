/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * Unit tests of gwlb mode's frame handling (app/ft_gwlb.h): which frames go
 * back to the load balancer, which to the kernel, which are dropped; and that
 * the turn swaps the outer addresses and changes nothing else, its IPv4 and
 * UDP checksums still valid. No EAL is started.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ft_geneve.h"
#include "ft_gwlb.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t gwlb_addr[4] = { 198, 18, 1, 2 };
static const uint8_t lb_addr[4] = { 198, 18, 1, 3 };
static const uint8_t ft_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t lb_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 };

/* The IPv4 header checksum verifies (sums to 0xffff). */
static int
ip_csum_ok(const uint8_t *ip)
{
	return ft_geneve_sum16(ip, (size_t)(ip[0] & 0x0f) * 4, 0) == 0xffff;
}

/* The UDP checksum verifies over the pseudo-header (0 would mean none). */
static int
udp_csum_ok(const uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	const uint8_t *udp = ip + ihl;
	uint16_t ulen = (uint16_t)(udp[4] << 8 | udp[5]);
	uint8_t pseudo[12];

	if (udp[6] == 0 && udp[7] == 0)
		return 0;
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = ip[9];
	ft_geneve_put16(pseudo + 10, ulen);
	return ft_geneve_sum16(udp, ulen, ft_geneve_sum16(pseudo, sizeof(pseudo), 0)) == 0xffff;
}

/*
 * A frame from the load balancer: Ethernet, IPv4 (ihl words) to dst, UDP from
 * sport to dport carrying a GENEVE header of AWS's three options and an inner
 * IPv4 TCP packet of inner bytes; checksums filled in. Returns its length.
 */
static size_t
geneve_frame(uint8_t *f, unsigned int ihl, const uint8_t dst[4], uint16_t sport, uint16_t dport,
		size_t inner)
{
	static const uint8_t opts[32] = {
		0x01, 0x08, 0x01, 0x02, 1, 2, 3, 4, 5, 6, 7, 8,	       /* endpoint id */
		0x01, 0x08, 0x02, 0x02, 9, 10, 11, 12, 13, 14, 15, 16, /* attachment id */
		0x01, 0x08, 0x03, 0x01, 0xca, 0xfe, 0xf0, 0x0d,	       /* flow cookie */
	};
	uint8_t *ip = f + 14, *udp, *g;
	size_t iplen, i;
	uint32_t s;

	memcpy(f, ft_mac, 6);
	memcpy(f + 6, lb_mac, 6);
	ft_geneve_put16(f + 12, 0x0800);
	iplen = ihl * 4 + 8 + 8 + sizeof(opts) + inner;
	memset(ip, 0, ihl * 4);
	ip[0] = (uint8_t)(0x40 | ihl);
	ft_geneve_put16(ip + 2, (uint16_t)iplen);
	ft_geneve_put16(ip + 4, 0x1234);
	ft_geneve_put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, lb_addr, 4);
	memcpy(ip + 16, dst, 4);
	for (i = 20; i < ihl * 4; i++)
		ip[i] = 1; /* NOP options */
	ft_geneve_put16(ip + 10, (uint16_t)~ft_geneve_sum16(ip, ihl * 4, 0));
	udp = ip + ihl * 4;
	ft_geneve_put16(udp, sport);
	ft_geneve_put16(udp + 2, dport);
	ft_geneve_put16(udp + 4, (uint16_t)(iplen - ihl * 4));
	ft_geneve_put16(udp + 6, 0);
	g = udp + 8;
	g[0] = sizeof(opts) / 4;
	g[1] = 0;
	ft_geneve_put16(g + 2, 0x0800);
	memset(g + 4, 0, 4);
	memcpy(g + 8, opts, sizeof(opts));
	for (i = 0; i < inner; i++)
		g[8 + sizeof(opts) + i] = (uint8_t)(i * 7 + 3);
	g[8 + sizeof(opts)] = 0x45; /* the inner packet starts like IPv4 */
	{
		uint8_t pseudo[12];

		memcpy(pseudo, ip + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = 17;
		ft_geneve_put16(pseudo + 10, (uint16_t)(iplen - ihl * 4));
		s = ft_geneve_sum16(udp, iplen - ihl * 4,
				ft_geneve_sum16(pseudo, sizeof(pseudo), 0));
		ft_geneve_put16(udp + 6, (uint16_t)(~s == 0 ? 0xffff : ~s));
	}
	return 14 + iplen;
}

static void
test_geneve_returned(void **state)
{
	static uint8_t f[9216], orig[9216];
	/* Sizes up to what a GWLB sends: 8500 bytes inside, 68 of GENEVE, 14 of Ethernet. */
	static const size_t inner[] = { 40, 1400, 1500, 8500 };
	static const unsigned int ihl[] = { 5, 6, 15 };
	unsigned int i, k;

	(void)state;
	for (i = 0; i < DIM(inner); i++)
		for (k = 0; k < DIM(ihl); k++) {
			size_t len = geneve_frame(f, ihl[k], gwlb_addr, 51234, FT_GENEVE_PORT,
					inner[i]);
			size_t ipoff = 14;

			if (ihl[k] == 5 && inner[i] == 8500)
				assert_int_equal(len, 14 + 8568);
			assert_true(ip_csum_ok(f + ipoff));
			assert_true(udp_csum_ok(f + ipoff));
			memcpy(orig, f, len);
			assert_int_equal(ft_gwlb_classify(f, (uint32_t)len, gwlb_addr),
					FT_GWLB_RETURN);
			ft_gwlb_swap(f);
			/* MACs and IPs swapped ... */
			assert_memory_equal(f, lb_mac, 6);
			assert_memory_equal(f + 6, ft_mac, 6);
			assert_memory_equal(f + 14 + 12, gwlb_addr, 4);
			assert_memory_equal(f + 14 + 16, lb_addr, 4);
			/* ... every other byte as it came: ports, GENEVE, options, inner ... */
			assert_memory_equal(f + 12, orig + 12, 12);
			assert_memory_equal(f + 14 + 20, orig + 14 + 20, len - 14 - 20);
			/* ... and both checksums still verify, untouched. */
			assert_true(ip_csum_ok(f + ipoff));
			assert_true(udp_csum_ok(f + ipoff));
			/* Twice is the frame as it came. */
			ft_gwlb_swap(f);
			assert_memory_equal(f, orig, len);
		}
}

static void
arp_frame(uint8_t *f, uint16_t op, const uint8_t tpa[4])
{
	memset(f, 0xff, 6);
	memcpy(f + 6, lb_mac, 6);
	ft_geneve_put16(f + 12, 0x0806);
	ft_geneve_put16(f + 14, 1);
	ft_geneve_put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	ft_geneve_put16(f + 20, op);
	memcpy(f + 22, lb_mac, 6);
	memcpy(f + 28, lb_addr, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, tpa, 4);
}

static void
test_classify(void **state)
{
	static const uint8_t other[4] = { 198, 18, 1, 9 };
	uint8_t f[256];
	size_t len;

	(void)state;
	/* UDP to gwlb_addr on another port: the kernel's (it answers port unreachable). */
	len = geneve_frame(f, 5, gwlb_addr, 51234, 6082, 40);
	assert_int_equal(ft_gwlb_classify(f, (uint32_t)len, gwlb_addr), FT_GWLB_KERNEL);
	/* GENEVE's source port is the load balancer's own (a hash): only the destination counts. */
	len = geneve_frame(f, 5, gwlb_addr, FT_GENEVE_PORT, 9, 40);
	assert_int_equal(ft_gwlb_classify(f, (uint32_t)len, gwlb_addr), FT_GWLB_KERNEL);
	/* GENEVE to another address: not ours. */
	len = geneve_frame(f, 5, other, 51234, FT_GENEVE_PORT, 40);
	assert_int_equal(ft_gwlb_classify(f, (uint32_t)len, gwlb_addr), FT_GWLB_DROP);
	/* A fragment of GENEVE (MF set, or an offset): the kernel's. */
	len = geneve_frame(f, 5, gwlb_addr, 51234, FT_GENEVE_PORT, 40);
	f[14 + 6] |= 0x20;
	assert_int_equal(ft_gwlb_classify(f, (uint32_t)len, gwlb_addr), FT_GWLB_KERNEL);
	len = geneve_frame(f, 5, gwlb_addr, 51234, FT_GENEVE_PORT, 40);
	f[14 + 7] = 0x10;
	assert_int_equal(ft_gwlb_classify(f, (uint32_t)len, gwlb_addr), FT_GWLB_KERNEL);
	/* The TCP health check and ICMP: the kernel's. */
	len = geneve_frame(f, 5, gwlb_addr, 51234, FT_GENEVE_PORT, 40);
	f[14 + 9] = 6;
	assert_int_equal(ft_gwlb_classify(f, (uint32_t)len, gwlb_addr), FT_GWLB_KERNEL);
	f[14 + 9] = 1;
	assert_int_equal(ft_gwlb_classify(f, (uint32_t)len, gwlb_addr), FT_GWLB_KERNEL);
	/* The headers must be there: a UDP header cut short is not GENEVE. */
	assert_int_equal(ft_gwlb_classify(f, 14 + 20 + 7, gwlb_addr), FT_GWLB_KERNEL);
	assert_int_equal(ft_gwlb_classify(f, 14 + 19, gwlb_addr), FT_GWLB_DROP);
	assert_int_equal(ft_gwlb_classify(f, 13, gwlb_addr), FT_GWLB_DROP);
	/* Not IPv4 inside the EtherType, or a header length below 20 bytes: dropped. */
	len = geneve_frame(f, 5, gwlb_addr, 51234, FT_GENEVE_PORT, 40);
	f[14] = 0x65;
	assert_int_equal(ft_gwlb_classify(f, (uint32_t)len, gwlb_addr), FT_GWLB_DROP);
	f[14] = 0x44;
	assert_int_equal(ft_gwlb_classify(f, (uint32_t)len, gwlb_addr), FT_GWLB_DROP);
	/* IPv6 and VLAN-tagged frames: dropped (a GWLB sends neither). */
	len = geneve_frame(f, 5, gwlb_addr, 51234, FT_GENEVE_PORT, 40);
	ft_geneve_put16(f + 12, 0x86dd);
	assert_int_equal(ft_gwlb_classify(f, (uint32_t)len, gwlb_addr), FT_GWLB_DROP);
	ft_geneve_put16(f + 12, 0x8100);
	assert_int_equal(ft_gwlb_classify(f, (uint32_t)len, gwlb_addr), FT_GWLB_DROP);
	/* ARP for gwlb_addr, request or reply: the kernel's; for another address: dropped. */
	arp_frame(f, 1, gwlb_addr);
	assert_int_equal(ft_gwlb_classify(f, 42, gwlb_addr), FT_GWLB_KERNEL);
	arp_frame(f, 2, gwlb_addr);
	assert_int_equal(ft_gwlb_classify(f, 42, gwlb_addr), FT_GWLB_KERNEL);
	arp_frame(f, 1, other);
	assert_int_equal(ft_gwlb_classify(f, 42, gwlb_addr), FT_GWLB_DROP);
	arp_frame(f, 1, gwlb_addr);
	assert_int_equal(ft_gwlb_classify(f, 41, gwlb_addr), FT_GWLB_DROP);
	f[19] = 16; /* not IPv4 addresses */
	assert_int_equal(ft_gwlb_classify(f, 42, gwlb_addr), FT_GWLB_DROP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geneve_returned),
		cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
