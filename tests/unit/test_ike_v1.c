/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 units: SKEYID and its keys, IVs, HASH_I/R, NAT-D and KEYMAT
 * against values computed independently (Python's hmac and hashlib over
 * the same inputs); two engines over the lossy link through main,
 * aggressive and quick mode, PFS, quick mode rekeys and phase 1
 * re-establishment from each side, DPD; every captured message mutated,
 * after the exchanges and in lock-step during them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "control/ike/v1.h"
#include "tests/unit/ike_link.h"
#include "unit.h"

static void
unhex(const char *h, uint8_t *out, size_t *n)
{
	*n = strlen(h) / 2;
	for (size_t i = 0; i < *n; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
}

static void
expect(const uint8_t *got, const char *hex)
{
	uint8_t want[256];
	size_t n;

	unhex(hex, want, &n);
	CU_ASSERT(memcmp(got, want, n) == 0);
}

/* what Python computes over the inputs below: hmac.new(k, d, sha2).digest()
 * and hashlib's sha2(...).digest(), following RFC 2409 5, 5.5 and B */
static const char *const kat[2][11] = {
	{	/* sha256, AES-128 */
	"873c193268c9db6d6d87098318f5aeb4367b87ff8f6cfa6ff447cc7b343796d0",
	"77204ebb58c85686b913c2fc9b447e21b4a027f3426c7d288a06ba7579932a41",
	"b455d5fa9bd7da0ec6916f9191c1e162c4da13f60e56cf7cf2a392ef3cc1924d",
	"523aec021d6849028836353d233b8ce2",
	"9afaeef005e286957ee9a18a2481a75c",
	"a44818ec5802e9343dd870b45630a6bb95aed8c10e13de3726d6298aa3e14e9b",
	"0e60727603e68a46079622831e0f3eceb847865bd5a6ae14f964fe338da21540",
	"1e7a9a6f3902d3204c6ccb465fdc0593",
	"e9a5c1b8e10d3bead54a056381cb3b419a0d7a49bf57187c31f1132c59c5dd1e92c60862c8d1974f54887fe451c875c5838be2098063f3797b9a49373ea26dcb91b787a393474143bd91dcad5a781b28",
	"5a1a107326735dfcc85b8f14587921578e0d50b5abd2e4feb1a117ddbdeb62f7af9c1667405851a32512187ea04bfc7f3468812845ea3a625f20e409df48b43335a9cdd317d4df2ca8e655474f9dd842",
	"67147f37e366c481e4c63a829c3fce7814d081605392cc0cda5db514ec02f25b",
	}, {	/* sha384, AES-256 */
	"f31cea26a312961e29ea2e11dac5eaa43291fe67cc5fb1c00e6e112a07bd469cc01d41f1b75bf4060f176b3d946c45cc",
	"4de20e3fc00c9e9cb99ebb3c2e8a0a2a82077a2b8522dab4b195ec3385d718155d8fd2431dd82a525ed4245dcc333e51",
	"3950cdec078b87c20007250298f5df4bcf3783f2f533379b249bba1293fd7565f2e65916a123938bd3ba8ce3c46e4323",
	"1a4e8179aee92bad7b1acdfc2cfeb0d5c33c087cebf9d645ac8ee5179a0c491b",
	"0fbdc62aaca567c7b3d008ae15ef1a84",
	"e0bbb63fd8df8e7c95072d7e439dd352eb9c488fe89ec574b21acdd9e0d27418bc4f66d22c60ecec0d9710cc6f74ad7a",
	"f397ddadb10c11219ec32c8c1faa916a82d194c65dc105b2b5e7cd70a47dc364468a837e11cc38959ea8b1cbd25911a5",
	"7e08900504099b884e1fec53ccfac7fd",
	"4abc67edd115c89229e3a546e407a21951e06f160a5b66fb2c75b5ea7136b749ef8d0a814207156b2cac9c5816b51c0067b8b875fc055c2a4521ff59fdda93911a44ef3145515d441eef5a56e8549aed",
	"72ca42f699ef776706f38244c9b6fdd0f115d1cc7151a15dfde629d8812385a0293695246ca388f223549c88924c3d5ae5b9d2112e3cb21b84a3944a5060ca862b049df95859904bbd72fbeff28130a9",
	"dae5d5608f328a1be37b535184f9d44bacfbcd8a59eda48bf23b244d3d12e96e605e5a8f3cff972320d52e8970a67caa",
	},
};

/* signature authentication: SKEYID = prf(Ni_b | Nr_b, g^xy) */
static const char *const sig_skeyid[2] = {
	"62215de7bddcea7e2c4047ff6bb94f8d18262fc8b3f3648134bb7d44158ff84d",
	"f2ad678e7369c417c09a2414d18cd6988e9bdf7d47fbb2fe55c1738e43af9e2540850a3eb70815e2b06e2b5f9cde51af",
};

/*
 * Inputs: PSK "kat-psk", Ni = 00..0f, Nr = 10..1f, g^xy = 20..3f,
 * g^xi = 40..5f, g^xr = 60..7f, CKY-I 0102030405060708, CKY-R
 * 1112131415161718, SAi_b and IDii_b as below; phase 2 IV from the block
 * c8..d7 and M-ID 01020304; KEYMAT for ESP SPI c0ffee01 with Ni2 = 01..20,
 * Nr2 = 02..21, 80 bytes, without and with g^xy; NAT-D of 198.18.0.1:4500.
 */
static void
test_kat(void)
{
	static const char sai[] = "00000001000000010000002c010100010000002401010000800100078002"
				  "0004800300018004000e800e0080";
	uint8_t ni[16], nr[16], gxy[32], sai_b[64], idi[8] = { 1, 0, 0, 0, 198, 18, 0, 1 };
	uint8_t out[IKE_MAX_PRF], km[80], ni2[32], nr2[32], blk[16];
	size_t sl;
	char err[128];

	for (int i = 0; i < 16; i++) {
		ni[i] = (uint8_t)i;
		nr[i] = (uint8_t)(16 + i);
		blk[i] = (uint8_t)(200 + i);
	}
	for (int i = 0; i < 32; i++) {
		gxy[i] = (uint8_t)(32 + i);
		ni2[i] = (uint8_t)(1 + i);
		nr2[i] = (uint8_t)(2 + i);
	}
	unhex(sai, sai_b, &sl);
	for (int v = 0; v < 2; v++) {
		struct conn_desc d;
		struct ike_sa sa;
		struct v1_sa v1;
		memset(&d, 0, sizeof(d));
		strcpy(d.name, "kat");
		ip_addr_parse("198.18.0.1", &d.local);
		strcpy(d.psk, "kat-psk");
		strcpy(d.proposals, "aes128-sha256-modp2048");
		strcpy(d.esp_proposals, "aes128gcm16");
		struct ike_conn *c = ike_conn_new(&d, err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		memset(&sa, 0, sizeof(sa));
		memset(&v1, 0, sizeof(v1));
		sa.conn = c;
		sa.v1 = &v1;
		sa.spi_i = 0x0102030405060708ull;
		sa.spi_r = 0x1112131415161718ull;
		memcpy(sa.ni, ni, 16);
		memcpy(sa.nr, nr, 16);
		sa.nilen = sa.nrlen = 16;
		v1.prf = v ? PRF_HMAC_SHA2_384 : PRF_HMAC_SHA2_256;
		v1.chosen.encr_bits = v ? 256 : 128;
		v1.chosen.auth = P1_AUTH_RSA_SIG;
		CU_ASSERT_EQUAL_FATAL(v1_skeyid(&sa, gxy, sizeof(gxy)), 0);
		expect(v1.skeyid, sig_skeyid[v]);
		v1.chosen.auth = P1_AUTH_PSK;
		for (int i = 0; i < 32; i++) {
			v1.gxi[i] = (uint8_t)(64 + i);
			v1.gxr[i] = (uint8_t)(96 + i);
		}
		v1.gxi_len = v1.gxr_len = 32;
		v1.sai_b = sai_b;
		v1.sai_len = sl;
		CU_ASSERT_EQUAL_FATAL(v1_skeyid(&sa, gxy, sizeof(gxy)), 0);
		expect(v1.skeyid, kat[v][0]);
		expect(v1.skeyid_d, kat[v][1]);
		expect(v1.skeyid_a, kat[v][2]);
		expect(v1.ekey, kat[v][3]);
		CU_ASSERT_EQUAL(v1_iv_p1(&sa), 0);
		expect(v1.iv, kat[v][4]);
		CU_ASSERT_EQUAL(v1_hash_auth(&sa, true, idi, sizeof(idi), out), 0);
		expect(out, kat[v][5]);
		CU_ASSERT_EQUAL(v1_hash_auth(&sa, false, idi, sizeof(idi), out), 0);
		expect(out, kat[v][6]);
		memcpy(v1.iv, blk, 16);
		CU_ASSERT_EQUAL(v1_iv_p2(&sa, 0x01020304, out), 0);
		expect(out, kat[v][7]);
		CU_ASSERT_EQUAL(v1_keymat(&sa, NULL, 0, 0xc0ffee01, ni2, 32, nr2, 32, km, 80), 0);
		expect(km, kat[v][8]);
		CU_ASSERT_EQUAL(v1_keymat(&sa, gxy, 32, 0xc0ffee01, ni2, 32, nr2, 32, km, 80), 0);
		expect(km, kat[v][9]);
		struct ike_ep ep = { .port = 4500 };
		ip_addr_parse("198.18.0.1", &ep.addr);
		CU_ASSERT_EQUAL(v1_natd(&sa, &ep, out), 0);
		expect(out, kat[v][10]);
		v1.sai_b = NULL;
		ike_conn_free(c);
	}
}

/*
 * SHA-1 and 3DES (old peers, named explicitly): SKEYID_e is shorter than
 * the 24-byte key, so the key is expanded (appendix B: K1 = prf(SKEYID_e,
 * 0), K2 = prf(SKEYID_e, K1)); IVs are 8 bytes. Same inputs as test_kat.
 */
static void
test_kat_3des_sha1(void)
{
	struct conn_desc d;
	struct ike_sa sa;
	struct v1_sa v1;
	uint8_t gxy[32], out[IKE_MAX_PRF], blk[8];
	char err[128];

	memset(&d, 0, sizeof(d));
	strcpy(d.name, "kat");
	ip_addr_parse("198.18.0.1", &d.local);
	strcpy(d.psk, "kat-psk");
	strcpy(d.proposals, "3des-sha1-modp2048");
	strcpy(d.esp_proposals, "aes128gcm16");
	d.version = 1;
	struct ike_conn *c = ike_conn_new(&d, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memset(&sa, 0, sizeof(sa));
	memset(&v1, 0, sizeof(v1));
	sa.conn = c;
	sa.v1 = &v1;
	sa.spi_i = 0x0102030405060708ull;
	sa.spi_r = 0x1112131415161718ull;
	for (int i = 0; i < 16; i++) {
		sa.ni[i] = (uint8_t)i;
		sa.nr[i] = (uint8_t)(16 + i);
	}
	for (int i = 0; i < 32; i++) {
		gxy[i] = (uint8_t)(32 + i);
		v1.gxi[i] = (uint8_t)(64 + i);
		v1.gxr[i] = (uint8_t)(96 + i);
	}
	for (int i = 0; i < 8; i++)
		blk[i] = (uint8_t)(200 + i);
	sa.nilen = sa.nrlen = 16;
	v1.gxi_len = v1.gxr_len = 32;
	v1.prf = PRF_HMAC_SHA1;
	v1.chosen.encr = P1_ENCR_3DES;
	v1.chosen.auth = P1_AUTH_PSK;
	CU_ASSERT_EQUAL_FATAL(v1_skeyid(&sa, gxy, sizeof(gxy)), 0);
	CU_ASSERT_EQUAL(v1.eklen, 24);
	CU_ASSERT_EQUAL(v1.blk, 8);
	expect(v1.skeyid, "d5500de46aec39d04b95411b4065a8e76e3c9974");
	expect(v1.skeyid_d, "76ee25b7c39132a3b0f154e5cc7e2bebad16eb31");
	expect(v1.skeyid_a, "b2f24d3e462f0a1b67034e9b278be662739cb2fd");
	expect(v1.ekey, "5275a5627c05ccba3195e14bf5806fd9d194ede8d971fa34");
	CU_ASSERT_EQUAL(v1_iv_p1(&sa), 0);
	expect(v1.iv, "08f42ca259cf121d");
	memcpy(v1.iv, blk, 8);
	CU_ASSERT_EQUAL(v1_iv_p2(&sa, 0x01020304, out), 0);
	expect(out, "d643e26604e536c7");
	ike_conn_free(c);
	/* and only for IKEv1, never for ESP */
	d.version = 2;
	CU_ASSERT_PTR_NULL(ike_conn_new(&d, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "IKEv1"));
	d.version = 1;
	strcpy(d.esp_proposals, "aes128-sha1");
	CU_ASSERT_PTR_NULL(ike_conn_new(&d, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "data plane"));
}

/* ---- two engines ---- */

static void
agree(void)
{
	CU_ASSERT_EQUAL(up[0].spi_in, up[1].spi_out);
	CU_ASSERT_EQUAL(up[0].spi_out, up[1].spi_in);
	CU_ASSERT(memcmp(upkeys[0][0], upkeys[1][1], up[0].key_len) == 0);
	CU_ASSERT(memcmp(upkeys[0][1], upkeys[1][0], up[0].key_len) == 0);
	CU_ASSERT(up[0].encap == up[1].encap);
}

struct view {
	unsigned sas, children;		/* established ISAKMP SAs, their CHILD_SAs */
	uint8_t version, phase;
};

static void
view_fn(void *ctx, const struct ike_sa_info *i)
{
	struct view *v = ctx;

	if (strcmp(i->state, "established"))
		return;
	v->sas++;
	v->children += i->children;
	v->version = i->version;
	v->phase = i->phase;
}

static struct view
view(int k)
{
	struct view v = { 0 };

	ike_foreach(eng[k], view_fn, &v);
	return v;
}

#define teardown link_teardown

/* IKEv1 engines over a clean link with the usual proposals */
static void
v1_setup(void)
{
	link_version = 1;
	drop_mask = 0;
	dup_every = 0;
	link_setup("aes128-sha256-modp2048", "aes128gcm16");
}

/*
 * Up, quick mode rekeys from each side, phase 1 re-established from each
 * side (the phase 2 SA moves over, nothing goes down), a rekey on the new
 * ISAKMP SA, then delete: each side ends with nothing routed.
 */
static void
v1_case(const char *ike_prop, const char *esp_prop, bool aggr, unsigned drops, unsigned dup)
{
	uint64_t now = 1000;
	char err[100];
	struct ike_stats st;

	link_version = 1;
	link_aggressive = aggr;
	drop_mask = drops;
	dup_every = dup;
	link_setup(ike_prop, esp_prop);
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 20000);
	CU_ASSERT_EQUAL(ike_ups[0], 1);
	CU_ASSERT_EQUAL(ike_ups[1], 1);
	CU_ASSERT_EQUAL(ups[0], 1);
	CU_ASSERT_EQUAL(ups[1], 1);
	agree();
	CU_ASSERT_EQUAL(view(0).version, 1);
	CU_ASSERT_EQUAL(view(0).phase, 2);
	ike_get_stats(eng[0], &st);
	CU_ASSERT(drops == 0 || st.retransmits > 0);
	/* DPD on a quiet link: R-U-THERE answered, nothing goes down */
	link_run(&now, 12000);
	CU_ASSERT_EQUAL(downs[0] + downs[1], 0);
	for (int round = 0; round < 4; round++) {
		int who = round & 1, n_ups = ups[0], n_downs = downs[0];
		bool ike = round >= 2;
		CU_ASSERT_EQUAL(ike_rekey(eng[who], who ? "c1" : "c0", ike, now), 1);
		link_run(&now, 6000);
		CU_ASSERT_EQUAL(view(0).sas, 1);
		CU_ASSERT_EQUAL(view(1).sas, 1);
		if (ike) {
			CU_ASSERT_EQUAL(ike_ups[0], 1 + round - 1);
			CU_ASSERT_EQUAL(ups[0], n_ups);
			CU_ASSERT_EQUAL(downs[0], n_downs);
		} else {
			CU_ASSERT_EQUAL(ups[0], n_ups + 1);
			CU_ASSERT_EQUAL(ups[1], n_ups + 1);
			CU_ASSERT_EQUAL(downs[0], n_downs + 1);
			CU_ASSERT_EQUAL(downs[1], n_downs + 1);
			agree();
		}
		CU_ASSERT_EQUAL(view(0).children, 1);
		CU_ASSERT_EQUAL(view(1).children, 1);
		CU_ASSERT_EQUAL(routes[0] - unroutes[0], 1);
		CU_ASSERT_EQUAL(routes[1] - unroutes[1], 1);
	}
	CU_ASSERT_EQUAL(ike_rekey(eng[1], "c1", false, now), 1);
	link_run(&now, 6000);
	CU_ASSERT_EQUAL(downs[0], 3);
	CU_ASSERT_EQUAL(downs[1], 3);
	agree();
	drop_mask = 0;
	CU_ASSERT_EQUAL(ike_terminate(eng[0], "c0", IKE_END_ADMIN, now), 1);
	link_run(&now, 2000);
	CU_ASSERT_EQUAL(downs[0], 4);
	CU_ASSERT_EQUAL(downs[1], 4);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 0);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 0);
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.ike_sas, 0);
	teardown();
}

