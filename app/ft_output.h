/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_OUTPUT_H_
#define _FT_OUTPUT_H_

#include <stdint.h>
#include <stdio.h>

#include "ft_cfg.h"
#include "ft_engine.h"

/** Open an output named by an option ("-": stdout); NULL after saying why. */
FILE *ft_output_open(const char *what, const char *path);

/**
 * Whether flows were evicted or refused for want of room, and which setting
 * to raise, as one sentence in buf ("" if none were): for the summary, the
 * log and telemetry (and the metrics, once fintrack exports them: the
 * counters flows_evicted(_v6), table_full(_v6), table_busy and no_v6_table
 * it reads are what they would export). live says the sizes are per worker.
 *
 * @return
 *   The number of problems described (0: the tables had room).
 */
int ft_output_table_full(const struct ft_engine_stats *st, const struct ft_engine_conf *ec,
		int live, char *buf, size_t len);

/**
 * Check, before a run starts, that an output named by an option can be
 * written ("-" and NULL can), leaving the file as it was.
 *
 * @return
 *   0, or -EIO after saying why not.
 */
int ft_output_check_writable(const char *what, const char *path);

/**
 * Say why an engine could not be created and what to do: for want of memory
 * (what the hash library reports varies), how much it needs and how much EAL
 * has. who prefixes the message ("lcore 3: ", or "").
 */
void ft_output_engine_error(const char *who, const struct ft_engine_conf *ec, int err);

/** Flush and close an output from ft_output_open(); -EIO after saying why. */
int ft_output_close(const char *what, const char *path, FILE *f);

/** Write "ip:port" (IPv6 as "[addr]:port") into buf. */
void ft_endpoint_str(const struct ft_endpoint *ep, char *buf, size_t len);

/**
 * Write one event as a JSON line; lcore < 0 leaves the "lcore" field out. A
 * tunnelled flow's event names its context and tunnel kind, as m holds them.
 */
void ft_output_event_line(FILE *f, const struct ft_event *ev, int lcore,
		const struct ft_ctx_map *m);

/**
 * The JSON fields of a tenant context, for events and listings:
 * ',"ctx":N,"tunnel":"vxlan"', or "" for context 0.
 */
void ft_output_ctx_json(const struct ft_ctx_map *m, uint32_t ctx, char *buf, size_t len);

/**
 * The tunnel kind of a context ("vxlan", "gwlb+gre"), "" for context 0 or
 * one m does not hold.
 */
const char *ft_output_tunnel(const struct ft_ctx_map *m, uint32_t ctx, char *buf, size_t len);

/** How the diagnosis counts the endpoints of a state. */
enum ft_diag_measure {
	/** Timed out in the state, or sat in it for [diagnosis] min_age or more. */
	FT_DIAG_PILE,
	/** In the state at the same time (the peak; live: now). */
	FT_DIAG_AT_ONCE,
	/** Went through the state. */
	FT_DIAG_ENTERED,
};

/**
 * The states the diagnosis looks at, how it counts their endpoints and what a
 * pile of them means. X(STATE, measure, meaning, brief): measure an enum
 * ft_diag_measure without its FT_DIAG_ prefix; brief a version of the
 * meaning under 128 bytes, for telemetry strings.
 */
