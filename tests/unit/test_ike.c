/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 engine units: known answers for HMAC, prf+ and the RFC 7296 2.14
 * key derivation (expected values computed independently with Python's
 * hmac module), key exchange agreement and degenerate values, payload
 * encode/decode and truncation, SK payload protection, proposal matching,
 * selector narrowing, and two engines over an in-memory link that drops,
 * duplicates and reorders datagrams.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "common/log.h"
#include "control/ike.h"
#include "control/ike_crypto.h"
#include "unit.h"

static void
unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
}

static bool
eqhex(const uint8_t *p, const char *h)
{
	uint8_t b[256];

	unhex(h, b);
	return memcmp(p, b, strlen(h) / 2) == 0;
}

static void
test_hmac_kat(void)
{
	/* RFC 4231 test case 2 */
	uint8_t out[64];
	struct ike_iov v = { "what do ya want for nothing?", 28 };

	CU_ASSERT_EQUAL(ike_prf(PRF_HMAC_SHA2_256, (const uint8_t *)"Jefe", 4, &v, 1, out), 0);
	CU_ASSERT(eqhex(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
	CU_ASSERT_EQUAL(ike_prf(PRF_HMAC_SHA2_512, (const uint8_t *)"Jefe", 4, &v, 1, out), 0);
	CU_ASSERT(eqhex(out, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
			     "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"));
}

static uint8_t ni[32], nr[32], gir[32];

static void
kat_inputs(void)
{
	for (int i = 0; i < 32; i++) {
		ni[i] = i;
		nr[i] = 100 + i;
		gir[i] = 0x42;
	}
}

static void
test_ike_keys_kat(void)
{
	struct ike_keys k;
	struct ike_child_keys ck;
	struct ike_algs a = { .encr = ENCR_AES_GCM_16, .encr_bits = 128, .prf = PRF_HMAC_SHA2_256,
			      .dh = DH_CURVE25519 };
	struct ike_algs esp = { .encr = ENCR_AES_GCM_16, .encr_bits = 128 };

	kat_inputs();
	CU_ASSERT_EQUAL(ike_derive_ike_keys(&k, &a, gir, 32, ni, 32, nr, 32, 0x0102030405060708ull,
					    0x1112131415161718ull, NULL, 0), 0);
	CU_ASSERT(eqhex(k.sk_d, "d439e460432fdf8843d8989c8bbe27ef62c39643a3194eb5c4e1e0325d395135"));
	CU_ASSERT(eqhex(k.sk_ei, "ddbc337fd6722dd730170ffd48b9cc9664261f39"));
	CU_ASSERT(eqhex(k.sk_er, "b6908d549b7bb09abf7dccceb8386d71d7becd98"));
	CU_ASSERT(eqhex(k.sk_pi, "979dbe159676aa683b56bceaab08c352c5c2f1c0dbaaa5feebd4e3562cfe16ba"));
	CU_ASSERT(eqhex(k.sk_pr, "97b260b68b43fad7fdfca97f563762258a12bd4098b7334baf9d53e8cb997351"));
	CU_ASSERT_EQUAL(k.akey_len, 0);
	CU_ASSERT_EQUAL(ike_derive_child_keys(&ck, &k, &esp, NULL, 0, ni, 32, nr, 32), 0);
	CU_ASSERT(eqhex(ck.ei, "b7fedef62b5bfdfb788c791e626375b875b2fd82"));
	CU_ASSERT(eqhex(ck.er, "0457360fad6616cbd8f198db980c17383275f9f2"));
}

static void
test_ike_keys_kat_cbc384(void)
{
	struct ike_keys k;
	struct ike_child_keys ck;
	struct ike_algs a = { .encr = ENCR_AES_CBC, .encr_bits = 128, .prf = PRF_HMAC_SHA2_384,
			      .integ = AUTH_HMAC_SHA2_384_192, .dh = DH_ECP384 };
	struct ike_algs esp = { .encr = ENCR_AES_CBC, .encr_bits = 128,
				.integ = AUTH_HMAC_SHA2_384_192 };

	kat_inputs();
	CU_ASSERT_EQUAL(ike_derive_ike_keys(&k, &a, gir, 32, ni, 32, nr, 32, 0x0102030405060708ull,
					    0x1112131415161718ull, NULL, 0), 0);
	CU_ASSERT_EQUAL(k.akey_len, 48);
	CU_ASSERT_EQUAL(k.icv_len, 24);
	CU_ASSERT(eqhex(k.sk_ai, "0facc213717e22f1526ebaec034e7f932952b0defec6971285562c0f034342df"
				 "c5f51e357454d5075f2f524282c70d12"));
	CU_ASSERT(eqhex(k.sk_er, "1b116c7bbddff6fc52cccb20dca24a18"));
	CU_ASSERT(eqhex(k.sk_pr, "c7ee01ea0095a6605571b6ad63be371c9106d3b5af35ee712b5b11fb28b4335f"
				 "8c5faa3a541722dc19a083d99b806054"));
	CU_ASSERT_EQUAL(ike_derive_child_keys(&ck, &k, &esp, NULL, 0, ni, 32, nr, 32), 0);
	CU_ASSERT(eqhex(ck.ai, "dedc96ec2f70f3d10e1a3f1f29609925e33ef3a099cb7fd5e85278c053c2a689"
			       "ea0698d8b1288ec710e7bf3c62757227"));
	CU_ASSERT(eqhex(ck.er, "3f6cea441b6d6227901cdceceffc0eab"));
}

static void
test_dh_groups(void)
{
	static const uint16_t groups[] = { DH_MODP2048, DH_ECP256, DH_ECP384, DH_ECP521,
					   DH_CURVE25519 };

	for (unsigned g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		struct ike_dh *x = ike_dh_new(groups[g]), *y = ike_dh_new(groups[g]);
		uint8_t px[300], py[300], sx[300], sy[300], bad[300];
		size_t lx, ly, nx, ny;

		CU_ASSERT_PTR_NOT_NULL_FATAL(x);
		CU_ASSERT_PTR_NOT_NULL_FATAL(y);
		lx = ike_dh_public(x, px, sizeof(px));
		ly = ike_dh_public(y, py, sizeof(py));
		CU_ASSERT(lx > 0 && lx == ly);
		CU_ASSERT_EQUAL(ike_dh_shared(x, py, ly, sx, &nx), 0);
		CU_ASSERT_EQUAL(ike_dh_shared(y, px, lx, sy, &ny), 0);
		CU_ASSERT(nx == ny && memcmp(sx, sy, nx) == 0);
		/* wrong length, all zeros, and (MODP) 1 and p-1 are refused */
		CU_ASSERT(ike_dh_shared(x, py, ly - 1, sx, &nx) < 0);
		memset(bad, 0, sizeof(bad));
		CU_ASSERT(ike_dh_shared(x, bad, lx, sx, &nx) < 0);
		if (groups[g] == DH_MODP2048) {
			bad[255] = 1;
			CU_ASSERT(ike_dh_shared(x, bad, 256, sx, &nx) < 0);
		}
		if (groups[g] != DH_MODP2048 && groups[g] != DH_CURVE25519) {
			/* a point off the curve */
			memcpy(bad, py, ly);
			bad[ly - 1] ^= 1;
			CU_ASSERT(ike_dh_shared(x, bad, ly, sx, &nx) < 0);
		}
		ike_dh_free(x);
		ike_dh_free(y);
	}
}

static void
test_codec_roundtrip(void)
{
	uint8_t mem[2048];
	struct ike_buf b;
	struct ike_hdr h = { .spi_i = 0x1122334455667788ull, .exchange = IKE_SA_INIT,
			     .flags = IKE_FLAG_I };
	struct ike_proposal p[2], q[4];
	struct ike_ts ts, tq[4];
	struct ike_msg m;
	struct ike_err e;
	struct ike_notify_pl n;
	unsigned np, nt;
	char err[100];
	size_t len;

	CU_ASSERT_EQUAL(ike_proposal_parse("aes128gcm16-prfsha256-x25519", false, &p[0], err,
					   sizeof(err)), 0);
	CU_ASSERT_EQUAL(ike_proposal_parse("aes256-sha384-modp2048-ecp256", false, &p[1], err,
					   sizeof(err)), 0);
	p[1].num = 2;
	CU_ASSERT_EQUAL(ike_ts_from_prefix("198.18.1.0/24", &ts), 0);
	ike_buf_init(&b, mem, sizeof(mem));
	ike_hdr_put(&b, &h);
	ike_put_sa(&b, p, 2);
	ike_put_notify(&b, 0, N_NAT_DETECTION_SOURCE_IP, NULL, 0, "01234567890123456789", 20);
	ike_put_ts(&b, PL_TSI, &ts, 1);
	len = ike_msg_finish(&b);
	CU_ASSERT(len > 0);
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(mem, len, &m, &e), 0);
	CU_ASSERT_EQUAL(m.h.spi_i, h.spi_i);
	CU_ASSERT_EQUAL(m.n, 3);
	CU_ASSERT_EQUAL_FATAL(ike_sa_parse(ike_find(&m, PL_SA), q, 4, &np, &e), 0);
	CU_ASSERT_EQUAL(np, 2);
	CU_ASSERT_EQUAL(q[1].n, p[1].n);
	CU_ASSERT(memcmp(q[1].t, p[1].t, p[1].n * sizeof(p[1].t[0])) == 0);
	CU_ASSERT_PTR_NOT_NULL(ike_find_notify(&m, N_NAT_DETECTION_SOURCE_IP, &n));
	CU_ASSERT_EQUAL(n.data_len, 20);
	CU_ASSERT_EQUAL_FATAL(ike_ts_parse(ike_find(&m, PL_TSI), tq, 4, &nt, &e), 0);
	CU_ASSERT(nt == 1 && memcmp(&tq[0], &ts, sizeof(ts)) == 0);
	/* every truncation is refused by the header's length check; a lying
	 * length field inside is refused by the chain walk; never a crash */
	for (size_t cut = 0; cut < len; cut++)
		CU_ASSERT(ike_msg_parse(mem, cut, &m, &e) < 0);
	for (size_t i = IKE_HDR_LEN; i < len; i++) {
		uint8_t copy[2048];
		memcpy(copy, mem, len);
		copy[i] ^= 0xff;
		if (ike_msg_parse(copy, len, &m, &e) == 0) {
			/* the chain held: the typed decoders must still be safe */
			for (unsigned k = 0; k < m.n; k++) {
				if (m.pl[k].type == PL_SA)
					ike_sa_parse(&m.pl[k], q, 4, &np, &e);
				if (m.pl[k].type == PL_TSI)
					ike_ts_parse(&m.pl[k], tq, 4, &nt, &e);
				if (m.pl[k].type == PL_NOTIFY)
					ike_notify_parse(&m.pl[k], &n, &e);
			}
		}
	}
}

static void
sk_roundtrip(struct ike_algs a)
{
	struct ike_keys k;
	uint8_t mem[1024], out[1024], inner[100];
	struct ike_buf b;
	struct ike_hdr h = { .spi_i = 1, .spi_r = 2, .exchange = IKE_AUTH, .flags = IKE_FLAG_I,
			     .msg_id = 1 };
	struct ike_msg m;
	struct ike_err e;
	size_t len;

	kat_inputs();
	CU_ASSERT_EQUAL_FATAL(ike_derive_ike_keys(&k, &a, gir, 32, ni, 32, nr, 32, 1, 2, NULL, 0), 0);
	for (unsigned i = 0; i < sizeof(inner); i++)
		inner[i] = i;
	/* a notify payload as the inner chain */
	inner[0] = 0;
	inner[1] = 0;
	inner[2] = 0;
	inner[3] = sizeof(inner);
	ike_buf_init(&b, mem, sizeof(mem));
	ike_hdr_put(&b, &h);
	len = ike_sk_seal(&k, true, &b, PL_NOTIFY, inner, sizeof(inner));
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(mem, len, &m, &e), 0);
	CU_ASSERT_EQUAL(ike_sk_open(&k, true, &m, ike_find(&m, PL_SK), out, sizeof(out)),
			(int)sizeof(inner));
	CU_ASSERT(memcmp(out, inner, sizeof(inner)) == 0);
	/* the wrong direction's keys, and any flipped bit, fail */
	CU_ASSERT(ike_sk_open(&k, false, &m, ike_find(&m, PL_SK), out, sizeof(out)) < 0);
	for (size_t i = 0; i < len; i += 7) {
		mem[i] ^= 0x10;
		if (ike_msg_parse(mem, len, &m, &e) == 0 && ike_find(&m, PL_SK))
			CU_ASSERT(ike_sk_open(&k, true, &m, ike_find(&m, PL_SK), out, sizeof(out)) < 0);
		mem[i] ^= 0x10;
	}
}

