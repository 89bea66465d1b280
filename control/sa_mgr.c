/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SA manager: owns SAs and policies, builds data-plane objects off to
 * the side and publishes them to the workers through their rings. An
 * object leaves memory only after every worker acknowledged the message
 * that retired it (a message-based grace period, no RCU library).
 *
 * A configuration change is built completely before anything is posted,
 * so a change that fails part-way changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_pause.h>

#include "common/log.h"
#include "control/ctl.h"
#include "dataplane/spd_dyn.h"

struct ctl ctl;

/*
 * Indexes of the live (not deleting) SAs: by name, and inbound ones by
 * SPI, plus a stack of free ids, so that adding an SA costs the same with
 * 10 SAs or 100 000.
 */
static struct rte_hash *by_name, *by_spi;
static uint32_t *free_ids;
static unsigned n_free;

/*
 * IKE's per-tunnel protect policies live in the workers' dynamic tables
 * (dataplane/spd_dyn.c), not in the rte_acl SPD and not in ctl.policies:
 * a dense array (removal moves the last one into the gap), indexed by
 * policy name and by outbound SA name, and the control thread's own copy
 * of the workers' tables (to know when a destination prefix is full).
 * Adding or removing one is O(1), however many tunnels there are.
 */
struct tpol {
	struct policy_desc p;
	struct dp_dpol *d;		/* what the workers hold */
};
static struct tpol *tpols;
static unsigned n_tpols, cap_tpols;
static struct rte_hash *tpol_by_name, *tpol_by_sa;	/* -> index + 1 */
static struct dp_dyn *dyn_mirror;

static void
name_key(const char *name, char key[NAME_MAX_LEN])
{
	size_t n = strnlen(name, NAME_MAX_LEN - 1);

	memset(key, 0, NAME_MAX_LEN);
	memcpy(key, name, n);
}

static int
tpol_lookup(struct rte_hash *h, const char *name)
{
	char key[NAME_MAX_LEN];
	void *v;

	name_key(name, key);
	return rte_hash_lookup_data(h, key, &v) < 0 ? -1 : (int)(uintptr_t)v - 1;
}

static void
tpol_index(unsigned i)
{
	char key[NAME_MAX_LEN];

	name_key(tpols[i].p.name, key);
	rte_hash_add_key_data(tpol_by_name, key, (void *)(uintptr_t)(i + 1));
	name_key(tpols[i].p.sa, key);
	rte_hash_add_key_data(tpol_by_sa, key, (void *)(uintptr_t)(i + 1));
}

unsigned
ctl_tunnel_policies(void)
{
	return n_tpols;
}

const struct policy_desc *
ctl_tunnel_policy(unsigned i)
{
	return i < n_tpols ? &tpols[i].p : NULL;
}

int
ctl_find_sa(const char *name)
{
	char key[NAME_MAX_LEN];
	void *v;

	name_key(name, key);
	return rte_hash_lookup_data(by_name, key, &v) < 0 ? -1 : (int)(uintptr_t)v;
}

static int
find_inbound_spi(uint32_t spi)
{
	void *v;

	return rte_hash_lookup_data(by_spi, &spi, &v) < 0 ? -1 : (int)(uintptr_t)v;
}

/* id is now the live SA of its name (and inbound SPI) */
static void
index_add(uint32_t id)
{
	const struct dp_sa *sa = ctl.sa[id].dp;
	char key[NAME_MAX_LEN];

	name_key(sa->desc.name, key);
	rte_hash_add_key_data(by_name, key, (void *)(uintptr_t)id);
	if (sa->dir == SA_DIR_INBOUND)
		rte_hash_add_key_data(by_spi, &sa->spi, (void *)(uintptr_t)id);
}

/* id stops being live; leave entries that already point at a successor */
static void
index_del(uint32_t id)
{
	const struct dp_sa *sa = ctl.sa[id].dp;
	char key[NAME_MAX_LEN];

	name_key(sa->desc.name, key);
	if (ctl_find_sa(sa->desc.name) == (int)id)
		rte_hash_del_key(by_name, key);
	if (sa->dir == SA_DIR_INBOUND && find_inbound_spi(sa->spi) == (int)id)
		rte_hash_del_key(by_spi, &sa->spi);
}

static int
id_take(void)
{
	return n_free == 0 ? -1 : (int)free_ids[--n_free];
}

