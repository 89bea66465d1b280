/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 engine's insides, shared by the files of control/ike/ and by
 * nothing else: embedders see control/ike/ike.h only.
 */
#ifndef ESPGW_IKE_INT_H
#define ESPGW_IKE_INT_H

#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "control/ike/ike.h"
#include "control/ike/users.h"

#define MAX_CONNS 1024
#define MSG_CAP 8192
#define MAX_FRAGS 64			/* RFC 7383: fragments of one message we take */
#define NONCE_LEN 32

enum ike_state {
	S_INIT_SENT,		/* initiator: IKE_SA_INIT request out */
	S_AUTH_SENT,		/* initiator: IKE_AUTH request out */
	S_INIT_DONE,		/* responder: answered IKE_SA_INIT */
	S_ESTABLISHED,
	S_DELETING,		/* our Delete is out */
	S_DEAD,
};

/*
 * A CHILD_SA. During a rekey the old and the new one coexist: the new one
 * is installed first, takes the outbound policy ("routed") when it is safe,
 * and the old one leaves once its Delete exchange is done (make before
 * break, RFC 7296 2.8).
 */
#define MAX_CHILD 16		/* max_children (at most 12) and successors in rekeys */
_Static_assert(MAX_CHILD <= sizeof(((struct ike_sa_info *)0)->ch) / sizeof(struct ike_child_view),
	       "ike_sa_info lists every CHILD_SA");
enum child_state {
	CH_FREE,			/* an unused slot */
	CH_CREATING,			/* negotiated, not in the data plane yet */
	CH_INSTALLED,			/* both SAs in the data plane */
	CH_REKEYED,			/* a successor exists: never rekeyed again */
	CH_REDUNDANT,			/* lost a rekey collision: the peer deletes it */
	CH_DELETING,			/* our Delete for it is out */
};

struct child {
	enum child_state state;
	bool routed;			/* holds the outbound policy of its selectors */
	bool initiator;			/* we began the exchange that made it */
	uint32_t spi_in, spi_out;
	struct ike_algs esp;
	struct ike_ts ts_l, ts_r;
	uint64_t rekey_at;		/* ms; 0 = no rekey planned */
	uint64_t up_at;			/* ms, installed */
	uint64_t expire_at;		/* ms, hard lifetime; 0 = none */
	uint8_t prop_num;		/* the peer's number of the chosen proposal */
	uint32_t sa_ids[2];		/* the embedder's, from child_up */
	uint64_t route_at;		/* IKEv1 initiator: takes the traffic then (ms) */
};

/* installed in the data plane (whatever else it is now) */
static inline bool
child_up(const struct child *c)
{
	return c->state >= CH_INSTALLED;
}

/*
 * RFC 7296 2.8.1: the peer's rekey of the CHILD_SA or IKE_SA we are
 * rekeying too. When our own exchange completes, the SA made with the
 * lowest of the four nonces goes, deleted by the side that made it.
 */
struct collision {
	int child;			/* the peer's new CHILD_SA slot; -1: IKE_SA rekey */
	uint32_t child_spi;		/* its spi_in, to know the slot still holds it */
	uint64_t ike_spi;		/* our SPI of the peer's new IKE_SA */
	uint8_t nonce[IKE_MAX_NONCE];	/* the lower nonce of the peer's exchange */
	size_t nlen;
};

/*
 * A message arriving in Encrypted Fragments (RFC 7383 2.6): each piece is
 * authenticated and decrypted on arrival and kept until all are in.
 */
struct frag_rx {
	uint32_t msg_id;
	bool response;
	uint8_t first;			/* the inner chain's first type, from fragment 1 */
	uint16_t total, got;
	size_t bytes;
	uint8_t *piece[MAX_FRAGS];
	uint16_t len[MAX_FRAGS];
};

/*
 * What we send and may send again: one datagram, or the fragments of one
 * message (RFC 7383), each as a 2-byte length and its bytes.
 */
struct dgrams {
	uint8_t *p;
	size_t len;
};

/* the exchange we have outstanding, beyond IKE_SA_INIT/IKE_AUTH */
enum pending {
	P_NONE, P_REKEY_CHILD, P_NEW_CHILD, P_DELETE_CHILD, P_REKEY_IKE, P_OTHER, P_MOBIKE,
};

