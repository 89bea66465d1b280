/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The payload rules (control/ike/msg_rules.c) as the engine applies them:
 * two engines establish an IKE_SA, then the initiator's side sends
 * messages that break the rules, sealed with the IKE_SA's real keys so
 * that only the rules can refuse them (white box: control/ike/ike_int.h).
 * A request is answered with INVALID_SYNTAX and changes nothing; a
 * duplicated payload in IKE_SA_INIT makes no SA. Before the rules, the
 * first of a duplicated payload was taken and the rest ignored.
 *
 * RFC 7296 conformance of the same kind (issue 14): an unknown critical
 * payload answered with UNSUPPORTED_CRITICAL_PAYLOAD naming its type, in
 * IKE_SA_INIT (no state made) and inside SK (INFORMATIONAL: the SA stays;
 * IKE_AUTH: the SA is not created); an unknown non-critical one ignored; a
 * higher major version answered with INVALID_MAJOR_VERSION (requests only).
 * Before, each of them was dropped without an answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "control/ike/ike_int.h"
#include "unit.h"

#define MAXQ 16
static struct { int to; uint8_t b[IKE_MAX_MSG]; size_t len; } q[MAXQ];
static unsigned qn;
static struct ike_engine *eng[2];
static struct ike_ep ep[2];

static void
rsend(void *ctx, const struct ike_ep *l, const struct ike_ep *r, const uint8_t *b, size_t n)
{
	(void)l, (void)r;
	if (qn < MAXQ && n <= IKE_MAX_MSG) {
		q[qn].to = !(int)(intptr_t)ctx;
		memcpy(q[qn].b, b, n);
		q[qn++].len = n;
	}
}

static int
rchild_up(void *ctx, const struct ike_child_info *c, uint32_t ids[2])
{
	(void)ctx, (void)c;
	ids[0] = ids[1] = 0;
	return 0;
}

static const struct ike_ops rops = { .send = rsend, .child_up = rchild_up };

/* deliver until quiet; the datagrams to engine `keep` stay in q instead */
static void
pump(uint64_t now, int keep)
{
	for (unsigned i = 0; i < qn;) {
		if (q[i].to == keep) {
			i++;
			continue;
		}
		ike_input(eng[q[i].to], &ep[q[i].to], &ep[!q[i].to], q[i].b, q[i].len, now);
		memmove(&q[i], &q[i + 1], (qn - i - 1) * sizeof(q[0]));
		qn--;
	}
}

static const char *ike_prop = "aes128gcm16-prfsha256-x25519";

static void
setup(void)
{
	char err[128];

	qn = 0;
	for (int i = 0; i < 2; i++) {
		struct conn_desc c = { .retransmit_ms = 5000 };
		snprintf(c.name, sizeof(c.name), "r%d", i);
		ip_addr_parse(i ? "198.18.0.2" : "198.18.0.1", &c.local);
		ip_addr_parse(i ? "198.18.0.1" : "198.18.0.2", &c.remote);
		strcpy(c.psk, "rules-psk");
		strcpy(c.proposals, ike_prop);
		strcpy(c.esp_proposals, "aes128gcm16");
		ip_prefix_parse(i ? "198.18.2.0/24" : "198.18.1.0/24", &c.local_ts);
		ip_prefix_parse(i ? "198.18.1.0/24" : "198.18.2.0/24", &c.remote_ts);
		ep[i] = (struct ike_ep){ c.local, IKE_PORT };
		eng[i] = ike_engine_new(&rops, (void *)(intptr_t)i);
		CU_ASSERT_EQUAL_FATAL(ike_conn_add(eng[i], ike_conn_new(&c, err, sizeof(err)), err,
						   sizeof(err)), 0);
	}
}

static struct ike_sa *
only_sa(struct ike_engine *e)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(e->sas);
	return e->sas;
}

/* the notify of this type in engine 0's next datagram (a response to it,
 * encrypted with sa's keys unless sa is NULL); its data's first byte in *d */
