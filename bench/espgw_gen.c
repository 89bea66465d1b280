/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espgw-gen: a DPDK traffic generator and sink for espgw in another
 * process, over two memif ports (espgw's "inside" and "outside", espgw the
 * memif server, this program the client).
 *
 *   espgw-gen --write-config FILE --flows N --socket-dir D
 *       writes the espgw configuration this generator speaks to (N SA
 *       pairs and policies, AES-GCM-128, memif server ports in D)
 *   espgw-gen --write-secgw-config FILE --flows N
 *       the same tunnels as rules for DPDK's ipsec-secgw (bench/secgw.sh)
 *   espgw-gen --dir outbound|inbound|both --size N|imix --flows N
 *             --socket-dir D [--seconds S] [--cpu C] [--dist uniform|zipf]
 *       outbound: plain UDP into "inside", ESP expected out of "outside";
 *       inbound: ESP into "outside" (encrypted here, per SA increasing
 *       sequence numbers), plain expected out of "inside"; both: both.
 *
 * It answers espgw's ARP requests for its hosts, learns espgw's MACs by
 * ARP (--static-gw: a gateway without ARP, ipsec-secgw, has the MACs
 * GW_MAC and ours are MY_MAC; both sides set them on their memif ports),
 * sends as fast as memif takes frames, and counts what comes back in
 * a measured window after a warm-up. Every ESP frame's SPI and sequence
 * number is checked (increasing per SA); one frame in 64 is checked in
 * full: ESP decrypted with the SA's key and compared with the frame that
 * was sent (TTL one less, or the same from a gateway that leaves it),
 * plain frames compared likewise. One CSV line in
 * espgw-bench's format; exit status 1 when a check failed or nothing came.
 *
 * --zero-copy (with --write-config and with a run): the roles swap, the
 * gateway is a memif client with zero-copy=yes and this program the
 * server, started first; the server does every copy. GEN_LOG in the
 * environment replaces its EAL --log-level option (memif debugging).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <intel-ipsec-mb.h>
#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "control/nd.h"

#define BURST 32
#define NTEMPL 4096
#define SPI_OUT 0x10000u	/* espgw's outbound SAs: SPI_OUT + flow */
#define SPI_IN 0x20000u		/* espgw's inbound SAs */
#define ESP_OVH (20 + 8 + 8 + 16)	/* outer IPv4, ESP header, IV, ICV */

/* AES-GCM-128 key || salt of every SA (as espgw-bench's) */
static const uint8_t key[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
	14, 15, 16, 17, 18, 19, 20 };

static struct {
	const char *dir, *sockdir, *dist, *config, *secgw_config;
	int size;
	unsigned flows, cpu;
	double seconds;
	bool static_gw, zero_copy;
} o = { "outbound", "/run/espgw-gen", "uniform", NULL, NULL, 64, 1, 0, 2.0, false, false };

/* fixed MACs for a gateway without ARP: port p is ...:0p+1 */
#define MY_MAC "02:00:00:00:00:0"
#define GW_MAC "02:00:00:00:01:0"

enum { P_IN, P_OUT };		/* our port facing espgw's inside / outside */
static const uint32_t host_in = 0xc6120102;	/* 198.18.1.2, the inside host */
static const uint32_t gw_in = 0xc6120101;	/* 198.18.1.1, espgw inside */
static const uint32_t peer = 0xc6120002;	/* 198.18.0.2, the peer gateway */
static const uint32_t gw_out = 0xc6120001;	/* 198.18.0.1, espgw outside */

static struct rte_ether_addr mymac[2], gwmac[2];
static bool gw_known[2];
static struct rte_mempool *pool;
static IMB_MGR *mb;
static struct gcm_key_data kd;

static struct {
	uint16_t flow, len;	/* cleartext frame length */
	uint32_t dst;
} tp[NTEMPL];
static uint32_t *seq_tx, *seq_rx;	/* per flow: ESP sent / last ESP seen */
static struct {
	uint64_t tx, rx, tx_bytes, checked, bad, seq_err, other, bursts, short_bursts;
} st;

static uint32_t
remote_ip(unsigned f)
{
	return 0xc6120201 + f;	/* 198.18.2.1 + f */
}

static unsigned
frame_size(unsigned i)
{
	static const unsigned imix[12] = { 64, 64, 64, 64, 64, 64, 64, 576, 576, 576, 576, 1500 };

	return o.size > 0 ? (unsigned)o.size : imix[i % 12];
}

