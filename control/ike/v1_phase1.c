/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 phase 1 (RFC 2409 5): main mode (identity protection, six
 * messages) and aggressive mode (three), authenticated with a pre-shared
 * key (5.4), both roles; NAT-T (RFC 3947: vendor ID, NAT-D, the float to
 * port 4500); the vendor IDs of DPD (RFC 3706). The initiator's SA payload
 * carries one proposal whose transforms are the connection's proposals in
 * order; the responder takes the first it supports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/v1.h"

#define RETIRE_MS 2000		/* a replaced ISAKMP SA's time before its Delete */

/* MD5("RFC 3947"), and RFC 3706's DPD vendor ID */
const uint8_t v1_vid_natt[16] = {
	0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f,
};
const uint8_t v1_vid_dpd[16] = {
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00,
};

#define NONCE_BYTES 32

static uint16_t
prf_of_hash(uint16_t h)
{
	return h == P1_HASH_SHA1 ? PRF_HMAC_SHA1 : h == P1_HASH_SHA256 ? PRF_HMAC_SHA2_256 : h == P1_HASH_SHA384 ?
	       PRF_HMAC_SHA2_384 : h == P1_HASH_SHA512 ? PRF_HMAC_SHA2_512 : 0;
}

static bool
xform_ok(const struct v1_xform *o, const struct v1_xform *p)
{
	return !p->unknown && p->encr == o->encr && p->encr_bits == o->encr_bits &&
	       p->hash == o->hash && p->auth == o->auth && p->group == o->group;
}

static bool
has_vid(const struct ike_msg *m, const uint8_t vid[16])
{
	for (unsigned i = 0; i < m->n; i++)
		/* Cisco's fragmentation ID has 4 more bytes */
		if (m->pl[i].type == V1_VID && m->pl[i].len >= 16 && m->pl[i].len <= 20 &&
		    !memcmp(m->pl[i].body, vid, 16))
			return true;
	return false;
}

static void
put_vids(struct ike_buf *b, const struct ike_conn *c)
{
	size_t o = ike_pl_begin(b, V1_VID);

	ike_put(b, v1_vid_natt, 16);
	ike_pl_end(b, o);
	o = ike_pl_begin(b, V1_VID);
	ike_put(b, v1_vid_dpd, 16);
	ike_pl_end(b, o);
	if (c->d.fragment_size) {
		o = ike_pl_begin(b, V1_VID);
		ike_put(b, v1_vid_frag, 16);
		ike_pl_end(b, o);
	}
}

static void
note_vids(struct ike_sa *sa, const struct ike_msg *m)
{
	sa->v1->nat_vid = has_vid(m, v1_vid_natt);
	sa->v1->dpd_vid = has_vid(m, v1_vid_dpd);
	sa->v1->frag_vid = has_vid(m, v1_vid_frag) && sa->conn->d.fragment_size;
}

/* our phase 1 identity: type, protocol 0, port 0, data (IPsec DOI 4.6.2) */
static void
our_id(struct ike_sa *sa)
{
	const struct ike_id *id = &sa->conn->local_id;
	struct v1_sa *v = sa->v1;

	v->id_b[0] = id->type;
	v->id_b[1] = v->id_b[2] = v->id_b[3] = 0;
	memcpy(v->id_b + 4, id->data, id->len);
	v->id_len = 4u + id->len;
}

static void
put_ke_nonce(struct ike_buf *b, struct ike_sa *sa)
{
	struct v1_sa *v = sa->v1;

	v1_put_pl(b, V1_KE, sa->initiator ? v->gxi : v->gxr, sa->initiator ? v->gxi_len : v->gxr_len);
	v1_put_pl(b, V1_NONCE, sa->initiator ? sa->ni : sa->nr, sa->initiator ? sa->nilen : sa->nrlen);
}

static void
put_natd(struct ike_buf *b, struct ike_sa *sa)
{
	uint8_t h[IKE_MAX_PRF];
	size_t n = ike_prf_len(sa->v1->prf);

	if (!sa->v1->nat_vid)
		return;
	/* the peer's address first, then ours (RFC 3947 3.2) */
	if (v1_natd(sa, &sa->remote, h) == 0)
		v1_put_pl(b, V1_NATD, h, n);
	if (v1_natd(sa, &sa->local, h) == 0)
		v1_put_pl(b, V1_NATD, h, n);
}

