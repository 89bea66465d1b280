/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Management socket: one request line in, one framed reply out
 * ("OK <len>\n" or "ERR <len>\n", then len bytes). Human tables by
 * default, JSON with --json. Every request is parsed as untrusted input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <limits.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "common/config/keys.h"
#include "common/log.h"
#include "control/ctl.h"
#include "control/ike_ctl.h"
#include "control/sa_mgr.h"
#include "control/telemetry.h"
#include "control/tpol.h"
#include "control/mgmt.h"

#define MAX_WORDS 64

void
mgmt_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0,
			      fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->p && b->len + n < b->cap) {
			b->len += n;
			return;
		}
		size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
		char *p = realloc(b->p, cap);
		if (p == NULL)
			return;
		b->p = p;
		b->cap = cap;
	}
}

static void
sb_json(struct sbuf *b, json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s)
		mgmt_printf(b, "%s\n", s);
	free(s);
	json_decref(j);
}

static const char *
alg_name(enum esp_alg a)
{
	return esp_alg_info[a].name;
}

static void
cmd_version(struct sbuf *b, bool js)
{
	time_t up = time(NULL) - ctl.started;

	if (js) {
		sb_json(b, json_pack("{s:s, s:s, s:i, s:s, s:I}", "version", ESPGW_VERSION,
				     "dpdk", rte_version(), "workers", dp_n_workers(),
				     "crypto_engine", crypto_engine_name(dp_engine()),
				     "uptime_s", (json_int_t)up));
		return;
	}
	mgmt_printf(b, "espgw %s\n%s\nworkers %u, crypto engine %s, up %lds\n",
		  ESPGW_VERSION, rte_version(), dp_n_workers(),
		  crypto_engine_name(dp_engine()), (long)up);
}

static void
cmd_ports(struct sbuf *b, bool js)
{
	json_t *arr = json_array();

	if (!js)
		mgmt_printf(b, "%-10s %-4s %-17s %-5s %12s %14s %12s %14s %10s  %s\n",
			  "PORT", "ID", "MAC", "MTU", "RX-PKTS", "RX-BYTES", "TX-PKTS",
			  "TX-BYTES", "NIC-MISSED", "ADDRESSES");
	for (unsigned i = 0; i < dp_n_ports(); i++) {
		const struct dp_port *p = dp_port_get(i);
		struct dp_port_ctr c;
		struct rte_eth_stats es = { 0 };
		char mac[RTE_ETHER_ADDR_FMT_SIZE], addrs[400] = "", a[IP_PREFIX_STRLEN];
		json_t *ja = json_array();

		dp_sum_port(i, &c);
		rte_eth_stats_get(p->port_id, &es);
		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		for (unsigned k = 0; k < p->n_addrs; k++) {
			ip_prefix_fmt(&p->addrs[k], a, sizeof(a));
			snprintf(addrs + strlen(addrs), sizeof(addrs) - strlen(addrs),
				 "%s%s", k ? "," : "", a);
			json_array_append_new(ja, json_string(a));
		}
		if (js)
			json_array_append_new(arr, json_pack(
				"{s:s, s:i, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:o}",
				"name", p->name, "port_id", p->port_id, "mac", mac,
				"mtu", p->mtu, "rx_packets", (json_int_t)c.rx_pkts,
				"rx_bytes", (json_int_t)c.rx_bytes,
				"tx_packets", (json_int_t)c.tx_pkts,
				"tx_bytes", (json_int_t)c.tx_bytes,
				"nic_missed", (json_int_t)es.imissed,
				"nic_errors", (json_int_t)(es.ierrors + es.oerrors),
				"inline_ipsec", p->inline_ipsec,
				"addresses", ja));
		else {
			json_decref(ja);
			mgmt_printf(b, "%-10s %-4u %-17s %-5u %12lu %14lu %12lu %14lu %10lu  %s\n",
				  p->name, p->port_id, mac, p->mtu, c.rx_pkts, c.rx_bytes,
				  c.tx_pkts, c.tx_bytes, es.imissed, addrs);
		}
	}
	if (js)
		sb_json(b, arr);
	else
		json_decref(arr);
}

static uint64_t
drops_total(const struct dp_worker_ctr *c)
{
	uint64_t t = 0;

	for (int d = 0; d < ESPGW_DROP_MAX; d++)
		t += c->drops[d];
	return t;
}

