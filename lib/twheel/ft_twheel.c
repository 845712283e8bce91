/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "ft_common.h"
#include "ft_twheel.h"

struct ft_twheel *
ft_twheel_create(void *base, uint32_t stride, uint32_t link_offset, uint32_t nelem, uint32_t nslots,
		uint32_t now, int socket_id)
{
	struct ft_twheel *tw;

	if (base == NULL || stride < sizeof(struct ft_tw_link) ||
			link_offset > stride - sizeof(struct ft_tw_link) || nelem >= FT_TW_OFF ||
			nslots < 64 || !rte_is_power_of_2(nslots) || nslots > (1u << 30)) {
		rte_errno = EINVAL;
		return NULL;
	}
	tw = rte_zmalloc_socket("ft_twheel", sizeof(*tw), RTE_CACHE_LINE_SIZE, socket_id);
	if (tw == NULL)
		goto nomem;
	tw->heads = rte_malloc_socket("ft_twheel_heads", sizeof(uint32_t) * nslots,
			RTE_CACHE_LINE_SIZE, socket_id);
	tw->bitmap = rte_zmalloc_socket("ft_twheel_bitmap", nslots / 8, RTE_CACHE_LINE_SIZE,
			socket_id);
	tw->chain = rte_malloc_socket("ft_twheel_chain", sizeof(struct ft_tw_chain) * (size_t)nelem,
			RTE_CACHE_LINE_SIZE, socket_id);
	if (tw->heads == NULL || tw->bitmap == NULL || tw->chain == NULL)
		goto nomem;
	memset(tw->heads, 0xff, sizeof(uint32_t) * nslots);
	tw->base = (uint8_t *)base + link_offset;
	tw->stride = stride;
	tw->nelem = nelem;
	tw->mask = nslots - 1;
	tw->cur = now;
	ft_twheel_init_links(tw);
	return tw;
nomem:
	ft_twheel_free(tw);
	rte_errno = ENOMEM;
	return NULL;
}

uint64_t
ft_twheel_mem_bytes(const struct ft_twheel *tw)
{
	uint64_t nslots = (uint64_t)tw->mask + 1;

	return sizeof(*tw) + nslots * sizeof(uint32_t) + nslots / 8 +
			(uint64_t)tw->nelem * sizeof(struct ft_tw_chain);
}

void
ft_twheel_free(struct ft_twheel *tw)
{
	if (tw == NULL)
		return;
	rte_free(tw->heads);
	rte_free(tw->bitmap);
	rte_free(tw->chain);
	rte_free(tw);
}

int
ft_twheel_set_time(struct ft_twheel *tw, uint32_t now)
{
	if (tw->armed != 0)
		return -EBUSY;
	tw->cur = now;
	return 0;
}

void
ft_twheel_init_links(struct ft_twheel *tw)
{
	uint32_t i;

	for (i = 0; i < tw->nelem; i++)
		tw->chain[i].next = FT_TW_OFF;
	memset(tw->heads, 0xff, sizeof(uint32_t) * (tw->mask + 1));
	memset(tw->bitmap, 0, (tw->mask + 1) / 8);
	tw->armed = 0;
}

/* The slot tick a deadline files into: not before cur, not past the horizon. */
static inline uint32_t
file_tick(const struct ft_twheel *tw, uint32_t deadline)
{
	if (ft_tick_before(deadline, tw->cur))
		return tw->cur;
	if (deadline - tw->cur > tw->mask)
		return tw->cur + tw->mask;
	return deadline;
}

static inline void
slot_push(struct ft_twheel *tw, uint32_t id, struct ft_tw_link *l, uint32_t tick)
{
	uint32_t slot = tick & tw->mask;
	uint32_t head = tw->heads[slot];
	struct ft_tw_chain *c = &tw->chain[id];

	l->filed = tick;
	c->prev = FT_TW_NIL;
	c->next = head;
	if (head != FT_TW_NIL)
		tw->chain[head].prev = id;
	else
		tw->bitmap[slot >> 6] |= UINT64_C(1) << (slot & 63);
	tw->heads[slot] = id;
}

static inline void
slot_unlink(struct ft_twheel *tw, uint32_t id, uint32_t filed)
{
	uint32_t slot = filed & tw->mask;
	struct ft_tw_chain *c = &tw->chain[id];

	if (c->prev != FT_TW_NIL)
		tw->chain[c->prev].next = c->next;
	else {
		tw->heads[slot] = c->next;
		if (c->next == FT_TW_NIL)
			tw->bitmap[slot >> 6] &= ~(UINT64_C(1) << (slot & 63));
	}
	if (c->next != FT_TW_NIL)
		tw->chain[c->next].prev = c->prev;
	c->next = FT_TW_OFF;
}

void
ft_twheel_start(struct ft_twheel *tw, uint32_t id, uint32_t deadline)
{
	struct ft_tw_link *l = ft_twheel_link(tw, id);

	l->deadline = deadline;
	slot_push(tw, id, l, file_tick(tw, deadline));
	tw->armed++;
}

void
ft_twheel_stop(struct ft_twheel *tw, uint32_t id)
{
	if (tw->chain[id].next == FT_TW_OFF)
		return;
	slot_unlink(tw, id, ft_twheel_link(tw, id)->filed);
	tw->armed--;
}

void
ft_twheel_move(struct ft_twheel *tw, uint32_t id, uint32_t deadline)
{
	struct ft_tw_link *l = ft_twheel_link(tw, id);

	slot_unlink(tw, id, l->filed);
	slot_push(tw, id, l, file_tick(tw, deadline));
}

