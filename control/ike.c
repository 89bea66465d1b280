/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 engine (RFC 7296): IKE_SA_INIT and IKE_AUTH with PSK, one CHILD_SA
 * per IKE_SA from IKE_AUTH, INFORMATIONAL (liveness, delete), message IDs
 * with window size 1, retransmission with back-off, cached responses for
 * retransmitted requests, NAT detection and floating to port 4500.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/log.h"
#include "control/ike.h"

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
#define MAX_CHILD 8		/* 1 + IKE_MAX_MORE, and their successors in a rekey */
_Static_assert(MAX_CHILD <= sizeof(((struct ike_sa_info *)0)->ch) / sizeof(struct ike_child_view),
	       "ike_sa_info lists every CHILD_SA");
struct child {
	bool used, up, routed;
	bool initiator;			/* we began the exchange that made it */
	uint32_t spi_in, spi_out;
	struct ike_algs esp;
	struct ike_ts ts_l, ts_r;
	uint64_t rekey_at;		/* ms; 0 = no rekey planned */
	uint64_t up_at;			/* ms, installed */
	uint64_t expire_at;		/* ms, hard lifetime; 0 = none */
	uint8_t prop_num;		/* the peer's number of the chosen proposal */
	bool replaced;			/* a successor exists: never rekey again */
	bool deleting;			/* our Delete for it is out */
	bool redundant;			/* lost a rekey collision: the peer deletes it */
};

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
	P_NONE, P_REKEY_CHILD, P_NEW_CHILD, P_DELETE_CHILD, P_REKEY_IKE, P_OTHER,
};

struct ike_sa {
	struct ike_sa *next;		/* all SAs, for timers */
	struct ike_sa *hnext_our;	/* hash chain by our SPI */
	struct ike_sa *hnext_peer;	/* responders: hash chain by the peer's SPI */
	struct ike_sa *ho_prev, *ho_next;	/* half-open responders */
	bool indexed;
	const struct ike_conn *conn;
	enum ike_state state;
	bool initiator;			/* the original initiator */
	uint64_t spi_i, spi_r;
	struct ike_ep local, remote;
	bool natt;			/* IKE on 4500 with the marker, ESP encapsulated */
	bool behind_nat;		/* our own address is translated: keepalives */
	uint64_t keepalive_at;		/* ms, the next NAT keepalive */
	bool frag;			/* both sides announced RFC 7383 fragmentation */
	bool digsig;			/* the peer takes RFC 7427 signatures */
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
	bool have_resp;
	uint64_t last_heard, established_at;
};

/*
 * A connection: its IKE_SAs point at it, so one that a reload removes
 * stays until the last of them is gone (refs).
 */
struct conn_slot {
	struct ike_conn c;		/* first: sa->conn points here */
	unsigned refs;
	bool removed;
};

struct ike_engine {
	const struct ike_ops *ops;
	void *ctx;
	struct conn_slot *conn[MAX_CONNS];	/* the configured ones */
	unsigned n_conn;
	struct ike_sa *sas;
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
};

/* ---- helpers ---- */

static bool
has_notify(const struct ike_msg *m, uint16_t type)
{
	struct ike_notify_pl n;

	return ike_find_notify(m, type, &n) != NULL;
}

static bool
auth_by_cert(const struct ike_conn *c)
{
	return c->creds.cert != NULL && c->creds.key != NULL;
}

#define HASH_BITS 18			/* 256k buckets: 100k+ IKE_SAs stay O(1) */

static unsigned
spi_hash(uint64_t spi)
{
	return (unsigned)((spi * 0x9e3779b97f4a7c15ull) >> (64 - HASH_BITS));
}

static uint64_t
our_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

static struct ike_sa *
sa_by_our_spi(struct ike_engine *e, uint64_t spi)
{
	for (struct ike_sa *sa = e->by_our[spi_hash(spi)]; sa; sa = sa->hnext_our)
		if (sa->state != S_DEAD && our_spi(sa) == spi)
			return sa;
	return NULL;
}

/* once its SPIs are final: findable by ours, and (responders) by the peer's */
static void
sa_index(struct ike_engine *e, struct ike_sa *sa)
{
	unsigned h = spi_hash(our_spi(sa));

	sa->hnext_our = e->by_our[h];
	e->by_our[h] = sa;
	if (!sa->initiator) {
		h = spi_hash(sa->spi_i);
		sa->hnext_peer = e->by_peer[h];
		e->by_peer[h] = sa;
	}
	sa->indexed = true;
}

static void
sa_unindex(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_sa **pp;

	if (!sa->indexed)
		return;
	for (pp = &e->by_our[spi_hash(our_spi(sa))]; *pp; pp = &(*pp)->hnext_our)
		if (*pp == sa) {
			*pp = sa->hnext_our;
			break;
		}
	if (!sa->initiator)
		for (pp = &e->by_peer[spi_hash(sa->spi_i)]; *pp; pp = &(*pp)->hnext_peer)
			if (*pp == sa) {
				*pp = sa->hnext_peer;
				break;
			}
	sa->indexed = false;
}

static void
half_open_add(struct ike_engine *e, struct ike_sa *sa)
{
	sa->ho_prev = NULL;
	sa->ho_next = e->half_open_list;
	if (e->half_open_list)
		e->half_open_list->ho_prev = sa;
	e->half_open_list = sa;
	e->half_open++;
}

static void
half_open_del(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->ho_prev)
		sa->ho_prev->ho_next = sa->ho_next;
	else
		e->half_open_list = sa->ho_next;
	if (sa->ho_next)
		sa->ho_next->ho_prev = sa->ho_prev;
	sa->ho_prev = sa->ho_next = NULL;
	e->half_open--;
}

static void
frx_free(struct ike_sa *sa)
{
	if (sa->frx == NULL)
		return;
	for (unsigned i = 0; i < MAX_FRAGS; i++)
		free(sa->frx->piece[i]);
	free(sa->frx);
	sa->frx = NULL;
}

static void
conn_put(struct conn_slot *cs)
{
	if (--cs->refs > 0 || !cs->removed)
		return;
	ike_creds_free(&cs->c.creds);
	ike_wipe(cs, sizeof(*cs));
	free(cs);
}

static void
sa_free(struct ike_sa *sa)
{
	conn_put((struct conn_slot *)sa->conn);
	frx_free(sa);
	free(sa->coll);
	ike_dh_free(sa->dh);
	free(sa->msg1);
	free(sa->msg2);
	free(sa->req);
	free(sa->resp);
	ike_keys_wipe(&sa->keys);
	ike_dh_free(sa->pend_dh);
	ike_wipe(sa->ch, sizeof(sa->ch));
	free(sa);
}

static void
child_info(const struct ike_sa *sa, const struct child *c, struct ike_child_info *ci,
	   const struct ike_child_keys *k)
{
	/* keys i->r protect what the initiator of the creating exchange sends */
	bool i = c->initiator;

	memset(ci, 0, sizeof(*ci));
	ci->conn = sa->conn->name;
	ci->ike_spi_i = sa->spi_i;
	ci->ike_spi_r = sa->spi_r;
	ci->spi_in = c->spi_in;
	ci->spi_out = c->spi_out;
	ci->esp = c->esp;
	/* keys i->r protect what the initiator sends; only at install */
	if (k) {
		ci->key_out = i ? k->ei : k->er;
		ci->key_in = i ? k->er : k->ei;
		ci->auth_out = k->akey_len ? (i ? k->ai : k->ar) : NULL;
		ci->auth_in = k->akey_len ? (i ? k->ar : k->ai) : NULL;
		ci->key_len = k->ekey_len;
		ci->auth_len = k->akey_len;
	}
	ci->local = sa->local;
	ci->remote = sa->remote;
	ci->encap = sa->natt;
	ci->transport = sa->conn->transport;
	ci->local_ts = c->ts_l;
	ci->remote_ts = c->ts_r;
	ci->priority = sa->route_prio;
}

/* the child takes the outbound policy for its selectors */
static void
child_route(struct ike_engine *e, struct ike_sa *sa, struct child *c)
{
	struct ike_child_info ci;

	if (!c->up || c->routed)
		return;
	sa->route_prio++;
	child_info(sa, c, &ci, NULL);
	if (e->ops->child_route == NULL || e->ops->child_route(e->ctx, &ci) == 0)
		c->routed = true;
}

static void
child_remove(struct ike_engine *e, struct ike_sa *sa, struct child *c)
{
	struct ike_child_info ci;

	if (c->up) {
		child_info(sa, c, &ci, NULL);
		if (c->routed && e->ops->child_unroute)
			e->ops->child_unroute(e->ctx, &ci);
		if (e->ops->child_down)
			e->ops->child_down(e->ctx, &ci);
	}
	ike_wipe(c, sizeof(*c));
}

/* a successor of c is up: it takes the route, then c may go */
static void
child_switch(struct ike_engine *e, struct ike_sa *sa, struct child *nc, struct child *old)
{
	struct ike_child_info ci;

	child_route(e, sa, nc);
	if (old->routed && e->ops->child_unroute) {
		child_info(sa, old, &ci, NULL);
		e->ops->child_unroute(e->ctx, &ci);
	}
	old->routed = false;
}

static struct child *
child_free_slot(struct ike_sa *sa)
{
	for (int i = 0; i < MAX_CHILD; i++)
		if (!sa->ch[i].used)
			return &sa->ch[i];
	return NULL;
}

static struct child *
child_by_spi_out(struct ike_sa *sa, uint32_t spi)
{
	for (int i = 0; i < MAX_CHILD; i++)
		if (sa->ch[i].used && sa->ch[i].up && sa->ch[i].spi_out == spi)
			return &sa->ch[i];
	return NULL;
}

static void
sa_kill(struct ike_engine *e, struct ike_sa *sa, const char *why)
{
	if (sa->state == S_INIT_DONE)
		half_open_del(e, sa);
	for (int i = 0; i < MAX_CHILD; i++)
		if (sa->ch[i].used)
			child_remove(e, sa, &sa->ch[i]);
	if (sa->state == S_ESTABLISHED || sa->state == S_DELETING) {
		if (e->ops->ike_down)
			e->ops->ike_down(e->ctx, sa->conn->name, sa->spi_i, sa->spi_r, why);
	}
	log_info("ike %s: IKE_SA %016lx_%016lx closed: %s", sa->conn->name,
		 (unsigned long)sa->spi_i, (unsigned long)sa->spi_r, why);
	sa->state = S_DEAD;
}

static int
dg_add(struct dgrams *d, const uint8_t *b, size_t n)
{
	uint8_t *p = realloc(d->p, d->len + 2 + n);

	if (p == NULL)
		return -1;
	p[d->len] = (uint8_t)(n >> 8);
	p[d->len + 1] = (uint8_t)n;
	memcpy(p + d->len + 2, b, n);
	d->p = p;
	d->len += 2 + n;
	return 0;
}

/* every datagram of a struct dgrams */
static void
xmit(struct ike_engine *e, struct ike_sa *sa, const uint8_t *p, size_t len)
{
	while (len >= 2) {
		size_t n = (size_t)p[0] << 8 | p[1];
		if (n + 2 > len)
			break;
		e->st.tx++;
		if (n > IKE_HDR_LEN && p[2 + 16] == PL_SKF)
			e->st.frags_tx++;
		e->ops->send(e->ctx, &sa->local, &sa->remote, p + 2, n);
		p += 2 + n;
		len -= 2 + n;
	}
}

/* d (taken over) is our outstanding request: send it */
static void
send_request(struct ike_engine *e, struct ike_sa *sa, struct dgrams *d)
{
	free(sa->req);
	sa->req = d->p;
	sa->req_len = d->len;
	sa->req_tries = 0;
	sa->req_sent = e->now;
	sa->req_timeout = sa->conn->retransmit_ms;
	d->p = NULL;
	if (sa->req)
		xmit(e, sa, sa->req, sa->req_len);
}

static void
keep_response(struct ike_engine *e, struct ike_sa *sa, struct dgrams *d)
{
	free(sa->resp);
	sa->resp = d->p;
	sa->resp_len = d->len;
	sa->have_resp = sa->resp != NULL;
	d->p = NULL;
	if (sa->resp)
		xmit(e, sa, sa->resp, sa->resp_len);
}

/* an unencrypted message (IKE_SA_INIT) */
static void
send_plain(struct ike_engine *e, struct ike_sa *sa, const uint8_t *b, size_t n, bool response)
{
	struct dgrams d = { 0 };

	if (dg_add(&d, b, n) < 0)
		return;
	if (response)
		keep_response(e, sa, &d);
	else
		send_request(e, sa, &d);
}

static void
hdr_for(const struct ike_sa *sa, struct ike_hdr *h, uint8_t x, bool response, uint32_t id)
{
	memset(h, 0, sizeof(*h));
	h->spi_i = sa->spi_i;
	h->spi_r = sa->spi_r;
	h->exchange = x;
	h->flags = (sa->initiator ? IKE_FLAG_I : 0) | (response ? IKE_FLAG_R : 0);
	h->msg_id = id;
}

/* NAT detection hash (2.23): SHA-1(SPIi | SPIr | IP | port) */
static void
nat_hash(uint64_t spi_i, uint64_t spi_r, const struct ike_ep *ep, uint8_t out[20])
{
	uint8_t buf[16 + 16 + 2];
	unsigned n = 0, al = ip_alen(ep->addr.family);

	for (int i = 7; i >= 0; i--)
		buf[n++] = spi_i >> (8 * i);
	for (int i = 7; i >= 0; i--)
		buf[n++] = spi_r >> (8 * i);
	memcpy(buf + n, ep->addr.a, al);
	n += al;
	buf[n++] = ep->port >> 8;
	buf[n++] = ep->port & 255;
	EVP_Digest(buf, n, out, NULL, EVP_sha1(), NULL);
}

/* RFC 7427 4: we verify and make SHA2-256/384/512 signatures */
static void
put_sig_hashes(struct ike_buf *b)
{
	static const uint8_t h[6] = { 0, 2, 0, 3, 0, 4 };

	ike_put_notify(b, 0, N_SIGNATURE_HASH_ALGORITHMS, NULL, 0, h, sizeof(h));
}

static void
put_nat_notifies(struct ike_buf *b, const struct ike_sa *sa)
{
	uint8_t h[20];

	nat_hash(sa->spi_i, sa->spi_r, &sa->local, h);
	ike_put_notify(b, 0, N_NAT_DETECTION_SOURCE_IP, NULL, 0, h, 20);
	nat_hash(sa->spi_i, sa->spi_r, &sa->remote, h);
	ike_put_notify(b, 0, N_NAT_DETECTION_DESTINATION_IP, NULL, 0, h, 20);
}

