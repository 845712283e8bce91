/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_debug.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "ft_flow.h"

#define DEL_BULK ((uint32_t)FT_FLOW_BULK)

/* A flow table owned by one lcore. */
struct ft_flow_table {
	struct rte_hash *h4;	   /* IPv4 keys. */
	struct rte_hash *h6;	   /* IPv6 keys, NULL if max_v6 is 0. */
	struct rte_rcu_qsbr *qsbr; /* Readers of h4/h6 other than the owner. */
	uint32_t max_v4;	   /* IPv4 capacity: IPv4 ids are [0, max_v4). */
	uint32_t max_v6;	   /* IPv6 capacity: IPv6 ids are [max_v4, max_v4 + max_v6). */
	uint64_t mem_bytes;	   /* Heap bytes the table took when created. */
	struct ft_flow *flows;	   /* max_v4 + max_v6 hot slots. */
	struct ft_flow_cold *cold; /* max_v4 + max_v6 cold slots. */
	/* Copy of each IPv4 flow's key: deletes need no lookup to find it. */
	struct ft_key4 *keys4;
	/* Released ids whose keys the next flush deletes. */
	uint32_t nrel;
	uint32_t rel[FT_FLOW_BULK];
	/*
	 * Ids whose keys are deleted, waiting until registered readers have been
	 * quiescent before their hash positions are freed for reuse: a FIFO of
	 * defer_cap entries (one per position, so it cannot overflow), read at
	 * defer_rd, written at defer_wr, defer_len queued; the oldest
	 * defer_sealed of them are covered by the grace period of defer_token.
	 */
	uint32_t *defer;
	uint32_t defer_cap;
	uint32_t defer_rd;
	uint32_t defer_wr;
	uint32_t defer_len;
	uint32_t defer_v6; /* Of them, IPv6 positions. */
	uint32_t defer_sealed;
	uint64_t defer_token;
	uint64_t defer_busy; /* Adds refused while freed positions waited for readers. */
};

static uint64_t
heap_used(int socket_id)
{
	struct rte_malloc_socket_stats st;
	uint64_t total = 0;
	int s;

	if (socket_id != SOCKET_ID_ANY) {
		if (rte_malloc_get_socket_stats(socket_id, &st) == 0)
			return st.heap_allocsz_bytes;
		return 0;
	}
	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			total += st.heap_allocsz_bytes;
	return total;
}

/*
 * CRC32-C of a key whose length is a multiple of 8 (16 for IPv4, 48 for
 * IPv6), 8 bytes per step: the generic rte_hash_crc() spends most of its
 * instructions working out the length's tail.
 */
static uint32_t
key_hash(const void *key, uint32_t key_len, uint32_t init_val)
{
	const uint8_t *k = key;
	uint32_t i;

	for (i = 0; i + 8 <= key_len; i += 8) {
		uint64_t w;

		memcpy(&w, k + i, sizeof(w));
		init_val = rte_hash_crc_8byte(w, init_val);
	}
	return init_val;
}

/* The IPv4 table's hash_func: ft_flow_key4_hash() (the tables' init_val is 0). */
static uint32_t
key4_hash(const void *key, uint32_t key_len, uint32_t init_val)
{
	RTE_SET_USED(key_len);
	RTE_SET_USED(init_val);
	return ft_flow_key4_hash(key);
}

static struct rte_hash *
hash_create(const char *name, const char *suffix, uint32_t entries, uint32_t key_len, int socket_id)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters params = {
		.name = hname,
		.entries = entries,
		.key_len = key_len,
		.hash_func = key_len == 16 ? key4_hash : key_hash,
		.hash_func_init_val = 0,
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
				RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	if (snprintf(hname, sizeof(hname), "%s_%s", name, suffix) >= (int)sizeof(hname)) {
		rte_errno = ENAMETOOLONG;
		return NULL;
	}
	return rte_hash_create(&params);
}

