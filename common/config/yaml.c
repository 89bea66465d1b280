/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * YAML configuration loader. libyaml builds the document tree (with line
 * marks); we walk it and feed every scalar through the same key=value
 * setters the CLI uses, so the file and `espgwctl sa add` cannot disagree.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <yaml.h>

#include "common/config.h"
#include "common/config/config_int.h"
#include "common/config/keys.h"

/* ---- YAML walking ---- */

struct loader {
	yaml_document_t doc;
	const char *src;
	char *err;
	size_t el;
	struct espgw_config *c;
};

static int
lfail(struct loader *L, yaml_node_t *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(L->err, L->el, "%s:%zu: %s", L->src,
		 n ? n->start_mark.line + 1 : 0, msg);
	return -1;
}

static const char *
scalar(yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Call fn for every key of a mapping. */
typedef int (*kv_fn)(struct loader *L, void *obj, const char *key,
		     yaml_node_t *kn, yaml_node_t *vn);

static int
walk_map(struct loader *L, yaml_node_t *n, const char *what, void *obj, kv_fn fn)
{
	yaml_node_pair_t *p;

	if (n->type != YAML_MAPPING_NODE)
		return lfail(L, n, "%s must be a mapping", what);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&L->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&L->doc, p->value);
		const char *ks = scalar(k);
		if (ks == NULL)
			return lfail(L, k, "%s: keys must be plain words", what);
		/* a duplicate key is almost always a copy-paste mistake */
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
			const char *qs = scalar(yaml_document_get_node(&L->doc, q->key));
			if (qs && !strcmp(qs, ks))
				return lfail(L, k, "%s: duplicate key '%s'", what, ks);
		}
		if (fn(L, obj, ks, k, v) < 0)
			return -1;
	}
	return 0;
}

static int
scalar_of(struct loader *L, yaml_node_t *v, const char *key, const char **out)
{
	*out = scalar(v);
	if (*out == NULL)
		return lfail(L, v, "'%s' must be a single value", key);
	return 0;
}

/*
 * The keys of a section with a key table (keys.h). A key's group (an
 * SA's selector:, lifetime:, tunnel:) may hold it as a nested map, whose
 * keys then must be of that group.
 */
struct table_ctx {
	const struct cfg_key *keys;
	const char *what;		/* "unknown <what> key" */
	void *obj;
	const char *group;		/* inside a nested map: its name */
};

static int
table_kv(struct loader *L, void *vctx, const char *key, yaml_node_t *kn, yaml_node_t *vn)
{
	const struct table_ctx *ctx = vctx;
	const struct cfg_key *x = cfg_key_find(ctx->keys, key);
	char msg[200];
	const char *v;

	if (ctx->group == NULL && vn->type == YAML_MAPPING_NODE) {
		for (x = ctx->keys; x->name && !(x->group && !strcmp(x->group, key)); x++)
			;
		if (x->name) {
			struct table_ctx sub = *ctx;
			sub.group = key;
			return walk_map(L, vn, key, &sub, table_kv);
		}
		x = NULL;
	}
	if (x == NULL || (ctx->group && (x->group == NULL || strcmp(x->group, ctx->group))))
		return lfail(L, kn, "unknown %s key '%s'", ctx->what, key);
	if (scalar_of(L, vn, key, &v) < 0)
		return -1;
	return cfg_keys_set(ctx->keys, ctx->obj, key, v, msg, sizeof(msg)) < 0 ?
	       lfail(L, vn, "%s", msg) : 0;
}

/* a section's keys in obj, the map vn */
static int
table_map(struct loader *L, const struct cfg_key *keys, const char *what, void *obj,
	  const char *key, yaml_node_t *kn, yaml_node_t *vn)
{
	struct table_ctx ctx = { keys, what, obj, NULL };

	return table_kv(L, &ctx, key, kn, vn);
}

