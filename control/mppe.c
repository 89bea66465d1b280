/* SPDX-License-Identifier: BSD-3-Clause */
/* MS-MPPE key attributes (mppe.h). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "control/mppe.h"

/*
 * RFC 2548 2.4.2: salt (2), then 16-byte blocks c(i) = p(i) xor b(i) with
 * b(1) = MD5(secret + request authenticator + salt), b(i) = MD5(secret +
 * c(i-1)); the plaintext is the key's length, the key, padding
 */
int
radius_mppe_key(const uint8_t *v, size_t n, const char *secret, const uint8_t *vector,
		uint8_t *out, size_t cap)
{
	uint8_t plain[256], b[16];
	size_t k;

	/* (a salt's high bit is set, 2.4.2) */
	if (n < 2 + 16 || (n - 2) % 16 != 0 || n - 2 > sizeof(plain) || !(v[0] & 0x80))
		return -1;
	for (size_t i = 2; i < n; i += 16) {
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		int ok = c && EVP_DigestInit_ex(c, EVP_md5(), NULL) &&
			 EVP_DigestUpdate(c, secret, strlen(secret)) &&
			 (i == 2 ? EVP_DigestUpdate(c, vector, 16) && EVP_DigestUpdate(c, v, 2) :
				   EVP_DigestUpdate(c, v + i - 16, 16)) &&
			 EVP_DigestFinal_ex(c, b, NULL);
		EVP_MD_CTX_free(c);
		if (!ok)
			return -1;
		for (size_t j = 0; j < 16; j++)
			plain[i - 2 + j] = v[i + j] ^ b[j];
	}
	k = plain[0];
	if (k == 0 || k > n - 3 || k > cap) {
		OPENSSL_cleanse(plain, sizeof(plain));
		return -1;
	}
	memcpy(out, plain + 1, k);
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(b, sizeof(b));
	return (int)k;
}