static bool
answer_has(struct ike_sa *sa, uint16_t type, int *d)
{
	static uint8_t plain[IKE_MAX_MSG];
	struct ike_notify_pl n;
	struct ike_msg m;
	struct ike_err er;
	const struct ike_pl *sk;
	int len;

	if (qn == 0 || q[0].to != 0 || ike_msg_parse(q[0].b, q[0].len, &m, &er) < 0 ||
	    !(m.h.flags & IKE_FLAG_R))
		return false;
	if (sa) {
		sk = ike_find(&m, PL_SK);
		if (sk == NULL)
			return false;
		len = ike_sk_open(&sa->keys, false, &m, sk, plain, sizeof(plain));
		if (len < 0 || ike_chain_parse(sk->body[-4], plain, (size_t)len, &m, &er) < 0)
			return false;
	}
	if (ike_find_notify(&m, type, &n) == NULL)
		return false;
	if (d)
		*d = n.data_len ? n.data[0] : -1;
	return true;
}

static bool
answer_is_invalid_syntax(struct ike_sa *sa)
{
	return answer_has(sa, N_INVALID_SYNTAX, NULL);
}

/* engine 0 sends exchange x with the inner payloads built by fill, as a request */
static void
send_crafted(struct ike_sa *sa, uint8_t x, void (*fill)(struct ike_buf *), uint8_t first,
	     uint64_t now)
{
	uint8_t inner[1024];
	struct ike_buf ib;
	struct dgrams d;

	ike_buf_init(&ib, inner, sizeof(inner));
	ib.np_off = (size_t)-1;
	fill(&ib);
	CU_ASSERT_FATAL(!ib.overflow);
	CU_ASSERT_EQUAL_FATAL(ike_seal(sa, &d, x, false, sa->my_id, inner, ib.len, first), 0);
	for (size_t off = 0; off + 2 <= d.len;) {
		size_t n = (size_t)d.p[off] << 8 | d.p[off + 1];
		ike_input(eng[1], &ep[1], &ep[0], d.p + off + 2, n, now);
		off += 2 + n;
	}
	free(d.p);
}

static void
two_sa(struct ike_buf *b)
{
	struct ike_proposal p;
	char err[64];

	ike_proposal_parse("aes128gcm16", true, &p, err, sizeof(err));
	p.spi_size = 4;
	p.spi = 0x1234;
	ike_put_sa(b, &p, 1);
	ike_put_sa(b, &p, 1);
	{
		uint8_t nonce[32] = { 1 };
		size_t off = ike_pl_begin(b, PL_NONCE);
		ike_put(b, nonce, sizeof(nonce));
		ike_pl_end(b, off);
	}
}

static void
ke_in_info(struct ike_buf *b)
{
	size_t off = ike_pl_begin(b, PL_KE);

	ike_put16(b, DH_CURVE25519);
	ike_put16(b, 0);
	ike_put(b, NULL, 32);
	ike_pl_end(b, off);
}

static void
test_refused_in_sk(void)
{
	uint64_t now = 1000;
	struct ike_stats st0, st1;
	struct ike_sa *sa0, *sa1;
	uint32_t peer_id;
	char err[128];

	setup();
	CU_ASSERT_EQUAL_FATAL(ike_initiate(eng[0], "r0", now, err, sizeof(err)), 0);
	pump(now, -1);
	sa0 = only_sa(eng[0]);
	sa1 = only_sa(eng[1]);
	CU_ASSERT_EQUAL_FATAL(sa0->state, S_ESTABLISHED);
	CU_ASSERT_EQUAL_FATAL(sa1->state, S_ESTABLISHED);
	ike_get_stats(eng[1], &st0);

	/* CREATE_CHILD_SA with two SA payloads: INVALID_SYNTAX, no CHILD_SA */
	peer_id = sa1->peer_id;
	send_crafted(sa0, CREATE_CHILD_SA, two_sa, PL_SA, now);
	CU_ASSERT(answer_is_invalid_syntax(sa0));
	CU_ASSERT_EQUAL(sa1->peer_id, peer_id + 1);	/* answered: the window moved */
	CU_ASSERT_EQUAL(sa1->state, S_ESTABLISHED);
	ike_get_stats(eng[1], &st1);
	CU_ASSERT_EQUAL(st1.child_up, st0.child_up);
	CU_ASSERT_EQUAL(st1.rx_dropped, st0.rx_dropped + 1);
	qn = 0;
	sa0->my_id++;

	/* a KE payload in an INFORMATIONAL request: not what it carries */
	send_crafted(sa0, INFORMATIONAL, ke_in_info, PL_KE, now);
	CU_ASSERT(answer_is_invalid_syntax(sa0));
	CU_ASSERT_EQUAL(sa1->state, S_ESTABLISHED);
	qn = 0;
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
}

