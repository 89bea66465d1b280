/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The show commands of the data plane and the control thread: version,
 * ports, workers, policies, SAs (all, filtered, or one in detail), drops,
 * stats, routes, neighbours and rates. Each builds its JSON; the text is
 * a table of the same fields, or for one object its JSON flattened to
 * "key: value" lines, so the two views cannot disagree.
 */
#define LOG_SUBSYS LOG_SS_MGMT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/ctrs.h"
#include "control/ike_ctl.h"
#include "control/mgmt.h"
#include "control/mgmt_cmds.h"
#include "control/punt.h"
#include "control/sa_mgr.h"
#include "control/telemetry.h"
#include "control/tpol.h"

void
mgmt_json(struct sbuf *b, json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s)
		mgmt_printf(b, "%s\n", s);
	free(s);
	json_decref(j);
}

/* one object as "key: value" lines, nested keys joined with '.' */
static void
flatten(struct sbuf *b, const char *prefix, json_t *o)
{
	const char *k;
	json_t *v;
	char key[128];

	json_object_foreach(o, k, v) {
		snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "." : "", k);
		if (json_is_object(v)) {
			flatten(b, key, v);
		} else if (json_is_array(v)) {
			size_t i;
			json_t *x;
			mgmt_printf(b, "%-28s", key);
			json_array_foreach(v, i, x) {
				char *s = json_is_string(x) ? NULL : json_dumps(x, JSON_COMPACT |
										JSON_ENCODE_ANY);
				mgmt_printf(b, "%s%s", i ? ", " : " ", s ? s : json_string_value(x));
				free(s);
			}
			mgmt_printf(b, "\n");
		} else if (json_is_string(v)) {
			mgmt_printf(b, "%-28s %s\n", key, json_string_value(v));
		} else {
			char *s = json_dumps(v, JSON_ENCODE_ANY);
			mgmt_printf(b, "%-28s %s\n", key, s ? s : "?");
			free(s);
		}
	}
}

static void
reply_one(struct mgmt_req *r, json_t *o)
{
	if (r->js) {
		mgmt_json(r->b, o);
		return;
	}
	flatten(r->b, "", o);
	json_decref(o);
}

/* one column of a text table: its header, the JSON key, its width
 * (negative: left-aligned, as for names; numbers align right) */
struct col {
	const char *head, *key;
	int width;
};

/* an array of objects as a text table, one row each */
static void
table(struct sbuf *b, json_t *arr, const struct col *cols)
{
	size_t i;
	json_t *o;

	for (const struct col *c = cols; c->head; c++)
		mgmt_printf(b, "%*s%s", c->width, c->head, c[1].head ? " " : "\n");
	json_array_foreach(arr, i, o)
		for (const struct col *c = cols; c->head; c++) {
			json_t *v = json_object_get(o, c->key);
			if (json_is_integer(v))
				mgmt_printf(b, "%*lld", c->width, (long long)json_integer_value(v));
			else
				mgmt_printf(b, "%*s", c->width, json_is_string(v) ?
					    json_string_value(v) : "-");
			mgmt_printf(b, "%s", c[1].head ? " " : "\n");
		}
}

/* ESP SPIs in every JSON output: 8 lowercase hex digits, as `show ike` */
json_t *
mgmt_spi_json(uint32_t spi)
{
	char s[9];

	snprintf(s, sizeof(s), "%08x", spi);
	return json_string(s);
}

int
show_version(struct mgmt_req *r)
{
	time_t up = time(NULL) - ctl.started;

	if (r->js) {
		mgmt_json(r->b, json_pack("{s:s, s:s, s:i, s:s, s:I}", "version", ESPGW_VERSION,
					  "dpdk", rte_version(), "workers", dp_n_workers(),
					  "crypto_engine", crypto_engine_name(dp_engine()),
					  "uptime_s", (json_int_t)up));
		return 0;
	}
	mgmt_printf(r->b, "espgw %s\n%s\nworkers %u, crypto engine %s, up %lds\n",
		    ESPGW_VERSION, rte_version(), dp_n_workers(),
		    crypto_engine_name(dp_engine()), (long)up);
	return 0;
}

