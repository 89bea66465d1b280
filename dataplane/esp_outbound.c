/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outbound: SPD lookup (flow cache, then IKE's per-tunnel policies, then
 * rte_acl) -> PROTECT / BYPASS / DISCARD / TRAP; protected
 * packets are grouped by SA, checked against the egress MTU (RFC 4301
 * 8.1/8.2: fragment IPv4 without DF before encryption, otherwise tell the
 * sender its path MTU), sealed by the crypto engine and forwarded.
 */
#include <rte_acl.h>
#include <rte_esp.h>

#include "dataplane/flow_cache.h"
#include "dataplane/worker.h"

static uint16_t
egress_mtu(struct dp_worker *w, int family, const uint8_t *dst)
{
	int nh = w_route(w, family, dst);

	return nh < 0 ? 0 : dp.port[w->rt->nh[nh].port].mtu;
}

/*
 * Split an IPv4 packet (no DF) into fragments whose length is at most
 * mtu; copies into fresh mbufs. Slow path by nature (RFC 791).
 */
static unsigned
ipv4_fragment(struct dp_worker *w, struct rte_mbuf *m, uint16_t mtu,
	      struct rte_mbuf **out, unsigned max)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, void *);
	uint32_t hl = (ip->version_ihl & 0xf) * 4u;
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	uint32_t chunk = ((mtu - hl) / 8) * 8;
	uint16_t off0 = rte_be_to_cpu_16(ip->fragment_offset);
	unsigned n = 0;

	if (chunk == 0)
		return 0;
	for (uint32_t pos = hl; pos < tot; pos += chunk) {
		uint32_t len = RTE_MIN(chunk, tot - pos);
		struct rte_mbuf *f;
		struct rte_ipv4_hdr *fh;
		uint16_t fo;

		if (n == max || (f = rte_pktmbuf_alloc(w->pool)) == NULL)
			goto fail;
		out[n++] = f;
		fh = (void *)rte_pktmbuf_append(f, hl + len);
		if (fh == NULL)
			goto fail;
		memcpy(fh, ip, hl);
		memcpy((uint8_t *)fh + hl, (uint8_t *)ip + pos, len);
		fo = (off0 & RTE_IPV4_HDR_OFFSET_MASK) + (pos - hl) / 8;
		if (pos + len < tot || (off0 & RTE_IPV4_HDR_MF_FLAG))
			fo |= RTE_IPV4_HDR_MF_FLAG;
		fh->fragment_offset = rte_cpu_to_be_16(fo);
		fh->total_length = rte_cpu_to_be_16(hl + len);
		ip4_set_cksum(fh);
		f->l2_len = 0;
		f->l3_len = hl;
		f->port = m->port;
	}
	rte_pktmbuf_free(m);
	return n;
fail:
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	return 0;
}

/*
 * The native engine seals the burst's packets of all SAs in one pass
 * (esp_native_seal_multi: multi-buffer lanes filled across SAs), after
 * every group has been checked and queued; then each goes its way.
 */
static void
seal_flush(struct dp_worker *w)
{
	struct seal_q *q = &w->sq;
	uint8_t why[ESP_SEAL_MAX];

	if (q->n > 0) {
		stage_mark(w, ST_FORWARD);
		esp_native_seal_multi(w, q->sa, q->m, q->n, why);
		stage_mark(w, ST_CRYPTO);
	}
	for (uint16_t i = 0; i < q->n; i++) {
		struct dp_sa_ctr *c = &w->sa_ctr[q->sa[i]->id];
		if (why[i] != 0) {
			c->errors++;
			w_drop(w, q->m[i], why[i]);
			continue;
		}
		c->pkts++;
		c->bytes += q->plen[i];
		w->ctr.esp_out++;
		if (q->tun[q->grp[i]])
			w_send(w, q->m[i], &q->hop[q->grp[i]]);
		else
			w_forward(w, q->m[i], false);
	}
	q->n = q->ng = 0;
	stage_mark(w, ST_FORWARD);
}

