/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "ft_ctx.h"

struct ft_ctx_map {
	struct rte_hash *h;
	uint32_t capacity;
	uint32_t count;	     /**< Written under lock, read relaxed. */
	rte_spinlock_t lock; /**< Serialises adds; lookups take none. */
};

struct ft_ctx_map *
ft_ctx_map_create(const char *name, uint32_t capacity, int socket_id)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = capacity,
		.key_len = sizeof(struct ft_ctx_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct ft_ctx_map *m;

	if (name == NULL || capacity == 0 || capacity > FT_CTX_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* rte_hash wants at least 8 entries. */
	if (hp.entries < 8)
		hp.entries = 8;
	m = rte_zmalloc_socket("ft_ctx_map", sizeof(*m), 0, socket_id);
	if (m == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	m->h = rte_hash_create(&hp);
	if (m->h == NULL) {
		rte_free(m);
		return NULL;
	}
	m->capacity = capacity;
	rte_spinlock_init(&m->lock);
	return m;
}

void
ft_ctx_map_free(struct ft_ctx_map *m)
{
	if (m == NULL)
		return;
	rte_hash_free(m->h);
	rte_free(m);
}

uint64_t
ft_ctx_mem_estimate(uint32_t capacity)
{
	/* Buckets, the key store and its free ring: about 3 key slots a context, rounded up. */
	return (uint64_t)(capacity < 8 ? 8 : capacity) * (sizeof(struct ft_ctx_key) + 16) * 3 +
			(1u << 20);
}

/* The parser zeroes a level's id past id_len: whole ids are copied. */
static inline void
key_of(const struct ft_pkt *pkt, struct ft_ctx_key *k)
{
	unsigned int i;

	memset(k, 0, sizeof(*k));
	k->n = pkt->tun_n;
	for (i = 0; i < pkt->tun_n && i < FT_PKT_TUN_MAX; i++) {
		k->kind[i] = pkt->tun[i].kind;
		k->len[i] = pkt->tun[i].id_len;
		memcpy(k->id[i], pkt->tun[i].id, sizeof(k->id[i]));
	}
}

static inline int
key_eq(const struct ft_ctx_key *a, const struct ft_ctx_key *b)
{
	uint64_t x[sizeof(*a) / 8], y[sizeof(*b) / 8], d = 0;
	unsigned int i;

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	for (i = 0; i < RTE_DIM(x); i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

enum ft_pkt_status
ft_ctx_resolve(struct ft_ctx_map *m, struct ft_ctx_cache *cache, struct ft_pkt *pkt)
{
	struct ft_ctx_key k;
	int32_t pos;

	key_of(pkt, &k);
	if (cache != NULL && cache->ctx != 0 && key_eq(&cache->key, &k)) {
		ft_pkt_set_ctx(pkt, cache->ctx);
		return FT_PKT_TCP;
	}
	pos = rte_hash_lookup(m->h, &k);
	if (pos < 0) {
		rte_spinlock_lock(&m->lock);
		/* Another lcore may have added it since. */
		pos = rte_hash_lookup(m->h, &k);
		if (pos < 0 && m->count < m->capacity) {
			pos = rte_hash_add_key(m->h, &k);
			if (pos >= 0)
				__atomic_store_n(&m->count, m->count + 1, __ATOMIC_RELEASE);
		}
		rte_spinlock_unlock(&m->lock);
		if (pos < 0)
			return FT_PKT_CTX_FULL;
	}
	/* Positions are dense from 0 as nothing is ever deleted: ids 1, 2, ... */
	ft_pkt_set_ctx(pkt, (uint32_t)pos + 1);
	if (cache != NULL) {
		cache->key = k;
		cache->ctx = (uint32_t)pos + 1;
	}
	return FT_PKT_TCP;
}

enum ft_pkt_status
ft_ctx_resolve_hook(void *arg, struct ft_pkt *pkt)
{
	struct ft_ctx_resolver *r = arg;

	return ft_ctx_resolve(r->map, &r->cache, pkt);
}

int
ft_ctx_get(const struct ft_ctx_map *m, uint32_t ctx, struct ft_ctx_key *key)
{
	void *k;

	if (ctx == 0 || ctx > __atomic_load_n(&m->count, __ATOMIC_ACQUIRE))
		return -ENOENT;
	if (rte_hash_get_key_with_position(m->h, (int32_t)ctx - 1, &k) != 0)
		return -ENOENT;
	memcpy(key, k, sizeof(*key));
	return 0;
}

uint32_t
ft_ctx_count(const struct ft_ctx_map *m)
{
	return __atomic_load_n(&m->count, __ATOMIC_ACQUIRE);
}

uint32_t
ft_ctx_capacity(const struct ft_ctx_map *m)
{
	return m->capacity;
}

char *
ft_ctx_tunnel_str(const struct ft_ctx_key *key, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < key->n && i < FT_PKT_TUN_MAX; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? "+" : "",
				ft_tun_kind_name(key->kind[i]));

		if (w < 0 || (size_t)w >= len - off)
			break;
		off += (size_t)w;
	}
	return buf;
}

/* An n-byte big-endian number (n <= 8). */
static uint64_t
rd_be(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

char *
ft_ctx_id_str(const struct ft_ctx_key *key, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < key->n && i < FT_PKT_TUN_MAX; i++) {
		const uint8_t *id = key->id[i];
		const char *sep = i ? "/" : "";
		int w;

		if (key->len[i] == 16)
			w = snprintf(buf + off, len - off,
					"%sendpoint=0x%016" PRIx64 ",attachment=0x%016" PRIx64, sep,
					rd_be(id, 8), rd_be(id + 8, 8));
		else if (key->len[i] == 0)
			w = snprintf(buf + off, len - off, "%s", sep);
		else
			w = snprintf(buf + off, len - off, "%s%s=%" PRIu64, sep,
					key->kind[i] == FT_TUN_GRE ? "key" : "vni",
					rd_be(id, key->len[i]));
		if (w < 0 || (size_t)w >= len - off)
			break;
		off += (size_t)w;
	}
	return buf;
}
