/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <mntent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>

#include "ft_cfg.h"
#include "ft_engine.h"
#include "ft_live.h"
#include "ft_output.h"
#include "ft_replay.h"

#define REPLAY_MBUFS     1023
#define REPLAY_DATA_ROOM 4096

/*
 * EAL keeps its hugepage files (<prefix>map_N) after rte_eal_cleanup() so that
 * secondary processes such as dpdk-dumpcap can attach while we run. Once our
 * memory is released they serve nothing: remove ours from every hugetlbfs.
 */
static void
remove_hugepage_files(const char *prefix)
{
	struct mntent *m;
	FILE *mounts = setmntent("/proc/mounts", "r");
	size_t plen = strlen(prefix);

	if (mounts == NULL)
		return;
	while ((m = getmntent(mounts)) != NULL) {
		DIR *d;
		struct dirent *de;

		if (strcmp(m->mnt_type, "hugetlbfs") != 0 || (d = opendir(m->mnt_dir)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			char path[PATH_MAX];

			if (strncmp(de->d_name, prefix, plen) != 0 ||
					strncmp(de->d_name + plen, "map_", 4) != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", m->mnt_dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	endmntent(mounts);
}

static void
on_signal(int sig)
{
	if (sig == SIGINT || sig == SIGTERM)
		ft_force_quit = true;
}

/* Live mode: forward between ports until a signal. */
static int
run_live(const struct ft_app_cfg *cfg)
{
	struct sigaction sa;
	int ret, pdump;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* dpdk-dumpcap attaches as a secondary process; it needs hugepages. */
	pdump = rte_pdump_init();
	if (pdump != 0)
		fprintf(stderr, "fintrack: packet capture unavailable: %s\n",
				rte_strerror(rte_errno));
	ret = ft_live_run(cfg);
	if (pdump == 0)
		rte_pdump_uninit();
	return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
main(int argc, char **argv)
{
	struct ft_app_cfg cfg;
	struct ft_replay_info ri;
	struct rte_mempool *mp = NULL;
	struct ft_engine *e = NULL;
	FILE *events = NULL, *report = NULL;
	char prefix[PATH_MAX];
	int ret, status = EXIT_FAILURE;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "fintrack: EAL initialisation failed: %s\n",
				rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)(uintptr_t)"fintrack";

	ret = ft_cfg_parse(&cfg, argc, argv);
	if (ret != 0) {
		status = ret > 0 ? EXIT_SUCCESS : 2;
		goto out;
	}
	if (cfg.pcap == NULL) {
		status = run_live(&cfg);
		goto out;
	}
	cfg.engine.socket_id = (int)rte_socket_id();
	if (cfg.events != NULL) {
		events = ft_output_open("--events", cfg.events);
		if (events == NULL)
			goto out;
		cfg.engine.on_event = ft_output_event_json;
		cfg.engine.event_arg = events;
	}
	mp = rte_pktmbuf_pool_create("ft_replay", REPLAY_MBUFS, 0, 0,
			REPLAY_DATA_ROOM + RTE_PKTMBUF_HEADROOM, (int)rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "fintrack: cannot create the mbuf pool: %s\n",
				rte_strerror(rte_errno));
		goto out;
	}
	e = ft_engine_create(&cfg.engine);
	if (e == NULL) {
		fprintf(stderr, "fintrack: cannot create the engine for %u IPv4 + %u IPv6 flows: %s%s\n",
				cfg.engine.max_flows, cfg.engine.max_flows_v6, rte_strerror(rte_errno),
				rte_errno == ENOMEM ? " (give EAL more memory with -m, or lower "
						      "--max-flows)" : "");
		goto out;
	}
	if (ft_replay_run(&cfg, e, mp, &ri) != 0)
		goto out;
	if (ft_output_close("--events", cfg.events, events) != 0) {
		events = NULL;
		goto out;
	}
	events = NULL;
	if (cfg.report != NULL) {
		report = ft_output_open("--report", cfg.report);
		if (report == NULL || ft_output_report(report, &e, 1) != 0 ||
				ft_output_close("--report", cfg.report, report) != 0) {
			report = NULL;
			goto out;
		}
		report = NULL;
	}
	if (!cfg.quiet)
		ft_output_summary(stdout, &cfg, &e->stats, &ri);
	status = EXIT_SUCCESS;
out:
	if (events != NULL && events != stdout)
		fclose(events);
	if (report != NULL && report != stdout)
		fclose(report);
	ft_engine_free(e);
	rte_mempool_free(mp);
	snprintf(prefix, sizeof(prefix), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	remove_hugepage_files(basename(prefix));
	return status;
}
