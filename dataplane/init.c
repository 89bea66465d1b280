/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane's setup: EAL and ports (eal.c), crypto devices, each
 * worker's pool and rings, the shared neighbour table; start and stop.
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
#include "dataplane/flow_cache.h"
#include "dataplane/worker.h"

struct dp dp;
int dp_meta_off = -1;

#define MSG_RING 1024
#define EV_RING 8192
#define PUNT_RING 1024

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
	struct dp_worker *w = rte_zmalloc("worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	char name[32];

	if (w == NULL)
		return NULL;
	w->idx = idx;
	snprintf(name, sizeof(name), "pool_w%u", idx);
	w->pool = rte_pktmbuf_pool_create(name, DP_POOL_MBUFS, 256, 0,
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
	w->sidx = rte_malloc("spi_index", spi_index_size(c->max_sas), RTE_CACHE_LINE_SIZE);
	if (w->sidx != NULL)
		spi_index_init(w->sidx, c->max_sas);
	w->fc = rte_zmalloc("flow_cache", sizeof(struct fc_ent) * FC_SIZE, RTE_CACHE_LINE_SIZE);
	w->fc_gen = 1;		/* zeroed entries (gen 0) are empty */
	snprintf(name, sizeof(name), "dyn_w%u", idx);
	w->dyn = dp_dyn_create(name, c->max_sas);
	if (c->engine == ENGINE_NATIVE && esp_native_worker_init(w) < 0) {
		log_err("worker %u: cannot set up Intel IPsec-MB", idx);
		return NULL;
	}
	if (!w->pool || !w->msg_ring || !w->ev_ring || !w->punt_ring ||
	    !w->cop_pool || !w->sa_ctr || !w->sidx || !w->fc || !w->dyn) {
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
	if (dp_eal_start(c, argv0) < 0) {
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
		if (dp_port_setup(p, &c->ports[p], c->workers) < 0)
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