/* true when a NAT is between us (either side's hash differs) */
static bool
nat_detected(const struct ike_msg *m, struct ike_sa *sa)
{
	struct ike_notify_pl n;
	uint8_t h[20];
	bool src_ok = false, any = false;

	/* the hashes cover the SPIs of the message's own header (SPIr 0 in a request) */
	nat_hash(m->h.spi_i, m->h.spi_r, &sa->remote, h);
	for (unsigned i = 0; i < m->n; i++) {
		struct ike_err er;
		if (m->pl[i].type != PL_NOTIFY || ike_notify_parse(&m->pl[i], &n, &er) < 0 ||
		    n.type != N_NAT_DETECTION_SOURCE_IP)
			continue;
		any = true;
		if (n.data_len == 20 && CRYPTO_memcmp(n.data, h, 20) == 0)
			src_ok = true;
	}
	if (!any)
		return false;
	/* the peer saw another address than ours: we are behind a NAT (2.23) */
	nat_hash(m->h.spi_i, m->h.spi_r, &sa->local, h);
	sa->behind_nat = ike_find_notify(m, N_NAT_DETECTION_DESTINATION_IP, &n) == NULL ||
			 n.data_len != 20 || CRYPTO_memcmp(n.data, h, 20) != 0;
	return sa->behind_nat || !src_ok;
}

/* ---- configuration ---- */

static const struct {
	const char *name;
	uint8_t type;
	uint16_t id, bits;
} alg_words[] = {
	{ "aes128gcm16", TT_ENCR, ENCR_AES_GCM_16, 128 },
	{ "aes256gcm16", TT_ENCR, ENCR_AES_GCM_16, 256 },
	{ "aes128gcm", TT_ENCR, ENCR_AES_GCM_16, 128 },
	{ "aes256gcm", TT_ENCR, ENCR_AES_GCM_16, 256 },
	{ "aes128", TT_ENCR, ENCR_AES_CBC, 128 },
	{ "aes256", TT_ENCR, ENCR_AES_CBC, 256 },
	{ "chacha20poly1305", TT_ENCR, ENCR_CHACHA20_POLY1305, 0 },
	{ "sha256", TT_INTEG, AUTH_HMAC_SHA2_256_128, 0 },
	{ "sha384", TT_INTEG, AUTH_HMAC_SHA2_384_192, 0 },
	{ "sha512", TT_INTEG, AUTH_HMAC_SHA2_512_256, 0 },
	{ "prfsha256", TT_PRF, PRF_HMAC_SHA2_256, 0 },
	{ "prfsha384", TT_PRF, PRF_HMAC_SHA2_384, 0 },
	{ "prfsha512", TT_PRF, PRF_HMAC_SHA2_512, 0 },
	{ "modp2048", TT_DH, DH_MODP2048, 0 },
	{ "ecp256", TT_DH, DH_ECP256, 0 },
	{ "ecp384", TT_DH, DH_ECP384, 0 },
	{ "ecp521", TT_DH, DH_ECP521, 0 },
	{ "x25519", TT_DH, DH_CURVE25519, 0 },
	{ "curve25519", TT_DH, DH_CURVE25519, 0 },
	{ "esn", TT_ESN, 1, 0 },
	{ "noesn", TT_ESN, 0, 0 },
};

static const char *
alg_word(uint8_t type, uint16_t id, uint16_t bits)
{
	for (unsigned i = 0; i < sizeof(alg_words) / sizeof(alg_words[0]); i++)
		if (alg_words[i].type == type && alg_words[i].id == id &&
		    (type != TT_ENCR || alg_words[i].bits == bits))
			return alg_words[i].name;
	return "?";
}

size_t
ike_algs_fmt(const struct ike_algs *a, bool esp, char *out, size_t n)
{
	int k = snprintf(out, n, "%s%s%s%s%s%s%s", alg_word(TT_ENCR, a->encr, a->encr_bits),
			 a->integ ? "-" : "", a->integ ? alg_word(TT_INTEG, a->integ, 0) : "",
			 esp ? "" : "-", esp ? "" : alg_word(TT_PRF, a->prf, 0),
			 a->dh ? "-" : "", a->dh ? alg_word(TT_DH, a->dh, 0) : "");

	if (esp && k > 0 && (size_t)k < n)
		k += snprintf(out + k, n - k, a->esn ? "-esn" : "");
	return k > 0 ? (size_t)k : 0;
}

static bool
has_type(const struct ike_proposal *p, uint8_t t)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->t[i].type == t)
			return true;
	return false;
}

int
ike_proposal_parse(const char *s, bool esp, struct ike_proposal *p, char *err, size_t el)
{
	char buf[256], *save, *tok;
	bool aead = false;

	memset(p, 0, sizeof(*p));
	p->num = 1;
	p->proto = esp ? PROTO_ESP : PROTO_IKE;
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, el, "proposal too long");
		return -1;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, "-", &save); tok; tok = strtok_r(NULL, "-", &save)) {
		unsigned i;
		for (i = 0; i < sizeof(alg_words) / sizeof(alg_words[0]); i++)
			if (!strcmp(tok, alg_words[i].name))
				break;
		if (i == sizeof(alg_words) / sizeof(alg_words[0]) ||
		    (esp && alg_words[i].type == TT_PRF) || (!esp && alg_words[i].type == TT_ESN)) {
			snprintf(err, el, "proposal '%s': unknown or misplaced algorithm '%s'", s, tok);
			return -1;
		}
		if (p->n == IKE_MAX_TRANSFORMS)
			break;
		p->t[p->n++] = (struct ike_transform){ alg_words[i].type, alg_words[i].id,
						       alg_words[i].bits };
		if (alg_words[i].type == TT_ENCR && ike_encr_aead(alg_words[i].id))
			aead = true;
	}
	if (!has_type(p, TT_ENCR)) {
		snprintf(err, el, "proposal '%s': no encryption algorithm", s);
		return -1;
	}
	if (aead && has_type(p, TT_INTEG)) {
		snprintf(err, el, "proposal '%s': an AEAD cipher takes no integrity algorithm", s);
		return -1;
	}
	if (!aead && !has_type(p, TT_INTEG)) {
		snprintf(err, el, "proposal '%s': no integrity algorithm", s);
		return -1;
	}
	if (!esp) {
		if (!has_type(p, TT_PRF)) {
			/* the PRF follows the integrity algorithm's hash */
			for (unsigned i = 0; i < p->n && !aead; i++)
				if (p->t[i].type == TT_INTEG && p->n < IKE_MAX_TRANSFORMS)
					p->t[p->n++] = (struct ike_transform){ TT_PRF,
						p->t[i].id - AUTH_HMAC_SHA2_256_128 + PRF_HMAC_SHA2_256, 0 };
			if (!has_type(p, TT_PRF)) {
				snprintf(err, el, "proposal '%s': an AEAD IKE proposal needs a prf", s);
				return -1;
			}
		}
		if (!has_type(p, TT_DH)) {
			snprintf(err, el, "proposal '%s': no key exchange group", s);
			return -1;
		}
	} else if (!has_type(p, TT_ESN)) {
		p->t[p->n++] = (struct ike_transform){ TT_ESN, 0, 0 };
	}
	return 0;
}

int
ike_ts_from_prefix(const char *s, struct ike_ts *ts)
{
	struct ip_prefix p;
	unsigned al;

	if (ip_prefix_parse(s, &p) < 0)
		return -1;
	memset(ts, 0, sizeof(*ts));
	al = ip_alen(p.addr.family);
	ts->type = al == 4 ? TS_IPV4_ADDR_RANGE : TS_IPV6_ADDR_RANGE;
	ts->port_hi = 65535;
	for (unsigned i = 0; i < al; i++) {
		int bits = (int)p.len - 8 * (int)i;
		uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
		ts->lo[i] = p.addr.a[i] & mask;
		ts->hi[i] = p.addr.a[i] | (uint8_t)~mask;
	}
	return 0;
}

int
ike_id_parse(const char *s, struct ike_id *id)
{
	struct ip_addr a;

	memset(id, 0, sizeof(*id));
	if (strlen(s) > 255 || !*s)
		return -1;
	if (ip_addr_parse(s, &a) == 0) {
		id->type = a.family == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
		id->len = ip_alen(a.family);
		memcpy(id->data, a.a, id->len);
		return 0;
	}
	if (strchr(s, '=')) {
		size_t n;
		if (ike_dn_parse(s, id->data, sizeof(id->data), &n) < 0)
			return -1;
		id->type = ID_DER_ASN1_DN;
		id->len = (uint8_t)n;
		return 0;
	}
	id->type = strchr(s, '@') && s[0] != '@' ? ID_RFC822_ADDR : ID_FQDN;
	if (s[0] == '@')
		s++;
	id->len = strlen(s);
	memcpy(id->data, s, id->len);
	return 0;
}

static const struct ike_conn *
conn_by_name(const struct ike_engine *e, const char *name)
{
	for (unsigned i = 0; i < e->n_conn; i++)
		if (!strcmp(e->conn[i]->c.name, name))
			return &e->conn[i]->c;
	return NULL;
}

static void sa_terminate(struct ike_engine *e, struct ike_sa *sa);

int
ike_conn_sas(const struct ike_engine *e, const char *name)
{
	const struct ike_conn *c = conn_by_name(e, name);

	return c ? (int)((const struct conn_slot *)c)->refs : -1;
}

int
ike_conn_add(struct ike_engine *e, const struct ike_conn *c, char *err, size_t el)
{
	struct conn_slot *cs;
	struct ike_conn *nc;

	if (e->n_conn == MAX_CONNS) {
		snprintf(err, el, "too many connections");
		return -1;
	}
	if (conn_by_name(e, c->name) != NULL) {
		snprintf(err, el, "connection %s exists already", c->name);
		return -1;
	}
	if (c->n_ike == 0 || c->n_esp == 0 || c->local.family == 0 ||
	    (c->psk_len == 0 && !auth_by_cert(c)) || (c->psk_len == 0 && c->creds.ca == NULL)) {
		snprintf(err, el, "connection %s: needs proposals, a local address, and a PSK "
			 "or a certificate, key and CA", c->name);
		return -1;
	}
	cs = calloc(1, sizeof(*cs));
	if (cs == NULL) {
		snprintf(err, el, "out of memory");
		return -1;
	}
	nc = &cs->c;
	*nc = *c;
	if (c->local_id.type == 0 && auth_by_cert(c) &&
	    ike_cert_subject_id(&c->creds, &nc->local_id) < 0) {
		snprintf(err, el, "connection %s: certificate subject too long", c->name);
		free(cs);
		return -1;
	}
	/* proposals are numbered 1, 2, ... in the order offered (3.3.1) */
	for (unsigned i = 0; i < c->n_ike; i++)
		nc->ike[i].num = i + 1;
	for (unsigned i = 0; i < c->n_esp; i++)
		nc->esp[i].num = i + 1;
	if (nc->retransmit_ms == 0)
		nc->retransmit_ms = 1000;
	if (nc->retransmit_tries == 0)
		nc->retransmit_tries = 5;
	e->conn[e->n_conn++] = cs;
	return 0;
}

int
ike_conn_remove(struct ike_engine *e, const char *name, uint64_t now)
{
	struct conn_slot *cs = NULL;

	e->now = now;
	for (unsigned i = 0; i < e->n_conn; i++)
		if (!strcmp(e->conn[i]->c.name, name)) {
			cs = e->conn[i];
			e->conn[i] = e->conn[--e->n_conn];
			break;
		}
	if (cs == NULL)
		return -1;
	/* its IKE_SAs are deleted; the connection goes with the last of them */
	cs->removed = true;
	cs->refs++;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next)
		if (sa->conn == &cs->c && sa->state != S_DEAD)
			sa_terminate(e, sa);
	conn_put(cs);
	return 0;
}

/* ---- proposals and selectors ---- */

static bool
offers(const struct ike_proposal *p, const struct ike_transform *t)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->t[i].type == t->type && p->t[i].id == t->id &&
		    p->t[i].key_len == t->key_len)
			return true;
	return false;
}

int
ike_proposal_select(const struct ike_proposal *peer, unsigned np,
		    const struct ike_proposal *ours, unsigned no, bool esp, bool ignore_dh,
		    struct ike_algs *out, unsigned *chosen)
{
	static const uint8_t types[] = { TT_ENCR, TT_PRF, TT_INTEG, TT_DH, TT_ESN };

	for (unsigned i = 0; i < np; i++) {
		const struct ike_proposal *p = &peer[i];
		if (p->proto != (esp ? PROTO_ESP : PROTO_IKE))
			continue;
		if (esp ? p->spi_size != 4 : (p->spi_size != 0 && p->spi_size != 8))
			continue;
		for (unsigned j = 0; j < no; j++) {
			struct ike_algs a = { 0 };
			bool ok = true;
			for (unsigned t = 0; t < sizeof(types) && ok; t++) {
				const struct ike_transform *pick = NULL;
				bool peer_has = false;
				if (ignore_dh && types[t] == TT_DH)
					continue;
				for (unsigned k = 0; k < p->n && !pick; k++) {
					if (p->t[k].type != types[t])
						continue;
					/* "none" counts as absent for INTEG and DH */
					if ((types[t] == TT_INTEG || types[t] == TT_DH) && p->t[k].id == 0)
						continue;
					peer_has = true;
					if (offers(&ours[j], &p->t[k]))
						pick = &p->t[k];
				}
				if (pick == NULL) {
					ok = !peer_has && !has_type(&ours[j], types[t]);
					continue;
				}
				switch (types[t]) {
				case TT_ENCR: a.encr = pick->id; a.encr_bits = pick->key_len; break;
				case TT_PRF: a.prf = pick->id; break;
				case TT_INTEG: a.integ = pick->id; break;
				case TT_DH: a.dh = pick->id; break;
				case TT_ESN: a.esn = pick->id == 1; break;
				}
			}
			if (ok) {
				*out = a;
				*chosen = i;
				return 0;
			}
		}
	}
	return -1;
}

static bool
low_bits_zero(const uint8_t *a, unsigned al, unsigned h)
{
	for (unsigned i = 0; i < h; i++)
		if (a[al - 1 - i / 8] >> (i % 8) & 1)
			return false;
	return true;
}

void
ike_ts_prefix(struct ike_ts *t)
{
	unsigned al = t->type == TS_IPV4_ADDR_RANGE ? 4 : 16;
	uint8_t end[16];

	/* the most host bits h such that lo is aligned and lo + 2^h - 1 <= hi */
	for (unsigned h = al * 8;; h--) {
		if (!low_bits_zero(t->lo, al, h))
			continue;
		memcpy(end, t->lo, al);
		for (unsigned i = 0; i < h; i++)
			end[al - 1 - i / 8] |= (uint8_t)(1u << (i % 8));
		if (memcmp(end, t->hi, al) <= 0) {
			memcpy(t->hi, end, al);
			return;
		}
	}
}

