/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 (RFC 2409 on ISAKMP, RFC 2408, and the IPsec DOI, RFC 2407): what
 * the v1_*.c files share. IKEv1 runs in the same engine as IKEv2: its
 * phase 1 SA is a struct ike_sa (cookies as SPIs, the same store, timer
 * heap, connections and CHILD_SA hand-over to the embedder) with a
 * struct v1_sa beside it for what only IKEv1 has; ike_input hands it
 * every message whose major version is 1.
 *
 * From the bottom up (each calls only those above it in this list, and the
 * shared store, crypto and transmit files):
 *   v1_msg.c     ISAKMP payloads: bounded decoder, SA/ID/attribute codec
 *   v1_crypto.c  SKEYID and its keys, IVs, CBC, the phase 1 hashes, KEYMAT
 *   v1_prop.c    a connection's proposals as phase 1 transforms
 *   v1_sa.c      the SA's IKEv1 state for the store and the timer heap
 *   v1_frag.c    phase 1 messages out and kept; IKEv1 fragmentation
 *   v1_inform.c  informational messages out (Delete, Notify, DPD), HASH(1)
 *   v1_auth.c    phase 1 authentication: PSK hash, certificates, signatures
 *   v1_quick.c   quick mode, both roles
 *   v1_phase1.c  main and aggressive mode, both roles; re-establishment
 *   v1_cfg.c     the transaction exchange: XAUTH and Mode Config, both roles
 *   v1_info.c    input dispatch, the peer's informational messages, timers
 */
#ifndef ESPGW_IKE_V1_H
#define ESPGW_IKE_V1_H

#include "control/ike/ike_int.h"

/* ---- ISAKMP (RFC 2408 3) ---- */
#define V1_VERSION 0x10
enum v1_exchange { V1_MAIN = 2, V1_AGGRESSIVE = 4, V1_INFO = 5, V1_TRANSACTION = 6, V1_QUICK = 32 };
#define V1_FLAG_E 0x01		/* encrypted */
#define V1_FLAG_C 0x02		/* commit */

enum v1_payload {
	V1_SA = 1, V1_P = 2, V1_T = 3, V1_KE = 4, V1_ID = 5, V1_CERT = 6, V1_CR = 7,
	V1_HASH = 8, V1_SIG = 9, V1_NONCE = 10, V1_N = 11, V1_D = 12, V1_VID = 13,
	V1_ATTR = 14, V1_NATD = 20, V1_NATOA = 21, V1_FRAG = 132,
};

#define V1_DOI_IPSEC 1
#define V1_SIT_IDENTITY 1
enum { V1_PROTO_ISAKMP = 1, V1_PROTO_ESP = 3 };
#define V1_KEY_IKE 1		/* transform ID of a phase 1 transform */

/* phase 1 attributes (RFC 2409 appendix A) */
enum {
	P1_ENCR = 1, P1_HASH = 2, P1_AUTH = 3, P1_GROUP = 4, P1_LIFE_TYPE = 11,
	P1_LIFE = 12, P1_KEYLEN = 14,
};
enum { P1_ENCR_3DES = 5, P1_ENCR_AES = 7 };
enum { P1_HASH_SHA1 = 2, P1_HASH_SHA256 = 4, P1_HASH_SHA384 = 5, P1_HASH_SHA512 = 6 };
enum { P1_AUTH_PSK = 1, P1_AUTH_RSA_SIG = 3 };	/* ECDSA: 9, 10, 11 (RFC 4754) */
/* XAUTH (draft-beaulieu-ike-xauth-02 6): PSK or RSA, then the initiator's user */
enum { P1_AUTH_XAUTH_INIT_PSK = 65001, P1_AUTH_XAUTH_INIT_RSA = 65005 };
static inline uint16_t
v1_base_auth(uint16_t a)
{
	return a == P1_AUTH_XAUTH_INIT_PSK ? P1_AUTH_PSK :
	       a == P1_AUTH_XAUTH_INIT_RSA ? P1_AUTH_RSA_SIG : a;
}
static inline bool
v1_is_xauth(uint16_t a)
{
	return a == P1_AUTH_XAUTH_INIT_PSK || a == P1_AUTH_XAUTH_INIT_RSA;
}