struct ft_flow_table *
ft_flow_table_create(const char *name, uint32_t max_v4, uint32_t max_v6, uint32_t max_readers,
		int socket_id)
{
	struct ft_flow_table *ft;
	uint64_t before = heap_used(socket_id);
	size_t n, qsz;

	if (name == NULL || max_v4 < 8 || (max_v6 != 0 && max_v6 < 8) || max_readers == 0 ||
			(uint64_t)max_v4 + max_v6 >= FT_TW_OFF) {
		rte_errno = EINVAL;
		return NULL;
	}
	ft = rte_zmalloc_socket("ft_flow_table", sizeof(*ft), RTE_CACHE_LINE_SIZE, socket_id);
	if (ft == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	ft->max_v4 = max_v4;
	ft->max_v6 = max_v6;
	n = (size_t)max_v4 + max_v6;

	ft->h4 = hash_create(name, "v4", max_v4, sizeof(struct ft_key4), socket_id);
	if (ft->h4 == NULL)
		goto fail;
	if (max_v6 != 0) {
		ft->h6 = hash_create(name, "v6", max_v6, sizeof(struct ft_key6), socket_id);
		if (ft->h6 == NULL)
			goto fail;
	}
	qsz = rte_rcu_qsbr_get_memsize(max_readers);
	ft->qsbr = rte_zmalloc_socket("ft_flow_qsbr", qsz, RTE_CACHE_LINE_SIZE, socket_id);
	if (ft->qsbr == NULL)
		goto nomem;
	if (rte_rcu_qsbr_init(ft->qsbr, max_readers) != 0)
		goto fail; /* rte_errno says why. */
	/*
	 * Deleted positions are freed by ft_flow_table_reclaim(), after readers
	 * quiesce. Room for every position: a delete never has to wait for one.
	 */
	ft->defer_cap = (uint32_t)n;
	ft->defer = rte_malloc_socket("ft_flow_defer", sizeof(uint32_t) * n, RTE_CACHE_LINE_SIZE,
			socket_id);
	ft->keys4 = rte_malloc_socket("ft_flow_keys4", sizeof(struct ft_key4) * max_v4,
			RTE_CACHE_LINE_SIZE, socket_id);
	if (ft->defer == NULL || ft->keys4 == NULL)
		goto nomem;
	ft->flows = rte_zmalloc_socket("ft_flows", n * sizeof(struct ft_flow), RTE_CACHE_LINE_SIZE,
			socket_id);
	ft->cold = rte_zmalloc_socket("ft_flows_cold", n * sizeof(struct ft_flow_cold),
			RTE_CACHE_LINE_SIZE, socket_id);
	if (ft->flows == NULL || ft->cold == NULL)
		goto nomem;
	ft->mem_bytes = heap_used(socket_id) - before;
	return ft;
nomem:
	rte_errno = ENOMEM;
fail : {
	int err = rte_errno;

	ft_flow_table_free(ft);
	rte_errno = err;
}
	return NULL;
}

void
ft_flow_table_free(struct ft_flow_table *ft)
{
	if (ft == NULL)
		return;
	/* rte_hash_free releases the RCU defer queues; the QSBR variable goes after. */
	rte_hash_free(ft->h4);
	rte_hash_free(ft->h6);
	rte_free(ft->qsbr);
	rte_free(ft->defer);
	rte_free(ft->keys4);
	rte_free(ft->flows);
	rte_free(ft->cold);
	rte_free(ft);
}

static int32_t
table_add(struct ft_flow_table *ft, const struct ft_pkt *pkt)
{
	int32_t pos;

	if (pkt->is_v6) {
		if (ft->h6 == NULL)
			return -EINVAL;
		pos = rte_hash_add_key(ft->h6, &pkt->key.v6);
		return pos < 0 ? pos : pos + (int32_t)ft->max_v4;
	}
	pos = rte_hash_add_key(ft->h4, &pkt->key.v4);
	if (pos >= 0)
		ft->keys4[pos] = pkt->key.v4;
	return pos;
}

int32_t
ft_flow_table_lookup(const struct ft_flow_table *ft, const struct ft_pkt *pkt)
{
	int32_t pos;

	if (pkt->is_v6) {
		if (ft->h6 == NULL)
			return -ENOENT;
		pos = rte_hash_lookup(ft->h6, &pkt->key.v6);
		return pos < 0 ? pos : pos + (int32_t)ft->max_v4;
	}
	return rte_hash_lookup(ft->h4, &pkt->key.v4);
}

/* The key of flow id from the hash table itself (what a reader may trust). */
static int
hash_key(const struct ft_flow_table *ft, uint32_t id, struct ft_key4 *v4, struct ft_key6 *v6)
{
	void *key;

	if (id < ft->max_v4) {
		if (rte_hash_get_key_with_position(ft->h4, (int32_t)id, &key) != 0)
			return -ENOENT;
		memcpy(v4, key, sizeof(*v4));
		return 4;
	}
	if (ft->h6 == NULL || id - ft->max_v4 >= ft->max_v6 ||
			rte_hash_get_key_with_position(ft->h6, (int32_t)(id - ft->max_v4), &key) !=
					0)
		return -ENOENT;
	memcpy(v6, key, sizeof(*v6));
	return 6;
}

int
ft_flow_table_read_key(const struct ft_flow_table *ft, uint32_t id, struct ft_key4 *v4,
		struct ft_key6 *v6)
{
	return hash_key(ft, id, v4, v6);
}

int
ft_flow_table_key(const struct ft_flow_table *ft, uint32_t id, struct ft_key4 *v4,
		struct ft_key6 *v6)
{
	if (id < ft->max_v4) {
		*v4 = ft->keys4[id];
		return 4;
	}
	return hash_key(ft, id, v4, v6);
}

/* Start a grace period for the deleted ids not yet covered by one. */
static void
defer_seal(struct ft_flow_table *ft)
{
	if (ft->defer_sealed == 0 && ft->defer_len != 0) {
		ft->defer_token = rte_rcu_qsbr_start(ft->qsbr);
		ft->defer_sealed = ft->defer_len;
	}
}

static void
defer_free(struct ft_flow_table *ft)
{
	while (ft->defer_sealed != 0) {
		uint32_t id = ft->defer[ft->defer_rd];

		ft->defer_rd = ft->defer_rd + 1 == ft->defer_cap ? 0 : ft->defer_rd + 1;
		ft->defer_sealed--;
		ft->defer_len--;
		if (id < ft->max_v4) {
			rte_hash_free_key_with_position(ft->h4, (int32_t)id);
		} else {
			ft->defer_v6--;
			rte_hash_free_key_with_position(ft->h6, (int32_t)(id - ft->max_v4));
		}
	}
}

void
ft_flow_table_reclaim(struct ft_flow_table *ft)
{
	while (ft->defer_len != 0) {
		defer_seal(ft);
		if (rte_rcu_qsbr_check(ft->qsbr, ft->defer_token, false) != 1)
			return;
		defer_free(ft);
	}
}

static void
defer_push(struct ft_flow_table *ft, uint32_t id)
{
	/* Every queued id is a distinct position of the table: the FIFO holds them all. */
	RTE_ASSERT(ft->defer_len < ft->defer_cap);
	ft->defer[ft->defer_wr] = id;
	ft->defer_wr = ft->defer_wr + 1 == ft->defer_cap ? 0 : ft->defer_wr + 1;
	ft->defer_len++;
	if (id >= ft->max_v4)
		ft->defer_v6++;
}

/* Deleted positions of the packet's family that still wait for readers. */
static uint32_t
defer_waiting(const struct ft_flow_table *ft, const struct ft_pkt *pkt)
{
	return pkt->is_v6 ? ft->defer_v6 : ft->defer_len - ft->defer_v6;
}

int32_t
ft_flow_table_add(struct ft_flow_table *ft, const struct ft_pkt *pkt)
{
	int32_t pos = table_add(ft, pkt);

	/* Freed positions are room too once readers have moved on; never wait for them. */
	if (pos == -ENOSPC && defer_waiting(ft, pkt) != 0) {
		ft_flow_table_reclaim(ft);
		pos = table_add(ft, pkt);
		if (pos == -ENOSPC && defer_waiting(ft, pkt) != 0) {
			ft->defer_busy++;
			pos = -EBUSY;
		}
	}
	return pos;
}

static int
del_v4(struct ft_flow_table *ft, uint32_t id)
{
	int32_t pos = rte_hash_del_key(ft->h4, &ft->keys4[id]);

	if (pos < 0)
		return pos;
	defer_push(ft, (uint32_t)pos);
	return 0;
}

static int
del_v6(struct ft_flow_table *ft, uint32_t id)
{
	struct ft_key4 k4;
	struct ft_key6 k6;
	int32_t pos;

	if (hash_key(ft, id, &k4, &k6) != 6)
		return -ENOENT;
	pos = rte_hash_del_key(ft->h6, &k6);
	if (pos < 0)
		return pos;
	defer_push(ft, (uint32_t)pos + ft->max_v4);
	return 0;
}

int
ft_flow_table_del(struct ft_flow_table *ft, uint32_t id)
{
	int ret;

	if (id < ft->max_v4) {
		/* The copy is this flow's key only while the hash maps it to id. */
		if (rte_hash_lookup(ft->h4, &ft->keys4[id]) != (int32_t)id)
			return -ENOENT;
		ret = del_v4(ft, id);
	} else {
		ret = del_v6(ft, id);
	}
	ft_flow_table_reclaim(ft);
	return ret;
}

void
ft_flow_table_del_bulk(struct ft_flow_table *ft, const uint32_t *ids, uint32_t n)
{
	const void *keys[DEL_BULK];
	uint32_t idx[DEL_BULK];
	int32_t pos[DEL_BULK];
	uint32_t done, i, k;

	for (done = 0; done < n; done += DEL_BULK) {
		uint32_t m = RTE_MIN(n - done, DEL_BULK);

		k = 0;
		for (i = 0; i < m; i++) {
			uint32_t id = ids[done + i];

			if (id < ft->max_v4) {
				idx[k] = id;
				keys[k++] = &ft->keys4[id];
			} else {
				del_v6(ft, id);
			}
		}
		if (k == 0)
			continue;
		if (rte_hash_lookup_bulk(ft->h4, keys, k, pos) != 0)
			for (i = 0; i < k; i++)
				pos[i] = rte_hash_lookup(ft->h4, keys[i]);
		/* The bulk lookup brought the buckets and key slots in: the deletes hit cache. */
		for (i = 0; i < k; i++)
			if (pos[i] == (int32_t)idx[i])
				del_v4(ft, idx[i]);
	}
	ft_flow_table_reclaim(ft);
}

/* Bulk lookup of n IPv4 keys with their hashes: positions, or -ENOENT for all on an error. */
static inline void
lookup4(const struct ft_flow_table *ft, const void **keys, hash_sig_t *sigs, uint32_t n,
		int32_t *pos)
{
	uint32_t i;

	if (rte_hash_lookup_with_hash_bulk(ft->h4, keys, sigs, n, pos) != 0)
		for (i = 0; i < n; i++)
			pos[i] = -ENOENT;
}

/*
 * Start the hot-line cache miss of every flow a bulk lookup found, so that
 * they overlap (the lookup did its own). A packet needs only the hot line;
 * the cold one is rare.
 */
static inline void
prefetch_hot(const struct ft_flow_table *ft, const int32_t *ids, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (ids[i] >= 0)
			rte_prefetch0(&ft->flows[ids[i]]);
}

void
ft_flow_table_lookup_bulk(const struct ft_flow_table *ft, const struct ft_pkt *pkts,
		const uint8_t *status, uint32_t n, int32_t *ids)
{
	const void *k4[FT_FLOW_BULK], *k6[FT_FLOW_BULK];
	hash_sig_t sig4[FT_FLOW_BULK];
	uint8_t i4[FT_FLOW_BULK], i6[FT_FLOW_BULK];
	int32_t pos[FT_FLOW_BULK];
	uint32_t i, n4 = 0, n6 = 0;

	for (i = 0; i < n; i++) {
		if (status[i] != FT_PKT_TCP || (pkts[i].is_v6 && ft->h6 == NULL)) {
			ids[i] = -ENOENT;
		} else if (pkts[i].is_v6) {
			k6[n6] = &pkts[i].key.v6;
			i6[n6++] = (uint8_t)i;
		} else {
			/* The table's own hash, inline: no call through its function pointer. */
			sig4[n4] = ft_flow_key4_hash(&pkts[i].key.v4);
			k4[n4] = &pkts[i].key.v4;
			i4[n4++] = (uint8_t)i;
		}
	}
	if (likely(n4 == n)) {
		/* The common burst, IPv4 TCP only: the positions are the ids, in order. */
		lookup4(ft, k4, sig4, n4, ids);
	} else if (n4 != 0) {
		lookup4(ft, k4, sig4, n4, pos);
		for (i = 0; i < n4; i++)
			ids[i4[i]] = pos[i];
	}
	if (n6 != 0) {
		if (rte_hash_lookup_bulk(ft->h6, k6, n6, pos) != 0)
			for (i = 0; i < n6; i++)
				pos[i] = -ENOENT;
		for (i = 0; i < n6; i++)
			ids[i6[i]] = pos[i] < 0 ? pos[i] : pos[i] + (int32_t)ft->max_v4;
	}
	prefetch_hot(ft, ids, n);
}

void
ft_flow_table_lookup_bulk4(const struct ft_flow_table *ft, const struct ft_key4 **keys,
		uint32_t *sigs, uint32_t n, int32_t *ids)
{
	lookup4(ft, (const void **)keys, sigs, n, ids);
	prefetch_hot(ft, ids, n);
}

int
ft_flow_table_lookup_keys4(const struct ft_flow_table *ft, const struct ft_key4 *const *keys,
		uint32_t n, int32_t *ids)
{
	return rte_hash_lookup_bulk(ft->h4, (const void **)(uintptr_t)keys, n, ids);
}

void
ft_flow_table_flush(struct ft_flow_table *ft)
{
	uint32_t i, n = 0;

	for (i = 0; i < ft->nrel; i++) {
		uint32_t id = ft->rel[i];

		if (!(ft->flows[id].flags & FT_FLOW_F_LIVE))
			ft->rel[n++] = id;
	}
	ft->nrel = 0;
	if (n != 0)
		ft_flow_table_del_bulk(ft, ft->rel, n);
}

void
ft_flow_table_release(struct ft_flow_table *ft, uint32_t id)
{
	if (unlikely(ft->nrel == FT_FLOW_BULK))
		ft_flow_table_flush(ft);
	/* The key copy is what the bulk delete reads first. */
	if (id < ft->max_v4)
		rte_prefetch0(&ft->keys4[id]);
	ft->rel[ft->nrel++] = id;
}

uint32_t
ft_flow_table_released(const struct ft_flow_table *ft)
{
	return ft->nrel;
}

struct ft_flow *
ft_flow_table_hot(const struct ft_flow_table *ft)
{
	return ft->flows;
}

struct ft_flow_cold *
ft_flow_table_cold(const struct ft_flow_table *ft)
{
	return ft->cold;
}

uint32_t
ft_flow_table_capacity(const struct ft_flow_table *ft)
{
	return ft->max_v4 + ft->max_v6;
}

int
ft_flow_table_is_v6(const struct ft_flow_table *ft, uint32_t id)
{
	return id >= ft->max_v4;
}

uint32_t
ft_flow_table_count(const struct ft_flow_table *ft)
{
	uint32_t n = (uint32_t)rte_hash_count(ft->h4);

	if (ft->h6 != NULL)
		n += (uint32_t)rte_hash_count(ft->h6);
	/* rte_hash counts a deleted key's position until it is freed. */
	return n - ft->defer_len;
}

uint64_t
ft_flow_table_mem_bytes(const struct ft_flow_table *ft)
{
	return ft->mem_bytes;
}

uint64_t
ft_flow_table_busy(const struct ft_flow_table *ft)
{
	return ft->defer_busy;
}

int
ft_flow_table_reader_register(struct ft_flow_table *ft, unsigned int reader)
{
	return rte_rcu_qsbr_thread_register(ft->qsbr, reader) == 0 ? 0 : -rte_errno;
}

int
ft_flow_table_reader_unregister(struct ft_flow_table *ft, unsigned int reader)
{
	return rte_rcu_qsbr_thread_unregister(ft->qsbr, reader) == 0 ? 0 : -rte_errno;
}

void
ft_flow_table_reader_online(struct ft_flow_table *ft, unsigned int reader)
{
	rte_rcu_qsbr_thread_online(ft->qsbr, reader);
}

void
ft_flow_table_reader_offline(struct ft_flow_table *ft, unsigned int reader)
{
	rte_rcu_qsbr_thread_offline(ft->qsbr, reader);
}

void
ft_flow_table_reader_quiescent(struct ft_flow_table *ft, unsigned int reader)
{
	rte_rcu_qsbr_quiescent(ft->qsbr, reader);
}
