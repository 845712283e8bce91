/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * The flow table on its own: creation and its errors, ids of both families,
 * single and bulk lookups, a full table, deletes, releases and flushes, and
 * the deferred reuse of deleted positions behind a lock-free reader.
 */

#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "ft_flow.h"
#include "ft_pkt.h"
#include "ft_test_pkt.h"

/* More keys than any table of these tests holds. */
#define KEYS_MAX 4096

static struct ft_flow_table *tab;

/* A name no other table of this process has. */
static const char *
table_name(void)
{
	static unsigned int seq;
	static char name[32];

	snprintf(name, sizeof(name), "tf%u", seq++);
	return name;
}

static struct ft_flow_table *
table_new(uint32_t max_v4, uint32_t max_v6)
{
	return ft_flow_table_create(table_name(), max_v4, max_v6, 2, SOCKET_ID_ANY);
}

static int
teardown(void **state)
{
	(void)state;
	ft_flow_table_free(tab);
	tab = NULL;
	return 0;
}

/* The i-th IPv4 key: distinct for every i. */
static void
key4(struct ft_pkt *p, uint32_t i)
{
	memset(p, 0, sizeof(*p));
	p->key.v4.addr[0] = rte_cpu_to_be_32(0x0a000000 | (i >> 16));
	p->key.v4.addr[1] = rte_cpu_to_be_32(0xc6130001);
	p->key.v4.port[0] = rte_cpu_to_be_16((uint16_t)i);
	p->key.v4.port[1] = rte_cpu_to_be_16(80);
	p->key.v4.proto = IPPROTO_TCP;
}

/* The i-th IPv6 key: distinct for every i, and from every IPv4 key. */
static void
key6(struct ft_pkt *p, uint32_t i)
{
	memset(p, 0, sizeof(*p));
	p->is_v6 = 1;
	p->key.v6.addr[0][0] = 0x20;
	p->key.v6.addr[0][1] = 0x01;
	p->key.v6.addr[0][12] = (uint8_t)(i >> 24);
	p->key.v6.addr[0][13] = (uint8_t)(i >> 16);
	p->key.v6.addr[0][14] = (uint8_t)(i >> 8);
	p->key.v6.addr[0][15] = (uint8_t)i;
	p->key.v6.addr[1][0] = 0x20;
	p->key.v6.addr[1][1] = 0x01;
	p->key.v6.addr[1][15] = 0xfe;
	p->key.v6.port[0] = rte_cpu_to_be_16(40000);
	p->key.v6.port[1] = rte_cpu_to_be_16(443);
	p->key.v6.proto = IPPROTO_TCP;
}

static int32_t
add4(uint32_t i)
{
	struct ft_pkt p;

	key4(&p, i);
	return ft_flow_table_add(tab, &p);
}

static int32_t
add6(uint32_t i)
{
	struct ft_pkt p;

	key6(&p, i);
	return ft_flow_table_add(tab, &p);
}

static int32_t
lookup4(uint32_t i)
{
	struct ft_pkt p;

	key4(&p, i);
	return ft_flow_table_lookup(tab, &p);
}

static int32_t
lookup6(uint32_t i)
{
	struct ft_pkt p;

	key6(&p, i);
	return ft_flow_table_lookup(tab, &p);
}

/* Both key accessors give back key i of flow id, of the family asked. */
static void
assert_key(uint32_t id, int v6, uint32_t i)
{
	struct ft_key4 k4;
	struct ft_key6 k6;
	struct ft_pkt p;

	if (v6)
		key6(&p, i);
	else
		key4(&p, i);
	memset(&k4, 0xa5, sizeof(k4));
	memset(&k6, 0xa5, sizeof(k6));
	assert_int_equal(ft_flow_table_key(tab, id, &k4, &k6), v6 ? 6 : 4);
	if (v6)
		assert_memory_equal(&k6, &p.key.v6, sizeof(k6));
	else
		assert_memory_equal(&k4, &p.key.v4, sizeof(k4));
	memset(&k4, 0xa5, sizeof(k4));
	memset(&k6, 0xa5, sizeof(k6));
	assert_int_equal(ft_flow_table_read_key(tab, id, &k4, &k6), v6 ? 6 : 4);
	if (v6)
		assert_memory_equal(&k6, &p.key.v6, sizeof(k6));
	else
		assert_memory_equal(&k4, &p.key.v4, sizeof(k4));
}

/* Flow id has no key any more, for the reader's accessor. */
static void
assert_no_key(uint32_t id)
{
	struct ft_key4 k4;
	struct ft_key6 k6;

	assert_int_equal(ft_flow_table_read_key(tab, id, &k4, &k6), -ENOENT);
	if (ft_flow_table_is_v6(tab, id))
		assert_int_equal(ft_flow_table_key(tab, id, &k4, &k6), -ENOENT);
}

