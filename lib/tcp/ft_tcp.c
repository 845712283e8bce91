/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <errno.h>
#include <strings.h>

#include "ft_tcp.h"

static const char *const state_names[FT_TCP_STATE_MAX] = {
#define FT_TCP_STATE_NAME(name, tmo) [FT_TCP_##name] = #name,
	FT_TCP_STATE_LIST(FT_TCP_STATE_NAME)
#undef FT_TCP_STATE_NAME
};

static const char *const event_causes[FT_TCP_EV_MAX] = {
#define FT_TCP_EVENT_CAUSE(name, cause) [FT_TCP_EV_##name] = cause,
	FT_TCP_EVENT_LIST(FT_TCP_EVENT_CAUSE)
#undef FT_TCP_EVENT_CAUSE
};

const uint32_t ft_tcp_default_timeout_s[FT_TCP_STATE_MAX] = {
#define FT_TCP_STATE_TMO(name, tmo) [FT_TCP_##name] = tmo,
	FT_TCP_STATE_LIST(FT_TCP_STATE_TMO)
#undef FT_TCP_STATE_TMO
};

#define sSS FT_TCP_SYN_SENT
#define sSR FT_TCP_SYN_RECV
#define sES FT_TCP_ESTABLISHED
#define sF1 FT_TCP_FIN_WAIT1
#define sF2 FT_TCP_FIN_WAIT2
#define sCG FT_TCP_CLOSING
#define sTW FT_TCP_TIME_WAIT
#define sCW FT_TCP_CLOSE_WAIT
#define sLA FT_TCP_LAST_ACK
#define sCL FT_TCP_CLOSED

/* clang-format off */
const uint8_t ft_tcp_next[FT_TCP_EV_MAX][FT_TCP_STATE_MAX] = {
/*                   from:   sSS  sSR  sES  sF1  sF2  sCG  sTW  sCW  sLA  sCL */
/*
 * A SYN opens the client side. A SYN sent from TIME_WAIT or CLOSED is a new
 * incarnation, which the engine starts from CLOSED.
 */
[FT_TCP_EV_SND_SYN]     = { sSS, sSR, sES, sF1, sF2, sCG, sTW, sCW, sLA, sSS },
/* The server enters SYN_RECV; a SYN crossing ours is a simultaneous open. */
[FT_TCP_EV_RCV_SYN]     = { sSR, sSR, sES, sF1, sF2, sCG, sTW, sCW, sLA, sSR },
/* A SYN-ACK is sent from SYN_RECV; first seen, it shows the server there. */
[FT_TCP_EV_SND_SYNACK]  = { sSR, sSR, sES, sF1, sF2, sCG, sTW, sCW, sLA, sSR },
/* The SYN-ACK that ACKs our SYN completes the client's handshake. */
[FT_TCP_EV_RCV_SYNACK]  = { sES, sES, sES, sF1, sF2, sCG, sTW, sCW, sLA, sES },
/* Any non-SYN segment from a SYN state that ACKs the peer's SYN shows ESTABLISHED. */
[FT_TCP_EV_SND_ACK_SYN] = { sES, sES, sES, sF1, sF2, sCG, sTW, sCW, sLA, sCL },
/* The ACK of the server's SYN-ACK completes the server's handshake. */
[FT_TCP_EV_RCV_ACK_SYN] = { sSS, sES, sES, sF1, sF2, sCG, sTW, sCW, sLA, sCL },
/*
 * First FIN. From CLOSE_WAIT, a FIN that does not ACK the peer's FIN was sent
 * before the peer's FIN arrived: the FINs crossed, so CLOSING.
 */
[FT_TCP_EV_SND_FIN]     = { sF1, sF1, sF1, sF1, sF2, sCG, sTW, sCG, sLA, sCL },
/* From CLOSE_WAIT, a FIN that ACKs the peer's FIN is the passive close. */
[FT_TCP_EV_SND_FIN_ACK] = { sF1, sF1, sF1, sF1, sF2, sCG, sTW, sLA, sLA, sCL },
/* The peer's FIN, in order. From FIN_WAIT1 without our FIN ACKed: simultaneous close. */
[FT_TCP_EV_RCV_FIN]     = { sSS, sCW, sCW, sCG, sTW, sCG, sTW, sCW, sLA, sCL },
/* The peer's FIN that also ACKs ours: FIN_WAIT1 goes straight to TIME_WAIT. */
[FT_TCP_EV_RCV_FIN_ACK] = { sSS, sCW, sCW, sTW, sTW, sTW, sTW, sCW, sLA, sCL },
/* The ACK of our FIN. In LAST_ACK it is the last segment: CLOSED. */
[FT_TCP_EV_RCV_ACK_FIN] = { sSS, sSR, sES, sF2, sF2, sTW, sTW, sCW, sCL, sCL },
/* A flow seen first without a SYN is taken as ESTABLISHED; nothing else is revived. */
[FT_TCP_EV_PICKUP]      = { sSS, sSR, sES, sF1, sF2, sCG, sTW, sCW, sLA, sES },
/*
 * A flow seen first with a FIN is picked up in the states that FIN shows: its
 * sender FIN_WAIT1, its receiver CLOSE_WAIT (after a failover, the close goes on
 * where the packets are, not from ESTABLISHED).
 */
[FT_TCP_EV_PICKUP_SND_FIN] = { sSS, sSR, sES, sF1, sF2, sCG, sTW, sCW, sLA, sF1 },
[FT_TCP_EV_PICKUP_RCV_FIN] = { sSS, sSR, sES, sF1, sF2, sCG, sTW, sCW, sLA, sCW },
[FT_TCP_EV_RST]         = { sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
/* Every timer ends in CLOSED; TIME_WAIT's is the 2 MSL wait. */
[FT_TCP_EV_TIMEOUT]     = { sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
[FT_TCP_EV_REUSE]       = { sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
[FT_TCP_EV_EVICT]       = { sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
};
/* clang-format on */

const char *
ft_tcp_state_name(unsigned int state)
{
	return state < FT_TCP_STATE_MAX ? state_names[state] : "INVALID";
}

const char *
ft_tcp_event_cause(unsigned int ev)
{
	return ev < FT_TCP_EV_MAX ? event_causes[ev] : "unknown";
}

int
ft_tcp_state_from_name(const char *name)
{
	unsigned int s;

	for (s = 0; s < FT_TCP_STATE_MAX; s++)
		if (strcasecmp(name, state_names[s]) == 0)
			return (int)s;
	return -ENOENT;
}
