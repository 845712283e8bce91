/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#ifndef _FT_CFG_H_
#define _FT_CFG_H_

/**
 * @file
 * fintrack's settings: one list, FT_CFG_KEY_LIST, from which the command-line
 * options, the INI reader, the --help text and the /fintrack/config telemetry
 * reply are all generated.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_config.h>

#include "ft_engine.h"

/** Most port pairs fintrack forwards between. */
#define FT_MAX_PAIRS 16
/** Most one-arm ports of gwlb mode. */
#define FT_MAX_GWLB_PORTS 16
/** Largest frame live mode takes (--max-frame), Ethernet header and CRC included. */
#define FT_CFG_MAX_FRAME 9216
/** The frame an MTU of 1500 gives (Ethernet header and CRC included): today's default. */
#define FT_CFG_STD_FRAME 1518
/** Longest interface name, as the kernel's IFNAMSIZ - 1. */
#define FT_CFG_IFNAME_MAX 15
/** Largest RX burst. */
#define FT_MAX_BURST 64
/** Largest IPv4 or IPv6 flow table. */
#define FT_CFG_MAX_FLOWS (1u << 28)
/** Longest state timeout in seconds: below half the wrapping tick space at 1 ms. */
#define FT_CFG_MAX_TIMEOUT_S (20 * 24 * 3600)

/**
 * The sections of the INI file, in the order --help lists them. X(name, INI
 * section or NULL for options of the command line only, --help heading,
 * reload): reload is 1 for the sections whose settings a running live
 * fintrack reads again from its config file on SIGHUP (ft_cfg_reload()); the
 * others are read at start only. Export settings, when they come, get a
 * section of their own with reload 1.
 */
/* clang-format off */
#define FT_CFG_SECTION_LIST(X) \
	X(CMDLINE, NULL, "Command line only", 0) \
	X(ENGINE, "engine", "Flow tracking, both modes (in live mode, per worker)", 0) \
	X(TIMEOUTS, "timeouts", "State timeouts, both modes", 1) \
	X(DIAGNOSIS, "diagnosis", "Diagnosis, both modes", 1) \
	X(TUNNELS, "tunnels", "Tunnels opened to track the TCP inside, both modes", 0) \
	X(METRICS, "metrics", "Live mode: Prometheus / OpenMetrics endpoint", 0) \
	X(IPFIX, "ipfix", "IPFIX flow-end records, both modes", 0) \
	X(PORTS, "ports", "Live mode: ports", 0) \
	X(LIVE, "live", "Live mode", 0)
/* clang-format on */

/* clang-format off */
enum ft_cfg_section {
#define FT_CFG_SECTION_ENUM(name, ini, heading, reload) FT_CFG_S_##name,
	FT_CFG_SECTION_LIST(FT_CFG_SECTION_ENUM)
#undef FT_CFG_SECTION_ENUM
	FT_CFG_S_MAX
};
/* clang-format on */

/**
 * Every setting, once: X(section, key, option, type, field, default, help).
 *
 * - section: a FT_CFG_SECTION_LIST name; CMDLINE settings have no INI key.
 * - key: the INI key; NULL for a STATE_* type, whose keys are the state names.
 * - option: the command-line option, without its "--".
 * - type: how a value is written and checked.
 *   - U64(min, max): an integer in min..max.
 *   - U64_POW2(min, max): a power of two in min..max.
 *   - U64_OFF(min, max): 0 (off) or an integer in min..max.
 *   - SECONDS(min, max): seconds in min..max, fractions allowed, kept in milliseconds.
 *   - ONOFF: on or off (also yes or no, 1 or 0).
 *   - WORDS({ word, value }, ...): one of the words, kept as its value.
 *   - STATE_SECONDS(min, max): STATE=SECONDS, the field an array indexed by state.
 *   - STATE_U64(min, max): STATE=N, the field an array indexed by state.
 *   - PAIRS: port pairs P:Q,P:Q, kept in pairs and npairs.
 *   - PORTS: port ids P,P, kept in gwlb_ports and ngwlb_ports.
 *   - PATH: a file name (command line only: it is not copied).
 *   - ADDR: an IPv4 or IPv6 address, kept as text in a char array.
 *   - IFNAME: a network interface name, kept as text in a char array.
 *   - UDP_PORTS: up to FT_PKT_PORTS_MAX UDP ports P,P,... or "off", kept in a
 *     struct ft_pkt_ports.
 *   - FLAG: an option without a value.
 * - field: where the value is kept in struct ft_app_cfg.
 * - default: the value as the INI file writes it (STATE=VALUE,... for a STATE_* type);
 *   NULL keeps ft_engine_conf_init()'s value for an engine field, else zero.
 * - help: what it does, for --help.
 *
 * config/fintrack.ini must list every INI key with its default (tests/unit/test_cfg.c).
 */