/* Add IPv4 keys first..first+n-1 to a table with room for them; their ids in ids[]. */
static void
add_many4(uint32_t first, uint32_t n, int32_t *ids)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		ids[i] = add4(first + i);
		assert_in_range(ids[i], 0, 1u << 30);
	}
}

/* Add IPv4 keys from first on until the table refuses one; the answer in *last. */
static uint32_t
fill4(uint32_t first, uint32_t max_v4, int32_t *ids, int32_t *last)
{
	uint32_t n = 0;
	int32_t id;

	while ((id = add4(first + n)) >= 0) {
		/* An IPv4 id beyond max_v4 would be an IPv6 flow's slot. */
		assert_in_range(id, 0, max_v4 - 1);
		ids[n++] = id;
		assert_true(n <= KEYS_MAX);
	}
	*last = id;
	return n;
}

static void
test_create_bad_args(void **state)
{
	char name[64];

	(void)state;
	rte_errno = 0;
	assert_null(ft_flow_table_create(NULL, 64, 64, 1, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(ft_flow_table_create(table_name(), 7, 0, 1, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(ft_flow_table_create(table_name(), 0, 64, 1, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(ft_flow_table_create(table_name(), 64, 1, 1, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(ft_flow_table_create(table_name(), 64, 7, 1, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(ft_flow_table_create(table_name(), 64, 64, 0, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	/* Flow ids must stay below the timer wheel's "not armed" mark. */
	rte_errno = 0;
	assert_null(ft_flow_table_create(table_name(), UINT32_MAX - 100, 100, 1, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);

	/* The smallest tables of each kind are fine. */
	tab = ft_flow_table_create(table_name(), 8, 0, 1, SOCKET_ID_ANY);
	assert_non_null(tab);
	ft_flow_table_free(tab);
	tab = ft_flow_table_create(table_name(), 8, 8, 1, SOCKET_ID_ANY);
	assert_non_null(tab);
	ft_flow_table_free(tab);
	tab = NULL;

	/* A name in use is refused, and free again once its table is gone. */
	tab = ft_flow_table_create("tfdup", 64, 16, 1, SOCKET_ID_ANY);
	assert_non_null(tab);
	rte_errno = 0;
	assert_null(ft_flow_table_create("tfdup", 64, 16, 1, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EEXIST);
	/* The same with an IPv4-only table: its IPv4 hash table has the same name. */
	rte_errno = 0;
	assert_null(ft_flow_table_create("tfdup", 64, 0, 1, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EEXIST);
	ft_flow_table_free(tab);
	tab = ft_flow_table_create("tfdup", 64, 16, 1, SOCKET_ID_ANY);
	assert_non_null(tab);
	ft_flow_table_free(tab);
	tab = NULL;

	/* A name too long for the hash table names is refused. */
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	rte_errno = 0;
	assert_null(ft_flow_table_create(name, 64, 16, 1, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, ENAMETOOLONG);

	ft_flow_table_free(NULL);
}

static void
test_create_props(void **state)
{
	struct ft_flow *hot;
	struct ft_flow_cold *cold;
	struct ft_flow_table *small;
	uint32_t id;

	(void)state;
	tab = table_new(100, 40);
	assert_non_null(tab);
	assert_int_equal(ft_flow_table_capacity(tab), 140);
	assert_int_equal(ft_flow_table_count(tab), 0);
	assert_int_equal(ft_flow_table_released(tab), 0);
	assert_int_equal(ft_flow_table_busy(tab), 0);
	assert_false(ft_flow_table_is_v6(tab, 0));
	assert_false(ft_flow_table_is_v6(tab, 99));
	assert_true(ft_flow_table_is_v6(tab, 100));
	assert_true(ft_flow_table_is_v6(tab, 139));
	/* The slot arrays are part of what the table took, and start zeroed. */
	assert_true(ft_flow_table_mem_bytes(tab) >=
			140 * (sizeof(struct ft_flow) + sizeof(struct ft_flow_cold)));
	hot = ft_flow_table_hot(tab);
	cold = ft_flow_table_cold(tab);
	assert_non_null(hot);
	assert_non_null(cold);
	assert_true(((uintptr_t)hot & (RTE_CACHE_LINE_SIZE - 1)) == 0);
	for (id = 0; id < 140; id++) {
		assert_int_equal(hot[id].flags, 0);
		assert_int_equal(cold[id].start_ns, 0);
	}
	/* Nothing was ever added: no slot has a key for a reader. */
	for (id = 0; id < 140; id++)
		assert_no_key(id);

	/* A larger table takes more memory. */
	small = ft_flow_table_create(table_name(), 8, 0, 1, SOCKET_ID_ANY);
	assert_non_null(small);
	assert_true(ft_flow_table_mem_bytes(small) > 0);
	assert_true(ft_flow_table_mem_bytes(small) < ft_flow_table_mem_bytes(tab));
	assert_int_equal(ft_flow_table_capacity(small), 8);
	assert_true(ft_flow_table_is_v6(small, 8));
	ft_flow_table_free(small);
}

static void
test_add_ids(void **state)
{
	int32_t id4[40], id6[20];
	uint32_t i, j;

	(void)state;
	tab = table_new(64, 32);
	assert_non_null(tab);
	for (i = 0; i < 40; i++) {
		id4[i] = add4(i);
		assert_in_range(id4[i], 0, 63);
		assert_false(ft_flow_table_is_v6(tab, (uint32_t)id4[i]));
	}
	for (i = 0; i < 20; i++) {
		id6[i] = add6(i);
		assert_in_range(id6[i], 64, 95);
		assert_true(ft_flow_table_is_v6(tab, (uint32_t)id6[i]));
	}
	assert_int_equal(ft_flow_table_count(tab), 60);
	/* Every key has an id of its own. */
	for (i = 0; i < 40; i++)
		for (j = i + 1; j < 40; j++)
			assert_int_not_equal(id4[i], id4[j]);
	for (i = 0; i < 20; i++)
		for (j = i + 1; j < 20; j++)
			assert_int_not_equal(id6[i], id6[j]);
	/* Adding a present key gives its id and adds nothing. */
	for (i = 0; i < 40; i++)
		assert_int_equal(add4(i), id4[i]);
	for (i = 0; i < 20; i++)
		assert_int_equal(add6(i), id6[i]);
	assert_int_equal(ft_flow_table_count(tab), 60);
	/* Lookups find the same ids; other keys are absent. */
	for (i = 0; i < 40; i++)
		assert_int_equal(lookup4(i), id4[i]);
	for (i = 0; i < 20; i++)
		assert_int_equal(lookup6(i), id6[i]);
	assert_int_equal(lookup4(40), -ENOENT);
	assert_int_equal(lookup4(1000), -ENOENT);
	assert_int_equal(lookup6(20), -ENOENT);
	/* The IPv4 key i and the IPv6 key i are different flows. */
	assert_int_equal(lookup6(39), -ENOENT);
	/* The owner's and the reader's accessors give the keys back. */
	for (i = 0; i < 40; i++)
		assert_key((uint32_t)id4[i], 0, i);
	for (i = 0; i < 20; i++)
		assert_key((uint32_t)id6[i], 1, i);
	/* Past the capacity there is no key. */
	assert_no_key(96);
	assert_no_key(UINT32_MAX - 2);
}

static void
test_lookup_bulk(void **state)
{
	struct ft_pkt pkts[FT_FLOW_BULK];
	const struct ft_key4 *keys[FT_FLOW_BULK];
	uint8_t status[FT_FLOW_BULK];
	int32_t ids[FT_FLOW_BULK], kids[FT_FLOW_BULK], want[FT_FLOW_BULK];
	uint32_t i;

	(void)state;
	tab = table_new(128, 64);
	assert_non_null(tab);
	/* Even keys are present, odd ones absent, in both families. */
	for (i = 0; i < 100; i += 2)
		assert_true(add4(i) >= 0);
	for (i = 0; i < 40; i += 2)
		assert_true(add6(i) >= 0);

	/* A mixed batch: both families, present and absent, and packets that are not TCP. */
	for (i = 0; i < FT_FLOW_BULK; i++) {
		uint32_t k = i % 3 == 0 ? i % 40 : i;

		if (i % 3 == 0)
			key6(&pkts[i], k);
		else
			key4(&pkts[i], k);
		status[i] = FT_PKT_TCP;
		want[i] = ft_flow_table_lookup(tab, &pkts[i]);
		if (k % 2 == 0)
			assert_in_range(want[i], i % 3 == 0 ? 128 : 0, i % 3 == 0 ? 191 : 127);
		else
			assert_int_equal(want[i], -ENOENT);
		if (i % 7 == 5) {
			/* A key that is not of a TCP segment is not looked up, present or not. */
			status[i] = i % 4 < 2 ? FT_PKT_NOT_TCP : FT_PKT_ERR_TRUNC_TCP;
			want[i] = -ENOENT;
		}
	}
	memset(ids, 0x5a, sizeof(ids));
	ft_flow_table_lookup_bulk(tab, pkts, status, FT_FLOW_BULK, ids);
	assert_memory_equal(ids, want, sizeof(ids));
	/* Every kind of answer is in the batch. */
	assert_true(ids[0] >= 128 && ids[2] >= 0 && ids[2] < 128 && ids[1] == -ENOENT);
	assert_true(ids[3] == -ENOENT && ids[12] == -ENOENT && ids[6] >= 128);
	assert_true(ids[26] == -ENOENT && ids[40] == -ENOENT && ids[54] == -ENOENT);
	assert_true(ft_flow_table_lookup(tab, &pkts[12]) >= 128);
	assert_true(ft_flow_table_lookup(tab, &pkts[26]) >= 0);
	assert_true(ft_flow_table_lookup(tab, &pkts[40]) >= 0);
	assert_true(ft_flow_table_lookup(tab, &pkts[54]) >= 128);

	/* IPv4 TCP only (the common burst), partly absent, and a shorter batch. */
	for (i = 0; i < FT_FLOW_BULK; i++) {
		key4(&pkts[i], i + 37);
		status[i] = FT_PKT_TCP;
		want[i] = ft_flow_table_lookup(tab, &pkts[i]);
		if ((i + 37) % 2 == 0 && i + 37 < 100)
			assert_in_range(want[i], 0, 127);
		else
			assert_int_equal(want[i], -ENOENT);
		keys[i] = &pkts[i].key.v4;
	}
	memset(ids, 0x5a, sizeof(ids));
	ft_flow_table_lookup_bulk(tab, pkts, status, FT_FLOW_BULK, ids);
	assert_memory_equal(ids, want, sizeof(ids));
	memset(ids, 0x5a, sizeof(ids));
	ft_flow_table_lookup_bulk(tab, pkts, status, 5, ids);
	assert_memory_equal(ids, want, 5 * sizeof(ids[0]));
	assert_int_equal(ids[5], 0x5a5a5a5a);
	/* The bare key lookup agrees. */
	assert_int_equal(ft_flow_table_lookup_keys4(tab, keys, FT_FLOW_BULK, kids), 0);
	assert_memory_equal(kids, want, sizeof(kids));

	/* IPv6 only, all absent. */
	for (i = 0; i < 10; i++) {
		key6(&pkts[i], 1000 + i);
		status[i] = FT_PKT_TCP;
	}
	ft_flow_table_lookup_bulk(tab, pkts, status, 10, ids);
	for (i = 0; i < 10; i++)
		assert_int_equal(ids[i], -ENOENT);

	/* Nothing to look up. */
	ft_flow_table_lookup_bulk(tab, pkts, status, 0, ids);
}

static void
test_no_v6_table(void **state)
{
	struct ft_pkt pkts[4];
	uint8_t status[4] = { FT_PKT_TCP, FT_PKT_TCP, FT_PKT_TCP, FT_PKT_TCP };
	int32_t ids[4];
	int32_t id;

	(void)state;
	tab = table_new(16, 0);
	assert_non_null(tab);
	assert_int_equal(ft_flow_table_capacity(tab), 16);
	assert_false(ft_flow_table_is_v6(tab, 15));
	id = add4(1);
	assert_in_range(id, 0, 15);
	assert_int_equal(add6(1), -EINVAL);
	assert_int_equal(lookup6(1), -ENOENT);
	assert_int_equal(ft_flow_table_count(tab), 1);
	key6(&pkts[0], 1);
	key4(&pkts[1], 1);
	key6(&pkts[2], 2);
	key4(&pkts[3], 2);
	ft_flow_table_lookup_bulk(tab, pkts, status, 4, ids);
	assert_int_equal(ids[0], -ENOENT);
	assert_int_equal(ids[1], id);
	assert_int_equal(ids[2], -ENOENT);
	assert_int_equal(ids[3], -ENOENT);
	assert_no_key(16);
	assert_int_equal(ft_flow_table_del(tab, 16), -ENOENT);
	assert_int_equal(ft_flow_table_del(tab, (uint32_t)id), 0);
	assert_int_equal(ft_flow_table_count(tab), 0);
}

/* Frames of both directions parse into one key, which maps to one flow. */
static void
test_parsed_frames(void **state)
{
	struct ft_test_seg seg;
	uint8_t buf[FT_TEST_FRAME_MAX];
	struct ft_pkt fwd, rev;
	uint32_t len;
	int32_t id;
	int v6;

	(void)state;
	tab = table_new(64, 64);
	assert_non_null(tab);
	for (v6 = 0; v6 <= 1; v6++) {
		memset(&seg, 0, sizeof(seg));
		seg.v6 = v6;
		seg.src4 = 0xc6120001;
		seg.dst4 = 0xc6130001;
		seg.src6[0] = seg.dst6[0] = 0x20;
		seg.src6[15] = 1;
		seg.dst6[15] = 2;
		seg.sport = 40000;
		seg.dport = 80;
		seg.flags = FT_TH_SYN;
		seg.seq = 1000;
		seg.wscale = -1;
		seg.vlan = v6 ? 7 : 0;
		len = (uint32_t)ft_test_build(&seg, buf);
		assert_int_equal(ft_pkt_parse(buf, len, &fwd), FT_PKT_TCP);
		assert_int_equal(fwd.is_v6, v6);

		seg.src4 = 0xc6130001;
		seg.dst4 = 0xc6120001;
		seg.src6[15] = 2;
		seg.dst6[15] = 1;
		seg.sport = 80;
		seg.dport = 40000;
		seg.flags = FT_TH_SYN | FT_TH_ACK;
		seg.ack = 1001;
		len = (uint32_t)ft_test_build(&seg, buf);
		assert_int_equal(ft_pkt_parse(buf, len, &rev), FT_PKT_TCP);
		assert_int_not_equal(fwd.dir, rev.dir);

		assert_int_equal(ft_flow_table_lookup(tab, &rev), -ENOENT);
		id = ft_flow_table_add(tab, &fwd);
		assert_true(v6 ? id >= 64 && id < 128 : id >= 0 && id < 64);
		assert_int_equal(ft_flow_table_lookup(tab, &rev), id);
		assert_int_equal(ft_flow_table_add(tab, &rev), id);
	}
	assert_int_equal(ft_flow_table_count(tab), 2);
}

static void
test_full_table(void **state)
{
	static int32_t ids[KEYS_MAX];
	uint32_t n, n6, i;
	int32_t last, id, freed;

	(void)state;
	tab = table_new(100, 24);
	assert_non_null(tab);
	n = fill4(0, 100, ids, &last);
	assert_int_equal(last, -ENOSPC);
	assert_true(n >= 100);
	assert_int_equal(ft_flow_table_count(tab), n);
	/* Full, and still full: no position leaks. */
	assert_int_equal(add4(KEYS_MAX + 1), -ENOSPC);
	assert_int_equal(ft_flow_table_count(tab), n);
	/* Present keys are still found, by add too. */
	for (i = 0; i < n; i++)
		assert_int_equal(add4(i), ids[i]);
	/* The other family has its own room. */
	id = add6(0);
	assert_in_range(id, 100, 123);

	/* Deleting one makes room for exactly one, at the freed position. */
	freed = ids[n / 2];
	assert_int_equal(ft_flow_table_del(tab, (uint32_t)freed), 0);
	assert_int_equal(lookup4(n / 2), -ENOENT);
	assert_int_equal(ft_flow_table_count(tab), n); /* n - 1 IPv4 + 1 IPv6. */
	assert_int_equal(add4(KEYS_MAX + 2), freed);
	assert_int_equal(add4(KEYS_MAX + 3), -ENOSPC);
	assert_key((uint32_t)freed, 0, KEYS_MAX + 2);
	/* Without readers nothing ever waits. */
	assert_int_equal(ft_flow_table_busy(tab), 0);

	/* The IPv6 table fills the same way. */
	n6 = 1;
	while ((id = add6(n6)) >= 0) {
		assert_in_range(id, 100, 123);
		n6++;
		assert_true(n6 <= KEYS_MAX);
	}
	assert_int_equal(id, -ENOSPC);
	assert_true(n6 >= 24);
	assert_int_equal(ft_flow_table_count(tab), n + n6);
}

static void
test_del(void **state)
{
	int32_t id4[10], id6[5], id;
	uint32_t i;

	(void)state;
	tab = table_new(64, 32);
	assert_non_null(tab);
	add_many4(0, 10, id4);
	for (i = 0; i < 5; i++)
		id6[i] = add6(i);
	assert_int_equal(ft_flow_table_count(tab), 15);

	assert_int_equal(ft_flow_table_del(tab, (uint32_t)id4[3]), 0);
	assert_int_equal(lookup4(3), -ENOENT);
	assert_no_key((uint32_t)id4[3]);
	assert_int_equal(ft_flow_table_count(tab), 14);
	assert_int_equal(ft_flow_table_del(tab, (uint32_t)id4[3]), -ENOENT);
	assert_int_equal(ft_flow_table_count(tab), 14);

	assert_int_equal(ft_flow_table_del(tab, (uint32_t)id6[2]), 0);
	assert_int_equal(lookup6(2), -ENOENT);
	assert_no_key((uint32_t)id6[2]);
	assert_int_equal(ft_flow_table_count(tab), 13);
	assert_int_equal(ft_flow_table_del(tab, (uint32_t)id6[2]), -ENOENT);
	/* Slots that never had a key, and ids past the capacity. */
	assert_int_equal(ft_flow_table_del(tab, 95), -ENOENT);
	assert_int_equal(ft_flow_table_del(tab, 96), -ENOENT);
	assert_int_equal(ft_flow_table_del(tab, UINT32_MAX - 2), -ENOENT);
	assert_int_equal(ft_flow_table_count(tab), 13);

	/* The rest is untouched. */
	for (i = 0; i < 10; i++)
		if (i != 3) {
			assert_int_equal(lookup4(i), id4[i]);
			assert_key((uint32_t)id4[i], 0, i);
		}
	for (i = 0; i < 5; i++)
		if (i != 2) {
			assert_int_equal(lookup6(i), id6[i]);
			assert_key((uint32_t)id6[i], 1, i);
		}
	/* A deleted key comes back as a new flow. */
	id = add4(3);
	assert_true(id >= 0);
	assert_int_equal(lookup4(3), id);
	assert_int_equal(ft_flow_table_count(tab), 14);
}

static void
test_del_bulk(void **state)
{
	static int32_t id4[100];
	int32_t id6[20];
	uint32_t del[128], n = 0, i;

	(void)state;
	tab = table_new(128, 32);
	assert_non_null(tab);
	add_many4(0, 100, id4);
	for (i = 0; i < 20; i++) {
		id6[i] = add6(i);
		assert_true(id6[i] >= 128);
	}
	/* Gone already: deleted one by one before the bulk delete. */
	assert_int_equal(ft_flow_table_del(tab, (uint32_t)id4[99]), 0);
	assert_int_equal(ft_flow_table_del(tab, (uint32_t)id6[19]), 0);
	assert_int_equal(ft_flow_table_count(tab), 118);

	/* IPv4 keys 0..69 (two rte_hash batches), IPv6 keys 0..9, interleaved. */
	for (i = 0; i < 70; i++) {
		del[n++] = (uint32_t)id4[i];
		if (i < 10)
			del[n++] = (uint32_t)id6[i];
	}
	/* Ids whose keys are gone, slots never used, and one id twice. */
	del[n++] = (uint32_t)id4[99];
	del[n++] = (uint32_t)id6[19];
	del[n++] = (uint32_t)id4[5];
	del[n++] = (uint32_t)id6[5];
	del[n++] = 127;
	del[n++] = 159;
	assert_true(n <= RTE_DIM(del));
	ft_flow_table_del_bulk(tab, del, n);

	assert_int_equal(ft_flow_table_count(tab), 118 - 80);
	for (i = 0; i < 100; i++) {
		if (i < 70 || i == 99) {
			assert_int_equal(lookup4(i), -ENOENT);
			assert_no_key((uint32_t)id4[i]);
		} else {
			assert_int_equal(lookup4(i), id4[i]);
			assert_key((uint32_t)id4[i], 0, i);
		}
	}
	for (i = 0; i < 20; i++) {
		if (i < 10 || i == 19) {
			assert_int_equal(lookup6(i), -ENOENT);
			assert_no_key((uint32_t)id6[i]);
		} else {
			assert_int_equal(lookup6(i), id6[i]);
			assert_key((uint32_t)id6[i], 1, i);
		}
	}
	/* Nothing to delete. */
	ft_flow_table_del_bulk(tab, del, 0);
	assert_int_equal(ft_flow_table_count(tab), 38);
	/* All of it again: every key is gone already, nothing else is touched. */
	ft_flow_table_del_bulk(tab, del, n);
	assert_int_equal(ft_flow_table_count(tab), 38);
	/* The freed positions are reusable: the table takes 128 IPv4 keys again. */
	add_many4(1000, 128 - 29, id4);
	assert_int_equal(add4(5000), -ENOSPC);
}

static void
test_release_flush(void **state)
{
	struct ft_flow *hot;
	int32_t id4[10], id6[2];
	uint32_t i;

	(void)state;
	tab = table_new(128, 32);
	assert_non_null(tab);
	hot = ft_flow_table_hot(tab);
	add_many4(0, 10, id4);
	id6[0] = add6(0);
	id6[1] = add6(1);
	for (i = 0; i < 10; i++)
		hot[id4[i]].flags = FT_FLOW_F_LIVE;
	hot[id6[0]].flags = FT_FLOW_F_LIVE;
	hot[id6[1]].flags = FT_FLOW_F_LIVE;

	/* Flush with nothing released does nothing. */
	ft_flow_table_flush(tab);
	assert_int_equal(ft_flow_table_count(tab), 12);

	/* Flows 0..5 end; flow 3's key is taken back by a packet before the flush. */
	for (i = 0; i < 6; i++) {
		hot[id4[i]].flags = 0;
		ft_flow_table_release(tab, (uint32_t)id4[i]);
	}
	hot[id6[0]].flags = 0;
	ft_flow_table_release(tab, (uint32_t)id6[0]);
	assert_int_equal(ft_flow_table_released(tab), 7);
	/* Released keys stay until the flush. */
	assert_int_equal(ft_flow_table_count(tab), 12);
	for (i = 0; i < 6; i++)
		assert_int_equal(lookup4(i), id4[i]);
	assert_int_equal(lookup6(0), id6[0]);
	hot[id4[3]].flags = FT_FLOW_F_LIVE;

	ft_flow_table_flush(tab);
	assert_int_equal(ft_flow_table_released(tab), 0);
	assert_int_equal(ft_flow_table_count(tab), 6);
	for (i = 0; i < 10; i++) {
		if (i < 6 && i != 3) {
			assert_int_equal(lookup4(i), -ENOENT);
			assert_no_key((uint32_t)id4[i]);
		} else {
			assert_int_equal(lookup4(i), id4[i]);
			assert_key((uint32_t)id4[i], 0, i);
		}
	}
	assert_int_equal(lookup6(0), -ENOENT);
	assert_no_key((uint32_t)id6[0]);
	assert_int_equal(lookup6(1), id6[1]);
	/* A second flush has nothing left to do. */
	ft_flow_table_flush(tab);
	assert_int_equal(ft_flow_table_count(tab), 6);
}

static void
test_release_flushes_itself(void **state)
{
	static int32_t ids[100];
	uint32_t i;

	(void)state;
	tab = table_new(256, 0);
	assert_non_null(tab);
	add_many4(0, 100, ids);
	/* The slots were never live (flags 0): every release is a delete. */
	for (i = 0; i < FT_FLOW_BULK; i++)
		ft_flow_table_release(tab, (uint32_t)ids[i]);
	assert_int_equal(ft_flow_table_released(tab), FT_FLOW_BULK);
	assert_int_equal(ft_flow_table_count(tab), 100);
	/* One more release than a batch holds flushes the batch first. */
	ft_flow_table_release(tab, (uint32_t)ids[FT_FLOW_BULK]);
	assert_int_equal(ft_flow_table_released(tab), 1);
	assert_int_equal(ft_flow_table_count(tab), 100 - FT_FLOW_BULK);
	for (i = 0; i < FT_FLOW_BULK; i++)
		assert_int_equal(lookup4(i), -ENOENT);
	assert_int_equal(lookup4(FT_FLOW_BULK), ids[FT_FLOW_BULK]);
	ft_flow_table_flush(tab);
	assert_int_equal(lookup4(FT_FLOW_BULK), -ENOENT);
	assert_int_equal(ft_flow_table_count(tab), 100 - FT_FLOW_BULK - 1);
	for (i = FT_FLOW_BULK + 1; i < 100; i++)
		assert_int_equal(lookup4(i), ids[i]);
}

/* True if id is one of ids[0..n). */
static int
id_in(int32_t id, const int32_t *ids, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

static void
test_deferred_free(void **state)
{
	static int32_t ids[KEYS_MAX];
	int32_t gone[10], del6, last, id;
	uint32_t n, i, k, del[5];
	uint64_t busy;

	(void)state;
	tab = table_new(64, 16);
	assert_non_null(tab);
	assert_int_equal(ft_flow_table_reader_register(tab, 0), 0);
	ft_flow_table_reader_online(tab, 0);

	n = fill4(0, 64, ids, &last);
	assert_int_equal(last, -ENOSPC);
	assert_true(n >= 64);
	/* Full, nothing deleted: full is full, not busy. */
	assert_int_equal(ft_flow_table_busy(tab), 0);

	/* Ten deletes, one by one and in bulk: the keys are gone at once. */
	for (i = 0; i < 5; i++) {
		gone[i] = ids[i];
		assert_int_equal(ft_flow_table_del(tab, (uint32_t)ids[i]), 0);
	}
	for (i = 0; i < 5; i++) {
		gone[5 + i] = ids[10 + i];
		del[i] = (uint32_t)ids[10 + i];
	}
	ft_flow_table_del_bulk(tab, del, 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(lookup4(i), -ENOENT);
		assert_int_equal(lookup4(10 + i), -ENOENT);
		assert_no_key((uint32_t)ids[i]);
		assert_no_key((uint32_t)ids[10 + i]);
	}
	/* The reader may still hold them: their positions wait, and adds say so. */
	ft_flow_table_reclaim(tab);
	/* Deleted keys are not counted, though their positions wait. */
	assert_int_equal(ft_flow_table_count(tab), n - 10);
	assert_int_equal(add4(KEYS_MAX), -EBUSY);
	assert_int_equal(ft_flow_table_busy(tab), 1);
	assert_int_equal(add4(KEYS_MAX), -EBUSY);
	assert_int_equal(ft_flow_table_busy(tab), 2);
	/* Present keys are still found by add, which is not a refusal. */
	assert_int_equal(add4(20), ids[20]);
	assert_int_equal(ft_flow_table_busy(tab), 2);
	/* The other family has room of its own. */
	id = add6(0);
	assert_in_range(id, 64, 79);

	/* The reader passes a quiescent state: the next add reuses a freed position. */
	ft_flow_table_reader_quiescent(tab, 0);
	busy = ft_flow_table_busy(tab);
	id = add4(KEYS_MAX);
	assert_true(id_in(id, gone, 10));
	/*
	 * The grace period that ended covers the deletes queued before it
	 * started; the rest wait for the reader's next quiescent state.
	 */
	for (k = 1; k < 10; k++) {
		id = add4(KEYS_MAX + k);
		if (id < 0)
			break;
		assert_true(id_in(id, gone, 10));
	}
	if (k < 10) {
		assert_int_equal(id, -EBUSY);
		assert_int_equal(ft_flow_table_busy(tab), busy + 1);
		ft_flow_table_reader_quiescent(tab, 0);
		for (; k < 10; k++) {
			id = add4(KEYS_MAX + k);
			assert_true(id_in(id, gone, 10));
		}
	}
	/* All ten positions are back; the table is full, with nothing waiting. */
	for (k = 0; k < 10; k++)
		assert_true(lookup4(KEYS_MAX + k) >= 0);
	busy = ft_flow_table_busy(tab);
	assert_int_equal(add4(KEYS_MAX + 10), -ENOSPC);
	assert_int_equal(ft_flow_table_busy(tab), busy);
	assert_int_equal(ft_flow_table_count(tab), n + 1); /* And one IPv6 key. */

	/* Later deletes wait for a later quiescent state: the old one does not count. */
	assert_int_equal(ft_flow_table_del(tab, (uint32_t)ids[30]), 0);
	busy = ft_flow_table_busy(tab);
	assert_int_equal(add4(KEYS_MAX + 11), -EBUSY);
	assert_int_equal(ft_flow_table_busy(tab), busy + 1);
	/* Going offline ends the reader's read side too. */
	ft_flow_table_reader_offline(tab, 0);
	assert_int_equal(add4(KEYS_MAX + 11), ids[30]);
	assert_int_equal(ft_flow_table_busy(tab), busy + 1);

	/* The same for IPv6 positions, freed by an explicit reclaim. */
	ft_flow_table_reader_online(tab, 0);
	del6 = add6(1);
	assert_in_range(del6, 64, 79);
	assert_int_equal(ft_flow_table_del(tab, (uint32_t)del6), 0);
	assert_int_equal(lookup6(1), -ENOENT);
	for (i = 100; (id = add6(i)) >= 0; i++)
		assert_in_range(id, 64, 79);
	assert_int_equal(id, -EBUSY);
	/* Waiting IPv6 positions make no IPv4 add busy: IPv4 is simply full. */
	busy = ft_flow_table_busy(tab);
	assert_int_equal(add4(KEYS_MAX + 12), -ENOSPC);
	assert_int_equal(ft_flow_table_busy(tab), busy);
	ft_flow_table_reader_quiescent(tab, 0);
	ft_flow_table_reclaim(tab);
	assert_int_equal(add6(1), del6);
	assert_int_equal(add6(2000), -ENOSPC);

	ft_flow_table_reader_offline(tab, 0);
	assert_int_equal(ft_flow_table_reader_unregister(tab, 0), 0);
}

static void
test_reader_offline_never_blocks(void **state)
{
	static int32_t ids[KEYS_MAX];
	int32_t last;
	uint32_t n, i;

	(void)state;
	tab = table_new(32, 0);
	assert_non_null(tab);
	/* Registered, never online: its grace periods are always over. */
	assert_int_equal(ft_flow_table_reader_register(tab, 0), 0);
	assert_int_equal(ft_flow_table_reader_register(tab, 1), 0);
	n = fill4(0, 32, ids, &last);
	assert_int_equal(last, -ENOSPC);
	for (i = 0; i < 8; i++)
		assert_int_equal(ft_flow_table_del(tab, (uint32_t)ids[i]), 0);
	assert_int_equal(ft_flow_table_count(tab), n - 8);
	for (i = 0; i < 8; i++)
		assert_true(id_in(add4(KEYS_MAX + i), ids, 8));
	assert_int_equal(add4(KEYS_MAX + 8), -ENOSPC);
	assert_int_equal(ft_flow_table_busy(tab), 0);

	/* A reader that went online and back offline does not block either. */
	ft_flow_table_reader_online(tab, 1);
	ft_flow_table_reader_offline(tab, 1);
	assert_int_equal(ft_flow_table_del(tab, (uint32_t)ids[8]), 0);
	assert_int_equal(add4(KEYS_MAX + 9), ids[8]);
	assert_int_equal(ft_flow_table_busy(tab), 0);

	/* Reader ids are below max_readers (2 here). */
	assert_int_equal(ft_flow_table_reader_register(tab, 2), -EINVAL);
	assert_int_equal(ft_flow_table_reader_unregister(tab, 0), 0);
	assert_int_equal(ft_flow_table_reader_unregister(tab, 1), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_create_bad_args, teardown),
		cmocka_unit_test_teardown(test_create_props, teardown),
		cmocka_unit_test_teardown(test_add_ids, teardown),
		cmocka_unit_test_teardown(test_lookup_bulk, teardown),
		cmocka_unit_test_teardown(test_no_v6_table, teardown),
		cmocka_unit_test_teardown(test_parsed_frames, teardown),
		cmocka_unit_test_teardown(test_full_table, teardown),
		cmocka_unit_test_teardown(test_del, teardown),
		cmocka_unit_test_teardown(test_del_bulk, teardown),
		cmocka_unit_test_teardown(test_release_flush, teardown),
		cmocka_unit_test_teardown(test_release_flushes_itself, teardown),
		cmocka_unit_test_teardown(test_deferred_free, teardown),
		cmocka_unit_test_teardown(test_reader_offline_never_blocks, teardown),
	};
	int ret;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "test_flow: cannot start the EAL (%s), skipping\n",
				rte_strerror(rte_errno));
		return 77;
	}
	ret = cmocka_run_group_tests_name("flow_table", tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
