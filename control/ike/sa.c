/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKE SA store: SAs by SPI, half-open accounting, CHILD_SA slots and
 * their hand-over to the embedder, the engine itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"

void
ike_conn_put(struct ike_conn *c)
{
	if (--c->refs > 0 || !c->removed)
		return;
	ike_conn_free(c);
}

unsigned
ike_spi_hash(uint64_t spi)
{
	return (unsigned)((spi * 0x9e3779b97f4a7c15ull) >> (64 - HASH_BITS));
}

static uint64_t
our_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

struct ike_sa *
ike_sa_by_our_spi(struct ike_engine *e, uint64_t spi)
{
	for (struct ike_sa *sa = e->by_our[ike_spi_hash(spi)]; sa; sa = sa->hnext_our)
		if (sa->state != S_DEAD && our_spi(sa) == spi)
			return sa;
	return NULL;
}

/* once its SPIs are final: findable by ours, and (responders) by the peer's */
void
ike_sa_index(struct ike_engine *e, struct ike_sa *sa)
{
	unsigned h = ike_spi_hash(our_spi(sa));

	sa->hnext_our = e->by_our[h];
	e->by_our[h] = sa;
	if (!sa->initiator) {
		h = ike_spi_hash(sa->spi_i);
		sa->hnext_peer = e->by_peer[h];
		e->by_peer[h] = sa;
	}
	sa->indexed = true;
}

void
ike_sa_unindex(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_sa **pp;

	if (!sa->indexed)
		return;
	for (pp = &e->by_our[ike_spi_hash(our_spi(sa))]; *pp; pp = &(*pp)->hnext_our)
		if (*pp == sa) {
			*pp = sa->hnext_our;
			break;
		}
	if (!sa->initiator)
		for (pp = &e->by_peer[ike_spi_hash(sa->spi_i)]; *pp; pp = &(*pp)->hnext_peer)
			if (*pp == sa) {
				*pp = sa->hnext_peer;
				break;
			}
	sa->indexed = false;
}

void
ike_half_open_add(struct ike_engine *e, struct ike_sa *sa)
{
	sa->ho_prev = NULL;
	sa->ho_next = e->half_open_list;
	if (e->half_open_list)
		e->half_open_list->ho_prev = sa;
	e->half_open_list = sa;
	e->half_open++;
}

static void
half_open_del(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->ho_prev)
		sa->ho_prev->ho_next = sa->ho_next;
	else
		e->half_open_list = sa->ho_next;
	if (sa->ho_next)
		sa->ho_next->ho_prev = sa->ho_prev;
	sa->ho_prev = sa->ho_next = NULL;
	e->half_open--;
}

void
ike_frx_free(struct ike_sa *sa)
{
	if (sa->frx == NULL)
		return;
	for (unsigned i = 0; i < MAX_FRAGS; i++) {
		if (sa->frx->piece[i])
			ike_wipe(sa->frx->piece[i], sa->frx->len[i]);
		free(sa->frx->piece[i]);
	}
	free(sa->frx);
	sa->frx = NULL;
}

void
ike_sa_free(struct ike_sa *sa)
{
	ike_conn_put((struct ike_conn *)sa->conn);
	ike_frx_free(sa);
	free(sa->coll);
	ike_dh_free(sa->dh);
	free(sa->msg1);
	free(sa->msg2);
	free(sa->req);
	free(sa->resp);
	ike_keys_wipe(&sa->keys);
	ike_dh_free(sa->pend_dh);
	ike_wipe(sa->ch, sizeof(sa->ch));
	v1_free(sa->v1);
	ike_ra_release(sa);
	ike_eap_free(sa->eap);
	free(sa);
}

static void
child_info(const struct ike_sa *sa, const struct child *c, struct ike_child_info *ci,
	   const struct ike_child_keys *k)
{
	/* keys i->r protect what the initiator of the creating exchange sends */
	bool i = c->initiator;

	memset(ci, 0, sizeof(*ci));
	ci->conn = sa->conn->d.name;
	ci->ike_spi_i = sa->spi_i;
	ci->ike_spi_r = sa->spi_r;
	ci->spi_in = c->spi_in;
	ci->spi_out = c->spi_out;
	ci->esp = c->esp;
	/* keys i->r protect what the initiator sends; only at install */
	if (k) {
		ci->key_out = i ? k->ei : k->er;
		ci->key_in = i ? k->er : k->ei;
		ci->auth_out = k->akey_len ? (i ? k->ai : k->ar) : NULL;
		ci->auth_in = k->akey_len ? (i ? k->ar : k->ai) : NULL;
		ci->key_len = k->ekey_len;
		ci->auth_len = k->akey_len;
	}
	ci->local = sa->local;
	ci->remote = sa->remote;
	ci->encap = sa->natt;
	ci->transport = sa->conn->d.transport;
	ci->local_ts = c->ts_l;
	ci->remote_ts = c->ts_r;
	ci->priority = sa->route_prio;
	memcpy(ci->sa_ids, c->sa_ids, sizeof(ci->sa_ids));
	ci->session = sa->session;
}

