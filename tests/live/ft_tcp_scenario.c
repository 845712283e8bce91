/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * One end of a scripted TCP connection over real Linux sockets, driven line by line on stdin,
 * for the live test (tests/live/netns_ss.sh):
 *
 *   ft-tcp-scenario [-w SECONDS] server ADDR PORT
 *   ft-tcp-scenario [-w SECONDS] client ADDR PORT [LOCAL_PORT]
 *
 * The server listens on ADDR:PORT at once; the client connects to ADDR:PORT, from LOCAL_PORT if
 * given. Once ready, the program prints "ready". Then every command line gets exactly one
 * answer line, "ok ..." or "err ...":
 *
 *   accept             server: wait for the connection, then close the listening socket
 *   connect            client: connect
 *                      (both answer "ok LOCAL_IP:PORT PEER_IP:PORT")
 *   send N             write N bytes
 *   recv N             read exactly N bytes
 *   eof                read until the end of the stream: "ok eof BYTES"
 *   shutdown           shutdown(SHUT_WR): send a FIN, keep reading
 *   linger0            SO_LINGER {1, 0}: the next close sends an RST
 *   cork               TCP_CORK on: what is sent next waits, and leaves with the FIN of the
 *                      next close or shutdown in one segment (a FIN carrying data)
 *   close              close the connection
 *   stream MS CHUNK IVL  in the background, write CHUNK bytes every IVL ms for MS ms
 *   drain              in the background, read until the end of the stream
 *   join               wait for the background jobs: "ok sent=N received=N eof=0|1"
 *   udp N              send N datagrams of UDP_LEN bytes to the peer's address, port 9: they
 *                      fill a shaping qdisc so that what TCP sends next waits behind them
 *   at NS CMD          sleep until CLOCK_REALTIME NS (ns since the epoch), then run CMD
 *   quit               exit
 *
 * Every wait is bounded (IO_TIMEOUT_MS), and a watchdog (-w, default 150 s) ends the program
 * whatever happens, so a failed test never leaves it behind.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IO_TIMEOUT_MS	 5000
#define DRAIN_IDLE_MS	 10000
#define AT_MAX_AHEAD_NS	 (10ULL * 1000000000ULL)
#define WATCHDOG_DEFAULT 150
#define LINE_LEN	 256
#define UDP_LEN		 1400
#define UDP_PORT	 9 /* discard */
#define BUF_LEN		 65536

enum role {
	ROLE_SERVER,
	ROLE_CLIENT,
};

struct scenario {
	enum role role;
	struct sockaddr_in remote; /* server: listen address; client: server address */
	uint16_t local_port;	   /* client: 0 for any */
	int lfd;		   /* listening socket, -1 if none */
	int fd;			   /* the connection, -1 if none */

	/* background jobs */
	bool streaming;
	pthread_t stream_thr;
	unsigned int stream_ms;
	size_t stream_chunk;
	unsigned int stream_ivl_ms;
	uint64_t sent;
	int stream_err;

	bool draining;
	pthread_t drain_thr;
	uint64_t received;
	bool eof;
	int drain_err;
};

static char zeros[BUF_LEN];

static void
reply(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vprintf(fmt, ap);
	va_end(ap);
	if (rc < 0 || putchar('\n') == EOF || fflush(stdout) != 0) {
		/* nobody is listening any more */
		exit(EXIT_FAILURE);
	}
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		abort();
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits for EVENTS on FD for at most TIMEOUT_MS. Returns 1 when ready, 0 on timeout, -1 on
 * error (errno set).
 */
static int
wait_fd(int fd, short events, int timeout_ms)
{
	uint64_t deadline = mono_ms() + (uint64_t)timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		uint64_t now = mono_ms();
		int rc;

		if (now >= deadline)
			return 0;
		rc = poll(&pfd, 1, (int)(deadline - now));
		if (rc > 0)
			return 1;
		if (rc == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static int
set_nonblock(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, flags);
}

static int
set_send_timeout(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_MS / 1000, .tv_usec = 0 };

	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void
format_addr(const struct sockaddr_in *sin, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];

	if (inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip)) == NULL)
		snprintf(ip, sizeof(ip), "?");
	snprintf(buf, len, "%s:%u", ip, ntohs(sin->sin_port));
}

