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
	CU_ASSERT_EQUAL(ike_terminate(eng[0], "c0", now), 1);
	link_run(&now, 2000);
	CU_ASSERT_EQUAL(downs[0], 4);
	CU_ASSERT_EQUAL(downs[1], 4);
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

/* the responder's ESP proposals or selectors do not fit */
static int child_misfit;

static void
misfit(int side, struct conn_desc *c)
{
	if (side == 1 && child_misfit == 0)
		strcpy(c->esp_proposals, "aes256-sha256");
	if (side == 1 && child_misfit == 1)
		ip_prefix_parse("198.18.9.0/24", &c->remote_ts);
}

/*
 * IKE_AUTH whose CHILD_SA fails (RFC 7296 1.2, 2.21.3): the responder
 * answers with its ID and AUTH and the error, and both sides have the IKE
 * SA (a CREATE_CHILD_SA may follow). Before, the responder sent the notify
 * alone: the initiator took that for a failed authentication and dropped
 * its side while the responder kept an IKE SA until DPD.
 */
static void
test_auth_child_failed(void)
{
	for (child_misfit = 0; child_misfit < 2; child_misfit++) {
		uint64_t now = 1000;
		struct ike_stats st;
		char err[100];

		link_tweak = misfit;
		link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
		link_tweak = NULL;
		CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
		link_run(&now, 3000);
		CU_ASSERT_EQUAL(ike_ups[0], 1);
		CU_ASSERT_EQUAL(ike_ups[1], 1);
		CU_ASSERT_EQUAL(ups[0] + ups[1], 0);
		for (int k = 0; k < 2; k++) {
			ike_get_stats(eng[k], &st);
			CU_ASSERT_EQUAL(st.ike_sas, 1);
			CU_ASSERT_EQUAL(st.auth_failed, 0);
		}
		link_run(&now, 20000);		/* liveness checks pass: nothing ends */
		ike_get_stats(eng[0], &st);
		CU_ASSERT_EQUAL(st.ike_sas, 1);
		ike_get_stats(eng[1], &st);
		CU_ASSERT_EQUAL(st.ike_sas, 1);
		link_teardown();
	}
}

/*
 * A response goes where its request came from (RFC 7296 2.11): the
 * initiator's liveness check and its Delete arrive from another address
 * (its address changed): the answers go there, and the retransmitted
 * check gets its answer again there. Before, they went to the IKE SA's
 * stored address.
 */
static void
test_response_to_source(void)
{
	uint64_t now = 1000;
	struct ike_ep moved = { .port = IKE_PORT };
	char err[100];

	ip_addr_parse("198.18.0.9", &moved.addr);
	link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 2000);
	CU_ASSERT_EQUAL_FATAL(ike_ups[1], 1);
	/* a liveness check (an empty INFORMATIONAL), sent twice; then the Delete */
	for (int x = 0; x < 2; x++) {
		now += 6000;
		if (x == 0)
			ike_timer(eng[0], now);
		else
			CU_ASSERT_EQUAL(ike_terminate(eng[0], "c0", now), 1);
		CU_ASSERT_EQUAL_FATAL(qn, 1);		/* not delivered yet */
		struct dgram *d = q[0];
		qn = 0;
		for (int k = 0; k < 2 - x; k++) {
			ike_input(eng[1], &d->dst, &moved, d->b, d->len, now);
			CU_ASSERT_EQUAL(qn, 1);
			CU_ASSERT(qn == 1 && ip_addr_eq(&q[0]->dst.addr, &moved.addr) &&
				  q[0]->dst.port == IKE_PORT);
			if (x == 0 && k == 0) {	/* the answer arrives: eng0 moves on */
				ike_input(eng[0], &q[0]->dst, &q[0]->from, q[0]->b, q[0]->len, now);
				free(q[0]);
				qn = 0;
			}
			while (qn)
				free(q[--qn]);
		}
		free(d);
	}
	link_teardown();
}

static enum conn_unique uniq;

static void
set_unique(int side, struct conn_desc *c)
{
	if (side == 1)
		c->unique = uniq;
}

static unsigned
n_sas(int k, uint64_t now)
{
	struct ike_stats st;

	ike_timer(eng[k], now);		/* the dead reaped */
	ike_get_stats(eng[k], &st);
	return st.ike_sas;
}