static void
test_main_mode(void)
{
	v1_case("aes128-sha256-modp2048", "aes128gcm16", false, 0, 0);
	v1_case("aes256-sha512-ecp521", "aes256-sha384-ecp384", false, 0, 0);
	v1_case("aes256-sha384-x25519", "aes128-sha256-esn", false, 0, 0);
	v1_case("3des-sha1-modp2048", "aes128gcm16", false, 0, 0);
}

static void
test_aggressive(void)
{
	v1_case("aes128-sha256-ecp256", "aes256gcm16-modp2048", true, 0, 0);
}

static void
test_lossy(void)
{
	/* main mode's MM1 and MM4 lost */
	v1_case("aes128-sha256-modp2048", "aes128gcm16", false, 0x9, 0);
	/* the quick mode's first message and its answer lost */
	v1_case("aes128-sha256-modp2048", "aes128-sha256", false, 0x60, 0);
	/* every third datagram duplicated, the copy first */
	v1_case("aes256-sha256-ecp384", "aes128gcm16-ecp256", false, 0, 3);
	v1_case("aes128-sha256-ecp256", "aes128gcm16", true, 0x5, 4);
}

/* IKEv1 fragments (the strongSwan/Cisco vendor ID) of 200 bytes: main
 * mode's KE messages and quick modes in pieces, some lost, duplicated */
