/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data-plane logic that needs no EAL: the length an ESP packet must have,
 * ESP in UDP turned back into ESP (RFC 3948), and lifetime accounting
 * (RFC 4301 4.4.2.1), each against a model written here from the RFCs;
 * the inbound SPI index against a plain list.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "dataplane/pkt_checks.h"
#include "dataplane/sa_life.h"
#include "dataplane/spi_index.h"
#include "tests/unit/unit.h"

/* RFC 4303 2: SPI, sequence, IV, at least padding length and next header,
 * ICV; the ciphertext (padding included) a multiple of the block size */
static bool
model_len_ok(uint32_t plen, uint32_t iv, uint32_t icv)
{
	uint32_t block = iv == 16 ? 16 : 4;

	if (plen < 8 + iv + 2 + icv)
		return false;
	return (plen - 8 - iv - icv) % block == 0;
}

static void
test_esp_len(void)
{
	/* GCM and ChaCha20 (IV 8, ICV 16), CBC+HMAC-SHA256 (IV 16, ICV 16) */
	static const uint32_t shapes[][2] = { { 8, 16 }, { 16, 16 }, { 8, 12 } };

	for (unsigned s = 0; s < 3; s++)
		for (uint32_t plen = 0; plen < 300; plen++)
			CU_ASSERT_EQUAL(pkt_esp_len_ok(plen, shapes[s][0], shapes[s][1]),
					model_len_ok(plen, shapes[s][0], shapes[s][1]));
	CU_ASSERT(!pkt_esp_len_ok(8 + 8 + 16, 8, 16));	/* no trailer */
	CU_ASSERT(pkt_esp_len_ok(8 + 8 + 4 + 16, 8, 16));
	CU_ASSERT(!pkt_esp_len_ok(8 + 16 + 8 + 16, 16, 16));	/* half a block */
	CU_ASSERT(pkt_esp_len_ok(8 + 16 + 16 + 16, 16, 16));
	CU_ASSERT(!pkt_esp_len_ok(UINT32_MAX, 8, 16) || (UINT32_MAX - 32) % 4 == 0);
}

/* IPv4 (or IPv6) + UDP to 4500 + payload; returns the length */
static uint32_t
udp_packet(uint8_t *p, int family, uint16_t dport, const uint8_t *pl, uint32_t pl_len,
	   uint16_t frag)
{
	uint32_t hl = family == AF_INET ? 20 : 40;
	struct rte_udp_hdr *u = (void *)(p + hl);

	memset(p, 0, hl + 8);
	if (family == AF_INET) {
		struct rte_ipv4_hdr *ip = (void *)p;
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16(hl + 8 + pl_len);
		ip->fragment_offset = rte_cpu_to_be_16(frag);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = RTE_BE32(0xc6120002);
		ip->dst_addr = RTE_BE32(0xc6120001);
	} else {
		struct rte_ipv6_hdr *ip6 = (void *)p;
		ip6->vtc_flow = RTE_BE32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(8 + pl_len);
		ip6->proto = IPPROTO_UDP;
		ip6->hop_limits = 64;
		ip6->src_addr[0] = ip6->dst_addr[0] = 0xfd;
	}
	u->src_port = RTE_BE16(4500);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16(8 + pl_len);
	memcpy(p + hl + 8, pl, pl_len);
	return hl + 8 + pl_len;
}