bool
ike_ts_narrow(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	unsigned al = a->type == TS_IPV4_ADDR_RANGE ? 4 : 16;

	if (a->type != b->type)
		return false;
	if (a->proto && b->proto && a->proto != b->proto)
		return false;
	*out = *a;
	out->proto = a->proto ? a->proto : b->proto;
	out->port_lo = a->port_lo > b->port_lo ? a->port_lo : b->port_lo;
	out->port_hi = a->port_hi < b->port_hi ? a->port_hi : b->port_hi;
	if (out->port_lo > out->port_hi)
		return false;
	if (memcmp(b->lo, a->lo, al) > 0)
		memcpy(out->lo, b->lo, al);
	if (memcmp(b->hi, a->hi, al) < 0)
		memcpy(out->hi, b->hi, al);
	return memcmp(out->lo, out->hi, al) <= 0;
}

/* ---- engine ---- */

struct ike_engine *
ike_engine_new(const struct ike_ops *ops, void *ctx)
{
	struct ike_engine *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->ops = ops;
	e->ctx = ctx;
	e->by_our = calloc(1u << HASH_BITS, sizeof(*e->by_our));
	e->by_peer = calloc(1u << HASH_BITS, sizeof(*e->by_peer));
	if (e->by_our == NULL || e->by_peer == NULL) {
		free(e->by_our);
		free(e->by_peer);
		free(e);
		return NULL;
	}
	spi_perm_init(&e->child_spis);
	ike_random(e->secret[0], sizeof(e->secret[0]));
	e->cookie_threshold = 64;
	e->half_open_per_source = 8;
	return e;
}

void
ike_engine_free(struct ike_engine *e)
{
	while (e->sas) {
		struct ike_sa *n = e->sas->next;
		sa_free(e->sas);
		e->sas = n;
	}
	for (unsigned i = 0; i < e->n_conn; i++) {
		e->conn[i]->removed = true;
		e->conn[i]->refs++;
		conn_put(e->conn[i]);
	}
	free(e->by_our);
	free(e->by_peer);
	free(e);
}

void
ike_get_stats(const struct ike_engine *e, struct ike_stats *s)
{
	*s = e->st;
	s->ike_sas = s->half_open = 0;
	for (const struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		s->ike_sas++;
		s->half_open += sa->state == S_INIT_DONE || sa->state == S_INIT_SENT;
	}
}

void
ike_foreach(struct ike_engine *e, void (*fn)(void *ctx, const struct ike_sa_info *), void *ctx)
{
	static const char *const names[] = {
		[S_INIT_SENT] = "connecting", [S_AUTH_SENT] = "authenticating",
		[S_INIT_DONE] = "half-open", [S_ESTABLISHED] = "established",
		[S_DELETING] = "deleting", [S_DEAD] = "dead",
	};

	for (const struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		/* the CHILD_SA that carries the traffic now (newest routed one) */
		const struct child *c = &sa->ch[0];
		for (int k = 0; k < MAX_CHILD; k++)
			if (sa->ch[k].used && sa->ch[k].routed)
				c = &sa->ch[k];
		struct ike_sa_info i = {
			.conn = sa->conn->name, .state = names[sa->state],
			.spi_i = sa->spi_i, .spi_r = sa->spi_r, .initiator = sa->initiator,
			.natt = sa->natt, .child_up = c->up, .local = sa->local,
			.remote = sa->remote, .ike = sa->keys.a, .esp = c->esp,
			.spi_in = c->spi_in, .spi_out = c->spi_out,
			.age_ms = sa->established_at ? e->now - sa->established_at : 0,
		};
		for (int k = 0; k < MAX_CHILD; k++) {
			const struct child *x = &sa->ch[k];
			struct ike_child_view *v = &i.ch[i.n_ch];
			if (!x->used || !x->up)
				continue;
			i.children++;
			v->spi_in = x->spi_in;
			v->spi_out = x->spi_out;
			v->esp = x->esp;
			v->ts_l = x->ts_l;
			v->ts_r = x->ts_r;
			v->state = x->deleting ? "deleting" : x->redundant ? "redundant" :
				   x->routed ? "routed" : x->replaced ? "rekeyed" : "installed";
			v->age_ms = e->now - x->up_at;
			v->rekey_in_ms = x->rekey_at && !x->replaced ?
					 (int64_t)x->rekey_at - (int64_t)e->now : -1;
			i.n_ch++;
		}
		i.frag = sa->frag;
		i.rekey_in_ms = sa->rekey_at && sa->state == S_ESTABLISHED ?
				(int64_t)sa->rekey_at - (int64_t)e->now : -1;
		if (sa->state != S_DEAD)
			fn(ctx, &i);
	}
}

static struct ike_sa *
sa_new(struct ike_engine *e, const struct ike_conn *c, bool initiator)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (sa == NULL)
		return NULL;
	sa->conn = c;
	((struct conn_slot *)c)->refs++;
	sa->initiator = initiator;
	/* random, never 0 (RFC 7296 3.1), not one of ours already */
	{
		uint64_t *spi = initiator ? &sa->spi_i : &sa->spi_r;
		do
			ike_random(spi, 8);
		while (*spi == 0 || sa_by_our_spi(e, *spi) != NULL);
	}
	sa->last_heard = e->now;
	sa->next = e->sas;
	e->sas = sa;
	return sa;
}

static uint32_t
child_spi(struct ike_engine *e)
{
	return spi_perm_next(&e->child_spis);
}

static void
put_ke_of(struct ike_buf *b, uint16_t group, struct ike_dh *dh)
{
	uint8_t pub[2 * 66 + 256];
	size_t n = ike_dh_public(dh, pub, sizeof(pub)), off = ike_pl_begin(b, PL_KE);

	ike_put16(b, group);
	ike_put16(b, 0);
	ike_put(b, pub, n);
	ike_pl_end(b, off);
}

static void
put_ke(struct ike_buf *b, struct ike_sa *sa)
{
	put_ke_of(b, sa->dh_group, sa->dh);
}

/* our ESP proposals with our inbound SPI; DH transforms only with a KE */
static void
put_esp_offer(struct ike_buf *ib, const struct ike_conn *c, uint32_t spi, bool keep_dh)
{
	struct ike_proposal props[IKE_MAX_CONN_PROPS];

	for (unsigned i = 0; i < c->n_esp; i++) {
		unsigned k = 0;
		props[i] = c->esp[i];
		props[i].spi_size = 4;
		props[i].spi = spi;
		for (unsigned t = 0; t < props[i].n; t++)
			if (keep_dh || props[i].t[t].type != TT_DH)
				props[i].t[k++] = props[i].t[t];
		props[i].n = k;
	}
	ike_put_sa(ib, props, c->n_esp);
}

/* the proposal we accepted, under the peer's number, with our SPI */
static void
put_esp_chosen(struct ike_buf *ib, const struct child *c)
{
	struct ike_proposal p;

	memset(&p, 0, sizeof(p));
	p.num = c->prop_num;
	p.proto = PROTO_ESP;
	p.spi_size = 4;
	p.spi = c->spi_in;
	p.t[p.n++] = (struct ike_transform){ TT_ENCR, c->esp.encr, c->esp.encr_bits };
	if (c->esp.integ)
		p.t[p.n++] = (struct ike_transform){ TT_INTEG, c->esp.integ, 0 };
	if (c->esp.dh)
		p.t[p.n++] = (struct ike_transform){ TT_DH, c->esp.dh, 0 };
	p.t[p.n++] = (struct ike_transform){ TT_ESN, c->esp.esn, 0 };
	ike_put_sa(ib, &p, 1);
}

static void
put_nonce(struct ike_buf *b, const uint8_t *n, size_t len)
{
	size_t off = ike_pl_begin(b, PL_NONCE);
	ike_put(b, n, len);
	ike_pl_end(b, off);
}