/* clang-format off */
#define FT_CFG_KEY_LIST(X) \
	X(CMDLINE, NULL, "pcap", PATH, pcap, NULL, \
		"replay this trace with its own clock (pcap or pcapng; Ethernet, Linux cooked " \
		"capture or raw IP); without --pcap, fintrack runs live between DPDK ports") \
	X(CMDLINE, NULL, "drain", FLAG, drain, NULL, \
		"after the last packet, run the clock on until every timer has fired") \
	X(CMDLINE, NULL, "config", PATH, config, NULL, \
		"INI configuration (see config/fintrack.ini); the command line wins over it") \
	X(CMDLINE, NULL, "events", PATH, events, NULL, \
		"write every state change and flow end as JSON lines ('-' for stdout)") \
	X(CMDLINE, NULL, "report", PATH, report, NULL, \
		"write counters, gauges and tracked flows as JSON ('-' for stdout)") \
	X(CMDLINE, NULL, "quiet", FLAG, quiet, NULL, \
		"no summary on stdout") \
	X(CMDLINE, NULL, "progress", WORDS({ "auto", FT_CFG_PROGRESS_AUTO }, \
		{ "on", FT_CFG_PROGRESS_ON }, { "off", FT_CFG_PROGRESS_OFF }), progress, "auto", \
		"replay progress on stderr (packets per second, share of the trace read, time " \
		"left, then the drain); auto: only when stderr is a terminal") \
	X(CMDLINE, NULL, "eal-verbose", FLAG, eal_verbose, NULL, \
		"show EAL's start-up messages, which fintrack --pcap FILE (no EAL options) " \
		"hides") \
	X(ENGINE, "max_flows", "max-flows", U64(8, FT_CFG_MAX_FLOWS), engine.max_flows, NULL, \
		"IPv4 flow capacity") \
	X(ENGINE, "max_flows_v6", "max-flows-v6", U64_OFF(8, FT_CFG_MAX_FLOWS), \
		engine.max_flows_v6, NULL, \
		"IPv6 flow capacity (0 disables IPv6 tracking; IPv6 packets are still forwarded)") \
	X(ENGINE, "pickup", "pickup", ONOFF, engine.pickup, NULL, \
		"track flows first seen without a SYN: as ESTABLISHED, or from a FIN as " \
		"FIN_WAIT1 (its sender) and CLOSE_WAIT (its receiver)") \
	X(ENGINE, "rst_hold", "rst-hold", SECONDS(0, 3600), engine.rst_hold_ms, NULL, \
		"hold time of a flow closed by RST, so that late packets do not pick it up again") \
	X(ENGINE, "tick_us", "tick-us", U64(1, 1000000), engine.tick_us, NULL, \
		"timer wheel tick in microseconds") \
	X(ENGINE, "wheel_slots", "wheel-slots", U64_POW2(64, 1u << 24), engine.wheel_slots, NULL, \
		"timer wheel slots") \
	X(ENGINE, "expire_budget", "expire-budget", U64(1, 65536), engine.expire_budget, NULL, \
		"most flows expired per timer batch") \
	X(ENGINE, "evict", "evict", WORDS({ "closing", 1 }, { "none", 0 }), engine.evict, NULL, \
		"when the table is full, evict closing flows (held after RST, TIME_WAIT, then " \
		"other closing states) or refuse new flows; refusals are counted either way") \
	X(ENGINE, "evict_scan", "evict-scan", U64(1, 1u << 20), engine.evict_scan, NULL, \
		"most timers inspected to find a flow to evict") \
	X(TIMEOUTS, NULL, "timeout", STATE_SECONDS(0.001, FT_CFG_MAX_TIMEOUT_S), \
		engine.timeout_ms, NULL, \
		"seconds an endpoint may stay in a state before it is taken as CLOSED; " \
		"repeatable (e.g. FIN_WAIT2=3)") \
	X(DIAGNOSIS, "min_age", "diag-min-age", SECONDS(0, FT_CFG_MAX_TIMEOUT_S), \
		diag_min_age_ms, "30", \
		"an endpoint still in a closing state counts towards its pile once it has sat " \
		"in it this long (one that timed out in it always counts)") \
	X(DIAGNOSIS, NULL, "diag", STATE_U64(0, UINT32_MAX), diag, \
		"FIN_WAIT1=50,FIN_WAIT2=50,CLOSING=50,CLOSE_WAIT=50,LAST_ACK=50,TIME_WAIT=1000", \
		"how many endpoints make a pile in a state (0: not diagnosed); repeatable. A " \
		"state is diagnosed once this many client or server endpoints timed out in it " \
		"or have sat in it for --diag-min-age (TIME_WAIT: were in it at once; CLOSING: " \
		"went through it)") \
	X(TUNNELS, "depth", "tunnel-depth", U64(0, FT_PKT_TUN_MAX), engine.pkt.tun_depth, "2", \
		"tunnel levels opened to reach the TCP inside (0: none; a GWLB flow may carry " \
		"a customer's GRE inside: 2); deeper nesting is counted (pkt_tun_depth) and " \
		"forwarded") \
	X(TUNNELS, "geneve_ports", "geneve-ports", UDP_PORTS, engine.pkt.geneve, "6081", \
		"UDP ports of GENEVE (AWS Gateway Load Balancer, GCP, OVN), or off") \
	X(TUNNELS, "vxlan_ports", "vxlan-ports", UDP_PORTS, engine.pkt.vxlan, "4789,8472", \
		"UDP ports of VXLAN (Azure's Gateway Load Balancer uses e.g. 10800,10801), or " \
		"off") \
	X(TUNNELS, "gue_ports", "gue-ports", UDP_PORTS, engine.pkt.gue, "off", \
		"UDP ports of GUE, variants 0 and 1 (Katran: 6080; GitHub GLB: 19523), or off") \
	X(TUNNELS, "ipip", "ipip", ONOFF, engine.pkt.ipip, "on", \
		"open IP-in-IP: IP protocols 4 (IPv4 inside) and 41 (IPv6 inside)") \
	X(TUNNELS, "gre", "gre", ONOFF, engine.pkt.gre, "on", \
		"open GRE (IP protocol 47), with or without key, IPv4, IPv6 or Ethernet inside") \
	X(TUNNELS, "geneve_context", "geneve-context", WORDS({ "auto", FT_GENEVE_CTX_AUTO }, \
		{ "vni", FT_GENEVE_CTX_VNI }, { "none", FT_GENEVE_CTX_NONE }), \
		engine.pkt.ctx_geneve, "auto", \
		"what keeps GENEVE tenants apart: auto (the GWLB endpoint and attachment ids " \
		"when the AWS options are there, else the VNI), vni, or none (one context)") \
	X(TUNNELS, "vxlan_context", "vxlan-context", WORDS({ "vni", 1 }, { "none", 0 }), \
		engine.pkt.ctx_vxlan, "vni", \
		"what keeps VXLAN tenants apart: the VNI, or none (one context; for tunnels " \
		"whose two directions carry different VNIs)") \
	X(TUNNELS, "gre_context", "gre-context", WORDS({ "key", 1 }, { "none", 0 }), \
		engine.pkt.ctx_gre, "key", \
		"what keeps GRE tenants apart: the key, or none (one context; for mirrors " \
		"whose two directions carry different keys)") \
	X(TUNNELS, "max_contexts", "max-contexts", U64(1, FT_CTX_MAX), engine.max_contexts, \
		NULL, \
		"tenant contexts (distinct tunnel identities) tracked; the segments of a " \
		"new one past this are counted (pkt_ctx_full), not tracked") \
	X(METRICS, "address", "metrics-address", ADDR, metrics_addr, "127.0.0.1", \
		"address the metrics endpoint listens on") \
	X(METRICS, "port", "metrics-port", U64_OFF(1, 65535), metrics_port, "0", \
		"TCP port of the Prometheus / OpenMetrics endpoint (GET /metrics), served by " \
		"the control lcore in live mode (0: off)") \
	X(METRICS, "top", "metrics-top", U64(0, 100), metrics_top, "10", \
		"hosts per diagnosed state in fintrack_top_endpoints, those holding the most " \
		"connections in it (0: none)") \
	X(IPFIX, "collector", "ipfix-collector", ADDR, ipfix_addr, "127.0.0.1", \
		"address of the IPFIX collector") \
	X(IPFIX, "port", "ipfix-port", U64_OFF(1, 65535), ipfix_port, "0", \
		"UDP port of the IPFIX collector (0: no export; 4739 is IPFIX's own); one " \
		"biflow record per flow end, sent by the control lcore (live) or the replay") \
	X(IPFIX, "enterprise", "ipfix-enterprise", U64(1, UINT32_MAX), ipfix_pen, "32473", \
		"private enterprise number of fintrack's own information elements (32473 is " \
		"reserved for documentation by RFC 5612: use your organisation's)") \
	X(IPFIX, "domain", "ipfix-domain", U64(0, UINT32_MAX), ipfix_domain, "1", \
		"observation domain id of the export") \
	X(IPFIX, "template_interval", "ipfix-template-interval", SECONDS(1, 86400), \
		ipfix_template_ms, "60", \
		"seconds between templates re-sent to the collector") \
	X(PORTS, "pairs", "pairs", PAIRS, pairs, NULL, \
		"transit mode: port pairs; every packet received on one port of a pair is sent " \
		"out of the other (default: ports paired in order, 0:1, 2:3, ...)") \
	X(PORTS, "ports", "ports", PORTS, gwlb_ports, NULL, \
		"gwlb mode: the data ports, each one-arm on its own: GENEVE to --gwlb-addr goes " \
		"back out of the port it came in on (default: every port given to EAL)") \
	X(LIVE, "mode", "mode", WORDS({ "transit", FT_CFG_MODE_TRANSIT }, \
		{ "gwlb", FT_CFG_MODE_GWLB }), mode, "transit", \
		"transit: a bump in the wire between port pairs; gwlb: a one-arm GWLB target " \
		"that sends GENEVE to --gwlb-addr back to the load balancer, gives what is " \
		"addressed to itself to the kernel (--exception) and drops the rest") \
	X(LIVE, "gwlb_addr", "gwlb-addr", ADDR, gwlb_addr, NULL, \
		"gwlb mode: fintrack's own IPv4 address, the one the GWLB target group names " \
		"(required in gwlb mode)") \
	X(LIVE, "exception", "exception", ONOFF, exception, "on", \
		"gwlb mode: an exception path to the kernel, a net_tap port per data port that " \
		"fintrack creates, for ARP, the health checks and ICMP to --gwlb-addr (off: " \
		"they are dropped)") \
	X(LIVE, "exception_iface", "exception-iface", IFNAME, exception_iface, "ftx0", \
		"gwlb mode: the kernel interface of the exception port (of the first data port; " \
		"the k-th after it gets NAME-k); it carries its data port's MAC address") \
	X(LIVE, "workers", "workers", U64(0, RTE_MAX_LCORE - 1), workers, "0", \
		"use the first N worker lcores (0: every one); each has a queue on every port") \
	X(LIVE, "rx_desc", "rx-desc", U64(64, 16384), rx_desc, "1024", \
		"descriptors per RX queue") \
	X(LIVE, "tx_desc", "tx-desc", U64(64, 16384), tx_desc, "1024", \
		"descriptors per TX queue") \
	X(LIVE, "mbufs", "mbufs", U64(1023, 16777215), mbufs, "16383", \
		"mbufs per NUMA socket") \
	X(LIVE, "burst", "burst", U64(1, FT_MAX_BURST), burst, "32", \
		"RX burst") \
	X(LIVE, "tx_drain_us", "tx-drain-us", U64(1, 100000), tx_drain_us, "100", \
		"longest wait in microseconds before buffered packets are sent") \
	X(LIVE, "malformed", "malformed", WORDS({ "forward", 0 }, { "drop", 1 }), \
		drop_malformed, "forward", \
		"what to do with malformed packets (counted by reason either way)") \
	X(LIVE, "stats_interval", "stats-interval", SECONDS(0, 86400), stats_interval_ms, "1", \
		"seconds between rate lines on stdout (0: none)") \
	X(LIVE, "max_frame", "max-frame", U64(FT_CFG_STD_FRAME, FT_CFG_MAX_FRAME), max_frame, \
		"1518", \
		"largest frame in bytes, Ethernet header and CRC included: sets each port's MTU " \
		"and sizes the mbufs (or turns on scattered RX where every port offers it); an " \
		"AWS GWLB sends 8500-byte packets plus 68 bytes of GENEVE: 9216")
