/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inbound ESP (RFC 4303 3.4): SAD lookup, cheap structural checks, the
 * anti-replay check, crypto and librte_ipsec's processing, the window
 * update once the ICV verified, then the RFC 4301 5.2 check of the inner
 * packet against the SA's selectors, then forwarding.
 *
 * Anti-replay has one authority: the SA's struct replay_win (common/
 * replay.c). librte_ipsec keeps no window for SAs without ESN; with ESN it
 * must keep one, because it takes the high half of the sequence number
 * (which the ICV covers) from its own window top. So that its top and
 * ours never part, each SA's packets of a burst go through librte_ipsec
 * in runs of strictly increasing numbers (a packet that is not above the
 * run so far starts the next run, after the window has been updated), and
 * its window is one larger than ours so it never refuses a number ours
 * accepts; a run also ends before a number 2^31 past the top it started
 * from (docs/architecture.md, "Anti-replay").
 */
#include <rte_esp.h>

#include "dataplane/worker.h"

/*
 * One run of an SA's packets: each passed the window check against the
 * window as it is now, and their numbers strictly increase, so updating
 * the window after the ICV can refuse none of them, and librte_ipsec
 * reconstructs each one's high half as we did.
 */
static void
inbound_run(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m,
	    uint16_t n, struct rte_mbuf **fwd, struct pkt_info *fpi,
	    unsigned *good, uint64_t *bytes)
{
	uint64_t seq[DP_BURST];
	uint8_t why[DP_BURST];
	uint16_t r;

	for (uint16_t i = 0; i < n; i++) {
		const struct rte_esp_hdr *eh = rte_pktmbuf_mtod_offset(
			m[i], const struct rte_esp_hdr *, m[i]->l3_len);
		/* the full number where a window guessed it, else the header's */
		seq[i] = sa->rw != NULL ? dp_meta(m[i])->seq : rte_be_to_cpu_32(eh->seq);
	}
	r = esp_open(w, sa, m, n, seq, why);
	for (uint16_t i = r; i < n; i++) {
		w->sa_ctr[sa->id].errors++;
		w_drop(w, m[i], why[i]);
	}
	for (uint16_t i = 0; i < r; i++) {
		struct pkt_info pi;
		/* the ICV is good: now the window may move (RFC 4303 3.4.3) */
		if (sa->rw != NULL && replay_update(sa->rw, dp_meta(m[i])->seq) < 0) {
			w->sa_ctr[sa->id].errors++;
			w_drop(w, m[i], ESPGW_DROP_ESP_REPLAY);
			continue;
		}
		/* both engines leave tunnel-mode data at the inner header */
		if (pkt_parse_l3(m[i], &pi) < 0 || pi.family != sa->inner_family) {
			w_drop(w, m[i], ESPGW_DROP_IP_MALFORMED);
			continue;
		}
		/* RFC 4301 5.2 step 4: the inner packet must match the SA */
		if (!selector_match(&sa->sel, pi.family, pi.src, pi.dst, pi.proto,
				    pi.sport, pi.dport)) {
			w->sa_ctr[sa->id].errors++;
			w_drop(w, m[i], ESPGW_DROP_INNER_POLICY);
			continue;
		}
		if (pi.family == AF_INET && sa->mode == SA_MODE_TRANSPORT) {
			/* transport mode rewrote length/proto: refresh the sum */
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m[i], void *);
			ip4_set_cksum(ip);
		}
		*bytes += rte_pktmbuf_pkt_len(m[i]);
		fpi[*good] = pi;
		fwd[(*good)++] = m[i];
	}
}

/*
 * The window check before any crypto is spent (RFC 4303 3.4.3), against
 * the window as the previous runs left it. s is the full number (lo with
 * the high half guessed); it is recorded for the update after the ICV.
 * false: dropped here.
 */
static bool
replay_precheck(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf *mb,
		uint32_t lo, uint64_t s)
{
	if (sa->esn && sa->nk == NULL) {
		/*
		 * librte_ipsec guesses the high half with its window, one
		 * larger than ours. The guesses differ for one number only,
		 * top - W: A2.2 puts it in the next subspace, where its ICV
		 * cannot verify; librte_ipsec would verify it as the old
		 * packet it is, and our window would then record it 2^32
		 * ahead. It fails integrity by RFC 4303 A2.2, so that is how
		 * it is counted.
		 */
		uint64_t lib = replay_guess(sa->rw->top, sa->rw->size + 1, lo);
		if (lib == 0)	/* "before the start": librte_ipsec keeps high half 0 */
			lib = lo;
		if (s != 0 && s != lib) {
			w->sa_ctr[sa->id].errors++;
			w_drop(w, mb, ESPGW_DROP_ESP_ICV);
			return false;
		}
	}
	if (replay_check(sa->rw, s) < 0) {
		w->sa_ctr[sa->id].errors++;
		w_drop(w, mb, ESPGW_DROP_ESP_REPLAY);
		return false;
	}
	dp_meta(mb)->seq = s;
	return true;
}