#define IKE_NOT_QUEUED UINT32_MAX
#define IKE_MAX_PEER_ADDRS 4

struct ike_sa {
	struct ike_sa *next, *prev;	/* all SAs */
	uint64_t due;			/* ms: its place in the timer heap (timer.c) */
	uint32_t heap_idx;		/* IKE_NOT_QUEUED when it has no timed work */
	struct ike_sa *hnext_our;	/* hash chain by our SPI */
	struct ike_sa *hnext_peer;	/* responders: hash chain by the peer's SPI */
	struct ike_sa *ho_prev, *ho_next;	/* half-open responders */
	bool indexed;
	const struct ike_conn *conn;
	enum ike_state state;
	enum ike_end end;		/* why it ends, once one is known */
	bool initiator;			/* the original initiator */
	uint64_t spi_i, spi_r;
	struct ike_ep local, remote;
	bool natt;			/* IKE on 4500 with the marker, ESP encapsulated */
	bool behind_nat;		/* our own address is translated: keepalives */
	uint64_t keepalive_at;		/* ms, the next NAT keepalive */
	bool frag;			/* both sides announced RFC 7383 fragmentation */
	bool digsig;			/* the peer takes RFC 7427 signatures */
	bool childless;			/* both announced RFC 6023 childless IKE SAs */
	bool redirect_ok;		/* responder: the peer takes REDIRECT (RFC 5685) */
	struct ip_addr redirected_from;	/* initiator: the gateway that sent us here */
	unsigned redirects;		/* initiator: redirects that led to this SA */
	bool retire_on_redirect;	/* redirected: ends when its successor is up */
	bool first_child;		/* initiator, childless: the first CHILD_SA to ask */
	/* MOBIKE (mobike.c) */
	bool mobike;			/* both announced it (RFC 4555) */
	bool mobike_move;		/* initiator: an UPDATE_SA_ADDRESSES to send */
	uint8_t cookie2[16];		/* initiator: the one our update carries */
	uint32_t mobike_last_id;	/* responder: the newest update's message ID + 1 */
	struct ip_addr peer_addrs[IKE_MAX_PEER_ADDRS];	/* its ADDITIONAL_*_ADDRESSes */
	uint8_t n_peer_addrs;
	struct frag_rx *frx;		/* a fragmented message coming in */
	struct ike_dh *dh;
	uint16_t dh_group;
	uint8_t ni[IKE_MAX_NONCE], nr[IKE_MAX_NONCE];
	size_t nilen, nrlen;
	uint8_t *msg1, *msg2;		/* IKE_SA_INIT request and response, for AUTH */
	size_t msg1_len, msg2_len;
	struct ike_keys keys;
	struct child ch[MAX_CHILD];	/* ch[0] is IKE_AUTH's until moved */
	uint32_t route_prio;		/* grows per rekey: the newest policy wins */
	enum pending pend;
	int pend_old, pend_new;		/* child slots of the pending exchange */
	uint32_t pend_child_spi;	/* pend_old's spi_in, to know the slot holds it */
	struct collision *coll;
	struct ike_dh *pend_dh;
	uint8_t pend_ni[IKE_MAX_NONCE];
	size_t pend_nilen;
	uint64_t pend_spi;		/* IKE rekey: our new IKE SPI */
	uint64_t rekey_at;		/* IKE_SA rekey, ms; 0 = none */
	uint8_t more_next;		/* initiator: the next of conn->more_* to ask for */
	uint64_t expire_at;		/* IKE_SA hard lifetime, ms; 0 = none */
	unsigned cookie_tries;
	/* message IDs (2.2): ours as requester, the peer's as requester */
	uint32_t my_id, peer_id;
	uint8_t *req;			/* our outstanding request (struct dgrams) */
	size_t req_len;
	uint64_t req_sent, req_timeout;
	unsigned req_tries;
	uint8_t *resp;			/* our last response, for retransmits (dgrams) */
	size_t resp_len;
	/* where the request it answers came from and to: a response goes
	 * back there (2.11), not to the SA's own addresses; family 0: those */
	struct ike_ep resp_local, resp_remote;
	bool have_resp;
	uint64_t last_heard, established_at;
	struct v1_sa *v1;		/* IKEv1 (v1.h): NULL for an IKEv2 SA */
	/* remote access (remote.c): the user the peer proved, the virtual
	 * IPs leased to it ([0] IPv4, [1] IPv6); as a client, ours */
	struct ike_id peer_ident;	/* type 0 until authenticated */
	struct ike_eap *eap;		/* EAP in IKE_AUTH (eap.c), NULL: none */
	char user[USER_NAME_LEN];
	uint64_t session;		/* its session id (0: none, or moved on by a rekey) */
	struct ike_lease vip[2];
	struct ip_addr own_vip;
};

