/* SPDX-License-Identifier: BSD-3-Clause */
/* X.509 and RFC 7427 signatures for IKEv2 (see cert.h). */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "control/ike/ike.h"
#include "control/ike/cert.h"

static int
fail(char *err, size_t el, const char *fmt, const char *a)
{
	snprintf(err, el, fmt, a);
	return -1;
}

int
ike_creds_load(struct ike_creds *c, const char *cert, const char *key, const char *ca,
	       char *err, size_t el)
{
	FILE *f;

	memset(c, 0, sizeof(*c));
	if (cert && *cert) {
		if ((f = fopen(cert, "r")) == NULL)
			return fail(err, el, "cannot open certificate %s", cert);
		c->cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
		if (c->cert == NULL)
			return fail(err, el, "%s: not a PEM certificate", cert);
	}
	if (key && *key) {
		if ((f = fopen(key, "r")) == NULL)
			return fail(err, el, "cannot open key %s", key);
		c->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (c->key == NULL)
			return fail(err, el, "%s: not a PEM private key", key);
		if (c->cert && X509_check_private_key(c->cert, c->key) != 1)
			return fail(err, el, "%s does not belong to the certificate", key);
	}
	if (ca && *ca) {
		X509_STORE *st = X509_STORE_new();
		c->ca = st;
		if (st == NULL || X509_STORE_load_file(st, ca) != 1)
			return fail(err, el, "%s: cannot load CA certificates", ca);
	}
	return 0;
}

void
ike_creds_free(struct ike_creds *c)
{
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
	X509_STORE_free(c->ca);
	memset(c, 0, sizeof(*c));
}

size_t
ike_cert_der(const struct ike_creds *c, uint8_t *out, size_t cap)
{
	int n = c->cert ? i2d_X509(c->cert, NULL) : 0;
	uint8_t *p = out;

	if (n <= 0 || (size_t)n > cap)
		return 0;
	return (size_t)i2d_X509(c->cert, &p);
}

int
ike_cert_subject_id(const struct ike_creds *c, struct ike_id *id)
{
	X509_NAME *nm = c->cert ? X509_get_subject_name(c->cert) : NULL;
	int n = nm ? i2d_X509_NAME(nm, NULL) : 0;
	uint8_t *p = id->data;

	if (n <= 0 || n > (int)sizeof(id->data))
		return -1;
	id->type = ID_DER_ASN1_DN;
	id->len = (uint8_t)i2d_X509_NAME(nm, &p);
	return 0;
}

size_t
ike_certreq_data(const struct ike_creds *c, uint8_t *out, size_t cap)
{
	STACK_OF(X509_OBJECT) *objs;
	size_t n = 0;

	if (c->ca == NULL)
		return 0;
	objs = X509_STORE_get0_objects(c->ca);
	for (int i = 0; i < sk_X509_OBJECT_num(objs); i++) {
		X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		uint8_t *der = NULL;
		int len;
		if (x == NULL || n + 20 > cap)
			continue;
		len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
		if (len > 0)
			EVP_Digest(der, len, out + n, NULL, EVP_sha1(), NULL), n += 20;
		OPENSSL_free(der);
	}
	return n;
}

/* RFC 7427 AlgorithmIdentifiers (DER) */
static const uint8_t ai_ecdsa256[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
	0x04, 0x03, 0x02 };
static const uint8_t ai_ecdsa384[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
	0x04, 0x03, 0x03 };
static const uint8_t ai_ecdsa512[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
	0x04, 0x03, 0x04 };
static const uint8_t ai_rsa256[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
	0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
static const uint8_t ai_rsa384[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
	0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00 };
static const uint8_t ai_rsa512[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
	0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00 };

static const struct {
	const uint8_t *ai;
	size_t len;
	const char *md;
	int key_type;
} sigalgs[] = {
	{ ai_ecdsa256, sizeof(ai_ecdsa256), "SHA256", EVP_PKEY_EC },
	{ ai_ecdsa384, sizeof(ai_ecdsa384), "SHA384", EVP_PKEY_EC },
	{ ai_ecdsa512, sizeof(ai_ecdsa512), "SHA512", EVP_PKEY_EC },
	{ ai_rsa256, sizeof(ai_rsa256), "SHA256", EVP_PKEY_RSA },
	{ ai_rsa384, sizeof(ai_rsa384), "SHA384", EVP_PKEY_RSA },
	{ ai_rsa512, sizeof(ai_rsa512), "SHA512", EVP_PKEY_RSA },
};

static size_t
sign_md(EVP_PKEY *k, const char *mdn, const uint8_t *octets, size_t n, uint8_t *out, size_t cap)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t slen = cap;
	int rc = md && EVP_DigestSignInit_ex(md, NULL, mdn, NULL, NULL, k, NULL) == 1 &&
		 EVP_DigestSign(md, out, &slen, octets, n) == 1;

	EVP_MD_CTX_free(md);
	return rc ? slen : 0;
}

