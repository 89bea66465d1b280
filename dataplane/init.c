/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL, ports, crypto devices, worker state and the rings between the
 * control thread and the workers.
 */
#include <fcntl.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cryptodev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include "common/log.h"
#include "dataplane/worker.h"

struct dp dp;
int dp_meta_off = -1;

#define RX_DESC 1024
#define TX_DESC 1024
#define POOL_MBUFS 8191
#define MSG_RING 1024
#define EV_RING 8192
#define PUNT_RING 1024

struct neigh_key {
	uint16_t port;
	uint8_t family;
	uint8_t pad;
	uint8_t addr[16];
};

static int
add_arg(char **argv, int *argc, int max, const char *s)
{
	if (*argc >= max - 1)
		return -1;
	argv[(*argc)++] = strdup(s);
	return 0;
}

static bool
is_vdev(const char *devargs)
{
	return strncmp(devargs, "net_", 4) == 0 || strncmp(devargs, "eth_", 4) == 0;
}

/*
 * A primary DPDK process holds a write lock on its runtime directory's
 * config file. EAL itself only says "Cannot create lock" and returns with
 * rte_errno 0 ("Success"): name the conflict before trying.
 */
static pid_t
prefix_holder(const char *prefix)
{
	char path[PATH_MAX];
	const char *dir = getuid() == 0 ? "/var/run/dpdk" : getenv("XDG_RUNTIME_DIR");
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd;

	if (dir == NULL)
		dir = "/tmp/dpdk";
	snprintf(path, sizeof(path), "%s/%s/config", dir, prefix);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
		fl.l_pid = 0;
	close(fd);
	return fl.l_pid;
}

static int
eal_start(const struct espgw_config *c, const char *argv0)
{
	char *argv[128], buf[600];
	int argc = 0, rc;
	bool pci = false;
	cpu_set_t cpus;
	int ncpu = 0, cpu_ids[CPU_SETSIZE];
	char *save, *tok, *extra;

	add_arg(argv, &argc, 128, argv0);
	add_arg(argv, &argc, 128, "--file-prefix");
	add_arg(argv, &argc, 128, c->file_prefix);
	add_arg(argv, &argc, 128, "--log-level=*:warning");
	/* let rte_acl and friends use AVX-512 where the CPU has it */
	add_arg(argv, &argc, 128, "--force-max-simd-bitwidth=512");
	if (c->no_huge)
		add_arg(argv, &argc, 128, "--no-huge");
	snprintf(buf, sizeof(buf), "%u", c->mem_mb);
	add_arg(argv, &argc, 128, "-m");
	add_arg(argv, &argc, 128, buf);
	/* lcore 0 = control thread; workers spread over the CPUs we may use */
	sched_getaffinity(0, sizeof(cpus), &cpus);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &cpus))
			cpu_ids[ncpu++] = i;
	if (ncpu == 0)
		return -1;
	{
		size_t off = snprintf(buf, sizeof(buf), "--lcores=0@%d", cpu_ids[0]);
		for (unsigned w = 1; w <= c->workers; w++)
			off += snprintf(buf + off, sizeof(buf) - off, ",%u@%d", w,
					cpu_ids[w % ncpu]);
	}
	add_arg(argv, &argc, 128, buf);
	for (unsigned p = 0; p < c->n_ports; p++) {
		if (is_vdev(c->ports[p].devargs)) {
			add_arg(argv, &argc, 128, "--vdev");
		} else {
			add_arg(argv, &argc, 128, "-a");
			pci = true;
		}
		add_arg(argv, &argc, 128, c->ports[p].devargs);
	}
	if (!pci)
		add_arg(argv, &argc, 128, "--no-pci");
	{
		char qp[32];
		snprintf(qp, sizeof(qp), "max_nb_queue_pairs=%u", c->workers + 1);
		static const char *const cdev[] = { "crypto_aesni_mb0",
			"crypto_aesni_gcm0", "crypto_chacha20_poly1305_0" };
		for (unsigned i = 0; i < RTE_DIM(cdev); i++) {
			char v[96];
			snprintf(v, sizeof(v), "%s,%s", cdev[i], qp);
			add_arg(argv, &argc, 128, "--vdev");
			add_arg(argv, &argc, 128, v);
		}
	}
	extra = strdup(c->eal_args);
	for (tok = strtok_r(extra, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		add_arg(argv, &argc, 128, tok);
	free(extra);
	argv[argc] = NULL;
	{
		pid_t holder = prefix_holder(c->file_prefix);
		if (holder > 0) {
			log_err("EAL file prefix '%s' is in use by another running DPDK process "
				"(pid %d, another espgw?): give this one its own eal.file_prefix",
				c->file_prefix, (int)holder);
			return -1;
		}
	}
	rc = rte_eal_init(argc, argv);
	/* EAL keeps pointers into argv: leak it on purpose */
	return rc < 0 ? -1 : 0;
}

/* The kernel driver behind an interface name (ethtool's "driver"). */
static bool
iface_driver(const char *ifname, char *drv, size_t dl)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&di;
	ok = ioctl(fd, SIOCETHTOOL, &ifr) == 0;
	close(fd);
	if (ok)
		snprintf(drv, dl, "%s", di.driver);
	return ok;
}

