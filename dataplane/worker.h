/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker-private state and the stages of the per-burst packet path. */
#ifndef ESPGW_WORKER_H
#define ESPGW_WORKER_H

#include <rte_crypto.h>
#include <rte_cycles.h>
#include <rte_ip.h>

#include "dataplane/dp.h"
#include "dataplane/pkt_checks.h"
#include "dataplane/spi_index.h"

struct tx_buf {
	uint16_t n;
	struct rte_mbuf *m[DP_BURST * 4];
};

#define NCACHE 64

struct neigh_cache {
	uint32_t gen;
	uint16_t port;
	uint8_t family;
	uint8_t a[16];
	struct rte_ether_addr mac;
};

/* Where a packet leaves: port, next hop and (if resolved) its MAC. */
struct w_hop {
	uint16_t port;
	uint8_t family;
	bool local, resolved;
	const uint8_t *addr;
	struct rte_ether_addr dmac;
};

/* the last destination w_hop_memo resolved, while it stays valid */
struct w_memo {
	bool valid;
	uint8_t family;
	uint8_t dst[16];
	struct w_hop h;
};
/* a burst's outbound packets on native-engine SAs, sealed together once
 * all its SA groups are in (esp_outbound.c) */
#define ESP_SEAL_MAX (DP_BURST * 4)
struct seal_q {
	struct rte_mbuf *m[ESP_SEAL_MAX];
	struct dp_sa *sa[ESP_SEAL_MAX];
	uint32_t plen[ESP_SEAL_MAX];	/* length before ESP, for the counters */
	uint8_t grp[ESP_SEAL_MAX];	/* its group: the tunnel hop below */
	struct w_hop hop[ESP_SEAL_MAX];
	bool tun[ESP_SEAL_MAX];		/* false: transport, routed per packet */
	uint16_t n, ng;
};

struct dp_worker {
	unsigned idx, lcore;
	struct rte_ring *msg_ring;	/* control -> worker (SPSC) */
	struct rte_ring *ev_ring;	/* worker -> control (SPSC) */
	struct rte_ring *punt_ring;	/* worker -> control (SPSC) */
	struct rte_mempool *pool;
	struct rte_mempool *cop_pool;	/* lookaside crypto ops */
	struct IMB_MGR *mb;		/* native engine: this worker's job manager */
	struct spi_index *sidx;		/* inbound SAs by SPI */
	struct fc_ent *fc;		/* outbound flow cache (flow_cache.h) */
	uint32_t fc_gen;		/* its generation: +1 per control message */
	struct w_memo out_memo;		/* outbound: the burst's last tunnel hop */
	struct seal_q sq;		/* outbound: native SAs' packets to seal */
	struct dp_spd *spd;
	struct dp_dyn *dyn;		/* IKE's per-tunnel policies, this worker's */
	struct dp_rt *rt;
	unsigned n_rxq;
	struct { uint16_t port, queue; } rxq[DP_MAX_PORTS];
	unsigned idle;
	struct tx_buf tx[DP_MAX_PORTS];
	struct dp_worker_ctr ctr;
	struct dp_port_ctr pctr[DP_MAX_PORTS];
	struct dp_sa_ctr *sa_ctr;	/* [max_sas], this worker's only */
	struct dp_capture *cap;		/* espgwctl capture; NULL: none (MSG_CAP_SET) */
	struct neigh_cache ncache[NCACHE];
	uint64_t st_t;			/* stage clock (stage_cycles builds) */
};

/*
 * Charge the cycles since the last mark to stage s. Marks sit at the
 * boundaries of the packet path, so every cycle lands in one stage; with
 * the build option off this is nothing at all.
 */
static inline void
stage_mark(struct dp_worker *w, enum dp_stage s)
{
#ifdef ESPGW_STAGE_CYCLES
	uint64_t t = rte_rdtsc();
	w->ctr.cycles[s] += t - w->st_t;
	w->st_t = t;
#else
	(void)w;
	(void)s;
#endif
}

/*
 * One's-complement sum of an IPv4 header (ihl 32-bit words), folded: the
 * word-at-a-time form of RFC 1071 that the per-packet path can afford.
 * 0xffff over a header with its checksum means the checksum is right.
 */
