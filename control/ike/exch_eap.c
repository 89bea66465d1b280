/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_AUTH with EAP (RFC 7296 2.16), both roles: the client leaves AUTH
 * out of its first request; the server answers with its own ID and AUTH
 * and the first EAP request; EAP packets go back and forth in further
 * IKE_AUTH rounds (eap.c runs EAP-MSCHAPv2); after EAP-Success both sides
 * send AUTH keyed with the MSK, the server with the CHILD_SA of the
 * client's first request. The server keeps that first request's payloads
 * until then; the user the client proved is the IKE SA's (for its virtual
 * IP's lease and uniqueness). With `eap: radius` the server's EAP is the
 * AAA server's (eap_aaa.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

bool
ike_eap_wanted(const struct ike_sa *sa, const struct ike_msg *m)
{
	return sa->eap != NULL || (sa->conn->d.eap && ike_find(m, PL_AUTH) == NULL);
}

/* the inner payloads of m, each as type, length (2), body */
static int
keep_first(struct ike_eap *x, const struct ike_msg *m)
{
	size_t n = 0, off = 0;

	for (unsigned i = m->n_plain; i < m->n; i++)
		n += 3u + m->pl[i].len;
	if ((x->first = malloc(n ? n : 1)) == NULL)
		return -1;
	for (unsigned i = m->n_plain; i < m->n; i++) {
		x->first[off] = m->pl[i].type;
		x->first[off + 1] = (uint8_t)(m->pl[i].len >> 8);
		x->first[off + 2] = (uint8_t)m->pl[i].len;
		memcpy(x->first + off + 3, m->pl[i].body, m->pl[i].len);
		off += 3u + m->pl[i].len;
	}
	x->first_len = n;
	return 0;
}

/* the first request again, as a message with the header of m */
static void
first_msg(const struct ike_eap *x, const struct ike_msg *m, struct ike_msg *out)
{
	memset(out, 0, sizeof(*out));
	out->h = m->h;
	for (size_t off = 0; off + 3 <= x->first_len && out->n < IKE_MAX_PL;) {
		struct ike_pl *p = &out->pl[out->n++];
		p->type = x->first[off];
		p->len = (uint16_t)(x->first[off + 1] << 8 | x->first[off + 2]);
		p->body = x->first + off + 3;
		off += 3u + p->len;
	}
}

static void
refuse(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m, const char *why)
{
	e->st.auth_failed++;
	log_warn("ike %s: EAP authentication failed: %s", sa->conn->d.name, why);
	ike_send_notify_response(e, sa, IKE_AUTH, m->h.msg_id, N_AUTHENTICATION_FAILED);
	ike_sa_kill(e, sa, "EAP authentication failed");
}

/* server: the client's first request (IDi, no AUTH), then its EAP
 * responses, then its AUTH */
