/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The remote-access users, sorted by name for a binary search; their
 * passwords wiped when the store goes.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "control/ike/mschapv2.h"
#include "control/ike/users.h"

struct ike_users {
	unsigned n;
	struct user_desc u[];
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct user_desc *)a)->name, ((const struct user_desc *)b)->name);
}

struct ike_users *
ike_users_new(const struct user_desc *u, unsigned n)
{
	struct ike_users *s = calloc(1, sizeof(*s) + (size_t)n * sizeof(s->u[0]));

	if (s == NULL)
		return NULL;
	s->n = n;
	if (n) {
		memcpy(s->u, u, (size_t)n * sizeof(s->u[0]));
		qsort(s->u, n, sizeof(s->u[0]), by_name);
	}
	return s;
}

void
ike_users_free(struct ike_users *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s->u, (size_t)s->n * sizeof(s->u[0]));
	free(s);
}

unsigned
ike_users_count(const struct ike_users *s)
{
	return s ? s->n : 0;
}

bool
ike_users_check(const struct ike_users *s, const uint8_t *name, size_t nlen, const uint8_t *pw,
		size_t plen)
{
	struct user_desc key;
	const struct user_desc *hit = NULL;
	static const struct user_desc nobody;
	uint8_t given[USER_PASS_LEN] = { 0 };
	bool ok;

	memset(&key, 0, sizeof(key));
	if (s && nlen > 0 && nlen < sizeof(key.name) && !memchr(name, 0, nlen)) {
		memcpy(key.name, name, nlen);
		hit = bsearch(&key, s->u, s->n, sizeof(s->u[0]), by_name);
	}
	ok = hit != NULL && plen > 0 && plen < USER_PASS_LEN && !memchr(pw, 0, plen);
	if (plen < USER_PASS_LEN)
		memcpy(given, pw, plen);
	/* the whole field either way: no timing of where it differs */
	ok &= CRYPTO_memcmp(given, (hit ? hit : &nobody)->password, USER_PASS_LEN) == 0;
	OPENSSL_cleanse(given, sizeof(given));
	return ok;
}

int
ike_users_nt_hash(const struct ike_users *s, const char *name, uint8_t out[16])
{
	struct user_desc key;
	const struct user_desc *hit = NULL;

	memset(&key, 0, sizeof(key));
	if (s && strlen(name) < sizeof(key.name)) {
		strcpy(key.name, name);
		hit = bsearch(&key, s->u, s->n, sizeof(s->u[0]), by_name);
	}
	/* (an unknown name costs the same hash) */
	if (mschapv2_nt_hash(hit ? hit->password : "no such user", out) < 0 || hit == NULL) {
		OPENSSL_cleanse(out, 16);
		return -1;
	}
	return 0;
}
