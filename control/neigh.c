/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbours: ARP (RFC 826) and IPv6 neighbour discovery (RFC 4861)
 * answered and learned, requests sent, packets held while their next hop
 * is resolved. The control thread is the neighbour table's only writer.
 */
#define LOG_SUBSYS LOG_SS_NET
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "common/log.h"
#include "control/ctl.h"
#include "control/nd.h"
#include "control/punt.h"

bool
ctl_port_has_addr(uint16_t port, int family, const uint8_t *a)
{
	const struct dp_port *p = dp_port_get(port);

	for (unsigned i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].addr.family == family &&
		    memcmp(p->addrs[i].addr.a, a, ip_alen(family)) == 0)
			return true;
	return false;
}

const uint8_t *
ctl_port_addr(uint16_t port, int family)
{
	const struct dp_port *p = dp_port_get(port);

	for (unsigned i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].addr.family == family)
			return p->addrs[i].addr.a;
	return NULL;
}

/*
 * Packets waiting for their next hop (as a host's unresolved queue): a
 * few per address, a bounded number in all, released when the neighbour
 * is learned and dropped as neigh-miss when it is not within a second.
 */
#define HOLD_MAX 64
#define HOLD_PER_ADDR 4

/* the addresses asked for lately (ctl_resolve) */
static struct pending_res {
	uint16_t port;
	uint8_t family;
	uint8_t a[16];
	struct timespec at;
} recent[64];

static struct held {
	struct rte_mbuf *m;		/* L3 at data start; NULL = free slot */
	uint16_t port;
	uint8_t family;
	uint8_t a[16];
	time_t since;
} held[HOLD_MAX];

void
neigh_hold(struct rte_mbuf *m, uint16_t port, int family, const uint8_t *a)
{
	struct held *free_slot = NULL;
	unsigned same = 0;

	for (unsigned i = 0; i < HOLD_MAX; i++) {
		if (held[i].m == NULL)
			free_slot = free_slot ? free_slot : &held[i];
		else if (held[i].port == port && held[i].family == family &&
			 !memcmp(held[i].a, a, ip_alen(family)))
			same++;
	}
	if (free_slot == NULL || same >= HOLD_PER_ADDR) {
		ctl.st.drops[ESPGW_DROP_NEIGH_MISS]++;
		rte_pktmbuf_free(m);
		return;
	}
	*free_slot = (struct held){ m, port, family, { 0 }, time(NULL) };
	memcpy(free_slot->a, a, ip_alen(family));
	ctl.st.neigh_held++;
}

