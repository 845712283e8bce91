/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_FLOW_H_
#define _FT_FLOW_H_

/**
 * @file
 * The flow table: per-lcore rte_hash tables (one for IPv4 keys, one for IPv6
 * keys) mapping a canonical key to a flow id, and the preallocated,
 * NUMA-local arrays of flow state the id indexes.
 *
 * Flow ids are hash positions: IPv4 flows take ids [0, max_v4), IPv6 flows
 * [max_v4, max_v4 + max_v6). The tables are created in the lock-free reader
 * mode, so another thread may look keys up while the owning lcore adds and
 * deletes. A deleted key's position is freed for reuse only after the readers
 * registered with the table's RCU QSBR variable have been quiescent: deletes
 * queue positions, and one grace period covers all the deletes queued
 * before it started (one token per batch instead of one per delete).
 */

#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>

#include "ft_pkt.h"
#include "ft_twheel.h"

struct rte_hash;
struct rte_rcu_qsbr;

/** Flow flags (struct ft_flow.flags). Role-indexed bits use FT_FLOW_F_ROLE(bit, role). */
#define FT_FLOW_F_LIVE	    (1u << 0) /**< Slot holds a flow. */
#define FT_FLOW_F_CLIENT_B  (1u << 1) /**< The client is key endpoint b. */
#define FT_FLOW_F_HOLD	    (1u << 2) /**< Ended by RST, held against late packets. */
#define FT_FLOW_F_CLOSING   (1u << 3) /**< An endpoint went through CLOSING. */
#define FT_FLOW_F_FIN_SENT  (1u << 4) /**< Role sent a FIN (bits 4, 5). */
#define FT_FLOW_F_FIN_DLV   (1u << 6) /**< Role's FIN reached its peer (bits 6, 7). */
#define FT_FLOW_F_NXT_VALID (1u << 8) /**< nxt[role] is known (bits 8, 9). */
/**
 * Role's segments are not in tcp_flags[role] yet (bits 10, 11): set for the
 * peer of the first packet of a flow picked up mid-stream, whose first segments
 * may take the established fast path, which records no flags (they carry ACK).
 */
#define FT_FLOW_F_FLAGS_UNSEEN	  (1u << 10)
#define FT_FLOW_F_CLOSER_SHIFT	  12 /**< First closer: 0 none, 1 client, 2 server. */
#define FT_FLOW_F_RST_SHIFT	  14 /**< Who reset: 0 none, 1 client, 2 server. */
#define FT_FLOW_F_ROLE(bit, role) ((bit) << (role))

/** Role indexes: every per-endpoint array is indexed by role. */
#define FT_ROLE_CLIENT 0
#define FT_ROLE_SERVER 1

/**
 * Hot per-flow state: one cache line, the only flow memory a packet of an
 * established or closing flow touches. Owned by the lcore of its table;
 * telemetry readers may read it without locks and must tolerate torn values.
 */
struct ft_flow {
	struct ft_tw_link tw; /**< Flow timer (the earliest endpoint deadline). */
	uint32_t dl[2];	      /**< Per-endpoint deadline tick; hold deadline in dl[0]. */
	uint32_t nxt[2];      /**< Next sequence number expected from each endpoint. */
	uint32_t fin_seq[2];  /**< Sequence number of each endpoint's FIN. */
	uint32_t fin_ack[2];  /**< Acknowledgment carried by each endpoint's FIN. */
	uint32_t bytes_lo[2]; /**< Frame bytes sent by each endpoint, low 32 bits. */
	uint16_t win[2];      /**< Last raw window advertised by each endpoint. */
	uint16_t pkts_lo[2];  /**< Packets sent by each endpoint, low 16 bits. */
	uint8_t state[2];     /**< enum ft_tcp_state of each endpoint. */
	uint8_t wshift[2];    /**< Window scale applied to each endpoint's win. */
	uint16_t flags;	      /**< FT_FLOW_F_*. */
	/**
	 * Union of the TCP flags (PSH left out) of each endpoint's segments that
	 * the general path handled: every SYN, FIN and RST, and the segments of a
	 * flow not ESTABLISHED both ways. The established fast path records nothing:
	 * it takes only ACK segments (with or without PSH).
	 */
	uint8_t tcp_flags[2];
} __rte_cache_aligned;
_Static_assert(sizeof(struct ft_flow) == 64, "hot flow state must be one cache line");

/**
 * Cold per-flow data: what the handshake announced, what closing needs, and
 * the high parts of the counters. Touched when a flow starts, closes, or a
 * counter carries, not by every packet.
 */
