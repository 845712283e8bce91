/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * A stand-in for an AWS Gateway Load Balancer, for the live test of gwlb mode
 * (tests/live/netns_ss_gwlb.sh): it bridges two network namespaces of real
 * Linux TCP endpoints through a GWLB target (fintrack --mode gwlb).
 *
 *   ft-gwlb-lb --client-if IF --server-if IF --target-if IF --lb-addr A --target-addr A
 *              [--seconds N] [--lost-ms MS]
 *
 * It reads the raw frames the client's and the server's namespaces send
 * (AF_PACKET on their veth peers, client-if and server-if), wraps each IPv4 or
 * IPv6 TCP packet as a GWLB does (outer Ethernet, IPv4 from lb-addr to
 * target-addr, UDP from a hash of the inner flow to port 6081, GENEVE with VNI
 * 0, protocol 0x0800 or 0x86DD, the raw inner packet and AWS's three options
 * of class 0x0108: type 1 endpoint id (8 bytes), type 2 attachment id (8
 * bytes), type 3 flow cookie (4 bytes): 68 bytes in all) and sends it out of
 * target-if. Every packet must come back as AWS says a target returns it: the
 * same frame with the Ethernet and the outer IPv4 addresses swapped, UDP ports
 * kept, GENEVE header and inner packet byte for byte, and its IPv4 and UDP
 * checksums valid. What comes back so is delivered, as an Ethernet frame, to
 * the other endpoint's namespace; what does not is a mismatch. A packet not
 * back within --lost-ms (default 1000) is lost.
 *
 * The stand-in has an address of its own, lb-addr, that no kernel has, and a
 * MAC address of its own (02:47:57:4c:42:01): the kernel of its namespace
 * leaves the returned GENEVE alone. It finds the target's MAC address with
 * ARP, as a load balancer would, through the target's exception path.
 *
 * Prints "ready MAC" once the target answered ARP; then runs until SIGINT or
 * SIGTERM or --seconds (default 60) have passed, and prints its counts:
 *
 *   ft-gwlb-lb: wrapped N returned_ok N mismatched N lost N not_tcp N other N
 *
 * Exit: 0; 1 when a packet came back changed (a mismatch); 2 when it could not
 * start.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ft_geneve.h"

#define FRAME_MAX    16384
#define MAX_OUT	     16384 /* packets on their way at once */
#define HASH_BUCKETS 4096
#define GENEVE_PORT  FT_GENEVE_UDP_PORT
#define GENEVE_HLEN  FT_GENEVE_HLEN
#define OUTER_LEN    FT_GENEVE_OUTER
#define SHOW_MAX     10 /* mismatches and losses described */
#define ARP_TRIES    40
#define ARP_WAIT_MS  250

enum side { CLIENT, SERVER, TARGET, NSIDES };

static const uint8_t lb_mac[6] = { 0x02, 0x47, 0x57, 0x4c, 0x42, 0x01 };
static const uint8_t endpoint_id[8] = { 0x0e, 0x1d, 0x2c, 0x3b, 0x4a, 0x59, 0x68, 0x77 };
static const uint8_t attachment_id[8] = { 0xa7, 0x7a, 0xc4, 0x00, 0x00, 0x00, 0x00, 0x2a };

/* A packet sent to the target, waiting to come back. */
struct pending {
	uint8_t *expect;     /* the frame as it must come back */
	uint32_t len;	     /* its length */
	uint32_t inner_hash; /* hash of the inner packet */
	uint8_t eth[14];     /* the Ethernet header to deliver the inner packet with */
	uint8_t to;	     /* CLIENT or SERVER: where it goes once back */
	uint8_t used;
	uint64_t sent_ns;
	int next; /* in its hash chain, -1 at the end */
};

static struct pending out[MAX_OUT];
static int bucket[HASH_BUCKETS];
static int free_top;
static int free_list[MAX_OUT];

static struct {
	uint64_t wrapped, returned_ok, mismatched, lost, not_tcp, other, checksums;
} cnt;

