/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

/*
 * fintrack's entry: split the command line into EAL's options and fintrack's,
 * say what to do when they are on the wrong side of "--", read the settings,
 * check what can be checked before EAL starts (the trace, the outputs, the
 * file prefix, the interfaces of virtual devices), start EAL (by itself, for
 * a replay given no EAL options), explain why EAL did not start, and run live
 * or replay mode.
 *
 * Exit status: 0 done; 1 fintrack could not run (a file, EAL, memory, a
 * device); 2 the command line or the config file is wrong.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <mntent.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_pdump.h>
#include <rte_version.h>

#include "ft_cfg.h"
#include "ft_live.h"
#include "ft_log.h"
#include "ft_output.h"
#include "ft_replay.h"

#ifndef FT_VERSION
#define FT_VERSION "unknown"
#endif
#ifndef FT_SYSCONFDIR
#define FT_SYSCONFDIR "/etc"
#endif

#define EXIT_RUN   1 /* fintrack could not run. */
#define EXIT_USAGE 2 /* The command line or the config file is wrong. */

#define PROG "fintrack"
/* Memory EAL itself takes besides the flow tables, in MB (replay without EAL options). */
#define EAL_BASE_MB 64
/* Most arguments fintrack gives EAL of its own. */
#define EAL_AUTO_ARGS 16

/* EAL's options in DPDK 22.11 (eal_common_options.c), to tell which side one belongs on. */
static const char *const eal_long[] = {
	"allow",
	"base-virtaddr",
	"block",
	"create-uio-dev",
	"file-prefix",
	"force-max-simd-bitwidth",
	"huge-dir",
	"huge-unlink",
	"huge-worker-stack",
	"in-memory",
	"iova-mode",
	"lcores",
	"legacy-mem",
	"log-level",
	"main-lcore",
	"match-allocations",
	"mbuf-pool-ops-name",
	"no-hpet",
	"no-huge",
	"no-pci",
	"no-shconf",
	"no-telemetry",
	"proc-type",
	"single-file-segments",
	"socket-limit",
	"socket-mem",
	"syslog",
	"telemetry",
	"trace",
	"trace-bufsz",
	"trace-dir",
	"trace-mode",
	"vdev",
	"vfio-intr",
	"vfio-vf-token",
	"vmware-tsc-map",
};
static const char eal_short[] = "abcdlmnrsSv";

/* The command line, split at "--". */
struct cmdline {
	int has_dashes;	 /* The user wrote "--": the DPDK form. */
	int eal_argc;	 /* EAL's arguments (argv[0] first). */
	char **eal_argv; /* NULL-terminated. */
	int app_argc;	 /* fintrack's arguments ("fintrack" first). */
	char **app_argv;
	int auto_eal;		    /* fintrack chose EAL's arguments (replay without them). */
	int nadded;		    /* Arguments fintrack added, kept here to be freed: */
	char *added[EAL_AUTO_ARGS]; /* EAL rearranges and overwrites its argv. */
	char prefix[64];	    /* The file prefix fintrack chose. */
};

static int
is_eal_long(const char *name)
{
	size_t len = strcspn(name, "=");
	unsigned int i;

	for (i = 0; i < RTE_DIM(eal_long); i++)
		if (strlen(eal_long[i]) == len && strncmp(eal_long[i], name, len) == 0)
			return 1;
	return 0;
}