static void
test_frag(void)
{
	struct ike_stats st;

	link_frag = 200;
	v1_case("aes128-sha256-modp2048", "aes128gcm16-modp2048", false, 0, 0);
	v1_case("aes128-sha256-modp2048", "aes128gcm16", false, 0x24, 3);
	v1_setup();
	{
		uint64_t now = 1000;
		char err[100];
		CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
		link_run(&now, 3000);
		CU_ASSERT_EQUAL(ups[0], 1);
		ike_get_stats(eng[0], &st);
		CU_ASSERT(st.frags_tx >= 2 && st.frags_rx >= 2);
	}
	teardown();
	link_frag = 0;
}

static void
test_aggressive_refused(void)
{
	uint64_t now = 1000;
	char err[100];
	struct ike_stats st;

	v1_setup();
	/* the initiator asks for aggressive mode, the responder does not allow it */
	ike_engine_free(eng[0]);
	{
		struct conn_desc c;
		link_conn_desc(0, "aes128-sha256-modp2048", "aes128gcm16", &c);
		c.aggressive = true;
		c.retransmit_tries = 2;
		eng[0] = ike_engine_new(&link_ops, (void *)(intptr_t)0);
		CU_ASSERT_EQUAL(ike_conn_add(eng[0], ike_conn_new(&c, err, sizeof(err)), err,
					     sizeof(err)), 0);
	}
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 10000);
	CU_ASSERT_EQUAL(ike_ups[0] + ike_ups[1], 0);
	ike_get_stats(eng[1], &st);
	CU_ASSERT_EQUAL(st.ike_sas, 0);
	teardown();
}