/*
 * Ports on kernel sockets see what local stacks send, checksums unfinished
 * where TX checksum offload is on; on a veth that is the default of the
 * host at the other end. Workers complete such checksums; the log says how
 * to spare them the work.
 */
static void
kernel_port_check(struct dp_port *p, const struct port_desc *pd)
{
	const char *ifs = strstr(pd->devargs, "iface=");
	char ifname[IFNAMSIZ] = "", drv[32];

	p->kernel_port = strncmp(pd->devargs, "net_af_packet", 13) == 0 ||
			 strncmp(pd->devargs, "net_af_xdp", 10) == 0 ||
			 strncmp(pd->devargs, "net_tap", 7) == 0;
	if (!p->kernel_port || ifs == NULL)
		return;
	snprintf(ifname, sizeof(ifname), "%.*s", (int)strcspn(ifs + 6, ","), ifs + 6);
	if (iface_driver(ifname, drv, sizeof(drv)) && !strcmp(drv, "veth")) {
		p->veth = true;
		log_info("port %s: %s is a veth; UDP/TCP checksums its far end leaves to "
			 "offload (the default) are completed here before encryption. To spare "
			 "that, on the far end: ethtool -K <its veth> tx off",
			 pd->name, ifname);
	}
}

static int
port_setup(unsigned idx, const struct port_desc *pd, unsigned nq)
{
	struct dp_port *p = &dp.port[idx];
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN];
	const char *comma = strchr(pd->devargs, ',');
	size_t nl = comma ? (size_t)(comma - pd->devargs) : strlen(pd->devargs);
	int rc;

	snprintf(name, sizeof(name), "%.*s", (int)nl, pd->devargs);
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) != 0) {
		log_err("port %s: no ethdev named %s (devargs %s)", pd->name, name,
			pd->devargs);
		return -1;
	}
	snprintf(p->name, sizeof(p->name), "%s", pd->name);
	kernel_port_check(p, pd);
	p->mtu = pd->mtu;
	p->n_addrs = pd->n_addrs;
	memcpy(p->addrs, pd->addrs, sizeof(p->addrs));
	rte_eth_dev_info_get(p->port_id, &info);
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		log_err("port %s: %u workers need %u queues, device has %u "
			"(af_packet: add qpairs=%u to devargs)", pd->name, nq, nq,
			info.max_rx_queues, nq);
		return -1;
	}
	if (nq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
	}
	rc = rte_eth_dev_configure(p->port_id, nq, nq, &conf);
	if (rc != 0) {
		log_err("port %s: configure failed (%d)", pd->name, rc);
		return -1;
	}
	for (unsigned q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, RX_DESC, SOCKET_ID_ANY,
					    NULL, dp.w[q]->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(p->port_id, q, TX_DESC,
						    SOCKET_ID_ANY, NULL);
		if (rc != 0) {
			log_err("port %s: queue %u setup failed (%d)", pd->name, q, rc);
			return -1;
		}
	}
	if (rte_eth_dev_set_mtu(p->port_id, pd->mtu) != 0)
		log_debug("port %s: device keeps its own MTU; espgw enforces %u",
			  pd->name, pd->mtu);
	rte_eth_macaddr_get(p->port_id, &p->mac);
	/*
	 * Inline IPsec needs a NIC with rte_security; none exists here to
	 * test a data path against, so espgw reports it and uses CPU or
	 * lookaside crypto on every port.
	 */
	p->inline_ipsec = rte_eth_dev_get_sec_ctx(p->port_id) != NULL;
	if (p->inline_ipsec)
		log_warn("port %s offers inline IPsec (rte_security); espgw does "
			 "not use it yet", pd->name);
	rc = rte_eth_dev_start(p->port_id);
	if (rc != 0) {
		log_err("port %s: start failed (%d)", pd->name, rc);
		return -1;
	}
	rte_eth_promiscuous_enable(p->port_id);
	snprintf(name, sizeof(name), "ctltx_%u", idx);
	p->ctl_tx = rte_ring_create(name, 512, SOCKET_ID_ANY,
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
	return p->ctl_tx ? 0 : -1;
}