/* IKE_SA_INIT requests with a payload twice, or one missing: no SA */
static void
test_refused_init(void)
{
	static const uint8_t extra[] = { PL_SA, PL_KE, PL_NONCE, 0 };
	uint64_t now = 1000;
	char err[128];

	for (unsigned k = 0; k < sizeof(extra); k++) {
		struct ike_msg m;
		struct ike_err er;
		uint8_t copy[IKE_MAX_MSG];
		struct ike_stats st;
		size_t n;

		setup();
		CU_ASSERT_EQUAL_FATAL(ike_initiate(eng[0], "r0", now, err, sizeof(err)), 0);
		CU_ASSERT_FATAL(qn == 1 && ike_msg_parse(q[0].b, q[0].len, &m, &er) == 0);
		/* rebuild the request with payload extra[k] twice (0: without its KE) */
		{
			struct ike_buf b;
			ike_buf_init(&b, copy, sizeof(copy));
			ike_hdr_put(&b, &m.h);
			for (unsigned i = 0; i < m.n; i++) {
				unsigned times = m.pl[i].type == extra[k] ? 2 :
						 extra[k] == 0 && m.pl[i].type == PL_KE ? 0 : 1;
				for (unsigned t = 0; t < times; t++) {
					size_t off = ike_pl_begin(&b, m.pl[i].type);
					ike_put(&b, m.pl[i].body, m.pl[i].len);
					ike_pl_end(&b, off);
				}
			}
			n = ike_msg_finish(&b);
			CU_ASSERT_FATAL(n > 0);
		}
		qn = 0;
		ike_input(eng[1], &ep[1], &ep[0], copy, n, now);
		ike_get_stats(eng[1], &st);
		CU_ASSERT_EQUAL(st.ike_sas, 0);		/* no state for it */
		CU_ASSERT_EQUAL(st.half_open, 0);
		CU_ASSERT_EQUAL(qn, 1);			/* INVALID_SYNTAX */
		qn = 0;
		ike_engine_free(eng[0]);
		ike_engine_free(eng[1]);
	}
}

/* engine 0's IKE_SA_INIT request rebuilt with one more payload of type t
 * (flags: its critical bit) at the end, or with major version `major` */
static size_t
init_with(uint8_t t, uint8_t flags, uint8_t major, uint8_t *out)
{
	struct ike_msg m;
	struct ike_err er;
	struct ike_buf b;
	size_t n, off;

	CU_ASSERT_FATAL(qn == 1 && ike_msg_parse(q[0].b, q[0].len, &m, &er) == 0);
	ike_buf_init(&b, out, IKE_MAX_MSG);
	ike_hdr_put(&b, &m.h);
	for (unsigned i = 0; i < m.n; i++) {
		off = ike_pl_begin(&b, m.pl[i].type);
		ike_put(&b, m.pl[i].body, m.pl[i].len);
		ike_pl_end(&b, off);
	}
	if (t) {
		off = ike_pl_begin(&b, t);
		ike_put(&b, "unknown", 7);
		ike_pl_end(&b, off);
		out[off + 1] = flags;
	}
	n = ike_msg_finish(&b);
	out[17] = (uint8_t)(major << 4);
	qn = 0;
	return n;
}

/* IKE_SA_INIT: an unknown critical payload or a higher major version is
 * answered and makes no state; an unknown non-critical one is ignored */
