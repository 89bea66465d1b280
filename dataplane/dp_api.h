/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane's interface, and all of it that control/ includes: SAs,
 * SPD and route tables as opaque handles the control thread builds off to
 * the side and hands over, route lookup, port facts, the rings it talks to
 * workers over (post/poll, punts), and the counters it sums. Workers never
 * call back into control/.
 *
 * Ownership across rings:
 *  - a struct dp_msg is allocated by the control thread, read by every
 *    worker, and handed back on each worker's event ring as the ack; the
 *    control thread frees it (and what it retires) once every worker acked.
 *  - punted mbufs belong to the control thread once dequeued.
 */
#ifndef ESPGW_DP_API_H
#define ESPGW_DP_API_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "common/desc.h"
#include "common/drop.h"

#define DP_MAX_PORTS 8
#define DP_BURST 32

/* ---- SA ---- */

struct dp_sa;			/* opaque: dataplane/dp.h */

/* the crypto session and librte_ipsec SA of d (its keys are not kept) */
int dp_sa_create(const struct sa_desc *d, uint32_t id, struct dp_sa **out,
		 char *err, size_t el);
void dp_sa_free(struct dp_sa *sa);
uint32_t dp_sa_id(const struct dp_sa *sa);
/* the anti-replay window in force (an ESN window is at least 64) */
uint32_t dp_sa_replay_window(const struct dp_sa *sa);
/* what `show sa NAME` says of an SA's sequence numbers and lifetime use */
struct dp_sa_state {
	bool seq_known;			/* librte_ipsec's outbound counter is its own */
	uint64_t seq;			/* outbound: the last sent; inbound: the highest verified */
	uint32_t window;		/* anti-replay window (0: none) */
	uint32_t window_seen;		/* of the window's numbers up to seq, those received */
	uint64_t life_bytes, life_packets;	/* counted against the lifetime (0: none set) */
	bool expired;			/* the hard limit was hit */
};
void dp_sa_state(const struct dp_sa *sa, struct dp_sa_state *st);
/*
 * An outbound tunnel SA moves (MOBIKE, RFC 4555): new outer addresses and
 * UDP encapsulation ports (0: plain ESP), in force from the next packet.
 * The path it replaces comes back in *old, to be freed (dp_sa_path_free)
 * once every worker acknowledged a message posted after this (MSG_SA_MOVE);
 * NULL when there is nothing to free. The outer family changes with the
 * native engine only (librte_ipsec's SAs keep the one they were made with).
 */
int dp_sa_repoint(struct dp_sa *sa, const struct ip_addr *local, const struct ip_addr *remote,
		  uint16_t sport, uint16_t dport, void **old, char *err, size_t el);
void dp_sa_path_free(void *old);

/* ---- SPD (outbound policy, rte_acl) ---- */

struct dp_spd;			/* opaque: dataplane/dp.h */
struct dp_spd *dp_spd_build(const struct policy_desc *p, struct dp_sa *const *sa,
			    unsigned n, char *err, size_t el);
void dp_spd_free(struct dp_spd *s);

/*
 * ---- per-tunnel protect policies (IKE's CHILD_SAs) ----
 * looked up by destination prefix ahead of the rte_acl SPD. Each worker
 * has its own table and is its only writer (MSG_DPOL_ADD/DEL through its
 * ring); the policies themselves are the control thread's, immutable, and
 * freed after every worker acknowledged their removal. The control thread
 * keeps a table of its own to know when a prefix is full.
 */

#define DP_DYN_BUCKET 8		/* policies per destination prefix */
#define DP_DYN_MIN_PRIO POLICY_PRIO_TRAP	/* every static policy is below this */

struct dp_dpol {
	struct selector sel;
	uint32_t priority;
	struct dp_sa *sa;		/* outbound */
};

struct dp_dyn;

struct dp_dyn *dp_dyn_create(const char *name, unsigned entries);
/*
 * A table allocates nothing itself (a worker must not): the policies of a
 * destination prefix live in a bucket the control thread allocates. A
 * policy for a new prefix takes *spare (and sets it NULL); -1 when the
 * prefix has DP_DYN_BUCKET policies already, or is new and there is no
 * spare. A prefix's last policy out hands its bucket back in *emptied.
 */
struct dp_dyn_bucket;
struct dp_dyn_bucket *dp_dyn_bucket_new(void);
void dp_dyn_bucket_free(struct dp_dyn_bucket *b);
int dp_dyn_add(struct dp_dyn *d, const struct dp_dpol *p, struct dp_dyn_bucket **spare);
void dp_dyn_del(struct dp_dyn *d, const struct dp_dpol *p, struct dp_dyn_bucket **emptied);
/* a burst (at most DP_DYN_BURST, family 0: not looked up): best[i] is
 * packet i's policy or NULL */
#define DP_DYN_BURST 64
struct pkt_info;
void dp_dyn_lookup_burst(const struct dp_dyn *d, const struct pkt_info *pk, unsigned n,
			 const struct dp_dpol **best);