void
ft_twheel_update(struct ft_twheel *tw, uint32_t id, uint32_t deadline)
{
	if (tw->chain[id].next == FT_TW_OFF) {
		ft_twheel_start(tw, id, deadline);
		return;
	}
	/* Later than where it is filed: the slot will re-file it when it comes round. */
	ft_twheel_rearm(tw, id, deadline);
}

/* First non-empty slot at or after tick from, scanning at most span slots. */
static int
find_slot(const struct ft_twheel *tw, uint32_t from, uint32_t span, uint32_t *tick)
{
	uint32_t done = 0;

	if (span > tw->mask + 1)
		span = tw->mask + 1;
	while (done < span) {
		uint32_t slot = (from + done) & tw->mask;
		uint64_t word = tw->bitmap[slot >> 6] >> (slot & 63);

		if (word != 0) {
			uint32_t skip = (uint32_t)__builtin_ctzll(word);

			if (done + skip >= span)
				return -ENOENT;
			*tick = from + done + skip;
			return 0;
		}
		done += 64 - (slot & 63);
	}
	return -ENOENT;
}

uint32_t
ft_twheel_expire(struct ft_twheel *tw, uint32_t now, uint32_t *out, uint32_t budget)
{
	uint32_t n = 0, moved = 0;
	/* Re-filing is cheaper than expiring but is work too: bound it as well. */
	uint32_t move_budget = budget * 4;

	while (n < budget && !ft_tick_after(tw->cur, now)) {
		uint32_t tick, slot, id, k, i, got;

		if (tw->armed == 0) {
			tw->cur = now + 1;
			break;
		}
		if (find_slot(tw, tw->cur, now - tw->cur + 1, &tick) < 0) {
			tw->cur = now + 1;
			break;
		}
		tw->cur = tick;
		slot = tick & tw->mask;
		/*
		 * Detach up to the budget's worth of the slot's list, walking only the
		 * dense links, and start each element's miss; then judge them all.
		 */
		k = 0;
		id = tw->heads[slot];
		while (n + k < budget && id != FT_TW_NIL) {
			out[n + k++] = id;
			rte_prefetch0(ft_twheel_link(tw, id));
			id = tw->chain[id].next;
		}
		tw->heads[slot] = id;
		if (id != FT_TW_NIL)
			tw->chain[id].prev = FT_TW_NIL;
		else
			tw->bitmap[slot >> 6] &= ~(UINT64_C(1) << (slot & 63));
		got = n;
		for (i = n; i < n + k; i++) {
			uint32_t e = out[i];
			struct ft_tw_link *l = ft_twheel_link(tw, e);

			if (ft_tick_after(l->deadline, tick)) {
				/* Lazily re-armed, or parked at the horizon: file it where it belongs. */
				slot_push(tw, e, l, file_tick(tw, l->deadline));
				tw->refiled++;
				moved++;
				continue;
			}
			tw->chain[e].next = FT_TW_OFF;
			tw->armed--;
			out[got++] = e;
		}
		n = got;
		if (tw->heads[slot] == FT_TW_NIL)
			tw->cur = tick + 1;
		if (moved >= move_budget)
			break;
	}
	return n;
}

int
ft_twheel_pending(const struct ft_twheel *tw, uint32_t now)
{
	uint32_t tick;

	if (tw->armed == 0 || ft_tick_after(tw->cur, now))
		return 0;
	return find_slot(tw, tw->cur, now - tw->cur + 1, &tick) == 0;
}

int
ft_twheel_next(const struct ft_twheel *tw, uint32_t *tick)
{
	if (tw->armed == 0)
		return -ENOENT;
	return find_slot(tw, tw->cur, tw->mask + 1, tick);
}

uint32_t
ft_twheel_walk(const struct ft_twheel *tw, ft_twheel_walk_fn *fn, void *arg, uint32_t max)
{
	uint32_t seen = 0, done = 0, tick;

	while (seen < max && done <= tw->mask &&
			find_slot(tw, tw->cur + done, tw->mask + 1 - done, &tick) == 0) {
		uint32_t id = tw->heads[tick & tw->mask];

		while (id != FT_TW_NIL && seen < max) {
			uint32_t next = tw->chain[id].next;

			seen++;
			if (fn(arg, id) != 0)
				return seen;
			id = next;
		}
		done = tick - tw->cur + 1;
	}
	return seen;
}

int
ft_twheel_check(const struct ft_twheel *tw, uint32_t id)
{
	const struct ft_tw_link *l;
	const struct ft_tw_chain *c;
	uint32_t slot;

	if (id >= tw->nelem || !ft_twheel_armed(tw, id))
		return -ENOENT;
	l = ft_twheel_link(tw, id);
	c = ft_twheel_chain(tw, id);
	slot = l->filed & tw->mask;
	/* Filed in [cur, cur + slots): the slot has not been passed and is not ambiguous. */
	if (l->filed - tw->cur > tw->mask)
		return -ERANGE;
	if (!(tw->bitmap[slot >> 6] & (UINT64_C(1) << (slot & 63))))
		return -EFAULT;
	if (c->prev == FT_TW_NIL) {
		if (tw->heads[slot] != id)
			return -EFAULT;
	} else if (c->prev >= tw->nelem || tw->chain[c->prev].next != id ||
			ft_twheel_link(tw, c->prev)->filed != l->filed) {
		return -EFAULT;
	}
	if (c->next != FT_TW_NIL && (c->next >= tw->nelem || tw->chain[c->next].prev != id))
		return -EFAULT;
	return 0;
}
