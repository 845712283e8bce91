/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The fintrack authors
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <numa.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

#include "ft_common.h"
#include "ft_ipfix.h"
#include "ft_live.h"
#include "ft_metrics.h"
#include "ft_output.h"
#include "ft_telemetry.h"

RTE_LOG_REGISTER(ft_logtype_live, ft.live, INFO);
#define LOG(level, ...) rte_log(RTE_LOG_##level, ft_logtype_live, "fintrack: " __VA_ARGS__)

#define STEER_RING_SIZE 16384
/* Largest frame linearised to be parsed (the engine linearises as much). */
#define STEER_SCRATCH	  16384
#define EVENT_RING_SIZE	  65536
#define CONTROL_PERIOD_US 10000
#define MBUF_CACHE	  256

volatile bool ft_force_quit;
volatile bool ft_reload;

/*
 * A Toeplitz key made of one repeated 16-bit pattern gives the same hash for
 * (src, dst) and (dst, src): both directions of a connection land on the same
 * queue (Woo and Park, "Scalable TCP Session Monitoring with Symmetric
 * Receive-side Scaling").
 */
static void
symmetric_key(uint8_t *key, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		key[i] = (i & 1) ? 0x5a : 0x6d;
}

/*
 * TSC to nanoseconds as a multiply by ns_mult (nanoseconds per TSC cycle in
 * 24.40 fixed point) and a shift: no division on the data path. The
 * truncated multiplier is off by less than 2^-40 / 0.4 of a nanosecond a
 * cycle, under 0.1 ms a year.
 */
#define TSC_NS_SHIFT 40

static inline uint64_t
tsc_to_ns(const struct ft_live *live, uint64_t tsc)
{
	uint64_t d = tsc - live->tsc0;

	return live->epoch_ns + (uint64_t)(((unsigned __int128)d * live->ns_mult) >> TSC_NS_SHIFT);
}

uint64_t
ft_live_now_ns(const struct ft_live *live)
{
	return tsc_to_ns(live, rte_rdtsc());
}

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * FT_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------------------
 * Set-up
 */

static int
plan_pairs(struct ft_live *live)
{
	const struct ft_app_cfg *cfg = live->cfg;
	uint16_t avail = rte_eth_dev_count_avail();
	uint16_t ids[RTE_MAX_ETHPORTS], n = 0, p;
	uint8_t seen[RTE_MAX_ETHPORTS] = { 0 };
	unsigned int i, k;

	RTE_ETH_FOREACH_DEV(p)
		ids[n++] = p;
	if (cfg->npairs == 0) {
		if (avail < 2 || avail % 2 != 0) {
			fprintf(stderr,
					"fintrack: live mode pairs ports 0:1, 2:3, ...: %u port%s "
					"found; give an even number (e.g. --vdev net_null0 --vdev "
					"net_null1) or --pairs\n",
					avail, avail == 1 ? "" : "s");
			return -EINVAL;
		}
		for (i = 0; i + 1 < n; i += 2) {
			live->peer[ids[i]] = ids[i + 1];
			live->peer[ids[i + 1]] = ids[i];
			live->ports[live->nports++] = ids[i];
			live->ports[live->nports++] = ids[i + 1];
		}
		live->ndata = live->nports;
		return 0;
	}
	for (i = 0; i < cfg->npairs; i++)
		for (k = 0; k < 2; k++) {
			p = cfg->pairs[i][k];
			if (!rte_eth_dev_is_valid_port(p)) {
				fprintf(stderr,
						"fintrack: --pairs: port %u does not exist (%u "
						"port%s found)\n",
						p, avail, avail == 1 ? "" : "s");
				return -EINVAL;
			}
			if (seen[p]) {
				fprintf(stderr, "fintrack: --pairs: port %u is in two pairs\n", p);
				return -EINVAL;
			}
			seen[p] = 1;
			live->peer[p] = cfg->pairs[i][!k];
			live->ports[live->nports++] = p;
		}
	live->ndata = live->nports;
	return 0;
}

/*
 * gwlb mode: the exception port of data port p, the i-th: a net_tap port
 * whose kernel interface carries p's MAC address, so that what the kernel
 * answers (ARP, the health checks) names the address the load balancer
 * sends to.
 */
static int
exception_create(struct ft_live *live, unsigned int i, uint16_t p)
{
	const struct ft_app_cfg *cfg = live->cfg;
	char name[RTE_DEV_NAME_MAX_LEN], args[128], iface[64];
	struct rte_ether_addr mac;
	uint16_t x;
	int ret;

	if (i == 0)
		snprintf(iface, sizeof(iface), "%s", cfg->exception_iface);
	else
		snprintf(iface, sizeof(iface), "%s-%u", cfg->exception_iface, i);
	if (strlen(iface) >= IF_NAMESIZE) {
		fprintf(stderr,
				"fintrack: the exception interface of data port %u would be %s, longer "
				"than %u characters: give --exception-iface a shorter name\n",
				p, iface, IF_NAMESIZE - 1);
		return -EINVAL;
	}
	if (if_nametoindex(iface) != 0) {
		fprintf(stderr,
				"fintrack: the exception interface %s exists already in this network "
				"namespace (ip link show %s): name another with --exception-iface "
				"NAME, or remove it\n",
				iface, iface);
		return -EEXIST;
	}
	ret = rte_eth_macaddr_get(p, &mac);
	if (ret != 0) {
		fprintf(stderr, "fintrack: port %u: no MAC address: %s\n", p, rte_strerror(-ret));
		return ret;
	}
	snprintf(name, sizeof(name), "net_tap_ft%u", p);
	snprintf(args, sizeof(args), "iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT, iface,
			RTE_ETHER_ADDR_BYTES(&mac));
	ret = rte_vdev_init(name, args);
	if (ret == 0)
		ret = rte_eth_dev_get_port_by_name(name, &x);
	if (ret != 0) {
		fprintf(stderr,
				"fintrack: cannot create the exception port %s (--vdev %s,%s): %s; it "
				"needs /dev/net/tun and CAP_NET_ADMIN (or --exception off)\n",
				name, name, args, rte_strerror(ret < 0 ? -ret : ret));
		return ret < 0 ? ret : -ret;
	}
	live->is_exception[x] = 1;
	snprintf(live->exception_iface[x], sizeof(live->exception_iface[x]), "%s", iface);
	live->exception[p] = x;
	live->peer[x] = p;
	live->ports[live->nports++] = x;
	LOG(INFO,
			"port %u: exception port %u, kernel interface %s (MAC " RTE_ETHER_ADDR_PRT_FMT
			"): give it %s\n",
			p, x, iface, RTE_ETHER_ADDR_BYTES(&mac), cfg->gwlb_addr);
	return 0;
}

/*
 * gwlb mode: every data port is one-arm (its packets go back out of it);
 * each gets its exception port unless --exception off.
 */