/* one SA group's checked packets into the queue (hop: the tunnel's) */
static void
seal_queue(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m, const uint32_t *plen,
	   uint16_t cnt, const struct w_hop *hop)
{
	struct seal_q *q = &w->sq;

	for (uint16_t base = 0; base < cnt; base += DP_BURST) {
		uint16_t g = RTE_MIN(DP_BURST, cnt - base);
		uint64_t gb = 0;
		unsigned ok;

		for (uint16_t i = 0; i < g; i++)
			gb += plen[base + i];
		/* take the sequence numbers / lifetime before using them */
		ok = esp_life_take(w, sa, g, gb);
		w_drop_expired(w, sa, m + base, ok, g);
		if (ok == 0)
			continue;
		if (q->n + ok > ESP_SEAL_MAX)
			seal_flush(w);
		q->tun[q->ng] = hop != NULL;
		if (hop != NULL)
			q->hop[q->ng] = *hop;
		for (unsigned i = 0; i < ok; i++) {
			q->m[q->n] = m[base + i];
			q->sa[q->n] = sa;
			q->plen[q->n] = plen[base + i];
			q->grp[q->n++] = q->ng;
		}
		q->ng++;
	}
}

/*
 * A group's checked packets (hop: the tunnel's; NULL: transport, routed
 * each): queued for the native engine's pass over the burst, or sealed
 * and sent here by librte_ipsec's engines, one SA's packets per call.
 */
static void
group_emit(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m, const uint32_t *plen,
	   uint16_t cnt, const struct w_hop *hop)
{
	uint8_t why[DP_BURST];
	uint64_t bytes = 0;
	uint16_t r;

	if (sa->nk != NULL) {
		seal_queue(w, sa, m, plen, cnt, hop);
		return;
	}
	for (uint16_t base = 0; base < cnt; base += DP_BURST) {
		uint16_t g = RTE_MIN(DP_BURST, cnt - base);
		struct rte_mbuf **b = m + base;
		uint64_t gb = 0;
		unsigned ok, sent = 0;

		for (uint16_t i = 0; i < g; i++)
			gb += plen[base + i];
		/* take the sequence numbers / lifetime before using them */
		ok = esp_life_take(w, sa, g, gb);
		w_drop_expired(w, sa, b, ok, g);
		g = ok;
		stage_mark(w, ST_FORWARD);
		r = esp_seal(w, sa, b, g, why);
		stage_mark(w, ST_CRYPTO);
		for (uint16_t i = r; i < g; i++) {
			w->sa_ctr[sa->id].errors++;
			w_drop(w, b[i], why[i]);
		}
		for (uint16_t i = 0; i < r; i++) {
			bytes += plen[base + i];
			sent++;
			w->ctr.esp_out++;
			if (hop != NULL)
				w_send(w, b[i], hop);
			else
				w_forward(w, b[i], false);
		}
		w->sa_ctr[sa->id].pkts += sent;
		w->sa_ctr[sa->id].bytes += bytes;
		bytes = 0;
		stage_mark(w, ST_FORWARD);
	}
}

static void
outbound_group(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **in,
	       uint16_t n)
{
	struct rte_mbuf *m[DP_BURST * 2];
	uint32_t plen[DP_BURST * 2];
	uint16_t cnt = 0, tmtu = 0;
	struct w_hop hop;
	bool tun = sa->mode == SA_MODE_TUNNEL;
	const struct dp_sa_path *pa = dp_sa_path_get(sa);

	/* a tunnel SA's packets all leave the same way: resolve it once, and
	 * once per burst for SAs to the same peer */
	if (tun && w_hop_memo(w, &w->out_memo, pa->outer_family, pa->route_dst.a, &hop) == 0 &&
	    !hop.local)
		tmtu = dp.port[hop.port].mtu;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *p = in[i];
		uint8_t *h = rte_pktmbuf_mtod(p, uint8_t *);
		uint32_t len = rte_pktmbuf_pkt_len(p);
		uint16_t mtu = tmtu;

		if (sa->mode == SA_MODE_TRANSPORT)
			mtu = egress_mtu(w, pa->outer_family,
					 h + (pa->outer_family == AF_INET ? 16 : 24));
		if (mtu == 0) {
			w_drop(w, p, ESPGW_DROP_NO_ROUTE);
			continue;
		}
		if (!w_dec_ttl(p)) {
			/* RFC 1812 5.3.1 / RFC 4443 3.3: time exceeded in transit */
			w_drop_notify(w, p, ESPGW_DROP_TTL_EXPIRED, PUNT_TTL);
			continue;
		}
		if (len + pa->overhead > mtu) {
			struct rte_ipv4_hdr *ip = (void *)h;
			if ((h[0] >> 4) == 4 && sa->mode == SA_MODE_TUNNEL &&
			    !(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG))) {
				unsigned f = ipv4_fragment(w, p, mtu - pa->overhead,
							   m + cnt, RTE_DIM(m) - cnt);
				if (f == 0 && cnt > 0) {
					/* no room for its fragments: the group's
					 * packets so far go first */
					group_emit(w, sa, m, plen, cnt, tun ? &hop : NULL);
					cnt = 0;
					f = ipv4_fragment(w, p, mtu - pa->overhead, m, RTE_DIM(m));
				}
				if (f == 0) {
					w_drop(w, p, ESPGW_DROP_FRAG_FAILED);
					continue;
				}
				for (unsigned j = 0; j < f; j++)
					plen[cnt + j] = rte_pktmbuf_pkt_len(m[cnt + j]);
				/* (each fragment is an ESP packet of the SA's count) */
				w->sa_ctr[sa->id].fragmented++;
				w->sa_ctr[sa->id].fragments += f;
				cnt += f;
				continue;
			}
			/* RFC 4301 8.2.1: report the MTU left after ESP */
			dp_meta(p)->mtu = mtu - pa->overhead;
			w_drop_notify(w, p, ESPGW_DROP_MTU_EXCEEDED, PUNT_MTU);
			continue;
		}
		plen[cnt] = len;
		m[cnt++] = p;
	}
	for (unsigned i = 0; unlikely(w->cap != NULL) && i < cnt; i++)
		w_cap(w, m[i], CAP_PLAIN, m[i]->port, sa);
	group_emit(w, sa, m, plen, cnt, tun ? &hop : NULL);
}

