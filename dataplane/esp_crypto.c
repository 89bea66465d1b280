/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto for one SA group: synchronous CPU crypto (ipsec_mb PMDs) or
 * lookaside enqueue/dequeue on the worker's own queue pair. Either way the
 * result is the same contract as librte_ipsec's: good packets first, the
 * return value says how many; failed ICVs are flagged in ol_flags.
 */
#include <rte_cryptodev.h>
#include <rte_pause.h>

#include "dataplane/worker.h"

static uint16_t
lookaside(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m,
	  uint16_t n)
{
	struct rte_crypto_op *cop[DP_BURST];
	uint16_t k, enq, deq = 0;

	if (rte_crypto_op_bulk_alloc(w->cop_pool, RTE_CRYPTO_OP_TYPE_SYMMETRIC,
				     cop, n) == 0)
		return 0;
	k = rte_ipsec_pkt_crypto_prepare(&sa->ss, m, cop, n);
	enq = rte_cryptodev_enqueue_burst(sa->dev_id, w->idx, cop, k);
	/*
	 * Software PMDs complete on enqueue; a hardware engine finishes a few
	 * microseconds later. We wait for our own ops so packet order within
	 * the SA holds (pipelining across bursts is left for a real device).
	 */
	while (deq < enq) {
		uint16_t d = rte_cryptodev_dequeue_burst(sa->dev_id, w->idx,
							 cop + deq, enq - deq);
		if (d == 0)
			rte_pause();
		deq += d;
	}
	/* ops come back in order on one queue pair */
	for (uint16_t i = 0; i < enq; i++) {
		if (cop[i]->status != RTE_CRYPTO_OP_STATUS_SUCCESS)
			m[i]->ol_flags |= RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED;
	}
	/* packets the device refused: marked failed, process() drops them */
	for (uint16_t i = enq; i < k; i++)
		m[i]->ol_flags |= RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED;
	rte_mempool_put_bulk(w->cop_pool, (void **)cop, n);
	return k;
}

uint16_t
esp_crypto(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m,
	   uint16_t n)
{
	if (sa->ss.type == RTE_SECURITY_ACTION_TYPE_CPU_CRYPTO)
		return rte_ipsec_pkt_cpu_prepare(&sa->ss, m, n);
	return lookaside(w, sa, m, n);
}

/*
 * Lifetime accounting (sa_life.c) of a burst on sa: how many of its n
 * packets may still use the SA. The soft limit posts one event so the
 * control plane can rekey; at the hard limit the SA stops carrying
 * traffic here and now and the control thread deletes it.
 */
unsigned
esp_life_take(struct dp_worker *w, struct dp_sa *sa, unsigned n, uint64_t bytes)
{
	bool soft, hard;
	unsigned ok;

	if (!sa->check_life)
		return n;
	ok = sa_life_account(&sa->lim, &sa->life, n, bytes, &soft, &hard);
	if (soft)
		rte_ring_sp_enqueue(w->ev_ring, DP_EV_MAKE(EV_SOFT_LIFE, sa->id));
	if (hard) {
		sa->expired = true;
		rte_ring_sp_enqueue(w->ev_ring, DP_EV_MAKE(EV_HARD_LIFE, sa->id));
	}
	return ok;
}
