/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timers: every IKE_SA sits in a min-heap by the time its next timed work
 * is due (retransmission, hard lifetimes, rekeys, NAT keepalive, DPD, the
 * end of a half-open or deleted SA), so a tick touches only the SAs whose
 * time has come. An SA is rescheduled after each message and each timed
 * step; ike_sched recomputes its time from its state, so nothing has to
 * remember which deadline moved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

#define NEVER UINT64_MAX
#define RETRY_MS 1000
#define HALF_OPEN_MS 30000		/* a half-open or rekeyed-away SA's time */

/* a routed CHILD_SA whose rekey time has come */
static struct child *
child_due(struct ike_sa *sa, uint64_t now)
{
	for (int i = 0; i < MAX_CHILD; i++) {
		struct child *c = &sa->ch[i];
		if (c->state == CH_INSTALLED && c->routed && c->rekey_at && now >= c->rekey_at)
			return c;
	}
	return NULL;
}

static struct child *
child_expired(struct ike_sa *sa, uint64_t now)
{
	for (int i = 0; i < MAX_CHILD; i++) {
		struct child *c = &sa->ch[i];
		if (child_up(c) && c->state != CH_DELETING && c->expire_at && now >= c->expire_at)
			return c;
	}
	return NULL;
}

static uint64_t
min_at(uint64_t a, uint64_t at)
{
	return at && at < a ? at : a;
}

/* when sa next has timed work, from its state alone (what sa_step does) */
static uint64_t
sa_due(const struct ike_engine *e, const struct ike_sa *sa)
{
	const struct ike_conn *c = sa->conn;
	uint64_t due = NEVER;

	if (sa->state == S_DEAD)
		return e->now;
	if (sa->req != NULL)
		return sa->req_sent + sa->req_timeout;
	if (sa->state == S_INIT_DONE || sa->state == S_DELETING)
		return sa->last_heard + HALF_OPEN_MS + 1;
	if (sa->state != S_ESTABLISHED)
		return NEVER;
	due = min_at(due, sa->expire_at);
	due = min_at(due, sa->rekey_at);
	for (int i = 0; i < MAX_CHILD; i++) {
		const struct child *x = &sa->ch[i];
		if (child_up(x) && x->state != CH_DELETING)
			due = min_at(due, x->expire_at);
		if (x->state == CH_INSTALLED && x->routed)
			due = min_at(due, x->rekey_at);
	}
	if (sa->behind_nat && c->keepalive)
		due = sa->keepalive_at < due ? sa->keepalive_at : due;
	if (c->dpd_delay)
		due = min_at(due, sa->last_heard + c->dpd_delay * 1000ull);
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

static void
heap_remove(struct ike_engine *e, struct ike_sa *sa)
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
	ike_sched_at(e, sa, sa_due(e, sa));
}

void
ike_sched_at(struct ike_engine *e, struct ike_sa *sa, uint64_t due)
{
	if (due == NEVER) {
		heap_remove(e, sa);
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
		uint64_t due = sa_due(e, sa);
		if (due == NEVER)
			continue;
		/* queued no later than its work (or its retry, when overdue) */
		if (sa->heap_idx == IKE_NOT_QUEUED ||
		    sa->due > (due > e->now + RETRY_MS ? due : e->now + RETRY_MS))
			late++;
	}
	return late;
}

