/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * Unit tests of the per-endpoint TCP close-state table against the rules of
 * MISSION.md ("Per-endpoint state, as a middlebox infers it"): the transitions
 * each rule names, the invariants the table as a whole must keep, the state
 * names operators read and the default timeouts.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <ctype.h>
#include <string.h>
#include <cmocka.h>

#include "ft_tcp.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

#define SS FT_TCP_SYN_SENT
#define SR FT_TCP_SYN_RECV
#define ES FT_TCP_ESTABLISHED
#define F1 FT_TCP_FIN_WAIT1
#define F2 FT_TCP_FIN_WAIT2
#define CG FT_TCP_CLOSING
#define TW FT_TCP_TIME_WAIT
#define CW FT_TCP_CLOSE_WAIT
#define LA FT_TCP_LAST_ACK
#define CL FT_TCP_CLOSED

/* One expected entry of the table. */
struct transition {
	uint8_t from;
	uint8_t ev;
	uint8_t to;
	const char *why;
};

static const char *const event_names[FT_TCP_EV_MAX] = {
#define EV_NAME(name, cause) [FT_TCP_EV_##name] = #name,
	FT_TCP_EVENT_LIST(EV_NAME)
#undef EV_NAME
};

static void
check_transitions(const struct transition *t, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned int got = ft_tcp_next[t[i].ev][t[i].from];

		if (got != t[i].to)
			fail_msg("%s -%s-> %s, expected %s (%s)", ft_tcp_state_name(t[i].from),
					event_names[t[i].ev], ft_tcp_state_name(got),
					ft_tcp_state_name(t[i].to), t[i].why);
	}
}

/* Walk a path of events from a state and check every state on the way. */
static void
check_path(unsigned int from, const uint8_t *ev, const uint8_t *states, unsigned int n)
{
	unsigned int s = from, i;

	for (i = 0; i < n; i++) {
		unsigned int next = ft_tcp_next[ev[i]][s];

		if (next != states[i])
			fail_msg("step %u: %s -%s-> %s, expected %s", i, ft_tcp_state_name(s),
					event_names[ev[i]], ft_tcp_state_name(next),
					ft_tcp_state_name(states[i]));
		s = next;
	}
}

static void
test_handshake(void **state)
{
	static const struct transition t[] = {
		{ CL, FT_TCP_EV_SND_SYN, SS, "client sends the SYN" },
		{ CL, FT_TCP_EV_RCV_SYN, SR, "server receives the SYN" },
		{ SS, FT_TCP_EV_RCV_SYNACK, ES, "SYN-ACK completes the client" },
		{ SR, FT_TCP_EV_RCV_ACK_SYN, ES, "ACK of the SYN-ACK completes the server" },
		{ CL, FT_TCP_EV_SND_SYNACK, SR, "SYN-ACK seen first: its sender is in SYN_RECV" },
		{ CL, FT_TCP_EV_RCV_SYNACK, ES, "SYN-ACK seen first: its receiver is the client" },
		{ SS, FT_TCP_EV_RCV_SYN, SR, "crossing SYNs, a simultaneous open" },
		{ SS, FT_TCP_EV_SND_ACK_SYN, ES, "a non-SYN ACKing the peer's SYN" },
		{ SR, FT_TCP_EV_SND_ACK_SYN, ES, "a non-SYN ACKing the peer's SYN" },
		{ SR, FT_TCP_EV_RCV_SYNACK, ES, "simultaneous open completes on the SYN-ACK" },
		{ SS, FT_TCP_EV_SND_SYN, SS, "a retransmitted SYN changes nothing" },
		{ SR, FT_TCP_EV_RCV_SYN, SR, "a retransmitted SYN changes nothing" },
		{ SR, FT_TCP_EV_SND_SYNACK, SR, "a retransmitted SYN-ACK changes nothing" },
		{ ES, FT_TCP_EV_RCV_SYNACK, ES, "a duplicate SYN-ACK changes nothing" },
		{ ES, FT_TCP_EV_RCV_ACK_SYN, ES, "a duplicate ACK changes nothing" },
		{ ES, FT_TCP_EV_SND_ACK_SYN, ES, "a duplicate ACK changes nothing" },
		{ CL, FT_TCP_EV_PICKUP, ES, "a flow picked up mid-stream is ESTABLISHED" },
		{ CL, FT_TCP_EV_PICKUP_SND_FIN, F1, "the sender of a FIN seen first: FIN_WAIT1" },
		{ CL, FT_TCP_EV_PICKUP_RCV_FIN, CW,
				"the receiver of a FIN seen first: CLOSE_WAIT" },
		{ ES, FT_TCP_EV_PICKUP_SND_FIN, ES, "a pick-up revives nothing" },
		{ TW, FT_TCP_EV_PICKUP_RCV_FIN, TW, "a pick-up revives nothing" },
	};
	/* Client and server side of a whole handshake. */
	static const uint8_t client_ev[] = { FT_TCP_EV_SND_SYN, FT_TCP_EV_RCV_SYNACK };
	static const uint8_t client_st[] = { SS, ES };
	static const uint8_t server_ev[] = {
		FT_TCP_EV_RCV_SYN,
		FT_TCP_EV_SND_SYNACK,
		FT_TCP_EV_RCV_ACK_SYN,
	};
	static const uint8_t server_st[] = { SR, SR, ES };

	(void)state;
	check_transitions(t, DIM(t));
	check_path(CL, client_ev, client_st, sizeof(client_ev));
	check_path(CL, server_ev, server_st, sizeof(server_ev));
}