static void
cmd_workers(struct sbuf *b, bool js)
{
	json_t *arr = json_array();

	if (!js)
		mgmt_printf(b, "%-6s %-5s %12s %12s %10s %12s %12s %12s %10s %10s\n",
			  "WORKER", "LCORE", "POLLS", "IDLE-POLLS", "SLEEPS", "ESP-IN",
			  "ESP-OUT", "BYPASS", "PUNTED", "DROPS");
	for (unsigned i = 0; i < dp_n_workers(); i++) {
		struct dp_worker_ctr c;
		dp_sum_worker(i, &c);
		if (js) {
			json_t *o = json_pack(
				"{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				"worker", i, "lcore", dp_worker_lcore(i),
				"polls", (json_int_t)c.polls,
				"idle_polls", (json_int_t)c.idle_polls,
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
		} else
			mgmt_printf(b, "%-6u %-5u %12lu %12lu %10lu %12lu %12lu %12lu %10lu %10lu\n",
				  i, dp_worker_lcore(i), c.polls, c.idle_polls, c.sleeps,
				  c.esp_in, c.esp_out, c.plain_fwd, c.punted, drops_total(&c));
	}
	if (js)
		sb_json(b, arr);
	else
		json_decref(arr);
}

static void
cmd_drops(struct sbuf *b, bool js, bool all)
{
	uint64_t tot[ESPGW_DROP_MAX];
	json_t *obj = json_object();

	memcpy(tot, ctl.st.drops, sizeof(tot));	/* the control thread's own */
	for (unsigned i = 0; i < dp_n_workers(); i++) {
		struct dp_worker_ctr c;
		dp_sum_worker(i, &c);
		for (int d = 0; d < ESPGW_DROP_MAX; d++)
			tot[d] += c.drops[d];
	}
	if (!js)
		mgmt_printf(b, "%-16s %14s  %s\n", "REASON", "PACKETS", "MEANING");
	for (int d = 0; d < ESPGW_DROP_MAX; d++) {
		if (js)
			json_object_set_new(obj, espgw_drop_name[d], json_integer(tot[d]));
		else if (tot[d] || all)
			mgmt_printf(b, "%-16s %14lu  %s\n", espgw_drop_name[d], tot[d],
				  espgw_drop_help[d]);
	}
	if (js)
		sb_json(b, obj);
	else
		json_decref(obj);
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

static void
cmd_policies(struct sbuf *b, bool js)
{
	json_t *arr = json_array();

	if (!js)
		mgmt_printf(b, "%-16s %-8s %-8s %-16s %s\n", "POLICY", "PRIO", "ACTION",
			  "SA", "SELECTOR");
	for (unsigned i = 0; i < ctl.n_policies + ctl_tunnel_policies(); i++) {
		const struct policy_desc *p = i < ctl.n_policies ? &ctl.policies[i] :
					      ctl_tunnel_policy(i - ctl.n_policies);
		char sel[200];
		if (js) {
			/* table: the rte_acl SPD, or the per-tunnel table (IKE's) */
			json_array_append_new(arr, json_pack("{s:s, s:i, s:s, s:s, s:s, s:o}",
				"name", p->name, "priority", p->priority,
				"action", spd_action_name(p->action), "sa", p->sa,
				"table", i >= ctl.n_policies ? "tunnel" : "acl",
				"selector", sel_json(&p->sel)));
			continue;
		}
		sel_fmt(&p->sel, sel, sizeof(sel));
		mgmt_printf(b, "%-16s %-8u %-8s %-16s %s\n", p->name, p->priority,
			  spd_action_name(p->action), p->sa[0] ? p->sa : "-", sel);
	}
	if (js)
		sb_json(b, arr);
	else
		json_decref(arr);
}

static void
cmd_sas(struct sbuf *b, bool js)
{
	json_t *arr = json_array();
	time_t now = time(NULL);

	if (!js)
		mgmt_printf(b, "%-14s %-4s %-10s %-9s %-18s %-16s %-16s %12s %14s %8s %6s  %s\n",
			  "SA", "DIR", "SPI", "MODE", "ALGORITHM", "LOCAL", "REMOTE",
			  "PACKETS", "BYTES", "ERRORS", "AGE", "FRAGMENTED");
	for (unsigned i = 0; i < ctl.max_sas; i++) {
		const struct ctl_sa *s = &ctl.sa[i];
		const struct sa_desc *d;
		struct dp_sa_ctr c;
		char l[IP_ADDR_STRLEN], r[IP_ADDR_STRLEN];
		if (s->dp == NULL || s->deleting)
			continue;
		d = &s->desc;
		dp_sum_sa(i, &c);
		ip_addr_fmt(&d->local, l, sizeof(l));
		ip_addr_fmt(&d->remote, r, sizeof(r));
		if (js) {
			json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:b, s:i,"
					      " s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
				"name", d->name, "direction", sa_dir_name(d->dir),
				"spi", (json_int_t)d->spi, "mode", sa_mode_name(d->mode),
				"algorithm", alg_name(d->alg), "local", l, "remote", r,
				"esn", d->esn, "replay_window", dp_sa_replay_window(s->dp),
				"packets", (json_int_t)c.pkts, "bytes", (json_int_t)c.bytes,
				"errors", (json_int_t)c.errors,
				"fragmented", (json_int_t)c.fragmented,
				"fragments", (json_int_t)c.fragments,
				"age_s", (json_int_t)(now - s->added),
				"selector", sel_json(&d->sel));
			if (d->encap_sport)
				json_object_set_new(o, "udp_encap", json_pack("{s:i, s:i}",
					"sport", d->encap_sport, "dport", d->encap_dport));
			json_object_set_new(o, "lifetime", json_pack(
				"{s:I, s:I, s:I, s:I, s:I, s:I}",
				"soft_bytes", (json_int_t)d->life.soft_bytes,
				"hard_bytes", (json_int_t)d->life.hard_bytes,
				"soft_packets", (json_int_t)d->life.soft_packets,
				"hard_packets", (json_int_t)d->life.hard_packets,
				"soft_seconds", (json_int_t)d->life.soft_seconds,
				"hard_seconds", (json_int_t)d->life.hard_seconds));
			json_array_append_new(arr, o);
			continue;
		}
		mgmt_printf(b, "%-14s %-4s 0x%08x %-9s %-18s %-16s %-16s %12lu %14lu %8lu %5lds",
			  d->name, d->dir == SA_DIR_INBOUND ? "in" : "out", d->spi,
			  sa_mode_name(d->mode), alg_name(d->alg), l, r, c.pkts, c.bytes,
			  c.errors, (long)(now - s->added));
		/* packets split before ESP, into fragments (each one of PACKETS) */
		if (c.fragmented)
			mgmt_printf(b, "  %lu into %lu", c.fragmented, c.fragments);
		mgmt_printf(b, "\n");
	}
	if (js)
		sb_json(b, arr);
	else
		json_decref(arr);
}

static void
cmd_stats(struct sbuf *b, bool js)
{
	const struct ctl_stats *s = &ctl.st;

	if (js) {
		sb_json(b, json_pack("{s:I, s:I, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
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
			"crypto_sessions", (json_int_t)dp_sessions_in_use()));
		return;
	}
	mgmt_printf(b, "messages posted %lu, acked %lu, in flight %u\n"
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
		  s->icmp_errors_limited,
		  s->neigh_held, s->neigh_released,
		  dp_sessions_in_use(),
		  s->mgmt_requests, s->mgmt_errors, s->mgmt_refused, s->mgmt_dropped,
		  s->loop_max_ns / 1000, ctl_loop_recent_max(10) / 1000);
}

/* "KEY=VALUE ... (keys: a b c ...)", wrapped, from the key table (keys.h) */
static void
help_keys(struct sbuf *b, const char *cmd, const struct cfg_key *keys)
{
	unsigned col;

	mgmt_printf(b, "%s KEY=VALUE ...; keys:", cmd);
	col = strlen(cmd) + 22;
	for (; keys->name; keys++) {
		if (keys->type && (!strcmp(keys->type, "list") || !strcmp(keys->type, "mapping")))
			continue;
		if (col + strlen(keys->name) + 1 > 78) {
			mgmt_printf(b, "\n      ");
			col = 6;
		}
		mgmt_printf(b, " %s", keys->name);
		col += strlen(keys->name) + 1;
	}
	mgmt_printf(b, "\n");
}

static void
cmd_help(struct sbuf *b)
{
	mgmt_printf(b, "show version|ports|workers|policies|sas|counters|drops [all]|stats [--json]\n"
		  "show ike [conns|stats|pools] [--json]\n"
		  "ike initiate|terminate CONNECTION\n"
		  "ike terminate CONNECTION child SPI\n"
		  "ike redirect CONNECTION ADDRESS\n"
		  "ike move CONNECTION LOCAL-ADDRESS\n"
		  "ike rekey CONNECTION ike|child\n");
	help_keys(b, "sa add", cfg_sa_keys);
	mgmt_printf(b, "sa del NAME\n");
	help_keys(b, "policy add", cfg_policy_keys);
	mgmt_printf(b, "policy del NAME\n"
		  "reload [FILE]\n"
		  "help (the keys: docs/configuration.md, espgw --print-keys sas|policies)\n");
}

static char reload_path[PATH_MAX];	/* the running configuration's file */
static char config_dir[PATH_MAX];	/* where other reload files may be */

/*
 * As ssh does for private keys: a configuration holding keys or PSKs
 * should be readable by its owner (and group) only.
 */
void
mgmt_warn_secrets_mode(const char *path, const struct espgw_config *c)
{
	struct stat st;
	bool secrets = c->n_sas > 0 || c->n_users > 0;

	for (unsigned i = 0; i < c->n_conns && !secrets; i++)
		secrets = c->conns[i].psk[0] != '\0' || c->conns[i].xauth_password[0] != '\0';
	if (!secrets || path == NULL || stat(path, &st) < 0)
		return;
	if (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP))
		log_warn("%s holds keys or PSKs but is mode %04o (readable or writable by "
			 "others): chmod 600 %s", path, (unsigned)(st.st_mode & 07777), path);
}

