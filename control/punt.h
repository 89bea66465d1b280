/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's packet handling, one file per concern:
 *   punt.c  what the workers punt: dispatch, and the gateway's own
 *           local services (IKE hand-off, ICMP/ICMPv6 echo);
 *   neigh.c ARP (RFC 826) and IPv6 neighbour discovery (RFC 4861): the
 *           neighbour table's writer, requests, and packets held while a
 *           next hop is resolved;
 *   icmp.c  ICMP errors the gateway sends (packet too big, time exceeded);
 *   l3tx.c  routing and sending packets the control thread originates.
 * Calls go punt -> icmp -> l3tx -> neigh, never back.
 */
#ifndef ESPGW_PUNT_H
#define ESPGW_PUNT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_PACKET_TOO_BIG 2

/* neigh.c */
bool ctl_port_has_addr(uint16_t port, int family, const uint8_t *a);
const uint8_t *ctl_port_addr(uint16_t port, int family);
void neigh_hold(struct rte_mbuf *m, uint16_t port, int family, const uint8_t *a);
void neigh_learn(uint16_t port, int family, const uint8_t *a, const struct rte_ether_addr *mac);
/* the configuration's static neighbours into the table (a reload's too;
 * one it no longer has is learned like any other from then on) */
void ctl_neigh_static(const struct espgw_config *c);
/* one neighbour for listings; state: "static", "learned" or "incomplete"
 * (being resolved: packets held or asked for, no MAC yet) */
struct ctl_neigh_view {
	uint16_t port;
	struct ip_addr addr;
	struct rte_ether_addr mac;
	const char *state;
};
void ctl_neigh_list(void (*fn)(void *ctx, const struct ctl_neigh_view *n), void *ctx);
void neigh_arp_input(uint16_t port, struct rte_mbuf *m);
void neigh_nd_input(uint16_t port, struct rte_mbuf *m, struct rte_ipv6_hdr *ip6, uint8_t *icmp,
		    uint32_t len, const struct rte_ether_addr *smac);
void neigh_send_arp(uint16_t port, const uint8_t *ip);
void neigh_send_ns(uint16_t port, const uint8_t *target);
void ctl_icmp6_finish(struct rte_mbuf *m, uint16_t port, const struct rte_ether_addr *dmac,
		      const uint8_t *src, const uint8_t *dst, uint16_t icmp_len);

/* l3tx.c */
bool ctl_route(int family, const uint8_t *dst, uint16_t *port, struct rte_ether_addr *mac);

/* icmp.c */
void icmp_send_too_big(struct rte_mbuf *orig, uint16_t in_port, uint16_t mtu);
void icmp_send_time_exceeded(struct rte_mbuf *orig, uint16_t port);

/* for the rest of control/: punts in, neighbours, our own packets out */
void ctl_punt_poll(void);
void ctl_resolve(uint16_t port, int family, const uint8_t *addr);
void ctl_neigh_expire(void);
void ctl_send_l3(struct rte_mbuf *m, int family, const uint8_t *dst);

#endif