static int
port_kv(struct loader *L, void *obj, const char *key, yaml_node_t *kn,
	yaml_node_t *vn)
{
	struct port_desc *p = obj;
	char msg[200];
	const char *v;

	if (!strcmp(key, "addresses")) {
		if (vn->type != YAML_SEQUENCE_NODE)
			return lfail(L, vn, "addresses must be a list");
		for (yaml_node_item_t *it = vn->data.sequence.items.start;
		     it < vn->data.sequence.items.top; it++) {
			yaml_node_t *a = yaml_document_get_node(&L->doc, *it);
			if (scalar_of(L, a, "address", &v) < 0)
				return -1;
			if (p->n_addrs == MAX_PORT_ADDRS)
				return lfail(L, a, "at most %d addresses per port",
					     MAX_PORT_ADDRS);
			if (ip_prefix_parse(v, &p->addrs[p->n_addrs]) < 0)
				return lfail(L, a, "'%s' is not ADDRESS/LEN", v);
			/* keep the host part: parse again without masking */
			ip_addr_parse(strtok(strcpy(msg, v), "/"),
				      &p->addrs[p->n_addrs].addr);
			p->n_addrs++;
		}
		return 0;
	}
	return table_map(L, cfg_port_keys, "port", p, key, kn, vn);
}

static int
route_kv(struct loader *L, void *obj, const char *key, yaml_node_t *kn, yaml_node_t *vn)
{
	return table_map(L, cfg_route_keys, "route", obj, key, kn, vn);
}

static int
eal_kv(struct loader *L, void *obj, const char *key, yaml_node_t *kn, yaml_node_t *vn)
{
	return table_map(L, cfg_eal_keys, "eal", obj, key, kn, vn);
}

static int
ike_kv(struct loader *L, void *obj, const char *key, yaml_node_t *kn, yaml_node_t *vn)
{
	return table_map(L, cfg_ike_keys, "ike", obj, key, kn, vn);
}

static int
radius_kv(struct loader *L, void *obj, const char *key, yaml_node_t *kn, yaml_node_t *vn)
{
	return table_map(L, cfg_radius_keys, "radius", obj, key, kn, vn);
}

/* Parse a list whose items are mappings into a growing array. */
static int
walk_list(struct loader *L, yaml_node_t *n, const char *what, void **arr,
	  unsigned *count, size_t isz, void (*init)(void *), kv_fn fn)
{
	size_t cnt;

	if (n->type != YAML_SEQUENCE_NODE)
		return lfail(L, n, "%s must be a list", what);
	cnt = n->data.sequence.items.top - n->data.sequence.items.start;
	if (cnt > 1000000)
		return lfail(L, n, "too many %s", what);
	*arr = calloc(cnt ? cnt : 1, isz);
	if (*arr == NULL)
		return lfail(L, n, "out of memory");
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = yaml_document_get_node(&L->doc,
					n->data.sequence.items.start[i]);
		void *obj = (char *)*arr + i * isz;
		if (init)
			init(obj);
		*count = i + 1;
		if (walk_map(L, it, what, obj, fn) < 0)
			return -1;
	}
	*count = cnt;
	return 0;
}

static int
sa_item(struct loader *L, void *obj, const char *k, yaml_node_t *kn, yaml_node_t *vn)
{
	return table_map(L, cfg_sa_keys, "SA", obj, k, kn, vn);
}

static int
policy_item(struct loader *L, void *obj, const char *k, yaml_node_t *kn,
	    yaml_node_t *vn)
{
	return table_map(L, cfg_policy_keys, "policy", obj, k, kn, vn);
}


static int
more_child_kv(struct loader *L, void *obj, const char *k, yaml_node_t *kn, yaml_node_t *vn)
{
	struct conn_desc *c = obj;
	const char *v;

	if (scalar_of(L, vn, k, &v) < 0)
		return -1;
	if (strcmp(k, "local_ts") && strcmp(k, "remote_ts"))
		return lfail(L, kn, "unknown more_children key '%s'", k);
	if (ip_prefix_parse(v, k[0] == 'l' ? &c->more_local[c->n_more] :
					     &c->more_remote[c->n_more]) < 0)
		return lfail(L, vn, "'%s' is not a prefix", v);
	return 0;
}

