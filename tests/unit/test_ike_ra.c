/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Remote access: the address pools (a model of leases checked against
 * the allocator over random operations), the user store, and IKEv1 XAUTH
 * and Mode Config between two engines over the lossy link (ike_link.h):
 * users right and wrong, the virtual IP as the only selector, the same
 * address again for the same user, an exhausted pool, quick mode refused
 * before XAUTH is done, damaged transaction messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "control/ike/ike_int.h"
#include "control/ike/users.h"
#include "control/ike/v1.h"
#include "tests/unit/ike_link.h"
#include "unit.h"

static struct pool_desc
pool4(const char *first, const char *last)
{
	struct pool_desc d = { .name = "p" };

	ip_addr_parse(first, &d.first);
	ip_addr_parse(last, &d.last);
	return d;
}

/* the rules against a model: leases by owner, offline ones reclaimed
 * oldest first and only when no address was never used */
static void
test_pool_model(void)
{
	enum { N = 5, OWNERS = 9 };
	struct pool_desc d = pool4("10.1.0.250", "10.1.1.0");	/* 7 addresses, over a byte */
	struct ike_pool *p = ike_pool_new(&d);
	struct ike_lease held[OWNERS][3];
	int nheld[OWNERS] = { 0 };
	/* the model: per owner its address (-1 none), refs, offline order */
	int addr_of[OWNERS], refs[OWNERS], off_seq[OWNERS], seq = 0, used = 0;
	unsigned rnd = 12345;

	(void)N;
	for (int i = 0; i < OWNERS; i++)
		addr_of[i] = -1, refs[i] = 0, off_seq[i] = 0;
	for (int step = 0; step < 20000; step++) {
		rnd = rnd * 1103515245u + 12345u;
		int o = (int)((rnd >> 8) % OWNERS);
		bool acquire = ((rnd >> 20) & 1) && nheld[o] < 3;
		char name[16];
		snprintf(name, sizeof(name), "user%d", o);
		if (acquire) {
			/* the model's expectation */
			int want = -1, victim = -1;
			if (addr_of[o] >= 0) {
				want = addr_of[o];
			} else if (used < 7) {
				want = used;
			} else {
				for (int k = 0; k < OWNERS; k++)
					if (addr_of[k] >= 0 && refs[k] == 0 &&
					    (victim < 0 || off_seq[k] < off_seq[victim]))
						victim = k;
				want = victim >= 0 ? addr_of[victim] : -1;
			}
			struct ike_lease *l = &held[o][nheld[o]];
			int rc = ike_pool_acquire(p, name, l);
			CU_ASSERT_EQUAL(rc, want < 0 ? -1 : 0);
			if (rc < 0)
				continue;
			unsigned got = (unsigned)l->addr.a[3] + (l->addr.a[2] == 1 ? 256 : 0) - 250;
			CU_ASSERT_EQUAL(got, (unsigned)want);
			if (addr_of[o] < 0 && used < 7)
				used++;
			if (victim >= 0)
				addr_of[victim] = -1;
			addr_of[o] = want;
			refs[o]++;
			nheld[o]++;
		} else if (nheld[o] > 0) {
			ike_pool_release(&held[o][--nheld[o]]);
			if (--refs[o] == 0)
				off_seq[o] = ++seq;
		}
		struct ike_pool_stats s;
		int online = 0;
		ike_pool_stats(p, &s);
		for (int k = 0; k < OWNERS; k++)
			online += refs[k] > 0;
		CU_ASSERT_EQUAL(s.online, (uint32_t)online);
		CU_ASSERT_EQUAL(s.unused, 7u - (uint32_t)used);
	}
	for (int o = 0; o < OWNERS; o++)
		while (nheld[o] > 0)
			ike_pool_release(&held[o][--nheld[o]]);
	ike_pool_put(p);
}