/*
 * The SPD's decision for the packets the flow cache missed: IKE's
 * per-tunnel policies first (above every static one in priority), then
 * rte_acl. Each decision goes into the cache and into kind/act/sa_of.
 * slot and key are per packet (the cache's), idx the missed packets.
 */
static void
spd_lookup(struct dp_worker *w, const struct pkt_info *pis, const unsigned *idx,
	   const uint32_t *slot, const struct fc_key *key, unsigned n,
	   uint8_t *kind, uint8_t *act, struct dp_sa **sa_of)
{
	struct spd_key4 k4[DP_BURST];
	struct spd_key6 k6[DP_BURST];
	const uint8_t *d4[DP_BURST], *d6[DP_BURST];
	uint32_t r4[DP_BURST], r6[DP_BURST];
	unsigned at4[DP_BURST], at6[DP_BURST];
	struct pkt_info mp[DP_BURST];
	const struct dp_dpol *dpol[DP_BURST];
	unsigned n4 = 0, n6 = 0;
	const struct dp_spd *spd = w->spd;
	const struct dp_dyn *dyn = dp_dyn_empty(w->dyn) ? NULL : w->dyn;

	for (unsigned j = 0; j < n; j++)
		mp[j] = pis[idx[j]];
	if (dyn)
		dp_dyn_lookup_burst(dyn, mp, n, dpol);
	for (unsigned j = 0; j < n; j++) {
		unsigned i = idx[j];
		if (dyn && dpol[j] != NULL) {
			kind[i] = FC_DYN;
			sa_of[i] = dpol[j]->sa;
			sa_prefetch(sa_of[i]);
		} else if (mp[j].family == AF_INET) {
			spd_key4_fill(&k4[n4], &mp[j]);
			d4[n4] = (const uint8_t *)&k4[n4];
			at4[n4++] = j;
		} else {
			spd_key6_fill(&k6[n6], &mp[j]);
			d6[n6] = (const uint8_t *)&k6[n6];
			at6[n6++] = j;
		}
	}
	memset(r4, 0, sizeof(r4[0]) * n4);
	memset(r6, 0, sizeof(r6[0]) * n6);
	if (n4 && spd != NULL && spd->acl4 != NULL)
		rte_acl_classify(spd->acl4, d4, r4, n4, 1);
	if (n6 && spd != NULL && spd->acl6 != NULL)
		rte_acl_classify(spd->acl6, d6, r6, n6, 1);
	/* with many policies each entry is likely a miss: start them all */
	for (unsigned t = 0; t < n4; t++)
		if (r4[t] != 0)
			rte_prefetch0(&spd->e[r4[t] - 1]);
	for (unsigned t = 0; t < n6; t++)
		if (r6[t] != 0)
			rte_prefetch0(&spd->e[r6[t] - 1]);
	for (unsigned f = 0; f < 2; f++) {
		for (unsigned t = 0, nt = f ? n6 : n4; t < nt; t++) {
			unsigned j = f ? at6[t] : at4[t], i = idx[j];
			uint32_t res = f ? r6[t] : r4[t];
			if (res == 0) {
				kind[i] = FC_NOMATCH;
				continue;
			}
			kind[i] = FC_SPD;
			act[i] = spd->e[res - 1].action;
			sa_of[i] = spd->e[res - 1].sa;
			sa_prefetch(sa_of[i]);
		}
	}
	for (unsigned j = 0; j < n; j++) {
		unsigned i = idx[j];
		struct fc_ent *e = &w->fc[slot[i]];
		e->k = key[i];
		e->gen = w->fc_gen;
		e->kind = kind[i];
		e->action = act[i];
		e->sa = sa_of[i];
	}
}

