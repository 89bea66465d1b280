/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential test of anti-replay through the real inbound pipeline
 * (classify, SAD, the window check, crypto, the window update, selector
 * check, routing) against tests/dp/replay_model.h, the RFC 4303 A2 model.
 *
 * Per SA a sender stream: in-order numbers, forward jumps (across 2^32
 * with ESN), duplicates, old numbers in and just outside the window,
 * local reordering, forged packets. The SA streams are interleaved and
 * cut into random bursts of 1..32. Every burst's delivered packets (by
 * the tag inside the decrypted payload) and drop counts must equal the
 * model's. A failure prints the seed and the failing SA's recent history.
 *
 * usage: test_replay_diff [PACKETS [SEED]]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/dp/dp_harness.h"
#include "tests/dp/replay_model.h"

static struct dph_sa sas[] = {
	{ "aes-gcm-128", 32, false, 0, 0 },   { "aes-gcm-128", 32, true, 0, 0 },
	{ "aes-gcm-128", 64, false, 0, 0 },   { "aes-gcm-128", 64, true, 0, 0 },
	{ "aes-gcm-128", 128, false, 0, 0 },  { "aes-gcm-128", 128, true, 0, 0 },
	{ "aes-gcm-128", 1024, false, 0, 0 }, { "aes-gcm-128", 1024, true, 0, 0 },
	{ "aes-gcm-128", 4096, false, 0, 0 }, { "aes-gcm-128", 4096, true, 0, 0 },
	{ "aes-cbc-128-sha256", 64, true, 0, 0 },
	{ "aes-cbc-128-sha256", 1024, true, 0, 0 },
	{ "aes-cbc-128-sha256", 128, false, 0, 0 },
};
#define NSA (sizeof(sas) / sizeof(sas[0]))

struct pkt {
	uint64_t seq;
	uint8_t sa;
	bool forged;
	uint8_t fate;		/* model's */
};

static uint64_t rng;
static uint64_t
rnd(void)
{
	/* xorshift64*: reproducible from the seed on every platform */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}
static uint64_t
below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* One SA's sender: what it sends, in the order it leaves the sender. */
static unsigned
gen_stream(unsigned sa, struct pkt *out, unsigned n)
{
	const struct dph_sa *s = &sas[sa];
	uint64_t w = s->effective_window, next = 1, hi = 0;
	const uint64_t lim = s->esn ? UINT64_MAX / 2 : UINT32_MAX;
	unsigned k = 0;

	/* ESN streams start just below a 2^32 boundary and cross it; some
	 * others start near the end of the 32-bit space */
	if (s->esn || below(3) == 0)
		next = (1ull << 32) - below(4 * w + 10) - 1;
	/* a first packet at 1 makes the jump above a plain forward jump */
	out[k++] = (struct pkt){ 1, (uint8_t)sa, false, 0 };
	while (k < n) {
		unsigned r = below(100);
		uint64_t seq;
		bool forged = false;

		if (r < 55 || hi == 0) {
			seq = next;
		} else if (r < 63) {
			/* forward jump: mostly within a few windows, some far */
			next += below(8) == 0 ? below(1u << 20) : 1 + below(3 * w);
			seq = next;
		} else if (r < 75) {
			seq = hi - below(2 * w > hi ? hi : 2 * w);	/* duplicate or old */
		} else if (r < 87) {
			/* around the left edge of the window */
			uint64_t d = w - 3 + below(6);
			seq = hi > d ? hi - d : 1;
		} else if (r < 90) {
			seq = next + below(w);	/* forged, ahead */
			forged = true;
		} else {
			seq = hi - below(w < hi ? w : hi);	/* old, inside */
		}
		if (seq == 0 || seq > lim)
			continue;
		if (!forged && seq >= next) {
			next = seq + 1;
		}
		if (!forged && seq > hi)
			hi = seq;
		out[k++] = (struct pkt){ seq, (uint8_t)sa, forged, 0 };
	}
	/* local reordering, as a network does: swap with one a few ahead */
	for (unsigned i = 0; i + 1 < k; i++)
		if (below(10) == 0) {
			unsigned j = i + 1 + below(8);
			if (j < k) {
				struct pkt t = out[i];
				out[i] = out[j];
				out[j] = t;
			}
		}
	return k;
}

