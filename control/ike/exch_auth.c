/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_AUTH (1.2, 2.15), both roles: PSK and signature AUTH, the
 * identities, and the CHILD_SA it carries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

/*
 * What an AUTH covers (2.15): the IKE_SA_INIT message of the signer, the
 * other side's nonce, and prf(SK_p, the signer's ID payload body).
 */
static size_t
signed_octets(const struct ike_sa *sa, bool of_initiator, const uint8_t *id_body, size_t id_len,
	      uint8_t *out, size_t cap)
{
	const uint8_t *msg = of_initiator ? sa->msg1 : sa->msg2;
	size_t mlen = of_initiator ? sa->msg1_len : sa->msg2_len;
	const uint8_t *nonce = of_initiator ? sa->nr : sa->ni;
	size_t nlen = of_initiator ? sa->nrlen : sa->nilen;
	struct ike_iov vid = { id_body, id_len };

	if (mlen + nlen + sa->keys.prf_len > cap ||
	    ike_prf(sa->keys.a.prf, of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr,
		    sa->keys.prf_len, &vid, 1, out + mlen + nlen) < 0)
		return 0;
	memcpy(out, msg, mlen);
	memcpy(out + mlen, nonce, nlen);
	return mlen + nlen + sa->keys.prf_len;
}

/* prf(prf(key, "Key Pad for IKEv2"), <signed octets>): the PSK, or with
 * EAP the MSK (2.15, 2.16) */
static int
key_auth(const struct ike_sa *sa, bool of_initiator, const uint8_t *id_body, size_t id_len,
	 const uint8_t *key, size_t keylen, uint8_t *out)
{
	static const char pad[] = "Key Pad for IKEv2";
	uint16_t prf = sa->keys.a.prf;
	uint8_t kp[IKE_MAX_PRF], macid[IKE_MAX_PRF];
	struct ike_iov v1 = { pad, sizeof(pad) - 1 }, vid = { id_body, id_len };
	const uint8_t *msg = of_initiator ? sa->msg1 : sa->msg2;
	size_t mlen = of_initiator ? sa->msg1_len : sa->msg2_len;
	/* the other side's nonce */
	const uint8_t *nonce = of_initiator ? sa->nr : sa->ni;
	size_t nlen = of_initiator ? sa->nrlen : sa->nilen;
	struct ike_iov v[3] = { { msg, mlen }, { nonce, nlen }, { macid, sa->keys.prf_len } };
	int rc;

	if (ike_prf(prf, of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr, sa->keys.prf_len,
		    &vid, 1, macid) < 0 ||
	    ike_prf(prf, key, keylen, &v1, 1, kp) < 0)
		return -1;
	rc = ike_prf(prf, kp, sa->keys.prf_len, v, 3, out);
	ike_wipe(kp, sizeof(kp));
	return rc;
}

static int
psk_auth(const struct ike_sa *sa, bool of_initiator, const uint8_t *id_body, size_t id_len,
	 uint8_t *out)
{
	/* (no PSK, EAP-only: never an AUTH keyed with nothing) */
	if (sa->conn->psk_len == 0)
		return -1;
	return key_auth(sa, of_initiator, id_body, id_len, (const uint8_t *)sa->conn->d.psk,
			sa->conn->psk_len, out);
}

/* the first payload of our IKE_AUTH response: IDr, or with EAP's last
 * round (2.16) AUTH */
static uint8_t
resp_first(const struct ike_sa *sa)
{
	return sa->eap && sa->eap->have_msk ? PL_AUTH : PL_IDR;
}

/* IDx, [CERT], [CERTREQ, IDr], AUTH, then the CHILD_SA (SA, TSi, TSr), or
 * as a response whose CHILD_SA failed, child_err's notify in its place
 * (1.2: the IKE SA is still created), or (NO_CHILD) neither: a childless
 * IKE SA (RFC 6023) */