/* one side's engine anew: the link's connection with these CHILD_SA times */
static void
replace_side(int i, uint32_t child_rekey, uint32_t child_life)
{
	struct conn_desc c;
	char err[128];

	link_conn_desc(i, "aes128-sha256-modp2048", "aes128gcm16", &c);
	c.dpd_delay = 0;
	c.child_rekey_time = child_rekey;
	c.child_life_time = child_life;
	ike_engine_free(eng[i]);
	eng[i] = ike_engine_new(&link_ops, (void *)(intptr_t)i);
	CU_ASSERT_EQUAL(ike_conn_add(eng[i], ike_conn_new(&c, err, sizeof(err)), err, sizeof(err)),
			0);
}

/*
 * Lifetimes (IPsec DOI 4.5, 4.6.3.1): the responder's is 100 s against the
 * initiator's 600 s, and the responder never rekeys: its RESPONDER-LIFETIME
 * makes the initiator rekey before 100 s, so the tunnel never lapses. Then
 * the other way round: the initiator offers 100 s, the responder (600 s)
 * takes the shorter and rekeys before it.
 */
static void
test_lifetimes(void)
{
	for (int dir = 0; dir < 2; dir++) {
		uint64_t now = 1000;
		char err[100];

		v1_setup();
		replace_side(dir ? 0 : 1, 0, 100);
		replace_side(dir ? 1 : 0, 500, 600);
		CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
		link_run(&now, 3000);
		CU_ASSERT_EQUAL_FATAL(ups[0], 1);
		/* before 90 % of 100 s nothing happens; by 100 s a new pair is up */
		link_run(&now, 80000);
		CU_ASSERT_EQUAL(ups[0], 1);
		link_run(&now, 18000);
		CU_ASSERT_EQUAL(ups[0], 2);
		CU_ASSERT_EQUAL(ups[1], 2);
		agree();
		CU_ASSERT_EQUAL(routes[0] - unroutes[0], 1);
		CU_ASSERT_EQUAL(routes[1] - unroutes[1], 1);
		teardown();
	}
}

