/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane as the control thread sees it: objects it builds off to
 * the side (SAs, SPD and route tables), the rings it talks to workers over,
 * and the counters it sums. Workers never call back into control/.
 *
 * Ownership across rings:
 *  - a struct dp_msg is allocated by the control thread, read by every
 *    worker, and handed back on each worker's event ring as the ack; the
 *    control thread frees it (and what it retires) once every worker acked.
 *  - punted mbufs belong to the control thread once dequeued.
 */
#ifndef ESPGW_DP_H
#define ESPGW_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ipsec.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "common/desc.h"
#include "common/drop.h"
#include "common/replay.h"

#define DP_MAX_PORTS 8
#define DP_BURST 32

/* ---- SA ---- */

struct dp_sa_life {
	uint64_t bytes, packets;	/* shared, updated atomically per burst */
	uint32_t soft_sent, hard_hit;	/* event posted once */
};

/*
 * One SA. Hot fields first; the session must stay where it was prepared
 * (librte_ipsec keeps pointers into it).
 */
struct dp_sa {
	struct rte_ipsec_session ss;
	uint32_t id;			/* index into per-worker counters */
	uint32_t spi;
	uint8_t dir, mode, outer_family, inner_family;
	uint8_t icv_len, sqh_len;
	uint8_t iv_len;			/* ESP IV bytes: 16 CBC, 8 otherwise */
	rte_be16_t encap_sport, encap_dport;	/* RFC 3948; 0: plain ESP */
	bool esn;
	bool check_life;
	bool hard_is_seq;		/* hard_packets is the sequence space */
	volatile bool expired;		/* hard limit hit: drop everything */
	uint64_t soft_bytes, hard_bytes, soft_packets, hard_packets;
	uint16_t overhead;		/* worst-case bytes ESP adds */
	uint32_t tun_sum;		/* IPv4 tunnel: header sum without len/id */
	struct ip_addr route_dst;	/* outer destination (tunnel) */
	struct selector sel;		/* inbound: inner packet check */
	struct replay_win *rw;		/* inbound with a window: ours */
	rte_spinlock_t rw_lock;		/* only taken with several workers */
	struct dp_sa_life life __rte_cache_aligned;
	/* cold */
	struct sa_desc desc;
	uint64_t created_tsc;
	void *crypto_sess;
	uint8_t dev_id;
	struct rte_ipsec_sa *isa;
};

int dp_sa_create(const struct sa_desc *d, uint32_t id, struct dp_sa **out,
		 char *err, size_t el);
void dp_sa_free(struct dp_sa *sa);

/* ---- SPD (outbound policy, rte_acl) ---- */

struct dp_spd_entry {
	uint8_t action;			/* enum spd_action */
	struct dp_sa *sa;		/* PROTECT: NULL means SA not installed */
};

struct dp_spd {
	struct rte_acl_ctx *acl4, *acl6;
	unsigned n;
	struct dp_spd_entry e[];
};

struct dp_spd *dp_spd_build(const struct policy_desc *p, struct dp_sa *const *sa,
			    unsigned n, char *err, size_t el);
void dp_spd_free(struct dp_spd *s);

/* ---- routes and local addresses (rte_lpm / rte_lpm6) ---- */

enum { NH_LOCAL = 1, NH_FORWARD = 2 };

struct dp_nexthop {
	uint8_t type;
	uint16_t port;
	struct ip_addr via;		/* family 0: destination is on-link */
};

struct dp_rt {
	struct rte_lpm *lpm4;
	struct rte_lpm6 *lpm6;
	unsigned n_nh;
	struct dp_nexthop nh[];
};

struct dp_rt *dp_rt_build(const struct espgw_config *c, char *err, size_t el);
void dp_rt_free(struct dp_rt *rt);

/* ---- ports ---- */

struct dp_port {
	uint16_t port_id;
	char name[NAME_MAX_LEN];
	struct rte_ether_addr mac;
	uint16_t mtu;
	unsigned n_addrs;
	struct ip_prefix addrs[MAX_PORT_ADDRS];	/* host part kept */
	struct rte_ring *ctl_tx;	/* control thread -> worker 0 -> wire */
	bool inline_ipsec;		/* port offers rte_security (not used yet) */
	/* a kernel socket port (af_packet, af_xdp, tap): packets a local
	 * stack sent with TX checksum offload carry unfinished UDP/TCP
	 * checksums (CHECKSUM_PARTIAL); workers complete those */
	bool kernel_port;
	bool veth;			/* its kernel interface is a veth */
};

/* ---- messages to workers ---- */

enum dp_msg_type {
	MSG_SA_ADD, MSG_SA_DEL, MSG_SPD_SWAP, MSG_RT_SWAP, MSG_QUIT,
	MSG_DPOL_ADD, MSG_DPOL_DEL,	/* obj: struct dp_dpol (spd_dyn.h) */
};

struct dp_msg {
	enum dp_msg_type type;
	unsigned pending;		/* workers yet to ack; control-only */
	uint64_t submit_tsc;
	void *obj;			/* dp_sa / dp_spd / dp_rt */
	void *old;			/* what to free after all acks */
	void (*done)(struct dp_msg *m);	/* control-side completion */
};