/* sa's session begins or ends, for the embedder's accounting */
static void
session_event(struct ike_engine *e, const struct ike_sa *sa, bool up, const char *why)
{
	struct ike_session s = {
		.id = sa->session, .conn = sa->conn->d.name, .user = sa->user,
		.local = sa->local, .remote = sa->remote, .why = why, .end = sa->end,
	};

	for (int k = 0; k < 2 && s.vip.family == 0; k++)
		if (ike_lease_held(&sa->vip[k]))
			s.vip = sa->vip[k].addr;
	if (e->ops->session)
		e->ops->session(e->ctx, &s, up);
}

/* the child takes the outbound policy for its selectors */
void
ike_child_route(struct ike_engine *e, struct ike_sa *sa, struct child *c)
{
	struct ike_child_info ci;

	if (!child_up(c) || c->routed)
		return;
	sa->route_prio++;
	child_info(sa, c, &ci, NULL);
	if (e->ops->child_route == NULL || e->ops->child_route(e->ctx, &ci) == 0)
		c->routed = true;
}

void
ike_child_remove(struct ike_engine *e, struct ike_sa *sa, struct child *c)
{
	struct ike_child_info ci;

	if (child_up(c)) {
		child_info(sa, c, &ci, NULL);
		if (c->routed && e->ops->child_unroute)
			e->ops->child_unroute(e->ctx, &ci);
		if (e->ops->child_down)
			e->ops->child_down(e->ctx, &ci);
	}
	ike_wipe(c, sizeof(*c));
}

void
ike_children_move(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_child_info ci;

	for (int i = 0; i < MAX_CHILD; i++)
		if (child_up(&sa->ch[i]) && e->ops->child_move) {
			child_info(sa, &sa->ch[i], &ci, NULL);
			e->ops->child_move(e->ctx, &ci);
		}
}

/* a successor of c is up: it takes the route, then c may go */
void
ike_child_switch(struct ike_engine *e, struct ike_sa *sa, struct child *nc, struct child *old)
{
	struct ike_child_info ci;

	ike_child_route(e, sa, nc);
	if (old->routed && e->ops->child_unroute) {
		child_info(sa, old, &ci, NULL);
		e->ops->child_unroute(e->ctx, &ci);
	}
	old->routed = false;
}

struct child *
ike_child_free_slot(struct ike_sa *sa)
{
	for (int i = 0; i < MAX_CHILD; i++)
		if (sa->ch[i].state == CH_FREE)
			return &sa->ch[i];
	return NULL;
}

unsigned
ike_live_children(const struct ike_sa *sa)
{
	unsigned n = 0;

	for (int i = 0; i < MAX_CHILD; i++)
		n += sa->ch[i].state != CH_FREE && sa->ch[i].state != CH_REKEYED &&
		     sa->ch[i].state != CH_DELETING && sa->ch[i].state != CH_REDUNDANT;
	return n;
}

struct child *
ike_child_by_spi_out(struct ike_sa *sa, uint32_t spi)
{
	for (int i = 0; i < MAX_CHILD; i++)
		if (child_up(&sa->ch[i]) && sa->ch[i].spi_out == spi)
			return &sa->ch[i];
	return NULL;
}

void
ike_sa_kill(struct ike_engine *e, struct ike_sa *sa, const char *why)
{
	if (sa->state == S_INIT_DONE)
		half_open_del(e, sa);
	for (int i = 0; i < MAX_CHILD; i++)
		if (sa->ch[i].state != CH_FREE)
			ike_child_remove(e, sa, &sa->ch[i]);
	if (sa->state == S_ESTABLISHED || sa->state == S_DELETING) {
		if (e->ops->ike_down)
			e->ops->ike_down(e->ctx, sa->conn->d.name, sa->spi_i, sa->spi_r, why);
		if (sa->session)	/* (none after a rekey: its successor has it) */
			session_event(e, sa, false, why);
		sa->session = 0;
	}
	snprintf(sa->conn->health->last_end, sizeof(sa->conn->health->last_end), "%s", why);
	sa->conn->health->last_end_ms = e->now ? e->now : 1;
	log_info("ike %s: IKE_SA %016lx_%016lx closed: %s", sa->conn->d.name,
		 (unsigned long)sa->spi_i, (unsigned long)sa->spi_r, why);
	sa->state = S_DEAD;
	ike_ra_release(sa);	/* its virtual IPs are free now */
	ike_sched(e, sa);	/* reaped by the next tick */
}

