/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-tunnel part of the SPD: the protect policies IKE makes for its
 * CHILD_SAs, in a hash on the destination prefix that each worker owns and
 * changes itself when the control thread tells it to (as it does its SAD).
 * A tunnel's policy comes and goes in O(1) instead of rebuilding the
 * rte_acl SPD, whose cost grows with every tunnel already there.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>

#include "dataplane/dp.h"
#include "dataplane/dp.h"

/* 8-byte aligned and sized: the CRC hash reads it 8 bytes at a time */
struct dyn_key {
	uint8_t family, len;
	uint8_t pad[2];
	uint8_t addr[16];
} __attribute__((aligned(8)));

struct dp_dyn_bucket {
	unsigned n;
	const struct dp_dpol *p[DP_DYN_BUCKET];	/* highest priority first */
};

struct dp_dyn {
	struct rte_hash *h;
	uint32_t cnt[2][129];		/* policies per family and prefix length */
	uint8_t lens[2][129];		/* the lengths in use, longest first */
	unsigned n_lens[2];
};

static void
make_key(int family, unsigned len, const uint8_t *addr, struct dyn_key *k)
{
	unsigned al = family == AF_INET ? 4 : 16;

	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)family;
	k->len = (uint8_t)len;
	for (unsigned i = 0; i < al && i * 8 < len; i++)
		k->addr[i] = addr[i] & (uint8_t)(len >= i * 8 + 8 ? 0xff :
						 0xff << (8 - (len - i * 8)));
}

struct dp_dyn *
dp_dyn_create(const char *name, unsigned entries)
{
	struct rte_hash_parameters hp = {
		.name = name, .entries = entries < 64 ? 64 : entries,
		.key_len = sizeof(struct dyn_key), .hash_func = rte_hash_crc,
		.socket_id = SOCKET_ID_ANY,
	};
	struct dp_dyn *d = calloc(1, sizeof(*d));

	if (d == NULL || (d->h = rte_hash_create(&hp)) == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

static void
count(struct dp_dyn *d, int fi, unsigned len, int delta)
{
	d->cnt[fi][len] += delta;
	d->n_lens[fi] = 0;
	for (int l = 128; l >= 0; l--)
		if (d->cnt[fi][l])
			d->lens[fi][d->n_lens[fi]++] = (uint8_t)l;
}

struct dp_dyn_bucket *
dp_dyn_bucket_new(void)
{
	return calloc(1, sizeof(struct dp_dyn_bucket));
}

void
dp_dyn_bucket_free(struct dp_dyn_bucket *b)
{
	free(b);
}

int
dp_dyn_add(struct dp_dyn *d, const struct dp_dpol *p, struct dp_dyn_bucket **spare)
{
	const struct ip_prefix *dst = &p->sel.dst;
	int fi = dst->addr.family == AF_INET6;
	struct dp_dyn_bucket *b = NULL;
	struct dyn_key k;
	unsigned i;

	make_key(dst->addr.family, dst->len, dst->addr.a, &k);
	if (rte_hash_lookup_data(d->h, &k, (void **)&b) < 0) {
		b = *spare;
		if (b == NULL || rte_hash_add_key_data(d->h, &k, b) < 0)
			return -1;
		memset(b, 0, sizeof(*b));
		*spare = NULL;
	}
	if (b->n == DP_DYN_BUCKET)
		return -1;
	for (i = b->n; i > 0 && b->p[i - 1]->priority < p->priority; i--)
		b->p[i] = b->p[i - 1];
	b->p[i] = p;
	b->n++;
	count(d, fi, dst->len, 1);
	return 0;
}

void
dp_dyn_del(struct dp_dyn *d, const struct dp_dpol *p, struct dp_dyn_bucket **emptied)
{
	const struct ip_prefix *dst = &p->sel.dst;
	struct dp_dyn_bucket *b;
	struct dyn_key k;

	make_key(dst->addr.family, dst->len, dst->addr.a, &k);
	if (rte_hash_lookup_data(d->h, &k, (void **)&b) < 0)
		return;
	for (unsigned i = 0; i < b->n; i++) {
		if (b->p[i] != p)
			continue;
		memmove(&b->p[i], &b->p[i + 1], (b->n - i - 1) * sizeof(b->p[0]));
		b->n--;
		count(d, dst->addr.family == AF_INET6, dst->len, -1);
		break;
	}
	if (b->n == 0) {
		rte_hash_del_key(d->h, &k);
		*emptied = b;
	}
}

void
dp_dyn_lookup_burst(const struct dp_dyn *d, const struct pkt_info *pk, unsigned n,
		    const struct dp_dpol **best)
{
	struct dyn_key keys[DP_DYN_BURST];
	const void *kp[DP_DYN_BURST];
	void *data[DP_DYN_BURST];
	unsigned idx[DP_DYN_BURST];

	for (unsigned i = 0; i < n; i++)
		best[i] = NULL;
	for (int fi = 0; fi < 2; fi++) {
		int fam = fi ? AF_INET6 : AF_INET;
		unsigned m = 0;
		for (unsigned i = 0; i < n && m < DP_DYN_BURST; i++)
			if (pk[i].family == fam)
				idx[m++] = i;
		if (m == 0)
			continue;
		/* one bulk lookup (prefetched) per prefix length in use */
		for (unsigned j = 0; j < d->n_lens[fi]; j++) {
			uint64_t hits = 0;
			for (unsigned k = 0; k < m; k++) {
				make_key(fam, d->lens[fi][j], pk[idx[k]].dst, &keys[k]);
				kp[k] = &keys[k];
			}
			if (rte_hash_lookup_bulk_data(d->h, kp, m, &hits, data) <= 0)
				continue;
			for (unsigned k = 0; k < m; k++) {
				const struct dp_dyn_bucket *b = data[k];
				const struct pkt_info *q = &pk[idx[k]];
				if (!((hits >> k) & 1))
					continue;
				for (unsigned i = 0; i < b->n; i++) {
					const struct dp_dpol *p = b->p[i];
					if (best[idx[k]] && best[idx[k]]->priority >= p->priority)
						break;
					if (selector_match(&p->sel, fam, q->src, q->dst, q->proto,
							   q->sport, q->dport)) {
						best[idx[k]] = p;
						break;
					}
				}
			}
		}
	}
}

bool
dp_dyn_empty(const struct dp_dyn *d)
{
	return d->n_lens[0] == 0 && d->n_lens[1] == 0;
}