struct ft_flow_cold {
	uint64_t start_ns;     /**< Time the flow (incarnation) was created. */
	uint32_t bytes_hi[2];  /**< Frame bytes sent by each endpoint, high 32 bits. */
	uint32_t pkts_hi[2];   /**< Packets sent by each endpoint, above the low 16 bits. */
	uint32_t tsval[2];     /**< Last TCP timestamp sent by each endpoint once closing. */
	uint32_t entered[2];   /**< Tick at which each endpoint entered its state. */
	uint8_t wscale[2];     /**< Window scale, FT_FLOW_WS_NONE or FT_FLOW_WS_UNKNOWN. */
	uint8_t timeout_state; /**< State of the first non-TIME_WAIT timeout, or 0xff. */
	uint8_t ts_valid;      /**< Bit per role: tsval[role] is known. */
	uint8_t last_state[2]; /**< State each endpoint left for CLOSED (CLOSED before). */
	uint8_t pad[2];
};
_Static_assert(sizeof(struct ft_flow_cold) == 48, "cold flow state is 48 bytes");

/** Packets sent by endpoint r of a flow. */
static inline uint64_t
ft_flow_pkts(const struct ft_flow *f, const struct ft_flow_cold *c, unsigned int r)
{
	return (uint64_t)c->pkts_hi[r] << 16 | f->pkts_lo[r];
}

/** Frame bytes sent by endpoint r of a flow. */
static inline uint64_t
ft_flow_bytes(const struct ft_flow *f, const struct ft_flow_cold *c, unsigned int r)
{
	return (uint64_t)c->bytes_hi[r] << 32 | f->bytes_lo[r];
}

/** wscale value: the SYN carried no window-scale option. */
#define FT_FLOW_WS_NONE 0xfe
/** wscale value: the SYN was not seen. */
#define FT_FLOW_WS_UNKNOWN 0xff

/** A flow table owned by one lcore; its layout is private to lib/flow. */
struct ft_flow_table;

/** Keys a bulk lookup or a release batch takes at once (the rte_hash bulk limit). */
#define FT_FLOW_BULK 64

/**
 * Create a flow table.
 *
 * @param name
 *   Unique name (the hash tables are named after it).
 * @param max_v4
 *   IPv4 capacity, >= 8.
 * @param max_v6
 *   IPv6 capacity, 0 (no IPv6 tracking) or >= 8.
 * @param max_readers
 *   Threads that may register as lock-free readers (>= 1).
 * @param socket_id
 *   NUMA socket of all memory.
 * @return
 *   The table, or NULL with rte_errno set (EINVAL, ENOMEM, EEXIST for a name
 *   in use, ENAMETOOLONG for a name too long for the hash tables' names).
 */
struct ft_flow_table *ft_flow_table_create(const char *name, uint32_t max_v4, uint32_t max_v6,
		uint32_t max_readers, int socket_id);

/** Free a table. NULL is allowed. */
void ft_flow_table_free(struct ft_flow_table *ft);

/** The hot state of every flow slot, indexed by flow id (owned by the table's lcore). */
struct ft_flow *ft_flow_table_hot(const struct ft_flow_table *ft);

/** The cold state of every flow slot, indexed by flow id. */
struct ft_flow_cold *ft_flow_table_cold(const struct ft_flow_table *ft);

/** Number of flow slots: the IPv4 and IPv6 capacities together. */
uint32_t ft_flow_table_capacity(const struct ft_flow_table *ft);

/** True if flow id is a slot of the IPv6 table. */
int ft_flow_table_is_v6(const struct ft_flow_table *ft, uint32_t id);

/**
 * Keys present in the table, both families (a deleted key is not counted,
 * even while its position waits for readers).
 */
uint32_t ft_flow_table_count(const struct ft_flow_table *ft);

/** Heap bytes the table took when it was created (hash tables and slot arrays). */
uint64_t ft_flow_table_mem_bytes(const struct ft_flow_table *ft);

/** Adds refused because freed positions still waited for a reader (the -EBUSY answers). */
uint64_t ft_flow_table_busy(const struct ft_flow_table *ft);

/**
 * Look up the flows of n parsed packets at once and start loading the hot
 * state of each flow found, so that the cache misses of the batch overlap.
 *
 * @param pkts
 *   The packets; only those whose status[i] is FT_PKT_TCP are looked up.
 * @param status
 *   Parse result of each packet (enum ft_pkt_status).
 * @param n
 *   Number of packets, at most FT_FLOW_BULK.
 * @param ids
 *   Out: the flow id of each packet, or a negative value (-ENOENT: no such
 *   key, or a packet that is not TCP or of a family without a table).
 */
void ft_flow_table_lookup_bulk(const struct ft_flow_table *ft, const struct ft_pkt *pkts,
		const uint8_t *status, uint32_t n, int32_t *ids);

/**
 * The IPv4 table's hash of a key: CRC32-C in two 8-byte steps. Inline, so
 * that a caller can compute it while the key is at hand.
 */
static inline uint32_t
ft_flow_key4_hash(const struct ft_key4 *key)
{
	uint64_t w[2];

	memcpy(w, key, sizeof(w));
	return rte_hash_crc_8byte(w[1], rte_hash_crc_8byte(w[0], 0));
}