/* a pool outlives the engine's reference while a lease holds it; IPv6 */
static void
test_pool_refs(void)
{
	struct pool_desc d = { .name = "v6" };
	struct ike_lease a, b;
	char t[IP_ADDR_STRLEN];

	ip_addr_parse("fd00:9::1", &d.first);
	ip_addr_parse("fd00:9::1:1", &d.last);
	struct ike_pool *p = ike_pool_new(&d);
	CU_ASSERT(ike_pool_same(p, &d));
	CU_ASSERT_EQUAL(ike_pool_acquire(p, "x", &a), 0);
	CU_ASSERT_EQUAL(ike_pool_acquire(p, "y", &b), 0);
	CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&b.addr, t, sizeof(t)), "fd00:9::2");
	ike_pool_put(p);		/* the engine lets go: the leases keep it */
	ike_pool_release(&a);
	CU_ASSERT_PTR_NULL(a.pool);
	ike_pool_release(&a);		/* twice: nothing */
	ike_pool_release(&b);		/* the last: freed (ASan checks) */
}

static void
test_users(void)
{
	struct user_desc u[3] = { { "carol", "c-pw" }, { "alice", "alice-pw" }, { "bob", "b" } };
	struct ike_users *s = ike_users_new(u, 3);

#define CHK(n, p) ike_users_check(s, (const uint8_t *)(n), strlen(n), (const uint8_t *)(p), strlen(p))
	CU_ASSERT(CHK("alice", "alice-pw"));
	CU_ASSERT(CHK("bob", "b"));
	CU_ASSERT(CHK("carol", "c-pw"));
	CU_ASSERT(!CHK("alice", "alice-p"));
	CU_ASSERT(!CHK("alice", "alice-pw2"));
	CU_ASSERT(!CHK("alice", ""));
	CU_ASSERT(!CHK("dave", "alice-pw"));
	CU_ASSERT(!CHK("", ""));
	CU_ASSERT(!CHK("alic", "alice-pw"));
	/* an embedded NUL is not a shorter password */
	CU_ASSERT(!ike_users_check(s, (const uint8_t *)"bob", 3, (const uint8_t *)"b\0x", 3));
	CU_ASSERT(!ike_users_check(NULL, (const uint8_t *)"bob", 3, (const uint8_t *)"b", 1));
#undef CHK
	ike_users_free(s);
}

struct ra_view {
	unsigned sas, children;
	char user[USER_NAME_LEN];
	struct ip_addr vip, own_vip;
	struct ike_ts ts_l;
};

static void
ra_fn(void *ctx, const struct ike_sa_info *i)
{
	struct ra_view *v = ctx;

	if (strcmp(i->state, "established"))
		return;
	v->sas++;
	v->children += i->children;
	snprintf(v->user, sizeof(v->user), "%s", i->user ? i->user : "");
	v->vip = i->vip[0];
	v->own_vip = i->own_vip;
	if (i->n_ch)
		v->ts_l = i->ch[0].ts_l;
}

static struct ra_view
ra_view(int k)
{
	struct ra_view v;

	memset(&v, 0, sizeof(v));
	ike_foreach(eng[k], ra_fn, &v);
	return v;
}

#define teardown link_teardown

static void
start(unsigned drops, unsigned dup)
{
	uint64_t now = 1000;
	char err[100];

	link_version = 1;
	link_ra = true;
	drop_mask = drops;
	dup_every = dup;
	link_setup("aes128-sha256-modp2048", "aes128gcm16");
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	/* the server never initiates */
	CU_ASSERT_EQUAL(ike_initiate(eng[1], "c1", now, err, sizeof(err)), -1);
}

/*
 * XAUTH, then Mode Config: alice gets 10.9.0.1 and it is the selector on
 * both sides; rekeys keep it; a re-established phase 1 does XAUTH again
 * and gets the same address; after the end the lease is offline and
 * alice's again next time.
 */
