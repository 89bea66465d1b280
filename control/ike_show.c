/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espgwctl show ike [sas|conns|stats]: the engine's IKE_SAs, connections
 * and counters as JSON or text, with each CHILD_SA's data-plane counters.
 */
#define LOG_SUBSYS LOG_SS_IKE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <jansson.h>

#include "common/log.h"
#include "control/radius.h"
#include "control/ctl.h"
#include "control/ctrs.h"
#include "control/ike_ctl.h"
#include "control/sa_mgr.h"
#include "control/ike/ike.h"

static json_t *
ts_json(const struct ike_ts *t)
{
	char p[IP_PREFIX_STRLEN], a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN], r[2 * IP_ADDR_STRLEN + 2];
	struct ip_addr lo = { 0 }, hi = { 0 };
	unsigned al = t->type == TS_IPV4_ADDR_RANGE ? 4 : 16;

	struct ip_prefix pf;

	if (ike_ts_to_prefix(t, &pf) == 0)
		return json_string(ip_prefix_fmt(&pf, p, sizeof(p)));
	lo.family = hi.family = al == 4 ? AF_INET : AF_INET6;
	memcpy(lo.a, t->lo, al);
	memcpy(hi.a, t->hi, al);
	snprintf(r, sizeof(r), "%s-%s", ip_addr_fmt(&lo, a, sizeof(a)),
		 ip_addr_fmt(&hi, b, sizeof(b)));
	return json_string(r);
}

/* packets and bytes of one of a CHILD_SA's data-plane SAs */
static json_t *
sa_ctr(const char *conn, char dir, uint32_t spi)
{
	char n[NAME_MAX_LEN];
	struct dp_sa_ctr c = { 0 };
	int id;

	snprintf(n, sizeof(n), "%.18s-%c%08x", conn, dir, spi);
	id = ctl_find_sa(n);
	if (id >= 0)
		ctrs_sa((uint32_t)id, &c);
	return json_pack("{s:I, s:I}", "packets", (json_int_t)c.pkts, "bytes", (json_int_t)c.bytes);
}

struct sas_ctx {
	json_t *arr;
	const char *conn;		/* NULL: every connection's */
};

