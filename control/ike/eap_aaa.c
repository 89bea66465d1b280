/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP through an AAA server (RFC 7296 2.16 with RFC 3579's pass-through):
 * for a connection with `eap: radius` the server side of IKE_AUTH only
 * relays. After our EAP-Request/Identity, each EAP packet of the peer's
 * goes to the embedder (ops->aaa_eap), which asks the AAA server, and the
 * IKE_AUTH response waits until its answer comes back (ike_aaa_done): a
 * further EAP request (with the server's opaque state kept for the next
 * packet), or success with the MSK that keys both final AUTHs, or
 * failure. A retransmitted request meanwhile gets nothing (no response
 * exists yet); the IKE SA's half-open time bounds the wait.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

enum { EAP_REQUEST = 1, EAP_RESPONSE = 2, EAP_SUCCESS = 3, EAP_FAILURE = 4 };
enum { EAP_IDENTITY = 1 };

/* an EAP packet of this code whose length field is its length */
static bool
eap_ok(const uint8_t *p, size_t n, uint8_t code)
{
	return n >= 4 && n <= MSG_CAP / 2 && p[0] == code && ((size_t)p[2] << 8 | p[3]) == n;
}

/* the server's final packet of this code, or one made here with the
 * identifier of the peer's last response (RFC 3748 4.2) */
static void
put_final(struct ike_buf *ib, const struct ike_aaa_result *r, uint8_t code, uint8_t id)
{
	uint8_t pkt[4] = { code, id, 0, 4 };

	if (eap_ok(r->eap, r->eap_len, code))
		ike_put_eap(ib, r->eap, r->eap_len);
	else
		ike_put_eap(ib, pkt, sizeof(pkt));
}

static void
fail(struct ike_engine *e, struct ike_sa *sa, uint32_t msg_id, const char *why)
{
	e->st.auth_failed++;
	log_warn("ike %s: EAP authentication through the AAA server failed: %s",
		 sa->conn->d.name, why);
	ike_send_notify_response(e, sa, IKE_AUTH, msg_id, N_AUTHENTICATION_FAILED);
	ike_sa_kill(e, sa, "EAP authentication failed");
}

void
ike_eap_aaa_forward(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
		    const uint8_t *p, size_t n)
{
	struct ike_eap *x = sa->eap;
	struct ike_aaa_req r;

	if (x->aaa_pending)
		return;		/* (the window holds one request: not reached) */
	if (!eap_ok(p, n, EAP_RESPONSE) || p[1] != x->id) {
		fail(e, sa, m->h.msg_id, "malformed or unexpected EAP response");
		return;
	}
	if (n >= 5 && p[4] == EAP_IDENTITY && x->identity[0] == '\0') {
		size_t k = n - 5 < sizeof(x->identity) - 1 ? n - 5 : sizeof(x->identity) - 1;
		for (size_t i = 0; i < k; i++)
			if (p[5 + i] < 0x20 || p[5 + i] == 0x7f) {
				fail(e, sa, m->h.msg_id, "an identity with control characters");
				return;
			}
		memcpy(x->identity, p + 5, k);
		x->identity[k] = '\0';
	}
	if (x->identity[0] == '\0') {
		fail(e, sa, m->h.msg_id, "no EAP identity");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.conn = sa->conn->d.name;
	r.spi_i = sa->spi_i;
	r.spi_r = sa->spi_r;
	r.identity = x->identity;
	r.eap = p;
	r.eap_len = n;
	r.state = x->aaa_state_len ? x->aaa_state : NULL;
	r.state_len = x->aaa_state_len;
	r.local = sa->local;
	r.remote = sa->remote;
	if (e->ops->aaa_eap == NULL || e->ops->aaa_eap(e->ctx, &r) != 0) {
		fail(e, sa, m->h.msg_id, "the AAA server cannot be asked");
		return;
	}
	x->aaa_pending = true;
	x->aaa_msg_id = m->h.msg_id;
	x->aaa_eap_id = p[1];
}

int
ike_aaa_done(struct ike_engine *e, uint64_t spi_i, uint64_t spi_r,
	     const struct ike_aaa_result *r, uint64_t now)
{
	struct ike_sa *sa = ike_sa_by_our_spi(e, spi_r);
	uint8_t inner[MSG_CAP];
	struct ike_eap *x;
	struct ike_buf ib;

	e->now = now;
	if (sa == NULL || sa->spi_i != spi_i || sa->state != S_INIT_DONE ||
	    (x = sa->eap) == NULL || !x->aaa_pending)
		return -1;
	x->aaa_pending = false;
	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	switch (r->code) {
	case IKE_AAA_CHALLENGE:
		if (!eap_ok(r->eap, r->eap_len, EAP_REQUEST) || r->state_len > sizeof(x->aaa_state)) {
			fail(e, sa, x->aaa_msg_id, "the AAA server's challenge is malformed");
			break;
		}
		x->id = r->eap[1];
		x->aaa_state_len = (uint8_t)r->state_len;
		if (r->state_len)
			memcpy(x->aaa_state, r->state, r->state_len);
		ike_put_eap(&ib, r->eap, r->eap_len);
		ike_send_encrypted_response(e, sa, IKE_AUTH, x->aaa_msg_id, inner, ib.len, PL_EAP);
		break;
	case IKE_AAA_ACCEPT:
		if (r->msk == NULL || r->msk_len < 16 || r->msk_len > sizeof(x->msk)) {
			fail(e, sa, x->aaa_msg_id, "accepted without an MSK (MPPE keys)");
			break;
		}
		memset(x->msk, 0, sizeof(x->msk));
		memcpy(x->msk, r->msk, r->msk_len);
		x->have_msk = true;
		x->state = EAP_S_DONE;
		snprintf(sa->user, sizeof(sa->user), "%s", r->user ? r->user : x->identity);
		if (r->framed.family == AF_INET || r->framed.family == AF_INET6) {
			/* its virtual IP is the AAA server's choice, not a pool's */
			struct ike_lease *l = &sa->vip[r->framed.family == AF_INET6];
			ike_pool_release(l);
			l->fixed = true;
			l->addr = r->framed;
		}
		put_final(&ib, r, EAP_SUCCESS, x->aaa_eap_id);
		log_info("ike %s: EAP user '%s' accepted by the AAA server", sa->conn->d.name,
			 sa->user);
		ike_send_encrypted_response(e, sa, IKE_AUTH, x->aaa_msg_id, inner, ib.len, PL_EAP);
		break;
	default:
		/* EAP-Failure, then the IKE SA goes (2.16) */
		put_final(&ib, r, EAP_FAILURE, x->aaa_eap_id);
		ike_send_encrypted_response(e, sa, IKE_AUTH, x->aaa_msg_id, inner, ib.len, PL_EAP);
		e->st.auth_failed++;
		log_warn("ike %s: EAP user '%s' rejected by the AAA server", sa->conn->d.name,
			 x->identity);
		ike_sa_kill(e, sa, "EAP authentication failed");
		break;
	}
	ike_sched(e, sa);
	return 0;
}
