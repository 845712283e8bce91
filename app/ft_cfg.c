/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <rte_common.h>

#include "ft_cfg.h"

/* Value types of FT_CFG_KEY_LIST. */
enum cfg_type {
	CFG_U64,
	CFG_SECONDS,
	CFG_ONOFF,
	CFG_WORDS,
	CFG_STATE_SECONDS,
	CFG_STATE_U64,
	CFG_PAIRS,
	CFG_PORTS,
	CFG_PATH,
	CFG_FLAG,
	CFG_ADDR,
	CFG_IFNAME,
	CFG_UDP_PORTS,
};

struct cfg_word {
	const char *word;
	uint8_t value;
};

/* One setting of FT_CFG_KEY_LIST. */
struct cfg_key {
	enum ft_cfg_section section;
	const char *key;    /* INI key (NULL: none, or the states). */
	const char *option; /* Long option without "--". */
	enum cfg_type type;
	uint64_t min, max;	      /* Range of an integer. */
	double smin, smax;	      /* Range of seconds. */
	uint8_t pow2;		      /* The integer must be a power of two. */
	uint8_t zero_off;	      /* 0 (off) is allowed below min. */
	const struct cfg_word *words; /* CFG_WORDS, ended by a NULL word. */
	size_t off;		      /* Offset of the field in struct ft_app_cfg. */
	size_t size;		      /* Size of the field (of the whole array for states). */
	const char *def;	      /* Default text, or NULL. */
	const char *help;
};

/* How each type of the list becomes a struct cfg_key (token pasted onto CFG_TYPE_). */
#define CFG_TYPE_U64(lo, hi)	  .type = CFG_U64, .min = (lo), .max = (hi)
#define CFG_TYPE_U64_POW2(lo, hi) .type = CFG_U64, .min = (lo), .max = (hi), .pow2 = 1
#define CFG_TYPE_U64_OFF(lo, hi)  .type = CFG_U64, .min = (lo), .max = (hi), .zero_off = 1
#define CFG_TYPE_SECONDS(lo, hi)  .type = CFG_SECONDS, .smin = (lo), .smax = (hi)
#define CFG_TYPE_ONOFF		  .type = CFG_ONOFF
#define CFG_TYPE_WORDS(...) \
	.type = CFG_WORDS, .words = (const struct cfg_word[]) \
	{ \
		__VA_ARGS__, \
		{ \
			NULL, 0 \
		} \
	}
#define CFG_TYPE_STATE_SECONDS(lo, hi) .type = CFG_STATE_SECONDS, .smin = (lo), .smax = (hi)
#define CFG_TYPE_STATE_U64(lo, hi)     .type = CFG_STATE_U64, .min = (lo), .max = (hi)
#define CFG_TYPE_PAIRS		       .type = CFG_PAIRS
#define CFG_TYPE_PORTS		       .type = CFG_PORTS
#define CFG_TYPE_PATH		       .type = CFG_PATH
#define CFG_TYPE_FLAG		       .type = CFG_FLAG
#define CFG_TYPE_ADDR		       .type = CFG_ADDR
#define CFG_TYPE_IFNAME		       .type = CFG_IFNAME
#define CFG_TYPE_UDP_PORTS	       .type = CFG_UDP_PORTS

#define CFG_KEY(sec, k, opt, type, field, dflt, text) \
	{ \
		.section = FT_CFG_S_##sec, \
		.key = k, \
		.option = opt, \
		CFG_TYPE_##type, \
		.off = offsetof(struct ft_app_cfg, field), \
		.size = sizeof(((struct ft_app_cfg *)NULL)->field), \
		.def = dflt, \
		.help = text, \
	},
static const struct cfg_key cfg_keys[] = { FT_CFG_KEY_LIST(CFG_KEY) };
#undef CFG_KEY

#define NKEYS RTE_DIM(cfg_keys)

#define CFG_SECTION(name, ini, heading, reload) ini,
static const char *const section_name[FT_CFG_S_MAX] = { FT_CFG_SECTION_LIST(CFG_SECTION) };
#undef CFG_SECTION

#define CFG_SECTION(name, ini, heading, reload) heading,
static const char *const section_heading[FT_CFG_S_MAX] = { FT_CFG_SECTION_LIST(CFG_SECTION) };
#undef CFG_SECTION

#define CFG_SECTION(name, ini, heading, reload) reload,
static const uint8_t section_reload[FT_CFG_S_MAX] = { FT_CFG_SECTION_LIST(CFG_SECTION) };
#undef CFG_SECTION

const char *ft_cfg_default_config;

/* getopt_long() returns OPT_BASE + the index of the key in cfg_keys. */
#define OPT_BASE    256
#define OPT_HELP    (OPT_BASE + (int)NKEYS)
#define OPT_VERSION (OPT_HELP + 1)

/* --help layout: options from column 2, their text from HELP_INDENT, up to HELP_WIDTH. */
#define HELP_INDENT 28
#define HELP_WIDTH  79

static int
is_state_map(const struct cfg_key *k)
{
	return k->type == CFG_STATE_SECONDS || k->type == CFG_STATE_U64;
}

static void *
field_of(struct ft_app_cfg *cfg, const struct cfg_key *k)
{
	return (char *)cfg + k->off;
}

static const void *
const_field_of(const struct ft_app_cfg *cfg, const struct cfg_key *k)
{
	return (const char *)cfg + k->off;
}

