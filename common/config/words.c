/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration's words, without YAML: the algorithm table, scalar
 * parsers, the key=value grammar of SAs and policies (the YAML loader
 * and `espgwctl sa add` both feed it), and the checks of each object.
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

const struct esp_alg_info esp_alg_info[ESP_ALG_MAX] = {
#define X(id, nm, klen, alen, icv) [ESP_ALG_##id] = { nm, klen, alen, icv },
	ESPGW_ALGS(X)
#undef X
};

int
esp_alg_by_name(const char *name)
{
	for (int i = 0; i < ESP_ALG_MAX; i++)
		if (strcmp(esp_alg_info[i].name, name) == 0)
			return i;
	return -1;
}

const char *sa_dir_name(enum sa_dir d) { return d == SA_DIR_INBOUND ? "inbound" : "outbound"; }
const char *sa_mode_name(enum sa_mode m) { return m == SA_MODE_TUNNEL ? "tunnel" : "transport"; }
const char *
spd_action_name(enum spd_action a)
{
	return a == SPD_PROTECT ? "protect" : a == SPD_BYPASS ? "bypass" :
	       a == SPD_TRAP ? "trap" : "discard";
}

/* ---- scalar parsers: each returns 0 or -1 with err filled ---- */

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
hex_parse(const char *s, uint8_t *out, size_t max, size_t *outlen)
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

static int
parse_key(const char *s, uint8_t *out, uint8_t *len, char *err, size_t el)
{
	size_t n;

	memset(out, 0, MAX_KEY_LEN);
	if (hex_parse(s, out, MAX_KEY_LEN, &n) < 0)
		return cfg_fail(err, el, "key is not hex (at most %d bytes)", MAX_KEY_LEN);
	*len = n;
	return 0;
}

static int
parse_range(const char *s, uint16_t *lo, uint16_t *hi, char *err, size_t el)
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

static int
parse_proto(const char *s, uint8_t *p, char *err, size_t el)
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

