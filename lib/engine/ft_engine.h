/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_ENGINE_H_
#define _FT_ENGINE_H_

/**
 * @file
 * The per-lcore engine: packets in, per-endpoint close states, timers,
 * gauges and events out. It does no I/O and reads no clock: every call takes
 * the current time in nanoseconds, so the same engine runs live on ports
 * (TSC time) and offline on a trace (the trace's own timestamps).
 *
 * One engine belongs to one lcore. Gauges and counters are plain per-engine
 * memory that other threads may read (values may be momentarily stale).
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "ft_ctx.h"
#include "ft_flow.h"
#include "ft_pkt.h"
#include "ft_tcp.h"
#include "ft_twheel.h"

/** Most packets handled per internal batch (the rte_hash bulk-lookup limit). */
#define FT_ENGINE_BATCH 64

/**
 * Engine counters. X(NAME, name, description): the enum name, the name reports and
 * telemetry show, and what it counts.
 */
/* clang-format off */
#define FT_ENGINE_COUNTER_LIST(X) \
	X(RX_PKTS, rx_pkts, "packets seen") \
	X(RX_BYTES, rx_bytes, "bytes seen") \
	X(TCP_UNTRACKED, tcp_untracked, "TCP segments of no tracked flow that start none") \
	X(NO_ACK_SEGMENTS, no_ack_segments, \
		"segments without ACK on a synchronized flow (ignored, as endpoints do)") \
	X(FLOWS_CREATED, flows_created, "flows created (incarnations)") \
	X(FLOWS_ENDED, flows_ended, "flows ended with both endpoints CLOSED") \
	X(FLOWS_EVICTED, flows_evicted, "flows evicted to make room") \
	X(FLOWS_EVICTED_V6, flows_evicted_v6, "of the flows evicted, IPv6 ones") \
	X(FLOWS_FREED, flows_freed, "flow slots freed") \
	X(TABLE_FULL, table_full, "new flows refused: table full and nothing closing to evict") \
	X(TABLE_FULL_V6, table_full_v6, "of the new flows refused as the table was full, IPv6 ones") \
	X(TABLE_BUSY, table_busy, \
		"new flows refused while freed slots waited for a telemetry reader") \
	X(NO_V6_TABLE, no_v6_table, "IPv6 flows refused: IPv6 tracking disabled") \
	X(PICKUPS, pickups, "flows picked up mid-stream") \
	X(PICKUPS_CLOSING, pickups_closing, \
		"flows picked up mid-close (first seen with a FIN: its sender FIN_WAIT1, its " \
		"receiver CLOSE_WAIT)") \
	X(RST_NO_FLOW, rst_no_flow, "RSTs of no tracked flow") \
	X(RST_ACCEPTED, rst_accepted, "RSTs accepted (exact sequence number)") \
	X(RST_UNVERIFIED, rst_unverified, "RSTs accepted without a known sequence space") \
	X(RST_IN_WINDOW, rst_in_window, "RSTs in window but not exact (ignored, challenge ACK)") \
	X(RST_OUT_OF_WINDOW, rst_out_of_window, "RSTs outside the window (ignored)") \
	X(SEG_OUT_OF_WINDOW, seg_out_of_window, "segments outside the receiver's window (ignored)") \
	X(FIN_OUT_OF_WINDOW, fin_out_of_window, "FINs outside the receiver's window (ignored)") \
	X(FIN_RETRANS, fin_retrans, "retransmitted FINs") \
	X(FIN_SEQ_CHANGED, fin_seq_changed, "second FINs with a different sequence number (ignored)") \
	X(FIN_AHEAD_OF_DATA, fin_ahead_of_data, "FINs seen before the data ahead of them (held)") \
	X(SYN_RETRANS, syn_retrans, "retransmitted SYNs and SYN-ACKs") \
	X(SYN_REUSE, syn_reuse, "SYNs starting a new incarnation from TIME_WAIT (RFC 6191)") \
	X(SYN_REUSE_REJECTED, syn_reuse_rejected, "old SYNs on a TIME_WAIT tuple (ignored)") \
	X(SYN_AFTER_CLOSE, syn_after_close, "SYNs starting a new incarnation on a closed tuple") \
	X(SYN_UNEXPECTED, syn_unexpected, "SYNs not fitting the flow's state (ignored)") \
	X(LATE_AFTER_RST, late_after_rst, "segments of a flow closed by RST within the hold time") \
	X(CLOCK_BACKWARDS, clock_backwards, "calls whose time was earlier than the last (clamped)") \
	X(TRANSITIONS, transitions, "endpoint state transitions") \
	X(CLOSE_TRANSITIONS, close_transitions, "transitions into closing states or CLOSED") \
	X(TIMEOUTS, timeouts, "endpoint state timeouts") \
	X(ONE_SIDED_TIMEOUTS, one_sided_timeouts, \
		"endpoint timeouts in flows of which one direction only was seen (not counted " \
		"as the state's: the unseen side's silence is no leak)") \
	X(TW_EXPIRIES, tw_expiries, "TIME_WAIT expiries")