/* NAT-D from the peer: is either side translated? (RFC 3947 3.2) */
static void
nat_detect(struct ike_sa *sa, const struct ike_msg *m)
{
	uint8_t me[IKE_MAX_PRF], peer[IKE_MAX_PRF];
	size_t n = ike_prf_len(sa->v1->prf);
	bool first = true, me_ok = false, peer_ok = false, any = false;

	if (!sa->v1->nat_vid || v1_natd(sa, &sa->local, me) < 0 ||
	    v1_natd(sa, &sa->remote, peer) < 0)
		return;
	for (unsigned i = 0; i < m->n; i++) {
		const struct ike_pl *p = &m->pl[i];
		if (p->type != V1_NATD)
			continue;
		any = true;
		if (first)
			me_ok = p->len == n && CRYPTO_memcmp(p->body, me, n) == 0;
		else
			peer_ok |= p->len == n && CRYPTO_memcmp(p->body, peer, n) == 0;
		first = false;
	}
	if (!any)
		return;
	sa->behind_nat = !me_ok;
	sa->natt = !me_ok || !peer_ok;
}

/* KE and nonce present and sized, before anything is changed */
static bool
ke_nonce_ok(const struct ike_msg *m)
{
	const struct ike_pl *ke = ike_find(m, V1_KE), *no = ike_find(m, V1_NONCE);

	return ke && no && no->len >= 8 && no->len <= IKE_MAX_NONCE && ke->len <= IKE_MAX_DH;
}

/* the KE/nonce of the peer's message: DH done, SKEYID and keys derived;
 * -1 (nothing kept) for a bad public value */
static int
take_ke_nonce(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct v1_sa *v = sa->v1;
	const struct ike_pl *ke = ike_find(m, V1_KE), *no = ike_find(m, V1_NONCE);
	uint8_t gxy[IKE_MAX_DH];
	size_t glen = sizeof(gxy);
	int rc;

	if (ike_dh_peer(e, sa, sa->dh, ke->body, ke->len, gxy, &glen) < 0) {
		e->st.rx_dropped++;
		return -1;
	}
	if (sa->initiator) {
		memcpy(sa->nr, no->body, no->len);
		sa->nrlen = no->len;
		memcpy(v->gxr, ke->body, ke->len);
		v->gxr_len = ke->len;
	} else {
		memcpy(sa->ni, no->body, no->len);
		sa->nilen = no->len;
		memcpy(v->gxi, ke->body, ke->len);
		v->gxi_len = ke->len;
	}
	rc = v1_skeyid(sa, gxy, glen) < 0 || v1_iv_p1(sa) < 0 ? -1 : 0;
	ike_wipe(gxy, sizeof(gxy));
	return rc;
}

/* our DH value and nonce */
static int
make_ke_nonce(struct ike_sa *sa)
{
	struct v1_sa *v = sa->v1;
	uint8_t *g = sa->initiator ? v->gxi : v->gxr;
	size_t *gl = sa->initiator ? &v->gxi_len : &v->gxr_len;
	uint8_t *n = sa->initiator ? sa->ni : sa->nr;

	if (sa->dh)
		return 0;	/* made for an earlier copy of the message we refused */
	sa->dh = ike_dh_new(v->chosen.group);
	if (sa->dh == NULL || (*gl = ike_dh_public(sa->dh, g, IKE_MAX_DH)) == 0)
		return -1;
	*(sa->initiator ? &sa->nilen : &sa->nrlen) = NONCE_BYTES;
	return ike_random(n, NONCE_BYTES);
}

static void
float_natt(struct ike_sa *sa)
{
	if (!sa->natt || sa->local.port == IKE_NATT_PORT)
		return;
	sa->local.port = IKE_NATT_PORT;
	sa->remote.port = IKE_NATT_PORT;
}

static void
send_msg(struct ike_engine *e, struct ike_sa *sa, struct ike_buf *b, bool expects_reply,
	 bool encrypt)
{
	size_t n = encrypt ? v1_encrypt(sa->v1, b, sa->v1->iv) : ike_msg_finish(b);

	if (n == 0) {
		ike_sa_kill(e, sa, "IKEv1 message too large");
		return;
	}
	v1_send_p1(e, sa, b->p, n, expects_reply);
}