static void
store_uint(void *p, size_t size, uint64_t v)
{
	switch (size) {
	case sizeof(uint8_t):
		*(uint8_t *)p = (uint8_t)v;
		break;
	case sizeof(uint16_t):
		*(uint16_t *)p = (uint16_t)v;
		break;
	case sizeof(uint32_t):
		*(uint32_t *)p = (uint32_t)v;
		break;
	default:
		*(uint64_t *)p = v;
		break;
	}
}

static uint64_t
load_uint(const void *p, size_t size)
{
	switch (size) {
	case sizeof(uint8_t):
		return *(const uint8_t *)p;
	case sizeof(uint16_t):
		return *(const uint16_t *)p;
	case sizeof(uint32_t):
		return *(const uint32_t *)p;
	default:
		return *(const uint64_t *)p;
	}
}

/* Size of one element of a STATE_* field. */
static size_t
state_size(const struct cfg_key *k)
{
	return k->size / FT_TCP_STATE_MAX;
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

/* The words of a list: "closing or none", "a, b or c" (sep ", ", last " or "). */
static void
words_text(const struct cfg_word *w, const char *sep, const char *last, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; w[i].word != NULL && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
				i == 0				      ? "" :
						w[i + 1].word == NULL ? last :
									sep,
				w[i].word);
}

static int
parse_word(const char *what, const char *s, const struct cfg_word *w, uint8_t *out)
{
	char buf[128];
	unsigned int i;

	for (i = 0; w[i].word != NULL; i++)
		if (strcmp(s, w[i].word) == 0) {
			*out = w[i].value;
			return 0;
		}
	words_text(w, ", ", " or ", buf, sizeof(buf));
	fprintf(stderr, "fintrack: %s: '%s' is not %s\n", what, s, buf);
	return -EINVAL;
}

/* The states that have a timer (every state but CLOSED): "SYN_SENT SYN_RECV ...". */
static void
timed_states(char *buf, size_t len)
{
	size_t off = 0;
	unsigned int s;

	buf[0] = '\0';
	for (s = 0; s < FT_TCP_STATE_MAX && off < len; s++)
		if (s != FT_TCP_CLOSED)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "",
					ft_tcp_state_name(s));
}

/* A state name that has a timer. */
static int
timed_state(const char *what, const char *name)
{
	int s = ft_tcp_state_from_name(name);
	char states[128];

	if (s < 0 || s == FT_TCP_CLOSED) {
		timed_states(states, sizeof(states));
		fprintf(stderr, "fintrack: %s: unknown state '%s' (one of %s)\n", what, name,
				states);
		return -EINVAL;
	}
	return s;
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
	fprintf(stderr,
			"fintrack: %s: '%s' is not a list of up to %u port pairs P:Q,P:Q "
			"(port ids below %u, P != Q)\n",
			what, val, FT_MAX_PAIRS, RTE_MAX_ETHPORTS);
	return -EINVAL;
}

/* "0,2": gwlb mode's one-arm ports. */
static int
parse_ports(struct ft_app_cfg *cfg, const char *what, const char *val)
{
	const char *p = val;
	unsigned int n = 0, i;

	while (*p != '\0') {
		char *end;
		unsigned long a;

		if (n == FT_MAX_GWLB_PORTS || *p < '0' || *p > '9')
			goto bad;
		a = strtoul(p, &end, 10);
		if (end == p || (*end != ',' && *end != '\0') || a >= RTE_MAX_ETHPORTS)
			goto bad;
		for (i = 0; i < n; i++)
			if (cfg->gwlb_ports[i] == a)
				goto bad;
		cfg->gwlb_ports[n++] = (uint16_t)a;
		p = *end == ',' ? end + 1 : end;
		if (*end == ',' && *p == '\0')
			goto bad;
	}
	if (n == 0)
		goto bad;
	cfg->ngwlb_ports = (uint16_t)n;
	return 0;
bad:
	fprintf(stderr,
			"fintrack: %s: '%s' is not a list of up to %u different port ids P,P "
			"(below %u)\n",
			what, val, FT_MAX_GWLB_PORTS, RTE_MAX_ETHPORTS);
	return -EINVAL;
}

/* A network interface name: what the kernel takes (at most 15 bytes, no blank, '/' or ':'). */
static int
parse_ifname(const char *what, const char *val, char *field, size_t size)
{
	size_t len = strlen(val);

	if (len == 0 || len > FT_CFG_IFNAME_MAX || len >= size || strpbrk(val, " \t/:,=") != NULL ||
			strcmp(val, ".") == 0 || strcmp(val, "..") == 0) {
		fprintf(stderr,
				"fintrack: %s: '%s' is not an interface name (1 to %u characters, "
				"no blank, '/', ':', ',' or '=')\n",
				what, val, FT_CFG_IFNAME_MAX);
		return -EINVAL;
	}
	snprintf(field, size, "%s", val);
	return 0;
}

/* An IPv4 or IPv6 address, copied into a field of size bytes. */
static int
parse_addr(const char *what, const char *val, char *field, size_t size)
{
	uint8_t buf[16];

	if (strlen(val) >= size ||
			(inet_pton(AF_INET, val, buf) != 1 && inet_pton(AF_INET6, val, buf) != 1)) {
		fprintf(stderr, "fintrack: %s: '%s' is not an IPv4 or IPv6 address\n", what, val);
		return -EINVAL;
	}
	snprintf(field, size, "%s", val);
	return 0;
}