/*
 * A connection: the configuration's, with what the engine parsed of it.
 * Its IKE_SAs point at it, so one that a reload removes stays until the
 * last of them is gone (refs).
 */
struct ike_conn {
	struct conn_desc d;		/* as configured: addresses, times, ... */
	struct ike_id local_id, remote_id;	/* remote type 0: any */
	size_t psk_len;			/* of d.psk; 0: certificates only */
	/* X.509: with cert and key we authenticate by signature (RFC 7427),
	 * with a CA we accept peers' signatures */
	struct ike_creds creds;
	struct ike_proposal ike[IKE_MAX_CONN_PROPS], esp[IKE_MAX_CONN_PROPS];
	unsigned n_ike, n_esp;
	struct ike_ts local_ts, remote_ts;	/* one range each */
	/* further CHILD_SAs: asked for after IKE_AUTH, accepted as responder */
	struct ike_ts more_l[IKE_MAX_MORE], more_r[IKE_MAX_MORE];
	unsigned n_more;
	unsigned refs;
	bool removed;
	/* health, changed by its SAs (which hold the connection const) */
	struct conn_health *health;
};

/* how a connection's last IKE SA ended and when (engine ms), when one
 * last came up */
struct conn_health {
	char last_end[80];
	uint64_t last_end_ms, last_up_ms;
};

struct ike_engine {
	const struct ike_ops *ops;
	void *ctx;
	struct ike_conn *conn[MAX_CONNS];	/* the configured ones */
	unsigned n_conn;
	struct ike_sa *sas;
	struct ike_sa **heap;		/* min-heap by due (timer.c) */
	unsigned heap_n, heap_cap;
	struct ike_sa **by_our, **by_peer;	/* SPI hash buckets */
	struct ike_sa *half_open_list;
	struct ike_stats st;
	struct spi_perm child_spis;	/* our inbound ESP SPIs */
	uint64_t now;
	/* anti-DoS (2.6): cookies above this many half-open SAs, and a cap per source */
	unsigned half_open, cookie_threshold, half_open_per_source;
	uint8_t secret[2][32];		/* cookie secrets: current, previous */
	uint8_t secret_ver;
	uint64_t secret_at;
	uint64_t sessions;		/* session ids given */
	struct ike_users *users;	/* remote access (remote.c) */
	struct ike_pool **pools;
	unsigned n_pools;
};

/* ---- helpers ---- */

static inline bool
auth_by_cert(const struct ike_conn *c)
{
	return c->creds.cert != NULL && c->creds.key != NULL;
}

enum { FRAG_MORE = -2 };	/* ike_frag_input: fragments still missing */

#define HASH_BITS 18			/* 256k buckets: 100k+ IKE_SAs stay O(1) */

/* the SA store (sa.c) */
struct child *ike_child_by_spi_out(struct ike_sa *sa, uint32_t spi);
struct child *ike_child_free_slot(struct ike_sa *sa);
int ike_child_install(struct ike_engine *e, struct ike_sa *sa, struct child *c,
	const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen);
int ike_child_install_keys(struct ike_engine *e, struct ike_sa *sa, struct child *c,
	const struct ike_child_keys *k);
void ike_child_remove(struct ike_engine *e, struct ike_sa *sa, struct child *c);
void ike_child_route(struct ike_engine *e, struct ike_sa *sa, struct child *c);
uint32_t ike_child_spi_new(struct ike_engine *e);
void ike_child_switch(struct ike_engine *e, struct ike_sa *sa, struct child *nc,
	struct child *old);