static bool
verify_md(EVP_PKEY *k, const char *mdn, const uint8_t *sig, size_t sl, const uint8_t *octets,
	  size_t n)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = md && EVP_DigestVerifyInit_ex(md, NULL, mdn, NULL, NULL, k, NULL) == 1 &&
		  EVP_DigestVerify(md, sig, sl, octets, n) == 1;

	EVP_MD_CTX_free(md);
	return ok;
}

/* an ECDSA signature (DER, sl bytes; 0: none) as RFC 4754's r | s of
 * coord bytes each: its length, or 0 */
static size_t
rs_of_der(const uint8_t *der, size_t sl, size_t coord, uint8_t *out, size_t cap)
{
	const uint8_t *p = der;
	ECDSA_SIG *sig = sl ? d2i_ECDSA_SIG(NULL, &p, (long)sl) : NULL;
	const BIGNUM *r, *s;

	if (sig == NULL || cap < 2 * coord) {
		ECDSA_SIG_free(sig);
		return 0;
	}
	ECDSA_SIG_get0(sig, &r, &s);
	sl = BN_bn2binpad(r, out, (int)coord) == (int)coord &&
	     BN_bn2binpad(s, out + coord, (int)coord) == (int)coord ? 2 * coord : 0;
	ECDSA_SIG_free(sig);
	return sl;
}

/*
 * The method for a key without RFC 7427 (RFC 7296 3.8): RSA PKCS#1 v1.5
 * with SHA-1; ECDSA by curve with its SHA-2 (RFC 4754), whose signature is
 * r and s as `coord`-byte numbers. -1 for other keys.
 */
static int
classic_method(EVP_PKEY *k, const char **mdn, size_t *coord)
{
	*coord = 0;
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) {
		*mdn = "SHA1";
		return AUTH_RSA;
	}
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC)
		return -1;
	switch (EVP_PKEY_get_bits(k)) {
	case 256: *mdn = "SHA256"; *coord = 32; return AUTH_ECDSA_256;
	case 384: *mdn = "SHA384"; *coord = 48; return AUTH_ECDSA_384;
	case 521: *mdn = "SHA512"; *coord = 66; return AUTH_ECDSA_521;
	default: return -1;
	}
}

size_t
ike_sign(const struct ike_creds *c, bool digsig, const uint8_t *octets, size_t n, uint8_t *out,
	 size_t cap, uint8_t *method)
{
	EVP_PKEY *k = c->key;
	const char *mdn;
	size_t coord, sl;
	unsigned a = 0;

	if (k == NULL)
		return 0;
	if (!digsig) {
		uint8_t der[256];
		int m = classic_method(k, &mdn, &coord);
		if (m < 0)
			return 0;
		*method = (uint8_t)m;
		if (coord == 0)
			return sign_md(k, mdn, octets, n, out, cap);
		/* RFC 4754: r | s, not the DER that OpenSSL makes */
		sl = sign_md(k, mdn, octets, n, der, sizeof(der));
		return rs_of_der(der, sl, coord, out, cap);
	}
	*method = AUTH_DIGSIG;
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) {
		/* the hash that matches the curve (RFC 5656 style) */
		int bits = EVP_PKEY_get_bits(k);
		a = bits > 384 ? 2 : bits > 256 ? 1 : 0;
	} else if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) {
		a = 3;
	} else {
		return 0;
	}
	if (cap < 1 + sigalgs[a].len)
		return 0;
	out[0] = (uint8_t)sigalgs[a].len;
	memcpy(out + 1, sigalgs[a].ai, sigalgs[a].len);
	sl = sign_md(k, sigalgs[a].md, octets, n, out + 1 + sigalgs[a].len,
		     cap - 1 - sigalgs[a].len);
	return sl ? 1 + sigalgs[a].len + sl : 0;
}