static void
test_close(void **state)
{
	static const struct transition t[] = {
		/* Active close. */
		{ ES, FT_TCP_EV_SND_FIN, F1, "first FIN sent" },
		{ F1, FT_TCP_EV_RCV_ACK_FIN, F2, "our FIN ACKed" },
		{ F2, FT_TCP_EV_RCV_FIN, TW, "peer's FIN in FIN_WAIT2" },
		{ F2, FT_TCP_EV_RCV_FIN_ACK, TW, "peer's FIN in FIN_WAIT2" },
		{ TW, FT_TCP_EV_TIMEOUT, CL, "2 MSL over" },
		/* Simultaneous close. */
		{ F1, FT_TCP_EV_RCV_FIN, CG, "peer's FIN before the ACK of ours" },
		{ CG, FT_TCP_EV_RCV_ACK_FIN, TW, "our FIN ACKed in CLOSING" },
		{ F1, FT_TCP_EV_RCV_FIN_ACK, TW, "peer's FIN that ACKs ours" },
		/* Passive close. */
		{ ES, FT_TCP_EV_RCV_FIN, CW, "peer's FIN" },
		{ ES, FT_TCP_EV_RCV_FIN_ACK, CW, "peer's FIN" },
		{ CW, FT_TCP_EV_SND_FIN_ACK, LA, "our FIN, ACKing the peer's" },
		{ LA, FT_TCP_EV_RCV_ACK_FIN, CL, "the last ACK" },
		/* Crossing FINs seen from the side whose FIN left after the peer's. */
		{ CW, FT_TCP_EV_SND_FIN, CG, "our FIN does not ACK the peer's: they crossed" },
		/* Retransmitted FINs change no state. */
		{ F1, FT_TCP_EV_SND_FIN, F1, "retransmitted FIN" },
		{ CG, FT_TCP_EV_SND_FIN, CG, "retransmitted FIN" },
		{ LA, FT_TCP_EV_SND_FIN_ACK, LA, "retransmitted FIN" },
		{ LA, FT_TCP_EV_SND_FIN, LA, "retransmitted FIN" },
		{ CW, FT_TCP_EV_RCV_FIN, CW, "peer's FIN retransmitted" },
		{ CG, FT_TCP_EV_RCV_FIN, CG, "peer's FIN retransmitted" },
		{ TW, FT_TCP_EV_RCV_FIN, TW, "peer's FIN retransmitted" },
		{ TW, FT_TCP_EV_RCV_FIN_ACK, TW, "peer's FIN retransmitted" },
		{ F2, FT_TCP_EV_RCV_ACK_FIN, F2, "duplicate ACK of our FIN" },
		{ TW, FT_TCP_EV_RCV_ACK_FIN, TW, "duplicate ACK of our FIN" },
	};
	static const uint8_t active_ev[] = {
		FT_TCP_EV_SND_FIN,
		FT_TCP_EV_RCV_ACK_FIN,
		FT_TCP_EV_RCV_FIN,
		FT_TCP_EV_TIMEOUT,
	};
	static const uint8_t active_st[] = { F1, F2, TW, CL };
	static const uint8_t simul_ev[] = {
		FT_TCP_EV_SND_FIN,
		FT_TCP_EV_RCV_FIN,
		FT_TCP_EV_RCV_ACK_FIN,
		FT_TCP_EV_TIMEOUT,
	};
	static const uint8_t simul_st[] = { F1, CG, TW, CL };
	static const uint8_t passive_ev[] = {
		FT_TCP_EV_RCV_FIN,
		FT_TCP_EV_SND_FIN_ACK,
		FT_TCP_EV_RCV_ACK_FIN,
	};
	static const uint8_t passive_st[] = { CW, LA, CL };
	static const uint8_t crossed_ev[] = {
		FT_TCP_EV_RCV_FIN,
		FT_TCP_EV_SND_FIN,
		FT_TCP_EV_RCV_ACK_FIN,
		FT_TCP_EV_TIMEOUT,
	};
	static const uint8_t crossed_st[] = { CW, CG, TW, CL };

	(void)state;
	check_transitions(t, DIM(t));
	check_path(ES, active_ev, active_st, sizeof(active_ev));
	check_path(ES, simul_ev, simul_st, sizeof(simul_ev));
	check_path(ES, passive_ev, passive_st, sizeof(passive_ev));
	check_path(ES, crossed_ev, crossed_st, sizeof(crossed_ev));
}

