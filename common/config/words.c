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
#include "common/config/keys.h"

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

/* ---- the keys of an SA and of a policy (keys.h): YAML and CLI words ---- */

#define SA_OFF(f) offsetof(struct sa_desc, f)
#define POL_OFF(f) offsetof(struct policy_desc, f)

/* the 5-tuple of a selector inside struct T (member sel) */
#define SELECTOR_KEYS(T, grp, what)							\
	{ "src", K_PREFIX, offsetof(T, sel.src), .any_ok = true, .group = grp,		\
	  .def = "any", .help = "source prefix " what },					\
	{ "dst", K_PREFIX, offsetof(T, sel.dst), .any_ok = true, .group = grp,		\
	  .def = "any", .help = "destination prefix " what },				\
	{ "proto", K_PROTO, offsetof(T, sel.proto), .group = grp, .def = "any",		\
	  .help = "IP protocol " what ": a name (`tcp`, `udp`, `icmp`, `esp`, ...) or a number" }, \
	{ "sport", K_PORTS, offsetof(T, sel.sport_lo), offsetof(T, sel.sport_hi),	\
	  .group = grp, .def = "any", .help = "source ports " what ": `N` or `LO-HI`" },	\
	{ "dport", K_PORTS, offsetof(T, sel.dport_lo), offsetof(T, sel.dport_hi),	\
	  .group = grp, .def = "any", .help = "destination ports " what ": `N` or `LO-HI`" }

#define LIFE_KEY(f, what)								\
	{ #f, K_UINT, SA_OFF(life.f), .size = 8, .max = UINT64_MAX, .group = "lifetime",	\
	  .def = "0 (none)", .help = what }

static int
set_algorithm(void *o, const char *v, char *err, size_t el)
{
	int a = esp_alg_by_name(v);

	if (a < 0)
		return cfg_fail(err, el, "unknown algorithm '%s' (aes-gcm-128, aes-gcm-256, "
				"aes-cbc-128-sha256, aes-cbc-256-sha256, chacha20-poly1305)", v);
	((struct sa_desc *)o)->alg = a;
	return 0;
}

