/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The key tables of the configuration's other sections (top level, eal,
 * ike, ports, routes; sas and policies are in words.c, connections in
 * conn.c), and the list of all sections for the docs.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/config.h"
#include "common/config/config_int.h"
#include "common/config/keys.h"

#define TOP(f) offsetof(struct espgw_config, f)
#define STRUCTURE(k, t, what) { k, K_FN, .type = t, .help = what }

static const struct cfg_word engine_words[] = {
	{ "cpu", ENGINE_CPU }, { "lookaside", ENGINE_LOOKASIDE }, { "native", ENGINE_NATIVE },
	{ NULL, 0 },
};

const struct cfg_key cfg_top_keys[] = {
	{ "workers", K_UINT, TOP(workers), .size = sizeof(unsigned), .min = 1,
	  .max = MAX_WORKERS, .def = "1",
	  .help = "worker lcores; each polls one RX queue of every port" },
	{ "crypto_engine", K_WORD, TOP(engine), .size = sizeof(enum crypto_engine),
	  .words = engine_words, .def = "`native`",
	  .help = "`native`: ESP framed by espgw, crypto on Intel IPsec-MB directly (docs/architecture.md); "
		  "`cpu`: librte_ipsec with synchronous CPU crypto on the IPsec-MB PMDs; "
		  "`lookaside`: librte_ipsec with cryptodev enqueue/dequeue (what a hardware engine needs)" },
	{ "mgmt_socket", K_TEXT, TOP(mgmt_socket), .size = sizeof(((struct espgw_config *)0)->mgmt_socket),
	  .min = 2, .abs = true, .def = "`/run/espgw/espgw.sock`",
	  .help = "UNIX socket for espgwctl (mode 0660). espgw refuses to start when another "
		  "espgw answers on it; a stale file is replaced" },
	{ "mgmt_group", K_TEXT, TOP(mgmt.group), .size = sizeof(((struct espgw_config *)0)->mgmt.group),
	  .min = 1, .def = "none",
	  .help = "the socket's group: its members may connect and use `show` and `help`" },
	{ "mgmt_admin_group", K_TEXT, TOP(mgmt.admin_group),
	  .size = sizeof(((struct espgw_config *)0)->mgmt.admin_group), .min = 1, .def = "none",
	  .help = "members may also change state (sa/policy add/del, reload, ike ...); root "
		  "and espgw's own uid always may" },
	{ "mgmt_max_clients", K_UINT, TOP(mgmt.max_clients), .size = sizeof(unsigned), .min = 1,
	  .max = 1024, .def = "32",
	  .help = "management connections at once; one more gets `ERR too many management "
		  "clients`" },
	{ "mgmt_idle_timeout", K_UINT, TOP(mgmt.idle_timeout), .size = sizeof(unsigned),
	  .min = 1, .max = 86400, .def = "300",
	  .help = "seconds a client may stay silent (or keep half a request line) before it is "
		  "disconnected" },
	{ "mgmt_send_timeout", K_UINT, TOP(mgmt.send_timeout), .size = sizeof(unsigned),
	  .min = 1, .max = 3600, .def = "10",
	  .help = "seconds a reply may wait for a client that does not read it before the "
		  "client is disconnected" },
	{ "mgmt_key_export", K_BOOL, TOP(mgmt.key_export), .def = "false",
	  .help = "keep SA and IKE keys so that root may export them for Wireshark "
		  "(`espgwctl keys esp`, `keys ike`); off, keys are wiped once the crypto session has them" },
	{ "max_sas", K_UINT, TOP(max_sas), .size = sizeof(unsigned), .min = 16, .max = 1u << 22,
	  .def = "8192", .help = "size of the SA tables (SAD, counters, session pool)" },
	{ "idle_sleep_us", K_UINT, TOP(idle_sleep_us), .size = sizeof(unsigned), .max = 100000,
	  .def = "100", .help = "worker back-off ceiling: after 64 empty polls a worker pauses, "
				"after 512 it sleeps this long per poll (0: never sleep)" },
	STRUCTURE("eal", "mapping", "a mapping: the `eal.` keys"),
	STRUCTURE("ike", "mapping", "a mapping: the `ike.` keys"),
	STRUCTURE("ports", "list", "a list of ports"),
	STRUCTURE("routes", "list", "a list of routes"),
	STRUCTURE("neighbours", "list", "a list of static neighbours"),
	STRUCTURE("sas", "list", "a list of static SAs"),
	STRUCTURE("policies", "list", "a list of policies (the outbound SPD)"),
	STRUCTURE("connections", "list", "a list of IKE connections"),
	STRUCTURE("users", "list", "a list of remote-access users"),
	STRUCTURE("pools", "list", "a list of virtual IP pools"),
	STRUCTURE("radius", "mapping", "a mapping: the `radius.` keys"),
	{ .name = NULL },
};