static void
test_abort_events_close(void **state)
{
	static const uint8_t abort_ev[] = {
		FT_TCP_EV_RST,
		FT_TCP_EV_TIMEOUT,
		FT_TCP_EV_EVICT,
		FT_TCP_EV_REUSE,
	};
	unsigned int i, s;

	(void)state;
	for (i = 0; i < sizeof(abort_ev); i++)
		for (s = 0; s < FT_TCP_STATE_MAX; s++)
			if (ft_tcp_next[abort_ev[i]][s] != CL)
				fail_msg("%s -%s-> %s, expected CLOSED", ft_tcp_state_name(s),
						event_names[abort_ev[i]],
						ft_tcp_state_name(ft_tcp_next[abort_ev[i]][s]));
}

/* Only an opening event or a pick-up starts an endpoint. */
static void
test_closed_is_left_only_by_opening(void **state)
{
	unsigned int ev, to;
	int opening;

	(void)state;
	for (ev = 0; ev < FT_TCP_EV_MAX; ev++) {
		opening = ev == FT_TCP_EV_SND_SYN || ev == FT_TCP_EV_RCV_SYN ||
				ev == FT_TCP_EV_SND_SYNACK || ev == FT_TCP_EV_RCV_SYNACK ||
				ev == FT_TCP_EV_PICKUP || ev == FT_TCP_EV_PICKUP_SND_FIN ||
				ev == FT_TCP_EV_PICKUP_RCV_FIN;
		to = ft_tcp_next[ev][CL];
		if (opening && to == CL)
			fail_msg("CLOSED -%s-> CLOSED: an opening event must open",
					event_names[ev]);
		if (!opening && to != CL)
			fail_msg("CLOSED -%s-> %s: only an opening event leaves CLOSED",
					event_names[ev], ft_tcp_state_name(to));
	}
}

/* TIME_WAIT ends by its timer, an RST, a new incarnation or eviction, nothing else. */
static void
test_time_wait_is_sticky(void **state)
{
	unsigned int ev, to;
	int leaves;

	(void)state;
	for (ev = 0; ev < FT_TCP_EV_MAX; ev++) {
		leaves = ev == FT_TCP_EV_TIMEOUT || ev == FT_TCP_EV_RST || ev == FT_TCP_EV_REUSE ||
				ev == FT_TCP_EV_EVICT;
		to = ft_tcp_next[ev][TW];
		if (!leaves && to != TW)
			fail_msg("TIME_WAIT -%s-> %s: only TIMEOUT, RST, REUSE or EVICT leave it",
					event_names[ev], ft_tcp_state_name(to));
	}
}

/* Once synchronized, no handshake event takes an endpoint back to a SYN state. */
static void
test_no_way_back_to_syn_states(void **state)
{
	unsigned int ev, s, to;

	(void)state;
	for (s = ES; s <= LA; s++)
		for (ev = 0; ev < FT_TCP_EV_MAX; ev++) {
			to = ft_tcp_next[ev][s];
			if (to == SS || to == SR)
				fail_msg("%s -%s-> %s", ft_tcp_state_name(s), event_names[ev],
						ft_tcp_state_name(to));
		}
}

static void
test_entries_in_range(void **state)
{
	unsigned int ev, s;

	(void)state;
	assert_int_equal(FT_TCP_STATE_MAX, 10);
	assert_int_equal(FT_TCP_EV_MAX, 18);
	for (ev = 0; ev < FT_TCP_EV_MAX; ev++)
		for (s = 0; s < FT_TCP_STATE_MAX; s++)
			if (ft_tcp_next[ev][s] >= FT_TCP_STATE_MAX)
				fail_msg("ft_tcp_next[%s][%s] = %u is not a state", event_names[ev],
						ft_tcp_state_name(s), ft_tcp_next[ev][s]);
}

