/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * The engine driven packet by packet with a test-controlled clock: every rule
 * of the per-endpoint state machine, timers, RST checks, reuse, pick-up,
 * eviction and the gauges.
 */

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "ft_engine.h"
#include "ft_test_pkt.h"

#define NS    UINT64_C(1000000000)
#define MAXEV 8192

static struct ft_engine *eng;
/* Engines take the established fast path (1) or send every segment the general way (0). */
static uint8_t fast_path = 1;
static uint64_t now = 1000 * NS;
static struct ft_event evs[MAXEV];
static unsigned int nev;

static void
on_event(void *arg, const struct ft_event *ev)
{
	(void)arg;
	if (nev < MAXEV)
		evs[nev++] = *ev;
}

/* A connection as the test drives it: each side's next sequence number. */
struct conn {
	int v6;
	uint16_t vlan; /* 802.1Q tag of every frame, 0 for none. */
	uint32_t c, s;
	uint16_t cp, sp;
	uint32_t cseq, sseq;
	uint32_t ctsval, stsval;
};

static void
conn_init(struct conn *k, uint16_t cport)
{
	memset(k, 0, sizeof(*k));
	k->c = 0xc6120001; /* 198.18.0.1 */
	k->s = 0xc6130001; /* 198.19.0.1 */
	k->cp = cport;
	k->sp = 80;
	k->cseq = 1000;
	k->sseq = 5000000;
}

static struct ft_engine *
engine_new(uint32_t max_flows, void (*tune)(struct ft_engine_conf *))
{
	static unsigned int seq;
	static char name[32];
	struct ft_engine_conf conf;

	ft_engine_conf_init(&conf);
	snprintf(name, sizeof(name), "te%u", seq++);
	conf.name = name;
	conf.max_flows = max_flows;
	conf.max_flows_v6 = 64;
	conf.on_event = on_event;
	conf.fast_path = fast_path;
	if (tune != NULL)
		tune(&conf);
	return ft_engine_create(&conf);
}

static int
setup(void **state)
{
	(void)state;
	nev = 0;
	eng = engine_new(1024, NULL);
	return eng == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	ft_engine_free(eng);
	eng = NULL;
	return 0;
}

/* The frame of one segment of k with explicit numbers, into buf; returns its length. */
static uint32_t
frame(const struct conn *k, int from_client, uint8_t flags, uint32_t seq, uint32_t ack,
		uint32_t len, uint8_t *buf)
{
	struct ft_test_seg s;

	memset(&s, 0, sizeof(s));
	s.v6 = k->v6;
	s.src4 = from_client ? k->c : k->s;
	s.dst4 = from_client ? k->s : k->c;
	if (k->v6) {
		s.src6[0] = s.dst6[0] = 0x20;
		s.src6[1] = s.dst6[1] = 0x01;
		s.src6[15] = from_client ? 1 : 2;
		s.dst6[15] = from_client ? 2 : 1;
	}
	s.sport = from_client ? k->cp : k->sp;
	s.dport = from_client ? k->sp : k->cp;
	s.vlan = k->vlan;
	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	s.win = 1000;
	s.payload = len;
	s.wscale = (flags & FT_TH_SYN) ? 7 : -1;
	s.tsval = from_client ? k->ctsval : k->stsval;
	return (uint32_t)ft_test_build(&s, buf);
}

/* Send one segment with explicit numbers. */
static void
raw(const struct conn *k, int from_client, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	uint8_t buf[FT_TEST_FRAME_MAX];
	const uint8_t *data = buf;
	uint32_t flen = frame(k, from_client, flags, seq, ack, len, buf);

	ft_engine_process_spans(eng, &data, &flen, NULL, 1, now);
}

/* Send from one side with its own next sequence number, ACKing all of the peer's. */
static void
send_seg(struct conn *k, int from_client, uint8_t flags, uint32_t len)
{
	uint32_t *mine = from_client ? &k->cseq : &k->sseq;
	uint32_t peer = from_client ? k->sseq : k->cseq;

	raw(k, from_client, flags, *mine, (flags & FT_TH_ACK) ? peer : 0, len);
	*mine += len + ((flags & FT_TH_SYN) ? 1 : 0) + ((flags & FT_TH_FIN) ? 1 : 0);
}

#define C(k, fl, len) send_seg(k, 1, fl, len)
#define S(k, fl, len) send_seg(k, 0, fl, len)
#define A	      FT_TH_ACK
#define F	      FT_TH_FIN
#define R	      FT_TH_RST
#define SY	      FT_TH_SYN

static void
handshake(struct conn *k)
{
	C(k, SY, 0);
	S(k, SY | A, 0);
	C(k, A, 0);
}

static int32_t
flow_id(const struct conn *k)
{
	struct ft_test_seg s;
	struct ft_pkt p;
	uint8_t buf[FT_TEST_FRAME_MAX];
	size_t len;

	memset(&s, 0, sizeof(s));
	s.v6 = k->v6;
	s.src4 = k->c;
	s.dst4 = k->s;
	if (k->v6) {
		s.src6[0] = s.dst6[0] = 0x20;
		s.src6[1] = s.dst6[1] = 0x01;
		s.src6[15] = 1;
		s.dst6[15] = 2;
	}
	s.sport = k->cp;
	s.dport = k->sp;
	s.vlan = k->vlan;
	s.flags = A;
	s.wscale = -1;
	len = ft_test_build(&s, buf);
	if (ft_pkt_parse(buf, (uint32_t)len, &p) != FT_PKT_TCP)
		return -1;
	assert_int_equal(p.vlans, k->vlan != 0);
	return ft_engine_lookup(eng, &p);
}

/* What the engine says of the connection's flow; -1 if it is not tracked. */
static int
info(const struct conn *k, struct ft_flow_info *fi)
{
	int32_t id = flow_id(k);

	if (id < 0 || ft_engine_flow_info(eng, (uint32_t)id, fi) != 0)
		return -1;
	return 0;
}

/* State of one endpoint, or -1 if the flow is not tracked. */
static int
st(const struct conn *k, unsigned int role)
{
	struct ft_flow_info fi;

	if (info(k, &fi) != 0)
		return -1;
	return fi.state[role];
}

