/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * Unit tests of fintrack's settings (app/ft_cfg.c): every key from the INI file
 * and from the command line, every kind of error with its message, the command
 * line over the file, the values ft_cfg_foreach() reports, --help, and the
 * sample config/fintrack.ini against the list of settings. No EAL is started.
 *
 * Argument: the config directory of the source tree (config/fintrack.ini and
 * config/two-port-nic.ini).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ft_cfg.h"

#define DIM(a)	   (sizeof(a) / sizeof((a)[0]))
#define MAX_ARGS   128
#define MAX_VALUES 128

static const char *config_dir;

/* Every option and INI key of the list, read from FT_CFG_KEY_LIST itself. */
struct listed_key {
	enum ft_cfg_section section;
	const char *key;
	const char *option;
};

#define LISTED_KEY(sec, k, opt, type, field, dflt, help) { FT_CFG_S_##sec, k, opt },
static const struct listed_key listed_keys[] = { FT_CFG_KEY_LIST(LISTED_KEY) };
#undef LISTED_KEY

#define LISTED_SECTION(name, ini, heading, reload) ini,
static const char *const listed_sections[FT_CFG_S_MAX] = { FT_CFG_SECTION_LIST(LISTED_SECTION) };
#undef LISTED_SECTION

/* Arguments of one ft_cfg_parse() call; they live until the next one. */
static char arg_buf[8192];
static char *arg_v[MAX_ARGS + 1];

/* What ft_cfg_parse() printed on stderr (or stdout for --help). */
static char output[16384];

/* Files written by a test, removed by its teardown. */
static char tmp_files[8][32];
static unsigned int n_tmp;

static int
teardown(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < n_tmp; i++)
		unlink(tmp_files[i]);
	n_tmp = 0;
	return 0;
}

