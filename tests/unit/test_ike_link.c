/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 engine units: two engines over an in-memory link that drops,
 * duplicates, reorders and fragments datagrams: establishment, liveness,
 * rekeys and their collisions, lifetimes, several CHILD_SAs, an
 * IKE_SA_INIT flood, and every message of every exchange mutated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "common/log.h"
#include "control/ike/ike.h"
#include "control/ike/crypto.h"
#include "tests/unit/ike_link.h"
#include "unit.h"
static void
link_case(const char *ike_prop, const char *esp_prop, unsigned drops, unsigned dup)
{
	uint64_t now = 1000;
	char err[100];
	struct ike_stats st;

	drop_mask = drops;
	dup_every = dup;
	link_setup(ike_prop, esp_prop);
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 20000);
	CU_ASSERT_EQUAL(ike_ups[0], 1);
	CU_ASSERT_EQUAL(ike_ups[1], 1);
	CU_ASSERT_EQUAL(ups[0], 1);
	CU_ASSERT_EQUAL(ups[1], 1);
	CU_ASSERT_EQUAL(up[0].spi_in, up[1].spi_out);
	CU_ASSERT_EQUAL(up[0].spi_out, up[1].spi_in);
	CU_ASSERT(memcmp(upkeys[0][0], upkeys[1][1], up[0].key_len) == 0);
	CU_ASSERT(memcmp(upkeys[0][1], upkeys[1][0], up[0].key_len) == 0);
	ike_get_stats(eng[0], &st);
	CU_ASSERT(drops == 0 || st.retransmits > 0);
	CU_ASSERT(link_frag == 0 || (st.frags_tx > 0 && st.frags_rx > 0));
	CU_ASSERT(link_frag != 0 || (st.frags_tx == 0 && st.frags_rx == 0));
	/* liveness checks pass quietly */
	link_run(&now, 12000);
	CU_ASSERT_EQUAL(downs[0] + downs[1], 0);
	/*
	 * CHILD_SA rekey from each side in turn, then IKE_SA rekey from each
	 * side: every time one new CHILD_SA pair agrees on SPIs and keys, the
	 * old one leaves, and each side keeps exactly one routed CHILD_SA
	 */
	for (int round = 0; round < 4; round++) {
		int who = round & 1, n_ups = ups[0];
		bool ike = round >= 2;
		struct ike_stats st0;
		CU_ASSERT_EQUAL(ike_rekey(eng[who], who ? "c1" : "c0", ike, now), 1);
		link_run(&now, 4000);
		ike_get_stats(eng[0], &st0);
		if (ike) {
			CU_ASSERT_EQUAL(ike_ups[0], 2 + round - 2);
			CU_ASSERT_EQUAL(ike_ups[1], 2 + round - 2);
			CU_ASSERT_EQUAL(st0.ike_sas, 1);
			CU_ASSERT_EQUAL(ups[0], n_ups);
		} else {
			CU_ASSERT_EQUAL(ups[0], n_ups + 1);
			CU_ASSERT_EQUAL(ups[1], n_ups + 1);
			CU_ASSERT_EQUAL(downs[0], round + 1);
			CU_ASSERT_EQUAL(downs[1], round + 1);
			CU_ASSERT_EQUAL(up[0].spi_in, up[1].spi_out);
			CU_ASSERT(memcmp(upkeys[0][0], upkeys[1][1], up[0].key_len) == 0);
			CU_ASSERT(memcmp(upkeys[0][1], upkeys[1][0], up[0].key_len) == 0);
		}
		CU_ASSERT_EQUAL(routes[0] - unroutes[0], 1);
		CU_ASSERT_EQUAL(routes[1] - unroutes[1], 1);
	}
	/* the rekeyed IKE_SA still carries a CHILD_SA rekey and the delete */
	CU_ASSERT_EQUAL(ike_rekey(eng[0], "c0", false, now), 1);
	link_run(&now, 4000);
	CU_ASSERT_EQUAL(downs[0], 3);
	CU_ASSERT_EQUAL(downs[1], 3);
	drop_mask = 0;
	CU_ASSERT_EQUAL(ike_terminate(eng[0], "c0", IKE_END_ADMIN, now), 1);
	link_run(&now, 2000);
	CU_ASSERT_EQUAL(downs[0], 4);
	CU_ASSERT_EQUAL(downs[1], 4);
	/* one session a side across the rekeys; it ended by the operator's
	 * terminate here, by the peer's Delete there */
	CU_ASSERT_EQUAL(session_ups[0], 1);
	CU_ASSERT_EQUAL(session_downs[0], 1);
	CU_ASSERT_EQUAL(session_downs[1], 1);
	CU_ASSERT_EQUAL(session_end[0], IKE_END_ADMIN);
	CU_ASSERT_EQUAL(session_end[1], IKE_END_PEER);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 0);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 0);
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.ike_sas, 0);
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
	while (qn)
		free(q[--qn]);
}