static void
release(uint16_t port, int family, const uint8_t *a, const struct rte_ether_addr *mac)
{
	for (unsigned i = 0; i < HOLD_MAX; i++) {
		struct held *h = &held[i];
		struct rte_ether_hdr *eh;
		if (h->m == NULL || h->port != port || h->family != family ||
		    memcmp(h->a, a, ip_alen(family)) != 0)
			continue;
		eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(h->m, sizeof(*eh));
		if (eh == NULL) {
			ctl.st.drops[ESPGW_DROP_ENCAP_FAILED]++;
			rte_pktmbuf_free(h->m);
		} else {
			eh->dst_addr = *mac;
			eh->src_addr = dp_port_get(port)->mac;
			eh->ether_type = rte_cpu_to_be_16(family == AF_INET ?
				RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
			ctl.st.neigh_released++;
			dp_ctl_tx(port, h->m);
		}
		h->m = NULL;
	}
}

void
ctl_neigh_expire(void)
{
	time_t now = time(NULL);

	for (unsigned i = 0; i < HOLD_MAX; i++)
		if (held[i].m != NULL && now - held[i].since >= 1) {
			ctl.st.drops[ESPGW_DROP_NEIGH_MISS]++;
			rte_pktmbuf_free(held[i].m);
			held[i].m = NULL;
		}
}

/*
 * a we have an entry for, or are resolving (packets held for it, or asked
 * for in the last second): an ARP or NA not meant for us may update it
 * (RFC 826's merge, RFC 5227's announcements, RFC 4861 7.2.5), nothing
 * else is learned from one (no poisoning with addresses we never wanted)
 */
static bool
wanted(uint16_t port, int family, const uint8_t *a, struct rte_ether_addr *known)
{
	struct timespec now;

	if (dp_neigh_get(port, family, a, known))
		return true;
	memset(known, 0, sizeof(*known));
	for (unsigned i = 0; i < HOLD_MAX; i++)
		if (held[i].m && held[i].port == port && held[i].family == family &&
		    !memcmp(held[i].a, a, ip_alen(family)))
			return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (unsigned i = 0; i < RTE_DIM(recent); i++)
		if (recent[i].family == family && recent[i].port == port &&
		    !memcmp(recent[i].a, a, ip_alen(family)) && now.tv_sec - recent[i].at.tv_sec <= 1)
			return true;
	return false;
}

/* the static neighbours in force (`neighbours:`), with their ports */
static struct neigh_desc *statics;
static uint16_t *static_port;
static unsigned n_statics;

static const struct neigh_desc *
static_of(uint16_t port, int family, const uint8_t *a)
{
	for (unsigned i = 0; i < n_statics; i++)
		if (static_port[i] == port && statics[i].addr.family == family &&
		    !memcmp(statics[i].addr.a, a, ip_alen(family)))
			return &statics[i];
	return NULL;
}

void
ctl_neigh_static(const struct espgw_config *c)
{
	struct neigh_desc *s = calloc(c->n_neighs + 1, sizeof(*s));
	uint16_t *p = calloc(c->n_neighs + 1, sizeof(*p));

	if (s == NULL || p == NULL) {
		free(s);
		free(p);
		log_err("static neighbours: out of memory");
		return;
	}
	free(statics);
	free(static_port);
	statics = s;
	static_port = p;
	n_statics = 0;
	for (unsigned i = 0; i < c->n_neighs; i++) {
		const struct neigh_desc *d = &c->neighs[i];
		struct rte_ether_addr mac;
		int port = config_find_port(c, d->port);
		if (port < 0)
			continue;
		memcpy(mac.addr_bytes, d->mac, 6);
		statics[n_statics] = *d;
		static_port[n_statics++] = (uint16_t)port;
		dp_neigh_set((uint16_t)port, &d->addr, &mac);
		release((uint16_t)port, d->addr.family, d->addr.a, &mac);
	}
}

struct list_ctx {
	void (*fn)(void *ctx, const struct ctl_neigh_view *n);
	void *ctx;
};

static void
list_one(void *ctx, uint16_t port, const struct ip_addr *a, const struct rte_ether_addr *mac)
{
	struct list_ctx *l = ctx;
	struct ctl_neigh_view v = { .port = port, .addr = *a, .mac = *mac };

	v.state = static_of(port, a->family, a->a) ? "static" : "learned";
	l->fn(l->ctx, &v);
}

void
ctl_neigh_list(void (*fn)(void *ctx, const struct ctl_neigh_view *n), void *ctx)
{
	struct list_ctx l = { fn, ctx };
	struct rte_ether_addr none;
	struct timespec now;

	dp_neigh_walk(list_one, &l);
	/* being resolved: held packets or a recent request, no entry yet */
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (unsigned i = 0; i < HOLD_MAX + RTE_DIM(recent); i++) {
		struct ctl_neigh_view v = { .state = "incomplete" };
		bool dup = false;
		if (i < HOLD_MAX) {
			if (held[i].m == NULL)
				continue;
			v.port = held[i].port;
			v.addr.family = held[i].family;
			memcpy(v.addr.a, held[i].a, 16);
		} else {
			const struct pending_res *p = &recent[i - HOLD_MAX];
			if (p->family == 0 || now.tv_sec - p->at.tv_sec > 1)
				continue;
			v.port = p->port;
			v.addr.family = p->family;
			memcpy(v.addr.a, p->a, 16);
		}
		if (dp_neigh_get(v.port, v.addr.family, v.addr.a, &none))
			continue;
		for (unsigned k = 0; k < i && !dup; k++)	/* once per address */
			dup = k < HOLD_MAX ? held[k].m && held[k].port == v.port &&
					     !memcmp(held[k].a, v.addr.a, ip_alen(v.addr.family)) :
					     recent[k - HOLD_MAX].port == v.port &&
					     !memcmp(recent[k - HOLD_MAX].a, v.addr.a, ip_alen(v.addr.family));
		if (!dup)
			fn(ctx, &v);
	}
}

void
neigh_learn(uint16_t port, int family, const uint8_t *a, const struct rte_ether_addr *mac)
{
	struct ip_addr ip = { .family = family };
	const struct neigh_desc *st = static_of(port, family, a);

	if (rte_is_zero_ether_addr(mac) || rte_is_multicast_ether_addr(mac))
		return;
	if (st != NULL) {
		/* configured: no ARP or NA changes it */
		struct rte_ether_addr sm;
		memcpy(sm.addr_bytes, st->mac, 6);
		release(port, family, a, &sm);
		return;
	}
	memcpy(ip.a, a, ip_alen(family));
	dp_neigh_set(port, &ip, mac);
	release(port, family, a, mac);
}

void
neigh_arp_input(uint16_t port, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, void *);
	struct rte_arp_hdr *arp = (void *)(eh + 1);

	if (rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(*arp) ||
	    arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != 6 || arp->arp_plen != 4) {
		rte_pktmbuf_free(m);
		return;
	}
	ctl.st.punt_arp++;
	/* RFC 826 merge: learn the sender when the request is for us; one that
	 * is not (a gratuitous ARP, RFC 5227) only updates a sender we want */
	if (!ctl_port_has_addr(port, AF_INET, (const uint8_t *)&arp->arp_data.arp_tip)) {
		struct rte_ether_addr known;
		if (wanted(port, AF_INET, (const uint8_t *)&arp->arp_data.arp_sip, &known))
			neigh_learn(port, AF_INET, (const uint8_t *)&arp->arp_data.arp_sip,
				    &arp->arp_data.arp_sha);
		rte_pktmbuf_free(m);
		return;
	}
	neigh_learn(port, AF_INET, (const uint8_t *)&arp->arp_data.arp_sip,
	      &arp->arp_data.arp_sha);
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		rte_pktmbuf_free(m);
		return;
	}
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_sha = dp_port_get(port)->mac;
	{
		uint32_t t = arp->arp_data.arp_tip;
		arp->arp_data.arp_tip = arp->arp_data.arp_sip;
		arp->arp_data.arp_sip = t;
	}
	eh->dst_addr = eh->src_addr;
	eh->src_addr = dp_port_get(port)->mac;
	dp_ctl_tx(port, m);
}