/* clang-format off */
#define FT_DIAG_LIST(X) \
	X(CLOSE_WAIT, PILE, \
	  "the application on this side does not call close() after its peer closed (the " \
	  "classic Tomcat case: a client that never closes its connections to a Tomcat server " \
	  "keeps thousands of CLOSE_WAIT sockets until garbage collection, while the server " \
	  "leaves FIN_WAIT2 on its timeout)", \
	  "the application on this host does not call close() after its peer closed") \
	X(FIN_WAIT2, PILE, \
	  "the peer never closed its side: a bug in the peer, a peer too busy to close, or an " \
	  "unstable network; common, worth attention when it piles up", \
	  "the peer never closes: a peer bug, a busy peer or an unstable network") \
	X(FIN_WAIT1, PILE, \
	  "the ACK of this side's FIN never came: the network is not delivering (ACKs lost); " \
	  "rare in normal operation", \
	  "the ACKs of this host's FINs are not arriving: the network is not delivering") \
	X(LAST_ACK, PILE, \
	  "the passive closer never got the final ACK: rare unless the network breaks", \
	  "final ACKs are lost: rare unless the network breaks") \
	X(CLOSING, ENTERED, \
	  "both sides closed at the same time (their FINs crossed): a simultaneous close, " \
	  "harmless", \
	  "both sides closed at the same time: harmless") \
	X(TIME_WAIT, AT_ONCE, \
	  "normal on the active closer, but watch concurrency, socket handles, memory and " \
	  "local port exhaustion on this side (2 MSL per closed connection)", \
	  "normal on the active closer; watch socket handles, memory and local port exhaustion")
/* clang-format on */

/** The diagnosed states, in the order of FT_DIAG_LIST. */
extern const unsigned int ft_diag_states[];

/** Number of diagnosed states. */
extern const unsigned int ft_diag_nstates;

/**
 * The engines frozen at a moment (the last packet of a trace, or a live stop):
 * gauges, counters and the flows still open.
 */
struct ft_snapshot {
	int64_t gauge[2][FT_TCP_STATE_MAX];
	uint64_t expired[2][FT_TCP_STATE_MAX]; /**< Timeouts so far. */
	uint64_t flows;
	uint64_t ts_ns;
	/** Flows still open (not held after RST) by client state and server state. */
	uint64_t open[FT_TCP_STATE_MAX][FT_TCP_STATE_MAX];
	uint64_t held; /**< Flows closed by RST, held against late packets. */
	/** Endpoints that have sat in their state for [diagnosis] min_age or more. */
	uint64_t aged[2][FT_TCP_STATE_MAX];
};

/**
 * Freeze n engines into *s: gauges, timeouts and a walk of the flows still
 * tracked. Only while no other thread changes the engines.
 */
void ft_output_snapshot(struct ft_snapshot *s, struct ft_engine *const *e, unsigned int n,
		uint64_t min_age_ns);

/**
 * The endpoints the diagnosis counts in state s on side r: by the state's
 * measure, from the run's statistics st and the snapshot at its end.
 */
uint64_t ft_output_diag_count(unsigned int s, unsigned int r, const struct ft_engine_stats *st,
		const struct ft_snapshot *at_end);

/** The measure (enum ft_diag_measure) of a diagnosed state. */
unsigned int ft_output_diag_measure(unsigned int state);

/** What the summary says about the run itself, live or replay. */
struct ft_run {
	const char *trace;	   /**< Trace replayed, or NULL in live mode. */
	uint64_t packets;	   /**< Packets read from the trace or the ports. */
	uint64_t first_ns;	   /**< Time of the first packet (replay). */
	uint64_t last_ns;	   /**< Time of the last packet (replay). */
	uint64_t drained_to_ns;	   /**< Where --drain moved the clock to; 0 without --drain. */
	struct ft_snapshot at_end; /**< At the last packet (replay) or at stop (live). */
};

/** The diagnosis' reading of many endpoints in a state ("" for states it has none for). */
const char *ft_output_advice(unsigned int state, int brief);

/** The JSON report of n engines: counters, gauges and the flows still tracked. */
int ft_output_report(FILE *f, struct ft_engine *const *e, unsigned int n);

/** The ss -s like table, flow ends and the diagnosis of a run, on f. */
void ft_output_summary(FILE *f, const struct ft_app_cfg *cfg, const struct ft_engine_stats *st,
		const struct ft_run *run);

/**
 * The end of a run, live or replay: the summary on stdout (unless --quiet)
 * and the --report file.
 *
 * @return
 *   0, or -EIO after saying why the report could not be written.
 */
int ft_output_finish(const struct ft_app_cfg *cfg, struct ft_engine *const *e, unsigned int n,
		const struct ft_run *run);

#endif /* _FT_OUTPUT_H_ */