static void
test_state_names(void **state)
{
	static const char *const names[] = {
		"SYN_SENT",
		"SYN_RECV",
		"ESTABLISHED",
		"FIN_WAIT1",
		"FIN_WAIT2",
		"CLOSING",
		"TIME_WAIT",
		"CLOSE_WAIT",
		"LAST_ACK",
		"CLOSED",
	};
	char buf[32];
	unsigned int s, i;

	(void)state;
	assert_int_equal(DIM(names), FT_TCP_STATE_MAX);
	for (s = 0; s < FT_TCP_STATE_MAX; s++) {
		assert_string_equal(ft_tcp_state_name(s), names[s]);
		assert_int_equal(ft_tcp_state_from_name(names[s]), (int)s);
		/* Lower case, and mixed case. */
		for (i = 0; names[s][i] != '\0'; i++)
			buf[i] = (char)tolower((unsigned char)names[s][i]);
		buf[i] = '\0';
		assert_int_equal(ft_tcp_state_from_name(buf), (int)s);
		buf[0] = (char)toupper((unsigned char)buf[0]);
		assert_int_equal(ft_tcp_state_from_name(buf), (int)s);
	}
	assert_int_equal(ft_tcp_state_from_name("BOGUS"), -ENOENT);
	assert_int_equal(ft_tcp_state_from_name(""), -ENOENT);
	assert_int_equal(ft_tcp_state_from_name("ESTABLISHE"), -ENOENT);
	assert_int_equal(ft_tcp_state_from_name("ESTABLISHED "), -ENOENT);
	assert_int_equal(ft_tcp_state_from_name("FIN_WAIT"), -ENOENT);
	assert_string_equal(ft_tcp_state_name(FT_TCP_STATE_MAX), "INVALID");
	assert_string_equal(ft_tcp_state_name(UINT32_MAX), "INVALID");
}

static void
test_event_causes(void **state)
{
	unsigned int ev;

	/* Every cause is one of the words the event stream documents. */
	static const char *const words[] = { "syn", "synack", "ack", "fin", "rst", "timeout",
		"pickup", "reuse", "evicted" };
	unsigned int w;

	(void)state;
	for (ev = 0; ev < FT_TCP_EV_MAX; ev++) {
		for (w = 0; w < sizeof(words) / sizeof(words[0]); w++)
			if (strcmp(ft_tcp_event_cause(ev), words[w]) == 0)
				break;
		assert_true(w < sizeof(words) / sizeof(words[0]));
	}
	assert_string_equal(ft_tcp_event_cause(FT_TCP_EV_SND_SYN), "syn");
	assert_string_equal(ft_tcp_event_cause(FT_TCP_EV_SND_FIN), "fin");
	assert_string_equal(ft_tcp_event_cause(FT_TCP_EV_RCV_ACK_FIN), "ack");
	assert_string_equal(ft_tcp_event_cause(FT_TCP_EV_RST), "rst");
	assert_string_equal(ft_tcp_event_cause(FT_TCP_EV_TIMEOUT), "timeout");
	assert_string_equal(ft_tcp_event_cause(FT_TCP_EV_EVICT), "evicted");
	assert_string_equal(ft_tcp_event_cause(FT_TCP_EV_MAX), "unknown");
}

static void
test_default_timeouts(void **state)
{
	static const struct {
		uint8_t state;
		uint32_t seconds;
	} want[] = {
		{ SS, 120 },
		{ SR, 60 },
		{ ES, 7440 },
		{ F1, 60 },
		{ F2, 60 },
		{ CG, 60 },
		{ TW, 60 },
		{ CW, 43200 },
		{ LA, 30 },
		{ CL, 0 },
	};
	unsigned int i;

	(void)state;
	assert_int_equal(DIM(want), FT_TCP_STATE_MAX);
	for (i = 0; i < DIM(want); i++)
		if (ft_tcp_default_timeout_s[want[i].state] != want[i].seconds)
			fail_msg("%s timeout %u s, expected %u s", ft_tcp_state_name(want[i].state),
					ft_tcp_default_timeout_s[want[i].state], want[i].seconds);
}

static void
test_closing_states(void **state)
{
	unsigned int s;

	(void)state;
	for (s = 0; s < FT_TCP_STATE_MAX; s++)
		assert_int_equal(ft_tcp_state_is_closing(s),
				s == F1 || s == F2 || s == CG || s == TW || s == CW || s == LA);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_abort_events_close),
		cmocka_unit_test(test_closed_is_left_only_by_opening),
		cmocka_unit_test(test_time_wait_is_sticky),
		cmocka_unit_test(test_no_way_back_to_syn_states),
		cmocka_unit_test(test_entries_in_range),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_event_causes),
		cmocka_unit_test(test_default_timeouts),
		cmocka_unit_test(test_closing_states),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
