/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_cfgfile.h>
#include <rte_common.h>

#include "ft_cfg.h"

#define MAX_FLOWS_LIMIT (1u << 28)
#define MAX_TIMEOUT_S   (20 * 24 * 3600.0) /* Below half the wrapping tick space at 1 ms. */

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- [--pcap FILE] [options]\n"
	       "\n"
	       "Tracks the close state of both endpoints of every TCP connection, the timeout of\n"
	       "each state, flow ends and the diagnosis they imply.\n"
	       "\n"
	       "Live mode (no --pcap): a bump in the wire between DPDK ports. Ports are paired\n"
	       "(default 0:1, 2:3, ...); every packet received on one port of a pair is sent out\n"
	       "of the other. The main lcore controls; every other lcore is a worker with its own\n"
	       "queue on each port, flow table and timer wheel. Stops on SIGINT or SIGTERM.\n"
	       "  --pairs P:Q[,P:Q...]    port pairs\n"
	       "  --workers N             use the first N worker lcores (default: all; each has a\n"
	       "                          queue on every port)\n"
	       "  --rx-desc N, --tx-desc N  descriptors per queue (64..16384)\n"
	       "  --mbufs N               mbufs per NUMA socket (1023..16777215)\n"
	       "  --burst N               RX burst (1..%u)\n"
	       "  --tx-drain-us N         longest wait before buffered packets are sent (1..100000)\n"
	       "  --malformed forward|drop  what to do with malformed packets (counted by reason\n"
	       "                          either way; default forward)\n"
	       "  --stats-interval S      seconds between rate lines on stdout (0: none)\n"
	       "\n"
	       "Replay mode:\n"
	       "  --pcap FILE             trace to replay with its own clock (pcap or pcapng;\n"
	       "                          Ethernet, Linux cooked capture or raw IP)\n"
	       "  --config FILE           INI configuration (see config/fintrack.ini)\n"
	       "  --events FILE           write every state change and flow end as JSON lines\n"
	       "                          ('-' for stdout)\n"
	       "  --report FILE           write counters, gauges and tracked flows as JSON\n"
	       "  --drain                 after the last packet, run the clock on until every\n"
	       "                          timer has fired\n"
	       "  --timeout STATE=SECONDS per-state timeout, repeatable (e.g. FIN_WAIT2=3)\n"
	       "  --max-flows N           IPv4 flow capacity (8..%u)\n"
	       "  --max-flows-v6 N        IPv6 flow capacity (0 disables IPv6 tracking)\n"
	       "  --pickup on|off         track flows first seen without a SYN\n"
	       "  --rst-hold SECONDS      hold time of a flow closed by RST\n"
	       "  --tick-us N             timer wheel tick (1..1000000 microseconds)\n"
	       "  --wheel-slots N         timer wheel slots (power of two, 64..16777216)\n"
	       "  --expire-budget N       most flows expired per timer batch (1..65536)\n"
	       "  --evict closing|none    when the table is full, evict closing flows (held\n"
	       "                          after RST, TIME_WAIT, then other closing states) or not\n"
	       "  --diag STATE=N          diagnosis threshold of a state, repeatable\n"
	       "  --quiet                 no summary on stdout\n"
	       "  --help                  this text\n"
	       "\n"
	       "Both modes:\n"
	       "  --events, --report, --config, --timeout, --max-flows (per worker), --max-flows-v6,\n"
	       "  --pickup, --rst-hold, --tick-us, --diag as above.\n",
	       prog, FT_MAX_BURST, MAX_FLOWS_LIMIT);
}

static int
parse_u64(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "fintrack: %s: '%s' is not a number in %" PRIu64 "..%" PRIu64 "\n",
				what, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_seconds(const char *what, const char *s, double min, double max, uint32_t *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < min || v > max) {
		fprintf(stderr, "fintrack: %s: '%s' is not a number of seconds in %g..%g\n", what,
				s, min, max);
		return -EINVAL;
	}
	*ms = (uint32_t)llround(v * 1000.0);
	return 0;
}

static int
parse_onoff(const char *what, const char *s, uint8_t *out)
{
	if (strcasecmp(s, "on") == 0 || strcasecmp(s, "yes") == 0 || strcmp(s, "1") == 0)
		*out = 1;
	else if (strcasecmp(s, "off") == 0 || strcasecmp(s, "no") == 0 || strcmp(s, "0") == 0)
		*out = 0;
	else {
		fprintf(stderr, "fintrack: %s: '%s' is not on or off\n", what, s);
		return -EINVAL;
	}
	return 0;
}

