/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_launch.h>
#include <rte_udp.h>

#include "common/config.h"
#include "common/log.h"
#include "control/ctl.h"
#include "control/msgs.h"
#include "control/sa_mgr.h"
#include "tests/dp/dp_harness.h"

#define MAX_SAS 64

unsigned dph_outside_mtu;

static struct {
	struct dph_sa *sa;
	unsigned n;
	struct dp_worker *w;
} h;

static void
sa_keys(unsigned i, uint8_t *enc, uint8_t *auth)
{
	for (unsigned j = 0; j < 36; j++)
		enc[j] = (uint8_t)(i * 7 + j + 1);
	for (unsigned j = 0; j < 32; j++)
		auth[j] = (uint8_t)(i * 11 + j + 0x40);
}

static void
hex(char *out, const uint8_t *k, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", k[i]);
}

char *
dph_config_text(void)
{
	size_t cap = 8192 + h.n * 512, off;
	char *t = malloc(cap);
	/* the engine under test: the default unless the test names another */
	const char *eng = getenv("ESPGW_DPH_ENGINE") ? getenv("ESPGW_DPH_ENGINE") : "native";

	off = snprintf(t, cap,
		"workers: 1\ncrypto_engine: %s\nmax_sas: 256\n"
		"mgmt_socket: /tmp/espgw-dph.%d.sock\n"
		"eal: { file_prefix: espgw-dph-%d, hugepages: false, memory_mb: 1024 }\n"
		"ports:\n"
		"  - { name: inside, devargs: net_null0, addresses: [198.18.1.1/24, fd00:1::1/64] }\n"
		"  - { name: outside, devargs: net_null1, mtu: %u, addresses: [198.18.0.1/24, fd00::1/64] }\n"
		"routes:\n  - { prefix: 198.18.2.0/23, via: 198.18.0.2, port: outside }\n"
		"  - { prefix: 'fd00:2::/64', via: 'fd00::2', port: outside }\n"
		"sas:\n"
		"  - { name: out4, direction: outbound, spi: 0x3000, algorithm: aes-gcm-128,"
		" key: 0x0102030405060708090a0b0c0d0e0f1011121314, local: 198.18.0.1,"
		" remote: 198.18.0.2 }\n",
		eng, (int)getpid(), (int)getpid(), dph_outside_mtu ? dph_outside_mtu : 1500);
	for (unsigned i = 0; i < h.n; i++) {
		const struct esp_alg_info *ai = &esp_alg_info[esp_alg_by_name(h.sa[i].alg)];
		uint8_t ek[36], ak[32];
		char eks[80], aks[80] = "";

		sa_keys(i, ek, ak);
		hex(eks, ek, ai->enc_key_len);
		if (ai->auth_key_len)
			hex(aks, ak, ai->auth_key_len);
		h.sa[i].spi = 0x1000 + i;
		off += snprintf(t + off, cap - off,
			"  - { name: in%u, direction: inbound, spi: %u, algorithm: %s, key: 0x%s,"
			"%s%s%s local: 198.18.0.1, remote: 198.18.0.2, replay_window: %u,"
			" esn: %s, selector: { dst: 198.18.1.0/24 } }\n",
			i, h.sa[i].spi, h.sa[i].alg, eks, aks[0] ? " auth_key: 0x" : "", aks,
			aks[0] ? "," : "", h.sa[i].window, h.sa[i].esn ? "true" : "false");
	}
	snprintf(t + off, cap - off, "policies:\n"
		 "  - { name: p4, src: 198.18.1.0/24, dst: 198.18.2.0/23, action: protect, sa: out4 }\n"
		 "  - { name: b6, src: 'fd00:1::/64', dst: 'fd00:2::/64', action: bypass }\n");
	return t;
}

static void
neigh(uint16_t port, int family, const char *addr)
{
	struct ip_addr a = { .family = family };
	struct rte_ether_addr mac = { { 2, 0, 0, 0, 0, (uint8_t)(port + 1) } };

	if (inet_pton(family, addr, a.a) != 1 || dp_neigh_set(port, &a, &mac) < 0) {
		fprintf(stderr, "dph: neighbour %s\n", addr);
		exit(1);
	}
}

