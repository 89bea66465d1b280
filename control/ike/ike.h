/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 engine (RFC 7296): connections, IKE SAs and their CHILD_SAs.
 * It owns no sockets and no clock: the embedder hands it datagrams and the
 * time, and it calls back to send datagrams and to install or remove
 * CHILD_SAs. espgw's control thread embeds it on the DPDK ports;
 * espgw-ike (ike_tool.c) embeds it on UDP sockets for tests.
 */
#ifndef ESPGW_IKE_H
#define ESPGW_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/addr.h"
#include "common/desc.h"
#include "control/ike/cert.h"
#include "control/ike/crypto.h"
#include "control/ike/msg.h"
#include "control/ike/pool.h"

#define IKE_PORT 500
#define IKE_NATT_PORT 4500
#define IKE_MAX_CONN_PROPS 8
#define IKE_MAX_MORE 3		/* CHILD_SAs beyond the first per connection */

struct ike_ep {
	struct ip_addr addr;
	uint16_t port;
};

struct ike_id {
	uint8_t type;			/* ID_* */
	uint8_t len;
	uint8_t data[255];
};

/*
 * A connection as the engine runs it: built from the one connection type
 * of the configuration (struct conn_desc, common/desc.h), with its
 * proposals, identities, selectors and credentials parsed and loaded.
 */
struct ike_conn;

/* What a CHILD_SA install needs, both directions. */
struct ike_child_info {
	const char *conn;
	uint64_t ike_spi_i, ike_spi_r;
	uint32_t spi_in, spi_out;	/* ours (inbound), the peer's (outbound) */
	struct ike_algs esp;
	const uint8_t *key_in, *key_out;	/* encryption key (+ salt) */
	const uint8_t *auth_in, *auth_out;	/* integrity keys, NULL for AEAD */
	size_t key_len, auth_len;
	struct ike_ep local, remote;
	bool encap;			/* UDP-encapsulated ESP (RFC 3948) */
	bool transport;
	struct ike_ts local_ts, remote_ts;
	uint32_t priority;		/* child_route: above its predecessor's */
	uint32_t sa_ids[2];		/* the embedder's ids of the inbound and
					 * outbound SA, as child_up gave them */
	uint64_t session;		/* its IKE SA's session (struct ike_session) */
};

/* why an IKE SA ended, for the embedder's accounting (the first reason
 * given wins: a Delete the operator asked for that the peer never answers
 * is still the operator's) */
enum ike_end {
	IKE_END_PEER,		/* the peer deleted it, or nothing below */
	IKE_END_DEAD,		/* the peer stopped answering (retransmits, DPD) */
	IKE_END_LIFETIME,	/* its hard lifetime ran out */
	IKE_END_ADMIN,		/* the operator: terminate, a connection removed */
	IKE_END_SHUTDOWN,	/* the gateway is stopping */
};

/*
 * A session: an IKE SA from its establishment to its end, across IKE SA
 * rekeys (which keep its id), for accounting. Its CHILD_SAs carry its id.
 */
struct ike_session {
	uint64_t id;
	const char *conn;
	const char *user;		/* the user the peer proved ("" none) */
	struct ike_ep local, remote;
	struct ip_addr vip;		/* the virtual IP leased to the peer (family 0: none) */
	const char *why;		/* its end: why, for people */
	enum ike_end end;		/* its end: why, for accounting */
};

/* EAP through an AAA server (a connection with eap: radius): one packet
 * of the peer's, to go there; the answer comes back by ike_aaa_done */
