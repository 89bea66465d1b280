/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Remote access in the engine: the users and pools it was given, leases
 * of virtual IPs to IKE SAs (one per family, by owner), and the selector
 * a peer with a virtual IP is held to. The exchanges that ask for them
 * (IKEv1 XAUTH and Mode Config, v1_cfg.c) sit above this file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

int
ike_set_remote_access(struct ike_engine *e, const struct user_desc *u, unsigned nu,
		      const struct pool_desc *p, unsigned np)
{
	struct ike_users *users = ike_users_new(u, nu);
	struct ike_pool **pools = calloc(np + 1, sizeof(*pools));
	unsigned n = 0;

	if (users == NULL || pools == NULL)
		goto fail;
	for (; n < np; n++) {
		/* (a kept pool is referenced by both lists until the old goes) */
		for (unsigned j = 0; j < e->n_pools && pools[n] == NULL; j++)
			if (ike_pool_same(e->pools[j], &p[n]))
				pools[n] = ike_pool_get(e->pools[j]);
		if (pools[n] == NULL && (pools[n] = ike_pool_new(&p[n])) == NULL)
			goto fail;
	}
	for (unsigned i = 0; i < np; i++)
		ike_pool_set_dns(pools[i], &p[i]);
	ike_ra_free(e);
	e->users = users;
	e->pools = pools;
	e->n_pools = np;
	return 0;
fail:
	ike_users_free(users);
	for (unsigned i = 0; pools && i < n; i++)
		ike_pool_put(pools[i]);
	free(pools);
	return -1;
}

void
ike_ra_free(struct ike_engine *e)
{
	ike_users_free(e->users);
	e->users = NULL;
	for (unsigned i = 0; i < e->n_pools; i++)
		ike_pool_put(e->pools[i]);
	free(e->pools);
	e->pools = NULL;
	e->n_pools = 0;
}

bool
ike_pool_at(const struct ike_engine *e, unsigned i, struct ike_pool_view *v,
	    const struct ike_pool **pool)
{
	struct ike_pool_stats s;

	if (i >= e->n_pools)
		return false;
	ike_pool_stats(e->pools[i], &s);
	*v = (struct ike_pool_view){ ike_pool_desc(e->pools[i]), s.size, s.online, s.offline,
				     s.unused };
	*pool = e->pools[i];
	return true;
}

void
ike_ra_owner(const struct ike_sa *sa, char *out, size_t n)
{
	const struct ike_id *id = &sa->peer_ident;
	size_t k = 0;

	if (sa->user[0]) {
		snprintf(out, n, "%s", sa->user);
		return;
	}
	if (id->type == ID_IPV4_ADDR || id->type == ID_IPV6_ADDR) {
		struct ip_addr a = { .family = id->type == ID_IPV4_ADDR ? AF_INET : AF_INET6 };
		memcpy(a.a, id->data, id->type == ID_IPV4_ADDR ? 4 : 16);
		ip_addr_fmt(&a, out, n);
		return;
	}
	/* names as they are, anything else (a DN) in hex */
	bool text = id->type == ID_FQDN || id->type == ID_RFC822_ADDR;
	for (size_t i = 0; i < id->len && k + 3 < n; i++) {
		uint8_t c = id->data[i];
		if (text && c >= 0x21 && c < 0x7f)
			out[k++] = (char)c;
		else
			k += (size_t)snprintf(out + k, n - k, "%02x", c);
	}
	out[k < n ? k : n - 1] = '\0';
}

const struct ike_lease *
ike_ra_lease(struct ike_engine *e, struct ike_sa *sa, int fam, const char *owner)
{
	struct ike_lease *l = &sa->vip[fam == AF_INET6];

	if (ike_lease_held(l))		/* (or given by the AAA server) */
		return l;
	for (unsigned k = 0; k < 2; k++) {
		const char *want = sa->conn->d.pools[k];
		for (unsigned i = 0; want[0] && i < e->n_pools; i++) {
			const struct pool_desc *d = ike_pool_desc(e->pools[i]);
			if (strcmp(d->name, want) || d->first.family != fam)
				continue;
			if (ike_pool_acquire(e->pools[i], owner, l) == 0)
				return l;
			e->st.pool_exhausted++;
			log_warn("ike %s: pool %s has no address left for %s", sa->conn->d.name,
				 d->name, owner);
			return NULL;
		}
	}
	return NULL;
}

void
ike_ra_release(struct ike_sa *sa)
{
	for (int k = 0; k < 2; k++) {
		ike_pool_release(&sa->vip[k]);
		sa->vip[k].fixed = false;
	}
}

bool
ike_ra_vip_ts(const struct ike_sa *sa, int fam, struct ike_ts *ts)
{
	const struct ike_lease *l = &sa->vip[fam == AF_INET6];
	struct ip_prefix p;

	if (!ike_lease_held(l))
		return false;
	p.addr = l->addr;
	p.len = (uint8_t)(ip_alen(fam) * 8);
	ike_ts_of_prefix(&p, ts);
	return true;
}

const struct ike_ts *
ike_peer_ts(const struct ike_sa *sa, const struct ike_ts *asked, const struct ike_ts *conf,
	    struct ike_ts *vts)
{
	return ike_ra_vip_ts(sa, asked->type == TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET, vts) ?
	       vts : conf;
}

void
ike_ra_move(struct ike_sa *to, struct ike_sa *from)
{
	memcpy(to->user, from->user, sizeof(to->user));
	to->session = from->session;	/* a rekey: the same session goes on */
	from->session = 0;
	to->peer_ident = from->peer_ident;
	to->own_vip = from->own_vip;
	for (int k = 0; k < 2; k++) {
		to->vip[k] = from->vip[k];
		from->vip[k].pool = NULL;
		from->vip[k].fixed = false;
	}
}
