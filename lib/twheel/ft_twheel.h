/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_TWHEEL_H_
#define _FT_TWHEEL_H_

/**
 * @file
 * Per-lcore hashed timer wheel.
 *
 * Each timer belongs to one element of the caller's array of equally sized
 * elements and is named by the element's u32 index, so start and stop are
 * O(1) and cost no allocation. An element holds its timer's deadline and
 * slot (struct ft_tw_link at a fixed offset), which a re-arm reads and writes
 * along with the element's other state; the slot lists' next and previous
 * indexes live in a dense array of the wheel's own (8 bytes per element), so
 * that walking or relinking a list touches that array and not the
 * neighbours' elements. Time is in ticks (u32, wrap-safe) passed in by the
 * caller: the wheel never reads a clock.
 *
 * The wheel has a power-of-two number of one-tick slots. A deadline further
 * away than the wheel spans is filed at the horizon and re-filed when that
 * slot comes round, so any deadline up to 2^31 ticks ahead is exact (at 1 ms
 * per tick, 24 days). Re-arming is lazy: a later deadline is only stored and
 * the timer moves when its slot comes round; an earlier one moves it at once.
 *
 * Not thread-safe: one wheel belongs to one lcore.
 */

#include <stdint.h>

/** Index meaning "no element". */
#define FT_TW_NIL UINT32_MAX
/** Value of the next index while the timer is not armed. */
#define FT_TW_OFF (UINT32_MAX - 1)

/** The part of a timer embedded in its element. */
struct ft_tw_link {
	uint32_t filed;	   /**< Tick of the slot the timer sits in (while armed). */
	uint32_t deadline; /**< Tick at which the timer is due (while armed). */
};

/** The list links of one timer, in the wheel's dense array. */
struct ft_tw_chain {
	uint32_t next; /**< Next element in the slot, FT_TW_NIL, or FT_TW_OFF. */
	uint32_t prev; /**< Previous element, FT_TW_NIL for the slot head. */
};

/** A timer wheel. Owned and used by one lcore only. */
struct ft_twheel {
	uint8_t *base;		   /**< First element. */
	uint32_t stride;	   /**< Element size in bytes. */
	uint32_t nelem;		   /**< Number of elements. */
	uint32_t mask;		   /**< Number of slots - 1. */
	uint32_t cur;		   /**< Next tick to process. */
	uint64_t armed;		   /**< Timers armed. */
	uint64_t refiled;	   /**< Timers moved on by lazy re-arm or the horizon. */
	uint32_t *heads;	   /**< Slot list heads. */
	uint64_t *bitmap;	   /**< One bit per non-empty slot. */
	struct ft_tw_chain *chain; /**< List links, one per element. */
};

/**
 * Create a wheel.
 *
 * @param base
 *   Array of elements, each holding a struct ft_tw_link.
 * @param stride
 *   Size of one element in bytes.
 * @param link_offset
 *   Offset of struct ft_tw_link in an element.
 * @param nelem
 *   Number of elements.
 * @param nslots
 *   Number of slots, a power of two >= 64.
 * @param now
 *   Current tick.
 * @param socket_id
 *   NUMA socket for the slot and link arrays (SOCKET_ID_ANY for any).
 * @return
 *   The wheel, or NULL with rte_errno set to EINVAL or ENOMEM.
 */
struct ft_twheel *ft_twheel_create(void *base, uint32_t stride, uint32_t link_offset,
		uint32_t nelem, uint32_t nslots, uint32_t now, int socket_id);

/** Free a wheel (the elements are the caller's). NULL is allowed. */
void ft_twheel_free(struct ft_twheel *tw);

/** Bytes the wheel allocated: its slot heads and bitmap and one list link per element. */
uint64_t ft_twheel_mem_bytes(const struct ft_twheel *tw);

/**
 * Set the current tick of a wheel with no timer armed (a wheel created before
 * its clock is known, such as one replaying a trace).
 *
 * @return
 *   0, or -EBUSY if timers are armed.
 */
int ft_twheel_set_time(struct ft_twheel *tw, uint32_t now);

/** Disarm every timer without expiring it (the wheel starts that way). */
void ft_twheel_init_links(struct ft_twheel *tw);

