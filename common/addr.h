/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ESPGW_ADDR_H
#define ESPGW_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* An IPv4 or IPv6 address, network byte order, v4 in the first 4 bytes. */
struct ip_addr {
	uint8_t family;		/* AF_INET or AF_INET6, 0 when unset */
	uint8_t a[16];
};

struct ip_prefix {
	struct ip_addr addr;
	uint8_t len;
};

/* A traffic selector (RFC 4301 4.4.1): addresses, protocol, port ranges. */
struct selector {
	struct ip_prefix src, dst;	/* family 0: any address, either family */
	uint8_t proto;			/* 0 = any */
	uint16_t sport_lo, sport_hi;
	uint16_t dport_lo, dport_hi;
};

#define IP_ADDR_STRLEN 46
#define IP_PREFIX_STRLEN 50

int ip_addr_parse(const char *s, struct ip_addr *a);
int ip_prefix_parse(const char *s, struct ip_prefix *p);
const char *ip_addr_fmt(const struct ip_addr *a, char *buf, size_t len);
const char *ip_prefix_fmt(const struct ip_prefix *p, char *buf, size_t len);
bool ip_addr_eq(const struct ip_addr *x, const struct ip_addr *y);
/* the host bits of p cleared: the network it names */
void ip_prefix_mask(struct ip_prefix *p);
/* true when addr (of family fam, raw bytes) lies inside p; p.family 0 matches all */
bool ip_prefix_contains(const struct ip_prefix *p, int fam, const uint8_t *addr);
void selector_any(struct selector *s);
/* does a packet's 5-tuple fall inside the selector? */
bool selector_match(const struct selector *s, int fam, const uint8_t *src,
		    const uint8_t *dst, uint8_t proto, uint16_t sport,
		    uint16_t dport);
/* lowest-level address length for a family: 4 or 16 */
static inline unsigned ip_alen(int family) { return family == 10 ? 16 : 4; }

#endif