static void
test_natt_strip(void)
{
	uint8_t esp[64], pkt[256], ref[256];
	static const uint8_t marker[] = { 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t keepalive[] = { 0xff };

	for (unsigned i = 0; i < sizeof(esp); i++)
		esp[i] = (uint8_t)(0x11 + i);
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		uint32_t hl = f ? 40 : 20, len = udp_packet(pkt, family, 4500, esp, 64, 0);

		memcpy(ref, pkt, len);
		CU_ASSERT_EQUAL_FATAL(pkt_natt_strip(pkt, len, family, hl), 0);
		/* the packet now starts 8 bytes later: an IP header, then the ESP */
		CU_ASSERT(memcmp(pkt + 8 + hl, esp, 64) == 0);
		if (family == AF_INET) {
			const struct rte_ipv4_hdr *ip = (const void *)(pkt + 8);
			CU_ASSERT_EQUAL(ip->next_proto_id, IPPROTO_ESP);
			CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip->total_length), hl + 64);
			CU_ASSERT(ip->src_addr == ((const struct rte_ipv4_hdr *)ref)->src_addr);
		} else {
			const struct rte_ipv6_hdr *ip6 = (const void *)(pkt + 8);
			CU_ASSERT_EQUAL(ip6->proto, IPPROTO_ESP);
			CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip6->payload_len), 64);
		}
		/* not ESP in UDP: left exactly as it was */
		struct { const uint8_t *pl; uint32_t len; uint16_t dport, frag; uint32_t cut; int dlen; } no[] = {
			{ marker, sizeof(marker), 4500, 0, 0, 0 },	/* IKE: zero marker */
			{ keepalive, 1, 4500, 0, 0, 0 },		/* NAT keepalive */
			{ esp, 64, 500, 0, 0, 0 },			/* not port 4500 */
			{ esp, 64, 4500, 0x2000, 0, 0 },		/* a fragment (IPv4) */
			{ esp, 64, 4500, 0, 1, 0 },			/* UDP length too long */
			{ esp, 64, 4500, 0, 0, -1 },			/* UDP length too short */
			{ esp, 4, 4500, 0, 0, 0 },			/* shorter than 8 */
		};
		for (unsigned k = 0; k < sizeof(no) / sizeof(no[0]); k++) {
			if (no[k].frag && family == AF_INET6)
				continue;
			len = udp_packet(pkt, family, no[k].dport, no[k].pl, no[k].len, no[k].frag);
			if (no[k].dlen) {
				struct rte_udp_hdr *u = (void *)(pkt + hl);
				u->dgram_len = rte_cpu_to_be_16(8 + no[k].len - 1);
			}
			len -= no[k].cut;
			memcpy(ref, pkt, len);
			CU_ASSERT_EQUAL(pkt_natt_strip(pkt, len, family, hl), -1);
			CU_ASSERT(memcmp(ref, pkt, len) == 0);
		}
	}
	/* IPv6 with extension headers before UDP: not decapsulated */
	{
		uint32_t len = udp_packet(pkt, AF_INET6, 4500, esp, 64, 0);
		CU_ASSERT_EQUAL(pkt_natt_strip(pkt, len, AF_INET6, 48), -1);
	}
}

/* the accounting, written again: totals, the hard packet limit exact, the
 * bytes limit letting the crossing burst through, each event once */
struct life_model {
	uint64_t packets, bytes;
	bool soft, hard;
};

static unsigned
model_take(const struct sa_limits *l, struct life_model *m, unsigned n, uint64_t bytes,
	   bool *soft, bool *hard)
{
	unsigned ok = n;

	if (l->hard_packets && m->packets + n > l->hard_packets)
		ok = m->packets >= l->hard_packets ? 0 : (unsigned)(l->hard_packets - m->packets);
	if (l->hard_bytes && m->bytes >= l->hard_bytes)
		ok = 0;
	m->packets += n;
	m->bytes += bytes;
	*soft = !m->soft && ((l->soft_packets && m->packets >= l->soft_packets) ||
			     (l->soft_bytes && m->bytes >= l->soft_bytes));
	*hard = !m->hard && ((l->hard_packets && m->packets >= l->hard_packets) ||
			     (l->hard_bytes && m->bytes >= l->hard_bytes));
	m->soft |= *soft;
	m->hard |= *hard;
	return ok;
}