void ike_conn_put(struct ike_conn *c);
void ike_established(struct ike_engine *e, struct ike_sa *sa);
struct ike_sa *ike_sa_find(struct ike_engine *e, const struct ike_hdr *h);
void ike_frx_free(struct ike_sa *sa);
void ike_half_open_add(struct ike_engine *e, struct ike_sa *sa);
struct ike_sa *ike_successor(struct ike_engine *e, struct ike_sa *old, bool initiator,
	uint64_t spi_i, uint64_t spi_r, const struct ike_algs *a, const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen);
struct ike_sa *ike_sa_by_our_spi(struct ike_engine *e, uint64_t spi);
void ike_sa_free(struct ike_sa *sa);
int ike_dh_peer(struct ike_engine *e, const struct ike_sa *sa, struct ike_dh *dh, const uint8_t *ke,
	size_t kelen, uint8_t *out, size_t *olen);
void ike_sa_index(struct ike_engine *e, struct ike_sa *sa);
/* the first reason for sa's end is the one accounting gets */
static inline void
ike_sa_end_as(struct ike_sa *sa, enum ike_end why)
{
	if (sa->end == IKE_END_PEER)
		sa->end = why;
}
void ike_sa_kill(struct ike_engine *e, struct ike_sa *sa, const char *why);
struct ike_sa *ike_sa_new(struct ike_engine *e, const struct ike_conn *c, bool initiator);
void ike_sa_unindex(struct ike_engine *e, struct ike_sa *sa);
unsigned ike_spi_hash(uint64_t spi);

/* remote access (remote.c) */
/* the owner a lease goes to: the XAUTH user, else the peer's identity */
void ike_ra_owner(const struct ike_sa *sa, char *out, size_t n);
/* a virtual IP of family fam from the connection's pools for sa; NULL: none */
const struct ike_lease *ike_ra_lease(struct ike_engine *e, struct ike_sa *sa, int fam,
				     const char *owner);
void ike_ra_release(struct ike_sa *sa);
/* the selector a peer with a virtual IP of family fam is held to (false: none) */
bool ike_ra_vip_ts(const struct ike_sa *sa, int fam, struct ike_ts *ts);
void ike_ra_free(struct ike_engine *e);
/* what a peer may ask for as its selector: its virtual IP where it has
 * one of asked's family (written to vts), else conf */
const struct ike_ts *ike_peer_ts(const struct ike_sa *sa, const struct ike_ts *asked,
				 const struct ike_ts *conf, struct ike_ts *vts);
/* an IKE SA's successor takes over its user, identity and leases */
void ike_ra_move(struct ike_sa *to, struct ike_sa *from);

/* CHILD_SAs of sa carrying traffic or able to (not rekeyed or going) */
unsigned ike_live_children(const struct ike_sa *sa);
/* a peer found dead: the connection's dpd_action (exch_init.c) */
void ike_dpd_action(struct ike_engine *e, const struct ike_conn *c);

/* the configuration payload (cp.c): decoded; the client's request; the
 * server's leases for a request and its reply; the client takes its
 * address of family fam from a reply (-1: none) */
#define IKE_MAX_CP_ATTRS 32
struct ike_cp_attr {
	uint16_t type, len;
	const uint8_t *val;
};
struct ike_cp {
	uint8_t type;
	unsigned n;
	struct ike_cp_attr a[IKE_MAX_CP_ATTRS];
};
int ike_cp_parse(const struct ike_pl *p, struct ike_cp *c);
void ike_cp_request(struct ike_buf *b, int fam);
void ike_cp_lease(struct ike_engine *e, struct ike_sa *sa, const struct ike_pl *p);
void ike_cp_reply(struct ike_buf *b, const struct ike_sa *sa);
int ike_cp_take(struct ike_sa *sa, const struct ike_pl *p, int fam);

/* IKE_AUTH (exch_auth.c) for its EAP rounds (exch_eap.c): the peer's ID and
 * AUTH; its AUTH keyed with the MSK; what follows authentication on each
 * side; our message (as ike_send_auth_request builds it) */
