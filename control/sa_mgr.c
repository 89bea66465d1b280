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
#define LOG_SUBSYS LOG_SS_SA
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/msgs.h"
#include "control/punt.h"
#include "control/sa_mgr.h"
#include "control/ctrs.h"
#include "control/tpol.h"

struct ctl ctl;

/*
 * Indexes of the live (not deleting) SAs: by name, and inbound ones by
 * SPI, plus a stack of free ids, so that adding an SA costs the same with
 * 10 SAs or 100 000.
 */
static struct rte_hash *by_name, *by_spi;
static uint32_t *free_ids;
static unsigned n_free;






int
ctl_find_sa(const char *name)
{
	char key[NAME_MAX_LEN];
	void *v;

	ctl_name_key(name, key);
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
	const struct sa_desc *d = &ctl.sa[id].desc;
	char key[NAME_MAX_LEN];

	ctl_name_key(d->name, key);
	rte_hash_add_key_data(by_name, key, (void *)(uintptr_t)id);
	if (d->dir == SA_DIR_INBOUND)
		rte_hash_add_key_data(by_spi, &d->spi, (void *)(uintptr_t)id);
}

/* id stops being live; leave entries that already point at a successor */
static void
index_del(uint32_t id)
{
	const struct sa_desc *d = &ctl.sa[id].desc;
	char key[NAME_MAX_LEN];

	ctl_name_key(d->name, key);
	if (ctl_find_sa(d->name) == (int)id)
		rte_hash_del_key(by_name, key);
	if (d->dir == SA_DIR_INBOUND && find_inbound_spi(d->spi) == (int)id)
		rte_hash_del_key(by_spi, &d->spi);
}

/* a digest of d's keys: how a reload tells a changed SA once ours are wiped */
static void
key_digest(const struct sa_desc *d, uint8_t out[32])
{
	uint8_t buf[2 + 2 * MAX_KEY_LEN];

	buf[0] = d->enc_key_len;
	buf[1] = d->auth_key_len;
	memcpy(buf + 2, d->enc_key, MAX_KEY_LEN);
	memcpy(buf + 2 + MAX_KEY_LEN, d->auth_key, MAX_KEY_LEN);
	EVP_Digest(buf, sizeof(buf), out, NULL, EVP_sha256(), NULL);
	OPENSSL_cleanse(buf, sizeof(buf));
}

/* d as the SA manager keeps it: everything but the keys */
static void
cold_copy(struct sa_desc *to, const struct sa_desc *d)
{
	memcpy(to, d, sizeof(*to));
	OPENSSL_cleanse(to->enc_key, sizeof(to->enc_key));
	OPENSSL_cleanse(to->auth_key, sizeof(to->auth_key));
}

/* the running SA id was made of d, keys included */
static bool
slot_same(uint32_t id, const struct sa_desc *d)
{
	struct sa_desc x;
	uint8_t dg[32];

	key_digest(d, dg);
	cold_copy(&x, d);
	return memcmp(&x, &ctl.sa[id].desc, sizeof(x)) == 0 &&
	       CRYPTO_memcmp(dg, ctl.sa[id].key_digest, sizeof(dg)) == 0;
}

/* slot id now holds dp, made of d, and is live */
static void
slot_fill(uint32_t id, struct dp_sa *dp, const struct sa_desc *d)
{
	struct ctl_sa *s = &ctl.sa[id];

	s->dp = dp;
	cold_copy(&s->desc, d);
	key_digest(d, s->key_digest);
	s->added = time(NULL);
	s->soft_logged = false;
	s->deleting = false;
	s->dynamic = false;
	s->conn[0] = '\0';
	s->xkey = NULL;
	if (ctl.cfg && ctl.cfg->mgmt.key_export &&
	    (s->xkey = malloc(sizeof(d->enc_key) + sizeof(d->auth_key))) != NULL) {
		memcpy(s->xkey, d->enc_key, d->enc_key_len);
		memcpy(s->xkey + d->enc_key_len, d->auth_key, d->auth_key_len);
		s->xenc_len = d->enc_key_len;
		s->xauth_len = d->auth_key_len;
	}
	ctrs_sa_new(id);
	index_add(id);
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


/* the workers acknowledged the SA's removal: its slot and id are free */
static void
sa_deleted(struct dp_msg *m)
{
	uint32_t id = dp_sa_id(m->obj);

	dp_sa_free(m->obj);
	if (ctl.sa[id].xkey) {
		OPENSSL_cleanse(ctl.sa[id].xkey, ctl.sa[id].xenc_len + ctl.sa[id].xauth_len);
		free(ctl.sa[id].xkey);
	}
	memset(&ctl.sa[id], 0, sizeof(ctl.sa[id]));
	id_put(id);
}

static void
post_sa_del(struct dp_sa *sa)
{
	struct dp_msg *m = ctl_msg_new(MSG_SA_DEL, sa, NULL);

	m->done = sa_deleted;
	ctl_msg_post(m);
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
		log_info("SA %s: soft lifetime reached (rekey due)", s->desc.name);
	} else if (ev == EV_HARD_LIFE) {
		ctl.st.hard_events++;
		log_info("SA %s: hard lifetime reached, deleting", s->desc.name);
		ctl_sa_del(s->desc.name, err, sizeof(err));
	}
}


