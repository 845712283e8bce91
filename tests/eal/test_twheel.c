/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * Tests of the timer wheel. The wheel allocates its slot arrays with
 * rte_malloc, so the EAL is started first (without hugepages or PCI); a
 * machine where it cannot start skips the test with exit code 77.
 *
 * Time is driven by hand. Where a test jumps from slot to slot with
 * ft_twheel_next() it records the tick passed to ft_twheel_expire() when each
 * timer came out, which must be exactly the timer's deadline.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "ft_common.h"
#include "ft_twheel.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

#define COOKIE	 UINT64_C(0x5eedf00dcafebabe)
#define BUDGET	 64
#define MAX_JUMP 5000000

/* An element with its timer link away from the start, as the flow table has it. */
struct elem {
	uint64_t cookie;
	struct ft_tw_link link;
	uint32_t tag;
};

/* Elements, their wheel, and what the tests recorded about them. */
struct rig {
	struct elem *e;
	struct ft_twheel *tw;
	uint32_t n;
	uint32_t *fired_at; /* Tick passed to ft_twheel_expire() when the timer came out. */
	uint32_t *fired;    /* Times it came out. */
	uint32_t *order;    /* Ids in the order they came out. */
	uint32_t norder;
};

static void
rig_init(struct rig *r, uint32_t n, uint32_t nslots, uint32_t now)
{
	uint32_t i;

	memset(r, 0, sizeof(*r));
	r->n = n;
	r->e = calloc(n, sizeof(*r->e));
	r->fired_at = calloc(n, sizeof(uint32_t));
	r->fired = calloc(n, sizeof(uint32_t));
	r->order = calloc(n, sizeof(uint32_t));
	assert_non_null(r->e);
	assert_non_null(r->fired_at);
	assert_non_null(r->fired);
	assert_non_null(r->order);
	for (i = 0; i < n; i++) {
		r->e[i].cookie = COOKIE ^ i;
		r->e[i].tag = ~i;
	}
	r->tw = ft_twheel_create(r->e, sizeof(struct elem), offsetof(struct elem, link), n, nslots,
			now, SOCKET_ID_ANY);
	assert_non_null(r->tw);
	ft_twheel_init_links(r->tw);
	for (i = 0; i < n; i++)
		assert_false(ft_twheel_armed(r->tw, i));
}

/* The wheel touched nothing of an element but its link. */
static void
rig_check_cookies(const struct rig *r)
{
	uint32_t i;

	for (i = 0; i < r->n; i++) {
		if (r->e[i].cookie != (COOKIE ^ i) || r->e[i].tag != ~i)
			fail_msg("element %u outside its link was overwritten", i);
	}
}

static void
rig_fini(struct rig *r)
{
	rig_check_cookies(r);
	ft_twheel_free(r->tw);
	free(r->e);
	free(r->fired_at);
	free(r->fired);
	free(r->order);
}

/* One ft_twheel_expire() call; the ids that came out are recorded. */
static uint32_t
rig_expire(struct rig *r, uint32_t now, uint32_t budget)
{
	uint32_t out[1024], n, i;

	assert_true(budget <= DIM(out));
	n = ft_twheel_expire(r->tw, now, out, budget);
	assert_true(n <= budget);
	for (i = 0; i < n; i++) {
		assert_true(out[i] < r->n);
		assert_false(ft_twheel_armed(r->tw, out[i]));
		r->fired_at[out[i]] = now;
		r->fired[out[i]]++;
		assert_true(r->norder < r->n * 2);
		if (r->norder < r->n)
			r->order[r->norder] = out[i];
		r->norder++;
	}
	return n;
}

/* Expire until nothing up to now is left. */
static uint32_t
rig_drain(struct rig *r, uint32_t now, uint32_t budget)
{
	uint32_t total = 0, n, rounds = 0;

	do {
		n = rig_expire(r, now, budget);
		total += n;
		assert_true(++rounds < MAX_JUMP);
	} while (n > 0 || ft_twheel_pending(r->tw, now));
	return total;
}

