/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 cryptography through OpenSSL 3 EVP: PRFs and prf+ (RFC 7296 2.13),
 * key exchange (MODP 2048, ECP 256/384/521 per RFC 5903, X25519 per RFC
 * 8031), SKEYSEED and the IKE SA keys (2.14), and the SK payload (3.14;
 * AES-GCM per RFC 5282, ChaCha20-Poly1305 per RFC 7634, AES-CBC with
 * HMAC-SHA2 per RFC 4868). Secrets are wiped with OPENSSL_cleanse.
 */
#ifndef ESPGW_IKE_CRYPTO_H
#define ESPGW_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/ike/msg.h"

#define IKE_MAX_PRF 64		/* SHA-512 */
#define IKE_MAX_KEY 36		/* AES-256 or ChaCha20 + 4-byte salt */
#define IKE_MAX_DH 256		/* MODP 2048 */
#define IKE_MAX_NONCE 256

/* One negotiated algorithm set (IKE or ESP). */
struct ike_algs {
	uint16_t encr, encr_bits;	/* ENCR_* and key size in bits */
	uint16_t prf;			/* IKE only */
	uint16_t integ;			/* 0 with AEAD */
	uint16_t dh;			/* 0: none (ESP without PFS) */
	bool esn;			/* ESP only */
};

bool ike_encr_aead(uint16_t encr);
size_t ike_encr_key_len(uint16_t encr, uint16_t bits);	/* bytes, with salt */
size_t ike_integ_key_len(uint16_t integ);
size_t ike_integ_icv_len(uint16_t integ);
size_t ike_prf_len(uint16_t prf);
bool ike_dh_supported(uint16_t group);

/* prf over concatenated pieces; out gets ike_prf_len(prf) bytes */
struct ike_iov {
	const void *p;
	size_t n;
};
int ike_prf(uint16_t prf, const uint8_t *key, size_t klen, const struct ike_iov *v,
	    unsigned nv, uint8_t *out);
/* prf+ (RFC 7296 2.13): outlen bytes of T1 | T2 | ... */
int ike_prf_plus(uint16_t prf, const uint8_t *key, size_t klen, const struct ike_iov *v,
		 unsigned nv, uint8_t *out, size_t outlen);

/* ---- key exchange ---- */
struct ike_dh;
struct ike_dh *ike_dh_new(uint16_t group);
uint16_t ike_dh_group(const struct ike_dh *d);
/* our public value in IKE encoding; returns its length or 0 */
size_t ike_dh_public(struct ike_dh *d, uint8_t *out, size_t cap);
/* the shared secret; rejects malformed or degenerate peer values */
int ike_dh_shared(struct ike_dh *d, const uint8_t *peer, size_t plen, uint8_t *out,
		  size_t *olen);
void ike_dh_free(struct ike_dh *d);

/* ---- IKE SA keys ---- */
struct ike_keys {
	struct ike_algs a;
	size_t prf_len, ekey_len, akey_len, icv_len;
	uint8_t sk_d[IKE_MAX_PRF], sk_pi[IKE_MAX_PRF], sk_pr[IKE_MAX_PRF];
	uint8_t sk_ai[IKE_MAX_PRF], sk_ar[IKE_MAX_PRF];
	uint8_t sk_ei[IKE_MAX_KEY], sk_er[IKE_MAX_KEY];
};

/*
 * SKEYSEED = prf(Ni | Nr, g^ir), or for an IKE SA rekey
 * prf(SK_d(old), g^ir | Ni | Nr) when old_skd is given; then the seven
 * keys from prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
 */
int ike_derive_ike_keys(struct ike_keys *k, const struct ike_algs *a,
			const uint8_t *gir, size_t girlen,
			const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			uint64_t spi_i, uint64_t spi_r,
			const uint8_t *old_skd, uint16_t old_prf);
void ike_keys_wipe(struct ike_keys *k);

/* KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr) for one CHILD_SA: four keys */
struct ike_child_keys {
	size_t ekey_len, akey_len;
	uint8_t ei[IKE_MAX_KEY], ai[IKE_MAX_PRF];	/* initiator -> responder */
	uint8_t er[IKE_MAX_KEY], ar[IKE_MAX_PRF];	/* responder -> initiator */
};
int ike_derive_child_keys(struct ike_child_keys *ck, const struct ike_keys *k,
			  const struct ike_algs *esp, const uint8_t *gir, size_t girlen,
			  const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen);

/* ---- SK payload ---- */
/*
 * Seal: b holds the header (and any plaintext payloads); appends the SK
 * payload carrying `inner` (a payload chain starting with type `first`),
 * fixes every length and protects it. `as_initiator` picks SK_ei/SK_ai.
 * Returns the message length, 0 on failure.
 */
size_t ike_sk_seal(const struct ike_keys *k, bool as_initiator, struct ike_buf *b,
		   uint8_t first, const uint8_t *inner, size_t ilen);
/*
 * The same as one Encrypted Fragment payload (SKF, RFC 7383 2.5): fragment
 * `frag` of `total` carries this piece of the inner chain; `first` is the
 * chain's first payload type in fragment 1, 0 in the others.
 */
size_t ike_skf_seal(const struct ike_keys *k, bool as_initiator, struct ike_buf *b,
		    uint8_t first, const uint8_t *inner, size_t ilen, uint16_t frag,
		    uint16_t total);
/*
 * Open the SK payload `sk` of message m (sent by the initiator if
 * `from_initiator`): checks the ICV in constant time, decrypts into out,
 * returns the inner chain's length or -1. For an SKF payload, `sk` is its
 * body past the fragment numbers: the IV onwards.
 */
int ike_sk_open(const struct ike_keys *k, bool from_initiator, const struct ike_msg *m,
		const struct ike_pl *sk, uint8_t *out, size_t cap);

int ike_random(void *p, size_t n);

/*
 * Unpredictable, unique 32-bit SPIs (ESP/AH; RFC 4301 4.1 lets the
 * receiver choose): a counter through a keyed 4-round Feistel permutation
 * of 32 bits, so no value repeats before 2^32 allocations and without the
 * key the next one cannot be told from the ones seen. 0..255 are reserved
 * (RFC 4303 2.1) and skipped by cycle-walking, which keeps it one-to-one.
 */
struct spi_perm {
	uint8_t key[32];
	uint32_t ctr;
};
int spi_perm_init(struct spi_perm *p);
uint32_t spi_perm_next(struct spi_perm *p);
void ike_wipe(void *p, size_t n);

#endif