bool ike_auth_verify(struct ike_sa *sa, const struct ike_msg *m);
bool ike_auth_verify_msk(struct ike_sa *sa, const struct ike_msg *m);
void ike_auth_request_tail(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m);
void ike_auth_response_tail(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m);
size_t ike_auth_inner(struct ike_sa *sa, struct ike_buf *ib, bool request, bool childless);
/* exch_eap.c: an IKE_AUTH of the EAP rounds, request or response */
bool ike_eap_wanted(const struct ike_sa *sa, const struct ike_msg *m);
void ike_eap_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m);
void ike_eap_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m);

/* EAP-MSCHAPv2 in IKE_AUTH (eap.c) */
enum { EAP_S_NONE, EAP_S_IDENTITY, EAP_S_CHALLENGE, EAP_S_SUCCESS_SENT, EAP_S_DONE,
       EAP_S_FAILED };
struct ike_eap {
	uint8_t state, id, ms_id;
	uint8_t ac[16], pc[16], nt_resp[24];
	char want_s[43];		/* peer: the server's proof to come */
	uint8_t msk[64];
	bool have_msk;
	bool server_ok;			/* peer: the server's own AUTH verified */
	uint8_t *first;			/* server: the first request's payloads */
	size_t first_len;
	uint8_t peer_idb[4 + 255];	/* the peer's ID payload body, for AUTH */
	size_t peer_idb_len;
	/* server through an AAA server (eap_aaa.c) */
	bool aaa_pending;		/* a packet of the peer's is out there */
	uint32_t aaa_msg_id;		/* the IKE_AUTH request it came in */
	uint8_t aaa_eap_id;		/* its EAP identifier */
	char identity[USER_NAME_LEN];	/* the EAP identity the peer gave */
	uint8_t aaa_state[253];		/* the server's opaque state (RADIUS State) */
	uint8_t aaa_state_len;
};
struct ike_eap *ike_eap_new(void);
void ike_eap_free(struct ike_eap *x);
/* server: the first request (EAP-Identity); its length, 0: none */
size_t ike_eap_identity(struct ike_eap *x, uint8_t *out, size_t cap);
/* server: the peer's packet p in; the next packet out (0: p refused);
 * user: the name it gave */
size_t ike_eap_server(struct ike_eap *x, const struct ike_users *users, const uint8_t *p,
	size_t n, uint8_t *out, size_t cap, char *user, size_t ulen);
/* server through an AAA server (eap_aaa.c): the peer's packet p goes there */
void ike_eap_aaa_forward(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
			 const uint8_t *p, size_t n);
/* peer: the server's packet p in; our answer out (0: none: done or failed) */
size_t ike_eap_peer(struct ike_eap *x, const char *user, const char *password,
	const uint8_t *p, size_t n, uint8_t *out, size_t cap);

/* redirect (redirect.c, RFC 5685): our REDIRECT_SUPPORTED (and
 * REDIRECTED_FROM) in an IKE_SA_INIT request; a responder's redirect of an
 * IKE_SA_INIT request (true: sent, no state); a REDIRECT's gateway (with
 * the nonce it must carry, or NULL); REDIRECT to a connection's IKE SAs */
void ike_put_redirect_info(struct ike_buf *b, const struct ike_sa *sa);
bool ike_redirect_init(struct ike_engine *e, const struct ike_conn *c, const struct ike_msg *m,
	const struct ike_ep *local, const struct ike_ep *remote);
int ike_redirect_parse(const struct ike_notify_pl *n, const uint8_t *nonce, size_t nlen,
	struct ip_addr *to);
/* exch_init.c: a new IKE SA of sa's connection to gateway `to`, sent there
 * by sa's peer (at most 5 redirects in a row) */
void ike_follow_redirect(struct ike_engine *e, struct ike_sa *sa, const struct ip_addr *to);

/* uniqueness (unique.c): no other IKE SA of sa's connection with its
 * peer (we send INITIAL_CONTACT then); INITIAL_CONTACT and the `unique`
 * policy applied to an authenticated sa: -1 when sa must be refused */
bool ike_first_contact(struct ike_engine *e, const struct ike_sa *sa);
int ike_unique(struct ike_engine *e, struct ike_sa *sa, bool initial_contact);