static void
ra_case(unsigned drops, unsigned dup)
{
	uint64_t now = 1000;
	struct ike_stats st;
	struct ra_view a, b;
	char t[IP_ADDR_STRLEN], err[100];

	start(drops, dup);
	link_run(&now, 20000);
	a = ra_view(0);
	b = ra_view(1);
	CU_ASSERT_EQUAL(a.sas, 1);
	CU_ASSERT_EQUAL(b.sas, 1);
	CU_ASSERT_EQUAL(ups[0], 1);
	CU_ASSERT_EQUAL(ups[1], 1);
	CU_ASSERT_STRING_EQUAL(b.user, "alice");
	CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&b.vip, t, sizeof(t)), "10.9.0.1");
	CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&a.own_vip, t, sizeof(t)), "10.9.0.1");
	/* the selectors: the client's side is its address */
	CU_ASSERT_EQUAL(memcmp(up[0].local_ts.lo, b.vip.a, 4), 0);
	CU_ASSERT_EQUAL(memcmp(up[0].local_ts.hi, b.vip.a, 4), 0);
	CU_ASSERT_EQUAL(memcmp(up[1].remote_ts.lo, b.vip.a, 4), 0);
	CU_ASSERT_EQUAL(memcmp(up[1].remote_ts.hi, b.vip.a, 4), 0);
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.xauth_ok, 1);
	CU_ASSERT_EQUAL(st.xauth_failed, 0);
	/* a quick mode rekey from each side keeps the address */
	for (int who = 0; who < 2; who++) {
		CU_ASSERT_EQUAL(ike_rekey(eng[who], who ? "c1" : "c0", false, now), 1);
		link_run(&now, 6000);
		CU_ASSERT_EQUAL(ups[0], 2 + who);
		CU_ASSERT_EQUAL(memcmp(up[1].remote_ts.lo, b.vip.a, 4), 0);
	}
	/* phase 1 again: XAUTH again, the same address, CHILD_SAs move over */
	CU_ASSERT_EQUAL(ike_rekey(eng[0], "c0", true, now), 1);
	link_run(&now, 8000);
	a = ra_view(0);
	b = ra_view(1);
	CU_ASSERT_EQUAL(a.sas, 1);
	CU_ASSERT_EQUAL(b.sas, 1);
	CU_ASSERT_EQUAL(b.children, 1);
	CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&b.vip, t, sizeof(t)), "10.9.0.1");
	CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&a.own_vip, t, sizeof(t)), "10.9.0.1");
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.xauth_ok, 2);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 1);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 1);
	/* the end: the lease offline, alice's */
	CU_ASSERT_EQUAL(ike_terminate(eng[0], "c0", IKE_END_ADMIN, now), 1);
	link_run(&now, 3000);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 0);
	struct ike_pool_view pv;
	const struct ike_pool *p;
	struct ip_addr x;
	const char *owner;
	bool online;
	CU_ASSERT(ike_pool_at(eng[1], 0, &pv, &p));
	CU_ASSERT_EQUAL(pv.online, 0);
	CU_ASSERT_EQUAL(pv.offline, 1);
	CU_ASSERT(ike_pool_lease(p, 0, &x, &owner, &online));
	CU_ASSERT_STRING_EQUAL(owner, "alice");
	CU_ASSERT(!online);
	/* and again: the same address */
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 20000);
	a = ra_view(0);
	CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&a.own_vip, t, sizeof(t)), "10.9.0.1");
	teardown();
}

static void
test_xauth_modecfg(void)
{
	ra_case(0, 0);
	if (getenv("RA_ONE"))
		return;
	/* datagrams lost (not every third: both sides retransmit on one
	 * schedule, so that would lose each answer, always) */
	ra_case(0x00a52948u, 0);
	ra_case(0x01248921u, 0);
	ra_case(0x4a10a4a0u, 0);
	ra_case(0, 3);			/* duplicated and reordered */
}

/* a wrong password: the server says so, both ends drop the ISAKMP SA */
static void
test_xauth_wrong(void)
{
	uint64_t now = 1000;
	struct ike_stats st;

	link_password = "wrong";
	start(0, 0);
	link_run(&now, 10000);
	CU_ASSERT_EQUAL(ra_view(0).sas, 0);
	CU_ASSERT_EQUAL(ra_view(1).sas, 0);
	CU_ASSERT_EQUAL(ups[0] + ups[1], 0);
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.xauth_failed, 1);
	CU_ASSERT_EQUAL(st.ike_sas, 0);
	teardown();
	/* an unknown user, likewise */
	link_user = "mallory";
	start(0, 0);
	link_run(&now, 10000);
	CU_ASSERT_EQUAL(ups[0] + ups[1], 0);
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.xauth_failed, 1);
	teardown();
}