static void
sa_json(void *ctx_, const struct ike_sa_info *i)
{
	struct sas_ctx *ctx = ctx_;
	char l[IP_ADDR_STRLEN], r[IP_ADDR_STRLEN], le[IP_ADDR_STRLEN + 8], re[IP_ADDR_STRLEN + 8];
	char si[17], sr[17], algs[128], ea[96], x[9], y[9];
	json_t *o, *chs;

	if (ctx->conn && strcmp(ctx->conn, i->conn))
		return;
	chs = json_array();
	snprintf(le, sizeof(le), "%s[%u]", ip_addr_fmt(&i->local.addr, l, sizeof(l)), i->local.port);
	snprintf(re, sizeof(re), "%s[%u]", ip_addr_fmt(&i->remote.addr, r, sizeof(r)),
		 i->remote.port);
	snprintf(si, sizeof(si), "%016lx", (unsigned long)i->spi_i);
	snprintf(sr, sizeof(sr), "%016lx", (unsigned long)i->spi_r);
	ike_algs_fmt(&i->ike, false, algs, sizeof(algs));
	for (unsigned k = 0; k < i->n_ch; k++) {
		const struct ike_child_view *v = &i->ch[k];
		ike_algs_fmt(&v->esp, true, ea, sizeof(ea));
		snprintf(x, sizeof(x), "%08x", v->spi_in);
		snprintf(y, sizeof(y), "%08x", v->spi_out);
		json_array_append_new(chs, json_pack(
			"{s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:o, s:o}",
			"spi_in", x, "spi_out", y, "state", v->state, "algorithms", ea,
			"local_ts", ts_json(&v->ts_l), "remote_ts", ts_json(&v->ts_r),
			"age_s", (json_int_t)(v->age_ms / 1000),
			"rekey_in_s", (json_int_t)(v->rekey_in_ms < 0 ? -1 : v->rekey_in_ms / 1000),
			"in", sa_ctr(i->conn, 'i', v->spi_in), "out", sa_ctr(i->conn, 'o', v->spi_out)));
	}
	ike_algs_fmt(&i->esp, true, ea, sizeof(ea));
	snprintf(x, sizeof(x), "%08x", i->spi_in);
	snprintf(y, sizeof(y), "%08x", i->spi_out);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:I, s:I,"
		      " s:{s:b, s:s, s:s, s:s}, s:o}",
		      "connection", i->conn, "state", i->state, "spi_i", si, "spi_r", sr,
		      "role", i->initiator ? "initiator" : "responder", "local", le, "remote", re,
		      "nat_t", i->natt, "fragmentation", i->frag, "algorithms", algs,
		      "age_s", (json_int_t)(i->age_ms / 1000),
		      "rekey_in_s", (json_int_t)(i->rekey_in_ms < 0 ? -1 : i->rekey_in_ms / 1000),
		      "child", "up", i->child_up, "spi_in", x, "spi_out", y, "algorithms", ea,
		      "children", chs);
	json_object_set_new(o, "version", json_integer(i->version));
	if (i->version == 2)
		json_object_set_new(o, "mobike", json_boolean(i->mobike));
	for (unsigned k = 0; k < i->n_peer_addrs; k++) {
		json_t *a = json_object_get(o, "peer_addresses");
		if (a == NULL)
			json_object_set_new(o, "peer_addresses", a = json_array());
		json_array_append_new(a, json_string(ip_addr_fmt(&i->peer_addrs[k], l, sizeof(l))));
	}
	if (i->user && i->user[0])
		json_object_set_new(o, "user", json_string(i->user));
	for (int k = 0; k < 2; k++)
		if (i->vip[k].family) {
			json_t *a = json_object_get(o, "virtual_ips");
			if (a == NULL)
				json_object_set_new(o, "virtual_ips", a = json_array());
			json_array_append_new(a, json_string(ip_addr_fmt(&i->vip[k], l,
									 sizeof(l))));
		}
	if (i->own_vip.family)
		json_object_set_new(o, "own_virtual_ip",
				    json_string(ip_addr_fmt(&i->own_vip, l, sizeof(l))));
	if (i->mode) {
		json_object_set_new(o, "mode", json_string(i->mode));
		json_object_set_new(o, "phase", json_integer(i->phase));
		json_object_set_new(o, "quick_modes", json_integer(i->quick_modes));
	}
	json_array_append_new(ctx->arr, o);
}

struct owner_ctx {
	const char *conn;
	uint32_t spi;
	struct ctl_child_owner *o;
	bool found;
};

static void
owner_of(void *ctx, const struct ike_sa_info *i)
{
	struct owner_ctx *x = ctx;

	if (x->found || strcmp(i->conn, x->conn))
		return;
	for (unsigned k = 0; k < i->n_ch; k++)
		if (i->ch[k].spi_in == x->spi || i->ch[k].spi_out == x->spi) {
			*x->o = (struct ctl_child_owner){
				.version = i->version, .spi_i = i->spi_i, .spi_r = i->spi_r,
				.state = i->ch[k].state,
				.rekey_in_s = i->ch[k].rekey_in_ms < 0 ? -1 :
					      i->ch[k].rekey_in_ms / 1000,
			};
			x->found = true;
		}
}

bool
ctl_ike_child_owner(const char *conn, uint32_t spi, struct ctl_child_owner *o)
{
	struct owner_ctx x = { conn, spi, o, false };

	if (ctl_ike_engine())
		ike_foreach(ctl_ike_engine(), owner_of, &x);
	return x.found;
}

/* per connection: [IKE SAs in any state, established ones] */
static void
count_sas(void *ctx, const struct ike_sa_info *i)
{
	json_t *n = json_object_get(ctx, i->conn);

	if (n == NULL)
		json_object_set_new(ctx, i->conn, n = json_pack("[i,i]", 0, 0));
	json_array_set_new(n, 0, json_integer(json_integer_value(json_array_get(n, 0)) + 1));
	if (!strcmp(i->state, "established"))
		json_array_set_new(n, 1, json_integer(json_integer_value(json_array_get(n, 1)) + 1));
}