static int fds[NSIDES];
static const char *ifname[NSIDES];
static uint8_t lb_addr[4], target_addr[4], target_mac[6];
static uint16_t ip_id;
static volatile sig_atomic_t stop;
static unsigned int shown;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define get16 ft_geneve_get16
#define put16 ft_geneve_put16

/* FNV-1a. */
static uint32_t
hash_bytes(const uint8_t *p, size_t len, uint32_t h)
{
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static int
open_side(enum side s)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	int fd, one = 1;
	unsigned int idx = if_nametoindex(ifname[s]);

	if (idx == 0) {
		fprintf(stderr, "ft-gwlb-lb: no interface %s\n", ifname[s]);
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("ft-gwlb-lb: socket(AF_PACKET)");
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		perror("ft-gwlb-lb: bind");
		close(fd);
		return -1;
	}
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)idx;
	mr.mr_type = PACKET_MR_PROMISC;
	setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr));
	/* What this program sends is not read back. */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	return fd;
}

/* Read one frame of side s; 0 when there is none, -1 on error. */
static ssize_t
read_frame(enum side s, uint8_t *buf)
{
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fds[s], buf, FRAME_MAX, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	return n;
}

static void
send_frame(enum side s, const uint8_t *f, size_t len)
{
	if (send(fds[s], f, len, 0) != (ssize_t)len)
		fprintf(stderr, "ft-gwlb-lb: send on %s (%zu bytes): %s\n", ifname[s], len,
				strerror(errno));
}

/* ARP for the target's address until it answers; its MAC address in target_mac. */
static int
resolve_target(void)
{
	uint8_t f[FRAME_MAX];
	int tries;

	for (tries = 0; tries < ARP_TRIES && !stop; tries++) {
		uint64_t until = now_ns() + ARP_WAIT_MS * 1000000ull;
		uint8_t req[42];

		memset(req, 0xff, 6);
		memcpy(req + 6, lb_mac, 6);
		put16(req + 12, ETH_P_ARP);
		put16(req + 14, 1);
		put16(req + 16, ETH_P_IP);
		req[18] = 6;
		req[19] = 4;
		put16(req + 20, 1);
		memcpy(req + 22, lb_mac, 6);
		memcpy(req + 28, lb_addr, 4);
		memset(req + 32, 0, 6);
		memcpy(req + 38, target_addr, 4);
		send_frame(TARGET, req, sizeof(req));
		while (now_ns() < until && !stop) {
			struct pollfd pfd = { .fd = fds[TARGET], .events = POLLIN };
			ssize_t n;

			if (poll(&pfd, 1, 50) <= 0)
				continue;
			while ((n = read_frame(TARGET, f)) > 0)
				if (n >= 42 && get16(f + 12) == ETH_P_ARP && get16(f + 20) == 2 &&
						memcmp(f + 28, target_addr, 4) == 0 &&
						memcmp(f + 38, lb_addr, 4) == 0) {
					memcpy(target_mac, f + 22, 6);
					return 0;
				}
		}
	}
	fprintf(stderr, "ft-gwlb-lb: no ARP answer for the target's address on %s\n",
			ifname[TARGET]);
	return -1;
}

/*
 * The inner packet of a frame from an endpoint: IPv4 or IPv6 carrying TCP.
 * Returns its length (the IP lengths, without Ethernet padding), 0 if none.
 */
static size_t
inner_of(const uint8_t *f, size_t n, uint16_t *proto)
{
	const uint8_t *ip = f + 14;
	size_t len;

	if (n < 14 + 20)
		return 0;
	*proto = get16(f + 12);
	if (*proto == ETH_P_IP && (ip[0] >> 4) == 4 && ip[9] == 6)
		len = get16(ip + 2);
	else if (*proto == ETH_P_IPV6 && n >= 14 + 40 && (ip[0] >> 4) == 6 && ip[6] == 6)
		len = 40 + (size_t)get16(ip + 4);
	else
		return 0;
	return len <= n - 14 ? len : 0;
}