/* Jump from one non-empty slot to the next until the wheel is empty. */
static void
rig_run_by_jumps(struct rig *r)
{
	uint32_t tick, last = 0, jumps = 0;
	int first = 1;

	while (ft_twheel_next(r->tw, &tick) == 0) {
		if (!first && ft_tick_before(tick, last))
			fail_msg("ft_twheel_next went back from %u to %u", last, tick);
		first = 0;
		last = tick;
		rig_expire(r, tick, BUDGET);
		if (++jumps > MAX_JUMP)
			fail_msg("wheel not empty after %u jumps", jumps);
	}
}

static void
test_create_bad_args(void **state)
{
	struct elem e[8];
	struct ft_twheel *tw;
	static const uint32_t bad_slots[] = { 0, 1, 32, 63, 65, 100, 1000, 3 << 10 };
	unsigned int i;

	(void)state;
	for (i = 0; i < DIM(bad_slots); i++) {
		rte_errno = 0;
		tw = ft_twheel_create(e, sizeof(e[0]), offsetof(struct elem, link), DIM(e),
				bad_slots[i], 0, SOCKET_ID_ANY);
		if (tw != NULL)
			fail_msg("created a wheel of %u slots", bad_slots[i]);
		assert_int_equal(rte_errno, EINVAL);
	}
	rte_errno = 0;
	assert_null(ft_twheel_create(NULL, sizeof(e[0]), offsetof(struct elem, link), DIM(e), 64, 0,
			SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	/* An element too small for a link, and a link that would stick out of it. */
	rte_errno = 0;
	assert_null(ft_twheel_create(e, sizeof(struct ft_tw_link) - 1, 0, DIM(e), 64, 0,
			SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(ft_twheel_create(e, sizeof(e[0]), sizeof(e[0]) - sizeof(struct ft_tw_link) + 1,
			DIM(e), 64, 0, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);

	/* The smallest valid wheel. */
	tw = ft_twheel_create(e, sizeof(e[0]), offsetof(struct elem, link), DIM(e), 64, 0,
			SOCKET_ID_ANY);
	assert_non_null(tw);
	ft_twheel_free(tw);
	ft_twheel_free(NULL);
}

static void
test_exact_tick(void **state)
{
	struct rig r;
	uint32_t tick;

	(void)state;
	rig_init(&r, 16, 1024, 1000);
	ft_twheel_start(r.tw, 3, 1100);
	ft_twheel_start(r.tw, 4, 1001);
	ft_twheel_start(r.tw, 5, 1000);
	assert_true(ft_twheel_armed(r.tw, 3));
	assert_int_equal(ft_twheel_next(r.tw, &tick), 0);
	assert_int_equal(tick, 1000);

	/* Due now: out at once. */
	assert_int_equal(rig_expire(&r, 1000, BUDGET), 1);
	assert_int_equal(r.order[0], 5);
	assert_int_equal(rig_expire(&r, 1001, BUDGET), 1);
	assert_int_equal(r.order[1], 4);

	/* Not one tick early... */
	assert_int_equal(ft_twheel_next(r.tw, &tick), 0);
	assert_int_equal(tick, 1100);
	assert_int_equal(rig_drain(&r, 1099, BUDGET), 0);
	assert_true(ft_twheel_armed(r.tw, 3));
	assert_false(ft_twheel_pending(r.tw, 1099));
	assert_true(ft_twheel_pending(r.tw, 1100));
	/* ...but at the deadline. */
	assert_int_equal(rig_expire(&r, 1100, BUDGET), 1);
	assert_int_equal(r.order[2], 3);
	assert_false(ft_twheel_armed(r.tw, 3));
	assert_int_equal(r.fired[3], 1);
	assert_int_equal(rig_drain(&r, 5000, BUDGET), 0);

	/* Re-armed after expiry, it fires again. */
	ft_twheel_start(r.tw, 3, 5003);
	assert_int_equal(rig_drain(&r, 5002, BUDGET), 0);
	assert_int_equal(rig_expire(&r, 5003, BUDGET), 1);
	assert_int_equal(r.fired[3], 2);
	rig_fini(&r);
}

static void
test_stop(void **state)
{
	struct rig r;
	uint32_t i, tick;

	(void)state;
	rig_init(&r, 16, 64, 0);
	/* Five timers in one slot: stop the head, one in the middle and the tail. */
	for (i = 0; i < 5; i++)
		ft_twheel_start(r.tw, i, 10);
	ft_twheel_start(r.tw, 7, 20);
	ft_twheel_stop(r.tw, 4);
	ft_twheel_stop(r.tw, 2);
	ft_twheel_stop(r.tw, 0);
	ft_twheel_stop(r.tw, 7);
	assert_false(ft_twheel_armed(r.tw, 0));
	assert_false(ft_twheel_armed(r.tw, 7));
	/* Stopping a timer that is not armed does nothing. */
	ft_twheel_stop(r.tw, 7);
	ft_twheel_stop(r.tw, 9);
	assert_false(ft_twheel_armed(r.tw, 9));

	assert_int_equal(rig_drain(&r, 1000, BUDGET), 2);
	assert_int_equal(r.fired[1], 1);
	assert_int_equal(r.fired[3], 1);
	assert_int_equal(r.fired[0] + r.fired[2] + r.fired[4] + r.fired[7], 0);
	assert_int_equal(ft_twheel_next(r.tw, &tick), -ENOENT);

	/* Stopped when it was the only one, then started again. */
	ft_twheel_start(r.tw, 5, 1010);
	ft_twheel_stop(r.tw, 5);
	assert_int_equal(ft_twheel_next(r.tw, &tick), -ENOENT);
	assert_int_equal(rig_drain(&r, 2000, BUDGET), 0);
	ft_twheel_start(r.tw, 5, 2010);
	assert_int_equal(rig_drain(&r, 2010, BUDGET), 1);
	assert_int_equal(r.fired_at[5], 2010);

	/* A timer stopped after a lazy re-arm never fires either. */
	ft_twheel_start(r.tw, 6, 2020);
	ft_twheel_update(r.tw, 6, 2040);
	assert_int_equal(rig_drain(&r, 2030, BUDGET), 0);
	ft_twheel_stop(r.tw, 6);
	assert_int_equal(rig_drain(&r, 3000, BUDGET), 0);
	assert_int_equal(r.fired[6], 0);
	rig_fini(&r);
}

static void
test_same_slot(void **state)
{
	struct rig r;
	uint32_t i;

	(void)state;
	rig_init(&r, 300, 256, 77);
	for (i = 0; i < 200; i++)
		ft_twheel_start(r.tw, i, 177);
	ft_twheel_start(r.tw, 250, 176);
	ft_twheel_start(r.tw, 251, 178);
	assert_int_equal(rig_expire(&r, 176, 1024), 1);
	assert_int_equal(rig_expire(&r, 177, 1024), 200);
	for (i = 0; i < 200; i++) {
		assert_int_equal(r.fired[i], 1);
		assert_int_equal(r.fired_at[i], 177);
	}
	assert_true(ft_twheel_armed(r.tw, 251));
	assert_int_equal(rig_expire(&r, 178, 1024), 1);
	rig_fini(&r);
}

static void
test_budget(void **state)
{
	struct rig r;
	uint32_t i, n, calls = 0, total = 0;

	(void)state;
	rig_init(&r, 1000, 1024, 0);
	for (i = 0; i < 1000; i++)
		ft_twheel_start(r.tw, i, 500);
	assert_false(ft_twheel_pending(r.tw, 499));
	while (total < 1000) {
		assert_true(ft_twheel_pending(r.tw, 500));
		n = rig_expire(&r, 500, 64);
		assert_int_equal(n, total + 64 <= 1000 ? 64 : 1000 - total);
		total += n;
		calls++;
	}
	assert_int_equal(calls, 16);
	assert_false(ft_twheel_pending(r.tw, 500));
	assert_int_equal(rig_expire(&r, 500, 64), 0);
	for (i = 0; i < 1000; i++)
		if (r.fired[i] != 1)
			fail_msg("timer %u came out %u times", i, r.fired[i]);
	rig_fini(&r);
}

static void
test_lazy_update(void **state)
{
	struct rig r;
	uint32_t t;

	(void)state;
	rig_init(&r, 8, 1024, 0);

	/* Later: nothing at the old deadline, out at the new one. */
	ft_twheel_start(r.tw, 1, 100);
	ft_twheel_update(r.tw, 1, 300);
	assert_int_equal(rig_drain(&r, 100, BUDGET), 0);
	assert_true(ft_twheel_armed(r.tw, 1));
	assert_int_equal(rig_drain(&r, 299, BUDGET), 0);
	assert_int_equal(rig_expire(&r, 300, BUDGET), 1);
	assert_int_equal(r.fired_at[1], 300);

	/* Earlier: out early, and not before. */
	ft_twheel_start(r.tw, 2, 800);
	ft_twheel_update(r.tw, 2, 400);
	assert_int_equal(rig_drain(&r, 399, BUDGET), 0);
	assert_int_equal(rig_expire(&r, 400, BUDGET), 1);
	assert_int_equal(r.fired_at[2], 400);
	assert_int_equal(rig_drain(&r, 1000, BUDGET), 0);

	/* Later, then earlier than the first deadline. */
	ft_twheel_start(r.tw, 3, 1100);
	ft_twheel_update(r.tw, 3, 1500);
	ft_twheel_update(r.tw, 3, 1050);
	assert_int_equal(rig_drain(&r, 1049, BUDGET), 0);
	assert_int_equal(rig_expire(&r, 1050, BUDGET), 1);
	assert_int_equal(rig_drain(&r, 2000, BUDGET), 0);

	/* Later, then earlier but still after the first deadline. */
	ft_twheel_start(r.tw, 4, 2100);
	ft_twheel_update(r.tw, 4, 2500);
	ft_twheel_update(r.tw, 4, 2200);
	assert_int_equal(rig_drain(&r, 2199, BUDGET), 0);
	assert_int_equal(rig_expire(&r, 2200, BUDGET), 1);

	/* Updating a timer that is not armed arms it. */
	ft_twheel_update(r.tw, 5, 2300);
	assert_true(ft_twheel_armed(r.tw, 5));
	assert_int_equal(rig_drain(&r, 2299, BUDGET), 0);
	assert_int_equal(rig_expire(&r, 2300, BUDGET), 1);

	/* Pushed back again and again, as a busy flow's timer is. */
	ft_twheel_start(r.tw, 6, 2400);
	for (t = 2301; t < 2900; t++) {
		assert_int_equal(rig_expire(&r, t, BUDGET), 0);
		ft_twheel_update(r.tw, 6, t + 100);
	}
	assert_int_equal(rig_drain(&r, 2998, BUDGET), 0);
	assert_int_equal(rig_expire(&r, 2999, BUDGET), 1);
	assert_int_equal(r.fired_at[6], 2999);

	assert_int_equal(r.fired[1] + r.fired[2] + r.fired[3] + r.fired[4] + r.fired[5] +
					r.fired[6],
			6);
	rig_fini(&r);
}

/* Simple deterministic PRNG (xorshift64*), so failures reproduce. */
static uint64_t prng_state;

static void
prng_seed(uint64_t seed)
{
	prng_state = seed != 0 ? seed : 1;
}

static uint32_t
prng(void)
{
	prng_state ^= prng_state >> 12;
	prng_state ^= prng_state << 25;
	prng_state ^= prng_state >> 27;
	return (uint32_t)((prng_state * UINT64_C(2685821657736338717)) >> 32);
}

static void
test_far_deadlines(void **state)
{
	static const uint32_t delta[] = {
		1,
		2,
		63,
		64,
		65,
		1000,
		1022,
		1023,
		1024,
		1025,
		2045,
		2046,
		2047,
		2048,
		2049,
		3000,
		65535,
		65536,
		100000,
		1000000,
		3600000,
		7440000,
		43199999,
		43200000,
	};
	const uint32_t now = 123456;
	const uint32_t nrand = 40;
	uint32_t deadline[DIM(delta) + 40];
	struct rig r;
	uint32_t i, n = DIM(delta) + nrand;

	(void)state;
	prng_seed(42);
	rig_init(&r, n, 1024, now);
	for (i = 0; i < n; i++) {
		deadline[i] = now + (i < DIM(delta) ? delta[i] : 1 + prng() % 43200000);
		ft_twheel_start(r.tw, i, deadline[i]);
	}
	rig_run_by_jumps(&r);
	for (i = 0; i < n; i++) {
		if (r.fired[i] != 1)
			fail_msg("timer %u (in %u ticks) came out %u times", i, deadline[i] - now,
					r.fired[i]);
		if (r.fired_at[i] != deadline[i])
			fail_msg("timer %u (in %u ticks) came out at +%u", i, deadline[i] - now,
					r.fired_at[i] - now);
	}
	/* Out in deadline order. */
	for (i = 1; i < r.norder; i++)
		assert_false(ft_tick_before(deadline[r.order[i]], deadline[r.order[i - 1]]));
	rig_fini(&r);
}

static void
test_wrap_around(void **state)
{
	static const uint32_t delta[] = {
		1,
		2,
		250,
		499,
		500,
		501,
		502,
		503,
		700,
		1023,
		1024,
		1025,
		1200,
		2000,
		5000,
		100000,
	};
	const uint32_t now = UINT32_MAX - 500;
	struct rig r;
	uint32_t i, t;
	int pass;

	(void)state;
	assert_int_equal((uint32_t)(now + 501), 0);
	for (pass = 0; pass < 2; pass++) {
		rig_init(&r, DIM(delta), 1024, now);
		/* Started in reverse order, so slot lists are not already sorted. */
		for (i = DIM(delta); i-- > 0;)
			ft_twheel_start(r.tw, i, now + delta[i]);
		if (pass == 0) {
			/* Tick by tick across the wrap. */
			for (t = now; t != now + delta[DIM(delta) - 1] + 1; t++)
				rig_expire(&r, t, BUDGET);
		} else {
			rig_run_by_jumps(&r);
		}
		assert_int_equal(r.norder, DIM(delta));
		for (i = 0; i < DIM(delta); i++) {
			assert_int_equal(r.order[i], i);
			assert_int_equal(r.fired[i], 1);
			if (r.fired_at[i] != now + delta[i])
				fail_msg("pass %d: timer %u due at %u came out at %u", pass, i,
						now + delta[i], r.fired_at[i]);
		}
		rig_fini(&r);
	}

	/* Updates across the wrap, earlier and later. */
	rig_init(&r, 4, 1024, now);
	ft_twheel_start(r.tw, 0, now + 600);
	ft_twheel_update(r.tw, 0, now + 400);
	ft_twheel_start(r.tw, 1, now + 400);
	ft_twheel_update(r.tw, 1, now + 700);
	ft_twheel_start(r.tw, 2, now + 5000);
	ft_twheel_update(r.tw, 2, now + 450);
	for (t = now; t != now + 1000; t++)
		rig_expire(&r, t, BUDGET);
	assert_int_equal(r.norder, 3);
	assert_int_equal(r.fired_at[0], now + 400);
	assert_int_equal(r.fired_at[2], now + 450);
	assert_int_equal(r.fired_at[1], now + 700);
	rig_fini(&r);
}

static void
test_next_empty(void **state)
{
	struct rig r;
	uint32_t tick = 0xabcd;

	(void)state;
	rig_init(&r, 4, 64, 500);
	assert_int_equal(ft_twheel_next(r.tw, &tick), -ENOENT);
	ft_twheel_start(r.tw, 0, 530);
	assert_int_equal(ft_twheel_next(r.tw, &tick), 0);
	assert_int_equal(tick, 530);
	ft_twheel_start(r.tw, 1, 520);
	assert_int_equal(ft_twheel_next(r.tw, &tick), 0);
	assert_int_equal(tick, 520);
	ft_twheel_stop(r.tw, 1);
	assert_int_equal(ft_twheel_next(r.tw, &tick), 0);
	assert_int_equal(tick, 530);
	ft_twheel_stop(r.tw, 0);
	assert_int_equal(ft_twheel_next(r.tw, &tick), -ENOENT);
	/* Beyond the span of a 64-slot wheel it names the horizon slot, not later. */
	ft_twheel_start(r.tw, 2, 500 + 10000);
	assert_int_equal(ft_twheel_next(r.tw, &tick), 0);
	assert_true(!ft_tick_before(tick, 500) && !ft_tick_after(tick, 500 + 63));
	assert_int_equal(rig_drain(&r, 500 + 10000, BUDGET), 1);
	assert_int_equal(ft_twheel_next(r.tw, &tick), -ENOENT);
	/* The clock can be set again once the wheel is empty, not while a timer is armed. */
	ft_twheel_start(r.tw, 3, 20000);
	assert_int_equal(ft_twheel_set_time(r.tw, 7), -EBUSY);
	ft_twheel_stop(r.tw, 3);
	assert_int_equal(ft_twheel_set_time(r.tw, 7), 0);
	ft_twheel_start(r.tw, 3, 9);
	assert_int_equal(ft_twheel_next(r.tw, &tick), 0);
	assert_int_equal(tick, 9);
	assert_int_equal(rig_drain(&r, 8, BUDGET), 0);
	assert_int_equal(rig_drain(&r, 9, BUDGET), 1);
	rig_fini(&r);
}

struct walk_state {
	uint32_t seen[256];
	uint32_t nseen;
	uint32_t stop_at; /* Stop after this many visits (0: never). */
};

static int
walk_cb(void *arg, uint32_t id)
{
	struct walk_state *w = arg;

	assert_true(w->nseen < DIM(w->seen));
	w->seen[w->nseen++] = id;
	return w->stop_at != 0 && w->nseen == w->stop_at;
}

static void
test_walk(void **state)
{
	const uint32_t starts[] = { 50, UINT32_MAX - 300 };
	uint32_t deadline[128], perm[128];
	struct walk_state w;
	struct rig r;
	uint32_t i, j, tmp, now;
	unsigned int k;

	(void)state;
	prng_seed(7);
	for (k = 0; k < DIM(starts); k++) {
		now = starts[k];
		rig_init(&r, DIM(deadline), 1024, now);
		/*
		 * Distinct deadlines up to 890 ticks ahead, in pairs on adjacent ticks,
		 * and three sharing the last one.
		 */
		for (i = 0; i < DIM(deadline); i++) {
			deadline[i] = now + 1 + (i - i % 2) * 7 + i % 2;
			perm[i] = i;
		}
		deadline[DIM(deadline) - 1] = deadline[DIM(deadline) - 2];
		deadline[DIM(deadline) - 3] = deadline[DIM(deadline) - 2];
		for (i = DIM(perm) - 1; i > 0; i--) {
			j = prng() % (i + 1);
			tmp = perm[i];
			perm[i] = perm[j];
			perm[j] = tmp;
		}
		for (i = 0; i < DIM(perm); i++)
			ft_twheel_start(r.tw, perm[i], deadline[perm[i]]);

		/* Everything, soonest first. */
		memset(&w, 0, sizeof(w));
		assert_int_equal(ft_twheel_walk(r.tw, walk_cb, &w, UINT32_MAX), DIM(deadline));
		assert_int_equal(w.nseen, DIM(deadline));
		for (i = 0; i < w.nseen; i++) {
			if (i > 0 && ft_tick_before(deadline[w.seen[i]], deadline[w.seen[i - 1]]))
				fail_msg("walk from %u: visit %u (due %u) after one due %u", now, i,
						deadline[w.seen[i]], deadline[w.seen[i - 1]]);
			if (i < DIM(deadline) - 3)
				assert_int_equal(w.seen[i], i);
		}

		/* The callback stops the walk. */
		memset(&w, 0, sizeof(w));
		w.stop_at = 10;
		assert_int_equal(ft_twheel_walk(r.tw, walk_cb, &w, UINT32_MAX), 10);
		assert_int_equal(w.nseen, 10);
		for (i = 0; i < 10; i++)
			assert_int_equal(w.seen[i], i);
		memset(&w, 0, sizeof(w));
		w.stop_at = 1;
		assert_int_equal(ft_twheel_walk(r.tw, walk_cb, &w, UINT32_MAX), 1);
		assert_int_equal(w.seen[0], 0);

		/* So does max. */
		memset(&w, 0, sizeof(w));
		assert_int_equal(ft_twheel_walk(r.tw, walk_cb, &w, 5), 5);
		assert_int_equal(w.nseen, 5);
		for (i = 0; i < 5; i++)
			assert_int_equal(w.seen[i], i);

		/* The walk disarms nothing; after expiring the first half it sees the rest. */
		for (i = 0; i < DIM(deadline); i++)
			assert_true(ft_twheel_armed(r.tw, i));
		assert_int_equal(rig_drain(&r, deadline[63], BUDGET), 64);
		memset(&w, 0, sizeof(w));
		assert_int_equal(ft_twheel_walk(r.tw, walk_cb, &w, UINT32_MAX), DIM(deadline) - 64);
		assert_int_equal(w.seen[0], 64);
		rig_fini(&r);
	}

	/* An empty wheel visits nothing. */
	rig_init(&r, 4, 64, 0);
	memset(&w, 0, sizeof(w));
	assert_int_equal(ft_twheel_walk(r.tw, walk_cb, &w, UINT32_MAX), 0);
	assert_int_equal(w.nseen, 0);
	rig_fini(&r);
}

#define MODEL_N	  256
#define MODEL_OPS 100000

/* A deadline relative to now: mostly near, sometimes past the span, sometimes already past. */
static uint32_t
model_deadline(uint32_t now)
{
	uint32_t r = prng() % 100;

	if (r < 60)
		return now + prng() % 300;
	if (r < 85)
		return now + prng() % 5000;
	if (r < 95)
		return now + prng() % 200000;
	return now - prng() % 1000;
}

static uint32_t
model_advance(void)
{
	uint32_t r = prng() % 100;

	if (r < 80)
		return 1 + prng() % 50;
	if (r < 98)
		return 1 + prng() % 3000;
	return 1 + prng() % 150000;
}

/* The reference: a deadline and an armed flag per element, and the last tick expired. */
struct model {
	uint32_t dl[MODEL_N];
	uint8_t armed[MODEL_N];
	uint32_t now;
	uint32_t op;
	uint64_t fired;
};

/* Expire up to m->now until nothing is pending; check every id against the model. */
static void
model_expire(struct model *m, struct ft_twheel *tw, uint32_t budget)
{
	uint32_t out[MODEL_N], n, i, id, rounds = 0;

	do {
		n = ft_twheel_expire(tw, m->now, out, budget);
		assert_true(n <= budget);
		for (i = 0; i < n; i++) {
			id = out[i];
			assert_true(id < MODEL_N);
			if (!m->armed[id] || ft_tick_after(m->dl[id], m->now))
				fail_msg("op %u now %u: timer %u out (armed %u, due %u)", m->op,
						m->now, id, m->armed[id], m->dl[id]);
			m->armed[id] = 0;
		}
		m->fired += n;
		assert_true(++rounds < 1000000);
	} while (n > 0 || ft_twheel_pending(tw, m->now));

	for (id = 0; id < MODEL_N; id++) {
		if (m->armed[id] && !ft_tick_after(m->dl[id], m->now))
			fail_msg("op %u now %u: timer %u due %u did not come out", m->op, m->now,
					id, m->dl[id]);
		if (m->armed[id] != ft_twheel_armed(tw, id))
			fail_msg("op %u: timer %u armed %d in the wheel, %u in the model", m->op,
					id, ft_twheel_armed(tw, id), m->armed[id]);
	}
}

/* ft_twheel_next() never names a tick after the earliest deadline, nor one already expired. */
static void
model_check_next(const struct model *m, const struct ft_twheel *tw)
{
	uint32_t soonest = 0, eff, tick, id;
	int any = 0;

	for (id = 0; id < MODEL_N; id++) {
		if (!m->armed[id])
			continue;
		/* A deadline already passed is due at the next tick processed. */
		eff = ft_tick_after(m->dl[id], m->now) ? m->dl[id] : m->now + 1;
		if (!any || ft_tick_before(eff, soonest))
			soonest = eff;
		any = 1;
	}
	if (!any) {
		assert_int_equal(ft_twheel_next(tw, &tick), -ENOENT);
		return;
	}
	assert_int_equal(ft_twheel_next(tw, &tick), 0);
	if (ft_tick_after(tick, soonest) || ft_tick_before(tick, m->now + 1))
		fail_msg("op %u now %u: next slot %u, soonest deadline %u", m->op, m->now, tick,
				soonest);
}

/*
 * Random starts, stops, updates and clock jumps on a 256-slot wheel, checked
 * against an array of deadlines: each expiry returns exactly the armed timers
 * whose deadline is not after now, each once. The clock starts 3M ticks
 * before the wrap and crosses it.
 */
static void
test_random_model(void **state)
{
	static struct model m;
	const uint32_t start = UINT32_MAX - 3000000;
	uint32_t id, kind, budget, expiries = 0;
	struct rig r;

	(void)state;
	prng_seed(UINT64_C(0x2545f4914f6cdd1d));
	memset(&m, 0, sizeof(m));
	rig_init(&r, MODEL_N, 256, start);
	/* The first expiry may be at the start tick; afterwards the clock always moves on. */
	m.now = start - 1;
	for (m.op = 0; m.op < MODEL_OPS; m.op++) {
		kind = prng() % 10;
		id = prng() % MODEL_N;
		if (kind < 3) {
			m.dl[id] = model_deadline(m.now);
			if (m.armed[id])
				ft_twheel_update(r.tw, id, m.dl[id]);
			else
				ft_twheel_start(r.tw, id, m.dl[id]);
			m.armed[id] = 1;
		} else if (kind < 4) {
			m.dl[id] = model_deadline(m.now);
			ft_twheel_update(r.tw, id, m.dl[id]);
			m.armed[id] = 1;
		} else if (kind < 5) {
			ft_twheel_stop(r.tw, id);
			m.armed[id] = 0;
		} else {
			m.now += model_advance();
			budget = prng() % 4 == 0 ? 1 + prng() % 8 : MODEL_N;
			model_expire(&m, r.tw, budget);
			expiries++;
		}
		if (m.op % 16 == 0)
			model_check_next(&m, r.tw);
	}
	/* The run crossed the wrap of the clock and fired plenty. */
	assert_true(m.now < start);
	assert_true(expiries > MODEL_OPS / 3);
	assert_true(m.fired > MODEL_OPS / 10);
	rig_fini(&r);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest api_tests[] = {
		cmocka_unit_test(test_create_bad_args),
		cmocka_unit_test(test_exact_tick),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_same_slot),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_lazy_update),
		cmocka_unit_test(test_next_empty),
		cmocka_unit_test(test_walk),
	};
	const struct CMUnitTest time_tests[] = {
		cmocka_unit_test(test_far_deadlines),
		cmocka_unit_test(test_wrap_around),
		cmocka_unit_test(test_random_model),
	};
	int ret;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "test_twheel: cannot start the EAL (%s), skipping\n",
				rte_strerror(rte_errno));
		return 77;
	}
	ret = cmocka_run_group_tests_name("twheel_api", api_tests, NULL, NULL);
	ret += cmocka_run_group_tests_name("twheel_time", time_tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
