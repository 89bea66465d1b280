/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * YAML configuration loader. libyaml builds the document tree (with line
 * marks); we walk it and feed every scalar through the same key=value
 * setters the CLI uses, so the file and `espgwctl sa add` cannot disagree.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <yaml.h>

#include "common/config.h"

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

static int
fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *out, char *err, size_t el)
{
	char *end;
	unsigned long long v;

	if (*s == '\0' || *s == '-')
		return fail(err, el, "'%s' is not a non-negative integer", s);
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return fail(err, el, "'%s' is not a non-negative integer", s);
	if (v > max)
		return fail(err, el, "%s is out of range (max %llu)", s,
			    (unsigned long long)max);
	*out = v;
	return 0;
}

static int
parse_bool(const char *s, bool *out, char *err, size_t el)
{
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1") ||
	    !strcasecmp(s, "on"))
		*out = true;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") ||
		 !strcmp(s, "0") || !strcasecmp(s, "off"))
		*out = false;
	else
		return fail(err, el, "'%s' is not a boolean", s);
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
		return fail(err, el, "key is not hex (at most %d bytes)", MAX_KEY_LEN);
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
		return fail(err, el, "bad port range '%s'", s);
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash++ = '\0';
	if (parse_u64(buf, 65535, &a, err, el) < 0)
		return -1;
	b = a;
	if (dash != NULL && parse_u64(dash, 65535, &b, err, el) < 0)
		return -1;
	if (b < a)
		return fail(err, el, "port range '%s' is reversed", s);
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
	if (parse_u64(s, 255, &v, err, el) < 0)
		return fail(err, el, "unknown protocol '%s'", s);
	*p = v;
	return 0;
}

static int
parse_addr(const char *s, struct ip_addr *a, char *err, size_t el)
{
	if (ip_addr_parse(s, a) < 0)
		return fail(err, el, "'%s' is not an IPv4 or IPv6 address", s);
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
		return fail(err, el, "'%s' is not an address or prefix", s);
	return 0;
}

