/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crypto engines behind one contract: esp_seal() and esp_open() take
 * one SA's packets and return them sealed / opened, good ones first in
 * their order, a drop reason for each of the rest. The native engine is
 * esp_native.c; here is librte_ipsec with synchronous CPU crypto (the
 * ipsec_mb PMDs) or lookaside enqueue/dequeue on the worker's own queue
 * pair.
 */
#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_esp.h>
#include <rte_pause.h>
#include <rte_udp.h>

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

static uint16_t
esp_crypto(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m,
	   uint16_t n)
{
	if (sa->ss.type == RTE_SECURITY_ACTION_TYPE_CPU_CRYPTO)
		return rte_ipsec_pkt_cpu_prepare(&sa->ss, m, n);
	return lookaside(w, sa, m, n);
}

/*
 * RFC 3948 2.1: put a UDP header between the outer IP header librte_ipsec
 * built and the ESP header. IPv4 sends a zero UDP checksum (3948 2.1);
 * IPv6 computes it (RFC 8200 8.1).
 */
static int
udp_encap(const struct dp_sa_path *pa, struct rte_mbuf *m)
{
	uint32_t hl = pa->outer_family == AF_INET ? sizeof(struct rte_ipv4_hdr) :
		      sizeof(struct rte_ipv6_hdr);
	uint8_t *old = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *h = (uint8_t *)rte_pktmbuf_prepend(m, sizeof(struct rte_udp_hdr));
	struct rte_udp_hdr *u;
	uint32_t len;

	if (h == NULL)
		return -1;
	memmove(h, old, hl);
	len = rte_pktmbuf_pkt_len(m);
	u = (struct rte_udp_hdr *)(h + hl);
	u->src_port = pa->encap_sport;
	u->dst_port = pa->encap_dport;
	u->dgram_len = rte_cpu_to_be_16(len - hl);
	u->dgram_cksum = 0;
	if (pa->outer_family == AF_INET) {
		struct rte_ipv4_hdr *ip = (void *)h;
		ip->total_length = rte_cpu_to_be_16(len);
		ip->next_proto_id = IPPROTO_UDP;
		ip4_set_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip6 = (void *)h;
		ip6->payload_len = rte_cpu_to_be_16(len - hl);
		ip6->proto = IPPROTO_UDP;
		u->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, u);
	}
	return 0;
}

/* the outer addresses of a tunnel SA that moved (dp_sa_repoint keeps its family) */
static void
repoint_hdr(const struct dp_sa_path *pa, uint8_t *h)
{
	if (pa->outer_family == AF_INET)
		memcpy(h + offsetof(struct rte_ipv4_hdr, src_addr),
		       pa->tun_hdr + offsetof(struct rte_ipv4_hdr, src_addr), 8);
	else
		memcpy(h + offsetof(struct rte_ipv6_hdr, src_addr),
		       pa->tun_hdr + offsetof(struct rte_ipv6_hdr, src_addr), 32);
}

/* Why did librte_ipsec's process() reject a decrypted packet? */
static enum espgw_drop
process_reason(const struct dp_sa *sa, struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint32_t tail, hl = m->l2_len + m->l3_len;
	uint8_t padlen;

	if (m->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED)
		return ESPGW_DROP_ESP_ICV;
	/* the ICV was good: a bad trailer, or a replay inside this burst */
	tail = len - sa->icv_len - sa->sqh_len - 2;
	padlen = p[tail];
	if (tail < hl + 8 + padlen)
		return ESPGW_DROP_ESP_TRAILER;
	for (unsigned i = 0; i < padlen; i++)
		if (p[tail - padlen + i] != i + 1)
			return ESPGW_DROP_ESP_TRAILER;
	if (sa->mode == SA_MODE_TUNNEL &&
	    p[tail + 1] != (sa->inner_family == AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6))
		return ESPGW_DROP_ESP_TRAILER;
	return ESPGW_DROP_ESP_REPLAY;
}

uint16_t
esp_seal(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m, uint16_t n,
	 uint8_t *why)
{
	uint16_t k, r, g = 0;
	struct rte_mbuf *bad[DP_BURST];
	uint8_t bw[DP_BURST], nb = 0;
	const struct dp_sa_path *pa;

	if (sa->nk != NULL)
		return esp_native_seal(w, sa, m, n, why);
	pa = dp_sa_path_get(sa);
	k = esp_crypto(w, sa, m, n);
	for (uint16_t i = k; i < n; i++) {
		bw[nb] = rte_errno == EOVERFLOW ? ESPGW_DROP_SEQ_OVERFLOW : ESPGW_DROP_ENCAP_FAILED;
		bad[nb++] = m[i];
	}
	r = rte_ipsec_pkt_process(&sa->ss, m, k);
	for (uint16_t i = r; i < k; i++) {
		bw[nb] = ESPGW_DROP_CRYPTO_ERROR;
		bad[nb++] = m[i];
	}
	for (uint16_t i = 0; i < r; i++) {
		uint8_t *h = rte_pktmbuf_mtod(m[i], uint8_t *);
		if (pa != &sa->path0)	/* moved: librte_ipsec's template is the first path's */
			repoint_hdr(pa, h);
		if (pa->encap_sport) {
			if (udp_encap(pa, m[i]) < 0) {
				bw[nb] = ESPGW_DROP_ENCAP_FAILED;
				bad[nb++] = m[i];
				continue;
			}
		} else if ((h[0] >> 4) == 4) {
			/* librte_ipsec sets length and id, not the checksum */
			struct rte_ipv4_hdr *ip = (void *)h;
			if (sa->mode == SA_MODE_TUNNEL) {
				/* the template's sum plus the two that change */
				uint32_t sum = pa->tun_sum + ip->total_length +
					       ip->packet_id;
				sum = (sum & 0xffff) + (sum >> 16);
				sum = (sum & 0xffff) + (sum >> 16);
				ip->hdr_checksum = (uint16_t)~sum;
			} else {
				ip4_set_cksum(ip);
			}
		}
		m[g++] = m[i];
	}
	for (uint16_t i = 0; i < nb; i++) {
		m[g + i] = bad[i];
		why[g + i] = bw[i];
	}
	return g;
}

uint16_t
esp_open(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m, uint16_t n,
	 const uint64_t *seq, uint8_t *why)
{
	uint16_t k, r;

	if (sa->nk != NULL)
		return esp_native_open(w, sa, m, n, seq, why);
	k = esp_crypto(w, sa, m, n);
	/* lengths and numbers were checked: the device refused these */
	for (uint16_t i = k; i < n; i++)
		why[i] = ESPGW_DROP_CRYPTO_ERROR;
	r = rte_ipsec_pkt_process(&sa->ss, m, k);
	for (uint16_t i = r; i < k; i++)
		why[i] = process_reason(sa, m[i]);
	return r;
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
	ok = sa_life_account(&sa->lim, &sa->life, n, bytes, dp.n_workers > 1, &soft, &hard);
	if (soft)
		rte_ring_sp_enqueue(w->ev_ring, DP_EV_MAKE(EV_SOFT_LIFE, sa->id));
	if (hard) {
		sa->expired = true;
		rte_ring_sp_enqueue(w->ev_ring, DP_EV_MAKE(EV_HARD_LIFE, sa->id));
	}
	return ok;
}