#define CL FT_ROLE_CLIENT
#define SV FT_ROLE_SERVER
#define assert_states(k, cs, ss) \
	do { \
		assert_int_equal(st(k, CL), FT_TCP_##cs); \
		assert_int_equal(st(k, SV), FT_TCP_##ss); \
	} while (0)

/* Move the clock on by sec seconds, firing every due timer. */
static void
advance(double sec)
{
	now += (uint64_t)(sec * 1e9);
	do
		ft_engine_tick(eng, now);
	while (ft_engine_timers_pending(eng, now));
}

static const struct ft_event *
last_end(void)
{
	unsigned int i;

	for (i = nev; i-- > 0;)
		if (evs[i].type == FT_EVENT_END)
			return &evs[i];
	return NULL;
}

static unsigned int
count_ends(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < nev; i++)
		n += evs[i].type == FT_EVENT_END;
	return n;
}

/* Every gauge row sums to the tracked flows: each flow has exactly one state per side. */
static void
check_gauges(void)
{
	unsigned int r, s;

	for (r = 0; r < 2; r++) {
		int64_t sum = 0;

		for (s = 0; s < FT_TCP_STATE_MAX; s++) {
			assert_true(ft_engine_stats(eng)->gauge[r][s] >= 0);
			sum += ft_engine_stats(eng)->gauge[r][s];
		}
		assert_int_equal(sum, (int64_t)ft_engine_stats(eng)->flows);
	}
}

static void
test_client_close(void **state)
{
	struct conn k;
	const struct ft_event *end;

	(void)state;
	conn_init(&k, 40000);
	C(&k, SY, 0);
	assert_states(&k, SYN_SENT, SYN_RECV);
	S(&k, SY | A, 0);
	assert_states(&k, ESTABLISHED, SYN_RECV);
	C(&k, A, 0);
	assert_states(&k, ESTABLISHED, ESTABLISHED);
	C(&k, A, 100);
	S(&k, A, 300);
	C(&k, F | A, 0);
	assert_states(&k, FIN_WAIT1, CLOSE_WAIT);
	S(&k, A, 0);
	assert_states(&k, FIN_WAIT2, CLOSE_WAIT);
	S(&k, F | A, 0);
	assert_states(&k, TIME_WAIT, LAST_ACK);
	C(&k, A, 0);
	assert_states(&k, TIME_WAIT, CLOSED);
	check_gauges();
	assert_int_equal(ft_engine_stats(eng)->gauge[CL][FT_TCP_TIME_WAIT], 1);
	advance(59.9);
	assert_states(&k, TIME_WAIT, CLOSED);
	advance(0.2);
	assert_int_equal(st(&k, CL), -1);
	end = last_end();
	assert_non_null(end);
	assert_int_equal(end->how, FT_END_FIN);
	assert_int_equal(end->first_closer, FT_CLOSER_CLIENT);
	assert_int_equal(end->pkts[0], 5);
	assert_int_equal(end->pkts[1], 4);
	assert_int_equal(end->client.port, 40000);
	assert_int_equal(end->server.port, 80);
	assert_int_equal(ft_engine_stats(eng)->flows, 0);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_TW_EXPIRIES], 1);
	check_gauges();
}

static void
test_fin_ack_piggyback(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40001);
	handshake(&k);
	S(&k, F | A, 0);
	assert_states(&k, CLOSE_WAIT, FIN_WAIT1);
	/* The client's FIN also ACKs the server's: server straight to TIME_WAIT. */
	C(&k, F | A, 0);
	assert_states(&k, LAST_ACK, TIME_WAIT);
	S(&k, A, 0);
	assert_states(&k, CLOSED, TIME_WAIT);
	advance(61);
	assert_int_equal(last_end()->first_closer, FT_CLOSER_SERVER);
	assert_int_equal(last_end()->how, FT_END_FIN);
}

static void
test_crossing_fins(void **state)
{
	struct conn k;
	uint32_t cfin, sfin;

	(void)state;
	conn_init(&k, 40002);
	handshake(&k);
	cfin = k.cseq;
	sfin = k.sseq;
	/* Both FINs are sent before either arrives: neither ACKs the other. */
	raw(&k, 1, F | A, cfin, sfin, 0);
	assert_states(&k, FIN_WAIT1, CLOSE_WAIT);
	raw(&k, 0, F | A, sfin, cfin, 0);
	assert_states(&k, CLOSING, CLOSING);
	raw(&k, 1, A, cfin + 1, sfin + 1, 0);
	assert_states(&k, CLOSING, TIME_WAIT);
	raw(&k, 0, A, sfin + 1, cfin + 1, 0);
	assert_states(&k, TIME_WAIT, TIME_WAIT);
	advance(61);
	assert_int_equal(st(&k, CL), -1);
	assert_int_equal(last_end()->how, FT_END_SIMULTANEOUS);
	assert_int_equal(last_end()->first_closer, FT_CLOSER_CLIENT);
}

static void
test_fin_with_data_and_half_close(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40003);
	handshake(&k);
	C(&k, F | A | FT_TH_PSH, 200);
	assert_states(&k, FIN_WAIT1, CLOSE_WAIT);
	S(&k, A, 0);
	assert_states(&k, FIN_WAIT2, CLOSE_WAIT);
	/* Data after the client's FIN keeps flowing and keeps the half-close alive. */
	advance(50);
	S(&k, A, 1000);
	C(&k, A, 0);
	advance(50);
	S(&k, A, 1000);
	C(&k, A, 0);
	advance(50);
	assert_states(&k, FIN_WAIT2, CLOSE_WAIT);
	S(&k, F | A, 10);
	assert_states(&k, TIME_WAIT, LAST_ACK);
	C(&k, A, 0);
	assert_states(&k, TIME_WAIT, CLOSED);
}

static void
test_fin_ahead_of_data(void **state)
{
	struct conn k;
	uint32_t d1;

	(void)state;
	conn_init(&k, 40004);
	handshake(&k);
	d1 = k.cseq;
	/* The FIN after 100 bytes arrives before them: the server has not got it yet. */
	raw(&k, 1, F | A, d1 + 100, k.sseq, 0);
	assert_states(&k, FIN_WAIT1, ESTABLISHED);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FIN_AHEAD_OF_DATA], 1);
	raw(&k, 1, A, d1, k.sseq, 100);
	assert_states(&k, FIN_WAIT1, CLOSE_WAIT);
}