struct ike_aaa_req {
	const char *conn;
	uint64_t spi_i, spi_r;		/* the IKE SA it is for */
	const char *identity;		/* the EAP identity the peer gave */
	const uint8_t *eap;		/* the peer's EAP packet */
	size_t eap_len;
	const uint8_t *state;		/* the server's state from its last answer */
	size_t state_len;
	struct ike_ep local, remote;
};
enum ike_aaa_code { IKE_AAA_CHALLENGE, IKE_AAA_ACCEPT, IKE_AAA_REJECT };
struct ike_aaa_result {
	enum ike_aaa_code code;
	const uint8_t *eap;		/* the server's EAP packet (accept, reject: optional) */
	size_t eap_len;
	const uint8_t *state;		/* challenge: to send back with the next packet */
	size_t state_len;
	const uint8_t *msk;		/* accept: the MSK (at most 64 bytes) */
	size_t msk_len;
	const char *user;		/* accept: the user's name (NULL: the EAP identity) */
	struct ip_addr framed;		/* accept: the peer's virtual IP (family 0: a pool's) */
};

struct ike_ops {
	/* one datagram; from port 4500 it takes the non-ESP marker, except a
	 * NAT keepalive (one 0xff byte, RFC 3948 2.3), which goes as it is */
	void (*send)(void *ctx, const struct ike_ep *local, const struct ike_ep *remote,
		     const uint8_t *buf, size_t len);
	/*
	 * child_up installs a CHILD_SA's two SAs and names them by two ids
	 * that come back in every later call's sa_ids; child_route points the
	 * outbound policy for its selectors at it (priority above the one it
	 * replaces); child_unroute takes that policy away; child_down removes
	 * the SAs (after child_unroute if it was routed).
	 */
	int (*child_up)(void *ctx, const struct ike_child_info *c, uint32_t sa_ids[2]);
	int (*child_route)(void *ctx, const struct ike_child_info *c);
	void (*child_unroute)(void *ctx, const struct ike_child_info *c);
	void (*child_down)(void *ctx, const struct ike_child_info *c);
	/* the CHILD_SA's addresses or UDP encapsulation changed (MOBIKE, a
	 * NAT that moved): its SAs follow in place. Without it the engine
	 * does not announce MOBIKE */
	void (*child_move)(void *ctx, const struct ike_child_info *c);
	/* an EAP packet for the AAA server: 0 once it is on its way (the
	 * answer may come at any later time, or never) */
	int (*aaa_eap)(void *ctx, const struct ike_aaa_req *r);
	/* a session begins (its IKE SA is up) or ends (up false) */
	void (*session)(void *ctx, const struct ike_session *s, bool up);
	void (*ike_up)(void *ctx, const char *conn, uint64_t spi_i, uint64_t spi_r);
	void (*ike_down)(void *ctx, const char *conn, uint64_t spi_i, uint64_t spi_r,
			 const char *why);
};

struct ike_engine;

/* the time the embedders here hand the engine: monotonic milliseconds */
static inline uint64_t
ike_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ike_engine *ike_engine_new(const struct ike_ops *ops, void *ctx);
void ike_engine_free(struct ike_engine *e);
/* d built: NULL with err when something of it does not parse or load */
struct ike_conn *ike_conn_new(const struct conn_desc *d, char *err, size_t el);
void ike_conn_free(struct ike_conn *c);
/* its ESP proposals' algorithms (for an embedder to check what it can do) */
unsigned ike_conn_esp_algs(const struct ike_conn *c, struct ike_algs *out, unsigned max);
/* the engine takes c, also when it refuses it; c NULL (ike_conn_new
 * failed, err filled) is refused */
int ike_conn_add(struct ike_engine *e, struct ike_conn *c, char *err, size_t el);
/* IKE_SAs of the connection in any state (those just closed until the
 * next ike_timer), -1 if there is no such connection */
int ike_conn_sas(const struct ike_engine *e, const char *name);
/* how a connection fares: why its last IKE SA ended and when, when one
 * last came up (engine ms; 0: never) */
struct ike_conn_health {
	const char *last_end;		/* "" none yet */
	uint64_t last_end_ms, last_up_ms;
};
bool ike_conn_health(const struct ike_engine *e, const char *name, struct ike_conn_health *h);
/* deletes the connection's IKE_SAs (Delete to the peer) and forgets it */
int ike_conn_remove(struct ike_engine *e, const char *name, uint64_t now);
/* a datagram from the network (non-ESP marker already stripped) */
void ike_input(struct ike_engine *e, const struct ike_ep *local, const struct ike_ep *remote,
	       const uint8_t *buf, size_t len, uint64_t now_ms);
