/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FUZZ_ENGINE_INPUT_H_
#define _FUZZ_ENGINE_INPUT_H_

/**
 * @file
 * The input format of fuzz_engine, shared with the seed-corpus converter.
 *
 * An input is a sequence of records:
 *
 *   [1 byte time code][2 bytes frame length, big endian][frame bytes]
 *
 * A last record shorter than its length field carries the bytes that are
 * left. The time code moves the clock before the record:
 *   - bits 0-4 pick a step from fz_time_steps[] (some run backwards);
 *   - bits 5-6 add 0, 250, 500 or 750 us, to land on either side of a tick;
 *   - bit 7 joins the frame to the burst being collected, so several records
 *     reach the engine in one ft_engine_process_spans() call at the burst's time.
 * A record with an empty frame runs the timers (ft_engine_tick until nothing
 * is pending) at the new time.
 */

#include <stdint.h>

#define FZ_NS_US UINT64_C(1000)
#define FZ_NS_MS UINT64_C(1000000)
#define FZ_NS_S	 UINT64_C(1000000000)

/** Bytes of a record header. */
#define FZ_REC_HDR 3
/** Time code bits. */
#define FZ_CODE_STEP_MASK   0x1f
#define FZ_CODE_EXTRA_SHIFT 5
#define FZ_CODE_EXTRA_MASK  0x3
#define FZ_CODE_EXTRA_NS    (250 * FZ_NS_US)
#define FZ_CODE_JOIN	    0x80
/** Number of step entries. */
#define FZ_NSTEPS 32

/**
 * Clock steps in nanoseconds; negative ones move the caller's clock back
 * (the engine clamps and counts them). The values sit on both sides of the
 * default timeouts (30, 60, 120, 7440 and 43200 s) and the RST hold (10 s).
 */
static const int64_t fz_time_steps[FZ_NSTEPS] = {
	0,
	1 * (int64_t)FZ_NS_US,
	10 * (int64_t)FZ_NS_US,
	100 * (int64_t)FZ_NS_US,
	500 * (int64_t)FZ_NS_US,
	1 * (int64_t)FZ_NS_MS,
	2 * (int64_t)FZ_NS_MS,
	10 * (int64_t)FZ_NS_MS,
	100 * (int64_t)FZ_NS_MS,
	200 * (int64_t)FZ_NS_MS,
	500 * (int64_t)FZ_NS_MS,
	1 * (int64_t)FZ_NS_S,
	3 * (int64_t)FZ_NS_S,
	10 * (int64_t)FZ_NS_S,
	10 * (int64_t)FZ_NS_S + (int64_t)FZ_NS_MS,
	29999 * (int64_t)FZ_NS_MS,
	30 * (int64_t)FZ_NS_S,
	30001 * (int64_t)FZ_NS_MS,
	59999 * (int64_t)FZ_NS_MS,
	60 * (int64_t)FZ_NS_S,
	61 * (int64_t)FZ_NS_S,
	119999 * (int64_t)FZ_NS_MS,
	121 * (int64_t)FZ_NS_S,
	600 * (int64_t)FZ_NS_S,
	3600 * (int64_t)FZ_NS_S,
	7439999 * (int64_t)FZ_NS_MS,
	7441 * (int64_t)FZ_NS_S,
	43199999 * (int64_t)FZ_NS_MS,
	43201 * (int64_t)FZ_NS_S,
	86400 * (int64_t)FZ_NS_S,
	-1 * (int64_t)FZ_NS_S,
	-1 * (int64_t)FZ_NS_MS,
};

/** Signed clock step of a time code. */
static inline int64_t
fz_code_step(uint8_t code)
{
	return fz_time_steps[code & FZ_CODE_STEP_MASK] +
			(int64_t)(((code >> FZ_CODE_EXTRA_SHIFT) & FZ_CODE_EXTRA_MASK) *
					FZ_CODE_EXTRA_NS);
}

/**
 * The time code whose step comes closest to gap_ns from below (never a
 * backwards one), without the join bit.
 */
static inline uint8_t
fz_code_for_gap(uint64_t gap_ns)
{
	uint8_t best = 0;
	uint64_t best_step = 0;
	unsigned int c;

	for (c = 0; c < 128; c++) {
		int64_t s = fz_code_step((uint8_t)c);

		if (s < 0 || (uint64_t)s > gap_ns || (uint64_t)s < best_step)
			continue;
		if ((uint64_t)s > best_step || c < best) {
			best = (uint8_t)c;
			best_step = (uint64_t)s;
		}
	}
	return best;
}

#endif /* _FUZZ_ENGINE_INPUT_H_ */
