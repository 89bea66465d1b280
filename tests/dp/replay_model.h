/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reference model of the receiver's anti-replay processing, written from
 * RFC 4303 3.4.3 and Appendix A2 and nothing else: a set of every number
 * ever accepted (no bitmap, no sliding), the highest accepted number T,
 * and the A2.2 guess of the high half. Deliberately naive and separate
 * from common/replay.c, so that the two can be compared.
 */
#ifndef ESPGW_REPLAY_MODEL_H
#define ESPGW_REPLAY_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum model_fate { FATE_DELIVER, FATE_REPLAY, FATE_ICV };

struct replay_model {
	uint64_t T;		/* highest authenticated number, 0 = none yet */
	uint64_t W;		/* window size */
	bool esn;
	/* open-addressing set of accepted numbers (0 = empty slot) */
	uint64_t *set;
	size_t cap, n;
};

static inline void
model_init(struct replay_model *m, uint64_t w, bool esn)
{
	m->T = 0;
	m->W = w;
	m->esn = esn;
	m->cap = 1024;
	m->n = 0;
	m->set = calloc(m->cap, sizeof(uint64_t));
}

static inline void
model_free(struct replay_model *m)
{
	free(m->set);
	m->set = NULL;
}

static inline size_t
model_slot(const struct replay_model *m, uint64_t s)
{
	size_t i = (size_t)((s * 0x9e3779b97f4a7c15ull) >> 20) & (m->cap - 1);

	while (m->set[i] != 0 && m->set[i] != s)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static inline bool
model_seen(const struct replay_model *m, uint64_t s)
{
	return m->set[model_slot(m, s)] == s;
}

static inline void
model_add(struct replay_model *m, uint64_t s)
{
	if (2 * (m->n + 1) > m->cap) {
		uint64_t *old = m->set;
		size_t oc = m->cap;
		m->cap *= 2;
		m->set = calloc(m->cap, sizeof(uint64_t));
		m->n = 0;
		for (size_t i = 0; i < oc; i++)
			if (old[i] != 0)
				model_add(m, old[i]);
		free(old);
	}
	size_t i = model_slot(m, s);
	if (m->set[i] == 0) {
		m->set[i] = s;
		m->n++;
	}
}

/*
 * RFC 4303 A2.2, as its pseudo-code reads: Case A when the window lies in
 * one subspace, Case B when it spans two. Returns false when the guess is
 * "Th - 1" with Th = 0 (a number before the start of the SA).
 */
static inline bool
model_guess(const struct replay_model *m, uint32_t seql, uint64_t *out)
{
	int64_t th = (int64_t)(m->T >> 32), seqh;
	uint32_t tl = (uint32_t)m->T;

	if ((uint64_t)tl >= m->W - 1) {				/* Case A */
		if ((uint64_t)seql >= (uint64_t)tl - m->W + 1)
			seqh = th;
		else
			seqh = th + 1;
	} else {						/* Case B */
		uint32_t bottom = (uint32_t)(tl - (uint32_t)m->W + 1);
		if (seql >= bottom)
			seqh = th - 1;
		else
			seqh = th;
	}
	if (seqh < 0)
		return false;
	*out = (uint64_t)seqh << 32 | seql;
	return true;
}

/*
 * One packet, in arrival order. true_seq is what the sender used (its
 * ICV covers it); forged: the ICV is wrong whatever the number.
 */
static inline enum model_fate
model_receive(struct replay_model *m, uint64_t true_seq, bool forged)
{
	uint64_t s;

	if (m->esn) {
		if (!model_guess(m, (uint32_t)true_seq, &s))
			return FATE_REPLAY;
	} else {
		s = (uint32_t)true_seq;
	}
	/* 3.4.3: the window check comes first */
	if (s == 0)
		return FATE_REPLAY;
	if (s <= m->T && (m->T - s >= m->W || model_seen(m, s)))
		return FATE_REPLAY;
	/* then integrity: with ESN the guessed high half is part of the ICV */
	if (forged || s != true_seq)
		return FATE_ICV;
	model_add(m, s);
	if (s > m->T)
		m->T = s;
	return FATE_DELIVER;
}

#endif