int
ike_v1_method(const struct ike_creds *c)
{
	const char *mdn;
	size_t coord;
	int m = c->key && c->cert ? classic_method(c->key, &mdn, &coord) : -1;

	return m == AUTH_RSA ? 3 : m;
}

/* a signature of the bytes as they are, as the digest (IKEv1's): RSA
 * PKCS#1 v1.5 without DigestInfo, or ECDSA (DER) */
static size_t
raw(EVP_PKEY *k, bool sign, const uint8_t *d, size_t n, uint8_t *sig, size_t sl)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
	bool rsa = EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA;
	size_t out = sl;
	int ok = 0;

	if (c && sign)
		ok = EVP_PKEY_sign_init(c) == 1 &&
		     (!rsa || EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1) &&
		     EVP_PKEY_sign(c, sig, &out, d, n) == 1;
	else if (c)
		ok = EVP_PKEY_verify_init(c) == 1 &&
		     (!rsa || EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1) &&
		     EVP_PKEY_verify(c, sig, sl, d, n) == 1;
	EVP_PKEY_CTX_free(c);
	ERR_clear_error();
	return ok ? out : 0;
}

size_t
ike_v1_sign(const struct ike_creds *c, const uint8_t *hash, size_t n, uint8_t *out, size_t cap)
{
	uint8_t der[256];
	const char *mdn;
	size_t coord, sl;

	if (ike_v1_method(c) == 3)
		return raw(c->key, true, hash, n, out, cap);
	if (ike_v1_method(c) < 0)
		return 0;
	classic_method(c->key, &mdn, &coord);
	sl = raw(c->key, true, hash, n, der, sizeof(der));
	return rs_of_der(der, sl, coord, out, cap);
}

/* a classic AUTH (method 1, 9-11) by the leaf's key */
static bool
verify_classic(EVP_PKEY *k, uint8_t method, const uint8_t *octets, size_t n,
	       const uint8_t *auth, size_t alen)
{
	uint8_t *der = NULL;
	const char *mdn;
	size_t coord;
	ECDSA_SIG *sig;
	BIGNUM *r, *s;
	bool ok;
	int dl;

	if (method == IKE_V1_RSA_SIG)
		return EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA &&
		       raw(k, false, octets, n, (uint8_t *)auth, alen) != 0;
	if (method == IKE_V1_ECDSA_SIG) {
		if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC)
			return false;
		classic_method(k, &mdn, &coord);
	} else if (classic_method(k, &mdn, &coord) != method) {
		return false;
	}
	if (coord == 0)
		return verify_md(k, mdn, auth, alen, octets, n);
	if (alen != 2 * coord)
		return false;
	sig = ECDSA_SIG_new();
	r = BN_bin2bn(auth, (int)coord, NULL);
	s = BN_bin2bn(auth + coord, (int)coord, NULL);
	if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return false;
	}
	dl = i2d_ECDSA_SIG(sig, &der);
	ok = dl > 0 && (method == IKE_V1_ECDSA_SIG ? raw(k, false, octets, n, der, (size_t)dl) != 0
						    : verify_md(k, mdn, der, (size_t)dl, octets, n));
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	return ok;
}