/* UDP ports P,P,... (at most FT_PKT_PORTS_MAX, each 1..65535, no repeat), or "off". */
static int
parse_udp_ports(const char *what, const char *val, struct ft_pkt_ports *ports)
{
	struct ft_pkt_ports out = { 0 };
	const char *p = val;
	unsigned int i;

	if (strcmp(val, "off") == 0 || strcmp(val, "none") == 0) {
		*ports = out;
		return 0;
	}
	while (*p != '\0') {
		unsigned long v;
		char *end;

		if (*p < '0' || *p > '9')
			goto bad;
		v = strtoul(p, &end, 10);
		if (v == 0 || v > 65535 || (*end != ',' && *end != '\0') ||
				out.n == FT_PKT_PORTS_MAX)
			goto bad;
		for (i = 0; i < out.n; i++)
			if (out.port[i] == v)
				goto bad;
		out.port[out.n++] = (uint16_t)v;
		p = *end == ',' ? end + 1 : end;
	}
	if (out.n == 0)
		goto bad;
	*ports = out;
	return 0;
bad:
	fprintf(stderr,
			"fintrack: %s: '%s' is not off or a list of up to %u different UDP ports "
			"P,P,... (1..65535)\n",
			what, val, FT_PKT_PORTS_MAX);
	return -EINVAL;
}

/* An integer of key k: in its range, and 0 or a power of two where it says so. */
static int
parse_int(const struct cfg_key *k, const char *what, const char *val, uint64_t *v)
{
	if (parse_u64(what, val, k->zero_off ? 0 : k->min, k->max, v) != 0)
		return -EINVAL;
	if (k->zero_off && *v != 0 && *v < k->min) {
		fprintf(stderr, "fintrack: %s: 0 or at least %" PRIu64 "\n", what, k->min);
		return -EINVAL;
	}
	if (k->pow2 && !rte_is_power_of_2((uint32_t)*v)) {
		fprintf(stderr, "fintrack: %s: %s is not a power of two\n", what, val);
		return -EINVAL;
	}
	return 0;
}

/*
 * Set key k from its text val; state is the state name of a STATE_* key. what
 * names the option, or the file, section and key, in error messages. A FLAG
 * given no value (on the command line) is set.
 */
static int
set_key(struct ft_app_cfg *cfg, const struct cfg_key *k, const char *what, const char *state,
		const char *val)
{
	char *p = field_of(cfg, k);
	size_t size = k->size;
	uint64_t v = 0;
	uint32_t ms = 0;
	uint8_t b = 1;
	int ret = 0, s;

	switch (k->type) {
	case CFG_PAIRS:
		return parse_pairs(cfg, what, val);
	case CFG_PORTS:
		return parse_ports(cfg, what, val);
	case CFG_IFNAME:
		return parse_ifname(what, val, p, k->size);
	case CFG_PATH:
		*(const char **)(void *)p = val;
		return 0;
	case CFG_ADDR:
		return parse_addr(what, val, p, k->size);
	case CFG_UDP_PORTS:
		return parse_udp_ports(what, val, (struct ft_pkt_ports *)(void *)p);
	case CFG_STATE_SECONDS:
	case CFG_STATE_U64:
		s = timed_state(what, state);
		if (s < 0)
			return s;
		size = state_size(k);
		p += (size_t)s * size;
		break;
	default:
		break;
	}
	switch (k->type) {
	case CFG_U64:
	case CFG_STATE_U64:
		ret = parse_int(k, what, val, &v);
		break;
	case CFG_SECONDS:
	case CFG_STATE_SECONDS:
		ret = parse_seconds(what, val, k->smin, k->smax, &ms);
		v = ms;
		break;
	case CFG_ONOFF:
	case CFG_FLAG:
		if (val != NULL)
			ret = parse_onoff(what, val, &b);
		v = b;
		break;
	case CFG_WORDS:
		ret = parse_word(what, val, k->words, &b);
		v = b;
		break;
	default:
		break;
	}
	if (ret == 0)
		store_uint(p, size, v);
	return ret;
}

/* "STATE=VALUE" of a STATE_* key: from the command line and the defaults. */
static int
set_state_value(struct ft_app_cfg *cfg, const struct cfg_key *k, const char *what, const char *arg)
{
	char buf[64];
	char *eq;

	if (strlen(arg) >= sizeof(buf) || (eq = strchr(strcpy(buf, arg), '=')) == NULL) {
		fprintf(stderr, "fintrack: %s: expected STATE=VALUE, got '%s'\n", what, arg);
		return -EINVAL;
	}
	*eq = '\0';
	return set_key(cfg, k, what, buf, eq + 1);
}

/* The command-line option of key k with its value (NULL for a FLAG). */
static int
set_option(struct ft_app_cfg *cfg, const struct cfg_key *k, const char *arg)
{
	char what[64];

	snprintf(what, sizeof(what), "--%s", k->option);
	if (is_state_map(k))
		return set_state_value(cfg, k, what, arg);
	return set_key(cfg, k, what, NULL, arg);
}