static int
crypto_setup(const struct espgw_config *c)
{
	struct rte_cryptodev_config cc = { .socket_id = SOCKET_ID_ANY,
					   .nb_queue_pairs = c->workers };
	unsigned sess_sz = 0;

	dp.dev_mb = rte_cryptodev_get_dev_id("crypto_aesni_mb0");
	dp.dev_gcm = rte_cryptodev_get_dev_id("crypto_aesni_gcm0");
	dp.dev_chacha = rte_cryptodev_get_dev_id("crypto_chacha20_poly1305_0");
	if (dp.dev_mb < 0) {
		log_err("crypto_aesni_mb (Intel IPsec-MB) is not available");
		return -1;
	}
	for (int d = 0; d < (int)rte_cryptodev_count(); d++) {
		unsigned s = rte_cryptodev_sym_get_private_session_size(d);
		struct rte_cryptodev_info info;
		if (s > sess_sz)
			sess_sz = s;
		rte_cryptodev_info_get(d, &info);
		if (c->engine == ENGINE_CPU &&
		    !(info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO)) {
			log_warn("crypto device %s has no CPU crypto; not used",
				 rte_cryptodev_name_get(d));
			if (d == dp.dev_gcm)
				dp.dev_gcm = -1;
			if (d == dp.dev_chacha)
				dp.dev_chacha = -1;
		}
	}
	dp.sess_pool = rte_cryptodev_sym_session_pool_create("espgw_sess",
			c->max_sas + 64, sess_sz, 0, 0, SOCKET_ID_ANY);
	if (dp.sess_pool == NULL) {
		log_err("cannot create crypto session pool");
		return -1;
	}
	for (int d = 0; d < (int)rte_cryptodev_count(); d++) {
		struct rte_cryptodev_qp_conf qc = { .nb_descriptors = 2048,
						    .mp_session = dp.sess_pool };
		if (rte_cryptodev_configure(d, &cc) != 0)
			return -1;
		for (unsigned q = 0; q < c->workers; q++)
			if (rte_cryptodev_queue_pair_setup(d, q, &qc, SOCKET_ID_ANY) != 0)
				return -1;
		if (rte_cryptodev_start(d) != 0)
			return -1;
	}
	return 0;
}