static struct v1_sa *
v1_new(struct ike_sa *sa, uint8_t mode)
{
	sa->v1 = calloc(1, sizeof(*sa->v1));
	if (sa->v1)
		sa->v1->mode = mode;
	return sa->v1;
}

/* the first message: main mode SA, or aggressive SA, KE, Ni, IDii */
int
v1_p1_start(struct ike_engine *e, const struct ike_conn *c, uint64_t reauth_of)
{
	struct v1_xform x[IKE_MAX_CONN_PROPS];
	uint8_t mem[MSG_CAP];
	struct ike_buf b;
	struct ike_sa *sa;
	unsigned n = v1_our_xforms(c, x, IKE_MAX_CONN_PROPS);
	size_t sa_off;

	if (n == 0)
		return -1;
	sa = ike_sa_new(e, c, true);
	if (sa == NULL || v1_new(sa, c->d.aggressive ? V1_AGGRESSIVE : V1_MAIN) == NULL) {
		if (sa)
			ike_sa_kill(e, sa, "out of memory");
		return -1;
	}
	ike_sa_index(e, sa);
	sa->local = (struct ike_ep){ c->d.local, IKE_PORT };
	sa->remote = (struct ike_ep){ c->d.remote, IKE_PORT };
	sa->state = S_INIT_SENT;
	sa->v1->reauth_of = reauth_of;
	our_id(sa);
	ike_buf_init(&b, mem, sizeof(mem));
	v1_hdr_put(&b, sa->spi_i, 0, sa->v1->mode, 0, 0);
	if (sa->v1->mode == V1_AGGRESSIVE) {
		/* one KE in the first message: the first proposal's group only */
		unsigned k = 0;
		for (unsigned i = 0; i < n; i++)
			if (x[i].group == x[0].group)
				x[k++] = x[i];
		n = k;
	}
	sa_off = b.len;
	v1_put_p1_sa(&b, x, n);
	sa->v1->sai_len = b.len - sa_off - 4;
	sa->v1->sai_b = malloc(sa->v1->sai_len);
	if (sa->v1->sai_b == NULL) {
		ike_sa_kill(e, sa, "out of memory");
		return -1;
	}
	memcpy(sa->v1->sai_b, mem + sa_off + 4, sa->v1->sai_len);
	if (sa->v1->mode == V1_AGGRESSIVE) {
		sa->v1->chosen = x[0];
		if (make_ke_nonce(sa) < 0) {
			ike_sa_kill(e, sa, "key exchange failed");
			return -1;
		}
		put_ke_nonce(&b, sa);
		v1_put_pl(&b, V1_ID, sa->v1->id_b, sa->v1->id_len);
	}
	put_vids(&b, c);
	log_info("ike %s: IKEv1 %s initiated", c->d.name, v1_exchange_name(sa->v1->mode));
	send_msg(e, sa, &b, true, false);
	return 0;
}

/* the conn for a phase 1 from remote to local (version 1 or either) */
static const struct ike_conn *
conn_for(struct ike_engine *e, const struct ike_ep *local, const struct ike_ep *remote)
{
	for (unsigned i = 0; i < e->n_conn; i++) {
		const struct ike_conn *c = e->conn[i];
		if (c->d.version != 2 && ip_addr_eq(&c->d.local, &local->addr) &&
		    (c->d.remote.family == 0 || ip_addr_eq(&c->d.remote, &remote->addr)))
			return c;
	}
	return NULL;
}

/* a responder's choice: the first of the peer's transforms we support */
static int
choose(const struct ike_conn *c, const struct v1_sa_pl *sp, struct v1_xform *out)
{
	struct v1_xform ours[IKE_MAX_CONN_PROPS];
	unsigned n = v1_our_xforms(c, ours, IKE_MAX_CONN_PROPS);
	const struct v1_prop *p = &sp->p[0];

	if (sp->n != 1 || p->proto != V1_PROTO_ISAKMP)
		return -1;
	for (unsigned i = 0; i < p->n; i++)
		for (unsigned k = 0; k < n; k++)
			if (p->t[i].id == V1_KEY_IKE && xform_ok(&ours[k], &p->t[i])) {
				*out = p->t[i];
				return 0;
			}
	return -1;
}