static int
conn_item(struct loader *L, void *obj, const char *k, yaml_node_t *kn, yaml_node_t *vn)
{
	struct conn_desc *c = obj;

	if (!strcmp(k, "more_children")) {
		yaml_node_item_t *it;
		if (vn->type != YAML_SEQUENCE_NODE)
			return lfail(L, vn, "more_children must be a list");
		for (it = vn->data.sequence.items.start; it < vn->data.sequence.items.top; it++) {
			yaml_node_t *in = yaml_document_get_node(&L->doc, *it);
			if (c->n_more == 3)
				return lfail(L, in, "at most 3 more_children");
			if (walk_map(L, in, "more_children", c, more_child_kv) < 0)
				return -1;
			if (c->more_local[c->n_more].addr.family == 0 ||
			    c->more_local[c->n_more].addr.family !=
			    c->more_remote[c->n_more].addr.family)
				return lfail(L, in, "a child needs local_ts and remote_ts of one family");
			c->n_more++;
		}
		return 0;
	}
	return table_map(L, cfg_conn_keys, "connection", obj, k, kn, vn);
}

static void
conn_init(void *o)
{
	struct conn_desc *c = o;

	memset(c, 0, sizeof(*c));
	strcpy(c->proposals, "aes128gcm16-prfsha256-x25519");
	strcpy(c->esp_proposals, "aes128gcm16");
	c->dpd_delay = 30;
	c->keepalive = 20;
	c->rekey_time = 14400;
	c->child_rekey_time = 3600;
	c->retransmit_ms = 1000;
	c->retransmit_tries = 5;
	c->fragment_size = 1280;
	c->version = 2;
	c->max_children = 8;
}

static int
user_item(struct loader *L, void *obj, const char *k, yaml_node_t *kn, yaml_node_t *vn)
{
	return table_map(L, cfg_user_keys, "user", obj, k, kn, vn);
}

static int
pool_item(struct loader *L, void *obj, const char *k, yaml_node_t *kn, yaml_node_t *vn)
{
	return table_map(L, cfg_pool_keys, "pool", obj, k, kn, vn);
}

static void user_init(void *o) { memset(o, 0, sizeof(struct user_desc)); }
static void pool_init(void *o) { memset(o, 0, sizeof(struct pool_desc)); }
static void sa_init(void *o) { config_sa_defaults(o); }
static void policy_init(void *o) { config_policy_defaults(o); }
static void port_init(void *o) { memset(o, 0, sizeof(struct port_desc)); ((struct port_desc *)o)->mtu = 1500; }
static void route_init(void *o) { memset(o, 0, sizeof(struct route_desc)); }
static void neigh_init(void *o) { memset(o, 0, sizeof(struct neigh_desc)); }

static int
neigh_kv(struct loader *L, void *obj, const char *key, yaml_node_t *kn, yaml_node_t *vn)
{
	return table_map(L, cfg_neigh_keys, "neighbour", obj, key, kn, vn);
}

static int
top_kv(struct loader *L, void *obj, const char *key, yaml_node_t *kn,
       yaml_node_t *vn)
{
	struct espgw_config *c = obj;

	if (!strcmp(key, "eal"))
		return walk_map(L, vn, "eal", c, eal_kv);
	if (!strcmp(key, "ike"))
		return walk_map(L, vn, "ike", c, ike_kv);
	if (!strcmp(key, "radius"))
		return walk_map(L, vn, "radius", c, radius_kv);
	if (!strcmp(key, "ports"))
		return walk_list(L, vn, "ports", (void **)&c->ports, &c->n_ports,
				 sizeof(struct port_desc), port_init, port_kv);
	if (!strcmp(key, "routes"))
		return walk_list(L, vn, "routes", (void **)&c->routes, &c->n_routes,
				 sizeof(struct route_desc), route_init, route_kv);
	if (!strcmp(key, "neighbours"))
		return walk_list(L, vn, "neighbours", (void **)&c->neighs, &c->n_neighs,
				 sizeof(struct neigh_desc), neigh_init, neigh_kv);
	if (!strcmp(key, "policies"))
		return walk_list(L, vn, "policies", (void **)&c->policies,
				 &c->n_policies, sizeof(struct policy_desc),
				 policy_init, policy_item);
	if (!strcmp(key, "sas"))
		return walk_list(L, vn, "sas", (void **)&c->sas, &c->n_sas,
				 sizeof(struct sa_desc), sa_init, sa_item);
	if (!strcmp(key, "connections"))
		return walk_list(L, vn, "connections", (void **)&c->conns, &c->n_conns,
				 sizeof(struct conn_desc), conn_init, conn_item);
	if (!strcmp(key, "users"))
		return walk_list(L, vn, "users", (void **)&c->users, &c->n_users,
				 sizeof(struct user_desc), user_init, user_item);
	if (!strcmp(key, "pools"))
		return walk_list(L, vn, "pools", (void **)&c->pools, &c->n_pools,
				 sizeof(struct pool_desc), pool_init, pool_item);
	return table_map(L, cfg_top_keys, "top-level", c, key, kn, vn);
}

