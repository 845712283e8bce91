/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * ft-pcap-send IFACE FILE: send every frame of a pcap file out of a network
 * interface, in order, as fast as it takes them (live tests feed fintrack's
 * net_af_packet port through the other end of a veth pair). Exit 0 when all
 * were sent, 1 otherwise.
 */

#include <pcap/pcap.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const unsigned char *data;
	unsigned long sent = 0, failed = 0;
	pcap_t *in, *out;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: ft-pcap-send IFACE FILE\n");
		return 2;
	}
	in = pcap_open_offline(argv[2], err);
	if (in == NULL) {
		fprintf(stderr, "ft-pcap-send: %s: %s\n", argv[2], err);
		return 1;
	}
	out = pcap_open_live(argv[1], 65535, 0, 100, err);
	if (out == NULL) {
		fprintf(stderr, "ft-pcap-send: %s: %s\n", argv[1], err);
		pcap_close(in);
		return 1;
	}
	while ((ret = pcap_next_ex(in, &h, &data)) == 1) {
		if (pcap_inject(out, data, h->caplen) == (int)h->caplen)
			sent++;
		else
			failed++;
	}
	if (ret == PCAP_ERROR)
		fprintf(stderr, "ft-pcap-send: %s: %s\n", argv[2], pcap_geterr(in));
	printf("ft-pcap-send: %lu frames sent out of %s, %lu failed\n", sent, argv[1], failed);
	pcap_close(out);
	pcap_close(in);
	return failed == 0 && ret != PCAP_ERROR ? 0 : 1;
}