static int
parse_name(const char *s, char *out, char *err, size_t el)
{
	size_t n = strlen(s);

	if (n == 0 || n >= NAME_MAX_LEN)
		return fail(err, el, "name '%s' must be 1..%d characters", s,
			    NAME_MAX_LEN - 1);
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '-' || s[i] == '_' || s[i] == '.' ||
		      (s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' &&
		      (s[i] | 0x20) <= 'z')))
			return fail(err, el, "name '%s' has a character other than "
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
			return parse_u64(v, UINT64_MAX,
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
		return parse_name(v, sa->name, err, el);
	if (!strcmp(k, "spi")) {
		if (parse_u64(v, UINT32_MAX, &u, err, el) < 0)
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
			return fail(err, el, "direction must be inbound or outbound");
		return 0;
	}
	if (!strcmp(k, "mode")) {
		if (!strcmp(v, "tunnel"))
			sa->mode = SA_MODE_TUNNEL;
		else if (!strcmp(v, "transport"))
			sa->mode = SA_MODE_TRANSPORT;
		else
			return fail(err, el, "mode must be tunnel or transport");
		return 0;
	}
	if (!strcmp(k, "algorithm")) {
		rc = esp_alg_by_name(v);
		if (rc < 0)
			return fail(err, el, "unknown algorithm '%s' (aes-gcm-128, "
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
		return parse_addr(v, &sa->local, err, el);
	if (!strcmp(k, "remote"))
		return parse_addr(v, &sa->remote, err, el);
	if (!strcmp(k, "lookup")) {
		if (!strcmp(v, "spi"))
			sa->lookup = SAD_SPI;
		else if (!strcmp(v, "spi-dst"))
			sa->lookup = SAD_SPI_DST;
		else if (!strcmp(v, "spi-dst-src"))
			sa->lookup = SAD_SPI_DST_SRC;
		else
			return fail(err, el, "lookup must be spi, spi-dst or spi-dst-src");
		return 0;
	}
	if (!strcmp(k, "replay_window")) {
		if (parse_u64(v, REPLAY_WIN_MAX, &u, err, el) < 0)
			return -1;
		sa->replay_window = u;
		return 0;
	}
	if (!strcmp(k, "esn"))
		return parse_bool(v, &sa->esn, err, el);
	if (!strcmp(k, "udp_encap")) {
		bool on;
		if (parse_bool(v, &on, err, el) < 0)
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
		if (parse_u64(v, 65535, &u, err, el) < 0)
			return -1;
		if (u == 0)
			return fail(err, el, "%s must be 1..65535", k);
		*(k[6] == 's' ? &sa->encap_sport : &sa->encap_dport) = u;
		return 0;
	}
#ifdef ESPGW_TEST_HOOKS
	if (!strcmp(k, "test_packets_used"))
		return parse_u64(v, UINT64_MAX, &sa->test_packets_used, err, el);
#endif
	if (!strcmp(k, "inner")) {
		if (!strcmp(v, "ipv4"))
			sa->inner_family = AF_INET;
		else if (!strcmp(v, "ipv6"))
			sa->inner_family = AF_INET6;
		else
			return fail(err, el, "inner must be ipv4 or ipv6");
		return 0;
	}
	rc = selector_set(&sa->sel, k, v, err, el);
	if (rc <= 0)
		return rc;
	rc = lifetime_set(&sa->life, k, v, err, el);
	if (rc <= 0)
		return rc;
	return fail(err, el, "unknown SA key '%s'", k);
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
		return parse_name(v, p->name, err, el);
	if (!strcmp(k, "priority")) {
		/* above that are IKE's (trap and CHILD_SA policies) */
		if (parse_u64(v, POLICY_PRIO_STATIC_MAX, &u, err, el) < 0)
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
			return fail(err, el, "action must be protect, bypass or discard");
		return 0;
	}
	if (!strcmp(k, "sa"))
		return parse_name(v, p->sa, err, el);
	rc = selector_set(&p->sel, k, v, err, el);
	if (rc <= 0)
		return rc;
	return fail(err, el, "unknown policy key '%s'", k);
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
		return fail(err, el, "SA needs a name");
	/* RFC 4303 2.1: SPIs 1..255 are reserved by IANA, 0 is never sent */
	if (sa->spi < 256)
		return fail(err, el, "SA %s: spi %u is reserved (must be >= 256)",
			    sa->name, sa->spi);
	if (sa->enc_key_len != ai->enc_key_len)
		return fail(err, el, "SA %s: %s needs a key of exactly %u bytes%s",
			    sa->name, ai->name, ai->enc_key_len,
			    ai->auth_key_len ? "" : " (key followed by 4-byte salt)");
	if (ai->auth_key_len == 0 && sa->auth_key_len != 0)
		return fail(err, el, "SA %s: %s is an AEAD and takes no auth_key",
			    sa->name, ai->name);
	if (ai->auth_key_len != 0 && sa->auth_key_len != ai->auth_key_len)
		return fail(err, el, "SA %s: %s needs an auth_key of exactly %u bytes",
			    sa->name, ai->name, ai->auth_key_len);
	if (sa->mode == SA_MODE_TUNNEL) {
		if (sa->local.family == 0 || sa->remote.family == 0)
			return fail(err, el, "SA %s: tunnel mode needs local and remote",
				    sa->name);
		if (sa->local.family != sa->remote.family)
			return fail(err, el, "SA %s: local and remote must be the "
				    "same address family", sa->name);
	}
	if ((sa->encap_sport != 0) != (sa->encap_dport != 0))
		return fail(err, el, "SA %s: UDP encapsulation needs both ports "
			    "(udp_encap: true sets both to 4500)", sa->name);
	if (sa->encap_sport && sa->mode != SA_MODE_TUNNEL)
		return fail(err, el, "SA %s: UDP encapsulation needs tunnel mode "
			    "(transport mode would need RFC 3948 checksum fix-ups)",
			    sa->name);
	if ((sa->lookup != SAD_SPI && sa->dir == SA_DIR_INBOUND &&
	     sa->local.family == 0))
		return fail(err, el, "SA %s: lookup %s needs 'local' (the "
			    "destination the SA is keyed on)", sa->name,
			    sa->lookup == SAD_SPI_DST ? "spi-dst" : "spi-dst-src");
	if (sa->lookup == SAD_SPI_DST_SRC && sa->dir == SA_DIR_INBOUND &&
	    sa->remote.family == 0)
		return fail(err, el, "SA %s: lookup spi-dst-src needs 'remote'",
			    sa->name);
	if (sa->esn && sa->replay_window == 0 && sa->dir == SA_DIR_INBOUND)
		return fail(err, el, "SA %s: ESN needs an anti-replay window "
			    "(RFC 4303 A2)", sa->name);
	if (sa->sel.src.addr.family && sa->sel.dst.addr.family &&
	    sa->sel.src.addr.family != sa->sel.dst.addr.family)
		return fail(err, el, "SA %s: selector src and dst differ in family",
			    sa->name);
	if (sa->sel.src.addr.family && sa->inner_family &&
	    sa->sel.src.addr.family != sa->inner_family)
		return fail(err, el, "SA %s: selector family differs from 'inner'",
			    sa->name);
	if ((sa->life.soft_bytes && sa->life.hard_bytes &&
	     sa->life.soft_bytes >= sa->life.hard_bytes) ||
	    (sa->life.soft_packets && sa->life.hard_packets &&
	     sa->life.soft_packets >= sa->life.hard_packets) ||
	    (sa->life.soft_seconds && sa->life.hard_seconds &&
	     sa->life.soft_seconds >= sa->life.hard_seconds))
		return fail(err, el, "SA %s: a soft lifetime must be below its "
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
			return fail(err, el, "expected key=value, got '%s'", argv[i]);
		memcpy(key, argv[i], eq - argv[i]);
		key[eq - argv[i]] = '\0';
		if (set(obj, key, eq + 1, err, el) < 0)
			return -1;
	}
	return 0;
}

static int sa_set_v(void *o, const char *k, const char *v, char *e, size_t el)
{ return sa_set(o, k, v, e, el); }
static int policy_set_v(void *o, const char *k, const char *v, char *e, size_t el)
{ return policy_set(o, k, v, e, el); }

/* Checks of one policy on its own; SA references are the caller's. */
int
config_check_policy(const struct policy_desc *p, char *err, size_t el)
{
	if (p->name[0] == '\0')
		return fail(err, el, "policy needs a name");
	if (p->action == SPD_PROTECT && p->sa[0] == '\0')
		return fail(err, el, "policy %s: protect needs sa=NAME", p->name);
	if (p->action != SPD_PROTECT && p->sa[0] != '\0')
		return fail(err, el, "policy %s: only protect takes an sa", p->name);
	if (p->sel.src.addr.family && p->sel.dst.addr.family &&
	    p->sel.src.addr.family != p->sel.dst.addr.family)
		return fail(err, el, "policy %s: src and dst differ in family", p->name);
	return 0;
}

int
config_policy_sa_ok(const struct policy_desc *p, const struct sa_desc *s,
		    char *err, size_t el)
{
	int fam = p->sel.src.addr.family ? p->sel.src.addr.family :
		  p->sel.dst.addr.family;

	if (s == NULL)
		return fail(err, el, "policy %s: unknown SA '%s'", p->name, p->sa);
	if (s->dir != SA_DIR_OUTBOUND)
		return fail(err, el, "policy %s: SA '%s' is not outbound", p->name, p->sa);
	if (fam != s->inner_family)
		return fail(err, el, "policy %s: its src/dst family must match "
			    "SA %s's inner family", p->name, s->name);
	return 0;
}

int
config_parse_sa_words(int argc, char **argv, struct sa_desc *sa, char *err,
		      size_t el)
{
	config_sa_defaults(sa);
	if (apply_words(argc, argv, sa, sa_set_v, err, el) < 0)
		return -1;
	config_sa_finish(sa);
	return config_check_sa(sa, err, el);
}

int
config_parse_policy_words(int argc, char **argv, struct policy_desc *p,
			  char *err, size_t el)
{
	config_policy_defaults(p);
	if (apply_words(argc, argv, p, policy_set_v, err, el) < 0)
		return -1;
	return config_check_policy(p, err, el);
}

/* ---- YAML walking ---- */

struct loader {
	yaml_document_t doc;
	const char *src;
	char *err;
	size_t el;
	struct espgw_config *c;
};

static int
lfail(struct loader *L, yaml_node_t *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(L->err, L->el, "%s:%zu: %s", L->src,
		 n ? n->start_mark.line + 1 : 0, msg);
	return -1;
}

static const char *
scalar(yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Call fn for every key of a mapping. */
typedef int (*kv_fn)(struct loader *L, void *obj, const char *key,
		     yaml_node_t *kn, yaml_node_t *vn);

static int
walk_map(struct loader *L, yaml_node_t *n, const char *what, void *obj, kv_fn fn)
{
	yaml_node_pair_t *p;

	if (n->type != YAML_MAPPING_NODE)
		return lfail(L, n, "%s must be a mapping", what);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&L->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&L->doc, p->value);
		const char *ks = scalar(k);
		if (ks == NULL)
			return lfail(L, k, "%s: keys must be plain words", what);
		/* a duplicate key is almost always a copy-paste mistake */
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
			const char *qs = scalar(yaml_document_get_node(&L->doc, q->key));
			if (qs && !strcmp(qs, ks))
				return lfail(L, k, "%s: duplicate key '%s'", what, ks);
		}
		if (fn(L, obj, ks, k, v) < 0)
			return -1;
	}
	return 0;
}

static int
scalar_of(struct loader *L, yaml_node_t *v, const char *key, const char **out)
{
	*out = scalar(v);
	if (*out == NULL)
		return lfail(L, v, "'%s' must be a single value", key);
	return 0;
}

/* Nested maps inside SAs/policies (selector:, lifetime:) flatten into keys. */
struct setter_ctx {
	void *obj;
	int (*set)(void *obj, const char *k, const char *v, char *err, size_t el);
	const char *only;	/* nested map name, or NULL at top */
};

static int
setter_kv(struct loader *L, void *vctx, const char *key, yaml_node_t *kn,
	  yaml_node_t *vn)
{
	struct setter_ctx *ctx = vctx;
	char msg[200];
	const char *v;

	(void)kn;
	if (ctx->only == NULL && vn->type == YAML_MAPPING_NODE &&
	    (!strcmp(key, "selector") || !strcmp(key, "lifetime") ||
	     !strcmp(key, "tunnel"))) {
		struct setter_ctx sub = *ctx;
		sub.only = key;
		return walk_map(L, vn, key, &sub, setter_kv);
	}
	if (scalar_of(L, vn, key, &v) < 0)
		return -1;
	if (ctx->set(ctx->obj, key, v, msg, sizeof(msg)) < 0)
		return lfail(L, vn, "%s", msg);
	return 0;
}

static int
port_kv(struct loader *L, void *obj, const char *key, yaml_node_t *kn,
	yaml_node_t *vn)
{
	struct port_desc *p = obj;
	char msg[200];
	const char *v;
	uint64_t u;

	(void)kn;
	if (!strcmp(key, "addresses")) {
		if (vn->type != YAML_SEQUENCE_NODE)
			return lfail(L, vn, "addresses must be a list");
		for (yaml_node_item_t *it = vn->data.sequence.items.start;
		     it < vn->data.sequence.items.top; it++) {
			yaml_node_t *a = yaml_document_get_node(&L->doc, *it);
			if (scalar_of(L, a, "address", &v) < 0)
				return -1;
			if (p->n_addrs == MAX_PORT_ADDRS)
				return lfail(L, a, "at most %d addresses per port",
					     MAX_PORT_ADDRS);
			if (ip_prefix_parse(v, &p->addrs[p->n_addrs]) < 0)
				return lfail(L, a, "'%s' is not ADDRESS/LEN", v);
			/* keep the host part: parse again without masking */
			ip_addr_parse(strtok(strcpy(msg, v), "/"),
				      &p->addrs[p->n_addrs].addr);
			p->n_addrs++;
		}
		return 0;
	}
	if (scalar_of(L, vn, key, &v) < 0)
		return -1;
	if (!strcmp(key, "name")) {
		if (parse_name(v, p->name, msg, sizeof(msg)) < 0)
			return lfail(L, vn, "%s", msg);
	} else if (!strcmp(key, "devargs")) {
		if (strlen(v) >= sizeof(p->devargs) || *v == '\0')
			return lfail(L, vn, "devargs must be 1..%zu characters",
				     sizeof(p->devargs) - 1);
		strcpy(p->devargs, v);
	} else if (!strcmp(key, "mtu")) {
		if (parse_u64(v, 9000, &u, msg, sizeof(msg)) < 0 || u < 576)
			return lfail(L, vn, "mtu must be 576..9000");
		p->mtu = u;
	} else {
		return lfail(L, kn, "unknown port key '%s'", key);
	}
	return 0;
}

static int
route_kv(struct loader *L, void *obj, const char *key, yaml_node_t *kn,
	 yaml_node_t *vn)
{
	struct route_desc *r = obj;
	char msg[200];
	const char *v;

	if (scalar_of(L, vn, key, &v) < 0)
		return -1;
	if (!strcmp(key, "prefix")) {
		if (ip_prefix_parse(v, &r->prefix) < 0)
			return lfail(L, vn, "'%s' is not a prefix", v);
	} else if (!strcmp(key, "via")) {
		if (parse_addr(v, &r->via, msg, sizeof(msg)) < 0)
			return lfail(L, vn, "%s", msg);
	} else if (!strcmp(key, "port")) {
		if (parse_name(v, r->port, msg, sizeof(msg)) < 0)
			return lfail(L, vn, "%s", msg);
	} else {
		return lfail(L, kn, "unknown route key '%s'", key);
	}
	return 0;
}

static int
eal_kv(struct loader *L, void *obj, const char *key, yaml_node_t *kn,
       yaml_node_t *vn)
{
	struct espgw_config *c = obj;
	char msg[200];
	const char *v;
	uint64_t u;

	if (scalar_of(L, vn, key, &v) < 0)
		return -1;
	if (!strcmp(key, "args")) {
		if (strlen(v) >= sizeof(c->eal_args))
			return lfail(L, vn, "eal args too long");
		strcpy(c->eal_args, v);
	} else if (!strcmp(key, "file_prefix")) {
		if (parse_name(v, c->file_prefix, msg, sizeof(msg)) < 0)
			return lfail(L, vn, "%s", msg);
	} else if (!strcmp(key, "hugepages")) {
		bool b;
		if (parse_bool(v, &b, msg, sizeof(msg)) < 0)
			return lfail(L, vn, "%s", msg);
		c->no_huge = !b;
	} else if (!strcmp(key, "memory_mb")) {
		if (parse_u64(v, 1 << 20, &u, msg, sizeof(msg)) < 0 || u < 64)
			return lfail(L, vn, "memory_mb must be at least 64");
		c->mem_mb = u;
	} else {
		return lfail(L, kn, "unknown eal key '%s'", key);
	}
	return 0;
}

static int
ike_kv(struct loader *L, void *obj, const char *key, yaml_node_t *kn, yaml_node_t *vn)
{
	struct espgw_config *c = obj;
	char msg[200];
	const char *v;
	uint64_t u;

	if (scalar_of(L, vn, key, &v) < 0)
		return -1;
	if (!strcmp(key, "cookie_threshold")) {
		if (parse_u64(v, 1u << 24, &u, msg, sizeof(msg)) < 0)
			return lfail(L, vn, "cookie_threshold must be 0..%u", 1u << 24);
		c->ike_cookie_threshold = u;
	} else if (!strcmp(key, "half_open_per_source")) {
		if (parse_u64(v, 1u << 24, &u, msg, sizeof(msg)) < 0 || u == 0)
			return lfail(L, vn, "half_open_per_source must be 1..%u", 1u << 24);
		c->ike_half_open_per_source = u;
	} else {
		return lfail(L, kn, "unknown ike key '%s'", key);
	}
	return 0;
}

/* Parse a list whose items are mappings into a growing array. */
static int
walk_list(struct loader *L, yaml_node_t *n, const char *what, void **arr,
	  unsigned *count, size_t isz, void (*init)(void *), kv_fn fn)
{
	size_t cnt;

	if (n->type != YAML_SEQUENCE_NODE)
		return lfail(L, n, "%s must be a list", what);
	cnt = n->data.sequence.items.top - n->data.sequence.items.start;
	if (cnt > 1000000)
		return lfail(L, n, "too many %s", what);
	*arr = calloc(cnt ? cnt : 1, isz);
	if (*arr == NULL)
		return lfail(L, n, "out of memory");
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = yaml_document_get_node(&L->doc,
					n->data.sequence.items.start[i]);
		void *obj = (char *)*arr + i * isz;
		if (init)
			init(obj);
		*count = i + 1;
		if (walk_map(L, it, what, obj, fn) < 0)
			return -1;
	}
	*count = cnt;
	return 0;
}