/*
 * A client may name a file for reload, but only a regular file in the
 * running configuration's directory: the daemon runs as root and must not
 * open (and quote parser errors from) any path a client names.
 */
static int
reload_file_ok(const char *path, char *err, size_t el)
{
	char real[PATH_MAX], *slash;
	struct stat st;

	if (realpath(path, real) == NULL || stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, el, "reload: no configuration file at that path");
		return -1;
	}
	slash = strrchr(real, '/');
	*slash = '\0';
	if (strcmp(real, config_dir) != 0) {
		snprintf(err, el, "reload: only files in %s (the running configuration's "
			 "directory) may be named", config_dir);
		return -1;
	}
	return 0;
}

int
mgmt_reload(const char *path, struct sbuf *b, char *err, size_t el)
{
	struct espgw_config *nc;

	if (path == NULL)
		path = reload_path;
	else if (reload_file_ok(path, err, el) < 0)
		return -1;
	if (path[0] == '\0') {
		snprintf(err, el, "reload: espgw runs its built-in configuration (no -c); "
			 "name a file in %s", config_dir);
		return -1;
	}
	nc = config_load_file(path, err, el);
	if (nc == NULL)
		return -1;
	/* connections first: their credentials must load before anything changes */
	if (ctl_ike_check(nc, err, el) < 0 || ctl_apply(nc, err, el) < 0 ||
	    ctl_ike_sync(ctl.cfg, nc, err, el) < 0) {
		config_free(nc);
		return -1;
	}
	mgmt_warn_secrets_mode(path, nc);
	/* keep the new file's description as the running one */
	{
		struct espgw_config *old = ctl.cfg;
		ctl.cfg = nc;
		config_free(old);
	}
	if (path != reload_path)	/* a file given here is the one from now on */
		snprintf(reload_path, sizeof(reload_path), "%s", path);
	mgmt_printf(b, "reloaded %s: %u SAs, %u policies, %u routes, %u connections\n", path,
		  nc->n_sas, nc->n_policies, nc->n_routes, nc->n_conns);
	return 0;
}

