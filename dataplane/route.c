/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route table: rte_lpm (IPv4) and rte_lpm6 (IPv6) mapping to next hops.
 * Our own addresses are host routes of type NH_LOCAL, each port's subnets
 * are on-link routes, configured routes follow. Rebuilt whole by the
 * control thread and swapped in by pointer.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_lpm.h>
#include <rte_lpm6.h>

#include "common/config.h"
#include "dataplane/dp.h"

static int
add(struct dp_rt *rt, const struct ip_prefix *p, struct dp_nexthop nh,
    char *err, size_t el)
{
	char buf[IP_PREFIX_STRLEN];
	uint32_t idx = rt->n_nh;
	int rc;

	rt->nh[rt->n_nh++] = nh;
	if (p->addr.family == AF_INET) {
		uint32_t a;
		memcpy(&a, p->addr.a, 4);
		rc = rte_lpm_add(rt->lpm4, rte_be_to_cpu_32(a), p->len, idx);
	} else {
		rc = rte_lpm6_add(rt->lpm6, p->addr.a, p->len, idx);
	}
	if (rc < 0) {
		snprintf(err, el, "route %s: LPM add failed (%d)",
			 ip_prefix_fmt(p, buf, sizeof(buf)), rc);
		return -1;
	}
	return 0;
}

struct dp_rt *
dp_rt_build(const struct espgw_config *c, char *err, size_t el)
{
	static unsigned gen;
	unsigned max = c->n_routes + 2 * c->n_ports * MAX_PORT_ADDRS + 1;
	struct rte_lpm_config l4 = { .max_rules = max + 16, .number_tbl8s = 256 };
	struct rte_lpm6_config l6 = { .max_rules = max + 16, .number_tbl8s = 1024 };
	struct dp_rt *rt;
	char name[32];

	rt = calloc(1, sizeof(*rt) + max * sizeof(rt->nh[0]));
	if (rt == NULL) {
		snprintf(err, el, "out of memory");
		return NULL;
	}
	snprintf(name, sizeof(name), "rt4_%u", gen);
	rt->lpm4 = rte_lpm_create(name, SOCKET_ID_ANY, &l4);
	snprintf(name, sizeof(name), "rt6_%u", gen++);
	rt->lpm6 = rte_lpm6_create(name, SOCKET_ID_ANY, &l6);
	if (rt->lpm4 == NULL || rt->lpm6 == NULL) {
		snprintf(err, el, "cannot create LPM tables");
		goto fail;
	}
	/* on-link subnets first; host routes are more specific anyway */
	for (unsigned p = 0; p < c->n_ports; p++) {
		for (unsigned a = 0; a < c->ports[p].n_addrs; a++) {
			struct ip_prefix net = c->ports[p].addrs[a], host;
			char buf[IP_PREFIX_STRLEN];
			ip_prefix_fmt(&net, buf, sizeof(buf));
			ip_prefix_parse(buf, &net);	/* mask host bits */
			if (add(rt, &net, (struct dp_nexthop){ NH_FORWARD, p, { 0 } },
				err, el) < 0)
				goto fail;
			host.addr = c->ports[p].addrs[a].addr;
			host.len = host.addr.family == AF_INET ? 32 : 128;
			if (add(rt, &host, (struct dp_nexthop){ NH_LOCAL, p, { 0 } },
				err, el) < 0)
				goto fail;
		}
	}
	for (unsigned i = 0; i < c->n_routes; i++) {
		const struct route_desc *r = &c->routes[i];
		int port = config_find_port(c, r->port);
		if (port < 0) {
			snprintf(err, el, "route: unknown port %s", r->port);
			goto fail;
		}
		if (add(rt, &r->prefix, (struct dp_nexthop){ NH_FORWARD, port, r->via },
			err, el) < 0)
			goto fail;
	}
	return rt;
fail:
	dp_rt_free(rt);
	return NULL;
}

void
dp_rt_free(struct dp_rt *rt)
{
	if (rt == NULL)
		return;
	rte_lpm_free(rt->lpm4);
	rte_lpm6_free(rt->lpm6);
	free(rt);
}

int
dp_rt_lookup(const struct dp_rt *rt, int family, const uint8_t *dst, uint16_t *port,
	     const uint8_t **hop)
{
	uint32_t nh;
	int rc;

	if (family == AF_INET) {
		uint32_t a;
		memcpy(&a, dst, 4);
		rc = rte_lpm_lookup(rt->lpm4, rte_be_to_cpu_32(a), &nh);
	} else {
		rc = rte_lpm6_lookup(rt->lpm6, dst, &nh);
	}
	if (rc != 0 || rt->nh[nh].type != NH_FORWARD)
		return -1;
	*port = rt->nh[nh].port;
	*hop = rt->nh[nh].via.family ? rt->nh[nh].via.a : dst;
	return 0;
}