int
show_ports(struct mgmt_req *r)
{
	json_t *arr = json_array();

	for (unsigned i = 0; i < dp_n_ports(); i++) {
		const struct dp_port *p = dp_port_get(i);
		struct dp_port_ctr c;
		struct rte_eth_stats es = { 0 };
		char mac[RTE_ETHER_ADDR_FMT_SIZE], a[IP_PREFIX_STRLEN];
		json_t *ja = json_array();

		ctrs_port(i, &c);
		rte_eth_stats_get(p->port_id, &es);
		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		for (unsigned k = 0; k < p->n_addrs; k++)
			json_array_append_new(ja, json_string(ip_prefix_fmt(&p->addrs[k], a,
									      sizeof(a))));
		json_array_append_new(arr, json_pack(
			"{s:s, s:i, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:o}",
			"name", p->name, "port_id", p->port_id, "mac", mac,
			"mtu", p->mtu, "rx_packets", (json_int_t)c.rx_pkts,
			"rx_bytes", (json_int_t)c.rx_bytes,
			"tx_packets", (json_int_t)c.tx_pkts,
			"tx_bytes", (json_int_t)c.tx_bytes,
			"nic_missed", (json_int_t)es.imissed,
			"nic_errors", (json_int_t)(es.ierrors + es.oerrors),
			"inline_ipsec", p->inline_ipsec, "addresses", ja));
	}
	if (r->js) {
		mgmt_json(r->b, arr);
		return 0;
	}
	mgmt_printf(r->b, "%-10s %-4s %-17s %-5s %12s %14s %12s %14s %10s  %s\n", "PORT", "ID",
		    "MAC", "MTU", "RX-PKTS", "RX-BYTES", "TX-PKTS", "TX-BYTES", "NIC-MISSED",
		    "ADDRESSES");
	size_t i, k;
	json_t *o, *x;
	json_array_foreach(arr, i, o) {
		mgmt_printf(r->b, "%-10s %-4lld %-17s %-5lld %12lld %14lld %12lld %14lld %10lld  ",
			    json_string_value(json_object_get(o, "name")),
			    json_integer_value(json_object_get(o, "port_id")),
			    json_string_value(json_object_get(o, "mac")),
			    json_integer_value(json_object_get(o, "mtu")),
			    json_integer_value(json_object_get(o, "rx_packets")),
			    json_integer_value(json_object_get(o, "rx_bytes")),
			    json_integer_value(json_object_get(o, "tx_packets")),
			    json_integer_value(json_object_get(o, "tx_bytes")),
			    json_integer_value(json_object_get(o, "nic_missed")));
		json_array_foreach(json_object_get(o, "addresses"), k, x)
			mgmt_printf(r->b, "%s%s", k ? "," : "", json_string_value(x));
		mgmt_printf(r->b, "\n");
	}
	json_decref(arr);
	return 0;
}

static uint64_t
drops_total(const struct dp_worker_ctr *c)
{
	uint64_t t = 0;

	for (int d = 0; d < ESPGW_DROP_MAX; d++)
		t += c->drops[d];
	return t;
}

int
show_workers(struct mgmt_req *r)
{
	json_t *arr = json_array();

	if (!r->js)
		mgmt_printf(r->b, "%-6s %-5s %12s %12s %10s %12s %12s %12s %10s %10s\n",
			    "WORKER", "LCORE", "POLLS", "IDLE-POLLS", "SLEEPS", "ESP-IN",
			    "ESP-OUT", "BYPASS", "PUNTED", "DROPS");
	for (unsigned i = 0; i < dp_n_workers(); i++) {
		struct dp_worker_ctr c;
		ctrs_worker(i, &c);
		if (!r->js) {
			mgmt_printf(r->b, "%-6u %-5u %12lu %12lu %10lu %12lu %12lu %12lu %10lu %10lu\n",
				    i, dp_worker_lcore(i), c.polls, c.idle_polls, c.sleeps,
				    c.esp_in, c.esp_out, c.plain_fwd, c.punted, drops_total(&c));
			continue;
		}
		json_t *o = json_pack(
			"{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"worker", i, "lcore", dp_worker_lcore(i),
			"polls", (json_int_t)c.polls, "idle_polls", (json_int_t)c.idle_polls,
			"sleeps", (json_int_t)c.sleeps,
			"esp_in", (json_int_t)c.esp_in, "esp_out", (json_int_t)c.esp_out,
			"bypass", (json_int_t)c.plain_fwd, "punted", (json_int_t)c.punted,
			"drops", (json_int_t)drops_total(&c),
			"l4_checksums_completed", (json_int_t)c.l4_csum_completed);
		/* a -Dstage_cycles=true build: TSC cycles per pipeline stage */
		uint64_t any = 0;
		for (int st = 0; st < ST_MAX; st++)
			any |= c.cycles[st];
		if (any) {
			json_t *cy = json_object();
			for (int st = 0; st < ST_MAX; st++)
				json_object_set_new(cy, dp_stage_name[st],
						    json_integer((json_int_t)c.cycles[st]));
			json_object_set_new(o, "stage_cycles", cy);
		}
		json_array_append_new(arr, o);
	}
	if (r->js)
		mgmt_json(r->b, arr);
	else
		json_decref(arr);
	return 0;
}