/* The two endpoints of an inner packet, each address then port. */
static void
inner_endpoints(const uint8_t *ip, uint16_t proto, const uint8_t **a, const uint8_t **b,
		size_t *alen, const uint8_t **tcp)
{
	if (proto == ETH_P_IP) {
		*a = ip + 12;
		*b = ip + 16;
		*alen = 4;
		*tcp = ip + (ip[0] & 0x0f) * 4;
	} else {
		*a = ip + 8;
		*b = ip + 24;
		*alen = 16;
		*tcp = ip + 40;
	}
}

/*
 * The UDP source port (a hash of the inner flow, this direction's) and the
 * flow cookie (the same for both directions of a connection).
 */
static void
flow_hashes(const uint8_t *ip, uint16_t proto, uint16_t *sport, uint32_t *cookie)
{
	const uint8_t *a, *b, *tcp;
	size_t alen;
	uint32_t ha, hb, h;

	inner_endpoints(ip, proto, &a, &b, &alen, &tcp);
	ha = hash_bytes(tcp, 2, hash_bytes(a, alen, 2166136261u));
	hb = hash_bytes(tcp + 2, 2, hash_bytes(b, alen, 2166136261u));
	h = hash_bytes(tcp + 2, 2, hash_bytes(tcp, 2, hash_bytes(b, alen, hash_bytes(a, alen, 7))));
	*sport = (uint16_t)(49152 + h % 16384);
	*cookie = (ha < hb ? ha * 31 + hb : hb * 31 + ha) | 1;
}

static int
pending_take(void)
{
	return free_top > 0 ? free_list[--free_top] : -1;
}

static void
pending_free(int i)
{
	int *pp = &bucket[out[i].inner_hash % HASH_BUCKETS];

	while (*pp != i)
		pp = &out[*pp].next;
	*pp = out[i].next;
	free(out[i].expect);
	out[i].expect = NULL;
	out[i].used = 0;
	free_list[free_top++] = i;
}

/* Wrap a frame of an endpoint and send it to the target; remember how it must come back. */
static void
wrap(enum side from, const uint8_t *f, size_t n)
{
	uint8_t g[FRAME_MAX];
	struct ft_geneve_outer o;
	uint16_t proto, sport;
	uint32_t cookie;
	size_t inner = inner_of(f, n, &proto), len;
	int i;

	if (inner == 0) {
		cnt.not_tcp++;
		return;
	}
	len = OUTER_LEN + inner;
	if (len > FRAME_MAX) {
		cnt.not_tcp++;
		return;
	}
	flow_hashes(f + 14, proto, &sport, &cookie);
	memcpy(o.dst_mac, target_mac, 6);
	memcpy(o.src_mac, lb_mac, 6);
	memcpy(o.src_ip, lb_addr, 4);
	memcpy(o.dst_ip, target_addr, 4);
	o.ip_id = ip_id++;
	o.sport = sport;
	memcpy(o.endpoint, endpoint_id, 8);
	memcpy(o.attachment, attachment_id, 8);
	o.cookie = cookie;
	ft_geneve_wrap(g, &o, proto, f + 14, inner);

	i = pending_take();
	if (i < 0) {
		cnt.lost++;
		return;
	}
	out[i].expect = malloc(len);
	if (out[i].expect == NULL) {
		free_list[free_top++] = i;
		cnt.lost++;
		return;
	}
	/* As it must come back: Ethernet and outer IPv4 addresses swapped, nothing else. */
	ft_geneve_turn(out[i].expect, g, len);
	out[i].len = (uint32_t)len;
	out[i].inner_hash = hash_bytes(f + 14, inner, 2166136261u);
	memcpy(out[i].eth, f, 14);
	out[i].to = from == CLIENT ? SERVER : CLIENT;
	out[i].sent_ns = now_ns();
	out[i].used = 1;
	out[i].next = bucket[out[i].inner_hash % HASH_BUCKETS];
	bucket[out[i].inner_hash % HASH_BUCKETS] = i;
	send_frame(TARGET, g, len);
	cnt.wrapped++;
}

