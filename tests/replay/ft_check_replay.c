/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * Checks a replay of a generated trace against the generator's expectations:
 *
 *   ft-check-replay [--ignore-bytes] --report REPORT [--expect EXPECT --events EVENTS]
 *
 * With --report only: the replay drained every flow (no flow tracked, flows
 * created = ended + evicted). With --expect and --events as well: every
 * expected flow has exactly one end record with the expected how,
 * first_closer, packet and byte counts; no other end record exists; and each
 * endpoint went through exactly the states MISSION.md prescribes for the
 * flow's kind, each event's "from" being the previous "to".
 *
 * --ignore-bytes leaves the byte counts out (a tunnelled trace's frames carry
 * the tunnel's headers, which the expectations do not count).
 *
 * The formats are the ones fintrack documents: one JSON object per line for
 * events and expectations, a JSON report with a "counters" object.
 */

#include <inttypes.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 4096
#define FIELD_MAX    128
#define PATH_MAX_LEN 512

/* State paths per kind: client then server, space separated, first state after CLOSED. */
struct kind_path {
	const char *kind;
	const char *client;
	const char *server;
};

#define P_CLIENT_FIRST	 "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSED"
#define P_CLIENT_PASSIVE "SYN_SENT ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
#define P_SERVER_FIRST	 "SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSED"
#define P_SERVER_PASSIVE "SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"

static const struct kind_path paths[] = {
	{ "client_close", P_CLIENT_FIRST, P_SERVER_PASSIVE },
	{ "server_close", P_CLIENT_PASSIVE, P_SERVER_FIRST },
	{ "simultaneous", "SYN_SENT ESTABLISHED FIN_WAIT1 CLOSING TIME_WAIT CLOSED",
			"SYN_RECV ESTABLISHED CLOSE_WAIT CLOSING TIME_WAIT CLOSED" },
	{ "crossing_server_first", "SYN_SENT ESTABLISHED CLOSE_WAIT CLOSING TIME_WAIT CLOSED",
			"SYN_RECV ESTABLISHED FIN_WAIT1 CLOSING TIME_WAIT CLOSED" },
	{ "rst_client", "SYN_SENT ESTABLISHED CLOSED", "SYN_RECV ESTABLISHED CLOSED" },
	{ "rst_server", "SYN_SENT ESTABLISHED CLOSED", "SYN_RECV ESTABLISHED CLOSED" },
	{ "rst_fin_wait1", "SYN_SENT ESTABLISHED FIN_WAIT1 CLOSED",
			"SYN_RECV ESTABLISHED CLOSE_WAIT CLOSED" },
	{ "rst_fin_wait2", "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSED",
			"SYN_RECV ESTABLISHED CLOSE_WAIT CLOSED" },
	{ "rst_close_wait", "SYN_SENT ESTABLISHED CLOSE_WAIT CLOSED",
			"SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSED" },
	{ "rst_last_ack", P_CLIENT_FIRST, P_SERVER_PASSIVE },
	{ "rst_closing", "SYN_SENT ESTABLISHED FIN_WAIT1 CLOSING CLOSED",
			"SYN_RECV ESTABLISHED CLOSE_WAIT CLOSING CLOSED" },
	{ "half_close", P_CLIENT_FIRST, P_SERVER_PASSIVE },
	{ "fin_data", P_CLIENT_FIRST, P_SERVER_PASSIVE },
	{ "fin_retrans", P_CLIENT_FIRST, P_SERVER_PASSIVE },
	{ "lost_last_ack", P_CLIENT_FIRST, P_SERVER_PASSIVE },
	{ "fin_wait2_timeout", "SYN_SENT ESTABLISHED CLOSE_WAIT CLOSED",
			"SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSED" },
	{ "fin_reorder", P_CLIENT_FIRST, P_SERVER_PASSIVE },
	{ "syn_refused", "SYN_SENT CLOSED", "SYN_RECV CLOSED" },
	/* tw_reuse: the first incarnation is a server-first close (see kind_of()). */
	{ "tw_reuse", P_CLIENT_FIRST, P_SERVER_PASSIVE },
	{ "tw_reuse_first", P_CLIENT_PASSIVE, P_SERVER_FIRST },
};

struct flow {
	char expect_path[2][PATH_MAX_LEN]; /* Concatenated paths of every incarnation. */
	char seen_path[2][PATH_MAX_LEN];
	char last[2][FIELD_MAX]; /* Last state of each endpoint. */
	unsigned int expected;	 /* Expect lines. */
	unsigned int ended;	 /* End records matched. */
	char exp_lines[4][LINE_MAX_LEN];
};

static unsigned int failures;

#define FAIL(...) \
	do { \
		fprintf(stderr, "FAIL: " __VA_ARGS__); \
		fputc('\n', stderr); \
		if (++failures > 50) { \
			fprintf(stderr, "too many failures\n"); \
			exit(1); \
		} \
	} while (0)

/* The string value of "name":"..." in a JSON line, or NULL. */
static const char *
str_field(const char *line, const char *name, char *out)
{
	char pat[64];
	const char *p, *q;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\":\"", name);
	p = strstr(line, pat);
	if (p == NULL)
		return NULL;
	p += strlen(pat);
	q = strchr(p, '"');
	if (q == NULL)
		return NULL;
	n = (size_t)(q - p);
	if (n >= FIELD_MAX)
		n = FIELD_MAX - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

/* The number value of "name":N in a JSON line, or -1. */
static long long
num_field(const char *line, const char *name)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", name);
	p = strstr(line, pat);
	if (p == NULL)
		return -1;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	return strtoll(p, NULL, 10);
}