struct ike_engine *
ike_engine_new(const struct ike_ops *ops, void *ctx)
{
	struct ike_engine *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->ops = ops;
	e->ctx = ctx;
	e->by_our = calloc(1u << HASH_BITS, sizeof(*e->by_our));
	e->by_peer = calloc(1u << HASH_BITS, sizeof(*e->by_peer));
	if (e->by_our == NULL || e->by_peer == NULL) {
		free(e->by_our);
		free(e->by_peer);
		free(e);
		return NULL;
	}
	spi_perm_init(&e->child_spis);
	ike_random(e->secret[0], sizeof(e->secret[0]));
	e->cookie_threshold = 64;
	e->half_open_per_source = 8;
	return e;
}

void
ike_engine_free(struct ike_engine *e)
{
	while (e->sas) {
		struct ike_sa *n = e->sas->next;
		ike_sa_free(e->sas);
		e->sas = n;
	}
	for (unsigned i = 0; i < e->n_conn; i++) {
		e->conn[i]->removed = true;
		e->conn[i]->refs++;
		ike_conn_put(e->conn[i]);
	}
	ike_ra_free(e);
	free(e->by_our);
	free(e->by_peer);
	free(e->heap);
	free(e);
}

void
ike_get_stats(const struct ike_engine *e, struct ike_stats *s)
{
	*s = e->st;
	s->ike_sas = s->half_open = 0;
	for (const struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		s->ike_sas++;
		s->half_open += sa->state == S_INIT_DONE || sa->state == S_INIT_SENT;
	}
}

void
ike_foreach(struct ike_engine *e, void (*fn)(void *ctx, const struct ike_sa_info *), void *ctx)
{
	static const char *const names[] = {
		[S_INIT_SENT] = "connecting", [S_AUTH_SENT] = "authenticating",
		[S_INIT_DONE] = "half-open", [S_ESTABLISHED] = "established",
		[S_DELETING] = "deleting", [S_DEAD] = "dead",
	};

	for (const struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		/* the CHILD_SA that carries the traffic now (newest routed one) */
		const struct child *c = &sa->ch[0];
		for (int k = 0; k < MAX_CHILD; k++)
			if (sa->ch[k].state != CH_FREE && sa->ch[k].routed)
				c = &sa->ch[k];
		struct ike_sa_info i = {
			.conn = sa->conn->d.name, .state = names[sa->state],
			.spi_i = sa->spi_i, .spi_r = sa->spi_r, .initiator = sa->initiator,
			.natt = sa->natt, .child_up = child_up(c), .local = sa->local,
			.remote = sa->remote, .ike = sa->keys.a, .esp = c->esp,
			.spi_in = c->spi_in, .spi_out = c->spi_out,
			.age_ms = sa->established_at ? e->now - sa->established_at : 0,
			.user = sa->user, .own_vip = sa->own_vip, .mobike = sa->mobike,
			.n_peer_addrs = sa->n_peer_addrs,
		};
		memcpy(i.peer_addrs, sa->peer_addrs, sizeof(sa->peer_addrs));
		for (int k = 0; k < 2; k++)
			if (ike_lease_held(&sa->vip[k]))
				i.vip[k] = sa->vip[k].addr;
		for (int k = 0; k < MAX_CHILD; k++) {
			const struct child *x = &sa->ch[k];
			struct ike_child_view *v = &i.ch[i.n_ch];
			if (!child_up(x))
				continue;
			i.children++;
			v->spi_in = x->spi_in;
			v->spi_out = x->spi_out;
			v->esp = x->esp;
			v->ts_l = x->ts_l;
			v->ts_r = x->ts_r;
			v->state = x->state == CH_DELETING ? "deleting" :
				   x->state == CH_REDUNDANT ? "redundant" : x->routed ? "routed" :
				   x->state == CH_REKEYED ? "rekeyed" : "installed";
			v->age_ms = e->now - x->up_at;
			v->rekey_in_ms = x->rekey_at && x->state == CH_INSTALLED ?
					 (int64_t)x->rekey_at - (int64_t)e->now : -1;
			i.n_ch++;
		}
		i.frag = sa->frag;
		i.version = sa->v1 ? 1 : 2;
		if (sa->v1) {
			i.mode = v1_mode_name(sa);
			i.phase = sa->state == S_ESTABLISHED || sa->state == S_DELETING ? 2 : 1;
			i.quick_modes = v1_quick_modes(sa);
		}
		i.rekey_in_ms = sa->rekey_at && sa->state == S_ESTABLISHED ?
				(int64_t)sa->rekey_at - (int64_t)e->now : -1;
		if (sa->state != S_DEAD)
			fn(ctx, &i);
	}
}