/* the attribute payload (draft-dukes-ike-mode-cfg-02 3.2) and its attributes */
enum { CFG_REQUEST = 1, CFG_REPLY = 2, CFG_SET = 3, CFG_ACK = 4 };
enum {
	CA_IP4_ADDRESS = 1, CA_IP4_NETMASK = 2, CA_IP4_DNS = 3, CA_IP6_ADDRESS = 8,
	CA_IP6_DNS = 10,
	XA_TYPE = 16520, XA_USER_NAME = 16521, XA_USER_PASSWORD = 16522, XA_STATUS = 16527,
};
enum { LIFE_SECONDS = 1, LIFE_KB = 2 };

/* phase 2 (IPsec DOI 4.5) */
enum {
	P2_LIFE_TYPE = 1, P2_LIFE = 2, P2_GROUP = 3, P2_ENCAP = 4, P2_AUTH = 5,
	P2_KEYLEN = 6, P2_ESN = 11,
};
enum { ENCAP_TUNNEL = 1, ENCAP_TRANSPORT = 2, ENCAP_UDP_TUNNEL = 3, ENCAP_UDP_TRANSPORT = 4,
       ENCAP_UDP_TUNNEL_DRAFT = 61443, ENCAP_UDP_TRANSPORT_DRAFT = 61444 };
enum { P2_AUTH_SHA256 = 5, P2_AUTH_SHA384 = 6, P2_AUTH_SHA512 = 7 };
/* ESP transform IDs: AES-CBC and AES-GCM-16 have the IKEv2 numbers */

/* phase 2 identities (IPsec DOI 4.6.2.1) */
enum {
	V1_ID_IPV4 = 1, V1_ID_FQDN = 2, V1_ID_USER_FQDN = 3, V1_ID_IPV4_SUBNET = 4,
	V1_ID_IPV6 = 5, V1_ID_IPV6_SUBNET = 6, V1_ID_IPV4_RANGE = 7, V1_ID_IPV6_RANGE = 8,
	V1_ID_DN = 9, V1_ID_KEY_ID = 11,
};

/* notify types (RFC 2408 3.14.1, IPsec DOI 4.6.3, RFC 3706) */
enum {
	V1N_INVALID_PAYLOAD_TYPE = 1, V1N_DOI_NOT_SUPPORTED = 2, V1N_INVALID_EXCHANGE_TYPE = 7,
	V1N_INVALID_FLAGS = 8, V1N_INVALID_MESSAGE_ID = 9, V1N_INVALID_SPI = 11,
	V1N_NO_PROPOSAL_CHOSEN = 14, V1N_PAYLOAD_MALFORMED = 16, V1N_INVALID_KEY_INFORMATION = 17,
	V1N_INVALID_ID_INFORMATION = 18, V1N_INVALID_HASH_INFORMATION = 23,
	V1N_AUTHENTICATION_FAILED = 24,
	V1N_RESPONDER_LIFETIME = 24576, V1N_REPLAY_STATUS = 24577, V1N_INITIAL_CONTACT = 24578,
	V1N_DPD_R_U_THERE = 36136, V1N_DPD_R_U_THERE_ACK = 36137,
};

/* remote access after phase 1 (v1_sa.ra) */
enum { V1_RA_DONE, V1_RA_XAUTH, V1_RA_XAUTH_ACK, V1_RA_MODECFG };

/* ---- decoded SA payloads ---- */