/* the initiator restarts and connects again: its INITIAL-CONTACT makes the
 * responder drop the old ISAKMP SA and its SA pair at once */
static void
test_initial_contact(void)
{
	uint64_t now = 1000;
	char err[100];

	v1_setup();
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 3000);
	CU_ASSERT_EQUAL_FATAL(ups[1], 1);
	replace_side(0, 3600, 0);
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 3000);
	CU_ASSERT_EQUAL(ups[1], 2);
	CU_ASSERT_EQUAL(downs[1], 1);
	CU_ASSERT_EQUAL(view(1).sas, 1);
	CU_ASSERT_EQUAL(view(1).children, 1);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 1);
	agree();
	teardown();
}

/*
 * Eight ISAKMP SAs begun at once to one peer (as a setup benchmark does):
 * only a first contact carries INITIAL-CONTACT, so the responder ends none
 * of them, and every one gets its quick mode done.
 */
static void
test_parallel(void)
{
	uint64_t now = 1000;
	char err[100];

	v1_setup();
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 5000);
	CU_ASSERT_EQUAL(ike_ups[0], 8);
	CU_ASSERT_EQUAL(ike_ups[1], 8);
	CU_ASSERT_EQUAL(ups[0], 8);
	CU_ASSERT_EQUAL(ups[1], 8);
	CU_ASSERT_EQUAL(downs[0] + downs[1], 0);
	teardown();
}