/* clang-format on */

/* clang-format off */
enum ft_engine_counter {
#define FT_ENGINE_CNT_ENUM(name, lname, desc) FT_CNT_##name,
	FT_ENGINE_COUNTER_LIST(FT_ENGINE_CNT_ENUM)
#undef FT_ENGINE_CNT_ENUM
	FT_CNT_MAX
};
/* clang-format on */

/** How a flow ended. X(name, word in flow-end records). */
/* clang-format off */
#define FT_END_HOW_LIST(X) \
	X(FIN, "fin") \
	X(SIMULTANEOUS, "simultaneous") \
	X(RST_CLIENT, "rst_client") \
	X(RST_SERVER, "rst_server") \
	X(TIMEOUT, "timeout") \
	X(EVICTED, "evicted") \
	X(ONE_SIDED, "one_sided")
/* clang-format on */

/* clang-format off */
enum ft_end_how {
#define FT_END_HOW_ENUM(name, word) FT_END_##name,
	FT_END_HOW_LIST(FT_END_HOW_ENUM)
#undef FT_END_HOW_ENUM
	FT_END_HOW_MAX
};
/* clang-format on */

/**
 * Which direction of a flow was seen: a flow behind a direct-server-return
 * load balancer shows only its client's. The unseen endpoint's states are
 * inferred from its peer's packets, never seen.
 */
enum ft_one_sided {
	FT_ONE_SIDED_NO = 0,	 /**< Both directions seen. */
	FT_ONE_SIDED_CLIENT = 1, /**< Only the client's packets seen. */
	FT_ONE_SIDED_SERVER = 2, /**< Only the server's packets seen. */
};

/** First closer values of a flow-end record. */
enum ft_closer {
	FT_CLOSER_NONE = 0,
	FT_CLOSER_CLIENT = 1,
	FT_CLOSER_SERVER = 2,
};

/** One endpoint address. */
struct ft_endpoint {
	uint8_t is_v6;	  /**< addr holds 16 bytes, else 4. */
	uint8_t addr[16]; /**< Network order. */
	uint16_t port;	  /**< Host order. */
};

enum ft_event_type {
	FT_EVENT_STATE, /**< An endpoint changed state. */
	FT_EVENT_END,	/**< A flow ended. */
};

/** An event delivered to the engine's callback. Valid during the call only. */
struct ft_event {
	enum ft_event_type type;
	uint64_t ts_ns; /**< Engine time of the event. */
	uint32_t flow_id;
	uint32_t ctx; /**< Tenant context (0: untunnelled); ft_engine_ctx_map() describes it. */
	struct ft_endpoint client;
	struct ft_endpoint server;
	/* FT_EVENT_STATE */
	uint8_t role;  /**< FT_ROLE_CLIENT or FT_ROLE_SERVER: the endpoint. */
	uint8_t from;  /**< enum ft_tcp_state. */
	uint8_t to;    /**< enum ft_tcp_state. */
	uint8_t cause; /**< enum ft_tcp_event. */
	/* FT_EVENT_END */
	uint8_t how;	      /**< enum ft_end_how. */
	uint8_t how_state;    /**< State that timed out, for FT_END_TIMEOUT. */
	uint8_t first_closer; /**< enum ft_closer. */
	uint64_t pkts[2];     /**< Packets sent by client and server. */
	uint64_t bytes[2];    /**< Frame bytes sent by client and server. */
	uint64_t start_ns;    /**< Time the flow started. */
	/** Union of the TCP flags the client and the server sent (PSH left out). */
	uint8_t tcp_flags[2];
	uint8_t last_state[2]; /**< State client and server left for CLOSED. */
	uint8_t one_sided;     /**< enum ft_one_sided. */
};