static void
reply_endpoints(int fd)
{
	struct sockaddr_in local, peer;
	socklen_t llen = sizeof(local), plen = sizeof(peer);
	char lbuf[64], pbuf[64];

	if (getsockname(fd, (struct sockaddr *)&local, &llen) != 0 ||
			getpeername(fd, (struct sockaddr *)&peer, &plen) != 0) {
		reply("err getsockname/getpeername: %s", strerror(errno));
		return;
	}
	format_addr(&local, lbuf, sizeof(lbuf));
	format_addr(&peer, pbuf, sizeof(pbuf));
	reply("ok %s %s", lbuf, pbuf);
}

static int
server_listen(struct scenario *sc)
{
	int one = 1;

	sc->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sc->lfd < 0) {
		fprintf(stderr, "socket: %s\n", strerror(errno));
		return -1;
	}
	if (setsockopt(sc->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
			bind(sc->lfd, (struct sockaddr *)&sc->remote, sizeof(sc->remote)) != 0 ||
			listen(sc->lfd, 4) != 0) {
		fprintf(stderr, "listen: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void
cmd_accept(struct scenario *sc)
{
	int rc;

	if (sc->role != ROLE_SERVER || sc->lfd < 0 || sc->fd >= 0) {
		reply("err accept: not a listening server");
		return;
	}
	rc = wait_fd(sc->lfd, POLLIN, IO_TIMEOUT_MS);
	if (rc <= 0) {
		reply("err accept: %s", rc == 0 ? "timeout" : strerror(errno));
		return;
	}
	sc->fd = accept4(sc->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (sc->fd < 0) {
		reply("err accept: %s", strerror(errno));
		return;
	}
	if (close(sc->lfd) != 0) {
		reply("err close listener: %s", strerror(errno));
		return;
	}
	sc->lfd = -1;
	if (set_send_timeout(sc->fd) != 0) {
		reply("err SO_SNDTIMEO: %s", strerror(errno));
		return;
	}
	reply_endpoints(sc->fd);
}

static void
cmd_connect(struct scenario *sc)
{
	struct sockaddr_in local = { .sin_family = AF_INET };
	socklen_t elen = sizeof(int);
	int one = 1, err = 0, rc;
	int fd;

	if (sc->role != ROLE_CLIENT || sc->fd >= 0) {
		reply("err connect: not an idle client");
		return;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		reply("err socket: %s", strerror(errno));
		return;
	}
	if (sc->local_port != 0) {
		local.sin_port = htons(sc->local_port);
		local.sin_addr.s_addr = htonl(INADDR_ANY);
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
				bind(fd, (struct sockaddr *)&local, sizeof(local)) != 0) {
			reply("err bind port %u: %s", sc->local_port, strerror(errno));
			goto fail;
		}
	}
	if (connect(fd, (struct sockaddr *)&sc->remote, sizeof(sc->remote)) != 0 &&
			errno != EINPROGRESS) {
		reply("err connect: %s", strerror(errno));
		goto fail;
	}
	rc = wait_fd(fd, POLLOUT, IO_TIMEOUT_MS);
	if (rc <= 0) {
		reply("err connect: %s", rc == 0 ? "timeout" : strerror(errno));
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0) {
		reply("err SO_ERROR: %s", strerror(errno));
		goto fail;
	}
	if (err != 0) {
		reply("err connect: %s", strerror(err));
		goto fail;
	}
	if (set_nonblock(fd, false) != 0 || set_send_timeout(fd) != 0) {
		reply("err socket options: %s", strerror(errno));
		goto fail;
	}
	sc->fd = fd;
	reply_endpoints(fd);
	return;
fail:
	if (close(fd) != 0)
		fprintf(stderr, "close: %s\n", strerror(errno));
}

/* Writes LEN bytes. Returns 0, or an errno value. */
static int
write_all(int fd, size_t len)
{
	while (len > 0) {
		size_t n = len < sizeof(zeros) ? len : sizeof(zeros);
		ssize_t w = send(fd, zeros, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? ETIMEDOUT : errno;
		}
		len -= (size_t)w;
	}
	return 0;
}

/* Reads up to LEN bytes into nothing (0 = until EOF), each read waiting at most IDLE_MS.
 * Counts into *GOT; sets *EOF_SEEN. Returns 0, or an errno value.
 */
static int
read_some(int fd, uint64_t len, int idle_ms, uint64_t *got, bool *eof_seen)
{
	static __thread char buf[BUF_LEN];

	*eof_seen = false;
	while (len == 0 || *got < len) {
		size_t want = sizeof(buf);
		ssize_t r;
		int rc;

		if (len != 0 && len - *got < want)
			want = (size_t)(len - *got);
		rc = wait_fd(fd, POLLIN, idle_ms);
		if (rc == 0)
			return ETIMEDOUT;
		if (rc < 0)
			return errno;
		r = recv(fd, buf, want, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno;
		}
		if (r == 0) {
			*eof_seen = true;
			return len == 0 ? 0 : EPIPE;
		}
		*got += (uint64_t)r;
	}
	return 0;
}

static void *
stream_main(void *arg)
{
	struct scenario *sc = arg;
	uint64_t end = mono_ms() + sc->stream_ms;
	struct timespec ivl = {
		.tv_sec = sc->stream_ivl_ms / 1000,
		.tv_nsec = (long)(sc->stream_ivl_ms % 1000) * 1000000L,
	};

	while (mono_ms() < end) {
		int err = write_all(sc->fd, sc->stream_chunk);

		if (err != 0) {
			sc->stream_err = err;
			break;
		}
		sc->sent += sc->stream_chunk;
		while (nanosleep(&ivl, &ivl) != 0 && errno == EINTR)
			;
		ivl.tv_sec = sc->stream_ivl_ms / 1000;
		ivl.tv_nsec = (long)(sc->stream_ivl_ms % 1000) * 1000000L;
	}
	return NULL;
}

static void *
drain_main(void *arg)
{
	struct scenario *sc = arg;

	sc->drain_err = read_some(sc->fd, 0, DRAIN_IDLE_MS, &sc->received, &sc->eof);
	return NULL;
}

static void
cmd_udp(struct scenario *sc, uint64_t n)
{
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	uint64_t i;
	int fd, err = 0;

	if (getpeername(sc->fd, (struct sockaddr *)&peer, &plen) != 0) {
		reply("err getpeername: %s", strerror(errno));
		return;
	}
	peer.sin_port = htons(UDP_PORT);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		reply("err socket: %s", strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		if (sendto(fd, zeros, UDP_LEN, 0, (struct sockaddr *)&peer, sizeof(peer)) < 0) {
			err = errno;
			break;
		}
	}
	if (close(fd) != 0 && err == 0)
		err = errno;
	if (err != 0)
		reply("err udp after %" PRIu64 " datagrams: %s", i, strerror(err));
	else
		reply("ok %" PRIu64, n);
}

static bool
need_conn(struct scenario *sc, const char *cmd)
{
	if (sc->fd < 0) {
		reply("err %s: no connection", cmd);
		return false;
	}
	if (sc->streaming || sc->draining) {
		reply("err %s: background job running, join first", cmd);
		return false;
	}
	return true;
}

static bool
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

static void
cmd_join(struct scenario *sc)
{
	int err;

	if (sc->streaming) {
		err = pthread_join(sc->stream_thr, NULL);
		if (err != 0) {
			reply("err join: %s", strerror(err));
			return;
		}
		sc->streaming = false;
	}
	if (sc->draining) {
		err = pthread_join(sc->drain_thr, NULL);
		if (err != 0) {
			reply("err join: %s", strerror(err));
			return;
		}
		sc->draining = false;
	}
	if (sc->stream_err != 0 || sc->drain_err != 0) {
		int bad = sc->stream_err != 0 ? sc->stream_err : sc->drain_err;

		reply("err sent=%" PRIu64 " received=%" PRIu64 " eof=%d: %s", sc->sent,
				sc->received, sc->eof ? 1 : 0, strerror(bad));
		sc->stream_err = 0;
		sc->drain_err = 0;
		return;
	}
	reply("ok sent=%" PRIu64 " received=%" PRIu64 " eof=%d", sc->sent, sc->received,
			sc->eof ? 1 : 0);
}

static void
sleep_until(uint64_t ns)
{
	struct timespec now,
			ts = {
				.tv_sec = (time_t)(ns / 1000000000ULL),
				.tv_nsec = (long)(ns % 1000000000ULL),
			};
	int rc;

	if (clock_gettime(CLOCK_REALTIME, &now) != 0)
		abort();
	/* never sleep long on a bad time */
	if (ns > (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec + AT_MAX_AHEAD_NS)
		return;
	do
		rc = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL);
	while (rc == EINTR);
}

/* Runs one command line (modified in place). Returns false on "quit". */
static bool
run_command(struct scenario *sc, char *line)
{
	char *save = NULL;
	char *cmd = strtok_r(line, " \t\r\n", &save);
	char *a1 = strtok_r(NULL, " \t\r\n", &save);
	char *a2 = strtok_r(NULL, " \t\r\n", &save);
	char *a3 = strtok_r(NULL, " \t\r\n", &save);
	uint64_t v1 = 0, v2 = 0, v3 = 0;
	int err;

	if (cmd == NULL) {
		reply("err empty command");
	} else if (strcmp(cmd, "at") == 0) {
		/* rebuild "CMD ARGS" after the time and run it at that time */
		char rest[LINE_LEN];

		if (!parse_u64(a1, UINT64_MAX, &v1) || a2 == NULL) {
			reply("err usage: at NS CMD");
			return true;
		}
		snprintf(rest, sizeof(rest), "%s %s %s", a2, a3 != NULL ? a3 : "",
				save != NULL ? save : "");
		sleep_until(v1);
		return run_command(sc, rest);
	} else if (strcmp(cmd, "accept") == 0) {
		cmd_accept(sc);
	} else if (strcmp(cmd, "connect") == 0) {
		cmd_connect(sc);
	} else if (strcmp(cmd, "send") == 0) {
		if (!parse_u64(a1, 1ULL << 30, &v1)) {
			reply("err usage: send N");
		} else if (need_conn(sc, cmd)) {
			err = write_all(sc->fd, (size_t)v1);
			if (err != 0)
				reply("err send: %s", strerror(err));
			else
				reply("ok %" PRIu64, v1);
		}
	} else if (strcmp(cmd, "recv") == 0 || strcmp(cmd, "eof") == 0) {
		bool is_eof = strcmp(cmd, "eof") == 0;
		uint64_t got = 0;
		bool eof_seen;

		if (!is_eof && (!parse_u64(a1, 1ULL << 30, &v1) || v1 == 0)) {
			reply("err usage: recv N");
		} else if (need_conn(sc, cmd)) {
			err = read_some(sc->fd, is_eof ? 0 : v1, IO_TIMEOUT_MS, &got, &eof_seen);
			if (err != 0)
				reply("err %s after %" PRIu64 " bytes: %s", cmd, got,
						strerror(err));
			else if (is_eof)
				reply("ok eof %" PRIu64, got);
			else
				reply("ok %" PRIu64, got);
		}
	} else if (strcmp(cmd, "shutdown") == 0) {
		if (need_conn(sc, cmd)) {
			if (shutdown(sc->fd, SHUT_WR) != 0)
				reply("err shutdown: %s", strerror(errno));
			else
				reply("ok");
		}
	} else if (strcmp(cmd, "linger0") == 0) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		if (need_conn(sc, cmd)) {
			if (setsockopt(sc->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) != 0)
				reply("err SO_LINGER: %s", strerror(errno));
			else
				reply("ok");
		}
	} else if (strcmp(cmd, "cork") == 0) {
		int one = 1;

		if (need_conn(sc, cmd)) {
			if (setsockopt(sc->fd, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)) != 0)
				reply("err TCP_CORK: %s", strerror(errno));
			else
				reply("ok");
		}
	} else if (strcmp(cmd, "close") == 0) {
		if (need_conn(sc, cmd)) {
			err = close(sc->fd);
			sc->fd = -1;
			if (err != 0)
				reply("err close: %s", strerror(errno));
			else
				reply("ok");
		}
	} else if (strcmp(cmd, "stream") == 0) {
		if (!parse_u64(a1, 60000, &v1) || !parse_u64(a2, BUF_LEN, &v2) || v2 == 0 ||
				!parse_u64(a3, 10000, &v3) || v3 == 0) {
			reply("err usage: stream MS CHUNK IVL_MS");
		} else if (need_conn(sc, cmd)) {
			sc->stream_ms = (unsigned int)v1;
			sc->stream_chunk = (size_t)v2;
			sc->stream_ivl_ms = (unsigned int)v3;
			sc->sent = 0;
			sc->stream_err = 0;
			err = pthread_create(&sc->stream_thr, NULL, stream_main, sc);
			if (err != 0) {
				reply("err pthread_create: %s", strerror(err));
			} else {
				sc->streaming = true;
				reply("ok");
			}
		}
	} else if (strcmp(cmd, "drain") == 0) {
		if (need_conn(sc, cmd)) {
			sc->received = 0;
			sc->eof = false;
			sc->drain_err = 0;
			err = pthread_create(&sc->drain_thr, NULL, drain_main, sc);
			if (err != 0) {
				reply("err pthread_create: %s", strerror(err));
			} else {
				sc->draining = true;
				reply("ok");
			}
		}
	} else if (strcmp(cmd, "udp") == 0) {
		if (!parse_u64(a1, 1000, &v1) || v1 == 0)
			reply("err usage: udp N");
		else if (need_conn(sc, cmd))
			cmd_udp(sc, v1);
	} else if (strcmp(cmd, "join") == 0) {
		cmd_join(sc);
	} else if (strcmp(cmd, "quit") == 0) {
		reply("ok");
		return false;
	} else {
		reply("err unknown command '%s'", cmd);
	}
	return true;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
			"usage: %s [-w SECONDS] server ADDR PORT\n"
			"       %s [-w SECONDS] client ADDR PORT [LOCAL_PORT]\n"
			"Commands on stdin: accept connect send N recv N eof shutdown linger0 cork close\n"
			"  stream MS CHUNK IVL_MS  drain  join  udp N  at NS CMD  quit\n",
			prog, prog);
}