/* The option an argument names ("--no-huge=x" -> "--no-huge", "-m512" -> "-m"). */
static void
option_name(const char *arg, char *buf, size_t len)
{
	if (arg[1] == '-')
		snprintf(buf, len, "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(buf, len, "%.2s", arg);
}

/*
 * fintrack's side: no EAL option may be there. Values of fintrack's options
 * are skipped, so that "--events -" or "--report -m" is not taken for EAL's.
 */
static int
check_app_side(const struct cmdline *cl)
{
	char opt[64];
	int i;

	for (i = 1; i < cl->app_argc; i++) {
		const char *a = cl->app_argv[i];
		int eal = 0;

		if (a[0] != '-' || a[1] == '\0')
			continue;
		if (a[1] == '-') {
			int takes = ft_cfg_option_arg(a + 2);

			if (takes == 1 && strchr(a, '=') == NULL)
				i++;
			eal = takes < 0 && is_eal_long(a + 2);
		} else {
			eal = strchr(eal_short, a[1]) != NULL;
		}
		if (!eal)
			continue;
		option_name(a, opt, sizeof(opt));
		if (cl->has_dashes)
			fprintf(stderr,
					"fintrack: %s is an EAL option: put it before \"--\" "
					"(fintrack [EAL options] -- [fintrack options])\n",
					opt);
		else
			fprintf(stderr,
					"fintrack: %s is an EAL option: EAL options go before \"--\", "
					"fintrack's after it, e.g. fintrack %s ... -- --pcap FILE; a "
					"replay needs none: fintrack --pcap FILE\n",
					opt, opt);
		return -EINVAL;
	}
	return 0;
}

/* EAL's side: none of fintrack's options may be there. */
static int
check_eal_side(const struct cmdline *cl)
{
	char opt[64];
	int i;

	for (i = 1; i < cl->eal_argc; i++) {
		const char *a = cl->eal_argv[i];

		if (a[0] != '-' || a[1] != '-' || is_eal_long(a + 2) ||
				ft_cfg_option_arg(a + 2) < 0)
			continue;
		option_name(a, opt, sizeof(opt));
		fprintf(stderr,
				"fintrack: %s is one of fintrack's options, not EAL's: put it after "
				"\"--\" (fintrack [EAL options] -- %s ...)\n",
				opt, opt);
		return -EINVAL;
	}
	return 0;
}

/* The value of EAL option name (long, without "--") given in the EAL arguments, or NULL. */
static const char *
eal_value(const struct cmdline *cl, const char *name)
{
	const char *v = NULL;
	size_t len = strlen(name);
	int i;

	for (i = 1; i < cl->eal_argc; i++) {
		const char *a = cl->eal_argv[i];

		if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, len) != 0)
			continue;
		if (a[2 + len] == '=')
			v = a + 3 + len;
		else if (a[2 + len] == '\0' && i + 1 < cl->eal_argc)
			v = cl->eal_argv[i + 1];
	}
	return v;
}

static int
eal_has(const struct cmdline *cl, const char *arg)
{
	int i;

	for (i = 1; i < cl->eal_argc; i++)
		if (strcmp(cl->eal_argv[i], arg) == 0)
			return 1;
	return 0;
}

/* Split argv at the first "--"; without one, every argument is fintrack's. */
static int
split(struct cmdline *cl, int argc, char **argv)
{
	int dd, i;

	memset(cl, 0, sizeof(*cl));
	for (dd = 1; dd < argc && strcmp(argv[dd], "--") != 0; dd++)
		;
	cl->has_dashes = dd < argc;
	if (!cl->has_dashes)
		dd = 0;
	/* Room for EAL's arguments and those fintrack may add, and a NULL. */
	cl->eal_argv = calloc((size_t)(dd + EAL_AUTO_ARGS + 2), sizeof(char *));
	cl->app_argv = calloc((size_t)(argc - dd + 2), sizeof(char *));
	if (cl->eal_argv == NULL || cl->app_argv == NULL)
		return -ENOMEM;
	cl->eal_argv[cl->eal_argc++] = (char *)(uintptr_t)PROG;
	for (i = 1; i < dd; i++)
		cl->eal_argv[cl->eal_argc++] = argv[i];
	cl->app_argv[cl->app_argc++] = (char *)(uintptr_t)PROG;
	for (i = cl->has_dashes ? dd + 1 : 1; i < argc; i++)
		cl->app_argv[cl->app_argc++] = argv[i];
	return 0;
}