static int
parse_prefix(const char *s, struct ip_prefix *p, char *err, size_t el)
{
	if (!strcmp(s, "any")) {
		memset(p, 0, sizeof(*p));
		return 0;
	}
	if (ip_prefix_parse(s, p) < 0)
		return cfg_fail(err, el, "'%s' is not an address or prefix", s);
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

/* ---- field setters shared by YAML and CLI words ---- */

static int
selector_set(struct selector *sel, const char *k, const char *v, char *err,
	     size_t el)
{
	if (!strcmp(k, "src"))
		return parse_prefix(v, &sel->src, err, el);
	if (!strcmp(k, "dst"))
		return parse_prefix(v, &sel->dst, err, el);
	if (!strcmp(k, "proto"))
		return parse_proto(v, &sel->proto, err, el);
	if (!strcmp(k, "sport"))
		return parse_range(v, &sel->sport_lo, &sel->sport_hi, err, el);
	if (!strcmp(k, "dport"))
		return parse_range(v, &sel->dport_lo, &sel->dport_hi, err, el);
	return 1;	/* not a selector key */
}

static int
lifetime_set(struct lifetime *l, const char *k, const char *v, char *err,
	     size_t el)
{
	static const struct { const char *n; size_t off; } f[] = {
		{ "soft_bytes", offsetof(struct lifetime, soft_bytes) },
		{ "hard_bytes", offsetof(struct lifetime, hard_bytes) },
		{ "soft_packets", offsetof(struct lifetime, soft_packets) },
		{ "hard_packets", offsetof(struct lifetime, hard_packets) },
		{ "soft_seconds", offsetof(struct lifetime, soft_seconds) },
		{ "hard_seconds", offsetof(struct lifetime, hard_seconds) },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!strcmp(k, f[i].n))
			return cfg_parse_u64(v, UINT64_MAX,
					 (uint64_t *)((char *)l + f[i].off), err, el);
	return 1;
}

/* Key lengths are checked in config_check_sa once the algorithm is known. */
static int
sa_set(struct sa_desc *sa, const char *k, const char *v, char *err, size_t el)
{
	uint64_t u;
	int rc;

	if (!strcmp(k, "name"))
		return cfg_parse_name(v, sa->name, err, el);
	if (!strcmp(k, "spi")) {
		if (cfg_parse_u64(v, UINT32_MAX, &u, err, el) < 0)
			return -1;
		sa->spi = u;
		return 0;
	}
	if (!strcmp(k, "direction")) {
		if (!strcmp(v, "inbound") || !strcmp(v, "in"))
			sa->dir = SA_DIR_INBOUND;
		else if (!strcmp(v, "outbound") || !strcmp(v, "out"))
			sa->dir = SA_DIR_OUTBOUND;
		else
			return cfg_fail(err, el, "direction must be inbound or outbound");
		return 0;
	}
	if (!strcmp(k, "mode")) {
		if (!strcmp(v, "tunnel"))
			sa->mode = SA_MODE_TUNNEL;
		else if (!strcmp(v, "transport"))
			sa->mode = SA_MODE_TRANSPORT;
		else
			return cfg_fail(err, el, "mode must be tunnel or transport");
		return 0;
	}
	if (!strcmp(k, "algorithm")) {
		rc = esp_alg_by_name(v);
		if (rc < 0)
			return cfg_fail(err, el, "unknown algorithm '%s' (aes-gcm-128, "
				    "aes-gcm-256, aes-cbc-128-sha256, "
				    "aes-cbc-256-sha256, chacha20-poly1305)", v);
		sa->alg = rc;
		return 0;
	}
	if (!strcmp(k, "key"))
		return parse_key(v, sa->enc_key, &sa->enc_key_len, err, el);
	if (!strcmp(k, "auth_key"))
		return parse_key(v, sa->auth_key, &sa->auth_key_len, err, el);
	if (!strcmp(k, "local"))
		return cfg_parse_addr(v, &sa->local, err, el);
	if (!strcmp(k, "remote"))
		return cfg_parse_addr(v, &sa->remote, err, el);
	if (!strcmp(k, "lookup")) {
		if (!strcmp(v, "spi"))
			sa->lookup = SAD_SPI;
		else if (!strcmp(v, "spi-dst"))
			sa->lookup = SAD_SPI_DST;
		else if (!strcmp(v, "spi-dst-src"))
			sa->lookup = SAD_SPI_DST_SRC;
		else
			return cfg_fail(err, el, "lookup must be spi, spi-dst or spi-dst-src");
		return 0;
	}
	if (!strcmp(k, "replay_window")) {
		if (cfg_parse_u64(v, REPLAY_WIN_MAX, &u, err, el) < 0)
			return -1;
		sa->replay_window = u;
		return 0;
	}
	if (!strcmp(k, "esn"))
		return cfg_parse_bool(v, &sa->esn, err, el);
	if (!strcmp(k, "udp_encap")) {
		bool on;
		if (cfg_parse_bool(v, &on, err, el) < 0)
			return -1;
		/* ports given before or after keep their values */
		if (!on)
			sa->encap_sport = sa->encap_dport = 0;
		if (on && sa->encap_sport == 0)
			sa->encap_sport = 4500;
		if (on && sa->encap_dport == 0)
			sa->encap_dport = 4500;
		return 0;
	}
	if (!strcmp(k, "encap_sport") || !strcmp(k, "encap_dport")) {
		if (cfg_parse_u64(v, 65535, &u, err, el) < 0)
			return -1;
		if (u == 0)
			return cfg_fail(err, el, "%s must be 1..65535", k);
		*(k[6] == 's' ? &sa->encap_sport : &sa->encap_dport) = u;
		return 0;
	}
#ifdef ESPGW_TEST_HOOKS
	if (!strcmp(k, "test_packets_used"))
		return cfg_parse_u64(v, UINT64_MAX, &sa->test_packets_used, err, el);
#endif
	if (!strcmp(k, "inner")) {
		if (!strcmp(v, "ipv4"))
			sa->inner_family = AF_INET;
		else if (!strcmp(v, "ipv6"))
			sa->inner_family = AF_INET6;
		else
			return cfg_fail(err, el, "inner must be ipv4 or ipv6");
		return 0;
	}
	rc = selector_set(&sa->sel, k, v, err, el);
	if (rc <= 0)
		return rc;
	rc = lifetime_set(&sa->life, k, v, err, el);
	if (rc <= 0)
		return rc;
	return cfg_fail(err, el, "unknown SA key '%s'", k);
}

void
config_sa_defaults(struct sa_desc *sa)
{
	memset(sa, 0, sizeof(*sa));
	selector_any(&sa->sel);
	sa->lookup = SAD_SPI_DST;
	sa->replay_window = 64;
	sa->dir = SA_DIR_OUTBOUND;
}

static int
policy_set(struct policy_desc *p, const char *k, const char *v, char *err,
	   size_t el)
{
	uint64_t u;
	int rc;

	if (!strcmp(k, "name"))
		return cfg_parse_name(v, p->name, err, el);
	if (!strcmp(k, "priority")) {
		/* above that are IKE's (trap and CHILD_SA policies) */
		if (cfg_parse_u64(v, POLICY_PRIO_STATIC_MAX, &u, err, el) < 0)
			return -1;
		p->priority = u;
		return 0;
	}
	if (!strcmp(k, "action")) {
		if (!strcmp(v, "protect"))
			p->action = SPD_PROTECT;
		else if (!strcmp(v, "bypass"))
			p->action = SPD_BYPASS;
		else if (!strcmp(v, "discard"))
			p->action = SPD_DISCARD;
		else
			return cfg_fail(err, el, "action must be protect, bypass or discard");
		return 0;
	}
	if (!strcmp(k, "sa"))
		return cfg_parse_name(v, p->sa, err, el);
	rc = selector_set(&p->sel, k, v, err, el);
	if (rc <= 0)
		return rc;
	return cfg_fail(err, el, "unknown policy key '%s'", k);
}

void
config_policy_defaults(struct policy_desc *p)
{
	memset(p, 0, sizeof(*p));
	selector_any(&p->sel);
	p->priority = 100;
	p->action = SPD_DISCARD;
}

int
config_check_sa(const struct sa_desc *sa, char *err, size_t el)
{
	const struct esp_alg_info *ai = &esp_alg_info[sa->alg];

	if (sa->name[0] == '\0')
		return cfg_fail(err, el, "SA needs a name");
	/* RFC 4303 2.1: SPIs 1..255 are reserved by IANA, 0 is never sent */
	if (sa->spi < 256)
		return cfg_fail(err, el, "SA %s: spi %u is reserved (must be >= 256)",
			    sa->name, sa->spi);
	if (sa->enc_key_len != ai->enc_key_len)
		return cfg_fail(err, el, "SA %s: %s needs a key of exactly %u bytes%s",
			    sa->name, ai->name, ai->enc_key_len,
			    ai->auth_key_len ? "" : " (key followed by 4-byte salt)");
	if (ai->auth_key_len == 0 && sa->auth_key_len != 0)
		return cfg_fail(err, el, "SA %s: %s is an AEAD and takes no auth_key",
			    sa->name, ai->name);
	if (ai->auth_key_len != 0 && sa->auth_key_len != ai->auth_key_len)
		return cfg_fail(err, el, "SA %s: %s needs an auth_key of exactly %u bytes",
			    sa->name, ai->name, ai->auth_key_len);
	if (sa->mode == SA_MODE_TUNNEL) {
		if (sa->local.family == 0 || sa->remote.family == 0)
			return cfg_fail(err, el, "SA %s: tunnel mode needs local and remote",
				    sa->name);
		if (sa->local.family != sa->remote.family)
			return cfg_fail(err, el, "SA %s: local and remote must be the "
				    "same address family", sa->name);
	}
	if ((sa->encap_sport != 0) != (sa->encap_dport != 0))
		return cfg_fail(err, el, "SA %s: UDP encapsulation needs both ports "
			    "(udp_encap: true sets both to 4500)", sa->name);
	if (sa->encap_sport && sa->mode != SA_MODE_TUNNEL)
		return cfg_fail(err, el, "SA %s: UDP encapsulation needs tunnel mode "
			    "(transport mode would need RFC 3948 checksum fix-ups)",
			    sa->name);
	if ((sa->lookup != SAD_SPI && sa->dir == SA_DIR_INBOUND &&
	     sa->local.family == 0))
		return cfg_fail(err, el, "SA %s: lookup %s needs 'local' (the "
			    "destination the SA is keyed on)", sa->name,
			    sa->lookup == SAD_SPI_DST ? "spi-dst" : "spi-dst-src");
	if (sa->lookup == SAD_SPI_DST_SRC && sa->dir == SA_DIR_INBOUND &&
	    sa->remote.family == 0)
		return cfg_fail(err, el, "SA %s: lookup spi-dst-src needs 'remote'",
			    sa->name);
	if (sa->esn && sa->replay_window == 0 && sa->dir == SA_DIR_INBOUND)
		return cfg_fail(err, el, "SA %s: ESN needs an anti-replay window "
			    "(RFC 4303 A2)", sa->name);
	if (sa->sel.src.addr.family && sa->sel.dst.addr.family &&
	    sa->sel.src.addr.family != sa->sel.dst.addr.family)
		return cfg_fail(err, el, "SA %s: selector src and dst differ in family",
			    sa->name);
	if (sa->sel.src.addr.family && sa->inner_family &&
	    sa->sel.src.addr.family != sa->inner_family)
		return cfg_fail(err, el, "SA %s: selector family differs from 'inner'",
			    sa->name);
	if ((sa->life.soft_bytes && sa->life.hard_bytes &&
	     sa->life.soft_bytes >= sa->life.hard_bytes) ||
	    (sa->life.soft_packets && sa->life.hard_packets &&
	     sa->life.soft_packets >= sa->life.hard_packets) ||
	    (sa->life.soft_seconds && sa->life.hard_seconds &&
	     sa->life.soft_seconds >= sa->life.hard_seconds))
		return cfg_fail(err, el, "SA %s: a soft lifetime must be below its "
			    "hard lifetime", sa->name);
	return 0;
}

/*
 * librte_ipsec fixes the inner protocol of a tunnel SA, so each SA carries
 * one inner family: 'inner' if given, else the selector's, else the outer.
 */
void
config_sa_finish(struct sa_desc *sa)
{
	if (sa->inner_family == 0)
		sa->inner_family = sa->sel.src.addr.family ? sa->sel.src.addr.family :
				   sa->sel.dst.addr.family ? sa->sel.dst.addr.family :
				   sa->remote.family ? sa->remote.family : AF_INET;
}

/* Feed "key=value" words (the CLI form) through a setter. */
static int
apply_words(int argc, char **argv, void *obj,
	    int (*set)(void *, const char *, const char *, char *, size_t),
	    char *err, size_t el)
{
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		char key[40];
		if (eq == NULL || eq == argv[i] || (size_t)(eq - argv[i]) >= sizeof(key))
			return cfg_fail(err, el, "expected key=value, got '%s'", argv[i]);
		memcpy(key, argv[i], eq - argv[i]);
		key[eq - argv[i]] = '\0';
		if (set(obj, key, eq + 1, err, el) < 0)
			return -1;
	}
	return 0;
}