/* up (an IKE SA established), connecting, or down with why the last one ended */
static void
health_json(json_t *o, const char *name, json_t *count)
{
	struct ike_conn_health h;
	uint64_t now = ike_now_ms();
	long all = (long)json_integer_value(json_array_get(count, 0));
	long up = (long)json_integer_value(json_array_get(count, 1));

	json_object_set_new(o, "status", json_string(up ? "up" : all ? "connecting" : "down"));
	if (!ctl_ike_engine() || !ike_conn_health(ctl_ike_engine(), name, &h))
		return;
	if (h.last_end[0]) {
		json_object_set_new(o, "last_end", json_string(h.last_end));
		json_object_set_new(o, "last_end_s_ago",
				    json_integer((json_int_t)((now - h.last_end_ms) / 1000)));
		json_object_set_new(o, "last_end_at",
				    json_integer((json_int_t)(time(NULL) -
							      (now - h.last_end_ms) / 1000)));
	}
	if (h.last_up_ms)
		json_object_set_new(o, "last_up_s_ago",
				    json_integer((json_int_t)((now - h.last_up_ms) / 1000)));
}

static json_t *
conns_json(void)
{
	json_t *arr = json_array(), *count = json_object();
	const struct espgw_config *c = ctl.cfg;

	if (ctl_ike_engine())
		ike_foreach(ctl_ike_engine(), count_sas, count);
	for (unsigned k = 0; c && k < c->n_conns; k++) {
		const struct conn_desc *d = &c->conns[k];
		char l[IP_ADDR_STRLEN], r[IP_ADDR_STRLEN], lt[IP_PREFIX_STRLEN], rt[IP_PREFIX_STRLEN];
		json_t *n = json_object_get(count, d->name), *o;
		o = json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}",
			"name", d->name, "local", ip_addr_fmt(&d->local, l, sizeof(l)),
			"remote", d->remote.family ? ip_addr_fmt(&d->remote, r, sizeof(r)) : "any",
			"auth", d->cert[0] ? "certificate" : "psk",
			"proposals", d->proposals, "esp_proposals", d->esp_proposals,
			"local_ts", ip_prefix_fmt(&d->local_ts, lt, sizeof(lt)),
			"remote_ts", ip_prefix_fmt(&d->remote_ts, rt, sizeof(rt)),
			"mode", d->transport ? "transport" : "tunnel",
			"start", d->start == CONN_START_START ? "start" :
				 d->start == CONN_START_TRAP ? "trap" : "none",
			"rekey_time", (json_int_t)d->rekey_time,
			"child_rekey_time", (json_int_t)d->child_rekey_time,
			"dpd", (json_int_t)d->dpd_delay,
			"ike_sas", (json_int_t)(n ? json_integer_value(json_array_get(n, 0)) : 0));
		health_json(o, d->name, n);
		json_array_append_new(arr, o);
	}
	json_decref(count);
	return arr;
}

static json_t *
stats_json(void)
{
	struct ike_stats st = { 0 };
	struct radius_stats rs;
	json_t *o;

	if (ctl_ike_engine())
		ike_get_stats(ctl_ike_engine(), &st);
	radius_get_stats(&rs);
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			 " s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "ike_sas", (json_int_t)st.ike_sas, "half_open", (json_int_t)st.half_open,
			 "rx", (json_int_t)st.rx, "tx", (json_int_t)st.tx,
			 "rx_dropped", (json_int_t)st.rx_dropped,
			 "retransmits", (json_int_t)st.retransmits,
			 "ike_up", (json_int_t)st.ike_up, "child_up", (json_int_t)st.child_up,
			 "auth_failed", (json_int_t)st.auth_failed,
			 "ike_rekeyed", (json_int_t)st.ike_rekeyed,
			 "child_rekeyed", (json_int_t)st.child_rekeyed,
			 "cookies_sent", (json_int_t)st.cookies_sent,
			 "half_open_refused", (json_int_t)st.half_open_refused,
			 "fragments_tx", (json_int_t)st.frags_tx,
			 "fragments_rx", (json_int_t)st.frags_rx,
			 "expired", (json_int_t)st.expired,
			 "nat_keepalives", (json_int_t)st.keepalives,
			 "xauth_ok", (json_int_t)st.xauth_ok,
			 "xauth_failed", (json_int_t)st.xauth_failed,
			 "pool_exhausted", (json_int_t)st.pool_exhausted,
			 "invalid_ke", (json_int_t)st.invalid_ke,
			 "redirects", (json_int_t)st.redirects,
			 "mobike_moves", (json_int_t)st.mobike_moves);
	json_object_set_new(o, "radius", json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"requests", (json_int_t)rs.requests, "challenges", (json_int_t)rs.challenges,
		"accepts", (json_int_t)rs.accepts, "rejects", (json_int_t)rs.rejects,
		"timeouts", (json_int_t)rs.timeouts, "errors", (json_int_t)rs.errors,
		"accounting_sent", (json_int_t)rs.acct_sent,
		"accounting_failed", (json_int_t)rs.acct_failed));
	return o;
}

