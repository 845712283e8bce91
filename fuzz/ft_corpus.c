/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * ft-corpus: turns pcap traces (from ft-tracegen) into seed corpora for the
 * fuzz targets.
 *   - fuzz_pkt: one file per frame.
 *   - fuzz_engine: one file per flow, holding that flow's frames as records
 *     (fuzz_engine_input.h) with the trace's gaps as time codes and a timer
 *     run at the end; and per trace one file with its first frames of all
 *     flows, the frames of one wheel tick joined into one burst.
 */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "ft_pkt.h"
#include "fuzz_engine_input.h"

#define PROG	  "ft-corpus"
#define MAX_FLOWS 4096
#define TICK_NS	  FZ_NS_MS
/* Time code of the timer run closing every flow file: 121 s on. */
#define FINAL_GAP_NS (121 * FZ_NS_S)

/* The tunnels the fuzz targets open: every kind, GUE on Katran's port. */
static struct ft_pkt_conf gue_conf;

struct buf {
	uint8_t *p;
	size_t len, cap;
};

struct flow {
	uint8_t is_v6;
	uint8_t key[sizeof(struct ft_key6)];
	uint64_t last_ns;
	struct buf rec;
};

struct opts {
	const char *pkt_dir;
	const char *eng_dir;
	unsigned int max_pkt;	 /* Frame files in all. */
	unsigned int max_flows;	 /* Flow files per trace. */
	unsigned int mix_frames; /* Frames in a trace's burst file. */
};

/* Frame files written for the current trace, and its share of --max-frames. */
static unsigned int pkt_files, pkt_share;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void
buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap != 0 ? b->cap : 1024;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (b->p == NULL)
			die("out of memory");
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
rec_put(struct buf *b, uint8_t code, const uint8_t *frame, uint32_t len)
{
	uint8_t hdr[FZ_REC_HDR];

	if (len > UINT16_MAX)
		len = UINT16_MAX;
	hdr[0] = code;
	hdr[1] = (uint8_t)(len >> 8);
	hdr[2] = (uint8_t)len;
	buf_put(b, hdr, sizeof(hdr));
	if (len != 0)
		buf_put(b, frame, len);
}

static void
write_file(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[4096];
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		die("%s: path too long", dir);
	f = fopen(path, "wb");
	if (f == NULL || (len != 0 && fwrite(p, 1, len, f) != len) || fclose(f) != 0)
		die("cannot write %s", path);
}

static struct flow *
flow_find(struct flow *flows, unsigned int *nflows, const struct ft_pkt *pkt)
{
	size_t klen = pkt->is_v6 ? sizeof(pkt->key.v6) : sizeof(pkt->key.v4);
	unsigned int i;

	for (i = 0; i < *nflows; i++)
		if (flows[i].is_v6 == pkt->is_v6 && memcmp(flows[i].key, &pkt->key, klen) == 0)
			return &flows[i];
	if (*nflows == MAX_FLOWS)
		return NULL;
	memset(&flows[i], 0, sizeof(flows[i]));
	flows[i].is_v6 = pkt->is_v6;
	memcpy(flows[i].key, &pkt->key, klen);
	(*nflows)++;
	return &flows[i];
}