/* does the certificate carry this identity? */
static bool
cert_has_id(X509 *x, const struct ike_id *id)
{
	char s[256];

	switch (id->type) {
	case ID_DER_ASN1_DN: {
		const uint8_t *p = id->data;
		X509_NAME *nm = d2i_X509_NAME(NULL, &p, id->len);
		bool ok = nm && X509_NAME_cmp(nm, X509_get_subject_name(x)) == 0;
		X509_NAME_free(nm);
		return ok;
	}
	case ID_FQDN:
		snprintf(s, sizeof(s), "%.*s", id->len, id->data);
		return X509_check_host(x, s, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
	case ID_RFC822_ADDR:
		snprintf(s, sizeof(s), "%.*s", id->len, id->data);
		return X509_check_email(x, s, 0, 0) == 1;
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		return X509_check_ip(x, id->data, id->len, 0) == 1;
	default:
		return false;
	}
}

int
ike_verify(const struct ike_creds *c, const uint8_t *const *certs, const size_t *lens,
	   unsigned ncerts, const struct ike_id *peer_id, const uint8_t *octets, size_t n,
	   uint8_t method, const uint8_t *auth, size_t alen, char *why, size_t wl)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509_STORE_CTX *vc = NULL;
	X509 *leaf = NULL;
	EVP_MD_CTX *md = NULL;
	unsigned a;
	int rc = -1;

	snprintf(why, wl, "no trusted CA");
	if (c->ca == NULL || ncerts == 0 || chain == NULL)
		goto out;
	for (unsigned i = 0; i < ncerts; i++) {
		const uint8_t *p = certs[i];
		X509 *x = d2i_X509(NULL, &p, (long)lens[i]);
		if (x == NULL || p != certs[i] + lens[i]) {
			X509_free(x);
			snprintf(why, wl, "malformed certificate");
			goto out;
		}
		if (i == 0)
			leaf = x;
		else
			sk_X509_push(chain, x);
	}
	vc = X509_STORE_CTX_new();
	if (vc == NULL || X509_STORE_CTX_init(vc, c->ca, leaf, chain) != 1 ||
	    X509_verify_cert(vc) != 1) {
		snprintf(why, wl, "certificate not trusted: %s",
			 vc ? X509_verify_cert_error_string(X509_STORE_CTX_get_error(vc)) : "?");
		goto out;
	}
	if (!cert_has_id(leaf, peer_id)) {
		snprintf(why, wl, "the certificate does not carry the peer's identity");
		goto out;
	}
	if (method != AUTH_DIGSIG) {
		if (!verify_classic(X509_get0_pubkey(leaf), method, octets, n, auth, alen)) {
			snprintf(why, wl, "bad signature (method %u)", method);
			goto out;
		}
		rc = 0;
		goto out;
	}
	/* RFC 7427 3: length | AlgorithmIdentifier | signature */
	for (a = 0; a < sizeof(sigalgs) / sizeof(sigalgs[0]); a++)
		if (alen > 1 + sigalgs[a].len && auth[0] == sigalgs[a].len &&
		    !memcmp(auth + 1, sigalgs[a].ai, sigalgs[a].len))
			break;
	if (a == sizeof(sigalgs) / sizeof(sigalgs[0]) ||
	    EVP_PKEY_get_base_id(X509_get0_pubkey(leaf)) != sigalgs[a].key_type) {
		snprintf(why, wl, "unsupported signature algorithm");
		goto out;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL ||
	    EVP_DigestVerifyInit_ex(md, NULL, sigalgs[a].md, NULL, NULL, X509_get0_pubkey(leaf),
				    NULL) != 1 ||
	    EVP_DigestVerify(md, auth + 1 + sigalgs[a].len, alen - 1 - sigalgs[a].len, octets,
			     n) != 1) {
		snprintf(why, wl, "bad signature");
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	X509_STORE_CTX_free(vc);
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

bool
ike_id_equal(const struct ike_id *a, const struct ike_id *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == ID_DER_ASN1_DN) {
		/* distinguished names compare canonically (string types, case) */
		const uint8_t *pa = a->data, *pb = b->data;
		X509_NAME *x = d2i_X509_NAME(NULL, &pa, a->len), *y = d2i_X509_NAME(NULL, &pb, b->len);
		bool eq = x && y && X509_NAME_cmp(x, y) == 0;
		X509_NAME_free(x);
		X509_NAME_free(y);
		ERR_clear_error();
		return eq;
	}
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

int
ike_dn_parse(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	X509_NAME *nm = X509_NAME_new();
	char buf[512], *save, *tok;
	uint8_t *p = out;
	int n;

	if (nm == NULL || strlen(s) >= sizeof(buf))
		goto fail;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		while (*tok == ' ')
			tok++;
		if (eq == NULL)
			goto fail;
		*eq = 0;
		if (X509_NAME_add_entry_by_txt(nm, tok, MBSTRING_UTF8, (uint8_t *)eq + 1, -1, -1,
					       0) != 1)
			goto fail;
	}
	n = i2d_X509_NAME(nm, NULL);
	if (n <= 0 || (size_t)n > cap)
		goto fail;
	*len = (size_t)i2d_X509_NAME(nm, &p);
	X509_NAME_free(nm);
	return 0;
fail:
	ERR_clear_error();
	X509_NAME_free(nm);
	return -1;
}