/* one transform with its attributes; phase 1 or ESP */
struct v1_xform {
	uint8_t num, id;
	uint16_t encr_bits;
	/* phase 1 */
	uint16_t encr, hash, auth, group;
	/* ESP */
	uint16_t integ, encap;
	bool esn;
	uint32_t life_s;		/* 0: not given */
	bool unknown;			/* an attribute or value we do not know */
};

#define V1_MAX_XFORMS 16
struct v1_prop {
	uint8_t num, proto, spi_size;
	uint32_t spi;			/* ESP */
	unsigned n;
	struct v1_xform t[V1_MAX_XFORMS];
};

#define V1_MAX_PROPS 8
struct v1_sa_pl {
	unsigned n;
	struct v1_prop p[V1_MAX_PROPS];
};

/* ---- state ---- */

#define V1_BLK 16			/* AES */
#define V1_MAX_QM 4			/* quick modes in flight per IKE SA */
#define V1_MAX_ID 256
#define V1_SEEN 64			/* message IDs remembered */
#define QM_KEEP_MS 30000		/* a finished initiator's QM3, for a repeated QM2 */
#define V1_MAX_FRAGS 16			/* fragments of one message we take */

/* a message coming in fragments */
struct v1_frx {
	uint16_t id;
	uint8_t last;			/* the number of the last one, once seen */
	uint8_t *piece[V1_MAX_FRAGS];
	uint16_t len[V1_MAX_FRAGS];
};

/* one quick mode (or, initiator, its QM3 kept for a duplicate QM2) */
struct v1_qm {
	bool used, initiator, done;
	uint32_t msg_id;
	uint8_t iv[V1_BLK];
	uint8_t ni[IKE_MAX_NONCE], nr[IKE_MAX_NONCE];
	size_t nilen, nrlen;
	struct ike_dh *dh;
	int slot;			/* the CHILD_SA slot it fills */
	int rekey_of;			/* the slot it replaces, -1: none */
	uint32_t rekey_spi;		/* that slot's spi_in, to know it still holds it */
	uint8_t last_rx[32];		/* SHA-256 of the last message it took */
	uint8_t *tx;			/* the last message it sent (one datagram) */
	size_t tx_len;
	bool awaits;			/* tx wants an answer: retransmit it */
	uint64_t sent_at, timeout, started;
	unsigned tries;
};

/* what IKEv1 adds to an IKE SA (ISAKMP SA) */
struct v1_sa {
	uint8_t mode;			/* V1_MAIN, V1_AGGRESSIVE */
	uint8_t step;			/* phase 1: the last message number handled */
	uint16_t prf;			/* PRF_HMAC_SHA2_* of the negotiated hash */
	size_t plen, eklen, blk;		/* PRF output, cipher key, cipher block */
	uint8_t skeyid[IKE_MAX_PRF], skeyid_d[IKE_MAX_PRF], skeyid_a[IKE_MAX_PRF];
	uint8_t ekey[32];
	uint8_t iv[V1_BLK];		/* phase 1's CBC chain, then its last block */
	uint8_t *sai_b;			/* the initiator's SA payload body */
	size_t sai_len;
	uint8_t gxi[IKE_MAX_DH], gxr[IKE_MAX_DH];
	size_t gxi_len, gxr_len;
	uint8_t id_b[V1_MAX_ID];	/* our phase 1 ID payload body */
	size_t id_len;
	struct v1_xform chosen;		/* phase 1 transform */
	uint8_t last_rx[32];		/* phase 1: SHA-256 of the peer's last message */
	uint8_t *last_tx;		/* phase 1: our last message */
	size_t last_tx_len;
	bool nat_vid, dpd_vid;		/* the peer announced RFC 3947 / RFC 3706 */
	bool frag_vid;			/* the peer takes IKEv1 fragments */
	uint16_t frag_id;		/* of our last fragmented message */
	struct v1_frx *frx;
	bool initial_contact;
	uint64_t reauth_of;		/* initiator: re-establishes the SA of this cookie */
	uint64_t retire_at;		/* ms: replaced, deleted then (0: not) */
	uint32_t dpd_seq;		/* our R-U-THERE sequence */
	bool dpd_out;			/* an R-U-THERE awaits its ACK */
	uint64_t dpd_sent;
	unsigned dpd_tries;
	struct v1_qm qm[V1_MAX_QM];
	/* remote access (v1_cfg.c): what is left before quick mode may run */
	uint8_t ra;			/* V1_RA_* */
	uint16_t cfg_ident;		/* our Mode Config request's identifier */
	bool xauth_ok;			/* server: the status we sent */
	struct v1_qm tx[2];		/* transactions: [0] our request, [1] the peer's */
	/* message IDs of phase 2 and informational exchanges done: a replay
	 * of one is refused (RFC 2408 3.1: unique per ISAKMP SA) */
	uint32_t seen[V1_SEEN];
	unsigned seen_next;
};

