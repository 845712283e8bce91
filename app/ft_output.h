/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_OUTPUT_H_
#define _FT_OUTPUT_H_

#include <stdint.h>
#include <stdio.h>

#include "ft_cfg.h"
#include "ft_engine.h"

/** Write "ip:port" (IPv6 as "[addr]:port") into buf. */
void ft_endpoint_str(const struct ft_endpoint *ep, char *buf, size_t len);

/** Engine event callback writing JSON lines to the FILE * in arg. */
void ft_output_event_json(void *arg, const struct ft_event *ev);

/** Gauges and counters frozen at a moment (the last packet of a trace). */
struct ft_snapshot {
	int64_t gauge[2][FT_TCP_STATE_MAX];
	uint64_t flows;
	uint64_t ts_ns;
};

/** What the summary says about the replay itself. */
struct ft_replay_info {
	const char *trace;
	uint64_t packets;
	uint64_t first_ns;
	uint64_t last_ns;
	uint64_t drained_to_ns;  /**< 0 without --drain. */
	struct ft_snapshot at_end;
};

/** The JSON report: counters, gauges and the flows still tracked. */
int ft_output_report(FILE *f, const struct ft_engine *e);

/** The ss -s like table, flow ends and the diagnosis, on f. */
void ft_output_summary(FILE *f, const struct ft_app_cfg *cfg, const struct ft_engine *e,
		const struct ft_replay_info *ri);

#endif /* _FT_OUTPUT_H_ */
