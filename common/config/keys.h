/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration's keys as tables: for each section one table of its
 * keys (name, type, range or words, default, help). The YAML loader and
 * the CLI's key=value words set fields through them, and the reference
 * tables of docs/configuration.md are printed from them (espgw
 * --print-keys), so the three cannot disagree.
 */
#ifndef ESPGW_CONFIG_KEYS_H
#define ESPGW_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cfg_kind {
	K_NAME,		/* char[NAME_MAX_LEN]: letters, digits, '-', '_', '.' */
	K_UINT,		/* an unsigned field of `size` bytes, min..max (0 too: zero_ok) */
	K_BOOL,		/* bool */
	K_ADDR,		/* struct ip_addr; "any" clears it when any_ok */
	K_PREFIX,	/* struct ip_prefix; "any" = everything */
	K_HEXKEY,	/* key bytes (MAX_KEY_LEN) at off, their count (uint8_t) at off2 */
	K_WORD,		/* one of words[], its value stored in a field of `size` bytes */
	K_PROTO,	/* uint8_t: a name (tcp, udp, ...) or a number */
	K_PORTS,	/* uint16_t lo at off, hi at off2: N, LO-HI or any */
	K_TEXT,		/* char[size]: not empty; an absolute path when abs */
	K_FN,		/* fn does it */
};

struct cfg_word {
	const char *word;
	int value;
};

struct cfg_key {
	const char *name;
	enum cfg_kind kind;
	size_t off, off2;
	unsigned size;			/* K_UINT, K_WORD: field bytes; K_TEXT: capacity */
	uint64_t min, max;		/* K_UINT */
	bool zero_ok;			/* K_UINT: 0 besides min..max */
	bool any_ok;			/* K_ADDR */
	bool abs;			/* K_TEXT: an absolute path */
	const struct cfg_word *words;	/* K_WORD, ends with a NULL word */
	int (*fn)(void *obj, const char *v, char *err, size_t el);	/* K_FN */
	const char *group;		/* the nested map it may also sit in */
	const char *type;		/* docs: the type of a K_FN key */
	const char *def;		/* the default, as the docs say it */
	const char *help;		/* what it is, for the docs */
};

/* A section: its keys (ending with a NULL name) and how the docs name it. */
struct cfg_section {
	const char *name;		/* sas, policies, connections, ..., "" = top */
	const char *what;		/* in errors: "unknown <what> key" */
	const struct cfg_key *keys;
	const char *prefix;		/* docs: "eal." for the eal map, else "" */
};

/* sets key k of obj from text v: 0, -1 with err, 1 when k is not in keys */
int cfg_keys_set(const struct cfg_key *keys, void *obj, const char *k, const char *v,
		 char *err, size_t el);
const struct cfg_key *cfg_key_find(const struct cfg_key *keys, const char *k);
/* the docs' table of a section (markdown) */
void cfg_keys_markdown(const struct cfg_section *s, FILE *f);

/* every section, ending with a NULL name (keys.c) */
extern const struct cfg_section cfg_sections[];
extern const struct cfg_key cfg_sa_keys[], cfg_policy_keys[], cfg_conn_keys[];
extern const struct cfg_key cfg_top_keys[], cfg_eal_keys[], cfg_ike_keys[], cfg_neigh_keys[];
extern const struct cfg_key cfg_port_keys[], cfg_route_keys[];
extern const struct cfg_key cfg_user_keys[], cfg_pool_keys[], cfg_radius_keys[];

#endif