#define NO_CHILD 0xffff
static size_t
build_auth_inner(struct ike_sa *sa, struct ike_buf *ib, bool request, uint16_t child_err,
		 bool initial_contact)
{
	const struct ike_conn *c = sa->conn;
	uint8_t idb[4 + 255], auth[IKE_MAX_PRF];
	size_t n;

	ike_buf_init(ib, ib->p, ib->cap);
	ib->np_off = (size_t)-1;	/* the first type goes into the SK header */
	idb[0] = c->local_id.type;
	memset(idb + 1, 0, 3);
	memcpy(idb + 4, c->local_id.data, c->local_id.len);
	if (sa->eap && sa->eap->have_msk) {
		/* EAP's last round (2.16): AUTH keyed with the MSK, alone in a
		 * request, before the CHILD_SA in the response */
		if (key_auth(sa, sa->initiator, idb, 4u + c->local_id.len, sa->eap->msk,
			     sizeof(sa->eap->msk), auth) < 0)
			return 0;
		ike_put_auth(ib, auth, sa->keys.prf_len);
		ike_wipe(auth, sizeof(auth));
		if (request)
			return ib->overflow ? 0 : ib->len;
	} else {
		ike_put_id(ib, sa->initiator ? PL_IDI : PL_IDR, &c->local_id);
	}
	if (sa->eap && sa->eap->have_msk) {
		/* (done above) */
	} else if (request && c->d.eap_user[0]) {
		/* an EAP client: no AUTH of its own in the first request */
		ike_put_certreq(ib, c);
		if (c->remote_id.type)
			ike_put_id(ib, PL_IDR, &c->remote_id);
	} else if (auth_by_cert(c)) {
		/* CERT (X.509, encoding 4), then a digital signature AUTH (RFC 7427) */
		static uint8_t der[8192], octets[MSG_CAP + 2 * IKE_MAX_NONCE], sig[1024];
		size_t dl = ike_cert_der(&c->creds, der, sizeof(der)), on, sl, off;
		uint8_t method = AUTH_DIGSIG;
		on = signed_octets(sa, sa->initiator, idb, 4u + c->local_id.len, octets,
				   sizeof(octets));
		/* RFC 7427 where the peer announced it, else the key's classic method */
		sl = on ? ike_sign(&c->creds, sa->digsig, octets, on, sig, sizeof(sig), &method) : 0;
		ike_wipe(octets, on);	/* scratch: nothing of an SA stays behind */
		if (dl == 0 || sl == 0)
			return 0;
		off = ike_pl_begin(ib, PL_CERT);
		ike_put8(ib, 4);
		ike_put(ib, der, dl);
		ike_pl_end(ib, off);
		if (request)
			ike_put_certreq(ib, c);
		if (request && c->remote_id.type)
			ike_put_id(ib, PL_IDR, &c->remote_id);
		off = ike_pl_begin(ib, PL_AUTH);
		ike_put8(ib, method);
		ike_put(ib, NULL, 3);
		ike_put(ib, sig, sl);
		ike_pl_end(ib, off);
	} else {
		if (psk_auth(sa, sa->initiator, idb, 4u + c->local_id.len, auth) < 0)
			return 0;
		if (request)
			ike_put_certreq(ib, c);
		if (request && c->remote_id.type)
			ike_put_id(ib, PL_IDR, &c->remote_id);
		ike_put_auth(ib, auth, sa->keys.prf_len);
		ike_wipe(auth, sizeof(auth));
	}
	if (initial_contact)
		ike_put_notify(ib, 0, N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	ike_mobike_put(ib, sa, request);
	/* virtual IPs: the client asks, the server answers (3.15) */
	if (request && c->d.vip)
		ike_cp_request(ib, c->local_ts.type == TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET);
	else if (!request)
		ike_cp_reply(ib, sa);
	if (child_err) {
		if (child_err != NO_CHILD)
			ike_put_notify(ib, 0, child_err, NULL, 0, NULL, 0);
		return ib->overflow ? 0 : ib->len;
	}
	if (c->d.transport)
		ike_put_notify(ib, 0, N_USE_TRANSPORT_MODE, NULL, 0, NULL, 0);
	if (request) {
		/* no KE in IKE_AUTH: no DH transforms (1.2) */
		ike_put_esp_offer(ib, c, sa->ch[0].spi_in, false);
		ike_put_ts(ib, PL_TSI, &c->local_ts, 1);
		ike_put_ts(ib, PL_TSR, &c->remote_ts, 1);
	} else {
		ike_put_esp_chosen(ib, &sa->ch[0]);
		/* TSi is the initiator's side: the peer's traffic for us */
		ike_put_ts(ib, PL_TSI, &sa->ch[0].ts_r, 1);
		ike_put_ts(ib, PL_TSR, &sa->ch[0].ts_l, 1);
	}
	n = ib->overflow ? 0 : ib->len;
	return n;
}

size_t
ike_auth_inner(struct ike_sa *sa, struct ike_buf *ib, bool request, bool childless)
{
	return build_auth_inner(sa, ib, request, childless ? NO_CHILD : 0, false);
}

void
ike_send_auth_request(struct ike_engine *e, struct ike_sa *sa)
{
	uint8_t inner[MSG_CAP];
	struct ike_buf ib;
	struct dgrams d;
	size_t n;

	if (sa->conn->d.eap_user[0] && sa->eap == NULL && (sa->eap = ike_eap_new()) == NULL) {
		ike_sa_kill(e, sa, "out of memory");
		return;
	}
	/* childless (RFC 6023): the CHILD_SAs follow in CREATE_CHILD_SA */
	sa->first_child = sa->childless && sa->conn->d.childless == CONN_CHILDLESS_FORCE;
	if (!sa->first_child)
		sa->ch[0].spi_in = ike_child_spi_new(e);
	ike_buf_init(&ib, inner, sizeof(inner));
	n = build_auth_inner(sa, &ib, true, sa->first_child ? NO_CHILD : 0,
			     sa->conn->d.unique != CONN_UNIQUE_NEVER && ike_first_contact(e, sa));
	if (n == 0 || ike_seal(sa, &d, IKE_AUTH, false, sa->my_id, inner, n, PL_IDI) < 0) {
		ike_sa_kill(e, sa, "cannot build IKE_AUTH");
		return;
	}
	sa->state = S_AUTH_SENT;
	ike_send_request(e, sa, &d);
}

bool
ike_auth_verify_msk(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl *pa = ike_find(m, PL_AUTH);
	struct ike_eap *x = sa->eap;
	uint8_t want[IKE_MAX_PRF], method;
	const uint8_t *auth;
	size_t alen;
	struct ike_err er;
	bool ok;

	if (pa == NULL || ike_typed_parse(pa, &method, &auth, &alen, &er) < 0 ||
	    method != AUTH_PSK || alen != sa->keys.prf_len || !x->have_msk ||
	    key_auth(sa, !sa->initiator, x->peer_idb, x->peer_idb_len, x->msk, sizeof(x->msk),
		     want) < 0)
		return false;
	ok = CRYPTO_memcmp(want, auth, alen) == 0;
	ike_wipe(want, sizeof(want));
	return ok;
}

/* check the peer's ID and AUTH payloads; the ID body for AUTH */
bool
ike_auth_verify(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl *pid = ike_find(m, sa->initiator ? PL_IDR : PL_IDI),
			    *pa = ike_find(m, PL_AUTH);
	uint8_t want[IKE_MAX_PRF], type, method;
	const uint8_t *id, *auth;
	size_t idlen, alen;
	struct ike_err er;
	const struct ike_id *rid = &sa->conn->remote_id;
	bool ok;

	if (pid == NULL || pa == NULL || ike_typed_parse(pid, &type, &id, &idlen, &er) < 0 ||
	    ike_typed_parse(pa, &method, &auth, &alen, &er) < 0)
		return false;
	if (idlen > sizeof(rid->data))
		return false;
	if (rid->type) {
		struct ike_id got = { .type = type, .len = (uint8_t)idlen };
		memcpy(got.data, id, idlen);
		if (!ike_id_equal(rid, &got))
			return false;
	}
	if ((method == AUTH_DIGSIG || method == AUTH_RSA || method == AUTH_ECDSA_256 ||
	     method == AUTH_ECDSA_384 || method == AUTH_ECDSA_521) && sa->conn->creds.ca != NULL) {
		static uint8_t octets[MSG_CAP + 2 * IKE_MAX_NONCE];
		const uint8_t *certs[8];
		size_t lens[8], on;
		unsigned nc = 0;
		struct ike_id pidv = { .type = type, .len = (uint8_t)idlen };
		char why[160];

		if (idlen > sizeof(pidv.data))
			return false;
		memcpy(pidv.data, id, idlen);
		/* the end entity first, then any intermediates, X.509 only */
		for (unsigned i = 0; i < m->n && nc < 8; i++)
			if (m->pl[i].type == PL_CERT && m->pl[i].len > 1 && m->pl[i].body[0] == 4) {
				certs[nc] = m->pl[i].body + 1;
				lens[nc++] = m->pl[i].len - 1u;
			}
		on = signed_octets(sa, !sa->initiator, pid->body, pid->len, octets, sizeof(octets));
		ok = on != 0 && ike_verify(&sa->conn->creds, certs, lens, nc, &pidv, octets, on,
					   method, auth, alen, why, sizeof(why)) == 0;
		ike_wipe(octets, on);
		if (!ok) {
			log_warn("ike %s: peer's certificate authentication failed: %s",
				 sa->conn->d.name, why);
			return false;
		}
		sa->peer_ident = pidv;
		return true;
	}
	if (method != AUTH_PSK || sa->conn->psk_len == 0 || alen != sa->keys.prf_len ||
	    psk_auth(sa, !sa->initiator, pid->body, pid->len, want) < 0)
		return false;
	ok = CRYPTO_memcmp(want, auth, alen) == 0;
	ike_wipe(want, sizeof(want));
	if (ok) {
		sa->peer_ident.type = type;
		sa->peer_ident.len = (uint8_t)idlen;
		memcpy(sa->peer_ident.data, id, idlen);
	}
	return ok;
}

/* IKE_AUTH's response when its CHILD_SA failed: our identity and AUTH
 * with the error; the IKE SA stands (RFC 7296 1.2, 2.21.3) */
static void
auth_response_without_child(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
			    uint16_t err)
{
	uint8_t inner[MSG_CAP];
	struct ike_buf ib;
	size_t len;

	if (err != NO_CHILD)
		log_info("ike %s: IKE_SA up without its CHILD_SA: %s", sa->conn->d.name,
			 ike_notify_name(err));
	memset(&sa->ch[0], 0, sizeof(sa->ch[0]));
	ike_buf_init(&ib, inner, sizeof(inner));
	len = build_auth_inner(sa, &ib, false, err, false);
	if (len == 0)
		ike_send_notify_response(e, sa, IKE_AUTH, m->h.msg_id, err);
	else
		ike_send_encrypted_response(e, sa, IKE_AUTH, m->h.msg_id, inner, len, resp_first(sa));
}

void
ike_auth_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	if (!ike_auth_verify(sa, m)) {
		e->st.auth_failed++;
		log_warn("ike %s: peer authentication failed", sa->conn->d.name);
		ike_send_notify_response(e, sa, IKE_AUTH, m->h.msg_id, N_AUTHENTICATION_FAILED);
		ike_sa_kill(e, sa, "authentication failed");
		return;
	}
	ike_auth_request_tail(e, sa, m);
}

