/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP in IKE_AUTH (RFC 7296 2.16) with EAP-MSCHAPv2 (RFC 3748 framing,
 * draft-kamath-pppext-eap-mschapv2, RFC 2759), both roles:
 *
 *   server                                   peer
 *   Request/Identity                ->
 *                                   <-       Response/Identity (the user)
 *   Request/MSCHAPv2 Challenge      ->
 *                                   <-       Response/MSCHAPv2 Response
 *   Request/MSCHAPv2 Success (S=..) ->                (NT-Response)
 *                                   <-       Response/MSCHAPv2 Success
 *   EAP-Success                     ->
 *
 * after which both hold the MSK that keys the final AUTH payloads. A
 * wrong name or password gets EAP-Failure. The user is the EAP identity
 * (its IKE identity may differ; MS-CHAPv2's name must be the same),
 * checked against the users of remote.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"
#include "control/ike/mschapv2.h"

enum { EAP_REQUEST = 1, EAP_RESPONSE = 2, EAP_SUCCESS = 3, EAP_FAILURE = 4 };
enum { EAP_IDENTITY = 1, EAP_MSCHAPV2 = 26 };
enum { MS_CHALLENGE = 1, MS_RESPONSE = 2, MS_SUCCESS = 3, MS_FAILURE = 4 };

static const char server_name[] = "espgw";

/* an EAP packet: code, identifier, then (request/response) type and data */
static size_t
eap_put(uint8_t *out, uint8_t code, uint8_t id, const uint8_t *data, size_t n)
{
	size_t len = 4 + n;

	out[0] = code;
	out[1] = id;
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	if (n)
		memcpy(out + 4, data, n);
	return len;
}

/* an MS-CHAPv2 packet inside EAP: type, opcode, id, MS-Length, value */
static size_t
ms_put(uint8_t *out, uint8_t opcode, uint8_t ms_id, const uint8_t *v, size_t n)
{
	size_t ml = 4 + n;

	out[0] = EAP_MSCHAPV2;
	out[1] = opcode;
	out[2] = ms_id;
	out[3] = (uint8_t)(ml >> 8);
	out[4] = (uint8_t)ml;
	memcpy(out + 5, v, n);
	return 1 + ml;
}

struct ike_eap *
ike_eap_new(void)
{
	return calloc(1, sizeof(struct ike_eap));
}

void
ike_eap_free(struct ike_eap *x)
{
	if (x) {
		free(x->first);
		ike_wipe(x, sizeof(*x));
		free(x);
	}
}

size_t
ike_eap_identity(struct ike_eap *x, uint8_t *out, size_t cap)
{
	uint8_t t = EAP_IDENTITY;

	if (cap < 5)
		return 0;
	ike_random(&x->id, 1);
	x->state = EAP_S_IDENTITY;
	return eap_put(out, EAP_REQUEST, x->id, &t, 1);
}

static size_t
challenge(struct ike_eap *x, uint8_t *out, size_t cap)
{
	uint8_t ms[1 + 4 + 1 + 16 + sizeof(server_name)], v[1 + 16 + sizeof(server_name)];
	size_t n;

	if (cap < 4 + sizeof(ms))
		return 0;
	ike_random(x->ac, 16);
	x->id++;
	ike_random(&x->ms_id, 1);
	v[0] = 16;
	memcpy(v + 1, x->ac, 16);
	memcpy(v + 17, server_name, sizeof(server_name) - 1);
	n = ms_put(ms, MS_CHALLENGE, x->ms_id, v, 17 + sizeof(server_name) - 1);
	x->state = EAP_S_CHALLENGE;
	return eap_put(out, EAP_REQUEST, x->id, ms, n);
}

/* the peer's EAP packet p (n bytes) for the server: the next one to send */
size_t
ike_eap_server(struct ike_eap *x, const struct ike_users *users, const uint8_t *p, size_t n,
	       uint8_t *out, size_t cap, char *user, size_t ulen)
{
	uint8_t ms[128], nt[16], want[24], v[64];
	char s[43];
	size_t len, ml;

	if (cap < 64 || n < 5 || p[0] != EAP_RESPONSE || p[1] != x->id ||
	    (size_t)(p[2] << 8 | p[3]) != n)
		return 0;
	if (x->state == EAP_S_IDENTITY && p[4] == EAP_IDENTITY) {
		if (n - 5 == 0 || n - 5 >= ulen || memchr(p + 5, 0, n - 5))
			return 0;
		memcpy(user, p + 5, n - 5);
		user[n - 5] = '\0';
		return challenge(x, out, cap);
	}
	if (p[4] != EAP_MSCHAPV2)
		return 0;
	if (x->state == EAP_S_CHALLENGE && n >= 10 + 49 && p[5] == MS_RESPONSE &&
	    p[6] == x->ms_id && p[9] == 49 && (size_t)(p[7] << 8 | p[8]) == n - 5) {
		/* Peer-Challenge, 8 reserved, NT-Response, flags, then the name */
		const uint8_t *pc = p + 10, *resp = p + 10 + 24;
		size_t nl = n - 10 - 49;
		bool ok;
		/* MS-CHAPv2's name: the EAP identity's */
		if (nl != strlen(user) || memcmp(p + 59, user, nl) != 0) {
			x->state = EAP_S_FAILED;
			return eap_put(out, EAP_FAILURE, ++x->id, NULL, 0);
		}
		ok = ike_users_nt_hash(users, user, nt) == 0 &&
		     mschapv2_nt_response(x->ac, pc, user, nt, want) == 0 &&
		     CRYPTO_memcmp(want, resp, 24) == 0;
		if (!ok || mschapv2_auth_response(nt, resp, pc, x->ac, user, s) < 0 ||
		    mschapv2_msk(nt, resp, x->msk) < 0) {
			ike_wipe(nt, sizeof(nt));
			x->state = EAP_S_FAILED;
			return eap_put(out, EAP_FAILURE, ++x->id, NULL, 0);
		}
		ike_wipe(nt, sizeof(nt));
		len = (size_t)snprintf((char *)v, sizeof(v), "%s M=welcome", s);
		ml = ms_put(ms, MS_SUCCESS, x->ms_id, v, len);
		x->state = EAP_S_SUCCESS_SENT;
		return eap_put(out, EAP_REQUEST, ++x->id, ms, ml);
	}
	if (x->state == EAP_S_SUCCESS_SENT && n == 6 && p[5] == MS_SUCCESS) {
		x->state = EAP_S_DONE;
		x->have_msk = true;
		return eap_put(out, EAP_SUCCESS, ++x->id, NULL, 0);
	}
	return 0;
}

/* the server's EAP packet p for the peer (user/password ours): the next one
 * to send; 0 when there is none (EAP-Success: the MSK is ready; or a
 * failure: state EAP_S_FAILED) */
size_t
ike_eap_peer(struct ike_eap *x, const char *user, const char *password, const uint8_t *p,
	     size_t n, uint8_t *out, size_t cap)
{
	uint8_t ms[128], v[49 + USER_NAME_LEN], nt[16];
	size_t ul = strlen(user), ml;

	if (n >= 4 && p[0] == EAP_SUCCESS && x->state == EAP_S_SUCCESS_SENT) {
		x->state = EAP_S_DONE;
		x->have_msk = true;
		return 0;
	}
	if (n == 5 && p[0] == EAP_REQUEST && p[4] == EAP_IDENTITY && p[2] == 0 && p[3] == 5 &&
	    x->state == EAP_S_NONE && cap >= 5 + ul) {
		x->id = p[1];
		v[0] = EAP_IDENTITY;
		memcpy(v + 1, user, ul);
		return eap_put(out, EAP_RESPONSE, x->id, v, 1 + ul);
	}
	if (n < 4 || p[0] != EAP_REQUEST || (size_t)(p[2] << 8 | p[3]) != n || n < 10 ||
	    p[4] != EAP_MSCHAPV2 || cap < 4 + 5 + sizeof(v) || ul >= USER_NAME_LEN) {
		x->state = EAP_S_FAILED;
		return 0;
	}
	x->id = p[1];
	if (p[5] == MS_CHALLENGE && x->state == EAP_S_NONE && n >= 10 + 16 && p[9] == 16) {
		memcpy(x->ac, p + 10, 16);
		x->ms_id = p[6];
		ike_random(x->pc, 16);
		memset(v, 0, sizeof(v));
		v[0] = 49;
		memcpy(v + 1, x->pc, 16);
		if (mschapv2_nt_hash(password, nt) < 0 ||
		    mschapv2_nt_response(x->ac, x->pc, user, nt, x->nt_resp) < 0 ||
		    mschapv2_msk(nt, x->nt_resp, x->msk) < 0) {
			ike_wipe(nt, sizeof(nt));
			x->state = EAP_S_FAILED;
			return 0;
		}
		memcpy(v + 1 + 16 + 8, x->nt_resp, 24);
		memcpy(v + 50, user, ul);
		ml = ms_put(ms, MS_RESPONSE, x->ms_id, v, 50 + ul);
		/* the server's proof to come: kept until then */
		if (mschapv2_auth_response(nt, x->nt_resp, x->pc, x->ac, user, x->want_s) < 0)
			x->state = EAP_S_FAILED;
		else
			x->state = EAP_S_CHALLENGE;
		ike_wipe(nt, sizeof(nt));
		return eap_put(out, EAP_RESPONSE, x->id, ms, ml);
	}
	if (p[5] == MS_SUCCESS && x->state == EAP_S_CHALLENGE && n >= 9 + 42 &&
	    CRYPTO_memcmp(p + 9, x->want_s, 42) == 0) {
		/* the server proved the password too: Success-Response */
		static const uint8_t ok[2] = { EAP_MSCHAPV2, MS_SUCCESS };
		x->state = EAP_S_SUCCESS_SENT;
		return eap_put(out, EAP_RESPONSE, x->id, ok, sizeof(ok));
	}
	x->state = EAP_S_FAILED;
	return 0;
}