/* clang-format on */

/** Values of --mode. */
enum ft_cfg_mode {
	FT_CFG_MODE_TRANSIT = 0, /**< A bump in the wire between port pairs. */
	FT_CFG_MODE_GWLB = 1,	 /**< A one-arm AWS GWLB target. */
};

/** Values of --progress. */
enum ft_cfg_progress {
	FT_CFG_PROGRESS_OFF = 0,
	FT_CFG_PROGRESS_ON = 1,
	FT_CFG_PROGRESS_AUTO = 2, /**< On when stderr is a terminal. */
};

/** Everything fintrack is told, from defaults, the config file and the command line. */
struct ft_app_cfg {
	struct ft_engine_conf engine;
	const char *pcap;		 /**< Trace to replay. */
	const char *config;		 /**< INI file. */
	const char *events;		 /**< JSON-lines event output, "-" for stdout. */
	const char *report;		 /**< JSON report output, "-" for stdout. */
	int drain;			 /**< Run the clock on until every timer fired. */
	int quiet;			 /**< No summary on stdout. */
	uint8_t progress;		 /**< enum ft_cfg_progress. */
	int eal_verbose;		 /**< Keep EAL's start-up messages. */
	uint64_t diag[FT_TCP_STATE_MAX]; /**< Diagnosis thresholds (0: not diagnosed). */
	uint32_t diag_min_age_ms;	 /**< Time in a state that counts towards a pile. */
	/* Metrics (live mode). */
	char metrics_addr[48]; /**< Listening address. */
	uint16_t metrics_port; /**< TCP port (0: off). */
	uint32_t metrics_top;  /**< Hosts per state in the top-endpoint gauges. */
	/* IPFIX export. */
	char ipfix_addr[48];	    /**< Collector address. */
	uint16_t ipfix_port;	    /**< Collector UDP port (0: off). */
	uint32_t ipfix_pen;	    /**< Enterprise number of fintrack's elements. */
	uint32_t ipfix_domain;	    /**< Observation domain id. */
	uint32_t ipfix_template_ms; /**< Template re-send interval. */
	/* Live mode. */
	uint16_t npairs;			/**< Port pairs given (0: pair in order). */
	uint16_t pairs[FT_MAX_PAIRS][2];	/**< Port ids of each pair. */
	uint16_t rx_desc;			/**< RX descriptors per queue. */
	uint16_t tx_desc;			/**< TX descriptors per queue. */
	uint32_t mbufs;				/**< Mbufs per NUMA socket. */
	uint16_t burst;				/**< RX burst size. */
	uint32_t tx_drain_us;			/**< Longest wait before a TX flush. */
	uint8_t drop_malformed;			/**< Drop malformed packets, not forward. */
	uint32_t stats_interval_ms;		/**< Rate lines on stdout (0: none). */
	uint32_t workers;			/**< Worker lcores used (0: every one). */
	uint32_t max_frame;			/**< Largest frame, header and CRC included. */
	uint8_t mode;				/**< enum ft_cfg_mode. */
	uint8_t exception;			/**< gwlb mode: the exception path to the kernel. */
	uint16_t ngwlb_ports;			/**< gwlb mode: data ports given (0: every port). */
	uint16_t gwlb_ports[FT_MAX_GWLB_PORTS]; /**< gwlb mode: the data ports. */
	char gwlb_addr[48];			/**< gwlb mode: our own IPv4 address ("": none). */
	char exception_iface[FT_CFG_IFNAME_MAX + 1]; /**< gwlb mode: exception interface name. */
};