/* XAUTH not proposed by the client; or a peer that proposes it but
 * never answers (a second server, misconfigured): each side gives up */
static void
plain_client(int side, struct conn_desc *c)
{
	if (side == 0)
		c->xauth = CONN_XAUTH_NONE;
}

static void
no_dpd(int side, struct conn_desc *c)
{
	(void)side;
	c->dpd_delay = 0;
}

static void
test_xauth_mute(void)
{
	uint64_t now = 1000;
	struct ike_stats st;
	char err[100];

	link_tweak = plain_client;
	link_version = 1;
	link_ra = true;
	link_setup("aes128-sha256-modp2048", "aes128gcm16");
	link_tweak = NULL;
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 10000);
	CU_ASSERT_EQUAL(ike_ups[1], 0);
	teardown();
	/* the client mute once phase 1 is done: the server retransmits its
	 * request, then ends the SA; the client ends its own at the deadline */
	link_mute_on_up = 0;
	link_tweak = no_dpd;
	start(0, 0);
	link_tweak = NULL;
	link_run(&now, 35000);
	CU_ASSERT_EQUAL(ike_ups[0], 1);
	CU_ASSERT_EQUAL(ike_ups[1], 1);
	CU_ASSERT_EQUAL(ra_view(1).sas, 0);
	ike_get_stats(eng[1], &st);
	CU_ASSERT(st.retransmits >= 5);
	link_run(&now, 5000);
	CU_ASSERT_EQUAL(ra_view(0).sas, 0);
	CU_ASSERT_EQUAL(ups[0] + ups[1], 0);
	ike_get_stats(eng[0], &st);
	CU_ASSERT_EQUAL(st.ike_sas, 0);
	teardown();
}

/* bob from the same address while a one-address pool is alice's: bob
 * gets no address (his SA ends), alice's tunnel stays (bob's
 * INITIAL-CONTACT is about bob's SAs, not hers) */
static void
test_pool_exhausted(void)
{
	uint64_t now = 1000;
	struct conn_desc d;
	struct ike_stats st;
	char err[100];

	link_pool = "10.9.0.1-10.9.0.1";
	start(0, 0);
	link_run(&now, 15000);
	CU_ASSERT_EQUAL(ups[1], 1);
	link_conn_desc(0, "aes128-sha256-modp2048", "aes128gcm16", &d);
	strcpy(d.name, "bob");
	d.xauth = CONN_XAUTH_CLIENT;
	strcpy(d.xauth_user, "bob");
	strcpy(d.xauth_password, "bob-pw");
	d.vip = true;
	CU_ASSERT_EQUAL(ike_conn_add(eng[0], ike_conn_new(&d, err, sizeof(err)), err,
				     sizeof(err)), 0);
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "bob", now, err, sizeof(err)), 0);
	link_run(&now, 15000);
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.xauth_ok, 2);
	CU_ASSERT_EQUAL(st.pool_exhausted, 1);
	CU_ASSERT_EQUAL(ups[1], 1);
	CU_ASSERT_EQUAL(downs[1], 0);
	CU_ASSERT_EQUAL(ra_view(1).sas, 1);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 1);
	CU_ASSERT_STRING_EQUAL(ra_view(1).user, "alice");
	teardown();
}

static int v2_fam;

/* IKEv2: c0 asks for a virtual IP of v2_fam, c1 has a pool of it */
static void
v2_vip(int side, struct conn_desc *c)
{
	if (side == 0) {
		c->vip = true;
		ip_prefix_parse(v2_fam == AF_INET6 ? "::/0" : "0.0.0.0/0", &c->local_ts);
		ip_prefix_parse(v2_fam == AF_INET6 ? "fd00:2::/64" : "198.18.2.0/24",
				&c->remote_ts);
	} else {
		strcpy(c->pools[0], "v2");
		ip_prefix_parse(v2_fam == AF_INET6 ? "fd00:2::/64" : "198.18.2.0/24",
				&c->local_ts);
		ip_prefix_parse(v2_fam == AF_INET6 ? "::/0" : "0.0.0.0/0", &c->remote_ts);
	}
}