static void
add_eal(struct cmdline *cl, const char *arg)
{
	if (cl->nadded == EAL_AUTO_ARGS)
		return;
	cl->added[cl->nadded] = strdup(arg);
	cl->eal_argv[cl->eal_argc++] = cl->added[cl->nadded++];
}

/* After rte_eal_cleanup(): EAL keeps copies of what it needs from its arguments. */
static void
cmdline_free(struct cmdline *cl)
{
	int i;

	for (i = 0; i < cl->nadded; i++)
		free(cl->added[i]);
	free(cl->eal_argv);
	free(cl->app_argv);
}

/*
 * A replay given no EAL options: no hugepages, no PCI, no shared files, no
 * telemetry, one lcore, memory sized to the flow tables, a file prefix of its
 * own, and EAL's start-up messages hidden unless --eal-verbose.
 */
static void
auto_eal_args(struct cmdline *cl, const struct ft_app_cfg *cfg)
{
	uint64_t mb = (ft_engine_mem_estimate(&cfg->engine) + (1u << 20) - 1) >> 20;
	char buf[128];
	cpu_set_t cpus;
	int cpu = 0;

	CPU_ZERO(&cpus);
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
		while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &cpus))
			cpu++;
	cl->auto_eal = 1;
	snprintf(cl->prefix, sizeof(cl->prefix), "fintrack-replay-%d", (int)getpid());
	add_eal(cl, "--no-huge");
	add_eal(cl, "--no-pci");
	add_eal(cl, "--no-shconf");
	add_eal(cl, "--no-telemetry");
	snprintf(buf, sizeof(buf), "-m%" PRIu64, mb + EAL_BASE_MB);
	add_eal(cl, buf);
	snprintf(buf, sizeof(buf), "-l%d", cpu);
	add_eal(cl, buf);
	snprintf(buf, sizeof(buf), "--file-prefix=%s", cl->prefix);
	add_eal(cl, buf);
	if (!cfg->eal_verbose) {
		add_eal(cl, "--log-level=lib.eal:error");
		add_eal(cl, "--log-level=lib.telemetry:error");
	}
}

/* Whether EAL's arguments say how much memory to take (-m, --socket-mem). */
static int
eal_gives_memory(const struct cmdline *cl)
{
	int i;

	for (i = 1; i < cl->eal_argc; i++)
		if (strncmp(cl->eal_argv[i], "-m", 2) == 0 ||
				strncmp(cl->eal_argv[i], "--socket-mem", 12) == 0)
			return 1;
	return 0;
}

/*
 * --no-huge without -m: EAL would take 64 MB, too little for the default
 * tables. Take what they need, as a replay without EAL options does.
 */
static void
size_memory(struct cmdline *cl, const struct ft_app_cfg *cfg)
{
	uint64_t mb = (ft_engine_mem_estimate(&cfg->engine) + (1u << 20) - 1) >> 20;
	char buf[32];

	/* Live mode: every worker has its tables, and the mbufs come on top. */
	if (cfg->pcap == NULL)
		return;
	snprintf(buf, sizeof(buf), "-m%" PRIu64, mb + EAL_BASE_MB);
	add_eal(cl, buf);
}

/* The directory EAL keeps the files of file prefix p in (as eal_create_runtime_dir()). */
static void
runtime_dir(const char *p, char *buf, size_t len)
{
	const char *dir = "/var/run";

	if (getuid() != 0) {
		dir = getenv("XDG_RUNTIME_DIR");
		if (dir == NULL)
			dir = "/tmp";
	}
	snprintf(buf, len, "%s/dpdk/%s", dir, p);
}

/* The process holding the lock of file prefix p's config file (a primary process), or 0. */
static pid_t
prefix_holder(const char *p)
{
	char path[PATH_MAX + 16];
	struct flock lk;
	int fd;

	runtime_dir(p, path, PATH_MAX);
	strcat(path, "/config");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	memset(&lk, 0, sizeof(lk));
	lk.l_type = F_WRLCK;
	lk.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &lk) != 0 || lk.l_type == F_UNLCK)
		lk.l_pid = 0;
	close(fd);
	return lk.l_pid;
}

