/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual IP pools: leases by owner (a hash of chains), offline leases
 * in a list oldest first, addresses never leased handed out in order.
 * Memory grows with the leases made, not with the pool's size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ike/pool.h"

#define NIL UINT32_MAX

struct lease {
	uint32_t off;			/* from the pool's first address */
	uint32_t refs;			/* holders; 0: offline */
	uint32_t hnext;			/* chain by owner */
	uint32_t prev, next;		/* offline list */
	char owner[USER_NAME_LEN];
};

struct ike_pool {
	unsigned refs;
	struct pool_desc d;
	uint32_t size, unused_from;	/* offsets from unused_from on: never leased */
	struct lease *l;
	uint32_t n, cap;
	uint32_t *bucket, nb;		/* nb: a power of two */
	uint32_t off_head, off_tail;	/* offline leases, oldest first */
	uint32_t online;
};

static uint32_t
span(const struct pool_desc *d)
{
	unsigned alen = ip_alen(d->first.family);
	uint64_t a = 0, b = 0;

	for (unsigned i = alen - 4; i < alen; i++) {
		a = a << 8 | d->first.a[i];
		b = b << 8 | d->last.a[i];
	}
	return b < a ? 0 : b - a + 1 > POOL_MAX_SIZE ? POOL_MAX_SIZE : (uint32_t)(b - a + 1);
}

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

struct ike_pool *
ike_pool_new(const struct pool_desc *d)
{
	struct ike_pool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->refs = 1;
	p->d = *d;
	p->size = span(d);
	p->off_head = p->off_tail = NIL;
	return p;
}

struct ike_pool *
ike_pool_get(struct ike_pool *p)
{
	p->refs++;
	return p;
}

void
ike_pool_put(struct ike_pool *p)
{
	if (p == NULL || --p->refs)
		return;
	free(p->l);
	free(p->bucket);
	free(p);
}

const struct pool_desc *
ike_pool_desc(const struct ike_pool *p)
{
	return &p->d;
}

bool
ike_pool_same(const struct ike_pool *p, const struct pool_desc *d)
{
	return !strcmp(p->d.name, d->name) && ip_addr_eq(&p->d.first, &d->first) &&
	       ip_addr_eq(&p->d.last, &d->last);
}

void
ike_pool_set_dns(struct ike_pool *p, const struct pool_desc *d)
{
	memcpy(p->d.dns, d->dns, sizeof(p->d.dns));
	p->d.n_dns = d->n_dns;
}

static void
addr_of(const struct ike_pool *p, uint32_t off, struct ip_addr *a)
{
	unsigned alen = ip_alen(p->d.first.family);
	uint32_t v = 0;

	*a = p->d.first;
	for (unsigned i = alen - 4; i < alen; i++)
		v = v << 8 | a->a[i];
	v += off;
	for (unsigned i = alen; i-- > alen - 4; v >>= 8)
		a->a[i] = (uint8_t)v;
}

static void
link_owner(struct ike_pool *p, uint32_t i)
{
	uint32_t *b = &p->bucket[hash(p->l[i].owner) & (p->nb - 1)];

	p->l[i].hnext = *b;
	*b = i;
}

/* room for one more lease, the owner hash at least twice as wide */
static int
grow(struct ike_pool *p)
{
	if (p->n == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 64;
		struct lease *l = realloc(p->l, cap * sizeof(*l));
		if (l == NULL)
			return -1;
		p->l = l;
		p->cap = cap;
	}
	if (p->nb < 2 * p->cap) {
		uint32_t nb = 2 * p->cap, *b = malloc(nb * sizeof(*b));
		if (b == NULL)
			return -1;
		free(p->bucket);
		p->bucket = b;
		p->nb = nb;
		memset(b, 0xff, nb * sizeof(*b));
		for (uint32_t i = 0; i < p->n; i++)
			link_owner(p, i);
	}
	return 0;
}

static void
offline_del(struct ike_pool *p, uint32_t i)
{
	struct lease *x = &p->l[i];

	if (x->prev == NIL)
		p->off_head = x->next;
	else
		p->l[x->prev].next = x->next;
	if (x->next == NIL)
		p->off_tail = x->prev;
	else
		p->l[x->next].prev = x->prev;
}

static void
unlink_owner(struct ike_pool *p, uint32_t i)
{
	uint32_t *b = &p->bucket[hash(p->l[i].owner) & (p->nb - 1)];

	while (*b != i)
		b = &p->l[*b].hnext;
	*b = p->l[i].hnext;
}

int
ike_pool_acquire(struct ike_pool *p, const char *owner, struct ike_lease *out)
{
	uint32_t i = NIL;

	for (uint32_t j = p->nb ? p->bucket[hash(owner) & (p->nb - 1)] : NIL; j != NIL;
	     j = p->l[j].hnext)
		if (!strcmp(p->l[j].owner, owner)) {
			i = j;
			break;
		}
	if (i != NIL) {
		if (p->l[i].refs == 0)
			offline_del(p, i);
	} else if (p->unused_from < p->size) {
		if (grow(p) < 0)
			return -1;
		i = p->n++;
		memset(&p->l[i], 0, sizeof(p->l[i]));
		p->l[i].off = p->unused_from++;
		snprintf(p->l[i].owner, sizeof(p->l[i].owner), "%s", owner);
		link_owner(p, i);
	} else if ((i = p->off_head) != NIL) {
		/* every address handed out once: the oldest offline one */
		offline_del(p, i);
		unlink_owner(p, i);
		snprintf(p->l[i].owner, sizeof(p->l[i].owner), "%s", owner);
		link_owner(p, i);
	} else {
		return -1;
	}
	if (p->l[i].refs++ == 0)
		p->online++;
	p->refs++;
	out->pool = p;
	out->idx = i;
	addr_of(p, p->l[i].off, &out->addr);
	return 0;
}

void
ike_pool_release(struct ike_lease *l)
{
	struct ike_pool *p = l->pool;
	struct lease *x;

	if (p == NULL)
		return;
	x = &p->l[l->idx];
	if (--x->refs == 0) {
		p->online--;
		x->next = NIL;
		x->prev = p->off_tail;
		if (p->off_tail == NIL)
			p->off_head = l->idx;
		else
			p->l[p->off_tail].next = l->idx;
		p->off_tail = l->idx;
	}
	l->pool = NULL;
	ike_pool_put(p);
}

void
ike_pool_stats(const struct ike_pool *p, struct ike_pool_stats *s)
{
	s->size = p->size;
	s->online = p->online;
	s->offline = p->n - p->online;
	s->unused = p->size - p->unused_from;
}

bool
ike_pool_lease(const struct ike_pool *p, uint32_t i, struct ip_addr *a, const char **owner,
	       bool *online)
{
	if (i >= p->n)
		return false;
	addr_of(p, p->l[i].off, a);
	*owner = p->l[i].owner;
	*online = p->l[i].refs > 0;
	return true;
}