static void
test_fin_retransmit_rearms(void **state)
{
	struct conn k;
	uint32_t fin;

	(void)state;
	conn_init(&k, 40005);
	handshake(&k);
	fin = k.cseq;
	C(&k, F | A, 0);
	advance(50);
	raw(&k, 1, F | A, fin, k.sseq, 0);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FIN_RETRANS], 1);
	advance(50);
	/* 100 s after the first FIN but 50 s after the retransmission. */
	assert_states(&k, FIN_WAIT1, CLOSE_WAIT);
	advance(11);
	assert_states(&k, CLOSED, CLOSE_WAIT);
	assert_int_equal(ft_engine_stats(eng)->expired[CL][FT_TCP_FIN_WAIT1], 1);
}

static void
test_fin_retransmit_restarts_time_wait(void **state)
{
	struct conn k;
	uint32_t sfin;

	(void)state;
	conn_init(&k, 40006);
	handshake(&k);
	C(&k, F | A, 0);
	S(&k, A, 0);
	sfin = k.sseq;
	S(&k, F | A, 0);
	assert_states(&k, TIME_WAIT, LAST_ACK);
	advance(20);
	/* The final ACK was lost: the server retransmits its FIN. */
	raw(&k, 0, F | A, sfin, k.cseq, 0);
	advance(29);
	/* LAST_ACK re-armed at 20 s for 30 s. */
	assert_states(&k, TIME_WAIT, LAST_ACK);
	advance(2);
	assert_states(&k, TIME_WAIT, CLOSED);
	advance(28);
	/* 79 s after TIME_WAIT began: it was restarted at 20 s. */
	assert_states(&k, TIME_WAIT, CLOSED);
	advance(2);
	assert_int_equal(st(&k, CL), -1);
	assert_int_equal(last_end()->how, FT_END_TIMEOUT);
	assert_int_equal(last_end()->how_state, FT_TCP_LAST_ACK);
}

static void
test_rst_exact_only(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40007);
	handshake(&k);
	C(&k, A, 100);
	/* In window but not exact: a challenge ACK, no change. */
	raw(&k, 0, R, k.sseq + 10, 0, 0);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_RST_IN_WINDOW], 1);
	assert_states(&k, ESTABLISHED, ESTABLISHED);
	/* Far out of window: no change. */
	raw(&k, 0, R, k.sseq + 0x40000000, 0, 0);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_RST_OUT_OF_WINDOW], 1);
	assert_states(&k, ESTABLISHED, ESTABLISHED);
	/* The exact RST closes both. */
	raw(&k, 0, R | A, k.sseq, k.cseq, 0);
	assert_states(&k, CLOSED, CLOSED);
	assert_int_equal(last_end()->how, FT_END_RST_SERVER);
	assert_int_equal(last_end()->first_closer, FT_CLOSER_SERVER);
	/* Late packets during the hold do not pick the flow up again. */
	C(&k, A, 10);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_LATE_AFTER_RST], 1);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_PICKUPS], 0);
	assert_int_equal(count_ends(), 1);
	check_gauges();
	advance(11);
	assert_int_equal(st(&k, CL), -1);
	assert_int_equal(count_ends(), 1);
	check_gauges();
}

static void
test_rst_after_fin_minus_one(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40008);
	handshake(&k);
	C(&k, F | A, 0);
	S(&k, A, 0);
	/* The server has the client's FIN; Linux accepts RCV.NXT - 1 then. */
	raw(&k, 1, R, k.cseq - 1, 0, 0);
	assert_states(&k, CLOSED, CLOSED);
	assert_int_equal(last_end()->how, FT_END_RST_CLIENT);
	assert_int_equal(last_end()->first_closer, FT_CLOSER_CLIENT);
}

static void
test_syn_refused(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40009);
	C(&k, SY, 0);
	/* An RST that does not ACK the SYN is not acceptable in SYN_SENT. */
	raw(&k, 0, R | A, 0, k.cseq + 5, 0);
	assert_states(&k, SYN_SENT, SYN_RECV);
	raw(&k, 0, R | A, 0, k.cseq, 0);
	assert_states(&k, CLOSED, CLOSED);
	assert_int_equal(last_end()->how, FT_END_RST_SERVER);
	/* The client retries on the same tuple: a new incarnation. */
	k.cseq += 1000;
	C(&k, SY, 0);
	assert_states(&k, SYN_SENT, SYN_RECV);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FLOWS_CREATED], 2);
}

static void
test_out_of_window_fin_ignored(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40010);
	handshake(&k);
	raw(&k, 1, F | A, k.cseq + 0x70000000, k.sseq, 0);
	assert_states(&k, ESTABLISHED, ESTABLISHED);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FIN_OUT_OF_WINDOW], 1);
	/* Segments without ACK are dropped by endpoints, so by us too. */
	raw(&k, 1, F, k.cseq, 0, 0);
	assert_states(&k, ESTABLISHED, ESTABLISHED);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_NO_ACK_SEGMENTS], 1);
}

static void
server_close_to_time_wait(struct conn *k)
{
	handshake(k);
	S(k, F | A, 0);
	C(k, A, 0);
	C(k, F | A, 0);
	S(k, A, 0);
	assert_states(k, CLOSED, TIME_WAIT);
}

static void
test_syn_reuse_rfc6191(void **state)
{
	struct conn k;
	uint32_t old;

	(void)state;
	conn_init(&k, 40011);
	server_close_to_time_wait(&k);
	old = k.cseq;
	/* An old SYN (sequence not after RCV.NXT, no timestamp) is ignored. */
	raw(&k, 1, SY, old - 100, 0, 0);
	assert_states(&k, CLOSED, TIME_WAIT);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_SYN_REUSE_REJECTED], 1);
	/* A newer SYN ends the old incarnation and starts a new one. */
	raw(&k, 1, SY, old + 100000, 0, 0);
	assert_states(&k, SYN_SENT, SYN_RECV);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_SYN_REUSE], 1);
	assert_int_equal(count_ends(), 1);
	assert_int_equal(last_end()->how, FT_END_FIN);
	assert_int_equal(last_end()->first_closer, FT_CLOSER_SERVER);
	check_gauges();
}