/** ft_cfg_parse() found --help (-h): it printed the help. */
#define FT_CFG_HELP 1
/** ft_cfg_parse() found --version (-V): the caller prints the version. */
#define FT_CFG_VERSION 2

/**
 * The config file read when the command line names none, if it exists (NULL:
 * none). The fintrack program sets it to <sysconfdir>/fintrack/fintrack.ini.
 */
extern const char *ft_cfg_default_config;

/**
 * Fill cfg from defaults, the config file (--config, or ft_cfg_default_config
 * when it exists) and the command line (fintrack's arguments, argv[0] first).
 *
 * The config file is read strictly, line by line: a line must be blank, a
 * comment (';' or '#' at its start or after a blank), a [section] or a
 * key = value; a key needs a value; a section or a key given twice is an
 * error. Every error names the file and the line.
 *
 * @return
 *   0, FT_CFG_HELP, FT_CFG_VERSION, or -EINVAL after printing what is wrong.
 */
int ft_cfg_parse(struct ft_app_cfg *cfg, int argc, char **argv);

/**
 * Check a live-mode configuration as a whole: the settings of the other mode
 * are not given (--ports in transit mode, --pairs or a missing or IPv6
 * --gwlb-addr in gwlb mode). A replay does not call it: it ignores [live].
 *
 * @return
 *   0, or -EINVAL after printing what is wrong.
 */