/* the first message of a phase 1 with no SA yet: we respond */
void
v1_p1_request(struct ike_engine *e, const struct ike_msg *m, const struct ike_ep *local,
	      const struct ike_ep *remote)
{
	const struct ike_conn *c = conn_for(e, local, remote);
	const struct ike_pl *psa = ike_find(m, V1_SA);
	struct v1_sa_pl sp;
	struct v1_xform t;
	struct ike_err er;
	struct ike_sa *sa;
	uint8_t mem[MSG_CAP];
	struct ike_buf b;

	if (c == NULL) {
		e->st.rx_dropped++;
		log_info("ike: IKEv1 %s from a peer without a connection", v1_exchange_name(m->h.exchange));
		return;
	}
	if (m->h.exchange == V1_AGGRESSIVE && !c->d.aggressive) {
		/* a PSK hash an eavesdropper can attack offline: opt-in only */
		e->st.rx_dropped++;
		log_info("ike %s: IKEv1 aggressive mode refused (not enabled)", c->d.name);
		v1_notify_plain(e, &m->h, local, remote, V1N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (psa == NULL || v1_sa_parse(psa, true, &sp, &er) < 0 || choose(c, &sp, &t) < 0) {
		e->st.rx_dropped++;
		log_info("ike %s: IKEv1 phase 1: no proposal chosen", c->d.name);
		v1_notify_plain(e, &m->h, local, remote, V1N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (e->half_open >= e->cookie_threshold * 4) {
		e->st.half_open_refused++;
		return;
	}
	sa = ike_sa_new(e, c, false);
	if (sa == NULL || v1_new(sa, m->h.exchange) == NULL) {
		if (sa)
			ike_sa_kill(e, sa, "out of memory");
		return;
	}
	sa->spi_i = m->h.spi_i;
	sa->local = *local;
	sa->remote = *remote;
	sa->state = S_INIT_DONE;
	ike_sa_index(e, sa);
	ike_half_open_add(e, sa);
	sa->v1->chosen = t;
	sa->v1->prf = prf_of_hash(t.hash);
	sa->v1->sai_len = psa->len;
	sa->v1->sai_b = malloc(psa->len);
	if (sa->v1->sai_b == NULL) {
		ike_sa_kill(e, sa, "out of memory");
		return;
	}
	memcpy(sa->v1->sai_b, psa->body, psa->len);
	v1_msg_digest(m->raw, m->raw_len, sa->v1->last_rx);
	note_vids(sa, m);
	our_id(sa);
	ike_buf_init(&b, mem, sizeof(mem));
	v1_hdr_put(&b, sa->spi_i, sa->spi_r, m->h.exchange, 0, 0);
	v1_put_p1_sa(&b, &sa->v1->chosen, 1);
	if (m->h.exchange == V1_AGGRESSIVE) {
		const struct ike_pl *id = ike_find(m, V1_ID);
		if (id == NULL || !ke_nonce_ok(m) || make_ke_nonce(sa) < 0 ||
		    take_ke_nonce(e, sa, m) < 0) {
			ike_sa_kill(e, sa, "IKEv1 aggressive mode: bad first message");
			return;
		}
		if (c->remote_id.type && (id->len < 4 || id->body[0] != c->remote_id.type ||
					  id->len - 4u != c->remote_id.len ||
					  memcmp(id->body + 4, c->remote_id.data, c->remote_id.len))) {
			e->st.auth_failed++;
			ike_sa_kill(e, sa, "IKEv1 peer identity is not the configured one");
			return;
		}
		put_ke_nonce(&b, sa);
		v1_put_id_proof(&b, sa);
		put_natd(&b, sa);
		/* HASH_I will cover the initiator's ID: keep it */
		sa->v1->step = 2;
		put_vids(&b, c);
		send_msg(e, sa, &b, true, false);
		/* the initiator's IDii body for its HASH_I, kept in a message slot */
		free(sa->msg1);
		sa->msg1 = malloc(id->len);
		if (sa->msg1) {
			memcpy(sa->msg1, id->body, id->len);
			sa->msg1_len = id->len;
		}
		return;
	}
	put_vids(&b, c);
	sa->v1->step = 2;
	send_msg(e, sa, &b, true, false);
}

/* initiator: the responder's SA choice (main mode 2, aggressive mode 2) */
static int
take_choice(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl *psa = ike_find(m, V1_SA);
	struct v1_xform ours[IKE_MAX_CONN_PROPS];
	unsigned n = v1_our_xforms(sa->conn, ours, IKE_MAX_CONN_PROPS);
	struct v1_sa_pl sp;
	struct ike_err er;

	if (psa == NULL || v1_sa_parse(psa, true, &sp, &er) < 0 || sp.n != 1 || sp.p[0].n != 1 ||
	    sp.p[0].proto != V1_PROTO_ISAKMP) {
		log_info("ike %s: IKEv1 phase 1: the responder's SA is malformed", sa->conn->d.name);
		return -1;
	}
	for (unsigned k = 0; k < n; k++)
		if (xform_ok(&ours[k], &sp.p[0].t[0]) &&
		    (sa->v1->mode != V1_AGGRESSIVE || ours[k].group == sa->v1->chosen.group)) {
			sa->v1->chosen = sp.p[0].t[0];
			sa->v1->prf = prf_of_hash(sp.p[0].t[0].hash);
			note_vids(sa, m);
			return 0;
		}
	log_info("ike %s: IKEv1 phase 1: the responder chose what we did not offer",
		 sa->conn->d.name);
	return -1;
}

static void
p1_done(struct ike_engine *e, struct ike_sa *sa)
{
	const struct v1_xform *t = &sa->v1->chosen;

	/* for listings, in IKEv2's terms */
	sa->keys.a = (struct ike_algs){
		.encr = t->encr == P1_ENCR_3DES ? ENCR_3DES : ENCR_AES_CBC, .encr_bits = t->encr_bits,
		.prf = sa->v1->prf,
		.integ = sa->v1->prf == PRF_HMAC_SHA1 ? AUTH_HMAC_SHA1_96 :
			 (uint16_t)(sa->v1->prf - PRF_HMAC_SHA2_256 + AUTH_HMAC_SHA2_256_128),
		.dh = t->group };
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	/* then remote access (v1_cfg_begin), then v1_settle */
	ike_established(e, sa);
}

/*
 * The initiator's messages 2, 4 and 6 (main) or 2 (aggressive). 0: taken
 * (the SA moved on, or ended); -1: refused with nothing changed, as a
 * forged or damaged message must be (the peer's retransmission may still
 * come). Unauthenticated messages cannot be told from forged ones until
 * the HASH, so a refusal there only drops.
 */
static int
initiator_input(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m, struct ike_buf *b)
{
	struct v1_sa *v = sa->v1;
	bool enc = m->h.flags & V1_FLAG_E;
	uint8_t ck[16];

	if (v->mode == V1_MAIN && v->step == 0 && !enc) {
		/* MM2 -> MM3: KE, Ni, NAT-D */
		if (take_choice(sa, m) < 0)
			return -1;
		sa->spi_r = m->h.spi_r;
		if (make_ke_nonce(sa) < 0) {
			ike_sa_kill(e, sa, "key exchange failed");
			return 0;
		}
		v->step = 2;
		v1_hdr_put(b, sa->spi_i, sa->spi_r, V1_MAIN, 0, 0);
		put_ke_nonce(b, sa);
		v1_put_cr(b, sa);
		put_natd(b, sa);
		send_msg(e, sa, b, true, false);
	} else if (v->mode == V1_MAIN && v->step == 2 && !enc) {
		/* MM4 -> MM5: keys, then ID and HASH_I encrypted */
		if (!ke_nonce_ok(m) || take_ke_nonce(e, sa, m) < 0)
			return -1;
		nat_detect(sa, m);
		float_natt(sa);
		v->step = 4;
		v1_hdr_put(b, sa->spi_i, sa->spi_r, V1_MAIN, 0, 0);
		v1_put_id_proof(b, sa);
		/* nothing of ours with the peer yet, neither up nor under way
		 * (not a re-establishment, not one of several set up at once):
		 * INITIAL-CONTACT, both cookies as its SPI (RFC 2407 4.6.3.3) */
		for (int i = 0; i < 8; i++) {
			ck[i] = (uint8_t)(sa->spi_i >> (56 - 8 * i));
			ck[8 + i] = (uint8_t)(sa->spi_r >> (56 - 8 * i));
		}
		if (v1_sibling(e, sa) == NULL && v1_in_progress(e, sa) == NULL)
			v1_put_notify(b, V1_PROTO_ISAKMP, V1N_INITIAL_CONTACT, ck, 16, NULL, 0);
		send_msg(e, sa, b, true, true);
	} else if (v->mode == V1_MAIN && v->step == 4 && enc) {
		/* MM6: the responder authenticated */
		if (v1_check_auth(e, sa, m) < 0)
			return -1;
		v1_send_p1(e, sa, NULL, 0, false);
		p1_done(e, sa);
	} else if (v->mode == V1_AGGRESSIVE && v->step == 0 && !enc) {
		/* AM2 -> AM3 */
		if (!ke_nonce_ok(m) || take_choice(sa, m) < 0)
			return -1;
		sa->spi_r = m->h.spi_r;
		if (take_ke_nonce(e, sa, m) < 0 || v1_check_auth(e, sa, m) < 0) {
			sa->spi_r = 0;
			return -1;
		}
		nat_detect(sa, m);
		float_natt(sa);
		v1_hdr_put(b, sa->spi_i, sa->spi_r, V1_AGGRESSIVE, 0, 0);
		v1_put_proof(b, sa);
		put_natd(b, sa);
		v->step = 3;
		send_msg(e, sa, b, false, true);
		p1_done(e, sa);
	} else {
		return -1;
	}
	return 0;
}

/* the responder's messages 3 and 5 (main) or 3 (aggressive); as above */
static int
responder_input(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m, struct ike_buf *b)
{
	struct v1_sa *v = sa->v1;
	bool enc = m->h.flags & V1_FLAG_E;

	if (v->mode == V1_MAIN && v->step == 2 && !enc) {
		/* MM3 -> MM4 */
		if (!ke_nonce_ok(m))
			return -1;
		if (make_ke_nonce(sa) < 0) {
			ike_sa_kill(e, sa, "key exchange failed");
			return 0;
		}
		if (take_ke_nonce(e, sa, m) < 0)
			return -1;
		nat_detect(sa, m);
		v->step = 4;
		v1_hdr_put(b, sa->spi_i, sa->spi_r, V1_MAIN, 0, 0);
		put_ke_nonce(b, sa);
		v1_put_cr(b, sa);
		put_natd(b, sa);
		send_msg(e, sa, b, true, false);
	} else if (v->mode == V1_MAIN && v->step == 4 && enc) {
		/* MM5 -> MM6 */
		if (v1_check_auth(e, sa, m) < 0)
			return -1;
		v->initial_contact = v1_find_notify(m, V1N_INITIAL_CONTACT) != NULL;
		v->step = 6;
		v1_hdr_put(b, sa->spi_i, sa->spi_r, V1_MAIN, 0, 0);
		v1_put_id_proof(b, sa);
		send_msg(e, sa, b, false, true);
		p1_done(e, sa);
	} else if (v->mode == V1_AGGRESSIVE && v->step == 2) {
		/* AM3: HASH_I (or SIG_I) over the initiator's ID of AM1 */
		if (v1_am3_auth(sa, m) < 0) {
			e->st.auth_failed++;
			log_info("ike %s: IKEv1 aggressive mode: HASH_I wrong", sa->conn->d.name);
			return -1;
		}
		nat_detect(sa, m);
		v->step = 3;
		v1_send_p1(e, sa, NULL, 0, false);
		p1_done(e, sa);
	} else {
		return -1;
	}
	return 0;
}

int
v1_p1_input(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m)
{
	uint8_t mem[MSG_CAP];
	struct ike_buf b;

	if (sa->v1->mode != m->h.exchange || sa->state == S_ESTABLISHED)
		return -1;
	ike_buf_init(&b, mem, sizeof(mem));
	return sa->initiator ? initiator_input(e, sa, m, &b) : responder_input(e, sa, m, &b);
}

/* another established ISAKMP SA of the same connection and peer */
struct ike_sa *
v1_sibling(struct ike_engine *e, const struct ike_sa *sa)
{
	for (struct ike_sa *o = sa->conn->refs > 1 ? e->sas : NULL; o; o = o->next)
		if (o != sa && o->v1 && o->conn == sa->conn && o->state == S_ESTABLISHED &&
		    ip_addr_eq(&o->remote.addr, &sa->remote.addr))
			return o;
	return NULL;
}

/* a phase 1 of sa's connection with the same peer under way */
struct ike_sa *
v1_in_progress(struct ike_engine *e, const struct ike_sa *sa)
{
	for (struct ike_sa *o = sa->conn->refs > 1 ? e->sas : NULL; o; o = o->next)
		if (o != sa && o->v1 && o->conn == sa->conn &&
		    (o->state == S_INIT_SENT || o->state == S_INIT_DONE) &&
		    ip_addr_eq(&o->remote.addr, &sa->remote.addr))
			return o;
	return NULL;
}

/* CHILD_SAs of old move to sa (phase 1 re-established: phase 2 SAs stay),
 * leaving two slots free for quick modes */
void
v1_adopt(struct ike_sa *sa, struct ike_sa *old)
{
	for (int i = 0; i < MAX_CHILD; i++) {
		unsigned free_slots = 0;
		struct child *f = NULL;
		for (int k = 0; k < MAX_CHILD; k++)
			if (sa->ch[k].state == CH_FREE) {
				free_slots++;
				f = f ? f : &sa->ch[k];
			}
		bool busy = false;
		for (int q = 0; q < V1_MAX_QM; q++)
			busy |= old->v1->qm[q].used && !old->v1->qm[q].done &&
				(old->v1->qm[q].slot == i || old->v1->qm[q].rekey_of == i);
		/* installed ones only, and none a quick mode in flight refers to */
		if (!child_up(&old->ch[i]) || busy || free_slots <= 2)
			continue;
		*f = old->ch[i];
		memset(&old->ch[i], 0, sizeof(old->ch[i]));
	}
	if (old->route_prio > sa->route_prio)
		sa->route_prio = old->route_prio;
}

/*
 * Phase 1 done: up. A peer that restarted (INITIAL-CONTACT) leaves nothing
 * of before. Our own re-establishment of an ISAKMP SA takes its phase 2
 * SAs and deletes it. As responder, a new phase 1 from a peer we have one
 * with (no INITIAL-CONTACT) is the peer's re-establishment: it takes the
 * phase 2 SAs too, and the old SA stays, childless, until the peer deletes
 * it or its lifetime ends (as charon does it: its own old SA lingers the
 * same way). Quick modes in flight keep their SAs where they are. An
 * initiator with no CHILD_SA then starts quick mode.
 */
void
v1_settle(struct ike_engine *e, struct ike_sa *sa)
{
	bool have = false;

	/* (the connection's other SAs: none when it holds only this one) */
	for (struct ike_sa *o = sa->conn->refs > 1 ? e->sas : NULL; o; o = o->next) {
		/* the same peer: address, identity and user (remote-access users
		 * behind one NAT share an address, not their SAs) */
		if (o == sa || !o->v1 || o->conn != sa->conn || o->state != S_ESTABLISHED ||
		    !ip_addr_eq(&o->remote.addr, &sa->remote.addr) || strcmp(o->user, sa->user) ||
		    !ike_id_equal(&o->peer_ident, &sa->peer_ident) || o->v1->ra != V1_RA_DONE)
			continue;
		if (sa->v1->initial_contact && sa->conn->d.unique != CONN_UNIQUE_NEVER) {
			ike_sa_kill(e, o, "replaced (INITIAL-CONTACT)");
		} else if (!sa->initiator || sa->v1->reauth_of == o->spi_i) {
			log_info("ike %s: ISAKMP SA %016lx_%016lx re-established, its CHILD_SAs "
				 "move over", sa->conn->d.name, (unsigned long)o->spi_i,
				 (unsigned long)o->spi_r);
			v1_adopt(sa, o);
			/* deleted a little later, after the peer has moved its own
			 * phase 2 SAs over (charon does that in a job of its own) */
			if (sa->initiator) {
				o->v1->retire_at = e->now + RETIRE_MS;
				ike_sched(e, o);
			}
		}
	}
	for (int i = 0; i < MAX_CHILD; i++)
		have |= child_up(&sa->ch[i]);
	if (sa->initiator && !have && v1_qm_start(e, sa, -1) < 0)
		log_warn("ike %s: quick mode could not start", sa->conn->d.name);
}
