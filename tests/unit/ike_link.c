/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two IKE engines over an in-memory link that drops, duplicates and
 * reorders datagrams (ike_link.h), for the IKEv2 and IKEv1 unit tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/ike_link.h"
#include "unit.h"

/* ---- two engines over an in-memory link ---- */

struct dgram *q[QMAX];
unsigned qn, sent_count, drop_mask, dup_every;
int drop_next_from = -1;	/* lose that engine's next datagram */
int link_mute_on_up = -1;	/* from its IKE SA's establishment on, lose all of it */
static int muted = -1;

void
link_mute(int side)
{
	muted = side;
}
struct ike_engine *eng[2];
struct ike_child_info up[2];
uint8_t upkeys[2][2][IKE_MAX_KEY];
int ups[2], downs[2], ike_ups[2], routes[2], unroutes[2];

/* every datagram of a run, kept for the mutation test */
struct dgram *cap[CAP_MAX];
unsigned ncap;
bool capturing;

static void
link_send(void *ctx, const struct ike_ep *local, const struct ike_ep *remote, const uint8_t *b,
	  size_t len)
{
	int me = (int)(intptr_t)ctx;
	unsigned k = sent_count++;

	if (capturing && ncap < CAP_MAX) {
		struct dgram *d = malloc(sizeof(*d));
		d->to = !me;
		d->from = *local;
		d->dst = *remote;
		d->len = len;
		memcpy(d->b, b, len);
		cap[ncap++] = d;
	}
	if (k < 32 && (drop_mask >> k) & 1)
		return;		/* lost */
	if (drop_next_from == me) {
		drop_next_from = -1;
		return;
	}
	if (muted == me)
		return;
	if (link_nat[me].addr.family)
		local = &link_nat[me];	/* a NAT in front of that side */
	for (int copies = dup_every && k % dup_every == 0 ? 2 : 1; copies > 0; copies--) {
		struct dgram *d = malloc(sizeof(*d));
		if (qn == QMAX) {
			free(d);
			return;
		}
		d->to = !me;
		d->from = *local;
		d->dst = *remote;
		d->len = len;
		memcpy(d->b, b, len);
		/* reorder: a duplicate goes to the front */
		if (copies == 1 && qn > 0 && dup_every && k % dup_every == 0) {
			memmove(q + 1, q, qn * sizeof(q[0]));
			q[0] = d;
			qn++;
		} else {
			q[qn++] = d;
		}
	}
}

static int
link_child_up(void *ctx, const struct ike_child_info *c, uint32_t sa_ids[2])
{
	int me = (int)(intptr_t)ctx;

	up[me] = *c;
	memcpy(upkeys[me][0], c->key_in, c->key_len);
	memcpy(upkeys[me][1], c->key_out, c->key_len);
	ups[me]++;
	/* ids the engine must hand back with every later call for this child */
	sa_ids[0] = c->spi_in ^ 0x5a5a5a5au;
	sa_ids[1] = c->spi_out ^ 0xa5a5a5a5u;
	return 0;
}

static int
link_child_route(void *ctx, const struct ike_child_info *c)
{
	(void)c;
	routes[(int)(intptr_t)ctx]++;
	return 0;
}

static void
link_child_unroute(void *ctx, const struct ike_child_info *c)
{
	(void)c;
	unroutes[(int)(intptr_t)ctx]++;
}

static void
link_child_down(void *ctx, const struct ike_child_info *c)
{
	CU_ASSERT_EQUAL(c->sa_ids[0], c->spi_in ^ 0x5a5a5a5au);
	CU_ASSERT_EQUAL(c->sa_ids[1], c->spi_out ^ 0xa5a5a5a5u);
	downs[(int)(intptr_t)ctx]++;
}

struct ike_ep link_nat[2];
struct ike_child_info move_last[2];
int moves[2];

static void
link_child_move(void *ctx, const struct ike_child_info *c)
{
	int me = (int)(intptr_t)ctx;

	CU_ASSERT_EQUAL(c->sa_ids[0], c->spi_in ^ 0x5a5a5a5au);
	CU_ASSERT_EQUAL(c->sa_ids[1], c->spi_out ^ 0xa5a5a5a5u);
	move_last[me] = *c;
	moves[me]++;
}

int (*link_aaa)(int side, const struct ike_aaa_req *r);