/* v1_msg.c */
int v1_hdr_parse(const uint8_t *b, size_t len, struct ike_hdr *h, struct ike_err *e);
/* the payload chain of m after its header (b: plaintext), onto m */
int v1_chain_parse(uint8_t first, const uint8_t *b, size_t len, bool padded, struct ike_msg *m,
		   struct ike_err *e);
int v1_sa_parse(const struct ike_pl *p, bool phase1, struct v1_sa_pl *out, struct ike_err *e);
void v1_hdr_put(struct ike_buf *b, uint64_t ci, uint64_t cr, uint8_t x, uint8_t flags,
		uint32_t id);
void v1_put_p1_sa(struct ike_buf *b, const struct v1_xform *t, unsigned n);
void v1_put_esp_sa(struct ike_buf *b, const struct v1_prop *p, unsigned n);
void v1_put_notify(struct ike_buf *b, uint8_t proto, uint16_t type, const uint8_t *spi,
		   uint8_t spi_size, const void *data, size_t len);
void v1_put_delete(struct ike_buf *b, uint8_t proto, const uint8_t *spis, uint8_t spi_size,
		   uint16_t n);
/* phase 2 identities <-> selectors */
int v1_id_to_ts(const uint8_t *b, size_t len, struct ike_ts *ts);
void v1_put_id_ts(struct ike_buf *b, const struct ike_ts *ts);
int v1_notify_parse(const struct ike_pl *p, struct ike_notify_pl *n, struct ike_err *e);
/* the first notify of this type in m (ISAKMP layout: DOI first) */
const struct ike_pl *v1_find_notify(const struct ike_msg *m, uint16_t type);
int v1_delete_parse(const struct ike_pl *p, struct ike_delete_pl *d, struct ike_err *e);
const char *v1_exchange_name(uint8_t x);
/* one payload of type with these bytes as its body */
void v1_put_pl(struct ike_buf *b, uint8_t type, const void *d, size_t n);

/* the attribute payload (Mode Config, XAUTH): its attributes point into it */
#define V1_MAX_CATTR 32
struct v1_cattr {
	uint16_t type;
	uint16_t len;
	const uint8_t *val;		/* a TV attribute: its two value bytes */
};
struct v1_cfg_pl {
	uint8_t type;			/* CFG_* */
	uint16_t ident;
	unsigned n;
	struct v1_cattr a[V1_MAX_CATTR];
};
int v1_cfg_parse(const struct ike_pl *p, struct v1_cfg_pl *c);
const struct v1_cattr *v1_cfg_attr(const struct v1_cfg_pl *c, uint16_t type);
void v1_put_tlv(struct ike_buf *b, uint16_t type, const void *v, size_t n);
void v1_put_tv(struct ike_buf *b, uint16_t type, uint16_t v);

