/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright(c) 2026 The fintrack authors */

/*
 * ft-tracegen: writes pcap files of synthetic TCP connection lifecycles for fintrack tests,
 * together with an optional file of the expected outcome of every flow.
 *
 * The output is streamed: only the active flows are kept in memory, in a min-heap keyed by
 * the time of their next packet (ties broken by flow index), so the trace size is unbounded.
 * Everything is derived from the seed, so the same arguments give byte-identical files.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "tg_tracegen.h"

#define PROG		  "ft-tracegen"
#define EXIT_USAGE	  2
#define PROGRESS_EVERY	  1000000ULL
#define IO_BUFSIZE	  (1 << 20)
#define MAX_WEIGHT	  1000000000000ULL
#define MAX_DATA_SEGMENTS 10000
#define MAX_RTT_US	  10000000
#define MAX_RATE	  1e9
#define MAX_CONTEXTS	  (1U << 24)
/* Seeds the tuples of --same-tuple apart from the flows' own generators. */
#define TUPLE_SALT 0x7475706c65730000ULL
/* Keeps every pcap timestamp below 2^32 seconds. */
#define MAX_TRACE_SECONDS 2.5e9

struct options {
	const char *output;
	const char *expect;
	uint64_t nflows; /* -n: flows, or tuples with --same-tuple. */
	uint64_t total;	 /* Flows in the trace. */
	bool same_tuple;
	uint64_t seed;
	double rate;
	bool roundrobin;
	uint64_t weights[64];
	uint64_t total_weight;
	struct tg_cfg cfg;
	int linktype;
	uint32_t snaplen;
	struct tg_encap encap;
};

/* Long options without a short form. */
enum {
	OPT_MIX = 256,
	OPT_IPV6,
	OPT_VLAN,
	OPT_QINQ,
	OPT_RATE,
	OPT_RTT,
	OPT_DATA,
	OPT_EXPECT,
	OPT_LIST,
	OPT_LINKTYPE,
	OPT_SNAPLEN,
	OPT_MSS,
	OPT_ENCAP,
	OPT_CONTEXTS,
	OPT_TUNNEL_ID,
	OPT_GRE_KEY,
	OPT_INNER_ETH,
	OPT_GUE_VARIANT,
	OPT_GENEVE_PORT,
	OPT_VXLAN_PORT,
	OPT_GUE_PORT,
	OPT_SAME_TUPLE,
};

/* Active flows ordered by (time of next packet, flow index). */
struct flow_heap {
	struct tg_flow **v;
	size_t n;
	size_t cap;
};