/* the SA's timed work whose time has come: one step per tick */
static void
sa_step(struct ike_engine *e, struct ike_sa *sa, uint64_t now)
{
	const struct ike_conn *c = sa->conn;
	struct child *x;

	if (sa->req != NULL) {
		if (now - sa->req_sent < sa->req_timeout)
			return;
		if (++sa->req_tries > c->retransmit_tries) {
			ike_sa_kill(e, sa, sa->state == S_ESTABLISHED ?
				    "peer dead (no answer)" : "no answer from the peer");
			return;
		}
		e->st.retransmits++;
		sa->req_sent = now;
		sa->req_timeout *= 2;
		ike_xmit(e, sa, sa->req, sa->req_len);
	} else if (sa->state == S_ESTABLISHED && sa->expire_at && now >= sa->expire_at) {
		/* not rekeyed in time: the hard lifetime ends it */
		e->st.expired++;
		log_warn("ike %s: IKE_SA %016lx_%016lx reached its hard lifetime", c->name,
			 (unsigned long)sa->spi_i, (unsigned long)sa->spi_r);
		ike_sa_terminate(e, sa);
	} else if (sa->state == S_ESTABLISHED && (x = child_expired(sa, now)) != NULL) {
		e->st.expired++;
		log_warn("ike %s: CHILD_SA %08x/%08x reached its hard lifetime", c->name,
			 x->spi_in, x->spi_out);
		ike_send_child_delete(e, sa, x);
	} else if (sa->state == S_ESTABLISHED && sa->rekey_at && now >= sa->rekey_at) {
		sa->rekey_at = 0;
		ike_send_rekey_ike(e, sa);
	} else if (sa->state == S_ESTABLISHED && (x = child_due(sa, now)) != NULL) {
		ike_send_rekey_child(e, sa, x);
	} else if (sa->state == S_ESTABLISHED && sa->behind_nat && c->keepalive &&
		   now >= sa->keepalive_at) {
		/* keep our NAT's mapping for port 4500 open (RFC 3948 2.3) */
		static const uint8_t ka = 0xff;
		if (sa->keepalive_at) {
			e->st.keepalives++;
			e->ops->send(e->ctx, &sa->local, &sa->remote, &ka, 1);
		}
		sa->keepalive_at = now + c->keepalive * 1000ull;
	} else if (sa->state == S_ESTABLISHED && c->dpd_delay &&
		   now - sa->last_heard >= c->dpd_delay * 1000ull) {
		/* liveness check: an empty INFORMATIONAL request (2.4) */
		sa->last_heard = now;
		ike_send_informational(e, sa, NULL, 0, PL_NONE);
	} else if (sa->state == S_INIT_DONE && now - sa->last_heard > HALF_OPEN_MS) {
		ike_sa_kill(e, sa, "half-open IKE_SA timed out");
	} else if (sa->state == S_DELETING && now - sa->last_heard > HALF_OPEN_MS) {
		ike_sa_kill(e, sa, "rekeyed IKE_SA not deleted by the peer");
	}
}

static void
reap(struct ike_engine *e, struct ike_sa *sa)
{
	heap_remove(e, sa);
	if (sa->prev)
		sa->prev->next = sa->next;
	else
		e->sas = sa->next;
	if (sa->next)
		sa->next->prev = sa->prev;
	ike_sa_unindex(e, sa);
	ike_sa_free(sa);
}

uint64_t
ike_timer(struct ike_engine *e, uint64_t now)
{
	e->now = now;
	while (e->heap_n > 0 && e->heap[0]->due <= now) {
		struct ike_sa *sa = e->heap[0];
		if (sa->state != S_DEAD)
			sa_step(e, sa, now);
		if (sa->state == S_DEAD) {
			reap(e, sa);
			continue;
		}
		/* a step that could not run now (no free CHILD_SA slot, say)
		 * tries again in a second, as each SA once did every tick */
		ike_sched_at(e, sa, sa_due(e, sa) <= now ? now + RETRY_MS : sa_due(e, sa));
	}
	if (e->heap_n == 0 || e->heap[0]->due - now > 1000)
		return 1000;
	return e->heap[0]->due - now;
}

int
ike_rekey(struct ike_engine *e, const char *name, bool ike, uint64_t now)
{
	int n = 0;

	e->now = now;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		if (sa->state != S_ESTABLISHED || strcmp(sa->conn->name, name))
			continue;
		n++;
		if (ike)
			sa->rekey_at = now;
		else
			for (int i = 0; i < MAX_CHILD; i++)
				if (sa->ch[i].routed && sa->ch[i].state == CH_INSTALLED)
					sa->ch[i].rekey_at = now;
		ike_sched(e, sa);
	}
	return n;
}