/* Zero, then the engine's defaults, then the defaults of the list. */
static int
defaults(struct ft_app_cfg *cfg)
{
	unsigned int i;

	memset(cfg, 0, sizeof(*cfg));
	ft_engine_conf_init(&cfg->engine);
	cfg->engine.name = "ft0";
	for (i = 0; i < NKEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		char what[64], list[256];
		char *item, *save = NULL;
		int ret = 0;

		if (k->def == NULL)
			continue;
		snprintf(what, sizeof(what), "default of --%s", k->option);
		if (!is_state_map(k)) {
			ret = set_key(cfg, k, what, NULL, k->def);
		} else {
			snprintf(list, sizeof(list), "%s", k->def);
			for (item = strtok_r(list, ",", &save); item != NULL && ret == 0;
					item = strtok_r(NULL, ",", &save))
				ret = set_state_value(cfg, k, what, item);
		}
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* Milliseconds as seconds: "60", "0.5", "2.125". */
static void
format_ms(uint64_t ms, char *buf, size_t len)
{
	size_t n;

	if (ms % 1000 == 0) {
		snprintf(buf, len, "%" PRIu64, ms / 1000);
		return;
	}
	snprintf(buf, len, "%" PRIu64 ".%03u", ms / 1000, (unsigned int)(ms % 1000));
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
}

/*
 * The value of key k (for state s of a STATE_* key) as the INI file writes it.
 * Returns 1 and sets *num when the value is an integer, else 0.
 */
static int
format_key(const struct ft_app_cfg *cfg, const struct cfg_key *k, unsigned int s, char *buf,
		size_t len, uint64_t *num)
{
	const char *p = const_field_of(cfg, k);
	size_t size = k->size, off = 0;
	const char *str;
	unsigned int i;
	uint64_t v;

	if (is_state_map(k)) {
		size = state_size(k);
		p += s * size;
	}
	buf[0] = '\0';
	switch (k->type) {
	case CFG_U64:
	case CFG_STATE_U64:
		*num = load_uint(p, size);
		snprintf(buf, len, "%" PRIu64, *num);
		return 1;
	case CFG_SECONDS:
	case CFG_STATE_SECONDS:
		format_ms(load_uint(p, size), buf, len);
		break;
	case CFG_ONOFF:
	case CFG_FLAG:
		snprintf(buf, len, "%s", load_uint(p, size) ? "on" : "off");
		break;
	case CFG_WORDS:
		v = load_uint(p, size);
		for (i = 0; k->words[i].word != NULL; i++)
			if (k->words[i].value == v)
				snprintf(buf, len, "%s", k->words[i].word);
		break;
	case CFG_PAIRS:
		for (i = 0; i < cfg->npairs && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%u:%u", i ? "," : "",
					cfg->pairs[i][0], cfg->pairs[i][1]);
		break;
	case CFG_PORTS:
		for (i = 0; i < cfg->ngwlb_ports && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%u", i ? "," : "",
					cfg->gwlb_ports[i]);
		break;
	case CFG_PATH:
		str = *(const char *const *)(const void *)p;
		snprintf(buf, len, "%s", str != NULL ? str : "");
		break;
	case CFG_ADDR:
	case CFG_IFNAME:
		snprintf(buf, len, "%s", p);
		break;
	case CFG_UDP_PORTS: {
		const struct ft_pkt_ports *ports = (const struct ft_pkt_ports *)(const void *)p;

		snprintf(buf, len, "%s", ports->n == 0 ? "off" : "");
		for (i = 0; i < ports->n && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%u", i ? "," : "",
					ports->port[i]);
		break;
	}
	}
	return 0;
}

/* Call fn with the value of key k (for state s of a STATE_* key) under name. */
static void
visit(const struct ft_app_cfg *cfg, const struct cfg_key *k, unsigned int s, const char *name,
		ft_cfg_visit_fn *fn, void *arg)
{
	char buf[256];
	uint64_t num;
	int is_num;

	is_num = format_key(cfg, k, s, buf, sizeof(buf), &num);
	fn(arg, section_name[k->section], name, buf, is_num ? &num : NULL);
}

void
ft_cfg_foreach(const struct ft_app_cfg *cfg, ft_cfg_visit_fn *fn, void *arg)
{
	unsigned int sec, i, s;

	for (sec = 0; sec < FT_CFG_S_MAX; sec++)
		for (i = 0; i < NKEYS; i++) {
			const struct cfg_key *k = &cfg_keys[i];

			if (k->section != sec)
				continue;
			if (!is_state_map(k)) {
				visit(cfg, k, 0, k->key != NULL ? k->key : k->option, fn, arg);
				continue;
			}
			for (s = 0; s < FT_TCP_STATE_MAX; s++)
				if (s != FT_TCP_CLOSED)
					visit(cfg, k, s, ft_tcp_state_name(s), fn, arg);
		}
}

/* Print the words of text from column col, wrapped at HELP_WIDTH. */
static void
put_words(const char *text, unsigned int col)
{
	while (*text != '\0') {
		size_t n = strcspn(text, " ");

		if (col > HELP_INDENT && col + 1 + n > HELP_WIDTH) {
			printf("\n%*s", HELP_INDENT, "");
			col = HELP_INDENT;
		} else if (col > HELP_INDENT) {
			putchar(' ');
			col++;
		}
		printf("%.*s", (int)n, text);
		col += (unsigned int)n;
		text += n;
		text += strspn(text, " ");
	}
}

/* "[engine] max_flows, 8..268435456, default 1048576" under an option. */
static void
key_details(const struct ft_app_cfg *def, const struct cfg_key *k, char *buf, size_t len)
{
	char ini[64] = "", range[256] = "", dflt[256] = "", val[64], states[128];
	const char *parts[] = { ini, range, dflt };
	size_t off = 0;
	unsigned int i, s;
	uint64_t num;

	if (k->section != FT_CFG_S_CMDLINE)
		snprintf(ini, sizeof(ini), "[%s] %s", section_name[k->section],
				!is_state_map(k)			     ? k->key :
						k->type == CFG_STATE_SECONDS ? "STATE = SECONDS" :
									       "STATE = N");
	timed_states(states, sizeof(states));
	switch (k->type) {
	case CFG_U64:
		snprintf(range, sizeof(range), "%s%s%" PRIu64 "..%" PRIu64,
				k->zero_off ? "0 (off) or " : "",
				k->pow2 ? "a power of two in " : "", k->min, k->max);
		break;
	case CFG_SECONDS:
		snprintf(range, sizeof(range), "%.15g..%.15g s", k->smin, k->smax);
		break;
	case CFG_STATE_SECONDS:
		snprintf(range, sizeof(range), "STATE one of %s; %.15g..%.15g s", states, k->smin,
				k->smax);
		break;
	case CFG_STATE_U64:
		snprintf(range, sizeof(range), "STATE one of %s; %" PRIu64 "..%" PRIu64, states,
				k->min, k->max);
		break;
	case CFG_PAIRS:
		snprintf(range, sizeof(range), "up to %u pairs of port ids below %u", FT_MAX_PAIRS,
				RTE_MAX_ETHPORTS);
		break;
	case CFG_PORTS:
		snprintf(range, sizeof(range), "up to %u port ids below %u", FT_MAX_GWLB_PORTS,
				RTE_MAX_ETHPORTS);
		break;
	case CFG_UDP_PORTS:
		snprintf(range, sizeof(range), "off or up to %u UDP ports", FT_PKT_PORTS_MAX);
		break;
	case CFG_ADDR:
		snprintf(range, sizeof(range), "an IPv4 or IPv6 address");
		break;
	case CFG_IFNAME:
		snprintf(range, sizeof(range), "1 to %u characters", FT_CFG_IFNAME_MAX);
		break;
	default:
		break;
	}
	if (is_state_map(k)) {
		for (s = 0; s < FT_TCP_STATE_MAX; s++)
			if (s != FT_TCP_CLOSED) {
				format_key(def, k, s, val, sizeof(val), &num);
				off += (size_t)snprintf(dflt + off, sizeof(dflt) - off, "%s %s=%s",
						off ? "" : "default", ft_tcp_state_name(s), val);
			}
	} else if (k->type != CFG_PATH && k->type != CFG_FLAG) {
		format_key(def, k, 0, val, sizeof(val), &num);
		if (val[0] != '\0')
			snprintf(dflt, sizeof(dflt), "default %s", val);
	}
	/* The parts there are, joined with commas. */
	buf[0] = '\0';
	for (i = 0, off = 0; i < RTE_DIM(parts) && off < len; i++)
		if (parts[i][0] != '\0')
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
					parts[i]);
}

/* "--max-flows N", "--evict closing|none", "--timeout STATE=SECONDS". */
static void
option_text(const struct cfg_key *k, char *buf, size_t len)
{
	char words[128];
	const char *arg = "";

	switch (k->type) {
	case CFG_U64:
		arg = " N";
		break;
	case CFG_SECONDS:
		arg = " SECONDS";
		break;
	case CFG_ONOFF:
		arg = " on|off";
		break;
	case CFG_WORDS:
		words_text(k->words, "|", "|", words, sizeof(words));
		snprintf(buf, len, "--%s %s", k->option, words);
		return;
	case CFG_STATE_SECONDS:
		arg = " STATE=SECONDS";
		break;
	case CFG_STATE_U64:
		arg = " STATE=N";
		break;
	case CFG_PAIRS:
		arg = " P:Q[,P:Q...]";
		break;
	case CFG_PORTS:
		arg = " P[,P...]";
		break;
	case CFG_IFNAME:
		arg = " NAME";
		break;
	case CFG_PATH:
		arg = " FILE";
		break;
	case CFG_ADDR:
		arg = " ADDR";
		break;
	case CFG_UDP_PORTS:
		arg = " P[,P...]|off";
		break;
	case CFG_FLAG:
		break;
	}
	snprintf(buf, len, "--%s%s", k->option, arg);
}

/* An option, its help from HELP_INDENT, then its details on a line of their own. */
static void
print_option(const char *opt, const char *help, const char *details)
{
	int col = 2 + (int)strlen(opt);

	printf("  %s", opt);
	if (col + 1 > HELP_INDENT)
		printf("\n%*s", HELP_INDENT, "");
	else
		printf("%*s", HELP_INDENT - col, "");
	put_words(help, HELP_INDENT);
	if (details != NULL && details[0] != '\0') {
		printf("\n%*s", HELP_INDENT, "");
		put_words(details, HELP_INDENT);
	}
	putchar('\n');
}
/* The --help heading of section sec, with what SIGHUP does to it. */
static void
heading_text(unsigned int sec, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", section_heading[sec],
			section_reload[sec] ? " (reloaded on SIGHUP in live mode)" : "");
}

