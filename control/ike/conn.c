/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connections: built from the configuration's connection (struct
 * conn_desc) with proposals, identities, selectors and credentials parsed;
 * the registry the embedder fills; the one an incoming IKE_SA_INIT
 * belongs to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

/* "a, b c": each a proposal, at most IKE_MAX_CONN_PROPS, at least one */
static int
proposals(const char *list, bool esp, struct ike_proposal *p, unsigned *n, const char *conn,
	  char *err, size_t el)
{
	char buf[sizeof(((struct conn_desc *)0)->proposals)], *save, *tok, e[160];

	snprintf(buf, sizeof(buf), "%s", list);
	*n = 0;
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (*n == IKE_MAX_CONN_PROPS) {
			snprintf(err, el, "connection %s: at most %d proposals", conn,
				 IKE_MAX_CONN_PROPS);
			return -1;
		}
		if (ike_proposal_parse(tok, esp, &p[*n], e, sizeof(e)) < 0) {
			snprintf(err, el, "connection %s: %s", conn, e);
			return -1;
		}
		/* numbered 1, 2, ... in the order offered (3.3.1) */
		p[*n].num = (uint8_t)(*n + 1);
		(*n)++;
	}
	if (*n == 0) {
		snprintf(err, el, "connection %s: no %s proposals", conn, esp ? "ESP" : "IKE");
		return -1;
	}
	return 0;
}

/* our identity: configured, else the certificate's subject, else our address */
static int
identities(const struct conn_desc *d, struct ike_conn *c)
{
	char a[IP_ADDR_STRLEN];

	if (d->remote_id[0] && ike_id_parse(d->remote_id, &c->remote_id) < 0)
		return -1;
	if (d->local_id[0])
		return ike_id_parse(d->local_id, &c->local_id);
	if (auth_by_cert(c))
		return ike_cert_subject_id(&c->creds, &c->local_id);
	return ike_id_parse(ip_addr_fmt(&d->local, a, sizeof(a)), &c->local_id);
}

/* a proposal naming 3DES or SHA-1 */
static bool
legacy_algs(const struct ike_proposal *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = 0; k < p[i].n; k++)
			if ((p[i].t[k].type == TT_ENCR && p[i].t[k].id == ENCR_3DES) ||
			    ((p[i].t[k].type == TT_INTEG || p[i].t[k].type == TT_PRF) &&
			     p[i].t[k].id == AUTH_HMAC_SHA1_96))
				return true;
	return false;
}

struct ike_conn *
ike_conn_new(const struct conn_desc *d, char *err, size_t el)
{
	struct ike_conn *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->health = calloc(1, sizeof(*c->health))) == NULL) {
		free(c);
		snprintf(err, el, "out of memory");
		return NULL;
	}
	memcpy(&c->d, d, sizeof(*d));
	if (c->d.max_children == 0)	/* (a descriptor not from the loader) */
		c->d.max_children = 8;
	c->psk_len = strnlen(d->psk, sizeof(d->psk));
	if ((d->cert[0] || d->ca[0]) &&
	    ike_creds_load(&c->creds, d->cert, d->key, d->ca, err, el) < 0) {
		char e2[256];
		snprintf(e2, sizeof(e2), "connection %s: %s", d->name, err);
		snprintf(err, el, "%s", e2);
		goto fail;
	}
	if (identities(d, c) < 0) {
		snprintf(err, el, "connection %s: bad identity", d->name);
		goto fail;
	}
	if (proposals(d->proposals, false, c->ike, &c->n_ike, d->name, err, el) < 0 ||
	    proposals(d->esp_proposals, true, c->esp, &c->n_esp, d->name, err, el) < 0)
		goto fail;
	if (d->local.family == 0 || (c->psk_len == 0 && (!auth_by_cert(c) || c->creds.ca == NULL) &&
				     !d->eap_only)) {
		snprintf(err, el, "connection %s: needs a local address, and a PSK "
			 "or a certificate, key and CA (or eap_only)", d->name);
		goto fail;
	}
	if (d->version == 1 && v1_conn_check(c, err, el) < 0)
		goto fail;
	if (legacy_algs(c->ike, c->n_ike) ? d->version != 1 : false) {
		snprintf(err, el, "connection %s: 3des and sha1 are for IKEv1 phase 1 (version: 1) "
			 "with old peers only", d->name);
		goto fail;
	}
	if (legacy_algs(c->esp, c->n_esp)) {
		snprintf(err, el, "connection %s: the data plane has no 3DES or SHA-1 ESP", d->name);
		goto fail;
	}
	ike_ts_of_prefix(&d->local_ts, &c->local_ts);
	ike_ts_of_prefix(&d->remote_ts, &c->remote_ts);
	for (unsigned i = 0; i < d->n_more && i < IKE_MAX_MORE; i++) {
		ike_ts_of_prefix(&d->more_local[i], &c->more_l[i]);
		ike_ts_of_prefix(&d->more_remote[i], &c->more_r[i]);
		c->n_more++;
	}
	if (c->d.retransmit_ms == 0)
		c->d.retransmit_ms = 1000;
	if (c->d.retransmit_tries == 0)
		c->d.retransmit_tries = 5;
	return c;
