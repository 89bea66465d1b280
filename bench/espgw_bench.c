/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espgw-bench: the worker pipeline of espgw in one process, against the
 * crypto ceiling measured in the same run on the same core.
 *
 * Modes (one per run, one CSV line on stdout):
 *   outbound     plain packets -> SPD -> ESP -> route -> TX (net_null)
 *   inbound      ESP packets -> SAD -> decrypt -> selector -> route -> TX
 *   both         outbound and inbound bursts alternating on one worker
 *   ipsec-out/in ceiling: the crypto engine alone (seal/open of one SA) on
 *                the same packets, no lookup, routing or TX; with --engine cpu
 *                it is librte_ipsec + the same PMD
 *   raw          ceiling: Intel IPsec-MB directly on the same sizes and
 *                algorithm (bench_raw.c)
 *   install      control plane: SAs added through the rings to a running
 *                worker: installs/s and submit->all-acked latency p50/p99
 *   tunnels      control plane: IKE's SA pair and policy per tunnel
 *                (these two: bench_ctl.c)
 *   reload       control plane: time to apply a configuration of N SAs
 *
 * Every mode refills its mbufs from prebuilt frames each burst (what a NIC
 * does), so "ipsec" vs "outbound" isolates lookup, routing and TX.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/msgs.h"
#include "control/sa_mgr.h"
#include "control/tpol.h"
#include "dataplane/worker.h"
#include "bench/bench.h"

static struct {
	const char *mode, *alg, *dist, *engine;
	int size;			/* frame size; -1 = IMIX */
	unsigned sas, burst;
	double seconds;
	const char *pcap;		/* write the frames here and exit */
	unsigned pcap_count;
	uint8_t smac[6], dmac[6];	/* the pcap's Ethernet addresses */
	bool tunnel_table;		/* the policies as IKE's (per-tunnel table) */
	unsigned workers;		/* pipelines at once, each on its own CPU */
} o = { "outbound", "aes-gcm-128", "uniform", "native", 64, 1, 32, 2.0, NULL, 64,
	{ 2, 0, 0, 0, 0, 2 }, { 2, 0, 0, 0, 0, 1 }, false, 1 };

#define NTEMPL 4096		/* prebuilt frames, cycled */
struct tmpl {
	uint16_t len;		/* bytes handed to the pipeline */
	uint16_t plain;		/* the cleartext frame it stands for */
	uint8_t *data;
};
/* plain frames for the inside port, ESP frames for the outside port */
static struct tmpl tout[NTEMPL], tin[NTEMPL];

static const uint8_t key_out[36] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
	14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
	32, 33, 34, 35, 36 };
static const uint8_t auth_key[32] = { 0x55 };

static void
hex(char *out, const uint8_t *k, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", k[i]);
}

/* remote host i: 198.18.2.1 + i, up to 198.19.255.255 */
static uint32_t
remote_ip(unsigned i)
{
	return (198u << 24) | (18u << 16) | ((2u << 8) + 1 + i);
}