static int
link_aaa_eap(void *ctx, const struct ike_aaa_req *r)
{
	return link_aaa ? link_aaa((int)(intptr_t)ctx, r) : -1;
}

static void
link_ike_up(void *ctx, const char *conn, uint64_t i, uint64_t r)
{
	(void)conn;
	(void)i;
	(void)r;
	ike_ups[(int)(intptr_t)ctx]++;
	if (link_mute_on_up == (int)(intptr_t)ctx)
		muted = link_mute_on_up;
}

int session_ups[2], session_downs[2];
enum ike_end session_end[2];

static void
link_session(void *ctx, const struct ike_session *s, bool up)
{
	int side = (int)(intptr_t)ctx;

	if (up) {
		session_ups[side]++;
	} else {
		session_downs[side]++;
		session_end[side] = s->end;
	}
}

const struct ike_ops link_ops = {
	.send = link_send, .child_up = link_child_up, .child_down = link_child_down,
	.child_route = link_child_route, .child_unroute = link_child_unroute,
	.ike_up = link_ike_up, .child_move = link_child_move, .aaa_eap = link_aaa_eap,
	.session = link_session,
};

bool resp_any;		/* the responder takes any peer address */
uint16_t link_frag;	/* both sides' RFC 7383 fragment size, 0 = off */
uint32_t link_times[4];
uint32_t link_version = 2;	/* both sides' IKE version */
bool link_aggressive;		/* IKEv1 aggressive mode */
bool link_more;		/* two more CHILD_SAs per connection */
bool link_ra;
const char *link_user = "alice", *link_password = "alice-pw", *link_pool = "10.9.0.1-10.9.0.6";
void (*link_tweak)(int side, struct conn_desc *c);

static void
ra_setup(int i, struct conn_desc *c)
{
	static struct user_desc users[2] = { { "alice", "alice-pw" }, { "bob", "bob-pw" } };
	struct pool_desc pool = { .name = "rw4" };
	char first[32], *dash;

	if (i == 0) {
		c->xauth = CONN_XAUTH_CLIENT;
		snprintf(c->xauth_user, sizeof(c->xauth_user), "%s", link_user);
		snprintf(c->xauth_password, sizeof(c->xauth_password), "%s", link_password);
		c->vip = true;
		return;
	}
	c->xauth = CONN_XAUTH_SERVER;
	strcpy(c->pools[0], "rw4");
	snprintf(first, sizeof(first), "%s", link_pool);
	dash = strchr(first, '-');
	*dash = '\0';
	ip_addr_parse(first, &pool.first);
	ip_addr_parse(dash + 1, &pool.last);
	ip_addr_parse("198.18.9.53", &pool.dns[0]);
	pool.n_dns = 1;
	CU_ASSERT_EQUAL(ike_set_remote_access(eng[1], users, 2, &pool, 1), 0);
}

/* side's connection as link_setup makes it (before link_ra and link_tweak) */
void
link_conn_desc(int i, const char *ike_prop, const char *esp_prop, struct conn_desc *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "c%d", i);
	ip_addr_parse(i ? "198.18.0.2" : "198.18.0.1", &c->local);
	ip_addr_parse(i ? "198.18.0.1" : "198.18.0.2", &c->remote);
	c->version = link_version;
	c->aggressive = link_aggressive;
	if (i && resp_any)
		memset(&c->remote, 0, sizeof(c->remote));
	strcpy(c->local_id, i ? "b.example" : "a.example");
	strcpy(c->remote_id, i ? "a.example" : "b.example");
	strcpy(c->psk, "in-memory-psk");
	snprintf(c->proposals, sizeof(c->proposals), "%s", ike_prop);
	snprintf(c->esp_proposals, sizeof(c->esp_proposals), "%s", esp_prop);
	ip_prefix_parse(i ? "198.18.2.0/24" : "198.18.1.0/24", &c->local_ts);
	ip_prefix_parse(i ? "198.18.1.0/24" : "198.18.2.0/24", &c->remote_ts);
	c->retransmit_ms = 500;
	c->retransmit_tries = 6;
	c->dpd_delay = 5;
	c->fragment_size = link_frag;
	if (link_more) {
		ip_prefix_parse(i ? "198.18.4.0/24" : "198.18.3.0/24", &c->more_local[0]);
		ip_prefix_parse(i ? "198.18.3.0/24" : "198.18.4.0/24", &c->more_remote[0]);
		ip_prefix_parse(i ? "fd00:6::/64" : "fd00:5::/64", &c->more_local[1]);
		ip_prefix_parse(i ? "fd00:5::/64" : "fd00:6::/64", &c->more_remote[1]);
		c->n_more = 2;
	}
	c->rekey_time = link_times[0];
	c->child_rekey_time = link_times[1];
	c->life_time = link_times[2];
	c->child_life_time = link_times[3];
}