static int
plan_gwlb(struct ft_live *live)
{
	const struct ft_app_cfg *cfg = live->cfg;
	uint16_t avail = rte_eth_dev_count_avail(), p;
	unsigned int i;
	int ret;

	live->gwlb = 1;
	if (inet_pton(AF_INET, cfg->gwlb_addr, live->gwlb_addr) != 1) {
		fprintf(stderr, "fintrack: --gwlb-addr %s is not an IPv4 address\n",
				cfg->gwlb_addr);
		return -EINVAL;
	}
	if (cfg->ngwlb_ports == 0) {
		RTE_ETH_FOREACH_DEV(p) {
			if (live->nports == FT_MAX_GWLB_PORTS) {
				LOG(WARNING,
						"port %u and those after it are not used: gwlb mode takes "
						"%u data ports at most\n",
						p, FT_MAX_GWLB_PORTS);
				break;
			}
			live->ports[live->nports++] = p;
		}
	}
	for (i = 0; i < cfg->ngwlb_ports; i++) {
		p = cfg->gwlb_ports[i];
		if (!rte_eth_dev_is_valid_port(p)) {
			fprintf(stderr, "fintrack: --ports: port %u does not exist (%u port%s found)\n",
					p, avail, avail == 1 ? "" : "s");
			return -EINVAL;
		}
		live->ports[live->nports++] = p;
	}
	if (live->nports == 0) {
		fprintf(stderr,
				"fintrack: --mode gwlb needs a data port: give EAL one (e.g. --vdev "
				"net_af_packet0,iface=eth1, or a NIC's PCI address)\n");
		return -EINVAL;
	}
	live->ndata = live->nports;
	for (i = 0; i < live->ndata; i++) {
		p = live->ports[i];
		live->peer[p] = p;
		live->exception[p] = UINT16_MAX;
	}
	if (live->ndata < avail)
		LOG(INFO, "%u of the %u ports are data ports (--ports); the others are not used\n",
				live->ndata, avail);
	for (i = 0; i < live->ndata && cfg->exception; i++) {
		ret = exception_create(live, i, live->ports[i]);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* Bytes a port's frames add to its MTU, as ethdev counts them. */
static uint32_t
frame_overhead(const struct rte_eth_dev_info *info)
{
	if (info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu)
		return info->max_rx_pktlen - info->max_mtu;
	return RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
}

/*
 * --max-frame: every data port must take the frame. Up to an mbuf's data room
 * (2 KB) only the MTU changes; above it, scattered RX with multi-segment TX
 * where every port offers both, else mbufs as large as the frame.
 */
static int
plan_frames(struct ft_live *live)
{
	const struct ft_app_cfg *cfg = live->cfg;
	uint32_t frame = cfg->max_frame;
	unsigned int i;
	int lacking = -1;

	live->mbuf_room = RTE_MBUF_DEFAULT_BUF_SIZE;
	if (frame == FT_CFG_STD_FRAME)
		return 0;
	for (i = 0; i < live->nports; i++) {
		struct rte_eth_dev_info info;
		uint16_t p = live->ports[i];
		int ret = rte_eth_dev_info_get(p, &info);

		if (ret != 0) {
			fprintf(stderr, "fintrack: port %u: no device info: %s\n", p,
					rte_strerror(-ret));
			return ret;
		}
		if (!live->is_exception[p] &&
				(frame > info.max_rx_pktlen ||
						frame - frame_overhead(&info) > info.max_mtu)) {
			fprintf(stderr,
					"fintrack: --max-frame %u: port %u (%s) takes frames of at most "
					"%u bytes (MTU %u): lower --max-frame\n",
					frame, p, info.driver_name, info.max_rx_pktlen,
					RTE_MIN(info.max_mtu,
							info.max_rx_pktlen -
									frame_overhead(&info)));
			return -EINVAL;
		}
		if (lacking < 0 &&
				(!(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) ||
						!(info.tx_offload_capa &
								RTE_ETH_TX_OFFLOAD_MULTI_SEGS)))
			lacking = p;
	}
	if (frame <= RTE_MBUF_DEFAULT_DATAROOM) {
		LOG(INFO, "frames up to %u bytes: MTU %u\n", frame,
				frame - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN);
		return 0;
	}
	if (lacking < 0) {
		live->scatter = 1;
		LOG(INFO, "frames up to %u bytes: scattered RX and multi-segment TX on every port\n",
				frame);
		return 0;
	}
	live->mbuf_room = RTE_PKTMBUF_HEADROOM + RTE_ALIGN_CEIL(frame, RTE_CACHE_LINE_SIZE);
	LOG(INFO,
			"frames up to %u bytes: port %u has no scattered RX or multi-segment TX, so "
			"each mbuf holds a whole frame (%u bytes; %u MB for --mbufs %u)\n",
			frame, (unsigned int)lacking, live->mbuf_room,
			(unsigned int)((uint64_t)live->mbuf_room * cfg->mbufs >> 20), cfg->mbufs);
	return 0;
}

static struct rte_mempool *
pool_for(struct ft_live *live, int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int s = socket < 0 ? 0 : (unsigned int)socket;

	if (live->pool[s] != NULL)
		return live->pool[s];
	snprintf(name, sizeof(name), "ft_mbuf_s%u", s);
	live->pool[s] = rte_pktmbuf_pool_create(name, live->cfg->mbufs, MBUF_CACHE, 0,
			(uint16_t)live->mbuf_room, (int)s);
	if (live->pool[s] == NULL)
		fprintf(stderr,
				"fintrack: cannot create %u mbufs on socket %u: %s (lower "
				"--mbufs or give EAL more memory)\n",
				live->cfg->mbufs, s, rte_strerror(rte_errno));
	return live->pool[s];
}

/* RSS with a symmetric key if every port offers a TCP hash over enough queues. */
static void
choose_steering(struct ft_live *live)
{
	unsigned int i;

	live->steering = FT_STEER_RSS;
	if (live->nworkers == 1)
		return;
	/* Exception ports carry no tracked packet: only the data ports matter. */
	for (i = 0; i < live->ndata; i++) {
		struct rte_eth_dev_info info;
		uint16_t p = live->ports[i];

		if (rte_eth_dev_info_get(p, &info) != 0 ||
				!(info.flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_TCP) ||
				info.max_rx_queues < live->nworkers || info.hash_key_size == 0) {
			live->steering = FT_STEER_SOFTWARE;
			LOG(INFO,
					"port %u (%s) has no symmetric RSS for %u queues: steering by a "
					"symmetric hash in software\n",
					p, info.driver_name, live->nworkers);
			return;
		}
	}
	/* RSS sees the outer header of a tunnelled packet: the inner flow picks its worker. */
	if (live->cfg->engine.pkt.tun_depth != 0)
		live->steering = FT_STEER_RSS_INNER;
}

static int
port_setup(struct ft_live *live, uint16_t p)
{
	const struct ft_app_cfg *cfg = live->cfg;
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint8_t key[128];
	uint16_t nrxd = cfg->rx_desc, ntxd = cfg->tx_desc, q;
	int socket = rte_eth_dev_socket_id(p);
	int ret;
	unsigned int w;

	ret = rte_eth_dev_info_get(p, &info);
	if (ret != 0) {
		fprintf(stderr, "fintrack: port %u: no device info: %s\n", p, rte_strerror(-ret));
		return ret;
	}
	memset(&conf, 0, sizeof(conf));
	live->nrxq[p] = (uint16_t)RTE_MIN(live->nworkers, info.max_rx_queues);
	live->ntxq[p] = (uint16_t)RTE_MIN(live->nworkers, info.max_tx_queues);
	if (live->nrxq[p] == 0 || live->ntxq[p] == 0) {
		fprintf(stderr, "fintrack: port %u (%s) has no RX or TX queue\n", p,
				info.driver_name);
		return -ENOTSUP;
	}
	if (live->steering != FT_STEER_SOFTWARE && live->nrxq[p] > 1 && !live->is_exception[p]) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		symmetric_key(key, RTE_MIN(info.hash_key_size, (uint8_t)sizeof(key)));
		conf.rx_adv_conf.rss_conf.rss_key = key;
		conf.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size;
		conf.rx_adv_conf.rss_conf.rss_hf =
				info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP);
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	if (cfg->max_frame != FT_CFG_STD_FRAME) {
		/* plan_frames() checked the data ports; an exception port takes what it can. */
		uint32_t over = frame_overhead(&info);
		uint32_t frame = RTE_MIN(cfg->max_frame, info.max_rx_pktlen);

		conf.rxmode.mtu = RTE_MIN(frame - over, (uint32_t)info.max_mtu);
		if (live->scatter)
			conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
			conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	}
	ret = rte_eth_dev_configure(p, live->nrxq[p], live->ntxq[p], &conf);
	if (ret == 0)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(p, &nrxd, &ntxd);
	if (ret != 0) {
		fprintf(stderr,
				"fintrack: port %u (%s): cannot configure %u RX / %u TX queues: "
				"%s\n",
				p, info.driver_name, live->nrxq[p], live->ntxq[p],
				rte_strerror(-ret));
		return ret;
	}
	for (q = 0; q < live->nrxq[p]; q++) {
		/* RX queue q is polled by worker q: its memory goes on that worker's node. */
		int qsock = (int)rte_lcore_to_socket_id(live->workers[q]->lcore);
		struct rte_mempool *mp = pool_for(live, qsock);

		if (mp == NULL)
			return -ENOMEM;
		ret = rte_eth_rx_queue_setup(p, q, nrxd, (unsigned int)qsock, NULL, mp);
		if (ret != 0) {
			fprintf(stderr, "fintrack: port %u RX queue %u: %s\n", p, q,
					rte_strerror(-ret));
			return ret;
		}
	}
	for (q = 0; q < live->ntxq[p]; q++) {
		int qsock = (int)rte_lcore_to_socket_id(live->workers[q]->lcore);

		ret = rte_eth_tx_queue_setup(p, q, ntxd, (unsigned int)qsock, NULL);
		if (ret != 0) {
			fprintf(stderr, "fintrack: port %u TX queue %u: %s\n", p, q,
					rte_strerror(-ret));
			return ret;
		}
	}
	live->tx_shared[p] = live->ntxq[p] < live->nworkers;
	rte_spinlock_init(&live->txlock[p]);
	for (w = 0; w < live->nworkers; w++) {
		struct ft_worker_port *wp = &live->workers[w]->port[p];
		int wsock = (int)rte_lcore_to_socket_id(live->workers[w]->lcore);

		wp->rxq = w < live->nrxq[p] ? (uint16_t)w : UINT16_MAX;
		wp->txq = (uint16_t)(w % live->ntxq[p]);
		if (socket >= 0 && wsock != socket)
			LOG(WARNING,
					"port %u is on NUMA node %d but worker lcore %u is on node %d: "
					"packets cross the interconnect\n",
					p, socket, live->workers[w]->lcore, wsock);
	}
	ret = rte_eth_promiscuous_enable(p);
	if (ret != 0 && ret != -ENOTSUP)
		LOG(WARNING, "port %u: promiscuous mode: %s\n", p, rte_strerror(-ret));
	ret = rte_eth_dev_start(p);
	if (ret != 0) {
		fprintf(stderr, "fintrack: port %u: cannot start: %s\n", p, rte_strerror(-ret));
		return ret;
	}
	live->started[p] = 1;
	if (!live->gwlb)
		LOG(INFO, "port %u (%s): %u RX / %u TX queue%s%s, forwarding to port %u\n", p,
				info.driver_name, live->nrxq[p], live->ntxq[p],
				live->ntxq[p] == 1 ? "" : "s",
				live->tx_shared[p] ? " (TX queues shared by workers)" : "",
				live->peer[p]);
	else if (live->is_exception[p])
		LOG(INFO,
				"port %u (%s): exception port of port %u (kernel interface %s), %u RX "
				"/ %u TX queue%s%s\n",
				p, info.driver_name, live->peer[p], live->exception_iface[p],
				live->nrxq[p], live->ntxq[p], live->ntxq[p] == 1 ? "" : "s",
				live->tx_shared[p] ? " (TX queues shared by workers)" : "");
	else
		LOG(INFO,
				"port %u (%s): one-arm, %u RX / %u TX queue%s%s: GENEVE to %s goes "
				"back out of it\n",
				p, info.driver_name, live->nrxq[p], live->ntxq[p],
				live->ntxq[p] == 1 ? "" : "s",
				live->tx_shared[p] ? " (TX queues shared by workers)" : "",
				cfg->gwlb_addr);
	return 0;
}

/* Wait up to 3 s for every link; a port whose link stays down forwards nothing. */
static void
check_links(const struct ft_live *live)
{
	unsigned int i, tries;

	for (i = 0; i < live->nports; i++) {
		struct rte_eth_link link;
		uint16_t p = live->ports[i];

		memset(&link, 0, sizeof(link));
		for (tries = 0; tries < 30 && !ft_force_quit; tries++) {
			if (rte_eth_link_get_nowait(p, &link) == 0 &&
					link.link_status == RTE_ETH_LINK_UP)
				break;
			rte_delay_ms(100);
		}
		if (link.link_status == RTE_ETH_LINK_UP)
			LOG(INFO, "port %u: link up, %u Mbps\n", p, link.link_speed);
		else
			LOG(WARNING,
					"port %u: link down after 3 s; it forwards nothing until it comes "
					"up (memif: both ends need the same queue count)\n",
					p);
	}
}

static void
worker_event(void *arg, const struct ft_event *ev)
{
	struct ft_worker *w = arg;
	struct ft_event copy = *ev;

	if (rte_ring_enqueue_elem(w->event_ring, &copy, sizeof(copy)) != 0)
		w->events_dropped++;
}

static int
workers_create(struct ft_live *live)
{
	const struct ft_app_cfg *cfg = live->cfg;
	unsigned int lcore, n = 0, p;

	live->ctx_map = ft_ctx_map_create("ft_ctx", cfg->engine.max_contexts, (int)rte_socket_id());
	if (live->ctx_map == NULL) {
		fprintf(stderr, "fintrack: cannot create the tenant context map (%u contexts): %s\n",
				cfg->engine.max_contexts, rte_strerror(rte_errno));
		return -rte_errno;
	}
	ft_ipfix_set_ctx_map(live->ipfix, live->ctx_map);
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct ft_worker *w;

		if (cfg->workers != 0 && n == cfg->workers)
			break;
		struct ft_engine_conf ec = cfg->engine;
		char name[RTE_RING_NAMESIZE];
		int socket = (int)rte_lcore_to_socket_id(lcore);

		w = rte_zmalloc_socket("ft_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
		if (w == NULL)
			return -ENOMEM;
		live->workers[n] = w;
		w->lcore = lcore;
		w->index = n;
		snprintf(name, sizeof(name), "ft_steer_%u", lcore);
		w->steer_ring = rte_ring_create_elem(name, sizeof(struct ft_steered),
				STEER_RING_SIZE, socket, RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "ft_steer_m_%u", lcore);
		w->steer_ring_m = rte_ring_create(name, STEER_RING_SIZE, socket, RING_F_SC_DEQ);
		w->scratch = rte_malloc_socket("ft_steer_scratch", STEER_SCRATCH, 0, socket);
		if (w->steer_ring == NULL || w->steer_ring_m == NULL || w->scratch == NULL)
			return w->scratch == NULL ? -ENOMEM : -rte_errno;
		if (cfg->events != NULL || cfg->ipfix_port != 0) {
			snprintf(name, sizeof(name), "ft_events_%u", lcore);
			w->event_ring = rte_ring_create_elem(name, sizeof(struct ft_event),
					EVENT_RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (w->event_ring == NULL)
				return -rte_errno;
			ec.on_event = worker_event;
			ec.event_arg = w;
			/* Without --events only the flow ends travel (for the IPFIX export). */
			ec.state_events = cfg->events != NULL;
		}
		snprintf(name, sizeof(name), "ftw%u", lcore);
		ec.name = name;
		ec.socket_id = socket;
		/* One context map for all: steering puts the context in the key it hashes. */
		ec.ctx_map = live->ctx_map;
		w->engine = ft_engine_create(&ec);
		if (w->engine == NULL) {
			char who[32];

			snprintf(who, sizeof(who), "lcore %u: ", lcore);
			ft_output_engine_error(who, &ec, rte_errno);
			return -rte_errno;
		}
		live->engines[n] = w->engine;
		for (p = 0; p < RTE_MAX_ETHPORTS; p++)
			w->port[p].rxq = UINT16_MAX;
		n++;
	}
	live->nworkers = n;
	if (cfg->workers != 0 && n < cfg->workers) {
		fprintf(stderr,
				"fintrack: --workers %u: only %u worker lcore%s given to EAL "
				"(-l/--lcores)\n",
				cfg->workers, n, n == 1 ? "" : "s");
		return -EINVAL;
	}
	if (n == 0) {
		fprintf(stderr,
				"fintrack: live mode needs a worker lcore besides the main one "
				"(e.g. -l 0-1)\n");
		return -EINVAL;
	}
	return 0;
}

static int
tx_buffers_create(struct ft_live *live)
{
	unsigned int w, i;

	/* Each worker's outgoing steering bursts, one per other worker. */
	for (w = 0; w < live->nworkers && live->steering != FT_STEER_RSS; w++) {
		struct ft_worker *wk = live->workers[w];

		wk->steer_out = rte_malloc_socket("ft_steer_out",
				sizeof(wk->steer_out[0]) * live->nworkers, 0,
				(int)rte_lcore_to_socket_id(wk->lcore));
		wk->steer_out_m = rte_malloc_socket("ft_steer_out_m",
				sizeof(wk->steer_out_m[0]) * live->nworkers, 0,
				(int)rte_lcore_to_socket_id(wk->lcore));
		if (wk->steer_out == NULL || wk->steer_out_m == NULL)
			return -ENOMEM;
	}
	for (w = 0; w < live->nworkers; w++)
		for (i = 0; i < live->nports; i++) {
			struct ft_worker *wk = live->workers[w];
			struct ft_worker_port *wp = &wk->port[live->ports[i]];

			wp->txb = rte_zmalloc_socket("ft_txb", RTE_ETH_TX_BUFFER_SIZE(FT_MAX_BURST),
					0, (int)rte_lcore_to_socket_id(wk->lcore));
			if (wp->txb == NULL)
				return -ENOMEM;
			rte_eth_tx_buffer_init(wp->txb, live->cfg->burst);
			/* Packets the NIC refuses are freed and counted, never leaked. */
			rte_eth_tx_buffer_set_err_callback(wp->txb,
					rte_eth_tx_buffer_count_callback, &wp->tx_dropped);
		}
	return 0;
}

/* ---------------------------------------------------------------------------
 * The worker loop
 */

static inline void
tx_to(struct ft_live *live, struct ft_worker *w, uint16_t dst, struct rte_mbuf *m)
{
	struct ft_worker_port *wp = &w->port[dst];

	wp->tx++;
	if (likely(!live->tx_shared[dst])) {
		rte_eth_tx_buffer(dst, wp->txq, wp->txb, m);
		return;
	}
	rte_spinlock_lock(&live->txlock[dst]);
	rte_eth_tx_buffer(dst, wp->txq, wp->txb, m);
	rte_spinlock_unlock(&live->txlock[dst]);
}

/*
 * A whole burst to one port with one call, when nothing waits in the port's
 * buffer (else the packets queue behind what does, in order). What the port
 * refuses is freed and counted, as the buffer's flush does.
 */
static inline void
tx_burst_to(struct ft_live *live, struct ft_worker *w, uint16_t dst, struct rte_mbuf **pkts,
		uint16_t n)
{
	struct ft_worker_port *wp = &w->port[dst];
	uint16_t sent, i;

	if (unlikely(wp->txb->length != 0)) {
		for (i = 0; i < n; i++)
			tx_to(live, w, dst, pkts[i]);
		return;
	}
	wp->tx += n;
	if (likely(!live->tx_shared[dst])) {
		sent = rte_eth_tx_burst(dst, wp->txq, pkts, n);
	} else {
		rte_spinlock_lock(&live->txlock[dst]);
		sent = rte_eth_tx_burst(dst, wp->txq, pkts, n);
		rte_spinlock_unlock(&live->txlock[dst]);
	}
	if (unlikely(sent < n)) {
		wp->tx_dropped += n - sent;
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
	}
}

/* Transit: out of the port paired with the one it came in on. */
static inline void
tx_one(struct ft_live *live, struct ft_worker *w, struct rte_mbuf *m)
{
	tx_to(live, w, live->peer[m->port], m);
}

static void
tx_flush(struct ft_live *live, struct ft_worker *w)
{
	unsigned int i;

	for (i = 0; i < live->nports; i++) {
		uint16_t p = live->ports[i];
		struct ft_worker_port *wp = &w->port[p];

		if (wp->txb == NULL || wp->txb->length == 0)
			continue;
		if (live->tx_shared[p])
			rte_spinlock_lock(&live->txlock[p]);
		rte_eth_tx_buffer_flush(p, wp->txq, wp->txb);
		if (live->tx_shared[p])
			rte_spinlock_unlock(&live->txlock[p]);
	}
}

/*
 * Parse a packet as the engine would (a multi-segment one linearised first),
 * a tunnelled one with its tenant context in the key.
 */
static inline uint8_t
parse_mbuf(struct ft_worker *w, const struct rte_mbuf *m, struct ft_pkt *p)
{
	/* The engine's own: its context resolver belongs to this lcore. */
	const struct ft_pkt_conf *pc = &ft_engine_conf(w->engine)->pkt;
	const uint8_t *data;
	uint32_t cap;

	if (likely(m->nb_segs == 1)) {
		data = rte_pktmbuf_mtod(m, const uint8_t *);
		cap = m->data_len;
	} else {
		cap = RTE_MIN(m->pkt_len, (uint32_t)STEER_SCRATCH);
		data = rte_pktmbuf_read(m, 0, cap, w->scratch);
	}
	return (uint8_t)ft_pkt_parse_conf(pc, data, cap, m->pkt_len, p);
}

/*
 * The worker that owns a parsed packet: a symmetric hash of its canonical
 * flow key (the inner flow's and its context for a tunnelled one). With RSS
 * steering (plain_self), the NIC already chose right for a plain packet.
 */
static inline unsigned int
owner_of(const struct ft_pkt *p, uint8_t status, unsigned int nworkers, unsigned int self,
		int plain_self)
{
	uint32_t h;

	if (status != FT_PKT_TCP || (plain_self && p->tun_n == 0))
		return self;
	h = p->is_v6 ? rte_hash_crc(&p->key.v6, sizeof(p->key.v6), 0) :
		       rte_hash_crc(&p->key.v4, sizeof(p->key.v4), 0);
	return (unsigned int)(((uint64_t)h * nworkers) >> 32);
}

/*
 * Hand n packets to another worker's ring r: objs holds struct ft_steered of
 * esize bytes each, or, with esize 0, bare mbuf pointers. Free and count
 * what does not fit.
 */
static void
steer_send(struct ft_worker *w, struct rte_ring *r, void *objs, unsigned int esize, unsigned int n)
{
	unsigned int sent, k;

	if (n == 0)
		return;
	sent = esize != 0 ? rte_ring_enqueue_burst_elem(r, objs, esize, n, NULL) :
			    rte_ring_enqueue_burst(r, objs, n, NULL);
	w->steered_out += sent;
	if (sent < n) {
		w->steer_dropped += n - sent;
		for (k = sent; k < n; k++)
			rte_pktmbuf_free(esize != 0 ? ((struct ft_steered *)objs)[k].m :
						      ((struct rte_mbuf **)objs)[k]);
	}
}

/*
 * Parse a burst, keep this worker's packets (and their parse) at the front
 * of pkts, parsed and st; hand the others to their owners. A plain packet
 * travels as its mbuf alone and its owner's engine parses it again (cheaper
 * than copying its parse through the ring twice); a tunnelled one travels
 * with its parse, whose context this worker resolved.
 */
static uint16_t
steer(struct ft_live *live, struct ft_worker *w, struct rte_mbuf **pkts, struct ft_pkt *parsed,
		uint8_t *st, uint16_t n)
{
	struct ft_steered(*out)[FT_MAX_BURST] = w->steer_out;
	struct rte_mbuf *(*out_m)[FT_MAX_BURST] = w->steer_out_m;
	uint16_t nout[RTE_MAX_LCORE], nout_m[RTE_MAX_LCORE];
	uint16_t keep = 0, i;
	unsigned int o;

	memset(nout, 0, sizeof(uint16_t) * live->nworkers);
	memset(nout_m, 0, sizeof(uint16_t) * live->nworkers);
	for (i = 0; i < n; i++) {
		uint8_t status = parse_mbuf(w, pkts[i], &parsed[keep]);

		o = owner_of(&parsed[keep], status, live->nworkers, w->index,
				live->steering == FT_STEER_RSS_INNER);
		if (o == w->index) {
			st[keep] = status;
			pkts[keep++] = pkts[i];
			continue;
		}
		if (parsed[keep].tun_n == 0) {
			out_m[o][nout_m[o]++] = pkts[i];
			continue;
		}
		out[o][nout[o]].m = pkts[i];
		out[o][nout[o]].pkt = parsed[keep];
		out[o][nout[o]++].status = status;
	}
	for (o = 0; o < live->nworkers; o++) {
		steer_send(w, live->workers[o]->steer_ring_m, out_m[o], 0, nout_m[o]);
		steer_send(w, live->workers[o]->steer_ring, out[o], sizeof(out[o][0]), nout[o]);
	}
	return keep;
}

/* Take plain packets other workers steered here (the engine parses them). */
static uint16_t
steered_in_m(struct ft_worker *w, struct rte_mbuf **pkts, uint16_t max)
{
	return (uint16_t)rte_ring_dequeue_burst(w->steer_ring_m, (void **)pkts, max, NULL);
}

/* Take packets other workers steered here, with their parse. */
static uint16_t
steered_in(struct ft_worker *w, struct rte_mbuf **pkts, struct ft_pkt *parsed, uint8_t *st,
		uint16_t max)
{
	struct ft_steered in[FT_MAX_BURST];
	unsigned int n, i;

	n = rte_ring_dequeue_burst_elem(w->steer_ring, in, sizeof(in[0]), max, NULL);
	for (i = 0; i < n; i++) {
		pkts[i] = in[i].m;
		parsed[i] = in[i].pkt;
		st[i] = in[i].status;
	}
	return (uint16_t)n;
}

/* ---------------------------------------------------------------------------
 * gwlb mode: one-arm
 */

/*
 * A packet of a data port, tracked: GENEVE to gwlb_addr goes back out of its
 * port, outer addresses swapped; what else is for gwlb_addr goes to the
 * kernel; the rest is dropped. The headers must be in the first segment
 * (with scattered RX, it holds 2 KB).
 */
static inline void
gwlb_one(struct ft_live *live, struct ft_worker *w, struct rte_mbuf *m)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t x;

	switch (ft_gwlb_classify(frame, m->data_len, live->gwlb_addr)) {
	case FT_GWLB_RETURN:
		ft_gwlb_swap(frame);
		w->gwlb[FT_GWLB_RETURNED]++;
		tx_to(live, w, m->port, m);
		return;
	case FT_GWLB_KERNEL:
		x = live->exception[m->port];
		if (x == UINT16_MAX)
			break;
		w->gwlb[FT_GWLB_TO_KERNEL]++;
		tx_to(live, w, x, m);
		return;
	case FT_GWLB_DROP:
		break;
	}
	w->gwlb[FT_GWLB_DROPPED]++;
	rte_pktmbuf_free(m);
}

/* Track a burst of a data port (st: the parse results), then send each packet its way. */
static void
gwlb_burst(struct ft_live *live, struct ft_worker *w, struct rte_mbuf **pkts,
		const struct ft_pkt *parsed, uint8_t *st, uint16_t n, uint64_t now)
{
	uint16_t i;

	ft_engine_process_mbufs(w->engine, pkts, n, parsed, st, now);
	for (i = 0; i < n; i++) {
		if (unlikely(live->cfg->drop_malformed && st[i] >= FT_PKT_FIRST_ERROR)) {
			w->malformed_dropped++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		gwlb_one(live, w, pkts[i]);
	}
}

/* What the kernel sends through the exception ports leaves through their data ports. */
static uint16_t
gwlb_from_kernel(struct ft_live *live, struct ft_worker *w, struct rte_mbuf **pkts)
{
	uint16_t got = 0, n, i, k;

	for (i = live->ndata; i < live->nports; i++) {
		uint16_t x = live->ports[i];
		struct ft_worker_port *wp = &w->port[x];

		if (wp->rxq == UINT16_MAX)
			continue;
		n = rte_eth_rx_burst(x, wp->rxq, pkts, live->cfg->burst);
		if (n == 0)
			continue;
		wp->rx += n;
		w->gwlb[FT_GWLB_FROM_KERNEL] += n;
		for (k = 0; k < n; k++)
			tx_to(live, w, live->peer[x], pkts[k]);
		got += n;
	}
	return got;
}

/*
 * Track and forward a burst; parsed is NULL unless steering parsed it (results
 * in st). in_port: the port every packet came in on, or UINT16_MAX when they
 * came from several (steered from other workers).
 */
static void
handle_burst(struct ft_live *live, struct ft_worker *w, struct rte_mbuf **pkts,
		const struct ft_pkt *parsed, uint8_t *st, uint16_t n, uint64_t now,
		uint16_t in_port)
{
	uint16_t i;

	w->pkts += n;
	if (unlikely(live->gwlb)) {
		gwlb_burst(live, w, pkts, parsed, st, n, now);
		return;
	}
	if (likely(!live->cfg->drop_malformed)) {
		ft_engine_process_mbufs(w->engine, pkts, n, parsed, parsed != NULL ? st : NULL,
				now);
		/* A full burst goes out whole; a short one waits in the buffer for more. */
		if (in_port != UINT16_MAX && n == live->cfg->burst) {
			tx_burst_to(live, w, live->peer[in_port], pkts, n);
			return;
		}
		for (i = 0; i < n; i++)
			tx_one(live, w, pkts[i]);
		return;
	}
	/* Malformed packets are counted by reason by the engine; these are not sent on. */
	ft_engine_process_mbufs(w->engine, pkts, n, parsed, st, now);
	for (i = 0; i < n; i++) {
		if (st[i] >= FT_PKT_FIRST_ERROR) {
			w->malformed_dropped++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		tx_one(live, w, pkts[i]);
	}
}

struct worker_arg {
	struct ft_live *live;
	struct ft_worker *w;
};

/* Copy the timeouts the control lcore published and give them to this worker's engine. */
static void
take_timeouts(struct ft_live *live, struct ft_worker *w)
{
	uint32_t tmo[FT_TCP_STATE_MAX], gen;
	uint32_t sn;

	do {
		sn = rte_seqlock_read_begin(&live->timeouts.lock);
		memcpy(tmo, live->timeouts.timeout_ms, sizeof(tmo));
		gen = live->timeouts.gen;
	} while (rte_seqlock_read_retry(&live->timeouts.lock, sn));
	ft_engine_set_timeouts(w->engine, tmo);
	w->timeouts_gen = gen;
}

static int
worker_main(void *arg)
{
	struct ft_live *live = ((struct worker_arg *)arg)->live;
	struct ft_worker *w = ((struct worker_arg *)arg)->w;
	const struct ft_app_cfg *cfg = live->cfg;
	struct rte_mbuf *pkts[FT_MAX_BURST];
	struct ft_pkt parsed[FT_MAX_BURST];
	uint8_t st[FT_MAX_BURST];
	uint64_t drain_tsc = live->tsc_hz * cfg->tx_drain_us / 1000000;
	uint64_t tick_tsc = live->tsc_hz * cfg->engine.tick_us / 1000000;
	uint64_t last_drain = rte_rdtsc(), last_tick = last_drain, last_tsc = last_drain;
	int steering = live->nworkers > 1 && live->steering != FT_STEER_RSS;
	int last_busy = 0;
	unsigned int i;

	LOG(INFO, "worker %u on lcore %u (socket %u) starts\n", w->index, w->lcore,
			rte_socket_id());
	while (!ft_force_quit) {
		uint64_t tsc = rte_rdtsc();
		uint64_t now = tsc_to_ns(live, tsc);
		uint64_t handled = w->pkts;
		uint32_t fired = 0;
		uint16_t n, kernel = 0;

		/*
		 * Cycles spent on work against polling empty queues, as pmd-stats-show
		 * reports: the last iteration's, from its start to this one's.
		 */
		if (last_busy)
			w->busy_tsc += tsc - last_tsc;
		else
			w->idle_tsc += tsc - last_tsc;
		last_tsc = tsc;
		w->loops++;
		/* The data ports (every port in transit mode). */
		for (i = 0; i < live->ndata; i++) {
			uint16_t p = live->ports[i];
			struct ft_worker_port *wp = &w->port[p];

			if (wp->rxq == UINT16_MAX)
				continue;
			n = rte_eth_rx_burst(p, wp->rxq, pkts, cfg->burst);
			if (n == 0)
				continue;
			wp->rx += n;
			if (!steering) {
				handle_burst(live, w, pkts, NULL, st, n, now, p);
				continue;
			}
			n = steer(live, w, pkts, parsed, st, n);
			if (n != 0)
				handle_burst(live, w, pkts, parsed, st, n, now, p);
		}
		if (steering) {
			n = steered_in_m(w, pkts, cfg->burst);
			if (n != 0)
				handle_burst(live, w, pkts, NULL, st, n, now, UINT16_MAX);
			n = steered_in(w, pkts, parsed, st, cfg->burst);
			if (n != 0)
				handle_burst(live, w, pkts, parsed, st, n, now, UINT16_MAX);
		}
		if (unlikely(live->gwlb))
			kernel = gwlb_from_kernel(live, w, pkts);
		if (tsc - last_drain >= drain_tsc) {
			tx_flush(live, w);
			last_drain = tsc;
		}
		/* A safe point: no packet of this worker is half handled. */
		if (unlikely(__atomic_load_n(&live->timeouts.gen, __ATOMIC_ACQUIRE) !=
				    w->timeouts_gen))
			take_timeouts(live, w);
		if (tsc - last_tick >= tick_tsc) {
			/* A bounded batch per loop; more due timers wait for the next loop, not tick. */
			fired = ft_engine_tick(w->engine, now);
			if (!ft_engine_timers_pending(w->engine, now))
				last_tick = tsc;
		}
		last_busy = w->pkts != handled || fired != 0 || kernel != 0;
	}
	if (last_busy)
		w->busy_tsc += rte_rdtsc() - last_tsc;
	else
		w->idle_tsc += rte_rdtsc() - last_tsc;
	/* Packets steered to us after our last poll: forward them, then send everything. */
	while ((i = steered_in_m(w, pkts, cfg->burst)) != 0)
		handle_burst(live, w, pkts, NULL, st, (uint16_t)i, ft_live_now_ns(live),
				UINT16_MAX);
	while ((i = steered_in(w, pkts, parsed, st, cfg->burst)) != 0)
		handle_burst(live, w, pkts, parsed, st, (uint16_t)i, ft_live_now_ns(live),
				UINT16_MAX);
	tx_flush(live, w);
	LOG(INFO, "worker %u on lcore %u stops\n", w->index, w->lcore);
	return 0;
}

/* ---------------------------------------------------------------------------
 * The control lcore
 */

static void
drain_events(struct ft_live *live, FILE *f)
{
	struct ft_event evs[64];
	unsigned int w, n, i;

	for (w = 0; w < live->nworkers; w++) {
		struct ft_worker *wk = live->workers[w];

		if (wk->event_ring == NULL)
			continue;
		while ((n = rte_ring_dequeue_burst_elem(wk->event_ring, evs, sizeof(evs[0]),
					RTE_DIM(evs), NULL)) != 0)
			for (i = 0; i < n; i++) {
				if (f != NULL)
					ft_output_event_line(f, &evs[i], (int)wk->lcore,
							live->ctx_map);
				ft_ipfix_event(live->ipfix, &evs[i]);
			}
	}
}

/* At stop, the flows still tracked get their IPFIX records (forced end). */
static void
export_tracked(struct ft_live *live)
{
	uint64_t now = ft_live_now_ns(live);
	unsigned int w;
	uint32_t id;

	if (live->ipfix == NULL)
		return;
	for (w = 0; w < live->nworkers; w++)
		for (id = 0; id < ft_engine_capacity(live->engines[w]); id++) {
			struct ft_flow_info fi;

			if (ft_engine_flow_info(live->engines[w], id, &fi) == 0)
				ft_ipfix_flow(live->ipfix, &fi, now);
		}
}

struct port_totals {
	uint64_t rx, tx, dropped;
};

static void
port_totals(const struct ft_live *live, uint16_t p, struct port_totals *t)
{
	unsigned int w;

	memset(t, 0, sizeof(*t));
	for (w = 0; w < live->nworkers; w++) {
		t->rx += live->workers[w]->port[p].rx;
		t->tx += live->workers[w]->port[p].tx;
		t->dropped += live->workers[w]->port[p].tx_dropped;
	}
}

static void
print_rates(const struct ft_live *live, struct port_totals *last, double secs)
{
	unsigned int i, w;
	uint64_t flows = 0;

	for (w = 0; w < live->nworkers; w++)
		flows += ft_engine_stats(live->engines[w])->flows;
	for (i = 0; i < live->nports; i++) {
		uint16_t p = live->ports[i];
		struct port_totals t;

		port_totals(live, p, &t);
		if (!live->gwlb)
			printf("port %u: rx %.0f pps (forwarded to port %u)", p,
					(double)(t.rx - last[p].rx) / secs, live->peer[p]);
		else if (live->is_exception[p])
			printf("port %u: rx %.0f pps (from the kernel, to port %u)", p,
					(double)(t.rx - last[p].rx) / secs, live->peer[p]);
		else
			printf("port %u: rx %.0f pps (one-arm)", p,
					(double)(t.rx - last[p].rx) / secs);
		printf(", tx %.0f pps; totals rx %" PRIu64 " tx %" PRIu64 " tx-dropped %" PRIu64
		       "%s",
				(double)(t.tx - last[p].tx) / secs, t.rx, t.tx, t.dropped,
				i + 1 == live->nports ? "" : "\n");
		last[p] = t;
	}
	printf("; flows %" PRIu64 "\n", flows);
	fflush(stdout);
}

/* Seconds between two walks of the tables for the diagnosis' piles. */
#define DIAG_WALK_S 10

/*
 * Warn once when a state piles up (its threshold of endpoints that have sat
 * in it for min_age or more), again after it fell back under half of it. The
 * gauges bound the piles: the tables are walked (at most every 10 s) only
 * when a gauge reaches a threshold.
 */
static void
check_diagnosis(const struct ft_live *live, uint8_t *raised, uint64_t *last_walk)
{
	const struct ft_app_cfg *cfg = live->cfg;
	uint64_t pile[2][FT_TCP_STATE_MAX], tsc = rte_rdtsc();
	struct ft_engine_stats sum;
	unsigned int i, r;
	int need = 0;

	ft_engine_stats_sum(&sum, live->engines, live->nworkers);
	for (i = 0; i < ft_diag_nstates; i++) {
		unsigned int s = ft_diag_states[i];

		for (r = 0; r < 2; r++) {
			pile[r][s] = (uint64_t)RTE_MAX(sum.gauge[r][s], 0);
			if (cfg->diag[s] != 0 && pile[r][s] >= cfg->diag[s])
				need = 1;
		}
	}
	if (need) {
		if (*last_walk != 0 && tsc - *last_walk < DIAG_WALK_S * live->tsc_hz)
			return;
		*last_walk = tsc;
		if (ft_telemetry_piles(pile) != 0)
			return;
	}
	for (i = 0; i < ft_diag_nstates; i++) {
		unsigned int s = ft_diag_states[i];
		uint64_t thr = cfg->diag[s];

		for (r = 0; r < 2; r++) {
			uint64_t n = pile[r][s];

			if (thr != 0 && n >= thr && !raised[s * 2 + r]) {
				raised[s * 2 + r] = 1;
				if (ft_output_diag_measure(s) == FT_DIAG_PILE)
					LOG(WARNING,
							"%" PRIu64
							" %s endpoints have sat in %s for %g s or "
							"more (threshold %" PRIu64
							"): %s; /fintrack/diagnosis names them\n",
							n, ft_engine_role_name(r),
							ft_tcp_state_name(s),
							cfg->diag_min_age_ms / 1000.0, thr,
							ft_output_advice(s, 0));
				else
					LOG(WARNING,
							"%" PRIu64
							" %s endpoints in %s (threshold %" PRIu64
							"): %s; /fintrack/diagnosis names them\n",
							n, ft_engine_role_name(r),
							ft_tcp_state_name(s), thr,
							ft_output_advice(s, 0));
			} else if (n < thr / 2 + 1) {
				raised[s * 2 + r] = 0;
			}
		}
	}
}

/* Publish the running configuration's timeouts for the workers to take up. */
static void
publish_timeouts(struct ft_live *live)
{
	rte_seqlock_write_lock(&live->timeouts.lock);
	memcpy(live->timeouts.timeout_ms, live->cfg->engine.timeout_ms,
			sizeof(live->timeouts.timeout_ms));
	__atomic_store_n(&live->timeouts.gen, live->timeouts.gen + 1, __ATOMIC_RELEASE);
	rte_seqlock_write_unlock(&live->timeouts.lock);
}

/*
 * The hook for export settings (flow records to a collector, metrics): once
 * they exist, their section is marked reload in FT_CFG_SECTION_LIST, so that
 * ft_cfg_reload() has already copied their new values into live->cfg when
 * this is called; it then restarts what uses them. Nothing exports yet.
 */
static void
apply_export_settings(struct ft_live *live)
{
	RTE_SET_USED(live);
}

/*
 * Reopen the events file (logrotate moved it away): what the workers queued
 * so far goes to the old file, the rest to the new one. Kept as it is if the
 * new one cannot be opened.
 */
static void
reopen_events(struct ft_live *live, FILE **events)
{
	const char *path = live->cfg->events;
	FILE *f;

	if (*events == NULL || *events == stdout)
		return;
	f = fopen(path, "a");
	if (f == NULL) {
		LOG(ERR, "SIGHUP: cannot open --events %s again (%s): still writing the old one\n",
				path, strerror(errno));
		return;
	}
	drain_events(live, *events);
	if (ft_output_close("--events", path, *events) != 0)
		LOG(ERR, "SIGHUP: the events file moved away was not written whole\n");
	*events = f;
	LOG(INFO, "SIGHUP: --events %s opened again\n", path);
}

/* Read the configuration file and the command line again; apply what SIGHUP reloads. */
static void
reload_config(struct ft_live *live)
{
	struct ft_app_cfg fresh;
	uint32_t before[FT_TCP_STATE_MAX];
	char applied[1024], ignored[1024];
	unsigned int n;

	if (ft_cfg_parse(&fresh, live->argc, live->argv) != 0) {
		LOG(ERR, "SIGHUP: the configuration has errors (above): the running one is kept\n");
		return;
	}
	memcpy(before, live->cfg->engine.timeout_ms, sizeof(before));
	ft_telemetry_lock();
	n = ft_cfg_reload(live->cfg, &fresh, applied, sizeof(applied), ignored, sizeof(ignored));
	ft_telemetry_unlock();
	if (memcmp(before, live->cfg->engine.timeout_ms, sizeof(before)) != 0)
		publish_timeouts(live);
	apply_export_settings(live);
	if (n == 0)
		LOG(INFO, "SIGHUP: %s read again, nothing to change\n",
				live->cfg->config != NULL ? live->cfg->config : "the command line");
	else
		LOG(INFO,
				"SIGHUP: %s read again; now in force: %s (new timeouts apply to "
				"timers set from now on)\n",
				live->cfg->config != NULL ? live->cfg->config : "the command line",
				applied);
	if (ignored[0] != '\0')
		LOG(WARNING,
				"SIGHUP: %s changed, but %s read at start only: restart fintrack to "
				"apply %s\n",
				ignored, strchr(ignored, ',') != NULL ? "they are" : "it is",
				strchr(ignored, ',') != NULL ? "them" : "it");
}

/*
 * Log when the tables are full: flows evicted or refused since the last
 * look, and which setting to raise; at most once a minute while it goes on.
 */
static void
check_table_full(const struct ft_live *live, uint64_t *last_lost, uint64_t *last_warn_tsc)
{
	struct ft_engine_stats sum;
	char full[1024];
	uint64_t lost, tsc = rte_rdtsc();

	ft_engine_stats_sum(&sum, live->engines, live->nworkers);
	lost = sum.cnt[FT_CNT_FLOWS_EVICTED] + sum.cnt[FT_CNT_TABLE_FULL] +
			sum.cnt[FT_CNT_TABLE_BUSY] + sum.cnt[FT_CNT_NO_V6_TABLE];
	if (lost == *last_lost || (*last_warn_tsc != 0 && tsc - *last_warn_tsc < 60 * live->tsc_hz))
		return;
	if (ft_output_table_full(&sum, &live->cfg->engine, 1, full, sizeof(full)) != 0)
		LOG(WARNING,
				"%" PRIu64
				" flows evicted or not tracked since the last warning: %s\n",
				lost - *last_lost, full);
	*last_lost = lost;
	*last_warn_tsc = tsc;
}

static void
control_loop(struct ft_live *live, FILE **events_out)
{
	FILE *events = *events_out;
	struct port_totals last[RTE_MAX_ETHPORTS];
	uint64_t interval = live->cfg->stats_interval_ms;
	uint64_t last_stats = rte_rdtsc(), last_diag = last_stats;
	uint8_t raised[FT_TCP_STATE_MAX * 2] = { 0 };
	uint64_t lost = 0, lost_warned = 0, diag_walk = 0;
	unsigned int i;

	for (i = 0; i < live->nports; i++)
		port_totals(live, live->ports[i], &last[live->ports[i]]);
	while (!ft_force_quit) {
		uint64_t tsc;

		rte_delay_us_sleep(CONTROL_PERIOD_US);
		tsc = rte_rdtsc();
		if (ft_reload) {
			ft_reload = false;
			reopen_events(live, &events);
			*events_out = events;
			reload_config(live);
		}
		if (events != NULL || live->ipfix != NULL) {
			drain_events(live, events);
			if (events != NULL)
				fflush(events);
			ft_ipfix_flush(live->ipfix);
		}
		ft_metrics_poll();
		if (interval != 0 && (tsc - last_stats) * 1000 >= interval * live->tsc_hz) {
			print_rates(live, last, (double)(tsc - last_stats) / (double)live->tsc_hz);
			last_stats = tsc;
		}
		if (tsc - last_diag >= live->tsc_hz) {
			check_table_full(live, &lost, &lost_warned);
			check_diagnosis(live, raised, &diag_walk);
			last_diag = tsc;
		}
	}
}

static const char *const gwlb_cnt_names[] = {
#define GWLB_CNT_NAME(name, lname, desc) "gwlb_" #lname,
	FT_GWLB_CNT_LIST(GWLB_CNT_NAME)
#undef GWLB_CNT_NAME
};

static const char *const gwlb_cnt_descs[] = {
#define GWLB_CNT_DESC(name, lname, desc) desc,
	FT_GWLB_CNT_LIST(GWLB_CNT_DESC)
#undef GWLB_CNT_DESC
};

uint64_t
ft_live_gwlb_count(const struct ft_live *live, enum ft_gwlb_cnt c)
{
	uint64_t n = 0;
	unsigned int w;

	for (w = 0; w < live->nworkers; w++)
		n += live->workers[w]->gwlb[c];
	return n;
}

const char *
ft_live_gwlb_cnt_name(enum ft_gwlb_cnt c)
{
	return c < FT_GWLB_CNT_MAX ? gwlb_cnt_names[c] : "?";
}

const char *
ft_live_gwlb_cnt_desc(enum ft_gwlb_cnt c)
{
	return c < FT_GWLB_CNT_MAX ? gwlb_cnt_descs[c] : "?";
}

const char *
ft_live_steering_name(const struct ft_live *live)
{
	if (live->nworkers == 1)
		return "none (one worker)";
	switch (live->steering) {
	case FT_STEER_RSS:
		return "symmetric RSS";
	case FT_STEER_RSS_INNER:
		return "symmetric RSS, tunnels by their inner flow in software";
	default:
		return "software symmetric hash";
	}
}

/* gwlb mode: each port's own counters, and what became of the packets of the data ports. */
static void
print_gwlb_ports(const struct ft_live *live)
{
	unsigned int i, c;

	for (i = 0; i < live->nports; i++) {
		uint16_t p = live->ports[i];
		struct rte_eth_stats es;
		struct port_totals t;

		port_totals(live, p, &t);
		memset(&es, 0, sizeof(es));
		rte_eth_stats_get(p, &es);
		if (live->is_exception[p])
			printf("  port %u (exception port of port %u, %s): rx from the kernel %" PRIu64
			       ", sent to the kernel %" PRIu64 ", refused by it %" PRIu64 "\n",
					p, live->peer[p], live->exception_iface[p], t.rx,
					t.tx - t.dropped, t.dropped);
		else
			printf("  port %u (one-arm): rx %" PRIu64 ", sent out of it %" PRIu64
			       ", refused by it %" PRIu64 ", NIC rx missed %" PRIu64
			       ", NIC rx errors %" PRIu64 ", NIC rx no mbuf %" PRIu64 "\n",
					p, t.rx, t.tx - t.dropped, t.dropped, es.imissed,
					es.ierrors, es.rx_nombuf);
	}
	printf("  gwlb mode, gwlb_addr %s, exception path %s:", live->cfg->gwlb_addr,
			live->cfg->exception ? "on" : "off");
	for (c = 0; c < FT_GWLB_CNT_MAX; c++)
		printf(" %s %" PRIu64 "%s", ft_live_gwlb_cnt_name(c), ft_live_gwlb_count(live, c),
				c + 1 < FT_GWLB_CNT_MAX ? "," : "\n");
}

static void
print_ports(const struct ft_live *live)
{
	unsigned int i, w;
	uint64_t steered = 0, steer_dropped = 0, ev_dropped = 0, mal_dropped = 0;

	printf("\nPorts\n");
	if (live->gwlb)
		print_gwlb_ports(live);
	for (i = 0; i < live->nports && !live->gwlb; i++) {
		uint16_t p = live->ports[i], q = live->peer[p];
		struct rte_eth_stats es;
		struct port_totals t, out;

		/* What came in on p left through q: q's TX counters. */
		port_totals(live, p, &t);
		port_totals(live, q, &out);
		memset(&es, 0, sizeof(es));
		rte_eth_stats_get(p, &es);
		printf("  port %u -> %u: rx %" PRIu64 ", sent out of port %u %" PRIu64
		       ", refused by "
		       "port %u %" PRIu64 ", NIC rx missed %" PRIu64 ", NIC rx errors %" PRIu64
		       ", NIC rx no mbuf %" PRIu64 "\n",
				p, q, t.rx, q, out.tx - out.dropped, q, out.dropped, es.imissed,
				es.ierrors, es.rx_nombuf);
	}
	for (w = 0; w < live->nworkers; w++) {
		steered += live->workers[w]->steered_out;
		steer_dropped += live->workers[w]->steer_dropped;
		ev_dropped += live->workers[w]->events_dropped;
		mal_dropped += live->workers[w]->malformed_dropped;
	}
	printf("  steering: %s; %u worker%s; packets steered between workers %" PRIu64
	       ", lost to full steering rings %" PRIu64 ", events lost %" PRIu64 "\n",
			ft_live_steering_name(live), live->nworkers, live->nworkers == 1 ? "" : "s",
			steered, steer_dropped, ev_dropped);
	printf("  malformed packets (--malformed %s): %" PRIu64 " dropped\n",
			live->cfg->drop_malformed ? "drop" : "forward", mal_dropped);
	for (w = 0; w < live->nworkers; w++) {
		const struct ft_worker *wk = live->workers[w];
		uint64_t all = wk->busy_tsc + wk->idle_tsc;

		printf("  worker %u (lcore %u): %" PRIu64 " packets, busy %.1f%% of its cycles, "
		       "%.0f TSC cycles per packet while busy\n",
				wk->index, wk->lcore, wk->pkts,
				all ? 100.0 * (double)wk->busy_tsc / (double)all : 0.0,
				wk->pkts ? (double)wk->busy_tsc / (double)wk->pkts : 0.0);
	}
}

static void
live_free(struct ft_live *live)
{
	unsigned int w, i;

	for (i = 0; i < live->nports; i++) {
		uint16_t p = live->ports[i];
		char name[RTE_DEV_NAME_MAX_LEN];

		if (live->started[p])
			rte_eth_dev_stop(p);
		if (!live->is_exception[p]) {
			rte_eth_dev_close(p);
			continue;
		}
		/* A port fintrack created: its kernel interface goes with it. */
		snprintf(name, sizeof(name), "net_tap_ft%u", live->peer[p]);
		if (rte_vdev_uninit(name) != 0)
			rte_eth_dev_close(p);
	}
	for (w = 0; w < live->nworkers; w++) {
		struct ft_worker *wk = live->workers[w];

		if (wk == NULL)
			continue;
		for (i = 0; i < RTE_MAX_ETHPORTS; i++)
			rte_free(wk->port[i].txb);
		ft_engine_free(wk->engine);
		rte_free(wk->scratch);
		rte_free(wk->steer_out);
		rte_free(wk->steer_out_m);
		rte_ring_free(wk->steer_ring);
		rte_ring_free(wk->steer_ring_m);
		rte_ring_free(wk->event_ring);
		rte_free(wk);
	}
	for (i = 0; i < RTE_MAX_NUMA_NODES; i++)
		rte_mempool_free(live->pool[i]);
	ft_ctx_map_free(live->ctx_map);
}

int
ft_live_run(struct ft_app_cfg *cfg, int argc, char **argv)
{
	static struct ft_live live;
	struct worker_arg args[RTE_MAX_LCORE];
	FILE *events = NULL;
	unsigned int w, i;
	int ret;

	memset(&live, 0, sizeof(live));
	live.cfg = cfg;
	live.argc = argc;
	live.argv = argv;
	rte_seqlock_init(&live.timeouts.lock);
	live.tsc_hz = rte_get_tsc_hz();
	live.ns_mult = (uint64_t)(((unsigned __int128)FT_NS_PER_SEC << TSC_NS_SHIFT) / live.tsc_hz);
	live.tsc0 = rte_rdtsc();
	live.epoch_ns = wall_ns();
	if (numa_available() >= 0)
		LOG(INFO, "%d NUMA node%s\n", numa_num_configured_nodes(),
				numa_num_configured_nodes() == 1 ? "" : "s");

	ret = cfg->mode == FT_CFG_MODE_GWLB ? plan_gwlb(&live) : plan_pairs(&live);
	if (ret == 0)
		ret = plan_frames(&live);
	if (ret == 0)
		ret = ft_ipfix_open(cfg, &live.ipfix);
	if (ret == 0)
		ret = workers_create(&live);
	if (ret == 0 && cfg->events != NULL &&
			(events = ft_output_open("--events", cfg->events)) == NULL)
		ret = -EIO;
	if (ret != 0)
		goto out;
	choose_steering(&live);
	for (i = 0; i < live.nports && ret == 0; i++)
		ret = port_setup(&live, live.ports[i]);
	if (ret == 0)
		ret = tx_buffers_create(&live);
	if (ret == 0)
		ret = ft_metrics_start(&live);
	if (ret != 0)
		goto out;
	check_links(&live);
	ft_telemetry_register(&live);
	LOG(INFO, "%u worker%s, %u port%s, steering: %s; stop with SIGINT or SIGTERM\n",
			live.nworkers, live.nworkers == 1 ? "" : "s", live.nports,
			live.nports == 1 ? "" : "s", ft_live_steering_name(&live));
	for (w = 0; w < live.nworkers; w++) {
		args[w].live = &live;
		args[w].w = live.workers[w];
		rte_eal_remote_launch(worker_main, &args[w], live.workers[w]->lcore);
	}
	control_loop(&live, &events);
	rte_eal_mp_wait_lcore();
	ft_telemetry_unregister();
	ft_metrics_stop();
	if (events != NULL || live.ipfix != NULL)
		drain_events(&live, events);
	export_tracked(&live);

	{
		struct ft_engine_stats sum;
		struct ft_run run;

		/* Live: the end of the run is the moment the table shows. */
		ft_engine_stats_sum(&sum, live.engines, live.nworkers);
		memset(&run, 0, sizeof(run));
		ft_output_snapshot(&run.at_end, live.engines, live.nworkers,
				(uint64_t)cfg->diag_min_age_ms * FT_NS_PER_MSEC);
		run.packets = sum.cnt[FT_CNT_RX_PKTS];
		if (ft_output_finish(cfg, live.engines, live.nworkers, &run) != 0)
			ret = -EIO;
		if (!cfg->quiet)
			print_ports(&live);
	}
out:
	ft_metrics_stop();
	ft_ipfix_close(live.ipfix);
	if (ft_output_close("--events", cfg->events, events) != 0)
		ret = -EIO;
	live_free(&live);
	return ret;
}