/*
 * INITIAL_CONTACT and `unique` (RFC 7296 2.4): a restarted initiator (a
 * new engine, nothing of the old SA) sends INITIAL_CONTACT and the
 * responder ends the old IKE SA and its CHILD_SA at once (`never`: it
 * keeps both); a second IKE SA from the same peer without it: `no` keeps
 * both, `replace` deletes the old (on both sides), `keep` refuses the new.
 * Before, INITIAL_CONTACT was ignored and the old SA stayed until DPD.
 */
static void
test_unique(void)
{
	for (int restart = 1; restart >= 0; restart--)
		for (uniq = CONN_UNIQUE_NO; uniq <= CONN_UNIQUE_KEEP; uniq++) {
			uint64_t now = 1000;
			char err[100];
			unsigned want1;

			if (restart && uniq > CONN_UNIQUE_NEVER)
				continue;
			link_tweak = set_unique;
			link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
			link_tweak = NULL;
			CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
			link_run(&now, 2000);
			CU_ASSERT_EQUAL_FATAL(ups[1], 1);
			if (restart) {
				struct conn_desc c;
				link_conn_desc(0, "aes128gcm16-prfsha256-x25519", "aes128gcm16", &c);
				ike_engine_free(eng[0]);
				eng[0] = ike_engine_new(&link_ops, (void *)(intptr_t)0);
				CU_ASSERT_EQUAL(ike_conn_add(eng[0], ike_conn_new(&c, err, sizeof(err)),
							     err, sizeof(err)), 0);
			}
			CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
			link_run(&now, 3000);
			want1 = uniq == CONN_UNIQUE_NO && !restart ? 2 :
				uniq == CONN_UNIQUE_NEVER ? 2 : 1;
			CU_ASSERT_EQUAL(n_sas(1, now), want1);
			if (n_sas(1, now) != want1)
				printf("\nrestart %d unique %d: %u SAs\n", restart, uniq, n_sas(1, now));
			if (restart) {
				CU_ASSERT_EQUAL(downs[1], uniq == CONN_UNIQUE_NEVER ? 0 : 1);
			} else {
				CU_ASSERT_EQUAL(n_sas(0, now), want1);
				/* keep: the new one refused, the old one carries on */
				CU_ASSERT_EQUAL(ups[1], uniq == CONN_UNIQUE_KEEP ? 1 : 2);
			}
			/* one routed CHILD_SA per IKE SA left */
			CU_ASSERT_EQUAL(routes[1] - unroutes[1], (int)want1);
			link_teardown();
		}
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
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
	while (qn)
		free(q[--qn]);
}

/* one side's view: its IKE_SAs, installed CHILD_SAs, the routed pair */
struct view {
	unsigned ike_sas, children;
	uint32_t spi_in, spi_out;
	uint64_t spi_i, spi_r;
};

static void
view_fn(void *ctx, const struct ike_sa_info *i)
{
	struct view *v = ctx;

	v->ike_sas++;
	v->children += i->children;
	if (i->child_up) {
		v->spi_in = i->spi_in;
		v->spi_out = i->spi_out;
		v->spi_i = i->spi_i;
		v->spi_r = i->spi_r;
	}
}

/* after any rekey: one IKE_SA and one CHILD_SA a side, agreeing, routed once */
static void
assert_converged(void)
{
	struct view v[2];

	memset(v, 0, sizeof(v));
	ike_foreach(eng[0], view_fn, &v[0]);
	ike_foreach(eng[1], view_fn, &v[1]);
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
	CU_ASSERT_EQUAL(ike_terminate(eng[1], "c1", now), 1);
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
	struct view v[2];

	drop_mask = 0;
	dup_every = 0;
	link_more = true;
	link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 3000);
	for (int round = 0; round < 3; round++) {
		memset(v, 0, sizeof(v));
		ike_foreach(eng[0], view_fn, &v[0]);
		ike_foreach(eng[1], view_fn, &v[1]);
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
	CU_ASSERT_EQUAL(ike_terminate(eng[0], "c0", now), 1);
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

static void
max_two(int side, struct conn_desc *c)
{
	if (side == 1)
		c->max_children = 2;
}

/*
 * max_children (2 on the responder) against three CHILD_SAs asked for:
 * the third gets NO_ADDITIONAL_SAS, the two rekey all the same; then the
 * operator deletes one CHILD_SA by its SPI (ike_child_terminate): both
 * sides lose that one only. Before, only a fixed slot count (8) limited
 * them and one CHILD_SA could not be deleted alone.
 */
static void
test_max_children(void)
{
	uint64_t now = 1000;
	char err[100];
	struct view v[2];

	link_more = true;
	link_tweak = max_two;
	link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	link_tweak = NULL;
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 3000);
	memset(v, 0, sizeof(v));
	ike_foreach(eng[0], view_fn, &v[0]);
	ike_foreach(eng[1], view_fn, &v[1]);
	CU_ASSERT_EQUAL(v[0].children, 2);
	CU_ASSERT_EQUAL(v[1].children, 2);
	CU_ASSERT_EQUAL(ike_rekey(eng[0], "c0", false, now), 1);
	link_run(&now, 6000);
	CU_ASSERT_EQUAL(ups[1], 4);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 2);
	/* one CHILD_SA deleted by its SPI (either side's) */
	CU_ASSERT_EQUAL(ike_child_terminate(eng[1], "c1", up[1].spi_out, now), 1);
	CU_ASSERT_EQUAL(ike_child_terminate(eng[1], "c1", 0x12345678, now), 0);
	link_run(&now, 2000);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 1);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 1);
	memset(v, 0, sizeof(v));
	ike_foreach(eng[0], view_fn, &v[0]);
	CU_ASSERT_EQUAL(v[0].ike_sas, 1);
	CU_ASSERT_EQUAL(v[0].children, 1);
	link_more = false;
	link_teardown();
}