void
dph_init(const char *argv0, struct dph_sa *sas, unsigned n)
{
	struct espgw_config *c;
	char err[512], *text;

	if (n > MAX_SAS)
		exit(1);
	h.sa = sas;
	h.n = n;
	espgw_log_level = LOG_LVL_WARN;
	text = dph_config_text();
	c = config_load_string(text, "<dph>", err, sizeof(err));
	free(text);
	if (c == NULL) {
		fprintf(stderr, "dph: %s\n", err);
		exit(1);
	}
	if (dp_init(c, argv0) < 0 || ctl_init_tables(c, err, sizeof(err)) < 0 ||
	    dp_start() < 0 || ctl_apply(c, err, sizeof(err)) < 0) {
		fprintf(stderr, "dph: setup failed: %s\n", err);
		exit(1);
	}
	/* applied through the rings; then this thread drives the pipeline */
	ctl_quit();
	rte_eal_mp_wait_lcore();
	h.w = dp.w[0];
	neigh(DPH_PORT_INSIDE, AF_INET, "198.18.1.2");
	neigh(DPH_PORT_OUTSIDE, AF_INET, "198.18.0.2");
	neigh(DPH_PORT_INSIDE, AF_INET6, "fd00:1::2");
	neigh(DPH_PORT_OUTSIDE, AF_INET6, "fd00::2");
	for (unsigned i = 0; i < n; i++) {
		char name[16];
		int id;

		snprintf(name, sizeof(name), "in%u", i);
		id = ctl_find_sa(name);
		if (id < 0) {
			fprintf(stderr, "dph: SA %s missing\n", name);
			exit(1);
		}
		sas[i].effective_window = dp_sa_replay_window(ctl.sa[id].dp);
	}
}