static unsigned
online(int k)
{
	struct ike_pool_view pv;
	const struct ike_pool *p;

	return ike_pool_at(eng[k], 0, &pv, &p) ? pv.online : 99;
}

/*
 * IKEv2 configuration payload (RFC 7296 3.15), IPv4 and IPv6: the client
 * asks in IKE_AUTH, gets the pool's first address, both sides hold it as
 * the client's selector; CHILD_SA rekeys from each side and an IKE_SA
 * rekey keep it (the lease moves to the new IKE SA: one online lease
 * throughout); the delete puts it offline; back again, the same address.
 */
static void
test_v2_cp(void)
{
	for (v2_fam = AF_INET; v2_fam; v2_fam = v2_fam == AF_INET ? AF_INET6 : 0) {
		struct pool_desc pool = { .name = "v2" };
		uint64_t now = 1000;
		char err[100], t[IP_ADDR_STRLEN];
		const char *want = v2_fam == AF_INET6 ? "fd00:9::1" : "10.9.0.1";
		struct ra_view a, b;

		ip_addr_parse(v2_fam == AF_INET6 ? "fd00:9::1" : "10.9.0.1", &pool.first);
		ip_addr_parse(v2_fam == AF_INET6 ? "fd00:9::ff" : "10.9.0.99", &pool.last);
		link_version = 2;
		link_tweak = v2_vip;
		link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
		link_tweak = NULL;
		CU_ASSERT_EQUAL(ike_set_remote_access(eng[1], NULL, 0, &pool, 1), 0);
		CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
		link_run(&now, 3000);
		a = ra_view(0);
		b = ra_view(1);
		CU_ASSERT_EQUAL(ups[0], 1);
		CU_ASSERT_EQUAL(ups[1], 1);
		CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&a.own_vip, t, sizeof(t)), want);
		if (v2_fam == AF_INET)
			CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&b.vip, t, sizeof(t)), want);
		CU_ASSERT_EQUAL(memcmp(up[0].local_ts.lo, a.own_vip.a, ip_alen(v2_fam)), 0);
		CU_ASSERT_EQUAL(memcmp(up[0].local_ts.hi, a.own_vip.a, ip_alen(v2_fam)), 0);
		CU_ASSERT_EQUAL(memcmp(up[1].remote_ts.lo, a.own_vip.a, ip_alen(v2_fam)), 0);
		CU_ASSERT_EQUAL(memcmp(up[1].remote_ts.hi, a.own_vip.a, ip_alen(v2_fam)), 0);
		CU_ASSERT_EQUAL(online(1), 1);
		/* a reload with the same pool keeps it and the lease */
		CU_ASSERT_EQUAL(ike_set_remote_access(eng[1], NULL, 0, &pool, 1), 0);
		CU_ASSERT_EQUAL(online(1), 1);
		for (int round = 0; round < 3; round++) {
			CU_ASSERT_EQUAL(ike_rekey(eng[round & 1], round & 1 ? "c1" : "c0",
						  round == 2, now), 1);
			link_run(&now, 5000);
			CU_ASSERT_EQUAL(memcmp(up[1].remote_ts.lo, a.own_vip.a, ip_alen(v2_fam)), 0);
			CU_ASSERT_EQUAL(online(1), 1);
			CU_ASSERT_EQUAL(routes[1] - unroutes[1], 1);
		}
		CU_ASSERT_EQUAL(ra_view(1).sas, 1);
		CU_ASSERT_EQUAL(ike_terminate(eng[0], "c0", IKE_END_ADMIN, now), 1);
		link_run(&now, 2000);
		CU_ASSERT_EQUAL(online(1), 0);
		CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
		link_run(&now, 3000);
		a = ra_view(0);
		CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&a.own_vip, t, sizeof(t)), want);
		link_teardown();
	}
}

static const char *eap_pw;

static void
eap_sides(int side, struct conn_desc *c)
{
	if (side == 0) {
		strcpy(c->eap_user, "alice");
		snprintf(c->eap_password, sizeof(c->eap_password), "%s", eap_pw);
		c->vip = true;
		ip_prefix_parse("0.0.0.0/0", &c->local_ts);
	} else {
		c->eap = true;
		strcpy(c->pools[0], "v2");
		ip_prefix_parse("0.0.0.0/0", &c->remote_ts);
		c->retransmit_tries = 2;
	}
}

