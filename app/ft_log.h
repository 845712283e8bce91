/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_LOG_H_
#define _FT_LOG_H_

/**
 * @file
 * The stream DPDK's log (rte_log: EAL's messages and fintrack's own ft.*
 * log types) writes to: stderr, each line prefixed with the local time to the
 * millisecond ("2026-01-02 03:04:05.678 "), except when stderr is the systemd
 * journal, which stamps lines itself.
 */

/**
 * Make rte_log write through the time-stamping stream. Call before
 * rte_eal_init(), so that EAL's own messages are stamped too.
 *
 * @return
 *   0, or -1 if the stream could not be made (rte_log then writes as before).
 */
int ft_log_open(void);

#endif /* _FT_LOG_H_ */