static void
templates(void)
{
	double *cdf = NULL, sum = 0;

	if (!strcmp(o.dist, "zipf")) {
		cdf = malloc(o.flows * sizeof(*cdf));
		for (unsigned k = 0; k < o.flows; k++)
			cdf[k] = (sum += 1.0 / (k + 1));
	}
	srand(1);
	for (unsigned t = 0; t < NTEMPL; t++) {
		unsigned f = t % o.flows;
		if (cdf) {
			double u = (double)rand() / RAND_MAX * sum;
			for (f = 0; f + 1 < o.flows && cdf[f] < u; f++)
				;
		}
		tp[t].flow = f;
		tp[t].len = frame_size(t);
	}
	free(cdf);
}

/* the inner IPv4/UDP packet of template t, at p; its index in the payload */
static unsigned
build_inner(uint8_t *p, unsigned t, uint64_t idx, bool inbound)
{
	struct rte_ipv4_hdr *ip = (void *)p;
	struct rte_udp_hdr *udp = (void *)(ip + 1);
	unsigned len = tp[t].len - RTE_ETHER_HDR_LEN;

	memset(p, 0, len);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(inbound ? remote_ip(tp[t].flow) : host_in);
	ip->dst_addr = rte_cpu_to_be_32(inbound ? host_in : remote_ip(tp[t].flow));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(1024);
	udp->dst_port = rte_cpu_to_be_16(9);
	udp->dgram_len = rte_cpu_to_be_16(len - sizeof(*ip));
	memcpy(udp + 1, &idx, sizeof(idx));
	return len;
}

static void
eth(struct rte_mbuf *m, unsigned port, uint16_t type)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, void *);

	eh->dst_addr = gwmac[port];
	eh->src_addr = mymac[port];
	eh->ether_type = rte_cpu_to_be_16(type);
}

static void
gcm_iv(uint8_t iv[12], const uint8_t *esp_iv)
{
	memcpy(iv, key + 16, 4);
	memcpy(iv + 4, esp_iv, 8);
}

/* plain frame t (index idx) for the inside port */
static void
make_plain(struct rte_mbuf *m, unsigned t, uint64_t idx)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	eth(m, P_IN, RTE_ETHER_TYPE_IPV4);
	m->data_len = m->pkt_len = RTE_ETHER_HDR_LEN + build_inner(p + RTE_ETHER_HDR_LEN, t, idx, false);
}

/* ESP frame of template t for the outside port: the peer's next packet on SA flow */
static void
make_esp(struct rte_mbuf *m, unsigned t, uint64_t idx)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *), iv[12];
	struct rte_ipv4_hdr *ip = (void *)(p + RTE_ETHER_HDR_LEN);
	uint8_t *esp = (uint8_t *)(ip + 1), *pl = esp + 16;
	unsigned f = tp[t].flow, len, pad;
	uint32_t spi = rte_cpu_to_be_32(SPI_IN + f), seq = rte_cpu_to_be_32(++seq_tx[f]);
	uint64_t ivv = seq_tx[f];

	len = build_inner(pl, t, idx, true);
	pad = (4 - (len + 2) % 4) % 4;
	for (unsigned i = 0; i < pad; i++)
		pl[len + i] = i + 1;
	pl[len + pad] = pad;
	pl[len + pad + 1] = IPPROTO_IPIP;
	len += pad + 2;
	memcpy(esp, &spi, 4);
	memcpy(esp + 4, &seq, 4);
	memcpy(esp + 8, &ivv, 8);
	gcm_iv(iv, esp + 8);
	struct gcm_context_data ctx;
	IMB_AES128_GCM_ENC(mb, &kd, &ctx, pl, pl, len, iv, esp, 8, pl + len, 16);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + 16 + len + 16);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ESP;
	ip->src_addr = rte_cpu_to_be_32(peer);
	ip->dst_addr = rte_cpu_to_be_32(gw_out);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	eth(m, P_OUT, RTE_ETHER_TYPE_IPV4);
	m->data_len = m->pkt_len = RTE_ETHER_HDR_LEN + rte_be_to_cpu_16(ip->total_length);
}

/*
 * A received inner packet must be exactly what was sent for its index,
 * less one TTL (so also a new header checksum).
 */