static const char *
ipstr(uint32_t a, char *b)
{
	sprintf(b, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return b;
}

/* The configuration: N outbound SAs (policy per remote host) and N inbound */
static char *
config_text(unsigned n, const char *alg, unsigned max_sas)
{
	const struct esp_alg_info *ai = &esp_alg_info[esp_alg_by_name(alg)];
	size_t cap = 4096 + (size_t)n * 700;
	char *t = malloc(cap), k[80], ak[80] = "", a[20];
	size_t off;

	hex(k, key_out, ai->enc_key_len);
	if (ai->auth_key_len)
		hex(ak, auth_key, ai->auth_key_len);
	off = snprintf(t, cap,
		"workers: %u\ncrypto_engine: %s\nmax_sas: %u\nmgmt_socket: /tmp/espgw-bench.sock\n"
		"eal: { file_prefix: espgw-bench, hugepages: false, memory_mb: %u }\n"
		"ports:\n  - { name: inside, devargs: net_null0, addresses: [198.18.1.1/24] }\n"
		"  - { name: outside, devargs: net_null1, addresses: [198.18.0.1/24] }\n"
		"routes:\n  - { prefix: 198.18.2.0/23, via: 198.18.0.2, port: outside }\n"
		"  - { prefix: 198.19.0.0/16, via: 198.18.0.2, port: outside }\nsas:\n",
		o.workers, o.engine, max_sas, 1024 + max_sas / 32 * 3);
	for (unsigned i = 0; i < n; i++) {
		off += snprintf(t + off, cap - off,
			"  - { name: o%u, direction: outbound, spi: %u, algorithm: %s, key: 0x%s,%s%s%s"
			" local: 198.18.0.1, remote: 198.18.0.2 }\n"
			"  - { name: i%u, direction: inbound, spi: %u, algorithm: %s, key: 0x%s,%s%s%s"
			" local: 198.18.0.1, remote: 198.18.0.2, replay_window: 0,"
			" selector: { dst: 198.18.1.0/24 } }\n",
			i, 0x10000 + i, alg, k, ak[0] ? " auth_key: 0x" : "", ak, ak[0] ? "," : "",
			i, 0x20000 + i, alg, k, ak[0] ? " auth_key: 0x" : "", ak, ak[0] ? "," : "");
	}
	off += snprintf(t + off, cap - off, "policies:\n");
	for (unsigned i = 0; i < n; i++)
		off += snprintf(t + off, cap - off,
			"  - { name: p%u, src: 198.18.1.0/24, dst: %s/32, action: protect, sa: o%u }\n",
			i, ipstr(remote_ip(i), a), i);
	return t;
}

static unsigned
frame_size(unsigned i)
{
	return bench_frame_size(o.size, i);
}

/* flow (SA) of template i: uniform, or Zipf(1) over the SAs */
static unsigned
flow_of(unsigned i)
{
	static double *cdf;
	double u;

	if (strcmp(o.dist, "zipf") != 0 || o.sas == 1)
		return i % o.sas;
	if (cdf == NULL) {
		double sum = 0;
		cdf = malloc(o.sas * sizeof(*cdf));
		for (unsigned k = 0; k < o.sas; k++)
			cdf[k] = (sum += 1.0 / (k + 1));
		for (unsigned k = 0; k < o.sas; k++)
			cdf[k] /= sum;
	}
	u = (double)rand() / RAND_MAX;
	unsigned lo = 0, hi = o.sas - 1;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Plain Ethernet/IPv4/UDP frame of `len` bytes from the inside host. */
static void
build_plain(uint8_t *f, unsigned len, uint32_t dst)
{
	struct rte_ether_hdr *eh = (void *)f;
	struct rte_ipv4_hdr *ip = (void *)(eh + 1);
	struct rte_udp_hdr *udp = (void *)(ip + 1);

	memset(f, 0, len);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memcpy(&eh->dst_addr, &dp.port[0].mac, 6);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len - sizeof(*eh));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32((198u << 24) | (18u << 16) | (1u << 8) | 2);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(1024);
	udp->dst_port = rte_cpu_to_be_16(9);
	udp->dgram_len = rte_cpu_to_be_16(len - sizeof(*eh) - sizeof(*ip));
}

/*
 * Apply the configuration through the rings to a running worker (as the
 * daemon does; more messages than a ring holds need a consumer), then stop
 * that worker so this thread can drive its pipeline directly.
 */
static uint64_t
apply_with_worker(struct espgw_config *c)
{
	char err[512];
	uint64_t t0 = rte_rdtsc();

	struct policy_desc *pol = c->policies;
	unsigned n_pol = c->n_policies;

	if (o.tunnel_table)	/* not into the rte_acl SPD: added below as IKE does */
		c->n_policies = 0;
	if (dp_start() < 0 || ctl_apply(c, err, sizeof(err)) < 0) {
		log_err("%s", err);
		exit(1);
	}
	for (unsigned i = 0; o.tunnel_table && i < n_pol; i++) {
		struct policy_desc p = pol[i];
		p.dynamic = true;
		p.priority = 1000000 + i;
		if (ctl_policy_add(&p, err, sizeof(err)) < 0 ||
		    !(ctl_tunnel_policies() == i + 1)) {
			log_err("policy %s not in the tunnel table: %s", p.name, err);
			exit(1);
		}
	}
	c->n_policies = n_pol;
	ctl_quit();		/* returns once everything was acked */
	rte_eal_mp_wait_lcore();
	/* what the workers saw on the null ports meanwhile is not the bench's */
	for (unsigned i = 0; i < dp.n_workers; i++) {
		memset(&dp.w[i]->ctr, 0, sizeof(dp.w[i]->ctr));
		memset(dp.w[i]->pctr, 0, sizeof(dp.w[i]->pctr));
	}
	return rte_rdtsc() - t0;
}

/* fill n mbufs from templates starting at *t (what RX would hand us) */
static int
refill(struct rte_mempool *mp, struct rte_mbuf **m, unsigned n, unsigned *t,
       const struct tmpl *templ)
{
	if (rte_pktmbuf_alloc_bulk(mp, m, n) != 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		unsigned k = (*t)++ % NTEMPL;
		rte_memcpy(rte_pktmbuf_mtod(m[i], void *), templ[k].data, templ[k].len);
		m[i]->data_len = m[i]->pkt_len = templ[k].len;
	}
	return 0;
}

/*
 * Make the inbound templates: encrypt plain frames from each remote host
 * with the twin of inbound SA i (same SPI and key) through the engine.
 */
/* the peer's outbound SA of flow f: its outer header comes to us */
static struct dp_sa *
twin_of(unsigned f)
{
	struct sa_desc d = *config_find_sa(ctl.cfg, "o0");
	struct dp_sa *twin;
	char err[200];

	snprintf(d.name, sizeof(d.name), "twin");
	d.spi = 0x20000 + f;
	d.local = ctl.sa[ctl_find_sa("o0")].desc.remote;
	d.remote = ctl.sa[ctl_find_sa("o0")].desc.local;
	if (dp_sa_create(&d, 0, &twin, err, sizeof(err)) < 0) {
		log_err("%s", err);
		exit(1);
	}
	return twin;
}

/* one ESP frame of flow f sealed by twin (its next sequence number) into
 * out, Ethernet addresses as given: its length */
static unsigned
seal_inbound(struct dp_worker *w, struct dp_sa *twin, unsigned f, unsigned len, uint8_t *out,
	     const uint8_t *smac, const uint8_t *dmac)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	uint8_t why[1];
	unsigned n;

	build_plain(rte_pktmbuf_mtod(m, uint8_t *), len, 0);
	{
		/* inner packet: remote host -> inside host */
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, void *, 14);
		ip->src_addr = rte_cpu_to_be_32(remote_ip(f));
		ip->dst_addr = rte_cpu_to_be_32((198u << 24) | (18u << 16) | (1u << 8) | 2);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	m->data_len = m->pkt_len = len;
	rte_pktmbuf_adj(m, 14);
	m->l2_len = 0;
	m->l3_len = 20;
	if (esp_seal(w, twin, &m, 1, why) != 1) {
		log_err("cannot build an inbound frame");
		exit(1);
	}
	{
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, void *);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	memcpy(out, dmac, 6);
	memcpy(out + 6, smac, 6);
	out[12] = RTE_ETHER_TYPE_IPV4 >> 8;
	out[13] = RTE_ETHER_TYPE_IPV4 & 0xff;
	n = rte_pktmbuf_pkt_len(m);
	memcpy(out + 14, rte_pktmbuf_mtod(m, uint8_t *), n);
	n += 14;
	rte_pktmbuf_free(m);
	return n;
}

