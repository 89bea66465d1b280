/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1's transaction exchange (draft-dukes-ike-mode-cfg-02: HDR*, HASH,
 * ATTR; HASH = prf(SKEYID_a, M-ID | ATTR), each exchange's IV chained from
 * phase 1 like an informational one) carrying remote access after phase 1:
 *
 *   XAUTH (draft-beaulieu-ike-xauth-02), the server asking:
 *     REQUEST(USER_NAME, USER_PASSWORD)  ->  REPLY(USER_NAME, USER_PASSWORD)
 *     SET(STATUS = 1 or 0)               ->  ACK
 *   Mode Config, pulled by the client:
 *     REQUEST(INTERNAL_IP4/6_ADDRESS)    ->  REPLY(address, DNS servers)
 *
 * espgw serves both (users and pools of remote.c) and speaks the client's
 * side too, for its tests and benchmarks. Quick mode waits until they are
 * done (v1_sa.ra); then v1_settle. Each side's one outstanding exchange
 * is retransmitted; the peer's repeated request draws our reply again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/v1.h"

/* a transaction message being built: the header, HASH's room, an ATTR
 * payload begun */
struct cfg_msg {
	uint8_t mem[768];
	struct ike_buf b;
	size_t h, a;
};

static void
msg_begin(struct cfg_msg *m, const struct ike_sa *sa, const struct v1_qm *q, uint8_t type,
	  uint16_t ident)
{
	ike_buf_init(&m->b, m->mem, sizeof(m->mem));
	m->h = v1_p2_begin(&m->b, sa, V1_TRANSACTION, q->msg_id);
	m->a = ike_pl_begin(&m->b, V1_ATTR);
	ike_put8(&m->b, type);
	ike_put8(&m->b, 0);
	ike_put16(&m->b, ident);
}

/* sealed and sent (kept in q); a request awaits its answer */
static void
msg_send(struct ike_engine *e, struct ike_sa *sa, struct v1_qm *q, struct cfg_msg *m,
	 bool request)
{
	ike_pl_end(&m->b, m->a);
	if (v1_p2_seal(e, sa, q, &m->b, m->h, NULL, 0, request) < 0)
		log_warn("ike %s: transaction message not built", sa->conn->d.name);
	ike_wipe(m->mem, sizeof(m->mem));	/* (a password, maybe) */
}

static void
tx_reset(struct v1_qm *q)
{
	v1_qm_free(q);
	memset(q, 0, sizeof(*q));
}

/* a new exchange of ours: its message ID and IV */
static struct v1_qm *
our_request(struct ike_sa *sa)
{
	struct v1_qm *q = &sa->v1->tx[0];

	tx_reset(q);
	do
		ike_random(&q->msg_id, sizeof(q->msg_id));
	while (q->msg_id == 0 || v1_id_seen(sa, q->msg_id));
	v1_id_note(sa, q->msg_id);
	if (v1_iv_p2(sa, q->msg_id, q->iv) < 0)
		return NULL;
	q->used = q->initiator = true;
	return q;
}

/* ---- XAUTH server ---- */

static void
xauth_request(struct ike_engine *e, struct ike_sa *sa)
{
	struct v1_qm *q = our_request(sa);
	struct cfg_msg m;

	if (q == NULL)
		return;
	msg_begin(&m, sa, q, CFG_REQUEST, 0);
	v1_put_tlv(&m.b, XA_USER_NAME, NULL, 0);
	v1_put_tlv(&m.b, XA_USER_PASSWORD, NULL, 0);
	msg_send(e, sa, q, &m, true);
}

static void
xauth_status(struct ike_engine *e, struct ike_sa *sa, bool ok)
{
	struct v1_qm *q = our_request(sa);
	struct cfg_msg m;

	if (q == NULL)
		return;
	sa->v1->xauth_ok = ok;
	sa->v1->ra = V1_RA_XAUTH_ACK;
	msg_begin(&m, sa, q, CFG_SET, 0);
	v1_put_tv(&m.b, XA_STATUS, ok);
	msg_send(e, sa, q, &m, true);
}

