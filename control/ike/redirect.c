/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Redirect (RFC 5685), the basis of spreading clients over gateways:
 * REDIRECT_SUPPORTED and REDIRECTED_FROM from an initiator, REDIRECT from
 * a responder in IKE_SA_INIT (with the initiator's nonce) or to an
 * established IKE SA in INFORMATIONAL, and the gateway identities they
 * carry (IPv4 or IPv6 addresses here). The exchanges decide what to do
 * with them (exch_init.c, exch_info.c).
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

enum { GW_IPV4 = 1, GW_IPV6 = 2 };

/* a gateway identity: type, length, address; its length */
static size_t
gw_put(uint8_t *out, const struct ip_addr *a)
{
	unsigned n = ip_alen(a->family);

	out[0] = a->family == AF_INET6 ? GW_IPV6 : GW_IPV4;
	out[1] = (uint8_t)n;
	memcpy(out + 2, a->a, n);
	return 2 + n;
}

void
ike_put_redirect_info(struct ike_buf *b, const struct ike_sa *sa)
{
	uint8_t d[18];

	if (sa->conn->d.redirect_ignore)
		return;
	ike_put_notify(b, 0, N_REDIRECT_SUPPORTED, NULL, 0, NULL, 0);
	if (sa->redirected_from.family)
		ike_put_notify(b, 0, N_REDIRECTED_FROM, NULL, 0, d,
			       gw_put(d, &sa->redirected_from));
}

bool
ike_redirect_init(struct ike_engine *e, const struct ike_conn *c, const struct ike_msg *m,
		  const struct ike_ep *local, const struct ike_ep *remote)
{
	const struct ike_pl *pn = ike_find(m, PL_NONCE);
	uint8_t d[18 + IKE_MAX_NONCE];
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];
	size_t n;

	/* (REDIRECTED_FROM: a client we sent here already is taken) */
	if (c->d.redirect_to.family == 0 || !ike_has_notify(m, N_REDIRECT_SUPPORTED) ||
	    ike_has_notify(m, N_REDIRECTED_FROM) || pn == NULL || pn->len > IKE_MAX_NONCE)
		return false;
	n = gw_put(d, &c->d.redirect_to);
	memcpy(d + n, pn->body, pn->len);
	e->st.redirects++;
	log_info("ike %s: %s redirected to %s", c->d.name,
		 ip_addr_fmt(&remote->addr, a, sizeof(a)), ip_addr_fmt(&c->d.redirect_to, b, sizeof(b)));
	ike_send_init_error(e, &m->h, local, remote, N_REDIRECT, d, n + pn->len);
	return true;
}

int
ike_redirect_parse(const struct ike_notify_pl *n, const uint8_t *nonce, size_t nlen,
		   struct ip_addr *to)
{
	unsigned al;

	if (n->data_len < 2 || (n->data[0] != GW_IPV4 && n->data[0] != GW_IPV6))
		return -1;
	al = n->data[0] == GW_IPV6 ? 16 : 4;
	if (n->data[1] != al || n->data_len != 2 + al + (nonce ? nlen : 0) ||
	    (nonce && CRYPTO_memcmp(n->data + 2 + al, nonce, nlen) != 0))
		return -1;
	memset(to, 0, sizeof(*to));
	to->family = al == 16 ? AF_INET6 : AF_INET;
	memcpy(to->a, n->data + 2, al);
	return 0;
}

int
ike_redirect(struct ike_engine *e, const char *name, const struct ip_addr *to, uint64_t now)
{
	uint8_t inner[64], d[18];
	struct ike_buf ib;
	int n = 0;

	e->now = now;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		if (sa->v1 || sa->state != S_ESTABLISHED || !sa->redirect_ok || sa->req != NULL ||
		    strcmp(sa->conn->d.name, name))
			continue;
		ike_buf_init(&ib, inner, sizeof(inner));
		ib.np_off = (size_t)-1;
		ike_put_notify(&ib, 0, N_REDIRECT, NULL, 0, d, gw_put(d, to));
		ike_send_informational(e, sa, inner, ib.len, PL_NOTIFY);
		e->st.redirects++;
		ike_sched(e, sa);
		n++;
	}
	return n;
}