/* an SA made but not yet live (posted only once everything was built) */
struct made {
	struct dp_sa *dp;
	uint32_t id;
	const struct sa_desc *d;
};

/* SA pointer of each policy (PROTECT only), looked up by name. */
static struct dp_spd *
build_spd(const struct policy_desc *p, unsigned n, const struct made *extra,
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
		if (id >= 0 && ctl.sa[id].desc.dir == SA_DIR_OUTBOUND)
			sa[i] = ctl.sa[id].dp;
		for (unsigned j = 0; j < n_extra; j++)
			if (!strcmp(extra[j].d->name, p[i].sa) &&
			    extra[j].d->dir == SA_DIR_OUTBOUND)
				sa[i] = extra[j].dp;
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
	ctl_post(MSG_SPD_SWAP, spd, old);
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
	ctl_msgs_init(on_event);
	if (ctl.sa == NULL || ctl.rt == NULL || ctl.spd == NULL || ctl_tpol_init(c->max_sas) < 0 ||
	    ctrs_init(c->max_sas) < 0)
		return -1;
	dp_set_tables(ctl.spd, ctl.rt);
	ctl_neigh_static(c);
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
	if (d->dir == SA_DIR_OUTBOUND && sa_in_policies(d->name)) {
		struct made m = { sa, (uint32_t)id, d };
		spd = build_spd(ctl.policies, ctl.n_policies, &m, 1, NULL, err, el);
		if (spd == NULL) {
			dp_sa_free(sa);
			id_put(id);
			return -1;
		}
	}
	slot_fill(id, sa, d);
	ctl_post(MSG_SA_ADD, sa, NULL);
	if (spd != NULL)
		swap_spd(spd);
	return id;
}

int
ctl_sa_move(uint32_t id, const struct ip_addr *local, const struct ip_addr *remote,
	    uint16_t sport, uint16_t dport, char *err, size_t el)
{
	struct sa_desc *d;
	void *old = NULL;

	if (id >= ctl.max_sas || ctl.sa[id].dp == NULL || ctl.sa[id].deleting) {
		snprintf(err, el, "no SA of id %u", id);
		return -1;
	}
	d = &ctl.sa[id].desc;
	if (d->dir == SA_DIR_INBOUND) {
		/* found by SPI alone, it needs nothing new; by its
		 * destination, it would need indexing anew */
		if (d->lookup != SAD_SPI && !ip_addr_eq(&d->local, local)) {
			snprintf(err, el, "SA %s is looked up by its destination", d->name);
			return -1;
		}
	} else {
		if (dp_sa_repoint(ctl.sa[id].dp, local, remote, sport, dport, &old, err, el) < 0)
			return -1;
		/* old goes once every worker has let go of it (msgs.c) */
		ctl_post(MSG_SA_MOVE, ctl.sa[id].dp, old);
		d->encap_sport = sport;
		d->encap_dport = dport;
	}
	d->local = *local;
	d->remote = *remote;
	return 0;
}

/* Retire an SA: first make the SPD stop pointing at it, then remove it. */
static void
retire(int id, bool spd_done)
{
	struct dp_sa *sa = ctl.sa[id].dp;
	const struct sa_desc *d = &ctl.sa[id].desc;

	mark_deleting(id);
	if (d->dir == SA_DIR_OUTBOUND) {
		/* a tunnel policy on it leaves the workers before it does (IKE
		 * removes its policy first; this is for anything else) */
		int t = ctl_tpol_by_sa(d->name);
		if (t >= 0) {
			log_info("policy %s goes with its SA %s", ctl_tunnel_policy(t)->name,
				 d->name);
			ctl_tpol_del((unsigned)t);
		}
	}
	if (!spd_done && d->dir == SA_DIR_OUTBOUND && sa_in_policies(d->name)) {
		char err[128];
		struct dp_spd *spd = build_spd(ctl.policies, ctl.n_policies, NULL, 0,
					       NULL, err, sizeof(err));
		if (spd != NULL)
			swap_spd(spd);
		else
			log_err("SPD rebuild failed: %s", err);
	}
	post_sa_del(sa);
}

