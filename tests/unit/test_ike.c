/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 engine units, one layer at a time: known answers for HMAC, prf+
 * and the RFC 7296 2.14 key derivation (expected values computed
 * independently with Python's hmac module), key exchange agreement and
 * degenerate values, payload encode/decode and truncation, SK payload
 * protection, ESP SPI allocation, proposal matching, selector narrowing.
 * Two engines talking: test_ike_link.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "common/log.h"
#include "control/ike/ike.h"
#include "control/ike/crypto.h"
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

/* a message of the given payload types, the first n_plain outside SK */
static void
rules_msg(struct ike_msg *m, uint8_t x, bool response, const uint8_t *types, unsigned n,
	  unsigned n_plain)
{
	static const uint8_t err_notify[4] = { 0, 0, 0, N_NO_PROPOSAL_CHOSEN };

	memset(m, 0, sizeof(*m));
	m->h.exchange = x;
	m->h.flags = response ? IKE_FLAG_R : IKE_FLAG_I;
	for (unsigned i = 0; i < n; i++) {
		m->pl[m->n].type = types[i];
		if (types[i] == PL_NOTIFY) {	/* an error notify */
			m->pl[m->n].body = err_notify;
			m->pl[m->n].len = sizeof(err_notify);
		}
		m->n++;
	}
	m->n_plain = n_plain;
}

static void
test_payload_rules(void)
{
	/* what RFC 7296 1.2-1.4 shows for each message, SK first where encrypted */
	static const struct {
		uint8_t x;
		bool response;
		uint8_t types[12];
		unsigned n;
	} ok[] = {
		{ IKE_SA_INIT, false, { PL_SA, PL_KE, PL_NONCE }, 3 },
		{ IKE_SA_INIT, true, { PL_SA, PL_KE, PL_NONCE, PL_CERTREQ }, 4 },
		{ IKE_AUTH, false, { PL_SK, PL_IDI, PL_CERT, PL_CERTREQ, PL_IDR, PL_AUTH, PL_SA,
				     PL_TSI, PL_TSR }, 9 },
		{ IKE_AUTH, true, { PL_SK, PL_IDR, PL_CERT, PL_AUTH, PL_SA, PL_TSI, PL_TSR }, 7 },
		{ CREATE_CHILD_SA, false, { PL_SK, PL_SA, PL_NONCE, PL_KE, PL_TSI, PL_TSR }, 6 },
		{ CREATE_CHILD_SA, true, { PL_SK, PL_SA, PL_NONCE, PL_KE, PL_TSI, PL_TSR }, 6 },
		{ INFORMATIONAL, false, { PL_SK, PL_DELETE, PL_DELETE }, 3 },
		{ INFORMATIONAL, true, { PL_SK }, 1 },
	};
	/* at most one of these in any message (3.3-3.13) */
	static const uint8_t single[] = { PL_SA, PL_KE, PL_NONCE, PL_IDI, PL_IDR, PL_AUTH,
					  PL_TSI, PL_TSR, PL_CP };
	struct ike_msg m;
	struct ike_err e;

	for (unsigned k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
		uint8_t ty[16];
		unsigned n = ok[k].n, plain = ok[k].x == IKE_SA_INIT ? n : 1;
		bool resp = ok[k].response;

		rules_msg(&m, ok[k].x, resp, ok[k].types, n, plain);
		CU_ASSERT_EQUAL(ike_msg_check(&m, &e), 0);
		/* every singleton it carries, twice: refused */
		for (unsigned i = 0; i < n; i++)
			for (unsigned s = 0; s < sizeof(single); s++) {
				if (ok[k].types[i] != single[s])
					continue;
				memcpy(ty, ok[k].types, n);
				ty[n] = single[s];
				rules_msg(&m, ok[k].x, resp, ty, n + 1, plain);
				CU_ASSERT(ike_msg_check(&m, &e) < 0);
			}
		/* each payload left out: refused where it is required */
		for (unsigned i = 0; i < n; i++) {
			uint8_t t = ok[k].types[i];
			/* (IKE_AUTH's SA, TSi and TSr may be left out together:
			 * a childless IKE SA, RFC 6023; IDi, IDr and AUTH in the
			 * rounds of EAP, 2.16: the exchange checks them) */
			bool required = (t == PL_SA && ok[k].x != IKE_AUTH) || t == PL_NONCE ||
					(t == PL_KE && ok[k].x == IKE_SA_INIT);
			if (t == PL_SK)
				continue;
			memcpy(ty, ok[k].types, i);
			memcpy(ty + i, ok[k].types + i + 1, n - i - 1);
			rules_msg(&m, ok[k].x, resp, ty, n - 1, ok[k].x == IKE_SA_INIT ? n - 1 : 1);
			CU_ASSERT_EQUAL(ike_msg_check(&m, &e) < 0, required);
			/* a response with an error notify stands alone */
			if (resp) {
				ty[n - 1] = PL_NOTIFY;
				rules_msg(&m, ok[k].x, resp, ty, n, ok[k].x == IKE_SA_INIT ? n : 1);
				CU_ASSERT_EQUAL(ike_msg_check(&m, &e), 0);
			}
		}
		/* an encrypted exchange's payload outside SK; SK in IKE_SA_INIT */
		rules_msg(&m, ok[k].x, resp, ok[k].types, n, ok[k].x == IKE_SA_INIT ? n : 2);
		if (ok[k].x != IKE_SA_INIT && n > 1)
			CU_ASSERT(ike_msg_check(&m, &e) < 0);
		if (ok[k].x == IKE_SA_INIT) {
			memcpy(ty, ok[k].types, n);
			ty[n] = PL_SK;
			rules_msg(&m, ok[k].x, resp, ty, n + 1, n + 1);
			CU_ASSERT(ike_msg_check(&m, &e) < 0);
		}
		/* a payload the exchange does not carry */
		memcpy(ty, ok[k].types, n);
		ty[n] = ok[k].x == INFORMATIONAL ? PL_KE : ok[k].x == IKE_AUTH ? PL_KE : PL_DELETE;
		rules_msg(&m, ok[k].x, resp, ty, n + 1, ok[k].x == IKE_SA_INIT ? n + 1 : 1);
		CU_ASSERT(ike_msg_check(&m, &e) < 0);
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
		{ "payload rules: repeated, missing, misplaced payloads refused", test_payload_rules },
		{ "SK payload seal/open for every cipher; tampering fails", test_sk },
		{ "ESP SPIs: unique, unpredictable, none reserved", test_spi_perm },
		{ "proposal parsing and selection", test_proposals },
		{ "traffic selector narrowing", test_narrowing },
		{ NULL, NULL },
	};

	espgw_log_level = LOG_LVL_ERR;
	return unit_run("ike", t);
}
