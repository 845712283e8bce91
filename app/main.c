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
#include <rte_pdump.h>

#include "ft_cfg.h"
#include "ft_live.h"
#include "ft_replay.h"

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
	char prefix[PATH_MAX];
	int ret, status;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "fintrack: EAL initialisation failed: %s\n",
				rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)(uintptr_t) "fintrack";

	ret = ft_cfg_parse(&cfg, argc, argv);
	if (ret != 0)
		status = ret > 0 ? EXIT_SUCCESS : 2;
	else if (cfg.pcap == NULL)
		status = run_live(&cfg);
	else
		status = ft_replay_run(&cfg) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	snprintf(prefix, sizeof(prefix), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	remove_hugepage_files(basename(prefix));
	return status;
}