static int
drops(struct mgmt_req *r, bool all)
{
	uint64_t tot[ESPGW_DROP_MAX];
	json_t *obj = json_object();

	ctrs_drops(tot);
	if (!r->js)
		mgmt_printf(r->b, "%-16s %14s  %s\n", "REASON", "PACKETS", "MEANING");
	for (int d = 0; d < ESPGW_DROP_MAX; d++) {
		if (r->js)
			json_object_set_new(obj, espgw_drop_name[d], json_integer(tot[d]));
		else if (tot[d] || all)
			mgmt_printf(r->b, "%-16s %14lu  %s\n", espgw_drop_name[d], tot[d],
				    espgw_drop_help[d]);
	}
	if (r->js)
		mgmt_json(r->b, obj);
	else
		json_decref(obj);
	return 0;
}

int
show_drops(struct mgmt_req *r)
{
	return drops(r, false);
}

int
show_drops_all(struct mgmt_req *r)
{
	return drops(r, true);
}

static void
sel_fmt(const struct selector *s, char *buf, size_t len)
{
	char a[IP_PREFIX_STRLEN], c[IP_PREFIX_STRLEN];

	snprintf(buf, len, "%s > %s proto %u sport %u-%u dport %u-%u",
		 ip_prefix_fmt(&s->src, a, sizeof(a)), ip_prefix_fmt(&s->dst, c, sizeof(c)),
		 s->proto, s->sport_lo, s->sport_hi, s->dport_lo, s->dport_hi);
}

static json_t *
sel_json(const struct selector *s)
{
	char a[IP_PREFIX_STRLEN], c[IP_PREFIX_STRLEN];

	return json_pack("{s:s, s:s, s:i, s:[i,i], s:[i,i]}",
			 "src", ip_prefix_fmt(&s->src, a, sizeof(a)),
			 "dst", ip_prefix_fmt(&s->dst, c, sizeof(c)), "proto", s->proto,
			 "sport", s->sport_lo, s->sport_hi, "dport", s->dport_lo, s->dport_hi);
}

int
show_policies(struct mgmt_req *r)
{
	json_t *arr = json_array();

	if (!r->js)
		mgmt_printf(r->b, "%-16s %-8s %-8s %-16s %s\n", "POLICY", "PRIO", "ACTION", "SA",
			    "SELECTOR");
	for (unsigned i = 0; i < ctl.n_policies + ctl_tunnel_policies(); i++) {
		const struct policy_desc *p = i < ctl.n_policies ? &ctl.policies[i] :
					      ctl_tunnel_policy(i - ctl.n_policies);
		char sel[200];
		if (r->js) {
			/* table: the rte_acl SPD, or the per-tunnel table (IKE's) */
			json_array_append_new(arr, json_pack("{s:s, s:i, s:s, s:s, s:s, s:o}",
				"name", p->name, "priority", p->priority,
				"action", spd_action_name(p->action), "sa", p->sa,
				"table", i >= ctl.n_policies ? "tunnel" : "acl",
				"selector", sel_json(&p->sel)));
			continue;
		}
		sel_fmt(&p->sel, sel, sizeof(sel));
		mgmt_printf(r->b, "%-16s %-8u %-8s %-16s %s\n", p->name, p->priority,
			    spd_action_name(p->action), p->sa[0] ? p->sa : "-", sel);
	}
	if (r->js)
		mgmt_json(r->b, arr);
	else
		json_decref(arr);
	return 0;
}

