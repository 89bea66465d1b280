/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE's per-tunnel protect policies in the workers' per-prefix tables
 * (ahead of the rte_acl SPD): adding or removing one is O(1) however many
 * tunnels there are, and builds no SPD.
 */
#define LOG_SUBSYS LOG_SS_SA
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_jhash.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/msgs.h"
#include "control/tpol.h"

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

static int
tpol_lookup(struct rte_hash *h, const char *name)
{
	char key[NAME_MAX_LEN];
	void *v;

	ctl_name_key(name, key);
	return rte_hash_lookup_data(h, key, &v) < 0 ? -1 : (int)(uintptr_t)v - 1;
}

static void
tpol_index(unsigned i)
{
	char key[NAME_MAX_LEN];

	ctl_name_key(tpols[i].p.name, key);
	rte_hash_add_key_data(tpol_by_name, key, (void *)(uintptr_t)(i + 1));
	ctl_name_key(tpols[i].p.sa, key);
	rte_hash_add_key_data(tpol_by_sa, key, (void *)(uintptr_t)(i + 1));
}

int
ctl_tpol_init(unsigned max)
{
	struct rte_hash_parameters hp = {
		.entries = max, .hash_func = rte_jhash, .socket_id = SOCKET_ID_ANY,
		.key_len = NAME_MAX_LEN,
	};

	hp.name = "ctl_tpol_name";
	tpol_by_name = rte_hash_create(&hp);
	hp.name = "ctl_tpol_sa";
	tpol_by_sa = rte_hash_create(&hp);
	dyn_mirror = dp_dyn_create("dyn_ctl", max);
	return tpol_by_name && tpol_by_sa && dyn_mirror ? 0 : -1;
}

int
ctl_tpol_by_name(const char *name)
{
	return tpol_lookup(tpol_by_name, name);
}

int
ctl_tpol_by_sa(const char *sa)
{
	return tpol_lookup(tpol_by_sa, sa);
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

/* the workers acknowledged: the policy (removed) and spare buckets go */
static void
dpol_done(struct dp_msg *m)
{
	if (m->type == MSG_DPOL_DEL)
		free(m->obj);
	for (unsigned w = 0; w < MAX_WORKERS; w++)
		dp_dyn_bucket_free(m->spare[w]);
}

/*
 * An IKE protect policy on outbound SA sa into the workers' per-tunnel
 * tables; false when it belongs in the rte_acl SPD (not IKE's, no
 * outbound SA yet, an SA that has one already, or a destination prefix
 * that is full)
 */
bool
ctl_tpol_add(const struct policy_desc *p, struct dp_sa *sa)
{
	struct dp_dyn_bucket *spare;
	struct dp_msg *m;
	struct dp_dpol *d;

	if (sa == NULL || !p->dynamic || p->action != SPD_PROTECT ||
	    p->priority <= DP_DYN_MIN_PRIO || p->sel.dst.addr.family == 0 ||
	    tpol_lookup(tpol_by_sa, p->sa) >= 0)
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
	d->sa = sa;
	spare = dp_dyn_bucket_new();
	if (spare == NULL || dp_dyn_add(dyn_mirror, d, &spare) < 0) {
		dp_dyn_bucket_free(spare);
		free(d);
		return false;
	}
	m = ctl_msg_new(MSG_DPOL_ADD, d, NULL);
	m->done = dpol_done;
	/* a new prefix (our table took the spare): each worker gets a bucket */
	for (unsigned w = 0; spare == NULL && w < dp_n_workers(); w++)
		if ((m->spare[w] = dp_dyn_bucket_new()) == NULL) {
			struct dp_dyn_bucket *emptied = NULL;
			dp_dyn_del(dyn_mirror, d, &emptied);
			dp_dyn_bucket_free(emptied);
			for (unsigned k = 0; k < w; k++)
				dp_dyn_bucket_free(m->spare[k]);
			free(m);
			free(d);
			return false;
		}
	dp_dyn_bucket_free(spare);
	tpols[n_tpols] = (struct tpol){ *p, d };
	tpol_index(n_tpols++);
	ctl_msg_post(m);
	return true;
}

/* out of the workers' tables (freed once they all acknowledged) */
void
ctl_tpol_del(unsigned i)
{
	struct dp_dyn_bucket *emptied = NULL;
	char key[NAME_MAX_LEN];
	struct dp_msg *m;

	ctl_name_key(tpols[i].p.name, key);
	rte_hash_del_key(tpol_by_name, key);
	ctl_name_key(tpols[i].p.sa, key);
	rte_hash_del_key(tpol_by_sa, key);
	dp_dyn_del(dyn_mirror, tpols[i].d, &emptied);
	dp_dyn_bucket_free(emptied);
	m = ctl_msg_new(MSG_DPOL_DEL, tpols[i].d, NULL);
	m->done = dpol_done;
	ctl_msg_post(m);
	if (i != --n_tpols) {
		tpols[i] = tpols[n_tpols];
		tpol_index(i);
	}
}