static int
send_init_request(struct ike_engine *e, struct ike_sa *sa, const uint8_t *cookie,
		  size_t cookie_len)
{
	uint8_t mem[MSG_CAP];
	struct ike_buf b;
	struct ike_hdr h;
	size_t n;

	/* a cookie retry repeats the request: the cookie covers our nonce (2.6) */
	if (cookie == NULL || sa->dh == NULL) {
		ike_dh_free(sa->dh);
		sa->dh = ike_dh_new(sa->dh_group);
		if (sa->dh == NULL)
			return -1;
		sa->nilen = NONCE_LEN;
		ike_random(sa->ni, sa->nilen);
	}
	hdr_for(sa, &h, IKE_SA_INIT, false, 0);
	ike_buf_init(&b, mem, sizeof(mem));
	ike_hdr_put(&b, &h);
	if (cookie)
		ike_put_notify(&b, 0, N_COOKIE, NULL, 0, cookie, cookie_len);
	ike_put_sa(&b, sa->conn->ike, sa->conn->n_ike);
	put_ke(&b, sa);
	put_nonce(&b, sa->ni, sa->nilen);
	put_nat_notifies(&b, sa);
	put_sig_hashes(&b);
	if (sa->conn->frag_size)
		ike_put_notify(&b, 0, N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
	n = ike_msg_finish(&b);
	if (n == 0)
		return -1;
	free(sa->msg1);
	sa->msg1 = malloc(n);
	if (sa->msg1 == NULL)
		return -1;
	memcpy(sa->msg1, mem, n);
	sa->msg1_len = n;
	sa->state = S_INIT_SENT;
	sa->my_id = 0;
	send_plain(e, sa, mem, n, false);
	return 0;
}

int
ike_initiate(struct ike_engine *e, const char *name, uint64_t now, char *err, size_t el)
{
	const struct ike_conn *c = conn_by_name(e, name);
	struct ike_sa *sa;

	e->now = now;
	if (c == NULL || c->remote.family == 0) {
		snprintf(err, el, c ? "connection %s has no remote address" : "no connection %s",
			 name);
		return -1;
	}
	sa = sa_new(e, c, true);
	if (sa == NULL)
		return -1;
	sa_index(e, sa);
	sa->local = (struct ike_ep){ c->local, IKE_PORT };
	sa->remote = (struct ike_ep){ c->remote, IKE_PORT };
	for (unsigned i = 0; i < c->ike[0].n; i++)
		if (c->ike[0].t[i].type == TT_DH) {
			sa->dh_group = c->ike[0].t[i].id;
			break;
		}
	if (send_init_request(e, sa, NULL, 0) < 0) {
		snprintf(err, el, "cannot build IKE_SA_INIT");
		sa->state = S_DEAD;
		return -1;
	}
	log_info("ike %s: initiating IKE_SA %016lx", c->name, (unsigned long)sa->spi_i);
	return 0;
}

/* ---- AUTH (2.15) ---- */

/*
 * What an AUTH covers (2.15): the IKE_SA_INIT message of the signer, the
 * other side's nonce, and prf(SK_p, the signer's ID payload body).
 */
static size_t
signed_octets(const struct ike_sa *sa, bool of_initiator, const uint8_t *id_body, size_t id_len,
	      uint8_t *out, size_t cap)
{
	const uint8_t *msg = of_initiator ? sa->msg1 : sa->msg2;
	size_t mlen = of_initiator ? sa->msg1_len : sa->msg2_len;
	const uint8_t *nonce = of_initiator ? sa->nr : sa->ni;
	size_t nlen = of_initiator ? sa->nrlen : sa->nilen;
	struct ike_iov vid = { id_body, id_len };

	if (mlen + nlen + sa->keys.prf_len > cap ||
	    ike_prf(sa->keys.a.prf, of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr,
		    sa->keys.prf_len, &vid, 1, out + mlen + nlen) < 0)
		return 0;
	memcpy(out, msg, mlen);
	memcpy(out + mlen, nonce, nlen);
	return mlen + nlen + sa->keys.prf_len;
}

static int
psk_auth(const struct ike_sa *sa, bool of_initiator, const uint8_t *id_body, size_t id_len,
	 uint8_t *out)
{
	static const char pad[] = "Key Pad for IKEv2";
	uint16_t prf = sa->keys.a.prf;
	uint8_t kp[IKE_MAX_PRF], macid[IKE_MAX_PRF];
	struct ike_iov v1 = { pad, sizeof(pad) - 1 }, vid = { id_body, id_len };
	const uint8_t *msg = of_initiator ? sa->msg1 : sa->msg2;
	size_t mlen = of_initiator ? sa->msg1_len : sa->msg2_len;
	/* the other side's nonce */
	const uint8_t *nonce = of_initiator ? sa->nr : sa->ni;
	size_t nlen = of_initiator ? sa->nrlen : sa->nilen;
	struct ike_iov v[3] = { { msg, mlen }, { nonce, nlen }, { macid, sa->keys.prf_len } };
	int rc;

	if (ike_prf(prf, of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr, sa->keys.prf_len,
		    &vid, 1, macid) < 0 ||
	    ike_prf(prf, sa->conn->psk, sa->conn->psk_len, &v1, 1, kp) < 0)
		return -1;
	rc = ike_prf(prf, kp, sa->keys.prf_len, v, 3, out);
	ike_wipe(kp, sizeof(kp));
	return rc;
}

/* CERTREQ (3.7): the CAs we trust, when we trust any */
static void
put_certreq(struct ike_buf *b, const struct ike_conn *c)
{
	uint8_t h[20 * 16];
	size_t n = ike_certreq_data(&c->creds, h, sizeof(h)), off;

	if (n == 0)
		return;
	off = ike_pl_begin(b, PL_CERTREQ);
	ike_put8(b, 4);
	ike_put(b, h, n);
	ike_pl_end(b, off);
}

static void
put_id(struct ike_buf *b, uint8_t type, const struct ike_id *id)
{
	size_t off = ike_pl_begin(b, type);
	ike_put8(b, id->type);
	ike_put(b, NULL, 3);
	ike_put(b, id->data, id->len);
	ike_pl_end(b, off);
}

static void
put_auth(struct ike_buf *b, const uint8_t *a, size_t n)
{
	size_t off = ike_pl_begin(b, PL_AUTH);
	ike_put8(b, AUTH_PSK);
	ike_put(b, NULL, 3);
	ike_put(b, a, n);
	ike_pl_end(b, off);
}

/* IP, UDP and the non-ESP marker around an IKE message to the peer */
static size_t
dgram_overhead(const struct ike_sa *sa)
{
	return (sa->remote.addr.family == AF_INET6 ? 40 : 20) + 8 +
	       (sa->remote.port == IKE_NATT_PORT || sa->local.port == IKE_NATT_PORT ? 4 : 0);
}

/*
 * An encrypted message for sa carrying the inner chain: one datagram, or,
 * when both sides support RFC 7383 and the datagram would exceed the
 * connection's fragment size, Encrypted Fragments that each fit (2.5.1).
 * Returns 0 with d filled, -1 on failure.
 */
static int
seal(struct ike_sa *sa, struct dgrams *d, uint8_t x, bool response, uint32_t id,
     const uint8_t *inner, size_t ilen, uint8_t first)
{
	uint8_t mem[MSG_CAP + 256];
	const struct ike_keys *k = &sa->keys;
	size_t frag_size = sa->conn->frag_size, n, fixed, room, total;
	bool ae = ike_encr_aead(k->a.encr);
	struct ike_buf b;
	struct ike_hdr h;

	memset(d, 0, sizeof(*d));
	hdr_for(sa, &h, x, response, id);
	ike_buf_init(&b, mem, sizeof(mem));
	ike_hdr_put(&b, &h);
	n = ike_sk_seal(k, sa->initiator, &b, first, inner, ilen);
	if (n == 0)
		return -1;
	if (!sa->frag || n + dgram_overhead(sa) <= frag_size)
		return dg_add(d, mem, n);
	/* per fragment: header, SKF header with the numbers, IV, ICV */
	fixed = dgram_overhead(sa) + IKE_HDR_LEN + 8 + (ae ? 8 : 16) + k->icv_len;
	if (frag_size < fixed + 32)
		return -1;
	room = ae ? frag_size - fixed - 1 : (frag_size - fixed) / 16 * 16 - 1;
	total = (ilen + room - 1) / room;
	if (total > MAX_FRAGS)
		return -1;
	for (size_t i = 0; i < total; i++) {
		size_t off = i * room, len = ilen - off < room ? ilen - off : room;
		ike_buf_init(&b, mem, sizeof(mem));
		ike_hdr_put(&b, &h);
		n = ike_skf_seal(k, sa->initiator, &b, i ? PL_NONE : first, inner + off, len,
				 (uint16_t)(i + 1), (uint16_t)total);
		if (n == 0 || dg_add(d, mem, n) < 0) {
			free(d->p);
			d->p = NULL;
			return -1;
		}
	}
	return 0;
}

static int
derive_keys(struct ike_sa *sa, const struct ike_algs *a, const uint8_t *peer_ke, size_t kelen)
{
	uint8_t gir[IKE_MAX_DH];
	size_t glen;
	int rc;

	if (ike_dh_shared(sa->dh, peer_ke, kelen, gir, &glen) < 0)
		return -1;
	rc = ike_derive_ike_keys(&sa->keys, a, gir, glen, sa->ni, sa->nilen, sa->nr, sa->nrlen,
				 sa->spi_i, sa->spi_r, NULL, 0);
	ike_wipe(gir, sizeof(gir));
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	return rc;
}

static size_t
build_auth_inner(struct ike_sa *sa, struct ike_buf *ib, bool request)
{
	const struct ike_conn *c = sa->conn;
	uint8_t idb[4 + 255], auth[IKE_MAX_PRF];
	size_t n;

	ike_buf_init(ib, ib->p, ib->cap);
	ib->np_off = (size_t)-1;	/* the first type goes into the SK header */
	idb[0] = c->local_id.type;
	memset(idb + 1, 0, 3);
	memcpy(idb + 4, c->local_id.data, c->local_id.len);
	put_id(ib, sa->initiator ? PL_IDI : PL_IDR, &c->local_id);
	if (auth_by_cert(c)) {
		/* CERT (X.509, encoding 4), then a digital signature AUTH (RFC 7427) */
		static uint8_t der[8192], octets[MSG_CAP + 2 * IKE_MAX_NONCE], sig[1024];
		size_t dl = ike_cert_der(&c->creds, der, sizeof(der)), on, sl, off;
		uint8_t method = AUTH_DIGSIG;
		on = signed_octets(sa, sa->initiator, idb, 4u + c->local_id.len, octets,
				   sizeof(octets));
		/* RFC 7427 where the peer announced it, else the key's classic method */
		sl = on ? ike_sign(&c->creds, sa->digsig, octets, on, sig, sizeof(sig), &method) : 0;
		if (dl == 0 || sl == 0)
			return 0;
		off = ike_pl_begin(ib, PL_CERT);
		ike_put8(ib, 4);
		ike_put(ib, der, dl);
		ike_pl_end(ib, off);
		if (request)
			put_certreq(ib, c);
		if (request && c->remote_id.type)
			put_id(ib, PL_IDR, &c->remote_id);
		off = ike_pl_begin(ib, PL_AUTH);
		ike_put8(ib, method);
		ike_put(ib, NULL, 3);
		ike_put(ib, sig, sl);
		ike_pl_end(ib, off);
	} else {
		if (psk_auth(sa, sa->initiator, idb, 4u + c->local_id.len, auth) < 0)
			return 0;
		if (request)
			put_certreq(ib, c);
		if (request && c->remote_id.type)
			put_id(ib, PL_IDR, &c->remote_id);
		put_auth(ib, auth, sa->keys.prf_len);
		ike_wipe(auth, sizeof(auth));
	}
	if (c->transport)
		ike_put_notify(ib, 0, N_USE_TRANSPORT_MODE, NULL, 0, NULL, 0);
	if (request) {
		/* no KE in IKE_AUTH: no DH transforms (1.2) */
		put_esp_offer(ib, c, sa->ch[0].spi_in, false);
		ike_put_ts(ib, PL_TSI, &c->local_ts, 1);
		ike_put_ts(ib, PL_TSR, &c->remote_ts, 1);
	} else {
		put_esp_chosen(ib, &sa->ch[0]);
		/* TSi is the initiator's side: the peer's traffic for us */
		ike_put_ts(ib, PL_TSI, &sa->ch[0].ts_r, 1);
		ike_put_ts(ib, PL_TSR, &sa->ch[0].ts_l, 1);
	}
	n = ib->overflow ? 0 : ib->len;
	return n;
}

static void
send_auth_request(struct ike_engine *e, struct ike_sa *sa)
{
	uint8_t inner[MSG_CAP];
	struct ike_buf ib;
	struct dgrams d;
	size_t n;

	sa->ch[0].spi_in = child_spi(e);
	ike_buf_init(&ib, inner, sizeof(inner));
	n = build_auth_inner(sa, &ib, true);
	if (n == 0 || seal(sa, &d, IKE_AUTH, false, sa->my_id, inner, n, PL_IDI) < 0) {
		sa_kill(e, sa, "cannot build IKE_AUTH");
		return;
	}
	sa->state = S_AUTH_SENT;
	send_request(e, sa, &d);
}

/* the hard lifetime's end: configured, or the rekey time + 10 % */
static uint64_t
expiry(struct ike_engine *e, uint32_t life_s, uint32_t rekey_s)
{
	uint64_t ms = life_s ? life_s * 1000ull : rekey_s * 1100ull;

	return ms ? e->now + ms : 0;
}

/* a rekey time a random 0-10 % early, so that both sides rarely collide */
static uint64_t
jittered(struct ike_engine *e, uint32_t life_s)
{
	uint32_t r;

	if (life_s == 0)
		return 0;
	ike_random(&r, sizeof(r));
	return e->now + life_s * 1000ull - r % (life_s * 100ull + 1);
}

/* keys, then the data plane; the rekey timer starts */
static int
child_install(struct ike_engine *e, struct ike_sa *sa, struct child *c, const uint8_t *gir,
	      size_t girlen, const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen)
{
	struct ike_child_info ci;
	struct ike_child_keys k;
	int rc;

	/* the keys go to the data plane and are not kept here */
	if (ike_derive_child_keys(&k, &sa->keys, &c->esp, gir, girlen, ni, nilen, nr, nrlen) < 0)
		return -1;
	child_info(sa, c, &ci, &k);
	rc = e->ops->child_up ? e->ops->child_up(e->ctx, &ci) : 0;
	ike_wipe(&k, sizeof(k));
	if (rc < 0) {
		log_warn("ike %s: CHILD_SA install failed", sa->conn->name);
		return -1;
	}
	c->up = true;
	c->up_at = e->now;
	e->st.child_up++;
	c->rekey_at = jittered(e, sa->conn->child_rekey);
	c->expire_at = expiry(e, sa->conn->child_life, sa->conn->child_rekey);
	log_info("ike %s: CHILD_SA up, SPIs in %08x out %08x", sa->conn->name,
		 c->spi_in, c->spi_out);
	return 0;
}

static void
established(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->state == S_INIT_DONE)
		half_open_del(e, sa);
	sa->state = S_ESTABLISHED;
	sa->established_at = e->now;
	sa->rekey_at = jittered(e, sa->conn->ike_rekey);
	sa->expire_at = expiry(e, sa->conn->ike_life, sa->conn->ike_rekey);
	e->st.ike_up++;
	log_info("ike %s: IKE_SA %016lx_%016lx established%s", sa->conn->name,
		 (unsigned long)sa->spi_i, (unsigned long)sa->spi_r, sa->natt ? " (NAT-T)" : "");
	if (e->ops->ike_up)
		e->ops->ike_up(e->ctx, sa->conn->name, sa->spi_i, sa->spi_r);
}

/* ---- message handling ---- */

static void
send_init_error(struct ike_engine *e, const struct ike_hdr *rh, const struct ike_ep *local,
		const struct ike_ep *remote, uint16_t type, const void *data, size_t len)
{
	uint8_t mem[256];
	struct ike_buf b;
	struct ike_hdr h = { .spi_i = rh->spi_i, .exchange = IKE_SA_INIT, .flags = IKE_FLAG_R };

	ike_buf_init(&b, mem, sizeof(mem));
	ike_hdr_put(&b, &h);
	ike_put_notify(&b, 0, type, NULL, 0, data, len);
	if (ike_msg_finish(&b)) {
		e->st.tx++;
		e->ops->send(e->ctx, local, remote, mem, b.len);
	}
}

static const struct ike_conn *
conn_for(struct ike_engine *e, const struct ike_ep *local, const struct ike_ep *remote)
{
	for (unsigned i = 0; i < e->n_conn; i++) {
		const struct ike_conn *c = &e->conn[i]->c;
		if (ip_addr_eq(&c->local, &local->addr) &&
		    (c->remote.family == 0 || ip_addr_eq(&c->remote, &remote->addr)))
			return c;
	}
	return NULL;
}

/* SA, KE and Nonce of an IKE_SA_INIT message, matched against c's proposals */
struct init_pls {
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	unsigned np, chosen;
	struct ike_algs a;
	uint16_t group;
	const uint8_t *ke;
	size_t kelen;
	const struct ike_pl *nonce;
};

enum { INIT_MISSING = -1, INIT_BAD_NONCE = -2, INIT_SYNTAX = -3, INIT_NO_PROPOSAL = -4 };

static int
init_payloads(const struct ike_msg *m, const struct ike_conn *c, struct init_pls *x)
{
	const struct ike_pl *psa = ike_find(m, PL_SA), *pke = ike_find(m, PL_KE);
	struct ike_err er;

	x->nonce = ike_find(m, PL_NONCE);
	if (psa == NULL || pke == NULL || x->nonce == NULL)
		return INIT_MISSING;
	if (x->nonce->len < 16 || x->nonce->len > IKE_MAX_NONCE)
		return INIT_BAD_NONCE;
	if (ike_sa_parse(psa, x->props, IKE_MAX_PROPOSALS, &x->np, &er) < 0 ||
	    ike_ke_parse(pke, &x->group, &x->ke, &x->kelen, &er) < 0)
		return INIT_SYNTAX;
	if (ike_proposal_select(x->props, x->np, c->ike, c->n_ike, false, false, &x->a,
				&x->chosen) < 0)
		return INIT_NO_PROPOSAL;
	return 0;
}

/*
 * Stateless cookie (2.6): version | SHA-256(Ni | IPi | SPIi | secret)
 * truncated to 16 bytes. The secret changes every 5 minutes; cookies of
 * the previous one still count.
 */
static void
cookie_of(struct ike_engine *e, uint8_t ver, const struct ike_msg *m, const struct ike_pl *pn,
	  const struct ike_ep *remote, uint8_t out[17])
{
	uint8_t buf[IKE_MAX_NONCE + 16 + 8 + 32], md[32];
	size_t n = 0;
	unsigned al = ip_alen(remote->addr.family);

	memcpy(buf, pn->body, pn->len);
	n += pn->len;
	memcpy(buf + n, remote->addr.a, al);
	n += al;
	for (int i = 7; i >= 0; i--)
		buf[n++] = m->h.spi_i >> (8 * i);
	memcpy(buf + n, e->secret[ver == e->secret_ver ? 0 : 1], 32);
	n += 32;
	EVP_Digest(buf, n, md, NULL, EVP_sha256(), NULL);
	out[0] = ver;
	memcpy(out + 1, md, 16);
	ike_wipe(buf, sizeof(buf));
}

static bool
cookie_ok(struct ike_engine *e, const struct ike_msg *m, const struct ike_pl *pn,
	  const struct ike_ep *remote)
{
	struct ike_notify_pl n;
	uint8_t want[17];

	if (ike_find_notify(m, N_COOKIE, &n) == NULL || n.data_len != 17 ||
	    (n.data[0] != e->secret_ver && n.data[0] != (uint8_t)(e->secret_ver - 1)))
		return false;
	cookie_of(e, n.data[0], m, pn, remote, want);
	return CRYPTO_memcmp(want, n.data, 17) == 0;
}

/* half-open SAs from one address */
static unsigned
half_open_from(struct ike_engine *e, const struct ike_ep *remote)
{
	unsigned n = 0;

	for (struct ike_sa *sa = e->half_open_list; sa; sa = sa->ho_next)
		n += ip_addr_eq(&sa->remote.addr, &remote->addr);
	return n;
}

void
ike_set_limits(struct ike_engine *e, unsigned cookie_threshold, unsigned per_source)
{
	e->cookie_threshold = cookie_threshold;
	e->half_open_per_source = per_source;
}