bool dp_dyn_empty(const struct dp_dyn *d);

/* ---- routes and local addresses (rte_lpm / rte_lpm6) ---- */

struct dp_rt;			/* opaque: dataplane/dp.h */
struct dp_rt *dp_rt_build(const struct espgw_config *c, char *err, size_t el);
void dp_rt_free(struct dp_rt *rt);
/* a forwarded destination's port and next hop (dst itself when on-link);
 * -1 for local and unrouted ones */
int dp_rt_lookup(const struct dp_rt *rt, int family, const uint8_t *dst, uint16_t *port,
		 const uint8_t **hop);

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
	MSG_DPOL_ADD, MSG_DPOL_DEL,	/* obj: struct dp_dpol */
	MSG_SA_MOVE,			/* obj: the SA; old: its previous path */
	MSG_CAP_SET,			/* obj: the capture now (or NULL); old: the one before */
};

struct dp_msg {
	enum dp_msg_type type;
	unsigned pending;		/* workers yet to ack; control-only */
	uint64_t submit_tsc;
	void *obj;			/* dp_sa / dp_spd / dp_rt */
	void *old;			/* what to free after all acks */
	void (*done)(struct dp_msg *m);	/* control-side completion */
	/* MSG_DPOL_*: each worker's bucket, handed over (ADD, a new prefix)
	 * or handed back (DEL, an emptied prefix); a worker touches only its
	 * own slot, the control thread frees what is left after the acks */
	struct dp_dyn_bucket *spare[MAX_WORKERS];
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

/*
 * ---- capture (espgwctl capture) ----
 * Workers copy the packets a capture wants (a point, a port, an SA, a drop
 * reason) into its own mempool and ring; the control thread reads them
 * out and writes pcapng. A worker finds its capture through MSG_CAP_SET;
 * with none, each hook is one predictable branch.
 */
enum dp_cap_point {
	CAP_RX = 1,			/* a frame as received */
	CAP_TX = 2,			/* a frame as sent */
	CAP_DROP = 4,			/* a packet a worker dropped */
	CAP_PLAIN = 8,			/* an SA's plaintext: decrypted, or before encryption */
};
struct dp_capture_spec {
	unsigned points;		/* CAP_* */
	int port;			/* -1: any */
	const struct dp_sa *sa;		/* NULL: any; RX/TX: its ESP by SPI */
	int drop;			/* -1: any reason */
	uint32_t snaplen;		/* bytes kept of each packet */
	uint32_t count;			/* packets at most */
};
/* what a copy says of where it came from (rte_mbuf_to_priv of a copy) */
struct dp_cap_rec {
	uint64_t tsc;
	uint32_t orig_len;
	uint32_t sa_id;			/* CAP_PLAIN: the SA's id */
	uint16_t port;
	uint8_t point;			/* CAP_* */
	uint8_t drop;			/* CAP_DROP: the reason */
	uint8_t l2;			/* starts with its Ethernet header */
	uint8_t outbound;		/* CAP_PLAIN: before encryption */
};
struct dp_capture;
struct dp_capture *dp_capture_new(const struct dp_capture_spec *s, char *err, size_t el);
/* after every worker acknowledged the MSG_CAP_SET that took it away */
void dp_capture_free(struct dp_capture *c);
unsigned dp_capture_dequeue(struct dp_capture *c, struct rte_mbuf **m, unsigned n);
static inline const struct dp_cap_rec *
dp_cap_rec(struct rte_mbuf *m)
{
	return (const struct dp_cap_rec *)rte_mbuf_to_priv(m);
}
/* packets taken, and those its ring or pool had no room for */
void dp_capture_counts(const struct dp_capture *c, uint64_t *taken, uint64_t *missed);

/* ---- counters ---- */

struct dp_port_ctr {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
} __rte_cache_aligned;

struct dp_sa_ctr {
	uint64_t pkts, bytes, errors;	/* pkts: ESP packets, each fragment one */
	uint64_t fragmented, fragments;	/* outbound IPv4 split before ESP, into */
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

/* what the control thread reads of the data plane's setup */
unsigned dp_n_workers(void);
unsigned dp_n_ports(void);
const struct dp_port *dp_port_get(unsigned port);
enum crypto_engine dp_engine(void);
struct rte_mempool *dp_ctl_pool(void);	/* the control thread's own mbufs */
unsigned dp_sessions_in_use(void);	/* crypto sessions (native: key sets) */

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
/* every entry, for listings */
void dp_neigh_walk(void (*fn)(void *ctx, uint16_t port, const struct ip_addr *a,
			      const struct rte_ether_addr *mac), void *ctx);

/* Counters, summed over workers. */
void dp_sum_port(unsigned port, struct dp_port_ctr *out);
void dp_sum_sa(uint32_t id, struct dp_sa_ctr *out);
void dp_sum_worker(unsigned w, struct dp_worker_ctr *out);
unsigned dp_worker_lcore(unsigned w);

int dp_port_by_name(const char *name);

#endif