static struct dp_worker *
worker_create(unsigned idx, const struct espgw_config *c)
{
	struct rte_ipsec_sad_conf sc = { .socket_id = SOCKET_ID_ANY };
	struct dp_worker *w = rte_zmalloc("worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	char name[32];

	if (w == NULL)
		return NULL;
	w->idx = idx;
	snprintf(name, sizeof(name), "pool_w%u", idx);
	w->pool = rte_pktmbuf_pool_create(name, POOL_MBUFS, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "msg_w%u", idx);
	w->msg_ring = rte_ring_create(name, MSG_RING, SOCKET_ID_ANY,
				      RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "ev_w%u", idx);
	w->ev_ring = rte_ring_create(name, EV_RING, SOCKET_ID_ANY,
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "punt_w%u", idx);
	w->punt_ring = rte_ring_create(name, PUNT_RING, SOCKET_ID_ANY,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "cop_w%u", idx);
	w->cop_pool = rte_crypto_op_pool_create(name, RTE_CRYPTO_OP_TYPE_SYMMETRIC,
						2 * DP_BURST * 4 - 1, 0, 16,
						SOCKET_ID_ANY);
	w->sa_ctr = rte_zmalloc("sa_ctr", sizeof(w->sa_ctr[0]) * c->max_sas,
				RTE_CACHE_LINE_SIZE);
	sc.max_sa[RTE_IPSEC_SAD_SPI_ONLY] = c->max_sas;
	sc.max_sa[RTE_IPSEC_SAD_SPI_DIP] = c->max_sas;
	sc.max_sa[RTE_IPSEC_SAD_SPI_DIP_SIP] = c->max_sas;
	snprintf(name, sizeof(name), "sad4_w%u", idx);
	w->sad4 = rte_ipsec_sad_create(name, &sc);
	sc.flags = RTE_IPSEC_SAD_FLAG_IPV6;
	snprintf(name, sizeof(name), "sad6_w%u", idx);
	w->sad6 = rte_ipsec_sad_create(name, &sc);
	snprintf(name, sizeof(name), "dyn_w%u", idx);
	w->dyn = dp_dyn_create(name, c->max_sas);
	if (!w->pool || !w->msg_ring || !w->ev_ring || !w->punt_ring ||
	    !w->cop_pool || !w->sa_ctr || !w->sad4 || !w->sad6 || !w->dyn) {
		log_err("worker %u: out of memory (raise eal.memory_mb or lower "
			"max_sas)", idx);
		return NULL;
	}
	return w;
}

int
dp_init(const struct espgw_config *c, const char *argv0)
{
	static const struct rte_mbuf_dynfield meta = {
		.name = "espgw_punt_meta",
		.size = sizeof(struct dp_punt_meta),
		.align = 8,
	};
	struct rte_hash_parameters hp = {
		.name = "neigh", .entries = 4096, .key_len = sizeof(struct neigh_key),
		.hash_func = rte_jhash, .socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	unsigned lcore, i;

	memset(&dp, 0, sizeof(dp));
	dp.n_workers = c->workers;
	dp.max_sas = c->max_sas;
	dp.engine = c->engine;
	dp.idle_sleep_us = c->idle_sleep_us;
	if (c->n_ports > DP_MAX_PORTS) {
		log_err("at most %d ports", DP_MAX_PORTS);
		return -1;
	}
	if (eal_start(c, argv0) < 0) {
		if (rte_errno != 0)
			log_err("EAL init failed: %s", rte_strerror(rte_errno));
		else
			log_err("EAL init failed (its own messages above say why)");
		return -1;
	}
	if (rte_lcore_count() < c->workers + 1) {
		log_err("need %u lcores", c->workers + 1);
		return -1;
	}
	dp_meta_off = rte_mbuf_dynfield_register(&meta);
	dp.neigh = rte_hash_create(&hp);
	dp.pool = rte_pktmbuf_pool_create("pool_ctl", 2047, 32, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (dp_meta_off < 0 || dp.neigh == NULL || dp.pool == NULL) {
		log_err("cannot allocate control-plane resources");
		return -1;
	}
	if (crypto_setup(c) < 0)
		return -1;
	i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i == c->workers)
			break;
		dp.w[i] = worker_create(i, c);
		if (dp.w[i] == NULL)
			return -1;
		dp.w[i]->lcore = lcore;
		i++;
	}
	dp.n_ports = c->n_ports;
	for (unsigned p = 0; p < c->n_ports; p++) {
		if (port_setup(p, &c->ports[p], c->workers) < 0)
			return -1;
		for (unsigned q = 0; q < c->workers; q++) {
			struct dp_worker *w = dp.w[q];
			w->rxq[w->n_rxq].port = p;
			w->rxq[w->n_rxq].queue = q;
			w->n_rxq++;
		}
	}
	dp.ctl_route = rte_ring_create("ctlroute", 512, SOCKET_ID_ANY,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	return dp.ctl_route ? 0 : -1;
}

void
dp_set_tables(struct dp_spd *spd, struct dp_rt *rt)
{
	for (unsigned i = 0; i < dp.n_workers; i++) {
		dp.w[i]->spd = spd;
		dp.w[i]->rt = rt;
	}
}

int
dp_start(void)
{
	for (unsigned i = 0; i < dp.n_workers; i++)
		if (rte_eal_remote_launch(worker_main, dp.w[i], dp.w[i]->lcore) != 0)
			return -1;
	return 0;
}

void
dp_stop(void)
{
	rte_eal_mp_wait_lcore();
	for (unsigned p = 0; p < dp.n_ports; p++) {
		rte_eth_dev_stop(dp.port[p].port_id);
		rte_eth_dev_close(dp.port[p].port_id);
	}
	for (uint8_t d = 0; d < rte_cryptodev_count(); d++)
		rte_cryptodev_stop(d);
	/*
	 * A closed net_memif port whose peer just left still has interrupt
	 * callbacks to unregister on EAL's interrupt thread; cleaning up EAL
	 * under it crashes (DPDK 22.11, seen in bench/memif.sh). Give it time.
	 */
	rte_delay_ms(100);
}

int
dp_post(struct dp_msg *m)
{
	for (unsigned i = 0; i < dp.n_workers; i++)
		if (rte_ring_free_count(dp.w[i]->msg_ring) == 0)
			return -1;	/* we are the only producer: stays true */
	m->pending = dp.n_workers;
	m->submit_tsc = rte_get_tsc_cycles();
	for (unsigned i = 0; i < dp.n_workers; i++)
		rte_ring_sp_enqueue(dp.w[i]->msg_ring, m);
	return dp.n_workers;
}

unsigned
dp_poll(dp_ack_fn ack, dp_event_fn ev)
{
	void *e[64];
	unsigned total = 0;

	for (unsigned i = 0; i < dp.n_workers; i++) {
		unsigned k = rte_ring_sc_dequeue_burst(dp.w[i]->ev_ring, e, 64, NULL);
		for (unsigned j = 0; j < k; j++) {
			if (DP_EV_IS(e[j])) {
				ev(i, DP_EV_TYPE(e[j]), DP_EV_SA(e[j]));
				continue;
			}
			struct dp_msg *m = e[j];
			if (--m->pending == 0)
				ack(m);
		}
		total += k;
	}
	return total;
}

unsigned
dp_punt_dequeue(struct rte_mbuf **m, unsigned n)
{
	unsigned got = 0;

	for (unsigned i = 0; i < dp.n_workers && got < n; i++)
		got += rte_ring_sc_dequeue_burst(dp.w[i]->punt_ring,
						 (void **)(m + got), n - got, NULL);
	return got;
}

int
dp_ctl_route(struct rte_mbuf *m, uint16_t port)
{
	m->port = port;
	if (m->pool != dp.pool || dp.ctl_route == NULL || rte_ring_sp_enqueue(dp.ctl_route, m) != 0) {
		rte_pktmbuf_free(m);
		return -1;
	}
	return 0;
}

int
dp_ctl_tx(uint16_t port, struct rte_mbuf *m)
{
	if (port >= dp.n_ports || rte_ring_sp_enqueue(dp.port[port].ctl_tx, m) != 0) {
		rte_pktmbuf_free(m);
		return -1;
	}
	return 0;
}

static void
neigh_key(struct neigh_key *k, uint16_t port, int family, const uint8_t *a)
{
	memset(k, 0, sizeof(*k));
	k->port = port;
	k->family = family;
	memcpy(k->addr, a, ip_alen(family));
}

int
dp_neigh_set(uint16_t port, const struct ip_addr *a,
	     const struct rte_ether_addr *mac)
{
	struct neigh_key k;
	uint64_t v = 1ull << 63;

	neigh_key(&k, port, a->family, a->a);
	memcpy(&v, mac->addr_bytes, 6);
	/* one pointer-sized store: readers see the old or the new MAC */
	int rc = rte_hash_add_key_data(dp.neigh, &k, (void *)(uintptr_t)v);
	/* and every worker's cache entry goes stale */
	__atomic_add_fetch(&dp.neigh_gen, 1, __ATOMIC_RELEASE);
	return rc;
}

bool
dp_neigh_get(uint16_t port, int family, const uint8_t *addr,
	     struct rte_ether_addr *mac)
{
	struct neigh_key k;
	void *v;
	uint64_t u;

	neigh_key(&k, port, family, addr);
	if (rte_hash_lookup_data(dp.neigh, &k, &v) < 0)
		return false;
	u = (uintptr_t)v;
	memcpy(mac->addr_bytes, &u, 6);
	return true;
}

static uint64_t
ld(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void
dp_sum_port(unsigned port, struct dp_port_ctr *o)
{
	memset(o, 0, sizeof(*o));
	for (unsigned i = 0; i < dp.n_workers; i++) {
		const struct dp_port_ctr *c = &dp.w[i]->pctr[port];
		o->rx_pkts += ld(&c->rx_pkts);
		o->rx_bytes += ld(&c->rx_bytes);
		o->tx_pkts += ld(&c->tx_pkts);
		o->tx_bytes += ld(&c->tx_bytes);
	}
}

void
dp_sum_sa(uint32_t id, struct dp_sa_ctr *o)
{
	memset(o, 0, sizeof(*o));
	for (unsigned i = 0; i < dp.n_workers; i++) {
		const struct dp_sa_ctr *c = &dp.w[i]->sa_ctr[id];
		o->pkts += ld(&c->pkts);
		o->bytes += ld(&c->bytes);
		o->errors += ld(&c->errors);
	}
}

void
dp_sum_worker(unsigned w, struct dp_worker_ctr *o)
{
	const uint64_t *s = (const uint64_t *)&dp.w[w]->ctr;
	uint64_t *d = (uint64_t *)o;

	for (size_t i = 0; i < sizeof(*o) / sizeof(uint64_t); i++)
		d[i] = ld(&s[i]);
}

unsigned
dp_worker_lcore(unsigned w)
{
	return dp.w[w]->lcore;
}

int
dp_port_by_name(const char *name)
{
	for (unsigned i = 0; i < dp.n_ports; i++)
		if (!strcmp(dp.port[i].name, name))
			return i;
	return -1;
}