static void
test_syn_reuse_by_timestamp(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40012);
	k.ctsval = 1000;
	k.stsval = 7000;
	server_close_to_time_wait(&k);
	/* Sequence number older, but a newer timestamp: RFC 6191 accepts it. */
	k.ctsval = 2000;
	raw(&k, 1, SY, k.cseq - 50, 0, 0);
	assert_states(&k, SYN_SENT, SYN_RECV);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_SYN_REUSE], 1);
}

static void
test_pickup(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40013);
	S(&k, A, 100);
	assert_states(&k, ESTABLISHED, ESTABLISHED);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_PICKUPS], 1);
	/* The sender of the first packet seen is taken as the client. */
	{
		struct ft_flow_info fi;

		assert_int_equal(info(&k, &fi), 0);
		assert_int_equal(fi.state[FT_ROLE_CLIENT], FT_TCP_ESTABLISHED);
		assert_int_equal(fi.pkts[FT_ROLE_CLIENT], 1);
		assert_int_equal(fi.pkts[FT_ROLE_SERVER], 0);
		assert_int_equal(ft_engine_stats(eng)->gauge[CL][FT_TCP_ESTABLISHED], 1);
	}
	S(&k, F | A, 0);
	C(&k, A, 0);
	C(&k, F | A, 0);
	S(&k, A, 0);
	advance(61);
	assert_int_equal(last_end()->how, FT_END_FIN);
	assert_int_equal(ft_engine_stats(eng)->flows, 0);
}

/* The engine's audit holds after the clock has run to now. */
static void
check_audit(void)
{
	char why[256];

	if (ft_engine_audit(eng, 0, why, sizeof(why)) != 0)
		fail_msg("audit: %s", why);
}

/* Number of state events into state `to` for the given role. */
static unsigned int
count_into(unsigned int role, unsigned int to)
{
	unsigned int i, n = 0;

	for (i = 0; i < nev; i++)
		n += evs[i].type == FT_EVENT_STATE && evs[i].role == role && evs[i].to == to;
	return n;
}

/*
 * Failover, row "FIN first seen": a host that takes over a flow mid-close
 * picks it up in the states the FIN shows, its sender FIN_WAIT1 and its
 * receiver CLOSE_WAIT, never passing through ESTABLISHED; the rest of the
 * close then goes as on the host that saw it all.
 */
static void
test_pickup_fin_first(void **state)
{
	struct conn k;
	const struct ft_event *end;

	(void)state;
	conn_init(&k, 40030);
	C(&k, F | A, 0);
	assert_states(&k, FIN_WAIT1, CLOSE_WAIT);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_PICKUPS], 1);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_PICKUPS_CLOSING], 1);
	assert_int_equal(ft_engine_stats(eng)->entered[CL][FT_TCP_ESTABLISHED], 0);
	assert_int_equal(ft_engine_stats(eng)->entered[SV][FT_TCP_ESTABLISHED], 0);
	assert_int_equal(evs[0].from, FT_TCP_CLOSED);
	assert_int_equal(evs[0].to, FT_TCP_FIN_WAIT1);
	assert_string_equal(ft_tcp_event_cause(evs[0].cause), "pickup");
	check_audit();
	S(&k, A, 0);
	assert_states(&k, FIN_WAIT2, CLOSE_WAIT);
	S(&k, F | A, 0);
	assert_states(&k, TIME_WAIT, LAST_ACK);
	C(&k, A, 0);
	assert_states(&k, TIME_WAIT, CLOSED);
	check_audit();
	advance(61);
	end = last_end();
	assert_non_null(end);
	assert_int_equal(end->how, FT_END_FIN);
	assert_int_equal(end->first_closer, FT_CLOSER_CLIENT);
	assert_int_equal(end->last_state[CL], FT_TCP_TIME_WAIT);
	assert_int_equal(end->last_state[SV], FT_TCP_LAST_ACK);
	assert_int_equal(end->tcp_flags[CL], FT_TH_FIN | FT_TH_ACK);
	assert_int_equal(end->tcp_flags[SV], FT_TH_FIN | FT_TH_ACK);
	check_gauges();
}

/* Row "FIN first seen, the peer's FIN crosses it": both CLOSING, a simultaneous close. */
static void
test_pickup_fin_then_crossing_fin(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40031);
	C(&k, F | A, 100);
	/* The server's FIN was sent before the client's arrived: it does not ACK it. */
	raw(&k, 0, F | A, k.sseq, k.cseq - 1, 0);
	k.sseq++;
	assert_states(&k, CLOSING, CLOSING);
	C(&k, A, 0);
	S(&k, A, 0);
	assert_states(&k, TIME_WAIT, TIME_WAIT);
	advance(61);
	assert_int_equal(last_end()->how, FT_END_SIMULTANEOUS);
	check_gauges();
}

/*
 * Row "cut after the first FIN": the first packet is the ACK of a FIN not
 * seen. A pure ACK shows nothing of a close: both are picked up ESTABLISHED,
 * the next FIN is taken as the first one, and the endpoint whose FIN was
 * missed shows CLOSE_WAIT where it is in FIN_WAIT2 (not recovered).
 */
static void
test_pickup_after_first_fin(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40032);
	k.cseq++; /* The client's FIN went by before the cut. */
	S(&k, A, 0);
	/*
	 * The sender of the first packet seen is taken as the client: the engine's
	 * client here is the real server (the roles below are the engine's).
	 */
	assert_states(&k, ESTABLISHED, ESTABLISHED);
	S(&k, F | A, 0);
	assert_states(&k, FIN_WAIT1, CLOSE_WAIT);
	C(&k, A, 0);
	assert_states(&k, FIN_WAIT2, CLOSE_WAIT);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_PICKUPS_CLOSING], 0);
	check_audit();
}

/* Row "RST first seen": nothing is tracked; the RST is counted. */
static void
test_pickup_rst_first(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40033);
	raw(&k, 1, R | A, k.cseq, k.sseq, 0);
	assert_int_equal(st(&k, CL), -1);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_RST_NO_FLOW], 1);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_PICKUPS], 0);
	assert_int_equal(nev, 0);
}