static void
test_sk(void)
{
	sk_roundtrip((struct ike_algs){ .encr = ENCR_AES_GCM_16, .encr_bits = 128,
					.prf = PRF_HMAC_SHA2_256 });
	sk_roundtrip((struct ike_algs){ .encr = ENCR_AES_GCM_16, .encr_bits = 256,
					.prf = PRF_HMAC_SHA2_384 });
	sk_roundtrip((struct ike_algs){ .encr = ENCR_CHACHA20_POLY1305, .prf = PRF_HMAC_SHA2_512 });
	sk_roundtrip((struct ike_algs){ .encr = ENCR_AES_CBC, .encr_bits = 256,
					.prf = PRF_HMAC_SHA2_256, .integ = AUTH_HMAC_SHA2_256_128 });
	sk_roundtrip((struct ike_algs){ .encr = ENCR_AES_CBC, .encr_bits = 128,
					.prf = PRF_HMAC_SHA2_512, .integ = AUTH_HMAC_SHA2_512_256 });
}

static void
test_proposals(void)
{
	struct ike_proposal ours[2], peer[2];
	struct ike_algs a;
	unsigned c;
	char err[128];

	CU_ASSERT(ike_proposal_parse("aes128gcm16-sha256-x25519", false, &ours[0], err, 128) < 0);
	CU_ASSERT(ike_proposal_parse("aes128gcm16-x25519", false, &ours[0], err, 128) < 0);
	CU_ASSERT(ike_proposal_parse("aes128-prfsha256-x25519", false, &ours[0], err, 128) < 0);
	CU_ASSERT(ike_proposal_parse("rot13-sha256-x25519", false, &ours[0], err, 128) < 0);
	CU_ASSERT(ike_proposal_parse("aes128-sha256", false, &ours[0], err, 128) < 0);
	CU_ASSERT(ike_proposal_parse("aes128gcm16-prfsha256", true, &ours[0], err, 128) < 0);
	CU_ASSERT_EQUAL(ike_proposal_parse("aes256-sha256-ecp256", false, &ours[0], err, 128), 0);
	CU_ASSERT_EQUAL(ike_proposal_parse("aes128gcm16-prfsha384-x25519-ecp384", false, &ours[1],
					   err, 128), 0);
	/* the peer's first acceptable proposal wins, with its transform order */
	CU_ASSERT_EQUAL(ike_proposal_parse("aes128-sha256-ecp256", false, &peer[0], err, 128), 0);
	CU_ASSERT_EQUAL(ike_proposal_parse("aes128gcm16-aes256gcm16-prfsha384-ecp384-x25519",
					   false, &peer[1], err, 128), 0);
	CU_ASSERT_EQUAL(ike_proposal_select(peer, 2, ours, 2, false, false, &a, &c), 0);
	CU_ASSERT_EQUAL(c, 1);
	CU_ASSERT(a.encr == ENCR_AES_GCM_16 && a.encr_bits == 128 && a.prf == PRF_HMAC_SHA2_384 &&
		  a.dh == DH_ECP384 && a.integ == 0);
	CU_ASSERT(ike_proposal_select(peer, 1, ours, 2, false, false, &a, &c) < 0);
	/* ESP: ESN must match; DH ignored in IKE_AUTH */
	CU_ASSERT_EQUAL(ike_proposal_parse("aes128gcm16-esn", true, &ours[0], err, 128), 0);
	CU_ASSERT_EQUAL(ike_proposal_parse("aes128gcm16", true, &peer[0], err, 128), 0);
	peer[0].spi_size = 4;
	CU_ASSERT(ike_proposal_select(peer, 1, ours, 1, true, true, &a, &c) < 0);
	CU_ASSERT_EQUAL(ike_proposal_parse("aes128gcm16-noesn-esn-ecp256", true, &peer[0], err,
					   128), 0);
	peer[0].spi_size = 4;
	CU_ASSERT_EQUAL(ike_proposal_select(peer, 1, ours, 1, true, true, &a, &c), 0);
	CU_ASSERT(a.esn);
}

