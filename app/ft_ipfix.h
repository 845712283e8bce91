/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_IPFIX_H_
#define _FT_IPFIX_H_

/**
 * @file
 * IPFIX (RFC 7011) flow-end records over UDP: one biflow record (RFC 5103)
 * per flow end, the client as the source. Standard elements: addresses,
 * ports, protocol, packets and octets each way, flow start and end in
 * milliseconds, flowEndReason, the union of each side's TCP flags; fintrack's
 * own elements under a configurable private enterprise number: the first
 * closer, how the flow ended, and the state each endpoint left for CLOSED.
 * Two fixed templates (IPv4, IPv6), sent first and again every
 * template_interval seconds. Not thread-safe: one thread (the control lcore,
 * or the replay) uses an exporter.
 */

#include <stdint.h>

#include "ft_cfg.h"
#include "ft_engine.h"

/** Template ids. */
#define FT_IPFIX_TEMPLATE_V4 256
#define FT_IPFIX_TEMPLATE_V6 257

/** fintrack's own information elements, under the configured enterprise number. */
#define FT_IPFIX_IE_FIRST_CLOSER 1 /**< string: client, server or none. */
#define FT_IPFIX_IE_HOW		 2 /**< string: fin, rst_client, timeout_FIN_WAIT2, ... */
#define FT_IPFIX_IE_CLIENT_LAST	 3 /**< string: the state the client left for CLOSED. */
#define FT_IPFIX_IE_SERVER_LAST	 4 /**< string: the state the server left for CLOSED. */
#define FT_IPFIX_IE_CTX		 5 /**< unsigned32: tenant context (0: untunnelled). */
#define FT_IPFIX_IE_TUNNEL	 6 /**< string: tunnel kind ("vxlan", "gwlb+gre"; "" none). */
#define FT_IPFIX_IE_ONE_SIDED	 7 /**< string: the side seen of a one-sided flow, or "". */

/** The IANA enterprise number of RFC 5103's reverse information elements. */
#define FT_IPFIX_PEN_REVERSE 29305

/** flowEndReason (IE 136) values. */
#define FT_IPFIX_END_IDLE      0x01 /**< A state timed out. */
#define FT_IPFIX_END_DETECTED  0x03 /**< FIN or RST close. */
#define FT_IPFIX_END_FORCED    0x04 /**< fintrack stopped with the flow tracked. */
#define FT_IPFIX_END_RESOURCES 0x05 /**< Evicted to make room. */

/** What an exporter has done. */
struct ft_ipfix_stats {
	uint64_t records;     /**< Data records sent. */
	uint64_t messages;    /**< IPFIX messages sent. */
	uint64_t templates;   /**< Template sets sent. */
	uint64_t send_errors; /**< Messages the socket refused (their records are lost). */
};

struct ft_ipfix;

/** The tenant contexts whose tunnel kinds records name (NULL: none). x may be NULL. */
void ft_ipfix_set_ctx_map(struct ft_ipfix *x, const struct ft_ctx_map *m);

/**
 * Open an exporter to [ipfix] collector:port.
 *
 * @return
 *   0 with *out NULL when export is off ([ipfix] port 0), 0 with *out set, or
 *   a negative errno after saying why.
 */
int ft_ipfix_open(const struct ft_app_cfg *cfg, struct ft_ipfix **out);

/** Export the record of a flow-end event (other events are ignored). */
void ft_ipfix_event(struct ft_ipfix *x, const struct ft_event *ev);

/** Export a flow still tracked when fintrack stops (flowEndReason forced end), at now_ns. */
void ft_ipfix_flow(struct ft_ipfix *x, const struct ft_flow_info *fi, uint64_t now_ns);

/** Send the records waiting (and the templates when due). */
void ft_ipfix_flush(struct ft_ipfix *x);

/** Send what waits and close. NULL is allowed. */
void ft_ipfix_close(struct ft_ipfix *x);

/** What the exporter has done (the control lcore's view, read by the metrics). */
const struct ft_ipfix_stats *ft_ipfix_stats(const struct ft_ipfix *x);

/** The flowEndReason of a flow end (how, enum ft_end_how). */
uint8_t ft_ipfix_end_reason(unsigned int how);

#endif /* _FT_IPFIX_H_ */