static const char *
file_prefix(const struct cmdline *cl)
{
	const char *p = eal_value(cl, "file-prefix");

	return p != NULL ? p : "rte";
}

/* A file prefix another primary process holds. */
static int
check_prefix(const struct cmdline *cl)
{
	const char *type = eal_value(cl, "proc-type");
	const char *p = file_prefix(cl);
	pid_t pid;

	if (eal_has(cl, "--no-shconf") || eal_has(cl, "--in-memory") ||
			(type != NULL && strcmp(type, "primary") != 0))
		return 0;
	pid = prefix_holder(p);
	if (pid == 0)
		return 0;
	fprintf(stderr,
			"fintrack: the EAL file prefix '%s' is in use by process %d (another DPDK "
			"program): give this one its own with --file-prefix NAME before \"--\", or "
			"stop process %d\n",
			p, (int)pid, (int)pid);
	return -EBUSY;
}

/* Value of key (e.g. "iface") in a --vdev argument "driver,key=value,...", into buf. */
static int
vdev_arg(const char *vdev, const char *key, char *buf, size_t len)
{
	const char *p = strchr(vdev, ',');
	size_t klen = strlen(key);

	while (p != NULL) {
		p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			snprintf(buf, len, "%.*s", (int)strcspn(p + klen + 1, ","), p + klen + 1);
			return 1;
		}
		p = strchr(p, ',');
	}
	return 0;
}

/* The network interfaces and files virtual devices name must exist. */
static int
check_vdevs(const struct cmdline *cl)
{
	int i;

	for (i = 1; i < cl->eal_argc; i++) {
		const char *a = cl->eal_argv[i], *v = NULL;
		char val[PATH_MAX];

		if (strcmp(a, "--vdev") == 0 && i + 1 < cl->eal_argc)
			v = cl->eal_argv[i + 1];
		else if (strncmp(a, "--vdev=", 7) == 0)
			v = a + 7;
		if (v == NULL)
			continue;
		if ((strncmp(v, "net_af_packet", 13) == 0 || strncmp(v, "eth_af_packet", 13) == 0 ||
				    strncmp(v, "net_pcap", 8) == 0 ||
				    strncmp(v, "eth_pcap", 8) == 0) &&
				vdev_arg(v, "iface", val, sizeof(val)) &&
				if_nametoindex(val) == 0) {
			fprintf(stderr,
					"fintrack: --vdev %s: there is no network interface '%s' "
					"here ('ip link' lists them; for an interface in another "
					"network namespace, run fintrack in it: ip netns exec NS "
					"fintrack ...)\n",
					v, val);
			return -ENODEV;
		}
		if ((strncmp(v, "net_pcap", 8) == 0 || strncmp(v, "eth_pcap", 8) == 0) &&
				vdev_arg(v, "rx_pcap", val, sizeof(val)) &&
				access(val, R_OK) != 0) {
			fprintf(stderr, "fintrack: --vdev %s: cannot read rx_pcap %s: %s\n", v, val,
					strerror(errno));
			return -ENOENT;
		}
	}
	return 0;
}

/* Every --vdev became a port (a driver that failed said why, but EAL goes on). */
static int
check_vdevs_started(const struct cmdline *cl)
{
	int i;

	for (i = 1; i < cl->eal_argc; i++) {
		const char *a = cl->eal_argv[i], *v = NULL;
		char name[RTE_ETH_NAME_MAX_LEN];
		uint16_t port;

		if (strcmp(a, "--vdev") == 0 && i + 1 < cl->eal_argc)
			v = cl->eal_argv[i + 1];
		else if (strncmp(a, "--vdev=", 7) == 0)
			v = a + 7;
		if (v == NULL || strncmp(v, "net_", 4) != 0)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(v, ","), v);
		if (rte_eth_dev_get_port_by_name(name, &port) != 0) {
			fprintf(stderr,
					"fintrack: --vdev %s did not start (its driver says why "
					"above): check its arguments\n",
					v);
			return -ENODEV;
		}
	}
	return 0;
}