static void
build_inbound(struct dp_worker *w)
{
	static const uint8_t zero[6];
	uint8_t buf[2048];

	for (unsigned t = 0; t < NTEMPL; t++) {
		unsigned f = flow_of(t), len = frame_size(t);
		struct dp_sa *twin = twin_of(f);
		tin[t].len = (uint16_t)seal_inbound(w, twin, f, len, buf, zero, zero);
		tin[t].plain = (uint16_t)len;
		tin[t].data = malloc(tin[t].len);
		memcpy(tin[t].data, buf, tin[t].len);
		dp_sa_free(twin);
	}
}

/*
 * For pktgen's replay (docs/pktgen.md): pcap_count ESP frames made one by
 * one, each flow's SA numbering its packets 1, 2, 3, ... as a real peer
 * does (so espgw's replay window stays on), with the given MACs; written
 * as they are made, so a file may be as long as a run needs.
 */
static void
write_inbound_pcap(struct dp_worker *w)
{
	FILE *f = fopen(o.pcap, "wb");
	const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	struct dp_sa **twin = calloc(o.sas, sizeof(*twin));
	uint8_t buf[2048];

	if (f == NULL || twin == NULL) {
		perror(o.pcap);
		exit(1);
	}
	fwrite(hdr, sizeof(hdr), 1, f);
	for (unsigned k = 0; k < o.pcap_count; k++) {
		unsigned fl = flow_of(k % NTEMPL);
		unsigned n;
		uint32_t rec[4];
		if (twin[fl] == NULL)
			twin[fl] = twin_of(fl);
		n = seal_inbound(w, twin[fl], fl, frame_size(k % NTEMPL), buf, o.smac, o.dmac);
		rec[0] = k / 1000000;
		rec[1] = k % 1000000;
		rec[2] = rec[3] = n;
		fwrite(rec, sizeof(rec), 1, f);
		fwrite(buf, n, 1, f);
	}
	for (unsigned i = 0; i < o.sas; i++)
		dp_sa_free(twin[i]);
	free(twin);
	if (fclose(f) != 0) {
		perror(o.pcap);
		exit(1);
	}
	exit(0);
}