/* the peer is authenticated (m: its request with the CHILD_SA, CP and
 * notifies; with EAP its first one): the IKE SA up, the answer */
void
ike_auth_request_tail(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	struct ike_ts tsi[IKE_MAX_TS], tsr[IKE_MAX_TS], vts;
	const struct ike_pl *psa = ike_find(m, PL_SA), *pti = ike_find(m, PL_TSI),
			    *ptr = ike_find(m, PL_TSR);
	const struct ike_conn *c = sa->conn;
	unsigned np, chosen, ni, nr;
	struct ike_err er;
	struct ike_notify_pl n;
	uint8_t inner[MSG_CAP];
	struct ike_buf ib;
	size_t len;
	bool ts_ok = false;

	if (psa == NULL && pti == NULL && ptr == NULL && sa->childless) {
		/* a childless IKE SA (RFC 6023): authenticated, no CHILD_SA */
		if (ike_unique(e, sa, ike_has_notify(m, N_INITIAL_CONTACT)) < 0) {
			ike_send_notify_response(e, sa, IKE_AUTH, m->h.msg_id,
						 N_AUTHENTICATION_FAILED);
			ike_sa_kill(e, sa, "refused: the peer has an IKE_SA (unique: keep)");
			return;
		}
		/* (the lease first: the session begins with its virtual IP) */
		ike_cp_lease(e, sa, ike_find(m, PL_CP));
		ike_established(e, sa);
		log_info("ike %s: childless IKE_SA (RFC 6023)", c->d.name);
		auth_response_without_child(e, sa, m, NO_CHILD);
		return;
	}
	if (psa == NULL || pti == NULL || ptr == NULL ||
	    ike_sa_parse(psa, props, IKE_MAX_PROPOSALS, &np, &er) < 0 ||
	    ike_ts_parse(pti, tsi, IKE_MAX_TS, &ni, &er) < 0 ||
	    ike_ts_parse(ptr, tsr, IKE_MAX_TS, &nr, &er) < 0) {
		ike_send_notify_response(e, sa, IKE_AUTH, m->h.msg_id, N_INVALID_SYNTAX);
		ike_sa_kill(e, sa, "malformed IKE_AUTH");
		return;
	}
	/* the peer restarted, or another IKE SA of it: INITIAL_CONTACT and
	 * the uniqueness policy (2.4) */
	if (ike_unique(e, sa, ike_has_notify(m, N_INITIAL_CONTACT)) < 0) {
		ike_send_notify_response(e, sa, IKE_AUTH, m->h.msg_id, N_AUTHENTICATION_FAILED);
		ike_sa_kill(e, sa, "refused: the peer has an IKE_SA (unique: keep)");
		return;
	}
	/* the IKE SA is up once AUTH verified, even if no CHILD_SA results */
	ike_cp_lease(e, sa, ike_find(m, PL_CP));
	ike_established(e, sa);
	if ((ike_find_notify(m, N_USE_TRANSPORT_MODE, &n) != NULL) != c->d.transport ||
	    ike_proposal_select(props, np, c->esp, c->n_esp, true, true, &sa->ch[0].esp,
				&chosen) < 0) {
		auth_response_without_child(e, sa, m, N_NO_PROPOSAL_CHOSEN);
		return;
	}
	sa->ch[0].spi_out = (uint32_t)props[chosen].spi;
	sa->ch[0].prop_num = props[chosen].num;
	/* narrow: TSi against our remote side, TSr against our local side */
	for (unsigned i = 0; i < ni && !ts_ok; i++)
		if (ike_ts_narrow(&tsi[i], ike_peer_ts(sa, &tsi[i], &c->remote_ts, &vts),
				  &sa->ch[0].ts_r))
			for (unsigned j = 0; j < nr && !ts_ok; j++)
				ts_ok = ike_ts_narrow(&tsr[j], &c->local_ts, &sa->ch[0].ts_l);
	if (!ts_ok) {
		auth_response_without_child(e, sa, m, N_TS_UNACCEPTABLE);
		return;
	}
	ike_ts_prefix(&sa->ch[0].ts_l);
	ike_ts_prefix(&sa->ch[0].ts_r);
	sa->ch[0].spi_in = ike_child_spi_new(e);
	ike_buf_init(&ib, inner, sizeof(inner));
	len = build_auth_inner(sa, &ib, false, 0, false);
	if (len == 0)
		return;
	ike_send_encrypted_response(e, sa, IKE_AUTH, m->h.msg_id, inner, len, resp_first(sa));
	sa->ch[0].state = CH_CREATING;
	sa->ch[0].initiator = false;
	if (ike_child_install(e, sa, &sa->ch[0], NULL, 0, sa->ni, sa->nilen, sa->nr, sa->nrlen) == 0)
		ike_child_route(e, sa, &sa->ch[0]);
}