static void
id_put(uint32_t id)
{
	free_ids[n_free++] = id;
}

/* Mark an SA as leaving: invisible to lookups from now on. */
static void
mark_deleting(uint32_t id)
{
	index_del(id);
	ctl.sa[id].deleting = true;
}

static void
on_ack(struct dp_msg *m)
{
	uint64_t ns = (rte_get_tsc_cycles() - m->submit_tsc) * 1000000000ull /
		      rte_get_tsc_hz();

	ctl.st.msgs_acked++;
	ctl.st.ack_lat_ns_last = ns;
	if (ns > ctl.st.ack_lat_ns_max)
		ctl.st.ack_lat_ns_max = ns;
	switch (m->type) {
	case MSG_SA_DEL: {
		struct dp_sa *sa = m->obj;
		ctl.sa[sa->id].dp = NULL;
		ctl.sa[sa->id].deleting = false;
		id_put(sa->id);
		dp_sa_free(sa);
		break;
	}
	case MSG_SPD_SWAP:
		dp_spd_free(m->old);
		break;
	case MSG_DPOL_DEL:
		free(m->obj);
		break;
	case MSG_RT_SWAP:
		dp_rt_free(m->old);
		break;
	default:
		break;
	}
	ctl.in_flight--;
	free(m);
}

static void
on_event(unsigned worker, int ev, uint32_t id)
{
	struct ctl_sa *s = id < ctl.max_sas ? &ctl.sa[id] : NULL;
	char err[128];

	(void)worker;
	if (s == NULL || s->dp == NULL || s->deleting)
		return;
	if (ev == EV_SOFT_LIFE) {
		ctl.st.soft_events++;
		log_info("SA %s: soft lifetime reached (rekey due)", s->dp->desc.name);
	} else if (ev == EV_HARD_LIFE) {
		ctl.st.hard_events++;
		log_info("SA %s: hard lifetime reached, deleting", s->dp->desc.name);
		ctl_sa_del(s->dp->desc.name, err, sizeof(err));
	}
}

void
ctl_poll_rings(void)
{
	dp_poll(on_ack, on_event);
}

/* Post, waiting for ring space if the workers lag behind. */
static void
post(enum dp_msg_type t, void *obj, void *old)
{
	struct dp_msg *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		log_err("out of memory posting a message: aborting");
		abort();
	}
	m->type = t;
	m->obj = obj;
	m->old = old;
	while (dp_post(m) < 0) {
		ctl_poll_rings();
		rte_pause();
	}
	ctl.in_flight++;
	ctl.st.msgs_posted++;
}

/* SA pointer of each policy (PROTECT only), looked up by name. */
static struct dp_spd *
build_spd(const struct policy_desc *p, unsigned n, struct dp_sa *const *extra,
	  unsigned n_extra, const char *skip_sa, char *err, size_t el)
{
	struct dp_sa **sa = calloc(n ? n : 1, sizeof(*sa));
	struct dp_spd *spd;

	if (sa == NULL) {
		snprintf(err, el, "out of memory");
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		int id;
		if (p[i].action != SPD_PROTECT)
			continue;
		if (skip_sa && !strcmp(p[i].sa, skip_sa))
			continue;
		id = ctl_find_sa(p[i].sa);
		if (id >= 0 && ctl.sa[id].dp->dir == SA_DIR_OUTBOUND)
			sa[i] = ctl.sa[id].dp;
		for (unsigned j = 0; j < n_extra; j++)
			if (!strcmp(extra[j]->desc.name, p[i].sa) &&
			    extra[j]->dir == SA_DIR_OUTBOUND)
				sa[i] = extra[j];
	}
	spd = dp_spd_build(p, sa, n, err, el);
	free(sa);
	return spd;
}

static void
swap_spd(struct dp_spd *spd)
{
	struct dp_spd *old = ctl.spd;

	ctl.spd = spd;
	post(MSG_SPD_SWAP, spd, old);
}