static void
build_outbound(void)
{
	struct tmpl *templ = tout;

	for (unsigned t = 0; t < NTEMPL; t++) {
		templ[t].len = templ[t].plain = frame_size(t);
		templ[t].data = malloc(templ[t].len);
		build_plain(templ[t].data, templ[t].len, remote_ip(flow_of(t)));
	}
}

/* The plain frames this run would use (at most NTEMPL: pktgen replays
 * them in a loop), as a pcap for pktgen (docs/pktgen.md). */
static void
write_pcap(const struct tmpl *templ)
{
	FILE *f = fopen(o.pcap, "wb");
	const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };

	if (f == NULL) {
		perror(o.pcap);
		exit(1);
	}
	fwrite(hdr, sizeof(hdr), 1, f);
	for (unsigned t = 0; t < o.pcap_count && t < NTEMPL; t++) {
		const uint32_t rec[4] = { 0, t, templ[t].len, templ[t].len };
		fwrite(rec, sizeof(rec), 1, f);
		/* the given MACs: pktgen's port to espgw's */
		fwrite(o.dmac, 6, 1, f);
		fwrite(o.smac, 6, 1, f);
		fwrite(templ[t].data + 12, templ[t].len - 12u, 1, f);
	}
	fclose(f);
	exit(0);
}

static void
report(const char *mode, struct result r, const char *extra)
{
	double s = (double)r.cycles / rte_get_tsc_hz();
	char size[16], name[48];

	if (o.size > 0)
		snprintf(size, sizeof(size), "%d", o.size);
	else
		snprintf(size, sizeof(size), "imix");
	/* several workers: their own rows (outbound-w2, ...) */
	if (o.workers > 1)
		snprintf(name, sizeof(name), "%s-w%u", mode, o.workers);
	else
		snprintf(name, sizeof(name), "%s", mode);
	printf("%s,%s,%s,%u,%s,%s,%lu,%.3f,%.3f,%.3f,%.1f%s\n", name, o.alg,
	       size, o.sas, o.dist, o.engine,
	       r.pkts, s, r.pkts / s / 1e6, r.bytes * 8 / s / 1e9,
	       r.pkts ? (double)r.cycles / r.pkts : 0, extra ? extra : "");
}