static int
sa_item(struct loader *L, void *obj, const char *k, yaml_node_t *kn, yaml_node_t *vn)
{
	struct setter_ctx ctx = { obj, sa_set_v, NULL };
	return setter_kv(L, &ctx, k, kn, vn);
}

static int
policy_item(struct loader *L, void *obj, const char *k, yaml_node_t *kn,
	    yaml_node_t *vn)
{
	struct setter_ctx ctx = { obj, policy_set_v, NULL };
	return setter_kv(L, &ctx, k, kn, vn);
}

static int
copy_str(char *dst, size_t cap, const char *v, const char *key, char *err, size_t el)
{
	if (strlen(v) >= cap)
		return fail(err, el, "%s is longer than %zu characters", key, cap - 1);
	strcpy(dst, v);
	return 0;
}

static int
conn_set(struct conn_desc *c, const char *k, const char *v, char *err, size_t el)
{
	uint64_t u;

	if (!strcmp(k, "name"))
		return parse_name(v, c->name, err, el);
	if (!strcmp(k, "local"))
		return parse_addr(v, &c->local, err, el);
	if (!strcmp(k, "remote")) {
		if (!strcmp(v, "any")) {
			memset(&c->remote, 0, sizeof(c->remote));
			return 0;
		}
		return parse_addr(v, &c->remote, err, el);
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
			return fail(err, el, "'%s' is not a prefix", v);
		return 0;
	}
	if (!strcmp(k, "mode")) {
		if (strcmp(v, "tunnel") && strcmp(v, "transport"))
			return fail(err, el, "mode must be tunnel or transport");
		c->transport = !strcmp(v, "transport");
		return 0;
	}
	if (!strcmp(k, "keepalive")) {
		if (parse_u64(v, 3600, &u, err, el) < 0)
			return -1;
		c->keepalive = u;
		return 0;
	}
	if (!strcmp(k, "dpd")) {
		if (parse_u64(v, 86400, &u, err, el) < 0)
			return -1;
		c->dpd_delay = u;
		return 0;
	}
	if (!strcmp(k, "retransmit_ms")) {
		if (parse_u64(v, 60000, &u, err, el) < 0 || u < 100)
			return fail(err, el, "retransmit_ms must be 100..60000");
		c->retransmit_ms = u;
		return 0;
	}
	if (!strcmp(k, "retransmit_tries")) {
		if (parse_u64(v, 20, &u, err, el) < 0 || u < 1)
			return fail(err, el, "retransmit_tries must be 1..20");
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
			return fail(err, el, "fragmentation must be yes or no");
		return 0;
	}
	if (!strcmp(k, "fragment_size")) {
		/* espgw sends IKE datagrams of at most 1500 bytes (no IP fragmentation) */
		if (parse_u64(v, 1500, &u, err, el) < 0 || u < 576)
			return fail(err, el, "fragment_size must be 576..1500");
		c->fragment_size = u;
		return 0;
	}
	if (!strcmp(k, "life_time") || !strcmp(k, "child_life_time")) {
		if (parse_u64(v, 30 * 86400, &u, err, el) < 0)
			return -1;
		*(k[0] == 'l' ? &c->life_time : &c->child_life_time) = u;
		return 0;
	}
	if (!strcmp(k, "rekey_time") || !strcmp(k, "child_rekey_time")) {
		if (parse_u64(v, 30 * 86400, &u, err, el) < 0)
			return -1;
		if (u && u < 5)
			return fail(err, el, "%s must be 0 (never) or at least 5 seconds", k);
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
			return fail(err, el, "start must be none, start or trap");
		return 0;
	}
	return fail(err, el, "unknown connection key '%s'", k);
}

