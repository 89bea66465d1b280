/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 quick mode (RFC 2409 5.5): a CHILD_SA (phase 2 SA pair) from three
 * messages, both roles, with PFS when the ESP proposals name a group, the
 * phase 2 identities as traffic selectors (subnets, ranges, addresses;
 * narrowed by the responder to its connection's prefixes). Rekeying is a
 * new quick mode for the same selectors, make before break: the new SA
 * pair takes the outbound policy, the old one is deleted a little later.
 *
 *   I -> R  HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]
 *   R -> I  HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
 *   I -> R  HDR*, HASH(3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/v1.h"

#define QM_NONCE 32
#define REKEYED_GRACE_MS 3000		/* a rekeyed pair's inbound lingers this long */
#define ROUTE_DELAY_MS 500		/* initiator: QM3 to the new pair carrying traffic */

static uint16_t
integ_of_auth(uint16_t a)
{
	return a == P2_AUTH_SHA256 ? AUTH_HMAC_SHA2_256_128 : a == P2_AUTH_SHA384 ?
	       AUTH_HMAC_SHA2_384_192 : a == P2_AUTH_SHA512 ? AUTH_HMAC_SHA2_512_256 : 0;
}

static uint16_t
auth_of_integ(uint16_t i)
{
	return i == AUTH_HMAC_SHA2_256_128 ? P2_AUTH_SHA256 : i == AUTH_HMAC_SHA2_384_192 ?
	       P2_AUTH_SHA384 : i == AUTH_HMAC_SHA2_512_256 ? P2_AUTH_SHA512 : 0;
}

static uint16_t
encap_mode(const struct ike_sa *sa)
{
	bool t = sa->conn->d.transport;

	return sa->natt ? (t ? ENCAP_UDP_TRANSPORT : ENCAP_UDP_TUNNEL) :
			  (t ? ENCAP_TRANSPORT : ENCAP_TUNNEL);
}

static uint32_t
child_life(const struct ike_conn *c)
{
	return c->d.child_life_time ? c->d.child_life_time :
	       c->d.child_rekey_time ? c->d.child_rekey_time * 11 / 10 : 0;
}

/*
 * An SA pair lives no longer than the shorter of both sides' lifetimes
 * (IPsec DOI 4.5, 4.6.3.1): a shorter one from the peer brings its hard
 * end forward, and its rekey to nine tenths of that.
 */
static void
shorten(struct ike_engine *e, struct child *c, uint32_t life_s)
{
	uint64_t end = e->now + life_s * 1000ull;

	if (life_s == 0 || (c->expire_at && c->expire_at <= end))
		return;
	c->expire_at = end;
	if (c->rekey_at == 0 || c->rekey_at > e->now + life_s * 900ull)
		c->rekey_at = e->now + life_s * 900ull;
}

/* RESPONDER-LIFETIME's seconds (IPsec DOI 4.6.3.1), 0 when it has none */
static uint32_t
responder_lifetime(const struct ike_msg *m)
{
	for (unsigned i = 0; i < m->n; i++) {
		struct ike_notify_pl n;
		struct ike_err er;
		if (m->pl[i].type != V1_N || v1_notify_parse(&m->pl[i], &n, &er) < 0 ||
		    n.type != V1N_RESPONDER_LIFETIME)
			continue;
		/* attributes: a life type, then its duration (TV or a 4-byte TLV) */
		bool secs = false;
		for (size_t o = 0; o + 4 <= n.data_len;) {
			uint16_t t = (uint16_t)(n.data[o] << 8 | n.data[o + 1]);
			uint16_t l = (uint16_t)(n.data[o + 2] << 8 | n.data[o + 3]);
			uint32_t v = l;
			size_t step = 4;
			if (!(t & 0x8000)) {
				if (l > 4 || o + 4 + l > n.data_len)
					break;
				v = 0;
				for (unsigned k = 0; k < l; k++)
					v = v << 8 | n.data[o + 4 + k];
				step += l;
			}
			if ((t & 0x7fff) == P2_LIFE_TYPE)
				secs = v == LIFE_SECONDS;
			else if ((t & 0x7fff) == P2_LIFE && secs)
				return v;
			o += step;
		}
	}
	return 0;
}

/*
 * The connection's ESP proposals in IPsec DOI form, one proposal each; a
 * proposal that allows ESN and no ESN becomes two transforms. ChaCha20-
 * Poly1305 has no IKEv1 transform ID and is left out.
 */
static unsigned
our_props(const struct ike_sa *sa, uint32_t spi, struct v1_prop *p, unsigned max)
{
	const struct ike_conn *c = sa->conn;
	struct ike_algs a[IKE_MAX_CONN_PROPS];
	unsigned na = ike_conn_esp_algs(c, a, IKE_MAX_CONN_PROPS), n = 0;

	for (unsigned i = 0; i < na && n < max; i++) {
		if (a[i].encr != ENCR_AES_CBC && a[i].encr != ENCR_AES_GCM_16)
			continue;
		struct v1_prop *q = &p[n];
		memset(q, 0, sizeof(*q));
		q->num = (uint8_t)(n + 1);
		q->proto = V1_PROTO_ESP;
		q->spi_size = 4;
		q->spi = spi;
		bool esn_opts[2] = { false, false };	/* [0] noesn, [1] esn allowed */
		for (unsigned k = 0; k < c->esp[i].n; k++)
			if (c->esp[i].t[k].type == TT_ESN)
				esn_opts[c->esp[i].t[k].id == 1] = true;
		for (int e = 1; e >= 0; e--) {
			if (!esn_opts[e])
				continue;
			struct v1_xform *t = &q->t[q->n];
			memset(t, 0, sizeof(*t));
			t->num = (uint8_t)(q->n + 1);
			t->id = (uint8_t)a[i].encr;
			t->encr_bits = a[i].encr_bits;
			t->integ = auth_of_integ(a[i].integ);
			t->group = a[i].dh;
			t->encap = encap_mode(sa);
			t->esn = e;
			t->life_s = child_life(c);
			q->n++;
		}
		n++;
	}
	return n;
}

static bool
encap_ok(const struct ike_sa *sa, uint16_t m)
{
	if (sa->conn->d.transport)
		return m == ENCAP_TRANSPORT || m == ENCAP_UDP_TRANSPORT || m == ENCAP_UDP_TRANSPORT_DRAFT;
	return m == ENCAP_TUNNEL || m == ENCAP_UDP_TUNNEL || m == ENCAP_UDP_TUNNEL_DRAFT;
}

static bool
xform_match(const struct ike_sa *sa, const struct v1_xform *o, const struct v1_xform *p)
{
	return !p->unknown && p->id == o->id && p->encr_bits == o->encr_bits &&
	       p->integ == o->integ && p->group == o->group && p->esn == o->esn &&
	       encap_ok(sa, p->encap);
}

static void
algs_of(const struct v1_xform *t, struct ike_algs *a)
{
	memset(a, 0, sizeof(*a));
	a->encr = t->id;
	a->encr_bits = t->encr_bits;
	a->integ = integ_of_auth(t->integ);
	a->dh = t->group;
	a->esn = t->esn;
}

struct v1_qm *
v1_qm_find(struct ike_sa *sa, uint32_t id)
{
	for (int i = 0; i < V1_MAX_QM; i++)
		if (sa->v1->qm[i].used && sa->v1->qm[i].msg_id == id)
			return &sa->v1->qm[i];
	return NULL;
}

static struct v1_qm *
qm_new(struct ike_sa *sa)
{
	for (int i = 0; i < V1_MAX_QM; i++)
		if (!sa->v1->qm[i].used) {
			struct v1_qm *q = &sa->v1->qm[i];
			memset(q, 0, sizeof(*q));
			q->used = true;
			q->slot = q->rekey_of = -1;
			return q;
		}
	return NULL;
}

/* a quick mode that failed: its half-made CHILD_SA goes with it */
static void
qm_abort(struct ike_engine *e, struct ike_sa *sa, struct v1_qm *q, const char *why)
{
	log_info("ike %s: quick mode %08x failed: %s", sa->conn->d.name, q->msg_id, why);
	if (q->slot >= 0 && sa->ch[q->slot].state != CH_FREE && !sa->ch[q->slot].routed)
		ike_child_remove(e, sa, &sa->ch[q->slot]);
	v1_qm_free(q);
}

static void
put_ke(struct ike_buf *b, struct ike_dh *dh)
{
	uint8_t g[IKE_MAX_DH];
	size_t n = ike_dh_public(dh, g, sizeof(g));

	v1_put_pl(b, V1_KE, g, n);
}

int
v1_qm_start(struct ike_engine *e, struct ike_sa *sa, int rekey_of)
{
	struct v1_prop p[IKE_MAX_CONN_PROPS];
	uint8_t mem[MSG_CAP];
	struct ike_buf b;
	struct v1_qm *q;
	struct child *c;
	unsigned np;
	size_t h;

	if (sa->state != S_ESTABLISHED || sa->v1->ra != V1_RA_DONE || (q = qm_new(sa)) == NULL)
		return -1;
	c = ike_child_free_slot(sa);
	if (c == NULL) {
		v1_qm_free(q);
		return -1;
	}
	memset(c, 0, sizeof(*c));
	c->state = CH_CREATING;
	c->initiator = true;
	c->spi_in = ike_child_spi_new(e);
	c->ts_l = rekey_of >= 0 ? sa->ch[rekey_of].ts_l : sa->conn->local_ts;
	if (rekey_of < 0 && sa->own_vip.family)	/* a client with a virtual IP: from it */
		ike_ts_of_prefix(&(struct ip_prefix){ sa->own_vip,
						      (uint8_t)(ip_alen(sa->own_vip.family) * 8) },
				 &c->ts_l);
	c->ts_r = rekey_of >= 0 ? sa->ch[rekey_of].ts_r : sa->conn->remote_ts;
	q->initiator = true;
	q->slot = (int)(c - sa->ch);
	q->rekey_of = rekey_of;
	q->rekey_spi = rekey_of >= 0 ? sa->ch[rekey_of].spi_in : 0;
	q->started = e->now;
	np = our_props(sa, c->spi_in, p, IKE_MAX_CONN_PROPS);
	do
		ike_random(&q->msg_id, sizeof(q->msg_id));
	while (q->msg_id == 0 || v1_id_seen(sa, q->msg_id));
	v1_id_note(sa, q->msg_id);
	q->nilen = QM_NONCE;
	if (np == 0 || v1_iv_p2(sa, q->msg_id, q->iv) < 0 || ike_random(q->ni, QM_NONCE) < 0 ||
	    (p[0].t[0].group && (q->dh = ike_dh_new(p[0].t[0].group)) == NULL)) {
		qm_abort(e, sa, q, np ? "no key exchange" : "no ESP proposal IKEv1 can carry");
		return -1;
	}
	ike_buf_init(&b, mem, sizeof(mem));
	h = v1_p2_begin(&b, sa, V1_QUICK, q->msg_id);
	v1_put_esp_sa(&b, p, np);
	v1_put_pl(&b, V1_NONCE, q->ni, q->nilen);
	if (q->dh)
		put_ke(&b, q->dh);
	v1_put_id_ts(&b, &c->ts_l);
	v1_put_id_ts(&b, &c->ts_r);
	if (v1_p2_seal(e, sa, q, &b, h, NULL, 0, true) < 0) {
		qm_abort(e, sa, q, "message not built");
		return -1;
	}
	return 0;
}

/* g^xy of a PFS quick mode (dh NULL: none); -1 on a missing or bad KE */
static int
pfs(struct ike_engine *e, struct ike_sa *sa, struct ike_dh *dh, const struct ike_msg *m,
    uint8_t *gxy, size_t *glen)
{
	const struct ike_pl *ke = ike_find(m, V1_KE);

	*glen = 0;
	if (dh == NULL)
		return ke ? -1 : 0;
	*glen = IKE_MAX_DH;
	if (ke == NULL || ike_dh_peer(e, sa, dh, ke->body, ke->len, gxy, glen) < 0) {
		e->st.rx_dropped++;
		log_info("ike %s: quick mode KE missing or invalid", sa->conn->d.name);
		return -1;
	}
	return 0;
}

/* KEYMAT for both SAs, then the pair to the data plane */
static int
install(struct ike_engine *e, struct ike_sa *sa, struct child *c, const uint8_t *gxy,
	size_t glen, const struct v1_qm *q)
{
	struct ike_child_keys k;
	uint8_t km[2 * (IKE_MAX_KEY + IKE_MAX_PRF)];
	/* i->r protects what the quick mode's initiator sends: the responder's SPI */
	uint32_t spi_r = c->initiator ? c->spi_out : c->spi_in;
	uint32_t spi_i = c->initiator ? c->spi_in : c->spi_out;
	int rc = -1;

	memset(&k, 0, sizeof(k));
	k.ekey_len = ike_encr_key_len(c->esp.encr, c->esp.encr_bits);
	k.akey_len = c->esp.integ ? ike_integ_key_len(c->esp.integ) : 0;
	if (k.ekey_len == 0 || k.ekey_len + k.akey_len > sizeof(km) / 2)
		goto out;
	if (v1_keymat(sa, glen ? gxy : NULL, glen, spi_r, q->ni, q->nilen, q->nr, q->nrlen, km,
		      k.ekey_len + k.akey_len) < 0)
		goto out;
	memcpy(k.ei, km, k.ekey_len);
	memcpy(k.ai, km + k.ekey_len, k.akey_len);
	if (v1_keymat(sa, glen ? gxy : NULL, glen, spi_i, q->ni, q->nilen, q->nr, q->nrlen, km,
		      k.ekey_len + k.akey_len) < 0)
		goto out;
	memcpy(k.er, km, k.ekey_len);
	memcpy(k.ar, km + k.ekey_len, k.akey_len);
	rc = ike_child_install_keys(e, sa, c, &k);
out:
	ike_wipe(km, sizeof(km));
	ike_wipe(&k, sizeof(k));
	return rc;
}

/* the new pair carries the traffic; the one it replaces leaves shortly */
static void
take_over(struct ike_engine *e, struct ike_sa *sa, struct child *nc, struct child *old)
{
	if (old == NULL) {
		ike_child_route(e, sa, nc);
		return;
	}
	ike_child_switch(e, sa, nc, old);
	old->state = CH_REKEYED;
	old->rekey_at = 0;
	old->expire_at = e->now + REKEYED_GRACE_MS;
	e->st.child_rekeyed++;
}

/* IDci and IDcr (initiator's, responder's), or none (the peers' addresses) */
static int
ids(const struct ike_sa *sa, const struct ike_msg *m, struct ike_ts *ti, struct ike_ts *tr)
{
	const struct ike_pl *id[2] = { NULL, NULL };
	unsigned n = 0;

	for (unsigned i = 0; i < m->n && n < 3; i++)
		if (m->pl[i].type == V1_ID) {
			if (n < 2)
				id[n] = &m->pl[i];
			n++;
		}
	if (n == 0) {
		struct ip_prefix a = { sa->initiator ? sa->local.addr : sa->remote.addr, 0 };
		struct ip_prefix b = { sa->initiator ? sa->remote.addr : sa->local.addr, 0 };
		a.len = b.len = a.addr.family == AF_INET6 ? 128 : 32;
		ike_ts_of_prefix(&a, ti);
		ike_ts_of_prefix(&b, tr);
		return 0;
	}
	if (n != 2 || v1_id_to_ts(id[0]->body, id[0]->len, ti) < 0 ||
	    v1_id_to_ts(id[1]->body, id[1]->len, tr) < 0)
		return -1;
	return 0;
}

/* a CHILD_SA of ours with these selectors, routed: the one a rekey replaces */
static struct child *
same_ts(struct ike_sa *sa, const struct child *nc)
{
	for (int i = 0; i < MAX_CHILD; i++) {
		struct child *c = &sa->ch[i];
		if (c != nc && c->state == CH_INSTALLED && c->routed &&
		    !memcmp(&c->ts_l, &nc->ts_l, sizeof(c->ts_l)) &&
		    !memcmp(&c->ts_r, &nc->ts_r, sizeof(c->ts_r)))
			return c;
	}
	return NULL;
}

/* a new pair whose time to carry the traffic has come takes it over */
bool
v1_qm_route_due(struct ike_engine *e, struct ike_sa *sa, uint64_t now)
{
	for (int i = 0; i < MAX_CHILD; i++) {
		struct child *c = &sa->ch[i];
		if (c->route_at && now >= c->route_at) {
			c->route_at = 0;
			if (child_up(c) && !c->routed)
				take_over(e, sa, c, same_ts(sa, c));
			return true;
		}
	}
	return false;
}

/* responder: QM1 -> QM2 */
static void
respond(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m, const uint8_t *iv,
	const uint8_t *dig)
{
	const struct ike_conn *c = sa->conn;
	const struct ike_pl *psa = ike_find(m, V1_SA), *pn = ike_find(m, V1_NONCE);
	struct v1_prop ours[IKE_MAX_CONN_PROPS], chosen;
	struct v1_sa_pl sp;
	struct ike_ts ti, tr, vts, ots;
	struct ike_err er;
	struct child *nc;
	struct v1_qm *q;
	uint8_t mem[MSG_CAP], gxy[IKE_MAX_DH];
	struct ike_buf b;
	unsigned no;
	size_t glen, h;
	bool found = false, ts_ok = false;

	if (v1_id_seen(sa, m->h.msg_id) || !v1_hash1_ok(sa, m, NULL, 0)) {
		e->st.rx_dropped++;
		log_info("ike %s: quick mode replayed or with a wrong HASH(1) dropped", c->d.name);
		return;
	}
	if (sa->v1->ra != V1_RA_DONE) {
		/* (its ID not noted: once XAUTH is done, its retransmission
		 * is taken) */
		e->st.rx_dropped++;
		log_info("ike %s: quick mode before XAUTH or Mode Config finished: not yet",
			 c->d.name);
		return;
	}
	v1_id_note(sa, m->h.msg_id);
	if (psa == NULL || pn == NULL || pn->len < 8 || pn->len > IKE_MAX_NONCE ||
	    v1_sa_parse(psa, false, &sp, &er) < 0 || ids(sa, m, &ti, &tr) < 0) {
		e->st.rx_dropped++;
		log_info("ike %s: quick mode malformed", c->d.name);
		return;
	}
	if ((q = qm_new(sa)) == NULL || (nc = ike_child_free_slot(sa)) == NULL) {
		if (q)
			v1_qm_free(q);
		log_info("ike %s: quick mode refused: too many CHILD_SAs", c->d.name);
		return;
	}
	memset(nc, 0, sizeof(*nc));
	no = our_props(sa, 0, ours, IKE_MAX_CONN_PROPS);
	/* the peer's proposals in its order, each transform against ours */
	for (unsigned i = 0; i < sp.n && !found; i++) {
		if (sp.p[i].proto != V1_PROTO_ESP)
			continue;
		for (unsigned t = 0; t < sp.p[i].n && !found; t++)
			for (unsigned o = 0; o < no && !found; o++)
				for (unsigned ot = 0; ot < ours[o].n && !found; ot++)
					if (xform_match(sa, &ours[o].t[ot], &sp.p[i].t[t])) {
						chosen = sp.p[i];
						chosen.n = 1;
						chosen.t[0] = sp.p[i].t[t];
						found = true;
					}
	}
	for (unsigned p = 0; p <= c->n_more && found && !ts_ok; p++) {
		const struct ike_ts *wl = p ? &c->more_l[p - 1] : &c->local_ts;
		const struct ike_ts *wr = p ? &c->more_r[p - 1] : &c->remote_ts;
		/* a peer with a virtual IP of this family: that address only;
		 * ours as a client: that address */
		if (ike_ra_vip_ts(sa, ti.type == TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET, &vts))
			wr = &vts;
		if (sa->own_vip.family == (tr.type == TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET)) {
			ike_ts_of_prefix(&(struct ip_prefix){ sa->own_vip, (uint8_t)(
				ip_alen(sa->own_vip.family) * 8) }, &ots);
			wl = &ots;
		}
		ts_ok = ike_ts_narrow(&ti, wr, &nc->ts_r) && ike_ts_narrow(&tr, wl, &nc->ts_l);
	}
	if (!found || !ts_ok) {
		memset(nc, 0, sizeof(*nc));
		v1_qm_free(q);
		log_info("ike %s: quick mode refused: %s", c->d.name,
			 found ? "selectors unacceptable" : "no proposal chosen");
		return;
	}
	ike_ts_prefix(&nc->ts_l);
	ike_ts_prefix(&nc->ts_r);
	/* a new pair (not a rekey: other selectors) beyond max_children */
	if (same_ts(sa, nc) == NULL && ike_live_children(sa) >= c->d.max_children) {
		memset(nc, 0, sizeof(*nc));
		v1_qm_free(q);
		log_info("ike %s: quick mode refused: %u CHILD_SAs already (max_children)",
			 c->d.name, ike_live_children(sa));
		return;
	}
	algs_of(&chosen.t[0], &nc->esp);
	nc->state = CH_CREATING;
	nc->spi_in = ike_child_spi_new(e);
	nc->spi_out = chosen.spi;
	nc->prop_num = chosen.num;
	q->slot = (int)(nc - sa->ch);
	q->msg_id = m->h.msg_id;
	q->started = e->now;
	memcpy(q->iv, iv, V1_BLK);
	memcpy(q->last_rx, dig, 32);
	memcpy(q->ni, pn->body, pn->len);
	q->nilen = pn->len;
	q->nrlen = QM_NONCE;
	ike_random(q->nr, QM_NONCE);
	if (nc->esp.dh && (q->dh = ike_dh_new(nc->esp.dh)) == NULL) {
		qm_abort(e, sa, q, "no key exchange");
		return;
	}
	if (pfs(e, sa, q->dh, m, gxy, &glen) < 0) {
		qm_abort(e, sa, q, "PFS key exchange");
		return;
	}
	chosen.spi = nc->spi_in;
	ike_buf_init(&b, mem, sizeof(mem));
	h = v1_p2_begin(&b, sa, V1_QUICK, q->msg_id);
	v1_put_esp_sa(&b, &chosen, 1);
	v1_put_pl(&b, V1_NONCE, q->nr, q->nrlen);
	if (q->dh)
		put_ke(&b, q->dh);
	v1_put_id_ts(&b, &nc->ts_r);
	v1_put_id_ts(&b, &nc->ts_l);
	if (chosen.t[0].life_s > child_life(c) && child_life(c)) {
		/* ours is shorter: say so (IPsec DOI 4.6.3.1) */
		uint8_t spi[4] = { nc->spi_in >> 24, nc->spi_in >> 16, nc->spi_in >> 8, nc->spi_in };
		uint8_t life[12] = { 0x80, P2_LIFE_TYPE, 0, LIFE_SECONDS, 0, P2_LIFE, 0, 4 };
		uint32_t l = child_life(c);
		life[8] = (uint8_t)(l >> 24);
		life[9] = (uint8_t)(l >> 16);
		life[10] = (uint8_t)(l >> 8);
		life[11] = (uint8_t)l;
		v1_put_notify(&b, V1_PROTO_ESP, V1N_RESPONDER_LIFETIME, spi, 4, life, sizeof(life));
	}
	/* in now, out (the route) once QM3 proves the initiator has its keys */
	if (install(e, sa, nc, gxy, glen, q) < 0 ||
	    v1_p2_seal(e, sa, q, &b, h, q->ni, q->nilen, true) < 0) {
		ike_wipe(gxy, sizeof(gxy));
		qm_abort(e, sa, q, "install failed");
		return;
	}
	ike_wipe(gxy, sizeof(gxy));
	ike_dh_free(q->dh);
	q->dh = NULL;
	shorten(e, nc, chosen.t[0].life_s);
}

/* initiator: QM2 -> QM3, the pair installed and routed */
static void
complete(struct ike_engine *e, struct ike_sa *sa, struct v1_qm *q, const struct ike_msg *m,
	 const uint8_t *iv, const uint8_t *dig)
{
	const struct ike_pl *psa = ike_find(m, V1_SA), *pn = ike_find(m, V1_NONCE);
	struct v1_prop ours[IKE_MAX_CONN_PROPS];
	struct child *c = &sa->ch[q->slot], *old = NULL;
	struct v1_sa_pl sp;
	struct ike_ts ti, tr;
	struct ike_err er;
	uint8_t mem[256], gxy[IKE_MAX_DH], zero = 0, h3[IKE_MAX_PRF];
	uint8_t mid[4] = { q->msg_id >> 24, q->msg_id >> 16, q->msg_id >> 8, q->msg_id };
	struct ike_buf b;
	unsigned no = our_props(sa, 0, ours, IKE_MAX_CONN_PROPS);
	size_t glen, hl;
	bool ok = false;

	if (!v1_hash1_ok(sa, m, q->ni, q->nilen)) {
		e->st.rx_dropped++;
		log_info("ike %s: quick mode with a wrong HASH(2) dropped", sa->conn->d.name);
		return;
	}
	/* authentic: its CBC chain and digest are ours now */
	memcpy(q->iv, iv, V1_BLK);
	memcpy(q->last_rx, dig, 32);
	if (psa == NULL || pn == NULL || pn->len < 8 || pn->len > IKE_MAX_NONCE ||
	    v1_sa_parse(psa, false, &sp, &er) < 0 || sp.n != 1 || sp.p[0].n != 1 ||
	    sp.p[0].proto != V1_PROTO_ESP || ids(sa, m, &ti, &tr) < 0) {
		qm_abort(e, sa, q, "malformed response");
		return;
	}
	for (unsigned o = 0; o < no && !ok; o++)
		for (unsigned t = 0; t < ours[o].n && !ok; t++)
			ok = xform_match(sa, &ours[o].t[t], &sp.p[0].t[0]);
	/* the responder may narrow, to prefixes we can hold */
	if (!ok || !ike_ts_narrow(&ti, &c->ts_l, &ti) || !ike_ts_narrow(&tr, &c->ts_r, &tr) ||
	    ike_ts_to_prefix(&ti, &(struct ip_prefix){ 0 }) < 0 ||
	    ike_ts_to_prefix(&tr, &(struct ip_prefix){ 0 }) < 0) {
		qm_abort(e, sa, q, ok ? "selectors unacceptable" : "the responder chose what we did "
			 "not offer");
		return;
	}
	c->ts_l = ti;
	c->ts_r = tr;
	algs_of(&sp.p[0].t[0], &c->esp);
	c->spi_out = sp.p[0].spi;
	memcpy(q->nr, pn->body, pn->len);
	q->nrlen = pn->len;
	if (pfs(e, sa, q->dh, m, gxy, &glen) < 0) {
		qm_abort(e, sa, q, "PFS key exchange");
		return;
	}
	if (install(e, sa, c, gxy, glen, q) < 0) {
		ike_wipe(gxy, sizeof(gxy));
		qm_abort(e, sa, q, "install failed");
		return;
	}
	ike_wipe(gxy, sizeof(gxy));
	if (q->rekey_of >= 0 && sa->ch[q->rekey_of].spi_in == q->rekey_spi &&
	    sa->ch[q->rekey_of].state == CH_INSTALLED)
		old = &sa->ch[q->rekey_of];
	/*
	 * The responder installs its inbound SA when QM3 arrives: traffic
	 * moves to the new pair a little after QM3 leaves, not before the
	 * peer can take it (the old pair carries it meanwhile).
	 */
	if (old) {
		c->route_at = e->now + ROUTE_DELAY_MS;
		old->rekey_at = 0;
	} else {
		take_over(e, sa, c, NULL);
	}
	shorten(e, c, responder_lifetime(m));
	/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
	ike_buf_init(&b, mem, sizeof(mem));
	v1_hdr_put(&b, sa->spi_i, sa->spi_r, V1_QUICK, 0, q->msg_id);
	hl = ike_pl_begin(&b, V1_HASH);
	struct ike_iov v[] = { { &zero, 1 }, { mid, 4 }, { q->ni, q->nilen }, { q->nr, q->nrlen } };
	if (v1_hash_a(sa, v, 4, h3) == 0)
		ike_put(&b, h3, sa->v1->plen);
	ike_pl_end(&b, hl);
	if (v1_encrypt(sa->v1, &b, q->iv)) {
		free(q->tx);
		q->tx = malloc(b.len);
		if (q->tx) {
			memcpy(q->tx, b.p, b.len);
			q->tx_len = b.len;
		}
		v1_send(e, sa, b.p, b.len);
	}
	q->awaits = false;
	q->done = true;
	q->sent_at = e->now;
	ike_dh_free(q->dh);
	q->dh = NULL;
}

/* responder: QM3, and the pair takes the traffic */
static void
confirmed(struct ike_engine *e, struct ike_sa *sa, struct v1_qm *q, const struct ike_msg *m)
{
	const struct ike_pl *h = m->n == 1 ? &m->pl[0] : NULL;
	uint8_t exp[IKE_MAX_PRF], zero = 0;
	uint8_t mid[4] = { q->msg_id >> 24, q->msg_id >> 16, q->msg_id >> 8, q->msg_id };
	struct child *c = &sa->ch[q->slot];

	struct ike_iov v[] = { { &zero, 1 }, { mid, 4 }, { q->ni, q->nilen }, { q->nr, q->nrlen } };
	if (h == NULL || h->type != V1_HASH || h->len != sa->v1->plen ||
	    v1_hash_a(sa, v, 4, exp) < 0 || CRYPTO_memcmp(exp, h->body, h->len) != 0) {
		e->st.rx_dropped++;
		log_info("ike %s: quick mode with a wrong HASH(3) dropped", sa->conn->d.name);
		return;
	}
	if (child_up(c))
		take_over(e, sa, c, same_ts(sa, c));
	v1_qm_free(q);
}

void
v1_qm_input(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m, const uint8_t *iv,
	    const uint8_t *dig)
{
	struct v1_qm *q = v1_qm_find(sa, m->h.msg_id);

	if (!(m->h.flags & V1_FLAG_E)) {
		e->st.rx_dropped++;
		return;
	}
	sa->last_heard = e->now;
	if (q == NULL) {
		respond(e, sa, m, iv, dig);
		return;
	}
	if (q->initiator && !q->done)
		complete(e, sa, q, m, iv, dig);
	else if (!q->initiator)
		confirmed(e, sa, q, m);
	else
		e->st.rx_dropped++;
}

/* retransmissions of quick modes, and the end of finished ones; true if
 * it did something */
bool
v1_qm_step(struct ike_engine *e, struct ike_sa *sa, uint64_t now)
{
	for (int i = 0; i < V1_MAX_QM; i++) {
		struct v1_qm *q = &sa->v1->qm[i];
		if (!q->used)
			continue;
		if (!q->awaits) {
			if (now - q->sent_at >= QM_KEEP_MS) {
				v1_qm_free(q);
				return true;
			}
			continue;
		}
		switch (v1_p2_resend(e, sa, q, now)) {
		case 0:
			continue;
		case -1:
			qm_abort(e, sa, q, "no answer");
			break;
		}
		return true;
	}
	return false;
}