/*
 * Row "only the last ACK after the cut": picked up ESTABLISHED both ways, and
 * with nothing more it ends by the ESTABLISHED timer (not recovered). Only the
 * client's packet was seen: a one-sided flow, whose timeout is not the
 * state's (no leak diagnosed).
 */
static void
test_pickup_last_ack_only(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40034);
	C(&k, A, 0);
	assert_states(&k, ESTABLISHED, ESTABLISHED);
	advance(7441);
	assert_int_equal(last_end()->how, FT_END_ONE_SIDED);
	assert_int_equal(last_end()->one_sided, FT_ONE_SIDED_CLIENT);
	assert_int_equal(last_end()->how_state, FT_TCP_ESTABLISHED);
	assert_int_equal(last_end()->last_state[CL], FT_TCP_ESTABLISHED);
	assert_int_equal(ft_engine_stats(eng)->expired[CL][FT_TCP_ESTABLISHED], 0);
	assert_int_equal(ft_engine_stats(eng)->one_sided_expired[CL][FT_TCP_ESTABLISHED], 1);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_ONE_SIDED_TIMEOUTS], 2);
	check_gauges();
}

/*
 * Row "the passive closer's FIN first seen" (its peer's FIN went by before the
 * cut): the packets look exactly like a first FIN, so the sender shows
 * FIN_WAIT1 then FIN_WAIT2 (it is in LAST_ACK then CLOSED) and its peer
 * CLOSE_WAIT (it is in TIME_WAIT) until their timers end them (not recovered).
 */
static void
test_pickup_passive_fin_first(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40035);
	k.sseq++; /* The server's FIN went by before the cut: the client ACKs it. */
	C(&k, F | A, 0);
	S(&k, A, 0);
	assert_states(&k, FIN_WAIT2, CLOSE_WAIT);
	advance(61);
	assert_states(&k, CLOSED, CLOSE_WAIT);
	check_audit();
}

/* A flow end carries the union of each side's TCP flags and the state each left. */
static void
test_end_flags_and_last_states(void **state)
{
	struct conn k;
	struct ft_flow_info fi;
	const struct ft_event *end;

	(void)state;
	conn_init(&k, 40036);
	handshake(&k);
	C(&k, A | FT_TH_PSH, 100);
	S(&k, A | FT_TH_PSH, 300);
	assert_int_equal(info(&k, &fi), 0);
	assert_int_equal(fi.tcp_flags[CL], FT_TH_SYN | FT_TH_ACK);
	assert_int_equal(fi.tcp_flags[SV], FT_TH_SYN | FT_TH_ACK);
	assert_int_equal(fi.first_closer, FT_CLOSER_NONE);
	raw(&k, 1, R | A, k.cseq, k.sseq, 0);
	end = last_end();
	assert_non_null(end);
	assert_int_equal(end->how, FT_END_RST_CLIENT);
	assert_int_equal(end->tcp_flags[CL], FT_TH_SYN | FT_TH_ACK | FT_TH_RST);
	assert_int_equal(end->tcp_flags[SV], FT_TH_SYN | FT_TH_ACK);
	assert_int_equal(end->last_state[CL], FT_TCP_ESTABLISHED);
	assert_int_equal(end->last_state[SV], FT_TCP_ESTABLISHED);

	/* Picked up: the server's first segments may take the fast path; they carried ACK. */
	conn_init(&k, 40037);
	C(&k, A, 100);
	assert_int_equal(info(&k, &fi), 0);
	assert_int_equal(fi.tcp_flags[SV], 0);
	S(&k, A, 50);
	S(&k, A, 50);
	assert_int_equal(info(&k, &fi), 0);
	assert_int_equal(fi.tcp_flags[CL], FT_TH_ACK);
	assert_int_equal(fi.tcp_flags[SV], FT_TH_ACK);
	S(&k, F | A, 0);
	assert_int_equal(info(&k, &fi), 0);
	assert_int_equal(fi.tcp_flags[SV], FT_TH_FIN | FT_TH_ACK);
	assert_int_equal(fi.first_closer, FT_CLOSER_SERVER);
	assert_int_equal(count_into(SV, FT_TCP_FIN_WAIT1), 1);
}

static void
no_pickup(struct ft_engine_conf *conf)
{
	conf->pickup = 0;
}

static void
test_pickup_off(void **state)
{
	struct conn k;

	(void)state;
	ft_engine_free(eng);
	eng = engine_new(1024, no_pickup);
	assert_non_null(eng);
	conn_init(&k, 40014);
	C(&k, A, 100);
	assert_int_equal(st(&k, CL), -1);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_TCP_UNTRACKED], 1);
	handshake(&k);
	assert_states(&k, ESTABLISHED, ESTABLISHED);
}

static void
ends_only(struct ft_engine_conf *conf)
{
	conf->state_events = 0;
}

/* One connection from SYN to the end of TIME_WAIT. */
static void
close_one(struct conn *k, uint16_t cport)
{
	conn_init(k, cport);
	handshake(k);
	C(k, A, 100);
	C(k, F | A, 0);
	S(k, F | A, 0);
	C(k, A, 0);
	assert_states(k, TIME_WAIT, CLOSED);
	advance(60.1);
	assert_int_equal(st(k, CL), -1);
}

/* state_events 0: the callback sees the flow ends only; states and counters move as before. */
static void
test_ends_only_events(void **state)
{
	struct conn k;
	uint64_t transitions;
	unsigned int i, nstate = 0;

	(void)state;
	close_one(&k, 40040);
	for (i = 0; i < nev; i++)
		nstate += evs[i].type == FT_EVENT_STATE;
	transitions = ft_engine_stats(eng)->cnt[FT_CNT_TRANSITIONS];
	assert_true(nstate >= 8);
	assert_int_equal(nstate, transitions);

	ft_engine_free(eng);
	eng = engine_new(1024, ends_only);
	assert_non_null(eng);
	nev = 0;
	close_one(&k, 40041);
	assert_int_equal(nev, 1);
	assert_int_equal(evs[0].type, FT_EVENT_END);
	assert_int_equal(evs[0].how, FT_END_FIN);
	assert_int_equal(evs[0].client.port, 40041);
	assert_int_equal(evs[0].pkts[0], 5);
	assert_int_equal(evs[0].pkts[1], 2);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_TRANSITIONS], transitions);
	check_gauges();
}

