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
#include "control/ike/cert.h"
#include "control/ike/crypto.h"
#include "control/ike/msg.h"

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

struct ike_conn {
	char name[32];
	struct ip_addr local, remote;	/* remote family 0: any (responder) */
	struct ike_id local_id, remote_id;	/* remote type 0: any */
	uint8_t psk[128];
	size_t psk_len;			/* 0: no PSK (certificates only) */
	/* X.509: with cert and key we authenticate by signature (RFC 7427),
	 * with a CA we accept peers' signatures; shared, owned by the embedder */
	struct ike_creds creds;
	struct ike_proposal ike[IKE_MAX_CONN_PROPS], esp[IKE_MAX_CONN_PROPS];
	unsigned n_ike, n_esp;
	struct ike_ts local_ts, remote_ts;	/* one range each */
	/* further CHILD_SAs: asked for after IKE_AUTH, accepted as responder */
	struct ike_ts more_l[IKE_MAX_MORE], more_r[IKE_MAX_MORE];
	unsigned n_more;
	bool transport;
	uint32_t ike_rekey, child_rekey;	/* seconds between rekeys; 0 = never */
	/* hard lifetimes, seconds: an SA not replaced by then is deleted;
	 * 0 = its rekey time + 10 % (none when it never rekeys) */
	uint32_t ike_life, child_life;
	uint32_t dpd_delay;		/* seconds; 0 = off */
	uint32_t keepalive;		/* NAT keepalive interval behind a NAT, s; 0 = off */
	uint32_t retransmit_ms;		/* first timeout, doubled per retry */
	/* RFC 7383: offer fragmentation and fragment messages whose IP
	 * datagrams would exceed this many bytes; 0 = neither */
	uint16_t frag_size;
	unsigned retransmit_tries;
};

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
};

struct ike_ops {
	/* one datagram; from port 4500 it takes the non-ESP marker, except a
	 * NAT keepalive (one 0xff byte, RFC 3948 2.3), which goes as it is */
	void (*send)(void *ctx, const struct ike_ep *local, const struct ike_ep *remote,
		     const uint8_t *buf, size_t len);
	/*
	 * child_up installs a CHILD_SA's two SAs; child_route points the
	 * outbound policy for its selectors at it (priority above the one it
	 * replaces); child_unroute takes that policy away; child_down removes
	 * the SAs (after child_unroute if it was routed).
	 */
	int (*child_up)(void *ctx, const struct ike_child_info *c);
	int (*child_route)(void *ctx, const struct ike_child_info *c);
	void (*child_unroute)(void *ctx, const struct ike_child_info *c);
	void (*child_down)(void *ctx, const struct ike_child_info *c);
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
/* on success the engine owns c->creds (freed with the connection) */
int ike_conn_add(struct ike_engine *e, const struct ike_conn *c, char *err, size_t el);
/* IKE_SAs of the connection in any state (those just closed until the
 * next ike_timer), -1 if there is no such connection */
int ike_conn_sas(const struct ike_engine *e, const char *name);
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
int ike_terminate(struct ike_engine *e, const char *conn, uint64_t now_ms);
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
	struct ike_child_view ch[8];	/* every CHILD_SA, n_ch of them */
	unsigned n_ch;
};
void ike_foreach(struct ike_engine *e, void (*fn)(void *ctx, const struct ike_sa_info *),
		 void *ctx);

struct ike_stats {
	uint64_t rx, tx, rx_dropped, retransmits, ike_up, child_up, auth_failed;
	uint64_t ike_rekeyed, child_rekeyed;
	uint64_t cookies_sent, half_open_refused;
	uint64_t frags_tx, frags_rx;	/* RFC 7383 fragments */
	uint64_t expired;		/* SAs ended by their hard lifetime */
	uint64_t keepalives;		/* NAT keepalives sent */
	unsigned ike_sas, half_open;
};
void ike_get_stats(const struct ike_engine *e, struct ike_stats *s);
/* anti-DoS: require cookies once this many IKE_SAs are half-open
 * (default 64); at most per_source half-open from one address (default 8) */
void ike_set_limits(struct ike_engine *e, unsigned cookie_threshold, unsigned per_source);

/* "aes128gcm16-prfsha256-x25519", "aes256-sha256-modp2048", "aes128gcm16-esn" */
int ike_proposal_parse(const char *s, bool esp, struct ike_proposal *p, char *err, size_t el);
/* negotiated algorithms in the same notation: "aes128gcm16-prfsha256-x25519" */
size_t ike_algs_fmt(const struct ike_algs *a, bool esp, char *out, size_t n);
/* "198.18.1.0/24" -> an address range selector */
int ike_ts_from_prefix(const char *s, struct ike_ts *ts);
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
