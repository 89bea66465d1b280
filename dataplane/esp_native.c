/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The native engine: ESP (RFC 4303) framed here and sealed or opened by
 * Intel IPsec-MB directly: AES-GCM through its direct API, the others
 * through the job API, one job per packet, submitted back to back (a
 * burst's packets of all SAs outbound, an SA group's inbound) so the
 * multi-buffer lanes fill (as VPP's ipsecmb engine does). No cryptodev,
 * no crypto ops, no librte_ipsec.
 *
 * Per algorithm:
 *   AES-GCM (RFC 4106), ChaCha20-Poly1305 (RFC 7634): nonce = salt || IV,
 *     the IV is the 64-bit sequence number (unique per key, as 4106 3.1
 *     allows); AAD = SPI || seq (ESN: SPI || seq_hi || seq_lo).
 *   AES-CBC + HMAC-SHA-256-128 (RFC 3602, 4868): the IV is E_K(nonce)
 *     with the sequence number and SPI as the nonce (NIST SP 800-38A appendix C):
 *     the nonce block is written where the IV goes and encrypted in the
 *     same CBC pass under a zero IV, so its ciphertext is the IV of the
 *     rest. The ICV covers header, IV and ciphertext, plus seq_hi after
 *     them with ESN (4303 2.2.1), which is written where the ICV goes
 *     and overwritten by it.
 */
#include <intel-ipsec-mb.h>
#include <rte_esp.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "common/log.h"
#include "dataplane/worker.h"

/* an SA's expanded keys: one allocation, wiped when freed */
struct esp_nkey {
	union {
		struct gcm_key_data gcm;
		struct {
			uint8_t enc[16 * 15] __rte_aligned(16);
			uint8_t dec[16 * 15] __rte_aligned(16);
			uint8_t ipad[32] __rte_aligned(16);
			uint8_t opad[32] __rte_aligned(16);
		} cbc;
		uint8_t chacha[32];
	};
	uint8_t salt[4];
	uint8_t key_len;
	uint8_t cipher, hash;		/* IMB_CIPHER_MODE, IMB_HASH_ALG */
} __rte_cache_aligned;

/* one packet's crypto: where things are, and what its job points at */
struct njob {
	uint8_t iv[16];			/* nonce (AEAD) or zero IV (CBC seal) */
	uint8_t aad[12];
	uint8_t tag[16];		/* computed ICV (inbound; CBC+ESN seal) */
	uint8_t icv[16];		/* received ICV, inbound CBC+ESN */
	uint8_t *esp;			/* ESP header */
	uint8_t *icv_at;		/* where the ICV is in the packet */
	uint8_t *out;			/* where the computed ICV goes */
	const struct dp_sa_path *pa;	/* seal: the SA's path, read once */
	uint32_t ct_off;		/* cipher start, from esp */
	uint32_t ct_len, auth_len;	/* auth_len: what HMAC covers from esp */
	uint8_t aad_len;
	uint8_t state;			/* enum espgw_drop, 0: good so far */
};

/* the control thread's manager: key expansion and HMAC precomputes only */
static IMB_MGR *ctl_mgr;

static IMB_MGR *
mgr_new(void)
{
	IMB_MGR *m = alloc_mb_mgr(0);
	IMB_ARCH arch;

	if (m != NULL)
		init_mb_mgr_auto(m, &arch);
	return m;
}

int
esp_native_worker_init(struct dp_worker *w)
{
	w->mb = mgr_new();
	return w->mb != NULL ? 0 : -1;
}

void
esp_native_worker_fini(struct dp_worker *w)
{
	if (w->mb != NULL)
		free_mb_mgr(w->mb);
	w->mb = NULL;
}

static void
hmac_pads(IMB_MGR *m, const uint8_t *key, unsigned len, uint8_t *ipad, uint8_t *opad)
{
	uint8_t b[64];

	/* RFC 2104: keys up to the block size are padded with zeros */
	for (unsigned i = 0; i < 64; i++)
		b[i] = (i < len ? key[i] : 0) ^ 0x36;
	IMB_SHA256_ONE_BLOCK(m, b, ipad);
	for (unsigned i = 0; i < 64; i++)
		b[i] = (i < len ? key[i] : 0) ^ 0x5c;
	IMB_SHA256_ONE_BLOCK(m, b, opad);
	explicit_bzero(b, sizeof(b));
}

/* the cache lines of bytes [off, off + len) of an esp_nkey, as bits */
#define LINES_AT(off, len) \
	(((2u << (((off) + (len) - 1) / RTE_CACHE_LINE_SIZE)) - 1) & \
	 ~((1u << ((off) / RTE_CACHE_LINE_SIZE)) - 1))
#define LINES(field, len) LINES_AT(offsetof(struct esp_nkey, field), len)

/*
 * The cache lines of k that one packet's crypto reads, for
 * sa_keys_prefetch(): the round keys it uses, the HMAC pads, and for GCM
 * the GHASH key powers of short packets. IPsec-MB's AVX-512 / VAES layout
 * keeps HashKey^8..^1 as the last 8 of gcm_key_data's 48; its SSE/AVX2
 * layouts keep theirs first, right after the round keys: both covered.
 */
static uint32_t
key_lines(const struct esp_nkey *k, bool out)
{
	uint32_t l = LINES(salt, 7);	/* salt, key_len, cipher, hash */
	size_t hk = offsetof(struct esp_nkey, gcm.ghash_keys) + sizeof(k->gcm.ghash_keys);

	switch (k->cipher) {
	case IMB_CIPHER_GCM:
		return l | LINES(gcm.expanded_keys, 16 * 15 + 16 * 8) | LINES_AT(hk - 16 * 8, 16 * 8);
	case IMB_CIPHER_CBC:
		return l | (out ? LINES(cbc.enc, 16 * 15) : LINES(cbc.dec, 16 * 15)) |
		       LINES(cbc.ipad, 32) | LINES(cbc.opad, 32);
	default:
		return l | LINES(chacha, 32);
	}
}

int
esp_native_sa_init(struct dp_sa *sa, const struct sa_desc *d, char *err, size_t el)
{
	const struct esp_alg_info *ai = &esp_alg_info[d->alg];
	struct esp_nkey *k;

	if (ctl_mgr == NULL && (ctl_mgr = mgr_new()) == NULL) {
		snprintf(err, el, "Intel IPsec-MB manager: out of memory");
		return -1;
	}
	k = rte_zmalloc("esp_nkey", sizeof(*k), RTE_CACHE_LINE_SIZE);
	if (k == NULL) {
		snprintf(err, el, "out of memory for SA keys");
		return -1;
	}
	switch (d->alg) {
	case ESP_ALG_AES_GCM_128:
	case ESP_ALG_AES_GCM_256:
		k->key_len = ai->enc_key_len - 4;
		if (k->key_len == 16)
			IMB_AES128_GCM_PRE(ctl_mgr, d->enc_key, &k->gcm);
		else
			IMB_AES256_GCM_PRE(ctl_mgr, d->enc_key, &k->gcm);
		memcpy(k->salt, d->enc_key + k->key_len, 4);
		k->cipher = IMB_CIPHER_GCM;
		k->hash = IMB_AUTH_AES_GMAC;
		break;
	case ESP_ALG_CHACHA20_POLY1305:
		k->key_len = 32;
		memcpy(k->chacha, d->enc_key, 32);
		memcpy(k->salt, d->enc_key + 32, 4);
		k->cipher = IMB_CIPHER_CHACHA20_POLY1305;
		k->hash = IMB_AUTH_CHACHA20_POLY1305;
		break;
	default:
		k->key_len = ai->enc_key_len;
		if (k->key_len == 16)
			IMB_AES_KEYEXP_128(ctl_mgr, d->enc_key, k->cbc.enc, k->cbc.dec);
		else
			IMB_AES_KEYEXP_256(ctl_mgr, d->enc_key, k->cbc.enc, k->cbc.dec);
		hmac_pads(ctl_mgr, d->auth_key, ai->auth_key_len, k->cbc.ipad, k->cbc.opad);
		k->cipher = IMB_CIPHER_CBC;
		k->hash = IMB_AUTH_HMAC_SHA_256;
	}
	sa->nk = k;
	sa->nk_lines = key_lines(k, d->dir == SA_DIR_OUTBOUND);
	dp.native_keys++;
	sa->sqn = d->dir == SA_DIR_OUTBOUND ? sa->life.packets : 0;
	return 0;
}

void
esp_native_sa_free(struct dp_sa *sa)
{
	if (sa->nk != NULL) {
		explicit_bzero(sa->nk, sizeof(*sa->nk));
		rte_free(sa->nk);
		sa->nk = NULL;
		dp.native_keys--;
	}
}

/* the job's fields that depend only on the SA and direction */
static void
job_sa(IMB_JOB *j, const struct esp_nkey *k, bool enc)
{
	j->cipher_mode = k->cipher;
	j->hash_alg = k->hash;
	j->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	j->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	j->key_len_in_bytes = k->key_len;
	j->auth_tag_output_len_in_bytes = 16;
	if (k->cipher == IMB_CIPHER_CHACHA20_POLY1305) {
		j->enc_keys = j->dec_keys = k->chacha;
		j->iv_len_in_bytes = 12;
	} else {
		j->enc_keys = k->cbc.enc;
		j->dec_keys = k->cbc.dec;
		j->iv_len_in_bytes = 16;
		j->u.HMAC._hashed_auth_key_xor_ipad = k->cbc.ipad;
		j->u.HMAC._hashed_auth_key_xor_opad = k->cbc.opad;
	}
}

/* the packet's part of a job (CBC+HMAC, ChaCha20-Poly1305) */
static void
job_pkt(IMB_JOB *j, const struct esp_nkey *k, struct njob *x)
{
	j->src = x->esp;
	j->dst = x->esp + x->ct_off;
	j->cipher_start_src_offset_in_bytes = x->ct_off;
	j->msg_len_to_cipher_in_bytes = x->ct_len;
	j->iv = x->iv;
	j->auth_tag_output = x->out;
	if (k->cipher == IMB_CIPHER_CBC) {
		j->hash_start_src_offset_in_bytes = 0;
		j->msg_len_to_hash_in_bytes = x->auth_len;
	} else {
		j->hash_start_src_offset_in_bytes = x->ct_off;
		j->msg_len_to_hash_in_bytes = x->ct_len;
		j->u.CHACHA20_POLY1305.aad = x->aad;
		j->u.CHACHA20_POLY1305.aad_len_in_bytes = x->aad_len;
	}
}

/* AEAD: nonce = salt || IV; AAD = SPI || (seq_hi ||) seq_lo (4106 5, 7634 2.1) */
static void
aead_args(struct njob *x, const struct esp_nkey *k, const uint8_t *iv8, uint64_t seq, bool esn)
{
	memcpy(x->iv, k->salt, 4);
	memcpy(x->iv + 4, iv8, 8);
	memcpy(x->aad, x->esp, 4);
	if (esn) {
		uint32_t hi = rte_cpu_to_be_32((uint32_t)(seq >> 32));
		memcpy(x->aad + 4, &hi, 4);
		memcpy(x->aad + 8, x->esp + 4, 4);
	} else {
		memcpy(x->aad + 4, x->esp + 4, 4);
	}
	x->aad_len = esn ? 12 : 8;
}

/* constant time: does the computed tag match the received ICV? */
static bool
tag_ok(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;

	for (unsigned i = 0; i < 16; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/*
 * Seal or open the packets whose state is still 0. AES-GCM has no
 * multi-buffer lanes to fill: its direct API, no job queue and no checks.
 * The others go through the job API back to back and are flushed once;
 * jobs complete in order, each result lands in its njob.
 */
static void
job_done(IMB_JOB *j)
{
	struct njob *d = j->user_data;

	if (j->status != IMB_STATUS_COMPLETED)
		d->state = ESPGW_DROP_CRYPTO_ERROR;
}

/*
 * Each packet's crypto with its SA's keys (sa[i], or sa[0] for all when
 * one is true): AES-GCM through the direct API at once, the rest submitted as
 * jobs across SAs, so the multi-buffer lanes fill with the whole burst,
 * then flushed once.
 */
static void
crypt(struct dp_worker *w, struct dp_sa *const *sa, bool one, struct njob *x, uint16_t n,
      bool enc)
{
	IMB_MGR *mgr = w->mb;
	struct gcm_context_data ctx;
	bool jobs = false;
	IMB_JOB *j;

	for (uint16_t i = 0; i < n; i++) {
		const struct esp_nkey *ki = sa[one ? 0 : i]->nk;
		uint8_t *p = x[i].esp + x[i].ct_off;

		if (x[i].state != 0)
			continue;
		if (ki->cipher == IMB_CIPHER_GCM) {
			if (enc && ki->key_len == 16)
				IMB_AES128_GCM_ENC(mgr, &ki->gcm, &ctx, p, p, x[i].ct_len, x[i].iv,
						   x[i].aad, x[i].aad_len, x[i].out, 16);
			else if (enc)
				IMB_AES256_GCM_ENC(mgr, &ki->gcm, &ctx, p, p, x[i].ct_len, x[i].iv,
						   x[i].aad, x[i].aad_len, x[i].out, 16);
			else if (ki->key_len == 16)
				IMB_AES128_GCM_DEC(mgr, &ki->gcm, &ctx, p, p, x[i].ct_len, x[i].iv,
						   x[i].aad, x[i].aad_len, x[i].out, 16);
			else
				IMB_AES256_GCM_DEC(mgr, &ki->gcm, &ctx, p, p, x[i].ct_len, x[i].iv,
						   x[i].aad, x[i].aad_len, x[i].out, 16);
			continue;
		}
		j = IMB_GET_NEXT_JOB(mgr);
		job_sa(j, ki, enc);
		job_pkt(j, ki, &x[i]);
		j->user_data = &x[i];
		for (j = IMB_SUBMIT_JOB(mgr); j != NULL; j = IMB_GET_COMPLETED_JOB(mgr))
			job_done(j);
		jobs = true;
	}
	while (jobs && (j = IMB_FLUSH_JOB(mgr)) != NULL)
		job_done(j);
}

/* good packets first in their order; the others after, with why[] */
static uint16_t
compact(struct rte_mbuf **m, uint16_t n, const struct njob *x, uint8_t *why)
{
	struct rte_mbuf *bad[DP_BURST * 2];
	uint8_t bw[DP_BURST * 2];
	uint16_t g = 0, b = 0;
	uint8_t any = 0;

	for (uint16_t i = 0; i < n; i++)
		any |= x[i].state;
	if (any == 0)
		return n;
	for (uint16_t i = 0; i < n; i++) {
		if (x[i].state == 0) {
			m[g++] = m[i];
		} else {
			bw[b] = x[i].state;
			bad[b++] = m[i];
		}
	}
	for (uint16_t i = 0; i < b; i++) {
		m[g + i] = bad[i];
		why[g + i] = bw[i];
	}
	return g;
}

/* offset of the next-header byte of the last header in [0, hl) */
static uint32_t
nh_off(const uint8_t *p, uint32_t hl)
{
	uint32_t at, off;

	if ((p[0] >> 4) == 4)
		return offsetof(struct rte_ipv4_hdr, next_proto_id);
	at = offsetof(struct rte_ipv6_hdr, proto);
	for (off = sizeof(struct rte_ipv6_hdr); off + 2 <= hl; off += (p[off + 1] + 1u) * 8)
		at = off;
	return at;
}

/* IP lengths (and the IPv4 sum) after the payload changed; p at the header */
static void
ip_set_len(uint8_t *p, uint32_t len)
{
	if ((p[0] >> 4) == 4) {
		struct rte_ipv4_hdr *ip = (void *)p;
		ip->total_length = rte_cpu_to_be_16(len);
		ip4_set_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip6 = (void *)p;
		ip6->payload_len = rte_cpu_to_be_16(len - sizeof(*ip6));
	}
}

/* ---- outbound ---- */

/* ESP around one packet, ready for its crypto; false: x->state says why */
static bool
seal_frame(struct dp_sa *sa, struct rte_mbuf *m, struct njob *x, uint64_t seq)
{
	bool cbc = sa->nk->cipher == IMB_CIPHER_CBC, tun = sa->mode == SA_MODE_TUNNEL;
	uint32_t blk = cbc ? 16 : 4, hl = tun ? 0 : m->l3_len;
	uint32_t len = rte_pktmbuf_pkt_len(m) - hl;	/* what ESP carries */
	uint32_t pad = (blk - (len + 2) % blk) % blk;
	const struct dp_sa_path *pa = x->pa = dp_sa_path_get(sa);
	uint32_t encap = pa->encap_sport ? sizeof(struct rte_udp_hdr) : 0;
	uint32_t outer = tun ? pa->tun_hdr_len : hl;
	uint32_t add = outer - hl + encap + 8 + sa->iv_len;
	uint64_t s = rte_cpu_to_be_64(seq);
	uint8_t *p, *esp, *t, nh;
	uint32_t be;

	if (m->nb_segs != 1) {
		x->state = ESPGW_DROP_ENCAP_FAILED;
		return false;
	}
	t = (uint8_t *)rte_pktmbuf_append(m, pad + 2 + sa->icv_len);
	p = (uint8_t *)rte_pktmbuf_prepend(m, add);
	if (t == NULL || p == NULL) {
		x->state = ESPGW_DROP_ENCAP_FAILED;
		return false;
	}
	if (tun) {
		nh = sa->next_proto;
		rte_memcpy(p, pa->tun_hdr, outer);
	} else {
		memmove(p, p + add, hl);
		nh = p[nh_off(p, hl)];
		p[nh_off(p, hl)] = encap ? IPPROTO_UDP : IPPROTO_ESP;
	}
	/* RFC 4303 2.4: padding 1, 2, 3, ...; then pad length, next header */
	for (uint32_t i = 0; i < pad; i++)
		t[i] = i + 1;
	t[pad] = pad;
	t[pad + 1] = nh;
	esp = p + outer + encap;
	memcpy(esp, &sa->spi_be, 4);
	be = rte_cpu_to_be_32((uint32_t)seq);
	memcpy(esp + 4, &be, 4);
	x->esp = esp;
	x->icv_at = x->out = t + pad + 2;
	if (!cbc) {
		memcpy(esp + 8, &s, 8);
		aead_args(x, sa->nk, esp + 8, seq, sa->esn);
		x->ct_off = 16;
		x->ct_len = len + pad + 2;
		return true;
	}
	/* the nonce block, encrypted in place into the IV (see top) */
	memset(x->iv, 0, 16);
	memcpy(esp + 8, &s, 8);
	memcpy(esp + 16, &sa->spi_be, 4);
	memset(esp + 20, 0, 4);
	x->ct_off = 8;
	x->ct_len = 16 + len + pad + 2;
	x->auth_len = 8 + x->ct_len;
	if (sa->esn) {
		/* seq_hi after the ciphertext for the ICV; the ICV replaces it */
		uint32_t hi = rte_cpu_to_be_32((uint32_t)(seq >> 32));
		memcpy(x->icv_at, &hi, 4);
		x->auth_len += 4;
		x->out = x->tag;
	}
	return true;
}

/* the headers around ESP once it is sealed */
static void
seal_finish(struct dp_sa *sa, struct rte_mbuf *m, struct njob *x, uint64_t seq)
{
	const struct dp_sa_path *pa = x->pa;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint32_t hl = sa->mode == SA_MODE_TUNNEL ? pa->tun_hdr_len : m->l3_len;

	if (sa->esn && sa->nk->cipher == IMB_CIPHER_CBC)
		memcpy(x->icv_at, x->tag, 16);
	if (sa->mode == SA_MODE_TUNNEL && pa->outer_family == AF_INET) {
		/* the template's sum plus the two fields that change */
		struct rte_ipv4_hdr *ip = (void *)p;
		uint32_t sum;
		ip->total_length = rte_cpu_to_be_16(len);
		ip->packet_id = rte_cpu_to_be_16((uint16_t)seq);
		sum = pa->tun_sum + ip->total_length + ip->packet_id;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		ip->hdr_checksum = (uint16_t)~sum;
	} else {
		ip_set_len(p, len);
	}
	if (pa->encap_sport) {
		/* RFC 3948 2.1: zero checksum over IPv4; IPv6 needs one */
		struct rte_udp_hdr *u = (void *)(p + hl);
		u->src_port = pa->encap_sport;
		u->dst_port = pa->encap_dport;
		u->dgram_len = rte_cpu_to_be_16(len - hl);
		u->dgram_cksum = 0;
		if (pa->outer_family == AF_INET6)
			u->dgram_cksum = rte_ipv6_udptcp_cksum((void *)p, u);
	}
}

void
esp_native_seal_multi(struct dp_worker *w, struct dp_sa **sa, struct rte_mbuf **m, uint16_t n,
		      uint8_t *why)
{
	struct njob x[ESP_SEAL_MAX];
	uint64_t seq[ESP_SEAL_MAX];

	for (uint16_t i = 0, r; i < n; i = r) {
		uint64_t s0;
		/* one atomic per run of an SA; the lifetime check bounded the space */
		for (r = i + 1; r < n && sa[r] == sa[i]; r++)
			;
		s0 = dp.n_workers > 1 ? __atomic_fetch_add(&sa[i]->sqn, r - i, __ATOMIC_RELAXED) :
		     (sa[i]->sqn += r - i) - (r - i);
		for (uint16_t t = i; t < r; t++) {
			seq[t] = s0 + 1 + (t - i);
			x[t].state = 0;
			seal_frame(sa[t], m[t], &x[t], seq[t]);
		}
	}
	crypt(w, sa, false, x, n, true);
	for (uint16_t i = 0; i < n; i++) {
		if (x[i].state == 0)
			seal_finish(sa[i], m[i], &x[i], seq[i]);
		why[i] = x[i].state;
	}
}

uint16_t
esp_native_seal(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m, uint16_t n,
		uint8_t *why)
{
	struct dp_sa *s[DP_BURST];
	struct njob x[DP_BURST];

	for (uint16_t i = 0; i < n; i++)
		s[i] = sa;
	esp_native_seal_multi(w, s, m, n, why);
	for (uint16_t i = 0; i < n; i++)
		x[i].state = why[i];
	return compact(m, n, x, why);
}

/* ---- inbound ---- */

/* where one packet's parts are, for its crypto (lengths were checked) */
static void
open_frame(struct dp_sa *sa, struct rte_mbuf *m, struct njob *x, uint64_t seq)
{
	uint32_t l3 = m->l3_len, len = rte_pktmbuf_pkt_len(m);
	uint8_t *esp = rte_pktmbuf_mtod_offset(m, uint8_t *, l3);

	x->state = 0;
	x->esp = esp;
	x->icv_at = esp + (len - l3) - sa->icv_len;
	x->out = x->tag;
	x->ct_off = 8 + sa->iv_len;
	x->ct_len = len - l3 - x->ct_off - sa->icv_len;
	if (sa->nk->cipher != IMB_CIPHER_CBC) {
		aead_args(x, sa->nk, esp + 8, seq, sa->esn);
		return;
	}
	memcpy(x->iv, esp + 8, 16);
	x->auth_len = x->ct_off + x->ct_len;
	if (sa->esn) {
		uint32_t hi = rte_cpu_to_be_32((uint32_t)(seq >> 32));
		memcpy(x->icv, x->icv_at, 16);
		memcpy(x->icv_at, &hi, 4);
		x->auth_len += 4;
	}
}

/* verified: check the trailer and take ESP off; 0 or a drop reason */
static uint8_t
open_finish(struct dp_sa *sa, struct rte_mbuf *m, struct njob *x)
{
	uint32_t l3 = m->l3_len, hdr = 8 + sa->iv_len;
	const uint8_t *t = x->icv_at - 2;
	uint8_t pad = t[0], nh = t[1];
	uint32_t body = x->icv_at - rte_pktmbuf_mtod_offset(m, uint8_t *, l3 + hdr);
	uint8_t *p;

	if (!tag_ok(x->tag, sa->esn && sa->nk->cipher == IMB_CIPHER_CBC ? x->icv : x->icv_at))
		return ESPGW_DROP_ESP_ICV;
	if (pad + 2u > body)
		return ESPGW_DROP_ESP_TRAILER;
	for (unsigned i = 0; i < pad; i++)
		if (t[-(int)pad + (int)i] != i + 1)
			return ESPGW_DROP_ESP_TRAILER;
	rte_pktmbuf_trim(m, pad + 2 + sa->icv_len);
	if (sa->mode == SA_MODE_TUNNEL) {
		if (nh != sa->next_proto)
			return ESPGW_DROP_ESP_TRAILER;
		rte_pktmbuf_adj(m, l3 + hdr);
		m->l3_len = 0;
		return 0;
	}
	/* transport: the IP header moves up over ESP header and IV */
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memmove(p + hdr, p, l3);
	p = (uint8_t *)rte_pktmbuf_adj(m, hdr);
	p[nh_off(p, l3)] = nh;
	ip_set_len(p, rte_pktmbuf_pkt_len(m));
	return 0;
}

uint16_t
esp_native_open(struct dp_worker *w, struct dp_sa *sa, struct rte_mbuf **m, uint16_t n,
		const uint64_t *seq, uint8_t *why)
{
	struct njob x[DP_BURST];

	for (uint16_t i = 0; i < n; i++)
		open_frame(sa, m[i], &x[i], seq[i]);
	crypt(w, &sa, true, x, n, false);
	for (uint16_t i = 0; i < n; i++)
		if (x[i].state == 0)
			x[i].state = open_finish(sa, m[i], &x[i]);
	return compact(m, n, x, why);
}