static void
test_link_clean(void)
{
	link_case("aes128gcm16-prfsha256-x25519", "aes128gcm16", 0, 0);
	link_case("aes256-sha512-ecp521", "aes256-sha256-esn", 0, 0);
	/* CHILD_SA rekeys with PFS (a KE in CREATE_CHILD_SA) */
	link_case("aes128gcm16-prfsha256-x25519", "aes128gcm16-ecp256", 0, 0);
}

static void
test_link_lossy(void)
{
	/* the first IKE_SA_INIT and the first IKE_AUTH response are lost */
	link_case("aes128gcm16-prfsha256-modp2048", "chacha20poly1305", 0x9, 0);
	/* every third datagram duplicated and the copy delivered first */
	link_case("chacha20poly1305-prfsha256-ecp256", "aes128gcm16", 0, 3);
}

/*
 * RFC 7383 with 200-byte fragments: IKE_AUTH and the CREATE_CHILD_SAs
 * (with KE payloads) travel in pieces, some lost, duplicated, reordered
 */
static void
test_link_frag(void)
{
	link_frag = 200;
	link_case("aes256-sha512-ecp521", "aes256-sha256-ecp384", 0x14, 0);
	link_case("aes128gcm16-prfsha256-x25519", "aes128gcm16", 0, 3);
	link_case("chacha20poly1305-prfsha256-ecp256", "aes128gcm16", 0x120, 4);
	link_frag = 0;
}

static void
test_link_dead_peer(void)
{
	uint64_t now = 1000;
	char err[100];

	drop_mask = 0;
	dup_every = 0;
	link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 2000);
	CU_ASSERT_EQUAL(ups[0], 1);
	/* the responder vanishes: DPD (5 s) then retransmits, then removed */
	ike_engine_free(eng[1]);
	eng[1] = ike_engine_new(&link_ops, (void *)(intptr_t)1);
	link_run(&now, 5000 + 500 * 127 + 1000);
	CU_ASSERT_EQUAL(downs[0], 1);
	CU_ASSERT_EQUAL(session_downs[0], 1);
	CU_ASSERT_EQUAL(session_end[0], IKE_END_DEAD);
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
	while (qn)
		free(q[--qn]);
}

/* after any rekey: one IKE_SA and one CHILD_SA a side, agreeing, routed once */
static void
assert_converged(void)
{
	struct link_view v[2];

	memset(v, 0, sizeof(v));
	ike_foreach(eng[0], link_view_fn, &v[0]);
	ike_foreach(eng[1], link_view_fn, &v[1]);
	CU_ASSERT_EQUAL(v[0].ike_sas, 1);
	CU_ASSERT_EQUAL(v[1].ike_sas, 1);
	CU_ASSERT_EQUAL(v[0].children, 1);
	CU_ASSERT_EQUAL(v[1].children, 1);
	CU_ASSERT_EQUAL(v[0].spi_in, v[1].spi_out);
	CU_ASSERT_EQUAL(v[0].spi_out, v[1].spi_in);
	CU_ASSERT_EQUAL(v[0].spi_i, v[1].spi_i);
	CU_ASSERT_EQUAL(v[0].spi_r, v[1].spi_r);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 1);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 1);
	CU_ASSERT_EQUAL(ups[0] - downs[0], 1);
	CU_ASSERT_EQUAL(ups[1] - downs[1], 1);
}