static int conn_set_v(void *o, const char *k, const char *v, char *e, size_t el)
{ return conn_set(o, k, v, e, el); }

static int
more_child_kv(struct loader *L, void *obj, const char *k, yaml_node_t *kn, yaml_node_t *vn)
{
	struct conn_desc *c = obj;
	const char *v;

	if (scalar_of(L, vn, k, &v) < 0)
		return -1;
	if (strcmp(k, "local_ts") && strcmp(k, "remote_ts"))
		return lfail(L, kn, "unknown more_children key '%s'", k);
	if (ip_prefix_parse(v, k[0] == 'l' ? &c->more_local[c->n_more] :
					     &c->more_remote[c->n_more]) < 0)
		return lfail(L, vn, "'%s' is not a prefix", v);
	return 0;
}

static int
conn_item(struct loader *L, void *obj, const char *k, yaml_node_t *kn, yaml_node_t *vn)
{
	struct setter_ctx ctx = { obj, conn_set_v, NULL };
	struct conn_desc *c = obj;

	if (!strcmp(k, "more_children")) {
		yaml_node_item_t *it;
		if (vn->type != YAML_SEQUENCE_NODE)
			return lfail(L, vn, "more_children must be a list");
		for (it = vn->data.sequence.items.start; it < vn->data.sequence.items.top; it++) {
			yaml_node_t *in = yaml_document_get_node(&L->doc, *it);
			if (c->n_more == 3)
				return lfail(L, in, "at most 3 more_children");
			if (walk_map(L, in, "more_children", c, more_child_kv) < 0)
				return -1;
			if (c->more_local[c->n_more].addr.family == 0 ||
			    c->more_local[c->n_more].addr.family !=
			    c->more_remote[c->n_more].addr.family)
				return lfail(L, in, "a child needs local_ts and remote_ts of one family");
			c->n_more++;
		}
		return 0;
	}
	return setter_kv(L, &ctx, k, kn, vn);
}

