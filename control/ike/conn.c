/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connections: the registry the embedder fills, and the one an
 * incoming IKE_SA_INIT belongs to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

const struct ike_conn *
ike_conn_by_name(const struct ike_engine *e, const char *name)
{
	for (unsigned i = 0; i < e->n_conn; i++)
		if (!strcmp(e->conn[i]->c.name, name))
			return &e->conn[i]->c;
	return NULL;
}

int
ike_conn_sas(const struct ike_engine *e, const char *name)
{
	const struct ike_conn *c = ike_conn_by_name(e, name);

	return c ? (int)((const struct conn_slot *)c)->refs : -1;
}

int
ike_conn_add(struct ike_engine *e, const struct ike_conn *c, char *err, size_t el)
{
	struct conn_slot *cs;
	struct ike_conn *nc;

	if (e->n_conn == MAX_CONNS) {
		snprintf(err, el, "too many connections");
		return -1;
	}
	if (ike_conn_by_name(e, c->name) != NULL) {
		snprintf(err, el, "connection %s exists already", c->name);
		return -1;
	}
	if (c->n_ike == 0 || c->n_esp == 0 || c->local.family == 0 ||
	    (c->psk_len == 0 && !auth_by_cert(c)) || (c->psk_len == 0 && c->creds.ca == NULL)) {
		snprintf(err, el, "connection %s: needs proposals, a local address, and a PSK "
			 "or a certificate, key and CA", c->name);
		return -1;
	}
	cs = calloc(1, sizeof(*cs));
	if (cs == NULL) {
		snprintf(err, el, "out of memory");
		return -1;
	}
	nc = &cs->c;
	*nc = *c;
	if (c->local_id.type == 0 && auth_by_cert(c) &&
	    ike_cert_subject_id(&c->creds, &nc->local_id) < 0) {
		snprintf(err, el, "connection %s: certificate subject too long", c->name);
		free(cs);
		return -1;
	}
	/* proposals are numbered 1, 2, ... in the order offered (3.3.1) */
	for (unsigned i = 0; i < c->n_ike; i++)
		nc->ike[i].num = i + 1;
	for (unsigned i = 0; i < c->n_esp; i++)
		nc->esp[i].num = i + 1;
	if (nc->retransmit_ms == 0)
		nc->retransmit_ms = 1000;
	if (nc->retransmit_tries == 0)
		nc->retransmit_tries = 5;
	e->conn[e->n_conn++] = cs;
	return 0;
}

int
ike_conn_remove(struct ike_engine *e, const char *name, uint64_t now)
{
	struct conn_slot *cs = NULL;

	e->now = now;
	for (unsigned i = 0; i < e->n_conn; i++)
		if (!strcmp(e->conn[i]->c.name, name)) {
			cs = e->conn[i];
			e->conn[i] = e->conn[--e->n_conn];
			break;
		}
	if (cs == NULL)
		return -1;
	/* its IKE_SAs are deleted; the connection goes with the last of them */
	cs->removed = true;
	cs->refs++;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next)
		if (sa->conn == &cs->c && sa->state != S_DEAD)
			ike_sa_terminate(e, sa);
	ike_conn_put(cs);
	return 0;
}

const struct ike_conn *
ike_conn_for(struct ike_engine *e, const struct ike_ep *local, const struct ike_ep *remote)
{
	for (unsigned i = 0; i < e->n_conn; i++) {
		const struct ike_conn *c = &e->conn[i]->c;
		if (ip_addr_eq(&c->local, &local->addr) &&
		    (c->remote.family == 0 || ip_addr_eq(&c->remote, &remote->addr)))
			return c;
	}
	return NULL;
}