static void
usage(const char *prog)
{
	struct ft_app_cfg def;
	unsigned int sec, i;

	printf("Usage: %s --pcap FILE [options]             replay a trace\n"
	       "       %s [EAL options] -- [options]        live between DPDK ports, or replay\n"
	       "\n"
	       "Tracks the close state of both endpoints of every TCP connection, the timeout of\n"
	       "each state, flow ends and the diagnosis they imply.\n"
	       "\n"
	       "Replay mode (--pcap FILE): the trace is replayed with its own clock. Given no\n"
	       "EAL options (no \"--\"), fintrack starts EAL itself: no hugepages, no PCI, memory\n"
	       "sized to the flow tables, EAL's messages hidden (--eal-verbose shows them).\n"
	       "\n"
	       "Live mode (no --pcap): a bump in the wire between DPDK ports. Ports are paired\n"
	       "(default 0:1, 2:3, ...); every packet received on one port of a pair is sent out\n"
	       "of the other. The main lcore controls; every other lcore is a worker with its own\n"
	       "queue on each port, flow table and timer wheel. Stops on SIGINT or SIGTERM;\n"
	       "SIGHUP reopens the --events file and reloads [timeouts] and [diagnosis].\n"
	       "\n"
	       "Live mode --mode gwlb: a one-arm target of an AWS Gateway Load Balancer. Each\n"
	       "data port (--ports, default every port) is one-arm: GENEVE to --gwlb-addr is\n"
	       "tracked and sent back out of the port it came in on, outer addresses swapped;\n"
	       "ARP, the health checks and ICMP for --gwlb-addr go to the kernel through a\n"
	       "net_tap port fintrack creates (--exception-iface, default ftx0: give it the\n"
	       "address); everything else is dropped and counted.\n"
	       "\n"
	       "EAL options go before \"--\", fintrack's after it; without \"--\" every argument\n"
	       "is fintrack's. EAL's own options: %s -h --\n"
	       "\n"
	       "Under each option: its key in the config file ([section] key), its range and\n"
	       "its default. The command line wins over the file.\n",
			prog, prog, prog);
	if (ft_cfg_default_config != NULL)
		printf("Without --config, fintrack reads %s if it exists.\n",
				ft_cfg_default_config);
	printf("\nExit status: 0 done; 1 fintrack could not run (a file it cannot read or write,\n"
	       "EAL could not start, too little memory, a device that does not exist); 2 the\n"
	       "command line or the config file is wrong.\n");
	if (defaults(&def) != 0)
		return;
	for (sec = 0; sec < FT_CFG_S_MAX; sec++) {
		char head[160];

		heading_text(sec, head, sizeof(head));
		printf("\n%s:\n", head);
		for (i = 0; i < NKEYS; i++) {
			const struct cfg_key *k = &cfg_keys[i];
			char opt[64], details[512];

			if (k->section != sec)
				continue;
			option_text(k, opt, sizeof(opt));
			key_details(&def, k, details, sizeof(details));
			print_option(opt, k->help, details);
		}
		if (sec == FT_CFG_S_CMDLINE) {
			print_option("-h, --help", "this text", NULL);
			print_option("-V, --version", "fintrack's version and DPDK's", NULL);
		}
	}
}