static bool
check_inner(const uint8_t *p, unsigned len, bool inbound)
{
	static uint8_t want[2048];
	uint64_t idx;
	unsigned t, wl;
	struct rte_ipv4_hdr *ip = (void *)want;

	if (len < 20 + 8 + 8)
		return false;
	memcpy(&idx, p + 28, 8);
	t = idx % NTEMPL;
	wl = build_inner(want, t, idx, inbound);
	if (wl != len)
		return false;
	if (p[8] == ip->time_to_live)	/* a gateway that leaves the TTL */
		return memcmp(want, p, len) == 0;
	ip->time_to_live--;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return memcmp(want, p, len) == 0;
}

static bool
check_esp(const uint8_t *ipp, unsigned len)
{
	static uint8_t pt[2048];
	const uint8_t *esp = ipp + 20;
	uint8_t iv[12], tag[16];
	struct gcm_context_data ctx;
	unsigned ct = len - ESP_OVH, pad;

	gcm_iv(iv, esp + 8);
	IMB_AES128_GCM_DEC(mb, &kd, &ctx, pt, esp + 16, ct, iv, esp, 8, tag, 16);
	if (memcmp(tag, esp + 16 + ct, 16) != 0 || pt[ct - 1] != IPPROTO_IPIP)
		return false;
	pad = pt[ct - 2];
	if (pad + 2 > ct)
		return false;
	return check_inner(pt, ct - 2 - pad, false);
}

static void
arp_send(unsigned port, uint16_t op, uint32_t tip, const struct rte_ether_addr *tha, uint32_t sip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;

	if (m == NULL)
		return;
	eh = rte_pktmbuf_mtod(m, void *);
	sip = rte_cpu_to_be_32(sip);
	tip = rte_cpu_to_be_32(tip);
	nd_arp_fill(eh, op, &mymac[port], (const uint8_t *)&sip,
		    op == RTE_ARP_OP_REPLY ? tha : NULL, (const uint8_t *)&tip);
	m->data_len = m->pkt_len = 60;
	if (rte_eth_tx_burst(port, 0, &m, 1) != 1)
		rte_pktmbuf_free(m);
}

static void
arp_input(unsigned port, struct rte_mbuf *m)
{
	struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(m, void *, RTE_ETHER_HDR_LEN);
	uint32_t me = port == P_IN ? host_in : peer, gw = port == P_IN ? gw_in : gw_out;

	if (m->pkt_len < RTE_ETHER_HDR_LEN + sizeof(*a))
		return;
	if (rte_be_to_cpu_32(a->arp_data.arp_sip) == gw) {
		gwmac[port] = a->arp_data.arp_sha;
		gw_known[port] = true;
	}
	if (a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) &&
	    rte_be_to_cpu_32(a->arp_data.arp_tip) == me)
		arp_send(port, RTE_ARP_OP_REPLY, rte_be_to_cpu_32(a->arp_data.arp_sip),
			 &a->arp_data.arp_sha, me);
}

/* one received frame on port; counted when `count` */
static void
input(unsigned port, struct rte_mbuf *m, bool count)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, void *);
	const uint8_t *ip = (const uint8_t *)(eh + 1);
	unsigned len = m->pkt_len - RTE_ETHER_HDR_LEN;
	static uint64_t n;

	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		arp_input(port, m);
		return;
	}
	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || len < 28 ||
	    m->nb_segs != 1) {
		st.other += count;
		return;
	}
	if (port == P_OUT && ip[9] == IPPROTO_ESP && len > ESP_OVH) {
		uint32_t spi, seq;
		memcpy(&spi, ip + 20, 4);
		memcpy(&seq, ip + 24, 4);
		spi = rte_be_to_cpu_32(spi) - SPI_OUT;
		seq = rte_be_to_cpu_32(seq);
		if (spi >= o.flows || seq <= seq_rx[spi])
			st.seq_err++;
		else
			seq_rx[spi] = seq;
		if ((n++ & 63) == 0) {
			st.checked++;
			st.bad += !check_esp(ip, len);
		}
	} else if (port == P_IN && ip[9] == IPPROTO_UDP) {
		if ((n++ & 63) == 0) {
			st.checked++;
			st.bad += !check_inner(ip, len, true);
		}
	} else {
		st.other += count;
		return;
	}
	st.rx += count;
}