/* A state name that has a timer (every state but CLOSED). */
static int
timed_state(const char *what, const char *name)
{
	int s = ft_tcp_state_from_name(name);

	if (s < 0 || s == FT_TCP_CLOSED) {
		fprintf(stderr,
			"fintrack: %s: unknown state '%s' (one of SYN_SENT SYN_RECV ESTABLISHED "
			"FIN_WAIT1 FIN_WAIT2 CLOSING TIME_WAIT CLOSE_WAIT LAST_ACK)\n",
			what, name);
		return -EINVAL;
	}
	return s;
}

static int
set_timeout(struct ft_app_cfg *cfg, const char *what, const char *state, const char *value)
{
	int s = timed_state(what, state);

	if (s < 0)
		return s;
	return parse_seconds(what, value, 0.001, MAX_TIMEOUT_S, &cfg->engine.timeout_ms[s]);
}

static int
set_diag(struct ft_app_cfg *cfg, const char *what, const char *state, const char *value)
{
	int s = timed_state(what, state);

	if (s < 0)
		return s;
	return parse_u64(what, value, 0, UINT32_MAX, &cfg->diag[s]);
}

/* "STATE=VALUE" for --timeout and --diag. */
static int
set_pair(struct ft_app_cfg *cfg, const char *what, const char *arg,
		int (*set)(struct ft_app_cfg *, const char *, const char *, const char *))
{
	char buf[64];
	char *eq;

	if (strlen(arg) >= sizeof(buf) || (eq = strchr(strcpy(buf, arg), '=')) == NULL) {
		fprintf(stderr, "fintrack: %s: expected STATE=VALUE, got '%s'\n", what, arg);
		return -EINVAL;
	}
	*eq = '\0';
	return set(cfg, what, buf, eq + 1);
}

static int
set_engine_key(struct ft_app_cfg *cfg, const char *what, const char *key, const char *val)
{
	struct ft_engine_conf *e = &cfg->engine;
	uint64_t v = 0;
	int ret = 0;

	if (strcmp(key, "max_flows") == 0) {
		ret = parse_u64(what, val, 8, MAX_FLOWS_LIMIT, &v);
		e->max_flows = (uint32_t)v;
	} else if (strcmp(key, "max_flows_v6") == 0) {
		ret = parse_u64(what, val, 0, MAX_FLOWS_LIMIT, &v);
		if (ret == 0 && v != 0 && v < 8) {
			fprintf(stderr, "fintrack: %s: 0 or at least 8\n", what);
			ret = -EINVAL;
		}
		e->max_flows_v6 = (uint32_t)v;
	} else if (strcmp(key, "pickup") == 0) {
		ret = parse_onoff(what, val, &e->pickup);
	} else if (strcmp(key, "rst_hold") == 0) {
		ret = parse_seconds(what, val, 0, 3600, &e->rst_hold_ms);
	} else if (strcmp(key, "tick_us") == 0) {
		ret = parse_u64(what, val, 1, 1000000, &v);
		e->tick_us = (uint32_t)v;
	} else if (strcmp(key, "wheel_slots") == 0) {
		ret = parse_u64(what, val, 64, 1u << 24, &v);
		if (ret == 0 && !rte_is_power_of_2((uint32_t)v)) {
			fprintf(stderr, "fintrack: %s: %s is not a power of two\n", what, val);
			ret = -EINVAL;
		}
		e->wheel_slots = (uint32_t)v;
	} else if (strcmp(key, "expire_budget") == 0) {
		ret = parse_u64(what, val, 1, 65536, &v);
		e->expire_budget = (uint32_t)v;
	} else if (strcmp(key, "evict") == 0) {
		if (strcmp(val, "closing") == 0)
			e->evict = 1;
		else if (strcmp(val, "none") == 0)
			e->evict = 0;
		else {
			fprintf(stderr, "fintrack: %s: '%s' is not closing or none\n", what, val);
			ret = -EINVAL;
		}
	} else if (strcmp(key, "evict_scan") == 0) {
		ret = parse_u64(what, val, 1, 1u << 20, &v);
		e->evict_scan = (uint32_t)v;
	} else {
		fprintf(stderr, "fintrack: %s: unknown key '%s'\n", what, key);
		ret = -EINVAL;
	}
	return ret;
}

