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
 * Lifetime accounting (RFC 4301 4.4.2.1) against the SA's shared budget:
 * take n packets (and their bytes) and return how many of them may still
 * use the SA. The soft limit posts one event so the control plane can
 * rekey; at the hard limit the SA stops carrying traffic here and now and
 * the control thread deletes it. For outbound SAs without ESN the hard
 * packet limit is at most the 32-bit sequence space, so the sequence
 * number never wraps (RFC 4303 3.3.3) and the soft event comes early
 * enough to rekey.
 */
unsigned
sa_life_take(struct dp_worker *w, struct dp_sa *sa, unsigned n, uint64_t bytes)
{
	uint64_t p0, b0, p1, b1;
	unsigned ok = n;

	if (!sa->check_life)
		return n;
	p0 = __atomic_fetch_add(&sa->life.packets, n, __ATOMIC_RELAXED);
	b0 = __atomic_fetch_add(&sa->life.bytes, bytes, __ATOMIC_RELAXED);
	p1 = p0 + n;
	b1 = b0 + bytes;
	if (sa->hard_packets && p1 > sa->hard_packets)
		ok = p0 >= sa->hard_packets ? 0 : sa->hard_packets - p0;
	/* bytes: the packets that cross the limit are the last ones allowed */
	if (sa->hard_bytes && b0 >= sa->hard_bytes)
		ok = 0;
	if (((sa->soft_packets && p1 >= sa->soft_packets) ||
	     (sa->soft_bytes && b1 >= sa->soft_bytes)) &&
	    __atomic_exchange_n(&sa->life.soft_sent, 1, __ATOMIC_RELAXED) == 0)
		rte_ring_sp_enqueue(w->ev_ring, DP_EV_MAKE(EV_SOFT_LIFE, sa->id));
	if (((sa->hard_packets && p1 >= sa->hard_packets) ||
	     (sa->hard_bytes && b1 >= sa->hard_bytes)) &&
	    __atomic_exchange_n(&sa->life.hard_hit, 1, __ATOMIC_RELAXED) == 0) {
		sa->expired = true;
		rte_ring_sp_enqueue(w->ev_ring, DP_EV_MAKE(EV_HARD_LIFE, sa->id));
	}
	return ok;
}