/* Text for roff: backslashes and hyphens escaped, a leading dot or quote made harmless. */
static void
man_text(FILE *f, const char *text)
{
	if (*text == '.' || *text == '\'')
		fputs("\\&", f);
	for (; *text != '\0'; text++) {
		if (*text == '\\')
			fputs("\\e", f);
		else if (*text == '-')
			fputs("\\-", f);
		else
			fputc(*text, f);
	}
	fputc('\n', f);
}

static void
man_option(FILE *f, const char *opt, const char *help, const char *details)
{
	fputs(".TP\n.B ", f);
	man_text(f, opt);
	man_text(f, help);
	if (details != NULL && details[0] != '\0') {
		fputs(".br\n", f);
		man_text(f, details);
	}
}

void
ft_cfg_print_man(FILE *f)
{
	struct ft_app_cfg def;
	unsigned int sec, i;

	if (defaults(&def) != 0)
		return;
	for (sec = 0; sec < FT_CFG_S_MAX; sec++) {
		char head[160];

		heading_text(sec, head, sizeof(head));
		fputs(".SS ", f);
		man_text(f, head);
		for (i = 0; i < NKEYS; i++) {
			const struct cfg_key *k = &cfg_keys[i];
			char opt[64], details[512];

			if (k->section != sec)
				continue;
			option_text(k, opt, sizeof(opt));
			key_details(&def, k, details, sizeof(details));
			man_option(f, opt, k->help, details);
		}
		if (sec == FT_CFG_S_CMDLINE) {
			man_option(f, "-h, --help", "fintrack's options (EAL's: fintrack -h --)",
					NULL);
			man_option(f, "-V, --version", "fintrack's version and DPDK's", NULL);
		}
	}
}

/* The key of cfg_keys that takes INI key name in section sec, or NULL. */
static const struct cfg_key *
ini_key(unsigned int sec, const char *name)
{
	unsigned int i;

	/* A key of its own first, then the states of a STATE_* setting. */
	for (i = 0; i < NKEYS; i++)
		if (cfg_keys[i].section == sec && cfg_keys[i].key != NULL &&
				strcmp(cfg_keys[i].key, name) == 0)
			return &cfg_keys[i];
	for (i = 0; i < NKEYS; i++)
		if (cfg_keys[i].section == sec && is_state_map(&cfg_keys[i]))
			return &cfg_keys[i];
	return NULL;
}

static int
unknown_key(unsigned int sec, const char *what, const char *name)
{
	char known[256];
	size_t off = 0;
	unsigned int i;

	known[0] = '\0';
	for (i = 0; i < NKEYS && off < sizeof(known); i++)
		if (cfg_keys[i].section == sec && cfg_keys[i].key != NULL)
			off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s",
					off ? " " : "", cfg_keys[i].key);
	fprintf(stderr, "fintrack: %s: unknown key '%s' (known: %s)\n", what, name, known);
	return -EINVAL;
}

static int
unknown_section(const char *where, const char *name)
{
	char known[128];
	size_t off = 0;
	unsigned int sec;

	known[0] = '\0';
	for (sec = 0; sec < FT_CFG_S_MAX && off < sizeof(known); sec++)
		if (section_name[sec] != NULL)
			off += (size_t)snprintf(known + off, sizeof(known) - off, "%s[%s]",
					off ? " " : "", section_name[sec]);
	fprintf(stderr, "fintrack: %s: unknown section [%s] (known: %s)\n", where, name, known);
	return -EINVAL;
}

/* Blanks off both ends of s. */
static char *
trim(char *s)
{
	size_t n;

	s += strspn(s, " \t\r\n");
	n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		s[--n] = '\0';
	return s;
}

