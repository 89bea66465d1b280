/* SPDX-License-Identifier: BSD-3-Clause */
/* Setting a field through its section's key table, and the docs' tables (keys.h). */
#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "common/config/config_int.h"
#include "common/config/keys.h"

const struct cfg_key *
cfg_key_find(const struct cfg_key *keys, const char *k)
{
	for (; keys->name != NULL; keys++)
		if (!strcmp(keys->name, k))
			return keys;
	return NULL;
}

/* "a, b or c": the words a key takes (aliases left out) */
static void
words_fmt(const struct cfg_word *w, char *out, size_t n)
{
	unsigned k = 0, total = 0;
	size_t off = 0;

	for (const struct cfg_word *x = w; x->word; x++)
		total += x->word[0] != '=';
	out[0] = '\0';
	for (; w->word; w++) {
		if (w->word[0] == '=')
			continue;
		off += snprintf(out + off, off < n ? n - off : 0, "%s%s", k == 0 ? "" :
				k + 1 == total ? " or " : ", ", w->word);
		k++;
	}
}

static const char *
word_text(const struct cfg_word *w)
{
	return w->word[0] == '=' ? w->word + 1 : w->word;
}

static int
range_fail(const struct cfg_key *x, char *err, size_t el)
{
	if (x->zero_ok)
		return cfg_fail(err, el, "%s must be 0 or %llu..%llu", x->name,
				(unsigned long long)x->min, (unsigned long long)x->max);
	return cfg_fail(err, el, "%s must be %llu..%llu", x->name, (unsigned long long)x->min,
			(unsigned long long)x->max);
}

static void
store(void *f, unsigned size, uint64_t v)
{
	switch (size) {
	case 1: *(uint8_t *)f = (uint8_t)v; break;
	case 2: *(uint16_t *)f = (uint16_t)v; break;
	case 4: *(uint32_t *)f = (uint32_t)v; break;
	default: *(uint64_t *)f = v; break;
	}
}

int
cfg_keys_set(const struct cfg_key *keys, void *obj, const char *k, const char *v, char *err,
	     size_t el)
{
	const struct cfg_key *x = cfg_key_find(keys, k);
	char *f, list[256];
	uint64_t u;

	if (x == NULL)
		return 1;
	f = (char *)obj + x->off;
	switch (x->kind) {
	case K_NAME:
		return cfg_parse_name(v, f, err, el);
	case K_UINT:
		if (cfg_parse_u64(v, UINT64_MAX, &u, err, el) < 0 ||
		    !((u >= x->min && u <= x->max) || (x->zero_ok && u == 0)))
			return range_fail(x, err, el);
		store(f, x->size, u);
		return 0;
	case K_BOOL:
		return cfg_parse_bool(v, (bool *)f, err, el);
	case K_ADDR:
		if (x->any_ok && !strcmp(v, "any")) {
			memset(f, 0, sizeof(struct ip_addr));
			return 0;
		}
		return cfg_parse_addr(v, (struct ip_addr *)f, err, el);
	case K_PREFIX:
		if (!x->any_ok && !strcmp(v, "any"))
			return cfg_fail(err, el, "'%s' is not a prefix (ADDRESS/LEN)", v);
		return cfg_parse_prefix(v, (struct ip_prefix *)f, err, el);
	case K_HEXKEY:
		return cfg_parse_key(v, (uint8_t *)f, (uint8_t *)obj + x->off2, err, el);
	case K_WORD:
		for (const struct cfg_word *w = x->words; w->word; w++)
			if (!strcmp(word_text(w), v)) {
				store(f, x->size, (uint64_t)(int64_t)w->value);
				return 0;
			}
		words_fmt(x->words, list, sizeof(list));
		return cfg_fail(err, el, "%s must be %s", x->name, list);
	case K_PROTO:
		return cfg_parse_proto(v, (uint8_t *)f, err, el);
	case K_PORTS:
		return cfg_parse_range(v, (uint16_t *)f, (uint16_t *)((char *)obj + x->off2), err,
				       el);
	case K_TEXT:
		if (strlen(v) < x->min || strlen(v) >= x->size || (x->abs && v[0] != '/'))
			return cfg_fail(err, el, "%s must be %s%u..%u characters", x->name,
					x->abs ? "an absolute path of " : "", (unsigned)x->min,
					x->size - 1);
		strcpy(f, v);
		return 0;
	case K_FN:
		return x->fn ? x->fn(obj, v, err, el) :
			       cfg_fail(err, el, "%s must be a list or a mapping", x->name);
	}
	return cfg_fail(err, el, "%s: no parser", x->name);
}

static const char *const kind_name[] = {
	[K_NAME] = "name", [K_UINT] = "integer", [K_BOOL] = "boolean", [K_ADDR] = "address",
	[K_PREFIX] = "prefix", [K_HEXKEY] = "hex", [K_WORD] = "word", [K_PROTO] = "protocol",
	[K_PORTS] = "ports", [K_TEXT] = "text", [K_FN] = "",
};

void
cfg_keys_markdown(const struct cfg_section *s, FILE *f)
{
	fprintf(f, "| key | type | values | default | meaning |\n|---|---|---|---|---|\n");
	for (const struct cfg_key *x = s->keys; x->name; x++) {
		char vals[256] = "";
		if (x->kind == K_UINT)
			snprintf(vals, sizeof(vals), "%s%llu..%llu", x->zero_ok ? "0, " : "",
				 (unsigned long long)x->min, (unsigned long long)x->max);
		else if (x->kind == K_WORD)
			words_fmt(x->words, vals, sizeof(vals));
		else if (x->kind == K_TEXT)
			snprintf(vals, sizeof(vals), "%s%u..%u characters", x->abs ? "absolute path, " : "",
				 (unsigned)x->min, x->size - 1);
		else if (x->kind == K_NAME)
			snprintf(vals, sizeof(vals), "1..%d of `a-z A-Z 0-9 - _ .`", NAME_MAX_LEN - 1);
		fprintf(f, "| `%s%s` | %s | %s | %s | %s%s%s%s |\n", s->prefix, x->name,
			x->type ? x->type : kind_name[x->kind], vals, x->def ? x->def : "",
			x->group ? "(also inside `" : "", x->group ? x->group : "",
			x->group ? ":`) " : "", x->help);
	}
}

int
config_print_keys(const char *section, FILE *f)
{
	for (const struct cfg_section *s = cfg_sections; s->name; s++)
		if (!strcmp(s->name, section)) {
			cfg_keys_markdown(s, f);
			return 0;
		}
	return -1;
}