static int
cmd_reload(struct sbuf *b, int argc, char **argv, char *err, size_t el)
{
	if (argc > 1) {
		snprintf(err, el, "usage: reload [FILE]");
		return -1;
	}
	return mgmt_reload(argc ? argv[0] : NULL, b, err, el);
}

void
mgmt_set_reload_path(const char *p)
{
	char real[PATH_MAX];

	reload_path[0] = '\0';
	snprintf(config_dir, sizeof(config_dir), "/etc/espgw");
	if (p == NULL)
		return;
	if (realpath(p, real) == NULL)
		snprintf(real, sizeof(real), "%s", p);
	snprintf(reload_path, sizeof(reload_path), "%s", real);
	*strrchr(real, '/') = '\0';
	snprintf(config_dir, sizeof(config_dir), "%s", real[0] ? real : "/");
}

/* Split a request into words; false on bad characters or too many words. */
static int
tokenize(char *line, char **argv, char *err, size_t el)
{
	int argc = 0;

	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			snprintf(err, el, "request contains control characters");
			return -1;
		}
	for (char *tok = strtok(line, " \t"); tok; tok = strtok(NULL, " \t")) {
		if (argc == MAX_WORDS) {
			snprintf(err, el, "too many words (max %d)", MAX_WORDS);
			return -1;
		}
		argv[argc++] = tok;
	}
	return argc;
}

