/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_LIVE_H_
#define _FT_LIVE_H_

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_ring.h>
#include <rte_seqlock.h>
#include <rte_spinlock.h>

#include "ft_cfg.h"
#include "ft_engine.h"
#include "ft_gwlb.h"

/** How packets of one connection are brought to one worker. */
enum ft_steering {
	FT_STEER_RSS,	   /**< The NIC's symmetric RSS does it. */
	FT_STEER_SOFTWARE, /**< Workers hand packets to the owner of their symmetric hash. */
	/**
	 * The NIC's symmetric RSS for plain packets; tunnelled ones (whose outer
	 * header RSS sees is not symmetric) go to the owner of their inner flow's
	 * hash in software.
	 */
	FT_STEER_RSS_INNER,
};

/**
 * A packet handed to its owner by software steering, with the parse the
 * worker that received it made: the owner does not parse it again.
 */
struct ft_steered {
	struct rte_mbuf *m;
	struct ft_pkt pkt;
	uint8_t status; /**< enum ft_pkt_status of the parse. */
};

/** Per-port counters of one worker. */
struct ft_worker_port {
	uint16_t rxq;	     /**< RX queue this worker polls, or UINT16_MAX for none. */
	uint16_t txq;	     /**< TX queue this worker sends on. */
	uint64_t rx;	     /**< Packets received. */
	uint64_t tx;	     /**< Packets handed to the TX buffer. */
	uint64_t tx_dropped; /**< Packets the NIC refused (freed). */
	struct rte_eth_dev_tx_buffer *txb; /**< Buffered TX towards this port. */
};

/**
 * A worker lcore: its engine, queues and counters. Written by its lcore
 * only; the control lcore and telemetry read the counters.
 */
struct ft_worker {
	unsigned int lcore;
	unsigned int index;
	struct ft_engine *engine;
	struct rte_ring *steer_ring; /**< Tunnelled packets other workers steered here, parsed. */
	/** Plain packets other workers steered here: mbufs only, parsed again by the engine. */
	struct rte_ring *steer_ring_m;
	uint8_t *scratch; /**< Multi-segment headers linearised for steering. */
	struct ft_steered (*steer_out)[FT_MAX_BURST];  /**< Outgoing bursts, one per worker. */
	struct rte_mbuf *(*steer_out_m)[FT_MAX_BURST]; /**< The same for steer_ring_m. */
	struct rte_ring *event_ring;	/**< Events for the control lcore (NULL: no events). */
	uint64_t steered_out;		/**< Packets handed to another worker. */
	uint64_t steer_dropped;		/**< Packets lost because a steering ring was full. */
	uint64_t malformed_dropped;	/**< Malformed packets dropped (--malformed drop). */
	uint64_t events_dropped;	/**< Events lost because the event ring was full. */
	uint64_t loops;			/**< Polling loop iterations. */
	uint64_t pkts;			/**< Packets this worker handled (after steering). */
	uint32_t timeouts_gen;		/**< Generation of the timeouts its engine uses. */
	uint64_t busy_tsc;		/**< TSC cycles of loop iterations that did work. */
	uint64_t idle_tsc;		/**< TSC cycles of loop iterations that found nothing. */
	uint64_t gwlb[FT_GWLB_CNT_MAX]; /**< gwlb mode: what became of the packets. */
	struct ft_worker_port port[RTE_MAX_ETHPORTS];
} __rte_cache_aligned;

/**
 * Timeouts the control lcore publishes (on SIGHUP) for the workers to take up
 * at a safe point of their loop: a new generation number says there is a new
 * table; the seqlock lets a worker copy it whole while the control lcore may
 * be writing the next one.
 */
struct ft_live_timeouts {
	rte_seqlock_t lock;
	uint32_t gen;			       /**< Raised by each publication. */
	uint32_t timeout_ms[FT_TCP_STATE_MAX]; /**< For ft_engine_set_timeouts(). */
};