static void
poll_rx(bool count)
{
	struct rte_mbuf *m[BURST];

	for (unsigned p = 0; p < 2; p++) {
		uint16_t n = rte_eth_rx_burst(p, 0, m, BURST);
		for (uint16_t i = 0; i < n; i++)
			input(p, m[i], count);
		rte_pktmbuf_free_bulk(m, n);
	}
}

/* both ports started before either waits: a server must know both ids
 * before a client connects */
static int
ports_up(void)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_link link;

	for (unsigned p = 0; p < 2; p++) {
		if (rte_eth_dev_configure(p, 1, 1, &conf) < 0 ||
		    rte_eth_rx_queue_setup(p, 0, 1024, 0, NULL, pool) < 0 ||
		    rte_eth_tx_queue_setup(p, 0, 1024, 0, NULL) < 0 || rte_eth_dev_start(p) < 0)
			return -1;
		rte_eth_macaddr_get(p, &mymac[p]);
	}
	for (unsigned p = 0; p < 2; p++)
		for (int i = 0;; i++) {
			rte_eth_link_get_nowait(p, &link);
			if (link.link_status)
				break;
			if (i == 100)
				return -1;
			if (i % 20 == 19 && !o.zero_copy) {	/* a client that came too early stays down */
				rte_eth_dev_stop(p);
				rte_eth_dev_start(p);
			}
			usleep(100000);
		}
	return 0;
}

static void
write_config(void)
{
	FILE *f = fopen(o.config, "w");
	char k[41];

	if (f == NULL) {
		perror(o.config);
		exit(1);
	}
	for (unsigned i = 0; i < 20; i++)
		sprintf(k + 2 * i, "%02x", key[i]);
	fprintf(f, "# written by espgw-gen --write-config (bench/memif.sh)\n"
		"workers: 1\nmax_sas: %u\nmgmt_socket: %s/espgw.sock\n"
		"eal: { file_prefix: espgw-memif, hugepages: false, memory_mb: %u }\nports:\n",
		2 * o.flows + 16, o.sockdir, 1024 + o.flows / 32 * 3);
	/* --zero-copy: the gateway is the memif client and lends its mbufs (espgw
	 * adds EAL's --single-file-segments itself) */
	for (unsigned p = 0; p < 2; p++)
		fprintf(f, "  - { name: %s, devargs: \"net_memif%u,role=%s,id=%u,socket=%s/memif-%u.sock,"
			"socket-abstract=no,rsize=%u\", mtu: 2000, addresses: [198.18.%u.1/24] }\n",
			p == P_IN ? "inside" : "outside", p,
			o.zero_copy ? "client,zero-copy=yes" : "server", p, o.sockdir, p,
			o.zero_copy ? 10 : 14, p == P_IN ? 1 : 0);
	fprintf(f, "routes:\n  - { prefix: 198.18.2.0/23, via: 198.18.0.2, port: outside }\n"
		"  - { prefix: 198.19.0.0/16, via: 198.18.0.2, port: outside }\nsas:\n");
	for (unsigned i = 0; i < o.flows; i++)
		fprintf(f, "  - { name: o%u, direction: outbound, spi: %u, algorithm: aes-gcm-128, key: 0x%s,"
			" local: 198.18.0.1, remote: 198.18.0.2 }\n"
			"  - { name: i%u, direction: inbound, spi: %u, algorithm: aes-gcm-128, key: 0x%s,"
			" local: 198.18.0.1, remote: 198.18.0.2, selector: { dst: 198.18.1.0/24 } }\n",
			i, SPI_OUT + i, k, i, SPI_IN + i, k);
	fprintf(f, "policies:\n");
	for (unsigned i = 0; i < o.flows; i++) {
		uint32_t a = remote_ip(i);
		fprintf(f, "  - { name: p%u, src: 198.18.1.0/24, dst: %u.%u.%u.%u/32, action: protect, sa: o%u }\n",
			i, a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, i);
	}
	fclose(f);
}