static int
set_hugepages(void *o, const char *v, char *err, size_t el)
{
	bool b;

	if (cfg_parse_bool(v, &b, err, el) < 0)
		return -1;
	((struct espgw_config *)o)->no_huge = !b;
	return 0;
}

/* extra EAL arguments, except what espgw sets itself: the lcores */
static int
set_eal_args(void *o, const char *v, char *err, size_t el)
{
	struct espgw_config *c = o;
	char buf[sizeof(c->eal_args)], *save = NULL;

	if (strlen(v) >= sizeof(buf))
		return cfg_fail(err, el, "args: too long (at most %zu characters)", sizeof(buf) - 1);
	strcpy(buf, v);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (!strncmp(w, "-l", 2) || !strncmp(w, "-c", 2) || !strncmp(w, "--lcores", 8) ||
		    !strncmp(w, "--main-lcore", 12) || !strncmp(w, "--master-lcore", 14))
			return cfg_fail(err, el, "args: '%s' sets lcores, which espgw sets itself "
					"(one per worker from `workers`, on the CPUs it may run on): "
					"choose the CPUs with taskset or a cpuset instead, e.g. "
					"`taskset -c 2-5 espgw -c FILE`", w);
	strcpy(c->eal_args, v);
	return 0;
}

const struct cfg_key cfg_eal_keys[] = {
	{ "file_prefix", K_NAME, TOP(file_prefix), .def = "`espgw`",
	  .help = "DPDK file prefix (unique per process)" },
	{ "hugepages", K_FN, .fn = set_hugepages, .type = "boolean", .def = "false",
	  .help = "a boolean; false: `--no-huge` (anonymous memory)" },
	{ "memory_mb", K_UINT, TOP(mem_mb), .size = sizeof(unsigned), .min = 64, .max = 1u << 20,
	  .def = "768", .help = "EAL memory (the IPv4 LPM alone takes 64 MB per table, two "
				"during a swap)" },
	{ "args", K_FN, .fn = set_eal_args, .type = "text", .def = "\"\"",
	  .help = "extra EAL arguments, space separated; not `-l`, `-c`, `--lcores` or "
		  "`--main-lcore`: espgw sets the lcores itself (one per worker, on the CPUs it "
		  "may run on: choose them with taskset or a cpuset)" },
	{ .name = NULL },
};

const struct cfg_key cfg_ike_keys[] = {
	{ "cookie_threshold", K_UINT, TOP(ike_cookie_threshold), .size = sizeof(unsigned),
	  .max = 1u << 24, .def = "64",
	  .help = "IKE anti-DoS (RFC 7296 2.6): above this many half-open IKE_SAs, IKE_SA_INIT "
		  "is answered with a stateless cookie first (0: always)" },
	{ "half_open_per_source", K_UINT, TOP(ike_half_open_per_source),
	  .size = sizeof(unsigned), .min = 1, .max = 1u << 24, .def = "8",
	  .help = "at most this many half-open IKE_SAs from one address" },
	{ .name = NULL },
};