static void
restart_dead(int side, struct conn_desc *c)
{
	if (side == 0) {
		c->dpd_action = CONN_DPD_RESTART;
		c->retransmit_tries = 2;
	}
}

/* dpd_action: restart: the peer goes silent, the liveness check fails,
 * the IKE SA is removed and a new one initiated, up once the peer speaks */
static void
test_dpd_restart(void)
{
	uint64_t now = 1000;
	char err[100];

	link_tweak = restart_dead;
	link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	link_tweak = NULL;
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 2000);
	CU_ASSERT_EQUAL_FATAL(ike_ups[0], 1);
	link_mute(1);
	link_run(&now, 12000);		/* dpd 5 s, then 0.5 + 1 + 2 s of tries */
	CU_ASSERT_EQUAL(downs[0], 1);	/* the old CHILD_SA went */
	link_mute(-1);
	link_run(&now, 10000);
	CU_ASSERT_EQUAL(ike_ups[0], 2);	/* and a new IKE SA came */
	CU_ASSERT_EQUAL(ups[0], 2);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 1);
	link_teardown();
}

static int childless_resp;

static void
childless(int side, struct conn_desc *c)
{
	c->childless = side == 0 ? CONN_CHILDLESS_FORCE : (enum conn_childless)childless_resp;
}

/*
 * Childless IKE SAs (RFC 6023): the initiator forces one, the responder
 * allows it: IKE_AUTH carries no CHILD_SA, the CHILD_SAs (the first and
 * two more) follow in CREATE_CHILD_SA and carry traffic, rekey as usual.
 * A responder that never takes them makes the initiator give up (it does
 * not announce support).
 */
static void
test_childless(void)
{
	for (childless_resp = CONN_CHILDLESS_ALLOW; childless_resp <= CONN_CHILDLESS_NEVER;
	     childless_resp += CONN_CHILDLESS_NEVER - CONN_CHILDLESS_ALLOW) {
		uint64_t now = 1000;
		char err[100];
		struct view v;

		link_more = true;
		link_tweak = childless;
		link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
		link_tweak = NULL;
		CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
		link_run(&now, 4000);
		memset(&v, 0, sizeof(v));
		ike_foreach(eng[1], view_fn, &v);
		if (childless_resp == CONN_CHILDLESS_NEVER) {
			CU_ASSERT_EQUAL(ike_ups[0] + ups[0] + ups[1], 0);
			link_more = false;
			link_teardown();
			continue;
		}
		CU_ASSERT_EQUAL(ike_ups[0], 1);
		CU_ASSERT_EQUAL(ike_ups[1], 1);
		CU_ASSERT_EQUAL(v.children, 3);
		CU_ASSERT_EQUAL(ups[0], 3);
		CU_ASSERT_EQUAL(routes[0] - unroutes[0], 3);
		CU_ASSERT_EQUAL(routes[1] - unroutes[1], 3);
		CU_ASSERT_EQUAL(ike_rekey(eng[1], "c1", false, now), 1);
		link_run(&now, 6000);
		CU_ASSERT_EQUAL(ups[0], 6);
		CU_ASSERT_EQUAL(routes[0] - unroutes[0], 3);
		link_more = false;
		link_teardown();
	}
}

static void
redirect_at(int side, struct conn_desc *c)
{
	if (side == 1)
		ip_addr_parse("198.18.0.3", &c->redirect_to);
}

