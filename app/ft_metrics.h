/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_METRICS_H_
#define _FT_METRICS_H_

/**
 * @file
 * The Prometheus / OpenMetrics endpoint of live mode (GET /metrics), served
 * with libmicrohttpd in its external-polling mode: the control lcore runs it
 * between its other jobs, so no worker and no extra thread ever serves HTTP.
 * A scrape reads the workers' statistics (possibly a little stale) and, for
 * the top-endpoint gauges, walks the flow slots as a registered reader of each
 * table (reader id FT_METRICS_READER).
 */

#include <stddef.h>

struct ft_live;

/** RCU reader id of the metrics walk on every flow table (telemetry uses 0). */
#define FT_METRICS_READER 1

/**
 * Start serving if [metrics] port is set (else do nothing).
 *
 * @return
 *   0, or a negative errno after saying why (the address or port is taken).
 */
int ft_metrics_start(struct ft_live *live);

/** Serve what is ready, without blocking: called by the control lcore's loop. */
void ft_metrics_poll(void);

/** Stop serving and leave the flow tables. */
void ft_metrics_stop(void);

/**
 * Write the metrics of a live instance in the Prometheus text format
 * (openmetrics 0) or OpenMetrics 1.0 (openmetrics 1) into a buffer from malloc.
 *
 * @return
 *   The text (its length in *len), or NULL when out of memory.
 */
char *ft_metrics_text(struct ft_live *live, int openmetrics, size_t *len);

#endif /* _FT_METRICS_H_ */