/* the CHILD_SA of IKE_AUTH's response */
static void
auth_response_child(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	struct ike_ts tsi[IKE_MAX_TS], tsr[IKE_MAX_TS];
	const struct ike_pl *psa = ike_find(m, PL_SA), *pti = ike_find(m, PL_TSI),
			    *ptr = ike_find(m, PL_TSR);
	unsigned np, chosen, ni, nr;
	struct ike_err er;
	struct ike_notify_pl n;

	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].type == PL_NOTIFY && ike_notify_parse(&m->pl[i], &n, &er) == 0 &&
		    n.type <= N_ERROR_MAX) {
			log_warn("ike %s: no CHILD_SA: %s", sa->conn->d.name, ike_notify_name(n.type));
			return;
		}
	if (psa == NULL || pti == NULL || ptr == NULL ||
	    ike_sa_parse(psa, props, IKE_MAX_PROPOSALS, &np, &er) < 0 || np != 1 ||
	    props[0].spi_size != 4 ||
	    ike_proposal_select(props, 1, sa->conn->esp, sa->conn->n_esp, true, true,
				&sa->ch[0].esp, &chosen) < 0 ||
	    ike_ts_parse(pti, tsi, IKE_MAX_TS, &ni, &er) < 0 ||
	    ike_ts_parse(ptr, tsr, IKE_MAX_TS, &nr, &er) < 0 ||
	    !ike_ts_narrow(&tsi[0], &sa->conn->local_ts, &sa->ch[0].ts_l) ||
	    !ike_ts_narrow(&tsr[0], &sa->conn->remote_ts, &sa->ch[0].ts_r) ||
	    memcmp(&sa->ch[0].ts_l, &tsi[0], sizeof(tsi[0])) != 0 ||
	    memcmp(&sa->ch[0].ts_r, &tsr[0], sizeof(tsr[0])) != 0) {
		/* the responder may only narrow what we proposed */
		log_warn("ike %s: unacceptable CHILD_SA in IKE_AUTH response", sa->conn->d.name);
		return;
	}
	sa->ch[0].spi_out = (uint32_t)props[0].spi;
	sa->ch[0].state = CH_CREATING;
	sa->ch[0].initiator = true;
	if (ike_child_install(e, sa, &sa->ch[0], NULL, 0, sa->ni, sa->nilen, sa->nr, sa->nrlen) == 0)
		ike_child_route(e, sa, &sa->ch[0]);
}

