/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Anti-replay window (RFC 4303 3.4.3 and Appendix A), in two steps as the
 * RFC advises: replay_check() before the ICV is verified (cheap, changes
 * nothing), replay_update() after it (records the packet, may still say
 * "replay" when a duplicate was verified in the same burst).
 *
 * The window covers [top - size + 1, top]. Sequence numbers are 64-bit;
 * without ESN the caller passes the 32-bit value, with ESN the value
 * replay_esn() reconstructed (Appendix A2.2).
 */
#ifndef ESPGW_REPLAY_H
#define ESPGW_REPLAY_H

#include <stddef.h>
#include <stdint.h>

struct replay_win {
	uint64_t top;		/* highest verified sequence number; 0 = none */
	uint32_t size;		/* window size W in packets, 1..REPLAY_WIN_MAX */
	uint32_t mask;		/* bitmap words - 1 (a power of two) */
	uint64_t bits[];	/* bit for seq s: word (s / 64) & mask, bit s % 64 */
};

size_t replay_size(uint32_t w);
void replay_init(struct replay_win *r, uint32_t w);
uint64_t replay_guess(uint64_t top, uint32_t w, uint32_t seq_lo);
uint64_t replay_esn(const struct replay_win *r, uint32_t seq_lo);
int replay_check(const struct replay_win *r, uint64_t seq);
int replay_update(struct replay_win *r, uint64_t seq);

#endif