static void
test_dead_peer(void)
{
	uint64_t now = 1000;
	char err[100];

	v1_setup();
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 3000);
	CU_ASSERT_EQUAL(ups[0], 1);
	/* the responder vanishes: R-U-THERE after 5 s, 6 tries, then gone */
	ike_engine_free(eng[1]);
	eng[1] = ike_engine_new(&link_ops, (void *)(intptr_t)1);
	link_run(&now, 5000 + 7 * 500 + 1000);
	CU_ASSERT_EQUAL(downs[0], 1);
	CU_ASSERT_EQUAL(view(0).sas, 0);
	teardown();
}

/*
 * After main mode, quick modes, a rekey and DPD: every message replayed as
 * it was, flipped and cut. No CHILD_SA comes or goes (a replayed quick mode
 * is refused by its message ID), the tunnel still rekeys and deletes.
 */
static void
test_mutation_after(void)
{
	uint64_t now = 1000;
	char err[100];
	struct ike_stats st;

	link_version = 1;
	drop_mask = 0;
	dup_every = 0;
	ncap = 0;
	capturing = true;
	link_setup("aes128-sha256-modp2048", "aes256-sha256-ecp256");
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	link_run(&now, 2000);
	ike_rekey(eng[1], "c1", false, now);
	link_run(&now, 5000);
	link_run(&now, 8000);		/* R-U-THERE and ACK */
	capturing = false;
	CU_ASSERT(ncap >= 14);
	int ups0 = ups[0], ups1 = ups[1], downs0 = downs[0], downs1 = downs[1];
	CU_ASSERT(link_replay_mutated(now, NULL) > 3000);
	CU_ASSERT_EQUAL(ups[0], ups0);
	CU_ASSERT_EQUAL(ups[1], ups1);
	CU_ASSERT_EQUAL(downs[0], downs0);
	CU_ASSERT_EQUAL(downs[1], downs1);
	CU_ASSERT_EQUAL(view(0).sas, 1);
	CU_ASSERT_EQUAL(view(1).sas, 1);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 1);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 1);
	CU_ASSERT_EQUAL(ike_rekey(eng[0], "c0", false, now), 1);
	link_run(&now, 5000);
	CU_ASSERT_EQUAL(ups[0], ups0 + 1);
	agree();
	CU_ASSERT_EQUAL(ike_terminate(eng[0], "c0", IKE_END_ADMIN, now), 1);
	link_run(&now, 2000);
	CU_ASSERT_EQUAL(routes[0] - unroutes[0], 0);
	CU_ASSERT_EQUAL(routes[1] - unroutes[1], 0);
	ike_get_stats(eng[1], &st);
	CU_ASSERT(st.rx_dropped > 1000);
	for (unsigned i = 0; i < ncap; i++)
		free(cap[i]);
	teardown();
}