static void
short_timeouts(struct ft_engine_conf *conf)
{
	conf->timeout_ms[FT_TCP_FIN_WAIT2] = 3000;
	conf->timeout_ms[FT_TCP_CLOSE_WAIT] = 10000;
}

static void
test_close_wait_leak(void **state)
{
	struct conn k;
	const struct ft_event *end;

	(void)state;
	ft_engine_free(eng);
	eng = engine_new(1024, short_timeouts);
	assert_non_null(eng);
	conn_init(&k, 40015);
	handshake(&k);
	/* The classic Tomcat case: the server closes, the client never does. */
	S(&k, F | A, 0);
	C(&k, A, 0);
	assert_states(&k, CLOSE_WAIT, FIN_WAIT2);
	advance(2.9);
	assert_states(&k, CLOSE_WAIT, FIN_WAIT2);
	advance(0.2);
	assert_states(&k, CLOSE_WAIT, CLOSED);
	advance(7);
	assert_int_equal(st(&k, CL), -1);
	end = last_end();
	assert_int_equal(end->how, FT_END_TIMEOUT);
	assert_int_equal(end->how_state, FT_TCP_FIN_WAIT2);
	assert_int_equal(end->first_closer, FT_CLOSER_SERVER);
	assert_int_equal(ft_engine_stats(eng)->expired[CL][FT_TCP_CLOSE_WAIT], 1);
	assert_int_equal(ft_engine_stats(eng)->expired[SV][FT_TCP_FIN_WAIT2], 1);
}

static void
test_established_refresh(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40016);
	handshake(&k);
	advance(7000);
	C(&k, A, 10);
	advance(7000);
	/* 14000 s after the handshake, 7000 s after the last packet. */
	assert_states(&k, ESTABLISHED, ESTABLISHED);
	advance(441);
	assert_int_equal(st(&k, CL), -1);
	assert_int_equal(last_end()->how, FT_END_TIMEOUT);
	assert_int_equal(last_end()->how_state, FT_TCP_ESTABLISHED);
	assert_int_equal(last_end()->first_closer, FT_CLOSER_NONE);
}

static void
test_eviction_prefers_closing(void **state)
{
	struct conn k[80];
	unsigned int i, n;

	(void)state;
	ft_engine_free(eng);
	eng = engine_new(64, NULL);
	assert_non_null(eng);
	/* Fill the table with established flows until it refuses one. */
	for (n = 0; n < 80; n++) {
		conn_init(&k[n], (uint16_t)(41000 + n));
		handshake(&k[n]);
		if (ft_engine_stats(eng)->cnt[FT_CNT_TABLE_FULL] != 0)
			break;
	}
	assert_true(n >= 48 && n < 80);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FLOWS_EVICTED], 0);
	/* Nothing closing: established flows are never evicted. */
	for (i = 0; i < n; i++)
		assert_int_equal(st(&k[i], CL), FT_TCP_ESTABLISHED);
	/* Put one flow in TIME_WAIT: the next new flow evicts it. */
	C(&k[3], F | A, 0);
	S(&k[3], F | A, 0);
	C(&k[3], A, 0);
	assert_states(&k[3], TIME_WAIT, CLOSED);
	conn_init(&k[n], 50000);
	handshake(&k[n]);
	assert_states(&k[n], ESTABLISHED, ESTABLISHED);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FLOWS_EVICTED], 1);
	assert_int_equal(st(&k[3], CL), -1);
	assert_int_equal(last_end()->how, FT_END_EVICTED);
	assert_int_equal(last_end()->client.port, 41003);
	for (i = 0; i < n; i++)
		if (i != 3)
			assert_int_equal(st(&k[i], CL), FT_TCP_ESTABLISHED);
	/* All of it happened in the IPv4 table. */
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_TABLE_FULL_V6], 0);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FLOWS_EVICTED_V6], 0);
	check_gauges();
}

static void
test_full_ipv6_table_counted_apart(void **state)
{
	struct conn k[80];
	unsigned int n;

	(void)state;
	/* The IPv6 table holds 64 flows, the IPv4 one 1024: fill the IPv6 one. */
	for (n = 0; n < 80; n++) {
		conn_init(&k[n], (uint16_t)(43000 + n));
		k[n].v6 = 1;
		handshake(&k[n]);
		if (ft_engine_stats(eng)->cnt[FT_CNT_TABLE_FULL] != 0)
			break;
	}
	assert_true(n >= 48 && n < 80);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_TABLE_FULL_V6],
			ft_engine_stats(eng)->cnt[FT_CNT_TABLE_FULL]);
	/* A flow closed by RST and held makes room first: it had ended, no eviction counted. */
	C(&k[7], R | A, 0);
	assert_int_equal(st(&k[7], CL), FT_TCP_CLOSED);
	conn_init(&k[n], 51001);
	k[n].v6 = 1;
	handshake(&k[n]);
	assert_states(&k[n], ESTABLISHED, ESTABLISHED);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FLOWS_EVICTED], 0);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FLOWS_EVICTED_V6], 0);
	/* A closing IPv6 flow makes room for the next: an IPv6 eviction. */
	C(&k[5], F | A, 0);
	S(&k[5], F | A, 0);
	C(&k[5], A, 0);
	conn_init(&k[n], 51000);
	k[n].v6 = 1;
	handshake(&k[n]);
	assert_states(&k[n], ESTABLISHED, ESTABLISHED);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FLOWS_EVICTED], 1);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FLOWS_EVICTED_V6], 1);
	/* IPv4 flows still find room. */
	conn_init(&k[0], 52000);
	handshake(&k[0]);
	assert_states(&k[0], ESTABLISHED, ESTABLISHED);
	check_gauges();
	{
		char why[256];

		if (ft_engine_audit(eng, 0, why, sizeof(why)) != 0)
			fail_msg("audit: %s", why);
	}
}