/* show sas [conn=NAME] [peer=ADDR] [dir=in|out]: which SAs a listing keeps */
struct sa_filter {
	const char *conn;
	struct ip_addr peer;
	int dir;			/* -1: both */
};

static int
sa_filter_parse(struct mgmt_req *r, struct sa_filter *f)
{
	f->conn = NULL;
	f->peer.family = 0;
	f->dir = -1;
	for (int i = 0; i < r->argc; i++) {
		const char *w = r->argv[i];
		if (!strncmp(w, "conn=", 5) && w[5]) {
			f->conn = w + 5;
		} else if (!strncmp(w, "peer=", 5) && ip_addr_parse(w + 5, &f->peer) == 0) {
		} else if (!strcmp(w, "dir=in") || !strcmp(w, "dir=out")) {
			f->dir = w[4] == 'i' ? SA_DIR_INBOUND : SA_DIR_OUTBOUND;
		} else {
			snprintf(r->err, r->el, "show sas: '%s' is not a filter (conn=CONNECTION, "
				 "peer=ADDRESS, dir=in|out)", w);
			return -1;
		}
	}
	return 0;
}

static bool
sa_filter_keeps(const struct sa_filter *f, const struct ctl_sa *s)
{
	return (f->conn == NULL || !strcmp(f->conn, s->conn)) &&
	       (f->peer.family == 0 || ip_addr_eq(&f->peer, &s->desc.remote)) &&
	       (f->dir < 0 || f->dir == (int)s->desc.dir);
}

static json_t *
lifetime_json(const struct lifetime *l)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
			 "soft_bytes", (json_int_t)l->soft_bytes,
			 "hard_bytes", (json_int_t)l->hard_bytes,
			 "soft_packets", (json_int_t)l->soft_packets,
			 "hard_packets", (json_int_t)l->hard_packets,
			 "soft_seconds", (json_int_t)l->soft_seconds,
			 "hard_seconds", (json_int_t)l->hard_seconds);
}

static json_t *
sa_row_json(uint32_t id, time_t now)
{
	const struct ctl_sa *s = &ctl.sa[id];
	const struct sa_desc *d = &s->desc;
	struct dp_sa_ctr c;
	char l[IP_ADDR_STRLEN], rm[IP_ADDR_STRLEN];
	json_t *o;

	ctrs_sa(id, &c);
	o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:b, s:i, s:I, s:I, s:I, s:I, s:I,"
		      " s:I, s:o}",
		      "name", d->name, "direction", sa_dir_name(d->dir), "spi",
		      mgmt_spi_json(d->spi), "mode", sa_mode_name(d->mode),
		      "algorithm", esp_alg_info[d->alg].name,
		      "local", ip_addr_fmt(&d->local, l, sizeof(l)),
		      "remote", ip_addr_fmt(&d->remote, rm, sizeof(rm)),
		      "esn", d->esn, "replay_window", dp_sa_replay_window(s->dp),
		      "packets", (json_int_t)c.pkts, "bytes", (json_int_t)c.bytes,
		      "errors", (json_int_t)c.errors,
		      "fragmented", (json_int_t)c.fragmented,
		      "fragments", (json_int_t)c.fragments,
		      "age_s", (json_int_t)(now - s->added), "selector", sel_json(&d->sel));
	if (s->conn[0])
		json_object_set_new(o, "connection", json_string(s->conn));
	if (d->encap_sport)
		json_object_set_new(o, "udp_encap", json_pack("{s:i, s:i}", "sport",
							      d->encap_sport, "dport",
							      d->encap_dport));
	json_object_set_new(o, "lifetime", lifetime_json(&d->life));
	return o;
}

