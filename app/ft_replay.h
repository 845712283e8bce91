/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_REPLAY_H_
#define _FT_REPLAY_H_

#include <rte_mempool.h>

#include "ft_cfg.h"
#include "ft_engine.h"
#include "ft_output.h"

/**
 * Replay cfg->pcap through engine e with the trace's timestamps as the clock,
 * then drain the timers if cfg->drain.
 *
 * @return
 *   0, or a negative errno after printing why.
 */
int ft_replay_run(const struct ft_app_cfg *cfg, struct ft_engine *e, struct rte_mempool *mp,
		struct ft_replay_info *ri);

#endif /* _FT_REPLAY_H_ */
