/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SA manager's diff on reload (control/sa_mgr.c ctl_apply), on the
 * real SA manager and worker in one process (tests/dp/dp_harness): an
 * unchanged SA keeps its data-plane SA (counters, windows), a changed one
 * (a key, an address, a lifetime) is replaced, a removed one goes, a new
 * one comes; IKE's SAs survive a reload; the descriptors the control
 * thread keeps hold no keys; a flow's cached SPD decision follows a reload;
 * an IPv6 policy's protocol and ports are those past extension headers;
 * a burst whose fragments over several SAs overflow the seal queue is
 * sealed in two passes, every frame accounted for.
 */
#include <stdio.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "control/ctl.h"
#include "control/sa_mgr.h"
#include "tests/dp/dp_harness.h"
#include "tests/unit/unit.h"

static struct dph_sa sas[] = {
	{ "aes-gcm-128", 64, false, 0, 0 },
	{ "aes-cbc-128-sha256", 128, true, 0, 0 },
	{ "aes-gcm-128", 1024, false, 0, 0 },
};
#define NSA (sizeof(sas) / sizeof(sas[0]))

static const char *prog;
static char *text;		/* the file as edited so far */

/* the file with `from` replaced by `to` (once), loaded */
static struct espgw_config *
edited(const char *from, const char *to)
{
	char *p, *n, err[512];
	struct espgw_config *c;

	if (text == NULL)
		text = dph_config_text();
	p = from ? strstr(text, from) : NULL;
	CU_ASSERT_FATAL(from == NULL || p != NULL);
	if (p) {
		n = malloc(strlen(text) + strlen(to) + 1);
		memcpy(n, text, p - text);
		strcpy(n + (p - text), to);
		strcat(n, p + strlen(from));
		free(text);
		text = n;
	}
	c = config_load_string(text, "<reload>", err, sizeof(err));
	if (c == NULL)
		fprintf(stderr, "reload config: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

static void
apply(struct espgw_config *c)
{
	char err[256];

	CU_ASSERT_EQUAL_FATAL(ctl_apply(c, err, sizeof(err)), 0);
	dph_pump();
	CU_ASSERT_EQUAL(ctl.in_flight, 0);
	config_free(c);		/* the SA manager keeps copies, not the file */
}

static struct dp_sa *
handle(const char *name)
{
	int id = ctl_find_sa(name);

	return id < 0 ? NULL : ctl.sa[id].dp;
}

static bool
keys_wiped(const char *name)
{
	static const uint8_t zero[MAX_KEY_LEN];
	int id = ctl_find_sa(name);

	return id >= 0 && !memcmp(ctl.sa[id].desc.enc_key, zero, MAX_KEY_LEN) &&
	       !memcmp(ctl.sa[id].desc.auth_key, zero, MAX_KEY_LEN);
}

static void
test_diff(void)
{
	struct dp_sa *in0, *in1, *in2, *out4;

	dph_outside_mtu = 576;	/* test_seal_queue_overflow fragments to it */
	dph_init(prog, sas, NSA);
	in0 = handle("in0");
	in1 = handle("in1");
	in2 = handle("in2");
	out4 = handle("out4");
	CU_ASSERT_FATAL(in0 && in1 && in2 && out4);
	for (unsigned i = 0; i < NSA; i++) {
		char n[8];
		snprintf(n, sizeof(n), "in%u", i);
		CU_ASSERT(keys_wiped(n));
	}
	CU_ASSERT(keys_wiped("out4"));

	/* the same file again: nothing replaced */
	apply(edited(NULL, NULL));
	CU_ASSERT(handle("in0") == in0 && handle("in1") == in1 && handle("in2") == in2 &&
		  handle("out4") == out4);

	/* the outbound SA's key changed (same length): replaced, the rest kept */
	apply(edited("key: 0x0102030405060708090a0b0c0d0e0f1011121314",
		     "key: 0x0102030405060708090a0b0c0d0e0f1011121315"));
	CU_ASSERT_PTR_NOT_NULL(handle("out4"));
	CU_ASSERT(handle("out4") != out4);
	CU_ASSERT(keys_wiped("out4"));
	CU_ASSERT(handle("in0") == in0 && handle("in1") == in1 && handle("in2") == in2);
	out4 = handle("out4");

	/* a window changed: that SA replaced */
	apply(edited("replay_window: 1024", "replay_window: 2048"));
	CU_ASSERT(handle("in2") != in2 && handle("in2") != NULL);
	CU_ASSERT(handle("in0") == in0 && handle("in1") == in1 && handle("out4") == out4);
	in2 = handle("in2");

	/* an SA IKE made (dynamic) is not the file's to remove */
	{
		struct sa_desc d = *config_find_sa(ctl.cfg, "in0");
		char err[256];
		int id;
		snprintf(d.name, sizeof(d.name), "ike-made");
		d.spi = 0x7777;
		id = ctl_sa_add(&d, err, sizeof(err));
		CU_ASSERT_FATAL(id >= 0);
		ctl.sa[id].dynamic = true;
		dph_pump();
	}
	/* in1 removed from the file, a new one added, the rest as it was */
	apply(edited("  - { name: in1,", "  - { name: in7,"));
	CU_ASSERT_PTR_NULL(handle("in1"));
	CU_ASSERT_PTR_NOT_NULL(handle("in7"));
	CU_ASSERT(keys_wiped("in7"));
	CU_ASSERT(handle("in0") == in0 && handle("in2") != NULL && handle("out4") == out4);
	CU_ASSERT_PTR_NOT_NULL(handle("ike-made"));
}

/* one UDP packet from the inside host to a host behind the remote gateway */
static void
send_inside(struct dph_out *o)
{
	uint8_t f[14 + 20 + 8 + 4] = { 0 };
	struct rte_ipv4_hdr *ip = (void *)(f + 14);
	struct rte_mbuf *m;

	f[12] = 0x08;
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(sizeof(f) - 14);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(0xc6120102);	/* 198.18.1.2 */
	ip->dst_addr = rte_cpu_to_be_32(0xc6120202);	/* 198.18.2.2 */
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	f[34 + 1] = 9;
	f[34 + 3] = 9;
	f[34 + 5] = 12;
	m = dph_frame(f, sizeof(f));
	dph_burst(DPH_PORT_INSIDE, &m, 1, o);
}

/*
 * The worker's flow cache remembers the SPD's decision per 5-tuple: a
 * reload that changes the policy (or its SA) must change what the same
 * flow gets at once.
 */
static void
test_flow_follows_reload(void)
{
	struct dph_out o;

	send_inside(&o);
	CU_ASSERT_EQUAL(o.n_tx[DPH_PORT_OUTSIDE], 1);
	send_inside(&o);	/* the second one from the cache */
	CU_ASSERT_EQUAL(o.n_tx[DPH_PORT_OUTSIDE], 1);
	apply(edited("action: protect, sa: out4 }", "action: discard }"));
	send_inside(&o);
	CU_ASSERT_EQUAL(o.n_tx[DPH_PORT_OUTSIDE], 0);
	CU_ASSERT_EQUAL(o.drops[ESPGW_DROP_SPD_DISCARD], 1);
	apply(edited("action: discard }", "action: bypass }"));
	send_inside(&o);
	CU_ASSERT_EQUAL(o.n_tx[DPH_PORT_OUTSIDE], 1);
	CU_ASSERT_EQUAL(o.drops[ESPGW_DROP_SPD_DISCARD], 0);
	/* back to protect, with a new outbound key: the new SA carries it */
	apply(edited("action: bypass }", "action: protect, sa: out4 }"));
	apply(edited("key: 0x0102030405060708090a0b0c0d0e0f1011121315",
		     "key: 0x0102030405060708090a0b0c0d0e0f1011121316"));
	send_inside(&o);
	CU_ASSERT_EQUAL(o.n_tx[DPH_PORT_OUTSIDE], 1);
	CU_ASSERT_EQUAL(o.drops[ESPGW_DROP_SPD_DISCARD], 0);
	free(text);
	text = NULL;
}

/*
 * RFC 4301 4.4.1.1: the "next layer protocol" selector is the upper-layer
 * protocol after IPv6 extension headers, and the ports are its ports. A
 * UDP packet behind a destination options header must match a UDP policy
 * (it did not while the SPD read the IPv6 header's next header: 60).
 */
static void
send6(struct dph_out *o, bool dstopts)
{
	uint8_t f[14 + 40 + 8 + 8 + 4] = { 0 };
	struct rte_ipv6_hdr *ip6 = (void *)(f + 14);
	uint8_t *l4 = f + 14 + 40;
	uint16_t len = sizeof(f) - 14 - 40 - (dstopts ? 0 : 8);
	struct rte_mbuf *m;

	f[12] = 0x86;
	f[13] = 0xdd;
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(len);
	ip6->hop_limits = 64;
	inet_pton(AF_INET6, "fd00:1::2", ip6->src_addr);
	inet_pton(AF_INET6, "fd00:2::2", ip6->dst_addr);
	if (dstopts) {
		ip6->proto = IPPROTO_DSTOPTS;
		l4[0] = IPPROTO_UDP;	/* next header; length 0: 8 bytes, PadN */
		l4[2] = 1;
		l4[3] = 4;
		l4 += 8;
	} else {
		ip6->proto = IPPROTO_UDP;
	}
	l4[1] = 7;			/* ports 7 -> 9, UDP length 12 */
	l4[3] = 9;
	l4[5] = 12;
	m = dph_frame(f, sizeof(f) - (dstopts ? 0 : 8));
	dph_burst(DPH_PORT_INSIDE, &m, 1, o);
}

static void
test_ipv6_upper_layer_selectors(void)
{
	struct dph_out o;

	apply(edited("dst: 'fd00:2::/64', action: bypass }",
		     "dst: 'fd00:2::/64', proto: udp, dport: 9, action: bypass }"));
	for (int d = 0; d < 2; d++) {
		send6(&o, d);
		CU_ASSERT_EQUAL(o.n_tx[DPH_PORT_OUTSIDE], 1);
		CU_ASSERT_EQUAL(o.drops[ESPGW_DROP_SPD_NO_MATCH], 0);
	}
	apply(edited("proto: udp, dport: 9, action: bypass }", "proto: udp, dport: 10, action: bypass }"));
	for (int d = 0; d < 2; d++) {
		send6(&o, d);
		CU_ASSERT_EQUAL(o.n_tx[DPH_PORT_OUTSIDE], 0);
		CU_ASSERT_EQUAL(o.drops[ESPGW_DROP_SPD_NO_MATCH], 1);
	}
	free(text);
	text = NULL;
}

/* 32 frames of 2020-byte IPv4 packets (no DF) from 198.18.1.2 to dst0 + i % ndst */
static void
frag_burst(struct rte_mbuf **m, uint32_t dst0, unsigned ndst)
{
	for (unsigned i = 0; i < 32; i++) {
		uint8_t f[14 + 2020] = { 0 };
		struct rte_ipv4_hdr *ip = (void *)(f + 14);
		f[12] = 0x08;
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16(2020);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = rte_cpu_to_be_32(0xc6120102);		/* 198.18.1.2 */
		ip->dst_addr = rte_cpu_to_be_32(dst0 + i % ndst);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		m[i] = dph_frame(f, sizeof(f));
		CU_ASSERT_PTR_NOT_NULL_FATAL(m[i]);
	}
}

/*
 * The native engine queues a burst's packets of all SAs and seals them in
 * one pass (ESP_SEAL_MAX at most). 32 packets of 2020 bytes, no DF, over
 * four SAs, to an MTU of 576 (the outside port's in these tests): 5
 * fragments each, 160 frames, so the queue
 * is sealed once mid-burst. The worker's TX buffer takes 128 per port per
 * loop: the rest are tx-full drops, and nothing else is lost.
 */
static void
test_seal_queue_overflow(void)
{
	struct rte_mbuf *m[32];
	struct dph_out o;
	char sas[1024] = "", pols[1024] = "";

	for (unsigned i = 0; i < 4; i++) {
		snprintf(sas + strlen(sas), sizeof(sas) - strlen(sas),
			 "  - { name: q%u, direction: outbound, spi: %u, algorithm: %s,"
			 " key: 0x%s, %s local: 198.18.0.1, remote: 198.18.0.2 }\n", i, 0x5000 + i,
			 i & 1 ? "aes-cbc-128-sha256" : "aes-gcm-128",
			 i & 1 ? "0102030405060708090a0b0c0d0e0f10" :
				 "0102030405060708090a0b0c0d0e0f1011121314",
			 i & 1 ? "auth_key: 0x0102030405060708090a0b0c0d0e0f10"
				 "1112131415161718191a1b1c1d1e1f20," : "");
		snprintf(pols + strlen(pols), sizeof(pols) - strlen(pols),
			 "  - { name: pq%u, src: 198.18.1.0/24, dst: 198.18.3.%u/32, action: protect,"
			 " sa: q%u, priority: 200 }\n", i, i + 1, i);
	}
	{
		char to[2048];
		snprintf(to, sizeof(to), "%spolicies:\n%s", sas, pols);
		apply(edited("policies:\n", to));
	}
	frag_burst(m, 0xc6120301, 4);
	dph_burst(DPH_PORT_INSIDE, m, 32, &o);
	/* 2000 bytes of payload in 496-byte pieces: 5 fragments each */
	CU_ASSERT_EQUAL(o.n_tx[DPH_PORT_OUTSIDE] + o.drops[ESPGW_DROP_TX_FULL], 160);
	CU_ASSERT_EQUAL(o.n_tx[DPH_PORT_OUTSIDE], 128);
	for (unsigned d = 0; d < ESPGW_DROP_MAX; d++)
		if (d != ESPGW_DROP_TX_FULL)
			CU_ASSERT_EQUAL(o.drops[d], 0);
	free(text);
	text = NULL;
}

/*
 * One SA group holds 64 frames after fragmentation before encryption: a
 * burst of 32 packets of 5 fragments each on one SA used to lose 20
 * packets as frag-failed; the group now sends what it has and goes on.
 */
static void
test_group_fragment_room(void)
{
	struct rte_mbuf *m[32];
	struct dph_out o;

	frag_burst(m, 0xc6120202, 1);	/* 198.18.2.2: out4 */
	dph_burst(DPH_PORT_INSIDE, m, 32, &o);
	CU_ASSERT_EQUAL(o.drops[ESPGW_DROP_FRAG_FAILED], 0);
	CU_ASSERT_EQUAL(o.n_tx[DPH_PORT_OUTSIDE] + o.drops[ESPGW_DROP_TX_FULL], 160);
}

int
main(int argc, char **argv)
{
	static const struct unit_test tests[] = {
		{ "reload: kept, replaced, removed, added; keys not kept", test_diff },
		{ "a flow's SPD decision follows a reload (flow cache)", test_flow_follows_reload },
		{ "IPv6: protocol and ports past extension headers", test_ipv6_upper_layer_selectors },
		{ "fragments on one SA: more than its group's room, none lost", test_group_fragment_room },
		{ "fragments over four SAs: the seal queue overflows once", test_seal_queue_overflow },
		{ NULL, NULL },
	};

	(void)argc;
	prog = argv[0];
	return unit_run("reload-diff", tests);
}