int ft_cfg_check_live(const struct ft_app_cfg *cfg);

/**
 * Whether name (without its "--" and any "=value") is one of fintrack's own
 * long options: 1 if it takes a value, 0 if not, -1 if it is not one.
 */
int ft_cfg_option_arg(const char *name);

/**
 * Apply a configuration read again (on SIGHUP): copy into running the
 * settings of the sections marked reload in FT_CFG_SECTION_LIST, and list
 * what changed.
 *
 * @param applied
 *   Out: the settings that changed and were applied ("[timeouts] FIN_WAIT2,
 *   ..."; "" if none).
 * @param ignored
 *   Out: the settings that changed in fresh but are read at start only, so
 *   were not applied ("" if none).
 * @return
 *   The number of settings applied.
 */
unsigned int ft_cfg_reload(struct ft_app_cfg *running, const struct ft_app_cfg *fresh,
		char *applied, size_t alen, char *ignored, size_t ilen);

/**
 * Write the OPTIONS section of the man page (roff, the body of .SH OPTIONS)
 * from the list of settings: every option with its help, its config key, its
 * range and its default, section by section, as --help prints them.
 */
void ft_cfg_print_man(FILE *f);

/**
 * Called by ft_cfg_foreach() for one value.
 *
 * @param section
 *   INI section, or NULL for a setting of the command line only.
 * @param name
 *   INI key, the state for a [timeouts] or [diagnosis] value, or the option of a
 *   command-line-only setting.
 * @param value
 *   The value as the INI file or command line writes it ("" for an unset file name).
 * @param num
 *   The value when it is an integer, else NULL.
 */
typedef void(ft_cfg_visit_fn)(void *arg, const char *section, const char *name, const char *value,
		const uint64_t *num);

/**
 * Call fn for every value of every setting of cfg: the settings of the command
 * line only first, then section by section in FT_CFG_SECTION_LIST order (so the
 * values of one section come one after the other), a [timeouts] or [diagnosis]
 * setting once per state that has a timer.
 */
void ft_cfg_foreach(const struct ft_app_cfg *cfg, ft_cfg_visit_fn *fn, void *arg);

#endif /* _FT_CFG_H_ */