/* the client's REPLY: its user name and password against the users */
static void
xauth_reply(struct ike_engine *e, struct ike_sa *sa, const struct v1_cfg_pl *c)
{
	const struct v1_cattr *u = v1_cfg_attr(c, XA_USER_NAME), *p = v1_cfg_attr(c, XA_USER_PASSWORD);
	bool ok = u && p && ike_users_check(e->users, u->val, u->len, p->val, p->len);
	char name[USER_NAME_LEN], a[IP_ADDR_STRLEN];

	snprintf(name, sizeof(name), "%.*s", u && u->len < sizeof(name) ? (int)u->len : 0,
		 u ? (const char *)u->val : "");
	for (char *s = name; *s; s++)	/* for the log: printable only */
		if (*s < 0x20 || *s == 0x7f)
			*s = '?';
	if (ok) {
		e->st.xauth_ok++;
		snprintf(sa->user, sizeof(sa->user), "%s", name);
		log_info("ike %s: XAUTH user '%s' authenticated", sa->conn->d.name, name);
	} else {
		e->st.xauth_failed++;
		e->st.auth_failed++;
		log_warn("ike %s: XAUTH user '%s' from %s: wrong name or password", sa->conn->d.name,
			 name, ip_addr_fmt(&sa->remote.addr, a, sizeof(a)));
	}
	xauth_status(e, sa, ok);
}

/* ---- Mode Config server ---- */

static void
put_dns(struct ike_buf *b, const struct pool_desc *d, int fam)
{
	for (unsigned i = 0; i < d->n_dns; i++)
		if (d->dns[i].family == fam)
			v1_put_tlv(b, fam == AF_INET ? CA_IP4_DNS : CA_IP6_DNS, d->dns[i].a,
				ip_alen(fam));
}

static void
modecfg_reply(struct ike_engine *e, struct ike_sa *sa, struct v1_qm *q, const struct v1_cfg_pl *c)
{
	struct cfg_msg m;
	char owner[USER_NAME_LEN], txt[IP_ADDR_STRLEN];

	ike_ra_owner(sa, owner, sizeof(owner));
	msg_begin(&m, sa, q, CFG_REPLY, c->ident);
	for (int k = 0; k < 2; k++) {
		int fam = k ? AF_INET6 : AF_INET;
		const struct ike_lease *l;
		if (!v1_cfg_attr(c, k ? CA_IP6_ADDRESS : CA_IP4_ADDRESS))
			continue;
		if ((l = ike_ra_lease(e, sa, fam, owner)) == NULL)
			continue;
		v1_put_tlv(&m.b, k ? CA_IP6_ADDRESS : CA_IP4_ADDRESS, l->addr.a, ip_alen(fam));
		if (l->pool)
			put_dns(&m.b, ike_pool_desc(l->pool), fam);
		log_info("ike %s: virtual IP %s for %s", sa->conn->d.name,
			 ip_addr_fmt(&l->addr, txt, sizeof(txt)), owner);
	}
	msg_send(e, sa, q, &m, false);
}

/* ---- client ---- */

static void
client_reply(struct ike_engine *e, struct ike_sa *sa, struct v1_qm *q, const struct v1_cfg_pl *c)
{
	const struct conn_desc *d = &sa->conn->d;
	struct cfg_msg m;

	msg_begin(&m, sa, q, c->type == CFG_REQUEST ? CFG_REPLY : CFG_ACK, c->ident);
	if (c->type == CFG_REQUEST) {
		if (v1_cfg_attr(c, XA_TYPE))
			v1_put_tv(&m.b, XA_TYPE, 0);
		v1_put_tlv(&m.b, XA_USER_NAME, d->xauth_user, strlen(d->xauth_user));
		v1_put_tlv(&m.b, XA_USER_PASSWORD, d->xauth_password, strlen(d->xauth_password));
	} else {
		v1_put_tlv(&m.b, XA_STATUS, NULL, 0);
	}
	msg_send(e, sa, q, &m, false);
}