static void
init_request(struct ike_engine *e, const struct ike_msg *m, const struct ike_ep *local,
	     const struct ike_ep *remote)
{
	const struct ike_conn *c = conn_for(e, local, remote);
	struct init_pls x;
	struct ike_sa *sa;
	int rc;
	uint8_t mem[MSG_CAP];
	struct ike_buf b;
	struct ike_hdr h;
	struct ike_proposal sel;

	/* a retransmitted request: answer with the same response */
	for (sa = e->by_peer[spi_hash(m->h.spi_i)]; sa; sa = sa->hnext_peer)
		if (!sa->initiator && sa->spi_i == m->h.spi_i && sa->state != S_DEAD &&
		    ip_addr_eq(&sa->remote.addr, &remote->addr)) {
			if (sa->have_resp && sa->peer_id == 1 && sa->state == S_INIT_DONE)
				xmit(e, sa, sa->resp, sa->resp_len);
			return;
		}
	if (c == NULL) {
		e->st.rx_dropped++;
		return;
	}
	/* under load, no state and no DH before the initiator proves its address */
	if (e->half_open >= e->cookie_threshold) {
		const struct ike_pl *pn = ike_find(m, PL_NONCE);
		if (pn == NULL || pn->len < 16 || pn->len > IKE_MAX_NONCE) {
			e->st.rx_dropped++;
			return;
		}
		if (e->now - e->secret_at > 300000) {
			memcpy(e->secret[1], e->secret[0], 32);
			ike_random(e->secret[0], 32);
			e->secret_ver++;
			e->secret_at = e->now;
		}
		if (!cookie_ok(e, m, pn, remote)) {
			uint8_t ck[17];
			cookie_of(e, e->secret_ver, m, pn, remote, ck);
			e->st.cookies_sent++;
			send_init_error(e, &m->h, local, remote, N_COOKIE, ck, sizeof(ck));
			return;
		}
	}
	if (e->half_open && half_open_from(e, remote) >= e->half_open_per_source) {
		e->st.half_open_refused++;
		return;
	}
	rc = init_payloads(m, c, &x);
	if (rc == INIT_NO_PROPOSAL) {
		send_init_error(e, &m->h, local, remote, N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (rc < 0) {
		e->st.rx_dropped++;
		if (rc != INIT_BAD_NONCE)
			send_init_error(e, &m->h, local, remote, N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (x.group != x.a.dh) {
		uint8_t g[2] = { x.a.dh >> 8, x.a.dh & 255 };
		send_init_error(e, &m->h, local, remote, N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	sa = sa_new(e, c, false);
	if (sa == NULL)
		return;
	sa->spi_i = m->h.spi_i;
	sa_index(e, sa);
	sa->local = *local;
	sa->remote = *remote;
	sa->dh_group = x.group;
	sa->dh = ike_dh_new(x.group);
	sa->nilen = x.nonce->len;
	memcpy(sa->ni, x.nonce->body, x.nonce->len);
	sa->nrlen = NONCE_LEN;
	ike_random(sa->nr, sa->nrlen);
	sa->msg1 = malloc(m->raw_len);
	if (sa->dh == NULL || sa->msg1 == NULL) {
		sa->state = S_DEAD;
		return;
	}
	memcpy(sa->msg1, m->raw, m->raw_len);
	sa->msg1_len = m->raw_len;
	sa->natt = nat_detected(m, sa);
	sa->frag = c->frag_size && has_notify(m, N_IKEV2_FRAGMENTATION_SUPPORTED);
	sa->digsig = has_notify(m, N_SIGNATURE_HASH_ALGORITHMS);
	/* response: SAr1, KEr, Nr, NAT detection */
	hdr_for(sa, &h, IKE_SA_INIT, true, 0);
	ike_buf_init(&b, mem, sizeof(mem));
	ike_hdr_put(&b, &h);
	sel = x.props[x.chosen];
	sel.spi_size = 0;
	sel.n = 0;
	sel.t[sel.n++] = (struct ike_transform){ TT_ENCR, x.a.encr, x.a.encr_bits };
	sel.t[sel.n++] = (struct ike_transform){ TT_PRF, x.a.prf, 0 };
	if (x.a.integ)
		sel.t[sel.n++] = (struct ike_transform){ TT_INTEG, x.a.integ, 0 };
	sel.t[sel.n++] = (struct ike_transform){ TT_DH, x.a.dh, 0 };
	ike_put_sa(&b, &sel, 1);
	put_ke(&b, sa);
	put_nonce(&b, sa->nr, sa->nrlen);
	put_nat_notifies(&b, sa);
	put_sig_hashes(&b);
	put_certreq(&b, c);
	if (sa->frag)
		ike_put_notify(&b, 0, N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
	if (ike_msg_finish(&b) == 0 || derive_keys(sa, &x.a, x.ke, x.kelen) < 0) {
		sa->state = S_DEAD;
		e->st.rx_dropped++;
		return;
	}
	sa->msg2 = malloc(b.len);
	if (sa->msg2 == NULL) {
		sa->state = S_DEAD;
		return;
	}
	memcpy(sa->msg2, mem, b.len);
	sa->msg2_len = b.len;
	sa->state = S_INIT_DONE;
	half_open_add(e, sa);
	sa->peer_id = 1;
	send_plain(e, sa, mem, b.len, true);
}

static void
init_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_notify_pl n;
	struct init_pls x;
	struct ike_err er;

	if (ike_find_notify(m, N_COOKIE, &n) && n.data_len >= 1 && n.data_len <= 64) {
		uint8_t cookie[64];
		if (++sa->cookie_tries > 3) {
			sa_kill(e, sa, "the responder keeps asking for cookies");
			return;
		}
		memcpy(cookie, n.data, n.data_len);
		send_init_request(e, sa, cookie, n.data_len);
		return;
	}
	if (ike_find_notify(m, N_INVALID_KE_PAYLOAD, &n) && n.data_len == 2) {
		uint16_t g = (uint16_t)(n.data[0] << 8 | n.data[1]);
		struct ike_transform t = { TT_DH, g, 0 };
		bool ours = false;
		for (unsigned i = 0; i < sa->conn->n_ike; i++)
			ours |= offers(&sa->conn->ike[i], &t);
		if (!ours || g == sa->dh_group) {
			sa_kill(e, sa, "peer wants a group we do not offer");
			return;
		}
		log_info("ike %s: peer asks for group %u", sa->conn->name, g);
		sa->dh_group = g;
		send_init_request(e, sa, NULL, 0);
		return;
	}
	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].type == PL_NOTIFY && ike_notify_parse(&m->pl[i], &n, &er) == 0 &&
		    n.type <= N_ERROR_MAX) {
			char why[80];
			snprintf(why, sizeof(why), "IKE_SA_INIT refused: %s", ike_notify_name(n.type));
			sa_kill(e, sa, why);
			return;
		}
	/* the responder picks exactly one of our proposals, for our KE group */
	if (m->h.spi_r == 0 || init_payloads(m, sa->conn, &x) < 0 || x.np != 1 ||
	    x.group != x.a.dh || x.group != sa->dh_group) {
		e->st.rx_dropped++;
		sa_kill(e, sa, "unacceptable IKE_SA_INIT response");
		return;
	}
	sa->spi_r = m->h.spi_r;
	sa->nrlen = x.nonce->len;
	memcpy(sa->nr, x.nonce->body, x.nonce->len);
	free(sa->msg2);
	sa->msg2 = malloc(m->raw_len);
	if (sa->msg2 == NULL)
		return;
	memcpy(sa->msg2, m->raw, m->raw_len);
	sa->msg2_len = m->raw_len;
	if (derive_keys(sa, &x.a, x.ke, x.kelen) < 0) {
		sa_kill(e, sa, "bad key exchange value");
		return;
	}
	free(sa->req);
	sa->req = NULL;
	sa->my_id = 1;
	sa->natt = nat_detected(m, sa);
	sa->frag = sa->conn->frag_size && has_notify(m, N_IKEV2_FRAGMENTATION_SUPPORTED);
	sa->digsig = has_notify(m, N_SIGNATURE_HASH_ALGORITHMS);
	if (sa->natt) {
		/* 2.23: float to 4500 from IKE_AUTH on */
		sa->local.port = IKE_NATT_PORT;
		sa->remote.port = IKE_NATT_PORT;
	}
	send_auth_request(e, sa);
}

/* check the peer's ID and AUTH payloads; the ID body for AUTH */
static bool
verify_auth(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl *pid = ike_find(m, sa->initiator ? PL_IDR : PL_IDI),
			    *pa = ike_find(m, PL_AUTH);
	uint8_t want[IKE_MAX_PRF], type, method;
	const uint8_t *id, *auth;
	size_t idlen, alen;
	struct ike_err er;
	const struct ike_id *rid = &sa->conn->remote_id;
	bool ok;

	if (pid == NULL || pa == NULL || ike_typed_parse(pid, &type, &id, &idlen, &er) < 0 ||
	    ike_typed_parse(pa, &method, &auth, &alen, &er) < 0)
		return false;
	if (idlen > sizeof(rid->data))
		return false;
	if (rid->type) {
		struct ike_id got = { .type = type, .len = (uint8_t)idlen };
		memcpy(got.data, id, idlen);
		if (!ike_id_equal(rid, &got))
			return false;
	}
	if ((method == AUTH_DIGSIG || method == AUTH_RSA || method == AUTH_ECDSA_256 ||
	     method == AUTH_ECDSA_384 || method == AUTH_ECDSA_521) && sa->conn->creds.ca != NULL) {
		static uint8_t octets[MSG_CAP + 2 * IKE_MAX_NONCE];
		const uint8_t *certs[8];
		size_t lens[8], on;
		unsigned nc = 0;
		struct ike_id pidv = { .type = type, .len = (uint8_t)idlen };
		char why[160];

		if (idlen > sizeof(pidv.data))
			return false;
		memcpy(pidv.data, id, idlen);
		/* the end entity first, then any intermediates, X.509 only */
		for (unsigned i = 0; i < m->n && nc < 8; i++)
			if (m->pl[i].type == PL_CERT && m->pl[i].len > 1 && m->pl[i].body[0] == 4) {
				certs[nc] = m->pl[i].body + 1;
				lens[nc++] = m->pl[i].len - 1u;
			}
		on = signed_octets(sa, !sa->initiator, pid->body, pid->len, octets, sizeof(octets));
		if (on == 0 || ike_verify(&sa->conn->creds, certs, lens, nc, &pidv, octets, on,
					  method, auth, alen, why, sizeof(why)) < 0) {
			log_warn("ike %s: peer's certificate authentication failed: %s",
				 sa->conn->name, why);
			return false;
		}
		return true;
	}
	if (method != AUTH_PSK || sa->conn->psk_len == 0 || alen != sa->keys.prf_len ||
	    psk_auth(sa, !sa->initiator, pid->body, pid->len, want) < 0)
		return false;
	ok = CRYPTO_memcmp(want, auth, alen) == 0;
	ike_wipe(want, sizeof(want));
	return ok;
}

static void
send_encrypted_response(struct ike_engine *e, struct ike_sa *sa, uint8_t x, uint32_t id,
			const uint8_t *inner, size_t ilen, uint8_t first)
{
	struct dgrams d;

	if (seal(sa, &d, x, true, id, inner, ilen, first) == 0)
		keep_response(e, sa, &d);
}

static void
send_notify_response(struct ike_engine *e, struct ike_sa *sa, uint8_t x, uint32_t id,
		     uint16_t type)
{
	uint8_t inner[64];
	struct ike_buf ib;

	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	ike_put_notify(&ib, 0, type, NULL, 0, NULL, 0);
	send_encrypted_response(e, sa, x, id, inner, ib.len, PL_NOTIFY);
}

static void
auth_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	struct ike_ts tsi[IKE_MAX_TS], tsr[IKE_MAX_TS];
	const struct ike_pl *psa = ike_find(m, PL_SA), *pti = ike_find(m, PL_TSI),
			    *ptr = ike_find(m, PL_TSR);
	const struct ike_conn *c = sa->conn;
	unsigned np, chosen, ni, nr;
	struct ike_err er;
	struct ike_notify_pl n;
	uint8_t inner[MSG_CAP];
	struct ike_buf ib;
	size_t len;
	bool ts_ok = false;

	if (!verify_auth(sa, m)) {
		e->st.auth_failed++;
		log_warn("ike %s: peer authentication failed", c->name);
		send_notify_response(e, sa, IKE_AUTH, m->h.msg_id, N_AUTHENTICATION_FAILED);
		sa_kill(e, sa, "authentication failed");
		return;
	}
	if (psa == NULL || pti == NULL || ptr == NULL ||
	    ike_sa_parse(psa, props, IKE_MAX_PROPOSALS, &np, &er) < 0 ||
	    ike_ts_parse(pti, tsi, IKE_MAX_TS, &ni, &er) < 0 ||
	    ike_ts_parse(ptr, tsr, IKE_MAX_TS, &nr, &er) < 0) {
		send_notify_response(e, sa, IKE_AUTH, m->h.msg_id, N_INVALID_SYNTAX);
		sa_kill(e, sa, "malformed IKE_AUTH");
		return;
	}
	/* the IKE SA is up once AUTH verified, even if no CHILD_SA results */
	established(e, sa);
	if ((ike_find_notify(m, N_USE_TRANSPORT_MODE, &n) != NULL) != c->transport ||
	    ike_proposal_select(props, np, c->esp, c->n_esp, true, true, &sa->ch[0].esp,
				&chosen) < 0) {
		send_notify_response(e, sa, IKE_AUTH, m->h.msg_id, N_NO_PROPOSAL_CHOSEN);
		return;
	}
	sa->ch[0].spi_out = (uint32_t)props[chosen].spi;
	sa->ch[0].prop_num = props[chosen].num;
	/* narrow: TSi against our remote side, TSr against our local side */
	for (unsigned i = 0; i < ni && !ts_ok; i++)
		if (ike_ts_narrow(&tsi[i], &c->remote_ts, &sa->ch[0].ts_r))
			for (unsigned j = 0; j < nr && !ts_ok; j++)
				ts_ok = ike_ts_narrow(&tsr[j], &c->local_ts, &sa->ch[0].ts_l);
	if (!ts_ok) {
		send_notify_response(e, sa, IKE_AUTH, m->h.msg_id, N_TS_UNACCEPTABLE);
		return;
	}
	ike_ts_prefix(&sa->ch[0].ts_l);
	ike_ts_prefix(&sa->ch[0].ts_r);
	sa->ch[0].spi_in = child_spi(e);
	ike_buf_init(&ib, inner, sizeof(inner));
	len = build_auth_inner(sa, &ib, false);
	if (len == 0)
		return;
	send_encrypted_response(e, sa, IKE_AUTH, m->h.msg_id, inner, len, PL_IDR);
	sa->ch[0].used = true;
	sa->ch[0].initiator = false;
	if (child_install(e, sa, &sa->ch[0], NULL, 0, sa->ni, sa->nilen, sa->nr, sa->nrlen) == 0)
		child_route(e, sa, &sa->ch[0]);
}

static void auth_response_child(struct ike_engine *e, struct ike_sa *sa,
				const struct ike_msg *m);
static void more_children(struct ike_engine *e, struct ike_sa *sa);

static void
auth_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_notify_pl n;

	if (!verify_auth(sa, m)) {
		e->st.auth_failed++;
		sa_kill(e, sa, ike_find_notify(m, N_AUTHENTICATION_FAILED, &n) ?
			"peer refused our authentication" : "peer authentication failed");
		return;
	}
	established(e, sa);
	auth_response_child(e, sa, m);
	more_children(e, sa);
}

/* the CHILD_SA of IKE_AUTH's response */
static void
auth_response_child(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	struct ike_ts tsi[IKE_MAX_TS], tsr[IKE_MAX_TS];
	const struct ike_pl *psa = ike_find(m, PL_SA), *pti = ike_find(m, PL_TSI),
			    *ptr = ike_find(m, PL_TSR);
	unsigned np, chosen, ni, nr;
	struct ike_err er;
	struct ike_notify_pl n;

	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].type == PL_NOTIFY && ike_notify_parse(&m->pl[i], &n, &er) == 0 &&
		    n.type <= N_ERROR_MAX) {
			log_warn("ike %s: no CHILD_SA: %s", sa->conn->name, ike_notify_name(n.type));
			return;
		}
	if (psa == NULL || pti == NULL || ptr == NULL ||
	    ike_sa_parse(psa, props, IKE_MAX_PROPOSALS, &np, &er) < 0 || np != 1 ||
	    props[0].spi_size != 4 ||
	    ike_proposal_select(props, 1, sa->conn->esp, sa->conn->n_esp, true, true,
				&sa->ch[0].esp, &chosen) < 0 ||
	    ike_ts_parse(pti, tsi, IKE_MAX_TS, &ni, &er) < 0 ||
	    ike_ts_parse(ptr, tsr, IKE_MAX_TS, &nr, &er) < 0 ||
	    !ike_ts_narrow(&tsi[0], &sa->conn->local_ts, &sa->ch[0].ts_l) ||
	    !ike_ts_narrow(&tsr[0], &sa->conn->remote_ts, &sa->ch[0].ts_r) ||
	    memcmp(&sa->ch[0].ts_l, &tsi[0], sizeof(tsi[0])) != 0 ||
	    memcmp(&sa->ch[0].ts_r, &tsr[0], sizeof(tsr[0])) != 0) {
		/* the responder may only narrow what we proposed */
		log_warn("ike %s: unacceptable CHILD_SA in IKE_AUTH response", sa->conn->name);
		return;
	}
	sa->ch[0].spi_out = (uint32_t)props[0].spi;
	sa->ch[0].used = true;
	sa->ch[0].initiator = true;
	if (child_install(e, sa, &sa->ch[0], NULL, 0, sa->ni, sa->nilen, sa->nr, sa->nrlen) == 0)
		child_route(e, sa, &sa->ch[0]);
}

