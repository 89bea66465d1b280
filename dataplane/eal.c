/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL start (arguments, the file prefix another process may hold) and
 * port setup (queues, MTU, addresses, the kernel-socket port facts).
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

#define RX_DESC 1024
#define TX_DESC 1024

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
 * memif zero-copy (client role only) lends the worker's mbufs to the peer:
 * every RX and TX ring slot of such a port holds one of the worker's
 * DP_POOL_MBUFS, and a refill that cannot take a whole ring's worth takes
 * none, so the port would never receive. It also needs EAL's single-file
 * segments (one fd per memory list to share), which espgw adds. Returns
 * the number of zero-copy ports, or -1 when their rings cannot be filled.
 */
static int
zero_copy_ports(const struct espgw_config *c)
{
	unsigned slots = 0;
	int n = 0;

	for (unsigned p = 0; p < c->n_ports; p++) {
		const char *d = c->ports[p].devargs, *r = strstr(d, "rsize=");
		if (strncmp(d, "net_memif", 9) != 0 || strstr(d, "zero-copy=yes") == NULL)
			continue;
		n++;
		slots += 2u << (r ? atoi(r + 6) : 10);	/* memif's default ring: 2^10 */
	}
	if (slots + 1024 > DP_POOL_MBUFS) {	/* 1024: bursts in flight, caches */
		log_err("zero-copy memif ports: their rings hold %u mbufs of each worker's %u; "
			"lower rsize (2^10 per ring fits three ports)", slots, DP_POOL_MBUFS);
		return -1;
	}
	return n;
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

int
dp_eal_start(const struct espgw_config *c, const char *argv0)
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
	rc = zero_copy_ports(c);
	if (rc < 0)
		return -1;
	if (rc > 0 && strstr(c->eal_args, "--single-file-segments") == NULL)
		add_arg(argv, &argc, 128, "--single-file-segments");
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

int
dp_port_setup(unsigned idx, const struct port_desc *pd, unsigned nq)
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
