/* SPDX-License-Identifier: BSD-3-Clause */
/* The configuration's scalar parsers: each returns 0, or -1 with err filled. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/config.h"
#include "common/config/config_int.h"

int
cfg_fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

int
cfg_parse_u64(const char *s, uint64_t max, uint64_t *out, char *err, size_t el)
{
	char *end;
	unsigned long long v;

	if (*s == '\0' || *s == '-')
		return cfg_fail(err, el, "'%s' is not a non-negative integer", s);
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return cfg_fail(err, el, "'%s' is not a non-negative integer", s);
	if (v > max)
		return cfg_fail(err, el, "%s is out of range (max %llu)", s,
			    (unsigned long long)max);
	*out = v;
	return 0;
}

int
cfg_parse_bool(const char *s, bool *out, char *err, size_t el)
{
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1") ||
	    !strcasecmp(s, "on"))
		*out = true;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") ||
		 !strcmp(s, "0") || !strcasecmp(s, "off"))
		*out = false;
	else
		return cfg_fail(err, el, "'%s' is not a boolean", s);
	return 0;
}

int
cfg_hex_parse(const char *s, uint8_t *out, size_t max, size_t *outlen)
{
	size_t n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s != '\0'; s++) {
		int hi, lo;
		if (*s == ':' || *s == ' ')
			continue;
		if (s[1] == '\0')
			return -1;
		hi = (*s >= '0' && *s <= '9') ? *s - '0' :
		     (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f' ? (*s | 0x20) - 'a' + 10 : -1;
		s++;
		lo = (*s >= '0' && *s <= '9') ? *s - '0' :
		     (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f' ? (*s | 0x20) - 'a' + 10 : -1;
		if (hi < 0 || lo < 0 || n >= max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = n;
	return 0;
}

int
cfg_parse_key(const char *s, uint8_t *out, uint8_t *len, char *err, size_t el)
{
	size_t n;

	memset(out, 0, MAX_KEY_LEN);
	if (cfg_hex_parse(s, out, MAX_KEY_LEN, &n) < 0)
		return cfg_fail(err, el, "key is not hex (at most %d bytes)", MAX_KEY_LEN);
	*len = n;
	return 0;
}

int
cfg_parse_range(const char *s, uint16_t *lo, uint16_t *hi, char *err, size_t el)
{
	char buf[32], *dash;
	uint64_t a, b;

	if (!strcmp(s, "any")) {
		*lo = 0;
		*hi = 65535;
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return cfg_fail(err, el, "bad port range '%s'", s);
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash++ = '\0';
	if (cfg_parse_u64(buf, 65535, &a, err, el) < 0)
		return -1;
	b = a;
	if (dash != NULL && cfg_parse_u64(dash, 65535, &b, err, el) < 0)
		return -1;
	if (b < a)
		return cfg_fail(err, el, "port range '%s' is reversed", s);
	*lo = a;
	*hi = b;
	return 0;
}

int
cfg_parse_proto(const char *s, uint8_t *p, char *err, size_t el)
{
	static const struct { const char *n; uint8_t v; } names[] = {
		{ "any", 0 }, { "icmp", 1 }, { "tcp", 6 }, { "udp", 17 },
		{ "gre", 47 }, { "esp", 50 }, { "icmpv6", 58 }, { "sctp", 132 },
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].n)) {
			*p = names[i].v;
			return 0;
		}
	if (cfg_parse_u64(s, 255, &v, err, el) < 0)
		return cfg_fail(err, el, "unknown protocol '%s'", s);
	*p = v;
	return 0;
}

int
cfg_parse_addr(const char *s, struct ip_addr *a, char *err, size_t el)
{
	if (ip_addr_parse(s, a) < 0)
		return cfg_fail(err, el, "'%s' is not an IPv4 or IPv6 address", s);
	return 0;
}

int
cfg_parse_prefix(const char *s, struct ip_prefix *p, char *err, size_t el)
{
	if (!strcmp(s, "any")) {
		memset(p, 0, sizeof(*p));
		return 0;
	}
	if (ip_prefix_parse(s, p) < 0)
		return cfg_fail(err, el, "'%s' is not a prefix (ADDRESS/LEN)", s);
	return 0;
}

int
cfg_parse_name(const char *s, char *out, char *err, size_t el)
{
	size_t n = strlen(s);

	if (n == 0 || n >= NAME_MAX_LEN)
		return cfg_fail(err, el, "name '%s' must be 1..%d characters", s,
			    NAME_MAX_LEN - 1);
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '-' || s[i] == '_' || s[i] == '.' ||
		      (s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' &&
		      (s[i] | 0x20) <= 'z')))
			return cfg_fail(err, el, "name '%s' has a character other than "
				    "letters, digits, '-', '_', '.'", s);
	strcpy(out, s);
	return 0;
}

