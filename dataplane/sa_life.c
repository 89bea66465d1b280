/* SPDX-License-Identifier: BSD-3-Clause */
/* SA lifetimes in packets and bytes (sa_life.h). */
#include "dataplane/sa_life.h"

void
sa_life_limits(struct sa_limits *lim, const struct lifetime *l, bool outbound, bool esn)
{
	lim->soft_bytes = l->soft_bytes;
	lim->hard_bytes = l->hard_bytes;
	lim->soft_packets = l->soft_packets;
	lim->hard_packets = l->hard_packets;
	lim->hard_is_seq = false;
	if (outbound && !esn) {
		/* the last 1/16 of the space raises the soft (rekey) event; its
		 * end is a hard limit, counted as seq-overflow */
		const uint64_t space = UINT32_MAX, soft = space - space / 16;
		if (lim->soft_packets == 0 || lim->soft_packets > soft)
			lim->soft_packets = soft;
		if (lim->hard_packets == 0 || lim->hard_packets > space) {
			lim->hard_packets = space;
			lim->hard_is_seq = true;
		}
	}
}

bool
sa_life_any(const struct sa_limits *lim)
{
	return lim->soft_bytes || lim->hard_bytes || lim->soft_packets || lim->hard_packets;
}

unsigned
sa_life_account(const struct sa_limits *lim, struct dp_sa_life *c, unsigned n, uint64_t bytes,
		bool shared, bool *soft, bool *hard)
{
	uint64_t p0, b0, p1, b1;
	unsigned ok = n;
	bool s, h;

	if (shared) {
		p0 = __atomic_fetch_add(&c->packets, n, __ATOMIC_RELAXED);
		b0 = __atomic_fetch_add(&c->bytes, bytes, __ATOMIC_RELAXED);
	} else {
		p0 = c->packets;
		b0 = c->bytes;
		c->packets = p0 + n;
		c->bytes = b0 + bytes;
	}
	p1 = p0 + n;
	b1 = b0 + bytes;
	if (lim->hard_packets && p1 > lim->hard_packets)
		ok = p0 >= lim->hard_packets ? 0 : (unsigned)(lim->hard_packets - p0);
	if (lim->hard_bytes && b0 >= lim->hard_bytes)
		ok = 0;
	s = (lim->soft_packets && p1 >= lim->soft_packets) ||
	    (lim->soft_bytes && b1 >= lim->soft_bytes);
	h = (lim->hard_packets && p1 >= lim->hard_packets) ||
	    (lim->hard_bytes && b1 >= lim->hard_bytes);
	/* each event once, whichever worker gets there first */
	*soft = s && (shared ? __atomic_exchange_n(&c->soft_sent, 1, __ATOMIC_RELAXED) == 0 :
		      c->soft_sent == 0 && (c->soft_sent = 1));
	*hard = h && (shared ? __atomic_exchange_n(&c->hard_hit, 1, __ATOMIC_RELAXED) == 0 :
		      c->hard_hit == 0 && (c->hard_hit = 1));
	return ok;
}