/*
 * Both sides rekey the same CHILD_SA, or the IKE_SA, at once (RFC 7296
 * 2.8.1): the pair made with the lowest nonce goes, deleted by its maker,
 * and both sides end with the same single CHILD_SA. Random nonces make
 * either side win across the rounds. With one side's request lost, its
 * retransmission meets a finished rekey: TEMPORARY_FAILURE (2.25.1).
 */
static void
test_collisions(void)
{
	uint64_t now = 1000;
	char err[100];
	struct ike_stats st;

	drop_mask = 0;
	dup_every = 0;
	link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 2000);
	assert_converged();
	for (int round = 0; round < 12; round++) {
		bool ike = round % 3 == 2, lossy = round % 4 == 3;
		CU_ASSERT_EQUAL(ike_rekey(eng[0], "c0", ike, now), 1);
		CU_ASSERT_EQUAL(ike_rekey(eng[1], "c1", ike, now), 1);
		if (lossy)
			drop_next_from = round & 1;
		link_run(&now, 5000);
		/* a refused rekey is retried 10 s later, alone */
		link_run(&now, 12000);
		assert_converged();
	}
	ike_get_stats(eng[0], &st);
	CU_ASSERT(st.child_rekeyed >= 8);
	CU_ASSERT(st.ike_rekeyed >= 4);
	CU_ASSERT_EQUAL(ike_terminate(eng[1], "c1", IKE_END_ADMIN, now), 1);
	link_run(&now, 2000);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 0);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 0);
	CU_ASSERT_EQUAL(ups[0], downs[0]);
	CU_ASSERT_EQUAL(ups[1], downs[1]);
	drop_next_from = -1;
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
	while (qn)
		free(q[--qn]);
}

/* the selectors of every installed CHILD_SA of one side, sorted */
static void
ts_list_fn(void *ctx, const struct ike_sa_info *i)
{
	char (*out)[64] = ctx;

	for (unsigned k = 0; k < i->n_ch; k++)
		snprintf(out[k], 64, "%u:%02x%02x-%u:%02x%02x %s", i->ch[k].ts_l.type,
			 i->ch[k].ts_l.lo[0], i->ch[k].ts_l.lo[2], i->ch[k].ts_r.type,
			 i->ch[k].ts_r.lo[0], i->ch[k].ts_r.lo[2], i->ch[k].state);
}

static bool
ts_has(char (*l)[64], const char *s)
{
	for (int k = 0; k < 8; k++)
		if (!strcmp(l[k], s))
			return true;
	return false;
}

/*
 * Three CHILD_SAs on one IKE_SA (IPv4 and IPv6 selectors): the initiator
 * asks for the two more after IKE_AUTH, the responder takes them within
 * its connection's pairs; all rekey, move with an IKE_SA rekey, and go
 * with the delete.
 */