/* Which parts of a returned frame r differ from what was expected e. */
static void
describe(const uint8_t *r, size_t rlen, const struct pending *e)
{
	static const struct {
		size_t off, len;
		const char *what;
	} parts[] = {
		{ 0, 6, "Ethernet destination (not the source swapped in)" },
		{ 6, 6, "Ethernet source (not the destination swapped in)" },
		{ 12, 2, "EtherType" },
		{ 14, 12, "outer IPv4 header (version to checksum)" },
		{ 26, 4, "outer IPv4 source (not the destination swapped in)" },
		{ 30, 4, "outer IPv4 destination (not the source swapped in)" },
		{ 34, 4, "UDP ports" },
		{ 38, 4, "UDP length or checksum" },
		{ 42, GENEVE_HLEN, "GENEVE header or options" },
	};
	unsigned int i;

	if (shown++ >= SHOW_MAX)
		return;
	if (rlen != e->len) {
		fprintf(stderr, "ft-gwlb-lb: MISMATCH: came back with %zu bytes, sent %u\n", rlen,
				e->len);
		return;
	}
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (memcmp(r + parts[i].off, e->expect + parts[i].off, parts[i].len) != 0)
			fprintf(stderr, "ft-gwlb-lb: MISMATCH: %s\n", parts[i].what);
	if (memcmp(r + OUTER_LEN, e->expect + OUTER_LEN, rlen - OUTER_LEN) != 0)
		fprintf(stderr, "ft-gwlb-lb: MISMATCH: inner packet\n");
}

/* A frame from the target: GENEVE coming back, or something else (ARP, the health checks). */
static void
returned(const uint8_t *r, size_t n)
{
	const uint8_t *ip = r + 14, *udp = ip + 20;
	uint8_t f[FRAME_MAX];
	uint32_t h;
	size_t inner;
	int i, candidate = -1;

	if (n < OUTER_LEN || get16(r + 12) != ETH_P_IP || ip[0] != 0x45 || ip[9] != 17 ||
			get16(udp + 2) != GENEVE_PORT || memcmp(ip + 12, target_addr, 4) != 0) {
		cnt.other++;
		return;
	}
	inner = n - OUTER_LEN;
	if (get16(ip + 2) == n - 14)
		inner = get16(ip + 2) - 20 - 8 - GENEVE_HLEN;
	h = hash_bytes(r + OUTER_LEN, inner, 2166136261u);
	for (i = bucket[h % HASH_BUCKETS]; i >= 0; i = out[i].next) {
		if (out[i].inner_hash != h)
			continue;
		if (candidate < 0)
			candidate = i;
		if (out[i].len == OUTER_LEN + inner && memcmp(out[i].expect, r, out[i].len) == 0)
			break;
	}
	if (i < 0) {
		cnt.mismatched++;
		if (candidate >= 0) {
			describe(r, n, &out[candidate]);
			pending_free(candidate);
		} else if (shown++ < SHOW_MAX) {
			fprintf(stderr,
					"ft-gwlb-lb: MISMATCH: a GENEVE packet came back whose inner "
					"packet was not sent (or came back twice)\n");
		}
		return;
	}
	/* A swap keeps the sums: both checksums must still verify. */
	if (!ft_geneve_csums_ok(r)) {
		cnt.mismatched++;
		if (shown++ < SHOW_MAX)
			fprintf(stderr, "ft-gwlb-lb: MISMATCH: a checksum does not verify\n");
		pending_free(i);
		return;
	}
	cnt.checksums++;
	cnt.returned_ok++;
	memcpy(f, out[i].eth, 14);
	memcpy(f + 14, r + OUTER_LEN, inner);
	send_frame((enum side)out[i].to, f, 14 + inner);
	pending_free(i);
}