static void
usage(FILE *out)
{
	fprintf(out,
			"Usage: ft-tracegen -o FILE [-n FLOWS] [-s SEED] [--mix SPEC] [--ipv6 PCT]\n"
			"                   [--vlan PCT] [--qinq PCT] [--rate FLOWS_PER_S] [--rtt-us US]\n"
			"                   [--data-segments N] [--mss N] [--encap KIND[+KIND]]\n"
			"                   [--contexts N] [--tunnel-id BASE] [--same-tuple]\n"
			"                   [tunnel options] [--expect FILE] [--list-kinds] [-h]\n"
			"\n"
			"Writes a pcap file of synthetic TCP connection lifecycles, deterministic from\n"
			"the arguments.\n"
			"\n"
			"  -o, --output FILE      pcap file to write (\"-\" for stdout)\n"
			"  -n, --flows FLOWS      number of flows to generate (default 1000); with\n"
			"                         --same-tuple, of distinct tuples\n"
			"  -s, --seed SEED        PRNG seed (default 1)\n"
			"      --mix SPEC         \"all\" (every kind, equal weight; default),\n"
			"                         \"roundrobin\" (flow i gets kind i %% number of kinds)\n"
			"                         or a list kind=weight,... of non-negative integers\n"
			"      --ipv6 PCT         percentage of flows over IPv6 (default 0)\n"
			"      --vlan PCT         percentage of flows with one 802.1Q tag (default 0)\n"
			"      --qinq PCT         percentage of flows with 802.1ad+802.1Q tags (default "
			"0)\n"
			"      --rate FLOWS_PER_S new flows per second (default 1000)\n"
			"      --rtt-us US        round-trip time in microseconds (default 1000)\n"
			"      --data-segments N  request/response exchanges per flow (default 2)\n"
			"      --mss N            largest TCP payload of a segment, 1..9000 (default 1400);\n"
			"                         a SYN advertises the larger of 1460 and N\n"
			"      --linktype TYPE    ether (default), sll (Linux cooked capture) or raw (raw IP);\n"
			"                         VLAN tags are dropped with sll and raw\n"
			"      --snaplen N        keep only the first N bytes of each frame (64..65535, default\n"
			"                         65535), as tcpdump -s N does; lengths stay those on the wire\n"
			"      --expect FILE      write the expected outcome of every flow as JSON lines\n"
			"                         (with \"tunnel\" and \"tunnel_id\" when encapsulated)\n"
			"      --list-kinds       list the flow kinds and exit\n"
			"  -h, --help             show this help and exit\n"
			"\n"
			"Tunnels: every frame in a load balancer's encapsulation, under an outer\n"
			"Ethernet + IPv4 header (198.19.255.0/24; client to server A to B, server to\n"
			"client B to A; GWLB sends both directions A to B). The inner packets are those\n"
			"of the same trace without --encap, byte for byte, and so are the counts of\n"
			"--expect, which adds each flow's \"tunnel\" and \"tunnel_id\".\n"
			"      --encap KIND[+KIND]\n"
			"                         none (default), geneve, gwlb (GENEVE as AWS GWLB sends\n"
			"                         it: VNI 0, raw IP, endpoint/attachment/cookie options),\n"
			"                         vxlan, ipip, gre or gue; A+B puts B inside A\n"
			"      --contexts N       spread the flows round-robin over N tunnel identities\n"
			"                         (default 1)\n"
			"      --tunnel-id BASE   identity of the first context (default 100; context c\n"
			"                         has BASE + c): the VNI, the GRE key, the GWLB endpoint\n"
			"                         0x0e00000000000000 | id and attachment 0x0a00.. | id\n"
			"      --same-tuple       with --contexts N, every tuple N times, once in each\n"
			"                         context, as flows of their own (kind, times, sequence\n"
			"                         numbers): -n tuples make N x n flows\n"
			"      --gre-key on|off   GRE carries the identity as its key (default on)\n"
			"      --inner-eth on|off GENEVE and GRE carry Ethernet frames (0x6558) or IP\n"
			"                         packets (default: on for geneve, off for gre)\n"
			"      --gue-variant 0|1  GUE with its 4-byte header (0, default) or IP right\n"
			"                         after UDP (1)\n"
			"      --geneve-port P    UDP port of geneve and gwlb (default 6081)\n"
			"      --vxlan-port P     UDP port of vxlan (default 4789)\n"
			"      --gue-port P       UDP port of gue (default 6080)\n"
			"VLAN tags stay on the flow's Ethernet header when the innermost tunnel carries\n"
			"Ethernet, else they go on the nearest Ethernet header above the inner IP packet.\n"
			"--linktype sll and raw replace the outer Ethernet header and its tags.\n");
}

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void
die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" PROG " -h' for more information.\n");
	exit(EXIT_USAGE);
}

static void
die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(code);
}

static void *
xmalloc(size_t size)
{
	void *p = malloc(size);

	if (p == NULL)
		die(1, "out of memory (%zu bytes)", size);
	return p;
}

static uint64_t
parse_u64(const char *opt, const char *s, int base, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '-' || *s == '+')
		die_usage("invalid number '%s' for %s", s, opt);
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0')
		die_usage("invalid number '%s' for %s", s, opt);
	if (v < min || v > max)
		die_usage("%s must be between %" PRIu64 " and %" PRIu64 " (got %s)", opt, min, max,
				s);
	return v;
}