static void
conn_init(void *o)
{
	struct conn_desc *c = o;

	memset(c, 0, sizeof(*c));
	strcpy(c->proposals, "aes128gcm16-prfsha256-x25519");
	strcpy(c->esp_proposals, "aes128gcm16");
	c->dpd_delay = 30;
	c->keepalive = 20;
	c->rekey_time = 14400;
	c->child_rekey_time = 3600;
	c->retransmit_ms = 1000;
	c->retransmit_tries = 5;
	c->fragment_size = 1280;
}

int
config_check_conn(const struct conn_desc *c, char *err, size_t el)
{
	if (c->name[0] == '\0')
		return fail(err, el, "connection needs a name");
	if (c->local.family == 0)
		return fail(err, el, "connection %s needs a local address", c->name);
	if (c->remote.family && c->remote.family != c->local.family)
		return fail(err, el, "connection %s: local and remote differ in family", c->name);
	if ((c->cert[0] != '\0') != (c->key[0] != '\0'))
		return fail(err, el, "connection %s: cert and key go together", c->name);
	if (c->psk[0] == '\0' && (c->cert[0] == '\0' || c->ca[0] == '\0'))
		return fail(err, el, "connection %s needs a psk, or cert, key and ca", c->name);
	if (c->local_ts.addr.family == 0 || c->remote_ts.addr.family == 0)
		return fail(err, el, "connection %s needs local_ts and remote_ts", c->name);
	if (c->local_ts.addr.family != c->remote_ts.addr.family)
		return fail(err, el, "connection %s: local_ts and remote_ts differ in family",
			    c->name);
	if ((c->life_time && c->life_time <= c->rekey_time) ||
	    (c->child_life_time && c->child_life_time <= c->child_rekey_time))
		return fail(err, el, "connection %s: a life time must exceed its rekey time",
			    c->name);
	if (c->start != CONN_START_NONE && c->remote.family == 0)
		return fail(err, el, "connection %s: start %s needs a remote address", c->name,
			    c->start == CONN_START_TRAP ? "trap" : "start");
	return 0;
}