static void
test_life(void)
{
	struct lifetime lt = { 0 };
	struct sa_limits l;

	/* outbound without ESN: the sequence space is the hard limit */
	sa_life_limits(&l, &lt, true, false);
	CU_ASSERT_EQUAL(l.hard_packets, UINT32_MAX);
	CU_ASSERT(l.hard_is_seq);
	CU_ASSERT_EQUAL(l.soft_packets, UINT32_MAX - UINT32_MAX / 16);
	sa_life_limits(&l, &lt, true, true);
	CU_ASSERT(!sa_life_any(&l));
	sa_life_limits(&l, &lt, false, false);
	CU_ASSERT(!sa_life_any(&l));
	lt.hard_packets = 10;
	lt.soft_packets = 1ull << 40;
	sa_life_limits(&l, &lt, true, false);
	CU_ASSERT_EQUAL(l.hard_packets, 10);
	CU_ASSERT(!l.hard_is_seq);
	CU_ASSERT_EQUAL(l.soft_packets, UINT32_MAX - UINT32_MAX / 16);

	/* random limits and bursts against the model, shared (atomic) and not */
	srand(4301);
	for (int round = 0; round < 4000; round++) {
		bool shared = round % 2;
		struct dp_sa_life c = { 0 };
		struct life_model m = { 0 };
		memset(&l, 0, sizeof(l));
		if (rand() % 2)
			l.hard_packets = 1 + rand() % 200;
		if (rand() % 2)
			l.soft_packets = 1 + rand() % 200;
		if (rand() % 2)
			l.hard_bytes = 1 + rand() % 20000;
		if (rand() % 2)
			l.soft_bytes = 1 + rand() % 20000;
		for (int b = 0; b < 40; b++) {
			unsigned n = rand() % 33;
			uint64_t bytes = n * (uint64_t)(40 + rand() % 1400);
			bool s1, h1, s2, h2;
			unsigned ok = sa_life_account(&l, &c, n, bytes, shared, &s1, &h1);
			unsigned ref = model_take(&l, &m, n, bytes, &s2, &h2);
			CU_ASSERT_EQUAL(ok, ref);
			CU_ASSERT_EQUAL(s1, s2);
			CU_ASSERT_EQUAL(h1, h2);
			CU_ASSERT(ok <= n);
		}
		CU_ASSERT_EQUAL(c.packets, m.packets);
		CU_ASSERT_EQUAL(c.bytes, m.bytes);
	}
}

/*
 * Random adds and deletes on a small index (so runs wrap around its end
 * and SPIs collide and repeat), each followed by a check of every SPI's
 * SAs against a plain list: backward-shift deletion must neither lose
 * nor hide an entry.
 */
static void
test_spi_index(void)
{
	enum { MAX = 24, NSPI = 40, OPS = 200000 };
	struct { uint32_t spi; uintptr_t sa; } model[MAX];
	unsigned nm = 0;
	struct spi_index *x = malloc(spi_index_size(MAX));
	uintptr_t next_sa = 1;

	spi_index_init(x, MAX);
	srand(7);
	for (unsigned op = 0; op < OPS; op++) {
		if (nm < MAX && (nm == 0 || rand() % 2)) {
			/* SPIs from a small range, some above 2^31 */
			uint32_t spi = (uint32_t)(rand() % NSPI) * 0x0b000001u;
			CU_ASSERT_EQUAL_FATAL(spi_index_add(x, spi, 0, (void *)next_sa), 0);
			model[nm].spi = spi;
			model[nm++].sa = next_sa++;
		} else {
			unsigned k = rand() % nm;
			CU_ASSERT_EQUAL_FATAL(spi_index_del(x, model[k].spi, (void *)model[k].sa), 0);
			CU_ASSERT_EQUAL(spi_index_del(x, model[k].spi, (void *)model[k].sa), -1);
			model[k] = model[--nm];
		}
		CU_ASSERT_EQUAL_FATAL(x->n, nm);
		for (uint32_t s = 0; s < NSPI; s++) {
			uint32_t spi = s * 0x0b000001u, pos = spi_index_slot(x, spi);
			unsigned found = 0, want = 0;
			const struct spi_ent *e;
			while ((e = spi_index_next(x, spi, &pos)) != NULL) {
				bool in = false;
				for (unsigned i = 0; i < nm; i++)
					in |= model[i].spi == spi && model[i].sa == (uintptr_t)e->sa;
				CU_ASSERT_FATAL(in);
				found++;
			}
			for (unsigned i = 0; i < nm; i++)
				want += model[i].spi == spi;
			CU_ASSERT_EQUAL_FATAL(found, want);
		}
	}
	/* full: refused */
	while (nm < MAX) {
		CU_ASSERT_EQUAL(spi_index_add(x, 1, 0, (void *)next_sa++), 0);
		nm++;
	}
	CU_ASSERT_EQUAL(spi_index_add(x, 1, 0, (void *)next_sa), -1);
	free(x);
}

int
main(void)
{
	static const struct unit_test tests[] = {
		{ "ESP length for the SA (RFC 4303 2)", test_esp_len },
		{ "ESP in UDP back to ESP (RFC 3948 2.2, 3.2)", test_natt_strip },
		{ "lifetime accounting against a model (RFC 4301 4.4.2.1)", test_life },
		{ "inbound SPI index against a list", test_spi_index },
		{ NULL, NULL },
	};

	return unit_run("dp", tests);
}