static void
test_critical_init(void)
{
	uint64_t now = 1000;
	uint8_t msg[IKE_MAX_MSG];
	struct ike_stats st;
	char err[128];
	int d = 0;
	size_t n;

	setup();
	CU_ASSERT_EQUAL_FATAL(ike_initiate(eng[0], "r0", now, err, sizeof(err)), 0);
	n = init_with(201, 0x80, 2, msg);
	ike_input(eng[1], &ep[1], &ep[0], msg, n, now);
	CU_ASSERT(answer_has(NULL, N_UNSUPPORTED_CRITICAL_PAYLOAD, &d));
	CU_ASSERT_EQUAL(d, 201);
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.ike_sas, 0);
	/* not critical: ignored, the exchange goes on */
	qn = 0;
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
	setup();
	CU_ASSERT_EQUAL_FATAL(ike_initiate(eng[0], "r0", now, err, sizeof(err)), 0);
	n = init_with(201, 0, 2, msg);
	ike_input(eng[1], &ep[1], &ep[0], msg, n, now);
	CU_ASSERT_EQUAL(qn, 1);
	CU_ASSERT(!answer_has(NULL, N_UNSUPPORTED_CRITICAL_PAYLOAD, NULL));
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.half_open, 1);
	qn = 0;
	/* major version 3: INVALID_MAJOR_VERSION from version 2.0; as a
	 * response (R set) nothing */
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
	setup();
	CU_ASSERT_EQUAL_FATAL(ike_initiate(eng[0], "r0", now, err, sizeof(err)), 0);
	n = init_with(0, 0, 3, msg);
	ike_input(eng[1], &ep[1], &ep[0], msg, n, now);
	CU_ASSERT(answer_has(NULL, N_INVALID_MAJOR_VERSION, NULL));
	CU_ASSERT(qn == 1 && q[0].b[17] == 0x20);
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.ike_sas, 0);
	qn = 0;
	msg[19] |= IKE_FLAG_R;
	ike_input(eng[1], &ep[1], &ep[0], msg, n, now);
	CU_ASSERT_EQUAL(qn, 0);
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
}

static void
unknown_critical(struct ike_buf *b)
{
	size_t off = ike_pl_begin(b, 222);

	ike_put(b, "x", 1);
	ike_pl_end(b, off);
	b->p[off + 1] = 0x80;
}

/* inside SK: INFORMATIONAL answered and the SA stays; IKE_AUTH answered
 * and the IKE SA is not created */
static void
test_critical_sk(void)
{
	uint64_t now = 1000;
	struct ike_sa *sa0, *sa1;
	uint32_t peer_id;
	char err[128];
	int d = 0;

	setup();
	CU_ASSERT_EQUAL_FATAL(ike_initiate(eng[0], "r0", now, err, sizeof(err)), 0);
	pump(now, -1);
	sa0 = only_sa(eng[0]);
	sa1 = only_sa(eng[1]);
	peer_id = sa1->peer_id;
	send_crafted(sa0, INFORMATIONAL, unknown_critical, 222, now);
	CU_ASSERT(answer_has(sa0, N_UNSUPPORTED_CRITICAL_PAYLOAD, &d));
	CU_ASSERT_EQUAL(d, 222);
	CU_ASSERT_EQUAL(sa1->peer_id, peer_id + 1);
	CU_ASSERT_EQUAL(sa1->state, S_ESTABLISHED);
	/* the same again: the retransmitted request draws the same answer */
	qn = 0;
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);

	setup();
	CU_ASSERT_EQUAL_FATAL(ike_initiate(eng[0], "r0", now, err, sizeof(err)), 0);
	pump(now, 0);			/* IKE_SA_INIT to the responder */
	pump(now, 1);			/* its answer back; IKE_AUTH held back */
	CU_ASSERT_EQUAL_FATAL(qn, 1);
	qn = 0;
	sa0 = only_sa(eng[0]);
	sa1 = only_sa(eng[1]);
	CU_ASSERT_EQUAL_FATAL(sa1->state, S_INIT_DONE);
	send_crafted(sa0, IKE_AUTH, unknown_critical, 222, now);
	CU_ASSERT(answer_has(sa0, N_UNSUPPORTED_CRITICAL_PAYLOAD, &d));
	CU_ASSERT_EQUAL(d, 222);
	CU_ASSERT_EQUAL(sa1->state, S_DEAD);
	qn = 0;
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
}