/*
 * Throughput is counted in cleartext frame bytes in every mode, so that
 * outbound, inbound and the ceilings compare (Gbit/s of user traffic).
 */
static uint64_t
tbytes(const struct tmpl *templ, unsigned t)
{
	return templ[t % NTEMPL].plain;
}

/*
 * in_port 0: plain frames into the inside port (outbound), 1: ESP into the
 * outside port (inbound), 2: both, alternating bursts.
 */
static struct result
run_pipeline(struct dp_worker *w, unsigned in_port)
{
	struct rte_mbuf *m[DP_BURST];
	struct result r = { 0 };
	uint64_t end, start, tx0 = 0, tx1 = 0;
	unsigned t = 0, burst = 0;

	for (unsigned p = 0; p < dp.n_ports; p++)
		tx0 += w->pctr[p].tx_pkts;
	start = rte_rdtsc();
	w->st_t = start;
	end = start + (uint64_t)(o.seconds * rte_get_tsc_hz());
	while (rte_rdtsc() < end) {
		for (int i = 0; i < 64; i++, burst++) {
			unsigned t0 = t;
			uint16_t port = in_port < 2 ? in_port : burst & 1;
			const struct tmpl *templ = port ? tin : tout;
			if (refill(w->pool, m, o.burst, &t, templ) < 0)
				break;
			for (unsigned k = t0; k < t; k++)
				r.bytes += tbytes(templ, k);
			stage_mark(w, ST_RX);	/* the refill stands for RX */
			worker_burst(w, port, m, o.burst);
			worker_flush(w);
			stage_mark(w, ST_TX);
		}
	}
	r.cycles = rte_rdtsc() - start;
	for (unsigned p = 0; p < dp.n_ports; p++)
		tx1 += w->pctr[p].tx_pkts;
	r.pkts = tx1 - tx0;
#ifdef ESPGW_STAGE_CYCLES
	/* cycles per packet of each stage, to stderr (the CSV stays stable) */
	for (int st = 0; st < ST_MAX; st++)
		fprintf(stderr, "stage %s %.1f\n", dp_stage_name[st],
			r.pkts ? (double)w->ctr.cycles[st] / r.pkts : 0.0);
#endif
	/* a benchmark that drops is measuring the wrong thing: say so */
	for (int d = 0; d < ESPGW_DROP_MAX; d++)
		if (w->ctr.drops[d])
			fprintf(stderr, "espgw-bench: %lu packets dropped as %s\n",
				w->ctr.drops[d], espgw_drop_name[d]);
	return r;
}

struct pl_arg {
	struct dp_worker *w;
	unsigned port;
	struct result r;
};

static int
pl_lcore(void *arg)
{
	struct pl_arg *a = arg;

	a->r = run_pipeline(a->w, a->port);
	return 0;
}

/*
 * The pipeline on every worker at once (--workers): each worker but the
 * last on its own lcore, the last driven from here (CPU 0: the control
 * thread has nothing to do during the run). The same SAs for all: one
 * tunnel's traffic spread over the workers. Packets add up; the time is
 * the longest worker's.
 */
static struct result
run_workers(unsigned in_port)
{
	struct pl_arg a[MAX_WORKERS];
	struct result r = { 0 };
	unsigned n = dp.n_workers;

	for (unsigned i = 0; i + 1 < n; i++) {
		a[i] = (struct pl_arg){ dp.w[i], in_port, { 0 } };
		if (rte_eal_remote_launch(pl_lcore, &a[i], dp.w[i]->lcore) != 0)
			exit(1);
	}
	a[n - 1].r = run_pipeline(dp.w[n - 1], in_port);
	rte_eal_mp_wait_lcore();
	for (unsigned i = 0; i < n; i++) {
		r.pkts += a[i].r.pkts;
		r.bytes += a[i].r.bytes;
		r.cycles = RTE_MAX(r.cycles, a[i].r.cycles);
	}
	return r;
}

/*
 * Ceiling: the engine alone (seal or open of one SA: librte_ipsec + the
 * PMD for cpu/lookaside, IPsec-MB for native) on the same refilled
 * packets, no lookups, no routing, no TX.
 */