void
esp_outbound(struct dp_worker *w, struct rte_mbuf **m, const struct pkt_info *pis,
	     unsigned n)
{
	struct pkt_info own[DP_BURST];
	struct fc_key key[DP_BURST];
	uint32_t slot[DP_BURST];
	unsigned idx[DP_BURST], nm = 0, np = 0;
	uint8_t kind[DP_BURST], act[DP_BURST];
	struct dp_sa *sa_of[DP_BURST];
	struct rte_mbuf *prot[DP_BURST];
	const struct dp_sa *last = NULL;

	w->out_memo.valid = false;	/* neighbours may have changed since */
	if (pis == NULL) {
		for (unsigned i = 0; i < n; i++)
			if (pkt_parse_l3(m[i], &own[i]) < 0)
				own[i].family = 0;
		pis = own;
	}
	/*
	 * In stages over the whole burst, each starting the next one's
	 * memory: with many flows and SAs the cache entry, the SA and its
	 * keys are each likely a miss, and one at a time they would not
	 * overlap.
	 */
	for (unsigned i = 0; i < n; i++)
		if (pis[i].family != 0) {
			slot[i] = fc_key(&key[i], &pis[i]);
			rte_prefetch0(&w->fc[slot[i]]);
		}
	for (unsigned i = 0; i < n; i++) {
		const struct fc_ent *e = &w->fc[slot[i]];
		if (pis[i].family == 0) {
			kind[i] = 0;
		} else if (e->gen == w->fc_gen && fc_key_eq(&e->k, &key[i])) {
			kind[i] = e->kind;
			act[i] = e->action;
			sa_of[i] = e->sa;
			if (e->sa != last)
				sa_prefetch(last = e->sa);
		} else {
			idx[nm++] = i;
		}
	}
	if (nm > 0)
		spd_lookup(w, pis, idx, slot, key, nm, kind, act, sa_of);

	for (unsigned i = 0; i < n; i++) {
		struct dp_sa *sa = sa_of[i];

		switch (kind[i]) {
		case 0:
			w_drop(w, m[i], ESPGW_DROP_IP_MALFORMED);
			continue;
		case FC_NOMATCH:
			/* the SPD's default discard is for transit traffic; the
			 * gateway's own packets (ICMP errors, from the control
			 * thread's pool: dp_ctl_route) go out in the clear */
			if (m[i]->pool == dp.pool)
				w_forward(w, m[i], false);
			else
				w_drop(w, m[i], ESPGW_DROP_SPD_NO_MATCH);
			continue;
		case FC_SPD:
			switch (act[i]) {
			case SPD_DISCARD:
				w_drop(w, m[i], ESPGW_DROP_SPD_DISCARD);
				continue;
			case SPD_BYPASS:
				w->ctr.plain_fwd++;
				w_forward(w, m[i], true);
				continue;
			case SPD_TRAP:
				w_punt(w, m[i], PUNT_ACQUIRE, 0);
				continue;
			}
			if (sa == NULL) {
				w_drop(w, m[i], ESPGW_DROP_SA_DOWN);
				continue;
			}
			break;
		}
		/* PROTECT, by the SPD or a tunnel policy; i >= np: not overwritten */
		if (np == 0 || sa != sa_of[np - 1]) {
			sa_keys_prefetch(sa);
			rte_prefetch0(&w->sa_ctr[sa->id]);
		}
		if (unlikely(sa->expired)) {
			w_drop(w, m[i], sa_expired_reason(sa));
		} else {
			sa_of[np] = sa;
			prot[np++] = m[i];
		}
	}
	stage_mark(w, ST_SPD);
	for_each_sa_group(w, sa_of, prot, np, outbound_group);
	seal_flush(w);
}