static inline uint16_t
ip4_hdr_sum(const void *hdr, unsigned ihl)
{
	const uint8_t *p = hdr;
	uint64_t sum = 0;

	/*
	 * memcpy: headers sit 2 bytes past an aligned Ethernet header, and
	 * callers just stored the checksum field as a uint16_t; this is one
	 * unaligned load per word on x86 and defined behaviour everywhere.
	 */
	for (unsigned i = 0; i < ihl; i++) {
		uint32_t v;
		memcpy(&v, p + 4 * i, 4);
		sum += v;
	}
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Set the header checksum of an IPv4 header in place. */
static inline void
ip4_set_cksum(struct rte_ipv4_hdr *ip)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~ip4_hdr_sum(ip, ip->version_ihl & 0xf);
}

/* capture.c: a copy of m, when the capture wants it (l2: m starts with
 * its Ethernet header) */
void dp_capture_one(struct dp_capture *c, struct rte_mbuf *m, unsigned point, uint16_t port,
		    const struct dp_sa *sa, int drop, bool l2);

static inline void
w_cap(struct dp_worker *w, struct rte_mbuf *m, unsigned point, uint16_t port,
      const struct dp_sa *sa)
{
	if (unlikely(w->cap != NULL))
		dp_capture_one(w->cap, m, point, port, sa, -1, point != CAP_PLAIN);
}

static inline void
w_cap_burst(struct dp_worker *w, struct rte_mbuf **m, unsigned n, unsigned point, uint16_t port)
{
	if (unlikely(w->cap != NULL))
		for (unsigned i = 0; i < n; i++)
			dp_capture_one(w->cap, m[i], point, port, NULL, -1, true);
}

/* a dropped packet: its Ethernet header is still on before classification
 * (l2-malformed) and on the way out (tx-full), gone in between */
static inline void
w_cap_drop(struct dp_worker *w, struct rte_mbuf *m, enum espgw_drop why)
{
	if (unlikely(w->cap != NULL))
		dp_capture_one(w->cap, m, CAP_DROP, m->port, NULL, why,
			       why == ESPGW_DROP_L2_MALFORMED || why == ESPGW_DROP_TX_FULL);
}

static inline void
w_drop(struct dp_worker *w, struct rte_mbuf *m, enum espgw_drop why)
{
	w_cap_drop(w, m, why);
	w->ctr.drops[why]++;
	rte_pktmbuf_free(m);
}

/*
 * Dropped here, and the control thread is asked to tell the sender with an
 * ICMP error (punt reason why_punt). Counted once, under why: a full punt
 * ring only costs the ICMP error.
 */
static inline void
w_drop_notify(struct dp_worker *w, struct rte_mbuf *m, enum espgw_drop why,
	      uint8_t why_punt)
{
	struct dp_punt_meta *md = dp_meta(m);

	w_cap_drop(w, m, why);
	w->ctr.drops[why]++;
	md->reason = why_punt;
	md->port = m->port;
	if (rte_ring_sp_enqueue(w->punt_ring, m) != 0)
		rte_pktmbuf_free(m);
	else
		w->ctr.punted++;
}

/* Parse the IP header at the data start; -1 when it is not one. */
static inline int
pkt_parse_l3(struct rte_mbuf *m, struct pkt_info *pi)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint32_t hl, l4;

	if (len < 1)
		return -1;
	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;
		if (len < sizeof(*ip))
			return -1;
		hl = (ip->version_ihl & 0xf) * 4u;
		if (hl < 20 || len < hl || rte_be_to_cpu_16(ip->total_length) < hl)
			return -1;
		pi->family = AF_INET;
		pi->proto = ip->next_proto_id;
		pi->src = (const uint8_t *)&ip->src_addr;
		pi->dst = (const uint8_t *)&ip->dst_addr;
		l4 = hl;
		/* ports only in first fragments */
		if (rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK)
			l4 = 0;
	} else if ((p[0] >> 4) == 6) {
		const struct rte_ipv6_hdr *ip6 = (const void *)p;
		if (len < sizeof(*ip6))
			return -1;
		pi->family = AF_INET6;
		pi->proto = ip6->proto;
		pi->src = ip6->src_addr;
		pi->dst = ip6->dst_addr;
		l4 = sizeof(*ip6);
	} else {
		return -1;
	}
	pi->sport = pi->dport = 0;
	if (l4 != 0 && (pi->proto == IPPROTO_UDP || pi->proto == IPPROTO_TCP ||
			pi->proto == IPPROTO_SCTP) && len >= l4 + 4) {
		pi->sport = rte_be_to_cpu_16(*(const uint16_t *)(p + l4));
		pi->dport = rte_be_to_cpu_16(*(const uint16_t *)(p + l4 + 2));
	}
	return 0;
}


