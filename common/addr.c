/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"

_Static_assert(AF_INET6 == 10, "ip_alen assumes Linux AF_INET6");

int
ip_addr_parse(const char *s, struct ip_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

int
ip_prefix_parse(const char *s, struct ip_prefix *p)
{
	char buf[IP_PREFIX_STRLEN];
	char *slash, *end;
	unsigned long len;
	unsigned max;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (ip_addr_parse(buf, &p->addr) < 0)
		return -1;
	max = p->addr.family == AF_INET ? 32 : 128;
	if (slash == NULL) {
		p->len = max;
	} else {
		if (slash[1] == '\0')
			return -1;
		len = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || len > max)
			return -1;
		p->len = len;
	}
	/* keep only the network part so comparisons are simple */
	for (unsigned i = 0; i < 16; i++) {
		int bits = (int)p->len - (int)i * 8;
		if (bits >= 8)
			continue;
		p->addr.a[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
	return 0;
}

const char *
ip_addr_fmt(const struct ip_addr *a, char *buf, size_t len)
{
	if (a->family == 0)
		snprintf(buf, len, "any");
	else if (inet_ntop(a->family, a->a, buf, len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

const char *
ip_prefix_fmt(const struct ip_prefix *p, char *buf, size_t len)
{
	char a[IP_ADDR_STRLEN];

	if (p->addr.family == 0)
		snprintf(buf, len, "any");
	else
		snprintf(buf, len, "%s/%u", ip_addr_fmt(&p->addr, a, sizeof(a)),
			 p->len);
	return buf;
}

bool
ip_addr_eq(const struct ip_addr *x, const struct ip_addr *y)
{
	return x->family == y->family &&
	       memcmp(x->a, y->a, ip_alen(x->family)) == 0;
}

bool
ip_prefix_contains(const struct ip_prefix *p, int fam, const uint8_t *addr)
{
	unsigned full, rem;

	if (p->addr.family == 0)
		return true;
	if (p->addr.family != fam)
		return false;
	full = p->len / 8;
	rem = p->len % 8;
	if (memcmp(p->addr.a, addr, full) != 0)
		return false;
	if (rem == 0)
		return true;
	return ((addr[full] ^ p->addr.a[full]) & (uint8_t)(0xff << (8 - rem))) == 0;
}

void
selector_any(struct selector *s)
{
	memset(s, 0, sizeof(*s));
	s->sport_hi = s->dport_hi = 65535;
}

bool
selector_match(const struct selector *s, int fam, const uint8_t *src,
	       const uint8_t *dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	if (!ip_prefix_contains(&s->src, fam, src) ||
	    !ip_prefix_contains(&s->dst, fam, dst))
		return false;
	if (s->proto != 0 && s->proto != proto)
		return false;
	/* ports only mean something for protocols that carry them */
	if (s->sport_lo > 0 || s->sport_hi < 65535 || s->dport_lo > 0 ||
	    s->dport_hi < 65535) {
		if (sport < s->sport_lo || sport > s->sport_hi ||
		    dport < s->dport_lo || dport > s->dport_hi)
			return false;
	}
	return true;
}

void
ip_prefix_mask(struct ip_prefix *p)
{
	unsigned bits = ip_alen(p->addr.family) * 8;

	for (unsigned i = p->len; i < bits; i++)
		p->addr.a[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}
