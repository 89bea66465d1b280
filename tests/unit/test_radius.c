/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MS-MPPE key attributes (control/mppe.c, RFC 2548 2.4.2): a known answer
 * computed with Python's hashlib (secret "s3cret", authenticator 00..0f,
 * salt 0x9234, the 32-byte key 40..5f); every byte flipped gives another
 * key or a refusal, never more than the buffer; every cut length and a
 * salt without its high bit are refused; a wrong secret gives another key.
 */
#include <string.h>

#include "control/mppe.h"
#include "unit.h"

static const char attr_hex[] =
	"9234e33e3f36aadadb4617db37bbffa6a0bfb431872544b47d503f371d7a469f3d0dc6a92b5493df65e17ec3c91f2cbd13f3";

static size_t
unhex(const char *h, uint8_t *out)
{
	size_t n = strlen(h) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void
test_known_answer(void)
{
	uint8_t v[64], vec[16], key[64], want[32];
	size_t n = unhex(attr_hex, v);

	for (int i = 0; i < 16; i++)
		vec[i] = (uint8_t)i;
	for (int i = 0; i < 32; i++)
		want[i] = (uint8_t)(0x40 + i);
	CU_ASSERT_EQUAL(n, 50);
	CU_ASSERT_EQUAL(radius_mppe_key(v, n, "s3cret", vec, key, sizeof(key)), 32);
	CU_ASSERT(memcmp(key, want, 32) == 0);
	/* too small a buffer, another secret */
	CU_ASSERT_EQUAL(radius_mppe_key(v, n, "s3cret", vec, key, 31), -1);
	CU_ASSERT(radius_mppe_key(v, n, "S3cret", vec, key, sizeof(key)) != 32 ||
		  memcmp(key, want, 32) != 0);
}

static void
test_mutated(void)
{
	uint8_t v[64], m[64], vec[16] = { 0 }, key[32];
	size_t n = unhex(attr_hex, v);

	for (int i = 0; i < 16; i++)
		vec[i] = (uint8_t)i;
	for (size_t len = 0; len < n; len++)
		CU_ASSERT_EQUAL(radius_mppe_key(v, len, "s3cret", vec, key, sizeof(key)), -1);
	for (size_t pos = 0; pos < n; pos++)
		for (int bit = 0; bit < 8; bit++) {
			int r;
			memcpy(m, v, n);
			m[pos] ^= (uint8_t)(1 << bit);
			r = radius_mppe_key(m, n, "s3cret", vec, key, sizeof(key));
			CU_ASSERT(r == -1 || (r > 0 && r <= (int)sizeof(key)));
		}
	memcpy(m, v, n);
	m[0] &= 0x7f;
	CU_ASSERT_EQUAL(radius_mppe_key(m, n, "s3cret", vec, key, sizeof(key)), -1);
}

int
main(void)
{
	static const struct unit_test t[] = {
		{ "MS-MPPE key: known answer, small buffer, wrong secret", test_known_answer },
		{ "MS-MPPE key: every cut and flipped bit: refused or bounded", test_mutated },
		{ NULL, NULL },
	};

	return unit_run("radius", t);
}
