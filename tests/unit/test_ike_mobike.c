/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MOBIKE (RFC 4555) between two engines over the in-memory link
 * (ike_link.h): c0 initiates, then moves to another address; c1 follows
 * with the IKE SA and re-points its CHILD_SAs (child_move). A NAT that
 * appears with the move is detected anew; a lost update is retransmitted
 * from the new address; a move asked for while another exchange is in
 * flight waits for it; without MOBIKE a NAT mapping that changes still
 * moves the CHILD_SAs (RFC 7296 2.23). Before, nothing moved them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike.h"
#include "tests/unit/ike_link.h"
#include "unit.h"

#define IKE_P "aes128gcm16-prfsha256-x25519"
#define ESP_P "aes128gcm16"

struct one {
	struct ike_sa_info i;
	unsigned n;
};

static void
one_fn(void *ctx, const struct ike_sa_info *i)
{
	struct one *o = ctx;

	if (strcmp(i->state, "established"))
		return;
	o->i = *i;
	o->n++;
}

/* side's only established IKE SA */
static struct ike_sa_info
sa_of(int side)
{
	struct one o = { .n = 0 };

	ike_foreach(eng[side], one_fn, &o);
	CU_ASSERT_EQUAL(o.n, 1);
	return o.i;
}

static uint64_t
stat_moves(int side)
{
	struct ike_stats st;

	ike_get_stats(eng[side], &st);
	return st.mobike_moves;
}

static void
addr(const char *s, struct ip_addr *a)
{
	CU_ASSERT_EQUAL(ip_addr_parse(s, a), 0);
}

static void
establish(uint64_t *now)
{
	char err[100];

	link_setup(IKE_P, ESP_P);
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", *now, err, sizeof(err)), 0);
	link_run(now, 3000);
	CU_ASSERT_EQUAL(ups[0], 1);
	CU_ASSERT_EQUAL(ups[1], 1);
}

/* both announced it; IKE_AUTH went to 4500 (RFC 4555 3.3), ESP stays plain */
static void
test_negotiated(void)
{
	uint64_t now = 1000;
	struct ike_sa_info a, b;

	establish(&now);
	a = sa_of(0);
	b = sa_of(1);
	CU_ASSERT(a.mobike && b.mobike);
	CU_ASSERT_EQUAL(a.local.port, IKE_NATT_PORT);
	CU_ASSERT_EQUAL(b.remote.port, IKE_NATT_PORT);
	CU_ASSERT(!a.natt && !b.natt);
	link_teardown();
}

static void
no_mobike(int side, struct conn_desc *c)
{
	if (side == 1)
		c->mobike_off = true;
}

static void
test_refused_by_config(void)
{
	uint64_t now = 1000;
	struct ip_addr to;
	char err[100];

	link_tweak = no_mobike;
	link_setup(IKE_P, ESP_P);
	link_tweak = NULL;
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 3000);
	CU_ASSERT_EQUAL(ups[0], 1);
	CU_ASSERT(!sa_of(0).mobike);
	CU_ASSERT(!sa_of(1).mobike);
	addr("198.18.0.11", &to);
	CU_ASSERT_EQUAL(ike_move(eng[0], "c0", &to, now), 0);
	CU_ASSERT_EQUAL(ike_move(eng[0], "nope", &to, now), -1);
	link_teardown();
}