static void sa_init(void *o) { config_sa_defaults(o); }
static void policy_init(void *o) { config_policy_defaults(o); }
static void port_init(void *o) { memset(o, 0, sizeof(struct port_desc)); ((struct port_desc *)o)->mtu = 1500; }
static void route_init(void *o) { memset(o, 0, sizeof(struct route_desc)); }

static int
top_kv(struct loader *L, void *obj, const char *key, yaml_node_t *kn,
       yaml_node_t *vn)
{
	struct espgw_config *c = obj;
	char msg[200];
	const char *v;
	uint64_t u;

	if (!strcmp(key, "eal"))
		return walk_map(L, vn, "eal", c, eal_kv);
	if (!strcmp(key, "ike"))
		return walk_map(L, vn, "ike", c, ike_kv);
	if (!strcmp(key, "ports"))
		return walk_list(L, vn, "ports", (void **)&c->ports, &c->n_ports,
				 sizeof(struct port_desc), port_init, port_kv);
	if (!strcmp(key, "routes"))
		return walk_list(L, vn, "routes", (void **)&c->routes, &c->n_routes,
				 sizeof(struct route_desc), route_init, route_kv);
	if (!strcmp(key, "policies"))
		return walk_list(L, vn, "policies", (void **)&c->policies,
				 &c->n_policies, sizeof(struct policy_desc),
				 policy_init, policy_item);
	if (!strcmp(key, "sas"))
		return walk_list(L, vn, "sas", (void **)&c->sas, &c->n_sas,
				 sizeof(struct sa_desc), sa_init, sa_item);
	if (!strcmp(key, "connections"))
		return walk_list(L, vn, "connections", (void **)&c->conns, &c->n_conns,
				 sizeof(struct conn_desc), conn_init, conn_item);
	if (scalar_of(L, vn, key, &v) < 0)
		return -1;
	if (!strcmp(key, "workers")) {
		if (parse_u64(v, MAX_WORKERS, &u, msg, sizeof(msg)) < 0 || u == 0)
			return lfail(L, vn, "workers must be 1..%d", MAX_WORKERS);
		c->workers = u;
	} else if (!strcmp(key, "crypto_engine")) {
		if (!strcmp(v, "cpu"))
			c->engine = ENGINE_CPU;
		else if (!strcmp(v, "lookaside"))
			c->engine = ENGINE_LOOKASIDE;
		else
			return lfail(L, vn, "crypto_engine must be cpu or lookaside");
	} else if (!strcmp(key, "mgmt_socket")) {
		if (strlen(v) >= sizeof(c->mgmt_socket) || v[0] != '/')
			return lfail(L, vn, "mgmt_socket must be an absolute path "
				     "shorter than %zu", sizeof(c->mgmt_socket));
		strcpy(c->mgmt_socket, v);
	} else if (!strcmp(key, "mgmt_max_clients")) {
		if (parse_u64(v, 1024, &u, msg, sizeof(msg)) < 0 || u == 0)
			return lfail(L, vn, "mgmt_max_clients must be 1..1024");
		c->mgmt.max_clients = u;
	} else if (!strcmp(key, "mgmt_idle_timeout")) {
		if (parse_u64(v, 86400, &u, msg, sizeof(msg)) < 0 || u == 0)
			return lfail(L, vn, "mgmt_idle_timeout must be 1..86400 (seconds)");
		c->mgmt.idle_timeout = u;
	} else if (!strcmp(key, "mgmt_send_timeout")) {
		if (parse_u64(v, 3600, &u, msg, sizeof(msg)) < 0 || u == 0)
			return lfail(L, vn, "mgmt_send_timeout must be 1..3600 (seconds)");
		c->mgmt.send_timeout = u;
	} else if (!strcmp(key, "mgmt_group") || !strcmp(key, "mgmt_admin_group")) {
		char *dst = key[5] == 'g' ? c->mgmt.group : c->mgmt.admin_group;
		if (strlen(v) == 0 || strlen(v) >= sizeof(c->mgmt.group))
			return lfail(L, vn, "%s must be a group name", key);
		strcpy(dst, v);
	} else if (!strcmp(key, "max_sas")) {
		if (parse_u64(v, 1u << 22, &u, msg, sizeof(msg)) < 0 || u < 16)
			return lfail(L, vn, "max_sas must be 16..%u", 1u << 22);
		c->max_sas = u;
	} else if (!strcmp(key, "idle_sleep_us")) {
		if (parse_u64(v, 100000, &u, msg, sizeof(msg)) < 0)
			return lfail(L, vn, "idle_sleep_us must be 0..100000");
		c->idle_sleep_us = u;
	} else {
		return lfail(L, kn, "unknown top-level key '%s'", key);
	}
	return 0;
}

