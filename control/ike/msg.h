/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 messages (RFC 7296 section 3): a bounds-checked decoder for
 * untrusted bytes and an encoder that chains payloads. Nothing here holds
 * state or keys; the exchange files of control/ike/ drive it.
 */
#ifndef ESPGW_IKE_MSG_H
#define ESPGW_IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_HDR_LEN 28
#define IKE_MAX_MSG 65535

enum ike_exchange {
	IKE_SA_INIT = 34, IKE_AUTH = 35, CREATE_CHILD_SA = 36, INFORMATIONAL = 37,
};

#define IKE_FLAG_I 0x08		/* sent by the original initiator */
#define IKE_FLAG_R 0x20		/* a response */

enum ike_payload {
	PL_NONE = 0, PL_SA = 33, PL_KE = 34, PL_IDI = 35, PL_IDR = 36, PL_CERT = 37,
	PL_CERTREQ = 38, PL_AUTH = 39, PL_NONCE = 40, PL_NOTIFY = 41, PL_DELETE = 42,
	PL_VENDOR = 43, PL_TSI = 44, PL_TSR = 45, PL_SK = 46, PL_CP = 47, PL_EAP = 48,
	PL_SKF = 53,
};

enum ike_proto { PROTO_IKE = 1, PROTO_AH = 2, PROTO_ESP = 3 };

enum ike_transform_type { TT_ENCR = 1, TT_PRF = 2, TT_INTEG = 3, TT_DH = 4, TT_ESN = 5 };

/* the transform IDs espgw implements (IANA IKEv2 registry) */
enum {
	ENCR_AES_CBC = 12, ENCR_AES_GCM_16 = 20, ENCR_CHACHA20_POLY1305 = 28,
	ENCR_3DES = 3, PRF_HMAC_SHA1 = 2, AUTH_HMAC_SHA1_96 = 2,	/* IKEv1 phase 1 only */
	PRF_HMAC_SHA2_256 = 5, PRF_HMAC_SHA2_384 = 6, PRF_HMAC_SHA2_512 = 7,
	AUTH_HMAC_SHA2_256_128 = 12, AUTH_HMAC_SHA2_384_192 = 13, AUTH_HMAC_SHA2_512_256 = 14,
	DH_MODP2048 = 14, DH_ECP256 = 19, DH_ECP384 = 20, DH_ECP521 = 21, DH_CURVE25519 = 31,
};
#define ATTR_KEY_LENGTH 14	/* transform attribute, TV format */

enum ike_id_type {
	ID_IPV4_ADDR = 1, ID_FQDN = 2, ID_RFC822_ADDR = 3, ID_IPV6_ADDR = 5,
	ID_DER_ASN1_DN = 9, ID_KEY_ID = 11,
};

enum ike_auth_method {
	AUTH_RSA = 1, AUTH_PSK = 2, AUTH_ECDSA_256 = 9, AUTH_ECDSA_384 = 10, AUTH_ECDSA_521 = 11,
	AUTH_DIGSIG = 14,
};

enum ike_notify {
	N_UNSUPPORTED_CRITICAL_PAYLOAD = 1, N_INVALID_IKE_SPI = 4,
	N_INVALID_MAJOR_VERSION = 5, N_INVALID_SYNTAX = 7, N_INVALID_MESSAGE_ID = 9,
	N_INVALID_SPI = 11, N_NO_PROPOSAL_CHOSEN = 14, N_INVALID_KE_PAYLOAD = 17,
	N_AUTHENTICATION_FAILED = 24, N_SINGLE_PAIR_REQUIRED = 34,
	N_NO_ADDITIONAL_SAS = 35, N_TS_UNACCEPTABLE = 38, N_INVALID_SELECTORS = 39,
	N_UNACCEPTABLE_ADDRESSES = 40, N_UNEXPECTED_NAT_DETECTED = 41,
	N_TEMPORARY_FAILURE = 43, N_CHILD_SA_NOT_FOUND = 44,
	N_ERROR_MAX = 16383,
	N_INITIAL_CONTACT = 16384, N_SET_WINDOW_SIZE = 16385,
	N_NAT_DETECTION_SOURCE_IP = 16388, N_NAT_DETECTION_DESTINATION_IP = 16389,
	N_COOKIE = 16390, N_USE_TRANSPORT_MODE = 16391, N_REKEY_SA = 16393,
	N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394, N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	/* MOBIKE (RFC 4555) */
	N_MOBIKE_SUPPORTED = 16396, N_ADDITIONAL_IP4_ADDRESS = 16397,
	N_ADDITIONAL_IP6_ADDRESS = 16398, N_NO_ADDITIONAL_ADDRESSES = 16399,
	N_UPDATE_SA_ADDRESSES = 16400, N_COOKIE2 = 16401, N_NO_NATS_ALLOWED = 16402,
	N_REDIRECT_SUPPORTED = 16406, N_REDIRECT = 16407, N_REDIRECTED_FROM = 16408,
	N_EAP_ONLY_AUTHENTICATION = 16417, N_CHILDLESS_IKEV2_SUPPORTED = 16418, N_IKEV2_FRAGMENTATION_SUPPORTED = 16430, N_SIGNATURE_HASH_ALGORITHMS = 16431,
};

enum { TS_IPV4_ADDR_RANGE = 7, TS_IPV6_ADDR_RANGE = 8 };

