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

/** Flush and close an output from ft_output_open(); -EIO after saying why. */
int ft_output_close(const char *what, const char *path, FILE *f);

/** Write "ip:port" (IPv6 as "[addr]:port") into buf. */
void ft_endpoint_str(const struct ft_endpoint *ep, char *buf, size_t len);

/** Write one event as a JSON line; lcore < 0 leaves the "lcore" field out. */
void ft_output_event_line(FILE *f, const struct ft_event *ev, int lcore);

/** Engine event callback writing JSON lines to the FILE * in arg. */
void ft_output_event_json(void *arg, const struct ft_event *ev);

/** Add the statistics of n engines into *sum (peaks are summed per engine). */
void ft_output_stats_sum(struct ft_engine_stats *sum, struct ft_engine *const *e, unsigned int n);

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

/**
 * The seed's reading of many endpoints in a state ("" for states it has none
 * for); brief: a version under 128 bytes.
 */
const char *ft_output_advice(unsigned int state, int brief);

/** The JSON report of n engines: counters, gauges and the flows still tracked. */
int ft_output_report(FILE *f, struct ft_engine *const *e, unsigned int n);

/**
 * The ss -s like table, flow ends and the diagnosis, on f. ri describes the
 * replay, or is NULL in live mode (where "at last packet" means "now").
 */
void ft_output_summary(FILE *f, const struct ft_app_cfg *cfg, const struct ft_engine_stats *st,
		const struct ft_replay_info *ri);

#endif /* _FT_OUTPUT_H_ */