int
show_sas(struct mgmt_req *r)
{
	json_t *arr = json_array();
	time_t now = time(NULL);
	struct sa_filter f;

	if (sa_filter_parse(r, &f) < 0) {
		json_decref(arr);
		return -1;
	}
	if (!r->js)
		mgmt_printf(r->b, "%-14s %-4s %-8s %-9s %-18s %-16s %-16s %12s %14s %8s %6s  %s\n",
			    "SA", "DIR", "SPI", "MODE", "ALGORITHM", "LOCAL", "REMOTE", "PACKETS",
			    "BYTES", "ERRORS", "AGE", "FRAGMENTED");
	for (uint32_t i = 0; i < ctl.max_sas; i++) {
		const struct ctl_sa *s = &ctl.sa[i];
		const struct sa_desc *d = &s->desc;
		if (s->dp == NULL || s->deleting || !sa_filter_keeps(&f, s))
			continue;
		if (r->js) {
			json_array_append_new(arr, sa_row_json(i, now));
			continue;
		}
		struct dp_sa_ctr c;
		char l[IP_ADDR_STRLEN], rm[IP_ADDR_STRLEN];
		ctrs_sa(i, &c);
		mgmt_printf(r->b, "%-14s %-4s %08x %-9s %-18s %-16s %-16s %12lu %14lu %8lu %5lds",
			    d->name, d->dir == SA_DIR_INBOUND ? "in" : "out", d->spi,
			    sa_mode_name(d->mode), esp_alg_info[d->alg].name,
			    ip_addr_fmt(&d->local, l, sizeof(l)),
			    ip_addr_fmt(&d->remote, rm, sizeof(rm)), c.pkts, c.bytes, c.errors,
			    (long)(now - s->added));
		/* packets split before ESP, into fragments (each one of PACKETS) */
		if (c.fragmented)
			mgmt_printf(r->b, "  %lu into %lu", c.fragmented, c.fragments);
		mgmt_printf(r->b, "\n");
	}
	if (r->js)
		mgmt_json(r->b, arr);
	else
		json_decref(arr);
	return 0;
}

/* what is left of one limit (-1: none set) */
static json_int_t
left(uint64_t limit, uint64_t used)
{
	return limit == 0 ? -1 : (json_int_t)(limit > used ? limit - used : 0);
}

int
show_sa(struct mgmt_req *r)
{
	int id = ctl_find_sa(r->argv[0]);
	time_t now = time(NULL), last;
	const struct ctl_sa *s;
	const struct lifetime *lf;
	struct dp_sa_state st;
	struct ctrs_rate rate;
	struct ctl_child_owner own;
	uint64_t age;
	json_t *o;

	if (id < 0 || ctl.sa[id].deleting) {
		snprintf(r->err, r->el, "no SA %s (show sas lists them)", r->argv[0]);
		return -1;
	}
	s = &ctl.sa[id];
	lf = &s->desc.life;
	age = (uint64_t)(now - s->added);
	o = sa_row_json((uint32_t)id, now);
	dp_sa_state(s->dp, &st);
	ctrs_sa_rate((uint32_t)id, &rate);
	last = ctrs_sa_last_used((uint32_t)id);
	json_object_set_new(o, "created", json_integer((json_int_t)s->added));
	json_object_set_new(o, "last_used_s_ago", json_integer(last ? (json_int_t)(now - last) : -1));
	json_object_set_new(o, "rate", json_pack("{s:I, s:I}", "pps", (json_int_t)rate.pps,
						 "bps", (json_int_t)rate.bps));
	if (st.seq_known)
		json_object_set_new(o, s->desc.dir == SA_DIR_OUTBOUND ? "seq_last_sent" :
				       "seq_highest", json_integer((json_int_t)st.seq));
	if (s->desc.dir == SA_DIR_INBOUND && st.window)
		json_object_set_new(o, "replay", json_pack("{s:i, s:i}", "window", st.window,
							   "received_in_window", st.window_seen));
	/* packets and bytes as the lifetime counts them: from the SA's start,
	 * whatever clear counters did */
	json_object_set_new(o, "lifetime_left", json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I}",
		"soft_bytes", left(lf->soft_bytes, st.life_bytes),
		"hard_bytes", left(lf->hard_bytes, st.life_bytes),
		"soft_packets", left(lf->soft_packets, st.life_packets),
		"hard_packets", left(lf->hard_packets, st.life_packets),
		"soft_seconds", left(lf->soft_seconds, age),
		"hard_seconds", left(lf->hard_seconds, age)));
	json_object_set_new(o, "expired", json_boolean(st.expired));
	if (s->conn[0] && ctl_ike_child_owner(s->conn, s->desc.spi, &own)) {
		char si[17], sr[17];
		snprintf(si, sizeof(si), "%016lx", (unsigned long)own.spi_i);
		snprintf(sr, sizeof(sr), "%016lx", (unsigned long)own.spi_r);
		json_object_set_new(o, "ike_sa", json_pack(
			"{s:s, s:i, s:s, s:s, s:s, s:I}", "connection", s->conn,
			"version", own.version, "spi_i", si, "spi_r", sr,
			"child_state", own.state,
			"child_rekey_in_s", (json_int_t)own.rekey_in_s));
	}
	reply_one(r, o);
	return 0;
}

