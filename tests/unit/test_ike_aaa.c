/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP through an AAA server (eap: radius, eap_aaa.c) between two engines
 * over the in-memory link: c1 relays, a model AAA server here runs
 * EAP-MSCHAPv2 with eap.c's own server and answers after a delay
 * (longer than the client's retransmission time, so retransmitted
 * requests meet an answer not there yet). Accepted: the MSK from the AAA
 * server keys both AUTHs, the user is the AAA server's; a wrong password:
 * rejected; a server that never answers, answers late, answers garbage
 * or accepts without an MSK: no IKE SA, nothing left behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/ike_int.h"
#include "tests/unit/ike_link.h"
#include "unit.h"

enum misbehave { AAA_GOOD, AAA_MUTE, AAA_GARBAGE, AAA_NO_MSK };

static struct {
	enum misbehave how;
	struct ike_eap *srv;		/* the model's EAP-MSCHAPv2 server */
	struct ike_users *users;
	bool pending;
	uint64_t spi_i, spi_r;
	uint8_t pkt[512];
	size_t len;
	char identity[USER_NAME_LEN];
	char user[USER_NAME_LEN];	/* the model server's: the name it was given */
	unsigned asked, state_seen;
	char state[8];
} aaa;

static int
model_ask(int side, const struct ike_aaa_req *r)
{
	CU_ASSERT_EQUAL(side, 1);
	CU_ASSERT(!aaa.pending);
	CU_ASSERT(r->eap_len <= sizeof(aaa.pkt));
	if (aaa.asked > 0) {
		/* the state of our last challenge comes back */
		aaa.state_seen += r->state_len == strlen(aaa.state) &&
				  memcmp(r->state, aaa.state, r->state_len) == 0;
	}
	aaa.asked++;
	aaa.pending = true;
	aaa.spi_i = r->spi_i;
	aaa.spi_r = r->spi_r;
	memcpy(aaa.pkt, r->eap, r->eap_len);
	aaa.len = r->eap_len;
	snprintf(aaa.identity, sizeof(aaa.identity), "%s", r->identity);
	return 0;
}

/* the model answers what is pending */
static void
model_answer(uint64_t now)
{
	struct ike_aaa_result res = { .code = IKE_AAA_CHALLENGE };
	uint8_t out[512], t[8];
	size_t n;

	if (!aaa.pending || aaa.how == AAA_MUTE)
		return;
	aaa.pending = false;
	if (aaa.srv == NULL) {
		/* a fresh server: it asked for the identity, as the gateway did */
		aaa.srv = ike_eap_new();
		ike_eap_identity(aaa.srv, t, sizeof(t));
		aaa.srv->id = aaa.pkt[1];
	}
	n = ike_eap_server(aaa.srv, aaa.users, aaa.pkt, aaa.len, out, sizeof(out), aaa.user,
			   sizeof(aaa.user));
	snprintf(aaa.state, sizeof(aaa.state), "s%u", aaa.asked);
	res.state = (const uint8_t *)aaa.state;
	res.state_len = strlen(aaa.state);
	res.eap = out;
	res.eap_len = n;
	if (aaa.how == AAA_GARBAGE) {
		out[0] = 9;	/* no EAP code */
	} else if (aaa.srv->state == EAP_S_FAILED) {
		res.code = IKE_AAA_REJECT;
	} else if (aaa.srv->state == EAP_S_DONE) {
		res.code = IKE_AAA_ACCEPT;
		res.msk = aaa.how == AAA_NO_MSK ? NULL : aaa.srv->msk;
		res.msk_len = aaa.how == AAA_NO_MSK ? 0 : sizeof(aaa.srv->msk);
		res.user = "alice@aaa";
	}
	CU_ASSERT_EQUAL(ike_aaa_done(eng[1], aaa.spi_i, aaa.spi_r, &res, now), 0);
}

static void
radius_sides(int side, struct conn_desc *c, const char *pw)
{
	if (side == 0) {
		strcpy(c->eap_user, "alice");
		snprintf(c->eap_password, sizeof(c->eap_password), "%s", pw);
	} else {
		c->eap = CONN_EAP_RADIUS;
		c->retransmit_tries = 2;
	}
}

static void good_pw(int side, struct conn_desc *c) { radius_sides(side, c, "alice-pw"); }
static void bad_pw(int side, struct conn_desc *c) { radius_sides(side, c, "not-alices"); }

/* the link and the AAA server, with answers 700 ms late */
static void
run(uint64_t *now, uint64_t ms)
{
	uint64_t asked_at = 0;

	for (uint64_t end = *now + ms; *now < end;) {
		link_run(now, 100);
		if (aaa.pending && asked_at == 0)
			asked_at = *now;
		if (aaa.pending && *now - asked_at >= 700) {
			model_answer(*now);
			asked_at = 0;
		}
	}
}

static void
setup(enum misbehave how, void (*tweak)(int, struct conn_desc *))
{
	struct user_desc u[1] = { { "alice", "alice-pw" } };

	memset(&aaa, 0, sizeof(aaa));
	aaa.how = how;
	aaa.users = ike_users_new(u, 1);
	link_tweak = tweak;
	link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	link_aaa = model_ask;
}

