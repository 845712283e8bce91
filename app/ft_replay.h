/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_REPLAY_H_
#define _FT_REPLAY_H_

#include "ft_cfg.h"

/**
 * Replay mode: create an engine, replay cfg->pcap through it with the trace's
 * timestamps as the clock, drain the timers if cfg->drain, then write the
 * events, the summary and the report.
 *
 * @return
 *   0, or a negative errno after printing why.
 */
int ft_replay_run(const struct ft_app_cfg *cfg);

#endif /* _FT_REPLAY_H_ */
