/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MS-CHAPv2 (RFC 2759 8) and its keys (RFC 3079 3): the hashes and the
 * DES challenge response, with OpenSSL (MD4 and DES from the legacy
 * provider in a private library context).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "control/ike/mschapv2.h"

static OSSL_LIB_CTX *
legacy(void)
{
	static OSSL_LIB_CTX *ctx;

	if (ctx == NULL) {
		ctx = OSSL_LIB_CTX_new();
		if (ctx && (OSSL_PROVIDER_load(ctx, "legacy") == NULL ||
			    OSSL_PROVIDER_load(ctx, "default") == NULL)) {
			OSSL_LIB_CTX_free(ctx);
			ctx = NULL;
		}
	}
	return ctx;
}

static int
digest(OSSL_LIB_CTX *ctx, const char *alg, const void *a, size_t an, const void *b, size_t bn,
       const void *c, size_t cn, uint8_t *out)
{
	EVP_MD *md = EVP_MD_fetch(ctx, alg, NULL);
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	int rc = -1;

	if (md && m && EVP_DigestInit_ex(m, md, NULL) == 1 && EVP_DigestUpdate(m, a, an) == 1 &&
	    (bn == 0 || EVP_DigestUpdate(m, b, bn) == 1) &&
	    (cn == 0 || EVP_DigestUpdate(m, c, cn) == 1) && EVP_DigestFinal_ex(m, out, NULL) == 1)
		rc = 0;
	EVP_MD_CTX_free(m);
	EVP_MD_free(md);
	return rc;
}

int
mschapv2_nt_hash(const char *password, uint8_t out[16])
{
	uint8_t u[2 * 256];
	size_t n = strlen(password);
	int rc;

	if (n > 256 || legacy() == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((uint8_t)password[i] >= 0x80)
			return -1;
		u[2 * i] = (uint8_t)password[i];
		u[2 * i + 1] = 0;
	}
	rc = digest(legacy(), "MD4", u, 2 * n, NULL, 0, NULL, 0, out);
	OPENSSL_cleanse(u, sizeof(u));
	return rc;
}

/* ChallengeHash: SHA-1(PeerChallenge | AuthenticatorChallenge | UserName), 8 bytes */
static int
challenge_hash(const uint8_t pc[16], const uint8_t ac[16], const char *user, uint8_t out[8])
{
	uint8_t h[20];

	if (digest(NULL, "SHA1", pc, 16, ac, 16, user, strlen(user), h) < 0)
		return -1;
	memcpy(out, h, 8);
	return 0;
}

/* DesEncrypt: a 7-byte key spread over 8 with (ignored) parity bits */
static int
des_encrypt(const uint8_t clear[8], const uint8_t key7[7], uint8_t out[8])
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(legacy(), "DES-ECB", NULL);
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t k[8];
	int n = 0, rc = -1;

	k[0] = key7[0];
	for (int i = 1; i < 7; i++)
		k[i] = (uint8_t)(key7[i - 1] << (8 - i) | key7[i] >> i);
	k[7] = (uint8_t)(key7[6] << 1);
	if (c && x && EVP_EncryptInit_ex(x, c, NULL, k, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(x, 0) == 1 && EVP_EncryptUpdate(x, out, &n, clear, 8) == 1 &&
	    n == 8)
		rc = 0;
	OPENSSL_cleanse(k, sizeof(k));
	EVP_CIPHER_CTX_free(x);
	EVP_CIPHER_free(c);
	return rc;
}

int
mschapv2_nt_response(const uint8_t ac[16], const uint8_t pc[16], const char *user,
		     const uint8_t nt_hash[16], uint8_t out[24])
{
	uint8_t ch[8], z[21] = { 0 };
	int rc;

	if (legacy() == NULL || challenge_hash(pc, ac, user, ch) < 0)
		return -1;
	memcpy(z, nt_hash, 16);
	rc = des_encrypt(ch, z, out) | des_encrypt(ch, z + 7, out + 8) |
	     des_encrypt(ch, z + 14, out + 16);
	OPENSSL_cleanse(z, sizeof(z));
	return rc ? -1 : 0;
}

static const char magic_sign[] = "Magic server to client signing constant";
static const char magic_pad[] = "Pad to make it do more than one iteration";

int
mschapv2_auth_response(const uint8_t nt_hash[16], const uint8_t nt_response[24],
		       const uint8_t pc[16], const uint8_t ac[16], const char *user, char out[43])
{
	uint8_t hh[16], d[20], ch[8];

	if (digest(legacy(), "MD4", nt_hash, 16, NULL, 0, NULL, 0, hh) < 0 ||
	    digest(NULL, "SHA1", hh, 16, nt_response, 24, magic_sign, sizeof(magic_sign) - 1,
		   d) < 0 ||
	    challenge_hash(pc, ac, user, ch) < 0 ||
	    digest(NULL, "SHA1", d, 20, ch, 8, magic_pad, sizeof(magic_pad) - 1, d) < 0)
		return -1;
	out[0] = 'S';
	out[1] = '=';
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 + 2 * i, 3, "%02X", d[i]);
	OPENSSL_cleanse(hh, sizeof(hh));
	return 0;
}

/* RFC 3079 3.4: the master key, then each direction's start key */
static const char magic1[] = "This is the MPPE Master Key";
static const char magic2[] = "On the client side, this is the send key; on the server side, "
			     "it is the receive key.";
static const char magic3[] = "On the client side, this is the receive key; on the server "
			     "side, it is the send key.";

static int
start_key(const uint8_t master[16], const char *magic, uint8_t out[16])
{
	uint8_t pad1[40] = { 0 }, pad2[40], buf[16 + 40 + 84 + 40], d[20];
	size_t ml = strlen(magic), n = 0;

	memset(pad2, 0xf2, sizeof(pad2));
	memcpy(buf + n, master, 16);
	n += 16;
	memcpy(buf + n, pad1, 40);
	n += 40;
	memcpy(buf + n, magic, ml);
	n += ml;
	memcpy(buf + n, pad2, 40);
	n += 40;
	if (digest(NULL, "SHA1", buf, n, NULL, 0, NULL, 0, d) < 0)
		return -1;
	memcpy(out, d, 16);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

int
mschapv2_msk(const uint8_t nt_hash[16], const uint8_t nt_response[24],
	     uint8_t out[MSCHAPV2_MSK_LEN])
{
	uint8_t hh[16], d[20];
	int rc = -1;

	memset(out, 0, MSCHAPV2_MSK_LEN);
	if (digest(legacy(), "MD4", nt_hash, 16, NULL, 0, NULL, 0, hh) == 0 &&
	    digest(NULL, "SHA1", hh, 16, nt_response, 24, magic1, sizeof(magic1) - 1, d) == 0 &&
	    start_key(d, magic2, out) == 0 && start_key(d, magic3, out + 16) == 0)
		rc = 0;
	OPENSSL_cleanse(hh, sizeof(hh));
	OPENSSL_cleanse(d, sizeof(d));
	return rc;
}