static void
convert(const struct opts *o, const char *trace, unsigned int tno)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct flow *flows;
	struct buf mix = { 0 };
	unsigned int nflows = 0, nframes = 0, i;
	uint64_t mix_last = 0;
	char name[64];
	pcap_t *pc;
	int ret;

	pkt_files = 0;
	pc = pcap_open_offline_with_tstamp_precision(trace, PCAP_TSTAMP_PRECISION_NANO, err);
	if (pc == NULL)
		die("%s", err);
	if (pcap_datalink(pc) != DLT_EN10MB)
		die("%s: not an Ethernet trace", trace);
	flows = calloc(MAX_FLOWS, sizeof(*flows));
	if (flows == NULL)
		die("out of memory");
	while ((ret = pcap_next_ex(pc, &h, &data)) == 1) {
		uint64_t ts = (uint64_t)h->ts.tv_sec * FZ_NS_S + (uint64_t)h->ts.tv_usec;
		struct ft_pkt pkt;
		struct flow *f;
		uint8_t code;

		if (o->pkt_dir != NULL && pkt_files < pkt_share) {
			snprintf(name, sizeof(name), "t%u-frame%05u", tno, nframes);
			write_file(o->pkt_dir, name, data, h->caplen);
			pkt_files++;
		}
		if (nframes < o->mix_frames) {
			/* Frames of one wheel tick go in as one burst, as the replay does. */
			if (nframes == 0)
				code = 0;
			else if (ts / TICK_NS == mix_last / TICK_NS)
				code = FZ_CODE_JOIN;
			else
				code = fz_code_for_gap(ts - mix_last);
			rec_put(&mix, code, data, h->caplen);
			mix_last = ts;
		}
		nframes++;
		if (ft_pkt_parse_conf(&gue_conf, data, h->caplen, h->caplen, &pkt) != FT_PKT_TCP)
			continue;
		f = flow_find(flows, &nflows, &pkt);
		if (f == NULL)
			continue;
		code = f->rec.len == 0 ? 0 : fz_code_for_gap(ts - f->last_ns);
		if (f->rec.len != 0 && ts == f->last_ns)
			code |= FZ_CODE_JOIN;
		rec_put(&f->rec, code, data, h->caplen);
		f->last_ns = ts;
	}
	if (ret == PCAP_ERROR)
		die("%s", pcap_geterr(pc));
	pcap_close(pc);
	if (o->eng_dir != NULL) {
		for (i = 0; i < nflows && i < o->max_flows; i++) {
			rec_put(&flows[i].rec, fz_code_for_gap(FINAL_GAP_NS), NULL, 0);
			snprintf(name, sizeof(name), "t%u-flow%04u", tno, i);
			write_file(o->eng_dir, name, flows[i].rec.p, flows[i].rec.len);
		}
		if (mix.len != 0) {
			rec_put(&mix, fz_code_for_gap(FINAL_GAP_NS), NULL, 0);
			snprintf(name, sizeof(name), "t%u-mix", tno);
			write_file(o->eng_dir, name, mix.p, mix.len);
		}
	}
	for (i = 0; i < nflows; i++)
		free(flows[i].rec.p);
	free(flows);
	free(mix.p);
	printf("%s: %u frames, %u flows\n", trace, nframes, nflows);
}

static unsigned int
num_arg(const char *opt, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v > 1000000)
		die("bad value for %s", opt);
	return (unsigned int)v;
}

static void
usage(FILE *out)
{
	fprintf(out,
			"Usage: " PROG
			" [-p PKT_DIR] [-e ENGINE_DIR] [--max-frames N] [--max-flows N]\n"
			"                 [--mix-frames N] TRACE.pcap...\n"
			"\n"
			"Writes one fuzz_pkt seed per frame into PKT_DIR (at most --max-frames in all,\n"
			"default 400, shared equally by the traces) and fuzz_engine seeds into\n"
			"ENGINE_DIR: one per flow (at most --max-flows per trace, default 64) and one\n"
			"per trace with its first --mix-frames frames (default 256) of all flows.\n");
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "pkt-dir", required_argument, NULL, 'p' },
		{ "engine-dir", required_argument, NULL, 'e' },
		{ "max-frames", required_argument, NULL, 'P' },
		{ "max-flows", required_argument, NULL, 'F' },
		{ "mix-frames", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.max_pkt = 400,
		.max_flows = 64,
		.mix_frames = 256,
	};
	int c, i;

	ft_pkt_conf_init(&gue_conf);
	gue_conf.gue.n = 1;
	gue_conf.gue.port[0] = 6080;
	while ((c = getopt_long(argc, argv, "p:e:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.pkt_dir = optarg;
			break;
		case 'e':
			o.eng_dir = optarg;
			break;
		case 'P':
			o.max_pkt = num_arg("--max-frames", optarg);
			break;
		case 'F':
			o.max_flows = num_arg("--max-flows", optarg);
			break;
		case 'M':
			o.mix_frames = num_arg("--mix-frames", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc || (o.pkt_dir == NULL && o.eng_dir == NULL)) {
		usage(stderr);
		return 2;
	}
	/* Every trace gets an equal share of the frame files. */
	pkt_share = (o.max_pkt + (unsigned int)(argc - optind) - 1) / (unsigned int)(argc - optind);
	for (i = optind; i < argc; i++)
		convert(&o, argv[i], (unsigned int)(i - optind));
	return 0;
}