static void
test_narrowing(void)
{
	struct ike_ts a, b, o;

	ike_ts_from_prefix("198.18.0.0/16", &a);
	ike_ts_from_prefix("198.18.1.0/24", &b);
	CU_ASSERT(ike_ts_narrow(&a, &b, &o));
	CU_ASSERT(memcmp(&o, &b, sizeof(o)) == 0);
	ike_ts_from_prefix("198.19.1.0/24", &b);
	CU_ASSERT(!ike_ts_narrow(&a, &b, &o));
	ike_ts_from_prefix("fd00:1::/64", &b);
	CU_ASSERT(!ike_ts_narrow(&a, &b, &o));
	ike_ts_from_prefix("198.18.0.0/16", &b);
	b.proto = 17;
	b.port_lo = b.port_hi = 53;
	a.proto = 6;
	CU_ASSERT(!ike_ts_narrow(&a, &b, &o));
	a.proto = 0;
	CU_ASSERT(ike_ts_narrow(&a, &b, &o));
	CU_ASSERT(o.proto == 17 && o.port_lo == 53 && o.port_hi == 53);
	/* ranges become the largest prefix at their low end */
	static const struct { const char *lo, *hi, *want_hi; } r[] = {
		{ "10.0.0.0", "10.0.0.255", "10.0.0.255" },
		{ "10.0.0.5", "10.0.0.200", "10.0.0.5" },
		{ "10.0.0.8", "10.0.0.200", "10.0.0.15" },
		{ "10.0.0.0", "10.0.1.3", "10.0.0.255" },
		{ "0.0.0.0", "255.255.255.255", "255.255.255.255" },
		{ "10.0.0.0", "10.0.0.0", "10.0.0.0" },
		{ "fd00::", "fd00::1:0", "fd00::ffff" },
		{ "fd00::", "fd00::ffff", "fd00::ffff" },
		{ "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	};
	for (unsigned i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		struct ip_addr lo, hi, want;
		ip_addr_parse(r[i].lo, &lo);
		ip_addr_parse(r[i].hi, &hi);
		ip_addr_parse(r[i].want_hi, &want);
		memset(&o, 0, sizeof(o));
		o.type = lo.family == AF_INET ? TS_IPV4_ADDR_RANGE : TS_IPV6_ADDR_RANGE;
		o.port_hi = 65535;
		memcpy(o.lo, lo.a, 16);
		memcpy(o.hi, hi.a, 16);
		ike_ts_prefix(&o);
		CU_ASSERT(memcmp(o.lo, lo.a, lo.family == AF_INET ? 4 : 16) == 0);
		CU_ASSERT(memcmp(o.hi, want.a, lo.family == AF_INET ? 4 : 16) == 0);
		CU_ASSERT(o.port_hi == 65535);
	}
}

/* ---- two engines over an in-memory link ---- */

#define QMAX 64
struct dgram {
	int to;				/* engine index */
	struct ike_ep from, dst;
	size_t len;
	uint8_t b[IKE_MAX_MSG];
};
static struct dgram *q[QMAX];
static unsigned qn, sent_count, drop_mask, dup_every;
static int drop_next_from = -1;	/* lose that engine's next datagram */
static struct ike_engine *eng[2];
static struct ike_child_info up[2];
static uint8_t upkeys[2][2][IKE_MAX_KEY];
static int ups[2], downs[2], ike_ups[2], routes[2], unroutes[2];

/* every datagram of a run, kept for the mutation test */
#define CAP_MAX 256
static struct dgram *cap[CAP_MAX];
static unsigned ncap;
static bool capturing;

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
link_child_up(void *ctx, const struct ike_child_info *c)
{
	int me = (int)(intptr_t)ctx;

	up[me] = *c;
	memcpy(upkeys[me][0], c->key_in, c->key_len);
	memcpy(upkeys[me][1], c->key_out, c->key_len);
	ups[me]++;
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
	(void)c;
	downs[(int)(intptr_t)ctx]++;
}

static void
link_ike_up(void *ctx, const char *conn, uint64_t i, uint64_t r)
{
	(void)conn;
	(void)i;
	(void)r;
	ike_ups[(int)(intptr_t)ctx]++;
}

static const struct ike_ops link_ops = {
	.send = link_send, .child_up = link_child_up, .child_down = link_child_down,
	.child_route = link_child_route, .child_unroute = link_child_unroute,
	.ike_up = link_ike_up,
};

static bool resp_any;		/* the responder takes any peer address */
static uint16_t link_frag;	/* both sides' RFC 7383 fragment size, 0 = off */
static uint32_t link_times[4];	/* ike_rekey, child_rekey, ike_life, child_life */
static bool link_more;		/* two more CHILD_SAs per connection */

static void
link_setup(const char *ike_prop, const char *esp_prop)
{
	char err[128];

	qn = sent_count = 0;
	memset(ups, 0, sizeof(ups));
	memset(downs, 0, sizeof(downs));
	memset(ike_ups, 0, sizeof(ike_ups));
	memset(routes, 0, sizeof(routes));
	memset(unroutes, 0, sizeof(unroutes));
	for (int i = 0; i < 2; i++) {
		struct ike_conn c;
		memset(&c, 0, sizeof(c));
		snprintf(c.name, sizeof(c.name), "c%d", i);
		ip_addr_parse(i ? "198.18.0.2" : "198.18.0.1", &c.local);
		ip_addr_parse(i ? "198.18.0.1" : "198.18.0.2", &c.remote);
		if (i && resp_any)
			memset(&c.remote, 0, sizeof(c.remote));
		ike_id_parse(i ? "b.example" : "a.example", &c.local_id);
		ike_id_parse(i ? "a.example" : "b.example", &c.remote_id);
		memcpy(c.psk, "in-memory-psk", 13);
		c.psk_len = 13;
		ike_proposal_parse(ike_prop, false, &c.ike[c.n_ike++], err, sizeof(err));
		ike_proposal_parse(esp_prop, true, &c.esp[c.n_esp++], err, sizeof(err));
		ike_ts_from_prefix(i ? "198.18.2.0/24" : "198.18.1.0/24", &c.local_ts);
		ike_ts_from_prefix(i ? "198.18.1.0/24" : "198.18.2.0/24", &c.remote_ts);
		c.retransmit_ms = 500;
		c.retransmit_tries = 6;
		c.dpd_delay = 5;
		c.frag_size = link_frag;
		if (link_more) {
			ike_ts_from_prefix(i ? "198.18.4.0/24" : "198.18.3.0/24", &c.more_l[0]);
			ike_ts_from_prefix(i ? "198.18.3.0/24" : "198.18.4.0/24", &c.more_r[0]);
			ike_ts_from_prefix(i ? "fd00:6::/64" : "fd00:5::/64", &c.more_l[1]);
			ike_ts_from_prefix(i ? "fd00:5::/64" : "fd00:6::/64", &c.more_r[1]);
			c.n_more = 2;
		}
		c.ike_rekey = link_times[0];
		c.child_rekey = link_times[1];
		c.ike_life = link_times[2];
		c.child_life = link_times[3];
		eng[i] = ike_engine_new(&link_ops, (void *)(intptr_t)i);
		CU_ASSERT_EQUAL(ike_conn_add(eng[i], &c, err, sizeof(err)), 0);
	}
}

/* deliver everything queued, run timers, for `ms` of simulated time */
static void
link_run(uint64_t *now, uint64_t ms)
{
	for (uint64_t end = *now + ms; *now < end; *now += 50) {
		while (qn) {
			struct dgram *d = q[0];
			memmove(q, q + 1, --qn * sizeof(q[0]));
			ike_input(eng[d->to], &d->dst, &d->from, d->b, d->len, *now);
			free(d);
		}
		ike_timer(eng[0], *now);
		ike_timer(eng[1], *now);
	}
}

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
	struct ike_conn c;
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
	ike_id_parse("flood", &c.local_id);
	memcpy(c.psk, "x", 1);
	c.psk_len = 1;
	ike_proposal_parse("aes128gcm16-prfsha256-x25519", false, &c.ike[c.n_ike++], err, 128);
	ike_proposal_parse("aes128gcm16", true, &c.esp[c.n_esp++], err, 128);
	CU_ASSERT_EQUAL(ike_conn_add(fl, &c, err, sizeof(err)), 0);
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

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* ESP SPIs: unique over 300k, none reserved, not a sequence, per key */
static void
test_spi_perm(void)
{
	enum { N = 300000 };
	struct spi_perm a, b;
	uint32_t *v = malloc(N * sizeof(*v));
	unsigned steps = 0, same = 0;

	CU_ASSERT_FATAL(v != NULL);
	CU_ASSERT(spi_perm_init(&a) == 0 && spi_perm_init(&b) == 0);
	for (unsigned i = 0; i < N; i++) {
		v[i] = spi_perm_next(&a);
		CU_ASSERT(v[i] >= 256);
		steps += i > 0 && v[i] == v[i - 1] + 1;
		same += spi_perm_next(&b) == v[i];
	}
	CU_ASSERT(steps < 3);	/* a permutation, not a counter */
	CU_ASSERT(same < 3);	/* another key, another order */
	qsort(v, N, sizeof(*v), cmp_u32);
	for (unsigned i = 1; i < N; i++)
		if (v[i] == v[i - 1]) {
			CU_FAIL("an SPI was handed out twice");
			break;
		}
	free(v);
}

int
main(void)
{
	static const struct unit_test t[] = {
		{ "HMAC-SHA2 known answers (RFC 4231)", test_hmac_kat },
		{ "SKEYSEED, SK_* and KEYMAT known answers (GCM, SHA-256)", test_ike_keys_kat },
		{ "SKEYSEED, SK_* and KEYMAT known answers (CBC, SHA-384)", test_ike_keys_kat_cbc384 },
		{ "key exchange groups agree; degenerate values refused", test_dh_groups },
		{ "payload encode/decode, truncation and corruption", test_codec_roundtrip },
		{ "SK payload seal/open for every cipher; tampering fails", test_sk },
		{ "ESP SPIs: unique, unpredictable, none reserved", test_spi_perm },
		{ "proposal parsing and selection", test_proposals },
		{ "traffic selector narrowing", test_narrowing },
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
	return unit_run("ike", t);
}