/* big-endian reads of checked bytes */
static inline uint16_t
ike_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
ike_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
ike_getn(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---- decoded message ---- */

struct ike_hdr {
	uint64_t spi_i, spi_r;		/* host order */
	uint8_t next, version, exchange, flags;
	uint32_t msg_id, length;
};

struct ike_pl {
	uint8_t type;
	bool critical;
	const uint8_t *body;		/* after the generic header */
	uint16_t len;			/* of body */
};

#define IKE_MAX_PL 32

struct ike_msg {
	struct ike_hdr h;
	const uint8_t *raw;		/* the whole message */
	size_t raw_len;
	unsigned n;
	unsigned n_plain;		/* pl[0..n_plain) were outside SK/SKF */
	struct ike_pl pl[IKE_MAX_PL];
};

/* Parse errors name the notify to answer with (0: drop silently). */
struct ike_err {
	int notify;
	const char *why;
	uint8_t pl_type;		/* UNSUPPORTED_CRITICAL_PAYLOAD: the type */
};

/* e says why, and which notify answers it; returns -1 */
static inline int
ike_fail(struct ike_err *e, int notify, const char *why)
{
	e->notify = notify;
	e->why = why;
	return -1;
}

int ike_hdr_parse(const uint8_t *b, size_t len, struct ike_hdr *h, struct ike_err *e);
/* the header of either major version (ISAKMP's is the same 28 bytes) */
int ike_hdr_read(const uint8_t *b, size_t len, struct ike_hdr *h, unsigned major,
		 struct ike_err *e);
/* The header and the plaintext payload chain (the SK payload's body raw). */
int ike_msg_parse(const uint8_t *b, size_t len, struct ike_msg *m, struct ike_err *e);
/* Payloads decrypted from SK, appended to m: chain starting with `first`. */
int ike_chain_parse(uint8_t first, const uint8_t *b, size_t len, struct ike_msg *m,
		    struct ike_err *e);
const struct ike_pl *ike_find(const struct ike_msg *m, uint8_t type);
/*
 * The payload rules of the message's exchange and direction (RFC 7296
 * 1.2-1.5, 3): each payload type allowed at most its maximum number of
 * times, at least its minimum (not in a response carrying an error notify
 * or a cookie: those stand alone), and inside SK unless the exchange is
 * IKE_SA_INIT. A type the exchange does not carry is refused. So a
 * duplicated, missing or misplaced payload is refused here, and an
 * exchange may read the first of a type with ike_find. -1 with e->why.
 */
int ike_msg_check(const struct ike_msg *m, struct ike_err *e);

struct ike_transform {
	uint8_t type;
	uint16_t id;
	uint16_t key_len;		/* bits; 0 = none given */
};

#define IKE_MAX_TRANSFORMS 32
struct ike_proposal {
	uint8_t num, proto, spi_size;
	uint64_t spi;			/* host order; IKE rekey 8 bytes, ESP 4 */
	unsigned n;
	struct ike_transform t[IKE_MAX_TRANSFORMS];
};

#define IKE_MAX_PROPOSALS 16
int ike_sa_parse(const struct ike_pl *p, struct ike_proposal *out, unsigned max,
		 unsigned *n, struct ike_err *e);

struct ike_notify_pl {
	uint8_t proto, spi_size;
	uint16_t type;
	uint64_t spi;
	const uint8_t *data;
	uint16_t data_len;
};
int ike_notify_parse(const struct ike_pl *p, struct ike_notify_pl *n, struct ike_err *e);
const struct ike_pl *ike_find_notify(const struct ike_msg *m, uint16_t type,
				     struct ike_notify_pl *n);

struct ike_ts {
	uint8_t type, proto;
	uint16_t port_lo, port_hi;
	uint8_t lo[16], hi[16];		/* 4 or 16 bytes used */
};
#define IKE_MAX_TS 16
int ike_ts_parse(const struct ike_pl *p, struct ike_ts *out, unsigned max, unsigned *n,
		 struct ike_err *e);

struct ike_delete_pl {
	uint8_t proto, spi_size;
	uint16_t n;
	const uint8_t *spis;
};
int ike_delete_parse(const struct ike_pl *p, struct ike_delete_pl *d, struct ike_err *e);

/* KE: group and public value; ID and AUTH: type byte and data */
int ike_ke_parse(const struct ike_pl *p, uint16_t *group, const uint8_t **data,
		 size_t *len, struct ike_err *e);
int ike_typed_parse(const struct ike_pl *p, uint8_t *type, const uint8_t **data,
		    size_t *len, struct ike_err *e);

/* ---- encoder ---- */

struct ike_buf {
	uint8_t *p;
	size_t len, cap;
	size_t np_off;			/* where the next payload type goes */
	bool overflow;
};

void ike_buf_init(struct ike_buf *b, uint8_t *mem, size_t cap);
void ike_put(struct ike_buf *b, const void *d, size_t n);
void ike_put8(struct ike_buf *b, uint8_t v);
void ike_put16(struct ike_buf *b, uint16_t v);
void ike_put32(struct ike_buf *b, uint32_t v);
void ike_put64(struct ike_buf *b, uint64_t v);
void ike_hdr_put(struct ike_buf *b, const struct ike_hdr *h);
/* opens a payload (chains it to the previous one); returns its offset */
size_t ike_pl_begin(struct ike_buf *b, uint8_t type);
void ike_pl_end(struct ike_buf *b, size_t off);
/* fixes the header's length field; 0 when the buffer overflowed */
size_t ike_msg_finish(struct ike_buf *b);

void ike_put_sa(struct ike_buf *b, const struct ike_proposal *p, unsigned n);
void ike_put_notify(struct ike_buf *b, uint8_t proto, uint16_t type, const uint8_t *spi,
		    uint8_t spi_size, const void *data, size_t len);
void ike_put_ts(struct ike_buf *b, uint8_t type, const struct ike_ts *ts, unsigned n);

const char *ike_exchange_name(uint8_t x);
const char *ike_notify_name(uint16_t n);

#endif