/* retransmissions, DPD, lifetimes; returns ms until it wants to run again */
uint64_t ike_timer(struct ike_engine *e, uint64_t now_ms);
/* for tests: the IKE_SAs whose timed work is queued later than it is due
 * (a missed reschedule); 0 when the timer heap is right */
unsigned ike_timer_audit(const struct ike_engine *e);
int ike_initiate(struct ike_engine *e, const char *conn, uint64_t now_ms, char *err, size_t el);
/* the connection's IKE SAs are deleted (why: IKE_END_ADMIN or _SHUTDOWN) */
int ike_terminate(struct ike_engine *e, const char *conn, enum ike_end why, uint64_t now_ms);
/* deletes the CHILD_SA of the connection whose inbound or outbound SPI is
 * spi (a Delete to the peer): 1, or 0 when it has none such */
int ike_child_terminate(struct ike_engine *e, const char *conn, uint32_t spi, uint64_t now_ms);
/* sends the connection's established IKE SAs (those whose peer takes it)
 * to another gateway (RFC 5685 REDIRECT): how many */
int ike_redirect(struct ike_engine *e, const char *conn, const struct ip_addr *to, uint64_t now);
/* MOBIKE initiator: the connection's IKE SAs (those we initiated, with
 * MOBIKE) move to our new address local: how many */
int ike_move(struct ike_engine *e, const char *conn, const struct ip_addr *local, uint64_t now);
/* the AAA server's answer to the packet aaa_eap gave for IKE SA (spi_i,
 * spi_r): the peer gets it; -1 when that SA no longer waits for one */
int ike_aaa_done(struct ike_engine *e, uint64_t spi_i, uint64_t spi_r,
		 const struct ike_aaa_result *r, uint64_t now);
/* rekey the connection's IKE_SA (ike) or its CHILD_SAs now */
int ike_rekey(struct ike_engine *e, const char *conn, bool ike, uint64_t now_ms);

/* One CHILD_SA for listings. */
struct ike_child_view {
	uint32_t spi_in, spi_out;
	struct ike_algs esp;
	const char *state;		/* routed, installed, rekeyed, deleting, ... */
	struct ike_ts ts_l, ts_r;
	uint64_t age_ms;
	int64_t rekey_in_ms;		/* -1: none planned */
};

/* A summary of one IKE_SA for listings. */
struct ike_sa_info {
	const char *conn, *state;
	uint64_t spi_i, spi_r;
	bool initiator, natt, child_up, frag;
	struct ike_ep local, remote;
	struct ike_algs ike, esp;
	uint32_t spi_in, spi_out;	/* the CHILD_SA carrying traffic now */
	unsigned children;		/* installed, old and new during a rekey */
	uint64_t age_ms;		/* since established, 0 if not */
	int64_t rekey_in_ms;		/* IKE_SA rekey; -1: none planned */
	struct ike_child_view ch[16];	/* every CHILD_SA, n_ch of them */
	unsigned n_ch;
	uint8_t version;		/* 1 or 2 */
	const char *mode;		/* IKEv1: "main" or "aggressive"; NULL for IKEv2 */
	uint8_t phase;			/* IKEv1: 1 until phase 1 is done, then 2 */
	unsigned quick_modes;		/* IKEv1: quick modes in progress */
	const char *user;		/* the user XAUTH proved ("" none) */
	struct ip_addr vip[2];		/* virtual IPs leased to the peer (family 0: none) */
	struct ip_addr own_vip;		/* the one we were given as a client */
	bool mobike;			/* both announced MOBIKE */
	struct ip_addr peer_addrs[4];	/* the peer's additional addresses (MOBIKE) */
	unsigned n_peer_addrs;
};
void ike_foreach(struct ike_engine *e, void (*fn)(void *ctx, const struct ike_sa_info *),
		 void *ctx);

