/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * GENEVE traces for gwlb mode's frame sizes (tests/live/vdev_live.sh gwlb_jumbo):
 *
 *   ft-geneve-pcap write FILE TARGET   GENEVE frames to TARGET as a GWLB sends them, inner
 *                                      TCP packets of IPv4 and IPv6 up to 8500 bytes (frames
 *                                      of up to 8582 bytes), and two that must not come back:
 *                                      UDP to TARGET's port 6082, and GENEVE to another address
 *   ft-geneve-pcap check IN OUT TARGET  OUT holds, in order, every frame of IN that is GENEVE
 *                                      to TARGET, turned as a GWLB target turns it (Ethernet and
 *                                      outer IPv4 addresses swapped, all else byte for byte,
 *                                      both checksums valid), and nothing else
 *
 * Exit 0 when it is so, 1 when not (what differs is printed), 2 on a usage or file error.
 */

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ft_geneve.h"

#define FRAME_MAX  16384
#define MAX_FRAMES 64

static const uint8_t lb_mac[6] = { 0x02, 0x47, 0x57, 0x4c, 0x42, 0x01 };
static const uint8_t ft_mac[6] = { 0x02, 0x46, 0x54, 0x00, 0x00, 0x01 };
static const uint8_t lb_ip[4] = { 198, 18, 1, 3 };
static const uint8_t other_ip[4] = { 198, 18, 1, 9 };

/* An inner IPv4 or IPv6 TCP segment of len bytes (headers included), seq s. */
static size_t
inner_tcp(uint8_t *p, int v6, size_t len, uint32_t seq, uint8_t flags)
{
	uint8_t *tcp;
	size_t i, hl = v6 ? 40 : 20;

	memset(p, 0, len);
	if (v6) {
		p[0] = 0x60;
		ft_geneve_put16(p + 4, (uint16_t)(len - 40));
		p[6] = 6;
		p[7] = 64;
		p[8] = 0x20;
		p[9] = 0x01;
		p[10] = 0x0d;
		p[11] = 0xb8;
		p[23] = 1;
		p[24] = 0x20;
		p[25] = 0x01;
		p[26] = 0x0d;
		p[27] = 0xb8;
		p[39] = 2;
	} else {
		p[0] = 0x45;
		ft_geneve_put16(p + 2, (uint16_t)len);
		ft_geneve_put16(p + 6, 0x4000);
		p[8] = 64;
		p[9] = 6;
		p[12] = 198;
		p[13] = 18;
		p[14] = 0;
		p[15] = 1;
		p[16] = 198;
		p[17] = 18;
		p[18] = 0;
		p[19] = 2;
		ft_geneve_put16(p + 10, (uint16_t)~ft_geneve_sum16(p, 20, 0));
	}
	tcp = p + hl;
	ft_geneve_put16(tcp, 40001);
	ft_geneve_put16(tcp + 2, 8081);
	tcp[4] = (uint8_t)(seq >> 24);
	tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8);
	tcp[7] = (uint8_t)seq;
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	ft_geneve_put16(tcp + 14, 65535);
	for (i = hl + 20; i < len; i++)
		p[i] = (uint8_t)(i * 13 + 7);
	return len;
}

static int
write_trace(const char *file, const uint8_t target[4])
{
	static const size_t sizes[] = { 40, 576, 1500, 4000, 8500 };
	static uint8_t inner[FRAME_MAX], g[FRAME_MAX];
	struct ft_geneve_outer o;
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = dead != NULL ? pcap_dump_open(dead, file) : NULL;
	unsigned int k, v6, n = 0;
	size_t len, largest = 0;
	uint32_t seq = 1000;

	if (d == NULL) {
		fprintf(stderr, "ft-geneve-pcap: cannot write %s\n", file);
		return 2;
	}
	memset(&o, 0, sizeof(o));
	memcpy(o.dst_mac, ft_mac, 6);
	memcpy(o.src_mac, lb_mac, 6);
	memcpy(o.src_ip, lb_ip, 4);
	memcpy(o.dst_ip, target, 4);
	memcpy(o.endpoint, "\x0e\x1d\x2c\x3b\x4a\x59\x68\x77", 8);
	memcpy(o.attachment, "\xa7\x7a\xc4\x00\x00\x00\x00\x2a", 8);
	o.cookie = 0x5eed1234;
	for (v6 = 0; v6 < 2; v6++)
		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			struct pcap_pkthdr h;
			size_t il = sizes[k] < 60 && v6 ? 60 : sizes[k];

			inner_tcp(inner, (int)v6, il, seq, k == 0 ? 0x02 : 0x10);
			seq += (uint32_t)il;
			o.ip_id = (uint16_t)n;
			o.sport = (uint16_t)(49152 + v6 * 7 + k);
			len = ft_geneve_wrap(g, &o, v6 ? 0x86dd : 0x0800, inner, il);
			memset(&h, 0, sizeof(h));
			h.caplen = h.len = (bpf_u_int32)len;
			h.ts.tv_usec = (suseconds_t)n;
			pcap_dump((u_char *)d, &h, g);
			largest = len > largest ? len : largest;
			n++;
		}
	/* UDP to the target's port 6082 (the kernel's), then GENEVE to another address. */
	{
		struct pcap_pkthdr h;

		inner_tcp(inner, 0, 100, seq, 0x10);
		len = ft_geneve_wrap(g, &o, 0x0800, inner, 100);
		ft_geneve_put16(g + 14 + 20 + 2, 6082);
		memset(&h, 0, sizeof(h));
		h.caplen = h.len = (bpf_u_int32)len;
		pcap_dump((u_char *)d, &h, g);
		memcpy(o.dst_ip, other_ip, 4);
		len = ft_geneve_wrap(g, &o, 0x0800, inner, 100);
		pcap_dump((u_char *)d, &h, g);
		n += 2;
	}
	pcap_dump_close(d);
	pcap_close(dead);
	printf("wrote %u frames: %u to come back, 2 not; the largest %zu bytes\n", n, n - 2,
			largest);
	return 0;
}