static struct flow *
flow_get(const char *client, const char *server, int create)
{
	char key[2 * FIELD_MAX + 2];
	ENTRY e, *found;
	struct flow *f;

	snprintf(key, sizeof(key), "%s|%s", client, server);
	e.key = key;
	found = hsearch(e, FIND);
	if (found != NULL)
		return found->data;
	if (!create)
		return NULL;
	f = calloc(1, sizeof(*f));
	e.key = strdup(key);
	e.data = f;
	if (f == NULL || e.key == NULL || hsearch(e, ENTER) == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	strcpy(f->last[0], "CLOSED");
	strcpy(f->last[1], "CLOSED");
	return f;
}

static void
path_add(char *path, const char *states)
{
	size_t len = strlen(path);

	snprintf(path + len, PATH_MAX_LEN - len, "%s%s", len ? " " : "", states);
}

static const struct kind_path *
kind_of(const char *kind, unsigned int incarnation)
{
	unsigned int i;

	if (strcmp(kind, "tw_reuse") == 0 && incarnation == 0)
		kind = "tw_reuse_first";
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (strcmp(paths[i].kind, kind) == 0)
			return &paths[i];
	return NULL;
}

/* Flows lists every flow in expect-file order, for the final walk. */
static struct flow **order;
static size_t norder;

static int
read_expect(const char *path)
{
	char line[LINE_MAX_LEN], c[FIELD_MAX], s[FIELD_MAX], kind[FIELD_MAX];
	FILE *fp = fopen(path, "r");
	size_t cap = 0;

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		const struct kind_path *kp;
		struct flow *f;

		if (!str_field(line, "client", c) || !str_field(line, "server", s) ||
				!str_field(line, "kind", kind)) {
			FAIL("%s: unreadable line: %s", path, line);
			continue;
		}
		f = flow_get(c, s, 1);
		kp = kind_of(kind, f->expected);
		if (kp == NULL) {
			FAIL("%s: kind %s has no known state path", path, kind);
			continue;
		}
		if (f->expected == 0) {
			if (norder == cap) {
				cap = cap ? 2 * cap : 1024;
				order = realloc(order, cap * sizeof(*order));
				if (order == NULL)
					exit(2);
			}
			order[norder++] = f;
		}
		if (f->expected < 4)
			snprintf(f->exp_lines[f->expected], LINE_MAX_LEN, "%s", line);
		f->expected++;
		path_add(f->expect_path[0], kp->client);
		path_add(f->expect_path[1], kp->server);
	}
	fclose(fp);
	return 0;
}

/* Compare pkts_* only, not bytes_* too (--ignore-bytes). */
static int ignore_bytes;

static void
check_end(struct flow *f, const char *line, const char *c, const char *s)
{
	static const char *const fields[] = { "pkts_c2s", "pkts_s2c", "bytes_c2s", "bytes_s2c" };
	char a[FIELD_MAX], b[FIELD_MAX];
	const char *exp;
	unsigned int i;

	if (f->ended >= f->expected) {
		FAIL("%s -> %s: end record without an expected incarnation: %s", c, s, line);
		return;
	}
	exp = f->exp_lines[f->ended++];
	if (!str_field(line, "how", a) || !str_field(exp, "how", b) || strcmp(a, b) != 0)
		FAIL("%s -> %s: how %s, expected %s", c, s, a, b);
	if (!str_field(line, "first_closer", a) || !str_field(exp, "first_closer", b) ||
			strcmp(a, b) != 0)
		FAIL("%s -> %s: first_closer %s, expected %s", c, s, a, b);
	for (i = 0; i < (ignore_bytes ? 2u : 4u); i++)
		if (num_field(line, fields[i]) != num_field(exp, fields[i]))
			FAIL("%s -> %s: %s %lld, expected %lld", c, s, fields[i],
					num_field(line, fields[i]), num_field(exp, fields[i]));
}