/* the initiator moves: both IKE SAs and all CHILD_SAs follow */
static void
test_move(void)
{
	uint64_t now = 1000;
	struct ip_addr to, gw;
	struct ike_sa_info a, b;

	establish(&now);
	addr("198.18.0.11", &to);
	addr("198.18.0.2", &gw);
	/* the responder never moves an SA (RFC 4555 3.1) */
	CU_ASSERT_EQUAL(ike_move(eng[1], "c1", &gw, now), 0);
	CU_ASSERT_EQUAL(ike_move(eng[0], "c0", &to, now), 1);
	link_run(&now, 1000);
	a = sa_of(0);
	b = sa_of(1);
	CU_ASSERT(ip_addr_eq(&a.local.addr, &to));
	CU_ASSERT(ip_addr_eq(&b.remote.addr, &to));
	CU_ASSERT_EQUAL(b.remote.port, IKE_NATT_PORT);
	CU_ASSERT_EQUAL(moves[0], 1);
	CU_ASSERT_EQUAL(moves[1], 1);
	CU_ASSERT(ip_addr_eq(&move_last[0].local.addr, &to));
	CU_ASSERT(ip_addr_eq(&move_last[1].remote.addr, &to));
	CU_ASSERT(ip_addr_eq(&move_last[1].local.addr, &gw));
	CU_ASSERT(!move_last[0].encap && !move_last[1].encap);
	CU_ASSERT_EQUAL(move_last[1].spi_out, up[1].spi_out);
	CU_ASSERT_EQUAL(stat_moves(0), 1);
	CU_ASSERT_EQUAL(stat_moves(1), 1);
	/* the IKE SA works from there: a CHILD_SA rekey, then liveness */
	CU_ASSERT_EQUAL(ike_rekey(eng[0], "c0", false, now), 1);
	link_run(&now, 2000);
	CU_ASSERT_EQUAL(ups[0], 2);
	CU_ASSERT_EQUAL(ups[1], 2);
	CU_ASSERT(ip_addr_eq(&up[1].remote.addr, &to));
	link_run(&now, 60000);
	CU_ASSERT_EQUAL(sa_of(1).children, 1);
	link_teardown();
}

/* a NAT appears with the move: ESP goes into UDP on both sides */
static void
test_move_behind_nat(void)
{
	uint64_t now = 1000;
	struct ip_addr to;
	struct ike_sa_info a, b;

	establish(&now);
	addr("198.18.0.11", &to);
	addr("198.18.0.99", &link_nat[0].addr);
	link_nat[0].port = 40001;
	CU_ASSERT_EQUAL(ike_move(eng[0], "c0", &to, now), 1);
	link_run(&now, 1000);
	a = sa_of(0);
	b = sa_of(1);
	CU_ASSERT(a.natt && b.natt);
	CU_ASSERT(ip_addr_eq(&b.remote.addr, &link_nat[0].addr));
	CU_ASSERT_EQUAL(b.remote.port, 40001);
	CU_ASSERT(move_last[0].encap && move_last[1].encap);
	CU_ASSERT_EQUAL(move_last[1].remote.port, 40001);
	CU_ASSERT_EQUAL(move_last[0].local.port, IKE_NATT_PORT);
	/* and away from the NAT again: plain ESP */
	memset(&link_nat[0], 0, sizeof(link_nat[0]));
	addr("198.18.0.12", &to);
	CU_ASSERT_EQUAL(ike_move(eng[0], "c0", &to, now), 1);
	link_run(&now, 1000);
	CU_ASSERT(!sa_of(0).natt && !sa_of(1).natt);
	CU_ASSERT(!move_last[0].encap && !move_last[1].encap);
	CU_ASSERT(ip_addr_eq(&move_last[1].remote.addr, &to));
	CU_ASSERT_EQUAL(moves[1], 2);
	link_teardown();
}

/* the update is lost, then its answer: retransmitted from the new address */
static void
test_move_lossy(void)
{
	for (int lose = 0; lose < 2; lose++) {
		uint64_t now = 1000;
		struct ip_addr to;
		struct ike_sa_info b;
		establish(&now);
		addr("198.18.0.11", &to);
		drop_next_from = lose;
		CU_ASSERT_EQUAL(ike_move(eng[0], "c0", &to, now), 1);
		link_run(&now, 3000);
		b = sa_of(1);
		CU_ASSERT(ip_addr_eq(&b.remote.addr, &to));
		CU_ASSERT_EQUAL(moves[0], 1);
		CU_ASSERT_EQUAL(moves[1], 1);
		link_teardown();
	}
}

/* asked for during a CHILD_SA rekey, and twice in a row: the last address wins */
static void
test_move_busy(void)
{
	uint64_t now = 1000;
	struct ip_addr to, to2;
	struct ike_sa_info b;

	establish(&now);
	addr("198.18.0.11", &to);
	addr("198.18.0.12", &to2);
	CU_ASSERT_EQUAL(ike_rekey(eng[0], "c0", false, now), 1);
	CU_ASSERT_EQUAL(ike_move(eng[0], "c0", &to, now), 1);
	CU_ASSERT_EQUAL(ike_move(eng[0], "c0", &to2, now), 1);
	link_run(&now, 3000);
	CU_ASSERT_EQUAL(ups[0], 2);
	b = sa_of(1);
	CU_ASSERT(ip_addr_eq(&b.remote.addr, &to2));
	CU_ASSERT(ip_addr_eq(&move_last[1].remote.addr, &to2));
	CU_ASSERT(ip_addr_eq(&move_last[0].local.addr, &to2));
	link_teardown();
}