static void
inbound_group(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m,
	      uint16_t n)
{
	struct rte_mbuf *fwd[DP_BURST], *run[DP_BURST];
	struct pkt_info fpi[DP_BURST];
	uint64_t bytes = 0;
	unsigned good = 0, ok;
	bool lock = sa->rw != NULL && dp.n_workers > 1;
	struct w_memo memo = { .valid = false };

	stage_mark(w, ST_SAD);
	/*
	 * With several workers an SA's window is shared: a run's check,
	 * crypto and update happen under its lock, so another worker cannot
	 * move the window (and librte_ipsec's top) between them.
	 */
	for (uint16_t i = 0; i < n;) {
		uint16_t nr = 0;
		uint64_t last = 0;

		if (lock)
			rte_spinlock_lock(&sa->rw_lock);
		for (; i < n; i++) {
			if (sa->rw != NULL) {
				const struct rte_esp_hdr *eh = rte_pktmbuf_mtod_offset(
					m[i], const struct rte_esp_hdr *, m[i]->l3_len);
				uint32_t lo = rte_be_to_cpu_32(eh->seq);
				uint64_t s = sa->esn ? replay_esn(sa->rw, lo) : lo;
				/*
				 * Not above the run, or 2^31 past the top the run
				 * guessed against: it waits for the update, so that
				 * each number's high half is guessed (A2.2) from a
				 * top at most 2^31 behind it, as one by one would.
				 */
				if (nr > 0 && (s <= last || s - sa->rw->top >= (1ull << 31)))
					break;
				if (!replay_precheck(w, sa, m[i], lo, s))
					continue;
				last = s;
			}
			run[nr++] = m[i];
		}
		if (nr > 0)
			inbound_run(w, sa, run, nr, fwd, fpi, &good, &bytes);
		if (lock)
			rte_spinlock_unlock(&sa->rw_lock);
	}
	stage_mark(w, ST_CRYPTO);
	/* verified packets count against the lifetime; past it they drop */
	ok = esp_life_take(w, sa, good, bytes);
	w_drop_expired(w, sa, fwd, ok, good);
	for (unsigned i = 0; i < ok; i++) {
		w->sa_ctr[sa->id].bytes += rte_pktmbuf_pkt_len(fwd[i]);
		w_cap(w, fwd[i], CAP_PLAIN, fwd[i]->port, sa);
		w_forward_memo(w, fwd[i], &fpi[i], &memo);
	}
	w->sa_ctr[sa->id].pkts += ok;
	w->ctr.esp_in += ok;
	stage_mark(w, ST_FORWARD);
}

unsigned
esp_inbound(struct dp_worker *w, struct rte_mbuf **m, unsigned n, struct rte_mbuf **transit)
{
	struct dp_sa *sa_in[DP_BURST], *sa_of[DP_BURST];
	struct rte_mbuf *ok[DP_BURST];
	unsigned n_ok = 0, n_transit = 0;

	n = dp_sad_lookup(w, m, n, sa_in);
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *mb = m[i];
		struct dp_sa *sa = sa_in[i];
		if (sa == NULL) {
			/* ESP in transit (not ours) is plain traffic to the SPD */
			struct pkt_info pi;
			int nh = pkt_parse_l3(mb, &pi) < 0 ? -1 :
				 w_route(w, pi.family, pi.dst);
			if (nh >= 0 && w->rt->nh[nh].type != NH_LOCAL) {
				transit[n_transit++] = mb;
				continue;
			}
			w_drop(w, mb, ESPGW_DROP_NO_SA);
			continue;
		}
		if (n_ok == 0 || sa != sa_of[n_ok - 1]) {
			sa_keys_prefetch(sa);
			rte_prefetch0(&w->sa_ctr[sa->id]);
			if (sa->rw != NULL)
				rte_prefetch0(sa->rw);
		}
		if (unlikely(sa->expired)) {
			w_drop(w, mb, sa_expired_reason(sa));
			continue;
		}
		if (!pkt_esp_len_ok(rte_pktmbuf_pkt_len(mb) - mb->l3_len, sa->iv_len, sa->icv_len)) {
			w->sa_ctr[sa->id].errors++;
			w_drop(w, mb, ESPGW_DROP_ESP_TRUNCATED);
			continue;
		}
		/* the lookaside path marks failures here; start clean */
		mb->ol_flags &= ~RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED;
		sa_of[n_ok] = sa;
		ok[n_ok++] = mb;
	}
	for_each_sa_group(w, sa_of, ok, n_ok, inbound_group);
	return n_transit;
}