static double
parse_double(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || end == s || *end != '\0' || errno != 0 || !isfinite(v))
		die_usage("invalid number '%s' for %s", s, opt);
	if (v < min || v > max)
		die_usage("%s must be between %g and %g (got %s)", opt, min, max, s);
	return v;
}

static double
parse_pct(const char *opt, const char *s)
{
	return parse_double(opt, s, 0, 100);
}

static int
find_kind(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < tg_nkinds; i++)
		if (strlen(tg_kinds[i].name) == len && memcmp(tg_kinds[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static void
parse_mix(struct options *o, const char *spec)
{
	bool seen[64] = { false };
	const char *item = spec;
	unsigned int i;

	memset(o->weights, 0, sizeof(o->weights));
	o->roundrobin = false;
	o->total_weight = 0;
	if (strcmp(spec, "all") == 0 || strcmp(spec, "roundrobin") == 0) {
		for (i = 0; i < tg_nkinds; i++)
			o->weights[i] = 1;
		o->total_weight = tg_nkinds;
		o->roundrobin = spec[0] == 'r';
		return;
	}

	for (;;) {
		const char *comma = strchr(item, ',');
		size_t len = comma ? (size_t)(comma - item) : strlen(item);
		const char *eq = memchr(item, '=', len);
		size_t name_len = eq ? (size_t)(eq - item) : len;
		uint64_t w = 1;
		char wbuf[32];
		int k;

		if (len == 0)
			die_usage("empty entry in --mix '%s'", spec);
		k = find_kind(item, name_len);
		if (k < 0)
			die_usage("unknown kind '%.*s' in --mix (see --list-kinds)", (int)name_len,
					item);
		if (seen[k])
			die_usage("kind '%s' given twice in --mix", tg_kinds[k].name);
		seen[k] = true;
		if (eq != NULL) {
			size_t wlen = len - name_len - 1;

			if (wlen == 0 || wlen >= sizeof(wbuf))
				die_usage("invalid weight '%.*s' for kind '%s' in --mix", (int)wlen,
						eq + 1, tg_kinds[k].name);
			memcpy(wbuf, eq + 1, wlen);
			wbuf[wlen] = '\0';
			w = parse_u64("--mix weight", wbuf, 10, 0, MAX_WEIGHT);
		}
		o->weights[k] = w;
		o->total_weight += w;
		if (comma == NULL)
			break;
		item = comma + 1;
	}
	if (o->total_weight == 0)
		die_usage("--mix '%s' gives every kind a weight of 0", spec);
}

static void
list_kinds(void)
{
	unsigned int i;

	for (i = 0; i < tg_nkinds; i++)
		printf("%-22s %s (expect %s / %s)\n", tg_kinds[i].name, tg_kinds[i].desc,
				tg_kinds[i].how, tg_kinds[i].first_closer);
}

/*
 * Rewrite an Ethernet frame in place for another link type: raw IP drops the
 * Ethernet header and tags; a Linux cooked capture replaces them with its
 * 16-byte header. Returns the new length.
 */
static uint32_t
relink(int linktype, uint8_t *frame, uint32_t len, bool outgoing)
{
	uint32_t l2 = 14;
	uint16_t type = (uint16_t)(frame[12] << 8 | frame[13]);
	uint8_t sll[16] = { 0 };

	if (linktype == DLT_EN10MB)
		return len;
	while (type == 0x8100 || type == 0x88a8) {
		type = (uint16_t)(frame[l2 + 2] << 8 | frame[l2 + 3]);
		l2 += 4;
	}
	if (linktype == DLT_RAW) {
		memmove(frame, frame + l2, len - l2);
		return len - l2;
	}
	sll[1] = outgoing ? 4 : 0; /* Packet type: outgoing or to us. */
	sll[3] = 1;		   /* ARPHRD_ETHER. */
	sll[5] = 6;		   /* Address length. */
	memcpy(sll + 6, frame + 6, 6);
	sll[14] = (uint8_t)(type >> 8);
	sll[15] = (uint8_t)type;
	memmove(frame + 16, frame + l2, len - l2);
	memcpy(frame, sll, 16);
	return len - l2 + 16;
}

static bool
parse_on_off(const char *opt, const char *s)
{
	if (strcmp(s, "on") == 0)
		return true;
	if (strcmp(s, "off") == 0)
		return false;
	die_usage("%s: '%s' is not on or off", opt, s);
}

/*
 * Each tunnel option given (bit OPT_x - OPT_ENCAP of given) must apply to a level of
 * --encap, and the identities of the contexts must fit in every level that carries one.
 */
static void
check_tunnel_options(const struct tg_encap *e, uint32_t given, const struct option *longopts)
{
	static const struct {
		int opt;
		enum tg_tunnel kind[2]; /* The levels it applies to; any with TG_TUN_NONE. */
	} applies[] = {
		{ OPT_CONTEXTS, { TG_TUN_NONE, TG_TUN_NONE } },
		{ OPT_TUNNEL_ID, { TG_TUN_NONE, TG_TUN_NONE } },
		{ OPT_GRE_KEY, { TG_TUN_GRE, TG_TUN_GRE } },
		{ OPT_INNER_ETH, { TG_TUN_GENEVE, TG_TUN_GRE } },
		{ OPT_GUE_VARIANT, { TG_TUN_GUE, TG_TUN_GUE } },
		{ OPT_GENEVE_PORT, { TG_TUN_GENEVE, TG_TUN_GWLB } },
		{ OPT_VXLAN_PORT, { TG_TUN_VXLAN, TG_TUN_VXLAN } },
		{ OPT_GUE_PORT, { TG_TUN_GUE, TG_TUN_GUE } },
		{ OPT_SAME_TUPLE, { TG_TUN_NONE, TG_TUN_NONE } },
	};
	uint64_t last_id = (uint64_t)e->tunnel_id + e->contexts - 1;
	unsigned int i;

	for (i = 0; i < sizeof(applies) / sizeof(applies[0]); i++) {
		const char *name = longopts[0].name;
		unsigned int k;

		if (!(given & 1U << (applies[i].opt - OPT_ENCAP)))
			continue;
		for (k = 0; longopts[k].name != NULL; k++)
			if (longopts[k].val == applies[i].opt)
				name = longopts[k].name;
		if (e->nlevels == 0)
			die_usage("--%s needs --encap", name);
		if (applies[i].kind[0] != TG_TUN_NONE && !tg_encap_has(e, applies[i].kind[0]) &&
				!tg_encap_has(e, applies[i].kind[1]))
			die_usage("--%s does not apply to --encap %s", name, e->name);
	}
	if (e->contexts > 1 && !tg_encap_has_id(e))
		die_usage("--contexts %" PRIu32
			  ": --encap %s carries no tunnel identity (ipip, gue "
			  "and gre with --gre-key off have none)",
				e->contexts, e->name);
	if (last_id > tg_encap_max_id(e))
		die_usage("--tunnel-id %" PRIu32 " and --contexts %" PRIu32
			  " give identities up to %" PRIu64 ", past %" PRIu32
			  ", the largest --encap %s carries",
				e->tunnel_id, e->contexts, last_id, tg_encap_max_id(e), e->name);
}

static void
parse_args(struct options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "flows", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "mix", required_argument, NULL, OPT_MIX },
		{ "ipv6", required_argument, NULL, OPT_IPV6 },
		{ "vlan", required_argument, NULL, OPT_VLAN },
		{ "qinq", required_argument, NULL, OPT_QINQ },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "rtt-us", required_argument, NULL, OPT_RTT },
		{ "data-segments", required_argument, NULL, OPT_DATA },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "list-kinds", no_argument, NULL, OPT_LIST },
		{ "linktype", required_argument, NULL, OPT_LINKTYPE },
		{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
		{ "mss", required_argument, NULL, OPT_MSS },
		{ "encap", required_argument, NULL, OPT_ENCAP },
		{ "contexts", required_argument, NULL, OPT_CONTEXTS },
		{ "tunnel-id", required_argument, NULL, OPT_TUNNEL_ID },
		{ "gre-key", required_argument, NULL, OPT_GRE_KEY },
		{ "inner-eth", required_argument, NULL, OPT_INNER_ETH },
		{ "gue-variant", required_argument, NULL, OPT_GUE_VARIANT },
		{ "geneve-port", required_argument, NULL, OPT_GENEVE_PORT },
		{ "vxlan-port", required_argument, NULL, OPT_VXLAN_PORT },
		{ "gue-port", required_argument, NULL, OPT_GUE_PORT },
		{ "same-tuple", no_argument, NULL, OPT_SAME_TUPLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tg_encap *e = &o->encap;
	uint32_t tunnel_opts = 0; /* Bit OPT_x - OPT_ENCAP: option x was given. */
	int inner_eth = -1;
	int rc;
	int c;

	memset(o, 0, sizeof(*o));
	o->nflows = 1000;
	o->seed = 1;
	o->rate = 1000;
	o->cfg.rtt_us = 1000;
	o->cfg.data_segments = 2;
	o->cfg.mss = TG_DEFAULT_MSS;
	o->linktype = DLT_EN10MB;
	o->snaplen = 65535;
	parse_mix(o, "all");
	e->contexts = 1;
	e->tunnel_id = 100;
	e->gre_key = true;
	e->geneve_port = 6081;
	e->vxlan_port = 4789;
	e->gue_port = 6080;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:n:s:h", longopts, NULL)) != -1) {
		if (c > OPT_ENCAP && c <= OPT_SAME_TUPLE)
			tunnel_opts |= 1U << (c - OPT_ENCAP);
		switch (c) {
		case 'o':
			if (optarg[0] == '\0')
				die_usage("empty file name for -o");
			o->output = optarg;
			break;
		case 'n':
			o->nflows = parse_u64("-n", optarg, 10, 1, TG_MAX_FLOWS);
			break;
		case 's':
			o->seed = parse_u64("-s", optarg, 0, 0, UINT64_MAX);
			break;
		case OPT_MIX:
			parse_mix(o, optarg);
			break;
		case OPT_IPV6:
			o->cfg.ipv6_pct = parse_pct("--ipv6", optarg);
			break;
		case OPT_VLAN:
			o->cfg.vlan_pct = parse_pct("--vlan", optarg);
			break;
		case OPT_QINQ:
			o->cfg.qinq_pct = parse_pct("--qinq", optarg);
			break;
		case OPT_RATE:
			o->rate = parse_double("--rate", optarg, 1e-3, MAX_RATE);
			break;
		case OPT_RTT:
			o->cfg.rtt_us = (uint32_t)parse_u64("--rtt-us", optarg, 10, 1, MAX_RTT_US);
			break;
		case OPT_DATA:
			o->cfg.data_segments = (unsigned int)parse_u64("--data-segments", optarg,
					10, 0, MAX_DATA_SEGMENTS);
			break;
		case OPT_MSS:
			o->cfg.mss = (uint16_t)parse_u64("--mss", optarg, 10, 1, TG_MAX_MSS);
			break;
		case OPT_ENCAP:
			rc = tg_encap_parse(e, optarg);
			if (rc == -E2BIG)
				die_usage("--encap: '%s' nests more than %u tunnels", optarg,
						TG_MAX_TUNNEL_LEVELS);
			if (rc != 0)
				die_usage("--encap: '%s' is not none, geneve, gwlb, vxlan, ipip, gre or "
					  "gue, or two of them joined by '+'",
						optarg);
			break;
		case OPT_CONTEXTS:
			e->contexts = (uint32_t)parse_u64("--contexts", optarg, 10, 1,
					MAX_CONTEXTS);
			break;
		case OPT_TUNNEL_ID:
			e->tunnel_id = (uint32_t)parse_u64("--tunnel-id", optarg, 0, 0, UINT32_MAX);
			break;
		case OPT_GRE_KEY:
			e->gre_key = parse_on_off("--gre-key", optarg);
			break;
		case OPT_INNER_ETH:
			inner_eth = parse_on_off("--inner-eth", optarg);
			break;
		case OPT_GUE_VARIANT:
			e->gue_variant = (uint8_t)parse_u64("--gue-variant", optarg, 10, 0, 1);
			break;
		case OPT_GENEVE_PORT:
			e->geneve_port = (uint16_t)parse_u64("--geneve-port", optarg, 10, 1, 65535);
			break;
		case OPT_VXLAN_PORT:
			e->vxlan_port = (uint16_t)parse_u64("--vxlan-port", optarg, 10, 1, 65535);
			break;
		case OPT_GUE_PORT:
			e->gue_port = (uint16_t)parse_u64("--gue-port", optarg, 10, 1, 65535);
			break;
		case OPT_SAME_TUPLE:
			o->same_tuple = true;
			break;
		case OPT_EXPECT:
			if (optarg[0] == '\0')
				die_usage("empty file name for --expect");
			o->expect = optarg;
			break;
		case OPT_SNAPLEN:
			o->snaplen = (uint32_t)parse_u64("--snaplen", optarg, 10, 64, 65535);
			break;
		case OPT_LINKTYPE:
			if (strcmp(optarg, "ether") == 0)
				o->linktype = DLT_EN10MB;
			else if (strcmp(optarg, "sll") == 0)
				o->linktype = DLT_LINUX_SLL;
			else if (strcmp(optarg, "raw") == 0)
				o->linktype = DLT_RAW;
			else
				die_usage("--linktype: '%s' is not ether, sll or raw", optarg);
			break;
		case OPT_LIST:
			list_kinds();
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			die_usage("option '%s' requires an argument", argv[optind - 1]);
		default:
			if (optopt != 0)
				die_usage("unknown option '-%c'", optopt);
			die_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (o->output == NULL)
		die_usage("no output file given (use -o FILE)");
	if (o->expect != NULL && strcmp(o->output, "-") == 0 && strcmp(o->expect, "-") == 0)
		die_usage("the pcap file and the expect file cannot both go to stdout");
	if (o->cfg.vlan_pct + o->cfg.qinq_pct > 100)
		die_usage("--vlan and --qinq add up to more than 100 percent");
	check_tunnel_options(e, tunnel_opts, longopts);
	/* By default GENEVE carries Ethernet (as OVN sends it) and GRE carries IP. */
	e->geneve_eth = inner_eth != 0;
	e->gre_eth = inner_eth == 1;
	if (e->contexts == 1)
		o->same_tuple = false; /* One copy of each tuple: the plain trace. */
	o->total = o->nflows * (o->same_tuple ? e->contexts : 1);
	if ((double)(o->total - 1) / o->rate > MAX_TRACE_SECONDS)
		die_usage("%" PRIu64 " flows at %g flows/s would make the trace longer than %g s",
				o->total, o->rate, MAX_TRACE_SECONDS);
}

static inline bool
flow_before(const struct tg_flow *a, const struct tg_flow *b)
{
	uint64_t ta = a->pkts[a->next].t_us;
	uint64_t tb = b->pkts[b->next].t_us;

	return ta < tb || (ta == tb && a->idx < b->idx);
}

static void
heap_sift_down(struct flow_heap *h, size_t i)
{
	struct tg_flow *f = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && flow_before(h->v[c + 1], h->v[c]))
			c++;
		if (!flow_before(h->v[c], f))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	h->v[i] = f;
}

static void
heap_push(struct flow_heap *h, struct tg_flow *f)
{
	size_t i;

	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 1024;
		h->v = reallocarray(h->v, h->cap, sizeof(*h->v));
		if (h->v == NULL)
			die(1, "out of memory (heap of %zu flows)", h->cap);
	}
	i = h->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!flow_before(f, h->v[parent]))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = f;
}