/**
 * ft_flow_table_lookup_bulk() of n IPv4 TCP keys whose hashes the caller
 * computed with ft_flow_key4_hash(): the positions are the ids, and each
 * flow found has its hot line prefetched.
 */
void ft_flow_table_lookup_bulk4(const struct ft_flow_table *ft, const struct ft_key4 **keys,
		uint32_t *sigs, uint32_t n, int32_t *ids);

/**
 * Bulk lookup of n IPv4 keys, nothing else: the least a lookup costs, for
 * benchmarks to measure the engine against.
 *
 * @return
 *   0 with ids[i] the flow id or -ENOENT, or a negative errno.
 */
int ft_flow_table_lookup_keys4(const struct ft_flow_table *ft, const struct ft_key4 *const *keys,
		uint32_t n, int32_t *ids);

/**
 * Look the key of one parsed packet up.
 *
 * @return
 *   The flow id, or -ENOENT.
 */
int32_t ft_flow_table_lookup(const struct ft_flow_table *ft, const struct ft_pkt *pkt);

/**
 * Add the key of a parsed packet.
 *
 * @return
 *   The flow id (>= 0; the id of the existing entry if the key is present),
 *   -ENOSPC if the table is full, -EBUSY if it is full only because deleted
 *   positions still wait for a reader (telemetry) to leave its read side,
 *   -EINVAL if the packet's family has no table. Never waits.
 */
int32_t ft_flow_table_add(struct ft_flow_table *ft, const struct ft_pkt *pkt);

/**
 * Delete flow id's key now. The id may be reused by a later add once
 * readers have quiesced.
 *
 * @return
 *   0, or -ENOENT if the key is not present.
 */
int ft_flow_table_del(struct ft_flow_table *ft, uint32_t id);

/**
 * Delete the keys of n flows (ids whose keys are gone already are skipped).
 * The lookups that find them run as one bulk lookup, so that their cache
 * misses overlap; the positions are then freed as ft_flow_table_del does.
 */
void ft_flow_table_del_bulk(struct ft_flow_table *ft, const uint32_t *ids, uint32_t n);

/**
 * Queue flow id's key for deletion by the next ft_flow_table_flush(), and
 * start loading what that delete reads. The slot's FT_FLOW_F_LIVE flag must
 * be clear; a slot that is live again by the flush (a packet of the same key
 * took it back) keeps its key. FT_FLOW_BULK releases flush by themselves.
 */
void ft_flow_table_release(struct ft_flow_table *ft, uint32_t id);

/** Delete the keys of the released flows that are still not live (one bulk delete). */
void ft_flow_table_flush(struct ft_flow_table *ft);

/** Ids released and not yet flushed. */
uint32_t ft_flow_table_released(const struct ft_flow_table *ft);

/**
 * Free the positions of deleted keys whose grace period is over (no
 * registered reader was inside a read-side section since the delete).
 * Called by the deletes themselves; cheap when nothing waits.
 */
void ft_flow_table_reclaim(struct ft_flow_table *ft);

/**
 * The key of flow id, for the owning lcore, which knows the slot holds a
 * flow: IPv4 keys come from the table's own copy, without a lookup (the key
 * the slot was last given; undefined for a slot never used).
 *
 * @return
 *   4 or 6 for the family written to *v4 or *v6, or -ENOENT (IPv6 only).
 */
int ft_flow_table_key(const struct ft_flow_table *ft, uint32_t id, struct ft_key4 *v4,
		struct ft_key6 *v6);

/**
 * The key of flow id for a reader on another thread (registered, online):
 * the hash tables are asked, so a key deleted meanwhile is not reported.
 *
 * @return
 *   4 or 6 for the family written to *v4 or *v6, or -ENOENT.
 */
int ft_flow_table_read_key(const struct ft_flow_table *ft, uint32_t id, struct ft_key4 *v4,
		struct ft_key6 *v6);

/**
 * Lock-free readers (threads other than the owner, such as telemetry) of the
 * table, through its RCU QSBR variable: register once with an id below
 * max_readers, go online around reads, report quiescence between them. A
 * key deleted while a reader is online keeps its position until the reader
 * has reported quiescence (or gone offline) after the delete's grace period
 * started: a delete may wait up to two of the reader's periods.
 *
 * @return
 *   0 or a negative errno (register and unregister; -EINVAL for a reader id
 *   of max_readers or more).
 */
int ft_flow_table_reader_register(struct ft_flow_table *ft, unsigned int reader);
int ft_flow_table_reader_unregister(struct ft_flow_table *ft, unsigned int reader);
void ft_flow_table_reader_online(struct ft_flow_table *ft, unsigned int reader);
void ft_flow_table_reader_offline(struct ft_flow_table *ft, unsigned int reader);
void ft_flow_table_reader_quiescent(struct ft_flow_table *ft, unsigned int reader);

#endif /* _FT_FLOW_H_ */
