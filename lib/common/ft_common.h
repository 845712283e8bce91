/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_COMMON_H_
#define _FT_COMMON_H_

/**
 * @file
 * Small helpers shared by every fintrack library: TCP sequence-space
 * comparisons and wrap-safe tick comparisons.
 */

#include <stdint.h>

/** True if sequence number a is before b (RFC 9293 modular arithmetic). */
static inline int
ft_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/** True if sequence number a is before or equal to b. */
static inline int
ft_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/** True if sequence number a is after b. */
static inline int
ft_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/** True if sequence number a is after or equal to b. */
static inline int
ft_seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/** Timer ticks wrap like sequence numbers; these read the same way. */
#define ft_tick_before(a, b) ft_seq_lt(a, b)
#define ft_tick_after(a, b)  ft_seq_gt(a, b)

#define FT_NS_PER_SEC  UINT64_C(1000000000)
#define FT_NS_PER_MSEC UINT64_C(1000000)

#endif /* _FT_COMMON_H_ */