/* Removes the first flow of the heap. */
static void
heap_pop(struct flow_heap *h)
{
	h->n--;
	if (h->n != 0) {
		h->v[0] = h->v[h->n];
		heap_sift_down(h, 0);
	}
}

static uint64_t
flow_start_us(const struct options *o, uint64_t idx)
{
	return (uint64_t)((double)idx * 1e6 / o->rate);
}

static unsigned int
pick_kind(const struct options *o, uint64_t idx, struct tg_rng *rng)
{
	uint64_t r;
	unsigned int k;

	if (o->roundrobin)
		return (unsigned int)(idx % tg_nkinds);
	r = tg_rng_below(rng, o->total_weight);
	for (k = 0; k < tg_nkinds - 1; k++) {
		if (r < o->weights[k])
			break;
		r -= o->weights[k];
	}
	return k;
}

static void
write_expect(FILE *out, const struct tg_flow *f, const struct tg_encap *e)
{
	char client[64];
	char server[64];
	char tunnel[sizeof(e->name) + 192] = "";
	unsigned int i;

	tg_endpoint_str(f, TG_CLIENT, client, sizeof(client));
	tg_endpoint_str(f, TG_SERVER, server, sizeof(server));
	if (e->nlevels != 0) {
		char id[160];

		tg_encap_id_str(e, f, id, sizeof(id));
		snprintf(tunnel, sizeof(tunnel), ",\"tunnel\":\"%s\",\"tunnel_id\":\"%s\"", e->name,
				id);
	}
	for (i = 0; i < f->ninc; i++) {
		const struct tg_incarnation *inc = &f->inc[i];

		fprintf(out,
				"{\"client\":\"%s\",\"server\":\"%s\",\"kind\":\"%s\",\"how\":\"%s\","
				"\"first_closer\":\"%s\",\"pkts_c2s\":%" PRIu64
				",\"pkts_s2c\":%" PRIu64 ","
				"\"bytes_c2s\":%" PRIu64 ",\"bytes_s2c\":%" PRIu64 ",\"vlan\":%u,"
				"\"ipv6\":%s%s}\n",
				client, server, tg_kinds[f->kind].name, inc->how, inc->first_closer,
				inc->pkts[TG_CLIENT], inc->pkts[TG_SERVER], inc->bytes[TG_CLIENT],
				inc->bytes[TG_SERVER], f->nvlan, f->ipv6 ? "true" : "false",
				tunnel);
	}
}