/* Find the YAML node of the i-th item of a top-level list, for error lines. */
static yaml_node_t *
list_item_node(struct loader *L, const char *list, unsigned i)
{
	yaml_node_t *root = yaml_document_get_root_node(&L->doc);
	yaml_node_pair_t *p;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		const char *k = scalar(yaml_document_get_node(&L->doc, p->key));
		yaml_node_t *v = yaml_document_get_node(&L->doc, p->value);
		if (k && !strcmp(k, list) && v->type == YAML_SEQUENCE_NODE &&
		    (long)i < v->data.sequence.items.top - v->data.sequence.items.start)
			return yaml_document_get_node(&L->doc,
					v->data.sequence.items.start[i]);
	}
	return root;
}

/* a name (or SPI) and where it stands in its list */
struct key_ix {
	const char *name;
	uint32_t spi;
	unsigned i;
};

static int
ix_name_only(const void *a, const void *b)
{
	return strcmp(((const struct key_ix *)a)->name, ((const struct key_ix *)b)->name);
}

static int
ix_by_name(const void *a, const void *b)
{
	const struct key_ix *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

static int
ix_by_spi(const void *a, const void *b)
{
	const struct key_ix *x = a, *y = b;

	if (x->spi != y->spi)
		return x->spi < y->spi ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/*
 * In a sorted index: the entry that repeats an earlier key and stands
 * first in the file (so errors point where a reader would look), or
 * UINT_MAX.
 */
static unsigned
first_dup(const struct key_ix *x, unsigned n, int (*cmp)(const void *, const void *))
{
	unsigned best = UINT_MAX;

	for (unsigned k = 1; k < n; k++) {
		struct key_ix a = x[k - 1], b = x[k];
		a.i = b.i = 0;	/* compare keys only */
		if (cmp(&a, &b) == 0 && (best == UINT_MAX || x[k].i < x[best].i))
			best = k;
	}
	return best;
}

/* users and pools, unique, and what connections ask of them */
static int
cross_check_remote(struct loader *L)
{
	struct espgw_config *c = L->c;
	char msg[256];

	for (unsigned i = 0; i < c->n_users; i++) {
		yaml_node_t *n = list_item_node(L, "users", i);
		if (config_check_user(&c->users[i], msg, sizeof(msg)) < 0)
			return lfail(L, n, "%s", msg);
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(c->users[i].name, c->users[j].name))
				return lfail(L, n, "duplicate user '%s'", c->users[i].name);
	}
	if (c->radius.server.family && !c->radius.secret[0])
		return lfail(L, NULL, "radius: a server needs its secret");
	for (unsigned i = 0; i < c->n_pools; i++) {
		yaml_node_t *n = list_item_node(L, "pools", i);
		if (config_check_pool(&c->pools[i], msg, sizeof(msg)) < 0)
			return lfail(L, n, "%s", msg);
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(c->pools[i].name, c->pools[j].name))
				return lfail(L, n, "duplicate pool name '%s'", c->pools[i].name);
	}
	for (unsigned i = 0; i < c->n_conns; i++)
		if (config_check_remote(c, &c->conns[i], msg, sizeof(msg)) < 0)
			return lfail(L, list_item_node(L, "connections", i), "%s", msg);
	return 0;
}