int
ctl_sa_del_id(uint32_t id)
{
	if (id >= ctl.max_sas || ctl.sa[id].dp == NULL || ctl.sa[id].deleting)
		return -1;
	retire((int)id, false);
	return 0;
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




int
ctl_policy_add(const struct policy_desc *p, char *err, size_t el)
{
	struct policy_desc *np;
	struct dp_spd *spd;
	int id;

	if (find_policy(ctl.policies, ctl.n_policies, p->name) >= 0 ||
	    ctl_tpol_by_name(p->name) >= 0) {
		snprintf(err, el, "policy %s already exists", p->name);
		return -1;
	}
	if (p->action == SPD_PROTECT) {
		id = ctl_find_sa(p->sa);
		if (config_policy_sa_ok(p, id < 0 ? NULL : &ctl.sa[id].desc,
					err, el) < 0)
			return -1;
	}
	/* IKE's per-tunnel policies: O(1), no SPD rebuild */
	id = p->action == SPD_PROTECT ? ctl_find_sa(p->sa) : -1;
	if (ctl_tpol_add(p, id >= 0 && ctl.sa[id].desc.dir == SA_DIR_OUTBOUND ?
			 ctl.sa[id].dp : NULL))
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
	int t = ctl_tpol_by_name(name);
	struct dp_spd *spd;
	struct policy_desc *np;

	if (t >= 0) {
		ctl_tpol_del((unsigned)t);
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
made_cmp(const void *a, const void *b)
{
	return strcmp(((const struct made *)a)->d->name, ((const struct made *)b)->d->name);
}

static int
made_key_cmp(const void *key, const void *b)
{
	return strcmp(key, ((const struct made *)b)->d->name);
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
	struct made *created = NULL;
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
		if (id >= 0 && slot_same((uint32_t)id, d)) {
			keep[id] = true;
			continue;
		}
		id = id_take();
		if (id < 0) {
			snprintf(err, el, "%s: more SAs than max_sas %u", nc->source,
				 ctl.max_sas);
			goto out;
		}
		if (dp_sa_create(d, id, &created[n_created].dp, err, el) < 0) {
			id_put(id);
			goto out;
		}
		created[n_created].id = (uint32_t)id;
		created[n_created++].d = d;
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
		qsort(created, n_created, sizeof(*created), made_cmp);
		for (unsigned i = 0; i < n_pol; i++) {
			const struct made *hit;
			if (pol[i].action != SPD_PROTECT)
				continue;
			int id = ctl_find_sa(pol[i].sa);
			if (id >= 0 && keep[id])
				sa[i] = ctl.sa[id].dp;
			hit = bsearch(pol[i].sa, created, n_created, sizeof(*created),
				      made_key_cmp);
			if (hit != NULL)
				sa[i] = hit->dp;
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
		slot_fill(created[j].id, created[j].dp, created[j].d);
		ctl_post(MSG_SA_ADD, created[j].dp, NULL);
	}
	{
		struct dp_rt *old = ctl.rt;
		ctl.rt = rt;
		ctl_post(MSG_RT_SWAP, rt, old);
	}
	ctl_neigh_static(nc);
	free(ctl.policies);
	ctl.policies = pol;
	ctl.n_policies = n_pol;
	pol = NULL;
	swap_spd(spd);
	for (unsigned k = 0; k < n_retiring; k++)
		post_sa_del(ctl.sa[retiring[k]].dp);
	n_created = 0;
	rt = NULL;
	spd = NULL;
	rc = 0;
out:
	for (unsigned j = 0; j < n_created; j++) {
		id_put(created[j].id);
		dp_sa_free(created[j].dp);
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
ctl_sa_tick(void)
{
	time_t now = time(NULL);
	char err[128];

	for (unsigned i = 0; i < ctl.max_sas; i++) {
		struct ctl_sa *s = &ctl.sa[i];
		const struct lifetime *l;
		if (s->dp == NULL || s->deleting)
			continue;
		l = &s->desc.life;
		if (l->hard_seconds && (uint64_t)(now - s->added) >= l->hard_seconds) {
			ctl.st.hard_events++;
			log_info("SA %s: hard lifetime (%llu s) reached, deleting",
				 s->desc.name, (unsigned long long)l->hard_seconds);
			ctl_sa_del(s->desc.name, err, sizeof(err));
		} else if (l->soft_seconds && !s->soft_logged &&
			   (uint64_t)(now - s->added) >= l->soft_seconds) {
			s->soft_logged = true;
			ctl.st.soft_events++;
			log_info("SA %s: soft lifetime (%llu s) reached (rekey due)",
				 s->desc.name, (unsigned long long)l->soft_seconds);
		}
	}
}