/* the pools with their leases */
static json_t *
pools_json(void)
{
	json_t *arr = json_array();
	struct ike_pool_view v;
	const struct ike_pool *p;

	for (unsigned i = 0; ctl_ike_engine() && ike_pool_at(ctl_ike_engine(), i, &v, &p); i++) {
		char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN], r[2 * IP_ADDR_STRLEN + 2];
		json_t *dns = json_array(), *leases = json_array();
		struct ip_addr x;
		const char *owner;
		bool online;
		snprintf(r, sizeof(r), "%s-%s", ip_addr_fmt(&v.d->first, a, sizeof(a)),
			 ip_addr_fmt(&v.d->last, b, sizeof(b)));
		for (unsigned k = 0; k < v.d->n_dns; k++)
			json_array_append_new(dns, json_string(ip_addr_fmt(&v.d->dns[k], a,
									   sizeof(a))));
		for (uint32_t k = 0; ike_pool_lease(p, k, &x, &owner, &online); k++)
			json_array_append_new(leases, json_pack("{s:s, s:s, s:s}", "address",
				ip_addr_fmt(&x, a, sizeof(a)), "owner", owner,
				"state", online ? "online" : "offline"));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o}",
			"name", v.d->name, "addrs", r, "size", (json_int_t)v.size,
			"online", (json_int_t)v.online, "offline", (json_int_t)v.offline,
			"unused", (json_int_t)v.unused, "dns", dns, "leases", leases));
	}
	return arr;
}