void
ike_auth_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_notify_pl n;

	if (!ike_auth_verify(sa, m)) {
		e->st.auth_failed++;
		ike_sa_kill(e, sa, ike_find_notify(m, N_AUTHENTICATION_FAILED, &n) ?
			"peer refused our authentication" : "peer authentication failed");
		return;
	}
	ike_auth_response_tail(e, sa, m);
}

/* the responder is authenticated (m: its last IKE_AUTH response) */
void
ike_auth_response_tail(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	ike_established(e, sa);
	if (sa->conn->d.vip &&
	    ike_cp_take(sa, ike_find(m, PL_CP), sa->conn->local_ts.type == TS_IPV6_ADDR_RANGE ?
			AF_INET6 : AF_INET) < 0) {
		log_warn("ike %s: no virtual IP given: IKE_SA deleted", sa->conn->d.name);
		ike_sa_terminate(e, sa);
		return;
	}
	if (!sa->first_child)
		auth_response_child(e, sa, m);
	ike_more_children(e, sa);
	/* a redirected IKE SA's predecessor goes now (RFC 5685 5) */
	for (struct ike_sa *o = sa->redirected_from.family ? e->sas : NULL; o; o = o->next)
		if (o != sa && o->conn == sa->conn && o->retire_on_redirect &&
		    o->state == S_ESTABLISHED)
			ike_sa_terminate(e, o);
}

