/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP-MSCHAPv2's computations against the published examples: RFC 2759
 * 9.2 (NT hash, NT-Response, authenticator response) and RFC 3079 3.5.3
 * (the master key; its start keys, in the MSK as strongSwan and Windows
 * take it), and refusals (non-ASCII passwords, long ones).
 */
#include <stdio.h>
#include <string.h>

#include "control/ike/mschapv2.h"
#include "unit.h"

static void
hex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
}

static void
test_rfc2759(void)
{
	uint8_t ac[16], pc[16], nt[16], want_nt[16], resp[24], want_resp[24], msk[64], want[32];
	char s[43];

	hex("5B5D7C7D7B3F2F3E3C2C602132262628", ac, 16);
	hex("21402324255E262A28295F2B3A337C7E", pc, 16);
	hex("44EBBA8D5312B8D611474411F56989AE", want_nt, 16);
	hex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", want_resp, 24);
	CU_ASSERT_EQUAL_FATAL(mschapv2_nt_hash("clientPass", nt), 0);
	CU_ASSERT_EQUAL(memcmp(nt, want_nt, 16), 0);
	CU_ASSERT_EQUAL_FATAL(mschapv2_nt_response(ac, pc, "User", nt, resp), 0);
	CU_ASSERT_EQUAL(memcmp(resp, want_resp, 24), 0);
	CU_ASSERT_EQUAL_FATAL(mschapv2_auth_response(nt, resp, pc, ac, "User", s), 0);
	CU_ASSERT_STRING_EQUAL(s, "S=407A5589115FD0D6209F510FE9C04566932CDA56");
	/* RFC 3079 3.5.3: master key FDECE371...; the start keys from it */
	CU_ASSERT_EQUAL_FATAL(mschapv2_msk(nt, resp, msk), 0);
	hex("d5f0e9521e3ea9589645e86051c82226" "8b7cdc149b993a1ba118cb153f56dccb", want, 32);
	CU_ASSERT_EQUAL(memcmp(msk, want, 32), 0);
	for (int i = 32; i < 64; i++)
		CU_ASSERT_EQUAL(msk[i], 0);
	/* a wrong password gives another response */
	CU_ASSERT_EQUAL(mschapv2_nt_hash("clientPasS", nt), 0);
	CU_ASSERT_EQUAL(mschapv2_nt_response(ac, pc, "User", nt, resp), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(resp, want_resp, 24), 0);
	CU_ASSERT_EQUAL(mschapv2_nt_hash("caf\xc3\xa9", nt), -1);
	char longpw[300];
	memset(longpw, 'a', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	CU_ASSERT_EQUAL(mschapv2_nt_hash(longpw, nt), -1);
}

int
main(void)
{
	static const struct unit_test t[] = {
		{ "MS-CHAPv2: RFC 2759 9.2 and RFC 3079 3.5.3 examples", test_rfc2759 },
		{ NULL, NULL },
	};

	return unit_run("eap", t);
}