typedef void(ft_engine_event_fn)(void *arg, const struct ft_event *ev);

/** Engine configuration. Fill with ft_engine_conf_init() first. */
struct ft_engine_conf {
	const char *name;		       /**< Unique name (hash tables are named after it). */
	int socket_id;			       /**< NUMA socket of the engine's memory. */
	uint32_t max_flows;		       /**< IPv4 flow capacity. */
	uint32_t max_flows_v6;		       /**< IPv6 flow capacity (0: IPv6 not tracked). */
	uint32_t max_readers;		       /**< Lock-free reader threads that may register. */
	uint32_t timeout_ms[FT_TCP_STATE_MAX]; /**< Per-state timeouts. */
	uint32_t rst_hold_ms;		       /**< Hold time of a flow closed by RST. */
	uint32_t tick_us;		       /**< Timer wheel tick. */
	uint32_t wheel_slots;		       /**< Timer wheel slots (power of two). */
	uint32_t expire_budget;		       /**< Most flows expired per tick call. */
	uint32_t evict_scan; /**< Most timers inspected to find an eviction victim. */
	uint8_t evict;	     /**< When full, evict closing flows (else refuse). */
	uint8_t pickup;	     /**< Track flows first seen without a SYN. */
	/**
	 * Take the established fast path for plain ACKs between two ESTABLISHED
	 * endpoints (1, the default); 0 sends every segment through the general
	 * path, which gives the same results (tests compare the two).
	 */
	uint8_t fast_path;
	struct ft_pkt_conf pkt; /**< The tunnels the parser opens. */
	/**
	 * Tenant contexts shared with other engines (live workers), or NULL: the
	 * engine makes its own of max_contexts.
	 */
	struct ft_ctx_map *ctx_map;
	uint32_t max_contexts;	      /**< Capacity of the engine's own context map. */
	ft_engine_event_fn *on_event; /**< Event callback, or NULL. */
	void *event_arg;	      /**< Argument of on_event. */
	/**
	 * Deliver FT_EVENT_STATE to on_event (1, the default). With 0 only the
	 * flow ends are delivered (what a flow-record export needs), and the
	 * state events are not built at all.
	 */
	uint8_t state_events;
};

/** Engine statistics. Written by the owning lcore only. */
struct ft_engine_stats {
	uint64_t cnt[FT_CNT_MAX];	       /**< Counters. */
	uint64_t pkt[FT_PKT_STATUS_MAX];       /**< Parse outcomes. */
	int64_t gauge[2][FT_TCP_STATE_MAX];    /**< Endpoints per role and state. */
	int64_t peak[2][FT_TCP_STATE_MAX];     /**< Highest value of each gauge. */
	uint64_t entered[2][FT_TCP_STATE_MAX]; /**< Entries into each state. */
	uint64_t expired[2][FT_TCP_STATE_MAX]; /**< Timeouts in each state. */
	/** Timeouts in one-sided flows (not in expired: no leak). */
	uint64_t one_sided_expired[2][FT_TCP_STATE_MAX];
	uint64_t ends[FT_END_HOW_MAX];		 /**< Flow ends by how. */
	uint64_t ends_timeout[FT_TCP_STATE_MAX]; /**< Timeout ends by state. */
	uint64_t flows;				 /**< Flows tracked now. */
	uint64_t flows_peak;			 /**< Most flows tracked at once. */
} __rte_cache_aligned;

/** The engine of one lcore; its layout is private to lib/engine. */
struct ft_engine;

/** Fill conf with the defaults (MISSION.md timeouts, 1 ms tick, 1M flows). */
void ft_engine_conf_init(struct ft_engine_conf *conf);

/**
 * Heap bytes an engine created with conf takes at most: its flow table, its
 * timer wheel and its buffers (for sizing EAL's memory before creating it).
 */
uint64_t ft_engine_mem_estimate(const struct ft_engine_conf *conf);