static void
modecfg_request(struct ike_engine *e, struct ike_sa *sa)
{
	struct v1_qm *q = our_request(sa);
	bool v6 = sa->conn->local_ts.type == TS_IPV6_ADDR_RANGE;
	struct cfg_msg m;

	if (q == NULL)
		return;
	sa->v1->ra = V1_RA_MODECFG;
	ike_random(&sa->v1->cfg_ident, sizeof(sa->v1->cfg_ident));
	msg_begin(&m, sa, q, CFG_REQUEST, sa->v1->cfg_ident);
	v1_put_tlv(&m.b, v6 ? CA_IP6_ADDRESS : CA_IP4_ADDRESS, NULL, 0);
	v1_put_tlv(&m.b, v6 ? CA_IP6_DNS : CA_IP4_DNS, NULL, 0);
	msg_send(e, sa, q, &m, true);
}

/* XAUTH is over for a client: Mode Config, or quick mode */
static void
client_ready(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->conn->d.vip && sa->own_vip.family == 0) {
		modecfg_request(e, sa);
		return;
	}
	sa->v1->ra = V1_RA_DONE;
	v1_settle(e, sa);
}

static void
client_vip(struct ike_engine *e, struct ike_sa *sa, const struct v1_cfg_pl *c)
{
	bool v6 = sa->conn->local_ts.type == TS_IPV6_ADDR_RANGE;
	const struct v1_cattr *x = v1_cfg_attr(c, v6 ? CA_IP6_ADDRESS : CA_IP4_ADDRESS);
	char txt[IP_ADDR_STRLEN];

	/* an IPv6 address may carry a prefix length byte (IKEv2's form) */
	if (c->type != CFG_REPLY || x == NULL || (x->len != ip_alen(v6 ? AF_INET6 : AF_INET) &&
						  !(v6 && x->len == 17))) {
		log_warn("ike %s: no virtual IP given: ISAKMP SA deleted", sa->conn->d.name);
		v1_terminate(e, sa);
		return;
	}
	sa->own_vip.family = v6 ? AF_INET6 : AF_INET;
	memcpy(sa->own_vip.a, x->val, ip_alen(sa->own_vip.family));
	log_info("ike %s: virtual IP %s", sa->conn->d.name,
		 ip_addr_fmt(&sa->own_vip, txt, sizeof(txt)));
	sa->v1->ra = V1_RA_DONE;
	v1_settle(e, sa);
}

/* ---- the exchange ---- */

struct v1_qm *
v1_cfg_find(struct ike_sa *sa, uint32_t msg_id)
{
	for (int i = 0; i < 2; i++)
		if (sa->v1->tx[i].used && sa->v1->tx[i].msg_id == msg_id)
			return &sa->v1->tx[i];
	return NULL;
}

/* the answer to our request q */
static void
our_answer(struct ike_engine *e, struct ike_sa *sa, const struct v1_cfg_pl *c)
{
	struct v1_sa *v = sa->v1;
	bool server = sa->conn->d.xauth == CONN_XAUTH_SERVER;

	if (server && v->ra == V1_RA_XAUTH && c->type == CFG_REPLY) {
		xauth_reply(e, sa, c);
	} else if (server && v->ra == V1_RA_XAUTH_ACK && c->type == CFG_ACK) {
		if (!v->xauth_ok) {
			ike_sa_kill(e, sa, "XAUTH failed");
			return;
		}
		v->ra = V1_RA_DONE;
		v1_settle(e, sa);
	} else if (!server && v->ra == V1_RA_MODECFG && c->ident == v->cfg_ident) {
		client_vip(e, sa, c);
	} else {
		e->st.rx_dropped++;
	}
}