static int
read_events(const char *path)
{
	char line[LINE_MAX_LEN], a[FIELD_MAX], b[FIELD_MAX], from[FIELD_MAX], to[FIELD_MAX];
	char type[FIELD_MAX];
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct flow *f;

		if (!str_field(line, "type", type)) {
			FAIL("%s: line without type: %s", path, line);
			continue;
		}
		if (strcmp(type, "end") == 0) {
			if (!str_field(line, "client", a) || !str_field(line, "server", b)) {
				FAIL("%s: end without endpoints: %s", path, line);
				continue;
			}
			f = flow_get(a, b, 0);
			if (f == NULL)
				FAIL("unexpected flow %s -> %s ended", a, b);
			else
				check_end(f, line, a, b);
			continue;
		}
		if (!str_field(line, "ep", a) || !str_field(line, "peer", b) ||
				!str_field(line, "from", from) || !str_field(line, "to", to)) {
			FAIL("%s: state event without its fields: %s", path, line);
			continue;
		}
		if ((f = flow_get(a, b, 0)) != NULL) {
			if (strcmp(f->last[0], from) != 0)
				FAIL("client %s: event from %s but it was in %s", a, from,
						f->last[0]);
			snprintf(f->last[0], FIELD_MAX, "%s", to);
			path_add(f->seen_path[0], to);
		} else if ((f = flow_get(b, a, 0)) != NULL) {
			if (strcmp(f->last[1], from) != 0)
				FAIL("server %s: event from %s but it was in %s", a, from,
						f->last[1]);
			snprintf(f->last[1], FIELD_MAX, "%s", to);
			path_add(f->seen_path[1], to);
		} else {
			FAIL("state event of an unexpected flow: %s", line);
		}
	}
	fclose(fp);
	return 0;
}

static long long
report_counter(const char *text, const char *name)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", name);
	p = strstr(text, pat);
	return p == NULL ? -1 : strtoll(p + strlen(pat), NULL, 10);
}

static int
check_report(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *text;
	long size;
	long long created, ended, evicted, tracked;
	const char *flows;

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	text = calloc(1, (size_t)size + 1);
	if (text == NULL || fread(text, 1, (size_t)size, fp) != (size_t)size) {
		fclose(fp);
		free(text);
		return -1;
	}
	fclose(fp);
	created = report_counter(text, "flows_created");
	ended = report_counter(text, "flows_ended");
	evicted = report_counter(text, "flows_evicted");
	tracked = report_counter(text, "flows_tracked");
	if (created < 0 || ended < 0 || evicted < 0 || tracked < 0)
		FAIL("%s: counters missing", path);
	if (created != ended + evicted)
		FAIL("%s: flows created %lld != ended %lld + evicted %lld", path, created, ended,
				evicted);
	if (tracked != 0)
		FAIL("%s: %lld flows still tracked after the drain", path, tracked);
	flows = strstr(text, "\"flows\": [");
	if (flows == NULL || flows[strlen("\"flows\": [")] != ']')
		FAIL("%s: the flows list is not empty", path);
	printf("report: %lld flows created, %lld ended, %lld evicted, %lld tracked\n", created,
			ended, evicted, tracked);
	free(text);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *expect = NULL, *events = NULL, *report = NULL;
	size_t i, ok = 0;
	int a;

	for (a = 1; a < argc && strcmp(argv[a], "--ignore-bytes") == 0; a++)
		ignore_bytes = 1;
	for (; a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "--expect") == 0)
			expect = argv[a + 1];
		else if (strcmp(argv[a], "--events") == 0)
			events = argv[a + 1];
		else if (strcmp(argv[a], "--report") == 0)
			report = argv[a + 1];
	}
	if (a != argc || report == NULL || (expect == NULL) != (events == NULL)) {
		fprintf(stderr, "usage: %s [--ignore-bytes] --report FILE [--expect FILE --events FILE]\n",
				argv[0]);
		return 2;
	}
	if (check_report(report) != 0)
		return 2;
	if (expect != NULL) {
		if (hcreate(1u << 22) == 0 || read_expect(expect) != 0 || read_events(events) != 0)
			return 2;
		for (i = 0; i < norder; i++) {
			struct flow *f = order[i];
			unsigned int r;
			int good = f->ended == f->expected;

			if (f->ended != f->expected)
				FAIL("flow %zu: %u end records, expected %u (%s)", i, f->ended,
						f->expected, f->exp_lines[0]);
			for (r = 0; r < 2; r++)
				if (strcmp(f->seen_path[r], f->expect_path[r]) != 0) {
					FAIL("flow %zu %s: states '%s', expected '%s' (%s)", i,
							r ? "server" : "client", f->seen_path[r],
							f->expect_path[r], f->exp_lines[0]);
					good = 0;
				}
			ok += good;
		}
		printf("flows: %zu checked, %zu as expected\n", norder, ok);
	}
	printf("%u failures\n", failures);
	return failures == 0 ? 0 : 1;
}