/**
 * Create an engine.
 *
 * @return
 *   The engine, or NULL with rte_errno set (EINVAL for a bad configuration,
 *   ENOMEM, EEXIST for a name in use).
 */
struct ft_engine *ft_engine_create(const struct ft_engine_conf *conf);

/** Free an engine. NULL is allowed. */
void ft_engine_free(struct ft_engine *e);

/**
 * Process packets given as byte spans, in order.
 *
 * @param data
 *   First byte (Ethernet header) of each packet.
 * @param cap
 *   Readable bytes of each packet; nothing past them is read. A trace taken
 *   with a small snap length has only the start of each frame: the headers
 *   must be there.
 * @param wire
 *   Length of each packet on the wire (it gives the byte counters and the
 *   checks of the IP lengths), or NULL when every packet is whole (wire = cap).
 * @param n
 *   Number of packets (any number; handled in batches of FT_ENGINE_BATCH).
 * @param now_ns
 *   Current time in nanoseconds. Earlier than a previous call: clamped, counted.
 */
void ft_engine_process_spans(struct ft_engine *e, const uint8_t *const *data, const uint32_t *cap,
		const uint32_t *wire, uint32_t n, uint64_t now_ns);

/**
 * Process a burst of mbufs, in order. The mbufs are only read.
 *
 * @param parsed
 *   NULL: the engine parses each packet. Otherwise the caller's parse of
 *   each packet (software steering parses to find a packet's owner, and
 *   hands the result over with the mbuf), with its result in status[i].
 * @param status
 *   NULL, or one entry per packet: with parsed NULL, the engine writes each
 *   packet's parse result (enum ft_pkt_status) there, so that the caller can
 *   drop malformed packets (status >= FT_PKT_FIRST_ERROR) instead of
 *   forwarding them; with parsed given, the caller's parse results.
 * @param now_ns
 *   As for ft_engine_process_spans().
 */
void ft_engine_process_mbufs(struct ft_engine *e, struct rte_mbuf *const *pkts, uint16_t n,
		const struct ft_pkt *parsed, uint8_t *status, uint64_t now_ns);

/**
 * Change the per-state timeouts of a running engine. They apply to every
 * deadline set from now on (a state entered, a timer re-armed by a packet);
 * deadlines already armed keep the timeout they were set with. Call it from
 * the engine's own lcore, between bursts.
 *
 * @param timeout_ms
 *   The timeout of each state in milliseconds, indexed by enum ft_tcp_state.
 * @return
 *   0, or -EINVAL for a NULL argument.
 */
int ft_engine_set_timeouts(struct ft_engine *e, const uint32_t timeout_ms[FT_TCP_STATE_MAX]);

/**
 * Expire due timers, at most conf.expire_budget flows per call.
 *
 * @return
 *   Number of flows whose timers were handled; call again while
 *   ft_engine_timers_pending() is true.
 */
uint32_t ft_engine_tick(struct ft_engine *e, uint64_t now_ns);

/** True if timers due at now_ns remain after the last ft_engine_tick(). */
int ft_engine_timers_pending(const struct ft_engine *e, uint64_t now_ns);

/**
 * Time of the next timer slot with a timer in it.
 *
 * @return
 *   0 and the time in *when_ns, or -ENOENT if no timer is armed.
 */
int ft_engine_next_timer(const struct ft_engine *e, uint64_t *when_ns);

/** A tracked flow as reports show it. */
struct ft_flow_info {
	uint32_t flow_id;
	uint32_t ctx; /**< Tenant context (0: untunnelled). */
	struct ft_endpoint client;
	struct ft_endpoint server;
	uint8_t state[2];	/**< Client and server state. */
	uint8_t held;		/**< Closed by RST, held against late packets. */
	uint64_t expires_ns[2]; /**< Time left on each endpoint's timer (0: none). */
	/**
	 * How long each endpoint has been in its state: since the transition into
	 * it (a timer re-armed by later packets does not reset it).
	 */
	uint64_t in_state_ns[2];
	uint64_t pkts[2];
	uint64_t bytes[2];
	uint64_t start_ns;
	uint8_t tcp_flags[2]; /**< Union of the TCP flags each sent (PSH left out). */
	uint8_t first_closer; /**< enum ft_closer. */
	uint8_t one_sided;    /**< enum ft_one_sided. */
};

