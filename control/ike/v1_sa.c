/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv1 part of an IKE SA as the SA store and the timer heap see it:
 * when it next has timed work, a summary for listings, its end. Data
 * only: this file calls no exchange, so the store below the exchanges
 * can call it.
 */
#include <stdlib.h>

#include "control/ike/v1.h"

void
v1_frx_free(struct v1_sa *v)
{
	if (v->frx == NULL)
		return;
	for (unsigned i = 0; i < V1_MAX_FRAGS; i++)
		free(v->frx->piece[i]);
	free(v->frx);
	v->frx = NULL;
}

void
v1_qm_free(struct v1_qm *q)
{
	ike_dh_free(q->dh);
	free(q->tx);
	ike_wipe(q, sizeof(*q));
}

uint64_t
v1_qm_due(const struct ike_sa *sa)
{
	uint64_t due = IKE_NEVER;

	for (int i = 0; i < V1_MAX_QM; i++) {
		const struct v1_qm *q = &sa->v1->qm[i];
		uint64_t at = q->awaits ? q->sent_at + q->timeout : q->sent_at + QM_KEEP_MS;
		if (q->used && at < due)
			due = at;
	}
	return due;
}

uint64_t
v1_cfg_due(const struct ike_sa *sa)
{
	const struct v1_sa *v = sa->v1;
	uint64_t due = IKE_NEVER;

	if (v->tx[0].awaits)
		due = v->tx[0].sent_at + v->tx[0].timeout;
	if (v->ra != V1_RA_DONE)
		due = ike_min_at(due, sa->established_at + IKE_HALF_OPEN_MS);
	return due;
}

unsigned
v1_quick_modes(const struct ike_sa *sa)
{
	unsigned n = 0;

	for (int i = 0; i < V1_MAX_QM; i++)
		n += sa->v1->qm[i].used && !sa->v1->qm[i].done;
	return n;
}

uint64_t
v1_due(const struct ike_engine *e, const struct ike_sa *sa)
{
	const struct ike_conn *c = sa->conn;
	uint64_t due = IKE_NEVER;

	if (sa->state == S_DEAD)
		return e->now;
	if (sa->req != NULL)
		return sa->req_sent + sa->req_timeout;
	if (sa->state != S_ESTABLISHED)
		return sa->last_heard + IKE_HALF_OPEN_MS + 1;
	due = ike_min_at(due, v1_qm_due(sa));
	due = ike_min_at(due, v1_cfg_due(sa));
	due = ike_min_at(due, sa->v1->retire_at);
	due = ike_min_at(due, sa->expire_at);
	due = ike_min_at(due, sa->rekey_at);
	for (int i = 0; i < MAX_CHILD; i++) {
		const struct child *x = &sa->ch[i];
		if (child_up(x))
			due = ike_min_at(due, x->expire_at);
		if (x->state == CH_INSTALLED && x->routed)
			due = ike_min_at(due, x->rekey_at);
		due = ike_min_at(due, x->route_at);
	}
	if (sa->behind_nat && c->d.keepalive)
		due = ike_min_at(due, sa->keepalive_at ? sa->keepalive_at : e->now);
	if (c->d.dpd_delay && sa->v1->dpd_vid)
		due = ike_min_at(due, sa->v1->dpd_out ? sa->v1->dpd_sent + c->d.retransmit_ms :
				  sa->last_heard + c->d.dpd_delay * 1000ull);
	return due;
}

void
v1_free(struct v1_sa *v)
{
	if (v == NULL)
		return;
	for (int i = 0; i < V1_MAX_QM; i++)
		v1_qm_free(&v->qm[i]);
	v1_qm_free(&v->tx[0]);
	v1_qm_free(&v->tx[1]);
	v1_frx_free(v);
	free(v->sai_b);
	ike_wipe(v, sizeof(*v));
	free(v);
}

const char *
v1_mode_name(const struct ike_sa *sa)
{
	return sa->v1->mode == V1_AGGRESSIVE ? "aggressive" : "main";
}