struct ike_sa *
ike_sa_new(struct ike_engine *e, const struct ike_conn *c, bool initiator)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (sa == NULL)
		return NULL;
	sa->conn = c;
	((struct ike_conn *)c)->refs++;
	sa->initiator = initiator;
	/* random, never 0 (RFC 7296 3.1), not one of ours already */
	{
		uint64_t *spi = initiator ? &sa->spi_i : &sa->spi_r;
		do
			ike_random(spi, 8);
		while (*spi == 0 || ike_sa_by_our_spi(e, *spi) != NULL);
	}
	sa->last_heard = e->now;
	sa->next = e->sas;
	if (e->sas)
		e->sas->prev = sa;
	e->sas = sa;
	/* looked at by the next tick, which finds its real due time */
	sa->heap_idx = IKE_NOT_QUEUED;
	sa->due = e->now;
	ike_sched_at(e, sa, e->now);
	return sa;
}

uint32_t
ike_child_spi_new(struct ike_engine *e)
{
	return spi_perm_next(&e->child_spis);
}

struct ike_sa *
ike_sa_find(struct ike_engine *e, const struct ike_hdr *h)
{
	bool we_initiated = !(h->flags & IKE_FLAG_I);

	for (struct ike_sa *sa = e->by_our[ike_spi_hash(we_initiated ? h->spi_i : h->spi_r)]; sa;
	     sa = sa->hnext_our) {
		if (sa->state == S_DEAD || sa->initiator != we_initiated)
			continue;
		if (we_initiated ? sa->spi_i == h->spi_i &&
				   (sa->spi_r == h->spi_r || sa->state == S_INIT_SENT)
				 : sa->spi_i == h->spi_i && sa->spi_r == h->spi_r)
			return sa;
	}
	return NULL;
}

/* the hard lifetime's end: configured, or the rekey time + 10 % */
static uint64_t
expiry(struct ike_engine *e, uint32_t life_s, uint32_t rekey_s)
{
	uint64_t ms = life_s ? life_s * 1000ull : rekey_s * 1100ull;

	return ms ? e->now + ms : 0;
}

/* a rekey time a random 0-10 % early, so that both sides rarely collide */
static uint64_t
jittered(struct ike_engine *e, uint32_t life_s)
{
	uint32_t r;

	if (life_s == 0)
		return 0;
	ike_random(&r, sizeof(r));
	return e->now + life_s * 1000ull - r % (life_s * 100ull + 1);
}

/* keys, then the data plane; the rekey timer starts */
int
ike_child_install(struct ike_engine *e, struct ike_sa *sa, struct child *c, const uint8_t *gir,
	      size_t girlen, const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen)
{
	struct ike_child_keys k;
	int rc;

	/* the keys go to the data plane and are not kept here */
	if (ike_derive_child_keys(&k, &sa->keys, &c->esp, gir, girlen, ni, nilen, nr, nrlen) < 0)
		return -1;
	rc = ike_child_install_keys(e, sa, c, &k);
	ike_wipe(&k, sizeof(k));
	return rc;
}

/* keys (i: what the creating exchange's initiator sends) to the data plane */
int
ike_child_install_keys(struct ike_engine *e, struct ike_sa *sa, struct child *c,
		       const struct ike_child_keys *k)
{
	struct ike_child_info ci;
	int rc;

	child_info(sa, c, &ci, k);
	rc = e->ops->child_up ? e->ops->child_up(e->ctx, &ci, c->sa_ids) : 0;
	if (rc < 0) {
		log_warn("ike %s: CHILD_SA install failed", sa->conn->d.name);
		return -1;
	}
	c->state = CH_INSTALLED;
	c->up_at = e->now;
	e->st.child_up++;
	c->rekey_at = jittered(e, sa->conn->d.child_rekey_time);
	c->expire_at = expiry(e, sa->conn->d.child_life_time, sa->conn->d.child_rekey_time);
	log_info("ike %s: CHILD_SA up, SPIs in %08x out %08x", sa->conn->d.name,
		 c->spi_in, c->spi_out);
	return 0;
}

