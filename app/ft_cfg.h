/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_CFG_H_
#define _FT_CFG_H_

#include <stdint.h>

#include "ft_engine.h"

/** Most port pairs fintrack forwards between. */
#define FT_MAX_PAIRS 16
/** Largest RX burst. */
#define FT_MAX_BURST 64

/** Everything fintrack is told, from defaults, the config file and the command line. */
struct ft_app_cfg {
	struct ft_engine_conf engine;
	const char *pcap;          /**< Trace to replay. */
	const char *config;        /**< INI file. */
	const char *events;        /**< JSON-lines event output, "-" for stdout. */
	const char *report;        /**< JSON report output, "-" for stdout. */
	int drain;                 /**< Run the clock on until every timer fired. */
	int quiet;                 /**< No summary on stdout. */
	uint64_t diag[FT_TCP_STATE_MAX]; /**< Diagnosis thresholds (0: not diagnosed). */
	/* Live mode. */
	uint16_t npairs;                          /**< Port pairs given (0: pair in order). */
	uint16_t pairs[FT_MAX_PAIRS][2];          /**< Port ids of each pair. */
	uint16_t rx_desc;                         /**< RX descriptors per queue. */
	uint16_t tx_desc;                         /**< TX descriptors per queue. */
	uint32_t mbufs;                           /**< Mbufs per NUMA socket. */
	uint16_t burst;                           /**< RX burst size. */
	uint32_t tx_drain_us;                     /**< Longest wait before a TX flush. */
	uint8_t drop_malformed;                   /**< Drop malformed packets, not forward. */
	uint32_t stats_interval_ms;               /**< Rate lines on stdout (0: none). */
	uint32_t workers;                         /**< Worker lcores used (0: every one). */
};

/**
 * Fill cfg from defaults, the file named by --config and the command line
 * (the application arguments after EAL's "--").
 *
 * @return
 *   0, 1 if --help was printed, or -EINVAL after printing what is wrong.
 */
int ft_cfg_parse(struct ft_app_cfg *cfg, int argc, char **argv);

#endif /* _FT_CFG_H_ */
