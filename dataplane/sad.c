/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's SAD (rte_ipsec_sad, one for IPv4 and one for IPv6): inbound
 * SAs put in and taken out as the control thread's messages say, and a
 * burst of ESP packets looked up by SPI (+ destination, + source).
 */
#include <string.h>
#include <sys/socket.h>

#include <rte_esp.h>

#include "dataplane/worker.h"

static void
sad_key(const struct dp_sa *sa, union rte_ipsec_sad_key *k)
{
	memset(k, 0, sizeof(*k));
	/* keys hold wire-order bytes, as lookups read them from packets */
	if (sa->outer_family == AF_INET6) {
		k->v6.spi = rte_cpu_to_be_32(sa->spi);
		memcpy(k->v6.dip, sa->local.a, 16);
		memcpy(k->v6.sip, sa->remote.a, 16);
	} else {
		k->v4.spi = rte_cpu_to_be_32(sa->spi);
		memcpy(&k->v4.dip, sa->local.a, 4);
		memcpy(&k->v4.sip, sa->remote.a, 4);
	}
}

void
dp_sad_apply(struct dp_worker *w, struct dp_sa *sa, bool add)
{
	union rte_ipsec_sad_key k;
	struct rte_ipsec_sad *sad[2];
	int type, n = 1;

	sad_key(sa, &k);
	if (sa->lookup == SAD_SPI) {
		/* SPI-only SAs serve both families */
		type = RTE_IPSEC_SAD_SPI_ONLY;
		sad[0] = w->sad4;
		sad[1] = w->sad6;
		n = 2;
	} else {
		type = sa->lookup == SAD_SPI_DST ? RTE_IPSEC_SAD_SPI_DIP :
		       RTE_IPSEC_SAD_SPI_DIP_SIP;
		sad[0] = sa->outer_family == AF_INET6 ? w->sad6 : w->sad4;
	}
	for (int i = 0; i < n; i++) {
		if (add)
			rte_ipsec_sad_add(sad[i], &k, type, sa);
		else
			rte_ipsec_sad_del(sad[i], &k, type);
	}
}

unsigned
dp_sad_lookup(struct dp_worker *w, struct rte_mbuf **m, unsigned n, struct dp_sa **sa)
{
	union rte_ipsec_sad_key k4[DP_BURST], k6[DP_BURST];
	const union rte_ipsec_sad_key *kp4[DP_BURST], *kp6[DP_BURST];
	void *sa4[DP_BURST], *sa6[DP_BURST];
	struct rte_mbuf *m4[DP_BURST], *m6[DP_BURST];
	unsigned n4 = 0, n6 = 0;

	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);
		uint32_t len = rte_pktmbuf_data_len(m[i]);
		if (len < m[i]->l3_len + sizeof(struct rte_esp_hdr)) {
			w_drop(w, m[i], ESPGW_DROP_ESP_TRUNCATED);
			continue;
		}
		const struct rte_esp_hdr *esp = (const void *)(p + m[i]->l3_len);
		if ((p[0] >> 4) == 4) {
			const struct rte_ipv4_hdr *ip = (const void *)p;
			k4[n4].v4.spi = esp->spi;
			k4[n4].v4.dip = ip->dst_addr;
			k4[n4].v4.sip = ip->src_addr;
			kp4[n4] = &k4[n4];
			m4[n4++] = m[i];
		} else {
			const struct rte_ipv6_hdr *ip6 = (const void *)p;
			k6[n6].v6.spi = esp->spi;
			memcpy(k6[n6].v6.dip, ip6->dst_addr, 16);
			memcpy(k6[n6].v6.sip, ip6->src_addr, 16);
			kp6[n6] = &k6[n6];
			m6[n6++] = m[i];
		}
	}
	if (n4)
		rte_ipsec_sad_lookup(w->sad4, kp4, sa4, n4);
	if (n6)
		rte_ipsec_sad_lookup(w->sad6, kp6, sa6, n6);
	/* with many SAs each is likely a cache miss: start them all now */
	for (unsigned i = 0; i < n4; i++)
		sa_prefetch(sa4[i]);
	for (unsigned i = 0; i < n6; i++)
		sa_prefetch(sa6[i]);

	/* IPv4 first, then IPv6, each with its SA */
	for (unsigned i = 0; i < n4; i++) {
		m[i] = m4[i];
		sa[i] = sa4[i];
	}
	for (unsigned i = 0; i < n6; i++) {
		m[n4 + i] = m6[i];
		sa[n4 + i] = sa6[i];
	}
	return n4 + n6;
}