/** The embedded part of element id's timer. */
static inline struct ft_tw_link *
ft_twheel_link(const struct ft_twheel *tw, uint32_t id)
{
	return (struct ft_tw_link *)(tw->base + (uint64_t)id * tw->stride);
}

/** The list links of element id's timer. */
static inline struct ft_tw_chain *
ft_twheel_chain(const struct ft_twheel *tw, uint32_t id)
{
	return &tw->chain[id];
}

/** True if element id has an armed timer. */
static inline int
ft_twheel_armed(const struct ft_twheel *tw, uint32_t id)
{
	return tw->chain[id].next != FT_TW_OFF;
}

/** Arm the (not armed) timer of element id for the deadline tick. */
void ft_twheel_start(struct ft_twheel *tw, uint32_t id, uint32_t deadline);

/** Disarm the timer of element id; nothing happens if it is not armed. */
void ft_twheel_stop(struct ft_twheel *tw, uint32_t id);

/**
 * Set a new deadline, arming the timer if needed. A later deadline is stored
 * only; an earlier one moves the timer.
 */
void ft_twheel_update(struct ft_twheel *tw, uint32_t id, uint32_t deadline);

/** Move an earlier deadline (out of line: ft_twheel_rearm's rare case). */
void ft_twheel_move(struct ft_twheel *tw, uint32_t id, uint32_t deadline);

/**
 * ft_twheel_rearm() for a caller that has element id's link at hand (l is
 * ft_twheel_link(tw, id)).
 */
static inline void
ft_twheel_rearm_link(struct ft_twheel *tw, uint32_t id, struct ft_tw_link *l, uint32_t deadline)
{
	l->deadline = deadline;
	if ((int32_t)(deadline - l->filed) < 0)
		ft_twheel_move(tw, id, deadline);
}

/**
 * ft_twheel_update() for a timer known to be armed: reads and writes only
 * the element's own struct ft_tw_link unless the deadline moves earlier.
 */
static inline void
ft_twheel_rearm(struct ft_twheel *tw, uint32_t id, uint32_t deadline)
{
	ft_twheel_rearm_link(tw, id, ft_twheel_link(tw, id), deadline);
}

/**
 * Expire due timers.
 *
 * Processes slots up to and including tick now and writes the ids of timers
 * whose deadline is due to out[], disarmed. Timers found with a later
 * deadline are re-filed and not returned.
 *
 * @param out
 *   Array of at least budget entries.
 * @param budget
 *   Most timers to return; the rest stay for the next call.
 * @return
 *   Number of ids written. The work per call is bounded (budget expiries,
 *   4 x budget re-filings); call again while ft_twheel_pending() says so.
 */
uint32_t ft_twheel_expire(struct ft_twheel *tw, uint32_t now, uint32_t *out, uint32_t budget);

/** True if slots up to tick now still hold timers that ft_twheel_expire() has not seen. */
int ft_twheel_pending(const struct ft_twheel *tw, uint32_t now);

/**
 * Earliest tick at which a slot holds a timer (that timer may be re-filed
 * rather than due).
 *
 * @return
 *   0 and the tick in *tick, or -ENOENT if no timer is armed.
 */
int ft_twheel_next(const struct ft_twheel *tw, uint32_t *tick);

/** Callback of ft_twheel_walk: return non-zero to stop the walk. */
typedef int(ft_twheel_walk_fn)(void *arg, uint32_t id);

/**
 * Visit armed timers in the order of their slots, soonest first, calling fn
 * for at most max of them.
 *
 * @return
 *   Number of timers visited.
 */
uint32_t ft_twheel_walk(const struct ft_twheel *tw, ft_twheel_walk_fn *fn, void *arg, uint32_t max);

/**
 * Check that element id's armed timer sits in the list of its slot, where
 * the wheel will reach it: filed no further than the wheel spans, the slot
 * marked non-empty, and the neighbours' links pointing back (for tests and
 * self-checks, not the data path).
 *
 * @return
 *   0, or a negative errno: -ENOENT not armed, -ERANGE filed outside the
 *   wheel's span, -EFAULT a broken list or slot bitmap.
 */
int ft_twheel_check(const struct ft_twheel *tw, uint32_t id);

#endif /* _FT_TWHEEL_H_ */