/* engine 0's IKE_SA_INIT request with its KE data replaced by ke (n bytes) */
static size_t
init_with_ke(const uint8_t *ke, size_t kn, uint8_t *out)
{
	struct ike_msg m;
	struct ike_err er;
	struct ike_buf b;
	size_t off;

	CU_ASSERT_FATAL(qn == 1 && ike_msg_parse(q[0].b, q[0].len, &m, &er) == 0);
	ike_buf_init(&b, out, IKE_MAX_MSG);
	ike_hdr_put(&b, &m.h);
	for (unsigned i = 0; i < m.n; i++) {
		off = ike_pl_begin(&b, m.pl[i].type);
		if (m.pl[i].type == PL_KE) {
			ike_put(&b, m.pl[i].body, 4);	/* group, reserved */
			ike_put(&b, ke, kn);
		} else {
			ike_put(&b, m.pl[i].body, m.pl[i].len);
		}
		ike_pl_end(&b, off);
	}
	qn = 0;
	return ike_msg_finish(&b);
}

/*
 * Key exchange values that are not (RFC 7296 3.4, RFC 8031 for X25519):
 * too short, too long, X25519's all-zero point (its shared secret is all
 * zeros), a P-256 point off the curve. Each is refused with INVALID_SYNTAX,
 * makes no SA, and is counted (invalid_ke). Before, no answer, no count.
 */
static void
test_invalid_ke(void)
{
	static const struct { const char *prop; size_t len; uint8_t fill; } bad[] = {
		{ "aes128gcm16-prfsha256-x25519", 31, 0x55 },
		{ "aes128gcm16-prfsha256-x25519", 33, 0x55 },
		{ "aes128gcm16-prfsha256-x25519", 32, 0x00 },
		{ "aes128gcm16-prfsha256-ecp256", 64, 0x01 },	/* (1..1, 1..1): off the curve */
		{ "aes128gcm16-prfsha256-ecp256", 63, 0x01 },
		{ "aes128gcm16-prfsha256-modp2048", 256, 0x00 },	/* y = 0 */
	};
	uint64_t now = 1000;
	uint8_t ke[256], msg[IKE_MAX_MSG];
	struct ike_stats st;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ike_prop = bad[i].prop;
		setup();
		CU_ASSERT_EQUAL_FATAL(ike_initiate(eng[0], "r0", now, err, sizeof(err)), 0);
		memset(ke, bad[i].fill, sizeof(ke));
		size_t n = init_with_ke(ke, bad[i].len, msg);
		ike_input(eng[1], &ep[1], &ep[0], msg, n, now);
		CU_ASSERT(answer_has(NULL, N_INVALID_SYNTAX, NULL));
		ike_get_stats(eng[1], &st);
		CU_ASSERT_EQUAL(st.invalid_ke, 1);
		ike_timer(eng[1], now);
		ike_get_stats(eng[1], &st);
		CU_ASSERT_EQUAL(st.ike_sas, 0);
		qn = 0;
		ike_engine_free(eng[0]);
		ike_engine_free(eng[1]);
	}
	ike_prop = "aes128gcm16-prfsha256-x25519";
}

int
main(void)
{
	static const struct unit_test tests[] = {
		{ "payload rules in SK: duplicated and misplaced refused", test_refused_in_sk },
		{ "payload rules in IKE_SA_INIT: duplicated and missing make no SA",
		  test_refused_init },
		{ "IKE_SA_INIT: unknown critical payload and major version 3 answered, no state; "
		  "unknown non-critical ignored", test_critical_init },
		{ "SK: unknown critical payload answered (INFORMATIONAL: SA stays; IKE_AUTH: "
		  "no IKE SA)", test_critical_sk },
		{ "invalid key exchange values refused, counted, no SA", test_invalid_ke },
		{ NULL, NULL },
	};

	espgw_log_level = getenv("RULES_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERR;
	return unit_run("ike-rules", tests);
}