/* connections (conn.c) */
const struct ike_conn *ike_conn_by_name(const struct ike_engine *e, const char *name);
const struct ike_conn *ike_conn_for(struct ike_engine *e, const struct ike_ep *local,
	const struct ike_ep *remote);

/* proposals (proposal.c) */
bool ike_offers(const struct ike_proposal *p, const struct ike_transform *t);

/* payloads built from SA state (payloads.c) */
uint16_t ike_error_notify(const struct ike_msg *m);
bool ike_has_notify(const struct ike_msg *m, uint16_t type);
bool ike_nat_detected(const struct ike_msg *m, struct ike_sa *sa);
void ike_put_auth(struct ike_buf *b, const uint8_t *a, size_t n);
void ike_put_eap(struct ike_buf *b, const uint8_t *p, size_t n);
void ike_put_certreq(struct ike_buf *b, const struct ike_conn *c);
void ike_put_delete(struct ike_buf *b, const struct child *c);
void ike_put_esp_chosen(struct ike_buf *ib, const struct child *c);
void ike_put_esp_offer(struct ike_buf *ib, const struct ike_conn *c, uint32_t spi, bool keep_dh);
void ike_put_id(struct ike_buf *b, uint8_t type, const struct ike_id *id);
void ike_put_ke(struct ike_buf *b, struct ike_sa *sa);
void ike_put_ke_of(struct ike_buf *b, uint16_t group, struct ike_dh *dh);
void ike_put_nat_notifies(struct ike_buf *b, const struct ike_sa *sa);
void ike_put_nonce(struct ike_buf *b, const uint8_t *n, size_t len);
void ike_put_sig_hashes(struct ike_buf *b);

/* sending, retransmission state, fragments (xmit.c) */
int ike_frag_input(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
	const struct ike_pl *skf, uint8_t *out, size_t cap, uint8_t *first);
void ike_hdr_for(const struct ike_sa *sa, struct ike_hdr *h, uint8_t x, bool response,
	uint32_t id);
int ike_seal(struct ike_sa *sa, struct dgrams *d, uint8_t x, bool response, uint32_t id,
	const uint8_t *inner, size_t ilen, uint8_t first);
void ike_send_encrypted_response(struct ike_engine *e, struct ike_sa *sa, uint8_t x,
	uint32_t id, const uint8_t *inner, size_t ilen, uint8_t first);
void ike_send_informational(struct ike_engine *e, struct ike_sa *sa, const uint8_t *inner,
	size_t ilen, uint8_t first);
void ike_send_notify_response(struct ike_engine *e, struct ike_sa *sa, uint8_t x, uint32_t id,
	uint16_t type);
void ike_send_notify_data_response(struct ike_engine *e, struct ike_sa *sa, uint8_t x,
	uint32_t id, uint16_t type, const void *data, size_t len);
void ike_send_plain(struct ike_engine *e, struct ike_sa *sa, const uint8_t *b, size_t n,
	bool response);
void ike_send_request(struct ike_engine *e, struct ike_sa *sa, struct dgrams *d);
void ike_xmit(struct ike_engine *e, struct ike_sa *sa, const uint8_t *p, size_t len);
void ike_xmit_resp(struct ike_engine *e, struct ike_sa *sa);

/* the timer heap (sched.c): after a change of sa's state, its next due time */
void ike_sched(struct ike_engine *e, struct ike_sa *sa);
void ike_sched_at(struct ike_engine *e, struct ike_sa *sa, uint64_t due);
void ike_sched_remove(struct ike_engine *e, struct ike_sa *sa);
/* when sa next has timed work, from its state alone; IKE_NEVER: none */
uint64_t ike_sa_due(const struct ike_engine *e, const struct ike_sa *sa);
#define IKE_NEVER UINT64_MAX
/* the earlier of a and at, where at 0 is no time at all */
static inline uint64_t
ike_min_at(uint64_t a, uint64_t at)
{
	return at && at < a ? at : a;
}
#define IKE_RETRY_MS 1000		/* a timed step that could not run tries again */
#define IKE_HALF_OPEN_MS 30000		/* a half-open or rekeyed-away SA's time */

