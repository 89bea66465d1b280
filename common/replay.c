/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "common/replay.h"

static uint32_t
words_for(uint32_t w)
{
	uint32_t n = 1;

	/* enough bits that the whole window maps to distinct positions */
	while (n * 64 < w)
		n <<= 1;
	return n;
}

size_t
replay_size(uint32_t w)
{
	return sizeof(struct replay_win) + words_for(w) * sizeof(uint64_t);
}

void
replay_init(struct replay_win *r, uint32_t w)
{
	uint32_t n = words_for(w);

	memset(r, 0, sizeof(*r) + n * sizeof(uint64_t));
	r->size = w;
	r->mask = n - 1;
}

static inline uint64_t *
word(const struct replay_win *r, uint64_t s)
{
	return (uint64_t *)&r->bits[(s >> 6) & r->mask];
}

/*
 * RFC 4303 A2.2: the high half of a received sequence number is the one
 * that puts it closest to a window of w below top. Returns 0 (never
 * valid) when the number would belong before the start of the sequence
 * space.
 */
uint64_t
replay_guess(uint64_t top, uint32_t w, uint32_t sl)
{
	uint32_t tl = (uint32_t)top, th = (uint32_t)(top >> 32);
	uint32_t bl = tl - w + 1;	/* bottom of the window, low half */

	if (tl >= w - 1) {
		/* window inside one 2^32 subspace */
		if (sl >= bl)
			return (uint64_t)th << 32 | sl;
		return (uint64_t)(th + 1) << 32 | sl;
	}
	/* window straddles a subspace boundary */
	if (sl >= bl) {
		if (th == 0)
			return 0;
		return (uint64_t)(th - 1) << 32 | sl;
	}
	return (uint64_t)th << 32 | sl;
}

uint64_t
replay_esn(const struct replay_win *r, uint32_t sl)
{
	return replay_guess(r->top, r->size, sl);
}

int
replay_check(const struct replay_win *r, uint64_t seq)
{
	if (seq == 0)
		return -1;	/* never sent (RFC 4303 3.3.3) */
	if (seq > r->top)
		return 0;
	if (r->top - seq >= r->size)
		return -1;	/* left of the window */
	return (*word(r, seq) >> (seq & 63)) & 1 ? -1 : 0;
}

int
replay_update(struct replay_win *r, uint64_t seq)
{
	uint64_t nbits = ((uint64_t)r->mask + 1) * 64;

	if (replay_check(r, seq) < 0)
		return -1;
	if (seq > r->top) {
		/* slide: positions top+1 .. seq now belong to new numbers */
		if (seq - r->top >= nbits) {
			memset(r->bits, 0, nbits / 8);
		} else {
			for (uint64_t s = r->top + 1; s <= seq;) {
				if ((s & 63) == 0 && seq - s >= 63) {
					*word(r, s) = 0;
					s += 64;
				} else {
					*word(r, s) &= ~(1ull << (s & 63));
					s++;
				}
			}
		}
		r->top = seq;
	}
	*word(r, seq) |= 1ull << (seq & 63);
	return 0;
}