/* the tunnels of write_config() as ipsec-secgw rules (one SP, SA pair each) */
static int
write_secgw_config(void)
{
	FILE *f = fopen(o.secgw_config, "w");
	char k[64] = "";

	if (f == NULL) {
		perror(o.secgw_config);
		return 1;
	}
	for (unsigned i = 0; i < sizeof(key); i++)
		sprintf(k + strlen(k), "%s%02x", i ? ":" : "", key[i]);
	fprintf(f, "# written by espgw-gen --write-secgw-config (bench/secgw.sh)\n");
	for (unsigned i = 0; i < o.flows; i++) {
		uint32_t a = remote_ip(i);
		fprintf(f, "sp ipv4 out esp protect %u pri 1 dst %u.%u.%u.%u/32 sport 0:65535 dport 0:65535\n"
			"sp ipv4 in esp protect %u pri 1 dst 198.18.1.0/24 sport 0:65535 dport 0:65535\n"
			"sa out %u aead_algo aes-128-gcm aead_key %s mode ipv4-tunnel"
			" src 198.18.0.1 dst 198.18.0.2 type cpu-crypto\n"
			"sa in %u aead_algo aes-128-gcm aead_key %s mode ipv4-tunnel"
			" src 198.18.0.2 dst 198.18.0.1 type cpu-crypto\n",
			SPI_OUT + i, a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255,
			SPI_IN + i, SPI_OUT + i, k, SPI_IN + i, k);
	}
	fprintf(f, "rt ipv4 dst 198.18.0.2/32 port 1\nrt ipv4 dst 198.18.1.0/24 port 0\n"
		"neigh port 0 " MY_MAC "1\nneigh port 1 " MY_MAC "2\n");
	fclose(f);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "flows", required_argument, NULL, 'n' },
		{ "dist", required_argument, NULL, 'z' },
		{ "seconds", required_argument, NULL, 't' },
		{ "socket-dir", required_argument, NULL, 'S' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "write-config", required_argument, NULL, 'w' },
		{ "write-secgw-config", required_argument, NULL, 'W' },
		{ "static-gw", no_argument, NULL, 'g' },
		{ "zero-copy", no_argument, NULL, 'Z' },
		{ NULL, 0, NULL, 0 },
	};
	char vdev[2][256], lcores[32];
	char *eal[16];
	int opt, ea = 0;
	bool do_out, do_in;
	uint64_t hz, t0, end, idx = 0;
	unsigned t = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': o.dir = optarg; break;
		case 's': o.size = strcmp(optarg, "imix") ? atoi(optarg) : -1; break;
		case 'n': o.flows = atoi(optarg); break;
		case 'z': o.dist = optarg; break;
		case 't': o.seconds = atof(optarg); break;
		case 'S': o.sockdir = optarg; break;
		case 'c': o.cpu = atoi(optarg); break;
		case 'w': o.config = optarg; break;
		case 'W': o.secgw_config = optarg; break;
		case 'g': o.static_gw = true; break;
		case 'Z': o.zero_copy = true; break;
		default:
			fprintf(stderr, "usage: see bench/espgw_gen.c\n");
			return 2;
		}
	}
	if (o.flows == 0 || o.flows > 65000 || (o.size > 0 && (o.size < 64 || o.size > 1500)))
		return 2;
	if (o.config) {
		write_config();
		return 0;
	}
	if (o.secgw_config)
		return write_secgw_config();
	do_out = strcmp(o.dir, "inbound") != 0;
	do_in = strcmp(o.dir, "outbound") != 0;
	snprintf(lcores, sizeof(lcores), "--lcores=0@%u", o.cpu);
	for (unsigned p = 0; p < 2; p++)
		snprintf(vdev[p], sizeof(vdev[p]), "net_memif%u,role=%s,id=%u,socket=%s/memif-%u.sock,"
			 "socket-abstract=no,rsize=14,mac=" MY_MAC "%u", p,
			 o.zero_copy ? "server" : "client", p, o.sockdir, p, p + 1);
	eal[ea++] = argv[0];
	eal[ea++] = "--file-prefix=espgw-gen";
	eal[ea++] = "--no-pci";
	eal[ea++] = "--no-huge";
	eal[ea++] = "-m";
	eal[ea++] = "512";
	eal[ea++] = getenv("GEN_LOG") ? getenv("GEN_LOG") : "--log-level=*:warning";
	eal[ea++] = lcores;
	eal[ea++] = "--vdev";
	eal[ea++] = vdev[0];
	eal[ea++] = "--vdev";
	eal[ea++] = vdev[1];
	if (rte_eal_init(ea, eal) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("gen", 16383, 256, 0, 2176, rte_socket_id());
	if (pool == NULL || ports_up() < 0) {
		fprintf(stderr, "espgw-gen: memif ports do not come up (is espgw running?)\n");
		return 1;
	}
	mb = alloc_mb_mgr(0);
	init_mb_mgr_auto(mb, NULL);
	IMB_AES128_GCM_PRE(mb, key, &kd);
	seq_tx = calloc(o.flows, sizeof(*seq_tx));
	seq_rx = calloc(o.flows, sizeof(*seq_rx));
	templates();
	hz = rte_get_tsc_hz();
	/* learn espgw's MACs, or take the fixed ones */
	for (unsigned p = 0; o.static_gw && p < 2; p++) {
		char mac[32];
		snprintf(mac, sizeof(mac), GW_MAC "%u", p + 1);
		rte_ether_unformat_addr(mac, &gwmac[p]);
		gw_known[p] = true;
	}
	for (int i = 0; (!gw_known[P_IN] || !gw_known[P_OUT]); i++) {
		if (i == 50) {
			fprintf(stderr, "espgw-gen: espgw does not answer ARP\n");
			return 1;
		}
		for (unsigned p = 0; p < 2; p++)
			if (!gw_known[p])
				arp_send(p, RTE_ARP_OP_REQUEST, p == P_IN ? gw_in : gw_out, NULL,
					 p == P_IN ? host_in : peer);
		t0 = rte_rdtsc();
		while (rte_rdtsc() - t0 < hz / 10)
			poll_rx(false);
	}
	/* warm-up (neighbour resolution, caches), then the measured window */
	t0 = rte_rdtsc();
	end = t0 + hz / 2 + (uint64_t)(o.seconds * hz);
	for (bool measuring = false; rte_rdtsc() < end;) {
		struct rte_mbuf *m[BURST];
		if (!measuring && rte_rdtsc() > t0 + hz / 2) {
			memset(&st, 0, sizeof(st));
			measuring = true;
			t0 = rte_rdtsc();
		}
		for (unsigned p = 0; p < 2; p++) {
			uint16_t n;
			if ((p == P_IN && !do_out) || (p == P_OUT && !do_in))
				continue;
			if (rte_pktmbuf_alloc_bulk(pool, m, BURST) != 0)
				break;
			for (unsigned i = 0; i < BURST; i++) {
				unsigned k = (t + i) % NTEMPL;
				if (p == P_IN)
					make_plain(m[i], k, idx + i);
				else
					make_esp(m[i], k, idx + i);
			}
			n = rte_eth_tx_burst(p, 0, m, BURST);
			for (unsigned i = 0; i < n; i++)
				st.tx_bytes += tp[(t + i) % NTEMPL].len;
			/* sent ESP takes its sequence number; unsent ones are rebuilt */
			if (p == P_OUT)
				for (unsigned i = n; i < BURST; i++)
					seq_tx[tp[(t + i) % NTEMPL].flow]--;
			rte_pktmbuf_free_bulk(m + n, BURST - n);
			st.tx += n;
			st.bursts++;
			st.short_bursts += n < BURST;	/* memif ring full: espgw behind */
			t += n;
			idx += n;
		}
		poll_rx(true);
	}
	/*
	 * Stop sending, keep receiving for a while before leaving: DPDK 22.11's
	 * net_memif unmaps its regions in the interrupt thread when the peer
	 * goes, under a TX burst of espgw's worker (a crash there), so let
	 * espgw's queues drain first.
	 */
	{
		uint64_t t2 = rte_rdtsc(), c0 = st.rx;
		double s = (double)(t2 - t0) / hz;
		while (rte_rdtsc() - t2 < hz / 3)
			poll_rx(false);
		st.rx = c0;
		double avg = st.tx ? (double)st.tx_bytes / st.tx : 0;
		const char *mode = do_out && do_in ? "memif-both" : do_out ? "memif-out" : "memif-in";
		char size[8];

		snprintf(size, sizeof(size), o.size > 0 ? "%d" : "imix", o.size);
		printf("%s,aes-gcm-128,%s,%u,%s,cpu,%lu,%.3f,%.3f,%.3f,0,tx_mpps=%.3f,checked=%lu,"
		       "bad=%lu,seq_errors=%lu,other=%lu,tx_full=%.2f\n", mode, size, o.flows, o.dist,
		       st.rx, s, st.rx / s / 1e6, st.rx * avg * 8 / s / 1e9, st.tx / s / 1e6,
		       st.checked, st.bad, st.seq_err, st.other,
		       st.bursts ? (double)st.short_bursts / st.bursts : 0.0);
		return st.rx == 0 || st.checked == 0 || st.bad || st.seq_err ? 1 : 0;
	}
}