/* Decrement TTL / hop limit of a forwarded packet; false if it expired. */
static inline bool
w_dec_ttl(struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	if ((p[0] >> 4) == 4) {
		struct rte_ipv4_hdr *ip = (void *)p;
		uint32_t sum;
		if (ip->time_to_live <= 1)
			return false;
		ip->time_to_live--;
		/* RFC 1624 incremental update: TTL is the high byte */
		sum = (uint32_t)ip->hdr_checksum + rte_cpu_to_be_16(0x0100);
		ip->hdr_checksum = (uint16_t)(sum + (sum >> 16));
		return true;
	}
	struct rte_ipv6_hdr *ip6 = (void *)p;
	if (ip6->hop_limits <= 1)
		return false;
	ip6->hop_limits--;
	return true;
}

/* Queue m for TX on port (sent by worker_flush); full: counted drop. */
static inline void
w_tx_enqueue(struct dp_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct tx_buf *t = &w->tx[port];

	if (t->n == RTE_DIM(t->m)) {
		w_drop(w, m, ESPGW_DROP_TX_FULL);
		return;
	}
	t->m[t->n++] = m;
}

void w_forward(struct dp_worker *w, struct rte_mbuf *m, bool dec_ttl);
int w_resolve(struct dp_worker *w, int family, const uint8_t *dst, struct w_hop *h);
int w_hop_memo(struct dp_worker *w, struct w_memo *mo, int family, const uint8_t *dst,
	       struct w_hop *h);
void w_forward_memo(struct dp_worker *w, struct rte_mbuf *m, const struct pkt_info *pi,
		    struct w_memo *mo);
void w_send(struct dp_worker *w, struct rte_mbuf *m, const struct w_hop *h);
void w_punt(struct dp_worker *w, struct rte_mbuf *m, uint8_t reason,
	    uint16_t port);
int w_route(struct dp_worker *w, int family, const uint8_t *dst);

/* ESP that is not ours (no SA, not to us) goes back in transit[] for
 * the outbound path; returns how many */
unsigned esp_inbound(struct dp_worker *w, struct rte_mbuf **m, unsigned n,
		     struct rte_mbuf **transit);
/* pis: the packets' selectors (family 0: not IP), or NULL to parse them here */
void esp_outbound(struct dp_worker *w, struct rte_mbuf **m, const struct pkt_info *pis,
		  unsigned n);
/* sad.c: this worker's SAD; an inbound SA in (add) or out */
void dp_sad_apply(struct dp_worker *w, struct dp_sa *sa, bool add);
/* the SAs of a burst of ESP (header at l3_len): sa[i] m[i]'s or NULL; too
 * short for an ESP header: dropped (m[] closes up). How many stay. */
unsigned dp_sad_lookup(struct dp_worker *w, struct rte_mbuf **m, unsigned n, struct dp_sa **sa);
/*
 * The engine contract (esp_crypto.c): seal (outbound: ESP and outer
 * headers, encrypted, ready to send) or open (inbound: verified,
 * decrypted, ESP removed; seq[] each packet's full sequence number) one
 * SA's packets. Good ones first in their order, the return value says how
 * many; why[i] is the drop reason of each of the rest.
 */
uint16_t esp_seal(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m,
		  uint16_t n, uint8_t *why);
uint16_t esp_open(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m,
		  uint16_t n, const uint64_t *seq, uint8_t *why);
/* esp_native.c: the same on Intel IPsec-MB directly */
/* n <= ESP_SEAL_MAX packets, each of its SA sa[i] (an SA's packets next to
 * each other), sealed in one multi-buffer pass across SAs; order kept,
 * why[i] 0 when sealed, else the drop reason */
void esp_native_seal_multi(struct dp_worker *w, struct dp_sa **sa, struct rte_mbuf **m,
			   uint16_t n, uint8_t *why);
uint16_t esp_native_seal(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m,
			 uint16_t n, uint8_t *why);