/* engine 1 as the gateways at .3 and .4 too: c1 with another local address */
static void
add_gateway(const char *name, const char *addr)
{
	struct conn_desc d;
	char err[100];

	link_conn_desc(1, "aes128gcm16-prfsha256-x25519", "aes128gcm16", &d);
	snprintf(d.name, sizeof(d.name), "%s", name);
	ip_addr_parse(addr, &d.local);
	CU_ASSERT_EQUAL(ike_conn_add(eng[1], ike_conn_new(&d, err, sizeof(err)), err,
				     sizeof(err)), 0);
}

struct where {
	unsigned n;
	char remote[IP_ADDR_STRLEN + 8];
};

static void
where_fn(void *ctx, const struct ike_sa_info *i)
{
	struct where *w = ctx;
	char a[IP_ADDR_STRLEN];

	if (strcmp(i->state, "established"))
		return;
	w->n++;
	snprintf(w->remote, sizeof(w->remote), "%s", ip_addr_fmt(&i->remote.addr, a, sizeof(a)));
}

/*
 * Redirect (RFC 5685): the gateway at .2 sends a new client to .3 in
 * IKE_SA_INIT (no state of it stays); the client follows with
 * REDIRECTED_FROM and is taken there (not redirected again). Then the
 * operator redirects the established IKE SA to .4: the client sets up a
 * new IKE SA there, which replaces the old one (deleted at both ends);
 * its CHILD_SA carries on.
 */
static void
test_redirect(void)
{
	uint64_t now = 1000;
	struct ike_stats st;
	struct where w;
	char err[100];

	link_tweak = redirect_at;
	link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	link_tweak = NULL;
	add_gateway("c1-3", "198.18.0.3");
	add_gateway("c1-4", "198.18.0.4");
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 3000);
	memset(&w, 0, sizeof(w));
	ike_foreach(eng[0], where_fn, &w);
	CU_ASSERT_EQUAL(w.n, 1);
	CU_ASSERT_STRING_EQUAL(w.remote, "198.18.0.3");
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.redirects, 1);
	CU_ASSERT_EQUAL(st.ike_sas, 1);
	CU_ASSERT_EQUAL(ups[0], 1);
	/* established: to .4 */
	struct ip_addr to4;
	ip_addr_parse("198.18.0.4", &to4);
	CU_ASSERT_EQUAL(ike_redirect(eng[1], "c1-3", &to4, now), 1);
	memset(&w, 0, sizeof(w));
	link_run(&now, 4000);
	ike_foreach(eng[0], where_fn, &w);
	CU_ASSERT_EQUAL(w.n, 1);
	CU_ASSERT_STRING_EQUAL(w.remote, "198.18.0.4");
	ike_timer(eng[1], now);
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.ike_sas, 1);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 1);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 1);
	link_teardown();
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
	struct view v;

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
	ike_foreach(eng[0], view_fn, &v);
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
	for (unsigned i = 0; i < ncap; i++) {
		struct dgram *d = cap[i];
		uint8_t m[IKE_MAX_MSG];
		for (size_t pos = 0; pos < d->len; pos++) {
			memcpy(m, d->b, d->len);
			m[pos] ^= 0x5a;
			ike_input(eng[d->to], &d->dst, &d->from, m, d->len, now);
			ike_input(eng[d->to], &d->dst, &d->from, d->b, pos, now);
			inputs += 2;
		}
		/* and the original, replayed as is */
		ike_input(eng[d->to], &d->dst, &d->from, d->b, d->len, now);
	}
	/* the responses they drew go nowhere */
	while (qn)
		free(q[--qn]);
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
	CU_ASSERT_EQUAL(ike_terminate(eng[0], "c0", now), 1);
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
		{ "IKE_AUTH's CHILD_SA refused: both sides keep the IKE SA", test_auth_child_failed },
		{ "a response goes to its request's source address and port",
		  test_response_to_source },
		{ "INITIAL_CONTACT from a restarted peer; unique no, never, replace, keep",
		  test_unique },
		{ "max_children refuses a third CHILD_SA; one CHILD_SA deleted by its SPI",
		  test_max_children },
		{ "dpd_action restart: a dead peer's IKE SA initiated anew", test_dpd_restart },
		{ "childless IKE SAs (RFC 6023): CHILD_SAs in CREATE_CHILD_SA; refused unless "
		  "announced", test_childless },
		{ "redirect (RFC 5685) in IKE_SA_INIT and of an established IKE SA",
		  test_redirect },
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