static const char *
js(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static long
ji(json_t *o, const char *k)
{
	return (long)json_integer_value(json_object_get(o, k));
}

static void
sas_text(FILE *f, json_t *arr)
{
	size_t k, j;
	json_t *o, *c;

	if (json_array_size(arr) == 0)
		fprintf(f, "no IKE_SAs\n");
	json_array_foreach(arr, k, o) {
		if (json_object_get(o, "mode"))
			fprintf(f, "%s: IKEv1 %s mode, phase %ld, ", js(o, "connection"),
				js(o, "mode"), ji(o, "phase"));
		else
			fprintf(f, "%s: ", js(o, "connection"));
		fprintf(f, "%s %s_%s %s %s <-> %s%s%s%s %s, %lds",
			js(o, "state"), js(o, "spi_i"), js(o, "spi_r"), js(o, "role"),
			js(o, "local"), js(o, "remote"),
			json_is_true(json_object_get(o, "nat_t")) ? " NAT-T" : "",
			json_is_true(json_object_get(o, "fragmentation")) ? " frag" : "",
			json_is_true(json_object_get(o, "mobike")) ? " MOBIKE" : "",
			js(o, "algorithms"), ji(o, "age_s"));
		if (ji(o, "rekey_in_s") >= 0)
			fprintf(f, ", rekey in %lds", ji(o, "rekey_in_s"));
		if (json_object_get(o, "user"))
			fprintf(f, ", user %s", js(o, "user"));
		json_array_foreach(json_object_get(o, "virtual_ips"), j, c)
			fprintf(f, ", virtual IP %s", json_string_value(c));
		if (json_object_get(o, "own_virtual_ip"))
			fprintf(f, ", our virtual IP %s", js(o, "own_virtual_ip"));
		fprintf(f, "\n");
		json_array_foreach(json_object_get(o, "children"), j, c) {
			json_t *in = json_object_get(c, "in"), *out = json_object_get(c, "out");
			char lt[64], rt[64];
			snprintf(lt, sizeof(lt), "%s", json_string_value(json_object_get(c, "local_ts")));
			snprintf(rt, sizeof(rt), "%s", json_string_value(json_object_get(c, "remote_ts")));
			fprintf(f, "  CHILD %-9s in %s out %s %s %s === %s, %lds", js(c, "state"),
				js(c, "spi_in"), js(c, "spi_out"), js(c, "algorithms"), lt, rt,
				ji(c, "age_s"));
			if (ji(c, "rekey_in_s") >= 0)
				fprintf(f, ", rekey in %lds", ji(c, "rekey_in_s"));
			fprintf(f, "\n        in %ld packets %ld bytes, out %ld packets %ld bytes\n",
				ji(in, "packets"), ji(in, "bytes"), ji(out, "packets"),
				ji(out, "bytes"));
		}
	}
}

char *
ctl_ike_show(const char *what, const char *conn, bool json, char *err, size_t el)
{
	json_t *j;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (what == NULL || !strcmp(what, "sas")) {
		struct sas_ctx x = { json_array(), conn };
		if (conn && (!ctl_ike_engine() || ike_conn_sas(ctl_ike_engine(), conn) < 0)) {
			json_decref(x.arr);
			snprintf(err, el, "no connection %s (show ike conns lists them)", conn);
			return NULL;
		}
		if (ctl_ike_engine())
			ike_foreach(ctl_ike_engine(), sa_json, &x);
		j = x.arr;
	} else if (!strcmp(what, "conns")) {
		j = conns_json();
	} else if (!strcmp(what, "stats")) {
		j = stats_json();
	} else if (!strcmp(what, "pools")) {
		j = pools_json();
	} else {
		snprintf(err, el, "usage: show ike [conns|stats|pools] [--json]");
		return NULL;
	}
	if (json) {
		out = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(j);
		return out;
	}
	f = open_memstream(&out, &len);
	if (f == NULL) {
		json_decref(j);
		snprintf(err, el, "out of memory");
		return NULL;
	}
	if (what == NULL || !strcmp(what, "sas")) {
		sas_text(f, j);
	} else if (!strcmp(what, "conns")) {
		size_t k;
		json_t *o;
		fprintf(f, "%-16s %-15s %-15s %-11s %-5s %-18s %-18s %-7s %-10s %s\n",
			"CONNECTION", "LOCAL", "REMOTE", "AUTH", "START", "LOCAL-TS", "REMOTE-TS",
			"IKE_SAS", "STATUS", "LAST-END");
		json_array_foreach(j, k, o) {
			fprintf(f, "%-16s %-15s %-15s %-11s %-5s %-18s %-18s %-7ld %-10s ",
				js(o, "name"), js(o, "local"), js(o, "remote"), js(o, "auth"),
				js(o, "start"), js(o, "local_ts"), js(o, "remote_ts"),
				ji(o, "ike_sas"), js(o, "status"));
			if (json_object_get(o, "last_end"))
				fprintf(f, "%lds ago: %s\n", ji(o, "last_end_s_ago"),
					js(o, "last_end"));
			else
				fprintf(f, "-\n");
		}
	} else if (!strcmp(what, "pools")) {
		size_t k, n;
		json_t *o, *x;
		if (json_array_size(j) == 0)
			fprintf(f, "no pools\n");
		json_array_foreach(j, k, o) {
			fprintf(f, "%s %s: %ld addresses, %ld online, %ld offline, %ld never used\n",
				js(o, "name"), js(o, "addrs"), ji(o, "size"), ji(o, "online"),
				ji(o, "offline"), ji(o, "unused"));
			json_array_foreach(json_object_get(o, "leases"), n, x)
				fprintf(f, "  %-39s %-7s %s\n", js(x, "address"), js(x, "state"),
					js(x, "owner"));
		}
	} else {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v) {
			const char *k2;
			json_t *v2;
			if (!json_is_object(v)) {
				fprintf(f, "%-18s %lld\n", k, (long long)json_integer_value(v));
				continue;
			}
			json_object_foreach(v, k2, v2)	/* radius.requests ... */
				fprintf(f, "%s.%-*s %lld\n", k, (int)(17 - strlen(k)), k2,
					(long long)json_integer_value(v2));
		}
	}
	fclose(f);
	json_decref(j);
	return out;
}
