/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry for what `espgwctl --json` shows beyond the counters of
 * telemetry.c: SAs, IKE SAs and connections, IKE statistics, pools, the
 * control plane's stats and the rates. Telemetry callbacks run on DPDK's
 * telemetry thread, while SA and IKE state belong to the control thread;
 * so a callback asks the control thread the way espgwctl does, over the
 * management socket (the control thread answers between its other work,
 * the telemetry thread waits at most 2 s), and turns the JSON into
 * telemetry data: one object a dict (nested objects flattened with '_'),
 * an array of objects a dict of containers keyed by each one's name, up
 * to TEL_PAGE of them from the offset given as the parameter ("next" says
 * where the following page starts).
 */
#define LOG_SUBSYS LOG_SS_MGMT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_telemetry.h>

#include "control/telemetry.h"

#define TEL_PAGE 200

static char sock_path[108];

/* one request over the management socket: its JSON, or NULL */
static json_t *
ask(const char *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 2, 0 };
	char hdr[32], *body = NULL;
	size_t len = 0, got = 0, i = 0;
	json_t *j = NULL;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return NULL;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		goto out;
	while (i < sizeof(hdr) - 1 && read(fd, hdr + i, 1) == 1 && hdr[i++] != '\n')
		;
	hdr[i] = '\0';
	if (sscanf(hdr, "OK %zu", &len) != 1 || len > (64u << 20) || (body = malloc(len + 1)) == NULL)
		goto out;
	while (got < len) {
		ssize_t k = read(fd, body + got, len - got);
		if (k <= 0)
			goto out;
		got += (size_t)k;
	}
	body[len] = '\0';
	j = json_loads(body, 0, NULL);
out:
	free(body);
	close(fd);
	return j;
}

/* telemetry names take [A-Za-z0-9_/] */
static void
tel_name(char *out, size_t n, const char *prefix, const char *k)
{
	snprintf(out, n, "%s%s%s", prefix, prefix[0] ? "_" : "", k);
	for (char *c = out; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '/'))
			*c = '_';
}

/* o's scalars into dict d, nested objects flattened; arrays left out */
static void
put_object(struct rte_tel_data *d, const char *prefix, json_t *o)
{
	const char *k;
	json_t *v;
	char name[RTE_TEL_MAX_STRING_LEN];

	json_object_foreach(o, k, v) {
		tel_name(name, sizeof(name), prefix, k);
		if (json_is_object(v))
			put_object(d, name, v);
		else if (json_is_integer(v) && json_integer_value(v) >= 0)
			rte_tel_data_add_dict_u64(d, name, (uint64_t)json_integer_value(v));
		else if (json_is_integer(v))
			rte_tel_data_add_dict_int(d, name, (int)json_integer_value(v));
		else if (json_is_boolean(v))
			rte_tel_data_add_dict_int(d, name, json_is_true(v));
		else if (json_is_string(v))
			rte_tel_data_add_dict_string(d, name, json_string_value(v));
	}
}

static const char *
key_of(json_t *o, char *buf, size_t n, size_t idx)
{
	static const char *const keys[] = { "name", "spi_i", "connection", "address" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_is_string(json_object_get(o, keys[i]))) {
			snprintf(buf, n, "%s", json_string_value(json_object_get(o, keys[i])));
			return buf;
		}
	snprintf(buf, n, "%zu", idx);
	return buf;
}

/* o as a container of d, named prefix_KEY (its name, SPI or index i) */
static int
put_row(struct rte_tel_data *d, const char *prefix, json_t *o, size_t i)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	char key[64], name[RTE_TEL_MAX_STRING_LEN];

	if (c == NULL)
		return -1;
	rte_tel_data_start_dict(c);
	put_object(c, "", o);
	tel_name(name, sizeof(name), prefix, key_of(o, key, sizeof(key), i));
	rte_tel_data_add_dict_container(d, name, c, 0);
	return 0;
}

static int
reply(const char *req, const char *params, struct rte_tel_data *d)
{
	json_t *j = ask(req);
	size_t from = params && *params ? strtoul(params, NULL, 10) : 0, i;
	json_t *o;

	if (j == NULL)
		return -EIO;
	rte_tel_data_start_dict(d);
	if (json_is_object(j)) {
		/* arrays inside (show rates: ports, sas) as dicts of containers */
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v) {
			if (!json_is_array(v))
				continue;
			json_array_foreach(v, i, o)
				if (i >= TEL_PAGE || put_row(d, k, o, i) < 0)
					break;
		}
		put_object(d, "", j);
	} else if (json_is_array(j)) {
		rte_tel_data_add_dict_u64(d, "total", json_array_size(j));
		json_array_foreach(j, i, o) {
			if (i < from)
				continue;
			if (i >= from + TEL_PAGE) {
				rte_tel_data_add_dict_u64(d, "next", i);
				break;
			}
			if (put_row(d, "", o, i) < 0)
				break;
		}
	}
	json_decref(j);
	return 0;
}

#define SHOW(fn, req)                                                                  \
	static int fn(const char *cmd, const char *params, struct rte_tel_data *d)     \
	{                                                                              \
		(void)cmd;                                                             \
		return reply(req, params, d);                                          \
	}
SHOW(tel_sas, "show sas --json\n")
SHOW(tel_ike, "show ike --json\n")
SHOW(tel_conns, "show ike conns --json\n")
SHOW(tel_ike_stats, "show ike stats --json\n")
SHOW(tel_pools, "show ike pools --json\n")
SHOW(tel_stats, "show stats --json\n")
SHOW(tel_rates, "show rates --json\n")

static int
tel_sa(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char req[128];

	(void)cmd;
	if (params == NULL || !*params || strpbrk(params, " \t\r\n") || strlen(params) > 64)
		return -EINVAL;
	snprintf(req, sizeof(req), "show sa %s --json\n", params);
	return reply(req, NULL, d);
}

void
ctl_telemetry_show_init(const char *mgmt_socket)
{
	snprintf(sock_path, sizeof(sock_path), "%s", mgmt_socket);
	rte_telemetry_register_cmd("/espgw/sas", tel_sas,
				   "Every SA (show sas --json), 200 a page. Parameter: offset");
	rte_telemetry_register_cmd("/espgw/sa", tel_sa,
				   "One SA in detail (show sa NAME --json). Parameter: SA name");
	rte_telemetry_register_cmd("/espgw/ike", tel_ike,
				   "IKE SAs (show ike --json), 200 a page. Parameter: offset");
	rte_telemetry_register_cmd("/espgw/ike_conns", tel_conns,
				   "IKE connections and their health. Parameter: offset");
	rte_telemetry_register_cmd("/espgw/ike_stats", tel_ike_stats,
				   "IKE engine counters. No parameters");
	rte_telemetry_register_cmd("/espgw/pools", tel_pools,
				   "Address pools and their leases. Parameter: offset");
	rte_telemetry_register_cmd("/espgw/stats", tel_stats,
				   "Control plane counters. No parameters");
	rte_telemetry_register_cmd("/espgw/rates", tel_rates,
				   "Packets and bits per second, ports and SAs. No parameters");
}