static void
test_more_children(void)
{
	uint64_t now = 1000;
	char err[100], ts0[8][64], ts1[8][64];
	struct link_view v[2];

	drop_mask = 0;
	dup_every = 0;
	link_more = true;
	link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 3000);
	for (int round = 0; round < 3; round++) {
		memset(v, 0, sizeof(v));
		ike_foreach(eng[0], link_view_fn, &v[0]);
		ike_foreach(eng[1], link_view_fn, &v[1]);
		CU_ASSERT_EQUAL(v[0].ike_sas, 1);
		CU_ASSERT_EQUAL(v[0].children, 3);
		CU_ASSERT_EQUAL(v[1].children, 3);
		CU_ASSERT_EQUAL(routes[0] - unroutes[0], 3);
		CU_ASSERT_EQUAL(routes[1] - unroutes[1], 3);
		CU_ASSERT_EQUAL(ups[0] - downs[0], 3);
		CU_ASSERT_EQUAL(ups[1] - downs[1], 3);
		memset(ts0, 0, sizeof(ts0));
		memset(ts1, 0, sizeof(ts1));
		ike_foreach(eng[0], ts_list_fn, ts0);
		ike_foreach(eng[1], ts_list_fn, ts1);
		/* side 0's local is side 1's remote: 1.x<->2.x, 3.x<->4.x, v6 5<->6 */
		CU_ASSERT(ts_has(ts0, "7:c601-7:c602 routed") && ts_has(ts1, "7:c602-7:c601 routed"));
		CU_ASSERT(ts_has(ts0, "7:c603-7:c604 routed") && ts_has(ts1, "7:c604-7:c603 routed"));
		CU_ASSERT(ts_has(ts0, "8:fd00-8:fd00 routed") && ts_has(ts1, "8:fd00-8:fd00 routed"));
		/* round 0: all CHILD_SAs rekey; round 1: the IKE_SA rekeys */
		if (round < 2)
			CU_ASSERT_EQUAL(ike_rekey(eng[round], round ? "c1" : "c0", round == 1, now), 1);
		link_run(&now, 6000);
	}
	CU_ASSERT_EQUAL(ike_terminate(eng[0], "c0", IKE_END_ADMIN, now), 1);
	link_run(&now, 2000);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 0);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 0);
	CU_ASSERT_EQUAL(ups[0], downs[0]);
	CU_ASSERT_EQUAL(ups[1], downs[1]);
	CU_ASSERT_EQUAL(ups[0], 6);
	link_more = false;
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
	while (qn)
		free(q[--qn]);
}

/*
 * Hard lifetimes: a CHILD_SA and an IKE_SA that are not rekeyed are
 * deleted when theirs ends; rekeyed in time (rekey 4 s, life 4.4 s), they
 * never expire.
 */
static void
test_lifetimes(void)
{
	uint64_t now = 1000;
	char err[100];
	struct ike_stats st0, st1;
	struct link_view v;

	drop_mask = 0;
	dup_every = 0;
	memcpy(link_times, (uint32_t[4]){ 0, 0, 12, 5 }, sizeof(link_times));
	link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 2000);
	CU_ASSERT_EQUAL(ups[0], 1);
	link_run(&now, 4500);
	CU_ASSERT_EQUAL(downs[0], 1);
	CU_ASSERT_EQUAL(downs[1], 1);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 0);
	ike_get_stats(eng[0], &st0);
	ike_get_stats(eng[1], &st1);
	CU_ASSERT_EQUAL(st0.ike_sas, 1);
	CU_ASSERT(st0.expired + st1.expired >= 1);	/* each side enforces its own */
	link_run(&now, 7000);
	ike_get_stats(eng[0], &st0);
	ike_get_stats(eng[1], &st1);
	CU_ASSERT_EQUAL(st0.ike_sas, 0);
	CU_ASSERT_EQUAL(st1.ike_sas, 0);
	CU_ASSERT(st0.expired + st1.expired >= 2);
	/* the side whose hard lifetime ran out first ended it; the other had
	 * the Delete, or ran out too */
	CU_ASSERT_EQUAL(session_downs[0] + session_downs[1], 2);
	CU_ASSERT(session_end[0] == IKE_END_LIFETIME || session_end[1] == IKE_END_LIFETIME);
	CU_ASSERT(session_end[0] != IKE_END_ADMIN && session_end[1] != IKE_END_ADMIN);
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
	while (qn)
		free(q[--qn]);

	memcpy(link_times, (uint32_t[4]){ 6, 4, 0, 0 }, sizeof(link_times));
	link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 30000);
	ike_get_stats(eng[0], &st0);
	ike_get_stats(eng[1], &st1);
	CU_ASSERT_EQUAL(st0.expired + st1.expired, 0);
	CU_ASSERT(st0.child_rekeyed + st1.child_rekeyed >= 6);
	CU_ASSERT(st0.ike_rekeyed + st1.ike_rekeyed >= 4);
	memset(&v, 0, sizeof(v));
	ike_foreach(eng[0], link_view_fn, &v);
	CU_ASSERT_EQUAL(v.ike_sas, 1);
	CU_ASSERT_EQUAL(v.children, 1);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 1);
	memset(link_times, 0, sizeof(link_times));
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
	while (qn)
		free(q[--qn]);
}

