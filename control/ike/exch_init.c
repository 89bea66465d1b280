/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_SA_INIT (1.2), both roles: proposals, key exchange, nonces,
 * cookies and the half-open limits (2.6), NAT detection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

static int
send_init_request(struct ike_engine *e, struct ike_sa *sa, const uint8_t *cookie,
		  size_t cookie_len)
{
	uint8_t mem[MSG_CAP];
	struct ike_buf b;
	struct ike_hdr h;
	size_t n;

	/* a cookie retry repeats the request: the cookie covers our nonce (2.6) */
	if (cookie == NULL || sa->dh == NULL) {
		ike_dh_free(sa->dh);
		sa->dh = ike_dh_new(sa->dh_group);
		if (sa->dh == NULL)
			return -1;
		sa->nilen = NONCE_LEN;
		ike_random(sa->ni, sa->nilen);
	}
	ike_hdr_for(sa, &h, IKE_SA_INIT, false, 0);
	ike_buf_init(&b, mem, sizeof(mem));
	ike_hdr_put(&b, &h);
	if (cookie)
		ike_put_notify(&b, 0, N_COOKIE, NULL, 0, cookie, cookie_len);
	ike_put_sa(&b, sa->conn->ike, sa->conn->n_ike);
	ike_put_ke(&b, sa);
	ike_put_nonce(&b, sa->ni, sa->nilen);
	ike_put_nat_notifies(&b, sa);
	ike_put_sig_hashes(&b);
	if (sa->conn->d.fragment_size)
		ike_put_notify(&b, 0, N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
	ike_put_redirect_info(&b, sa);
	n = ike_msg_finish(&b);
	if (n == 0)
		return -1;
	free(sa->msg1);
	sa->msg1 = malloc(n);
	if (sa->msg1 == NULL)
		return -1;
	memcpy(sa->msg1, mem, n);
	sa->msg1_len = n;
	sa->state = S_INIT_SENT;
	sa->my_id = 0;
	ike_send_plain(e, sa, mem, n, false);
	return 0;
}

/* a new IKE SA of c to `to` (redirected there by the peer of `from`, or
 * NULL): its IKE_SA_INIT sent */
static struct ike_sa *
start_to(struct ike_engine *e, const struct ike_conn *c, const struct ip_addr *to,
	 const struct ike_sa *from)
{
	struct ike_sa *sa = ike_sa_new(e, c, true);

	if (sa == NULL)
		return NULL;
	ike_sa_index(e, sa);
	sa->local = (struct ike_ep){ c->d.local, IKE_PORT };
	sa->remote = (struct ike_ep){ *to, IKE_PORT };
	if (from) {
		sa->redirected_from = from->remote.addr;
		sa->redirects = from->redirects + 1;
	}
	for (unsigned i = 0; i < c->ike[0].n; i++)
		if (c->ike[0].t[i].type == TT_DH) {
			sa->dh_group = c->ike[0].t[i].id;
			break;
		}
	if (send_init_request(e, sa, NULL, 0) < 0) {
		sa->state = S_DEAD;
		return NULL;
	}
	log_info("ike %s: initiating IKE_SA %016lx", c->d.name, (unsigned long)sa->spi_i);
	return sa;
}

int
ike_initiate(struct ike_engine *e, const char *name, uint64_t now, char *err, size_t el)
{
	const struct ike_conn *c = ike_conn_by_name(e, name);

	e->now = now;
	if (c == NULL || c->d.remote.family == 0) {
		snprintf(err, el, c ? "connection %s has no remote address" : "no connection %s",
			 name);
		return -1;
	}
	if (c->d.xauth == CONN_XAUTH_SERVER) {
		snprintf(err, el, "connection %s is an XAUTH server: its clients initiate", name);
		return -1;
	}
	if (c->d.version == 1) {
		if (v1_p1_start(e, c, 0) == 0)
			return 0;
		snprintf(err, el, "connection %s: no IKEv1 proposal (AES-CBC, SHA-2, a group) "
			 "or no PSK", name);
		return -1;
	}
	if (start_to(e, c, &c->d.remote, NULL) == NULL) {
		snprintf(err, el, "cannot build IKE_SA_INIT");
		return -1;
	}
	return 0;
}

void
ike_follow_redirect(struct ike_engine *e, struct ike_sa *sa, const struct ip_addr *to)
{
	const struct ike_conn *c = sa->conn;
	char a[IP_ADDR_STRLEN];

	if (sa->redirects >= 5 || to->family != c->d.local.family) {
		ike_sa_kill(e, sa, sa->redirects >= 5 ? "redirected too often" :
				   "redirected to another address family");
		return;
	}
	log_info("ike %s: redirected to %s (RFC 5685)", c->d.name,
		 ip_addr_fmt(to, a, sizeof(a)));
	start_to(e, c, to, sa);
	if (sa->state == S_ESTABLISHED)
		sa->retire_on_redirect = true;	/* until its successor is up */
	else
		ike_sa_kill(e, sa, "redirected");
}

static int
derive_keys(struct ike_engine *e, struct ike_sa *sa, const struct ike_algs *a,
	    const uint8_t *peer_ke, size_t kelen)
{
	uint8_t gir[IKE_MAX_DH];
	size_t glen;
	int rc;

	if (ike_dh_peer(e, sa, sa->dh, peer_ke, kelen, gir, &glen) < 0)
		return -1;
	rc = ike_derive_ike_keys(&sa->keys, a, gir, glen, sa->ni, sa->nilen, sa->nr, sa->nrlen,
				 sa->spi_i, sa->spi_r, NULL, 0);
	ike_wipe(gir, sizeof(gir));
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	return rc;
}


/* SA, KE and Nonce of an IKE_SA_INIT message, matched against c's proposals */
struct init_pls {
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	unsigned np, chosen;
	struct ike_algs a;
	uint16_t group;
	const uint8_t *ke;
	size_t kelen;
	const struct ike_pl *nonce;
};

enum { INIT_MISSING = -1, INIT_BAD_NONCE = -2, INIT_SYNTAX = -3, INIT_NO_PROPOSAL = -4 };

static int
init_payloads(const struct ike_msg *m, const struct ike_conn *c, struct init_pls *x)
{
	const struct ike_pl *psa = ike_find(m, PL_SA), *pke = ike_find(m, PL_KE);
	struct ike_err er;

	x->nonce = ike_find(m, PL_NONCE);
	if (psa == NULL || pke == NULL || x->nonce == NULL)
		return INIT_MISSING;
	if (x->nonce->len < 16 || x->nonce->len > IKE_MAX_NONCE)
		return INIT_BAD_NONCE;
	if (ike_sa_parse(psa, x->props, IKE_MAX_PROPOSALS, &x->np, &er) < 0 ||
	    ike_ke_parse(pke, &x->group, &x->ke, &x->kelen, &er) < 0)
		return INIT_SYNTAX;
	if (ike_proposal_select(x->props, x->np, c->ike, c->n_ike, false, false, &x->a,
				&x->chosen) < 0)
		return INIT_NO_PROPOSAL;
	return 0;
}

/*
 * Stateless cookie (2.6): version | SHA-256(Ni | IPi | SPIi | secret)
 * truncated to 16 bytes. The secret changes every 5 minutes; cookies of
 * the previous one still count.
 */
static void
cookie_of(struct ike_engine *e, uint8_t ver, const struct ike_msg *m, const struct ike_pl *pn,
	  const struct ike_ep *remote, uint8_t out[17])
{
	uint8_t buf[IKE_MAX_NONCE + 16 + 8 + 32], md[32];
	size_t n = 0;
	unsigned al = ip_alen(remote->addr.family);

	memcpy(buf, pn->body, pn->len);
	n += pn->len;
	memcpy(buf + n, remote->addr.a, al);
	n += al;
	for (int i = 7; i >= 0; i--)
		buf[n++] = m->h.spi_i >> (8 * i);
	memcpy(buf + n, e->secret[ver == e->secret_ver ? 0 : 1], 32);
	n += 32;
	EVP_Digest(buf, n, md, NULL, EVP_sha256(), NULL);
	out[0] = ver;
	memcpy(out + 1, md, 16);
	ike_wipe(buf, sizeof(buf));
}

static bool
cookie_ok(struct ike_engine *e, const struct ike_msg *m, const struct ike_pl *pn,
	  const struct ike_ep *remote)
{
	struct ike_notify_pl n;
	uint8_t want[17];

	if (ike_find_notify(m, N_COOKIE, &n) == NULL || n.data_len != 17 ||
	    (n.data[0] != e->secret_ver && n.data[0] != (uint8_t)(e->secret_ver - 1)))
		return false;
	cookie_of(e, n.data[0], m, pn, remote, want);
	return CRYPTO_memcmp(want, n.data, 17) == 0;
}

/* half-open SAs from one address */
static unsigned
half_open_from(struct ike_engine *e, const struct ike_ep *remote)
{
	unsigned n = 0;

	for (struct ike_sa *sa = e->half_open_list; sa; sa = sa->ho_next)
		n += ip_addr_eq(&sa->remote.addr, &remote->addr);
	return n;
}

void
ike_set_limits(struct ike_engine *e, unsigned cookie_threshold, unsigned per_source)
{
	e->cookie_threshold = cookie_threshold;
	e->half_open_per_source = per_source;
}

void
ike_init_request(struct ike_engine *e, const struct ike_msg *m, const struct ike_ep *local,
	     const struct ike_ep *remote)
{
	const struct ike_conn *c = ike_conn_for(e, local, remote);
	struct init_pls x;
	struct ike_sa *sa;
	int rc;
	uint8_t mem[MSG_CAP];
	struct ike_buf b;
	struct ike_hdr h;
	struct ike_proposal sel;

	/* a retransmitted request: answer with the same response */
	for (sa = e->by_peer[ike_spi_hash(m->h.spi_i)]; sa; sa = sa->hnext_peer)
		if (!sa->initiator && sa->spi_i == m->h.spi_i && sa->state != S_DEAD &&
		    ip_addr_eq(&sa->remote.addr, &remote->addr)) {
			if (sa->have_resp && sa->peer_id == 1 && sa->state == S_INIT_DONE)
				ike_xmit(e, sa, sa->resp, sa->resp_len);
			return;
		}
	if (c == NULL) {
		e->st.rx_dropped++;
		return;
	}
	/* under load, no state and no DH before the initiator proves its address */
	if (e->half_open >= e->cookie_threshold) {
		const struct ike_pl *pn = ike_find(m, PL_NONCE);
		if (pn == NULL || pn->len < 16 || pn->len > IKE_MAX_NONCE) {
			e->st.rx_dropped++;
			return;
		}
		if (e->now - e->secret_at > 300000) {
			memcpy(e->secret[1], e->secret[0], 32);
			ike_random(e->secret[0], 32);
			e->secret_ver++;
			e->secret_at = e->now;
		}
		if (!cookie_ok(e, m, pn, remote)) {
			uint8_t ck[17];
			cookie_of(e, e->secret_ver, m, pn, remote, ck);
			e->st.cookies_sent++;
			ike_send_init_error(e, &m->h, local, remote, N_COOKIE, ck, sizeof(ck));
			return;
		}
	}
	if (e->half_open && half_open_from(e, remote) >= e->half_open_per_source) {
		e->st.half_open_refused++;
		return;
	}
	if (ike_redirect_init(e, c, m, local, remote))
		return;
	rc = init_payloads(m, c, &x);
	if (rc == INIT_NO_PROPOSAL) {
		ike_send_init_error(e, &m->h, local, remote, N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (rc < 0) {
		e->st.rx_dropped++;
		if (rc != INIT_BAD_NONCE)
			ike_send_init_error(e, &m->h, local, remote, N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (x.group != x.a.dh) {
		uint8_t g[2] = { x.a.dh >> 8, x.a.dh & 255 };
		ike_send_init_error(e, &m->h, local, remote, N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	sa = ike_sa_new(e, c, false);
	if (sa == NULL)
		return;
	sa->spi_i = m->h.spi_i;
	ike_sa_index(e, sa);
	sa->local = *local;
	sa->remote = *remote;
	sa->dh_group = x.group;
	sa->dh = ike_dh_new(x.group);
	sa->nilen = x.nonce->len;
	memcpy(sa->ni, x.nonce->body, x.nonce->len);
	sa->nrlen = NONCE_LEN;
	ike_random(sa->nr, sa->nrlen);
	sa->msg1 = malloc(m->raw_len);
	if (sa->dh == NULL || sa->msg1 == NULL) {
		sa->state = S_DEAD;
		return;
	}
	memcpy(sa->msg1, m->raw, m->raw_len);
	sa->msg1_len = m->raw_len;
	sa->natt = ike_nat_detected(m, sa);
	sa->frag = c->d.fragment_size && ike_has_notify(m, N_IKEV2_FRAGMENTATION_SUPPORTED);
	sa->digsig = ike_has_notify(m, N_SIGNATURE_HASH_ALGORITHMS);
	/* RFC 6023: the responder announces it, the initiator may use it */
	sa->childless = c->d.childless != CONN_CHILDLESS_NEVER;
	sa->redirect_ok = ike_has_notify(m, N_REDIRECT_SUPPORTED);
	/* response: SAr1, KEr, Nr, NAT detection */
	ike_hdr_for(sa, &h, IKE_SA_INIT, true, 0);
	ike_buf_init(&b, mem, sizeof(mem));
	ike_hdr_put(&b, &h);
	sel = x.props[x.chosen];
	sel.spi_size = 0;
	sel.n = 0;
	sel.t[sel.n++] = (struct ike_transform){ TT_ENCR, x.a.encr, x.a.encr_bits };
	sel.t[sel.n++] = (struct ike_transform){ TT_PRF, x.a.prf, 0 };
	if (x.a.integ)
		sel.t[sel.n++] = (struct ike_transform){ TT_INTEG, x.a.integ, 0 };
	sel.t[sel.n++] = (struct ike_transform){ TT_DH, x.a.dh, 0 };
	ike_put_sa(&b, &sel, 1);
	ike_put_ke(&b, sa);
	ike_put_nonce(&b, sa->nr, sa->nrlen);
	ike_put_nat_notifies(&b, sa);
	ike_put_sig_hashes(&b);
	ike_put_certreq(&b, c);
	if (sa->frag)
		ike_put_notify(&b, 0, N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
	if (c->d.childless != CONN_CHILDLESS_NEVER)
		ike_put_notify(&b, 0, N_CHILDLESS_IKEV2_SUPPORTED, NULL, 0, NULL, 0);
	if (ike_msg_finish(&b) == 0 || derive_keys(e, sa, &x.a, x.ke, x.kelen) < 0) {
		/* (a bad KE: INVALID_SYNTAX, no state) */
		ike_send_init_error(e, &m->h, local, remote, N_INVALID_SYNTAX, NULL, 0);
		sa->state = S_DEAD;
		e->st.rx_dropped++;
		return;
	}
	sa->msg2 = malloc(b.len);
	if (sa->msg2 == NULL) {
		sa->state = S_DEAD;
		return;
	}
	memcpy(sa->msg2, mem, b.len);
	sa->msg2_len = b.len;
	sa->state = S_INIT_DONE;
	ike_half_open_add(e, sa);
	sa->peer_id = 1;
	ike_send_plain(e, sa, mem, b.len, true);
}

void
ike_init_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_notify_pl n;
	struct init_pls x;
	struct ike_err er;

	if (ike_find_notify(m, N_REDIRECT, &n)) {
		/* (a REDIRECT must carry our nonce: else forged or stale) */
		struct ip_addr to;
		if (sa->conn->d.redirect_ignore || ike_redirect_parse(&n, sa->ni, sa->nilen, &to) < 0)
			ike_sa_kill(e, sa, "redirected (not followed)");
		else
			ike_follow_redirect(e, sa, &to);
		return;
	}
	if (ike_find_notify(m, N_COOKIE, &n) && n.data_len >= 1 && n.data_len <= 64) {
		uint8_t cookie[64];
		if (++sa->cookie_tries > 3) {
			ike_sa_kill(e, sa, "the responder keeps asking for cookies");
			return;
		}
		memcpy(cookie, n.data, n.data_len);
		send_init_request(e, sa, cookie, n.data_len);
		return;
	}
	if (ike_find_notify(m, N_INVALID_KE_PAYLOAD, &n) && n.data_len == 2) {
		uint16_t g = (uint16_t)(n.data[0] << 8 | n.data[1]);
		struct ike_transform t = { TT_DH, g, 0 };
		bool ours = false;
		for (unsigned i = 0; i < sa->conn->n_ike; i++)
			ours |= ike_offers(&sa->conn->ike[i], &t);
		if (!ours || g == sa->dh_group) {
			ike_sa_kill(e, sa, "peer wants a group we do not offer");
			return;
		}
		log_info("ike %s: peer asks for group %u", sa->conn->d.name, g);
		sa->dh_group = g;
		send_init_request(e, sa, NULL, 0);
		return;
	}
	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].type == PL_NOTIFY && ike_notify_parse(&m->pl[i], &n, &er) == 0 &&
		    n.type <= N_ERROR_MAX) {
			char why[80];
			snprintf(why, sizeof(why), "IKE_SA_INIT refused: %s", ike_notify_name(n.type));
			ike_sa_kill(e, sa, why);
			return;
		}
	/* the responder picks exactly one of our proposals, for our KE group */
	if (m->h.spi_r == 0 || init_payloads(m, sa->conn, &x) < 0 || x.np != 1 ||
	    x.group != x.a.dh || x.group != sa->dh_group) {
		e->st.rx_dropped++;
		ike_sa_kill(e, sa, "unacceptable IKE_SA_INIT response");
		return;
	}
	sa->spi_r = m->h.spi_r;
	sa->nrlen = x.nonce->len;
	memcpy(sa->nr, x.nonce->body, x.nonce->len);
	free(sa->msg2);
	sa->msg2 = malloc(m->raw_len);
	if (sa->msg2 == NULL)
		return;
	memcpy(sa->msg2, m->raw, m->raw_len);
	sa->msg2_len = m->raw_len;
	if (derive_keys(e, sa, &x.a, x.ke, x.kelen) < 0) {
		ike_sa_kill(e, sa, "bad key exchange value");
		return;
	}
	free(sa->req);
	sa->req = NULL;
	sa->my_id = 1;
	sa->natt = ike_nat_detected(m, sa);
	sa->frag = sa->conn->d.fragment_size && ike_has_notify(m, N_IKEV2_FRAGMENTATION_SUPPORTED);
	sa->digsig = ike_has_notify(m, N_SIGNATURE_HASH_ALGORITHMS);
	sa->childless = sa->conn->d.childless != CONN_CHILDLESS_NEVER &&
			ike_has_notify(m, N_CHILDLESS_IKEV2_SUPPORTED);
	if (sa->conn->d.childless == CONN_CHILDLESS_FORCE && !sa->childless) {
		ike_sa_kill(e, sa, "the peer does not take childless IKE SAs (childless: force)");
		return;
	}
	if (sa->natt || ike_mobike_wanted(sa)) {
		/* 2.23: float to 4500 from IKE_AUTH on; with MOBIKE too, for
		 * a NAT that may come later (RFC 4555 3.3) */
		sa->local.port = IKE_NATT_PORT;
		sa->remote.port = IKE_NATT_PORT;
	}
	ike_send_auth_request(e, sa);
}

void
ike_dpd_action(struct ike_engine *e, const struct ike_conn *c)
{
	char err[160];

	if (c->d.dpd_action != CONN_DPD_RESTART || c->d.remote.family == 0 || c->removed)
		return;
	log_info("ike %s: the peer is dead: initiating anew (dpd_action: restart)", c->d.name);
	if (ike_initiate(e, c->d.name, e->now, err, sizeof(err)) < 0)
		log_warn("ike %s: %s", c->d.name, err);
}
