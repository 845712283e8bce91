/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_TALLY_H_
#define _FT_TALLY_H_

/**
 * @file
 * The diagnosis' tally: which hosts hold the most endpoints in each diagnosed
 * state's pile (clients counted by address, servers by address and port), and
 * how many endpoints make each pile. Telemetry's /fintrack/diagnosis, the live
 * diagnosis' warnings and the metrics' top-endpoint gauges all use it. A walk
 * reads the workers' flow slots as a registered lock-free reader of each
 * table; it holds nothing from one slot to the next.
 */

#include <stddef.h>
#include <stdint.h>

#include "ft_engine.h"

/** Endpoints a tally of one state counts at most (more are left out, not miscounted). */
#define FT_TALLY_SIZE (1u << 16)

/** One counted host. */
struct ft_tally_ent {
	struct ft_endpoint ep; /**< Port 0 for a client; all zero when grouped by context. */
	uint32_t ctx;	       /**< Tenant context of the host (0: untunnelled). */
	uint8_t by_ctx;	       /**< The entry counts a whole context, not a host. */
	uint8_t role;	       /**< FT_ROLE_CLIENT or FT_ROLE_SERVER. */
	uint8_t used;
	uint64_t n; /**< Endpoints of that host in the state. */
};

/** A small open-addressing table of hosts. */
struct ft_tally {
	struct ft_tally_ent *v;
	uint32_t mask;
	uint32_t used;
};

/** One tally per diagnosed state, in the order of ft_diag_states[]. */
struct ft_diag_tally {
	struct ft_tally t[FT_TCP_STATE_MAX];
	/** Endpoints in the pile of each diagnosed state (ft_diag_states[] order), per role. */
	uint64_t pile[FT_TCP_STATE_MAX][2];
};

/** Allocate the tallies; -ENOMEM. */
int ft_diag_tally_init(struct ft_diag_tally *dt);

/** Free the tallies (init or not). */
void ft_diag_tally_free(struct ft_diag_tally *dt);

/**
 * Put reader `reader` online (1) or offline (0) on the flow table of each of
 * n engines; it must be registered with each (ft_flow_table_reader_register()).
 */
void ft_tally_readers(struct ft_engine *const *e, unsigned int n, unsigned int reader, int online);

/**
 * Whether endpoint r of a flow counts towards the pile of its state, live:
 * for a state measured as a pile (FT_DIAG_PILE), once it has sat in it for
 * min_age_ns or more; in any other state, always.
 */
int ft_tally_in_pile(const struct ft_flow_info *fi, unsigned int r, uint64_t min_age_ns);

/**
 * Walk every flow slot of n engines as reader `reader` (put online for the
 * walk), calling fn for each tracked flow.
 */
void ft_tally_walk(struct ft_engine *const *e, unsigned int n, unsigned int reader,
		void (*fn)(void *arg, const struct ft_flow_info *fi), void *arg);

/**
 * Walk every flow slot of n engines as reader `reader` and count each
 * endpoint of a diagnosed state's pile (ft_tally_in_pile() with min_age_ns)
 * in dt->pile and against its host (the same address in two tenant contexts
 * is two hosts), or with by_ctx against its tenant context.
 */
void ft_diag_tally_walk(struct ft_diag_tally *dt, struct ft_engine *const *e, unsigned int n,
		unsigned int reader, uint64_t min_age_ns, int by_ctx);

/**
 * Take the host holding the most endpoints out of tally t.
 *
 * @return
 *   The entry (valid until the next call; its count is in *n), or NULL when
 *   no host is left.
 */
const struct ft_tally_ent *ft_tally_pop_top(struct ft_tally *t, uint64_t *n);

/**
 * A counted host as text: "IP" for a client, "IP:port" ("[IPv6]:port") for a
 * server, followed by " ctx=N" in a tenant context; "ctx=N" for a context
 * counted whole.
 */
void ft_tally_host_str(const struct ft_tally_ent *ent, char *buf, size_t len);

#endif /* _FT_TALLY_H_ */
