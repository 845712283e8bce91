/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_TEST_PKT_H_
#define _FT_TEST_PKT_H_

/**
 * @file
 * Frame builders for tests: Ethernet + IPv4 or IPv6 + TCP with chosen flags,
 * sequence numbers and options.
 */

#include <stddef.h>
#include <stdint.h>

/** Largest frame the builders write. */
#define FT_TEST_FRAME_MAX 2048

/** One TCP segment to build. Addresses are host order (IPv4) or bytes (IPv6). */
struct ft_test_seg {
	int v6;		     /**< Build IPv6 instead of IPv4. */
	uint32_t src4, dst4; /**< IPv4 addresses, host order. */
	uint8_t src6[16], dst6[16];
	uint16_t sport, dport; /**< Host order. */
	uint8_t flags;	       /**< FT_TCP_* flags. */
	uint32_t seq, ack;
	uint16_t win;
	uint32_t payload; /**< Payload bytes (zeros). */
	int wscale;	  /**< Window-scale option value, or -1 for none. */
	uint32_t tsval;	  /**< Timestamp option value, 0 for none. */
	uint16_t vlan;	  /**< 802.1Q tag, 0 for none. */
};

/**
 * Write the frame for seg into buf.
 *
 * @return
 *   Frame length.
 */
size_t ft_test_build(const struct ft_test_seg *seg, uint8_t *buf);

#endif /* _FT_TEST_PKT_H_ */