/* Cut a comment off a line: ';' or '#' at its start or after a blank. */
static void
cut_comment(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		if ((*p == ';' || *p == '#') && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
}

/* Where each section and key of a file was first given: line numbers, 0 for not yet. */
struct ini_seen {
	unsigned int section[FT_CFG_S_MAX];
	unsigned int key[NKEYS][FT_TCP_STATE_MAX];
};

/* One line of an INI file, comment cut; *sec is the section it is in (-1 before any). */
static int
load_line(struct ft_app_cfg *cfg, struct ini_seen *seen, const char *path, unsigned int line,
		char *text, int *sec)
{
	char where[512], what[640];
	const struct cfg_key *k;
	char *p, *end, *key, *val;
	unsigned int s;
	int st = 0;

	cut_comment(text);
	p = trim(text);
	if (*p == '\0')
		return 0;
	snprintf(where, sizeof(where), "%s:%u", path, line);
	if (*p == '[') {
		end = strchr(p, ']');
		if (end == NULL || *trim(end + 1) != '\0') {
			fprintf(stderr, "fintrack: %s: '%s' is not a section header [name]\n",
					where, p);
			return -EINVAL;
		}
		*end = '\0';
		key = trim(p + 1);
		for (s = 0; s < FT_CFG_S_MAX; s++)
			if (section_name[s] != NULL && strcmp(key, section_name[s]) == 0)
				break;
		if (s == FT_CFG_S_MAX)
			return unknown_section(where, key);
		if (seen->section[s] != 0) {
			fprintf(stderr, "fintrack: %s: section [%s] given twice (first at line %u)\n",
					where, key, seen->section[s]);
			return -EINVAL;
		}
		seen->section[s] = line;
		*sec = (int)s;
		return 0;
	}
	end = strchr(p, '=');
	if (end == NULL) {
		fprintf(stderr,
				"fintrack: %s: '%s' is not a [section], a key = value or a comment "
				"(';' or '#')\n",
				where, p);
		return -EINVAL;
	}
	*end = '\0';
	key = trim(p);
	val = trim(end + 1);
	if (*key == '\0') {
		fprintf(stderr, "fintrack: %s: '= %s' has no key\n", where, val);
		return -EINVAL;
	}
	if (*sec < 0) {
		fprintf(stderr, "fintrack: %s: key '%s' comes before any [section]\n", where, key);
		return -EINVAL;
	}
	snprintf(what, sizeof(what), "%s: [%s] %s", where, section_name[*sec], key);
	if (*val == '\0') {
		fprintf(stderr, "fintrack: %s: no value (key = value)\n", what);
		return -EINVAL;
	}
	k = ini_key((unsigned int)*sec, key);
	if (k == NULL)
		return unknown_key((unsigned int)*sec, what, key);
	if (is_state_map(k)) {
		st = timed_state(what, key);
		if (st < 0)
			return st;
	}
	if (seen->key[k - cfg_keys][st] != 0) {
		fprintf(stderr, "fintrack: %s: given twice (first at line %u)\n", what,
				seen->key[k - cfg_keys][st]);
		return -EINVAL;
	}
	seen->key[k - cfg_keys][st] = line;
	return set_key(cfg, k, what, key, val);
}

/* Read an INI file line by line into cfg; every error names the file and the line. */
static int
load_file(struct ft_app_cfg *cfg, const char *path)
{
	struct ini_seen *seen;
	char *buf = NULL;
	size_t cap = 0;
	unsigned int line = 0;
	int ret = 0, sec = -1;
	ssize_t n;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "fintrack: --config %s: cannot read it: %s\n", path,
				strerror(errno));
		return -EINVAL;
	}
	seen = calloc(1, sizeof(*seen));
	if (seen == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	while (ret == 0 && (n = getline(&buf, &cap, f)) != -1) {
		line++;
		if (memchr(buf, '\0', (size_t)n) != NULL) {
			fprintf(stderr, "fintrack: %s:%u: not a line of text\n", path, line);
			ret = -EINVAL;
			break;
		}
		ret = load_line(cfg, seen, path, line, buf, &sec);
	}
	if (ret == 0 && ferror(f)) {
		fprintf(stderr, "fintrack: --config %s: cannot read it: %s\n", path,
				strerror(errno));
		ret = -EINVAL;
	}
	free(buf);
	free(seen);
	fclose(f);
	return ret;
}

/* Add ", name" to a list in buf. */
static void
list_add(char *buf, size_t len, const char *name)
{
	size_t off = strlen(buf);

	if (off < len)
		snprintf(buf + off, len - off, "%s%s", off ? ", " : "", name);
}

unsigned int
ft_cfg_reload(struct ft_app_cfg *running, const struct ft_app_cfg *fresh, char *applied,
		size_t alen, char *ignored, size_t ilen)
{
	unsigned int i, s, n = 0;

	applied[0] = '\0';
	ignored[0] = '\0';
	for (i = 0; i < NKEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		unsigned int nst = is_state_map(k) ? FT_TCP_STATE_MAX : 1;
		int changed = 0;

		/* The command line is the same: its settings cannot have changed. */
		if (k->section == FT_CFG_S_CMDLINE)
			continue;
		for (s = 0; s < nst; s++) {
			char a[256], b[256], name[96];
			uint64_t num;

			if (is_state_map(k) && s == FT_TCP_CLOSED)
				continue;
			format_key(running, k, s, a, sizeof(a), &num);
			format_key(fresh, k, s, b, sizeof(b), &num);
			if (strcmp(a, b) == 0)
				continue;
			changed = 1;
			snprintf(name, sizeof(name), "[%s] %s", section_name[k->section],
					is_state_map(k) ? ft_tcp_state_name(s) : k->key);
			if (section_reload[k->section]) {
				list_add(applied, alen, name);
				n++;
			} else {
				list_add(ignored, ilen, name);
			}
		}
		if (changed && section_reload[k->section])
			memcpy(field_of(running, k), const_field_of(fresh, k), k->size);
	}
	return n;
}

