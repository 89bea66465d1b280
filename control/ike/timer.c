/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timers: each tick takes the IKE_SAs whose time has come off the heap
 * (sched.c) and does one step of their timed work: retransmission, hard
 * lifetimes, rekeys, NAT keepalive, DPD, the end of half-open and deleted
 * SAs; dead ones are reaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

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

/* the SA's timed work whose time has come: one step per tick */
static void
sa_step(struct ike_engine *e, struct ike_sa *sa, uint64_t now)
{
	const struct ike_conn *c = sa->conn;
	struct child *x;

	if (sa->v1) {
		v1_step(e, sa, now);
		return;
	}
	if (sa->req != NULL) {
		if (now - sa->req_sent < sa->req_timeout)
			return;
		if (++sa->req_tries > c->d.retransmit_tries) {
			bool up = sa->state == S_ESTABLISHED;
			ike_sa_end_as(sa, IKE_END_DEAD);
			ike_sa_kill(e, sa, up ? "peer dead (no answer)" : "no answer from the peer");
			/* (restart: an initiation without an answer tries again) */
			if (up || sa->initiator)
				ike_dpd_action(e, c);
			return;
		}
		e->st.retransmits++;
		sa->req_sent = now;
		sa->req_timeout *= 2;
		ike_xmit(e, sa, sa->req, sa->req_len);
	} else if (sa->state == S_ESTABLISHED && sa->mobike_move) {
		ike_mobike_send(e, sa);
	} else if (sa->state == S_ESTABLISHED && sa->expire_at && now >= sa->expire_at) {
		/* not rekeyed in time: the hard lifetime ends it */
		e->st.expired++;
		ike_sa_end_as(sa, IKE_END_LIFETIME);
		log_warn("ike %s: IKE_SA %016lx_%016lx reached its hard lifetime", c->d.name,
			 (unsigned long)sa->spi_i, (unsigned long)sa->spi_r);
		ike_sa_terminate(e, sa);
	} else if (sa->state == S_ESTABLISHED && (x = child_expired(sa, now)) != NULL) {
		e->st.expired++;
		log_warn("ike %s: CHILD_SA %08x/%08x reached its hard lifetime", c->d.name,
			 x->spi_in, x->spi_out);
		ike_send_child_delete(e, sa, x);
	} else if (sa->state == S_ESTABLISHED && sa->rekey_at && now >= sa->rekey_at) {
		sa->rekey_at = 0;
		ike_send_rekey_ike(e, sa);
	} else if (sa->state == S_ESTABLISHED && (x = child_due(sa, now)) != NULL) {
		ike_send_rekey_child(e, sa, x);
	} else if (sa->state == S_ESTABLISHED && sa->behind_nat && c->d.keepalive &&
		   now >= sa->keepalive_at) {
		/* keep our NAT's mapping for port 4500 open (RFC 3948 2.3) */
		static const uint8_t ka = 0xff;
		if (sa->keepalive_at) {
			e->st.keepalives++;
			e->ops->send(e->ctx, &sa->local, &sa->remote, &ka, 1);
		}
		sa->keepalive_at = now + c->d.keepalive * 1000ull;
	} else if (sa->state == S_ESTABLISHED && c->d.dpd_delay &&
		   now - sa->last_heard >= c->d.dpd_delay * 1000ull) {
		/* liveness check: an empty INFORMATIONAL request (2.4) */
		sa->last_heard = now;
		ike_send_informational(e, sa, NULL, 0, PL_NONE);
	} else if (sa->state == S_INIT_DONE && now - sa->last_heard > IKE_HALF_OPEN_MS) {
		ike_sa_kill(e, sa, "half-open IKE_SA timed out");
	} else if (sa->state == S_DELETING && now - sa->last_heard > IKE_HALF_OPEN_MS) {
		ike_sa_kill(e, sa, "rekeyed IKE_SA not deleted by the peer");
	}
}

static void
reap(struct ike_engine *e, struct ike_sa *sa)
{
	ike_sched_remove(e, sa);
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
		ike_sched_at(e, sa, ike_sa_due(e, sa) <= now ? now + IKE_RETRY_MS : ike_sa_due(e, sa));
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
		if (sa->state != S_ESTABLISHED || strcmp(sa->conn->d.name, name))
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
