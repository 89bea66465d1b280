/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Management commands: one table binds each command's syntax to its
 * handler, whether it changes the gateway (admins only, audited) and its
 * help line. The same table answers `help`, matches requests (with a
 * usage line when one does not match) and completes the shell's words
 * (`complete`), so the three cannot disagree. Syntax words: literal,
 * a|b|c (one of them), NAME placeholders (SA, CONN, POLICY, ADDR, SPI,
 * FILE, SUBSYS, LEVEL), and KEY=VALUE... (any number of such words).
 * Every request is untrusted input.
 */
#define LOG_SUBSYS LOG_SS_MGMT
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>
#include <unistd.h>

#include "common/config/keys.h"
#include "common/log.h"
#include "control/ctl.h"
#include "control/ike_ctl.h"
#include "control/mgmt.h"
#include "control/mgmt_cmds.h"
#include "control/sa_mgr.h"
#include "control/tpol.h"

#define MAX_WORDS 64

void
mgmt_put(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
		char *q = realloc(b->p, cap);
		if (q == NULL)
			return;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

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

static int cmd_help(struct mgmt_req *r);
static int cmd_reload(struct mgmt_req *r);
static int cmd_complete(struct mgmt_req *r);

enum { C_ADMIN = 1, C_SHELL = 2 /* the shell's own, not sent */ };
enum key_set { K_NONE, K_SA, K_POLICY, K_FILTER, K_CAPTURE };

struct mgmt_cmd {
	const char *syntax;
	int (*fn)(struct mgmt_req *r);
	unsigned flags;
	enum key_set keys;		/* what KEY=VALUE... completes from */
	const char *help;
};

static const struct mgmt_cmd cmds[] = {
	{ "show version", show_version, 0, K_NONE, "version, DPDK, workers, crypto engine, uptime" },
	{ "show ports", show_ports, 0, K_NONE, "per port: MAC, MTU, packets, bytes, addresses" },
	{ "show workers", show_workers, 0, K_NONE, "per worker: polls, sleeps, ESP in/out, drops" },
	{ "show policies", show_policies, 0, K_NONE, "the SPD, static and IKE's" },
	{ "show sas", show_sas, 0, K_NONE, "every SA with its counters" },
	{ "show sas KEY=VALUE...", show_sas, 0, K_FILTER,
	  "the SAs of conn=CONN, peer=ADDR, dir=in|out" },
	{ "show counters", show_sas, 0, K_NONE, "the same as show sas" },
	{ "show sa SA", show_sa, 0, K_NONE,
	  "one SA: sequence numbers, replay window, lifetimes left, last use, rate, IKE SA" },
	{ "show drops", show_drops, 0, K_NONE, "drop reasons that counted" },
	{ "show drops all", show_drops_all, 0, K_NONE, "every drop reason, with its meaning" },
	{ "show stats", show_stats, 0, K_NONE, "control plane counters" },
	{ "show routes", show_routes, 0, K_NONE, "connected prefixes and configured routes" },
	{ "show neigh", show_neigh, 0, K_NONE, "ARP/ND neighbours: static, learned, incomplete" },
	{ "show rates", show_rates, 0, K_NONE,
	  "packets and bits per second over the last second: ports, SAs" },
	{ "show ike", cmd_show_ike, 0, K_NONE, "every IKE_SA and its CHILD_SAs" },
	{ "show ike CONN", cmd_show_ike, 0, K_NONE, "the IKE_SAs of one connection" },
	{ "show ike conns", cmd_show_ike, 0, K_NONE,
	  "configured connections: status, last error and when" },
	{ "show ike stats", cmd_show_ike, 0, K_NONE, "the IKE engine's counters" },
	{ "show ike pools", cmd_show_ike, 0, K_NONE, "address pools and their leases" },
	{ "show log", cmd_log_show, 0, K_NONE, "each log subsystem's level" },
	{ "sa add KEY=VALUE...", cmd_sa_add, C_ADMIN, K_SA, "add an SA" },
	{ "sa del SA", cmd_sa_del, C_ADMIN, K_NONE, "delete an SA" },
	{ "policy add KEY=VALUE...", cmd_policy_add, C_ADMIN, K_POLICY, "add a policy" },
	{ "policy del POLICY", cmd_policy_del, C_ADMIN, K_NONE, "delete a policy" },
	{ "ike initiate CONN", cmd_ike_initiate, C_ADMIN, K_NONE, "start an IKE_SA" },
	{ "ike terminate CONN", cmd_ike_terminate, C_ADMIN, K_NONE,
	  "delete the connection's IKE_SAs" },
	{ "ike terminate CONN child SPI", cmd_ike_terminate_child, C_ADMIN, K_NONE,
	  "delete one CHILD_SA" },
	{ "ike rekey CONN ike|child|both", cmd_ike_rekey, C_ADMIN, K_NONE,
	  "rekey the IKE_SA, the CHILD_SAs or both now" },
	{ "ike redirect CONN ADDR", cmd_ike_redirect, C_ADMIN, K_NONE,
	  "send the peers to another gateway (RFC 5685)" },
	{ "ike move CONN ADDR", cmd_ike_move, C_ADMIN, K_NONE,
	  "move our IKE_SAs to our address ADDR (MOBIKE)" },
	{ "clear counters", cmd_clear_counters, C_ADMIN, K_NONE,
	  "zero what show displays: ports, workers, drops, SAs" },
	{ "clear counters drops", cmd_clear_drops, C_ADMIN, K_NONE, "zero the drop counts" },
	{ "clear counters SA", cmd_clear_sa, C_ADMIN, K_NONE, "zero one SA's counters" },
	{ "log level SUBSYS|all err|warn|info|debug", cmd_log_level, C_ADMIN, K_NONE,
	  "set a subsystem's log level (all: every one)" },
	{ "log follow", cmd_log_follow, C_ADMIN, K_NONE, "stream the log (info and up)" },
	{ "log follow err|warn|info|debug", cmd_log_follow, C_ADMIN, K_NONE,
	  "stream the log at that level" },
	{ "capture KEY=VALUE...", cmd_capture, C_ADMIN, K_CAPTURE,
	  "pcapng from the workers: port= sa= point=rx,tx,drop,plain|all drop= count= seconds="
	  " snaplen=; espgwctl writes it to file=FILE" },
	{ "keys esp|ike", cmd_keys, C_ADMIN, K_NONE,
	  "Wireshark's esp_sa or ikev2_decryption_table lines (root, mgmt_key_export: yes)" },
	{ "reload", cmd_reload, C_ADMIN, K_NONE, "load the configuration file again" },
	{ "reload FILE", cmd_reload, C_ADMIN, K_NONE,
	  "load FILE (in the running configuration's directory)" },
	{ "complete", cmd_complete, 0, K_NONE, "the shell's completions of the next word" },
	{ "complete KEY=VALUE...", cmd_complete, 0, K_NONE, "" },
	{ "help", cmd_help, 0, K_NONE, "this list" },
	{ "quit", NULL, C_SHELL, K_NONE, "leave the shell (also exit, Ctrl-D)" },
};
#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

/* the syntax's words, split (at most MAX_WORDS) */
static int
syn_words(const char *syntax, char w[][48])
{
	int n = 0;

	for (const char *p = syntax; *p && n < MAX_WORDS;) {
		size_t k = strcspn(p, " ");
		snprintf(w[n++], 48, "%.*s", (int)k, p);
		p += k;
		p += strspn(p, " ");
	}
	return n;
}

static bool
is_rest(const char *t)
{
	return !strcmp(t, "KEY=VALUE...");
}

static bool
is_placeholder(const char *t)
{
	return t[0] >= 'A' && t[0] <= 'Z' && !strchr(t, '|') && !is_rest(t);
}

/* word w fits syntax word t (a choice's placeholder alternative, "SUBSYS|all", too) */
static bool
fits(const char *t, const char *w)
{
	if (strchr(t, '|')) {
		char alt[48];
		for (const char *p = t; *p;) {
			size_t k = strcspn(p, "|");
			snprintf(alt, sizeof(alt), "%.*s", (int)k, p);
			if (is_placeholder(alt) || !strcmp(alt, w))
				return true;
			p += k + (p[k] == '|');
		}
		return false;
	}
	return is_placeholder(t) || !strcmp(t, w);
}

/*
 * How far words fit a command: the number of them that fit in order, with
 * *whole set when all do and the syntax has no more; open words (all but
 * literals) go to args.
 */
static int
match(const struct mgmt_cmd *c, int argc, char **argv, bool *whole, char **args, int *nargs)
{
	char t[MAX_WORDS][48];
	int nt = syn_words(c->syntax, t), i = 0, k = 0;

	*nargs = 0;
	*whole = false;
	for (; k < nt && i <= argc; k++) {
		if (is_rest(t[k])) {
			for (; i < argc && strchr(argv[i], '=') && argv[i][0] != '='; i++)
				args[(*nargs)++] = argv[i];
			*whole = i == argc && k == nt - 1;
			return i;
		}
		if (i == argc || !fits(t[k], argv[i]))
			return i;
		if (strchr(t[k], '|') || is_placeholder(t[k]))
			args[(*nargs)++] = argv[i];
		i++;
	}
	*whole = k == nt && i == argc;
	return i;
}

static int
cmd_help(struct mgmt_req *r)
{
	for (size_t i = 0; i < N_CMDS; i++)
		if (cmds[i].help[0])
			mgmt_printf(r->b, "%-42s %s\n", cmds[i].syntax, cmds[i].help);
	mgmt_printf(r->b, "show commands take --json. SA add/policy add keys: "
		    "espgw --print-keys sas|policies, docs/configuration.md\n");
	return 0;
}

/* candidates for a placeholder, into the reply, one per line */
static void
complete_names(struct sbuf *b, const char *t, enum key_set ks)
{
	const struct cfg_key *keys = ks == K_SA ? cfg_sa_keys : ks == K_POLICY ?
				     cfg_policy_keys : NULL;
	if (!strcmp(t, "SA")) {
		for (unsigned i = 0; i < ctl.max_sas; i++)
			if (ctl.sa[i].dp && !ctl.sa[i].deleting)
				mgmt_printf(b, "%s\n", ctl.sa[i].desc.name);
	} else if (!strcmp(t, "CONN")) {
		for (unsigned i = 0; ctl.cfg && i < ctl.cfg->n_conns; i++)
			mgmt_printf(b, "%s\n", ctl.cfg->conns[i].name);
	} else if (!strcmp(t, "POLICY")) {
		for (unsigned i = 0; i < ctl.n_policies; i++)
			mgmt_printf(b, "%s\n", ctl.policies[i].name);
	} else if (!strcmp(t, "SUBSYS")) {
		for (int i = 0; i < LOG_SS_MAX; i++)
			mgmt_printf(b, "%s\n", log_subsys_name[i]);
	} else if (is_rest(t) && ks == K_FILTER) {
		mgmt_printf(b, "conn=\npeer=\ndir=\n");
	} else if (is_rest(t) && ks == K_CAPTURE) {
		mgmt_printf(b, "port=\nsa=\npoint=\ndrop=\ncount=\nseconds=\nsnaplen=\nfile=\n");
	} else if (is_rest(t)) {
		for (; keys && keys->name; keys++)
			if (!keys->type || (strcmp(keys->type, "list") && strcmp(keys->type, "mapping")))
				mgmt_printf(b, "%s=\n", keys->name);
	}
}

/*
 * complete WORD...: every word that may follow WORD... (the shell filters
 * them by what is typed). Words are passed as "w=WORD" (KEY=VALUE form).
 */
static int
cmd_complete(struct mgmt_req *r)
{
	char *words[MAX_WORDS], *args[MAX_WORDS], t[MAX_WORDS][48];
	struct sbuf seen = { 0 };
	int n = 0, nargs;
	bool whole;

	for (int i = 0; i < r->argc; i++)
		words[n++] = r->argv[i] + 2;	/* "w=" */
	for (size_t c = 0; c < N_CMDS; c++) {
		int nt = syn_words(cmds[c].syntax, t);
		int got = match(&cmds[c], n, words, &whole, args, &nargs);
		if (!cmds[c].help[0] || cmds[c].fn == cmd_complete || got != n)
			continue;
		/* the syntax word at position n (a rest stays the rest) */
		int k = 0, i = 0;
		for (; k < nt && i < n && !is_rest(t[k]); k++)
			i++;
		if (k == nt) {
			if (!strcmp(cmds[c].syntax, "show") || strncmp(cmds[c].syntax, "show ", 5) ||
			    (n && !strcmp(words[n - 1], "--json")))
				continue;
			mgmt_printf(&seen, "--json\n");
			continue;
		}
		if (strchr(t[k], '|')) {
			for (char *p = t[k]; *p;) {
				size_t len = strcspn(p, "|");
				char alt[48];
				snprintf(alt, sizeof(alt), "%.*s", (int)len, p);
				if (is_placeholder(alt))
					complete_names(&seen, alt, cmds[c].keys);
				else
					mgmt_printf(&seen, "%s\n", alt);
				p += len + (p[len] == '|');
			}
		} else if (is_placeholder(t[k]) || is_rest(t[k])) {
			complete_names(&seen, t[k], cmds[c].keys);
		} else {
			mgmt_printf(&seen, "%s\n", t[k]);
		}
	}
	/* each candidate once */
	for (char *p = seen.p, *nl; p && p < seen.p + seen.len; p = nl + 1) {
		nl = memchr(p, '\n', seen.p + seen.len - p);
		*nl = '\0';
		char *q = seen.p;
		for (; q < p; q += strlen(q) + 1)
			if (!strcmp(q, p))
				break;
		if (q == p)
			mgmt_printf(r->b, "%s\n", p);
	}
	free(seen.p);
	return 0;
}

static int
cmd_reload(struct mgmt_req *r)
{
	return mgmt_reload(r->argc ? r->argv[0] : NULL, r->b, r->err, r->el);
}

/* no command fits: the usage of those that share the most words */
static void
usage(int argc, char **argv, char *err, size_t el)
{
	char *args[MAX_WORDS];
	int best = 0, nargs;
	bool whole;
	size_t off;

	for (size_t c = 0; c < N_CMDS; c++)
		if (cmds[c].help[0]) {
			int got = match(&cmds[c], argc, argv, &whole, args, &nargs);
			best = got > best ? got : best;
		}
	if (best == 0) {
		snprintf(err, el, "unknown command '%s' (try help)", argc ? argv[0] : "");
		return;
	}
	off = (size_t)snprintf(err, el, "usage:");
	for (size_t c = 0; c < N_CMDS && off < el; c++)
		if (cmds[c].help[0] && match(&cmds[c], argc, argv, &whole, args, &nargs) == best)
			off += (size_t)snprintf(err + off, el - off, " %s%s", off > 6 ? "| " : "",
						cmds[c].syntax);
}

/* Run one request; returns 0 (OK) or -1 (ERR, text in err). */
int
mgmt_execute(char *line, const struct mgmt_caller *who, int client, struct sbuf *b, char *err,
	     size_t el)
{
	char *argv[MAX_WORDS], *args[MAX_WORDS];
	int argc = tokenize(line, argv, err, el);
	struct mgmt_req r = { .b = b, .err = err, .el = el, .who = who, .client = client };
	int n = 0, nargs;
	bool whole;

	if (argc < 0)
		return -1;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			r.js = true;
		else
			argv[n++] = argv[i];
	}
	argc = n;
	if (argc == 0)
		return cmd_help(&r);
	for (size_t c = 0; c < N_CMDS; c++) {
		if (cmds[c].fn == NULL || match(&cmds[c], argc, argv, &whole, args, &nargs) != argc ||
		    !whole)
			continue;
		if (cmds[c].flags & C_ADMIN) {
			/* it changes state: admins only, audited */
			if (!who->admin) {
				log_warn("mgmt: uid %u pid %d refused (read-only): %s",
					 (unsigned)who->uid, (int)who->pid, argv[0]);
				snprintf(err, el, "permission denied: '%s' changes the gateway; "
					 "uid %u may only use show and help (mgmt_admin_group)",
					 argv[0], (unsigned)who->uid);
				return -1;
			}
			audit(who, argc, argv);
		}
		if (r.js && strcmp(argv[0], "show")) {
			snprintf(err, el, "--json is for show commands");
			return -1;
		}
		r.argc = nargs;
		r.argv = args;
		return cmds[c].fn(&r);
	}
	if (!strcmp(argv[0], "quit") || !strcmp(argv[0], "exit")) {
		snprintf(err, el, "%s leaves espgwctl's shell; there is nothing to quit here",
			 argv[0]);
		return -1;
	}
	usage(argc, argv, err, el);
	return -1;
}