/* what both rekeys share (rekey.c) */
int ike_ke_respond(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m, uint16_t want,
	uint16_t g, const uint8_t *ke, size_t kelen, struct ike_dh **dh, uint8_t *gir, size_t *glen);
void ike_note_collision(struct ike_sa *sa, int child, uint32_t child_spi, uint64_t ike_spi,
	const uint8_t *n1, size_t l1, const uint8_t *n2, size_t l2);
bool ike_ours_redundant(const struct collision *c, const uint8_t *a, size_t al,
	const uint8_t *b, size_t bl);
int ike_pfs_secret(struct ike_engine *e, const struct ike_sa *sa, struct ike_dh *dh,
	const struct ike_msg *m, uint16_t group, uint8_t *gir, size_t *glen);

/* IKE_SA_INIT (exch_init.c); ike_send_init_error answers any request
 * without keys (its exchange, message ID and SPIs as they came) */
void ike_send_init_error(struct ike_engine *e, const struct ike_hdr *rh, const struct ike_ep *local,
	const struct ike_ep *remote, uint16_t type, const void *data, size_t len);
void ike_init_request(struct ike_engine *e, const struct ike_msg *m,
	const struct ike_ep *local, const struct ike_ep *remote);
void ike_init_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m);

/* IKE_AUTH (exch_auth.c) */
void ike_auth_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m);
void ike_auth_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m);
void ike_send_auth_request(struct ike_engine *e, struct ike_sa *sa);

/* CREATE_CHILD_SA for CHILD_SAs (exch_child.c) */
void ike_child_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m);
void ike_child_create_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
			      const struct ike_proposal *props, unsigned np);
void ike_more_children(struct ike_engine *e, struct ike_sa *sa);
void ike_send_rekey_child(struct ike_engine *e, struct ike_sa *sa, struct child *old);

/* CREATE_CHILD_SA for the IKE_SA (exch_ike_rekey.c) */
void ike_rekey_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
	const struct ike_proposal *props, unsigned np);
void ike_rekey_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m);
void ike_send_rekey_ike(struct ike_engine *e, struct ike_sa *sa);

/* IKEv1 (v1_*.c, v1.h): the engine's entry points into it */
struct v1_sa;
void v1_input(struct ike_engine *e, const struct ike_ep *local, const struct ike_ep *remote,
	const uint8_t *buf, size_t len);
uint64_t v1_due(const struct ike_engine *e, const struct ike_sa *sa);
void v1_step(struct ike_engine *e, struct ike_sa *sa, uint64_t now);
void v1_free(struct v1_sa *v);
void v1_terminate(struct ike_engine *e, struct ike_sa *sa);
/* our CHILD_SA's delete to the peer, and it goes */
void v1_send_child_delete(struct ike_engine *e, struct ike_sa *sa, struct child *c);
int v1_p1_start(struct ike_engine *e, const struct ike_conn *c, uint64_t reauth_of);
const char *v1_mode_name(const struct ike_sa *sa);
unsigned v1_quick_modes(const struct ike_sa *sa);
/* a version 1 connection can run: an IKEv1 proposal, a PSK */
int v1_conn_check(const struct ike_conn *c, char *err, size_t el);

/* MOBIKE (mobike.c) */
bool ike_mobike_wanted(const struct ike_sa *sa);
void ike_mobike_put(struct ike_buf *b, const struct ike_sa *sa, bool request);
void ike_mobike_auth(struct ike_sa *sa, const struct ike_msg *m);
bool ike_mobike_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
			struct ike_buf *ib);
void ike_mobike_send(struct ike_engine *e, struct ike_sa *sa);
void ike_mobike_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m);
/* the IKE SA's addresses or NAT state changed: its CHILD_SAs follow (sa.c) */
void ike_children_move(struct ike_engine *e, struct ike_sa *sa);

/* INFORMATIONAL (exch_info.c) */
void ike_info_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m);
void ike_sa_terminate(struct ike_engine *e, struct ike_sa *sa);
void ike_send_child_delete(struct ike_engine *e, struct ike_sa *sa, struct child *c);
void ike_send_ike_delete(struct ike_engine *e, struct ike_sa *sa);

#endif
