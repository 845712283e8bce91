/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <rte_log.h>

#include "ft_log.h"

/* Longest line kept whole; a longer one is written in pieces, each stamped. */
#define LINE_MAX_LEN 4096

/*
 * The part of a line written so far. rte_log writes a message with one
 * vfprintf() and flushes it, under the stream's lock: the cookie's write is
 * never entered by two threads at once.
 */
static char line[LINE_MAX_LEN];
static size_t line_len;
static int stamp;

/* True when stderr is the journal systemd connected (it stamps lines itself). */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%lu:%lu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

static void
write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Write the line held, with its time stamp. */
static void
emit(void)
{
	char ts[48] = "";

	if (stamp) {
		struct timespec now;
		struct tm tm;
		size_t n;

		clock_gettime(CLOCK_REALTIME, &now);
		localtime_r(&now.tv_sec, &tm);
		n = strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(ts + n, sizeof(ts) - n, ".%03ld ", now.tv_nsec / 1000000);
	}
	if (ts[0] != '\0') {
		char out[sizeof(ts) + LINE_MAX_LEN];
		size_t n = strlen(ts);

		memcpy(out, ts, n);
		memcpy(out + n, line, line_len);
		write_all(out, n + line_len);
	} else {
		write_all(line, line_len);
	}
	line_len = 0;
}

static ssize_t
log_write(void *cookie, const char *buf, size_t size)
{
	size_t i;

	(void)cookie;
	for (i = 0; i < size; i++) {
		line[line_len++] = buf[i];
		if (buf[i] == '\n' || line_len == sizeof(line))
			emit();
	}
	return (ssize_t)size;
}

int
ft_log_open(void)
{
	cookie_io_functions_t io = { .write = log_write };
	FILE *f;

	stamp = !stderr_is_journal();
	f = fopencookie(NULL, "w", io);
	if (f == NULL)
		return -1;
	/* Lines are complete when rte_log flushes; no buffering of our own beyond that. */
	setvbuf(f, NULL, _IOLBF, 0);
	return rte_openlog_stream(f);
}