/* "0:1,2:3" */
static int
parse_pairs(struct ft_app_cfg *cfg, const char *what, const char *val)
{
	const char *p = val;
	unsigned int n = 0;

	while (*p != '\0') {
		char *end;
		unsigned long a, b;

		if (n == FT_MAX_PAIRS)
			goto bad;
		a = strtoul(p, &end, 10);
		if (end == p || *end != ':' || a >= RTE_MAX_ETHPORTS)
			goto bad;
		p = end + 1;
		b = strtoul(p, &end, 10);
		if (end == p || (*end != ',' && *end != '\0') || b >= RTE_MAX_ETHPORTS || a == b)
			goto bad;
		cfg->pairs[n][0] = (uint16_t)a;
		cfg->pairs[n][1] = (uint16_t)b;
		n++;
		p = *end == ',' ? end + 1 : end;
	}
	if (n == 0)
		goto bad;
	cfg->npairs = (uint16_t)n;
	return 0;
bad:
	fprintf(stderr, "fintrack: %s: '%s' is not a list of up to %u port pairs P:Q,P:Q "
			"(port ids below %u, P != Q)\n", what, val, FT_MAX_PAIRS, RTE_MAX_ETHPORTS);
	return -EINVAL;
}

static int
set_live_key(struct ft_app_cfg *cfg, const char *what, const char *key, const char *val)
{
	uint64_t v = 0;
	int ret = 0;

	if (strcmp(key, "pairs") == 0)
		return parse_pairs(cfg, what, val);
	if (strcmp(key, "rx_desc") == 0) {
		ret = parse_u64(what, val, 64, 16384, &v);
		cfg->rx_desc = (uint16_t)v;
	} else if (strcmp(key, "tx_desc") == 0) {
		ret = parse_u64(what, val, 64, 16384, &v);
		cfg->tx_desc = (uint16_t)v;
	} else if (strcmp(key, "mbufs") == 0) {
		ret = parse_u64(what, val, 1023, 16777215, &v);
		cfg->mbufs = (uint32_t)v;
	} else if (strcmp(key, "workers") == 0) {
		ret = parse_u64(what, val, 0, RTE_MAX_LCORE - 1, &v);
		cfg->workers = (uint32_t)v;
	} else if (strcmp(key, "burst") == 0) {
		ret = parse_u64(what, val, 1, FT_MAX_BURST, &v);
		cfg->burst = (uint16_t)v;
	} else if (strcmp(key, "malformed") == 0) {
		if (strcmp(val, "forward") == 0)
			cfg->drop_malformed = 0;
		else if (strcmp(val, "drop") == 0)
			cfg->drop_malformed = 1;
		else {
			fprintf(stderr, "fintrack: %s: '%s' is not forward or drop\n", what, val);
			ret = -EINVAL;
		}
	} else if (strcmp(key, "tx_drain_us") == 0) {
		ret = parse_u64(what, val, 1, 100000, &v);
		cfg->tx_drain_us = (uint32_t)v;
	} else if (strcmp(key, "stats_interval") == 0) {
		uint32_t ms = 0;

		ret = parse_seconds(what, val, 0, 86400, &ms);
		cfg->stats_interval_ms = ms;
	} else {
		fprintf(stderr, "fintrack: %s: unknown key '%s'\n", what, key);
		ret = -EINVAL;
	}
	return ret;
}