/* Free 2 MB and 1 GB hugepages in MB, and whether hugetlbfs is mounted. */
static uint64_t
hugepages_free_mb(int *mounted)
{
	static const struct {
		const char *dir;
		uint64_t mb;
	} sizes[] = {
		{ "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", 2 },
		{ "/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", 1024 },
	};
	struct mntent *m;
	uint64_t mb = 0;
	unsigned int i;
	FILE *f;

	for (i = 0; i < RTE_DIM(sizes); i++) {
		unsigned long n;

		f = fopen(sizes[i].dir, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%lu", &n) == 1)
			mb += n * sizes[i].mb;
		fclose(f);
	}
	*mounted = 0;
	f = setmntent("/proc/mounts", "r");
	if (f != NULL) {
		while ((m = getmntent(f)) != NULL)
			*mounted |= strcmp(m->mnt_type, "hugetlbfs") == 0;
		endmntent(f);
	}
	return mb;
}

/* Why EAL did not start, and what to do; returns the exit status. */
static int
explain_eal_failure(const struct cmdline *cl, const struct ft_app_cfg *cfg, int err)
{
	int mounted, no_huge = eal_has(cl, "--no-huge");
	uint64_t free_mb = hugepages_free_mb(&mounted);
	pid_t pid = prefix_holder(file_prefix(cl));

	if (pid != 0 && !eal_has(cl, "--no-shconf") && !eal_has(cl, "--in-memory")) {
		fprintf(stderr,
				"fintrack: the EAL file prefix '%s' is in use by process %d: give "
				"this fintrack its own with --file-prefix NAME before \"--\"\n",
				file_prefix(cl), (int)pid);
		return EXIT_RUN;
	}
	switch (err) {
	case EACCES:
		fprintf(stderr,
				"fintrack: EAL found no hugepages to use (%" PRIu64
				" MB free, hugetlbfs %s).\n"
				"  Reserve some: scripts/hugepages.sh 1024 (as root), or "
				"dpdk-hugepages.py --setup 2G; for the service, NR_2M_PAGES in "
				"/etc/dpdk/dpdk.conf and dpdk.service.\n"
				"  Or run without them: add --no-huge -m MB before \"--\"%s.\n",
				free_mb, mounted ? "mounted" : "not mounted",
				cfg->pcap != NULL ? " (a replay needs no EAL options at all: "
						    "fintrack --pcap FILE)" :
						    "");
		return EXIT_RUN;
	case ENOMEM:
		if (no_huge)
			fprintf(stderr,
					"fintrack: EAL could not take the memory -m asks for from "
					"ordinary memory: ask for less (-m MB before \"--\")\n");
		else
			fprintf(stderr,
					"fintrack: EAL could not reserve the memory -m or "
					"--socket-mem asks for: %" PRIu64
					" MB of hugepages are free. Ask for less, or reserve more "
					"(scripts/hugepages.sh PAGES; a page is 2 MB)\n",
					free_mb);
		return EXIT_RUN;
	case EINVAL:
		fprintf(stderr,
				"fintrack: EAL did not accept its options (its message is above); "
				"EAL's options: fintrack -h --\n");
		return EXIT_USAGE;
	default:
		fprintf(stderr, "fintrack: EAL could not start (%s; its messages are above%s)\n",
				err != 0 ? rte_strerror(err) : "no reason given",
				cl->auto_eal && !cfg->eal_verbose ?
						", all of them with --eal-verbose" :
						"");
		return EXIT_RUN;
	}
}

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
	else if (sig == SIGHUP)
		ft_reload = true;
}