/*
 * In lock-step: before each datagram of main or aggressive mode and quick
 * mode is delivered, its receiver gets it cut at every length, with each
 * header byte past the cookies flipped, and, encrypted ones, with each byte
 * the HASH covers flipped (the cookies too): all of a quick mode, the ID
 * and HASH of phase 1. What that draws is thrown away. The exchanges must
 * still complete with the same keys on both sides: a damaged message
 * changes nothing. (IKEv1 does not cover the rest: the payloads of the
 * unencrypted phase 1 messages are authenticated only afterwards, through
 * HASH_I/HASH_R, so a changed nonce, KE or responder cookie breaks the
 * exchange by design; nor the other payloads of MM5/MM6/AM3 (notifies,
 * NAT-D), nor the final padding block: see docs/ike.md.)
 */
static void
lockstep_case(bool aggr, bool ra)
{
	uint64_t now = 1000;
	char err[100];
	unsigned inputs = 0;

	link_version = 1;
	link_aggressive = aggr;
	link_ra = ra;
	drop_mask = 0;
	dup_every = 0;
	link_setup("aes128-sha256-modp2048", "aes128-sha256-ecp256");
	CU_ASSERT_EQUAL(ike_initiate(eng[0], "c0", now, err, sizeof(err)), 0);
	for (int steps = 0; qn && steps < 40; steps++) {
		struct dgram *d = q[0];
		uint8_t m[IKE_MAX_MSG];
		bool enc = d->len > 19 && (d->b[19] & V1_FLAG_E);
		/* what the HASH covers: a quick mode's or informational's every
		 * payload; in phase 1 the ID and HASH (the first two blocks) */
		size_t last_blk = d->len >= 16 ? d->len - 16 : 0;
		bool p2 = d->len > 18 && (d->b[18] == V1_QUICK || d->b[18] == V1_INFO ||
					  d->b[18] == V1_TRANSACTION);
		size_t covered = p2 || last_blk < IKE_HDR_LEN + 32 ? last_blk : IKE_HDR_LEN + 32;
		memmove(q, q + 1, --qn * sizeof(q[0]));
		unsigned keep = qn;
		for (size_t pos = 0; pos < d->len; pos++) {
			ike_input(eng[d->to], &d->dst, &d->from, d->b, pos, now);
			inputs++;
			if ((pos >= 16 && pos < IKE_HDR_LEN) || (enc && pos < covered)) {
				memcpy(m, d->b, d->len);
				m[pos] ^= 0x5a;
				ike_input(eng[d->to], &d->dst, &d->from, m, d->len, now);
				inputs++;
			}
			while (qn > keep)
				free(q[--qn]);
		}
		ike_input(eng[d->to], &d->dst, &d->from, d->b, d->len, now);
		free(d);
		now += 10;
	}
	CU_ASSERT(inputs > 1000);
	CU_ASSERT_EQUAL(ike_ups[0], 1);
	CU_ASSERT_EQUAL(ike_ups[1], 1);
	CU_ASSERT_EQUAL(ups[0], 1);
	CU_ASSERT_EQUAL(ups[1], 1);
	agree();
	teardown();
}