void
neigh_send_arp(uint16_t port, const uint8_t *ip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp_ctl_pool());
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *arp;
	const uint8_t *src = ctl_port_addr(port, AF_INET);

	if (m == NULL || src == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	eh = (void *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*arp));
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	nd_arp_fill(eh, RTE_ARP_OP_REQUEST, &dp_port_get(port)->mac, src, NULL, ip);
	dp_ctl_tx(port, m);
}


/* Build Ethernet + IPv6 + ICMPv6 headers in m (payload already after). */
void
ctl_icmp6_finish(struct rte_mbuf *m, uint16_t port, const struct rte_ether_addr *dmac,
	     const uint8_t *src, const uint8_t *dst, uint16_t icmp_len)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, void *);
	struct rte_ipv6_hdr *ip6 = (void *)(eh + 1);
	uint8_t *icmp = (uint8_t *)(ip6 + 1);

	eh->dst_addr = *dmac;
	eh->src_addr = dp_port_get(port)->mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(icmp_len);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	memcpy(ip6->src_addr, src, 16);
	memcpy(ip6->dst_addr, dst, 16);
	icmp[2] = icmp[3] = 0;
	{
		uint16_t ck = rte_ipv6_udptcp_cksum(ip6, icmp);
		memcpy(icmp + 2, &ck, 2);
	}
}