/* Live mode: forward between ports until a signal. */
static int
run_live(struct ft_app_cfg *cfg, const struct cmdline *cl)
{
	int ret, pdump;

	if (check_vdevs_started(cl) != 0)
		return EXIT_RUN;
	/* dpdk-dumpcap attaches as a secondary process; it needs hugepages. */
	pdump = rte_pdump_init();
	if (pdump != 0)
		fprintf(stderr, "fintrack: packet capture unavailable: %s\n",
				rte_strerror(rte_errno));
	ret = ft_live_run(cfg, cl->app_argc, cl->app_argv);
	if (pdump == 0)
		rte_pdump_uninit();
	return ret == 0 ? EXIT_SUCCESS : EXIT_RUN;
}

/* Everything after the command line is split; returns the exit status. */
static int
fintrack(struct cmdline *cl, struct sigaction *sa)
{
	struct ft_app_cfg cfg;
	char rundir[PATH_MAX];
	int ret, status;

	if (check_app_side(cl) != 0 || check_eal_side(cl) != 0)
		return EXIT_USAGE;
	ft_cfg_default_config = FT_SYSCONFDIR "/fintrack/fintrack.ini";
	ret = ft_cfg_parse(&cfg, cl->app_argc, cl->app_argv);
	if (ret == FT_CFG_HELP)
		return EXIT_SUCCESS;
	if (ret == FT_CFG_VERSION) {
		printf("fintrack %s\n%s\n", FT_VERSION, rte_version());
		return EXIT_SUCCESS;
	}
	if (ret != 0 || (cfg.pcap == NULL && ft_cfg_check_live(&cfg) != 0))
		return EXIT_USAGE;
	/* Live mode stops cleanly on SIGINT or SIGTERM, even while it starts. */
	if (cfg.pcap == NULL) {
		sigaction(SIGINT, sa, NULL);
		sigaction(SIGTERM, sa, NULL);
	}

	/* What can fail before EAL starts fails now, not after a whole replay. */
	if (cfg.pcap != NULL && strcmp(cfg.pcap, "-") != 0 && access(cfg.pcap, R_OK) != 0) {
		fprintf(stderr, "fintrack: --pcap %s: %s\n", cfg.pcap, strerror(errno));
		return EXIT_RUN;
	}
	if (ft_output_check_writable("--report", cfg.report) != 0 ||
			ft_output_check_writable("--events", cfg.events) != 0)
		return EXIT_RUN;
	if (!eal_has(cl, "-h") && !eal_has(cl, "--help") &&
			(check_prefix(cl) != 0 || check_vdevs(cl) != 0))
		return EXIT_RUN;
	if (!cl->has_dashes && cfg.pcap != NULL)
		auto_eal_args(cl, &cfg);
	else if (eal_has(cl, "--no-huge") && !eal_gives_memory(cl))
		size_memory(cl, &cfg);

	ret = rte_eal_init(cl->eal_argc, cl->eal_argv);
	if (ret < 0)
		return explain_eal_failure(cl, &cfg, rte_errno);

	if (cfg.pcap == NULL)
		status = run_live(&cfg, cl);
	else
		status = ft_replay_run(&cfg) == 0 ? EXIT_SUCCESS : EXIT_RUN;
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	/* A prefix fintrack made up for itself leaves nothing behind (--no-shconf: no files). */
	if (cl->auto_eal)
		rmdir(rundir);
	remove_hugepage_files(basename(rundir));
	return status;
}

int
main(int argc, char **argv)
{
	struct cmdline cl;
	struct sigaction sa;
	int status;

	ft_log_open();
	/* SIGHUP never kills fintrack: live mode reloads on it, a replay goes on. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGHUP, &sa, NULL);

	if (split(&cl, argc, argv) != 0) {
		fprintf(stderr, "fintrack: out of memory\n");
		status = EXIT_RUN;
	} else {
		status = fintrack(&cl, &sa);
	}
	cmdline_free(&cl);
	return status;
}