/* v1_crypto.c */
int v1_hash(uint16_t prf, const struct ike_iov *v, unsigned nv, uint8_t *out);
int v1_skeyid(struct ike_sa *sa, const uint8_t *gxy, size_t glen);
/* first IV of phase 1, and that of a phase 2 or informational exchange */
int v1_iv_p1(struct ike_sa *sa);
int v1_iv_p2(const struct ike_sa *sa, uint32_t msg_id, uint8_t *iv);
/* b's payloads after the header, padded and encrypted in place (the E
 * flag and length set); iv chains on. Returns the length, 0 on failure. */
size_t v1_encrypt(const struct v1_sa *v, struct ike_buf *b, uint8_t *iv);
/* the body after the header decrypted into out; iv chains on */
int v1_decrypt(const struct v1_sa *v, const uint8_t *msg, size_t len, uint8_t *iv,
	       uint8_t *out);
/* HASH_I (initiator) or HASH_R: prf(SKEYID, g^x | g^y | CKY | CKY | SAi_b | ID_b) */
int v1_hash_auth(const struct ike_sa *sa, bool of_initiator, const uint8_t *id_b, size_t id_len,
		 uint8_t *out);
uint16_t v1_auth_prf(const struct v1_sa *v);
/* prf(SKEYID_a, pieces) */
int v1_hash_a(const struct ike_sa *sa, const struct ike_iov *v, unsigned nv, uint8_t *out);
/* NAT-D: hash(CKY-I | CKY-R | IP | port) */
int v1_natd(const struct ike_sa *sa, const struct ike_ep *ep, uint8_t *out);
/* KEYMAT for the SA whose SPI is spi: enc key then integrity key */
int v1_keymat(const struct ike_sa *sa, const uint8_t *gxy, size_t glen, uint32_t spi,
	      const uint8_t *ni, size_t nil, const uint8_t *nr, size_t nrl, uint8_t *out,
	      size_t len);

/* v1_prop.c: the connection's IKE proposals as phase 1 transforms */
unsigned v1_our_xforms(const struct ike_conn *c, struct v1_xform *x, unsigned max);

/* v1_sa.c: the SA's IKEv1 state for the store and the timer heap (and
 * v1_due, v1_free, v1_mode_name, v1_quick_modes of ike_int.h) */
uint64_t v1_qm_due(const struct ike_sa *sa);
/* the transactions' retransmission and remote access's deadline */
uint64_t v1_cfg_due(const struct ike_sa *sa);
void v1_qm_free(struct v1_qm *q);

/* v1_auth.c: our proof (HASH, or CERT and SIG), the peer's checked */
void v1_put_proof(struct ike_buf *b, struct ike_sa *sa);
void v1_put_id_proof(struct ike_buf *b, struct ike_sa *sa);
void v1_put_cr(struct ike_buf *b, struct ike_sa *sa);
int v1_check_auth(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m);
/* aggressive mode's third message: the proof of the first one's ID */
int v1_am3_auth(struct ike_sa *sa, const struct ike_msg *m);

/* v1_phase1.c */
void v1_p1_request(struct ike_engine *e, const struct ike_msg *m, const struct ike_ep *local,
		   const struct ike_ep *remote);
/* 0: taken; -1: refused with nothing changed */
int v1_p1_input(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m);
/* reauth_of: the initiator cookie of the ISAKMP SA it re-establishes, or 0 */
int v1_p1_start(struct ike_engine *e, const struct ike_conn *c, uint64_t reauth_of);

/* v1_quick.c */
/* m decrypted; iv: the CBC chain after it; dig: its digest */
void v1_qm_input(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m, const uint8_t *iv,
		 const uint8_t *dig);
int v1_qm_start(struct ike_engine *e, struct ike_sa *sa, int rekey_of);
struct v1_qm *v1_qm_find(struct ike_sa *sa, uint32_t id);
bool v1_qm_step(struct ike_engine *e, struct ike_sa *sa, uint64_t now);
/* a rekeyed pair's successor takes the traffic when its time comes */
bool v1_qm_route_due(struct ike_engine *e, struct ike_sa *sa, uint64_t now);