const struct cfg_key cfg_port_keys[] = {
	{ "name", K_NAME, offsetof(struct port_desc, name), .def = "required",
	  .help = "port name" },
	{ "devargs", K_TEXT, offsetof(struct port_desc, devargs),
	  .size = sizeof(((struct port_desc *)0)->devargs), .min = 1, .def = "required",
	  .help = "a DPDK vdev (`net_af_packet0,iface=eth1`, `net_af_xdp0,iface=...`, "
		  "`net_memif0,...`, `net_tap0`, `net_ring0`) or a PCI address (then `--no-pci` "
		  "is dropped). A memif client may take `zero-copy=yes`: the peer then reads and "
		  "writes the worker's own mbufs (espgw adds EAL's `--single-file-segments`; the "
		  "zero-copy ports' rings, two of 2^`rsize` each, must leave 1024 of the worker's "
		  "8191 mbufs free, so `rsize=10` fits three ports)" },
	{ "mtu", K_UINT, offsetof(struct port_desc, mtu), .size = 2, .min = 576, .max = 9000,
	  .def = "1500", .help = "the MTU espgw enforces after encapsulation" },
	STRUCTURE("addresses", "list", "a list of `ADDRESS/LEN` (IPv4/IPv6): answered for ARP/ND/ping; "
		  "their subnets are on-link routes"),
	{ .name = NULL },
};

static int
set_mac(void *o, const char *v, char *err, size_t el)
{
	struct neigh_desc *d = o;
	unsigned m[6];
	char tail;

	if (sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
		   &tail) != 6)
		return cfg_fail(err, el, "'%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", v);
	for (int i = 0; i < 6; i++)
		d->mac[i] = (uint8_t)m[i];
	if (d->mac[0] & 1)
		return cfg_fail(err, el, "mac '%s' is a multicast address", v);
	if (!(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return cfg_fail(err, el, "mac '%s' is all zeros", v);
	d->have_mac = true;
	return 0;
}

const struct cfg_key cfg_neigh_keys[] = {
	{ "address", K_ADDR, offsetof(struct neigh_desc, addr), .def = "required",
	  .help = "the neighbour's IPv4 or IPv6 address (a next hop, or a host on a port's "
		  "subnet)" },
	{ "mac", K_FN, .fn = set_mac, .type = "MAC", .def = "required",
	  .help = "its MAC address, `aa:bb:cc:dd:ee:ff`; espgw never asks for it and no ARP or "
		  "NA changes it" },
	{ "port", K_NAME, offsetof(struct neigh_desc, port), .def = "required",
	  .help = "the port it is on" },
	{ .name = NULL },
};

const struct cfg_key cfg_route_keys[] = {
	{ "prefix", K_PREFIX, offsetof(struct route_desc, prefix), .def = "required",
	  .help = "the destination prefix" },
	{ "via", K_ADDR, offsetof(struct route_desc, via), .def = "on-link",
	  .help = "the next hop" },
	{ "port", K_NAME, offsetof(struct route_desc, port), .def = "required",
	  .help = "the port it leaves by" },
	{ .name = NULL },
};

const struct cfg_section cfg_sections[] = {
	{ "top", "top-level", cfg_top_keys, "" },
	{ "eal", "eal", cfg_eal_keys, "eal." },
	{ "ike", "ike", cfg_ike_keys, "ike." },
	{ "ports", "port", cfg_port_keys, "" },
	{ "routes", "route", cfg_route_keys, "" },
	{ "neighbours", "neighbour", cfg_neigh_keys, "" },
	{ "sas", "SA", cfg_sa_keys, "" },
	{ "policies", "policy", cfg_policy_keys, "" },
	{ "connections", "connection", cfg_conn_keys, "" },
	{ "users", "user", cfg_user_keys, "" },
	{ "pools", "pool", cfg_pool_keys, "" },
	{ "radius", "radius", cfg_radius_keys, "radius." },
	{ .name = NULL },
};