/* a Delete payload (3.11): of CHILD_SA c by our inbound SPI, or (NULL) of the IKE_SA */
static void
put_delete(struct ike_buf *b, const struct child *c)
{
	size_t off = ike_pl_begin(b, PL_DELETE);

	ike_put8(b, c ? PROTO_ESP : PROTO_IKE);
	ike_put8(b, c ? 4 : 0);
	ike_put16(b, c ? 1 : 0);
	if (c)
		ike_put32(b, c->spi_in);
	ike_pl_end(b, off);
}

static void
informational_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	uint8_t inner[512];
	struct ike_buf ib;
	uint8_t first = PL_NONE;
	bool kill = false;

	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	for (unsigned i = 0; i < m->n; i++) {
		struct ike_delete_pl d;
		struct ike_err er;
		if (m->pl[i].type != PL_DELETE || ike_delete_parse(&m->pl[i], &d, &er) < 0)
			continue;
		if (d.proto == PROTO_IKE) {
			kill = true;
		} else if (d.proto == PROTO_ESP) {
			for (unsigned k = 0; k < d.n; k++) {
				const uint8_t *x = d.spis + 4 * k;
				uint32_t spi = (uint32_t)x[0] << 24 | x[1] << 16 | x[2] << 8 | x[3];
				struct child *c = child_by_spi_out(sa, spi);
				if (c == NULL)
					continue;
				if (c->deleting) {
					/* both sides closing it: no Delete in the answer (2.25.1) */
					child_remove(e, sa, c);
					continue;
				}
				/* answer with our inbound SPI of the pair (1.4.1) */
				put_delete(&ib, c);
				first = PL_DELETE;
				/* the end of a rekey: its successor takes the traffic */
				if (c->routed)
					for (int j = 0; j < MAX_CHILD; j++)
						if (&sa->ch[j] != c && sa->ch[j].up && !sa->ch[j].routed &&
						    !sa->ch[j].deleting && !sa->ch[j].redundant &&
						    !memcmp(&sa->ch[j].ts_l, &c->ts_l, sizeof(c->ts_l)) &&
						    !memcmp(&sa->ch[j].ts_r, &c->ts_r, sizeof(c->ts_r))) {
							child_switch(e, sa, &sa->ch[j], c);
							break;
						}
				child_remove(e, sa, c);
			}
		}
	}
	send_encrypted_response(e, sa, INFORMATIONAL, m->h.msg_id, inner, ib.len, first);
	if (kill)
		sa_kill(e, sa, "deleted by the peer");
}

/* ---- CREATE_CHILD_SA (1.3): CHILD_SA rekey, new CHILD_SAs, IKE_SA rekey ---- */

static void send_informational(struct ike_engine *e, struct ike_sa *sa, const uint8_t *inner,
			       size_t ilen, uint8_t first);

/* the PFS group: the DH transform of our first ESP proposal, if any */
static uint16_t
pfs_group(const struct ike_conn *c)
{
	for (unsigned i = 0; i < c->esp[0].n; i++)
		if (c->esp[0].t[i].type == TT_DH)
			return c->esp[0].t[i].id;
	return 0;
}

/* an error notify in a response, or 0 */
static uint16_t
error_notify(const struct ike_msg *m)
{
	struct ike_notify_pl n;
	struct ike_err er;

	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].type == PL_NOTIFY && ike_notify_parse(&m->pl[i], &n, &er) == 0 &&
		    n.type <= N_ERROR_MAX)
			return n.type;
	return 0;
}

static void
send_child_delete(struct ike_engine *e, struct ike_sa *sa, struct child *c)
{
	uint8_t inner[16];
	struct ike_buf ib;

	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	put_delete(&ib, c);
	sa->pend = P_DELETE_CHILD;
	sa->pend_old = (int)(c - sa->ch);
	sa->pend_child_spi = c->spi_in;
	c->deleting = true;
	send_informational(e, sa, inner, ib.len, PL_DELETE);
}

/* an INFORMATIONAL Delete of the IKE_SA (its CHILD_SAs go with it) */
static void
send_ike_delete(struct ike_engine *e, struct ike_sa *sa)
{
	uint8_t inner[16];
	struct ike_buf ib;

	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	put_delete(&ib, NULL);
	sa->state = S_DELETING;
	send_informational(e, sa, inner, ib.len, PL_DELETE);
}

static void
send_create_child(struct ike_engine *e, struct ike_sa *sa, struct child *old,
		  const struct ike_ts *ts_l, const struct ike_ts *ts_r)
{
	uint8_t inner[MSG_CAP], spi[4];
	struct dgrams d;
	struct child *nc = child_free_slot(sa);
	uint16_t g = pfs_group(sa->conn);
	struct ike_buf ib;

	if (nc == NULL || sa->req != NULL)
		return;
	memset(nc, 0, sizeof(*nc));
	nc->used = true;
	nc->initiator = true;
	nc->spi_in = child_spi(e);
	nc->ts_l = *ts_l;
	nc->ts_r = *ts_r;
	sa->pend_nilen = NONCE_LEN;
	ike_random(sa->pend_ni, sa->pend_nilen);
	ike_dh_free(sa->pend_dh);
	sa->pend_dh = g ? ike_dh_new(g) : NULL;
	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	if (old) {
		spi[0] = old->spi_in >> 24;
		spi[1] = old->spi_in >> 16;
		spi[2] = old->spi_in >> 8;
		spi[3] = old->spi_in;
		/* the SA being rekeyed, by the SPI we receive on (1.3.3) */
		ike_put_notify(&ib, PROTO_ESP, N_REKEY_SA, spi, 4, NULL, 0);
	}
	put_esp_offer(&ib, sa->conn, nc->spi_in, sa->pend_dh != NULL);
	put_nonce(&ib, sa->pend_ni, sa->pend_nilen);
	if (sa->pend_dh)
		put_ke_of(&ib, g, sa->pend_dh);
	ike_put_ts(&ib, PL_TSI, &nc->ts_l, 1);
	ike_put_ts(&ib, PL_TSR, &nc->ts_r, 1);
	if (ib.overflow || (g && sa->pend_dh == NULL) ||
	    seal(sa, &d, CREATE_CHILD_SA, false, sa->my_id, inner, ib.len,
		 old ? PL_NOTIFY : PL_SA) < 0) {
		memset(nc, 0, sizeof(*nc));
		return;
	}
	sa->pend = old ? P_REKEY_CHILD : P_NEW_CHILD;
	sa->pend_old = old ? (int)(old - sa->ch) : -1;
	sa->pend_new = (int)(nc - sa->ch);
	sa->pend_child_spi = old ? old->spi_in : 0;
	if (old)
		log_info("ike %s: rekeying CHILD_SA %08x/%08x", sa->conn->name, old->spi_in,
			 old->spi_out);
	else
		log_info("ike %s: asking for another CHILD_SA", sa->conn->name);
	send_request(e, sa, &d);
}

static void
send_rekey_child(struct ike_engine *e, struct ike_sa *sa, struct child *old)
{
	send_create_child(e, sa, old, &old->ts_l, &old->ts_r);
}

/* as IKE_AUTH's initiator: the connection's further CHILD_SAs, one by one */
static void
more_children(struct ike_engine *e, struct ike_sa *sa)
{
	const struct ike_conn *c = sa->conn;

	if (sa->more_next < c->n_more && sa->req == NULL && sa->state == S_ESTABLISHED) {
		unsigned k = sa->more_next++;
		send_create_child(e, sa, NULL, &c->more_l[k], &c->more_r[k]);
	}
}

static void
send_rekey_ike(struct ike_engine *e, struct ike_sa *sa)
{
	uint8_t inner[MSG_CAP];
	struct ike_proposal props[IKE_MAX_CONN_PROPS];
	const struct ike_conn *c = sa->conn;
	struct ike_buf ib;
	struct dgrams d;

	if (sa->req != NULL)
		return;
	ike_random(&sa->pend_spi, sizeof(sa->pend_spi));
	sa->pend_nilen = NONCE_LEN;
	ike_random(sa->pend_ni, sa->pend_nilen);
	ike_dh_free(sa->pend_dh);
	/* the group in use: the peer accepted it once */
	sa->pend_dh = ike_dh_new(sa->keys.a.dh);
	if (sa->pend_dh == NULL)
		return;
	for (unsigned i = 0; i < c->n_ike; i++) {
		props[i] = c->ike[i];
		props[i].spi_size = 8;
		props[i].spi = sa->pend_spi;
	}
	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	ike_put_sa(&ib, props, c->n_ike);
	put_nonce(&ib, sa->pend_ni, sa->pend_nilen);
	put_ke_of(&ib, sa->keys.a.dh, sa->pend_dh);
	if (ib.overflow ||
	    seal(sa, &d, CREATE_CHILD_SA, false, sa->my_id, inner, ib.len, PL_SA) < 0)
		return;
	sa->pend = P_REKEY_IKE;
	log_info("ike %s: rekeying IKE_SA %016lx_%016lx", c->name, (unsigned long)sa->spi_i,
		 (unsigned long)sa->spi_r);
	send_request(e, sa, &d);
}

/*
 * The new IKE_SA of a rekey takes over the CHILD_SAs; the rekey's
 * initiator is the new SA's original initiator (2.18).
 */
static struct ike_sa *
ike_successor(struct ike_engine *e, struct ike_sa *old, bool initiator, uint64_t spi_i,
	      uint64_t spi_r, const struct ike_algs *a, const uint8_t *gir, size_t girlen,
	      const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen)
{
	struct ike_sa *sa = sa_new(e, old->conn, initiator);

	if (sa == NULL)
		return NULL;
	sa->spi_i = spi_i;
	sa->spi_r = spi_r;
	sa_index(e, sa);
	sa->local = old->local;
	sa->remote = old->remote;
	sa->natt = old->natt;
	sa->behind_nat = old->behind_nat;
	sa->frag = old->frag;
	sa->digsig = old->digsig;
	if (ike_derive_ike_keys(&sa->keys, a, gir, girlen, ni, nilen, nr, nrlen, spi_i, spi_r,
				old->keys.sk_d, old->keys.a.prf) < 0) {
		sa->state = S_DEAD;
		return NULL;
	}
	memcpy(sa->ch, old->ch, sizeof(sa->ch));
	memset(old->ch, 0, sizeof(old->ch));
	/* the old one only waits for its Delete exchange now */
	old->state = S_DELETING;
	old->rekey_at = 0;
	sa->route_prio = old->route_prio;
	sa->state = S_ESTABLISHED;
	sa->established_at = e->now;
	sa->rekey_at = jittered(e, sa->conn->ike_rekey);
	sa->expire_at = expiry(e, sa->conn->ike_life, sa->conn->ike_rekey);
	e->st.ike_rekeyed++;
	log_info("ike %s: IKE_SA rekeyed to %016lx_%016lx", sa->conn->name,
		 (unsigned long)spi_i, (unsigned long)spi_r);
	if (e->ops->ike_up)
		e->ops->ike_up(e->ctx, sa->conn->name, spi_i, spi_r);
	return sa;
}

/* their KE (if any) against our new DH: the shared secret */
static int
pfs_secret(struct ike_dh *dh, const struct ike_msg *m, uint16_t group, uint8_t *gir,
	   size_t *glen)
{
	const struct ike_pl *pke = ike_find(m, PL_KE);
	struct ike_err er;
	const uint8_t *ke;
	size_t kelen;
	uint16_t g;

	*glen = 0;
	if (dh == NULL)
		return pke == NULL ? 0 : -1;
	if (pke == NULL || ike_ke_parse(pke, &g, &ke, &kelen, &er) < 0 || g != group)
		return -1;
	return ike_dh_shared(dh, ke, kelen, gir, glen);
}

/* nonces compare as octet strings; a prefix is the lower */
static bool
nonce_lower(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c < 0 || (c == 0 && al < bl);
}

/* while our rekey is out, the peer's rekey of the same SA succeeded too */
static void
note_collision(struct ike_sa *sa, int child, uint32_t child_spi, uint64_t ike_spi,
	       const uint8_t *n1, size_t l1, const uint8_t *n2, size_t l2)
{
	struct collision *c = sa->coll ? sa->coll : calloc(1, sizeof(*c));

	if (c == NULL)
		return;
	sa->coll = c;
	c->child = child;
	c->child_spi = child_spi;
	c->ike_spi = ike_spi;
	if (nonce_lower(n2, l2, n1, l1)) {
		n1 = n2;
		l1 = l2;
	}
	memcpy(c->nonce, n1, l1);
	c->nlen = l1;
	log_info("ike %s: the peer rekeys the same %s SA (collision, RFC 7296 2.8.1)",
		 sa->conn->name, child >= 0 ? "CHILD" : "IKE");
}

/*
 * Our exchange (nonces a, b) completed after a collision: is its SA the
 * redundant one, i.e. does it hold the lowest of the four nonces?
 */
static bool
ours_redundant(const struct collision *c, const uint8_t *a, size_t al, const uint8_t *b,
	       size_t bl)
{
	if (nonce_lower(b, bl, a, al)) {
		a = b;
		al = bl;
	}
	return nonce_lower(a, al, c->nonce, c->nlen);
}