int
show_stats(struct mgmt_req *r)
{
	const struct ctl_stats *s = &ctl.st;
	json_t *o = json_pack("{s:I, s:I, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			      " s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"messages_posted", (json_int_t)s->msgs_posted,
		"messages_acked", (json_int_t)s->msgs_acked,
		"in_flight", ctl.in_flight,
		"soft_events", (json_int_t)s->soft_events,
		"hard_events", (json_int_t)s->hard_events,
		"arp", (json_int_t)s->punt_arp, "nd", (json_int_t)s->punt_nd,
		"icmp_echo", (json_int_t)s->punt_icmp,
		"punt_other", (json_int_t)s->punt_other,
		"icmp_errors_sent", (json_int_t)s->icmp_errors_sent,
		"icmp_errors_rate_limited", (json_int_t)s->icmp_errors_limited,
		"mgmt_requests", (json_int_t)s->mgmt_requests,
		"mgmt_errors", (json_int_t)s->mgmt_errors,
		"mgmt_refused", (json_int_t)s->mgmt_refused,
		"mgmt_dropped", (json_int_t)s->mgmt_dropped,
		"loop_max_us", (json_int_t)(s->loop_max_ns / 1000),
		"loop_max_10s_us", (json_int_t)(ctl_loop_recent_max(10) / 1000),
		"ack_latency_ns_last", (json_int_t)s->ack_lat_ns_last,
		"ack_latency_ns_max", (json_int_t)s->ack_lat_ns_max,
		"neigh_held", (json_int_t)s->neigh_held,
		"neigh_released", (json_int_t)s->neigh_released,
		"crypto_sessions", (json_int_t)dp_sessions_in_use());

	if (r->js) {
		mgmt_json(r->b, o);
		return 0;
	}
	json_decref(o);
	mgmt_printf(r->b, "messages posted %lu, acked %lu, in flight %u\n"
		    "ack latency last %lu ns, max %lu ns\n"
		    "lifetime events soft %lu, hard %lu\n"
		    "punted: arp %lu, nd %lu, icmp echo %lu, other %lu; icmp errors sent %lu, "
		    "rate-limited %lu\n"
		    "held for an unresolved next hop %lu, released %lu\n"
		    "crypto sessions in use %u\n"
		    "management requests %lu, errors %lu; clients refused %lu, dropped %lu\n"
		    "control loop longest pass %lu us (last 10 s: %lu us)\n",
		    s->msgs_posted, s->msgs_acked, ctl.in_flight, s->ack_lat_ns_last,
		    s->ack_lat_ns_max, s->soft_events, s->hard_events, s->punt_arp,
		    s->punt_nd, s->punt_icmp, s->punt_other, s->icmp_errors_sent,
		    s->icmp_errors_limited, s->neigh_held, s->neigh_released,
		    dp_sessions_in_use(), s->mgmt_requests, s->mgmt_errors, s->mgmt_refused,
		    s->mgmt_dropped, s->loop_max_ns / 1000, ctl_loop_recent_max(10) / 1000);
	return 0;
}