int
ft_cfg_check_live(const struct ft_app_cfg *cfg)
{
	struct in_addr a4;

	if (cfg->mode == FT_CFG_MODE_TRANSIT) {
		if (cfg->ngwlb_ports != 0) {
			fprintf(stderr,
					"fintrack: --ports lists the one-arm ports of --mode gwlb; "
					"transit mode pairs ports: --pairs P:Q\n");
			return -EINVAL;
		}
		if (cfg->gwlb_addr[0] != '\0') {
			fprintf(stderr,
					"fintrack: --gwlb-addr is for --mode gwlb (transit mode has no "
					"address of its own)\n");
			return -EINVAL;
		}
		return 0;
	}
	if (cfg->npairs != 0) {
		fprintf(stderr,
				"fintrack: --pairs pairs ports for transit mode; in --mode gwlb each "
				"port is one-arm: --ports P[,P...]\n");
		return -EINVAL;
	}
	if (cfg->gwlb_addr[0] == '\0') {
		fprintf(stderr,
				"fintrack: --mode gwlb needs --gwlb-addr A: fintrack's own IPv4 "
				"address, the one the GWLB target group names\n");
		return -EINVAL;
	}
	if (inet_pton(AF_INET, cfg->gwlb_addr, &a4) != 1) {
		fprintf(stderr,
				"fintrack: --gwlb-addr %s: a GWLB reaches its targets over IPv4 (GENEVE "
				"is IPv4 outside, whatever is inside): give an IPv4 address\n",
				cfg->gwlb_addr);
		return -EINVAL;
	}
	return 0;
}

/* The getopt_long() table: every key of the list, then --help and --version. */
static const struct option *
long_options(void)
{
	static struct option opts[NKEYS + 3];
	unsigned int i;

	for (i = 0; i < NKEYS; i++) {
		opts[i].name = cfg_keys[i].option;
		opts[i].has_arg = cfg_keys[i].type == CFG_FLAG ? no_argument : required_argument;
		opts[i].flag = NULL;
		opts[i].val = OPT_BASE + (int)i;
	}
	opts[NKEYS] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	opts[NKEYS + 1] = (struct option){ "version", no_argument, NULL, OPT_VERSION };
	opts[NKEYS + 2] = (struct option){ NULL, 0, NULL, 0 };
	return opts;
}

int
ft_cfg_option_arg(const char *name)
{
	size_t len = strcspn(name, "=");
	unsigned int i;

	for (i = 0; i < NKEYS; i++)
		if (strlen(cfg_keys[i].option) == len &&
				strncmp(cfg_keys[i].option, name, len) == 0)
			return cfg_keys[i].type == CFG_FLAG ? 0 : 1;
	if ((len == 4 && strncmp(name, "help", 4) == 0) ||
			(len == 7 && strncmp(name, "version", 7) == 0))
		return 0;
	return -1;
}

int
ft_cfg_parse(struct ft_app_cfg *cfg, int argc, char **argv)
{
	const struct option *opts = long_options();
	const char *prog = argc > 0 ? argv[0] : "fintrack";
	int opt, ret = 0;

	if (defaults(cfg) != 0)
		return -EINVAL;
	/* First pass: the config file, so that command-line options override it. */
	/* optind 0: glibc starts afresh, whatever an earlier parse left half done. */
	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hV", opts, NULL)) != -1)
		if (opt >= OPT_BASE && opt < OPT_HELP &&
				strcmp(cfg_keys[opt - OPT_BASE].option, "config") == 0)
			cfg->config = optarg;
	if (cfg->config == NULL && ft_cfg_default_config != NULL &&
			access(ft_cfg_default_config, F_OK) == 0)
		cfg->config = ft_cfg_default_config;
	if (cfg->config != NULL && load_file(cfg, cfg->config) != 0)
		return -EINVAL;

	opterr = 1;
	optind = 0;
	while (ret == 0 && (opt = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		if (opt == OPT_HELP || opt == 'h') {
			usage(prog);
			return FT_CFG_HELP;
		}
		if (opt == OPT_VERSION || opt == 'V')
			return FT_CFG_VERSION;
		if (opt < OPT_BASE || opt > OPT_HELP) {
			fprintf(stderr, "fintrack: see %s --help for fintrack's options\n", prog);
			return -EINVAL;
		}
		ret = set_option(cfg, &cfg_keys[opt - OPT_BASE], optarg);
	}
	if (ret != 0)
		return -EINVAL;
	if (optind < argc) {
		fprintf(stderr, "fintrack: unexpected argument '%s'; see %s --help\n", argv[optind],
				prog);
		return -EINVAL;
	}
	if (cfg->pcap == NULL && cfg->drain) {
		fprintf(stderr,
				"fintrack: --drain replays a trace to its end: give --pcap FILE "
				"(see %s --help)\n",
				prog);
		return -EINVAL;
	}
	if (cfg->pcap != NULL && cfg->npairs != 0) {
		fprintf(stderr, "fintrack: --pairs is for live mode, not with --pcap\n");
		return -EINVAL;
	}
	return 0;
}
