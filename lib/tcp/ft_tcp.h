/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_TCP_H_
#define _FT_TCP_H_

/**
 * @file
 * Per-endpoint TCP close states: the state list, the endpoint events a
 * middlebox can infer from a segment, the const transition table and the
 * default timeout of each state.
 */

#include <stdint.h>

/**
 * The states of one endpoint, in the order operators read them.
 * X(name, default timeout in seconds; 0 means no timer).
 */
/* clang-format off */
#define FT_TCP_STATE_LIST(X) \
	X(SYN_SENT, 120) \
	X(SYN_RECV, 60) \
	X(ESTABLISHED, 7440) \
	X(FIN_WAIT1, 60) \
	X(FIN_WAIT2, 60) \
	X(CLOSING, 60) \
	X(TIME_WAIT, 60) \
	X(CLOSE_WAIT, 43200) \
	X(LAST_ACK, 30) \
	X(CLOSED, 0)
/* clang-format on */

/* clang-format off */
enum ft_tcp_state {
#define FT_TCP_STATE_ENUM(name, tmo) FT_TCP_##name,
	FT_TCP_STATE_LIST(FT_TCP_STATE_ENUM)
#undef FT_TCP_STATE_ENUM
	FT_TCP_STATE_MAX
};
/* clang-format on */

/**
 * Endpoint events: what one segment shows about one endpoint. "Sends" events
 * apply to the segment's sender, "receives" events to its receiver.
 * X(name, cause word written in the event stream).
 */
/* clang-format off */
#define FT_TCP_EVENT_LIST(X) \
	X(SND_SYN, "syn")         /* Sends a SYN. */ \
	X(RCV_SYN, "syn")         /* Receives a SYN. */ \
	X(SND_SYNACK, "synack")   /* Sends a SYN-ACK. */ \
	X(RCV_SYNACK, "synack")   /* Receives a SYN-ACK that ACKs its SYN. */ \
	X(SND_ACK_SYN, "ack")     /* Sends a non-SYN segment that ACKs the peer's SYN. */ \
	X(RCV_ACK_SYN, "ack")     /* Receives the ACK of its SYN or SYN-ACK. */ \
	X(SND_FIN, "fin")         /* Sends its first FIN, not ACKing the peer's FIN. */ \
	X(SND_FIN_ACK, "fin")     /* Sends its first FIN, ACKing the peer's FIN. */ \
	X(RCV_FIN, "fin")         /* Receives the peer's FIN, not ACKing its own. */ \
	X(RCV_FIN_ACK, "fin")     /* Receives the peer's FIN, which also ACKs its own. */ \
	X(RCV_ACK_FIN, "ack")     /* Receives the ACK of its FIN. */ \
	X(PICKUP, "pickup")       /* Flow picked up mid-stream. */ \
	X(PICKUP_SND_FIN, "pickup") /* Flow picked up mid-close: sends the first FIN seen. */ \
	X(PICKUP_RCV_FIN, "pickup") /* Flow picked up mid-close: receives the first FIN seen. */ \
	X(RST, "rst")             /* An acceptable RST from either side. */ \
	X(TIMEOUT, "timeout")     /* Its state timer expired. */ \
	X(REUSE, "reuse")         /* A new incarnation replaced this one. */ \
	X(EVICT, "evicted")       /* The table made room. */
/* clang-format on */

/* clang-format off */
enum ft_tcp_event {
#define FT_TCP_EVENT_ENUM(name, cause) FT_TCP_EV_##name,
	FT_TCP_EVENT_LIST(FT_TCP_EVENT_ENUM)
#undef FT_TCP_EVENT_ENUM
	FT_TCP_EV_MAX
};
/* clang-format on */

/**
 * The transition table: next state of an endpoint in state s on event e.
 * An entry equal to s means the event changes nothing in that state.
 */
extern const uint8_t ft_tcp_next[FT_TCP_EV_MAX][FT_TCP_STATE_MAX];

/** Default timeout of each state in seconds (0 for CLOSED). */
extern const uint32_t ft_tcp_default_timeout_s[FT_TCP_STATE_MAX];

/** State name exactly as operators know it ("FIN_WAIT2"). */
const char *ft_tcp_state_name(unsigned int state);

/** Cause word of an event ("fin", "ack", "rst", ...). */
const char *ft_tcp_event_cause(unsigned int ev);

/**
 * Look a state up by name (case-insensitive).
 *
 * @return
 *   The state, or -ENOENT if no state has that name.
 */
int ft_tcp_state_from_name(const char *name);

/** True for the states that only exist once an endpoint has closed or seen a FIN. */
static inline int
ft_tcp_state_is_closing(unsigned int s)
{
	return s >= FT_TCP_FIN_WAIT1 && s <= FT_TCP_LAST_ACK;
}

#endif /* _FT_TCP_H_ */