/* the routing table: each port's connected prefixes, then `routes:` */
int
show_routes(struct mgmt_req *r)
{
	const struct espgw_config *c = ctl.cfg;
	json_t *arr = json_array();
	char p[IP_PREFIX_STRLEN], v[IP_ADDR_STRLEN];

	for (unsigned i = 0; i < dp_n_ports(); i++) {
		const struct dp_port *dp = dp_port_get(i);
		for (unsigned k = 0; k < dp->n_addrs; k++) {
			struct ip_prefix net = dp->addrs[k];
			ip_prefix_mask(&net);
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "prefix",
				ip_prefix_fmt(&net, p, sizeof(p)), "via", "connected",
				"port", dp->name, "source", "port"));
		}
	}
	for (unsigned i = 0; c && i < c->n_routes; i++) {
		const struct route_desc *rt = &c->routes[i];
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "prefix",
			ip_prefix_fmt(&rt->prefix, p, sizeof(p)), "via",
			rt->via.family ? ip_addr_fmt(&rt->via, v, sizeof(v)) : "connected",
			"port", rt->port, "source", "config"));
	}
	if (r->js) {
		mgmt_json(r->b, arr);
		return 0;
	}
	table(r->b, arr, (const struct col[]){ { "PREFIX", "prefix", -43 }, { "VIA", "via", -39 },
					      { "PORT", "port", -10 }, { "SOURCE", "source", 0 },
					      { NULL, NULL, 0 } });
	json_decref(arr);
	return 0;
}

static void
neigh_row(void *ctx, const struct ctl_neigh_view *n)
{
	char a[IP_ADDR_STRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE] = "-";

	if (n->state[0] != 'i')	/* incomplete: no MAC yet */
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 n->mac.addr_bytes[0], n->mac.addr_bytes[1], n->mac.addr_bytes[2],
			 n->mac.addr_bytes[3], n->mac.addr_bytes[4], n->mac.addr_bytes[5]);
	json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:s}", "address",
		ip_addr_fmt(&n->addr, a, sizeof(a)), "mac", mac,
		"port", dp_port_get(n->port)->name, "state", n->state));
}

int
show_neigh(struct mgmt_req *r)
{
	json_t *arr = json_array();

	ctl_neigh_list(neigh_row, arr);
	if (r->js) {
		mgmt_json(r->b, arr);
		return 0;
	}
	table(r->b, arr, (const struct col[]){ { "ADDRESS", "address", -39 }, { "MAC", "mac", -17 },
					      { "PORT", "port", -10 }, { "STATE", "state", 0 },
					      { NULL, NULL, 0 } });
	json_decref(arr);
	return 0;
}

/* rates over the last second: every port, and every SA that moved */
int
show_rates(struct mgmt_req *r)
{
	json_t *ports = json_array(), *sas = json_array();
	struct ctrs_rate x;

	for (unsigned i = 0; i < dp_n_ports(); i++) {
		ctrs_port_rate(i, &x);
		json_array_append_new(ports, json_pack("{s:s, s:I, s:I, s:I, s:I}", "name",
			dp_port_get(i)->name, "rx_pps", (json_int_t)x.pps,
			"rx_bps", (json_int_t)x.bps, "tx_pps", (json_int_t)x.tx_pps,
			"tx_bps", (json_int_t)x.tx_bps));
	}
	for (uint32_t id = 0; id < ctl.max_sas; id++) {
		if (ctl.sa[id].dp == NULL || ctl.sa[id].deleting)
			continue;
		ctrs_sa_rate(id, &x);
		if (x.pps == 0)
			continue;
		json_array_append_new(sas, json_pack("{s:s, s:s, s:o, s:I, s:I}", "name",
			ctl.sa[id].desc.name, "direction", sa_dir_name(ctl.sa[id].desc.dir),
			"spi", mgmt_spi_json(ctl.sa[id].desc.spi), "pps", (json_int_t)x.pps,
			"bps", (json_int_t)x.bps));
	}
	if (r->js) {
		mgmt_json(r->b, json_pack("{s:o, s:o}", "ports", ports, "sas", sas));
		return 0;
	}
	table(r->b, ports, (const struct col[]){ { "PORT", "name", -10 }, { "RX-PPS", "rx_pps", 12 },
						{ "RX-BPS", "rx_bps", 14 }, { "TX-PPS", "tx_pps", 12 },
						{ "TX-BPS", "tx_bps", 14 }, { NULL, NULL, 0 } });
	table(r->b, sas, (const struct col[]){ { "SA", "name", -14 }, { "DIR", "direction", -8 },
					      { "SPI", "spi", -8 }, { "PPS", "pps", 12 },
					      { "BPS", "bps", 14 }, { NULL, NULL, 0 } });
	json_decref(ports);
	json_decref(sas);
	return 0;
}