static int
load_file(struct ft_app_cfg *cfg, const char *path)
{
	static const char *const sections[] = { "engine", "timeouts", "diagnosis", "ports",
		"live" };
	struct rte_cfgfile *f;
	char what[128];
	unsigned int i;
	int ret = 0, n, j;

	f = rte_cfgfile_load(path, 0);
	if (f == NULL) {
		fprintf(stderr, "fintrack: --config %s: cannot read or parse the file\n", path);
		return -EINVAL;
	}
	n = rte_cfgfile_num_sections(f, NULL, 0);
	for (j = 0; j < n && ret == 0; j++) {
		char name[CFG_NAME_LEN];

		/* rte_cfgfile lists sections in file order; find the j-th by index. */
		if (rte_cfgfile_section_entries_by_index(f, j, name, NULL, 0) < 0)
			continue;
		for (i = 0; i < RTE_DIM(sections); i++)
			if (strcmp(name, sections[i]) == 0)
				break;
		if (i == RTE_DIM(sections)) {
			fprintf(stderr, "fintrack: --config %s: unknown section [%s] (known: "
					"[engine] [timeouts] [diagnosis] [ports] [live])\n", path, name);
			ret = -EINVAL;
		}
	}
	for (i = 0; i < RTE_DIM(sections) && ret == 0; i++) {
		int k, nk = rte_cfgfile_section_num_entries(f, sections[i]);
		struct rte_cfgfile_entry *ent;

		if (nk <= 0)
			continue;
		ent = calloc((size_t)nk, sizeof(*ent));
		if (ent == NULL) {
			ret = -ENOMEM;
			break;
		}
		rte_cfgfile_section_entries(f, sections[i], ent, nk);
		for (k = 0; k < nk && ret == 0; k++) {
			snprintf(what, sizeof(what), "%s [%s] %s", path, sections[i], ent[k].name);
			if (i == 0)
				ret = set_engine_key(cfg, what, ent[k].name, ent[k].value);
			else if (i == 1)
				ret = set_timeout(cfg, what, ent[k].name, ent[k].value);
			else if (i == 2)
				ret = set_diag(cfg, what, ent[k].name, ent[k].value);
			else if (i == 3 && strcmp(ent[k].name, "pairs") != 0) {
				fprintf(stderr, "fintrack: %s: unknown key (only 'pairs')\n", what);
				ret = -EINVAL;
			} else
				ret = set_live_key(cfg, what, ent[k].name, ent[k].value);
		}
		free(ent);
	}
	rte_cfgfile_close(f);
	return ret;
}

enum {
	OPT_PCAP = 256,
	OPT_CONFIG,
	OPT_EVENTS,
	OPT_REPORT,
	OPT_DRAIN,
	OPT_TIMEOUT,
	OPT_MAX_FLOWS,
	OPT_MAX_FLOWS_V6,
	OPT_PICKUP,
	OPT_RST_HOLD,
	OPT_TICK_US,
	OPT_DIAG,
	OPT_QUIET,
	OPT_HELP,
	OPT_PAIRS,
	OPT_RX_DESC,
	OPT_TX_DESC,
	OPT_MBUFS,
	OPT_BURST,
	OPT_TX_DRAIN_US,
	OPT_MALFORMED,
	OPT_STATS_INTERVAL,
	OPT_WHEEL_SLOTS,
	OPT_EXPIRE_BUDGET,
	OPT_EVICT,
	OPT_WORKERS,
};

static const struct option long_opts[] = {
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "drain", no_argument, NULL, OPT_DRAIN },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "max-flows-v6", required_argument, NULL, OPT_MAX_FLOWS_V6 },
	{ "pickup", required_argument, NULL, OPT_PICKUP },
	{ "rst-hold", required_argument, NULL, OPT_RST_HOLD },
	{ "tick-us", required_argument, NULL, OPT_TICK_US },
	{ "diag", required_argument, NULL, OPT_DIAG },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "pairs", required_argument, NULL, OPT_PAIRS },
	{ "rx-desc", required_argument, NULL, OPT_RX_DESC },
	{ "tx-desc", required_argument, NULL, OPT_TX_DESC },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "tx-drain-us", required_argument, NULL, OPT_TX_DRAIN_US },
	{ "malformed", required_argument, NULL, OPT_MALFORMED },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "wheel-slots", required_argument, NULL, OPT_WHEEL_SLOTS },
	{ "expire-budget", required_argument, NULL, OPT_EXPIRE_BUDGET },
	{ "evict", required_argument, NULL, OPT_EVICT },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ NULL, 0, NULL, 0 },
};

static void
defaults(struct ft_app_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	ft_engine_conf_init(&cfg->engine);
	cfg->engine.name = "ft0";
	cfg->engine.max_flows = 1048576;
	cfg->engine.max_flows_v6 = 65536;
	cfg->diag[FT_TCP_FIN_WAIT1] = 1;
	cfg->diag[FT_TCP_FIN_WAIT2] = 1;
	cfg->diag[FT_TCP_CLOSE_WAIT] = 1;
	cfg->diag[FT_TCP_LAST_ACK] = 1;
	cfg->diag[FT_TCP_CLOSING] = 1;
	cfg->diag[FT_TCP_TIME_WAIT] = 1000;
	cfg->rx_desc = 1024;
	cfg->tx_desc = 1024;
	cfg->mbufs = 16383;
	cfg->burst = 32;
	cfg->tx_drain_us = 100;
	cfg->stats_interval_ms = 1000;
}

