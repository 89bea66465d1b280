/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * X.509 authentication for IKEv2 through OpenSSL 3: our certificate and
 * key, a CA trust store, RFC 7427 "Digital Signature" AUTH payloads
 * (ECDSA P-256/P-384/P-521 and RSA PKCS#1 v1.5 with SHA-2), certificate
 * chain and identity checks.
 */
#ifndef ESPGW_IKE_CERT_H
#define ESPGW_IKE_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ike_id;

/* One connection's credentials; any part may be absent. */
struct ike_creds {
	void *cert;			/* X509 *: ours */
	void *key;			/* EVP_PKEY *: ours */
	void *ca;			/* X509_STORE *: whom we trust */
};

int ike_creds_load(struct ike_creds *c, const char *cert, const char *key, const char *ca,
		   char *err, size_t el);
void ike_creds_free(struct ike_creds *c);

/* our certificate, DER; returns its length or 0 */
size_t ike_cert_der(const struct ike_creds *c, uint8_t *out, size_t cap);
/* our subject as an ID_DER_ASN1_DN identity */
int ike_cert_subject_id(const struct ike_creds *c, struct ike_id *id);
/* CERTREQ data (3.7): SHA-1 of each trusted CA's SubjectPublicKeyInfo */
size_t ike_certreq_data(const struct ike_creds *c, uint8_t *out, size_t cap);

/*
 * AUTH data over `octets`: with digsig (the peer sent
 * SIGNATURE_HASH_ALGORITHMS) RFC 7427's length | AlgorithmIdentifier |
 * signature, method 14; without, the classic method of the key (RSA with
 * SHA-1: 1; ECDSA P-256/384/521: 9/10/11, RFC 4754). Returns its length.
 */
size_t ike_sign(const struct ike_creds *c, bool digsig, const uint8_t *octets, size_t n,
		uint8_t *out, size_t cap, uint8_t *method);
/*
 * Check the peer: its certificate (DER, plus intermediates) chains to our
 * CA store, binds the peer's ID, and signed `octets` as `auth` by `method`
 * (14: RFC 7427; 1, 9, 10, 11: classic, the key must fit the method).
 */
int ike_verify(const struct ike_creds *c, const uint8_t *const *certs, const size_t *lens,
	       unsigned ncerts, const struct ike_id *peer_id, const uint8_t *octets, size_t n,
	       uint8_t method, const uint8_t *auth, size_t alen, char *why, size_t wl);

/*
 * IKEv1 (RFC 2409 5.1, RFC 4754 8): the phase 1 authentication method of
 * our key (3: RSA signature; 9, 10, 11: ECDSA P-256/384/521), -1 for none;
 * and SIG_I/SIG_R over HASH_I/HASH_R, the hash itself signed as the digest:
 * RSA PKCS#1 v1.5 without DigestInfo, ECDSA as r | s (RFC 4754 8). ike_verify
 * takes IKE_V1_RSA_SIG and IKE_V1_ECDSA_SIG for these forms.
 */
#define IKE_V1_RSA_SIG 0xf3
#define IKE_V1_ECDSA_SIG 0xf4
int ike_v1_method(const struct ike_creds *c);
size_t ike_v1_sign(const struct ike_creds *c, const uint8_t *hash, size_t n, uint8_t *out,
		   size_t cap);

/* identities equal? (distinguished names canonically) */
bool ike_id_equal(const struct ike_id *a, const struct ike_id *b);
/* "C=CH, O=Example, CN=gw" -> DER of the name */
int ike_dn_parse(const char *s, uint8_t *out, size_t cap, size_t *len);

#endif