/*
 * One log line per changing command, with the caller; secrets (key=,
 * auth_key=, psk=) never reach the log.
 */
static void
audit(const struct mgmt_caller *who, int argc, char **argv)
{
	char line[1024];
	size_t off = 0;

	for (int i = 0; i < argc && off < sizeof(line) - 1; i++) {
		const char *eq = strchr(argv[i], '=');
		bool secret = eq && (!strncmp(argv[i], "key=", 4) ||
				     !strncmp(argv[i], "auth_key=", 9) ||
				     !strncmp(argv[i], "psk=", 4));
		int k = secret ? snprintf(line + off, sizeof(line) - off, "%s%.*s=<secret>",
					  i ? " " : "", (int)(eq - argv[i]), argv[i]) :
				 snprintf(line + off, sizeof(line) - off, "%s%s", i ? " " : "",
					  argv[i]);
		if (k < 0)
			break;
		off += (size_t)k;
	}
	line[sizeof(line) - 1] = '\0';
	log_info("mgmt: uid %u pid %d: %s", (unsigned)who->uid, (int)who->pid, line);
}

/* Run one request; returns 0 (OK) or -1 (ERR, text in err). */
int
mgmt_execute(char *line, const struct mgmt_caller *who, struct sbuf *b, char *err,
	     size_t el)
{
	char *argv[MAX_WORDS];
	int argc = tokenize(line, argv, err, el);
	bool js = false;
	int n = 0;

	if (argc < 0)
		return -1;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			js = true;
		else
			argv[n++] = argv[i];
	}
	argc = n;
	if (argc > 0 && strcmp(argv[0], "show") && strcmp(argv[0], "help")) {
		/* everything but show and help changes state: admins only, audited */
		if (!who->admin) {
			log_warn("mgmt: uid %u pid %d refused (read-only): %s", (unsigned)who->uid,
				 (int)who->pid, argv[0]);
			snprintf(err, el, "permission denied: '%s' changes the gateway; "
				 "uid %u may only use show and help (mgmt_admin_group)",
				 argv[0], (unsigned)who->uid);
			return -1;
		}
		audit(who, argc, argv);
	}
	if (argc == 0 || !strcmp(argv[0], "help")) {
		cmd_help(b);
		return 0;
	}
	if (!strcmp(argv[0], "show") && argc >= 2) {
		const char *w = argv[1];
		if (argc > 3 || (argc == 3 && strcmp(w, "drops") && strcmp(w, "ike"))) {
			snprintf(err, el, "show %s takes no arguments", w);
			return -1;
		}
		if (!strcmp(w, "version"))
			cmd_version(b, js);
		else if (!strcmp(w, "ports"))
			cmd_ports(b, js);
		else if (!strcmp(w, "workers"))
			cmd_workers(b, js);
		else if (!strcmp(w, "policies"))
			cmd_policies(b, js);
		else if (!strcmp(w, "sas") || !strcmp(w, "counters"))
			cmd_sas(b, js);
		else if (!strcmp(w, "drops")) {
			if (argc == 3 && strcmp(argv[2], "all")) {
				snprintf(err, el, "usage: show drops [all]");
				return -1;
			}
			cmd_drops(b, js, argc == 3);
		} else if (!strcmp(w, "stats")) {
			cmd_stats(b, js);
		} else if (!strcmp(w, "ike")) {
			char *out = ctl_ike_show(argc == 3 ? argv[2] : NULL, js, err, el);
			if (out == NULL || argc > 3) {
				free(out);
				if (argc > 3)
					snprintf(err, el, "usage: show ike [conns|stats|pools] [--json]");
				return -1;
			}
			mgmt_printf(b, "%s%s", out, js ? "\n" : "");
			free(out);
		} else {
			snprintf(err, el, "unknown: show %s (try help)", w);
			return -1;
		}
		return 0;
	}
	if (!strcmp(argv[0], "sa") && argc >= 2) {
		if (!strcmp(argv[1], "add")) {
			struct sa_desc d;
			int rc = config_parse_sa_words(argc - 2, argv + 2, &d, err, el);
			if (rc == 0)
				rc = ctl_sa_add(&d, err, el);
			explicit_bzero(&d, sizeof(d));
			if (rc < 0)
				return -1;
			mgmt_printf(b, "SA added\n");
			return 0;
		}
		if (!strcmp(argv[1], "del") && argc == 3) {
			if (ctl_sa_del(argv[2], err, el) < 0)
				return -1;
			mgmt_printf(b, "SA %s deleted\n", argv[2]);
			return 0;
		}
	}
	if (!strcmp(argv[0], "policy") && argc >= 2) {
		if (!strcmp(argv[1], "add")) {
			struct policy_desc p;
			if (config_parse_policy_words(argc - 2, argv + 2, &p, err, el) < 0 ||
			    ctl_policy_add(&p, err, el) < 0)
				return -1;
			mgmt_printf(b, "policy added\n");
			return 0;
		}
		if (!strcmp(argv[1], "del") && argc == 3) {
			if (ctl_policy_del(argv[2], err, el) < 0)
				return -1;
			mgmt_printf(b, "policy %s deleted\n", argv[2]);
			return 0;
		}
	}
	if (!strcmp(argv[0], "ike") && argc == 4 && !strcmp(argv[1], "rekey") &&
	    (!strcmp(argv[3], "ike") || !strcmp(argv[3], "child"))) {
		if (ctl_ike_rekey(argv[2], !strcmp(argv[3], "ike"), err, el) < 0)
			return -1;
		mgmt_printf(b, "rekeying %s (%s)\n", argv[2], argv[3]);
		return 0;
	}
	if (!strcmp(argv[0], "ike") && argc == 5 && !strcmp(argv[1], "terminate") &&
	    !strcmp(argv[3], "child")) {
		char *end;
		unsigned long spi = strtoul(argv[4], &end, 16);
		if (*end || end == argv[4] || spi == 0 || spi > 0xffffffffu) {
			snprintf(err, el, "usage: ike terminate CONNECTION child SPI (hex, as "
				 "show ike gives it)");
			return -1;
		}
		if (ctl_ike_terminate_child(argv[2], (uint32_t)spi, err, el) < 0)
			return -1;
		mgmt_printf(b, "deleting CHILD_SA %08lx of %s\n", spi, argv[2]);
		return 0;
	}
	if (!strcmp(argv[0], "ike") && argc == 4 && !strcmp(argv[1], "redirect")) {
		int n = ctl_ike_redirect(argv[2], argv[3], err, el);
		if (n < 0)
			return -1;
		mgmt_printf(b, "redirecting %d IKE_SA%s of %s to %s\n", n, n == 1 ? "" : "s",
			    argv[2], argv[3]);
		return 0;
	}
	if (!strcmp(argv[0], "ike") && argc == 4 && !strcmp(argv[1], "move")) {
		int n = ctl_ike_move(argv[2], argv[3], err, el);
		if (n < 0)
			return -1;
		mgmt_printf(b, "moving %d IKE_SA%s of %s to %s\n", n, n == 1 ? "" : "s",
			    argv[2], argv[3]);
		return 0;
	}
	if (!strcmp(argv[0], "ike") && argc == 3) {
		if (!strcmp(argv[1], "initiate") && ctl_ike_initiate(argv[2], err, el) == 0) {
			mgmt_printf(b, "initiating %s\n", argv[2]);
			return 0;
		}
		if (!strcmp(argv[1], "terminate") && ctl_ike_terminate(argv[2], err, el) == 0) {
			mgmt_printf(b, "terminating %s\n", argv[2]);
			return 0;
		}
		if (strcmp(argv[1], "initiate") && strcmp(argv[1], "terminate"))
			snprintf(err, el, "usage: ike initiate|terminate CONNECTION, "
				 "ike rekey CONNECTION ike|child");
		return -1;
	}
	if (!strcmp(argv[0], "reload"))
		return cmd_reload(b, argc - 1, argv + 1, err, el);
	snprintf(err, el, "unknown command '%s' (try help)", argv[0]);
	return -1;
}