int
ft_cfg_parse(struct ft_app_cfg *cfg, int argc, char **argv)
{
	const char *prog = argc > 0 ? argv[0] : "fintrack";
	int opt, ret = 0;

	defaults(cfg);
	/* First pass: the config file, so that command-line options override it. */
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1)
		if (opt == OPT_CONFIG)
			cfg->config = optarg;
	if (cfg->config != NULL && load_file(cfg, cfg->config) != 0)
		return -EINVAL;

	opterr = 1;
	optind = 1;
	while (ret == 0 && (opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_PCAP:
			cfg->pcap = optarg;
			break;
		case OPT_CONFIG:
			break;
		case OPT_EVENTS:
			cfg->events = optarg;
			break;
		case OPT_REPORT:
			cfg->report = optarg;
			break;
		case OPT_DRAIN:
			cfg->drain = 1;
			break;
		case OPT_TIMEOUT:
			ret = set_pair(cfg, "--timeout", optarg, set_timeout);
			break;
		case OPT_DIAG:
			ret = set_pair(cfg, "--diag", optarg, set_diag);
			break;
		case OPT_MAX_FLOWS:
			ret = set_engine_key(cfg, "--max-flows", "max_flows", optarg);
			break;
		case OPT_MAX_FLOWS_V6:
			ret = set_engine_key(cfg, "--max-flows-v6", "max_flows_v6", optarg);
			break;
		case OPT_PICKUP:
			ret = set_engine_key(cfg, "--pickup", "pickup", optarg);
			break;
		case OPT_RST_HOLD:
			ret = set_engine_key(cfg, "--rst-hold", "rst_hold", optarg);
			break;
		case OPT_TICK_US:
			ret = set_engine_key(cfg, "--tick-us", "tick_us", optarg);
			break;
		case OPT_QUIET:
			cfg->quiet = 1;
			break;
		case OPT_HELP:
			usage(prog);
			return 1;
		case OPT_PAIRS:
			ret = set_live_key(cfg, "--pairs", "pairs", optarg);
			break;
		case OPT_RX_DESC:
			ret = set_live_key(cfg, "--rx-desc", "rx_desc", optarg);
			break;
		case OPT_TX_DESC:
			ret = set_live_key(cfg, "--tx-desc", "tx_desc", optarg);
			break;
		case OPT_MBUFS:
			ret = set_live_key(cfg, "--mbufs", "mbufs", optarg);
			break;
		case OPT_BURST:
			ret = set_live_key(cfg, "--burst", "burst", optarg);
			break;
		case OPT_MALFORMED:
			ret = set_live_key(cfg, "--malformed", "malformed", optarg);
			break;
		case OPT_TX_DRAIN_US:
			ret = set_live_key(cfg, "--tx-drain-us", "tx_drain_us", optarg);
			break;
		case OPT_WHEEL_SLOTS:
			ret = set_engine_key(cfg, "--wheel-slots", "wheel_slots", optarg);
			break;
		case OPT_EXPIRE_BUDGET:
			ret = set_engine_key(cfg, "--expire-budget", "expire_budget", optarg);
			break;
		case OPT_WORKERS:
			ret = set_live_key(cfg, "--workers", "workers", optarg);
			break;
		case OPT_EVICT:
			ret = set_engine_key(cfg, "--evict", "evict", optarg);
			break;
		case OPT_STATS_INTERVAL:
			ret = set_live_key(cfg, "--stats-interval", "stats_interval", optarg);
			break;
		default:
			fprintf(stderr, "fintrack: bad option; see %s -- --help\n", prog);
			return -EINVAL;
		}
	}
	if (ret != 0)
		return -EINVAL;
	if (optind < argc) {
		fprintf(stderr, "fintrack: unexpected argument '%s'; see %s -- --help\n",
				argv[optind], prog);
		return -EINVAL;
	}
	if (cfg->pcap == NULL && cfg->drain) {
		fprintf(stderr, "fintrack: --drain replays a trace to its end: give --pcap FILE "
				"(see %s -- --help)\n", prog);
		return -EINVAL;
	}
	if (cfg->pcap != NULL && cfg->npairs != 0) {
		fprintf(stderr, "fintrack: --pairs is for live mode, not with --pcap\n");
		return -EINVAL;
	}
	return 0;
}