int
ctl_init_tables(struct espgw_config *c, char *err, size_t el)
{
	ctl.cfg = c;
	ctl.max_sas = c->max_sas;
	struct rte_hash_parameters hp = {
		.entries = c->max_sas, .hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
	};

	ctl.sa = calloc(c->max_sas, sizeof(*ctl.sa));
	free_ids = malloc(c->max_sas * sizeof(*free_ids));
	hp.name = "ctl_sa_name";
	hp.key_len = NAME_MAX_LEN;
	by_name = rte_hash_create(&hp);
	hp.name = "ctl_sa_spi";
	hp.key_len = sizeof(uint32_t);
	by_spi = rte_hash_create(&hp);
	if (free_ids == NULL || by_name == NULL || by_spi == NULL) {
		snprintf(err, el, "out of memory for %u SAs", c->max_sas);
		return -1;
	}
	/* hand out low ids first */
	for (unsigned i = c->max_sas; i > 0; i--)
		id_put(i - 1);
	ctl.rt = dp_rt_build(c, err, el);
	ctl.spd = dp_spd_build(NULL, NULL, 0, err, el);
	hp.key_len = NAME_MAX_LEN;
	hp.name = "ctl_tpol_name";
	tpol_by_name = rte_hash_create(&hp);
	hp.name = "ctl_tpol_sa";
	tpol_by_sa = rte_hash_create(&hp);
	dyn_mirror = dp_dyn_create("dyn_ctl", c->max_sas);
	if (ctl.sa == NULL || ctl.rt == NULL || ctl.spd == NULL || tpol_by_name == NULL ||
	    tpol_by_sa == NULL || dyn_mirror == NULL)
		return -1;
	dp_set_tables(ctl.spd, ctl.rt);
	ctl.started = time(NULL);
	return 0;
}

/* Does any policy name this SA? (Only then must the SPD be rebuilt.) */
static bool
sa_in_policies(const char *name)
{
	for (unsigned i = 0; i < ctl.n_policies; i++)
		if (ctl.policies[i].action == SPD_PROTECT &&
		    !strcmp(ctl.policies[i].sa, name))
			return true;
	return false;
}

int
ctl_sa_add(const struct sa_desc *d, char *err, size_t el)
{
	struct dp_sa *sa;
	struct dp_spd *spd = NULL;
	int id;

	if (config_check_sa(d, err, el) < 0)
		return -1;
	if (ctl_find_sa(d->name) >= 0) {
		snprintf(err, el, "SA %s already exists", d->name);
		return -1;
	}
	if (d->dir == SA_DIR_INBOUND && find_inbound_spi(d->spi) >= 0) {
		snprintf(err, el, "inbound SPI 0x%x is in use", d->spi);
		return -1;
	}
	id = id_take();
	if (id < 0) {
		snprintf(err, el, "SA table full (max_sas %u)", ctl.max_sas);
		return -1;
	}
	if (dp_sa_create(d, id, &sa, err, el) < 0) {
		id_put(id);
		return -1;
	}
	if (sa->dir == SA_DIR_OUTBOUND && sa_in_policies(d->name)) {
		spd = build_spd(ctl.policies, ctl.n_policies, &sa, 1, NULL, err, el);
		if (spd == NULL) {
			dp_sa_free(sa);
			id_put(id);
			return -1;
		}
	}
	ctl.sa[id].dp = sa;
	ctl.sa[id].added = time(NULL);
	ctl.sa[id].dynamic = false;
	ctl.sa[id].soft_logged = false;
	index_add(id);
	post(MSG_SA_ADD, sa, NULL);
	if (spd != NULL)
		swap_spd(spd);
	return 0;
}

static void tpol_del(unsigned i);

/* Retire an SA: first make the SPD stop pointing at it, then remove it. */
static void
retire(int id, bool spd_done)
{
	struct dp_sa *sa = ctl.sa[id].dp;

	mark_deleting(id);
	if (sa->dir == SA_DIR_OUTBOUND) {
		/* a tunnel policy on it leaves the workers before it does (IKE
		 * removes its policy first; this is for anything else) */
		int t = tpol_lookup(tpol_by_sa, sa->desc.name);
		if (t >= 0) {
			log_info("policy %s goes with its SA %s", tpols[t].p.name, sa->desc.name);
			tpol_del((unsigned)t);
		}
	}
	if (!spd_done && sa->dir == SA_DIR_OUTBOUND && sa_in_policies(sa->desc.name)) {
		char err[128];
		struct dp_spd *spd = build_spd(ctl.policies, ctl.n_policies, NULL, 0,
					       NULL, err, sizeof(err));
		if (spd != NULL)
			swap_spd(spd);
		else
			log_err("SPD rebuild failed: %s", err);
	}
	post(MSG_SA_DEL, sa, NULL);
}