static struct result
run_ipsec(struct dp_worker *w, struct dp_sa *sa, const struct tmpl *templ)
{
	struct rte_mbuf *m[DP_BURST];
	uint64_t seq[DP_BURST];
	uint8_t why[DP_BURST];
	struct result r = { 0 };
	uint64_t end, start;
	unsigned t = 0;
	bool in = sa->dir == SA_DIR_INBOUND;

	start = rte_rdtsc();
	end = start + (uint64_t)(o.seconds * rte_get_tsc_hz());
	while (rte_rdtsc() < end) {
		for (int i = 0; i < 64; i++) {
			unsigned t0 = t, k;
			if (refill(w->pool, m, o.burst, &t, templ) < 0)
				break;
			for (unsigned j = 0; j < o.burst; j++) {
				rte_pktmbuf_adj(m[j], 14);
				m[j]->l2_len = 0;
				m[j]->l3_len = 20;
				uint32_t sq;	/* 2 bytes past an aligned Ethernet header */
				memcpy(&sq, rte_pktmbuf_mtod_offset(m[j], uint8_t *, 24), 4);
				seq[j] = rte_be_to_cpu_32(sq);
				r.bytes += tbytes(templ, t0 + j);
			}
			k = in ? esp_open(w, sa, m, o.burst, seq, why) :
			    esp_seal(w, sa, m, o.burst, why);
			r.pkts += k;
			rte_pktmbuf_free_bulk(m, o.burst);
		}
	}
	r.cycles = rte_rdtsc() - start;
	return r;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "alg", required_argument, NULL, 'a' },
		{ "size", required_argument, NULL, 's' },
		{ "sas", required_argument, NULL, 'n' },
		{ "dist", required_argument, NULL, 'd' },
		{ "engine", required_argument, NULL, 'e' },
		{ "seconds", required_argument, NULL, 't' },
		{ "burst", required_argument, NULL, 'b' },
		{ "write-pcap", required_argument, NULL, 'w' },
		{ "tunnel-table", no_argument, NULL, 'T' },
		{ "pcap-count", required_argument, NULL, 'c' },
		{ "workers", required_argument, NULL, 'W' },
		{ "pcap-src-mac", required_argument, NULL, 'S' },
		{ "pcap-dst-mac", required_argument, NULL, 'D' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct espgw_config *c;
	struct dp_worker *w;
	char err[512], *text;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'v': printf("espgw-bench %s\n", ESPGW_VERSION); return 0;
		case 'm': o.mode = optarg; break;
		case 'a': o.alg = optarg; break;
		case 's': o.size = strcmp(optarg, "imix") ? atoi(optarg) : -1; break;
		case 'n': o.sas = atoi(optarg); break;
		case 'd': o.dist = optarg; break;
		case 'e': o.engine = optarg; break;
		case 't': o.seconds = atof(optarg); break;
		case 'b': o.burst = atoi(optarg); break;
		case 'W': o.workers = atoi(optarg); break;
		case 'w': o.pcap = optarg; break;
		case 'T': o.tunnel_table = true; break;
		case 'c': o.pcap_count = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'S':
		case 'D': {
			unsigned m[6];
			uint8_t *to = opt == 'S' ? o.smac : o.dmac;
			if (sscanf(optarg, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3],
				   &m[4], &m[5]) != 6) {
				fprintf(stderr, "espgw-bench: '%s' is not a MAC address\n", optarg);
				return 2;
			}
			for (int i = 0; i < 6; i++)
				to[i] = (uint8_t)m[i];
			break;
		}
		default:
			fprintf(stderr, "usage: espgw-bench --mode M [--alg A] [--size N|imix] "
				"[--sas N] [--dist uniform|zipf] [--engine native|cpu|lookaside] "
				"[--seconds S] [--burst N] [--write-pcap FILE [--pcap-count N] "
				"[--pcap-src-mac M] [--pcap-dst-mac M]] [--tunnel-table]\n");
			return 2;
		}
	}
	if (esp_alg_by_name(o.alg) < 0 || o.sas == 0 || o.sas > 130000 ||
	    o.burst == 0 || o.burst > DP_BURST || (o.size > 0 && (o.size < 60 || o.size > 1500))) {
		fprintf(stderr, "espgw-bench: bad arguments\n");
		return 2;
	}
	espgw_log_level = LOG_LVL_WARN;
	/* install: the file has one pair, the run adds o.sas more */
	text = config_text(!strcmp(o.mode, "install") || !strcmp(o.mode, "tunnels") ? 1 : o.sas,
			   o.alg, 2 * o.sas + 64);
	c = config_load_string(text, "<bench>", err, sizeof(err));
	if (c == NULL) {
		log_err("%s", err);
		return 1;
	}
	if (dp_init(c, argv[0]) < 0 || ctl_init_tables(c, err, sizeof(err)) < 0)
		return 1;
	w = dp.w[0];
	if (!strcmp(o.mode, "reload")) {
		/* parse + build + install + all acked, for o.sas SA pairs */
		uint64_t t0 = rte_rdtsc(), t1;
		struct espgw_config *c2 = config_load_string(text, "<bench>", err, sizeof(err));
		char extra[80];

		t1 = rte_rdtsc();
		if (c2 == NULL) {
			log_err("%s", err);
			return 1;
		}
		apply_with_worker(c2);
		snprintf(extra, sizeof(extra), ",parse_s=%.3f", (double)(t1 - t0) / rte_get_tsc_hz());
		report("reload", (struct result){ o.sas, 0, rte_rdtsc() - t0 }, extra);
		return 0;
	}
	if (!strcmp(o.mode, "tunnels") || !strcmp(o.mode, "install")) {
		char extra[200];
		bool tun = !strcmp(o.mode, "tunnels");
		struct result r = tun ? bench_tunnels(o.sas, extra, sizeof(extra)) :
			bench_install(o.sas, extra, sizeof(extra));
		report(o.mode, r, extra);
		if (!tun)
			ctl_quit();
		return 0;
	}
	apply_with_worker(c);
	/* the inside host and the next hop are known neighbours */
	{
		struct ip_addr a = { .family = AF_INET };
		struct rte_ether_addr mac = { { 2, 0, 0, 0, 0, 1 } };
		uint32_t v = rte_cpu_to_be_32((198u << 24) | (18u << 16) | 2);
		memcpy(a.a, &v, 4);
		dp_neigh_set(1, &a, &mac);
		v = rte_cpu_to_be_32((198u << 24) | (18u << 16) | (1u << 8) | 2);
		memcpy(a.a, &v, 4);
		dp_neigh_set(0, &a, &mac);
	}
	srand(1);
	if (!strcmp(o.mode, "outbound") || !strcmp(o.mode, "ipsec-out") ) {
		build_outbound();
		if (o.pcap)
			write_pcap(tout);
		if (!strcmp(o.mode, "outbound"))
			report(o.tunnel_table ? "outbound-tunnel" : "outbound",
			       run_workers(0), NULL);
		else
			report("ipsec-out", run_ipsec(w, ctl.sa[ctl_find_sa("o0")].dp, tout), NULL);
	} else if (!strcmp(o.mode, "inbound") || !strcmp(o.mode, "ipsec-in")) {
		build_inbound(w);
		if (o.pcap)
			write_inbound_pcap(w);
		if (!strcmp(o.mode, "inbound"))
			report("inbound", run_workers(1), NULL);
		else
			report("ipsec-in", run_ipsec(w, ctl.sa[ctl_find_sa("i0")].dp, tin), NULL);
	} else if (!strcmp(o.mode, "both")) {
		build_outbound();
		build_inbound(w);
		report("both", run_workers(2), NULL);
	} else if (!strcmp(o.mode, "raw")) {
		report("raw", bench_raw(o.alg, o.size, o.seconds, key_out, auth_key), NULL);
	} else {
		fprintf(stderr, "espgw-bench: unknown mode %s\n", o.mode);
		return 2;
	}
	return 0;
}