static void
test_set_timeouts_new_deadlines(void **state)
{
	struct conn a, b;
	uint32_t tmo[FT_TCP_STATE_MAX];
	unsigned int s;

	(void)state;
	ft_engine_free(eng);
	eng = engine_new(1024, short_timeouts);
	assert_non_null(eng);
	assert_int_equal(ft_engine_set_timeouts(eng, NULL), -EINVAL);
	assert_int_equal(ft_engine_set_timeouts(NULL, tmo), -EINVAL);
	/* a's server enters FIN_WAIT2 with the 3 s timeout it was created with. */
	conn_init(&a, 44000);
	handshake(&a);
	S(&a, F | A, 0);
	C(&a, A, 0);
	assert_states(&a, CLOSE_WAIT, FIN_WAIT2);
	/* FIN_WAIT2 becomes 1 s, CLOSE_WAIT 2 s; the rest unchanged. */
	for (s = 0; s < FT_TCP_STATE_MAX; s++)
		tmo[s] = ft_engine_conf(eng)->timeout_ms[s];
	tmo[FT_TCP_FIN_WAIT2] = 1000;
	tmo[FT_TCP_CLOSE_WAIT] = 2000;
	assert_int_equal(ft_engine_set_timeouts(eng, tmo), 0);
	assert_int_equal(ft_engine_conf(eng)->timeout_ms[FT_TCP_FIN_WAIT2], 1000);
	assert_int_equal(ft_engine_conf(eng)->timeout_ms[FT_TCP_TIME_WAIT], tmo[FT_TCP_TIME_WAIT]);
	/* b enters FIN_WAIT2 after the change: its deadline uses the new timeout. */
	conn_init(&b, 44001);
	handshake(&b);
	S(&b, F | A, 0);
	C(&b, A, 0);
	assert_states(&b, CLOSE_WAIT, FIN_WAIT2);
	advance(0.9);
	assert_states(&b, CLOSE_WAIT, FIN_WAIT2);
	advance(0.2);
	assert_states(&b, CLOSE_WAIT, CLOSED);
	/* a's deadline was armed before the change: still 3 s (and no flow lost). */
	assert_states(&a, CLOSE_WAIT, FIN_WAIT2);
	advance(1.8);
	assert_states(&a, CLOSE_WAIT, FIN_WAIT2);
	advance(0.2);
	assert_states(&a, CLOSE_WAIT, CLOSED);
	/* b's CLOSE_WAIT was armed after the change: 2 s, then the flow ends. */
	assert_int_equal(st(&b, CL), -1);
	assert_int_equal(ft_engine_stats(eng)->flows, 1);
	check_gauges();
}

static void
test_time_in_state(void **state)
{
	struct conn k;
	struct ft_flow_info fi;

	(void)state;
	conn_init(&k, 44100);
	handshake(&k);
	S(&k, F | A, 0);
	C(&k, A, 0);
	assert_states(&k, CLOSE_WAIT, FIN_WAIT2);
	assert_int_equal(info(&k, &fi), 0);
	assert_int_equal(fi.in_state_ns[CL], 0);
	advance(5);
	/* Data from the half-closed side re-arms the timers, not the time in the state. */
	C(&k, A, 100);
	advance(2.5);
	assert_int_equal(info(&k, &fi), 0);
	assert_int_equal(fi.in_state_ns[CL], (uint64_t)(7.5 * 1e9));
	assert_int_equal(fi.in_state_ns[SV], (uint64_t)(7.5 * 1e9));
	assert_true(fi.expires_ns[SV] > 57 * NS && fi.expires_ns[SV] < 58 * NS);
	/* A new state starts the count again. */
	C(&k, F | A, 0);
	advance(1);
	assert_states(&k, LAST_ACK, TIME_WAIT);
	assert_int_equal(info(&k, &fi), 0);
	assert_int_equal(fi.in_state_ns[CL], NS);
	assert_int_equal(fi.in_state_ns[SV], NS);
}

static void
test_mem_estimate_bounds(void **state)
{
	struct rte_malloc_socket_stats before, after;
	struct ft_engine_conf conf;
	struct ft_engine *e;
	uint64_t used, est;

	(void)state;
	ft_engine_conf_init(&conf);
	conf.name = "te_mem";
	conf.socket_id = 0;
	conf.max_flows = 100000;
	conf.max_flows_v6 = 10000;
	est = ft_engine_mem_estimate(&conf);
	assert_int_equal(rte_malloc_get_socket_stats(0, &before), 0);
	e = ft_engine_create(&conf);
	assert_non_null(e);
	assert_int_equal(rte_malloc_get_socket_stats(0, &after), 0);
	used = after.heap_allocsz_bytes - before.heap_allocsz_bytes;
	ft_engine_free(e);
	print_message("engine heap %" PRIu64 " bytes, estimate %" PRIu64 "\n", used, est);
	/* An upper bound, and not a loose one. */
	assert_true(used <= est);
	assert_true(used >= est / 2);
}

static void
test_ipv6_and_vlan_flow(void **state)
{
	struct conn k;

	(void)state;
	conn_init(&k, 40017);
	k.v6 = 1;
	k.vlan = 100;
	handshake(&k);
	assert_states(&k, ESTABLISHED, ESTABLISHED);
	C(&k, F | A, 0);
	S(&k, F | A, 0);
	C(&k, A, 0);
	assert_states(&k, TIME_WAIT, CLOSED);
	{
		struct ft_flow_info fi;

		/* Tracked in the IPv6 table, through the tag. */
		assert_int_equal(info(&k, &fi), 0);
		assert_int_equal(fi.client.is_v6, 1);
		assert_int_equal(ft_engine_stats(eng)->pkt[FT_PKT_TCP], 6);
	}
	advance(61);
	assert_int_equal(last_end()->client.is_v6, 1);
	assert_int_equal(ft_engine_stats(eng)->flows, 0);
}

static void
test_malformed_counted(void **state)
{
	uint8_t junk[64];
	const uint8_t *d[3] = { junk, junk, junk };
	uint32_t len[3] = { 0, 10, 40 };

	(void)state;
	memset(junk, 0, sizeof(junk));
	junk[12] = 0x08; /* IPv4 EtherType, then a zero header. */
	ft_engine_process_spans(eng, d, len, NULL, 3, now);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_RX_PKTS], 3);
	assert_int_equal(ft_engine_stats(eng)->pkt[FT_PKT_ERR_TRUNC_ETH], 2);
	assert_int_equal(ft_engine_stats(eng)->pkt[FT_PKT_ERR_IP_VERSION], 1);
	assert_int_equal(ft_engine_stats(eng)->flows, 0);
}

