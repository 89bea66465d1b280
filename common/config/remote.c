/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Remote access in the configuration: the users (`users:`) whose names
 * and passwords XAUTH checks, the address pools (`pools:`) virtual IPs
 * come from, and the connection keys that use them; their checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/config.h"
#include "common/config/config_int.h"
#include "common/config/keys.h"

/* "A-B", or a prefix (for IPv4 without its network and broadcast address,
 * for IPv6 without the all-zero one) */
static int
set_addrs(void *o, const char *v, char *err, size_t el)
{
	struct pool_desc *p = o;
	struct ip_prefix pf;
	char a[64], *dash;
	unsigned alen;

	if (strlen(v) >= sizeof(a))
		return cfg_fail(err, el, "'%s' is not a prefix or a range", v);
	strcpy(a, v);
	if ((dash = strchr(a, '-')) != NULL) {
		*dash = '\0';
		if (cfg_parse_addr(a, &p->first, err, el) < 0 ||
		    cfg_parse_addr(dash + 1, &p->last, err, el) < 0)
			return -1;
		if (p->first.family != p->last.family)
			return cfg_fail(err, el, "range '%s': two families", v);
	} else {
		if (cfg_parse_prefix(v, &pf, err, el) < 0)
			return -1;
		alen = ip_alen(pf.addr.family);
		p->first = p->last = pf.addr;
		for (unsigned bit = pf.len; bit < alen * 8; bit++) {
			p->first.a[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
			p->last.a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		}
		if (pf.len < alen * 8 - 1) {
			p->first.a[alen - 1]++;		/* not the network address */
			if (pf.addr.family == AF_INET)
				p->last.a[alen - 1]--;	/* nor the broadcast */
		}
	}
	if (memcmp(p->first.a, p->last.a, 16) > 0)
		return cfg_fail(err, el, "range '%s' ends before it begins", v);
	return 0;
}

/* how many addresses first..last holds, capped at POOL_MAX_SIZE + 1 */
static uint64_t
pool_span(const struct pool_desc *p)
{
	unsigned alen = ip_alen(p->first.family);
	uint64_t a = 0, b = 0;

	for (unsigned i = 0; i < alen - 4; i++)
		if (p->first.a[i] != p->last.a[i])
			return POOL_MAX_SIZE + 1ull;
	for (unsigned i = alen - 4; i < alen; i++) {
		a = a << 8 | p->first.a[i];
		b = b << 8 | p->last.a[i];
	}
	return b - a + 1;
}

static int
set_dns(void *o, const char *v, char *err, size_t el)
{
	struct pool_desc *p = o;
	char buf[512], *save = NULL, *w;

	if (strlen(v) >= sizeof(buf))
		return cfg_fail(err, el, "dns: too long");
	strcpy(buf, v);
	p->n_dns = 0;
	for (w = strtok_r(buf, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		if (p->n_dns == POOL_MAX_DNS)
			return cfg_fail(err, el, "dns: at most %d servers", POOL_MAX_DNS);
		if (cfg_parse_addr(w, &p->dns[p->n_dns], err, el) < 0)
			return -1;
		p->n_dns++;
	}
	return 0;
}

const struct cfg_key cfg_pool_keys[] = {
	{ "name", K_NAME, offsetof(struct pool_desc, name), .def = "required",
	  .help = "unique name; connections name it in `pools`" },
	{ "addrs", K_FN, .fn = set_addrs, .type = "prefix or range", .def = "required",
	  .help = "the addresses handed out: a prefix (IPv4 without its network and broadcast "
		  "address, IPv6 without the all-zero one) or `FIRST-LAST`; at most 2^24" },
	{ "dns", K_FN, .fn = set_dns, .type = "addresses", .def = "none",
	  .help = "up to 4 DNS servers, comma separated, sent with an address of this pool "
		  "(IKEv1 Mode Config INTERNAL_IP4_DNS / INTERNAL_IP6_DNS)" },
	{ .name = NULL },
};

const struct cfg_key cfg_user_keys[] = {
	{ "name", K_TEXT, offsetof(struct user_desc, name),
	  .size = sizeof(((struct user_desc *)0)->name), .def = "required",
	  .help = "the user name as the client sends it (XAUTH_USER_NAME), unique" },
	{ "password", K_TEXT, offsetof(struct user_desc, password),
	  .size = sizeof(((struct user_desc *)0)->password), .def = "required",
	  .help = "the password (a secret: keep the file mode 0600)" },
	{ .name = NULL },
};

int
config_check_pool(const struct pool_desc *p, char *err, size_t el)
{
	if (p->name[0] == '\0')
		return cfg_fail(err, el, "a pool needs a name");
	if (p->first.family == 0)
		return cfg_fail(err, el, "pool %s needs addrs", p->name);
	if (pool_span(p) > POOL_MAX_SIZE)
		return cfg_fail(err, el, "pool %s: more than 2^24 addresses", p->name);
	return 0;
}

int
config_check_user(const struct user_desc *u, char *err, size_t el)
{
	if (u->name[0] == '\0' || u->password[0] == '\0')
		return cfg_fail(err, el, "a user needs a name and a password");
	return 0;
}

const struct pool_desc *
config_find_pool(const struct espgw_config *c, const char *name)
{
	for (unsigned i = 0; c && i < c->n_pools; i++)
		if (!strcmp(c->pools[i].name, name))
			return &c->pools[i];
	return NULL;
}

/* what a connection asks of remote access, against the pools and users */
int
config_check_remote(const struct espgw_config *cfg, const struct conn_desc *c, char *err,
		    size_t el)
{
	int fam[2] = { 0, 0 };

	for (int i = 0; i < 2 && c->pools[i][0]; i++) {
		const struct pool_desc *p = config_find_pool(cfg, c->pools[i]);
		if (p == NULL)
			return cfg_fail(err, el, "connection %s: no pool '%s'", c->name,
					c->pools[i]);
		fam[i] = p->first.family;
	}
	if (fam[0] && fam[0] == fam[1])
		return cfg_fail(err, el, "connection %s: two pools of one family", c->name);
	if (c->xauth != CONN_XAUTH_NONE && c->version == 2)
		return cfg_fail(err, el, "connection %s: xauth is IKEv1's (version: 1 or 0)",
				c->name);
	if ((c->eap || c->eap_user[0]) && c->version == 1)
		return cfg_fail(err, el, "connection %s: EAP is IKEv2's (IKEv1: xauth)", c->name);
	if (c->eap == CONN_EAP_MSCHAPV2 && cfg->n_users == 0)
		return cfg_fail(err, el, "connection %s: eap: mschapv2 needs users", c->name);
	if (c->eap == CONN_EAP_RADIUS && cfg->radius.server.family == 0)
		return cfg_fail(err, el, "connection %s: eap: radius needs a radius server",
				c->name);
	if (c->eap_only && c->eap != CONN_EAP_RADIUS)
		return cfg_fail(err, el, "connection %s: eap_only needs eap: radius (EAP-MSCHAPv2 "
				"is not a method RFC 5998 allows)", c->name);
	if (c->eap_user[0] && !c->eap_password[0])
		return cfg_fail(err, el, "connection %s: eap_user needs eap_password", c->name);
	if (c->xauth == CONN_XAUTH_SERVER && cfg->n_users == 0)
		return cfg_fail(err, el, "connection %s: xauth server needs users", c->name);
	if (c->xauth == CONN_XAUTH_CLIENT && (!c->xauth_user[0] || !c->xauth_password[0]))
		return cfg_fail(err, el, "connection %s: xauth client needs xauth_user and "
				"xauth_password", c->name);
	if (c->xauth == CONN_XAUTH_SERVER && c->start != CONN_START_NONE)
		return cfg_fail(err, el, "connection %s: an xauth server waits for its clients "
				"(start: none)", c->name);
	if (c->vip && c->pools[0][0])
		return cfg_fail(err, el, "connection %s: vip (client) and pools (server) exclude "
				"each other", c->name);
	return 0;
}

#define R_OFF(f) offsetof(struct espgw_config, radius.f)

const struct cfg_key cfg_radius_keys[] = {
	{ "server", K_ADDR, R_OFF(server), .def = "none",
	  .help = "the RADIUS server's address, reached through the host's own network "
		  "stack (not the DPDK ports)" },
	{ "port", K_UINT, R_OFF(port), .size = 4, .min = 1, .max = 65535, .def = "1812",
	  .help = "its authentication port" },
	{ "acct_port", K_UINT, R_OFF(acct_port), .size = 4, .min = 1, .max = 65535,
	  .def = "1813", .help = "its accounting port" },
	{ "secret", K_TEXT, R_OFF(secret), .size = sizeof(((struct radius_desc *)0)->secret),
	  .min = 1, .def = "required with a server",
	  .help = "the shared secret (keep the file mode 0600)" },
	{ "timeout", K_UINT, R_OFF(timeout), .size = 4, .min = 1, .max = 60, .def = "3",
	  .help = "seconds to wait for an answer before trying again" },
	{ "retries", K_UINT, R_OFF(retries), .size = 4, .min = 1, .max = 10, .def = "3",
	  .help = "tries per request; then the client's authentication fails" },
	{ "nas_identifier", K_TEXT, R_OFF(nas_identifier),
	  .size = sizeof(((struct radius_desc *)0)->nas_identifier), .min = 1,
	  .def = "`espgw`", .help = "NAS-Identifier in every request" },
	{ "accounting", K_BOOL, R_OFF(accounting), .def = "false",
	  .help = "send Accounting-Request Start when an EAP-RADIUS user's IKE SA is up, "
		  "Interim-Update every `interim` seconds and Stop when it ends, with the data "
		  "plane's byte and packet counts of its CHILD_SAs (RFC 2866)" },
	{ "interim", K_UINT, R_OFF(interim), .size = 4, .max = 86400, .zero_ok = true,
	  .def = "600", .help = "seconds between Interim-Updates (0: none)" },
	{ .name = NULL },
};