/* a request of the peer's, answered in q */
static void
their_request(struct ike_engine *e, struct ike_sa *sa, struct v1_qm *q, const struct v1_cfg_pl *c)
{
	struct v1_sa *v = sa->v1;
	const struct conn_desc *d = &sa->conn->d;
	const struct v1_cattr *st;

	if (d->xauth == CONN_XAUTH_CLIENT && v->ra == V1_RA_XAUTH &&
	    (c->type == CFG_REQUEST || c->type == CFG_SET)) {
		client_reply(e, sa, q, c);
		if (c->type != CFG_SET)
			return;
		st = v1_cfg_attr(c, XA_STATUS);
		if (st == NULL || st->len != 2 || ike_get16(st->val) != 1) {
			e->st.auth_failed++;
			ike_sa_kill(e, sa, "XAUTH refused by the server");
			return;
		}
		client_ready(e, sa);
	} else if (c->type == CFG_REQUEST && v->ra == V1_RA_DONE && d->pools[0][0]) {
		modecfg_reply(e, sa, q, c);
	} else {
		e->st.rx_dropped++;
		log_info("ike %s: transaction (%u) not expected now: refused", d->name, c->type);
	}
}

void
v1_cfg_input(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m, const uint8_t *iv,
	     const uint8_t *dig)
{
	struct v1_qm *q = v1_cfg_find(sa, m->h.msg_id);
	const struct ike_pl *p = ike_find(m, V1_ATTR);
	bool answer = q && q->initiator && q->awaits;
	struct v1_cfg_pl c;

	if ((!answer && (q || v1_id_seen(sa, m->h.msg_id))) || !v1_hash1_ok(sa, m, NULL, 0) ||
	    p == NULL || v1_cfg_parse(p, &c) < 0) {
		e->st.rx_dropped++;
		log_info("ike %s: transaction replayed, with a wrong HASH or malformed: dropped",
			 sa->conn->d.name);
		return;
	}
	sa->last_heard = e->now;
	if (answer) {
		q->awaits = false;
		memcpy(q->last_rx, dig, 32);
		our_answer(e, sa, &c);
		return;
	}
	/* the client's next request before its ACK (lost or late): it
	 * only goes on after our OK, so that is its ACK */
	if (sa->v1->ra == V1_RA_XAUTH_ACK && sa->v1->xauth_ok && c.type == CFG_REQUEST) {
		sa->v1->tx[0].awaits = false;
		sa->v1->ra = V1_RA_DONE;
		v1_settle(e, sa);
	}
	q = &sa->v1->tx[1];
	tx_reset(q);
	q->used = true;
	q->msg_id = m->h.msg_id;
	memcpy(q->iv, iv, V1_BLK);
	memcpy(q->last_rx, dig, 32);
	q->sent_at = e->now;
	v1_id_note(sa, m->h.msg_id);
	their_request(e, sa, q, &c);
}

void
v1_cfg_begin(struct ike_engine *e, struct ike_sa *sa)
{
	struct v1_sa *v = sa->v1;

	v->ra = v1_is_xauth(v->chosen.auth) ? V1_RA_XAUTH : V1_RA_DONE;
	if (v->ra == V1_RA_XAUTH && sa->conn->d.xauth == CONN_XAUTH_SERVER)
		xauth_request(e, sa);
	else if (v->ra == V1_RA_DONE && sa->conn->d.vip && sa->initiator)
		client_ready(e, sa);
	else if (v->ra == V1_RA_DONE)
		v1_settle(e, sa);
}

bool
v1_cfg_step(struct ike_engine *e, struct ike_sa *sa, uint64_t now)
{
	struct v1_sa *v = sa->v1;
	struct v1_qm *q = &v->tx[0];

	if (v->ra != V1_RA_DONE && now >= sa->established_at + IKE_HALF_OPEN_MS) {
		ike_sa_kill(e, sa, v->ra == V1_RA_MODECFG ? "Mode Config did not finish" :
				   "XAUTH did not finish");
		return true;
	}
	switch (q->awaits ? v1_p2_resend(e, sa, q, now) : 0) {
	case 0:
		return false;
	case -1:
		ike_sa_kill(e, sa, "no answer to a transaction");
		break;
	}
	return true;
}
