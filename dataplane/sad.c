/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's SAD: its SPI index (spi_index.h) of inbound SAs, put in and
 * taken out as the control thread's messages say, and a burst of ESP
 * packets looked up by SPI (+ destination, + source).
 */
#include <string.h>
#include <sys/socket.h>

#include <rte_esp.h>

#include "dataplane/worker.h"

void
dp_sad_apply(struct dp_worker *w, struct dp_sa *sa, bool add)
{
	if (add) {
		if (spi_index_add(w->sidx, sa->spi, sa->lookup, sa) < 0)
			w->ctr.drops[ESPGW_DROP_NO_SA]++;	/* cannot happen: sized for max_sas */
	} else {
		spi_index_del(w->sidx, sa->spi, sa);
	}
}

/*
 * The SA of one packet among those of its SPI: the most specific match
 * (RFC 4301 4.1: SPI + destination + source, then SPI + destination,
 * then SPI alone).
 */
static struct dp_sa *
sad_pick(const struct spi_index *x, uint32_t spi, int family, const uint8_t *dst,
	 const uint8_t *src)
{
	uint32_t pos = spi_index_slot(x, spi), al = family == AF_INET ? 4 : 16;
	const struct spi_ent *e;
	struct dp_sa *best = NULL;
	int rank = -1;

	while ((e = spi_index_next(x, spi, &pos)) != NULL) {
		struct dp_sa *sa = e->sa;
		if ((int)e->tag <= rank)
			continue;
		if (e->tag != SAD_SPI &&
		    (sa->local.family != family || memcmp(sa->local.a, dst, al) != 0 ||
		     (e->tag == SAD_SPI_DST_SRC && memcmp(sa->remote.a, src, al) != 0)))
			continue;
		best = sa;
		rank = e->tag;
		if (rank == SAD_SPI_DST_SRC)
			break;
	}
	return best;
}

unsigned
dp_sad_lookup(struct dp_worker *w, struct rte_mbuf **m, unsigned n, struct dp_sa **sa)
{
	const struct spi_index *x = w->sidx;
	uint32_t spi[DP_BURST];
	unsigned k = 0;

	/* one hash per packet; its slot's line is fetched for all at once */
	for (unsigned i = 0; i < n; i++) {
		const struct rte_esp_hdr *esp;
		if (rte_pktmbuf_data_len(m[i]) < m[i]->l3_len + sizeof(*esp)) {
			w_drop(w, m[i], ESPGW_DROP_ESP_TRUNCATED);
			continue;
		}
		esp = rte_pktmbuf_mtod_offset(m[i], const struct rte_esp_hdr *, m[i]->l3_len);
		spi[k] = rte_be_to_cpu_32(esp->spi);
		rte_prefetch0(&x->e[spi_index_slot(x, spi[k])]);
		m[k++] = m[i];
	}
	for (unsigned i = 0; i < k; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(m[i], const uint8_t *);
		if ((p[0] >> 4) == 4) {
			const struct rte_ipv4_hdr *ip = (const void *)p;
			sa[i] = sad_pick(x, spi[i], AF_INET, (const uint8_t *)&ip->dst_addr,
					 (const uint8_t *)&ip->src_addr);
		} else {
			const struct rte_ipv6_hdr *ip6 = (const void *)p;
			sa[i] = sad_pick(x, spi[i], AF_INET6, ip6->dst_addr, ip6->src_addr);
		}
		/* with many SAs each is likely a cache miss: start it now */
		if (i == 0 || sa[i] != sa[i - 1])
			sa_prefetch(sa[i]);
	}
	return k;
}