/* m (emptied) becomes an NS or NA from src to dst/dmac, out on port */
static void
send_nd(struct rte_mbuf *m, uint16_t port, uint8_t type, uint32_t flags, const uint8_t *target,
	const struct rte_ether_addr *dmac, const uint8_t *src, const uint8_t *dst)
{
	struct {
		struct rte_ether_hdr eh;
		struct rte_ipv6_hdr ip6;
		struct nd_msg nd;
	} __rte_packed __rte_aligned(2) *f;

	rte_pktmbuf_reset(m);
	_Static_assert(sizeof(*f) == 14 + 40 + 32, "Ethernet, IPv6, NS/NA");
	f = (void *)rte_pktmbuf_append(m, sizeof(*f));
	if (f == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memset(f, 0, sizeof(*f));
	nd_build(&f->nd, type, flags, target, &dp_port_get(port)->mac);
	ctl_icmp6_finish(m, port, dmac, src, dst, sizeof(f->nd));
	dp_ctl_tx(port, m);
}

void
neigh_send_ns(uint16_t port, const uint8_t *target)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp_ctl_pool());
	const uint8_t *src = ctl_port_addr(port, AF_INET6);
	uint8_t dst[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	struct rte_ether_addr mc = { { 0x33, 0x33, 0xff } };

	if (m == NULL || src == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	/* solicited-node multicast (RFC 4291 2.7.1) */
	memcpy(dst + 13, target + 13, 3);
	memcpy(mc.addr_bytes + 3, target + 13, 3);
	send_nd(m, port, ND_NEIGHBOR_SOLICIT, 0, target, &mc, src, dst);
}

void
neigh_nd_input(uint16_t port, struct rte_mbuf *m, struct rte_ipv6_hdr *ip6,
	  uint8_t *icmp, uint32_t len, const struct rte_ether_addr *smac)
{
	const uint8_t *target = icmp + 8;
	uint8_t type = icmp[0];
	struct rte_ether_addr ll = *smac;	/* without the option, the frame's */

	ctl.st.punt_nd++;
	/* RFC 4861 7.1.1: hop limit 255, code 0, well-formed options */
	if (ip6->hop_limits != 255 || icmp[1] != 0 ||
	    nd_lladdr(icmp, len, type == ND_NEIGHBOR_SOLICIT ? ND_OPT_SOURCE_LL : ND_OPT_TARGET_LL,
		      &ll) < 0)
		goto drop;
	if (type == ND_NEIGHBOR_ADVERT) {
		/* RFC 4861 7.2.5: an NA for no entry of ours is discarded; one
		 * without the Override flag does not change a known address */
		struct rte_ether_addr known;
		bool override = icmp[4] & 0x20;
		if (wanted(port, AF_INET6, target, &known) &&
		    (override || rte_is_zero_ether_addr(&known) ||
		     rte_is_same_ether_addr(&known, &ll)))
			neigh_learn(port, AF_INET6, target, &ll);
		goto drop;
	}
	if (!ctl_port_has_addr(port, AF_INET6, target))
		goto drop;
	neigh_learn(port, AF_INET6, ip6->src_addr, &ll);
	{
		/* the answer reuses m: copy what it points into first */
		uint8_t dst[16], src[16];
		memcpy(dst, ip6->src_addr, 16);
		memcpy(src, target, 16);
		send_nd(m, port, ND_NEIGHBOR_ADVERT, ND_NA_FLAG_SOLICITED | ND_NA_FLAG_OVERRIDE,
			src, &ll, src, dst);
	}
	return;
drop:
	rte_pktmbuf_free(m);
}


/* Ask for a next hop at most every 200 ms: misses come in bursts. */
void
ctl_resolve(uint16_t port, int family, const uint8_t *a)
{
	static unsigned next;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (unsigned i = 0; i < RTE_DIM(recent); i++) {
		struct pending_res *r = &recent[i];
		long ms = (now.tv_sec - r->at.tv_sec) * 1000 +
			  (now.tv_nsec - r->at.tv_nsec) / 1000000;
		if (r->family == family && r->port == port &&
		    !memcmp(r->a, a, ip_alen(family)) && ms < 200)
			return;
	}
	recent[next] = (struct pending_res){ port, family, { 0 }, now };
	memcpy(recent[next].a, a, ip_alen(family));
	next = (next + 1) % RTE_DIM(recent);
	if (family == AF_INET)
		neigh_send_arp(port, a);
	else
		neigh_send_ns(port, a);
}

