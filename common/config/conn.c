/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keys of an IKE connection (`connections:` in YAML) and its checks.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/config.h"
#include "common/config/config_int.h"

static int
copy_str(char *dst, size_t cap, const char *v, const char *key, char *err, size_t el)
{
	if (strlen(v) >= cap)
		return cfg_fail(err, el, "%s is longer than %zu characters", key, cap - 1);
	strcpy(dst, v);
	return 0;
}

int
config_conn_set(struct conn_desc *c, const char *k, const char *v, char *err, size_t el)
{
	uint64_t u;

	if (!strcmp(k, "name"))
		return cfg_parse_name(v, c->name, err, el);
	if (!strcmp(k, "local"))
		return cfg_parse_addr(v, &c->local, err, el);
	if (!strcmp(k, "remote")) {
		if (!strcmp(v, "any")) {
			memset(&c->remote, 0, sizeof(c->remote));
			return 0;
		}
		return cfg_parse_addr(v, &c->remote, err, el);
	}
	if (!strcmp(k, "local_id"))
		return copy_str(c->local_id, sizeof(c->local_id), v, k, err, el);
	if (!strcmp(k, "remote_id"))
		return copy_str(c->remote_id, sizeof(c->remote_id), v, k, err, el);
	if (!strcmp(k, "psk"))
		return copy_str(c->psk, sizeof(c->psk), v, k, err, el);
	if (!strcmp(k, "cert"))
		return copy_str(c->cert, sizeof(c->cert), v, k, err, el);
	if (!strcmp(k, "key"))
		return copy_str(c->key, sizeof(c->key), v, k, err, el);
	if (!strcmp(k, "ca"))
		return copy_str(c->ca, sizeof(c->ca), v, k, err, el);
	if (!strcmp(k, "proposals"))
		return copy_str(c->proposals, sizeof(c->proposals), v, k, err, el);
	if (!strcmp(k, "esp_proposals"))
		return copy_str(c->esp_proposals, sizeof(c->esp_proposals), v, k, err, el);
	if (!strcmp(k, "local_ts") || !strcmp(k, "remote_ts")) {
		if (ip_prefix_parse(v, k[0] == 'l' ? &c->local_ts : &c->remote_ts) < 0)
			return cfg_fail(err, el, "'%s' is not a prefix", v);
		return 0;
	}
	if (!strcmp(k, "mode")) {
		if (strcmp(v, "tunnel") && strcmp(v, "transport"))
			return cfg_fail(err, el, "mode must be tunnel or transport");
		c->transport = !strcmp(v, "transport");
		return 0;
	}
	if (!strcmp(k, "keepalive")) {
		if (cfg_parse_u64(v, 3600, &u, err, el) < 0)
			return -1;
		c->keepalive = u;
		return 0;
	}
	if (!strcmp(k, "dpd")) {
		if (cfg_parse_u64(v, 86400, &u, err, el) < 0)
			return -1;
		c->dpd_delay = u;
		return 0;
	}
	if (!strcmp(k, "retransmit_ms")) {
		if (cfg_parse_u64(v, 60000, &u, err, el) < 0 || u < 100)
			return cfg_fail(err, el, "retransmit_ms must be 100..60000");
		c->retransmit_ms = u;
		return 0;
	}
	if (!strcmp(k, "retransmit_tries")) {
		if (cfg_parse_u64(v, 20, &u, err, el) < 0 || u < 1)
			return cfg_fail(err, el, "retransmit_tries must be 1..20");
		c->retransmit_tries = u;
		return 0;
	}
	if (!strcmp(k, "fragmentation")) {
		/* RFC 7383: "no" turns it off, "yes" is the default size */
		if (!strcmp(v, "no") || !strcmp(v, "false"))
			c->fragment_size = 0;
		else if (!strcmp(v, "yes") || !strcmp(v, "true"))
			c->fragment_size = 1280;
		else
			return cfg_fail(err, el, "fragmentation must be yes or no");
		return 0;
	}
	if (!strcmp(k, "fragment_size")) {
		/* espgw sends IKE datagrams of at most 1500 bytes (no IP fragmentation) */
		if (cfg_parse_u64(v, 1500, &u, err, el) < 0 || u < 576)
			return cfg_fail(err, el, "fragment_size must be 576..1500");
		c->fragment_size = u;
		return 0;
	}
	if (!strcmp(k, "life_time") || !strcmp(k, "child_life_time")) {
		if (cfg_parse_u64(v, 30 * 86400, &u, err, el) < 0)
			return -1;
		*(k[0] == 'l' ? &c->life_time : &c->child_life_time) = u;
		return 0;
	}
	if (!strcmp(k, "rekey_time") || !strcmp(k, "child_rekey_time")) {
		if (cfg_parse_u64(v, 30 * 86400, &u, err, el) < 0)
			return -1;
		if (u && u < 5)
			return cfg_fail(err, el, "%s must be 0 (never) or at least 5 seconds", k);
		*(k[0] == 'r' ? &c->rekey_time : &c->child_rekey_time) = u;
		return 0;
	}
	if (!strcmp(k, "start")) {
		if (!strcmp(v, "none"))
			c->start = CONN_START_NONE;
		else if (!strcmp(v, "start"))
			c->start = CONN_START_START;
		else if (!strcmp(v, "trap"))
			c->start = CONN_START_TRAP;
		else
			return cfg_fail(err, el, "start must be none, start or trap");
		return 0;
	}
	return cfg_fail(err, el, "unknown connection key '%s'", k);
}

int
config_check_conn(const struct conn_desc *c, char *err, size_t el)
{
	if (c->name[0] == '\0')
		return cfg_fail(err, el, "connection needs a name");
	if (c->local.family == 0)
		return cfg_fail(err, el, "connection %s needs a local address", c->name);
	if (c->remote.family && c->remote.family != c->local.family)
		return cfg_fail(err, el, "connection %s: local and remote differ in family", c->name);
	if ((c->cert[0] != '\0') != (c->key[0] != '\0'))
		return cfg_fail(err, el, "connection %s: cert and key go together", c->name);
	if (c->psk[0] == '\0' && (c->cert[0] == '\0' || c->ca[0] == '\0'))
		return cfg_fail(err, el, "connection %s needs a psk, or cert, key and ca", c->name);
	if (c->local_ts.addr.family == 0 || c->remote_ts.addr.family == 0)
		return cfg_fail(err, el, "connection %s needs local_ts and remote_ts", c->name);
	if (c->local_ts.addr.family != c->remote_ts.addr.family)
		return cfg_fail(err, el, "connection %s: local_ts and remote_ts differ in family",
			    c->name);
	if ((c->life_time && c->life_time <= c->rekey_time) ||
	    (c->child_life_time && c->child_life_time <= c->child_rekey_time))
		return cfg_fail(err, el, "connection %s: a life time must exceed its rekey time",
			    c->name);
	if (c->start != CONN_START_NONE && c->remote.family == 0)
		return cfg_fail(err, el, "connection %s: start %s needs a remote address", c->name,
			    c->start == CONN_START_TRAP ? "trap" : "start");
	return 0;
}