/** The live middlebox. */
struct ft_live {
	/*
	 * The running configuration. The workers read only what SIGHUP does not
	 * change; the control lcore changes the rest under the telemetry lock
	 * (ft_telemetry_lock()), which telemetry readers take.
	 */
	struct ft_app_cfg *cfg;
	int argc; /**< fintrack's arguments, to read the configuration again. */
	char **argv;
	struct ft_live_timeouts timeouts; /**< Written by the control lcore. */
	enum ft_steering steering;
	unsigned int nworkers;
	uint16_t nports;
	uint16_t ndata; /**< ports[0..ndata-1]: the data ports; exception ports follow. */
	uint16_t ports[RTE_MAX_ETHPORTS]; /**< Ports in use. */
	/*
	 * Where each port's packets go: the other port of its pair in transit
	 * mode; in gwlb mode a data port itself (GENEVE goes back out of it) and
	 * an exception port its data port.
	 */
	uint16_t peer[RTE_MAX_ETHPORTS];
	uint8_t gwlb;	      /**< --mode gwlb. */
	uint8_t gwlb_addr[4]; /**< gwlb mode: our own address, network order. */
	uint16_t exception
			[RTE_MAX_ETHPORTS]; /**< gwlb mode: a data port's exception port, or UINT16_MAX. */
	uint8_t is_exception[RTE_MAX_ETHPORTS]; /**< A net_tap port fintrack created. */
	char exception_iface[RTE_MAX_ETHPORTS][IF_NAMESIZE]; /**< Its kernel interface. */
	uint8_t scatter;    /**< --max-frame above an mbuf: scattered RX on every port. */
	uint32_t mbuf_room; /**< Data room of the mbufs, headroom included. */
	uint16_t nrxq[RTE_MAX_ETHPORTS];
	uint16_t ntxq[RTE_MAX_ETHPORTS];
	rte_spinlock_t txlock[RTE_MAX_ETHPORTS]; /**< Taken when workers share TX queues. */
	uint8_t tx_shared[RTE_MAX_ETHPORTS];
	uint8_t started[RTE_MAX_ETHPORTS]; /**< rte_eth_dev_start() succeeded. */
	struct rte_mempool *pool[RTE_MAX_NUMA_NODES];
	uint64_t tsc_hz;
	uint64_t ns_mult; /**< Nanoseconds per TSC cycle, 24.40 fixed point. */
	uint64_t tsc0;
	uint64_t epoch_ns; /**< Wall clock at tsc0. */
	struct ft_worker *workers[RTE_MAX_LCORE];
	struct ft_engine *engines[RTE_MAX_LCORE]; /**< Same order as workers. */
	struct ft_ipfix *ipfix;			  /**< Flow-end records to a collector, or NULL. */
	struct ft_ctx_map *ctx_map;		  /**< Tenant contexts, shared by the workers. */
};

/** Set by the signal handler; workers and the control loop stop when true. */
extern volatile bool ft_force_quit;

/** Set by the SIGHUP handler; the control loop reloads and clears it. */
extern volatile bool ft_reload;

/**
 * Run live until ft_force_quit: set up ports and workers, forward, write
 * events, print rates; on SIGHUP (ft_reload) reopen the events file and read
 * the configuration again; on stop, print the summary and write the report.
 *
 * @param cfg
 *   The configuration; SIGHUP changes its reloadable settings.
 * @param argc, argv
 *   fintrack's arguments ("fintrack" first), parsed again on SIGHUP so that
 *   the command line still wins over the file.
 * @return
 *   0, or a negative errno after printing why.
 */
int ft_live_run(struct ft_app_cfg *cfg, int argc, char **argv);

/** Sum of one gwlb-mode counter over the workers. */
uint64_t ft_live_gwlb_count(const struct ft_live *live, enum ft_gwlb_cnt c);

/** Counter name of a gwlb-mode counter ("gwlb_returned", ...). */
const char *ft_live_gwlb_cnt_name(enum ft_gwlb_cnt c);

/** What a gwlb-mode counter counts. */
const char *ft_live_gwlb_cnt_desc(enum ft_gwlb_cnt c);

/** How packets of one connection meet on one worker ("software symmetric hash", ...). */
const char *ft_live_steering_name(const struct ft_live *live);

/** Nanoseconds of wall-clock time now, from the TSC. */
uint64_t ft_live_now_ns(const struct ft_live *live);

#endif /* _FT_LIVE_H_ */