void
link_setup(const char *ike_prop, const char *esp_prop)
{
	char err[128];

	qn = sent_count = 0;
	muted = -1;
	memset(ups, 0, sizeof(ups));
	memset(downs, 0, sizeof(downs));
	memset(ike_ups, 0, sizeof(ike_ups));
	memset(routes, 0, sizeof(routes));
	memset(unroutes, 0, sizeof(unroutes));
	memset(session_ups, 0, sizeof(session_ups));
	memset(session_downs, 0, sizeof(session_downs));
	memset(session_end, 0, sizeof(session_end));
	for (int i = 0; i < 2; i++) {
		struct conn_desc c;
		link_conn_desc(i, ike_prop, esp_prop, &c);
		eng[i] = ike_engine_new(&link_ops, (void *)(intptr_t)i);
		if (link_ra)
			ra_setup(i, &c);
		if (link_tweak)
			link_tweak(i, &c);
		CU_ASSERT_EQUAL(ike_conn_add(eng[i], ike_conn_new(&c, err, sizeof(err)), err,
					     sizeof(err)), 0);
	}
}

/* both engines and what is queued go; the link's settings back to their
 * defaults */
void
link_teardown(void)
{
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
	eng[0] = eng[1] = NULL;
	while (qn)
		free(q[--qn]);
	link_version = 2;
	link_aggressive = false;
	link_ra = false;
	link_user = "alice";
	link_password = "alice-pw";
	link_pool = "10.9.0.1-10.9.0.6";
	link_tweak = NULL;
	link_mute_on_up = -1;
	drop_mask = 0;
	dup_every = 0;
	memset(link_nat, 0, sizeof(link_nat));
	link_aaa = NULL;
	memset(moves, 0, sizeof(moves));
	memset(move_last, 0, sizeof(move_last));
}

/* deliver everything queued, run timers, for `ms` of simulated time */
void
link_run(uint64_t *now, uint64_t ms)
{
	for (uint64_t end = *now + ms; *now < end; *now += 50) {
		while (qn) {
			struct dgram *d = q[0];
			memmove(q, q + 1, --qn * sizeof(q[0]));
			ike_input(eng[d->to], &d->dst, &d->from, d->b, d->len, *now);
			/* the timer heap: no SA's timed work queued late */
			CU_ASSERT_EQUAL(ike_timer_audit(eng[d->to]), 0);
			free(d);
		}
		ike_timer(eng[0], *now);
		ike_timer(eng[1], *now);
		CU_ASSERT_EQUAL(ike_timer_audit(eng[0]), 0);
		CU_ASSERT_EQUAL(ike_timer_audit(eng[1]), 0);
	}
}

void
link_view_fn(void *ctx, const struct ike_sa_info *i)
{
	struct link_view *v = ctx;

	v->ike_sas++;
	v->children += i->children;
	if (i->child_up) {
		v->spi_in = i->spi_in;
		v->spi_out = i->spi_out;
		v->spi_i = i->spi_i;
		v->spi_r = i->spi_r;
	}
}

unsigned
link_replay_mutated(uint64_t now, const struct ip_addr *elsewhere)
{
	unsigned inputs = 0;

	for (unsigned i = 0; i < ncap; i++) {
		struct dgram *d = cap[i];
		struct ike_ep from = d->from;
		uint8_t m[IKE_MAX_MSG];
		for (size_t pos = 0; pos < d->len; pos++) {
			memcpy(m, d->b, d->len);
			m[pos] ^= 0x5a;
			ike_input(eng[d->to], &d->dst, &d->from, m, d->len, now);
			ike_input(eng[d->to], &d->dst, &d->from, d->b, pos, now);
			inputs += 2;
		}
		if (elsewhere != NULL)
			from.addr = *elsewhere;
		ike_input(eng[d->to], &d->dst, &from, d->b, d->len, now);
	}
	/* the responses they drew go nowhere */
	while (qn)
		free(q[--qn]);
	return inputs;
}
