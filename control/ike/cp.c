/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2's configuration payload (RFC 7296 3.15) for virtual IPs: the
 * client asks in IKE_AUTH (CFG_REQUEST with INTERNAL_IP4/6_ADDRESS), the
 * server answers with an address of the connection's pools and the
 * pool's DNS servers (CFG_REPLY); the address is then the client's only
 * traffic selector. The leases are remote.c's, shared with IKEv1's Mode
 * Config.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

enum { CFG_REQUEST = 1, CFG_REPLY = 2 };
enum { IP4_ADDRESS = 1, IP4_DNS = 3, IP6_ADDRESS = 8, IP6_DNS = 10 };

int
ike_cp_parse(const struct ike_pl *p, struct ike_cp *c)
{
	size_t off = 4;

	memset(c, 0, sizeof(*c));
	if (p->len < 4)
		return -1;
	c->type = p->body[0];
	while (off < p->len) {
		uint16_t t, l;
		if (p->len - off < 4 || c->n == IKE_MAX_CP_ATTRS)
			return -1;
		t = ike_get16(p->body + off) & 0x7fff;
		l = ike_get16(p->body + off + 2);
		if (p->len - off - 4 < l)
			return -1;
		c->a[c->n].type = t;
		c->a[c->n].len = l;
		c->a[c->n].val = p->body + off + 4;
		c->n++;
		off += 4u + l;
	}
	return 0;
}

static const struct ike_cp_attr *
find(const struct ike_cp *c, uint16_t type)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->a[i].type == type)
			return &c->a[i];
	return NULL;
}

static void
attr(struct ike_buf *b, uint16_t type, const void *v, size_t n)
{
	ike_put16(b, type);
	ike_put16(b, (uint16_t)n);
	ike_put(b, v, n);
}

void
ike_cp_request(struct ike_buf *b, int fam)
{
	size_t off = ike_pl_begin(b, PL_CP);

	ike_put8(b, CFG_REQUEST);
	ike_put(b, NULL, 3);
	attr(b, fam == AF_INET6 ? IP6_ADDRESS : IP4_ADDRESS, NULL, 0);
	attr(b, fam == AF_INET6 ? IP6_DNS : IP4_DNS, NULL, 0);
	ike_pl_end(b, off);
}

void
ike_cp_lease(struct ike_engine *e, struct ike_sa *sa, const struct ike_pl *p)
{
	char owner[USER_NAME_LEN], txt[IP_ADDR_STRLEN];
	struct ike_cp c;

	/* (without pools, only an address the AAA server gave is handed out) */
	if (p == NULL || ike_cp_parse(p, &c) < 0 || c.type != CFG_REQUEST ||
	    (!sa->conn->d.pools[0][0] && !sa->vip[0].fixed && !sa->vip[1].fixed))
		return;
	ike_ra_owner(sa, owner, sizeof(owner));
	for (int k = 0; k < 2; k++) {
		const struct ike_lease *l;
		if (!find(&c, k ? IP6_ADDRESS : IP4_ADDRESS) ||
		    (l = ike_ra_lease(e, sa, k ? AF_INET6 : AF_INET, owner)) == NULL)
			continue;
		log_info("ike %s: virtual IP %s for %s", sa->conn->d.name,
			 ip_addr_fmt(&l->addr, txt, sizeof(txt)), owner);
	}
}

void
ike_cp_reply(struct ike_buf *b, const struct ike_sa *sa)
{
	size_t off;

	if (!ike_lease_held(&sa->vip[0]) && !ike_lease_held(&sa->vip[1]))
		return;
	off = ike_pl_begin(b, PL_CP);
	ike_put8(b, CFG_REPLY);
	ike_put(b, NULL, 3);
	for (int k = 0; k < 2; k++) {
		const struct ike_lease *l = &sa->vip[k];
		const struct pool_desc *d;
		uint8_t v6[17];
		if (!ike_lease_held(l))
			continue;
		if (k) {
			/* the address and a prefix length (3.15.1): the pool's own
			 * address only, /128 */
			memcpy(v6, l->addr.a, 16);
			v6[16] = 128;
			attr(b, IP6_ADDRESS, v6, 17);
		} else {
			attr(b, IP4_ADDRESS, l->addr.a, 4);
		}
		d = l->pool ? ike_pool_desc(l->pool) : NULL;
		for (unsigned i = 0; d && i < d->n_dns; i++)
			if (d->dns[i].family == (k ? AF_INET6 : AF_INET))
				attr(b, k ? IP6_DNS : IP4_DNS, d->dns[i].a, k ? 16 : 4);
	}
	ike_pl_end(b, off);
}

int
ike_cp_take(struct ike_sa *sa, const struct ike_pl *p, int fam)
{
	const struct ike_cp_attr *x;
	struct ike_cp c;
	char txt[IP_ADDR_STRLEN];

	if (p == NULL || ike_cp_parse(p, &c) < 0 || c.type != CFG_REPLY)
		return -1;
	x = find(&c, fam == AF_INET6 ? IP6_ADDRESS : IP4_ADDRESS);
	if (x == NULL || x->len != (fam == AF_INET6 ? 17 : 4))
		return -1;
	sa->own_vip.family = (uint8_t)fam;
	memcpy(sa->own_vip.a, x->val, ip_alen(fam));
	log_info("ike %s: virtual IP %s", sa->conn->d.name,
		 ip_addr_fmt(&sa->own_vip, txt, sizeof(txt)));
	return 0;
}