typedef void(ft_engine_flow_fn)(void *arg, const struct ft_flow_info *flow);

/**
 * Describe flow id. Safe from another thread registered as a reader of the
 * table's RCU variable (values may be a packet old).
 *
 * @return
 *   0, -ENOENT if no flow is tracked in that slot, -EINVAL past the capacity.
 */
int ft_engine_flow_info(const struct ft_engine *e, uint32_t id, struct ft_flow_info *info);

/** Number of flow slots (IPv4 and IPv6 capacity). */
uint32_t ft_engine_capacity(const struct ft_engine *e);

/**
 * Visit every tracked flow, in slot order (a walk of the whole slot array,
 * for reports and tests, not for the data path). fn must not change the engine.
 */
void ft_engine_foreach_flow(const struct ft_engine *e, ft_engine_flow_fn *fn, void *arg);

/** Statistics of the engine (the owning lcore writes them; others may read them). */
const struct ft_engine_stats *ft_engine_stats(const struct ft_engine *e);

/**
 * Add the statistics of n engines into *sum. Peaks are summed per engine: a
 * bound on the peak of the sum, not the peak itself.
 */
void ft_engine_stats_sum(struct ft_engine_stats *sum, struct ft_engine *const *e, unsigned int n);

/** The engine's time: that of its latest call, in nanoseconds (never earlier than before). */
uint64_t ft_engine_now(const struct ft_engine *e);

/** Nanoseconds per timer-wheel tick: the resolution of every deadline. */
uint64_t ft_engine_tick_ns(const struct ft_engine *e);

/** The configuration the engine was created with. */
const struct ft_engine_conf *ft_engine_conf(const struct ft_engine *e);

/**
 * Heap bytes of the engine's per-flow memory: the flow table (hash tables,
 * hot and cold slots, key copies, delete FIFO) and the timer wheel's links.
 */
uint64_t ft_engine_mem_bytes(const struct ft_engine *e);

/** The tenant contexts the engine's flows belong to. */
struct ft_ctx_map *ft_engine_ctx_map(const struct ft_engine *e);

/** Keys in the engine's flow table (tracked flows plus ended ones not yet deleted). */
uint32_t ft_engine_table_count(const struct ft_engine *e);

/**
 * The engine's flow table. Threads other than the owner (telemetry) register
 * with it as lock-free readers (ft_flow_table_reader_register()) before they
 * call ft_engine_flow_info(); benchmarks measure against its bare lookup.
 */
struct ft_flow_table *ft_engine_table(const struct ft_engine *e);

/**
 * The flow id of a parsed packet's connection.
 *
 * @return
 *   The id, or -ENOENT if no live flow has that key.
 */
int ft_engine_lookup(const struct ft_engine *e, const struct ft_pkt *pkt);

/**
 * Check the engine's invariants (for tests and fuzzing, not the data path):
 * the gauges match the flows, every tracked flow has its key in the table
 * and one armed timer where the wheel will find it, its states agree with
 * the FINs seen, the counters add up, and no delete is left pending.
 *
 * @param timers_ran_ns
 *   0, or the time up to which the timers have just been run: then no
 *   tracked flow may be due at or before it.
 * @param why
 *   Out: what does not hold, on failure.
 * @return
 *   0, or -EFAULT with why filled in.
 */
int ft_engine_audit(const struct ft_engine *e, uint64_t timers_ran_ns, char *why, size_t len);

/** Counter description. */
const char *ft_engine_counter_desc(unsigned int c);

/** Counter name in lower case ("rst_in_window"). */
const char *ft_engine_counter_name(unsigned int c);

/** Word of a one-sided value: "" (both seen), "client" or "server" (the side seen). */
const char *ft_engine_one_sided_word(unsigned int one_sided);

/** Word of a flow-end how ("fin", "rst_client", ...; "timeout" for FT_END_TIMEOUT). */
const char *ft_engine_how_word(unsigned int how);

/** Name of a role: "client" (FT_ROLE_CLIENT) or "server". */
const char *ft_engine_role_name(unsigned int role);

/** Word of a first closer (enum ft_closer): "none", "client" or "server". */
const char *ft_engine_closer_word(unsigned int closer);

#endif /* _FT_ENGINE_H_ */