void
ike_eap_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl *pid = ike_find(m, PL_IDI), *peap = ike_find(m, PL_EAP);
	uint8_t inner[MSG_CAP], pkt[256];
	struct ike_buf ib;
	struct ike_eap *x = sa->eap;
	size_t n;

	ike_buf_init(&ib, inner, sizeof(inner));
	if (x == NULL) {
		/* IDi (as configured, if it is), kept with the rest for later */
		const struct ike_id *rid = &sa->conn->remote_id;
		struct ike_id got;
		if (pid == NULL || pid->len < 5 || pid->len - 4u > sizeof(got.data) ||
		    (sa->eap = x = ike_eap_new()) == NULL || keep_first(x, m) < 0) {
			refuse(e, sa, m, "no identity");
			return;
		}
		got.type = pid->body[0];
		got.len = (uint8_t)(pid->len - 4);
		memcpy(got.data, pid->body + 4, got.len);
		if (rid->type && !ike_id_equal(rid, &got)) {
			refuse(e, sa, m, "identity not the configured one");
			return;
		}
		sa->peer_ident = got;
		memcpy(x->peer_idb, pid->body, pid->len);
		x->peer_idb_len = pid->len;
		/* our ID and AUTH (EAP-only, RFC 5998: the ID alone), and
		 * EAP-Identity */
		if (sa->conn->d.eap_only) {
			if (!ike_has_notify(m, N_EAP_ONLY_AUTHENTICATION)) {
				refuse(e, sa, m, "the client does not take EAP-only "
				       "authentication (RFC 5998), and we have no AUTH of our own");
				return;
			}
			ib.np_off = (size_t)-1;
			ike_put_id(&ib, PL_IDR, &sa->conn->local_id);
			n = ib.overflow ? 0 : ib.len;
		} else {
			n = ike_auth_inner(sa, &ib, false, true);
		}
		if (n == 0 || (n = ike_eap_identity(x, pkt, sizeof(pkt))) == 0) {
			refuse(e, sa, m, "cannot answer");
			return;
		}
		ike_put_eap(&ib, pkt, n);
		ike_send_encrypted_response(e, sa, IKE_AUTH, m->h.msg_id, inner, ib.len, PL_IDR);
		return;
	}
	if (peap && x->state != EAP_S_DONE && sa->conn->d.eap == CONN_EAP_RADIUS) {
		ike_eap_aaa_forward(e, sa, m, peap->body, peap->len);
		return;
	}
	if (peap && x->state != EAP_S_DONE) {
		n = ike_eap_server(x, e->users, peap->body, peap->len, pkt, sizeof(pkt), sa->user,
				   sizeof(sa->user));
		if (n == 0) {
			refuse(e, sa, m, "malformed or unexpected EAP");
			return;
		}
		ib.np_off = (size_t)-1;
		ike_put_eap(&ib, pkt, n);
		ike_send_encrypted_response(e, sa, IKE_AUTH, m->h.msg_id, inner, ib.len, PL_EAP);
		if (x->state == EAP_S_FAILED) {
			e->st.auth_failed++;
			log_warn("ike %s: EAP-MSCHAPv2 user '%s': wrong name or password",
				 sa->conn->d.name, sa->user);
			sa->user[0] = '\0';
			ike_sa_kill(e, sa, "EAP authentication failed");
		} else if (x->state == EAP_S_DONE) {
			log_info("ike %s: EAP-MSCHAPv2 user '%s' authenticated", sa->conn->d.name,
				 sa->user);
		}
		return;
	}
	if (x->state != EAP_S_DONE || !ike_auth_verify_msk(sa, m)) {
		refuse(e, sa, m, x->state == EAP_S_DONE ? "AUTH with the MSK wrong" :
			     "EAP not finished");
		return;
	}
	struct ike_msg first;
	first_msg(x, m, &first);
	ike_auth_request_tail(e, sa, &first);
	ike_eap_free(sa->eap);		/* (the MSK with it) */
	sa->eap = NULL;
}

/* client: the server's ID and AUTH with its first EAP request, its EAP
 * requests, EAP-Success, then its AUTH with the CHILD_SA */
void
ike_eap_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl *peap = ike_find(m, PL_EAP), *pid = ike_find(m, PL_IDR);
	const struct conn_desc *d = &sa->conn->d;
	struct ike_eap *x = sa->eap;
	uint8_t inner[MSG_CAP], pkt[256];
	struct ike_buf ib;
	struct dgrams dg;
	size_t n;

	if (!x->server_ok) {
		if (!ike_auth_verify(sa, m) || pid == NULL) {
			e->st.auth_failed++;
			ike_sa_kill(e, sa, "peer authentication failed");
			return;
		}
		x->server_ok = true;
		memcpy(x->peer_idb, pid->body, pid->len);
		x->peer_idb_len = pid->len;
	} else if (x->state == EAP_S_DONE && peap == NULL) {
		if (!ike_auth_verify_msk(sa, m)) {
			e->st.auth_failed++;
			ike_sa_kill(e, sa, "peer's AUTH with the MSK wrong");
			return;
		}
		ike_eap_free(sa->eap);
		sa->eap = NULL;
		ike_auth_response_tail(e, sa, m);
		return;
	}
	if (peap == NULL) {
		ike_sa_kill(e, sa, "EAP expected from the server");
		return;
	}
	n = ike_eap_peer(x, d->eap_user, d->eap_password, peap->body, peap->len, pkt,
			 sizeof(pkt));
	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	if (n > 0) {
		ike_put_eap(&ib, pkt, n);
	} else if (x->state == EAP_S_DONE) {
		/* EAP-Success: our AUTH keyed with the MSK */
		if ((n = ike_auth_inner(sa, &ib, true, false)) == 0) {
			ike_sa_kill(e, sa, "cannot build IKE_AUTH");
			return;
		}
	} else {
		e->st.auth_failed++;
		ike_sa_kill(e, sa, "EAP authentication failed");
		return;
	}
	if (ib.overflow || ike_seal(sa, &dg, IKE_AUTH, false, sa->my_id, inner, ib.len,
				    n > 0 && x->state != EAP_S_DONE ? PL_EAP : PL_AUTH) < 0) {
		ike_sa_kill(e, sa, "cannot build IKE_AUTH");
		return;
	}
	ike_send_request(e, sa, &dg);
}