static int
set_udp_encap(void *o, const char *v, char *err, size_t el)
{
	struct sa_desc *sa = o;
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

static int
set_test_packets(void *o, const char *v, char *err, size_t el)
{
#ifdef ESPGW_TEST_HOOKS
	return cfg_parse_u64(v, UINT64_MAX, &((struct sa_desc *)o)->test_packets_used, err, el);
#else
	(void)o;
	(void)v;
	return cfg_fail(err, el, "test_packets_used needs a build with -Dtest_hooks=true");
#endif
}

static const struct cfg_word dir_words[] = {
	{ "inbound", SA_DIR_INBOUND }, { "outbound", SA_DIR_OUTBOUND },
	{ "=in", SA_DIR_INBOUND }, { "=out", SA_DIR_OUTBOUND }, { NULL, 0 },
};
static const struct cfg_word mode_words[] = {
	{ "tunnel", SA_MODE_TUNNEL }, { "transport", SA_MODE_TRANSPORT }, { NULL, 0 },
};
static const struct cfg_word lookup_words[] = {
	{ "spi", SAD_SPI }, { "spi-dst", SAD_SPI_DST }, { "spi-dst-src", SAD_SPI_DST_SRC },
	{ NULL, 0 },
};
static const struct cfg_word inner_words[] = {
	{ "ipv4", AF_INET }, { "ipv6", AF_INET6 }, { NULL, 0 },
};
static const struct cfg_word action_words[] = {
	{ "protect", SPD_PROTECT }, { "bypass", SPD_BYPASS }, { "discard", SPD_DISCARD },
	{ NULL, 0 },
};

const struct cfg_key cfg_sa_keys[] = {
	{ "name", K_NAME, SA_OFF(name), .def = "required", .help = "unique name" },
	{ "spi", K_UINT, SA_OFF(spi), .size = 4, .max = UINT32_MAX, .def = "required",
	  .help = "at least 256: 1..255 are reserved (RFC 4303 2.1)" },
	{ "direction", K_WORD, SA_OFF(dir), .size = sizeof(enum sa_dir), .words = dir_words,
	  .def = "outbound", .help = "`in` and `out` say the same" },
	{ "mode", K_WORD, SA_OFF(mode), .size = sizeof(enum sa_mode), .words = mode_words,
	  .def = "tunnel", .help = "" },
	{ "algorithm", K_FN, .fn = set_algorithm, .type = "word", .def = "required",
	  .help = "`aes-gcm-128`, `aes-gcm-256` (RFC 4106), `aes-cbc-128-sha256`, "
		  "`aes-cbc-256-sha256` (RFC 3602 + RFC 4868 HMAC-SHA-256-128), "
		  "`chacha20-poly1305` (RFC 7634)" },
	{ "key", K_HEXKEY, SA_OFF(enc_key), SA_OFF(enc_key_len), .def = "required",
	  .help = "hex (`0x...`); AEAD: key followed by the 4-byte salt (20/36/36 bytes); "
		  "CBC: 16/32 bytes" },
	{ "auth_key", K_HEXKEY, SA_OFF(auth_key), SA_OFF(auth_key_len),
	  .help = "CBC only: the 32-byte HMAC-SHA-256 key" },
	{ "local", K_ADDR, SA_OFF(local), .group = "tunnel",
	  .help = "tunnel endpoint: outer source of outbound packets, destination in the "
		  "inbound SAD key" },
	{ "remote", K_ADDR, SA_OFF(remote), .group = "tunnel",
	  .help = "the other tunnel endpoint" },
	{ "inner", K_WORD, SA_OFF(inner_family), .size = 1, .words = inner_words,
	  .def = "from the selector, else the outer family",
	  .help = "the family carried inside (librte_ipsec fixes one per SA)" },
	{ "lookup", K_WORD, SA_OFF(lookup), .size = sizeof(enum lookup_type),
	  .words = lookup_words, .def = "spi-dst", .help = "the inbound SAD key" },
	{ "replay_window", K_UINT, SA_OFF(replay_window), .size = 4, .max = REPLAY_WIN_MAX,
	  .def = "64", .help = "anti-replay window in packets (0 = off); with ESN at least "
				"64 is used" },
	{ "esn", K_BOOL, SA_OFF(esn), .def = "false",
	  .help = "64-bit extended sequence numbers (RFC 4303 2.2.1: the high half in the "
		  "ICV / AAD, never sent)" },
	{ "udp_encap", K_FN, .fn = set_udp_encap, .type = "boolean", .def = "false",
	  .help = "UDP-encapsulated ESP (RFC 3948), tunnel mode only: outbound ESP goes in "
		  "UDP `encap_sport` -> `encap_dport` (both 4500 unless given). Inbound, ESP "
		  "in UDP to port 4500 of a local address is accepted for every SA; UDP to "
		  "4500 with the zero non-ESP marker is IKE" },
	{ "encap_sport", K_UINT, SA_OFF(encap_sport), .size = 2, .min = 1, .max = 65535,
	  .def = "4500", .help = "UDP source port of outbound encapsulated ESP" },
	{ "encap_dport", K_UINT, SA_OFF(encap_dport), .size = 2, .min = 1, .max = 65535,
	  .def = "4500", .help = "UDP destination port (behind a NAT: the one the peer's NAT "
				  "mapped)" },
	SELECTOR_KEYS(struct sa_desc, "selector", "the decrypted packet must have (RFC 4301 5.2)"),
	LIFE_KEY(soft_bytes, "bytes after which the SA asks for a rekey"),
	LIFE_KEY(hard_bytes, "bytes after which the SA stops and is deleted"),
	LIFE_KEY(soft_packets, "packets after which the SA asks for a rekey (outbound "
			       "without ESN: at most 15/16 of 2^32-1)"),
	LIFE_KEY(hard_packets, "packets after which the SA stops and is deleted (outbound "
			       "without ESN: at most 2^32-1)"),
	LIFE_KEY(soft_seconds, "seconds after which the SA asks for a rekey"),
	LIFE_KEY(hard_seconds, "seconds after which the SA is deleted"),
	{ "test_packets_used", K_FN, .fn = set_test_packets, .type = "integer", .def = "0",
	  .help = "builds with `-Dtest_hooks=true` only: start as if N packets had used the SA" },
	{ .name = NULL },
};

const struct cfg_key cfg_policy_keys[] = {
	{ "name", K_NAME, POL_OFF(name), .def = "required", .help = "unique name" },
	{ "priority", K_UINT, POL_OFF(priority), .size = 4, .max = POLICY_PRIO_STATIC_MAX,
	  .def = "100", .help = "higher wins (999999 and above are IKE's: trap and CHILD_SA "
				"policies)" },
	{ "action", K_WORD, POL_OFF(action), .size = sizeof(enum spd_action),
	  .words = action_words, .def = "discard", .help = "`protect` needs `sa`" },
	{ "sa", K_NAME, POL_OFF(sa), .help = "the outbound SA of `protect`; its inner family "
					      "must match" },
	SELECTOR_KEYS(struct policy_desc, "selector", "the packet must have"),
	{ .name = NULL },
};

void
config_sa_defaults(struct sa_desc *sa)
{
	memset(sa, 0, sizeof(*sa));
	selector_any(&sa->sel);
	sa->lookup = SAD_SPI_DST;
	sa->replay_window = 64;
	sa->dir = SA_DIR_OUTBOUND;
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

/* Feed "key=value" words (the CLI form) through a section's key table. */
static int
apply_words(int argc, char **argv, void *obj, const struct cfg_key *keys, const char *what,
	    char *err, size_t el)
{
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		char key[40];
		int rc;
		if (eq == NULL || eq == argv[i] || (size_t)(eq - argv[i]) >= sizeof(key))
			return cfg_fail(err, el, "expected key=value, got '%s'", argv[i]);
		memcpy(key, argv[i], eq - argv[i]);
		key[eq - argv[i]] = '\0';
		rc = cfg_keys_set(keys, obj, key, eq + 1, err, el);
		if (rc > 0)
			return cfg_fail(err, el, "unknown %s key '%s'", what, key);
		if (rc < 0)
			return -1;
	}
	return 0;
}


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
	if (apply_words(argc, argv, sa, cfg_sa_keys, "SA", err, el) < 0)
		return -1;
	config_sa_finish(sa);
	return config_check_sa(sa, err, el);
}

int
config_parse_policy_words(int argc, char **argv, struct policy_desc *p,
			  char *err, size_t el)
{
	config_policy_defaults(p);
	if (apply_words(argc, argv, p, cfg_policy_keys, "policy", err, el) < 0)
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
