/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_BENCH_COMMON_H_
#define _FT_BENCH_COMMON_H_

/** @file Helpers every benchmark program shares. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Deterministic pseudo-random numbers (splitmix64). */
static inline uint64_t
ft_bench_rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/** The command line as typed, for the results to quote (call before EAL takes argv). */
static inline void
ft_bench_cmdline(int argc, char **argv, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < argc && off < len - 1; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "", argv[i]);
}

#endif /* _FT_BENCH_COMMON_H_ */
