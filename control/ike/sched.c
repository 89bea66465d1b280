/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The timer heap: every IKE_SA with timed work sits in a min-heap by the
 * time that work is due (retransmission, hard lifetimes, rekeys, NAT
 * keepalive, DPD, the end of a half-open or deleted SA). ike_sched
 * recomputes an SA's time from its state alone, so no caller has to know
 * which deadline moved; timer.c takes the SAs whose time has come.
 */
#include <stdlib.h>

#include "control/ike/ike_int.h"

/* when sa next has timed work, from its state alone (what sa_step does) */
uint64_t
ike_sa_due(const struct ike_engine *e, const struct ike_sa *sa)
{
	const struct ike_conn *c = sa->conn;
	uint64_t due = IKE_NEVER;

	if (sa->v1)
		return v1_due(e, sa);
	if (sa->state == S_DEAD)
		return e->now;
	if (sa->req != NULL)
		return sa->req_sent + sa->req_timeout;
	if (sa->state == S_INIT_DONE || sa->state == S_DELETING)
		return sa->last_heard + IKE_HALF_OPEN_MS + 1;
	if (sa->state != S_ESTABLISHED)
		return IKE_NEVER;
	if (sa->mobike_move)
		return e->now;
	due = ike_min_at(due, sa->expire_at);
	due = ike_min_at(due, sa->rekey_at);
	for (int i = 0; i < MAX_CHILD; i++) {
		const struct child *x = &sa->ch[i];
		if (child_up(x) && x->state != CH_DELETING)
			due = ike_min_at(due, x->expire_at);
		if (x->state == CH_INSTALLED && x->routed)
			due = ike_min_at(due, x->rekey_at);
	}
	if (sa->behind_nat && c->d.keepalive)
		due = sa->keepalive_at < due ? sa->keepalive_at : due;
	if (c->d.dpd_delay)
		due = ike_min_at(due, sa->last_heard + c->d.dpd_delay * 1000ull);
	return due;
}

/* ---- the heap ---- */

static bool
before(const struct ike_sa *a, const struct ike_sa *b)
{
	return a->due < b->due;
}

static void
heap_set(struct ike_engine *e, unsigned i, struct ike_sa *sa)
{
	e->heap[i] = sa;
	sa->heap_idx = i;
}

static void
sift_up(struct ike_engine *e, unsigned i)
{
	struct ike_sa *sa = e->heap[i];

	while (i > 0 && before(sa, e->heap[(i - 1) / 2])) {
		heap_set(e, i, e->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(e, i, sa);
}

static void
sift_down(struct ike_engine *e, unsigned i)
{
	struct ike_sa *sa = e->heap[i];

	for (;;) {
		unsigned k = 2 * i + 1;
		if (k >= e->heap_n)
			break;
		if (k + 1 < e->heap_n && before(e->heap[k + 1], e->heap[k]))
			k++;
		if (!before(e->heap[k], sa))
			break;
		heap_set(e, i, e->heap[k]);
		i = k;
	}
	heap_set(e, i, sa);
}

void
ike_sched_remove(struct ike_engine *e, struct ike_sa *sa)
{
	unsigned i = sa->heap_idx;

	if (i == IKE_NOT_QUEUED)
		return;
	sa->heap_idx = IKE_NOT_QUEUED;
	if (i == --e->heap_n)
		return;
	heap_set(e, i, e->heap[e->heap_n]);
	sift_down(e, i);
	sift_up(e, e->heap[i]->heap_idx);
}

void
ike_sched(struct ike_engine *e, struct ike_sa *sa)
{
	ike_sched_at(e, sa, ike_sa_due(e, sa));
}

void
ike_sched_at(struct ike_engine *e, struct ike_sa *sa, uint64_t due)
{
	if (due == IKE_NEVER) {
		ike_sched_remove(e, sa);
		return;
	}
	sa->due = due;
	if (sa->heap_idx == IKE_NOT_QUEUED) {
		if (e->heap_n == e->heap_cap) {
			unsigned cap = e->heap_cap ? 2 * e->heap_cap : 64;
			struct ike_sa **h = realloc(e->heap, cap * sizeof(*h));
			if (h == NULL)
				return;		/* ike_timer_audit counts it */
			e->heap = h;
			e->heap_cap = cap;
		}
		heap_set(e, e->heap_n++, sa);
	}
	sift_up(e, sa->heap_idx);
	sift_down(e, sa->heap_idx);
}

unsigned
ike_timer_audit(const struct ike_engine *e)
{
	unsigned late = 0;

	for (const struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		uint64_t due = ike_sa_due(e, sa);
		if (due == IKE_NEVER)
			continue;
		/* queued no later than its work (or its retry, when overdue) */
		if (sa->heap_idx == IKE_NOT_QUEUED ||
		    sa->due > (due > e->now + IKE_RETRY_MS ? due : e->now + IKE_RETRY_MS))
			late++;
	}
	return late;
}