/* v1_frag.c */
/* a phase 1 message out, in fragments if it must, kept for retransmission */
void v1_send_p1(struct ike_engine *e, struct ike_sa *sa, const uint8_t *b, size_t n,
		bool request);
int v1_frag_input(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
		  uint8_t *out, size_t cap);
void v1_frx_free(struct v1_sa *v);	/* in v1_sa.c */

/* v1_inform.c */
void v1_send(struct ike_engine *e, struct ike_sa *sa, const uint8_t *b, size_t n);
void v1_send_dpd(struct ike_engine *e, struct ike_sa *sa, uint16_t type, uint32_t seq);
void v1_cookies(const struct ike_sa *sa, uint8_t ck[16]);
void v1_send_info(struct ike_engine *e, struct ike_sa *sa, const uint8_t *inner_pl,
		  size_t ilen, uint8_t first);
void v1_notify_plain(struct ike_engine *e, const struct ike_hdr *rh, const struct ike_ep *local,
		     const struct ike_ep *remote, uint16_t type);
/* hash of a whole message, to tell a retransmission */
void v1_msg_digest(const uint8_t *b, size_t n, uint8_t out[32]);
/* message IDs used on this ISAKMP SA: seen before, or note one */
bool v1_id_seen(const struct ike_sa *sa, uint32_t id);
void v1_id_note(struct ike_sa *sa, uint32_t id);
/* HASH(1)/(2) of m: prf(SKEYID_a, M-ID | pre | the payloads after HASH) */
bool v1_hash1_ok(const struct ike_sa *sa, const struct ike_msg *m, const uint8_t *pre,
		 size_t prelen);
/* v1_phase1.c: another established ISAKMP SA of sa's connection with the
 * same peer; one still being negotiated; CHILD_SAs of old moved to sa */
struct ike_sa *v1_sibling(struct ike_engine *e, const struct ike_sa *sa);
struct ike_sa *v1_in_progress(struct ike_engine *e, const struct ike_sa *sa);
void v1_adopt(struct ike_sa *sa, struct ike_sa *old);
/* phase 1 is done and remote access too: siblings, INITIAL-CONTACT, the
 * first quick mode */
void v1_settle(struct ike_engine *e, struct ike_sa *sa);

/* v1_inform.c: a protected phase 2 message (quick mode, transaction):
 * the header and HASH's room (the offset of its value); then HASH =
 * prf(SKEYID_a, M-ID | pre | what follows HASH), sealed with q's IV chain,
 * kept in q for retransmission and sent */
size_t v1_p2_begin(struct ike_buf *b, const struct ike_sa *sa, uint8_t x, uint32_t id);
int v1_p2_seal(struct ike_engine *e, struct ike_sa *sa, struct v1_qm *q, struct ike_buf *b,
	       size_t h, const uint8_t *pre, size_t prelen, bool awaits);
/* q's message again when its time has come: 1 sent, 0 not yet, -1 the
 * tries are spent */
int v1_p2_resend(struct ike_engine *e, struct ike_sa *sa, struct v1_qm *q, uint64_t now);

/* v1_cfg.c */
/* the transaction exchange of msg_id, NULL if none: [0] ours, [1] the peer's */
struct v1_qm *v1_cfg_find(struct ike_sa *sa, uint32_t msg_id);
/* m decrypted; iv: the CBC chain after it; dig: its digest */
void v1_cfg_input(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m, const uint8_t *iv,
		  const uint8_t *dig);
/* after phase 1: what remote access needs (an XAUTH server asks now) */
void v1_cfg_begin(struct ike_engine *e, struct ike_sa *sa);
/* retransmission and the deadline; true when it did something */
bool v1_cfg_step(struct ike_engine *e, struct ike_sa *sa, uint64_t now);

/* the vendor IDs we send and know (v1_phase1.c) */
extern const uint8_t v1_vid_natt[16], v1_vid_dpd[16], v1_vid_frag[16];

#endif
