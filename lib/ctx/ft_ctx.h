/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_CTX_H_
#define _FT_CTX_H_

/**
 * @file
 * Tenant contexts: the tunnel identities of a packet (VXLAN or GENEVE VNI,
 * GRE key, AWS GWLB endpoint and attachment ids, level by level) mapped to
 * a context id of 24 bits that goes into the flow key, so that the same
 * inner 5-tuple in two tenants' tunnels is two flows.
 *
 * Every chain of tunnel kinds gets a context even when no identity of it
 * forms one (ft_pkt_conf's rules, "none"): context 0 is untunnelled traffic
 * only. A context is never freed; ids are given out 1, 2, ... in the order
 * contexts are first seen. Lookups are lock-free and may run on any number
 * of lcores while one of them adds (adds take a lock; they happen once per
 * new tenant).
 */

#include <stdint.h>

#include <rte_spinlock.h>

#include "ft_pkt.h"

/** Largest context capacity: ids stay below 2^24. */
#define FT_CTX_MAX (1u << 22)

/** A context's identity: the tunnel chain, outermost first. Zero-filled. */
struct ft_ctx_key {
	uint8_t n;			/**< Tunnel levels. */
	uint8_t kind[FT_PKT_TUN_MAX];	/**< enum ft_tun_kind of each. */
	uint8_t len[FT_PKT_TUN_MAX];	/**< Identity bytes of each (0: none). */
	uint8_t pad;			/**< Zero. */
	uint8_t id[FT_PKT_TUN_MAX][16]; /**< Identity of each. */
};
_Static_assert(sizeof(struct ft_ctx_key) == 56, "context key is 56 bytes");

/** The last context an lcore resolved: most tunnelled bursts repeat it. */
struct ft_ctx_cache {
	struct ft_ctx_key key;
	uint32_t ctx; /**< 0: empty. */
};

struct ft_ctx_map;

/** An lcore's way to its contexts, for struct ft_pkt_conf's resolve hook. */
struct ft_ctx_resolver {
	struct ft_ctx_map *map;
	struct ft_ctx_cache cache;
};

/**
 * Create a context map.
 *
 * @return
 *   The map, or NULL with rte_errno set (EINVAL for a capacity of 0 or
 *   above FT_CTX_MAX, ENOMEM, EEXIST for a name in use).
 */
struct ft_ctx_map *ft_ctx_map_create(const char *name, uint32_t capacity, int socket_id);

/** Free a map. NULL is allowed. */
void ft_ctx_map_free(struct ft_ctx_map *m);

/**
 * Set the context of a tunnelled TCP segment (pkt->tun_n > 0) in its key,
 * adding the context if it is new.
 *
 * @param cache
 *   The calling lcore's cache, or NULL.
 * @return
 *   FT_PKT_TCP, or FT_PKT_CTX_FULL when the context is new and the map is
 *   full (the segment is then not tracked).
 */
enum ft_pkt_status ft_ctx_resolve(struct ft_ctx_map *m, struct ft_ctx_cache *cache,
		struct ft_pkt *pkt);

/**
 * ft_ctx_resolve() as struct ft_pkt_conf's resolve hook: arg is a struct
 * ft_ctx_resolver of the calling lcore.
 */
enum ft_pkt_status ft_ctx_resolve_hook(void *arg, struct ft_pkt *pkt);

/**
 * The identity of context ctx (safe from any thread).
 *
 * @return
 *   0, or -ENOENT for an id not given out.
 */
int ft_ctx_get(const struct ft_ctx_map *m, uint32_t ctx, struct ft_ctx_key *key);

/** Contexts given out. */
uint32_t ft_ctx_count(const struct ft_ctx_map *m);

/** Capacity of the map. */
uint32_t ft_ctx_capacity(const struct ft_ctx_map *m);

/**
 * The tunnel chain of a context as reports show it: "vxlan", "gwlb+gre".
 * @return
 *   buf.
 */
char *ft_ctx_tunnel_str(const struct ft_ctx_key *key, char *buf, size_t len);

/**
 * The identity of a context as reports show it, levels joined by '/':
 * "vni=4711", "endpoint=0x...,attachment=0x...", "key=7", "" for none.
 * @return
 *   buf.
 */
char *ft_ctx_id_str(const struct ft_ctx_key *key, char *buf, size_t len);

/** Heap bytes a map of that capacity takes (for sizing EAL's memory). */
uint64_t ft_ctx_mem_estimate(uint32_t capacity);

#endif /* _FT_CTX_H_ */