int
main(int argc, char **argv)
{
	struct scenario sc = { .lfd = -1, .fd = -1 };
	uint64_t watchdog = WATCHDOG_DEFAULT, port, lport = 0;
	char line[LINE_LEN];
	int opt;

	while ((opt = getopt(argc, argv, "w:h")) != -1) {
		switch (opt) {
		case 'w':
			if (!parse_u64(optarg, 3600, &watchdog) || watchdog == 0) {
				fprintf(stderr, "bad -w value '%s' (1..3600)\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(argv[0]);
			return 0;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3 || argc > 4) {
		usage("ft-tcp-scenario");
		return 2;
	}
	if (strcmp(argv[0], "server") == 0 && argc == 3) {
		sc.role = ROLE_SERVER;
	} else if (strcmp(argv[0], "client") == 0) {
		sc.role = ROLE_CLIENT;
		if (argc == 4 && (!parse_u64(argv[3], 65535, &lport) || lport == 0)) {
			fprintf(stderr, "bad local port '%s'\n", argv[3]);
			return 2;
		}
		sc.local_port = (uint16_t)lport;
	} else {
		usage("ft-tcp-scenario");
		return 2;
	}
	sc.remote.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[1], &sc.remote.sin_addr) != 1) {
		fprintf(stderr, "bad IPv4 address '%s'\n", argv[1]);
		return 2;
	}
	if (!parse_u64(argv[2], 65535, &port) || port == 0) {
		fprintf(stderr, "bad port '%s'\n", argv[2]);
		return 2;
	}
	sc.remote.sin_port = htons((uint16_t)port);

	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		fprintf(stderr, "signal: %s\n", strerror(errno));
		return 1;
	}
	/* SIGALRM's default action ends the program: nothing outlives a broken test */
	alarm((unsigned int)watchdog);

	if (sc.role == ROLE_SERVER && server_listen(&sc) != 0)
		return 1;
	reply("ready");

	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (!run_command(&sc, line))
			break;
	}
	/* the sockets close with the process */
	return 0;
}