static FILE *
open_output(const char *path, const char *what, char **buf)
{
	FILE *fp;

	*buf = NULL;
	if (strcmp(path, "-") == 0)
		return stdout;
	fp = fopen(path, "wb");
	if (fp == NULL)
		die(EXIT_USAGE, "cannot open %s '%s': %s", what, path, strerror(errno));
	*buf = xmalloc(IO_BUFSIZE);
	if (setvbuf(fp, *buf, _IOFBF, IO_BUFSIZE) != 0)
		die(1, "cannot set up buffering of %s '%s'", what, path);
	return fp;
}

int
main(int argc, char **argv)
{
	static uint8_t frame[TG_MAX_FRAME];
	struct flow_heap heap = { NULL, 0, 0 };
	struct tg_flow **pool = NULL;
	size_t npool = 0;
	size_t nalloc = 0;
	bool used[64] = { false };
	unsigned int nused = 0;
	uint64_t next_idx = 0;
	uint64_t npkts = 0;
	struct options o;
	pcap_dumper_t *dumper;
	char *pcap_buf;
	char *expect_buf = NULL;
	FILE *expect = NULL;
	FILE *pcap_fp;
	pcap_t *pcap;
	size_t i;

	_Static_assert(sizeof(o.weights) / sizeof(o.weights[0]) >= 19, "weights array too small");
	if (tg_nkinds > sizeof(o.weights) / sizeof(o.weights[0]))
		die(1, "internal error: too many kinds");
	parse_args(&o, argc, argv);
	tg_frame_init();

	pcap = pcap_open_dead(o.linktype, (int)o.snaplen);
	if (pcap == NULL)
		die(1, "pcap_open_dead failed");
	pcap_fp = open_output(o.output, "output file", &pcap_buf);
	dumper = pcap_dump_fopen(pcap, pcap_fp);
	if (dumper == NULL)
		die(EXIT_USAGE, "cannot write pcap file '%s': %s", o.output, pcap_geterr(pcap));
	if (o.expect != NULL)
		expect = open_output(o.expect, "expect file", &expect_buf);

	while (next_idx < o.total || heap.n != 0) {
		struct pcap_pkthdr hdr;
		struct tg_flow *f;
		const struct tg_pkt *p;

		if (next_idx < o.total) {
			uint64_t start = flow_start_us(&o, next_idx);

			if (heap.n == 0 || start < heap.v[0]->pkts[heap.v[0]->next].t_us) {
				struct tg_tuple tuple;
				struct tg_rng rng;
				unsigned int kind;

				if (npool != 0) {
					f = pool[--npool];
				} else {
					f = xmalloc(sizeof(*f));
					memset(f, 0, sizeof(*f));
					nalloc++;
					pool = reallocarray(pool, nalloc, sizeof(*pool));
					if (pool == NULL)
						die(1, "out of memory (pool of %zu flows)", nalloc);
				}
				tg_rng_seed(&rng, o.seed, next_idx);
				kind = pick_kind(&o, next_idx, &rng);
				if (!used[kind]) {
					used[kind] = true;
					nused++;
				}
				if (o.same_tuple) {
					/* Copy next_idx % contexts of a tuple, in that context. */
					tuple.idx = next_idx / o.encap.contexts;
					tg_rng_seed(&tuple.rng, o.seed ^ TUPLE_SALT, tuple.idx);
				}
				tg_flow_setup(f, &o.cfg, next_idx, kind, &rng, start,
						o.same_tuple ? &tuple : NULL);
				tg_encap_assign(&o.encap, f, o.seed);
				if (expect != NULL)
					write_expect(expect, f, &o.encap);
				heap_push(&heap, f);
				next_idx++;
				if (next_idx % PROGRESS_EVERY == 0)
					fprintf(stderr,
							PROG ": %" PRIu64 "/%" PRIu64
							     " flows started, %" PRIu64
							     " packets written\n",
							next_idx, o.total, npkts);
				continue;
			}
		}

		f = heap.v[0];
		p = &f->pkts[f->next++];
		hdr.caplen = (bpf_u_int32)tg_encap_build(&o.encap, f, p, frame);
		hdr.caplen = relink(o.linktype, frame, hdr.caplen, p->dir == TG_CLIENT);
		hdr.len = hdr.caplen;
		/* As a capture with a small snap length: only the frame's start is kept. */
		if (hdr.caplen > o.snaplen)
			hdr.caplen = o.snaplen;
		hdr.ts.tv_sec = (time_t)(TG_T0_SEC + p->t_us / 1000000);
		hdr.ts.tv_usec = (suseconds_t)(p->t_us % 1000000);
		pcap_dump((u_char *)dumper, &hdr, frame);
		npkts++;

		if (f->next < f->npkts) {
			heap_sift_down(&heap, 0);
		} else {
			heap_pop(&heap);
			pool[npool++] = f;
		}
	}

	if (pcap_dump_flush(dumper) != 0 || ferror(pcap_fp))
		die(1, "error writing '%s': %s", o.output, strerror(errno));
	pcap_dump_close(dumper);
	pcap_close(pcap);
	free(pcap_buf);
	if (expect != NULL) {
		if (fflush(expect) != 0 || ferror(expect))
			die(1, "error writing '%s': %s", o.expect, strerror(errno));
		if (expect != stdout && fclose(expect) != 0)
			die(1, "error closing '%s': %s", o.expect, strerror(errno));
		free(expect_buf);
	}

	for (i = 0; i < npool; i++) {
		free(pool[i]->pkts);
		free(pool[i]);
	}
	free(pool);
	free(heap.v);

	fprintf(stderr, PROG ": wrote %" PRIu64 " packets, %" PRIu64 " flows (%u kinds) to %s\n",
			npkts, o.total, nused, o.output);
	return 0;
}