/* the flooder's IKE_SA_INIT requests, captured instead of sent */
static uint8_t flood_msg[IKE_MAX_MSG];
static size_t flood_len;

static void
flood_send(void *ctx, const struct ike_ep *l, const struct ike_ep *r, const uint8_t *b, size_t n)
{
	(void)ctx;
	(void)l;
	(void)r;
	memcpy(flood_msg, b, n);
	flood_len = n;
}

/* one fresh, valid IKE_SA_INIT request from source address 10.x.y.z */
static void
flood_one(struct ike_engine *fl, uint32_t src, uint64_t now)
{
	struct ike_ep l = { .port = 500 }, r = { .port = 500 };
	char err[100];
	uint32_t be = htonl(src);

	ike_initiate(fl, "c0", now, err, sizeof(err));
	ip_addr_parse("198.18.0.2", &l.addr);
	r.addr.family = AF_INET;
	memcpy(r.addr.a, &be, 4);
	ike_input(eng[1], &l, &r, flood_msg, flood_len, now);
}

static void
test_flood(void)
{
	static const struct ike_ops fops = { .send = flood_send };
	struct ike_engine *fl = ike_engine_new(&fops, NULL);
	struct conn_desc c;
	struct ike_stats st;
	uint64_t now = 1000;
	char err[128];

	resp_any = true;
	drop_mask = 0;
	dup_every = 0;
	link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	memset(&c, 0, sizeof(c));
	strcpy(c.name, "c0");
	ip_addr_parse("10.0.0.1", &c.local);
	ip_addr_parse("198.18.0.2", &c.remote);
	strcpy(c.local_id, "flood");
	strcpy(c.psk, "x");
	strcpy(c.proposals, "aes128gcm16-prfsha256-x25519");
	strcpy(c.esp_proposals, "aes128gcm16");
	CU_ASSERT_EQUAL(ike_conn_add(fl, ike_conn_new(&c, err, sizeof(err)), err, sizeof(err)), 0);
	/* one source: at most 4 half-open from it */
	ike_set_limits(eng[1], 1000, 4);
	for (int k = 0; k < 10; k++)
		flood_one(fl, 0x0a000001, now);
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.half_open, 4);
	CU_ASSERT_EQUAL(st.half_open_refused, 6);
	/* 500 sources: past 16 half-open, only cookies (no state, no DH) */
	ike_set_limits(eng[1], 16, 4);
	for (uint32_t k = 0; k < 500; k++)
		flood_one(fl, 0x0a010000 + k, now);
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.half_open, 16);
	CU_ASSERT_EQUAL(st.cookies_sent, 500 - 12);
	/* the legitimate initiator answers the cookie and gets through */
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 3000);
	CU_ASSERT_EQUAL(ups[0], 1);
	CU_ASSERT_EQUAL(ups[1], 1);
	/* and the half-open ones time out */
	link_run(&now, 31000);
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.half_open, 0);
	CU_ASSERT_EQUAL(st.ike_sas, 1);
	resp_any = false;
	ike_engine_free(fl);
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
	while (qn)
		free(q[--qn]);
}

