/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_TELEMETRY_H_
#define _FT_TELEMETRY_H_

#include <stdint.h>

#include "ft_tcp.h"

struct ft_live;

/**
 * Register the /fintrack/... telemetry commands for a running live instance:
 * summary, lcore,<id>, flows,<STATE>[,<cursor>], config and diagnosis.
 * Readers only read per-worker memory and the lock-free tables; they never
 * take a lock a worker takes.
 */
void ft_telemetry_register(struct ft_live *live);

/** Detach the commands from the instance (they answer "not running" after). */
void ft_telemetry_unregister(void);

/**
 * Take the lock telemetry readers hold while they read the running
 * configuration and the tables (the control lcore takes it to change the
 * configuration on SIGHUP). No worker ever takes it.
 */
void ft_telemetry_lock(void);

/** Release the lock of ft_telemetry_lock(). */
void ft_telemetry_unlock(void);

/**
 * Count, over every worker's flows, the endpoints the diagnosis would count
 * in each state's pile now: those that have sat in a state for [diagnosis]
 * min_age or more (every endpoint, for TIME_WAIT and CLOSING). A walk of the
 * tables as a telemetry reader: for the control lcore, now and then.
 *
 * @return
 *   0, or -ENOENT when fintrack is not forwarding.
 */
int ft_telemetry_piles(uint64_t pile[2][FT_TCP_STATE_MAX]);

#endif /* _FT_TELEMETRY_H_ */