/* Find the YAML node of the i-th item of a top-level list, for error lines. */
static yaml_node_t *
list_item_node(struct loader *L, const char *list, unsigned i)
{
	yaml_node_t *root = yaml_document_get_root_node(&L->doc);
	yaml_node_pair_t *p;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		const char *k = scalar(yaml_document_get_node(&L->doc, p->key));
		yaml_node_t *v = yaml_document_get_node(&L->doc, p->value);
		if (k && !strcmp(k, list) && v->type == YAML_SEQUENCE_NODE &&
		    (long)i < v->data.sequence.items.top - v->data.sequence.items.start)
			return yaml_document_get_node(&L->doc,
					v->data.sequence.items.start[i]);
	}
	return root;
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

/* a name (or SPI) and where it stands in its list */
struct key_ix {
	const char *name;
	uint32_t spi;
	unsigned i;
};

static int
ix_name_only(const void *a, const void *b)
{
	return strcmp(((const struct key_ix *)a)->name, ((const struct key_ix *)b)->name);
}

static int
ix_by_name(const void *a, const void *b)
{
	const struct key_ix *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

static int
ix_by_spi(const void *a, const void *b)
{
	const struct key_ix *x = a, *y = b;

	if (x->spi != y->spi)
		return x->spi < y->spi ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/*
 * In a sorted index: the entry that repeats an earlier key and stands
 * first in the file (so errors point where a reader would look), or
 * UINT_MAX.
 */
static unsigned
first_dup(const struct key_ix *x, unsigned n, int (*cmp)(const void *, const void *))
{
	unsigned best = UINT_MAX;

	for (unsigned k = 1; k < n; k++) {
		struct key_ix a = x[k - 1], b = x[k];
		a.i = b.i = 0;	/* compare keys only */
		if (cmp(&a, &b) == 0 && (best == UINT_MAX || x[k].i < x[best].i))
			best = k;
	}
	return best;
}

static int
cross_check(struct loader *L)
{
	struct espgw_config *c = L->c;
	char msg[200];

	if (c->n_ports == 0)
		return lfail(L, yaml_document_get_root_node(&L->doc),
			     "at least one port is required");
	for (unsigned i = 0; i < c->n_ports; i++) {
		yaml_node_t *n = list_item_node(L, "ports", i);
		if (c->ports[i].name[0] == '\0' || c->ports[i].devargs[0] == '\0')
			return lfail(L, n, "port needs name and devargs");
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(c->ports[i].name, c->ports[j].name))
				return lfail(L, n, "duplicate port name '%s'",
					     c->ports[i].name);
	}
	for (unsigned i = 0; i < c->n_routes; i++) {
		yaml_node_t *n = list_item_node(L, "routes", i);
		struct route_desc *r = &c->routes[i];
		if (r->prefix.addr.family == 0 || r->port[0] == '\0')
			return lfail(L, n, "route needs prefix and port");
		if (config_find_port(c, r->port) < 0)
			return lfail(L, n, "route refers to unknown port '%s'", r->port);
		if (r->via.family && r->via.family != r->prefix.addr.family)
			return lfail(L, n, "route via is not the prefix's family");
	}
	/* names and inbound SPIs are checked through sorted indexes: a file
	 * with 100 000 SAs must not take n^2 comparisons */
	struct key_ix *sx = NULL, *spx = NULL, *px = NULL;
	unsigned n_spi = 0, dup;
	int rc = -1;

	sx = malloc((c->n_sas + 1) * sizeof(*sx));
	spx = malloc((c->n_sas + 1) * sizeof(*spx));
	px = malloc((c->n_policies + 1) * sizeof(*px));
	if (sx == NULL || spx == NULL || px == NULL) {
		lfail(L, NULL, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < c->n_sas; i++) {
		struct sa_desc *s = &c->sas[i];
		config_sa_finish(s);
		if (config_check_sa(s, msg, sizeof(msg)) < 0) {
			lfail(L, list_item_node(L, "sas", i), "%s", msg);
			goto out;
		}
		sx[i] = (struct key_ix){ s->name, 0, i };
		if (s->dir == SA_DIR_INBOUND)
			spx[n_spi++] = (struct key_ix){ s->name, s->spi, i };
	}
	qsort(sx, c->n_sas, sizeof(*sx), ix_by_name);
	if ((dup = first_dup(sx, c->n_sas, ix_by_name)) != UINT_MAX) {
		lfail(L, list_item_node(L, "sas", sx[dup].i), "duplicate SA name '%s'",
		      sx[dup].name);
		goto out;
	}
	qsort(spx, n_spi, sizeof(*spx), ix_by_spi);
	if ((dup = first_dup(spx, n_spi, ix_by_spi)) != UINT_MAX) {
		lfail(L, list_item_node(L, "sas", spx[dup].i),
		      "inbound SPI 0x%x already used by SA %s", spx[dup].spi,
		      spx[dup - 1].name);
		goto out;
	}
	for (unsigned i = 0; i < c->n_policies; i++) {
		yaml_node_t *n = list_item_node(L, "policies", i);
		struct policy_desc *p = &c->policies[i];
		const struct key_ix *hit = NULL, key = { p->sa, 0, 0 };
		if (config_check_policy(p, msg, sizeof(msg)) < 0) {
			lfail(L, n, "%s", msg);
			goto out;
		}
		px[i] = (struct key_ix){ p->name, 0, i };
		if (p->action != SPD_PROTECT)
			continue;
		hit = bsearch(&key, sx, c->n_sas, sizeof(*sx), ix_name_only);
		if (config_policy_sa_ok(p, hit ? &c->sas[hit->i] : NULL, msg, sizeof(msg)) < 0) {
			lfail(L, n, "%s", msg);
			goto out;
		}
	}
	qsort(px, c->n_policies, sizeof(*px), ix_by_name);
	if ((dup = first_dup(px, c->n_policies, ix_by_name)) != UINT_MAX) {
		lfail(L, list_item_node(L, "policies", px[dup].i),
		      "duplicate policy name '%s'", px[dup].name);
		goto out;
	}
	for (unsigned i = 0; i < c->n_conns; i++) {
		yaml_node_t *n = list_item_node(L, "connections", i);
		if (config_check_conn(&c->conns[i], msg, sizeof(msg)) < 0) {
			lfail(L, n, "%s", msg);
			goto out;
		}
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(c->conns[i].name, c->conns[j].name)) {
				lfail(L, n, "duplicate connection name '%s'", c->conns[i].name);
				goto out;
			}
	}
	rc = 0;
out:
	free(sx);
	free(spx);
	free(px);
	return rc;
}

static void
config_defaults(struct espgw_config *c)
{
	c->workers = 1;
	c->engine = ENGINE_CPU;
	c->no_huge = true;
	c->mem_mb = 768;
	strcpy(c->file_prefix, "espgw");
	strcpy(c->mgmt_socket, "/run/espgw/espgw.sock");
	c->mgmt.max_clients = 32;
	c->mgmt.idle_timeout = 300;
	c->mgmt.send_timeout = 10;
	c->max_sas = 8192;
	c->idle_sleep_us = 100;
	c->ike_cookie_threshold = 64;
	c->ike_half_open_per_source = 8;
}

static struct espgw_config *
load(yaml_parser_t *parser, const char *source, char *err, size_t el)
{
	struct loader L = { .src = source, .err = err, .el = el };
	yaml_node_t *root;
	int ok = -1;

	L.c = calloc(1, sizeof(*L.c));
	if (L.c == NULL) {
		snprintf(err, el, "%s: out of memory", source);
		return NULL;
	}
	config_defaults(L.c);
	snprintf(L.c->source, sizeof(L.c->source), "%s", source);
	if (!yaml_parser_load(parser, &L.doc)) {
		snprintf(err, el, "%s:%zu: %s%s%s", source,
			 parser->problem_mark.line + 1,
			 parser->problem ? parser->problem : "YAML syntax error",
			 parser->context ? " " : "",
			 parser->context ? parser->context : "");
		free(L.c);
		return NULL;
	}
	root = yaml_document_get_root_node(&L.doc);
	if (root == NULL)
		snprintf(err, el, "%s:1: empty configuration", source);
	else if (walk_map(&L, root, "configuration", L.c, top_kv) == 0 &&
		 cross_check(&L) == 0)
		ok = 0;
	yaml_document_delete(&L.doc);
	if (ok < 0) {
		config_free(L.c);
		return NULL;
	}
	return L.c;
}

struct espgw_config *
config_load_file(const char *path, char *err, size_t el)
{
	yaml_parser_t parser;
	struct espgw_config *c;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(err, el, "%s:0: %s", path, strerror(errno));
		return NULL;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	c = load(&parser, path, err, el);
	yaml_parser_delete(&parser);
	fclose(f);
	return c;
}

struct espgw_config *
config_load_string(const char *text, const char *source, char *err, size_t el)
{
	yaml_parser_t parser;
	struct espgw_config *c;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
				     strlen(text));
	c = load(&parser, source, err, el);
	yaml_parser_delete(&parser);
	return c;
}

void
config_free(struct espgw_config *c)
{
	if (c == NULL)
		return;
	free(c->ports);
	free(c->routes);
	free(c->policies);
	if (c->sas)	/* keys are secrets */
		explicit_bzero(c->sas, sizeof(*c->sas) * c->n_sas);
	free(c->sas);
	if (c->conns)	/* PSKs are secrets */
		explicit_bzero(c->conns, sizeof(*c->conns) * c->n_conns);
	free(c->conns);
	free(c);
}