struct frames {
	uint8_t *f[MAX_FRAMES];
	size_t len[MAX_FRAMES];
	unsigned int n;
};

static int
read_trace(const char *file, struct frames *fr)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = pcap_open_offline(file, err);

	if (p == NULL) {
		fprintf(stderr, "ft-geneve-pcap: %s\n", err);
		return -1;
	}
	fr->n = 0;
	while (pcap_next_ex(p, &h, &data) == 1 && fr->n < MAX_FRAMES) {
		fr->f[fr->n] = malloc(h->caplen);
		if (fr->f[fr->n] == NULL)
			break;
		memcpy(fr->f[fr->n], data, h->caplen);
		fr->len[fr->n++] = h->caplen;
	}
	pcap_close(p);
	return 0;
}

static void
free_trace(struct frames *fr)
{
	unsigned int i;

	for (i = 0; i < fr->n; i++)
		free(fr->f[i]);
	fr->n = 0;
}

static int
check_trace(const char *in, const char *outf, const uint8_t target[4])
{
	uint8_t *want = malloc(FRAME_MAX);
	struct frames a = { .n = 0 }, b = { .n = 0 };
	unsigned int i, k = 0, bad = 0;
	size_t largest = 0;

	if (want == NULL || read_trace(in, &a) != 0 || read_trace(outf, &b) != 0) {
		free(want);
		free_trace(&a);
		return 2;
	}
	for (i = 0; i < a.n; i++) {
		const uint8_t *f = a.f[i];

		if (a.len[i] < FT_GENEVE_OUTER || a.len[i] > FRAME_MAX ||
				ft_geneve_get16(f + 12) != 0x0800 ||
				memcmp(f + 14 + 16, target, 4) != 0 ||
				ft_geneve_get16(f + 14 + 20 + 2) != FT_GENEVE_UDP_PORT)
			continue;
		ft_geneve_turn(want, f, a.len[i]);
		if (k >= b.n) {
			printf("frame %u (%zu bytes) did not come back\n", i, a.len[i]);
			bad++;
			continue;
		}
		if (b.len[k] != a.len[i] || memcmp(b.f[k], want, a.len[i]) != 0) {
			printf("frame %u (%zu bytes) came back as %zu bytes, not turned as a GWLB "
			       "target turns it\n",
					i, a.len[i], b.len[k]);
			bad++;
		} else if (!ft_geneve_csums_ok(b.f[k])) {
			printf("frame %u: a checksum does not verify\n", i);
			bad++;
		}
		largest = a.len[i] > largest ? a.len[i] : largest;
		k++;
	}
	if (k < b.n) {
		printf("%u frames came back that should not have\n", b.n - k);
		bad++;
	}
	if (bad == 0)
		printf("ok: %u frames came back turned, byte for byte (the largest %zu bytes), "
		       "their checksums valid; %u kept back\n",
				k, largest, a.n - k);
	free(want);
	free_trace(&a);
	free_trace(&b);
	return bad == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	uint8_t target[4];

	if (argc == 4 && strcmp(argv[1], "write") == 0 && inet_pton(AF_INET, argv[3], target) == 1)
		return write_trace(argv[2], target);
	if (argc == 5 && strcmp(argv[1], "check") == 0 && inet_pton(AF_INET, argv[4], target) == 1)
		return check_trace(argv[2], argv[3], target);
	fprintf(stderr, "usage: ft-geneve-pcap write FILE TARGET | check IN OUT TARGET\n");
	return 2;
}
