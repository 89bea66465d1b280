/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 between two engines over the in-memory link (ike_link.h): what a
 * concentrator meets from its peers (RFC 7296 conformance, issue 14) and
 * its policies towards them. Each test failed before its fix:
 * IKE_AUTH whose CHILD_SA fails keeps the IKE SA on both sides;
 * responses go where their requests came from; INITIAL_CONTACT and
 * `unique`; max_children and one CHILD_SA deleted by its SPI;
 * dpd_action restart; childless IKE SAs (RFC 6023); redirect (RFC 5685).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike.h"
#include "tests/unit/ike_link.h"
#include "unit.h"

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
			CU_ASSERT_EQUAL(ike_terminate(eng[0], "c0", IKE_END_ADMIN, now), 1);
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
	struct link_view v[2];

	link_more = true;
	link_tweak = max_two;
	link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	link_tweak = NULL;
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 3000);
	memset(v, 0, sizeof(v));
	ike_foreach(eng[0], link_view_fn, &v[0]);
	ike_foreach(eng[1], link_view_fn, &v[1]);
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
	ike_foreach(eng[0], link_view_fn, &v[0]);
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
		struct link_view v;

		link_more = true;
		link_tweak = childless;
		link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
		link_tweak = NULL;
		CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
		link_run(&now, 4000);
		memset(&v, 0, sizeof(v));
		ike_foreach(eng[1], link_view_fn, &v);
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

int
main(void)
{
	static const struct unit_test t[] = {
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
		{ NULL, NULL },
	};

	espgw_log_level = LOG_LVL_ERR;
	return unit_run("ike-peers", t);
}