static void
both_off(int side, struct conn_desc *c)
{
	(void)side;
	c->mobike_off = true;
}

/*
 * Without MOBIKE, a NAT whose mapping changes (RFC 7296 2.23): the
 * responder follows the initiator's new port, and its CHILD_SAs follow
 * too. Before, ESP kept going to the old mapping.
 */
static void
test_nat_follow_moves_children(void)
{
	uint64_t now = 1000;
	char err[100];
	struct ike_sa_info b;

	link_tweak = both_off;
	addr("198.18.0.99", &link_nat[0].addr);
	link_nat[0].port = 40001;
	resp_any = true;
	link_setup(IKE_P, ESP_P);
	link_tweak = NULL;
	resp_any = false;
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 3000);
	CU_ASSERT_EQUAL(ups[1], 1);
	CU_ASSERT(up[1].encap);
	CU_ASSERT_EQUAL(up[1].remote.port, 40001);
	CU_ASSERT_EQUAL(moves[1], 0);
	link_nat[0].port = 40002;	/* the NAT forgot, and mapped anew */
	CU_ASSERT_EQUAL(ike_rekey(eng[0], "c0", true, now), 1);
	link_run(&now, 2000);
	b = sa_of(1);
	CU_ASSERT_EQUAL(b.remote.port, 40002);
	CU_ASSERT(moves[1] >= 1);
	CU_ASSERT_EQUAL(move_last[1].remote.port, 40002);
	link_teardown();
}

/*
 * The update exchange captured, then each datagram replayed with each
 * byte flipped and cut at each length, and as it was from a third
 * address: the SAs stay where the real update put them, nothing moves
 * again, and the tunnel still rekeys.
 */
static void
test_move_mutated(void)
{
	uint64_t now = 1000;
	struct ip_addr to, elsewhere;
	struct ike_sa_info b;
	unsigned n0;
	int m0, m1;

	establish(&now);
	addr("198.18.0.11", &to);
	addr("198.18.0.66", &elsewhere);
	ncap = 0;
	capturing = true;
	CU_ASSERT_EQUAL(ike_move(eng[0], "c0", &to, now), 1);
	link_run(&now, 1000);
	capturing = false;
	n0 = ncap;
	CU_ASSERT(n0 >= 2);
	m0 = moves[0];
	m1 = moves[1];
	link_replay_mutated(now, &elsewhere);
	CU_ASSERT_EQUAL(moves[0], m0);
	CU_ASSERT_EQUAL(moves[1], m1);
	b = sa_of(1);
	CU_ASSERT(ip_addr_eq(&b.remote.addr, &to));
	CU_ASSERT_EQUAL(b.children, 1);
	CU_ASSERT_EQUAL(ike_rekey(eng[0], "c0", false, now), 1);
	link_run(&now, 2000);
	CU_ASSERT_EQUAL(ups[1], 2);
	CU_ASSERT(ip_addr_eq(&up[1].remote.addr, &to));
	for (unsigned i = 0; i < n0; i++)
		free(cap[i]);
	ncap = 0;
	link_teardown();
}

int
main(void)
{
	static const struct unit_test t[] = {
		{ "MOBIKE negotiated; IKE_AUTH on 4500", test_negotiated },
		{ "mobike: no on one side: no MOBIKE, no move", test_refused_by_config },
		{ "the initiator moves: IKE SA and CHILD_SAs follow on both sides", test_move },
		{ "a NAT appears with a move, and goes with the next", test_move_behind_nat },
		{ "the update or its answer lost", test_move_lossy },
		{ "moves asked for during a rekey, twice", test_move_busy },
		{ "the update exchange mutated, truncated and replayed from elsewhere",
		  test_move_mutated },
		{ "without MOBIKE a NAT's new mapping moves the CHILD_SAs",
		  test_nat_follow_moves_children },
		{ NULL, NULL },
	};

	espgw_log_level = LOG_LVL_ERR;
	return unit_run("ike-mobike", t);
}