static void
child_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	/* a rekey of old, or (pend_old -1) a further CHILD_SA */
	struct child *old = sa->pend_old >= 0 ? &sa->ch[sa->pend_old] : NULL;
	struct child *nc = &sa->ch[sa->pend_new];
	struct ike_ts want_l = old ? old->ts_l : nc->ts_l, want_r = old ? old->ts_r : nc->ts_r;
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	struct ike_ts tsi[IKE_MAX_TS], tsr[IKE_MAX_TS];
	const struct ike_pl *psa = ike_find(m, PL_SA), *pn = ike_find(m, PL_NONCE),
			    *pti = ike_find(m, PL_TSI), *ptr = ike_find(m, PL_TSR);
	uint8_t gir[IKE_MAX_DH];
	size_t glen;
	unsigned np, chosen, ni, nr;
	struct ike_err er;
	uint16_t err = error_notify(m);
	struct collision *coll = sa->coll;
	bool old_ok = old && old->used && old->spi_in == sa->pend_child_spi;
	int rc;

	sa->coll = NULL;
	if (coll && coll->child < 0) {
		free(coll);
		coll = NULL;
	}
	if (err || psa == NULL || pn == NULL || pn->len < 16 || pn->len > IKE_MAX_NONCE ||
	    pti == NULL || ptr == NULL ||
	    ike_sa_parse(psa, props, IKE_MAX_PROPOSALS, &np, &er) < 0 || np != 1 ||
	    props[0].spi_size != 4 ||
	    ike_proposal_select(props, 1, sa->conn->esp, sa->conn->n_esp, true,
				sa->pend_dh == NULL, &nc->esp, &chosen) < 0 ||
	    ike_ts_parse(pti, tsi, IKE_MAX_TS, &ni, &er) < 0 ||
	    ike_ts_parse(ptr, tsr, IKE_MAX_TS, &nr, &er) < 0 ||
	    !ike_ts_narrow(&tsi[0], &want_l, &nc->ts_l) ||
	    !ike_ts_narrow(&tsr[0], &want_r, &nc->ts_r) ||
	    pfs_secret(sa->pend_dh, m, pfs_group(sa->conn), gir, &glen) < 0) {
		log_warn("ike %s: %s refused%s%s", sa->conn->name,
			 old ? "CHILD_SA rekey" : "another CHILD_SA", err ? ": " : "",
			 err ? ike_notify_name(err) : "");
		memset(nc, 0, sizeof(*nc));
		if (old_ok)
			old->rekey_at = e->now + 10000;	/* try again */
		free(coll);
		if (old == NULL)
			more_children(e, sa);
		return;
	}
	nc->spi_out = (uint32_t)props[0].spi;
	nc->prop_num = props[0].num;
	rc = child_install(e, sa, nc, glen ? gir : NULL, glen, sa->pend_ni, sa->pend_nilen,
			   pn->body, pn->len);
	ike_wipe(gir, sizeof(gir));
	if (rc < 0) {
		memset(nc, 0, sizeof(*nc));
		if (old_ok)
			old->rekey_at = e->now + 10000;
		free(coll);
		return;
	}
	if (old == NULL) {
		child_route(e, sa, nc);
		more_children(e, sa);
		return;
	}
	e->st.child_rekeyed++;
	if (coll) {
		struct child *theirs = &sa->ch[coll->child];
		bool redundant = ours_redundant(coll, sa->pend_ni, sa->pend_nilen, pn->body, pn->len);
		uint32_t theirs_spi = coll->child_spi;
		free(coll);
		if (redundant) {
			/* ours goes; the peer moves traffic to its own and deletes the old */
			log_info("ike %s: collision: deleting our redundant CHILD_SA %08x/%08x",
				 sa->conn->name, nc->spi_in, nc->spi_out);
			nc->replaced = true;
			send_child_delete(e, sa, nc);
			return;
		}
		/* the peer deletes its own; ours replaces the old as usual */
		if (theirs->used && theirs->spi_in == theirs_spi) {
			theirs->redundant = true;
			theirs->replaced = true;
		}
	}
	if (!old_ok) {
		child_route(e, sa, nc);		/* the old one is gone already */
		return;
	}
	/* the responder has the new SAs already: switch, then retire the old */
	child_switch(e, sa, nc, old);
	old->replaced = true;
	send_child_delete(e, sa, old);
}

static void
rekey_ike_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	const struct ike_pl *psa = ike_find(m, PL_SA), *pn = ike_find(m, PL_NONCE);
	uint8_t gir[IKE_MAX_DH];
	struct ike_algs a;
	struct ike_sa *nsa;
	unsigned np, chosen;
	size_t glen;
	struct ike_err er;
	uint16_t err = error_notify(m);
	struct collision *coll = sa->coll;

	sa->coll = NULL;
	if (coll && coll->child >= 0) {
		free(coll);
		coll = NULL;
	}
	if (err || psa == NULL || pn == NULL || pn->len < 16 || pn->len > IKE_MAX_NONCE ||
	    ike_sa_parse(psa, props, IKE_MAX_PROPOSALS, &np, &er) < 0 || np != 1 ||
	    props[0].spi_size != 8 || props[0].spi == 0 ||
	    ike_proposal_select(props, 1, sa->conn->ike, sa->conn->n_ike, false, false, &a,
				&chosen) < 0 || a.dh != sa->keys.a.dh ||
	    pfs_secret(sa->pend_dh, m, a.dh, gir, &glen) < 0) {
		log_warn("ike %s: IKE_SA rekey refused%s%s, retrying in 10 s", sa->conn->name,
			 err ? ": " : "", err ? ike_notify_name(err) : "");
		if (sa->state == S_ESTABLISHED)
			sa->rekey_at = e->now + 10000;
		free(coll);
		return;
	}
	nsa = ike_successor(e, sa, true, sa->pend_spi, props[0].spi, &a, gir, glen,
			    sa->pend_ni, sa->pend_nilen, pn->body, pn->len);
	ike_wipe(gir, sizeof(gir));
	if (coll) {
		/* 2.8.1: the CHILD_SAs moved to the peer's new IKE_SA already */
		struct ike_sa *theirs = sa_by_our_spi(e, coll->ike_spi);
		bool redundant = ours_redundant(coll, sa->pend_ni, sa->pend_nilen, pn->body, pn->len);
		free(coll);
		if (redundant) {
			/* ours goes; the peer deletes the old one */
			if (nsa) {
				log_info("ike %s: collision: deleting our redundant IKE_SA",
					 sa->conn->name);
				send_ike_delete(e, nsa);
			}
			return;
		}
		if (theirs && nsa) {
			/* theirs goes (the peer deletes it): ours takes the CHILD_SAs */
			memcpy(nsa->ch, theirs->ch, sizeof(nsa->ch));
			memset(theirs->ch, 0, sizeof(theirs->ch));
			nsa->route_prio = theirs->route_prio;
			theirs->state = S_DELETING;
			theirs->rekey_at = 0;
			theirs->last_heard = e->now;
		}
	}
	if (nsa == NULL)
		return;
	/* the old IKE_SA goes, without its (moved) CHILD_SAs */
	send_ike_delete(e, sa);
}

static void
create_child_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	enum pending p = sa->pend;

	sa->pend = P_NONE;
	if (p == P_REKEY_CHILD || p == P_NEW_CHILD)
		child_response(e, sa, m);
	else if (p == P_REKEY_IKE)
		rekey_ike_response(e, sa, m);
	if (sa->pend == P_NONE) {	/* no next exchange took it over */
		ike_dh_free(sa->pend_dh);
		sa->pend_dh = NULL;
	}
}

static void
rekey_ike_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
		  struct ike_proposal *props, unsigned np)
{
	const struct ike_pl *pn = ike_find(m, PL_NONCE), *pke = ike_find(m, PL_KE);
	uint8_t inner[MSG_CAP], gir[IKE_MAX_DH], nr[NONCE_LEN];
	struct ike_proposal sel;
	struct ike_algs a;
	struct ike_dh *dh = NULL;
	struct ike_buf ib;
	struct ike_err er;
	struct ike_sa *nsa;
	const uint8_t *ke;
	unsigned chosen;
	size_t kelen, glen;
	uint16_t g;
	uint64_t spi_r;

	if (pn == NULL || pn->len < 16 || pn->len > IKE_MAX_NONCE || pke == NULL ||
	    ike_ke_parse(pke, &g, &ke, &kelen, &er) < 0) {
		send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_INVALID_SYNTAX);
		return;
	}
	/* not while a CHILD_SA exchange of ours is out (2.25.2) */
	if (sa->pend != P_NONE && sa->pend != P_REKEY_IKE) {
		send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_TEMPORARY_FAILURE);
		return;
	}
	if (ike_proposal_select(props, np, sa->conn->ike, sa->conn->n_ike, false, false, &a,
				&chosen) < 0 || props[chosen].spi_size != 8 || props[chosen].spi == 0) {
		send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (g != a.dh) {
		uint8_t gb[2] = { a.dh >> 8, a.dh & 255 }, in2[32];
		ike_buf_init(&ib, in2, sizeof(in2));
		ib.np_off = (size_t)-1;
		ike_put_notify(&ib, 0, N_INVALID_KE_PAYLOAD, NULL, 0, gb, 2);
		send_encrypted_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, in2, ib.len, PL_NOTIFY);
		return;
	}
	dh = ike_dh_new(g);
	if (dh == NULL || ike_dh_shared(dh, ke, kelen, gir, &glen) < 0) {
		ike_dh_free(dh);
		send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_INVALID_SYNTAX);
		return;
	}
	ike_random(nr, sizeof(nr));
	ike_random(&spi_r, sizeof(spi_r));
	sel = props[chosen];
	sel.spi = spi_r;
	sel.n = 0;
	sel.t[sel.n++] = (struct ike_transform){ TT_ENCR, a.encr, a.encr_bits };
	sel.t[sel.n++] = (struct ike_transform){ TT_PRF, a.prf, 0 };
	if (a.integ)
		sel.t[sel.n++] = (struct ike_transform){ TT_INTEG, a.integ, 0 };
	sel.t[sel.n++] = (struct ike_transform){ TT_DH, a.dh, 0 };
	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	ike_put_sa(&ib, &sel, 1);
	put_nonce(&ib, nr, sizeof(nr));
	put_ke_of(&ib, g, dh);
	ike_dh_free(dh);
	/* answer on the old IKE_SA, then the new one takes over */
	send_encrypted_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, inner, ib.len, PL_SA);
	nsa = ike_successor(e, sa, false, props[chosen].spi, spi_r, &a, gir, glen, pn->body,
			    pn->len, nr, sizeof(nr));
	ike_wipe(gir, sizeof(gir));
	if (nsa && sa->pend == P_REKEY_IKE)
		note_collision(sa, -1, 0, spi_r, pn->body, pn->len, nr, sizeof(nr));
}

static void
create_child_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	struct ike_ts tsi[IKE_MAX_TS], tsr[IKE_MAX_TS];
	const struct ike_pl *psa = ike_find(m, PL_SA), *pn = ike_find(m, PL_NONCE),
			    *pti = ike_find(m, PL_TSI), *ptr = ike_find(m, PL_TSR),
			    *pke = ike_find(m, PL_KE);
	const struct ike_conn *c = sa->conn;
	struct child *old = NULL, *nc;
	struct ike_notify_pl n;
	uint8_t inner[MSG_CAP], gir[IKE_MAX_DH], nr[NONCE_LEN];
	struct ike_dh *dh = NULL;
	struct ike_buf ib;
	struct ike_err er;
	unsigned np, chosen, ni, nrn;
	size_t glen = 0;
	bool ts_ok = false;
	int rc;

	if (psa == NULL || ike_sa_parse(psa, props, IKE_MAX_PROPOSALS, &np, &er) < 0) {
		send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_INVALID_SYNTAX);
		return;
	}
	if (props[0].proto == PROTO_IKE) {
		rekey_ike_request(e, sa, m, props, np);
		return;
	}
	/* nothing new on an IKE_SA we are rekeying (2.25.2) */
	if (sa->pend == P_REKEY_IKE) {
		send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_TEMPORARY_FAILURE);
		return;
	}
	if (ike_find_notify(m, N_REKEY_SA, &n)) {
		old = n.proto == PROTO_ESP && n.spi_size == 4 ? child_by_spi_out(sa, (uint32_t)n.spi)
							       : NULL;
		if (old == NULL) {
			send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id,
					     N_CHILD_SA_NOT_FOUND);
			return;
		}
		/* one we close, or rekeyed already: not again (2.25.1) */
		if (old->deleting || old->replaced || old->redundant) {
			send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id,
					     N_TEMPORARY_FAILURE);
			return;
		}
	}
	if (pn == NULL || pn->len < 16 || pn->len > IKE_MAX_NONCE || pti == NULL || ptr == NULL ||
	    ike_ts_parse(pti, tsi, IKE_MAX_TS, &ni, &er) < 0 ||
	    ike_ts_parse(ptr, tsr, IKE_MAX_TS, &nrn, &er) < 0) {
		send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_INVALID_SYNTAX);
		return;
	}
	nc = child_free_slot(sa);
	if (nc == NULL) {
		send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_NO_ADDITIONAL_SAS);
		return;
	}
	memset(nc, 0, sizeof(*nc));
	if (ike_proposal_select(props, np, c->esp, c->n_esp, true, pke == NULL, &nc->esp,
				&chosen) < 0) {
		send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (pke != NULL) {
		const uint8_t *ke;
		size_t kelen;
		uint16_t g;
		if (ike_ke_parse(pke, &g, &ke, &kelen, &er) < 0 || nc->esp.dh == 0) {
			send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_INVALID_SYNTAX);
			return;
		}
		if (g != nc->esp.dh) {
			uint8_t gb[2] = { nc->esp.dh >> 8, nc->esp.dh & 255 };
			ike_buf_init(&ib, inner, sizeof(inner));
			ib.np_off = (size_t)-1;
			ike_put_notify(&ib, 0, N_INVALID_KE_PAYLOAD, NULL, 0, gb, 2);
			send_encrypted_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, inner, ib.len,
						PL_NOTIFY);
			return;
		}
		dh = ike_dh_new(g);
		if (dh == NULL || ike_dh_shared(dh, ke, kelen, gir, &glen) < 0) {
			ike_dh_free(dh);
			send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_INVALID_SYNTAX);
			return;
		}
	}
	/* a rekey keeps its selectors; a new CHILD_SA falls in one of the
	 * connection's pairs (the first, or one of more_*) */
	for (unsigned p = 0; p <= (old ? 0 : c->n_more) && !ts_ok; p++) {
		const struct ike_ts *wl = old ? &old->ts_l : p ? &c->more_l[p - 1] : &c->local_ts;
		const struct ike_ts *wr = old ? &old->ts_r : p ? &c->more_r[p - 1] : &c->remote_ts;
		for (unsigned i = 0; i < ni && !ts_ok; i++)
			if (ike_ts_narrow(&tsi[i], wr, &nc->ts_r))
				for (unsigned j = 0; j < nrn && !ts_ok; j++)
					ts_ok = ike_ts_narrow(&tsr[j], wl, &nc->ts_l);
	}
	if (!ts_ok) {
		ike_dh_free(dh);
		memset(nc, 0, sizeof(*nc));
		send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_TS_UNACCEPTABLE);
		return;
	}
	ike_ts_prefix(&nc->ts_l);
	ike_ts_prefix(&nc->ts_r);
	nc->used = true;
	nc->initiator = false;
	nc->spi_in = child_spi(e);
	nc->spi_out = (uint32_t)props[chosen].spi;
	nc->prop_num = props[chosen].num;
	ike_random(nr, sizeof(nr));
	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	put_esp_chosen(&ib, nc);
	put_nonce(&ib, nr, sizeof(nr));
	if (dh)
		put_ke_of(&ib, nc->esp.dh, dh);
	ike_put_ts(&ib, PL_TSI, &nc->ts_r, 1);
	ike_put_ts(&ib, PL_TSR, &nc->ts_l, 1);
	ike_dh_free(dh);
	rc = child_install(e, sa, nc, glen ? gir : NULL, glen, pn->body, pn->len, nr, sizeof(nr));
	ike_wipe(gir, sizeof(gir));
	if (rc < 0) {
		memset(nc, 0, sizeof(*nc));
		send_notify_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, N_TEMPORARY_FAILURE);
		return;
	}
	send_encrypted_response(e, sa, CREATE_CHILD_SA, m->h.msg_id, inner, ib.len, PL_SA);
	if (old != NULL) {
		/* make before break: traffic moves when the initiator deletes the old one */
		old->replaced = true;
		e->st.child_rekeyed++;
		if (sa->pend == P_REKEY_CHILD && &sa->ch[sa->pend_old] == old)
			note_collision(sa, (int)(nc - sa->ch), nc->spi_in, 0, pn->body, pn->len,
				       nr, sizeof(nr));
	} else {
		child_route(e, sa, nc);
	}
}