int
ctl_sa_del(const char *name, char *err, size_t el)
{
	int id = ctl_find_sa(name);

	if (id < 0) {
		snprintf(err, el, "no SA named %s", name);
		return -1;
	}
	retire(id, false);
	return 0;
}

static int
find_policy(const struct policy_desc *p, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(p[i].name, name))
			return i;
	return -1;
}

/*
 * An IKE protect policy into the workers' per-tunnel tables; false when it
 * belongs in the rte_acl SPD (not IKE's, no outbound SA yet, an SA that
 * has one already, or a destination prefix that is full)
 */
static bool
tpol_add(const struct policy_desc *p)
{
	struct dp_dpol *d;
	int id;

	if (!p->dynamic || p->action != SPD_PROTECT || p->priority <= DP_DYN_MIN_PRIO ||
	    p->sel.dst.addr.family == 0 || tpol_lookup(tpol_by_sa, p->sa) >= 0)
		return false;
	id = ctl_find_sa(p->sa);
	if (id < 0 || ctl.sa[id].dp->dir != SA_DIR_OUTBOUND)
		return false;
	if (n_tpols == cap_tpols) {
		unsigned cap = cap_tpols ? 2 * cap_tpols : 64;
		struct tpol *t = realloc(tpols, cap * sizeof(*t));
		if (t == NULL)
			return false;
		tpols = t;
		cap_tpols = cap;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return false;
	d->sel = p->sel;
	d->priority = p->priority;
	d->sa = ctl.sa[id].dp;
	if (dp_dyn_add(dyn_mirror, d) < 0) {
		free(d);
		return false;
	}
	tpols[n_tpols] = (struct tpol){ *p, d };
	tpol_index(n_tpols++);
	post(MSG_DPOL_ADD, d, NULL);
	return true;
}

/* out of the workers' tables (freed once they all acknowledged) */
static void
tpol_del(unsigned i)
{
	char key[NAME_MAX_LEN];

	name_key(tpols[i].p.name, key);
	rte_hash_del_key(tpol_by_name, key);
	name_key(tpols[i].p.sa, key);
	rte_hash_del_key(tpol_by_sa, key);
	dp_dyn_del(dyn_mirror, tpols[i].d);
	post(MSG_DPOL_DEL, tpols[i].d, NULL);
	if (i != --n_tpols) {
		tpols[i] = tpols[n_tpols];
		tpol_index(i);
	}
}


int
ctl_policy_add(const struct policy_desc *p, char *err, size_t el)
{
	struct policy_desc *np;
	struct dp_spd *spd;
	int id;

	if (find_policy(ctl.policies, ctl.n_policies, p->name) >= 0 ||
	    tpol_lookup(tpol_by_name, p->name) >= 0) {
		snprintf(err, el, "policy %s already exists", p->name);
		return -1;
	}
	if (p->action == SPD_PROTECT) {
		id = ctl_find_sa(p->sa);
		if (config_policy_sa_ok(p, id < 0 ? NULL : &ctl.sa[id].dp->desc,
					err, el) < 0)
			return -1;
	}
	/* IKE's per-tunnel policies: O(1), no SPD rebuild */
	if (tpol_add(p))
		return 0;
	np = malloc((ctl.n_policies + 1) * sizeof(*np));
	if (np == NULL) {
		snprintf(err, el, "out of memory");
		return -1;
	}
	memcpy(np, ctl.policies, ctl.n_policies * sizeof(*np));
	np[ctl.n_policies] = *p;
	spd = build_spd(np, ctl.n_policies + 1, NULL, 0, NULL, err, el);
	if (spd == NULL) {
		free(np);
		return -1;
	}
	free(ctl.policies);
	ctl.policies = np;
	ctl.n_policies++;
	swap_spd(spd);
	return 0;
}

int
ctl_policy_del(const char *name, char *err, size_t el)
{
	int i = find_policy(ctl.policies, ctl.n_policies, name);
	int t = tpol_lookup(tpol_by_name, name);
	struct dp_spd *spd;
	struct policy_desc *np;

	if (t >= 0) {
		tpol_del((unsigned)t);
		return 0;
	}

	if (i < 0) {
		snprintf(err, el, "no policy named %s", name);
		return -1;
	}
	np = malloc((ctl.n_policies ? ctl.n_policies : 1) * sizeof(*np));
	if (np == NULL) {
		snprintf(err, el, "out of memory");
		return -1;
	}
	memcpy(np, ctl.policies, i * sizeof(*np));
	memcpy(np + i, ctl.policies + i + 1, (ctl.n_policies - i - 1) * sizeof(*np));
	spd = build_spd(np, ctl.n_policies - 1, NULL, 0, NULL, err, el);
	if (spd == NULL) {
		free(np);
		return -1;
	}
	free(ctl.policies);
	ctl.policies = np;
	ctl.n_policies--;
	swap_spd(spd);
	return 0;
}

static int
sa_name_cmp(const void *a, const void *b)
{
	return strcmp((*(struct dp_sa *const *)a)->desc.name,
		      (*(struct dp_sa *const *)b)->desc.name);
}

static int
sa_name_key_cmp(const void *key, const void *b)
{
	return strcmp(key, (*(struct dp_sa *const *)b)->desc.name);
}

static bool
same_ports(const struct espgw_config *a, const struct espgw_config *b)
{
	if (a->n_ports != b->n_ports || a->workers != b->workers ||
	    a->engine != b->engine || a->max_sas != b->max_sas)
		return false;
	for (unsigned i = 0; i < a->n_ports; i++)
		if (strcmp(a->ports[i].name, b->ports[i].name) ||
		    strcmp(a->ports[i].devargs, b->ports[i].devargs))
			return false;
	return true;
}

/*
 * Make the running state equal to nc: SAs whose descriptor is unchanged
 * keep running (counters, sequence numbers and replay windows intact);
 * new and changed ones are created first, and only when everything was
 * built does anything get posted.
 */
int
ctl_apply(const struct espgw_config *nc, char *err, size_t el)
{
	struct dp_sa **created = NULL;
	uint32_t *retiring = NULL;
	bool *keep = NULL;
	unsigned n_created = 0, n_retiring = 0, n_pol = 0;
	struct dp_rt *rt = NULL;
	struct dp_spd *spd = NULL;
	struct policy_desc *pol = NULL;
	int rc = -1;

	if (ctl.cfg != nc && !same_ports(ctl.cfg, nc)) {
		snprintf(err, el, "%s: ports, workers, crypto_engine or max_sas "
			 "changed: these need a restart", nc->source);
		return -1;
	}
	created = calloc(nc->n_sas + 1, sizeof(*created));
	keep = calloc(ctl.max_sas, sizeof(*keep));
	retiring = malloc(ctl.max_sas * sizeof(*retiring));
	/* the file's policies, then the running ones IKE made */
	for (unsigned i = 0; i < ctl.n_policies; i++)
		n_pol += ctl.policies[i].dynamic;
	pol = malloc((nc->n_policies + n_pol + 1) * sizeof(*pol));
	if (!created || !keep || !retiring || !pol) {
		snprintf(err, el, "out of memory");
		goto out;
	}
	if (nc->n_policies)	/* a file without policies has none to copy */
		memcpy(pol, nc->policies, nc->n_policies * sizeof(*pol));
	n_pol = nc->n_policies;
	for (unsigned i = 0; i < ctl.n_policies; i++)
		if (ctl.policies[i].dynamic)
			pol[n_pol++] = ctl.policies[i];
	for (unsigned i = 0; i < ctl.max_sas; i++)
		keep[i] = ctl.sa[i].dp && !ctl.sa[i].deleting && ctl.sa[i].dynamic;
	for (unsigned i = 0; i < nc->n_sas; i++) {
		const struct sa_desc *d = &nc->sas[i];
		int id = ctl_find_sa(d->name);
		if (id >= 0 && memcmp(&ctl.sa[id].dp->desc, d, sizeof(*d)) == 0) {
			keep[id] = true;
			continue;
		}
		id = id_take();
		if (id < 0) {
			snprintf(err, el, "%s: more SAs than max_sas %u", nc->source,
				 ctl.max_sas);
			goto out;
		}
		if (dp_sa_create(d, id, &created[n_created], err, el) < 0) {
			id_put(id);
			goto out;
		}
		n_created++;
	}
	rt = dp_rt_build(nc, err, el);
	if (rt == NULL)
		goto out;
	{
		/* the SPD sees kept SAs by name and the new ones by pointer */
		struct dp_sa **sa = calloc(n_pol + 1, sizeof(*sa));
		if (sa == NULL)
			goto out;
		/* new SAs by name: sorted, so 100k policies do not scan 100k SAs */
		qsort(created, n_created, sizeof(*created), sa_name_cmp);
		for (unsigned i = 0; i < n_pol; i++) {
			struct dp_sa **hit;
			if (pol[i].action != SPD_PROTECT)
				continue;
			int id = ctl_find_sa(pol[i].sa);
			if (id >= 0 && keep[id])
				sa[i] = ctl.sa[id].dp;
			hit = bsearch(pol[i].sa, created, n_created, sizeof(*created),
				      sa_name_key_cmp);
			if (hit != NULL)
				sa[i] = *hit;
		}
		spd = dp_spd_build(pol, sa, n_pol, err, el);
		free(sa);
		if (spd == NULL)
			goto out;
	}

	/* commit: nothing below can fail */
	/* live SAs the file does not keep leave (after the new SPD is in) */
	for (unsigned i = 0; i < ctl.max_sas; i++)
		if (ctl.sa[i].dp && !ctl.sa[i].deleting && !keep[i]) {
			mark_deleting(i);
			retiring[n_retiring++] = i;
		}
	for (unsigned j = 0; j < n_created; j++) {
		struct dp_sa *s = created[j];
		ctl.sa[s->id].dp = s;
		ctl.sa[s->id].added = time(NULL);
		ctl.sa[s->id].soft_logged = false;
		ctl.sa[s->id].deleting = false;
		ctl.sa[s->id].dynamic = false;
		index_add(s->id);
		post(MSG_SA_ADD, s, NULL);
	}
	{
		struct dp_rt *old = ctl.rt;
		ctl.rt = rt;
		post(MSG_RT_SWAP, rt, old);
	}
	free(ctl.policies);
	ctl.policies = pol;
	ctl.n_policies = n_pol;
	pol = NULL;
	swap_spd(spd);
	for (unsigned k = 0; k < n_retiring; k++)
		post(MSG_SA_DEL, ctl.sa[retiring[k]].dp, NULL);
	n_created = 0;
	rt = NULL;
	spd = NULL;
	rc = 0;
out:
	for (unsigned j = 0; j < n_created; j++) {
		id_put(created[j]->id);
		dp_sa_free(created[j]);
	}
	dp_rt_free(rt);
	dp_spd_free(spd);
	free(created);
	free(keep);
	free(retiring);
	free(pol);
	return rc;
}

/* Once a second: lifetimes in seconds (RFC 4301 4.4.2.1). */
void
ctl_tick(void)
{
	time_t now = time(NULL);
	char err[128];

	ctl_neigh_expire();
	for (unsigned i = 0; i < ctl.max_sas; i++) {
		struct ctl_sa *s = &ctl.sa[i];
		const struct lifetime *l;
		if (s->dp == NULL || s->deleting)
			continue;
		l = &s->dp->desc.life;
		if (l->hard_seconds && (uint64_t)(now - s->added) >= l->hard_seconds) {
			ctl.st.hard_events++;
			log_info("SA %s: hard lifetime (%llu s) reached, deleting",
				 s->dp->desc.name, (unsigned long long)l->hard_seconds);
			ctl_sa_del(s->dp->desc.name, err, sizeof(err));
		} else if (l->soft_seconds && !s->soft_logged &&
			   (uint64_t)(now - s->added) >= l->soft_seconds) {
			s->soft_logged = true;
			ctl.st.soft_events++;
			log_info("SA %s: soft lifetime (%llu s) reached (rekey due)",
				 s->dp->desc.name, (unsigned long long)l->soft_seconds);
		}
	}
}

/* Stop the workers once everything posted so far was acknowledged. */
void
ctl_quit(void)
{
	struct dp_msg *m = calloc(1, sizeof(*m));

	m->type = MSG_QUIT;
	while (dp_post(m) < 0)
		ctl_poll_rings();
	ctl.in_flight++;
	while (ctl.in_flight > 0) {
		ctl_poll_rings();
		rte_pause();
	}
}