static void
done(void)
{
	ike_eap_free(aaa.srv);
	ike_users_free(aaa.users);
	link_teardown();
}

struct who {
	char user[USER_NAME_LEN];
	unsigned up;
};

static void
who_fn(void *ctx, const struct ike_sa_info *i)
{
	struct who *w = ctx;

	if (!strcmp(i->state, "established")) {
		snprintf(w->user, sizeof(w->user), "%s", i->user ? i->user : "");
		w->up++;
	}
}

static void
test_accept(void)
{
	uint64_t now = 1000;
	char err[100];
	struct who w = { "", 0 };
	struct ike_stats st;

	setup(AAA_GOOD, good_pw);
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	run(&now, 10000);
	CU_ASSERT_EQUAL(ups[0], 1);
	CU_ASSERT_EQUAL(ups[1], 1);
	CU_ASSERT(memcmp(upkeys[0][0], upkeys[1][1], up[0].key_len) == 0);
	CU_ASSERT_STRING_EQUAL(aaa.identity, "alice");
	CU_ASSERT(aaa.asked >= 3);
	CU_ASSERT_EQUAL(aaa.state_seen, aaa.asked - 1);
	ike_foreach(eng[1], who_fn, &w);
	CU_ASSERT_EQUAL(w.up, 1);
	CU_ASSERT_STRING_EQUAL(w.user, "alice@aaa");
	ike_get_stats(eng[0], &st);
	CU_ASSERT(st.retransmits >= 1);	/* it asked again while the AAA server thought */
	/* the tunnel lives on: an IKE SA rekey */
	CU_ASSERT_EQUAL(ike_rekey(eng[0], "c0", true, now), 1);
	run(&now, 3000);
	w.up = 0;
	ike_foreach(eng[1], who_fn, &w);
	CU_ASSERT_EQUAL(w.up, 1);
	done();
}

/* each way to fail leaves no IKE SA on either side, and a late answer finds none */
static void
test_failures(void)
{
	static const struct {
		enum misbehave how;
		void (*tweak)(int, struct conn_desc *);
	} cases[] = {
		{ AAA_GOOD, bad_pw }, { AAA_MUTE, good_pw }, { AAA_GARBAGE, good_pw },
		{ AAA_NO_MSK, good_pw },
	};

	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		uint64_t now = 1000;
		char err[100];
		struct ike_stats st[2];
		struct ike_aaa_result late = { .code = IKE_AAA_REJECT };

		setup(cases[k].how, cases[k].tweak);
		CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
		run(&now, 90000);	/* (a mute one: the client gives up after its retransmissions) */
		ike_get_stats(eng[0], &st[0]);
		ike_get_stats(eng[1], &st[1]);
		CU_ASSERT_EQUAL(ups[0] + ups[1], 0);
		CU_ASSERT_EQUAL(st[0].ike_sas + st[1].ike_sas, 0);
		if (cases[k].how != AAA_MUTE)
			CU_ASSERT(st[1].auth_failed >= 1);
		CU_ASSERT(aaa.asked >= 1);
		CU_ASSERT_EQUAL(ike_aaa_done(eng[1], aaa.spi_i, aaa.spi_r, &late, now), -1);
		done();
	}
}

static void
eap_only_server(int side, struct conn_desc *c)
{
	good_pw(side, c);
	if (side == 1) {
		c->eap_only = true;
		c->psk[0] = '\0';
	}
}

/*
 * Refused at once, before the AAA server is asked (nothing on either side,
 * counted once): without an AAA server to ask (no aaa_eap); or an EAP-only
 * server (RFC 5998, no PSK of its own) and a client that does not announce
 * EAP_ONLY_AUTHENTICATION (espgw's own, whose only method, EAP-MSCHAPv2,
 * RFC 5998 does not allow)
 */
static void
test_refused(void)
{
	for (int k = 0; k < 2; k++) {
		uint64_t now = 1000;
		char err[100];
		struct ike_stats st;

		setup(AAA_GOOD, k ? eap_only_server : good_pw);
		if (k == 0)
			link_aaa = NULL;
		CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
		run(&now, 5000);
		ike_get_stats(eng[1], &st);
		CU_ASSERT_EQUAL(ups[0] + ups[1], 0);
		CU_ASSERT_EQUAL(st.ike_sas, 0);
		CU_ASSERT_EQUAL(st.auth_failed, 1);
		CU_ASSERT_EQUAL(aaa.asked, 0);
		done();
	}
}

int
main(void)
{
	static const struct unit_test t[] = {
		{ "EAP through the AAA server: accepted, its MSK and user, retransmissions "
		  "meanwhile", test_accept },
		{ "rejected, mute, garbage, no MSK: nothing left; a late answer finds nothing",
		  test_failures },
		{ "no AAA server to ask, or an EAP-only server and a client that does not "
		  "announce it: refused", test_refused },
		{ NULL, NULL },
	};

	espgw_log_level = getenv("AAA_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERR;
	return unit_run("ike-aaa", t);
}