enum { FRAG_MORE = -2 };

/*
 * One Encrypted Fragment (RFC 7383 2.6): authenticated and decrypted on
 * its own; once all of its message's fragments are in, the inner chain
 * goes into out and its length is returned. FRAG_MORE while some are
 * missing, -1 for a fragment to drop.
 */
static int
frag_input(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
	   const struct ike_pl *skf, uint8_t *out, size_t cap, uint8_t *first)
{
	static uint8_t piece[IKE_MAX_MSG];
	struct frag_rx *fr = sa->frx;
	bool response = m->h.flags & IKE_FLAG_R;
	struct ike_pl body = *skf;
	uint16_t num, total;
	size_t off = 0;
	int n;

	if (!sa->frag || skf->len < 4)
		return -1;
	num = (uint16_t)(skf->body[0] << 8 | skf->body[1]);
	total = (uint16_t)(skf->body[2] << 8 | skf->body[3]);
	if (num == 0 || num > total || total > MAX_FRAGS)
		return -1;
	body.body += 4;
	body.len -= 4;
	n = ike_sk_open(&sa->keys, m->h.flags & IKE_FLAG_I, m, &body, piece, sizeof(piece));
	if (n < 0)
		return -1;
	e->st.frags_rx++;
	/* another message, or the sender fragmented it anew into more: restart */
	if (fr && (fr->msg_id != m->h.msg_id || fr->response != response || total > fr->total)) {
		frx_free(sa);
		fr = NULL;
	}
	if (fr && total < fr->total)
		return -1;	/* from an older fragmentation of this message */
	if (fr == NULL) {
		fr = sa->frx = calloc(1, sizeof(*fr));
		if (fr == NULL)
			return -1;
		fr->msg_id = m->h.msg_id;
		fr->response = response;
		fr->total = total;
	}
	if (fr->piece[num - 1])
		return FRAG_MORE;	/* a duplicate */
	if (fr->bytes + (size_t)n > cap || (fr->piece[num - 1] = malloc(n ? n : 1)) == NULL) {
		frx_free(sa);
		return -1;
	}
	memcpy(fr->piece[num - 1], piece, n);
	fr->len[num - 1] = (uint16_t)n;
	fr->bytes += n;
	if (num == 1)
		fr->first = skf->body[-4];
	if (++fr->got < fr->total)
		return FRAG_MORE;
	for (unsigned i = 0; i < fr->total; i++) {
		memcpy(out + off, fr->piece[i], fr->len[i]);
		off += fr->len[i];
	}
	*first = fr->first;
	frx_free(sa);
	return (int)off;
}

static struct ike_sa *
find_sa(struct ike_engine *e, const struct ike_hdr *h)
{
	bool we_initiated = !(h->flags & IKE_FLAG_I);

	for (struct ike_sa *sa = e->by_our[spi_hash(we_initiated ? h->spi_i : h->spi_r)]; sa;
	     sa = sa->hnext_our) {
		if (sa->state == S_DEAD || sa->initiator != we_initiated)
			continue;
		if (we_initiated ? sa->spi_i == h->spi_i &&
				   (sa->spi_r == h->spi_r || sa->state == S_INIT_SENT)
				 : sa->spi_i == h->spi_i && sa->spi_r == h->spi_r)
			return sa;
	}
	return NULL;
}

void
ike_input(struct ike_engine *e, const struct ike_ep *local, const struct ike_ep *remote,
	  const uint8_t *buf, size_t len, uint64_t now)
{
	static uint8_t plain[IKE_MAX_MSG];
	struct ike_msg m;
	struct ike_err er;
	struct ike_sa *sa;
	const struct ike_pl *sk, *skf;
	bool response;
	uint8_t first;
	int n;

	e->now = now;
	e->st.rx++;
	if (ike_msg_parse(buf, len, &m, &er) < 0) {
		e->st.rx_dropped++;
		log_debug("ike: dropped a message: %s", er.why);
		return;
	}
	response = m.h.flags & IKE_FLAG_R;
	if (m.h.exchange == IKE_SA_INIT && !response) {
		if (m.h.spi_r == 0 && m.h.msg_id == 0 && (m.h.flags & IKE_FLAG_I))
			init_request(e, &m, local, remote);
		else
			e->st.rx_dropped++;
		return;
	}
	sa = find_sa(e, &m.h);
	if (sa == NULL) {
		e->st.rx_dropped++;
		return;
	}
	if (m.h.exchange == IKE_SA_INIT) {
		if (sa->state == S_INIT_SENT && m.h.msg_id == 0)
			init_response(e, sa, &m);
		else
			e->st.rx_dropped++;
		return;
	}
	/* message IDs (2.2, 2.3): window size 1 */
	if (response) {
		if (sa->req == NULL || m.h.msg_id != sa->my_id) {
			e->st.rx_dropped++;
			return;
		}
	} else if (m.h.msg_id + 1 == sa->peer_id) {
		/* a retransmission of the request we answered last; of a
		 * fragmented one, only fragment 1 asks again (RFC 7383 2.6.1) */
		skf = ike_find(&m, PL_SKF);
		if (sa->have_resp &&
		    (skf == NULL || (skf->len >= 2 && skf->body[0] == 0 && skf->body[1] == 1)))
			xmit(e, sa, sa->resp, sa->resp_len);
		return;
	} else if (m.h.msg_id != sa->peer_id) {
		e->st.rx_dropped++;
		return;
	}
	sk = ike_find(&m, PL_SK);
	skf = ike_find(&m, PL_SKF);
	if ((sk == NULL && skf == NULL) || sa->state == S_INIT_SENT) {
		e->st.rx_dropped++;
		return;
	}
	if (sk) {
		n = ike_sk_open(&sa->keys, m.h.flags & IKE_FLAG_I, &m, sk, plain, sizeof(plain));
		first = sk->body[-4];
	} else {
		n = frag_input(e, sa, &m, skf, plain, sizeof(plain), &first);
		if (n == FRAG_MORE) {
			sa->last_heard = now;
			return;
		}
	}
	if (n < 0 || ike_chain_parse(first, plain, (size_t)n, &m, &er) < 0) {
		/* integrity failure: drop silently (2.21.2) */
		e->st.rx_dropped++;
		return;
	}
	sa->last_heard = now;
	/* a peer that moved behind a NAT: follow it (2.23) */
	if (remote->port == IKE_NATT_PORT || local->port == IKE_NATT_PORT) {
		sa->local = *local;
		sa->remote = *remote;
	}
	if (!response) {
		sa->peer_id++;
		sa->have_resp = false;
	} else {
		/* our request is answered: the window moves on */
		free(sa->req);
		sa->req = NULL;
		sa->my_id++;
	}
	switch (m.h.exchange) {
	case IKE_AUTH:
		if (!response && sa->state == S_INIT_DONE)
			auth_request(e, sa, &m);
		else if (response && sa->state == S_AUTH_SENT)
			auth_response(e, sa, &m);
		else
			e->st.rx_dropped++;
		break;
	case INFORMATIONAL:
		if (!response && (sa->state == S_ESTABLISHED || sa->state == S_DELETING)) {
			informational_request(e, sa, &m);
		} else if (response) {
			if (sa->pend == P_DELETE_CHILD) {
				/* the old CHILD_SA of a rekey: both sides are done with it */
				struct child *c = &sa->ch[sa->pend_old];
				sa->pend = P_NONE;
				if (c->used && c->spi_in == sa->pend_child_spi)
					child_remove(e, sa, c);
			}
			if (sa->state == S_DELETING)
				sa_kill(e, sa, "deleted");
		}
		break;
	case CREATE_CHILD_SA:
		if (!response && sa->state == S_ESTABLISHED)
			create_child_request(e, sa, &m);
		else if (response)
			create_child_response(e, sa, &m);
		else
			send_notify_response(e, sa, CREATE_CHILD_SA, m.h.msg_id,
					     N_TEMPORARY_FAILURE);
		break;
	default:
		e->st.rx_dropped++;
	}
}

static void
send_informational(struct ike_engine *e, struct ike_sa *sa, const uint8_t *inner, size_t ilen,
		   uint8_t first)
{
	struct dgrams d;

	if (seal(sa, &d, INFORMATIONAL, false, sa->my_id, inner, ilen, first) == 0)
		send_request(e, sa, &d);
}

/* a Delete to the peer where one can go, else gone at once */
static void
sa_terminate(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->state != S_ESTABLISHED || sa->req != NULL)
		sa_kill(e, sa, "terminated");
	else
		send_ike_delete(e, sa);
}

int
ike_terminate(struct ike_engine *e, const char *name, uint64_t now)
{
	int n = 0;

	e->now = now;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		if (sa->state == S_DEAD || strcmp(sa->conn->name, name))
			continue;
		n++;
		sa_terminate(e, sa);
	}
	return n;
}

/* a routed CHILD_SA whose rekey time has come */
static struct child *
child_due(struct ike_sa *sa, uint64_t now)
{
	for (int i = 0; i < MAX_CHILD; i++) {
		struct child *c = &sa->ch[i];
		if (c->up && c->routed && !c->replaced && c->rekey_at && now >= c->rekey_at)
			return c;
	}
	return NULL;
}

static struct child *
child_expired(struct ike_sa *sa, uint64_t now)
{
	for (int i = 0; i < MAX_CHILD; i++) {
		struct child *c = &sa->ch[i];
		if (c->up && !c->deleting && c->expire_at && now >= c->expire_at)
			return c;
	}
	return NULL;
}

int
ike_rekey(struct ike_engine *e, const char *name, bool ike, uint64_t now)
{
	int n = 0;

	e->now = now;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		if (sa->state != S_ESTABLISHED || strcmp(sa->conn->name, name))
			continue;
		n++;
		if (ike)
			sa->rekey_at = now;
		else
			for (int i = 0; i < MAX_CHILD; i++)
				if (sa->ch[i].routed && !sa->ch[i].replaced)
					sa->ch[i].rekey_at = now;
	}
	return n;
}

uint64_t
ike_timer(struct ike_engine *e, uint64_t now)
{
	uint64_t next = 1000;
	struct ike_sa **pp = &e->sas;

	e->now = now;
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		const struct ike_conn *c = sa->conn;
		if (sa->state == S_DEAD)
			continue;
		if (sa->req != NULL) {
			if (now - sa->req_sent >= sa->req_timeout) {
				if (++sa->req_tries > c->retransmit_tries) {
					sa_kill(e, sa, sa->state == S_ESTABLISHED ?
						"peer dead (no answer)" : "no answer from the peer");
					continue;
				}
				e->st.retransmits++;
				sa->req_sent = now;
				sa->req_timeout *= 2;
				xmit(e, sa, sa->req, sa->req_len);
			}
			if (sa->req_sent + sa->req_timeout - now < next)
				next = sa->req_sent + sa->req_timeout - now;
		} else if (sa->state == S_ESTABLISHED && sa->expire_at && now >= sa->expire_at) {
			/* not rekeyed in time: the hard lifetime ends it */
			e->st.expired++;
			log_warn("ike %s: IKE_SA %016lx_%016lx reached its hard lifetime", c->name,
				 (unsigned long)sa->spi_i, (unsigned long)sa->spi_r);
			sa_terminate(e, sa);
			continue;
		} else if (sa->state == S_ESTABLISHED && child_expired(sa, now) != NULL) {
			struct child *x = child_expired(sa, now);
			e->st.expired++;
			log_warn("ike %s: CHILD_SA %08x/%08x reached its hard lifetime", c->name,
				 x->spi_in, x->spi_out);
			send_child_delete(e, sa, x);
			continue;
		} else if (sa->state == S_ESTABLISHED && sa->rekey_at && now >= sa->rekey_at) {
			sa->rekey_at = 0;
			send_rekey_ike(e, sa);
			continue;
		} else if (sa->state == S_ESTABLISHED && child_due(sa, now) != NULL) {
			send_rekey_child(e, sa, child_due(sa, now));
			continue;
		} else if (sa->state == S_ESTABLISHED && sa->behind_nat && c->keepalive &&
			   now >= sa->keepalive_at) {
			/* keep our NAT's mapping for port 4500 open (RFC 3948 2.3) */
			static const uint8_t ka = 0xff;
			if (sa->keepalive_at) {
				e->st.keepalives++;
				e->ops->send(e->ctx, &sa->local, &sa->remote, &ka, 1);
			}
			sa->keepalive_at = now + c->keepalive * 1000ull;
		} else if (sa->state == S_ESTABLISHED && c->dpd_delay &&
			   now - sa->last_heard >= c->dpd_delay * 1000ull) {
			/* liveness check: an empty INFORMATIONAL request (2.4) */
			sa->last_heard = now;
			send_informational(e, sa, NULL, 0, PL_NONE);
		} else if (sa->state == S_INIT_DONE && now - sa->last_heard > 30000) {
			sa_kill(e, sa, "half-open IKE_SA timed out");
		} else if (sa->state == S_DELETING && now - sa->last_heard > 30000) {
			sa_kill(e, sa, "rekeyed IKE_SA not deleted by the peer");
		}
	}
	/* reap */
	while (*pp) {
		struct ike_sa *sa = *pp;
		if (sa->state == S_DEAD) {
			*pp = sa->next;
			sa_unindex(e, sa);
			sa_free(sa);
		} else {
			pp = &sa->next;
		}
	}
	return next;
}