/* Packets that did not come back within lost_ns (or at all, at the end: all_now). */
static void
expire(uint64_t lost_ns, bool all_now)
{
	uint64_t now = now_ns();
	int i;

	for (i = 0; i < MAX_OUT; i++) {
		if (!out[i].used || (!all_now && now - out[i].sent_ns < lost_ns))
			continue;
		cnt.lost++;
		if (shown++ < SHOW_MAX)
			fprintf(stderr, "ft-gwlb-lb: LOST: a packet of %u bytes sent %.3f s ago\n",
					out[i].len, (double)(now - out[i].sent_ns) / 1e9);
		pending_free(i);
	}
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: ft-gwlb-lb --client-if IF --server-if IF --target-if IF --lb-addr A "
			"--target-addr A [--seconds N] [--lost-ms MS]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "client-if", required_argument, NULL, 'c' },
		{ "server-if", required_argument, NULL, 's' },
		{ "target-if", required_argument, NULL, 't' },
		{ "lb-addr", required_argument, NULL, 'l' },
		{ "target-addr", required_argument, NULL, 'a' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "lost-ms", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	static uint8_t f[FRAME_MAX];
	unsigned long seconds = 60, lost_ms = 1000;
	uint64_t deadline, last_expire;
	struct sigaction sa;
	int opt, i;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			ifname[CLIENT] = optarg;
			break;
		case 's':
			ifname[SERVER] = optarg;
			break;
		case 't':
			ifname[TARGET] = optarg;
			break;
		case 'l':
			if (inet_pton(AF_INET, optarg, lb_addr) != 1)
				usage();
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, target_addr) != 1)
				usage();
			break;
		case 'S':
			seconds = strtoul(optarg, NULL, 10);
			break;
		case 'L':
			lost_ms = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (ifname[CLIENT] == NULL || ifname[SERVER] == NULL || ifname[TARGET] == NULL ||
			lb_addr[0] == 0 || target_addr[0] == 0 || seconds == 0 || lost_ms == 0)
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (i = 0; i < HASH_BUCKETS; i++)
		bucket[i] = -1;
	for (i = MAX_OUT - 1; i >= 0; i--)
		free_list[free_top++] = i;
	for (i = 0; i < NSIDES; i++) {
		fds[i] = open_side((enum side)i);
		if (fds[i] < 0)
			return 2;
	}
	deadline = now_ns() + seconds * 1000000000ull;
	if (resolve_target() != 0)
		return 2;
	printf("ready %02x:%02x:%02x:%02x:%02x:%02x\n", target_mac[0], target_mac[1], target_mac[2],
			target_mac[3], target_mac[4], target_mac[5]);
	fflush(stdout);
	last_expire = now_ns();
	while (!stop && now_ns() < deadline) {
		struct pollfd pfd[NSIDES];
		ssize_t n;

		for (i = 0; i < NSIDES; i++) {
			pfd[i].fd = fds[i];
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, NSIDES, 100) < 0 && errno != EINTR)
			break;
		for (i = 0; i < NSIDES; i++)
			while ((n = read_frame((enum side)i, f)) > 0) {
				if (i == TARGET)
					returned(f, (size_t)n);
				else
					wrap((enum side)i, f, (size_t)n);
			}
		if (now_ns() - last_expire >= 100000000ull) {
			expire(lost_ms * 1000000ull, false);
			last_expire = now_ns();
		}
	}
	/* What is still on its way gets a last chance to come back. */
	{
		uint64_t until = now_ns() + lost_ms * 1000000ull;
		ssize_t n;

		while (now_ns() < until) {
			struct pollfd pfd = { .fd = fds[TARGET], .events = POLLIN };

			if (poll(&pfd, 1, 50) > 0)
				while ((n = read_frame(TARGET, f)) > 0)
					returned(f, (size_t)n);
			for (i = 0; i < MAX_OUT && !out[i].used; i++)
				;
			if (i == MAX_OUT)
				break;
		}
	}
	expire(0, true);
	printf("ft-gwlb-lb: wrapped %" PRIu64 " returned_ok %" PRIu64 " mismatched %" PRIu64
	       " lost %" PRIu64 " not_tcp %" PRIu64 " other %" PRIu64 " checksums_ok %" PRIu64 "\n",
			cnt.wrapped, cnt.returned_ok, cnt.mismatched, cnt.lost, cnt.not_tcp,
			cnt.other, cnt.checksums);
	fflush(stdout);
	for (i = 0; i < NSIDES; i++)
		close(fds[i]);
	return cnt.mismatched != 0 ? 1 : 0;
}