/* An established IKEv2 SA's keys, for a key export an operator asked for
 * (Wireshark's IKEv2 decryption table). */
struct ike_sa_keys_view {
	const char *conn;
	uint64_t spi_i, spi_r;
	struct ike_algs a;
	const uint8_t *sk_ei, *sk_er, *sk_ai, *sk_ar;
	size_t ekey_len, akey_len;
};
void ike_foreach_keys(const struct ike_engine *e,
		      void (*fn)(void *ctx, const struct ike_sa_keys_view *), void *ctx);

struct ike_stats {
	uint64_t rx, tx, rx_dropped, retransmits, ike_up, child_up, auth_failed;
	uint64_t ike_rekeyed, child_rekeyed;
	uint64_t cookies_sent, half_open_refused;
	uint64_t frags_tx, frags_rx;	/* RFC 7383 fragments */
	uint64_t expired;		/* SAs ended by their hard lifetime */
	uint64_t keepalives;		/* NAT keepalives sent */
	uint64_t xauth_ok, xauth_failed;	/* users checked (XAUTH server) */
	uint64_t pool_exhausted;	/* a virtual IP asked for, none left */
	uint64_t invalid_ke;		/* key exchange values refused */
	uint64_t redirects;		/* REDIRECTs sent (RFC 5685) */
	uint64_t mobike_moves;		/* IKE SAs moved to new addresses (RFC 4555) */
	unsigned ike_sas, half_open;
};
void ike_get_stats(const struct ike_engine *e, struct ike_stats *s);
/* anti-DoS: require cookies once this many IKE_SAs are half-open
 * (default 64); at most per_source half-open from one address (default 8) */
void ike_set_limits(struct ike_engine *e, unsigned cookie_threshold, unsigned per_source);

/*
 * Remote access: the users XAUTH checks and the pools virtual IPs come
 * from (copied). Pools of the same name and addresses keep their leases;
 * others replace them (their leases stay with the SAs holding them).
 */
int ike_set_remote_access(struct ike_engine *e, const struct user_desc *u, unsigned nu,
			  const struct pool_desc *p, unsigned np);
struct ike_pool_view {
	const struct pool_desc *d;
	uint32_t size, online, offline, unused;
};
/* the i-th pool, false past the last; its leases through ike_pool_lease */
bool ike_pool_at(const struct ike_engine *e, unsigned i, struct ike_pool_view *v,
		 const struct ike_pool **pool);

/* "aes128gcm16-prfsha256-x25519", "aes256-sha256-modp2048", "aes128gcm16-esn" */
int ike_proposal_parse(const char *s, bool esp, struct ike_proposal *p, char *err, size_t el);
/* negotiated algorithms in the same notation: "aes128gcm16-prfsha256-x25519" */
size_t ike_algs_fmt(const struct ike_algs *a, bool esp, char *out, size_t n);
/* "198.18.1.0/24" -> an address range selector */
int ike_ts_from_prefix(const char *s, struct ike_ts *ts);
void ike_ts_of_prefix(const struct ip_prefix *p, struct ike_ts *ts);
int ike_id_parse(const char *s, struct ike_id *id);

/* proposal matching (exported for tests): peer's proposals against ours */
int ike_proposal_select(const struct ike_proposal *peer, unsigned np,
			const struct ike_proposal *ours, unsigned no, bool esp,
			bool ignore_dh, struct ike_algs *out, unsigned *chosen);
/* narrowing: the intersection of two ranges, false when empty */
bool ike_ts_narrow(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out);
/*
 * espgw's policies and SA selectors are prefixes: narrow t's address
 * range further to the largest prefix at its low end (a subset, as a
 * responder may narrow, RFC 7296 2.9). Ports and protocol stay.
 */
void ike_ts_prefix(struct ike_ts *t);
/* a range that is exactly a prefix as that prefix; -1 for any other range */
int ike_ts_to_prefix(const struct ike_ts *t, struct ip_prefix *p);

#endif