static void
ip4_header(uint8_t *p, uint16_t len, uint8_t proto, uint32_t src, uint32_t dst)
{
	struct rte_ipv4_hdr *ip = (void *)p;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

struct rte_mbuf *
dph_esp_payload(unsigned i, uint64_t seq, const uint8_t *inner, unsigned inner_len,
		uint8_t nh, bool forged)
{
	const struct dph_sa *s = &h.sa[i];
	enum esp_alg alg = esp_alg_by_name(s->alg);
	bool gcm = alg == ESP_ALG_AES_GCM_128;
	unsigned ivl = gcm ? 8 : 16, align = gcm ? 4 : 16;
	uint8_t ek[36], ak[32], pt[DPH_MAX_INNER + 32], *p, *esp, iv[16], icv[32];
	unsigned ptl, pad, len;
	uint32_t hi = rte_cpu_to_be_32((uint32_t)(seq >> 32));
	uint32_t lo = rte_cpu_to_be_32((uint32_t)seq), spi = rte_cpu_to_be_32(s->spi);
	struct rte_mbuf *m = rte_pktmbuf_alloc(h.w->pool);
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int l;

	if (m == NULL || cx == NULL)
		abort();
	if (inner_len > DPH_MAX_INNER)
		inner_len = DPH_MAX_INNER;
	sa_keys(i, ek, ak);
	memcpy(pt, inner, inner_len);
	/* RFC 4303 2.4: pad 1, 2, 3...; then pad length and next header */
	ptl = inner_len + 2;
	pad = (align - ptl % align) % align;
	for (unsigned k = 0; k < pad; k++)
		pt[inner_len + k] = (uint8_t)(k + 1);
	pt[inner_len + pad] = (uint8_t)pad;
	pt[inner_len + pad + 1] = nh;
	ptl += pad;

	len = 14 + 20 + 8 + ivl + ptl + 16;
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	if (p == NULL)
		abort();
	memset(p, 0, 12);
	p[6] = 2;
	p[12] = 0x08;
	p[13] = 0x00;
	ip4_header(p + 14, len - 14, IPPROTO_ESP, IP4(198, 18, 0, 2), IP4(198, 18, 0, 1));
	esp = p + 34;
	memcpy(esp, &spi, 4);
	memcpy(esp + 4, &lo, 4);
	for (unsigned k = 0; k < ivl; k++)
		iv[k] = (uint8_t)(seq >> (8 * (k % 8))) ^ (uint8_t)k;
	memcpy(esp + 8, iv, ivl);
	if (gcm) {
		/* RFC 4106: nonce = salt | IV; AAD = SPI | [seq hi] | seq lo */
		uint8_t nonce[12], aad[12];
		unsigned al = 0;
		memcpy(nonce, ek + 16, 4);
		memcpy(nonce + 4, iv, 8);
		memcpy(aad, &spi, 4);
		al = 4;
		if (s->esn) {
			memcpy(aad + al, &hi, 4);
			al += 4;
		}
		memcpy(aad + al, &lo, 4);
		al += 4;
		if (EVP_EncryptInit_ex(cx, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
		    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
		    EVP_EncryptInit_ex(cx, NULL, NULL, ek, nonce) != 1 ||
		    EVP_EncryptUpdate(cx, NULL, &l, aad, al) != 1 ||
		    EVP_EncryptUpdate(cx, esp + 8 + ivl, &l, pt, ptl) != 1 ||
		    EVP_EncryptFinal_ex(cx, esp + 8 + ivl + ptl, &l) != 1 ||
		    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, 16, icv) != 1)
			abort();
	} else {
		/* RFC 3602 + RFC 4868; ESN: the high half is authenticated, not sent */
		uint8_t mac_in[DPH_MAX_INNER + 96];
		unsigned ml;
		unsigned int hl = 0;
		if (EVP_EncryptInit_ex(cx, EVP_aes_128_cbc(), NULL, ek, iv) != 1 ||
		    EVP_CIPHER_CTX_set_padding(cx, 0) != 1 ||
		    EVP_EncryptUpdate(cx, esp + 8 + ivl, &l, pt, ptl) != 1 ||
		    EVP_EncryptFinal_ex(cx, esp + 8 + ivl + ptl, &l) != 1)
			abort();
		ml = 8 + ivl + ptl;
		memcpy(mac_in, esp, ml);
		if (s->esn) {
			memcpy(mac_in + ml, &hi, 4);
			ml += 4;
		}
		if (HMAC(EVP_sha256(), ak, 32, mac_in, ml, icv, &hl) == NULL)
			abort();
	}
	EVP_CIPHER_CTX_free(cx);
	if (forged)
		icv[seq % 16] ^= 0x80;
	memcpy(esp + 8 + ivl + ptl, icv, 16);
	return m;
}

struct rte_mbuf *
dph_esp(unsigned i, uint64_t seq, uint32_t tag, bool forged)
{
	uint8_t pt[36];
	struct rte_udp_hdr *u = (void *)(pt + 20);

	/* the inner packet: remote host -> inside host, UDP, tag as payload */
	ip4_header(pt, sizeof(pt), IPPROTO_UDP, IP4(198, 18, 2, 1), IP4(198, 18, 1, 2));
	u->src_port = rte_cpu_to_be_16(1000);
	u->dst_port = rte_cpu_to_be_16(9);
	u->dgram_len = rte_cpu_to_be_16(16);
	u->dgram_cksum = 0;
	memcpy(pt + 28, &tag, 4);
	memcpy(pt + 32, &i, 4);
	return dph_esp_payload(i, seq, pt, sizeof(pt), IPPROTO_IPIP, forged);
}

/* Let the stopped worker and the control thread exchange their messages. */
void
dph_pump(void)
{
	bool quit = false;

	for (unsigned k = 0; k < 1000 && (k == 0 || ctl.in_flight > 0); k++) {
		worker_msgs(h.w, &quit);
		ctl_poll_rings();
	}
}

void
dph_reset(void)
{
	char err[256];

	for (unsigned i = 0; i < h.n; i++) {
		char name[16];
		struct sa_desc d;
		int id;

		snprintf(name, sizeof(name), "in%u", i);
		id = ctl_find_sa(name);
		if (id < 0)
			abort();
		d = *config_find_sa(ctl.cfg, name);
		if (ctl_sa_del(name, err, sizeof(err)) < 0)
			abort();
		dph_pump();
		if (ctl_sa_add(&d, err, sizeof(err)) < 0) {
			fprintf(stderr, "dph: re-adding %s: %s\n", name, err);
			abort();
		}
		dph_pump();
	}
}

struct rte_mbuf *
dph_frame(const uint8_t *data, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(h.w->pool);

	if (m == NULL)
		abort();
	if (len > rte_pktmbuf_tailroom(m))
		len = rte_pktmbuf_tailroom(m);
	memcpy(rte_pktmbuf_append(m, len), data, len);
	return m;
}

void
dph_burst(uint16_t port, struct rte_mbuf **m, unsigned n, struct dph_out *out)
{
	struct dp_worker *w = h.w;
	struct rte_mbuf *punt[DP_BURST * 4];
	uint64_t before[ESPGW_DROP_MAX];
	unsigned k;

	memset(out, 0, sizeof(*out));
	memcpy(before, w->ctr.drops, sizeof(before));
	worker_burst(w, port, m, (uint16_t)n);
	for (unsigned p = 0; p < 2; p++)
		out->n_tx[p] = w->tx[p].n;
	for (unsigned i = 0; i < w->tx[DPH_PORT_INSIDE].n; i++) {
		struct rte_mbuf *t = w->tx[DPH_PORT_INSIDE].m[i];
		const uint8_t *d = rte_pktmbuf_mtod(t, const uint8_t *);
		if (rte_pktmbuf_data_len(t) >= 14 + 28 + 4)
			memcpy(&out->tags[i], d + 14 + 28, 4);
	}
	worker_flush(w);
	for (unsigned i = 0; i < ESPGW_DROP_MAX; i++)
		out->drops[i] = w->ctr.drops[i] - before[i];
	while ((k = dp_punt_dequeue(punt, RTE_DIM(punt))) > 0) {
		out->punted += k;
		rte_pktmbuf_free_bulk(punt, k);
	}
}