uint16_t esp_native_open(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m,
			 uint16_t n, const uint64_t *seq, uint8_t *why);
int esp_native_worker_init(struct dp_worker *w);
void esp_native_worker_fini(struct dp_worker *w);
unsigned esp_life_take(struct dp_worker *w, struct dp_sa *sa, unsigned n,
		      uint64_t bytes);

/* Why an SA past its hard limit drops: the limit that was reached. */
static inline enum espgw_drop
sa_expired_reason(const struct dp_sa *sa)
{
	return sa->lim.hard_is_seq ? ESPGW_DROP_SEQ_OVERFLOW : ESPGW_DROP_SA_EXPIRED;
}

static inline void
w_drop_expired(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m,
	       unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++)
		w_drop(w, m[i], sa_expired_reason(sa));
}

/* The worker loop's pieces, also driven directly by bench/. */
void worker_burst(struct dp_worker *w, uint16_t port, struct rte_mbuf **pkts,
		  uint16_t n);
void worker_flush(struct dp_worker *w);
unsigned worker_msgs(struct dp_worker *w, bool *quit);
void worker_handle_msg(struct dp_worker *w, struct dp_msg *m);
int worker_main(void *arg);

typedef void (*sa_group_fn)(struct dp_worker *w, struct dp_sa *sa,
			    struct rte_mbuf **m, uint16_t n);

/* the lines of an SA a packet reads (struct dp_sa): 0-2, the lifetime
 * line, and librte_ipsec's session for its engines */
static inline void
sa_prefetch(const struct dp_sa *sa)
{
	if (sa != NULL) {
		rte_prefetch0(sa);
		rte_prefetch0((const uint8_t *)sa + RTE_CACHE_LINE_SIZE);
		rte_prefetch0((const uint8_t *)sa + 2 * RTE_CACHE_LINE_SIZE);
		rte_prefetch0(&sa->life);
	}
}

/* the native engine's key lines its cipher reads (sa->nk_lines), once the
 * SA's own lines are in or on their way */
static inline void
sa_keys_prefetch(const struct dp_sa *sa)
{
	const uint8_t *k = (const void *)sa->nk;

	for (uint32_t l = sa->nk_lines; l != 0; l &= l - 1)
		rte_prefetch0(k + (unsigned)__builtin_ctz(l) * RTE_CACHE_LINE_SIZE);
}

/*
 * Hand fn each SA's packets of a burst at once, in arrival order within
 * the SA: each group costs a call (route, lifetime, seal or open), so two packets of
 * one SA separated by another SA's should still travel together.
 */
static inline void
for_each_sa_group(struct dp_worker *w, struct dp_sa **sa_of, struct rte_mbuf **m,
		  unsigned n, sa_group_fn fn)
{
	enum { SLOTS = 64, END = 0xff };
	struct dp_sa *key[SLOTS];
	uint8_t first[SLOTS], last[SLOTS], next[DP_BURST], order[DP_BURST];
	struct rte_mbuf *grp[DP_BURST];
	unsigned ng = 0, i;

	_Static_assert(DP_BURST < END && DP_BURST <= SLOTS / 2, "group indexes");
	/* the usual burst: one SA */
	for (i = 1; i < n && sa_of[i] == sa_of[0]; i++)
		;
	if (i >= n) {
		if (n > 0)
			fn(w, sa_of[0], m, n);
		return;
	}
	/* else a list per SA, found through a small table keyed by pointer */
	memset(key, 0, sizeof(key));
	for (i = 0; i < n; i++) {
		unsigned s = (unsigned)(((uintptr_t)sa_of[i] >> 6) * 0x9e3779b97f4a7c15ull >> 58);
		while (key[s] != NULL && key[s] != sa_of[i])
			s = (s + 1) & (SLOTS - 1);
		next[i] = END;
		if (key[s] == NULL) {
			key[s] = sa_of[i];
			first[s] = last[s] = i;
			order[ng++] = s;
		} else {
			next[last[s]] = i;
			last[s] = i;
		}
	}
	for (unsigned g = 0; g < ng; g++) {
		unsigned s = order[g], c = 0;
		for (unsigned k = first[s]; k != END; k = next[k])
			grp[c++] = m[k];
		fn(w, key[s], grp, c);
	}
}

#endif