/* Events on the event ring are tagged integers (low bit 1), never memory. */
enum dp_event { EV_SOFT_LIFE = 1, EV_HARD_LIFE = 2 };
#define DP_EV_MAKE(ev, sa_id) ((void *)(uintptr_t)(((uint64_t)(sa_id) << 8) | ((ev) << 1) | 1))
#define DP_EV_IS(p) (((uintptr_t)(p)) & 1)
#define DP_EV_TYPE(p) ((((uintptr_t)(p)) >> 1) & 0x7f)
#define DP_EV_SA(p) ((uint32_t)(((uintptr_t)(p)) >> 8))

/* Parsed facts about an L3 packet (mbuf data starts at the IP header). */
struct pkt_info {
	uint8_t family, proto;
	uint16_t sport, dport;
	const uint8_t *src, *dst;
};

/* ---- punt metadata (dynfield) ---- */

/* PUNT_ACQUIRE: a packet that hit a trap policy (the control thread
 * starts the connection's IKE_SA and drops it) */
enum punt_reason {
	PUNT_ARP = 1, PUNT_LOCAL, PUNT_INNER_LOCAL, PUNT_NEIGH_MISS, PUNT_MTU, PUNT_ACQUIRE,
	PUNT_TTL,			/* TTL / hop limit expired: ICMP time exceeded */
};

struct dp_punt_meta {
	uint8_t reason;
	uint8_t family;			/* next hop family for NEIGH_MISS */
	uint16_t port;			/* port it arrived on / leaves by */
	uint16_t mtu;			/* PUNT_MTU: the MTU to report */
	uint8_t nh[16];
	uint64_t seq;			/* inbound: reconstructed sequence number */
};
_Static_assert(sizeof(struct dp_punt_meta) <= 32, "fits the mbuf's dynamic field area");
extern int dp_meta_off;
static inline struct dp_punt_meta *
dp_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, dp_meta_off, struct dp_punt_meta *);
}

/* ---- counters ---- */

struct dp_port_ctr {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
} __rte_cache_aligned;

struct dp_sa_ctr {
	uint64_t pkts, bytes, errors;
};

/* Pipeline stages timed with -Dstage_cycles=true (zero otherwise). */
#define ESPGW_STAGES(X) X(RX, "rx") X(CLASSIFY, "classify") X(SPD, "spd") \
	X(SAD, "sad") X(CRYPTO, "crypto") X(FORWARD, "route+tx-prep") X(TX, "tx") \
	X(OTHER, "other")
enum dp_stage {
#define X(id, name) ST_##id,
	ESPGW_STAGES(X)
#undef X
	ST_MAX
};
extern const char *const dp_stage_name[ST_MAX];

struct dp_worker_ctr {
	uint64_t drops[ESPGW_DROP_MAX];
	uint64_t cycles[ST_MAX];
	uint64_t punted, polls, idle_polls, sleeps;
	uint64_t esp_in, esp_out, plain_fwd;
	uint64_t l4_csum_completed;	/* kernel-unfinished checksums completed */
} __rte_cache_aligned;

/* ---- global state ---- */

struct dp_worker;

struct dp {
	unsigned n_workers;
	unsigned n_ports;
	unsigned max_sas;
	enum crypto_engine engine;
	struct dp_port port[DP_MAX_PORTS];
	struct rte_mempool *pool;	/* control thread's own mbufs */
	/* control thread -> worker 0's outbound path (SPD, ESP, route): L3
	 * packets the control thread originates, such as ICMP errors to a
	 * host behind a tunnel */
	struct rte_ring *ctl_route;
	struct dp_worker *w[MAX_WORKERS];
	struct rte_hash *neigh;		/* shared, lock-free readers */
	uint32_t neigh_gen;		/* bumped on every neighbour write */
	struct rte_mempool *sess_pool;
	int dev_gcm, dev_mb, dev_chacha;	/* crypto device ids, -1 absent */
	unsigned idle_sleep_us;
	volatile bool quit;
};
extern struct dp dp;

int dp_init(const struct espgw_config *c, const char *argv0);
void dp_set_tables(struct dp_spd *spd, struct dp_rt *rt);
int dp_start(void);
void dp_stop(void);

/* Post a message to every worker; returns number of workers posted to. */
int dp_post(struct dp_msg *m);
/* Drain acks and events of all workers; calls cb for each. */
typedef void (*dp_ack_fn)(struct dp_msg *m);
typedef void (*dp_event_fn)(unsigned worker, int ev, uint32_t sa_id);
unsigned dp_poll(dp_ack_fn ack, dp_event_fn ev);
unsigned dp_punt_dequeue(struct rte_mbuf **m, unsigned n);
int dp_ctl_tx(uint16_t port, struct rte_mbuf *m);
/* m (L3 at data start, from dp.pool: that is how workers tell the gateway's
 * own packets) goes out as if it arrived on port: SPD, ESP, route */
int dp_ctl_route(struct rte_mbuf *m, uint16_t port);

/* Neighbour table: written by control only. */
int dp_neigh_set(uint16_t port, const struct ip_addr *a,
		 const struct rte_ether_addr *mac);
bool dp_neigh_get(uint16_t port, int family, const uint8_t *addr,
		  struct rte_ether_addr *mac);

/* Counters, summed over workers. */
void dp_sum_port(unsigned port, struct dp_port_ctr *out);
void dp_sum_sa(uint32_t id, struct dp_sa_ctr *out);
void dp_sum_worker(unsigned w, struct dp_worker_ctr *out);
unsigned dp_worker_lcore(unsigned w);

int dp_port_by_name(const char *name);

#endif