/* established now: its rekey and hard lifetime start */
static void
up_now(struct ike_engine *e, struct ike_sa *sa)
{
	sa->state = S_ESTABLISHED;
	sa->established_at = e->now;
	sa->rekey_at = jittered(e, sa->conn->d.rekey_time);
	sa->expire_at = expiry(e, sa->conn->d.life_time, sa->conn->d.rekey_time);
}

void
ike_established(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->state == S_INIT_DONE)
		half_open_del(e, sa);
	up_now(e, sa);
	e->st.ike_up++;
	sa->conn->health->last_up_ms = e->now ? e->now : 1;
	log_info("ike %s: IKE_SA %016lx_%016lx established%s", sa->conn->d.name,
		 (unsigned long)sa->spi_i, (unsigned long)sa->spi_r, sa->natt ? " (NAT-T)" : "");
	if (e->ops->ike_up)
		e->ops->ike_up(e->ctx, sa->conn->d.name, sa->spi_i, sa->spi_r);
	sa->session = ++e->sessions;
	session_event(e, sa, true, NULL);
}

/*
 * The new IKE_SA of a rekey takes over the CHILD_SAs; the rekey's
 * initiator is the new SA's original initiator (2.18).
 */
struct ike_sa *
ike_successor(struct ike_engine *e, struct ike_sa *old, bool initiator, uint64_t spi_i,
	      uint64_t spi_r, const struct ike_algs *a, const uint8_t *gir, size_t girlen,
	      const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen)
{
	struct ike_sa *sa = ike_sa_new(e, old->conn, initiator);

	if (sa == NULL)
		return NULL;
	sa->spi_i = spi_i;
	sa->spi_r = spi_r;
	ike_sa_index(e, sa);
	sa->local = old->local;
	sa->remote = old->remote;
	sa->natt = old->natt;
	sa->behind_nat = old->behind_nat;
	sa->frag = old->frag;
	sa->digsig = old->digsig;
	if (ike_derive_ike_keys(&sa->keys, a, gir, girlen, ni, nilen, nr, nrlen, spi_i, spi_r,
				old->keys.sk_d, old->keys.a.prf) < 0) {
		sa->state = S_DEAD;
		return NULL;
	}
	memcpy(sa->ch, old->ch, sizeof(sa->ch));
	memset(old->ch, 0, sizeof(old->ch));
	ike_ra_move(sa, old);
	/* the old one only waits for its Delete exchange now */
	old->state = S_DELETING;
	ike_sched(e, old);
	old->rekey_at = 0;
	sa->route_prio = old->route_prio;
	up_now(e, sa);
	e->st.ike_rekeyed++;
	log_info("ike %s: IKE_SA rekeyed to %016lx_%016lx", sa->conn->d.name,
		 (unsigned long)spi_i, (unsigned long)spi_r);
	if (e->ops->ike_up)
		e->ops->ike_up(e->ctx, sa->conn->d.name, spi_i, spi_r);
	return sa;
}

/* the shared secret with the peer's public value; a value that is not one
 * (wrong length, not on the curve, out of range, an all-zero X25519
 * result) is counted and logged, with where it came from */
int
ike_dh_peer(struct ike_engine *e, const struct ike_sa *sa, struct ike_dh *dh, const uint8_t *ke,
	    size_t kelen, uint8_t *out, size_t *olen)
{
	char a[IP_ADDR_STRLEN];

	if (ike_dh_shared(dh, ke, kelen, out, olen) == 0)
		return 0;
	e->st.invalid_ke++;
	log_warn("ike %s: invalid key exchange value from %s (%zu bytes, group %u): refused",
		 sa->conn->d.name, ip_addr_fmt(&sa->remote.addr, a, sizeof(a)), kelen,
		 ike_dh_group(dh));
	return -1;
}

void
ike_foreach_keys(const struct ike_engine *e,
		 void (*fn)(void *ctx, const struct ike_sa_keys_view *), void *ctx)
{
	for (const struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		if (sa->state != S_ESTABLISHED || sa->v1 != NULL)
			continue;
		struct ike_sa_keys_view v = {
			.conn = sa->conn->d.name, .spi_i = sa->spi_i, .spi_r = sa->spi_r,
			.a = sa->keys.a, .sk_ei = sa->keys.sk_ei, .sk_er = sa->keys.sk_er,
			.sk_ai = sa->keys.sk_ai, .sk_ar = sa->keys.sk_ar,
			.ekey_len = sa->keys.ekey_len, .akey_len = sa->keys.akey_len,
		};
		fn(ctx, &v);
	}
}