/*
 * EAP-MSCHAPv2 in IKE_AUTH (RFC 7296 2.16) between two engines: alice
 * proves her password in EAP rounds, both sides key the last AUTH with
 * the MSK, her virtual IP is leased to "alice" (the EAP user), and the
 * tunnel rekeys; lossy and duplicating links; a wrong password gets
 * EAP-Failure and no IKE SA on either side.
 */
static void
test_eap_mschapv2(void)
{
	static const unsigned loss[][2] = { { 0, 0 }, { 0x00a52948u, 0 }, { 0, 3 } };
	struct user_desc users[2] = { { "alice", "alice-pw" }, { "bob", "bob-pw" } };
	struct pool_desc pool = { .name = "v2" };

	ip_addr_parse("10.9.0.1", &pool.first);
	ip_addr_parse("10.9.0.9", &pool.last);
	for (int k = 0; k < 4; k++) {
		uint64_t now = 1000;
		char err[100], t[IP_ADDR_STRLEN];
		struct ike_stats st;
		struct ra_view b;

		eap_pw = k == 3 ? "not-alices" : "alice-pw";
		drop_mask = loss[k % 3][0];
		dup_every = loss[k % 3][1];
		link_version = 2;
		link_tweak = eap_sides;
		link_setup("aes128gcm16-prfsha256-x25519", "aes128gcm16");
		link_tweak = NULL;
		CU_ASSERT_EQUAL(ike_set_remote_access(eng[1], users, 2, &pool, 1), 0);
		CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
		link_run(&now, 10000);
		b = ra_view(1);
		if (k == 3) {
			CU_ASSERT_EQUAL(ike_ups[0] + ike_ups[1] + ups[0] + ups[1], 0);
			ike_get_stats(eng[1], &st);
			CU_ASSERT(st.auth_failed >= 1);
			CU_ASSERT_EQUAL(st.ike_sas, 0);
			link_teardown();
			continue;
		}
		CU_ASSERT_EQUAL(ike_ups[0], 1);
		CU_ASSERT_EQUAL(ike_ups[1], 1);
		CU_ASSERT_EQUAL(ups[0], 1);
		CU_ASSERT_EQUAL(ups[1], 1);
		CU_ASSERT_STRING_EQUAL(b.user, "alice");
		CU_ASSERT_STRING_EQUAL(ip_addr_fmt(&b.vip, t, sizeof(t)), "10.9.0.1");
		CU_ASSERT(memcmp(upkeys[0][0], upkeys[1][1], up[0].key_len) == 0);
		drop_mask = 0;
		CU_ASSERT_EQUAL(ike_rekey(eng[0], "c0", true, now), 1);
		link_run(&now, 5000);
		CU_ASSERT_EQUAL(ra_view(1).sas, 1);
		CU_ASSERT_STRING_EQUAL(ra_view(1).user, "alice");
		CU_ASSERT_EQUAL(online(1), 1);
		link_teardown();
	}
}

int
main(void)
{
	static const struct unit_test t[] = {
		{ "pool leases against a model: by owner, oldest offline reclaimed last",
		  test_pool_model },
		{ "pool references and IPv6", test_pool_refs },
		{ "user store: names, passwords, lengths", test_users },
		{ "XAUTH and Mode Config: address, selectors, rekeys, again, lossy",
		  test_xauth_modecfg },
		{ "XAUTH with a wrong password or user: no tunnel", test_xauth_wrong },
		{ "XAUTH not proposed, or never answered: nothing stays", test_xauth_mute },
		{ "pool exhausted", test_pool_exhausted },
		{ "IKEv2 configuration payload: IPv4 and IPv6 virtual IPs through rekeys",
		  test_v2_cp },
		{ "EAP-MSCHAPv2 in IKE_AUTH: user, MSK-keyed AUTH, virtual IP; a wrong password",
		  test_eap_mschapv2 },
		{ NULL, NULL },
	};

	espgw_log_level = getenv("RA_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERR;
	return unit_run("ike-ra", t);
}
