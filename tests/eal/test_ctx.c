/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * The tenant context map: identities to dense ids, the same id for the same
 * identity whoever asks, a full map refusing new ones, the cache, and the
 * identity and tunnel strings reports show.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memory.h>

#include "ft_ctx.h"

/* A parsed segment of a tunnel chain: kinds and ids, outermost first. */
static void
tunnelled(struct ft_pkt *p, unsigned int n, const uint8_t *kind, const uint32_t *id)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->key.v4.proto = 6;
	p->tun_n = (uint8_t)n;
	for (i = 0; i < n; i++) {
		p->tun[i].kind = kind[i];
		if (kind[i] == FT_TUN_GWLB) {
			p->tun[i].id_len = 16;
			p->tun[i].id[7] = (uint8_t)id[i];
			p->tun[i].id[15] = 0x99;
		} else if (id[i] != 0) {
			p->tun[i].id_len = kind[i] == FT_TUN_GRE ? 4 : 3;
			p->tun[i].id[p->tun[i].id_len - 2] = (uint8_t)(id[i] >> 8);
			p->tun[i].id[p->tun[i].id_len - 1] = (uint8_t)id[i];
		}
	}
}

static uint32_t
resolve(struct ft_ctx_map *m, struct ft_ctx_cache *c, unsigned int n, const uint8_t *kind,
		const uint32_t *id)
{
	struct ft_pkt p;

	tunnelled(&p, n, kind, id);
	if (ft_ctx_resolve(m, c, &p) != FT_PKT_TCP)
		return 0;
	return ft_pkt_ctx(&p);
}

static void
test_ids_dense_and_stable(void **state)
{
	static const uint8_t vx[] = { FT_TUN_VXLAN }, gwlb_gre[] = { FT_TUN_GWLB, FT_TUN_GRE },
			     ipip[] = { FT_TUN_IPIP };
	struct ft_ctx_cache cache = { .ctx = 0 };
	struct ft_ctx_map *m;
	struct ft_ctx_key k;
	char buf[256];

	(void)state;
	m = ft_ctx_map_create("test_ctx_a", 4, SOCKET_ID_ANY);
	assert_non_null(m);
	assert_int_equal(resolve(m, NULL, 1, vx, (const uint32_t[]){ 4711 }), 1);
	assert_int_equal(resolve(m, NULL, 1, vx, (const uint32_t[]){ 4712 }), 2);
	/* The same identity again, with and without the cache: the same id. */
	assert_int_equal(resolve(m, &cache, 1, vx, (const uint32_t[]){ 4711 }), 1);
	assert_int_equal(resolve(m, &cache, 1, vx, (const uint32_t[]){ 4711 }), 1);
	assert_int_equal(resolve(m, &cache, 1, vx, (const uint32_t[]){ 4712 }), 2);
	assert_int_equal(resolve(m, NULL, 2, gwlb_gre, (const uint32_t[]){ 7, 300 }), 3);
	/* No identity: one context for the kind, never context 0. */
	assert_int_equal(resolve(m, NULL, 1, ipip, (const uint32_t[]){ 0 }), 4);
	assert_int_equal(ft_ctx_count(m), 4);
	/* Full: a new identity is refused, known ones still resolve. */
	assert_int_equal(resolve(m, NULL, 1, vx, (const uint32_t[]){ 1 }), 0);
	assert_int_equal(resolve(m, &cache, 1, ipip, (const uint32_t[]){ 0 }), 4);
	assert_int_equal(ft_ctx_count(m), 4);

	assert_int_equal(ft_ctx_get(m, 3, &k), 0);
	assert_string_equal(ft_ctx_tunnel_str(&k, buf, sizeof(buf)), "gwlb+gre");
	assert_string_equal(ft_ctx_id_str(&k, buf, sizeof(buf)),
			"endpoint=0x0000000000000007,attachment=0x0000000000000099/key=300");
	assert_int_equal(ft_ctx_get(m, 1, &k), 0);
	assert_string_equal(ft_ctx_id_str(&k, buf, sizeof(buf)), "vni=4711");
	assert_int_equal(ft_ctx_get(m, 4, &k), 0);
	assert_string_equal(ft_ctx_tunnel_str(&k, buf, sizeof(buf)), "ipip");
	assert_string_equal(ft_ctx_id_str(&k, buf, sizeof(buf)), "");
	assert_int_equal(ft_ctx_get(m, 0, &k), -ENOENT);
	assert_int_equal(ft_ctx_get(m, 5, &k), -ENOENT);
	ft_ctx_map_free(m);
}

static void
test_bad_args(void **state)
{
	(void)state;
	assert_null(ft_ctx_map_create("test_ctx_b", 0, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(ft_ctx_map_create("test_ctx_b", FT_CTX_MAX + 1, SOCKET_ID_ANY));
	assert_null(ft_ctx_map_create(NULL, 8, SOCKET_ID_ANY));
	ft_ctx_map_free(NULL);
}

/* Two lcores adding the same identities at once agree on every id. */
struct race {
	struct ft_ctx_map *m;
	uint32_t got[256];
};

static int
race_worker(void *arg)
{
	static const uint8_t vx[] = { FT_TUN_VXLAN };
	struct race *r = arg;
	struct ft_ctx_cache cache = { .ctx = 0 };
	uint32_t i;

	for (i = 0; i < RTE_DIM(r->got); i++)
		r->got[i] = resolve(r->m, &cache, 1, vx, (const uint32_t[]){ i + 1 });
	return 0;
}

static void
test_two_lcores(void **state)
{
	struct race a, b;
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	uint32_t i;

	(void)state;
	/* EAL takes every core by default; this machine has two. */
	assert_true(lcore < RTE_MAX_LCORE);
	a.m = ft_ctx_map_create("test_ctx_c", 1024, SOCKET_ID_ANY);
	assert_non_null(a.m);
	b.m = a.m;
	assert_int_equal(rte_eal_remote_launch(race_worker, &a, lcore), 0);
	race_worker(&b);
	rte_eal_wait_lcore(lcore);
	for (i = 0; i < RTE_DIM(a.got); i++) {
		assert_int_not_equal(a.got[i], 0);
		assert_int_equal(a.got[i], b.got[i]);
	}
	assert_int_equal(ft_ctx_count(a.m), RTE_DIM(a.got));
	ft_ctx_map_free(a.m);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_dense_and_stable),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_two_lcores),
	};
	int ret;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "test_ctx: cannot start the EAL (%s), skipping\n",
				rte_strerror(rte_errno));
		return 77;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