int cfg_sa_set_kv(void *o, const char *k, const char *v, char *e, size_t el)
{ return sa_set(o, k, v, e, el); }
int cfg_policy_set_kv(void *o, const char *k, const char *v, char *e, size_t el)
{ return policy_set(o, k, v, e, el); }

/* Checks of one policy on its own; SA references are the caller's. */
int
config_check_policy(const struct policy_desc *p, char *err, size_t el)
{
	if (p->name[0] == '\0')
		return cfg_fail(err, el, "policy needs a name");
	if (p->action == SPD_PROTECT && p->sa[0] == '\0')
		return cfg_fail(err, el, "policy %s: protect needs sa=NAME", p->name);
	if (p->action != SPD_PROTECT && p->sa[0] != '\0')
		return cfg_fail(err, el, "policy %s: only protect takes an sa", p->name);
	if (p->sel.src.addr.family && p->sel.dst.addr.family &&
	    p->sel.src.addr.family != p->sel.dst.addr.family)
		return cfg_fail(err, el, "policy %s: src and dst differ in family", p->name);
	return 0;
}

int
config_policy_sa_ok(const struct policy_desc *p, const struct sa_desc *s,
		    char *err, size_t el)
{
	int fam = p->sel.src.addr.family ? p->sel.src.addr.family :
		  p->sel.dst.addr.family;

	if (s == NULL)
		return cfg_fail(err, el, "policy %s: unknown SA '%s'", p->name, p->sa);
	if (s->dir != SA_DIR_OUTBOUND)
		return cfg_fail(err, el, "policy %s: SA '%s' is not outbound", p->name, p->sa);
	if (fam != s->inner_family)
		return cfg_fail(err, el, "policy %s: its src/dst family must match "
			    "SA %s's inner family", p->name, s->name);
	return 0;
}

int
config_parse_sa_words(int argc, char **argv, struct sa_desc *sa, char *err,
		      size_t el)
{
	config_sa_defaults(sa);
	if (apply_words(argc, argv, sa, cfg_sa_set_kv, err, el) < 0)
		return -1;
	config_sa_finish(sa);
	return config_check_sa(sa, err, el);
}

int
config_parse_policy_words(int argc, char **argv, struct policy_desc *p,
			  char *err, size_t el)
{
	config_policy_defaults(p);
	if (apply_words(argc, argv, p, cfg_policy_set_kv, err, el) < 0)
		return -1;
	return config_check_policy(p, err, el);
}

int
config_find_port(const struct espgw_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_ports; i++)
		if (!strcmp(c->ports[i].name, name))
			return i;
	return -1;
}

const struct sa_desc *
config_find_sa(const struct espgw_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_sas; i++)
		if (!strcmp(c->sas[i].name, name))
			return &c->sas[i];
	return NULL;
}
