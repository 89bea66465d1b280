/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane's insides, for its own files (and its in-process tests
 * and benchmarks): the SA, SPD and route objects behind the handles of
 * dp_api.h, and the global state. control/ includes dp_api.h only.
 */
#ifndef ESPGW_DP_H
#define ESPGW_DP_H

#include <rte_ipsec.h>
#include <rte_spinlock.h>

#include "common/replay.h"
#include "dataplane/dp_api.h"
#include "dataplane/sa_life.h"

/* mbufs in each worker's pool (eal.c bounds the memif zero-copy rings by it) */
#define DP_POOL_MBUFS 8191

/* ---- SA ---- */

/*
 * Where an SA's packets go out: the outer header and its route. An SA
 * that moves (MOBIKE, RFC 4555) gets a new one whole (dp_sa_repoint);
 * the old one is freed once every worker has acknowledged a message
 * posted after the swap, so a packet never mixes the two.
 */
struct dp_sa_path {
	uint8_t tun_hdr[40];		/* tunnel: outer header template (first: aligned) */
	uint32_t tun_sum;		/* IPv4 tunnel: header sum without len/id */
	rte_be16_t encap_sport, encap_dport;	/* RFC 3948; 0: plain ESP */
	uint16_t overhead;		/* worst-case bytes ESP adds */
	uint8_t outer_family;		/* tunnel: the outer header's; else the inner */
	uint8_t tun_hdr_len;
	struct ip_addr route_dst;	/* outer destination (tunnel) */
};

/*
 * One SA. Hot fields first: the native engine's packets read lines 0-1
 * (and 2 inbound, for the selector) and the lifetime line, which is the
 * only one workers write (sequence numbers, counters). librte_ipsec's
 * session must stay where it was prepared (librte_ipsec keeps pointers
 * into it).
 */
struct dp_sa {
	uint32_t id;			/* index into per-worker counters */
	uint32_t spi;
	uint8_t dir, mode, inner_family;
	uint8_t icv_len, sqh_len;
	uint8_t iv_len;			/* ESP IV bytes: 16 CBC, 8 otherwise */
	bool esn;
	bool check_life;		/* lim has a limit */
	volatile bool expired;		/* hard limit hit: drop everything */
	struct dp_sa_path *path;	/* where it sends: dp_sa_path_get() */
	struct esp_nkey *nk;		/* native engine: expanded keys, else NULL */
	uint32_t nk_lines;		/* the cache lines of *nk its cipher reads */
	rte_be32_t spi_be;
	uint8_t next_proto;		/* tunnel: IPPROTO_IPIP or IPPROTO_IPV6 */
	struct dp_sa_path path0;	/* the path it was made with (where the hot lines are) */
	struct replay_win *rw;		/* inbound with a window: ours */
	struct selector sel;		/* inbound: inner packet check */
	struct sa_limits lim;
	rte_spinlock_t rw_lock;		/* only taken with several workers */
	struct dp_sa_life life __rte_cache_aligned;
	uint64_t sqn;			/* native outbound: last number used */
	struct rte_ipsec_session ss __rte_cache_aligned;	/* librte_ipsec engines */
	/* cold; the descriptor (and the keys) stay with the control thread */
	enum lookup_type lookup;	/* inbound SAD key */
	struct ip_addr local, remote;	/* tunnel endpoints */
	uint32_t replay_window;		/* in force (ESN: at least 64) */
	uint64_t created_tsc;
	void *crypto_sess;
	uint8_t dev_id;
	struct rte_ipsec_sa *isa;
};

/* the path in force; a worker reads it once per packet and keeps it */
static inline const struct dp_sa_path *
dp_sa_path_get(const struct dp_sa *sa)
{
	return __atomic_load_n(&sa->path, __ATOMIC_ACQUIRE);
}

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
	unsigned native_keys;		/* the native engine's SA key sets */
	int dev_gcm, dev_mb, dev_chacha;	/* crypto device ids, -1 absent */
	unsigned idle_sleep_us;
	volatile bool quit;
};
extern struct dp dp;

/* the neighbour table's key (init.c creates it, api.c reads and writes) */
struct neigh_key {
	uint16_t port;
	uint8_t family;
	uint8_t pad;
	uint8_t addr[16];
};

/* esp_native.c: an SA's keys for the native engine */
int esp_native_sa_init(struct dp_sa *sa, const struct sa_desc *d, char *err, size_t el);
void esp_native_sa_free(struct dp_sa *sa);

/* eal.c */
int dp_eal_start(const struct espgw_config *c, const char *argv0);
int dp_port_setup(unsigned idx, const struct port_desc *pd, unsigned nq);

#endif