static int
cross_check(struct loader *L)
{
	struct espgw_config *c = L->c;
	char msg[200];

	if (c->n_ports == 0)
		return lfail(L, yaml_document_get_root_node(&L->doc),
			     "at least one port is required");
	for (unsigned i = 0; i < c->n_ports; i++) {
		yaml_node_t *n = list_item_node(L, "ports", i);
		if (c->ports[i].name[0] == '\0' || c->ports[i].devargs[0] == '\0')
			return lfail(L, n, "port needs name and devargs");
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(c->ports[i].name, c->ports[j].name))
				return lfail(L, n, "duplicate port name '%s'",
					     c->ports[i].name);
	}
	for (unsigned i = 0; i < c->n_routes; i++) {
		yaml_node_t *n = list_item_node(L, "routes", i);
		struct route_desc *r = &c->routes[i];
		if (r->prefix.addr.family == 0 || r->port[0] == '\0')
			return lfail(L, n, "route needs prefix and port");
		if (config_find_port(c, r->port) < 0)
			return lfail(L, n, "route refers to unknown port '%s'", r->port);
		if (r->via.family && r->via.family != r->prefix.addr.family)
			return lfail(L, n, "route via is not the prefix's family");
	}
	for (unsigned i = 0; i < c->n_neighs; i++) {
		yaml_node_t *n = list_item_node(L, "neighbours", i);
		const struct neigh_desc *d = &c->neighs[i];
		if (d->addr.family == 0 || !d->have_mac || d->port[0] == '\0')
			return lfail(L, n, "a neighbour needs address, mac and port");
		if (config_find_port(c, d->port) < 0)
			return lfail(L, n, "neighbour refers to unknown port '%s'", d->port);
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(c->neighs[j].port, d->port) &&
			    ip_addr_eq(&c->neighs[j].addr, &d->addr))
				return lfail(L, n, "duplicate neighbour on port '%s'", d->port);
	}
	/* names and inbound SPIs are checked through sorted indexes: a file
	 * with 100 000 SAs must not take n^2 comparisons */
	struct key_ix *sx = NULL, *spx = NULL, *px = NULL;
	unsigned n_spi = 0, dup;
	int rc = -1;

	sx = malloc((c->n_sas + 1) * sizeof(*sx));
	spx = malloc((c->n_sas + 1) * sizeof(*spx));
	px = malloc((c->n_policies + 1) * sizeof(*px));
	if (sx == NULL || spx == NULL || px == NULL) {
		lfail(L, NULL, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < c->n_sas; i++) {
		struct sa_desc *s = &c->sas[i];
		config_sa_finish(s);
		if (config_check_sa(s, msg, sizeof(msg)) < 0) {
			lfail(L, list_item_node(L, "sas", i), "%s", msg);
			goto out;
		}
		sx[i] = (struct key_ix){ s->name, 0, i };
		if (s->dir == SA_DIR_INBOUND)
			spx[n_spi++] = (struct key_ix){ s->name, s->spi, i };
	}
	qsort(sx, c->n_sas, sizeof(*sx), ix_by_name);
	if ((dup = first_dup(sx, c->n_sas, ix_by_name)) != UINT_MAX) {
		lfail(L, list_item_node(L, "sas", sx[dup].i), "duplicate SA name '%s'",
		      sx[dup].name);
		goto out;
	}
	qsort(spx, n_spi, sizeof(*spx), ix_by_spi);
	if ((dup = first_dup(spx, n_spi, ix_by_spi)) != UINT_MAX) {
		lfail(L, list_item_node(L, "sas", spx[dup].i),
		      "inbound SPI 0x%x already used by SA %s", spx[dup].spi,
		      spx[dup - 1].name);
		goto out;
	}
	for (unsigned i = 0; i < c->n_policies; i++) {
		yaml_node_t *n = list_item_node(L, "policies", i);
		struct policy_desc *p = &c->policies[i];
		const struct key_ix *hit = NULL, key = { p->sa, 0, 0 };
		if (config_check_policy(p, msg, sizeof(msg)) < 0) {
			lfail(L, n, "%s", msg);
			goto out;
		}
		px[i] = (struct key_ix){ p->name, 0, i };
		if (p->action != SPD_PROTECT)
			continue;
		hit = bsearch(&key, sx, c->n_sas, sizeof(*sx), ix_name_only);
		if (config_policy_sa_ok(p, hit ? &c->sas[hit->i] : NULL, msg, sizeof(msg)) < 0) {
			lfail(L, n, "%s", msg);
			goto out;
		}
	}
	qsort(px, c->n_policies, sizeof(*px), ix_by_name);
	if ((dup = first_dup(px, c->n_policies, ix_by_name)) != UINT_MAX) {
		lfail(L, list_item_node(L, "policies", px[dup].i),
		      "duplicate policy name '%s'", px[dup].name);
		goto out;
	}
	for (unsigned i = 0; i < c->n_conns; i++) {
		yaml_node_t *n = list_item_node(L, "connections", i);
		if (config_check_conn(&c->conns[i], msg, sizeof(msg)) < 0) {
			lfail(L, n, "%s", msg);
			goto out;
		}
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(c->conns[i].name, c->conns[j].name)) {
				lfail(L, n, "duplicate connection name '%s'", c->conns[i].name);
				goto out;
			}
	}
	if (cross_check_remote(L) < 0)
		goto out;
	rc = 0;