/* Write text to a new file under /tmp; returns its path. */
static const char *
write_ini(const char *text)
{
	char *path;
	size_t len = strlen(text);
	int fd;

	assert_true(n_tmp < DIM(tmp_files));
	path = tmp_files[n_tmp];
	snprintf(path, sizeof(tmp_files[0]), "/tmp/ft_test_cfg.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	n_tmp++;
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

/*
 * ft_cfg_parse(cfg, "fintrack" args...) with the stream of fd (stderr, or
 * stdout) sent to output. The argument list ends with NULL.
 */
static int
parse_argv(struct ft_app_cfg *cfg, int fd, const char *const *args, unsigned int n)
{
	char path[] = "/tmp/ft_test_cfg_out.XXXXXX";
	size_t off = 0;
	unsigned int i;
	ssize_t got;
	int saved, out, ret;

	assert_true(n < MAX_ARGS);
	for (i = 0; i <= n; i++) {
		const char *a = i == 0 ? "fintrack" : args[i - 1];
		size_t len = strlen(a) + 1;

		assert_true(off + len <= sizeof(arg_buf));
		arg_v[i] = memcpy(arg_buf + off, a, len);
		off += len;
	}
	arg_v[n + 1] = NULL;

	out = mkstemp(path);
	assert_true(out >= 0);
	fflush(stdout);
	fflush(stderr);
	saved = dup(fd);
	dup2(out, fd);
	ret = ft_cfg_parse(cfg, (int)n + 1, arg_v);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, fd);
	close(saved);
	got = pread(out, output, sizeof(output) - 1, 0);
	output[got > 0 ? got : 0] = '\0';
	close(out);
	unlink(path);
	return ret;
}

static int
parse_args(struct ft_app_cfg *cfg, ...)
{
	const char *args[MAX_ARGS];
	unsigned int n = 0;
	const char *a;
	va_list ap;

	va_start(ap, cfg);
	while ((a = va_arg(ap, const char *)) != NULL) {
		assert_true(n < MAX_ARGS);
		args[n++] = a;
	}
	va_end(ap);
	return parse_argv(cfg, STDERR_FILENO, args, n);
}

static void
expect_output(const char *text)
{
	if (strstr(output, text) == NULL)
		fail_msg("expected '%s' in:\n%s", text, output);
}

/* One value reported by ft_cfg_foreach(). */
struct value {
	const char *section;
	const char *name;
	char text[256];
	int has_num;
	uint64_t num;
};

struct values {
	struct value v[MAX_VALUES];
	unsigned int n;
};

static void
collect(void *arg, const char *section, const char *name, const char *value, const uint64_t *num)
{
	struct values *vs = arg;
	struct value *v;

	assert_true(vs->n < MAX_VALUES);
	v = &vs->v[vs->n++];
	v->section = section;
	v->name = name;
	snprintf(v->text, sizeof(v->text), "%s", value);
	v->has_num = num != NULL;
	v->num = num != NULL ? *num : 0;
}

static const struct value *
find_value(const struct values *vs, const char *section, const char *name)
{
	unsigned int i;

	for (i = 0; i < vs->n; i++)
		if (((section == NULL && vs->v[i].section == NULL) ||
				    (section != NULL && vs->v[i].section != NULL &&
						    strcmp(section, vs->v[i].section) == 0)) &&
				strcmp(name, vs->v[i].name) == 0)
			return &vs->v[i];
	fail_msg("ft_cfg_foreach() gave no %s %s", section ? section : "(command line)", name);
	return NULL;
}

static void
defaults_of(struct ft_app_cfg *cfg)
{
	assert_int_equal(parse_args(cfg, NULL), 0);
}

/* The file and the command lines below set every setting to these values. */
static const char every_key_ini[] =
		"[engine]\n"
		"max_flows = 4096\n"
		"max_flows_v6 = 16\n"
		"pickup = off\n"
		"rst_hold = 2.5\n"
		"tick_us = 500\n"
		"wheel_slots = 1024\n"
		"expire_budget = 77\n"
		"evict = none\n"
		"evict_scan = 99\n"
		"[timeouts]\n"
		"SYN_SENT = 11\nSYN_RECV = 12\nESTABLISHED = 13\nFIN_WAIT1 = 14\nFIN_WAIT2 = 15\n"
		"CLOSING = 16\nTIME_WAIT = 17\nCLOSE_WAIT = 18\nLAST_ACK = 19.5\n"
		"[diagnosis]\n"
		"min_age = 7.5\n"
		"SYN_SENT = 21\nSYN_RECV = 22\nESTABLISHED = 23\nFIN_WAIT1 = 24\nFIN_WAIT2 = 25\n"
		"CLOSING = 26\nTIME_WAIT = 27\nCLOSE_WAIT = 28\nLAST_ACK = 29\n"
		"[tunnels]\n"
		"depth = 1\n"
		"geneve_ports = 6081,6082\n"
		"vxlan_ports = 10800,10801\n"
		"gue_ports = 6080\n"
		"ipip = off\n"
		"gre = off\n"
		"geneve_context = vni\n"
		"vxlan_context = none\n"
		"gre_context = none\n"
		"max_contexts = 99\n"
		"[metrics]\n"
		"address = ::1\n"
		"port = 9464\n"
		"top = 3\n"
		"[ipfix]\n"
		"collector = 198.18.0.9\n"
		"port = 4739\n"
		"enterprise = 12345\n"
		"domain = 7\n"
		"template_interval = 1.5\n"
		"[ports]\n"
		"pairs = 1:2,4:3\n"
		"ports = 2,0\n"
		"[live]\n"
		"mode = gwlb\n"
		"gwlb_addr = 198.18.1.2\n"
		"exception = off\n"
		"exception_iface = gwx-a\n"
		"max_frame = 9216\n"
		"workers = 3\n"
		"rx_desc = 512\n"
		"tx_desc = 2048\n"
		"mbufs = 4095\n"
		"burst = 16\n"
		"tx_drain_us = 50\n"
		"malformed = drop\n"
		"stats_interval = 0.25\n";

static const char *const every_key_args[] = {
	"--max-flows",
	"4096",
	"--max-flows-v6",
	"16",
	"--pickup",
	"off",
	"--rst-hold",
	"2.5",
	"--tick-us",
	"500",
	"--wheel-slots",
	"1024",
	"--expire-budget",
	"77",
	"--evict",
	"none",
	"--evict-scan",
	"99",
	"--timeout",
	"SYN_SENT=11",
	"--timeout",
	"SYN_RECV=12",
	"--timeout",
	"ESTABLISHED=13",
	"--timeout",
	"FIN_WAIT1=14",
	"--timeout",
	"FIN_WAIT2=15",
	"--timeout",
	"CLOSING=16",
	"--timeout",
	"TIME_WAIT=17",
	"--timeout",
	"CLOSE_WAIT=18",
	"--timeout",
	"LAST_ACK=19.5",
	"--diag",
	"SYN_SENT=21",
	"--diag",
	"SYN_RECV=22",
	"--diag",
	"ESTABLISHED=23",
	"--diag",
	"FIN_WAIT1=24",
	"--diag",
	"FIN_WAIT2=25",
	"--diag",
	"CLOSING=26",
	"--diag",
	"TIME_WAIT=27",
	"--diag",
	"CLOSE_WAIT=28",
	"--diag",
	"LAST_ACK=29",
	"--tunnel-depth",
	"1",
	"--geneve-ports",
	"6081,6082",
	"--vxlan-ports",
	"10800,10801",
	"--gue-ports",
	"6080",
	"--ipip",
	"off",
	"--gre",
	"off",
	"--geneve-context",
	"vni",
	"--vxlan-context",
	"none",
	"--gre-context",
	"none",
	"--max-contexts",
	"99",
	"--metrics-address",
	"::1",
	"--metrics-port",
	"9464",
	"--metrics-top",
	"3",
	"--ipfix-collector",
	"198.18.0.9",
	"--ipfix-port",
	"4739",
	"--ipfix-enterprise",
	"12345",
	"--ipfix-domain",
	"7",
	"--ipfix-template-interval",
	"1.5",
	"--diag-min-age",
	"7.5",
	"--pairs",
	"1:2,4:3",
	"--ports",
	"2,0",
	"--mode",
	"gwlb",
	"--gwlb-addr",
	"198.18.1.2",
	"--exception",
	"off",
	"--exception-iface",
	"gwx-a",
	"--max-frame",
	"9216",
	"--workers",
	"3",
	"--rx-desc",
	"512",
	"--tx-desc",
	"2048",
	"--mbufs",
	"4095",
	"--burst",
	"16",
	"--tx-drain-us",
	"50",
	"--malformed",
	"drop",
	"--stats-interval",
	"0.25",
};

/* The command-line-only settings, replay side. */
static const char *const replay_args[] = {
	"--pcap", "trace.pcap", "--drain", "--events", "ev.jsonl", "--report", "-", "--quiet",
	"--progress", "on", "--eal-verbose", "--config",
	NULL, /* A config file, filled in by the test. */
};

static void
check_every_key_set(const struct ft_app_cfg *cfg)
{
	unsigned int s;

	assert_int_equal(cfg->engine.max_flows, 4096);
	assert_int_equal(cfg->engine.max_flows_v6, 16);
	assert_int_equal(cfg->engine.pickup, 0);
	assert_int_equal(cfg->engine.rst_hold_ms, 2500);
	assert_int_equal(cfg->engine.tick_us, 500);
	assert_int_equal(cfg->engine.wheel_slots, 1024);
	assert_int_equal(cfg->engine.expire_budget, 77);
	assert_int_equal(cfg->engine.evict, 0);
	assert_int_equal(cfg->engine.evict_scan, 99);
	for (s = 0; s < FT_TCP_CLOSED; s++) {
		assert_int_equal(cfg->engine.timeout_ms[s],
				s == FT_TCP_LAST_ACK ? 19500 : (11 + s) * 1000);
		assert_int_equal(cfg->diag[s], 21 + s);
	}
	assert_int_equal(cfg->engine.pkt.tun_depth, 1);
	assert_int_equal(cfg->engine.pkt.geneve.n, 2);
	assert_int_equal(cfg->engine.pkt.geneve.port[1], 6082);
	assert_int_equal(cfg->engine.pkt.vxlan.n, 2);
	assert_int_equal(cfg->engine.pkt.vxlan.port[0], 10800);
	assert_int_equal(cfg->engine.pkt.vxlan.port[1], 10801);
	assert_int_equal(cfg->engine.pkt.gue.n, 1);
	assert_int_equal(cfg->engine.pkt.gue.port[0], 6080);
	assert_int_equal(cfg->engine.pkt.ipip, 0);
	assert_int_equal(cfg->engine.pkt.gre, 0);
	assert_int_equal(cfg->engine.pkt.ctx_geneve, FT_GENEVE_CTX_VNI);
	assert_int_equal(cfg->engine.pkt.ctx_vxlan, 0);
	assert_int_equal(cfg->engine.pkt.ctx_gre, 0);
	assert_int_equal(cfg->engine.max_contexts, 99);
	assert_string_equal(cfg->metrics_addr, "::1");
	assert_int_equal(cfg->metrics_port, 9464);
	assert_int_equal(cfg->metrics_top, 3);
	assert_string_equal(cfg->ipfix_addr, "198.18.0.9");
	assert_int_equal(cfg->ipfix_port, 4739);
	assert_int_equal(cfg->ipfix_pen, 12345);
	assert_int_equal(cfg->ipfix_domain, 7);
	assert_int_equal(cfg->ipfix_template_ms, 1500);
	assert_int_equal(cfg->npairs, 2);
	assert_int_equal(cfg->pairs[0][0], 1);
	assert_int_equal(cfg->pairs[0][1], 2);
	assert_int_equal(cfg->pairs[1][0], 4);
	assert_int_equal(cfg->pairs[1][1], 3);
	assert_int_equal(cfg->workers, 3);
	assert_int_equal(cfg->rx_desc, 512);
	assert_int_equal(cfg->tx_desc, 2048);
	assert_int_equal(cfg->mbufs, 4095);
	assert_int_equal(cfg->burst, 16);
	assert_int_equal(cfg->tx_drain_us, 50);
	assert_int_equal(cfg->drop_malformed, 1);
	assert_int_equal(cfg->stats_interval_ms, 250);
	assert_int_equal(cfg->diag_min_age_ms, 7500);
	assert_int_equal(cfg->ngwlb_ports, 2);
	assert_int_equal(cfg->gwlb_ports[0], 2);
	assert_int_equal(cfg->gwlb_ports[1], 0);
	assert_int_equal(cfg->mode, FT_CFG_MODE_GWLB);
	assert_string_equal(cfg->gwlb_addr, "198.18.1.2");
	assert_int_equal(cfg->exception, 0);
	assert_string_equal(cfg->exception_iface, "gwx-a");
	assert_int_equal(cfg->max_frame, 9216);
}

/* Every INI value of cfg differs from its default: the test above left none out. */
static void
check_none_left_default(const struct ft_app_cfg *cfg)
{
	struct ft_app_cfg def;
	struct values a = { .n = 0 }, d = { .n = 0 };
	unsigned int i;

	defaults_of(&def);
	ft_cfg_foreach(cfg, collect, &a);
	ft_cfg_foreach(&def, collect, &d);
	assert_int_equal(a.n, d.n);
	for (i = 0; i < a.n; i++)
		if (a.v[i].section != NULL && strcmp(a.v[i].text, d.v[i].text) == 0)
			fail_msg("[%s] %s keeps its default %s: set it in this test",
					a.v[i].section, a.v[i].name, a.v[i].text);
}

static void
test_defaults(void **state)
{
	struct ft_engine_conf e;
	struct ft_app_cfg cfg;
	unsigned int s;

	(void)state;
	ft_engine_conf_init(&e);
	defaults_of(&cfg);
	/* The engine's own defaults, not a copy of them. */
	assert_int_equal(cfg.engine.max_flows, e.max_flows);
	assert_int_equal(cfg.engine.max_flows_v6, e.max_flows_v6);
	assert_int_equal(cfg.engine.pickup, e.pickup);
	assert_int_equal(cfg.engine.rst_hold_ms, e.rst_hold_ms);
	assert_int_equal(cfg.engine.tick_us, e.tick_us);
	assert_int_equal(cfg.engine.wheel_slots, e.wheel_slots);
	assert_int_equal(cfg.engine.expire_budget, e.expire_budget);
	assert_int_equal(cfg.engine.evict, e.evict);
	assert_int_equal(cfg.engine.evict_scan, e.evict_scan);
	for (s = 0; s < FT_TCP_STATE_MAX; s++)
		assert_int_equal(cfg.engine.timeout_ms[s], e.timeout_ms[s]);
	assert_int_equal(cfg.diag[FT_TCP_SYN_SENT], 0);
	assert_int_equal(cfg.diag[FT_TCP_ESTABLISHED], 0);
	/* A pile is many endpoints, not one cut off by the end of a capture. */
	assert_int_equal(cfg.diag[FT_TCP_FIN_WAIT1], 50);
	assert_int_equal(cfg.diag[FT_TCP_FIN_WAIT2], 50);
	assert_int_equal(cfg.diag[FT_TCP_CLOSING], 50);
	assert_int_equal(cfg.diag[FT_TCP_CLOSE_WAIT], 50);
	assert_int_equal(cfg.diag[FT_TCP_LAST_ACK], 50);
	assert_int_equal(cfg.diag[FT_TCP_TIME_WAIT], 1000);
	assert_int_equal(cfg.diag_min_age_ms, 30000);
	assert_int_equal(cfg.progress, FT_CFG_PROGRESS_AUTO);
	assert_int_equal(cfg.eal_verbose, 0);
	assert_int_equal(cfg.npairs, 0);
	assert_int_equal(cfg.workers, 0);
	assert_int_equal(cfg.rx_desc, 1024);
	assert_int_equal(cfg.tx_desc, 1024);
	assert_int_equal(cfg.mbufs, 16383);
	assert_int_equal(cfg.burst, 32);
	assert_int_equal(cfg.tx_drain_us, 100);
	assert_int_equal(cfg.drop_malformed, 0);
	assert_int_equal(cfg.stats_interval_ms, 1000);
	assert_null(cfg.pcap);
	assert_null(cfg.config);
	assert_null(cfg.events);
	assert_null(cfg.report);
	assert_int_equal(cfg.drain, 0);
	assert_int_equal(cfg.quiet, 0);
	/* Live mode is today's bump in the wire unless told otherwise. */
	assert_int_equal(cfg.mode, FT_CFG_MODE_TRANSIT);
	assert_int_equal(cfg.ngwlb_ports, 0);
	assert_string_equal(cfg.gwlb_addr, "");
	assert_int_equal(cfg.exception, 1);
	assert_string_equal(cfg.exception_iface, "ftx0");
	assert_int_equal(cfg.max_frame, 1518);
}

static void
test_every_key_from_file(void **state)
{
	const char *ini = write_ini(every_key_ini);
	struct ft_app_cfg cfg;

	(void)state;
	assert_int_equal(parse_args(&cfg, "--config", ini, NULL), 0);
	assert_string_equal(cfg.config, ini);
	check_every_key_set(&cfg);
	check_none_left_default(&cfg);
}

static void
test_every_key_from_command_line(void **state)
{
	const char *args[DIM(replay_args)];
	struct ft_app_cfg cfg;
	unsigned int i, j;

	(void)state;
	assert_int_equal(parse_argv(&cfg, STDERR_FILENO, every_key_args, DIM(every_key_args)), 0);
	check_every_key_set(&cfg);
	check_none_left_default(&cfg);

	memcpy(args, replay_args, sizeof(args));
	args[DIM(args) - 1] = write_ini("[engine]\n");
	assert_int_equal(parse_argv(&cfg, STDERR_FILENO, args, DIM(args)), 0);
	assert_string_equal(cfg.pcap, "trace.pcap");
	assert_int_equal(cfg.drain, 1);
	assert_string_equal(cfg.events, "ev.jsonl");
	assert_string_equal(cfg.report, "-");
	assert_int_equal(cfg.quiet, 1);
	assert_int_equal(cfg.progress, FT_CFG_PROGRESS_ON);
	assert_int_equal(cfg.eal_verbose, 1);
	assert_string_equal(cfg.config, args[DIM(args) - 1]);

	/* Between them, the two command lines give every option of the list. */
	for (i = 0; i < DIM(listed_keys); i++) {
		char opt[64];
		int found = 0;

		snprintf(opt, sizeof(opt), "--%s", listed_keys[i].option);
		for (j = 0; j < DIM(every_key_args); j++)
			found |= strcmp(every_key_args[j], opt) == 0;
		for (j = 0; j < DIM(replay_args); j++)
			found |= replay_args[j] != NULL && strcmp(replay_args[j], opt) == 0;
		if (!found)
			fail_msg("%s is not tested", opt);
	}
}

static void
test_command_line_wins(void **state)
{
	const char *ini = write_ini(
			"[engine]\nmax_flows = 4096\nevict = none\n"
			"[timeouts]\nFIN_WAIT2 = 5\nCLOSE_WAIT = 20\n[live]\nburst = 8\n");
	struct ft_app_cfg cfg;

	(void)state;
	/* Before and after --config: the command line wins either way. */
	assert_int_equal(parse_args(&cfg, "--max-flows", "8192", "--timeout", "FIN_WAIT2=3",
					 "--config", ini, "--burst", "64", "--timeout",
					 "close_wait=0.5", NULL),
			0);
	assert_int_equal(cfg.engine.max_flows, 8192);
	assert_int_equal(cfg.engine.timeout_ms[FT_TCP_FIN_WAIT2], 3000);
	assert_int_equal(cfg.engine.timeout_ms[FT_TCP_CLOSE_WAIT], 500);
	assert_int_equal(cfg.burst, 64);
	/* What the command line does not give comes from the file. */
	assert_int_equal(cfg.engine.evict, 0);
	assert_int_equal(parse_args(&cfg, "--config", ini, NULL), 0);
	assert_int_equal(cfg.engine.max_flows, 4096);
	assert_int_equal(cfg.engine.timeout_ms[FT_TCP_FIN_WAIT2], 5000);
	assert_int_equal(cfg.engine.timeout_ms[FT_TCP_CLOSE_WAIT], 20000);
	assert_int_equal(cfg.burst, 8);
}

static void
test_limits_accepted(void **state)
{
	struct ft_app_cfg cfg;

	(void)state;
	assert_int_equal(parse_args(&cfg, "--max-flows-v6", "0", "--wheel-slots", "64",
					 "--evict-scan", "1048576", "--timeout", "LAST_ACK=0.001",
					 "--rst-hold", "0", "--max-flows", "268435456", "--diag",
					 "fin_wait2=4294967295", "--mbufs", "16777215",
					 "--stats-interval", "0", "--pickup", "YES", NULL),
			0);
	assert_int_equal(cfg.engine.max_flows_v6, 0);
	assert_int_equal(cfg.engine.wheel_slots, 64);
	assert_int_equal(cfg.engine.evict_scan, 1048576);
	assert_int_equal(cfg.engine.timeout_ms[FT_TCP_LAST_ACK], 1);
	assert_int_equal(cfg.engine.rst_hold_ms, 0);
	assert_int_equal(cfg.engine.max_flows, 268435456);
	assert_int_equal(cfg.diag[FT_TCP_FIN_WAIT2], UINT32_MAX);
	assert_int_equal(cfg.mbufs, 16777215);
	assert_int_equal(cfg.stats_interval_ms, 0);
	assert_int_equal(cfg.engine.pickup, 1);
	assert_int_equal(parse_args(&cfg, "--max-flows-v6", "8", "--wheel-slots", "16777216",
					 "--pairs", "0:31", NULL),
			0);
	assert_int_equal(cfg.engine.max_flows_v6, 8);
	assert_int_equal(cfg.engine.wheel_slots, 16777216);
	assert_int_equal(cfg.npairs, 1);
	assert_int_equal(cfg.pairs[0][1], 31);
}

/* One bad input: a config file (or NULL), the arguments ("@" is the file), the message. */
struct bad_input {
	const char *ini;
	const char *args[6];
	const char *message;
};

static const struct bad_input bad_inputs[] = {
	/* Out of range. */
	{ NULL, { "--max-flows", "3" },
			"fintrack: --max-flows: '3' is not a number in 8..268435456" },
	{ NULL, { "--evict-scan", "1048577" },
			"--evict-scan: '1048577' is not a number in 1..1048576" },
	{ NULL, { "--rx-desc", "63" }, "--rx-desc: '63' is not a number in 64..16384" },
	{ NULL, { "--burst", "65" }, "--burst: '65' is not a number in 1..64" },
	{ NULL, { "--workers", "128" }, "--workers: '128' is not a number in 0..127" },
	{ NULL, { "--rst-hold", "3601" },
			"--rst-hold: '3601' is not a number of seconds in 0..3600" },
	{ NULL, { "--timeout", "FIN_WAIT2=0" },
			"--timeout: '0' is not a number of seconds in 0.001.." },
	{ "[live]\nmbufs = 1022\n", { "--config", "@" },
			"[live] mbufs: '1022' is not a number in 1023..16777215" },
	/* Not a number. */
	{ NULL, { "--tick-us", "fast" }, "--tick-us: 'fast' is not a number in 1..1000000" },
	{ NULL, { "--burst", "-1" }, "--burst: '-1' is not a number in 1..64" },
	{ NULL, { "--stats-interval", "soon" },
			"--stats-interval: 'soon' is not a number of seconds in 0..86400" },
	{ NULL, { "--diag", "TIME_WAIT=many" }, "--diag: 'many' is not a number in 0..4294967295" },
	{ "[engine]\nmax_flows = lots\n", { "--config", "@" },
			"[engine] max_flows: 'lots' is not a number in 8..268435456" },
	/* Bad words. */
	{ NULL, { "--evict", "maybe" }, "--evict: 'maybe' is not closing or none" },
	{ NULL, { "--malformed", "keep" }, "--malformed: 'keep' is not forward or drop" },
	{ NULL, { "--pickup", "maybe" }, "--pickup: 'maybe' is not on or off" },
	{ "[engine]\npickup = maybe\n", { "--config", "@" },
			"[engine] pickup: 'maybe' is not on or off" },
	/* Unknown keys and sections, named with the file. */
	{ "[engine]\nbogus = 1\n", { "--config", "@" }, "[engine] bogus: unknown key 'bogus'" },
	{ "[live]\nrx-desc = 512\n", { "--config", "@" }, "[live] rx-desc: unknown key 'rx-desc'" },
	{ "[ports]\nbogus = 1\n", { "--config", "@" },
			"[ports] bogus: unknown key 'bogus' (known: pairs ports)" },
	{ "[tiemouts]\nFIN_WAIT2 = 3\n", { "--config", "@" }, "unknown section [tiemouts]" },
	/* STATE=VALUE. */
	{ NULL, { "--timeout", "FIN_WAIT2" }, "--timeout: expected STATE=VALUE, got 'FIN_WAIT2'" },
	{ NULL, { "--diag", "FIN_WAIT2:3" }, "--diag: expected STATE=VALUE, got 'FIN_WAIT2:3'" },
	{ NULL, { "--timeout", "BOGUS=3" }, "--timeout: unknown state 'BOGUS'" },
	{ NULL, { "--diag", "CLOSED=1" }, "--diag: unknown state 'CLOSED'" },
	{ "[timeouts]\nFIN_WAIT3 = 3\n", { "--config", "@" },
			"[timeouts] FIN_WAIT3: unknown state 'FIN_WAIT3'" },
	{ "[diagnosis]\nCLOSED = 3\n", { "--config", "@" },
			"[diagnosis] CLOSED: unknown state 'CLOSED'" },
	/* Port pairs. */
	{ NULL, { "--pairs", "0:0" }, "--pairs: '0:0' is not a list of up to 16 port pairs" },
	{ NULL, { "--pairs", ",0:1" }, "--pairs: ',0:1' is not a list of up to 16 port pairs" },
	{ NULL, { "--pairs", "0:1:2" }, "--pairs: '0:1:2' is not a list" },
	{ NULL, { "--pairs", "0:32" }, "--pairs: '0:32' is not a list" },
	{ NULL, { "--pairs", "a:b" }, "--pairs: 'a:b' is not a list" },
	{ NULL, { "--pairs", "" }, "--pairs: '' is not a list" },
	{ NULL,
			{ "--pairs",
					"0:1,2:3,4:5,6:7,8:9,10:11,12:13,14:15,16:17,18:19,20:21,22:23,"
					"24:25,26:27,28:29,30:31,1:0" },
			"is not a list of up to 16 port pairs" },
	{ "[ports]\npairs = 1\n", { "--config", "@" }, "[ports] pairs: '1' is not a list" },
	/* gwlb mode's one-arm ports. */
	{ NULL, { "--ports", "0,0" },
			"--ports: '0,0' is not a list of up to 16 different port ids P,P" },
	{ NULL, { "--ports", "0," }, "--ports: '0,' is not a list" },
	{ NULL, { "--ports", "0:1" }, "--ports: '0:1' is not a list" },
	{ NULL, { "--ports", "32" }, "--ports: '32' is not a list" },
	{ NULL, { "--ports", "-1" }, "--ports: '-1' is not a list" },
	{ "[ports]\nports = a\n", { "--config", "@" }, "[ports] ports: 'a' is not a list" },
	/* gwlb mode's settings. */
	{ NULL, { "--mode", "inline" }, "--mode: 'inline' is not transit or gwlb" },
	{ NULL, { "--max-frame", "9217" }, "--max-frame: '9217' is not a number in 1518..9216" },
	{ NULL, { "--max-frame", "1500" }, "--max-frame: '1500' is not a number in 1518..9216" },
	{ NULL, { "--gwlb-addr", "gwlb.example" },
			"--gwlb-addr: 'gwlb.example' is not an IPv4 or IPv6 address" },
	{ NULL, { "--exception", "kernel" }, "--exception: 'kernel' is not on or off" },
	{ NULL, { "--exception-iface", "a-name-far-too-long" },
			"--exception-iface: 'a-name-far-too-long' is not an interface name (1 to 15" },
	{ NULL, { "--exception-iface", "ft/x" }, "--exception-iface: 'ft/x' is not an interface" },
	{ "[live]\nexception_iface = ft x\n", { "--config", "@" },
			"[live] exception_iface: 'ft x' is not an interface name" },
	/* Checks beyond the range. */
	{ NULL, { "--wheel-slots", "1000" }, "--wheel-slots: 1000 is not a power of two" },
	{ "[engine]\nwheel_slots = 65535\n", { "--config", "@" },
			"[engine] wheel_slots: 65535 is not a power of two" },
	{ NULL, { "--max-flows-v6", "1" }, "--max-flows-v6: 0 or at least 8" },
	{ NULL, { "--max-flows-v6", "7" }, "--max-flows-v6: 0 or at least 8" },
	{ "[engine]\nmax_flows_v6 = 4\n", { "--config", "@" },
			"[engine] max_flows_v6: 0 or at least 8" },
	/* Options that do not go together, and what is not an option. */
	{ NULL, { "--drain" }, "--drain replays a trace to its end: give --pcap FILE" },
	{ NULL, { "--pcap", "t.pcap", "--pairs", "0:1" },
			"--pairs is for live mode, not with --pcap" },
	{ "[ports]\npairs = 0:1\n", { "--pcap", "t.pcap", "--config", "@" },
			"--pairs is for live mode, not with --pcap" },
	{ NULL, { "--pcap", "t.pcap", "extra" }, "unexpected argument 'extra'" },
	{ NULL, { "--bogus" }, "fintrack: see fintrack --help for fintrack's options" },
	{ NULL, { "--metrics-address", "localhost" },
			"--metrics-address: 'localhost' is not an IPv4 or IPv6 address" },
	{ "[ipfix]\ncollector = 198.18.0.300\n", { "--config", "@" },
			"[ipfix] collector: '198.18.0.300' is not an IPv4 or IPv6 address" },
	{ NULL, { "--ipfix-port", "65536" }, "--ipfix-port: '65536' is not a number in 0..65535" },
	{ NULL, { "--vxlan-ports", "4789,4789" },
			"--vxlan-ports: '4789,4789' is not off or a list of up to 8 different UDP "
			"ports" },
	{ "[tunnels]\ngue_ports = 6080,x\n", { "--config", "@" },
			"[tunnels] gue_ports: '6080,x' is not off or a list" },
	{ NULL, { "--tunnel-depth", "4" }, "--tunnel-depth: '4' is not a number in 0..3" },
	{ NULL, { "--max-flows" }, "see fintrack --help" },
	{ NULL, { "--config", "/tmp/ft_test_cfg_missing.ini" },
			"--config /tmp/ft_test_cfg_missing.ini: cannot read it: No such file" },
	{ NULL, { "--progress", "sometimes" }, "--progress: 'sometimes' is not auto, on or off" },
	/* The file is read strictly; every error says at which line. */
	{ "[engine]\nmax_flows = 4096\nmax_flows\n", { "--config", "@" },
			":3: 'max_flows' is not a [section], a key = value or a comment" },
	{ "[engine]\nmax_flows =\n", { "--config", "@" },
			":2: [engine] max_flows: no value (key = value)" },
	{ "[engine]\nmax_flows = ; a comment, not a value\n", { "--config", "@" },
			":2: [engine] max_flows: no value" },
	{ "[engine]\nmax_flows = 4096\n\n; again\nmax_flows = 8192\n", { "--config", "@" },
			":5: [engine] max_flows: given twice (first at line 2)" },
	{ "[timeouts]\nFIN_WAIT2 = 3\nfin_wait2 = 4\n", { "--config", "@" },
			":3: [timeouts] fin_wait2: given twice (first at line 2)" },
	{ "[live]\nburst = 8\n[engine]\n[live]\nmbufs = 4095\n", { "--config", "@" },
			":4: section [live] given twice (first at line 1)" },
	{ "max_flows = 4096\n[engine]\n", { "--config", "@" },
			":1: key 'max_flows' comes before any [section]" },
	{ "[engine]\n= 5\n", { "--config", "@" }, ":2: '= 5' has no key" },
	{ "[engine\nmax_flows = 8\n", { "--config", "@" },
			":1: '[engine' is not a section header [name]" },
	{ "[engine] max_flows = 8\n", { "--config", "@" },
			":1: '[engine] max_flows = 8' is not a section header" },
	{ "[engine]\nmax_flows = 10;20\n", { "--config", "@" },
			":2: [engine] max_flows: '10;20' is not a number" },
	{ "\n\n[engine]\nmax_flows = lots\n", { "--config", "@" },
			":4: [engine] max_flows: 'lots' is not a number in 8..268435456" },
	{ "[diagnosis]\nmin_age = -1\n", { "--config", "@" },
			"[diagnosis] min_age: '-1' is not a number of seconds" },
};

static void
test_errors(void **state)
{
	unsigned int i, n;

	(void)state;
	for (i = 0; i < DIM(bad_inputs); i++) {
		const struct bad_input *b = &bad_inputs[i];
		const char *args[DIM(b->args)];
		const char *ini = b->ini != NULL ? write_ini(b->ini) : NULL;
		struct ft_app_cfg cfg;

		for (n = 0; n < DIM(b->args) && b->args[n] != NULL; n++)
			args[n] = strcmp(b->args[n], "@") == 0 ? ini : b->args[n];
		if (parse_argv(&cfg, STDERR_FILENO, args, n) != -EINVAL)
			fail_msg("case %u (%s): accepted, expected '%s'", i, b->args[0],
					b->message);
		expect_output(b->message);
		/* An error in a file names the file. */
		if (ini != NULL && strstr(b->message, "--pairs is") == NULL)
			expect_output(ini);
		teardown(NULL);
	}
}

static void
test_foreach(void **state)
{
	const char *ini = write_ini(every_key_ini);
	struct ft_app_cfg cfg;
	struct values vs = { .n = 0 };
	const struct value *v;
	unsigned int i, j;

	(void)state;
	defaults_of(&cfg);
	ft_cfg_foreach(&cfg, collect, &vs);
	/*
	 * 8 of the command line only, 9 [engine], 9 + 10 states, 10 [tunnels], 3 [metrics],
	 * 5 [ipfix], 2 [ports], 13 [live].
	 */
	assert_int_equal(vs.n, 69);
	v = find_value(&vs, NULL, "pcap");
	assert_string_equal(v->text, "");
	assert_false(v->has_num);
	v = find_value(&vs, NULL, "drain");
	assert_string_equal(v->text, "off");
	v = find_value(&vs, "engine", "evict_scan");
	assert_string_equal(v->text, "1024");
	assert_true(v->has_num);
	assert_int_equal(v->num, 1024);
	v = find_value(&vs, "engine", "evict");
	assert_string_equal(v->text, "closing");
	assert_false(v->has_num);
	v = find_value(&vs, "engine", "rst_hold");
	assert_string_equal(v->text, "10");
	v = find_value(&vs, "timeouts", "ESTABLISHED");
	assert_string_equal(v->text, "7440");
	v = find_value(&vs, "diagnosis", "TIME_WAIT");
	assert_int_equal(v->num, 1000);
	v = find_value(&vs, "tunnels", "vxlan_ports");
	assert_string_equal(v->text, "4789,8472");
	v = find_value(&vs, "tunnels", "gue_ports");
	assert_string_equal(v->text, "off");
	v = find_value(&vs, "tunnels", "geneve_context");
	assert_string_equal(v->text, "auto");
	v = find_value(&vs, "ports", "pairs");
	assert_string_equal(v->text, "");
	v = find_value(&vs, "live", "malformed");
	assert_string_equal(v->text, "forward");
	v = find_value(&vs, "live", "stats_interval");
	assert_string_equal(v->text, "1");
	v = find_value(&vs, "live", "mode");
	assert_string_equal(v->text, "transit");
	assert_string_equal(find_value(&vs, "live", "gwlb_addr")->text, "");
	assert_string_equal(find_value(&vs, "live", "exception")->text, "on");
	assert_string_equal(find_value(&vs, "live", "exception_iface")->text, "ftx0");
	assert_int_equal(find_value(&vs, "live", "max_frame")->num, 1518);
	assert_string_equal(find_value(&vs, "ports", "ports")->text, "");

	/* Command-line settings first, then one section after the other. */
	for (i = 1; i < vs.n; i++) {
		if (vs.v[i].section == NULL)
			assert_null(vs.v[i - 1].section);
		if (vs.v[i].section == NULL ||
				(vs.v[i - 1].section != NULL &&
						strcmp(vs.v[i].section, vs.v[i - 1].section) == 0))
			continue;
		for (j = 0; j < i; j++)
			if (vs.v[j].section != NULL &&
					strcmp(vs.v[j].section, vs.v[i].section) == 0)
				fail_msg("[%s] comes twice", vs.v[i].section);
	}

	assert_int_equal(parse_args(&cfg, "--config", ini, "--events", "-", NULL), 0);
	vs.n = 0;
	ft_cfg_foreach(&cfg, collect, &vs);
	assert_string_equal(find_value(&vs, NULL, "events")->text, "-");
	assert_string_equal(find_value(&vs, NULL, "config")->text, ini);
	assert_string_equal(find_value(&vs, "engine", "rst_hold")->text, "2.5");
	assert_string_equal(find_value(&vs, "engine", "pickup")->text, "off");
	assert_string_equal(find_value(&vs, "engine", "evict")->text, "none");
	assert_string_equal(find_value(&vs, "timeouts", "LAST_ACK")->text, "19.5");
	assert_int_equal(find_value(&vs, "diagnosis", "SYN_SENT")->num, 21);
	assert_string_equal(find_value(&vs, "ports", "pairs")->text, "1:2,4:3");
	assert_string_equal(find_value(&vs, "live", "stats_interval")->text, "0.25");
	assert_string_equal(find_value(&vs, "live", "malformed")->text, "drop");
	assert_int_equal(find_value(&vs, "live", "mbufs")->num, 4095);
	assert_string_equal(find_value(&vs, "ports", "ports")->text, "2,0");
	assert_string_equal(find_value(&vs, "live", "mode")->text, "gwlb");
	assert_string_equal(find_value(&vs, "live", "gwlb_addr")->text, "198.18.1.2");
	assert_string_equal(find_value(&vs, "live", "exception_iface")->text, "gwx-a");
}

/* A live configuration as a whole: each mode's settings, not the other's. */
struct live_case {
	const char *args[8];
	const char *message; /* NULL: accepted. */
};

static const struct live_case live_cases[] = {
	{ { NULL }, NULL },
	{ { "--pairs", "0:1" }, NULL },
	{ { "--mode", "gwlb", "--gwlb-addr", "198.18.1.2" }, NULL },
	{ { "--mode", "gwlb", "--gwlb-addr", "198.18.1.2", "--ports", "1,0", "--exception", "off" },
			NULL },
	{ { "--mode", "gwlb" }, "--mode gwlb needs --gwlb-addr A: fintrack's own IPv4 address" },
	{ { "--mode", "gwlb", "--gwlb-addr", "2001:db8::1" },
			"--gwlb-addr 2001:db8::1: a GWLB reaches its targets over IPv4" },
	{ { "--mode", "gwlb", "--gwlb-addr", "198.18.1.2", "--pairs", "0:1" },
			"--pairs pairs ports for transit mode; in --mode gwlb each port is one-arm: "
			"--ports P[,P...]" },
	{ { "--ports", "0" },
			"--ports lists the one-arm ports of --mode gwlb; transit mode "
			"pairs ports: --pairs P:Q" },
	{ { "--gwlb-addr", "198.18.1.2" }, "--gwlb-addr is for --mode gwlb" },
};

static void
test_check_live(void **state)
{
	unsigned int i, n;

	(void)state;
	for (i = 0; i < DIM(live_cases); i++) {
		const struct live_case *c = &live_cases[i];
		struct ft_app_cfg cfg;
		char path[] = "/tmp/ft_test_cfg_live.XXXXXX";
		int fd, saved, ret;
		ssize_t got;

		for (n = 0; n < DIM(c->args) && c->args[n] != NULL; n++)
			;
		assert_int_equal(parse_argv(&cfg, STDERR_FILENO, c->args, n), 0);
		fd = mkstemp(path);
		assert_true(fd >= 0);
		fflush(stderr);
		saved = dup(STDERR_FILENO);
		dup2(fd, STDERR_FILENO);
		ret = ft_cfg_check_live(&cfg);
		fflush(stderr);
		dup2(saved, STDERR_FILENO);
		close(saved);
		got = pread(fd, output, sizeof(output) - 1, 0);
		output[got > 0 ? got : 0] = '\0';
		close(fd);
		unlink(path);
		if (c->message == NULL) {
			if (ret != 0)
				fail_msg("case %u: refused: %s", i, output);
			continue;
		}
		if (ret != -EINVAL)
			fail_msg("case %u (%s): accepted, expected '%s'", i, c->args[0],
					c->message);
		expect_output(c->message);
	}
}

static void
test_help(void **state)
{
	const char *args[] = { "--help" };
	struct ft_app_cfg cfg;
	unsigned int i;

	(void)state;
	assert_int_equal(parse_argv(&cfg, STDOUT_FILENO, args, 1), 1);
	expect_output("Usage: fintrack --pcap FILE [options]");
	expect_output("fintrack [EAL options] -- [options]");
	expect_output("EAL's own options: fintrack -h --");
	expect_output("Exit status: 0 done; 1 fintrack could not run");
	expect_output("-h, --help");
	expect_output("-V, --version");
	expect_output("State timeouts, both modes (reloaded on SIGHUP in live mode):");
	expect_output("Diagnosis, both modes (reloaded on SIGHUP in live mode):");
	expect_output("[diagnosis] min_age, 0..1728000 s, default 30");
	for (i = 0; i < DIM(listed_keys); i++) {
		const struct listed_key *k = &listed_keys[i];
		char text[96];

		snprintf(text, sizeof(text), "  --%s", k->option);
		expect_output(text);
		if (k->section == FT_CFG_S_CMDLINE)
			continue;
		snprintf(text, sizeof(text), "[%s] %s", listed_sections[k->section],
				k->key != NULL ? k->key : "STATE");
		expect_output(text);
	}
	expect_output("--evict-scan N");
	expect_output("[engine] evict_scan, 1..1048576, default 1024");
	expect_output("[engine] max_flows_v6, 0 (off) or 8..268435456,");
	expect_output("--evict closing|none");
	expect_output("[live] stats_interval, 0..86400 s, default 1");
	expect_output("CLOSE_WAIT=43200");
	/* -h is --help; -V and --version are left to the caller. */
	args[0] = "-h";
	assert_int_equal(parse_argv(&cfg, STDOUT_FILENO, args, 1), FT_CFG_HELP);
	expect_output("--max-flows N");
	args[0] = "--version";
	assert_int_equal(parse_argv(&cfg, STDOUT_FILENO, args, 1), FT_CFG_VERSION);
	args[0] = "-V";
	assert_int_equal(parse_argv(&cfg, STDOUT_FILENO, args, 1), FT_CFG_VERSION);
}

static void
test_man_lists_every_option(void **state)
{
	char path[] = "/tmp/ft_test_cfg_man.XXXXXX";
	unsigned int i;
	ssize_t got;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w+");
	assert_non_null(f);
	ft_cfg_print_man(f);
	fflush(f);
	got = pread(fd, output, sizeof(output) - 1, 0);
	output[got > 0 ? got : 0] = '\0';
	fclose(f);
	unlink(path);
	assert_true(got > 0 && (size_t)got < sizeof(output) - 1);
	expect_output(".SS Command line only\n");
	expect_output(".SS State timeouts, both modes (reloaded on SIGHUP in live mode)\n");
	expect_output(".TP\n.B \\-\\-timeout STATE=SECONDS\n");
	expect_output(".B \\-h, \\-\\-help\n");
	expect_output(".B \\-V, \\-\\-version\n");
	/* Every option, its hyphens escaped for roff, and every INI key. */
	for (i = 0; i < DIM(listed_keys); i++) {
		const struct listed_key *k = &listed_keys[i];
		char text[128], *o = text + snprintf(text, sizeof(text), ".B \\-\\-");
		const char *c;

		for (c = k->option; *c != '\0' && o < text + sizeof(text) - 3; c++) {
			if (*c == '-')
				*o++ = '\\';
			*o++ = *c;
		}
		*o = '\0';
		expect_output(text);
		if (k->key != NULL) {
			snprintf(text, sizeof(text), "[%s] ", listed_sections[k->section]);
			expect_output(text);
		}
	}
	/* No line starts with a dot roff would take for a request by mistake. */
	assert_null(strstr(output, "\n.."));
}

static void
test_reload(void **state)
{
	const char *before = write_ini("[engine]\nmax_flows = 4096\n[timeouts]\nFIN_WAIT2 = 30\n"
				       "[diagnosis]\nCLOSE_WAIT = 10\n");
	const char *after =
			write_ini("[engine]\nmax_flows = 8192\n[timeouts]\nFIN_WAIT2 = 1\n"
				  "CLOSE_WAIT = 2.5\n[diagnosis]\nCLOSE_WAIT = 10\nmin_age = 5\n"
				  "[live]\nburst = 8\n");
	struct ft_app_cfg running, fresh;
	char applied[512], ignored[512];

	(void)state;
	assert_int_equal(parse_args(&running, "--config", before, "--timeout", "LAST_ACK=7", NULL),
			0);
	/* The file changed; the command line is the same (it still wins). */
	assert_int_equal(parse_args(&fresh, "--config", after, "--timeout", "LAST_ACK=7", NULL), 0);
	assert_int_equal(ft_cfg_reload(&running, &fresh, applied, sizeof(applied), ignored,
					 sizeof(ignored)),
			3);
	assert_string_equal(applied,
			"[timeouts] FIN_WAIT2, [timeouts] CLOSE_WAIT, [diagnosis] min_age");
	assert_string_equal(ignored, "[engine] max_flows, [live] burst");
	assert_int_equal(running.engine.timeout_ms[FT_TCP_FIN_WAIT2], 1000);
	assert_int_equal(running.engine.timeout_ms[FT_TCP_CLOSE_WAIT], 2500);
	assert_int_equal(running.engine.timeout_ms[FT_TCP_LAST_ACK], 7000);
	assert_int_equal(running.diag_min_age_ms, 5000);
	assert_int_equal(running.diag[FT_TCP_CLOSE_WAIT], 10);
	/* Read at start only: kept. */
	assert_int_equal(running.engine.max_flows, 4096);
	assert_int_equal(running.burst, 32);
	/* Nothing changed: nothing to say. */
	assert_int_equal(ft_cfg_reload(&running, &running, applied, sizeof(applied), ignored,
					 sizeof(ignored)),
			0);
	assert_string_equal(applied, "");
	assert_string_equal(ignored, "");
}

static void
test_default_config(void **state)
{
	const char *ini = write_ini("[engine]\nmax_flows = 4096\n");
	const char *other = write_ini("[engine]\nmax_flows = 512\n");
	struct ft_app_cfg cfg;

	(void)state;
	ft_cfg_default_config = ini;
	assert_int_equal(parse_args(&cfg, NULL), 0);
	assert_string_equal(cfg.config, ini);
	assert_int_equal(cfg.engine.max_flows, 4096);
	/* --config names another file: the default one is not read. */
	assert_int_equal(parse_args(&cfg, "--config", other, NULL), 0);
	assert_int_equal(cfg.engine.max_flows, 512);
	/* A default file that does not exist is no error. */
	ft_cfg_default_config = "/tmp/ft_test_cfg_no_such_default.ini";
	assert_int_equal(parse_args(&cfg, NULL), 0);
	assert_null(cfg.config);
	ft_cfg_default_config = NULL;
}

static void
test_option_arg(void **state)
{
	(void)state;
	assert_int_equal(ft_cfg_option_arg("pcap"), 1);
	assert_int_equal(ft_cfg_option_arg("max-flows=10"), 1);
	assert_int_equal(ft_cfg_option_arg("drain"), 0);
	assert_int_equal(ft_cfg_option_arg("help"), 0);
	assert_int_equal(ft_cfg_option_arg("version"), 0);
	assert_int_equal(ft_cfg_option_arg("no-huge"), -1);
	assert_int_equal(ft_cfg_option_arg("max"), -1);
	assert_int_equal(ft_cfg_option_arg("file-prefix=x"), -1);
}

/* An INI key of the sample: set ("key = value") or shown commented out ("; key = value"). */
struct sample_key {
	char section[32];
	char key[64];
};

static unsigned int
read_sample(const char *path, struct sample_key *keys, unsigned int max)
{
	char line[512], section[32] = "";
	unsigned int n = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		fail_msg("cannot read %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line + strspn(line, " \t");
		size_t len;

		if (*p == '[') {
			len = strcspn(p + 1, "]");
			snprintf(section, sizeof(section), "%.*s", (int)len, p + 1);
			continue;
		}
		if (*p == ';' || *p == '#')
			p += strspn(p, ";# \t");
		len = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
		/* A commented-out key is "; key = value"; other comments are prose. */
		if (len == 0 || p[len + strspn(p + len, " \t")] != '=')
			continue;
		assert_true(n < max);
		snprintf(keys[n].section, sizeof(keys[n].section), "%s", section);
		snprintf(keys[n].key, sizeof(keys[n].key), "%.*s", (int)len, p);
		n++;
	}
	fclose(f);
	return n;
}

/* Add " [section] key" to the list in buf. */
static void
append_key(char *buf, size_t size, const char *section, const char *key)
{
	size_t off = strlen(buf);
	int n = snprintf(buf + off, size - off, " [%s] %s", section, key);

	assert_true(n > 0);
}

/*
 * config/fintrack.ini lists every INI key of the list, no other, and the values
 * it shows are the defaults.
 */
static void
test_sample_lists_every_key(void **state)
{
	struct sample_key keys[MAX_VALUES];
	struct ft_app_cfg def, cfg;
	struct values d = { .n = 0 }, s = { .n = 0 };
	char path[512], missing[1024] = "", unknown[1024] = "";
	unsigned int i, j, n;

	(void)state;
	snprintf(path, sizeof(path), "%s/fintrack.ini", config_dir);
	n = read_sample(path, keys, DIM(keys));
	defaults_of(&def);
	ft_cfg_foreach(&def, collect, &d);
	for (i = 0; i < d.n; i++) {
		int found = 0;

		if (d.v[i].section == NULL)
			continue;
		for (j = 0; j < n; j++)
			found |= strcmp(keys[j].section, d.v[i].section) == 0 &&
					strcmp(keys[j].key, d.v[i].name) == 0;
		if (!found)
			append_key(missing, sizeof(missing), d.v[i].section, d.v[i].name);
	}
	for (j = 0; j < n; j++) {
		int found = 0;

		for (i = 0; i < d.n; i++)
			found |= d.v[i].section != NULL &&
					strcmp(keys[j].section, d.v[i].section) == 0 &&
					strcmp(keys[j].key, d.v[i].name) == 0;
		if (!found)
			append_key(unknown, sizeof(unknown), keys[j].section, keys[j].key);
	}
	if (missing[0] != '\0' || unknown[0] != '\0')
		fail_msg("%s: missing:%s; not settings:%s", path, missing[0] ? missing : " none",
				unknown[0] ? unknown : " none");

	/* It loads, and every value it shows is the default. */
	assert_int_equal(parse_args(&cfg, "--config", path, NULL), 0);
	ft_cfg_foreach(&cfg, collect, &s);
	assert_int_equal(s.n, d.n);
	for (i = 0; i < d.n; i++)
		if (d.v[i].section != NULL && strcmp(s.v[i].text, d.v[i].text) != 0)
			fail_msg("%s: [%s] %s = %s, the default is %s", path, d.v[i].section,
					d.v[i].name, s.v[i].text, d.v[i].text);
}

static void
test_two_port_nic_sample(void **state)
{
	struct ft_app_cfg cfg;
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/two-port-nic.ini", config_dir);
	assert_int_equal(parse_args(&cfg, "--config", path, NULL), 0);
	assert_int_equal(cfg.engine.max_flows, 2097152);
	assert_int_equal(cfg.engine.expire_budget, 1024);
	assert_int_equal(cfg.diag[FT_TCP_TIME_WAIT], 200000);
	assert_int_equal(cfg.npairs, 1);
	assert_int_equal(cfg.pairs[0][1], 1);
	assert_int_equal(cfg.mbufs, 32767);
	assert_int_equal(cfg.stats_interval_ms, 10000);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_every_key_from_file, teardown),
		cmocka_unit_test_teardown(test_every_key_from_command_line, teardown),
		cmocka_unit_test_teardown(test_command_line_wins, teardown),
		cmocka_unit_test_teardown(test_limits_accepted, teardown),
		cmocka_unit_test_teardown(test_errors, teardown),
		cmocka_unit_test_teardown(test_foreach, teardown),
		cmocka_unit_test_teardown(test_check_live, teardown),
		cmocka_unit_test_teardown(test_help, teardown),
		cmocka_unit_test_teardown(test_man_lists_every_option, teardown),
		cmocka_unit_test_teardown(test_reload, teardown),
		cmocka_unit_test_teardown(test_default_config, teardown),
		cmocka_unit_test_teardown(test_option_arg, teardown),
		cmocka_unit_test_teardown(test_sample_lists_every_key, teardown),
		cmocka_unit_test_teardown(test_two_port_nic_sample, teardown),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s CONFIG_DIR\n", argv[0]);
		return 2;
	}
	config_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
