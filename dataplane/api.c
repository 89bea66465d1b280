/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane as the control thread uses it (dp_api.h): messages to
 * the workers and their acks, punted packets, the control thread's own
 * packets out, the neighbour table, counters summed over workers, and the
 * facts of the setup.
 */
#include <string.h>

#include <rte_cryptodev.h>
#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "common/log.h"
#include "dataplane/worker.h"

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

void
dp_neigh_walk(void (*fn)(void *ctx, uint16_t port, const struct ip_addr *a,
			 const struct rte_ether_addr *mac), void *ctx)
{
	const void *key;
	void *v;
	uint32_t it = 0;

	while (rte_hash_iterate(dp.neigh, &key, &v, &it) >= 0) {
		const struct neigh_key *k = key;
		struct ip_addr a = { .family = k->family };
		struct rte_ether_addr mac;
		uint64_t u = (uintptr_t)v;
		memcpy(a.a, k->addr, ip_alen(k->family));
		memcpy(mac.addr_bytes, &u, 6);
		fn(ctx, k->port, &a, &mac);
	}
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
		o->fragmented += ld(&c->fragmented);
		o->fragments += ld(&c->fragments);
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

unsigned
dp_n_workers(void)
{
	return dp.n_workers;
}

unsigned
dp_n_ports(void)
{
	return dp.n_ports;
}

const struct dp_port *
dp_port_get(unsigned port)
{
	return port < dp.n_ports ? &dp.port[port] : NULL;
}

enum crypto_engine
dp_engine(void)
{
	return dp.engine;
}

struct rte_mempool *
dp_ctl_pool(void)
{
	return dp.pool;
}

unsigned
dp_sessions_in_use(void)
{
	/* the native engine's key sets, or librte_ipsec's cryptodev sessions */
	return dp.native_keys + (dp.sess_pool ? rte_mempool_in_use_count(dp.sess_pool) : 0);
}