/*
 * Every message of every exchange (IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA
 * of both kinds, INFORMATIONAL), replayed with each byte flipped and cut
 * at each length into the engine it was for: no crash, no change to the
 * established IKE_SA and its CHILD_SAs, and the tunnel still rekeys and
 * deletes afterwards.
 */
static void
mutation_case(void)
{
	uint64_t now = 1000;
	char err[100];
	struct ike_stats st0, st1;
	unsigned inputs = 0;

	drop_mask = 0;
	dup_every = 0;
	ncap = 0;
	capturing = true;
	link_setup("aes128gcm16-prfsha256-x25519", "aes256-sha256");
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 2000);
	ike_rekey(eng[0], "c0", false, now);
	link_run(&now, 2000);
	ike_rekey(eng[1], "c1", true, now);
	link_run(&now, 2000);
	/* exchanges on the current IKE_SA too: a CHILD_SA rekey, a liveness check */
	ike_rekey(eng[1], "c1", false, now);
	link_run(&now, 2000);
	link_run(&now, 6000);
	capturing = false;
	CU_ASSERT(ncap >= 16);
	CU_ASSERT_EQUAL(ups[0], 3);
	int ups0 = ups[0], ups1 = ups[1], downs0 = downs[0], downs1 = downs[1];
	inputs = link_replay_mutated(now, NULL);
	CU_ASSERT(inputs > 4000);
	CU_ASSERT_EQUAL(ups[0], ups0);
	CU_ASSERT_EQUAL(ups[1], ups1);
	CU_ASSERT_EQUAL(downs[0], downs0);
	CU_ASSERT_EQUAL(downs[1], downs1);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 1);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 1);
	/* the tunnel still works: rekey, then delete */
	CU_ASSERT_EQUAL(ike_rekey(eng[0], "c0", false, now), 1);
	link_run(&now, 3000);
	CU_ASSERT_EQUAL(ups[0], ups0 + 1);
	CU_ASSERT_EQUAL(up[0].spi_in, up[1].spi_out);
	CU_ASSERT(memcmp(upkeys[0][0], upkeys[1][1], up[0].key_len) == 0);
	CU_ASSERT_EQUAL(ike_terminate(eng[0], "c0", IKE_END_ADMIN, now), 1);
	link_run(&now, 2000);
	ike_get_stats(eng[0], &st0);
	ike_get_stats(eng[1], &st1);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 0);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 0);
	CU_ASSERT(st1.rx_dropped > 1000);
	for (unsigned i = 0; i < ncap; i++)
		free(cap[i]);
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
}

static void
test_mutation(void)
{
	mutation_case();
	/* the same with every encrypted message in RFC 7383 fragments */
	link_frag = 200;
	mutation_case();
	link_frag = 0;
}

int
main(void)
{
	static const struct unit_test t[] = {
		{ "two engines: establish, liveness, CHILD_SA and IKE_SA rekeys, delete",
		  test_link_clean },
		{ "two engines: lost, duplicated, reordered datagrams", test_link_lossy },
		{ "two engines: RFC 7383 fragments, lost, duplicated, reordered", test_link_frag },
		{ "two engines: dead peer detected and removed", test_link_dead_peer },
		{ "simultaneous CHILD_SA and IKE_SA rekeys resolved by nonces", test_collisions },
		{ "hard lifetimes end SAs not rekeyed in time, never rekeyed ones", test_lifetimes },
		{ "three CHILD_SAs on one IKE_SA: set up, rekeyed, moved, deleted",
		  test_more_children },
		{ "IKE_SA_INIT flood: per-source cap, cookies, the real peer still connects",
		  test_flood },
		{ "every message of every exchange mutated and truncated: no state change",
		  test_mutation },
		{ NULL, NULL },
	};

	espgw_log_level = LOG_LVL_ERR;
	return unit_run("ike-link", t);
}