out:
	free(sx);
	free(spx);
	free(px);
	return rc;
}

static void
config_defaults(struct espgw_config *c)
{
	c->workers = 1;
	c->engine = ENGINE_NATIVE;
	c->no_huge = true;
	c->mem_mb = 768;
	strcpy(c->file_prefix, "espgw");
	strcpy(c->mgmt_socket, "/run/espgw/espgw.sock");
	c->mgmt.max_clients = 32;
	c->mgmt.idle_timeout = 300;
	c->mgmt.send_timeout = 10;
	c->max_sas = 8192;
	c->idle_sleep_us = 100;
	c->ike_cookie_threshold = 64;
	c->ike_half_open_per_source = 8;
	c->radius.port = 1812;
	c->radius.acct_port = 1813;
	c->radius.timeout = 3;
	c->radius.retries = 3;
	strcpy(c->radius.nas_identifier, "espgw");
	c->radius.interim = 600;
}

static struct espgw_config *
load(yaml_parser_t *parser, const char *source, char *err, size_t el)
{
	struct loader L = { .src = source, .err = err, .el = el };
	yaml_node_t *root;
	int ok = -1;

	L.c = calloc(1, sizeof(*L.c));
	if (L.c == NULL) {
		snprintf(err, el, "%s: out of memory", source);
		return NULL;
	}
	config_defaults(L.c);
	snprintf(L.c->source, sizeof(L.c->source), "%s", source);
	if (!yaml_parser_load(parser, &L.doc)) {
		snprintf(err, el, "%s:%zu: %s%s%s", source,
			 parser->problem_mark.line + 1,
			 parser->problem ? parser->problem : "YAML syntax error",
			 parser->context ? " " : "",
			 parser->context ? parser->context : "");
		free(L.c);
		return NULL;
	}
	root = yaml_document_get_root_node(&L.doc);
	if (root == NULL)
		snprintf(err, el, "%s:1: empty configuration", source);
	else if (walk_map(&L, root, "configuration", L.c, top_kv) == 0 &&
		 cross_check(&L) == 0)
		ok = 0;
	yaml_document_delete(&L.doc);
	if (ok < 0) {
		config_free(L.c);
		return NULL;
	}
	return L.c;
}

struct espgw_config *
config_load_file(const char *path, char *err, size_t el)
{
	yaml_parser_t parser;
	struct espgw_config *c;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(err, el, "%s:0: %s", path, strerror(errno));
		return NULL;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	c = load(&parser, path, err, el);
	yaml_parser_delete(&parser);
	fclose(f);
	return c;
}

struct espgw_config *
config_load_string(const char *text, const char *source, char *err, size_t el)
{
	yaml_parser_t parser;
	struct espgw_config *c;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
				     strlen(text));
	c = load(&parser, source, err, el);
	yaml_parser_delete(&parser);
	return c;
}

void
config_free(struct espgw_config *c)
{
	if (c == NULL)
		return;
	free(c->ports);
	free(c->routes);
	free(c->policies);
	if (c->sas)	/* keys are secrets */
		explicit_bzero(c->sas, sizeof(*c->sas) * c->n_sas);
	free(c->sas);
	if (c->conns)	/* PSKs are secrets */
		explicit_bzero(c->conns, sizeof(*c->conns) * c->n_conns);
	free(c->conns);
	if (c->users)	/* passwords */
		explicit_bzero(c->users, sizeof(*c->users) * c->n_users);
	free(c->users);
	free(c->pools);
	free(c->neighs);
	explicit_bzero(&c->radius, sizeof(c->radius));	/* its secret */
	free(c);
}