static void
test_syn_flood_keeps_established(void **state)
{
	struct conn k[40], f;
	unsigned int i;
	uint64_t seed = 7;

	(void)state;
	ft_engine_free(eng);
	eng = engine_new(64, NULL);
	assert_non_null(eng);
	for (i = 0; i < 40; i++) {
		conn_init(&k[i], (uint16_t)(43000 + i));
		handshake(&k[i]);
	}
	/* A flood of SYNs from spoofed ports: it fills the table, never evicts them. */
	for (i = 0; i < 5000; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		conn_init(&f, (uint16_t)(1024 + (seed >> 33) % 60000));
		f.c = 0xc6120000u | (uint32_t)((seed >> 20) & 0xffff);
		f.cseq = (uint32_t)(seed >> 7);
		C(&f, SY, 0);
	}
	assert_true(ft_engine_stats(eng)->cnt[FT_CNT_TABLE_FULL] > 0);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FLOWS_EVICTED], 0);
	for (i = 0; i < 40; i++)
		assert_states(&k[i], ESTABLISHED, ESTABLISHED);
	check_gauges();
}

static void
test_fin_flood_moves_nothing(void **state)
{
	struct conn k;
	unsigned int i;
	uint64_t seed = 11;

	(void)state;
	conn_init(&k, 40021);
	handshake(&k);
	C(&k, A, 500);
	/* Forged FINs and RSTs with sequence numbers away from the window. */
	for (i = 0; i < 10000; i++) {
		uint32_t off;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		/* At least 16 MiB away from the window on either side. */
		off = 0x01000000u + (uint32_t)((seed >> 33) % 0xfe000000u);
		raw(&k, (int)(i & 1), (i & 2) ? (F | A) : R, (i & 1 ? k.cseq : k.sseq) + off,
				(i & 1 ? k.sseq : k.cseq), 0);
	}
	assert_states(&k, ESTABLISHED, ESTABLISHED);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FIN_OUT_OF_WINDOW] +
					ft_engine_stats(eng)->cnt[FT_CNT_RST_OUT_OF_WINDOW],
			10000);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_RST_ACCEPTED], 0);
	/* The real close still works afterwards. */
	C(&k, F | A, 0);
	assert_states(&k, FIN_WAIT1, CLOSE_WAIT);
}

static void
test_counters_carry(void **state)
{
	struct conn k;
	const struct ft_event *end;
	unsigned int i;

	(void)state;
	conn_init(&k, 40020);
	handshake(&k);
	/* More packets than the 16 bits kept in the hot line. */
	for (i = 0; i < 70000; i++)
		C(&k, A, 0);
	C(&k, F | A, 0);
	S(&k, F | A, 0);
	C(&k, A, 0);
	advance(61);
	end = last_end();
	assert_non_null(end);
	assert_int_equal(end->pkts[0], 2 + 70000 + 2);
	assert_int_equal(end->pkts[1], 2);
	/* 54-byte frames (Ethernet, IPv4, TCP): the byte counter follows the packets. */
	assert_int_equal(end->bytes[0], (2 + 70000 + 2) * 54 + 4);
}

/*
 * The SYN, then the SYN-ACK, of n new flows in one burst: each SYN-ACK must find
 * the flow its SYN added earlier in the batch (compared with the batch's adds
 * while they are few, looked up in the table past that). Every third flow is
 * IPv6 with the same ports as an IPv4 one: a key of the other family never
 * matches.
 */
static void
syn_synack_burst(unsigned int n)
{
	struct conn k[20];
	uint8_t bufs[40][FT_TEST_FRAME_MAX];
	const uint8_t *d[40];
	uint32_t len[40];
	unsigned int i;

	assert_true(n <= 20);
	for (i = 0; i < n; i++) {
		conn_init(&k[i], (uint16_t)(42000 + i / 3));
		k[i].v6 = i % 3 == 2;
		k[i].sp = (uint16_t)(80 + i % 3);
		len[2 * i] = frame(&k[i], 1, SY, k[i].cseq, 0, 0, bufs[2 * i]);
		len[2 * i + 1] = frame(&k[i], 0, SY | A, k[i].sseq, k[i].cseq + 1, 0,
				bufs[2 * i + 1]);
		d[2 * i] = bufs[2 * i];
		d[2 * i + 1] = bufs[2 * i + 1];
	}
	ft_engine_process_spans(eng, d, len, NULL, 2 * n, now);
	for (i = 0; i < n; i++)
		assert_states(&k[i], ESTABLISHED, SYN_RECV);
	assert_int_equal(ft_engine_stats(eng)->flows, n);
	assert_int_equal(ft_engine_stats(eng)->cnt[FT_CNT_FLOWS_CREATED], n);
	check_gauges();
}

static void
test_few_flows_one_burst(void **state)
{
	(void)state;
	syn_synack_burst(6);
}

static void
test_many_flows_one_burst(void **state)
{
	(void)state;
	syn_synack_burst(20);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_client_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fin_ack_piggyback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crossing_fins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fin_with_data_and_half_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fin_ahead_of_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fin_retransmit_rearms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fin_retransmit_restarts_time_wait, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_rst_exact_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rst_after_fin_minus_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_window_fin_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_reuse_rfc6191, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_reuse_by_timestamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pickup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pickup_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pickup_fin_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pickup_fin_then_crossing_fin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pickup_after_first_fin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pickup_rst_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pickup_last_ack_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pickup_passive_fin_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_flags_and_last_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_wait_leak, setup, teardown),
		cmocka_unit_test_setup_teardown(test_established_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction_prefers_closing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_and_vlan_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_flood_keeps_established, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fin_flood_moves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_carry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_few_flows_one_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_flows_one_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_ipv6_table_counted_apart, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_set_timeouts_new_deadlines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_in_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mem_estimate_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ends_only_events, setup, teardown),
	};
	int ret;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "test_engine: EAL cannot start here; skipping\n");
		return 77;
	}
	/* Every rule holds on the established fast path and without it. */
	ret = cmocka_run_group_tests_name("fast path", tests, NULL, NULL);
	fast_path = 0;
	ret += cmocka_run_group_tests_name("general path only", tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