static void
history(const struct pkt *all, unsigned upto, unsigned sa, const unsigned *burst_of)
{
	unsigned shown = 0, from = upto;

	while (from > 0 && shown < 48) {
		from--;
		if (all[from].sa == sa)
			shown++;
	}
	fprintf(stderr, "  SA %u (%s, window %u, esn %d): its last %u packets\n", sa,
		sas[sa].alg, sas[sa].effective_window, sas[sa].esn, shown);
	for (unsigned i = from; i <= upto; i++)
		if (all[i].sa == sa)
			fprintf(stderr, "    burst %u  seq %" PRIu64 " (0x%" PRIx64 ")%s  model: %s\n",
				burst_of[i], all[i].seq, all[i].seq, all[i].forged ? " forged" : "",
				all[i].fate == FATE_DELIVER ? "deliver" :
				all[i].fate == FATE_REPLAY ? "esp-replay" : "esp-icv");
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	unsigned total = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 1000000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
	unsigned per = total / NSA + 1, n = 0, bursts = 0, *burst_of;
	struct pkt *all, *streams[NSA];
	unsigned len[NSA], pos[NSA];
	struct replay_model model[NSA];
	uint64_t delivered = 0, dropped = 0, above = 0;

	rng = seed ? seed : 1;
	printf("test_replay_diff: seed %" PRIu64 ", %u packets\n", seed, total);
	dph_init(argv[0], sas, NSA);
	all = calloc((size_t)per * NSA, sizeof(*all));
	burst_of = calloc((size_t)per * NSA, sizeof(*burst_of));
	for (unsigned s = 0; s < NSA; s++) {
		streams[s] = calloc(per, sizeof(struct pkt));
		len[s] = gen_stream(s, streams[s], per);
		pos[s] = 0;
		model_init(&model[s], sas[s].effective_window, sas[s].esn);
	}
	/* interleave the streams, each keeping its own order */
	for (;;) {
		unsigned live = 0, pick;
		for (unsigned s = 0; s < NSA; s++)
			live += pos[s] < len[s];
		if (live == 0)
			break;
		pick = below(NSA);
		while (pos[pick] >= len[pick])
			pick = (pick + 1) % NSA;
		/* runs of one SA, as a busy tunnel sends */
		for (unsigned r = 1 + below(6); r > 0 && pos[pick] < len[pick]; r--)
			all[n++] = streams[pick][pos[pick]++];
	}
	for (unsigned i = 0; i < n;) {
		unsigned b = 1 + below(32), exp_deliv = 0;
		uint64_t exp_drop[ESPGW_DROP_MAX] = { 0 };
		uint32_t exp_tags[32];
		struct rte_mbuf *m[32];
		struct dph_out out;

		if (b > n - i)
			b = n - i;
		for (unsigned j = 0; j < b; j++) {
			struct pkt *p = &all[i + j];
			p->fate = model_receive(&model[p->sa], p->seq, p->forged);
			burst_of[i + j] = bursts;
			if (p->fate == FATE_DELIVER) {
				exp_tags[exp_deliv++] = i + j;
				above += p->seq > UINT32_MAX;
			}
			else
				exp_drop[p->fate == FATE_REPLAY ? ESPGW_DROP_ESP_REPLAY :
					 ESPGW_DROP_ESP_ICV]++;
			m[j] = dph_esp(p->sa, p->seq, i + j, p->forged);
		}
		dph_burst(DPH_PORT_OUTSIDE, m, b, &out);
		qsort(out.tags, out.n_tx[DPH_PORT_INSIDE], 4, cmp_u32);
		bool bad = out.n_tx[DPH_PORT_INSIDE] != exp_deliv ||
			   memcmp(out.tags, exp_tags, 4 * exp_deliv) != 0 ||
			   memcmp(out.drops, exp_drop, sizeof(exp_drop)) != 0;
		if (bad) {
			fprintf(stderr, "FAIL at burst %u (packets %u..%u), seed %" PRIu64 "\n",
				bursts, i, i + b - 1, seed);
			fprintf(stderr, "  delivered %u, model %u; drops:", out.n_tx[DPH_PORT_INSIDE],
				exp_deliv);
			for (unsigned d = 0; d < ESPGW_DROP_MAX; d++)
				if (out.drops[d] || exp_drop[d])
					fprintf(stderr, " %s %" PRIu64 " (model %" PRIu64 ")",
						espgw_drop_name[d], out.drops[d], exp_drop[d]);
			fprintf(stderr, "\n");
			/* the SA a wrong delivery names, else every SA of the burst */
			uint32_t shown = 0;
			for (unsigned j = 0; j < b && shown == 0; j++) {
				bool got = false;
				for (unsigned t = 0; t < out.n_tx[DPH_PORT_INSIDE]; t++)
					got |= out.tags[t] == i + j;
				if (got != (all[i + j].fate == FATE_DELIVER)) {
					history(all, i + b - 1, all[i + j].sa, burst_of);
					shown = 1;
				}
			}
			for (unsigned j = 0; j < b && shown == 0; j++)
				if (!(shown >> (16 + all[i + j].sa) & 1)) {
					history(all, i + b - 1, all[i + j].sa, burst_of);
					shown |= 1u << (16 + all[i + j].sa);
				}
			fprintf(stderr, "rerun: %s %u %" PRIu64 "\n", argv[0], total, seed);
			return 1;
		}
		delivered += exp_deliv;
		dropped += b - exp_deliv;
		i += b;
		bursts++;
	}
	printf("test_replay_diff: %u packets in %u bursts over %zu SAs: %" PRIu64
	       " delivered (%" PRIu64 " past 2^32), %" PRIu64 " dropped, all as the model said\n",
	       n, bursts, NSA, delivered, above, dropped);
	return 0;
}