static void
test_mutation_lockstep(void)
{
	lockstep_case(false, false);
	lockstep_case(true, false);
	lockstep_case(false, true);	/* XAUTH and Mode Config too */
}

int
main(void)
{
	static const struct unit_test t[] = {
		{ "SKEYID, SKEYID_d/a/e, IVs, HASH_I/R, NAT-D, KEYMAT: known answers", test_kat },
		{ "3DES and SHA-1 (named explicitly): expanded key, 8-byte IVs; IKEv1 only",
		  test_kat_3des_sha1 },
		{ "main mode, quick mode rekeys, phase 1 re-established, delete", test_main_mode },
		{ "aggressive mode, the same", test_aggressive },
		{ "lost, duplicated, reordered datagrams", test_lossy },
		{ "IKEv1 fragments, lost and duplicated", test_frag },
		{ "aggressive mode refused unless the responder enables it",
		  test_aggressive_refused },
		{ "dead peer found by DPD (RFC 3706)", test_dead_peer },
		{ "INITIAL-CONTACT from a restarted peer replaces the old SAs",
		  test_initial_contact },
		{ "eight ISAKMP SAs begun at once: INITIAL-CONTACT on none, all done",
		  test_parallel },
		{ "the shorter lifetime wins: RESPONDER-LIFETIME, a shorter offer",
		  test_lifetimes },
		{ "every message replayed, flipped and cut afterwards: no state change",
		  test_mutation_after },
		{ "damaged copies before each message in lock-step (with XAUTH and Mode Config "
		  "too): the exchange completes",
		  test_mutation_lockstep },
		{ NULL, NULL },
	};

	espgw_log_level = getenv("V1_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERR;
	return unit_run("ike-v1", t);
}