fail:
	ike_conn_free(c);
	return NULL;
}

void
ike_conn_free(struct ike_conn *c)
{
	if (c == NULL)
		return;
	ike_creds_free(&c->creds);
	free(c->health);
	ike_wipe(c, sizeof(*c));
	free(c);
}

unsigned
ike_conn_esp_algs(const struct ike_conn *c, struct ike_algs *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->n_esp && n < max; i++, n++) {
		memset(&out[n], 0, sizeof(out[n]));
		for (unsigned k = 0; k < c->esp[i].n; k++) {
			const struct ike_transform *t = &c->esp[i].t[k];
			if (t->type == TT_ENCR) {
				out[n].encr = t->id;
				out[n].encr_bits = t->key_len;
			} else if (t->type == TT_INTEG) {
				out[n].integ = t->id;
			} else if (t->type == TT_DH) {
				out[n].dh = t->id;
			} else if (t->type == TT_ESN) {
				out[n].esn = t->id == 1;
			}
		}
	}
	return n;
}

const struct ike_conn *
ike_conn_by_name(const struct ike_engine *e, const char *name)
{
	for (unsigned i = 0; i < e->n_conn; i++)
		if (!strcmp(e->conn[i]->d.name, name))
			return e->conn[i];
	return NULL;
}

int
ike_conn_sas(const struct ike_engine *e, const char *name)
{
	const struct ike_conn *c = ike_conn_by_name(e, name);

	return c ? (int)c->refs : -1;
}

bool
ike_conn_health(const struct ike_engine *e, const char *name, struct ike_conn_health *h)
{
	const struct ike_conn *c = ike_conn_by_name(e, name);

	if (c == NULL)
		return false;
	h->last_end = c->health->last_end;
	h->last_end_ms = c->health->last_end_ms;
	h->last_up_ms = c->health->last_up_ms;
	return true;
}

int
ike_conn_add(struct ike_engine *e, struct ike_conn *c, char *err, size_t el)
{
	if (c == NULL)		/* ike_conn_new failed: err says why */
		return -1;
	if (e->n_conn == MAX_CONNS) {
		snprintf(err, el, "too many connections");
	} else if (ike_conn_by_name(e, c->d.name) != NULL) {
		snprintf(err, el, "connection %s exists already", c->d.name);
	} else {
		/* an embedder that cannot move SAs gets no MOBIKE */
		c->d.mobike_off |= e->ops->child_move == NULL;
		e->conn[e->n_conn++] = c;
		return 0;
	}
	ike_conn_free(c);
	return -1;
}

const struct ike_conn *
ike_conn_for(struct ike_engine *e, const struct ike_ep *local, const struct ike_ep *remote)
{
	/* an IKEv2 peer's: version 2 or either (0) */
	for (unsigned i = 0; i < e->n_conn; i++) {
		const struct ike_conn *c = e->conn[i];
		if (c->d.version != 1 && ip_addr_eq(&c->d.local, &local->addr) &&
		    (c->d.remote.family == 0 || ip_addr_eq(&c->d.remote, &remote->addr)))
			return c;
	}
	return NULL;
}
